/* project_figures: the figures of project dossiers, for advisors and the
 * programme team (/LANG/advisor/projects/figures, /LANG/admin/projects/
 * figures). One function per figure; docs/PROJECTS.md defines each:
 *
 *   funnel     for each stage of the pipeline, the dossiers that ever
 *              reached it (project_events), and those in it now;
 *   by region  dossiers, planned investment and planned jobs per region
 *              (abandoned dossiers left out of the amounts);
 *   by sector  the same per sector;
 *   totals     planned investment and jobs of the dossiers not abandoned,
 *              realised investment and jobs of the realised ones.
 *
 * Amounts in MAD. Every dossier counts, whoever its advisor. */
#include <string.h>

#include "app/app.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/project_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"

/* Runs sql (no parameters) and hands each row to fn. 0, or -1. */
typedef void (*row_fn)(struct pp *c, struct db_stmt *st, json_t *out);
static int each_row(struct db *db, struct pp *c, const char *sql, row_fn fn, json_t *out)
{
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc rc = DB_ERROR;

	while (st && (rc = db_step(st)) == DB_ROW)
		fn(c, st, out);
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

static void funnel_row(struct pp *c, struct db_stmt *st, json_t *out)
{
	int s = project_state_parse(db_col_text(st, 0));
	json_t *row = s < 0 ? NULL : json_array_get(out, (size_t)s);

	(void)c;
	if (row)
		json_object_set_new(row, db_col_int(st, 2) ? "now" : "reached",
		                    json_integer(db_col_int(st, 1)));
}

/* The funnel (project_pages.h). */
json_t *project_funnel(struct pp *c, struct db *db)
{
	json_t *out = json_array();

	for (int s = 0; s < PROJECT_STATES; s++)
		json_array_append_new(
		        out, json_pack("{s:s?, s:i, s:i}", "state_key",
		                       project_key(c, "project.state",
		                                   project_state_name((enum project_state)s)),
		                       "reached", 0, "now", 0));
	if (each_row(db, c,
	             "SELECT to_state, COUNT(DISTINCT project_id), 0 FROM project_events GROUP BY "
	             "to_state UNION ALL SELECT state, COUNT(*), 1 FROM projects GROUP BY state",
	             funnel_row, out) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static void group_row(struct pp *c, struct db_stmt *st, json_t *out)
{
	enum tax_kind k = (enum tax_kind)json_integer_value(json_object_get(out, "kind"));
	const char *id = db_col_text(st, 0);
	const char *label = taxonomy_label(c->app->tx, k, id, c->l);

	json_array_append_new(
	        json_object_get(out, "rows"),
	        json_pack("{s:s, s:I, s:s, s:I}", "label", label && *label ? label : id, "projects",
	                  (json_int_t)db_col_int(st, 1), "investment",
	                  pp_number(c, db_col_int(st, 2)), "jobs", (json_int_t)db_col_int(st, 3)));
}

/* Dossiers, planned investment and jobs per value of column (region or
 * sector_id): [{label, projects, investment, jobs}], most dossiers first. */
static json_t *figure_by(struct pp *c, struct db *db, const char *column, enum tax_kind k)
{
	json_t *acc = json_pack("{s:i, s:[]}", "kind", (int)k, "rows"), *rows;
	const char *sql = arena_printf(
	        &c->req->arena,
	        "SELECT %s, COUNT(*), SUM(CASE WHEN state = 'abandoned' THEN 0 ELSE investment "
	        "END), "
	        "SUM(CASE WHEN state = 'abandoned' THEN 0 ELSE jobs END) FROM projects GROUP BY %s "
	        "ORDER BY COUNT(*) DESC, %s",
	        column, column, column);

	if (each_row(db, c, sql, group_row, acc) < 0) {
		json_decref(acc);
		return NULL;
	}
	rows = json_incref(json_object_get(acc, "rows"));
	json_decref(acc);
	return rows;
}

static json_t *figure_by_region(struct pp *c, struct db *db)
{
	return figure_by(c, db, "region", TAX_REGION);
}

static json_t *figure_by_sector(struct pp *c, struct db *db)
{
	return figure_by(c, db, "sector_id", TAX_SECTOR);
}

static void totals_row(struct pp *c, struct db_stmt *st, json_t *out)
{
	json_object_set_new(out, "projects", json_integer(db_col_int(st, 0)));
	json_object_set_new(out, "investment", json_string(pp_number(c, db_col_int(st, 1))));
	json_object_set_new(out, "jobs", json_integer(db_col_int(st, 2)));
	json_object_set_new(out, "realised", json_integer(db_col_int(st, 3)));
	json_object_set_new(out, "investment_realised",
	                    json_string(pp_number(c, db_col_int(st, 4))));
	json_object_set_new(out, "jobs_realised", json_integer(db_col_int(st, 5)));
}

/* Planned (not abandoned) and realised investment and jobs. */
static json_t *figure_totals(struct pp *c, struct db *db)
{
	json_t *out = json_object();

	if (each_row(
	            db, c,
	            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'abandoned' THEN 0 ELSE "
	            "investment END), 0), COALESCE(SUM(CASE WHEN state = 'abandoned' THEN 0 ELSE "
	            "jobs END), 0), COALESCE(SUM(CASE WHEN state = 'realised' THEN 1 ELSE 0 END), "
	            "0), COALESCE(SUM(CASE WHEN state = 'realised' THEN investment_realised ELSE 0 "
	            "END), 0), COALESCE(SUM(CASE WHEN state = 'realised' THEN jobs_realised ELSE 0 "
	            "END), 0) FROM projects",
	            totals_row, out) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

void h_project_figures(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	json_t *funnel, *regions, *sectors, *totals;

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	funnel = project_funnel(&c, db);
	regions = figure_by_region(&c, db);
	sectors = figure_by_sector(&c, db);
	totals = figure_totals(&c, db);
	db_pool_put(c.app->pool, db);
	if (!funnel || !regions || !sectors || !totals) {
		json_decref(funnel);
		json_decref(regions);
		json_decref(sectors);
		json_decref(totals);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "advisor_figures", "project.figures.title",
	            json_pack("{s:o, s:o, s:o, s:o, s:s}", "funnel", funnel, "regions", regions,
	                      "sectors", sectors, "totals", totals, "base",
	                      project_base(&c, project_viewer_of(&c))));
}
