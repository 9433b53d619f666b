/* snapshot: the whole index as bytes and back (match.h: match_save,
 * match_load), so that a node starts from its last snapshot and the change
 * log instead of reading every profile from storage.
 *
 * Layout (native byte order and struct sizes: a snapshot is read back by
 * the binary that wrote it, on the same machine; the header refuses any
 * other):
 *
 *   header   magic "KAFAATIX", version, byte-order mark, sizeof hot, nsum,
 *            doc; the caller's three words (match_snapshot_meta)
 *   dicts    terms, countries, cities, sectors, skills, domains, networks,
 *            langs: count, then each string with its NUL, in id order
 *   plists   one per term id: n, df, maxtf, mindlr, docs, tf2, blocks
 *   alists   by skill, domain and sector id: count, then each: n, whether
 *            it has levels, docs, levels
 *   docs     ndocs; each doc's fields and ref; hot, nsum, dls, ids as arrays
 *   pool     words; fwd bytes
 *   totals   nlive, ndead, dl2_sum, ncompactions
 *   trailer  a 64-bit hash of every byte before it, and "KAFAATIX" again
 *
 * Needs are not kept: the caller puts the published needs again. The id
 * maps are rebuilt from the live docs. Loading checks sizes and offsets
 * against the data, so a truncated or damaged file is refused (NULL), never
 * followed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

#define SNAP_MAGIC "KAFAATIX"
#define SNAP_VERSION 1u
#define SNAP_BOM 0x01020304u
#define SNAP_CHUNK (1u << 20) /* the writer's buffer; a multiple of 8 */
#define SNAP_TRAILER 16       /* hash + magic */
#define SNAP_MAX_DL 1e8f      /* no text is longer (index.c caps tokens and weights) */

/* ---- the hash: 64-bit words, FNV-style, then a final mix ---- */

static uint64_t snap_hash_words(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t snap_hash_end(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

#define SNAP_HASH_SEED 0xcbf29ce484222325ull

/* ---- writing ---- */

struct snap_w {
	match_write_fn write;
	void *ud;
	uint8_t *buf;
	size_t len;
	uint64_t hash;
	int failed;
};

static void snap_flush(struct snap_w *w)
{
	if (w->len == 0)
		return;
	w->hash = snap_hash_words(w->hash, w->buf, w->len);
	if (!w->failed && w->write(w->ud, w->buf, w->len) < 0)
		w->failed = 1;
	w->len = 0;
}

static void snap_bytes(struct snap_w *w, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		size_t room = SNAP_CHUNK - w->len, k = n < room ? n : room;
		memcpy(w->buf + w->len, b, k);
		w->len += k;
		b += k;
		n -= k;
		if (w->len == SNAP_CHUNK)
			snap_flush(w);
	}
}

static void snap_u32(struct snap_w *w, uint32_t v)
{
	snap_bytes(w, &v, sizeof(v));
}

static void snap_u64(struct snap_w *w, uint64_t v)
{
	snap_bytes(w, &v, sizeof(v));
}

static void snap_dict(struct snap_w *w, const struct dict *d)
{
	uint32_t i;

	snap_u32(w, d->n);
	for (i = 0; i < d->n; i++)
		snap_bytes(w, d->strs[i], strlen(d->strs[i]) + 1);
}

static void snap_plists(struct snap_w *w, const struct match_index *ix)
{
	uint32_t i, n = ix->terms.n < ix->plist_cap ? ix->terms.n : ix->plist_cap;

	snap_u32(w, n);
	for (i = 0; i < n; i++) {
		const struct plist *p = &ix->plists[i];
		snap_u32(w, p->n);
		snap_u32(w, p->df);
		snap_bytes(w, &p->maxtf, sizeof(p->maxtf));
		snap_bytes(w, &p->mindlr, sizeof(p->mindlr));
		snap_bytes(w, p->docs, (size_t)p->n * sizeof(*p->docs));
		snap_bytes(w, p->tf2, (size_t)p->n * sizeof(*p->tf2));
		snap_bytes(w, p->blocks, (size_t)(p->n + BLOCK - 1) / BLOCK * sizeof(*p->blocks));
	}
}

static void snap_alists(struct snap_w *w, const struct alist *a, uint32_t n)
{
	uint32_t i;

	snap_u32(w, n);
	for (i = 0; i < n; i++) {
		snap_u32(w, a[i].n);
		snap_u32(w, a[i].levels != NULL);
		snap_bytes(w, a[i].docs, (size_t)a[i].n * sizeof(*a[i].docs));
		if (a[i].levels != NULL)
			snap_bytes(w, a[i].levels, a[i].n);
	}
}

static void snap_docs(struct snap_w *w, const struct match_index *ix)
{
	uint32_t i;

	snap_u32(w, ix->ndocs);
	for (i = 0; i < ix->ndocs; i++) {
		struct doc d = ix->docs[i];
		uint32_t reflen = d.ref ? (uint32_t)strlen(d.ref) + 1 : 0;
		d.ref = NULL; /* the pointer is not kept; the string follows */
		snap_bytes(w, &d, sizeof(d));
		snap_u32(w, reflen);
		if (reflen)
			snap_bytes(w, ix->docs[i].ref, reflen);
	}
	snap_bytes(w, ix->hot, (size_t)ix->ndocs * sizeof(*ix->hot));
	snap_bytes(w, ix->nsum, (size_t)ix->ndocs * sizeof(*ix->nsum));
	snap_bytes(w, ix->dls, (size_t)ix->ndocs * sizeof(*ix->dls));
	snap_bytes(w, ix->ids, (size_t)ix->ndocs * sizeof(*ix->ids));
}

static const struct dict *snap_dict_at(const struct match_index *ix, int i)
{
	const struct dict *d[] = {&ix->terms,  &ix->countries, &ix->cities,   &ix->sectors,
	                          &ix->skills, &ix->domains,   &ix->networks, &ix->langs};
	return d[i];
}
#define SNAP_DICTS 8

uint64_t match_snapshot_hash(const void *data, size_t n)
{
	return snap_hash_end(snap_hash_words(SNAP_HASH_SEED, data, n));
}

int match_save(const struct match_index *ix, const struct match_snapshot_meta *meta,
               match_write_fn write, void *ud)
{
	struct snap_w w = {write, ud, xmalloc(SNAP_CHUNK), 0, SNAP_HASH_SEED, 0};
	uint64_t hash;
	int i;

	snap_bytes(&w, SNAP_MAGIC, 8);
	snap_u32(&w, SNAP_VERSION);
	snap_u32(&w, SNAP_BOM);
	snap_u32(&w, (uint32_t)sizeof(struct hot));
	snap_u32(&w, (uint32_t)sizeof(struct nsum));
	snap_u32(&w, (uint32_t)sizeof(struct doc));
	snap_u32(&w, 0); /* padding: the caller's words start on 8 bytes */
	for (i = 0; i < 3; i++)
		snap_u64(&w, meta ? meta->words[i] : 0);
	for (i = 0; i < SNAP_DICTS; i++)
		snap_dict(&w, snap_dict_at(ix, i));
	snap_plists(&w, ix);
	snap_alists(&w, ix->by_skill, ix->skill_cap);
	snap_alists(&w, ix->by_domain, ix->domain_cap);
	snap_alists(&w, ix->by_sector, ix->sector_cap);
	snap_docs(&w, ix);
	snap_u64(&w, ix->npool);
	snap_bytes(&w, ix->pool, ix->npool * sizeof(*ix->pool));
	snap_u64(&w, ix->nfwd);
	snap_bytes(&w, ix->fwd, ix->nfwd);
	snap_u32(&w, ix->nlive);
	snap_u32(&w, ix->ndead);
	snap_u64(&w, ix->dl2_sum);
	snap_u64(&w, ix->ncompactions);
	snap_flush(&w);
	hash = snap_hash_end(w.hash);
	if (!w.failed && (write(ud, &hash, sizeof(hash)) < 0 || write(ud, SNAP_MAGIC, 8) < 0))
		w.failed = 1;
	free(w.buf);
	return w.failed ? -1 : 0;
}

/* ---- reading ---- */

struct snap_r {
	const uint8_t *p, *end;
	int bad;
};

/* n bytes at the cursor, or NULL (and bad) when fewer are left. */
static const void *snap_take(struct snap_r *r, size_t n)
{
	const void *p = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	return p;
}

static uint32_t snap_ru32(struct snap_r *r)
{
	uint32_t v = 0;
	const void *p = snap_take(r, sizeof(v));

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t snap_ru64(struct snap_r *r)
{
	uint64_t v = 0;
	const void *p = snap_take(r, sizeof(v));

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

/* n elements of size bytes, copied into room for cap >= n of them (at
 * least one), the rest zero. */
static void *snap_array_cap(struct snap_r *r, size_t n, size_t cap, size_t size)
{
	void *out;
	const void *p;

	if (size != 0 && n > (size_t)(r->end - r->p) / size) {
		r->bad = 1;
		return NULL;
	}
	p = snap_take(r, n * size);
	if (p == NULL)
		return NULL;
	out = xcalloc(cap > n ? cap : n ? n : 1, size);
	memcpy(out, p, n * size);
	return out;
}

static void *snap_array(struct snap_r *r, size_t n, size_t size)
{
	return snap_array_cap(r, n, n, size);
}

static const char *snap_string(struct snap_r *r)
{
	const uint8_t *nul;
	const char *s = (const char *)r->p;

	if (r->bad || (nul = memchr(r->p, 0, (size_t)(r->end - r->p))) == NULL) {
		r->bad = 1;
		return NULL;
	}
	r->p = nul + 1;
	return s;
}

static void snap_rdict(struct snap_r *r, struct dict *d)
{
	uint32_t i, n = snap_ru32(r);

	for (i = 0; i < n && !r->bad; i++) {
		const char *s = snap_string(r);
		if (s && dict_intern(d, s) != i)
			r->bad = 1; /* a string twice: not a dict we wrote */
	}
}

static void snap_rplists(struct snap_r *r, struct match_index *ix)
{
	uint32_t i, n = snap_ru32(r);

	if (r->bad || n > ix->terms.n) {
		r->bad = 1;
		return;
	}
	ix->plist_cap = n ? n : 1;
	ix->plists = xcalloc(ix->plist_cap, sizeof(*ix->plists));
	for (i = 0; i < n && !r->bad; i++) {
		struct plist *p = &ix->plists[i];
		const void *maxtf, *mindlr;
		p->n = snap_ru32(r);
		p->df = snap_ru32(r);
		maxtf = snap_take(r, sizeof(p->maxtf));
		mindlr = snap_take(r, sizeof(p->mindlr));
		if (r->bad || p->df > p->n) {
			r->bad = 1;
			p->n = 0;
			break;
		}
		memcpy(&p->maxtf, maxtf, sizeof(p->maxtf));
		memcpy(&p->mindlr, mindlr, sizeof(p->mindlr));
		p->cap = p->n ? p->n : 2;
		p->docs = snap_array_cap(r, p->n, p->cap, sizeof(*p->docs));
		p->tf2 = snap_array_cap(r, p->n, p->cap, sizeof(*p->tf2));
		/* plist_reserve keeps a block per BLOCK of capacity */
		p->blocks = snap_array_cap(r, (p->n + BLOCK - 1) / BLOCK,
		                           (p->cap + BLOCK - 1) / BLOCK, sizeof(*p->blocks));
		if (p->docs == NULL || p->tf2 == NULL || p->blocks == NULL)
			r->bad = 1;
	}
}

static struct alist *snap_ralists(struct snap_r *r, uint32_t *cap)
{
	uint32_t i, n = snap_ru32(r);
	struct alist *a;

	if (r->bad || n > (uint32_t)((size_t)(r->end - r->p) / 8)) {
		r->bad = 1;
		*cap = 0;
		return NULL;
	}
	a = xcalloc(n ? n : 1, sizeof(*a));
	*cap = n;
	for (i = 0; i < n && !r->bad; i++) {
		uint32_t levels;
		a[i].n = snap_ru32(r);
		levels = snap_ru32(r);
		a[i].docs = snap_array(r, a[i].n, sizeof(*a[i].docs));
		a[i].levels = levels ? snap_array(r, a[i].n, 1) : NULL;
		a[i].cap = a[i].n;
		if (a[i].docs == NULL || (levels && a[i].levels == NULL) || levels > 1) {
			r->bad = 1;
			a[i].n = a[i].cap = 0;
		}
	}
	return a;
}

static void snap_rdocs(struct snap_r *r, struct match_index *ix)
{
	uint32_t i, n = snap_ru32(r);

	if (r->bad || n > (uint32_t)((size_t)(r->end - r->p) / sizeof(struct doc))) {
		r->bad = 1;
		return;
	}
	ix->doc_cap = n ? n : 1;
	ix->docs = xcalloc(ix->doc_cap, sizeof(*ix->docs));
	for (i = 0; i < n && !r->bad; i++) {
		const void *d = snap_take(r, sizeof(struct doc));
		uint32_t reflen = snap_ru32(r);
		const char *ref = reflen ? snap_take(r, reflen) : NULL;
		if (r->bad || (reflen && ref[reflen - 1] != '\0'))
			break;
		memcpy(&ix->docs[i], d, sizeof(struct doc));
		ix->docs[i].ref = ref ? xstrdup(ref) : NULL;
		ix->ndocs = i + 1; /* match_free frees the refs read so far */
	}
	if (r->bad || ix->ndocs != n) {
		r->bad = 1;
		return;
	}
	ix->hot = snap_array_cap(r, n, ix->doc_cap, sizeof(*ix->hot));
	ix->nsum = snap_array_cap(r, n, ix->doc_cap, sizeof(*ix->nsum));
	ix->dls = snap_array_cap(r, n, ix->doc_cap, sizeof(*ix->dls));
	ix->ids = snap_array_cap(r, n, ix->doc_cap, sizeof(*ix->ids));
	if (!ix->hot || !ix->nsum || !ix->dls || !ix->ids)
		r->bad = 1;
}

/* Ascending docs of the index; each block's last doc is its last posting
 * (the cursors' seek relies on it). */
static int snap_plist_ok(const struct plist *p, uint32_t ndocs)
{
	uint32_t j;

	for (j = 0; j < p->n; j++)
		if (p->docs[j] >= ndocs || (j > 0 && p->docs[j] <= p->docs[j - 1]))
			return 0;
	for (j = 0; j * BLOCK < p->n; j++) {
		uint32_t end = (j + 1) * BLOCK < p->n ? (j + 1) * BLOCK : p->n;
		if (p->blocks[j].last != p->docs[end - 1])
			return 0;
	}
	return 1;
}

static int snap_alists_ok(const struct alist *a, uint32_t n, uint32_t ndocs)
{
	uint32_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < a[i].n; j++)
			if (a[i].docs[j] >= ndocs || (a[i].levels && a[i].levels[j] > 5))
				return 0;
	return 1;
}

/* The doc's distinct terms decode inside fwd to term ids of the index. */
static int snap_fwd_ok(const struct match_index *ix, const struct doc *d)
{
	size_t at = d->fwd;
	uint32_t i, t = 0;

	for (i = 0; i < d->nterms; i++) {
		uint32_t v = 0, shift = 0;
		uint8_t b;
		do {
			if (at >= ix->nfwd || shift > 28)
				return 0;
			b = ix->fwd[at++];
			v |= (uint32_t)(b & 0x7f) << shift;
			shift += 7;
		} while (b & 0x80);
		t += v;
		if (t >= ix->plist_cap || t >= ix->terms.n)
			return 0;
	}
	return 1;
}

/* Each pool word names a value of its dict, levels within their scales. */
static int snap_pool_ok(const struct match_index *ix, uint32_t dn)
{
	const struct hot *h = &ix->hot[dn];
	const uint32_t *sec = doc_sectors(ix, dn), *net = doc_networks(ix, dn);
	const uint32_t *lang = doc_langs(ix, dn), *ids = doc_skill_ids(ix, dn);
	const uint32_t *info = doc_skill_info(ix, dn);
	uint32_t j;

	for (j = 0; j < h->nsectors; j++)
		if ((sec[j] & ~PREFERRED) >= ix->sectors.n)
			return 0;
	for (j = 0; j < h->nnetworks; j++)
		if (net[j] >= ix->networks.n)
			return 0;
	for (j = 0; j < h->nlangs; j++)
		if (lang[j] >> 3 >= ix->langs.n || (lang[j] & 7u) > 6)
			return 0;
	for (j = 0; j < h->nskills; j++)
		if ((ids[j] != ID_NONE && ids[j] >= ix->skills.n) || (info[j] & 7u) > 5 ||
		    (info[j] >> 3 != SKILL_DOMAIN_NONE && info[j] >> 3 >= ix->domains.n))
			return 0;
	return 1;
}

/* Every offset and id points inside what was read. */
static int snap_consistent(const struct match_index *ix)
{
	uint32_t i;
	uint64_t dl2 = 0;

	for (i = 0; i < ix->ndocs; i++) {
		const struct doc *d = &ix->docs[i];
		const struct hot *h = &ix->hot[i];
		if (!(ix->dls[i] >= 0 && ix->dls[i] <= SNAP_MAX_DL))
			return 0; /* NaN too */
		if (!(h->flags & HOT_DEAD))
			dl2 += (uint64_t)(ix->dls[i] * 2.0f);
		if ((size_t)h->pool + doc_pool_words(ix, i) > ix->npool || !snap_pool_ok(ix, i) ||
		    !snap_fwd_ok(ix, d) || (h->country && h->country > ix->countries.n) ||
		    (d->city != ID_NONE && d->city >= ix->cities.n))
			return 0;
	}
	if (dl2 != ix->dl2_sum)
		return 0;
	for (i = 0; i < ix->plist_cap && i < ix->terms.n; i++)
		if (!snap_plist_ok(&ix->plists[i], ix->ndocs))
			return 0;
	return snap_alists_ok(ix->by_skill, ix->skill_cap, ix->ndocs) &&
	       snap_alists_ok(ix->by_domain, ix->domain_cap, ix->ndocs) &&
	       snap_alists_ok(ix->by_sector, ix->sector_cap, ix->ndocs);
}

static void snap_rtail(struct snap_r *r, struct match_index *ix)
{
	uint64_t npool = snap_ru64(r), nfwd;

	if (r->bad || npool > (size_t)(r->end - r->p) / sizeof(*ix->pool)) {
		r->bad = 1;
		return;
	}
	ix->pool = snap_array(r, npool, sizeof(*ix->pool));
	ix->npool = ix->pool_cap = npool;
	nfwd = snap_ru64(r);
	if (r->bad || nfwd > (size_t)(r->end - r->p)) {
		r->bad = 1;
		return;
	}
	ix->fwd = snap_array(r, nfwd, 1);
	ix->nfwd = ix->fwd_cap = nfwd;
	ix->nlive = snap_ru32(r);
	ix->ndead = snap_ru32(r);
	ix->dl2_sum = snap_ru64(r);
	ix->ncompactions = (unsigned long)snap_ru64(r);
	if (!r->bad && (r->p != r->end || ix->pool == NULL || ix->fwd == NULL ||
	                (uint64_t)ix->nlive + ix->ndead != ix->ndocs || !snap_consistent(ix)))
		r->bad = 1;
}

static int snap_header(struct snap_r *r, struct match_snapshot_meta *meta)
{
	const void *magic = snap_take(r, 8);
	uint32_t version = snap_ru32(r), bom = snap_ru32(r), hot = snap_ru32(r),
	         nsum = snap_ru32(r), doc = snap_ru32(r);
	int i;

	snap_ru32(r);
	for (i = 0; i < 3; i++)
		meta->words[i] = snap_ru64(r);
	return !r->bad && memcmp(magic, SNAP_MAGIC, 8) == 0 && version == SNAP_VERSION &&
	       bom == SNAP_BOM && hot == sizeof(struct hot) && nsum == sizeof(struct nsum) &&
	       doc == sizeof(struct doc);
}

struct match_index *match_load(const void *data, size_t n, struct match_snapshot_meta *meta)
{
	const uint8_t *bytes = data;
	struct snap_r r = {bytes, bytes, 0};
	struct match_snapshot_meta m = {{0, 0, 0}};
	struct match_index *ix;
	uint64_t hash;
	uint32_t i;

	if (data == NULL || n < SNAP_TRAILER || memcmp(bytes + n - 8, SNAP_MAGIC, 8) != 0)
		return NULL;
	memcpy(&hash, bytes + n - SNAP_TRAILER, sizeof(hash));
	if (match_snapshot_hash(bytes, n - SNAP_TRAILER) != hash)
		return NULL;
	r.end = bytes + n - SNAP_TRAILER;
	if (!snap_header(&r, &m))
		return NULL;
	ix = match_new();
	for (i = 0; i < SNAP_DICTS && !r.bad; i++)
		snap_rdict(&r, (struct dict *)snap_dict_at(ix, (int)i));
	snap_rplists(&r, ix);
	ix->by_skill = snap_ralists(&r, &ix->skill_cap);
	ix->by_domain = snap_ralists(&r, &ix->domain_cap);
	ix->by_sector = snap_ralists(&r, &ix->sector_cap);
	snap_rdocs(&r, ix);
	snap_rtail(&r, ix);
	for (i = 0; !r.bad && i < ix->ndocs; i++)
		if (!(ix->hot[i].flags & HOT_DEAD))
			idmap_put(&ix->by_id, ix->ids[i], i);
	if (r.bad || ix->by_id.n != ix->nlive) {
		match_free(ix);
		return NULL;
	}
	ix->frec = xcalloc(ix->doc_cap, sizeof(*ix->frec)); /* derived, not saved */
	for (i = 0; i < ix->ndocs; i++)
		index_put_frec(ix, i);
	if (meta)
		*meta = m;
	return ix;
}
