/* Unit tests for core/tz: TZif files from tzdata, offsets on both sides of
 * the 2026 changes, local times in a gap and an overlap, the footer rule
 * after the last transition, bad names and corrupt files. The expected
 * instants were checked with zdump(8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/tz.h"

/* Unix seconds of a UTC civil time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	return tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static int32_t offset_at(const struct tz *z, int64_t t, char *abbr)
{
	int32_t off = 0;
	assert_int_equal(tz_offset_at(z, t, &off, abbr), TZ_OK);
	return off;
}

static void load(const char *name, struct tz *z)
{
	int rc = tz_load(name, z);
	if (rc != TZ_OK)
		fail_msg("%s: %d", name, rc);
	assert_string_equal(z->name, name);
}

static void toronto_both_sides_of_2026(void **state)
{
	struct tz z;
	char abbr[TZ_ABBR_MAX];
	int64_t t;

	(void)state;
	load("America/Toronto", &z);
	assert_int_equal(offset_at(&z, utc(2026, 3, 8, 6, 59), abbr), -5 * 3600);
	assert_string_equal(abbr, "EST");
	assert_int_equal(offset_at(&z, utc(2026, 3, 8, 7, 0), abbr), -4 * 3600);
	assert_string_equal(abbr, "EDT");
	assert_int_equal(offset_at(&z, utc(2026, 11, 1, 5, 59), NULL), -4 * 3600);
	assert_int_equal(offset_at(&z, utc(2026, 11, 1, 6, 0), NULL), -5 * 3600);
	/* 18:30 in Toronto on 10 December 2026 is 23:30 UTC. */
	assert_int_equal(tz_local_to_utc(&z, 2026, 12, 10, 18, 30, &t), TZ_OK);
	assert_int_equal(t, utc(2026, 12, 10, 23, 30));
	/* The spring-forward gap: 02:30 on 8 March 2026 never happens. */
	assert_int_equal(tz_local_to_utc(&z, 2026, 3, 8, 2, 30, &t), TZ_GAP);
	assert_int_equal(tz_local_to_utc(&z, 2026, 3, 8, 3, 0, &t), TZ_OK);
	assert_int_equal(t, utc(2026, 3, 8, 7, 0));
	/* The overlap: 01:30 on 1 November 2026 happens twice; the first (EDT). */
	assert_int_equal(tz_local_to_utc(&z, 2026, 11, 1, 1, 30, &t), TZ_OK);
	assert_int_equal(t, utc(2026, 11, 1, 5, 30));
	tz_free(&z);
}

static void paris_both_sides_of_2026(void **state)
{
	struct tz z;
	char abbr[TZ_ABBR_MAX];
	int64_t t;

	(void)state;
	load("Europe/Paris", &z);
	assert_int_equal(offset_at(&z, utc(2026, 3, 29, 0, 59), abbr), 3600);
	assert_string_equal(abbr, "CET");
	assert_int_equal(offset_at(&z, utc(2026, 3, 29, 1, 0), abbr), 7200);
	assert_string_equal(abbr, "CEST");
	assert_int_equal(offset_at(&z, utc(2026, 10, 25, 1, 0), NULL), 3600);
	assert_int_equal(tz_local_to_utc(&z, 2026, 3, 29, 2, 15, &t), TZ_GAP);
	assert_int_equal(tz_local_to_utc(&z, 2026, 10, 25, 2, 30, &t), TZ_OK);
	assert_int_equal(t, utc(2026, 10, 25, 0, 30)); /* CEST, the earlier */
	assert_int_equal(tz_local_to_utc(&z, 2026, 6, 1, 9, 0, &t), TZ_OK);
	assert_int_equal(t, utc(2026, 6, 1, 7, 0));
	tz_free(&z);
}

static void singapore_has_no_summer_time(void **state)
{
	struct tz z;
	int64_t t;

	(void)state;
	load("Asia/Singapore", &z);
	assert_int_equal(offset_at(&z, utc(2026, 1, 1, 0, 0), NULL), 8 * 3600);
	assert_int_equal(offset_at(&z, utc(2026, 7, 1, 0, 0), NULL), 8 * 3600);
	assert_int_equal(offset_at(&z, utc(2120, 7, 1, 0, 0), NULL), 8 * 3600);
	assert_int_equal(tz_local_to_utc(&z, 2026, 12, 5, 19, 0, &t), TZ_OK);
	assert_int_equal(t, utc(2026, 12, 5, 11, 0));
	tz_free(&z);
}

static void casablanca_ramadan_2026(void **state)
{
	struct tz z;
	int64_t t;

	(void)state;
	load("Africa/Casablanca", &z);
	assert_int_equal(offset_at(&z, utc(2026, 2, 15, 1, 59), NULL), 3600);
	assert_int_equal(offset_at(&z, utc(2026, 2, 15, 2, 0), NULL), 0);
	assert_int_equal(offset_at(&z, utc(2026, 3, 22, 1, 59), NULL), 0);
	assert_int_equal(offset_at(&z, utc(2026, 3, 22, 2, 0), NULL), 3600);
	/* 02:30 on 15 February happens twice (03:00 → 02:00): the first. */
	assert_int_equal(tz_local_to_utc(&z, 2026, 2, 15, 2, 30, &t), TZ_OK);
	assert_int_equal(t, utc(2026, 2, 15, 1, 30));
	/* 02:30 on 22 March does not happen (02:00 → 03:00). */
	assert_int_equal(tz_local_to_utc(&z, 2026, 3, 22, 2, 30, &t), TZ_GAP);
	tz_free(&z);
}

static void sydney_southern_summer(void **state)
{
	struct tz z;
	int64_t t;

	(void)state;
	load("Australia/Sydney", &z);
	assert_int_equal(offset_at(&z, utc(2026, 1, 15, 0, 0), NULL), 11 * 3600);
	assert_int_equal(offset_at(&z, utc(2026, 4, 4, 15, 59), NULL), 11 * 3600);
	assert_int_equal(offset_at(&z, utc(2026, 4, 4, 16, 0), NULL), 10 * 3600);
	assert_int_equal(offset_at(&z, utc(2026, 7, 1, 0, 0), NULL), 10 * 3600);
	assert_int_equal(offset_at(&z, utc(2026, 10, 3, 16, 0), NULL), 11 * 3600);
	assert_int_equal(tz_local_to_utc(&z, 2026, 10, 4, 2, 30, &t), TZ_GAP);
	/* The footer rule (AEST-10AEDT,M10.1.0,M4.1.0/3) decides in 2100. */
	assert_int_equal(offset_at(&z, utc(2100, 1, 10, 0, 0), NULL), 11 * 3600);
	assert_int_equal(offset_at(&z, utc(2100, 6, 10, 0, 0), NULL), 10 * 3600);
	tz_free(&z);
}

static void footer_rule_after_the_last_transition(void **state)
{
	struct tz z;
	int64_t t;

	(void)state;
	load("America/Toronto", &z);
	assert_true(z.footer.present && z.footer.has_dst);
	/* 2100: second Sunday of March is the 14th, first Sunday of November the 7th. */
	assert_true(z.ntimes == 0 || utc(2100, 1, 1, 0, 0) > z.times[z.ntimes - 1]);
	assert_int_equal(offset_at(&z, utc(2100, 3, 14, 6, 59), NULL), -5 * 3600);
	assert_int_equal(offset_at(&z, utc(2100, 3, 14, 7, 0), NULL), -4 * 3600);
	assert_int_equal(offset_at(&z, utc(2100, 11, 7, 5, 59), NULL), -4 * 3600);
	assert_int_equal(offset_at(&z, utc(2100, 11, 7, 6, 0), NULL), -5 * 3600);
	assert_int_equal(tz_local_to_utc(&z, 2100, 3, 14, 2, 30, &t), TZ_GAP);
	tz_free(&z);
}

static void utc_and_bad_times(void **state)
{
	struct tz z;
	int64_t t;

	(void)state;
	load("UTC", &z);
	assert_int_equal(offset_at(&z, utc(2026, 6, 1, 0, 0), NULL), 0);
	assert_int_equal(tz_local_to_utc(&z, 2026, 2, 29, 10, 0, &t), TZ_BAD_TIME);
	assert_int_equal(tz_local_to_utc(&z, 2028, 2, 29, 10, 0, &t), TZ_OK);
	assert_int_equal(tz_local_to_utc(&z, 2026, 4, 31, 10, 0, &t), TZ_BAD_TIME);
	assert_int_equal(tz_local_to_utc(&z, 2026, 4, 1, 24, 0, &t), TZ_BAD_TIME);
	assert_int_equal(tz_local_to_utc(&z, 2026, 13, 1, 1, 0, &t), TZ_BAD_TIME);
	assert_int_equal(tz_local_to_utc(&z, 2026, 1, 1, 1, 60, &t), TZ_BAD_TIME);
	tz_free(&z);
}

static void names_are_strict(void **state)
{
	static const char *const bad[] = {
	        "",
	        "/etc/passwd",
	        "../etc/passwd",
	        "Europe/../../etc/passwd",
	        "Europe//Paris",
	        "Europe/Paris/",
	        "Europe/Par is",
	        "Europe/Paris\n",
	        "Europe/.",
	        ".",
	        "Europe\\Paris",
	        "Europé/Paris",
	};
	struct tz z;
	char longname[80];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(tz_name_ok(bad[i]));
		assert_int_equal(tz_load(bad[i], &z), TZ_BAD_NAME);
	}
	memset(longname, 'A', 65);
	longname[65] = '\0';
	assert_false(tz_name_ok(longname));
	assert_false(tz_name_ok(NULL));
	assert_true(tz_name_ok("America/Argentina/Buenos_Aires"));
	assert_true(tz_name_ok("Etc/GMT-5"));
	assert_int_equal(tz_load("Europe/Atlantis", &z), TZ_NOT_FOUND);
}

static void corrupt_files_are_refused(void **state)
{
	struct buf data;
	char err[256];
	struct tz z;
	uint8_t *copy;

	(void)state;
	buf_init(&data, TZ_FILE_MAX);
	assert_int_equal(file_read(TZ_DIR "/America/Toronto", &data, err, sizeof(err)), 0);
	assert_int_equal(tz_parse((const uint8_t *)data.data, data.len, &z), TZ_OK);
	tz_free(&z);
	/* Every truncation is refused, to the last byte (the footer's newline). */
	for (size_t n = 0; n < data.len; n++)
		assert_int_equal(tz_parse((const uint8_t *)data.data, n, &z), TZ_CORRUPT);
	copy = malloc(data.len);
	memcpy(copy, data.data, data.len);
	copy[0] = 'X'; /* magic */
	assert_int_equal(tz_parse(copy, data.len, &z), TZ_CORRUPT);
	memcpy(copy, data.data, data.len);
	copy[35] = 0xff; /* timecnt of the first header: far beyond the file */
	assert_int_equal(tz_parse(copy, data.len, &z), TZ_CORRUPT);
	memcpy(copy, data.data, data.len);
	copy[39] = 0; /* typecnt 0 */
	copy[38] = 0;
	copy[37] = 0;
	copy[36] = 0;
	assert_int_equal(tz_parse(copy, data.len, &z), TZ_CORRUPT);
	memcpy(copy, data.data, data.len);
	memcpy(copy + data.len - 10, "EST5EDT,MX", 10); /* a broken footer */
	assert_int_equal(tz_parse(copy, data.len, &z), TZ_CORRUPT);
	free(copy);
	buf_release(&data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(toronto_both_sides_of_2026),
	        cmocka_unit_test(paris_both_sides_of_2026),
	        cmocka_unit_test(singapore_has_no_summer_time),
	        cmocka_unit_test(casablanca_ramadan_2026),
	        cmocka_unit_test(sydney_southern_summer),
	        cmocka_unit_test(footer_rule_after_the_last_transition),
	        cmocka_unit_test(utc_and_bad_times),
	        cmocka_unit_test(names_are_strict),
	        cmocka_unit_test(corrupt_files_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
