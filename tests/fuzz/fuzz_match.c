/* libFuzzer target for the match engine: the input is a program of
 * operations (put an expert, remove one, search, count facets, match a
 * need, recommend) over a small vocabulary, so that updates, tombstones and
 * compactions interleave with queries. Checks what must always hold: no
 * crash or leak; search hits sorted by score then id, at most the limit,
 * never a dormant expert for a public audience; facet totals at least the
 * hits; match results sorted, scores in 0..100 and equal to the sum of the
 * contributions; an expert's explanation agreeing with match_need. */
#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "match/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const words[] = {"cyber",   "eau", "sante",   "data",       "droit", "avion",
                                    "energie", "ia",  "finance", "logistique", "الماء", "الصحة",
                                    "x",       "y",   "z",       "w"};
static const char *const skills[] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"};
static const char *const domains[] = {"d0", "d1", "d2"};
static const char *const countries[] = {"FR", "CA", "BE", "SG"};
static const char *const langs[] = {"ar", "fr", "en"};

#define TODAY 20500
#define NW (sizeof(words) / sizeof(words[0]))

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned next(struct input *in)
{
	unsigned v;

	if (!in->n)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

static void put(struct match_index *ix, struct input *in)
{
	const char *tok[MF_FIELDS][6];
	struct match_skill sk[4];
	struct match_lang lg[2];
	struct match_period st[1], av[1];
	const char *sec[1] = {"digital"};
	struct match_expert e;
	unsigned n;

	memset(&e, 0, sizeof(e));
	e.id = 1 + next(in) % 40;
	for (int f = 0; f < MF_FIELDS; f++) {
		n = next(in) % 6;
		for (unsigned i = 0; i < n; i++)
			tok[f][i] = words[next(in) % NW];
		e.tokens[f] = (struct match_strs){tok[f], n};
	}
	e.country = countries[next(in) % 4];
	e.nskills = next(in) % 4;
	for (size_t i = 0; i < e.nskills; i++) {
		unsigned s = next(in) % 8;
		sk[i] = (struct match_skill){skills[s], domains[s % 3], 1 + (int)(next(in) % 5)};
	}
	e.skills = sk;
	e.nlangs = next(in) % 2;
	for (size_t i = 0; i < e.nlangs; i++)
		lg[i] = (struct match_lang){langs[i], 1 + (int)(next(in) % 6)};
	e.langs = lg;
	e.sectors = (struct match_strs){sec, next(in) % 2};
	e.presence = next(in) % 8;
	e.modes = next(in) % 4;
	e.pay = (enum match_pay)(next(in) % 4);
	e.hours_per_month = (int)(next(in) % 40);
	e.utc_offset_min = next(in) % 2 ? MATCH_TZ_UNKNOWN : ((int)next(in) - 128) * 10;
	e.confirmed = next(in) % 4 ? TODAY - (int32_t)(next(in) * 3) : 0;
	e.flags = next(in) & 31u;
	st[0] = (struct match_period){TODAY + (int32_t)(next(in) % 60), TODAY + 70};
	av[0] = (struct match_period){TODAY - 10, TODAY + (int32_t)(next(in) % 90)};
	e.stays = st;
	e.nstays = next(in) % 2;
	e.available = av;
	e.navailable = next(in) % 2;
	e.rating = (double)(next(in) % 5);
	e.recent_engagements = (int)(next(in) % 3);
	e.active_engagements = (int)(next(in) % 3);
	match_put_expert(ix, &e);
}

static void search(struct match_index *ix, struct input *in)
{
	const char *terms[4][2];
	struct match_clause cl[4];
	struct match_hit hits[30];
	struct match_query q;
	struct match_facets *f;
	int n;

	memset(&q, 0, sizeof(q));
	q.nclauses = next(in) % 4;
	for (size_t i = 0; i < q.nclauses; i++) {
		unsigned k = 1 + next(in) % 2;
		for (unsigned j = 0; j < k; j++)
			terms[i][j] = words[next(in) % NW];
		cl[i] = (struct match_clause){terms[i], k};
	}
	q.clauses = cl;
	q.any = next(in) % 2;
	q.audience = (enum match_audience)(next(in) % 4);
	q.filters.state = (enum match_state)(next(in) % 3);
	q.filters.presence = next(in) % 8;
	q.today = TODAY;
	q.dormant_days = 365;
	q.offset = next(in) % 10;
	q.limit = 1 + next(in) % 20;
	n = match_search(ix, &q, hits);
	assert(n >= 0 && (size_t)n <= q.limit);
	for (int i = 1; i < n; i++)
		assert(hits[i - 1].score > hits[i].score ||
		       (hits[i - 1].score == hits[i].score && hits[i - 1].id < hits[i].id));
	f = match_facets(ix, &q, 5);
	assert(f != NULL);
	assert(f->total >= (size_t)n);
	match_facets_free(f);
}

static void need(struct match_index *ix, struct input *in)
{
	struct match_need_skill sk[3];
	struct match_explained out[10], one;
	struct match_need nd;
	const char *why;
	int n;

	memset(&nd, 0, sizeof(nd));
	nd.id = 1000 + next(in) % 5;
	nd.nskills = next(in) % 4;
	for (size_t i = 0; i < nd.nskills; i++) {
		unsigned s = (unsigned)i * 3 + next(in) % 3; /* distinct skills */
		sk[i] = (struct match_need_skill){skills[s % 8], domains[s % 3],
		                                  (int)(next(in) % 2), 1 + (int)(next(in) % 5)};
	}
	nd.skills = sk;
	nd.sector = next(in) % 2 ? "digital" : NULL;
	nd.presence = (unsigned[]){0, MATCH_REMOTE, MATCH_ONSITE, MATCH_HYBRID}[next(in) % 4];
	nd.from = next(in) % 2 ? TODAY + 20 : 0;
	nd.to = nd.from ? nd.from + (int32_t)(next(in) % 30) : 0;
	nd.hours_per_month = (int)(next(in) % 30);
	n = match_need(ix, &nd, TODAY, 365, 0, 10, out);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		double sum = 0;
		for (int k = 0; k < FACTOR_COUNT; k++)
			sum += out[i].contribution[k];
		assert(out[i].score >= 0 && out[i].score <= 100 + 1e-9);
		assert(fabs(sum - out[i].score) < 1e-9);
		assert(i == 0 || out[i - 1].score >= out[i].score);
		assert(match_explain(ix, &nd, out[i].id, TODAY, 365, &one, &why) == 0);
		assert(fabs(one.score - out[i].score) < 1e-9);
	}
	if (next(in) % 2) {
		match_put_need(ix, &nd);
		match_recommend(ix, 1 + next(in) % 40, TODAY, 365, 5, out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct match_index *ix = match_new();

	while (in.n) {
		switch (next(&in) % 6) {
		case 0:
		case 1:
			put(ix, &in);
			break;
		case 2:
			match_remove_expert(ix, 1 + next(&in) % 40);
			break;
		case 3:
			search(ix, &in);
			break;
		case 4:
			need(ix, &in);
			break;
		default:
			match_remove_need(ix, 1000 + next(&in) % 5);
		}
	}
	match_free(ix);
	return 0;
}
