/* plist: BM25F posting lists with block-max metadata (internal.h). They
 * only grow at the end; compaction rewrites them. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

/* Grows p to hold at least n postings. */
static void plist_reserve(struct plist *p, uint32_t n)
{
	uint32_t cap = p->cap ? p->cap : 2;

	if (n <= p->cap)
		return;
	while (cap < n)
		cap = cap < 1024 ? 2 * cap : cap + cap / 2;
	p->docs = xrealloc(p->docs, (size_t)cap * sizeof(*p->docs));
	p->tf2 = xrealloc(p->tf2, (size_t)cap * sizeof(*p->tf2));
	p->blocks = xrealloc(p->blocks, (size_t)(cap + BLOCK - 1) / BLOCK * sizeof(*p->blocks));
	p->cap = cap;
}

/* Folds one posting into its block and the list's bounds. */
static void plist_account(struct plist *p, uint32_t i, float tf, double dlr)
{
	struct pblock *b = &p->blocks[i / BLOCK];

	if (i % BLOCK == 0) {
		b->maxtf = tf;
		b->mindlr = dlr;
	} else {
		if (tf > b->maxtf)
			b->maxtf = tf;
		if (dlr < b->mindlr)
			b->mindlr = dlr;
	}
	b->last = p->docs[i];
	if (i == 0 || tf > p->maxtf)
		p->maxtf = tf;
	if (i == 0 || dlr < p->mindlr)
		p->mindlr = dlr;
}

void plist_add(struct plist *p, uint32_t doc, uint16_t tf2, float dl)
{
	float tf = (float)tf2 * 0.5f;

	plist_reserve(p, p->n + 1);
	p->docs[p->n] = doc;
	p->tf2[p->n] = tf2;
	plist_account(p, p->n, tf, (double)dl / tf);
	p->n++;
}

/* No tombstone in the list (df counts the live postings): the numbers
 * change, the blocks and their bounds do not. */
static void plist_renumber(struct plist *p, const uint32_t *remap)
{
	uint32_t i, b;

	for (i = 0; i < p->n; i++)
		p->docs[i] = remap[p->docs[i]];
	for (b = 0; b * BLOCK < p->n; b++)
		p->blocks[b].last = p->docs[((b + 1) * BLOCK < p->n ? (b + 1) * BLOCK : p->n) - 1];
}

/* Block b's metadata, recomputed: the smallest dl / tf is found by exact
 * cross-multiplication and divided once. */
static void plist_block(struct plist *p, uint32_t b, const float *dl)
{
	uint32_t i = b * BLOCK, end = i + BLOCK < p->n ? i + BLOCK : p->n, best = i;
	uint16_t maxtf2 = 0;

	for (; i < end; i++) {
		if (p->tf2[i] > maxtf2)
			maxtf2 = p->tf2[i];
		if ((double)dl[p->docs[i]] * p->tf2[best] < (double)dl[p->docs[best]] * p->tf2[i])
			best = i;
	}
	p->blocks[b].last = p->docs[end - 1];
	p->blocks[b].maxtf = (float)maxtf2 * 0.5f;
	p->blocks[b].mindlr = (double)dl[p->docs[best]] / ((float)p->tf2[best] * 0.5f);
	if (b == 0 || p->blocks[b].maxtf > p->maxtf)
		p->maxtf = p->blocks[b].maxtf;
	if (b == 0 || p->blocks[b].mindlr < p->mindlr)
		p->mindlr = p->blocks[b].mindlr;
}

void plist_compact(struct plist *p, const uint32_t *remap, const float *dl)
{
	uint32_t i, n = 0;

	if (p->df == p->n) {
		plist_renumber(p, remap);
		return;
	}
	for (i = 0; i < p->n; i++) {
		uint32_t d = remap[p->docs[i]];

		if (d != ID_NONE) {
			p->docs[n] = d;
			p->tf2[n++] = p->tf2[i];
		}
	}
	p->n = n;
	for (i = 0; i * BLOCK < n; i++)
		plist_block(p, i, dl);
	if (n == 0) {
		plist_release(p);
		return;
	}
	if (n < p->cap / 2) {
		p->cap = n;
		p->docs = xrealloc(p->docs, (size_t)n * sizeof(*p->docs));
		p->tf2 = xrealloc(p->tf2, (size_t)n * sizeof(*p->tf2));
		p->blocks =
		        xrealloc(p->blocks, (size_t)(n + BLOCK - 1) / BLOCK * sizeof(*p->blocks));
	}
}

void plist_release(struct plist *p)
{
	free(p->docs);
	free(p->tf2);
	free(p->blocks);
	memset(p, 0, sizeof(*p));
}

size_t plist_memory(const struct plist *p)
{
	return (size_t)p->cap * (sizeof(*p->docs) + sizeof(*p->tf2)) +
	       (size_t)(p->cap + BLOCK - 1) / BLOCK * sizeof(*p->blocks);
}
