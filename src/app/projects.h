/* projects: project holders' dossiers, from idea to investment
 * (PRODUCT.md point 6; docs/PROJECTS.md).
 *
 * A signed-in person (an MRE: every expert account is one) submits a
 * dossier: title, summary, sector, region and city in Morocco, stage,
 * planned investment (MAD), own equity share (percent), jobs to be
 * created, the help needed (checkboxes) and PDF documents. project_read
 * checks every value where it enters (struct need_issues of needs.h: the
 * field, a catalogue key project.error.*, what was typed).
 *
 * The advisors' pipeline, as a table (project_transitions): submitted
 * -qualify-> qualified -orient-> oriented -accompany-> accompanied
 * -realise-> realised; hold (with a reason) from any open stage to
 * on_hold, resume back to the stage it was held from; abandon (with a
 * reason) from any open stage, by the holder too; a message to the holder
 * at any open stage, without a move. accompany needs a mentor engaged (a
 * mentorship confirmed or later), realise the investment and jobs
 * realised. Each step is a project_events row with its note, dated; each
 * stage has a service deadline in working days (deadlines.h) after which
 * the advisor is reminded once (project_reminders_run).
 *
 * Mentorships (an expert mentoring a dossier) follow the engagements'
 * lifecycle (lifecycle.h eng_* tables): the advisor acts as the
 * institution side (ACTOR_INSTITUTION), the expert as ACTOR_EXPERT.
 *
 * The MDM Invest pre-check is data (data/mdm_invest.tsv, table mdm_rules):
 * project_precheck is pure and evaluates each rule in force on a day.
 *
 * Strings of a struct project live in the arena given.
 */
#ifndef KAFAAT_APP_PROJECTS_H
#define KAFAAT_APP_PROJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "app/lifecycle.h"
#include "app/needs.h"
#include "core/arena.h"
#include "web/urlenc.h"

struct app;
struct db;
struct taxonomy;

#define PROJECT_TITLE_MAX 200 /* characters */
#define PROJECT_SUMMARY_MAX 5000
#define PROJECT_CITY_MAX 100
#define PROJECT_NOTE_MAX 2000
#define PROJECT_INVESTMENT_MAX 10000000000LL /* MAD: above is not a plausible project */
#define PROJECT_JOBS_MAX 100000
#define PROJECT_DOC_MAX_BYTES (5 * 1024 * 1024)
#define PROJECT_DOCS_MAX 10 /* documents per dossier */

enum project_state {
	PS_SUBMITTED,
	PS_QUALIFIED,
	PS_ORIENTED,
	PS_ACCOMPANIED,
	PS_REALISED,
	PS_ON_HOLD,
	PS_ABANDONED,
	PROJECT_STATES
};

enum project_action {
	PA_QUALIFY,   /* advisor: the dossier is complete and real */
	PA_ORIENT,    /* advisor: the CRI and funding routes are set out */
	PA_ACCOMPANY, /* advisor: a mentor is engaged */
	PA_REALISE,   /* advisor: the investment happened (figures realised) */
	PA_HOLD,      /* advisor, reason */
	PA_RESUME,    /* advisor: back to the stage it was held from */
	PA_ABANDON,   /* holder or advisor, reason */
	PA_MESSAGE,   /* advisor: a message to the holder, no move */
	PROJECT_ACTIONS
};

/* Who acts on a dossier. */
enum project_actor { PROJ_HOLDER = 1, PROJ_ADVISOR = 2, PROJ_ADMIN = 4, PROJ_SYSTEM = 8 };

/* What must come with an action. */
enum { PROJ_NEEDS_REASON = 1, PROJ_NEEDS_NOTE = 2, PROJ_NEEDS_FIGURES = 4, PROJ_NEEDS_MENTOR = 8 };

/* Where an action leads besides a state. */
#define PROJECT_TO_SAME (-1)      /* no move (a message) */
#define PROJECT_TO_HELD_FROM (-2) /* the stage it was held from */

struct project_transition {
	enum project_action action;
	const char *name; /* form values, audit, catalogue keys project.action.NAME */
	unsigned from;    /* bit (1u << state) per state it may start from */
	int to;           /* enum project_state, or PROJECT_TO_* */
	unsigned actors;  /* enum project_actor bits */
	unsigned needs;   /* PROJ_NEEDS_* */
};

extern const struct project_transition project_transitions[PROJECT_ACTIONS];
/* Working days the next step may take from each state (0: no deadline). */
extern const int project_due_days[PROJECT_STATES];
/* Reason codes of hold and abandon, NULL-terminated; keys project.reason.CODE. */
extern const char *const project_hold_reasons[];
extern const char *const project_abandon_reasons[];

const char *project_state_name(enum project_state s);
int project_state_parse(const char *name);  /* -1 when unknown */
int project_action_parse(const char *name); /* -1 when unknown */
int project_can(enum project_action a, enum project_state s, unsigned actor);
int project_final(enum project_state s);
int project_reason_ok(enum project_action a, const char *code);
/* The state action a leads to from s (held_from: the stage before a hold). */
enum project_state project_target(enum project_action a, enum project_state s,
                                  enum project_state held_from);

/* What a dossier may need (checkboxes need_CODE; keys project.need.CODE). */
#define PROJECT_NEED_KINDS 6
extern const char *const project_need_codes[PROJECT_NEED_KINDS];
/* Stages of a project (keys project.stage.CODE). */
#define PROJECT_STAGES 4
extern const char *const project_stage_codes[PROJECT_STAGES];

struct project {
	int64_t id;
	int64_t holder_id;
	int64_t advisor_id; /* 0: none yet */
	enum project_state state;
	enum project_state held_from; /* meaningful on hold */
	const char *title, *summary, *sector, *region, *city, *stage;
	int64_t investment;
	int equity_percent;
	int jobs;
	int64_t investment_realised; /* -1: not yet */
	int jobs_realised;           /* -1: not yet */
	const char *reason, *note;
	const char *due_at, *created_at, *updated_at, *closed_at; /* or NULL */
	unsigned needs;                                           /* bit i: project_need_codes[i] */
};

/* Reads the dossier form into *p (ids and state untouched), an issue per
 * bad value. */
void project_read(const struct taxonomy *tx, struct arena *a, const struct kvlist *form,
                  struct project *p, struct need_issues *is);
/* A whole number of MAD typed with optional spaces ("1 500 000"): 0 and
 * *out, or -1 when it is not one. */
int project_parse_amount(const char *s, int64_t *out);

/* Inserts p (id, holder_id set) as submitted at now (ISO), with its needs
 * and first event (event_id), due_at set from project_due_days. 0 or -1. */
int project_insert(struct db *db, struct arena *a, const struct project *p, const char *now,
                   int64_t now_s, int64_t event_id);
/* Loads project id: 1 found, 0 not, -1 error. */
int project_load(struct db *db, struct arena *a, int64_t id, struct project *p);

/* Moves p along action act from the state it was loaded in (conditional
 * UPDATE): the event (actor_id, reason, note) and the next deadline; for
 * PA_REALISE the realised figures of p. 1 moved, 0 refused (the table,
 * or the state changed meanwhile), -1 error. Audit and notifications are
 * the caller's, in the same transaction. */
int project_move(struct db *db, struct arena *a, struct project *p, enum project_action act,
                 int64_t actor_id, const char *reason, const char *note, const char *now,
                 int64_t now_s, int64_t event_id);

/* Mentorships of project_id that count as a mentor engaged (confirmed,
 * in mission, delivered, evaluated), or -1. */
int64_t project_engaged_mentors(struct db *db, struct arena *a, int64_t project_id);

/* ---- The MDM Invest pre-check ------------------------------------------------ */

enum mdm_kind {
	MDM_MIN_INVESTMENT, /* MAD: the investment is at least this */
	MDM_MAX_INVESTMENT, /* MAD: at most this */
	MDM_MIN_EQUITY,     /* percent: the holder brings at least this share */
	MDM_SUBSIDY_RATE,   /* percent of the investment granted */
	MDM_SUBSIDY_CAP,    /* MAD: the grant is at most this */
	MDM_KINDS
};

struct mdm_rule {
	enum mdm_kind kind;
	int64_t amount;
	const char *valid_from; /* YYYY-MM-DD */
};

struct mdm_outcome {
	int in_force;  /* a rule of this kind is in force */
	int condition; /* it is a condition (not a term of the grant) */
	int met;       /* the project meets it (conditions only) */
	int64_t amount;
	const char *valid_from;
};

struct mdm_result {
	struct mdm_outcome rules[MDM_KINDS];
	int eligible;    /* every condition in force is met (and at least one is) */
	int64_t subsidy; /* estimated grant in MAD when eligible, else 0 */
};

const char *mdm_kind_name(enum mdm_kind k); /* "min_investment", … */
int mdm_kind_parse(const char *name);       /* -1 when unknown */
/* Evaluates rules[0..n) on day `today` (YYYY-MM-DD): for each kind the
 * rule with the latest valid_from not after today. Pure. */
void project_precheck(const struct mdm_rule *rules, size_t n, const char *today, int64_t investment,
                      int equity_percent, struct mdm_result *out);
/* The rules of mdm_rules (arena), *n of them: 0, or -1. */
int project_rules_load(struct db *db, struct arena *a, struct mdm_rule **out, size_t *n);

/* Appends to `names` (a JSON array) the stored file names of every
 * document of holder_id's dossiers: the erasure removes those files once
 * the rows are gone (files_unlink_all). 0/-1. */
int projects_document_names(struct db *db, int64_t holder_id, json_t *names);

/* ---- Background and demo ------------------------------------------------------- */

/* Reminds the advisor (or, unassigned, the programme team) once of each
 * dossier whose service deadline passed at now (Unix seconds). Each row is
 * its own transaction with a conditional UPDATE. Rows acted on, or -1. */
int project_reminders_run(struct app *app, struct db *db, int64_t now);

/* A few demo dossiers in Arabic, French and English, held by the demo
 * experts when there are some (else by a demo holder account created
 * here). Only into a database without dossiers. Rows written, or -1. */
int projects_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen);

#endif
