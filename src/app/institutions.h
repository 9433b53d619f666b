/* institutions: the publishers of needs (ministry departments, public
 * establishments, local authorities, universities, regional investment
 * centres, agencies, foundations).
 *
 * The programme team creates an institution, edits it and verifies it
 * (only a verified institution may submit needs; verifying is audited);
 * its owners edit its profile but not its verification. A verified
 * institution has a public page with its description, its published needs
 * and how it answers applications (institution_figures; the definitions
 * are in docs/NEEDS.md). Handlers: handlers.h (institutions.c).
 *
 * Strings of a struct institution live in the arena given.
 */
#ifndef KAFAAT_APP_INSTITUTIONS_H
#define KAFAAT_APP_INSTITUTIONS_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "web/i18n.h"

struct db;

#define INSTITUTION_SECTORS 30 /* sec_N checkboxes of the profile form */
#define INSTITUTION_DESCRIPTION_MAX 5000
#define INSTITUTION_FIGURES_MIN 3 /* fewer applications: "not enough data" */

/* The kinds, as stored ("ministry", …); NULL-terminated. Catalogue keys
 * institution.kind.<kind>. */
extern const char *const institution_kinds[];

struct institution {
	int64_t id;
	const char *name[LANG_COUNT]; /* indexed by enum lang */
	const char *kind;
	const char *region; /* region code, or NULL */
	const char *website;
	const char *description;
	const char *verified_at; /* NULL until verified */
	const char *created_at;
	const char *sectors[INSTITUTION_SECTORS];
	int nsectors;
};

/* Loads institution id: 1 found, 0 not, -1 error. */
int institution_load(struct db *db, struct arena *a, int64_t id, struct institution *out);

/* Its name in l (else French, else any). */
const char *institution_label(const struct institution *in, enum lang l);

/* [{id, name}] of every institution, by name in l (for <select> lists);
 * an empty array on error. */
json_t *institutions_options(struct db *db, enum lang l);

/* Is institution id verified? 1, 0 (also when unknown), -1 error. */
int institution_verified(struct db *db, struct arena *a, int64_t id);

/* How an institution answers applications (docs/NEEDS.md). */
struct institution_figures {
	int applications; /* applications received (engagements of origin 'applied') */
	int answered;     /* left 'applied' by a person other than the expert */
	int no_answer;    /* closed by the response deadline */
	int overdue;      /* still waiting past the response deadline */
	int rate;         /* answered / (answered + no_answer + overdue), percent */
	int rate_known;   /* that base is INSTITUTION_FIGURES_MIN or more */
	int64_t median;   /* seconds from application to answer */
	int median_known; /* INSTITUTION_FIGURES_MIN answers or more */
};

/* Computes the figures of institution id at now (Unix seconds), an
 * application being overdue response_days working days after it started
 * waiting. 0 or -1. */
int institution_figures(struct db *db, struct arena *a, int64_t id, int64_t now, int response_days,
                        struct institution_figures *f);

/* The figures as pages show them: {applications, answered, rate_known,
 * rate, median_known, median_key (a catalogue key: hours or days),
 * median_n}. */
json_t *institution_figures_json(const struct institution_figures *f);

/* The median of v[0..n) (sorted in place); 0 when n is 0. */
int64_t institution_median(int64_t *v, int n);

#endif
