/* discussion_pages: what the pages of network discussions share
 * (discussion_pages.c: the list, threads, posting, following;
 * discussion_moderation.c: moderation and reports). Strings live in the
 * request's arena. */
#ifndef KAFAAT_APP_DISCUSSION_PAGES_H
#define KAFAAT_APP_DISCUSSION_PAGES_H

#include <stdint.h>

#include "app/discussions.h"
#include "app/network_pages.h"

struct db_stmt;

/* A thread as stored. */
struct thread {
	int64_t id, author_id, posts;
	const char *title, *created_at;
	int locked;
};

/* Loads the network of the path and checks the viewer may take a there:
 * 1; else the answer is sent (404 for a page whoever may not read, 403
 * with a message on a write or for a member asking a moderator's page) and
 * 0. */
int dp_load(struct np *p, void *ctx, struct request *req, struct response *resp,
            enum disc_action a);
/* The :id of the path, or 0 (the 404 sent). */
int64_t dp_path_id(struct np *p);
/* The answer to a load's result rc: 1 (found) gives 1; 0 (no such row)
 * sends the 404 and -1 (storage) the 503, and gives 0. */
int dp_found(struct np *p, int rc);
/* The thread of :id in the network: 1, or 0 with the 404/503 sent. */
int dp_load_thread(struct np *p, struct thread *t);
/* "discussion.done.WORD" for the query's done=WORD when WORD is known, or
 * NULL. */
const char *dp_done_key(struct np *p);
/* Now, as ISO 8601 UTC text. */
const char *dp_now_iso(struct np *p);
/* The name of the author whose id is column id_col of st and whose profile
 * names are columns name_col (name) and name_col + 1 (name_ar): the
 * profile's, else "a member", else (erased) "a former member". */
const char *dp_author_name(struct np *p, struct db_stmt *st, int id_col, int name_col);
/* The 422 answer to an unknown action. */
void dp_bad_action(struct np *p);

#endif
