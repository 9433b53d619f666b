/* index: experts as doc numbers, their pool data, text postings and
 * attribute lists; put, remove and compaction (internal.h). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

#define MAX_SPANS 65535       /* periods, stays, conflicts */
#define MAX_TOKENS (1u << 20) /* tokens in one expert's text */
#define COMPACT_MIN 32        /* fewer tombstones than this never trigger compaction */

/* 2 x the BM25F weight of each field: whole numbers keep lengths exact. */
static const uint32_t field_weight2[MF_FIELDS] = {
        [MF_NAME] = 6,       /* 3 */
        [MF_HEADLINE] = 5,   /* 2.5 */
        [MF_SKILLS] = 4,     /* 2 */
        [MF_BIO] = 2,        /* 1 */
        [MF_EXPERIENCE] = 2, /* 1 */
};

/* One (term, weight) occurrence while indexing a doc's text. */
struct occ {
	uint32_t term, w2;
};

struct match_index *match_new(void)
{
	struct match_index *ix = xcalloc(1, sizeof(*ix));

	dict_init(&ix->terms);
	idmap_init(&ix->by_id);
	idmap_init(&ix->need_by_id);
	return ix;
}

static void index_release_alists(struct alist *a, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		alist_release(&a[i]);
	free(a);
}

void match_free(struct match_index *ix)
{
	uint32_t i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->plist_cap; i++)
		plist_release(&ix->plists[i]);
	free(ix->plists);
	index_release_alists(ix->by_skill, ix->skill_cap);
	index_release_alists(ix->by_domain, ix->domain_cap);
	index_release_alists(ix->by_sector, ix->sector_cap);
	for (i = 0; i < ix->ndocs; i++)
		free(ix->docs[i].ref);
	free(ix->docs);
	free(ix->hot);
	free(ix->frec);
	free(ix->nsum);
	free(ix->dls);
	free(ix->ids);
	free(ix->pool);
	free(ix->fwd);
	idmap_release(&ix->by_id);
	need_release_all(ix);
	idmap_release(&ix->need_by_id);
	dict_release(&ix->terms);
	dict_release(&ix->countries);
	dict_release(&ix->cities);
	dict_release(&ix->sectors);
	dict_release(&ix->skills);
	dict_release(&ix->domains);
	dict_release(&ix->networks);
	dict_release(&ix->langs);
	free(ix);
}

/* ---- validation: nothing is written before the expert passes ---- */

static int index_check_strs(const struct match_strs *s, size_t max)
{
	size_t i;

	if (s->n > max || (s->n > 0 && s->v == NULL))
		return -1;
	for (i = 0; i < s->n; i++)
		if (s->v[i] == NULL)
			return -1;
	return 0;
}

static int index_check_spans(const struct match_period *p, size_t n)
{
	size_t i;

	if (n > MAX_SPANS || (n > 0 && p == NULL))
		return -1;
	for (i = 0; i < n; i++)
		if (p[i].from > p[i].to || p[i].from < 0)
			return -1;
	return 0;
}

static int index_check_text(const struct match_expert *e)
{
	size_t total = 0;
	int f;

	for (f = 0; f < MF_FIELDS; f++) {
		if (index_check_strs(&e->tokens[f], MAX_TOKENS) < 0)
			return -1;
		total += e->tokens[f].n;
	}
	return total > MAX_TOKENS ? -1 : 0;
}

static int index_check_lists(const struct match_expert *e)
{
	size_t i;

	if (index_check_strs(&e->sectors, MAX_LIST) < 0 ||
	    index_check_strs(&e->preferred_sectors, MAX_LIST - e->sectors.n) < 0 ||
	    index_check_strs(&e->networks, MAX_LIST) < 0 ||
	    index_check_strs(&e->regions, MAX_LIST) < 0)
		return -1;
	if (e->nskills > MAX_LIST || (e->nskills > 0 && e->skills == NULL))
		return -1;
	for (i = 0; i < e->nskills; i++)
		if (e->skills[i].level < 1 || e->skills[i].level > 5)
			return -1;
	if (e->nlangs > MAX_LIST || (e->nlangs > 0 && e->langs == NULL))
		return -1;
	for (i = 0; i < e->nlangs; i++)
		if (e->langs[i].code == NULL || e->langs[i].level < 1 || e->langs[i].level > 6)
			return -1;
	if (e->nconflicts > MAX_SPANS || (e->nconflicts > 0 && e->conflicts == NULL))
		return -1;
	return index_check_spans(e->available, e->navailable) < 0 ||
	                       index_check_spans(e->stays, e->nstays) < 0
	               ? -1
	               : 0;
}

static int index_check_scalars(const struct match_expert *e)
{
	if ((e->presence & ~7u) != 0 || (e->modes & ~3u) != 0 || (e->flags & ~31u) != 0)
		return -1;
	if (e->pay < MATCH_PAY_UNKNOWN || e->pay > MATCH_PAY_EITHER)
		return -1;
	if (e->hours_per_month < 0 || e->confirmed < 0)
		return -1;
	if (e->utc_offset_min != MATCH_TZ_UNKNOWN &&
	    (e->utc_offset_min < -14 * 60 || e->utc_offset_min > 14 * 60))
		return -1;
	if (!(e->rating == 0 || (e->rating >= 1 && e->rating <= 5)))
		return -1;
	if (e->recent_engagements < 0 || e->recent_engagements > 65535 ||
	    e->active_engagements < 0 || e->active_engagements > 65535)
		return -1;
	return 0;
}

static int index_check(const struct match_index *ix, const struct match_expert *e)
{
	size_t words;

	if (e == NULL || index_check_text(e) < 0 || index_check_lists(e) < 0 ||
	    index_check_scalars(e) < 0)
		return -1;
	words = e->sectors.n + e->preferred_sectors.n + e->networks.n + e->nlangs +
	        2 * (e->nskills + e->navailable + e->nstays + e->nconflicts);
	if (ix->npool + words > UINT32_MAX || ix->ndocs >= UINT32_MAX - 1)
		return -1;
	if (e->country != NULL && ix->countries.n >= MAX_VALUES &&
	    dict_find(&ix->countries, e->country) == ID_NONE)
		return -1;
	return ix->nfwd + 5 * (size_t)MAX_TOKENS > UINT32_MAX ? -1 : 0;
}

/* ---- growth helpers ---- */

/* Grows a zero-filled array of elements of size `size` to hold index i. */
static void *index_grow(void *p, uint32_t *cap, uint32_t i, size_t size)
{
	uint32_t n = *cap ? *cap : 16;

	if (i < *cap)
		return p;
	while (n <= i)
		n *= 2;
	p = xrealloc(p, (size_t)n * size);
	memset((char *)p + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
	*cap = n;
	return p;
}

static uint32_t *index_pool_reserve(struct match_index *ix, size_t words)
{
	if (ix->pool == NULL || ix->npool + words > ix->pool_cap) {
		size_t cap = ix->pool_cap ? ix->pool_cap : 1024;

		while (cap < ix->npool + words)
			cap += cap / 2;
		ix->pool = xrealloc(ix->pool, cap * sizeof(*ix->pool));
		ix->pool_cap = cap;
	}
	return ix->pool + ix->npool;
}

static uint8_t *index_fwd_reserve(struct match_index *ix, size_t bytes)
{
	if (ix->fwd == NULL || ix->nfwd + bytes > ix->fwd_cap) {
		size_t cap = ix->fwd_cap ? ix->fwd_cap : 4096;

		while (cap < ix->nfwd + bytes)
			cap += cap / 2;
		ix->fwd = xrealloc(ix->fwd, cap);
		ix->fwd_cap = cap;
	}
	return ix->fwd + ix->nfwd;
}

/* ---- pool: the doc's variable-length data ---- */

/* Index of word w among the n words at p (mask applied), or n. */
static uint8_t index_find_word(const uint32_t *p, uint8_t n, uint32_t w, uint32_t mask)
{
	uint8_t i;

	for (i = 0; i < n; i++)
		if ((p[i] & mask) == w)
			break;
	return i;
}

/* Appends distinct ids of s (interned in d) at p; returns how many. */
static uint8_t index_put_ids(struct dict *d, const struct match_strs *s, uint32_t *p, uint8_t n,
                             uint32_t bits)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		uint32_t id = dict_intern(d, s->v[i]);
		uint8_t at = index_find_word(p, n, id, ~PREFERRED);

		if (at == n)
			p[n++] = id | bits;
		else
			p[at] |= bits;
	}
	return n;
}

static uint8_t index_put_langs(struct match_index *ix, const struct match_expert *e, uint32_t *p)
{
	uint8_t n = 0;
	size_t i;

	for (i = 0; i < e->nlangs; i++) {
		uint32_t id = dict_intern(&ix->langs, e->langs[i].code);
		uint32_t level = (uint32_t)e->langs[i].level;
		uint8_t at = index_find_word(p, n, id << 3, ~7u);

		if (at == n)
			p[n++] = id << 3 | level;
		else if ((p[at] & 7u) < level)
			p[at] = id << 3 | level;
	}
	return n;
}

/* Skill ids at ids, (domain << 3 | level) at info (room for e->nskills
 * after ids); a repeated skill keeps its best level. */
static uint8_t index_put_skills(struct match_index *ix, const struct match_expert *e, uint32_t *ids)
{
	uint32_t *info = ids + e->nskills;
	uint8_t n = 0, j;
	size_t i;

	for (i = 0; i < e->nskills; i++) {
		const struct match_skill *s = &e->skills[i];
		uint32_t id = s->id ? dict_intern(&ix->skills, s->id) : ID_NONE;
		uint32_t dom = s->domain ? dict_intern(&ix->domains, s->domain) : SKILL_DOMAIN_NONE;
		uint32_t level = (uint32_t)s->level;

		for (j = 0; id != ID_NONE && j < n; j++)
			if (ids[j] == id)
				break;
		if (id == ID_NONE || j == n) {
			ids[n] = id;
			info[n++] = dom << 3 | level;
		} else if ((info[j] & 7u) < level) {
			info[j] = dom << 3 | level;
		}
	}
	/* Close the gap between the ids and the info kept. */
	memmove(ids + n, info, n * sizeof(*info));
	return n;
}

static int index_span_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] > y[1]) - (x[1] < y[1]);
}

/* Periods as (from, to) pairs sorted by from. */
static uint16_t index_put_spans(const struct match_period *s, size_t n, uint32_t *p)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[2 * i] = (uint32_t)s[i].from;
		p[2 * i + 1] = (uint32_t)s[i].to;
	}
	if (n > 1)
		qsort(p, n, 2 * sizeof(*p), index_span_cmp);
	return (uint16_t)n;
}

static void index_put_pool(struct match_index *ix, const struct match_expert *e, uint32_t dn)
{
	size_t i, words = e->sectors.n + e->preferred_sectors.n + e->networks.n + e->nlangs +
	                  2 * (e->nskills + e->navailable + e->nstays + e->nconflicts);
	uint32_t *p = index_pool_reserve(ix, words), *start = p;
	struct hot *h = &ix->hot[dn];
	struct doc *d = &ix->docs[dn];

	h->pool = (uint32_t)ix->npool;
	h->nsectors = index_put_ids(&ix->sectors, &e->sectors, p, 0, 0);
	h->nsectors = index_put_ids(&ix->sectors, &e->preferred_sectors, p, h->nsectors, PREFERRED);
	p += h->nsectors;
	h->nnetworks = index_put_ids(&ix->networks, &e->networks, p, 0, 0);
	p += h->nnetworks;
	h->nlangs = index_put_langs(ix, e, p);
	p += h->nlangs;
	h->nskills = index_put_skills(ix, e, p);
	p += 2 * (size_t)h->nskills;
	d->navail = index_put_spans(e->available, e->navailable, p);
	p += 2 * (size_t)d->navail;
	d->nstays = index_put_spans(e->stays, e->nstays, p);
	p += 2 * (size_t)d->nstays;
	for (i = 0; i < e->nconflicts; i++) {
		p[2 * i] = (uint32_t)((uint64_t)e->conflicts[i] & 0xffffffffu);
		p[2 * i + 1] = (uint32_t)((uint64_t)e->conflicts[i] >> 32);
	}
	d->nconflicts = (uint16_t)e->nconflicts;
	p += 2 * e->nconflicts;
	ix->npool += (size_t)(p - start);
}

/* ---- attribute lists: skills (with level), domains, sectors ---- */

static void index_put_alists(struct match_index *ix, uint32_t dn)
{
	const struct hot *h = &ix->hot[dn];
	const uint32_t *ids = doc_skill_ids(ix, dn), *info = doc_skill_info(ix, dn);
	const uint32_t *sec = doc_sectors(ix, dn);
	uint8_t i, j;

	for (i = 0; i < h->nsectors; i++) {
		uint32_t id = sec[i] & ~PREFERRED;

		ix->by_sector =
		        index_grow(ix->by_sector, &ix->sector_cap, id, sizeof(struct alist));
		alist_add(&ix->by_sector[id], dn, -1);
	}
	for (i = 0; i < h->nskills; i++) {
		uint32_t dom = info[i] >> 3;

		if (ids[i] != ID_NONE) {
			ix->by_skill = index_grow(ix->by_skill, &ix->skill_cap, ids[i],
			                          sizeof(struct alist));
			alist_add(&ix->by_skill[ids[i]], dn, (int)(info[i] & 7u));
		}
		for (j = 0; j < i; j++)
			if (info[j] >> 3 == dom)
				break;
		if (dom == SKILL_DOMAIN_NONE || j < i)
			continue;
		ix->by_domain =
		        index_grow(ix->by_domain, &ix->domain_cap, dom, sizeof(struct alist));
		alist_add(&ix->by_domain[dom], dn, -1);
	}
}

/* ---- need bounds: struct nsum ---- */

/* The smallest n with n / scale >= x (x <= 255 / scale), as a byte. */
static uint8_t index_ceil(double x, double scale)
{
	double v = x * scale * (1.0 + 1e-12);
	uint32_t n = (uint32_t)v;

	if (n < v)
		n++;
	return (uint8_t)(n > 255 ? 255 : n);
}

/* Fills the max slots (of size bytes, each value at most top) from the n
 * ids at p: (id & mask) >> shift, + max; an empty slot (past n, or
 * ID_NONE) holds its own position. 0, or -1 when they do not fit. */
static int index_frec_slots(void *slots, size_t size, uint32_t max, const uint32_t *p, uint32_t n,
                            uint32_t mask, unsigned shift, uint32_t top)
{
	uint32_t i;

	if (n > max)
		return -1;
	for (i = 0; i < max; i++) {
		uint32_t v = i < n && p[i] != ID_NONE ? ((p[i] & mask) >> shift) + max : i;

		if (v > top)
			return -1;
		if (size == 1)
			((uint8_t *)slots)[i] = (uint8_t)v;
		else
			((uint16_t *)slots)[i] = (uint16_t)v;
	}
	return 0;
}

void index_put_frec(struct match_index *ix, uint32_t dn)
{
	const struct hot *h = &ix->hot[dn];
	struct frec *r = &ix->frec[dn];

	memset(r, 0, sizeof(*r));
	r->confirmed = h->confirmed;
	r->country = h->country;
	r->flags = h->flags;
	r->offer = h->offer;
	r->spill = index_frec_slots(r->skill, 2, FREC_SKILLS, doc_skill_ids(ix, dn), h->nskills,
	                            ~0u, 0, UINT16_MAX) < 0 ||
	           index_frec_slots(r->network, 2, FREC_NETWORKS, doc_networks(ix, dn),
	                            h->nnetworks, ~0u, 0, UINT16_MAX) < 0 ||
	           index_frec_slots(r->sector, 1, FREC_SECTORS, doc_sectors(ix, dn), h->nsectors,
	                            ~PREFERRED, 0, UINT8_MAX) < 0 ||
	           index_frec_slots(r->lang, 1, FREC_LANGS, doc_langs(ix, dn), h->nlangs, ~0u, 3,
	                            UINT8_MAX) < 0;
}

static void index_put_nsum(struct match_index *ix, uint32_t dn)
{
	const struct hot *h = &ix->hot[dn];
	const struct doc *d = &ix->docs[dn];
	const uint32_t *sec = doc_sectors(ix, dn), *lang = doc_langs(ix, dn);
	const uint32_t *info = doc_skill_info(ix, dn);
	struct nsum *s = &ix->nsum[dn];
	uint8_t i;

	memset(s, 0, sizeof(*s));
	s->confirmed = h->confirmed;
	s->flags = h->flags;
	s->bits = (uint8_t)((h->offer & 7u) | (d->tz != MATCH_TZ_UNKNOWN ? NS_TZ : 0) |
	                    (d->navail ? NS_AVAIL : 0) | (d->nstays ? NS_STAYS : 0));
	s->quality =
	        index_ceil(match_factor_weight[FACTOR_EVALUATIONS] * score_evaluations(d->rating) +
	                           match_factor_weight[FACTOR_FAIRNESS] * score_fairness(d->recent),
	                   8);
	if (d->hours > 0)
		s->capacity = index_ceil(
		        match_factor_weight[FACTOR_CAPACITY] * score_capacity_max(d->active), 8);
	if (d->tz != MATCH_TZ_UNKNOWN)
		s->tz = index_ceil(score_tz_minutes(d->tz) / 540.0, 255);
	for (i = 0; i < h->nsectors; i++) {
		s->sectors |= (uint8_t)(1u << ((sec[i] & ~PREFERRED) % 8));
		if (sec[i] & PREFERRED)
			s->preferred |= (uint8_t)(1u << ((sec[i] & ~PREFERRED) % 8));
	}
	for (i = 0; i < h->nlangs; i++)
		s->langs |= (uint8_t)(1u << ((lang[i] >> 3) % 8));
	for (i = 0; i < h->nskills; i++)
		if (info[i] >> 3 != SKILL_DOMAIN_NONE)
			s->domains |= 1u << ((info[i] >> 3) % 32);
}

/* ---- text: BM25F postings and the forward term list ---- */

static int index_occ_cmp(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;

	return (x->term > y->term) - (x->term < y->term);
}

/* Interns every token; returns the occurrences (caller frees) and sets
 * *len2 to 2 x the weighted length. */
static struct occ *index_collect(struct match_index *ix, const struct match_expert *e, size_t *nocc,
                                 uint64_t *len2)
{
	size_t total = 0, n = 0, i;
	struct occ *occ;
	int f;

	for (f = 0; f < MF_FIELDS; f++)
		total += e->tokens[f].n;
	occ = xmalloc((total ? total : 1) * sizeof(*occ));
	*len2 = 0;
	for (f = 0; f < MF_FIELDS; f++) {
		for (i = 0; i < e->tokens[f].n; i++) {
			const char *t = e->tokens[f].v[i];

			if (*t == '\0')
				continue;
			occ[n].term = dict_intern(&ix->terms, t);
			occ[n].w2 = field_weight2[f];
			*len2 += field_weight2[f];
			n++;
		}
	}
	qsort(occ, n, sizeof(*occ), index_occ_cmp);
	*nocc = n;
	return occ;
}

static size_t index_varint(uint8_t *p, uint32_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static uint32_t index_unvarint(const uint8_t **p)
{
	uint32_t v = 0;
	int shift = 0;

	while (**p & 0x80) {
		v |= (uint32_t)(**p & 0x7f) << shift;
		shift += 7;
		(*p)++;
	}
	v |= (uint32_t) * *p << shift;
	(*p)++;
	return v;
}

static void index_put_text(struct match_index *ix, const struct match_expert *e, uint32_t dn)
{
	struct doc *d = &ix->docs[dn];
	uint64_t len2;
	size_t n, i = 0;
	struct occ *occ = index_collect(ix, e, &n, &len2);
	uint8_t *fwd = index_fwd_reserve(ix, 5 * n);
	uint32_t prev = 0;

	ix->plists = index_grow(ix->plists, &ix->plist_cap, ix->terms.n, sizeof(struct plist));
	ix->dls[dn] = (float)len2 * 0.5f;
	d->fwd = (uint32_t)ix->nfwd;
	d->nterms = 0;
	ix->dl2_sum += len2;
	while (i < n) {
		uint32_t t = occ[i].term, tf2 = 0;

		for (; i < n && occ[i].term == t; i++)
			tf2 += occ[i].w2;
		plist_add(&ix->plists[t], dn, (uint16_t)(tf2 > 65535 ? 65535 : tf2), ix->dls[dn]);
		ix->plists[t].df++;
		ix->nfwd += index_varint(fwd + (ix->nfwd - d->fwd), t - prev);
		prev = t;
		d->nterms++;
	}
	free(occ);
}

/* ---- put / remove ---- */

static void index_fill_doc(struct match_index *ix, const struct match_expert *e, uint32_t dn)
{
	struct doc *d = &ix->docs[dn];
	struct hot *h = &ix->hot[dn];

	memset(d, 0, sizeof(*d));
	memset(h, 0, sizeof(*h));
	ix->ids[dn] = e->id;
	d->ref = e->ref ? xstrdup(e->ref) : NULL;
	d->city = e->city ? dict_intern(&ix->cities, e->city) : ID_NONE;
	d->hours = e->hours_per_month;
	d->tz = e->utc_offset_min;
	d->rating = (float)e->rating;
	d->recent = (uint16_t)e->recent_engagements;
	d->active = (uint16_t)e->active_engagements;
	h->confirmed = e->confirmed;
	h->country = (uint16_t)(e->country ? dict_intern(&ix->countries, e->country) + 1 : 0);
	h->flags = (uint8_t)e->flags;
	h->offer = (uint8_t)(e->presence | e->modes << 3 | (unsigned)e->pay << 5);
}

static void index_append(struct match_index *ix, const struct match_expert *e)
{
	uint32_t dn = ix->ndocs, cap = ix->doc_cap;

	/* docs, hot, dls, ids, frec and nsum share doc_cap: each grows from it the same way. */
	ix->docs = index_grow(ix->docs, &cap, dn, sizeof(struct doc));
	cap = ix->doc_cap;
	ix->hot = index_grow(ix->hot, &cap, dn, sizeof(struct hot));
	cap = ix->doc_cap;
	ix->dls = index_grow(ix->dls, &cap, dn, sizeof(float));
	cap = ix->doc_cap;
	ix->ids = index_grow(ix->ids, &cap, dn, sizeof(int64_t));
	cap = ix->doc_cap;
	ix->frec = index_grow(ix->frec, &cap, dn, sizeof(struct frec));
	ix->nsum = index_grow(ix->nsum, &ix->doc_cap, dn, sizeof(struct nsum));
	index_fill_doc(ix, e, dn);
	ix->ndocs++;
	index_put_pool(ix, e, dn);
	index_put_frec(ix, dn);
	index_put_nsum(ix, dn);
	index_put_alists(ix, dn);
	index_put_text(ix, e, dn);
	idmap_put(&ix->by_id, e->id, dn);
	ix->nlive++;
}

/* Tombstones doc number dn: live statistics forget it at once. */
static void index_kill(struct match_index *ix, uint32_t dn)
{
	struct doc *d = &ix->docs[dn];
	const uint8_t *p = ix->fwd + d->fwd;
	uint32_t i, t = 0;

	for (i = 0; i < d->nterms; i++) {
		t += index_unvarint(&p);
		ix->plists[t].df--;
	}
	ix->dl2_sum -= (uint64_t)(ix->dls[dn] * 2.0f);
	free(d->ref);
	d->ref = NULL;
	ix->hot[dn].flags |= HOT_DEAD;
	ix->frec[dn].flags |= HOT_DEAD;
	ix->nsum[dn].flags |= HOT_DEAD;
	idmap_del(&ix->by_id, ix->ids[dn]);
	ix->nlive--;
	ix->ndead++;
}

static void index_maybe_compact(struct match_index *ix)
{
	if (ix->ndead >= COMPACT_MIN && (uint64_t)ix->ndead * 4 > ix->ndocs)
		index_compact(ix);
}

int match_put_expert(struct match_index *ix, const struct match_expert *e)
{
	uint32_t old;

	if (index_check(ix, e) < 0)
		return -1;
	old = idmap_get(&ix->by_id, e->id);
	if (old != ID_NONE)
		index_kill(ix, old);
	index_append(ix, e);
	index_maybe_compact(ix);
	return 0;
}

int match_remove_expert(struct match_index *ix, int64_t id)
{
	uint32_t dn = idmap_get(&ix->by_id, id);

	if (dn == ID_NONE)
		return -1;
	index_kill(ix, dn);
	index_maybe_compact(ix);
	return 0;
}

size_t match_experts(const struct match_index *ix)
{
	return ix->nlive;
}

/* ---- compaction ---- */

/* Bytes of doc dn's forward list (docs are laid out in doc order). */
static size_t index_fwd_len(const struct match_index *ix, uint32_t dn)
{
	return (dn + 1 < ix->ndocs ? ix->docs[dn + 1].fwd : ix->nfwd) - ix->docs[dn].fwd;
}

/* Moves the live docs down in place; fills remap (old -> new). */
static void index_compact_docs(struct match_index *ix, uint32_t *remap)
{
	uint32_t i, n = 0;
	size_t npool = 0, nfwd = 0;

	for (i = 0; i < ix->ndocs; i++) {
		size_t words = doc_pool_words(ix, i), bytes = index_fwd_len(ix, i);
		struct doc d = ix->docs[i];
		struct hot h = ix->hot[i];
		struct nsum s = ix->nsum[i];

		remap[i] = ID_NONE;
		if (h.flags & HOT_DEAD)
			continue;
		memmove(ix->pool + npool, ix->pool + h.pool, words * sizeof(*ix->pool));
		memmove(ix->fwd + nfwd, ix->fwd + d.fwd, bytes);
		h.pool = (uint32_t)npool;
		d.fwd = (uint32_t)nfwd;
		npool += words;
		nfwd += bytes;
		ix->docs[n] = d;
		ix->hot[n] = h;
		ix->frec[n] = ix->frec[i];
		ix->nsum[n] = s;
		ix->dls[n] = ix->dls[i];
		ix->ids[n] = ix->ids[i];
		remap[i] = n++;
	}
	ix->ndocs = n;
	ix->npool = npool;
	ix->nfwd = nfwd;
}

static void index_compact_alists(struct alist *a, uint32_t n, const uint32_t *remap)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		alist_compact(&a[i], remap);
}

void index_compact(struct match_index *ix)
{
	uint32_t *remap = xmalloc(((size_t)ix->ndocs + 1) * sizeof(*remap));
	uint32_t i;

	index_compact_docs(ix, remap);
	for (i = 0; i < ix->terms.n; i++)
		plist_compact(&ix->plists[i], remap, ix->dls);
	index_compact_alists(ix->by_skill, ix->skill_cap, remap);
	index_compact_alists(ix->by_domain, ix->domain_cap, remap);
	index_compact_alists(ix->by_sector, ix->sector_cap, remap);
	for (i = 0; i < ix->by_id.cap; i++)
		if (ix->by_id.vals[i] != ID_NONE)
			ix->by_id.vals[i] = remap[ix->by_id.vals[i]];
	ix->ndead = 0;
	ix->ncompactions++;
	free(remap);
}

/* ---- memory ---- */

static size_t index_alists_memory(const struct alist *a, uint32_t n)
{
	size_t sum = (size_t)n * sizeof(*a);
	uint32_t i;

	for (i = 0; i < n; i++)
		sum += alist_memory(&a[i]);
	return sum;
}

size_t match_memory(const struct match_index *ix)
{
	size_t sum = sizeof(*ix);
	uint32_t i;

	sum += dict_memory(&ix->terms) + dict_memory(&ix->countries) + dict_memory(&ix->cities) +
	       dict_memory(&ix->sectors) + dict_memory(&ix->skills) + dict_memory(&ix->domains) +
	       dict_memory(&ix->networks) + dict_memory(&ix->langs);
	sum += (size_t)ix->plist_cap * sizeof(struct plist);
	for (i = 0; i < ix->plist_cap; i++)
		sum += plist_memory(&ix->plists[i]);
	sum += index_alists_memory(ix->by_skill, ix->skill_cap) +
	       index_alists_memory(ix->by_domain, ix->domain_cap) +
	       index_alists_memory(ix->by_sector, ix->sector_cap);
	sum += (size_t)ix->doc_cap *
	       (sizeof(struct doc) + sizeof(struct hot) + sizeof(struct frec) +
	        sizeof(struct nsum) + sizeof(float) + sizeof(int64_t));
	sum += ix->pool_cap * sizeof(*ix->pool) + ix->fwd_cap;
	for (i = 0; i < ix->ndocs; i++)
		if (ix->docs[i].ref != NULL)
			sum += strlen(ix->docs[i].ref) + 1;
	return sum + idmap_memory(&ix->by_id) + idmap_memory(&ix->need_by_id) + need_memory(ix);
}
