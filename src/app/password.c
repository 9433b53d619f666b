/* password: reset by a mailed link, and invitations (an invited person
 * chooses a password, which also verifies their address). Both end every
 * other session of the account. */
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

#define RESET_TTL 3600

struct pwflow {
	struct app *app;
	struct request *req;
	const char *email;
	const char *purpose; /* "reset_password", "invite" or "admin_setup" */
	const char *hash;
	int64_t uid;
};

static int forgot_tx(struct db *db, void *ud)
{
	struct pwflow *p = ud;
	struct user u;
	const char *token;
	int rc = user_by_email(db, &p->req->arena, p->email, &u);

	if (rc != 1 || strcmp(u.status, "active") != 0)
		return rc < 0 ? -1 : 0;
	token = ott_create(p->app, db, &p->req->arena, u.id, "reset_password", "", RESET_TTL);
	if (!token)
		return -1;
	return mail_enqueue(
	        p->app, db, u.email, u.lang, "mail.reset_password",
	        (const char *[]){"link",
	                         link_to(p->app, &p->req->arena, u.lang, "password/reset", token),
	                         NULL});
}

void h_forgot(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct form f;
	struct pwflow p = {app, req, NULL, "reset_password", NULL, 0};

	form_init(&f);
	if (req->method == HTTP_POST) {
		form_keep(&f, "email", form_value(req, "email"));
		p.email = email_normalise(&req->arena, form_value(req, "email"));
		if (!p.email)
			form_error(&f, "email", "form.email.invalid");
		else if (sql_tx(app->pool, forgot_tx, &p) < 0)
			form_error(&f, "email", "form.unavailable");
	}
	if (req->method == HTTP_POST && !form_has_errors(&f)) {
		json_decref(form_json(&f));
		if (app->mail)
			mail_wake(app->mail);
		page_message(app, req, resp, 200, "forgot.done.title", "forgot.done.message",
		             json_pack("{s:s}", "email", p.email));
		return;
	}
	/* the status before form_json, which empties f (arguments have no order) */
	int status = form_has_errors(&f) ? 422 : 200;

	page_render(app, req, resp, status, "email_form", "forgot.title",
	            json_pack("{s:o, s:s, s:s, s:s}", "form", form_json(&f), "intro",
	                      "forgot.intro", "action", "password/forgot", "submit",
	                      "forgot.submit"));
}

/* Sets the password from a valid token; ends every session; the address is
 * verified (the mail reached its owner). */
static int set_password_tx(struct db *db, void *ud)
{
	struct pwflow *p = ud;
	struct arena *a = &p->req->arena;
	char now[ISO_TIME_LEN + 1];
	const char *data, *uid;
	int rc = ott_check(p->app, db, a, form_value(p->req, "token"), p->purpose, 1, &p->uid,
	                   &data);

	if (rc != 1)
		return rc;
	uid = sql_int(a, p->uid);
	iso_time(clock_now(p->app->cfg), now);
	struct audit_entry e = {p->uid,
	                        strcmp(p->purpose, "reset_password") == 0 ? "password_reset"
	                                                                  : "invitation_accepted",
	                        "user",
	                        uid,
	                        req_ip(p->req),
	                        ""};
	if (sql_exec(db,
	             "UPDATE users SET password_hash = $1, password_changed_at = $2, "
	             "email_verified_at = COALESCE(email_verified_at, $2), status = 'active', "
	             "updated_at = $2 WHERE id = $3 AND status <> 'disabled'",
	             3, (const char *[]){p->hash, now, uid}) != 1 ||
	    session_end_all(db, p->uid, NULL) < 0 ||
	    audit_append(db, clock_now(p->app->cfg), &e) < 0)
		return -1;
	/* An imported profile is claimed: it is the person's own from now on. */
	if (sql_exec(db, "UPDATE profiles SET invited = 0 WHERE user_id = $1", 1,
	             (const char *[]){uid}) < 0)
		return -1;
	return 1;
}

/* Is the token in the link still good (without using it)? */
static int token_valid(struct pwflow *p, const char *token)
{
	struct db *db = db_pool_get(p->app->pool);
	const char *data;
	int rc = ott_check(p->app, db, &p->req->arena, token, p->purpose, 0, &p->uid, &data);

	db_pool_put(p->app->pool, db);
	return rc;
}

static void choose_password(struct app *app, struct request *req, struct response *resp,
                            struct pwflow *p, const char *title, const char *done)
{
	const char *token = req->method == HTTP_GET ? kvlist_get(&req->query, "token")
	                                            : form_value(req, "token");
	char hash[PASSWORD_HASH_MAX];
	const char *problem = NULL;
	struct form f;
	int rc;

	form_init(&f);
	if (req->method == HTTP_POST) {
		problem = password_problem_key(app, req_form(req, "password"),
		                               req_form(req, "password2"));
		if (problem)
			form_error(&f, "password", problem);
	}
	rc = token_valid(p, token);
	if (rc == 1 && req->method == HTTP_POST && !problem &&
	    password_hash(app->pw, req_form(req, "password"), hash) == 0) {
		p->hash = hash;
		rc = sql_tx(app->pool, set_password_tx, p);
		if (rc == 1) {
			json_decref(form_json(&f));
			page_message(app, req, resp, 200, done, "password.done.message", NULL);
			return;
		}
	}
	if (rc < 0) {
		json_decref(form_json(&f));
		page_unavailable(app, req, resp);
	} else if (rc == 0) {
		json_decref(form_json(&f));
		page_message(app, req, resp, 400, "link.invalid.title", "link.invalid.message",
		             NULL);
	} else {
		page_render(app, req, resp, req->method == HTTP_POST ? 422 : 200, "password_form",
		            title,
		            json_pack("{s:o, s:s, s:s}", "form", form_json(&f), "token", token,
		                      "action",
		                      strcmp(p->purpose, "reset_password") == 0 ? "password/reset"
		                                                                : "invitation"));
	}
}

void h_reset(void *ctx, struct request *req, struct response *resp)
{
	struct pwflow p = {ctx, req, NULL, "reset_password", NULL, 0};

	choose_password(ctx, req, resp, &p, "reset.title", "reset.done.title");
}

/* Invitations of institution members and the first admin's set-up link
 * both land here: the token's purpose tells which. */
void h_invitation(void *ctx, struct request *req, struct response *resp)
{
	struct pwflow p = {ctx, req, NULL, "invite", NULL, 0};
	const char *token = req->method == HTTP_GET ? kvlist_get(&req->query, "token")
	                                            : form_value(req, "token");
	int rc = token_valid(&p, token);

	if (rc < 0) { /* not an invalid link: the link could not be read */
		page_unavailable(ctx, req, resp);
		return;
	}
	if (rc != 1)
		p.purpose = "admin_setup";
	choose_password(ctx, req, resp, &p, "invitation.title", "invitation.done.title");
}
