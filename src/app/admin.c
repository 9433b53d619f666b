/* admin: the programme team invites institutions' people (institutions
 * themselves: institutions.c); an institution's owners invite their own
 * team; the team searches the audit log. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/institutions.h"
#include "app/mail.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/parse.h"

#define INVITE_TTL (7 * 24 * 3600)

/* ---- Invitations ------------------------------------------------------------------ */

struct invite {
	struct app *app;
	struct request *req;
	const char *email;
	int64_t institution;
	const char *role; /* "institution_owner" or "institution_member" */
	enum lang lang;
	const char *institution_name;
	int found;
	int unavailable; /* a read failed while checking the form */
};

static int grant(struct invite *v, struct db *db, int64_t uid)
{
	char now[ISO_TIME_LEN + 1];
	struct arena *a = &v->req->arena;
	const char *id = sql_int(a, uid), *inst = sql_int(a, v->institution);
	struct identity *who = auth_identity(v->req);

	iso_time(clock_now(v->app->cfg), now);
	if (sql_exec(db,
	             "INSERT INTO user_roles (user_id, role, scope, granted_at, granted_by) "
	             "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, role, scope) DO NOTHING",
	             5, (const char *[]){id, v->role, inst, now, sql_int(a, who->user_id)}) < 0)
		return -1;
	struct audit_entry e = {
	        who->user_id,
	        "role_granted",
	        "user",
	        id,
	        req_ip(v->req),
	        arena_printf(a, "{\"role\":\"%s\",\"institution\":%s}", v->role, inst)};
	return audit_append(db, clock_now(v->app->cfg), &e);
}

static int64_t create_invited(struct invite *v, struct db *db)
{
	char now[ISO_TIME_LEN + 1];
	int64_t uid = new_id(v->app->cfg);

	iso_time(clock_now(v->app->cfg), now);
	if (sql_exec(db,
	             "INSERT INTO users (id, email, lang, status, created_at, updated_at) "
	             "VALUES ($1, $2, $3, 'invited', $4, $4)",
	             4,
	             (const char *[]){sql_int(&v->req->arena, uid), v->email, lang_code(v->lang),
	                              now}) != 1)
		return -1;
	return uid;
}

static int invite_tx(struct db *db, void *ud)
{
	struct invite *v = ud;
	struct arena *a = &v->req->arena;
	struct user u;
	const char *link;
	int64_t uid;

	v->found = user_by_email(db, a, v->email, &u);
	if (v->found < 0)
		return -1;
	uid = v->found ? u.id : create_invited(v, db);
	if (uid < 0 || grant(v, db, uid) < 0)
		return -1;
	if (v->found && strcmp(u.status, "invited") != 0) {
		link = arena_printf(a, "%s/%s/signin", v->app->cfg->public_url, lang_code(u.lang));
	} else {
		const char *token = ott_create(v->app, db, a, uid, "invite", "", INVITE_TTL);
		if (!token)
			return -1;
		link = link_to(v->app, a, v->found ? u.lang : v->lang, "invitation", token);
	}
	return mail_enqueue(
	        v->app, db, v->email, v->found ? u.lang : v->lang, "mail.invite",
	        (const char *[]){"link", link, "institution", v->institution_name, NULL});
}

/* The institution's name in the invitee's language, or NULL if unknown or
 * if the read failed (then *failed is set, when given). */
static const char *institution_name(struct app *app, struct request *req, int64_t id, enum lang l,
                                    int *failed)
{
	struct db *db = db_pool_get(app->pool);
	const char *row[1];
	char sql[96];
	int rc;

	snprintf(sql, sizeof(sql), "SELECT name_%s FROM institutions WHERE id = $1", lang_code(l));
	rc = sql_row(db, &req->arena, sql, 1, (const char *[]){sql_int(&req->arena, id)}, row, 1);
	db_pool_put(app->pool, db);
	if (rc < 0 && failed)
		*failed = 1;
	return rc == 1 ? row[0] : NULL;
}

static void check_invite(struct invite *v, struct form *f, int admin)
{
	struct request *req = v->req;
	const char *role = form_value(req, "role");

	form_keep(f, "email", form_value(req, "email"));
	form_keep(f, "role", role);
	form_keep(f, "lang", form_value(req, "lang"));
	v->email = email_normalise(&req->arena, form_value(req, "email"));
	if (!v->email)
		form_error(f, "email", "form.email.invalid");
	if (lang_parse(form_value(req, "lang"), &v->lang) < 0)
		form_error(f, "lang", "form.lang.required");
	if (strcmp(role, "owner") == 0 && admin)
		v->role = "institution_owner";
	else if (strcmp(role, "member") == 0)
		v->role = "institution_member";
	else
		form_error(f, "role", "invite.role.required");
	if (admin) {
		form_keep(f, "institution", form_value(req, "institution"));
		if (parse_int64(form_value(req, "institution"), 1, INT64_MAX, &v->institution) < 0)
			v->institution = 0;
	}
	v->institution_name = v->institution ? institution_name(v->app, req, v->institution,
	                                                        v->lang, &v->unavailable)
	                                     : NULL;
	if (!v->institution_name)
		form_error(f, "institution", "invite.institution.required");
}

static void invitations(struct app *app, struct request *req, struct response *resp, int admin,
                        int64_t institution)
{
	struct invite v = {app, req, NULL, institution, NULL, LANG_FR, NULL, 0, 0};
	struct form f;
	int status = 200;

	form_init(&f);
	if (req->method == HTTP_POST) {
		check_invite(&v, &f, admin);
		status = form_has_errors(&f) ? 422 : 200;
		/* an institution that could not be read is an outage, not a form error */
		if (v.unavailable ||
		    (!form_has_errors(&f) && sql_tx(app->pool, invite_tx, &v) < 0)) {
			json_decref(form_json(&f));
			page_unavailable(app, req, resp);
			return;
		}
		if (app->mail && status == 200)
			mail_wake(app->mail);
	}
	struct db *db = db_pool_get(app->pool);
	json_t *list = institutions_options(db, page_lang(req));
	db_pool_put(app->pool, db);
	page_render(
	        app, req, resp, status, "invitations",
	        admin ? "admin.invitations.title" : "members.title",
	        json_pack("{s:o, s:o, s:o, s:b, s:s?, s:s?}", "form", form_json(&f), "languages",
	                  lang_options(page_lang(req)), "institutions", list, "admin", admin,
	                  "sent", req->method == HTTP_POST && status == 200 ? v.email : NULL,
	                  "institution_name",
	                  admin ? NULL
	                        : institution_name(app, req, institution, page_lang(req), NULL)));
}

void h_admin_invitations(void *ctx, struct request *req, struct response *resp)
{
	invitations(ctx, req, resp, 1, 0);
}

void h_institution_members(void *ctx, struct request *req, struct response *resp)
{
	invitations(ctx, req, resp, 0, auth_identity(req)->institution_id);
}

/* ---- Audit log ------------------------------------------------------------------ */

void h_admin_audit(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	const char *action = kvlist_get(&req->query, "action");
	const char *actor = kvlist_get(&req->query, "actor");
	const char *before = kvlist_get(&req->query, "before");
	struct db *db = db_pool_get(app->pool);
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT a.seq, a.at, COALESCE(u.email, ''), a.action, a.target_type, "
	        "a.target_id, a.ip, a.details FROM audit_log a LEFT JOIN users u ON "
	        "u.id = a.actor_id WHERE ($1 = '' OR a.action = $1) AND ($2 = '' OR u.email = $2) "
	        "AND a.seq < CAST($3 AS BIGINT) ORDER BY a.seq DESC LIMIT 50");
	json_t *rows = json_array();
	int ok = st != NULL;
	static const char *const names[] = {"seq",         "at",        "actor", "action",
	                                    "target_type", "target_id", "ip",    "details"};

	if (st && (db_bind_text(st, 1, action ? action : "") != DB_OK ||
	           db_bind_text(st, 2, actor ? actor : "") != DB_OK ||
	           db_bind_text(st, 3, before ? before : "9223372036854775807") != DB_OK)) {
		db_finalize(st);
		st = NULL;
		ok = 0;
	}
	while (st && db_step(st) == DB_ROW) {
		json_t *row = json_object();
		for (int i = 0; i < 8; i++)
			json_object_set_new(row, names[i], json_string(db_col_text(st, i)));
		json_array_append_new(rows, row);
	}
	db_finalize(st);
	db_pool_put(app->pool, db);
	if (!ok) {
		json_decref(rows);
		page_unavailable(app, req, resp);
		return;
	}
	page_render(app, req, resp, 200, "admin_audit", "admin.audit.title",
	            json_pack("{s:o, s:s, s:s}", "rows", rows, "action", action ? action : "",
	                      "actor", actor ? actor : ""));
}
