/* fault: one database call fails on request (tests only; see fault.h).
 *
 * The target (fail_at), the count and the rollback mode are atomics:
 * written at start-up under pthread_once, by the SIGUSR1 handler or by a
 * unit test (fault_db_arm), read by every thread. The handler only uses
 * async-signal-safe calls (open, read, close, write, memcmp, strlen) and
 * lock-free atomics. */
#include "db/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "db/backend.h"

#define FAULT_ENV "FAULT_INJECT_DB"
#define SPEC_MAX 40 /* bytes read from the re-arm file */

/* What db_rollback does once the Nth call has failed (fault.h). */
enum rollback_mode { RB_NONE, RB_ONCE, RB_ALWAYS };

/* What is counted, and so what fails: a database call, or an allocation
 * (fault.h, enum fault_alloc_kind). */
enum target { T_CALL, T_ALLOC_KAFAAT, T_ALLOC_ENGINE };

/* The forms of a spec, by the suffix after N. */
static const struct {
	const char *suffix;
	enum target target;
	enum rollback_mode mode;
	const char *counted, *then; /* for the start-up log line */
} forms[] = {
        /* "+rollback-always" before its prefix "+rollback" */
        {"+rollback-always", T_CALL, RB_ALWAYS, "database call", ", and every rollback after it"},
        {"+rollback", T_CALL, RB_ONCE, "database call", ", and the rollback after it"},
        {"+engine-alloc", T_ALLOC_ENGINE, RB_NONE, "allocation by the database engine", ""},
        {"+alloc", T_ALLOC_KAFAAT, RB_NONE, "allocation by Kafaat", ""},
        {"", T_CALL, RB_NONE, "database call", ""},
};

static const char *const alloc_names[] = {
        [FAULT_ALLOC_KAFAAT] = "kafaat",
        [FAULT_ALLOC_ENGINE] = "engine",
};

static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static atomic_int_fast64_t fail_at; /* 0: no fault injected */
static atomic_int_fast64_t calls;   /* calls or allocations counted since armed */
static atomic_int target;           /* enum target, armed with fail_at */
static atomic_int rollback_mode;    /* enum rollback_mode, armed with fail_at */
static atomic_int rollback_due;     /* the Nth call failed: rollbacks fail (mode) */
static char rearm_file[512];        /* FAULT_INJECT_DB=/path: read on SIGUSR1 */
static int enabled;                 /* FAULT_INJECT_DB is set: written once, under fault_once */

/* Parses N followed by one of the forms' suffixes (len bytes; N >= 0),
 * then optional white space, into n and *form (an index in forms). 0, or
 * -1 when text is none of these. Async-signal-safe (the SIGUSR1 handler
 * uses it). */
static int parse_spec(const char *text, size_t len, int64_t *n, size_t *form)
{
	size_t i = 0, k;

	*n = 0;
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		if (*n > (INT64_MAX - 9) / 10)
			return -1;
		*n = *n * 10 + (text[i] - '0');
	}
	if (i == 0)
		return -1;
	for (k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
		size_t sl = strlen(forms[k].suffix);
		if (len - i >= sl && memcmp(text + i, forms[k].suffix, sl) == 0)
			break;
	}
	*form = k; /* the last form, "", always matches */
	for (i += strlen(forms[k].suffix); i < len; i++) {
		if (text[i] != '\n' && text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
			return -1;
	}
	return 0;
}

/* Async-signal-safe: atomic stores only. fail_at last, so that no call
 * sees the new N with the old count, target or mode. */
static void arm(int64_t n, size_t form)
{
	atomic_store(&fail_at, 0);
	atomic_store(&calls, 0);
	atomic_store(&rollback_due, 0);
	atomic_store(&target, (int)forms[form].target);
	atomic_store(&rollback_mode, (int)forms[form].mode);
	atomic_store(&fail_at, n);
}

static const size_t FORM_NONE = sizeof(forms) / sizeof(forms[0]) - 1; /* "" */

int fault_db_arm(const char *spec)
{
	int64_t n;
	size_t form;

	if (parse_spec(spec, strlen(spec), &n, &form) < 0)
		return -1;
	arm(n, form);
	return 0;
}

/* The spec in the file, parsed; -1 when unreadable or malformed. */
static int read_spec(const char *path, int64_t *n, size_t *form)
{
	char text[SPEC_MAX];
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	len = read(fd, text, sizeof(text));
	if (close(fd) < 0 || len <= 0)
		return -1;
	return parse_spec(text, (size_t)len, n, form);
}

static void say(const char *msg)
{
	ssize_t w = write(STDERR_FILENO, msg, strlen(msg));

	(void)w; /* nothing better to do in a signal handler */
}

static void on_rearm(int sig)
{
	int saved = errno;
	int64_t n = 0;
	size_t form = FORM_NONE;
	int ok = read_spec(rearm_file, &n, &form) == 0;

	(void)sig;
	arm(ok ? n : 0, form);
	say(ok ? "fault injection: re-armed\n"
	       : "fault injection: re-arm file unreadable: disarmed\n");
	errno = saved;
}

static void install_rearm(const char *path)
{
	struct sigaction sa;

	if (strlen(path) >= sizeof(rearm_file)) {
		log_error("%s: path too long: no fault injected", FAULT_ENV);
		return;
	}
	memcpy(rearm_file, path, strlen(path) + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_rearm;
	sa.sa_flags = SA_RESTART;
	if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGUSR1, &sa, NULL) < 0) {
		log_error("%s: cannot install the SIGUSR1 handler: no fault injected", FAULT_ENV);
		return;
	}
	log_warn("fault injection (tests only): SIGUSR1 arms a fault from %s", path);
}

static int kafaat_alloc_fails(size_t n);

static void fault_read_env(void)
{
	const char *v = getenv(FAULT_ENV);
	int64_t n = 0;
	size_t form = FORM_NONE;

	if (v == NULL || v[0] == '\0')
		return;
	enabled = 1;
	xalloc_set_fail_hook(kafaat_alloc_fails);
	if (v[0] == '/') {
		install_rearm(v);
		return;
	}
	if (parse_spec(v, strlen(v), &n, &form) < 0 || n < 1 || strpbrk(v, " \t\r\n")) {
		log_error("%s=%s is neither N, N+rollback, N+rollback-always, N+alloc, "
		          "N+engine-alloc (N >= 1) nor a path: no fault injected",
		          FAULT_ENV, v);
		return;
	}
	log_warn("fault injection (tests only): %s %" PRId64 " will fail%s", forms[form].counted, n,
	         forms[form].then);
	arm(n, form);
}

/* The xalloc hook (core/xalloc.h): 1 fails the allocation, and so aborts. */
static int kafaat_alloc_fails(size_t n)
{
	return fault_alloc(FAULT_ALLOC_KAFAAT, n);
}

void fault_db_init(void)
{
	if (pthread_once(&fault_once, fault_read_env) != 0)
		log_error("fault injection: cannot read %s", FAULT_ENV);
}

static _Thread_local int exempt;

void fault_db_exempt_thread(void)
{
	exempt = 1;
}

/* Counts one event of kind `want` (enum target) on this thread; returns
 * its number when it is the one to fail, 0 otherwise. */
static int64_t count_one(int want)
{
	int64_t at = atomic_load_explicit(&fail_at, memory_order_relaxed);

	if (__builtin_expect(at == 0, 1) || exempt || atomic_load(&target) != want)
		return 0;
	return atomic_fetch_add(&calls, 1) + 1 == at ? at : 0;
}

int fault_db_call(const char *call, char *err, size_t errlen)
{
	int64_t n = count_one(T_CALL);

	if (n == 0)
		return 0;
	if (atomic_load(&rollback_mode) != RB_NONE)
		atomic_store(&rollback_due, 1);
	log_warn("fault injection: database call %" PRId64 " (%s) fails", n, call);
	db_fmt(err, errlen, "injected fault: database call %" PRId64 " (%s)", n, call);
	return 1;
}

int fault_db_rollback(char *err, size_t errlen)
{
	int64_t at = atomic_load_explicit(&fail_at, memory_order_relaxed);
	int due;

	if (__builtin_expect(at == 0, 1) || exempt)
		return 0;
	if (atomic_load(&rollback_mode) == RB_ALWAYS)
		due = atomic_load(&rollback_due);
	else
		due = atomic_exchange(&rollback_due, 0);
	if (!due)
		return 0;
	log_warn("fault injection: the rollback after database call %" PRId64 " fails", at);
	db_fmt(err, errlen, "injected fault: the rollback after database call %" PRId64, at);
	return 1;
}

int fault_db_enabled(void)
{
	fault_db_init();
	return enabled;
}

int fault_alloc(enum fault_alloc_kind kind, size_t size)
{
	int64_t n = count_one(kind == FAULT_ALLOC_KAFAAT ? T_ALLOC_KAFAAT : T_ALLOC_ENGINE);

	if (n == 0)
		return 0;
	log_warn("fault injection: allocation %" PRId64 " (%s, %zu bytes) fails", n,
	         alloc_names[kind], size);
	return 1;
}
