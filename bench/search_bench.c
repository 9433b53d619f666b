/* search_bench: the program of bench/search.sh (docs/BENCHMARKS.md, "Search
 * and matching"). Linked against build/libkafaat.a like a unit test.
 *
 *   search_bench load DB < EXPERTS.jsonl
 *       A bench-only bulk import into a migrated SQLite database: each line
 *       of `kafaat gen` checked by profile_normalise and written by
 *       profile_save, with its invited account, role, consents (the rows
 *       consent_set writes, two statements for all audiences) and
 *       confirmation date — the rows `kafaat import experts
 *       --consent-from-file` writes (an export of both is the same bytes),
 *       less its claim mails, one-time links, per-row savepoints, change
 *       detection and audit — one transaction per 10,000 profiles,
 *       synchronous=OFF, foreign keys off.
 *   search_bench fts DB
 *       The FTS5 peers, over the very tokens the engine indexes (the experts
 *       as search_load reads them: folded, taxonomy names in three
 *       languages; "skill:ID" terms left out): bench_fts holds the experts
 *       the programme team may see (the in-process runs), bench_fts_public
 *       those the public may see (BENCH_FTS5_TABLE, the HTTP peer);
 *       bench_fts_vocab (fts5vocab) gives document frequencies. Optimised.
 *   search_bench run DB NEEDS.jsonl PATHS
 *       The measures (the caller pins the process to one core), Kafaat and
 *       its peer side by side on the same data, queries interleaved; report
 *       lines on stdout. Writes the query paths of the HTTP runs to
 *       PATHS-SET.kafaat and PATHS-SET.fts5 (SET: selective, mid, broad).
 *
 * The data hold on 2026-12-01, the day of `kafaat gen`'s hidden truth:
 * imports are dated then and queries ask as of then.
 *
 * Environment (run): BENCH_QUERIES (200 per query set), BENCH_FACET_QUERIES
 * (30), BENCH_NEEDS (200); BENCH_PEERS=0 runs Kafaat alone (to profile it);
 * BENCH_SNAPSHOT=PATH starts the index from that snapshot file (written on
 * first use), to profile the queries without the build: the build and
 * memory lines are then not measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <jansson.h>

#include "app/bench_fts5.h"
#include "app/app.h"
#include "app/clock.h"
#include "app/consent.h"
#include "app/profile.h"
#include "app/search.h"
#include "app/search_load.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/visibility.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "db/db.h"

#define TODAY "2026-12-01T00:00:00Z"
#define TX_ROWS 10000 /* profiles per transaction */
#define TOP 20
#define FACET_VALUES 12 /* as the search API */
#define MAX_TERMS 200   /* distinct queries per set */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int64_t today_now; /* TODAY in Unix seconds */

static void die(const char *fmt, const char *what)
{
	fprintf(stderr, "search_bench: ");
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	exit(1);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static long env_count(const char *name, long dflt)
{
	const char *v = getenv(name);
	int64_t n;

	if (!v || !*v)
		return dflt;
	if (parse_int64(v, 1, 10000000, &n) < 0)
		die("%s must be a positive number", name);
	return (long)n;
}

static struct db *open_db(const char *path)
{
	char err[512];
	struct db *db;

	if (db_open(path, &db, err, sizeof(err)) < 0)
		die("%s", err);
	return db;
}

static void exec_or_die(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != DB_OK) {
		fprintf(stderr, "search_bench: %s: %s\n", sql, db_errmsg(db));
		exit(1);
	}
}

static struct db_stmt *prepare_or_die(struct db *db, const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);

	if (!st)
		die("%s", db_errmsg(db));
	return st;
}

static struct taxonomy *load_taxonomy(struct db *db)
{
	char err[512];
	struct taxonomy *tx = taxonomy_load(db, err, sizeof(err));

	if (!tx)
		die("taxonomy: %s", err);
	return tx;
}

/* ---- load: the bulk import ------------------------------------------------------------- */

struct loader {
	struct db *db;
	struct taxonomy *tx;
	char now_s[ISO_TIME_LEN + 1];
	long rows, loaded, skipped;
};

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int write_account(struct loader *L, const char *uid, json_t *row)
{
	const char *lang = jstr(row, "lang");

	if (sql_exec(L->db,
	             "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES "
	             "($1, $2, $3, 'invited', $4, $4)",
	             4,
	             (const char *[]){uid, jstr(row, "email"), lang ? lang : "fr", L->now_s}) != 1)
		return -1;
	return sql_exec(L->db,
	                "INSERT INTO user_roles (user_id, role, scope, granted_at) VALUES ($1, "
	                "'expert', '', $2)",
	                2, (const char *[]){uid, L->now_s}) == 1
	               ? 0
	               : -1;
}

/* The rows consent_set writes (consents, consent_events; PRIVACY_NOTICE_VERSION)
 * for each audience the file names — for a new account, all at once: two
 * statements instead of four per audience. */
static int write_consents(struct loader *L, struct arena *a, const char *uid, json_t *consent)
{
	const char *cp[3 + 2 * AUD_COUNT], *ep[3 + 3 * AUD_COUNT];
	struct buf c = BUF_INIT, e = BUF_INIT;
	int n = 0, rc = 0;

	cp[0] = ep[0] = uid;
	cp[1] = ep[1] = sql_int(a, PRIVACY_NOTICE_VERSION);
	cp[2] = ep[2] = L->now_s;
	buf_adds(&c,
	         "INSERT INTO consents (user_id, audience, granted, notice_version, at) VALUES ");
	buf_adds(&e, "INSERT INTO consent_events (id, user_id, audience, granted, notice_version, "
	             "source, at) VALUES ");
	for (int i = 0; json_is_object(consent) && i < AUD_COUNT; i++) {
		json_t *v = json_object_get(consent, consent_audience_name(i));
		if (!json_is_boolean(v))
			continue;
		cp[3 + 2 * n] = ep[4 + 3 * n] = consent_audience_name(i);
		cp[4 + 2 * n] = ep[5 + 3 * n] = json_is_true(v) ? "1" : "0";
		ep[3 + 3 * n] = sql_int(a, new_id(NULL));
		buf_addf(&c, "%s($1, $%d, CAST($%d AS INTEGER), CAST($2 AS INTEGER), $3)",
		         n ? ", " : "", 4 + 2 * n, 5 + 2 * n);
		buf_addf(
		        &e,
		        "%s($%d, $1, $%d, CAST($%d AS INTEGER), CAST($2 AS INTEGER), 'import', $3)",
		        n ? ", " : "", 4 + 3 * n, 5 + 3 * n, 6 + 3 * n);
		n++;
	}
	if (n && (sql_exec(L->db, buf_str(&c), 3 + 2 * n, cp) != n ||
	          sql_exec(L->db, buf_str(&e), 3 + 3 * n, ep) != n))
		rc = -1;
	buf_release(&c);
	buf_release(&e);
	return rc;
}

/* Consents, the invited mark and the confirmation date, as `kafaat import
 * --consent-from-file` records them. */
static int write_record(struct loader *L, struct arena *a, const char *uid_s, json_t *row)
{
	const char *confirmed = jstr(row, "confirmed_at");
	char full[32];

	if (write_consents(L, a, uid_s, json_object_get(row, "consent")) < 0)
		return -1;
	if (sql_exec(L->db, "UPDATE profiles SET invited = 1 WHERE user_id = $1", 1,
	             (const char *[]){uid_s}) != 1)
		return -1;
	if (!confirmed)
		return 0;
	snprintf(full, sizeof(full), strlen(confirmed) == 10 ? "%sT00:00:00Z" : "%s", confirmed);
	return sql_exec(L->db, "UPDATE profiles SET confirmed_at = $2 WHERE user_id = $1", 2,
	                (const char *[]){uid_s, full}) == 1
	               ? 0
	               : -1;
}

/* One line: 1 loaded, 0 skipped (invalid), -1 on a database error. */
static int load_row(struct loader *L, json_t *row)
{
	static const char *const own[] = {"email", "lang", "consent", "confirmed_at"};
	struct profile_issues issues;
	struct arena a = ARENA_INIT;
	json_t *rest = json_copy(row), *p;
	int rc = -1;

	for (size_t i = 0; i < COUNT(own); i++)
		json_object_del(rest, own[i]);
	p = profile_normalise(L->tx, rest, today_now, &issues);
	json_decref(rest);
	if (!p || !jstr(row, "email")) {
		json_decref(p);
		return 0;
	}
	int64_t uid = new_id(NULL);
	const char *uid_s = sql_int(&a, uid);
	if (write_account(L, uid_s, row) == 0 && profile_save(L->db, uid, p, today_now, 0) == 0 &&
	    write_record(L, &a, uid_s, row) == 0)
		rc = 1;
	json_decref(p);
	arena_free(&a);
	return rc;
}

static void load_line(struct loader *L, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *row = json_loadb(line, len, 0, &jerr);
	int rc = row ? load_row(L, row) : 0;

	json_decref(row);
	if (rc < 0) {
		fprintf(stderr, "search_bench: line %ld: %s\n", L->rows + 1, db_errmsg(L->db));
		exit(1);
	}
	L->rows++;
	L->loaded += rc;
	L->skipped += !rc;
}

static int cmd_load(const char *path)
{
	struct loader L = {.db = open_db(path)};
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	double t0 = now_ms();

	L.tx = load_taxonomy(L.db);
	iso_time(today_now, L.now_s);
	/* A bulk load of rows consistent by construction: no fsync, no checks. */
	exec_or_die(L.db, "PRAGMA synchronous = OFF");
	exec_or_die(L.db, "PRAGMA foreign_keys = OFF");
	exec_or_die(L.db, "PRAGMA temp_store = MEMORY");
	exec_or_die(L.db, "PRAGMA cache_size = -524288"); /* 512 MiB */
	exec_or_die(L.db, "BEGIN");
	while ((len = getline(&line, &cap, stdin)) > 0) {
		load_line(&L, line, (size_t)len);
		if (L.rows % TX_ROWS == 0) {
			exec_or_die(L.db, "COMMIT");
			exec_or_die(L.db, "BEGIN");
			fprintf(stderr, "\rsearch_bench: %ld profiles loaded (%.0f/s)", L.loaded,
			        L.loaded / ((now_ms() - t0) / 1e3));
		}
	}
	/* The change log keeps a day in production: the load is history. */
	exec_or_die(L.db, "DELETE FROM index_changes");
	exec_or_die(L.db, "COMMIT");
	free(line);
	fprintf(stderr, "\n");
	printf("loaded %ld profiles (%ld lines skipped as invalid) in %.1f s\n", L.loaded,
	       L.skipped, (now_ms() - t0) / 1e3);
	taxonomy_free(L.tx);
	db_close(L.db);
	return L.loaded > 0 ? 0 : 1;
}

/* ---- fts: the FTS5 peers ------------------------------------------------------------------ */

#define FTS_COLUMNS                                                                                \
	"(name, headline, skills, bio, experience, country UNINDEXED, "                            \
	"tokenize = 'unicode61 remove_diacritics 0')"

struct fts_build {
	struct db *db; /* the writes; search_load reads on a connection (and thread) of its own */
	struct db_stmt *ins[2]; /* bench_fts, bench_fts_public */
	int32_t today;
	long n[2], seen;
	struct buf text[MF_FIELDS];
};

/* The field's tokens joined by spaces, without the engine's "skill:ID". */
static const char *joined(struct buf *b, const struct match_strs *t)
{
	buf_reset(b);
	for (size_t i = 0; i < t->n; i++) {
		if (strncmp(t->v[i], "skill:", 6) == 0)
			continue;
		if (b->len)
			buf_addc(b, ' ');
		buf_adds(b, t->v[i]);
	}
	return buf_str(b);
}

static void fts_insert(struct fts_build *f, int which, const struct match_expert *e)
{
	struct db_stmt *st = f->ins[which];

	db_bind_int(st, 1, e->id);
	for (int k = 0; k < MF_FIELDS; k++)
		db_bind_text(st, k + 2, buf_str(&f->text[k]));
	if (e->country)
		db_bind_text(st, 7, e->country);
	else
		db_bind_null(st, 7);
	if (db_step(st) != DB_OK) {
		fprintf(stderr, "search_bench: FTS5 insert: %s\n", db_errmsg(f->db));
		exit(1);
	}
	db_reset(st);
	f->n[which]++;
}

static void fts_put(void *ud, const struct match_expert *e)
{
	struct fts_build *f = ud;
	int dormant = e->confirmed == 0 || f->today - e->confirmed > DORMANT_AFTER_DAYS;

	for (int k = 0; k < MF_FIELDS; k++)
		joined(&f->text[k], &e->tokens[k]);
	if (e->flags & MATCH_CONSENT_PROGRAMME)
		fts_insert(f, 0, e);
	if ((e->flags & MATCH_CONSENT_DIRECTORY) && !dormant)
		fts_insert(f, 1, e);
	if (++f->seen % TX_ROWS == 0) {
		exec_or_die(f->db, "COMMIT");
		exec_or_die(f->db, "BEGIN");
		fprintf(stderr, "\rsearch_bench: %ld experts into FTS5", f->seen);
	}
}

static struct db_stmt *fts_statement(struct db *db, const char *table)
{
	char sql[256];
	struct db_stmt *st;

	snprintf(sql, sizeof(sql),
	         "INSERT INTO %s (rowid, name, headline, skills, bio, experience, country) "
	         "VALUES ($1, $2, $3, $4, $5, $6, $7)",
	         table);
	st = db_prepare(db, sql);
	if (!st)
		die("%s", db_errmsg(db));
	return st;
}

static int cmd_fts(const char *path)
{
	struct fts_build f = {.db = open_db(path), .today = search_day(TODAY)};
	struct db *rd = open_db(path);
	struct taxonomy *tx = load_taxonomy(rd);
	double t0 = now_ms();

	exec_or_die(f.db, "PRAGMA synchronous = OFF");
	exec_or_die(f.db, "DROP TABLE IF EXISTS bench_fts_vocab");
	exec_or_die(f.db, "DROP TABLE IF EXISTS bench_fts");
	exec_or_die(f.db, "DROP TABLE IF EXISTS " BENCH_FTS5_TABLE);
	exec_or_die(f.db, "CREATE VIRTUAL TABLE bench_fts USING fts5" FTS_COLUMNS);
	exec_or_die(f.db, "CREATE VIRTUAL TABLE " BENCH_FTS5_TABLE " USING fts5" FTS_COLUMNS);
	exec_or_die(f.db, "CREATE VIRTUAL TABLE bench_fts_vocab USING fts5vocab(bench_fts, row)");
	for (int k = 0; k < MF_FIELDS; k++)
		buf_init(&f.text[k], 0);
	f.ins[0] = fts_statement(f.db, "bench_fts");
	f.ins[1] = fts_statement(f.db, BENCH_FTS5_TABLE);
	exec_or_die(f.db, "BEGIN");
	if (search_load_experts(rd, tx, 1, INT64_MAX, today_now, fts_put, &f) < 0)
		die("reading the experts: %s", db_errmsg(rd));
	exec_or_die(f.db, "COMMIT");
	db_finalize(f.ins[0]);
	db_finalize(f.ins[1]);
	exec_or_die(f.db, "INSERT INTO bench_fts (bench_fts) VALUES ('optimize')");
	exec_or_die(f.db,
	            "INSERT INTO " BENCH_FTS5_TABLE " (" BENCH_FTS5_TABLE ") VALUES ('optimize')");
	fprintf(stderr, "\n");
	printf("FTS5: %ld experts the programme team may see (bench_fts), %ld the public may see "
	       "(" BENCH_FTS5_TABLE "), built in %.1f s\n",
	       f.n[0], f.n[1], (now_ms() - t0) / 1e3);
	for (int k = 0; k < MF_FIELDS; k++)
		buf_release(&f.text[k]);
	taxonomy_free(tx);
	db_close(rd);
	db_close(f.db);
	return 0;
}

/* ---- run: timings ------------------------------------------------------------------------- */

struct series {
	double *v;
	size_t n, cap;
};

static void series_add(struct series *s, double ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = ms;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) by the nearest-rank method. */
static double pct(struct series *s, double p)
{
	size_t rank;

	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), by_value);
	rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	return s->v[rank ? rank - 1 : 0];
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static const char *verdict(int met)
{
	return met ? "met" : "MISSED";
}

/* Peak and current resident memory, in MiB. */
static double peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static double rss_mib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, resident = 0;

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (double)resident * 4096.0 / (1024.0 * 1024.0);
}

/* ---- run: the index -------------------------------------------------------------------- */

struct engine_build {
	struct match_index *ix;
	double put_cpu; /* CPU ms in match_put_expert */
	long n;
};

static double cpu_ms(clockid_t which)
{
	struct timespec t;

	clock_gettime(which, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void timed_put(void *ud, const struct match_expert *e)
{
	struct engine_build *b = ud;
	double t0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);

	match_put_expert(b->ix, e);
	b->put_cpu += cpu_ms(CLOCK_THREAD_CPUTIME_ID) - t0;
	b->n++;
}

/* What `kafaat serve` does with config search.snapshot: the index saved,
 * then a start from the snapshot and the change log (the rest of the run
 * uses that index). Returns it; s is closed. */
static struct search *start_from_snapshot(struct db *db, const struct taxonomy *tx,
                                          struct search *s, size_t n)
{
	char err[512], path[] = "/tmp/kafaat-bench-snapshot-XXXXXX";
	int fd = mkstemp(path);
	struct stat st;
	double t0, t1;

	if (fd < 0)
		die("cannot make a snapshot file: %s", strerror(errno));
	close(fd);
	t0 = now_ms();
	if (search_snapshot_save(s, path, today_now) < 0 || stat(path, &st) < 0)
		die("cannot save the snapshot to %s", path);
	t1 = now_ms();
	printf("  snapshot written in %.2f s: %.0f MiB, %.0f bytes per profile\n", (t1 - t0) / 1e3,
	       st.st_size / 1048576.0, (double)st.st_size / (double)(n ? n : 1));
	search_close(s);
	t0 = now_ms();
	s = search_open(db, tx, today_now, path, err, sizeof(err));
	t1 = now_ms();
	unlink(path);
	if (!s || search_experts(s) != n)
		die("the start from the snapshot failed: %s", s ? "not every expert" : err);
	printf("index start from storage with a snapshot (search_open: the snapshot, the published "
	       "needs, the change log): %zu experts in %.2f s; target <= 10 s: %s; RSS %.0f MiB\n",
	       n, (t1 - t0) / 1e3, verdict(t1 - t0 <= 10e3), rss_mib());
	return s;
}

static struct search *build_index(struct db *db, const struct taxonomy *tx)
{
	char err[512];
	double rss0 = rss_mib(), t0 = now_ms(), t1;
	struct search *s = search_open(db, tx, today_now, NULL, err, sizeof(err));
	struct engine_build b = {match_new(), 0, 0};
	size_t n, mem;

	if (!s)
		die("%s", err);
	t1 = now_ms();
	n = search_experts(s);
	printf("index build from storage (search_open, SQLite, no snapshot): %zu experts in %.2f s "
	       "(%.0f/s)\n",
	       n, (t1 - t0) / 1e3, n / ((t1 - t0) / 1e3));
	printf("memory: peak RSS %.0f MiB (the whole process, index built); RSS added by the index "
	       "%.0f MiB; target <= 2048 MiB: %s\n",
	       peak_rss_mib(), rss_mib() - rss0, verdict(peak_rss_mib() <= 2048));
	s = start_from_snapshot(db, tx, s, n);
	/* The same experts again into a bare engine: match_memory, and where the
	 * build's CPU goes. search_load reads and folds on a thread of its own
	 * while match_put_expert runs on this one; on one core they take turns,
	 * so CPU times, not wall times, tell them apart. */
	double proc0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ms();
	if (search_load_experts(db, tx, 1, INT64_MAX, today_now, timed_put, &b) < 0)
		die("reading the experts: %s", db_errmsg(db));
	t1 = now_ms();
	double proc = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - proc0;
	mem = match_memory(b.ix);
	printf("  match_memory: %.0f MiB, %.0f bytes per profile\n", mem / 1048576.0,
	       (double)mem / (double)(b.n ? b.n : 1));
	printf("  the same build again into a bare engine: %.2f s; CPU %.2f s, of which "
	       "match_put_expert %.2f s (%.1f us a profile), reading rows and folding text "
	       "(search_load) %.2f s (%.1f us a profile)\n",
	       (t1 - t0) / 1e3, proc / 1e3, b.put_cpu / 1e3,
	       1e3 * b.put_cpu / (double)(b.n ? b.n : 1), (proc - b.put_cpu) / 1e3,
	       1e3 * (proc - b.put_cpu) / (double)(b.n ? b.n : 1));
	match_free(b.ix);
	return s;
}

/* BENCH_SNAPSHOT: the index from a snapshot kept between runs (the first
 * run builds it from storage and writes it). */
static struct search *snapshot_index(struct db *db, const struct taxonomy *tx, const char *path)
{
	char err[512];
	struct search *s = search_open(db, tx, today_now, path, err, sizeof(err));

	if (!s)
		die("%s", err);
	printf("index: %zu experts through the snapshot %s (BENCH_SNAPSHOT: the build from storage "
	       "and the memory are not measured in this run)\n",
	       search_experts(s), path);
	return s;
}

/* ---- run: query sets ----------------------------------------------------------------------- */

/* The in-process query: the programme team's, dormant experts included. */
static void programme_query(struct match_query *q, const struct match_clause *c, size_t nc,
                            size_t limit)
{
	memset(q, 0, sizeof(*q));
	q->clauses = c;
	q->nclauses = nc;
	q->audience = MATCH_FOR_PROGRAMME;
	q->filters.state = MATCH_ANY_STATE;
	q->today = search_day(TODAY);
	q->dormant_days = DORMANT_AFTER_DAYS;
	q->limit = limit;
}

/* What Kafaat is asked: the programme team's top 20 (K_TOP) or its facet
 * counts alone (K_FACETS, limit 0: what the search page adds), or what one
 * anonymous /api/v1/experts request asks of the engine (K_API: the
 * public's audience, active experts, top 20 and every facet). */
enum kmode { K_TOP, K_FACETS, K_API };

/* Kafaat: the words into clauses (search_clauses), then search_run.
 * Returns the hits, or the total when facets were counted. */
static size_t kafaat(struct search *s, const struct taxonomy *tx, const char *text, enum kmode mode)
{
	struct arena a = ARENA_INIT;
	const struct match_clause *c;
	struct match_hit hits[TOP];
	struct match_facets *f = NULL;
	struct match_query q;
	size_t nc = search_clauses(tx, &a, text, &c), got;

	programme_query(&q, c, nc, mode == K_FACETS ? 0 : TOP);
	if (mode == K_API) {
		q.audience = MATCH_FOR_PUBLIC;
		q.filters.state = MATCH_ACTIVE;
	}
	got = (size_t)search_run(s, &q, hits, mode != K_TOP ? &f : NULL, FACET_VALUES);
	if (f)
		got = f->total;
	match_facets_free(f);
	arena_free(&a);
	return got;
}

struct qset {
	const char *name;
	double lo, hi;               /* the band of matches a query, fraction of bench_fts */
	int pairs;                   /* too few words in the band: add two-word queries */
	char *term[MAX_TERMS];       /* the queries: one word, or two */
	const char *expr[MAX_TERMS]; /* each one's FTS5 expression */
	size_t n, singles;           /* queries; of which one word */
	double matches;              /* mean matches a query (Kafaat's total) */
	long agree;                  /* queries whose totals agree */
	struct arena a;
};

static int latin_word(const char *t)
{
	size_t n = strlen(t);

	if (n < 3)
		return 0;
	for (; *t; t++)
		if (*t < 'a' || *t > 'z')
			return 0;
	return 1;
}

struct words {
	char **v;
	size_t n, cap;
};

static void words_free(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
}

/* The words (a-z, 3 letters or more) found in lo..hi documents, A to Z. */
static void vocab(struct db *db, int64_t lo, int64_t hi, struct words *w)
{
	struct db_stmt *st =
	        prepare_or_die(db, "SELECT term FROM bench_fts_vocab WHERE doc BETWEEN "
	                           "$1 AND $2 ORDER BY term");

	memset(w, 0, sizeof(*w));
	db_bind_int(st, 1, lo);
	db_bind_int(st, 2, hi);
	while (db_step(st) == DB_ROW) {
		if (!latin_word(db_col_text(st, 0)))
			continue;
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 64;
			w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
		}
		w->v[w->n++] = xstrdup(db_col_text(st, 0));
	}
	db_finalize(st);
}

static void add_query(struct qset *q, const struct taxonomy *tx, const char *text)
{
	q->term[q->n] = xstrdup(text);
	q->expr[q->n] = bench_fts5_expr(tx, &q->a, text);
	q->n++;
}

/* Two-word queries "x y" matching lo..hi documents: x a word of a skill
 * name (about 0.25% of profiles each in the generated data), y a broad
 * word, both as a user would combine them. */
static void add_pairs(struct search *s, const struct taxonomy *tx, struct db *db, struct qset *q,
                      int64_t docs)
{
	struct words x, y;

	vocab(db, (int64_t)(q->hi * (double)docs), (int64_t)(4 * q->hi * (double)docs), &x);
	vocab(db, (int64_t)(0.25 * (double)docs), (int64_t)(0.45 * (double)docs), &y);
	for (size_t i = 0; y.n && i < x.n && q->n < MAX_TERMS; i++) {
		char text[256];
		snprintf(text, sizeof(text), "%s %s", x.v[i], y.v[i % y.n]);
		size_t total = kafaat(s, tx, text, K_FACETS);
		if (total >= (size_t)(q->lo * (double)docs) &&
		    total <= (size_t)(q->hi * (double)docs))
			add_query(q, tx, text);
	}
	words_free(&x);
	words_free(&y);
}

/* The set's queries: the words in its band, evenly spread over the
 * alphabetical list (at most MAX_TERMS), then pairs when asked. */
static void pick_terms(struct search *s, struct db *db, const struct taxonomy *tx, struct qset *q,
                       int64_t docs)
{
	struct words w;
	size_t want;

	vocab(db, (int64_t)(q->lo * (double)docs), (int64_t)(q->hi * (double)docs), &w);
	q->a = (struct arena)ARENA_INIT;
	want = w.n < MAX_TERMS ? w.n : MAX_TERMS;
	for (size_t i = 0; i < w.n && q->n < want; i++)
		if (i * want / w.n == q->n)
			add_query(q, tx, w.v[i]);
	q->singles = q->n;
	words_free(&w);
	if (q->pairs)
		add_pairs(s, tx, db, q, docs);
	if (!q->n)
		die("no query in the %s band", q->name);
}

struct peer {
	int off; /* BENCH_PEERS=0: Kafaat alone (to profile it) */
	struct db *db;
	struct db_stmt *top, *count, *countries;
};

static void peer_open(struct peer *p, struct db *db)
{
	p->off = getenv("BENCH_PEERS") && strcmp(getenv("BENCH_PEERS"), "0") == 0;
	p->db = db;
	p->top = prepare_or_die(db, "SELECT rowid, bm25(bench_fts, " BENCH_FTS5_WEIGHTS ") AS s "
	                            "FROM bench_fts WHERE bench_fts MATCH $1 ORDER BY s, rowid "
	                            "LIMIT 20");
	p->count = prepare_or_die(db, "SELECT COUNT(*) FROM bench_fts WHERE bench_fts MATCH $1");
	p->countries = prepare_or_die(db, "SELECT country, COUNT(*) AS n FROM bench_fts WHERE "
	                                  "bench_fts MATCH $1 GROUP BY country ORDER BY n DESC, "
	                                  "country");
}

static void peer_close(struct peer *p)
{
	db_finalize(p->top);
	db_finalize(p->count);
	db_finalize(p->countries);
}

/* Runs st for expr to the end. Returns the number of rows, or with
 * sum_col >= 0 the sum of that column (COUNT(*), a GROUP BY's counts). */
static int64_t peer_run(struct peer *p, struct db_stmt *st, const char *expr, int sum_col)
{
	int64_t rows = 0;
	enum db_rc rc;

	if (p->off)
		return -1;
	db_bind_text(st, 1, expr);
	while ((rc = db_step(st)) == DB_ROW)
		rows += sum_col >= 0 ? db_col_int(st, sum_col) : 1;
	if (rc != DB_OK)
		die("FTS5: %s", db_errmsg(p->db));
	db_reset(st);
	return rows;
}

/* Untimed: the totals of both engines for every term (they must agree:
 * the same documents, the same words), which also warms both caches. */
static void check_set(struct search *s, const struct taxonomy *tx, struct peer *p, struct qset *q)
{
	double sum = 0;

	for (size_t i = 0; i < q->n; i++) {
		size_t k = kafaat(s, tx, q->term[i], K_FACETS);
		int64_t f = peer_run(p, p->count, q->expr[i], 0);
		if ((int64_t)k == f)
			q->agree++;
		else if (!p->off)
			fprintf(stderr,
			        "search_bench: \"%s\" (FTS5: %s): Kafaat %zu matches, FTS5 %lld\n",
			        q->term[i], q->expr[i], k, (long long)f);
		sum += (double)k;
		kafaat(s, tx, q->term[i], K_TOP);
		peer_run(p, p->top, q->expr[i], -1);
	}
	q->matches = sum / (double)q->n;
}

struct pair {
	struct series k, f; /* Kafaat, FTS5 (ms) */
	double worst;       /* Kafaat's slowest query (ms) */
	size_t worst_at;    /* its index in the set */
};

static void pair_free(struct pair *r)
{
	free(r->k.v);
	free(r->f.v);
}

/* rounds queries, cycling through the set's terms, each asked of Kafaat
 * then of FTS5 (top 20, or the facet counts). */
static void time_set(struct search *s, const struct taxonomy *tx, struct peer *p,
                     const struct qset *q, long rounds, int facets, struct pair *r)
{
	for (long i = 0; i < rounds; i++) {
		size_t t = (size_t)i % q->n;
		double t0 = now_ms(), t1, t2;
		kafaat(s, tx, q->term[t], facets ? K_FACETS : K_TOP);
		t1 = now_ms();
		peer_run(p, facets ? p->countries : p->top, q->expr[t], facets ? 1 : -1);
		t2 = now_ms();
		series_add(&r->k, t1 - t0);
		series_add(&r->f, t2 - t1);
		if (t1 - t0 > r->worst) {
			r->worst = t1 - t0;
			r->worst_at = t;
		}
	}
}

static void print_pair(const char *label, struct pair *r)
{
	double k50 = pct(&r->k, 50), k99 = pct(&r->k, 99), f50 = pct(&r->f, 50),
	       f99 = pct(&r->f, 99);

	printf("  %-10s Kafaat min %7.3f p50 %7.3f p99 %7.3f ms | FTS5 min %8.3f p50 %8.3f p99 "
	       "%8.3f ms | FTS5/Kafaat p50 %6.1fx p99 %6.1fx\n",
	       label, pct(&r->k, 0), k50, k99, pct(&r->f, 0), f50, f99, ratio(f50, k50),
	       ratio(f99, k99));
}

/* Kafaat's slowest query of the run, asked again 5 times: when it is fast
 * now, the slow time was the machine's (another process on the core), not
 * the query's. */
static void print_worst(struct search *s, const struct taxonomy *tx, const struct qset *q,
                        const struct pair *r, enum kmode mode)
{
	struct series again = {0};

	for (int i = 0; i < 5; i++) {
		double t0 = now_ms();
		kafaat(s, tx, q->term[r->worst_at], mode);
		series_add(&again, now_ms() - t0);
	}
	printf("  %-10s Kafaat's slowest: \"%s\" %.3f ms; asked 5 times again: median %.3f ms\n",
	       "", q->term[r->worst_at], r->worst, pct(&again, 50));
	free(again.v);
}

static void run_search(struct search *s, const struct taxonomy *tx, struct peer *p,
                       struct qset *sets, size_t nsets, int64_t docs)
{
	long rounds = env_count("BENCH_QUERIES", 200);

	printf("\ntop-20 text search, %ld queries per set, interleaved (Kafaat: search_clauses + "
	       "search_run, the programme team's audience, dormant included; FTS5: ORDER BY "
	       "bm25() LIMIT 20 over the same %lld experts and the same words):\n",
	       rounds, (long long)docs);
	for (size_t i = 0; i < nsets; i++) {
		struct pair r = {0};
		struct qset *q = &sets[i];
		check_set(s, tx, p, q);
		printf("  %-10s %zu queries in the band of %.2f%%..%.2f%% of profiles (%zu words, "
		       "%zu of two words); mean matches %.0f (%.2f%%); same total in both engines "
		       "for %ld of %zu\n",
		       q->name, q->n, q->lo * 100, q->hi * 100, q->singles, q->n - q->singles,
		       q->matches, 100 * q->matches / (double)docs, q->agree, q->n);
		time_set(s, tx, p, q, rounds, 0, &r);
		print_pair(q->name, &r);
		printf("  %-10s targets: p50 <= 2 ms %s, p99 <= 5 ms %s%s\n", q->name,
		       verdict(pct(&r.k, 50) <= 2), verdict(pct(&r.k, 99) <= 5),
		       strcmp(q->name, "broad") == 0
		               ? (ratio(pct(&r.f, 50), pct(&r.k, 50)) >= 10
		                          ? ", >= 10x faster than FTS5 (p50) met"
		                          : ", >= 10x faster than FTS5 (p50) MISSED")
		               : "");
		print_worst(s, tx, q, &r, K_TOP);
		pair_free(&r);
	}
}

static void run_facets(struct search *s, const struct taxonomy *tx, struct peer *p,
                       const struct qset *broad)
{
	long rounds = env_count("BENCH_FACET_QUERIES", 30);
	struct pair r = {0};

	time_set(s, tx, p, broad, rounds, 1, &r);
	printf("\nfacet counts, broad set (%.0f matches a query on average), %ld queries, "
	       "interleaved (Kafaat: search_run with limit 0, every facet — country, sector, "
	       "skill, language, network, presence, mode, pay, state; FTS5: the total and the "
	       "country facet, one GROUP BY):\n",
	       broad->matches, rounds);
	print_pair("facets", &r);
	printf("  %-10s target: p50 <= 10 ms %s (p99 %s)\n", "facets", verdict(pct(&r.k, 50) <= 10),
	       verdict(pct(&r.k, 99) <= 10));
	print_worst(s, tx, broad, &r, K_FACETS);
	pair_free(&r);
}

/* Kafaat alone: the engine's part of one /api/v1/experts request (its
 * HTTP peer is measured by bench/search.sh). */
static void run_api(struct search *s, const struct taxonomy *tx, const struct qset *sets,
                    size_t nsets)
{
	long rounds = env_count("BENCH_QUERIES", 200);

	printf("\nthe engine's part of an anonymous /api/v1/experts request (the public's "
	       "audience, "
	       "active experts only: top 20 and every facet), Kafaat alone, %ld queries per set:\n",
	       rounds);
	for (size_t i = 0; i < nsets; i++) {
		struct series k = {0};
		double matches = 0;
		for (long r = 0; r < rounds; r++) {
			double t0 = now_ms();
			matches +=
			        (double)kafaat(s, tx, sets[i].term[(size_t)r % sets[i].n], K_API);
			series_add(&k, now_ms() - t0);
		}
		printf("  %-10s Kafaat min %7.3f p50 %7.3f p99 %7.3f ms (%.0f matches a query)\n",
		       sets[i].name, pct(&k, 0), pct(&k, 50), pct(&k, 99),
		       matches / (double)rounds);
		free(k.v);
	}
}

/* ---- run: needs ---------------------------------------------------------------------------- */

struct needs {
	struct match_need *v;
	size_t n;
	long bad;
	struct arena a;
};

static void decref(void *j)
{
	json_decref(j);
}

static void read_needs(const char *path, const struct taxonomy *tx, struct needs *nd, long max)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t len;

	if (!f)
		die("%s: cannot open", path);
	nd->a = (struct arena)ARENA_INIT;
	nd->v = xcalloc((size_t)max, sizeof(*nd->v));
	while (nd->n < (size_t)max && (len = getline(&line, &cap, f)) > 0) {
		json_error_t jerr;
		json_t *j = json_loadb(line, (size_t)len, 0, &jerr);
		/* search_need_parse borrows j's strings: they live with the arena */
		if (j && search_need_parse(tx, &nd->a, j, &nd->v[nd->n], err, sizeof(err)) == 0) {
			arena_defer(&nd->a, decref, j);
			nd->n++;
		} else {
			json_decref(j);
			nd->bad++;
		}
	}
	free(line);
	fclose(f);
}

/* The peer: plain skill-overlap counting in SQL (make eval's baseline B):
 * experts holding most of the need's skills, ties by id — no filters, no
 * levels, no explanations. */
static int64_t overlap(struct db *db, const struct match_need *n)
{
	static const char *const ph[] = {"$1", "$2",  "$3",  "$4",  "$5",  "$6",  "$7",  "$8",
	                                 "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$16"};
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	int64_t rows = 0;

	buf_adds(&sql, "SELECT user_id, COUNT(*) AS c FROM profile_skills WHERE skill_id IN (");
	for (size_t i = 0; i < n->nskills; i++)
		buf_addf(&sql, "%s%s", i ? ", " : "", ph[i]);
	buf_adds(&sql, ") GROUP BY user_id ORDER BY c DESC, user_id LIMIT 20");
	st = prepare_or_die(db, buf_str(&sql));
	for (size_t i = 0; i < n->nskills; i++)
		db_bind_text(st, (int)i + 1, n->skills[i].id);
	while (db_step(st) == DB_ROW)
		rows++;
	db_finalize(st);
	buf_release(&sql);
	return rows;
}

static void run_needs(struct search *s, struct db *db, const struct taxonomy *tx, const char *path)
{
	struct needs nd = {0};
	struct pair r = {0};
	long results = 0;

	read_needs(path, tx, &nd, env_count("BENCH_NEEDS", 200));
	if (!nd.n)
		die("%s: no need could be read", path);
	for (size_t i = 0; i < nd.n; i++) { /* warm both */
		json_decref(search_match(s, &nd.v[i], today_now, 0, TOP));
		overlap(db, &nd.v[i]);
	}
	for (size_t i = 0; i < nd.n; i++) {
		double t0 = now_ms(), t1, t2;
		json_t *x = search_match(s, &nd.v[i], today_now, 0, TOP);
		t1 = now_ms();
		overlap(db, &nd.v[i]);
		t2 = now_ms();
		results += (long)json_array_size(x);
		json_decref(x);
		series_add(&r.k, t1 - t0);
		series_add(&r.f, t2 - t1);
	}
	printf("\nneed -> top-20 experts with explanations, %zu generated needs (%ld unreadable), "
	       "interleaved (Kafaat: search_match = match_need + the explanations as JSON, %.1f "
	       "results a need; peer: SQL skill-overlap count over profile_skills, no filters, no "
	       "explanations):\n",
	       nd.n, nd.bad, (double)results / (double)nd.n);
	double k95 = pct(&r.k, 95);
	printf("  %-10s Kafaat min %7.3f p50 %7.3f p95 %7.3f p99 %7.3f ms | SQL p50 %8.3f p95 "
	       "%8.3f "
	       "ms | SQL/Kafaat p50 %6.1fx p95 %6.1fx\n",
	       "needs", pct(&r.k, 0), pct(&r.k, 50), k95, pct(&r.k, 99), pct(&r.f, 50),
	       pct(&r.f, 95), ratio(pct(&r.f, 50), pct(&r.k, 50)), ratio(pct(&r.f, 95), k95));
	printf("  %-10s target: p95 <= 20 ms %s\n", "needs", verdict(k95 <= 20));
	pair_free(&r);
	arena_free(&nd.a);
	free(nd.v);
}

/* ---- run ------------------------------------------------------------------------------------ */

/* The HTTP runs' paths: the same terms for /api/v1/experts and the peer. */
static void write_paths(const char *prefix, const struct qset *q)
{
	static const char *const kinds[][2] = {{"kafaat", "/api/v1/experts?q="},
	                                       {"fts5", "/api/v1/bench/fts5?q="}};

	for (size_t k = 0; k < COUNT(kinds); k++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s-%s.%s", prefix, q->name, kinds[k][0]);
		FILE *f = fopen(path, "w");
		if (!f)
			die("%s: cannot write", path);
		for (size_t i = 0; i < q->n; i++) { /* words of a-z, spaces as %20 */
			fputs(kinds[k][1], f);
			for (const char *c = q->term[i]; *c; c++)
				fputs(*c == ' ' ? "%20" : (const char[]){*c, '\0'}, f);
			fputc('\n', f);
		}
		if (fclose(f) != 0)
			die("%s: cannot write", path);
	}
}

static int cmd_run(const char *path, const char *needs, const char *paths)
{
	struct db *db = open_db(path);
	struct taxonomy *tx = load_taxonomy(db);
	struct qset sets[] = {
	        {.name = "selective", .lo = 0.0005, .hi = 0.002, .pairs = 1},
	        {.name = "mid", .lo = 0.02, .hi = 0.045},
	        {.name = "broad", .lo = 0.25, .hi = 0.45},
	};
	struct peer p;
	int64_t docs = 0;

	const char *snap = getenv("BENCH_SNAPSHOT");
	struct search *s =
	        snap && *snap ? snapshot_index(db, tx, snap)
	                      : build_index(db, tx); /* first: its peak memory is the server's */
	exec_or_die(db, "PRAGMA cache_size = -1048576"); /* 1 GiB: FTS5 reads from memory */
	if (db_query_int(db, "SELECT COUNT(*) FROM bench_fts", 0, NULL, &docs) != DB_OK || !docs)
		die("%s has no FTS5 peer (run: search_bench fts)", path);
	peer_open(&p, db);
	for (size_t i = 0; i < COUNT(sets); i++) {
		pick_terms(s, db, tx, &sets[i], docs);
		write_paths(paths, &sets[i]);
	}
	run_search(s, tx, &p, sets, COUNT(sets), docs);
	run_facets(s, tx, &p, &sets[2]);
	run_api(s, tx, sets, COUNT(sets));
	run_needs(s, db, tx, needs);
	peer_close(&p);
	for (size_t i = 0; i < COUNT(sets); i++) {
		for (size_t k = 0; k < sets[i].n; k++)
			free(sets[i].term[k]);
		arena_free(&sets[i].a);
	}
	search_close(s);
	taxonomy_free(tx);
	db_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* each line as it comes, through tee */
	if (iso_parse(TODAY, &today_now) < 0)
		return 2;
	if (argc == 3 && strcmp(argv[1], "load") == 0)
		return cmd_load(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fts") == 0)
		return cmd_fts(argv[2]);
	if (argc == 5 && strcmp(argv[1], "run") == 0)
		return cmd_run(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: search_bench load DB < EXPERTS.jsonl | fts DB | "
	                "run DB NEEDS.jsonl PATHS_PREFIX\n");
	return 2;
}
