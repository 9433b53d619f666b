/* Unit tests for app/visibility.c (who sees a profile, and how much) and
 * app/consent.c (consent per audience, with its history): the whole table
 * of viewers × consents × dormant × paused, the parts each level sees, the
 * filter, dormancy and pause dates, and consents recorded in a fresh
 * migrated SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/consent.h"
#include "app/sql.h"
#include "app/visibility.h"
#include "db/db.h"
#include "db/migrations.h"

#define NOW 1800000000 /* 2027-01-15T08:00:00Z */
#define DAY 86400
#define OWNER 42

/* ---- The table ---------------------------------------------------------------------- */

enum viewer {
	ANONYMOUS,
	HALF_SIGNED_IN, /* password given, second factor still due */
	SELF,
	EXPERT,
	MEMBER,
	INST_OWNER,
	ADMIN,
	ADVISOR,
	COORDINATOR,
	PEER, /* an expert in one of the owner's networks */
	VIEWERS
};

static const char *const viewer_names[VIEWERS] = {
        "anonymous",  "half signed in", "owner",   "expert",      "member",
        "inst owner", "admin",          "advisor", "coordinator", "peer",
};

static struct identity *make_viewer(enum viewer v, struct identity *id)
{
	static const unsigned roles[VIEWERS] = {
	        [HALF_SIGNED_IN] = ROLE_EXPERT,
	        [SELF] = ROLE_EXPERT,
	        [EXPERT] = ROLE_EXPERT,
	        [MEMBER] = ROLE_INSTITUTION_MEMBER,
	        [INST_OWNER] = ROLE_INSTITUTION_OWNER,
	        [ADMIN] = ROLE_ADMIN,
	        [ADVISOR] = ROLE_ADVISOR | ROLE_EXPERT,
	        [COORDINATOR] = ROLE_COORDINATOR | ROLE_EXPERT,
	        [PEER] = ROLE_EXPERT,
	};

	if (v == ANONYMOUS)
		return NULL;
	memset(id, 0, sizeof(*id));
	id->user_id = v == SELF ? OWNER : 100 + v;
	id->roles = roles[v];
	id->institution_id = (v == MEMBER || v == INST_OWNER) ? 7 : 0;
	id->second_step_pending = v == HALF_SIGNED_IN;
	/* An institution member who is also the owner's peer is covered by PEER. */
	return id;
}

/* The expected level, written from the rules in visibility.h. */
static enum visibility expected(enum viewer v, unsigned c, int dormant, int paused)
{
	int shares = v == PEER;

	if (v == SELF)
		return VIS_OWNER;
	if ((v == ADMIN || v == ADVISOR) && (c & CONSENT_BIT(AUD_PROGRAMME)))
		return VIS_PROGRAMME;
	if (dormant)
		return VIS_NONE;
	if ((v == MEMBER || v == INST_OWNER) && (c & CONSENT_BIT(AUD_INSTITUTIONS)) && !paused)
		return VIS_INSTITUTION;
	if (shares && (c & CONSENT_BIT(AUD_NETWORKS)))
		return VIS_PEERS;
	if (c & CONSENT_BIT(AUD_DIRECTORY))
		return VIS_DIRECTORY;
	return VIS_NONE;
}

static void whole_table(void **state)
{
	struct identity id;
	int checked = 0;

	(void)state;
	for (int v = 0; v < VIEWERS; v++)
		for (unsigned c = 0; c <= CONSENT_ALL; c++)
			for (int dormant = 0; dormant < 2; dormant++)
				for (int paused = 0; paused < 2; paused++) {
					struct visibility_facts f = {OWNER, c, dormant, paused,
					                             v == PEER};
					enum visibility got =
					        visibility_of(make_viewer((enum viewer)v, &id), &f);
					enum visibility want =
					        expected((enum viewer)v, c, dormant, paused);
					if (got != want)
						fail_msg("%s, consents %#x, dormant %d, paused %d: "
						         "%s, "
						         "expected %s",
						         viewer_names[v], c, dormant, paused,
						         visibility_name(got),
						         visibility_name(want));
					checked++;
				}
	assert_int_equal(checked, VIEWERS * (CONSENT_ALL + 1) * 4);
}

/* Named cases of the table, so a reader sees the rules at work. */
static void named_cases(void **state)
{
	struct identity id;
	struct visibility_facts none = {OWNER, 0, 0, 0, 0};
	struct visibility_facts inst = {OWNER, CONSENT_BIT(AUD_INSTITUTIONS), 0, 0, 0};
	struct visibility_facts dormant = {OWNER, CONSENT_ALL, 1, 0, 0};
	struct visibility_facts paused = {OWNER, CONSENT_BIT(AUD_INSTITUTIONS), 0, 1, 0};
	struct visibility_facts public_card = {OWNER, CONSENT_BIT(AUD_DIRECTORY), 0, 1, 0};

	(void)state;
	/* The owner sees everything, whatever the consents and dates. */
	assert_int_equal(visibility_of(make_viewer(SELF, &id), &none), VIS_OWNER);
	assert_int_equal(visibility_of(make_viewer(SELF, &id), &dormant), VIS_OWNER);
	/* Institutions only with consent, not dormant, not paused. */
	assert_int_equal(visibility_of(make_viewer(MEMBER, &id), &none), VIS_NONE);
	assert_int_equal(visibility_of(make_viewer(MEMBER, &id), &inst), VIS_INSTITUTION);
	assert_int_equal(visibility_of(make_viewer(INST_OWNER, &id), &inst), VIS_INSTITUTION);
	assert_int_equal(visibility_of(make_viewer(MEMBER, &id), &dormant), VIS_NONE);
	assert_int_equal(visibility_of(make_viewer(MEMBER, &id), &paused), VIS_NONE);
	/* Another expert, or anyone, sees no more than the public card. */
	assert_int_equal(visibility_of(make_viewer(EXPERT, &id), &inst), VIS_NONE);
	assert_int_equal(visibility_of(NULL, &public_card), VIS_DIRECTORY);
	assert_int_equal(visibility_of(make_viewer(MEMBER, &id), &public_card), VIS_DIRECTORY);
	/* The programme team sees dormant profiles (it counts them apart). */
	assert_int_equal(visibility_of(make_viewer(ADMIN, &id), &dormant), VIS_PROGRAMME);
	assert_int_equal(visibility_of(make_viewer(ADMIN, &id), &inst), VIS_NONE);
	/* Half-way through sign-in counts as anonymous, even for the owner. */
	id.user_id = OWNER;
	id.second_step_pending = 1;
	assert_int_equal(visibility_of(&id, &inst), VIS_NONE);
}

/* ---- Parts ------------------------------------------------------------------------------ */

static void parts_by_level(void **state)
{
	static const struct {
		enum profile_part part;
		enum visibility from;
	} rows[] = {
	        {PART_CARD, VIS_DIRECTORY},     {PART_PLACE, VIS_PEERS},
	        {PART_BIO, VIS_PEERS},          {PART_LANGUAGES, VIS_PEERS},
	        {PART_SKILLS, VIS_PEERS},       {PART_LINKS, VIS_PEERS},
	        {PART_CAREER, VIS_INSTITUTION}, {PART_OFFER, VIS_INSTITUTION},
	        {PART_PERSONAL, VIS_PROGRAMME}, {PART_CONTACT, VIS_PROGRAMME},
	        {PART_RECORD, VIS_PROGRAMME},
	};

	(void)state;
	assert_int_equal(sizeof(rows) / sizeof(rows[0]), PART_COUNT);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (int v = 0; v < VIS_COUNT; v++)
			if (visibility_allows((enum visibility)v, rows[i].part) !=
			    (v != VIS_NONE && v >= (int)rows[i].from))
				fail_msg("part %d at level %s", rows[i].part,
				         visibility_name((enum visibility)v));
	assert_false(visibility_allows(VIS_OWNER, PART_COUNT));
}

static json_t *sample(void)
{
	json_error_t e;
	json_t *p = json_loads(
	        "{\"name\": \"Amal\", \"name_ar\": \"أمل\", \"headline\": \"Cardiologue\", "
	        "\"country\": \"CA\", \"sectors\": [\"health\"], \"city\": \"Montréal\", "
	        "\"bio\": \"…\", \"languages\": [], \"skills\": [], \"links\": {}, "
	        "\"education\": [], \"experience\": [], \"years_experience\": 12, "
	        "\"isco\": \"2212\", \"offer\": {}, \"availability\": [], \"stays\": [], "
	        "\"regions\": [], \"preferred_sectors\": [], \"gender\": \"f\", "
	        "\"birth_year\": 1984, \"nationalities\": [\"MA\"], \"email\": \"a@b.c\", "
	        "\"confirmed_at\": \"2026-10-01T00:00:00Z\", \"updated_at\": \"x\", "
	        "\"paused_until\": null, \"ref\": null, \"something_new\": 1}",
	        0, &e);
	if (!p)
		fail_msg("bad JSON: %s", e.text);
	return p;
}

static void keys_left(enum visibility v, const char *want)
{
	json_t *p = sample();
	const char *key;
	json_t *value;
	char got[1024] = "";

	visibility_filter(p, v);
	json_object_foreach(p, key, value)
	{
		(void)value;
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", *got ? " " : "",
		         key);
	}
	json_decref(p);
	assert_string_equal(got, want);
}

static void filter_by_level(void **state)
{
	(void)state;
	keys_left(VIS_NONE, "");
	keys_left(VIS_DIRECTORY, "name name_ar headline country sectors");
	keys_left(VIS_PEERS,
	          "name name_ar headline country sectors city bio languages skills links");
	keys_left(VIS_INSTITUTION, "name name_ar headline country sectors city bio languages "
	                           "skills links education experience years_experience isco offer "
	                           "availability stays regions preferred_sectors");
	keys_left(VIS_PROGRAMME,
	          "name name_ar headline country sectors city bio languages skills links education "
	          "experience years_experience isco offer availability stays regions "
	          "preferred_sectors gender birth_year nationalities email confirmed_at updated_at "
	          "paused_until ref");
	keys_left(VIS_OWNER,
	          "name name_ar headline country sectors city bio languages skills links education "
	          "experience years_experience isco offer availability stays regions "
	          "preferred_sectors gender birth_year nationalities email confirmed_at updated_at "
	          "paused_until ref something_new");
}

/* ---- Dates ------------------------------------------------------------------------------ */

static void dormancy(void **state)
{
	char t[ISO_TIME_LEN + 1];

	(void)state;
	assert_true(visibility_dormant(NULL, NOW));
	assert_true(visibility_dormant("yesterday", NOW));
	iso_time(NOW - 365 * DAY, t);
	assert_false(visibility_dormant(t, NOW)); /* exactly a year: not yet */
	iso_time(NOW - 365 * DAY - 1, t);
	assert_true(visibility_dormant(t, NOW));
	iso_time(NOW - 30 * DAY, t);
	assert_false(visibility_dormant(t, NOW));
	iso_time(NOW - 396 * DAY, t); /* 13 months */
	assert_true(visibility_dormant(t, NOW));
}

static void pauses(void **state)
{
	(void)state;
	assert_false(visibility_paused(NULL, NOW));
	assert_false(visibility_paused("", NOW));
	assert_true(visibility_paused("2027-01-16", NOW));
	assert_false(visibility_paused("2027-01-15", NOW)); /* back on that day */
	assert_false(visibility_paused("2026-12-31", NOW));
}

/* ---- Consents in the database --------------------------------------------------------- */

struct fixture {
	char dir[64];
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat_visibility_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/k.db", f->dir);
	assert_int_equal(db_open(path, &f->db, err, sizeof(err)), 0);
	assert_true(migrate_run(f->db, err, sizeof(err)) > 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO users (id, email, lang, status, created_at, "
	                                "updated_at) VALUES (42, 'a@b.c', 'fr', 'active', 'x', "
	                                "'x')"),
	                 DB_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int64_t count(struct db *db, const char *sql)
{
	int64_t n = -1;
	assert_int_equal(db_query_int(db, sql, 0, NULL, &n), DB_OK);
	return n;
}

static void consents_recorded(void **state)
{
	struct fixture *f = *state;
	unsigned mask = 99;
	enum consent_audience a;

	assert_int_equal(consent_get(f->db, OWNER, &mask), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(consent_set(f->db, OWNER, AUD_INSTITUTIONS, 1, "web", NOW), 1);
	assert_int_equal(consent_set(f->db, OWNER, AUD_DIRECTORY, 1, "web", NOW), 1);
	assert_int_equal(consent_set(f->db, OWNER, AUD_DIRECTORY, 1, "web", NOW + 5), 0);
	assert_int_equal(consent_get(f->db, OWNER, &mask), 0);
	assert_int_equal(mask, CONSENT_BIT(AUD_INSTITUTIONS) | CONSENT_BIT(AUD_DIRECTORY));
	assert_int_equal(consent_set(f->db, OWNER, AUD_INSTITUTIONS, 0, "web", NOW + 60), 1);
	assert_int_equal(consent_get(f->db, OWNER, &mask), 0);
	assert_int_equal(mask, CONSENT_BIT(AUD_DIRECTORY));
	/* Every change is in the history, with the notice version and the time. */
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM consent_events WHERE user_id = 42"), 3);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM consent_events WHERE user_id = 42 AND "
	                              "audience = 'institutions' AND granted = 0 AND at = "
	                              "'2027-01-15T08:01:00Z'"),
	                 1);
	assert_int_equal(count(f->db, "SELECT MIN(notice_version) FROM consents"),
	                 PRIVACY_NOTICE_VERSION);
	assert_int_equal(consent_set(f->db, OWNER, AUD_COUNT, 1, "web", NOW), -1);
	assert_int_equal(consent_audience_parse("newsletters", &a), 0);
	assert_int_equal(a, AUD_NEWSLETTERS);
	assert_int_equal(consent_audience_parse("everyone", &a), -1);
	assert_null(consent_audience_name(AUD_COUNT));
}

static void facts_from_the_database(void **state)
{
	struct fixture *f = *state;
	struct visibility_facts facts;
	char confirmed[ISO_TIME_LEN + 1];

	assert_int_equal(visibility_facts_load(f->db, NULL, OWNER, NOW, &facts), 0);
	iso_time(NOW - 396 * DAY, confirmed);
	assert_int_equal(sql_exec(f->db,
	                          "INSERT INTO profiles (user_id, created_at, updated_at, "
	                          "confirmed_at, paused_until) VALUES (42, 'x', 'x', $1, "
	                          "'2027-02-01')",
	                          1, (const char *[]){confirmed}),
	                 1);
	assert_int_equal(consent_set(f->db, OWNER, AUD_INSTITUTIONS, 1, "web", NOW), 1);
	assert_int_equal(visibility_facts_load(f->db, NULL, OWNER, NOW, &facts), 1);
	assert_int_equal(facts.owner_id, OWNER);
	assert_int_equal(facts.consents, CONSENT_BIT(AUD_INSTITUTIONS));
	assert_true(facts.dormant);
	assert_true(facts.paused);
	assert_false(facts.shares_network);
	assert_int_equal(visibility_facts_load(f->db, NULL, OWNER, NOW - 300 * DAY, &facts), 1);
	assert_false(facts.dormant);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(whole_table),
	        cmocka_unit_test(named_cases),
	        cmocka_unit_test(parts_by_level),
	        cmocka_unit_test(filter_by_level),
	        cmocka_unit_test(dormancy),
	        cmocka_unit_test(pauses),
	        cmocka_unit_test_setup_teardown(consents_recorded, setup, teardown),
	        cmocka_unit_test_setup_teardown(facts_from_the_database, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
