/* Unit tests for app/discussions.c: who may do what in a network's
 * discussions (written out again here, role by role), the checks of a
 * title, a post and a note at their bounds, report reasons, the moderation
 * steps and report resolutions, pagination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/auth.h"
#include "app/discussions.h"

/* A string of n copies of unit (unit: one character, maybe several bytes). */
static char *repeat(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	char *s = test_malloc(u * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[u * n] = '\0';
	return s;
}

static void permissions(void **state)
{
	struct identity person = {.user_id = 7};
	struct identity admin = {.user_id = 8, .roles = ROLE_ADMIN};
	struct identity half = {.user_id = 9, .second_step_pending = 1};
	/* expected[role][action]: READ, POST, FOLLOW, REPORT, MODERATE */
	static const int expected[4][DISC_ACTION_COUNT] = {
	        [NET_OUTSIDER] = {0, 0, 0, 0, 0},
	        [NET_PENDING] = {0, 0, 0, 0, 0},
	        [NET_MEMBER] = {1, 1, 1, 1, 0},
	        [NET_COORDINATOR] = {1, 1, 1, 1, 1},
	};
	(void)state;
	for (int r = NET_OUTSIDER; r <= NET_COORDINATOR; r++)
		for (int a = 0; a < DISC_ACTION_COUNT; a++) {
			assert_int_equal(disc_may(&person, (enum net_role)r, (enum disc_action)a),
			                 expected[r][a]);
			/* the programme team does everything, in every network */
			assert_int_equal(disc_may(&admin, (enum net_role)r, (enum disc_action)a),
			                 1);
			/* anonymous, or the second factor still due: nothing */
			assert_int_equal(disc_may(NULL, (enum net_role)r, (enum disc_action)a), 0);
			assert_int_equal(disc_may(&half, (enum net_role)r, (enum disc_action)a), 0);
		}
	/* a coordinator of another network is an outsider here (network_role) */
	struct identity other = {.user_id = 10, .roles = ROLE_COORDINATOR};
	assert_int_equal(disc_may(&other, NET_OUTSIDER, DISC_MODERATE), 0);
	assert_int_equal(disc_may(&other, NET_MEMBER, DISC_MODERATE), 0);
	assert_int_equal(disc_may(&person, NET_COORDINATOR, DISC_ACTION_COUNT), 0);
}

static void titles(void **state)
{
	char *max = repeat("ع", DISC_TITLE_MAX), *over = repeat("é", DISC_TITLE_MAX + 1);
	(void)state;
	assert_null(disc_title_error("Retour d'expérience"));
	assert_null(disc_title_error(max));
	assert_string_equal(disc_title_error(""), "discussion.error.title_required");
	assert_string_equal(disc_title_error(" \t "), "discussion.error.title_required");
	assert_string_equal(disc_title_error(NULL), "discussion.error.title_required");
	assert_string_equal(disc_title_error(over), "discussion.error.title_invalid");
	assert_string_equal(disc_title_error("two\nlines"), "discussion.error.title_invalid");
	test_free(max);
	test_free(over);
}

static void bodies(void **state)
{
	char *max = repeat("ب", DISC_BODY_MAX), *over = repeat("x", DISC_BODY_MAX + 1);
	char *big = repeat("x", 100000);
	(void)state;
	assert_null(disc_body_error("x"));
	assert_null(disc_body_error("line one\r\nline two\ttab"));
	assert_null(disc_body_error(max));
	assert_string_equal(disc_body_error(""), "discussion.error.body_required");
	assert_string_equal(disc_body_error("\n \n"), "discussion.error.body_required");
	assert_string_equal(disc_body_error(over), "discussion.error.body_invalid");
	assert_string_equal(disc_body_error(big), "discussion.error.body_invalid");
	assert_string_equal(disc_body_error("bell\a"), "discussion.error.body_invalid");
	assert_null(disc_note_error("", 0));
	assert_string_equal(disc_note_error("", 1), "discussion.error.reason_required");
	assert_string_equal(disc_note_error(over, 0), "discussion.error.note_invalid");
	test_free(max);
	test_free(over);
	test_free(big);
}

static void reasons(void **state)
{
	(void)state;
	assert_true(disc_report_reason_valid("spam"));
	assert_true(disc_report_reason_valid("insult"));
	assert_true(disc_report_reason_valid("personal_data"));
	assert_true(disc_report_reason_valid("off_topic"));
	assert_true(disc_report_reason_valid("other"));
	assert_false(disc_report_reason_valid(""));
	assert_false(disc_report_reason_valid("SPAM"));
	assert_false(disc_report_reason_valid(NULL));
	assert_null(disc_report_reason(5));
	assert_null(disc_report_reason(-1));
}

static void steps(void **state)
{
	const struct disc_step *s;
	(void)state;
	s = disc_step_find("hide", DISC_ON_POST);
	assert_non_null(s);
	assert_int_equal(s->from, 0);
	assert_int_equal(s->to, 1);
	assert_true(s->reason_required);
	assert_string_equal(s->notify_author, "discussion.post_hidden");
	s = disc_step_find("unhide", DISC_ON_POST);
	assert_non_null(s);
	assert_int_equal(s->from, 1);
	assert_int_equal(s->to, 0);
	assert_null(s->notify_author);
	s = disc_step_find("lock", DISC_ON_THREAD);
	assert_non_null(s);
	assert_int_equal(s->from, 0);
	assert_int_equal(s->to, 1);
	s = disc_step_find("unlock", DISC_ON_THREAD);
	assert_non_null(s);
	assert_int_equal(s->from, 1);
	/* a step on the wrong kind of thing, or unknown: none */
	assert_null(disc_step_find("lock", DISC_ON_POST));
	assert_null(disc_step_find("hide", DISC_ON_THREAD));
	assert_null(disc_step_find("delete", DISC_ON_POST));
	assert_null(disc_step_find(NULL, DISC_ON_POST));
	for (int i = 0; i < disc_step_count; i++) {
		assert_int_not_equal(disc_steps[i].from, disc_steps[i].to);
		assert_non_null(disc_steps[i].audit_action);
	}
	assert_int_equal(disc_resolution_find("hide")->hides, 1);
	assert_string_equal(disc_resolution_find("hide")->state, "hidden");
	assert_int_equal(disc_resolution_find("dismiss")->hides, 0);
	assert_string_equal(disc_resolution_find("dismiss")->state, "dismissed");
	assert_null(disc_resolution_find("open"));
}

static void pages(void **state)
{
	(void)state;
	assert_int_equal(disc_pages(0, 20), 1);
	assert_int_equal(disc_pages(1, 20), 1);
	assert_int_equal(disc_pages(20, 20), 1);
	assert_int_equal(disc_pages(21, 20), 2);
	assert_int_equal(disc_pages(5, 0), 5);
	assert_int_equal(disc_page_clamp(0, 3), 1);
	assert_int_equal(disc_page_clamp(2, 3), 2);
	assert_int_equal(disc_page_clamp(9, 3), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(permissions), cmocka_unit_test(titles), cmocka_unit_test(bodies),
	        cmocka_unit_test(reasons),     cmocka_unit_test(steps),  cmocka_unit_test(pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
