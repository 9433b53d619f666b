/* Unit tests for match/: BM25F ranking and its pruning (checked against a
 * brute force), clauses, filters, facets, audiences, the need <-> expert
 * factors, explanations, updates and compaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/xalloc.h"
#include "match/internal.h"
#include "match/match.h"

#define TODAY 20000
#define DD 365
#define ALL_CONSENTS                                                                               \
	(MATCH_CONSENT_INSTITUTIONS | MATCH_CONSENT_DIRECTORY | MATCH_CONSENT_NETWORKS |           \
	 MATCH_CONSENT_PROGRAMME)
#define EPS 1e-9

static int near(double a, double b, double eps)
{
	return a - b < eps && b - a < eps;
}

/* ---- building experts ---- */

/* An expert under construction; e points into the arrays below. */
struct tx {
	struct match_expert e;
	char buf[MF_FIELDS][1024];
	const char *tok[MF_FIELDS][128];
	const char *sec[8], *pref[8], *net[8];
	struct match_skill sk[16];
	struct match_lang lg[8];
	struct match_period av[4], st[4];
	int64_t cf[4];
};

/* Splits words on sep into v (pointing into buf); returns how many. */
static size_t split(const char *s, char sep, char *buf, size_t cap, const char **v, size_t max)
{
	size_t n = 0, len = strlen(s);
	char *p = buf;

	assert_true(len < cap);
	memcpy(buf, s, len + 1);
	while (*p != '\0') {
		while (*p == sep)
			*p++ = '\0';
		if (*p == '\0')
			break;
		assert_true(n < max);
		v[n++] = p;
		while (*p != '\0' && *p != sep)
			p++;
	}
	return n;
}

static void tx_init(struct tx *t, int64_t id)
{
	int f;

	memset(t, 0, sizeof(*t));
	t->e.id = id;
	t->e.flags = ALL_CONSENTS;
	t->e.confirmed = TODAY - 10;
	t->e.utc_offset_min = MATCH_TZ_UNKNOWN;
	for (f = 0; f < MF_FIELDS; f++)
		t->e.tokens[f].v = t->tok[f];
	t->e.sectors.v = t->sec;
	t->e.preferred_sectors.v = t->pref;
	t->e.networks.v = t->net;
	t->e.skills = t->sk;
	t->e.langs = t->lg;
	t->e.available = t->av;
	t->e.stays = t->st;
	t->e.conflicts = t->cf;
}

static void tx_text(struct tx *t, enum match_field f, const char *words)
{
	t->e.tokens[f].n = split(words, ' ', t->buf[f], sizeof(t->buf[f]), t->tok[f], 128);
}

static void tx_sector(struct tx *t, const char *s, int preferred)
{
	t->sec[t->e.sectors.n++] = s;
	if (preferred)
		t->pref[t->e.preferred_sectors.n++] = s;
}

static void tx_net(struct tx *t, const char *s)
{
	t->net[t->e.networks.n++] = s;
}

static void tx_skill(struct tx *t, const char *id, const char *domain, int level)
{
	struct match_skill *s = &t->sk[t->e.nskills++];

	s->id = id;
	s->domain = domain;
	s->level = level;
}

static void tx_lang(struct tx *t, const char *code, int level)
{
	t->lg[t->e.nlangs].code = code;
	t->lg[t->e.nlangs++].level = level;
}

static void tx_avail(struct tx *t, int32_t from, int32_t to)
{
	t->av[t->e.navailable].from = from;
	t->av[t->e.navailable++].to = to;
}

static void tx_stay(struct tx *t, int32_t from, int32_t to)
{
	t->st[t->e.nstays].from = from;
	t->st[t->e.nstays++].to = to;
}

static void tx_put(struct match_index *ix, struct tx *t)
{
	assert_int_equal(match_put_expert(ix, &t->e), 0);
}

/* Puts an expert with a name and a bio and every consent. */
static void put_text(struct match_index *ix, int64_t id, const char *name, const char *bio)
{
	struct tx t;

	tx_init(&t, id);
	tx_text(&t, MF_NAME, name);
	tx_text(&t, MF_BIO, bio);
	tx_put(ix, &t);
}

/* ---- building queries ---- */

/* A query parsed from "a|b c": clauses split on spaces, alternatives on '|'. */
struct tq {
	struct match_query q;
	struct match_clause cl[16];
	char buf[512], words[16][64];
	const char *terms[16][16];
	const char *strs[8];
};

static void tq_init(struct tq *t, const char *text)
{
	const char *w[16];
	size_t n, i;

	memset(t, 0, sizeof(*t));
	n = split(text, ' ', t->buf, sizeof(t->buf), w, 16);
	for (i = 0; i < n; i++) {
		t->cl[i].terms = t->terms[i];
		t->cl[i].nterms =
		        split(w[i], '|', t->words[i], sizeof(t->words[i]), t->terms[i], 16);
	}
	t->q.clauses = t->cl;
	t->q.nclauses = n;
	t->q.audience = MATCH_FOR_PROGRAMME;
	t->q.filters.state = MATCH_ANY_STATE;
	t->q.today = TODAY;
	t->q.dormant_days = DD;
	t->q.limit = 20;
}

/* A match_strs over one value. */
static struct match_strs one(const char **slot, const char *v)
{
	struct match_strs s;

	*slot = v;
	s.v = slot;
	s.n = 1;
	return s;
}

/* Runs the query and checks the ids come back in this order. */
static void expect_ids(struct match_index *ix, struct tq *t, const int64_t *ids, int n)
{
	struct match_hit hits[64];
	int got = match_search(ix, &t->q, hits), i;

	if (got != n) {
		for (i = 0; i < got; i++)
			fprintf(stderr, "  hit %d: id %lld score %g\n", i, (long long)hits[i].id,
			        hits[i].score);
	}
	assert_int_equal(got, n);
	for (i = 0; i < n; i++)
		assert_int_equal(hits[i].id, ids[i]);
}

#define EXPECT(ix, t, ...)                                                                         \
	do {                                                                                       \
		const int64_t want_[] = {__VA_ARGS__};                                             \
		expect_ids(ix, t, want_, (int)(sizeof(want_) / sizeof(want_[0])));                 \
	} while (0)

static void expect_none(struct match_index *ix, struct tq *t)
{
	expect_ids(ix, t, NULL, 0);
}

/* ---- text ranking ---- */

static void test_rarer_term_ranks_higher(void **state)
{
	struct match_index *ix = match_new();
	struct tq t;
	int64_t id;
	(void)state;

	for (id = 1; id <= 5; id++)
		put_text(ix, id, "someone", "common filler");
	put_text(ix, 6, "someone", "rare filler");
	put_text(ix, 7, "someone", "common rare");
	tq_init(&t, "common rare");
	t.q.any = 1;
	EXPECT(ix, &t, 7, 6, 1, 2, 3, 4, 5);
	t.q.any = 0;
	EXPECT(ix, &t, 7);
	match_free(ix);
}

static void test_field_weights(void **state)
{
	struct match_index *ix = match_new();
	struct match_hit hits[4];
	struct tx t;
	struct tq q;
	const double ln12 = 0.18232155679395462; /* ln(1.2): idf with N = df = 2 */
	int f;
	(void)state;

	put_text(ix, 1, "alpha", "beta");
	put_text(ix, 2, "beta", "alpha");
	tq_init(&q, "alpha");
	assert_int_equal(match_search(ix, &q.q, hits), 2);
	assert_int_equal(hits[0].id, 1);
	/* dl = 3 + 1 = avgdl: tf 3 in the name, tf 1 in the bio. */
	assert_true(near(hits[0].score, ln12 * 3 * 2.2 / (3 + 1.2), 1e-12));
	assert_true(near(hits[1].score, ln12, 1e-12));
	tq_init(&q, "beta");
	EXPECT(ix, &q, 2, 1);
	match_free(ix);

	/* The same lone word in each field: name > headline > skills > bio = experience. */
	ix = match_new();
	for (f = MF_FIELDS - 1; f >= 0; f--) {
		tx_init(&t, 10 + f);
		tx_text(&t, (enum match_field)f, "gamma");
		tx_put(ix, &t);
	}
	tq_init(&q, "gamma");
	EXPECT(ix, &q, 10 + MF_NAME, 10 + MF_HEADLINE, 10 + MF_SKILLS, 10 + MF_BIO,
	       10 + MF_EXPERIENCE);
	match_free(ix);
}

static void test_clauses_and_alternatives(void **state)
{
	struct match_index *ix = match_new();
	struct match_hit a[8], b[8], c[8];
	struct tq t;
	double power;
	(void)state;

	put_text(ix, 1, "one", "solar energy");
	put_text(ix, 2, "two", "solar energie");
	put_text(ix, 3, "three", "wind energy");
	put_text(ix, 4, "four", "solar");
	put_text(ix, 5, "five", "hydro power");
	put_text(ix, 6, "six", "power electricity");
	/* AND of (solar) and (energy or energie); energie is rarer. */
	tq_init(&t, "solar energy|energie");
	EXPECT(ix, &t, 2, 1);
	/* Ranked OR: a doc matching either clause. */
	t.q.any = 1;
	assert_int_equal(match_search(ix, &t.q, a), 4);
	assert_true((a[0].id == 1 || a[0].id == 2) && (a[1].id == 1 || a[1].id == 2));
	assert_true((a[2].id == 3 || a[2].id == 4) && (a[3].id == 3 || a[3].id == 4));
	/* Unknown words: an AND clause of them matches nothing, an OR one is ignored. */
	tq_init(&t, "solar zzz");
	expect_none(ix, &t);
	t.q.any = 1;
	EXPECT(ix, &t, 4, 1, 2);
	tq_init(&t, "zzz|yyy");
	expect_none(ix, &t);
	/* A clause scores its best alternative, not their sum. */
	tq_init(&t, "power|electricity");
	assert_int_equal(match_search(ix, &t.q, a), 2);
	assert_int_equal(a[0].id, 6);
	tq_init(&t, "power");
	assert_int_equal(match_search(ix, &t.q, b), 2);
	tq_init(&t, "electricity");
	assert_int_equal(match_search(ix, &t.q, c), 1);
	power = b[0].id == 6 ? b[0].score : b[1].score;
	assert_true(a[0].score == (power > c[0].score ? power : c[0].score));
	match_free(ix);
}

/* ---- filters ---- */

/* Four experts with distinct attributes (see each line). */
static struct match_index *filter_index(void)
{
	struct match_index *ix = match_new();
	struct tx t;

	tx_init(&t, 1);
	t.e.country = "MA";
	t.e.city = "casablanca";
	tx_sector(&t, "energie", 0);
	tx_skill(&t, "s1", "data", 3);
	tx_net(&t, "n1");
	tx_lang(&t, "fr", 5);
	t.e.presence = MATCH_REMOTE;
	t.e.modes = MATCH_PONCTUELLE;
	t.e.pay = MATCH_PAID;
	tx_avail(&t, 100, 200);
	tx_put(ix, &t);

	tx_init(&t, 2);
	t.e.country = "FR";
	t.e.city = "paris";
	tx_sector(&t, "sante", 1);
	tx_skill(&t, "s2", "health", 2);
	tx_net(&t, "n2");
	tx_lang(&t, "ar", 3);
	t.e.presence = MATCH_ONSITE;
	t.e.modes = MATCH_CONTINUE;
	t.e.pay = MATCH_PRO_BONO;
	tx_avail(&t, 300, 400);
	tx_put(ix, &t);

	tx_init(&t, 3);
	t.e.country = "MA";
	t.e.city = "rabat";
	tx_sector(&t, "energie", 0);
	tx_sector(&t, "sante", 0);
	tx_skill(&t, "s1", "data", 1);
	tx_skill(&t, "s2", "health", 4);
	tx_net(&t, "n1");
	tx_net(&t, "n2");
	tx_lang(&t, "fr", 2);
	tx_lang(&t, "en", 6);
	t.e.presence = MATCH_HYBRID;
	t.e.modes = MATCH_PONCTUELLE | MATCH_CONTINUE;
	t.e.pay = MATCH_PAY_EITHER;
	tx_put(ix, &t);

	tx_init(&t, 4); /* knows nothing, never confirmed: dormant */
	t.e.confirmed = 0;
	tx_put(ix, &t);
	return ix;
}

static void test_filters(void **state)
{
	struct match_index *ix = filter_index();
	struct match_lang langs[2] = {{"fr", 3}, {"en", 6}};
	const char *slot[2];
	struct tq t;
	(void)state;

	tq_init(&t, "");
	EXPECT(ix, &t, 1, 2, 3, 4);
	t.q.filters.countries = one(&slot[0], "MA");
	EXPECT(ix, &t, 1, 3);
	t.q.filters.sectors = one(&slot[1], "sante");
	EXPECT(ix, &t, 3);
	t.q.filters.countries = one(&slot[0], "ZZ");
	expect_none(ix, &t);

	tq_init(&t, "");
	t.q.filters.cities = one(&slot[0], "paris");
	EXPECT(ix, &t, 2);
	tq_init(&t, "");
	t.q.filters.skills = one(&slot[0], "s1");
	EXPECT(ix, &t, 1, 3);
	tq_init(&t, "");
	t.q.filters.networks = one(&slot[0], "n2");
	EXPECT(ix, &t, 2, 3);

	tq_init(&t, "");
	t.q.filters.langs = langs;
	t.q.filters.nlangs = 1;
	EXPECT(ix, &t, 1);
	langs[0].level = 2;
	EXPECT(ix, &t, 1, 3);
	t.q.filters.nlangs = 2;
	EXPECT(ix, &t, 3);

	tq_init(&t, "");
	t.q.filters.presence = MATCH_REMOTE;
	EXPECT(ix, &t, 1);
	t.q.filters.presence = MATCH_REMOTE | MATCH_ONSITE;
	EXPECT(ix, &t, 1, 2);
	tq_init(&t, "");
	t.q.filters.modes = MATCH_CONTINUE;
	EXPECT(ix, &t, 2, 3);

	tq_init(&t, "");
	t.q.filters.pay = MATCH_PAID;
	EXPECT(ix, &t, 1, 3);
	t.q.filters.pay = MATCH_PRO_BONO;
	EXPECT(ix, &t, 2, 3);
	t.q.filters.pay = MATCH_PAY_EITHER;
	EXPECT(ix, &t, 1, 2, 3);

	tq_init(&t, "");
	t.q.filters.from = 150;
	t.q.filters.to = 160;
	EXPECT(ix, &t, 1);
	t.q.filters.to = 350;
	EXPECT(ix, &t, 1, 2);
	t.q.filters.from = 350;
	t.q.filters.to = 0; /* open end */
	EXPECT(ix, &t, 2);
	t.q.filters.from = 500;
	t.q.filters.to = 400; /* reversed: invalid */
	assert_int_equal(match_search(ix, &t.q, NULL), -1);

	tq_init(&t, "");
	t.q.filters.state = MATCH_ACTIVE;
	EXPECT(ix, &t, 1, 2, 3);
	t.q.filters.state = MATCH_DORMANT;
	EXPECT(ix, &t, 4);
	match_free(ix);
}

static size_t facet_count(const struct match_facets *f, enum match_facet facet, const char *value)
{
	size_t i;

	for (i = 0; i < f->nvalues[facet]; i++)
		if (strcmp(f->values[facet][i].value, value) == 0)
			return f->values[facet][i].count;
	return 0;
}

static void test_facets_disjunctive(void **state)
{
	struct match_index *ix = filter_index();
	struct match_facets *f;
	const char *slot[2];
	struct tq t;
	(void)state;

	/* No filter: every expert counts; the dormant one only for the programme. */
	tq_init(&t, "");
	f = match_facets(ix, &t.q, 10);
	assert_non_null(f);
	assert_int_equal(f->total, 4);
	assert_int_equal(facet_count(f, FACET_COUNTRY, "MA"), 2);
	assert_int_equal(facet_count(f, FACET_COUNTRY, "FR"), 1);
	assert_int_equal(facet_count(f, FACET_SECTOR, "energie"), 2);
	assert_int_equal(facet_count(f, FACET_SECTOR, "sante"), 2);
	assert_int_equal(facet_count(f, FACET_SKILL, "s2"), 2);
	assert_int_equal(facet_count(f, FACET_LANGUAGE, "fr"), 2);
	assert_int_equal(facet_count(f, FACET_NETWORK, "n1"), 2);
	assert_int_equal(facet_count(f, FACET_PRESENCE, "hybrid"), 1);
	assert_int_equal(facet_count(f, FACET_MODE, "continue"), 2);
	assert_int_equal(facet_count(f, FACET_PAY, "either"), 1);
	assert_int_equal(facet_count(f, FACET_STATE, "active"), 3);
	assert_int_equal(facet_count(f, FACET_STATE, "dormant"), 1);
	/* Most frequent first, ties by value. */
	assert_string_equal(f->values[FACET_COUNTRY][0].value, "MA");
	assert_string_equal(f->values[FACET_SECTOR][0].value, "energie");
	assert_string_equal(f->values[FACET_SECTOR][1].value, "sante");
	match_facets_free(f);

	/* Country MA, sector energie, presence remote: 1 passes all; 3 (hybrid)
	 * fails presence only, so counts in the presence facet alone; 2 and 4
	 * fail several filters and count nowhere. */
	t.q.filters.countries = one(&slot[0], "MA");
	t.q.filters.sectors = one(&slot[1], "energie");
	t.q.filters.presence = MATCH_REMOTE;
	f = match_facets(ix, &t.q, 10);
	assert_int_equal(f->total, 1);
	assert_int_equal(facet_count(f, FACET_PRESENCE, "remote"), 1);
	assert_int_equal(facet_count(f, FACET_PRESENCE, "hybrid"),
	                 1); /* doc 3, own filter ignored */
	assert_int_equal(facet_count(f, FACET_COUNTRY, "MA"), 1);
	assert_int_equal(facet_count(f, FACET_SECTOR, "energie"), 1);
	assert_int_equal(facet_count(f, FACET_SECTOR, "sante"), 0);
	assert_int_equal(facet_count(f, FACET_MODE, "ponctuelle"), 1);
	match_facets_free(f);

	/* Sector sante alone: 2 and 3 pass; 1 fails sector only -> counted in
	 * the sector facet alone; 4 fails sector only too (no sector). */
	tq_init(&t, "");
	t.q.filters.sectors = one(&slot[1], "sante");
	t.q.audience = MATCH_FOR_PUBLIC; /* hides the dormant 4 */
	f = match_facets(ix, &t.q, 1);
	assert_int_equal(f->total, 2);
	assert_int_equal(f->nvalues[FACET_COUNTRY], 1); /* max_values: FR and MA tie */
	assert_int_equal(facet_count(f, FACET_COUNTRY, "FR"), 1);
	assert_int_equal(f->nvalues[FACET_SECTOR], 1);
	assert_int_equal(f->values[FACET_SECTOR][0].count, 2);
	assert_int_equal(facet_count(f, FACET_STATE, "dormant"), 0);
	match_facets_free(f);
	match_free(ix);
}

static void test_facets_with_words(void **state)
{
	struct match_index *ix = match_new();
	struct match_facets *f;
	const char *slot[1];
	struct tx x;
	struct tq t;
	int64_t id;
	(void)state;

	for (id = 1; id <= 30; id++) {
		tx_init(&x, id);
		tx_text(&x, MF_BIO,
		        id % 3 == 0   ? "water energy"
		        : id % 3 == 1 ? "water"
		                      : "energy");
		x.e.country = id % 2 ? "MA" : "FR";
		tx_put(ix, &x);
	}
	tq_init(&t, "water");
	t.q.filters.countries = one(&slot[0], "MA");
	f = match_facets(ix, &t.q, 10);
	assert_int_equal(f->total, 10); /* ids 1,3,...: water when id%3 != 2 */
	assert_int_equal(facet_count(f, FACET_COUNTRY, "MA"), 10);
	assert_int_equal(facet_count(f, FACET_COUNTRY, "FR"), 10);
	match_facets_free(f);
	tq_init(&t, "water energy");
	t.q.any = 1;
	f = match_facets(ix, &t.q, 10);
	assert_int_equal(f->total, 30);
	match_facets_free(f);
	t.q.any = 0;
	f = match_facets(ix, &t.q, 10);
	assert_int_equal(f->total, 10);
	match_facets_free(f);
	match_free(ix);
}

static void test_facets_own_filter_multi(void **state)
{
	struct match_index *ix = filter_index();
	struct match_lang fr = {"fr", 5};
	const char *slot[3];
	struct match_facets *f;
	struct tq t;
	(void)state;

	/* Skill s2: 2 and 3 pass; 1 (s1 only) fails skills alone and counts
	 * in the skill facet; 4 (nothing) too. */
	tq_init(&t, "");
	t.q.filters.skills = one(&slot[0], "s2");
	f = match_facets(ix, &t.q, 10);
	assert_int_equal(f->total, 2);
	assert_int_equal(facet_count(f, FACET_SKILL, "s1"), 2);
	assert_int_equal(facet_count(f, FACET_SKILL, "s2"), 2);
	assert_int_equal(facet_count(f, FACET_COUNTRY, "FR"), 1);
	assert_int_equal(facet_count(f, FACET_COUNTRY, "MA"), 1);
	match_facets_free(f);
	/* French at 5: only 1; 3 knows it at 2 and counts in languages alone. */
	tq_init(&t, "");
	t.q.filters.langs = &fr;
	t.q.filters.nlangs = 1;
	f = match_facets(ix, &t.q, 10);
	assert_int_equal(f->total, 1);
	assert_int_equal(facet_count(f, FACET_LANGUAGE, "fr"), 2);
	assert_int_equal(facet_count(f, FACET_LANGUAGE, "en"), 1);
	assert_int_equal(facet_count(f, FACET_SKILL, "s2"), 0);
	match_facets_free(f);
	/* Network n2 and country MA: 3 passes; 2 fails the country only, 1 the
	 * network only. */
	tq_init(&t, "");
	t.q.filters.networks = one(&slot[1], "n2");
	t.q.filters.countries = one(&slot[2], "MA");
	f = match_facets(ix, &t.q, 10);
	assert_int_equal(f->total, 1);
	assert_int_equal(facet_count(f, FACET_NETWORK, "n1"), 2);
	assert_int_equal(facet_count(f, FACET_NETWORK, "n2"), 1);
	assert_int_equal(facet_count(f, FACET_COUNTRY, "FR"), 1);
	assert_int_equal(facet_count(f, FACET_COUNTRY, "MA"), 1);
	match_facets_free(f);
	match_free(ix);
}

static void test_invalid_queries(void **state)
{
	struct match_index *ix = filter_index();
	struct match_lang bad = {"fr", 9};
	const char *nulls[1] = {NULL};
	struct match_hit hits[4];
	struct tq t;
	(void)state;

	tq_init(&t, "alpha");
	t.terms[0][0] = NULL;
	assert_int_equal(match_search(ix, &t.q, hits), -1);
	assert_null(match_facets(ix, &t.q, 5));
	tq_init(&t, "");
	t.q.filters.sectors.v = nulls;
	t.q.filters.sectors.n = 1;
	assert_int_equal(match_search(ix, &t.q, hits), -1);
	tq_init(&t, "");
	t.q.filters.langs = &bad;
	t.q.filters.nlangs = 1;
	assert_int_equal(match_search(ix, &t.q, hits), -1);
	tq_init(&t, "");
	t.q.filters.state = (enum match_state)7;
	assert_int_equal(match_search(ix, &t.q, hits), -1);
	tq_init(&t, "");
	t.q.filters.presence = 8;
	assert_int_equal(match_search(ix, &t.q, hits), -1);
	tq_init(&t, "");
	t.q.dormant_days = -1;
	assert_int_equal(match_search(ix, &t.q, hits), -1);
	/* A clause with no words is no condition. */
	tq_init(&t, "");
	t.q.nclauses = 1;
	t.cl[0].nterms = 0;
	EXPECT(ix, &t, 1, 2, 3, 4);
	match_free(ix);
}

/* Long lists: seeks that gallop over many blocks, skips to the end. */
static void test_long_lists(void **state)
{
	struct match_index *ix = match_new();
	struct match_hit hits[16];
	struct tq t;
	int64_t id;
	int i;
	(void)state;

	for (id = 1; id <= 6000; id++)
		put_text(ix, id, "person", id % 701 == 0 ? "common rare" : "common filler");
	tq_init(&t, "common rare");
	EXPECT(ix, &t, 701, 1402, 2103, 2804, 3505, 4206, 4907, 5608);
	t.q.limit = 3;
	EXPECT(ix, &t, 701, 1402, 2103);
	tq_init(&t, "rare common");
	t.q.limit = 3;
	EXPECT(ix, &t, 701, 1402, 2103);
	/* One common word: the shortest docs first, ties by id. */
	tq_init(&t, "common");
	t.q.limit = 4;
	assert_int_equal(match_search(ix, &t.q, hits), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(hits[i].id, i + 1);
	t.q.any = 1;
	tq_init(&t, "filler rare");
	t.q.any = 1;
	t.q.limit = 2;
	EXPECT(ix, &t, 701, 1402);
	match_free(ix);
}

static void test_pagination_and_ties(void **state)
{
	struct match_index *ix = match_new();
	struct match_hit hits[MATCH_MAX_K];
	const int64_t ids[] = {50, 7, 33, 12, 99, 1, 64, 20};
	struct tq t;
	size_t i;
	(void)state;

	for (i = 0; i < 8; i++)
		put_text(ix, ids[i], "same", "identical words");
	tq_init(&t, "identical");
	EXPECT(ix, &t, 1, 7, 12, 20, 33, 50, 64, 99);
	t.q.offset = 2;
	t.q.limit = 3;
	EXPECT(ix, &t, 12, 20, 33);
	t.q.offset = 7;
	EXPECT(ix, &t, 99);
	t.q.offset = 8;
	expect_none(ix, &t);
	/* Browsing: id order, score 0. */
	tq_init(&t, "");
	t.q.offset = 1;
	t.q.limit = 2;
	EXPECT(ix, &t, 7, 12);
	assert_int_equal(match_search(ix, &t.q, hits), 2);
	assert_true(hits[0].score == 0);
	t.q.offset = MATCH_MAX_K - 1;
	t.q.limit = 2;
	assert_int_equal(match_search(ix, &t.q, hits), -1);
	assert_null(match_facets(ix, NULL, 1));
	t.q.offset = 0;
	t.q.limit = MATCH_MAX_K;
	assert_int_equal(match_search(ix, &t.q, hits), 8);
	t.q.limit = 0;
	assert_int_equal(match_search(ix, &t.q, NULL), 0);
	match_free(ix);
}

/* ---- audiences, consent, state ---- */

static void put_flags(struct match_index *ix, int64_t id, unsigned flags, const char *net)
{
	struct tx t;

	tx_init(&t, id);
	tx_text(&t, MF_BIO, "expert");
	t.e.flags = flags;
	if (net != NULL)
		tx_net(&t, net);
	tx_put(ix, &t);
}

static void test_audiences_and_consent(void **state)
{
	struct match_index *ix = match_new();
	const char *slot[1];
	struct tq t;
	(void)state;

	put_flags(ix, 1, MATCH_CONSENT_DIRECTORY, NULL);
	put_flags(ix, 2, MATCH_CONSENT_NETWORKS, "n1");
	put_flags(ix, 3, MATCH_CONSENT_NETWORKS, "n2");
	put_flags(ix, 4, MATCH_CONSENT_INSTITUTIONS, NULL);
	put_flags(ix, 5, MATCH_CONSENT_PROGRAMME, NULL);
	put_flags(ix, 6, MATCH_CONSENT_INSTITUTIONS | MATCH_PAUSED, NULL);
	put_flags(ix, 7, ALL_CONSENTS, "n1");
	put_flags(ix, 8, ALL_CONSENTS | MATCH_PAUSED, NULL);
	put_flags(ix, 9, MATCH_CONSENT_DIRECTORY | MATCH_CONSENT_INSTITUTIONS, "n1");

	tq_init(&t, "expert");
	t.q.audience = MATCH_FOR_PUBLIC;
	EXPECT(ix, &t, 1, 7, 8, 9);
	/* The directory, and those consenting to peers who share a network. */
	t.q.audience = MATCH_FOR_PEERS;
	t.q.peer_networks = one(&slot[0], "n1");
	EXPECT(ix, &t, 1, 2, 7, 8, 9);
	t.q.peer_networks = one(&slot[0], "n2");
	EXPECT(ix, &t, 1, 3, 7, 8, 9);
	t.q.peer_networks.n = 0;
	EXPECT(ix, &t, 1, 7, 8, 9);
	/* A network's roster: peer consent and the network, nobody else. */
	t.q.audience = MATCH_FOR_NETWORK;
	t.q.peer_networks = one(&slot[0], "n1");
	EXPECT(ix, &t, 2, 7);
	t.q.peer_networks = one(&slot[0], "n2");
	EXPECT(ix, &t, 3);
	t.q.peer_networks.n = 0;
	expect_none(ix, &t);
	t.q.audience = MATCH_FOR_INSTITUTION; /* paused experts hidden */
	EXPECT(ix, &t, 4, 7, 9);
	t.q.audience = MATCH_FOR_PROGRAMME;
	EXPECT(ix, &t, 5, 7, 8);
	t.q.audience = (enum match_audience)(MATCH_FOR_NETWORK + 1);
	assert_int_equal(match_search(ix, &t.q, NULL), -1);

	/* Consent withdrawn: the next put takes the expert out at once. */
	put_flags(ix, 1, 0, NULL);
	put_flags(ix, 9, MATCH_CONSENT_INSTITUTIONS, "n1");
	t.q.audience = MATCH_FOR_PUBLIC;
	EXPECT(ix, &t, 7, 8);
	t.q.audience = MATCH_FOR_INSTITUTION;
	EXPECT(ix, &t, 4, 7, 9);
	match_free(ix);
}

static void put_confirmed(struct match_index *ix, int64_t id, int32_t confirmed)
{
	struct tx t;

	tx_init(&t, id);
	tx_text(&t, MF_BIO, "expert");
	t.e.confirmed = confirmed;
	tx_put(ix, &t);
}

static void test_dormant_only_for_programme(void **state)
{
	struct match_index *ix = match_new();
	const char *slot[1];
	struct match_facets *f;
	struct tq t;
	int a;
	(void)state;

	put_confirmed(ix, 1, TODAY - 10);
	put_confirmed(ix, 2, 0);
	put_confirmed(ix, 3, TODAY - DD - 1);
	put_confirmed(ix, 4, TODAY - DD); /* exactly dormant_days ago: still active */
	put_flags(ix, 5, ALL_CONSENTS, "n1");

	for (a = MATCH_FOR_PUBLIC; a <= MATCH_FOR_INSTITUTION; a++) {
		tq_init(&t, "expert");
		t.q.audience = (enum match_audience)a;
		t.q.peer_networks = one(&slot[0], "n1");
		t.q.filters.state = MATCH_DORMANT;
		expect_none(ix, &t);
		t.q.filters.state = MATCH_ANY_STATE;
		EXPECT(ix, &t, 1, 4, 5);
	}
	tq_init(&t, "expert");
	EXPECT(ix, &t, 1, 2, 3, 4, 5);
	t.q.filters.state = MATCH_DORMANT;
	EXPECT(ix, &t, 2, 3);
	f = match_facets(ix, &t.q, 5);
	assert_int_equal(f->total, 2);
	assert_int_equal(facet_count(f, FACET_STATE, "active"), 3); /* own filter ignored */
	match_facets_free(f);
	t.q.filters.state = MATCH_ACTIVE;
	EXPECT(ix, &t, 1, 4, 5);
	match_free(ix);
}

/* ---- writes ---- */

static void test_put_replace_remove(void **state)
{
	struct match_index *ix = match_new(), *fresh = match_new();
	struct match_hit a[4], b[4];
	struct tx t;
	struct tq q;
	(void)state;

	put_text(ix, 1, "first", "old words here");
	put_text(ix, 2, "second", "old words too");
	tq_init(&q, "old");
	EXPECT(ix, &q, 1, 2);
	put_text(ix, 1, "first", "new words now");
	assert_int_equal(match_experts(ix), 2);
	EXPECT(ix, &q, 2);
	tq_init(&q, "new");
	EXPECT(ix, &q, 1);
	/* Statistics forget the old version: scores equal a fresh index's. */
	put_text(fresh, 2, "second", "old words too");
	put_text(fresh, 1, "first", "new words now");
	tq_init(&q, "words");
	assert_int_equal(match_search(ix, &q.q, a), 2);
	assert_int_equal(match_search(fresh, &q.q, b), 2);
	assert_int_equal(a[0].id, b[0].id);
	assert_true(a[0].score == b[0].score && a[1].score == b[1].score);

	/* An invalid expert leaves the index as it was. */
	tx_init(&t, 1);
	tx_text(&t, MF_BIO, "broken");
	tx_skill(&t, "s", NULL, 6);
	assert_int_equal(match_put_expert(ix, &t.e), -1);
	t.sk[0].level = 0;
	assert_int_equal(match_put_expert(ix, &t.e), -1);
	t.e.nskills = 0;
	t.tok[MF_BIO][0] = NULL;
	assert_int_equal(match_put_expert(ix, &t.e), -1);
	t.tok[MF_BIO][0] = "broken";
	t.e.utc_offset_min = 2000;
	assert_int_equal(match_put_expert(ix, &t.e), -1);
	t.e.utc_offset_min = MATCH_TZ_UNKNOWN;
	t.e.rating = 7;
	assert_int_equal(match_put_expert(ix, &t.e), -1);
	t.e.rating = 0;
	tx_avail(&t, 10, 5);
	assert_int_equal(match_put_expert(ix, &t.e), -1);
	assert_int_equal(match_put_expert(ix, NULL), -1);
	tq_init(&q, "new");
	EXPECT(ix, &q, 1);

	assert_int_equal(match_remove_expert(ix, 1), 0);
	assert_int_equal(match_remove_expert(ix, 1), -1);
	assert_int_equal(match_experts(ix), 1);
	expect_none(ix, &q);
	tq_init(&q, "");
	EXPECT(ix, &q, 2);
	match_free(ix);
	match_free(fresh);
}

static const char *const cwords[] = {"water",  "energy", "health", "data", "law",
                                     "school", "farm",   "city",   "road", "bank"};

/* Expert i's text, a pure function of (i, v). */
static void compaction_put(struct match_index *ix, int i, int v)
{
	char bio[256];
	struct tx t;

	snprintf(bio, sizeof(bio), "%s %s %s %s", cwords[i % 10], cwords[(i * 3 + v) % 10],
	         cwords[(i * 7) % 10], cwords[(i + v * 5) % 10]);
	tx_init(&t, 1000 - i);
	t.e.ref = cwords[i % 10];
	tx_text(&t, MF_NAME, cwords[(i / 10) % 10]);
	tx_text(&t, MF_BIO, bio);
	tx_put(ix, &t);
}

/* Results copied out (refs only live until the next write). */
struct snapshot {
	int n[6];
	struct match_hit h[6][40];
	char ref[6][40][16];
};

static void snapshot_take(struct match_index *ix, struct snapshot *s)
{
	const char *queries[6] = {"water", "energy health",    "data|law", "school farm|city",
	                          "road",  "bank water|energy"};
	struct tq t;
	int i, j;

	for (i = 0; i < 6; i++) {
		tq_init(&t, queries[i]);
		t.q.any = i % 2;
		t.q.limit = 40;
		s->n[i] = match_search(ix, &t.q, s->h[i]);
		assert_true(s->n[i] > 0);
		for (j = 0; j < s->n[i]; j++) {
			snprintf(s->ref[i][j], sizeof(s->ref[i][j]), "%s", s->h[i][j].ref);
			s->h[i][j].ref = NULL;
		}
	}
}

static void snapshot_same(const struct snapshot *a, const struct snapshot *b)
{
	int i, j;

	for (i = 0; i < 6; i++) {
		assert_int_equal(a->n[i], b->n[i]);
		for (j = 0; j < a->n[i]; j++) {
			assert_int_equal(a->h[i][j].id, b->h[i][j].id);
			assert_true(a->h[i][j].score == b->h[i][j].score);
			assert_string_equal(a->ref[i][j], b->ref[i][j]);
		}
	}
}

static void test_compaction(void **state)
{
	struct match_index *ix = match_new();
	struct snapshot *a = xmalloc(sizeof(*a)), *b = xmalloc(sizeof(*b));
	struct tq t;
	int i, round;
	(void)state;

	for (i = 0; i < 100; i++)
		compaction_put(ix, i, 0);
	snapshot_take(ix, a);
	/* Many updates with the same content: compaction runs by itself. */
	for (round = 0; round < 3; round++)
		for (i = 0; i < 100; i++)
			compaction_put(ix, i, 0);
	assert_true(ix->ncompactions > 0);
	assert_true(ix->ndead * 4 <= ix->ndocs);
	snapshot_take(ix, b);
	snapshot_same(a, b);

	/* Different content, tombstones left; compacting changes nothing. */
	index_compact(ix);
	for (i = 0; i < 100; i += 5)
		compaction_put(ix, i, 1);
	assert_int_equal(match_remove_expert(ix, 1000 - 3), 0);
	assert_int_equal(ix->ndead, 21);
	snapshot_take(ix, a);
	index_compact(ix);
	assert_int_equal(ix->ndead, 0);
	assert_int_equal(ix->ndocs, 99);
	snapshot_take(ix, b);
	snapshot_same(a, b);
	/* And writes after a compaction still work. */
	compaction_put(ix, 3, 2);
	assert_int_equal(match_experts(ix), 100);
	/* A word whose every doc is gone leaves no list behind. */
	put_text(ix, 5000, "solo", "unique");
	assert_int_equal(match_remove_expert(ix, 5000), 0);
	index_compact(ix);
	tq_init(&t, "unique");
	expect_none(ix, &t);
	put_text(ix, 5000, "solo", "unique");
	EXPECT(ix, &t, 5000);
	free(a);
	free(b);
	match_free(ix);
}

static void test_memory(void **state)
{
	struct match_index *ix = match_new();
	size_t empty = match_memory(ix), full;
	int i;
	(void)state;

	assert_true(empty >= sizeof(struct match_index));
	for (i = 0; i < 500; i++)
		compaction_put(ix, i, 0);
	full = match_memory(ix);
	assert_true(full > empty + 500 * sizeof(struct doc));
	assert_true(full < empty + 500 * 4096);
	match_free(ix);
}

/* ---- needs ---- */

struct tn {
	struct match_need n;
	struct match_need_skill sk[MATCH_NEED_SKILLS];
	struct match_lang lg[4];
};

static void tn_init(struct tn *t, int64_t id)
{
	memset(t, 0, sizeof(*t));
	t->n.id = id;
	t->n.institution_id = 100;
	t->n.skills = t->sk;
	t->n.langs = t->lg;
}

static void tn_skill(struct tn *t, const char *id, const char *domain, int required, int min)
{
	struct match_need_skill *s = &t->sk[t->n.nskills++];

	s->id = id;
	s->domain = domain;
	s->required = required;
	s->min_level = min;
}

static void tn_lang(struct tn *t, const char *code, int level)
{
	t->lg[t->n.nlangs].code = code;
	t->lg[t->n.nlangs++].level = level;
}

/* Sum of value x weight, as the score should be. */
static double weighted(const double *v)
{
	double sum = 0;
	int i;

	for (i = 0; i < FACTOR_COUNT; i++)
		sum += v[i] * match_factor_weight[i];
	return sum;
}

static void test_factor_tables(void **state)
{
	double sum = 0;
	int i, j;
	(void)state;

	for (i = 0; i < FACTOR_COUNT; i++) {
		sum += match_factor_weight[i];
		assert_non_null(match_factor_name[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(match_factor_name[i], match_factor_name[j]);
	}
	assert_true(near(sum, 100, 1e-12));
	assert_string_equal(match_factor_name[FACTOR_SKILLS], "skills");
	assert_string_equal(match_factor_name[FACTOR_FAIRNESS], "fairness");
}

/* Every factor of one pair, computed by hand. */
static void test_explain_every_factor(void **state)
{
	struct match_index *ix = match_new();
	struct match_explained out, list[2];
	const char *why = "unset";
	double want[FACTOR_COUNT] = {0};
	struct tx t;
	struct tn n;
	int i;
	(void)state;

	tx_init(&t, 1);
	tx_skill(&t, "A", "data", 4);
	tx_skill(&t, "B", "data", 2);
	tx_skill(&t, "X", "energy", 3);
	tx_skill(&t, "D", "data", 1);
	tx_sector(&t, "energie", 0);
	tx_sector(&t, "sante", 1);
	tx_lang(&t, "fr", 6);
	tx_lang(&t, "ar", 2);
	t.e.presence = MATCH_REMOTE | MATCH_ONSITE;
	t.e.utc_offset_min = 120; /* works 7-16 UTC; Morocco 8-17: 8 hours shared */
	tx_avail(&t, 995, 1002);
	tx_avail(&t, 1005, 1006);
	t.e.hours_per_month = 10;
	t.e.active_engagements = 1;
	t.e.confirmed = TODAY - 73;
	t.e.rating = 4;
	t.e.recent_engagements = 3;
	t.e.ref = "exp-1";
	tx_put(ix, &t);

	tn_init(&n, 77);
	tn_skill(&n, "A", "data", 1, 3);   /* held at 4: full */
	tn_skill(&n, "B", "data", 1, 4);   /* held at 2: 2/4 */
	tn_skill(&n, "C", "energy", 1, 2); /* not held, X shares its domain */
	tn_skill(&n, "D", "data", 0, 1);   /* nice, held */
	tn_skill(&n, "E", "health", 0, 1); /* nice, missing */
	n.n.sector = "energie";
	tn_lang(&n, "fr", 5);
	tn_lang(&n, "ar", 4);
	tn_lang(&n, "en", 3);
	n.n.presence = MATCH_REMOTE;
	n.n.from = 1000;
	n.n.to = 1009;
	n.n.hours_per_month = 20;

	want[FACTOR_SKILLS] = (1 + 0.5 + 0) / 3;
	want[FACTOR_RELATED] = 0.5 / 3;
	want[FACTOR_NICE] = 0.5;
	want[FACTOR_SECTOR] = 0.7;
	want[FACTOR_LANGUAGES] = (1 + 0.5 + 0) / 3;
	want[FACTOR_PRESENCE] = 8.0 / 9;
	want[FACTOR_AVAILABILITY] = 5.0 / 10; /* 1000-1002 and 1005-1006 */
	want[FACTOR_STAY] = 0;                /* remote: not applicable */
	want[FACTOR_CAPACITY] = 0.5 / 2;
	want[FACTOR_FRESHNESS] = 1 - 73.0 / 365;
	want[FACTOR_EVALUATIONS] = 0.75;
	want[FACTOR_FAIRNESS] = 0.25;

	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 0);
	assert_null(why);
	assert_int_equal(out.id, 1);
	assert_string_equal(out.ref, "exp-1");
	for (i = 0; i < FACTOR_COUNT; i++) {
		if (!near(out.value[i], want[i], 1e-12))
			fprintf(stderr, "factor %s: %g, want %g\n", match_factor_name[i],
			        out.value[i], want[i]);
		assert_true(near(out.value[i], want[i], 1e-12));
		assert_true(near(out.contribution[i], want[i] * match_factor_weight[i], 1e-12));
		assert_int_equal(out.missing[i], 0);
	}
	assert_true(near(out.score, weighted(want), 1e-9));
	assert_int_equal(out.tz_overlap_hours, 8);
	assert_int_equal(out.skills[0].cover, COVER_FULL);
	assert_int_equal(out.skills[0].level, 4);
	assert_int_equal(out.skills[1].cover, COVER_BELOW);
	assert_int_equal(out.skills[1].level, 2);
	assert_int_equal(out.skills[2].cover, COVER_RELATED);
	assert_int_equal(out.skills[2].level, 3);
	assert_string_equal(out.skills[2].related, "X");
	assert_int_equal(out.skills[3].cover, COVER_FULL);
	assert_int_equal(out.skills[4].cover, COVER_NONE);
	assert_null(out.skills[4].related);

	/* match_need agrees with match_explain. */
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 2, list), 1);
	assert_int_equal(list[0].id, 1);
	assert_true(list[0].score == out.score);
	match_free(ix);
}

static void test_onsite_stay_and_flexible(void **state)
{
	struct match_index *ix = match_new();
	struct match_explained out;
	const char *why;
	struct tx t;
	struct tn n;
	(void)state;

	tx_init(&t, 1);
	tx_skill(&t, "A", NULL, 3);
	t.e.presence = MATCH_HYBRID;
	t.e.utc_offset_min = 60;
	tx_stay(&t, 1005, 1020);
	tx_avail(&t, TODAY - 5, TODAY + 30);
	tx_put(ix, &t);

	tn_init(&n, 1);
	tn_skill(&n, "A", NULL, 1, 3);
	n.n.presence = MATCH_ONSITE;
	n.n.from = 1000;
	n.n.to = 1009;
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 0);
	assert_true(out.value[FACTOR_STAY] == 1);
	assert_true(out.value[FACTOR_PRESENCE] == 1);
	assert_int_equal(out.tz_overlap_hours, -1);
	assert_true(out.value[FACTOR_AVAILABILITY] == 0); /* not available then */
	assert_int_equal(out.missing[FACTOR_AVAILABILITY], 0);

	n.n.presence = MATCH_HYBRID; /* same zone as Morocco: all 9 hours */
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 0);
	assert_true(out.value[FACTOR_PRESENCE] == 1);
	assert_int_equal(out.tz_overlap_hours, 9);
	assert_true(out.value[FACTOR_STAY] == 1);

	n.n.from = n.n.to = 0; /* flexible: any availability still ahead */
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 0);
	assert_true(out.value[FACTOR_AVAILABILITY] == 1);
	assert_int_equal(out.missing[FACTOR_STAY], 1); /* no dates */
	assert_true(out.value[FACTOR_STAY] == 0);
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY + 31, DD, &out, &why), 0);
	assert_true(out.value[FACTOR_AVAILABILITY] == 0);

	/* One date: a start alone is that day; an end alone runs from today. */
	n.n.from = TODAY + 10;
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 0);
	assert_true(out.value[FACTOR_AVAILABILITY] == 1);
	assert_true(out.value[FACTOR_STAY] == 0); /* the stay ends at 1020 */
	assert_int_equal(out.missing[FACTOR_STAY], 0);
	n.n.from = 0;
	n.n.to = TODAY + 39;
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 0);
	assert_true(near(out.value[FACTOR_AVAILABILITY], 31.0 / 40, 1e-12));
	match_free(ix);
}

static void test_missing_data_scores_zero(void **state)
{
	struct match_index *ix = match_new();
	struct match_explained out;
	const char *why;
	struct tx t;
	struct tn n;
	int i;
	static const int missing[FACTOR_COUNT] = {
	        [FACTOR_NICE] = 1,     [FACTOR_SECTOR] = 1,       [FACTOR_LANGUAGES] = 1,
	        [FACTOR_PRESENCE] = 1, [FACTOR_AVAILABILITY] = 1, [FACTOR_STAY] = 1,
	        [FACTOR_CAPACITY] = 1, [FACTOR_EVALUATIONS] = 1,
	};
	(void)state;

	tx_init(&t, 2); /* one skill and nothing else */
	tx_skill(&t, "A", "data", 5);
	t.e.confirmed = TODAY;
	tx_put(ix, &t);

	tn_init(&n, 1);
	tn_skill(&n, "A", "data", 1, 3);
	n.n.sector = "energie";
	tn_lang(&n, "fr", 3);
	n.n.from = 1000;
	n.n.to = 1009;
	n.n.hours_per_month = 10;
	assert_int_equal(match_explain(ix, &n.n, 2, TODAY, DD, &out, &why), 0);
	for (i = 0; i < FACTOR_COUNT; i++) {
		assert_int_equal(out.missing[i], missing[i]);
		if (missing[i])
			assert_true(out.value[i] == 0 && out.contribution[i] == 0);
	}
	assert_true(out.value[FACTOR_SKILLS] == 1);
	assert_true(out.value[FACTOR_RELATED] == 0);
	assert_true(out.value[FACTOR_FRESHNESS] == 1);
	assert_true(out.value[FACTOR_FAIRNESS] == 1);
	assert_true(near(out.score,
	                 match_factor_weight[FACTOR_SKILLS] +
	                         match_factor_weight[FACTOR_FRESHNESS] +
	                         match_factor_weight[FACTOR_FAIRNESS],
	                 1e-12));
	assert_int_equal(out.tz_overlap_hours, -1);

	/* Remote need, remote expert, unknown time zone: presence is missing. */
	tx_init(&t, 3);
	tx_skill(&t, "A", "data", 5);
	t.e.presence = MATCH_REMOTE;
	tx_put(ix, &t);
	n.n.presence = MATCH_REMOTE;
	assert_int_equal(match_explain(ix, &n.n, 3, TODAY, DD, &out, &why), 0);
	assert_int_equal(out.missing[FACTOR_PRESENCE], 1);
	assert_true(out.value[FACTOR_PRESENCE] == 0);
	assert_int_equal(out.tz_overlap_hours, -1);
	match_free(ix);
}

/* Expert id with skill "A" (data) at level 4 and remote presence. */
static void exclusion_expert(struct tx *t, int64_t id)
{
	tx_init(t, id);
	tx_skill(t, "A", "data", 4);
	t->e.presence = MATCH_REMOTE;
}

static void test_exclusions(void **state)
{
	struct match_index *ix = match_new();
	struct match_explained out, list[8];
	const char *why;
	struct tx t;
	struct tn n;
	(void)state;

	exclusion_expert(&t, 1); /* eligible */
	tx_put(ix, &t);
	exclusion_expert(&t, 2);
	t.e.flags = MATCH_CONSENT_DIRECTORY;
	tx_put(ix, &t);
	exclusion_expert(&t, 3);
	t.e.confirmed = TODAY - DD - 1;
	tx_put(ix, &t);
	exclusion_expert(&t, 4);
	t.e.flags |= MATCH_PAUSED;
	tx_put(ix, &t);
	exclusion_expert(&t, 5);
	t.cf[0] = 7;
	t.cf[1] = 100;
	t.e.nconflicts = 2;
	tx_put(ix, &t);
	exclusion_expert(&t, 6);
	t.e.presence = MATCH_ONSITE;
	tx_put(ix, &t);
	exclusion_expert(&t, 7);
	t.e.presence = 0;
	tx_put(ix, &t);
	tx_init(&t, 8);
	tx_skill(&t, "Z", "law", 5);
	t.e.presence = MATCH_REMOTE;
	tx_put(ix, &t);
	exclusion_expert(&t, 9); /* hybrid suits a remote need */
	t.e.presence = MATCH_HYBRID;
	tx_put(ix, &t);

	tn_init(&n, 1);
	tn_skill(&n, "A", "data", 1, 3);
	n.n.presence = MATCH_REMOTE;
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 0);
	assert_null(why);
	assert_int_equal(match_explain(ix, &n.n, 2, TODAY, DD, &out, &why), 1);
	assert_string_equal(why, "consent");
	assert_int_equal(out.id, 2); /* filled all the same */
	assert_true(out.value[FACTOR_SKILLS] == 1);
	assert_int_equal(match_explain(ix, &n.n, 3, TODAY, DD, &out, &why), 1);
	assert_string_equal(why, "dormant");
	assert_int_equal(match_explain(ix, &n.n, 4, TODAY, DD, &out, &why), 1);
	assert_string_equal(why, "paused");
	assert_int_equal(match_explain(ix, &n.n, 5, TODAY, DD, &out, &why), 1);
	assert_string_equal(why, "conflict");
	assert_int_equal(match_explain(ix, &n.n, 6, TODAY, DD, &out, &why), 1);
	assert_string_equal(why, "presence");
	assert_int_equal(match_explain(ix, &n.n, 7, TODAY, DD, &out, &why), 1);
	assert_string_equal(why, "presence"); /* no stated presence is not agreement */
	assert_int_equal(match_explain(ix, &n.n, 8, TODAY, DD, &out, &why), 1);
	assert_string_equal(why, "no_overlap");
	assert_int_equal(match_explain(ix, &n.n, 9, TODAY, DD, &out, &why), 0);
	assert_int_equal(match_explain(ix, &n.n, 99, TODAY, DD, &out, &why), -1);

	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 2);
	assert_int_equal(list[0].id, 1);
	assert_int_equal(list[1].id, 9);
	/* Another institution: no conflict for 5. */
	n.n.institution_id = 101;
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 3);
	/* Onsite need: 6 and 9 fit. */
	n.n.presence = MATCH_ONSITE;
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 2);
	assert_int_equal(list[0].id, 6);
	/* ... and 1, who offers remote work only, once it plans a stay in Morocco
	 * overlapping the need's dates (the stay factor counts it); a stay at
	 * other dates does not. */
	n.n.from = TODAY + 30;
	n.n.to = TODAY + 40;
	tx_init(&t, 1);
	tx_skill(&t, "A", "data", 4);
	t.e.presence = MATCH_REMOTE;
	tx_stay(&t, TODAY + 100, TODAY + 120);
	tx_put(ix, &t);
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 1);
	assert_string_equal(why, "presence");
	tx_init(&t, 1);
	tx_skill(&t, "A", "data", 4);
	t.e.presence = MATCH_REMOTE;
	tx_stay(&t, TODAY + 35, TODAY + 50);
	tx_put(ix, &t);
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), 0);
	assert_true(out.value[FACTOR_STAY] == 1);
	assert_true(out.value[FACTOR_PRESENCE] == 0);
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 3);
	n.n.from = n.n.to = 0;

	/* Invalid needs and ranges. */
	n.sk[0].min_level = 0;
	assert_int_equal(match_explain(ix, &n.n, 1, TODAY, DD, &out, &why), -1);
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), -1);
	n.sk[0].min_level = 3;
	n.n.presence = MATCH_ONSITE | MATCH_REMOTE;
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), -1);
	n.n.presence = 0;
	n.n.from = 20;
	n.n.to = 10;
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), -1);
	n.n.from = n.n.to = 0;
	tn_skill(&n, "A", "data", 0, 1); /* twice */
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), -1);
	n.n.nskills = 1;
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, MATCH_MAX_K, 1, list), -1);
	match_free(ix);
}

/* Matching within networks: only members of the networks asked for. */
static void test_need_networks(void **state)
{
	struct match_index *ix = match_new();
	struct match_explained list[8];
	const char *slot[2];
	struct tx t;
	struct tn n;
	(void)state;

	for (int64_t id = 1; id <= 3; id++) {
		tx_init(&t, id);
		tx_skill(&t, "A", "data", 4);
		if (id > 1)
			tx_net(&t, id == 2 ? "europe" : "singapore");
		tx_put(ix, &t);
	}
	tn_init(&n, 1);
	tn_skill(&n, "A", "data", 1, 3);
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 3);
	slot[0] = "europe";
	slot[1] = "singapore";
	n.n.networks = (struct match_strs){slot, 1};
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 1);
	assert_int_equal(list[0].id, 2);
	n.n.networks.n = 2;
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 2);
	slot[0] = "nobody-is-here";
	n.n.networks.n = 1;
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 0);
	slot[0] = NULL;
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), -1);
	match_free(ix);
}

static void test_need_ranking(void **state)
{
	struct match_index *ix = match_new();
	struct match_explained list[8];
	struct tx t;
	struct tn n;
	(void)state;

	tx_init(&t, 1);
	tx_skill(&t, "A", "data", 5);
	tx_put(ix, &t);
	tx_init(&t, 2);
	tx_skill(&t, "A", "data", 1);
	tx_put(ix, &t);
	tx_init(&t, 3);
	tx_skill(&t, "Y", "data", 4);
	tx_put(ix, &t);
	tx_init(&t, 4);
	tx_sector(&t, "energie", 0);
	tx_put(ix, &t);
	tx_init(&t, 5);
	tx_skill(&t, "Z", "law", 5);
	tx_put(ix, &t);
	tx_init(&t, 6); /* same as 1: tie broken by id */
	tx_skill(&t, "A", "data", 5);
	tx_put(ix, &t);

	tn_init(&n, 1);
	tn_skill(&n, "A", "data", 1, 3);
	n.n.sector = "energie";
	/* 1 and 6: all the skills weight; 2: a third of it; 3: half the related
	 * weight; 4: sector 0.7 x its weight (the weights put 3 before 4). */
	const double *w = match_factor_weight;
	assert_true(w[FACTOR_RELATED] * 0.5 > w[FACTOR_SECTOR] * 0.7);
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 5);
	assert_int_equal(list[0].id, 1);
	assert_int_equal(list[1].id, 6);
	assert_int_equal(list[2].id, 2);
	assert_int_equal(list[3].id, 3);
	assert_int_equal(list[4].id, 4);
	assert_true(list[0].score == list[1].score);
	assert_true(near(list[2].score - list[3].score,
	                 w[FACTOR_SKILLS] / 3 - w[FACTOR_RELATED] * 0.5, 1e-9));
	assert_true(near(list[3].score - list[4].score,
	                 w[FACTOR_RELATED] * 0.5 - w[FACTOR_SECTOR] * 0.7, 1e-9));
	assert_int_equal(list[3].skills[0].cover, COVER_RELATED);
	assert_string_equal(list[3].skills[0].related, "Y");
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 2, 2, list), 2);
	assert_int_equal(list[0].id, 2);
	assert_int_equal(list[1].id, 3);
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 1, list), 1);
	assert_int_equal(list[0].id, 1);
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 0, NULL), 0);
	/* An unknown skill and sector: nobody. */
	tn_init(&n, 2);
	tn_skill(&n, "unknown", "nowhere", 1, 3);
	n.n.sector = "nowhere";
	assert_int_equal(match_need(ix, &n.n, TODAY, DD, 0, 8, list), 0);
	match_free(ix);
}

static void test_recommend(void **state)
{
	struct match_index *ix = match_new();
	struct match_explained list[8];
	struct tx t;
	struct tn n;
	(void)state;

	tx_init(&t, 1);
	tx_skill(&t, "A", "data", 4);
	tx_sector(&t, "energie", 1);
	t.e.presence = MATCH_REMOTE;
	t.cf[0] = 400;
	t.e.nconflicts = 1;
	tx_put(ix, &t);

	tn_init(&n, 10); /* A must-have */
	tn_skill(&n, "A", "data", 1, 3);
	n.n.ref = "need-10";
	assert_int_equal(match_put_need(ix, &n.n), 0);
	tn_init(&n, 11); /* nothing in common */
	tn_skill(&n, "Q", "law", 1, 3);
	assert_int_equal(match_put_need(ix, &n.n), 0);
	tn_init(&n, 12); /* onsite */
	n.n.sector = "energie";
	n.n.presence = MATCH_ONSITE;
	assert_int_equal(match_put_need(ix, &n.n), 0);
	tn_init(&n, 13); /* a conflicting institution */
	tn_skill(&n, "A", "data", 1, 3);
	n.n.institution_id = 400;
	assert_int_equal(match_put_need(ix, &n.n), 0);
	tn_init(&n, 14); /* A nice-to-have and the sector */
	tn_skill(&n, "A", "data", 0, 3);
	n.n.sector = "energie";
	assert_int_equal(match_put_need(ix, &n.n), 0);
	assert_int_equal(match_needs(ix), 5);

	assert_int_equal(match_recommend(ix, 1, TODAY, DD, 8, list), 2);
	assert_int_equal(list[0].id, 10); /* 30 + ... */
	assert_string_equal(list[0].ref, "need-10");
	assert_int_equal(list[1].id, 14); /* 6 + 8 + ... */
	assert_true(list[0].score > list[1].score);
	assert_int_equal(match_recommend(ix, 1, TODAY, DD, 1, list), 1);
	assert_int_equal(match_recommend(ix, 2, TODAY, DD, 8, list), -1);

	/* Replace 14 to be onsite: excluded; remove 10. */
	n.n.presence = MATCH_ONSITE;
	assert_int_equal(match_put_need(ix, &n.n), 0);
	assert_int_equal(match_needs(ix), 5);
	assert_int_equal(match_remove_need(ix, 10), 0);
	assert_int_equal(match_remove_need(ix, 10), -1);
	assert_int_equal(match_recommend(ix, 1, TODAY, DD, 8, list), 0);
	n.n.presence = MATCH_HYBRID;
	assert_int_equal(match_put_need(ix, &n.n), 0);
	assert_int_equal(match_recommend(ix, 1, TODAY, DD, 8, list), 1);
	assert_int_equal(list[0].id, 14);
	assert_true(match_memory(ix) > sizeof(struct match_index) + 4 * sizeof(struct need_rec));
	n.sk[0].min_level = 9;
	assert_int_equal(match_put_need(ix, &n.n), -1);
	match_free(ix);
}

/* ---- randomized cross-checks against brute force ---- */

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int rint_(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

static double runit(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

#define RV 60   /* vocabulary */
#define RD 2000 /* documents */
#define RMAXTOK 40

static const int rlen[MF_FIELDS] = {3, 6, 8, 30, 10}; /* most tokens per field */
static const int rw2[MF_FIELDS] = {6, 5, 4, 2, 2};    /* 2 x the field weights */
static char rwords[RV][16];
static const char *const rcountries[] = {"c0", "c1", "c2", "c3"};
static const char *const rnets[] = {"n0", "n1", "n2"};
/* Facet values: a doc's facet record holds a few of each (struct frec),
 * more spill to the pool; docs of both kinds are drawn. */
static const char *const fskills[] = {"k0", "k1", "k2", "k3", "k4",  "k5",
                                      "k6", "k7", "k8", "k9", "k10", "k11"};
static const char *const fsectors[] = {"s0", "s1", "s2", "s3", "s4", "s5"};
static const char *const flangs[] = {"ar", "fr", "en", "es", "de", "it", "nl", "zgh"};

/* The test's own model of a document. */
struct rdoc {
	int live;
	unsigned flags;
	int country;
	unsigned nets, skills, nfree, sectors, preferred, langs; /* bit sets, as rnets... */
	int32_t confirmed;
	int ntok[MF_FIELDS];
	uint8_t tok[MF_FIELDS][RMAXTOK];
};

/* Skewed: low word numbers are common (w0 in about a quarter of tokens). */
static int rword(void)
{
	double u = runit();

	return (int)(RV * u * u * u);
}

static int64_t rid(int i)
{
	return 1000000 - 3 * (int64_t)i; /* ids run against doc numbers */
}

/* A random set of up to max of the n values (none one time in six). */
static unsigned rbits(int n, int max)
{
	unsigned b = 0;
	int k = rint_(6) == 0 ? 0 : 1 + rint_(max), i;

	for (i = 0; i < k; i++)
		b |= 1u << rint_(n);
	return b;
}

static void rdoc_gen(struct rdoc *d)
{
	int f, i, r = rint_(20);

	d->live = 1;
	d->flags = 0;
	for (i = 0; i < 4; i++)
		if (rint_(10) < 8)
			d->flags |= 1u << i;
	if (rint_(10) == 0)
		d->flags |= MATCH_PAUSED;
	d->country = rint_(4);
	d->nets = rbits(3, rint_(4) == 0 ? 3 : 1);
	d->skills = rbits(12, rint_(5) == 0 ? 12 : 5);
	d->nfree = (unsigned)rint_(3);
	d->sectors = rbits(6, rint_(5) == 0 ? 6 : 4);
	d->preferred = d->sectors & (unsigned)rnd();
	d->langs = rbits(8, rint_(5) == 0 ? 8 : 5);
	d->confirmed = r == 0 ? 0 : r < 3 ? TODAY - DD - 1 - rint_(100) : TODAY - rint_(DD);
	for (f = 0; f < MF_FIELDS; f++) {
		d->ntok[f] = (f == MF_NAME ? 1 : 0) + rint_(rlen[f] + 1);
		for (i = 0; i < d->ntok[f]; i++)
			d->tok[f][i] = (uint8_t)rword();
	}
}

static void rdoc_put(struct match_index *ix, const struct rdoc *d, int i)
{
	struct tx t;
	int f, k;

	tx_init(&t, rid(i));
	for (f = 0; f < MF_FIELDS; f++) {
		for (k = 0; k < d->ntok[f]; k++)
			t.tok[f][k] = rwords[d->tok[f][k]];
		t.e.tokens[f].n = (size_t)d->ntok[f];
	}
	t.e.flags = d->flags;
	t.e.country = rcountries[d->country];
	for (k = 0; k < 3; k++)
		if (d->nets >> k & 1)
			tx_net(&t, rnets[k]);
	for (k = 0; k < 12; k++)
		if (d->skills >> k & 1)
			tx_skill(&t, fskills[k], NULL, 1 + k % 4);
	for (k = 0; k < (int)d->nfree; k++)
		tx_skill(&t, NULL, NULL, 2); /* a free skill: not counted */
	for (k = 0; k < 6; k++)
		if (d->sectors >> k & 1)
			tx_sector(&t, fsectors[k], d->preferred >> k & 1);
	for (k = 0; k < 8; k++)
		if (d->langs >> k & 1)
			tx_lang(&t, flangs[k], 1 + k % 5);
	t.e.confirmed = d->confirmed;
	tx_put(ix, &t);
}

/* A random query: clauses of words (-1: a word the index never saw). */
struct rquery {
	int nc, nt[4], w[4][3];
	int any, audience, peer, country, offset, limit;
};

static void rquery_gen(struct rquery *q)
{
	int i, j;

	q->nc = 1 + rint_(4);
	for (i = 0; i < q->nc; i++) {
		q->nt[i] = 1 + rint_(3);
		for (j = 0; j < q->nt[i]; j++)
			q->w[i][j] = rint_(40) == 0 ? -1 : rword();
	}
	q->any = rint_(2);
	q->audience = rint_(5); /* every enum match_audience */
	q->peer = rint_(3);
	q->country = rint_(4) == 0 ? rint_(4) : -1;
	q->offset = rint_(4) == 0 ? rint_(30) : 0;
	q->limit = rint_(5) == 0 ? 1 + rint_(200) : 1 + rint_(20);
}

static void rquery_build(const struct rquery *r, struct tq *t, const char **slots)
{
	int i, j;

	tq_init(t, "");
	for (i = 0; i < r->nc; i++) {
		for (j = 0; j < r->nt[i]; j++)
			t->terms[i][j] = r->w[i][j] < 0 ? "unseen" : rwords[r->w[i][j]];
		t->cl[i].terms = t->terms[i];
		t->cl[i].nterms = (size_t)r->nt[i];
	}
	t->q.nclauses = (size_t)r->nc;
	t->q.any = r->any;
	t->q.audience = (enum match_audience)r->audience;
	t->q.peer_networks = one(&slots[0], rnets[r->peer]);
	if (r->country >= 0)
		t->q.filters.countries = one(&slots[1], rcountries[r->country]);
	t->q.offset = (size_t)r->offset;
	t->q.limit = (size_t)r->limit;
}

/* The audience may see d (the country filter aside). */
static int raudience(const struct rdoc *d, const struct rquery *q)
{
	static const unsigned consent[] = {MATCH_CONSENT_DIRECTORY, MATCH_CONSENT_NETWORKS,
	                                   MATCH_CONSENT_INSTITUTIONS, MATCH_CONSENT_PROGRAMME};
	int dormant = d->confirmed == 0 || TODAY - d->confirmed > DD;

	if (!d->live || (q->audience != MATCH_FOR_PROGRAMME && dormant))
		return 0;
	if (q->audience == MATCH_FOR_INSTITUTION && (d->flags & MATCH_PAUSED))
		return 0;
	int peer = (d->flags & MATCH_CONSENT_NETWORKS) && (d->nets >> q->peer & 1);
	if (q->audience == MATCH_FOR_PEERS) /* the directory, or peers of a shared network */
		return (d->flags & MATCH_CONSENT_DIRECTORY) || peer;
	if (q->audience == MATCH_FOR_NETWORK) /* peers of a shared network only */
		return peer;
	return (d->flags & consent[q->audience]) != 0;
}

/* Facet counts by brute force: countries ignore their own filter. */
struct rfacets {
	size_t country[4], net[3], skill[12], sector[6], lang[8];
};

struct rhit {
	int64_t id;
	double score;
};

static int rhit_cmp(const void *a, const void *b)
{
	const struct rhit *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Scores every live doc as BM25F says; returns the matches, sorted, and
 * counts their facets. */
static int rbrute(const struct rdoc *docs, int nd, const struct rquery *q, struct rhit *out,
                  struct rfacets *fc)
{
	int df[RV] = {0}, n = 0, live = 0, i, f, k, c, j, tf2[RV];
	uint64_t dl2sum = 0;
	struct bm25 bm;

	for (i = 0; i < nd; i++) {
		int seen[RV] = {0};

		if (!docs[i].live)
			continue;
		live++;
		for (f = 0; f < MF_FIELDS; f++) {
			dl2sum += (uint64_t)(rw2[f] * docs[i].ntok[f]);
			for (k = 0; k < docs[i].ntok[f]; k++)
				seen[docs[i].tok[f][k]] = 1;
		}
		for (k = 0; k < RV; k++)
			df[k] += seen[k];
	}
	bm.n = live;
	bm.avgdl = (double)dl2sum / 2.0 / (double)live;
	for (i = 0; i < nd; i++) {
		double score = 0;
		int dl2 = 0, matched = 0;

		if (!raudience(&docs[i], q))
			continue;
		memset(tf2, 0, sizeof(tf2));
		for (f = 0; f < MF_FIELDS; f++) {
			dl2 += rw2[f] * docs[i].ntok[f];
			for (k = 0; k < docs[i].ntok[f]; k++)
				tf2[docs[i].tok[f][k]] += rw2[f];
		}
		for (c = 0; c < q->nc; c++) {
			double best = 0;
			int hit = 0;

			for (j = 0; j < q->nt[c]; j++) {
				int w = q->w[c][j];
				double s;

				if (w < 0 || tf2[w] == 0)
					continue;
				hit = 1;
				s = bm25_term(bm25_idf(&bm, (uint32_t)df[w]), tf2[w] * 0.5,
				              dl2 * 0.5, bm.avgdl);
				if (s > best)
					best = s;
			}
			matched += hit;
			score += best;
		}
		if (q->any ? matched == 0 : matched < q->nc)
			continue;
		fc->country[docs[i].country]++;
		if (q->country >= 0 && docs[i].country != q->country)
			continue;
		for (k = 0; k < 3; k++)
			fc->net[k] += docs[i].nets >> k & 1;
		for (k = 0; k < 12; k++)
			fc->skill[k] += docs[i].skills >> k & 1;
		for (k = 0; k < 6; k++)
			fc->sector[k] += docs[i].sectors >> k & 1;
		for (k = 0; k < 8; k++)
			fc->lang[k] += docs[i].langs >> k & 1;
		out[n].id = rid(i);
		out[n].score = score;
		n++;
	}
	qsort(out, (size_t)n, sizeof(*out), rhit_cmp);
	return n;
}

static void rcheck(struct match_index *ix, const struct rdoc *docs, int nd, struct rhit *want,
                   struct match_hit *got)
{
	struct rquery r;
	struct tq t;
	const char *slots[2];
	struct rfacets fc;
	struct match_facets *f;
	int n, g, i;

	memset(&fc, 0, sizeof(fc));
	rquery_gen(&r);
	rquery_build(&r, &t, slots);
	n = rbrute(docs, nd, &r, want, &fc);
	g = match_search(ix, &t.q, got);
	assert_int_equal(g, n - r.offset < 0 ? 0 : n - r.offset > r.limit ? r.limit : n - r.offset);
	for (i = 0; i < g; i++) {
		if (got[i].id != want[r.offset + i].id)
			fprintf(stderr, "rank %d: got %lld (%.17g), want %lld (%.17g)\n", i,
			        (long long)got[i].id, got[i].score,
			        (long long)want[r.offset + i].id, want[r.offset + i].score);
		assert_int_equal(got[i].id, want[r.offset + i].id);
		assert_true(near(got[i].score, want[r.offset + i].score, EPS));
	}
	if (rint_(4) == 0) { /* facets count every match, unpruned */
		f = match_facets(ix, &t.q, 12);
		assert_int_equal(f->total, n);
		for (i = 0; i < 4; i++)
			assert_int_equal(facet_count(f, FACET_COUNTRY, rcountries[i]),
			                 fc.country[i]);
		for (i = 0; i < 3; i++)
			assert_int_equal(facet_count(f, FACET_NETWORK, rnets[i]), fc.net[i]);
		for (i = 0; i < 12; i++) {
			assert_int_equal(facet_count(f, FACET_SKILL, fskills[i]), fc.skill[i]);
			if (i < 6)
				assert_int_equal(facet_count(f, FACET_SECTOR, fsectors[i]),
				                 fc.sector[i]);
			if (i < 8)
				assert_int_equal(facet_count(f, FACET_LANGUAGE, flangs[i]),
				                 fc.lang[i]);
		}
		match_facets_free(f);
	}
}

/* ---- snapshots: save, load, and the loaded index behaves the same ---- */

struct membuf {
	uint8_t *p;
	size_t n, cap;
};

static int mem_write(void *ud, const void *p, size_t n)
{
	struct membuf *b = ud;

	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

static int fail_write(void *ud, const void *p, size_t n)
{
	(void)ud;
	(void)p;
	(void)n;
	return -1;
}

/* Saves ix, loads it back (freeing ix) and checks the copy saves to the
 * same bytes; damaged or truncated bytes are refused. */
static struct match_index *roundtrip(struct match_index *ix)
{
	struct membuf a = {NULL, 0, 0}, b = {NULL, 0, 0};
	struct match_snapshot_meta meta = {{7, 1800000000, 42}}, back;
	struct match_index *copy;

	assert_int_equal(match_save(ix, &meta, mem_write, &a), 0);
	assert_int_equal(match_save(ix, &meta, fail_write, NULL), -1);
	copy = match_load(a.p, a.n, &back);
	assert_non_null(copy);
	assert_memory_equal(back.words, meta.words, sizeof(meta.words));
	assert_int_equal(match_save(copy, &meta, mem_write, &b), 0);
	assert_int_equal(b.n, a.n);
	assert_memory_equal(b.p, a.p, a.n);
	assert_int_equal(match_experts(copy), match_experts(ix));
	for (size_t at = 0; at < a.n; at += 1 + a.n / 7) {
		a.p[at] ^= 0x10;
		assert_null(match_load(a.p, a.n, NULL));
		a.p[at] ^= 0x10;
	}
	assert_null(match_load(a.p, a.n - 1, NULL));
	assert_null(match_load(a.p, 10, NULL));
	assert_null(match_load(NULL, 0, NULL));
	free(a.p);
	free(b.p);
	match_free(ix);
	return copy;
}

static void test_snapshot_empty_and_small(void **state)
{
	struct match_index *ix = roundtrip(match_new());
	struct tq t;
	(void)state;

	assert_int_equal(match_experts(ix), 0);
	put_text(ix, 1, "amal", "hydraulique");
	put_text(ix, 2, "badr", "hydraulique");
	ix = roundtrip(ix);
	tq_init(&t, "hydraulique");
	EXPECT(ix, &t, 1, 2);
	assert_int_equal(match_remove_expert(ix, 1), 0);
	put_text(ix, 3, "chama", "hydraulique");
	EXPECT(ix, &t, 2, 3);
	tq_init(&t, "chama");
	EXPECT(ix, &t, 3);
	match_free(ix);
}

static void test_random_search_is_exact(void **state)
{
	struct match_index *ix = match_new();
	struct rdoc *docs = xcalloc(RD + 500, sizeof(*docs));
	struct rhit *want = xmalloc((RD + 500) * sizeof(*want));
	struct match_hit *got = xmalloc(MATCH_MAX_K * sizeof(*got));
	int nd = RD, i, q, round;
	(void)state;

	for (i = 0; i < RV; i++)
		snprintf(rwords[i], sizeof(rwords[i]), "w%d", i);
	for (i = 0; i < nd; i++) {
		rdoc_gen(&docs[i]);
		rdoc_put(ix, &docs[i], i);
	}
	for (round = 0; round < 4; round++) {
		if (round > 0)
			ix = roundtrip(ix); /* the rest runs on the snapshot's copy */
		for (q = 0; q < 150; q++)
			rcheck(ix, docs, nd, want, got);
		/* Updates, removals and additions: tombstones, then compaction. */
		for (i = 0; i < 250 * (round + 1); i++) {
			int k = rint_(nd), op = rint_(10);

			if (op < 6 || !docs[k].live) {
				rdoc_gen(&docs[k]);
				rdoc_put(ix, &docs[k], k);
			} else if (op < 9) {
				docs[k].live = 0;
				assert_int_equal(match_remove_expert(ix, rid(k)), 0);
			} else if (nd < RD + 500) {
				rdoc_gen(&docs[nd]);
				rdoc_put(ix, &docs[nd], nd);
				nd++;
			}
		}
	}
	assert_true(ix->ncompactions > 0);
	free(docs);
	free(want);
	free(got);
	match_free(ix);
}

/* ---- need -> experts against every pair explained ---- */

#define RE 1500
#define RSKILLS 40

static char rskill[RSKILLS][16], rdomain[8][16];
static const char *const rsectors[] = {"e0", "e1", "e2", "e3", "e4", "e5"};
static const char *const rlangs[] = {"fr", "ar", "en", "es"};

static const char *rskill_domain(int s)
{
	return s % 10 == 9 ? NULL : rdomain[s % 8];
}

static void rexpert_skills(struct tx *t)
{
	int n = rint_(7), i, s;

	for (i = 0; i < n; i++) {
		s = rint_(RSKILLS);
		if (rint_(10) == 0)
			tx_skill(t, NULL, rdomain[rint_(8)], 1 + rint_(5));
		else
			tx_skill(t, rskill[s], rskill_domain(s), 1 + rint_(5));
	}
}

static void rexpert_put(struct match_index *ix, int64_t id)
{
	struct tx t;
	int i, n;

	tx_init(&t, id);
	rexpert_skills(&t);
	for (i = rint_(3); i > 0; i--)
		tx_sector(&t, rsectors[rint_(6)], rint_(2));
	for (n = rint_(4), i = 0; i < n; i++)
		tx_lang(&t, rlangs[(i + (int)id) % 4], 1 + rint_(6));
	t.e.presence = (unsigned)rint_(8);
	t.e.utc_offset_min = rint_(5) == 0 ? MATCH_TZ_UNKNOWN : -600 + 30 * rint_(41);
	for (i = rint_(3); i > 0; i--) {
		int32_t from = TODAY - 50 + rint_(150);

		tx_avail(&t, from, from + rint_(60));
	}
	if (rint_(3) == 0)
		tx_stay(&t, TODAY + rint_(100), TODAY + 100 + rint_(50));
	t.e.hours_per_month = rint_(3) == 0 ? 0 : 5 + rint_(40);
	t.e.rating = rint_(3) == 0 ? 0 : 1 + 4 * runit();
	t.e.recent_engagements = rint_(4);
	t.e.active_engagements = rint_(3);
	t.e.flags = (rint_(8) ? MATCH_CONSENT_INSTITUTIONS : 0) | (rint_(10) ? 0 : MATCH_PAUSED);
	t.e.confirmed = rint_(20) == 0 ? 0 : TODAY - rint_(DD + 100);
	if (rint_(10) == 0) {
		t.cf[0] = 1 + rint_(3);
		t.e.nconflicts = 1;
	}
	tx_put(ix, &t);
}

static void rneed_gen(struct tn *n)
{
	static const unsigned presences[] = {0, MATCH_REMOTE, MATCH_ONSITE, MATCH_HYBRID};
	int k = rint_(6), i, j, s;

	tn_init(n, 1);
	for (i = 0; i < k; i++) {
		s = rint_(RSKILLS);
		for (j = 0; j < (int)n->n.nskills; j++)
			if (strcmp(n->sk[j].id, rskill[s]) == 0)
				break;
		if (j == (int)n->n.nskills)
			tn_skill(n, rskill[s], rskill_domain(s), rint_(3) != 0, 1 + rint_(5));
	}
	n->n.sector = rint_(5) < 3 ? rsectors[rint_(6)] : NULL;
	for (i = rint_(3); i > 0; i--)
		tn_lang(n, rlangs[rint_(4)], 1 + rint_(6));
	n->n.presence = presences[rint_(4)];
	if (rint_(2)) {
		n->n.from = TODAY + rint_(60);
		n->n.to = n->n.from + rint_(60);
	}
	if (rint_(6) == 0)
		n->n.to = 0; /* a start alone */
	else if (rint_(6) == 0)
		n->n.from = 0; /* an end alone (or none) */
	n->n.hours_per_month = rint_(2) ? 0 : 10 + rint_(30);
	n->n.institution_id = 1 + rint_(3);
}

static int rexp_cmp(const void *a, const void *b)
{
	const struct match_explained *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void rneed_check(struct match_index *ix, const int *live, int ne,
                        struct match_explained *all, struct match_explained *got)
{
	struct tn n;
	const char *why;
	size_t offset = rint_(4) == 0 ? (size_t)rint_(10) : 0, limit = 1 + (size_t)rint_(25);
	int i, m = 0, g;

	rneed_gen(&n);
	for (i = 0; i < ne; i++)
		if (live[i] && match_explain(ix, &n.n, i + 1, TODAY, DD, &all[m], &why) == 0)
			m++;
	qsort(all, (size_t)m, sizeof(*all), rexp_cmp);
	g = match_need(ix, &n.n, TODAY, DD, offset, limit, got);
	assert_int_equal(g, (int)offset >= m               ? 0
	                    : m - (int)offset > (int)limit ? (int)limit
	                                                   : m - (int)offset);
	for (i = 0; i < g; i++) {
		assert_int_equal(got[i].id, all[offset + (size_t)i].id);
		assert_true(got[i].score == all[offset + (size_t)i].score);
	}
}

static void test_random_need_is_exact(void **state)
{
	struct match_index *ix = match_new();
	struct match_explained *all = xmalloc(RE * sizeof(*all)), got[32];
	int *live = xcalloc(RE, sizeof(*live));
	int i, q, round;
	(void)state;

	for (i = 0; i < RSKILLS; i++)
		snprintf(rskill[i], sizeof(rskill[i]), "k%d", i);
	for (i = 0; i < 8; i++)
		snprintf(rdomain[i], sizeof(rdomain[i]), "d%d", i);
	for (i = 0; i < RE; i++) {
		rexpert_put(ix, i + 1);
		live[i] = 1;
	}
	for (round = 0; round < 3; round++) {
		if (round > 0)
			ix = roundtrip(ix);
		for (q = 0; q < 100; q++)
			rneed_check(ix, live, RE, all, got);
		for (i = 0; i < 300; i++) {
			int k = rint_(RE);

			if (rint_(4) == 0 && live[k]) {
				assert_int_equal(match_remove_expert(ix, k + 1), 0);
				live[k] = 0;
			} else {
				rexpert_put(ix, k + 1);
				live[k] = 1;
			}
		}
	}
	free(all);
	free(live);
	match_free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rarer_term_ranks_higher),
	        cmocka_unit_test(test_field_weights),
	        cmocka_unit_test(test_clauses_and_alternatives),
	        cmocka_unit_test(test_filters),
	        cmocka_unit_test(test_facets_disjunctive),
	        cmocka_unit_test(test_facets_with_words),
	        cmocka_unit_test(test_facets_own_filter_multi),
	        cmocka_unit_test(test_invalid_queries),
	        cmocka_unit_test(test_long_lists),
	        cmocka_unit_test(test_pagination_and_ties),
	        cmocka_unit_test(test_audiences_and_consent),
	        cmocka_unit_test(test_dormant_only_for_programme),
	        cmocka_unit_test(test_put_replace_remove),
	        cmocka_unit_test(test_compaction),
	        cmocka_unit_test(test_memory),
	        cmocka_unit_test(test_factor_tables),
	        cmocka_unit_test(test_explain_every_factor),
	        cmocka_unit_test(test_onsite_stay_and_flexible),
	        cmocka_unit_test(test_missing_data_scores_zero),
	        cmocka_unit_test(test_exclusions),
	        cmocka_unit_test(test_need_ranking),
	        cmocka_unit_test(test_need_networks),
	        cmocka_unit_test(test_snapshot_empty_and_small),
	        cmocka_unit_test(test_recommend),
	        cmocka_unit_test(test_random_search_is_exact),
	        cmocka_unit_test(test_random_need_is_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
