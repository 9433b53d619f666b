/* search_pages: searching experts (HTML with facets, and JSON), a need's
 * ranked matches with their explanations, recommendations for an expert.
 * The engine answers (search.h); visibility.c decides what each viewer may
 * see of every result. */
#include <stdlib.h>
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/networks.h"
#include "app/search.h"
#include "app/search_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/visibility.h"
#include "core/buf.h"
#include "core/parse.h"
#include "web/urlenc.h"

#define PAGE_SIZE 20
#define FACET_VALUES 12
#define KIND_NETWORK (-2) /* network slugs, named from the networks table */
#define MY_NETWORKS 64

/* The query parameters that are filters, each with its facet and how its
 * values are named (a taxonomy kind, or words with catalogue labels). */
static const struct filter_def {
	const char *param;
	enum match_facet facet;
	int kind; /* enum tax_kind, or -1: words labelled search.value.WORD, or KIND_NETWORK */
} filter_defs[] = {
        {"country", FACET_COUNTRY, TAX_COUNTRY},
        {"sector", FACET_SECTOR, TAX_SECTOR},
        {"skill", FACET_SKILL, TAX_SKILL},
        {"lang", FACET_LANGUAGE, TAX_LANGUAGE},
        {"presence", FACET_PRESENCE, -1},
        {"mode", FACET_MODE, -1},
        {"pay", FACET_PAY, -1},
        {"state", FACET_STATE, -1},
        {"network", FACET_NETWORK, KIND_NETWORK},
};
#define NFILTERS (sizeof(filter_defs) / sizeof(filter_defs[0]))

struct sp {
	struct app *app;
	struct request *req;
	struct response *resp;
	enum lang lang;
	const struct identity *id;
	const char *value[NFILTERS]; /* the filter values asked ("a,b"), or NULL */
	const char *q;
	const char *city, *from, *to; /* kept in links */
	int64_t page;
	const char *error; /* the parameter whose value is unknown (422 / 400), or NULL */
	enum match_audience audience;
	const char **mine; /* the viewer's networks (NULL-terminated), or NULL */
};

/* ---- Reading the query ------------------------------------------------------------ */

static const char *const presence_words[] = {"remote", "onsite", "hybrid"};
static const char *const mode_words[] = {"ponctuelle", "continue"};

static unsigned word_bits(struct sp *c, struct match_strs l, const char *const *words, size_t n,
                          const char *param)
{
	unsigned bits = 0;

	for (size_t i = 0; i < l.n; i++) {
		size_t k = 0;
		while (k < n && strcmp(words[k], l.v[i]) != 0)
			k++;
		if (k == n)
			c->error = param;
		else
			bits |= 1u << k;
	}
	return bits;
}

static struct match_strs known(struct sp *c, struct match_strs l, enum tax_kind k,
                               const char *param)
{
	for (size_t i = 0; i < l.n; i++)
		if (!taxonomy_has(c->app->tx, k, l.v[i]))
			c->error = param;
	return l;
}

/* Languages, each "code" or "code:LEVEL" (at least that CEFR level). */
static void read_langs(struct sp *c, struct match_strs langs, struct match_filters *f)
{
	struct match_lang *l = arena_zalloc(&c->req->arena, (langs.n + 1) * sizeof(*l));

	for (size_t i = 0; i < langs.n; i++) {
		const char *code;
		int level = search_lang_item(&c->req->arena, langs.v[i], &code);
		if (!level || !taxonomy_has(c->app->tx, TAX_LANGUAGE, code))
			c->error = "lang";
		l[i] = (struct match_lang){code, level ? level : 1};
	}
	f->langs = l;
	f->nlangs = langs.n;
}

/* City (any spelling: folded) and availability window (both dates). */
static void read_place_and_dates(struct sp *c, struct match_filters *f)
{
	const char *city = kvlist_get(&c->req->query, "city");
	const char *from = kvlist_get(&c->req->query, "from");
	const char *to = kvlist_get(&c->req->query, "to");

	if (city && *city) {
		const char **v = arena_alloc(&c->req->arena, sizeof(*v));
		v[0] = search_fold(&c->req->arena, city);
		f->cities = (struct match_strs){v, 1};
		c->city = city;
	}
	f->from = search_day(from);
	f->to = search_day(to);
	if ((from && *from && !f->from) || (to && *to && !f->to) || (!f->from != !f->to) ||
	    f->to < f->from)
		c->error = !f->from ? "from" : "to";
	c->from = f->from ? from : NULL;
	c->to = f->to ? to : NULL;
}

/* The filters of the query string into q->filters. */
static void read_filters(struct sp *c, struct match_query *q)
{
	struct arena *a = &c->req->arena;
	struct match_filters *f = &q->filters;
	const char *v;

	for (size_t i = 0; i < NFILTERS; i++) {
		v = kvlist_get(&c->req->query, filter_defs[i].param);
		c->value[i] = v && *v ? v : NULL;
	}
	f->countries = known(c, search_split(a, c->value[0]), TAX_COUNTRY, "country");
	f->sectors = known(c, search_split(a, c->value[1]), TAX_SECTOR, "sector");
	f->skills = known(c, search_split(a, c->value[2]), TAX_SKILL, "skill");
	read_langs(c, search_split(a, c->value[3]), f);
	read_place_and_dates(c, f);
	f->presence = word_bits(c, search_split(a, c->value[4]), presence_words, 3, "presence");
	f->modes = word_bits(c, search_split(a, c->value[5]), mode_words, 2, "mode");
	v = c->value[6];
	f->pay = !v                           ? MATCH_PAY_UNKNOWN
	         : strcmp(v, "paid") == 0     ? MATCH_PAID
	         : strcmp(v, "pro_bono") == 0 ? MATCH_PRO_BONO
	                                      : (c->error = "pay", MATCH_PAY_UNKNOWN);
	f->networks = search_split(a, c->value[8]);
	v = c->value[7];
	f->state = !v || strcmp(v, "active") == 0 ? MATCH_ACTIVE
	           : strcmp(v, "dormant") == 0    ? MATCH_DORMANT
	                                          : (c->error = "state", MATCH_ACTIVE);
}

static int listed(const char *const *list, const char *v)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], v) == 0)
			return 1;
	return 0;
}

static int network_known(struct sp *c, const char *slug)
{
	struct db *db = db_pool_get(c->app->pool);
	struct network n;
	int rc = network_load(db, &c->req->arena, slug, &n);

	db_pool_put(c->app->pool, db);
	return rc == 1;
}

/* Who the viewer may find (visibility.c's rule in the engine's terms). A
 * member of networks also finds the peers of their networks; filtering by
 * network searches a roster, which only its members, institutions and the
 * programme team may do (membership is shown to peers only). */
static void read_audience(struct sp *c, struct match_query *q)
{
	const struct match_strs *asked = &q->filters.networks;
	struct db *db;

	c->audience = visibility_audience(c->id);
	if (c->id && c->id->user_id > 0) {
		db = db_pool_get(c->app->pool);
		c->mine = network_slugs_of(db, &c->req->arena, c->id->user_id, MY_NETWORKS);
		db_pool_put(c->app->pool, db);
	}
	if (c->audience != MATCH_FOR_PUBLIC) {
		for (size_t i = 0; i < asked->n; i++)
			if (!network_known(c, asked->v[i]))
				c->error = "network";
		return;
	}
	for (size_t i = 0; i < asked->n; i++)
		if (!listed(c->mine, asked->v[i]))
			c->error = "network";
	if (asked->n > 0) {
		c->audience = MATCH_FOR_NETWORK;
		q->peer_networks = *asked;
	} else if (c->mine && c->mine[0]) {
		size_t n = 0;
		while (c->mine[n])
			n++;
		c->audience = MATCH_FOR_PEERS;
		q->peer_networks = (struct match_strs){c->mine, n};
	}
}

static int read_query(struct sp *c, struct match_query *q)
{
	const char *page = kvlist_get(&c->req->query, "page");

	memset(q, 0, sizeof(*q));
	c->q = kvlist_get(&c->req->query, "q");
	if (!c->q)
		c->q = "";
	c->page = 1;
	if (page && parse_int64(page, 1, MATCH_MAX_K / PAGE_SIZE, &c->page) < 0)
		c->error = "page";
	read_filters(c, q);
	q->nclauses = search_clauses(c->app->tx, &c->req->arena, c->q, &q->clauses);
	read_audience(c, q);
	q->audience = c->audience;
	q->today = (int32_t)(clock_now(c->app->cfg) / 86400);
	q->dormant_days = DORMANT_AFTER_DAYS;
	q->offset = (size_t)(c->page - 1) * PAGE_SIZE;
	q->limit = PAGE_SIZE;
	return c->error ? -1 : 0;
}

/* ---- Results as each viewer may see them ------------------------------------------ */

/* The card of expert id if the viewer may see it, else NULL. */
static json_t *card(struct sp *c, struct db *db, int64_t id, double score, int64_t now)
{
	struct visibility_facts f;
	const char *row[4];
	enum visibility v;

	if (visibility_facts_load(db, c->id, id, now, &f) != 1)
		return NULL;
	v = visibility_of(c->id, &f);
	if (!visibility_allows(v, PART_CARD) ||
	    sql_row(db, &c->req->arena,
	            "SELECT name, name_ar, headline, country FROM profiles WHERE user_id = $1", 1,
	            (const char *[]){sql_int(&c->req->arena, id)}, row, 4) != 1)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:f}", "id", (json_int_t)id, "name", row[0],
	                 "name_ar", row[1], "headline", row[2], "country",
	                 taxonomy_label(c->app->tx, TAX_COUNTRY, row[3], c->lang), "score", score);
}

static json_t *cards(struct sp *c, const struct match_hit *hits, int n)
{
	struct db *db = db_pool_get(c->app->pool);
	int64_t now = clock_now(c->app->cfg);
	json_t *list = json_array();

	for (int i = 0; i < n; i++) {
		json_t *one = card(c, db, hits[i].id, hits[i].score, now);
		if (one)
			json_array_append_new(list, one);
	}
	db_pool_put(c->app->pool, db);
	return list;
}

/* ---- Links that keep the other filters -------------------------------------------- */

static void add_param(struct buf *b, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	buf_addc(b, b->len ? '&' : '?');
	buf_adds(b, name);
	buf_addc(b, '=');
	url_encode(b, value, strlen(value));
}

/* The list with `word` added (or removed when it is in). */
static const char *toggled(struct arena *a, const char *list, const char *word, int *selected)
{
	struct match_strs l = search_split(a, list);
	struct buf b = BUF_INIT;
	const char *out;

	*selected = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i], word) == 0) {
			*selected = 1;
			continue;
		}
		if (b.len)
			buf_addc(&b, ',');
		buf_adds(&b, l.v[i]);
	}
	if (!*selected) {
		if (b.len)
			buf_addc(&b, ',');
		buf_adds(&b, word);
	}
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

/* The search URL with filter `which` set to `value` (others kept), page 1. */
static const char *href(struct sp *c, size_t which, const char *value, int64_t page)
{
	struct buf b = BUF_INIT;
	const char *out;

	add_param(&b, "q", c->q);
	add_param(&b, "city", c->city);
	add_param(&b, "from", c->from);
	add_param(&b, "to", c->to);
	for (size_t i = 0; i < NFILTERS; i++)
		add_param(&b, filter_defs[i].param, i == which ? value : c->value[i]);
	if (page > 1)
		add_param(&b, "page", arena_printf(&c->req->arena, "%lld", (long long)page));
	out = arena_printf(&c->req->arena, "/%s/experts%s", lang_code(c->lang), buf_str(&b));
	buf_release(&b);
	return out;
}

/* The facet filters in force, as hidden fields of the search form. */
static json_t *kept_filters(struct sp *c)
{
	json_t *list = json_array();

	for (size_t i = 0; i < NFILTERS; i++)
		if (c->value[i])
			json_array_append_new(list,
			                      json_pack("{s:s, s:s}", "name", filter_defs[i].param,
			                                "value", c->value[i]));
	return list;
}

/* A network's name in the page's language (the slug when unknown). */
static const char *network_name(struct sp *c, const char *slug)
{
	struct db *db = db_pool_get(c->app->pool);
	struct network n;
	const char *name = slug;

	if (network_load(db, &c->req->arena, slug, &n) == 1)
		name = network_label(&n, c->lang);
	db_pool_put(c->app->pool, db);
	return name;
}

static const char *value_label(struct sp *c, const struct filter_def *d, const char *value)
{
	const char *label;

	if (d->kind == KIND_NETWORK)
		return network_name(c, value);
	if (d->kind >= 0) {
		label = taxonomy_label(c->app->tx, (enum tax_kind)d->kind, value, c->lang);
		return label && *label ? label : value;
	}
	return tr(c->app, c->lang, arena_printf(&c->req->arena, "search.value.%s", value));
}

/* Is value v of facet i shown to the viewer? Only the programme team sees
 * dormant profiles; networks are shown where membership may be: to
 * institutions and the programme team, and to members for their own
 * networks when they search a roster. */
static int facet_shown(const struct sp *c, size_t i, const char *v)
{
	switch (filter_defs[i].facet) {
	case FACET_STATE:
		return c->audience == MATCH_FOR_PROGRAMME;
	case FACET_NETWORK:
		return c->audience == MATCH_FOR_PROGRAMME || c->audience == MATCH_FOR_INSTITUTION ||
		       (c->audience == MATCH_FOR_NETWORK && (!v || listed(c->mine, v)));
	default:
		return 1;
	}
}

static json_t *facet_json(struct sp *c, size_t i, const struct match_facets *f)
{
	const struct filter_def *d = &filter_defs[i];
	json_t *values = json_array();

	for (size_t k = 0; k < f->nvalues[d->facet]; k++) {
		const char *v = f->values[d->facet][k].value, *list;
		int selected;
		if (!facet_shown(c, i, v))
			continue;
		if (d->facet == FACET_PAY || d->facet == FACET_STATE) { /* one value at a time */
			selected = c->value[i] && strcmp(c->value[i], v) == 0;
			list = selected ? "" : v;
		} else {
			list = toggled(&c->req->arena, c->value[i], v, &selected);
		}
		json_array_append_new(
		        values, json_pack("{s:s, s:I, s:s, s:b}", "label", value_label(c, d, v),
		                          "count", (json_int_t)f->values[d->facet][k].count, "href",
		                          href(c, i, list, 1), "selected", selected));
	}
	return json_pack(
	        "{s:s, s:o, s:b}", "title",
	        tr(c->app, c->lang, arena_printf(&c->req->arena, "search.facet.%s", d->param)),
	        "values", values, "open", c->value[i] != NULL);
}

static json_t *facets_json(struct sp *c, const struct match_facets *f)
{
	json_t *list = json_array();

	for (size_t i = 0; i < NFILTERS; i++) {
		if (!facet_shown(c, i, NULL))
			continue;
		if (f->nvalues[filter_defs[i].facet])
			json_array_append_new(list, facet_json(c, i, f));
	}
	return list;
}

/* ---- The handlers --------------------------------------------------------------- */

static void sp_init(struct sp *c, void *ctx, struct request *req, struct response *resp)
{
	memset(c, 0, sizeof(*c));
	c->app = ctx;
	c->req = req;
	c->resp = resp;
	c->lang = page_lang(req);
	c->id = auth_identity(req);
}

static json_t *pages_json(struct sp *c, size_t total)
{
	int64_t last = (int64_t)((total + PAGE_SIZE - 1) / PAGE_SIZE);

	if (last > MATCH_MAX_K / PAGE_SIZE)
		last = MATCH_MAX_K / PAGE_SIZE;
	return json_pack("{s:I, s:I, s:s?, s:s?, s:I, s:I}", "page", (json_int_t)c->page, "last",
	                 (json_int_t)last, "prev",
	                 c->page > 1 ? href(c, NFILTERS, NULL, c->page - 1) : NULL, "next",
	                 c->page < last ? href(c, NFILTERS, NULL, c->page + 1) : NULL, "from",
	                 (json_int_t)((c->page - 1) * PAGE_SIZE + 1), "to",
	                 (json_int_t)((size_t)(c->page * PAGE_SIZE) < total ? c->page * PAGE_SIZE
	                                                                    : (int64_t)total));
}

/* Runs the query of the request: hits and facets; -1 when the engine is
 * not there (CLI-less test setups) or the query is invalid. */
static int run(struct sp *c, struct match_query *q, struct match_hit *hits, struct match_facets **f)
{
	if (!c->app->search)
		return -1;
	return search_run(c->app->search, q, hits, f, FACET_VALUES);
}

void h_search(void *ctx, struct request *req, struct response *resp)
{
	struct match_hit hits[PAGE_SIZE];
	struct match_facets *f = NULL;
	struct match_query q;
	struct sp c;
	int n;

	sp_init(&c, ctx, req, resp);
	if (read_query(&c, &q) < 0) {
		page_message(c.app, req, resp, 422, "search.title", "search.bad_filter",
		             json_pack("{s:s}", "field",
		                       tr(c.app, c.lang,
		                          arena_printf(&req->arena, "search.facet.%s", c.error))));
		return;
	}
	n = run(&c, &q, hits, &f);
	if (n < 0 || !f) {
		match_facets_free(f);
		page_unavailable(c.app, req, resp);
		return;
	}
	int filtered = *c.q != '\0' || c.city || c.from;
	for (size_t i = 0; i < NFILTERS; i++)
		filtered |= c.value[i] != NULL;
	json_t *data =
	        json_pack("{s:s, s:I, s:o, s:o, s:o, s:b, s:s, s:s, s:s, s:o}", "q", c.q, "total",
	                  (json_int_t)f->total, "results", cards(&c, hits, n), "facets",
	                  facets_json(&c, f), "pages", pages_json(&c, f->total), "filtered",
	                  filtered, "city", c.city ? c.city : "", "from", c.from ? c.from : "",
	                  "to", c.to ? c.to : "", "keep", kept_filters(&c));
	json_object_set_new(
	        data, "clear",
	        json_string(arena_printf(&req->arena, "/%s/experts", lang_code(c.lang))));
	match_facets_free(f);
	page_render(c.app, req, resp, 200, "search", "search.title", data);
}

/* The API's window: offset from the cursor (else from page, earlier
 * versions), limit; 0, or -1 with the error sent. */
static int api_window(struct sp *c, struct match_query *q)
{
	int64_t offset, limit = api_limit(c->req);
	int rc = api_cursor_read(c->app, c->req, &offset);

	if (rc < 0) {
		json_error(c->app, c->req, c->resp, rc == -1 ? 400 : 503,
		           rc == -1 ? "bad_cursor" : "unavailable", rc == -1 ? "cursor" : NULL);
		return -1;
	}
	if (!kvlist_get(&c->req->query, "cursor"))
		offset = (c->page - 1) * limit;
	if (offset >= MATCH_MAX_K) {
		json_error(c->app, c->req, c->resp, 400, "out_of_range", "page");
		return -1;
	}
	q->offset = (size_t)offset;
	q->limit = (size_t)(offset + limit > MATCH_MAX_K ? MATCH_MAX_K - offset : limit);
	return 0;
}

static json_t *api_facets(const struct sp *c, const struct match_facets *f)
{
	json_t *facets = json_object();

	for (size_t i = 0; i < NFILTERS; i++) {
		json_t *values = json_array();
		enum match_facet k = filter_defs[i].facet;
		for (size_t v = 0; v < f->nvalues[k]; v++)
			if (facet_shown(c, i, f->values[k][v].value))
				json_array_append_new(values,
				                      json_pack("{s:s, s:I}", "value",
				                                f->values[k][v].value, "count",
				                                (json_int_t)f->values[k][v].count));
		json_object_set_new(facets, filter_defs[i].param, values);
	}
	return facets;
}

void h_api_search(void *ctx, struct request *req, struct response *resp)
{
	struct match_hit hits[API_LIMIT_MAX];
	struct match_facets *f = NULL;
	struct match_query q;
	struct sp c;
	const char *cursor = NULL;
	size_t end, reachable;
	int n;

	sp_init(&c, ctx, req, resp);
	if (read_query(&c, &q) < 0) {
		json_error(c.app, req, resp, 400, "bad_parameter", c.error);
		return;
	}
	if (api_window(&c, &q) < 0)
		return;
	n = run(&c, &q, hits, &f);
	end = q.offset + q.limit;
	reachable = f && f->total < MATCH_MAX_K ? f->total : MATCH_MAX_K;
	if (n >= 0 && f && end < reachable && !(cursor = api_cursor_make(c.app, req, (int64_t)end)))
		n = -1;
	if (n < 0 || !f) {
		match_facets_free(f);
		json_error(c.app, req, resp, 503, "unavailable", NULL);
		return;
	}
	json_respond(req, resp, 200,
	             json_pack("{s:I, s:I, s:s?, s:s?, s:o, s:o}", "total", (json_int_t)f->total,
	                       "limit", (json_int_t)q.limit, "cursor", cursor, "next",
	                       cursor ? api_next_url(req, cursor) : NULL, "results",
	                       cards(&c, hits, n), "facets", api_facets(&c, f)));
	match_facets_free(f);
}

/* ---- Explanations --------------------------------------------------------------- */

static const char *skill_label(struct sp *c, const char *id)
{
	const char *label = taxonomy_label(c->app->tx, TAX_SKILL, id, c->lang);
	return label && *label ? label : id;
}

/* Adds labels to one explained result (search_match / search_recommend
 * JSON): each factor's name and a percentage, each skill's label. */
static void label_explained(struct sp *c, json_t *r)
{
	size_t i;
	json_t *f, *s;

	json_array_foreach(json_object_get(r, "factors"), i, f)
	{
		const char *name = json_string_value(json_object_get(f, "factor"));
		double value = json_real_value(json_object_get(f, "value"));
		json_object_set_new(
		        f, "label",
		        json_string(tr(c->app, c->lang,
		                       arena_printf(&c->req->arena, "match.factor.%s", name))));
		json_object_set_new(f, "percent", json_integer((json_int_t)(value * 100 + 0.5)));
		json_object_set_new(f, "points",
		                    json_string(arena_printf(
		                            &c->req->arena, "%.1f",
		                            json_real_value(json_object_get(f, "contribution")))));
	}
	json_array_foreach(json_object_get(r, "skills"), i, s)
	{
		const char *id = json_string_value(json_object_get(s, "skill"));
		const char *rel = json_string_value(json_object_get(s, "related"));
		const char *cover = json_string_value(json_object_get(s, "cover"));
		json_object_set_new(s, "label", json_string(skill_label(c, id)));
		if (rel)
			json_object_set_new(s, "related_label", json_string(skill_label(c, rel)));
		json_object_set_new(s, "cover_label",
		                    json_string(tr(c->app, c->lang,
		                                   arena_printf(&c->req->arena, "match.cover.%s",
		                                                cover ? cover : "none"))));
	}
	json_object_set_new(
	        r, "score_text",
	        json_string(arena_printf(&c->req->arena, "%.0f",
	                                 json_real_value(json_object_get(r, "score")))));
}

/* The need id of the path if it belongs to the viewer's institution (or
 * the viewer is of the programme team): its title in *title; 0 otherwise. */
static int64_t own_need(struct sp *c, struct db *db, const char **title, int *rc)
{
	const char *row[3];
	int64_t id;

	*rc = 0;
	if (parse_int64(kvlist_get(&c->req->params, "id"), 1, INT64_MAX, &id) < 0)
		return 0;
	*rc = sql_row(db, &c->req->arena,
	              "SELECT institution_id, title, state FROM needs WHERE id = $1", 1,
	              (const char *[]){sql_int(&c->req->arena, id)}, row, 3);
	if (*rc != 1)
		return 0;
	if (!(c->id->roles & (ROLE_ADMIN | ROLE_ADVISOR)) &&
	    strcmp(row[0], sql_int(&c->req->arena, c->id->institution_id)) != 0)
		return 0;
	*title = row[1];
	return id;
}

/* [{slug, name, selected}] of every network, for the matches' filter. */
static json_t *network_options(struct sp *c, const char *selected)
{
	struct db *db = db_pool_get(c->app->pool);
	const char *sql = arena_printf(&c->req->arena,
	                               "SELECT slug, name_%s FROM networks ORDER BY position, slug",
	                               lang_code(c->lang));
	struct db_stmt *st = db_prepare(db, sql);
	json_t *list = json_array();

	while (st && db_step(st) == DB_ROW)
		json_array_append_new(
		        list, json_pack("{s:s, s:s, s:b}", "slug", db_col_text(st, 0), "name",
		                        db_col_text(st, 1), "selected",
		                        selected && strcmp(selected, db_col_text(st, 0)) == 0));
	db_finalize(st);
	db_pool_put(c->app->pool, db);
	return list;
}

void h_need_matches(void *ctx, struct request *req, struct response *resp)
{
	struct arena *a = &req->arena;
	struct match_need need;
	const char *title = NULL;
	struct sp c;
	int rc;

	sp_init(&c, ctx, req, resp);
	struct db *db = db_pool_get(c.app->pool);
	int64_t id = own_need(&c, db, &title, &rc);
	if (id)
		rc = search_need_load(db, c.app->tx, a, id, &need);
	if (rc < 0 || !c.app->search) {
		db_pool_put(c.app->pool, db);
		page_unavailable(c.app, req, resp);
		return;
	}
	if (!id || rc != 1) {
		db_pool_put(c.app->pool, db);
		page_message(c.app, req, resp, 404, "error.404.title", "error.404.message", NULL);
		return;
	}
	const char *network = kvlist_get(&req->query, "network");
	if (network && *network) {
		if (!network_known(&c, network)) {
			db_pool_put(c.app->pool, db);
			page_message(c.app, req, resp, 422, "match.title", "search.bad_filter",
			             json_pack("{s:s}", "field",
			                       tr(c.app, c.lang, "search.facet.network")));
			return;
		}
		const char **one = arena_alloc(a, sizeof(*one));
		one[0] = network;
		need.networks = (struct match_strs){one, 1};
	}
	json_t *list = search_match(c.app->search, &need, clock_now(c.app->cfg), 0, PAGE_SIZE);
	int64_t now = clock_now(c.app->cfg);
	json_t *results = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(list, i, r)
	{
		json_t *one = card(&c, db, json_integer_value(json_object_get(r, "id")), 0, now);
		if (!one)
			continue; /* visibility.c has the last word */
		label_explained(&c, r);
		json_object_set(one, "match", r);
		json_array_append_new(results, one);
	}
	json_decref(list);
	db_pool_put(c.app->pool, db);
	page_render(c.app, req, resp, 200, "match_need", "match.title",
	            json_pack("{s:s, s:I, s:o, s:o}", "title", title, "need", (json_int_t)id,
	                      "results", results, "networks", network_options(&c, network)));
}

/* The published needs recommended to the viewer, labelled; NULL when the
 * expert is not in the index (no profile yet). */
static json_t *recommended(struct sp *c, size_t limit)
{
	struct request *req = c->req;
	json_t *list, *results, *r;
	size_t i;

	if (!c->app->search)
		return NULL;
	list = search_recommend(c->app->search, c->id->user_id, clock_now(c->app->cfg), limit);
	if (!list)
		return NULL;
	results = json_array();
	struct db *db = db_pool_get(c->app->pool);
	json_array_foreach(list, i, r)
	{
		const char *row[3];
		int64_t need = json_integer_value(json_object_get(r, "id"));
		if (sql_row(db, &req->arena,
		            arena_printf(
		                    &req->arena,
		                    "SELECT n.title, i.name_%s, n.state FROM needs n JOIN "
		                    "institutions i ON i.id = n.institution_id WHERE n.id = $1",
		                    lang_code(c->lang)),
		            1, (const char *[]){sql_int(&req->arena, need)}, row, 3) != 1 ||
		    strcmp(row[2], "published") != 0)
			continue;
		label_explained(c, r);
		json_object_set_new(r, "title", json_string(row[0]));
		json_object_set_new(r, "institution", json_string(row[1]));
		json_array_append(results, r);
	}
	db_pool_put(c->app->pool, db);
	json_decref(list);
	return results;
}

json_t *search_recommended(struct app *app, struct request *req, size_t limit)
{
	struct sp c;

	sp_init(&c, app, req, NULL);
	return recommended(&c, limit);
}

void h_recommendations(void *ctx, struct request *req, struct response *resp)
{
	struct sp c;
	json_t *results;

	sp_init(&c, ctx, req, resp);
	results = recommended(&c, PAGE_SIZE);
	page_render(c.app, req, resp, 200, "match_recommendations", "match.recommended.title",
	            json_pack("{s:o, s:b}", "results", results ? results : json_array(), "indexed",
	                      results != NULL));
}
