/* facets: one pass over every doc matching the words, counting each facet
 * disjunctively (a facet ignores its own filter). Counts live in flat
 * arrays indexed by interned id: no hashing in the loop (internal.h).
 *
 * The common case, a visible doc failing no filter, reads the doc's 32-byte
 * frec alone and costs one increment for the four one-valued facets
 * together (presence, modes, pay and state packed into one byte: 256 bins,
 * split when the counts are emitted), one for its country and one per
 * sector, network, language and skill. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

#define NBINS 256 /* hot.offer (7 bits) | dormant << 7 */

struct fcount {
	/* By value index: country id + 1, sector id, skill id + 1, language id,
	 * network id (index 0 of countries and skills: none, not counted). */
	uint32_t *n[FACET_COUNT];
	uint32_t size[FACET_COUNT];
	uint32_t bins[NBINS];         /* docs counted in every facet, by offer and state */
	uint32_t one[FACET_COUNT][4]; /* one-valued facets counted alone */
	/* Counts from frecs (struct frec): by slot value, added to n at the end. */
	uint32_t *slot_skill, *slot_network, slot_sector[256], slot_lang[256];
};

/* Fixed value names; they belong to the index (static storage). */
static const char *const presence_names[] = {"remote", "onsite", "hybrid"};
static const char *const mode_names[] = {"ponctuelle", "continue"};
static const char *const pay_names[] = {"paid", "pro_bono", "either"};
static const char *const state_names[] = {"active", "dormant"};

/* Each facet: where its values come from (an index dictionary, by an
 * index shifted by `shift`, or a fixed list) and, for the one-valued ones,
 * how a bin holds their value (bin >> bit & mask; pay and state are one
 * value, presence and modes bits). */
static const struct facet_def {
	size_t dict; /* offsetof the dict in struct match_index; names == NULL */
	uint32_t shift;
	const char *const *names;
	uint32_t nnames;
	unsigned bit, mask, is_bits;
} facet_defs[FACET_COUNT] = {
        [FACET_COUNTRY] = {offsetof(struct match_index, countries), 1, NULL, 0, 0, 0, 0},
        [FACET_SECTOR] = {offsetof(struct match_index, sectors), 0, NULL, 0, 0, 0, 0},
        [FACET_SKILL] = {offsetof(struct match_index, skills), 1, NULL, 0, 0, 0, 0},
        [FACET_LANGUAGE] = {offsetof(struct match_index, langs), 0, NULL, 0, 0, 0, 0},
        [FACET_NETWORK] = {offsetof(struct match_index, networks), 0, NULL, 0, 0, 0, 0},
        [FACET_PRESENCE] = {0, 0, presence_names, 3, 0, 7, 1},
        [FACET_MODE] = {0, 0, mode_names, 2, 3, 3, 1},
        [FACET_PAY] = {0, 0, pay_names, 3, 5, 3, 0},
        [FACET_STATE] = {0, 0, state_names, 2, 7, 1, 0},
};

static const struct dict *facets_dict(const struct match_index *ix, enum match_facet f)
{
	return (const struct dict *)((const char *)ix + facet_defs[f].dict);
}

/* ---- counting ---- */

/* Adds one to counts[((p[i] & mask) >> shift) + add] for the n words at p. */
static void facets_ids(uint32_t *counts, const uint32_t *p, uint8_t n, uint32_t mask,
                       unsigned shift, uint32_t add)
{
	uint8_t i;

	for (i = 0; i < n; i++)
		counts[((p[i] & mask) >> shift) + add]++;
}

/* Doc dn counted in every facet, from the hot record and the pool (a doc
 * whose values spill out of its frec). */
static void facets_all(struct fcount *c, const struct match_index *ix, uint32_t dn, int dormant)
{
	const struct hot *h = &ix->hot[dn];
	const uint32_t *p = ix->pool + h->pool;

	c->bins[h->offer | (unsigned)dormant << 7]++;
	c->n[FACET_COUNTRY][h->country]++;
	facets_ids(c->n[FACET_SECTOR], p, h->nsectors, ~PREFERRED, 0, 0);
	p += h->nsectors;
	facets_ids(c->n[FACET_NETWORK], p, h->nnetworks, ~0u, 0, 0);
	p += h->nnetworks;
	facets_ids(c->n[FACET_LANGUAGE], p, h->nlangs, ~0u, 3, 0);
	p += h->nlangs;
	facets_ids(c->n[FACET_SKILL], p, h->nskills, ~0u, 0, 1); /* ID_NONE + 1 wraps to 0 */
}

/* The same from the doc's frec alone (its values fit: most docs): every
 * slot counted, the empty ones in their own bins. */
static void facets_all_frec(struct fcount *c, const struct frec *r, int dormant)
{
	int i;

	c->bins[r->offer | (unsigned)dormant << 7]++;
	c->n[FACET_COUNTRY][r->country]++;
	for (i = 0; i < FREC_SKILLS; i++)
		c->slot_skill[r->skill[i]]++;
	for (i = 0; i < FREC_NETWORKS; i++)
		c->slot_network[r->network[i]]++;
	for (i = 0; i < FREC_SECTORS; i++)
		c->slot_sector[r->sector[i]]++;
	for (i = 0; i < FREC_LANGS; i++)
		c->slot_lang[r->lang[i]]++;
}

/* Doc dn counted in facet f alone (it fails f's filter only). */
static void facets_only(struct fcount *c, const struct match_index *ix, uint32_t dn, int dormant,
                        enum match_facet f)
{
	const struct hot *h = &ix->hot[dn];
	const struct facet_def *def = &facet_defs[f];
	unsigned v = (h->offer | (unsigned)dormant << 7) >> def->bit & def->mask, i;

	switch (f) {
	case FACET_COUNTRY:
		c->n[f][h->country]++;
		break;
	case FACET_SECTOR:
		facets_ids(c->n[f], doc_sectors(ix, dn), h->nsectors, ~PREFERRED, 0, 0);
		break;
	case FACET_NETWORK:
		facets_ids(c->n[f], doc_networks(ix, dn), h->nnetworks, ~0u, 0, 0);
		break;
	case FACET_LANGUAGE:
		facets_ids(c->n[f], doc_langs(ix, dn), h->nlangs, ~0u, 3, 0);
		break;
	case FACET_SKILL:
		facets_ids(c->n[f], doc_skill_ids(ix, dn), h->nskills, ~0u, 0, 1);
		break;
	default: /* one-valued: a value, or bits */
		for (i = 0; def->is_bits && i < def->nnames; i++)
			c->one[f][i] += v >> i & 1u;
		if (!def->is_bits)
			c->one[f][v]++;
		break;
	}
}

/* ---- the pass ---- */

/* The frec decides the common case (visible, no filter): the hot record
 * and the pool are read only for filters, peers and spilled values. */
static void facets_doc(struct fcount *c, const struct pfilters *pf, uint32_t dn, size_t *total)
{
	const struct frec *r = &pf->ix->frec[dn];
	int dormant = day_dormant(r->confirmed, pf->today, pf->dormant_days), fails = 0;
	enum match_facet only = FACET_COUNT;

	if (dormant && !pf->dormant_ok)
		return;
	if ((pf->peer_only || (r->flags & pf->flags_mask) != pf->flags) && !filter_peer(pf, dn))
		return;
	if (pf->nfields > 0)
		fails = filter_fails(pf, dn, &only);
	if (fails == 0) {
		(*total)++;
		if (r->spill)
			facets_all(c, pf->ix, dn, dormant);
		else
			facets_all_frec(c, r, dormant);
	} else if (fails == 1 && only != FACET_COUNT) {
		facets_only(c, pf->ix, dn, dormant, only);
	}
}

/* Counts a batch of candidate docs, fetching each one's frec AHEAD
 * candidates before it is needed. */
static void facets_batch(struct fcount *c, const struct pfilters *pf, const uint32_t *d, size_t n,
                         size_t *total)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i + AHEAD < n)
			PREFETCH(&pf->ix->frec[d[i + AHEAD]]);
		facets_doc(c, pf, d[i], total);
	}
}

#define BATCH 1024

/* Every doc matching the words (all docs without words). */
static void facets_scan(struct fcount *c, struct words *sq, const struct pfilters *pf,
                        size_t *total)
{
	uint32_t batch[BATCH], d = 0, ndocs = pf->ix->ndocs;
	size_t n;

	while (d != DOC_END) {
		if (sq->text) {
			n = search_words_collect(sq, &d, batch, BATCH);
		} else {
			for (n = 0; n < BATCH && d < ndocs; n++)
				batch[n] = d++;
			if (d >= ndocs)
				d = DOC_END;
		}
		facets_batch(c, pf, batch, n, total);
	}
}

/* ---- results ---- */

static void facets_alloc(struct fcount *c, const struct match_index *ix)
{
	int f;

	memset(c, 0, sizeof(*c));
	for (f = 0; f < FACET_COUNT; f++) {
		if (facet_defs[f].names != NULL)
			continue;
		c->size[f] = facets_dict(ix, (enum match_facet)f)->n + facet_defs[f].shift;
		c->n[f] = xcalloc(c->size[f] ? c->size[f] : 1, sizeof(uint32_t));
	}
	c->slot_skill = xcalloc(ix->skills.n + FREC_SKILLS, sizeof(uint32_t));
	c->slot_network = xcalloc(ix->networks.n + FREC_NETWORKS, sizeof(uint32_t));
}

static void facets_free_counts(struct fcount *c)
{
	int f;

	for (f = 0; f < FACET_COUNT; f++)
		free(c->n[f]);
	free(c->slot_skill);
	free(c->slot_network);
}

/* Adds the frecs' slot counts of values 0..n-1 (slot value: + max) to
 * counts[value + add]. */
static void facets_unslot(uint32_t *counts, const uint32_t *slots, uint32_t n, uint32_t max,
                          uint32_t add)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		counts[i + add] += slots[i + max];
}

/* Spreads the bins over the one-valued facets. */
static void facets_unbin(struct fcount *c)
{
	unsigned b, i;
	int f;

	for (b = 0; b < NBINS; b++) {
		for (f = FACET_PRESENCE; f < FACET_COUNT; f++) {
			const struct facet_def *def = &facet_defs[f];
			unsigned v = b >> def->bit & def->mask;

			for (i = 0; def->is_bits && i < def->nnames; i++)
				c->one[f][i] += (v >> i & 1u) * c->bins[b];
			if (!def->is_bits)
				c->one[f][v] += c->bins[b];
		}
	}
}

static int facets_value_cmp(const void *a, const void *b)
{
	const struct match_facet_value *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

/* The value of facet f at count index i, and its count; NULL: none. */
static const char *facets_value(const struct fcount *c, const struct match_index *ix,
                                enum match_facet f, uint32_t i, size_t *count)
{
	const struct facet_def *def = &facet_defs[f];

	if (def->names != NULL) {
		/* pay counts value 0 as "unknown": shifted by one */
		uint32_t v = f == FACET_PAY ? i + 1 : i;

		*count = c->one[f][v];
		return def->names[i];
	}
	*count = i < def->shift ? 0 : c->n[f][i];
	return dict_str(facets_dict(ix, f), i - def->shift);
}

/* Non-zero counts of facet f, most frequent first, at most max. */
static void facets_emit(struct match_facets *out, const struct fcount *c,
                        const struct match_index *ix, enum match_facet f, size_t max)
{
	uint32_t size = facet_defs[f].names ? facet_defs[f].nnames : c->size[f], i;
	struct match_facet_value *v = xmalloc((size ? size : 1) * sizeof(*v));
	size_t n = 0;

	for (i = 0; i < size; i++) {
		v[n].value = facets_value(c, ix, f, i, &v[n].count);
		if (v[n].count > 0)
			n++;
	}
	qsort(v, n, sizeof(*v), facets_value_cmp);
	out->values[f] = v;
	out->nvalues[f] = n < max ? n : max;
}

struct match_facets *match_facets(const struct match_index *ix, const struct match_query *q,
                                  size_t max_values)
{
	struct match_facets *out = NULL;
	struct pfilters pf;
	struct words sq;
	struct fcount c;
	int f;

	if (q == NULL || filter_prepare(ix, q, &pf) < 0)
		return NULL;
	facets_alloc(&c, ix);
	if (search_words_prepare(ix, q, &sq) < 0)
		goto out;
	out = xcalloc(1, sizeof(*out));
	facets_scan(&c, &sq, &pf, &out->total);
	facets_unbin(&c);
	facets_unslot(c.n[FACET_SKILL], c.slot_skill, ix->skills.n, FREC_SKILLS, 1);
	facets_unslot(c.n[FACET_NETWORK], c.slot_network, ix->networks.n, FREC_NETWORKS, 0);
	facets_unslot(c.n[FACET_SECTOR], c.slot_sector, ix->sectors.n, FREC_SECTORS, 0);
	facets_unslot(c.n[FACET_LANGUAGE], c.slot_lang, ix->langs.n, FREC_LANGS, 0);
	for (f = 0; f < FACET_COUNT; f++)
		facets_emit(out, &c, ix, (enum match_facet)f, max_values);
out:
	facets_free_counts(&c);
	search_words_release(&sq);
	filter_release(&pf);
	return out;
}

void match_facets_free(struct match_facets *f)
{
	int i;

	if (f == NULL)
		return;
	for (i = 0; i < FACET_COUNT; i++)
		free(f->values[i]);
	free(f);
}
