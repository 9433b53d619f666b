/* api_statistics: GET /api/v1/statistics — the programme's headline
 * figures for observatories (token scope read_statistics). Each figure is
 * an indicator of indicators.c, and the figures go through the public
 * statistics' suppression (statistics.h, stat_table_suppress: the same
 * rule, the same groups and the same threshold statistics.min_cell as the
 * page and the open data; docs/INDICATORS.md): a hidden count is null. */
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/clock.h"
#include "app/config.h"
#include "app/handlers.h"
#include "app/indicators.h"
#include "app/lifecycle.h"
#include "app/page.h"
#include "app/statistics.h"

#define EXPERT_FIGURES 4
#define NEED_FIGURES 7

static const enum need_state need_states[NEED_FIGURES] = {
        NEED_DRAFT,       NEED_SUBMITTED, NEED_PUBLISHED, NEED_STAFFED,
        NEED_IN_PROGRESS, NEED_COMPLETED, NEED_CANCELLED};

/* The experts' figures: nested (registered contains the others), so each
 * is its own group (not additive). */
static int experts(struct app *app, struct db *db, struct stat_table *t)
{
	static const char *const ids[EXPERT_FIGURES] = {"registered", "identified", "active",
	                                                "mobilised"};

	t->id = "experts";
	t->cols = EXPERT_FIGURES;
	t->additive = 0;
	memcpy(t->col_ids, ids, sizeof(ids));
	return ind_registered(db, &t->v[0]) < 0 || ind_identified(db, &t->v[1]) < 0 ||
	                       ind_active(db, clock_now(app->cfg), &t->v[2]) < 0 ||
	                       ind_mobilised(db, &t->v[3]) < 0
	               ? -1
	               : 0;
}

/* The needs in each state: one row, one group. */
static int needs(struct db *db, struct stat_table *t)
{
	t->id = "needs";
	t->cols = NEED_FIGURES;
	t->additive = 1;
	for (int i = 0; i < NEED_FIGURES; i++) {
		t->col_ids[i] = need_state_name(need_states[i]);
		if (ind_needs_in_state(db, need_states[i], &t->v[i]) < 0)
			return -1;
	}
	return 0;
}

/* {col: n or null} of a one-row table. */
static json_t *cells(const struct stat_table *t)
{
	json_t *o = json_object();

	for (int i = 0; i < t->cols; i++)
		json_object_set_new(o, t->col_ids[i],
		                    t->hidden[i] ? json_null() : json_integer(t->v[i]));
	return o;
}

static json_t *statistics(struct app *app, struct db *db)
{
	char now[ISO_TIME_LEN + 1];
	int64_t ev[EXPERT_FIGURES] = {0}, nv[NEED_FIGURES] = {0};
	int eh[EXPERT_FIGURES] = {0}, nh[NEED_FIGURES] = {0};
	struct stat_table e = {.rows = 1, .v = ev, .hidden = eh};
	struct stat_table n = {.rows = 1, .v = nv, .hidden = nh};
	int k = app->cfg->statistics_min_cell;

	if (experts(app, db, &e) < 0 || needs(db, &n) < 0)
		return NULL;
	stat_table_suppress(&e, k);
	stat_table_suppress(&n, k);
	iso_time(clock_now(app->cfg), now);
	return json_pack("{s:s, s:i, s:o, s:o}", "generated_at", now, "suppressed_below", k,
	                 "experts", cells(&e), "needs", cells(&n));
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
