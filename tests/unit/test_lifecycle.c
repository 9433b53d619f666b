/* Unit tests for app/lifecycle.c: the transition tables of needs and
 * engagements against the lifecycle written out again here, independently
 * (every allowed move, with its target state and actor, and every other
 * action × state × actor refused), the names both ways, final states,
 * contact visibility, the response deadline's state and the reason codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/lifecycle.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define INST ACTOR_INSTITUTION
#define EXPERT ACTOR_EXPERT
#define PROG ACTOR_PROGRAMME
#define SYS ACTOR_SYSTEM

static const enum actor actors[] = {INST, EXPERT, PROG, SYS};

/* ---- Needs ------------------------------------------------------------------------ */

/* The need lifecycle of issue 5: draft → submitted → published (after the
 * programme team's review) → staffed → in progress → completed; returned
 * to draft with a note; cancelled with a reason from any open state. */
static const struct {
	const char *action, *from, *to;
	unsigned who;
} need_moves[] = {
        {"submit", "draft", "submitted", INST},
        {"return", "submitted", "draft", PROG},
        {"publish", "submitted", "published", PROG},
        {"staff", "published", "staffed", INST},
        {"start", "staffed", "in_progress", INST},
        {"complete", "in_progress", "completed", INST},
        {"cancel", "draft", "cancelled", INST | PROG},
        {"cancel", "submitted", "cancelled", INST | PROG},
        {"cancel", "published", "cancelled", INST | PROG},
        {"cancel", "staffed", "cancelled", INST | PROG},
        {"cancel", "in_progress", "cancelled", INST | PROG},
};

static int need_allowed(int a, int s, enum actor who)
{
	for (size_t i = 0; i < N(need_moves); i++)
		if (need_action_parse(need_moves[i].action) == a &&
		    need_state_parse(need_moves[i].from) == s && (need_moves[i].who & who))
			return 1;
	return 0;
}

static void need_every_allowed_move(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(need_moves); i++) {
		int a = need_action_parse(need_moves[i].action);
		int from = need_state_parse(need_moves[i].from),
		    to = need_state_parse(need_moves[i].to);
		assert_true(a >= 0 && from >= 0 && to >= 0);
		for (size_t k = 0; k < N(actors); k++)
			assert_int_equal(
			        need_can((enum need_action)a, (enum need_state)from, actors[k]),
			        (need_moves[i].who & actors[k]) != 0);
		assert_int_equal(need_transitions[a].to, to);
		assert_string_equal(need_transitions[a].name, need_moves[i].action);
	}
}

static void need_everything_else_refused(void **state)
{
	int allowed = 0;

	(void)state;
	for (int a = 0; a < NEED_ACTIONS; a++)
		for (int s = 0; s < NEED_STATES; s++)
			for (size_t k = 0; k < N(actors); k++) {
				int can = need_can((enum need_action)a, (enum need_state)s,
				                   actors[k]);
				assert_int_equal(can, need_allowed(a, s, actors[k]));
				allowed += can;
			}
	assert_int_equal(allowed, 6 + 5 * 2); /* six single moves, cancel from 5 states by 2 */
	/* a sample, spelled out */
	assert_false(need_can(NA_PUBLISH, NEED_DRAFT, PROG));          /* not reviewed yet */
	assert_false(need_can(NA_PUBLISH, NEED_SUBMITTED, INST));      /* only the programme team */
	assert_false(need_can(NA_SUBMIT, NEED_PUBLISHED, INST));       /* already out */
	assert_false(need_can(NA_START, NEED_PUBLISHED, INST));        /* staffed first */
	assert_false(need_can(NA_CANCEL, NEED_COMPLETED, INST));       /* final */
	assert_false(need_can(NA_CANCEL, NEED_CANCELLED, PROG));       /* final */
	assert_false(need_can(NA_RETURN, NEED_PUBLISHED, PROG));       /* returned only in review */
	assert_false(need_can(NA_COMPLETE, NEED_IN_PROGRESS, EXPERT)); /* experts move no need */
	assert_false(need_can((enum need_action)NEED_ACTIONS, NEED_DRAFT, INST));
	assert_false(need_can(NA_SUBMIT, (enum need_state)NEED_STATES, INST));
}

static void need_requirements_and_names(void **state)
{
	(void)state;
	assert_int_equal(need_transitions[NA_CANCEL].needs, NEEDS_REASON);
	assert_int_equal(need_transitions[NA_RETURN].needs, NEEDS_MESSAGE);
	for (int a = 0; a < NEED_ACTIONS; a++) {
		assert_int_equal(need_transitions[a].action, a);
		assert_int_equal(need_action_parse(need_transitions[a].name), a);
		if (a != NA_CANCEL && a != NA_RETURN)
			assert_int_equal(need_transitions[a].needs, 0);
	}
	for (int s = 0; s < NEED_STATES; s++)
		assert_int_equal(need_state_parse(need_state_name((enum need_state)s)), s);
	assert_int_equal(need_state_parse("reopened"), -1);
	assert_int_equal(need_state_parse(NULL), -1);
	assert_int_equal(need_action_parse("reopen"),
	                 -1); /* a recurring need is repeated, never reopened */
	assert_string_equal(need_state_name((enum need_state)99), "");
	for (int s = 0; s < NEED_STATES; s++)
		assert_int_equal(need_final((enum need_state)s),
		                 s == NEED_COMPLETED || s == NEED_CANCELLED);
	for (const char *const *r = need_cancel_reasons; *r; r++)
		assert_true(need_reason_ok(*r));
	assert_true(need_reason_ok("other"));
	assert_false(need_reason_ok(""));
	assert_false(need_reason_ok(NULL));
	assert_false(need_reason_ok("whim"));
}

/* ---- Engagements --------------------------------------------------------------------- */

static const struct {
	const char *action, *from, *to;
	unsigned who;
} eng_moves[] = {
        {"invite", "suggested", "invited", INST},
        {"shortlist", "applied", "shortlisted", INST},
        {"interested", "invited", "shortlisted", EXPERT},
        {"accept", "shortlisted", "accepted", INST},
        {"confirm", "accepted", "confirmed", EXPERT},
        {"start", "confirmed", "in_mission", INST},
        {"deliver", "in_mission", "delivered", INST},
        {"evaluate", "delivered", "evaluated", INST | EXPERT},
        {"refuse", "suggested", "refused", INST},
        {"refuse", "applied", "refused", INST},
        {"refuse", "shortlisted", "refused", INST},
        {"decline", "invited", "declined", EXPERT},
        {"decline", "accepted", "declined", EXPERT},
        {"withdraw", "applied", "withdrawn", EXPERT},
        {"withdraw", "invited", "withdrawn", EXPERT},
        {"withdraw", "shortlisted", "withdrawn", EXPERT},
        {"withdraw", "accepted", "withdrawn", EXPERT},
        {"withdraw", "confirmed", "withdrawn", EXPERT},
        {"close", "applied", "closed", INST | PROG},
        {"close", "invited", "closed", INST | PROG},
        {"close", "shortlisted", "closed", INST | PROG},
        {"close", "accepted", "closed", INST | PROG},
        {"close", "confirmed", "closed", INST | PROG},
        {"close", "in_mission", "closed", INST | PROG},
        {"no_answer", "applied", "no_answer", SYS},
};

static int eng_allowed(int a, int s, enum actor who)
{
	for (size_t i = 0; i < N(eng_moves); i++)
		if (eng_action_parse(eng_moves[i].action) == a &&
		    eng_state_parse(eng_moves[i].from) == s && (eng_moves[i].who & who))
			return 1;
	return 0;
}

static void eng_every_allowed_move(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(eng_moves); i++) {
		int a = eng_action_parse(eng_moves[i].action);
		int from = eng_state_parse(eng_moves[i].from),
		    to = eng_state_parse(eng_moves[i].to);
		assert_true(a >= 0 && from >= 0 && to >= 0);
		for (size_t k = 0; k < N(actors); k++)
			assert_int_equal(
			        eng_can((enum eng_action)a, (enum eng_state)from, actors[k]),
			        (eng_moves[i].who & actors[k]) != 0);
		assert_int_equal(eng_transitions[a].to, to);
	}
}

static void eng_everything_else_refused(void **state)
{
	(void)state;
	for (int a = 0; a < ENG_ACTIONS; a++)
		for (int s = 0; s < ENG_STATES; s++)
			for (size_t k = 0; k < N(actors); k++)
				assert_int_equal(
				        eng_can((enum eng_action)a, (enum eng_state)s, actors[k]),
				        eng_allowed(a, s, actors[k]));
	assert_false(eng_can(EA_DELIVER, ENG_DECLINED, INST));          /* the example */
	assert_false(eng_can(EA_CONFIRM, ENG_SHORTLISTED, EXPERT));     /* accepted first */
	assert_false(eng_can(EA_ACCEPT, ENG_APPLIED, INST));            /* shortlisted first */
	assert_false(eng_can(EA_NO_ANSWER, ENG_APPLIED, INST));         /* only the deadline */
	assert_false(eng_can(EA_SHORTLIST, ENG_APPLIED, ACTOR_SYSTEM)); /* a person decides */
	assert_false(eng_can(EA_REFUSE, ENG_APPLIED, ACTOR_SYSTEM));
	assert_false(eng_can(EA_WITHDRAW, ENG_DELIVERED, EXPERT));
}

static void eng_states_and_reasons(void **state)
{
	(void)state;
	for (int s = 0; s < ENG_STATES; s++)
		assert_int_equal(eng_state_parse(eng_state_name((enum eng_state)s)), s);
	for (int a = 0; a < ENG_ACTIONS; a++)
		assert_int_equal(eng_action_parse(eng_transitions[a].name), a);
	assert_true(eng_final(ENG_EVALUATED) && eng_final(ENG_NO_ANSWER) && eng_final(ENG_CLOSED));
	assert_false(eng_final(ENG_DELIVERED) || eng_final(ENG_APPLIED));
	assert_false(eng_contact_visible(ENG_ACCEPTED)); /* hidden until the expert confirms */
	assert_true(eng_contact_visible(ENG_CONFIRMED) && eng_contact_visible(ENG_EVALUATED));
	assert_true(eng_waiting(ENG_APPLIED));
	assert_false(eng_waiting(ENG_SHORTLISTED));
	/* every closing step carries a reason; refusals and closures a message too */
	for (int a = 0; a < ENG_ACTIONS; a++) {
		int closing =
		        a == EA_REFUSE || a == EA_DECLINE || a == EA_WITHDRAW || a == EA_CLOSE;
		assert_int_equal((eng_transitions[a].needs & NEEDS_REASON) != 0, closing);
		assert_int_equal(eng_reasons[a][0] != NULL, closing);
	}
	assert_true(eng_reason_ok(EA_CLOSE, "need_cancelled"));
	assert_false(eng_reason_ok(EA_REFUSE, "need_cancelled"));
	assert_false(eng_reason_ok(EA_SHORTLIST, "other"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(need_every_allowed_move),
	        cmocka_unit_test(need_everything_else_refused),
	        cmocka_unit_test(need_requirements_and_names),
	        cmocka_unit_test(eng_every_allowed_move),
	        cmocka_unit_test(eng_everything_else_refused),
	        cmocka_unit_test(eng_states_and_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
