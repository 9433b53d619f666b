/* system: language redirects, health check, API metadata, static files. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/handlers.h"
#include "app/page.h"
#include "core/log.h"

/* "/" → "/fr/" (cookie, else Accept-Language, else French). */
void h_root(void *ctx, struct request *req, struct response *resp)
{
	(void)ctx;
	resp_redirect(req, resp, 302, arena_printf(&req->arena, "/%s/", lang_code(page_lang(req))));
	resp_header(req, resp, "Vary", "Accept-Language, Cookie");
}

/* "/fr" → "/fr/". */
void h_lang_root(void *ctx, struct request *req, struct response *resp)
{
	(void)ctx;
	resp_redirect(req, resp, 301, arena_printf(&req->arena, "/%s/", req_param(req, "lang")));
}

void h_healthz(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct db *db = db_pool_get(app->pool);
	int ok = db_ping(db) == 0;

	if (!ok)
		log_error("health check: database: %s", db_errmsg(db));
	db_pool_put(app->pool, db);
	json_respond(req, resp, ok ? 200 : 503,
	             json_pack("{s:s, s:s, s:s}", "status", ok ? "ok" : "unavailable", "database",
	                       ok ? "ok" : "unavailable", "version", KAFAAT_VERSION));
	resp_header(req, resp, "Cache-Control", "no-store");
}

void h_api_meta(void *ctx, struct request *req, struct response *resp)
{
	json_t *langs = json_array();

	(void)ctx;
	for (int i = 0; i < LANG_COUNT; i++)
		json_array_append_new(langs,
		                      json_pack("{s:s, s:s, s:s}", "code", lang_code((enum lang)i),
		                                "name", lang_native_name((enum lang)i), "dir",
		                                lang_dir((enum lang)i)));
	json_respond(req, resp, 200,
	             json_pack("{s:s, s:s, s:s, s:o}", "name", "Kafaat", "version", KAFAAT_VERSION,
	                       "api", "v1", "languages", langs));
}

void h_static(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;

	if (static_serve(app->statics, req_param(req, "file"), req, resp) < 0) {
		struct route_error e = {404, "not_found", NULL, 0};
		app_on_error(app, req, resp, &e);
	}
}

void h_favicon(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;

	if (static_serve(app->statics, "favicon.ico", req, resp) < 0) {
		struct route_error e = {404, "not_found", NULL, 0};
		app_on_error(app, req, resp, &e);
	}
}
