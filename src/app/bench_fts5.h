/* bench_fts5: the peer of the search API for bench/search.sh — the same
 * queries answered by SQLite FTS5 behind the same server
 * (docs/BENCHMARKS.md, "Search and matching").
 *
 * Benchmarks only. The route (/api/v1/bench/fts5, handler h_bench_fts5)
 * answers 404 unless the config key testing.bench_fts5 is 1; its tables
 * are made by the benchmark (bench/search_bench.c), never by migrations,
 * so on any other database it answers 503.
 *
 * Both the benchmark and the endpoint build their FTS5 query from the
 * clauses Kafaat's own search uses (search_clauses: the same folding, the
 * same taxonomy synonyms), so both engines are asked the same question.
 */
#ifndef KAFAAT_APP_BENCH_FTS5_H
#define KAFAAT_APP_BENCH_FTS5_H

struct arena;
struct taxonomy;

/* The FTS5 table the endpoint reads: the experts the public may see
 * (directory consent, not dormant), columns name, headline, skills, bio,
 * experience (the engine's folded tokens, joined by spaces) and country
 * (UNINDEXED). */
#define BENCH_FTS5_TABLE "bench_fts_public"
/* bm25() column weights: the engine's BM25F field weights (match/index.c). */
#define BENCH_FTS5_WEIGHTS "3.0, 2.5, 2.0, 1.0, 1.0"

/* The FTS5 MATCH expression of a free-text query: each clause of
 * search_clauses becomes ("term" OR "term" ...) — its words and synonyms;
 * the engine-only "skill:ID" terms are left out, the skill's names being
 * in the skills column — and clauses are joined with AND. In the arena;
 * NULL when the query has no words. */
const char *bench_fts5_expr(const struct taxonomy *tx, struct arena *a, const char *text);

#endif
