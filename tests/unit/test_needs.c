/* Unit tests for app/needs.c (reading and checking the need form, what
 * submission requires, storing, loading and moving needs) and the
 * institution figures of app/institutions.c (answer rate, median response
 * time), on a fresh migrated SQLite database with a small taxonomy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/institutions.h"
#include "app/needs.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "db/db.h"
#include "db/migrations.h"

#define NOW 1800000000 /* 2027-01-15T08:00:00Z */
#define TODAY "2027-01-15"
#define NOW_ISO "2027-01-15T08:00:00Z"

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
        "'Cybersecurity', 'sécurité informatique|infosec')",
        "INSERT INTO skills VALUES ('cloud-computing', 'it', 'الحوسبة السحابية', 'Cloud "
        "computing', "
        "'Cloud computing', '')",
        "INSERT INTO languages VALUES ('fr', 'الفرنسية', 'français', 'French')",
        "INSERT INTO languages VALUES ('ar', 'العربية', 'arabe', 'Arabic')",
        "INSERT INTO regions VALUES ('MA-06', 6, 'الدار البيضاء سطات', 'Casablanca-Settat', "
        "'Casablanca-Settat')",
        "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (7, "
        "'officer@example.org', 'fr', 'active', 'x', 'x')",
        "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (8, "
        "'expert@example.org', 'fr', 'active', 'x', 'x')",
        "INSERT INTO institutions (id, name_ar, name_fr, name_en, created_at, verified_at) VALUES "
        "(3, 'م', 'Direction', 'Directorate', 'x', 'x')",
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat_needs_XXXXXX");
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

/* A complete form: skills and languages typed in three languages. */
static const char *const complete[][2] = {
        {"title", "  Audit de sécurité  "},
        {"description", "Auditer le portail.\nProposer un plan."},
        {"sector", "digital"},
        {"mode", "ponctuelle"},
        {"presence", "hybrid"},
        {"region", "Casablanca-Settat"},
        {"city", "Casablanca"},
        {"dates", "window"},
        {"start", "2027-02-01"},
        {"end", "2027-05-31"},
        {"effort_days", "10"},
        {"hours", "99"}, /* not for a one-off mission: ignored */
        {"experts", "2"},
        {"pay", "paid"},
        {"travel", "1"},
        {"cp_name", "Nadia"},
        {"cp_role", "Cheffe"},
        {"cp_email", " Nadia@Example.org "},
        {"ready_counterpart", "1"},
        {"ready_resources", "1"},
        {"ready_approval", "1"},
        {"skill_0_name", "الأمن السيبراني"},
        {"skill_0_level", "must-4"},
        {"skill_3_name", "cloud computing"},
        {"skill_3_level", "nice-2"},
        {"lang_0_code", "French"},
        {"lang_0_level", "B2"},
        {"lang_2_code", "العربية"},
        {"lang_2_level", "C1"},
};

/* Reads the complete form with one field changed (value NULL: removed). */
static void read_with(struct fixture *f, const char *name, const char *value, struct need *n,
                      struct need_issues *is)
{
	struct kvlist form = {0};

	for (size_t i = 0; i < sizeof(complete) / sizeof(complete[0]); i++)
		if (!name || strcmp(complete[i][0], name) != 0)
			kvlist_add(&f->a, &form, complete[i][0], complete[i][1]);
	if (name && value)
		kvlist_add(&f->a, &form, name, value);
	*n = (struct need){0};
	*is = (struct need_issues){.count = 0};
	need_read(f->tx, &f->a, &form, TODAY, n, is);
}

static const struct need_issue *issue_on(const struct need_issues *is, const char *field)
{
	for (int i = 0; i < is->count; i++)
		if (strcmp(is->items[i].field, field) == 0)
			return &is->items[i];
	return NULL;
}

static void reads_a_complete_form(void **state)
{
	struct fixture *f = *state;
	struct need n;
	struct need_issues is;

	read_with(f, NULL, NULL, &n, &is);
	assert_int_equal(is.count, 0);
	assert_string_equal(n.title, "Audit de sécurité");
	assert_string_equal(n.sector, "digital");
	assert_string_equal(n.region, "MA-06");
	assert_true(n.flexible);
	assert_string_equal(n.start, "2027-02-01");
	assert_int_equal(n.effort_days, 10);
	assert_int_equal(n.hours_per_month, 0);
	assert_int_equal(n.experts, 2);
	assert_true(n.covers_travel && !n.covers_stay);
	assert_string_equal(n.cp_email, "nadia@example.org");
	assert_int_equal(n.nskills, 2);
	assert_string_equal(n.skills[0].id, "cybersecurity");
	assert_true(n.skills[0].required);
	assert_int_equal(n.skills[0].min_level, 4);
	assert_string_equal(n.skills[1].id, "cloud-computing");
	assert_false(n.skills[1].required);
	assert_int_equal(n.nlanguages, 2);
	assert_string_equal(n.languages[1].code, "ar");
	assert_string_equal(n.languages[1].level, "C1");
	need_check_submit(&n, TODAY, 1, &is);
	assert_int_equal(is.count, 0);
}

/* Each bad value: the field, its key, and what the message names. */
static const struct {
	const char *name, *value, *field, *key, *arg;
} bad[] = {
        {"title", "", "title", "need.error.title_required", NULL},
        {"title", "a\001b", "title", "need.error.text_invalid", NULL},
        {"start", "2027-01-14", "start", "need.error.date_past", NULL},
        {"start", "2027-02-30", "start", "need.error.date_invalid", "2027-02-30"},
        {"start", "15/02/2027", "start", "need.error.date_invalid", "15/02/2027"},
        {"start", "", "start", "need.error.start_required", NULL},
        {"end", "2027-01-31", "end", "need.error.end_before_start", NULL},
        {"end", "", "end", "need.error.end_required", NULL},
        {"effort_days", "0", "effort_days", "need.error.effort_days_range", NULL},
        {"effort_days", "366", "effort_days", "need.error.effort_days_range", NULL},
        {"effort_days", "dix", "effort_days", "need.error.not_a_number", "dix"},
        {"experts", "0", "experts", "need.error.experts_range", NULL},
        {"experts", "", "experts", "need.error.experts_range", NULL},
        {"sector", "astrology", "sector", "need.error.unknown_sector", "astrology"},
        {"region", "Atlantide", "region", "need.error.unknown_region", "Atlantide"},
        {"mode", "sometimes", "mode", "need.error.choose", NULL},
        {"presence", "moon", "presence", "need.error.choose", NULL},
        {"dates", "soon", "dates", "need.error.choose", NULL},
        {"pay", "free", "pay", "need.error.choose", NULL},
        {"cp_email", "nadia", "cp_email", "need.error.email_invalid", "nadia"},
        {"skill_0_name", "Jonglage", "skill_0_name", "need.error.unknown_skill", "Jonglage"},
        {"skill_3_level", "must-6", "skill_3_level", "need.error.skill_level_required",
         "cloud computing"},
        {"skill_3_level", "", "skill_3_level", "need.error.skill_level_required",
         "cloud computing"},
        {"lang_0_code", "klingon", "lang_0_code", "need.error.unknown_language", "klingon"},
        {"lang_0_level", "D1", "lang_0_level", "need.error.cefr_required", "French"},
        {"lang_2_code", "francais", "lang_2_code", "need.error.language_repeated", "francais"},
};

static void refuses_bad_values(void **state)
{
	struct fixture *f = *state;
	struct need n;
	struct need_issues is;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct need_issue *it;
		read_with(f, bad[i].name, bad[i].value, &n, &is);
		it = issue_on(&is, bad[i].field);
		if (!it)
			fail_msg("%s=%s: no issue on %s", bad[i].name, bad[i].value, bad[i].field);
		assert_string_equal(it->key, bad[i].key);
		if (bad[i].arg)
			assert_string_equal(it->arg, bad[i].arg);
		else
			assert_null(it->arg);
	}
	/* the same skill twice, named in another language: the later row is refused */
	read_with(f, "skill_3_name", "Cybersécurité", &n, &is);
	assert_string_equal(issue_on(&is, "skill_3_name")->key, "need.error.skill_repeated");
	assert_string_equal(issue_on(&is, "skill_3_name")->arg, "Cybersécurité");
}

static void checks_what_submission_requires(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *name, *value, *field, *key;
	} missing[] = {
	        {"description", "", "description", "need.error.description_required"},
	        {"sector", "", "sector", "need.error.sector_required"},
	        {"region", "", "region", "need.error.region_required"},
	        {"effort_days", "", "effort_days", "need.error.effort_required"},
	        {"cp_name", "", "cp_name", "need.error.counterpart_required"},
	        {"cp_email", "", "cp_email", "need.error.counterpart_email_required"},
	        {"ready_counterpart", NULL, "ready_counterpart", "need.error.ready_counterpart"},
	        {"ready_resources", NULL, "ready_resources", "need.error.ready_resources"},
	        {"ready_approval", NULL, "ready_approval", "need.error.ready_approval"},
	};
	struct need n;
	struct need_issues is;

	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		read_with(f, missing[i].name, missing[i].value, &n, &is);
		assert_int_equal(is.count, 0); /* a draft may be incomplete */
		need_check_submit(&n, TODAY, 1, &is);
		assert_non_null(issue_on(&is, missing[i].field));
		assert_string_equal(issue_on(&is, missing[i].field)->key, missing[i].key);
	}
	read_with(f, NULL, NULL, &n, &is);
	n.nskills = 0;
	need_check_submit(&n, TODAY, 1, &is);
	assert_string_equal(issue_on(&is, "skill_0_name")->key, "need.error.skills_required");
	read_with(f, NULL, NULL, &n, &is);
	need_check_submit(&n, TODAY, 0, &is);
	assert_string_equal(issue_on(&is, "then")->key, "need.error.unverified");
	/* a draft saved earlier whose dates have passed since */
	read_with(f, NULL, NULL, &n, &is);
	need_check_submit(&n, "2027-03-01", 1, &is);
	assert_string_equal(issue_on(&is, "start")->key, "need.error.date_past");
	assert_null(issue_on(&is, "end"));
	/* remote: no region needed; continue: hours, not days */
	read_with(f, "presence", "remote", &n, &is);
	n.region = NULL;
	n.mode = "continue";
	n.hours_per_month = 8;
	n.effort_days = 0;
	need_check_submit(&n, TODAY, 1, &is);
	assert_int_equal(is.count, 0);
}

static void dates(void **state)
{
	(void)state;
	assert_true(need_date_valid("2028-02-29"));
	assert_false(need_date_valid("2027-02-29"));
	assert_false(need_date_valid("2100-02-29"));
	assert_true(need_date_valid("2000-02-29"));
	assert_false(need_date_valid("2027-04-31"));
	assert_false(need_date_valid("2027-13-01"));
	assert_false(need_date_valid("2027-1-01"));
	assert_false(need_date_valid("2027-01-01T00"));
	assert_false(need_date_valid(""));
	assert_false(need_date_valid(NULL));
}

static void stores_loads_and_moves(void **state)
{
	struct fixture *f = *state;
	struct need n, back, child;
	struct need_issues is;

	read_with(f, NULL, NULL, &n, &is);
	n.id = 100;
	n.institution_id = 3;
	assert_int_equal(need_insert(f->db, &f->a, &n, 7, NOW_ISO, 1000), 0);
	assert_int_equal(need_load(f->db, &f->a, 100, &back), 1);
	assert_int_equal(back.state, NEED_DRAFT);
	assert_string_equal(back.title, n.title);
	assert_string_equal(back.region, "MA-06");
	assert_string_equal(back.sector, "digital");
	assert_int_equal(back.nskills, 2);
	assert_string_equal(back.skills[0].id, "cybersecurity"); /* must-haves first */
	assert_int_equal(back.nlanguages, 2);
	assert_int_equal(need_load(f->db, &f->a, 101, &back), 0);

	/* editing keeps it a draft; the lists are replaced */
	n.nskills = 1;
	n.title = "Audit";
	assert_int_equal(need_update(f->db, &f->a, &n, NOW_ISO), 1);
	assert_int_equal(need_load(f->db, &f->a, 100, &back), 1);
	assert_int_equal(back.nskills, 1);
	assert_string_equal(back.title, "Audit");

	/* moves follow the table, conditional on the state read */
	assert_int_equal(need_move(f->db, &f->a, &back, NA_PUBLISH, 7, "", "", NOW_ISO, 1001), 0);
	assert_int_equal(need_move(f->db, &f->a, &back, NA_SUBMIT, 7, "", "", NOW_ISO, 1002), 1);
	assert_int_equal(back.state, NEED_SUBMITTED);
	struct need stale;
	assert_int_equal(need_load(f->db, &f->a, 100, &stale), 1);
	assert_int_equal(
	        need_move(f->db, &f->a, &back, NA_RETURN, 7, "", "Précisez.", NOW_ISO, 1003), 1);
	assert_int_equal(need_move(f->db, &f->a, &stale, NA_PUBLISH, 7, "", "", NOW_ISO, 1004), 0);
	assert_int_equal(need_update(f->db, &f->a, &n, NOW_ISO), 1); /* a draft again */
	assert_int_equal(need_load(f->db, &f->a, 100, &back), 1);
	assert_string_equal(back.note, "Précisez.");
	assert_int_equal(need_move(f->db, &f->a, &back, NA_SUBMIT, 7, "", "", NOW_ISO, 1005), 1);
	assert_int_equal(need_move(f->db, &f->a, &back, NA_PUBLISH, 7, "", "", NOW_ISO, 1006), 1);
	assert_int_equal(need_update(f->db, &f->a, &n, NOW_ISO), 0); /* no longer a draft */
	assert_int_equal(need_confirmed_experts(f->db, &f->a, 100), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO engagements (id, need_id, expert_id, origin, "
	                                "state, created_at, updated_at) VALUES (1, 100, 8, "
	                                "'applied', 'confirmed', 'x', 'x')"),
	                 DB_OK);
	assert_int_equal(need_confirmed_experts(f->db, &f->a, 100), 1);
	assert_int_equal(need_move(f->db, &f->a, &back, NA_CANCEL, 7, "no_budget",
	                           "Plus de budget.", NOW_ISO, 1007),
	                 1);
	assert_int_equal(need_load(f->db, &f->a, 100, &back), 1);
	assert_int_equal(back.state, NEED_CANCELLED);
	assert_string_equal(back.reason, "no_budget");
	assert_string_equal(back.closed_at, NOW_ISO);
	assert_string_equal(back.published_at, NOW_ISO);
	int64_t events;
	assert_int_equal(db_query_int(f->db, "SELECT COUNT(*) FROM need_events WHERE need_id = 100",
	                              0, NULL, &events),
	                 DB_OK);
	assert_int_equal(events, 6); /* created, submit, return, submit, publish, cancel */

	/* repeated: a new draft with the same content, no dates, the checklist to confirm */
	need_repeat(&back, &child);
	child.id = 200;
	assert_int_equal(need_insert(f->db, &f->a, &child, 7, NOW_ISO, 2000), 0);
	assert_int_equal(need_load(f->db, &f->a, 200, &child), 1);
	assert_int_equal(child.parent_id, 100);
	assert_int_equal(child.state, NEED_DRAFT);
	assert_null(child.start);
	assert_false(child.ready_counterpart || child.ready_resources || child.ready_approval);
	assert_string_equal(child.title, "Audit");
	assert_int_equal(child.nskills, 1);
	assert_string_equal(child.reason, "");
}

static void form_values_show_labels(void **state)
{
	struct fixture *f = *state;
	struct need n;
	struct need_issues is;
	json_t *v;

	read_with(f, NULL, NULL, &n, &is);
	v = need_form_values(&n, f->tx, LANG_FR, &f->a);
	assert_string_equal(json_string_value(json_object_get(v, "skill_0_name")), "Cybersécurité");
	assert_string_equal(json_string_value(json_object_get(v, "skill_1_level")), "nice-2");
	assert_string_equal(json_string_value(json_object_get(v, "lang_1_code")), "arabe");
	assert_string_equal(json_string_value(json_object_get(v, "dates")), "window");
	assert_string_equal(json_string_value(json_object_get(v, "hours")), "");
	json_decref(v);
}

static void institution_figures_follow_their_definition(void **state)
{
	struct fixture *f = *state;
	struct institution_figures fig;
	int64_t v[] = {5, 1, 3, 2};
	static const char *const rows[] = {
	        "INSERT INTO needs (id, institution_id, title, created_at, updated_at) VALUES "
	        "(300, 3, "
	        "'t', 'x', 'x')",
	        "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (20, "
	        "'e20@example.org', 'fr', 'active', 'x', 'x'), (21, 'e21@example.org', 'fr', "
	        "'active', "
	        "'x', 'x'), (22, 'e22@example.org', 'fr', 'active', 'x', 'x'), (23, "
	        "'e23@example.org', 'fr', 'active', 'x', 'x'), (24, 'e24@example.org', 'fr', "
	        "'active', 'x', 'x'), (25, 'e25@example.org', 'fr', 'active', 'x', 'x')",
	        /* answered in 2 h, 10 h, 30 h (the institution's officer, user 7) */
	        "INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, "
	        "updated_at, waiting_since) VALUES (10, 300, 20, 'applied', 'shortlisted', "
	        "'2027-01-04T08:00:00Z', 'x', NULL), (11, 300, 21, 'applied', 'refused', "
	        "'2027-01-04T08:00:00Z', 'x', NULL), (12, 300, 22, 'applied', 'accepted', "
	        "'2027-01-04T08:00:00Z', 'x', NULL)",
	        "INSERT INTO engagement_events (id, engagement_id, at, actor_id, from_state, "
	        "to_state) "
	        "VALUES (110, 10, '2027-01-04T10:00:00Z', 7, 'applied', 'shortlisted'), (111, 11, "
	        "'2027-01-04T18:00:00Z', 7, 'applied', 'refused'), (112, 12, "
	        "'2027-01-05T14:00:00Z', "
	        "7, 'applied', 'shortlisted'), (113, 12, '2027-01-06T14:00:00Z', 7, 'shortlisted', "
	        "'accepted')",
	        /* closed by the deadline; waiting past it; waiting within it; withdrawn */
	        "INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, "
	        "updated_at, waiting_since) VALUES (13, 300, 23, 'applied', 'no_answer', "
	        "'2027-01-04T08:00:00Z', 'x', NULL), (14, 300, 24, 'applied', 'applied', "
	        "'2027-01-04T08:00:00Z', 'x', '2027-01-04T08:00:00Z'), (15, 300, 25, 'applied', "
	        "'applied', '2027-01-14T08:00:00Z', 'x', '2027-01-14T08:00:00Z')",
	        "INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, "
	        "updated_at) VALUES (16, 300, 8, 'applied', 'withdrawn', '2027-01-04T08:00:00Z', "
	        "'x')",
	        "INSERT INTO engagement_events (id, engagement_id, at, actor_id, from_state, "
	        "to_state) "
	        "VALUES (116, 16, '2027-01-04T09:00:00Z', 8, 'applied', 'withdrawn')",
	};

	assert_int_equal(institution_median(v, 4), 2); /* (2 + 3) / 2 */
	assert_int_equal(institution_median(v, 3), 2); /* sorted by the call above: 1 2 3 */
	assert_int_equal(institution_median(v, 0), 0);
	assert_int_equal(institution_figures(f->db, &f->a, 3, NOW, 5, &fig), 0);
	assert_int_equal(fig.applications, 0);
	assert_false(fig.rate_known || fig.median_known);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(db_exec(f->db, rows[i]), DB_OK);
	assert_int_equal(institution_figures(f->db, &f->a, 3, NOW, 5, &fig), 0);
	assert_int_equal(fig.applications, 7);
	assert_int_equal(fig.answered, 3);
	assert_int_equal(fig.no_answer, 1);
	assert_int_equal(fig.overdue, 1); /* 4 Jan + 5 working days = 11 Jan, before 15 Jan */
	assert_true(fig.rate_known);
	assert_int_equal(fig.rate, 60);
	assert_true(fig.median_known);
	assert_int_equal(fig.median, 10 * 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(reads_a_complete_form, setup, teardown),
	        cmocka_unit_test_setup_teardown(refuses_bad_values, setup, teardown),
	        cmocka_unit_test_setup_teardown(checks_what_submission_requires, setup, teardown),
	        cmocka_unit_test(dates),
	        cmocka_unit_test_setup_teardown(stores_loads_and_moves, setup, teardown),
	        cmocka_unit_test_setup_teardown(form_values_show_labels, setup, teardown),
	        cmocka_unit_test_setup_teardown(institution_figures_follow_their_definition, setup,
	                                        teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
