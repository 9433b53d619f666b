/* home: the home page (what the programme is, for whom, how to take part,
 * sectors and networks from the database) and the privacy notice. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/handlers.h"
#include "app/page.h"
#include "core/log.h"

/* Column of the label in the visitor's language. */
static const char *label_col(enum lang l)
{
	static const char *const cols[] = {"ar", "fr", "en"};
	return cols[l];
}

static int load_sectors(struct db *db, enum lang l, json_t *out)
{
	char sql[160];
	struct db_stmt *st;
	enum db_rc rc;

	snprintf(sql, sizeof(sql), "SELECT id, name_%s FROM sectors ORDER BY position, id",
	         label_col(l));
	st = db_prepare(db, sql);
	if (!st)
		return -1;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(out, json_pack("{s:s, s:s}", "id", db_col_text(st, 0), "name",
		                                     db_col_text(st, 1)));
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

static int load_networks(struct db *db, enum lang l, json_t *geo, json_t *theme)
{
	char sql[200];
	struct db_stmt *st;
	enum db_rc rc;

	snprintf(sql, sizeof(sql),
	         "SELECT slug, kind, name_%s, summary_%s FROM networks ORDER BY position, slug",
	         label_col(l), label_col(l));
	st = db_prepare(db, sql);
	if (!st)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *n = json_pack("{s:s, s:s, s:s}", "slug", db_col_text(st, 0), "name",
		                      db_col_text(st, 2), "summary", db_col_text(st, 3));
		json_array_append_new(strcmp(db_col_text(st, 1), "geographic") == 0 ? geo : theme,
		                      n);
	}
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

void h_home(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	enum lang l = page_lang(req);
	struct buf target = BUF_INIT;
	json_t *sectors = json_array(), *geo = json_array(), *theme = json_array();
	struct db *db = db_pool_get(app->pool);
	int rc = load_sectors(db, l, sectors);

	if (rc == 0)
		rc = load_networks(db, l, geo, theme);
	if (rc < 0)
		log_error("home page: %s", db_errmsg(db));
	db_pool_put(app->pool, db);
	if (rc < 0) {
		json_decref(sectors);
		json_decref(geo);
		json_decref(theme);
		struct route_error e = {503, "database_unavailable", NULL, 0};
		app_on_error(app, req, resp, &e);
		return;
	}
	i18n_format_int(l, 10000, &target);
	page_render(app, req, resp, 200, "home", "home.title",
	            json_pack("{s:s, s:i, s:o, s:o, s:o}", "target", buf_str(&target),
	                      "target_year", 2030, "sectors", sectors, "geographic", geo,
	                      "thematic", theme));
	buf_release(&target);
}

void h_privacy(void *ctx, struct request *req, struct response *resp)
{
	struct buf date = BUF_INIT;

	i18n_format_date(page_lang(req), PRIVACY_NOTICE_YEAR, PRIVACY_NOTICE_MONTH,
	                 PRIVACY_NOTICE_DAY, &date);
	page_render(ctx, req, resp, 200, "privacy", "privacy.title",
	            json_pack("{s:i, s:s}", "notice_version", PRIVACY_NOTICE_VERSION, "notice_date",
	                      buf_str(&date)));
	buf_release(&date);
}
