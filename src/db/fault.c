/* fault: one database call fails on request (tests only; see fault.h).
 *
 * The target (fail_at) and the count are atomics: written at start-up
 * under pthread_once, or by the SIGUSR1 handler, read by every thread.
 * The handler only uses async-signal-safe calls (open, read, close,
 * write) and lock-free atomics. */
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
#include "core/parse.h"
#include "db/backend.h"

#define FAULT_ENV "FAULT_INJECT_DB"
#define TARGET_MAX 20 /* digits read from the re-arm file */

static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static atomic_int_fast64_t fail_at; /* 0: no fault injected */
static atomic_int_fast64_t calls;   /* database calls counted since armed */
static char rearm_file[512];        /* FAULT_INJECT_DB=/path: read on SIGUSR1 */

/* The number at the start of the file (digits, then anything), or -1. */
static int64_t read_target(const char *path)
{
	char text[TARGET_MAX + 1];
	int64_t n = 0;
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	len = read(fd, text, TARGET_MAX);
	if (close(fd) < 0 || len <= 0 || text[0] < '0' || text[0] > '9')
		return -1;
	for (ssize_t i = 0; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		if (n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (text[i] - '0');
	}
	return n;
}

static void say(const char *msg)
{
	ssize_t w = write(STDERR_FILENO, msg, strlen(msg));

	(void)w; /* nothing better to do in a signal handler */
}

static void on_rearm(int sig)
{
	int saved = errno;
	int64_t n = read_target(rearm_file);

	(void)sig;
	atomic_store(&fail_at, 0);
	atomic_store(&calls, 0);
	atomic_store(&fail_at, n > 0 ? n : 0);
	say(n >= 0 ? "fault injection: re-armed\n"
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

static void fault_read_env(void)
{
	const char *v = getenv(FAULT_ENV);
	int64_t n = 0;

	if (v == NULL || v[0] == '\0')
		return;
	if (v[0] == '/') {
		install_rearm(v);
		return;
	}
	if (parse_int64(v, 1, INT64_MAX, &n) < 0) {
		log_error("%s=%s is neither a number >= 1 nor a path: no fault injected", FAULT_ENV,
		          v);
		return;
	}
	log_warn("fault injection (tests only): database call %" PRId64 " will fail", n);
	atomic_store(&fail_at, n);
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

int fault_db_call(const char *call, char *err, size_t errlen)
{
	int64_t at = atomic_load_explicit(&fail_at, memory_order_relaxed);
	int64_t n;

	if (__builtin_expect(at == 0, 1) || exempt)
		return 0;
	n = atomic_fetch_add(&calls, 1) + 1;
	if (n != at)
		return 0;
	log_warn("fault injection: database call %" PRId64 " (%s) fails", n, call);
	db_fmt(err, errlen, "injected fault: database call %" PRId64 " (%s)", n, call);
	return 1;
}
