/* network_intros: introductions between members of a network.
 *
 * A member asks a coordinator to introduce them to another member shown on
 * the network's roster (POST /LANG/networks/SLUG/introductions); a
 * coordinator of that network (or an admin) forwards it with an optional
 * note, or refuses it; the other member accepts or declines (POST
 * /LANG/introductions/ID). The steps are the table intro_transitions
 * (networks.c); each step is one conditional UPDATE (WHERE state = the
 * state seen), its audit row and the notifications of the table, in one
 * transaction. The two email addresses are shown to the two members only
 * once accepted. At most one open introduction (requested or forwarded)
 * per pair of members and network, whoever asked. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/network_pages.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/parse.h"

#define INTRO_LIST_MAX 200 /* introductions shown per list */

/* ---- Asking ---------------------------------------------------------------------------- */

struct ask {
	struct np *p;
	int64_t target;
	const char *message;
	int64_t id;    /* the new introduction */
	int duplicate; /* an open one exists for the pair */
	int gone;      /* one of the two is no longer a member */
};

/* Locks both memberships (PostgreSQL: a row lock, so two requests for the
 * same pair wait for each other) and checks both are still members. */
static int lock_pair(struct db *db, struct ask *k)
{
	struct arena *a = &k->p->c.req->arena;
	int64_t rc = sql_exec(db,
	                      "UPDATE network_members SET state = state WHERE network = $1 AND "
	                      "state = 'member' AND user_id IN ($2, $3)",
	                      3,
	                      (const char *[]){k->p->net.slug, sql_int(a, k->p->c.id->user_id),
	                                       sql_int(a, k->target)});
	return rc < 0 ? -1 : rc == 2;
}

static int ask_tx(struct db *db, void *ud)
{
	struct ask *k = ud;
	struct np *p = k->p;
	struct arena *a = &p->c.req->arena;
	const char *me = sql_int(a, p->c.id->user_id), *target = sql_int(a, k->target);
	char now[ISO_TIME_LEN + 1];
	int locked = lock_pair(db, k);
	int64_t rc;

	if (locked <= 0) {
		k->gone = locked == 0;
		return locked;
	}
	iso_time(p->c.now, now);
	k->id = new_id(p->c.app->cfg);
	rc = sql_exec(
	        db,
	        "INSERT INTO introductions (id, network, requester_id, target_id, state, "
	        "message, created_at, updated_at) SELECT $1, $2, $3, $4, 'requested', $5, "
	        "$6, $6 WHERE NOT EXISTS (SELECT 1 FROM introductions WHERE network = $2 AND "
	        "state IN ('requested', 'forwarded') AND ((requester_id = $3 AND target_id = "
	        "$4) OR (requester_id = $4 AND target_id = $3)))",
	        6, (const char *[]){sql_int(a, k->id), p->net.slug, me, target, k->message, now});
	if (rc <= 0) {
		k->duplicate = rc == 0;
		return rc < 0 ? -1 : 0;
	}
	struct audit_entry e = {p->c.id->user_id,
	                        "introduction_requested",
	                        "introduction",
	                        sql_int(a, k->id),
	                        req_ip(p->c.req),
	                        arena_printf(a, "{\"network\":\"%s\",\"target\":%lld}", p->net.slug,
	                                     (long long)k->target)};
	if (audit_append(db, p->c.now, &e) < 0)
		return -1;
	return np_notify_coordinators(p->c.app, db, &p->net, "network.intro_requested",
	                              "/introductions", NULL);
}

/* Is target on the roster of p's network (a member whom peers see)? 1, 0, -1. */
static int on_roster(struct np *p, int64_t target)
{
	struct db *db = db_pool_get(p->c.app->pool);
	struct visibility_facts f;
	int64_t n = 0;
	int rc = db_query_int(db,
	                      "SELECT COUNT(*) FROM network_members WHERE network = $1 AND user_id "
	                      "= $2 AND state = 'member'",
	                      2, (const char *[]){p->net.slug, sql_int(&p->c.req->arena, target)},
	                      &n) == DB_OK
	                 ? 0
	                 : -1;

	if (rc == 0 && n > 0) {
		rc = visibility_facts_load(db, NULL, target, p->c.now, &f);
		rc = rc < 0 ? -1 : rc == 1 && np_roster_level(&f) >= VIS_PEERS;
	}
	db_pool_put(p->c.app->pool, db);
	return rc;
}

void h_network_intro_ask(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f;
	struct ask k = {&p, 0, form_value(req, "message"), 0, 0, 0};
	const char *target = form_value(req, "target");
	int listed = 0;

	if (np_load(&p, ctx, req, resp, req_param(req, "slug")) <= 0 ||
	    !np_allow(&p, NET_ASK_INTRO))
		return;
	form_init(&f);
	form_keep(&f, "target", target);
	form_keep(&f, "message", k.message);
	if (parse_int64(target, 1, INT64_MAX, &k.target) < 0 || k.target == p.c.id->user_id ||
	    (listed = on_roster(&p, k.target)) == 0)
		form_error(&f, "target", "network.intro.error.target");
	if (listed < 0) {
		json_decref(form_json(&f));
		page_unavailable(p.c.app, req, resp);
		return;
	}
	if (!*k.message)
		form_error(&f, "message", "network.intro.error.message_required");
	else if (!np_text_ok(k.message, NETWORK_MESSAGE_MAX, 1))
		form_error(&f, "message", "network.intro.error.message_invalid");
	if (!form_has_errors(&f) && sql_tx(p.c.app->pool, ask_tx, &k) < 0) {
		json_decref(form_json(&f));
		page_unavailable(p.c.app, req, resp);
		return;
	}
	if (k.duplicate)
		form_error(&f, "target", "network.intro.error.open");
	else if (k.gone)
		form_error(&f, "target", "network.intro.error.target");
	if (form_has_errors(&f)) {
		np_show_roster(&p, k.duplicate ? 409 : 422, &f);
		return;
	}
	json_decref(form_json(&f));
	pp_redirect(&p.c, "introductions?done=asked");
}

/* ---- One introduction ------------------------------------------------------------------- */

struct intro {
	int64_t id, requester, target;
	const char *network, *message, *note, *created_at, *updated_at;
	enum intro_state state;
	const char *requester_name, *target_name, *requester_email, *target_email;
};

static const char intro_select[] =
        "SELECT i.id, i.network, i.requester_id, i.target_id, i.state, i.message, i.note, "
        "i.created_at, i.updated_at, COALESCE(a.name, ''), COALESCE(a.name_ar, ''), "
        "COALESCE(b.name, ''), COALESCE(b.name_ar, ''), ua.email, ub.email FROM introductions "
        "i JOIN users ua ON ua.id = i.requester_id JOIN users ub ON ub.id = i.target_id LEFT "
        "JOIN profiles a ON a.user_id = i.requester_id LEFT JOIN profiles b ON b.user_id = "
        "i.target_id ";

static void intro_from_row(struct db_stmt *st, struct arena *a, enum lang l, struct intro *in)
{
	in->id = db_col_int(st, 0);
	in->network = arena_strdup(a, db_col_text(st, 1));
	in->requester = db_col_int(st, 2);
	in->target = db_col_int(st, 3);
	if (intro_state_parse(db_col_text(st, 4), &in->state) < 0)
		in->state = INTRO_REFUSED; /* the CHECK allows no other */
	in->message = arena_strdup(a, db_col_text(st, 5));
	in->note = arena_strdup(a, db_col_text(st, 6));
	in->created_at = arena_strdup(a, db_col_text(st, 7));
	in->updated_at = arena_strdup(a, db_col_text(st, 8));
	in->requester_name =
	        arena_strdup(a, np_person_name(db_col_text(st, 9), db_col_text(st, 10), l));
	in->target_name =
	        arena_strdup(a, np_person_name(db_col_text(st, 11), db_col_text(st, 12), l));
	in->requester_email = arena_strdup(a, db_col_text(st, 13));
	in->target_email = arena_strdup(a, db_col_text(st, 14));
}

static int intro_load(struct db *db, struct arena *a, enum lang l, int64_t id, struct intro *in)
{
	struct db_stmt *st = db_prepare(db, arena_printf(a, "%sWHERE i.id = $1", intro_select));
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW)
		intro_from_row(st, a, l, in);
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc < 0 ? -1 : 0;
}

/* May the viewer act for the network of in (a coordinator of it, an admin)? */
static int manages(struct pp *c, struct db *db, const char *network)
{
	enum net_role r;

	if (network_role(db, c->id->user_id, network, &r) < 0)
		return -1;
	return network_may(c->id, r, NET_MANAGE);
}

/* ---- The list -------------------------------------------------------------------------------- */

struct intro_view {
	struct pp *c;
	struct db *db;
	json_t *asked, *received, *waiting;
};

static const char *name_or(const char *name, const char *fallback)
{
	return name && *name ? name : fallback;
}

static json_t *actions_json(struct pp *c, const struct intro *in, enum intro_actor actor)
{
	json_t *out = json_array();

	for (int i = 0; i < intro_transition_count; i++) {
		const struct intro_transition *t = &intro_transitions[i];
		if (t->from == in->state && t->actor == actor)
			json_array_append_new(
			        out, json_pack("{s:s, s:s}", "name", t->name, "label",
			                       arena_printf(&c->req->arena,
			                                    "network.intro.action.%s", t->name)));
	}
	return out;
}

/* One introduction as `side` sees it ("asked", "received", "waiting"). */
static json_t *intro_json(struct intro_view *v, const struct intro *in, const char *side)
{
	struct pp *c = v->c;
	struct arena *a = &c->req->arena;
	struct network n;
	int accepted = in->state == INTRO_ACCEPTED;
	int received = strcmp(side, "received") == 0, waiting = strcmp(side, "waiting") == 0;
	const char *unnamed = tr(c->app, c->l, "network.intro.a_member");
	json_t *actions = waiting    ? actions_json(c, in, INTRO_BY_COORDINATOR)
	                  : received ? actions_json(c, in, INTRO_BY_TARGET)
	                             : json_array();

	if (network_load(v->db, a, in->network, &n) != 1)
		n = (struct network){.slug = in->network};
	return json_pack(
	        "{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s?, s:s?, s:s?, s:o, s:b, s:b}", "id",
	        (json_int_t)in->id, "network", network_label(&n, c->l), "slug", in->network,
	        "requester", name_or(in->requester_name, unnamed), "target",
	        name_or(in->target_name, unnamed), "state",
	        arena_printf(a, "network.intro.state.%s", intro_state_name(in->state)), "message",
	        page_paragraphs(a, in->message), "note", page_paragraphs(a, in->note), "date",
	        pp_date(c, in->updated_at), "requester_email",
	        accepted && !waiting ? in->requester_email : NULL, "target_email",
	        accepted && !waiting ? in->target_email : NULL, "actions", actions, "accepted",
	        accepted, "waiting", waiting);
}

/* Runs intro_select + where with $1 = the viewer, adding each to list. */
static int list_into(struct intro_view *v, const char *where, json_t *list, const char *side,
                     int check_manage)
{
	struct arena *a = &v->c->req->arena;
	struct db_stmt *st = db_prepare(v->db, arena_printf(a, "%s%s", intro_select, where));
	struct intro *rows = arena_alloc(a, sizeof(*rows) * INTRO_LIST_MAX);
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_int(st, 1, v->c->id->user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			if (n < INTRO_LIST_MAX)
				intro_from_row(st, a, v->c->l, &rows[n++]);
	db_finalize(st);
	if (rc != DB_OK)
		return -1;
	for (int i = 0; i < n; i++) {
		int m = check_manage ? manages(v->c, v->db, rows[i].network) : 1;
		if (m < 0)
			return -1;
		if (m)
			json_array_append_new(list, intro_json(v, &rows[i], side));
	}
	return 0;
}

static void show_introductions(struct pp *c, int status, const char *error)
{
	struct intro_view v = {c, db_pool_get(c->app->pool), json_array(), json_array(),
	                       json_array()};
	int admin = (c->id->roles & ROLE_ADMIN) != 0;
	int rc = list_into(&v, "WHERE i.requester_id = $1 ORDER BY i.updated_at DESC, i.id DESC",
	                   v.asked, "asked", 0);

	if (rc == 0)
		rc = list_into(&v,
		               "WHERE i.target_id = $1 AND i.state <> 'requested' AND i.state <> "
		               "'refused' ORDER BY i.updated_at DESC, i.id DESC",
		               v.received, "received", 0);
	/* Waiting for a coordinator: in the viewer's networks (every network for
	 * admins); network_may decides for each. */
	if (rc == 0 && (admin || (c->id->roles & ROLE_COORDINATOR)))
		rc = list_into(
		        &v,
		        admin ? "WHERE i.state = 'requested' AND CAST($1 AS BIGINT) > 0 ORDER BY "
		                "i.created_at, i.id"
		              : "WHERE i.state = 'requested' AND i.network IN (SELECT scope "
		                "FROM user_roles WHERE user_id = $1 AND role = 'coordinator') "
		                "ORDER BY i.created_at, i.id",
		        v.waiting, "waiting", 1);
	db_pool_put(c->app->pool, v.db);
	if (rc < 0) {
		json_decref(v.asked);
		json_decref(v.received);
		json_decref(v.waiting);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	page_render(c->app, c->req, c->resp, status, "introductions", "network.intro.title",
	            json_pack("{s:o, s:o, s:o, s:b, s:s?, s:s?}", "asked", v.asked, "received",
	                      v.received, "waiting", v.waiting, "staff",
	                      admin || (c->id->roles & ROLE_COORDINATOR), "error", error, "done",
	                      np_done_key(c)));
}

void h_introductions(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	show_introductions(&c, 200, NULL);
}

/* ---- A step ------------------------------------------------------------------------------- */

struct step {
	struct pp *c;
	const struct intro *in;
	const struct intro_transition *t;
	const char *note;
	int changed;
};

static int step_notify(struct step *s, struct db *db)
{
	struct network n;
	struct arena *a = &s->c->req->arena;

	if (network_load(db, a, s->in->network, &n) != 1)
		return -1;
	if (s->t->notify_requester && np_notify(s->c->app, db, &n, s->in->requester,
	                                        s->t->notify_requester, "/introductions", NULL) < 0)
		return -1;
	if (s->t->notify_target && np_notify(s->c->app, db, &n, s->in->target, s->t->notify_target,
	                                     "/introductions", NULL) < 0)
		return -1;
	return 0;
}

static int step_tx(struct db *db, void *ud)
{
	struct step *s = ud;
	struct arena *a = &s->c->req->arena;
	const char *id = sql_int(a, s->in->id);
	int by_coordinator = s->t->actor == INTRO_BY_COORDINATOR;
	char now[ISO_TIME_LEN + 1];
	int64_t rc;

	iso_time(s->c->now, now);
	rc = sql_exec(db,
	              by_coordinator
	                      ? "UPDATE introductions SET state = $3, updated_at = $4, note = $5, "
	                        "coordinator_id = $6 WHERE id = $1 AND state = $2"
	                      : "UPDATE introductions SET state = $3, updated_at = $4 WHERE id = "
	                        "$1 AND state = $2",
	              by_coordinator ? 6 : 4,
	              (const char *[]){id, intro_state_name(s->t->from), intro_state_name(s->t->to),
	                               now, s->note, sql_int(a, s->c->id->user_id)});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	s->changed = 1;
	struct audit_entry e = {s->c->id->user_id, arena_printf(a, "introduction_%s", s->t->name),
	                        "introduction",    id,
	                        req_ip(s->c->req), ""};
	if (audit_append(db, s->c->now, &e) < 0)
		return -1;
	return step_notify(s, db);
}

/* Whom the viewer is for this introduction: may they take t? 1, 0, -1. */
static int may_step(struct pp *c, const struct intro *in, const struct intro_transition *t)
{
	struct db *db;
	int rc;

	if (t->actor == INTRO_BY_TARGET)
		return c->id->user_id == in->target;
	db = db_pool_get(c->app->pool);
	rc = manages(c, db, in->network);
	db_pool_put(c->app->pool, db);
	return rc;
}

/* Is the viewer concerned by in at all (else it "does not exist")? */
static int concerned(struct pp *c, const struct intro *in)
{
	struct db *db;
	int rc;

	if (c->id->user_id == in->requester ||
	    (c->id->user_id == in->target && in->state != INTRO_REQUESTED &&
	     in->state != INTRO_REFUSED))
		return 1;
	db = db_pool_get(c->app->pool);
	rc = manages(c, db, in->network);
	db_pool_put(c->app->pool, db);
	return rc;
}

void h_introduction_step(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct intro in;
	struct step s = {&c, &in, NULL, form_value(req, "note"), 0};
	const char *action = form_value(req, "action");
	struct db *db;
	int64_t id;
	int rc = 0;

	pp_init(&c, ctx, req, resp);
	if (parse_int64(req_param(req, "id"), 1, INT64_MAX, &id) == 0) {
		db = db_pool_get(c.app->pool);
		rc = intro_load(db, &req->arena, c.l, id, &in);
		db_pool_put(c.app->pool, db);
	}
	if (rc == 1)
		rc = concerned(&c, &in);
	if (rc <= 0) {
		if (rc < 0)
			page_unavailable(c.app, req, resp);
		else
			pp_not_found(&c);
		return;
	}
	s.t = intro_transition_find(action, in.state);
	if (!s.t || (rc = may_step(&c, &in, s.t)) == 0) {
		show_introductions(&c, 422, "network.intro.error.step");
		return;
	}
	if (!np_text_ok(s.note, NETWORK_MESSAGE_MAX, 1)) {
		show_introductions(&c, 422, "network.intro.error.note_invalid");
		return;
	}
	if (rc < 0 || sql_tx(c.app->pool, step_tx, &s) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (!s.changed) { /* another step came first */
		show_introductions(&c, 409, "network.intro.error.step");
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "introductions?done=%s", s.t->name));
}
