#include "web/openapi.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "web/http.h"

/* ---- Checking a route's description ---------------------------------------- */

static const struct api_param *param_find(const struct api_param *p, const char *name)
{
	for (; p && p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static const struct field *query_find(const struct field *f, const char *name)
{
	for (; f && f->type != FIELD_END; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static int fail(char *err, size_t errlen, const char *pattern, const char *why)
{
	snprintf(err, errlen, "route %s: %s", pattern, why);
	return -1;
}

/* Every query field described, every description a field. */
static int check_params(const struct route *r, char *err, size_t errlen)
{
	const struct api_doc *d = r->api;

	for (const struct field *f = r->query; f && f->type != FIELD_END; f++)
		if (!param_find(d->params, f->name) || !param_find(d->params, f->name)->description)
			return fail(err, errlen, r->pattern,
			            "a query parameter without description");
	for (const struct api_param *p = d->params; p && p->name; p++)
		if (!query_find(r->query, p->name))
			return fail(err, errlen, r->pattern,
			            "a described parameter it does not take");
	if ((d->flags & API_PAGINATED) &&
	    (!query_find(r->query, "cursor") || !query_find(r->query, "limit")))
		return fail(err, errlen, r->pattern, "paginated without cursor and limit");
	return 0;
}

int openapi_check_route(const struct route *r, char *err, size_t errlen)
{
	const struct api_doc *d = r->api;

	if (!(r->flags & ROUTE_API))
		return d ? fail(err, errlen, r->pattern, "an API description on a page route") : 0;
	if (!d)
		return fail(err, errlen, r->pattern, "an API route without its description");
	if (!d->operation_id || !d->tag || !d->response)
		return fail(err, errlen, r->pattern, "operation id, tag and response are required");
	if (r->methods != HTTP_GET && r->methods != HTTP_POST)
		return fail(err, errlen, r->pattern, "one method per API route (GET or POST)");
	if ((r->methods == HTTP_POST) != (d->request != NULL && d->request_type != NULL))
		return fail(err, errlen, r->pattern, "a POST describes its body, a GET has none");
	if ((d->flags & API_CREATES) && r->methods != HTTP_POST)
		return fail(err, errlen, r->pattern, "only a POST creates");
	if (r->methods == HTTP_POST && !d->scope) /* who may write: a scope (auth.c) */
		return fail(err, errlen, r->pattern, "a POST takes a token with a scope");
	if (r->form)
		return fail(err, errlen, r->pattern, "API routes take JSON, not forms");
	return check_params(r, err, errlen);
}

/* ---- Building the document --------------------------------------------------- */

struct build {
	const struct openapi_info *info;
	json_t *doc;
	json_t *catalogue;     /* every shared response, parameter and header; the
	                          document's components get those it uses */
	json_t *operation_ids; /* set of the ids seen */
	char *err;
	size_t errlen;
};

void openapi_path(const char *pattern, char *out, size_t outlen)
{
	struct buf b = BUF_INIT;

	for (const char *s = pattern; *s == '/'; s += strcspn(s + 1, "/") + 1) {
		int n = (int)strcspn(s + 1, "/");
		if (s[1] == ':' || s[1] == '*')
			buf_addf(&b, "/{%.*s}", n - 1, s + 2);
		else
			buf_addf(&b, "/%.*s", n, s + 1);
	}
	snprintf(out, outlen, "%s", b.len ? buf_str(&b) : "/");
	buf_release(&b);
}

/* The schema of a path parameter, by its name (router.c validates the same). */
static json_t *path_schema(const char *name)
{
	if (strcmp(name, "lang") == 0)
		return json_pack("{s:s, s:[s,s,s]}", "type", "string", "enum", "ar", "fr", "en");
	if (strcmp(name, "id") == 0)
		return json_pack("{s:s, s:s, s:i}", "type", "integer", "format", "int64", "minimum",
		                 1);
	if (strcmp(name, "slug") == 0)
		return json_pack("{s:s, s:s}", "type", "string", "pattern", "^[a-z0-9-]{1,64}$");
	return json_pack("{s:s}", "type", "string");
}

static json_t *path_params(const char *pattern, json_t *list)
{
	for (const char *s = pattern; (s = strchr(s, '/')) != NULL; s++) {
		if (s[1] != ':' && s[1] != '*')
			continue;
		size_t n = strcspn(s + 2, "/");
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)n, s + 2);
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", name, "in",
		                                "path", "required", 1, "description",
		                                strcmp(name, "id") == 0 ? "The object's identifier."
		                                                        : "A path parameter.",
		                                "schema", path_schema(name)));
	}
	return list;
}

static json_t *field_schema(const struct field *f)
{
	switch (f->type) {
	case FIELD_INT:
		return json_pack("{s:s, s:s, s:I, s:I}", "type", "integer", "format", "int64",
		                 "minimum", (json_int_t)f->min, "maximum", (json_int_t)f->max);
	case FIELD_LANG:
		return json_pack("{s:s, s:[s,s,s]}", "type", "string", "enum", "ar", "fr", "en");
	default:
		return json_pack("{s:s, s:I, s:I}", "type", "string", "minLength",
		                 (json_int_t)f->min, "maxLength", (json_int_t)f->max);
	}
}

static void query_params(const struct route *r, json_t *list)
{
	for (const struct field *f = r->query; f && f->type != FIELD_END; f++)
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", f->name, "in",
		                                "query", "required", 0, "description",
		                                param_find(r->api->params, f->name)->description,
		                                "schema", field_schema(f)));
}

static json_t *ref(const char *where, const char *name)
{
	char s[128];

	snprintf(s, sizeof(s), "#/components/%s/%s", where, name);
	return json_pack("{s:s}", "$ref", s);
}

/* A reference to a shared component, which the document's components then
 * hold (with the headers it refers to). */
static json_t *use(struct build *b, const char *where, const char *name)
{
	json_t *have = json_object_get(json_object_get(b->doc, "components"), where);
	json_t *it = json_object_get(json_object_get(b->catalogue, where), name), *h;
	const char *hname;

	if (it && !json_object_get(have, name)) {
		json_object_set(have, name, it);
		json_object_foreach(json_object_get(it, "headers"), hname, h)
		{
			const char *r = json_string_value(json_object_get(h, "$ref"));
			if (r && strrchr(r, '/'))
				json_decref(use(b, "headers", strrchr(r, '/') + 1));
		}
	}
	return ref(where, name);
}

static json_t *parameters(struct build *b, const struct route *r)
{
	json_t *list = path_params(r->pattern, json_array());

	query_params(r, list);
	json_array_append_new(list, use(b, "parameters", "AcceptLanguage"));
	if (r->methods == HTTP_GET)
		json_array_append_new(list, use(b, "parameters", "IfNoneMatch"));
	if (r->api->flags & API_CREATES)
		json_array_append_new(list, use(b, "parameters", "IdempotencyKey"));
	return list;
}

/* Schema texts are JSON written with ' for " (readable C literals; prose
 * uses the typographic apostrophe). */
static json_t *load_quoted(const char *text, json_error_t *je)
{
	struct buf b = BUF_INIT;
	json_t *v;

	for (const char *p = text; *p; p++)
		buf_addc(&b, *p == '\'' ? '"' : *p);
	v = json_loadb(buf_str(&b), b.len, JSON_REJECT_DUPLICATES, je);
	buf_release(&b);
	return v;
}

static json_t *parse_schema(struct build *b, const struct route *r, const char *text)
{
	json_error_t je;
	json_t *v = load_quoted(text, &je);

	if (!v || !json_is_object(v)) {
		snprintf(b->err, b->errlen, "route %s: schema is not a JSON object: %s (line %d)",
		         r->pattern, v ? "not an object" : je.text, je.line);
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Headers of a success: ETag on reads, the rate limit where it applies. */
static json_t *success_headers(struct build *b, const struct route *r)
{
	json_t *h = json_object();

	if (r->methods == HTTP_GET)
		json_object_set_new(h, "ETag", use(b, "headers", "ETag"));
	if (!(r->flags & ROUTE_ANONYMOUS)) {
		json_object_set_new(h, "RateLimit-Limit", use(b, "headers", "RateLimitLimit"));
		json_object_set_new(h, "RateLimit-Remaining",
		                    use(b, "headers", "RateLimitRemaining"));
		json_object_set_new(h, "RateLimit-Reset", use(b, "headers", "RateLimitReset"));
	}
	return h;
}

static const struct {
	int status;
	const char *response; /* name in components/responses */
} error_names[] = {
        {400, "BadRequest"},      {401, "Unauthenticated"}, {403, "Forbidden"},
        {404, "NotFound"},        {409, "Conflict"},        {413, "TooLarge"},
        {415, "UnsupportedType"}, {422, "Unprocessable"},   {429, "TooManyRequests"},
        {503, "Unavailable"},
};

static const char *error_name(int status)
{
	for (size_t i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++)
		if (error_names[i].status == status)
			return error_names[i].response;
	return NULL;
}

static int add_error(struct build *b, const struct route *r, json_t *responses, int status)
{
	char code[8];
	const char *name = error_name(status);

	if (!name) {
		snprintf(b->err, b->errlen, "route %s: no description of status %d", r->pattern,
		         status);
		return -1;
	}
	snprintf(code, sizeof(code), "%d", status);
	json_object_set_new(responses, code, use(b, "responses", name));
	return 0;
}

static int has_path_object(const char *pattern)
{
	return strstr(pattern, "/:id") || strstr(pattern, "/:slug");
}

static int error_responses(struct build *b, const struct route *r, json_t *responses)
{
	const struct api_doc *d = r->api;
	int rc = 0;

	rc |= add_error(b, r, responses, 400);
	if (r->policy != POLICY_PUBLIC || d->scope)
		rc |= add_error(b, r, responses, 401);
	if ((r->policy != POLICY_PUBLIC && r->policy != POLICY_SIGNED_IN) || d->scope)
		rc |= add_error(b, r, responses, 403);
	if (has_path_object(r->pattern))
		rc |= add_error(b, r, responses, 404);
	if (d->request) {
		rc |= add_error(b, r, responses, 413);
		rc |= add_error(b, r, responses, 415);
	}
	for (const int *s = d->errors; s && *s; s++)
		rc |= add_error(b, r, responses, *s);
	if (!(r->flags & ROUTE_ANONYMOUS))
		rc |= add_error(b, r, responses, 429);
	rc |= add_error(b, r, responses, 503);
	return rc ? -1 : 0;
}

static json_t *responses(struct build *b, const struct route *r)
{
	const struct api_doc *d = r->api;
	int status = d->status ? d->status : (d->flags & API_CREATES) ? 201 : 200;
	json_t *schema = parse_schema(b, r, d->response), *out;
	char code[8];

	if (!schema)
		return NULL;
	out = json_object();
	snprintf(code, sizeof(code), "%d", status);
	json_object_set_new(out, code,
	                    json_pack("{s:s, s:o, s:{s:{s:o}}}", "description", r->summary,
	                              "headers", success_headers(b, r), "content",
	                              "application/json", "schema", schema));
	if (r->methods == HTTP_GET)
		json_object_set_new(out, "304", use(b, "responses", "NotModified"));
	if (error_responses(b, r, out) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *security(const struct route *r)
{
	const char *scope = r->api->scope;

	if (scope)
		return json_pack("[{s:[s]}]", "bearerToken", scope);
	if (r->policy != POLICY_PUBLIC)
		return json_pack("[{s:[]}]", "bearerToken");
	if (r->flags & ROUTE_ANONYMOUS)
		return json_array();
	return json_pack("[{}, {s:[]}]", "bearerToken");
}

static int known_tag(const struct openapi_info *info, const char *tag)
{
	for (const struct openapi_tag *t = info->tags; t && t->name; t++)
		if (strcmp(t->name, tag) == 0)
			return 1;
	return 0;
}

static int known_scope(const struct openapi_info *info, const char *scope)
{
	for (const struct openapi_scope *s = info->scopes; s && s->name; s++)
		if (strcmp(s->name, scope) == 0)
			return 1;
	return 0;
}

static json_t *operation(struct build *b, const struct route *r)
{
	const struct api_doc *d = r->api;
	json_t *op, *resp;

	if (json_object_get(b->operation_ids, d->operation_id) || !known_tag(b->info, d->tag) ||
	    (d->scope && !known_scope(b->info, d->scope))) {
		snprintf(b->err, b->errlen,
		         "route %s: operation id repeated, or unknown tag or scope", r->pattern);
		return NULL;
	}
	json_object_set_new(b->operation_ids, d->operation_id, json_true());
	if (!(resp = responses(b, r)))
		return NULL;
	op = json_pack("{s:s, s:s, s:[s], s:o, s:o, s:o}", "operationId", d->operation_id,
	               "summary", r->summary, "tags", d->tag, "parameters", parameters(b, r),
	               "responses", resp, "security", security(r));
	if (d->description)
		json_object_set_new(op, "description", json_string(d->description));
	if (d->request) {
		json_t *schema = parse_schema(b, r, d->request);
		if (!schema) {
			json_decref(op);
			return NULL;
		}
		json_object_set_new(op, "requestBody",
		                    json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content",
		                              d->request_type, "schema", schema));
	}
	return op;
}

static int add_operation(struct build *b, const struct route *r)
{
	char path[256];
	json_t *paths = json_object_get(b->doc, "paths"), *item, *op;

	openapi_path(r->pattern, path, sizeof(path));
	if (!(op = operation(b, r)))
		return -1;
	item = json_object_get(paths, path);
	if (!item) {
		item = json_object();
		json_object_set_new(paths, path, item);
	}
	json_object_set_new(item, r->methods == HTTP_GET ? "get" : "post", op);
	return 0;
}

static json_t *error_response(const char *description)
{
	return json_pack("{s:s, s:{s:o}, s:{s:{s:o}}}", "description", description, "headers",
	                 "Content-Language", ref("headers", "ContentLanguage"), "content",
	                 "application/json", "schema", ref("schemas", "Error"));
}

static json_t *components_responses(void)
{
	json_t *r = json_object();

	json_object_set_new(r, "BadRequest",
	                    error_response("A query parameter the operation does not take, a "
	                                   "value of the wrong type or out of range, a cursor "
	                                   "from another list or altered, or a malformed body; "
	                                   "`field` names it."));
	json_object_set_new(r, "Unauthenticated",
	                    error_response("No API token, or one that is unknown, expired or "
	                                   "revoked."));
	json_object_set_new(r, "Forbidden",
	                    error_response("The token lacks the scope the operation needs, or "
	                                   "its owner may not act on this object."));
	json_object_set_new(r, "NotFound", error_response("No such object (or not visible)."));
	json_object_set_new(r, "Conflict",
	                    error_response("The Idempotency-Key was used with another body, or "
	                                   "the object changed meanwhile."));
	json_object_set_new(r, "TooLarge", error_response("The body is larger than allowed."));
	json_object_set_new(r, "UnsupportedType",
	                    error_response("The body's Content-Type is not the one the operation "
	                                   "takes."));
	json_object_set_new(r, "Unprocessable",
	                    error_response("The body is well-formed but not valid: `field` names "
	                                   "the first problem, `message` explains it."));
	json_t *limited = error_response("Too many requests: wait for Retry-After seconds.");
	json_object_set_new(json_object_get(limited, "headers"), "Retry-After",
	                    ref("headers", "RetryAfter"));
	json_object_set_new(r, "TooManyRequests", limited);
	json_object_set_new(r, "Unavailable",
	                    error_response("Storage is unavailable; nothing was changed. Try "
	                                   "again later."));
	json_object_set_new(r, "NotModified",
	                    json_pack("{s:s, s:{s:o}}", "description",
	                              "Not modified: the representation still has the ETag sent in "
	                              "If-None-Match.",
	                              "headers", "ETag", ref("headers", "ETag")));
	return r;
}

static json_t *header(const char *description, json_t *schema)
{
	return json_pack("{s:s, s:o}", "description", description, "schema", schema);
}

static json_t *components_headers(void)
{
	return json_pack(
	        "{s:o, s:o, s:o, s:o, s:o, s:o}", "ETag",
	        header("The representation's validator; send it back in If-None-Match.",
	               json_pack("{s:s}", "type", "string")),
	        "RateLimitLimit",
	        header("Requests allowed per window (per token, or per client address "
	               "without one, on each server node).",
	               json_pack("{s:s, s:i}", "type", "integer", "minimum", 0)),
	        "RateLimitRemaining",
	        header("Requests left in the current window.",
	               json_pack("{s:s, s:i}", "type", "integer", "minimum", 0)),
	        "RateLimitReset",
	        header("Seconds until the window ends.",
	               json_pack("{s:s, s:i}", "type", "integer", "minimum", 0)),
	        "RetryAfter",
	        header("Seconds to wait before trying again.",
	               json_pack("{s:s, s:i}", "type", "integer", "minimum", 0)),
	        "ContentLanguage",
	        header("The language of the error message (from Accept-Language).",
	               json_pack("{s:s, s:[s,s,s]}", "type", "string", "enum", "ar", "fr", "en")));
}

static json_t *components_parameters(void)
{
	return json_pack(
	        "{s:{s:s, s:s, s:b, s:s, s:{s:s}}, s:{s:s, s:s, s:b, s:s, s:{s:s}},"
	        " s:{s:s, s:s, s:b, s:s, s:{s:s, s:i, s:i, s:s}}}",
	        "AcceptLanguage", "name", "Accept-Language", "in", "header", "required", 0,
	        "description",
	        "The language of error messages: ar, fr or en (English when none matches).",
	        "schema", "type", "string", "IfNoneMatch", "name", "If-None-Match", "in", "header",
	        "required", 0, "description",
	        "An ETag from an earlier answer: 304 without a body when nothing changed.",
	        "schema", "type", "string", "IdempotencyKey", "name", "Idempotency-Key", "in",
	        "header", "required", 0, "description",
	        "A key of the client's choosing (1 to 64 characters: letters, digits, '-', '_', "
	        "'.', ':'). The same key with the same body within 24 hours gives the first "
	        "answer again without a second creation; with another body, 409.",
	        "schema", "type", "string", "minLength", 1, "maxLength", 64, "pattern",
	        "^[A-Za-z0-9._:-]{1,64}$");
}

static json_t *security_schemes(const struct openapi_info *info)
{
	char text[2048];
	size_t n = (size_t)snprintf(text, sizeof(text),
	                            "An API token (`Authorization: Bearer TOKEN`), created by its "
	                            "owner on their account page. Scopes:");

	for (const struct openapi_scope *s = info->scopes; s && s->name && n < sizeof(text); s++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\n- `%s`: %s", s->name,
		                      s->description);
	return json_pack("{s:{s:s, s:s, s:s}}", "bearerToken", "type", "http", "scheme", "bearer",
	                 "description", text);
}

static json_t *tags(const struct openapi_info *info)
{
	json_t *list = json_array();

	for (const struct openapi_tag *t = info->tags; t && t->name; t++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "name", t->name, "description",
		                                      t->description));
	return list;
}

static json_t *skeleton(const struct openapi_info *info, json_t *schemas)
{
	return json_pack(
	        "{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s}}, s:[{s:s}], s:o, s:{}, "
	        "s:{s:o, s:{}, s:{}, s:{}, s:o}}",
	        "openapi", "3.1.0", "jsonSchemaDialect",
	        "https://json-schema.org/draft/2020-12/schema", "info", "title", info->title,
	        "version", info->version, "description", info->description, "contact", "url",
	        info->contact_url, "license", "name", info->license_name, "url", info->license_url,
	        "servers", "url", info->server_url, "tags", tags(info), "paths", "components",
	        "schemas", schemas, "responses", "parameters", "headers", "securitySchemes",
	        security_schemes(info));
}

json_t *openapi_build(const struct route *routes, size_t n, const struct openapi_info *info,
                      char *err, size_t errlen)
{
	json_error_t je;
	json_t *schemas = load_quoted(info->schemas, &je);
	struct build b = {info, NULL, NULL, json_object(), err, errlen};

	if (!schemas || !json_is_object(schemas) || !json_object_get(schemas, "Error")) {
		snprintf(err, errlen, "shared schemas: not a JSON object with Error: %s (line %d)",
		         schemas ? "" : je.text, je.line);
		json_decref(schemas);
		json_decref(b.operation_ids);
		return NULL;
	}
	b.doc = skeleton(info, schemas);
	b.catalogue =
	        json_pack("{s:o, s:o, s:o}", "responses", components_responses(), "parameters",
	                  components_parameters(), "headers", components_headers());
	for (size_t i = 0; i < n; i++) {
		if (!(routes[i].flags & ROUTE_API))
			continue;
		if (openapi_check_route(&routes[i], err, errlen) < 0 ||
		    add_operation(&b, &routes[i]) < 0) {
			json_decref(b.doc);
			b.doc = NULL;
			break;
		}
	}
	json_decref(b.operation_ids);
	json_decref(b.catalogue);
	return b.doc;
}
