/* xml: text for XML documents the server writes (Atom feeds).
 *
 * xml_text appends s escaped for element text and attribute values (& < >
 * " ' as entities) and leaves out the control characters XML 1.0 forbids
 * (all below 0x20 but tab, line feed and carriage return), so that no
 * stored text can make a feed ill-formed. s is UTF-8; NULL appends
 * nothing. Returns 0, or -1 when the buffer's maximum was reached. */
#ifndef KAFAAT_WEB_XML_H
#define KAFAAT_WEB_XML_H

#include "core/buf.h"

int xml_text(struct buf *b, const char *s);

#endif
