/* parse: strict number parsing (no atoi, no silent garbage).
 *
 * parse_int64 accepts an optional '-' and decimal digits only: no spaces, no
 * '+', no trailing bytes. Returns 0 and sets *out when the whole string is a
 * number within [min, max]; -1 otherwise (*out unchanged).
 */
#ifndef KAFAAT_CORE_PARSE_H
#define KAFAAT_CORE_PARSE_H

#include <stddef.h>
#include <stdint.h>

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Same, for a byte range that need not be NUL-terminated. */
int parse_int64_n(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);
/* Parses "HOST:PORT" (IPv4 dotted or "localhost") into its parts.
 * host must hold 64 bytes. Returns 0 or -1. */
int parse_listen(const char *s, char host[64], uint16_t *port);

#endif
