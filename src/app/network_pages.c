/* network_pages: the pages of networks (network_pages.h).
 *
 *   anyone        the list of networks with their member counts, a
 *                 network's page with its figures, charter and coordinators
 *   signed in     join (at once, or a request on approval networks), leave
 *   members       the roster (members who consented to network peers, as a
 *                 peer sees them), the announcements
 *   (coordinators' pages: network_manage.c)
 *
 * Every change runs in one transaction with its audit row and the
 * notifications it causes. */
#include "app/network_pages.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/events.h"
#include "app/handlers.h"
#include "app/notify.h"
#include "app/page.h"
#include "app/search.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/utf8.h"
#include "web/urlenc.h"

#define UPCOMING_EVENTS 3      /* on the network page */
#define ANNOUNCEMENTS_RECENT 3 /* on the network's page */
#define ROSTER_SKILLS 5        /* skills shown per member */

/* ---- Shared (network_pages.h) ------------------------------------------------------- */

static int load_row(struct np *p, struct db *db)
{
	const char *state = NULL;
	int rc = 0;

	p->row = NP_NO_ROW;
	if (p->c.id && p->c.id->user_id > 0 && !p->c.id->second_step_pending)
		rc = sql_row(
		        db, &p->c.req->arena,
		        "SELECT state FROM network_members WHERE network = $1 AND user_id = $2", 2,
		        (const char *[]){p->net.slug, sql_int(&p->c.req->arena, p->c.id->user_id)},
		        &state, 1);
	if (rc == 1)
		p->row = strcmp(state, "member") == 0 ? NP_MEMBER_ROW : NP_PENDING_ROW;
	return rc < 0 ? -1 : 0;
}

int np_load(struct np *p, void *ctx, struct request *req, struct response *resp, const char *slug)
{
	struct db *db;
	int rc;

	pp_init(&p->c, ctx, req, resp);
	p->role = NET_OUTSIDER;
	if (!network_slug_valid(slug)) {
		pp_not_found(&p->c);
		return 0;
	}
	db = db_pool_get(p->c.app->pool);
	rc = network_load(db, &req->arena, slug, &p->net);
	if (rc == 1 &&
	    network_role(db, p->c.id && !p->c.id->second_step_pending ? p->c.id->user_id : 0, slug,
	                 &p->role) < 0)
		rc = -1;
	if (rc == 1 && load_row(p, db) < 0)
		rc = -1;
	db_pool_put(p->c.app->pool, db);
	if (rc < 0)
		page_unavailable(p->c.app, req, resp);
	else if (rc == 0)
		pp_not_found(&p->c);
	return rc;
}

int np_allow(struct np *p, enum net_action a)
{
	if (network_may(p->c.id, p->role, a))
		return 1;
	pp_not_found(&p->c);
	return 0;
}

int np_text_ok(const char *s, size_t max, int multiline)
{
	for (const char *q = s; *q; q++) {
		unsigned char ch = (unsigned char)*q;
		if ((ch < 0x20 && !(multiline && (ch == '\n' || ch == '\r' || ch == '\t'))) ||
		    ch == 0x7f)
			return 0;
	}
	return utf8_length(s, strlen(s)) <= max;
}

enum visibility np_roster_level(const struct visibility_facts *f)
{
	/* Any other member: signed in, no role of its own; its id only has to
	 * differ from the owner's. */
	struct identity peer = {.user_id = f->owner_id == 1 ? 2 : 1, .lang = LANG_FR};
	struct visibility_facts shared = *f;
	enum visibility v;

	shared.shares_network = 1;
	v = visibility_of(&peer, &shared);
	return v > VIS_PEERS ? VIS_PEERS : v;
}

const char *np_person_name(const char *name, const char *name_ar, enum lang l)
{
	if (l == LANG_AR && name_ar && *name_ar)
		return name_ar;
	if (name && *name)
		return name;
	return name_ar ? name_ar : "";
}

#define NOTIFY_VARS 6 /* pairs a caller may give np_notify */

int np_notify(struct app *app, struct db *db, const struct network *n, int64_t user_id,
              const char *kind, const char *link, const char *const *vars)
{
	struct arena a = ARENA_INIT;
	const char *all[2 * NOTIFY_VARS + 3], *row[1];
	enum lang l = LANG_FR;
	int k = 0, rc;

	rc = sql_row(db, &a, "SELECT lang FROM users WHERE id = $1", 1,
	             (const char *[]){sql_int(&a, user_id)}, row, 1);
	if (rc == 1 && lang_parse(row[0], &l) < 0)
		l = LANG_FR;
	for (int i = 0; vars && vars[i] && k < 2 * NOTIFY_VARS; i += 2) {
		all[k++] = vars[i];
		all[k++] = vars[i + 1];
	}
	all[k++] = "network";
	all[k++] = network_label(n, l);
	all[k] = NULL;
	rc = rc == 1 ? notify(app, db, user_id, kind, link, all) : -1;
	arena_free(&a);
	return rc;
}

int np_ids_of(struct db *db, const char *sql, const char *slug, int64_t *out, int max)
{
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_text(st, 1, slug) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			if (n < max)
				out[n++] = db_col_int(st, 0);
	db_finalize(st);
	return rc == DB_OK ? n : -1;
}

int np_ids_all(struct db *db, struct arena *a, const char *sql, const char *slug, int64_t **out)
{
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc rc = DB_ERROR;
	int n = 0, cap = 0;
	int64_t *ids = NULL;

	if (st && db_bind_text(st, 1, slug) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			if (n ==
			    cap) { /* grow: the arena keeps the old block until the request ends */
				int64_t *more = arena_alloc(
				        a, sizeof(*more) * (size_t)(cap = cap ? 2 * cap : 64));
				if (n)
					memcpy(more, ids, sizeof(*ids) * (size_t)n);
				ids = more;
			}
			ids[n++] = db_col_int(st, 0);
		}
	db_finalize(st);
	*out = ids;
	return rc == DB_OK ? n : -1;
}

#define COORDINATORS_MAX 64

int np_notify_coordinators(struct app *app, struct db *db, const struct network *n,
                           const char *kind, const char *link, const char *const *vars)
{
	int64_t ids[COORDINATORS_MAX];
	int count = np_ids_of(db,
	                      "SELECT user_id FROM user_roles WHERE role = 'coordinator' AND scope "
	                      "= $1 ORDER BY user_id",
	                      n->slug, ids, COORDINATORS_MAX);

	for (int i = 0; i < count; i++)
		if (np_notify(app, db, n, ids[i], kind, link, vars) < 0)
			return -1;
	return count < 0 ? -1 : 0;
}

static const char *const lang_suffix[LANG_COUNT] = {"ar", "fr", "en"};

void np_read_texts(struct pp *c, struct network *n, struct form *f, int with_kind)
{
	struct arena *a = &c->req->arena;
	const char *membership = form_value(c->req, "membership");

	for (int l = 0; l < LANG_COUNT; l++) {
		const char *fn = arena_printf(a, "name_%s", lang_suffix[l]);
		const char *fs = arena_printf(a, "summary_%s", lang_suffix[l]);
		const char *fc = arena_printf(a, "charter_%s", lang_suffix[l]);
		n->name[l] = form_value(c->req, fn);
		n->summary[l] = form_value(c->req, fs);
		n->charter[l] = form_value(c->req, fc);
		form_keep(f, fn, n->name[l]);
		form_keep(f, fs, n->summary[l]);
		form_keep(f, fc, n->charter[l]);
		if (!*n->name[l])
			form_error(f, fn, "network.error.name_required");
		else if (!np_text_ok(n->name[l], NETWORK_TEXT_MAX, 0))
			form_error(f, fn, "network.error.name_invalid");
		if (!*n->summary[l])
			form_error(f, fs, "network.error.summary_required");
		else if (!np_text_ok(n->summary[l], NETWORK_SUMMARY_MAX, 1))
			form_error(f, fs, "network.error.summary_invalid");
		if (!np_text_ok(n->charter[l], NETWORK_CHARTER_MAX, 1))
			form_error(f, fc, "network.error.charter_invalid");
	}
	form_keep(f, "membership", membership);
	n->membership = membership;
	if (!network_membership_valid(membership))
		form_error(f, "membership", "network.error.membership");
	if (with_kind) {
		const char *kind = form_value(c->req, "kind");
		form_keep(f, "kind", kind);
		n->kind = kind;
		if (!network_kind_valid(kind))
			form_error(f, "kind", "network.error.kind");
	}
}

void np_keep_texts(const struct network *n, struct form *f)
{
	char name[16];

	for (int l = 0; l < LANG_COUNT; l++) {
		snprintf(name, sizeof(name), "name_%s", lang_suffix[l]);
		form_keep(f, name, n->name[l]);
		snprintf(name, sizeof(name), "summary_%s", lang_suffix[l]);
		form_keep(f, name, n->summary[l]);
		snprintf(name, sizeof(name), "charter_%s", lang_suffix[l]);
		form_keep(f, name, n->charter[l]);
	}
	form_keep(f, "membership", n->membership);
	form_keep(f, "kind", n->kind);
}

static json_t *options(const char *const *words, const char *prefix, const char *cur)
{
	json_t *out = json_array();
	char key[64];

	for (int i = 0; words[i]; i++) {
		snprintf(key, sizeof(key), "%s.%s", prefix, words[i]);
		json_array_append_new(out,
		                      json_pack("{s:s, s:s, s:b}", "value", words[i], "key", key,
		                                "selected", cur && strcmp(cur, words[i]) == 0));
	}
	return out;
}

json_t *np_choices(json_t *values)
{
	static const char *const kinds[] = {"geographic", "thematic", NULL};
	static const char *const policies[] = {"open", "approval", NULL};

	return json_pack(
	        "{s:o, s:o}", "kinds",
	        options(kinds, "network.kind", json_string_value(json_object_get(values, "kind"))),
	        "memberships",
	        options(policies, "network.membership",
	                json_string_value(json_object_get(values, "membership"))));
}

int np_save_texts(struct pp *c, struct db *db, const struct network *n)
{
	char now[ISO_TIME_LEN + 1];
	int64_t rc;

	iso_time(c->now, now);
	rc = sql_exec(db,
	              "UPDATE networks SET name_ar = $2, name_fr = $3, name_en = $4, summary_ar = "
	              "$5, summary_fr = $6, summary_en = $7, charter_ar = $8, charter_fr = $9, "
	              "charter_en = $10, membership = $11, kind = $12, updated_at = $13 WHERE "
	              "slug = $1",
	              13,
	              (const char *[]){n->slug, n->name[LANG_AR], n->name[LANG_FR],
	                               n->name[LANG_EN], n->summary[LANG_AR], n->summary[LANG_FR],
	                               n->summary[LANG_EN], n->charter[LANG_AR],
	                               n->charter[LANG_FR], n->charter[LANG_EN], n->membership,
	                               n->kind, now});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	struct audit_entry e = {c->id->user_id, "network_updated", "network",
	                        n->slug,        req_ip(c->req),    ""};
	return audit_append(db, c->now, &e) < 0 ? -1 : 1;
}

const char *np_done_key(struct pp *c)
{
	static const char *const words[] = {"joined",   "requested", "left",    "saved",
	                                    "accepted", "refused",   "posted",  "asked",
	                                    "forward",  "refuse",    "accept",  "decline",
	                                    "created",  "added",     "removed", NULL};
	const char *done = kvlist_get(&c->req->query, "done");

	for (int i = 0; done && words[i]; i++)
		if (strcmp(words[i], done) == 0)
			return arena_printf(&c->req->arena, "network.done.%s", done);
	return NULL;
}

/* ---- The list ----------------------------------------------------------------------- */

static json_t *network_item(struct pp *c, struct db *db, const struct network *n)
{
	struct network_figures f;

	if (network_figures(db, n->slug, c->now, &f) < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:I}", "slug", n->slug, "name", network_label(n, c->l),
	                 "summary", n->summary[c->l] ? n->summary[c->l] : "", "members",
	                 (json_int_t)f.members);
}

/* Every network in order, each loaded with network_load. */
static int each_network(struct pp *c, struct db *db, json_t *geo, json_t *thematic)
{
	const char *slugs[256];
	int count = 0, rc = 0;
	struct db_stmt *st = db_prepare(db, "SELECT slug FROM networks ORDER BY position, slug");
	enum db_rc s = DB_ERROR;

	while (st && (s = db_step(st)) == DB_ROW)
		if (count < 256)
			slugs[count++] = arena_strdup(&c->req->arena, db_col_text(st, 0));
	db_finalize(st);
	if (s != DB_OK)
		return -1;
	for (int i = 0; i < count && rc == 0; i++) {
		struct network n;
		json_t *item;
		if (network_load(db, &c->req->arena, slugs[i], &n) != 1 ||
		    !(item = network_item(c, db, &n))) {
			rc = -1;
			break;
		}
		json_array_append_new(strcmp(n.kind, "geographic") == 0 ? geo : thematic, item);
	}
	return rc;
}

/* The signed-in person's networks: [{slug, name, state}] (member, pending,
 * coordinator). */
static json_t *my_networks(struct pp *c, struct db *db)
{
	char sql[512];
	struct db_stmt *st;
	json_t *out = json_array();

	snprintf(sql, sizeof(sql),
	         "SELECT n.slug, n.name_%s, CASE WHEN EXISTS (SELECT 1 FROM user_roles r WHERE "
	         "r.user_id = $1 AND r.role = 'coordinator' AND r.scope = n.slug) THEN "
	         "'coordinator' ELSE m.state END FROM networks n LEFT JOIN network_members m ON "
	         "m.network = n.slug AND m.user_id = $1 WHERE m.user_id IS NOT NULL OR EXISTS "
	         "(SELECT 1 FROM user_roles r WHERE r.user_id = $1 AND r.role = 'coordinator' AND "
	         "r.scope = n.slug) ORDER BY n.position, n.slug",
	         lang_code(c->l));
	st = db_prepare(db, sql);
	if (st && db_bind_int(st, 1, c->id->user_id) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        out, json_pack("{s:s, s:s, s:s}", "slug", db_col_text(st, 0),
			                       "name", db_col_text(st, 1), "state",
			                       arena_printf(&c->req->arena, "network.role.%s",
			                                    db_col_text(st, 2))));
	db_finalize(st);
	return out;
}

void h_networks(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	json_t *geo = json_array(), *thematic = json_array(), *mine = NULL;
	int rc;

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	rc = each_network(&c, db, geo, thematic);
	if (rc == 0 && c.id && !c.id->second_step_pending)
		mine = my_networks(&c, db);
	db_pool_put(c.app->pool, db);
	if (rc < 0) {
		json_decref(geo);
		json_decref(thematic);
		json_decref(mine);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "network_list", "network.list.title",
	            json_pack("{s:o, s:o, s:o?}", "geographic", geo, "thematic", thematic, "mine",
	                      mine));
}

/* ---- A network's page ------------------------------------------------------------------ */

/* Its coordinators, named as each one's profile lets the viewer see it. */
static json_t *coordinators(struct np *p, struct db *db)
{
	int64_t ids[COORDINATORS_MAX];
	int n = np_ids_of(
	        db,
	        "SELECT user_id FROM user_roles WHERE role = 'coordinator' AND scope = $1 "
	        "ORDER BY granted_at, user_id",
	        p->net.slug, ids, COORDINATORS_MAX);
	json_t *out = json_array();

	for (int i = 0; i < n; i++) {
		struct visibility_facts f;
		const char *row[2] = {NULL, NULL};
		const char *name = NULL;
		if (visibility_facts_load(db, p->c.id, ids[i], p->c.now, &f) == 1 &&
		    visibility_allows(visibility_of(p->c.id, &f), PART_CARD) &&
		    sql_row(db, &p->c.req->arena,
		            "SELECT name, name_ar FROM profiles WHERE user_id = $1", 1,
		            (const char *[]){sql_int(&p->c.req->arena, ids[i])}, row, 2) == 1)
			name = np_person_name(row[0], row[1], p->c.l);
		json_array_append_new(out, json_pack("{s:s?, s:I, s:b}", "name",
		                                     name && *name ? name : NULL, "id",
		                                     (json_int_t)ids[i], "profile", name && *name));
	}
	return out;
}

json_t *np_announcements(struct np *p, struct db *db, int limit)
{
	struct db_stmt *st = db_prepare(db, "SELECT id, title, body, created_at FROM "
	                                    "network_announcements WHERE network = $1 ORDER BY "
	                                    "created_at DESC, id DESC LIMIT $2");
	json_t *out = json_array();

	if (st && db_bind_text(st, 1, p->net.slug) == DB_OK && db_bind_int(st, 2, limit) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        out,
			        json_pack("{s:I, s:s, s:o, s:s?}", "id",
			                  (json_int_t)db_col_int(st, 0), "title",
			                  db_col_text(st, 1), "body",
			                  page_paragraphs(&p->c.req->arena, db_col_text(st, 2)),
			                  "date", pp_date(&p->c, db_col_text(st, 3))));
	db_finalize(st);
	return out;
}

static json_t *figures_json(const struct network_figures *f)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "members", (json_int_t)f->members, "active",
	                 (json_int_t)f->active, "mobilised", (json_int_t)f->mobilised, "events",
	                 (json_int_t)f->events_held);
}

static const char *const role_names[] = {"outsider", "pending", "member", "coordinator"};

static void show_network(struct np *p, int status, struct form *form)
{
	struct db *db = db_pool_get(p->c.app->pool);
	struct network_figures fig;
	int see = network_may(p->c.id, p->role, NET_SEE_ROSTER);
	json_t *coord = NULL, *news = NULL, *events = NULL;
	int rc = network_figures(db, p->net.slug, p->c.now, &fig);

	if (rc == 0) {
		coord = coordinators(p, db);
		news = see ? np_announcements(p, db, ANNOUNCEMENTS_RECENT) : NULL;
		events = events_upcoming_json(db, &p->c.req->arena, p->net.slug, p->c.l, p->c.now,
		                              UPCOMING_EVENTS);
		rc = events ? 0 : -1;
	}
	db_pool_put(p->c.app->pool, db);
	if (rc < 0) {
		json_decref(form_json(form));
		json_decref(coord);
		json_decref(news);
		page_unavailable(p->c.app, p->c.req, p->c.resp);
		return;
	}
	page_render(
	        p->c.app, p->c.req, p->c.resp, status, "network_page", "network.page.title",
	        json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o?, s:s, s:o, s:b, "
	                  "s:b, s:b, s:b, s:s?}",
	                  "slug", p->net.slug, "name", network_label(&p->net, p->c.l), "summary",
	                  p->net.summary[p->c.l] ? p->net.summary[p->c.l] : "", "kind",
	                  arena_printf(&p->c.req->arena, "network.kind.%s", p->net.kind),
	                  "membership",
	                  arena_printf(&p->c.req->arena, "network.membership.%s.explain",
	                               p->net.membership),
	                  "charter", page_paragraphs(&p->c.req->arena, p->net.charter[p->c.l]),
	                  "figures", figures_json(&fig), "events", events, "coordinators", coord,
	                  "form", form_json(form), "announcements", news, "role",
	                  role_names[p->role], "is",
	                  json_pack("{s:b, s:b, s:b, s:b}", "outsider", p->row == NP_NO_ROW,
	                            "pending", p->row == NP_PENDING_ROW, "member",
	                            p->row == NP_MEMBER_ROW, "coordinator",
	                            p->role == NET_COORDINATOR),
	                  "signed_in", p->c.id && !p->c.id->second_step_pending, "see_roster", see,
	                  "manage", network_may(p->c.id, p->role, NET_MANAGE), "approval",
	                  strcmp(p->net.membership, "approval") == 0, "done", np_done_key(&p->c)));
}

void h_network(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f;

	if (np_load(&p, ctx, req, resp, req_param(req, "slug")) <= 0)
		return;
	form_init(&f);
	show_network(&p, 200, &f);
}

/* ---- Joining and leaving ------------------------------------------------------------ */

struct membership_change {
	struct np *p;
	const char *message;
	int changed; /* rows written */
};

static int join_tx(struct db *db, void *ud)
{
	struct membership_change *m = ud;
	struct np *p = m->p;
	struct arena *a = &p->c.req->arena;
	int approval = strcmp(p->net.membership, "approval") == 0;
	char now[ISO_TIME_LEN + 1];
	const char *uid = sql_int(a, p->c.id->user_id);
	int64_t rc;

	iso_time(p->c.now, now);
	rc = sql_exec(db,
	              "INSERT INTO network_members (network, user_id, state, message, "
	              "requested_at, joined_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT "
	              "(network, user_id) DO NOTHING",
	              6,
	              (const char *[]){p->net.slug, uid, approval ? "pending" : "member",
	                               m->message, now, approval ? NULL : now});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	m->changed = 1;
	/* a member's networks are searchable (peers, the network filter) */
	if (!approval && search_touch(db, "expert", p->c.id->user_id, p->c.now) < 0)
		return -1;
	struct audit_entry e = {
	        p->c.id->user_id, approval ? "network_join_requested" : "network_joined",
	        "network",        p->net.slug,
	        req_ip(p->c.req), ""};
	if (audit_append(db, p->c.now, &e) < 0)
		return -1;
	if (!approval)
		return 0;
	return np_notify_coordinators(p->c.app, db, &p->net, "network.join_requested",
	                              arena_printf(a, "/networks/%s/manage", p->net.slug), NULL);
}

void h_network_join(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f;
	struct membership_change m = {&p, form_value(req, "message"), 0};

	if (np_load(&p, ctx, req, resp, req_param(req, "slug")) <= 0)
		return;
	if (!(p.c.id->roles & ROLE_EXPERT)) {
		page_message(p.c.app, req, resp, 422, "network.join.title",
		             "network.error.experts_only", NULL);
		return;
	}
	form_init(&f);
	form_keep(&f, "message", m.message);
	if (!np_text_ok(m.message, NETWORK_MESSAGE_MAX, 1))
		form_error(&f, "message", "network.error.message_invalid");
	if (p.row != NP_NO_ROW)
		form_error(&f, "message",
		           p.row == NP_PENDING_ROW ? "network.error.already_pending"
		                                   : "network.error.already_member");
	if (form_has_errors(&f)) {
		show_network(&p, p.row != NP_NO_ROW ? 409 : 422, &f);
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(p.c.app->pool, join_tx, &m) < 0) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	search_changed(p.c.app);
	if (!m.changed) { /* joined meanwhile (another tab, another node) */
		form_init(&f);
		form_error(&f, "message", "network.error.already_member");
		show_network(&p, 409, &f);
		return;
	}
	pp_redirect(&p.c, arena_printf(&req->arena, "networks/%s?done=%s", p.net.slug,
	                               strcmp(p.net.membership, "approval") == 0 ? "requested"
	                                                                         : "joined"));
}

static int leave_tx(struct db *db, void *ud)
{
	struct membership_change *m = ud;
	struct np *p = m->p;
	int64_t rc = sql_exec(
	        db, "DELETE FROM network_members WHERE network = $1 AND user_id = $2", 2,
	        (const char *[]){p->net.slug, sql_int(&p->c.req->arena, p->c.id->user_id)});

	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	m->changed = 1;
	if (search_touch(db, "expert", p->c.id->user_id, p->c.now) < 0)
		return -1;
	struct audit_entry e = {p->c.id->user_id, "network_left",   "network",
	                        p->net.slug,      req_ip(p->c.req), ""};
	return audit_append(db, p->c.now, &e);
}

void h_network_leave(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct membership_change m = {&p, "", 0};
	struct form f;

	if (np_load(&p, ctx, req, resp, req_param(req, "slug")) <= 0)
		return;
	if (sql_tx(p.c.app->pool, leave_tx, &m) < 0) {
		page_unavailable(p.c.app, req, resp);
		return;
	}
	search_changed(p.c.app);
	if (!m.changed) {
		form_init(&f);
		form_error(&f, "leave", "network.error.not_member");
		show_network(&p, 409, &f);
		return;
	}
	pp_redirect(&p.c, arena_printf(&req->arena, "networks/%s?done=left", p.net.slug));
}

/* ---- The roster -------------------------------------------------------------------------- */

/* A member's first skills, as labels: [label]. */
static json_t *skills_of(struct pp *c, struct db *db, int64_t uid)
{
	struct db_stmt *st = db_prepare(db, "SELECT skill_id, free_name FROM profile_skills WHERE "
	                                    "user_id = $1 ORDER BY level DESC, id LIMIT $2");
	json_t *out = json_array();

	if (st && db_bind_int(st, 1, uid) == DB_OK && db_bind_int(st, 2, ROSTER_SKILLS) == DB_OK)
		while (db_step(st) == DB_ROW) {
			const char *id = db_col_text(st, 0), *label = NULL;
			if (id)
				label = taxonomy_label(c->app->tx, TAX_SKILL, id, c->l);
			if (!label || !*label)
				label = id && !*db_col_text(st, 1) ? id : db_col_text(st, 1);
			json_array_append_new(out, json_string(label));
		}
	db_finalize(st);
	return out;
}

static const char *country_label(struct pp *c, const char *code)
{
	const char *l = code ? taxonomy_label(c->app->tx, TAX_COUNTRY, code, c->l) : NULL;
	return l && *l ? l : code;
}

/* One member as the roster shows them at level v. */
static json_t *member_json(struct pp *c, struct db *db, int64_t uid, enum visibility v)
{
	const char *row[5] = {NULL};
	struct arena *a = &c->req->arena;
	const char *name;

	if (sql_row(db, a,
	            "SELECT name, name_ar, headline, country, city FROM profiles WHERE "
	            "user_id = $1",
	            1, (const char *[]){sql_int(a, uid)}, row, 5) != 1)
		return NULL;
	name = np_person_name(row[0], row[1], c->l);
	return json_pack(
	        "{s:I, s:s, s:s?, s:s?, s:s?, s:o}", "id", (json_int_t)uid, "name", name,
	        "headline", row[2] && *row[2] ? row[2] : NULL, "country", country_label(c, row[3]),
	        "city", visibility_allows(v, PART_PLACE) && row[4] && *row[4] ? row[4] : NULL,
	        "skills", visibility_allows(v, PART_SKILLS) ? skills_of(c, db, uid) : json_array());
}

int np_roster(struct np *p, struct db *db, int page, struct roster *r)
{
	int64_t *ids = NULL;
	int n = np_ids_all(db, &p->c.req->arena,
	                   "SELECT m.user_id FROM network_members m LEFT JOIN profiles pr ON "
	                   "pr.user_id = m.user_id WHERE m.network = $1 AND m.state = 'member' "
	                   "ORDER BY COALESCE(pr.name, ''), m.user_id",
	                   p->net.slug, &ids);
	int first = (page - 1) * ROSTER_PAGE;

	*r = (struct roster){json_array(), 0, 0, page};
	for (int i = 0; i < n; i++) {
		struct visibility_facts f;
		int rc = visibility_facts_load(db, NULL, ids[i], p->c.now, &f);
		enum visibility v = rc == 1 ? np_roster_level(&f) : VIS_NONE;
		json_t *m;
		if (rc < 0)
			return -1;
		if (v < VIS_PEERS) {
			r->hidden++;
			continue;
		}
		int k = r->total++; /* its place on the roster, from 0 */
		if (k < first || k >= first + ROSTER_PAGE)
			continue; /* on another page */
		if (!(m = member_json(&p->c, db, ids[i], v)))
			return -1;
		json_object_set_new(m, "me", json_boolean(p->c.id && ids[i] == p->c.id->user_id));
		json_array_append_new(r->shown, m);
	}
	return n < 0 ? -1 : 0;
}

/* Marks the member the introduction form being re-shown had chosen. */
static void mark_target(json_t *members, const struct form *form)
{
	const char *target = json_string_value(json_object_get(form->values, "target"));
	json_t *m;
	size_t i;

	json_array_foreach(members, i, m)
	{
		char id[24];
		snprintf(id, sizeof(id), "%lld",
		         (long long)json_integer_value(json_object_get(m, "id")));
		json_object_set_new(m, "selected", json_boolean(target && strcmp(target, id) == 0));
	}
}

void np_show_roster(struct np *p, int status, struct form *form)
{
	struct db *db = db_pool_get(p->c.app->pool);
	struct roster r;
	int64_t page = 1;
	int rc, manage = network_may(p->c.id, p->role, NET_MANAGE), pages;
	const char *asked = kvlist_get(&p->c.req->query, "page");

	if (asked && parse_int64(asked, 1, 100000, &page) < 0)
		page = 1;
	rc = np_roster(p, db, (int)page, &r);
	db_pool_put(p->c.app->pool, db);
	if (rc < 0) {
		json_decref(r.shown);
		json_decref(form_json(form));
		page_unavailable(p->c.app, p->c.req, p->c.resp);
		return;
	}
	pages = (r.total + ROSTER_PAGE - 1) / ROSTER_PAGE;
	mark_target(r.shown, form);
	page_render(p->c.app, p->c.req, p->c.resp, status, "network_roster", "network.roster.title",
	            json_pack("{s:s, s:s, s:o, s:i, s:i, s:b, s:b, s:o, s:i, s:i, s:o?, s:o?}",
	                      "slug", p->net.slug, "name", network_label(&p->net, p->c.l),
	                      "members", r.shown, "count", r.total, "hidden", r.hidden, "manage",
	                      manage, "ask", network_may(p->c.id, p->role, NET_ASK_INTRO), "form",
	                      form_json(form), "page", r.page, "pages", pages > 0 ? pages : 1,
	                      "prev", r.page > 1 ? json_integer(r.page - 1) : NULL, "next",
	                      r.page < pages ? json_integer(r.page + 1) : NULL));
}

void h_network_roster(void *ctx, struct request *req, struct response *resp)
{
	struct np p;
	struct form f;

	if (np_load(&p, ctx, req, resp, req_param(req, "slug")) <= 0 ||
	    !np_allow(&p, NET_SEE_ROSTER))
		return;
	form_init(&f);
	np_show_roster(&p, 200, &f);
}
