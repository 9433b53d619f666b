/* openapi: the OpenAPI 3.1 description of a route table.
 *
 * One source of truth: every ROUTE_API route carries a struct api_doc (its
 * operation id, tag, the token scope it needs, the JSON Schema of what it
 * answers and of what it takes), and everything else the description says
 * comes from the route itself: the method and path, the path parameters
 * (by name, as the router validates them), the query parameters from the
 * route's fields (type, bounds), the security from its policy, and the
 * conventions every API route follows (the error envelope, Accept-Language,
 * ETag and If-None-Match on reads, rate-limit headers, Idempotency-Key on
 * creating POSTs, cursor pagination). A route cannot exist undocumented:
 * router_check calls openapi_check_route, and openapi_build refuses a
 * schema that is not JSON. Knows nothing of the domain: the application
 * gives the schemas, tags and scopes.
 *
 * Schema texts are JSON written with ' in place of " so that C literals
 * stay readable: {'type': 'string'}. Prose in them uses the typographic
 * apostrophe (’).
 */
#ifndef KAFAAT_WEB_OPENAPI_H
#define KAFAAT_WEB_OPENAPI_H

#include <stddef.h>

#include <jansson.h>

#include "web/router.h"

enum api_flags {
	API_PAGINATED = 1 << 0, /* a list: "cursor" and "limit" fields, "next" in the answer */
	API_CREATES = 1 << 1,   /* a creating POST: Idempotency-Key header, 201 */
};

/* What one query parameter of the route means (English). */
struct api_param {
	const char *name;
	const char *description;
};

struct api_doc {
	const char *operation_id; /* unique in the table, lowerCamelCase */
	const char *tag;          /* its group in the reference (struct openapi_tag) */
	const char *scope;        /* the token scope it needs (a bearer token), or NULL */
	unsigned flags;           /* enum api_flags */
	const char *description;  /* a paragraph (English, CommonMark), or NULL */
	/* every query field of the route described, {NULL, NULL}-terminated
	 * (NULL when the route takes none) */
	const struct api_param *params;
	const char *response;     /* JSON Schema (text) of the success body */
	int status;               /* the success status; 0: 200 (201 for API_CREATES) */
	const char *request_type; /* POST: the body's media type ("application/json") */
	const char *request;      /* POST: JSON Schema (text) of the body */
	const int *errors;        /* further error statuses it answers (404, 409, 422),
	                             0-terminated, or NULL */
};

struct openapi_tag {
	const char *name;
	const char *description;
};

/* A token scope and what it allows (English). */
struct openapi_scope {
	const char *name;
	const char *description;
};

struct openapi_info {
	const char *title;
	const char *version;
	const char *description; /* CommonMark */
	const char *server_url;  /* public URL, no trailing slash */
	const char *contact_url;
	const char *license_name;
	const char *license_url;
	const struct openapi_tag *tags;     /* {NULL, NULL}-terminated */
	const struct openapi_scope *scopes; /* {NULL, NULL}-terminated */
	const char *schemas;                /* JSON object text: name → schema, referred to as
	                                       "#/components/schemas/NAME"; must define "Error" */
};

/* Does route r carry a complete description (when it is a ROUTE_API
 * route)? 0, or -1 with the reason in err. */
int openapi_check_route(const struct route *r, char *err, size_t errlen);

/* The OpenAPI 3.1 document of the ROUTE_API routes of the table (new
 * reference), or NULL with the reason in err (a schema that is not JSON,
 * a repeated operation id, an unknown tag or scope). */
json_t *openapi_build(const struct route *routes, size_t n, const struct openapi_info *info,
                      char *err, size_t errlen);

/* "/api/v1/needs/:id" → "/api/v1/needs/{id}" into out. */
void openapi_path(const char *pattern, char *out, size_t outlen);

#endif
