/* notify: the in-app inbox, the immediate mails and the daily digest (see
 * notify.h), and the inbox pages.
 *
 * A notification stores its kind, its placeholders (notifications.args, a
 * JSON object) and its link; the text is rendered from the catalogues
 * (locale/LANG/notify.po) when it is shown or mailed, in the language of
 * whoever reads it. A var whose name starts with '~' ("~reason") holds a
 * catalogue key, translated in the reader's language, that fills the
 * placeholder named without the '~' ({reason}).
 *
 * The digest: people who chose it (users.notify = 'digest') get, once a
 * day after DIGEST_HOUR (UTC), one mail listing what arrived before that
 * hour and was not mailed yet. The transaction that sets mailed_at on
 * those rows queues the mail; a second node finds nothing left to mark.
 */
#include "app/notify.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/mail.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/log.h"
#include "core/parse.h"

#define DAY 86400
#define DIGEST_HOUR 6   /* 06:00 UTC, 07:00 in Morocco most of the year */
#define DIGEST_ITEMS 50 /* listed in one digest; the rest are in the inbox */
#define INBOX_SHOWN 100 /* newest notifications on the inbox page */
#define MAX_VARS 16     /* name, value pairs one notification may carry */
#define RECIPIENTS 500  /* people one notify_institution/notify_programme reaches */

/* ---- Texts ---------------------------------------------------------------------- */

static const char *lookup(const struct app *app, enum lang l, const char *key)
{
	return app->i18n ? i18n_lookup(app->i18n, l, key) : NULL;
}

/* The value of placeholder name (n bytes) in args: "name@LL" in language
 * l when there is one, else "name", else "~name" translated; NULL when
 * absent. */
static const char *arg_value(const struct app *app, enum lang l, json_t *args, const char *name,
                             size_t n)
{
	char key[64];
	const char *v;

	if (n + 4 > sizeof(key))
		return NULL;
	snprintf(key, sizeof(key), "%.*s@%s", (int)n, name, lang_code(l));
	if ((v = json_string_value(json_object_get(args, key))))
		return v;
	snprintf(key, sizeof(key), "%.*s", (int)n, name);
	v = json_string_value(json_object_get(args, key));
	if (v)
		return v;
	snprintf(key, sizeof(key), "~%.*s", (int)n, name);
	v = json_string_value(json_object_get(args, key));
	return v ? i18n_get(app->i18n, l, v) : NULL;
}

/* Appends text with {name} replaced from args (left as is when absent). */
static void fill(const struct app *app, enum lang l, const char *text, json_t *args,
                 struct buf *out)
{
	for (const char *p = text; *p;) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		const char *v =
		        close ? arg_value(app, l, args, p + 1, (size_t)(close - p - 1)) : NULL;
		if (v) {
			buf_adds(out, v);
			p = close + 1;
		} else {
			buf_addc(out, *p++);
		}
	}
}

/* The inbox line of a notification in language l (arena). */
static const char *line_of(const struct app *app, struct arena *a, enum lang l, const char *kind,
                           const char *args_json)
{
	const char *key = arena_printf(a, "notify.%s.text", kind);
	const char *text = lookup(app, l, key);
	json_t *args = json_loads(args_json ? args_json : "{}", 0, NULL);
	struct buf b = BUF_INIT;
	const char *out;

	fill(app, l, text ? text : key, args, &b);
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	json_decref(args);
	return out;
}

/* ---- notify ------------------------------------------------------------------------ */

/* The person as notifications need them. */
struct recipient {
	const char *email;
	enum lang lang;
	int immediate; /* mail at once (chose it, and the account is active) */
};

static int recipient_load(struct db *db, struct arena *a, int64_t user_id, struct recipient *r)
{
	const char *row[4];
	int rc = sql_row(db, a, "SELECT email, lang, notify, status FROM users WHERE id = $1", 1,
	                 (const char *[]){sql_int(a, user_id)}, row, 4);

	if (rc != 1)
		return rc;
	r->email = row[0];
	if (lang_parse(row[1], &r->lang) < 0)
		r->lang = LANG_FR;
	r->immediate = strcmp(row[2], "immediate") == 0 && strcmp(row[3], "active") == 0;
	return 1;
}

/* vars as a JSON object (new reference); NULL when there are too many. */
static json_t *args_of(const char *const *vars)
{
	json_t *o = json_object();

	for (int i = 0; vars && vars[i]; i += 2) {
		if (i >= 2 * MAX_VARS || !vars[i + 1]) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, vars[i], json_string(vars[i + 1]));
	}
	return o;
}

/* The mail's vars in the recipient's language: "~" names translated, plus
 * {link} (the absolute URL). NULL-terminated, in the arena. */
static const char *const *mail_vars(struct app *app, struct arena *a, const struct recipient *r,
                                    const char *const *vars, const char *link)
{
	const char **out = arena_alloc(a, sizeof(*out) * (2 * MAX_VARS + 3));
	int n = 0;

	for (int i = 0; vars && vars[i] && n < 2 * MAX_VARS; i += 2) {
		int key = vars[i][0] == '~';
		const char *at = strchr(vars[i], '@');
		if (at) { /* "name@LL": the value of {name} in language LL only */
			if (strcmp(at + 1, lang_code(r->lang)) == 0) {
				out[n++] = arena_strndup(a, vars[i], (size_t)(at - vars[i]));
				out[n++] = vars[i + 1];
			}
			continue;
		}
		out[n++] = vars[i] + key;
		out[n++] = key ? i18n_get(app->i18n, r->lang, vars[i + 1]) : vars[i + 1];
	}
	out[n++] = "link";
	out[n++] = arena_printf(a, "%s/%s%s", app->cfg->public_url, lang_code(r->lang), link);
	out[n] = NULL;
	return out;
}

static int insert_row(struct app *app, struct db *db, struct arena *a, int64_t user_id,
                      const char *kind, const char *args, const char *link, int mailed)
{
	char now[ISO_TIME_LEN + 1];

	iso_time(clock_now(app->cfg), now);
	return sql_exec(db,
	                "INSERT INTO notifications (id, user_id, kind, args, link, created_at, "
	                "mailed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	                7,
	                (const char *[]){sql_int(a, new_id(app->cfg)), sql_int(a, user_id), kind,
	                                 args, link, now, mailed ? now : NULL}) == 1
	               ? 0
	               : -1;
}

static int notify_in(struct app *app, struct db *db, struct arena *a, int64_t user_id,
                     const char *kind, const char *link, const char *const *vars)
{
	struct recipient r;
	json_t *args;
	char *args_text;
	int rc;

	if (!lookup(app, LANG_FR, arena_printf(a, "notify.%s.text", kind))) {
		log_error("notify: no catalogue text for the kind \"%s\"", kind);
		return -1;
	}
	rc = recipient_load(db, a, user_id, &r);
	if (rc != 1) {
		log_error("notify %s: no user %lld", kind, (long long)user_id);
		return -1;
	}
	if (!(args = args_of(vars))) {
		log_error("notify %s: too many or incomplete vars", kind);
		return -1;
	}
	args_text = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(args);
	rc = insert_row(app, db, a, user_id, kind, args_text ? args_text : "{}", link ? link : "",
	                r.immediate);
	free(args_text);
	if (rc == 0 && r.immediate)
		rc = mail_enqueue(app, db, r.email, r.lang, arena_printf(a, "notify.%s", kind),
		                  mail_vars(app, a, &r, vars, link ? link : ""));
	return rc;
}

int notify(struct app *app, struct db *db, int64_t user_id, const char *kind, const char *link,
           const char *const *vars)
{
	struct arena a = ARENA_INIT;
	int rc = notify_in(app, db, &a, user_id, kind, link, vars);

	arena_free(&a);
	return rc;
}

/* Notifies every user of a query whose $1 is param. */
static int notify_all(struct app *app, struct db *db, const char *sql, const char *param,
                      const char *kind, const char *link, const char *const *vars)
{
	int64_t ids[RECIPIENTS];
	int n = 0, rc = 0;
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc step = DB_ERROR;

	if (st && (!param || db_bind_text(st, 1, param) == DB_OK))
		while (n < RECIPIENTS && (step = db_step(st)) == DB_ROW)
			ids[n++] = db_col_int(st, 0);
	db_finalize(st);
	if (step != DB_OK && step != DB_ROW) {
		log_error("notify %s: %s", kind, db_errmsg(db));
		return -1;
	}
	for (int i = 0; i < n && rc == 0; i++)
		rc = notify(app, db, ids[i], kind, link, vars);
	return rc;
}

int notify_institution(struct app *app, struct db *db, int64_t institution_id, const char *kind,
                       const char *link, const char *const *vars)
{
	char scope[24];

	snprintf(scope, sizeof(scope), "%lld", (long long)institution_id);
	return notify_all(app, db,
	                  "SELECT DISTINCT user_id FROM user_roles WHERE role IN "
	                  "('institution_owner', 'institution_member') AND scope = $1 ORDER BY "
	                  "user_id",
	                  scope, kind, link, vars);
}

int notify_programme(struct app *app, struct db *db, const char *kind, const char *link,
                     const char *const *vars)
{
	return notify_all(app, db,
	                  "SELECT DISTINCT user_id FROM user_roles WHERE role = 'admin' ORDER BY "
	                  "user_id",
	                  NULL, kind, link, vars);
}

/* ---- The daily digest ------------------------------------------------------------- */

struct digest {
	struct app *app;
	struct arena *a;
	int64_t user_id;
	const char *cutoff; /* notifications created before it are due */
	const char *now;
};

/* The listed lines of the rows just marked, in r's language; *count set. */
static const char *digest_items(struct digest *d, struct db *db, const struct recipient *r,
                                int *count)
{
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT kind, args, link FROM notifications WHERE user_id = $1 AND mailed_at = $2 "
	        "AND created_at < $3 ORDER BY created_at, id");
	struct buf b = BUF_INIT;
	const char *out;
	enum db_rc rc = DB_ERROR;

	*count = 0;
	if (st && db_bind_int(st, 1, d->user_id) == DB_OK && db_bind_text(st, 2, d->now) == DB_OK &&
	    db_bind_text(st, 3, d->cutoff) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			if (++*count > DIGEST_ITEMS)
				continue;
			buf_addf(&b, "- %s\n  %s/%s%s\n",
			         line_of(d->app, d->a, r->lang, db_col_text(st, 0),
			                 db_col_text(st, 1)),
			         d->app->cfg->public_url, lang_code(r->lang), db_col_text(st, 2));
		}
	db_finalize(st);
	if (*count > DIGEST_ITEMS)
		buf_adds(&b, "…\n");
	out = arena_strdup(d->a, buf_str(&b));
	buf_release(&b);
	return rc == DB_OK ? out : NULL;
}

/* Marks the user's due notifications and queues their digest: 1 queued, 0
 * nothing left (another node was first), -1 error. */
static int digest_tx(struct db *db, void *ud)
{
	struct digest *d = ud;
	struct recipient r;
	const char *uid = sql_int(d->a, d->user_id), *items;
	int count;
	int64_t n = sql_exec(db,
	                     "UPDATE notifications SET mailed_at = $1 WHERE user_id = $2 AND "
	                     "mailed_at IS NULL AND created_at < $3",
	                     3, (const char *[]){d->now, uid, d->cutoff});

	if (n <= 0)
		return n < 0 ? -1 : 0;
	if (recipient_load(db, d->a, d->user_id, &r) != 1 ||
	    !(items = digest_items(d, db, &r, &count)))
		return -1;
	const char *vars[] = {
	        "count",
	        sql_int(d->a, count),
	        "items",
	        items,
	        "link",
	        arena_printf(d->a, "%s/%s/inbox", d->app->cfg->public_url, lang_code(r.lang)),
	        NULL};
	return mail_enqueue(d->app, db, r.email, r.lang, "notify.digest", vars) < 0 ? -1 : 1;
}

/* Up to 100 people with due notifications, ids above after. */
static int digest_batch(struct db *db, const char *cutoff, int64_t after, int64_t *ids)
{
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT DISTINCT n.user_id FROM notifications n JOIN users u ON u.id = n.user_id "
	        "WHERE n.mailed_at IS NULL AND n.created_at < $1 AND u.status = 'active' AND "
	        "n.user_id > $2 ORDER BY n.user_id LIMIT 100");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_text(st, 1, cutoff) == DB_OK && db_bind_int(st, 2, after) == DB_OK)
		while (n < 100 && (rc = db_step(st)) == DB_ROW)
			ids[n++] = db_col_int(st, 0);
	if (rc == DB_ROW)
		rc = DB_OK;
	db_finalize(st);
	if (rc != DB_OK)
		log_error("digest: %s", db_errmsg(db));
	return rc == DB_OK ? n : -1;
}

int notify_digest_run(struct app *app, struct db *db, int64_t now)
{
	char cutoff[ISO_TIME_LEN + 1], at[ISO_TIME_LEN + 1];
	int64_t ids[100], after = 0, start = now - ((now % DAY) + DAY) % DAY;
	struct arena a = ARENA_INIT;
	struct digest d = {app, &a, 0, cutoff, at};
	int n, queued = 0;

	start += DIGEST_HOUR * 3600;
	iso_time(now >= start ? start : start - DAY, cutoff);
	iso_time(now, at);
	do {
		n = digest_batch(db, cutoff, after, ids);
		for (int i = 0; i < n; i++) {
			d.user_id = after = ids[i];
			int rc = sql_tx(app->pool, digest_tx, &d);
			arena_free(&a);
			if (rc < 0)
				return -1;
			queued += rc;
		}
	} while (n == 100);
	if (queued > 0)
		log_info("digest: %d mail(s) queued", queued);
	return n < 0 ? -1 : queued;
}

/* ---- The inbox -------------------------------------------------------------------- */

static json_t *inbox_items(struct pp *c, struct db *db)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT id, kind, args, created_at, read_at IS NULL FROM notifications WHERE "
	            "user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100");
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;
	struct arena *a = &c->req->arena;

	if (st && db_bind_int(st, 1, c->id->user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			json_array_append_new(
			        out, json_pack("{s:s, s:s, s:s?, s:b, s:s}", "text",
			                       line_of(c->app, a, c->l, db_col_text(st, 1),
			                               db_col_text(st, 2)),
			                       "href",
			                       arena_printf(a, "/%s/inbox/%s", lang_code(c->l),
			                                    db_col_text(st, 0)),
			                       "date", pp_date(c, db_col_text(st, 3)), "unread",
			                       db_col_int(st, 4) != 0, "id", db_col_text(st, 0)));
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static void show_inbox(struct pp *c, int status, json_t *form, const char *done)
{
	struct db *db = db_pool_get(c->app->pool);
	json_t *items = inbox_items(c, db);
	const char *row[1] = {NULL};
	int rc = sql_row(db, &c->req->arena, "SELECT notify FROM users WHERE id = $1", 1,
	                 (const char *[]){sql_int(&c->req->arena, c->id->user_id)}, row, 1);
	size_t i, unread = 0;
	json_t *e;

	db_pool_put(c->app->pool, db);
	if (!items || rc != 1) {
		json_decref(items);
		json_decref(form);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	json_array_foreach(items, i, e) unread += json_is_true(json_object_get(e, "unread"));
	page_render(c->app, c->req, c->resp, status, "inbox", "inbox.title",
	            json_pack("{s:o, s:I, s:b, s:o, s:s?}", "items", items, "unread",
	                      (json_int_t)unread, "digest", strcmp(row[0], "digest") == 0, "form",
	                      form ? form : json_object(), "done", done));
}

void h_inbox(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	const char *d = kvlist_get(&req->query, "done");

	pp_init(&c, ctx, req, resp);
	show_inbox(&c, 200, NULL,
	           d && (strcmp(d, "read") == 0 || strcmp(d, "saved") == 0)
	                   ? arena_printf(&req->arena, "inbox.done.%s", d)
	                   : NULL);
}

/* One change of the signed-in person's rows: sql with $1 the user, $2 now,
 * $3 the value (may be NULL). */
struct inbox_change {
	struct pp *c;
	const char *sql;
	const char *value;
	int64_t changed;
};

static int inbox_change_tx(struct db *db, void *ud)
{
	struct inbox_change *ch = ud;
	char now[ISO_TIME_LEN + 1];

	iso_time(ch->c->now, now);
	ch->changed = sql_exec(
	        db, ch->sql, ch->value ? 3 : 2,
	        (const char *[]){sql_int(&ch->c->req->arena, ch->c->id->user_id), now, ch->value});
	return ch->changed < 0 ? -1 : 0;
}

static int inbox_change(struct pp *c, const char *sql, const char *value)
{
	struct inbox_change ch = {c, sql, value, 0};

	if (sql_tx(c->app->pool, inbox_change_tx, &ch) < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return -1;
	}
	return ch.changed > 0;
}

/* Opening an item marks it read and goes to its page. */
void h_inbox_open(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	int64_t id;
	const char *row[1];
	struct db *db;
	int rc;

	pp_init(&c, ctx, req, resp);
	if (parse_int64(req_param(req, "id"), 1, INT64_MAX, &id) < 0) {
		pp_not_found(&c);
		return;
	}
	db = db_pool_get(c.app->pool);
	rc = sql_row(
	        db, &req->arena, "SELECT link FROM notifications WHERE id = $1 AND user_id = $2", 2,
	        (const char *[]){sql_int(&req->arena, id), sql_int(&req->arena, c.id->user_id)},
	        row, 1);
	db_pool_put(c.app->pool, db);
	if (rc < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (rc == 0) {
		pp_not_found(&c); /* someone else's, or none */
		return;
	}
	if (inbox_change(&c,
	                 "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND id = $3 AND "
	                 "read_at IS NULL",
	                 sql_int(&req->arena, id)) < 0)
		return;
	pp_redirect(&c, row[0][0] == '/' ? row[0] + 1 : "inbox");
}

void h_inbox_read(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	if (inbox_change(&c,
	                 "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS "
	                 "NULL",
	                 NULL) >= 0)
		pp_redirect(&c, "inbox?done=read");
}

void h_inbox_preference(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct form f;
	const char *v = form_value(req, "notify");

	pp_init(&c, ctx, req, resp);
	if (strcmp(v, "immediate") != 0 && strcmp(v, "digest") != 0) {
		form_init(&f);
		form_keep(&f, "notify", v);
		form_error(&f, "notify", "inbox.error.preference");
		show_inbox(&c, 422, form_json(&f), NULL);
		return;
	}
	if (inbox_change(&c, "UPDATE users SET notify = $3, updated_at = $2 WHERE id = $1", v) >= 0)
		pp_redirect(&c, "inbox?done=saved");
}
