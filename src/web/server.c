#include "web/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "web/multipart.h"

#define MAX_QUERY_PAIRS 64
#define DISCARD_MAX ((size_t)64 << 20)
#define DRAIN_POLL_MS 10
#define DRAIN_QUIET_MS 200

struct server {
	struct MHD_Daemon *daemon;
	struct server_opts opts;
	uint16_t port;
	atomic_int inflight; /* requests begun (on_uri) and not yet completed */
	atomic_int draining; /* set by server_stop: answers close their connection */
};

/* Sent with every response. 'self' only: no third-party host, no inline
 * script; Bootstrap's CSS uses data: URIs for a few icons. */
static const struct kv security_headers[] = {
        {"Content-Security-Policy",
         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
         "form-action 'self'; frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", "strict-origin-when-cross-origin"},
        {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"},
        {"Cross-Origin-Opener-Policy", "same-origin"},
};

static const struct {
	const char *name;
	enum http_method method;
} methods[] = {
        {"GET", HTTP_GET}, {"HEAD", HTTP_GET},      {"POST", HTTP_POST},
        {"PUT", HTTP_PUT}, {"DELETE", HTTP_DELETE}, {"PATCH", HTTP_PATCH},
};

static enum http_method method_parse(const char *m, int *is_head)
{
	*is_head = strcmp(m, "HEAD") == 0;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, m) == 0)
			return methods[i].method;
	return HTTP_OTHER;
}

int server_parse_uri(struct request *req, const char *uri)
{
	const char *q = strchr(uri, '?');
	size_t plen = q ? (size_t)(q - uri) : strlen(uri);

	if (plen == 0 || uri[0] != '/' || memchr(uri, '#', strlen(uri)))
		return -1;
	req->path = url_decode(&req->arena, uri, plen, 0);
	if (!req->path)
		return -1;
	if (q &&
	    url_parse_pairs(&req->arena, q + 1, strlen(q + 1), MAX_QUERY_PAIRS, &req->query) < 0)
		return -1;
	return 0;
}

/* libmicrohttpd calls this first, with the raw URI: the request starts here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct server *srv = cls;
	struct request *req = xcalloc(1, sizeof(*req));

	(void)c;
	atomic_fetch_add(&srv->inflight, 1);
	buf_init(&req->body, (size_t)srv->opts.max_body_bytes);
	req->raw_uri = arena_strdup(&req->arena, uri);
	req->trusted_proxy = srv->opts.trusted_proxy;
	return req;
}

/* Leave values undecoded: server_parse_uri decodes strictly from raw_uri. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *req = *con_cls;

	(void)c;
	(void)toe;
	if (!req)
		return;
	if (srv->opts.on_done)
		srv->opts.on_done(srv->opts.ctx, req);
	buf_release(&req->body);
	arena_free(&req->arena);
	free(req);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1); /* every request comes from on_uri */
}

static void error_response(struct server *srv, struct request *req, struct response *resp,
                           int status, const char *code)
{
	struct route_error e = {status, code, NULL, 0};
	srv->opts.on_error(srv->opts.ctx, req, resp, &e);
}

static void add_allow(struct request *req, struct response *resp, unsigned allowed)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (allowed & methods[i].method)
			buf_addf(&b, "%s%s", b.len ? ", " : "", methods[i].name);
	resp_header(req, resp, "Allow", buf_str(&b));
	buf_release(&b);
}

static int is_form_type(const char *type)
{
	static const char form[] = "application/x-www-form-urlencoded";
	return type && strncasecmp(type, form, sizeof(form) - 1) == 0 &&
	       (type[sizeof(form) - 1] == '\0' || type[sizeof(form) - 1] == ';');
}

/* Form routes take url-encoded bodies, and upload routes multipart ones
 * too; fields checked by the router. */
static int parse_form(struct server *srv, const struct route *r, struct request *req,
                      struct response *resp)
{
	struct route_error e = {0};
	const char *type = req_header(req, "Content-Type");
	int multipart = (r->flags & ROUTE_UPLOAD) && multipart_is(type), rc;

	if (req->body.len && !multipart && !is_form_type(type)) {
		e = (struct route_error){415, "unsupported_media_type", NULL, 0};
		srv->opts.on_error(srv->opts.ctx, req, resp, &e);
		return -1;
	}
	if (multipart)
		rc = router_parse_multipart(r, req, type, &e);
	else
		rc = router_parse_form(r, req, &e);
	if (rc < 0) {
		srv->opts.on_error(srv->opts.ctx, req, resp, &e);
		return -1;
	}
	return 0;
}

/* Each connection's memory (libmicrohttpd's pool) holds the request head
 * and then the answer's headers: the largest head accepted
 * (server.max_header_bytes) plus room for the answer's headers (security
 * headers, CSP, cookies: about 1.5 KB). A head over max_header_bytes gets
 * 431; one so large that the usual headers no longer fit gets a bare 431
 * (resp->bare); past the pool, libmicrohttpd answers 431 itself. */
#define ANSWER_ROOM 8192

static size_t pool_bytes(const struct server *srv)
{
	return (size_t)srv->opts.max_header_bytes + ANSWER_ROOM;
}

/* A header name must be a token (RFC 9110 5.1, 5.6.2). */
static int is_token(const char *s, size_t n)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && (ch == '\0' || !strchr(extra, ch)))
			return 0;
	}
	return 1;
}

/* A header value holds no control character but HTAB (RFC 9110 5.5): a
 * bare CR, another control character or a DEL, which libmicrohttpd 0.9.75
 * lets through, would otherwise reach the handlers, and a proxy might read
 * the head apart. (A NUL never reaches here: the library ends the value
 * there, and so does value_size.) */
static int is_field_value(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return 0;
	}
	return 1;
}

struct head_scan {
	size_t bytes; /* the head as sent */
	int bad;      /* a header name or value HTTP forbids */
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	struct head_scan *h = cls;

	(void)kind;
	h->bytes += key_size + 2 + value_size + 2; /* "key: value\r\n" */
	if (!is_token(key, key_size) || (value && !is_field_value(value, value_size)))
		h->bad = 1;
	return MHD_YES;
}

/* Measures the request head as sent ("METHOD target HTTP/1.1\r\n" and the
 * header lines) into req->head_bytes, and checks its headers' names and
 * values (req->bad_header). */
static void scan_head(struct request *req, struct MHD_Connection *c, const char *method,
                      const char *url)
{
	struct head_scan h = {strlen(method) + 1 + strlen(url) + 11, 0};

	MHD_get_connection_values_n(c, MHD_HEADER_KIND, scan_header, &h);
	req->head_bytes = h.bytes;
	req->bad_header = h.bad;
}

static void dispatch(struct server *srv, struct request *req, struct response *resp)
{
	struct route_error e = {0};
	const struct route *r;

	if (req->head_bytes > (size_t)srv->opts.max_header_bytes) {
		error_response(srv, req, resp, 431, "headers_too_large");
		/* near the pool's end, no room for the usual headers (ANSWER_ROOM) */
		resp->bare = req->head_bytes + ANSWER_ROOM / 2 > pool_bytes(srv);
		return;
	}
	if (req->bad_header) {
		error_response(srv, req, resp, 400, "malformed_header");
		return;
	}
	if (req->too_large) {
		error_response(srv, req, resp, 413, "body_too_large");
		return;
	}
	if (!req->path && server_parse_uri(req, req->raw_uri) < 0) {
		req->path = "/";
		error_response(srv, req, resp, 400, "malformed_uri");
		return;
	}
	r = router_match(srv->opts.routes, srv->opts.nroutes, req, &e);
	if (!r) {
		srv->opts.on_error(srv->opts.ctx, req, resp, &e);
		if (e.status == 405)
			add_allow(req, resp, e.allowed);
		return;
	}
	if (r->form && !(req->method & HTTP_GET) && parse_form(srv, r, req, resp) < 0)
		return;
	if (srv->opts.authorize && srv->opts.authorize(srv->opts.ctx, req, r, resp) < 0)
		return;
	r->handler(srv->opts.ctx, req, resp);
	if (resp->status < 100 || resp->status > 599) {
		log_error("handler for %s left no status", r->pattern);
		buf_reset(&resp->body);
		resp->headers = (struct kvlist){0};
		error_response(srv, req, resp, 500, "internal");
	}
}

static struct MHD_Response *build(const struct response *resp)
{
	struct MHD_Response *m;

	if (resp->static_body) {
		m = MHD_create_response_from_buffer(resp->static_len, (void *)resp->static_body,
		                                    MHD_RESPMEM_PERSISTENT);
	} else {
		struct buf body = resp->body;
		size_t len;
		char *data = buf_detach(&body, &len);
		m = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (!m)
			free(data);
	}
	return m;
}

static enum MHD_Result send_response(struct request *req, struct response *resp)
{
	struct MHD_Response *m = build(resp);
	enum MHD_Result rc;

	resp->body = (struct buf)BUF_INIT; /* handed to MHD by build() */
	if (!m)
		return MHD_NO;
	if (resp->bare) { /* every byte of headers counts here: not even Connection */
		MHD_add_response_header(m, "Content-Type", resp->content_type);
		rc = MHD_queue_response(req->conn, (unsigned)resp->status, m);
		MHD_destroy_response(m);
		return rc;
	}
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(m, security_headers[i].key, security_headers[i].value);
	if (resp->content_type)
		MHD_add_response_header(m, "Content-Type", resp->content_type);
	for (size_t i = 0; i < resp->headers.count; i++)
		MHD_add_response_header(m, resp->headers.items[i].key,
		                        resp->headers.items[i].value);
	rc = MHD_queue_response(req->conn, (unsigned)resp->status, m);
	MHD_destroy_response(m);
	return rc;
}

static int declared_too_large(struct MHD_Connection *c, int64_t max)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	int64_t n = 0;

	if (!cl)
		return 0;
	for (const char *p = cl; *p; p++) {
		if (*p < '0' || *p > '9' || n > INT64_MAX / 10 - 10)
			return 1; /* malformed or absurd: libmicrohttpd refuses those anyway */
		n = n * 10 + (*p - '0');
	}
	return n > max;
}

/* The body limit of this request: the server's, or its route's when that
 * route takes files (router_body_limit). The URI is decoded here once; a
 * malformed one is decoded again, and refused, by dispatch. */
static int64_t body_limit(struct server *srv, struct request *req)
{
	int64_t limit = 0;

	if (server_parse_uri(req, req->raw_uri) == 0) {
		limit = router_body_limit(srv->opts.routes, srv->opts.nroutes, req);
	} else {
		req->path = NULL;
		req->query = (struct kvlist){0};
	}
	return limit > 0 ? limit : srv->opts.max_body_bytes;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *req = *con_cls;
	struct response resp = {0};

	(void)url;
	(void)version;
	if (!req->started) {
		/* First call: headers only. Queueing now would cost keep-alive. */
		req->started = 1;
		req->conn = c;
		req->method = method_parse(method, &req->is_head);
		scan_head(req, c, method, req->raw_uri ? req->raw_uri : url);
		buf_init(&req->body, (size_t)body_limit(srv, req));
		req->too_large = declared_too_large(c, (int64_t)req->body.max);
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		/* Past the limit, the rest is read and dropped (up to a bound) so
		 * the client can read the 413 instead of a reset connection. */
		if (!req->too_large && buf_add(&req->body, upload_data, *upload_data_size) < 0)
			req->too_large = 1;
		if (req->too_large)
			req->discarded += *upload_data_size;
		*upload_data_size = 0;
		if (req->discarded <= DISCARD_MAX)
			return MHD_YES;
	}
	dispatch(srv, req, &resp);
	if (atomic_load(&srv->draining))
		resp_header(req, &resp, "Connection", "close"); /* no next request */
	enum MHD_Result rc = send_response(req, &resp);
	buf_release(&resp.body);
	return rc;
}

static void on_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
	(void)cls;
	log_error("libmicrohttpd: fatal error at %s:%u: %s", file, line, reason ? reason : "");
	abort();
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("libmicrohttpd: %s", line);
}

static int make_addr(const char *host, uint16_t port, struct sockaddr_in *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_port = htons(port);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	return inet_pton(AF_INET, host, &addr->sin_addr) == 1 ? 0 : -1;
}

struct server *server_start(const struct server_opts *opts, char *err, size_t errlen)
{
	struct server *srv = xcalloc(1, sizeof(*srv));
	struct sockaddr_in addr;

	srv->opts = *opts;
	if (make_addr(opts->host, opts->port, &addr) < 0) {
		snprintf(err, errlen, "invalid listen address %s", opts->host);
		goto fail;
	}
	MHD_set_panic_func(on_panic, NULL);
	srv->daemon = MHD_start_daemon(
	        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
	        opts->port, NULL, NULL, on_access, srv, MHD_OPTION_SOCK_ADDR, &addr,
	        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->threads,
	        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_bytes(srv), MHD_OPTION_CONNECTION_TIMEOUT,
	        (unsigned)opts->timeout_seconds, MHD_OPTION_CONNECTION_LIMIT,
	        (unsigned)opts->max_connections, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_NOTIFY_COMPLETED,
	        on_completed, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	        /* strict: 400 for an HTTP/1.1 request without Host and for
	         * obsolete line folding (docs/RELIABILITY.md, finding 2) */
	        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, errlen, "cannot listen on %s:%u (address in use or not allowed)",
		         opts->host, opts->port);
		goto fail;
	}
	srv->port = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
	return srv;
fail:
	free(srv);
	return NULL;
}

uint16_t server_port(const struct server *srv)
{
	return srv->port;
}

static int64_t monotonic_ms(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) < 0)
		return 0; /* cannot happen with CLOCK_MONOTONIC */
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int accept_waiting(MHD_socket fd, struct sockaddr_storage *addr, socklen_t *len)
{
	*len = sizeof(*addr);
	return accept4(fd, (struct sockaddr *)addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/* Hands the connections already waiting in the listening socket's backlog
 * to libmicrohttpd (at most max_connections of them, should clients keep
 * arriving): their clients sent their requests before the stop, and the
 * workers accept only between requests, so under load some wait there. */
static void adopt_backlog(struct server *srv, MHD_socket fd)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int c = 0, flags = fcntl(fd, F_GETFL);
	int64_t left = srv->opts.max_connections;

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		log_warn("server: cannot read the connection backlog");
		return;
	}
	while (left-- > 0 && (c = accept_waiting(fd, &addr, &len)) >= 0) {
		/* On failure libmicrohttpd closes the socket itself. */
		if (MHD_add_connection(srv->daemon, c, (struct sockaddr *)&addr, len) != MHD_YES)
			log_warn("server: a waiting connection could not be taken over");
	}
	if (c < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		log_debug("server: accepting the backlog stopped: %s", strerror(errno));
}

/* Stops taking connections: the listening socket leaves every worker's
 * epoll set (MHD_quiesce_daemon), the connections already in its backlog
 * are taken over, and it is shut down, so newer clients are refused at once
 * rather than left waiting. Returns the socket, to be closed after
 * MHD_stop_daemon, or MHD_INVALID_SOCKET. */
static MHD_socket stop_accepting(struct server *srv)
{
	MHD_socket fd;

	atomic_store(&srv->draining, 1);
	fd = MHD_quiesce_daemon(srv->daemon);
	if (fd == MHD_INVALID_SOCKET) {
		log_warn("server: cannot stop accepting; stopping at once");
		return fd;
	}
	adopt_backlog(srv, fd);
	if (shutdown(fd, SHUT_RDWR) < 0)
		log_warn("server: shutting down the listening socket failed");
	return fd;
}

static unsigned open_connections(struct server *srv)
{
	const union MHD_DaemonInfo *info =
	        MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return info ? info->num_connections : 0;
}

static void pause_briefly(void)
{
	const struct timespec step = {0, DRAIN_POLL_MS * 1000000L};

	if (nanosleep(&step, NULL) < 0 && errno != EINTR)
		log_debug("server: nanosleep failed while draining");
}

/* Waits, up to opts.drain_seconds, until no connection is open, or no request has
 * been in flight for DRAIN_QUIET_MS. Requests are counted, not only
 * connections, so that idle keep-alive connections do not hold the stop;
 * the quiet period covers a request already sent on a connection whose
 * worker thread was busy with another one (it is read as soon as that one
 * is answered). Answers given meanwhile close their connection. */
static void drain(struct server *srv)
{
	int64_t now = monotonic_ms(), deadline = now + srv->opts.drain_seconds * 1000,
	        quiet_since = now;
	int n = atomic_load(&srv->inflight);

	if (n > 0)
		log_info("server: finishing %d request(s) in flight", n);
	for (; now < deadline; now = monotonic_ms()) {
		if (atomic_load(&srv->inflight) > 0)
			quiet_since = now;
		else if (now - quiet_since >= DRAIN_QUIET_MS || open_connections(srv) == 0)
			return;
		pause_briefly();
	}
	log_warn("server: stopping with %d request(s) unfinished after %lld s",
	         atomic_load(&srv->inflight), (long long)srv->opts.drain_seconds);
}

void server_stop(struct server *srv)
{
	MHD_socket fd;

	if (!srv)
		return;
	fd = stop_accepting(srv);
	if (fd != MHD_INVALID_SOCKET)
		drain(srv);
	MHD_stop_daemon(srv->daemon);
	if (fd != MHD_INVALID_SOCKET && close(fd) < 0)
		log_warn("server: closing the listening socket failed");
	free(srv);
}
