/* engagements: the model of the link between an expert and a need (see
 * engagements.h). */
#include "app/engagements.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/clock.h"
#include "app/notify.h"
#include "app/search.h"
#include "app/sql.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/utf8.h"
#include "sec/token.h"

/* ---- Mobilised experts ------------------------------------------------------------ */

int engagements_mobilised_count(struct db *db, int64_t *n)
{
	return db_query_int(db, "SELECT COUNT(*) FROM (" ENG_MOBILISED_EXPERTS_SQL ") m", 0, NULL,
	                    n) == DB_OK
	               ? 0
	               : -1;
}

int engagements_mobilised(struct db *db, int64_t expert_id)
{
	char id[24];
	int64_t n;

	snprintf(id, sizeof(id), "%lld", (long long)expert_id);
	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM engagements WHERE expert_id = $1 AND " ENG_MOBILISED,
	                 1, (const char *[]){id}, &n) != DB_OK)
		return -1;
	return n > 0;
}

/* ---- Loading ------------------------------------------------------------------------ */

static const char eng_select[] =
        "SELECT e.id, e.need_id, e.expert_id, n.institution_id, e.state, n.state, e.origin, "
        "e.reason, e.message, e.motivation, e.created_at, e.updated_at, e.waiting_since, "
        "e.contact_shared_at, e.delivered_at, e.certificate_code, e.certificate_at, n.title, "
        "i.name_ar, i.name_fr, i.name_en, COALESCE(p.name, ''), COALESCE(p.name_ar, ''), "
        "u.email, u.lang, CASE WHEN e.origin <> 'suggested' OR EXISTS (SELECT 1 FROM "
        "engagement_events v WHERE v.engagement_id = e.id AND v.to_state = 'invited') THEN 1 "
        "ELSE 0 END FROM engagements e JOIN needs n ON n.id = e.need_id "
        "JOIN institutions i ON i.id = n.institution_id JOIN users u ON u.id = e.expert_id "
        "LEFT JOIN profiles p ON p.user_id = e.expert_id ";

static void from_row(struct db_stmt *st, struct arena *a, struct engagement *e)
{
	int s = eng_state_parse(db_col_text(st, 4));

	e->id = db_col_int(st, 0);
	e->need_id = db_col_int(st, 1);
	e->expert_id = db_col_int(st, 2);
	e->institution_id = db_col_int(st, 3);
	e->state = s < 0 ? ENG_CLOSED : (enum eng_state)s; /* the CHECK allows no other */
	e->need_state = need_state_parse(db_col_text(st, 5));
	const char **texts[] = {
	        &e->origin,       &e->reason,           &e->message,        &e->motivation,
	        &e->created_at,   &e->updated_at,       &e->waiting_since,  &e->contact_shared_at,
	        &e->delivered_at, &e->certificate_code, &e->certificate_at, &e->need_title};
	for (int i = 0; i < 12; i++)
		*texts[i] = sql_col(st, a, 6 + i);
	for (int l = 0; l < LANG_COUNT; l++)
		e->institution_name[l] = sql_col(st, a,
		                                 18 + (l == LANG_AR   ? 0
		                                       : l == LANG_FR ? 1
		                                                      : 2));
	e->expert_name = sql_col(st, a, 21);
	e->expert_name_ar = sql_col(st, a, 22);
	e->expert_email = sql_col(st, a, 23);
	if (lang_parse(db_col_text(st, 24), &e->expert_lang) < 0)
		e->expert_lang = LANG_FR;
	e->known_to_expert = db_col_int(st, 25) != 0;
}

/* Runs eng_select + tail with $1 = id, calling fn per row (fn may be NULL:
 * the first row goes to *first). Returns rows seen, or -1. */
static int each(struct db *db, struct arena *a, const char *tail, int64_t id, engagement_fn fn,
                void *ud, struct engagement *first)
{
	struct db_stmt *st = db_prepare(db, arena_printf(a, "%s%s", eng_select, tail));
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			struct engagement e;
			from_row(st, a, fn ? &e : first);
			n++;
			if (!fn || fn(&e, ud))
				break;
		}
	if (rc == DB_ROW)
		rc = DB_OK;
	db_finalize(st);
	if (rc != DB_OK)
		log_error("engagements: %s", db_errmsg(db));
	return rc == DB_OK ? n : -1;
}

int engagement_load(struct db *db, struct arena *a, int64_t id, struct engagement *e)
{
	int n = each(db, a, "WHERE e.id = $1", id, NULL, NULL, e);
	return n < 0 ? -1 : n > 0;
}

int engagements_of_expert(struct db *db, struct arena *a, int64_t expert_id, engagement_fn fn,
                          void *ud)
{
	return each(db, a,
	            "WHERE e.expert_id = $1 AND (e.origin <> 'suggested' OR EXISTS (SELECT 1 FROM "
	            "engagement_events v WHERE v.engagement_id = e.id AND v.to_state = 'invited')) "
	            "ORDER BY e.updated_at DESC, e.id DESC",
	            expert_id, fn, ud, NULL) < 0
	               ? -1
	               : 0;
}

int engagements_of_need(struct db *db, struct arena *a, int64_t need_id, engagement_fn fn, void *ud)
{
	return each(db, a, "WHERE e.need_id = $1 ORDER BY e.updated_at DESC, e.id DESC", need_id,
	            fn, ud, NULL) < 0
	               ? -1
	               : 0;
}

const char *engagement_expert_name(const struct engagement *e)
{
	return e->expert_name && *e->expert_name ? e->expert_name
	       : e->expert_name_ar               ? e->expert_name_ar
	                                         : "";
}

/* ---- Notifications ---------------------------------------------------------------- */

/* Who hears of each step, and as what. */
static const struct {
	const char *expert, *institution;
} told[ENG_ACTIONS] = {
        [EA_INVITE] = {"engagement.invited", NULL},
        [EA_SHORTLIST] = {"engagement.shortlisted", NULL},
        [EA_INTERESTED] = {NULL, "engagement.interested"},
        [EA_ACCEPT] = {"engagement.accepted", NULL},
        [EA_CONFIRM] = {NULL, "engagement.confirmed"},
        [EA_START] = {"engagement.started", NULL},
        [EA_DELIVER] = {"engagement.delivered", "engagement.evaluate"},
        [EA_EVALUATE] = {"engagement.evaluated", "engagement.evaluated"},
        [EA_REFUSE] = {"engagement.refused", NULL},
        [EA_DECLINE] = {NULL, "engagement.declined"},
        [EA_WITHDRAW] = {NULL, "engagement.withdrawn"},
        [EA_CLOSE] = {"engagement.closed", NULL},
        [EA_NO_ANSWER] = {"engagement.no_answer", "engagement.expired"},
};

int engagement_tell(struct app *app, struct db *db, struct arena *a, const struct engagement *e,
                    const struct eng_step *s, enum eng_side to, const char *kind, const char *link)
{
	const char *reason = s && *s->reason ? arena_printf(a, "engagement.reason.%s", s->reason)
	                                     : "engagement.reason.none";
	const char *message = s && *s->message ? s->message : "—";
	const char *vars[] = {
	        "need",
	        e->need_title ? e->need_title : "",
	        "institution",
	        e->institution_name[e->expert_lang] ? e->institution_name[e->expert_lang] : "",
	        "expert",
	        engagement_expert_name(e),
	        "~reason",
	        reason,
	        "message",
	        message,
	        NULL};

	if (to == ENG_TO_EXPERT)
		return notify(app, db, e->expert_id, kind,
		              link ? link
		                   : arena_printf(a, "/engagements#e-%lld", (long long)e->id),
		              vars);
	return notify_institution(app, db, e->institution_id, kind,
	                          link ? link
	                               : arena_printf(a,
	                                              "/institution/needs/%lld/engagements#e-%lld",
	                                              (long long)e->need_id, (long long)e->id),
	                          vars);
}

static int tell_step(struct app *app, struct db *db, struct arena *a, const struct engagement *e,
                     const struct eng_step *s)
{
	if (told[s->action].expert && e->known_to_expert &&
	    engagement_tell(app, db, a, e, s, ENG_TO_EXPERT, told[s->action].expert, NULL) < 0)
		return -1;
	if (told[s->action].institution && engagement_tell(app, db, a, e, s, ENG_TO_INSTITUTION,
	                                                   told[s->action].institution, NULL) < 0)
		return -1;
	return 0;
}

/* ---- Steps ------------------------------------------------------------------------- */

const char *engagement_step_problem(const struct eng_step *s, const char **field)
{
	unsigned needs = (unsigned)s->action < ENG_ACTIONS ? eng_transitions[s->action].needs : 0;
	size_t len = strlen(s->message);

	*field = "reason";
	if ((needs & NEEDS_REASON) && !*s->reason)
		return "engagement.error.reason_required";
	if (*s->reason && !eng_reason_ok(s->action, s->reason))
		return "engagement.error.reason_unknown";
	*field = "message";
	if ((needs & NEEDS_MESSAGE) && !*s->message)
		return "engagement.error.message_required";
	if (!utf8_valid(s->message, len) || utf8_length(s->message, len) > ENG_MESSAGE_MAX)
		return "engagement.error.message_long";
	*field = NULL;
	return NULL;
}

/* A certificate code: 12 characters of an alphabet without look-alikes (no
 * I, O, 0, 1), from a fresh random token, as ABCD-EFGH-JKLM. */
static void certificate_code(char out[15])
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	static const char b64[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char token[TOKEN_LEN + 1];
	int k = 0;

	token_new(token);
	for (int i = 0; i < 12; i++) {
		const char *p = strchr(b64, token[i]);
		int v = p ? (int)(p - b64) : 0; /* 6 random bits: the low 5 are uniform */
		if (i > 0 && i % 4 == 0)
			out[k++] = '-';
		out[k++] = alphabet[v & 31];
	}
	out[k] = '\0';
}

/* The side effects of reaching some states. */
static int reach(struct db *db, struct arena *a, struct engagement *e, const char *now)
{
	const char *id = sql_int(a, e->id);

	if (e->state == ENG_CONFIRMED) {
		e->contact_shared_at = arena_strdup(a, now);
		return sql_exec(db, "UPDATE engagements SET contact_shared_at = $1 WHERE id = $2",
		                2, (const char *[]){now, id}) == 1
		               ? 0
		               : -1;
	}
	if (e->state == ENG_DELIVERED) {
		char code[15];
		certificate_code(code);
		e->delivered_at = e->certificate_at = arena_strdup(a, now);
		e->certificate_code = arena_strdup(a, code);
		return sql_exec(db,
		                "UPDATE engagements SET delivered_at = $1, certificate_code = $2, "
		                "certificate_at = $1 WHERE id = $3",
		                3, (const char *[]){now, code, id}) == 1
		               ? 0
		               : -1;
	}
	return 0;
}

static int record(struct app *app, struct db *db, struct arena *a, const struct engagement *e,
                  const char *from, const char *action, const struct eng_step *s)
{
	char now[ISO_TIME_LEN + 1];
	const char *id = sql_int(a, e->id);

	iso_time(s->now, now);
	if (sql_exec(db,
	             "INSERT INTO engagement_events (id, engagement_id, at, actor_id, from_state, "
	             "to_state, reason, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	             8,
	             (const char *[]){sql_int(a, new_id(app->cfg)), id, now,
	                              s->actor_id ? sql_int(a, s->actor_id) : NULL, from,
	                              eng_state_name(e->state), s->reason, s->message}) != 1)
		return -1;
	struct audit_entry ae = {
	        s->actor_id,
	        arena_printf(a, "engagement_%s", action),
	        "engagement",
	        id,
	        s->ip ? s->ip : "",
	        arena_printf(a, "{\"need\":%lld,\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"%s\"}",
	                     (long long)e->need_id, from, eng_state_name(e->state), s->reason)};
	return audit_append(db, s->now, &ae);
}

int engagement_step(struct app *app, struct db *db, struct arena *a, struct engagement *e,
                    const struct eng_step *s)
{
	char now[ISO_TIME_LEN + 1];
	const char *from;
	int64_t n;

	if ((unsigned)s->action >= ENG_ACTIONS || !eng_can(s->action, e->state, s->actor))
		return 0;
	from = eng_state_name(e->state);
	iso_time(s->now, now);
	n = sql_exec(
	        db,
	        "UPDATE engagements SET state = $1, updated_at = $2, reason = $3, message = $4 "
	        "WHERE id = $5 AND state = $6",
	        6,
	        (const char *[]){eng_state_name(eng_transitions[s->action].to), now,
	                         *s->reason ? s->reason : e->reason,
	                         *s->message ? s->message : e->message, sql_int(a, e->id), from});
	if (n != 1)
		return n < 0 ? -1 : 0; /* changed meanwhile: refused, nothing written */
	e->state = eng_transitions[s->action].to;
	e->updated_at = arena_strdup(a, now);
	if (e->state == ENG_INVITED)
		e->known_to_expert = 1;
	if (*s->reason)
		e->reason = s->reason;
	if (*s->message)
		e->message = s->message;
	/* the expert's running and recent engagements feed matching (capacity, fairness) */
	if (reach(db, a, e, now) < 0 ||
	    record(app, db, a, e, from, eng_transitions[s->action].name, s) < 0 ||
	    tell_step(app, db, a, e, s) < 0 || search_touch(db, "expert", e->expert_id, s->now) < 0)
		return -1;
	return 1;
}

/* ---- Creation ---------------------------------------------------------------------- */

/* May the need take an engagement of this origin now? 1, 0, or -1. */
static int need_open(struct db *db, struct arena *a, const struct eng_new *n)
{
	const char *row[1];
	int rc = sql_row(db, a, "SELECT state FROM needs WHERE id = $1", 1,
	                 (const char *[]){sql_int(a, n->need_id)}, row, 1);
	int s;

	if (rc != 1)
		return rc;
	s = need_state_parse(row[0]);
	if (strcmp(n->origin, "applied") == 0)
		return s == NEED_PUBLISHED;
	return s == NEED_PUBLISHED || s == NEED_STAFFED;
}

/* An existing engagement of the expert and need: 1 it blocks a new one, 0
 * none (or a suggestion an application removed), -1 error. */
static int existing(struct db *db, struct arena *a, const struct eng_new *n)
{
	const char *row[2];
	int rc = sql_row(
	        db, a, "SELECT id, state FROM engagements WHERE need_id = $1 AND expert_id = $2", 2,
	        (const char *[]){sql_int(a, n->need_id), sql_int(a, n->expert_id)}, row, 2);

	if (rc != 1)
		return rc;
	if (strcmp(n->origin, "applied") != 0 || strcmp(row[1], "suggested") != 0)
		return 1;
	return sql_exec(db, "DELETE FROM engagements WHERE id = $1 AND state = 'suggested'", 1,
	                (const char *[]){row[0]}) == 1
	               ? 0
	               : -1;
}

static int insert(struct db *db, struct arena *a, const struct eng_new *n, int64_t id)
{
	char now[ISO_TIME_LEN + 1];
	int applied = strcmp(n->origin, "applied") == 0;

	iso_time(n->now, now);
	return sql_exec(db,
	                "INSERT INTO engagements (id, need_id, expert_id, origin, state, "
	                "motivation, "
	                "message, created_at, updated_at, waiting_since) VALUES ($1, $2, $3, $4, "
	                "$4, "
	                "$5, $6, $7, $7, $8)",
	                8,
	                (const char *[]){
	                        sql_int(a, id), sql_int(a, n->need_id), sql_int(a, n->expert_id),
	                        n->origin, n->motivation ? n->motivation : "",
	                        n->message ? n->message : "", now, applied ? now : NULL}) == 1
	               ? 0
	               : -1;
}

enum eng_create_result engagement_create(struct app *app, struct db *db, struct arena *a,
                                         const struct eng_new *n, int64_t *id)
{
	struct engagement e;
	int rc = need_open(db, a, n);
	struct eng_step s = {
	        EA_INVITE, ACTOR_INSTITUTION, n->actor_id, "", n->message ? n->message : "", n->ip,
	        n->now};

	if (rc <= 0)
		return rc < 0 ? ENG_CREATE_ERROR : ENG_CREATE_NEED_SHUT;
	if ((rc = existing(db, a, n)) != 0)
		return rc < 0 ? ENG_CREATE_ERROR : ENG_CREATE_EXISTS;
	*id = new_id(app->cfg);
	if (insert(db, a, n, *id) < 0 || engagement_load(db, a, *id, &e) != 1 ||
	    record(app, db, a, &e, "", n->origin, &s) < 0)
		return ENG_CREATE_ERROR;
	if (e.state == ENG_APPLIED &&
	    engagement_tell(app, db, a, &e, &s, ENG_TO_INSTITUTION, "engagement.applied", NULL) < 0)
		return ENG_CREATE_ERROR;
	if (e.state == ENG_INVITED &&
	    engagement_tell(app, db, a, &e, &s, ENG_TO_EXPERT, "engagement.invited", NULL) < 0)
		return ENG_CREATE_ERROR;
	return ENG_CREATE_DONE;
}
