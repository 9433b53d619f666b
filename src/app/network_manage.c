/* network_manage: what coordinators (and admins: network_may, NET_MANAGE)
 * do in their network — edit its texts and membership policy, accept or
 * refuse join requests (the person is notified), post announcements (every
 * member notified, in-app and by mail as they chose); and the announcements
 * page members read. Whoever may not gets 404 (network_pages.h). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/network_pages.h"
#include "app/page.h"
#include "app/search.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/parse.h"

#define ANNOUNCEMENTS_SHOWN 50 /* on the announcements page */

/* ---- Management: texts and join requests ----------------------------------------------- */

static json_t *pending_requests(struct np *p, struct db *db)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT m.user_id, m.message, m.requested_at, COALESCE(pr.name, ''), "
	            "COALESCE(pr.name_ar, '') FROM network_members m LEFT JOIN profiles pr ON "
	            "pr.user_id = m.user_id WHERE m.network = $1 AND m.state = 'pending' ORDER BY "
	            "m.requested_at, m.user_id");
	json_t *out = json_array();

	if (st && db_bind_text(st, 1, p->net.slug) == DB_OK)
		while (db_step(st) == DB_ROW) {
			const char *name =
			        np_person_name(db_col_text(st, 3), db_col_text(st, 4), p->c.l);
			json_array_append_new(
			        out,
			        json_pack("{s:I, s:s?, s:o, s:s?}", "id",
			                  (json_int_t)db_col_int(st, 0), "name",
			                  *name ? name : NULL, "message",
			                  page_paragraphs(&p->c.req->arena, db_col_text(st, 1)),
			                  "date", pp_date(&p->c, db_col_text(st, 2))));
		}
	db_finalize(st);
	return out;
}

static void show_manage(struct np *p, int status, struct form *f)
{
	struct db *db = db_pool_get(p->c.app->pool);
	json_t *pending = pending_requests(p, db);
	json_t *form = form_json(f);

	db_pool_put(p->c.app->pool, db);
	page_render(p->c.app, p->c.req, p->c.resp, status, "network_manage", "network.manage.title",
	            json_pack("{s:s, s:s, s:o, s:o, s:o, s:s?}", "slug", p->net.slug, "name",
	                      network_label(&p->net, p->c.l), "pending", pending, "choices",
	                      np_choices(json_object_get(form, "values")), "form", form, "done",
	                      np_done_key(&p->c)));
}

struct texts_save {
	struct pp *c;
	const struct network *n;
	int saved;
};

static int texts_tx(struct db *db, void *ud)
{
	struct texts_save *s = ud;
	int rc = np_save_texts(s->c, db, s->n);

	s->saved = rc == 1;
	return rc < 0 ? -1 : 0;
}

void h_network_manage(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f;
	struct network n;
	struct texts_save s = {NULL, &n, 0};

	if (np_load(&p, ctx, req, resp, req_param(req, "slug")) <= 0 || !np_allow(&p, NET_MANAGE))
		return;
	form_init(&f);
	if (req->method != HTTP_POST) {
		np_keep_texts(&p.net, &f);
		show_manage(&p, 200, &f);
		return;
	}
	n = p.net;
	np_read_texts(&p.c, &n, &f, 0);
	if (form_has_errors(&f)) {
		show_manage(&p, 422, &f);
		return;
	}
	json_decref(form_json(&f));
	s.c = &p.c;
	if (sql_tx(p.c.app->pool, texts_tx, &s) < 0 || !s.saved) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	pp_redirect(&p.c, arena_printf(&req->arena, "networks/%s/manage?done=saved", p.net.slug));
}

struct decision {
	struct np *p;
	int64_t user_id;
	int accept;
	int changed;
};

static int decide_tx(struct db *db, void *ud)
{
	struct decision *d = ud;
	struct np *p = d->p;
	struct arena *a = &p->c.req->arena;
	const char *uid = sql_int(a, d->user_id), *me = sql_int(a, p->c.id->user_id);
	char now[ISO_TIME_LEN + 1];
	int64_t rc;

	iso_time(p->c.now, now);
	rc = d->accept ? sql_exec(db,
	                          "UPDATE network_members SET state = 'member', joined_at = $3, "
	                          "decided_by = $4 WHERE network = $1 AND user_id = $2 AND state "
	                          "= 'pending'",
	                          4, (const char *[]){p->net.slug, uid, now, me})
	               : sql_exec(db,
	                          "DELETE FROM network_members WHERE network = $1 AND user_id = "
	                          "$2 AND state = 'pending'",
	                          2, (const char *[]){p->net.slug, uid});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	d->changed = 1;
	if (d->accept && search_touch(db, "expert", d->user_id, p->c.now) < 0)
		return -1;
	struct audit_entry e = {p->c.id->user_id,
	                        d->accept ? "network_request_accepted" : "network_request_refused",
	                        "user",
	                        uid,
	                        req_ip(p->c.req),
	                        arena_printf(a, "{\"network\":\"%s\"}", p->net.slug)};
	if (audit_append(db, p->c.now, &e) < 0)
		return -1;
	return np_notify(p->c.app, db, &p->net, d->user_id,
	                 d->accept ? "network.request_accepted" : "network.request_refused",
	                 arena_printf(a, "/networks/%s", p->net.slug), NULL);
}

void h_network_request(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct decision d = {&p, 0, 0, 0};
	const char *decision = form_value(req, "decision");
	struct form f;

	if (np_load(&p, ctx, req, resp, req_param(req, "slug")) <= 0 || !np_allow(&p, NET_MANAGE))
		return;
	if (parse_int64(req_param(req, "id"), 1, INT64_MAX, &d.user_id) < 0) {
		pp_not_found(&p.c);
		return;
	}
	form_init(&f);
	d.accept = strcmp(decision, "accept") == 0;
	if (!d.accept && strcmp(decision, "refuse") != 0) {
		np_keep_texts(&p.net, &f);
		form_error(&f, "decision", "network.error.decision");
		show_manage(&p, 422, &f);
		return;
	}
	if (sql_tx(p.c.app->pool, decide_tx, &d) < 0) {
		json_decref(form_json(&f));
		page_unavailable(p.c.app, req, resp);
		return;
	}
	search_changed(p.c.app);
	if (!d.changed) { /* no such request, or decided meanwhile */
		np_keep_texts(&p.net, &f);
		form_error(&f, "decision", "network.error.no_request");
		show_manage(&p, 409, &f);
		return;
	}
	json_decref(form_json(&f));
	pp_redirect(&p.c, arena_printf(&req->arena, "networks/%s/manage?done=%s", p.net.slug,
	                               d.accept ? "accepted" : "refused"));
}

/* ---- Announcements ------------------------------------------------------------------- */

static void show_announcements(struct np *p, int status, struct form *f)
{
	struct db *db = db_pool_get(p->c.app->pool);
	json_t *list = np_announcements(p, db, ANNOUNCEMENTS_SHOWN);
	const char *done = kvlist_get(&p->c.req->query, "done");

	db_pool_put(p->c.app->pool, db);
	page_render(p->c.app, p->c.req, p->c.resp, status, "network_announcements",
	            "network.announcements.title",
	            json_pack("{s:s, s:s, s:o, s:b, s:o, s:b}", "slug", p->net.slug, "name",
	                      network_label(&p->net, p->c.l), "announcements", list, "manage",
	                      network_may(p->c.id, p->role, NET_MANAGE), "form", form_json(f),
	                      "posted", done && strcmp(done, "posted") == 0));
}

struct announce {
	struct np *p;
	const char *title, *body;
};

static int announce_tx(struct db *db, void *ud)
{
	struct announce *an = ud;
	struct np *p = an->p;
	struct arena *a = &p->c.req->arena;
	int64_t *ids = NULL;
	int64_t id = new_id(p->c.app->cfg);
	const char *link = arena_printf(a, "/networks/%s/announcements", p->net.slug);
	char now[ISO_TIME_LEN + 1];
	int n;

	iso_time(p->c.now, now);
	if (sql_exec(db,
	             "INSERT INTO network_announcements (id, network, author_id, title, body, "
	             "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
	             6,
	             (const char *[]){sql_int(a, id), p->net.slug, sql_int(a, p->c.id->user_id),
	                              an->title, an->body, now}) != 1)
		return -1;
	struct audit_entry e = {
	        p->c.id->user_id, "network_announced",
	        "network",        p->net.slug,
	        req_ip(p->c.req), arena_printf(a, "{\"announcement\":%lld}", (long long)id)};
	if (audit_append(db, p->c.now, &e) < 0)
		return -1;
	n = np_ids_all(db, a,
	               "SELECT user_id FROM network_members WHERE network = $1 AND state = "
	               "'member' ORDER BY user_id",
	               p->net.slug, &ids);
	for (int i = 0; i < n; i++)
		if (ids[i] != p->c.id->user_id &&
		    np_notify(p->c.app, db, &p->net, ids[i], "network.announcement", link,
		              (const char *[]){"title", an->title, NULL}) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

void h_network_announcements(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f;
	struct announce an = {&p, form_value(req, "title"), form_value(req, "body")};

	if (np_load(&p, ctx, req, resp, req_param(req, "slug")) <= 0 ||
	    !np_allow(&p, req->method == HTTP_POST ? NET_MANAGE : NET_SEE_ROSTER))
		return;
	form_init(&f);
	if (req->method != HTTP_POST) {
		show_announcements(&p, 200, &f);
		return;
	}
	form_keep(&f, "title", an.title);
	form_keep(&f, "body", an.body);
	if (!*an.title)
		form_error(&f, "title", "network.error.title_required");
	else if (!np_text_ok(an.title, ANNOUNCEMENT_TITLE_MAX, 0))
		form_error(&f, "title", "network.error.title_invalid");
	if (!*an.body)
		form_error(&f, "body", "network.error.body_required");
	else if (!np_text_ok(an.body, ANNOUNCEMENT_BODY_MAX, 1))
		form_error(&f, "body", "network.error.body_invalid");
	if (form_has_errors(&f)) {
		show_announcements(&p, 422, &f);
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(p.c.app->pool, announce_tx, &an) < 0) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	pp_redirect(&p.c,
	            arena_printf(&req->arena, "networks/%s/announcements?done=posted", p.net.slug));
}
