/* discussions: the model of a network's discussions (docs/DISCUSSIONS.md) —
 * who may do what (one table over networks.h's network_may), the checks of
 * a title, a post and a report, the moderation steps and the resolutions
 * of a report as tables, and pagination. Pure: no database, no I/O; the
 * pages are in discussion_pages.c, the demo in discussion_demo.c.
 *
 * Only members of the network (state 'member'), its coordinators and the
 * programme team read and post; only its coordinators and the programme
 * team moderate. A coordinator of another network is nobody here. */
#ifndef KAFAAT_APP_DISCUSSIONS_H
#define KAFAAT_APP_DISCUSSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "app/networks.h"

#define DISC_TITLE_MAX 200   /* characters of a thread's title */
#define DISC_BODY_MAX 5000   /* characters of a post */
#define DISC_NOTE_MAX 1000   /* characters of a report's note, a moderation reason */
#define DISC_THREADS_PAGE 20 /* threads per page of the list */
#define DISC_POSTS_PAGE 30   /* posts per page of a thread */
#define DISC_REPORTS_SHOWN 100
#define DISC_PAGE_MAX 100000 /* the router's bound on ?page= */

/* What someone does in a network's discussions. */
enum disc_action {
	DISC_READ,     /* the list, a thread */
	DISC_POST,     /* start a thread, reply */
	DISC_FOLLOW,   /* follow a thread, be told of new threads */
	DISC_REPORT,   /* report a post to the coordinators */
	DISC_MODERATE, /* hide and unhide posts, lock and unlock threads, resolve reports */
	DISC_ACTION_COUNT
};
/* May `who` (NULL: anonymous), whose role in the network is r, take a? */
int disc_may(const struct identity *who, enum net_role r, enum disc_action a);

/* Checks: NULL when s is acceptable, else the catalogue key of the error
 * (discussion.error.*). A title: 1 to DISC_TITLE_MAX characters, one line.
 * A post: 1 to DISC_BODY_MAX characters, not only blanks, line breaks and
 * tabs allowed. A note (optional, reason_required: not empty): at most
 * DISC_NOTE_MAX characters. s is UTF-8 (the router checked). */
const char *disc_title_error(const char *s);
const char *disc_body_error(const char *s);
const char *disc_note_error(const char *s, int required);

/* The reasons one may report a post for, as stored; NULL past the end. */
const char *disc_report_reason(int i);
/* Is s one of them? */
int disc_report_reason_valid(const char *s);

/* A moderation step: its name in forms, whether it acts on a post (hidden)
 * or a thread (locked), the flag it needs and the flag it leaves, whether
 * a reason is required, the audit action, the notification sent to the
 * author (NULL: none). */
enum disc_target { DISC_ON_POST, DISC_ON_THREAD };
struct disc_step {
	const char *name;
	enum disc_target target;
	int from, to;
	int reason_required;
	const char *audit_action;
	const char *notify_author;
};
/* The step named name on target, or NULL. */
const struct disc_step *disc_step_find(const char *name, enum disc_target target);
extern const struct disc_step disc_steps[];
extern const int disc_step_count;

/* Resolving a report: "hide" (the post hidden, with the report's reason,
 * when it is not already) or "dismiss". Every open report of the same post
 * takes the state. */
struct disc_resolution {
	const char *name;  /* in forms */
	const char *state; /* the reports' new state */
	int hides;         /* the post is hidden */
};
const struct disc_resolution *disc_resolution_find(const char *name);

/* Pagination: the number of pages for total items, per on a page (at least
 * 1), and the page actually shown for a requested one (clamped to
 * [1, pages]). */
int64_t disc_pages(int64_t total, int per);
int64_t disc_page_clamp(int64_t requested, int64_t pages);

/* ---- Demo ---- */

struct app;
struct db;
/* The second phase of `kafaat demo`, after networks_demo_load: a few
 * threads with replies in Arabic, French and English in the demo networks
 * (discussion_demo.c), written by their members, each author following
 * their thread. Writes nothing and returns 0 when a thread exists already;
 * a network with fewer than two members gets none. Only app->cfg is used.
 * Returns the rows written, or -1 with a reason in err. */
int discussions_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen);

#endif
