/* network_admin: the programme team's pages of networks — the list with
 * each network's figures and coordinators, creating a network, editing any
 * network (kind, membership, texts), appointing and removing coordinators
 * by email (the person must have an account; audited; notified). The
 * routes are POLICY_ADMIN; network_may(NET_APPOINT) says the same. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/network_pages.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"

/* ---- The list and creation ---------------------------------------------------------- */

static json_t *admin_list(struct pp *c, struct db *db)
{
	char sql[320];
	struct db_stmt *st;
	json_t *list = json_array();

	snprintf(sql, sizeof(sql),
	         "SELECT n.slug, n.name_%s, n.kind, n.membership, (SELECT COUNT(*) FROM "
	         "user_roles r WHERE r.role = 'coordinator' AND r.scope = n.slug) FROM networks n "
	         "ORDER BY n.position, n.slug",
	         lang_code(c->l));
	st = db_prepare(db, sql);
	while (st && db_step(st) == DB_ROW)
		json_array_append_new(
		        list, json_pack("{s:s, s:s, s:s, s:s, s:I}", "slug", db_col_text(st, 0),
		                        "name", db_col_text(st, 1), "kind",
		                        arena_printf(&c->req->arena, "network.kind.%s",
		                                     db_col_text(st, 2)),
		                        "membership",
		                        arena_printf(&c->req->arena, "network.membership.%s",
		                                     db_col_text(st, 3)),
		                        "coordinators", (json_int_t)db_col_int(st, 4)));
	db_finalize(st);
	/* Each network's members, by the one definition (network_figures). */
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *o = json_array_get(list, i);
		struct network_figures f = {0};
		if (network_figures(db, json_string_value(json_object_get(o, "slug")), c->now, &f) <
		    0)
			break;
		json_object_set_new(o, "members", json_integer((json_int_t)f.members));
	}
	return list;
}

static void show_admin_list(struct pp *c, int status, struct form *f)
{
	struct db *db = db_pool_get(c->app->pool);
	json_t *list = admin_list(c, db);
	json_t *form = form_json(f);

	db_pool_put(c->app->pool, db);
	page_render(c->app, c->req, c->resp, status, "network_admin", "network.admin.title",
	            json_pack("{s:o, s:o, s:o, s:b}", "networks", list, "choices",
	                      np_choices(json_object_get(form, "values")), "form", form,
	                      "with_kind", 1));
}

struct create {
	struct pp *c;
	struct network *n;
	int taken;
};

static int create_tx(struct db *db, void *ud)
{
	struct create *k = ud;
	struct network *n = k->n;
	char now[ISO_TIME_LEN + 1];
	int64_t rc;

	iso_time(k->c->now, now);
	rc = sql_exec(db,
	              "INSERT INTO networks (slug, kind, membership, position, name_ar, name_fr, "
	              "name_en, summary_ar, summary_fr, summary_en, charter_ar, charter_fr, "
	              "charter_en, created_at) SELECT $1, $2, $3, COALESCE(MAX(position), 0) + 10, "
	              "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM networks WHERE true ON "
	              "CONFLICT (slug) DO NOTHING",
	              13,
	              (const char *[]){n->slug, n->kind, n->membership, n->name[LANG_AR],
	                               n->name[LANG_FR], n->name[LANG_EN], n->summary[LANG_AR],
	                               n->summary[LANG_FR], n->summary[LANG_EN],
	                               n->charter[LANG_AR], n->charter[LANG_FR],
	                               n->charter[LANG_EN], now});
	if (rc <= 0) {
		k->taken = rc == 0;
		return rc < 0 ? -1 : 0;
	}
	struct audit_entry e = {k->c->id->user_id, "network_created", "network",
	                        n->slug,           req_ip(k->c->req), ""};
	return audit_append(db, k->c->now, &e);
}

void h_admin_networks(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct form f;
	struct network n = {0};
	struct create k = {&c, &n, 0};

	pp_init(&c, ctx, req, resp);
	form_init(&f);
	if (req->method != HTTP_POST) {
		form_keep(&f, "kind", "geographic");
		form_keep(&f, "membership", "open");
		show_admin_list(&c, 200, &f);
		return;
	}
	n.slug = form_value(req, "slug");
	form_keep(&f, "slug", n.slug);
	if (!network_slug_valid(n.slug))
		form_error(&f, "slug", "network.error.slug");
	np_read_texts(&c, &n, &f, 1);
	if (!form_has_errors(&f) && sql_tx(c.app->pool, create_tx, &k) < 0) {
		json_decref(form_json(&f));
		page_unavailable(c.app, req, resp);
		return;
	}
	if (k.taken)
		form_error(&f, "slug", "network.error.slug_taken");
	if (form_has_errors(&f)) {
		show_admin_list(&c, k.taken ? 409 : 422, &f);
		return;
	}
	json_decref(form_json(&f));
	pp_redirect(&c, arena_printf(&req->arena, "admin/networks/%s?done=created", n.slug));
}

/* ---- One network -------------------------------------------------------------------- */

/* Its coordinators: [{id, email, name}]. */
static json_t *coordinator_list(struct pp *c, struct db *db, const char *slug)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT u.id, u.email, COALESCE(p.name, ''), COALESCE(p.name_ar, '') FROM "
	            "user_roles r JOIN users u ON u.id = r.user_id LEFT JOIN profiles p ON "
	            "p.user_id = u.id WHERE r.role = 'coordinator' AND r.scope = $1 ORDER BY "
	            "u.email");
	json_t *out = json_array();

	if (st && db_bind_text(st, 1, slug) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(out,
			                      json_pack("{s:I, s:s, s:s}", "id",
			                                (json_int_t)db_col_int(st, 0), "email",
			                                db_col_text(st, 1), "name",
			                                np_person_name(db_col_text(st, 2),
			                                               db_col_text(st, 3), c->l)));
	db_finalize(st);
	return out;
}

/* The edit page; f: the texts form, cf: the coordinators form. */
static void show_edit(struct np *p, int status, struct form *f, struct form *cf)
{
	struct db *db = db_pool_get(p->c.app->pool);
	json_t *coord = coordinator_list(&p->c, db, p->net.slug);
	json_t *form = form_json(f);

	db_pool_put(p->c.app->pool, db);
	page_render(p->c.app, p->c.req, p->c.resp, status, "network_admin_edit",
	            "network.admin.edit.title",
	            json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s?, s:b}", "slug", p->net.slug,
	                      "name", network_label(&p->net, p->c.l), "coordinators", coord,
	                      "choices", np_choices(json_object_get(form, "values")), "form", form,
	                      "cform", form_json(cf), "done", np_done_key(&p->c), "with_kind", 1));
}

struct texts {
	struct pp *c;
	const struct network *n;
	int saved;
};

static int texts_tx(struct db *db, void *ud)
{
	struct texts *t = ud;
	int rc = np_save_texts(t->c, db, t->n);

	t->saved = rc == 1;
	return rc < 0 ? -1 : 0;
}

static int load_admin(struct np *p, void *ctx, struct request *req, struct response *resp)
{
	return np_load(p, ctx, req, resp, req_param(req, "slug")) > 0 && np_allow(p, NET_APPOINT);
}

void h_admin_network(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f, cf;
	struct network n;
	struct texts t = {NULL, &n, 0};

	if (!load_admin(&p, ctx, req, resp))
		return;
	form_init(&f);
	form_init(&cf);
	if (req->method != HTTP_POST) {
		np_keep_texts(&p.net, &f);
		show_edit(&p, 200, &f, &cf);
		return;
	}
	n = p.net;
	np_read_texts(&p.c, &n, &f, 1);
	if (form_has_errors(&f)) {
		show_edit(&p, 422, &f, &cf);
		return;
	}
	json_decref(form_json(&f));
	json_decref(form_json(&cf));
	t.c = &p.c;
	if (sql_tx(p.c.app->pool, texts_tx, &t) < 0 || !t.saved) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	pp_redirect(&p.c, arena_printf(&req->arena, "admin/networks/%s?done=saved", p.net.slug));
}

/* ---- Coordinators ------------------------------------------------------------------------ */

struct appoint {
	struct np *p;
	const char *email;
	int add;
	int found;   /* the account exists */
	int changed; /* a row written or removed */
};

static int appoint_tx(struct db *db, void *ud)
{
	struct appoint *ap = ud;
	struct np *p = ap->p;
	struct arena *a = &p->c.req->arena;
	char now[ISO_TIME_LEN + 1];
	struct user u;
	const char *uid;
	int64_t rc;

	ap->found = user_by_email(db, a, ap->email, &u);
	if (ap->found != 1)
		return ap->found < 0 ? -1 : 0;
	uid = sql_int(a, u.id);
	iso_time(p->c.now, now);
	rc = ap->add ? sql_exec(db,
	                        "INSERT INTO user_roles (user_id, role, scope, granted_at, "
	                        "granted_by) VALUES ($1, 'coordinator', $2, $3, $4) ON CONFLICT "
	                        "(user_id, role, scope) DO NOTHING",
	                        4,
	                        (const char *[]){uid, p->net.slug, now,
	                                         sql_int(a, p->c.id->user_id)})
	             : sql_exec(db,
	                        "DELETE FROM user_roles WHERE user_id = $1 AND role = "
	                        "'coordinator' AND scope = $2",
	                        2, (const char *[]){uid, p->net.slug});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	ap->changed = 1;
	struct audit_entry e = {
	        p->c.id->user_id,
	        ap->add ? "role_granted" : "role_revoked",
	        "user",
	        uid,
	        req_ip(p->c.req),
	        arena_printf(a, "{\"role\":\"coordinator\",\"scope\":\"%s\"}", p->net.slug)};
	if (audit_append(db, p->c.now, &e) < 0)
		return -1;
	return np_notify(p->c.app, db, &p->net, u.id,
	                 ap->add ? "network.coordinator_added" : "network.coordinator_removed",
	                 arena_printf(a, "/networks/%s", p->net.slug), NULL);
}

void h_admin_network_coordinators(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f, cf;
	const char *raw = form_value(req, "email"), *action = form_value(req, "action");
	struct appoint ap = {&p, NULL, strcmp(action, "add") == 0, 0, 0};

	if (!load_admin(&p, ctx, req, resp))
		return;
	form_init(&f);
	form_init(&cf);
	np_keep_texts(&p.net, &f);
	form_keep(&cf, "email", raw);
	ap.email = email_normalise(&req->arena, raw);
	if (!ap.add && strcmp(action, "remove") != 0)
		form_error(&cf, "action", "network.error.coordinator_action");
	if (!ap.email)
		form_error(&cf, "email", "network.error.email");
	if (!form_has_errors(&cf) && sql_tx(p.c.app->pool, appoint_tx, &ap) < 0) {
		json_decref(form_json(&f));
		json_decref(form_json(&cf));
		page_unavailable(p.c.app, req, resp);
		return;
	}
	if (!form_has_errors(&cf) && ap.found != 1)
		form_error(&cf, "email", "network.error.no_account");
	else if (!form_has_errors(&cf) && !ap.changed)
		form_error(&cf, "email",
		           ap.add ? "network.error.already_coordinator"
		                  : "network.error.not_coordinator");
	if (form_has_errors(&cf)) {
		show_edit(&p, 422, &f, &cf);
		return;
	}
	json_decref(form_json(&f));
	json_decref(form_json(&cf));
	pp_redirect(&p.c, arena_printf(&req->arena, "admin/networks/%s?done=%s", p.net.slug,
	                               ap.add ? "added" : "removed"));
}
