/* clock: the current time, injectable for tests, and its text form.
 *
 * Production reads the system clock. When the config's testing.clock_file
 * names a file, the time is read from it (Unix seconds) at every call, so a
 * test can move time forward without waiting (dormant profiles, deadlines,
 * throttling windows). Timestamps are stored as ISO 8601 UTC text
 * ("2026-11-29T10:00:00Z"), which sorts as time on every engine.
 */
#ifndef KAFAAT_APP_CLOCK_H
#define KAFAAT_APP_CLOCK_H

#include <stdint.h>

#define ISO_TIME_LEN 20

struct config;

/* Unix seconds now (or from the test clock file). */
int64_t clock_now(const struct config *cfg);
/* For a periodic job: 1 when it is due at `now`, and then *last = now.
 * Due when it never ran (*last == 0), when `every` seconds have passed
 * since *last, or when the clock went back (a test clock moved). */
int clock_due(int64_t now, int64_t *last, int64_t every);
/* Writes t as "YYYY-MM-DDTHH:MM:SSZ". */
void iso_time(int64_t t, char out[ISO_TIME_LEN + 1]);
/* Parses that exact form; 0 and *t, or -1. */
int iso_parse(const char *s, int64_t *t);
/* A new id, from the system clock even under a test clock (cfg may be
 * NULL): about milliseconds since the epoch times 1024, never smaller than
 * the previous id of this process, so ids follow creation order and stay
 * below 2^53 (exact in JavaScript and every JSON parser) until 2248. */
int64_t new_id(const struct config *cfg);

#endif
