/* account: what a signed-in person manages themselves: their sessions
 * (and signing out everywhere), password, email address (confirmed by a
 * link to the new address, the old one told), second factor with recovery
 * codes, and API tokens. */
#include <stdio.h>
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/mail.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/parse.h"
#include "sec/password.h"
#include "sec/token.h"
#include "sec/totp.h"

#define EMAIL_CHANGE_TTL (48 * 3600)
#define RECOVERY_CODES 10

struct acct {
	struct app *app;
	struct request *req;
	struct response *resp;
	struct identity *id;
	const char *uid;
	json_t *extra; /* shown on the page: form errors, a new token, codes */
};

static int audit_user(struct acct *c, struct db *db, const char *action, const char *details)
{
	struct audit_entry e = {c->id->user_id, action, "user", c->uid, req_ip(c->req), details};
	return audit_append(db, clock_now(c->app->cfg), &e);
}

/* ---- The page ------------------------------------------------------------------ */

static json_t *rows_json(struct db *db, const char *sql, const char *uid, const char *const *names,
                         int n)
{
	struct db_stmt *st = db_prepare(db, sql);
	json_t *list = json_array();
	int rc = DB_ERROR;

	if (!st || db_bind_text(st, 1, uid) != DB_OK) {
		db_finalize(st);
		json_decref(list);
		return NULL;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *row = json_object();
		for (int i = 0; i < n; i++)
			json_object_set_new(row, names[i],
			                    db_col_text(st, i) ? json_string(db_col_text(st, i))
			                                       : json_null());
		json_array_append_new(list, row);
	}
	db_finalize(st);
	if (rc != DB_OK) { /* a list cut short is not the list */
		json_decref(list);
		return NULL;
	}
	return list;
}

static json_t *sessions_json(struct acct *c, struct db *db)
{
	static const char *const names[] = {"hash", "created", "seen", "ip", "agent"};
	json_t *list = rows_json(db,
	                         "SELECT token_hash, created_at, last_seen_at, ip, user_agent FROM "
	                         "sessions WHERE user_id = $1 ORDER BY created_at DESC",
	                         c->uid, names, 5);
	size_t i;
	json_t *row;

	json_array_foreach(list, i, row)
	{
		const char *h = json_string_value(json_object_get(row, "hash"));
		json_object_set_new(
		        row, "current",
		        json_boolean(c->id->session_hash && strcmp(h, c->id->session_hash) == 0));
		json_object_del(row, "hash");
	}
	return list;
}

static json_t *tokens_json(struct acct *c, struct db *db)
{
	static const char *const names[] = {"id", "name", "scopes", "created", "used"};
	return rows_json(db,
	                 "SELECT id, name, scopes, created_at, last_used_at FROM api_tokens WHERE "
	                 "user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
	                 c->uid, names, 5);
}

/* The scopes this person's tokens may carry (api_scopes, auth.c's rules). */
static json_t *scopes_json(const struct identity *id)
{
	json_t *list = json_array();
	for (const struct openapi_scope *s = api_scopes; s->name; s++)
		if (auth_scope_allowed(id, s->name))
			json_array_append_new(list, json_string(s->name));
	return list;
}

/* The page's data, read on db; NULL when a read failed. */
static json_t *page_data(struct acct *c, struct db *db)
{
	struct user u;
	int rc = user_by_id(db, &c->req->arena, c->id->user_id, &u);
	json_t *sessions = rc == 1 ? sessions_json(c, db) : NULL;
	json_t *tokens = rc == 1 ? tokens_json(c, db) : NULL;

	if (!sessions || !tokens) {
		json_decref(sessions);
		json_decref(tokens);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:b, s:b, s:b, s:o, s:o, s:o}", "email", u.email, "lang",
	                 lang_code(u.lang), "verified", u.verified_at != NULL, "totp",
	                 u.totp_enabled_at != NULL, "must_enrol", c->id->must_enrol_totp,
	                 "sessions", sessions, "tokens", tokens, "scopes", scopes_json(c->id));
}

/* Renders data (owned; NULL: the page could not be read) with c->extra. */
static void render(struct acct *c, int status, json_t *data)
{
	if (!data) {
		json_decref(c->extra);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	if (c->extra)
		json_object_update(data, c->extra);
	json_decref(c->extra);
	page_render(c->app, c->req, c->resp, status, "account", "account.title", data);
}

static void show(struct acct *c, int status)
{
	struct db *db = db_pool_get(c->app->pool);
	json_t *data = page_data(c, db);

	db_pool_put(c->app->pool, db);
	render(c, status, data);
}

static void init(struct acct *c, void *ctx, struct request *req, struct response *resp)
{
	c->app = ctx;
	c->req = req;
	c->resp = resp;
	c->id = auth_identity(req);
	c->uid = sql_int(&req->arena, c->id->user_id);
	c->extra = NULL;
}

static void back_to_account(struct acct *c, const char *notice)
{
	resp_redirect(c->req, c->resp, 303,
	              arena_printf(&c->req->arena, "/%s/account?done=%s",
	                           lang_code(page_lang(c->req)), notice));
}

void h_account(void *ctx, struct request *req, struct response *resp)
{
	struct acct c;
	const char *done = kvlist_get(&req->query, "done");

	init(&c, ctx, req, resp);
	if (done)
		c.extra = json_pack("{s:s}", "done",
		                    arena_printf(&req->arena, "account.done.%s", done));
	show(&c, 200);
}

/* Shows the page again with a form's errors. */
static void refuse(struct acct *c, const char *form_name, struct form *f)
{
	c->extra = json_pack("{s:o}", form_name, form_json(f));
	show(c, 422);
}

/* The current password, checked (time spent either way): 1 when right, 0
 * when not, -1 when the account could not be read (an outage, not a wrong
 * password). */
static int current_password_ok(struct acct *c)
{
	struct db *db = db_pool_get(c->app->pool);
	struct user u;
	int rc = user_by_id(db, &c->req->arena, c->id->user_id, &u);

	db_pool_put(c->app->pool, db);
	if (rc < 0)
		return -1;
	return rc == 1 && u.password_hash &&
	       password_verify(c->app->pw, u.password_hash, form_value(c->req, "current"));
}

/* ---- Password ----------------------------------------------------------------- */

static int password_tx(struct db *db, void *ud)
{
	struct acct *c = ud;
	char now[ISO_TIME_LEN + 1];
	const char *hash = json_string_value(json_object_get(c->extra, "hash"));

	iso_time(clock_now(c->app->cfg), now);
	if (sql_exec(db,
	             "UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = "
	             "$2 "
	             "WHERE id = $3",
	             3, (const char *[]){hash, now, c->uid}) != 1 ||
	    session_end_all(db, c->id->user_id, c->id->session_hash) < 0 ||
	    audit_user(c, db, "password_changed", "") < 0)
		return -1;
	return mail_enqueue(c->app, db, c->id->email, c->id->lang, "mail.password_changed",
	                    (const char *[]){NULL});
}

void h_account_password(void *ctx, struct request *req, struct response *resp)
{
	struct acct c;
	struct form f;
	char hash[PASSWORD_HASH_MAX];
	const char *problem;
	int current;

	init(&c, ctx, req, resp);
	current = current_password_ok(&c);
	if (current < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	form_init(&f);
	problem =
	        password_problem_key(c.app, req_form(req, "password"), req_form(req, "password2"));
	if (!current)
		form_error(&f, "current", "account.password.current_wrong");
	if (problem)
		form_error(&f, "password", problem);
	if (form_has_errors(&f) || password_hash(c.app->pw, req_form(req, "password"), hash) < 0) {
		refuse(&c, "password_form", &f);
		return;
	}
	json_decref(form_json(&f));
	c.extra = json_pack("{s:s}", "hash", hash);
	int rc = sql_tx(c.app->pool, password_tx, &c);
	json_decref(c.extra);
	if (rc < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (c.app->mail)
		mail_wake(c.app->mail);
	back_to_account(&c, "password");
}

/* ---- Email address ------------------------------------------------------------- */

struct email_change {
	struct acct *c;
	const char *email;
};

static int email_tx(struct db *db, void *ud)
{
	struct email_change *e = ud;
	struct acct *c = e->c;
	const char *token = ott_create(c->app, db, &c->req->arena, c->id->user_id, "change_email",
	                               e->email, EMAIL_CHANGE_TTL);

	if (!token)
		return -1;
	return mail_enqueue(c->app, db, e->email, c->id->lang, "mail.change_email",
	                    (const char *[]){"link",
	                                     link_to(c->app, &c->req->arena, c->id->lang,
	                                             "account/email/confirm", token),
	                                     NULL});
}

void h_account_email(void *ctx, struct request *req, struct response *resp)
{
	struct acct c;
	struct form f;
	struct email_change e = {&c, NULL};
	int current;

	init(&c, ctx, req, resp);
	current = current_password_ok(&c);
	if (current < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	form_init(&f);
	form_keep(&f, "email", form_value(req, "email"));
	e.email = email_normalise(&req->arena, form_value(req, "email"));
	if (!current)
		form_error(&f, "current", "account.password.current_wrong");
	if (!e.email)
		form_error(&f, "email", "form.email.invalid");
	else if (strcmp(e.email, c.id->email) == 0)
		form_error(&f, "email", "account.email.same");
	if (form_has_errors(&f)) {
		refuse(&c, "email_form", &f);
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(c.app->pool, email_tx, &e) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (c.app->mail)
		mail_wake(c.app->mail);
	back_to_account(&c, "email_sent");
}

struct email_confirm {
	struct app *app;
	struct request *req;
	int taken;
};

static int email_confirm_tx(struct db *db, void *ud)
{
	struct email_confirm *e = ud;
	struct arena *a = &e->req->arena;
	char now[ISO_TIME_LEN + 1];
	int64_t uid;
	const char *new_email;
	struct user u, other;
	int rc = ott_check(e->app, db, a, kvlist_get(&e->req->query, "token"), "change_email", 1,
	                   &uid, &new_email);

	if (rc != 1)
		return rc;
	/* The link is spent by now: a failed read must roll that back. */
	rc = user_by_id(db, a, uid, &u);
	if (rc != 1)
		return rc < 0 ? -1 : 0;
	rc = user_by_email(db, a, new_email, &other);
	if (rc != 0) {
		e->taken = rc == 1;
		return rc < 0 ? -1 : 0;
	}
	iso_time(clock_now(e->app->cfg), now);
	const char *id = sql_int(a, uid);
	struct audit_entry ae = {uid, "email_changed", "user", id, req_ip(e->req), ""};
	if (sql_exec(db,
	             "UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 "
	             "WHERE id = $3",
	             3, (const char *[]){new_email, now, id}) != 1 ||
	    audit_append(db, clock_now(e->app->cfg), &ae) < 0)
		return -1;
	if (mail_enqueue(e->app, db, u.email, u.lang, "mail.email_changed_notice",
	                 (const char *[]){"new_email", new_email, NULL}) < 0)
		return -1;
	return 1;
}

void h_account_email_confirm(void *ctx, struct request *req, struct response *resp)
{
	struct email_confirm e = {ctx, req, 0};
	int rc = sql_tx(e.app->pool, email_confirm_tx, &e);

	if (rc < 0)
		page_unavailable(e.app, req, resp);
	else if (rc == 0)
		page_message(e.app, req, resp, 400, "link.invalid.title",
		             e.taken ? "account.email.taken" : "link.invalid.message", NULL);
	else
		page_message(e.app, req, resp, 200, "account.email.changed.title",
		             "account.email.changed.message", NULL);
}

/* ---- Sessions ------------------------------------------------------------------- */

static int everywhere_tx(struct db *db, void *ud)
{
	struct acct *c = ud;

	if (session_end_all(db, c->id->user_id, NULL) < 0 ||
	    audit_user(c, db, "signout_everywhere", "") < 0)
		return -1;
	return session_delete(db, c->req);
}

void h_signout_everywhere(void *ctx, struct request *req, struct response *resp)
{
	struct acct c;

	init(&c, ctx, req, resp);
	if (sql_tx(c.app->pool, everywhere_tx, &c) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	session_forget(c.app, req, resp);
	resp_redirect(req, resp, 303, arena_printf(&req->arena, "/%s/", lang_code(page_lang(req))));
}

/* ---- Second factor ---------------------------------------------------------------- */

struct totp_setup {
	struct acct *c;
	struct user user;
	json_t *codes; /* the new recovery codes, shown once */
	int ok;
};

static int new_secret_tx(struct db *db, void *ud)
{
	struct totp_setup *t = ud;
	char secret[TOTP_SECRET_LEN + 1];

	if (t->user.totp_secret && !t->user.totp_enabled_at)
		return 0; /* keep the one already shown */
	totp_secret_new(secret);
	t->user.totp_secret = arena_strdup(&t->c->req->arena, secret);
	return sql_exec(db,
	                "UPDATE users SET totp_secret = $1 WHERE id = $2 AND "
	                "totp_enabled_at IS NULL",
	                2, (const char *[]){secret, t->c->uid}) == 1
	               ? 0
	               : -1;
}

static int store_recovery_codes(struct totp_setup *t, struct db *db)
{
	char code[RECOVERY_CODE_LEN + 1], hash[TOKEN_HASH_LEN + 1];

	if (sql_exec(db, "DELETE FROM recovery_codes WHERE user_id = $1", 1,
	             (const char *[]){t->c->uid}) < 0)
		return -1;
	t->codes = json_array();
	for (int i = 0; i < RECOVERY_CODES; i++) {
		recovery_code_new(code);
		token_hash(code, hash);
		if (sql_exec(db, "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)",
		             2, (const char *[]){t->c->uid, hash}) != 1)
			return -1;
		json_array_append_new(t->codes, json_string(code));
	}
	return 0;
}

static int enable_tx(struct db *db, void *ud)
{
	struct totp_setup *t = ud;
	struct acct *c = t->c;
	int64_t step = totp_verify(t->user.totp_secret, form_value(c->req, "code"),
	                           clock_now(c->app->cfg), 1);
	char now[ISO_TIME_LEN + 1];

	if (step < 0)
		return 0;
	iso_time(clock_now(c->app->cfg), now);
	if (sql_exec(db,
	             "UPDATE users SET totp_enabled_at = $1, totp_last_step = $2 WHERE id = $3 AND "
	             "totp_enabled_at IS NULL",
	             3, (const char *[]){now, sql_int(&c->req->arena, step), c->uid}) != 1 ||
	    store_recovery_codes(t, db) < 0 || session_second_factor_done(c->app, db, c->req) < 0 ||
	    audit_user(c, db, "totp_enabled", "") < 0)
		return -1;
	t->ok = 1;
	return 0;
}

static void show_totp(struct totp_setup *t, int status, struct form *f)
{
	struct acct *c = t->c;
	struct buf uri = BUF_INIT;

	if (t->user.totp_secret && !t->user.totp_enabled_at)
		totp_uri(&uri, c->id->email, t->user.totp_secret);
	page_render(c->app, c->req, c->resp, status, "totp", "totp.title",
	            json_pack("{s:b, s:s?, s:s, s:o?, s:o, s:b}", "enabled",
	                      t->user.totp_enabled_at != NULL || t->ok, "secret",
	                      t->ok ? NULL : t->user.totp_secret, "uri", buf_str(&uri), "codes",
	                      t->codes, "form", form_json(f), "must_enrol",
	                      c->id->must_enrol_totp));
	buf_release(&uri);
}

void h_account_totp(void *ctx, struct request *req, struct response *resp)
{
	struct acct c;
	struct totp_setup t = {&c, {0}, NULL, 0};
	struct form f;
	struct db *db;
	int rc;

	init(&c, ctx, req, resp);
	form_init(&f);
	db = db_pool_get(c.app->pool);
	rc = user_by_id(db, &req->arena, c.id->user_id, &t.user);
	db_pool_put(c.app->pool, db);
	if (rc == 1 && !t.user.totp_enabled_at)
		rc = sql_tx(c.app->pool, req->method == HTTP_POST ? enable_tx : new_secret_tx, &t) <
		                     0
		             ? -1
		             : 1;
	if (rc != 1) {
		json_decref(form_json(&f));
		json_decref(t.codes);
		page_unavailable(c.app, req, resp);
		return;
	}
	if (req->method == HTTP_POST && !t.ok && !t.user.totp_enabled_at)
		form_error(&f, "code", "totp.code.wrong");
	show_totp(&t, form_has_errors(&f) ? 422 : 200, &f);
}

/* ---- API tokens ------------------------------------------------------------------- */

struct new_token {
	struct acct *c;
	char token[TOKEN_LEN + 1];
	json_t *page; /* the account page, read in the transaction */
};

static int token_tx(struct db *db, void *ud)
{
	struct new_token *n = ud;
	struct acct *c = n->c;
	char hash[TOKEN_HASH_LEN + 1], now[ISO_TIME_LEN + 1];
	const char *id = sql_int(&c->req->arena, new_id(c->app->cfg));
	const char *name = form_value(c->req, "name");

	token_new(n->token);
	token_hash(n->token, hash);
	iso_time(clock_now(c->app->cfg), now);
	if (sql_exec(db,
	             "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at) "
	             "VALUES ($1, $2, $3, $4, $5, $6)",
	             6,
	             (const char *[]){id, c->uid, name, hash, form_value(c->req, "scope"), now}) !=
	    1)
		return -1;
	struct audit_entry e = {
	        c->id->user_id, "api_token_created", "api_token", id, req_ip(c->req), ""};
	if (audit_append(db, clock_now(c->app->cfg), &e) < 0)
		return -1;
	/* The token is shown once, on this page: read it before committing, so
	 * that a failed read leaves no token nobody has seen. */
	json_decref(n->page);
	n->page = page_data(c, db);
	return n->page ? 0 : -1;
}

void h_account_token_new(void *ctx, struct request *req, struct response *resp)
{
	struct acct c;
	struct new_token n = {&c, "", NULL};
	struct form f;

	init(&c, ctx, req, resp);
	form_init(&f);
	form_keep(&f, "name", form_value(req, "name"));
	if (!*form_value(req, "name"))
		form_error(&f, "name", "tokens.name.required");
	if (!auth_scope_allowed(c.id, form_value(req, "scope")))
		form_error(&f, "scope", "tokens.scope.unknown");
	if (form_has_errors(&f)) {
		refuse(&c, "token_form", &f);
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(c.app->pool, token_tx, &n) < 0) {
		json_decref(n.page);
		page_unavailable(c.app, req, resp);
		return;
	}
	c.extra = json_pack("{s:s}", "new_token", n.token);
	render(&c, 201, n.page);
}

static int revoke_tx(struct db *db, void *ud)
{
	struct acct *c = ud;
	char now[ISO_TIME_LEN + 1];
	const char *id = req_param(c->req, "id");
	int64_t n;

	iso_time(clock_now(c->app->cfg), now);
	n = sql_exec(db,
	             "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND "
	             "revoked_at IS NULL",
	             3, (const char *[]){now, id, c->uid});
	if (n != 1)
		return n < 0 ? -1 : 0;
	struct audit_entry e = {
	        c->id->user_id, "api_token_revoked", "api_token", id, req_ip(c->req), ""};
	return audit_append(db, clock_now(c->app->cfg), &e) < 0 ? -1 : 1;
}

void h_account_token_revoke(void *ctx, struct request *req, struct response *resp)
{
	struct acct c;
	int rc;

	init(&c, ctx, req, resp);
	rc = sql_tx(c.app->pool, revoke_tx, &c);
	if (rc < 0) {
		page_unavailable(c.app, req, resp);
	} else if (rc == 0) {
		struct route_error e = {404, "not_found", NULL, 0};
		app_on_error(c.app, req, resp, &e);
	} else {
		back_to_account(&c, "token_revoked");
	}
}

/* The token's scopes as a list (none for a session). */
static json_t *scope_list(const struct identity *id)
{
	json_t *list = json_array();

	for (const struct openapi_scope *s = api_scopes; s->name; s++)
		if (auth_has_scope(id, s->name))
			json_array_append_new(list, json_string(s->name));
	return list;
}

void h_api_me(void *ctx, struct request *req, struct response *resp)
{
	struct identity *id = auth_identity(req);

	(void)ctx;
	json_respond(req, resp, 200,
	             json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)id->user_id, "email",
	                       id->email, "lang", lang_code(id->lang), "scopes", scope_list(id)));
}
