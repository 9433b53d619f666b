/* profile: the expert profile, one model for every way in and out.
 *
 * The canonical form of a profile is the JSON of the import format
 * (docs/IMPORT.md): pages, imports, exports and the API all go through
 * profile_normalise (validation) and profile_save / profile_load. Names of
 * sectors, skills, countries and languages may come in any of the three
 * languages or as ids; they are resolved through the taxonomy. A skill
 * that is not in the taxonomy is kept as a free skill and reported.
 */
#ifndef KAFAAT_APP_PROFILE_H
#define KAFAAT_APP_PROFILE_H

#include <jansson.h>
#include <stdint.h>

struct db;
struct taxonomy;

/* One problem found in a profile: where ("languages[1].level"), a stable
 * code ("unknown_cefr_level") — the catalogue key is "profile.error.CODE" —
 * and whether it only warns (the profile is still accepted). */
struct profile_issue {
	char field[64];
	char code[40];
	char value[64]; /* the offending value, cut, for messages */
	int warning;
};

struct profile_issues {
	struct profile_issue items[48];
	int count;  /* problems found (may exceed 48; only 48 kept) */
	int errors; /* those that are not warnings */
};

/* Checks `in` (borrowed) and returns its normalised copy (new reference),
 * or NULL when it has errors (issues says which; nothing to save). Unknown
 * fields and wrong types are errors. now: Unix seconds (birth years and
 * dates are checked against it). */
json_t *profile_normalise(const struct taxonomy *tx, json_t *in, int64_t now,
                          struct profile_issues *issues);

/* Writes a normalised profile for user_id, replacing every list. Runs in
 * the caller's transaction. confirm: also record now as the date the
 * expert confirmed the profile. Returns 0 or -1. */
int profile_save(struct db *db, int64_t user_id, json_t *p, int64_t now, int confirm);

/* The profile of user_id as normalised JSON (new reference) with, in
 * addition, "confirmed_at", "updated_at" and skills' "id"; NULL when there
 * is none or on error (*found tells which). */
json_t *profile_load(struct db *db, int64_t user_id, int *found);

/* English description of an issue code (CLI output and logs). */
const char *profile_issue_text(const char *code);

/* The CEFR level named s: 1..6 for "A1".."C2", 0 for anything else. */
int profile_cefr(const char *s);

/* ---- A complete profile: the ONE definition -------------------------------------------
 *
 * A profile is complete when every rule below holds. Each rule is written
 * twice, side by side and nowhere else: as a C predicate over the profile
 * JSON of profile_load and the consents granted (CONSENT_BIT()s, consent.h)
 * — the expert's checklist — and as a SQL condition over a profile `p`
 * (its owner p.user_id) — the indicator "identified" (indicators.h). The
 * HTTP tests check that the two agree on real profiles. */
struct profile_rule {
	const char *name; /* catalogue: profile.complete.NAME.what / .why */
	const char *step; /* the editor's page that fills it: /LANG/profile/STEP */
	int (*done)(json_t *p, unsigned consents);
	const char *sql; /* the same rule over profile p */
};
#define PROFILE_RULES 10
extern const struct profile_rule profile_rules[PROFILE_RULES];

/* The SQL of the whole definition: every rule's condition over p, joined
 * by AND (a constant string). */
#define PROFILE_SQL_NAMES "(p.name <> '' OR p.name_ar <> '')"
#define PROFILE_SQL_RESIDENCE "(p.country IS NOT NULL AND p.country <> '' AND p.city <> '')"
#define PROFILE_SQL_HEADLINE "(p.headline <> '')"
#define PROFILE_SQL_LANGUAGES                                                                      \
	"EXISTS (SELECT 1 FROM profile_languages x WHERE x.user_id = p.user_id)"
#define PROFILE_SQL_EDUCATION                                                                      \
	"EXISTS (SELECT 1 FROM profile_education x WHERE x.user_id = p.user_id)"
#define PROFILE_SQL_EXPERIENCE                                                                     \
	"EXISTS (SELECT 1 FROM profile_experience x WHERE x.user_id = p.user_id)"
#define PROFILE_SQL_SKILLS                                                                         \
	"((SELECT COUNT(*) FROM profile_skills x WHERE x.user_id = p.user_id) >= 3)"
#define PROFILE_SQL_SECTORS "EXISTS (SELECT 1 FROM profile_sectors x WHERE x.user_id = p.user_id)"
#define PROFILE_SQL_OFFER "(p.offer_modes <> '' AND p.offer_presence <> '')"
#define PROFILE_SQL_CONSENT                                                                        \
	"EXISTS (SELECT 1 FROM consents x WHERE x.user_id = p.user_id AND x.audience = "           \
	"'institutions' AND x.granted = 1)"
#define PROFILE_COMPLETE_SQL                                                                       \
	"(" PROFILE_SQL_NAMES " AND " PROFILE_SQL_RESIDENCE " AND " PROFILE_SQL_HEADLINE           \
	" AND " PROFILE_SQL_LANGUAGES " AND " PROFILE_SQL_EDUCATION " AND " PROFILE_SQL_EXPERIENCE \
	" AND " PROFILE_SQL_SKILLS " AND " PROFILE_SQL_SECTORS " AND " PROFILE_SQL_OFFER           \
	" AND " PROFILE_SQL_CONSENT ")"

/* Does the profile JSON p, with consents, meet every rule? */
int profile_complete(json_t *p, unsigned consents);

#endif
