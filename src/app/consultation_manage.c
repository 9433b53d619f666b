/* consultation_manage: the authors' pages of consultations (the model:
 * consultations.h; what the pages share: consultation_pages.h).
 *
 * /LANG/manage/consultations lists what the viewer may manage; /new writes
 * a draft; /ID is the editor: the draft's texts, audience and dates, its
 * questions (added and removed one by one until it opens), and the steps
 * the transition table allows now (open, close, publish). The route's
 * policy lets coordinators and the programme team in; each handler asks
 * cv_may_manage_audience (a coordinator: a network they coordinate, else
 * 403). A change to a consultation that is no longer a draft, or that
 * changed meanwhile (its sequence), is refused with 409. */
#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/consultation_pages.h"
#include "app/consultations.h"
#include "app/handlers.h"
#include "app/networks.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/parse.h"

#define LIST_MAX 200    /* consultations on the managers' list */
#define NETWORKS_MAX 64 /* networks offered as an audience */

static const char *const title_fields[LANG_COUNT] = {"title_ar", "title_fr", "title_en"};
static const char *const intro_fields[LANG_COUNT] = {"intro_ar", "intro_fr", "intro_en"};

/* ---- The list ----------------------------------------------------------------------------- */

void h_consultations_manage(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	struct db_stmt *st;
	json_t *items = json_array();
	const char *today;
	enum db_rc rc = DB_ERROR;
	int64_t ids[LIST_MAX];
	int n = 0, err = 0;

	pp_init(&c, ctx, req, resp);
	today = cons_day(&req->arena, c.now);
	db = db_pool_get(c.app->pool);
	st = db_prepare(db, "SELECT id FROM consultations ORDER BY created_at DESC, id DESC");
	if (st)
		while (n < LIST_MAX && (rc = db_step(st)) == DB_ROW)
			ids[n++] = db_col_int(st, 0);
	db_finalize(st);
	err = rc < 0;
	for (int i = 0; i < n && !err; i++) {
		struct consultation k;
		int may;
		int64_t people;
		if (cons_load(db, &req->arena, ids[i], &k) != 1 ||
		    (may = cv_may_manage_audience(&c, db, k.audience, k.audience_value)) < 0 ||
		    (people = cons_participants(db, k.id)) < 0) {
			err = 1;
			break;
		}
		if (!may)
			continue;
		enum cons_phase p = cons_phase(&k, today);
		json_array_append_new(
		        items,
		        json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:I}", "id", (json_int_t)k.id,
		                  "title", cons_title(&k, c.l), "phase_key",
		                  arena_printf(&req->arena, "consult.phase.%s", cons_phase_name(p)),
		                  "audience", cv_audience_json(&c, db, &k), "opens",
		                  cv_day_text(&c, k.opens_on), "closes",
		                  cv_day_text(&c, k.closes_on), "participants",
		                  (json_int_t)people));
	}
	db_pool_put(c.app->pool, db);
	if (err) {
		json_decref(items);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "consultation_manage", "consult.manage.title",
	            json_pack("{s:o}", "items", items));
}

/* ---- The editor ----------------------------------------------------------------------------- */

static json_t *choice(const char *value, const char *label, int selected)
{
	return json_pack("{s:s, s:s, s:b}", "value", value, "label", label, "selected", selected);
}

/* [{value, label, selected}] of kind k (sectors, countries), cur selected. */
static json_t *tax_choices(struct pp *c, enum tax_kind k, const char *cur)
{
	json_t *opts = taxonomy_options(c->app->tx, k, c->l), *out = json_array(), *o;
	size_t i;

	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		json_array_append_new(out,
		                      choice(id, json_string_value(json_object_get(o, "label")),
		                             strcmp(id, cur) == 0));
	}
	json_decref(opts);
	return out;
}

/* The networks the viewer may consult: [{value, label, selected}], or
 * NULL on error. */
static json_t *network_choices(struct pp *c, struct db *db, const char *cur)
{
	struct db_stmt *st = db_prepare(db, "SELECT slug FROM networks ORDER BY position, slug");
	const char *slugs[NETWORKS_MAX];
	enum db_rc rc = DB_ERROR;
	json_t *out = json_array();
	int n = 0;

	if (st)
		while (n < NETWORKS_MAX && (rc = db_step(st)) == DB_ROW)
			slugs[n++] = sql_col_text(st, &c->req->arena, 0);
	db_finalize(st);
	for (int i = 0; i < n && rc >= 0; i++) {
		struct network net;
		int may = cv_may_manage_audience(c, db, CA_NETWORK, slugs[i]);
		if (may < 0 || network_load(db, &c->req->arena, slugs[i], &net) != 1)
			rc = DB_ERROR;
		else if (may)
			json_array_append_new(out, choice(slugs[i], network_label(&net, c->l),
			                                  strcmp(slugs[i], cur) == 0));
	}
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *stored_values(struct pp *c, const struct consultation *k)
{
	json_t *v = json_object();

	for (int l = 0; l < LANG_COUNT; l++) {
		json_object_set_new(v, title_fields[l], json_string(k->title[l]));
		json_object_set_new(v, intro_fields[l], json_string(k->intro[l]));
	}
	json_object_set_new(v, "audience", json_string(cons_audience_name(k->audience)));
	json_object_set_new(v, "sector",
	                    json_string(k->audience == CA_SECTOR ? k->audience_value : ""));
	json_object_set_new(v, "network",
	                    json_string(k->audience == CA_NETWORK ? k->audience_value : ""));
	json_object_set_new(v, "country",
	                    json_string(k->audience == CA_COUNTRY ? k->audience_value : ""));
	json_object_set_new(v, "opens_on", json_string(k->opens_on));
	json_object_set_new(v, "closes_on", json_string(k->closes_on));
	json_object_set_new(v, "public_results", json_string(k->public_results ? "1" : ""));
	json_object_set_new(v, "sequence", json_string(sql_int(&c->req->arena, k->sequence)));
	return v;
}

static const char *const posted_fields[] = {
        "title_ar", "title_fr", "title_en", "intro_ar", "intro_fr",  "intro_en",       "audience",
        "sector",   "network",  "country",  "opens_on", "closes_on", "public_results", "sequence"};

static void keep_posted(struct request *req, struct form *f)
{
	for (size_t i = 0; i < sizeof(posted_fields) / sizeof(posted_fields[0]); i++)
		form_keep(f, posted_fields[i], form_value(req, posted_fields[i]));
}

static const char *val(json_t *values, const char *name)
{
	const char *s = json_string_value(json_object_get(values, name));
	return s ? s : "";
}

/* The details' fields for the template. */
static json_t *details_json(struct pp *c, json_t *values, json_t *errors, json_t *networks)
{
	static const enum lang order[LANG_COUNT] = {LANG_AR, LANG_FR, LANG_EN};
	json_t *langs = json_array(), *audiences = json_array();
	const char *aud = val(values, "audience");

	for (int i = 0; i < LANG_COUNT; i++) {
		enum lang l = order[i];
		json_array_append_new(
		        langs,
		        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:O?, s:O?, s:i, s:i}",
		                  "code", lang_code(l), "lang_key",
		                  arena_printf(&c->req->arena, "consult.lang.%s", lang_code(l)),
		                  "title_field", title_fields[l], "intro_field", intro_fields[l],
		                  "title", val(values, title_fields[l]), "intro",
		                  val(values, intro_fields[l]), "mine", l == c->l, "title_error",
		                  json_object_get(errors, title_fields[l]), "intro_error",
		                  json_object_get(errors, intro_fields[l]), "title_max",
		                  CONS_TITLE_MAX, "intro_max", CONS_INTRO_MAX));
	}
	for (int a = 0; a < CA_COUNT; a++) {
		if (a != CA_NETWORK && !(c->id->roles & ROLE_ADMIN))
			continue; /* coordinators consult their networks only */
		const char *name = cons_audience_name((enum cons_audience)a);
		json_array_append_new(
		        audiences,
		        json_pack("{s:s, s:s, s:b}", "value", name, "key",
		                  arena_printf(&c->req->arena, "consult.audience.%s", name),
		                  "checked", strcmp(aud, name) == 0));
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:b, s:s}", "langs", langs,
	                 "audiences", audiences, "sectors",
	                 tax_choices(c, TAX_SECTOR, val(values, "sector")), "countries",
	                 tax_choices(c, TAX_COUNTRY, val(values, "country")), "networks", networks,
	                 "opens_on", val(values, "opens_on"), "closes_on", val(values, "closes_on"),
	                 "public_results", strcmp(val(values, "public_results"), "1") == 0,
	                 "sequence", val(values, "sequence"));
}

static json_t *questions_json(struct cv *v)
{
	json_t *out = json_array();

	for (int i = 0; i < v->nq; i++) {
		const struct cons_question *q = &v->q[i];
		json_t *opts = json_array();
		for (int j = 0; j < q->noptions; j++)
			json_array_append_new(opts, json_string(q->options[j]));
		json_array_append_new(
		        out,
		        json_pack("{s:i, s:s, s:s, s:b, s:o, s:s, s:s, s:b}", "position",
		                  q->position, "prompt", q->prompt, "kind_key",
		                  arena_printf(&v->c.req->arena, "consult.kind.%s",
		                               cons_kind_name(q->kind)),
		                  "required", q->required, "options", opts, "low", q->scale_low,
		                  "high", q->scale_high, "is_scale", q->kind == CK_SCALE));
	}
	return out;
}

static json_t *kinds_json(struct pp *c, const char *cur)
{
	json_t *out = json_array();

	for (int k = 0; k < CK_COUNT; k++) {
		const char *name = cons_kind_name((enum cons_kind)k);
		json_array_append_new(
		        out, json_pack("{s:s, s:s, s:b}", "value", name, "key",
		                       arena_printf(&c->req->arena, "consult.kind.%s", name),
		                       "selected", strcmp(cur, name) == 0));
	}
	return out;
}

static json_t *steps_json(struct cv *v)
{
	json_t *out = json_array();

	for (int i = 0; i < cons_transition_count; i++)
		if (cons_transitions[i].from == v->phase)
			json_array_append_new(
			        out,
			        json_pack("{s:s, s:s}", "action", cons_transitions[i].name, "key",
			                  arena_printf(&v->c.req->arena, "consult.step.%s",
			                               cons_transitions[i].name)));
	return out;
}

static const char *done_key(struct pp *c)
{
	static const char *const done[] = {"created",          "saved",  "question_added",
	                                   "question_removed", "opened", "closed",
	                                   "published"};
	const char *d = kvlist_get(&c->req->query, "done");

	for (size_t i = 0; d && i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(d, done[i]) == 0)
			return arena_printf(&c->req->arena, "consult.done.%s", d);
	return NULL;
}

/* The editor (v: NULL for a new consultation). values, form: the details'
 * values and the form that failed ({values, errors, error_list}: either
 * the details' or the question's; NULL: none); both consumed. */
static void show_editor(struct pp *c, struct cv *v, int status, const char *error, json_t *values,
                        json_t *form, int question_form)
{
	struct db *db = db_pool_get(c->app->pool);
	json_t *networks = network_choices(c, db, val(values, "network")), *data;
	json_t *empty = json_pack("{s:{}, s:{}, s:[]}", "values", "errors", "error_list");
	json_t *details_errors, *qform;

	db_pool_put(c->app->pool, db);
	if (!networks) {
		json_decref(values);
		json_decref(form);
		json_decref(empty);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	form = form ? form : json_incref(empty);
	details_errors =
	        question_form ? json_object_get(empty, "errors") : json_object_get(form, "errors");
	qform = question_form ? json_incref(form) : json_incref(empty);
	data = json_pack("{s:I, s:b, s:o, s:s?, s:s?, s:O, s:o, s:b}", "id",
	                 (json_int_t)(v ? v->k.id : 0), "draft", !v || v->phase == CP_DRAFT,
	                 "details", details_json(c, values, details_errors, networks), "error",
	                 error, "done", done_key(c), "form", form, "qform", qform, "admin",
	                 (c->id->roles & ROLE_ADMIN) != 0);
	json_object_set_new(data, "kinds",
	                    kinds_json(c, val(json_object_get(qform, "values"), "kind")));
	if (v) {
		json_object_set_new(data, "title", json_string(cons_title(&v->k, c->l)));
		json_object_set_new(data, "phase_key",
		                    json_string(arena_printf(&c->req->arena, "consult.phase.%s",
		                                             cons_phase_name(v->phase))));
		json_object_set_new(data, "questions", questions_json(v));
		json_object_set_new(data, "steps", steps_json(v));
		json_object_set_new(data, "full", json_boolean(v->nq >= CONS_QUESTIONS_MAX));
		json_object_set_new(data, "published", json_boolean(v->phase == CP_PUBLISHED));
		json_object_set_new(data, "closed", json_boolean(v->phase == CP_CLOSED));
	}
	json_decref(form);
	json_decref(values);
	json_decref(empty);
	page_render(c->app, c->req, c->resp, status, "consultation_edit",
	            v ? "consult.edit.title" : "consult.new.title", data);
}

/* Reads the posted details into k (lang: k->lang) and checks them, the
 * audience's value against the reference data too. The issues go into f. */
/* Reads the posted details into k and f (values kept, errors by field):
 * 0, or -1 when the network named could not be read (an outage, not the
 * author's mistake: the caller answers 503). */
static int read_details(struct pp *c, struct consultation *k, struct form *f)
{
	struct request *req = c->req;
	struct cons_form cf = {{form_value(req, "title_ar"), form_value(req, "title_fr"),
	                        form_value(req, "title_en")},
	                       {form_value(req, "intro_ar"), form_value(req, "intro_fr"),
	                        form_value(req, "intro_en")},
	                       form_value(req, "audience"),
	                       form_value(req, "sector"),
	                       form_value(req, "network"),
	                       form_value(req, "country"),
	                       form_value(req, "opens_on"),
	                       form_value(req, "closes_on"),
	                       form_value(req, "public_results")};
	struct cons_issues is = {0};
	struct network n;
	int rc = 1;

	cons_read(&cf, k, cons_day(&req->arena, c->now), &is);
	if (k->audience == CA_SECTOR && *k->audience_value &&
	    !taxonomy_has(c->app->tx, TAX_SECTOR, k->audience_value))
		cons_issue(&is, "sector", "consult.error.sector");
	if (k->audience == CA_COUNTRY && *k->audience_value &&
	    !taxonomy_has(c->app->tx, TAX_COUNTRY, k->audience_value))
		cons_issue(&is, "country", "consult.error.country");
	if (k->audience == CA_NETWORK && *k->audience_value) {
		struct db *db = db_pool_get(c->app->pool);
		rc = network_load(db, &req->arena, k->audience_value, &n);
		db_pool_put(c->app->pool, db);
		if (rc == 0)
			cons_issue(&is, "network", "consult.error.network");
	}
	keep_posted(req, f);
	for (int i = 0; i < is.count; i++)
		form_error(f, is.items[i].field, is.items[i].key);
	return rc < 0 ? -1 : 0;
}

/* Reads the posted details (read_details); on a failed read answers 503
 * and returns -1, f emptied. */
static int read_details_or_503(struct pp *c, struct consultation *k, struct form *f)
{
	if (read_details(c, k, f) == 0)
		return 0;
	json_decref(form_json(f));
	page_unavailable(c->app, c->req, c->resp);
	return -1;
}

/* May the viewer address the audience of k? 1; 0 with the 403 sent; -1
 * with the 503 sent. */
static int audience_allowed(struct pp *c, const struct consultation *k)
{
	struct db *db = db_pool_get(c->app->pool);
	int may = cv_may_manage_audience(c, db, k->audience, k->audience_value);

	db_pool_put(c->app->pool, db);
	if (may < 0)
		page_unavailable(c->app, c->req, c->resp);
	else if (!may)
		cv_forbidden(c);
	return may;
}

struct edit {
	struct pp *c;
	struct consultation *k;
	int rc;
};

static int insert_tx(struct db *db, void *ud)
{
	struct edit *e = ud;
	struct cons_actor who = cv_actor(e->c);

	return cons_insert(db, &e->c->req->arena, &who, e->k);
}

static int update_tx(struct db *db, void *ud)
{
	struct edit *e = ud;
	struct cons_actor who = cv_actor(e->c);

	e->rc = cons_update(db, &e->c->req->arena, &who, e->k);
	return e->rc;
}

static json_t *default_values(struct pp *c)
{
	json_t *v = json_object();
	const char *today = cons_day(&c->req->arena, c->now);

	const char *network = kvlist_get(&c->req->query, "network");

	json_object_set_new(
	        v, "audience",
	        json_string((c->id->roles & ROLE_ADMIN) && !network ? "everyone" : "network"));
	json_object_set_new(v, "network", json_string(network ? network : ""));
	json_object_set_new(v, "opens_on", json_string(today));
	json_object_set_new(v, "closes_on",
	                    json_string(cons_day(&c->req->arena, c->now + 14 * 86400)));
	return v;
}

void h_consultation_new(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct consultation k = {0};
	struct form f;
	struct edit e = {&c, &k, 0};

	pp_init(&c, ctx, req, resp);
	if (req->method == HTTP_GET) {
		show_editor(&c, NULL, 200, NULL, default_values(&c), NULL, 0);
		return;
	}
	k.lang = c.l;
	form_init(&f);
	if (read_details_or_503(&c, &k, &f) < 0)
		return;
	if (form_has_errors(&f)) {
		json_t *fj = form_json(&f);
		show_editor(&c, NULL, 422, NULL, json_incref(json_object_get(fj, "values")), fj, 0);
		return;
	}
	json_decref(form_json(&f));
	if (audience_allowed(&c, &k) != 1)
		return;
	if (sql_tx(c.app->pool, insert_tx, &e) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "manage/consultations/%lld?done=created",
	                             (long long)k.id));
}

/* Loads the consultation of the path for its managers: 1, or 0 with the
 * answer sent (404, 403, 503). */
static int load_managed(struct cv *v, void *ctx, struct request *req, struct response *resp)
{
	if (cv_load(v, ctx, req, resp) != 1)
		return 0;
	if (!v->manager) {
		cv_forbidden(&v->c);
		return 0;
	}
	return 1;
}

/* Is the posted sequence the one loaded? */
static int same_sequence(struct cv *v)
{
	int64_t s;
	return parse_int64(form_value(v->c.req, "sequence"), 0, INT64_MAX, &s) == 0 &&
	       s == v->k.sequence;
}

static void show_stored(struct cv *v, int status, const char *error)
{
	show_editor(&v->c, v, status, error, stored_values(&v->c, &v->k), NULL, 0);
}

void h_consultation_edit(void *ctx, struct request *req, struct response *resp)
{
	struct cv v;
	struct consultation k;
	struct form f;
	struct edit e = {&v.c, &k, 0};

	if (!load_managed(&v, ctx, req, resp))
		return;
	if (req->method == HTTP_GET) {
		show_stored(&v, 200, NULL);
		return;
	}
	if (v.phase != CP_DRAFT) {
		show_stored(&v, 409, "consult.error.frozen");
		return;
	}
	k = v.k;
	form_init(&f);
	if (read_details_or_503(&v.c, &k, &f) < 0)
		return;
	if (form_has_errors(&f)) {
		json_t *fj = form_json(&f);
		show_editor(&v.c, &v, 422, NULL, json_incref(json_object_get(fj, "values")), fj, 0);
		return;
	}
	json_decref(form_json(&f));
	if (audience_allowed(&v.c, &k) != 1)
		return;
	if (!same_sequence(&v)) {
		show_stored(&v, 409, "consult.error.changed");
		return;
	}
	if (sql_tx(v.c.app->pool, update_tx, &e) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (e.rc != 1) {
		show_stored(&v, 409, "consult.error.changed");
		return;
	}
	pp_redirect(&v.c, arena_printf(&req->arena, "manage/consultations/%lld?done=saved",
	                               (long long)v.k.id));
}

/* ---- Questions ------------------------------------------------------------------------------ */

struct qedit {
	struct cv *v;
	struct cons_question *q;
	int remove, rc;
};

static int question_tx(struct db *db, void *ud)
{
	struct qedit *e = ud;
	struct cons_actor who = cv_actor(&e->v->c);

	e->rc = e->remove ? cons_question_remove(db, &e->v->c.req->arena, &who, &e->v->k, e->remove)
	                  : cons_question_add(db, &e->v->c.req->arena, &who, &e->v->k, e->q);
	return e->rc;
}

static const char *const question_fields[] = {"kind",    "prompt",    "required",
                                              "options", "scale_low", "scale_high"};

void h_consultation_questions(void *ctx, struct request *req, struct response *resp)
{
	struct cv v;
	struct cons_question q;
	struct cons_issues is = {0};
	struct form f;
	struct qedit e = {&v, &q, 0, 0};
	const char *remove;
	int64_t pos;

	if (!load_managed(&v, ctx, req, resp))
		return;
	if (v.phase != CP_DRAFT) {
		show_stored(&v, 409, "consult.error.frozen");
		return;
	}
	remove = form_value(req, "remove");
	if (*remove) {
		if (parse_int64(remove, 1, v.nq, &pos) < 0) {
			show_stored(&v, 422, "consult.error.no_such_question");
			return;
		}
		e.remove = (int)pos;
	} else {
		struct cons_question_form qf = {
		        form_value(req, "kind"),      form_value(req, "prompt"),
		        form_value(req, "required"),  form_value(req, "options"),
		        form_value(req, "scale_low"), form_value(req, "scale_high")};
		cons_question_read(&req->arena, &qf, &q, &is);
		if (v.nq >= CONS_QUESTIONS_MAX)
			cons_issue(&is, "prompt", "consult.error.too_many");
		if (is.count) {
			form_init(&f);
			for (size_t i = 0; i < sizeof(question_fields) / sizeof(question_fields[0]);
			     i++)
				form_keep(&f, question_fields[i],
				          form_value(req, question_fields[i]));
			for (int i = 0; i < is.count; i++)
				form_error(&f, is.items[i].field, is.items[i].key);
			show_editor(&v.c, &v, 422, NULL, stored_values(&v.c, &v.k), form_json(&f),
			            1);
			return;
		}
	}
	if (!same_sequence(&v)) {
		show_stored(&v, 409, "consult.error.changed");
		return;
	}
	if (sql_tx(v.c.app->pool, question_tx, &e) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (e.rc != 1) {
		show_stored(&v, 409, "consult.error.changed");
		return;
	}
	pp_redirect(&v.c, arena_printf(&req->arena, "manage/consultations/%lld?done=%s#questions",
	                               (long long)v.k.id,
	                               e.remove ? "question_removed" : "question_added"));
}

/* ---- Steps ---------------------------------------------------------------------------------- */

struct step {
	struct cv *v;
	const struct cons_transition *t;
	int rc;
};

static int step_tx(struct db *db, void *ud)
{
	struct step *s = ud;
	struct cons_actor who = cv_actor(&s->v->c);

	s->rc = cons_step(db, &s->v->c.req->arena, &who, &s->v->k, s->t);
	return s->rc;
}

void h_consultation_step(void *ctx, struct request *req, struct response *resp)
{
	static const char *const done[CS_STATE_COUNT] = {
	        [CS_OPEN] = "opened", [CS_CLOSED] = "closed", [CS_PUBLISHED] = "published"};
	struct cv v;
	struct step s = {&v, NULL, 0};

	if (!load_managed(&v, ctx, req, resp))
		return;
	s.t = cons_transition_find(form_value(req, "action"), v.phase);
	if (!s.t) {
		show_stored(&v, 409, "consult.error.step");
		return;
	}
	if (s.t->to == CS_OPEN && v.nq == 0) {
		show_stored(&v, 422, "consult.error.no_questions");
		return;
	}
	if (s.t->to == CS_OPEN && strcmp(v.k.closes_on, v.today) < 0) {
		show_stored(&v, 422, "consult.error.closes_past");
		return;
	}
	if (!same_sequence(&v)) {
		show_stored(&v, 409, "consult.error.changed");
		return;
	}
	if (sql_tx(v.c.app->pool, step_tx, &s) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (s.rc != 1) {
		show_stored(&v, 409, "consult.error.changed");
		return;
	}
	pp_redirect(&v.c, arena_printf(&req->arena, "manage/consultations/%lld?done=%s",
	                               (long long)v.k.id, done[s.t->to]));
}
