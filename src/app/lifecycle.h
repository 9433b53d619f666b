/* lifecycle: the states of needs and engagements, and who may move them.
 *
 * Behaviour as tables (lifecycle.c): each action names the states it may
 * start from, the state it leads to, who takes it, and what must come with
 * it (a reason code, a message the other side sees). Handlers look the
 * action up, check the actor, and refuse anything the table does not allow
 * (422, state unchanged). A person decides each step; the only automatic
 * move is ENG_NO_ANSWER, the response deadline (app/deadlines.c).
 *
 * Need:  draft -submit-> submitted -publish-> published -staff-> staffed
 *        -start-> in_progress -complete-> completed; submitted -return->
 *        draft (the programme team sends it back with a note); cancel from
 *        any open state, with a reason. A recurring need is not reopened:
 *        a completed or cancelled need gets a new child draft (parent_id).
 *
 * Engagement: suggested (by the institution, from matches; the expert is
 *        not told) -invite-> invited; applied (by the expert) or invited
 *        -shortlist / interested-> shortlisted -accept-> accepted
 *        -confirm-> confirmed -start-> in_mission -deliver-> delivered
 *        -evaluate-> evaluated (once both sides evaluated). Ends: refused
 *        (institution), declined (expert), withdrawn (expert), closed
 *        (institution, e.g. the need was cancelled), no_answer (deadline).
 *        The expert's contact details are shown to the institution from
 *        confirmed on (engagements.contact_shared_at).
 */
#ifndef KAFAAT_APP_LIFECYCLE_H
#define KAFAAT_APP_LIFECYCLE_H

enum need_state {
	NEED_DRAFT,
	NEED_SUBMITTED,
	NEED_PUBLISHED,
	NEED_STAFFED,
	NEED_IN_PROGRESS,
	NEED_COMPLETED,
	NEED_CANCELLED,
	NEED_STATES
};

enum need_action {
	NA_SUBMIT,   /* institution: checklist complete, institution verified */
	NA_RETURN,   /* programme team: back to draft, with a note */
	NA_PUBLISH,  /* programme team */
	NA_STAFF,    /* institution: at least one confirmed engagement */
	NA_START,    /* institution */
	NA_COMPLETE, /* institution */
	NA_CANCEL,   /* institution or programme team, with a reason */
	NEED_ACTIONS
};

enum eng_state {
	ENG_SUGGESTED,
	ENG_APPLIED,
	ENG_INVITED,
	ENG_SHORTLISTED,
	ENG_ACCEPTED,
	ENG_DECLINED,
	ENG_CONFIRMED,
	ENG_IN_MISSION,
	ENG_DELIVERED,
	ENG_EVALUATED,
	ENG_REFUSED,
	ENG_WITHDRAWN,
	ENG_CLOSED,
	ENG_NO_ANSWER,
	ENG_STATES
};

enum eng_action {
	EA_INVITE,     /* institution: suggested -> invited */
	EA_SHORTLIST,  /* institution: applied -> shortlisted */
	EA_INTERESTED, /* expert: invited -> shortlisted (yes to the invitation) */
	EA_ACCEPT,     /* institution: shortlisted -> accepted */
	EA_CONFIRM,    /* expert: accepted -> confirmed (contact details shared) */
	EA_START,      /* institution: confirmed -> in_mission */
	EA_DELIVER,    /* institution: in_mission -> delivered (certificate issued) */
	EA_EVALUATE,   /* both evaluations in: delivered -> evaluated */
	EA_REFUSE,     /* institution, reason + message: suggested/applied/shortlisted -> refused */
	EA_DECLINE,    /* expert, reason: invited/accepted -> declined */
	EA_WITHDRAW,   /* expert, reason: applied..confirmed -> withdrawn */
	EA_CLOSE,      /* institution, reason + message: invited..in_mission -> closed */
	EA_NO_ANSWER,  /* the deadline job: applied -> no_answer */
	ENG_ACTIONS
};

/* Who takes an action. */
enum actor { ACTOR_INSTITUTION = 1, ACTOR_EXPERT = 2, ACTOR_PROGRAMME = 4, ACTOR_SYSTEM = 8 };

/* What must come with an action. */
enum { NEEDS_REASON = 1, NEEDS_MESSAGE = 2 };

struct need_transition {
	enum need_action action;
	const char *name; /* "submit", … (form values, audit, catalogue keys) */
	unsigned from;    /* bit (1u << state) for each state it may start from */
	enum need_state to;
	unsigned actors; /* enum actor bits */
	unsigned needs;  /* NEEDS_REASON, NEEDS_MESSAGE */
};

struct eng_transition {
	enum eng_action action;
	const char *name;
	unsigned from;
	enum eng_state to;
	unsigned actors;
	unsigned needs;
};

/* The tables, indexed by action. */
extern const struct need_transition need_transitions[NEED_ACTIONS];
extern const struct eng_transition eng_transitions[ENG_ACTIONS];

/* State and action names ("draft", "in_progress", …) and back; -1 when
 * unknown. */
const char *need_state_name(enum need_state s);
int need_state_parse(const char *name);
int need_action_parse(const char *name);
const char *eng_state_name(enum eng_state s);
int eng_state_parse(const char *name);
int eng_action_parse(const char *name);

/* May `actor` take action a from state s? */
int need_can(enum need_action a, enum need_state s, enum actor actor);
int eng_can(enum eng_action a, enum eng_state s, enum actor actor);

/* Is s a final state (nothing more happens)? */
int need_final(enum need_state s);
int eng_final(enum eng_state s);
/* Are the expert's contact details visible to the institution in s? */
int eng_contact_visible(enum eng_state s);
/* Does the institution owe the expert an answer in s (deadline running)? */
int eng_waiting(enum eng_state s);

/* Reason codes offered with closing actions, by action; NULL-terminated.
 * Each has catalogue keys reason.<code>. */
extern const char *const *const eng_reasons[ENG_ACTIONS];
extern const char *const need_cancel_reasons[];
/* Is code one of the reasons offered for action a? */
int eng_reason_ok(enum eng_action a, const char *code);
int need_reason_ok(const char *code);

#endif
