#include "app/auth.h"

#include <stdio.h>
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/clock.h"
#include "app/page.h"
#include "app/sql.h"
#include "core/log.h"
#include "core/parse.h"
#include "sec/token.h"

/* ---- Cookies ------------------------------------------------------------- */

static int https(const struct app *app)
{
	return strncmp(app->cfg->public_url, "https://", 8) == 0;
}

static const char *session_cookie(const struct app *app)
{
	return https(app) ? "__Host-kafaat_session" : "kafaat_session";
}

static const char *csrf_cookie(const struct app *app)
{
	return https(app) ? "__Host-kafaat_csrf" : "kafaat_csrf";
}

static void set_cookie(struct app *app, struct request *req, struct response *resp,
                       const char *name, const char *value, int64_t max_age)
{
	resp_header(req, resp, "Set-Cookie",
	            arena_printf(&req->arena,
	                         "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax%s", name,
	                         value, (long long)max_age, https(app) ? "; Secure" : ""));
}

/* ---- Roles ---------------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned bit;
} role_names[] = {
        {"expert", ROLE_EXPERT},
        {"institution_owner", ROLE_INSTITUTION_OWNER},
        {"institution_member", ROLE_INSTITUTION_MEMBER},
        {"coordinator", ROLE_COORDINATOR},
        {"advisor", ROLE_ADVISOR},
        {"admin", ROLE_ADMIN},
};

static unsigned role_bit(const char *name)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(role_names[i].name, name) == 0)
			return role_names[i].bit;
	return 0;
}

int auth_load_roles(struct db *db, int64_t user_id, unsigned *roles, int64_t *institution_id)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT role, scope FROM user_roles WHERE user_id = $1");
	enum db_rc rc;

	*roles = 0;
	*institution_id = 0;
	if (!st || db_bind_int(st, 1, user_id) != DB_OK) {
		db_finalize(st);
		return -1;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		unsigned bit = role_bit(db_col_text(st, 0));
		int64_t inst;
		*roles |= bit;
		if ((bit & (ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER)) &&
		    parse_int64(db_col_text(st, 1), 1, INT64_MAX, &inst) == 0)
			*institution_id = inst;
	}
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

/* ---- Loading the identity --------------------------------------------------- */

struct identity *auth_identity(struct request *req)
{
	return req->user;
}

static int64_t idle_limit(const struct app *app, unsigned roles)
{
	int staff = roles & (ROLES_STAFF | ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER);
	return 60 *
	       (int64_t)(staff ? app->cfg->auth_staff_idle_minutes : app->cfg->auth_idle_minutes);
}

/* Columns of a session row, in query order. */
enum { S_USER, S_CSRF, S_2FA, S_SEEN, S_EXPIRES, S_EMAIL, S_LANG, S_TOTP, S_STATUS, S_NCOLS };

static const char session_sql[] =
        "SELECT s.user_id, s.csrf_token, s.second_factor_done, s.last_seen_at, s.expires_at, "
        "u.email, u.lang, u.totp_enabled_at, u.status FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1";

/* Still valid at now? Ends the session when it has expired. */
static int session_alive(struct app *app, struct db *db, const char **row, const char *hash,
                         unsigned roles, int64_t now)
{
	int64_t seen, expires;

	if (iso_parse(row[S_SEEN], &seen) < 0 || iso_parse(row[S_EXPIRES], &expires) < 0)
		return 0;
	if (now < expires && now - seen < idle_limit(app, roles) &&
	    strcmp(row[S_STATUS], "active") == 0)
		return 1;
	sql_exec(db, "DELETE FROM sessions WHERE token_hash = $1", 1, (const char *[]){hash});
	return 0;
}

static void touch(struct db *db, const char *hash, const char *seen, int64_t now)
{
	int64_t t;
	char iso[ISO_TIME_LEN + 1];

	if (iso_parse(seen, &t) == 0 && now - t < 60)
		return; /* at most one write a minute per session */
	iso_time(now, iso);
	sql_exec(db, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2", 2,
	         (const char *[]){iso, hash});
}

/* The identity of a session token, or NULL: no such session, or it ended.
 * *failed is set when the storage could not be read (the person may well be
 * signed in: the caller answers 503, not 403). */
static struct identity *from_session(struct app *app, struct db *db, struct request *req,
                                     const char *token, int *failed)
{
	int rc;
	char hash[TOKEN_HASH_LEN + 1];
	const char *row[S_NCOLS];
	struct identity *id;
	int64_t now = clock_now(app->cfg);

	if (!token_well_formed(token))
		return NULL;
	token_hash(token, hash);
	rc = sql_row(db, &req->arena, session_sql, 1, (const char *[]){hash}, row, S_NCOLS);
	if (rc != 1) {
		*failed = rc < 0;
		return NULL;
	}
	id = arena_zalloc(&req->arena, sizeof(*id));
	if (parse_int64(row[S_USER], 1, INT64_MAX, &id->user_id) < 0)
		return NULL;
	if (auth_load_roles(db, id->user_id, &id->roles, &id->institution_id) < 0) {
		*failed = 1;
		return NULL;
	}
	if (!session_alive(app, db, row, hash, id->roles, now))
		return NULL;
	touch(db, hash, row[S_SEEN], now);
	id->email = row[S_EMAIL];
	if (lang_parse(row[S_LANG], &id->lang) < 0)
		id->lang = LANG_FR;
	id->session_hash = arena_strdup(&req->arena, hash);
	id->csrf = row[S_CSRF];
	id->totp_enabled = row[S_TOTP] != NULL;
	id->second_step_pending = id->totp_enabled && strcmp(row[S_2FA], "1") != 0;
	id->must_enrol_totp = (id->roles & ROLES_STAFF) && !id->totp_enabled;
	return id;
}

/* The identity of an API token, or NULL; *failed as for from_session. */
static struct identity *from_bearer(struct app *app, struct db *db, struct request *req,
                                    const char *token, int *failed)
{
	char hash[TOKEN_HASH_LEN + 1], now[ISO_TIME_LEN + 1];
	const char *row[5];
	struct identity *id;
	int rc;

	if (!token_well_formed(token))
		return NULL;
	token_hash(token, hash);
	iso_time(clock_now(app->cfg), now);
	rc = sql_row(db, &req->arena,
	             "SELECT t.user_id, t.scopes, u.email, u.lang, t.id FROM api_tokens t "
	             "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND "
	             "t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND "
	             "u.status = 'active'",
	             2, (const char *[]){hash, now}, row, 5);
	if (rc != 1) {
		*failed = rc < 0;
		return NULL;
	}
	id = arena_zalloc(&req->arena, sizeof(*id));
	if (parse_int64(row[0], 1, INT64_MAX, &id->user_id) < 0 ||
	    parse_int64(row[4], 1, INT64_MAX, &id->token_id) < 0)
		return NULL;
	if (auth_load_roles(db, id->user_id, &id->roles, &id->institution_id) < 0) {
		*failed = 1;
		return NULL;
	}
	id->api_scopes = row[1];
	id->email = row[2];
	if (lang_parse(row[3], &id->lang) < 0)
		id->lang = LANG_EN;
	sql_exec(db, "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2", 2,
	         (const char *[]){now, hash});
	return id;
}

/* The identity of the request: an API token (Authorization: Bearer) on API
 * routes only, else the session cookie. *failed as for from_session. */
static struct identity *load_identity(struct app *app, struct request *req, const struct route *r,
                                      int *failed)
{
	const char *authz = (r->flags & ROUTE_API) ? req_header(req, "Authorization") : NULL;
	const char *cookie = req_cookie(req, session_cookie(app));
	struct identity *id = NULL;
	struct db *db;

	if (!cookie && !(authz && strncmp(authz, "Bearer ", 7) == 0))
		return NULL;
	db = db_pool_get(app->pool);
	if (authz && strncmp(authz, "Bearer ", 7) == 0)
		id = from_bearer(app, db, req, authz + 7, failed);
	else
		id = from_session(app, db, req, cookie, failed);
	db_pool_put(app->pool, db);
	return id;
}

/* ---- Policies --------------------------------------------------------------- */

static const unsigned policy_roles[POLICY_COUNT] = {
        [POLICY_EXPERT] = ROLE_EXPERT,
        [POLICY_INSTITUTION] = ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER,
        [POLICY_INSTITUTION_OWNER] = ROLE_INSTITUTION_OWNER,
        [POLICY_COORDINATOR] =
                ROLE_COORDINATOR | ROLE_ADMIN, /* the programme team manages every network */
        [POLICY_ADVISOR] = ROLE_ADVISOR,
        [POLICY_ADMIN] = ROLE_ADMIN,
};

/* Who may hold a token of each scope: any of these roles (0: anyone). The
 * scopes and what they allow: api_scopes (api_docs.c, the description). */
static const struct {
	const char *scope;
	unsigned roles;
} scope_roles[] = {
        {"read_profile", 0},
        {"read_needs", 0},
        {"write_needs", ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER},
        {"read_statistics", 0},
        {"import_rosters", ROLE_COORDINATOR | ROLE_ADMIN},
};

int auth_scope_allowed(const struct identity *id, const char *scope)
{
	for (size_t i = 0; i < sizeof(scope_roles) / sizeof(scope_roles[0]); i++)
		if (strcmp(scope_roles[i].scope, scope) == 0)
			return id && (!scope_roles[i].roles || (id->roles & scope_roles[i].roles));
	return 0;
}

int auth_has_scope(const struct identity *id, const char *scope)
{
	size_t n = strlen(scope);

	if (!id || !id->api_scopes)
		return 0;
	for (const char *s = id->api_scopes; *s; s += strcspn(s, " ,")) {
		s += strspn(s, " ,");
		if (strncmp(s, scope, n) == 0 && (s[n] == '\0' || s[n] == ' ' || s[n] == ','))
			return 1;
	}
	return 0;
}

int auth_allows(const struct identity *id, enum policy p)
{
	if (p == POLICY_PUBLIC)
		return 1;
	if (!id || (unsigned)p >= POLICY_COUNT || p == POLICY_UNSET)
		return 0;
	if (p == POLICY_SECOND_STEP)
		return id->second_step_pending;
	if (id->second_step_pending)
		return 0;
	return p == POLICY_SIGNED_IN || (id->roles & policy_roles[p]) != 0;
}

/* ---- CSRF --------------------------------------------------------------------- */

const char *auth_csrf(struct app *app, struct request *req, struct response *resp)
{
	struct identity *id = auth_identity(req);
	const char *have = req_cookie(req, csrf_cookie(app));
	char *token;

	if (id && id->csrf)
		return id->csrf;
	if (have && token_well_formed(have))
		return have;
	token = arena_alloc(&req->arena, TOKEN_LEN + 1);
	token_new(token);
	if (resp)
		set_cookie(app, req, resp, csrf_cookie(app), token, 12 * 3600);
	return token;
}

/* The Origin header, when sent, must be this site. */
static int same_origin(struct app *app, struct request *req)
{
	const char *origin = req_header(req, "Origin");
	const char *host = req_header(req, "Host");

	if (!origin)
		return 1;
	if (strcmp(origin, app->cfg->public_url) == 0)
		return 1;
	return host && strncmp(origin, "http://", 7) == 0 && strcmp(origin + 7, host) == 0;
}

static int csrf_ok(struct app *app, struct request *req)
{
	struct identity *id = auth_identity(req);
	const char *sent = req_form(req, "csrf");
	const char *want = id && id->csrf ? id->csrf : req_cookie(req, csrf_cookie(app));

	return sent && want && same_origin(app, req) && token_equal(sent, want);
}

/* ---- The hook --------------------------------------------------------------- */

static int deny(struct app *app, struct request *req, struct response *resp, int status,
                const char *code)
{
	struct route_error e = {status, code, NULL, 0};
	app_on_error(app, req, resp, &e);
	return -1;
}

/* ---- API routes: rate limits and scopes ------------------------------------------ */

/* Counts the request against the limit of its token, or of its client
 * address; sets the RateLimit headers. -1 with 429 when over. */
static int rate_limit(struct app *app, struct request *req, struct response *resp,
                      const struct identity *id)
{
	int64_t limit = app->cfg->api_rate_limit, remaining, reset;
	const char *key;

	if (limit <= 0 || !app->rates)
		return 0;
	key = id && id->token_id ? arena_printf(&req->arena, "t:%lld", (long long)id->token_id)
	                         : arena_printf(&req->arena, "a:%s", req_ip(req));
	int ok = api_rate_take(app->rates, key, clock_now(app->cfg), limit, &remaining, &reset);
	resp_header(req, resp, "RateLimit-Limit", sql_int(&req->arena, limit));
	resp_header(req, resp, "RateLimit-Remaining", sql_int(&req->arena, remaining));
	resp_header(req, resp, "RateLimit-Reset", sql_int(&req->arena, reset));
	if (ok)
		return 0;
	resp_header(req, resp, "Retry-After", sql_int(&req->arena, reset > 0 ? reset : 1));
	json_error(app, req, resp, 429, "rate_limited", NULL);
	return -1;
}

/* A route whose description names a scope takes an API token that carries
 * it, or a signed-in session (the browser), of a person who may hold it;
 * a session's state-changing request must come from this site (Origin).
 * No identity → 401; a token of another scope, or a person who may not
 * (or no longer) hold it → 403 naming the scope due. */
static int scope_ok(struct app *app, struct request *req, struct response *resp,
                    const struct route *r, const struct identity *id)
{
	const char *scope = r->api ? r->api->scope : NULL;
	int session = id && !id->token_id;

	if (!scope)
		return 0;
	if (!id) {
		json_error(app, req, resp, 401, "unauthenticated", NULL);
		return -1;
	}
	if (auth_scope_allowed(id, scope) && (session || auth_has_scope(id, scope)) &&
	    (!session || (req->method & HTTP_GET) || same_origin(app, req)))
		return 0;
	json_error(app, req, resp, 403, "insufficient_scope", scope);
	return -1;
}

static int to_signin(struct app *app, struct request *req, struct response *resp,
                     const struct route *r)
{
	if (r->flags & ROUTE_API)
		return deny(app, req, resp, 401, "unauthenticated");
	resp_redirect(req, resp, 303,
	              arena_printf(&req->arena, "/%s/signin", lang_code(page_lang(req))));
	return -1;
}

int app_authorize(void *ctx, struct request *req, const struct route *r, struct response *resp)
{
	struct app *app = ctx;
	int failed = 0;
	struct identity *id =
	        (r->flags & ROUTE_ANONYMOUS) ? NULL : load_identity(app, req, r, &failed);
	int state_changing = !(req->method & HTTP_GET);

	if (failed) /* who is asking is unknown for now: not a refusal, an outage */
		return deny(app, req, resp, 503, "unavailable");
	req->user = id;
	if ((r->flags & ROUTE_API) && !(r->flags & ROUTE_ANONYMOUS) &&
	    (rate_limit(app, req, resp, id) < 0 || scope_ok(app, req, resp, r, id) < 0))
		return -1;
	if (state_changing && !(r->flags & ROUTE_API) && !csrf_ok(app, req))
		return deny(app, req, resp, 403, "csrf");
	if (auth_allows(id, r->policy)) {
		if (id && id->must_enrol_totp && !(r->flags & ROUTE_SETUP_2FA) &&
		    r->policy != POLICY_PUBLIC) {
			resp_redirect(req, resp, 303,
			              arena_printf(&req->arena, "/%s/account/totp",
			                           lang_code(page_lang(req))));
			return -1;
		}
		return 0;
	}
	if (!id)
		return to_signin(app, req, resp, r);
	if (id->second_step_pending && !(r->flags & ROUTE_API)) {
		resp_redirect(
		        req, resp, 303,
		        arena_printf(&req->arena, "/%s/signin/code", lang_code(page_lang(req))));
		return -1;
	}
	return deny(app, req, resp, 403, "forbidden");
}

/* ---- Starting and ending sessions --------------------------------------- */

/* Removes the person's sessions that can no longer be used (past their
 * absolute end, or idle longer than any role allows), so the list on the
 * account page and the table stay short. */
static int prune_sessions(struct app *app, struct db *db, struct request *req, int64_t user_id,
                          int64_t now)
{
	char now_s[ISO_TIME_LEN + 1], idle_s[ISO_TIME_LEN + 1];
	int64_t longest = idle_limit(app, 0) > idle_limit(app, ROLES_STAFF)
	                          ? idle_limit(app, 0)
	                          : idle_limit(app, ROLES_STAFF);

	iso_time(now, now_s);
	iso_time(now - longest, idle_s);
	return sql_exec(db,
	                "DELETE FROM sessions WHERE user_id = $1 AND (expires_at <= $2 OR "
	                "last_seen_at < $3)",
	                3, (const char *[]){sql_int(&req->arena, user_id), now_s, idle_s}) < 0
	               ? -1
	               : 0;
}

int session_start(struct app *app, struct db *db, struct request *req, int64_t user_id,
                  int second_factor_done, char token[TOKEN_LEN + 1])
{
	char hash[TOKEN_HASH_LEN + 1], csrf[TOKEN_LEN + 1];
	char now_s[ISO_TIME_LEN + 1], exp_s[ISO_TIME_LEN + 1];
	int64_t now = clock_now(app->cfg);
	int64_t life = 3600 * (int64_t)app->cfg->auth_absolute_hours;
	const char *ua = req_header(req, "User-Agent");

	token_new(token);
	token_hash(token, hash);
	token_new(csrf);
	iso_time(now, now_s);
	iso_time(now + life, exp_s);
	if (prune_sessions(app, db, req, user_id, now) < 0)
		return -1;
	if (sql_exec(db,
	             "INSERT INTO sessions (token_hash, user_id, csrf_token, second_factor_done, "
	             "created_at, last_seen_at, expires_at, ip, user_agent) "
	             "VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
	             8,
	             (const char *[]){hash, sql_int(&req->arena, user_id), csrf,
	                              second_factor_done ? "1" : "0", now_s, exp_s, req_ip(req),
	                              arena_strndup(&req->arena, ua ? ua : "", 200)}) != 1)
		return -1;
	return 0;
}

void session_give(struct app *app, struct request *req, struct response *resp, const char *token)
{
	set_cookie(app, req, resp, session_cookie(app), token,
	           3600 * (int64_t)app->cfg->auth_absolute_hours);
}

int session_second_factor_done(struct app *app, struct db *db, struct request *req)
{
	struct identity *id = auth_identity(req);

	(void)app;
	if (!id || !id->session_hash)
		return -1;
	return sql_exec(db, "UPDATE sessions SET second_factor_done = 1 WHERE token_hash = $1", 1,
	                (const char *[]){id->session_hash}) == 1
	               ? 0
	               : -1;
}

int session_delete(struct db *db, struct request *req)
{
	struct identity *id = auth_identity(req);

	if (!id || !id->session_hash)
		return 0;
	return sql_exec(db, "DELETE FROM sessions WHERE token_hash = $1", 1,
	                (const char *[]){id->session_hash}) < 0
	               ? -1
	               : 0;
}

void session_forget(struct app *app, struct request *req, struct response *resp)
{
	set_cookie(app, req, resp, session_cookie(app), "", 0);
}

int session_end(struct app *app, struct db *db, struct request *req, struct response *resp)
{
	session_forget(app, req, resp);
	return session_delete(db, req);
}

int session_end_all(struct db *db, int64_t user_id, const char *keep_hash)
{
	char uid[24];

	snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
	return sql_exec(db, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", 2,
	                (const char *[]){uid, keep_hash ? keep_hash : ""}) < 0
	               ? -1
	               : 0;
}
