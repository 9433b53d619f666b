/* deadlines: institutions answer applications on time (PRODUCT.md:
 * "silence kills trust"), and the background jobs of engagements.
 *
 * Working days are Monday to Friday, minus Morocco's fixed national
 * holidays (deadlines.c: 1 and 11 January, 14 January (Amazigh new year),
 * 1 May, 30 July, 14, 20 and 21 August, 6 and 18 November). The Islamic
 * holidays, whose dates move with the lunar calendar, are not counted yet.
 * Days are calendar days in UTC.
 *
 * An application (state applied, engagements.waiting_since) still waiting
 * needs.reminder_days working days later sends the institution one
 * reminder (engagements.reminded_at); needs.response_days working days
 * later it closes as no_answer (EA_NO_ANSWER, no actor) and the expert is
 * told. Each row is its own transaction with a conditional UPDATE, so two
 * nodes never act twice.
 *
 * The jobs run on the mail sender's thread (mail.c) once an hour by the
 * application clock: the deadlines, the +6 and +12 month follow-up
 * questionnaires (evaluations.h) and the daily digests (notify.h).
 */
#ifndef KAFAAT_APP_DEADLINES_H
#define KAFAAT_APP_DEADLINES_H

#include <stdint.h>

struct app;
struct db;

#define ENGAGEMENT_JOBS_EVERY 3600 /* seconds between runs */

/* Is the UTC calendar day holding t (Unix seconds) a working day? */
int working_day(int64_t t);

/* The moment n (>= 0) working days after t: each step moves to the same
 * time of day on the next working day. When t falls on a day off, counting
 * starts at 00:00 of the next working day (an application sent on Saturday
 * has all of its n days). */
int64_t working_days_after(int64_t t, int n);

/* Whole working days from t to `to`: the largest n with
 * working_days_after(t, n) <= to (0 when to is before t). */
int working_days_between(int64_t t, int64_t to);

/* Sends the reminders and closes the applications due at now. Not inside
 * a transaction. Returns how many rows were acted on, or -1. */
int deadlines_run(struct app *app, struct db *db, int64_t now);

/* Runs deadlines_run, evaluations_followups_run, notify_digest_run and
 * project_reminders_run (projects.h) when
 * *last (0: never) is ENGAGEMENT_JOBS_EVERY or more before the
 * application's clock, or after it; sets *last. For the sender thread. */
void engagement_jobs_tick(struct app *app, int64_t *last);

#endif
