/* utf8: validation of UTF-8 byte strings (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). Returns 1 when valid, 0 otherwise. */
#ifndef KAFAAT_CORE_UTF8_H
#define KAFAAT_CORE_UTF8_H

#include <stddef.h>

int utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_length(const char *s, size_t n);

#endif
