/* ics: writing iCalendar (RFC 5545) into a struct buf, knowing nothing of
 * the domain.
 *
 * Every content line ends with CRLF and is folded so that no line is longer
 * than 75 octets (continuation lines start with one space), never inside a
 * UTF-8 character. TEXT values are escaped (backslash, semicolon, comma,
 * newline). Times are written in UTC ("20261210T233000Z").
 *
 *   ics_begin(&b, "-//Kafaat//Events//FR");
 *   ics_prop(&b, "BEGIN", "VEVENT");
 *   ics_text(&b, "SUMMARY", "Rencontre, Toronto; 2026");
 *   ics_time(&b, "DTSTART", t);
 *   ics_prop(&b, "END", "VEVENT");
 *   ics_end(&b);
 *
 * Each function returns 0, or -1 when the buffer's maximum was reached
 * (the buffer then holds a prefix: discard it).
 */
#ifndef KAFAAT_WEB_ICS_H
#define KAFAAT_WEB_ICS_H

#include <stdint.h>

#include "core/buf.h"

#define ICS_LINE_MAX 75 /* octets of a physical line, CRLF excluded */
#define ICS_CONTENT_TYPE "text/calendar; charset=utf-8"

/* BEGIN:VCALENDAR, VERSION, PRODID, CALSCALE and METHOD:PUBLISH. */
int ics_begin(struct buf *out, const char *prodid);
/* END:VCALENDAR. */
int ics_end(struct buf *out);
/* NAME:VALUE with value written as is (it must need no escaping: a UID,
 * a number, a status word), folded. */
int ics_prop(struct buf *out, const char *name, const char *value);
/* NAME:VALUE with value escaped as TEXT, folded. */
int ics_text(struct buf *out, const char *name, const char *text);
/* NAME:YYYYMMDDTHHMMSSZ (a UTC DATE-TIME). */
int ics_time(struct buf *out, const char *name, int64_t utc);
/* NAME:N. */
int ics_int(struct buf *out, const char *name, int64_t n);
/* Appends the TEXT escaping of text (no folding): \\ \; \, and \n. */
int ics_escape(struct buf *out, const char *text);

#endif
