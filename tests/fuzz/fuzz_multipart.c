/* libFuzzer target: multipart/form-data bodies (web/multipart.c), and the
 * router's checks of their fields against the CV upload route. The input is
 * the Content-Type value, a newline, then the body. Every part the parser
 * returns must lie inside the body; a refusal must say why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/xalloc.h"
#include "web/multipart.h"
#include "web/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const char *body, size_t len, const char *p, size_t n)
{
	return p >= body && n <= len && p <= body + len - n;
}

/* The route that takes files (the CV upload). */
static const struct route *upload_route(void)
{
	for (size_t i = 0; i < app_routes_count; i++)
		if (app_routes[i].flags & ROUTE_UPLOAD)
			return &app_routes[i];
	abort();
}

/* The router's view of the same body: text fields into req.form. */
static void through_router(const char *type, const char *body, size_t len)
{
	struct request req;
	struct route_error e;

	memset(&req, 0, sizeof(req));
	buf_init(&req.body, 0);
	buf_add(&req.body, body, len);
	if (router_parse_multipart(upload_route(), &req, type, &e) < 0 && e.status != 400)
		abort();
	buf_release(&req.body);
	arena_free(&req.arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct mp_form form;
	const char *why = NULL;
	char *type, *body;
	size_t tlen, blen;

	if (!nl)
		return 0;
	tlen = (size_t)(nl - data);
	blen = size - tlen - 1;
	type = xstrndup((const char *)data, tlen);
	body = xmalloc(blen ? blen : 1); /* exactly the body: overreads are caught */
	memcpy(body, nl + 1, blen);
	if (multipart_parse(type, body, blen, &form, &why) == 0) {
		if (form.count > MULTIPART_MAX_PARTS)
			abort();
		for (size_t i = 0; i < form.count; i++) {
			const struct mp_part *p = &form.parts[i];
			if (!inside(body, blen, p->data, p->len) ||
			    !inside(body, blen, p->name, p->name_len) ||
			    (p->filename && !inside(body, blen, p->filename, p->filename_len)) ||
			    !p->type)
				abort();
		}
		multipart_get(&form, "cv");
	} else if (!why) {
		abort();
	}
	through_router(type, body, blen);
	free(type);
	free(body);
	return 0;
}
