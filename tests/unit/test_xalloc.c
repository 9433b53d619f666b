/* Unit tests for core/xalloc: allocation failure aborts, cleanly.
 *
 * Out of memory is not recoverable in a request handler (a half-served
 * request cannot be unwound safely), so xalloc logs one line and aborts;
 * these tests check that it does so through the failure hook, in a forked
 * child whose exit status and standard error the parent reads. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/xalloc.h"

#define CHILD_RETURNED 42 /* exit status of a child whose allocation returned */

static int calls;
static size_t last_size;
static int fail_on; /* the call that fails (1-based); 0: none */

static int fail_nth(size_t n)
{
	last_size = n;
	return ++calls == fail_on;
}

static void arm(int nth)
{
	calls = 0;
	last_size = 0;
	fail_on = nth;
	xalloc_set_fail_hook(fail_nth);
}

/* What a forked child did: its wait status and the start of its stderr. */
struct outcome {
	int status;
	char err[256];
};

static void read_all(int fd, char *out, size_t n)
{
	size_t len = 0;
	ssize_t got;

	while (len + 1 < n && (got = read(fd, out + len, n - 1 - len)) > 0)
		len += (size_t)got;
	out[len] = '\0';
}

/* Runs fn in a child with its stderr on a pipe; fails the test if the
 * fork or the pipe fails. */
static struct outcome in_child(void (*fn)(void))
{
	struct outcome o = {0};
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDERR_FILENO) < 0)
			_exit(1);
		fn();
		_exit(CHILD_RETURNED);
	}
	close(fds[1]);
	read_all(fds[0], o.err, sizeof(o.err));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &o.status, 0), pid);
	return o;
}

static void assert_aborted(const struct outcome *o, const char *message)
{
	assert_true(WIFSIGNALED(o->status));
	assert_int_equal(WTERMSIG(o->status), SIGABRT);
	assert_non_null(strstr(o->err, message));
}

static void do_malloc(void)
{
	arm(1);
	free(xmalloc(100));
}

static void do_third_of_three(void)
{
	arm(3);
	free(xmalloc(10));
	free(xcalloc(4, 8));
	free(xstrdup("three"));
}

static void do_realloc(void)
{
	char *p = xmalloc(8);

	arm(1);
	p = xrealloc(p, 4096);
	free(p);
}

static void do_calloc_overflow(void)
{
	xalloc_set_fail_hook(NULL);
	free(xcalloc(SIZE_MAX / 2, 4));
}

static void do_no_failure(void)
{
	arm(0);
	free(xmalloc(16));
}

#ifndef __SANITIZE_ADDRESS__
static void do_unhooked_too_big(void)
{
	arm(1);
	free(xmalloc_unhooked(SIZE_MAX / 2));
}
#endif

static void xmalloc_aborts_when_the_hook_fails_it(void **state)
{
	struct outcome o = in_child(do_malloc);

	(void)state;
	assert_aborted(&o, "fatal: out of memory allocating 100 bytes");
}

static void only_the_chosen_allocation_fails(void **state)
{
	struct outcome o = in_child(do_third_of_three);

	(void)state;
	assert_aborted(&o, "out of memory allocating 6 bytes"); /* "three" + NUL */
	assert_null(strstr(o.err + 1, "fatal:")); /* one line: the earlier ones worked */
}

static void xrealloc_aborts_too(void **state)
{
	struct outcome o = in_child(do_realloc);

	(void)state;
	assert_aborted(&o, "out of memory allocating 4096 bytes");
}

static void a_size_overflow_aborts_without_allocating(void **state)
{
	struct outcome o = in_child(do_calloc_overflow);

	(void)state;
	assert_aborted(&o, "fatal: out of memory");
}

static void without_a_failure_the_child_carries_on(void **state)
{
	struct outcome o = in_child(do_no_failure);

	(void)state;
	assert_true(WIFEXITED(o.status));
	assert_int_equal(WEXITSTATUS(o.status), CHILD_RETURNED);
	assert_string_equal(o.err, "");
}

static void the_hook_sees_each_size_and_can_be_removed(void **state)
{
	(void)state;
	arm(0);
	free(xmalloc(0));
	assert_int_equal(last_size, 1); /* zero bytes are allocated as one */
	free(xcalloc(3, 5));
	assert_int_equal(last_size, 15);
	assert_int_equal(calls, 2);
	xalloc_set_fail_hook(NULL);
	free(xmalloc(32));
	assert_int_equal(calls, 2);
}

/* The allocator given to jansson: never failed by the hook (its
 * allocations are not counted), but a real failure aborts the same way. */
static void the_unhooked_allocator_bypasses_the_hook_and_aborts_alike(void **state)
{
	(void)state;
	arm(1);
	free(xmalloc_unhooked(0));
	free(xmalloc_unhooked(64));
	assert_int_equal(calls, 0);
	xalloc_set_fail_hook(NULL);
#ifdef __SANITIZE_ADDRESS__
	/* ASan reports an impossible size itself instead of returning NULL. */
#else
	struct outcome o = in_child(do_unhooked_too_big);
	assert_aborted(&o, "fatal: out of memory allocating");
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(xmalloc_aborts_when_the_hook_fails_it),
	        cmocka_unit_test(only_the_chosen_allocation_fails),
	        cmocka_unit_test(xrealloc_aborts_too),
	        cmocka_unit_test(a_size_overflow_aborts_without_allocating),
	        cmocka_unit_test(without_a_failure_the_child_carries_on),
	        cmocka_unit_test(the_hook_sees_each_size_and_can_be_removed),
	        cmocka_unit_test(the_unhooked_allocator_bypasses_the_hook_and_aborts_alike),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
