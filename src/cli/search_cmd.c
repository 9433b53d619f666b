/* search_cmd: `kafaat search` and `kafaat match`, the engine from the
 * command line (the same index and rules as the server: app/search.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/clock.h"
#include "app/search.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/parse.h"
#include "db/db.h"

#define SEARCH_USAGE                                                                               \
	"usage: kafaat search \"QUERY\" [filters] [--audience public|institution|programme] "      \
	"[--any] [--top N] [--offset N] [--facets] [--json] [--db PATH|URL]\n"
#define MATCH_USAGE "usage: kafaat match --need ID|FILE [--top N] [--json] [--db PATH|URL]\n"

/* What a command needs: the database, the taxonomy, the index. */
struct engine {
	struct db *db;
	struct taxonomy *tx;
	struct search *s;
	int64_t now;
};

static int engine_open(struct cli *cli, struct engine *e)
{
	char err[512];

	memset(e, 0, sizeof(*e));
	if (cli_load_config(cli) < 0 || cli_open_db(cli, &e->db) < 0)
		return -1;
	e->now = clock_now(&cli->cfg);
	e->tx = taxonomy_load(e->db, err, sizeof(err));
	if (e->tx)
		e->s = search_open(e->db, e->tx, e->now, NULL, err, sizeof(err));
	if (!e->s) {
		fprintf(stderr, "kafaat: %s (run `kafaat migrate` first?)\n", err);
		return -1;
	}
	return 0;
}

static void engine_close(struct engine *e)
{
	search_close(e->s);
	taxonomy_free(e->tx);
	if (e->db)
		db_close(e->db);
}

/* Resolves each name of a list through the taxonomy (any language). */
static int resolve_all(const struct taxonomy *tx, enum tax_kind k, struct match_strs *l,
                       const char *what)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *id = taxonomy_resolve(tx, k, l->v[i]);
		if (!id) {
			fprintf(stderr, "kafaat search: unknown %s \"%s\"\n", what, l->v[i]);
			return -1;
		}
		((const char **)l->v)[i] = id;
	}
	return 0;
}

static int word_bit(const char *list, const char *const *words, size_t n, unsigned *out,
                    const char *what)
{
	struct arena a = ARENA_INIT;
	struct match_strs l = search_split(&a, list);
	int rc = 0;

	*out = 0;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		size_t k = 0;
		while (k < n && strcmp(words[k], l.v[i]) != 0)
			k++;
		if (k == n) {
			fprintf(stderr, "kafaat search: unknown %s \"%s\"\n", what, l.v[i]);
			rc = -1;
		}
		*out |= 1u << k;
	}
	arena_free(&a);
	return rc;
}

/* "fr:B2,ar:C1" */
static int parse_langs(struct arena *a, const struct taxonomy *tx, const char *list,
                       struct match_filters *f)
{
	struct match_strs l = search_split(a, list);
	struct match_lang *v = arena_zalloc(a, (l.n + 1) * sizeof(*v));

	for (size_t i = 0; i < l.n; i++) {
		const char *name;
		int level = search_lang_item(a, l.v[i], &name);
		const char *code = taxonomy_resolve(tx, TAX_LANGUAGE, name);
		if (!code || !level) {
			fprintf(stderr,
			        "kafaat search: --lang takes CODE:LEVEL, e.g. fr:B2 (got \"%s\")\n",
			        l.v[i]);
			return -1;
		}
		v[i] = (struct match_lang){code, level};
	}
	f->langs = v;
	f->nlangs = l.n;
	return 0;
}

static int parse_state(const char *s, enum match_state *out)
{
	static const char *const names[] = {"active", "dormant", "any"};

	*out = MATCH_ACTIVE;
	for (int i = 0; s && i < 3; i++)
		if (strcmp(names[i], s) == 0)
			return *out = (enum match_state)i, 0;
	if (s)
		fprintf(stderr, "kafaat search: --state is active, dormant or any\n");
	return s ? -1 : 0;
}

static int parse_pay(const char *s, enum match_pay *out)
{
	*out = MATCH_PAY_UNKNOWN;
	if (!s)
		return 0;
	if (strcmp(s, "paid") == 0)
		return *out = MATCH_PAID, 0;
	if (strcmp(s, "pro_bono") == 0)
		return *out = MATCH_PRO_BONO, 0;
	fprintf(stderr, "kafaat search: --pay is paid or pro_bono\n");
	return -1;
}

static int parse_audience(const char *s, enum match_audience *out)
{
	static const struct {
		const char *name;
		enum match_audience a;
	} names[] = {{"public", MATCH_FOR_PUBLIC},
	             {"institution", MATCH_FOR_INSTITUTION},
	             {"programme", MATCH_FOR_PROGRAMME}};

	*out = MATCH_FOR_INSTITUTION;
	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, s) == 0)
			return *out = names[i].a, 0;
	if (s)
		fprintf(stderr, "kafaat search: --audience is public, institution or programme\n");
	return s ? -1 : 0;
}

static int parse_count(const char *s, int64_t dflt, int64_t min, int64_t max, const char *what,
                       int64_t *out)
{
	*out = dflt;
	if (s && parse_int64(s, min, max, out) < 0) {
		fprintf(stderr, "kafaat: %s takes a number up to %lld\n", what, (long long)max);
		return -1;
	}
	return 0;
}

static int parse_filters(struct cli *cli, struct arena *a, const struct taxonomy *tx,
                         struct match_filters *f)
{
	static const char *const presences[] = {"remote", "onsite", "hybrid"};
	static const char *const modes[] = {"ponctuelle", "continue"};
	const char *const *v = cli->filter;

	f->countries = search_split(a, v[CF_COUNTRY]);
	f->cities = search_split(a, v[CF_CITY]);
	f->sectors = search_split(a, v[CF_SECTOR]);
	f->skills = search_split(a, v[CF_SKILL]);
	f->networks = search_split(a, v[CF_NETWORK]);
	for (size_t i = 0; i < f->cities.n; i++)
		((const char **)f->cities.v)[i] = search_fold(a, f->cities.v[i]);
	f->from = search_day(v[CF_FROM]);
	f->to = search_day(v[CF_TO]);
	if ((v[CF_FROM] && !f->from) || (v[CF_TO] && !f->to) || (!f->from != !f->to)) {
		fprintf(stderr, "kafaat search: --from and --to go together, as YYYY-MM-DD\n");
		return -1;
	}
	return resolve_all(tx, TAX_COUNTRY, &f->countries, "country") < 0 ||
	                       resolve_all(tx, TAX_SECTOR, &f->sectors, "sector") < 0 ||
	                       resolve_all(tx, TAX_SKILL, &f->skills, "skill") < 0 ||
	                       parse_langs(a, tx, v[CF_LANG], f) < 0 ||
	                       word_bit(v[CF_PRESENCE], presences, 3, &f->presence, "presence") <
	                               0 ||
	                       word_bit(v[CF_MODE], modes, 2, &f->modes, "mode") < 0 ||
	                       parse_pay(v[CF_PAY], &f->pay) < 0 ||
	                       parse_state(v[CF_STATE], &f->state) < 0
	               ? -1
	               : 0;
}

/* Names and headlines of experts, by id: {"ID": {name, headline, country}}. */
static json_t *cards(struct db *db, const int64_t *ids, size_t n)
{
	json_t *out = json_object();
	struct db_stmt *st = db_prepare(
	        db, "SELECT name, name_ar, headline, country FROM profiles WHERE user_id = $1");

	for (size_t i = 0; st && i < n; i++) {
		char key[24];
		db_reset(st);
		db_bind_int(st, 1, ids[i]);
		if (db_step(st) != DB_ROW)
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)ids[i]);
		json_object_set_new(out, key,
		                    json_pack("{s:s, s:s, s:s, s:s?}", "name", db_col_text(st, 0),
		                              "name_ar", db_col_text(st, 1), "headline",
		                              db_col_text(st, 2), "country", db_col_text(st, 3)));
	}
	db_finalize(st);
	return out;
}

static json_t *facets_json(const struct match_facets *f)
{
	static const char *const names[FACET_COUNT] = {"country",  "sector",  "skill",
	                                               "language", "network", "presence",
	                                               "mode",     "pay",     "state"};
	json_t *o = json_object();

	for (int k = 0; f && k < FACET_COUNT; k++) {
		json_t *list = json_array();
		for (size_t i = 0; i < f->nvalues[k]; i++)
			json_array_append_new(list, json_pack("{s:s, s:I}", "value",
			                                      f->values[k][i].value, "count",
			                                      (json_int_t)f->values[k][i].count));
		json_object_set_new(o, names[k], list);
	}
	return o;
}

/* A string member of o, or dflt. */
static const char *str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

static void print_search(json_t *r)
{
	size_t i;
	json_t *h;

	printf("%lld match(es)\n", (long long)json_integer_value(json_object_get(r, "total")));
	json_array_foreach(json_object_get(r, "hits"), i, h)
	{
		printf("%3zu. %8.3f  %-12s %s — %s (%s)\n", i + 1,
		       json_real_value(json_object_get(h, "score")), str(h, "ref", "-"),
		       str(h, "name", ""), str(h, "headline", ""), str(h, "country", ""));
	}
}

static json_t *hits_json(struct engine *e, const struct match_hit *hits, int n)
{
	int64_t *ids = calloc((size_t)n + 1, sizeof(*ids));
	json_t *list = json_array(), *c;

	for (int i = 0; ids && i < n; i++)
		ids[i] = hits[i].id;
	c = cards(e->db, ids, ids ? (size_t)n : 0);
	for (int i = 0; i < n; i++) {
		char key[24];
		snprintf(key, sizeof(key), "%lld", (long long)hits[i].id);
		json_t *h = json_pack("{s:I, s:s?, s:f}", "id", (json_int_t)hits[i].id, "ref",
		                      hits[i].ref, "score", hits[i].score);
		json_object_update(h, json_object_get(c, key));
		json_array_append_new(list, h);
	}
	json_decref(c);
	free(ids);
	return list;
}

int cmd_search(struct cli *cli)
{
	struct arena a = ARENA_INIT;
	struct match_query q = {0};
	struct match_facets *f = NULL;
	struct match_hit *hits = NULL;
	struct engine e;
	int64_t top, offset;
	int rc = 2, n;

	if (cli->nargs > 1 || parse_count(cli->top, 20, 1, 100, "--top", &top) < 0 ||
	    parse_count(cli->offset, 0, 0, MATCH_MAX_K - 100, "--offset", &offset) < 0 ||
	    parse_audience(cli->audience, &q.audience) < 0) {
		fputs(SEARCH_USAGE, stderr);
		return 2;
	}
	if (engine_open(cli, &e) < 0) {
		engine_close(&e);
		return 1;
	}
	if (parse_filters(cli, &a, e.tx, &q.filters) < 0)
		goto out;
	q.nclauses = search_clauses(e.tx, &a, cli->nargs ? cli->args[0] : "", &q.clauses);
	q.any = cli->any; /* --any: ranked OR, what a text-only baseline needs */
	q.today = (int32_t)(e.now / 86400);
	q.dormant_days = 365;
	q.offset = (size_t)offset;
	q.limit = (size_t)top;
	hits = calloc((size_t)top, sizeof(*hits));
	n = hits ? search_run(e.s, &q, hits, &f, 20) : -1;
	rc = 1;
	if (n < 0 || !f)
		goto out;
	json_t *r = json_pack("{s:I, s:o}", "total", (json_int_t)f->total, "hits",
	                      hits_json(&e, hits, n));
	if (cli->facets)
		json_object_set_new(r, "facets", facets_json(f));
	if (cli->json)
		json_dumpf(r, stdout, JSON_INDENT(1)), putchar('\n');
	else
		print_search(r);
	json_decref(r);
	rc = 0;
out:
	match_facets_free(f);
	free(hits);
	engine_close(&e);
	arena_free(&a);
	return rc;
}

/* The need of --need: a number is a need of the database, else a file. */
static int load_need(struct engine *e, struct arena *a, const char *arg, struct match_need *n)
{
	int64_t id;
	char err[256];

	if (parse_int64(arg, 1, INT64_MAX, &id) == 0) {
		int rc = search_need_load(e->db, e->tx, a, id, n);
		if (rc <= 0)
			fprintf(stderr, "kafaat match: %s\n",
			        rc < 0 ? db_errmsg(e->db) : "no need with this id");
		return rc == 1 ? 0 : -1;
	}
	json_error_t jerr;
	json_t *j = json_load_file(arg, 0, &jerr);
	if (!j) {
		fprintf(stderr, "kafaat match: %s:%d: %s\n", arg, jerr.line, jerr.text);
		return -1;
	}
	arena_defer(a, (void (*)(void *))json_decref, j);
	if (search_need_parse(e->tx, a, j, n, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat match: %s: %s\n", arg, err);
		return -1;
	}
	return 0;
}

static void print_match(json_t *list)
{
	size_t i, k;
	json_t *r, *f;

	json_array_foreach(list, i, r)
	{
		printf("%3zu. %6.2f  %-12s %s — %s\n", i + 1,
		       json_real_value(json_object_get(r, "score")), str(r, "ref", "-"),
		       str(r, "name", ""), str(r, "headline", ""));
		json_array_foreach(json_object_get(r, "factors"), k, f)
		{
			if (json_real_value(json_object_get(f, "contribution")) > 0)
				printf("        %-13s %5.2f\n",
				       json_string_value(json_object_get(f, "factor")),
				       json_real_value(json_object_get(f, "contribution")));
		}
	}
}

int cmd_match(struct cli *cli)
{
	struct arena a = ARENA_INIT;
	struct match_need need;
	struct engine e;
	int64_t top;
	json_t *list;
	int rc = 1;

	if (!cli->need || parse_count(cli->top, 20, 1, MATCH_MAX_K, "--top", &top) < 0) {
		fputs(MATCH_USAGE, stderr);
		return 2;
	}
	if (engine_open(cli, &e) < 0 || load_need(&e, &a, cli->need, &need) < 0)
		goto out;
	list = search_match(e.s, &need, e.now, 0, (size_t)top);
	if (!list) {
		fprintf(stderr, "kafaat match: the need is not valid for matching\n");
		goto out;
	}
	/* names beside the scores */
	size_t i;
	json_t *r;
	json_array_foreach(list, i, r)
	{
		int64_t id = json_integer_value(json_object_get(r, "id"));
		json_t *c = cards(e.db, &id, 1);
		json_object_update(r, json_object_iter_value(json_object_iter(c)));
		json_decref(c);
	}
	if (cli->json)
		json_dumpf(list, stdout, JSON_INDENT(1)), putchar('\n');
	else
		print_match(list);
	json_decref(list);
	rc = 0;
out:
	engine_close(&e);
	arena_free(&a);
	return rc;
}
