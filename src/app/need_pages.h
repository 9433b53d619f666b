/* need_pages: what the need pages share (need_pages.c: the institution's
 * and the programme team's pages; need_board.c: the public board, a need's
 * public page, the JSON API and the Atom feed). All strings and JSON are
 * made for one request (c's arena). */
#ifndef KAFAAT_APP_NEED_PAGES_H
#define KAFAAT_APP_NEED_PAGES_H

#include <jansson.h>

#include "app/taxonomy.h"

struct institution;
struct need;
struct pp;

/* Who looks at a need: its institution sees its own, the programme team
 * every need, the public only those that were published. */
enum viewer { AS_INSTITUTION, AS_PROGRAMME, AS_PUBLIC };

/* Loads the need of the path (:id) for viewer v, and its institution when
 * in is not NULL: 1, or 0 / -1 with the 404 / 503 answer sent (a need the
 * viewer may not see is 404, as one that does not exist). */
int need_page_load(struct pp *c, enum viewer v, struct need *n, struct institution *in);

/* The label of a taxonomy id in the page's language (the id itself when
 * it has none; NULL for NULL). */
const char *need_page_label(struct pp *c, enum tax_kind k, const char *id);
/* "PREFIX.WORD", or NULL when word is NULL or empty (catalogue keys). */
const char *need_page_key(struct pp *c, const char *prefix, const char *word);

/* The need as its pages show it (labels, keys, dates in the page's
 * language); the counterpart and the checklist only when private. */
json_t *need_page_view(struct pp *c, const struct need *n, const struct institution *in,
                       int private);
/* {key, n} of the effort of the need's mode, or null. */
json_t *need_page_effort(const struct need *n);

/* Choices of a <select>: {value, key or text, selected}; words with keys
 * PREFIX.WORD; a taxonomy's entries after a "choose" option. */
json_t *need_page_option(const char *value, const char *key, const char *text, int selected);
void need_page_words(struct pp *c, json_t *out, const char *const *w, int n, const char *prefix,
                     const char *cur);
void need_page_taxonomy_choices(struct pp *c, json_t *out, enum tax_kind k, const char *cur);

#endif
