/* http: requests, responses and the libmicrohttpd server.
 *
 * The server owns one struct request per HTTP request. Everything a request
 * needs is allocated from req->arena and released in one place when the
 * request completes (libmicrohttpd's completion callback). Handlers fill a
 * struct response; they never touch libmicrohttpd directly.
 *
 * Flow: libmicrohttpd parses the request line and headers (bounded by
 * max_header_bytes: larger → 431) → server.c decodes the raw URI (malformed
 * → 400), reads the body (bounded: larger → 413) → router_dispatch finds the
 * route (none → 404, wrong method → 405), validates path and query
 * parameters, checks the access policy → the handler. See docs/ARCHITECTURE.md.
 */
#ifndef KAFAAT_WEB_HTTP_H
#define KAFAAT_WEB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "web/urlenc.h"

enum http_method {
	HTTP_GET = 1 << 0, /* also answers HEAD */
	HTTP_POST = 1 << 1,
	HTTP_PUT = 1 << 2,
	HTTP_DELETE = 1 << 3,
	HTTP_PATCH = 1 << 4,
	HTTP_OTHER = 1 << 5,
};

struct request {
	struct arena arena;
	enum http_method method;
	int is_head;
	const char *raw_uri;       /* as received: path and query, undecoded */
	const char *path;          /* decoded path, valid UTF-8 */
	struct kvlist query;       /* decoded query parameters */
	struct kvlist params;      /* path parameters set by the router */
	struct kvlist form;        /* decoded form fields (POST), checked by the router */
	struct buf body;           /* request body, at most max_body_bytes */
	int too_large;             /* the body went over the limit */
	size_t discarded;          /* body bytes dropped after the limit */
	int started;               /* past the first access-handler call */
	size_t head_bytes;         /* request line and header lines, as sent */
	int bad_header;            /* a header name or value HTTP forbids (server.c) */
	void *conn;                /* the libmicrohttpd connection (private) */
	void *route;               /* the matched route (const struct route *) */
	void *user;                /* per-request application state */
	const char *trusted_proxy; /* from the server options: see req_ip */
};

struct response {
	int status;
	const char *content_type;
	struct buf body;         /* dynamic body, freed by the server */
	const void *static_body; /* or: a body that outlives the response */
	size_t static_len;
	struct kvlist headers; /* extra headers, arena memory */
	int bare;              /* status, Content-Type and body only: an answer
	                        * that must fit the little memory a huge request
	                        * head left (server.c) */
};

/* Value of a request header (case-insensitive name), or NULL. */
const char *req_header(struct request *req, const char *name);
/* Value of a cookie from the Cookie header, or NULL. Arena memory. */
const char *req_cookie(struct request *req, const char *name);
/* A form field, or NULL. */
const char *req_form(struct request *req, const char *name);
/* The client's address ("127.0.0.1"), arena memory. When the connection
 * comes from the trusted proxy (server_opts.trusted_proxy), the last
 * address of its X-Forwarded-For header instead (when it is an address). */
const char *req_ip(struct request *req);
/* A path parameter set by the router (":lang" → "lang"), or NULL. */
const char *req_param(struct request *req, const char *name);
/* A path parameter that is an id (a positive integer, as the router's
 * ":id" checks), or 0 when absent or not one. */
int64_t req_param_id(struct request *req, const char *name);

void resp_header(struct request *req, struct response *resp, const char *name, const char *value);
/* Sets status, content type and a copy of the body. */
void resp_set(struct response *resp, int status, const char *content_type, const char *body,
              size_t len);
void resp_redirect(struct request *req, struct response *resp, int status, const char *location);

#endif
