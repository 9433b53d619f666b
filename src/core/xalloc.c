#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xalloc_fail_hook fail_hook;

void xalloc_set_fail_hook(xalloc_fail_hook hook)
{
	fail_hook = hook;
}

static void *check(void *p, size_t n)
{
	if (p == NULL && n != 0) {
		fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
		abort();
	}
	return p;
}

static int should_fail(size_t n)
{
	return fail_hook != NULL && fail_hook(n);
}

void *xmalloc(size_t n)
{
	if (n == 0)
		n = 1;
	return check(should_fail(n) ? NULL : malloc(n), n);
}

void *xmalloc_unhooked(size_t n)
{
	if (n == 0)
		n = 1;
	return check(malloc(n), n);
}

void *xcalloc(size_t count, size_t size)
{
	if (count == 0 || size == 0)
		count = size = 1;
	if (size != 0 && count > (size_t)-1 / size)
		return check(NULL, (size_t)-1);
	return check(should_fail(count * size) ? NULL : calloc(count, size), count * size);
}

void *xrealloc(void *p, size_t n)
{
	if (n == 0)
		n = 1;
	return check(should_fail(n) ? NULL : realloc(p, n), n);
}

char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}
