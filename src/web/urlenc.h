/* urlenc: percent-decoding of URL paths, query strings and
 * application/x-www-form-urlencoded bodies, strictly.
 *
 * Anything malformed is refused rather than guessed: a '%' not followed by
 * two hex digits, a decoded NUL byte, or bytes that are not valid UTF-8.
 * These parsers see untrusted bytes first; they are fuzzed
 * (tests/fuzz/fuzz_uri.c through the query, fuzz_form.c through form
 * bodies).
 */
#ifndef KAFAAT_WEB_URLENC_H
#define KAFAAT_WEB_URLENC_H

#include <stddef.h>

#include "core/arena.h"

struct kv {
	const char *key;
	const char *value;
};

/* A list of decoded pairs, in arrival order; memory from an arena. */
struct kvlist {
	struct kv *items;
	size_t count;
	size_t cap;
};

/* Appends a pair (both strings are kept by pointer, not copied). */
void kvlist_add(struct arena *a, struct kvlist *l, const char *key, const char *value);
/* The value of the first pair named key, or NULL. */
const char *kvlist_get(const struct kvlist *l, const char *key);

/* Decodes n bytes of s; '+' becomes a space when plus_is_space. Returns a
 * NUL-terminated copy in the arena, or NULL when malformed (see above). */
char *url_decode(struct arena *a, const char *s, size_t n, int plus_is_space);

/* Parses "k=v&k2=v2" (query string or form body; '+' is a space; empty
 * pairs skipped; a key without '=' has value ""). At most max_pairs pairs.
 * Returns 0, or -1 when malformed or over the limit. */
int url_parse_pairs(struct arena *a, const char *s, size_t n, size_t max_pairs, struct kvlist *out);

/* Appends s percent-encoded (everything but A-Z a-z 0-9 - . _ ~). */
struct buf;
int url_encode(struct buf *out, const char *s, size_t n);

#endif
