#include "app/visibility.h"

#include <string.h>

#include "app/auth.h"
#include "app/clock.h"
#include "app/networks.h"
#include "app/sql.h"
#include "core/arena.h"
#include "db/db.h"

/* ---- Who sees what ------------------------------------------------------------ */

static int signed_in(const struct identity *viewer)
{
	return viewer && viewer->user_id > 0 && !viewer->second_step_pending;
}

static int is_programme(const struct identity *viewer)
{
	return signed_in(viewer) && (viewer->roles & (ROLE_ADMIN | ROLE_ADVISOR));
}

static int is_institution(const struct identity *viewer)
{
	return signed_in(viewer) &&
	       (viewer->roles & (ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER));
}

enum visibility visibility_of(const struct identity *viewer, const struct visibility_facts *f)
{
	unsigned c = f->consents;

	if (signed_in(viewer) && viewer->user_id == f->owner_id)
		return VIS_OWNER;
	if (is_programme(viewer) && (c & CONSENT_BIT(AUD_PROGRAMME)))
		return VIS_PROGRAMME;
	if (f->dormant)
		return VIS_NONE;
	if (is_institution(viewer) && (c & CONSENT_BIT(AUD_INSTITUTIONS)) && !f->paused)
		return VIS_INSTITUTION;
	if (signed_in(viewer) && f->shares_network && (c & CONSENT_BIT(AUD_NETWORKS)))
		return VIS_PEERS;
	if (c & CONSENT_BIT(AUD_DIRECTORY))
		return VIS_DIRECTORY;
	return VIS_NONE;
}

enum match_audience visibility_audience(const struct identity *viewer)
{
	if (is_programme(viewer))
		return MATCH_FOR_PROGRAMME;
	if (is_institution(viewer))
		return MATCH_FOR_INSTITUTION;
	return MATCH_FOR_PUBLIC; /* peers: when networks exist */
}

/* The lowest level that sees each part. */
static const enum visibility part_min[PART_COUNT] = {
        [PART_CARD] = VIS_DIRECTORY,     [PART_PLACE] = VIS_PEERS,
        [PART_BIO] = VIS_PEERS,          [PART_LANGUAGES] = VIS_PEERS,
        [PART_SKILLS] = VIS_PEERS,       [PART_LINKS] = VIS_PEERS,
        [PART_CAREER] = VIS_INSTITUTION, [PART_OFFER] = VIS_INSTITUTION,
        [PART_PERSONAL] = VIS_PROGRAMME, [PART_CONTACT] = VIS_PROGRAMME,
        [PART_RECORD] = VIS_PROGRAMME,
};

int visibility_allows(enum visibility v, enum profile_part p)
{
	return (unsigned)p < PART_COUNT && v != VIS_NONE && v >= part_min[p];
}

/* The part of each member of a profile's JSON. */
static const struct {
	const char *key;
	enum profile_part part;
} members[] = {
        {"name", PART_CARD},
        {"name_ar", PART_CARD},
        {"headline", PART_CARD},
        {"country", PART_CARD},
        {"sectors", PART_CARD},
        {"city", PART_PLACE},
        {"bio", PART_BIO},
        {"languages", PART_LANGUAGES},
        {"skills", PART_SKILLS},
        {"links", PART_LINKS},
        {"education", PART_CAREER},
        {"experience", PART_CAREER},
        {"years_experience", PART_CAREER},
        {"isco", PART_CAREER},
        {"offer", PART_OFFER},
        {"availability", PART_OFFER},
        {"stays", PART_OFFER},
        {"regions", PART_OFFER},
        {"preferred_sectors", PART_OFFER},
        {"gender", PART_PERSONAL},
        {"birth_year", PART_PERSONAL},
        {"nationalities", PART_PERSONAL},
        {"email", PART_CONTACT},
        {"confirmed_at", PART_RECORD},
        {"updated_at", PART_RECORD},
        {"paused_until", PART_RECORD},
        {"ref", PART_RECORD},
        {"coi_attested_at", PART_RECORD},
        {"coi_statement", PART_RECORD},
};

static int member_allowed(const char *key, enum visibility v)
{
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (strcmp(members[i].key, key) == 0)
			return visibility_allows(v, members[i].part);
	return v == VIS_OWNER;
}

void visibility_filter(json_t *profile, enum visibility v)
{
	const char *key;
	json_t *value;
	void *tmp;

	if (!json_is_object(profile))
		return;
	json_object_foreach_safe(profile, tmp, key, value)
	{
		if (!member_allowed(key, v))
			json_object_del(profile, key);
	}
}

static const char *const level_names[VIS_COUNT] = {
        "none", "directory", "peers", "institution", "programme", "owner",
};

const char *visibility_name(enum visibility v)
{
	return (unsigned)v < VIS_COUNT ? level_names[v] : "none";
}

/* ---- Dormant and paused ---------------------------------------------------------- */

int visibility_dormant(const char *confirmed_at, int64_t now)
{
	int64_t t;

	if (!confirmed_at || iso_parse(confirmed_at, &t) < 0)
		return 1;
	return now - t > (int64_t)DORMANT_AFTER_DAYS * 86400;
}

int visibility_paused(const char *paused_until, int64_t now)
{
	char today[ISO_TIME_LEN + 1];

	if (!paused_until || strlen(paused_until) != 10)
		return 0;
	iso_time(now, today);
	return strncmp(today, paused_until, 10) < 0;
}

/* ---- From the database ------------------------------------------------------------ */

int visibility_facts_load(struct db *db, const struct identity *viewer, int64_t owner_id,
                          int64_t now, struct visibility_facts *f)
{
	struct arena a = ARENA_INIT;
	const char *row[2];
	int rc;

	memset(f, 0, sizeof(*f));
	f->owner_id = owner_id;
	rc = sql_row(db, &a, "SELECT confirmed_at, paused_until FROM profiles WHERE user_id = $1",
	             1, (const char *[]){sql_int(&a, owner_id)}, row, 2);
	if (rc == 1) {
		f->dormant = visibility_dormant(row[0], now);
		f->paused = visibility_paused(row[1], now);
		if (consent_get(db, owner_id, &f->consents) < 0)
			rc = -1;
	}
	if (rc == 1 && viewer && viewer->user_id > 0 && viewer->user_id != owner_id) {
		int shared = network_shared(db, viewer->user_id, owner_id);
		if (shared < 0)
			rc = -1;
		f->shares_network = shared > 0;
	}
	arena_free(&a);
	return rc < 0 ? -1 : rc;
}
