#include "web/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>

#include "core/parse.h"
#include "core/xalloc.h"

const char *req_header(struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *req_form(struct request *req, const char *name)
{
	return kvlist_get(&req->form, name);
}

static const char *socket_ip(struct request *req)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char buf[INET6_ADDRSTRLEN] = "";
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof(buf));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
		          sizeof(buf));
	return arena_strdup(&req->arena, buf);
}

/* The last entry of an X-Forwarded-For value, when it is an IP address. */
static const char *forwarded_ip(struct request *req, const char *xff)
{
	const char *last = strrchr(xff, ',');
	unsigned char addr[sizeof(struct in6_addr)];
	char *ip;

	last = last ? last + 1 : xff;
	last += strspn(last, " \t");
	ip = arena_strndup(&req->arena, last, strcspn(last, " \t"));
	if (inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1)
		return ip;
	return NULL;
}

const char *req_ip(struct request *req)
{
	const char *peer = socket_ip(req);
	const char *xff, *ip;

	if (!req->trusted_proxy || !*req->trusted_proxy || strcmp(peer, req->trusted_proxy) != 0)
		return peer;
	xff = req_header(req, "X-Forwarded-For");
	ip = xff ? forwarded_ip(req, xff) : NULL;
	return ip ? ip : peer;
}

const char *req_param(struct request *req, const char *name)
{
	return kvlist_get(&req->params, name);
}

int64_t req_param_id(struct request *req, const char *name)
{
	int64_t id;

	return parse_int64(req_param(req, name), 1, INT64_MAX, &id) == 0 ? id : 0;
}

void resp_header(struct request *req, struct response *resp, const char *name, const char *value)
{
	kvlist_add(&req->arena, &resp->headers, arena_strdup(&req->arena, name),
	           arena_strdup(&req->arena, value));
}

void resp_set(struct response *resp, int status, const char *content_type, const char *body,
              size_t len)
{
	resp->status = status;
	resp->content_type = content_type;
	buf_reset(&resp->body);
	buf_add(&resp->body, body, len);
}

void resp_redirect(struct request *req, struct response *resp, int status, const char *location)
{
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	buf_reset(&resp->body);
	buf_adds(&resp->body, location);
	resp_header(req, resp, "Location", location);
}
