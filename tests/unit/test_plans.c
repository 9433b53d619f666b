/* Unit tests for app/plans.c's pure functions: the expected share of a
 * target at a moment of the year (before, at the start, in the middle, at
 * the last second, after; a leap year; rounding down), the "behind"
 * threshold on its boundary, the calendar year of a moment, and the
 * institution kinds that declare plans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "app/plans.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(expected_across_the_year),
	        cmocka_unit_test(expected_bounds),
	        cmocka_unit_test(behind_threshold),
	        cmocka_unit_test(year_of),
	        cmocka_unit_test(kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
