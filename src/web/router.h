/* router: the route table is the map of the server.
 *
 * Each route declares its methods, path pattern, handler, the query
 * parameters it accepts with their validators, and its access policy.
 * Patterns are literal segments and ":name" parameters ("/:lang/privacy"),
 * with an optional trailing "*name" that takes the rest of the path.
 * Parameter names carry their validator: see router.c (lang, id, slug, file).
 * A route with policy POLICY_UNSET is refused at start-up (deny by default).
 */
#ifndef KAFAAT_WEB_ROUTER_H
#define KAFAAT_WEB_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "web/http.h"

/* Who may use a route. The application decides what each means
 * (app/auth.c) from the signed-in person's roles; the ownership of a given
 * object is checked by the handler through the same module. */
enum policy {
	POLICY_UNSET = 0,         /* invalid: every route must declare a policy */
	POLICY_PUBLIC,            /* anyone, signed in or not */
	POLICY_SIGNED_IN,         /* any signed-in person (second factor done) */
	POLICY_SECOND_STEP,       /* password accepted, second factor still to give */
	POLICY_EXPERT,            /* an expert */
	POLICY_INSTITUTION,       /* a member (or owner) of an institution */
	POLICY_INSTITUTION_OWNER, /* an owner of an institution */
	POLICY_COORDINATOR,       /* a network coordinator, or the programme team (admins) */
	POLICY_ADVISOR,           /* a project advisor */
	POLICY_ADMIN,             /* the programme team */
	POLICY_COUNT
};

/* The policy's name, as used in docs and tests ("public", "admin", …). */
const char *policy_name(enum policy p);

enum field_type {
	FIELD_END = 0, /* terminates a field list */
	FIELD_TEXT,    /* UTF-8 text of at most max characters */
	FIELD_INT,     /* integer within [min, max] */
	FIELD_LANG,    /* ar, fr or en */
	FIELD_FILE,    /* a file part of a multipart form (ROUTE_UPLOAD route) of at most
	                  max bytes; the route's body may be that much larger than the
	                  server's max_body_bytes. The handler checks its content. */
};

/* A query (or form) parameter a route accepts. */
struct field {
	enum field_type type;
	const char *name;
	int64_t min; /* FIELD_INT: smallest value; FIELD_TEXT: fewest characters */
	int64_t max; /* FIELD_INT: largest value; FIELD_TEXT: most characters */
};

enum route_flags {
	ROUTE_API = 1 << 0,       /* JSON errors; unknown query parameters are refused */
	ROUTE_SETUP_2FA = 1 << 1, /* reachable by staff who must still enrol a second factor */
	ROUTE_ANONYMOUS = 1 << 2, /* never needs to know who asks (static files, health) */
	ROUTE_UPLOAD = 1 << 3,    /* forms may also come as multipart/form-data (a file) */
};

typedef void (*route_handler)(void *ctx, struct request *req, struct response *resp);

/* The API description of a route (web/openapi.h): every ROUTE_API route
 * carries one (openapi_check_route). */
struct api_doc;

struct route {
	unsigned methods; /* enum http_method bits */
	const char *pattern;
	route_handler handler;
	enum policy policy;
	const struct field *query; /* accepted query parameters, FIELD_END-terminated; NULL: none */
	unsigned flags;
	const char *summary; /* one line, English: what the route is for */
	const struct field
	        *form; /* accepted form fields (POST), FIELD_END-terminated; NULL: none */
	const struct api_doc *api; /* ROUTE_API routes: their OpenAPI description; else NULL */
};

/* Why dispatch did not reach a handler. */
struct route_error {
	int status;        /* 400, 404 or 405 */
	const char *code;  /* stable machine code: "bad_parameter", "not_found", ... */
	const char *field; /* the offending parameter, or NULL */
	unsigned allowed;  /* for 405: the methods the path accepts */
};

/* Checks a route table at start-up: every route has a policy, a handler, a
 * well-formed pattern with known parameter names, and valid fields; an API
 * description only on an API route, and complete (openapi_check_route;
 * that every API route has one, tests/unit/test_openapi.c checks and
 * openapi_build refuses).
 * Returns 0, or -1 with the reason in err. */
int router_check(const struct route *routes, size_t n, char *err, size_t errlen);

/* Finds the route for req->method and req->path, sets req->params and
 * req->route, and validates the query. Returns the route, or NULL with *e
 * filled. Unknown query parameters are dropped for pages and refused for
 * ROUTE_API routes. */
const struct route *router_match(const struct route *routes, size_t n, struct request *req,
                                 struct route_error *e);

/* Parses req->body as application/x-www-form-urlencoded into req->form and
 * checks it against the route's form fields: a field the route does not
 * declare, a repeated field or a text longer than its max → -1 with *e
 * (400). Only those are refused here (a tampered form); everything a person
 * can get wrong (an empty field, a short password, a word where a number
 * goes) is explained by the handler, which re-renders its form. */
int router_parse_form(const struct route *r, struct request *req, struct route_error *e);

/* The same for a multipart/form-data body (ROUTE_UPLOAD routes): text parts
 * become req->form fields, checked as above; a file part must be declared
 * FIELD_FILE, and stays in req->body for the handler (multipart_parse).
 * A malformed body → -1 with *e (400, "malformed_form"). */
int router_parse_multipart(const struct route *r, struct request *req, const char *content_type,
                           struct route_error *e);

/* The body limit of the route that req->method and req->path (decoded)
 * match, when it takes files: the sum of its FIELD_FILE maxima plus
 * ROUTER_UPLOAD_OVERHEAD (text fields, part headers). 0 when the route
 * takes no file or nothing matches: the server's max_body_bytes applies. */
#define ROUTER_UPLOAD_OVERHEAD 65536
int64_t router_body_limit(const struct route *routes, size_t n, struct request *req);

/* Validates one value against a field; returns NULL when valid, else a
 * stable error code ("too_long", "too_short", "not_an_integer",
 * "out_of_range", "unknown_language"). */
const char *field_check(const struct field *f, const char *value);

#endif
