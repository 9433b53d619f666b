/* freshness: the reminder job and the reconfirmation link (see
 * freshness.h). */
#include "app/freshness.h"
#include "app/search.h"

#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/mail.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/log.h"
#include "core/parse.h"
#include "sec/token.h"

#define BATCH 100 /* candidates read at once; the job goes on until none is left */

int64_t months_before(int64_t t, int m)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	tm.tm_mon -= m;
	return (int64_t)timegm(&tm);
}

/* A reminder: sent when a confirmation is older than `after` months and
 * not older than `before` months. */
struct kind {
	const char *name; /* freshness_reminders.kind */
	const char *mail; /* catalogue key */
	int after, before;
};

static const struct kind kinds[] = {
        {"11m", "mail.reconfirm_11m", 11, 12},
        {"6m", "mail.reconfirm_6m", 6, 11},
};

/* One expert to remind. */
struct due {
	struct app *app;
	const struct kind *k;
	int64_t now;
	const char *user_id, *confirmed_at, *email;
	enum lang lang;
	struct arena *a;
};

static const char candidates_sql[] =
        "SELECT p.user_id, p.confirmed_at, u.email, u.lang FROM profiles p "
        "JOIN users u ON u.id = p.user_id "
        "WHERE p.confirmed_at IS NOT NULL AND p.confirmed_at <= $1 AND p.confirmed_at > $2 "
        "AND u.status = 'active' AND p.invited = 0 AND NOT EXISTS (SELECT 1 FROM "
        "freshness_reminders r WHERE r.user_id = p.user_id AND r.confirmed_at = "
        "p.confirmed_at AND r.kind = $3) ORDER BY p.confirmed_at LIMIT 100";

/* The link's token, stored hashed; the raw token or NULL. */
static const char *new_link_token(struct due *d, struct db *db, const char *now)
{
	char token[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1], expires[ISO_TIME_LEN + 1];

	token_new(token);
	token_hash(token, hash);
	iso_time(d->now + RECONFIRM_TTL, expires);
	if (sql_exec(db,
	             "INSERT INTO reconfirm_tokens (token_hash, user_id, confirmed_at, created_at, "
	             "expires_at) VALUES ($1, $2, $3, $4, $5)",
	             5, (const char *[]){hash, d->user_id, d->confirmed_at, now, expires}) != 1)
		return NULL;
	return arena_strdup(d->a, token);
}

/* Records the reminder (the primary key lets one node win), makes the
 * link, queues the mail. 1 queued, 0 already done elsewhere, -1 error. */
static int remind_tx(struct db *db, void *ud)
{
	struct due *d = ud;
	char now[ISO_TIME_LEN + 1];
	const char *token, *link;
	int64_t n;

	iso_time(d->now, now);
	n = sql_exec(db,
	             "INSERT INTO freshness_reminders (user_id, confirmed_at, kind, sent_at) "
	             "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, confirmed_at, kind) DO NOTHING",
	             4, (const char *[]){d->user_id, d->confirmed_at, d->k->name, now});
	if (n != 1)
		return n < 0 ? -1 : 0;
	token = new_link_token(d, db, now);
	if (!token)
		return -1;
	link = link_to(d->app, d->a, d->lang, "profile/reconfirm", token);
	const char *date = arena_strndup(d->a, d->confirmed_at, 10);
	return mail_enqueue(d->app, db, d->email, d->lang, d->k->mail,
	                    (const char *[]){"link", link, "date", date, NULL}) < 0
	               ? -1
	               : 1;
}

/* Reads one batch of candidates for k into rows (arena strings, 4 per
 * candidate). Returns how many, or -1. */
static int read_batch(struct db *db, struct due *d, const char **rows)
{
	char newest[ISO_TIME_LEN + 1], oldest[ISO_TIME_LEN + 1];
	struct db_stmt *st = db_prepare(db, candidates_sql);
	enum db_rc rc = DB_ERROR;
	int n = 0;

	iso_time(months_before(d->now, d->k->after), newest);
	iso_time(months_before(d->now, d->k->before), oldest);
	if (st && db_bind_text(st, 1, newest) == DB_OK && db_bind_text(st, 2, oldest) == DB_OK &&
	    db_bind_text(st, 3, d->k->name) == DB_OK)
		while (n < BATCH && (rc = db_step(st)) == DB_ROW) {
			for (int c = 0; c < 4; c++)
				rows[n * 4 + c] = arena_strdup(d->a, db_col_text(st, c) ?: "");
			n++;
		}
	if (rc == DB_ROW)
		rc = DB_OK;
	db_finalize(st);
	if (rc != DB_OK)
		log_error("freshness: %s", db_errmsg(db));
	return rc == DB_OK ? n : -1;
}

/* Reminds each candidate of a batch; returns how many were queued. */
static int remind_batch(struct db_pool *pool, struct due *d, const char **rows, int n)
{
	int queued = 0;

	for (int i = 0; i < n; i++) {
		d->user_id = rows[i * 4];
		d->confirmed_at = rows[i * 4 + 1];
		d->email = rows[i * 4 + 2];
		if (lang_parse(rows[i * 4 + 3], &d->lang) < 0)
			d->lang = LANG_FR;
		int rc = sql_tx(pool, remind_tx, d);
		if (rc < 0)
			return -1; /* logged; the next run tries again */
		queued += rc;
	}
	return queued;
}

static int run_kind(struct app *app, struct db *db, const struct kind *k, int64_t now)
{
	const char *rows[BATCH * 4];
	struct arena a = ARENA_INIT;
	struct due d = {app, k, now, NULL, NULL, NULL, LANG_FR, &a};
	int n, queued = 0, rc;

	do {
		n = read_batch(db, &d, rows);
		rc = n > 0 ? remind_batch(app->pool, &d, rows, n) : 0;
		if (rc > 0)
			queued += rc;
		arena_free(&a);
	} while (n == BATCH && rc > 0);
	return n < 0 || rc < 0 ? -1 : queued;
}

int freshness_run(struct app *app, struct db *db, int64_t now)
{
	int total = 0;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int n = run_kind(app, db, &kinds[i], now);
		if (n < 0)
			return -1;
		total += n;
	}
	if (total > 0)
		log_info("freshness: %d reminder(s) queued", total);
	return total;
}

void freshness_tick(struct app *app, int64_t *last)
{
	int64_t now = clock_now(app->cfg);
	struct db *db;

	if (!clock_due(now, last, FRESHNESS_EVERY))
		return;
	db = db_pool_get(app->pool);
	if (db)
		freshness_run(app, db, now);
	db_pool_put(app->pool, db);
}

/* ---- The link ---------------------------------------------------------------- */

struct reconfirm {
	struct app *app;
	struct request *req;
	const char *token;
	int done; /* 1 confirmed, 0 the link does not work */
};

static int reconfirm_tx(struct db *db, void *ud)
{
	struct reconfirm *r = ud;
	char hash[TOKEN_HASH_LEN + 1], now[ISO_TIME_LEN + 1];
	const char *row[1];
	int64_t uid;
	int rc;

	token_hash(r->token, hash);
	iso_time(clock_now(r->app->cfg), now);
	rc = sql_row(db, &r->req->arena,
	             "SELECT user_id FROM reconfirm_tokens WHERE token_hash = $1 AND used_at IS "
	             "NULL AND expires_at > $2",
	             2, (const char *[]){hash, now}, row, 1);
	if (rc != 1 || parse_int64(row[0], 1, INT64_MAX, &uid) < 0)
		return rc < 0 ? -1 : 0;
	/* Only the request that flips used_at wins a race between two. */
	if (sql_exec(db,
	             "UPDATE reconfirm_tokens SET used_at = $1 WHERE token_hash = $2 AND "
	             "used_at IS NULL",
	             2, (const char *[]){now, hash}) != 1 ||
	    sql_exec(db, "UPDATE profiles SET confirmed_at = $1 WHERE user_id = $2", 2,
	             (const char *[]){now, row[0]}) != 1)
		return 0; /* lost the race, or there is no profile any more */
	struct audit_entry e = {uid, "profile_reconfirmed", "user", row[0], req_ip(r->req), ""};
	if (audit_append(db, clock_now(r->app->cfg), &e) < 0 ||
	    search_touch(db, "expert", uid, clock_now(r->app->cfg)) < 0)
		return -1;
	r->done = 1;
	return 1;
}

void h_reconfirm(void *ctx, struct request *req, struct response *resp)
{
	struct reconfirm r = {ctx, req, kvlist_get(&req->query, "token"), 0};

	if (r.token && token_well_formed(r.token) && sql_tx(r.app->pool, reconfirm_tx, &r) < 0) {
		page_unavailable(r.app, req, resp);
		return;
	}
	if (r.done)
		search_changed(r.app);
	if (r.done)
		page_message(r.app, req, resp, 200, "reconfirm.done.title",
		             "reconfirm.done.message", NULL);
	else
		page_message(r.app, req, resp, 410, "reconfirm.invalid.title",
		             "reconfirm.invalid.message", NULL);
}
