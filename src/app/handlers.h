/* handlers: every route handler, grouped by domain file (home.c, system.c).
 * Each has the route_handler signature; ctx is the struct app. */
#ifndef KAFAAT_APP_HANDLERS_H
#define KAFAAT_APP_HANDLERS_H

#include "web/http.h"

/* home.c: the public pages */
void h_home(void *ctx, struct request *req, struct response *resp);
void h_privacy(void *ctx, struct request *req, struct response *resp);
/* system.c: redirects, health, metadata, static files */
void h_root(void *ctx, struct request *req, struct response *resp);
void h_lang_root(void *ctx, struct request *req, struct response *resp);
void h_healthz(void *ctx, struct request *req, struct response *resp);
void h_api_meta(void *ctx, struct request *req, struct response *resp);
void h_static(void *ctx, struct request *req, struct response *resp);
void h_favicon(void *ctx, struct request *req, struct response *resp);

#endif
