/* api_common: cursors, rate limits and idempotency keys (api.h). */
#include "app/api.h"
#include "core/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/clock.h"
#include "app/sql.h"
#include "core/log.h"
#include "core/parse.h"
#include "sec/token.h"

/* ---- Cursors ----------------------------------------------------------------- */

#define CURSOR_MAC_BYTES 16

/* The key of the cursors, made once by the first node that needs it. */
static int cursor_key(struct app *app, struct arena *a, unsigned char key[32])
{
	const char *row[1];
	char hex[65], now[ISO_TIME_LEN + 1];
	unsigned char fresh[32];
	size_t len;
	int rc;
	struct db *db = db_pool_get(app->pool);

	rc = sql_row(db, a, "SELECT value FROM api_secrets WHERE name = 'cursor'", 0, NULL, row, 1);
	if (rc == 0) {
		randombytes_buf(fresh, sizeof(fresh));
		sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
		iso_time(clock_now(app->cfg), now);
		if (sql_exec(db,
		             "INSERT INTO api_secrets (name, value, created_at) VALUES ('cursor', "
		             "$1, "
		             "$2) ON CONFLICT (name) DO NOTHING",
		             2, (const char *[]){hex, now}) >= 0)
			rc = sql_row(db, a, "SELECT value FROM api_secrets WHERE name = 'cursor'",
			             0, NULL, row, 1);
	}
	db_pool_put(app->pool, db);
	if (rc != 1 || sodium_hex2bin(key, 32, row[0], strlen(row[0]), NULL, &len, NULL) != 0 ||
	    len != 32)
		return -1;
	return 0;
}

/* What a cursor binds: the route's pattern and the request's filters (its
 * query fields in table order, but for cursor and limit), and the offset. */
static void cursor_subject(struct request *req, int64_t offset, struct buf *b)
{
	const struct route *r = req->route;

	buf_addf(b, "%s\n%lld", r->pattern, (long long)offset);
	for (const struct field *f = r->query; f && f->type != FIELD_END; f++) {
		const char *v = kvlist_get(&req->query, f->name);
		if (v && strcmp(f->name, "cursor") != 0 && strcmp(f->name, "limit") != 0 &&
		    strcmp(f->name, "page") != 0)
			buf_addf(b, "\n%s=%s", f->name, v);
	}
}

static int cursor_mac(struct app *app, struct request *req, int64_t offset,
                      unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	unsigned char key[32];
	struct buf subject = BUF_INIT;

	if (cursor_key(app, &req->arena, key) < 0)
		return -1;
	cursor_subject(req, offset, &subject);
	crypto_auth_hmacsha256(mac, (const unsigned char *)buf_str(&subject), subject.len, key);
	buf_release(&subject);
	sodium_memzero(key, sizeof(key));
	return 0;
}

const char *api_cursor_make(struct app *app, struct request *req, int64_t offset)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	unsigned char raw[8 + CURSOR_MAC_BYTES];
	char *out;
	size_t outlen =
	        sodium_base64_ENCODED_LEN(sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	if (cursor_mac(app, req, offset, mac) < 0)
		return NULL;
	for (int i = 0; i < 8; i++)
		raw[i] = (unsigned char)((uint64_t)offset >> (56 - 8 * i));
	memcpy(raw + 8, mac, CURSOR_MAC_BYTES);
	out = arena_alloc(&req->arena, outlen);
	sodium_bin2base64(out, outlen, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

int api_cursor_read(struct app *app, struct request *req, int64_t *offset)
{
	const char *s = kvlist_get(&req->query, "cursor");
	unsigned char raw[8 + CURSOR_MAC_BYTES], mac[crypto_auth_hmacsha256_BYTES];
	size_t len;
	uint64_t v = 0;

	*offset = 0;
	if (!s)
		return 0;
	if (sodium_base642bin(raw, sizeof(raw), s, strlen(s), NULL, &len, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(raw))
		return -1;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | raw[i];
	if (v > (uint64_t)INT64_MAX / 2)
		return -1;
	if (cursor_mac(app, req, (int64_t)v, mac) < 0)
		return -2;
	if (sodium_memcmp(mac, raw + 8, CURSOR_MAC_BYTES) != 0)
		return -1;
	*offset = (int64_t)v;
	return 0;
}

static void add_param(struct buf *b, const char *name, const char *value)
{
	buf_addf(b, "%c%s=", b->len ? '&' : '?', name);
	url_encode(b, value, strlen(value));
}

const char *api_next_url(struct request *req, const char *cursor)
{
	const struct route *r = req->route;
	struct buf b = BUF_INIT;
	const char *out;

	for (const struct field *f = r->query; f && f->type != FIELD_END; f++) {
		const char *v = kvlist_get(&req->query, f->name);
		if (v && strcmp(f->name, "cursor") != 0 && strcmp(f->name, "page") != 0)
			add_param(&b, f->name, v);
	}
	add_param(&b, "cursor", cursor);
	out = arena_printf(&req->arena, "%s%s", req->path, buf_str(&b));
	buf_release(&b);
	return out;
}

int64_t api_limit(struct request *req)
{
	int64_t n;
	const char *s = kvlist_get(&req->query, "limit");

	if (!s || parse_int64(s, 1, API_LIMIT_MAX, &n) < 0)
		return API_LIMIT_DEFAULT;
	return n;
}

/* ---- Rate limits ----------------------------------------------------------- */

/* A fixed window per key, in a small open-addressed table: a key takes the
 * first of RATE_PROBE slots that is its own or stale, else the one whose
 * window is oldest. Per node, in memory (the only state of this module). */
#define RATE_SLOTS 4096
#define RATE_PROBE 8
#define RATE_WINDOW 60

struct rate_slot {
	char key[80];
	int64_t window; /* start of the window */
	int64_t count;
};

struct api_rates {
	pthread_mutex_t lock;
	struct rate_slot slots[RATE_SLOTS];
};

struct api_rates *api_rates_new(void)
{
	struct api_rates *r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->lock, NULL);
	return r;
}

void api_rates_free(struct api_rates *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static uint32_t rate_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct rate_slot *rate_slot(struct api_rates *rate, const char *key, int64_t window)
{
	uint32_t h = rate_hash(key);
	struct rate_slot *oldest = NULL;

	for (int i = 0; i < RATE_PROBE; i++) {
		struct rate_slot *s = &rate->slots[(h + (uint32_t)i) % RATE_SLOTS];
		if (strcmp(s->key, key) == 0)
			return s;
		if (s->window < window || !s->key[0]) {
			oldest = s;
			break;
		}
		if (!oldest || s->window < oldest->window)
			oldest = s;
	}
	snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	oldest->window = window;
	oldest->count = 0;
	return oldest;
}

int api_rate_take(struct api_rates *rate, const char *key, int64_t now, int64_t limit,
                  int64_t *remaining, int64_t *reset)
{
	int64_t window = now - now % RATE_WINDOW;
	struct rate_slot *s;
	int ok;

	pthread_mutex_lock(&rate->lock);
	s = rate_slot(rate, key, window);
	if (s->window != window) {
		s->window = window;
		s->count = 0;
	}
	ok = s->count < limit;
	if (ok)
		s->count++;
	*remaining = limit - s->count;
	pthread_mutex_unlock(&rate->lock);
	*reset = window + RATE_WINDOW - now;
	return ok;
}

/* ---- Idempotency ------------------------------------------------------------- */

int api_idempotency_key_valid(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-",
		            key[i]))
			return 0;
	return 1;
}

int api_idempotency_get(struct db *db, struct arena *a, int64_t token_id, const char *key,
                        struct api_replay *r)
{
	const char *row[3];
	int64_t status;
	int rc = sql_row(db, a,
	                 "SELECT status, body, request_hash FROM api_idempotency WHERE token_id = "
	                 "$1 AND idem_key = $2",
	                 2, (const char *[]){sql_int(a, token_id), key}, row, 3);

	if (rc != 1)
		return rc == 0 ? 0 : -1;
	if (parse_int64(row[0], 100, 599, &status) < 0)
		return -1;
	r->status = (int)status;
	r->body = row[1];
	r->request_hash = row[2];
	return 1;
}

int api_idempotency_put(struct db *db, struct app *app, struct arena *a, int64_t user_id,
                        int64_t token_id, const char *key, const char *request_hash, int status,
                        const char *body)
{
	char now[ISO_TIME_LEN + 1], old[ISO_TIME_LEN + 1];
	int64_t t = clock_now(app->cfg);

	iso_time(t, now);
	iso_time(t - 24 * 3600, old);
	if (sql_exec(db, "DELETE FROM api_idempotency WHERE created_at < $1", 1,
	             (const char *[]){old}) < 0)
		return -1;
	return sql_exec(db,
	                "INSERT INTO api_idempotency (user_id, token_id, idem_key, request_hash, "
	                "status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	                7,
	                (const char *[]){sql_int(a, user_id), sql_int(a, token_id), key,
	                                 request_hash, sql_int(a, status), body, now}) == 1
	               ? 0
	               : -1;
}
