/* api_statistics: GET /api/v1/statistics — the programme's headline
 * figures for observatories (token scope read_statistics). Each figure is
 * is an indicator of indicators.c (the table below); a count below
 * API_SMALL_CELL is published as null, so that no figure points at a
 * handful of people. */
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/indicators.h"
#include "app/lifecycle.h"
#include "app/page.h"
#include "app/sql.h"

/* The experts' figures, by indicators.c's definitions (docs/INDICATORS.md). */
static int registered(struct db *db, int64_t *n)
{
	return ind_registered(db, n);
}

static int mobilised(struct db *db, int64_t *n)
{
	return ind_mobilised(db, n);
}

static const struct figure {
	const char *group, *name;
	int (*count)(struct db *db, int64_t *n);
} figures[] = {
        {"experts", "registered", registered},
        {"experts", "mobilised", mobilised},
};

static const enum need_state need_states[] = {NEED_DRAFT,    NEED_SUBMITTED,   NEED_PUBLISHED,
                                              NEED_STAFFED,  NEED_IN_PROGRESS, NEED_COMPLETED,
                                              NEED_CANCELLED};

/* n, or null below the small-cell threshold. */
static json_t *cell(int64_t n)
{
	return n >= API_SMALL_CELL ? json_integer(n) : json_null();
}

static json_t *statistics(struct app *app, struct db *db)
{
	char now[ISO_TIME_LEN + 1];
	json_t *out, *needs = json_object();
	int64_t n;

	iso_time(clock_now(app->cfg), now);
	out = json_pack("{s:s, s:i, s:{}}", "generated_at", now, "suppressed_below", API_SMALL_CELL,
	                "experts");
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		if (figures[i].count(db, &n) < 0)
			goto fail;
		json_object_set_new(json_object_get(out, figures[i].group), figures[i].name,
		                    cell(n));
	}
	for (size_t i = 0; i < sizeof(need_states) / sizeof(need_states[0]); i++) {
		if (ind_needs_in_state(db, need_states[i], &n) < 0)
			goto fail;
		json_object_set_new(needs, need_state_name(need_states[i]), cell(n));
	}
	json_object_set_new(out, "needs", needs);
	return out;
fail:
	json_decref(needs);
	json_decref(out);
	return NULL;
}

void h_api_statistics(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct db *db = db_pool_get(app->pool);
	json_t *v = statistics(app, db);

	db_pool_put(app->pool, db);
	if (!v) {
		json_error(app, req, resp, 503, "unavailable", NULL);
		return;
	}
	json_respond(req, resp, 200, v);
	resp_header(req, resp, "Cache-Control", "private, max-age=60");
}
