/* plan_pages: the institution's plans (list, new, edit) and the programme
 * team's list of plans with those behind their pace (plans.h; rules:
 * docs/PLANS.md). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/institutions.h"
#include "app/page.h"
#include "app/plans.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/parse.h"

/* One request to a plan page, with the signed-in person's institution. */
struct pl {
	struct pp c;
	struct institution in;
	int owner; /* may declare and edit plans */
};

/* Loads the institution of the signed-in person: 1, or 0/-1 with the
 * answer given. */
static int pl_init(struct pl *v, void *ctx, struct request *req, struct response *resp)
{
	struct db *db;
	int rc;

	pp_init(&v->c, ctx, req, resp);
	db = db_pool_get(v->c.app->pool);
	rc = institution_load(db, &req->arena, v->c.id->institution_id, &v->in);
	db_pool_put(v->c.app->pool, db);
	if (rc < 0)
		page_unavailable(v->c.app, req, resp);
	else if (rc == 0)
		pp_not_found(&v->c);
	v->owner = (v->c.id->roles & ROLE_INSTITUTION_OWNER) != 0;
	return rc;
}

/* An institution whose kind does not declare plans: the form's page says
 * so (200: the route is the owner's), a submission is refused (403). */
static int kind_refused(struct pl *v)
{
	if (plan_kind_allowed(v->in.kind))
		return 0;
	page_message(v->c.app, v->c.req, v->c.resp, v->c.req->method == HTTP_POST ? 403 : 200,
	             "plan.kind.title", "plan.kind.message", NULL);
	return 1;
}

/* ---- The institution's list ------------------------------------------------------------ */

/* Every plan of institution_id (0: all) for year (0: every year) with its
 * progress, as plan_json; NULL on a database error. *behind counts those
 * behind. */
static json_t *plans_with_progress(struct pp *c, int64_t institution_id, int year, int *behind)
{
	struct db *db = db_pool_get(c->app->pool);
	struct plan *ps;
	struct plan_progress g;
	int n, rc;
	json_t *out = json_array();

	*behind = 0;
	rc = plans_list(db, &c->req->arena, c->l, institution_id, year, &ps, &n);
	for (int i = 0; rc == 0 && i < n; i++) {
		json_t *o;
		rc = plan_progress(db, &ps[i], c->now, c->app->cfg->plans_behind_percent, &g);
		if (rc < 0)
			break;
		o = plan_json(c->app, c->l, &ps[i], &g, 1);
		json_object_set_new(o, "editable",
		                    json_boolean(ps[i].year >= plan_year_of(c->now)));
		json_array_append_new(out, o);
		*behind += g.behind;
	}
	db_pool_put(c->app->pool, db);
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

void h_inst_plans(void *ctx, struct request *req, struct response *resp)
{
	struct pl v;
	json_t *plans;
	int behind;

	if (pl_init(&v, ctx, req, resp) != 1)
		return;
	plans = plans_with_progress(&v.c, v.in.id, 0, &behind);
	if (!plans) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	page_render(v.c.app, req, resp, 200, "plan_list", "plan.list.title",
	            json_pack("{s:o, s:b, s:b, s:s, s:i, s:b}", "plans", plans, "owner", v.owner,
	                      "allowed", plan_kind_allowed(v.in.kind), "institution",
	                      institution_label(&v.in, v.c.l), "percent",
	                      v.c.app->cfg->plans_behind_percent, "saved",
	                      kvlist_get(&req->query, "saved") != NULL));
}

/* ---- The form ---------------------------------------------------------------------------- */

/* The sectors' checkboxes: [{name, value, text, checked, error}]. */
static json_t *sector_choices(struct pp *c, json_t *values, json_t *errors)
{
	json_t *opts = taxonomy_options(c->app->tx, TAX_SECTOR, c->l), *o;
	json_t *out = json_array();
	size_t i;

	json_array_foreach(opts, i, o)
	{
		const char *name = arena_printf(&c->req->arena, "sec_%zu", i);
		if (i >= PLAN_SECTORS)
			break;
		json_array_append_new(out, json_pack("{s:s, s:O, s:O, s:b, s:O?}", "name", name,
		                                     "value", json_object_get(o, "id"), "text",
		                                     json_object_get(o, "label"), "checked",
		                                     json_object_get(values, name) != NULL, "error",
		                                     json_object_get(errors, name)));
	}
	json_decref(opts);
	return out;
}

/* The skills' fields: [{name, n, value}], PLAN_SKILLS of them. */
static json_t *skill_fields(struct pp *c, json_t *values, json_t *errors)
{
	json_t *out = json_array();

	for (int i = 0; i < PLAN_SKILLS; i++) {
		const char *name = arena_printf(&c->req->arena, "skill_%d", i);
		json_array_append_new(out, json_pack("{s:s, s:i, s:O?, s:O?}", "name", name, "n",
		                                     i + 1, "value", json_object_get(values, name),
		                                     "error", json_object_get(errors, name)));
	}
	return out;
}

/* The form's version: the plan's version it was read at, or -1. */
static int form_version(struct request *req)
{
	int64_t n;
	return parse_int64(form_value(req, "version"), 1, INT32_MAX, &n) == 0 ? (int)n : -1;
}

/* Shows the form (new when p is NULL) with status; conflict: the plan
 * changed meanwhile (409). A form re-shown with its errors keeps the
 * version it was read at, so that a newer edit is still noticed when it
 * is sent again. Consumes f. */
static void show_form(struct pl *v, int status, const struct plan *p, struct form *f)
{
	json_t *form = form_json(f);
	json_t *values = json_object_get(form, "values");
	int year = plan_year_of(v->c.now);
	int version = !p                                               ? 0
	              : status == 422 && v->c.req->method == HTTP_POST ? form_version(v->c.req)
	                                                               : p->version;

	page_render(
	        v->c.app, v->c.req, v->c.resp, status, "plan_form",
	        p ? "plan.edit.title" : "plan.new.title",
	        json_pack("{s:o, s:o, s:o, s:I, s:i, s:i, s:i, s:b, s:s, s:i}", "form", form,
	                  "sectors", sector_choices(&v->c, values, json_object_get(form, "errors")),
	                  "skills", skill_fields(&v->c, values, json_object_get(form, "errors")),
	                  "id", (json_int_t)(p ? p->id : 0), "version", version, "year_min", year,
	                  "year_max", year + PLAN_YEARS_AHEAD, "conflict", status == 409,
	                  "institution", institution_label(&v->in, v->c.l), "target_max",
	                  PLAN_TARGET_MAX));
}

struct save {
	struct pl *v;
	struct plan *p;
	int create;
	int result; /* 1 saved, 0 refused: year taken (create) or stale (edit) */
};

static int save_tx(struct db *db, void *ud)
{
	struct save *s = ud;
	struct pp *c = &s->v->c;
	struct arena *a = &c->req->arena;
	char now[ISO_TIME_LEN + 1];
	int rc;

	iso_time(c->now, now);
	rc = s->create ? plan_insert(db, a, s->p, c->id->user_id, now)
	               : plan_update(db, a, s->p, c->id->user_id, now);
	if (rc <= 0)
		return rc < 0 ? -1 : (s->result = 0);
	s->result = 1;
	struct audit_entry e = {c->id->user_id,
	                        s->create ? "plan_created" : "plan_updated",
	                        "plan",
	                        sql_int(a, s->p->id),
	                        req_ip(c->req),
	                        arena_printf(a,
	                                     "{\"institution\":%lld,\"year\":%d,\"version\":%d,"
	                                     "\"needs_target\":%d,\"experts_target\":%d}",
	                                     (long long)s->p->institution_id, s->p->year,
	                                     s->create ? 1 : s->p->version + 1, s->p->needs_target,
	                                     s->p->experts_target)};
	return audit_append(db, c->now, &e);
}

void h_plan_new(void *ctx, struct request *req, struct response *resp)
{
	struct pl v;
	struct plan p = {0};
	struct save s = {&v, &p, 1, 0};
	struct form f;

	if (pl_init(&v, ctx, req, resp) != 1 || kind_refused(&v))
		return;
	form_init(&f);
	if (req->method != HTTP_POST) {
		form_keep(&f, "year", arena_printf(&req->arena, "%d", plan_year_of(v.c.now)));
		show_form(&v, 200, NULL, &f);
		return;
	}
	plan_read(v.c.app->tx, &req->arena, &req->form, plan_year_of(v.c.now), 1, &p, &f);
	if (form_has_errors(&f)) {
		show_form(&v, 422, NULL, &f);
		return;
	}
	p.id = new_id(v.c.app->cfg);
	p.institution_id = v.in.id;
	if (sql_tx(v.c.app->pool, save_tx, &s) < 0) {
		json_decref(form_json(&f));
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (!s.result) {
		form_error(&f, "year", "plan.error.year_taken");
		show_form(&v, 422, NULL, &f);
		return;
	}
	json_decref(form_json(&f));
	pp_redirect(&v.c, "institution/plans?saved=1");
}

/* Loads the plan of the path if it is the institution's: 1, or 0/-1 with
 * the answer given (another institution's plan does not exist here). */
static int load_own(struct pl *v, struct plan *p)
{
	struct db *db = db_pool_get(v->c.app->pool);
	int64_t id = req_param_id(v->c.req, "id");
	int rc = id ? plan_load(db, &v->c.req->arena, id, p) : 0;

	db_pool_put(v->c.app->pool, db);
	if (rc == 1 && p->institution_id != v->in.id)
		rc = 0;
	if (rc < 0)
		page_unavailable(v->c.app, v->c.req, v->c.resp);
	else if (rc == 0)
		pp_not_found(&v->c);
	return rc;
}

/* The plan as stored, re-shown because it changed meanwhile (409). */
static void show_conflict(struct pl *v, const struct plan *saved)
{
	struct form f;

	form_init(&f);
	plan_values(v->c.app->tx, &v->c.req->arena, v->c.l, saved, &f);
	show_form(v, 409, saved, &f);
}

void h_plan_edit(void *ctx, struct request *req, struct response *resp)
{
	struct pl v;
	struct plan saved, p;
	struct save s = {&v, &p, 0, 0};
	struct form f;

	if (pl_init(&v, ctx, req, resp) != 1 || load_own(&v, &saved) != 1)
		return;
	form_init(&f);
	if (req->method != HTTP_POST) {
		plan_values(v.c.app->tx, &req->arena, v.c.l, &saved, &f);
		show_form(&v, 200, &saved, &f);
		return;
	}
	p = saved;
	plan_read(v.c.app->tx, &req->arena, &req->form, plan_year_of(v.c.now), 0, &p, &f);
	if (form_has_errors(&f)) {
		show_form(&v, 422, &saved, &f);
		return;
	}
	json_decref(form_json(&f));
	if (form_version(req) != saved.version) {
		show_conflict(&v, &saved);
		return;
	}
	if (sql_tx(v.c.app->pool, save_tx, &s) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (!s.result) {
		struct db *db = db_pool_get(v.c.app->pool);
		int rc = plan_load(db, &req->arena, saved.id, &saved);
		db_pool_put(v.c.app->pool, db);
		if (rc == 1)
			show_conflict(&v, &saved);
		else
			page_unavailable(v.c.app, req, resp);
		return;
	}
	pp_redirect(&v.c, "institution/plans?saved=1");
}

/* ---- The programme team's list ----------------------------------------------------------- */

void h_admin_plans(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	const char *y;
	int64_t year;
	int behind;
	json_t *plans;

	pp_init(&c, ctx, req, resp);
	y = kvlist_get(&req->query, "year");
	if (!y || parse_int64(y, 2000, 2200, &year) < 0)
		year = plan_year_of(c.now);
	plans = plans_with_progress(&c, 0, (int)year, &behind);
	if (!plans) {
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "plan_admin", "plan.admin.title",
	            json_pack("{s:o, s:i, s:i, s:i, s:i, s:i}", "plans", plans, "year", (int)year,
	                      "previous", (int)year - 1, "next", (int)year + 1, "behind", behind,
	                      "percent", c.app->cfg->plans_behind_percent));
}
