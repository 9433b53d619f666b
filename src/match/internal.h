/* match/internal.h: the index's private structures, for the files of
 * src/match only (and the engine's unit test).
 *
 * The index in one paragraph. Every string value is interned into a dense
 * uint32 id (struct dict, one per kind of value). Every expert version gets
 * a dense doc number, appended: a replace tombstones the old number and
 * appends a new one, so every posting list stays sorted by only ever
 * appending. Per doc number, flat arrays hold what the hot loops read:
 * struct hot (16 bytes: visibility, one-valued filters and facets, where its
 * pool data starts), struct nsum (16 bytes: bounds for need matching), its
 * text length and its id; struct doc holds the rest. Its variable-length
 * data (sectors, networks, languages, skills, periods, conflicts) is a run
 * of uint32 words in ix->pool, and the ids of its distinct terms a
 * delta-varint run in ix->fwd (so the live document frequencies stay exact
 * when it dies). Text terms have BM25F posting lists with block-max
 * metadata (struct plist); skills, domains and sectors have plain doc lists
 * (struct alist) for need -> expert candidates. When more than a quarter of
 * the doc numbers are tombstones, index_compact renumbers the live docs
 * densely and rewrites every list.
 *
 * Ownership: the index owns everything reachable from struct match_index.
 * Queries never write to it; per-query scratch is allocated and freed by
 * the query, so concurrent queries are safe.
 */
#ifndef KAFAAT_MATCH_INTERNAL_H
#define KAFAAT_MATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "match/match.h"

#define ID_NONE UINT32_MAX    /* no interned value */
#define DOC_END UINT32_MAX    /* past the last doc number */
#define BLOCK 128             /* postings per block-max block */
#define PREFERRED 0x80000000u /* pool sector word: the sector is preferred */
#define SLACK (1.0 + 1e-9)    /* upper bounds are multiplied by this before pruning */

/* Passes over many docs touch memory in an order the hardware cannot
 * guess; they ask for what they need this many candidates ahead. */
#define AHEAD 16
#define PREFETCH(p) __builtin_prefetch(p)

/* BM25F parameters (per-field weights are in index.c). */
#define BM25_K1 1.2
#define BM25_B 0.75

/* ---- dict.c: interned strings <-> dense ids ---- */

struct dict_chunk;

/* Strings are copied into chunks that never move: dict_str stays valid for
 * the dict's lifetime. Ids are never reused. */
struct dict {
	struct dict_chunk *chunks;
	const char **strs; /* id -> string */
	uint32_t *hashes;  /* id -> hash */
	uint32_t n, cap;
	uint32_t *slots; /* open addressing: id + 1, 0 when empty */
	uint32_t nslots; /* power of two, or 0 */
	size_t bytes;    /* chunk memory */
};

void dict_init(struct dict *d);
void dict_release(struct dict *d);
uint32_t dict_intern(struct dict *d, const char *s);
/* ID_NONE when s was never interned (or s is NULL). */
uint32_t dict_find(const struct dict *d, const char *s);
size_t dict_memory(const struct dict *d);

static inline const char *dict_str(const struct dict *d, uint32_t id)
{
	return id < d->n ? d->strs[id] : NULL;
}

/* ---- idmap.c: int64 key -> uint32 value, open addressing ---- */

struct idmap {
	int64_t *keys;
	uint32_t *vals;  /* ID_NONE: empty slot */
	uint32_t n, cap; /* cap: power of two, or 0 */
};

void idmap_init(struct idmap *m);
void idmap_release(struct idmap *m);
uint32_t idmap_get(const struct idmap *m, int64_t key); /* ID_NONE when absent */
void idmap_put(struct idmap *m, int64_t key, uint32_t val);
int idmap_del(struct idmap *m, int64_t key); /* 0, or -1 when absent */
size_t idmap_memory(const struct idmap *m);

/* ---- plist.c, alist.c: text posting lists and attribute doc lists ---- */

/* Block-max metadata of BLOCK postings. A term's BM25 contribution is
 * idf (k1+1) / (1 + k1 (1-b) / tf + k1 b (dl/tf) / avgdl); with the block's
 * largest tf and smallest dl/tf it bounds every doc of the block for any
 * avgdl, so the metadata never goes stale when the average length moves. */
struct pblock {
	uint32_t last; /* its last doc number */
	float maxtf;
	double mindlr; /* smallest dl / tf */
};

struct plist {
	uint32_t *docs; /* ascending doc numbers */
	uint16_t *tf2;  /* 2 x the weighted term frequency (weights are halves) */
	struct pblock *blocks;
	uint32_t n, cap;
	uint32_t df; /* live postings (tombstones excluded) */
	float maxtf; /* over the whole list */
	double mindlr;
};

/* Appends a posting; doc must be larger than every doc in the list. */
void plist_add(struct plist *p, uint32_t doc, uint16_t tf2, float dl);
/* Keeps postings whose remap[doc] != ID_NONE, renumbered; dl by new number. */
void plist_compact(struct plist *p, const uint32_t *remap, const float *dl);
void plist_release(struct plist *p);
size_t plist_memory(const struct plist *p);

/* Doc list of one skill (with the expert's level), domain or sector. */
struct alist {
	uint32_t *docs;
	uint8_t *levels; /* skills only, else NULL */
	uint32_t n, cap;
};

void alist_add(struct alist *a, uint32_t doc, int level); /* level < 0: none */
void alist_compact(struct alist *a, const uint32_t *remap);
void alist_release(struct alist *a);
size_t alist_memory(const struct alist *a);

/* ---- index.c: documents ---- */

#define MAX_LIST 255     /* sectors, networks, languages or skills of one expert */
#define MAX_VALUES 65534 /* distinct countries */
#define HOT_DEAD 0x80    /* struct hot / struct nsum flags: a tombstone */
#define NS_TZ 0x08       /* struct nsum bits: the time zone is known */
#define NS_AVAIL 0x10    /* has available periods */
#define NS_STAYS 0x20    /* has planned stays */

/* The fields queries read for every candidate, 16 bytes by doc number so a
 * pass over many docs streams little memory: visibility, filters, facets. */
struct hot {
	int32_t confirmed; /* day; 0: never */
	uint32_t pool;     /* first word in ix->pool */
	uint16_t country;  /* country id + 1; 0: unknown */
	uint8_t flags;     /* MATCH_CONSENT_..., MATCH_PAUSED, HOT_DEAD */
	uint8_t offer;     /* presence | modes << 3 | pay << 5 */
	uint8_t nsectors, nnetworks, nlangs, nskills;
};

/* What a facet count reads of a doc, 32 bytes by doc number (facets.c):
 * hot's visibility fields and, when they fit, the doc's facet values in
 * slots of fixed number, so that a count over a third of a million docs
 * streams one array instead of hot and the pool (the pass is bound by
 * memory traffic), with loops of fixed length (no branch to mispredict on
 * how many values a doc has). Derived from hot and the pool
 * (index_put_frec): never saved. A slot holds its value's id + the number
 * of slots of its kind (FREC_...), an empty slot its own position: each
 * position counts its empties in a bin of its own. spill: the values do
 * not fit (too many, or an id too large): the count reads the pool. */
enum { FREC_SKILLS = 5, FREC_NETWORKS = 2, FREC_SECTORS = 4, FREC_LANGS = 5 };
struct frec {
	int32_t confirmed;
	uint16_t country;
	uint8_t flags, offer;
	uint16_t skill[FREC_SKILLS];
	uint16_t network[FREC_NETWORKS];
	uint8_t sector[FREC_SECTORS];
	uint8_t lang[FREC_LANGS];
	uint8_t spill;
};
_Static_assert(sizeof(struct frec) == 32, "struct frec: two to a cache line");

/* What match_need's bounds read before touching a doc, 16 bytes by doc
 * number. Each field bounds a factor from above (sets of ids are hashed
 * into bit masks, so a set bit only means "maybe"). */
struct nsum {
	uint32_t domains; /* bit (domain id % 32) of each skill */
	int32_t confirmed;
	uint8_t flags;     /* as struct hot */
	uint8_t bits;      /* presence (bits 0-2), NS_TZ, NS_AVAIL, NS_STAYS */
	uint8_t quality;   /* >= 8 x (evaluations + fairness contributions) */
	uint8_t capacity;  /* >= 8 x capacity contribution; 0 when hours unknown */
	uint8_t tz;        /* >= 255 x minutes shared with Morocco / 540 */
	uint8_t langs;     /* bit (language id % 8) */
	uint8_t sectors;   /* bit (sector id % 8) */
	uint8_t preferred; /* bit (preferred sector id % 8) */
};

/* The rest of a doc number. Pool layout from hot.pool, in this order:
 *   sectors    nsectors words: sector id | PREFERRED
 *   networks   nnetworks words
 *   langs      nlangs words: code id << 3 | level
 *   skill ids  nskills words (ID_NONE: a free skill)
 *   skill info nskills words: domain id << 3 | level (SKILL_DOMAIN_NONE)
 *   available  2 x navail words: from, to (sorted by from)
 *   stays      2 x nstays words: from, to (sorted by from)
 *   conflicts  2 x nconflicts words: low, high halves of the institution id
 */
struct doc {
	char *ref;       /* owned, or NULL */
	uint32_t fwd;    /* first byte in ix->fwd */
	uint32_t nterms; /* distinct terms in fwd */
	uint32_t city;   /* ID_NONE: unknown */
	int32_t hours;
	int32_t tz; /* minutes, or MATCH_TZ_UNKNOWN */
	float rating;
	uint16_t recent, active;
	uint16_t navail, nstays, nconflicts;
};

#define SKILL_DOMAIN_NONE (ID_NONE >> 3)

struct match_index {
	struct dict terms, countries, cities, sectors, skills, domains, networks, langs;
	struct plist *plists; /* by term id; capacity plist_cap */
	uint32_t plist_cap;
	struct alist *by_skill, *by_domain, *by_sector; /* by id */
	uint32_t skill_cap, domain_cap, sector_cap;
	struct doc *docs; /* by doc number, tombstones included */
	struct hot *hot;
	struct frec *frec;
	struct nsum *nsum;
	float *dls;   /* text length: the sum over fields of weight x tokens */
	int64_t *ids; /* the expert's id */
	uint32_t ndocs, doc_cap;
	uint32_t *pool;
	size_t npool, pool_cap;
	uint8_t *fwd;
	size_t nfwd, fwd_cap;
	struct idmap by_id; /* expert id -> live doc number */
	uint32_t nlive, ndead;
	uint64_t dl2_sum; /* 2 x the live docs' lengths (exact) */
	struct need_rec *needs;
	uint32_t nneeds, need_cap;
	struct idmap need_by_id; /* need id -> slot in needs */
	unsigned long ncompactions;
};

/* Renumbers the live docs densely and rewrites every list (index.c calls it
 * when tombstones pass a quarter of the doc numbers; tests call it too). */
void index_compact(struct match_index *ix);
/* Derives frec[dn] from hot[dn] and the pool (after either changes). */
void index_put_frec(struct match_index *ix, uint32_t dn);

static inline const uint32_t *doc_sectors(const struct match_index *ix, uint32_t dn)
{
	return ix->pool + ix->hot[dn].pool;
}

static inline const uint32_t *doc_networks(const struct match_index *ix, uint32_t dn)
{
	return doc_sectors(ix, dn) + ix->hot[dn].nsectors;
}

static inline const uint32_t *doc_langs(const struct match_index *ix, uint32_t dn)
{
	return doc_networks(ix, dn) + ix->hot[dn].nnetworks;
}

static inline const uint32_t *doc_skill_ids(const struct match_index *ix, uint32_t dn)
{
	return doc_langs(ix, dn) + ix->hot[dn].nlangs;
}

static inline const uint32_t *doc_skill_info(const struct match_index *ix, uint32_t dn)
{
	return doc_skill_ids(ix, dn) + ix->hot[dn].nskills;
}

static inline const uint32_t *doc_avail(const struct match_index *ix, uint32_t dn)
{
	return doc_skill_info(ix, dn) + ix->hot[dn].nskills;
}

static inline const uint32_t *doc_stays(const struct match_index *ix, uint32_t dn)
{
	return doc_avail(ix, dn) + 2 * (size_t)ix->docs[dn].navail;
}

static inline const uint32_t *doc_conflicts(const struct match_index *ix, uint32_t dn)
{
	return doc_stays(ix, dn) + 2 * (size_t)ix->docs[dn].nstays;
}

static inline size_t doc_pool_words(const struct match_index *ix, uint32_t dn)
{
	const struct hot *h = &ix->hot[dn];
	const struct doc *d = &ix->docs[dn];

	return (size_t)h->nsectors + h->nnetworks + h->nlangs + 2 * (size_t)h->nskills +
	       2 * ((size_t)d->navail + d->nstays + d->nconflicts);
}

/* Dormant: never confirmed, or confirmed more than dormant_days ago. */
static inline int day_dormant(int32_t confirmed, int32_t today, int dormant_days)
{
	return confirmed == 0 || (int64_t)today - confirmed > dormant_days;
}

/* ---- need.c: needs, prepared for scoring ---- */

struct pskill {
	uint32_t skill, domain; /* ID_NONE: unknown to the index, or no domain */
	int required, min_level;
};

struct plang {
	uint32_t code;
	int level;
};

/* A need with its values as ids. Built from a caller's need for one query
 * (ids looked up, unknown values are ID_NONE and match nothing) or stored
 * for match_recommend (ids interned). Owns langs; ref is borrowed for a
 * query, owned (need_rec) when stored. */
struct pneed {
	int64_t id, institution;
	const char *ref;
	int has_sector;
	uint32_t sector;
	uint32_t nskills, nmust, nnice;
	struct pskill skills[MATCH_NEED_SKILLS];
	uint32_t nlangs;
	struct plang *langs;
	unsigned presence;
	int32_t from, to; /* 0: unsaid; both 0: flexible */
	int hours;
	uint32_t nnetworks; /* > 0: only members of networks[] (ID_NONE: a network nobody is in) */
	uint32_t *networks;
};

struct need_rec {
	struct pneed pn;
	char *ref; /* owned; pn.ref points here */
};

/* 0 when n is valid, -1 when not. */
int need_check(const struct match_need *n);
/* Fills pn from a checked need; interns into mut when non-NULL, otherwise
 * only looks ids up in ix. Release with need_release. */
void need_prepare(const struct match_index *ix, struct match_index *mut, const struct match_need *n,
                  struct pneed *pn);
void need_release(struct pneed *pn);
void need_release_all(struct match_index *ix);
size_t need_memory(const struct match_index *ix);

/* ---- topk.c: the k best (score desc, id asc) ---- */

struct topk_entry {
	double score;
	int64_t id;
	uint32_t ref; /* doc number or need slot */
};

struct topk {
	struct topk_entry *e; /* a heap, worst first, until topk_sort */
	size_t n, k;
};

void topk_init(struct topk *t, size_t k);
void topk_release(struct topk *t);
void topk_push(struct topk *t, double score, int64_t id, uint32_t ref);
/* Sorts best first; the heap is spent. */
void topk_sort(struct topk *t);

static inline int topk_full(const struct topk *t)
{
	return t->n == t->k;
}

/* The score to beat (ties may still enter by id); -1 while not full. */
static inline double topk_floor(const struct topk *t)
{
	return t->n == t->k && t->k > 0 ? t->e[0].score : -1.0;
}

/* ---- filter.c: audience, consent and structured filters ---- */

struct id_set {
	uint32_t *v;
	size_t n;
};

struct filter_field;

struct pfilters {
	const struct match_index *ix;
	struct id_set countries, cities, sectors, skills, networks, peers;
	struct plang *langs;
	size_t nlangs;
	unsigned presence, modes;
	enum match_pay pay;
	int32_t from, to;
	enum match_state state;
	enum match_audience audience;
	int32_t today;
	int dormant_days;
	/* The audience's rule: not dormant unless dormant_ok, and visible when
	 * (hot.flags & flags_mask) == flags, or (peer_flags non-zero) when the
	 * doc is live, has peer_flags and shares a network in peers. */
	unsigned flags_mask, flags, peer_flags;
	int dormant_ok, peer_only;             /* peer_only: the second way only */
	const struct filter_field *fields[16]; /* the active filters, cheapest first */
	size_t nfields;
};

/* -1 when q's filters, audience or state are invalid (nothing to release). */
int filter_prepare(const struct match_index *ix, const struct match_query *q, struct pfilters *pf);
void filter_release(struct pfilters *pf);
/* The audience may see doc number dn (consent, peers, paused, dormant). */
int filter_visible(const struct pfilters *pf, uint32_t dn);
/* The second way of the audience's rule (consent to peers, a shared network). */
int filter_peer(const struct pfilters *pf, uint32_t dn);
/* Every active filter holds. */
int filter_pass(const struct pfilters *pf, uint32_t dn);
/* How many active filters fail, stopping at 2; *facet is the facet of the
 * one failing field when there is exactly one (FACET_COUNT: no facet). */
int filter_fails(const struct pfilters *pf, uint32_t dn, enum match_facet *facet);

/* ---- bm25.c: the formula; cursor.c: posting cursors ---- */

struct bm25 {
	double avgdl;
	double n; /* live docs */
};

void bm25_init(struct bm25 *bm, const struct match_index *ix);
double bm25_idf(const struct bm25 *bm, uint32_t df);
/* One term's contribution (the unit test repeats this formula). */
double bm25_term(double idf, double tf, double dl, double avgdl);
/* The most a term can add to docs whose tf <= maxtf and dl / tf >= mindlr,
 * whatever avgdl. */
double bm25_bound(double idf, float maxtf, double mindlr, double avgdl);

struct tcur {
	const struct plist *pl;
	uint32_t pos, doc, sblk;
	double idf;
	double ub; /* bound over the whole list */
};

/* A clause: the union of its terms, scored as the best of them. */
struct ccur {
	struct tcur *t;
	uint32_t nt;
	uint32_t doc;          /* smallest current doc of its terms, DOC_END when done */
	double ub;             /* bound over the whole clause */
	uint32_t bfrom, blast; /* the last block bound, valid for docs in [bfrom, blast] */
	double bub;
};

void cursor_term_init(struct tcur *t, const struct plist *pl, double idf);
void cursor_clause_init(struct ccur *c, struct tcur *t, uint32_t nt, const struct bm25 *bm);
/* Moves to the first doc >= target. */
void cursor_seek(struct ccur *c, uint32_t target);
/* The smallest current doc among c's terms whose bound, added to others,
 * reaches floor (with SLACK): a doc none of them holds gives the clause too
 * little to reach the floor. DOC_END when there is none. */
uint32_t cursor_essential(const struct ccur *c, double others, double floor);
/* Moves past the current doc. */
void cursor_next(struct ccur *c);
/* A one-term clause: copies its docs from target on (at most max) to out
 * and moves past them; returns how many. */
uint32_t cursor_copy(struct ccur *c, uint32_t target, uint32_t *out, uint32_t max);
/* The clause's score for doc d with length dl (0 when not on d). */
double cursor_score(const struct ccur *c, uint32_t d, double dl, const struct bm25 *bm);
/* Bound for docs from target to *last (inclusive) without moving c. */
double cursor_block_bound(struct ccur *c, uint32_t target, uint32_t *last, const struct bm25 *bm);

/* ---- search.c: the query's clauses, shared with facets.c ---- */

struct words {
	const struct match_index *ix;
	struct bm25 bm;
	struct ccur *cc; /* in clause order */
	size_t nc;
	struct tcur *terms;
	int any;
	int text;  /* the query has words (else: browse by id) */
	int empty; /* the words match nothing */
};

/* Resolves q's clauses; -1 when they are invalid. Release with search_words_release. */
int search_words_prepare(const struct match_index *ix, const struct match_query *q,
                         struct words *sq);
void search_words_release(struct words *sq);
/* The first doc >= d matching the clauses (AND or OR), or DOC_END. */
uint32_t search_words_next(struct words *sq, uint32_t d);
/* The matching docs from *d on, at most max, into out; returns how many and
 * moves *d past the last (DOC_END when none are left). */
size_t search_words_collect(struct words *sq, uint32_t *d, uint32_t *out, size_t max);

/* ---- score.c: need <-> expert factors ---- */

/* One need-expert pair's factors. */
struct factors {
	double value[FACTOR_COUNT];
	int missing[FACTOR_COUNT];
	int tz_overlap_hours;
	struct match_skill_cover cover[MATCH_NEED_SKILLS];
};

/* The first hard filter doc dn fails ("consent", "dormant"...), or NULL. */
const char *score_exclude(const struct match_index *ix, const struct pneed *pn, uint32_t dn,
                          int32_t today, int dormant_days, int with_overlap);
/* The weighted score (0..100); f may be NULL. */
double score_pair(const struct match_index *ix, const struct pneed *pn, uint32_t dn, int32_t today,
                  int dormant_days, struct factors *f);
void score_explain(const struct match_index *ix, const struct pneed *pn, uint32_t dn, int32_t today,
                   int dormant_days, struct match_explained *out);
double score_skill_credit(int level, int min_level);
/* The factor values whose bounds struct nsum precomputes, as score_pair
 * computes them. */
double score_freshness(int32_t confirmed, int32_t today, int dormant_days);
double score_evaluations(double rating);
double score_fairness(int recent);
double score_capacity_max(int active);
/* Minutes of 9-18 local working time a zone shares with Morocco's. */
int score_tz_minutes(int offset);
/* The expert presences a need's presence (a single bit) accepts. */
unsigned score_presence_accepts(unsigned need);

#endif
