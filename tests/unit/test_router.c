/* Unit tests for web/router.c and web/urlenc.c, and a check of the real
 * route table: every route declares an access policy (deny by default). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/app.h"
#include "core/buf.h"
#include "web/router.h"
#include "web/server.h"
#include "web/urlenc.h"

static void h_dummy(void *ctx, struct request *req, struct response *resp)
{
	(void)ctx;
	(void)req;
	resp->status = 200;
}

static const struct field page_q[] = {
        {FIELD_INT, "page", 1, 1000},
        {FIELD_TEXT, "q", 1, 10},
        {FIELD_END, NULL, 0, 0},
};

static const struct route routes[] = {
        {HTTP_GET, "/", h_dummy, POLICY_PUBLIC, NULL, 0, "root", NULL},
        {HTTP_GET, "/:lang/", h_dummy, POLICY_PUBLIC, page_q, 0, "home", NULL},
        {HTTP_GET | HTTP_POST, "/:lang/needs/:id", h_dummy, POLICY_PUBLIC, NULL, 0, "need", NULL},
        {HTTP_GET, "/api/v1/things", h_dummy, POLICY_PUBLIC, page_q, ROUTE_API, "api", NULL},
        {HTTP_GET, "/static/*file", h_dummy, POLICY_PUBLIC, NULL, 0, "static", NULL},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Builds a request for method and raw URI; returns the matched route. */
static const struct route *match(struct request *req, enum http_method m, const char *uri,
                                 struct route_error *e)
{
	memset(req, 0, sizeof(*req));
	req->method = m;
	if (server_parse_uri(req, uri) < 0)
		return NULL;
	memset(e, 0, sizeof(*e));
	return router_match(routes, NROUTES, req, e);
}

static void matches_literals_and_parameters(void **state)
{
	struct request req;
	struct route_error e;

	(void)state;
	assert_ptr_equal(match(&req, HTTP_GET, "/", &e), &routes[0]);
	arena_free(&req.arena);
	assert_ptr_equal(match(&req, HTTP_GET, "/ar/", &e), &routes[1]);
	assert_string_equal(req_param(&req, "lang"), "ar");
	arena_free(&req.arena);
	assert_ptr_equal(match(&req, HTTP_POST, "/fr/needs/42", &e), &routes[2]);
	assert_string_equal(req_param(&req, "id"), "42");
	arena_free(&req.arena);
	assert_ptr_equal(match(&req, HTTP_GET, "/static/css/a.css", &e), &routes[4]);
	assert_string_equal(req_param(&req, "file"), "css/a.css");
	arena_free(&req.arena);
}

static void refuses_bad_parameters_as_not_found(void **state)
{
	const char *uris[] = {"/de/",
	                      "/fr/needs/0",
	                      "/fr/needs/-1",
	                      "/fr/needs/abc",
	                      "/fr/needs/99999999999999999999",
	                      "/static/../x",
	                      "/static/.env",
	                      "/static/a//b",
	                      "/static/",
	                      "/fr",
	                      "/fr/needs/1/extra"};
	struct request req;
	struct route_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		assert_null(match(&req, HTTP_GET, uris[i], &e));
		assert_int_equal(e.status, 404);
		arena_free(&req.arena);
	}
}

static void wrong_method_is_405_with_allowed(void **state)
{
	struct request req;
	struct route_error e;

	(void)state;
	assert_null(match(&req, HTTP_DELETE, "/fr/needs/1", &e));
	assert_int_equal(e.status, 405);
	assert_int_equal(e.allowed, HTTP_GET | HTTP_POST);
	arena_free(&req.arena);
}

static void query_validated_pages_drop_unknown(void **state)
{
	struct request req;
	struct route_error e;

	(void)state;
	assert_non_null(match(&req, HTTP_GET, "/fr/?page=2&utm=x&q=caf%C3%A9", &e));
	assert_string_equal(kvlist_get(&req.query, "page"), "2");
	assert_string_equal(kvlist_get(&req.query, "q"), "café");
	assert_null(kvlist_get(&req.query, "utm"));
	arena_free(&req.arena);
	assert_null(match(&req, HTTP_GET, "/fr/?page=0", &e));
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "out_of_range");
	assert_string_equal(e.field, "page");
	arena_free(&req.arena);
	assert_null(match(&req, HTTP_GET, "/fr/?q=abcdefghijk", &e));
	assert_string_equal(e.code, "too_long");
	arena_free(&req.arena);
	assert_null(match(&req, HTTP_GET, "/fr/?page=1&page=2", &e));
	assert_string_equal(e.code, "repeated_parameter");
	arena_free(&req.arena);
}

static void api_refuses_unknown_query(void **state)
{
	struct request req;
	struct route_error e;

	(void)state;
	assert_null(match(&req, HTTP_GET, "/api/v1/things?colour=red", &e));
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "unknown_parameter");
	assert_string_equal(e.field, "colour");
	arena_free(&req.arena);
	assert_null(match(&req, HTTP_GET, "/api/v1/things?page=x", &e));
	assert_string_equal(e.code, "not_an_integer");
	arena_free(&req.arena);
}

static void uri_decoding_is_strict(void **state)
{
	const char *bad[] = {"",     "x",      "/%",       "/%4",     "/%zz",   "/%00",
	                     "/%ff", "/a?b=%", "/a?b=%C3", "/a#frag", "/%C0%AF"};
	const char *good[] = {"/", "/caf%C3%A9", "/a?b=c+d&e", "/a?&&b=1", "/a?"};
	struct request req;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&req, 0, sizeof(req));
		assert_int_equal(server_parse_uri(&req, bad[i]), -1);
		arena_free(&req.arena);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&req, 0, sizeof(req));
		assert_int_equal(server_parse_uri(&req, good[i]), 0);
		arena_free(&req.arena);
	}
	memset(&req, 0, sizeof(req));
	server_parse_uri(&req, "/a?b=c+d&e");
	assert_string_equal(kvlist_get(&req.query, "b"), "c d");
	assert_string_equal(kvlist_get(&req.query, "e"), "");
	arena_free(&req.arena);
}

static void too_many_query_pairs_refused(void **state)
{
	struct buf uri = BUF_INIT;
	struct request req;

	(void)state;
	buf_adds(&uri, "/?");
	for (int i = 0; i < 100; i++)
		buf_addf(&uri, "k%d=v&", i);
	memset(&req, 0, sizeof(req));
	assert_int_equal(server_parse_uri(&req, buf_str(&uri)), -1);
	arena_free(&req.arena);
	buf_release(&uri);
}

static void url_encode_round_trip(void **state)
{
	struct buf b = BUF_INIT;
	struct arena a = ARENA_INIT;
	const char *s = "الأمن السيبراني & co/é";

	(void)state;
	assert_int_equal(url_encode(&b, s, strlen(s)), 0);
	assert_null(strpbrk(buf_str(&b), " &/"));
	assert_string_equal(url_decode(&a, b.data, b.len, 0), s);
	buf_release(&b);
	arena_free(&a);
}

static void route_check_refuses_missing_policy(void **state)
{
	struct route bad[] = {{HTTP_GET, "/x", h_dummy, POLICY_UNSET, NULL, 0, "x", NULL}};
	struct route badparam[] = {
	        {HTTP_GET, "/:nope", h_dummy, POLICY_PUBLIC, NULL, 0, "x", NULL}};
	char err[256];

	(void)state;
	assert_int_equal(router_check(bad, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no access policy"));
	assert_int_equal(router_check(badparam, 1, err, sizeof(err)), -1);
	assert_int_equal(router_check(routes, 3, err, sizeof(err)), 0);
	/* /api/v1/things has no description: an API route cannot exist undocumented */
	assert_int_equal(router_check(routes, NROUTES, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without its description"));
}

/* The real table: every route has a policy, handler, summary and valid
 * pattern. A new route without a policy fails here and at start-up. */
static void app_route_table_is_complete(void **state)
{
	char err[256] = "";

	(void)state;
	assert_true(app_routes_count > 0);
	if (router_check(app_routes, app_routes_count, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	for (size_t i = 0; i < app_routes_count; i++)
		assert_int_not_equal(app_routes[i].policy, POLICY_UNSET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(matches_literals_and_parameters),
	        cmocka_unit_test(refuses_bad_parameters_as_not_found),
	        cmocka_unit_test(wrong_method_is_405_with_allowed),
	        cmocka_unit_test(query_validated_pages_drop_unknown),
	        cmocka_unit_test(api_refuses_unknown_query),
	        cmocka_unit_test(uri_decoding_is_strict),
	        cmocka_unit_test(too_many_query_pairs_refused),
	        cmocka_unit_test(url_encode_round_trip),
	        cmocka_unit_test(route_check_refuses_missing_policy),
	        cmocka_unit_test(app_route_table_is_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
