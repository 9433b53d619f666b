/* xalloc: allocation that never returns NULL.
 *
 * Every allocation in Kafaat goes through these functions. Out of memory is
 * not a recoverable condition for a request handler: the process logs and
 * aborts (as Redis, h2o and git do). Tests may install a failure hook
 * (xalloc_set_fail_hook) to simulate exhaustion deterministically.
 */
#ifndef KAFAAT_CORE_XALLOC_H
#define KAFAAT_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* As xmalloc, but never failed by the hook below: the allocator given to
 * libraries whose allocations are too many to count one by one in the
 * fault loops (jansson: json_set_alloc_funcs in cli/main.c), so that their
 * running out of memory aborts like Kafaat's own instead of returning
 * NULL into code that builds pages. */
void *xmalloc_unhooked(size_t n);
/* Returns a NUL-terminated copy; the caller owns it. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Hook called before each allocation; returning non-zero makes that
 * allocation fail (and so abort). NULL removes the hook. For tests only. */
typedef int (*xalloc_fail_hook)(size_t n);
void xalloc_set_fail_hook(xalloc_fail_hook hook);

#endif
