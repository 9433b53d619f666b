/* Unit tests for web/openapi.c and the real route table's descriptions:
 * every API route is described (a route added without its description
 * fails here), the document builds, and the description says what the
 * router enforces (parameters, types, bounds, security). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/api.h"
#include "app/app.h"
#include "app/auth.h"
#include "app/config.h"
#include "web/openapi.h"
#include "web/router.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static void h_dummy(void *ctx, struct request *req, struct response *resp)
{
	(void)ctx;
	(void)req;
	resp->status = 200;
}

static const struct field list_q[] = {
        {FIELD_TEXT, "q", 0, 50},   {FIELD_TEXT, "cursor", 0, 64}, {FIELD_INT, "limit", 1, 100},
        {FIELD_LANG, "lang", 0, 0}, {FIELD_END, NULL, 0, 0},
};
static const struct api_param list_params[] = {
        {"q", "Words."},    {"cursor", "Where."}, {"limit", "How many."},
        {"lang", "Which."}, {NULL, NULL},
};
static const struct api_doc list_doc = {
        "listThings", "things", NULL, API_PAGINATED, NULL, list_params, "{'type': 'object'}"};
static const struct api_doc one_doc = {"getThing",
                                       "things",
                                       "read_things",
                                       0,
                                       NULL,
                                       NULL,
                                       "{'$ref': '#/components/schemas/Thing'}"};
static const struct api_doc make_doc = {"makeThing",
                                        "things",
                                        "write_things",
                                        API_CREATES,
                                        NULL,
                                        NULL,
                                        "{'type': 'object'}",
                                        0,
                                        "application/json",
                                        "{'type': 'object'}",
                                        (const int[]){409, 422, 0}};

static const struct route table[] = {
        {HTTP_GET, "/api/v1/things", h_dummy, POLICY_PUBLIC, list_q, ROUTE_API, "Things", NULL,
         &list_doc},
        {HTTP_GET, "/api/v1/things/:id", h_dummy, POLICY_SIGNED_IN, NULL, ROUTE_API, "A thing",
         NULL, &one_doc},
        {HTTP_POST, "/api/v1/things", h_dummy, POLICY_INSTITUTION, NULL, ROUTE_API, "Make one",
         NULL, &make_doc},
        {HTTP_GET, "/:lang/things", h_dummy, POLICY_PUBLIC, NULL, 0, "A page", NULL},
};

static const struct openapi_tag tags[] = {{"things", "Things."}, {NULL, NULL}};
static const struct openapi_scope scopes[] = {
        {"read_things", "read"}, {"write_things", "write"}, {NULL, NULL}};
static const struct openapi_info info = {
        "Test",
        "1",
        "A test.",
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080",
        "Terms",
        "http://127.0.0.1:8080",
        tags,
        scopes,
        "{'Error': {'type': 'object'}, 'Thing': {'type': 'object'}}"};

static json_t *at(json_t *v, const char *path)
{
	char key[128];

	while (v && *path) {
		size_t n = strcspn(path, "/");
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		v = json_is_array(v) ? json_array_get(v, (size_t)strtol(key, NULL, 10))
		                     : json_object_get(v, key);
		path += n + (path[n] == '/');
	}
	return v;
}

/* The operation of method on path (a key with slashes). */
static json_t *op(json_t *doc, const char *path, const char *method)
{
	return json_object_get(json_object_get(json_object_get(doc, "paths"), path), method);
}

static void paths_are_openapi_templates(void **state)
{
	char out[128];

	(void)state;
	openapi_path("/api/v1/needs/:id", out, sizeof(out));
	assert_string_equal(out, "/api/v1/needs/{id}");
	openapi_path("/:lang/x/:slug/y", out, sizeof(out));
	assert_string_equal(out, "/{lang}/x/{slug}/y");
	openapi_path("/healthz", out, sizeof(out));
	assert_string_equal(out, "/healthz");
}

static void document_follows_the_table(void **state)
{
	char err[256] = "";
	json_t *doc = openapi_build(table, 4, &info, err, sizeof(err)), *p, *get;

	(void)state;
	if (!doc)
		fail_msg("%s", err);
	assert_string_equal(json_string_value(at(doc, "openapi")), "3.1.0");
	assert_null(op(doc, "/{lang}/things", "get")); /* pages are not the API */
	get = op(doc, "/api/v1/things", "get");
	assert_non_null(get);
	/* query fields: types and bounds from the validators */
	p = at(get, "parameters/2"); /* q, cursor, limit, lang, then the headers */
	assert_string_equal(json_string_value(at(p, "name")), "limit");
	assert_int_equal(json_integer_value(at(p, "schema/minimum")), 1);
	assert_int_equal(json_integer_value(at(p, "schema/maximum")), 100);
	assert_int_equal(json_integer_value(at(get, "parameters/0/schema/maxLength")), 50);
	assert_int_equal(json_array_size(at(get, "parameters/3/schema/enum")), 3);
	/* reads: 304; public: 400, 429, 503 but no 401 */
	assert_non_null(at(get, "responses/304"));
	assert_non_null(at(get, "responses/429"));
	assert_null(at(get, "responses/401"));
	assert_non_null(at(get, "responses/200/headers/ETag"));
	/* path parameter, scope, 401 and 403 */
	json_t *one = op(doc, "/api/v1/things/{id}", "get");
	assert_string_equal(json_string_value(at(one, "parameters/0/name")), "id");
	assert_string_equal(json_string_value(at(one, "parameters/0/schema/type")), "integer");
	assert_string_equal(json_string_value(at(one, "security/0/bearerToken/0")), "read_things");
	assert_non_null(at(one, "responses/404"));
	assert_non_null(at(one, "responses/403"));
	/* a creating POST: 201, Idempotency-Key, its body and errors */
	json_t *post = op(doc, "/api/v1/things", "post");
	assert_non_null(at(post, "responses/201"));
	assert_non_null(at(post, "responses/409"));
	assert_non_null(at(post, "responses/422"));
	assert_non_null(json_object_get(at(post, "requestBody/content"), "application/json"));
	assert_non_null(at(doc, "components/parameters/IdempotencyKey"));
	json_decref(doc);
}

static void undescribed_routes_are_refused(void **state)
{
	static const struct field q[] = {{FIELD_TEXT, "q", 0, 50}, {FIELD_END, NULL, 0, 0}};
	static const struct api_param none[] = {{NULL, NULL}};
	static const struct api_doc undescribed_param = {"x", "things", NULL, 0, NULL, none, "{}"};
	static const struct api_doc bad_schema = {"y", "things", NULL, 0, NULL, NULL, "{'type': }"};
	static const struct api_doc unknown_tag = {"z", "nothing", NULL, 0, NULL, NULL, "{}"};
	struct route r[] = {
	        {HTTP_GET, "/api/v1/x", h_dummy, POLICY_PUBLIC, NULL, ROUTE_API, "x", NULL},
	        {HTTP_GET, "/api/v1/x", h_dummy, POLICY_PUBLIC, q, ROUTE_API, "x", NULL,
	         &undescribed_param},
	        {HTTP_GET, "/api/v1/x", h_dummy, POLICY_PUBLIC, NULL, ROUTE_API, "x", NULL,
	         &bad_schema},
	        {HTTP_GET, "/api/v1/x", h_dummy, POLICY_PUBLIC, NULL, ROUTE_API, "x", NULL,
	         &unknown_tag},
	        {HTTP_GET, "/x", h_dummy, POLICY_PUBLIC, NULL, 0, "x", NULL, &unknown_tag},
	};
	char err[256];

	(void)state;
	assert_int_equal(openapi_check_route(&r[0], err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without its description"));
	assert_null(openapi_build(&r[0], 1, &info, err, sizeof(err)));
	assert_int_equal(openapi_check_route(&r[1], err, sizeof(err)), -1);
	assert_int_equal(router_check(&r[1], 1, err, sizeof(err)), -1);
	assert_null(openapi_build(&r[2], 1, &info, err, sizeof(err)));
	assert_non_null(strstr(err, "not a JSON object"));
	assert_null(openapi_build(&r[3], 1, &info, err, sizeof(err)));
	assert_int_equal(router_check(&r[4], 1, err, sizeof(err)), -1);
	/* the same operation id twice */
	struct route twice[] = {table[0], table[0]};
	twice[1].pattern = "/api/v1/others";
	assert_null(openapi_build(twice, 2, &info, err, sizeof(err)));
}

/* The real table: every API route described, the document builds, each
 * API route is in it. A route added without its description fails here. */
static void app_api_routes_are_described(void **state)
{
	struct config cfg;
	struct app app = {0};
	struct openapi_info real;
	char err[256] = "", path[256];
	int n = 0;

	(void)state;
	config_defaults(&cfg);
	app.cfg = &cfg;
	for (size_t i = 0; i < app_routes_count; i++) {
		if (openapi_check_route(&app_routes[i], err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	json_t *doc = openapi_build(app_routes, app_routes_count, api_openapi_info(&app, &real),
	                            err, sizeof(err));
	if (!doc)
		fail_msg("%s", err);
	for (size_t i = 0; i < app_routes_count; i++) {
		const struct route *r = &app_routes[i];
		if (!(r->flags & ROUTE_API))
			continue;
		openapi_path(r->pattern, path, sizeof(path));
		json_t *item = json_object_get(json_object_get(doc, "paths"), path);
		if (!json_object_get(item, r->methods == HTTP_GET ? "get" : "post"))
			fail_msg("%s is not in the description", r->pattern);
		n++;
	}
	assert_true(n >= 8);
	json_decref(doc);
	config_release(&cfg);
}

/* The scopes the description names are the scopes auth.c checks: each one
 * someone may hold, and nobody holds one the description does not name. */
static void scopes_agree_with_auth(void **state)
{
	struct identity everyone = {0}, nobody = {0};

	(void)state;
	everyone.roles = ROLE_EXPERT | ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER |
	                 ROLE_COORDINATOR | ROLE_ADVISOR | ROLE_ADMIN;
	for (const struct openapi_scope *s = api_scopes; s->name; s++)
		if (!auth_scope_allowed(&everyone, s->name))
			fail_msg("scope %s is in the description but nobody may hold it", s->name);
	assert_false(auth_scope_allowed(&everyone, "everything"));
	assert_false(auth_scope_allowed(NULL, "read_needs"));
	assert_true(auth_scope_allowed(&nobody, "read_statistics"));
	assert_false(auth_scope_allowed(&nobody, "write_needs"));
	assert_false(auth_scope_allowed(&nobody, "import_rosters"));
	/* every scope a route needs is one the description names */
	for (size_t i = 0; i < app_routes_count; i++) {
		const struct api_doc *d = app_routes[i].api;
		int known = 0;
		for (const struct openapi_scope *s = api_scopes; d && d->scope && s->name; s++)
			known |= strcmp(s->name, d->scope) == 0;
		if (d && d->scope && !known)
			fail_msg("%s needs an undescribed scope %s", app_routes[i].pattern,
			         d->scope);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(paths_are_openapi_templates),
	        cmocka_unit_test(document_follows_the_table),
	        cmocka_unit_test(undescribed_routes_are_refused),
	        cmocka_unit_test(app_api_routes_are_described),
	        cmocka_unit_test(scopes_agree_with_auth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
