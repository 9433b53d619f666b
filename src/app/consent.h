/* consent: what each expert agreed to, per audience.
 *
 * Six audiences (SECURITY.md, "consent per purpose and audience"): the
 * programme team, public institutions, network peers, the public directory,
 * anonymous statistics and newsletters. The current choice per audience is
 * one row of `consents` (granted or not, the privacy notice version in
 * force, the time); every change also appends a row to `consent_events`,
 * so the history of what was given and withdrawn is kept. A withdrawal is
 * effective at once: visibility (visibility.h) reads these rows at every
 * request. No row means "not given".
 */
#ifndef KAFAAT_APP_CONSENT_H
#define KAFAAT_APP_CONSENT_H

#include <stdint.h>

struct db;

enum consent_audience {
	AUD_PROGRAMME,    /* the programme team (admins, advisors) */
	AUD_INSTITUTIONS, /* public institutions looking for experts */
	AUD_NETWORKS,     /* members of the expert's networks */
	AUD_DIRECTORY,    /* the public directory: anyone, signed in or not */
	AUD_STATISTICS,   /* anonymous programme statistics */
	AUD_NEWSLETTERS,  /* the programme's newsletters */
	AUD_COUNT
};

/* The bit of an audience in a consent mask. */
#define CONSENT_BIT(a) (1u << (unsigned)(a))
#define CONSENT_ALL ((1u << AUD_COUNT) - 1u)

/* The stored name ("programme", "institutions", "networks", "directory",
 * "statistics", "newsletters"), or NULL for an invalid value. */
const char *consent_audience_name(enum consent_audience a);
/* The audience named s: 0 and *out set, or -1. */
int consent_audience_parse(const char *s, enum consent_audience *out);

/* Records user_id's choice for one audience at `now` (Unix seconds) with
 * PRIVACY_NOTICE_VERSION: upserts `consents` and appends a
 * `consent_events` row from `source` ("web", "import"). Nothing is written
 * when the same choice under the same notice version is already recorded.
 * Runs in the caller's transaction. Returns 1 (recorded), 0 (unchanged)
 * or -1 (database error). */
int consent_set(struct db *db, int64_t user_id, enum consent_audience a, int granted,
                const char *source, int64_t now);

/* The audiences user_id has granted, as CONSENT_BIT()s in *mask. 0 or -1. */
int consent_get(struct db *db, int64_t user_id, unsigned *mask);

#endif
