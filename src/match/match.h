/* match: the search and matching engine, in memory.
 *
 * Pure: no I/O, no SQL, no HTTP, no threads, no clock. Depends on core/ only.
 * The application feeds it experts and published needs (match_put_expert,
 * match_put_need, match_remove_*) from storage at start and on every change,
 * and asks it questions:
 *
 *   match_search     free text + filters -> top-k experts (BM25F with
 *                    block-max WAND pruning: a broad query never scores
 *                    every match), ties broken by id, offset/limit
 *   match_facets     the same query -> the number of matches and a count for
 *                    every value of every facet (disjunctive: a facet's own
 *                    filter is ignored when counting that facet)
 *   match_need       a need -> top-k experts after the hard filters, each
 *                    with its per-factor explanation
 *   match_recommend  an expert -> top-k published needs, same explanations
 *
 * Text arrives already folded and split into tokens by the caller
 * (text/fold.h: text_fold then text_tokens), so the engine and the
 * application agree on words; the engine never folds. Taxonomy synonyms are
 * the caller's business too: it adds the labels of an expert's taxonomy
 * skills (in the three languages) to MF_SKILLS, and expands query words
 * into alternatives (struct match_clause).
 *
 * Ownership: every string and array passed in is copied; the caller keeps
 * what it passed. Pointers in results (refs) belong to the index and stay
 * valid until the next write (put/remove/free).
 *
 * Threads: not thread-safe by itself. Queries never modify the index, so
 * any number may run at once; the caller serialises each write against
 * everything else (the application holds a read-write lock).
 *
 * Days are counted since 1970-01-01 (UTC); 0 means "unknown / none".
 */
#ifndef KAFAAT_MATCH_MATCH_H
#define KAFAAT_MATCH_MATCH_H

#include <stddef.h>
#include <stdint.h>

struct match_index;

/* Text fields of an expert, each with its BM25F weight (match.c). */
enum match_field {
	MF_NAME,       /* name, name in Arabic script */
	MF_HEADLINE,   /* headline */
	MF_SKILLS,     /* skill names and their taxonomy labels and synonyms */
	MF_BIO,        /* bio */
	MF_EXPERIENCE, /* roles, organisations, education fields */
	MF_FIELDS
};

/* Offer bits. */
enum { MATCH_REMOTE = 1, MATCH_ONSITE = 2, MATCH_HYBRID = 4 };
enum { MATCH_PONCTUELLE = 1, MATCH_CONTINUE = 2 };
enum match_pay { MATCH_PAY_UNKNOWN, MATCH_PAID, MATCH_PRO_BONO, MATCH_PAY_EITHER };

/* Expert flags, set by the application from consent and the record. */
enum {
	MATCH_CONSENT_INSTITUTIONS = 1, /* may be shown to institutions */
	MATCH_CONSENT_DIRECTORY = 2,    /* may be shown to anyone */
	MATCH_CONSENT_NETWORKS = 4,     /* may be shown to network peers */
	MATCH_CONSENT_PROGRAMME = 8,    /* the programme team may see it */
	MATCH_PAUSED = 16,              /* asked not to be proposed missions */
};

#define MATCH_TZ_UNKNOWN (-100000) /* utc_offset_min when unknown */
#define MATCH_NEED_SKILLS 16       /* at most this many skills in a need */
#define MATCH_MAX_K 1000           /* largest offset + limit a query may ask */

struct match_skill {
	const char *id;     /* taxonomy skill id; NULL for a free skill */
	const char *domain; /* its taxonomy domain (related skills share it), or NULL */
	int level;          /* 1..5 */
};

struct match_lang {
	const char *code; /* ISO 639 code, e.g. "ar", "fr" */
	int level;        /* 1..6 = A1..C2 */
};

struct match_period {
	int32_t from, to; /* days, inclusive */
};

struct match_strs {
	const char *const *v;
	size_t n;
};

struct match_expert {
	int64_t id;      /* the user id; the key */
	const char *ref; /* the importer's ref, or NULL */
	struct match_strs tokens[MF_FIELDS];
	const char *country; /* ISO 3166-1 alpha-2, or NULL */
	const char *city;    /* folded, or NULL */
	struct match_strs sectors;
	struct match_strs preferred_sectors; /* a subset of sectors */
	struct match_strs networks;          /* network slugs */
	struct match_strs regions;           /* Moroccan regions they prefer (ISO 3166-2:MA) */
	const struct match_skill *skills;
	size_t nskills;
	const struct match_lang *langs;
	size_t nlangs;
	const struct match_period *available; /* periods they can contribute */
	size_t navailable;
	const struct match_period *stays; /* planned stays in Morocco */
	size_t nstays;
	unsigned presence, modes; /* MATCH_REMOTE..., MATCH_PONCTUELLE... (0: unknown) */
	enum match_pay pay;
	int hours_per_month;      /* 0: unknown */
	int utc_offset_min;       /* of where they live, or MATCH_TZ_UNKNOWN */
	int32_t confirmed;        /* day of the last confirmation; 0: never (dormant) */
	unsigned flags;           /* MATCH_CONSENT_..., MATCH_PAUSED */
	const int64_t *conflicts; /* institutions they declared a conflict with */
	size_t nconflicts;
	double rating;          /* mean of past evaluations, 1..5; 0: none */
	int recent_engagements; /* engagements started in the last 12 months */
	int active_engagements; /* engagements now running */
};

struct match_need_skill {
	const char *id;     /* taxonomy skill id */
	const char *domain; /* its domain, or NULL */
	int required;       /* 1: must-have, 0: nice-to-have */
	int min_level;      /* 1..5 */
};

struct match_need {
	int64_t id;
	const char *ref; /* the caller's ref, or NULL */
	int64_t institution_id;
	const char *sector; /* or NULL */
	const struct match_need_skill *skills;
	size_t nskills; /* <= MATCH_NEED_SKILLS */
	const struct match_lang *langs;
	size_t nlangs;
	unsigned mode;            /* one MATCH_PONCTUELLE / MATCH_CONTINUE bit, or 0 */
	unsigned presence;        /* one MATCH_REMOTE / ONSITE / HYBRID bit, or 0 */
	const char *region;       /* ISO 3166-2:MA, or NULL */
	const char *city;         /* folded, or NULL */
	int32_t from, to;         /* days; 0: flexible */
	int hours_per_month;      /* 0: unknown */
	enum match_pay pay;       /* MATCH_PAID or MATCH_PRO_BONO; UNKNOWN: unsaid */
	struct match_strs tokens; /* folded title and description */
	/* Only members of one of these networks (slugs); empty: anyone. For a
	 * query (match_need); needs kept by match_put_need ignore it. */
	struct match_strs networks;
};

/* Snapshots: the index as bytes, to start again from them instead of
 * storage (snapshot.c has the layout). The caller's three words travel
 * with it (e.g. the change-log position it reflects). match_save calls
 * write with consecutive chunks (write returns 0, or -1 to fail the save);
 * needs are not saved (put them again). match_load rebuilds an index from
 * the bytes of a whole snapshot written by this build on this machine; NULL
 * when they are not one (truncated, damaged, another version). */
struct match_snapshot_meta {
	uint64_t words[3];
};
typedef int (*match_write_fn)(void *ud, const void *p, size_t n);
int match_save(const struct match_index *ix, const struct match_snapshot_meta *meta,
               match_write_fn write, void *ud);
struct match_index *match_load(const void *data, size_t n, struct match_snapshot_meta *meta);
/* The hash in a snapshot's trailer, of the n bytes before the trailer
 * (its last 16 bytes are this hash, then the 8-byte magic "KAFAATIX"). */
uint64_t match_snapshot_hash(const void *data, size_t n);

/* Lifetime. NULL on allocation failure is impossible: xalloc aborts. */
struct match_index *match_new(void);
void match_free(struct match_index *ix);

/* Adds or replaces the expert with e->id (a replace is a remove then an
 * add). Returns 0, or -1 when e is invalid (level out of range, NULL
 * token...), in which case the index is unchanged. */
int match_put_expert(struct match_index *ix, const struct match_expert *e);
/* Removes expert id; 0 when it was there, -1 when not. */
int match_remove_expert(struct match_index *ix, int64_t id);
/* The same for published needs (match_recommend's candidates). */
int match_put_need(struct match_index *ix, const struct match_need *n);
int match_remove_need(struct match_index *ix, int64_t id);
size_t match_experts(const struct match_index *ix);
size_t match_needs(const struct match_index *ix);
/* Bytes the index holds (for the benchmark's bytes per profile). */
size_t match_memory(const struct match_index *ix);

/* Who is asking: decides which consents an expert must have given. */
enum match_audience {
	MATCH_FOR_PUBLIC, /* needs MATCH_CONSENT_DIRECTORY */
	MATCH_FOR_PEERS,  /* a network member: MATCH_CONSENT_DIRECTORY, or MATCH_CONSENT_NETWORKS
	                     and a network shared with the viewer (peer_networks) */
	MATCH_FOR_INSTITUTION, /* needs MATCH_CONSENT_INSTITUTIONS; paused experts hidden */
	MATCH_FOR_PROGRAMME,   /* needs MATCH_CONSENT_PROGRAMME */
	MATCH_FOR_NETWORK,     /* a network's roster: MATCH_CONSENT_NETWORKS and a network
	                          shared with the viewer (peer_networks), nobody else */
};

/* Activity state filter. Dormant: confirmed == 0 or confirmed more than
 * dormant_days before today. Only MATCH_FOR_PROGRAMME may ask for dormant
 * experts; every other audience never sees them, whatever the filter. */
enum match_state { MATCH_ACTIVE, MATCH_DORMANT, MATCH_ANY_STATE };

/* One query word and its alternatives (synonyms, taxonomy labels): a
 * document matches the clause when it contains any of the terms. Clauses
 * combine with AND. */
struct match_clause {
	const char *const *terms;
	size_t nterms;
};

/* Filters: every non-empty one must hold (AND); the values inside one
 * filter are alternatives (OR). */
struct match_filters {
	struct match_strs countries, cities, sectors, skills, networks;
	const struct match_lang *langs; /* each: knows code at >= level (AND) */
	size_t nlangs;
	unsigned presence, modes; /* any of these bits (0: no filter) */
	enum match_pay
	        pay; /* PAID: paid or either; PRO_BONO: pro bono or either; UNKNOWN: no filter */
	int32_t from, to; /* availability window: an available period overlaps it (0: none) */
	enum match_state state;
};

struct match_query {
	const struct match_clause *clauses; /* none: every expert passing the filters */
	size_t nclauses;
	int any; /* 1: ranked OR — a document matching any clause qualifies */
	struct match_filters filters;
	enum match_audience audience;
	struct match_strs peer_networks; /* MATCH_FOR_PEERS: the viewer's networks */
	int32_t today;
	int dormant_days;     /* e.g. 365 */
	size_t offset, limit; /* offset + limit <= MATCH_MAX_K */
};

struct match_hit {
	int64_t id;
	const char *ref; /* belongs to the index */
	double score;
};

/* Up to q->limit hits after q->offset, best first (ties: smaller id first);
 * returns how many were written to hits (room for q->limit), or -1 when the
 * query is invalid (offset + limit too large). With no clauses, experts
 * come in id order with score 0. */
int match_search(const struct match_index *ix, const struct match_query *q, struct match_hit *hits);

/* The facets counted by match_facets. */
enum match_facet {
	FACET_COUNTRY,
	FACET_SECTOR,
	FACET_SKILL,
	FACET_LANGUAGE,
	FACET_NETWORK,
	FACET_PRESENCE, /* values "remote", "onsite", "hybrid" */
	FACET_MODE,     /* "ponctuelle", "continue" */
	FACET_PAY,      /* "paid", "pro_bono", "either" */
	FACET_STATE,    /* "active", "dormant" */
	FACET_COUNT
};

struct match_facet_value {
	const char *value; /* belongs to the index */
	size_t count;
};

/* Facet counts: total matches in *total; for each facet, its values with a
 * non-zero count, most frequent first (ties by value), at most max_values
 * each. Free with match_facets_free. NULL when the query is invalid. */
struct match_facets {
	size_t total;
	struct match_facet_value *values[FACET_COUNT];
	size_t nvalues[FACET_COUNT];
};
struct match_facets *match_facets(const struct match_index *ix, const struct match_query *q,
                                  size_t max_values);
void match_facets_free(struct match_facets *f);

/* The factors of a need-expert score, in the order shown to the officer. */
enum match_factor {
	FACTOR_SKILLS,       /* must-have skills covered, at the level asked */
	FACTOR_RELATED,      /* skills of the same domain, partial credit */
	FACTOR_NICE,         /* nice-to-have skills covered */
	FACTOR_SECTOR,       /* the need's sector among the expert's (preferred: more) */
	FACTOR_LANGUAGES,    /* languages at the level asked */
	FACTOR_PRESENCE,     /* presence offered; for remote work, time-zone overlap */
	FACTOR_AVAILABILITY, /* availability overlapping the need's dates */
	FACTOR_STAY,         /* a planned stay in Morocco overlapping on-site dates */
	FACTOR_CAPACITY,     /* hours per month offered against asked, running engagements */
	FACTOR_FRESHNESS,    /* how recently the profile was confirmed */
	FACTOR_EVALUATIONS,  /* past evaluations */
	FACTOR_FAIRNESS,     /* fewer recent engagements rank higher */
	FACTOR_COUNT
};

/* How the expert covers one skill of the need. */
enum match_cover {
	COVER_NONE,    /* missing: scores zero */
	COVER_BELOW,   /* has it, below the level asked */
	COVER_FULL,    /* has it at or above the level asked */
	COVER_RELATED, /* has another skill of the same domain */
};

struct match_skill_cover {
	enum match_cover cover;
	int level;           /* the expert's level in it (or in the related skill) */
	const char *related; /* COVER_RELATED: the expert's skill id (belongs to the index) */
};

struct match_explained {
	int64_t id;      /* the expert (match_need) or the need (match_recommend) */
	const char *ref; /* belongs to the index */
	double score;    /* sum of contributions, 0..100 */
	/* Each factor: value in 0..1 (0 also when the data is missing: missing
	 * data never counts as agreement), and its contribution to the score
	 * (value x weight). */
	double value[FACTOR_COUNT];
	double contribution[FACTOR_COUNT];
	int missing[FACTOR_COUNT]; /* 1: the expert (or need) gave no data for it */
	struct match_skill_cover skills[MATCH_NEED_SKILLS]; /* one per need skill, in order */
	int tz_overlap_hours; /* working hours shared with Morocco (remote), or -1 */
};

/* The weight of each factor (the score is out of their sum, 100). */
extern const double match_factor_weight[FACTOR_COUNT];
/* A stable name for each factor ("skills", "related"...), for JSON. */
extern const char *const match_factor_name[FACTOR_COUNT];

/* Experts for need n: hard filters first (consent to institutions, not
 * dormant, not paused, no declared conflict with n->institution_id,
 * presence compatible; and at least one of the need's skills, exact or
 * related, or its sector), then the weighted score; top `limit` after
 * `offset`, best first, ties by smaller id. Returns how many were written
 * to out (room for limit), or -1 when the need or the range is invalid. */
int match_need(const struct match_index *ix, const struct match_need *n, int32_t today,
               int dormant_days, size_t offset, size_t limit, struct match_explained *out);

/* Published needs for expert id (in the index), scored with the same
 * function, skipping needs whose hard filters the expert fails; top limit.
 * Returns the count, or -1 when the expert is not in the index. */
int match_recommend(const struct match_index *ix, int64_t expert_id, int32_t today,
                    int dormant_days, size_t limit, struct match_explained *out);

/* The same score for one pair, for a page showing why (or why not): 0 and
 * *out filled, or 1 when a hard filter excludes the expert (reason in
 * *excluded: a stable word such as "consent", "dormant", "paused",
 * "conflict", "presence", "no_overlap"), or -1 when the expert is unknown. */
int match_explain(const struct match_index *ix, const struct match_need *n, int64_t expert_id,
                  int32_t today, int dormant_days, struct match_explained *out,
                  const char **excluded);

#endif
