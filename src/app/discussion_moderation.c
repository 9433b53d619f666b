/* discussion_moderation: what the network's coordinators (and admins) do in
 * its discussions — hide and unhide posts, lock and unlock threads (the
 * steps of discussions.h's table, each a conditional UPDATE with its audit
 * row and, for a hidden post, the author told) — and reports of abuse:
 * members report a post once, the coordinators are told, and resolve the
 * reports from their queue (docs/DISCUSSIONS.md). */

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/discussion_pages.h"
#include "app/discussions.h"
#include "app/handlers.h"
#include "app/network_pages.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"

struct post {
	int64_t id, thread_id, author_id;
	int hidden;
	const char *thread_title;
};

/* Post id in a thread of the viewer's network: 1, 0, -1. */
static int post_load(struct np *p, struct db *db, int64_t id, struct post *o)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT p.id, p.thread_id, COALESCE(p.author_id, 0), p.hidden, t.title FROM "
	            "discussion_posts p JOIN discussion_threads t ON t.id = p.thread_id WHERE p.id "
	            "= $1 AND t.network = $2");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, id) == DB_OK && db_bind_text(st, 2, p->net.slug) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW) {
		o->id = db_col_int(st, 0);
		o->thread_id = db_col_int(st, 1);
		o->author_id = db_col_int(st, 2);
		o->hidden = db_col_int(st, 3) != 0;
		o->thread_title = sql_col_text(st, &p->c.req->arena, 4);
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc < 0 ? -1 : 0;
}

static int moderation_audit(struct np *p, struct db *db, const char *action, const char *type,
                            int64_t id, const char *details)
{
	struct arena *a = &p->c.req->arena;
	struct audit_entry e = {p->c.id->user_id, action,           type,
	                        sql_int(a, id),   req_ip(p->c.req), details};

	return audit_append(db, p->c.now, &e);
}

/* ---- Moderation ------------------------------------------------------------------------- */

struct moderation {
	struct np *p;
	const struct disc_step *step;
	int64_t id;     /* the post or the thread */
	int64_t author; /* the post's author (0: none) */
	int64_t thread; /* the thread */
	const char *title, *reason;
	int changed;
};

static int moderate_tx(struct db *db, void *ud)
{
	struct moderation *m = ud;
	struct np *p = m->p;
	struct arena *a = &p->c.req->arena;
	const char *id = sql_int(a, m->id), *from = m->step->from ? "1" : "0",
	           *to = m->step->to ? "1" : "0", *me = sql_int(a, p->c.id->user_id);
	int64_t rc;

	if (m->step->target == DISC_ON_THREAD)
		rc = sql_exec(
		        db,
		        "UPDATE discussion_threads SET locked = $3, locked_by = $4, locked_at = "
		        "$5 WHERE id = $1 AND locked = $2",
		        5, (const char *[]){id, from, to, me, dp_now_iso(p)});
	else
		rc = sql_exec(
		        db,
		        "UPDATE discussion_posts SET hidden = $3, hidden_by = $4, hidden_at = $5, "
		        "hidden_reason = $6 WHERE id = $1 AND hidden = $2",
		        6, (const char *[]){id, from, to, me, dp_now_iso(p), m->reason});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	m->changed = 1;
	if (moderation_audit(p, db, m->step->audit_action,
	                     m->step->target == DISC_ON_THREAD ? "discussion_thread"
	                                                       : "discussion_post",
	                     m->id, arena_printf(a, "{\"network\":\"%s\"}", p->net.slug)) < 0)
		return -1;
	if (!m->step->notify_author || !m->author || m->author == p->c.id->user_id)
		return 0;
	return np_notify(
	        p->c.app, db, &p->net, m->author, m->step->notify_author,
	        arena_printf(a, "/networks/%s/discussions/%lld", p->net.slug, (long long)m->thread),
	        (const char *[]){"title", m->title, "reason", m->reason, NULL});
}

/* Runs m; the answer: back to the thread, or 409 when nothing changed. */
static void moderate(struct np *p, struct moderation *m)
{
	if (sql_tx(p->c.app->pool, moderate_tx, m) < 0) {
		page_unavailable(p->c.app, p->c.req, p->c.resp);
		return;
	}
	if (!m->changed) {
		page_message(p->c.app, p->c.req, p->c.resp, 409, "discussion.title",
		             "discussion.error.already", NULL);
		return;
	}
	pp_redirect(&p->c,
	            arena_printf(
	                    &p->c.req->arena, "networks/%s/discussions/%lld?done=%s", p->net.slug,
	                    (long long)m->thread,
	                    m->step->to
	                            ? (m->step->target == DISC_ON_POST ? "hidden" : "locked")
	                            : (m->step->target == DISC_ON_POST ? "unhidden" : "unlocked")));
}

void h_discussion_lock(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct thread t;
	struct moderation m = {&p};

	if (!dp_load(&p, ctx, req, resp, DISC_MODERATE) || !dp_load_thread(&p, &t))
		return;
	m.step = disc_step_find(form_value(req, "action"), DISC_ON_THREAD);
	if (!m.step) {
		dp_bad_action(&p);
		return;
	}
	m.id = m.thread = t.id;
	m.author = t.author_id;
	m.title = t.title;
	m.reason = "";
	moderate(&p, &m);
}

/* Loads the post of :id in the network: 1, or 0 with the 404/503 sent. */
static int load_post(struct np *p, struct post *o)
{
	int64_t id = dp_path_id(p);
	struct db *db;
	int rc;

	if (!id)
		return 0;
	db = db_pool_get(p->c.app->pool);
	rc = post_load(p, db, id, o);
	db_pool_put(p->c.app->pool, db);
	return dp_found(p, rc);
}

void h_discussion_post_moderate(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct post o;
	struct moderation m = {&p};
	const char *e;

	if (!dp_load(&p, ctx, req, resp, DISC_MODERATE) || !load_post(&p, &o))
		return;
	m.step = disc_step_find(form_value(req, "action"), DISC_ON_POST);
	if (!m.step) {
		dp_bad_action(&p);
		return;
	}
	m.reason = m.step->to ? form_value(req, "reason") : "";
	if ((e = disc_note_error(m.reason, m.step->reason_required))) {
		page_message(p.c.app, req, resp, 422, "discussion.title", e, NULL);
		return;
	}
	m.id = o.id;
	m.thread = o.thread_id;
	m.author = o.author_id;
	m.title = o.thread_title;
	moderate(&p, &m);
}

/* ---- Reports ------------------------------------------------------------------------------ */

struct report {
	struct np *p;
	const struct post *o;
	const char *reason, *note;
	int duplicate;
};

static int report_tx(struct db *db, void *ud)
{
	struct report *r = ud;
	struct np *p = r->p;
	struct arena *a = &p->c.req->arena;
	int64_t rc = sql_exec(
	        db,
	        "INSERT INTO discussion_reports (id, post_id, reporter_id, reason, note, "
	        "created_at) "
	        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (post_id, reporter_id) DO NOTHING",
	        6,
	        (const char *[]){sql_int(a, new_id(p->c.app->cfg)), sql_int(a, r->o->id),
	                         sql_int(a, p->c.id->user_id), r->reason, r->note, dp_now_iso(p)});

	if (rc <= 0) {
		r->duplicate = rc == 0;
		return rc == 0 ? 0 : -1;
	}
	return np_notify_coordinators(
	        p->c.app, db, &p->net, "discussion.reported",
	        arena_printf(a, "/networks/%s/discussions/reports", p->net.slug),
	        (const char *[]){"title", r->o->thread_title, NULL});
}

void h_discussion_report(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct post o;
	struct report r = {&p, &o, form_value(req, "reason"), form_value(req, "note"), 0};
	const char *e = NULL;

	if (!dp_load(&p, ctx, req, resp, DISC_REPORT) || !load_post(&p, &o))
		return;
	if (!disc_report_reason_valid(r.reason))
		e = "discussion.error.report_reason";
	else if (o.author_id == p.c.id->user_id)
		e = "discussion.error.report_own";
	else
		e = disc_note_error(r.note, 0);
	if (e) {
		page_message(p.c.app, req, resp, 422, "discussion.report.title", e, NULL);
		return;
	}
	if (sql_tx(p.c.app->pool, report_tx, &r) < 0) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	if (r.duplicate) {
		page_message(p.c.app, req, resp, 409, "discussion.report.title",
		             "discussion.error.report_twice", NULL);
		return;
	}
	pp_redirect(&p.c, arena_printf(&req->arena, "networks/%s/discussions/%lld?done=reported",
	                               p.net.slug, (long long)o.thread_id));
}

static json_t *open_reports(struct np *p, struct db *db)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT r.id, r.reason, r.note, r.created_at, o.id, o.body, o.hidden, t.id, "
	            "t.title, COALESCE(o.author_id, 0), COALESCE(pr.name, ''), "
	            "COALESCE(pr.name_ar, '') FROM discussion_reports r JOIN discussion_posts o ON "
	            "o.id = r.post_id JOIN discussion_threads t ON t.id = o.thread_id LEFT JOIN "
	            "profiles pr ON pr.user_id = o.author_id WHERE t.network = $1 AND r.state = "
	            "'open' ORDER BY r.created_at, r.id LIMIT $2");
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_text(st, 1, p->net.slug) == DB_OK &&
	    db_bind_int(st, 2, DISC_REPORTS_SHOWN) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			json_array_append_new(
			        out,
			        json_pack("{s:I, s:s, s:o, s:s?, s:I, s:o, s:b, s:I, s:s, s:s}",
			                  "id", (json_int_t)db_col_int(st, 0), "reason",
			                  arena_printf(&p->c.req->arena,
			                               "discussion.report.reason.%s",
			                               db_col_text(st, 1)),
			                  "note",
			                  page_paragraphs(&p->c.req->arena, db_col_text(st, 2)),
			                  "date", pp_date(&p->c, db_col_text(st, 3)), "post",
			                  (json_int_t)db_col_int(st, 4), "body",
			                  page_paragraphs(&p->c.req->arena, db_col_text(st, 5)),
			                  "hidden", db_col_int(st, 6) != 0, "thread",
			                  (json_int_t)db_col_int(st, 7), "title",
			                  db_col_text(st, 8), "author",
			                  dp_author_name(p, st, 9, 10)));
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

void h_discussion_reports(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct db *db;
	json_t *list;

	if (!dp_load(&p, ctx, req, resp, DISC_MODERATE))
		return;
	db = db_pool_get(p.c.app->pool);
	list = open_reports(&p, db);
	db_pool_put(p.c.app->pool, db);
	if (!list) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	page_render(p.c.app, req, resp, 200, "discussion_reports", "discussion.reports.title",
	            json_pack("{s:s, s:s, s:o, s:s?}", "slug", p.net.slug, "name",
	                      network_label(&p.net, p.c.l), "reports", list, "done",
	                      dp_done_key(&p)));
}

struct resolution {
	struct np *p;
	const struct disc_resolution *how;
	int64_t report;
	int64_t post, thread, author;
	const char *title, *reason;
	int hid, changed;
};

static int resolve_tx(struct db *db, void *ud)
{
	struct resolution *r = ud;
	struct np *p = r->p;
	struct arena *a = &p->c.req->arena;
	const char *me = sql_int(a, p->c.id->user_id), *now = dp_now_iso(p),
	           *post = sql_int(a, r->post);
	int64_t rc;

	if (r->how->hides) {
		rc = sql_exec(
		        db,
		        "UPDATE discussion_posts SET hidden = 1, hidden_by = $2, hidden_at = $3, "
		        "hidden_reason = $4 WHERE id = $1 AND hidden = 0",
		        4, (const char *[]){post, me, now, r->reason});
		if (rc < 0)
			return -1;
		r->hid = rc == 1;
	}
	rc = sql_exec(
	        db,
	        "UPDATE discussion_reports SET state = $2, resolved_by = $3, resolved_at = $4 "
	        "WHERE post_id = $1 AND state = 'open'",
	        4, (const char *[]){post, r->how->state, me, now});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	r->changed = 1;
	if (moderation_audit(
	            p, db, "discussion_report_resolved", "discussion_post", r->post,
	            arena_printf(a, "{\"network\":\"%s\",\"report\":%lld,\"decision\":\"%s\"}",
	                         p->net.slug, (long long)r->report, r->how->name)) < 0 ||
	    (r->hid && moderation_audit(p, db, "discussion_post_hidden", "discussion_post", r->post,
	                                arena_printf(a, "{\"network\":\"%s\"}", p->net.slug)) < 0))
		return -1;
	if (!r->hid || !r->author || r->author == p->c.id->user_id)
		return 0;
	return np_notify(
	        p->c.app, db, &p->net, r->author, "discussion.post_hidden",
	        arena_printf(a, "/networks/%s/discussions/%lld", p->net.slug, (long long)r->thread),
	        (const char *[]){"title", r->title, "reason", r->reason, NULL});
}

/* The report of :id in the network: its post, thread, author, title and
 * (translated for the viewer) reason. 1, 0, -1. */
static int report_load(struct np *p, struct db *db, struct resolution *r)
{
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT o.id, t.id, COALESCE(o.author_id, 0), t.title, r.reason FROM "
	        "discussion_reports r JOIN discussion_posts o ON o.id = r.post_id JOIN "
	        "discussion_threads t ON t.id = o.thread_id WHERE r.id = $1 AND t.network = $2");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, r->report) == DB_OK &&
	    db_bind_text(st, 2, p->net.slug) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW) {
		r->post = db_col_int(st, 0);
		r->thread = db_col_int(st, 1);
		r->author = db_col_int(st, 2);
		r->title = sql_col_text(st, &p->c.req->arena, 3);
		if (!*r->reason)
			r->reason = tr(p->c.app, p->c.l,
			               arena_printf(&p->c.req->arena, "discussion.report.reason.%s",
			                            db_col_text(st, 4)));
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc < 0 ? -1 : 0;
}

void h_discussion_report_resolve(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct resolution r = {&p};
	struct db *db;
	const char *e;
	int rc;

	if (!dp_load(&p, ctx, req, resp, DISC_MODERATE) || !(r.report = dp_path_id(&p)))
		return;
	r.how = disc_resolution_find(form_value(req, "decision"));
	r.reason = form_value(req, "reason");
	if (!r.how) {
		dp_bad_action(&p);
		return;
	}
	if ((e = disc_note_error(r.reason, 0))) {
		page_message(p.c.app, req, resp, 422, "discussion.reports.title", e, NULL);
		return;
	}
	db = db_pool_get(p.c.app->pool);
	rc = report_load(&p, db, &r);
	db_pool_put(p.c.app->pool, db);
	if (!dp_found(&p, rc))
		return;
	if (sql_tx(p.c.app->pool, resolve_tx, &r) < 0) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	if (!r.changed) {
		page_message(p.c.app, req, resp, 409, "discussion.reports.title",
		             "discussion.error.already", NULL);
		return;
	}
	pp_redirect(&p.c, arena_printf(&req->arena, "networks/%s/discussions/reports?done=resolved",
	                               p.net.slug));
}
