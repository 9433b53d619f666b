/* ics: iCalendar lines, escaped and folded; see ics.h. */
#include "web/ics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/tz.h"

/* Appends the logical line "name:value" (value already escaped), folded at
 * ICS_LINE_MAX octets on UTF-8 character boundaries, then CRLF. */
static int fold(struct buf *out, const char *name, const char *value, size_t vlen)
{
	struct buf line = BUF_INIT;
	size_t i = 0, width = 0;
	int rc = -1;

	if (buf_adds(&line, name) < 0 || buf_addc(&line, ':') < 0 ||
	    buf_add(&line, value, vlen) < 0)
		goto done;
	while (i < line.len) {
		size_t n = 1;
		unsigned char c = (unsigned char)line.data[i];
		if (c >= 0xF0)
			n = 4;
		else if (c >= 0xE0)
			n = 3;
		else if (c >= 0xC0)
			n = 2;
		if (i + n > line.len)
			n = line.len - i;
		if (width + n > ICS_LINE_MAX) {
			if (buf_add(out, "\r\n ", 3) < 0)
				goto done;
			width = 1;
		}
		if (buf_add(out, line.data + i, n) < 0)
			goto done;
		width += n;
		i += n;
	}
	rc = buf_add(out, "\r\n", 2);
done:
	buf_release(&line);
	return rc;
}

int ics_prop(struct buf *out, const char *name, const char *value)
{
	return fold(out, name, value, strlen(value));
}

int ics_escape(struct buf *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		int rc;
		if (*p == '\\' || *p == ';' || *p == ',')
			rc = buf_addc(out, '\\') < 0 ? -1 : buf_addc(out, *p);
		else if (*p == '\r' && p[1] == '\n')
			continue; /* CRLF: one newline, written at the LF */
		else if (*p == '\n' || *p == '\r')
			rc = buf_add(out, "\\n", 2);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			continue; /* other controls are not allowed in TEXT */
		else
			rc = buf_addc(out, *p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int ics_text(struct buf *out, const char *name, const char *text)
{
	struct buf v = BUF_INIT;
	int rc = ics_escape(&v, text) < 0 ? -1 : fold(out, name, buf_str(&v), v.len);

	buf_release(&v);
	return rc;
}

int ics_time(struct buf *out, const char *name, int64_t utc)
{
	struct tz_civil c;
	char v[32];

	tz_civil(utc, 0, &c);
	snprintf(v, sizeof(v), "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour,
	         c.minute, c.second);
	return ics_prop(out, name, v);
}

int ics_int(struct buf *out, const char *name, int64_t n)
{
	char v[24];

	snprintf(v, sizeof(v), "%" PRId64, n);
	return ics_prop(out, name, v);
}

int ics_begin(struct buf *out, const char *prodid)
{
	if (ics_prop(out, "BEGIN", "VCALENDAR") < 0 || ics_prop(out, "VERSION", "2.0") < 0 ||
	    ics_prop(out, "PRODID", prodid) < 0 || ics_prop(out, "CALSCALE", "GREGORIAN") < 0)
		return -1;
	return ics_prop(out, "METHOD", "PUBLISH");
}

int ics_end(struct buf *out)
{
	return ics_prop(out, "END", "VCALENDAR");
}
