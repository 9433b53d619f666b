#!/usr/bin/python3
"""smtp_sink.py: a real SMTP server for the mail tests (Debian's python3-aiosmtpd).

Usage: smtp_sink.py PORT DIR [USER:PASSWORD]

Listens on 127.0.0.1:PORT. Every message received is written to DIR/N.json
(N = 1, 2, ...) before the server answers 250, holding the envelope, the raw
message and what Python's email parser reads in it: the decoded Subject,
the decoded body text, the headers and every defect found. Recipients whose
local part is "reject" are refused with 550, to test failures. With USER:PASSWORD, clients must authenticate (AUTH
PLAIN or LOGIN, allowed without TLS on this loopback test server). Prints
"ready" on stdout once listening; stops when stdin closes or on SIGTERM.
"""
import json
import os
import signal
import sys
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0] == "reject":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        defects = [repr(d) for d in msg.defects]
        for name, value in msg.items():
            defects += [f"{name}: {d!r}" for d in getattr(value, "defects", [])]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "raw": raw.decode("utf-8", "replace"),
            "headers": {name: str(value) for name, value in msg.items()},
            "subject": str(msg["subject"]),
            "body": msg.get_content(),
            "defects": defects,
        }
        with self.lock:
            self.count += 1
            path = os.path.join(self.folder, f"{self.count}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok)

    return check


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    auth = {}
    if len(sys.argv) > 3:
        user, password = sys.argv[3].split(":", 1)
        auth = dict(auth_required=True, auth_require_tls=False,
                    authenticator=authenticator(user, password))
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port, **auth)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print("ready", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
