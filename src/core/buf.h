/* buf: a growable byte buffer, always NUL-terminated.
 *
 * struct buf b = BUF_INIT;            // empty, no maximum
 * buf_init(&b, 1 << 20);              // or: at most 1 MiB of content
 * buf_add(&b, "x", 1); buf_addf(&b, "%d", 42);
 * buf_release(&b);                    // frees; b is empty again
 *
 * Appending past the maximum fails with -1 and leaves the buffer unchanged
 * (as curl's dynbuf does), so input size limits are enforced where bytes
 * enter. With max == 0 there is no maximum. `data` is never NULL after the
 * first append; before it, buf_str() returns "".
 */
#ifndef KAFAAT_CORE_BUF_H
#define KAFAAT_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The content as a C string ("" when empty); owned by the buffer. */
const char *buf_str(const struct buf *b);
/* Hands the content to the caller (who frees it) and empties the buffer. */
char *buf_detach(struct buf *b, size_t *len);

#endif
