/* Unit tests for src/web/i18n.c: language negotiation, the .po parser,
 * lookups, plural rules, number and date formatting, and the real
 * catalogues in locale/ when they exist. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "web/i18n.h"

#define NNBSP "\xE2\x80\xAF"

/* ------------------------------------------------------------------ */
/* Languages */

static void test_lang_basics(void **state)
{
	enum lang l = LANG_EN;

	(void)state;
	assert_string_equal(lang_code(LANG_AR), "ar");
	assert_string_equal(lang_code(LANG_FR), "fr");
	assert_string_equal(lang_code(LANG_EN), "en");
	assert_string_equal(lang_dir(LANG_AR), "rtl");
	assert_string_equal(lang_dir(LANG_FR), "ltr");
	assert_string_equal(lang_dir(LANG_EN), "ltr");
	assert_string_equal(lang_native_name(LANG_AR), "العربية");
	assert_string_equal(lang_native_name(LANG_FR), "Français");
	assert_string_equal(lang_native_name(LANG_EN), "English");
	assert_int_equal(lang_parse("ar", &l), 0);
	assert_int_equal(l, LANG_AR);
	assert_int_equal(lang_parse("fr", &l), 0);
	assert_int_equal(l, LANG_FR);
	assert_int_equal(lang_parse("en", &l), 0);
	assert_int_equal(l, LANG_EN);
	assert_int_equal(lang_parse("EN", &l), -1);
	assert_int_equal(lang_parse("fr-CA", &l), -1);
	assert_int_equal(lang_parse("", &l), -1);
	assert_int_equal(lang_parse(NULL, &l), -1);
	assert_int_equal(l, LANG_EN);
}

/* ------------------------------------------------------------------ */
/* Accept-Language */

struct nego_case {
	const char *header;
	enum lang fallback;
	enum lang want;
};

static const struct nego_case nego_cases[] = {
        /* empty and trivial */
        {NULL, LANG_FR, LANG_FR},
        {"", LANG_AR, LANG_AR},
        {"   ", LANG_EN, LANG_EN},
        {",", LANG_FR, LANG_FR},
        {" , ,, ", LANG_AR, LANG_AR},
        {"fr", LANG_EN, LANG_FR},
        {"ar", LANG_EN, LANG_AR},
        {"en", LANG_AR, LANG_EN},
        /* case and subtags */
        {"FR", LANG_EN, LANG_FR},
        {"Ar", LANG_EN, LANG_AR},
        {"fr-CA", LANG_EN, LANG_FR},
        {"ar-MA", LANG_EN, LANG_AR},
        {"ar-ma", LANG_EN, LANG_AR},
        {"AR-Arab-MA", LANG_EN, LANG_AR},
        {"en-GB-oxendict", LANG_FR, LANG_EN},
        {"fr-CA-x", LANG_EN, LANG_FR},
        {"zh-Hant-TW", LANG_EN, LANG_EN},
        /* unsupported languages */
        {"de", LANG_FR, LANG_FR},
        {"fra", LANG_EN, LANG_EN},
        {"e", LANG_FR, LANG_FR},
        {"abcdefgh, en", LANG_FR, LANG_EN},
        {"de, fr;q=0.5", LANG_EN, LANG_FR},
        /* q-values */
        {"fr;q=0.5, en;q=0.8", LANG_AR, LANG_EN},
        {"en;q=0.8, fr;q=0.5", LANG_AR, LANG_EN},
        {"fr;q=0.8, en;q=0.8", LANG_AR, LANG_FR},
        {"en;q=0.8, fr;q=0.8", LANG_AR, LANG_EN},
        {"fr;q=0.8, en", LANG_AR, LANG_EN},
        {"en-US,en;q=0.9,fr;q=0.8,ar;q=0.7", LANG_AR, LANG_EN},
        {"ar,fr;q=0.9", LANG_EN, LANG_AR},
        {"de-DE,de;q=0.9,fr;q=0.8,en;q=0.7", LANG_AR, LANG_FR},
        {"fr;q=1", LANG_EN, LANG_FR},
        {"fr;q=1.", LANG_EN, LANG_FR},
        {"fr;q=1.000", LANG_EN, LANG_FR},
        {"fr;q=0.", LANG_EN, LANG_EN},
        {"en;q=0.001, fr;q=0", LANG_AR, LANG_EN},
        {"fr;Q=0.5, en;q=0.4", LANG_AR, LANG_FR},
        /* q=0: not acceptable */
        {"fr;q=0", LANG_EN, LANG_EN},
        {"fr;q=0", LANG_FR, LANG_FR},
        {"fr;q=0.000", LANG_AR, LANG_AR},
        {"fr;q=0, en", LANG_FR, LANG_EN},
        {"en;q=0, fr;q=0, ar;q=0", LANG_FR, LANG_FR},
        {"fr-CA;q=0, fr", LANG_EN, LANG_FR},
        {"fr;q=0.2, fr-CA;q=0.9, en;q=0.5", LANG_AR, LANG_FR},
        /* wildcard */
        {"*", LANG_FR, LANG_FR},
        {"*", LANG_AR, LANG_AR},
        {"*;q=0", LANG_EN, LANG_EN},
        {"de, *;q=0.1", LANG_EN, LANG_EN},
        {"*;q=0.1, ar;q=0.2", LANG_EN, LANG_AR},
        {"*, en;q=0.5", LANG_EN, LANG_AR},
        {"*, en;q=0.5", LANG_FR, LANG_FR},
        {"*;q=0.5, fr;q=0", LANG_FR, LANG_AR},
        {"*, fr;q=0", LANG_EN, LANG_EN},
        {"ar;q=0.3, *;q=0.5", LANG_AR, LANG_FR},
        /* whitespace and empty list elements */
        {"fr ; q=0.5 , en ; q=0.4", LANG_AR, LANG_FR},
        {"\tfr\t;\tq=0.3\t,\ten;q=0.2", LANG_AR, LANG_FR},
        {"  en  ", LANG_AR, LANG_EN},
        {"fr,,en", LANG_AR, LANG_FR},
        {", fr", LANG_EN, LANG_FR},
        {"fr,", LANG_EN, LANG_FR},
        /* malformed: the whole header is ignored */
        {"fr en", LANG_AR, LANG_AR},
        {"en, fr ar", LANG_AR, LANG_AR},
        {"fr;q=", LANG_EN, LANG_EN},
        {"fr;q=.5", LANG_EN, LANG_EN},
        {"fr;q=2", LANG_EN, LANG_EN},
        {"fr;q=1.001", LANG_EN, LANG_EN},
        {"fr;q=1.5", LANG_EN, LANG_EN},
        {"fr;q=0.1234", LANG_EN, LANG_EN},
        {"fr;q=0.5x", LANG_EN, LANG_EN},
        {"fr;q=-0.5", LANG_EN, LANG_EN},
        {"fr ; q = 0.5", LANG_EN, LANG_EN},
        {"fr;level=1", LANG_EN, LANG_EN},
        {"fr;", LANG_EN, LANG_EN},
        {"fr;q=0.5;q=0.6", LANG_EN, LANG_EN},
        {"fr;q=0.5 ;", LANG_EN, LANG_EN},
        {"fr-", LANG_EN, LANG_EN},
        {"fr--CA", LANG_EN, LANG_EN},
        {"-fr", LANG_EN, LANG_EN},
        {"fr_CA", LANG_EN, LANG_EN},
        {"fr-123456789", LANG_EN, LANG_EN},
        {"abcdefghi", LANG_FR, LANG_FR},
        {"français", LANG_EN, LANG_EN},
        {"*-fr", LANG_EN, LANG_EN},
        {"**", LANG_EN, LANG_EN},
        {";q=0.5", LANG_EN, LANG_EN},
        {"fr\r\n", LANG_EN, LANG_EN},
        {"1fr", LANG_EN, LANG_EN},
};

static void test_negotiate_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof nego_cases / sizeof nego_cases[0]; i++) {
		const struct nego_case *c = &nego_cases[i];
		enum lang got = lang_negotiate(c->header, c->fallback);

		if (got != c->want)
			fail_msg("case %zu \"%s\" (fallback %s): got %s, want %s", i,
			         c->header ? c->header : "(null)", lang_code(c->fallback),
			         lang_code(got), lang_code(c->want));
	}
}

/* Builds a header of n copies of item followed by tail. */
static char *repeat_header(const char *item, size_t n, const char *tail)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++)
		buf_adds(&b, item);
	buf_adds(&b, tail);
	return buf_detach(&b, NULL);
}

static void test_negotiate_huge(void **state)
{
	char *ok = repeat_header("de, ", 1000, "fr");     /* 4002 bytes */
	char *huge = repeat_header("de, ", 100000, "fr"); /* 400 kB */
	char *many = repeat_header(",", 5000, "fr");

	(void)state;
	assert_int_equal(lang_negotiate(ok, LANG_EN), LANG_FR);
	assert_int_equal(lang_negotiate(huge, LANG_EN), LANG_EN);
	assert_int_equal(lang_negotiate(many, LANG_AR), LANG_AR);
	free(ok);
	free(huge);
	free(many);
}

/* ------------------------------------------------------------------ */
/* .po parser */

static int load(struct i18n *cat, enum lang l, const char *src, char *err, size_t errlen)
{
	return i18n_load_po(cat, l, "t.po", src, strlen(src), err, errlen);
}

static void test_po_basic(void **state)
{
	static const char src[] = "# Translator comment\n"
	                          "#. extracted\n"
	                          "#: src/web/app.c:12\n"
	                          "msgid \"\"\n"
	                          "msgstr \"\"\n"
	                          "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
	                          "\"Plural-Forms: nplurals=6;\\n\"\n"
	                          "\n"
	                          "msgid \"home.title\"\n"
	                          "msgstr \"مرحبا\"\n"
	                          "\n"
	                          "msgid \"home.empty\"\n"
	                          "msgstr \"\"\n"
	                          "msgid \"home.next\"\n"
	                          "msgstr \"التالي\"\n";
	struct i18n *cat = i18n_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(load(cat, LANG_AR, src, err, sizeof err), 0);
	assert_int_equal(i18n_count(cat, LANG_AR), 3);
	assert_int_equal(i18n_count(cat, LANG_FR), 0);
	assert_string_equal(i18n_lookup(cat, LANG_AR, "home.title"), "مرحبا");
	assert_string_equal(i18n_lookup(cat, LANG_AR, "home.next"), "التالي");
	assert_null(i18n_lookup(cat, LANG_AR, "home.empty"));
	assert_string_equal(i18n_get(cat, LANG_AR, "home.empty"), "home.empty");
	assert_null(i18n_lookup(cat, LANG_AR, ""));
	assert_null(i18n_lookup(cat, LANG_AR, "missing"));
	assert_string_equal(i18n_get(cat, LANG_AR, "missing"), "missing");
	assert_null(i18n_lookup(cat, LANG_FR, "home.title"));
	assert_string_equal(i18n_get(cat, LANG_FR, "home.title"), "home.title");
	assert_null(i18n_lookup(cat, LANG_AR, NULL));
	assert_null(i18n_lookup(NULL, LANG_AR, "home.title"));
	assert_null(i18n_lookup(cat, LANG_COUNT, "home.title"));
	i18n_free(cat);
}

static void test_po_multiline_escapes(void **state)
{
	static const char src[] = "msgid \"\"\n"
	                          "\"home.\"\n"
	                          "  \"title\"  \n"
	                          "msgstr \"Hello, \"\n"
	                          "\"world\"\n"
	                          "\n"
	                          "msgid\t\"esc\"\n"
	                          "msgstr \"a\\nb\\tc\\\"d\\\\e\\rf\"\n"
	                          "msgid \"nospace\"\n"
	                          "msgstr\"x\"\n";
	struct i18n *cat = i18n_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(load(cat, LANG_EN, src, err, sizeof err), 0);
	assert_int_equal(i18n_count(cat, LANG_EN), 3);
	assert_string_equal(i18n_lookup(cat, LANG_EN, "home.title"), "Hello, world");
	assert_string_equal(i18n_lookup(cat, LANG_EN, "esc"), "a\nb\tc\"d\\e\rf");
	assert_string_equal(i18n_lookup(cat, LANG_EN, "nospace"), "x");
	i18n_free(cat);
}

static void test_po_crlf_bom_obsolete(void **state)
{
	static const char src[] = "\xEF\xBB\xBFmsgid \"a\"\r\n"
	                          "msgstr \"b\"\r\n"
	                          "\r\n"
	                          "#~ msgid \"old\"\r\n"
	                          "#~ msgstr \"vieux\"\r\n"
	                          "#| msgid \"previous\"\r\n"
	                          "msgid \"c\"\r\n"
	                          "msgstr \"d\"";
	struct i18n *cat = i18n_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(load(cat, LANG_FR, src, err, sizeof err), 0);
	assert_int_equal(i18n_count(cat, LANG_FR), 2);
	assert_string_equal(i18n_lookup(cat, LANG_FR, "a"), "b");
	assert_string_equal(i18n_lookup(cat, LANG_FR, "c"), "d");
	assert_null(i18n_lookup(cat, LANG_FR, "old"));
	i18n_free(cat);
}

static void test_po_fuzzy(void **state)
{
	static const char src[] = "#, fuzzy\n"
	                          "msgid \"\"\n"
	                          "msgstr \"Project-Id-Version: x\\n\"\n"
	                          "\n"
	                          "#, fuzzy\n"
	                          "msgid \"a\"\n"
	                          "msgstr \"A\"\n"
	                          "\n"
	                          "#, c-format, fuzzy\n"
	                          "msgid \"b\"\n"
	                          "msgstr \"B\"\n"
	                          "\n"
	                          "#, c-format\n"
	                          "msgid \"c\"\n"
	                          "msgstr \"C\"\n"
	                          "\n"
	                          "#, fuzzyish\n"
	                          "msgid \"d\"\n"
	                          "msgstr \"D\"\n"
	                          "\n"
	                          "#, fuzzy\n"
	                          "msgid \"p\"\n"
	                          "msgid_plural \"ps\"\n"
	                          "msgstr[0] \"P\"\n"
	                          "msgstr[1] \"Ps\"\n";
	struct i18n *cat = i18n_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(load(cat, LANG_FR, src, err, sizeof err), 0);
	assert_int_equal(i18n_count(cat, LANG_FR), 5);
	assert_null(i18n_lookup(cat, LANG_FR, "a"));
	assert_string_equal(i18n_get(cat, LANG_FR, "a"), "a");
	assert_null(i18n_lookup(cat, LANG_FR, "b"));
	assert_string_equal(i18n_lookup(cat, LANG_FR, "c"), "C");
	assert_string_equal(i18n_lookup(cat, LANG_FR, "d"), "D");
	assert_string_equal(i18n_nget(cat, LANG_FR, "p", 1), "p");
	assert_string_equal(i18n_nget(cat, LANG_FR, "p", 5), "p");
	i18n_free(cat);
}

static void test_po_msgctxt(void **state)
{
	static const char src[] = "msgctxt \"menu\"\n"
	                          "msgid \"open\"\n"
	                          "msgstr \"Ouvrir\"\n"
	                          "\n"
	                          "msgctxt \"state\"\n"
	                          "msgid \"open\"\n"
	                          "msgstr \"Ouvert\"\n"
	                          "msgid \"open\"\n"
	                          "msgstr \"Ouvrir (sans contexte)\"\n";
	struct i18n *cat = i18n_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(load(cat, LANG_FR, src, err, sizeof err), 0);
	assert_int_equal(i18n_count(cat, LANG_FR), 3);
	assert_string_equal(i18n_lookup(cat, LANG_FR, "menu\004open"), "Ouvrir");
	assert_string_equal(i18n_lookup(cat, LANG_FR, "state\004open"), "Ouvert");
	assert_string_equal(i18n_lookup(cat, LANG_FR, "open"), "Ouvrir (sans contexte)");
	i18n_free(cat);
}

static const char ar_plural_po[] = "msgid \"jobs.count\"\n"
                                   "msgid_plural \"jobs.count\"\n"
                                   "msgstr[0] \"لا وظائف\"\n"
                                   "msgstr[1] \"وظيفة واحدة\"\n"
                                   "msgstr[2] \"وظيفتان\"\n"
                                   "msgstr[3] \"{n} وظائف\"\n"
                                   "msgstr[4] \"{n} وظيفة\"\n"
                                   "msgstr[5] \"{n} وظيفة*\"\n"
                                   "\n"
                                   "msgid \"two\"\n"
                                   "msgid_plural \"two\"\n"
                                   "msgstr[0] \"zero\"\n"
                                   "msgstr[1] \"\"\n"
                                   "\n"
                                   "msgid \"single\"\n"
                                   "msgstr \"one\"\n";

static void test_plural_arabic(void **state)
{
	static const struct {
		int64_t n;
		int form;
	} cases[] = {
	        {0, 0},   {1, 1},   {2, 2},         {3, 3},         {10, 3},   {11, 4},
	        {99, 4},  {100, 5}, {101, 5},       {102, 5},       {103, 3},  {110, 3},
	        {111, 4}, {199, 4}, {200, 5},       {1000, 5},      {1003, 3}, {-1, 1},
	        {-3, 3},  {-11, 4}, {INT64_MAX, 3}, {INT64_MIN, 3},
	};
	static const char *const forms[] = {"لا وظائف",  "وظيفة واحدة", "وظيفتان",
	                                    "{n} وظائف", "{n} وظيفة",   "{n} وظيفة*"};
	struct i18n *cat = i18n_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(load(cat, LANG_AR, ar_plural_po, err, sizeof err), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = i18n_nget(cat, LANG_AR, "jobs.count", cases[i].n);

		if (strcmp(got, forms[cases[i].form]) != 0)
			fail_msg("n=%lld: got \"%s\", want form %d", (long long)cases[i].n, got,
			         cases[i].form);
	}
	assert_string_equal(i18n_lookup(cat, LANG_AR, "jobs.count"), forms[0]);
	/* Missing and empty forms fall back to the key. */
	assert_string_equal(i18n_nget(cat, LANG_AR, "two", 0), "zero");
	assert_string_equal(i18n_nget(cat, LANG_AR, "two", 1), "two");
	assert_string_equal(i18n_nget(cat, LANG_AR, "two", 5), "two");
	assert_string_equal(i18n_nget(cat, LANG_AR, "single", 0), "one");
	assert_string_equal(i18n_nget(cat, LANG_AR, "single", 1), "single");
	assert_string_equal(i18n_nget(cat, LANG_AR, "missing", 3), "missing");
	assert_string_equal(i18n_nget(NULL, LANG_AR, "missing", 3), "missing");
	i18n_free(cat);
}

static void test_plural_fr_en(void **state)
{
	static const char fr[] = "msgid \"n.files\"\n"
	                         "msgid_plural \"n.files\"\n"
	                         "msgstr[0] \"{n} fichier\"\n"
	                         "msgstr[1] \"{n} fichiers\"\n";
	static const char en[] = "msgid \"n.files\"\n"
	                         "msgid_plural \"n.files\"\n"
	                         "msgstr[0] \"{n} file\"\n"
	                         "msgstr[1] \"{n} files\"\n";
	struct i18n *cat = i18n_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(load(cat, LANG_FR, fr, err, sizeof err), 0);
	assert_int_equal(load(cat, LANG_EN, en, err, sizeof err), 0);
	assert_string_equal(i18n_nget(cat, LANG_FR, "n.files", 0), "{n} fichier");
	assert_string_equal(i18n_nget(cat, LANG_FR, "n.files", 1), "{n} fichier");
	assert_string_equal(i18n_nget(cat, LANG_FR, "n.files", 2), "{n} fichiers");
	assert_string_equal(i18n_nget(cat, LANG_FR, "n.files", 1000), "{n} fichiers");
	assert_string_equal(i18n_nget(cat, LANG_FR, "n.files", -1), "{n} fichier");
	assert_string_equal(i18n_nget(cat, LANG_EN, "n.files", 0), "{n} files");
	assert_string_equal(i18n_nget(cat, LANG_EN, "n.files", 1), "{n} file");
	assert_string_equal(i18n_nget(cat, LANG_EN, "n.files", 2), "{n} files");
	assert_string_equal(i18n_nget(cat, LANG_EN, "n.files", INT64_MIN), "{n} files");
	i18n_free(cat);
}

struct po_err_case {
	const char *src;
	const char *want;
};

static const struct po_err_case po_err_cases[] = {
        {"msgid \"a\"\nmsgstr \"b\\q\"\n", "t.po:2: unknown escape sequence '\\q'"},
        {"msgid \"a\"\nmsgstr \"b\\x41\"\n", "t.po:2: unknown escape sequence '\\x'"},
        {"msgid \"a\"\nmsgstr \"b\\0\"\n", "t.po:2: unknown escape sequence '\\0'"},
        {"msgid \"a\n", "t.po:1: unterminated string"},
        {"msgid \"a\\\"\nmsgstr \"\"\n", "t.po:1: unterminated string"},
        {"msgid \"a\\", "t.po:1: unterminated string"},
        {"msgid \"a\"\nmsgstr \"x\"\n\nmsgid \"a\"\nmsgstr \"y\"\n",
         "t.po:4: duplicate msgid \"a\" (first at line 1)"},
        {"#, fuzzy\nmsgid \"a\"\nmsgstr \"x\"\n# c\nmsgid \"a\"\nmsgstr \"y\"\n",
         "t.po:5: duplicate msgid \"a\" (first at line 2)"},
        {"msgid \"\"\nmsgstr \"h\"\n\nmsgid \"\"\nmsgstr \"h\"\n",
         "t.po:4: duplicate header entry"},
        {"msgid \"a\"\nmsgstr \"\xC3\x28\"\n", "t.po:2: invalid UTF-8"},
        {"# \xC0\xAF overlong\n", "t.po:1: invalid UTF-8"},
        {"\n\nmsgid \"\xED\xA0\x80\"\n", "t.po:3: invalid UTF-8"},
        {"msgid \"\xF4\x90\x80\x80\"\n", "t.po:1: invalid UTF-8"},
        {"msgid \"a\"\nmsgstr \"\xE2\x82\"\n", "t.po:2: invalid UTF-8"},
        {"msgfoo \"a\"\n", "t.po:1: unknown keyword"},
        {"msgidx \"a\"\n", "t.po:1: unknown keyword"},
        {"msgid\n", "t.po:1: unknown keyword"},
        {"msgstr \"a\"\n", "t.po:1: unexpected msgstr"},
        {"msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n", "t.po:3: unexpected msgstr"},
        {"\"abc\"\n", "t.po:1: string without keyword"},
        {"msgid \"a\"\nmsgstr \"b\"\n# c\n\"d\"\n", "t.po:4: string without keyword"},
        {"msgid \"a\"\n", "t.po:1: unexpected end of file (entry without msgstr)"},
        {"msgctxt \"c\"\n\n\n", "t.po:3: unexpected end of file (entry without msgstr)"},
        {"msgid \"a\"\nmsgid \"b\"\n", "t.po:2: unexpected msgid (previous entry has no msgstr)"},
        {"msgctxt \"a\"\nmsgctxt \"b\"\n", "t.po:2: unexpected msgctxt"},
        {"msgid \"a\"\nmsgctxt \"b\"\n", "t.po:2: unexpected msgctxt"},
        {"msgid_plural \"a\"\n", "t.po:1: unexpected msgid_plural"},
        {"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[1] \"x\"\n", "t.po:3: msgstr[1] out of order"},
        {"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"x\"\nmsgstr[2] \"x\"\n",
         "t.po:4: msgstr[2] out of order"},
        {"msgid \"a\"\nmsgstr[0] \"x\"\n", "t.po:2: msgstr[0] without msgid_plural"},
        {"msgid \"a\"\nmsgstr \"x\"\nmsgstr[1] \"x\"\n", "t.po:3: msgstr[1] without msgid_plural"},
        {"msgstr[0] \"x\"\n", "t.po:1: unexpected msgstr[0]"},
        {"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr \"x\"\n",
         "t.po:3: msgstr without index after msgid_plural"},
        {"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[x] \"x\"\n", "t.po:3: malformed msgstr index"},
        {"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[] \"x\"\n", "t.po:3: malformed msgstr index"},
        {"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0000] \"x\"\n", "t.po:3: malformed msgstr index"},
        {"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0 \"x\"\n", "t.po:3: malformed msgstr index"},
        {"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"0\"\nmsgstr[1] \"1\"\nmsgstr[2] \"2\"\n"
         "msgstr[3] \"3\"\nmsgstr[4] \"4\"\nmsgstr[5] \"5\"\nmsgstr[6] \"6\"\nmsgstr[7] \"7\"\n"
         "msgstr[8] \"8\"\n",
         "t.po:11: too many plural forms"},
        {"msgid \"a\" x\n", "t.po:1: unexpected text after string"},
        {"msgid \"a\"\"b\"\n", "t.po:1: unexpected text after string"},
        {"msgid a\n", "t.po:1: expected '\"'"},
        {"msgid \"a\"\nmsgstr\n", "t.po:2: unknown keyword"},
        {"msgid \"a\"\nmsgstr \n", "t.po:2: unknown keyword"},
        {"msgid \"a\"\n# c\nmsgstr \"b\"\n", "t.po:2: comment inside an entry"},
};

static void test_po_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof po_err_cases / sizeof po_err_cases[0]; i++) {
		struct i18n *cat = i18n_new();
		char err[256] = "";
		int rc = load(cat, LANG_FR, po_err_cases[i].src, err, sizeof err);

		if (rc != -1 || strcmp(err, po_err_cases[i].want) != 0)
			fail_msg("case %zu: rc %d, err \"%s\", want \"%s\"", i, rc, err,
			         po_err_cases[i].want);
		/* A failed load adds nothing. */
		assert_int_equal(i18n_count(cat, LANG_FR), 0);
		i18n_free(cat);
	}
}

static void test_po_nul_byte(void **state)
{
	static const char src[] = "msgid \"a\"\nmsgstr \"b\0c\"\n";
	struct i18n *cat = i18n_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(i18n_load_po(cat, LANG_EN, "n.po", src, sizeof src - 1, err, sizeof err),
	                 -1);
	assert_string_equal(err, "n.po:2: NUL byte");
	i18n_free(cat);
}

static void test_po_merge_and_args(void **state)
{
	struct i18n *cat = i18n_new();
	char err[256] = "";
	char small[8];

	(void)state;
	assert_int_equal(load(cat, LANG_EN, "msgid \"a\"\nmsgstr \"A\"\n", err, sizeof err), 0);
	assert_int_equal(load(cat, LANG_EN, "msgid \"b\"\nmsgstr \"B\"\n", err, sizeof err), 0);
	assert_int_equal(i18n_count(cat, LANG_EN), 2);
	assert_int_equal(load(cat, LANG_EN,
	                      "msgid \"c\"\nmsgstr \"C\"\nmsgid \"a\"\nmsgstr \"A2\"\n", err,
	                      sizeof err),
	                 -1);
	assert_string_equal(err, "t.po:3: duplicate msgid \"a\" (already loaded)");
	assert_int_equal(i18n_count(cat, LANG_EN), 2);
	assert_null(i18n_lookup(cat, LANG_EN, "c"));
	assert_string_equal(i18n_lookup(cat, LANG_EN, "a"), "A");
	/* Empty input, tiny or missing error buffers, bad arguments. */
	assert_int_equal(i18n_load_po(cat, LANG_AR, "e.po", NULL, 0, err, sizeof err), 0);
	assert_int_equal(i18n_load_po(cat, LANG_AR, "e.po", "", 0, err, sizeof err), 0);
	assert_int_equal(load(cat, LANG_AR, "msgid", small, sizeof small), -1);
	assert_string_equal(small, "t.po:1:");
	assert_int_equal(load(cat, LANG_AR, "msgid", NULL, 0), -1);
	assert_int_equal(i18n_load_po(NULL, LANG_AR, "x.po", "", 0, err, sizeof err), -1);
	assert_int_equal(i18n_load_po(cat, LANG_COUNT, "x.po", "", 0, err, sizeof err), -1);
	assert_string_equal(err, "x.po: invalid argument");
	i18n_free(cat);
	i18n_free(NULL);
}

static void count_key(void *ud, const char *key)
{
	(void)key;
	(*(size_t *)ud)++;
}

static void test_po_many_keys(void **state)
{
	struct buf src = BUF_INIT;
	struct i18n *cat = i18n_new();
	char err[256] = "";
	char key[32];
	size_t seen = 0;

	(void)state;
	for (int i = 0; i < 5000; i++)
		buf_addf(&src, "msgid \"k%d\"\nmsgstr \"v%d\"\n\n", i, i);
	assert_int_equal(load(cat, LANG_EN, buf_str(&src), err, sizeof err), 0);
	assert_int_equal(i18n_count(cat, LANG_EN), 5000);
	for (int i = 0; i < 5000; i += 7) {
		char want[32];

		snprintf(key, sizeof key, "k%d", i);
		snprintf(want, sizeof want, "v%d", i);
		assert_string_equal(i18n_lookup(cat, LANG_EN, key), want);
	}
	i18n_each_key(cat, LANG_EN, count_key, &seen);
	assert_int_equal(seen, 5000);
	buf_release(&src);
	i18n_free(cat);
}

/* Writes DIR/LANG/NAME with content. */
static void write_po(const char *dir, const char *lang, const char *name, const char *content)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, lang);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/%s/%s", dir, lang, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void test_load_dir(void **state)
{
	char dir[] = "/tmp/kafaat_i18n_XXXXXX";
	char path[128], err[512] = "";
	struct i18n *sentinel = i18n_new();
	struct i18n *cat = sentinel; /* must be reset to NULL on error */

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_po(dir, "ar", "site.po", "msgid \"hello\"\nmsgstr \"hi\"\n");
	write_po(dir, "fr", "site.po", "msgid \"hello\"\nmsgstr \"bonjour\"\n");
	write_po(dir, "fr", "more.po", "msgid \"bye\"\nmsgstr \"au revoir\"\n");
	write_po(dir, "en", "site.po", "msgid \"hello\"\nmsgstr \"hi\"\nmsgid \"bad\"\n");
	assert_int_equal(i18n_load(dir, &cat, err, sizeof err), -1);
	assert_null(cat);
	i18n_free(sentinel);
	snprintf(path, sizeof path, "%s/en/site.po:3: unexpected end of file", dir);
	assert_non_null(strstr(err, path));
	write_po(dir, "en", "site.po", "msgid \"hello\"\nmsgstr \"hello\"\n");
	assert_int_equal(i18n_load(dir, &cat, err, sizeof err), 0);
	assert_string_equal(i18n_get(cat, LANG_FR, "hello"), "bonjour");
	assert_string_equal(i18n_get(cat, LANG_FR, "bye"), "au revoir");
	assert_string_equal(i18n_get(cat, LANG_EN, "hello"), "hello");
	i18n_free(cat);
	/* The same key in two files of one language is refused. */
	write_po(dir, "fr", "dup.po", "msgid \"hello\"\nmsgstr \"salut\"\n");
	assert_int_equal(i18n_load(dir, &cat, err, sizeof err), -1);
	assert_non_null(strstr(err, "site.po"));
	snprintf(path, sizeof path, "%s/fr/dup.po", dir);
	unlink(path);
	/* A language without any catalogue is refused. */
	snprintf(path, sizeof path, "%s/ar/site.po", dir);
	unlink(path);
	assert_int_equal(i18n_load(dir, &cat, err, sizeof err), -1);
	assert_non_null(strstr(err, "no .po catalogue"));
	const char *rest[] = {"fr/site.po", "fr/more.po", "en/site.po", "ar", "fr", "en"};
	for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, rest[i]);
		remove(path);
	}
	rmdir(dir);
}

/* The loaded catalogue is read by many threads at once without locks. */
static void *lookup_worker(void *arg)
{
	const struct i18n *cat = arg;
	char key[32], want[32];

	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 500; i++) {
			snprintf(key, sizeof key, "k%d", i);
			snprintf(want, sizeof want, "v%d", i);
			if (strcmp(i18n_get(cat, LANG_FR, key), want) != 0)
				return (void *)1;
		}
		/* "k1" has no plural forms: only form 0 (n = 0 or 1 in French). */
		if (strcmp(i18n_nget(cat, LANG_FR, "k1", round), round <= 1 ? "v1" : "k1") != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_concurrent_lookups(void **state)
{
	struct buf src = BUF_INIT;
	struct i18n *cat = i18n_new();
	pthread_t th[8];
	char err[256] = "";

	(void)state;
	for (int i = 0; i < 500; i++)
		buf_addf(&src, "msgid \"k%d\"\nmsgstr \"v%d\"\n", i, i);
	assert_int_equal(load(cat, LANG_FR, buf_str(&src), err, sizeof err), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, lookup_worker, cat), 0);
	for (int i = 0; i < 8; i++) {
		void *rc = (void *)1;

		assert_int_equal(pthread_join(th[i], &rc), 0);
		assert_null(rc);
	}
	buf_release(&src);
	i18n_free(cat);
}

/* ------------------------------------------------------------------ */
/* Formatting */

struct int_case {
	int64_t v;
	const char *ar, *fr, *en;
};

static const struct int_case int_cases[] = {
        {0, "0", "0", "0"},
        {7, "7", "7", "7"},
        {999, "999", "999", "999"},
        {1000, "1.000", "1" NNBSP "000", "1,000"},
        {10000, "10.000", "10" NNBSP "000", "10,000"},
        {100000, "100.000", "100" NNBSP "000", "100,000"},
        {1234567, "1.234.567", "1" NNBSP "234" NNBSP "567", "1,234,567"},
        {-1, "-1", "-1", "-1"},
        {-999, "-999", "-999", "-999"},
        {-1000, "-1.000", "-1" NNBSP "000", "-1,000"},
        {-1234567, "-1.234.567", "-1" NNBSP "234" NNBSP "567", "-1,234,567"},
        {INT64_MAX, "9.223.372.036.854.775.807",
         "9" NNBSP "223" NNBSP "372" NNBSP "036" NNBSP "854" NNBSP "775" NNBSP "807",
         "9,223,372,036,854,775,807"},
        {INT64_MIN, "-9.223.372.036.854.775.808",
         "-9" NNBSP "223" NNBSP "372" NNBSP "036" NNBSP "854" NNBSP "775" NNBSP "808",
         "-9,223,372,036,854,775,808"},
};

static void check_int(enum lang l, int64_t v, const char *want)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "[");
	assert_int_equal(i18n_format_int(l, v, &b), 0);
	buf_adds(&b, "]");
	if (strlen(buf_str(&b)) != strlen(want) + 2 ||
	    strncmp(buf_str(&b) + 1, want, strlen(want)) != 0)
		fail_msg("%s %lld: got \"%s\", want \"[%s]\"", lang_code(l), (long long)v,
		         buf_str(&b), want);
	buf_release(&b);
}

static void test_format_int(void **state)
{
	struct buf small;

	(void)state;
	for (size_t i = 0; i < sizeof int_cases / sizeof int_cases[0]; i++) {
		check_int(LANG_AR, int_cases[i].v, int_cases[i].ar);
		check_int(LANG_FR, int_cases[i].v, int_cases[i].fr);
		check_int(LANG_EN, int_cases[i].v, int_cases[i].en);
	}
	/* A full buffer is left unchanged. */
	buf_init(&small, 4);
	assert_int_equal(buf_adds(&small, "ab"), 0);
	assert_int_equal(i18n_format_int(LANG_EN, 1000, &small), -1);
	assert_string_equal(buf_str(&small), "ab");
	assert_int_equal(i18n_format_int(LANG_EN, 12, &small), 0);
	assert_string_equal(buf_str(&small), "ab12");
	buf_release(&small);
}

struct date_case {
	enum lang l;
	int y, m, d;
	const char *want; /* NULL: invalid */
};

static const struct date_case date_cases[] = {
        {LANG_FR, 2026, 11, 29, "29 novembre 2026"},
        {LANG_FR, 2026, 11, 1, "1er novembre 2026"},
        {LANG_FR, 2026, 2, 2, "2 février 2026"},
        {LANG_FR, 2026, 8, 15, "15 août 2026"},
        {LANG_FR, 2026, 12, 31, "31 décembre 2026"},
        {LANG_EN, 2026, 11, 29, "29 November 2026"},
        {LANG_EN, 2026, 11, 1, "1 November 2026"},
        {LANG_EN, 2026, 1, 9, "9 January 2026"},
        {LANG_AR, 2026, 11, 29, "29 نونبر 2026"},
        {LANG_AR, 2026, 1, 1, "1 يناير 2026"},
        {LANG_AR, 2026, 2, 3, "3 فبراير 2026"},
        {LANG_AR, 2026, 3, 3, "3 مارس 2026"},
        {LANG_AR, 2026, 4, 3, "3 أبريل 2026"},
        {LANG_AR, 2026, 5, 3, "3 ماي 2026"},
        {LANG_AR, 2026, 6, 3, "3 يونيو 2026"},
        {LANG_AR, 2026, 7, 3, "3 يوليوز 2026"},
        {LANG_AR, 2026, 8, 3, "3 غشت 2026"},
        {LANG_AR, 2026, 9, 3, "3 شتنبر 2026"},
        {LANG_AR, 2026, 10, 3, "3 أكتوبر 2026"},
        {LANG_AR, 2026, 12, 3, "3 دجنبر 2026"},
        /* leap years */
        {LANG_EN, 2024, 2, 29, "29 February 2024"},
        {LANG_EN, 2000, 2, 29, "29 February 2000"},
        {LANG_FR, 2028, 2, 29, "29 février 2028"},
        {LANG_EN, 2026, 2, 29, NULL},
        {LANG_EN, 1900, 2, 29, NULL},
        {LANG_EN, 2100, 2, 29, NULL},
        {LANG_EN, 2024, 2, 30, NULL},
        /* out of range */
        {LANG_EN, 2026, 13, 1, NULL},
        {LANG_EN, 2026, 0, 1, NULL},
        {LANG_EN, 2026, -1, 1, NULL},
        {LANG_EN, 2026, 1, 0, NULL},
        {LANG_EN, 2026, 1, -5, NULL},
        {LANG_EN, 2026, 1, 32, NULL},
        {LANG_EN, 2026, 4, 31, NULL},
        {LANG_EN, 2026, 6, 31, NULL},
        {LANG_EN, 0, 1, 1, NULL},
        {LANG_EN, 10000, 1, 1, NULL},
        {LANG_EN, 1, 1, 1, "1 January 1"},
        {LANG_EN, 9999, 12, 31, "31 December 9999"},
};

static void test_format_date(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof date_cases / sizeof date_cases[0]; i++) {
		const struct date_case *c = &date_cases[i];
		struct buf b = BUF_INIT;
		int rc = i18n_format_date(c->l, c->y, c->m, c->d, &b);

		if (c->want == NULL && (rc != -1 || b.len != 0))
			fail_msg("case %zu: %d-%d-%d accepted", i, c->y, c->m, c->d);
		if (c->want && (rc != 0 || strcmp(buf_str(&b), c->want) != 0))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, buf_str(&b), c->want);
		buf_release(&b);
	}
}

/* ------------------------------------------------------------------ */
/* The real catalogues */

struct find_key {
	const char *key;
	int found;
};

static void find_key_cb(void *ud, const char *key)
{
	struct find_key *fk = ud;

	if (strcmp(fk->key, key) == 0)
		fk->found = 1;
}

/* Whether l has key at all, translated or not. */
static int has_key(const struct i18n *cat, enum lang l, const char *key)
{
	struct find_key fk = {key, 0};

	if (i18n_lookup(cat, l, key))
		return 1;
	i18n_each_key(cat, l, find_key_cb, &fk);
	return fk.found;
}

struct key_check {
	const struct i18n *cat;
	enum lang self;
	size_t missing; /* keys of self absent from another language */
	size_t empty;   /* keys of self without translation */
};

static void check_key(void *ud, const char *key)
{
	struct key_check *kc = ud;

	if (!i18n_lookup(kc->cat, kc->self, key)) {
		print_error("%s.po: \"%s\" has no translation\n", lang_code(kc->self), key);
		kc->empty++;
	}
	for (int l = 0; l < LANG_COUNT; l++) {
		if ((enum lang)l == kc->self || has_key(kc->cat, (enum lang)l, key))
			continue;
		print_error("\"%s\" is in %s.po but not in %s.po\n", key, lang_code(kc->self),
		            lang_code((enum lang)l));
		kc->missing++;
	}
}

static void test_real_catalogues(void **state)
{
	static const char *const files[] = {"locale/ar/site.po", "locale/fr/site.po",
	                                    "locale/en/site.po"};
	struct i18n *cat = NULL;
	char err[512] = "";
	size_t missing = 0, empty = 0;

	(void)state;
	for (int i = 0; i < 3; i++) {
		if (access(files[i], R_OK) != 0) {
			print_message("%s not found (run from the repo root); skipping\n",
			              files[i]);
			skip();
		}
	}
	if (i18n_load("locale", &cat, err, sizeof err) != 0)
		fail_msg("loading locale/: %s", err);
	for (int l = 0; l < LANG_COUNT; l++) {
		struct key_check kc = {cat, (enum lang)l, 0, 0};

		assert_true(i18n_count(cat, (enum lang)l) > 0);
		i18n_each_key(cat, (enum lang)l, check_key, &kc);
		missing += kc.missing;
		empty += kc.empty;
	}
	i18n_free(cat);
	assert_int_equal(missing, 0);
	assert_int_equal(empty, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lang_basics),
	        cmocka_unit_test(test_negotiate_table),
	        cmocka_unit_test(test_negotiate_huge),
	        cmocka_unit_test(test_po_basic),
	        cmocka_unit_test(test_po_multiline_escapes),
	        cmocka_unit_test(test_po_crlf_bom_obsolete),
	        cmocka_unit_test(test_po_fuzzy),
	        cmocka_unit_test(test_po_msgctxt),
	        cmocka_unit_test(test_plural_arabic),
	        cmocka_unit_test(test_plural_fr_en),
	        cmocka_unit_test(test_po_errors),
	        cmocka_unit_test(test_po_nul_byte),
	        cmocka_unit_test(test_po_merge_and_args),
	        cmocka_unit_test(test_po_many_keys),
	        cmocka_unit_test(test_load_dir),
	        cmocka_unit_test(test_concurrent_lookups),
	        cmocka_unit_test(test_format_int),
	        cmocka_unit_test(test_format_date),
	        cmocka_unit_test(test_real_catalogues),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
