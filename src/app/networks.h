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

#endif
