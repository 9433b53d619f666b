#include "app/app.h"

#include <stdio.h>
#include <string.h>

#include "app/api.h"
#include "core/log.h"
#include "app/taxonomy.h"
#include "sec/password.h"
#include "sec/token.h"

int app_open(struct app *app, const struct config *cfg, char *err, size_t errlen)
{
	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	app->routes = app_routes;
	app->nroutes = app_routes_count;
	if (router_check(app->routes, app->nroutes, err, errlen) < 0)
		return -1;
	app->tmpl = tmpl_set_new();
	if (tmpl_set_load_dir(app->tmpl, cfg->templates_dir, err, errlen) < 0)
		return -1;
	if (i18n_load(cfg->locale_dir, &app->i18n, err, errlen) < 0)
		return -1;
	if (static_load(cfg->static_dir, &app->statics, err, errlen) < 0)
		return -1;
	if (sec_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (password_policy_new(cfg->auth_common_passwords, cfg->auth_max_hashes, &app->pw, err,
	                        errlen) < 0)
		return -1;
	if (password_policy_common_count(app->pw) == 0)
		log_warn("%s: no common-password list: only the length rule applies", err);
	if (db_pool_open(cfg->db, cfg->db_pool_size, &app->pool, err, errlen) < 0)
		return -1;
	struct db *db = db_pool_get(app->pool);
	app->tx = taxonomy_load(db, err, errlen);
	db_pool_put(app->pool, db);
	app->rates = api_rates_new();
	return app->tx ? 0 : -1;
}

void app_close(struct app *app)
{
	if (app->pool)
		db_pool_close(app->pool);
	taxonomy_free(app->tx);
	api_rates_free(app->rates);
	password_policy_free(app->pw);
	static_free(app->statics);
	i18n_free(app->i18n);
	tmpl_set_free(app->tmpl);
	memset(app, 0, sizeof(*app));
}
