/* auth: who is asking (sessions, API tokens) and whether they may.
 *
 * Every request passes app_authorize before its handler: it loads the
 * identity from the session cookie (or an API bearer token), applies the
 * idle and absolute timeouts, checks the route's policy and, for every
 * state-changing form, the CSRF token. Handlers then read auth_identity(req)
 * and check the ownership of the objects they touch with the auth_* helpers.
 *
 * Sessions: 256-bit random tokens, only their SHA-256 stored; the cookie is
 * HttpOnly and SameSite=Lax, and "__Host-" + Secure when public_url is
 * https. Idle timeout per role (auth.staff_idle_minutes for staff,
 * auth.idle_minutes for experts), absolute auth.absolute_hours; a new token
 * at every sign-in; revoked at sign-out, password change and by "sign out
 * everywhere".
 */
#ifndef KAFAAT_APP_AUTH_H
#define KAFAAT_APP_AUTH_H

#include <stdint.h>

#include "sec/token.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/router.h"

struct app;
struct db;

enum role_bit {
	ROLE_EXPERT = 1 << 0,
	ROLE_INSTITUTION_OWNER = 1 << 1,
	ROLE_INSTITUTION_MEMBER = 1 << 2,
	ROLE_COORDINATOR = 1 << 3,
	ROLE_ADVISOR = 1 << 4,
	ROLE_ADMIN = 1 << 5,
};
/* Roles that must use a second factor. */
#define ROLES_STAFF (ROLE_ADMIN | ROLE_ADVISOR | ROLE_COORDINATOR)

/* The signed-in person, in request memory. */
struct identity {
	int64_t user_id;
	const char *email;
	enum lang lang;
	unsigned roles;           /* enum role_bit */
	int64_t institution_id;   /* the institution they belong to, or 0 */
	const char *session_hash; /* NULL for API tokens */
	const char *csrf;         /* the session's CSRF token */
	int second_step_pending;  /* password given, TOTP still due */
	int totp_enabled;
	int must_enrol_totp;    /* staff without a second factor yet */
	const char *api_scopes; /* for API tokens, else NULL */
	int64_t token_id;       /* the API token's id, else 0 */
};

/* The identity app_authorize attached, or NULL for anonymous requests. */
struct identity *auth_identity(struct request *req);

/* The server's authorize hook (see web/server.h). */
int app_authorize(void *ctx, struct request *req, const struct route *r, struct response *resp);

/* The CSRF token forms on this page must carry: the session's, or for
 * anonymous visitors a random one kept in a cookie (set on resp when new). */
const char *auth_csrf(struct app *app, struct request *req, struct response *resp);

/* Starts a session for user_id (second_factor_done: 1 when no TOTP step is
 * due): records it on db and writes its secret into token. 0 or -1. The
 * cookie is given by session_give once the transaction has committed, so a
 * failed sign-in never replaces the browser's cookie. */
int session_start(struct app *app, struct db *db, struct request *req, int64_t user_id,
                  int second_factor_done, char token[TOKEN_LEN + 1]);
/* Sets the session cookie holding token (from session_start) on resp. */
void session_give(struct app *app, struct request *req, struct response *resp, const char *token);
/* Marks the current session's second factor as given. */
int session_second_factor_done(struct app *app, struct db *db, struct request *req);
/* Ends the current session (row deleted, cookie cleared). */
int session_end(struct app *app, struct db *db, struct request *req, struct response *resp);
/* The two halves of session_end, for a transaction: session_delete deletes
 * the current session's row on db (none: 0; -1 on error); session_forget
 * clears the cookie, once that deletion has committed (clearing it before
 * would sign the browser out of a session that stays valid). */
int session_delete(struct db *db, struct request *req);
void session_forget(struct app *app, struct request *req, struct response *resp);
/* Ends every session of user_id, except `keep_hash` (may be NULL). */
int session_end_all(struct db *db, int64_t user_id, const char *keep_hash);

/* Loads the roles of user_id into *roles and *institution_id. 0 or -1. */
int auth_load_roles(struct db *db, int64_t user_id, unsigned *roles, int64_t *institution_id);
/* May the identity hold an API token of scope (a known scope, and the roles
 * it needs)? */
int auth_scope_allowed(const struct identity *id, const char *scope);
/* Does the identity come from an API token that carries scope? */
int auth_has_scope(const struct identity *id, const char *scope);
/* Does the identity satisfy policy p (second factor considered)? */
int auth_allows(const struct identity *id, enum policy p);

#endif
