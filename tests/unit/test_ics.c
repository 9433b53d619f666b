/* Unit tests for web/ics: escaping, folding at 75 octets without splitting
 * a UTF-8 character (Arabic titles), CRLF everywhere, UTC times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/tz.h"
#include "core/utf8.h"
#include "web/ics.h"

/* Every physical line ends in CRLF, is at most 75 octets, and is valid
 * UTF-8 on its own (so no character was split); returns the unfolded
 * logical text. */
static char *check_lines(const struct buf *b)
{
	const char *p = b->data, *end = b->data + b->len;
	struct buf logical = BUF_INIT;
	int first = 1;

	while (p < end) {
		const char *crlf = strstr(p, "\r\n");
		assert_non_null(crlf);
		assert_true(crlf - p <= ICS_LINE_MAX);
		assert_true(utf8_valid(p, (size_t)(crlf - p)));
		assert_null(memchr(p, '\n', (size_t)(crlf - p)));
		if (*p == ' ' && !first)
			buf_add(&logical, p + 1, (size_t)(crlf - p - 1));
		else {
			if (!first)
				buf_addc(&logical, '\n');
			buf_add(&logical, p, (size_t)(crlf - p));
		}
		first = 0;
		p = crlf + 2;
	}
	return buf_detach(&logical, NULL);
}

static void escaping(void **state)
{
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	assert_int_equal(ics_text(&b, "SUMMARY", "a\\b;c,d\ne\r\nf"), 0);
	assert_string_equal(buf_str(&b), "SUMMARY:a\\\\b\\;c\\,d\\ne\\nf\r\n");
	s = check_lines(&b);
	free(s);
	buf_release(&b);
}

static void folding_keeps_arabic_whole(void **state)
{
	/* 2-byte letters: a fold at an odd octet would cut one in half. */
	const char *title = "لقاء شبكة الكفاءات المغربية في أمريكا الشمالية: الذكاء الاصطناعي "
	                    "والطيران، مونتريال وتورونتو؛ التسجيل مفتوح لجميع الأعضاء";
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	static const char *const names[] = {"X", "AB", "ABC", "SUMMARY"};

	/* Names of each length move the fold points by one octet. */
	for (int i = 0; i < 4; i++) {
		buf_reset(&b);
		assert_int_equal(ics_text(&b, names[i], title), 0);
		s = check_lines(&b);
		assert_non_null(strstr(s, "مونتريال وتورونتو؛"));
		free(s);
	}
	/* Unfolded, the value is the escaped title again. */
	buf_reset(&b);
	assert_int_equal(ics_text(&b, "SUMMARY", title), 0);
	s = check_lines(&b);
	{
		struct buf want = BUF_INIT;
		buf_adds(&want, "SUMMARY:");
		ics_escape(&want, title);
		assert_string_equal(s, buf_str(&want));
		buf_release(&want);
	}
	free(s);
	buf_release(&b);
}

static void folding_of_every_width(void **state)
{
	/* Mixed 1-, 2-, 3- and 4-byte characters, at every starting width. */
	static const char *const units[] = {"a", "é", "€", "😀"};
	struct buf b = BUF_INIT, v = BUF_INIT;

	(void)state;
	for (int n = 0; n < 60; n++) {
		char *s;
		buf_adds(&v, units[n % 4]);
		buf_reset(&b);
		assert_int_equal(ics_prop(&b, "DESCRIPTION", buf_str(&v)), 0);
		s = check_lines(&b);
		assert_string_equal(s + strlen("DESCRIPTION:"), buf_str(&v));
		free(s);
	}
	buf_release(&v);
	buf_release(&b);
}

static void a_calendar(void **state)
{
	struct buf b = BUF_INIT;
	int64_t t = tz_days_from_civil(2026, 12, 10) * 86400 + 23 * 3600 + 30 * 60;

	(void)state;
	assert_int_equal(ics_begin(&b, "-//Kafaat//Events//FR"), 0);
	assert_int_equal(ics_prop(&b, "BEGIN", "VEVENT"), 0);
	assert_int_equal(ics_time(&b, "DTSTART", t), 0);
	assert_int_equal(ics_int(&b, "SEQUENCE", 3), 0);
	assert_int_equal(ics_prop(&b, "END", "VEVENT"), 0);
	assert_int_equal(ics_end(&b), 0);
	assert_string_equal(buf_str(&b), "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	                                 "PRODID:-//Kafaat//Events//FR\r\nCALSCALE:GREGORIAN\r\n"
	                                 "METHOD:PUBLISH\r\nBEGIN:VEVENT\r\n"
	                                 "DTSTART:20261210T233000Z\r\nSEQUENCE:3\r\n"
	                                 "END:VEVENT\r\nEND:VCALENDAR\r\n");
	buf_release(&b);
}

static void a_full_buffer_is_an_error(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 40);
	assert_int_equal(ics_begin(&b, "-//Kafaat//Events//FR"), -1);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(escaping),
	        cmocka_unit_test(folding_keeps_arabic_whole),
	        cmocka_unit_test(folding_of_every_width),
	        cmocka_unit_test(a_calendar),
	        cmocka_unit_test(a_full_buffer_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
