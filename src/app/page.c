#include "app/page.h"

#include "app/auth.h"
#include "app/sql.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "sec/token.h"

const char *tr(const struct app *app, enum lang l, const char *key)
{
	return i18n_get(app->i18n, l, key);
}

/* The language prefix of the path ("/ar/…"), even when no route matched. */
static int path_lang(const char *path, enum lang *l)
{
	char code[3];

	if (!path || path[0] != '/' || strlen(path) < 3 || (path[3] != '/' && path[3] != '\0'))
		return -1;
	memcpy(code, path + 1, 2);
	code[2] = '\0';
	return lang_parse(code, l);
}

enum lang page_lang(struct request *req)
{
	enum lang l;
	const char *s;

	if (path_lang(req->path, &l) == 0)
		return l;
	s = req_cookie(req, "lang");
	if (s && lang_parse(s, &l) == 0)
		return l;
	return lang_negotiate(req_header(req, "Accept-Language"), LANG_FR);
}

/* The path without its language prefix: "/fr/privacy" → "/privacy". */
static const char *path_tail(struct request *req)
{
	enum lang l;

	if (path_lang(req->path, &l) == 0 && req->path[3] == '/')
		return req->path + 3;
	return "/";
}

static json_t *languages(enum lang current, const char *tail)
{
	json_t *list = json_array();

	for (int i = 0; i < LANG_COUNT; i++) {
		char href[512];
		snprintf(href, sizeof(href), "/%s%s", lang_code((enum lang)i), tail);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:s}", "code",
		                                      lang_code((enum lang)i), "name",
		                                      lang_native_name((enum lang)i), "href", href,
		                                      "current", i == (int)current, "dir",
		                                      lang_dir((enum lang)i)));
	}
	return list;
}

static char *asset_url(struct app *app, struct request *req, const char *name)
{
	const char *etag = static_etag(app->statics, name);
	char v[20] = "";

	if (etag) /* "\"0123abcd...\"" → 0123abcd... (cache-busting) */
		snprintf(v, sizeof(v), "%.16s", etag + 1);
	return arena_printf(&req->arena, "/static/%s%s%s", name, *v ? "?v=" : "", v);
}

static json_t *common_context(struct app *app, struct request *req, enum lang l, const char *title)
{
	const char *bootstrap =
	        l == LANG_AR ? "vendor/bootstrap.rtl.min.css" : "vendor/bootstrap.min.css";
	const char *tail = path_tail(req);

	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s}, s:s}", "lang", lang_code(l),
	                 "dir", lang_dir(l), "path", tail, "title", title, "languages",
	                 languages(l, tail), "css", "bootstrap", asset_url(app, req, bootstrap),
	                 "app", asset_url(app, req, "css/kafaat.css"), "version", KAFAAT_VERSION);
}

/* What the layout needs to know of the signed-in person (nothing when
 * anonymous, or half-way through the second factor). */
static json_t *user_context(struct app *app, struct request *req)
{
	const struct identity *id = auth_identity(req);
	int64_t unread = 0;

	if (!id || id->second_step_pending)
		return json_null();
	/* The inbox's unread count in the navigation (notify.c); 0 when unknown. */
	struct db *db = db_pool_get(app->pool);
	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS "
	                 "NULL",
	                 1, (const char *[]){sql_int(&req->arena, id->user_id)}, &unread) != DB_OK)
		unread = 0;
	db_pool_put(app->pool, db);
	return json_pack("{s:s, s:b, s:b, s:b, s:I, s:b}", "email", id->email, "admin",
	                 (id->roles & ROLE_ADMIN) != 0, "owner",
	                 (id->roles & ROLE_INSTITUTION_OWNER) != 0, "expert",
	                 (id->roles & ROLE_EXPERT) != 0, "unread", (json_int_t)unread,
	                 "institution",
	                 (id->roles & (ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER)) != 0);
}

static const char *translate(void *ud, const char *key)
{
	const struct app *app = ((void **)ud)[0];
	const enum lang *l = ((void **)ud)[1];

	return i18n_lookup(app->i18n, *l, key);
}

static void remember_lang(struct app *app, struct request *req, struct response *resp, enum lang l)
{
	const char *have = req_cookie(req, "lang");
	int https = strncmp(app->cfg->public_url, "https://", 8) == 0;

	enum lang in_path;

	if (path_lang(req->path, &in_path) < 0 || (have && strcmp(have, lang_code(l)) == 0))
		return;
	resp_header(req, resp, "Set-Cookie",
	            arena_printf(&req->arena, "lang=%s; Path=/; Max-Age=31536000; SameSite=Lax%s",
	                         lang_code(l), https ? "; Secure" : ""));
}

void page_render(struct app *app, struct request *req, struct response *resp, int status,
                 const char *name, const char *title, json_t *data)
{
	enum lang l = page_lang(req);
	json_t *ctx = common_context(app, req, l, title);
	void *ud[2] = {app, &l};
	struct tmpl_render_opts opts = {translate, ud, NULL, 0};
	struct buf body = BUF_INIT;
	char err[256];

	json_object_set_new(ctx, "page", data ? data : json_object());
	json_object_set_new(ctx, "csrf", json_string(auth_csrf(app, req, resp)));
	json_object_set_new(ctx, "user", user_context(app, req));
	if (tmpl_render(app->tmpl, name, ctx, &opts, &body, err, sizeof(err)) < 0)
		goto fail;
	opts.content = buf_str(&body);
	opts.content_len = body.len;
	buf_reset(&resp->body);
	if (tmpl_render(app->tmpl, "layout", ctx, &opts, &resp->body, err, sizeof(err)) < 0)
		goto fail;
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	resp_header(req, resp, "Content-Language", lang_code(l));
	resp_header(req, resp, "Cache-Control", "no-cache");
	remember_lang(app, req, resp, l);
	goto out;
fail:
	log_error("rendering %s: %s", name, err);
	resp_set(resp, 500, "text/plain; charset=utf-8", "internal error\n", 15);
out:
	buf_release(&body);
	json_decref(ctx);
}

void page_message(struct app *app, struct request *req, struct response *resp, int status,
                  const char *title, const char *message, json_t *args)
{
	page_render(app, req, resp, status, "message", title,
	            json_pack("{s:s, s:s, s:o}", "title", title, "message", message, "args",
	                      args ? args : json_object()));
}

json_t *lang_options(enum lang selected)
{
	json_t *list = json_array();

	for (int i = 0; i < LANG_COUNT; i++)
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:b}", "code", lang_code((enum lang)i),
		                                "name", lang_native_name((enum lang)i), "selected",
		                                i == (int)selected));
	return list;
}

void page_unavailable(struct app *app, struct request *req, struct response *resp)
{
	struct route_error e = {503, "unavailable", NULL, 0};
	app_on_error(app, req, resp, &e);
}

static int is_api(const struct request *req)
{
	const struct route *r = req->route;
	return r ? (r->flags & ROUTE_API) != 0
	         : strncmp(req->path ? req->path : "", "/api/", 5) == 0;
}

/* Does the If-None-Match list hold tag (or "*")? Weak tags compare equal. */
static int etag_listed(const char *list, const char *tag)
{
	size_t n = strlen(tag);

	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*' ||
		    (strncmp(p, tag, n) == 0 && (p[n] == '\0' || strchr(" \t,", p[n]))))
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

/* A read's validator: the SHA-256 of its body. While it still matches the
 * client's If-None-Match, 304 without a body. */
static void etag(struct request *req, struct response *resp)
{
	char hash[TOKEN_HASH_LEN + 1];
	const char *tag, *inm = req_header(req, "If-None-Match");

	token_hash(buf_str(&resp->body), hash);
	tag = arena_printf(&req->arena, "\"%.32s\"", hash);
	resp_header(req, resp, "ETag", tag);
	if (inm && etag_listed(inm, tag)) {
		resp->status = 304;
		resp->content_type = NULL; /* no body, so no type */
		buf_reset(&resp->body);
	}
}

void json_respond(struct request *req, struct response *resp, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	resp->status = status;
	resp->content_type = "application/json; charset=utf-8";
	buf_reset(&resp->body);
	buf_adds(&resp->body, s ? s : "null");
	buf_addc(&resp->body, '\n');
	free(s);
	json_decref(v);
	if (!is_api(req))
		return;
	resp_header(req, resp, "Vary", "Accept-Language, Authorization");
	if (status == 200 && (req->method & HTTP_GET))
		etag(req, resp);
}

/* The message of an error: "api.error.CODE" when the catalogues explain
 * the code (its {field} filled), else the status's. */
static const char *error_message(struct app *app, struct request *req, enum lang l, int status,
                                 const char *code, const char *field)
{
	const char *m = i18n_lookup(app->i18n, l, arena_printf(&req->arena, "api.error.%s", code));
	const char *at;
	char key[64];

	if (!m) {
		snprintf(key, sizeof(key), "error.%d.message", status);
		return tr(app, l, key);
	}
	if (!(at = strstr(m, "{field}")))
		return m;
	return arena_printf(&req->arena, "%.*s%s%s", (int)(at - m), m, field ? field : "", at + 7);
}

void json_error_message(struct app *app, struct request *req, struct response *resp, int status,
                        const char *code, const char *field, const char *message)
{
	enum lang l = lang_negotiate(req_header(req, "Accept-Language"), LANG_EN);

	json_respond(req, resp, status,
	             json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code, "message",
	                       message ? message : error_message(app, req, l, status, code, field),
	                       "field", field));
	resp_header(req, resp, "Content-Language", lang_code(l));
}

void json_error(struct app *app, struct request *req, struct response *resp, int status,
                const char *code, const char *field)
{
	json_error_message(app, req, resp, status, code, field, NULL);
}

json_t *page_paragraphs(struct arena *a, const char *s)
{
	json_t *out = json_array();

	while (s && *s) {
		size_t n = strcspn(s, "\r\n");
		if (n)
			json_array_append_new(out, json_string(arena_strndup(a, s, n)));
		s += n;
		s += strspn(s, "\r\n");
	}
	return out;
}
