/* signin: password, then (when enrolled) the authenticator code or a
 * recovery code; sign-out. Failures are throttled per account and address
 * (users.c) and never tell whether an address is registered. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"
#include "sec/password.h"
#include "sec/token.h"
#include "sec/totp.h"

struct signin {
	struct app *app;
	struct request *req;
	struct response *resp;
	const char *email;
	struct user user;
	int found;
	char token[TOKEN_LEN + 1]; /* the new session's, given once committed */
};

static void show_signin(struct app *app, struct request *req, struct response *resp, int status,
                        struct form *f, int64_t wait)
{
	json_t *data = json_pack("{s:o}", "form", form_json(f));

	if (wait > 0)
		json_object_set_new(data, "wait_minutes", json_integer((wait + 59) / 60));
	page_render(app, req, resp, status, "signin", "signin.title", data);
}

static int audit_now(struct app *app, struct db *db, struct request *req, int64_t uid,
                     const char *action, const char *details)
{
	struct audit_entry e = {uid,         action, "user", uid ? sql_int(&req->arena, uid) : "",
	                        req_ip(req), details};
	return audit_append(db, clock_now(app->cfg), &e);
}

static int lookup_tx(struct db *db, void *ud)
{
	struct signin *s = ud;

	s->found = user_by_email(db, &s->req->arena, s->email, &s->user);
	return s->found < 0 ? -1 : 0;
}

static int failed_tx(struct db *db, void *ud)
{
	struct signin *s = ud;
	struct request *req = s->req;

	if (throttle_failed(s->app, db, &req->arena, s->email, req_ip(req)) < 0)
		return -1;
	return audit_now(s->app, db, req, s->found == 1 ? s->user.id : 0, "signin_failed",
	                 s->found == 1 ? "" : "{\"reason\":\"unknown_address\"}");
}

static int success_tx(struct db *db, void *ud)
{
	struct signin *s = ud;
	int done = s->user.totp_enabled_at == NULL;

	if (throttle_succeeded(db, &s->req->arena, s->email, req_ip(s->req)) < 0 ||
	    session_start(s->app, db, s->req, s->user.id, done, s->token) < 0)
		return -1;
	return audit_now(s->app, db, s->req, s->user.id, done ? "signin" : "signin_password", "");
}

/* Checks the password; 1 when right, 0 when not (time spent either way). */
static int password_right(struct signin *s, const char *pw)
{
	int usable =
	        s->found == 1 && s->user.password_hash && strcmp(s->user.status, "active") == 0;
	int ok = password_verify(s->app->pw, usable ? s->user.password_hash : NULL, pw);

	return usable && ok;
}

static int64_t wait_now(struct signin *s)
{
	struct db *db = db_pool_get(s->app->pool);
	int64_t w = throttle_wait(s->app, db, &s->req->arena, s->email, req_ip(s->req));

	db_pool_put(s->app->pool, db);
	return w;
}

void h_signin(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct signin s = {app, req, resp, NULL, {0}, 0, ""};
	struct form f;
	int64_t wait = 0;

	form_init(&f);
	form_keep(&f, "email", form_value(req, "email"));
	if (req->method == HTTP_GET) {
		show_signin(app, req, resp, 200, &f, 0);
		return;
	}
	s.email = email_normalise(&req->arena, form_value(req, "email"));
	if (!s.email || !*form_value(req, "password")) {
		form_error(&f, "email", "signin.failed");
		show_signin(app, req, resp, 422, &f, 0);
		return;
	}
	wait = wait_now(&s);
	if (wait < 0) {
		json_decref(form_json(&f));
		page_unavailable(app, req, resp);
		return;
	}
	if (wait > 0) {
		form_error(&f, "email", "signin.throttled");
		show_signin(app, req, resp, 429, &f, wait);
		return;
	}
	if (sql_tx(app->pool, lookup_tx, &s) < 0) {
		json_decref(form_json(&f));
		page_unavailable(app, req, resp);
		return;
	}
	if (!password_right(&s, form_value(req, "password"))) {
		if (sql_tx(app->pool, failed_tx, &s) < 0) { /* an attempt not counted: refused */
			json_decref(form_json(&f));
			page_unavailable(app, req, resp);
			return;
		}
		form_error(&f, "email", "signin.failed");
		show_signin(app, req, resp, 422, &f, 0);
		return;
	}
	if (!s.user.verified_at) {
		form_error(&f, "email", "signin.unverified");
		show_signin(app, req, resp, 403, &f, 0);
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(app->pool, success_tx, &s) < 0) {
		page_unavailable(app, req, resp);
		return;
	}
	session_give(app, req, resp, s.token);
	resp_redirect(req, resp, 303,
	              arena_printf(&req->arena, "/%s/%s", lang_code(page_lang(req)),
	                           s.user.totp_enabled_at ? "signin/code" : "account"));
}

/* ---- Second factor ------------------------------------------------------------ */

struct code_check {
	struct app *app;
	struct request *req;
	const char *code;
	int ok;
};

static int use_recovery_code(struct code_check *c, struct db *db, const char *uid)
{
	char norm[RECOVERY_CODE_LEN + 1], hash[TOKEN_HASH_LEN + 1], now[ISO_TIME_LEN + 1];

	if (recovery_code_normalise(c->code, norm) < 0)
		return 0;
	token_hash(norm, hash);
	iso_time(clock_now(c->app->cfg), now);
	int64_t n = sql_exec(db,
	                     "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND "
	                     "code_hash = $3 AND used_at IS NULL",
	                     3, (const char *[]){now, uid, hash});
	return n < 0 ? -1 : n == 1;
}

/* The authenticator code, refusing a step already used (no replay). */
static int use_totp(struct code_check *c, struct db *db, const struct user *u, const char *uid)
{
	int64_t step = totp_verify(u->totp_secret, c->code, clock_now(c->app->cfg), 1);

	if (step < 0 || step <= u->totp_last_step)
		return 0;
	int64_t n = sql_exec(db,
	                     "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND "
	                     "totp_last_step < $1",
	                     2, (const char *[]){sql_int(&c->req->arena, step), uid});
	return n < 0 ? -1 : n == 1;
}

static int code_tx(struct db *db, void *ud)
{
	struct code_check *c = ud;
	struct identity *id = auth_identity(c->req);
	struct user u;
	const char *uid = sql_int(&c->req->arena, id->user_id);
	int rc = user_by_id(db, &c->req->arena, id->user_id, &u);

	if (rc != 1 || !u.totp_secret)
		return rc < 0 ? -1 : 0;
	rc = strchr(c->code, '-') || strlen(c->code) > 8 ? use_recovery_code(c, db, uid)
	                                                 : use_totp(c, db, &u, uid);
	if (rc < 0)
		return -1;
	c->ok = rc;
	if (rc == 1 && session_second_factor_done(c->app, db, c->req) < 0)
		return -1;
	return audit_now(c->app, db, c->req, id->user_id, rc ? "signin" : "signin_code_failed", "");
}

void h_signin_code(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct code_check c = {app, req, form_value(req, "code"), 0};
	struct form f;

	form_init(&f);
	if (req->method == HTTP_POST && sql_tx(app->pool, code_tx, &c) < 0) {
		json_decref(form_json(&f));
		page_unavailable(app, req, resp);
		return;
	}
	if (req->method == HTTP_POST && c.ok) {
		json_decref(form_json(&f));
		resp_redirect(req, resp, 303,
		              arena_printf(&req->arena, "/%s/account", lang_code(page_lang(req))));
		return;
	}
	if (req->method == HTTP_POST)
		form_error(&f, "code", "signin.code.wrong");
	page_render(app, req, resp, req->method == HTTP_POST ? 422 : 200, "signin_code",
	            "signin.code.title", json_pack("{s:o}", "form", form_json(&f)));
}

static int signout_tx(struct db *db, void *ud)
{
	struct signin *s = ud;
	struct identity *id = auth_identity(s->req);

	if (id && audit_now(s->app, db, s->req, id->user_id, "signout", "") < 0)
		return -1;
	return session_delete(db, s->req);
}

void h_signout(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct signin s = {app, req, resp, NULL, {0}, 0, ""};

	if (sql_tx(app->pool, signout_tx, &s) < 0) { /* still signed in: keep the cookie */
		page_unavailable(app, req, resp);
		return;
	}
	session_forget(app, req, resp);
	resp_redirect(req, resp, 303, arena_printf(&req->arena, "/%s/", lang_code(page_lang(req))));
}
