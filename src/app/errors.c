/* errors: what a visitor sees when a request reaches no handler, or a
 * handler fails: a page in their language, or the JSON envelope under /api/. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/page.h"

/* Statuses with their own title and message in the catalogues. */
static const int known[] = {400, 401, 403, 404, 405, 413, 415, 429, 431, 500, 503};

static int known_status(int status)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i] == status)
			return status;
	return status >= 500 ? 500 : 400;
}

void app_on_error(void *ctx, struct request *req, struct response *resp,
                  const struct route_error *e)
{
	struct app *app = ctx;
	int shown = known_status(e->status);
	char title[64], message[64];

	if (strncmp(req->path ? req->path : "/", "/api/", 5) == 0) {
		json_error(app, req, resp, e->status, e->code, e->field);
		return;
	}
	snprintf(title, sizeof(title), "error.%d.title", shown);
	snprintf(message, sizeof(message), "error.%d.message", shown);
	page_render(app, req, resp, e->status, "error", title,
	            json_pack("{s:i, s:s, s:s, s:s?}", "status", e->status, "title", title,
	                      "message", message, "field", e->field));
}
