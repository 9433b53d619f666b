/* Unit tests for app/profile.c and app/taxonomy.c: validation of the
 * import format, resolution of names in three languages, save and load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/profile.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "db/db.h"
#include "db/migrations.h"

#define NOW 1800000000 /* 2027-01-15 */

struct fixture {
	char dir[64];
	struct db *db;
	struct taxonomy *tx;
};

static const char *const reference_sql[] = {
        "INSERT INTO sectors VALUES ('health', 1, 'الصحة', 'Santé', 'Health')",
        "INSERT INTO sectors VALUES ('digital', 2, 'الرقمنة', 'Numérique', 'Digital')",
        "INSERT INTO skill_domains VALUES ('it', 1, 'المعلوميات', 'Informatique', 'IT')",
        "INSERT INTO skills VALUES ('cybersecurity', 'it', 'الأمن السيبراني', 'Cybersécurité', "
        "'Cybersecurity', 'sécurité informatique|infosec')",
        "INSERT INTO skills VALUES ('interventional-cardiology', 'it', 'أمراض القلب التداخلية', "
        "'Cardiologie interventionnelle', 'Interventional cardiology', '')",
        "INSERT INTO countries VALUES ('CA', 'كندا', 'Canada', 'Canada')",
        "INSERT INTO countries VALUES ('MA', 'المغرب', 'Maroc', 'Morocco')",
        "INSERT INTO languages VALUES ('fr', 'الفرنسية', 'français', 'French')",
        "INSERT INTO languages VALUES ('ar', 'العربية', 'arabe', 'Arabic')",
        "INSERT INTO regions VALUES ('MA-06', 6, 'الدار البيضاء سطات', 'Casablanca-Settat', "
        "'Casablanca-Settat')",
        "INSERT INTO isco_groups VALUES ('2212', '221', 'Specialist medical practitioners', "
        "'Médecins spécialistes', '')",
        "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (7, "
        "'a@b.c', 'fr', 'active', 'x', 'x')",
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat_profile_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/k.db", f->dir);
	assert_int_equal(db_open(path, &f->db, err, sizeof(err)), 0);
	assert_true(migrate_run(f->db, err, sizeof(err)) > 0);
	for (size_t i = 0; i < sizeof(reference_sql) / sizeof(reference_sql[0]); i++)
		assert_int_equal(db_exec(f->db, reference_sql[i]), DB_OK);
	f->tx = taxonomy_load(f->db, err, sizeof(err));
	assert_non_null(f->tx);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	taxonomy_free(f->tx);
	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static const char sample[] =
        "{\"ref\": \"ext-1\", \"name\": \"Amal Benali\", \"name_ar\": \"أمل بنعلي\", "
        "\"gender\": \"f\", \"birth_year\": 1984, \"country\": \"CA\", \"city\": \"Montréal\", "
        "\"languages\": [{\"code\": \"fr\", \"level\": \"C2\"}, {\"code\": \"ar\", \"level\": "
        "\"B2\"}], \"sectors\": [\"health\"], "
        "\"skills\": [{\"name\": \"cardiologie interventionnelle\", \"level\": 4, \"years\": 8}, "
        "{\"name\": \"الأمن السيبراني\", \"level\": 2}, {\"name\": \"Tajine cooking\", \"level\": "
        "5}], "
        "\"isco\": \"2212\", \"headline\": \"Cardiologue\", \"bio\": \"…\", "
        "\"years_experience\": 12, "
        "\"offer\": {\"modes\": [\"ponctuelle\", \"continue\"], \"presence\": [\"remote\", "
        "\"onsite\"], \"hours_per_month\": 10, \"pay\": \"pro_bono\"}, "
        "\"stays\": [{\"from\": \"2027-07-01\", \"to\": \"2027-08-15\", \"city\": "
        "\"Casablanca\"}]}";

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);
	if (!v)
		fail_msg("bad test JSON: %s", e.text);
	return v;
}

static void normalises_the_sample(void **state)
{
	struct fixture *f = *state;
	struct profile_issues is;
	json_t *in = parse(sample);
	json_t *p = profile_normalise(f->tx, in, NOW, &is);

	assert_non_null(p);
	assert_int_equal(is.errors, 0);
	assert_int_equal(is.count, 1); /* the free skill, a warning */
	assert_string_equal(is.items[0].code, "free_skill");
	assert_string_equal(is.items[0].field, "skills[2]");
	json_t *skills = json_object_get(p, "skills");
	assert_string_equal(json_string_value(json_object_get(json_array_get(skills, 0), "id")),
	                    "interventional-cardiology");
	assert_string_equal(json_string_value(json_object_get(json_array_get(skills, 1), "id")),
	                    "cybersecurity");
	assert_true(json_is_null(json_object_get(json_array_get(skills, 2), "id")) ||
	            !json_object_get(json_array_get(skills, 2), "id"));
	json_decref(p);
	json_decref(in);
}

static void names_resolve_in_every_language(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"Cybersécurité",   "cybersecurite", "CYBERSECURITY",
	                       "الأمن السيبراني", "infosec",       "Sécurité Informatique"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(taxonomy_resolve(f->tx, TAX_SKILL, names[i]), "cybersecurity");
	assert_string_equal(taxonomy_resolve(f->tx, TAX_SECTOR, "Santé"), "health");
	assert_string_equal(taxonomy_resolve(f->tx, TAX_SECTOR, "الصحة"), "health");
	assert_string_equal(taxonomy_resolve(f->tx, TAX_COUNTRY, "ca"), "CA");
	assert_string_equal(taxonomy_resolve(f->tx, TAX_COUNTRY, "Maroc"), "MA");
	assert_null(taxonomy_resolve(f->tx, TAX_COUNTRY, "Atlantis"));
	json_t *s = taxonomy_suggest(f->tx, TAX_SKILL, "السيبر", LANG_FR, 5);
	assert_int_equal(json_array_size(s), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(s, 0), "label")),
	                    "Cybersécurité");
	json_decref(s);
}

/* Each bad input: the field and code reported, no profile returned. */
static void refuses_bad_input(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *json, *field, *code;
	} cases[] = {
	        {"{\"birth_year\": 2015}", "birth_year", "birth_year_out_of_range"},
	        {"{\"birth_year\": 1920}", "birth_year", "birth_year_out_of_range"},
	        {"{\"languages\": [{\"code\": \"fr\", \"level\": \"D1\"}]}", "languages[0].level",
	         "unknown_cefr_level"},
	        {"{\"country\": \"XX\"}", "country", "unknown_country"},
	        {"{\"stays\": [{\"from\": \"2027-08-15\", \"to\": \"2027-07-01\"}]}", "stays[0]",
	         "ends_before_start"},
	        {"{\"stays\": [{\"from\": \"2027-02-30\", \"to\": \"2027-07-01\"}]}",
	         "stays[0].from", "bad_date"},
	        {"{\"colour\": \"blue\"}", "colour", "unknown_field"},
	        {"{\"birth_year\": \"1984\"}", "birth_year", "wrong_type"},
	        {"{\"offer\": {\"pay\": \"gratis\"}}", "offer.pay", "unknown_value"},
	        {"{\"offer\": {\"modes\": [\"weekly\"]}}", "offer.modes[0]", "unknown_value"},
	        {"{\"links\": {\"orcid\": \"123\"}}", "links.orcid", "bad_orcid"},
	        {"{\"sectors\": [\"astrology\"]}", "sectors[0]", "unknown_sector"},
	        {"{\"skills\": [{\"name\": \"x\", \"level\": 9}]}", "skills[0].level",
	         "out_of_range"},
	        {"[1, 2]", "", "not_an_object"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile_issues is;
		json_t *in = parse(cases[i].json);
		json_t *p = profile_normalise(f->tx, in, NOW, &is);
		if (p || is.errors == 0)
			fail_msg("case %zu accepted: %s", i, cases[i].json);
		if (strcmp(is.items[0].field, cases[i].field) != 0 ||
		    strcmp(is.items[0].code, cases[i].code) != 0)
			fail_msg("case %zu: got %s %s", i, is.items[0].field, is.items[0].code);
		json_decref(in);
	}
}

static void saves_and_loads_the_same(void **state)
{
	struct fixture *f = *state;
	struct profile_issues is;
	json_t *in = parse(sample);
	json_t *p = profile_normalise(f->tx, in, NOW, &is);
	int found;

	assert_int_equal(db_begin(f->db), DB_OK);
	assert_int_equal(profile_save(f->db, 7, p, NOW, 1), 0);
	assert_int_equal(db_commit(f->db), DB_OK);
	json_t *back = profile_load(f->db, 7, &found);
	assert_int_equal(found, 1);
	assert_string_equal(json_string_value(json_object_get(back, "name_ar")), "أمل بنعلي");
	assert_int_equal(json_integer_value(json_object_get(back, "birth_year")), 1984);
	assert_int_equal(json_array_size(json_object_get(back, "skills")), 3);
	assert_int_equal(json_array_size(json_object_get(back, "languages")), 2);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(back, "stays"), 0), "city")),
	                    "Casablanca");
	assert_string_equal(json_string_value(json_object_get(back, "confirmed_at")),
	                    "2027-01-15T08:00:00Z");
	/* Saving again replaces the lists (no duplicates). */
	assert_int_equal(profile_save(f->db, 7, p, NOW + 60, 0), 0);
	json_t *again = profile_load(f->db, 7, &found);
	assert_int_equal(json_array_size(json_object_get(again, "skills")), 3);
	assert_string_equal(json_string_value(json_object_get(again, "confirmed_at")),
	                    "2027-01-15T08:00:00Z");
	json_decref(again);
	json_decref(back);
	json_decref(p);
	json_decref(in);
	assert_null(profile_load(f->db, 8, &found));
	assert_int_equal(found, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(normalises_the_sample, setup, teardown),
	        cmocka_unit_test_setup_teardown(names_resolve_in_every_language, setup, teardown),
	        cmocka_unit_test_setup_teardown(refuses_bad_input, setup, teardown),
	        cmocka_unit_test_setup_teardown(saves_and_loads_the_same, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
