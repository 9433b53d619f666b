/* plans: the model of a sectoral mobilisation plan — the form checked,
 * storage, progress and pace (plans.h; rules: docs/PLANS.md). */
#include "app/plans.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/engagements.h"
#include "app/indicators.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/parse.h"
#include "core/utf8.h"
#include "db/db.h"

const char *const plan_kinds[] = {"ministry", "public_establishment", NULL};

#define LIST_MAX 1000

/* ---- Pure functions ---------------------------------------------------------------- */

int plan_kind_allowed(const char *kind)
{
	for (int i = 0; kind && plan_kinds[i]; i++)
		if (strcmp(plan_kinds[i], kind) == 0)
			return 1;
	return 0;
}

/* Unix seconds at the start of January 1st of year y (UTC). */
static int64_t year_start(int y)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mday = 1};

	return (int64_t)timegm(&tm);
}

int plan_year_of(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return 0;
	return tm.tm_year + 1900;
}

int64_t plan_expected(int64_t target, int year, int64_t now)
{
	int64_t from = year_start(year), to = year_start(year + 1);

	if (target <= 0 || now <= from)
		return 0;
	if (now >= to)
		return target;
	/* target ≤ PLAN_TARGET_MAX and a year < 2^25 s: no overflow */
	return target * (now - from) / (to - from);
}

int plan_behind(int64_t actual, int64_t target, int year, int64_t now, int percent)
{
	return actual * 100 < plan_expected(target, year, now) * percent;
}

/* ---- The form ---------------------------------------------------------------------- */

static const char *value_of(const struct kvlist *form, const char *name)
{
	const char *v = kvlist_get(form, name);
	return v ? v : "";
}

static int one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* A target: a whole number from 0 to PLAN_TARGET_MAX. */
static void read_target(const struct kvlist *form, const char *field, int *out, struct form *f)
{
	const char *v = value_of(form, field);
	int64_t n = 0;

	form_keep(f, field, v);
	*out = 0;
	if (!*v)
		form_error(f, field, "plan.error.target_required");
	else if (parse_int64(v, 0, PLAN_TARGET_MAX, &n) < 0)
		form_error(f, field, "plan.error.target");
	else
		*out = (int)n;
}

/* The year: chosen when creating (this year to PLAN_YEARS_AHEAD after);
 * fixed afterwards, and a past year's plan is closed. */
static void read_year(struct arena *a, const struct kvlist *form, int this_year, int creating,
                      struct plan *p, struct form *f)
{
	const char *v = creating ? value_of(form, "year") : arena_printf(a, "%d", p->year);
	int64_t y = 0;

	form_keep(f, "year", v);
	if (parse_int64(v, 1, 9999, &y) < 0)
		form_error(f, "year", *v ? "plan.error.year" : "plan.error.year_required");
	else if (y < this_year)
		form_error(f, "year", "plan.error.year_past");
	else if (y > this_year + PLAN_YEARS_AHEAD)
		form_error(f, "year", "plan.error.year_far");
	p->year = (int)y;
}

/* The focal point: a name and a title (one line, at most PLAN_TEXT_MAX
 * characters) and an address. */
static void read_focal(struct arena *a, const struct kvlist *form, struct plan *p, struct form *f)
{
	static const char *const fields[] = {"focal_name", "focal_title"};
	const char **out[] = {&p->focal_name, &p->focal_title};
	const char *email = value_of(form, "focal_email");

	for (int i = 0; i < 2; i++) {
		const char *v = value_of(form, fields[i]);
		form_keep(f, fields[i], v);
		*out[i] = v;
		if (!*v)
			form_error(f, fields[i], "plan.error.focal_required");
		else if (!one_line(v) || utf8_length(v, strlen(v)) > PLAN_TEXT_MAX)
			form_error(f, fields[i], "plan.error.text");
	}
	form_keep(f, "focal_email", email);
	p->focal_email = email;
	if (!*email)
		form_error(f, "focal_email", "plan.error.focal_required");
	else if (!(p->focal_email = email_normalise(a, email)))
		form_error(f, "focal_email", "plan.error.email");
}

static void read_sectors(const struct taxonomy *tx, struct arena *a, const struct kvlist *form,
                         struct plan *p, struct form *f)
{
	p->nsectors = 0;
	for (int i = 0; i < PLAN_SECTORS; i++) {
		const char *name = arena_printf(a, "sec_%d", i), *v = value_of(form, name);
		if (!*v)
			continue;
		form_keep(f, name, v);
		if (!taxonomy_has(tx, TAX_SECTOR, v))
			form_error(f, name, "plan.error.sector");
		else
			p->sectors[p->nsectors++] = v;
	}
}

static int has(const char *const *ids, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/* Skills typed in any language, resolved through the taxonomy; a skill
 * named twice counts once. */
static void read_skills(const struct taxonomy *tx, struct arena *a, const struct kvlist *form,
                        struct plan *p, struct form *f)
{
	p->nskills = 0;
	for (int i = 0; i < PLAN_SKILLS; i++) {
		const char *name = arena_printf(a, "skill_%d", i), *v = value_of(form, name);
		const char *id;
		if (!*v)
			continue;
		form_keep(f, name, v);
		if (!(id = taxonomy_resolve(tx, TAX_SKILL, v)))
			form_error(f, name, "plan.error.skill");
		else if (!has(p->skills, p->nskills, id))
			p->skills[p->nskills++] = id;
	}
}

void plan_read(const struct taxonomy *tx, struct arena *a, const struct kvlist *form, int this_year,
               int creating, struct plan *p, struct form *f)
{
	read_year(a, form, this_year, creating, p, f);
	read_target(form, "needs_target", &p->needs_target, f);
	read_target(form, "experts_target", &p->experts_target, f);
	read_focal(a, form, p, f);
	read_sectors(tx, a, form, p, f);
	read_skills(tx, a, form, p, f);
}

void plan_values(const struct taxonomy *tx, struct arena *a, enum lang l, const struct plan *p,
                 struct form *f)
{
	json_t *opts = taxonomy_options(tx, TAX_SECTOR, l), *o;
	size_t i;

	form_keep(f, "year", arena_printf(a, "%d", p->year));
	form_keep(f, "needs_target", arena_printf(a, "%d", p->needs_target));
	form_keep(f, "experts_target", arena_printf(a, "%d", p->experts_target));
	form_keep(f, "focal_name", p->focal_name);
	form_keep(f, "focal_title", p->focal_title);
	form_keep(f, "focal_email", p->focal_email);
	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		if (i < PLAN_SECTORS && has(p->sectors, p->nsectors, id))
			form_keep(f, arena_printf(a, "sec_%zu", i), id);
	}
	json_decref(opts);
	for (int k = 0; k < p->nskills; k++) {
		const char *label = taxonomy_label(tx, TAX_SKILL, p->skills[k], l);
		form_keep(f, arena_printf(a, "skill_%d", k), label ? label : p->skills[k]);
	}
}

/* ---- Storage ----------------------------------------------------------------------- */

#define PLAN_COLUMNS                                                                               \
	"p.id, p.institution_id, p.year, p.needs_target, p.experts_target, p.focal_name, "         \
	"p.focal_title, p.focal_email, p.version, p.created_at, p.updated_at, p.flagged_at"

static void plan_row(struct db_stmt *st, struct arena *a, struct plan *p)
{
	*p = (struct plan){0};
	p->id = db_col_int(st, 0);
	p->institution_id = db_col_int(st, 1);
	p->year = (int)db_col_int(st, 2);
	p->needs_target = (int)db_col_int(st, 3);
	p->experts_target = (int)db_col_int(st, 4);
	p->focal_name = sql_col_text(st, a, 5);
	p->focal_title = sql_col_text(st, a, 6);
	p->focal_email = sql_col_text(st, a, 7);
	p->version = (int)db_col_int(st, 8);
	p->created_at = sql_col(st, a, 9);
	p->updated_at = sql_col(st, a, 10);
	p->flagged_at = sql_col(st, a, 11);
}

/* The ids of one of the plan's lists (table: plan_sectors or plan_skills). */
static int load_ids(struct db *db, struct arena *a, const char *sql, int64_t id, const char **out,
                    int max, int *n)
{
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc rc = DB_ERROR;

	*n = 0;
	if (st && db_bind_int(st, 1, id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			if (*n < max)
				out[(*n)++] = sql_col_text(st, a, 0);
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

static int load_lists(struct db *db, struct arena *a, struct plan *p)
{
	return load_ids(db, a,
	                "SELECT sector_id FROM plan_sectors WHERE plan_id = $1 ORDER BY sector_id",
	                p->id, p->sectors, PLAN_SECTORS, &p->nsectors) < 0 ||
	                       load_ids(db, a,
	                                "SELECT skill_id FROM plan_skills WHERE plan_id = $1 "
	                                "ORDER BY skill_id",
	                                p->id, p->skills, PLAN_SKILLS, &p->nskills) < 0
	               ? -1
	               : 0;
}

int plan_load(struct db *db, struct arena *a, int64_t id, struct plan *p)
{
	struct db_stmt *st = db_prepare(db, "SELECT " PLAN_COLUMNS " FROM plans p WHERE p.id = $1");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW)
		plan_row(st, a, p);
	db_finalize(st);
	if (rc != DB_ROW)
		return rc == DB_OK ? 0 : -1;
	return load_lists(db, a, p) < 0 ? -1 : 1;
}

/* $1 an institution (0: every one), $2 a year (0: every year). */
#define PLANS_WHERE                                                                                \
	"(CAST($1 AS BIGINT) = 0 OR p.institution_id = CAST($1 AS BIGINT)) AND (CAST($2 AS "       \
	"INTEGER) = 0 OR p.year = CAST($2 AS INTEGER))"

int plans_list(struct db *db, struct arena *a, enum lang l, int64_t institution_id, int year,
               struct plan **out, int *n)
{
	char sql[512], id[24], y[16];
	struct db_stmt *st;
	enum db_rc rc = DB_ERROR;
	int64_t count = 0;

	*n = 0;
	*out = NULL;
	snprintf(id, sizeof(id), "%lld", (long long)institution_id);
	snprintf(y, sizeof(y), "%d", year);
	if (db_query_int(db, "SELECT COUNT(*) FROM plans p WHERE " PLANS_WHERE, 2,
	                 (const char *[]){id, y}, &count) != DB_OK)
		return -1;
	if (count > LIST_MAX)
		count = LIST_MAX;
	*out = arena_alloc(a, (size_t)(count + 1) * sizeof(**out));
	snprintf(sql, sizeof(sql),
	         "SELECT " PLAN_COLUMNS ", i.name_%s FROM plans p JOIN institutions i ON i.id = "
	         "p.institution_id WHERE " PLANS_WHERE " ORDER BY p.year, i.name_%s, p.id",
	         lang_code(l), lang_code(l));
	st = db_prepare(db, sql);
	if (st && db_bind_int(st, 1, institution_id) == DB_OK && db_bind_int(st, 2, year) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && *n < count) {
			struct plan *p = &(*out)[(*n)++];
			plan_row(st, a, p);
			p->institution = sql_col_text(st, a, 12);
		}
	db_finalize(st);
	if (rc != DB_OK && rc != DB_ROW)
		return -1;
	for (int i = 0; i < *n; i++)
		if (load_lists(db, a, &(*out)[i]) < 0)
			return -1;
	return 0;
}

static int save_lists(struct db *db, struct arena *a, const struct plan *p)
{
	const char *id = sql_int(a, p->id);

	if (sql_exec(db, "DELETE FROM plan_sectors WHERE plan_id = $1", 1, (const char *[]){id}) <
	            0 ||
	    sql_exec(db, "DELETE FROM plan_skills WHERE plan_id = $1", 1, (const char *[]){id}) < 0)
		return -1;
	for (int i = 0; i < p->nsectors; i++)
		if (sql_exec(db, "INSERT INTO plan_sectors (plan_id, sector_id) VALUES ($1, $2)", 2,
		             (const char *[]){id, p->sectors[i]}) != 1)
			return -1;
	for (int i = 0; i < p->nskills; i++)
		if (sql_exec(db, "INSERT INTO plan_skills (plan_id, skill_id) VALUES ($1, $2)", 2,
		             (const char *[]){id, p->skills[i]}) != 1)
			return -1;
	return 0;
}

int plan_insert(struct db *db, struct arena *a, const struct plan *p, int64_t user_id,
                const char *now)
{
	int64_t rc = sql_exec(
	        db,
	        "INSERT INTO plans (id, institution_id, year, needs_target, experts_target, "
	        "focal_name, focal_title, focal_email, version, created_by, updated_by, "
	        "created_at, "
	        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $10) ON "
	        "CONFLICT (institution_id, year) DO NOTHING",
	        10,
	        (const char *[]){sql_int(a, p->id), sql_int(a, p->institution_id),
	                         sql_int(a, p->year), sql_int(a, p->needs_target),
	                         sql_int(a, p->experts_target), p->focal_name, p->focal_title,
	                         p->focal_email, user_id ? sql_int(a, user_id) : NULL, now});

	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	return save_lists(db, a, p) < 0 ? -1 : 1;
}

int plan_update(struct db *db, struct arena *a, const struct plan *p, int64_t user_id,
                const char *now)
{
	int64_t rc = sql_exec(
	        db,
	        "UPDATE plans SET needs_target = $3, experts_target = $4, focal_name = $5, "
	        "focal_title = $6, focal_email = $7, version = version + 1, updated_by = $8, "
	        "updated_at = $9 WHERE id = $1 AND version = $2",
	        9,
	        (const char *[]){sql_int(a, p->id), sql_int(a, p->version),
	                         sql_int(a, p->needs_target), sql_int(a, p->experts_target),
	                         p->focal_name, p->focal_title, p->focal_email, sql_int(a, user_id),
	                         now});

	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	return save_lists(db, a, p) < 0 ? -1 : 1;
}

/* ---- Progress ---------------------------------------------------------------------- */

/* The ISO bounds of a calendar year, both included. */
#define BOUND_LEN 24
static void year_bounds(int year, char lo[BOUND_LEN], char hi[BOUND_LEN])
{
	snprintf(lo, BOUND_LEN, "%04d-01-01T00:00:00Z", year);
	snprintf(hi, BOUND_LEN, "%04d-12-31T23:59:59Z", year);
}

/* COUNT of sql over $1 institution, $2..$3 the year's bounds. */
static int count_year(struct db *db, const char *sql, int64_t institution_id, int year, int64_t *n)
{
	char lo[BOUND_LEN], hi[BOUND_LEN], id[24];

	year_bounds(year, lo, hi);
	snprintf(id, sizeof(id), "%lld", (long long)institution_id);
	return db_query_int(db, sql, 3, (const char *[]){id, lo, hi}, n) == DB_OK ? 0 : -1;
}

int plan_needs_posted(struct db *db, int64_t institution_id, int year, int64_t *n)
{
	return count_year(db,
	                  "SELECT COUNT(*) FROM needs n WHERE n.institution_id = $1 AND (SELECT "
	                  "MIN(e.at) FROM need_events e WHERE e.need_id = n.id AND e.to_state = "
	                  "'published') BETWEEN $2 AND $3",
	                  institution_id, year, n);
}

int plan_experts_mobilised(struct db *db, int64_t institution_id, int year, int64_t *n)
{
	return count_year(db,
	                  "SELECT COUNT(DISTINCT expert_id) FROM engagements WHERE " ENG_MOBILISED
	                  " AND need_id IN (SELECT id FROM needs WHERE institution_id = $1) AND "
	                  "COALESCE(delivered_at, updated_at) BETWEEN $2 AND $3",
	                  institution_id, year, n);
}

int plan_progress(struct db *db, const struct plan *p, int64_t now, int percent,
                  struct plan_progress *g)
{
	*g = (struct plan_progress){0};
	if (plan_needs_posted(db, p->institution_id, p->year, &g->needs) < 0 ||
	    plan_experts_mobilised(db, p->institution_id, p->year, &g->experts) < 0)
		return -1;
	g->needs_expected = plan_expected(p->needs_target, p->year, now);
	g->experts_expected = plan_expected(p->experts_target, p->year, now);
	g->needs_behind = plan_behind(g->needs, p->needs_target, p->year, now, percent);
	g->experts_behind = plan_behind(g->experts, p->experts_target, p->year, now, percent);
	g->behind = g->needs_behind || g->experts_behind;
	return 0;
}

/* ---- What pages show --------------------------------------------------------------- */

static json_t *labels(const struct taxonomy *tx, enum tax_kind k, enum lang l,
                      const char *const *ids, int n)
{
	json_t *out = json_array();

	for (int i = 0; i < n; i++) {
		const char *label = taxonomy_label(tx, k, ids[i], l);
		json_array_append_new(out, json_string(label && *label ? label : ids[i]));
	}
	return out;
}

/* done as a percent of target (at most 100; 100 when the target is 0). */
static int percent_of(int64_t done, int64_t target)
{
	if (target <= 0 || done >= target)
		return 100;
	return (int)(done * 100 / target);
}

json_t *plan_json(const struct app *app, enum lang l, const struct plan *p,
                  const struct plan_progress *g, int with_focal)
{
	char date[ISO_TIME_LEN + 1] = "";
	json_t *o =
	        json_pack("{s:I, s:i, s:I, s:s?, s:i, s:i, s:i, s:o, s:o}", "id", (json_int_t)p->id,
	                  "year", p->year, "institution_id", (json_int_t)p->institution_id,
	                  "institution", p->institution, "version", p->version, "needs_target",
	                  p->needs_target, "experts_target", p->experts_target, "sectors",
	                  labels(app->tx, TAX_SECTOR, l, p->sectors, p->nsectors), "skills",
	                  labels(app->tx, TAX_SKILL, l, p->skills, p->nskills));

	if (g)
		json_object_set_new(
		        o, "progress",
		        json_pack("{s:I, s:I, s:I, s:I, s:i, s:i, s:b, s:b, s:b}", "needs",
		                  (json_int_t)g->needs, "experts", (json_int_t)g->experts,
		                  "needs_expected", (json_int_t)g->needs_expected,
		                  "experts_expected", (json_int_t)g->experts_expected,
		                  "needs_percent", percent_of(g->needs, p->needs_target),
		                  "experts_percent", percent_of(g->experts, p->experts_target),
		                  "needs_behind", g->needs_behind, "experts_behind",
		                  g->experts_behind, "behind", g->behind));
	if (with_focal)
		json_object_set_new(o, "focal",
		                    json_pack("{s:s, s:s, s:s}", "name", p->focal_name, "title",
		                              p->focal_title, "email", p->focal_email));
	if (with_focal && p->flagged_at) {
		snprintf(date, sizeof(date), "%.10s", p->flagged_at);
		json_object_set_new(o, "flagged", json_string(date));
	}
	return o;
}

json_t *plans_public_json(struct app *app, struct db *db, struct arena *a, enum lang l,
                          int64_t institution_id, int64_t now)
{
	struct plan *ps;
	struct plan_progress g;
	int n, year = plan_year_of(now);
	json_t *out;

	if (plans_list(db, a, l, institution_id, 0, &ps, &n) < 0)
		return NULL;
	out = json_array();
	for (int i = 0; i < n; i++) {
		if (ps[i].year < year)
			continue;
		if (plan_progress(db, &ps[i], now, app->cfg->plans_behind_percent, &g) < 0) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, plan_json(app, l, &ps[i], &g, 0));
	}
	return out;
}

int plans_dashboard(struct app *app, struct db *db, struct arena *a, enum lang l, int64_t now,
                    json_t *out)
{
	struct plan *ps;
	struct plan_progress g;
	int n, year = plan_year_of(now), behind = 0;
	int64_t sum_needs = 0, sum_experts = 0;
	json_t *rows;

	if (plans_list(db, a, l, 0, year, &ps, &n) < 0)
		return -1;
	rows = json_array();
	for (int i = 0; i < n; i++) {
		if (plan_progress(db, &ps[i], now, app->cfg->plans_behind_percent, &g) < 0) {
			json_decref(rows);
			return -1;
		}
		behind += g.behind;
		sum_needs += ps[i].needs_target;
		sum_experts += ps[i].experts_target;
		json_array_append_new(rows, plan_json(app, l, &ps[i], &g, 0));
	}
	json_object_set_new(out, "plans",
	                    json_pack("{s:i, s:o, s:i, s:I, s:I, s:I, s:I, s:i}", "year", year,
	                              "rows", rows, "behind", behind, "sum_needs",
	                              (json_int_t)sum_needs, "sum_experts", (json_int_t)sum_experts,
	                              "national", (json_int_t)ind_target_at(year), "national_share",
	                              (json_int_t)(ind_target_at(year) - ind_target_at(year - 1)),
	                              "percent", app->cfg->plans_behind_percent));
	return 0;
}
