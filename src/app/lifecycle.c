/* lifecycle: the transition tables of needs and engagements (lifecycle.h). */
#include "app/lifecycle.h"

#include <stddef.h>
#include <string.h>

#define STATE_BIT(s) (1u << (s))
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const need_state_names[NEED_STATES] = {
        "draft", "submitted", "published", "staffed", "in_progress", "completed", "cancelled",
};

static const char *const eng_state_names[ENG_STATES] = {
        "suggested",  "applied",   "invited",   "shortlisted", "accepted",  "declined", "confirmed",
        "in_mission", "delivered", "evaluated", "refused",     "withdrawn", "closed",   "no_answer",
};

enum {
	NEED_OPEN = (STATE_BIT(NEED_DRAFT) | STATE_BIT(NEED_SUBMITTED) | STATE_BIT(NEED_PUBLISHED) |
	             STATE_BIT(NEED_STAFFED) | STATE_BIT(NEED_IN_PROGRESS))
};

const struct need_transition need_transitions[NEED_ACTIONS] = {
        {NA_SUBMIT, "submit", STATE_BIT(NEED_DRAFT), NEED_SUBMITTED, ACTOR_INSTITUTION, 0},
        {NA_RETURN, "return", STATE_BIT(NEED_SUBMITTED), NEED_DRAFT, ACTOR_PROGRAMME,
         NEEDS_MESSAGE},
        {NA_PUBLISH, "publish", STATE_BIT(NEED_SUBMITTED), NEED_PUBLISHED, ACTOR_PROGRAMME, 0},
        {NA_STAFF, "staff", STATE_BIT(NEED_PUBLISHED), NEED_STAFFED, ACTOR_INSTITUTION, 0},
        {NA_START, "start", STATE_BIT(NEED_STAFFED), NEED_IN_PROGRESS, ACTOR_INSTITUTION, 0},
        {NA_COMPLETE, "complete", STATE_BIT(NEED_IN_PROGRESS), NEED_COMPLETED, ACTOR_INSTITUTION,
         0},
        {NA_CANCEL, "cancel", NEED_OPEN, NEED_CANCELLED, ACTOR_INSTITUTION | ACTOR_PROGRAMME,
         NEEDS_REASON},
};

enum {
	ENG_RUNNING =
	        (STATE_BIT(ENG_APPLIED) | STATE_BIT(ENG_INVITED) | STATE_BIT(ENG_SHORTLISTED) |
	         STATE_BIT(ENG_ACCEPTED) | STATE_BIT(ENG_CONFIRMED))
};

const struct eng_transition eng_transitions[ENG_ACTIONS] = {
        {EA_INVITE, "invite", STATE_BIT(ENG_SUGGESTED), ENG_INVITED, ACTOR_INSTITUTION, 0},
        {EA_SHORTLIST, "shortlist", STATE_BIT(ENG_APPLIED), ENG_SHORTLISTED, ACTOR_INSTITUTION, 0},
        {EA_INTERESTED, "interested", STATE_BIT(ENG_INVITED), ENG_SHORTLISTED, ACTOR_EXPERT, 0},
        {EA_ACCEPT, "accept", STATE_BIT(ENG_SHORTLISTED), ENG_ACCEPTED, ACTOR_INSTITUTION, 0},
        {EA_CONFIRM, "confirm", STATE_BIT(ENG_ACCEPTED), ENG_CONFIRMED, ACTOR_EXPERT, 0},
        {EA_START, "start", STATE_BIT(ENG_CONFIRMED), ENG_IN_MISSION, ACTOR_INSTITUTION, 0},
        {EA_DELIVER, "deliver", STATE_BIT(ENG_IN_MISSION), ENG_DELIVERED, ACTOR_INSTITUTION, 0},
        {EA_EVALUATE, "evaluate", STATE_BIT(ENG_DELIVERED), ENG_EVALUATED,
         ACTOR_INSTITUTION | ACTOR_EXPERT, 0},
        {EA_REFUSE, "refuse",
         STATE_BIT(ENG_SUGGESTED) | STATE_BIT(ENG_APPLIED) | STATE_BIT(ENG_SHORTLISTED),
         ENG_REFUSED, ACTOR_INSTITUTION, NEEDS_REASON | NEEDS_MESSAGE},
        {EA_DECLINE, "decline", STATE_BIT(ENG_INVITED) | STATE_BIT(ENG_ACCEPTED), ENG_DECLINED,
         ACTOR_EXPERT, NEEDS_REASON},
        {EA_WITHDRAW, "withdraw", ENG_RUNNING, ENG_WITHDRAWN, ACTOR_EXPERT, NEEDS_REASON},
        {EA_CLOSE, "close", ENG_RUNNING | STATE_BIT(ENG_IN_MISSION), ENG_CLOSED,
         ACTOR_INSTITUTION | ACTOR_PROGRAMME, NEEDS_REASON | NEEDS_MESSAGE},
        {EA_NO_ANSWER, "no_answer", STATE_BIT(ENG_APPLIED), ENG_NO_ANSWER, ACTOR_SYSTEM, 0},
};

/* Reason codes, each with catalogue keys reason.<code>. */
static const char *const refuse_reasons[] = {"profile_mismatch", "need_filled", "need_changed",
                                             "other", NULL};
static const char *const decline_reasons[] = {"unavailable", "not_interested", "conditions",
                                              "conflict",    "other",          NULL};
static const char *const withdraw_reasons[] = {"unavailable", "personal", "conditions", "other",
                                               NULL};
static const char *const close_reasons[] = {"need_cancelled", "need_filled", "need_changed",
                                            "other", NULL};
static const char *const none[] = {NULL};

const char *const *const eng_reasons[ENG_ACTIONS] = {
        [EA_INVITE] = none,
        [EA_SHORTLIST] = none,
        [EA_INTERESTED] = none,
        [EA_ACCEPT] = none,
        [EA_CONFIRM] = none,
        [EA_START] = none,
        [EA_DELIVER] = none,
        [EA_EVALUATE] = none,
        [EA_REFUSE] = refuse_reasons,
        [EA_DECLINE] = decline_reasons,
        [EA_WITHDRAW] = withdraw_reasons,
        [EA_CLOSE] = close_reasons,
        [EA_NO_ANSWER] = none,
};

const char *const need_cancel_reasons[] = {"no_longer_needed", "no_budget", "no_candidates",
                                           "duplicate",        "other",     NULL};

static int find(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *need_state_name(enum need_state s)
{
	return (unsigned)s < NEED_STATES ? need_state_names[s] : "";
}

int need_state_parse(const char *name)
{
	return find(need_state_names, NEED_STATES, name);
}

int need_action_parse(const char *name)
{
	for (int i = 0; name && i < NEED_ACTIONS; i++)
		if (strcmp(need_transitions[i].name, name) == 0)
			return i;
	return -1;
}

const char *eng_state_name(enum eng_state s)
{
	return (unsigned)s < ENG_STATES ? eng_state_names[s] : "";
}

int eng_state_parse(const char *name)
{
	return find(eng_state_names, ENG_STATES, name);
}

int eng_action_parse(const char *name)
{
	for (int i = 0; name && i < ENG_ACTIONS; i++)
		if (strcmp(eng_transitions[i].name, name) == 0)
			return i;
	return -1;
}

int need_can(enum need_action a, enum need_state s, enum actor actor)
{
	if ((unsigned)a >= NEED_ACTIONS || (unsigned)s >= NEED_STATES)
		return 0;
	return (need_transitions[a].from & STATE_BIT(s)) && (need_transitions[a].actors & actor);
}

int eng_can(enum eng_action a, enum eng_state s, enum actor actor)
{
	if ((unsigned)a >= ENG_ACTIONS || (unsigned)s >= ENG_STATES)
		return 0;
	return (eng_transitions[a].from & STATE_BIT(s)) && (eng_transitions[a].actors & actor);
}

int need_final(enum need_state s)
{
	return s == NEED_COMPLETED || s == NEED_CANCELLED;
}

int eng_final(enum eng_state s)
{
	static const unsigned final = STATE_BIT(ENG_EVALUATED) | STATE_BIT(ENG_DECLINED) |
	                              STATE_BIT(ENG_REFUSED) | STATE_BIT(ENG_WITHDRAWN) |
	                              STATE_BIT(ENG_CLOSED) | STATE_BIT(ENG_NO_ANSWER);
	return (unsigned)s < ENG_STATES && (final & STATE_BIT(s));
}

int eng_contact_visible(enum eng_state s)
{
	static const unsigned shared = STATE_BIT(ENG_CONFIRMED) | STATE_BIT(ENG_IN_MISSION) |
	                               STATE_BIT(ENG_DELIVERED) | STATE_BIT(ENG_EVALUATED);
	return (unsigned)s < ENG_STATES && (shared & STATE_BIT(s));
}

int eng_waiting(enum eng_state s)
{
	return s == ENG_APPLIED;
}

int eng_reason_ok(enum eng_action a, const char *code)
{
	if ((unsigned)a >= ENG_ACTIONS || !code)
		return 0;
	for (const char *const *r = eng_reasons[a]; *r; r++)
		if (strcmp(*r, code) == 0)
			return 1;
	return 0;
}

int need_reason_ok(const char *code)
{
	for (const char *const *r = need_cancel_reasons; code && *r; r++)
		if (strcmp(*r, code) == 0)
			return 1;
	return 0;
}
