/* libFuzzer target: raw request URIs through the strict decoder and the
 * router (path parameters, query validation). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/xalloc.h"
#include "web/router.h"
#include "web/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req;
	struct route_error e;
	char *uri = xstrndup((const char *)data, size);

	memset(&req, 0, sizeof(req));
	req.method = size && (data[0] & 1) ? HTTP_POST : HTTP_GET;
	if (strlen(uri) == size && server_parse_uri(&req, uri) == 0)
		router_match(app_routes, app_routes_count, &req, &e);
	arena_free(&req.arena);
	free(uri);
	return 0;
}
