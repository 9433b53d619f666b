/* search: free text + filters -> top-k experts. BM25F over clause cursors,
 * pruned with block-max bounds: AND by leapfrogging with block skips, OR by
 * block-max WAND. Exact: a doc is only skipped when a bound proves it
 * cannot enter the top k (internal.h). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

struct search {
	const struct match_index *ix;
	struct words sq;
	struct pfilters pf;
	struct topk top;
	struct ccur **ord; /* clause cursors, sorted by doc for WAND */
};

/* ---- the query's clauses ---- */

static int search_check_clauses(const struct match_query *q, size_t *nterms)
{
	size_t i, j;

	*nterms = 0;
	if (q->nclauses > 0 && q->clauses == NULL)
		return -1;
	for (i = 0; i < q->nclauses; i++) {
		const struct match_clause *c = &q->clauses[i];

		if (c->nterms > 0 && c->terms == NULL)
			return -1;
		for (j = 0; j < c->nterms; j++)
			if (c->terms[j] == NULL)
				return -1;
		*nterms += c->nterms;
	}
	return 0;
}

/* Cursors for the clause's known, live, distinct terms at t; returns how many. */
static uint32_t search_clause_terms(struct words *sq, const struct match_clause *c, struct tcur *t)
{
	const struct match_index *ix = sq->ix;
	uint32_t n = 0, k;
	size_t j;

	for (j = 0; j < c->nterms; j++) {
		uint32_t id = dict_find(&ix->terms, c->terms[j]);

		if (id == ID_NONE || ix->plists[id].df == 0)
			continue;
		for (k = 0; k < n; k++)
			if (t[k].pl == &ix->plists[id])
				break;
		if (k == n)
			cursor_term_init(&t[n++], &ix->plists[id],
			                 bm25_idf(&sq->bm, ix->plists[id].df));
	}
	return n;
}

int search_words_prepare(const struct match_index *ix, const struct match_query *q,
                         struct words *sq)
{
	size_t nterms, i, used = 0;

	memset(sq, 0, sizeof(*sq));
	if (search_check_clauses(q, &nterms) < 0)
		return -1;
	sq->ix = ix;
	sq->any = q->any;
	bm25_init(&sq->bm, ix);
	sq->terms = xmalloc((nterms ? nterms : 1) * sizeof(*sq->terms));
	sq->cc = xmalloc((q->nclauses ? q->nclauses : 1) * sizeof(*sq->cc));
	for (i = 0; i < q->nclauses; i++) {
		uint32_t n;

		if (q->clauses[i].nterms == 0)
			continue; /* no words: not a condition */
		sq->text = 1;
		n = search_clause_terms(sq, &q->clauses[i], sq->terms + used);
		if (n == 0) {
			sq->empty |= !sq->any;
			continue;
		}
		cursor_clause_init(&sq->cc[sq->nc++], sq->terms + used, n, &sq->bm);
		used += n;
	}
	if (sq->text && sq->nc == 0)
		sq->empty = 1;
	return 0;
}

void search_words_release(struct words *sq)
{
	free(sq->terms);
	free(sq->cc);
	memset(sq, 0, sizeof(*sq));
}

/* The first doc >= d in every clause. */
static uint32_t search_words_align(struct words *sq, uint32_t d)
{
	size_t i = 0, agree = 0;

	for (; agree < sq->nc; i = i + 1 == sq->nc ? 0 : i + 1) {
		cursor_seek(&sq->cc[i], d);
		if (sq->cc[i].doc == DOC_END)
			return DOC_END;
		if (sq->cc[i].doc == d) {
			agree++;
		} else {
			d = sq->cc[i].doc;
			agree = 1;
		}
	}
	return d;
}

uint32_t search_words_next(struct words *sq, uint32_t d)
{
	uint32_t best = DOC_END;
	size_t i;

	if (sq->empty || d == DOC_END)
		return DOC_END;
	if (!sq->any && sq->nc > 1)
		return search_words_align(sq, d);
	for (i = 0; i < sq->nc; i++) {
		cursor_seek(&sq->cc[i], d);
		if (sq->cc[i].doc < best)
			best = sq->cc[i].doc;
	}
	return best;
}

size_t search_words_collect(struct words *sq, uint32_t *d, uint32_t *out, size_t max)
{
	size_t n = 0;

	if (!sq->empty && sq->nc == 1 && sq->cc[0].nt == 1 && *d != DOC_END) {
		/* One word: its postings are the matches. */
		n = cursor_copy(&sq->cc[0], *d, out, max);
		*d = n ? out[n - 1] + 1 : DOC_END;
		return n;
	}
	for (; n < max && (*d = search_words_next(sq, *d)) != DOC_END; (*d)++)
		out[n++] = *d;
	return n;
}

/* ---- top k ---- */

/* Asks for the length and hot record of the doc the first clause's first
 * term reaches AHEAD postings later: candidates come in runs. */
static void search_prefetch(const struct search *s)
{
	const struct tcur *t = s->sq.cc[0].t;

	if (t->pos + AHEAD < t->pl->n) {
		PREFETCH(&s->ix->dls[t->pl->docs[t->pos + AHEAD]]);
		PREFETCH(&s->ix->hot[t->pl->docs[t->pos + AHEAD]]);
	}
}

/* Scores d, then keeps it when it would enter the top k, the audience may
 * see it and it passes the filters (most candidates stop at the score). */
static void search_consider(struct search *s, uint32_t d)
{
	const struct topk_entry *floor = s->top.e;
	double score = 0;
	size_t i;

	for (i = 0; i < s->sq.nc; i++)
		score += cursor_score(&s->sq.cc[i], d, s->ix->dls[d], &s->sq.bm);
	if (topk_full(&s->top) &&
	    (score < floor->score || (score == floor->score && s->ix->ids[d] > floor->id)))
		return;
	if (filter_visible(&s->pf, d) && filter_pass(&s->pf, d))
		topk_push(&s->top, score, s->ix->ids[d], d);
}

/* No words: every visible expert passing the filters, by id. */
static void search_browse(struct search *s)
{
	uint32_t d;

	for (d = 0; d < s->ix->ndocs; d++)
		if (!topk_full(&s->top) || s->ix->ids[d] < s->top.e[0].id)
			search_consider(s, d); /* checks the audience and filters */
}

/* Sum of the block bounds of ord[0..n) at d; *last where they end. */
static double search_bound(struct search *s, size_t n, uint32_t d, uint32_t *last)
{
	double ub = 0;
	size_t i;

	*last = DOC_END;
	for (i = 0; i < n; i++) {
		uint32_t l;

		ub += cursor_block_bound(s->ord[i], d, &l, &s->sq.bm);
		if (l < *last)
			*last = l;
	}
	return ub;
}

/* Where clause i can next help a doc into the top k: its first doc, or,
 * once the top k is full, its first doc holding a term whose bound with
 * the other clauses' bounds reaches the floor (MaxScore inside a clause: a
 * clause of synonyms scores a doc by its best term, so the docs of its
 * weak terms alone are passed over, not scored). */
static uint32_t search_clause_from(const struct search *s, size_t i, double ub_sum)
{
	const struct ccur *c = &s->sq.cc[i];

	if (!topk_full(&s->top))
		return c->doc;
	return cursor_essential(c, ub_sum - c->ub, topk_floor(&s->top));
}

/* AND: leapfrog over the clauses; at each candidate the sum of the block
 * bounds may skip whole blocks before the clauses are even aligned. */
static void search_and(struct search *s)
{
	uint32_t d = 0, m, last, from;
	double ub_sum = 0;
	size_t i, agree;

	for (i = 0; i < s->sq.nc; i++)
		ub_sum += s->sq.cc[i].ub;
	for (;;) {
		for (i = 0, m = d, agree = 0; i < s->sq.nc; i++) {
			cursor_seek(&s->sq.cc[i], d);
			from = search_clause_from(s, i, ub_sum);
			if (from == DOC_END)
				return;
			agree += from == d;
			if (from > m)
				m = from;
		}
		if (topk_full(&s->top) &&
		    search_bound(s, s->sq.nc, m, &last) * SLACK < topk_floor(&s->top)) {
			if (last == DOC_END)
				return;
			d = last + 1;
		} else if (agree == s->sq.nc) {
			search_prefetch(s);
			search_consider(s, d);
			d++;
		} else {
			d = m;
		}
	}
}

static void search_sort(struct ccur **ord, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct ccur *c = ord[i];

		for (j = i; j > 0 && ord[j - 1]->doc > c->doc; j--)
			ord[j] = ord[j - 1];
		ord[j] = c;
	}
}

/* The first position where the clauses' bounds could reach the floor. */
static int search_pivot(const struct search *s, size_t n, size_t *p)
{
	double acc = 0, floor = topk_floor(&s->top);
	int full = topk_full(&s->top);
	size_t i;

	for (i = 0; i < n && s->ord[i]->doc != DOC_END; i++) {
		acc += s->ord[i]->ub;
		if (!full || acc * SLACK >= floor) {
			while (i + 1 < n && s->ord[i + 1]->doc == s->ord[i]->doc)
				i++;
			*p = i;
			return 1;
		}
	}
	return 0;
}

/* Block-max check at the pivot: when it fails, moves past the blocks. */
static int search_skip_blocks(struct search *s, size_t n, size_t p)
{
	uint32_t pd = s->ord[p]->doc, last, nd;
	size_t i;

	if (!topk_full(&s->top) || search_bound(s, p + 1, pd, &last) * SLACK >= topk_floor(&s->top))
		return 0;
	nd = last == DOC_END ? DOC_END : last + 1;
	if (p + 1 < n && s->ord[p + 1]->doc < nd)
		nd = s->ord[p + 1]->doc;
	for (i = 0; i <= p; i++)
		cursor_seek(s->ord[i], nd);
	return 1;
}

static void search_or(struct search *s)
{
	size_t n = s->sq.nc, p, i;

	for (;;) {
		uint32_t pd;

		search_sort(s->ord, n);
		if (!search_pivot(s, n, &p))
			return;
		if (search_skip_blocks(s, n, p))
			continue;
		pd = s->ord[p]->doc;
		if (s->ord[0]->doc == pd) {
			search_prefetch(s);
			search_consider(s, pd);
			for (i = 0; i <= p; i++)
				cursor_next(s->ord[i]);
		} else {
			for (i = 0; i < p && s->ord[i]->doc < pd; i++)
				cursor_seek(s->ord[i], pd);
		}
	}
}

static void search_run(struct search *s)
{
	if (!s->sq.text)
		search_browse(s);
	else if (s->sq.any)
		search_or(s);
	else
		search_and(s);
}

static int search_emit(struct search *s, const struct match_query *q, struct match_hit *hits)
{
	size_t i;
	int n = 0;

	topk_sort(&s->top);
	for (i = q->offset; i < s->top.n; i++) {
		const struct topk_entry *e = &s->top.e[i];

		hits[n].id = e->id;
		hits[n].ref = s->ix->docs[e->ref].ref;
		hits[n].score = e->score;
		n++;
	}
	return n;
}

int match_search(const struct match_index *ix, const struct match_query *q, struct match_hit *hits)
{
	struct search s;
	size_t i;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	s.ix = ix;
	if (q == NULL || q->offset > MATCH_MAX_K || q->limit > MATCH_MAX_K - q->offset ||
	    (q->limit > 0 && hits == NULL))
		return -1;
	if (filter_prepare(ix, q, &s.pf) < 0)
		return -1;
	if (search_words_prepare(ix, q, &s.sq) < 0)
		goto out;
	topk_init(&s.top, q->offset + q->limit);
	s.ord = xmalloc((s.sq.nc ? s.sq.nc : 1) * sizeof(*s.ord));
	for (i = 0; i < s.sq.nc; i++)
		s.ord[i] = &s.sq.cc[i];
	if (q->offset + q->limit > 0 && !s.sq.empty)
		search_run(&s);
	ret = search_emit(&s, q, hits);
out:
	free(s.ord);
	topk_release(&s.top);
	search_words_release(&s.sq);
	filter_release(&s.pf);
	return ret;
}
