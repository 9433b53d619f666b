/* bench_fts5: the search API's answer from SQLite FTS5, for benchmarks
 * only (bench_fts5.h). The same JSON shape as /api/v1/experts
 * (search_pages.c): total, page, page_size, results (the cards the viewer
 * may see, loaded the same way) and facets — of which only country is
 * counted here (one GROUP BY, which also gives the total), the other
 * facets' lists staying empty: the peer does less work than Kafaat, which
 * counts every facet.
 */
#include "app/bench_fts5.h"

#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/search.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/visibility.h"
#include "core/buf.h"
#include "core/parse.h"
#include "db/db.h"
#include "text/fold.h"
#include "web/urlenc.h"

#define PAGE_SIZE 20    /* as search_pages.c */
#define FACET_VALUES 12 /* as search_pages.c */

/* The facets of /api/v1/experts, in its order; only "country" is counted. */
static const char *const facet_names[] = {"country",  "sector", "skill", "lang",
                                          "presence", "mode",   "pay",   "state"};

/* ---- The query --------------------------------------------------------------------- */

/* A term as an FTS5 string: in double quotes, inner quotes doubled. */
static void add_term(struct buf *b, const char *t)
{
	buf_addc(b, '"');
	for (; *t; t++) {
		if (*t == '"')
			buf_addc(b, '"');
		buf_addc(b, *t);
	}
	buf_addc(b, '"');
}

/* Counts tokens; *ud: {count, length of the last}. */
static int count_token(void *ud, const char *tok, size_t len)
{
	size_t *n = ud;

	(void)tok;
	n[0]++;
	n[1] = len;
	return 0;
}

/* Is the term one word of the index? The engine's "skill:ID" terms are not
 * (the skill's names are in the skills column), and neither is a name the
 * tokenizer splits ("anti-corruption"): the engine, whose index holds the
 * split words, never matches it, so FTS5 is not asked it either. */
static int one_word(const char *t)
{
	size_t n[2] = {0, 0};

	if (strncmp(t, "skill:", 6) == 0)
		return 0;
	text_tokens(t, strlen(t), count_token, n);
	return n[0] == 1 && n[1] == strlen(t);
}

/* One clause as ("a" OR "b" ...) into b; nothing when none of its terms is
 * one word of the index. */
static void add_clause(struct buf *b, const struct match_clause *c)
{
	size_t used = 0;

	for (size_t i = 0; i < c->nterms; i++) {
		if (!one_word(c->terms[i]))
			continue;
		buf_adds(b, used++ ? " OR " : "(");
		add_term(b, c->terms[i]);
	}
	if (used)
		buf_addc(b, ')');
}

const char *bench_fts5_expr(const struct taxonomy *tx, struct arena *a, const char *text)
{
	const struct match_clause *c;
	size_t n = search_clauses(tx, a, text, &c);
	struct buf b = BUF_INIT, one = BUF_INIT;
	const char *out = NULL;

	for (size_t i = 0; i < n; i++) {
		buf_reset(&one);
		add_clause(&one, &c[i]);
		if (!one.len)
			continue;
		if (b.len)
			buf_adds(&b, " AND ");
		buf_adds(&b, buf_str(&one));
	}
	if (b.len)
		out = arena_strdup(a, buf_str(&b));
	buf_release(&one);
	buf_release(&b);
	return out;
}

/* ---- The answer ---------------------------------------------------------------------- */

struct bf {
	struct app *app;
	struct request *req;
	struct db *db;
	const struct identity *id;
	const char *expr; /* NULL: no words, every expert of the table */
	int64_t page, now;
};

/* The card of expert id when the viewer may see it (as search_pages.c). */
static json_t *card(struct bf *c, int64_t id, double score)
{
	struct visibility_facts f;
	const char *row[4];

	if (visibility_facts_load(c->db, c->id, id, c->now, &f) != 1 ||
	    !visibility_allows(visibility_of(c->id, &f), PART_CARD) ||
	    sql_row(c->db, &c->req->arena,
	            "SELECT name, name_ar, headline, country FROM profiles WHERE user_id = $1", 1,
	            (const char *[]){sql_int(&c->req->arena, id)}, row, 4) != 1)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:f}", "id", (json_int_t)id, "name", row[0],
	                 "name_ar", row[1], "headline", row[2], "country",
	                 taxonomy_label(c->app->tx, TAX_COUNTRY, row[3], page_lang(c->req)),
	                 "score", score);
}

/* The page's experts by bm25 (FTS5: smaller is better; shown negated). */
static json_t *results(struct bf *c)
{
	const char *sql = c->expr ? "SELECT rowid, -bm25(" BENCH_FTS5_TABLE ", " BENCH_FTS5_WEIGHTS
	                            ") AS s FROM " BENCH_FTS5_TABLE " WHERE " BENCH_FTS5_TABLE
	                            " MATCH $1 ORDER BY s DESC, rowid LIMIT 20 OFFSET $2"
	                          : "SELECT rowid, 0 FROM " BENCH_FTS5_TABLE
	                            " ORDER BY rowid LIMIT 20 OFFSET $2";
	struct db_stmt *st = db_prepare(c->db, sql);
	struct {
		int64_t id;
		double score;
	} hit[PAGE_SIZE];
	int n = 0;
	enum db_rc rc = DB_OK;
	json_t *list;

	if (!st)
		return NULL;
	if (c->expr)
		db_bind_text(st, 1, c->expr);
	db_bind_int(st, 2, (c->page - 1) * PAGE_SIZE);
	while (n < PAGE_SIZE && (rc = db_step(st)) == DB_ROW) {
		const char *s = db_col_text(st, 1);
		hit[n].id = db_col_int(st, 0);
		hit[n++].score = s ? strtod(s, NULL) : 0;
	}
	db_finalize(st);
	if (n < PAGE_SIZE && rc != DB_OK)
		return NULL;
	list = json_array();
	for (int i = 0; i < n; i++) {
		json_t *one = card(c, hit[i].id, hit[i].score);
		if (one)
			json_array_append_new(list, one);
	}
	return list;
}

/* The country facet, most frequent first (ties by value), and the total. */
static json_t *facets(struct bf *c, int64_t *total)
{
	const char *sql = c->expr ? "SELECT country, COUNT(*) AS n FROM " BENCH_FTS5_TABLE
	                            " WHERE " BENCH_FTS5_TABLE
	                            " MATCH $1 GROUP BY country ORDER BY n DESC, country"
	                          : "SELECT country, COUNT(*) AS n FROM " BENCH_FTS5_TABLE
	                            " GROUP BY country ORDER BY n DESC, country";
	struct db_stmt *st = db_prepare(c->db, sql);
	json_t *out, *countries;
	size_t kept = 0;
	enum db_rc rc;

	*total = 0;
	if (!st)
		return NULL;
	if (c->expr)
		db_bind_text(st, 1, c->expr);
	out = json_object();
	countries = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		const char *v = db_col_text(st, 0);
		*total += db_col_int(st, 1);
		if (v && *v && kept++ < FACET_VALUES)
			json_array_append_new(countries,
			                      json_pack("{s:s, s:I}", "value", v, "count",
			                                (json_int_t)db_col_int(st, 1)));
	}
	db_finalize(st);
	json_object_set_new(out, facet_names[0], countries);
	for (size_t i = 1; i < sizeof(facet_names) / sizeof(facet_names[0]); i++)
		json_object_set_new(out, facet_names[i], json_array());
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

void h_bench_fts5(void *ctx, struct request *req, struct response *resp)
{
	struct bf c = {.app = ctx, .req = req, .page = 1};
	const char *page = kvlist_get(&req->query, "page");
	json_t *list, *f;
	int64_t total;

	if (!c.app->cfg->testing_bench_fts5) {
		json_error(c.app, req, resp, 404, "not_found", NULL);
		return;
	}
	if (page && parse_int64(page, 1, MATCH_MAX_K / PAGE_SIZE, &c.page) < 0) {
		json_error(c.app, req, resp, 400, "bad_parameter", "page");
		return;
	}
	c.id = auth_identity(req);
	c.now = clock_now(c.app->cfg);
	c.expr = bench_fts5_expr(c.app->tx, &req->arena, kvlist_get(&req->query, "q"));
	c.db = db_pool_get(c.app->pool);
	list = results(&c);
	f = list ? facets(&c, &total) : NULL;
	db_pool_put(c.app->pool, c.db);
	if (!f) { /* no such table: not a benchmark's database */
		json_decref(list);
		json_error(c.app, req, resp, 503, "unavailable", NULL);
		return;
	}
	json_respond(req, resp, 200,
	             json_pack("{s:I, s:I, s:I, s:o, s:o}", "total", (json_int_t)total, "page",
	                       (json_int_t)c.page, "page_size", (json_int_t)PAGE_SIZE, "results",
	                       list, "facets", f));
}
