/* consultation_pages: the pages of consultations (the model:
 * consultations.h; the rules: docs/CONSULTATIONS.md).
 *
 * The audience: /LANG/consultations lists what is open to me and the
 * results I may see; /LANG/consultations/ID shows the answer form while
 * open (once), then the published summary; its results.csv. Someone
 * outside the audience gets 404, unless the author made the results
 * public and they are published.
 *
 * The authors: one set of pages under /LANG/manage/consultations for the
 * programme team and the coordinators (the route's policy lets both in;
 * each handler asks may_manage: admins every consultation, a coordinator
 * those whose audience is a network they coordinate, network_may
 * NET_CONSULT; anyone else 403). A draft's texts, dates and questions are
 * edited until it opens (409 afterwards).
 *
 * Every change is one transaction (the change, its audit row, its
 * notifications); a form with mistakes is shown again (422) with each
 * message next to its field, and nothing is saved. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/consultation_pages.h"
#include "app/consultations.h"
#include "app/handlers.h"
#include "app/networks.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/buf.h"
#include "core/parse.h"
#include "web/csv.h"

#define LIST_MAX 200 /* consultations on a list */
#define CSV_MAX (1 << 20)

void cv_forbidden(struct pp *c)
{
	struct route_error e = {403, "forbidden", NULL, 0};
	app_on_error(c->app, c->req, c->resp, &e);
}

struct cons_actor cv_actor(struct pp *c)
{
	return (struct cons_actor){c->app, c->id ? c->id->user_id : 0, req_ip(c->req), c->now};
}

int cv_may_manage_audience(struct pp *c, struct db *db, enum cons_audience a, const char *value)
{
	enum net_role r;

	if (!c->id || c->id->second_step_pending)
		return 0;
	if (c->id->roles & ROLE_ADMIN)
		return 1;
	if (a != CA_NETWORK || !*value)
		return 0;
	if (network_role(db, c->id->user_id, value, &r) < 0)
		return -1;
	return network_may(c->id, r, NET_CONSULT);
}

int cv_load(struct cv *v, void *ctx, struct request *req, struct response *resp)
{
	struct db *db;
	int rc;

	pp_init(&v->c, ctx, req, resp);
	v->today = cons_day(&req->arena, v->c.now);
	db = db_pool_get(v->c.app->pool);
	rc = req_param_id(req, "id") ? cons_load(db, &req->arena, req_param_id(req, "id"), &v->k)
	                             : 0;
	if (rc == 1 && (v->nq = cons_questions(db, &req->arena, v->k.id, v->q)) < 0)
		rc = -1;
	if (rc == 1) {
		int64_t uid = v->c.id && !v->c.id->second_step_pending ? v->c.id->user_id : 0;
		v->manager = cv_may_manage_audience(&v->c, db, v->k.audience, v->k.audience_value);
		v->audience = cons_in_audience(db, &v->k, uid);
		v->answered = uid ? cons_answered(db, v->k.id, uid) : 0;
		if (v->manager < 0 || v->audience < 0 || v->answered < 0)
			rc = -1;
		v->phase = cons_phase(&v->k, v->today);
	}
	db_pool_put(v->c.app->pool, db);
	if (rc < 0)
		page_unavailable(v->c.app, req, resp);
	else if (rc == 0)
		pp_not_found(&v->c);
	return rc;
}

const char *cv_day_text(struct pp *c, const char *day)
{
	const char *t = pp_date(c, day);
	return t ? t : day;
}

json_t *cv_audience_json(struct pp *c, struct db *db, const struct consultation *k)
{
	const char *value = NULL;
	struct network n;

	if (k->audience == CA_SECTOR)
		value = taxonomy_label(c->app->tx, TAX_SECTOR, k->audience_value, c->l);
	else if (k->audience == CA_COUNTRY)
		value = taxonomy_label(c->app->tx, TAX_COUNTRY, k->audience_value, c->l);
	else if (k->audience == CA_NETWORK && db &&
	         network_load(db, &c->req->arena, k->audience_value, &n) == 1)
		value = network_label(&n, c->l);
	return json_pack("{s:s, s:s}", "key",
	                 arena_printf(&c->req->arena, "consult.audience.%s",
	                              cons_audience_name(k->audience)),
	                 "value", value ? value : k->audience_value);
}

/* May the viewer see the consultation's page at all? Its managers; its
 * audience once it is no longer a draft; anyone once the results are
 * published and public. */
static int visible(const struct cv *v)
{
	if (v->manager)
		return 1;
	if (v->phase == CP_DRAFT)
		return 0;
	return v->audience || (v->phase == CP_PUBLISHED && v->k.public_results);
}

/* May the viewer see the summary (and its CSV)? */
static int summary_visible(const struct cv *v)
{
	if (v->phase == CP_PUBLISHED)
		return visible(v);
	return v->manager && v->phase == CP_CLOSED;
}

/* A consultation for a list. */
static json_t *item_json(struct pp *c, const struct consultation *k, const char *today)
{
	enum cons_phase p = cons_phase(k, today);

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)k->id, "title",
	                 cons_title(k, c->l), "phase", cons_phase_name(p), "phase_key",
	                 arena_printf(&c->req->arena, "consult.phase.%s", cons_phase_name(p)),
	                 "opens", cv_day_text(c, k->opens_on), "closes",
	                 cv_day_text(c, k->closes_on));
}

/* Up to LIST_MAX consultations of "SELECT id FROM consultations " + tail. */
static int select_ids(struct db *db, const char *tail, int64_t *ids)
{
	struct arena a = ARENA_INIT;
	struct db_stmt *st =
	        db_prepare(db, arena_printf(&a, "SELECT id FROM consultations %s", tail));
	enum db_rc rc = st ? DB_OK : DB_ERROR;
	int n = 0;

	while (rc >= 0 && n < LIST_MAX && (rc = db_step(st)) == DB_ROW)
		ids[n++] = db_col_int(st, 0);
	db_finalize(st);
	arena_free(&a);
	return rc < 0 ? -1 : n;
}

/* ---- The audience's list ---------------------------------------------------------------- */

void h_consultations(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	int64_t ids[LIST_MAX];
	json_t *open = json_array(), *results = json_array();
	const char *today;
	int n, err = 0;

	pp_init(&c, ctx, req, resp);
	today = cons_day(&req->arena, c.now);
	db = db_pool_get(c.app->pool);
	n = select_ids(db,
	               "WHERE state IN ('open', 'closed', 'published') ORDER BY closes_on DESC, id "
	               "DESC",
	               ids);
	err = n < 0;
	for (int i = 0; i < n && !err; i++) {
		struct consultation k;
		int in, done;
		if (cons_load(db, &req->arena, ids[i], &k) != 1 ||
		    (in = cons_in_audience(db, &k, c.id->user_id)) < 0 ||
		    (done = cons_answered(db, k.id, c.id->user_id)) < 0) {
			err = 1;
			break;
		}
		enum cons_phase p = cons_phase(&k, today);
		json_t *o;
		if (in && (p == CP_OPEN || p == CP_SCHEDULED)) {
			o = item_json(&c, &k, today);
			json_object_set_new(o, "answered", json_boolean(done));
			json_array_append_new(open, o);
		} else if (p == CP_PUBLISHED && (in || k.public_results)) {
			json_array_append_new(results, item_json(&c, &k, today));
		}
	}
	db_pool_put(c.app->pool, db);
	if (err) {
		json_decref(open);
		json_decref(results);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "consultation_list", "consult.list.title",
	            json_pack("{s:o, s:o, s:b}", "open", open, "results", results, "manage",
	                      (c.id->roles & (ROLE_ADMIN | ROLE_COORDINATOR)) != 0));
}

/* ---- The summary -------------------------------------------------------------------------- */

static json_t *tally_json(struct pp *c, const struct cons_question *q, const struct cons_tally *t)
{
	struct arena *a = &c->req->arena;
	json_t *rows = json_array(), *texts = json_array();
	int n = q->kind == CK_CHOICE ? q->noptions : q->kind == CK_SCALE ? CONS_SCALE_MAX : 0;

	for (int j = 1; j <= n; j++) {
		const char *label = q->kind == CK_CHOICE ? q->options[j - 1] : sql_int(a, j);
		if (q->kind == CK_SCALE && (j == 1 || j == CONS_SCALE_MAX))
			label = arena_printf(a, "%d (%s)", j,
			                     j == 1 ? q->scale_low : q->scale_high);
		json_array_append_new(rows, json_pack("{s:s, s:I, s:s}", "label", label, "count",
		                                      (json_int_t)t->count[j], "percent",
		                                      cons_permille_text(a, t->permille[j])));
	}
	for (int j = 0; j < t->ntexts; j++)
		json_array_append_new(texts, json_pack("{s:s, s:s?, s:b}", "text", t->texts[j].text,
		                                       "name", t->texts[j].name, "anonymous",
		                                       t->texts[j].name == NULL));
	return json_pack("{s:i, s:s, s:b, s:b, s:b, s:I, s:o, s:s?, s:o}", "position", q->position,
	                 "prompt", q->prompt, "is_choice", q->kind == CK_CHOICE, "is_scale",
	                 q->kind == CK_SCALE, "is_text", q->kind == CK_TEXT, "answered",
	                 (json_int_t)t->answered, "rows", rows, "mean",
	                 q->kind == CK_SCALE && t->answered ? cons_hundredths_text(a, t->mean_x100)
	                                                    : NULL,
	                 "texts", texts);
}

/* The tallies of v's questions: 0, or -1. */
static int tallies(struct cv *v, struct cons_tally *t, int64_t *participants)
{
	struct db *db = db_pool_get(v->c.app->pool);
	struct cons_row *rows;
	int n = cons_rows(db, &v->c.req->arena, v->k.id, v->q, v->nq, v->c.l, &rows);

	*participants = n < 0 ? -1 : cons_participants(db, v->k.id);
	db_pool_put(v->c.app->pool, db);
	if (n < 0 || *participants < 0)
		return -1;
	return cons_summarise(&v->c.req->arena, v->q, v->nq, rows, n, t);
}

/* ---- The consultation's page -------------------------------------------------------------- */

static json_t *question_json(struct pp *c, const struct cons_question *q, json_t *values,
                             json_t *errors)
{
	struct arena *a = &c->req->arena;
	const char *field = arena_printf(a, "q%d", q->position);
	const char *cur = json_string_value(json_object_get(values, field));
	json_t *opts = json_array();

	cur = cur ? cur : "";
	if (q->kind == CK_CHOICE)
		for (int j = 0; j < q->noptions; j++) {
			const char *val = sql_int(a, j + 1);
			json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", val,
			                                      "text", q->options[j], "checked",
			                                      strcmp(cur, val) == 0));
		}
	if (q->kind == CK_SCALE)
		for (int j = 1; j <= CONS_SCALE_MAX; j++) {
			const char *val = sql_int(a, j);
			json_array_append_new(opts,
			                      json_pack("{s:s, s:s, s:b}", "value", val, "text",
			                                val, "checked", strcmp(cur, val) == 0));
		}
	return json_pack("{s:s, s:i, s:s, s:b, s:b, s:b, s:b, s:o, s:s, s:s, s:s, s:O?, s:i}",
	                 "field", field, "position", q->position, "prompt", q->prompt, "required",
	                 q->required, "is_choice", q->kind == CK_CHOICE, "is_scale",
	                 q->kind == CK_SCALE, "is_text", q->kind == CK_TEXT, "options", opts, "low",
	                 q->scale_low, "high", q->scale_high, "value", cur, "error",
	                 json_object_get(errors, field), "max", CONS_TEXT_MAX);
}

static const char *done_key(struct pp *c)
{
	static const char *const done[] = {"answered",       "created",          "saved",
	                                   "question_added", "question_removed", "opened",
	                                   "closed",         "published"};
	const char *d = kvlist_get(&c->req->query, "done");

	for (size_t i = 0; d && i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(d, done[i]) == 0)
			return arena_printf(&c->req->arena, "consult.done.%s", d);
	return NULL;
}

/* The consultation's page; error: a catalogue key shown at the top
 * (role=alert); form: the answers as typed and their errors (consumed). */
static void show(struct cv *v, int status, const char *error, json_t *form)
{
	struct arena *a = &v->c.req->arena;
	struct cons_tally t[CONS_QUESTIONS_MAX];
	json_t *questions = json_array(), *summary = json_array(), *data, *aud;
	int64_t participants = 0;
	int can_answer = v->audience && v->phase == CP_OPEN && !v->answered;
	int with_summary = summary_visible(v);
	struct db *db;

	if (with_summary && tallies(v, t, &participants) < 0) {
		json_decref(questions);
		json_decref(summary);
		json_decref(form);
		page_unavailable(v->c.app, v->c.req, v->c.resp);
		return;
	}
	form = form ? form : json_pack("{s:{}, s:{}, s:[]}", "values", "errors", "error_list");
	for (int i = 0; i < v->nq; i++) {
		json_array_append_new(questions, question_json(&v->c, &v->q[i],
		                                               json_object_get(form, "values"),
		                                               json_object_get(form, "errors")));
		if (with_summary)
			json_array_append_new(summary, tally_json(&v->c, &v->q[i], &t[i]));
	}
	db = db_pool_get(v->c.app->pool);
	aud = cv_audience_json(&v->c, db, &v->k);
	db_pool_put(v->c.app->pool, db);
	data = json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)v->k.id,
	                 "title", cons_title(&v->k, v->c.l), "intro",
	                 page_paragraphs(a, cons_intro(&v->k, v->c.l)), "phase",
	                 cons_phase_name(v->phase), "phase_key",
	                 arena_printf(a, "consult.phase.%s", cons_phase_name(v->phase)), "opens",
	                 cv_day_text(&v->c, v->k.opens_on), "closes",
	                 cv_day_text(&v->c, v->k.closes_on), "audience", aud);
	json_object_update_new(
	        data, json_pack("{s:o, s:o, s:b, s:b, s:b, s:b, s:b, s:b, s:I, s:s?, "
	                        "s:s?, s:o, s:b, s:b}",
	                        "questions", questions, "summary", summary, "can_answer",
	                        can_answer, "answered", v->answered, "audience_member", v->audience,
	                        "signed_in", v->c.id != NULL, "with_summary", with_summary,
	                        "manager", v->manager, "participants", (json_int_t)participants,
	                        "error", error, "done", done_key(&v->c), "form", form, "published",
	                        v->phase == CP_PUBLISHED, "scheduled", v->phase == CP_SCHEDULED));
	page_render(v->c.app, v->c.req, v->c.resp, status, "consultation_page",
	            "consult.page.title", data);
}

void h_consultation(void *ctx, struct request *req, struct response *resp)
{
	struct cv v;

	if (cv_load(&v, ctx, req, resp) != 1)
		return;
	if (!visible(&v)) {
		pp_not_found(&v.c);
		return;
	}
	show(&v, 200, NULL, NULL);
}

/* ---- Answering ---------------------------------------------------------------------------- */

struct answer {
	struct cv *v;
	struct cons_answer *ans;
	int anonymous;
	enum cons_outcome out;
};

static int answer_tx(struct db *db, void *ud)
{
	struct answer *w = ud;
	struct cons_actor who = cv_actor(&w->v->c);

	return cons_answer(db, &w->v->c.req->arena, &who, &w->v->k, w->v->q, w->v->nq, w->ans,
	                   w->anonymous, &w->out);
}

void h_consultation_answer(void *ctx, struct request *req, struct response *resp)
{
	struct cv v;
	struct cons_answer ans[CONS_QUESTIONS_MAX];
	const char *values[CONS_QUESTIONS_MAX];
	struct cons_issues is = {0};
	struct form f;
	struct answer w = {&v, ans, 0, CO_SAVED};

	if (cv_load(&v, ctx, req, resp) != 1)
		return;
	if (!v.audience || v.phase == CP_DRAFT) {
		pp_not_found(&v.c);
		return;
	}
	if (v.phase != CP_OPEN) {
		show(&v, 409,
		     v.phase == CP_SCHEDULED ? "consult.error.not_open" : "consult.error.closed",
		     NULL);
		return;
	}
	if (v.answered) {
		show(&v, 409, "consult.error.already", NULL);
		return;
	}
	form_init(&f);
	for (int i = 0; i < v.nq; i++) {
		const char *field = arena_printf(&req->arena, "q%d", v.q[i].position);
		values[i] = form_value(req, field);
		form_keep(&f, field, values[i]);
	}
	w.anonymous = strcmp(form_value(req, "anonymous"), "1") == 0;
	form_keep(&f, "anonymous", w.anonymous ? "1" : "");
	cons_answers_read(v.q, v.nq, values, ans, &is);
	for (int i = 0; i < is.count; i++)
		form_error(&f, is.items[i].field, is.items[i].key);
	if (form_has_errors(&f)) {
		show(&v, 422, NULL, form_json(&f));
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(v.c.app->pool, answer_tx, &w) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (w.out != CO_SAVED) {
		v.answered = w.out == CO_ALREADY;
		show(&v, 409,
		     w.out == CO_ALREADY ? "consult.error.already" : "consult.error.closed", NULL);
		return;
	}
	pp_redirect(&v.c, arena_printf(&req->arena, "consultations/%lld?done=answered",
	                               (long long)v.k.id));
}

/* ---- CSV ---------------------------------------------------------------------------------- */

void h_consultation_csv(void *ctx, struct request *req, struct response *resp)
{
	struct cv v;
	struct cons_tally t[CONS_QUESTIONS_MAX];
	int64_t participants;
	struct buf b;
	struct arena *a = &req->arena;
	const char *anonymous;

	if (cv_load(&v, ctx, req, resp) != 1)
		return;
	if (!summary_visible(&v)) {
		pp_not_found(&v.c);
		return;
	}
	if (tallies(&v, t, &participants) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	anonymous = tr(v.c.app, v.c.l, "consult.anonymous");
	buf_init(&b, CSV_MAX);
	buf_adds(&b, CSV_BOM);
	csv_record(&b,
	           (const char *[]){tr(v.c.app, v.c.l, "consult.csv.question"),
	                            tr(v.c.app, v.c.l, "consult.csv.kind"),
	                            tr(v.c.app, v.c.l, "consult.csv.answer"),
	                            tr(v.c.app, v.c.l, "consult.csv.count"),
	                            tr(v.c.app, v.c.l, "consult.csv.percent"),
	                            tr(v.c.app, v.c.l, "consult.csv.by")},
	           6);
	for (int i = 0; i < v.nq; i++) {
		const struct cons_question *q = &v.q[i];
		const char *kind = cons_kind_name(q->kind);
		int n = q->kind == CK_CHOICE  ? q->noptions
		        : q->kind == CK_SCALE ? CONS_SCALE_MAX
		                              : 0;
		for (int j = 1; j <= n; j++)
			csv_record(&b,
			           (const char *[]){q->prompt, kind,
			                            q->kind == CK_CHOICE ? q->options[j - 1]
			                                                 : sql_int(a, j),
			                            sql_int(a, t[i].count[j]),
			                            cons_permille_text(a, t[i].permille[j]), ""},
			           6);
		if (q->kind == CK_SCALE && t[i].answered)
			csv_record(&b,
			           (const char *[]){q->prompt, kind,
			                            tr(v.c.app, v.c.l, "consult.mean"),
			                            sql_int(a, t[i].answered),
			                            cons_hundredths_text(a, t[i].mean_x100), ""},
			           6);
		for (int j = 0; j < t[i].ntexts; j++)
			csv_record(&b,
			           (const char *[]){q->prompt, kind, t[i].texts[j].text, "", "",
			                            t[i].texts[j].name
			                                    ? (*t[i].texts[j].name
			                                               ? t[i].texts[j].name
			                                               : tr(v.c.app, v.c.l,
			                                                    "consult.unnamed"))
			                                    : anonymous},
			           6);
	}
	resp_set(resp, 200, CSV_CONTENT_TYPE, b.data, b.len);
	buf_release(&b);
	resp_header(req, resp, "Content-Disposition",
	            arena_printf(a, "attachment; filename=\"consultation-%lld.csv\"",
	                         (long long)v.k.id));
	resp_header(req, resp, "Cache-Control", "private, no-store");
}
