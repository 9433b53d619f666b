/* xml: escaping text for XML (xml.h). */
#include "web/xml.h"

static const char *entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	default:
		return NULL;
	}
}

int xml_text(struct buf *b, const char *s)
{
	int rc = 0;

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		const char *e = entity(*p);
		if (e)
			rc |= buf_adds(b, e);
		else if (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
			rc |= buf_addc(b, (char)*p);
	}
	return rc ? -1 : 0;
}
