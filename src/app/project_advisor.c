/* project_advisor: the advisors' and the programme team's pages of
 * dossiers (project_pages.h).
 *
 * /LANG/advisor/projects: the dossiers assigned to me, the next deadline
 * first; /LANG/admin/projects: every dossier, unassigned ones first.
 * A dossier's page: everything the holder sees, plus the step forms the
 * pipeline table allows from its stage (qualify, orient, accompany,
 * realise with the realised figures, hold and abandon with a reason,
 * resume, a message), its mentorships and, for admins, the assignment of
 * an advisor. A step the table does not allow is 409, a bad value 422;
 * nothing changes either way. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/need_pages.h"
#include "app/notify.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/project_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/parse.h"

/* ---- The queue ---------------------------------------------------------------------- */

static json_t *queue_row(struct pp *c, struct db_stmt *st)
{
	const char *due = db_col_text(st, 5);
	const char *sector = taxonomy_label(c->app->tx, TAX_SECTOR, db_col_text(st, 3), c->l);
	const char *region = taxonomy_label(c->app->tx, TAX_REGION, db_col_text(st, 4), c->l);

	return json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:b, s:s?}", "id",
	                 (json_int_t)db_col_int(st, 0), "title", db_col_text(st, 1), "state_key",
	                 project_key(c, "project.state", db_col_text(st, 2)), "sector", sector,
	                 "region", region, "due", pp_date(c, due), "overdue",
	                 due && strcmp(due, project_now(c)) < 0, "advisor", db_col_text(st, 6));
}

void h_staff_projects(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	enum project_viewer v;
	const char *state = kvlist_get(&req->query, "state");
	json_t *list = json_array(), *tabs = json_array();
	struct db *db;
	struct db_stmt *st;
	int ok;

	pp_init(&c, ctx, req, resp);
	v = project_viewer_of(&c);
	if (!state || project_state_parse(state) < 0)
		state = "";
	db = db_pool_get(c.app->pool);
	st = db_prepare(db,
	                "SELECT p.id, p.title, p.state, p.sector_id, p.region, p.due_at, "
	                "u.email FROM projects p LEFT JOIN users u ON u.id = p.advisor_id "
	                "WHERE (CAST($1 AS BIGINT) = 0 OR p.advisor_id = CAST($1 AS BIGINT)) AND "
	                "(CAST($2 AS TEXT) = '' OR p.state = CAST($2 AS TEXT)) "
	                "ORDER BY CASE WHEN p.advisor_id IS NULL THEN 0 ELSE 1 END, "
	                "COALESCE(p.due_at, '9999'), p.id LIMIT 500");
	ok = st && db_bind_int(st, 1, v == PV_ADMIN ? 0 : c.id->user_id) == DB_OK &&
	     db_bind_text(st, 2, state) == DB_OK;
	enum db_rc rc = DB_ERROR;
	while (ok && (rc = db_step(st)) == DB_ROW)
		json_array_append_new(list, queue_row(&c, st));
	ok = ok && rc == DB_OK;
	db_finalize(st);
	db_pool_put(c.app->pool, db);
	if (!ok) {
		json_decref(list);
		json_decref(tabs);
		page_unavailable(c.app, req, resp);
		return;
	}
	for (int s = 0; s < PROJECT_STATES; s++) {
		const char *name = project_state_name((enum project_state)s);
		json_array_append_new(tabs, json_pack("{s:s, s:s?, s:b}", "state", name, "key",
		                                      project_key(&c, "project.state", name),
		                                      "current", strcmp(state, name) == 0));
	}
	page_render(c.app, req, resp, 200, "advisor_projects", "project.queue.title",
	            json_pack("{s:o, s:o, s:s, s:b, s:b}", "projects", list, "tabs", tabs, "base",
	                      project_base(&c, v), "admin", v == PV_ADMIN, "all", !*state));
}

/* ---- A dossier for the staff --------------------------------------------------------- */

static json_t *reasons_of(struct pp *c, enum project_action a)
{
	const char *const *codes = a == PA_HOLD ? project_hold_reasons : project_abandon_reasons;
	const char *cur = form_value(c->req, "reason");
	json_t *out = json_array();

	json_array_append_new(out, need_page_option("", "project.choose", NULL, !*cur));
	for (; *codes; codes++)
		json_array_append_new(
		        out, need_page_option(*codes, project_key(c, "project.reason", *codes),
		                              NULL, strcmp(cur, *codes) == 0));
	return out;
}

/* The step forms the table offers v from p's stage; the one refused
 * carries its error. */
static json_t *actions_json(struct pp *c, const struct project *p, enum project_viewer v,
                            const char *field, const char *error)
{
	const char *chosen = error ? form_value(c->req, "action") : "";
	json_t *out = json_array();

	for (int a = 0; a < PROJECT_ACTIONS; a++) {
		const struct project_transition *t = &project_transitions[a];
		int mine = strcmp(chosen, t->name) == 0;
		if (!project_can((enum project_action)a, p->state, project_actor_of(v)))
			continue;
		json_array_append_new(
		        out,
		        json_pack(
		                "{s:s, s:s?, s:s?, s:b, s:b, s:b, s:b, s:o, s:s?, s:s?, s:s, s:s, "
		                "s:s}",
		                "name", t->name, "key", project_key(c, "project.action", t->name),
		                "hint", project_key(c, "project.action.hint", t->name), "reason",
		                (t->needs & PROJ_NEEDS_REASON) != 0, "note_required",
		                (t->needs & PROJ_NEEDS_NOTE) != 0, "figures",
		                (t->needs & PROJ_NEEDS_FIGURES) != 0, "danger",
		                a == PA_ABANDON || a == PA_HOLD, "reasons",
		                (t->needs & PROJ_NEEDS_REASON)
		                        ? reasons_of(c, (enum project_action)a)
		                        : json_array(),
		                "error", mine ? error : NULL, "error_field", mine ? field : NULL,
		                "note", mine ? form_value(c->req, "note") : "", "invested",
		                mine ? form_value(c->req, "investment_realised") : "", "jobs",
		                mine ? form_value(c->req, "jobs_realised") : ""));
	}
	return out;
}

/* [{id, email, selected}] of the advisors, for the assignment. */
static json_t *advisors_json(struct db *db, int64_t current)
{
	struct db_stmt *st = db_prepare(db, "SELECT u.id, u.email FROM users u JOIN user_roles r "
	                                    "ON r.user_id = u.id AND r.role = 'advisor' WHERE "
	                                    "u.status = 'active' ORDER BY u.email LIMIT 500");
	json_t *out = json_array();

	while (st && db_step(st) == DB_ROW)
		json_array_append_new(out, json_pack("{s:I, s:s, s:b}", "id",
		                                     (json_int_t)db_col_int(st, 0), "email",
		                                     db_col_text(st, 1), "selected",
		                                     db_col_int(st, 0) == current));
	db_finalize(st);
	return out;
}

void project_show_staff(struct pp *c, int status, const struct project *p, enum project_viewer v,
                        const char *field, const char *error)
{
	struct db *db = db_pool_get(c->app->pool);
	json_t *view = project_view(c, db, p, v);
	json_t *advisors = v == PV_ADMIN ? advisors_json(db, p->advisor_id) : json_array();
	const char *done = kvlist_get(&c->req->query, "done");

	db_pool_put(c->app->pool, db);
	if (!view) {
		json_decref(advisors);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	page_render(c->app, c->req, c->resp, status, "advisor_project", "project.view.title",
	            json_pack("{s:o, s:o, s:o, s:s, s:b, s:s?, s:s?, s:s?}", "project", view,
	                      "actions", actions_json(c, p, v, field, error), "advisors", advisors,
	                      "base", project_base(c, v), "admin", v == PV_ADMIN, "error", error,
	                      "error_field", field, "done",
	                      done && strcmp(done, "proposed") == 0   ? "project.done.proposed"
	                      : done && strcmp(done, "assigned") == 0 ? "project.done.assigned"
	                                                              : NULL));
}

void h_staff_project(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct project p;
	enum project_viewer v;

	pp_init(&c, ctx, req, resp);
	v = project_viewer_of(&c);
	if (project_page_load(&c, v, &p) <= 0)
		return;
	project_show_staff(&c, 200, &p, v, NULL, NULL);
}

void h_staff_project_action(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct project p;
	enum project_viewer v;
	int act, status, rc;
	const char *field, *problem;

	pp_init(&c, ctx, req, resp);
	v = project_viewer_of(&c);
	if (project_page_load(&c, v, &p) <= 0)
		return;
	act = project_action_parse(form_value(req, "action"));
	problem = project_step_problem(&c, &p, v, act, &field, &status);
	if (problem) {
		project_show_staff(&c, status, &p, v, field, problem);
		return;
	}
	rc = project_step_run(&c, &p, v, act, &problem);
	if (rc < 0)
		page_unavailable(c.app, req, resp);
	else if (rc == 0)
		project_show_staff(&c, strcmp(problem, "project.error.no_mentor") == 0 ? 422 : 409,
		                   &p, v, "action", problem);
	else
		resp_redirect(
		        req, resp, 303,
		        arena_printf(&req->arena, "%s/%lld", project_base(&c, v), (long long)p.id));
}

/* ---- Assignment (admins) ------------------------------------------------------------- */

struct assign {
	struct pp *c;
	struct project *p;
	int64_t advisor;
	int done; /* 0: someone else assigned it meanwhile */
};

static int assign_tx(struct db *db, void *ud)
{
	struct assign *k = ud;
	struct pp *c = k->c;
	struct arena *a = &c->req->arena;
	const char *id = sql_int(a, k->p->id), *state = project_state_name(k->p->state);
	const char *vars[] = {"title", k->p->title, NULL};
	int64_t rc = sql_exec(db,
	                      "UPDATE projects SET advisor_id = $2, updated_at = $3 WHERE id = $1 "
	                      "AND COALESCE(advisor_id, 0) = CAST($4 AS BIGINT)",
	                      4,
	                      (const char *[]){id, sql_int(a, k->advisor), project_now(c),
	                                       sql_int(a, k->p->advisor_id)});

	if (rc <= 0)
		return rc < 0 ? -1 : (k->done = 0);
	k->done = 1;
	k->p->advisor_id = k->advisor;
	struct audit_entry e = {
	        c->id->user_id, "project_assigned",
	        "project",      id,
	        req_ip(c->req), arena_printf(a, "{\"advisor\":%lld}", (long long)k->advisor)};
	if (sql_exec(db,
	             "INSERT INTO project_events (id, project_id, at, actor_id, from_state, "
	             "to_state, reason, note) VALUES ($1, $2, $3, $4, $5, $5, 'assigned', '')",
	             5,
	             (const char *[]){sql_int(a, new_id(c->app->cfg)), id, project_now(c),
	                              sql_int(a, c->id->user_id), state}) != 1 ||
	    audit_append(db, c->now, &e) < 0)
		return -1;
	return project_tell_advisor(c, db, k->p, "assigned", vars);
}

/* Is user id an active advisor? 1, 0, or -1. */
static int is_advisor(struct pp *c, int64_t id)
{
	struct db *db = db_pool_get(c->app->pool);
	int64_t n;
	enum db_rc rc = db_query_int(db,
	                             "SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = "
	                             "r.user_id WHERE r.user_id = $1 AND r.role = 'advisor' AND "
	                             "u.status = 'active'",
	                             1, (const char *[]){sql_int(&c->req->arena, id)}, &n);

	db_pool_put(c->app->pool, db);
	return rc != DB_OK ? -1 : n > 0;
}

void h_admin_project_assign(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct project p;
	struct assign k = {&c, &p, 0, 0};
	int ok;

	pp_init(&c, ctx, req, resp);
	if (project_page_load(&c, PV_ADMIN, &p) <= 0)
		return;
	if (parse_int64(form_value(req, "advisor"), 1, INT64_MAX, &k.advisor) < 0 ||
	    (ok = is_advisor(&c, k.advisor)) == 0) {
		project_show_staff(&c, 422, &p, PV_ADMIN, "advisor",
		                   "project.error.advisor_unknown");
		return;
	}
	if (ok < 0 || sql_tx(c.app->pool, assign_tx, &k) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (!k.done) {
		project_show_staff(&c, 409, &p, PV_ADMIN, "advisor",
		                   "project.error.assigned_meanwhile");
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "admin/projects/%lld?done=assigned",
	                             (long long)p.id));
}
