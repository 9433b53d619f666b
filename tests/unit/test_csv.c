/* Unit tests for web/csv: quoting, doubled quotes, and formulas
 * neutralised (= + - @ tab CR at the start of a field), Arabic untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "web/csv.h"

/* s written as one field. */
static void expect_field(const char *s, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(csv_field(&b, s), 0);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

static void test_plain(void **state)
{
	(void)state;
	expect_field("plain", "plain");
	expect_field("", "");
	expect_field(NULL, "");
	expect_field("مهندسة مياه", "مهندسة مياه");
	expect_field("a-b=c", "a-b=c"); /* only the first byte counts */
	expect_field("12", "12");
}

static void test_quoted(void **state)
{
	(void)state;
	expect_field("a,b", "\"a,b\"");
	expect_field("say \"hi\"", "\"say \"\"hi\"\"\"");
	expect_field("two\nlines", "\"two\nlines\"");
}

static void test_formulas(void **state)
{
	(void)state;
	expect_field("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"");
	expect_field("+1", "\"'+1\"");
	expect_field("-2+3", "\"'-2+3\"");
	expect_field("@SUM(A1)", "\"'@SUM(A1)\"");
	expect_field("\t=x", "\"'\t=x\"");
	expect_field("\r=x", "\"'\r=x\"");
	expect_field("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
	assert_true(csv_formula("=a"));
	assert_false(csv_formula("a="));
	assert_false(csv_formula(""));
	assert_false(csv_formula(NULL));
}

static void test_record(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_adds(&b, CSV_BOM), 0);
	assert_int_equal(csv_field(&b, "id"), 0);
	assert_int_equal(csv_sep(&b), 0);
	assert_int_equal(csv_field(&b, "@x"), 0);
	assert_int_equal(csv_end(&b), 0);
	assert_string_equal(buf_str(&b), "\xEF\xBB\xBFid,\"'@x\"\r\n");
	buf_release(&b);
}

static void test_full_buffer(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(csv_field(&b, "=a long field"), -1);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain),       cmocka_unit_test(test_quoted),
	        cmocka_unit_test(test_formulas),    cmocka_unit_test(test_record),
	        cmocka_unit_test(test_full_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
