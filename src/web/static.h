/* static: the files under static/, loaded into memory at start-up.
 *
 * Only files present at start-up exist (no path ever reaches the file
 * system at request time). Each file has a strong ETag (a hash of its
 * content) and, when FILE.br or FILE.gz sit beside it (made at build time by
 * scripts/assets.sh), those pre-compressed variants are served to clients
 * that accept them, unless older than the file (stale: ignored). The set
 * is immutable after load and shared by threads.
 */
#ifndef KAFAAT_WEB_STATIC_H
#define KAFAAT_WEB_STATIC_H

#include <stddef.h>

#include "web/http.h"

struct static_set;

/* Loads every regular file under dir (recursively; names starting with '.'
 * skipped). Returns 0, or -1 with the reason in err. */
int static_load(const char *dir, struct static_set **out, char *err, size_t errlen);
void static_free(struct static_set *set);
/* Number of files loaded (compressed variants not counted). */
size_t static_count(const struct static_set *set);
/* The ETag of a file (e.g. for cache-busting URLs), or NULL if absent. */
const char *static_etag(const struct static_set *set, const char *name);
/* Answers a request for file `name` (relative, e.g. "css/kafaat.css"):
 * 200 with the best encoding, 304 when If-None-Match matches. Returns 0,
 * or -1 when there is no such file (resp untouched). */
int static_serve(const struct static_set *set, const char *name, struct request *req,
                 struct response *resp);

#endif
