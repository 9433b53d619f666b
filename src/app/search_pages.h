/* search_pages: the pages of search and matching (handlers in handlers.h),
 * and what other pages borrow from them. */
#ifndef KAFAAT_APP_SEARCH_PAGES_H
#define KAFAAT_APP_SEARCH_PAGES_H

#include <jansson.h>
#include <stddef.h>

#include "web/http.h"

struct app;

/* Up to limit published needs recommended to the signed-in expert of req,
 * best first, each {id, title, institution, score_text, factors}; NULL when
 * the expert is not in the search index (no profile yet). */
json_t *search_recommended(struct app *app, struct request *req, size_t limit);

#endif
