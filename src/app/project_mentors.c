/* project_mentors: mentors for a dossier, from the expert pool.
 *
 * The dossier becomes a match_need (search.h): its sector, its region,
 * hybrid presence, ongoing help, its title and summary, and the skills
 * its needs imply (need_skills below: a fixed table from what the holder
 * ticked to skills of the taxonomy, all nice-to-have so that they rank
 * rather than exclude). The advisor sees the ranked experts with the
 * factors of their score (visibility.c has the last word on each card)
 * and proposes one: a mentorship, which then follows the engagements'
 * lifecycle (lifecycle.h): the advisor takes the institution's side, the
 * expert theirs; every step is checked with eng_can, conditional on the
 * state it was read in, and tells the other side in the same
 * transaction. */
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
#include "app/search.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "app/visibility.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/utf8.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define MATCHES 20
#define MESSAGE_MAX 2000

/* What each need of a dossier asks of a mentor (taxonomy skill ids). */
static const char *const need_skills[PROJECT_NEED_KINDS][4] = {
        /* financing */ {"project-finance", "corporate-finance", "financial-analysis-valuation",
                         "diaspora-remittances-investment"},
        /* land */
        {"real-estate-development", "real-estate-law", "land-administration-cadastre", NULL},
        /* procedures */ {"business-law", "investment-law", "tax-law", NULL},
        /* mentoring */
        {"entrepreneurship", "sme-management", "leadership-coaching", "startup-incubation"},
        /* partners */ {"negotiation", "corporate-governance", "investment-promotion", NULL},
        /* market */
        {"marketing-strategy", "export-development", "international-trade", "sales-management"},
};

/* The dossier as a need of the matching engine; 0, or -1 (logged). */
static int as_need(struct pp *c, const struct project *p, struct match_need *out)
{
	json_t *skills = json_array(), *j;
	char err[256];
	unsigned needs = p->needs ? p->needs : 1u << 3; /* nothing ticked: mentoring */
	int rc;

	for (int i = 0; i < PROJECT_NEED_KINDS; i++)
		for (int k = 0; (needs & (1u << i)) && k < 4 && need_skills[i][k]; k++)
			if (json_array_size(skills) < MATCH_NEED_SKILLS &&
			    taxonomy_has(c->app->tx, TAX_SKILL, need_skills[i][k]))
				json_array_append_new(skills,
				                      json_pack("{s:s, s:b, s:i}", "name",
				                                need_skills[i][k], "required", 0,
				                                "min_level", 2));
	j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "title", p->title, "description",
	              p->summary, "sector", p->sector, "region", p->region, "skills", skills,
	              "mode", "continue", "presence", "hybrid");
	rc = search_need_parse(c->app->tx, &c->req->arena, j, out, err, sizeof(err));
	json_decref(j);
	if (rc < 0)
		log_error("projects: dossier %lld as a need: %s", (long long)p->id, err);
	out->id = p->id;
	return rc;
}

/* Reads the card of expert id into row[] (name, headline, country) if the
 * viewer may see it: 1, 0 (no such expert, or not visible), -1 (database). */
static int card_row(struct pp *c, struct db *db, int64_t id, const char *row[3])
{
	struct visibility_facts f;
	int rc = visibility_facts_load(db, c->id, id, c->now, &f);

	if (rc != 1)
		return rc < 0 ? -1 : 0;
	if (!visibility_allows(visibility_of(c->id, &f), PART_CARD))
		return 0;
	rc = sql_row(db, &c->req->arena,
	             "SELECT name, headline, country FROM profiles WHERE user_id = $1", 1,
	             (const char *[]){sql_int(&c->req->arena, id)}, row, 3);
	return rc < 0 ? -1 : rc;
}

/* The card of an expert the viewer may see, or NULL (also when it could
 * not be read: a list leaves it out). */
static json_t *card(struct pp *c, struct db *db, int64_t id)
{
	const char *row[3];

	if (card_row(c, db, id, row) != 1)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:s?}", "id", (json_int_t)id, "name", row[0], "headline",
	                 row[1], "country", taxonomy_label(c->app->tx, TAX_COUNTRY, row[2], c->l));
}

/* Labels of one explained result: factors and skills. */
static void explain(struct pp *c, json_t *r)
{
	size_t i;
	json_t *f, *s;

	json_array_foreach(json_object_get(r, "factors"), i, f)
	{
		double value = json_real_value(json_object_get(f, "value"));
		json_object_set_new(
		        f, "key",
		        json_string(arena_printf(&c->req->arena, "match.factor.%s",
		                                 json_string_value(json_object_get(f, "factor")))));
		json_object_set_new(f, "percent", json_integer((json_int_t)(value * 100 + 0.5)));
	}
	json_array_foreach(json_object_get(r, "skills"), i, s)
	{
		const char *id = json_string_value(json_object_get(s, "skill"));
		const char *cover = json_string_value(json_object_get(s, "cover"));
		const char *l = taxonomy_label(c->app->tx, TAX_SKILL, id, c->l);
		json_object_set_new(s, "label", json_string(l && *l ? l : id));
		json_object_set_new(s, "cover_key",
		                    json_string(arena_printf(&c->req->arena, "match.cover.%s",
		                                             cover ? cover : "none")));
	}
	json_object_set_new(
	        r, "score_text",
	        json_string(arena_printf(&c->req->arena, "%.0f",
	                                 json_real_value(json_object_get(r, "score")))));
}

/* The ranked experts for p, without those already proposed. */
static json_t *matches(struct pp *c, struct db *db, const struct project *p)
{
	struct match_need need;
	json_t *list, *out = json_array(), *r;
	size_t i;

	if (!c->app->search || as_need(c, p, &need) < 0)
		return out;
	list = search_match(c->app->search, &need, c->now, 0, MATCHES);
	json_array_foreach(list, i, r)
	{
		int64_t id = json_integer_value(json_object_get(r, "id"));
		int64_t already = 0;
		json_t *one;
		if (id == p->holder_id ||
		    db_query_int(db,
		                 "SELECT COUNT(*) FROM mentorships WHERE project_id = $1 AND "
		                 "expert_id = $2",
		                 2,
		                 (const char *[]){sql_int(&c->req->arena, p->id),
		                                  sql_int(&c->req->arena, id)},
		                 &already) != DB_OK ||
		    already)
			continue;
		one = card(c, db, id);
		if (!one)
			continue;
		explain(c, r);
		json_object_set(one, "match", r);
		json_array_append_new(out, one);
	}
	json_decref(list);
	return out;
}

static void show_matches(struct pp *c, int status, const struct project *p, enum project_viewer v,
                         const char *error)
{
	struct db *db = db_pool_get(c->app->pool);
	json_t *list = matches(c, db, p);

	db_pool_put(c->app->pool, db);
	page_render(c->app, c->req, c->resp, status, "advisor_mentors", "project.mentors.title",
	            json_pack("{s:I, s:s, s:o, s:s, s:s?, s:s, s:b}", "id", (json_int_t)p->id,
	                      "title", p->title, "results", list, "base", project_base(c, v),
	                      "error", error, "message",
	                      status == 422 ? form_value(c->req, "message") : "", "index",
	                      c->app->search != NULL));
}

/* ---- Proposing a mentor ------------------------------------------------------------- */

struct propose {
	struct pp *c;
	struct project *p;
	int64_t expert;
	const char *message;
	int exists;
};

static int propose_tx(struct db *db, void *ud)
{
	struct propose *k = ud;
	struct pp *c = k->c;
	struct arena *a = &c->req->arena;
	const char *id = sql_int(a, new_id(c->app->cfg)), *now = project_now(c);
	const char *vars[] = {"title", k->p->title, "message", *k->message ? k->message : "—",
	                      NULL};
	int64_t n;

	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM mentorships WHERE project_id = $1 AND expert_id = "
	                 "$2",
	                 2, (const char *[]){sql_int(a, k->p->id), sql_int(a, k->expert)},
	                 &n) != DB_OK)
		return -1;
	if (n > 0)
		return k->exists = 1, 0;
	/* proposed (suggested) and invited at once: the expert hears of it now */
	if (!eng_can(EA_INVITE, ENG_SUGGESTED, ACTOR_INSTITUTION))
		return -1;
	struct audit_entry e = {
	        c->id->user_id, "mentorship_proposed",
	        "project",      sql_int(a, k->p->id),
	        req_ip(c->req), arena_printf(a, "{\"expert\":%lld}", (long long)k->expert)};
	if (sql_exec(db,
	             "INSERT INTO mentorships (id, project_id, expert_id, proposed_by, state, "
	             "message, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
	             7,
	             (const char *[]){id, sql_int(a, k->p->id), sql_int(a, k->expert),
	                              sql_int(a, c->id->user_id),
	                              eng_state_name(eng_transitions[EA_INVITE].to), k->message,
	                              now}) != 1 ||
	    audit_append(db, c->now, &e) < 0)
		return -1;
	return notify(c->app, db, k->expert, "project.mentor_invited", "/mentorships", vars);
}

/* Is id an expert the viewer may see? 1, 0, -1 (database). */
static int expert_visible(struct pp *c, int64_t id)
{
	struct db *db = db_pool_get(c->app->pool);
	const char *row[3];
	int rc = card_row(c, db, id, row);

	db_pool_put(c->app->pool, db);
	return rc;
}

void h_project_mentors(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct project p;
	enum project_viewer v;
	struct propose k = {&c, &p, 0, "", 0};
	int visible = 0;

	pp_init(&c, ctx, req, resp);
	v = project_viewer_of(&c);
	if (project_page_load(&c, v, &p) <= 0)
		return;
	if (req->method != HTTP_POST) {
		show_matches(&c, 200, &p, v, NULL);
		return;
	}
	k.message = form_value(req, "message");
	if (project_final(p.state)) {
		show_matches(&c, 409, &p, v, "project.error.closed");
		return;
	}
	if (parse_int64(form_value(req, "expert"), 1, INT64_MAX, &k.expert) < 0 ||
	    k.expert == p.holder_id || (visible = expert_visible(&c, k.expert)) == 0) {
		show_matches(&c, 422, &p, v, "project.error.expert_unknown");
		return;
	}
	if (visible < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (!utf8_valid(k.message, strlen(k.message)) ||
	    utf8_length(k.message, strlen(k.message)) > MESSAGE_MAX) {
		show_matches(&c, 422, &p, v, "project.error.too_long");
		return;
	}
	if (sql_tx(c.app->pool, propose_tx, &k) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (k.exists) {
		show_matches(&c, 409, &p, v, "project.error.mentor_exists");
		return;
	}
	resp_redirect(req, resp, 303,
	              arena_printf(&req->arena, "%s/%lld?done=proposed#mentors",
	                           project_base(&c, v), (long long)p.id));
}

/* ---- Mentorships ----------------------------------------------------------------------- */

struct mentorship {
	int64_t id, project_id, expert_id;
	enum eng_state state;
	const char *message, *reason;
};

static int mentorship_load(struct db *db, struct arena *a, int64_t id, struct mentorship *m)
{
	const char *row[6];
	int rc =
	        sql_row(db, a,
	                "SELECT id, project_id, expert_id, state, message, reason FROM mentorships "
	                "WHERE id = $1",
	                1, (const char *[]){sql_int(a, id)}, row, 6);
	int s;

	if (rc != 1)
		return rc;
	s = eng_state_parse(row[3]);
	if (s < 0 || parse_int64(row[0], 1, INT64_MAX, &m->id) < 0 ||
	    parse_int64(row[1], 1, INT64_MAX, &m->project_id) < 0 ||
	    parse_int64(row[2], 1, INT64_MAX, &m->expert_id) < 0)
		return -1;
	m->state = (enum eng_state)s;
	m->message = row[4];
	m->reason = row[5];
	return 1;
}

/* The actions side may take from s, as forms: [{name, key, reason,
 * message, reasons}]. The advisor never invites or shortlists here (a
 * proposal is an invitation already). */
static json_t *actions_of(struct pp *c, enum eng_state s, enum actor side)
{
	json_t *out = json_array();

	for (int a = 0; a < ENG_ACTIONS; a++) {
		const struct eng_transition *t = &eng_transitions[a];
		json_t *reasons = json_array();
		if (a == EA_INVITE || a == EA_SHORTLIST || a == EA_NO_ANSWER ||
		    !eng_can((enum eng_action)a, s, side)) {
			json_decref(reasons);
			continue;
		}
		for (const char *const *r = eng_reasons[a]; *r; r++)
			json_array_append_new(
			        reasons,
			        need_page_option(*r, project_key(c, "engagement.reason", *r), NULL,
			                         0));
		json_array_append_new(
		        out, json_pack("{s:s, s:s?, s:b, s:b, s:o, s:b}", "name", t->name, "key",
		                       project_key(c, "project.mentor.action", t->name), "reason",
		                       (t->needs & NEEDS_REASON) != 0, "message",
		                       (t->needs & NEEDS_MESSAGE) != 0, "reasons", reasons,
		                       "danger", (t->needs & NEEDS_REASON) != 0));
	}
	return out;
}

json_t *project_mentorships_json(struct pp *c, struct db *db, const struct project *p,
                                 enum project_viewer v)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT m.id, m.expert_id, m.state, m.message, COALESCE(f.name, '') FROM "
	            "mentorships m LEFT JOIN profiles f ON f.user_id = m.expert_id WHERE "
	            "m.project_id = $1 ORDER BY m.created_at, m.id");
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, p->id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int s = eng_state_parse(db_col_text(st, 2));
			int named = v != PV_HOLDER ||
			            (s >= 0 && eng_contact_visible((enum eng_state)s));
			json_array_append_new(
			        out,
			        json_pack("{s:I, s:I, s:s?, s:s?, s:s, s:o}", "id",
			                  (json_int_t)db_col_int(st, 0), "expert_id",
			                  (json_int_t)db_col_int(st, 1), "name",
			                  named ? db_col_text(st, 4) : NULL, "state_key",
			                  project_key(c, "engagement.state", db_col_text(st, 2)),
			                  "message", db_col_text(st, 3), "actions",
			                  v == PV_HOLDER || s < 0 ? json_array()
			                                          : actions_of(c, (enum eng_state)s,
			                                                       ACTOR_INSTITUTION)));
		}
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

struct mstep {
	struct pp *c;
	struct mentorship *m;
	struct project *p;
	enum eng_action act;
	enum actor side;
	const char *reason, *message;
	int moved;
};

static int mstep_tx(struct db *db, void *ud)
{
	struct mstep *k = ud;
	struct pp *c = k->c;
	struct arena *a = &c->req->arena;
	const char *from = eng_state_name(k->m->state);
	const char *to = eng_state_name(eng_transitions[k->act].to);
	const char *vars[] = {"title",   k->p->title,
	                      "~state",  project_key(c, "engagement.state", to),
	                      "message", *k->message ? k->message : "—",
	                      NULL};
	int64_t rc = sql_exec(db,
	                      "UPDATE mentorships SET state = $2, reason = $4, message = $5, "
	                      "updated_at = $6 WHERE id = $1 AND state = $3",
	                      6,
	                      (const char *[]){sql_int(a, k->m->id), to, from, k->reason,
	                                       k->message, project_now(c)});

	if (rc <= 0)
		return rc < 0 ? -1 : (k->moved = 0);
	k->moved = 1;
	struct audit_entry e = {c->id->user_id,
	                        arena_printf(a, "mentorship_%s", eng_transitions[k->act].name),
	                        "project",
	                        sql_int(a, k->p->id),
	                        req_ip(c->req),
	                        arena_printf(a,
	                                     "{\"mentorship\":%lld,\"from\":\"%s\",\"to\":\"%s\"}",
	                                     (long long)k->m->id, from, to)};
	if (audit_append(db, c->now, &e) < 0)
		return -1;
	if (k->side == ACTOR_EXPERT)
		return project_tell_advisor(c, db, k->p, "mentor_stepped", vars);
	return notify(c->app, db, k->m->expert_id, "project.mentor_stepped", "/mentorships", vars);
}

/* What is wrong with the posted step, or NULL. */
static const char *mstep_problem(struct mstep *k, int act, int *status)
{
	unsigned needs;
	size_t len;

	*status = 409;
	if (act < 0 || act == EA_INVITE || act == EA_SHORTLIST || act == EA_NO_ANSWER ||
	    !eng_can((enum eng_action)act, k->m->state, k->side))
		return "project.error.transition";
	*status = 422;
	needs = eng_transitions[act].needs;
	len = strlen(k->message);
	if ((needs & NEEDS_REASON) && !eng_reason_ok((enum eng_action)act, k->reason))
		return "project.error.reason_required";
	if (!(needs & NEEDS_REASON))
		k->reason = "";
	if (!utf8_valid(k->message, len) || utf8_length(k->message, len) > MESSAGE_MAX)
		return "project.error.too_long";
	if ((needs & NEEDS_MESSAGE) && !*k->message)
		return "project.error.note_required";
	return NULL;
}

/* Loads the mentorship of the path and its dossier for side; 1, or 0/-1
 * with the answer sent (404 for what the viewer may not see). */
static int mstep_load(struct pp *c, struct mstep *k, enum project_viewer v)
{
	struct db *db = db_pool_get(c->app->pool);
	int64_t id = 0;
	int rc = parse_int64(req_param(c->req, "id"), 1, INT64_MAX, &id) == 0
	                 ? mentorship_load(db, &c->req->arena, id, k->m)
	                 : 0;

	if (rc == 1)
		rc = project_load(db, &c->req->arena, k->m->project_id, k->p);
	db_pool_put(c->app->pool, db);
	if (rc == 1 && k->side == ACTOR_EXPERT && k->m->expert_id != c->id->user_id)
		rc = 0;
	if (rc == 1 && k->side != ACTOR_EXPERT && !project_may_see(c, v, k->p))
		rc = 0;
	if (rc < 0)
		page_unavailable(c->app, c->req, c->resp);
	else if (rc == 0)
		pp_not_found(c);
	return rc;
}

static void show_mine(struct pp *c, int status, const char *error);

static void mstep(struct pp *c, enum actor side)
{
	struct mentorship m;
	struct project p;
	enum project_viewer v = project_viewer_of(c);
	struct mstep k = {c, &m, &p, EA_INVITE, side, "", "", 0};
	int act, status;
	const char *problem;

	if (mstep_load(c, &k, v) <= 0)
		return;
	act = eng_action_parse(form_value(c->req, "action"));
	k.reason = form_value(c->req, "reason");
	k.message = form_value(c->req, "message");
	problem = mstep_problem(&k, act, &status);
	if (!problem) {
		k.act = (enum eng_action)act;
		if (sql_tx(c->app->pool, mstep_tx, &k) < 0) {
			page_unavailable(c->app, c->req, c->resp);
			return;
		}
		if (!k.moved)
			problem = "project.error.transition", status = 409;
	}
	if (problem && side == ACTOR_EXPERT)
		show_mine(c, status, problem);
	else if (problem)
		project_show_staff(c, status, &p, v, "mentor", problem);
	else if (side == ACTOR_EXPERT)
		pp_redirect(c, "mentorships");
	else
		resp_redirect(c->req, c->resp, 303,
		              arena_printf(&c->req->arena, "%s/%lld#mentors", project_base(c, v),
		                           (long long)p.id));
}

void h_staff_mentorship_step(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	mstep(&c, ACTOR_INSTITUTION);
}

void h_mentorship_step(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	mstep(&c, ACTOR_EXPERT);
}

/* ---- The expert's mentorships ------------------------------------------------------------ */

static void show_mine(struct pp *c, int status, const char *error)
{
	struct db *db = db_pool_get(c->app->pool);
	struct db_stmt *st = db_prepare(
	        db, "SELECT m.id, m.state, m.message, p.title, p.summary, p.sector_id, p.region, "
	            "p.city, u.email FROM mentorships m JOIN projects p ON p.id = m.project_id "
	            "JOIN users u ON u.id = p.holder_id WHERE m.expert_id = $1 ORDER BY "
	            "m.updated_at DESC, m.id DESC LIMIT 200");
	json_t *list = json_array();
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, c->id->user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int s = eng_state_parse(db_col_text(st, 1));
			const char *sector =
			        taxonomy_label(c->app->tx, TAX_SECTOR, db_col_text(st, 5), c->l);
			const char *region =
			        taxonomy_label(c->app->tx, TAX_REGION, db_col_text(st, 6), c->l);
			json_array_append_new(
			        list,
			        json_pack("{s:I, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:o}",
			                  "id", (json_int_t)db_col_int(st, 0), "state_key",
			                  project_key(c, "engagement.state", db_col_text(st, 1)),
			                  "message", db_col_text(st, 2), "title",
			                  db_col_text(st, 3), "summary", db_col_text(st, 4),
			                  "sector", sector, "region", region, "city",
			                  db_col_text(st, 7), "contact",
			                  s >= 0 && eng_contact_visible((enum eng_state)s)
			                          ? db_col_text(st, 8)
			                          : NULL,
			                  "actions",
			                  s < 0 ? json_array()
			                        : actions_of(c, (enum eng_state)s, ACTOR_EXPERT)));
		}
	db_finalize(st);
	db_pool_put(c->app->pool, db);
	if (rc != DB_OK) {
		json_decref(list);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	page_render(c->app, c->req, c->resp, status, "project_mentorships",
	            "project.mentorships.title",
	            json_pack("{s:o, s:s?}", "mentorships", list, "error", error));
}

void h_mentorships(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	show_mine(&c, 200, NULL);
}
