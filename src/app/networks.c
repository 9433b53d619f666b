/* networks: the model — a network, someone's role in it and what each role
 * may do (networks.h). */
#include "app/networks.h"

#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "app/clock.h"
#include "app/engagements.h"
#include "app/events.h"
#include "app/sql.h"
#include "app/visibility.h"
#include "db/db.h"

int network_load(struct db *db, struct arena *a, const char *slug, struct network *out)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT slug, kind, membership, position, created_at, updated_at, name_ar, "
	            "name_fr, name_en, summary_ar, summary_fr, summary_en, charter_ar, charter_fr, "
	            "charter_en FROM networks WHERE slug = $1");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_text(st, 1, slug) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW) {
		*out = (struct network){0};
		out->slug = sql_col(st, a, 0);
		out->kind = sql_col(st, a, 1);
		out->membership = sql_col(st, a, 2);
		out->position = (int)db_col_int(st, 3);
		out->created_at = sql_col(st, a, 4);
		out->updated_at = sql_col(st, a, 5);
		for (int l = 0; l < LANG_COUNT; l++) {
			out->name[l] = sql_col(st, a, 6 + l);
			out->summary[l] = sql_col(st, a, 9 + l);
			out->charter[l] = sql_col(st, a, 12 + l);
		}
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc < 0 ? -1 : 0;
}

const char *network_label(const struct network *n, enum lang l)
{
	if (n->name[l] && *n->name[l])
		return n->name[l];
	if (n->name[LANG_FR] && *n->name[LANG_FR])
		return n->name[LANG_FR];
	for (int i = 0; i < LANG_COUNT; i++)
		if (n->name[i] && *n->name[i])
			return n->name[i];
	return n->slug ? n->slug : "";
}

int network_role(struct db *db, int64_t user_id, const char *slug, enum net_role *out)
{
	struct db_stmt *st;
	enum db_rc rc = DB_ERROR;

	*out = NET_OUTSIDER;
	if (user_id <= 0)
		return 0;
	/* One row: is a coordinator (0/1), membership state or NULL. */
	st = db_prepare(db, "SELECT (SELECT COUNT(*) FROM user_roles WHERE user_id = $1 AND role = "
	                    "'coordinator' AND scope = $2), (SELECT state FROM network_members "
	                    "WHERE user_id = $1 AND network = $2)");
	if (st && db_bind_int(st, 1, user_id) == DB_OK && db_bind_text(st, 2, slug) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW) {
		const char *state = db_col_text(st, 1);
		if (db_col_int(st, 0) > 0)
			*out = NET_COORDINATOR;
		else if (state && strcmp(state, "member") == 0)
			*out = NET_MEMBER;
		else if (state && strcmp(state, "pending") == 0)
			*out = NET_PENDING;
	}
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

/* The least role each action needs; admins pass NET_MANAGE and NET_APPOINT
 * whatever their role. NET_APPOINT: nobody by role (the programme team). */
static const struct {
	enum net_role least;
	int admins;
} may_table[NET_ACTION_COUNT] = {
        [NET_SEE_ROSTER] = {NET_MEMBER, 1},       [NET_MANAGE] = {NET_COORDINATOR, 1},
        [NET_APPOINT] = {NET_COORDINATOR + 1, 1}, [NET_ASK_INTRO] = {NET_MEMBER, 0},
        [NET_REGISTER_EVENT] = {NET_MEMBER, 0},   [NET_CONSULT] = {NET_COORDINATOR, 1},
        [NET_DISCUSS] = {NET_MEMBER, 1},          [NET_MODERATE] = {NET_COORDINATOR, 1},
};

int network_may(const struct identity *who, enum net_role r, enum net_action a)
{
	if ((unsigned)a >= NET_ACTION_COUNT || !who || who->second_step_pending)
		return 0;
	if (may_table[a].admins && (who->roles & ROLE_ADMIN))
		return 1;
	return (int)r >= (int)may_table[a].least;
}

const char **network_slugs_of(struct db *db, struct arena *a, int64_t user_id, int max)
{
	const char **out = arena_alloc(a, sizeof(*out) * (size_t)(max + 1));
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT network FROM network_members WHERE user_id = $1 AND state = 'member' "
	        "UNION SELECT scope FROM user_roles WHERE user_id = $1 AND role = 'coordinator' "
	        "ORDER BY 1");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_int(st, 1, user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			if (n < max)
				out[n++] = sql_col(st, a, 0);
	db_finalize(st);
	out[n] = NULL;
	return rc == DB_OK ? out : NULL;
}

int network_shared(struct db *db, int64_t a, int64_t b)
{
	int64_t n = 0;
	char sa[24], sb[24];

	snprintf(sa, sizeof(sa), "%lld", (long long)a);
	snprintf(sb, sizeof(sb), "%lld", (long long)b);
	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM network_members x JOIN network_members y ON "
	                 "y.network = x.network WHERE x.user_id = CAST($1 AS BIGINT) AND x.state = "
	                 "'member' AND y.user_id = CAST($2 AS BIGINT) AND y.state = 'member'",
	                 2, (const char *[]){sa, sb}, &n) != DB_OK)
		return -1;
	return n > 0;
}

/* ---- Slugs, texts, figures ----------------------------------------------------------- */

int network_slug_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > NETWORK_SLUG_MAX || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int network_kind_valid(const char *s)
{
	return s && (strcmp(s, "geographic") == 0 || strcmp(s, "thematic") == 0);
}

int network_membership_valid(const char *s)
{
	return s && (strcmp(s, "open") == 0 || strcmp(s, "approval") == 0);
}

/* The four figures in one statement: $1 the slug, $2 the oldest confirmation
 * still active, $3 now. */
static const char figures_sql[] =
        "SELECT (SELECT COUNT(*) FROM network_members m WHERE m.network = $1 AND m.state = "
        "'member'), (SELECT COUNT(*) FROM network_members m JOIN profiles p ON p.user_id = "
        "m.user_id WHERE m.network = $1 AND m.state = 'member' AND p.confirmed_at >= $2), "
        "(SELECT COUNT(*) FROM network_members m WHERE m.network = $1 AND m.state = 'member' "
        "AND m.user_id IN (" ENG_MOBILISED_EXPERTS_SQL ")), (SELECT COUNT(*) FROM events e "
        "WHERE e.network = $1 AND " EVENTS_HELD_WHERE ")";

int network_figures(struct db *db, const char *slug, int64_t now, struct network_figures *f)
{
	char since[ISO_TIME_LEN + 1], at[ISO_TIME_LEN + 1];
	struct db_stmt *st = db_prepare(db, figures_sql);
	enum db_rc rc = DB_ERROR;

	*f = (struct network_figures){0};
	iso_time(now - (int64_t)DORMANT_AFTER_DAYS * 86400, since);
	iso_time(now, at);
	if (st && db_bind_text(st, 1, slug) == DB_OK && db_bind_text(st, 2, since) == DB_OK &&
	    db_bind_text(st, 3, at) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW) {
		f->members = db_col_int(st, 0);
		f->active = db_col_int(st, 1);
		f->mobilised = db_col_int(st, 2);
		f->events_held = db_col_int(st, 3);
	}
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

/* ---- Introductions -------------------------------------------------------------------- */

static const char *const intro_states[INTRO_STATE_COUNT] = {
        "requested", "forwarded", "refused", "accepted", "declined",
};

/* Every step an introduction may take; anything else is refused. */
const struct intro_transition intro_transitions[] = {
        {"forward", INTRO_REQUESTED, INTRO_FORWARDED, INTRO_BY_COORDINATOR,
         "network.intro_forwarded", "network.intro_received"},
        {"refuse", INTRO_REQUESTED, INTRO_REFUSED, INTRO_BY_COORDINATOR, "network.intro_refused",
         NULL},
        {"accept", INTRO_FORWARDED, INTRO_ACCEPTED, INTRO_BY_TARGET, "network.intro_accepted",
         NULL},
        {"decline", INTRO_FORWARDED, INTRO_DECLINED, INTRO_BY_TARGET, "network.intro_declined",
         NULL},
};
const int intro_transition_count = (int)(sizeof(intro_transitions) / sizeof(intro_transitions[0]));

const char *intro_state_name(enum intro_state s)
{
	return (unsigned)s < INTRO_STATE_COUNT ? intro_states[s] : NULL;
}

int intro_state_parse(const char *s, enum intro_state *out)
{
	for (int i = 0; s && i < INTRO_STATE_COUNT; i++)
		if (strcmp(intro_states[i], s) == 0) {
			*out = (enum intro_state)i;
			return 0;
		}
	return -1;
}

const struct intro_transition *intro_transition_find(const char *name, enum intro_state from)
{
	for (int i = 0; name && i < intro_transition_count; i++)
		if (intro_transitions[i].from == from &&
		    strcmp(intro_transitions[i].name, name) == 0)
			return &intro_transitions[i];
	return NULL;
}

int intro_open(enum intro_state s)
{
	return s == INTRO_REQUESTED || s == INTRO_FORWARDED;
}
