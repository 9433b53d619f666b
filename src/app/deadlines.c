/* deadlines: working days, the response deadlines of applications, and the
 * hourly jobs of engagements (see deadlines.h). */
#include "app/deadlines.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/engagements.h"
#include "app/evaluations.h"
#include "app/notify.h"
#include "app/plans.h"
#include "app/projects.h"
#include "app/proposals.h"
#include "app/sql.h"
#include "core/log.h"
#include "core/parse.h"

#define DAY 86400
#define BATCH 100 /* candidates read at once; the job goes on until none is left */

/* Morocco's fixed national holidays (month, day). The Islamic holidays
 * (Eid al-Fitr, Eid al-Adha, the Islamic new year, the Prophet's birthday)
 * move with the lunar calendar and are not counted yet. */
static const struct {
	int month, day;
} holidays[] = {
        {1, 1},   /* New Year */
        {1, 11},  /* Proclamation of Independence */
        {1, 14},  /* Amazigh New Year (Yennayer) */
        {5, 1},   /* Labour Day */
        {7, 30},  /* Throne Day */
        {8, 14},  /* Oued Ed-Dahab Day */
        {8, 20},  /* Revolution of the King and the People */
        {8, 21},  /* Youth Day */
        {11, 6},  /* Green March */
        {11, 18}, /* Independence Day */
};

int working_day(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || tm.tm_wday == 0 || tm.tm_wday == 6)
		return 0;
	for (size_t i = 0; i < sizeof(holidays) / sizeof(holidays[0]); i++)
		if (holidays[i].month == tm.tm_mon + 1 && holidays[i].day == tm.tm_mday)
			return 0;
	return 1;
}

/* 00:00 UTC of the day holding t. */
static int64_t day_start(int64_t t)
{
	int64_t r = t % DAY;
	return t - (r < 0 ? r + DAY : r);
}

/* t moved to the first working day from t on (t itself when it is one).
 * A year without one (a time gmtime cannot represent) gives INT64_MAX. */
static int64_t next_working(int64_t t)
{
	for (int i = 0; i < 366; i++, t += DAY)
		if (working_day(t))
			return t;
	return INT64_MAX;
}

int64_t working_days_after(int64_t t, int n)
{
	if (!working_day(t))
		t = next_working(day_start(t) + DAY);
	for (int i = 0; i < n && t != INT64_MAX; i++)
		t = next_working(t + DAY);
	return t;
}

int working_days_between(int64_t t, int64_t to)
{
	int n = 0;

	if (!working_day(t))
		t = next_working(day_start(t) + DAY);
	while (n < 100000 && t != INT64_MAX) {
		t = next_working(t + DAY);
		if (t > to)
			break;
		n++;
	}
	return n;
}

/* ---- The deadline job ------------------------------------------------------ */

/* One application still waiting. */
struct waiting {
	struct app *app;
	struct arena *a;
	int64_t now;
	int64_t id;
	int64_t since;
	int reminded;
	int acted; /* set by the transactions: 1 when this run changed the row */
};

/* The reminder: only the transaction that sets reminded_at tells the
 * institution. */
static int remind_tx(struct db *db, void *ud)
{
	struct waiting *w = ud;
	struct engagement e;
	char now[ISO_TIME_LEN + 1];
	int rc = engagement_load(db, w->a, w->id, &e);

	if (rc != 1 || e.state != ENG_APPLIED)
		return rc < 0 ? -1 : 0;
	iso_time(w->now, now);
	int64_t n = sql_exec(db,
	                     "UPDATE engagements SET reminded_at = $1 WHERE id = $2 AND state = "
	                     "'applied' AND reminded_at IS NULL",
	                     2, (const char *[]){now, sql_int(w->a, w->id)});
	if (n != 1)
		return n < 0 ? -1 : 0;
	w->acted = 1;
	return engagement_tell(w->app, db, w->a, &e, NULL, ENG_TO_INSTITUTION,
	                       "engagement.reminder", NULL) < 0
	               ? -1
	               : 1;
}

/* The closure, as the table's EA_NO_ANSWER (engagements.c). */
static int close_tx(struct db *db, void *ud)
{
	struct waiting *w = ud;
	struct engagement e;
	struct eng_step s = {EA_NO_ANSWER, ACTOR_SYSTEM, 0, "", "", "", w->now};
	int rc = engagement_load(db, w->a, w->id, &e);

	if (rc != 1)
		return rc < 0 ? -1 : 0;
	rc = engagement_step(w->app, db, w->a, &e, &s);
	if (rc == 1)
		w->acted = 1;
	return rc < 0 ? -1 : 0;
}

static int act(struct waiting *w)
{
	const struct config *cfg = w->app->cfg;

	w->acted = 0;
	if (w->now >= working_days_after(w->since, cfg->needs_response_days)) {
		if (sql_tx(w->app->pool, close_tx, w) < 0)
			return -1;
	} else if (!w->reminded &&
	           w->now >= working_days_after(w->since, cfg->needs_reminder_days)) {
		if (sql_tx(w->app->pool, remind_tx, w) < 0)
			return -1;
	}
	return w->acted;
}

/* Reads up to BATCH waiting applications older than `before` and with an
 * id above *after; fills ids, since and reminded. Returns how many, or -1. */
static int read_waiting(struct db *db, const char *before, int64_t after, int64_t *ids,
                        int64_t *since, int *reminded)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT id, waiting_since, reminded_at IS NOT NULL FROM engagements WHERE "
	            "state = 'applied' AND waiting_since IS NOT NULL AND waiting_since <= $1 AND "
	            "id > $2 ORDER BY id LIMIT 100");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_text(st, 1, before) == DB_OK && db_bind_int(st, 2, after) == DB_OK)
		while (n < BATCH && (rc = db_step(st)) == DB_ROW) {
			if (iso_parse(db_col_text(st, 1), &since[n]) < 0)
				since[n] = -1; /* not a time: never due */
			ids[n] = db_col_int(st, 0);
			reminded[n] = db_col_int(st, 2) != 0;
			n++;
		}
	if (rc == DB_ROW)
		rc = DB_OK;
	db_finalize(st);
	if (rc != DB_OK)
		log_error("deadlines: %s", db_errmsg(db));
	return rc == DB_OK ? n : -1;
}

int deadlines_run(struct app *app, struct db *db, int64_t now)
{
	int64_t ids[BATCH], since[BATCH], after = 0;
	int reminded[BATCH], n, total = 0;
	char before[ISO_TIME_LEN + 1];
	struct arena a = ARENA_INIT;
	struct waiting w = {app, &a, now, 0, 0, 0, 0};
	int first = app->cfg->needs_reminder_days < app->cfg->needs_response_days
	                    ? app->cfg->needs_reminder_days
	                    : app->cfg->needs_response_days;

	/* n working days are at least n calendar days: older rows only. */
	iso_time(now - (int64_t)first * DAY, before);
	do {
		n = read_waiting(db, before, after, ids, since, reminded);
		for (int i = 0; i < n; i++) {
			w.id = after = ids[i];
			w.since = since[i];
			if (w.since < 0)
				continue;
			w.reminded = reminded[i];
			int rc = act(&w);
			arena_free(&a);
			if (rc < 0)
				return -1; /* logged; the next run tries again */
			total += rc;
		}
	} while (n == BATCH);
	if (total > 0)
		log_info("deadlines: %d application(s) reminded or closed", total);
	return n < 0 ? -1 : total;
}

void engagement_jobs_tick(struct app *app, int64_t *last)
{
	int64_t now = clock_now(app->cfg);
	struct db *db;

	if (!clock_due(now, last, ENGAGEMENT_JOBS_EVERY))
		return;
	db = db_pool_get(app->pool);
	if (db) {
		deadlines_run(app, db, now);
		evaluations_followups_run(app, db, now);
		notify_digest_run(app, db, now);
		project_reminders_run(app, db, now); /* dossiers' service deadlines */
		plans_flag_run(app, db, now);        /* plans behind their pace */
		proposals_flag_run(app, db, now);    /* proposals left unanswered */
	}
	db_pool_put(app->pool, db);
}
