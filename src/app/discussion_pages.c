/* discussion_pages: the pages of a network's discussions (discussions.h,
 * docs/DISCUSSIONS.md) — the list of threads by last activity, a thread
 * with its posts, starting a thread, replying, following, being told of
 * new threads. Moderation and reports: discussion_moderation.c.
 *
 * Whoever may not read a network's discussions gets 404 on its pages (they
 * are private to the network) and 403 with a message on a write; a member
 * who is not a moderator gets 403 on moderation. Each write: the form
 * checked first (422 with the message by its field, nothing saved), then
 * one transaction with the change, its audit row for moderation, and the
 * notifications. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/discussions.h"
#include "app/handlers.h"
#include "app/discussion_pages.h"
#include "app/network_pages.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/parse.h"

/* ---- Access ----------------------------------------------------------------------------- */

/* May the viewer take a here? 1; else the answer is sent and 0: 403 with a
 * message on a write, 404 on a page for whoever may not read, 403 for a
 * member asking for a moderator's page. */
static int dp_allow(struct np *p, enum disc_action a)
{
	int reads = disc_may(p->c.id, p->role, DISC_READ);

	if (disc_may(p->c.id, p->role, a))
		return 1;
	if (p->c.req->method != HTTP_POST && !reads) {
		pp_not_found(&p->c);
		return 0;
	}
	page_render(p->c.app, p->c.req, p->c.resp, 403, "discussion_refused", "discussion.title",
	            json_pack("{s:s, s:s, s:s, s:b}", "slug", p->net.slug, "name",
	                      network_label(&p->net, p->c.l), "message",
	                      a == DISC_MODERATE ? "discussion.error.moderators_only"
	                                         : "discussion.error.members_only",
	                      "member", reads));
	return 0;
}

int dp_load(struct np *p, void *ctx, struct request *req, struct response *resp, enum disc_action a)
{
	return np_load(p, ctx, req, resp, req_param(req, "slug")) > 0 && dp_allow(p, a);
}

/* The :id of the path, or 0 (the 404 sent). */
int64_t dp_path_id(struct np *p)
{
	int64_t id;

	if (parse_int64(req_param(p->c.req, "id"), 1, INT64_MAX, &id) < 0) {
		pp_not_found(&p->c);
		return 0;
	}
	return id;
}

/* The query's page=N, or 1. */
static int64_t asked_page(struct np *p)
{
	const char *s = kvlist_get(&p->c.req->query, "page");
	int64_t n = 1;

	if (s && parse_int64(s, 1, DISC_PAGE_MAX, &n) < 0)
		n = 1;
	return n;
}

/* "discussion.done.WORD" for the query's done=WORD when WORD is known. */
const char *dp_done_key(struct np *p)
{
	static const char *const words[] = {"posted",   "replied",  "followed",  "unfollowed",
	                                    "hidden",   "unhidden", "locked",    "unlocked",
	                                    "reported", "watching", "unwatched", "resolved"};
	const char *d = kvlist_get(&p->c.req->query, "done");

	for (size_t i = 0; d && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i], d) == 0)
			return arena_printf(&p->c.req->arena, "discussion.done.%s", d);
	return NULL;
}

const char *dp_now_iso(struct np *p)
{
	char *s = arena_alloc(&p->c.req->arena, ISO_TIME_LEN + 1);

	iso_time(p->c.now, s);
	return s;
}

/* An author's name as shown: the profile's, else "a member", else (the
 * account erased) "a former member". */
const char *dp_author_name(struct np *p, struct db_stmt *st, int id_col, int name_col)
{
	const char *n;

	if (db_col_int(st, id_col) == 0)
		return tr(p->c.app, p->c.l, "discussion.former_member");
	n = np_person_name(db_col_text(st, name_col), db_col_text(st, name_col + 1), p->c.l);
	return *n ? arena_strdup(&p->c.req->arena, n) : tr(p->c.app, p->c.l, "discussion.member");
}

/* ---- Threads and posts as stored ---------------------------------------------------------- */

/* Thread id of the viewer's network: 1, 0 (none here), -1. */
static int thread_load(struct np *p, struct db *db, int64_t id, struct thread *t)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT id, title, locked, COALESCE(author_id, 0), post_count, created_at FROM "
	            "discussion_threads WHERE id = $1 AND network = $2");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, id) == DB_OK && db_bind_text(st, 2, p->net.slug) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW) {
		t->id = db_col_int(st, 0);
		t->title = sql_col_text(st, &p->c.req->arena, 1);
		t->locked = db_col_int(st, 2) != 0;
		t->author_id = db_col_int(st, 3);
		t->posts = db_col_int(st, 4);
		t->created_at = sql_col_text(st, &p->c.req->arena, 5);
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc < 0 ? -1 : 0;
}

/* One integer from sql with $1 = a, $2 = b (text, may be NULL): 0 or -1. */
static int count2(struct db *db, const char *sql, const char *a, const char *b, int64_t *out)
{
	*out = 0;
	return db_query_int(db, sql, b ? 2 : 1, (const char *[]){a, b}, out) == DB_OK ? 0 : -1;
}

/* Does the viewer follow thread id (an explicit row, following = 1)? */
static int following(struct np *p, struct db *db, int64_t thread_id)
{
	int64_t n = 0;
	struct arena *a = &p->c.req->arena;

	count2(db,
	       "SELECT COUNT(*) FROM discussion_follows WHERE thread_id = CAST($1 AS BIGINT) AND "
	       "user_id = CAST($2 AS BIGINT) AND following = 1",
	       sql_int(a, thread_id), sql_int(a, p->c.id->user_id), &n);
	return n > 0;
}

/* The people to tell of something in the network: ids from sql with $1 the
 * thread or the network, $2 the person acting (left out), $3 the network;
 * only those who may still read it (members, its coordinators, admins).
 * How many (in *out, the arena), or -1. */
#define STILL_READS                                                                                \
	" AND (EXISTS (SELECT 1 FROM network_members m WHERE m.network = $3 AND m.user_id = "      \
	"x.user_id AND m.state = 'member') OR EXISTS (SELECT 1 FROM user_roles r WHERE "           \
	"r.user_id = x.user_id AND ((r.role = 'coordinator' AND r.scope = $3) OR r.role = "        \
	"'admin'))) ORDER BY x.user_id"
static const char followers_sql[] =
        "SELECT x.user_id FROM discussion_follows x WHERE x.thread_id = $1 AND x.following = 1 "
        "AND x.user_id <> $2" STILL_READS;
static const char watchers_sql[] =
        "SELECT x.user_id FROM discussion_watchers x WHERE x.network = $1 AND x.user_id <> "
        "$2" STILL_READS;

static int recipients(struct np *p, struct db *db, const char *sql, int64_t thread_id,
                      int64_t **out)
{
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc rc = DB_ERROR;
	size_t n = 0, cap = 16;
	int64_t *ids = arena_alloc(&p->c.req->arena, cap * sizeof(*ids));

	if (st &&
	    (thread_id ? db_bind_int(st, 1, thread_id) : db_bind_text(st, 1, p->net.slug)) ==
	            DB_OK &&
	    db_bind_int(st, 2, p->c.id->user_id) == DB_OK &&
	    db_bind_text(st, 3, p->net.slug) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			if (n == cap) {
				int64_t *more =
				        arena_alloc(&p->c.req->arena, 2 * cap * sizeof(*ids));
				memcpy(more, ids, cap * sizeof(*ids));
				ids = more;
				cap *= 2;
			}
			ids[n++] = db_col_int(st, 0);
		}
	db_finalize(st);
	*out = ids;
	return rc == DB_OK ? (int)n : -1;
}

/* Tells each of ids[0..n) of kind: 0 or -1. */
static int tell_all(struct np *p, struct db *db, const int64_t *ids, int n, const char *kind,
                    const char *link, const char *const *vars)
{
	for (int i = 0; i < n; i++)
		if (np_notify(p->c.app, db, &p->net, ids[i], kind, link, vars) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

/* Follows thread_id (following = 1) unless the person chose otherwise. */
static int follow_default(struct np *p, struct db *db, int64_t thread_id)
{
	struct arena *a = &p->c.req->arena;

	return sql_exec(db,
	                "INSERT INTO discussion_follows (thread_id, user_id, following, "
	                "updated_at) VALUES ($1, $2, 1, $3) ON CONFLICT (thread_id, user_id) DO "
	                "NOTHING",
	                3,
	                (const char *[]){sql_int(a, thread_id), sql_int(a, p->c.id->user_id),
	                                 dp_now_iso(p)}) < 0
	               ? -1
	               : 0;
}

/* ---- The list of threads ------------------------------------------------------------------ */

static json_t *threads_page(struct np *p, struct db *db, int64_t page)
{
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT t.id, t.title, t.locked, t.post_count, t.last_post_at, "
	        "COALESCE(t.author_id, 0), COALESCE(pr.name, ''), COALESCE(pr.name_ar, '') FROM "
	        "discussion_threads t LEFT JOIN profiles pr ON pr.user_id = t.author_id WHERE "
	        "t.network = $1 ORDER BY t.last_post_at DESC, t.id DESC LIMIT $2 OFFSET $3");
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_text(st, 1, p->net.slug) == DB_OK &&
	    db_bind_int(st, 2, DISC_THREADS_PAGE) == DB_OK &&
	    db_bind_int(st, 3, (page - 1) * DISC_THREADS_PAGE) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			json_array_append_new(
			        out, json_pack("{s:I, s:s, s:b, s:I, s:s?, s:s}", "id",
			                       (json_int_t)db_col_int(st, 0), "title",
			                       db_col_text(st, 1), "locked", db_col_int(st, 2) != 0,
			                       "posts", (json_int_t)db_col_int(st, 3), "date",
			                       pp_date(&p->c, db_col_text(st, 4)), "author",
			                       dp_author_name(p, st, 5, 6)));
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static void show_list(struct np *p)
{
	struct db *db = db_pool_get(p->c.app->pool);
	struct arena *a = &p->c.req->arena;
	int64_t total = 0, watching = 0, reports = 0, pages, page;
	int moderate = disc_may(p->c.id, p->role, DISC_MODERATE);
	json_t *list = NULL;
	int rc;

	rc = count2(db, "SELECT COUNT(*) FROM discussion_threads WHERE network = $1", p->net.slug,
	            NULL, &total);
	pages = disc_pages(total, DISC_THREADS_PAGE);
	page = disc_page_clamp(asked_page(p), pages);
	if (rc == 0)
		rc = count2(
		        db,
		        "SELECT COUNT(*) FROM discussion_watchers WHERE network = $1 AND user_id "
		        "= CAST($2 AS BIGINT)",
		        p->net.slug, sql_int(a, p->c.id->user_id), &watching);
	if (rc == 0 && moderate)
		rc = count2(
		        db,
		        "SELECT COUNT(*) FROM discussion_reports r JOIN discussion_posts o ON o.id "
		        "= r.post_id JOIN discussion_threads t ON t.id = o.thread_id WHERE "
		        "t.network = $1 AND r.state = 'open'",
		        p->net.slug, NULL, &reports);
	if (rc == 0)
		list = threads_page(p, db, page);
	db_pool_put(p->c.app->pool, db);
	if (!list) {
		page_unavailable(p->c.app, p->c.req, p->c.resp);
		return;
	}
	page_render(p->c.app, p->c.req, p->c.resp, 200, "discussion_list", "discussion.title",
	            json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:o?, s:o?, s:b, s:b, s:I, s:s?}",
	                      "slug", p->net.slug, "name", network_label(&p->net, p->c.l),
	                      "threads", list, "count", (json_int_t)total, "page", (json_int_t)page,
	                      "pages", (json_int_t)pages, "prev",
	                      page > 1 ? json_integer(page - 1) : NULL, "next",
	                      page < pages ? json_integer(page + 1) : NULL, "watching",
	                      watching > 0, "moderate", moderate, "reports", (json_int_t)reports,
	                      "done", dp_done_key(p)));
}

void h_discussions(void *ctx, struct request *req, struct response *resp)
{
	struct np p;

	if (dp_load(&p, ctx, req, resp, DISC_READ))
		show_list(&p);
}

/* ---- A new thread ------------------------------------------------------------------------- */

static void show_new(struct np *p, int status, struct form *f)
{
	page_render(p->c.app, p->c.req, p->c.resp, status, "discussion_new", "discussion.new.title",
	            json_pack("{s:s, s:s, s:o}", "slug", p->net.slug, "name",
	                      network_label(&p->net, p->c.l), "form", form_json(f)));
}

struct new_thread {
	struct np *p;
	const char *title, *body;
	int64_t id;
};

static int new_thread_tx(struct db *db, void *ud)
{
	struct new_thread *n = ud;
	struct np *p = n->p;
	struct arena *a = &p->c.req->arena;
	const char *now = dp_now_iso(p), *me = sql_int(a, p->c.id->user_id);
	int64_t *ids;
	int count;

	n->id = new_id(p->c.app->cfg);
	if (sql_exec(db,
	             "INSERT INTO discussion_threads (id, network, author_id, title, post_count, "
	             "created_at, last_post_at) VALUES ($1, $2, $3, $4, 1, $5, $5)",
	             5, (const char *[]){sql_int(a, n->id), p->net.slug, me, n->title, now}) != 1 ||
	    sql_exec(db,
	             "INSERT INTO discussion_posts (id, thread_id, author_id, body, created_at) "
	             "VALUES ($1, $2, $3, $4, $5)",
	             5,
	             (const char *[]){sql_int(a, new_id(p->c.app->cfg)), sql_int(a, n->id), me,
	                              n->body, now}) != 1 ||
	    follow_default(p, db, n->id) < 0)
		return -1;
	count = recipients(p, db, watchers_sql, 0, &ids);
	return tell_all(
	        p, db, ids, count, "discussion.new_thread",
	        arena_printf(a, "/networks/%s/discussions/%lld", p->net.slug, (long long)n->id),
	        (const char *[]){"title", n->title, NULL});
}

void h_discussion_new(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f;
	struct new_thread n = {&p, form_value(req, "title"), form_value(req, "body"), 0};
	const char *e;

	if (!dp_load(&p, ctx, req, resp, req->method == HTTP_POST ? DISC_POST : DISC_READ))
		return;
	form_init(&f);
	if (req->method != HTTP_POST) {
		show_new(&p, 200, &f);
		return;
	}
	form_keep(&f, "title", n.title);
	form_keep(&f, "body", n.body);
	if ((e = disc_title_error(n.title)))
		form_error(&f, "title", e);
	if ((e = disc_body_error(n.body)))
		form_error(&f, "body", e);
	if (form_has_errors(&f)) {
		show_new(&p, 422, &f);
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(p.c.app->pool, new_thread_tx, &n) < 0) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	pp_redirect(&p.c, arena_printf(&req->arena, "networks/%s/discussions/%lld?done=posted",
	                               p.net.slug, (long long)n.id));
}

/* ---- A thread ------------------------------------------------------------------------------ */

static json_t *reason_choices(struct arena *a)
{
	json_t *out = json_array();

	for (int i = 0; disc_report_reason(i); i++)
		json_array_append_new(out,
		                      json_pack("{s:s, s:s}", "value", disc_report_reason(i), "key",
		                                arena_printf(a, "discussion.report.reason.%s",
		                                             disc_report_reason(i))));
	return out;
}

static json_t *posts_page(struct np *p, struct db *db, const struct thread *t, int64_t page)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT p.id, COALESCE(p.author_id, 0), p.body, p.created_at, p.hidden, "
	            "p.hidden_reason, COALESCE(pr.name, ''), COALESCE(pr.name_ar, '') FROM "
	            "discussion_posts p LEFT JOIN profiles pr ON pr.user_id = p.author_id WHERE "
	            "p.thread_id = $1 ORDER BY p.created_at, p.id LIMIT $2 OFFSET $3");
	int moderate = disc_may(p->c.id, p->role, DISC_MODERATE);
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, t->id) == DB_OK &&
	    db_bind_int(st, 2, DISC_POSTS_PAGE) == DB_OK &&
	    db_bind_int(st, 3, (page - 1) * DISC_POSTS_PAGE) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int hidden = db_col_int(st, 4) != 0;
			int mine = db_col_int(st, 1) == p->c.id->user_id;
			json_array_append_new(
			        out,
			        json_pack("{s:I, s:s, s:s?, s:b, s:o, s:s?, s:b, s:b}", "id",
			                  (json_int_t)db_col_int(st, 0), "author",
			                  dp_author_name(p, st, 1, 6), "date",
			                  pp_date(&p->c, db_col_text(st, 3)), "hidden", hidden,
			                  "body",
			                  hidden && !moderate ? json_array()
			                                      : page_paragraphs(&p->c.req->arena,
			                                                        db_col_text(st, 2)),
			                  "reason",
			                  hidden && moderate ? arena_strdup(&p->c.req->arena,
			                                                    db_col_text(st, 5))
			                                     : NULL,
			                  "mine", mine, "report", !mine && !hidden));
		}
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The thread's page; page 0: the last one. f: the reply form (consumed). */
static void show_thread(struct np *p, const struct thread *t, int status, int64_t page,
                        struct form *f)
{
	struct db *db = db_pool_get(p->c.app->pool);
	int64_t pages = disc_pages(t->posts, DISC_POSTS_PAGE);
	int moderate = disc_may(p->c.id, p->role, DISC_MODERATE);
	json_t *posts;
	int follows;

	page = page == 0 ? pages : disc_page_clamp(page, pages);
	posts = posts_page(p, db, t, page);
	follows = following(p, db, t->id);
	db_pool_put(p->c.app->pool, db);
	if (!posts) {
		json_decref(form_json(f));
		page_unavailable(p->c.app, p->c.req, p->c.resp);
		return;
	}
	page_render(p->c.app, p->c.req, p->c.resp, status, "discussion_thread", "discussion.title",
	            json_pack("{s:s, s:s, s:I, s:s, s:b, s:s?, s:o, s:I, s:I, s:o?, s:o?, s:b, "
	                      "s:b, s:o, s:o, s:s?}",
	                      "slug", p->net.slug, "name", network_label(&p->net, p->c.l), "id",
	                      (json_int_t)t->id, "title", t->title, "locked", t->locked, "date",
	                      pp_date(&p->c, t->created_at), "posts", posts, "page",
	                      (json_int_t)page, "pages", (json_int_t)pages, "prev",
	                      page > 1 ? json_integer(page - 1) : NULL, "next",
	                      page < pages ? json_integer(page + 1) : NULL, "moderate", moderate,
	                      "following", follows, "form", form_json(f), "reasons",
	                      reason_choices(&p->c.req->arena), "done", dp_done_key(p)));
}

int dp_found(struct np *p, int rc)
{
	if (rc < 0)
		page_unavailable(p->c.app, p->c.req, p->c.resp);
	else if (rc == 0)
		pp_not_found(&p->c);
	return rc > 0;
}

/* Loads the thread of :id in the network: 1, or 0 with the 404/503 sent. */
int dp_load_thread(struct np *p, struct thread *t)
{
	int64_t id = dp_path_id(p);
	struct db *db;
	int rc;

	if (!id)
		return 0;
	db = db_pool_get(p->c.app->pool);
	rc = thread_load(p, db, id, t);
	db_pool_put(p->c.app->pool, db);
	return dp_found(p, rc);
}

void h_discussion(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct thread t;
	struct form f;

	if (!dp_load(&p, ctx, req, resp, DISC_READ) || !dp_load_thread(&p, &t))
		return;
	form_init(&f);
	show_thread(&p, &t, 200, asked_page(&p), &f);
}

struct reply {
	struct np *p;
	const struct thread *t;
	const char *body;
	int64_t id;
	int refused; /* the thread was locked meanwhile */
};

static int reply_tx(struct db *db, void *ud)
{
	struct reply *r = ud;
	struct np *p = r->p;
	struct arena *a = &p->c.req->arena;
	const char *now = dp_now_iso(p), *tid = sql_int(a, r->t->id);
	int64_t *ids, changed;
	int count;

	/* The thread's row first: a lock that came meanwhile refuses the reply. */
	changed =
	        sql_exec(db,
	                 "UPDATE discussion_threads SET post_count = post_count + 1, last_post_at "
	                 "= $2 WHERE id = $1 AND locked = 0",
	                 2, (const char *[]){tid, now});
	if (changed <= 0) {
		r->refused = changed == 0;
		return changed == 0 ? 0 : -1;
	}
	r->id = new_id(p->c.app->cfg);
	if (sql_exec(db,
	             "INSERT INTO discussion_posts (id, thread_id, author_id, body, created_at) "
	             "VALUES ($1, $2, $3, $4, $5)",
	             5,
	             (const char *[]){sql_int(a, r->id), tid, sql_int(a, p->c.id->user_id), r->body,
	                              now}) != 1 ||
	    follow_default(p, db, r->t->id) < 0)
		return -1;
	count = recipients(p, db, followers_sql, r->t->id, &ids);
	return tell_all(
	        p, db, ids, count, "discussion.reply",
	        arena_printf(a, "/networks/%s/discussions/%lld", p->net.slug, (long long)r->t->id),
	        (const char *[]){"title", r->t->title, NULL});
}

static void locked_answer(struct np *p)
{
	page_message(p->c.app, p->c.req, p->c.resp, 409, "discussion.title",
	             "discussion.error.locked", NULL);
}

void h_discussion_reply(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct thread t;
	struct form f;
	struct reply r = {&p, &t, form_value(req, "body"), 0, 0};
	const char *e;

	if (!dp_load(&p, ctx, req, resp, DISC_POST) || !dp_load_thread(&p, &t))
		return;
	if (t.locked) {
		locked_answer(&p);
		return;
	}
	form_init(&f);
	form_keep(&f, "body", r.body);
	if ((e = disc_body_error(r.body))) {
		form_error(&f, "body", e);
		show_thread(&p, &t, 422, 0, &f);
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(p.c.app->pool, reply_tx, &r) < 0) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	if (r.refused) {
		locked_answer(&p);
		return;
	}
	pp_redirect(&p.c, arena_printf(&req->arena,
	                               "networks/%s/discussions/%lld?page=%lld&done=replied#p-%lld",
	                               p.net.slug, (long long)t.id,
	                               (long long)disc_pages(t.posts + 1, DISC_POSTS_PAGE),
	                               (long long)r.id));
}

/* ---- Following -------------------------------------------------------------------------- */

static int action_is(struct request *req, const char *yes, const char *no, int *out)
{
	const char *v = form_value(req, "action");

	*out = strcmp(v, yes) == 0;
	return *out || strcmp(v, no) == 0 ? 0 : -1;
}

void dp_bad_action(struct np *p)
{
	page_message(p->c.app, p->c.req, p->c.resp, 422, "discussion.title",
	             "discussion.error.action", NULL);
}

void h_discussion_follow(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct thread t;
	struct arena *a = &req->arena;
	int on;

	if (!dp_load(&p, ctx, req, resp, DISC_FOLLOW) || !dp_load_thread(&p, &t))
		return;
	if (action_is(req, "follow", "unfollow", &on) < 0) {
		dp_bad_action(&p);
		return;
	}
	struct db *db = db_pool_get(p.c.app->pool);
	int64_t rc =
	        sql_exec(db,
	                 "INSERT INTO discussion_follows (thread_id, user_id, following, "
	                 "updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (thread_id, user_id) "
	                 "DO UPDATE SET following = excluded.following, updated_at = "
	                 "excluded.updated_at",
	                 4,
	                 (const char *[]){sql_int(a, t.id), sql_int(a, p.c.id->user_id),
	                                  on ? "1" : "0", dp_now_iso(&p)});
	db_pool_put(p.c.app->pool, db);
	if (rc != 1) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	pp_redirect(&p.c, arena_printf(a, "networks/%s/discussions/%lld?done=%s", p.net.slug,
	                               (long long)t.id, on ? "followed" : "unfollowed"));
}

void h_discussion_watch(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct arena *a = &req->arena;
	int on;

	if (!dp_load(&p, ctx, req, resp, DISC_FOLLOW))
		return;
	if (action_is(req, "on", "off", &on) < 0) {
		dp_bad_action(&p);
		return;
	}
	struct db *db = db_pool_get(p.c.app->pool);
	const char *me = sql_int(a, p.c.id->user_id);
	int64_t rc =
	        on ? sql_exec(db,
	                      "INSERT INTO discussion_watchers (network, user_id, created_at) "
	                      "VALUES ($1, $2, $3) ON CONFLICT (network, user_id) DO NOTHING",
	                      3, (const char *[]){p.net.slug, me, dp_now_iso(&p)})
	           : sql_exec(db,
	                      "DELETE FROM discussion_watchers WHERE network = $1 AND user_id = "
	                      "$2",
	                      2, (const char *[]){p.net.slug, me});
	db_pool_put(p.c.app->pool, db);
	if (rc < 0) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	pp_redirect(&p.c, arena_printf(a, "networks/%s/discussions?done=%s", p.net.slug,
	                               on ? "watching" : "unwatched"));
}
