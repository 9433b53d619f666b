/* search: the application's side of the matching engine (match/match.h).
 *
 * One index per process, built from storage at start (search_open) and kept
 * current from the change log (index_changes, migration 0007): every write
 * that changes what search or matching sees calls search_touch in its own
 * transaction; search_sync applies the rows after the last one applied,
 * reloading those experts or needs from storage. A poller thread runs
 * search_sync every SEARCH_POLL_MS, so a change made on another node is
 * searchable here within that; a handler that just committed calls
 * search_sync itself, so its own change is searchable at once.
 *
 * Ids come from several nodes' clocks, so a row may commit after a row
 * with a larger seq was applied: each sync re-reads the last
 * SEARCH_OVERLAP_MS of the log too, and skips the rows it already applied.
 *
 * What the engine may show is decided by visibility.h's rules, carried
 * into the engine as flags (consents, pause) and audiences
 * (search_audience); dormancy is computed at query time from the
 * confirmation date.
 *
 * Threads: queries take the read lock, syncs the write lock.
 */
#ifndef KAFAAT_APP_SEARCH_H
#define KAFAAT_APP_SEARCH_H

#include <jansson.h>
#include <stdint.h>

#include "match/match.h"
#include "web/i18n.h"

struct app;
struct db;
struct identity;
struct taxonomy;
struct search;

#define SEARCH_POLL_MS 100
#define SEARCH_OVERLAP_MS 10000

/* Builds the index (experts and published needs): from the snapshot file
 * `snapshot` and the change log since, when the snapshot is usable (this
 * build, the same reference data, younger than 20 hours, not ahead of the
 * log), else from storage — and then writes the snapshot. snapshot NULL or
 * "": no snapshot. NULL on a database error (err says why). */
struct search *search_open(struct db *db, const struct taxonomy *tx, int64_t now,
                           const char *snapshot, char *err, size_t errlen);
/* Writes the index to path (through path.tmp, fsync, rename), stamped
 * with the change-log position it reflects. Queries go on meanwhile;
 * changes wait. 0, or -1 (logged). */
int search_snapshot_save(struct search *s, const char *path, int64_t now);
void search_close(struct search *s);

/* Starts and stops the poller thread (search_sync every SEARCH_POLL_MS;
 * with config search.snapshot, a save every search.snapshot_minutes while
 * the index changes, and one at stop). */
int search_poller_start(struct search *s, struct app *app);
void search_poller_stop(struct search *s);

/* Records that expert (kind "expert", id = user id) or need ("need") id
 * changed at now (Unix seconds). Runs on db, inside the caller's
 * transaction. 0 or -1. */
int search_touch(struct db *db, const char *kind, int64_t id, int64_t now);

/* After a handler's committed change: applies the log now, so the change
 * is searchable on this node before the reply goes (no-op without an
 * index). Errors are logged; the poller retries. */
void search_changed(struct app *app);

/* Applies the change log to the index. Returns the number of rows applied,
 * or -1 on a database error (the index stays as it was). */
int search_sync(struct search *s, struct db *db, int64_t now);

/* Number of experts and needs in the index. */
size_t search_experts(struct search *s);
size_t search_needs(struct search *s);

/* A free-text query split into clauses: words folded (text/fold.h); a run
 * of words naming a skill of the taxonomy, in any language, becomes one
 * clause whose alternatives are the skill and its names, so "الأمن
 * السيبراني" finds an expert who wrote "cybersécurité". The clauses and
 * their strings live in the arena. Returns the number of clauses. */
struct arena;
size_t search_clauses(const struct taxonomy *tx, struct arena *a, const char *text,
                      const struct match_clause **out);

/* Runs a query. Fills hits (room for q->limit) and, when facets is not
 * NULL, *facets (free with match_facets_free). Returns the hit count, or -1
 * when the query is invalid. */
int search_run(struct search *s, const struct match_query *q, struct match_hit *hits,
               struct match_facets **facets, size_t max_facet_values);

/* Loads need id from storage into a match_need whose strings live in the
 * arena. 1, 0 when there is no such need, -1 on a database error. */
int search_need_load(struct db *db, const struct taxonomy *tx, struct arena *a, int64_t id,
                     struct match_need *out);
/* Parses a need file (the JSON of the need form: ref, title, description,
 * sector, skills [{name, required, min_level}], languages [{code, level}],
 * mode, presence, region, city, from, to, hours_per_month; names in any of
 * the three languages) into out. 0, or -1 with the reason in err. */
int search_need_parse(const struct taxonomy *tx, struct arena *a, json_t *j, struct match_need *out,
                      char *err, size_t errlen);

/* Experts for a need, explained: [{id, ref, score, factors: [{factor,
 * value, weight, contribution, missing}], skills: [{skill, required,
 * min_level, cover, level, related}], tz_overlap_hours}]. NULL on an
 * invalid need. */
json_t *search_match(struct search *s, const struct match_need *n, int64_t now, size_t offset,
                     size_t limit);
/* Published needs recommended to expert id, explained the same way. NULL
 * when the expert is not in the index (dormant profiles are, but get no
 * recommendations). */
json_t *search_recommend(struct search *s, int64_t expert_id, int64_t now, size_t limit);

/* "a,b,c" as a list in the arena (empty items dropped; NULL or "": none):
 * the form of the search filters in URLs and on the command line. */
struct match_strs search_split(struct arena *a, const char *list);

/* One language filter, "code" or "code:LEVEL" (at least that CEFR level):
 * the code in *code (arena), the level 1..6 returned (1 without a level),
 * 0 when the level is not A1..C2. */
int search_lang_item(struct arena *a, const char *item, const char **code);

/* The folded form of s in the arena ("" when s is not valid UTF-8). */
const char *search_fold(struct arena *a, const char *s);

/* Days since 1970-01-01 of "YYYY-MM-DD…" (a date or an ISO time); 0 when
 * s is NULL or unreadable. */
int32_t search_day(const char *s);

#endif
