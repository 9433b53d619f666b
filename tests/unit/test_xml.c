/* Unit tests for web/xml: the five entities, control characters XML 1.0
 * forbids left out, Arabic and line breaks kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "web/xml.h"

static void expect_text(const char *s, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(xml_text(&b, s), 0);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

static void test_entities(void **state)
{
	(void)state;
	expect_text("a & b <c> \"d\" 'e'", "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;");
	expect_text("</title><script>", "&lt;/title&gt;&lt;script&gt;");
}

static void test_controls(void **state)
{
	(void)state;
	expect_text("a\x01"
	            "b\x1f"
	            "c\x7f",
	            "abc\x7f"); /* DEL is allowed in XML 1.0 */
	expect_text("line\nnext\ttab\r", "line\nnext\ttab\r");
	expect_text("", "");
	expect_text(NULL, "");
}

static void test_arabic(void **state)
{
	(void)state;
	expect_text("كفاءات — Kafaat", "كفاءات — Kafaat");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_entities),
	        cmocka_unit_test(test_controls),
	        cmocka_unit_test(test_arabic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
