/* api_reference: the API's reference page, /:lang/developers/api, rendered
 * on the server from the same OpenAPI document as /api/v1/openapi.json
 * (so it cannot drift from it): the page's words in the visitor's
 * language, the operations' summaries and descriptions as the description
 * gives them (English). No script, no third-party host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/handlers.h"
#include "app/page.h"
#include "core/log.h"
#include "web/openapi.h"

/* components/<where>/<name> for a {"$ref": "#/components/<where>/<name>"}. */
static json_t *deref(json_t *doc, json_t *v)
{
	const char *r = json_string_value(json_object_get(v, "$ref"));
	json_t *at = json_object_get(doc, "components");
	char where[32], name[64];

	if (!r || sscanf(r, "#/components/%31[^/]/%63s", where, name) != 2)
		return v;
	at = json_object_get(json_object_get(at, where), name);
	return at ? at : v;
}

static const char *type_of(json_t *schema)
{
	json_t *t = json_object_get(schema, "type");

	return json_is_string(t) ? json_string_value(t) : "";
}

static json_t *parameters(json_t *doc, json_t *op)
{
	json_t *list = json_array(), *p;
	size_t i;

	json_array_foreach(json_object_get(op, "parameters"), i, p)
	{
		p = deref(doc, p);
		json_t *schema = json_object_get(p, "schema");
		char range[96] = "";
		if (json_object_get(schema, "maximum"))
			snprintf(range, sizeof(range), "%lld–%lld",
			         (long long)json_integer_value(json_object_get(schema, "minimum")),
			         (long long)json_integer_value(json_object_get(schema, "maximum")));
		else if (json_object_get(schema, "maxLength"))
			snprintf(range, sizeof(range), "≤ %lld",
			         (long long)json_integer_value(
			                 json_object_get(schema, "maxLength")));
		json_array_append_new(
		        list,
		        json_pack("{s:O, s:O, s:s, s:s, s:O?}", "name", json_object_get(p, "name"),
		                  "in", json_object_get(p, "in"), "type", type_of(schema), "range",
		                  range, "description", json_object_get(p, "description")));
	}
	return list;
}

static json_t *responses(json_t *doc, json_t *op)
{
	json_t *list = json_array(), *r;
	const char *status;

	json_object_foreach(json_object_get(op, "responses"), status, r)
	{
		json_array_append_new(list,
		                      json_pack("{s:s, s:O}", "status", status, "description",
		                                json_object_get(deref(doc, r), "description")));
	}
	return list;
}

/* The success body's schema, indented, for a <pre> (malloc'd, or NULL). */
static char *success_schema(json_t *op)
{
	const char *status;
	json_t *r;

	json_object_foreach(json_object_get(op, "responses"), status, r)
	{
		json_t *json = json_object_get(json_object_get(r, "content"), "application/json");
		json_t *schema = json_object_get(json, "schema");
		if (status[0] == '2' && schema)
			return json_dumps(schema, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	}
	return NULL;
}

static json_t *request_body(json_t *op)
{
	json_t *content = json_object_get(json_object_get(op, "requestBody"), "content");
	const char *type;
	json_t *v;

	json_object_foreach(content, type, v)
	{
		char *s = json_dumps(json_object_get(v, "schema"), JSON_INDENT(2));
		json_t *out = json_pack("{s:s, s:s}", "type", type, "schema", s ? s : "");
		free(s);
		return out;
	}
	return json_null();
}

static const char *scope_of(json_t *op)
{
	json_t *req, *scopes;
	size_t i;

	json_array_foreach(json_object_get(op, "security"), i, req)
	{
		scopes = json_object_get(req, "bearerToken");
		if (json_array_size(scopes) > 0)
			return json_string_value(json_array_get(scopes, 0));
	}
	return NULL;
}

/* Token needed: "scope" (that scope), "token" (any), "" (none). */
static const char *auth_of(json_t *op)
{
	json_t *sec = json_object_get(op, "security");
	json_t *first = json_array_get(sec, 0);

	if (scope_of(op))
		return "scope";
	return first && json_object_size(first) > 0 ? "token" : "";
}

static json_t *operation(json_t *doc, const char *path, const char *method, json_t *op)
{
	char *schema = success_schema(op);
	char upper[8];
	size_t i;

	for (i = 0; method[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)(method[i] - 'a' + 'A');
	upper[i] = '\0';
	json_t *out = json_pack(
	        "{s:s, s:s, s:O, s:O, s:O?, s:s?, s:s, s:o, s:o, s:o, s:s}", "method", upper,
	        "path", path, "id", json_object_get(op, "operationId"), "summary",
	        json_object_get(op, "summary"), "description", json_object_get(op, "description"),
	        "scope", scope_of(op), "auth", auth_of(op), "parameters", parameters(doc, op),
	        "responses", responses(doc, op), "request", request_body(op), "schema",
	        schema ? schema : "");
	free(schema);
	return out;
}

/* The operations of tag, in the order of the route table. */
static json_t *operations(json_t *doc, const char *tag)
{
	json_t *list = json_array(), *item, *op;
	const char *path, *method;

	json_object_foreach(json_object_get(doc, "paths"), path, item)
	{
		json_object_foreach(item, method, op)
		{
			const char *t =
			        json_string_value(json_array_get(json_object_get(op, "tags"), 0));
			if (t && strcmp(t, tag) == 0)
				json_array_append_new(list, operation(doc, path, method, op));
		}
	}
	return list;
}

static json_t *groups(json_t *doc)
{
	json_t *list = json_array(), *t;
	size_t i;

	json_array_foreach(json_object_get(doc, "tags"), i, t)
	{
		const char *name = json_string_value(json_object_get(t, "name"));
		json_t *ops = operations(doc, name);
		if (json_array_size(ops) == 0) {
			json_decref(ops);
			continue;
		}
		json_array_append_new(
		        list, json_pack("{s:s, s:O, s:o}", "name", name, "description",
		                        json_object_get(t, "description"), "operations", ops));
	}
	return list;
}

static json_t *scopes(const struct openapi_info *info)
{
	json_t *list = json_array();

	for (const struct openapi_scope *s = info->scopes; s->name; s++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "name", s->name, "description",
		                                      s->description));
	return list;
}

void h_api_reference(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct openapi_info info;
	char err[256];
	json_t *doc = openapi_build(app->routes, app->nroutes, api_openapi_info(app, &info), err,
	                            sizeof(err));

	if (!doc) {
		log_error("openapi: %s", err);
		page_unavailable(app, req, resp);
		return;
	}
	page_render(app, req, resp, 200, "api_reference", "api.reference.title",
	            json_pack("{s:s, s:s, s:o, s:o}", "version", KAFAAT_VERSION, "server",
	                      app->cfg->public_url, "groups", groups(doc), "scopes",
	                      scopes(&info)));
	json_decref(doc);
}
