/* server: Kafaat's HTTP server on libmicrohttpd.
 *
 * An internal epoll thread pool; keep-alive connections are reused (the
 * response is queued on the second access-handler call, never the first:
 * see STACK.md). Limits: header bytes (→ 431), body bytes (→ 413),
 * connection timeout, connection count. Every response carries the
 * security headers (CSP without inline script, nosniff, frame-ancestors
 * 'none', Referrer-Policy).
 */
#ifndef KAFAAT_WEB_SERVER_H
#define KAFAAT_WEB_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "web/router.h"

struct server_opts {
	const char *host; /* IPv4 address or "localhost" */
	uint16_t port;    /* 0: any free port (see server_port) */
	int threads;
	int64_t max_header_bytes;
	int64_t max_body_bytes;
	int64_t timeout_seconds;
	int64_t drain_seconds; /* server_stop waits this long at most for requests in flight */
	int64_t max_connections;
	const char *trusted_proxy; /* reverse proxy whose X-Forwarded-For is believed, or "" */
	const struct route *routes;
	size_t nroutes;
	void *ctx; /* passed to handlers and callbacks */
	/* Renders an error response (a page in the visitor's language, or the
	 * JSON envelope under /api/) for a request that reached no handler. */
	void (*on_error)(void *ctx, struct request *req, struct response *resp,
	                 const struct route_error *e);
	/* Checks the route's access policy (and CSRF) before its handler runs:
	 * 0 lets the handler run; -1 means resp was filled (a redirect to sign
	 * in, 403, 401…). May be NULL (then every route is open). */
	int (*authorize)(void *ctx, struct request *req, const struct route *r,
	                 struct response *resp);
	/* Called when a request completes, to release req->user. May be NULL. */
	void (*on_done)(void *ctx, struct request *req);
};

struct server;

/* Starts listening. Returns NULL with the reason in err. */
struct server *server_start(const struct server_opts *opts, char *err, size_t errlen);
/* The port actually bound. */
uint16_t server_port(const struct server *srv);
/* Stops accepting, lets in-flight requests finish, frees everything. */
void server_stop(struct server *srv);

/* Decodes a raw request URI into req->path and req->query. Returns 0, or
 * -1 when it is malformed (bad percent-encoding, not UTF-8, NUL, too many
 * parameters, not starting with '/'). Exposed for tests and the fuzzer. */
int server_parse_uri(struct request *req, const char *uri);

#endif
