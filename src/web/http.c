#include "web/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>

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

const char *req_ip(struct request *req)
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

const char *req_param(struct request *req, const char *name)
{
	return kvlist_get(&req->params, name);
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
