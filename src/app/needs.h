/* needs: the model of a need, a mission an institution wants done.
 *
 * The need editor's form is read into a struct need by need_read, which
 * checks every value where it enters: names typed in any language are
 * resolved through the taxonomy (skills, languages, regions), dates are
 * real calendar days not before today (the application clock), end is not
 * before start, efforts and the number of experts are within bounds. Each
 * problem becomes an issue: the form field it belongs to, a catalogue key
 * (need.error.*) and, when it names what was typed, that text. A draft may
 * be incomplete; need_check_submit adds what submission requires (the
 * readiness checklist, a named counterpart, the effort, a skill...).
 *
 * The form's fields (routes.c declares them, need_pages.c shows them):
 *   title, description, sector, mode (ponctuelle|continue), presence
 *   (remote|onsite|hybrid), region, city, dates (fixed|window|open), start,
 *   end (YYYY-MM-DD), effort_days (ponctuelle), hours (continue: hours per
 *   month), experts, pay (paid|pro_bono), travel, stay (checkboxes: what is
 *   covered), cp_name, cp_role, cp_email (the counterpart),
 *   ready_counterpart, ready_resources, ready_approval (the checklist),
 *   skill_N_name and skill_N_level ("must-L" or "nice-L", L the minimum
 *   level 1-5) for N < NEED_SKILLS, lang_N_code and lang_N_level (CEFR)
 *   for N < NEED_LANGUAGES.
 *
 * Storage: needs, need_skills, need_languages, need_events (0006). States
 * move only through need_move, which follows lifecycle.h and writes the
 * event; callers add the audit row and notifications in the same
 * transaction. Strings of a struct need live in the arena given.
 */
#ifndef KAFAAT_APP_NEEDS_H
#define KAFAAT_APP_NEEDS_H

#include <jansson.h>
#include <stdint.h>

#include "app/lifecycle.h"
#include "core/arena.h"
#include "web/i18n.h"
#include "web/urlenc.h"

struct db;
struct taxonomy;

#define NEED_SKILLS 12     /* skill_N_name, skill_N_level */
#define NEED_LANGUAGES 6   /* lang_N_code, lang_N_level */
#define NEED_TITLE_MAX 200 /* characters */
#define NEED_DESCRIPTION_MAX 5000
#define NEED_TEXT_MAX 200 /* city, counterpart's name and role */
#define NEED_EFFORT_DAYS_MAX 365
#define NEED_HOURS_MAX 200
#define NEED_EXPERTS_MAX 50
#define NEED_ISSUES_MAX 64

struct need_skill {
	const char *id; /* taxonomy skill id */
	int required;   /* 1 must-have, 0 nice-to-have */
	int min_level;  /* 1-5 */
};

struct need_language {
	const char *code;  /* taxonomy language code */
	const char *level; /* "A1" … "C2" */
};

struct need {
	int64_t id; /* 0 until saved */
	int64_t institution_id;
	int64_t parent_id; /* the previous occurrence of a recurring need, or 0 */
	enum need_state state;
	const char *title;
	const char *description;
	const char *sector;   /* sector id, or NULL */
	const char *mode;     /* "ponctuelle" or "continue" */
	const char *presence; /* "remote", "onsite" or "hybrid" */
	const char *region;   /* region code, or NULL */
	const char *city;
	const char *start;   /* "YYYY-MM-DD", or NULL */
	const char *end;     /* or NULL */
	int flexible;        /* 1: the mission happens within [start, end] */
	int effort_days;     /* ponctuelle; 0 when not given */
	int hours_per_month; /* continue; 0 when not given */
	int experts;
	const char *pay; /* "paid" or "pro_bono" */
	int covers_travel, covers_stay;
	const char *cp_name, *cp_role, *cp_email;
	int ready_counterpart, ready_resources, ready_approval;
	const char *reason; /* cancellation reason code, or "" */
	const char *note;   /* the programme team's return note, or the cancellation's message */
	const char *created_at, *updated_at, *submitted_at, *published_at, *closed_at; /* or NULL */
	struct need_skill skills[NEED_SKILLS];
	int nskills;
	struct need_language languages[NEED_LANGUAGES];
	int nlanguages;
};

/* One problem: the form field, the catalogue key, what was typed (or NULL). */
struct need_issue {
	const char *field;
	const char *key;
	const char *arg;
};

struct need_issues {
	struct need_issue items[NEED_ISSUES_MAX];
	int count; /* only the first of each field is kept */
};

/* Reads the editor's form into *n (state, ids and timestamps untouched),
 * adding an issue for every bad value. today is "YYYY-MM-DD". */
void need_read(const struct taxonomy *tx, struct arena *a, const struct kvlist *form,
               const char *today, struct need *n, struct need_issues *is);

/* What submission adds to a saved or read need: a description, a sector,
 * a region unless remote, dates not in the past, the effort of its mode, a
 * skill, the counterpart's name and address, and the three checklist items.
 * verified: the institution is verified (else an issue on "then"). */
void need_check_submit(const struct need *n, const char *today, int verified,
                       struct need_issues *is);

/* Adds an issue (the first one of a field wins). */
void need_issue(struct need_issues *is, const char *field, const char *key, const char *arg);

/* Is s a real calendar date written YYYY-MM-DD? */
int need_date_valid(const char *s);

/* Loads need id with its skills and languages into *n (arena strings).
 * 1 found, 0 not, -1 error. */
int need_load(struct db *db, struct arena *a, int64_t id, struct need *n);

/* Inserts n (n->id, n->institution_id and n->parent_id set by the caller)
 * as a draft with its skills and languages, created_by user_id at now
 * (ISO time), and its first event ("" → draft, event_id). 0 or -1. */
int need_insert(struct db *db, struct arena *a, const struct need *n, int64_t user_id,
                const char *now, int64_t event_id);

/* Replaces the editable fields, skills and languages of draft n->id.
 * 1 saved, 0 when it is no longer a draft, -1 error. */
int need_update(struct db *db, struct arena *a, const struct need *n, const char *now);

/* Moves n along action act (lifecycle.h) from its current state, recording
 * the event (event_id, actor_id 0 for none, reason and note, "" when none)
 * and the state's timestamp. The UPDATE is conditional on the state n was
 * loaded in: 1 moved (n->state updated), 0 when the state changed
 * meanwhile or the table does not allow act from it, -1 error. The caller
 * checks who may act (need_can) and adds audit and notifications. */
int need_move(struct db *db, struct arena *a, struct need *n, enum need_action act,
              int64_t actor_id, const char *reason, const char *note, const char *now,
              int64_t event_id);

/* How many of need_id's engagements have a confirmed expert (confirmed,
 * in mission, delivered or evaluated), or -1. NA_STAFF requires one. */
int64_t need_confirmed_experts(struct db *db, struct arena *a, int64_t need_id);

/* The editor's form values of n (skills and languages as labels in l). */
json_t *need_form_values(const struct need *n, const struct taxonomy *tx, enum lang l,
                         struct arena *a);

/* A copy of a completed or cancelled need as a new draft: same content,
 * parent_id set, dates and readiness checklist cleared (they belong to one
 * occurrence). */
void need_repeat(const struct need *parent, struct need *child);

#endif
