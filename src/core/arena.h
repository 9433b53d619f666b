/* arena: a region allocator for per-request memory.
 *
 * Everything a request allocates comes from its arena and is released at
 * once by arena_free() when the request completes; handlers never free.
 * Allocations are 16-byte aligned. Memory comes from xmalloc (so never NULL).
 * An arena also runs registered cleanups (e.g. json_decref) when freed, in
 * reverse order of registration.
 */
#ifndef KAFAAT_CORE_ARENA_H
#define KAFAAT_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;
struct arena_cleanup;

struct arena {
	struct arena_block *head;
	struct arena_cleanup *cleanups;
	size_t total;
};

#define ARENA_INIT                                                                                 \
	{                                                                                          \
		NULL, NULL, 0                                                                      \
	}

void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Calls fn(p) when the arena is freed. */
void arena_defer(struct arena *a, void (*fn)(void *), void *p);
/* Runs the cleanups, releases every block; the arena can be reused. */
void arena_free(struct arena *a);

#endif
