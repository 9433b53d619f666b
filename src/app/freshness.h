/* freshness: keeping profiles current (PRODUCT.md: stale databases).
 *
 * An expert confirms their profile (profiles.confirmed_at); 6 and 11
 * calendar months later they get a reminder mail with a one-click
 * reconfirmation link, once per confirmation and kind (the
 * freshness_reminders row decides, so several nodes never send twice);
 * after 12 months the profile is dormant (visibility.h). A link is a
 * single-use token of reconfirm_tokens, valid RECONFIRM_TTL; following it
 * (/LANG/profile/reconfirm?token=…) sets confirmed_at to now.
 *
 * The job runs on the mail sender's thread (mail.c) once an hour by the
 * application clock, so a test moving the injected clock sees it run
 * within a second.
 */
#ifndef KAFAAT_APP_FRESHNESS_H
#define KAFAAT_APP_FRESHNESS_H

#include <stdint.h>

struct app;
struct db;

#define FRESHNESS_EVERY 3600           /* seconds between runs */
#define RECONFIRM_TTL (90 * 24 * 3600) /* a link works this long */

/* Queues the reminders due at now (Unix seconds). Must not run inside a
 * transaction: each reminder is its own. Returns how many were queued, or
 * -1 when the profiles could not be read. */
int freshness_run(struct app *app, struct db *db, int64_t now);

/* Runs freshness_run when *last (0: never) is an hour or more before the
 * application's clock, or after it (the clock went back); sets *last. For
 * the sender thread: one call a second costs one clock read. */
void freshness_tick(struct app *app, int64_t *last);

/* Unix seconds m calendar months before t (UTC; a day past the end of the
 * shorter month rolls over, as timegm does). */
int64_t months_before(int64_t t, int m);

#endif
