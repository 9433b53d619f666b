/* visibility: who may see an expert's profile, and how much of it. The ONE
 * place that decides (SECURITY.md): pages, search, matching, feeds, exports
 * and the API ask here and nowhere else.
 *
 * A viewer gets the highest level whose rule they meet:
 *
 * | Level        | Who                                   | Needs consent | Dormant | Paused |
 * |--------------|---------------------------------------|---------------|---------|--------|
 * | OWNER        | the expert themselves                 | —             | seen    | seen   |
 * | PROGRAMME    | admins and advisors (programme team)  | programme     | seen    | seen   |
 * | INSTITUTION  | owners and members of an institution  | institutions  | hidden  | hidden |
 * | PEERS        | members of one of the expert's        | networks      | hidden  | seen   |
 * |              | networks (network_shared)             |               |         |        |
 * | DIRECTORY    | anyone, signed in or not              | directory     | hidden  | seen   |
 * | NONE         | everyone else: the profile "does not exist" (404)                |
 *
 * Dormant: never confirmed, or confirmed more than 365 days ago (the
 * profile is out of search and matching, and hidden from every audience
 * but its owner and the programme team, which counts it apart). Paused:
 * the expert asked not to be proposed missions until a date; only
 * institutions lose sight of it.
 *
 * What each level shows (visibility_allows): every level sees what the
 * levels below it see, plus
 *
 *   DIRECTORY    the card: names, headline, country of residence, sectors
 *   PEERS        city, bio, languages, skills, links
 *   INSTITUTION  education, experience, occupation, the contribution offer
 *                (availability, planned stays, preferred regions and
 *                sectors); no contact details (they come with an accepted
 *                engagement)
 *   PROGRAMME    gender, birth year, nationalities, email address, the
 *                record (confirmation, pause, attestation)
 *   OWNER        everything
 */
#ifndef KAFAAT_APP_VISIBILITY_H
#define KAFAAT_APP_VISIBILITY_H

#include <jansson.h>
#include <stdint.h>

#include "app/consent.h"
#include "match/match.h"

struct db;
struct identity;

enum visibility {
	VIS_NONE,
	VIS_DIRECTORY,
	VIS_PEERS,
	VIS_INSTITUTION,
	VIS_PROGRAMME,
	VIS_OWNER,
	VIS_COUNT
};

/* What is known of a profile when someone asks to see it. */
struct visibility_facts {
	int64_t owner_id;
	unsigned consents;  /* CONSENT_BIT()s granted by the owner */
	int dormant;        /* visibility_dormant() */
	int paused;         /* visibility_paused() */
	int shares_network; /* viewer and owner are members of one network (network_shared) */
};

/* The level `viewer` (NULL: anonymous) may see. A viewer still owing the
 * second sign-in factor counts as anonymous. */
enum visibility visibility_of(const struct identity *viewer, const struct visibility_facts *f);

/* The search engine's audience for viewer, the same rule in the engine's
 * terms (match.h: the consent each audience needs, dormant and paused
 * experts hidden as above). Search results are still passed through
 * visibility_of before anything is shown. */
enum match_audience visibility_audience(const struct identity *viewer);

/* The parts of a profile, each shown from a minimum level. */
enum profile_part {
	PART_CARD,  /* name, name_ar, headline, country, sectors */
	PART_PLACE, /* city */
	PART_BIO,   /* bio */
	PART_LANGUAGES,
	PART_SKILLS,
	PART_LINKS,    /* LinkedIn, ORCID, website */
	PART_CAREER,   /* education, experience, years_experience, isco */
	PART_OFFER,    /* offer, availability, stays, regions, preferred_sectors */
	PART_PERSONAL, /* gender, birth_year, nationalities */
	PART_CONTACT,  /* email */
	PART_RECORD,   /* confirmed_at, updated_at, paused_until, ref, attestation */
	PART_COUNT
};

/* May level v see part p? */
int visibility_allows(enum visibility v, enum profile_part p);
/* Removes from a profile (the JSON of profile_load, plus "email" and other
 * record fields) every member level v may not see; members this module
 * does not know are removed too, except for the owner. */
void visibility_filter(json_t *profile, enum visibility v);

/* The PROGRAMME level's rule as SQL, for bulk reads of the programme team
 * (the admin exports): VISIBILITY_PROGRAMME_OPEN "u.id"
 * VISIBILITY_PROGRAMME_CLOSE is true when the expert whose id is u.id gave
 * the programme consent. Dormant and paused profiles stay in, as the table
 * says. (Two halves, not a macro with a parameter: cppcheck cannot expand
 * that inside another macro.) */
#define VISIBILITY_PROGRAMME_OPEN "EXISTS (SELECT 1 FROM consents k WHERE k.user_id = "
#define VISIBILITY_PROGRAMME_CLOSE " AND k.audience = 'programme' AND k.granted = 1)"

/* Dormant: confirmed_at (ISO time) NULL, unreadable, or over 365 days
 * before now. */
#define DORMANT_AFTER_DAYS 365
int visibility_dormant(const char *confirmed_at, int64_t now);
/* Paused: paused_until ('YYYY-MM-DD', may be NULL) is after today (UTC);
 * the profile is back on that day. */
int visibility_paused(const char *paused_until, int64_t now);

/* Fills f for owner_id from the database (profile dates, consents, and
 * whether viewer shares a network with the owner). Returns 1, 0 when owner_id
 * has no profile, or -1 on a database error. */
int visibility_facts_load(struct db *db, const struct identity *viewer, int64_t owner_id,
                          int64_t now, struct visibility_facts *f);

/* "none", "directory", "peers", "institution", "programme", "owner". */
const char *visibility_name(enum visibility v);

#endif
