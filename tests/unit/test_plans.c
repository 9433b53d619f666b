/* Unit tests for app/plans.c: the pure functions — the expected share of a
 * target at a moment of the year (before, at the start, in the middle, at
 * the last second, after; a leap year; rounding down), the "behind"
 * threshold on its boundary, the calendar year of a moment, the
 * institution kinds that declare plans — and, on a fresh migrated SQLite
 * database with a small taxonomy, the form (each bad value on its field),
 * one plan per institution and year, the stale edit refused, and the two
 * progress counts over needs and engagements written by SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/plans.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "db/db.h"
#include "db/migrations.h"

/* Unix seconds of y-m-d h:00:00 UTC. */
static int64_t at(int y, int m, int d, int h)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h};
	return (int64_t)timegm(&tm);
}

static void expected_across_the_year(void **state)
{
	(void)state;
	assert_int_equal(plan_expected(100, 2027, at(2026, 12, 31, 23)), 0);
	assert_int_equal(plan_expected(100, 2027, at(2027, 1, 1, 0)), 0);
	/* 2027 has 365 days: July 2nd 12:00 is exactly half way */
	assert_int_equal(plan_expected(100, 2027, at(2027, 7, 2, 12)), 50);
	assert_int_equal(plan_expected(100, 2027, at(2027, 7, 2, 11)), 49); /* rounded down */
	assert_int_equal(plan_expected(100, 2027, at(2027, 12, 31, 23)), 99);
	assert_int_equal(plan_expected(100, 2027, at(2028, 1, 1, 0)), 100);
	assert_int_equal(plan_expected(100, 2027, at(2030, 6, 1, 0)), 100);
	/* 2028 is a leap year: half way is July 2nd 00:00 */
	assert_int_equal(plan_expected(100, 2028, at(2028, 7, 2, 0)), 50);
	assert_int_equal(plan_expected(100, 2028, at(2028, 7, 1, 23)), 49);
}

static void expected_bounds(void **state)
{
	(void)state;
	assert_int_equal(plan_expected(0, 2027, at(2027, 12, 1, 0)), 0);
	assert_int_equal(plan_expected(-5, 2027, at(2027, 12, 1, 0)), 0);
	assert_int_equal(plan_expected(PLAN_TARGET_MAX, 2027, at(2028, 1, 1, 0)), PLAN_TARGET_MAX);
	assert_int_equal(plan_expected(PLAN_TARGET_MAX, 2027, at(2027, 7, 2, 12)),
	                 PLAN_TARGET_MAX / 2);
	/* a target of 1: nothing is expected before the year is over */
	assert_int_equal(plan_expected(1, 2027, at(2027, 12, 31, 23)), 0);
}

static void behind_threshold(void **state)
{
	int64_t mid = at(2027, 7, 2, 12); /* 50 of 100 expected */
	(void)state;
	/* 50 % of the pace: 25 of 100 at mid-year is on the line, not behind */
	assert_false(plan_behind(25, 100, 2027, mid, 50));
	assert_true(plan_behind(24, 100, 2027, mid, 50));
	assert_false(plan_behind(100, 100, 2027, mid, 50));
	/* the threshold moves the line */
	assert_true(plan_behind(49, 100, 2027, mid, 100));
	assert_false(plan_behind(50, 100, 2027, mid, 100));
	assert_false(plan_behind(5, 100, 2027, mid, 10));
	assert_true(plan_behind(4, 100, 2027, mid, 10));
	/* a plan not started, or with no target, is never behind */
	assert_false(plan_behind(0, 100, 2028, mid, 50));
	assert_false(plan_behind(0, 0, 2027, mid, 50));
	/* a year over: judged on the whole target */
	assert_true(plan_behind(49, 100, 2026, mid, 50));
	assert_false(plan_behind(50, 100, 2026, mid, 50));
}

static void year_of(void **state)
{
	(void)state;
	assert_int_equal(plan_year_of(at(2026, 12, 31, 23) + 3599), 2026);
	assert_int_equal(plan_year_of(at(2027, 1, 1, 0)), 2027);
	assert_int_equal(plan_year_of(0), 1970);
}

static void kinds(void **state)
{
	(void)state;
	assert_true(plan_kind_allowed("ministry"));
	assert_true(plan_kind_allowed("public_establishment"));
	assert_false(plan_kind_allowed("university"));
	assert_false(plan_kind_allowed("cri"));
	assert_false(plan_kind_allowed(""));
	assert_false(plan_kind_allowed(NULL));
}

/* ---- On a database ----------------------------------------------------------------- */

struct fixture {
	char dir[64];
	struct db *db;
	struct taxonomy *tx;
	struct arena a;
};

static const char *const reference_sql[] = {
        "INSERT INTO sectors VALUES ('health', 1, 'الصحة', 'Santé', 'Health')",
        "INSERT INTO sectors VALUES ('digital', 2, 'الرقمنة', 'Numérique', 'Digital')",
        "INSERT INTO skill_domains VALUES ('it', 1, 'المعلوميات', 'Informatique', 'IT')",
        "INSERT INTO skills VALUES ('cybersecurity', 'it', 'الأمن السيبراني', 'Cybersécurité', "
        "'Cybersecurity', 'sécurité informatique')",
        "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (7, "
        "'owner@example.org', 'fr', 'active', 'x', 'x')",
        "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (8, "
        "'a@example.org', 'fr', 'active', 'x', 'x')",
        "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (9, "
        "'b@example.org', 'fr', 'active', 'x', 'x')",
        "INSERT INTO institutions (id, kind, name_ar, name_fr, name_en, created_at) VALUES (3, "
        "'ministry', 'م', 'Direction', 'Directorate', 'x')",
        "INSERT INTO institutions (id, kind, name_ar, name_fr, name_en, created_at) VALUES (4, "
        "'ministry', 'ن', 'Autre', 'Other', 'x')",
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat_plans_XXXXXX");
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

	arena_free(&f->a);
	taxonomy_free(f->tx);
	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static const char *const good[][2] = {
        {"year", "2027"},
        {"needs_target", "12"},
        {"experts_target", "0"},
        {"focal_name", "Khadija Ouazzani"},
        {"focal_title", "Cheffe de division"},
        {"focal_email", " K.Ouazzani@Example.ma "},
        {"sec_1", "digital"},
        {"skill_0", "الأمن السيبراني"},
        {"skill_4", "infosec"}, /* not a synonym here: unknown */
};

/* Reads the good form with one field changed (value NULL: removed), and
 * without skill_4 unless it is the field; returns the errors object. */
static json_t *read_with(struct fixture *f, int creating, const char *name, const char *value,
                         struct plan *p)
{
	struct kvlist form = {0};
	struct form fm;
	json_t *errors;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if ((!name || strcmp(good[i][0], name) != 0) && strcmp(good[i][0], "skill_4") != 0)
			kvlist_add(&f->a, &form, good[i][0], good[i][1]);
	if (name && value)
		kvlist_add(&f->a, &form, name, value);
	form_init(&fm);
	plan_read(f->tx, &f->a, &form, 2027, creating, p, &fm);
	errors = json_incref(fm.errors);
	json_decref(form_json(&fm));
	return errors;
}

static void form_good(void **state)
{
	struct fixture *f = *state;
	struct plan p = {0};
	json_t *errors = read_with(f, 1, NULL, NULL, &p);

	assert_int_equal(json_object_size(errors), 0);
	assert_int_equal(p.year, 2027);
	assert_int_equal(p.needs_target, 12);
	assert_int_equal(p.experts_target, 0);
	assert_string_equal(p.focal_email, "k.ouazzani@example.ma");
	assert_int_equal(p.nsectors, 1);
	assert_string_equal(p.sectors[0], "digital");
	assert_int_equal(p.nskills, 1);
	assert_string_equal(p.skills[0], "cybersecurity");
	json_decref(errors);
	/* the same skill named twice, in two languages, counts once */
	errors = read_with(f, 1, "skill_2", "Cybersecurity", &p);
	assert_int_equal(json_object_size(errors), 0);
	assert_int_equal(p.nskills, 1);
	json_decref(errors);
}

static void form_errors_by_field(void **state)
{
	struct fixture *f = *state;
	static const char *const cases[][3] = {
	        {"needs_target", "-1", "plan.error.target"},
	        {"needs_target", "100001", "plan.error.target"},
	        {"needs_target", "1.5", "plan.error.target"},
	        {"needs_target", "", "plan.error.target_required"},
	        {"experts_target", "dix", "plan.error.target"},
	        {"year", "2026", "plan.error.year_past"},
	        {"year", "2038", "plan.error.year_far"},
	        {"year", "", "plan.error.year_required"},
	        {"year", "twenty", "plan.error.year"},
	        {"focal_name", "", "plan.error.focal_required"},
	        {"focal_title", "Chef\nde division", "plan.error.text"},
	        {"focal_email", "not an address", "plan.error.email"},
	        {"sec_1", "astrology", "plan.error.sector"},
	        {"skill_4", "infosec", "plan.error.skill"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plan p = {0};
		json_t *errors = read_with(f, 1, cases[i][0], cases[i][1], &p);
		json_t *e = json_object_get(errors, cases[i][0]);
		if (!e || strcmp(json_string_value(e), cases[i][2]) != 0)
			fail_msg("%s=%s: expected %s", cases[i][0], cases[i][1], cases[i][2]);
		assert_int_equal(json_object_size(errors), 1);
		json_decref(errors);
	}
}

static void form_edit_keeps_the_year(void **state)
{
	struct fixture *f = *state;
	struct plan p = {.year = 2028};
	json_t *errors = read_with(f, 0, "year", "2030", &p);

	assert_int_equal(json_object_size(errors), 0);
	assert_int_equal(p.year, 2028);
	json_decref(errors);
	p = (struct plan){.year = 2026}; /* a past year's plan is closed */
	errors = read_with(f, 0, NULL, NULL, &p);
	assert_string_equal(json_string_value(json_object_get(errors, "year")),
	                    "plan.error.year_past");
	json_decref(errors);
}

static void one_plan_a_year_and_stale_edits(void **state)
{
	struct fixture *f = *state;
	struct plan p = {0}, q, loaded;
	json_t *errors = read_with(f, 1, NULL, NULL, &p);

	json_decref(errors);
	p.id = 100;
	p.institution_id = 3;
	assert_int_equal(plan_insert(f->db, &f->a, &p, 7, "2027-03-01T00:00:00Z"), 1);
	q = p;
	q.id = 101;
	assert_int_equal(plan_insert(f->db, &f->a, &q, 7, "2027-03-01T00:00:00Z"), 0);
	q.institution_id = 4; /* another institution, the same year: fine */
	assert_int_equal(plan_insert(f->db, &f->a, &q, 0, "2027-03-01T00:00:00Z"), 1);
	assert_int_equal(plan_load(f->db, &f->a, 100, &loaded), 1);
	assert_int_equal(loaded.version, 1);
	assert_int_equal(loaded.nskills, 1);
	loaded.needs_target = 20;
	assert_int_equal(plan_update(f->db, &f->a, &loaded, 7, "2027-03-02T00:00:00Z"), 1);
	/* the same version again: stale, nothing written */
	loaded.needs_target = 30;
	assert_int_equal(plan_update(f->db, &f->a, &loaded, 7, "2027-03-03T00:00:00Z"), 0);
	assert_int_equal(plan_load(f->db, &f->a, 100, &loaded), 1);
	assert_int_equal(loaded.version, 2);
	assert_int_equal(loaded.needs_target, 20);
	assert_int_equal(plan_load(f->db, &f->a, 999, &loaded), 0);
}

static void progress_counts(void **state)
{
	struct fixture *f = *state;
	static const char *const rows[] = {
	        /* institution 3: need 1 first published in 2027 (and again later), need 2 in
	         * 2026, need 3 never (a draft), need 4 in 2027; institution 4: need 5 in 2027 */
	        "INSERT INTO needs (id, institution_id, state, title, created_at, updated_at) "
	        "VALUES "
	        "(1, 3, 'published', 'a', 'x', 'x'), (2, 3, 'completed', 'b', 'x', 'x'), (3, 3, "
	        "'draft', 'c', 'x', 'x'), (4, 3, 'staffed', 'd', 'x', 'x'), (5, 4, 'published', "
	        "'e', 'x', 'x')",
	        "INSERT INTO need_events (id, need_id, at, from_state, to_state) VALUES "
	        "(11, 1, '2027-02-01T10:00:00Z', 'submitted', 'published'), "
	        "(12, 1, '2027-05-01T10:00:00Z', 'submitted', 'published'), "
	        "(13, 2, '2026-12-31T23:59:59Z', 'submitted', 'published'), "
	        "(14, 4, '2027-12-31T23:59:59Z', 'submitted', 'published'), "
	        "(15, 5, '2027-03-01T00:00:00Z', 'submitted', 'published')",
	        /* expert 8 delivered twice for institution 3 in 2027; expert 9 once in 2026
	         * (need 2) and once on institution 4's need; an applied engagement of 9 */
	        "INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, "
	        "updated_at, delivered_at) VALUES "
	        "(21, 1, 8, 'applied', 'delivered', 'x', 'x', '2027-04-01T00:00:00Z'), "
	        "(22, 4, 8, 'applied', 'evaluated', 'x', '2027-06-01T00:00:00Z', NULL), "
	        "(23, 2, 9, 'applied', 'delivered', 'x', 'x', '2026-11-01T00:00:00Z'), "
	        "(24, 5, 9, 'applied', 'delivered', 'x', 'x', '2027-04-01T00:00:00Z'), "
	        "(25, 1, 9, 'applied', 'applied', 'x', 'x', NULL)",
	};
	int64_t n;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(db_exec(f->db, rows[i]), DB_OK);
	assert_int_equal(plan_needs_posted(f->db, 3, 2027, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(plan_needs_posted(f->db, 3, 2026, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(plan_experts_mobilised(f->db, 3, 2027, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(plan_experts_mobilised(f->db, 3, 2026, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(plan_experts_mobilised(f->db, 4, 2027, &n), 0);
	assert_int_equal(n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(expected_across_the_year),
	        cmocka_unit_test(expected_bounds),
	        cmocka_unit_test(behind_threshold),
	        cmocka_unit_test(year_of),
	        cmocka_unit_test(kinds),
	        cmocka_unit_test_setup_teardown(form_good, setup, teardown),
	        cmocka_unit_test_setup_teardown(form_errors_by_field, setup, teardown),
	        cmocka_unit_test_setup_teardown(form_edit_keeps_the_year, setup, teardown),
	        cmocka_unit_test_setup_teardown(one_plan_a_year_and_stale_edits, setup, teardown),
	        cmocka_unit_test_setup_teardown(progress_counts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
