/* engagements: the link between an expert and a need, and every step of it
 * (the model; the pages are in engagement_pages.c).
 *
 * An engagement starts as an application (the expert, with a motivation),
 * an invitation or a private suggestion (the institution) and moves only
 * through lifecycle.h's table: engagement_step checks eng_can for the
 * actor and the current state, then writes the row with a conditional
 * UPDATE (WHERE state = the state it was loaded in: a concurrent change
 * makes it refuse, never apply twice), the engagement_events row, the
 * audit entry and the notifications, all in the caller's transaction.
 *
 * Side effects of some steps: confirmed sets contact_shared_at (the
 * institution sees the expert's email from then on, eng_contact_visible);
 * delivered sets delivered_at and issues the certificate of contribution
 * (certificate_code: 12 characters of an alphabet without look-alikes,
 * grouped ABCD-EFGH-JKLM).
 *
 * An application supersedes a private suggestion of the same expert for
 * the same need (the suggestion is removed: the expert never knew of it);
 * any other engagement of the same expert and need makes a second one
 * impossible (UNIQUE (need_id, expert_id)).
 */
#ifndef KAFAAT_APP_ENGAGEMENTS_H
#define KAFAAT_APP_ENGAGEMENTS_H

#include <stdint.h>

#include "app/lifecycle.h"
#include "core/arena.h"
#include "web/i18n.h"

struct app;
struct db;

/* "Mobilised expert", defined once: an expert with at least one delivered
 * engagement (delivered, or evaluated after delivery). Every count uses
 * these. ENG_DELIVERED_STATES are the states of a delivered engagement;
 * ENG_MOBILISED is a condition on the engagements table; the SQL below
 * lists each mobilised expert once. */
#define ENG_DELIVERED_STATES "('delivered', 'evaluated')"
#define ENG_MOBILISED "state IN " ENG_DELIVERED_STATES
#define ENG_MOBILISED_EXPERTS_SQL "SELECT DISTINCT expert_id FROM engagements WHERE " ENG_MOBILISED
/* How many experts are mobilised: 0 and *n, or -1. */
int engagements_mobilised_count(struct db *db, int64_t *n);
/* Is expert_id mobilised? 1, 0, or -1 on error. */
int engagements_mobilised(struct db *db, int64_t expert_id);

/* An engagement with what its pages and notifications need. Strings are
 * in the arena given to the loader; dates are ISO text or NULL. */
struct engagement {
	int64_t id, need_id, expert_id, institution_id;
	enum eng_state state;
	int need_state; /* enum need_state, or -1 */
	const char *origin, *reason, *message, *motivation;
	const char *created_at, *updated_at, *waiting_since, *contact_shared_at, *delivered_at;
	const char *certificate_code, *certificate_at;
	const char *need_title;
	const char *institution_name[LANG_COUNT];
	const char *expert_name; /* the profile's name (Latin, else Arabic script), or "" */
	const char *expert_name_ar;
	const char *expert_email;
	enum lang expert_lang;
	int known_to_expert; /* 0 for a private suggestion never turned into an invitation */
};

/* Loads engagement id: 1, 0 when there is none, -1 on error. */
int engagement_load(struct db *db, struct arena *a, int64_t id, struct engagement *e);

/* Calls fn for each engagement of an expert (those not known_to_expert
 * left out) or of a need, most recently changed first.
 * Stops when fn returns non-zero. Returns 0, or -1 on error. */
typedef int (*engagement_fn)(const struct engagement *e, void *ud);
int engagements_of_expert(struct db *db, struct arena *a, int64_t expert_id, engagement_fn fn,
                          void *ud);
int engagements_of_need(struct db *db, struct arena *a, int64_t need_id, engagement_fn fn,
                        void *ud);

/* One step someone takes. */
struct eng_step {
	enum eng_action action;
	enum actor actor;
	int64_t actor_id;    /* 0: the system (the deadline job) */
	const char *reason;  /* a reason code of eng_reasons[action], or "" */
	const char *message; /* to the other side, or "" */
	const char *ip;      /* client address, or "" */
	int64_t now;
};

#define ENG_MESSAGE_MAX 2000 /* characters of a message or motivation */

/* What is missing or wrong in s before it can be taken, as a catalogue key
 * (*field names the form field: "reason" or "message"), or NULL. */
const char *engagement_step_problem(const struct eng_step *s, const char **field);

/* Takes step s on e (loaded in this transaction). Returns 1 (done; e holds
 * the new state), 0 when the table does not allow it from e->state or the
 * row changed meanwhile (nothing written), or -1 on error. */
int engagement_step(struct app *app, struct db *db, struct arena *a, struct engagement *e,
                    const struct eng_step *s);

/* A new engagement. origin: "applied" (the expert: actor_id is the expert,
 * motivation required), "invited" (the institution; the expert is told) or
 * "suggested" (the institution; the expert is not told). */
struct eng_new {
	int64_t need_id, expert_id;
	const char *origin;
	const char *motivation; /* applied */
	const char *message;    /* invited: a word to the expert, or "" */
	int64_t actor_id;
	const char *ip;
	int64_t now;
};

enum eng_create_result {
	ENG_CREATE_ERROR = -1,
	ENG_CREATE_EXISTS = 0,    /* this expert and need already have one */
	ENG_CREATE_DONE = 1,      /* *id set */
	ENG_CREATE_NEED_SHUT = 2, /* the need takes no applications or invitations now */
};

/* Creates it with its first event, audit entry and notification, in the
 * caller's transaction. */
enum eng_create_result engagement_create(struct app *app, struct db *db, struct arena *a,
                                         const struct eng_new *n, int64_t *id);

/* Who hears of something. */
enum eng_side { ENG_TO_EXPERT, ENG_TO_INSTITUTION };

/* Notifies one side of e (the expert, or every member of the need's
 * institution) with notification `kind` (locale/LANG/notify.po): vars
 * need, institution, expert, and from s (may be NULL) ~reason and
 * message; link (a path without the language, NULL: the side's page of
 * engagements). 0 or -1. */
int engagement_tell(struct app *app, struct db *db, struct arena *a, const struct engagement *e,
                    const struct eng_step *s, enum eng_side to, const char *kind, const char *link);

/* The name of the expert to show (e->expert_name, else e->expert_name_ar). */
const char *engagement_expert_name(const struct engagement *e);

#endif
