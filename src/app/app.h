/* app: the application context and its start-up/shut-down.
 *
 * struct app holds what every handler needs, loaded once and immutable
 * afterwards (config, templates, catalogues, static files, route table) plus
 * the database pool. It is passed to every handler as its ctx: there are no
 * mutable globals.
 */
#ifndef KAFAAT_APP_APP_H
#define KAFAAT_APP_APP_H

#include <stddef.h>

#include "app/config.h"
#include "db/db.h"
#include "web/i18n.h"
#include "web/router.h"
#include "web/static.h"
#include "web/tmpl.h"

struct password_policy;
struct taxonomy;
struct mail_sender;
struct search;
struct api_rates;

#define KAFAAT_VERSION "0.2.0"

/* The privacy notice in force (templates/privacy.html): consents record
 * this version. Raise both when the notice's text changes. */
#define PRIVACY_NOTICE_VERSION 3
#define PRIVACY_NOTICE_YEAR 2026
#define PRIVACY_NOTICE_MONTH 11
#define PRIVACY_NOTICE_DAY 29

struct app {
	const struct config *cfg; /* borrowed */
	struct db_pool *pool;
	struct tmpl_set *tmpl;
	struct i18n *i18n;
	struct static_set *statics;
	struct password_policy *pw; /* password rules and the hashing cap */
	struct mail_sender *mail;   /* started by `kafaat serve` only */
	struct taxonomy *tx;        /* reference data in memory (taxonomy.h) */
	struct search *search;   /* the search index (search.h); `kafaat serve` only, else NULL */
	struct api_rates *rates; /* the API's rate-limit counts of this node (api.h) */
	const struct route *routes;
	size_t nroutes;
};

/* Loads templates, catalogues and static files and opens the database pool.
 * Returns 0, or -1 with the reason in err (app half-built: call app_close). */
int app_open(struct app *app, const struct config *cfg, char *err, size_t errlen);
void app_close(struct app *app);

/* The route table (routes.c). */
extern const struct route app_routes[];
extern const size_t app_routes_count;

/* Server callbacks (errors.c). */
void app_on_error(void *ctx, struct request *req, struct response *resp,
                  const struct route_error *e);

#endif
