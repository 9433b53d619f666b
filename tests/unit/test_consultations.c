/* Unit tests for app/consultations.c: the phases a consultation goes
 * through with its dates, the transition table against the rules written
 * out again here, the consultation's, a question's and an answer's
 * validation (each bad input named by its field), and the summary:
 * counts, shares and mean on known answers, texts in the order of the
 * random response ids with anonymous ones left without a name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/consultations.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct consultation open_one(void)
{
	struct consultation c = {0};

	c.state = CS_OPEN;
	c.opens_on = "2026-12-01";
	c.closes_on = "2026-12-15";
	c.lang = LANG_FR;
	c.title[LANG_FR] = "Titre";
	c.title[LANG_AR] = "";
	c.title[LANG_EN] = "";
	c.intro[LANG_FR] = "Intro";
	c.intro[LANG_AR] = "";
	c.intro[LANG_EN] = "";
	return c;
}

static void phases_follow_dates(void **state)
{
	struct consultation c = open_one();

	(void)state;
	assert_int_equal(cons_phase(&c, "2026-11-30"), CP_SCHEDULED);
	assert_int_equal(cons_phase(&c, "2026-12-01"), CP_OPEN);
	assert_int_equal(cons_phase(&c, "2026-12-15"), CP_OPEN); /* the closing day included */
	assert_int_equal(cons_phase(&c, "2026-12-16"), CP_CLOSED);
	c.state = CS_CLOSED;
	assert_int_equal(cons_phase(&c, "2026-12-05"), CP_CLOSED);
	c.state = CS_DRAFT;
	assert_int_equal(cons_phase(&c, "2026-12-05"), CP_DRAFT);
	c.state = CS_PUBLISHED;
	assert_int_equal(cons_phase(&c, "2026-12-05"), CP_PUBLISHED);
}

/* The rules, written out again: open a draft; close before or during the
 * answers; publish once closed; nothing else. */
static void transitions_are_the_rules(void **state)
{
	static const char *const names[] = {"open", "close", "publish", "edit", ""};

	(void)state;
	for (size_t i = 0; i < N(names); i++)
		for (int p = 0; p < CP_COUNT; p++) {
			const struct cons_transition *t =
			        cons_transition_find(names[i], (enum cons_phase)p);
			int want = (strcmp(names[i], "open") == 0 && p == CP_DRAFT) ||
			           (strcmp(names[i], "close") == 0 &&
			            (p == CP_SCHEDULED || p == CP_OPEN)) ||
			           (strcmp(names[i], "publish") == 0 && p == CP_CLOSED);
			assert_int_equal(t != NULL, want);
		}
	assert_int_equal(cons_transition_find("open", CP_DRAFT)->to, CS_OPEN);
	assert_int_equal(cons_transition_find("close", CP_OPEN)->to, CS_CLOSED);
	assert_int_equal(cons_transition_find("publish", CP_CLOSED)->to, CS_PUBLISHED);
	assert_null(cons_transition_find(NULL, CP_DRAFT));
}

static const char *issue_key(const struct cons_issues *is, const char *field)
{
	for (int i = 0; i < is->count; i++)
		if (strcmp(is->items[i].field, field) == 0)
			return is->items[i].key;
	return NULL;
}

static struct cons_form good_form(void)
{
	struct cons_form f = {{"", "Quelles priorités ?", ""},
	                      {"", "Votre avis compte.", ""},
	                      "network",
	                      "",
	                      "reseau-canada",
	                      "",
	                      "2026-12-01",
	                      "2026-12-15",
	                      "1"};
	return f;
}

static void consultation_form(void **state)
{
	struct consultation c = {.lang = LANG_FR};
	struct cons_issues is = {0};
	struct cons_form f = good_form();
	char big[CONS_TITLE_MAX + 2];

	(void)state;
	cons_read(&f, &c, "2026-11-29", &is);
	assert_int_equal(is.count, 0);
	assert_int_equal(c.audience, CA_NETWORK);
	assert_string_equal(c.audience_value, "reseau-canada");
	assert_int_equal(c.public_results, 1);

	/* the author's language is required; the others are not */
	f.title[LANG_FR] = "  ";
	is = (struct cons_issues){0};
	cons_read(&f, &c, "2026-11-29", &is);
	assert_string_equal(issue_key(&is, "title_fr"), "consult.error.title");
	assert_null(issue_key(&is, "title_ar"));

	/* an introduction in a language without its title */
	f = good_form();
	f.intro[LANG_AR] = "مقدمة";
	is = (struct cons_issues){0};
	cons_read(&f, &c, "2026-11-29", &is);
	assert_string_equal(issue_key(&is, "title_ar"), "consult.error.title_for_intro");

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	f = good_form();
	f.title[LANG_EN] = big;
	f.audience = "sector";
	f.opens_on = "2026-02-30";
	f.closes_on = "2026-11-28";
	is = (struct cons_issues){0};
	cons_read(&f, &c, "2026-11-29", &is);
	assert_string_equal(issue_key(&is, "title_en"), "consult.error.title_long");
	assert_string_equal(issue_key(&is, "sector"), "consult.error.sector");
	assert_string_equal(issue_key(&is, "opens_on"), "consult.error.opens_on");
	assert_string_equal(issue_key(&is, "closes_on"), "consult.error.closes_past");

	f = good_form();
	f.audience = "planet";
	f.opens_on = "2026-12-10";
	f.closes_on = "2026-12-09";
	is = (struct cons_issues){0};
	cons_read(&f, &c, "2026-11-29", &is);
	assert_string_equal(issue_key(&is, "audience"), "consult.error.audience");
	assert_string_equal(issue_key(&is, "closes_on"), "consult.error.closes_before_opens");
}

static void question_form(void **state)
{
	struct arena a = ARENA_INIT;
	struct cons_question q;
	struct cons_issues is = {0};
	struct cons_question_form f = {
	        "choice", "Votre secteur ?", "1", "Santé\r\n\r\nÉducation\n", "", ""};

	(void)state;
	cons_question_read(&a, &f, &q, &is);
	assert_int_equal(is.count, 0);
	assert_int_equal(q.noptions, 2);
	assert_string_equal(q.options[1], "Éducation");
	assert_int_equal(q.required, 1);

	f.options = "Seule";
	is = (struct cons_issues){0};
	cons_question_read(&a, &f, &q, &is);
	assert_string_equal(issue_key(&is, "options"), "consult.error.options_count");

	f.options = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11";
	is = (struct cons_issues){0};
	cons_question_read(&a, &f, &q, &is);
	assert_string_equal(issue_key(&is, "options"), "consult.error.options_count");

	f.options = "Oui\nOui";
	is = (struct cons_issues){0};
	cons_question_read(&a, &f, &q, &is);
	assert_string_equal(issue_key(&is, "options"), "consult.error.option_twice");

	f = (struct cons_question_form){"scale", "Utilité ?", "", "", "Pas du tout", ""};
	is = (struct cons_issues){0};
	cons_question_read(&a, &f, &q, &is);
	assert_string_equal(issue_key(&is, "scale_high"), "consult.error.scale_label");
	assert_null(issue_key(&is, "scale_low"));

	f = (struct cons_question_form){"poll", "", "", "", "", ""};
	is = (struct cons_issues){0};
	cons_question_read(&a, &f, &q, &is);
	assert_string_equal(issue_key(&is, "kind"), "consult.error.kind");
	assert_string_equal(issue_key(&is, "prompt"), "consult.error.prompt");
	arena_free(&a);
}

static const struct cons_question questions[] = {
        {1, 1, CK_CHOICE, "Priorité ?", 1, 3, {"Santé", "Éducation", "Eau"}, "", ""},
        {2, 2, CK_SCALE, "Utilité ?", 0, 0, {NULL}, "Faible", "Forte"},
        {3, 3, CK_TEXT, "Une idée ?", 0, 0, {NULL}, "", ""},
};

static void answers(void **state)
{
	struct cons_answer out[3];
	struct cons_issues is = {0};
	char *big = malloc(100001);
	const char *ok[] = {"2", "5", "Plus de mentorat"};
	const char *bad[] = {"4", "6", big};
	const char *empty[] = {"", "", "  \n"};

	(void)state;
	cons_answers_read(questions, 3, ok, out, &is);
	assert_int_equal(is.count, 0);
	assert_int_equal(out[0].choice, 2);
	assert_int_equal(out[1].scale, 5);
	assert_string_equal(out[2].text, "Plus de mentorat");

	memset(big, 'x', 100000);
	big[100000] = '\0';
	cons_answers_read(questions, 3, bad, out, &is);
	assert_string_equal(issue_key(&is, "q1"), "consult.error.choice");
	assert_string_equal(issue_key(&is, "q2"), "consult.error.scale");
	assert_string_equal(issue_key(&is, "q3"), "consult.error.text_long");

	is = (struct cons_issues){0};
	cons_answers_read(questions, 3, empty, out, &is);
	assert_int_equal(is.count, 1); /* only the required one */
	assert_string_equal(issue_key(&is, "q1"), "consult.error.required");
	assert_null(out[2].text);

	is = (struct cons_issues){0};
	bad[0] = "0";
	bad[1] = "3.5";
	cons_answers_read(questions, 2, bad, out, &is);
	assert_string_equal(issue_key(&is, "q1"), "consult.error.choice");
	assert_string_equal(issue_key(&is, "q2"), "consult.error.scale");
	free(big);
}

static void summary(void **state)
{
	struct arena a = ARENA_INIT;
	/* three responses: 900 (named), 100 and 500 (anonymous) */
	const struct cons_row rows[] = {
	        {0, 900, "Amina", {1, 0, NULL}},
	        {1, 900, "Amina", {0, 4, NULL}},
	        {2, 900, "Amina", {0, 0, "Des stages"}},
	        {0, 100, NULL, {1, 0, NULL}},
	        {1, 100, NULL, {0, 5, NULL}},
	        {2, 100, NULL, {0, 0, "Un guichet unique"}},
	        {0, 500, NULL, {3, 0, NULL}},
	        {2, 500, NULL, {0, 0, "Du mentorat"}},
	};
	struct cons_tally t[3];

	(void)state;
	assert_int_equal(cons_summarise(&a, questions, 3, rows, (int)N(rows), t), 0);
	assert_int_equal(t[0].answered, 3);
	assert_int_equal(t[0].count[1], 2);
	assert_int_equal(t[0].count[2], 0);
	assert_int_equal(t[0].count[3], 1);
	assert_int_equal(t[0].permille[1], 667);
	assert_int_equal(t[0].permille[3], 333);
	assert_string_equal(cons_permille_text(&a, t[0].permille[1]), "66.7");
	assert_int_equal(t[1].answered, 2);
	assert_int_equal(t[1].count[4], 1);
	assert_int_equal(t[1].count[5], 1);
	assert_int_equal(t[1].permille[4], 500);
	assert_int_equal(t[1].mean_x100, 450);
	assert_string_equal(cons_hundredths_text(&a, t[1].mean_x100), "4.50");
	/* texts in the order of the response ids: 100, 500, 900 */
	assert_int_equal(t[2].ntexts, 3);
	assert_string_equal(t[2].texts[0].text, "Un guichet unique");
	assert_null(t[2].texts[0].name);
	assert_string_equal(t[2].texts[1].text, "Du mentorat");
	assert_null(t[2].texts[1].name);
	assert_string_equal(t[2].texts[2].text, "Des stages");
	assert_string_equal(t[2].texts[2].name, "Amina");

	/* nobody answered: no division by zero */
	assert_int_equal(cons_summarise(&a, questions, 3, rows, 0, t), 0);
	assert_int_equal(t[1].mean_x100, 0);
	assert_int_equal(t[0].permille[1], 0);

	/* a row for a question that is not there */
	const struct cons_row stray[] = {{3, 1, NULL, {1, 0, NULL}}};
	assert_int_equal(cons_summarise(&a, questions, 3, stray, 1, t), -1);
	arena_free(&a);
}

static void names_round_trip(void **state)
{
	enum cons_state s;
	enum cons_audience au;
	enum cons_kind k;

	(void)state;
	for (int i = 0; i < CS_STATE_COUNT; i++)
		assert_int_equal(cons_state_parse(cons_state_name((enum cons_state)i), &s), 0);
	for (int i = 0; i < CA_COUNT; i++)
		assert_int_equal(
		        cons_audience_parse(cons_audience_name((enum cons_audience)i), &au), 0);
	for (int i = 0; i < CK_COUNT; i++)
		assert_int_equal(cons_kind_parse(cons_kind_name((enum cons_kind)i), &k), 0);
	assert_int_equal(cons_kind_parse("poll", &k), -1);
	assert_null(cons_state_name(CS_STATE_COUNT));
}

static void titles_fall_back(void **state)
{
	struct consultation c = open_one();

	(void)state;
	assert_string_equal(cons_title(&c, LANG_AR), "Titre");
	c.title[LANG_AR] = "عنوان";
	assert_string_equal(cons_title(&c, LANG_AR), "عنوان");
	assert_string_equal(cons_intro(&c, LANG_AR), "Intro"); /* no Arabic introduction */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(phases_follow_dates),
	        cmocka_unit_test(transitions_are_the_rules),
	        cmocka_unit_test(consultation_form),
	        cmocka_unit_test(question_form),
	        cmocka_unit_test(answers),
	        cmocka_unit_test(summary),
	        cmocka_unit_test(names_round_trip),
	        cmocka_unit_test(titles_fall_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
