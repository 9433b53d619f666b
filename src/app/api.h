/* api: what every /api/v1 handler shares (the conventions of docs/API.md).
 *
 * - Cursors: a list's position is an opaque, signed cursor (HMAC-SHA256
 *   with a server key kept in the database, so every node accepts every
 *   node's cursors). It binds the list (the route) and its filters: a cursor
 *   from another list, another filter, or altered, is refused (400,
 *   "bad_cursor").
 * - Rate limits: per token (or per client address without one), per node,
 *   in memory, a fixed window of one minute (config api.rate_limit).
 * - Idempotency keys: a creating POST with Idempotency-Key stores its answer
 *   (table api_idempotency) in the same transaction as the creation; the
 *   same key and body gives that answer again, another body 409.
 * - Statistics: the programme's headline counts, one function each, small
 *   cells suppressed.
 */
#ifndef KAFAAT_APP_API_H
#define KAFAAT_APP_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "web/openapi.h"

/* The token scopes ({NULL, NULL}-terminated, api_docs.c): the account page
 * offers them, auth.c checks them. */
extern const struct openapi_scope api_scopes[];
/* Fills *info for this server (api_docs.c): the tags, scopes and shared
 * schemas of the description. Returns info. */
const struct openapi_info *api_openapi_info(const struct app *app, struct openapi_info *info);

/* Page sizes of the lists: "limit" between 1 and API_LIMIT_MAX. */
#define API_LIMIT_DEFAULT 20
#define API_LIMIT_MAX 100

/* ---- Cursors ----------------------------------------------------------------- */

/* The offset the request's "cursor" points at into *offset (0 without a
 * cursor). -1 when the cursor is malformed, altered, or from another list
 * or filter; -2 when storage failed. */
int api_cursor_read(struct app *app, struct request *req, int64_t *offset);
/* The cursor of position offset in the request's list (its route and
 * filters), arena memory; NULL when storage failed. */
const char *api_cursor_make(struct app *app, struct request *req, int64_t offset);
/* The URL of the next page: the request's path and filters, limit, and the
 * cursor (arena memory). */
const char *api_next_url(struct request *req, const char *cursor);
/* The request's "limit" (validated by the router), else API_LIMIT_DEFAULT. */
int64_t api_limit(struct request *req);

/* ---- Rate limits ----------------------------------------------------------- */

/* The counts of one node (struct app's `rates`, made by app_open). */
struct api_rates;
struct api_rates *api_rates_new(void);
void api_rates_free(struct api_rates *r);

/* Counts one request of `key` at time now against `limit` per minute.
 * Fills *remaining and *reset (seconds to the window's end). 1 when
 * allowed, 0 when over the limit. Thread-safe. */
int api_rate_take(struct api_rates *r, const char *key, int64_t now, int64_t limit,
                  int64_t *remaining, int64_t *reset);

/* ---- Idempotency ------------------------------------------------------------- */

/* A stored answer for (token, key): status and body (arena). */
struct api_replay {
	int status;
	const char *body;
	const char *request_hash; /* SHA-256 of the request body, hex */
};

/* Looks up (token_id, key): 1 found (*r filled), 0 none, -1 storage. */
int api_idempotency_get(struct db *db, struct arena *a, int64_t token_id, const char *key,
                        struct api_replay *r);
/* Records the answer for (token_id, key) of user_id's token, in the
 * caller's transaction; answers older than 24 hours go. 0 or -1. */
int api_idempotency_put(struct db *db, struct app *app, struct arena *a, int64_t user_id,
                        int64_t token_id, const char *key, const char *request_hash, int status,
                        const char *body);
/* Is key a valid Idempotency-Key (1 to 64 of [A-Za-z0-9._:-])? */
int api_idempotency_key_valid(const char *key);

/* ---- Writing needs (api_needs.c) -------------------------------------------------- */

struct kvlist;
/* Reads the JSON body of POST /api/v1/needs (len bytes, not necessarily
 * NUL-terminated) into the need editor's form fields (arena strings added
 * to *form), which need_read (needs.h) then validates. 0; or -1 with *code
 * saying what is wrong and *field where (a JSON path in the arena), or
 * *field NULL when the body is not a JSON object at all (code
 * "malformed_json"). Duplicate keys are refused. */
int api_need_body(struct arena *a, const char *body, size_t len, struct kvlist *form,
                  const char **code, const char **field);

/* ---- Statistics ------------------------------------------------------------------ */

/* Counts below this are shown as null ("fewer than 10"). */
#define API_SMALL_CELL 10

#endif
