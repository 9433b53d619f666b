/* cursor: cursors over posting lists; a clause cursor is the union of its
 * terms' lists, scored as its best term (internal.h). */
#include <string.h>

#include "match/internal.h"

void cursor_term_init(struct tcur *t, const struct plist *pl, double idf)
{
	t->pl = pl;
	t->pos = 0;
	t->doc = pl->n > 0 ? pl->docs[0] : DOC_END;
	t->sblk = 0;
	t->idf = idf;
}

/* The first block from b on whose last doc is >= target (galloping), or nb. */
static uint32_t cursor_find_block(const struct plist *p, uint32_t b, uint32_t nb, uint32_t target)
{
	uint32_t step = 1, lo = b, hi;

	if (b >= nb || p->blocks[b].last >= target)
		return b;
	while (lo + step < nb && p->blocks[lo + step].last < target) {
		lo += step;
		step *= 2;
	}
	hi = lo + step < nb ? lo + step : nb;
	lo++;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->blocks[mid].last < target)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void cursor_term_seek(struct tcur *t, uint32_t target)
{
	const struct plist *p = t->pl;
	uint32_t nb = (p->n + BLOCK - 1) / BLOCK, b, lo, hi;

	if (t->doc >= target)
		return;
	/* Near targets are the common case: look a few postings ahead first. */
	for (lo = t->pos + 1; lo < p->n && lo <= t->pos + 8; lo++) {
		if (p->docs[lo] >= target) {
			t->pos = lo;
			t->doc = p->docs[lo];
			return;
		}
	}
	b = cursor_find_block(p, t->pos / BLOCK, nb, target);
	if (b >= nb) {
		t->pos = p->n;
		t->doc = DOC_END;
		return;
	}
	lo = b * BLOCK > t->pos ? b * BLOCK : t->pos;
	hi = (b + 1) * BLOCK < p->n ? (b + 1) * BLOCK : p->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->docs[mid] < target)
			lo = mid + 1;
		else
			hi = mid;
	}
	t->pos = lo;
	t->doc = p->docs[lo];
}

static void cursor_term_next(struct tcur *t)
{
	t->pos++;
	t->doc = t->pos < t->pl->n ? t->pl->docs[t->pos] : DOC_END;
}

static void cursor_min(struct ccur *c)
{
	uint32_t i;

	c->doc = DOC_END;
	for (i = 0; i < c->nt; i++)
		if (c->t[i].doc < c->doc)
			c->doc = c->t[i].doc;
}

void cursor_clause_init(struct ccur *c, struct tcur *t, uint32_t nt, const struct bm25 *bm)
{
	uint32_t i;

	c->t = t;
	c->nt = nt;
	c->ub = 0;
	c->bfrom = 1; /* no block bound yet */
	c->blast = 0;
	for (i = 0; i < nt; i++) {
		t[i].ub = bm25_bound(t[i].idf, t[i].pl->maxtf, t[i].pl->mindlr, bm->avgdl);
		if (t[i].ub > c->ub)
			c->ub = t[i].ub;
	}
	cursor_min(c);
}

void cursor_seek(struct ccur *c, uint32_t target)
{
	uint32_t i;

	if (c->doc >= target)
		return;
	for (i = 0; i < c->nt; i++)
		cursor_term_seek(&c->t[i], target);
	cursor_min(c);
}

uint32_t cursor_essential(const struct ccur *c, double others, double floor)
{
	uint32_t i, d = DOC_END;

	for (i = 0; i < c->nt; i++)
		if (c->t[i].doc < d && (c->t[i].ub + others) * SLACK >= floor)
			d = c->t[i].doc;
	return d;
}

void cursor_next(struct ccur *c)
{
	uint32_t i, d = c->doc;

	if (d == DOC_END)
		return;
	for (i = 0; i < c->nt; i++)
		if (c->t[i].doc == d)
			cursor_term_next(&c->t[i]);
	cursor_min(c);
}

uint32_t cursor_copy(struct ccur *c, uint32_t target, uint32_t *out, uint32_t max)
{
	struct tcur *t = &c->t[0];
	uint32_t n;

	cursor_seek(c, target);
	if (c->doc == DOC_END)
		return 0;
	n = t->pl->n - t->pos < max ? t->pl->n - t->pos : max;
	memcpy(out, t->pl->docs + t->pos, n * sizeof(*out));
	t->pos += n;
	t->doc = t->pos < t->pl->n ? t->pl->docs[t->pos] : DOC_END;
	c->doc = t->doc;
	return n;
}

double cursor_score(const struct ccur *c, uint32_t d, double dl, const struct bm25 *bm)
{
	double best = 0;
	uint32_t i;

	if (c->doc != d)
		return 0;
	for (i = 0; i < c->nt; i++) {
		const struct tcur *t = &c->t[i];

		if (t->doc == d) {
			double s = bm25_term(t->idf, t->pl->tf2[t->pos] * 0.5, dl, bm->avgdl);

			if (s > best)
				best = s;
		}
	}
	return best;
}

/* The bound of t's block holding the first doc >= target; *last its end. */
static double cursor_term_block(struct tcur *t, uint32_t target, uint32_t *last,
                                const struct bm25 *bm)
{
	const struct plist *p = t->pl;
	uint32_t nb = (p->n + BLOCK - 1) / BLOCK;
	const struct pblock *b;

	if (t->sblk < t->pos / BLOCK)
		t->sblk = t->pos / BLOCK;
	t->sblk = cursor_find_block(p, t->sblk, nb, target);
	if (t->sblk >= nb) {
		*last = DOC_END;
		return 0;
	}
	b = &p->blocks[t->sblk];
	*last = b->last;
	return bm25_bound(t->idf, b->maxtf, b->mindlr, bm->avgdl);
}

double cursor_block_bound(struct ccur *c, uint32_t target, uint32_t *last, const struct bm25 *bm)
{
	double ub = 0;
	uint32_t i;

	if (c->bfrom <= target && target <= c->blast) {
		*last = c->blast;
		return c->bub;
	}
	*last = DOC_END;
	for (i = 0; i < c->nt; i++) {
		uint32_t l;
		double b = cursor_term_block(&c->t[i], target, &l, bm);

		if (b > ub)
			ub = b;
		if (l < *last)
			*last = l;
	}
	c->bfrom = target;
	c->blast = *last;
	c->bub = ub;
	return ub;
}
