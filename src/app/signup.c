/* signup: experts create their account, then verify their address by a
 * link sent by mail. The answers never tell whether an address is already
 * registered (the owner of a registered address gets a mail instead). */
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/mail.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"
#include "sec/password.h"

#define VERIFY_TTL (48 * 3600)

/* What a sign-up or resend transaction needs. */
struct signup {
	struct app *app;
	struct request *req;
	const char *email;
	const char *hash;
	enum lang lang;
};

static int checked(struct request *req, const char *name)
{
	const char *v = req_form(req, name);
	return v && strcmp(v, "yes") == 0;
}

/* Validates the form into f; returns the normalised email or NULL. */
static const char *validate(struct app *app, struct request *req, struct form *f, enum lang *l)
{
	const char *email = email_normalise(&req->arena, form_value(req, "email"));
	const char *pw =
	        password_problem_key(app, req_form(req, "password"), req_form(req, "password2"));

	form_keep(f, "email", form_value(req, "email"));
	form_keep(f, "lang", form_value(req, "lang"));
	if (!email)
		form_error(f, "email", "form.email.invalid");
	if (pw)
		form_error(f, "password", pw);
	if (lang_parse(form_value(req, "lang"), l) < 0)
		form_error(f, "lang", "form.lang.required");
	if (checked(req, "adult"))
		form_keep(f, "adult", "yes");
	else
		form_error(f, "adult", "form.adult.required");
	if (checked(req, "notice"))
		form_keep(f, "notice", "yes");
	else
		form_error(f, "notice", "form.notice.required");
	return email;
}

static int send_verification(struct signup *s, struct db *db, int64_t uid, const char *email,
                             enum lang l)
{
	const char *token =
	        ott_create(s->app, db, &s->req->arena, uid, "verify_email", "", VERIFY_TTL);

	if (!token)
		return -1;
	return mail_enqueue(s->app, db, email, l, "mail.verify_email",
	                    (const char *[]){"link",
	                                     link_to(s->app, &s->req->arena, l, "verify", token),
	                                     NULL});
}

static int create_expert(struct signup *s, struct db *db)
{
	char now[ISO_TIME_LEN + 1];
	int64_t id = new_id(s->app->cfg);
	const char *uid = sql_int(&s->req->arena, id);
	struct audit_entry e = {id, "signup", "user", uid, req_ip(s->req), ""};

	iso_time(clock_now(s->app->cfg), now);
	if (sql_exec(db,
	             "INSERT INTO users (id, email, password_hash, password_changed_at, lang, "
	             "adult_attested_at, notice_version, notice_accepted_at, status, created_at, "
	             "updated_at) VALUES ($1, $2, $3, $4, $5, $4, $6, $4, 'active', $4, $4)",
	             6,
	             (const char *[]){uid, s->email, s->hash, now, lang_code(s->lang),
	                              sql_int(&s->req->arena, PRIVACY_NOTICE_VERSION)}) != 1 ||
	    sql_exec(db,
	             "INSERT INTO user_roles (user_id, role, scope, granted_at) "
	             "VALUES ($1, 'expert', '', $2)",
	             2, (const char *[]){uid, now}) != 1)
		return -1;
	if (send_verification(s, db, id, s->email, s->lang) < 0)
		return -1;
	return audit_append(db, clock_now(s->app->cfg), &e);
}

/* The address is taken: tell its owner, not the visitor. */
static int tell_owner(struct signup *s, struct db *db, const struct user *u)
{
	struct arena *a = &s->req->arena;
	const char *base = s->app->cfg->public_url, *l = lang_code(u->lang);

	return mail_enqueue(
	        s->app, db, u->email, u->lang, "mail.signup_exists",
	        (const char *[]){"link", arena_printf(a, "%s/%s/signin", base, l), "reset",
	                         arena_printf(a, "%s/%s/password/forgot", base, l), NULL});
}

static int register_tx(struct db *db, void *ud)
{
	struct signup *s = ud;
	struct user u;
	int found = user_by_email(db, &s->req->arena, s->email, &u);

	if (found < 0)
		return -1;
	return found ? tell_owner(s, db, &u) : create_expert(s, db);
}

static void wake_mail(struct app *app)
{
	if (app->mail)
		mail_wake(app->mail);
}

void h_signup(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct form f;
	char hash[PASSWORD_HASH_MAX];
	struct signup s = {app, req, NULL, hash, page_lang(req)};

	form_init(&f);
	if (req->method == HTTP_POST)
		s.email = validate(app, req, &f, &s.lang);
	else
		form_keep(&f, "lang", lang_code(s.lang));
	if (req->method == HTTP_GET || form_has_errors(&f) ||
	    password_hash(app->pw, req_form(req, "password"), hash) < 0) {
		page_render(app, req, resp, req->method == HTTP_GET ? 200 : 422, "signup",
		            "signup.title",
		            json_pack("{s:o, s:o}", "form", form_json(&f), "languages",
		                      lang_options(s.lang)));
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(app->pool, register_tx, &s) < 0) {
		page_unavailable(app, req, resp);
		return;
	}
	wake_mail(app);
	page_message(app, req, resp, 200, "signup.done.title", "signup.done.message",
	             json_pack("{s:s}", "email", s.email));
}

/* ---- Verification ----------------------------------------------------------- */

static int verify_tx(struct db *db, void *ud)
{
	struct signup *s = ud;
	struct request *req = s->req;
	char now[ISO_TIME_LEN + 1];
	int64_t uid;
	const char *data, *id;
	int rc = ott_check(s->app, db, &req->arena, kvlist_get(&req->query, "token"),
	                   "verify_email", 1, &uid, &data);

	if (rc != 1)
		return rc;
	id = sql_int(&req->arena, uid);
	iso_time(clock_now(s->app->cfg), now);
	struct audit_entry e = {uid, "email_verified", "user", id, req_ip(req), ""};
	if (sql_exec(db,
	             "UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND "
	             "email_verified_at IS NULL",
	             2, (const char *[]){now, id}) < 0 ||
	    audit_append(db, clock_now(s->app->cfg), &e) < 0)
		return -1;
	return 1;
}

void h_verify(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct signup s = {app, req, NULL, NULL, LANG_FR};
	int rc = sql_tx(app->pool, verify_tx, &s);

	if (rc < 0)
		page_unavailable(app, req, resp);
	else if (rc == 0)
		page_message(app, req, resp, 400, "verify.invalid.title", "verify.invalid.message",
		             NULL);
	else
		page_message(app, req, resp, 200, "verify.done.title", "verify.done.message", NULL);
}

static int resend_tx(struct db *db, void *ud)
{
	struct signup *s = ud;
	struct user u;
	int rc = user_by_email(db, &s->req->arena, s->email, &u);

	if (rc == 1 && !u.verified_at && strcmp(u.status, "active") == 0)
		return send_verification(s, db, u.id, u.email, u.lang);
	return rc;
}

void h_verify_resend(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct form f;
	struct signup s = {app, req, NULL, NULL, LANG_FR};

	form_init(&f);
	if (req->method == HTTP_POST) {
		s.email = email_normalise(&req->arena, form_value(req, "email"));
		form_keep(&f, "email", form_value(req, "email"));
		if (!s.email)
			form_error(&f, "email", "form.email.invalid");
		else if (sql_tx(app->pool, resend_tx, &s) < 0)
			form_error(&f, "email", "form.unavailable");
	}
	if (req->method == HTTP_POST && !form_has_errors(&f)) {
		json_decref(form_json(&f));
		wake_mail(app);
		page_message(app, req, resp, 200, "resend.done.title", "resend.done.message",
		             json_pack("{s:s}", "email", s.email));
		return;
	}
	/* the status before form_json, which empties f (arguments have no order) */
	int status = form_has_errors(&f) ? 422 : 200;

	page_render(app, req, resp, status, "email_form", "resend.title",
	            json_pack("{s:o, s:s, s:s, s:s}", "form", form_json(&f), "intro",
	                      "resend.intro", "action", "verify/resend", "submit",
	                      "resend.submit"));
}
