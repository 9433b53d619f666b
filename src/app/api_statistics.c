/* api_statistics: GET /api/v1/statistics — the programme's headline
 * figures for observatories (token scope read_statistics). Each figure is
 * computed by one function (the table below); a count below
 * API_SMALL_CELL is published as null, so that no figure points at a
 * handful of people. */
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/clock.h"
#include "app/engagements.h"
#include "app/handlers.h"
#include "app/lifecycle.h"
#include "app/page.h"
#include "app/sql.h"

/* Experts with an active account. */
static int registered_experts(struct db *db, int64_t *n)
{
	return db_query_int(db,
	                    "SELECT COUNT(*) FROM users u WHERE u.status = 'active' AND EXISTS "
	                    "(SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = "
	                    "'expert')",
	                    0, NULL, n) == DB_OK
	               ? 0
	               : -1;
}

/* Needs in state s. */
static int needs_in_state(struct db *db, enum need_state s, int64_t *n)
{
	return db_query_int(db, "SELECT COUNT(*) FROM needs WHERE state = $1", 1,
	                    (const char *[]){need_state_name(s)}, n) == DB_OK
	               ? 0
	               : -1;
}

static const struct figure {
	const char *group, *name;
	int (*count)(struct db *db, int64_t *n);
} figures[] = {
        {"experts", "registered", registered_experts},
        {"experts", "mobilised", engagements_mobilised_count},
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
		if (needs_in_state(db, need_states[i], &n) < 0)
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
