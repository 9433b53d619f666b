/* api_needs: POST /api/v1/needs — an institution's system writes a draft
 * need (token scope write_needs). The JSON body is read into the need
 * editor's form fields and goes through the same validation (needs.h:
 * need_read); the first problem is the 422's field and message. One
 * transaction: the need, its audit row, and the answer kept under the
 * request's Idempotency-Key (api_common.c), so that the same key and body
 * give the same answer, and another body 409. */
#include <stdio.h>
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/needs.h"
#include "app/page.h"
#include "app/sql.h"
#include "sec/token.h"

/* The body's plain fields and the editor's form fields they fill. */
enum body_type { B_TEXT, B_INT, B_BOOL };
static const struct body_field {
	const char *json;
	const char *form;
	enum body_type type;
} body_fields[] = {
        {"title", "title", B_TEXT},
        {"description", "description", B_TEXT},
        {"sector", "sector", B_TEXT},
        {"mode", "mode", B_TEXT},
        {"presence", "presence", B_TEXT},
        {"region", "region", B_TEXT},
        {"city", "city", B_TEXT},
        {"dates", "dates", B_TEXT},
        {"start_date", "start", B_TEXT},
        {"end_date", "end", B_TEXT},
        {"effort_days", "effort_days", B_INT},
        {"hours_per_month", "hours", B_INT},
        {"experts_wanted", "experts", B_INT},
        {"pay", "pay", B_TEXT},
        {"covers_travel", "travel", B_BOOL},
        {"covers_stay", "stay", B_BOOL},
        {"counterpart_name", "cp_name", B_TEXT},
        {"counterpart_role", "cp_role", B_TEXT},
        {"counterpart_email", "cp_email", B_TEXT},
        {"ready_counterpart", "ready_counterpart", B_BOOL},
        {"ready_resources", "ready_resources", B_BOOL},
        {"ready_approval", "ready_approval", B_BOOL},
};
#define NFIELDS (sizeof(body_fields) / sizeof(body_fields[0]))

/* What went wrong reading the body: a code and the field (a JSON path). */
struct body_error {
	const char *code;
	const char *field;
};

struct api_create {
	struct app *app;
	struct request *req;
	struct response *resp;
	const struct identity *id;
	const char *key;               /* Idempotency-Key, or NULL */
	char hash[TOKEN_HASH_LEN + 1]; /* of the body */
	struct need n;
	char *answer; /* the 201's body */
};

/* ---- Reading the body into the form -------------------------------------------------- */

static const struct body_field *body_field(const char *json)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(body_fields[i].json, json) == 0)
			return &body_fields[i];
	return NULL;
}

static int plain_field(struct arena *a, const struct body_field *f, json_t *v, struct kvlist *form)
{
	const char *s = NULL;

	if (f->type == B_TEXT && json_is_string(v))
		s = json_string_value(v);
	else if (f->type == B_INT && json_is_integer(v))
		s = sql_int(a, json_integer_value(v));
	else if (f->type == B_BOOL && json_is_boolean(v))
		s = json_is_true(v) ? "1" : "";
	else if (json_is_null(v))
		s = "";
	if (!s)
		return -1;
	kvlist_add(a, form, f->form, arena_strdup(a, s));
	return 0;
}

/* skills: [{name, required, min_level}] → skill_N_name, skill_N_level. */
static int skills_field(struct arena *a, json_t *list, struct kvlist *form, struct body_error *e)
{
	size_t i;
	json_t *s;

	if (!json_is_array(list) || json_array_size(list) > NEED_SKILLS) {
		*e = (struct body_error){json_is_array(list) ? "too_many" : "wrong_type", "skills"};
		return -1;
	}
	json_array_foreach(list, i, s)
	{
		json_t *name = json_object_get(s, "name"), *req_ = json_object_get(s, "required");
		json_t *level = json_object_get(s, "min_level");
		if (!json_is_object(s) || !json_is_string(name) || !json_is_boolean(req_) ||
		    !json_is_integer(level) || json_object_size(s) != 3) {
			*e = (struct body_error){"wrong_type", arena_printf(a, "skills[%zu]", i)};
			return -1;
		}
		kvlist_add(a, form, arena_printf(a, "skill_%zu_name", i),
		           arena_strdup(a, json_string_value(name)));
		kvlist_add(a, form, arena_printf(a, "skill_%zu_level", i),
		           arena_printf(a, "%s-%lld", json_is_true(req_) ? "must" : "nice",
		                        (long long)json_integer_value(level)));
	}
	return 0;
}

/* languages: [{code, level}] → lang_N_code, lang_N_level. */
static int languages_field(struct arena *a, json_t *list, struct kvlist *form, struct body_error *e)
{
	size_t i;
	json_t *l;

	if (!json_is_array(list) || json_array_size(list) > NEED_LANGUAGES) {
		*e = (struct body_error){json_is_array(list) ? "too_many" : "wrong_type",
		                         "languages"};
		return -1;
	}
	json_array_foreach(list, i, l)
	{
		json_t *code = json_object_get(l, "code"), *level = json_object_get(l, "level");
		if (!json_is_object(l) || !json_is_string(code) || !json_is_string(level) ||
		    json_object_size(l) != 2) {
			*e = (struct body_error){"wrong_type",
			                         arena_printf(a, "languages[%zu]", i)};
			return -1;
		}
		kvlist_add(a, form, arena_printf(a, "lang_%zu_code", i),
		           arena_strdup(a, json_string_value(code)));
		kvlist_add(a, form, arena_printf(a, "lang_%zu_level", i),
		           arena_strdup(a, json_string_value(level)));
	}
	return 0;
}

static int body_to_form(struct arena *a, json_t *body, struct kvlist *form, struct body_error *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v)
	{
		const struct body_field *f = body_field(key);
		int rc;
		if (strcmp(key, "skills") == 0)
			rc = skills_field(a, v, form, e);
		else if (strcmp(key, "languages") == 0)
			rc = languages_field(a, v, form, e);
		else if (!f)
			rc = (*e = (struct body_error){"unknown_field", key}, -1);
		else
			rc = plain_field(a, f, v, form) < 0
			             ? (*e = (struct body_error){"wrong_type", key}, -1)
			             : 0;
		if (rc < 0)
			return -1;
	}
	return 0;
}

int api_need_body(struct arena *a, const char *body, size_t len, struct kvlist *form,
                  const char **code, const char **field)
{
	struct body_error e = {"malformed_json", NULL};
	json_error_t je;
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	int rc = json_is_object(v) ? body_to_form(a, v, form, &e) : -1;

	if (rc < 0) { /* e.field may be a key of v: copied before v goes */
		*code = e.code;
		*field = e.field ? arena_strdup(a, e.field) : NULL;
	}
	json_decref(v);
	return rc;
}

/* The body's name of a form field: "skill_2_level" → "skills[2].min_level". */
static const char *body_name(struct arena *a, const char *form)
{
	int row;
	char what[8];

	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(body_fields[i].form, form) == 0)
			return body_fields[i].json;
	if (sscanf(form, "skill_%d_%7s", &row, what) == 2)
		return arena_printf(a, "skills[%d].%s", row,
		                    strcmp(what, "name") == 0 ? "name" : "min_level");
	if (sscanf(form, "lang_%d_%7s", &row, what) == 2)
		return arena_printf(a, "languages[%d].%s", row, what);
	return form;
}

/* ---- Answering -------------------------------------------------------------------------- */

/* The issue's message in the caller's language ({name}: what was typed). */
static const char *issue_message(struct api_create *c, const struct need_issue *is)
{
	enum lang l = lang_negotiate(req_header(c->req, "Accept-Language"), LANG_EN);
	const char *m = tr(c->app, l, is->key), *at = strstr(m, "{name}");

	if (!at)
		return m;
	return arena_printf(&c->req->arena, "%.*s%s%s", (int)(at - m), m, is->arg ? is->arg : "",
	                    at + 6);
}

static char *answer_of(struct api_create *c, const char *now)
{
	json_t *v = json_pack("{s:I, s:s, s:I, s:s, s:s}", "id", (json_int_t)c->n.id, "state",
	                      need_state_name(c->n.state), "institution",
	                      (json_int_t)c->n.institution_id, "created_at", now, "url",
	                      arena_printf(&c->req->arena, "%s/fr/institution/needs/%lld",
	                                   c->app->cfg->public_url, (long long)c->n.id));
	char *s = json_dumps(v, JSON_COMPACT);

	json_decref(v);
	return s;
}

static int create_tx(struct db *db, void *ud)
{
	struct api_create *c = ud;
	struct arena *a = &c->req->arena;
	char now[ISO_TIME_LEN + 1];
	int64_t t = clock_now(c->app->cfg);

	iso_time(t, now);
	if (need_insert(db, a, &c->n, c->id->user_id, now, new_id(c->app->cfg)) < 0)
		return -1;
	struct audit_entry e = {
	        c->id->user_id,
	        "need_created",
	        "need",
	        sql_int(a, c->n.id),
	        req_ip(c->req),
	        arena_printf(a, "{\"via\":\"api\",\"token\":%lld}", (long long)c->id->token_id)};
	if (audit_append(db, t, &e) < 0 || !(c->answer = answer_of(c, now)))
		return -1;
	if (c->key && api_idempotency_put(db, c->app, a, c->id->user_id, c->id->token_id, c->key,
	                                  c->hash, 201, c->answer) < 0)
		return -1;
	return 0;
}

static void respond_raw(struct api_create *c, int status, const char *body, int replayed)
{
	c->resp->status = status;
	c->resp->content_type = "application/json; charset=utf-8";
	buf_reset(&c->resp->body);
	buf_adds(&c->resp->body, body);
	buf_addc(&c->resp->body, '\n');
	if (replayed)
		resp_header(c->req, c->resp, "Idempotent-Replayed", "true");
}

/* An earlier answer under this key: 1 answered (replayed, or 409), 0 none,
 * -1 answered 503. */
static int replay(struct api_create *c)
{
	struct api_replay r;
	struct db *db;
	int rc;

	if (!c->key)
		return 0;
	db = db_pool_get(c->app->pool);
	rc = api_idempotency_get(db, &c->req->arena, c->id->token_id, c->key, &r);
	db_pool_put(c->app->pool, db);
	if (rc < 0)
		json_error(c->app, c->req, c->resp, 503, "unavailable", NULL);
	else if (rc == 1 && strcmp(r.request_hash, c->hash) != 0)
		json_error(c->app, c->req, c->resp, 409, "idempotency_conflict", "Idempotency-Key");
	else if (rc == 1)
		respond_raw(c, r.status, r.body, 1);
	return rc;
}

/* A JSON body? 0, or -1 with 415 sent. */
static int json_content_type(struct api_create *c)
{
	const char *type = req_header(c->req, "Content-Type");

	if (!type || strncmp(type, "application/json", 16) != 0 ||
	    (type[16] != '\0' && type[16] != ';')) {
		json_error(c->app, c->req, c->resp, 415, "unsupported_media_type", "Content-Type");
		return -1;
	}
	return 0;
}

/* The body read and validated into c->n; 0, or -1 with the error sent
 * (400 for a body that is not a JSON object, 422 for a bad field). */
static int read_need(struct api_create *c)
{
	struct kvlist form = {0};
	struct need_issues is = {0};
	const char *code, *field;
	char today[ISO_TIME_LEN + 1];

	if (api_need_body(&c->req->arena, buf_str(&c->req->body), c->req->body.len, &form, &code,
	                  &field) < 0) {
		json_error(c->app, c->req, c->resp, field ? 422 : 400, code, field);
		return -1;
	}
	iso_time(clock_now(c->app->cfg), today);
	today[10] = '\0';
	need_read(c->app->tx, &c->req->arena, &form, today, &c->n, &is);
	if (is.count > 0) {
		json_error_message(c->app, c->req, c->resp, 422, "invalid",
		                   body_name(&c->req->arena, is.items[0].field),
		                   issue_message(c, &is.items[0]));
		return -1;
	}
	return 0;
}

void h_api_need_create(void *ctx, struct request *req, struct response *resp)
{
	struct api_create c = {ctx, req, resp, auth_identity(req), NULL, "", {0}, NULL};
	c.key = req_header(req, "Idempotency-Key");
	if (c.key && (!api_idempotency_key_valid(c.key) || !c.id->token_id)) {
		json_error(c.app, req, resp, 400,
		           c.id->token_id ? "bad_idempotency_key" : "idempotency_token",
		           "Idempotency-Key");
		return;
	}
	if (!c.id->institution_id) {
		json_error(c.app, req, resp, 403, "no_institution", NULL);
		return;
	}
	token_hash(buf_str(&req->body), c.hash);
	if (replay(&c) != 0 || json_content_type(&c) < 0 || read_need(&c) < 0)
		return;
	c.n.id = new_id(c.app->cfg);
	c.n.institution_id = c.id->institution_id;
	c.n.state = NEED_DRAFT;
	if (sql_tx(c.app->pool, create_tx, &c) < 0) {
		free(c.answer);
		/* the same key committed meanwhile by a concurrent request: its answer */
		if (replay(&c) == 0)
			json_error(c.app, req, resp, 503, "unavailable", NULL);
		return;
	}
	respond_raw(&c, 201, c.answer, 0);
	free(c.answer);
}
