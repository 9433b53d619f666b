/* indicators: the programme's figures, one function per indicator.
 *
 * Each indicator has its written definition in docs/INDICATORS.md and is
 * computed here only: the admin dashboard (dashboard.c), the public
 * statistics and open data (statistics.c) and the partner API
 * (api_statistics.c) call these functions and never count by themselves.
 * Definitions that belong to another module are reused, not repeated:
 * "mobilised" is ENG_MOBILISED_EXPERTS_SQL (engagements.h), "dormant" is
 * DORMANT_AFTER_DAYS (visibility.h).
 *
 * Every function returns 0, or -1 on a database error (outputs are then
 * unspecified). Times are Unix seconds.
 */
#ifndef KAFAAT_APP_INDICATORS_H
#define KAFAAT_APP_INDICATORS_H

#include <stdint.h>

#include "app/lifecycle.h"
#include "core/arena.h"

struct db;

/* The programme's target: IND_TARGET_EXPERTS mobilised experts by the end
 * of IND_TARGET_YEAR, on a straight line from zero at the start of
 * IND_START_YEAR (the trajectory of ind_target_at). */
#define IND_START_YEAR 2025
#define IND_TARGET_YEAR 2030
#define IND_TARGET_EXPERTS 10000
#define IND_YEARS (IND_TARGET_YEAR - IND_START_YEAR + 1)

/* Fewer samples than this: a median is "not enough data". */
#define IND_MEDIAN_MIN 3

/* Registered: active accounts with the expert role. */
int ind_registered(struct db *db, int64_t *n);
/* Identified: registered, with a verified e-mail address and a complete
 * profile (PROFILE_COMPLETE_SQL, profile.h: the one definition of
 * "complete", shared with the expert's checklist). */
int ind_identified(struct db *db, int64_t *n);
/* Active: registered, with a profile confirmed within DORMANT_AFTER_DAYS of now. */
int ind_active(struct db *db, int64_t now, int64_t *n);
/* Mobilised: experts with at least one delivered engagement. */
int ind_mobilised(struct db *db, int64_t *n);
/* Needs in state s now. */
int ind_needs_in_state(struct db *db, enum need_state s, int64_t *n);

/* A median duration in seconds over `samples` needs; known when samples
 * >= IND_MEDIAN_MIN. */
struct ind_median {
	int64_t seconds;
	int samples, known;
};
/* From a need's first publication (need_events) to its first application. */
int ind_median_to_application(struct db *db, struct arena *a, struct ind_median *m);
/* From a need's first publication to its first move to 'staffed'. */
int ind_median_to_staffing(struct db *db, struct arena *a, struct ind_median *m);

/* A period of whole days, from and to 'YYYY-MM-DD' (both included, UTC);
 * NULL for either: open on that side. */
struct ind_period {
	const char *from, *to;
};
/* Needs first published within p. */
int ind_published_in(struct db *db, const struct ind_period *p, int64_t *n);
/* Experts whose first delivery falls within p (the year of ind_progress). */
int ind_first_mobilised_in(struct db *db, const struct ind_period *p, int64_t *n);
/* The two medians over needs first published within p. */
int ind_median_to_application_in(struct db *db, struct arena *a, const struct ind_period *p,
                                 struct ind_median *m);
int ind_median_to_staffing_in(struct db *db, struct arena *a, const struct ind_period *p,
                              struct ind_median *m);

/* Supply and demand in one sector: active experts who named it in their
 * profile against published needs of that sector. */
struct ind_sector {
	const char *id; /* sector id (arena) */
	int64_t experts, needs;
	int alert; /* needs > 0 and needs >= ratio × experts */
};
/* Every sector of the reference data, in its order; consented_only: count
 * only experts who consented to statistics (public breakdowns). *out in
 * the arena. */
int ind_sectors(struct db *db, struct arena *a, int64_t now, int consented_only, int ratio,
                struct ind_sector **out, int *n);

/* Breakdowns, counting only registered experts who consented to the
 * audience "statistics" (consent.h).
 *
 * By a personal attribute (sector, country, gender, age band, network):
 * registered, active and mobilised experts. Sector: an expert counts once
 * in each sector named; network: in each network they are a member of; age
 * band: from the birth year, at the year of now.
 *
 * By mission (institution, Moroccan region of the need): the columns are
 * the experts engaged there (any engagement created within the period), of
 * whom active, and those mobilised there (an engagement delivered within
 * the period; its delivered_at, else updated_at). An expert counts once in
 * each institution or region. Needs without a region count under "". */
enum ind_dimension {
	IND_BY_SECTOR,
	IND_BY_COUNTRY,
	IND_BY_GENDER,
	IND_BY_AGE,
	IND_BY_NETWORK,
	IND_BY_INSTITUTION,
	IND_BY_REGION,
	IND_DIMENSIONS
};
/* Is d a mission dimension (the period applies)? */
int ind_dimension_mission(enum ind_dimension d);
/* "sector", "country", "gender", "age", "network", "institution", "region". */
extern const char *const ind_dimension_ids[IND_DIMENSIONS];
struct ind_row {
	const char *key; /* sector id, country code, gender ("" unknown), age band, network
	                  * slug, institution id, region code ("" none); arena */
	int64_t registered, active, mobilised; /* mission dimensions: engaged, active, mobilised */
};
/* The age bands, in order: "under_30", "30_39", "40_49", "50_59",
 * "60_plus", "unknown". */
#define IND_AGE_BANDS 6
extern const char *const ind_age_bands[IND_AGE_BANDS];
/* The rows of dimension d (keys in order; only keys with someone, but
 * every age band). p: the period of the mission dimensions (NULL: open;
 * ignored for the others). *out in the arena. */
int ind_breakdown(struct db *db, struct arena *a, int64_t now, enum ind_dimension d,
                  const struct ind_period *p, struct ind_row **out, int *n);

/* Progress to the target: mobilised[i] is the cumulative number of
 * mobilised experts whose first delivery was in IND_START_YEAR + i or
 * before (experts first delivering before IND_START_YEAR count from the
 * first year); pace the number whose first delivery falls in the 365 days
 * before now; projection[i] the cumulative count at the end of each year
 * at that pace (from the current year on; -1 for past years). */
struct ind_progress {
	int64_t mobilised[IND_YEARS];
	int64_t target[IND_YEARS];
	int64_t projection[IND_YEARS];
	int64_t pace;
	int year_now;
};
int ind_progress(struct db *db, struct arena *a, int64_t now, struct ind_progress *p);
/* The trajectory's cumulative target at the end of year y. */
int64_t ind_target_at(int year);

#endif
