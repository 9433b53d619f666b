/* Tests for the working-day arithmetic of src/app/deadlines.c: weekends,
 * Morocco's fixed national holidays, applications sent on a day off, and
 * the count of whole working days between two moments. Cases are data:
 * a start, a number of working days, the expected moment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "app/clock.h"
#include "app/deadlines.h"

/* Unix seconds of a UTC date and time. */
static int64_t at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm);
}

static void test_working_days(void **state)
{
	static const struct {
		int y, m, d;
		int working;
	} days[] = {
	        {2027, 1, 15, 1},  /* Friday */
	        {2027, 1, 16, 0},  /* Saturday */
	        {2027, 1, 17, 0},  /* Sunday */
	        {2027, 1, 18, 1},  /* Monday */
	        {2027, 1, 1, 0},   /* New Year, a Friday */
	        {2027, 1, 11, 0},  /* Proclamation of Independence, a Monday */
	        {2027, 1, 14, 0},  /* Amazigh New Year, a Thursday */
	        {2028, 5, 1, 0},   /* Labour Day, a Monday */
	        {2026, 7, 30, 0},  /* Throne Day, a Thursday */
	        {2028, 8, 14, 0},  /* Oued Ed-Dahab Day, a Monday */
	        {2027, 8, 20, 0},  /* Revolution of the King and the People, a Friday */
	        {2028, 8, 21, 0},  /* Youth Day, a Monday */
	        {2026, 11, 6, 0},  /* Green March, a Friday */
	        {2027, 11, 18, 0}, /* Independence Day, a Thursday */
	        {2027, 11, 17, 1}, /* the Wednesday before */
	        {2028, 2, 29, 1},  /* a leap day, a Tuesday */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		int64_t morning = at(days[i].y, days[i].m, days[i].d, 0, 0);
		int64_t evening = at(days[i].y, days[i].m, days[i].d, 23, 59);
		if (working_day(morning) != days[i].working ||
		    working_day(evening) != days[i].working)
			fail_msg("%04d-%02d-%02d: expected %s", days[i].y, days[i].m, days[i].d,
			         days[i].working ? "a working day" : "a day off");
	}
}

static void test_working_days_after(void **state)
{
	static const struct {
		int y, m, d, h, mi; /* start */
		int n;
		int ey, em, ed, eh, emi; /* expected */
	} cases[] = {
	        /* a plain week: Friday + 1 is Monday, same time of day */
	        {2027, 1, 15, 8, 0, 0, 2027, 1, 15, 8, 0},
	        {2027, 1, 15, 8, 0, 1, 2027, 1, 18, 8, 0},
	        {2027, 1, 15, 8, 0, 3, 2027, 1, 20, 8, 0},
	        {2027, 1, 15, 8, 0, 5, 2027, 1, 22, 8, 0},
	        {2027, 1, 18, 23, 59, 5, 2027, 1, 25, 23, 59},
	        /* sent on a day off: counting starts at 00:00 of the next working day */
	        {2027, 1, 16, 10, 0, 0, 2027, 1, 18, 0, 0},
	        {2027, 1, 16, 10, 0, 1, 2027, 1, 19, 0, 0},
	        {2027, 1, 17, 23, 0, 5, 2027, 1, 25, 0, 0},
	        /* holidays are skipped */
	        {2027, 1, 8, 9, 0, 1, 2027, 1, 12, 9, 0},     /* Monday 11 January */
	        {2027, 1, 13, 9, 0, 1, 2027, 1, 15, 9, 0},    /* Thursday 14 January */
	        {2027, 1, 8, 9, 0, 5, 2027, 1, 19, 9, 0},     /* both, and a weekend */
	        {2026, 12, 31, 12, 0, 1, 2027, 1, 4, 12, 0},  /* New Year on a Friday */
	        {2027, 1, 1, 12, 0, 0, 2027, 1, 4, 0, 0},     /* sent on New Year's day */
	        {2028, 4, 28, 17, 30, 1, 2028, 5, 2, 17, 30}, /* Labour Day on a Monday */
	        {2026, 7, 29, 9, 0, 1, 2026, 7, 31, 9, 0},    /* Throne Day */
	        {2027, 8, 19, 9, 0, 1, 2027, 8, 23, 9, 0},    /* 20 August, a Friday */
	        {2028, 8, 11, 9, 0, 1, 2028, 8, 15, 9, 0},    /* 14 August, a Monday */
	        {2028, 8, 18, 9, 0, 1, 2028, 8, 22, 9, 0},    /* 21 August, a Monday */
	        {2027, 11, 17, 9, 0, 1, 2027, 11, 19, 9, 0},  /* 18 November */
	        {2026, 11, 5, 9, 0, 1, 2026, 11, 9, 9, 0},    /* 6 November, a Friday */
	        /* across a month and a year */
	        {2027, 12, 30, 9, 0, 3, 2028, 1, 4, 9, 0},
	        {2028, 2, 28, 9, 0, 1, 2028, 2, 29, 9, 0},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = working_days_after(
		        at(cases[i].y, cases[i].m, cases[i].d, cases[i].h, cases[i].mi),
		        cases[i].n);
		int64_t want = at(cases[i].ey, cases[i].em, cases[i].ed, cases[i].eh, cases[i].emi);
		if (got != want)
			fail_msg("case %zu: %04d-%02d-%02d %02d:%02d + %d working days: got %lld, "
			         "want %lld",
			         i, cases[i].y, cases[i].m, cases[i].d, cases[i].h, cases[i].mi,
			         cases[i].n, (long long)got, (long long)want);
	}
}

static void test_working_days_between(void **state)
{
	int64_t friday = at(2027, 1, 15, 8, 0);
	(void)state;

	assert_int_equal(working_days_between(friday, friday), 0);
	assert_int_equal(working_days_between(friday, friday - 1), 0);
	assert_int_equal(working_days_between(friday, at(2027, 1, 18, 7, 59)), 0);
	assert_int_equal(working_days_between(friday, at(2027, 1, 18, 8, 0)), 1);
	assert_int_equal(working_days_between(friday, at(2027, 1, 22, 7, 59)), 4);
	assert_int_equal(working_days_between(friday, at(2027, 1, 22, 8, 0)), 5);
	/* holidays: from Friday 8 to Monday 18 January, four working days
	 * (12, 13, 15 and 18; 11 and 14 are holidays) */
	assert_int_equal(working_days_between(at(2027, 1, 8, 9, 0), at(2027, 1, 18, 9, 0)), 4);
	/* consistent with working_days_after for every n */
	for (int n = 0; n < 30; n++)
		assert_int_equal(working_days_between(friday, working_days_after(friday, n)), n);
}

/* A year has 52 weeks of 5 days, minus the holidays that fall on a week day. */
static void test_year_count(void **state)
{
	int64_t start = at(2027, 1, 1, 0, 0), end = at(2028, 1, 1, 0, 0);
	int count = 0;
	(void)state;

	for (int64_t t = start; t < end; t += 86400)
		count += working_day(t);
	/* 2027: 261 week days; holidays on week days: 1 Jan (Fri), 11 Jan (Mon),
	 * 14 Jan (Thu), 30 Jul (Fri), 20 Aug (Fri), 18 Nov (Thu); 1 May, 14 Aug,
	 * 21 Aug and 6 Nov fall on Saturdays. */
	assert_int_equal(count, 261 - 6);
}

/* The hourly jobs' schedule (freshness, engagements, the files sweep). */
static void test_clock_due(void **state)
{
	int64_t last = 0;

	(void)state;
	assert_int_equal(clock_due(1000, &last, 3600), 1); /* never ran */
	assert_int_equal(last, 1000);
	assert_int_equal(clock_due(4599, &last, 3600), 0);
	assert_int_equal(last, 1000);
	assert_int_equal(clock_due(4600, &last, 3600), 1);
	assert_int_equal(last, 4600);
	assert_int_equal(clock_due(4000, &last, 3600), 1); /* the clock went back */
	assert_int_equal(last, 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_working_days),
	        cmocka_unit_test(test_working_days_after),
	        cmocka_unit_test(test_working_days_between),
	        cmocka_unit_test(test_year_count),
	        cmocka_unit_test(test_clock_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
