/* project_pages: the holder's pages of project dossiers and what every
 * dossier page shares (project_pages.h).
 *
 * /LANG/projects (my dossiers), /LANG/projects/new (the form: errors by
 * the field, 422, nothing saved), /LANG/projects/:id (the stage, the
 * advisor's messages, orientation, the pre-check, documents, mentors; the
 * holder may abandon), /LANG/projects/:id/documents (PDF upload, a
 * multipart form), /LANG/project-documents/:id (download, as an
 * attachment, for the holder, the assigned advisor and admins). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/files.h"
#include "app/handlers.h"
#include "app/need_pages.h"
#include "app/notify.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/project_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/buf.h"
#include "core/parse.h"
#include "core/utf8.h"
#include "sec/token.h"
#include "web/multipart.h"
#include "web/urlenc.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

/* ---- Shared ------------------------------------------------------------------------- */

enum project_viewer project_viewer_of(struct pp *c)
{
	const struct route *r = c->req->route;
	const char *pattern = r ? r->pattern : "";

	if (strncmp(pattern, "/:lang/admin/", 13) == 0)
		return PV_ADMIN;
	if (strncmp(pattern, "/:lang/advisor/", 15) == 0)
		return PV_ADVISOR;
	return PV_HOLDER;
}

unsigned project_actor_of(enum project_viewer v)
{
	return v == PV_ADMIN ? PROJ_ADMIN : v == PV_ADVISOR ? PROJ_ADVISOR : PROJ_HOLDER;
}

const char *project_base(struct pp *c, enum project_viewer v)
{
	static const char *const bases[] = {"projects", "advisor/projects", "admin/projects"};
	return arena_printf(&c->req->arena, "/%s/%s", lang_code(c->l), bases[v]);
}

const char *project_key(struct pp *c, const char *prefix, const char *word)
{
	return word && *word ? arena_printf(&c->req->arena, "%s.%s", prefix, word) : NULL;
}

const char *project_today(struct pp *c)
{
	char iso[ISO_TIME_LEN + 1];

	iso_time(c->now, iso);
	return arena_strndup(&c->req->arena, iso, 10);
}

const char *project_now(struct pp *c)
{
	char iso[ISO_TIME_LEN + 1];

	iso_time(c->now, iso);
	return arena_strdup(&c->req->arena, iso);
}

int project_may_see(struct pp *c, enum project_viewer v, const struct project *p)
{
	if (!c->id)
		return 0;
	if (v == PV_ADMIN)
		return (c->id->roles & ROLE_ADMIN) != 0;
	if (v == PV_ADVISOR)
		return (c->id->roles & ROLE_ADVISOR) && p->advisor_id == c->id->user_id;
	return p->holder_id == c->id->user_id;
}

int project_page_load(struct pp *c, enum project_viewer v, struct project *p)
{
	struct db *db = db_pool_get(c->app->pool);
	int64_t id = req_param_id(c->req, "id");
	int rc = id ? project_load(db, &c->req->arena, id, p) : 0;

	db_pool_put(c->app->pool, db);
	if (rc == 1 && !project_may_see(c, v, p))
		rc = 0;
	if (rc < 0)
		page_unavailable(c->app, c->req, c->resp);
	else if (rc == 0)
		pp_not_found(c);
	return rc;
}

int project_tell_holder(struct pp *c, struct db *db, const struct project *p, const char *kind,
                        const char *const *vars)
{
	return notify(c->app, db, p->holder_id, arena_printf(&c->req->arena, "project.%s", kind),
	              arena_printf(&c->req->arena, "/projects/%lld", (long long)p->id), vars);
}

int project_tell_advisor(struct pp *c, struct db *db, const struct project *p, const char *kind,
                         const char *const *vars)
{
	const char *k = arena_printf(&c->req->arena, "project.%s", kind);

	if (p->advisor_id)
		return notify(
		        c->app, db, p->advisor_id, k,
		        arena_printf(&c->req->arena, "/advisor/projects/%lld", (long long)p->id),
		        vars);
	return notify_programme(
	        c->app, db, k,
	        arena_printf(&c->req->arena, "/admin/projects/%lld", (long long)p->id), vars);
}

/* ---- What a dossier page shows --------------------------------------------------------- */

static const char *label(struct pp *c, enum tax_kind k, const char *id)
{
	const char *l = id && *id ? taxonomy_label(c->app->tx, k, id, c->l) : NULL;
	return l && *l ? l : id;
}

static json_t *cri_json(struct pp *c, struct db *db, const char *region)
{
	const char *row[3];
	const char *sql = arena_printf(&c->req->arena,
	                               "SELECT name_%s, city, website FROM cri WHERE region = $1",
	                               lang_code(c->l));

	if (sql_row(db, &c->req->arena, sql, 1, (const char *[]){region}, row, 3) != 1)
		return json_null();
	return json_pack("{s:s, s:s, s:s}", "name", row[0], "city", row[1], "website", row[2]);
}

/* The value of the project a rule compares (formatted), or NULL. */
static const char *rule_value(struct pp *c, enum mdm_kind k, const struct project *p)
{
	if (k == MDM_MIN_INVESTMENT || k == MDM_MAX_INVESTMENT)
		return pp_number(c, p->investment);
	if (k == MDM_MIN_EQUITY)
		return arena_printf(&c->req->arena, "%d", p->equity_percent);
	return NULL;
}

static json_t *precheck_json(struct pp *c, struct db *db, const struct project *p)
{
	struct mdm_rule *rules;
	size_t n;
	struct mdm_result r;
	json_t *list = json_array();

	if (project_rules_load(db, &c->req->arena, &rules, &n) < 0) {
		json_decref(list);
		return NULL;
	}
	project_precheck(rules, n, project_today(c), p->investment, p->equity_percent, &r);
	for (int k = 0; k < MDM_KINDS; k++) {
		const struct mdm_outcome *o = &r.rules[k];
		if (!o->in_force)
			continue;
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:s?, s:b, s:b, s:s?}", "key",
		                                arena_printf(&c->req->arena, "project.mdm.%s.%s",
		                                             mdm_kind_name((enum mdm_kind)k),
		                                             !o->condition ? "info"
		                                             : o->met      ? "met"
		                                                           : "unmet"),
		                                "amount", pp_number(c, o->amount), "value",
		                                rule_value(c, (enum mdm_kind)k, p), "condition",
		                                o->condition, "met", o->met, "since",
		                                pp_date(c, o->valid_from)));
	}
	return json_pack("{s:o, s:b, s:s, s:b}", "rules", list, "eligible", r.eligible, "subsidy",
	                 pp_number(c, r.subsidy), "any", n > 0);
}

static json_t *programmes_json(struct pp *c, struct db *db, int64_t holder)
{
	const char *sql = arena_printf(
	        &c->req->arena,
	        "SELECT s.name, s.url, s.description_%s FROM support_programmes s JOIN profiles p "
	        "ON p.country = s.country WHERE p.user_id = $1 ORDER BY s.name, s.id",
	        lang_code(c->l));
	struct db_stmt *st = db_prepare(db, sql);
	json_t *out = json_array();

	if (st && db_bind_int(st, 1, holder) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "name",
			                                     db_col_text(st, 0), "url",
			                                     db_col_text(st, 1), "description",
			                                     db_col_text(st, 2)));
	db_finalize(st);
	return out;
}

static json_t *documents_json(struct pp *c, struct db *db, int64_t project_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT id, name, size, created_at FROM "
	                                    "project_documents WHERE project_id = $1 ORDER BY id");
	json_t *out = json_array();

	if (st && db_bind_int(st, 1, project_id) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        out,
			        json_pack("{s:I, s:s, s:I, s:s?}", "id",
			                  (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1),
			                  "kib", (json_int_t)((db_col_int(st, 2) + 1023) / 1024),
			                  "uploaded", pp_date(c, db_col_text(st, 3))));
	db_finalize(st);
	return out;
}

static json_t *events_json(struct pp *c, struct db *db, int64_t project_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT at, from_state, to_state, reason, note FROM "
	                                    "project_events WHERE project_id = $1 ORDER BY at, id");
	json_t *out = json_array();

	if (st && db_bind_int(st, 1, project_id) == DB_OK)
		while (db_step(st) == DB_ROW) {
			const char *from = db_col_text(st, 1), *to = db_col_text(st, 2);
			json_array_append_new(
			        out, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s, s:b}", "at",
			                       pp_date(c, db_col_text(st, 0)), "from_key",
			                       project_key(c, "project.state", from), "to_key",
			                       project_key(c, "project.state", to), "reason_key",
			                       project_key(c, "project.reason", db_col_text(st, 3)),
			                       "note", db_col_text(st, 4), "moved",
			                       strcmp(from, to) != 0));
		}
	db_finalize(st);
	return out;
}

static json_t *needs_json(struct pp *c, const struct project *p)
{
	json_t *out = json_array();

	for (int i = 0; i < PROJECT_NEED_KINDS; i++)
		if (p->needs & (1u << i))
			json_array_append_new(out, json_string(project_key(c, "project.need",
			                                                   project_need_codes[i])));
	return out;
}

static const char *advisor_email(struct pp *c, struct db *db, int64_t id)
{
	const char *row[1];

	if (!id || sql_row(db, &c->req->arena, "SELECT email FROM users WHERE id = $1", 1,
	                   (const char *[]){sql_int(&c->req->arena, id)}, row, 1) != 1)
		return NULL;
	return row[0];
}

json_t *project_view(struct pp *c, struct db *db, const struct project *p, enum project_viewer v)
{
	struct arena *a = &c->req->arena;
	json_t *pre = precheck_json(c, db, p);
	json_t *mentors = project_mentorships_json(c, db, p, v);
	json_t *o;

	if (!pre || !mentors) {
		json_decref(pre);
		json_decref(mentors);
		return NULL;
	}
	o = json_pack("{s:I, s:s, s:o, s:s?, s:s?, s:s, s:s?, s:s, s:s, s:I}", "id",
	              (json_int_t)p->id, "title", p->title, "summary",
	              page_paragraphs(a, p->summary), "sector", label(c, TAX_SECTOR, p->sector),
	              "region", label(c, TAX_REGION, p->region), "city", p->city, "stage_key",
	              project_key(c, "project.stage", p->stage), "investment",
	              pp_number(c, p->investment), "equity",
	              arena_printf(a, "%d", p->equity_percent), "jobs", (json_int_t)p->jobs);
	json_object_set_new(o, "realised", json_boolean(p->investment_realised >= 0));
	if (p->investment_realised >= 0) {
		json_object_set_new(o, "investment_realised",
		                    json_string(pp_number(c, p->investment_realised)));
		json_object_set_new(o, "jobs_realised", json_integer(p->jobs_realised));
	}
	json_object_set_new(o, "state", json_string(project_state_name(p->state)));
	json_object_set_new(
	        o, "state_key",
	        json_string(project_key(c, "project.state", project_state_name(p->state))));
	json_object_set_new(o, "note", page_paragraphs(a, p->note));
	if (*p->reason)
		json_object_set_new(o, "reason_key",
		                    json_string(project_key(c, "project.reason", p->reason)));
	if (p->due_at && !project_final(p->state))
		json_object_set_new(o, "due", json_string(pp_date(c, p->due_at)));
	json_object_set_new(o, "created", json_string(pp_date(c, p->created_at)));
	if (v != PV_HOLDER && p->advisor_id)
		json_object_set_new(o, "advisor", json_string(advisor_email(c, db, p->advisor_id)));
	json_object_set_new(o, "needs", needs_json(c, p));
	json_object_set_new(o, "cri", cri_json(c, db, p->region));
	json_object_set_new(o, "precheck", pre);
	json_object_set_new(o, "programmes", programmes_json(c, db, p->holder_id));
	json_object_set_new(o, "documents", documents_json(c, db, p->id));
	json_object_set_new(o, "events", events_json(c, db, p->id));
	json_object_set_new(o, "mentors", mentors);
	json_object_set_new(o, "open", json_boolean(!project_final(p->state)));
	return o;
}

/* ---- The dossier form ---------------------------------------------------------------- */

enum ftype { F_TEXT, F_TEXTAREA, F_SECTOR, F_REGION, F_STAGE, F_AMOUNT, F_CHECK };

static const struct fdef {
	const char *name, *label, *hint;
	enum ftype type;
	int max;
	const char *col;
} form_fields[] = {
        {"title", "project.f.title", "project.f.title.hint", F_TEXT, PROJECT_TITLE_MAX, "col-12"},
        {"summary", "project.f.summary", "project.f.summary.hint", F_TEXTAREA, PROJECT_SUMMARY_MAX,
         "col-12"},
        {"sector", "project.f.sector", NULL, F_SECTOR, 64, "col-sm-6"},
        {"stage", "project.f.stage", NULL, F_STAGE, 20, "col-sm-6"},
        {"region", "project.f.region", "project.f.region.hint", F_REGION, 10, "col-sm-6"},
        {"city", "project.f.city", NULL, F_TEXT, PROJECT_CITY_MAX, "col-sm-6"},
        {"investment", "project.f.investment", "project.f.investment.hint", F_AMOUNT, 20,
         "col-sm-6 col-lg-4"},
        {"equity", "project.f.equity", "project.f.equity.hint", F_AMOUNT, 5, "col-sm-6 col-lg-4"},
        {"jobs", "project.f.jobs", NULL, F_AMOUNT, 8, "col-sm-6 col-lg-4"},
};

struct pform {
	struct pp *c;
	json_t *values; /* name → text */
	json_t *errors; /* name → {field, key, arg} */
	json_t *error_list;
};

static const char *fvalue(struct pform *f, const char *name)
{
	const char *v = json_string_value(json_object_get(f->values, name));
	return v ? v : "";
}

static json_t *options_of(struct pp *c, enum ftype t, const char *cur)
{
	json_t *out = json_array();

	if (t == F_SECTOR || t == F_REGION)
		need_page_taxonomy_choices(c, out, t == F_SECTOR ? TAX_SECTOR : TAX_REGION, cur);
	else
		need_page_words(c, out, project_stage_codes, PROJECT_STAGES, "project.stage", cur);
	return out;
}

static json_t *cell(struct pform *f, const char *name, const char *lab, const char *hint,
                    enum ftype t, int max, const char *col)
{
	const char *v = fvalue(f, name);
	json_t *err = json_object_get(f->errors, name);
	int select = t == F_SECTOR || t == F_REGION || t == F_STAGE;

	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:b, s:b, s:b, s:b, s:o?, s:i, s:s, s:O?, "
	                 "s:b, s:b}",
	                 "name", name, "value", v, "label", lab, "hint", hint, "type",
	                 t == F_CHECK ? "checkbox" : "text", "is_select", select, "is_textarea",
	                 t == F_TEXTAREA, "is_check", t == F_CHECK, "checked", *v != '\0',
	                 "options", select ? options_of(f->c, t, v) : NULL, "maxlength", max, "col",
	                 col, "error", err, "numeric", t == F_AMOUNT, "described", hint || err);
}

static json_t *form_groups(struct pform *f)
{
	json_t *main = json_array(), *needs = json_array();

	for (int i = 0; i < N(form_fields); i++) {
		const struct fdef *d = &form_fields[i];
		json_array_append_new(main,
		                      cell(f, d->name, d->label, d->hint, d->type, d->max, d->col));
	}
	for (int i = 0; i < PROJECT_NEED_KINDS; i++)
		json_array_append_new(
		        needs,
		        cell(f, arena_printf(&f->c->req->arena, "need_%s", project_need_codes[i]),
		             project_key(f->c, "project.need", project_need_codes[i]), NULL,
		             F_CHECK, 1, "col-sm-6"));
	return json_pack("[{s:s, s:o}, {s:s, s:s, s:o}]", "legend", "project.g.project", "cells",
	                 main, "legend", "project.g.needs", "hint", "project.g.needs.hint", "cells",
	                 needs);
}

static void show_form(struct pform *f, int status)
{
	json_t *data = json_pack("{s:o, s:{s:o, s:o}}", "groups", form_groups(f), "form", "errors",
	                         f->errors, "error_list", f->error_list);

	json_decref(f->values);
	page_render(f->c->app, f->c->req, f->c->resp, status, "project_form", "project.new.title",
	            data);
}

static void pform_init(struct pform *f, struct pp *c, json_t *values)
{
	f->c = c;
	f->values = values;
	f->errors = json_object();
	f->error_list = json_array();
}

static void add_issues(struct pform *f, const struct need_issues *is)
{
	for (int i = 0; i < is->count; i++) {
		const struct need_issue *it = &is->items[i];
		json_t *err = json_pack("{s:s, s:s, s:s?}", "field", it->field, "key", it->key,
		                        "arg", it->arg);
		json_object_set(f->errors, it->field, err);
		json_array_append_new(f->error_list, err);
	}
}

struct create {
	struct pp *c;
	struct project *p;
};

static int create_tx(struct db *db, void *ud)
{
	struct create *k = ud;
	struct pp *c = k->c;
	struct arena *a = &c->req->arena;
	struct audit_entry e = {c->id->user_id,       "project_submitted", "project",
	                        sql_int(a, k->p->id), req_ip(c->req),      ""};
	const char *vars[] = {"title", k->p->title, NULL};

	if (project_insert(db, a, k->p, project_now(c), c->now, new_id(c->app->cfg)) < 0 ||
	    audit_append(db, c->now, &e) < 0)
		return -1;
	return project_tell_advisor(c, db, k->p, "submitted", vars);
}

void h_project_new(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct pform f;
	struct project p = {0};
	struct need_issues is = {.count = 0};
	struct create k = {&c, &p};

	pp_init(&c, ctx, req, resp);
	if (req->method != HTTP_POST) {
		pform_init(&f, &c, json_pack("{s:s}", "stage", "idea"));
		show_form(&f, 200);
		return;
	}
	project_read(c.app->tx, &req->arena, &req->form, &p, &is);
	if (is.count > 0) {
		pform_init(&f, &c, pp_posted_values(req));
		add_issues(&f, &is);
		show_form(&f, 422);
		return;
	}
	p.id = new_id(c.app->cfg);
	p.holder_id = c.id->user_id;
	p.state = PS_SUBMITTED;
	if (sql_tx(c.app->pool, create_tx, &k) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "projects/%lld?done=submitted", (long long)p.id));
}

/* ---- The holder's pages ------------------------------------------------------------------ */

void h_projects(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	struct db_stmt *st;
	json_t *list = json_array();

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	st = db_prepare(db, "SELECT id, title, state, updated_at FROM projects WHERE holder_id = "
	                    "$1 ORDER BY updated_at DESC, id DESC LIMIT 200");
	if (st && db_bind_int(st, 1, c.id->user_id) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        list,
			        json_pack("{s:I, s:s, s:s?, s:s?}", "id",
			                  (json_int_t)db_col_int(st, 0), "title",
			                  db_col_text(st, 1), "state_key",
			                  project_key(&c, "project.state", db_col_text(st, 2)),
			                  "updated", pp_date(&c, db_col_text(st, 3))));
	db_finalize(st);
	db_pool_put(c.app->pool, db);
	if (!st) {
		json_decref(list);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "project_list", "project.list.title",
	            json_pack("{s:o, s:b, s:b}", "projects", list, "advisor",
	                      (c.id->roles & ROLE_ADVISOR) != 0, "admin",
	                      (c.id->roles & ROLE_ADMIN) != 0));
}

static json_t *reasons_json(struct pp *c, const char *const *codes)
{
	json_t *out = json_array();
	const char *cur = form_value(c->req, "reason");

	json_array_append_new(out, need_page_option("", "project.choose", NULL, !*cur));
	for (; *codes; codes++)
		json_array_append_new(
		        out, need_page_option(*codes, project_key(c, "project.reason", *codes),
		                              NULL, strcmp(cur, *codes) == 0));
	return out;
}

/* The holder's page of a dossier; error: a catalogue key after a refused
 * step or upload (field: "reason", "note", "document"). */
static void show_holder(struct pp *c, int status, const struct project *p, const char *field,
                        const char *error)
{
	struct db *db = db_pool_get(c->app->pool);
	json_t *view = project_view(c, db, p, PV_HOLDER);
	const char *done = kvlist_get(&c->req->query, "done");

	db_pool_put(c->app->pool, db);
	if (!view) {
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	page_render(c->app, c->req, c->resp, status, "project_view", "project.view.title",
	            json_pack("{s:o, s:b, s:o, s:s?, s:s?, s:s, s:s?, s:b, s:i}", "project", view,
	                      "abandon", project_can(PA_ABANDON, p->state, PROJ_HOLDER), "reasons",
	                      reasons_json(c, project_abandon_reasons), "error", error,
	                      "error_field", field, "note",
	                      status == 422 ? form_value(c->req, "note") : "", "done",
	                      done && strcmp(done, "submitted") == 0  ? "project.done.submitted"
	                      : done && strcmp(done, "uploaded") == 0 ? "project.done.uploaded"
	                                                              : NULL,
	                      "upload", !project_final(p->state), "max_mb",
	                      PROJECT_DOC_MAX_BYTES >> 20));
}

void h_project(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct project p;

	pp_init(&c, ctx, req, resp);
	if (project_page_load(&c, PV_HOLDER, &p) <= 0)
		return;
	show_holder(&c, 200, &p, NULL, NULL);
}

/* ---- Steps of the pipeline ----------------------------------------------------------- */

static int clean_note(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\r' && *s != '\t') ||
		    *s == 0x7f)
			return 0;
	return 1;
}

/* A realised figure of the step form into *out: NULL, or what is wrong. */
static const char *figure(struct pp *c, const char *name, int64_t max, int64_t *out)
{
	const char *v = form_value(c->req, name);

	if (!*v)
		return arena_printf(&c->req->arena, "project.error.%s_required", name);
	if (project_parse_amount(v, out) < 0)
		return "project.error.not_a_number";
	if (*out < 0 || *out > max)
		return arena_printf(&c->req->arena, "project.error.%s_range", name);
	return NULL;
}

const char *project_step_problem(struct pp *c, struct project *p, enum project_viewer v, int act,
                                 const char **field, int *status)
{
	const char *reason = form_value(c->req, "reason"), *note = form_value(c->req, "note");
	const char *problem;
	unsigned needs;
	int64_t x;

	*status = 409;
	*field = "action";
	if (act < 0 || !project_can((enum project_action)act, p->state, project_actor_of(v)))
		return "project.error.transition";
	*status = 422;
	needs = project_transitions[act].needs;
	*field = "reason";
	if ((needs & PROJ_NEEDS_REASON) && !project_reason_ok((enum project_action)act, reason))
		return "project.error.reason_required";
	*field = "note";
	if (!clean_note(note))
		return "project.error.text_invalid";
	if (utf8_length(note, strlen(note)) > PROJECT_NOTE_MAX)
		return "project.error.too_long";
	if ((needs & PROJ_NEEDS_NOTE) && !*note)
		return "project.error.note_required";
	if ((needs & PROJ_NEEDS_REASON) && strcmp(reason, "other") == 0 && !*note)
		return "project.error.note_other";
	if (needs & PROJ_NEEDS_FIGURES) {
		*field = "investment_realised";
		if ((problem = figure(c, "investment_realised", PROJECT_INVESTMENT_MAX, &x)))
			return problem;
		p->investment_realised = x;
		*field = "jobs_realised";
		if ((problem = figure(c, "jobs_realised", PROJECT_JOBS_MAX, &x)))
			return problem;
		p->jobs_realised = (int)x;
	}
	*field = NULL;
	return NULL;
}

struct step {
	struct pp *c;
	struct project *p;
	enum project_viewer v;
	enum project_action act;
	const char *reason, *note;
	int moved;
	int no_mentor; /* PROJ_NEEDS_MENTOR and none engaged */
};

static int step_tx(struct db *db, void *ud)
{
	struct step *s = ud;
	struct pp *c = s->c;
	struct arena *a = &c->req->arena;
	const char *from = project_state_name(s->p->state);
	int rc;

	if (project_transitions[s->act].needs & PROJ_NEEDS_MENTOR) {
		int64_t n = project_engaged_mentors(db, a, s->p->id);
		if (n < 0)
			return -1;
		if (n == 0)
			return s->no_mentor = 1, 0;
	}
	rc = project_move(db, a, s->p, s->act, c->id->user_id, s->reason, s->note, project_now(c),
	                  c->now, new_id(c->app->cfg));
	if (rc <= 0)
		return rc < 0 ? -1 : (s->moved = 0);
	s->moved = 1;
	struct audit_entry e = {c->id->user_id,
	                        arena_printf(a, "project_%s", project_transitions[s->act].name),
	                        "project",
	                        sql_int(a, s->p->id),
	                        req_ip(c->req),
	                        arena_printf(a, "{\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"%s\"}",
	                                     from, project_state_name(s->p->state), s->reason)};
	const char *vars[] = {
	        "title",  s->p->title,
	        "~state", project_key(c, "project.state", project_state_name(s->p->state)),
	        "note",   *s->note ? s->note : "—",
	        NULL};
	if (audit_append(db, c->now, &e) < 0)
		return -1;
	if (s->v == PV_HOLDER)
		return project_tell_advisor(c, db, s->p, "abandoned", vars);
	return project_tell_holder(c, db, s->p, s->act == PA_MESSAGE ? "message" : "moved", vars);
}

int project_step_run(struct pp *c, struct project *p, enum project_viewer v, int act,
                     const char **problem)
{
	unsigned needs = project_transitions[act].needs;
	struct step s = {c, p, v, (enum project_action)act, "", "", 0, 0};

	if (needs & PROJ_NEEDS_REASON)
		s.reason = form_value(c->req, "reason");
	s.note = form_value(c->req, "note");
	if (sql_tx(c->app->pool, step_tx, &s) < 0)
		return -1;
	*problem = s.no_mentor ? "project.error.no_mentor"
	           : !s.moved  ? "project.error.transition"
	                       : NULL;
	return s.moved;
}

void h_project_action(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct project p;
	int act, status, rc;
	const char *field, *problem;

	pp_init(&c, ctx, req, resp);
	if (project_page_load(&c, PV_HOLDER, &p) <= 0)
		return;
	act = project_action_parse(form_value(req, "action"));
	problem = project_step_problem(&c, &p, PV_HOLDER, act, &field, &status);
	if (problem) {
		show_holder(&c, status, &p, field, problem);
		return;
	}
	rc = project_step_run(&c, &p, PV_HOLDER, act, &problem);
	if (rc < 0)
		page_unavailable(c.app, req, resp);
	else if (rc == 0)
		show_holder(&c, 409, &p, "action", problem);
	else
		pp_redirect(&c, arena_printf(&req->arena, "projects/%lld", (long long)p.id));
}

/* ---- Documents ----------------------------------------------------------------------- */

struct upload {
	struct pp *c;
	const struct project *p;
	const struct mp_part *part;
	const char *stored, *name;
	int full; /* PROJECT_DOCS_MAX reached */
};

static int upload_tx(struct db *db, void *ud)
{
	struct upload *u = ud;
	struct pp *c = u->c;
	struct arena *a = &c->req->arena;
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	const char *id = sql_int(a, new_id(c->app->cfg)), *pid = sql_int(a, u->p->id);
	int64_t count;

	if (db_query_int(db, "SELECT COUNT(*) FROM project_documents WHERE project_id = $1", 1,
	                 (const char *[]){pid}, &count) != DB_OK)
		return -1;
	if (count >= PROJECT_DOCS_MAX)
		return u->full = 1, 0;
	crypto_hash_sha256(h, (const unsigned char *)u->part->data, u->part->len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	struct audit_entry e = {c->id->user_id, "project_document_added",
	                        "project",      pid,
	                        req_ip(c->req), arena_printf(a, "{\"document\":%s}", id)};
	if (sql_exec(
	            db,
	            "INSERT INTO project_documents (id, project_id, holder_id, name, size, sha256, "
	            "stored_as, created_at) VALUES ($1, $2, $3, $4, CAST($5 AS INTEGER), $6, $7, "
	            "$8)",
	            8,
	            (const char *[]){id, pid, sql_int(a, u->p->holder_id), u->name,
	                             sql_int(a, (int64_t)u->part->len), hex, u->stored,
	                             project_now(c)}) != 1 ||
	    audit_append(db, c->now, &e) < 0)
		return -1;
	return 0;
}

/* What is wrong with a would-be document (a catalogue key), or NULL: the
 * CV's checks (files.h: a PDF by its content), with this cap. */
static const char *document_problem(const struct mp_part *part)
{
	const char *cv;

	if (!part || !part->filename || part->len == 0)
		return "project.error.document_missing";
	if (part->len > PROJECT_DOC_MAX_BYTES)
		return "project.error.document_too_large";
	cv = cv_problem(part->data, part->len);
	return cv ? "project.error.document_not_pdf" : NULL;
}

void h_project_documents(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct project p;
	struct mp_form form;
	char token[TOKEN_LEN + 1], name[160];
	const char *why, *problem;
	struct upload u = {&c, &p, NULL, token, name, 0};

	pp_init(&c, ctx, req, resp);
	if (project_page_load(&c, PV_HOLDER, &p) <= 0)
		return;
	if (req->method != HTTP_POST) {
		show_holder(&c, 200, &p, NULL, NULL);
		return;
	}
	if (project_final(p.state)) {
		show_holder(&c, 409, &p, "document", "project.error.closed");
		return;
	}
	if (multipart_parse(req_header(req, "Content-Type"), buf_str(&req->body), req->body.len,
	                    &form, &why) == 0)
		u.part = multipart_get(&form, "document");
	problem = document_problem(u.part);
	if (problem) {
		show_holder(&c, 422, &p, "document", problem);
		return;
	}
	files_clean_name(u.part->filename, u.part->filename_len, name, sizeof(name));
	token_new(token);
	if (files_store(&req->arena, c.app->cfg, token, u.part->data, u.part->len) < 0 ||
	    sql_tx(c.app->pool, upload_tx, &u) < 0) {
		files_unlink(c.app->cfg, token);
		page_unavailable(c.app, req, resp);
		return;
	}
	if (u.full) {
		files_unlink(c.app->cfg, token);
		show_holder(&c, 422, &p, "document", "project.error.documents_full");
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "projects/%lld?done=uploaded", (long long)p.id));
}

/* A document someone other than its holder opens: audited before a byte
 * is sent (personal data seen by someone else). */
struct viewed {
	struct pp *c;
	const struct project *p;
	const char *document;
};

static int viewed_tx(struct db *db, void *ud)
{
	struct viewed *v = ud;
	struct arena *a = &v->c->req->arena;
	struct audit_entry e = {
	        v->c->id->user_id, "project_document_viewed",
	        "project",         sql_int(a, v->p->id),
	        req_ip(v->c->req), arena_printf(a, "{\"document\":%s}", v->document)};

	return audit_append(db, v->c->now, &e);
}

/* Loads the document of the path and its dossier; 1 (row: project_id,
 * name, stored_as), or 0 / -1 with the 404 / 503 answer sent. */
static int document_load(struct pp *c, struct project *p, const char **row)
{
	struct db *db = db_pool_get(c->app->pool);
	int64_t pid = 0;
	int rc = sql_row(db, &c->req->arena,
	                 "SELECT project_id, name, stored_as FROM project_documents WHERE id = $1",
	                 1, (const char *[]){req_param(c->req, "id")}, row, 3);

	if (rc == 1)
		rc = parse_int64(row[0], 1, INT64_MAX, &pid) == 0
		             ? project_load(db, &c->req->arena, pid, p)
		             : -1;
	db_pool_put(c->app->pool, db);
	if (rc == 1 && !project_may_see(c, PV_HOLDER, p) && !project_may_see(c, PV_ADVISOR, p) &&
	    !project_may_see(c, PV_ADMIN, p))
		rc = 0;
	if (rc < 0)
		page_unavailable(c->app, c->req, c->resp);
	else if (rc == 0)
		pp_not_found(c);
	return rc;
}

/* A document, for whoever may see its dossier (else 404); as an attachment. */
void h_project_document(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct project p;
	const char *row[3];
	struct buf body, enc = BUF_INIT;
	struct viewed v = {&c, &p, req_param(req, "id")};

	pp_init(&c, ctx, req, resp);
	if (document_load(&c, &p, row) <= 0)
		return;
	buf_init(&body, PROJECT_DOC_MAX_BYTES + 1);
	if (!token_well_formed(row[2]) || files_read(c.app->cfg, row[2], &body) < 0 ||
	    (p.holder_id != c.id->user_id && sql_tx(c.app->pool, viewed_tx, &v) < 0)) {
		buf_release(&body);
		page_unavailable(c.app, req, resp);
		return;
	}
	buf_release(&resp->body);
	resp->body = body; /* freed by the server */
	resp->status = 200;
	resp->content_type = "application/pdf";
	url_encode(&enc, row[1], strlen(row[1]));
	resp_header(req, resp, "Content-Disposition",
	            arena_printf(&req->arena,
	                         "attachment; filename=\"document.pdf\"; filename*=UTF-8''%s",
	                         buf_str(&enc)));
	buf_release(&enc);
	resp_header(req, resp, "Cache-Control", "private, no-store");
}
