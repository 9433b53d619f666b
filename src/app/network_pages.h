/* network_pages: what the pages of networks share (network_pages.c: the
 * list, a network's page, joining and leaving, the roster; network_manage.c:
 * texts, join requests and announcements; network_intros.c: introductions;
 * network_admin.c: the programme team's pages). All strings and JSON are made for one request
 * (the arena of c.req).
 *
 * Whoever may not take a network's action gets 404 from these pages, as
 * for a page that does not exist (docs/NETWORKS.md: every route is open to
 * any signed-in person, and what they may do is decided here through
 * network_may). */
#ifndef KAFAAT_APP_NETWORK_PAGES_H
#define KAFAAT_APP_NETWORK_PAGES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "app/networks.h"
#include "app/profile_pages.h"
#include "app/visibility.h"

struct db;
struct form;

#define NETWORK_MESSAGE_MAX 1000 /* characters of a join message, an introduction, a note */
#define ANNOUNCEMENT_TITLE_MAX 200
#define ANNOUNCEMENT_BODY_MAX 5000
#define ROSTER_PAGE 100 /* members per page of a roster */

/* One request to a network's page: the network of the path (:slug) and the
 * viewer's role in it. */
struct np {
	struct pp c;
	struct network net;
	enum net_role role;
	/* The viewer's own membership row, whatever their role (a coordinator
	 * need not be a member): none, pending or member. */
	enum { NP_NO_ROW, NP_PENDING_ROW, NP_MEMBER_ROW } row;
};

/* Loads the network named slug and the viewer's role: 1, or 0 / -1 with
 * the 404 / 503 answer sent. */
int np_load(struct np *p, void *ctx, struct request *req, struct response *resp, const char *slug);
/* May the viewer take action a here? 1; else the 404 answer is sent, 0. */
int np_allow(struct np *p, enum net_action a);

/* Is s valid text of at most max characters: UTF-8 (the router checked),
 * no control characters but line breaks and tabs when multiline. */
int np_text_ok(const char *s, size_t max, int multiline);

/* The level at which members of a network see one another's profile on its
 * roster: what any other member sees (a signed-in peer without other roles
 * who shares the network), the same for members, coordinators and admins.
 * f as visibility_facts_load filled it. */
enum visibility np_roster_level(const struct visibility_facts *f);

/* The display name of a profile ("" when none). */
const char *np_person_name(const char *name, const char *name_ar, enum lang l);

/* Notifies user_id of kind, adding {network}: the network's name in the
 * recipient's language. vars as notify() takes them (NULL-terminated
 * pairs, at most 6 pairs). Runs in the caller's transaction. 0 or -1. */
int np_notify(struct app *app, struct db *db, const struct network *n, int64_t user_id,
              const char *kind, const char *link, const char *const *vars);
/* The same for every coordinator of n. */
int np_notify_coordinators(struct app *app, struct db *db, const struct network *n,
                           const char *kind, const char *link, const char *const *vars);

/* The texts of a network as a form reads them (names, summaries, charters,
 * membership; and its kind when with_kind). Errors go to f. */
void np_read_texts(struct pp *c, struct network *n, struct form *f, int with_kind);
/* The values of n for the form. */
void np_keep_texts(const struct network *n, struct form *f);
/* Choices of the form's selects: {kinds, memberships}, each [{value, key, selected}]. */
json_t *np_choices(json_t *values);
/* Writes n's texts, membership and kind with its audit row (action
 * "network_updated"). 1 saved, 0 no such network, -1 error. Runs on db (a
 * transaction). */
int np_save_texts(struct pp *c, struct db *db, const struct network *n);

/* A page of a network's roster: the members on it (np_roster_level at
 * least VIS_PEERS), ROSTER_PAGE at most, each {id, name, headline, country,
 * city, skills, me}; how many are on the roster in all, and how many
 * members are not shown (every member's visibility is decided, the
 * details are read for the page only). */
struct roster {
	json_t *shown; /* new reference */
	int total, hidden, page;
};
/* page counts from 1. 0, or -1 on a database error (r->shown is still set). */
int np_roster(struct np *p, struct db *db, int page, struct roster *r);
/* The roster page; form: the introduction form being re-shown (emptied). */
void np_show_roster(struct np *p, int status, struct form *form);

/* The catalogue key "network.done.WORD" of the query's done=WORD when WORD
 * is one the pages use, else NULL. */
const char *np_done_key(struct pp *c);

/* The ids a query with $1 = slug returns, at most max: how many, or -1. */
int np_ids_of(struct db *db, const char *sql, const char *slug, int64_t *out, int max);
/* Every id it returns, in an array of the arena (*out): how many, or -1. */
int np_ids_all(struct db *db, struct arena *a, const char *sql, const char *slug, int64_t **out);
/* The network's latest announcements, newest first: [{id, title, body
 * [paragraphs], date}]. */
json_t *np_announcements(struct np *p, struct db *db, int limit);

#endif
