/* need_pages: the pages of needs (the public board, the JSON API and the
 * Atom feed are in need_board.c).
 *
 * Institutions: their needs (/LANG/institution/needs), the editor of a
 * draft (new, edit: one form, its fields in needs.h), a need's page with
 * the actions the lifecycle allows them (submit, staff, start, complete,
 * cancel with a reason) and "repeat" (a completed or cancelled need gives
 * a new child draft). The programme team: the review queue
 * (/LANG/admin/needs) and a need's page with publish, return (with a note
 * the institution sees) and cancel. Everyone: the board of published needs
 * with filters (/LANG/needs), a need's public page, the same as JSON
 * (/api/v1/needs) and as an Atom feed (/LANG/needs.atom).
 *
 * Access: a need that is not public is shown only to its own institution
 * (any other: 404, never 403) and to the programme team. Every transition
 * is one transaction: the state (conditional on the state it was read in),
 * its need_events row, the audit entry and the notifications. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/institutions.h"
#include "app/needs.h"
#include "app/notify.h"
#include "app/need_pages.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/search.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/utf8.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define NOTE_MAX 2000 /* characters of a return note or cancellation message */

static const char *today(struct pp *c)
{
	char iso[ISO_TIME_LEN + 1];

	iso_time(c->now, iso);
	return arena_strndup(&c->req->arena, iso, 10);
}

static const char *now_iso(struct pp *c)
{
	char iso[ISO_TIME_LEN + 1];

	iso_time(c->now, iso);
	return arena_strdup(&c->req->arena, iso);
}

const char *need_page_label(struct pp *c, enum tax_kind k, const char *id)
{
	const char *l = id ? taxonomy_label(c->app->tx, k, id, c->l) : NULL;
	return l && *l ? l : id;
}

const char *need_page_key(struct pp *c, const char *prefix, const char *word)
{
	return word && *word ? arena_printf(&c->req->arena, "%s.%s", prefix, word) : NULL;
}

static int is_admin(struct pp *c)
{
	return c->id && (c->id->roles & ROLE_ADMIN);
}

/* ---- Loading a need for a viewer ------------------------------------------------- */

/* Is n shown to this viewer? The institution sees its own, the programme
 * team every need, the public those that were published. */
static int may_see(struct pp *c, const struct need *n, enum viewer v)
{
	if (v == AS_INSTITUTION)
		return c->id && n->institution_id == c->id->institution_id;
	if (v == AS_PROGRAMME)
		return is_admin(c);
	return n->published_at != NULL;
}

/* Loads the need of the path for viewer v: 1, or 0/-1 with the 404/503 sent. */
int need_page_load(struct pp *c, enum viewer v, struct need *n, struct institution *in)
{
	struct db *db = db_pool_get(c->app->pool);
	int rc = need_load(db, &c->req->arena, req_param_id(c->req, "id"), n);

	if (rc == 1 && !may_see(c, n, v))
		rc = 0;
	if (rc == 1 && in)
		rc = institution_load(db, &c->req->arena, n->institution_id, in);
	db_pool_put(c->app->pool, db);
	if (rc < 0)
		page_unavailable(c->app, c->req, c->resp);
	else if (rc == 0)
		pp_not_found(c);
	return rc;
}

/* ---- The editor -------------------------------------------------------------------- */

enum ftype { FT_TEXT, FT_TEXTAREA, FT_SELECT, FT_DATE, FT_NUMBER, FT_EMAIL, FT_CHECK };
enum fopts {
	FO_NONE,
	FO_SECTORS,
	FO_REGIONS,
	FO_MODES,
	FO_PRESENCES,
	FO_DATES,
	FO_PAYS,
	FO_CEFR,
	FO_SKILL_LEVEL
};

struct fdef {
	const char *name; /* form name, or a row column's suffix */
	const char *label;
	const char *hint;
	enum ftype type;
	enum fopts opts;
	int max;
	const char *col;
	const char *extra; /* FT_TEXT: "skills" (autocomplete) or a datalist id */
};

struct gdef {
	const char *legend;
	const char *hint;
	const struct fdef *fields;
	int n;
	const char *prefix; /* rows: PREFIX_N_NAME */
	int rows;           /* how many rows at most; 0: plain fields */
	const char *row_legend;
};

#define HALF "col-sm-6"
#define FULL "col-12"
#define THIRD "col-sm-6 col-lg-4"

static const struct fdef mission_fields[] = {
        {"title", "need.f.title", "need.f.title.hint", FT_TEXT, FO_NONE, NEED_TITLE_MAX, FULL,
         NULL},
        {"description", "need.f.description", "need.f.description.hint", FT_TEXTAREA, FO_NONE,
         NEED_DESCRIPTION_MAX, FULL, NULL},
        {"sector", "need.f.sector", NULL, FT_SELECT, FO_SECTORS, 64, HALF, NULL},
};
static const struct fdef place_fields[] = {
        {"mode", "need.f.mode", "need.f.mode.hint", FT_SELECT, FO_MODES, 20, HALF, NULL},
        {"presence", "need.f.presence", NULL, FT_SELECT, FO_PRESENCES, 20, HALF, NULL},
        {"region", "need.f.region", "need.f.region.hint", FT_SELECT, FO_REGIONS, 10, HALF, NULL},
        {"city", "need.f.city", NULL, FT_TEXT, FO_NONE, NEED_TEXT_MAX, HALF, NULL},
};
static const struct fdef date_fields[] = {
        {"dates", "need.f.dates", "need.f.dates.hint", FT_SELECT, FO_DATES, 10, THIRD, NULL},
        {"start", "need.f.start", NULL, FT_DATE, FO_NONE, 10, THIRD, NULL},
        {"end", "need.f.end", NULL, FT_DATE, FO_NONE, 10, THIRD, NULL},
};
static const struct fdef effort_fields[] = {
        {"effort_days", "need.f.effort_days", "need.f.effort_days.hint", FT_NUMBER, FO_NONE, 3,
         THIRD, NULL},
        {"hours", "need.f.hours", "need.f.hours.hint", FT_NUMBER, FO_NONE, 3, THIRD, NULL},
        {"experts", "need.f.experts", NULL, FT_NUMBER, FO_NONE, 2, THIRD, NULL},
};
static const struct fdef terms_fields[] = {
        {"pay", "need.f.pay", NULL, FT_SELECT, FO_PAYS, 10, HALF, NULL},
        {"travel", "need.f.travel", NULL, FT_CHECK, FO_NONE, 1, FULL, NULL},
        {"stay", "need.f.stay", NULL, FT_CHECK, FO_NONE, 1, FULL, NULL},
};
static const struct fdef skill_cols[] = {
        {"name", "need.f.skill", "need.f.skill.hint", FT_TEXT, FO_NONE, 120, "col-sm-7", "skills"},
        {"level", "need.f.skill_level", NULL, FT_SELECT, FO_SKILL_LEVEL, 10, "col-sm-5", NULL},
};
static const struct fdef lang_cols[] = {
        {"code", "need.f.language", "need.f.language.hint", FT_TEXT, FO_NONE, 100, "col-sm-7",
         "dl-languages"},
        {"level", "need.f.cefr", NULL, FT_SELECT, FO_CEFR, 10, "col-sm-5", NULL},
};
static const struct fdef counterpart_fields[] = {
        {"cp_name", "need.f.cp_name", NULL, FT_TEXT, FO_NONE, NEED_TEXT_MAX, HALF, NULL},
        {"cp_role", "need.f.cp_role", NULL, FT_TEXT, FO_NONE, NEED_TEXT_MAX, HALF, NULL},
        {"cp_email", "need.f.cp_email", "need.f.cp_email.hint", FT_EMAIL, FO_NONE, 254, HALF, NULL},
};
static const struct fdef ready_fields[] = {
        {"ready_counterpart", "need.f.ready_counterpart", NULL, FT_CHECK, FO_NONE, 1, FULL, NULL},
        {"ready_resources", "need.f.ready_resources", NULL, FT_CHECK, FO_NONE, 1, FULL, NULL},
        {"ready_approval", "need.f.ready_approval", NULL, FT_CHECK, FO_NONE, 1, FULL, NULL},
};

static const struct gdef groups[] = {
        {"need.g.mission", NULL, mission_fields, N(mission_fields), NULL, 0, NULL},
        {"need.g.place", NULL, place_fields, N(place_fields), NULL, 0, NULL},
        {"need.g.dates", NULL, date_fields, N(date_fields), NULL, 0, NULL},
        {"need.g.effort", NULL, effort_fields, N(effort_fields), NULL, 0, NULL},
        {"need.g.terms", NULL, terms_fields, N(terms_fields), NULL, 0, NULL},
        {"need.g.skills", "need.g.skills.hint", skill_cols, N(skill_cols), "skill", NEED_SKILLS,
         "need.row.skill"},
        {"need.g.languages", "need.g.languages.hint", lang_cols, N(lang_cols), "lang",
         NEED_LANGUAGES, "need.row.language"},
        {"need.g.counterpart", "need.g.counterpart.hint", counterpart_fields, N(counterpart_fields),
         NULL, 0, NULL},
        {"need.g.ready", "need.g.ready.hint", ready_fields, N(ready_fields), NULL, 0, NULL},
};

struct editor {
	struct pp *c;
	json_t *values; /* name → text */
	json_t *errors; /* name → {key, arg} */
	json_t *error_list;
};

static const char *value(struct editor *e, const char *name)
{
	const char *v = json_string_value(json_object_get(e->values, name));
	return v ? v : "";
}

static void add_issues(struct editor *e, const struct need_issues *is)
{
	for (int i = 0; i < is->count; i++) {
		const struct need_issue *it = &is->items[i];
		json_t *err = json_pack("{s:s, s:s, s:s?}", "field", it->field, "key", it->key,
		                        "arg", it->arg);
		json_object_set(e->errors, it->field, err);
		json_array_append_new(e->error_list, err);
	}
}

json_t *need_page_option(const char *value, const char *key, const char *text, int selected)
{
	return json_pack("{s:s, s:s?, s:s?, s:b}", "value", value, "key", key, "text", text,
	                 "selected", selected);
}

void need_page_words(struct pp *c, json_t *out, const char *const *w, int n, const char *prefix,
                     const char *cur)
{
	for (int i = 0; i < n; i++)
		json_array_append_new(out, need_page_option(w[i], need_page_key(c, prefix, w[i]),
		                                            NULL, strcmp(w[i], cur) == 0));
}

void need_page_taxonomy_choices(struct pp *c, json_t *out, enum tax_kind k, const char *cur)
{
	json_t *opts = taxonomy_options(c->app->tx, k, c->l), *o;
	size_t i;

	json_array_append_new(out, need_page_option("", "need.choose", NULL, !*cur));
	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		json_array_append_new(
		        out,
		        need_page_option(id, NULL, json_string_value(json_object_get(o, "label")),
		                         strcmp(id, cur) == 0));
	}
	json_decref(opts);
}

/* The two groups of the skill level select: must-have and nice-to-have. */
static json_t *level_groups(struct pp *c, const char *cur)
{
	static const char *const kinds[] = {"must", "nice"};
	json_t *out = json_array();

	for (int k = 0; k < 2; k++) {
		json_t *opts = json_array();
		for (int l = 1; l <= 5; l++) {
			const char *v = arena_printf(&c->req->arena, "%s-%d", kinds[k], l);
			json_array_append_new(
			        opts, need_page_option(v, need_page_key(c, "need.skill_level", v),
			                               NULL, strcmp(v, cur) == 0));
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "label",
		                                     need_page_key(c, "need.requirement", kinds[k]),
		                                     "kind", kinds[k], "options", opts));
	}
	return out;
}

static json_t *options_of(struct pp *c, enum fopts o, const char *cur)
{
	static const char *const modes[] = {"ponctuelle", "continue"};
	static const char *const presences[] = {"remote", "onsite", "hybrid"};
	static const char *const dates[] = {"fixed", "window", "open"};
	static const char *const pays[] = {"pro_bono", "paid"};
	static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
	json_t *out = json_array();

	if (o == FO_SECTORS || o == FO_REGIONS)
		need_page_taxonomy_choices(c, out, o == FO_SECTORS ? TAX_SECTOR : TAX_REGION, cur);
	else if (o == FO_MODES)
		need_page_words(c, out, modes, N(modes), "need.mode", cur);
	else if (o == FO_PRESENCES)
		need_page_words(c, out, presences, N(presences), "need.presence", cur);
	else if (o == FO_DATES)
		need_page_words(c, out, dates, N(dates), "need.dates", cur);
	else if (o == FO_PAYS)
		need_page_words(c, out, pays, N(pays), "need.pay", cur);
	else if (o == FO_CEFR || o == FO_SKILL_LEVEL) {
		json_array_append_new(out, need_page_option("", "need.choose", NULL, !*cur));
		if (o == FO_CEFR)
			need_page_words(c, out, cefr, N(cefr), "need.cefr", cur);
	}
	return out;
}

static const char *const input_types[] = {
        [FT_TEXT] = "text",   [FT_TEXTAREA] = "",   [FT_SELECT] = "",        [FT_DATE] = "date",
        [FT_NUMBER] = "text", [FT_EMAIL] = "email", [FT_CHECK] = "checkbox",
};

static json_t *cell(struct editor *e, const struct fdef *f, const char *name)
{
	const char *v = value(e, name);
	json_t *err = json_object_get(e->errors, name);
	int skills = f->extra && strcmp(f->extra, "skills") == 0;

	return json_pack(
	        "{s:s, s:s, s:s, s:s?, s:s, s:b, s:b, s:b, s:b, s:o?, s:o?, s:s?, s:s?, s:i, s:s, "
	        "s:O?, s:b, s:b}",
	        "name", name, "value", v, "label", f->label, "hint", f->hint, "type",
	        input_types[f->type], "is_select", f->type == FT_SELECT, "is_textarea",
	        f->type == FT_TEXTAREA, "is_check", f->type == FT_CHECK, "checked", *v != '\0',
	        "options", f->type == FT_SELECT ? options_of(e->c, f->opts, v) : NULL, "groups",
	        f->opts == FO_SKILL_LEVEL ? level_groups(e->c, v) : NULL, "ac",
	        skills ? "skills" : NULL, "list", f->extra && !skills ? f->extra : NULL,
	        "maxlength", f->max, "col", f->col, "error", err, "numeric", f->type == FT_NUMBER,
	        "described", f->hint || err);
}

static int row_empty(struct editor *e, const struct gdef *g, int row)
{
	for (int j = 0; j < g->n; j++)
		if (*value(e, arena_printf(&e->c->req->arena, "%s_%d_%s", g->prefix, row,
		                           g->fields[j].name)))
			return 0;
	return 1;
}

/* Rows shown: those filled, then empty ones to add more, within the bound. */
static json_t *rows_json(struct editor *e, const struct gdef *g)
{
	json_t *out = json_array();
	int last = -1, shown;

	for (int row = 0; row < g->rows; row++)
		if (!row_empty(e, g, row))
			last = row;
	shown = last + 4 < g->rows ? last + 4 : g->rows;
	for (int row = 0; row < shown; row++) {
		json_t *cells = json_array();
		for (int j = 0; j < g->n; j++)
			json_array_append_new(
			        cells, cell(e, &g->fields[j],
			                    arena_printf(&e->c->req->arena, "%s_%d_%s", g->prefix,
			                                 row, g->fields[j].name)));
		json_array_append_new(out, json_pack("{s:i, s:s, s:o}", "number", row + 1, "legend",
		                                     g->row_legend, "cells", cells));
	}
	return out;
}

static json_t *groups_json(struct editor *e)
{
	json_t *out = json_array();

	for (int i = 0; i < N(groups); i++) {
		const struct gdef *g = &groups[i];
		json_t *cells = json_array();
		for (int j = 0; !g->rows && j < g->n; j++)
			json_array_append_new(cells, cell(e, &g->fields[j], g->fields[j].name));
		json_array_append_new(out, json_pack("{s:s, s:s?, s:o, s:o}", "legend", g->legend,
		                                     "hint", g->hint, "cells", cells, "rows",
		                                     g->rows ? rows_json(e, g) : json_array()));
	}
	return out;
}

static json_t *languages_datalist(struct pp *c)
{
	json_t *opts = taxonomy_options(c->app->tx, TAX_LANGUAGE, c->l), *out = json_array(), *o;
	size_t i;

	json_array_foreach(opts, i, o)
	        json_array_append_new(out, json_pack("{s:O}", "text", json_object_get(o, "label")));
	json_decref(opts);
	return out;
}

/* Shows the editor: a new draft (n NULL) or draft n. Consumes e's JSON. */
static void show_editor(struct editor *e, int status, const struct need *n, int verified)
{
	struct pp *c = e->c;
	const char *action =
	        n ? arena_printf(&c->req->arena, "institution/needs/%lld/edit", (long long)n->id)
	          : "institution/needs/new";
	json_t *data = json_pack(
	        "{s:s, s:o, s:o, s:{s:o, s:o}, s:b, s:I, s:s?, s:I, s:s}", "action", action,
	        "groups", groups_json(e), "languages", languages_datalist(c), "form", "errors",
	        e->errors, "error_list", e->error_list, "verified", verified, "id",
	        (json_int_t)(n ? n->id : 0), "note", n && *n->note ? n->note : NULL, "parent",
	        (json_int_t)(n ? n->parent_id : 0), "script", pp_asset(c, "js/autocomplete.js"));

	json_decref(e->values);
	e->values = e->errors = e->error_list = NULL;
	page_render(c->app, c->req, c->resp, status, "need_edit",
	            n ? "need.edit.title" : "need.new.title", data);
}

static void editor_init(struct editor *e, struct pp *c, json_t *values)
{
	e->c = c;
	e->values = values;
	e->errors = json_object();
	e->error_list = json_array();
}

static int verified_now(struct pp *c)
{
	struct db *db = db_pool_get(c->app->pool);
	int v = institution_verified(db, &c->req->arena, c->id->institution_id);

	db_pool_put(c->app->pool, db);
	return v;
}

/* ---- Transitions ------------------------------------------------------------------- */

struct move {
	struct pp *c;
	struct need *n;
	enum need_action act;
	enum actor actor;
	const char *reason, *note;
	int moved;            /* 0: the state changed meanwhile */
	enum need_state from; /* set by move_in */
};

/* Who hears of each action, and what. */
#define TO_INSTITUTION 1u
#define TO_PROGRAMME 2u
#define TO_OTHER_SIDE 4u /* cancel: the side that did not act */
static const struct {
	const char *kind;
	unsigned to;
} notices[NEED_ACTIONS] = {
        [NA_SUBMIT] = {"need.submitted", TO_PROGRAMME},
        [NA_RETURN] = {"need.returned", TO_INSTITUTION},
        [NA_PUBLISH] = {"need.published", TO_INSTITUTION},
        [NA_STAFF] = {"need.staffed", TO_INSTITUTION},
        [NA_START] = {"need.started", TO_INSTITUTION},
        [NA_COMPLETE] = {"need.completed", TO_INSTITUTION},
        [NA_CANCEL] = {"need.cancelled", TO_OTHER_SIDE},
};

static int notify_sides(struct move *m, struct db *db)
{
	struct arena *a = &m->c->req->arena;
	unsigned to = notices[m->act].to;
	const char *id = sql_int(a, m->n->id);
	const char *vars[] = {"title",
	                      m->n->title,
	                      "note",
	                      m->note ? m->note : "",
	                      *m->n->reason ? "~reason" : NULL,
	                      need_page_key(m->c, "need.reason", m->n->reason),
	                      NULL};

	if (to & TO_OTHER_SIDE) /* a draft cancelled by its institution concerns nobody else */
		to = m->actor == ACTOR_PROGRAMME ? TO_INSTITUTION
		     : m->from == NEED_DRAFT     ? 0
		                                 : TO_PROGRAMME;
	if ((to & TO_INSTITUTION) &&
	    notify_institution(m->c->app, db, m->n->institution_id, notices[m->act].kind,
	                       arena_printf(a, "/institution/needs/%s", id), vars) < 0)
		return -1;
	if ((to & TO_PROGRAMME) &&
	    notify_programme(m->c->app, db, notices[m->act].kind,
	                     arena_printf(a, "/admin/needs/%s", id), vars) < 0)
		return -1;
	return 0;
}

/* A cancelled need closes its running engagements (reason need_cancelled,
 * the cancellation's message) and tells each expert. */
static int close_engagements(struct move *m, struct db *db)
{
	struct arena *a = &m->c->req->arena;
	struct db_stmt *st = db_prepare(db, "SELECT id, expert_id, state FROM engagements WHERE "
	                                    "need_id = $1 ORDER BY id");
	int64_t ids[256], experts[256];
	int states[256], n = 0;
	enum db_rc rc = DB_ERROR;
	const char *now = now_iso(m->c);

	if (st && db_bind_int(st, 1, m->n->id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && n < N(ids)) {
			int s = eng_state_parse(db_col_text(st, 2));
			if (s < 0 || !eng_can(EA_CLOSE, (enum eng_state)s, m->actor))
				continue;
			ids[n] = db_col_int(st, 0);
			experts[n] = db_col_int(st, 1);
			states[n++] = s;
		}
	db_finalize(st);
	if (rc < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *id = sql_int(a, ids[i]),
		           *from = eng_state_name((enum eng_state)states[i]);
		const char *vars[] = {"title",   m->n->title,
		                      "note",    m->note,
		                      "~reason", need_page_key(m->c, "need.reason", m->n->reason),
		                      NULL};
		if (sql_exec(
		            db,
		            "UPDATE engagements SET state = 'closed', reason = 'need_cancelled', "
		            "message = $2, updated_at = $3, waiting_since = NULL WHERE id = $1 AND "
		            "state = $4",
		            4, (const char *[]){id, m->note, now, from}) != 1 ||
		    sql_exec(db,
		             "INSERT INTO engagement_events (id, engagement_id, at, actor_id, "
		             "from_state, to_state, reason, message) VALUES ($1, $2, $3, $4, $5, "
		             "'closed', 'need_cancelled', $6)",
		             6,
		             (const char *[]){sql_int(a, new_id(m->c->app->cfg)), id, now,
		                              sql_int(a, m->c->id->user_id), from, m->note}) != 1 ||
		    notify(m->c->app, db, experts[i], "need.cancelled_expert",
		           arena_printf(a, "/needs/%lld", (long long)m->n->id), vars) < 0)
			return -1;
	}
	return 0;
}

/* The transition m inside the caller's transaction: 0 (m->moved says
 * whether it happened) or -1. */
static int move_in(struct move *m, struct db *db)
{
	struct pp *c = m->c;
	struct arena *a = &c->req->arena;
	const char *now = now_iso(c), *from = need_state_name(m->n->state);
	int rc;

	m->from = m->n->state;
	rc = need_move(db, a, m->n, m->act, c->id->user_id, m->reason, m->note, now,
	               new_id(c->app->cfg));

	if (rc <= 0)
		return rc < 0 ? -1 : (m->moved = 0);
	m->moved = 1;
	struct audit_entry e = {c->id->user_id,
	                        arena_printf(a, "need_%s", need_transitions[m->act].name),
	                        "need",
	                        sql_int(a, m->n->id),
	                        req_ip(c->req),
	                        arena_printf(a, "{\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"%s\"}",
	                                     from, need_state_name(m->n->state),
	                                     m->reason ? m->reason : "")};
	if (audit_append(db, c->now, &e) < 0 || notify_sides(m, db) < 0 ||
	    search_touch(db, "need", m->n->id, c->now) < 0) /* matching sees published needs */
		return -1;
	return m->act == NA_CANCEL ? close_engagements(m, db) : 0;
}

static int move_tx(struct db *db, void *ud)
{
	return move_in(ud, db);
}

/* ---- The editor's handlers ----------------------------------------------------------- */

/* Saving the editor: a new draft or a draft's new fields, and the
 * submission when the officer asked for it, in one transaction. */
struct save {
	struct pp *c;
	struct need *n;
	int fresh;  /* a new draft */
	int submit; /* then=submit */
	int saved;  /* 0: no longer a draft (changed meanwhile) */
};

static int save_tx(struct db *db, void *ud)
{
	struct save *k = ud;
	struct pp *c = k->c;
	struct arena *a = &c->req->arena;
	struct move m = {c, k->n, NA_SUBMIT, ACTOR_INSTITUTION, "", "", 0, NEED_DRAFT};
	const char *now = now_iso(c), *action = "need_updated", *details = "";
	int rc;

	if (k->fresh) {
		rc = need_insert(db, a, k->n, c->id->user_id, now, new_id(c->app->cfg)) < 0 ? -1
		                                                                            : 1;
		action = k->n->parent_id ? "need_repeated" : "need_created";
		if (k->n->parent_id)
			details = arena_printf(a, "{\"parent\":%lld}", (long long)k->n->parent_id);
	} else {
		rc = need_update(db, a, k->n, now);
	}
	if (rc <= 0)
		return rc < 0 ? -1 : (k->saved = 0);
	k->saved = 1;
	struct audit_entry e = {c->id->user_id,       action,         "need",
	                        sql_int(a, k->n->id), req_ip(c->req), details};
	if (audit_append(db, c->now, &e) < 0)
		return -1;
	if (!k->submit)
		return 0;
	if (move_in(&m, db) < 0)
		return -1;
	return m.moved ? 0 : -1;
}

static void to_need_page(struct pp *c, int64_t id)
{
	pp_redirect(c, arena_printf(&c->req->arena, "institution/needs/%lld", (long long)id));
}

/* Reads the posted editor; on any issue shows it again (422) and returns 0. */
static int read_posted(struct pp *c, struct need *n, const struct need *stored, int *verified)
{
	struct need_issues is = {.count = 0};
	struct editor e;
	int submit = strcmp(form_value(c->req, "then"), "submit") == 0;

	need_read(c->app->tx, &c->req->arena, &c->req->form, today(c), n, &is);
	*verified = verified_now(c);
	if (*verified < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return -1;
	}
	if (submit)
		need_check_submit(n, today(c), *verified, &is);
	if (is.count == 0)
		return 1;
	editor_init(&e, c, pp_posted_values(c->req));
	add_issues(&e, &is);
	show_editor(&e, 422, stored, *verified);
	return 0;
}

/* Saves the draft (and submits it when the officer asked to). */
static void save_posted(struct pp *c, struct need *n, int fresh)
{
	struct save k = {c, n, fresh, strcmp(form_value(c->req, "then"), "submit") == 0, 0};

	if (sql_tx(c->app->pool, save_tx, &k) < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	if (k.submit)
		search_changed(c->app);
	to_need_page(c, n->id);
}

/* ---- What a need's pages show ---------------------------------------------------------- */

json_t *need_page_effort(const struct need *n)
{
	if (strcmp(n->mode, "continue") == 0 && n->hours_per_month > 0)
		return json_pack("{s:s, s:i}", "key", "need.effort.hours", "n", n->hours_per_month);
	if (strcmp(n->mode, "ponctuelle") == 0 && n->effort_days > 0)
		return json_pack("{s:s, s:i}", "key", "need.effort.days", "n", n->effort_days);
	return json_null();
}

static json_t *skills_json(struct pp *c, const struct need *n)
{
	json_t *out = json_array();

	for (int i = 0; i < n->nskills; i++)
		json_array_append_new(out, json_pack("{s:s, s:b, s:i, s:s}", "label",
		                                     need_page_label(c, TAX_SKILL, n->skills[i].id),
		                                     "must", n->skills[i].required, "level",
		                                     n->skills[i].min_level, "level_key",
		                                     arena_printf(&c->req->arena, "need.level.%d",
		                                                  n->skills[i].min_level)));
	return out;
}

static json_t *languages_json(struct pp *c, const struct need *n)
{
	json_t *out = json_array();

	for (int i = 0; i < n->nlanguages; i++)
		json_array_append_new(
		        out, json_pack("{s:s, s:s}", "label",
		                       need_page_label(c, TAX_LANGUAGE, n->languages[i].code),
		                       "level", n->languages[i].level));
	return out;
}

/* The need as its pages show it; the counterpart and the checklist only
 * when private (the institution and the programme team). */
json_t *need_page_view(struct pp *c, const struct need *n, const struct institution *in,
                       int private)
{
	const char *dates = !n->start && !n->end ? "open" : n->flexible ? "window" : "fixed";
	json_t *v = json_pack(
	        "{s:I, s:s, s:o, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, "
	        "s:i, "
	        "s:s?, s:b, s:b, s:o, s:o, s:{s:I, s:s}, s:s?, s:s?, s:s?, s:s?, s:I}",
	        "id", (json_int_t)n->id, "title", n->title, "description",
	        page_paragraphs(&c->req->arena, n->description), "state", need_state_name(n->state),
	        "state_key", need_page_key(c, "need.state", need_state_name(n->state)), "sector",
	        need_page_label(c, TAX_SECTOR, n->sector), "region",
	        need_page_label(c, TAX_REGION, n->region), "city", n->city, "mode_key",
	        need_page_key(c, "need.mode", n->mode), "presence_key",
	        need_page_key(c, "need.presence", n->presence), "dates_key",
	        need_page_key(c, "need.dates", dates), "start", pp_date(c, n->start), "end",
	        pp_date(c, n->end), "effort", need_page_effort(n), "experts", n->experts, "pay_key",
	        need_page_key(c, "need.pay", n->pay), "travel", n->covers_travel, "stay",
	        n->covers_stay, "skills", skills_json(c, n), "languages", languages_json(c, n),
	        "institution", "id", (json_int_t)n->institution_id, "name",
	        in ? institution_label(in, c->l) : "", "published", pp_date(c, n->published_at),
	        "submitted", pp_date(c, n->submitted_at), "closed", pp_date(c, n->closed_at),
	        "reason_key", need_page_key(c, "need.reason", n->reason), "parent",
	        (json_int_t)n->parent_id);

	if (*n->note)
		json_object_set_new(v, "note", page_paragraphs(&c->req->arena, n->note));
	if (private)
		json_object_set_new(
		        v, "private",
		        json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "cp_name", n->cp_name,
		                  "cp_role", n->cp_role, "cp_email", n->cp_email,
		                  "ready_counterpart", n->ready_counterpart, "ready_resources",
		                  n->ready_resources, "ready_approval", n->ready_approval));
	return v;
}

static json_t *events_json(struct pp *c, int64_t id)
{
	struct db *db = db_pool_get(c->app->pool);
	struct db_stmt *st = db_prepare(db, "SELECT at, from_state, to_state, reason, note FROM "
	                                    "need_events WHERE need_id = $1 ORDER BY at, id");
	json_t *out = json_array();

	if (st && db_bind_int(st, 1, id) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        out, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s}", "at",
			                       pp_date(c, db_col_text(st, 0)), "from_key",
			                       need_page_key(c, "need.state", db_col_text(st, 1)),
			                       "to_key",
			                       need_page_key(c, "need.state", db_col_text(st, 2)),
			                       "reason_key",
			                       strcmp(db_col_text(st, 3), "repeat") == 0
			                               ? "need.event.repeat"
			                               : need_page_key(c, "need.reason",
			                                               db_col_text(st, 3)),
			                       "note", db_col_text(st, 4)));
	db_finalize(st);
	db_pool_put(c->app->pool, db);
	return out;
}

static json_t *reasons_json(struct pp *c, const char *cur)
{
	json_t *out = json_array();

	json_array_append_new(out, need_page_option("", "need.choose", NULL, !cur || !*cur));
	for (const char *const *r = need_cancel_reasons; *r; r++)
		json_array_append_new(out, need_page_option(*r, need_page_key(c, "need.reason", *r),
		                                            NULL, cur && !strcmp(cur, *r)));
	return out;
}

/* The actions the lifecycle offers this actor from n's state; the one
 * just refused (chosen) carries its error (field, key). */
static json_t *actions_json(struct pp *c, const struct need *n, enum actor actor,
                            const char *chosen, const char *field, const char *error)
{
	json_t *out = json_array();

	for (int a = 0; a < NEED_ACTIONS; a++) {
		const struct need_transition *t = &need_transitions[a];
		if (!need_can((enum need_action)a, n->state, actor))
			continue;
		json_array_append_new(
		        out,
		        json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:s?, s:s?}", "name",
		                  t->name, "key", need_page_key(c, "need.action", t->name), "hint",
		                  need_page_key(c, "need.action.hint", t->name), "reason",
		                  (t->needs & NEEDS_REASON) != 0, "message",
		                  (t->needs & NEEDS_MESSAGE) != 0, "danger", a == NA_CANCEL,
		                  "reasons", reasons_json(c, form_value(c->req, "reason")), "error",
		                  error && !strcmp(chosen, t->name) ? error : NULL, "error_field",
		                  error && !strcmp(chosen, t->name) ? field : NULL));
	}
	return out;
}

/* A need's page for its institution (AS_INSTITUTION) or the programme
 * team (AS_PROGRAMME); error (a field and a catalogue key) after a refused
 * action. */
static void show_need(struct pp *c, int status, const struct need *n, const struct institution *in,
                      enum viewer v, const char *field, const char *error)
{
	enum actor actor = v == AS_PROGRAMME ? ACTOR_PROGRAMME : ACTOR_INSTITUTION;
	const char *base = v == AS_PROGRAMME ? "admin/needs" : "institution/needs";
	const char *chosen = status == 422 ? form_value(c->req, "action") : "";
	json_t *data = json_pack(
	        "{s:o, s:o, s:o, s:s, s:s, s:b, s:b, s:b, s:b, s:s?, s:s?, s:s, s:s}", "need",
	        need_page_view(c, n, in, 1), "actions",
	        actions_json(c, n, actor, chosen, field, error), "events", events_json(c, n->id),
	        "base", arena_printf(&c->req->arena, "/%s/%s", lang_code(c->l), base), "action_url",
	        arena_printf(&c->req->arena, "/%s/%s/%lld", lang_code(c->l), base,
	                     (long long)n->id),
	        "institution_view", v == AS_INSTITUTION, "editable",
	        v == AS_INSTITUTION && n->state == NEED_DRAFT, "repeatable",
	        v == AS_INSTITUTION && need_final(n->state), "verified",
	        in && in->verified_at != NULL, "error_field", field, "error", error, "note",
	        status == 422 ? form_value(c->req, "note") : "", "chosen", chosen);

	page_render(c->app, c->req, c->resp, status, "need_view", "need.view.title", data);
}

void h_inst_need(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct need n;
	struct institution in;

	pp_init(&c, ctx, req, resp);
	if (need_page_load(&c, AS_INSTITUTION, &n, &in) <= 0)
		return;
	show_need(&c, 200, &n, &in, AS_INSTITUTION, NULL, NULL);
}

void h_admin_need(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct need n;
	struct institution in;

	pp_init(&c, ctx, req, resp);
	if (need_page_load(&c, AS_PROGRAMME, &n, &in) <= 0)
		return;
	show_need(&c, 200, &n, &in, AS_PROGRAMME, NULL, NULL);
}

/* ---- Actions ------------------------------------------------------------------------- */

static int clean_note(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\r' && *s != '\t') ||
		    *s == 0x7f)
			return 0;
	return 1;
}

/* What is wrong with the posted action (field and key), or NULL. */
static const char *action_problem(struct pp *c, const struct need *n, enum actor actor, int act,
                                  const char **field)
{
	const char *reason = form_value(c->req, "reason"), *note = form_value(c->req, "note");
	unsigned needs;

	*field = "action";
	if (act < 0 || !need_can((enum need_action)act, n->state, actor))
		return "need.error.transition";
	needs = need_transitions[act].needs;
	*field = "reason";
	if ((needs & NEEDS_REASON) && !need_reason_ok(reason))
		return "need.error.reason_required";
	*field = "note";
	if (!clean_note(note) || utf8_length(note, strlen(note)) > NOTE_MAX)
		return "need.error.text_invalid";
	if ((needs & NEEDS_MESSAGE) && !*note)
		return "need.error.note_required";
	if ((needs & NEEDS_REASON) && strcmp(reason, "other") == 0 && !*note)
		return "need.error.note_other";
	return NULL;
}

/* NA_SUBMIT and NA_STAFF check the need itself; 1 fine, 0 refused (the
 * answer sent), -1 error (sent). */
static int action_ready(struct pp *c, const struct need *n, const struct institution *in,
                        enum need_action act)
{
	struct need_issues is = {.count = 0};
	struct editor e;
	int64_t confirmed;

	if (act == NA_SUBMIT) {
		need_check_submit(n, today(c), in->verified_at != NULL, &is);
		if (is.count == 0)
			return 1;
		editor_init(&e, c, need_form_values(n, c->app->tx, c->l, &c->req->arena));
		add_issues(&e, &is);
		show_editor(&e, 422, n, in->verified_at != NULL);
		return 0;
	}
	if (act == NA_PUBLISH && !in->verified_at) { /* withdrawn since it was submitted */
		show_need(c, 422, n, in, AS_PROGRAMME, "action", "need.error.unverified_publish");
		return 0;
	}
	if (act != NA_STAFF)
		return 1;
	struct db *db = db_pool_get(c->app->pool);
	confirmed = need_confirmed_experts(db, &c->req->arena, n->id);
	db_pool_put(c->app->pool, db);
	if (confirmed < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return -1;
	}
	if (confirmed > 0)
		return 1;
	show_need(c, 422, n, in, AS_INSTITUTION, "action", "need.error.no_confirmed_expert");
	return 0;
}

static void act(struct pp *c, enum viewer v)
{
	struct need n;
	struct institution in;
	enum actor actor = v == AS_PROGRAMME ? ACTOR_PROGRAMME : ACTOR_INSTITUTION;
	int a = need_action_parse(form_value(c->req, "action"));
	const char *field, *problem;
	struct move m = {c, &n, NA_SUBMIT, actor, "", "", 0, NEED_DRAFT};

	if (need_page_load(c, v, &n, &in) <= 0)
		return;
	problem = action_problem(c, &n, actor, a, &field);
	if (problem) {
		show_need(c, 422, &n, &in, v, field, problem);
		return;
	}
	m.act = (enum need_action)a;
	if (action_ready(c, &n, &in, m.act) <= 0)
		return;
	if (need_transitions[a].needs & NEEDS_REASON)
		m.reason = form_value(c->req, "reason");
	if (need_transitions[a].needs & (NEEDS_REASON | NEEDS_MESSAGE))
		m.note = form_value(c->req, "note");
	if (sql_tx(c->app->pool, move_tx, &m) < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	search_changed(c->app);
	if (!m.moved) { /* someone else moved it meanwhile */
		show_need(c, 422, &n, &in, v, "action", "need.error.transition");
		return;
	}
	if (v == AS_PROGRAMME)
		pp_redirect(c, arena_printf(&c->req->arena, "admin/needs/%lld", (long long)n.id));
	else
		to_need_page(c, n.id);
}

void h_inst_need_action(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	act(&c, AS_INSTITUTION);
}

void h_admin_need_action(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	act(&c, AS_PROGRAMME);
}

void h_need_repeat(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct need parent, child;
	struct institution in;
	struct save k = {&c, &child, 1, 0, 0};

	pp_init(&c, ctx, req, resp);
	if (need_page_load(&c, AS_INSTITUTION, &parent, &in) <= 0)
		return;
	if (!need_final(parent.state)) {
		show_need(&c, 422, &parent, &in, AS_INSTITUTION, "repeat",
		          "need.error.repeat_open");
		return;
	}
	need_repeat(&parent, &child);
	child.id = new_id(c.app->cfg);
	if (sql_tx(c.app->pool, save_tx, &k) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	pp_redirect(&c,
	            arena_printf(&req->arena, "institution/needs/%lld/edit", (long long)child.id));
}

/* ---- The editor's pages -------------------------------------------------------------- */

void h_need_new(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct need n = {0};
	struct editor e;
	int verified;

	pp_init(&c, ctx, req, resp);
	if (req->method != HTTP_POST) {
		editor_init(&e, &c,
		            json_pack("{s:s, s:s, s:s, s:s, s:s}", "mode", "ponctuelle", "presence",
		                      "remote", "dates", "fixed", "pay", "pro_bono", "experts",
		                      "1"));
		verified = verified_now(&c);
		show_editor(&e, 200, NULL, verified > 0);
		return;
	}
	if (read_posted(&c, &n, NULL, &verified) <= 0)
		return;
	n.id = new_id(c.app->cfg);
	n.institution_id = c.id->institution_id;
	n.state = NEED_DRAFT;
	save_posted(&c, &n, 1);
}

void h_need_edit(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct need stored, n;
	struct institution in;
	struct editor e;
	int verified;

	pp_init(&c, ctx, req, resp);
	if (need_page_load(&c, AS_INSTITUTION, &stored, &in) <= 0)
		return;
	if (stored.state != NEED_DRAFT && req->method != HTTP_POST) {
		to_need_page(&c, stored.id);
		return;
	}
	if (stored.state != NEED_DRAFT) { /* only drafts change; the page says why */
		show_need(&c, 422, &stored, &in, AS_INSTITUTION, "action", "need.error.not_draft");
		return;
	}
	if (req->method != HTTP_POST) {
		editor_init(&e, &c, need_form_values(&stored, c.app->tx, c.l, &req->arena));
		verified = verified_now(&c);
		show_editor(&e, 200, &stored, verified > 0);
		return;
	}
	n = stored;
	if (read_posted(&c, &n, &stored, &verified) <= 0)
		return;
	save_posted(&c, &n, 0);
}

/* ---- Lists of the institution and of the programme team ------------------------------- */

void h_inst_needs(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	struct db_stmt *st;
	json_t *list = json_array();
	int verified;

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	verified = institution_verified(db, &req->arena, c.id->institution_id);
	st = db_prepare(db, "SELECT id, title, state, updated_at, published_at, parent_id FROM "
	                    "needs WHERE institution_id = $1 ORDER BY updated_at DESC, id DESC "
	                    "LIMIT 500");
	if (st && db_bind_int(st, 1, c.id->institution_id) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        list, json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:b}", "id",
			                        (json_int_t)db_col_int(st, 0), "title",
			                        db_col_text(st, 1), "state_key",
			                        need_page_key(&c, "need.state", db_col_text(st, 2)),
			                        "updated", pp_date(&c, db_col_text(st, 3)),
			                        "published", pp_date(&c, db_col_text(st, 4)),
			                        "repeat", !db_col_is_null(st, 5)));
	db_finalize(st);
	db_pool_put(c.app->pool, db);
	if (!st || verified < 0) {
		json_decref(list);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "need_list", "need.list.title",
	            json_pack("{s:o, s:b, s:I}", "needs", list, "verified", verified, "institution",
	                      (json_int_t)c.id->institution_id));
}

static json_t *state_tabs(struct pp *c, struct db *db, const char *current)
{
	struct db_stmt *st = db_prepare(db, "SELECT state, COUNT(*) FROM needs GROUP BY state");
	int64_t counts[NEED_STATES] = {0};
	json_t *out = json_array();

	while (st && db_step(st) == DB_ROW) {
		int s = need_state_parse(db_col_text(st, 0));
		if (s >= 0)
			counts[s] = db_col_int(st, 1);
	}
	db_finalize(st);
	for (int s = NEED_SUBMITTED; s < NEED_STATES; s++) /* drafts belong to institutions */
		json_array_append_new(
		        out, json_pack("{s:s, s:s, s:I, s:b}", "state",
		                       need_state_name((enum need_state)s), "key",
		                       need_page_key(c, "need.states",
		                                     need_state_name((enum need_state)s)),
		                       "count", (json_int_t)counts[s], "current",
		                       strcmp(current, need_state_name((enum need_state)s)) == 0));
	return out;
}

void h_admin_needs(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	const char *state = kvlist_get(&req->query, "state");
	char sql[480];
	struct db *db;
	struct db_stmt *st;
	json_t *list = json_array(), *tabs;

	pp_init(&c, ctx, req, resp);
	if (!state || need_state_parse(state) <= NEED_DRAFT)
		state = "submitted";
	snprintf(sql, sizeof(sql),
	         "SELECT n.id, n.title, n.submitted_at, n.published_at, i.id, i.name_%s, "
	         "i.verified_at, n.sector_id FROM needs n JOIN institutions i ON i.id = "
	         "n.institution_id WHERE n.state = $1 ORDER BY COALESCE(n.submitted_at, "
	         "n.updated_at), n.id LIMIT 500",
	         lang_code(c.l));
	db = db_pool_get(c.app->pool);
	st = db_prepare(db, sql);
	if (st && db_bind_text(st, 1, state) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        list,
			        json_pack("{s:I, s:s, s:s?, s:s?, s:I, s:s, s:b, s:s?}", "id",
			                  (json_int_t)db_col_int(st, 0), "title",
			                  db_col_text(st, 1), "submitted",
			                  pp_date(&c, db_col_text(st, 2)), "published",
			                  pp_date(&c, db_col_text(st, 3)), "institution_id",
			                  (json_int_t)db_col_int(st, 4), "institution",
			                  db_col_text(st, 5), "verified", !db_col_is_null(st, 6),
			                  "sector",
			                  need_page_label(&c, TAX_SECTOR, db_col_text(st, 7))));
	db_finalize(st);
	tabs = state_tabs(&c, db, state);
	db_pool_put(c.app->pool, db);
	if (!st) {
		json_decref(list);
		json_decref(tabs);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "admin_needs", "need.review.title",
	            json_pack("{s:o, s:o, s:s, s:s}", "needs", list, "tabs", tabs, "state", state,
	                      "state_key", need_page_key(&c, "need.states", state)));
}
