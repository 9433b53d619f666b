/* plans: sectoral mobilisation plans (docs/PLANS.md).
 *
 * A ministry department or a public establishment (PLAN_KINDS) declares
 * one plan a year, for the current year or a later one: its priority
 * sectors and skills (taxonomy ids), two targets — needs to post and
 * experts to mobilise, 0 to PLAN_TARGET_MAX — and a named focal point
 * (name, title, address: personal data, shown to the institution and the
 * programme team only). Each edit raises the plan's version: a form
 * carries the version it was read at, and the UPDATE is conditional on it,
 * so that a stale form is refused (409) instead of overwriting a newer
 * edit. Each save writes its audit row in the same transaction.
 *
 * Progress is computed, never stored: needs posted (plan_needs_posted) and
 * experts mobilised (plan_experts_mobilised) by the institution in the
 * plan's year. The pace compares them with the target times the fraction
 * of the year elapsed (plan_expected, plan_behind: pure functions). The
 * programme team is told of a plan behind its pace at most once every
 * PLAN_FLAG_DAYS (plans_flag_run).
 *
 * The form's fields (routes.c declares them, plan_pages.c shows them):
 * year, needs_target, experts_target, focal_name, focal_title,
 * focal_email, version, sec_N (a sector id, N < PLAN_SECTORS: checkboxes)
 * and skill_N (a skill named in any language, N < PLAN_SKILLS).
 *
 * Storage: plans, plan_sectors, plan_skills (0011). Strings of a struct
 * plan live in the arena given. Functions returning int give 0 (or the
 * count documented) and -1 on a database error.
 */
#ifndef KAFAAT_APP_PLANS_H
#define KAFAAT_APP_PLANS_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "web/i18n.h"
#include "web/urlenc.h"

struct app;
struct db;
struct form;
struct taxonomy;

#define PLAN_SECTORS 30        /* sec_N checkboxes */
#define PLAN_SKILLS 10         /* skill_N fields */
#define PLAN_TARGET_MAX 100000 /* either target */
#define PLAN_TEXT_MAX 200      /* the focal point's name and title, in characters */
#define PLAN_YEARS_AHEAD 10    /* a plan for at most this many years after the current one */
#define PLAN_FLAG_DAYS 30      /* the programme team is told again after this many days */
#define PLAN_BEHIND_PERCENT 50 /* plans.behind_percent's default */

/* The institution kinds that declare plans; NULL-terminated. */
extern const char *const plan_kinds[];

struct plan {
	int64_t id; /* 0 until saved */
	int64_t institution_id;
	const char *institution; /* its name in the language of the list, or NULL */
	int year;
	int needs_target, experts_target;
	const char *focal_name, *focal_title, *focal_email;
	int version;                                      /* 1 when created, +1 at each edit */
	const char *created_at, *updated_at, *flagged_at; /* ISO; flagged_at NULL: never */
	const char *sectors[PLAN_SECTORS];
	int nsectors;
	const char *skills[PLAN_SKILLS];
	int nskills;
};

/* A plan against its pace at a moment. */
struct plan_progress {
	int64_t needs, experts;                   /* done in the plan's year */
	int64_t needs_expected, experts_expected; /* plan_expected of each target */
	int needs_behind, experts_behind;         /* plan_behind of each */
	int behind;                               /* either */
};

/* ---- Pure functions ---- */

/* May an institution of this kind declare plans? */
int plan_kind_allowed(const char *kind);
/* The calendar year (UTC) of now, Unix seconds. */
int plan_year_of(int64_t now);
/* How much of target should be done at now for a plan of year: target
 * times the fraction of the year elapsed (0 before the year, all of it
 * after), rounded down to a whole need or expert. */
int64_t plan_expected(int64_t target, int year, int64_t now);
/* Is actual behind the pace: actual < plan_expected × percent / 100? */
int plan_behind(int64_t actual, int64_t target, int year, int64_t now, int percent);

/* ---- The form ---- */

/* Reads the form into *p (id, institution, version and times untouched)
 * and records each bad value in f under its field: a year before
 * this_year or more than PLAN_YEARS_AHEAD after it (when creating; an
 * edit keeps p->year and refuses a past one), targets that are not whole
 * numbers from 0 to PLAN_TARGET_MAX, a missing or too long focal point,
 * an address that is not one, an unknown sector or skill. Every value
 * typed is kept in f to re-show the form. */
void plan_read(const struct taxonomy *tx, struct arena *a, const struct kvlist *form, int this_year,
               int creating, struct plan *p, struct form *f);
/* The form's values of a saved plan (skills as labels in l). */
void plan_values(const struct taxonomy *tx, struct arena *a, enum lang l, const struct plan *p,
                 struct form *f);

/* ---- Storage ---- */

/* Loads plan id with its sectors and skills: 1 found, 0 not, -1 error. */
int plan_load(struct db *db, struct arena *a, int64_t id, struct plan *p);
/* The plans of institution_id (0: every institution) and of year (0:
 * every year), by year then institution, with the institution's name in
 * l; *out in the arena. At most 1000. */
int plans_list(struct db *db, struct arena *a, enum lang l, int64_t institution_id, int year,
               struct plan **out, int *n);
/* Inserts p (p->id and p->institution_id set) with its sectors and skills,
 * by user_id (0: nobody, the demo) at now (ISO): 1, 0 when the institution already has a plan
 * for that year (nothing written), -1 error. Within the caller's
 * transaction. */
int plan_insert(struct db *db, struct arena *a, const struct plan *p, int64_t user_id,
                const char *now);
/* Replaces the targets, focal point, sectors and skills of plan p->id if
 * it is still at version p->version (which becomes p->version + 1): 1
 * saved, 0 stale (nothing written), -1 error. */
int plan_update(struct db *db, struct arena *a, const struct plan *p, int64_t user_id,
                const char *now);

/* ---- Progress (definitions: docs/PLANS.md, docs/INDICATORS.md) ---- */

/* Needs of institution_id first published during year (the first
 * need_events row to 'published', as indicators.c counts publication). */
int plan_needs_posted(struct db *db, int64_t institution_id, int year, int64_t *n);
/* Distinct experts with a delivered engagement (ENG_MOBILISED,
 * engagements.h) on a need of institution_id, delivered during year. */
int plan_experts_mobilised(struct db *db, int64_t institution_id, int year, int64_t *n);
/* Both, and the pace at now with threshold percent. */
int plan_progress(struct db *db, const struct plan *p, int64_t now, int percent,
                  struct plan_progress *g);

/* ---- What pages show ---- */

/* A plan as templates show it: {id, year, institution_id, institution,
 * version, needs_target, experts_target, sectors [labels], skills
 * [labels], progress {needs, experts, needs_expected, experts_expected,
 * needs_percent, experts_percent, needs_behind, experts_behind, behind},
 * focal {name, title, email} only when with_focal, flagged (date or
 * absent)}. */
json_t *plan_json(const struct app *app, enum lang l, const struct plan *p,
                  const struct plan_progress *g, int with_focal);
/* The plans of institution_id for the year of now and later, with their
 * progress, for its public page (no focal point): an array, NULL on a
 * database error. */
json_t *plans_public_json(struct app *app, struct db *db, struct arena *a, enum lang l,
                          int64_t institution_id, int64_t now);
/* The dashboard's section "Sectoral plans" into out["plans"]: {year, rows
 * [plan_json], behind (count), sum_needs, sum_experts, national (the
 * 10,000-by-2030 trajectory's cumulative target at the end of year,
 * ind_target_at), national_share (the trajectory's increase during year),
 * percent (plans.behind_percent)}. For the plans of the year of now. */
int plans_dashboard(struct app *app, struct db *db, struct arena *a, enum lang l, int64_t now,
                    json_t *out);

/* ---- Jobs and demo ---- */

/* Tells the programme team (notify_programme, "plan.behind") of every
 * plan of the current year behind its pace and not told within
 * PLAN_FLAG_DAYS; the conditional UPDATE of flagged_at decides, so
 * several nodes never tell twice. Returns how many were told, or -1. */
int plans_flag_run(struct app *app, struct db *db, int64_t now);

/* Plans for the demo's ministries and public establishments (some behind
 * their pace). 0, or -1 with err. */
int plans_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen);

#endif
