/* Unit tests for app/projects.c: the MDM Invest pre-check on the boundary
 * values of every rule (a threshold met exactly, one unit short, one
 * over), the choice of the rule in force by its date, the estimated
 * grant and its cap; the dossier pipeline table against the pipeline
 * written out again here; amounts typed with spaces. */
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
#include "app/data.h"
#include "app/projects.h"
#include "db/db.h"
#include "db/migrations.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The rules of data/mdm_invest.tsv as shipped, and a later change. */
static const struct mdm_rule rules[] = {
        {MDM_MIN_INVESTMENT, 1000000, "2009-01-01"},   {MDM_MIN_EQUITY, 25, "2009-01-01"},
        {MDM_SUBSIDY_RATE, 10, "2009-01-01"},          {MDM_SUBSIDY_CAP, 5000000, "2009-01-01"},
        {MDM_MAX_INVESTMENT, 200000000, "2030-01-01"}, {MDM_MIN_INVESTMENT, 500000, "2030-01-01"},
};

static struct mdm_result check(const char *day, int64_t investment, int equity)
{
	struct mdm_result r;

	project_precheck(rules, N(rules), day, investment, equity, &r);
	return r;
}

static void min_investment_boundary(void **state)
{
	(void)state;
	struct mdm_result r = check("2026-11-29", 1000000, 25);
	assert_true(r.rules[MDM_MIN_INVESTMENT].in_force);
	assert_true(r.rules[MDM_MIN_INVESTMENT].met);
	assert_true(r.eligible);
	r = check("2026-11-29", 999999, 25);
	assert_false(r.rules[MDM_MIN_INVESTMENT].met);
	assert_true(r.rules[MDM_MIN_EQUITY].met);
	assert_false(r.eligible);
	assert_int_equal(r.subsidy, 0);
	r = check("2026-11-29", 1000001, 25);
	assert_true(r.eligible);
}

static void min_equity_boundary(void **state)
{
	(void)state;
	struct mdm_result r = check("2026-11-29", 2000000, 25);
	assert_true(r.rules[MDM_MIN_EQUITY].met);
	assert_true(r.eligible);
	r = check("2026-11-29", 2000000, 24);
	assert_false(r.rules[MDM_MIN_EQUITY].met);
	assert_false(r.eligible);
	r = check("2026-11-29", 2000000, 100);
	assert_true(r.eligible);
	r = check("2026-11-29", 2000000, 0);
	assert_false(r.eligible);
}

static void subsidy_rate_and_cap_boundary(void **state)
{
	(void)state;
	/* 10 % of 50 000 000 is the cap exactly; one dirham more stays at the cap */
	assert_int_equal(check("2026-11-29", 50000000, 30).subsidy, 5000000);
	assert_int_equal(check("2026-11-29", 50000001, 30).subsidy, 5000000);
	assert_int_equal(check("2026-11-29", 49999999, 30).subsidy, 4999999);
	assert_int_equal(check("2026-11-29", 1000000, 25).subsidy, 100000);
	assert_int_equal(check("2026-11-29", 1234567, 25).subsidy, 123456); /* rounded down */
	assert_int_equal(check("2026-11-29", 10000000000LL, 30).subsidy, 5000000);
	assert_false(check("2026-11-29", 1000000, 25).rules[MDM_SUBSIDY_RATE].condition);
}

static void rules_by_date(void **state)
{
	(void)state;
	/* the 2030 rules: the day before, the day itself */
	struct mdm_result r = check("2029-12-31", 600000, 30);
	assert_false(r.rules[MDM_MAX_INVESTMENT].in_force);
	assert_int_equal(r.rules[MDM_MIN_INVESTMENT].amount, 1000000);
	assert_false(r.eligible);
	r = check("2030-01-01", 600000, 30);
	assert_int_equal(r.rules[MDM_MIN_INVESTMENT].amount, 500000);
	assert_string_equal(r.rules[MDM_MIN_INVESTMENT].valid_from, "2030-01-01");
	assert_true(r.eligible);
	assert_int_equal(r.subsidy, 60000);
	/* max_investment: equal passes, one over fails */
	assert_true(check("2030-01-01", 200000000, 30).eligible);
	assert_false(check("2030-01-01", 200000001, 30).eligible);
	/* before any rule: nothing in force, nothing eligible */
	r = check("2008-12-31", 2000000, 50);
	assert_false(r.rules[MDM_MIN_INVESTMENT].in_force);
	assert_false(r.eligible);
	assert_int_equal(r.subsidy, 0);
}

static void order_of_rules_does_not_matter(void **state)
{
	(void)state;
	struct mdm_rule rev[N(rules)];
	struct mdm_result a, b;

	for (size_t i = 0; i < N(rules); i++)
		rev[i] = rules[N(rules) - 1 - i];
	project_precheck(rules, N(rules), "2031-05-05", 700000, 40, &a);
	project_precheck(rev, N(rev), "2031-05-05", 700000, 40, &b);
	assert_int_equal(a.eligible, b.eligible);
	assert_int_equal(a.subsidy, b.subsidy);
	assert_int_equal(a.rules[MDM_MIN_INVESTMENT].amount, b.rules[MDM_MIN_INVESTMENT].amount);
}

static void no_rate_no_grant(void **state)
{
	(void)state;
	const struct mdm_rule only[] = {{MDM_MIN_EQUITY, 25, "2009-01-01"}};
	struct mdm_result r;

	project_precheck(only, N(only), "2026-01-01", 3000000, 30, &r);
	assert_true(r.eligible);
	assert_int_equal(r.subsidy, 0);
	project_precheck(NULL, 0, "2026-01-01", 3000000, 30, &r);
	assert_false(r.eligible);
}

/* ---- The pipeline ------------------------------------------------------------------- */

#define STAFF (PROJ_ADVISOR | PROJ_ADMIN)
static const struct {
	const char *action, *from, *to;
	unsigned actors;
} moves[] = {
        {"qualify", "submitted", "qualified", STAFF},
        {"orient", "qualified", "oriented", STAFF},
        {"accompany", "oriented", "accompanied", STAFF},
        {"realise", "accompanied", "realised", STAFF},
        {"hold", "submitted", "on_hold", STAFF},
        {"hold", "qualified", "on_hold", STAFF},
        {"hold", "oriented", "on_hold", STAFF},
        {"hold", "accompanied", "on_hold", STAFF},
        {"abandon", "submitted", "abandoned", STAFF | PROJ_HOLDER},
        {"abandon", "qualified", "abandoned", STAFF | PROJ_HOLDER},
        {"abandon", "oriented", "abandoned", STAFF | PROJ_HOLDER},
        {"abandon", "accompanied", "abandoned", STAFF | PROJ_HOLDER},
        {"abandon", "on_hold", "abandoned", STAFF | PROJ_HOLDER},
        {"message", "submitted", "submitted", STAFF},
        {"message", "qualified", "qualified", STAFF},
        {"message", "oriented", "oriented", STAFF},
        {"message", "accompanied", "accompanied", STAFF},
        {"message", "on_hold", "on_hold", STAFF},
        {"resume", "on_hold", "oriented", STAFF}, /* held from oriented, below */
};

static int allowed(int a, int s, unsigned actor)
{
	for (size_t i = 0; i < N(moves); i++)
		if (project_action_parse(moves[i].action) == a &&
		    project_state_parse(moves[i].from) == s && (moves[i].actors & actor))
			return 1;
	return 0;
}

static void pipeline_table(void **state)
{
	(void)state;
	const unsigned actors[] = {PROJ_HOLDER, PROJ_ADVISOR, PROJ_ADMIN, PROJ_SYSTEM};

	for (size_t i = 0; i < N(moves); i++) {
		int a = project_action_parse(moves[i].action),
		    s = project_state_parse(moves[i].from);
		assert_true(a >= 0 && s >= 0);
		assert_int_equal(
		        project_target((enum project_action)a, (enum project_state)s, PS_ORIENTED),
		        project_state_parse(moves[i].to));
	}
	for (int a = 0; a < PROJECT_ACTIONS; a++)
		for (int s = 0; s < PROJECT_STATES; s++)
			for (size_t k = 0; k < N(actors); k++)
				if (project_can((enum project_action)a, (enum project_state)s,
				                actors[k]) != allowed(a, s, actors[k]))
					fail_msg("%s from %s by %u", project_transitions[a].name,
					         project_state_name((enum project_state)s),
					         actors[k]);
	assert_true(project_final(PS_REALISED) && project_final(PS_ABANDONED));
	assert_false(project_final(PS_ON_HOLD));
	assert_true(project_reason_ok(PA_HOLD, "missing_documents"));
	assert_false(project_reason_ok(PA_HOLD, "not_viable"));
	assert_true(project_reason_ok(PA_ABANDON, "other"));
	assert_false(project_reason_ok(PA_QUALIFY, "other"));
	assert_true(project_transitions[PA_ACCOMPANY].needs & PROJ_NEEDS_MENTOR);
	assert_true(project_transitions[PA_REALISE].needs & PROJ_NEEDS_FIGURES);
	assert_true(project_transitions[PA_MESSAGE].needs & PROJ_NEEDS_NOTE);
	/* every open stage but on hold has a service deadline; final ones none */
	assert_true(project_due_days[PS_SUBMITTED] > 0 && project_due_days[PS_ACCOMPANIED] > 0);
	assert_int_equal(project_due_days[PS_REALISED], 0);
	assert_int_equal(project_due_days[PS_ON_HOLD], 0);
}

static void amounts(void **state)
{
	(void)state;
	int64_t v;

	assert_int_equal(project_parse_amount("1 500 000", &v), 0);
	assert_int_equal(v, 1500000);
	assert_int_equal(project_parse_amount("1\xc2\xa0"
	                                      "000",
	                                      &v),
	                 0);
	assert_int_equal(v, 1000);
	assert_int_equal(project_parse_amount("-5", &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(project_parse_amount("1,5", &v), -1);
	assert_int_equal(project_parse_amount("12abc", &v), -1);
	assert_int_equal(project_parse_amount("   ", &v), -1);
	assert_int_equal(project_parse_amount("99999999999999999999999", &v), -1);
}

/* ---- Storage: the shipped rules, and the demo dossiers ------------------------------- */

static void shipped_rules_and_demo(void **state)
{
	(void)state;
	char dir[] = "/tmp/kafaat-test-projects-XXXXXX", path[128], err[512];
	struct db *db = NULL;
	struct app app = {0}; /* no configuration: ids from the system clock */
	struct arena a = ARENA_INIT;
	struct mdm_rule *loaded;
	struct mdm_result r;
	size_t n;
	int64_t count;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/test.db", dir);
	if (db_open(path, &db, err, sizeof(err)) < 0 || migrate_run(db, err, sizeof(err)) < 0 ||
	    data_sync_reference(db, "data", err, sizeof(err)) < 0)
		fail_msg("setup: %s", err);
	assert_int_equal(project_rules_load(db, &a, &loaded, &n), 0);
	assert_int_equal(n, 4);
	project_precheck(loaded, n, "2027-01-15", 1000000, 25, &r);
	assert_true(r.eligible);
	assert_int_equal(r.subsidy, 100000);
	assert_int_equal(db_query_int(db, "SELECT COUNT(*) FROM cri", 0, NULL, &count), DB_OK);
	assert_int_equal(count, 12);
	/* the demo: three dossiers in three languages, once */
	assert_true(projects_demo_load(&app, db, 1800000000, err, sizeof(err)) > 0);
	assert_int_equal(db_query_int(db, "SELECT COUNT(*) FROM projects", 0, NULL, &count), DB_OK);
	assert_int_equal(count, 3);
	assert_int_equal(db_query_int(db,
	                              "SELECT COUNT(*) FROM projects WHERE state IN ('submitted', "
	                              "'qualified', 'oriented')",
	                              0, NULL, &count),
	                 DB_OK);
	assert_int_equal(count, 3);
	assert_int_equal(projects_demo_load(&app, db, 1800000000, err, sizeof(err)), 0);
	arena_free(&a);
	db_close(db);
	for (const char *const *suffix = (const char *const[]){"", "-wal", "-shm", NULL}; *suffix;
	     suffix++) {
		snprintf(path, sizeof(path), "%s/test.db%s", dir, *suffix);
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(min_investment_boundary),
	        cmocka_unit_test(min_equity_boundary),
	        cmocka_unit_test(subsidy_rate_and_cap_boundary),
	        cmocka_unit_test(rules_by_date),
	        cmocka_unit_test(order_of_rules_does_not_matter),
	        cmocka_unit_test(no_rate_no_grant),
	        cmocka_unit_test(pipeline_table),
	        cmocka_unit_test(amounts),
	        cmocka_unit_test(shipped_rules_and_demo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
