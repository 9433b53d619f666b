/* Unit tests for text/fold: Latin and Arabic folding, invalid input, tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <utf8proc.h>

#include "text/fold.h"

/* Folds s and checks the result and its reported length. */
static void check_fold(const char *s, const char *want)
{
	size_t len = 12345;
	char *got = text_fold(s, strlen(s), &len);

	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
}

static void test_latin_accents_and_case(void **state)
{
	(void)state;
	check_fold("Énergie", "energie");
	check_fold("CYBERSÉCURITÉ", "cybersecurite");
	check_fold("Ça coûte cher", "ca coute cher");
	check_fold("Straße", "strasse");
}

static void test_compatibility_forms(void **state)
{
	(void)state;
	check_fold("\xEF\xAC\x81nance", "finance");   /* U+FB01 LATIN SMALL LIGATURE FI */
	check_fold("\xEF\xBC\xA1\xEF\xBC\xA2", "ab"); /* full-width A B */
	check_fold("\xEF\xBB\xB9", "لا");             /* U+FEF9 lam-alef ligature */
}

static void test_arabic_harakat(void **state)
{
	(void)state;
	check_fold("مُهَنْدِس", "مهندس");
	check_fold("مُحَمَّدٌ", "محمد");
	check_fold("رَحْمٰن", "رحمن"); /* U+0670 superscript alef */
}

static void test_arabic_alef_forms(void **state)
{
	(void)state;
	check_fold("أحمد", "احمد");
	check_fold("إدارة", "اداره");
	check_fold("آمنة", "امنه");
	check_fold("ٱلله", "الله"); /* U+0671 alef wasla */
}

static void test_arabic_letters(void **state)
{
	(void)state;
	check_fold("مدرسة", "مدرسه");
	check_fold("مستشفى", "مستشفي");
	check_fold("مؤسسة", "موسسه");
	check_fold("رئيس", "رييس");
}

static void test_arabic_tatweel_and_signs(void **state)
{
	(void)state;
	check_fold("الـــطب", "الطب");
	check_fold("قرآن\xDB\x96\xDB\x9E", "قران"); /* U+06D6, U+06DE */
}

static void test_digits(void **state)
{
	(void)state;
	check_fold("٢٠٣٠", "2030");
	check_fold("۲۰۳۰", "2030"); /* Eastern Arabic-Indic */
	check_fold("Plan ٢٠٣٠", "plan 2030");
}

static void test_default_ignorables(void **state)
{
	(void)state;
	check_fold("co\xC2\xADop\xC3\xA9ration", "cooperation"); /* soft hyphen */
}

static void test_invalid_utf8(void **state)
{
	size_t len = 7;
	(void)state;
	assert_null(text_fold("\xC3", 1, &len));
	assert_null(text_fold("a\xFF"
	                      "b",
	                      3, NULL));
	assert_null(text_fold("\xC0\xAF", 2, NULL));     /* overlong '/' */
	assert_null(text_fold("\xED\xA0\x80", 3, NULL)); /* surrogate */
	assert_int_equal(len, 7);
}

/* ASCII: each character is a token character exactly when utf8proc calls
 * it a letter or a digit (text_tokens decides ASCII without utf8proc). */
static int count_tokens(void *ud, const char *tok, size_t len)
{
	(void)tok;
	(void)len;
	++*(int *)ud;
	return 0;
}

static void test_ascii_fast_path(void **state)
{
	(void)state;
	for (int c = 1; c < 128; c++) {
		char one[2] = {(char)c, 0};
		int tokens = 0;
		utf8proc_category_t cat = utf8proc_category(c);
		int letter = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL ||
		             cat == UTF8PROC_CATEGORY_ND;

		text_tokens(one, 1, count_tokens, &tokens);
		assert_int_equal(tokens, letter);
	}
}

/* Strings of code points below U+0800 take the table; the same string
 * followed by "€" (three bytes) takes the full path. Both must agree, for
 * each code point alone and for random mixes where neighbours could
 * interact (base letters and combining marks, Greek, Arabic with harakat). */
static void check_fast_equals_full(const int32_t *cps, int n)
{
	uint8_t buf[64];
	size_t len = 0, n1, n2;

	for (int i = 0; i < n; i++)
		len += (size_t)utf8proc_encode_char(cps[i], buf + len);
	memcpy(buf + len, "\xe2\x82\xac", 3); /* € */
	char *fast = text_fold((const char *)buf, len, &n1);
	char *full = text_fold((const char *)buf, len + 3, &n2);
	assert_non_null(fast);
	assert_non_null(full);
	assert_true(n2 >= 3 && memcmp(full + n2 - 3, "\xe2\x82\xac", 3) == 0);
	if (n1 != n2 - 3 || memcmp(fast, full, n1) != 0)
		fail_msg("U+%04X... (%d code points): table \"%s\", full \"%.*s\"",
		         (unsigned)cps[0], n, fast, (int)(n2 - 3), full);
	free(fast);
	free(full);
}

static void test_fast_table(void **state)
{
	static const int32_t ranges[][2] = {{'a', 'z'},     {'A', 'Z'},     {0xC0, 0x17F},
	                                    {0x300, 0x36F}, {0x370, 0x3FF}, {0x400, 0x45F},
	                                    {0x600, 0x6FF}, {0x80, 0xBF}};
	uint64_t r = 42;
	(void)state;

	for (int32_t c = 1; c < 0x800; c++)
		if (c < 0xD800)
			check_fast_equals_full(&c, 1);
	for (int k = 0; k < 20000; k++) {
		int32_t cps[6];
		int n = 1 + (int)(r % 6);
		for (int i = 0; i < n; i++) {
			r = r * 6364136223846793005u + 1442695040888963407u;
			const int32_t *g = ranges[(r >> 33) % 8];
			cps[i] = g[0] + (int32_t)((r >> 40) % (uint64_t)(g[1] - g[0] + 1));
		}
		check_fast_equals_full(cps, n);
	}
}

static void test_empty(void **state)
{
	size_t len = 99;
	char *got;
	(void)state;

	got = text_fold("", 0, &len);
	assert_non_null(got);
	assert_string_equal(got, "");
	assert_int_equal(len, 0);
	free(got);
	got = text_fold("\xD9\x8E", 2, NULL); /* a lone fatha folds to nothing */
	assert_non_null(got);
	assert_string_equal(got, "");
	free(got);
}

static void test_not_nul_terminated(void **state)
{
	size_t len;
	char *got;
	(void)state;

	got = text_fold("ABCDEF", 3, &len);
	assert_string_equal(got, "abc");
	assert_int_equal(len, 3);
	free(got);
}

struct collected {
	char tokens[16][64];
	int count;
	int stop_after; /* 0: never */
};

static int collect(void *ud, const char *tok, size_t len)
{
	struct collected *c = ud;

	assert_true(len > 0 && len < 64);
	assert_true(c->count < 16);
	memcpy(c->tokens[c->count], tok, len);
	c->tokens[c->count][len] = '\0';
	c->count++;
	return c->stop_after && c->count == c->stop_after ? 42 : 0;
}

static void test_tokens_mixed(void **state)
{
	const char *text = "Santé publique / الصحة العامة, 2030!";
	struct collected c = {.count = 0};
	size_t len;
	char *folded = text_fold(text, strlen(text), &len);
	(void)state;

	assert_non_null(folded);
	assert_int_equal(text_tokens(folded, len, collect, &c), 0);
	assert_int_equal(c.count, 5);
	assert_string_equal(c.tokens[0], "sante");
	assert_string_equal(c.tokens[1], "publique");
	assert_string_equal(c.tokens[2], "الصحه");
	assert_string_equal(c.tokens[3], "العامه");
	assert_string_equal(c.tokens[4], "2030");
	free(folded);
}

static void test_tokens_early_stop(void **state)
{
	const char *text = "un deux trois";
	struct collected c = {.count = 0, .stop_after = 2};
	(void)state;

	assert_int_equal(text_tokens(text, strlen(text), collect, &c), 42);
	assert_int_equal(c.count, 2);
	assert_string_equal(c.tokens[1], "deux");
}

static void test_tokens_edges(void **state)
{
	struct collected c = {.count = 0};
	(void)state;

	assert_int_equal(text_tokens("", 0, collect, &c), 0);
	assert_int_equal(text_tokens(" ,;! ", 5, collect, &c), 0);
	assert_int_equal(c.count, 0);
	/* Token at the very end, invalid bytes acting as separators. */
	assert_int_equal(text_tokens("a\xFF"
	                             "b c",
	                             5, collect, &c),
	                 0);
	assert_int_equal(c.count, 3);
	assert_string_equal(c.tokens[0], "a");
	assert_string_equal(c.tokens[2], "c");
	/* Only the first n bytes are looked at. */
	c.count = 0;
	assert_int_equal(text_tokens("abc def", 2, collect, &c), 0);
	assert_int_equal(c.count, 1);
	assert_string_equal(c.tokens[0], "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_latin_accents_and_case),
	        cmocka_unit_test(test_ascii_fast_path),
	        cmocka_unit_test(test_fast_table),
	        cmocka_unit_test(test_compatibility_forms),
	        cmocka_unit_test(test_arabic_harakat),
	        cmocka_unit_test(test_arabic_alef_forms),
	        cmocka_unit_test(test_arabic_letters),
	        cmocka_unit_test(test_arabic_tatweel_and_signs),
	        cmocka_unit_test(test_digits),
	        cmocka_unit_test(test_default_ignorables),
	        cmocka_unit_test(test_invalid_utf8),
	        cmocka_unit_test(test_empty),
	        cmocka_unit_test(test_not_nul_terminated),
	        cmocka_unit_test(test_tokens_mixed),
	        cmocka_unit_test(test_tokens_early_stop),
	        cmocka_unit_test(test_tokens_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
