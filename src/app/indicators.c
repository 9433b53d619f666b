/* indicators: one function per indicator (definitions: docs/INDICATORS.md). */
#include "app/indicators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/clock.h"
#include "app/engagements.h"
#include "app/institutions.h"
#include "app/profile.h"
#include "app/visibility.h"
#include "db/db.h"

/* The conditions on users u, shared by the queries below. */
#define REGISTERED                                                                                 \
	"u.status = 'active' AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND "   \
	"r.role = 'expert')"
#define ACTIVE                                                                                     \
	REGISTERED " AND EXISTS (SELECT 1 FROM profiles p WHERE p.user_id = u.id AND "             \
	           "p.confirmed_at >= $1)"
#define CONSENTED                                                                                  \
	"EXISTS (SELECT 1 FROM consents c WHERE c.user_id = u.id AND c.audience = 'statistics' "   \
	"AND c.granted = 1)"

#define MEDIAN_SAMPLE 8192 /* needs kept for a median */

/* The oldest confirmation an active profile may have, as ISO text. */
static void active_since(int64_t now, char out[ISO_TIME_LEN + 1])
{
	iso_time(now - (int64_t)DORMANT_AFTER_DAYS * 86400, out);
}

int ind_registered(struct db *db, int64_t *n)
{
	return db_query_int(db, "SELECT COUNT(*) FROM users u WHERE " REGISTERED, 0, NULL, n) ==
	                       DB_OK
	               ? 0
	               : -1;
}

int ind_identified(struct db *db, int64_t *n)
{
	return db_query_int(db,
	                    "SELECT COUNT(*) FROM users u JOIN profiles p ON p.user_id = u.id "
	                    "WHERE " REGISTERED
	                    " AND u.email_verified_at IS NOT NULL AND " PROFILE_COMPLETE_SQL,
	                    0, NULL, n) == DB_OK
	               ? 0
	               : -1;
}

int ind_active(struct db *db, int64_t now, int64_t *n)
{
	char since[ISO_TIME_LEN + 1];

	active_since(now, since);
	return db_query_int(db, "SELECT COUNT(*) FROM users u WHERE " ACTIVE, 1,
	                    (const char *[]){since}, n) == DB_OK
	               ? 0
	               : -1;
}

int ind_mobilised(struct db *db, int64_t *n)
{
	return engagements_mobilised_count(db, n);
}

int ind_needs_in_state(struct db *db, enum need_state s, int64_t *n)
{
	return db_query_int(db, "SELECT COUNT(*) FROM needs WHERE state = $1", 1,
	                    (const char *[]){need_state_name(s)}, n) == DB_OK
	               ? 0
	               : -1;
}

/* The ISO bounds of p: from its first second to its last (open sides
 * bound by text that sorts before or after any time). */
#define BOUND_LEN 32
static void period_bounds(const struct ind_period *p, char lo[BOUND_LEN], char hi[BOUND_LEN])
{
	snprintf(lo, BOUND_LEN, "%.10sT00:00:00Z", p && p->from ? p->from : "0000-00-00");
	snprintf(hi, BOUND_LEN, "%.10sT23:59:59Z", p && p->to ? p->to : "9999-99-99");
}

/* The median of the durations between the two columns of sql's rows (ISO
 * times; rows with a NULL second column are left out); $1 and $2 bound
 * the first column (period_bounds). */
static int median_of(struct db *db, struct arena *a, const char *sql, const struct ind_period *p,
                     struct ind_median *m)
{
	struct db_stmt *st = db_prepare(db, sql);
	int64_t *v = arena_alloc(a, MEDIAN_SAMPLE * sizeof(*v));
	int64_t t0, t1;
	char lo[BOUND_LEN], hi[BOUND_LEN];
	enum db_rc rc = DB_ERROR;

	*m = (struct ind_median){0};
	period_bounds(p, lo, hi);
	if (st && db_bind_text(st, 1, lo) == DB_OK && db_bind_text(st, 2, hi) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			const char *from = db_col_text(st, 0), *to = db_col_text(st, 1);
			if (!from || !to || iso_parse(from, &t0) < 0 || iso_parse(to, &t1) < 0 ||
			    m->samples >= MEDIAN_SAMPLE)
				continue;
			v[m->samples++] = t1 > t0 ? t1 - t0 : 0;
		}
	db_finalize(st);
	if (rc != DB_OK)
		return -1;
	m->known = m->samples >= IND_MEDIAN_MIN;
	m->seconds = institution_median(v, m->samples);
	return 0;
}

/* Each need's first publication, within $1..$2. */
#define FIRST_PUBLISHED                                                                            \
	"(SELECT need_id, MIN(at) AS at FROM need_events WHERE to_state = 'published' GROUP BY "   \
	"need_id) p WHERE p.at >= $1 AND p.at <= $2"

int ind_median_to_application_in(struct db *db, struct arena *a, const struct ind_period *p,
                                 struct ind_median *m)
{
	return median_of(
	        db, a,
	        "SELECT p.at, (SELECT MIN(e.created_at) FROM engagements e WHERE e.need_id = "
	        "p.need_id AND e.origin = 'applied') FROM " FIRST_PUBLISHED,
	        p, m);
}

int ind_median_to_staffing_in(struct db *db, struct arena *a, const struct ind_period *p,
                              struct ind_median *m)
{
	return median_of(db, a,
	                 "SELECT p.at, (SELECT MIN(x.at) FROM need_events x WHERE x.need_id = "
	                 "p.need_id AND x.to_state = 'staffed') FROM " FIRST_PUBLISHED,
	                 p, m);
}

int ind_median_to_application(struct db *db, struct arena *a, struct ind_median *m)
{
	return ind_median_to_application_in(db, a, NULL, m);
}

int ind_median_to_staffing(struct db *db, struct arena *a, struct ind_median *m)
{
	return ind_median_to_staffing_in(db, a, NULL, m);
}

/* COUNT(*) of sql with the bounds of p as $1 and $2. */
static int count_in(struct db *db, const char *sql, const struct ind_period *p, int64_t *n)
{
	char lo[BOUND_LEN], hi[BOUND_LEN];

	period_bounds(p, lo, hi);
	return db_query_int(db, sql, 2, (const char *[]){lo, hi}, n) == DB_OK ? 0 : -1;
}

int ind_published_in(struct db *db, const struct ind_period *p, int64_t *n)
{
	return count_in(db, "SELECT COUNT(*) FROM " FIRST_PUBLISHED, p, n);
}

int ind_first_mobilised_in(struct db *db, const struct ind_period *p, int64_t *n)
{
	return count_in(
	        db,
	        "SELECT COUNT(*) FROM (SELECT MIN(COALESCE(delivered_at, updated_at)) AS at "
	        "FROM engagements WHERE " ENG_MOBILISED " GROUP BY expert_id) f WHERE f.at "
	        ">= $1 AND f.at <= $2",
	        p, n);
}

int ind_sectors(struct db *db, struct arena *a, int64_t now, int consented_only, int ratio,
                struct ind_sector **out, int *n)
{
	char since[ISO_TIME_LEN + 1];
	struct db_stmt *st;
	enum db_rc rc = DB_ERROR;
	int64_t count = 0;
	int cap;

	*out = NULL;
	*n = 0;
	if (db_query_int(db, "SELECT COUNT(*) FROM sectors", 0, NULL, &count) != DB_OK)
		return -1;
	cap = (int)count;
	*out = arena_alloc(a, (size_t)(cap + 1) * sizeof(**out));
	active_since(now, since);
	st = db_prepare(
	        db, consented_only
	                    ? "SELECT s.id, (SELECT COUNT(*) FROM users u JOIN profile_sectors "
	                      "ps ON ps.user_id = u.id WHERE ps.sector_id = s.id AND " ACTIVE
	                      " AND " CONSENTED "), (SELECT COUNT(*) FROM needs n WHERE "
	                      "n.sector_id = s.id AND n.state = 'published') FROM sectors s "
	                      "ORDER BY s.position, s.id"
	                    : "SELECT s.id, (SELECT COUNT(*) FROM users u JOIN profile_sectors "
	                      "ps ON ps.user_id = u.id WHERE ps.sector_id = s.id AND " ACTIVE
	                      "), (SELECT COUNT(*) FROM needs n WHERE n.sector_id = s.id AND "
	                      "n.state = 'published') FROM sectors s ORDER BY s.position, s.id");
	if (st && db_bind_text(st, 1, since) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && *n < cap) {
			struct ind_sector *s = &(*out)[(*n)++];
			s->id = arena_strdup(a, db_col_text(st, 0));
			s->experts = db_col_int(st, 1);
			s->needs = db_col_int(st, 2);
			s->alert = s->needs > 0 && s->needs >= (int64_t)ratio * s->experts;
		}
	db_finalize(st);
	return rc == DB_OK || rc == DB_ROW ? 0 : -1;
}

int64_t ind_target_at(int year)
{
	if (year < IND_START_YEAR)
		return 0;
	if (year >= IND_TARGET_YEAR)
		return IND_TARGET_EXPERTS;
	return (int64_t)IND_TARGET_EXPERTS * (year - IND_START_YEAR + 1) / IND_YEARS;
}

/* Unix seconds at the start of January 1st of year y (UTC). */
static int64_t year_start(int y)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mday = 1};

	return (int64_t)timegm(&tm);
}

/* The year of an ISO time ("2027-…"), or 0. */
static int year_of(const char *iso)
{
	int y = 0;

	for (int i = 0; i < 4; i++) {
		if (!iso || iso[i] < '0' || iso[i] > '9')
			return 0;
		y = y * 10 + (iso[i] - '0');
	}
	return y;
}

/* Counts first deliveries per year into p->mobilised (not yet cumulative)
 * and those since `since` into p->pace; *total all of them. */
static int first_deliveries(struct db *db, const char *since, struct ind_progress *p,
                            int64_t *total)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT MIN(COALESCE(delivered_at, updated_at)) FROM engagements "
	                       "WHERE " ENG_MOBILISED " GROUP BY expert_id");
	enum db_rc rc = DB_ERROR;

	while (st && (rc = db_step(st)) == DB_ROW) {
		const char *first = db_col_text(st, 0);
		int y = year_of(first);
		if (!y)
			continue;
		(*total)++;
		p->mobilised[y < IND_START_YEAR    ? 0
		             : y > IND_TARGET_YEAR ? IND_YEARS - 1
		                                   : y - IND_START_YEAR]++;
		if (strcmp(first, since) >= 0)
			p->pace++;
	}
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

int ind_progress(struct db *db, struct arena *a, int64_t now, struct ind_progress *p)
{
	char since[ISO_TIME_LEN + 1], today[ISO_TIME_LEN + 1];
	int64_t total = 0, run = 0;

	(void)a;
	*p = (struct ind_progress){0};
	iso_time(now - 365 * 86400LL, since);
	iso_time(now, today);
	p->year_now = year_of(today);
	if (first_deliveries(db, since, p, &total) < 0)
		return -1;
	for (int i = 0; i < IND_YEARS; i++) {
		int y = IND_START_YEAR + i;
		run += p->mobilised[i];
		p->mobilised[i] = run;
		p->target[i] = ind_target_at(y);
		p->projection[i] = y < p->year_now ? -1
		                                   : total + p->pace * (year_start(y + 1) - now) /
		                                                     (365 * 86400LL);
	}
	return 0;
}

/* ---- Breakdowns ------------------------------------------------------------------------ */

const char *const ind_age_bands[IND_AGE_BANDS] = {"under_30", "30_39",   "40_49",
                                                  "50_59",    "60_plus", "unknown"};
const char *const ind_dimension_ids[IND_DIMENSIONS] = {"sector",  "country",     "gender", "age",
                                                       "network", "institution", "region"};

#define BREAKDOWN_MAX 512 /* rows of one dimension */

/* The counts per key of each dimension: $1 the oldest active confirmation. */
#define BREAKDOWN_COUNTS                                                                           \
	"COUNT(DISTINCT u.id), COUNT(DISTINCT CASE WHEN p.confirmed_at >= $1 THEN u.id END), "     \
	"COUNT(DISTINCT CASE WHEN u.id IN (" ENG_MOBILISED_EXPERTS_SQL ") THEN u.id END) "
#define BREAKDOWN_FROM "FROM users u JOIN profiles p ON p.user_id = u.id "
#define BREAKDOWN_WHERE "WHERE " REGISTERED " AND " CONSENTED " "
/* The mission dimensions' counts: $2 and $3 the period's bounds, over
 * the engagement's creation (engaged) or delivery (mobilised). */
#define CREATED_IN "e.created_at >= $2 AND e.created_at <= $3"
#define DELIVERED_IN                                                                               \
	"COALESCE(e.delivered_at, e.updated_at) >= $2 AND COALESCE(e.delivered_at, e.updated_at) " \
	"<= $3"
#define MISSION_COUNTS                                                                             \
	"COUNT(DISTINCT CASE WHEN " CREATED_IN                                                     \
	" THEN u.id END), COUNT(DISTINCT CASE WHEN " CREATED_IN                                    \
	" AND p.confirmed_at >= $1 THEN u.id END), COUNT(DISTINCT CASE WHEN e." ENG_MOBILISED      \
	" AND " DELIVERED_IN " THEN u.id END) "
#define MISSION_FROM                                                                               \
	BREAKDOWN_FROM "JOIN engagements e ON e.expert_id = u.id JOIN needs n ON n.id = "          \
	               "e.need_id "

static const char *const breakdown_sql[IND_DIMENSIONS] = {
        [IND_BY_SECTOR] = "SELECT d.sector_id, " BREAKDOWN_COUNTS BREAKDOWN_FROM
                          "JOIN profile_sectors d ON d.user_id = u.id " BREAKDOWN_WHERE
                          "GROUP BY d.sector_id ORDER BY d.sector_id",
        [IND_BY_COUNTRY] =
                "SELECT COALESCE(p.country, ''), " BREAKDOWN_COUNTS BREAKDOWN_FROM BREAKDOWN_WHERE
                "GROUP BY COALESCE(p.country, '') ORDER BY 1",
        [IND_BY_GENDER] = "SELECT p.gender, " BREAKDOWN_COUNTS BREAKDOWN_FROM BREAKDOWN_WHERE
                          "GROUP BY p.gender ORDER BY p.gender",
        [IND_BY_AGE] = "SELECT CAST(p.birth_year AS TEXT), " BREAKDOWN_COUNTS BREAKDOWN_FROM
                BREAKDOWN_WHERE "GROUP BY p.birth_year ORDER BY p.birth_year",
        [IND_BY_NETWORK] =
                "SELECT d.network, " BREAKDOWN_COUNTS BREAKDOWN_FROM
                "JOIN network_members d ON d.user_id = u.id AND d.state = 'member' " BREAKDOWN_WHERE
                "GROUP BY d.network ORDER BY d.network",
        [IND_BY_INSTITUTION] = "SELECT CAST(n.institution_id AS TEXT), " MISSION_COUNTS MISSION_FROM
                BREAKDOWN_WHERE "GROUP BY n.institution_id ORDER BY n.institution_id",
        [IND_BY_REGION] =
                "SELECT COALESCE(n.region, ''), " MISSION_COUNTS MISSION_FROM BREAKDOWN_WHERE
                "GROUP BY COALESCE(n.region, '') ORDER BY 1",
};

int ind_dimension_mission(enum ind_dimension d)
{
	return d == IND_BY_INSTITUTION || d == IND_BY_REGION;
}

/* The band of a birth year (text, NULL unknown) at year now_year. */
static int age_band(const char *birth, int now_year)
{
	int y = year_of(birth), age;

	if (!y)
		return IND_AGE_BANDS - 1;
	age = now_year - y;
	return age < 30 ? 0 : age < 60 ? 1 + (age - 30) / 10 : 4;
}

/* Adds a row of st to *out for key. */
static void add_row(struct ind_row *r, struct db_stmt *st)
{
	r->registered += db_col_int(st, 1);
	r->active += db_col_int(st, 2);
	r->mobilised += db_col_int(st, 3);
}

/* Prepares dimension d's query with its parameters bound; NULL on error. */
static struct db_stmt *breakdown_stmt(struct db *db, int64_t now, enum ind_dimension d,
                                      const struct ind_period *p)
{
	char since[ISO_TIME_LEN + 1], lo[BOUND_LEN], hi[BOUND_LEN];
	struct db_stmt *st = db_prepare(db, breakdown_sql[d]);

	active_since(now, since);
	period_bounds(p, lo, hi);
	if (!st || db_bind_text(st, 1, since) != DB_OK ||
	    (ind_dimension_mission(d) &&
	     (db_bind_text(st, 2, lo) != DB_OK || db_bind_text(st, 3, hi) != DB_OK))) {
		db_finalize(st);
		return NULL;
	}
	return st;
}

int ind_breakdown(struct db *db, struct arena *a, int64_t now, enum ind_dimension d,
                  const struct ind_period *p, struct ind_row **out, int *n)
{
	char today[ISO_TIME_LEN + 1];
	struct db_stmt *st;
	enum db_rc rc = DB_ERROR;

	*n = 0;
	*out = arena_alloc(a, BREAKDOWN_MAX * sizeof(**out));
	memset(*out, 0, BREAKDOWN_MAX * sizeof(**out));
	iso_time(now, today);
	if (d == IND_BY_AGE) {
		for (int i = 0; i < IND_AGE_BANDS; i++)
			(*out)[i].key = ind_age_bands[i];
		*n = IND_AGE_BANDS;
	}
	st = breakdown_stmt(db, now, d, p);
	while (st && (rc = db_step(st)) == DB_ROW) {
		if (d == IND_BY_AGE) {
			add_row(&(*out)[age_band(db_col_text(st, 0), year_of(today))], st);
			continue;
		}
		if (*n >= BREAKDOWN_MAX)
			continue;
		(*out)[*n].key = arena_strdup(a, db_col_text(st, 0) ? db_col_text(st, 0) : "");
		add_row(&(*out)[(*n)++], st);
	}
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}
