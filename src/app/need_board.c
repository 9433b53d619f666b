/* need_board: the published needs for everyone: the board with its
 * filters and pages (/LANG/needs), a need's public page, the JSON API
 * (/api/v1/needs) and the Atom feed (/LANG/needs.atom). All three list the
 * same thing, the published needs passing the same filter (board_scan);
 * none shows a counterpart. docs/NEEDS.md describes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/institutions.h"
#include "app/need_pages.h"
#include "app/needs.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "core/parse.h"
#include "text/fold.h"
#include "web/xml.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define BOARD_PAGE 20 /* needs per page of the board and the API */
#define FEED_MAX 1000 /* entries of the Atom feed */

/* ---- The board: filters ----------------------------------------------------------------- */

struct filter {
	const char *sector, *region, *presence, *mode, *pay, *q; /* "" when not filtered */
	int64_t page;
	const char *bad; /* the first parameter with an unknown value, or NULL */
};

static const char *const f_presences[] = {"remote", "onsite", "hybrid"};
static const char *const f_modes[] = {"ponctuelle", "continue"};
static const char *const f_pays[] = {"pro_bono", "paid"};

static int in_words(const char *s, const char *const *w, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, w[i]) == 0)
			return 1;
	return 0;
}

enum fkind { FK_SECTOR, FK_REGION, FK_PRESENCE, FK_MODE, FK_PAY };

static int filter_ok(const struct taxonomy *tx, enum fkind k, const char *v)
{
	switch (k) {
	case FK_SECTOR:
		return taxonomy_has(tx, TAX_SECTOR, v);
	case FK_REGION:
		return taxonomy_has(tx, TAX_REGION, v);
	case FK_PRESENCE:
		return in_words(v, f_presences, N(f_presences));
	case FK_MODE:
		return in_words(v, f_modes, N(f_modes));
	default:
		return in_words(v, f_pays, N(f_pays));
	}
}

/* A filter's value: "" when absent or unknown (f->bad then names it). */
static const char *filter_word(struct pp *c, struct filter *f, const char *name, enum fkind k)
{
	const char *v = kvlist_get(&c->req->query, name);

	if (!v || !*v)
		return "";
	if (filter_ok(c->app->tx, k, v))
		return v;
	if (!f->bad)
		f->bad = name;
	return "";
}

static void read_filter(struct pp *c, struct filter *f)
{
	const char *page = kvlist_get(&c->req->query, "page"), *q = kvlist_get(&c->req->query, "q");

	*f = (struct filter){0};
	f->sector = filter_word(c, f, "sector", FK_SECTOR);
	f->region = filter_word(c, f, "region", FK_REGION);
	f->presence = filter_word(c, f, "presence", FK_PRESENCE);
	f->mode = filter_word(c, f, "mode", FK_MODE);
	f->pay = filter_word(c, f, "pay", FK_PAY);
	f->q = q ? q : "";
	if (!page || parse_int64(page, 1, 100000, &f->page) < 0)
		f->page = 1;
}

/* ---- The board: the published needs that pass a filter ------------------------------------ */

/* Columns of a board row (board_sql). */
enum bcol {
	B_ID,
	B_TITLE,
	B_DESCRIPTION,
	B_SECTOR,
	B_REGION,
	B_CITY,
	B_MODE,
	B_PRESENCE,
	B_PAY,
	B_START,
	B_END,
	B_FLEXIBLE,
	B_EFFORT_DAYS,
	B_HOURS,
	B_EXPERTS,
	B_TRAVEL,
	B_STAY,
	B_PUBLISHED,
	B_UPDATED,
	B_CREATED,
	B_INSTITUTION,
	B_INST_AR,
	B_INST_FR,
	B_INST_EN
};

static const char board_sql[] =
        "SELECT n.id, n.title, n.description, n.sector_id, n.region, n.city, n.mode, "
        "n.presence, n.pay, n.start_date, n.end_date, n.flexible, COALESCE(n.effort_days, 0), "
        "COALESCE(n.hours_per_month, 0), n.experts_wanted, n.covers_travel, n.covers_stay, "
        "n.published_at, n.updated_at, n.created_at, i.id, i.name_ar, i.name_fr, i.name_en "
        "FROM needs n JOIN institutions i ON i.id = n.institution_id WHERE n.state = "
        "'published' AND ($1 = '' OR n.sector_id = $1) AND ($2 = '' OR n.region = $2) AND "
        "($3 = '' OR n.presence = $3) AND ($4 = '' OR n.mode = $4) AND ($5 = '' OR n.pay = $5) "
        "ORDER BY n.published_at DESC, n.id DESC LIMIT 5000";

struct scan {
	struct pp *c;
	const struct filter *f;
	const char *tokens[16]; /* the folded words of f->q: each must appear */
	int ntokens;
	int matched;                                   /* rows that passed so far */
	int (*fn)(struct scan *s, struct db_stmt *st); /* per matching row; < 0 stops */
	void *ud;
};

static int add_token(void *ud, const char *tok, size_t len)
{
	struct scan *s = ud;

	if (s->ntokens < N(s->tokens))
		s->tokens[s->ntokens++] = arena_strndup(&s->c->req->arena, tok, len);
	return 0;
}

static const char *col_text(struct db_stmt *st, int i)
{
	const char *v = db_col_text(st, i);
	return v ? v : "";
}

/* Does the row hold every word of the query (title, description, city,
 * institution names; folded)? */
static int text_matches(struct scan *s, struct db_stmt *st)
{
	static const int cols[] = {B_TITLE, B_DESCRIPTION, B_CITY, B_INST_AR, B_INST_FR, B_INST_EN};
	struct buf all = BUF_INIT;
	char *folded;
	int ok = 1;

	if (!s->ntokens)
		return 1;
	for (int i = 0; i < N(cols); i++) {
		buf_adds(&all, col_text(st, cols[i]));
		buf_addc(&all, '\n');
	}
	folded = text_fold(buf_str(&all), all.len, NULL);
	for (int i = 0; i < s->ntokens && ok; i++)
		ok = folded && strstr(folded, s->tokens[i]) != NULL;
	free(folded);
	buf_release(&all);
	return ok;
}

/* Calls s->fn for every published need passing the filter, newest first.
 * 0, or -1 when the query failed. */
static int board_scan(struct scan *s)
{
	const struct filter *f = s->f;
	char *q = text_fold(f->q, strlen(f->q), NULL);
	struct db *db = db_pool_get(s->c->app->pool);
	struct db_stmt *st = db_prepare(db, board_sql);
	const char *params[] = {f->sector, f->region, f->presence, f->mode, f->pay};
	enum db_rc rc = DB_ERROR;

	if (q)
		text_tokens(q, strlen(q), add_token, s);
	free(q);
	for (int i = 0; st && i < N(params); i++)
		if (db_bind_text(st, i + 1, params[i]) != DB_OK) {
			db_finalize(st);
			st = NULL;
		}
	while (st && (rc = db_step(st)) == DB_ROW) {
		if (!text_matches(s, st))
			continue;
		if (s->fn(s, st) < 0)
			break;
		s->matched++;
	}
	db_finalize(st);
	db_pool_put(s->c->app->pool, db);
	return rc < 0 ? -1 : 0;
}

/* The first characters of a text (at most max bytes, whole characters). */
static const char *summary(struct arena *a, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return s;
	while (n > max || (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80))
		n--;
	return arena_printf(a, "%.*s…", (int)n, s);
}

static const char *inst_name(struct db_stmt *st, enum lang l)
{
	const char *v = col_text(st, B_INST_AR + (int)l);
	return *v ? v : col_text(st, B_INST_FR);
}

static json_t *card_json(struct pp *c, struct db_stmt *st)
{
	struct need n = {0};
	const char *start = db_col_text(st, B_START), *end = db_col_text(st, B_END);
	const char *dates = !start && !end               ? "open"
	                    : db_col_int(st, B_FLEXIBLE) ? "window"
	                                                 : "fixed";

	n.mode = col_text(st, B_MODE);
	n.effort_days = (int)db_col_int(st, B_EFFORT_DAYS);
	n.hours_per_month = (int)db_col_int(st, B_HOURS);
	return json_pack(
	        "{s:I, s:s, s:s, s:s, s:I, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:o, s:s?, s:s?, "
	        "s:s?, "
	        "s:s?, s:b, s:b, s:I}",
	        "id", (json_int_t)db_col_int(st, B_ID), "title", col_text(st, B_TITLE), "summary",
	        summary(&c->req->arena, col_text(st, B_DESCRIPTION), 280), "institution",
	        inst_name(st, c->l), "institution_id", (json_int_t)db_col_int(st, B_INSTITUTION),
	        "sector", need_page_label(c, TAX_SECTOR, db_col_text(st, B_SECTOR)), "region",
	        need_page_label(c, TAX_REGION, db_col_text(st, B_REGION)), "city",
	        col_text(st, B_CITY), "mode_key",
	        need_page_key(c, "need.mode", col_text(st, B_MODE)), "presence_key",
	        need_page_key(c, "need.presence", col_text(st, B_PRESENCE)), "pay_key",
	        need_page_key(c, "need.pay", col_text(st, B_PAY)), "effort", need_page_effort(&n),
	        "dates_key", need_page_key(c, "need.dates", dates), "start", pp_date(c, start),
	        "end", pp_date(c, end), "published", pp_date(c, db_col_text(st, B_PUBLISHED)),
	        "travel", (int)db_col_int(st, B_TRAVEL), "stay", (int)db_col_int(st, B_STAY),
	        "experts", (json_int_t)db_col_int(st, B_EXPERTS));
}

/* The rows of the requested page. */
struct page_rows {
	int64_t first; /* index of the first row of the page */
	int64_t size;  /* rows per page (the API's limit); 0: BOARD_PAGE */
	json_t *cards; /* the board's cards, or NULL */
	int64_t ids[API_LIMIT_MAX];
	int nids;
};
_Static_assert(BOARD_PAGE <= API_LIMIT_MAX, "a board page fits the API's");

static int keep_page_row(struct scan *s, struct db_stmt *st)
{
	struct page_rows *p = s->ud;
	int64_t size = p->size ? p->size : BOARD_PAGE;

	if (s->matched < p->first || s->matched >= p->first + size)
		return 0;
	if (p->cards)
		json_array_append_new(p->cards, card_json(s->c, st));
	p->ids[p->nids++] = db_col_int(st, B_ID);
	return 0;
}

/* "?sector=…&page=N" of the filter (page 0: none), for links. */
static const char *query_of(struct pp *c, const struct filter *f, int64_t page)
{
	const char *names[] = {"sector", "region", "presence", "mode", "pay", "q"};
	const char *values[] = {f->sector, f->region, f->presence, f->mode, f->pay, f->q};
	struct buf b = BUF_INIT;
	const char *out;

	for (int i = 0; i < N(names); i++) {
		if (!*values[i])
			continue;
		buf_addf(&b, "%c%s=", b.len ? '&' : '?', names[i]);
		url_encode(&b, values[i], strlen(values[i]));
	}
	if (page > 0)
		buf_addf(&b, "%cpage=%lld", b.len ? '&' : '?', (long long)page);
	out = arena_strdup(&c->req->arena, buf_str(&b));
	buf_release(&b);
	return out;
}

static json_t *filter_choices(struct pp *c, const struct filter *f)
{
	json_t *sectors = json_array(), *regions = json_array(), *presence = json_array();
	json_t *modes = json_array(), *pays = json_array();

	need_page_taxonomy_choices(c, sectors, TAX_SECTOR, f->sector);
	need_page_taxonomy_choices(c, regions, TAX_REGION, f->region);
	json_array_append_new(presence,
	                      need_page_option("", "need.filter.any", NULL, !*f->presence));
	need_page_words(c, presence, f_presences, N(f_presences), "need.presence", f->presence);
	json_array_append_new(modes, need_page_option("", "need.filter.any", NULL, !*f->mode));
	need_page_words(c, modes, f_modes, N(f_modes), "need.mode", f->mode);
	json_array_append_new(pays, need_page_option("", "need.filter.any", NULL, !*f->pay));
	need_page_words(c, pays, f_pays, N(f_pays), "need.pay", f->pay);
	json_object_set_new(json_array_get(sectors, 0), "key", json_string("need.filter.any"));
	json_object_set_new(json_array_get(regions, 0), "key", json_string("need.filter.any"));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:s}", "sectors", sectors, "regions", regions,
	                 "presence", presence, "modes", modes, "pays", pays, "q", f->q);
}

void h_needs_board(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct filter f;
	struct page_rows p = {0};
	struct scan s = {0};
	int64_t pages;

	pp_init(&c, ctx, req, resp);
	read_filter(&c, &f);
	p.first = (f.page - 1) * BOARD_PAGE;
	p.cards = json_array();
	s = (struct scan){.c = &c, .f = &f, .fn = keep_page_row, .ud = &p};
	if (board_scan(&s) < 0) {
		json_decref(p.cards);
		page_unavailable(c.app, req, resp);
		return;
	}
	pages = (s.matched + BOARD_PAGE - 1) / BOARD_PAGE;
	page_render(c.app, req, resp, 200, "needs_board", "need.board.title",
	            json_pack("{s:o, s:i, s:I, s:I, s:s?, s:s?, s:o, s:s, s:b}", "needs", p.cards,
	                      "total", s.matched, "page", (json_int_t)f.page, "pages",
	                      (json_int_t)pages, "prev",
	                      f.page > 1 ? query_of(&c, &f, f.page - 1) : NULL, "next",
	                      f.page < pages ? query_of(&c, &f, f.page + 1) : NULL, "filters",
	                      filter_choices(&c, &f), "query", query_of(&c, &f, 0), "filtered",
	                      *f.sector || *f.region || *f.presence || *f.mode || *f.pay || *f.q));
}

/* ---- A need's public page --------------------------------------------------------------- */

void h_need_public(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct need n;
	struct institution in;
	struct institution_figures fig;
	struct db *db;
	int rc;

	pp_init(&c, ctx, req, resp);
	if (need_page_load(&c, AS_PUBLIC, &n, &in) <= 0)
		return;
	db = db_pool_get(c.app->pool);
	rc = institution_figures(db, &req->arena, in.id, c.now, c.app->cfg->needs_response_days,
	                         &fig);
	db_pool_put(c.app->pool, db);
	if (rc < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "need_public", "need.public.title",
	            json_pack("{s:o, s:b, s:o, s:i}", "need", need_page_view(&c, &n, &in, 0),
	                      "open", n.state == NEED_PUBLISHED, "figures",
	                      institution_figures_json(&fig), "min", INSTITUTION_FIGURES_MIN));
}

/* ---- The JSON API ------------------------------------------------------------------------ */

/* {ar, fr, en} labels of a taxonomy entry, or null. */
static json_t *names3(const struct taxonomy *tx, enum tax_kind k, const char *id)
{
	if (!id)
		return json_null();
	return json_pack("{s:s?, s:s?, s:s?}", "ar", taxonomy_label(tx, k, id, LANG_AR), "fr",
	                 taxonomy_label(tx, k, id, LANG_FR), "en",
	                 taxonomy_label(tx, k, id, LANG_EN));
}

static json_t *ref_json(const struct taxonomy *tx, enum tax_kind k, const char *id)
{
	return id ? json_pack("{s:s, s:o}", "id", id, "name", names3(tx, k, id)) : json_null();
}

static json_t *api_need(struct pp *c, const struct need *n, const struct institution *in)
{
	const struct taxonomy *tx = c->app->tx;
	const char *base = c->app->cfg->public_url;
	json_t *skills = json_array(), *langs = json_array();

	for (int i = 0; i < n->nskills; i++)
		json_array_append_new(skills,
		                      json_pack("{s:s, s:o, s:b, s:i}", "id", n->skills[i].id,
		                                "name", names3(tx, TAX_SKILL, n->skills[i].id),
		                                "required", n->skills[i].required, "min_level",
		                                n->skills[i].min_level));
	for (int i = 0; i < n->nlanguages; i++)
		json_array_append_new(
		        langs, json_pack("{s:s, s:o, s:s}", "code", n->languages[i].code, "name",
		                         names3(tx, TAX_LANGUAGE, n->languages[i].code), "level",
		                         n->languages[i].level));
	return json_pack(
	        "{s:I, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:{s:I, s:{s:s, s:s, s:s}, s:s}, s:o, "
	        "s:o, "
	        "s:s, s:s, s:s, s:s?, s:s?, s:b, s:o, s:o, s:i, s:s, s:{s:b, s:b}, s:o, s:o, s:s?, "
	        "s:s?}",
	        "id", (json_int_t)n->id, "url", "ar",
	        arena_printf(&c->req->arena, "%s/ar/needs/%lld", base, (long long)n->id), "fr",
	        arena_printf(&c->req->arena, "%s/fr/needs/%lld", base, (long long)n->id), "en",
	        arena_printf(&c->req->arena, "%s/en/needs/%lld", base, (long long)n->id), "title",
	        n->title, "description", n->description, "state", need_state_name(n->state),
	        "institution", "id", (json_int_t)in->id, "name", "ar",
	        institution_label(in, LANG_AR), "fr", institution_label(in, LANG_FR), "en",
	        institution_label(in, LANG_EN), "url",
	        arena_printf(&c->req->arena, "%s/fr/institutions/%lld", base, (long long)in->id),
	        "sector", ref_json(tx, TAX_SECTOR, n->sector), "region",
	        ref_json(tx, TAX_REGION, n->region), "city", n->city, "mode", n->mode, "presence",
	        n->presence, "start_date", n->start, "end_date", n->end, "flexible", n->flexible,
	        "effort_days", n->effort_days > 0 ? json_integer(n->effort_days) : json_null(),
	        "hours_per_month",
	        n->hours_per_month > 0 ? json_integer(n->hours_per_month) : json_null(),
	        "experts_wanted", n->experts, "pay", n->pay, "covers", "travel", n->covers_travel,
	        "stay", n->covers_stay, "skills", skills, "languages", langs, "published_at",
	        n->published_at, "updated_at", n->updated_at);
}

/* Loads need id and its institution for the API: 1, 0 (not public), -1. */
static int api_load(struct pp *c, struct db *db, int64_t id, struct need *n, struct institution *in)
{
	int rc = need_load(db, &c->req->arena, id, n);

	if (rc == 1 && !n->published_at)
		rc = 0;
	if (rc == 1)
		rc = institution_load(db, &c->req->arena, n->institution_id, in);
	return rc;
}

/* The first row the request asks for: its cursor's, else (earlier
 * versions) its page's; -1 with the error sent. */
static int64_t api_first_row(struct pp *c, const struct filter *f, int64_t limit)
{
	int64_t offset;
	int rc = api_cursor_read(c->app, c->req, &offset);

	if (rc < 0) {
		json_error(c->app, c->req, c->resp, rc == -1 ? 400 : 503,
		           rc == -1 ? "bad_cursor" : "unavailable", rc == -1 ? "cursor" : NULL);
		return -1;
	}
	if (!kvlist_get(&c->req->query, "cursor"))
		offset = (f->page - 1) * limit;
	return offset;
}

void h_api_needs(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct filter f;
	struct page_rows p = {0};
	struct scan s = {0};
	struct db *db;
	json_t *list;
	const char *cursor = NULL;

	pp_init(&c, ctx, req, resp);
	read_filter(&c, &f);
	if (f.bad) {
		json_error(c.app, req, resp, 400, "bad_parameter", f.bad);
		return;
	}
	p.size = api_limit(req);
	if ((p.first = api_first_row(&c, &f, p.size)) < 0)
		return;
	s = (struct scan){.c = &c, .f = &f, .fn = keep_page_row, .ud = &p};
	if (board_scan(&s) < 0) {
		json_error(c.app, req, resp, 503, "unavailable", NULL);
		return;
	}
	if (p.first + p.size < s.matched &&
	    !(cursor = api_cursor_make(c.app, req, p.first + p.size))) {
		json_error(c.app, req, resp, 503, "unavailable", NULL);
		return;
	}
	list = json_array();
	db = db_pool_get(c.app->pool);
	for (int i = 0; i < p.nids; i++) {
		struct need n;
		struct institution in;
		if (api_load(&c, db, p.ids[i], &n, &in) == 1)
			json_array_append_new(list, api_need(&c, &n, &in));
	}
	db_pool_put(c.app->pool, db);
	json_respond(req, resp, 200,
	             json_pack("{s:o, s:i, s:I, s:s?, s:s?}", "needs", list, "total", s.matched,
	                       "limit", (json_int_t)p.size, "cursor", cursor, "next",
	                       cursor ? api_next_url(req, cursor) : NULL));
	resp_header(req, resp, "Cache-Control", "public, max-age=60");
}

void h_api_need(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct need n;
	struct institution in;
	struct db *db;
	int rc;

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	rc = api_load(&c, db, req_param_id(req, "id"), &n, &in);
	db_pool_put(c.app->pool, db);
	if (rc <= 0) {
		json_error(c.app, req, resp, rc < 0 ? 503 : 404,
		           rc < 0 ? "unavailable" : "not_found", NULL);
		return;
	}
	json_respond(req, resp, 200, api_need(&c, &n, &in));
	resp_header(req, resp, "Cache-Control", "public, max-age=60");
}

/* ---- The institution's own needs (read_needs) ------------------------------------------ */

/* The ids of the institution's needs in state (NULL: every state), newest
 * first, from offset (at most API_LIMIT_MAX), and how many there are. */
static int institution_page(struct db *db, struct pp *c, const char *state, int64_t offset,
                            int64_t limit, int64_t *ids, int *nids, int64_t *total)
{
	const char *inst = sql_int(&c->req->arena, c->id->institution_id);
	const char *params[] = {inst, state ? state : "", sql_int(&c->req->arena, limit),
	                        sql_int(&c->req->arena, offset)};
	struct db_stmt *st;
	enum db_rc rc;

	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM needs WHERE institution_id = CAST($1 AS BIGINT) AND "
	                 "($2 = '' OR state = $2)",
	                 2, params, total) != DB_OK ||
	    !(st = db_prepare(db, "SELECT id FROM needs WHERE institution_id = CAST($1 AS BIGINT) "
	                          "AND ($2 = '' OR state = $2) ORDER BY id DESC LIMIT CAST($3 AS "
	                          "BIGINT) OFFSET CAST($4 AS BIGINT)")))
		return -1;
	*nids = 0;
	for (int i = 0; i < 4; i++)
		if (db_bind_text(st, i + 1, params[i]) != DB_OK) {
			db_finalize(st);
			return -1;
		}
	while ((rc = db_step(st)) == DB_ROW && *nids < API_LIMIT_MAX)
		ids[(*nids)++] = db_col_int(st, 0);
	db_finalize(st);
	return rc == DB_OK || rc == DB_ROW ? 0 : -1;
}

void h_api_institution_needs(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	const char *state = kvlist_get(&req->query, "state"), *cursor = NULL;
	int64_t ids[API_LIMIT_MAX], offset, total, limit = api_limit(req);
	struct institution in;
	int n = 0, rc;
	struct db *db;

	pp_init(&c, ctx, req, resp);
	if (state && need_state_parse(state) < 0) {
		json_error(c.app, req, resp, 400, "bad_parameter", "state");
		return;
	}
	if ((rc = api_cursor_read(c.app, req, &offset)) < 0) {
		json_error(c.app, req, resp, rc == -1 ? 400 : 503,
		           rc == -1 ? "bad_cursor" : "unavailable", rc == -1 ? "cursor" : NULL);
		return;
	}
	db = db_pool_get(c.app->pool);
	rc = institution_load(db, &req->arena, c.id->institution_id, &in) == 1 &&
	                     institution_page(db, &c, state, offset, limit, ids, &n, &total) == 0
	             ? 0
	             : -1;
	json_t *list = json_array();
	for (int i = 0; rc == 0 && i < n; i++) {
		struct need need;
		if (need_load(db, &req->arena, ids[i], &need) != 1)
			rc = -1;
		else
			json_array_append_new(list, api_need(&c, &need, &in));
	}
	db_pool_put(c.app->pool, db);
	if (rc == 0 && offset + limit < total &&
	    !(cursor = api_cursor_make(c.app, req, offset + limit)))
		rc = -1;
	if (rc < 0) {
		json_decref(list);
		json_error(c.app, req, resp, 503, "unavailable", NULL);
		return;
	}
	json_respond(req, resp, 200,
	             json_pack("{s:o, s:I, s:I, s:s?, s:s?}", "needs", list, "total",
	                       (json_int_t)total, "limit", (json_int_t)limit, "cursor", cursor,
	                       "next", cursor ? api_next_url(req, cursor) : NULL));
	resp_header(req, resp, "Cache-Control", "private, no-cache");
}

/* ---- The Atom feed (RFC 4287) -------------------------------------------------------------- */

/* The host of public_url, the naming authority of the feed's tag: ids. */
static const char *tag_authority(struct pp *c)
{
	const char *u = c->app->cfg->public_url, *host = strstr(u, "://");
	size_t n;

	host = host ? host + 3 : u;
	n = strcspn(host, ":/");
	return n ? arena_strndup(&c->req->arena, host, n) : "kafaat";
}

struct feed {
	struct buf entries;
	char updated[ISO_TIME_LEN + 1]; /* the newest entry's */
	const char *authority;
};

static void feed_element(struct buf *b, const char *name, const char *text)
{
	buf_addf(b, "<%s>", name);
	xml_text(b, text);
	buf_addf(b, "</%s>", name);
}

static int feed_entry(struct scan *s, struct db_stmt *st)
{
	struct feed *fd = s->ud;
	struct pp *c = s->c;
	struct buf *b = &fd->entries;
	const char *updated = col_text(st, B_UPDATED), *sector = db_col_text(st, B_SECTOR);
	long long id = (long long)db_col_int(st, B_ID);

	if (s->matched >= FEED_MAX)
		return -1;
	if (strcmp(updated, fd->updated) > 0 && strlen(updated) == ISO_TIME_LEN)
		memcpy(fd->updated, updated, ISO_TIME_LEN + 1);
	buf_adds(b, "<entry>");
	buf_addf(b, "<id>tag:%s,%.10s:needs/%lld</id>", fd->authority, col_text(st, B_CREATED), id);
	feed_element(b, "title", col_text(st, B_TITLE));
	feed_element(b, "updated", updated);
	feed_element(b, "published", col_text(st, B_PUBLISHED));
	buf_adds(b, "<link rel=\"alternate\" type=\"text/html\" href=\"");
	xml_text(b, arena_printf(&c->req->arena, "%s/%s/needs/%lld", c->app->cfg->public_url,
	                         lang_code(c->l), id));
	buf_adds(b, "\"/><author>");
	feed_element(b, "name", inst_name(st, c->l));
	buf_adds(b, "</author>");
	if (sector) {
		buf_adds(b, "<category term=\"");
		xml_text(b, sector);
		buf_adds(b, "\" label=\"");
		xml_text(b, need_page_label(c, TAX_SECTOR, sector));
		buf_adds(b, "\"/>");
	}
	feed_element(b, "summary", summary(&c->req->arena, col_text(st, B_DESCRIPTION), 1000));
	buf_adds(b, "</entry>\n");
	return 0;
}

static void feed_head(struct pp *c, struct buf *b, const struct feed *fd, const char *query)
{
	const char *base = c->app->cfg->public_url, *l = lang_code(c->l);

	buf_addf(b,
	         "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
	         "xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"%s\">\n",
	         l);
	buf_addf(b, "<id>tag:%s,2026:needs/%s", fd->authority, l);
	xml_text(b, query);
	buf_adds(b, "</id>\n");
	feed_element(b, "title", tr(c->app, c->l, "need.feed.title"));
	buf_adds(b, "\n");
	feed_element(b, "subtitle", tr(c->app, c->l, "need.feed.subtitle"));
	buf_adds(b, "\n");
	feed_element(b, "updated", fd->updated);
	buf_adds(b, "\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
	xml_text(b, arena_printf(&c->req->arena, "%s/%s/needs.atom%s", base, l, query));
	buf_adds(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
	xml_text(b, arena_printf(&c->req->arena, "%s/%s/needs%s", base, l, query));
	buf_adds(b, "\"/>\n<author><name>Kafaat</name></author>\n");
}

void h_needs_feed(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct filter f;
	struct feed fd = {BUF_INIT, "", NULL};
	struct scan s = {0};

	pp_init(&c, ctx, req, resp);
	read_filter(&c, &f);
	f.page = 0;
	fd.authority = tag_authority(&c);
	s = (struct scan){.c = &c, .f = &f, .fn = feed_entry, .ud = &fd};
	if (board_scan(&s) < 0) {
		buf_release(&fd.entries);
		page_unavailable(c.app, req, resp);
		return;
	}
	if (!fd.updated[0]) /* no entry: the feed changes when one arrives */
		iso_time(c.now, fd.updated);
	buf_reset(&resp->body);
	feed_head(&c, &resp->body, &fd, query_of(&c, &f, 0));
	buf_add(&resp->body, fd.entries.data ? fd.entries.data : "", fd.entries.len);
	buf_adds(&resp->body, "</feed>\n");
	buf_release(&fd.entries);
	resp->status = 200;
	resp->content_type = "application/atom+xml; charset=utf-8";
	resp_header(req, resp, "Content-Language", lang_code(c.l));
	resp_header(req, resp, "Cache-Control", "public, max-age=300");
}
