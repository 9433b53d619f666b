/* consultations: consultations of the diaspora — the model (the pages are
 * in consultation_pages.c; the rules, and why anonymous answers cannot be
 * traced back, are written down in docs/CONSULTATIONS.md).
 *
 * The programme team, or a coordinator for a network they coordinate
 * (network_may NET_CONSULT), writes a consultation: a title and an
 * introduction in their language (other languages optional), 1 to
 * CONS_QUESTIONS_MAX questions, an audience and two dates. Its stored
 * states and who moves it are one table (cons_transitions): draft → open
 * → closed → published. While open, the dates decide whether answers are
 * taken (cons_phase). Experts of the audience answer once, named or
 * anonymously; who answered and what was answered are stored apart.
 *
 * Strings of the structs live in the arena given (or are the caller's).
 */
#ifndef KAFAAT_APP_CONSULTATIONS_H
#define KAFAAT_APP_CONSULTATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "web/i18n.h"

struct app;
struct db;

#define CONS_TITLE_MAX 200    /* characters of a title */
#define CONS_INTRO_MAX 5000   /* characters of an introduction */
#define CONS_QUESTIONS_MAX 10 /* questions of one consultation */
#define CONS_PROMPT_MAX 500   /* characters of a question */
#define CONS_OPTIONS_MIN 2    /* options of a choice question */
#define CONS_OPTIONS_MAX 10
#define CONS_OPTION_MAX 200       /* characters of an option */
#define CONS_LABEL_MAX 100        /* characters of a scale's end label */
#define CONS_TEXT_MAX 2000        /* characters of a free-text answer */
#define CONS_SCALE_MAX 5          /* a scale goes from 1 to 5 */
#define CONS_RESPONSES_MAX 100000 /* responses one summary reads */

/* ---- States, audiences, kinds ------------------------------------------------------ */

enum cons_state { CS_DRAFT, CS_OPEN, CS_CLOSED, CS_PUBLISHED, CS_STATE_COUNT };
/* What a consultation is at a given time: its state, and while open its
 * dates (before the opening day: scheduled; after the closing day: closed). */
enum cons_phase { CP_DRAFT, CP_SCHEDULED, CP_OPEN, CP_CLOSED, CP_PUBLISHED, CP_COUNT };
enum cons_audience { CA_EVERYONE, CA_SECTOR, CA_NETWORK, CA_COUNTRY, CA_COUNT };
enum cons_kind { CK_CHOICE, CK_SCALE, CK_TEXT, CK_COUNT };

/* Stored names ("draft", "everyone", "choice"…), or NULL. */
const char *cons_state_name(enum cons_state s);
const char *cons_phase_name(enum cons_phase p);
const char *cons_audience_name(enum cons_audience a);
const char *cons_kind_name(enum cons_kind k);
/* The value named s: 0 and *out, or -1. */
int cons_state_parse(const char *s, enum cons_state *out);
int cons_audience_parse(const char *s, enum cons_audience *out);
int cons_kind_parse(const char *s, enum cons_kind *out);

/* One step of the author: its name in forms, the phase it starts from,
 * the stored state it goes to. "close" ends answers early; "publish" needs
 * the consultation closed (by the author, or by its closing day). The
 * UPDATE is conditional on the stored state and sequence loaded. */
struct cons_transition {
	const char *name;
	enum cons_phase from;
	enum cons_state to;
};
extern const struct cons_transition cons_transitions[];
extern const int cons_transition_count;
/* The transition named name from phase `from`, or NULL (not allowed now). */
const struct cons_transition *cons_transition_find(const char *name, enum cons_phase from);

/* ---- A consultation ----------------------------------------------------------------- */

struct consultation {
	int64_t id;
	int64_t author_id; /* 0 once the author's account is gone */
	enum lang lang;    /* the author's language: its title is required */
	const char *title[LANG_COUNT], *intro[LANG_COUNT];
	enum cons_audience audience;
	const char *audience_value; /* sector id, network slug, country code; "" for everyone */
	const char *opens_on, *closes_on; /* YYYY-MM-DD, UTC days */
	int public_results;
	enum cons_state state;
	int64_t sequence;
	const char *published_at; /* or "" */
};

struct cons_question {
	int64_t id;
	int position; /* 1.. */
	enum cons_kind kind;
	const char *prompt;
	int required;
	int noptions;
	const char *options[CONS_OPTIONS_MAX];
	const char *scale_low, *scale_high;
};

/* The phase of c on day `today` (YYYY-MM-DD, UTC). */
enum cons_phase cons_phase(const struct consultation *c, const char *today);
/* Its title (introduction) in l, else in the author's language. */
const char *cons_title(const struct consultation *c, enum lang l);
const char *cons_intro(const struct consultation *c, enum lang l);

/* ---- Validation (pure) -------------------------------------------------------------- */

/* One problem with a posted form: the field and the catalogue key. */
struct cons_issue {
	const char *field, *key;
};
#define CONS_ISSUES_MAX (CONS_QUESTIONS_MAX + 8)
struct cons_issues {
	int count;
	struct cons_issue items[CONS_ISSUES_MAX];
};
/* Adds a problem (the first one per field only). */
void cons_issue(struct cons_issues *is, const char *field, const char *key);

/* The consultation's form as posted (text). title_LL and intro_LL per
 * language; audience_value is the field of the chosen audience. */
struct cons_form {
	const char *title[LANG_COUNT], *intro[LANG_COUNT];
	const char *audience, *sector, *network, *country;
	const char *opens_on, *closes_on, *public_results;
};
/* Reads and checks f into c (lang set by the caller): the author's title
 * required, lengths, an audience and its value's form, two dates with
 * closes_on >= opens_on and closes_on >= today. Existence of the sector,
 * network or country is the caller's (it needs the database). */
void cons_read(const struct cons_form *f, struct consultation *c, const char *today,
               struct cons_issues *is);

/* A question as posted: kind, prompt, required ("1"), options (one per
 * line), the labels of a scale's ends. */
struct cons_question_form {
	const char *kind, *prompt, *required, *options, *scale_low, *scale_high;
};
/* Reads and checks f into q (the options split in arena a). */
void cons_question_read(struct arena *a, const struct cons_question_form *f,
                        struct cons_question *q, struct cons_issues *is);

/* One answer to one question: choice 1..noptions, scale 1..5 (0: none),
 * text (NULL: none). */
struct cons_answer {
	int choice, scale;
	const char *text;
};
/* Checks the posted values (values[i] answers q[i]; the field of question
 * i is "q<position>") into out[i]: a required question left empty, an
 * option not among the choices, a scale outside 1..5, a text over
 * CONS_TEXT_MAX characters are issues. Blank texts count as empty. */
void cons_answers_read(const struct cons_question *q, int nq, const char *const *values,
                       struct cons_answer *out, struct cons_issues *is);

/* ---- The summary (pure) ------------------------------------------------------------- */

/* One stored answer, as the summary reads it: which question (index in the
 * question array), its response, and whether it is named (name: the
 * person's display name, else NULL: anonymous). */
struct cons_row {
	int question;
	int64_t response_id;
	const char *name;
	struct cons_answer a;
};
struct cons_text {
	const char *text;
	const char *name; /* NULL: anonymous */
};
/* The summary of one question: how many answered it; per option (choice:
 * 1..noptions, scale: 1..5) the count and its share in tenths of a
 * percent of those who answered; the mean of a scale in hundredths; the
 * texts, in the order of their response ids (random: not the order of
 * time). */
struct cons_tally {
	int64_t answered;
	int64_t count[CONS_OPTIONS_MAX + 1];    /* [1..] */
	int64_t permille[CONS_OPTIONS_MAX + 1]; /* rounded */
	int64_t mean_x100;                      /* scale only */
	int ntexts;
	struct cons_text *texts; /* in the arena */
};
/* Computes t[i] for each question from rows (any order). 0, or -1 when a
 * row names a question out of range. */
int cons_summarise(struct arena *a, const struct cons_question *q, int nq,
                   const struct cons_row *rows, int nrows, struct cons_tally *t);
/* "33.3" (tenths of a percent, arena); "3.50" (hundredths). */
const char *cons_permille_text(struct arena *a, int64_t permille);
const char *cons_hundredths_text(struct arena *a, int64_t v);

/* ---- Storage ------------------------------------------------------------------------ */

/* Loads consultation id: 1, 0 (none), -1. */
int cons_load(struct db *db, struct arena *a, int64_t id, struct consultation *out);
/* Its questions in order into q (at most CONS_QUESTIONS_MAX): how many, -1. */
int cons_questions(struct db *db, struct arena *a, int64_t id, struct cons_question *q);
/* Is user_id in c's audience? 1, 0, -1. */
int cons_in_audience(struct db *db, const struct consultation *c, int64_t user_id);
/* The audience as a query "SELECT user_id …" with $1 = audience_value
 * (every audience binds $1, "" for everyone). */
const char *cons_audience_sql(enum cons_audience a);
/* Has user_id answered? 1, 0, -1. */
int cons_answered(struct db *db, int64_t id, int64_t user_id);
/* How many answered: the stored responses (an erasure keeps them), so the
 * count agrees with the summary's answers. -1 on error. */
int64_t cons_participants(struct db *db, int64_t id);
/* Every stored answer of consultation id (named ones with the person's
 * display name in l) into *rows (arena): how many, or -1. q: its questions. */
int cons_rows(struct db *db, struct arena *a, int64_t id, const struct cons_question *q, int nq,
              enum lang l, struct cons_row **rows);

/* Who acts, for the audit row and the notifications. */
struct cons_actor {
	struct app *app;
	int64_t user_id;
	const char *ip;
	int64_t now;
};

/* Inside the caller's transaction: inserts c (a new id, draft) with its
 * audit row. 0/-1. */
int cons_insert(struct db *db, struct arena *a, const struct cons_actor *who,
                struct consultation *c);
/* Saves the edited fields of c if the stored row is still a draft at
 * c->sequence: 1 saved, 0 changed meanwhile (or no longer a draft), -1. */
int cons_update(struct db *db, struct arena *a, const struct cons_actor *who,
                const struct consultation *c);
/* Adds question q at the next position of draft c (at its sequence):
 * 1, 0 (changed, not a draft, or full), -1. */
int cons_question_add(struct db *db, struct arena *a, const struct cons_actor *who,
                      const struct consultation *c, const struct cons_question *q);
/* Removes the question at position of draft c: 1, 0, -1. */
int cons_question_remove(struct db *db, struct arena *a, const struct cons_actor *who,
                         const struct consultation *c, int position);
/* Takes step t of c (conditional on its stored state and sequence), with
 * its audit row; "open" notifies the audience (every person, in this
 * transaction), "close" and "publish" mix the anonymous responses again
 * (docs/CONSULTATIONS.md); "publish" notifies those who answered.
 * 1 done, 0 changed meanwhile, -1. */
int cons_step(struct db *db, struct arena *a, const struct cons_actor *who,
              const struct consultation *c, const struct cons_transition *t);

/* Inside the caller's transaction: rewrites the anonymous responses of
 * consultation id under new random ids, and its participation rows in the
 * order of the user ids (docs/CONSULTATIONS.md, "Privacy"). 0/-1. */
int cons_mix(struct db *db, struct arena *a, int64_t id);

/* What an answer came to. */
enum cons_outcome { CO_SAVED, CO_ALREADY, CO_CLOSED };
/* Stores the answers of who (q[i] ↔ ans[i]) to c: the participation row
 * (its primary key refuses a second one: CO_ALREADY), then the response —
 * with the person's id when named, else without, under a random id — and
 * its answers; the audit row says only that who took part. CO_CLOSED when
 * the consultation is no longer open. 0/-1. */
int cons_answer(struct db *db, struct arena *a, const struct cons_actor *who,
                const struct consultation *c, const struct cons_question *q, int nq,
                const struct cons_answer *ans, int anonymous, enum cons_outcome *out);

/* "YYYY-MM-DD" of t (arena). */
const char *cons_day(struct arena *a, int64_t t);

/* ---- Demo ---------------------------------------------------------------------------- */

/* The demo consultations (`kafaat demo`, second phase): one published with
 * answers, one open, for the demo networks and every expert; in Arabic,
 * French and English. Writes nothing when a consultation exists or no
 * network has a member. Runs its own transaction. The rows written, or -1
 * with the reason in err. */
int consultations_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen);

#endif
