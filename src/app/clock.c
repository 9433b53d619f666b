#include "app/clock.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/config.h"
#include "core/parse.h"

static int64_t from_file(const char *path)
{
	char line[32] = "";
	FILE *f = fopen(path, "r");
	int64_t t;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n ")] = '\0';
	return parse_int64(line, 0, INT64_C(253402300799), &t) == 0 ? t : -1;
}

int64_t clock_now(const struct config *cfg)
{
	if (cfg && cfg->testing_clock_file && cfg->testing_clock_file[0]) {
		int64_t t = from_file(cfg->testing_clock_file);
		if (t >= 0)
			return t;
	}
	return (int64_t)time(NULL);
}

int clock_due(int64_t now, int64_t *last, int64_t every)
{
	if (*last != 0 && now >= *last && now - *last < every)
		return 0;
	*last = now;
	return 1;
}

void iso_time(int64_t t, char out[ISO_TIME_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, ISO_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int iso_parse(const char *s, int64_t *t)
{
	struct tm tm = {0};
	const char *end;
	char back[ISO_TIME_LEN + 1];

	if (strlen(s) != ISO_TIME_LEN)
		return -1;
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	*t = (int64_t)timegm(&tm);
	iso_time(*t, back);
	return strcmp(back, s) == 0 ? 0 : -1; /* refuses 2026-02-30 and the like */
}

/* Ids never go backwards within a process: each is the larger of "now in
 * milliseconds times 1024" and the previous id plus one (so rows created
 * together keep their order, even within one millisecond). Two processes
 * collide only if they create an id in the same millisecond with the same
 * low bits, which start at a random offset (the primary key refuses it). */
static int64_t last_id; /* accessed with __atomic builtins */
static pthread_once_t id_once = PTHREAD_ONCE_INIT;
static int64_t id_offset;

static void id_seed(void)
{
	id_offset = (int64_t)(randombytes_random() & 0x1FF);
}

/* Always the system clock, even under a test clock: ids only need to be
 * unique and ordered, and a frozen test clock would make two processes
 * draw from the same millisecond all along. */
int64_t new_id(const struct config *cfg)
{
	struct timespec ts;
	int64_t ms, prev, next;

	(void)cfg;
	pthread_once(&id_once, id_seed);
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	prev = __atomic_load_n(&last_id, __ATOMIC_SEQ_CST);
	do {
		next = (ms << 10) + id_offset;
		if (next <= prev)
			next = prev + 1;
	} while (!__atomic_compare_exchange_n(&last_id, &prev, next, 0, __ATOMIC_SEQ_CST,
	                                      __ATOMIC_SEQ_CST));
	return next;
}
