/* fault: the Nth database call fails when FAULT_INJECT_DB=N (tests only;
 * see fault.h). The target is written once (under pthread_once, before any
 * connection exists); the counter is shared by every thread. */
#include "db/fault.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/parse.h"
#include "db/backend.h"

#define FAULT_ENV "FAULT_INJECT_DB"

static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static atomic_int_fast64_t fail_at; /* 0: no fault injected */
static atomic_int_fast64_t calls;   /* database calls counted so far */

static void fault_read_env(void)
{
	const char *v = getenv(FAULT_ENV);
	int64_t n = 0;

	if (v == NULL || v[0] == '\0')
		return;
	if (parse_int64(v, 1, INT64_MAX, &n) < 0) {
		log_error("%s=%s is not a whole number >= 1: no fault injected", FAULT_ENV, v);
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

int fault_db_call(const char *call, char *err, size_t errlen)
{
	int64_t at = atomic_load_explicit(&fail_at, memory_order_relaxed);
	int64_t n;

	if (__builtin_expect(at == 0, 1))
		return 0;
	n = atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed) + 1;
	if (n != at)
		return 0;
	log_warn("fault injection: database call %" PRId64 " (%s) fails", n, call);
	db_fmt(err, errlen, "injected fault: database call %" PRId64 " (%s)", n, call);
	return 1;
}
