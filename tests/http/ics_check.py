#!/usr/bin/python3
"""Checks an iCalendar file the way a calendar client reads it.

Usage: /usr/bin/python3 tests/http/ics_check.py FILE

Fails (exit 1, the reason on stderr) when a line does not end with CRLF, is
longer than 75 octets, or the file does not parse with python3-icalendar
(Debian's package; hence /usr/bin/python3). Prints, as JSON, every VEVENT:
{uid, summary, status, sequence, start, end (Unix seconds, UTC), location,
description}.
"""
import json
import sys

import icalendar


def fail(why):
    print(f"ics_check: {why}", file=sys.stderr)
    sys.exit(1)


def main(path):
    data = open(path, "rb").read()
    if not data.endswith(b"\r\n"):
        fail("the file does not end with CRLF")
    for n, line in enumerate(data.split(b"\r\n")[:-1], 1):
        if b"\n" in line or b"\r" in line:
            fail(f"line {n}: a bare LF or CR")
        if len(line) > 75:
            fail(f"line {n}: {len(line)} octets")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            fail(f"line {n}: a UTF-8 character split by folding")
    cal = icalendar.Calendar.from_ical(data)
    if str(cal.get("VERSION")) != "2.0" or not cal.get("PRODID"):
        fail("VERSION or PRODID missing")
    out = []
    for ev in cal.walk("VEVENT"):
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        if start.tzinfo is None or end.tzinfo is None:
            fail("a floating time (no zone)")
        for prop in ("UID", "DTSTAMP", "SEQUENCE", "SUMMARY"):
            if prop not in ev:
                fail(f"{prop} missing")
        out.append({
            "uid": str(ev["UID"]),
            "summary": str(ev["SUMMARY"]),
            "status": str(ev.get("STATUS", "")),
            "sequence": int(ev["SEQUENCE"]),
            "start": int(start.timestamp()),
            "end": int(end.timestamp()),
            "location": str(ev.get("LOCATION", "")),
            "description": str(ev.get("DESCRIPTION", "")),
        })
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: ics_check.py FILE")
    main(sys.argv[1])
