/* dashboard: the programme team's dashboard (/:lang/admin/dashboard):
 * every indicator of indicators.h, progress to the target as an SVG chart
 * with its data table, supply and demand per sector with alerts, how
 * institutions answer and how networks live. Definitions:
 * docs/INDICATORS.md. Not suppressed: the programme team sees the counts. */
#include <stdio.h>
#include <string.h>

#include "app/clock.h"
#include "app/config.h"
#include "app/handlers.h"
#include "app/indicators.h"
#include "app/institutions.h"
#include "app/need_pages.h"
#include "app/needs.h"
#include "app/networks.h"
#include "app/page.h"
#include "app/plans.h"
#include "app/profile_pages.h"
#include "app/project_pages.h"
#include "app/statistics.h"
#include "app/taxonomy.h"
#include "core/buf.h"
#include "db/db.h"

/* The chart's drawing area (SVG user units). */
#define CHART_W 640
#define CHART_H 320
#define CHART_LEFT 64
#define CHART_RIGHT 16
#define CHART_TOP 16
#define CHART_BOTTOM 40

static const enum need_state all_states[] = {NEED_DRAFT,    NEED_SUBMITTED,   NEED_PUBLISHED,
                                             NEED_STAFFED,  NEED_IN_PROGRESS, NEED_COMPLETED,
                                             NEED_CANCELLED};

/* {key, n} for a median: days (rounded), or not enough data. */
static json_t *median_json(const struct ind_median *m)
{
	return json_pack("{s:b, s:I, s:i}", "known", m->known, "days",
	                 (json_int_t)((m->seconds + 43200) / 86400), "samples", m->samples);
}

static int headline(struct pp *c, struct db *db, json_t *out)
{
	int64_t reg, ident, act, mob, n;
	struct ind_median app, staff;
	json_t *needs = json_array();

	json_object_set_new(out, "needs", needs);
	if (ind_registered(db, &reg) < 0 || ind_identified(db, &ident) < 0 ||
	    ind_active(db, c->now, &act) < 0 || ind_mobilised(db, &mob) < 0 ||
	    ind_median_to_application(db, &c->req->arena, &app) < 0 ||
	    ind_median_to_staffing(db, &c->req->arena, &staff) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(all_states) / sizeof(all_states[0]); i++) {
		if (ind_needs_in_state(db, all_states[i], &n) < 0)
			return -1;
		json_array_append_new(
		        needs,
		        json_pack("{s:s, s:s, s:I}", "state", need_state_name(all_states[i]), "key",
		                  need_page_key(c, "need.state", need_state_name(all_states[i])),
		                  "n", (json_int_t)n));
	}
	json_object_set_new(out, "experts",
	                    json_pack("{s:I, s:I, s:I, s:I}", "registered", (json_int_t)reg,
	                              "identified", (json_int_t)ident, "active", (json_int_t)act,
	                              "mobilised", (json_int_t)mob));
	json_object_set_new(out, "to_application", median_json(&app));
	json_object_set_new(out, "to_staffing", median_json(&staff));
	return 0;
}

/* x and y of year index i and count v on the chart. */
static int chart_x(int i)
{
	return CHART_LEFT + i * (CHART_W - CHART_LEFT - CHART_RIGHT) / (IND_YEARS - 1);
}

static int chart_y(int64_t v, int64_t max)
{
	return CHART_H - CHART_BOTTOM - (int)(v * (CHART_H - CHART_TOP - CHART_BOTTOM) / max);
}

/* "x,y x,y …" of the series s over years [from, to]; NULL when empty. */
static const char *points(struct arena *a, const int64_t *s, int from, int to, int64_t max)
{
	char out[IND_YEARS * 24] = "";
	size_t len = 0;

	for (int i = from; i <= to && i < IND_YEARS; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%d,%d", len ? " " : "",
		                        chart_x(i), chart_y(s[i], max));
	return len ? arena_strdup(a, out) : NULL;
}

static int progress(struct pp *c, struct db *db, json_t *out)
{
	struct ind_progress p;
	json_t *rows = json_array(), *ticks = json_array(), *yticks = json_array();
	int64_t max = IND_TARGET_EXPERTS;
	int now_i;

	if (ind_progress(db, &c->req->arena, c->now, &p) < 0) {
		json_decref(rows);
		json_decref(ticks);
		json_decref(yticks);
		return -1;
	}
	now_i = p.year_now - IND_START_YEAR;
	if (now_i < 0)
		now_i = -1;
	for (int i = 0; i < IND_YEARS; i++) {
		if (p.projection[i] > max)
			max = p.projection[i];
		json_array_append_new(
		        rows,
		        json_pack("{s:i, s:I, s:I, s:b, s:I, s:b}", "year", IND_START_YEAR + i,
		                  "target", (json_int_t)p.target[i], "mobilised",
		                  (json_int_t)p.mobilised[i], "past", i <= now_i, "projection",
		                  (json_int_t)p.projection[i], "projected", p.projection[i] >= 0));
		json_array_append_new(ticks, json_pack("{s:i, s:i, s:i}", "x", chart_x(i), "y",
		                                       CHART_H - CHART_BOTTOM + 20, "year",
		                                       IND_START_YEAR + i));
	}
	for (int i = 0; i <= 4; i++)
		json_array_append_new(yticks,
		                      json_pack("{s:i, s:I}", "y", chart_y(max * i / 4, max), "n",
		                                (json_int_t)(max * i / 4)));
	json_object_set_new(
	        out, "progress",
	        json_pack("{s:o, s:o, s:o, s:s?, s:s?, s:s?, s:I, s:i, s:i, s:i, s:i, s:i, s:i}",
	                  "rows", rows, "ticks", ticks, "yticks", yticks, "target_points",
	                  points(&c->req->arena, p.target, 0, IND_YEARS - 1, max),
	                  "mobilised_points",
	                  now_i >= 0 ? points(&c->req->arena, p.mobilised, 0, now_i, max) : NULL,
	                  "projection_points",
	                  now_i >= 0 && now_i < IND_YEARS
	                          ? points(&c->req->arena, p.projection, now_i, IND_YEARS - 1, max)
	                          : NULL,
	                  "pace", (json_int_t)p.pace, "goal", IND_TARGET_EXPERTS, "goal_year",
	                  IND_TARGET_YEAR, "w", CHART_W, "h", CHART_H, "left", CHART_LEFT, "base",
	                  CHART_H - CHART_BOTTOM));
	return 0;
}

static int sectors(struct pp *c, struct db *db, json_t *out)
{
	struct ind_sector *s;
	int n, alerts = 0;
	json_t *rows;

	if (ind_sectors(db, &c->req->arena, c->now, 0, c->app->cfg->statistics_alert_ratio, &s,
	                &n) < 0)
		return -1;
	rows = json_array();
	for (int i = 0; i < n; i++) {
		alerts += s[i].alert;
		json_array_append_new(rows,
		                      json_pack("{s:s, s:s, s:I, s:I, s:b}", "id", s[i].id, "label",
		                                need_page_label(c, TAX_SECTOR, s[i].id), "experts",
		                                (json_int_t)s[i].experts, "needs",
		                                (json_int_t)s[i].needs, "alert", s[i].alert));
	}
	json_object_set_new(out, "sectors", rows);
	json_object_set_new(out, "alerts", json_integer(alerts));
	json_object_set_new(out, "ratio", json_integer(c->app->cfg->statistics_alert_ratio));
	return 0;
}

/* Breakdowns (consenting experts only): [{id, title, mission, rows [{key,
 * label, registered, active, mobilised}]}]; p applies to the mission
 * dimensions (NULL when the period was refused: open). */
static int breakdowns(struct pp *c, struct db *db, const struct ind_period *p, json_t *out)
{
	json_t *list = json_array();

	json_object_set_new(out, "breakdowns", list);
	for (int d = 0; d < IND_DIMENSIONS; d++) {
		struct ind_row *r;
		int n;
		json_t *rows = json_array();
		if (ind_breakdown(db, &c->req->arena, c->now, (enum ind_dimension)d, p, &r, &n) <
		    0) {
			json_decref(rows);
			return -1;
		}
		for (int i = 0; i < n; i++)
			json_array_append_new(
			        rows,
			        json_pack("{s:s, s:s, s:I, s:I, s:I}", "key", r[i].key, "label",
			                  stat_dimension_label(c, db, (enum ind_dimension)d,
			                                       r[i].key),
			                  "registered", (json_int_t)r[i].registered, "active",
			                  (json_int_t)r[i].active, "mobilised",
			                  (json_int_t)r[i].mobilised));
		json_array_append_new(
		        list, json_pack("{s:s, s:s, s:b, s:o}", "id", ind_dimension_ids[d], "title",
		                        arena_printf(&c->req->arena, "dashboard.by.%s",
		                                     ind_dimension_ids[d]),
		                        "mission", ind_dimension_mission((enum ind_dimension)d),
		                        "rows", rows));
	}
	return 0;
}

/* The projects funnel, as the projects' figures page computes it. */
static int funnel(struct pp *c, struct db *db, json_t *out)
{
	json_t *f = project_funnel(c, db);

	if (!f)
		return -1;
	json_object_set_new(out, "funnel", f);
	return 0;
}

/* Each verified institution's answers (institution_figures). */
static int institutions(struct pp *c, struct db *db, json_t *out)
{
	char sql[160];
	struct db_stmt *st;
	json_t *rows = json_array();
	enum db_rc rc = DB_ERROR;

	json_object_set_new(out, "institutions", rows);
	snprintf(sql, sizeof(sql),
	         "SELECT id, name_%s FROM institutions WHERE verified_at IS NOT NULL ORDER BY "
	         "name_%s, id",
	         lang_code(c->l), lang_code(c->l));
	st = db_prepare(db, sql);
	while (st && (rc = db_step(st)) == DB_ROW) {
		struct institution_figures f;
		int64_t id = db_col_int(st, 0);
		if (institution_figures(db, &c->req->arena, id, c->now,
		                        c->app->cfg->needs_response_days, &f) < 0) {
			rc = DB_ERROR;
			break;
		}
		json_array_append_new(rows, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id,
		                                      "name", db_col_text(st, 1), "figures",
		                                      institution_figures_json(&f)));
	}
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

/* Each network's figures (network_figures). */
static int networks(struct pp *c, struct db *db, json_t *out)
{
	char sql[160];
	struct db_stmt *st;
	json_t *rows = json_array();
	enum db_rc rc = DB_ERROR;

	json_object_set_new(out, "networks", rows);
	snprintf(sql, sizeof(sql), "SELECT slug, name_%s FROM networks ORDER BY position, slug",
	         lang_code(c->l));
	st = db_prepare(db, sql);
	while (st && (rc = db_step(st)) == DB_ROW) {
		struct network_figures f;
		if (network_figures(db, db_col_text(st, 0), c->now, &f) < 0) {
			rc = DB_ERROR;
			break;
		}
		json_array_append_new(
		        rows,
		        json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "slug", db_col_text(st, 0),
		                  "name", db_col_text(st, 1), "members", (json_int_t)f.members,
		                  "active", (json_int_t)f.active, "mobilised",
		                  (json_int_t)f.mobilised, "events", (json_int_t)f.events_held));
	}
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

/* The period of the query (from, to): empty fields leave that side open.
 * Returns 0, or -1 with the errors (catalogue keys per field) in errors. */
static int read_period(struct pp *c, struct ind_period *p, json_t *values, json_t *errors)
{
	const char *from = kvlist_get(&c->req->query, "from");
	const char *to = kvlist_get(&c->req->query, "to");

	p->from = from && *from ? from : NULL;
	p->to = to && *to ? to : NULL;
	json_object_set_new(values, "from", json_string(p->from ? p->from : ""));
	json_object_set_new(values, "to", json_string(p->to ? p->to : ""));
	if (p->from && !need_date_valid(p->from))
		json_object_set_new(errors, "from", json_string("dashboard.error.date"));
	if (p->to && !need_date_valid(p->to))
		json_object_set_new(errors, "to", json_string("dashboard.error.date"));
	if (!json_object_size(errors) && p->from && p->to && strcmp(p->from, p->to) > 0)
		json_object_set_new(errors, "to", json_string("dashboard.error.order"));
	return json_object_size(errors) ? -1 : 0;
}

/* The flows within the period: needs first published, experts first
 * mobilised, and the two medians over those needs. */
static int period_figures(struct pp *c, struct db *db, const struct ind_period *p, json_t *out)
{
	int64_t published, mobilised;
	struct ind_median app, staff;

	if (ind_published_in(db, p, &published) < 0 ||
	    ind_first_mobilised_in(db, p, &mobilised) < 0 ||
	    ind_median_to_application_in(db, &c->req->arena, p, &app) < 0 ||
	    ind_median_to_staffing_in(db, &c->req->arena, p, &staff) < 0)
		return -1;
	json_object_set_new(out, "period",
	                    json_pack("{s:I, s:I, s:o, s:o}", "published", (json_int_t)published,
	                              "mobilised", (json_int_t)mobilised, "to_application",
	                              median_json(&app), "to_staffing", median_json(&staff)));
	return 0;
}

void h_admin_dashboard(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	json_t *data = json_object();
	json_t *values = json_object(), *errors = json_object();
	char now[ISO_TIME_LEN + 1];
	struct ind_period period;
	int rc, status;

	pp_init(&c, ctx, req, resp);
	status = read_period(&c, &period, values, errors) < 0 ? 422 : 200;
	json_object_set_new(data, "values", values);
	json_object_set_new(data, "errors", errors);
	db = db_pool_get(c.app->pool);
	rc = (status == 200 && period_figures(&c, db, &period, data) < 0) ||
	                     headline(&c, db, data) < 0 || progress(&c, db, data) < 0 ||
	                     sectors(&c, db, data) < 0 ||
	                     breakdowns(&c, db, status == 200 ? &period : NULL, data) < 0 ||
	                     funnel(&c, db, data) < 0 || institutions(&c, db, data) < 0 ||
	                     networks(&c, db, data) < 0 ||
	                     plans_dashboard(c.app, db, &req->arena, c.l, c.now, data) < 0
	             ? -1
	             : 0;
	db_pool_put(c.app->pool, db);
	if (rc < 0) {
		json_decref(data);
		page_unavailable(c.app, req, resp);
		return;
	}
	iso_time(c.now, now);
	json_object_set_new(data, "date", json_string(pp_date(&c, now)));
	json_object_set_new(data, "min", json_integer(INSTITUTION_FIGURES_MIN));
	page_render(c.app, req, resp, status, "dashboard", "dashboard.title", data);
}
