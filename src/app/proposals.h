/* proposals: experts' ideas and initiatives for the programme
 * (issue #12; docs/PROPOSALS.md).
 *
 * An expert submits a proposal: a title (at most PROPOSAL_TITLE_MAX
 * characters), a text (at most PROPOSAL_BODY_MAX), a kind (idea or
 * initiative) and what it concerns: a sector of the taxonomy, or the
 * programme as a whole. proposal_read checks every value where it enters
 * (struct need_issues of needs.h: the field, a catalogue key
 * proposal.error.*, what was typed).
 *
 * Others support it: one support per person (the primary key of
 * proposal_supports refuses a second), never one's own, and a support may
 * be withdrawn. Signed-in people comment (1 to PROPOSAL_COMMENT_MAX
 * characters); the programme team may hide a comment and show it again.
 *
 * The programme team answers publicly, as a table of allowed transitions
 * (proposal_transitions): received -> under study -> adopted / not
 * retained, or received straight to a decision. A decision (adopted, not
 * retained) needs an answer text, the reason; "under study" may come with
 * one. Every answer is a dated proposal_answers row; the latest is the
 * status. Adopted and not retained are final.
 *
 * The author is told (notify(), in the transaction of the change): the
 * submission (an acknowledgement), every answer, every comment by someone
 * else, and supports at the milestones of proposal_support_milestone (the
 * first, then 10, 50, 100, 500, 1000) rather than each one, each milestone
 * once (proposals.told_supports: withdrawing and supporting again tells
 * nobody twice).
 *
 * Nobody waits in silence: a proposal still "received" proposals.answer_days
 * (config) after its submission is flagged once (flagged_at, conditional
 * UPDATE) and the programme team is told (proposals_flag_run, run with the
 * engagement jobs of deadlines.c); the programme team's queue lists the
 * flagged first.
 *
 * Strings of a struct proposal live in the arena given.
 */
#ifndef KAFAAT_APP_PROPOSALS_H
#define KAFAAT_APP_PROPOSALS_H

#include <stddef.h>
#include <stdint.h>

#include "app/needs.h"
#include "core/arena.h"
#include "web/urlenc.h"

struct app;
struct db;
struct taxonomy;

#define PROPOSAL_TITLE_MAX 200 /* characters */
#define PROPOSAL_BODY_MAX 10000
#define PROPOSAL_COMMENT_MAX 5000
#define PROPOSAL_ANSWER_MAX 5000
#define PROPOSAL_PAGE_SIZE 20          /* proposals per page of the public list */
#define PROPOSAL_PROGRAMME "programme" /* the form's value for "the programme as a whole" */

enum proposal_status {
	PROP_RECEIVED,
	PROP_UNDER_STUDY,
	PROP_ADOPTED,
	PROP_NOT_RETAINED,
	PROPOSAL_STATUSES
};

/* One allowed answer: from a status to another; needs_answer: the answer
 * text (the reason) is required. */
struct proposal_transition {
	enum proposal_status from, to;
	int needs_answer;
};

extern const struct proposal_transition proposal_transitions[];
extern const size_t proposal_transitions_count;

/* "received", "under_study", "adopted", "not_retained" (keys
 * proposal.status.NAME). */
const char *proposal_status_name(enum proposal_status s);
int proposal_status_parse(const char *name); /* -1 when unknown */
/* The transition from -> to, or NULL when the table does not allow it. */
const struct proposal_transition *proposal_transition_find(enum proposal_status from,
                                                           enum proposal_status to);
/* No answer can follow (adopted, not retained). */
int proposal_final(enum proposal_status s);

/* Kinds: "idea", "initiative" (keys proposal.kind.NAME). */
#define PROPOSAL_KINDS 2
extern const char *const proposal_kind_names[PROPOSAL_KINDS];
int proposal_kind_ok(const char *name);

/* Does the n-th support (n >= 1) tell the author? The first, then 10, 50,
 * 100, 500 and 1000. */
int proposal_support_milestone(int64_t n);

/* A text typed into a field: valid UTF-8 (the router checked), no control
 * characters other than tab and line breaks, and between min and max
 * characters once surrounding spaces are set aside. NULL when fine, else
 * the catalogue key: proposal.error.empty, .too_long or .text_invalid. */
const char *proposal_text_problem(const char *s, size_t min, size_t max);

struct proposal {
	int64_t id;
	int64_t author_id;
	const char *kind;
	const char *sector; /* "" for the programme as a whole */
	const char *title, *body;
	enum proposal_status status;
	const char *created_at, *updated_at, *flagged_at; /* flagged_at may be NULL */
};

/* Reads the submission form (title, body, kind, sector) into *p, an issue
 * per bad value (fields title, body, kind, sector). */
void proposal_read(const struct taxonomy *tx, struct arena *a, const struct kvlist *form,
                   struct proposal *p, struct need_issues *is);

/* Inserts p (id, author_id set) as received at now (ISO). 0 or -1. */
int proposal_insert(struct db *db, const struct proposal *p, const char *now, struct arena *a);
/* Loads proposal id: 1 found, 0 not, -1 error. */
int proposal_load(struct db *db, struct arena *a, int64_t id, struct proposal *p);
/* How many support proposal id, or -1. */
int64_t proposal_supports(struct db *db, struct arena *a, int64_t id);
/* Does user_id support proposal id? 1, 0, or -1. */
int proposal_supported_by(struct db *db, struct arena *a, int64_t id, int64_t user_id);

/* Adds user_id's support of p: 1 added, 0 there already (the UNIQUE
 * constraint said so), -1 error. Not one's own: the caller checks. */
int proposal_support_add(struct db *db, struct arena *a, int64_t id, int64_t user_id,
                         const char *now);
/* Marks milestone n (proposal_support_milestone) as told to the author,
 * conditionally on no milestone as high having been told: 1 marked (tell
 * them), 0 told already, -1 error. */
int proposal_support_told(struct db *db, struct arena *a, int64_t id, int64_t n);
/* Removes it: 1 removed, 0 there was none, -1 error. */
int proposal_support_remove(struct db *db, struct arena *a, int64_t id, int64_t user_id);

/* Adds a comment (comment_id) by author_id. 0 or -1. */
int proposal_comment_add(struct db *db, struct arena *a, int64_t comment_id, int64_t id,
                         int64_t author_id, const char *body, const char *now);
/* Hides (hide 1, by actor_id) or shows (hide 0) comment comment_id,
 * conditionally on its current state: 1 changed, 0 already so or no such
 * comment, -1 error. *proposal_id is set when the comment exists. */
int proposal_comment_hide(struct db *db, struct arena *a, int64_t comment_id, int hide,
                          int64_t actor_id, const char *now, int64_t *proposal_id);

/* Answers p with status `to` (the caller checked the table), conditional
 * on the status p was loaded in: the answer row (answer_id, actor_id or 0,
 * answer text, dated now) and the new status. 1 done, 0 refused (the
 * status changed meanwhile), -1 error. p->status is updated. Audit and
 * notifications are the caller's, in the same transaction. */
int proposal_answer(struct db *db, struct arena *a, struct proposal *p, enum proposal_status to,
                    int64_t answer_id, int64_t actor_id, const char *answer, const char *now);

/* Flags the proposals still received app->cfg->proposals_answer_days days
 * after their submission (at now, Unix seconds), each once (a conditional
 * UPDATE of flagged_at) with the programme team told in the same
 * transaction. Not inside a transaction. Returns how many were flagged,
 * or -1. */
int proposals_flag_run(struct app *app, struct db *db, int64_t now);

/* Demo proposals with supports, comments and answers, written only into an
 * installation without proposals and with demo experts. Rows written, or
 * -1 with err. */
int proposals_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen);

#endif
