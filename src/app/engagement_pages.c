/* engagement_pages: the pages of engagements.
 *
 *   expert       apply to a published need (/LANG/needs/ID/apply); "my
 *                engagements" with each one's state, the institution's
 *                messages, what to do next and the steps the expert may
 *                take (/LANG/engagements, POST /LANG/engagements/ID); the
 *                printable certificate of a delivered engagement
 *   institution  the applicants and invitees of one of its needs, with
 *                their profile as visibility.h allows and their email once
 *                eng_contact_visible; invite or privately suggest an expert;
 *                every step, each one a person's click
 *                (/LANG/institution/needs/ID/engagements, POST
 *                /LANG/institution/engagements/ID)
 *   anyone       verify a certificate by its code (/LANG/certificates/…)
 *
 * Someone else's engagement, or a need of another institution, "does not
 * exist" (404). A step the table does not allow from the current state is
 * refused with 422 and changes nothing (engagements.c decides).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/deadlines.h"
#include "app/engagements.h"
#include "app/evaluations.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/profile.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "app/visibility.h"
#include "core/parse.h"
#include "core/utf8.h"

#define MOTIVATION_MAX 2000 /* characters */

/* ---- Shared ---------------------------------------------------------------------- */

/* A page of engagements being built. */
struct ep {
	struct pp c;
	enum actor side;  /* ACTOR_EXPERT or ACTOR_INSTITUTION: whose page */
	struct db *db;    /* while the list is read */
	json_t *list;     /* the engagements shown */
	int64_t error_id; /* the engagement whose form was refused, or 0 */
	const char *error_action;
	json_t *error_form; /* {values, errors} of that form (borrowed) */
};

static int64_t id_param(struct request *req)
{
	int64_t id;
	return parse_int64(req_param(req, "id"), 1, INT64_MAX, &id) < 0 ? 0 : id;
}

static const char *date_of(struct pp *c, const char *iso)
{
	return iso ? pp_date(c, iso) : NULL;
}

/* The steps events show, oldest first: [{date, label, reason, message, by}]. */
static json_t *events_json(struct ep *p, int64_t id, int64_t expert_id)
{
	struct db_stmt *st = db_prepare(p->db, "SELECT at, actor_id, to_state, reason, message "
	                                       "FROM engagement_events WHERE engagement_id = $1 "
	                                       "ORDER BY at, id");
	struct arena *a = &p->c.req->arena;
	json_t *out = json_array();

	if (st && db_bind_int(st, 1, id) == DB_OK)
		while (db_step(st) == DB_ROW) {
			const char *to = db_col_text(st, 2), *reason = db_col_text(st, 3);
			const char *by = db_col_is_null(st, 1)            ? "system"
			                 : db_col_int(st, 1) == expert_id ? "expert"
			                                                  : "institution";
			if (p->side == ACTOR_EXPERT && strcmp(to, "suggested") == 0)
				continue; /* the expert never hears of suggestions */
			json_array_append_new(
			        out,
			        json_pack("{s:s?, s:s, s:s?, s:s, s:s}", "date",
			                  date_of(&p->c, db_col_text(st, 0)), "label",
			                  arena_printf(a, "engagement.state.%s", to), "reason",
			                  *reason ? arena_printf(a, "engagement.reason.%s", reason)
			                          : NULL,
			                  "message", db_col_text(st, 4), "by",
			                  arena_printf(a, "engagement.by.%s", by)));
		}
	db_finalize(st);
	return out;
}

/* One action form: {name, label, reasons, needs_message, error…}. */
static json_t *action_json(struct ep *p, const struct engagement *e, enum eng_action act)
{
	const struct eng_transition *t = &eng_transitions[act];
	struct arena *a = &p->c.req->arena;
	json_t *reasons = json_array();
	int refused =
	        p->error_id == e->id && p->error_action && strcmp(p->error_action, t->name) == 0;
	json_t *values = refused ? json_object_get(p->error_form, "values") : NULL;
	json_t *errors = refused ? json_object_get(p->error_form, "errors") : NULL;
	const char *chosen = json_string_value(json_object_get(values, "reason"));

	for (const char *const *r = eng_reasons[act]; *r; r++)
		json_array_append_new(reasons,
		                      json_pack("{s:s, s:s, s:b}", "code", *r, "label",
		                                arena_printf(a, "engagement.reason.%s", *r),
		                                "selected", chosen && strcmp(chosen, *r) == 0));
	return json_pack("{s:s, s:s, s:s, s:o, s:b, s:b, s:b, s:s?, s:O?}", "name", t->name,
	                 "label", arena_printf(a, "engagement.action.%s", t->name), "fid",
	                 arena_printf(a, "%lld-%s", (long long)e->id, t->name), "reasons", reasons,
	                 "has_reason", (t->needs & NEEDS_REASON) != 0, "has_message",
	                 (t->needs & (NEEDS_REASON | NEEDS_MESSAGE)) != 0, "needs_message",
	                 (t->needs & NEEDS_MESSAGE) != 0, "message",
	                 json_string_value(json_object_get(values, "message")), "errors", errors);
}

/* The steps the page's side may take on e now. */
static json_t *actions_json(struct ep *p, const struct engagement *e)
{
	json_t *out = json_array();

	for (int i = 0; i < ENG_ACTIONS; i++)
		if (i != EA_EVALUATE && i != EA_NO_ANSWER &&
		    eng_can((enum eng_action)i, e->state, p->side))
			json_array_append_new(out, action_json(p, e, (enum eng_action)i));
	return out;
}

/* The questionnaires this side may answer: [{href, label}]. */
static json_t *evaluations_json(struct ep *p, const struct engagement *e)
{
	int due = evaluations_due(p->db, e, p->side == ACTOR_EXPERT ? "expert" : "institution");
	json_t *out = json_array();
	struct arena *a = &p->c.req->arena;

	for (int r = 0; due > 0 && r < ROUNDS; r++)
		if (due & (1 << r))
			json_array_append_new(
			        out,
			        json_pack("{s:s, s:s}", "href",
			                  arena_printf(a, "/%s/engagements/%lld/evaluate?round=%s",
			                               lang_code(p->c.l), (long long)e->id,
			                               eval_round_name((enum eval_round)r)),
			                  "label",
			                  arena_printf(a, "evaluation.round.%s",
			                               eval_round_name((enum eval_round)r))));
	return out;
}

/* While an application waits: when the answer is due. */
static json_t *deadline_json(struct ep *p, const struct engagement *e)
{
	int64_t since, due;
	char iso[ISO_TIME_LEN + 1];

	if (!eng_waiting(e->state) || !e->waiting_since || iso_parse(e->waiting_since, &since) < 0)
		return json_null();
	due = working_days_after(since, p->c.app->cfg->needs_response_days);
	iso_time(due, iso);
	return json_pack("{s:s?, s:i, s:i}", "date", pp_date(&p->c, iso), "days",
	                 p->c.app->cfg->needs_response_days, "waited",
	                 working_days_between(since, p->c.now));
}

/* The expert as the institution may see them (visibility.h), their email
 * once contact details are shared. */
static json_t *expert_json(struct ep *p, const struct engagement *e)
{
	struct visibility_facts f;
	enum visibility v = VIS_NONE;
	struct arena *a = &p->c.req->arena;
	json_t *out = json_object(), *prof;
	int found = 0;

	if (visibility_facts_load(p->db, p->c.id, e->expert_id, p->c.now, &f) == 1)
		v = visibility_of(p->c.id, &f);
	if (v != VIS_NONE && (prof = profile_load(p->db, e->expert_id, &found))) {
		visibility_filter(prof, v);
		const char *country = json_string_value(json_object_get(prof, "country"));
		json_object_set(out, "headline", json_object_get(prof, "headline"));
		if (country)
			json_object_set_new(out, "country",
			                    json_string(taxonomy_label(p->c.app->tx, TAX_COUNTRY,
			                                               country, p->c.l)));
		json_object_set_new(
		        out, "href",
		        json_string(arena_printf(a, "/%s/experts/%lld", lang_code(p->c.l),
		                                 (long long)e->expert_id)));
		json_decref(prof);
	}
	if (v != VIS_NONE || eng_contact_visible(e->state))
		json_object_set_new(out, "name", json_string(engagement_expert_name(e)));
	if (eng_contact_visible(e->state))
		json_object_set_new(out, "email", json_string(e->expert_email));
	json_object_set_new(out, "shared", json_boolean(v != VIS_NONE));
	return out;
}

static int add_view(const struct engagement *e, void *ud)
{
	struct ep *p = ud;
	struct arena *a = &p->c.req->arena;
	const char *side = p->side == ACTOR_EXPERT ? "expert" : "institution";
	const char *state = eng_state_name(e->state);
	json_t *v = json_pack(
	        "{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s?, s:s?, s:s?, s:s, s:o, s:o, s:o, s:o}",
	        "id", (json_int_t)e->id, "state", state, "state_label",
	        arena_printf(a, "engagement.state.%s", state), "next",
	        arena_printf(a, "engagement.next.%s.%s", side, state), "need",
	        e->need_title ? e->need_title : "", "need_id", (json_int_t)e->need_id,
	        "institution", e->institution_name[p->c.l] ? e->institution_name[p->c.l] : "",
	        "created", date_of(&p->c, e->created_at), "updated", date_of(&p->c, e->updated_at),
	        "delivered", date_of(&p->c, e->delivered_at), "motivation",
	        e->motivation ? e->motivation : "", "events", events_json(p, e->id, e->expert_id),
	        "actions", actions_json(p, e), "evaluations", evaluations_json(p, e), "deadline",
	        deadline_json(p, e));

	json_object_set_new(v, "origin",
	                    json_string(arena_printf(a, "engagement.origin.%s", e->origin)));
	json_object_set_new(v, "post",
	                    json_string(arena_printf(a, "/%s/%sengagements/%lld", lang_code(p->c.l),
	                                             p->side == ACTOR_EXPERT ? "" : "institution/",
	                                             (long long)e->id)));
	if (p->side == ACTOR_INSTITUTION)
		json_object_set_new(v, "expert", expert_json(p, e));
	if (p->side == ACTOR_EXPERT && e->certificate_code &&
	    (e->state == ENG_DELIVERED || e->state == ENG_EVALUATED))
		json_object_set_new(v, "certificate",
		                    json_string(arena_printf(a, "/%s/engagements/%lld/certificate",
		                                             lang_code(p->c.l), (long long)e->id)));
	if (p->error_id == e->id)
		json_object_set_new(v, "refused", json_true());
	json_array_append_new(p->list, v);
	return 0;
}

static const char *done_key(struct pp *c)
{
	static const char *const known[] = {"applied", "step", "evaluated", "invited", "suggested"};
	const char *d = kvlist_get(&c->req->query, "done");

	for (size_t i = 0; d && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(d, known[i]) == 0)
			return arena_printf(&c->req->arena, "engagement.done.%s", d);
	return NULL;
}

/* ---- The expert's engagements ------------------------------------------------------- */

static void show_mine(struct ep *p, int status, const char *error)
{
	int mobilised;

	p->db = db_pool_get(p->c.app->pool);
	p->list = json_array();
	int rc = engagements_of_expert(p->db, &p->c.req->arena, p->c.id->user_id, add_view, p);
	mobilised = rc < 0 ? -1 : engagements_mobilised(p->db, p->c.id->user_id);
	db_pool_put(p->c.app->pool, p->db);
	if (mobilised < 0) {
		json_decref(p->list);
		page_unavailable(p->c.app, p->c.req, p->c.resp);
		return;
	}
	page_render(p->c.app, p->c.req, p->c.resp, status, "engagement_mine",
	            "engagement.mine.title",
	            json_pack("{s:o, s:b, s:s?, s:s?}", "engagements", p->list, "mobilised",
	                      mobilised, "done", done_key(&p->c), "error", error));
}

void h_engagements(void *ctx, struct request *req, struct response *resp)
{
	struct ep p = {.side = ACTOR_EXPERT};

	pp_init(&p.c, ctx, req, resp);
	show_mine(&p, 200, NULL);
}

/* ---- Taking a step -------------------------------------------------------------- */

struct act {
	struct ep *p;
	int64_t id;
	struct eng_step s;
	int result; /* 1 done, 0 refused (state), -2 not theirs */
	enum eng_state state;
	int64_t need_id;
};

/* Is e the signed-in person's: their own (and known to them), or one of
 * their institution's? */
static int belongs(const struct ep *p, const struct engagement *e)
{
	if (p->side == ACTOR_EXPERT)
		return e->expert_id == p->c.id->user_id && e->known_to_expert;
	return e->institution_id == p->c.id->institution_id;
}

static int act_tx(struct db *db, void *ud)
{
	struct act *x = ud;
	struct engagement e;
	int rc = engagement_load(db, &x->p->c.req->arena, x->id, &e);

	if (rc != 1 || !belongs(x->p, &e)) {
		x->result = -2;
		return rc < 0 ? -1 : 0;
	}
	x->need_id = e.need_id;
	x->result = engagement_step(x->p->c.app, db, &x->p->c.req->arena, &e, &x->s);
	x->state = e.state;
	return x->result < 0 ? -1 : 0;
}

static void show_need_page(struct ep *p, int64_t need_id, int status, const char *error,
                           json_t *invite_form);

/* Re-shows the page with form f refused for engagement x->id. */
static void refuse_step(struct act *x, struct form *f, const char *error)
{
	struct ep *p = x->p;
	json_t *form = form_json(f);

	p->error_id = x->id;
	p->error_action = eng_transitions[x->s.action].name;
	p->error_form = form;
	if (p->side == ACTOR_EXPERT)
		show_mine(p, 422, error);
	else
		show_need_page(p, x->need_id, 422, error, NULL);
	json_decref(form);
}

/* The engagement's need, when it belongs to the signed-in person's side:
 * 1, 0 (not theirs or none), -1. */
static int owner_need(struct act *x)
{
	struct db *db = db_pool_get(x->p->c.app->pool);
	struct engagement e;
	int rc = engagement_load(db, &x->p->c.req->arena, x->id, &e);

	db_pool_put(x->p->c.app->pool, db);
	if (rc != 1)
		return rc;
	x->need_id = e.need_id;
	x->state = e.state;
	return belongs(x->p, &e);
}

static void step(struct ep *p, struct request *req)
{
	struct act x = {p, id_param(req), {0}, 0, ENG_APPLIED, 0};
	int a = eng_action_parse(form_value(req, "action"));
	const char *field = NULL, *problem;
	struct form f;
	int rc = x.id ? owner_need(&x) : 0;

	if (rc <= 0) {
		if (rc < 0)
			page_unavailable(p->c.app, req, p->c.resp);
		else
			pp_not_found(&p->c);
		return;
	}
	x.s = (struct eng_step){a < 0 ? EA_EVALUATE : (enum eng_action)a,
	                        p->side,
	                        p->c.id->user_id,
	                        form_value(req, "reason"),
	                        form_value(req, "message"),
	                        req_ip(req),
	                        p->c.now};
	form_init(&f);
	form_keep(&f, "reason", x.s.reason);
	form_keep(&f, "message", x.s.message);
	if (a < 0 || a == EA_EVALUATE || a == EA_NO_ANSWER ||
	    !eng_can(x.s.action, x.state, p->side)) {
		refuse_step(&x, &f, "engagement.error.not_allowed");
		return;
	}
	if ((problem = engagement_step_problem(&x.s, &field))) {
		form_error(&f, field, problem);
		refuse_step(&x, &f, problem);
		return;
	}
	if (sql_tx(p->c.app->pool, act_tx, &x) < 0) {
		json_decref(form_json(&f));
		page_unavailable(p->c.app, req, p->c.resp);
	} else if (x.result == -2) {
		json_decref(form_json(&f));
		pp_not_found(&p->c);
	} else if (x.result == 0) {
		refuse_step(&x, &f, "engagement.error.not_allowed");
	} else {
		json_decref(form_json(&f));
		pp_redirect(&p->c,
		            p->side == ACTOR_EXPERT
		                    ? arena_printf(&req->arena, "engagements?done=step#e-%lld",
		                                   (long long)x.id)
		                    : arena_printf(
		                              &req->arena,
		                              "institution/needs/%lld/engagements?done=step#e-%lld",
		                              (long long)x.need_id, (long long)x.id));
	}
}

void h_engagement_step(void *ctx, struct request *req, struct response *resp)
{
	struct ep p = {.side = ACTOR_EXPERT};

	pp_init(&p.c, ctx, req, resp);
	step(&p, req);
}

void h_institution_engagement_step(void *ctx, struct request *req, struct response *resp)
{
	struct ep p = {.side = ACTOR_INSTITUTION};

	pp_init(&p.c, ctx, req, resp);
	step(&p, req);
}

/* ---- Applying ------------------------------------------------------------------------ */

/* A need as these pages show it. */
struct need_row {
	int64_t id, institution_id;
	int state; /* enum need_state */
	const char *title, *institution;
};

/* 1, 0 (none), -1. */
static int need_load(struct pp *c, int64_t id, struct need_row *n)
{
	struct db *db = db_pool_get(c->app->pool);
	const char *row[4];
	int rc =
	        sql_row(db, &c->req->arena,
	                arena_printf(&c->req->arena,
	                             "SELECT n.institution_id, n.state, n.title, i.name_%s FROM "
	                             "needs n JOIN institutions i ON i.id = n.institution_id WHERE "
	                             "n.id = $1",
	                             lang_code(c->l)),
	                1, (const char *[]){sql_int(&c->req->arena, id)}, row, 4);

	db_pool_put(c->app->pool, db);
	if (rc != 1)
		return rc;
	n->id = id;
	if (parse_int64(row[0], 1, INT64_MAX, &n->institution_id) < 0)
		return -1;
	n->state = need_state_parse(row[1]);
	n->title = row[2];
	n->institution = row[3];
	return 1;
}

/* Why an institution would not see the expert's profile, as a catalogue
 * key, or NULL when it would (visibility.h decides). -1 in *err on error. */
static const char *unseen_by_institutions(struct pp *c, int *err)
{
	/* any officer: signed in (an id no one has), of some institution */
	struct identity officer = {.user_id = INT64_MAX, .roles = ROLE_INSTITUTION_MEMBER};
	struct visibility_facts f;
	struct db *db = db_pool_get(c->app->pool);
	int rc = visibility_facts_load(db, &officer, c->id->user_id, c->now, &f);

	db_pool_put(c->app->pool, db);
	*err = rc < 0;
	if (rc <= 0)
		return rc < 0 ? NULL : "engagement.apply.no_profile";
	if (visibility_of(&officer, &f) >= VIS_INSTITUTION)
		return NULL;
	if (f.dormant)
		return "engagement.apply.dormant";
	if (f.paused)
		return "engagement.apply.paused";
	return "engagement.apply.no_consent";
}

struct apply {
	struct pp *c;
	struct need_row *n;
	const char *motivation;
	enum eng_create_result result;
	int64_t id;
};

static int apply_tx(struct db *db, void *ud)
{
	struct apply *ap = ud;
	struct eng_new n = {ap->n->id, ap->c->id->user_id, "applied",          ap->motivation,
	                    "",        ap->c->id->user_id, req_ip(ap->c->req), ap->c->now};

	ap->result = engagement_create(ap->c->app, db, &ap->c->req->arena, &n, &ap->id);
	return ap->result == ENG_CREATE_ERROR ? -1 : 0;
}

static void show_apply(struct pp *c, struct need_row *n, int status, json_t *form,
                       const char *blocked)
{
	page_render(c->app, c->req, c->resp, status, "engagement_apply", "engagement.apply.title",
	            json_pack("{s:I, s:s, s:s, s:o, s:s?, s:i}", "need_id", (json_int_t)n->id,
	                      "need", n->title, "institution", n->institution, "form",
	                      form ? form : json_object(), "blocked", blocked, "days",
	                      c->app->cfg->needs_response_days));
}

void h_apply(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct need_row n;
	struct form f;
	int rc, err = 0;
	const char *blocked = NULL;

	pp_init(&c, ctx, req, resp);
	rc = id_param(req) ? need_load(&c, id_param(req), &n) : 0;
	if (rc < 0 || (rc == 1 && !(blocked = unseen_by_institutions(&c, &err)) && err)) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (rc == 0 || n.state != NEED_PUBLISHED) {
		pp_not_found(&c); /* only published needs are public */
		return;
	}
	if (req->method != HTTP_POST) {
		show_apply(&c, &n, 200, NULL, blocked);
		return;
	}
	struct apply ap = {&c, &n, form_value(req, "motivation"), ENG_CREATE_ERROR, 0};
	size_t len = strlen(ap.motivation);
	form_init(&f);
	form_keep(&f, "motivation", ap.motivation);
	if (blocked)
		form_error(&f, "motivation", blocked);
	else if (!len)
		form_error(&f, "motivation", "engagement.apply.motivation_required");
	else if (utf8_length(ap.motivation, len) > MOTIVATION_MAX)
		form_error(&f, "motivation", "engagement.apply.motivation_long");
	if (!form_has_errors(&f) && sql_tx(c.app->pool, apply_tx, &ap) < 0) {
		json_decref(form_json(&f));
		page_unavailable(c.app, req, resp);
		return;
	}
	if (ap.result == ENG_CREATE_EXISTS)
		form_error(&f, "motivation", "engagement.apply.already");
	else if (ap.result == ENG_CREATE_NEED_SHUT)
		form_error(&f, "motivation", "engagement.apply.need_shut");
	if (form_has_errors(&f)) {
		show_apply(&c, &n, 422, form_json(&f), blocked);
		return;
	}
	json_decref(form_json(&f));
	pp_redirect(&c,
	            arena_printf(&req->arena, "engagements?done=applied#e-%lld", (long long)ap.id));
}

/* ---- The institution's page of a need -------------------------------------------------- */

static void show_need_page(struct ep *p, int64_t need_id, int status, const char *error,
                           json_t *invite_form)
{
	struct need_row n;
	int rc = need_load(&p->c, need_id, &n);

	if (rc == 1 && n.institution_id != p->c.id->institution_id)
		rc = 0;
	if (rc <= 0) {
		json_decref(invite_form);
		if (rc < 0)
			page_unavailable(p->c.app, p->c.req, p->c.resp);
		else
			pp_not_found(&p->c); /* another institution's need "does not exist" */
		return;
	}
	p->db = db_pool_get(p->c.app->pool);
	p->list = json_array();
	rc = engagements_of_need(p->db, &p->c.req->arena, need_id, add_view, p);
	db_pool_put(p->c.app->pool, p->db);
	if (rc < 0) {
		json_decref(p->list);
		json_decref(invite_form);
		page_unavailable(p->c.app, p->c.req, p->c.resp);
		return;
	}
	page_render(
	        p->c.app, p->c.req, p->c.resp, status, "engagement_need", "engagement.need.title",
	        json_pack("{s:I, s:s, s:s, s:o, s:o, s:s?, s:s?, s:b, s:i}", "need_id",
	                  (json_int_t)need_id, "need", n.title, "need_state",
	                  arena_printf(&p->c.req->arena, "engagement.need_state.%s",
	                               need_state_name((enum need_state)n.state)),
	                  "engagements", p->list, "form", invite_form ? invite_form : json_object(),
	                  "done", done_key(&p->c), "error", error, "open",
	                  n.state == NEED_PUBLISHED || n.state == NEED_STAFFED, "days",
	                  p->c.app->cfg->needs_response_days));
}

/* "123", or a profile address ending in /experts/123. */
static int64_t expert_ref(const char *s)
{
	const char *slash = strrchr(s, '/');
	int64_t id;

	while (isspace((unsigned char)*s))
		s++;
	if (slash && strstr(s, "/experts/"))
		s = slash + 1;
	return parse_int64(s, 1, INT64_MAX, &id) < 0 ? 0 : id;
}

struct invite_eng {
	struct ep *p;
	struct eng_new n;
	enum eng_create_result result;
	int64_t id;
};

static int invite_tx(struct db *db, void *ud)
{
	struct invite_eng *v = ud;

	v->result = engagement_create(v->p->c.app, db, &v->p->c.req->arena, &v->n, &v->id);
	return v->result == ENG_CREATE_ERROR ? -1 : 0;
}

/* May this institution see the expert (visibility.h)? 1, 0, -1. */
static int visible_expert(struct ep *p, int64_t expert)
{
	struct visibility_facts f;
	struct db *db = db_pool_get(p->c.app->pool);
	int rc = visibility_facts_load(db, p->c.id, expert, p->c.now, &f);

	db_pool_put(p->c.app->pool, db);
	if (rc != 1)
		return rc;
	return expert != p->c.id->user_id && visibility_of(p->c.id, &f) >= VIS_INSTITUTION;
}

static void invite(struct ep *p, int64_t need_id)
{
	struct request *req = p->c.req;
	const char *mode = form_value(req, "mode"), *message = form_value(req, "message");
	struct invite_eng v = {p,
	                       {need_id, expert_ref(form_value(req, "expert")), NULL, "", message,
	                        p->c.id->user_id, req_ip(req), p->c.now},
	                       ENG_CREATE_ERROR,
	                       0};
	struct need_row n;
	struct form f;
	int rc = need_load(&p->c, need_id, &n);

	if (rc <= 0 || n.institution_id != p->c.id->institution_id) {
		if (rc < 0)
			page_unavailable(p->c.app, req, p->c.resp);
		else
			pp_not_found(&p->c);
		return;
	}
	form_init(&f);
	form_keep(&f, "expert", form_value(req, "expert"));
	form_keep(&f, "mode", mode);
	form_keep(&f, "message", message);
	v.n.origin = strcmp(mode, "suggest") == 0  ? "suggested"
	             : strcmp(mode, "invite") == 0 ? "invited"
	                                           : NULL;
	if (!v.n.origin)
		form_error(&f, "mode", "engagement.invite.mode_required");
	if (utf8_length(message, strlen(message)) > ENG_MESSAGE_MAX)
		form_error(&f, "message", "engagement.error.message_long");
	rc = v.n.expert_id ? visible_expert(p, v.n.expert_id) : 0;
	if (rc < 0) {
		json_decref(form_json(&f));
		page_unavailable(p->c.app, req, p->c.resp);
		return;
	}
	if (rc == 0)
		form_error(&f, "expert", "engagement.invite.unknown_expert");
	if (!form_has_errors(&f) && sql_tx(p->c.app->pool, invite_tx, &v) < 0) {
		json_decref(form_json(&f));
		page_unavailable(p->c.app, req, p->c.resp);
		return;
	}
	if (v.result == ENG_CREATE_EXISTS)
		form_error(&f, "expert", "engagement.invite.already");
	else if (v.result == ENG_CREATE_NEED_SHUT)
		form_error(&f, "expert", "engagement.invite.need_shut");
	if (form_has_errors(&f)) {
		show_need_page(p, need_id, 422, NULL, form_json(&f));
		return;
	}
	json_decref(form_json(&f));
	pp_redirect(&p->c,
	            arena_printf(&req->arena, "institution/needs/%lld/engagements?done=%s#e-%lld",
	                         (long long)need_id,
	                         strcmp(v.n.origin, "invited") == 0 ? "invited" : "suggested",
	                         (long long)v.id));
}

void h_need_engagements(void *ctx, struct request *req, struct response *resp)
{
	struct ep p = {.side = ACTOR_INSTITUTION};

	pp_init(&p.c, ctx, req, resp);
	if (!id_param(req) || !p.c.id->institution_id) {
		pp_not_found(&p.c);
		return;
	}
	if (req->method == HTTP_POST)
		invite(&p, id_param(req));
	else
		show_need_page(&p, id_param(req), 200, NULL, NULL);
}

/* ---- Certificates ----------------------------------------------------------------------- */

/* What a certificate shows; NULL strings when unknown. */
static json_t *certificate_json(struct pp *c, struct db *db, const struct engagement *e)
{
	const char *row[1] = {NULL};
	struct arena *a = &c->req->arena;
	char lower[15];
	size_t i;

	sql_row(db, a,
	        "SELECT MIN(at) FROM engagement_events WHERE engagement_id = $1 AND to_state = "
	        "'in_mission'",
	        1, (const char *[]){sql_int(a, e->id)}, row, 1);
	for (i = 0; e->certificate_code[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)e->certificate_code[i]);
	lower[i] = '\0';
	return json_pack(
	        "{s:s, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s}", "code", e->certificate_code,
	        "name", engagement_expert_name(e), "name_ar",
	        e->expert_name && *e->expert_name && e->expert_name_ar && *e->expert_name_ar
	                ? e->expert_name_ar
	                : NULL,
	        "institution", e->institution_name[c->l] ? e->institution_name[c->l] : "", "need",
	        e->need_title ? e->need_title : "", "started", date_of(c, row[0]), "delivered",
	        date_of(c, e->delivered_at), "issued", date_of(c, e->certificate_at), "verify",
	        arena_printf(a, "%s/%s/certificates/%s", c->app->cfg->public_url, lang_code(c->l),
	                     lower));
}

void h_certificate(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct engagement e;
	struct db *db;
	json_t *data = NULL;
	int rc;

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	rc = id_param(req) ? engagement_load(db, &req->arena, id_param(req), &e) : 0;
	if (rc == 1 && (e.expert_id != c.id->user_id || !e.certificate_code ||
	                (e.state != ENG_DELIVERED && e.state != ENG_EVALUATED)))
		rc = 0;
	if (rc == 1)
		data = certificate_json(&c, db, &e);
	db_pool_put(c.app->pool, db);
	if (rc < 0)
		page_unavailable(c.app, req, resp);
	else if (rc == 0)
		pp_not_found(&c);
	else
		page_render(c.app, req, resp, 200, "certificate", "certificate.title", data);
}

/* "abcd efgh-jklm" → "ABCD-EFGH-JKLM"; NULL when it is not a code. */
static const char *code_normalise(struct arena *a, const char *in)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	char out[15];
	int k = 0, n = 0;

	for (const char *p = in; *p; p++) {
		char ch = (char)toupper((unsigned char)*p);
		if (ch == '-' || ch == ' ')
			continue;
		if (n == 12 || !strchr(alphabet, ch) || ch == '\0')
			return NULL;
		if (n > 0 && n % 4 == 0)
			out[k++] = '-';
		out[k++] = ch;
		n++;
	}
	out[k] = '\0';
	return n == 12 ? arena_strdup(a, out) : NULL;
}

/* Looks the code up: 1 valid (*e), 0 none, -1. */
static int certificate_find(struct pp *c, const char *code, struct engagement *e)
{
	struct db *db = db_pool_get(c->app->pool);
	const char *row[1];
	int64_t id;
	int rc = sql_row(db, &c->req->arena,
	                 "SELECT id FROM engagements WHERE certificate_code = $1 AND state "
	                 "IN " ENG_DELIVERED_STATES,
	                 1, (const char *[]){code}, row, 1);

	if (rc == 1)
		rc = parse_int64(row[0], 1, INT64_MAX, &id) == 0
		             ? engagement_load(db, &c->req->arena, id, e)
		             : -1;
	db_pool_put(c->app->pool, db);
	return rc;
}

/* The verification page: page.result when a code was asked about. */
static void verify(struct pp *c, const char *typed, int from_form)
{
	const char *code = typed ? code_normalise(&c->req->arena, typed) : NULL;
	struct engagement e;
	struct form f;
	int rc = code ? certificate_find(c, code, &e) : 0;
	json_t *result = NULL;

	if (rc < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	form_init(&f);
	form_keep(&f, "code", typed ? typed : "");
	if (typed && !code && from_form)
		form_error(&f, "code", "certificate.error.format");
	if (rc == 1) {
		struct db *db = db_pool_get(c->app->pool);
		result = certificate_json(c, db, &e);
		db_pool_put(c->app->pool, db);
	}
	int bad = form_has_errors(&f), status = !typed ? 200 : bad ? 422 : rc == 1 ? 200 : 404;
	page_render(c->app, c->req, c->resp, status, "certificate_verify",
	            "certificate.verify.title",
	            json_pack("{s:o, s:o?, s:b}", "form", form_json(&f), "result", result, "asked",
	                      typed && !bad));
}

void h_certificate_verify(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	const char *code = kvlist_get(&req->query, "code");

	pp_init(&c, ctx, req, resp);
	verify(&c, code && *code ? code : NULL, 1);
}

void h_certificate_show(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	verify(&c, req_param(req, "slug"), 0);
}
