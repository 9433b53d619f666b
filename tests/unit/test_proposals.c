/* Unit tests for app/proposals.c, its pure parts: the answers' transition
 * table against the statuses written out again here (every pair of
 * statuses, allowed or not, and which need an answer text), status and
 * kind names, the support milestones that tell the author, the text
 * checks on their boundaries (empty, spaces only, exactly the maximum, one
 * over, counted in characters not bytes, control characters), and the
 * submission form's checks by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/proposals.h"
#include "core/arena.h"

static void transitions_table(void **state)
{
	/* allowed[from][to]: 0 not allowed, 1 allowed, 2 allowed with an answer text */
	static const int allowed[PROPOSAL_STATUSES][PROPOSAL_STATUSES] = {
	        /* received */ {0, 1, 2, 2},
	        /* under_study */ {0, 0, 2, 2},
	        /* adopted */ {0, 0, 0, 0},
	        /* not_retained */ {0, 0, 0, 0},
	};
	(void)state;
	for (int f = 0; f < PROPOSAL_STATUSES; f++)
		for (int t = 0; t < PROPOSAL_STATUSES; t++) {
			const struct proposal_transition *tr = proposal_transition_find(
			        (enum proposal_status)f, (enum proposal_status)t);
			if (!allowed[f][t]) {
				assert_null(tr);
				continue;
			}
			assert_non_null(tr);
			assert_int_equal(tr->needs_answer, allowed[f][t] == 2);
		}
	assert_false(proposal_final(PROP_RECEIVED));
	assert_false(proposal_final(PROP_UNDER_STUDY));
	assert_true(proposal_final(PROP_ADOPTED));
	assert_true(proposal_final(PROP_NOT_RETAINED));
}

static void names(void **state)
{
	(void)state;
	for (int s = 0; s < PROPOSAL_STATUSES; s++)
		assert_int_equal(
		        proposal_status_parse(proposal_status_name((enum proposal_status)s)), s);
	assert_string_equal(proposal_status_name(PROP_NOT_RETAINED), "not_retained");
	assert_int_equal(proposal_status_parse("rejected"), -1);
	assert_int_equal(proposal_status_parse(""), -1);
	assert_int_equal(proposal_status_parse(NULL), -1);
	assert_true(proposal_kind_ok("idea"));
	assert_true(proposal_kind_ok("initiative"));
	assert_false(proposal_kind_ok("Idea"));
	assert_false(proposal_kind_ok(""));
	assert_false(proposal_kind_ok(NULL));
}

static void milestones(void **state)
{
	int told = 0;
	(void)state;
	for (int64_t n = 1; n <= 2000; n++)
		told += proposal_support_milestone(n);
	assert_int_equal(told, 6);
	assert_true(proposal_support_milestone(1));
	assert_false(proposal_support_milestone(2));
	assert_false(proposal_support_milestone(9));
	assert_true(proposal_support_milestone(10));
	assert_true(proposal_support_milestone(50));
	assert_true(proposal_support_milestone(100));
	assert_false(proposal_support_milestone(0));
	assert_false(proposal_support_milestone(-1));
}

static char *repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

static void text_boundaries(void **state)
{
	char *s;
	(void)state;
	assert_string_equal(proposal_text_problem("", 1, 10), "proposal.error.empty");
	assert_string_equal(proposal_text_problem(" \n\t ", 1, 10), "proposal.error.empty");
	assert_null(proposal_text_problem("a", 1, 10));
	assert_null(proposal_text_problem("  a  ", 1, 1)); /* surrounding spaces set aside */
	assert_string_equal(proposal_text_problem("a\x01", 1, 10), "proposal.error.text_invalid");
	assert_string_equal(proposal_text_problem("a\x7f", 1, 10), "proposal.error.text_invalid");
	assert_null(proposal_text_problem("line\nline\r\n\ttab", 1, 100));
	s = repeat("x", PROPOSAL_COMMENT_MAX);
	assert_null(proposal_text_problem(s, 1, PROPOSAL_COMMENT_MAX));
	free(s);
	s = repeat("x", PROPOSAL_COMMENT_MAX + 1);
	assert_string_equal(proposal_text_problem(s, 1, PROPOSAL_COMMENT_MAX),
	                    "proposal.error.too_long");
	free(s);
	/* characters, not bytes: 5000 Arabic letters are 10000 bytes */
	s = repeat("ع", PROPOSAL_COMMENT_MAX);
	assert_null(proposal_text_problem(s, 1, PROPOSAL_COMMENT_MAX));
	free(s);
	s = repeat("x", 100 * 1024);
	assert_string_equal(proposal_text_problem(s, 1, PROPOSAL_COMMENT_MAX),
	                    "proposal.error.too_long");
	free(s);
	assert_null(proposal_text_problem("", 0, 10)); /* optional */
}

static const char *issue_of(const struct need_issues *is, const char *field)
{
	for (int i = 0; i < is->count; i++)
		if (strcmp(is->items[i].field, field) == 0)
			return is->items[i].key;
	return NULL;
}

static void submission_form(void **state)
{
	struct arena a = ARENA_INIT;
	struct kvlist form = {0};
	struct need_issues is = {.count = 0};
	struct proposal p = {0};
	char *long_title = repeat("t", PROPOSAL_TITLE_MAX + 1);
	(void)state;

	kvlist_add(&a, &form, "title", "  Un guichet unique pour les experts  ");
	kvlist_add(&a, &form, "body", "Un seul point d'entrée.\nMoins de formulaires.");
	kvlist_add(&a, &form, "kind", "initiative");
	kvlist_add(&a, &form, "sector", PROPOSAL_PROGRAMME);
	proposal_read(NULL, &a, &form, &p, &is);
	assert_int_equal(is.count, 0);
	assert_string_equal(p.title, "Un guichet unique pour les experts");
	assert_string_equal(p.kind, "initiative");
	assert_string_equal(p.sector, "");

	form = (struct kvlist){0};
	kvlist_add(&a, &form, "title", long_title);
	kvlist_add(&a, &form, "body", "   ");
	kvlist_add(&a, &form, "kind", "wish");
	kvlist_add(&a, &form, "sector", "");
	proposal_read(NULL, &a, &form, &p, &is);
	assert_string_equal(issue_of(&is, "title"), "proposal.error.too_long");
	assert_string_equal(issue_of(&is, "body"), "proposal.error.empty");
	assert_string_equal(issue_of(&is, "kind"), "proposal.error.kind");
	assert_string_equal(issue_of(&is, "sector"), "proposal.error.sector_required");

	is.count = 0;
	form = (struct kvlist){0};
	kvlist_add(&a, &form, "title", "Deux\nlignes");
	kvlist_add(&a, &form, "body", "Texte");
	kvlist_add(&a, &form, "kind", "idea");
	kvlist_add(&a, &form, "sector", PROPOSAL_PROGRAMME);
	proposal_read(NULL, &a, &form, &p, &is);
	assert_int_equal(is.count, 1);
	assert_string_equal(issue_of(&is, "title"), "proposal.error.text_invalid");
	free(long_title);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(transitions_table), cmocka_unit_test(names),
	        cmocka_unit_test(milestones),        cmocka_unit_test(text_boundaries),
	        cmocka_unit_test(submission_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
