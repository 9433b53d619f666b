/* search_load: reading experts and needs from storage into the engine's
 * structures (match/match.h), for search.c. Private to the search module.
 *
 * Experts are read in batches of consecutive user ids, one query per table
 * per batch (profiles, consents, languages, sectors, regions, skills,
 * career, periods, engagement figures), merged in C: building the index
 * of a large pool costs a few queries per thousand experts, not per
 * expert. Strings live in the batch's arena. Loading the whole pool runs a
 * reader thread that fills the next batch while the caller's thread puts
 * the current one: put is always called from the caller's thread, while
 * the reader uses the connection — put must not touch `db`.
 */
#ifndef KAFAAT_APP_SEARCH_LOAD_H
#define KAFAAT_APP_SEARCH_LOAD_H

#include <stdint.h>

#include "core/arena.h"
#include "match/match.h"

struct db;
struct taxonomy;

/* Calls put(ud, expert) for every expert whose user id is in [lo, hi]
 * (lo = 1, hi = INT64_MAX: everyone), and gone(ud, id) for each id of
 * `ids` (may be NULL) that has no searchable profile any more. now: for
 * "recent" engagements. Returns the number put, or -1 on a database error. */
typedef void (*search_put_fn)(void *ud, const struct match_expert *e);
typedef void (*search_gone_fn)(void *ud, int64_t id);
long search_load_experts(struct db *db, const struct taxonomy *tx, int64_t lo, int64_t hi,
                         int64_t now, search_put_fn put, void *ud);

/* Calls put(ud, need) for every published need (id 0) or for need id only
 * when it is published; gone(ud, id) when id is given and not published.
 * Returns the number put, or -1. */
typedef void (*search_need_fn)(void *ud, const struct match_need *n);
long search_load_needs(struct db *db, const struct taxonomy *tx, int64_t id, search_need_fn put,
                       search_gone_fn gone, void *ud);

/* Folds text and appends its tokens to *v (growing it in the arena). */
struct token_list {
	const char **v;
	size_t n, cap;
};
void search_tokens(struct arena *a, struct token_list *l, const char *text);

/* The usual UTC offset in minutes of a country of residence (its capital
 * or most populous zone, standard time), or MATCH_TZ_UNKNOWN. */
int search_country_offset(const char *country);

#endif
