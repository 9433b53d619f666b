/* multipart: a small, strict parser of multipart/form-data bodies (RFC
 * 7578), enough for the one thing browsers need it for here: a form with a
 * few text fields and one file, sent without JavaScript.
 *
 * Strict on purpose (these bytes come from anyone, before authorisation):
 * the Content-Type must be multipart/form-data with one boundary parameter
 * (1-70 characters, quoted or not); the body starts with the first
 * delimiter (no preamble) and ends with the closing one (at most a CRLF
 * after it); each part has a Content-Disposition "form-data" with a quoted
 * name (and, for files, a quoted filename) and at most a Content-Type
 * besides; lines end with CRLF. Anything else is refused, never guessed.
 * Parts point into the body: nothing is copied or allocated.
 * Fuzzed: tests/fuzz/fuzz_multipart.c.
 */
#ifndef KAFAAT_WEB_MULTIPART_H
#define KAFAAT_WEB_MULTIPART_H

#include <stddef.h>

#define MULTIPART_MAX_PARTS 8

/* One part: name and filename without their quotes (filename is NULL for
 * a text field), the declared type ("" when none), and the content. */
struct mp_part {
	const char *name;
	size_t name_len;
	const char *filename;
	size_t filename_len;
	const char *type;
	size_t type_len;
	const char *data;
	size_t len;
};

struct mp_form {
	struct mp_part parts[MULTIPART_MAX_PARTS];
	size_t count;
};

/* Is this Content-Type multipart/form-data (whatever its parameters)? */
int multipart_is(const char *content_type);

/* Parses body[0..len) sent with content_type into form. Returns 0, or -1
 * with a stable reason in *why ("bad_content_type", "bad_boundary",
 * "no_delimiter", "bad_headers", "too_many_parts", "unterminated"). */
int multipart_parse(const char *content_type, const char *body, size_t len, struct mp_form *form,
                    const char **why);

/* The first part named name, or NULL. */
const struct mp_part *multipart_get(const struct mp_form *form, const char *name);

#endif
