/* api_admin: the programme team's view of the API tokens in use
 * (/:lang/admin/tokens) and its revocation of any of them: one transaction
 * for the revocation (conditional: a token already revoked is not revoked
 * twice), its audit row and the owner's notification. Owners revoke their
 * own on their account page (account.c). */
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/notify.h"
#include "app/page.h"
#include "app/sql.h"
#include "core/parse.h"

#define TOKENS_SHOWN 200 /* the newest tokens in use */
#define TOKENS_SHOWN_SQL "200"

static json_t *tokens_json(struct app *app, struct db *db)
{
	static const char *const names[] = {"id",      "name", "scopes", "owner",
	                                    "created", "used", "expires"};
	struct db_stmt *st = db_prepare(
	        db, "SELECT t.id, t.name, t.scopes, u.email, t.created_at, t.last_used_at, "
	            "t.expires_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE "
	            "t.revoked_at IS NULL ORDER BY t.created_at DESC, t.id DESC "
	            "LIMIT " TOKENS_SHOWN_SQL);
	json_t *list = json_array();
	enum db_rc rc = DB_ERROR;

	(void)app;
	while (st && (rc = db_step(st)) == DB_ROW) {
		json_t *row = json_object();
		for (int i = 0; i < 7; i++)
			json_object_set_new(row, names[i],
			                    db_col_text(st, i) ? json_string(db_col_text(st, i))
			                                       : json_null());
		json_array_append_new(list, row);
	}
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static void show(struct app *app, struct request *req, struct response *resp, int status,
                 const char *done)
{
	struct db *db = db_pool_get(app->pool);
	json_t *tokens = tokens_json(app, db);

	db_pool_put(app->pool, db);
	if (!tokens) {
		page_unavailable(app, req, resp);
		return;
	}
	page_render(
	        app, req, resp, status, "api_tokens", "api.tokens.title",
	        json_pack("{s:o, s:s?, s:i}", "tokens", tokens, "done", done, "max", TOKENS_SHOWN));
}

void h_admin_tokens(void *ctx, struct request *req, struct response *resp)
{
	const char *done = kvlist_get(&req->query, "done");

	show(ctx, req, resp, 200,
	     done && strcmp(done, "revoked") == 0 ? "api.tokens.revoked" : NULL);
}

struct revoke {
	struct app *app;
	struct request *req;
	const char *id;
};

static int revoke_tx(struct db *db, void *ud)
{
	struct revoke *r = ud;
	struct arena *a = &r->req->arena;
	const struct identity *who = auth_identity(r->req);
	int64_t now = clock_now(r->app->cfg), owner;
	char at[ISO_TIME_LEN + 1];
	const char *row[2];

	iso_time(now, at);
	int found = sql_row(db, a,
	                    "SELECT user_id, name FROM api_tokens WHERE id = $1 AND revoked_at IS "
	                    "NULL",
	                    1, (const char *[]){r->id}, row, 2);
	if (found != 1)
		return found < 0 ? -1 : 0;
	if (sql_exec(db,
	             "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
	             2, (const char *[]){at, r->id}) != 1 ||
	    parse_int64(row[0], 1, INT64_MAX, &owner) < 0)
		return -1;
	struct audit_entry e = {
	        who->user_id,
	        "api_token_revoked",
	        "api_token",
	        r->id,
	        req_ip(r->req),
	        arena_printf(a, "{\"by\":\"admin\",\"owner\":%lld}", (long long)owner)};
	if (audit_append(db, now, &e) < 0 ||
	    notify(r->app, db, owner, "api_token_revoked", "/account",
	           (const char *[]){"name", row[1], NULL}) < 0)
		return -1;
	return 1;
}

void h_admin_token_revoke(void *ctx, struct request *req, struct response *resp)
{
	struct revoke r = {ctx, req, req_param(req, "id")};
	int rc = sql_tx(r.app->pool, revoke_tx, &r);

	if (rc < 0) {
		page_unavailable(r.app, req, resp);
	} else if (rc == 0) {
		struct route_error e = {404, "not_found", NULL, 0};
		app_on_error(r.app, req, resp, &e);
	} else {
		resp_redirect(req, resp, 303,
		              arena_printf(&req->arena, "/%s/admin/tokens?done=revoked",
		                           lang_code(page_lang(req))));
	}
}
