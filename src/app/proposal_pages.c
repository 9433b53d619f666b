/* proposal_pages: the pages of proposals (proposals.h; docs/PROPOSALS.md).
 *
 * /LANG/proposals (public list: filters by sector and status, sorted by
 * supports or date, pages of PROPOSAL_PAGE_SIZE; plain links, no script),
 * /LANG/proposals/new (experts: the form, errors by the field, 422,
 * nothing saved), /LANG/proposals/:id (public: the text, the author as
 * visibility.c lets the reader see them, the supports, the answers'
 * dated history, the comments), support, withdraw and comment (signed-in
 * people), /LANG/admin/proposals (the programme team's queue, flagged
 * first), /LANG/admin/proposals/:id (the same page with the answer form
 * and the comments' hide buttons), /LANG/admin/proposal-comments/:id
 * (hide or show a comment).
 *
 * The author's name: shown when visibility_of grants the reader the
 * directory card (PART_CARD) of the author's profile; otherwise "An
 * expert of the diaspora" (the country of residence is part of the card,
 * so it is not shown either). The same rule for commenters; someone
 * without a profile (an institution's member, staff) is "A member of
 * Kafaat" unless the reader is themselves. */
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/notify.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/proposals.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "app/visibility.h"
#include "core/buf.h"
#include "core/parse.h"

/* ---- Shared ------------------------------------------------------------------------- */

static const char *now_iso(struct pp *c)
{
	char iso[ISO_TIME_LEN + 1];

	iso_time(c->now, iso);
	return arena_strdup(&c->req->arena, iso);
}

static const char *key(struct pp *c, const char *prefix, const char *word)
{
	return arena_printf(&c->req->arena, "%s.%s", prefix, word);
}

/* The sector's label, or "the programme as a whole". */
static json_t *concerns(struct pp *c, const char *sector)
{
	const char *l = *sector ? taxonomy_label(c->app->tx, TAX_SECTOR, sector, c->l) : NULL;

	if (!*sector)
		return json_pack("{s:s}", "key", "proposal.programme");
	return json_pack("{s:s}", "text", l && *l ? l : sector);
}

/* Loads the proposal of the path: 1, or 0 / -1 with the 404 / 503 sent. */
static int page_load(struct pp *c, struct proposal *p)
{
	struct db *db = db_pool_get(c->app->pool);
	int64_t id = req_param_id(c->req, "id");
	int rc = id ? proposal_load(db, &c->req->arena, id, p) : 0;

	db_pool_put(c->app->pool, db);
	if (rc < 0)
		page_unavailable(c->app, c->req, c->resp);
	else if (rc == 0)
		pp_not_found(c);
	return rc;
}

static int is_admin_route(struct pp *c)
{
	const struct route *r = c->req->route;
	return r && strncmp(r->pattern, "/:lang/admin/", 13) == 0;
}

/* How the reader sees person uid: {name} when visibility.c grants them the
 * card, else {key} (an expert, or a member without a profile). cache: ids
 * already looked up on this page. */
static json_t *person(struct pp *c, struct db *db, json_t *cache, int64_t uid)
{
	const char *k = arena_printf(&c->req->arena, "%lld", (long long)uid);
	json_t *known = json_object_get(cache, k), *out;
	struct visibility_facts f;
	const char *row[2];
	int rc;

	if (known)
		return json_incref(known);
	rc = visibility_facts_load(db, c->id, uid, c->now, &f);
	if (rc == 1 && visibility_allows(visibility_of(c->id, &f), PART_CARD) &&
	    sql_row(db, &c->req->arena, "SELECT name, name_ar FROM profiles WHERE user_id = $1", 1,
	            (const char *[]){k}, row, 2) == 1 &&
	    (*row[0] || *row[1]))
		out = json_pack("{s:s}", "name",
		                c->l == LANG_AR && *row[1] ? row[1]
		                : *row[0]                  ? row[0]
		                                           : row[1]);
	else if (c->id && c->id->user_id == uid)
		out = json_pack("{s:s}", "key", "proposal.author.you");
	else
		out = json_pack("{s:s}", "key",
		                rc == 1 ? "proposal.author.expert" : "proposal.author.member");
	json_object_set(cache, k, out);
	return out;
}

/* Tells the author of p (kind proposal.KIND, a link to the public page). */
static int tell_author(struct pp *c, struct db *db, const struct proposal *p, const char *kind,
                       const char *const *vars)
{
	return notify(c->app, db, p->author_id, key(c, "proposal", kind),
	              arena_printf(&c->req->arena, "/proposals/%lld", (long long)p->id), vars);
}

static int audit(struct pp *c, struct db *db, const char *action, int64_t id, const char *details)
{
	struct audit_entry e = {c->id->user_id, action, "proposal", sql_int(&c->req->arena, id),
	                        req_ip(c->req), details};
	return audit_append(db, c->now, &e);
}

/* ---- The public list ------------------------------------------------------------------ */

#define LIST_COLUMNS                                                                               \
	"SELECT p.id, p.title, p.kind, COALESCE(p.sector_id, ''), p.status, p.created_at, "        \
	"(SELECT COUNT(*) FROM proposal_supports s WHERE s.proposal_id = p.id) AS supports, "      \
	"(SELECT COUNT(*) FROM proposal_comments m WHERE m.proposal_id = p.id AND m.hidden_at "    \
	"IS NULL) AS comments, p.flagged_at FROM proposals p "

static json_t *row_json(struct pp *c, struct db_stmt *st)
{
	struct arena *a = &c->req->arena;
	json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:s?, s:s, s:s}", "id",
	                      (json_int_t)db_col_int(st, 0), "title", db_col_text(st, 1),
	                      "kind_key", key(c, "proposal.kind", db_col_text(st, 2)), "concerns",
	                      concerns(c, sql_col_text(st, a, 3)), "status", sql_col_text(st, a, 4),
	                      "status_key", key(c, "proposal.status", db_col_text(st, 4)), "date",
	                      pp_date(c, db_col_text(st, 5)), "supports",
	                      pp_number(c, db_col_int(st, 6)), "comments",
	                      pp_number(c, db_col_int(st, 7)));

	json_object_set_new(o, "flagged", json_boolean(sql_col(st, a, 8) != NULL));
	return o;
}

/* The filters of the list as the query gave them (values not known are
 * set aside: the list is then not filtered by them). */
struct filters {
	const char *sector; /* "", "programme" or a sector id */
	const char *status; /* "" or a status name */
	const char *sort;   /* "date" or "supports" */
	int64_t page;       /* from 1 */
};

static void filters_read(struct pp *c, struct filters *f)
{
	const char *v;

	f->sector = kvlist_get(&c->req->query, "sector");
	if (!f->sector || (strcmp(f->sector, PROPOSAL_PROGRAMME) != 0 &&
	                   !taxonomy_has(c->app->tx, TAX_SECTOR, f->sector)))
		f->sector = "";
	f->status = kvlist_get(&c->req->query, "status");
	if (!f->status || proposal_status_parse(f->status) < 0)
		f->status = "";
	v = kvlist_get(&c->req->query, "sort");
	f->sort = v && strcmp(v, "supports") == 0 ? "supports" : "date";
	v = kvlist_get(&c->req->query, "page");
	if (!v || parse_int64(v, 1, 100000, &f->page) != 0)
		f->page = 1;
}

static json_t *sector_options(struct pp *c, const char *cur)
{
	json_t *out = json_array(), *opts = taxonomy_options(c->app->tx, TAX_SECTOR, c->l), *o;
	size_t i;

	json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "value", PROPOSAL_PROGRAMME, "key",
	                                     "proposal.programme", "selected",
	                                     strcmp(cur, PROPOSAL_PROGRAMME) == 0));
	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		json_array_append_new(out, json_pack("{s:s, s:O, s:b}", "value", id, "text",
		                                     json_object_get(o, "label"), "selected",
		                                     strcmp(id, cur) == 0));
	}
	json_decref(opts);
	return out;
}

static json_t *status_options(struct pp *c, const char *cur)
{
	json_t *out = json_array();

	for (int s = 0; s < PROPOSAL_STATUSES; s++) {
		const char *n = proposal_status_name((enum proposal_status)s);
		json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "value", n, "key",
		                                     key(c, "proposal.status", n), "selected",
		                                     strcmp(n, cur) == 0));
	}
	return out;
}

/* The query string of the list with f, at page `page` (arena). */
static const char *list_href(struct pp *c, const struct filters *f, int64_t page)
{
	return arena_printf(&c->req->arena, "/%s/proposals?sector=%s&status=%s&sort=%s&page=%lld",
	                    lang_code(c->l), f->sector, f->status, f->sort, (long long)page);
}

void h_proposals(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct filters f;
	struct db *db;
	struct db_stmt *st;
	json_t *list = json_array();
	int n = 0, more = 0, ok;

	pp_init(&c, ctx, req, resp);
	filters_read(&c, &f);
	db = db_pool_get(c.app->pool);
	st = db_prepare(db, strcmp(f.sort, "supports") == 0 ? LIST_COLUMNS
	                            "WHERE ($1 = '' OR COALESCE(p.sector_id, 'programme') "
	                            "= $1) AND ($2 = '' OR p.status = $2) ORDER BY "
	                            "supports DESC, p.created_at DESC, p.id DESC LIMIT "
	                            "21 OFFSET $3"
	                                                    : LIST_COLUMNS
	                            "WHERE ($1 = '' OR COALESCE(p.sector_id, 'programme') "
	                            "= $1) AND ($2 = '' OR p.status = $2) ORDER BY "
	                            "p.created_at DESC, p.id DESC LIMIT 21 OFFSET $3");
	ok = st && db_bind_text(st, 1, f.sector) == DB_OK &&
	     db_bind_text(st, 2, f.status) == DB_OK &&
	     db_bind_int(st, 3, (f.page - 1) * PROPOSAL_PAGE_SIZE) == DB_OK;
	if (ok) {
		enum db_rc rc;
		while ((rc = db_step(st)) == DB_ROW) {
			if (n++ == PROPOSAL_PAGE_SIZE) {
				more = 1;
				break;
			}
			json_array_append_new(list, row_json(&c, st));
		}
		ok = rc == DB_ROW || rc == DB_OK;
	}
	db_finalize(st);
	db_pool_put(c.app->pool, db);
	if (!ok) {
		json_decref(list);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "proposal_list", "proposal.list.title",
	            json_pack("{s:o, s:o, s:o, s:b, s:s?, s:s?, s:I, s:b, s:b, s:b}", "proposals",
	                      list, "sectors", sector_options(&c, f.sector), "statuses",
	                      status_options(&c, f.status), "by_supports",
	                      strcmp(f.sort, "supports") == 0, "prev",
	                      f.page > 1 ? list_href(&c, &f, f.page - 1) : NULL, "next",
	                      more ? list_href(&c, &f, f.page + 1) : NULL, "page",
	                      (json_int_t)f.page, "expert",
	                      c.id && (c.id->roles & ROLE_EXPERT) && !c.id->second_step_pending,
	                      "admin",
	                      c.id && (c.id->roles & ROLE_ADMIN) && !c.id->second_step_pending,
	                      "signed_in", c.id && !c.id->second_step_pending));
}

/* ---- The submission form ------------------------------------------------------------- */

static json_t *kind_options(struct pp *c, const char *cur)
{
	json_t *out = json_array();

	for (int i = 0; i < PROPOSAL_KINDS; i++)
		json_array_append_new(
		        out, json_pack("{s:s, s:s, s:b}", "value", proposal_kind_names[i], "key",
		                       key(c, "proposal.kind", proposal_kind_names[i]), "selected",
		                       strcmp(proposal_kind_names[i], cur) == 0));
	return out;
}

static void show_form(struct pp *c, int status, const struct need_issues *is)
{
	const char *sector = status == 200 ? "" : form_value(c->req, "sector");
	const char *kind = status == 200 ? "idea" : form_value(c->req, "kind");
	json_t *errors = json_object(), *list = json_array();

	for (int i = 0; is && i < is->count; i++) {
		json_t *e = json_pack("{s:s, s:s, s:s?}", "field", is->items[i].field, "key",
		                      is->items[i].key, "arg", is->items[i].arg);
		json_object_set(errors, is->items[i].field, e);
		json_array_append_new(list, e);
	}
	page_render(c->app, c->req, c->resp, status, "proposal_form", "proposal.new.title",
	            json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:i}", "title",
	                      status == 200 ? "" : form_value(c->req, "title"), "body",
	                      status == 200 ? "" : form_value(c->req, "body"), "kinds",
	                      kind_options(c, kind), "sectors", sector_options(c, sector), "errors",
	                      errors, "error_list", list, "title_max", PROPOSAL_TITLE_MAX,
	                      "body_max", PROPOSAL_BODY_MAX));
}

struct create {
	struct pp *c;
	struct proposal *p;
};

static int create_tx(struct db *db, void *ud)
{
	struct create *k = ud;
	struct pp *c = k->c;
	const char *vars[] = {"title", k->p->title, NULL};

	if (proposal_insert(db, k->p, now_iso(c), &c->req->arena) < 0 ||
	    audit(c, db, "proposal_submitted", k->p->id, "") < 0)
		return -1;
	return tell_author(c, db, k->p, "submitted", vars);
}

void h_proposal_new(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct proposal p = {0};
	struct need_issues is = {.count = 0};
	struct create k = {&c, &p};

	pp_init(&c, ctx, req, resp);
	if (req->method != HTTP_POST) {
		show_form(&c, 200, NULL);
		return;
	}
	proposal_read(c.app->tx, &req->arena, &req->form, &p, &is);
	if (is.count > 0) {
		show_form(&c, 422, &is);
		return;
	}
	p.id = new_id(c.app->cfg);
	p.author_id = c.id->user_id;
	if (sql_tx(c.app->pool, create_tx, &k) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	pp_redirect(&c,
	            arena_printf(&req->arena, "proposals/%lld?done=submitted", (long long)p.id));
}

/* ---- A proposal's page ---------------------------------------------------------------- */

static json_t *answers_json(struct pp *c, struct db *db, int64_t id)
{
	struct db_stmt *st = db_prepare(db, "SELECT at, from_status, to_status, answer FROM "
	                                    "proposal_answers WHERE proposal_id = $1 ORDER BY at "
	                                    "DESC, id DESC");
	json_t *out = json_array();

	if (st && db_bind_int(st, 1, id) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        out,
			        json_pack("{s:s?, s:s, s:s, s:s, s:o}", "at",
			                  pp_date(c, db_col_text(st, 0)), "from_key",
			                  key(c, "proposal.status", db_col_text(st, 1)), "to",
			                  db_col_text(st, 2), "to_key",
			                  key(c, "proposal.status", db_col_text(st, 2)), "answer",
			                  page_paragraphs(&c->req->arena, db_col_text(st, 3))));
	db_finalize(st);
	return st ? out : (json_decref(out), NULL);
}

static json_t *comments_json(struct pp *c, struct db *db, int64_t id, json_t *cache, int admin)
{
	struct arena *a = &c->req->arena;
	struct db_stmt *st =
	        db_prepare(db, "SELECT id, author_id, body, hidden_at, created_at FROM "
	                       "proposal_comments WHERE proposal_id = $1 ORDER BY "
	                       "created_at, id LIMIT 500");
	json_t *out = json_array();
	struct row {
		int64_t id, author;
		const char *body, *hidden, *at;
	} *rows = NULL;
	size_t n = 0, cap = 0;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		while (db_step(st) == DB_ROW) {
			if (n == cap) {
				struct row *more =
				        arena_alloc(a, (cap = cap ? cap * 2 : 16) * sizeof(*rows));
				if (n)
					memcpy(more, rows, n * sizeof(*rows));
				rows = more;
			}
			rows[n++] = (struct row){db_col_int(st, 0), db_col_int(st, 1),
			                         sql_col_text(st, a, 2), sql_col(st, a, 3),
			                         sql_col_text(st, a, 4)};
		}
	db_finalize(st);
	if (!st) {
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		int shown = !rows[i].hidden || admin;
		json_t *o =
		        json_pack("{s:I, s:o, s:s?, s:b, s:o}", "id", (json_int_t)rows[i].id, "who",
		                  person(c, db, cache, rows[i].author), "at",
		                  pp_date(c, rows[i].at), "hidden", rows[i].hidden != NULL, "body",
		                  shown ? page_paragraphs(a, rows[i].body) : json_array());
		json_array_append_new(out, o);
	}
	return out;
}

/* A message to show on the page after a refused action: the catalogue key
 * and where (field: "support", "body", "status", "answer"). */
struct problem {
	const char *field, *key;
};

static const char *done_key(struct pp *c)
{
	static const char *const known[] = {"submitted", "supported", "withdrawn", "commented",
	                                    "answered",  "hidden",    "shown"};
	const char *d = kvlist_get(&c->req->query, "done");

	for (size_t i = 0; d && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(d, known[i]) == 0)
			return key(c, "proposal.done", d);
	return NULL;
}

static json_t *answer_options(struct pp *c, const struct proposal *p, const char *cur)
{
	json_t *out = json_array();

	for (size_t i = 0; i < proposal_transitions_count; i++) {
		const struct proposal_transition *t = &proposal_transitions[i];
		const char *n = proposal_status_name(t->to);
		if (t->from != p->status)
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:b}", "value", n, "key",
		                                     key(c, "proposal.status", n), "selected",
		                                     strcmp(n, cur) == 0, "needs_answer",
		                                     t->needs_answer));
	}
	return out;
}

static void show_page(struct pp *c, int status, const struct proposal *p, struct problem *pb)
{
	struct db *db = db_pool_get(c->app->pool);
	struct arena *a = &c->req->arena;
	int admin = is_admin_route(c);
	int signed_in = c->id && !c->id->second_step_pending;
	json_t *cache = json_object();
	json_t *answers = answers_json(c, db, p->id);
	json_t *comments = comments_json(c, db, p->id, cache, admin);
	json_t *author = person(c, db, cache, p->author_id);
	int64_t supports = proposal_supports(db, a, p->id);
	int mine = signed_in ? proposal_supported_by(db, a, p->id, c->id->user_id) : 0;
	json_t *data;

	db_pool_put(c->app->pool, db);
	json_decref(cache);
	if (!answers || !comments || supports < 0 || mine < 0) {
		json_decref(answers);
		json_decref(comments);
		json_decref(author);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	data = json_pack("{s:I, s:s, s:o, s:s, s:o, s:s, s:s, s:s?, s:o, s:s, s:o, s:o}", "id",
	                 (json_int_t)p->id, "title", p->title, "body", page_paragraphs(a, p->body),
	                 "kind_key", key(c, "proposal.kind", p->kind), "concerns",
	                 concerns(c, p->sector), "status", proposal_status_name(p->status),
	                 "status_key", key(c, "proposal.status", proposal_status_name(p->status)),
	                 "date", pp_date(c, p->created_at), "author", author, "supports",
	                 pp_number(c, supports), "answers", answers, "comments", comments);
	json_object_set_new(data, "signed_in", json_boolean(signed_in));
	json_object_set_new(data, "own", json_boolean(signed_in && c->id->user_id == p->author_id));
	json_object_set_new(data, "supported", json_boolean(mine == 1));
	json_object_set_new(data, "admin", json_boolean(admin));
	json_object_set_new(data, "flagged", json_boolean(p->flagged_at != NULL));
	json_object_set_new(data, "final", json_boolean(proposal_final(p->status)));
	json_object_set_new(data, "done", done_key(c) ? json_string(done_key(c)) : json_null());
	json_object_set_new(data, "comment_max", json_integer(PROPOSAL_COMMENT_MAX));
	json_object_set_new(data, "answer_max", json_integer(PROPOSAL_ANSWER_MAX));
	json_object_set_new(data, "base",
	                    json_string(arena_printf(a, "/%s/%sproposals/%lld", lang_code(c->l),
	                                             admin ? "admin/" : "", (long long)p->id)));
	if (admin)
		json_object_set_new(
		        data, "transitions",
		        answer_options(c, p, status == 200 ? "" : form_value(c->req, "status")));
	if (pb) {
		json_object_set_new(data, "error",
		                    json_pack("{s:s, s:s}", "field", pb->field, "key", pb->key));
		json_object_set_new(data, "errors", json_pack("{s:s}", pb->field, pb->key));
	}
	/* what was typed, given back after a refusal (not a 100 kB paste) */
	json_object_set_new(data, "typed_comment",
	                    json_string(pb && strcmp(pb->field, "body") == 0 &&
	                                                strlen(form_value(c->req, "body")) <=
	                                                        4 * PROPOSAL_COMMENT_MAX
	                                        ? form_value(c->req, "body")
	                                        : ""));
	json_object_set_new(data, "typed_answer",
	                    json_string(pb && strcmp(pb->field, "body") != 0 &&
	                                                strlen(form_value(c->req, "answer")) <=
	                                                        4 * PROPOSAL_ANSWER_MAX
	                                        ? form_value(c->req, "answer")
	                                        : ""));
	page_render(c->app, c->req, c->resp, status, "proposal_view", "proposal.view.title", data);
}

void h_proposal(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct proposal p;

	pp_init(&c, ctx, req, resp);
	if (page_load(&c, &p) <= 0)
		return;
	show_page(&c, 200, &p, NULL);
}

/* ---- Supports ------------------------------------------------------------------------- */

struct support {
	struct pp *c;
	struct proposal *p;
	int add;     /* 1 support, 0 withdraw */
	int changed; /* 1 done, 0 refused (there already, or none to withdraw) */
};

static int support_tx(struct db *db, void *ud)
{
	struct support *s = ud;
	struct pp *c = s->c;
	struct arena *a = &c->req->arena;
	int rc = s->add ? proposal_support_add(db, a, s->p->id, c->id->user_id, now_iso(c))
	                : proposal_support_remove(db, a, s->p->id, c->id->user_id);
	int64_t n;

	if (rc <= 0)
		return rc < 0 ? -1 : (s->changed = 0);
	s->changed = 1;
	if (audit(c, db, s->add ? "proposal_supported" : "proposal_support_withdrawn", s->p->id,
	          "") < 0)
		return -1;
	if (!s->add)
		return 0;
	n = proposal_supports(db, a, s->p->id);
	if (n < 0)
		return -1;
	if (!proposal_support_milestone(n))
		return 0;
	rc = proposal_support_told(db, a, s->p->id, n);
	if (rc <= 0)
		return rc;
	return tell_author(c, db, s->p, "supported",
	                   (const char *[]){"title", s->p->title, "count", pp_number(c, n), NULL});
}

static void support_step(void *ctx, struct request *req, struct response *resp, int add)
{
	struct pp c;
	struct proposal p;
	struct support s = {&c, &p, add, 0};

	pp_init(&c, ctx, req, resp);
	if (page_load(&c, &p) <= 0)
		return;
	if (add && p.author_id == c.id->user_id) {
		show_page(&c, 422, &p, &(struct problem){"support", "proposal.error.own"});
		return;
	}
	if (sql_tx(c.app->pool, support_tx, &s) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (!s.changed) {
		show_page(&c, 409, &p,
		          &(struct problem){"support", add ? "proposal.error.supported_already"
		                                           : "proposal.error.not_supported"});
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "proposals/%lld?done=%s#supports",
	                             (long long)p.id, add ? "supported" : "withdrawn"));
}

void h_proposal_support(void *ctx, struct request *req, struct response *resp)
{
	support_step(ctx, req, resp, 1);
}

void h_proposal_withdraw(void *ctx, struct request *req, struct response *resp)
{
	support_step(ctx, req, resp, 0);
}

/* ---- Comments ------------------------------------------------------------------------- */

struct comment {
	struct pp *c;
	struct proposal *p;
	const char *body;
};

static int comment_tx(struct db *db, void *ud)
{
	struct comment *k = ud;
	struct pp *c = k->c;
	int64_t id = new_id(c->app->cfg);

	if (proposal_comment_add(db, &c->req->arena, id, k->p->id, c->id->user_id, k->body,
	                         now_iso(c)) < 0 ||
	    audit(c, db, "proposal_commented", k->p->id,
	          arena_printf(&c->req->arena, "{\"comment\":%lld}", (long long)id)) < 0)
		return -1;
	if (k->p->author_id == c->id->user_id)
		return 0;
	return tell_author(c, db, k->p, "commented", (const char *[]){"title", k->p->title, NULL});
}

static const char *trim(struct arena *a, const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

void h_proposal_comment(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct proposal p;
	struct comment k = {&c, &p, NULL};
	const char *problem;

	pp_init(&c, ctx, req, resp);
	if (page_load(&c, &p) <= 0)
		return;
	problem = proposal_text_problem(form_value(req, "body"), 1, PROPOSAL_COMMENT_MAX);
	if (problem) {
		show_page(&c, 422, &p, &(struct problem){"body", problem});
		return;
	}
	k.body = trim(&req->arena, form_value(req, "body"));
	if (sql_tx(c.app->pool, comment_tx, &k) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "proposals/%lld?done=commented#comments",
	                             (long long)p.id));
}

/* ---- The programme team ------------------------------------------------------------------ */

void h_admin_proposals(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	struct db_stmt *st;
	json_t *list = json_array();
	enum db_rc rc = DB_ERROR;

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	st = db_prepare(db, LIST_COLUMNS "WHERE p.status IN ('received', 'under_study') ORDER BY "
	                                 "CASE WHEN p.flagged_at IS NULL THEN 1 ELSE 0 END, "
	                                 "CASE WHEN p.status = 'received' THEN 0 ELSE 1 END, "
	                                 "p.created_at, p.id LIMIT 500");
	if (st)
		while ((rc = db_step(st)) == DB_ROW)
			json_array_append_new(list, row_json(&c, st));
	db_finalize(st);
	db_pool_put(c.app->pool, db);
	if (rc != DB_OK) {
		json_decref(list);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "proposal_queue", "proposal.queue.title",
	            json_pack("{s:o, s:i}", "proposals", list, "days",
	                      c.app->cfg->proposals_answer_days));
}

struct answer {
	struct pp *c;
	struct proposal *p;
	enum proposal_status to;
	const char *text;
	int done;
};

static int answer_tx(struct db *db, void *ud)
{
	struct answer *k = ud;
	struct pp *c = k->c;
	struct arena *a = &c->req->arena;
	const char *from = proposal_status_name(k->p->status);
	int rc = proposal_answer(db, a, k->p, k->to, new_id(c->app->cfg), c->id->user_id, k->text,
	                         now_iso(c));
	const char *vars[] = {"title",   k->p->title,
	                      "~status", key(c, "proposal.status", proposal_status_name(k->to)),
	                      "answer",  *k->text ? k->text : "—",
	                      NULL};

	if (rc <= 0)
		return rc < 0 ? -1 : (k->done = 0);
	k->done = 1;
	if (audit(c, db, "proposal_answered", k->p->id,
	          arena_printf(a, "{\"from\":\"%s\",\"to\":\"%s\"}", from,
	                       proposal_status_name(k->to))) < 0)
		return -1;
	return tell_author(c, db, k->p, "answered", vars);
}

/* What is wrong with the answer form for p: NULL, or the problem (409 when
 * the table does not allow the move, 422 for a value). */
static const char *answer_problem(const struct proposal *p, const char *status, const char *answer,
                                  const char **field, int *code)
{
	int to = proposal_status_parse(status);
	const struct proposal_transition *t;
	const char *problem;

	*field = "status";
	*code = 422;
	if (to < 0)
		return "proposal.error.status_unknown";
	t = proposal_transition_find(p->status, (enum proposal_status)to);
	*code = 409;
	if (!t)
		return "proposal.error.transition";
	*code = 422;
	*field = "answer";
	problem = proposal_text_problem(answer, t->needs_answer ? 1 : 0, PROPOSAL_ANSWER_MAX);
	if (problem && strcmp(problem, "proposal.error.empty") == 0)
		return "proposal.error.answer_required";
	return problem;
}

void h_admin_proposal(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct proposal p;
	struct answer k = {&c, &p, PROP_RECEIVED, "", 0};
	const char *field, *problem;
	int code;

	pp_init(&c, ctx, req, resp);
	if (page_load(&c, &p) <= 0)
		return;
	if (req->method != HTTP_POST) {
		show_page(&c, 200, &p, NULL);
		return;
	}
	problem = answer_problem(&p, form_value(req, "status"), form_value(req, "answer"), &field,
	                         &code);
	if (problem) {
		show_page(&c, code, &p, &(struct problem){field, problem});
		return;
	}
	k.to = (enum proposal_status)proposal_status_parse(form_value(req, "status"));
	k.text = trim(&req->arena, form_value(req, "answer"));
	if (sql_tx(c.app->pool, answer_tx, &k) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (!k.done) {
		show_page(&c, 409, &p, &(struct problem){"status", "proposal.error.transition"});
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "admin/proposals/%lld?done=answered",
	                             (long long)p.id));
}

struct hide {
	struct pp *c;
	int64_t comment_id, proposal_id;
	int hide, changed;
};

static int hide_tx(struct db *db, void *ud)
{
	struct hide *h = ud;
	struct pp *c = h->c;
	int rc = proposal_comment_hide(db, &c->req->arena, h->comment_id, h->hide, c->id->user_id,
	                               now_iso(c), &h->proposal_id);

	if (rc <= 0)
		return rc < 0 ? -1 : (h->changed = 0);
	h->changed = 1;
	return audit(c, db, h->hide ? "proposal_comment_hidden" : "proposal_comment_shown",
	             h->proposal_id,
	             arena_printf(&c->req->arena, "{\"comment\":%lld}", (long long)h->comment_id));
}

void h_admin_proposal_comment(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	const char *action;
	struct hide h = {&c, req_param_id(req, "id"), 0, 0, 0};
	const char *row[1];
	struct db *db;
	int rc;

	pp_init(&c, ctx, req, resp);
	action = form_value(req, "action");
	db = db_pool_get(c.app->pool);
	rc = h.comment_id ? sql_row(db, &req->arena,
	                            "SELECT proposal_id FROM proposal_comments WHERE id = $1", 1,
	                            (const char *[]){sql_int(&req->arena, h.comment_id)}, row, 1)
	                  : 0;
	db_pool_put(c.app->pool, db);
	if (rc < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	if (rc == 0) {
		pp_not_found(&c);
		return;
	}
	if (strcmp(action, "hide") != 0 && strcmp(action, "show") != 0) {
		page_message(c.app, req, resp, 422, "proposal.view.title", "proposal.error.action",
		             NULL);
		return;
	}
	h.hide = strcmp(action, "hide") == 0;
	if (sql_tx(c.app->pool, hide_tx, &h) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "admin/proposals/%s?done=%s#comments", row[0],
	                             h.hide ? "hidden" : "shown"));
}
