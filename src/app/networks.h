/* networks: geographic and thematic networks, the model (the pages are in
 * network_pages.c, events in events.h).
 *
 * A network is identified by its slug. A person's place in it
 * (network_role) is decided here only, from two tables: network_members
 * (state 'pending' or 'member') and user_roles (role 'coordinator', scope
 * the slug). Coordinators manage their own networks only; the programme
 * team (admins) manages every network. Every page, event rule, roster and
 * search filter asks network_role or network_may and nowhere else.
 *
 * Strings of a struct network live in the arena given.
 */
#ifndef KAFAAT_APP_NETWORKS_H
#define KAFAAT_APP_NETWORKS_H

#include <stdint.h>

#include "core/arena.h"
#include "web/i18n.h"

struct db;
struct identity;

#define NETWORK_TEXT_MAX 200     /* characters of a name */
#define NETWORK_SUMMARY_MAX 1000 /* characters of a summary */
#define NETWORK_CHARTER_MAX 8000 /* characters of a charter */

struct network {
	const char *slug;
	const char *kind;       /* "geographic" or "thematic" */
	const char *membership; /* "open" or "approval" */
	const char *name[LANG_COUNT];
	const char *summary[LANG_COUNT];
	const char *charter[LANG_COUNT];
	int position;
	const char *created_at, *updated_at; /* updated_at may be NULL */
};

/* Loads network slug: 1 found, 0 not, -1 error. */
int network_load(struct db *db, struct arena *a, const char *slug, struct network *out);
/* Its name in l (else French, else any). */
const char *network_label(const struct network *n, enum lang l);

/* Someone's place in a network, from the least to the most. A coordinator
 * who is also a member is NET_COORDINATOR; an admin who is neither is
 * NET_OUTSIDER here (network_may says what admins may do). */
enum net_role {
	NET_OUTSIDER,    /* not a member (or not signed in) */
	NET_PENDING,     /* asked to join an approval network */
	NET_MEMBER,      /* a member */
	NET_COORDINATOR, /* a coordinator of this network */
};
/* user_id's role in network slug (user_id 0: NET_OUTSIDER). -1 on error. */
int network_role(struct db *db, int64_t user_id, const char *slug, enum net_role *out);

/* What someone may do in a network: one table in networks.c. */
enum net_action {
	NET_SEE_ROSTER,     /* members' roster (consenting members only) */
	NET_MANAGE,         /* edit texts, decide join requests, announce, events, attendance,
	                       introductions */
	NET_APPOINT,        /* appoint or remove coordinators: the programme team */
	NET_ASK_INTRO,      /* ask a coordinator for an introduction */
	NET_REGISTER_EVENT, /* register for a members-only event */
	NET_CONSULT,        /* open a consultation of the network's members (consultations.h) */
	NET_DISCUSS,        /* read and post in the network's discussions (discussions.h) */
	NET_MODERATE,       /* hide posts, lock threads, resolve reports: coordinators, admins */
	NET_ACTION_COUNT
};
/* May `who` (NULL: anonymous), whose role in the network is r, take
 * action a? Admins may NET_MANAGE and NET_APPOINT every network. */
int network_may(const struct identity *who, enum net_role r, enum net_action a);

/* The slugs of the networks user_id is a member (or coordinator) of,
 * NULL-terminated, in the arena; at most `max`. NULL on error. */
const char **network_slugs_of(struct db *db, struct arena *a, int64_t user_id, int max);

/* Do users a and b share a network as members (state 'member')?
 * 1, 0, or -1 on error. */
int network_shared(struct db *db, int64_t a, int64_t b);

/* ---- Slugs, texts, figures ---- */

#define NETWORK_SLUG_MAX 64
/* Is s a network slug: 1 to 64 lowercase ASCII letters, digits and hyphens,
 * neither first nor last a hyphen? */
int network_slug_valid(const char *s);
/* Is s "geographic" or "thematic"; "open" or "approval"? */
int network_kind_valid(const char *s);
int network_membership_valid(const char *s);

/* A network's figures (docs/NETWORKS.md gives the definitions; this is the
 * only place that computes them):
 *   members    rows of network_members in state 'member'
 *   active     members whose profile is not dormant (confirmed within
 *              DORMANT_AFTER_DAYS of now, visibility.h)
 *   mobilised  members in ENG_MOBILISED_EXPERTS_SQL (engagements.h)
 *   events     events of the network, 'scheduled', ended before now */
struct network_figures {
	int64_t members, active, mobilised, events_held;
};
/* 0, or -1 on a database error. */
int network_figures(struct db *db, const char *slug, int64_t now, struct network_figures *f);

/* ---- Introductions ---- */

/* An introduction's states: requested → forwarded | refused (a coordinator
 * of the network); forwarded → accepted | declined (the member asked to
 * meet). Contact details (both addresses) are shown to the two members
 * only in INTRO_ACCEPTED. */
enum intro_state {
	INTRO_REQUESTED,
	INTRO_FORWARDED,
	INTRO_REFUSED,
	INTRO_ACCEPTED,
	INTRO_DECLINED,
	INTRO_STATE_COUNT
};
enum intro_actor {
	INTRO_BY_COORDINATOR, /* a coordinator of the network, or an admin (NET_MANAGE) */
	INTRO_BY_TARGET,      /* the member the requester wants to meet */
};
/* One step: its name in forms ("forward"), from, to, who takes it, the
 * notification kind sent to the requester and, when set, to the target. */
struct intro_transition {
	const char *name;
	enum intro_state from, to;
	enum intro_actor actor;
	const char *notify_requester; /* kind, or NULL */
	const char *notify_target;    /* kind, or NULL */
};
extern const struct intro_transition intro_transitions[];
extern const int intro_transition_count;
/* The stored name of a state ("requested"…), or NULL. */
const char *intro_state_name(enum intro_state s);
/* The state named s: 0 and *out, or -1. */
int intro_state_parse(const char *s, enum intro_state *out);
/* The transition named name from state `from`, or NULL when the table has
 * none (the step is not allowed now). */
const struct intro_transition *intro_transition_find(const char *name, enum intro_state from);
/* Is an introduction in state s still open (requested or forwarded)? */
int intro_open(enum intro_state s);

/* ---- Demo ---- */

struct app;
/* The second phase of `kafaat demo`, once experts are imported: charters
 * (data/demo/network_charters.tsv) and membership policies of the demo
 * networks, memberships of the imported experts (the geographic network of
 * their country of residence, the thematic ones of their sectors), one or
 * two coordinators per network, a few announcements. Deterministic. Writes
 * nothing and returns 0 when there is no expert yet, or when any network
 * already has a member or an announcement (it never runs twice). Only
 * app->cfg is used (data_dir, ids). Returns the rows written, or -1 with a
 * reason in err. */
int networks_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen);

#endif
