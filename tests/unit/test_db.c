/* Tests for src/db: the engine-neutral API, the migration runner and the
 * connection pool, on SQLite and on PostgreSQL.
 *
 * SQLite tests get a fresh temporary folder under /tmp holding their
 * database, removed afterwards. PostgreSQL tests run when TEST_PG_URL names
 * a database (scripts/pg.sh starts a cluster; `make test` does): each starts
 * from an empty public schema. Without TEST_PG_URL they are skipped. Tests
 * shared by both engines use the same SQL on both. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "db/db.h"
#include "db/fault.h"
#include "db/migrations.h"

struct fixture {
	char dir[64];     /* SQLite: the temporary folder; "" for PostgreSQL */
	char target[512]; /* the SQLite file or the PostgreSQL URL */
	struct db *db;
};

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static const char *pg_url(void)
{
	const char *url = getenv("TEST_PG_URL");

	return url != NULL && url[0] != '\0' ? url : NULL;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = 0;

	(void)fault_db_arm("0"); /* a failed test may leave a fault armed */
	if (f == NULL)
		return 0;
	db_close(f->db);
	if (f->dir[0] != '\0')
		rc = nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

/* Opens f->target, then runs sql (may be NULL) on it. */
static int open_fixture(struct fixture *f, const char *sql, void **state)
{
	char err[512];

	*state = f;
	if (db_open(f->target, &f->db, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	if (sql != NULL && db_exec(f->db, sql) != DB_OK) {
		fprintf(stderr, "setup: %s: %s\n", sql, db_errmsg(f->db));
		return -1;
	}
	return 0;
}

static int setup_sqlite(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = NULL;
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat-test-db-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->target, sizeof(f->target), "%s/test.db", f->dir);
	return open_fixture(f, NULL, state);
}

/* No fixture without TEST_PG_URL: the test skips itself (see fix). */
static int setup_pg(void **state)
{
	struct fixture *f;

	*state = NULL;
	if (pg_url() == NULL)
		return 0;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	snprintf(f->target, sizeof(f->target), "%s", pg_url());
	return open_fixture(f, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", state);
}

static struct fixture *fix(void **state)
{
	if (*state == NULL)
		skip(); /* PostgreSQL test without TEST_PG_URL */
	return *state;
}

static struct db *fdb(void **state)
{
	return fix(state)->db;
}

static int is_pg(struct db *db)
{
	return db_engine(db) == DB_POSTGRES;
}

/* The last error mentions the engine's own words for what happened. */
static void assert_err(struct db *db, const char *sqlite_text, const char *pg_text)
{
	const char *want = is_pg(db) ? pg_text : sqlite_text;

	if (strstr(db_errmsg(db), want) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", db_errmsg(db), want);
}

static void exec_ok(struct db *db, const char *sql)
{
	enum db_rc rc = db_exec(db, sql);

	if (rc != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

static int64_t query_int(struct db *db, const char *sql)
{
	int64_t v = -1;

	if (db_query_int(db, sql, 0, NULL, &v) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return v;
}

/* The first column of the first row, copied into out. */
static void query_text(struct db *db, const char *sql, char *out, size_t len)
{
	struct db_stmt *st = db_prepare(db, sql);

	if (st == NULL)
		fail_msg("%s: %s", sql, db_errmsg(db));
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(out, len, "%s", db_col_text(st, 0));
	db_finalize(st);
}

/* ---- opening ---- */

static void test_open_creates_file_with_wal(void **state)
{
	struct fixture *f = fix(state);
	struct stat sb;
	char mode[16];

	assert_int_equal(stat(f->target, &sb), 0);
	assert_int_equal(db_engine(f->db), DB_SQLITE);
	query_text(f->db, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	assert_int_equal(query_int(f->db, "PRAGMA synchronous"), 2);
	assert_int_equal(query_int(f->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(db_ping(f->db), 0);
}

static void test_open_missing_folder(void **state)
{
	struct fixture *f = fix(state);
	struct db *db = f->db; /* non-NULL: db_open must reset it */
	char path[256];
	char err[256];

	snprintf(path, sizeof(path), "%s/missing/sub/k.db", f->dir);
	assert_int_equal(db_open(path, &db, err, sizeof(err)), -1);
	assert_null(db);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "does not exist"));
}

/* Needs no server: nothing listens on port 1. */
static void test_pg_open_errors(void **state)
{
	const char *urls[] = {
	        "postgres://kafaat:s3cretpw@127.0.0.1:1/kafaat",
	        "postgresql://kafaat@127.0.0.1:1/kafaat?password=s3cretpw&connect_timeout=5",
	};
	char err[512];
	struct db *db = NULL;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(db_open(urls[i], &db, err, sizeof(err)), -1);
		assert_null(db);
		assert_non_null(strstr(err, "cannot connect to PostgreSQL database kafaat on "
		                            "127.0.0.1 port 1 as kafaat: "));
		assert_non_null(strstr(err, "refused"));
		assert_null(strstr(err, "s3cretpw"));
	}
	/* libpq quotes a badly encoded password in its reason: masked. */
	assert_int_equal(
	        db_open("postgres://kafaat:s3cret%zz@127.0.0.1:1/k", &db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid PostgreSQL URL: "));
	assert_non_null(strstr(err, "percent-encoded"));
	assert_null(strstr(err, "s3cret"));
	assert_int_equal(db_open("postgres://k@127.0.0.1:1/k?nosuch=1", &db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nosuch"));
	assert_int_equal(db_open("", &db, err, sizeof(err)), -1);
}

/* ---- safety settings ---- */

static void test_foreign_keys_enforced(void **state)
{
	struct db *db = fdb(state);

	exec_ok(db, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
	            "CREATE TABLE child (id INTEGER PRIMARY KEY,"
	            " parent_id INTEGER NOT NULL REFERENCES parent (id))");
	assert_int_equal(db_exec(db, "INSERT INTO child VALUES (1, 42)"), DB_CONSTRAINT);
	assert_err(db, "FOREIGN KEY", "foreign key");
	exec_ok(db, "INSERT INTO parent VALUES (42); INSERT INTO child VALUES (1, 42)");
}

static void test_limits_and_defensive(void **state)
{
	struct db *db = fdb(state);
	struct buf sql = BUF_INIT;

	assert_int_not_equal(db_exec(db, "ATTACH DATABASE ':memory:' AS other"), DB_OK);
	assert_int_not_equal(db_exec(db, "PRAGMA writable_schema=ON;"
	                                 "UPDATE sqlite_master SET sql = 'x'"),
	                     DB_OK);
	/* Double-quoted strings are identifiers, as in PostgreSQL. */
	assert_null(db_prepare(db, "SELECT \"not a column\""));
	assert_int_equal(buf_adds(&sql, "SELECT $1"), 0);
	for (int i = 2; i <= 1000; i++)
		assert_int_equal(buf_addf(&sql, ", $%d", i), 0);
	assert_null(db_prepare(db, buf_str(&sql)));
	buf_release(&sql);
}

static void test_full(void **state)
{
	struct db *db = fdb(state);
	char big[8192];
	struct db_stmt *st;
	enum db_rc rc = DB_OK;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	exec_ok(db, "CREATE TABLE t (v TEXT)");
	exec_ok(db, "PRAGMA max_page_count = 8");
	st = db_prepare(db, "INSERT INTO t VALUES ($1)");
	assert_non_null(st);
	for (int i = 0; i < 100 && rc == DB_OK; i++) {
		assert_int_equal(db_bind_text(st, 1, big), DB_OK);
		rc = db_step(st);
		assert_int_equal(db_reset(st), DB_OK);
	}
	assert_int_equal(rc, DB_FULL);
	db_finalize(st);
}

/* ---- statements ---- */

static void test_bind_by_name_out_of_order(void **state)
{
	struct db *db = fdb(state);
	struct db_stmt *st =
	        db_prepare(db, "SELECT $2 || '-' || $1 || '-' || $1, CAST($3 AS BIGINT) + 1");

	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, "a"), DB_OK);
	assert_int_equal(db_bind_text(st, 2, "b"), DB_OK);
	assert_int_equal(db_bind_int(st, 3, INT64_C(5000000000)), DB_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_count(st), 2);
	assert_string_equal(db_col_text(st, 0), "b-a-a");
	assert_int_equal(db_col_int(st, 1), INT64_C(5000000001));
	assert_null(db_col_text(st, 2)); /* out of range reads as NULL */
	assert_int_equal(db_step(st), DB_OK);
	db_finalize(st);
}

static void test_bind_missing_parameter(void **state)
{
	struct db *db = fdb(state);
	struct db_stmt *st = db_prepare(db, "SELECT $1");

	assert_non_null(st);
	assert_int_equal(db_bind_int(st, 2, 1), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "$2"));
	assert_int_equal(db_bind_int(st, 0, 1), DB_ERROR);
	assert_int_equal(db_bind_null(st, -1), DB_ERROR);
	db_finalize(st);
}

static void test_prepare_refuses_non_portable(void **state)
{
	struct db *db = fdb(state);

	assert_null(db_prepare(db, "SELECT ?"));
	assert_non_null(strstr(db_errmsg(db), "$1"));
	assert_null(db_prepare(db, "SELECT :name"));
	assert_null(db_prepare(db, "SELECT $01"));
	assert_null(db_prepare(db, "SELECT 1; SELECT 2"));
	assert_null(db_prepare(db, "-- only a comment"));
	assert_null(db_prepare(db, "SELEKT 1"));
	assert_non_null(strstr(db_errmsg(db), "syntax error"));
}

static void test_null_bind_and_read(void **state)
{
	struct db *db = fdb(state);
	struct db_stmt *st;

	exec_ok(db, "CREATE TABLE t (a TEXT, b INTEGER)");
	st = db_prepare(db, "INSERT INTO t (a, b) VALUES ($1, $2)");
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, NULL), DB_OK);
	assert_int_equal(db_bind_null(st, 2), DB_OK);
	assert_int_equal(db_step(st), DB_OK);
	db_finalize(st);
	st = db_prepare(db, "SELECT a, b FROM t");
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(db_col_is_null(st, 0));
	assert_true(db_col_is_null(st, 1));
	assert_null(db_col_text(st, 0));
	assert_int_equal(db_col_int(st, 1), 0);
	db_finalize(st);
}

static void test_constraint(void **state)
{
	struct db *db = fdb(state);

	exec_ok(db, "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n > 0))");
	exec_ok(db, "INSERT INTO t VALUES ('a', 1)");
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES ('a', 2)"), DB_CONSTRAINT);
	assert_err(db, "UNIQUE", "unique");
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES ('b', 0)"), DB_CONSTRAINT);
	assert_err(db, "CHECK", "check");
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES ('c', NULL)"), DB_CONSTRAINT);
	assert_err(db, "NOT NULL", "not-null");
	/* A caller that only saw -1 asks what the last call answered. */
	assert_int_equal(db_last_result(db), DB_CONSTRAINT);
	assert_int_equal(db_exec(db, "INSERT INTO nowhere VALUES (1)"), DB_ERROR);
	assert_err(db, "no such table", "does not exist");
	assert_int_equal(db_last_result(db), DB_ERROR);
	exec_ok(db, "INSERT INTO t VALUES ('d', 4)");
	assert_int_equal(db_last_result(db), DB_OK);
}

static void test_changes_and_reset(void **state)
{
	struct db *db = fdb(state);
	struct db_stmt *st;

	exec_ok(db, "CREATE TABLE t (n INTEGER)");
	st = db_prepare(db, "INSERT INTO t VALUES ($1)");
	assert_non_null(st);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(db_bind_int(st, 1, i), DB_OK);
		assert_int_equal(db_step(st), DB_OK);
		assert_int_equal(db_changes(st), 1);
		assert_int_equal(db_reset(st), DB_OK);
	}
	db_finalize(st);
	st = db_prepare(db, "UPDATE t SET n = n + 10 WHERE n >= $1");
	assert_non_null(st);
	assert_int_equal(db_bind_int(st, 1, 2), DB_OK);
	assert_int_equal(db_step(st), DB_OK);
	assert_int_equal(db_changes(st), 2);
	db_finalize(st);
	st = db_prepare(db, "CREATE TABLE u (n INTEGER)");
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_OK);
	assert_int_equal(db_changes(st), 0);
	db_finalize(st);
}

static void test_transactions(void **state)
{
	struct db *db = fdb(state);

	exec_ok(db, "CREATE TABLE t (n INTEGER)");
	assert_int_equal(db_begin(db), DB_OK);
	exec_ok(db, "INSERT INTO t VALUES (1)");
	assert_int_equal(db_commit(db), DB_OK);
	assert_int_equal(db_begin(db), DB_OK);
	exec_ok(db, "INSERT INTO t VALUES (2)");
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 2);
	assert_int_equal(db_rollback(db), DB_OK);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 1);
	assert_int_equal(db_commit(db), DB_ERROR); /* no transaction */
}

/* PostgreSQL would only warn, and the second BEGIN's COMMIT would commit
 * the first one's rows. */
static void test_begin_refuses_open_transaction(void **state)
{
	struct db *db = fdb(state);

	exec_ok(db, "CREATE TABLE t (n INTEGER)");
	assert_int_equal(db_begin(db), DB_OK);
	exec_ok(db, "INSERT INTO t VALUES (1)");
	assert_int_equal(db_begin(db), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "still open"));
	assert_int_equal(db_rollback(db), DB_OK);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 0);
}

static void test_query_int(void **state)
{
	struct db *db = fdb(state);
	const char *params[] = {"b", "c"};
	int64_t v = -1;

	exec_ok(db, "CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('a'), ('b'), ('c')");
	assert_int_equal(
	        db_query_int(db, "SELECT COUNT(*) FROM t WHERE k = $1 OR k = $2", 2, params, &v),
	        DB_OK);
	assert_int_equal(v, 2);
	assert_int_equal(db_query_int(db, "SELECT 1 WHERE 1 = 0", 0, NULL, &v), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "no row"));
	assert_int_equal(db_query_int(db, "SELECT NULL", 0, NULL, &v), DB_ERROR);
	assert_int_equal(db_query_int(db, "SELECT 1 FROM t", 0, NULL, &v), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "more than one row"));
	assert_int_equal(db_query_int(db, "SELECT $1", 2, params, &v), DB_ERROR);
	assert_int_equal(v, 2); /* untouched on error */
}

/* ---- migrations ---- */

static void test_migrate_compiled(void **state)
{
	struct db *db = fdb(state);
	char err[256] = "";
	char text[64];

	assert_true(migrations_count >= 2);
	assert_int_equal(migrate_current(db), 0);
	assert_int_equal(migrate_run(db, err, sizeof(err)), (int)migrations_count);
	assert_int_equal(migrate_run(db, err, sizeof(err)), 0);
	assert_int_equal(migrate_current(db), migrations[migrations_count - 1].version);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM schema_migrations"),
	                 (int64_t)migrations_count);
	query_text(db, "SELECT name FROM schema_migrations WHERE version = 2", text, sizeof(text));
	assert_string_equal(text, "networks");
	query_text(db, "SELECT applied_at FROM schema_migrations WHERE version = 1", text,
	           sizeof(text));
	assert_int_equal(strlen(text), 20);
	assert_true(text[4] == '-' && text[10] == 'T' && text[19] == 'Z');
}

static int table_exists(struct db *db, const char *name)
{
	const char *sql = is_pg(db) ? "SELECT COUNT(*) FROM information_schema.tables"
	                              " WHERE table_schema = 'public' AND table_name = $1"
	                            : "SELECT COUNT(*) FROM sqlite_master WHERE name = $1";
	int64_t n = -1;

	if (db_query_int(db, sql, 1, &name, &n) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return n > 0;
}

static enum db_rc insert_network(struct db *db, const char *slug, const char *kind)
{
	struct db_stmt *st =
	        db_prepare(db, "INSERT INTO networks (slug, kind, name_ar, name_fr,"
	                       " name_en, summary_ar, summary_fr, summary_en, created_at)"
	                       " VALUES ($1, $2, 'a', 'f', 'e', 'a', 'f', 'e', $3)");
	enum db_rc rc;

	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, slug), DB_OK);
	assert_int_equal(db_bind_text(st, 2, kind), DB_OK);
	assert_int_equal(db_bind_text(st, 3, "2026-11-29T02:00:00Z"), DB_OK);
	rc = db_step(st);
	db_finalize(st);
	return rc;
}

static void test_migrate_schema_constraints(void **state)
{
	struct db *db = fdb(state);
	char err[256] = "";

	assert_int_equal(migrate_run(db, err, sizeof(err)), (int)migrations_count);
	exec_ok(db, "INSERT INTO sectors VALUES ('agri', 1, 'ar', 'fr', 'en')");
	assert_int_equal(insert_network(db, "souss-massa", "geographic"), DB_OK);
	assert_int_equal(query_int(db, "SELECT position FROM networks"), 0);
	assert_int_equal(insert_network(db, "souss-massa", "thematic"), DB_CONSTRAINT);
	assert_int_equal(insert_network(db, "x", "other"), DB_CONSTRAINT);
	assert_int_equal(insert_network(db, "", "thematic"), DB_CONSTRAINT);
}

static const struct migration good[] = {
        {1, "one", "CREATE TABLE one (x INTEGER);"},
        {2, "two", "CREATE TABLE two (x INTEGER);\nINSERT INTO two VALUES (1);"},
};

static void test_migrate_failure_rolls_back(void **state)
{
	struct db *db = fdb(state);
	const struct migration bad[] = {
	        good[0],
	        {2, "bad", "CREATE TABLE two (x INTEGER);\nINSERT INTO missing VALUES (1);"},
	};
	const char *prefix = "migration 0002_bad: ";
	char err[256] = "";

	assert_int_equal(migrate_run_list(db, bad, 2, err, sizeof(err)), -1);
	assert_memory_equal(err, prefix, strlen(prefix));
	assert_non_null(strstr(err, is_pg(db) ? "relation \"missing\" does not exist"
	                                      : "no such table: missing"));
	assert_int_equal(migrate_current(db), 1);
	assert_false(table_exists(db, "two"));
	assert_int_equal(migrate_run_list(db, good, 2, err, sizeof(err)), 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM two"), 1);
}

static void test_migrate_refuses_newer_database(void **state)
{
	struct db *db = fdb(state);
	char err[256] = "";

	assert_int_equal(migrate_run_list(db, good, 2, err, sizeof(err)), 2);
	assert_int_equal(migrate_run_list(db, good, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "database schema version 2 is newer than this kafaat (1)");
}

static void test_migrate_refuses_unordered_list(void **state)
{
	struct db *db = fdb(state);
	const struct migration list[] = {good[1], good[0]};
	char err[256] = "";

	assert_int_equal(migrate_run_list(db, list, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of order"));
	assert_int_equal(migrate_current(db), 0);
}

/* ---- pool ---- */

#define POOL_SIZE 2
#define THREADS 4
#define ROUNDS 50

struct pool_run {
	struct db_pool *pool;
	atomic_int in_use;
	atomic_int max_in_use;
	atomic_int failures;
};

static void note_in_use(struct pool_run *run)
{
	int now = atomic_fetch_add(&run->in_use, 1) + 1;
	int max = atomic_load(&run->max_in_use);

	while (now > max && !atomic_compare_exchange_weak(&run->max_in_use, &max, now))
		;
}

static void *pool_worker(void *arg)
{
	struct pool_run *run = arg;

	for (int i = 0; i < ROUNDS; i++) {
		struct db *db = db_pool_get(run->pool);
		note_in_use(run);
		if (db_exec(db, "INSERT INTO hits VALUES (1)") != DB_OK || db_ping(db) != 0)
			atomic_fetch_add(&run->failures, 1);
		atomic_fetch_sub(&run->in_use, 1);
		db_pool_put(run->pool, db);
	}
	return NULL;
}

static void test_pool_threads(void **state)
{
	struct fixture *f = fix(state);
	struct pool_run run = {.pool = NULL};
	pthread_t threads[THREADS];
	char err[256];
	struct db *db;

	assert_int_equal(db_pool_open(f->target, POOL_SIZE, &run.pool, err, sizeof(err)), 0);
	db = db_pool_get(run.pool);
	exec_ok(db, "CREATE TABLE hits (n INTEGER)");
	db_pool_put(run.pool, db);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, pool_worker, &run), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	assert_int_equal(atomic_load(&run.failures), 0);
	assert_true(atomic_load(&run.max_in_use) <= POOL_SIZE);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM hits"), THREADS * ROUNDS);
	db_pool_close(run.pool);
}

/* ---- a failed rollback (the pool's side) ---- */

/* A pool of one connection (so that the next db_pool_get hands out the
 * same slot) on target, marked with a temporary table: the mark lives as
 * long as that connection, and goes with it when the pool replaces it. */
static struct db_pool *marked_pool(const char *target)
{
	struct db_pool *pool = NULL;
	char err[512];
	struct db *db;

	if (db_pool_open(target, 1, &pool, err, sizeof(err)) < 0)
		fail_msg("pool: %s", err);
	db = db_pool_get(pool);
	exec_ok(db, "CREATE TEMPORARY TABLE mark (n INTEGER)");
	db_pool_put(pool, db);
	return pool;
}

static int has_mark(struct db *db)
{
	int64_t n = -1;

	return db_query_int(db, "SELECT COUNT(*) FROM mark", 0, NULL, &n) == DB_OK && n == 0;
}

/* Begins on db, inserts 1, then a statement fails (injected) and the
 * rollback after it fails too, as spec says ("1+rollback" or
 * "1+rollback-always"): the transaction stays open. */
static void fail_rollback(struct db *db, const char *spec)
{
	assert_int_equal(db_begin(db), DB_OK);
	exec_ok(db, "INSERT INTO t VALUES (1)");
	assert_int_equal(fault_db_arm(spec), 0);
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES (2)"), DB_ERROR);
	assert_int_equal(db_rollback(db), DB_ERROR);
	assert_non_null(
	        strstr(db_errmsg(db), "injected fault: the rollback after database call 1"));
	assert_int_equal(db_begin(db), DB_ERROR); /* still inside it */
}

/* The next user of the connection starts clean: its statement outside a
 * transaction commits at once (it would join the old transaction
 * otherwise), its transaction begins and commits, and no row of the
 * failed transaction is ever seen, from another connection either. */
static void assert_next_user_clean(struct db_pool *pool, struct db *other)
{
	struct db *db = db_pool_get(pool);

	exec_ok(db, "INSERT INTO t VALUES (3)");
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM t WHERE n = 3"), 1);
	assert_int_equal(db_begin(db), DB_OK);
	exec_ok(db, "INSERT INTO t VALUES (4)");
	assert_int_equal(db_commit(db), DB_OK);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t WHERE n < 3"), 0);
	db_pool_put(pool, db);
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM t"), 2);
	assert_int_equal(query_int(other, "SELECT COUNT(*) FROM t WHERE n < 3"), 0);
}

/* The rollback fails once: the pool rolls back again and keeps the
 * connection. */
static void test_pool_failed_rollback_rolled_back_again(void **state)
{
	struct fixture *f = fix(state);
	struct db_pool *pool;
	struct db *db;

	exec_ok(f->db, "CREATE TABLE t (n INTEGER)");
	pool = marked_pool(f->target);
	db = db_pool_get(pool);
	fail_rollback(db, "1+rollback");
	db_pool_put(pool, db);
	assert_int_equal(fault_db_arm("0"), 0);
	db = db_pool_get(pool);
	assert_true(has_mark(db)); /* the same connection */
	db_pool_put(pool, db);
	assert_next_user_clean(pool, f->db);
	db_pool_close(pool);
}

/* Every rollback fails: the pool replaces the connection, and closing the
 * old one ends its transaction (on SQLite, its write lock with it: the
 * other connection writes at once instead of waiting for the busy
 * timeout and failing). */
static void test_pool_failed_rollback_replaced(void **state)
{
	struct fixture *f = fix(state);
	struct db_pool *pool;
	struct db *db;

	exec_ok(f->db, "CREATE TABLE t (n INTEGER)");
	pool = marked_pool(f->target);
	db = db_pool_get(pool);
	fail_rollback(db, "1+rollback-always");
	db_pool_put(pool, db);
	exec_ok(f->db, "INSERT INTO t VALUES (5); DELETE FROM t WHERE n = 5");
	db = db_pool_get(pool);
	assert_int_equal(query_int(db, "SELECT 1"), 1); /* usable at once, */
	assert_false(has_mark(db));                     /* and a new connection */
	assert_int_equal(db_rollback(db), DB_ERROR);    /* the fault still holds */
	db_pool_put(pool, db);                          /* nothing open: kept as it is */
	assert_int_equal(fault_db_arm("0"), 0);
	assert_next_user_clean(pool, f->db);
	db_pool_close(pool);
}

static void move_folder(const char *from, const char *to)
{
	if (rename(from, to) < 0)
		fail_msg("rename %s %s: %s", from, to, strerror(errno));
}

/* Every rollback fails and no new connection can be opened (the
 * database's folder is away): the connection stays in the pool, refusing
 * every call, until a rollback works again. */
static void test_pool_unusable_until_healed(void **state)
{
	struct fixture *f = fix(state);
	char dir[128], away[128], target[160];
	struct db_pool *pool;
	struct db *db;

	snprintf(dir, sizeof(dir), "%s/pool", f->dir);
	snprintf(away, sizeof(away), "%s/away", f->dir);
	snprintf(target, sizeof(target), "%s/k.db", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	pool = marked_pool(target);
	db = db_pool_get(pool);
	exec_ok(db, "CREATE TABLE t (n INTEGER)");
	fail_rollback(db, "1+rollback-always");
	move_folder(dir, away);
	db_pool_put(pool, db);
	db = db_pool_get(pool); /* tried again, in vain */
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES (3)"), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "unusable"));
	assert_null(db_prepare(db, "SELECT COUNT(*) FROM t"));
	assert_int_equal(db_begin(db), DB_ERROR);
	assert_int_equal(db_commit(db), DB_ERROR);
	move_folder(away, dir);
	assert_int_equal(fault_db_arm("0"), 0);
	db_pool_put(pool, db); /* the rollback works now */
	db = db_pool_get(pool);
	assert_true(has_mark(db)); /* healed, not replaced */
	exec_ok(db, "INSERT INTO t VALUES (3)");
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 1);
	db_pool_put(pool, db);
	db_pool_close(pool);
}

static void test_pool_open_errors(void **state)
{
	struct fixture *f = fix(state);
	struct db_pool *pool;
	char path[256];
	char err[256];

	assert_int_equal(db_pool_open(f->target, 0, &pool, err, sizeof(err)), -1);
	assert_null(pool);
	assert_non_null(strstr(err, "pool size"));
	snprintf(path, sizeof(path), "%s/missing/k.db", f->dir);
	assert_int_equal(db_pool_open(path, 2, &pool, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(db_pool_open("postgres://x@127.0.0.1:1/y", 2, &pool, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
}

/* ---- rows ---- */

static void test_rows_in_order_and_nested(void **state)
{
	struct db *db = fdb(state);
	struct db_stmt *outer, *inner;
	int64_t sum = 0;

	exec_ok(db, "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (3), (1), (2)");
	outer = db_prepare(db, "SELECT n FROM t ORDER BY n");
	inner = db_prepare(db, "SELECT n * 10 FROM t WHERE n = $1");
	assert_non_null(outer);
	assert_non_null(inner);
	for (int64_t want = 1; want <= 3; want++) {
		assert_int_equal(db_step(outer), DB_ROW);
		assert_int_equal(db_col_int(outer, 0), want);
		/* Another statement may run while this one is between rows. */
		assert_int_equal(db_reset(inner), DB_OK);
		assert_int_equal(db_bind_int(inner, 1, want), DB_OK);
		assert_int_equal(db_step(inner), DB_ROW);
		sum += db_col_int(inner, 0);
		assert_int_equal(db_step(inner), DB_OK);
	}
	assert_int_equal(db_step(outer), DB_OK);
	assert_int_equal(sum, 60);
	/* After the last row, a step runs the statement again. */
	assert_int_equal(db_step(outer), DB_ROW);
	assert_int_equal(db_col_int(outer, 0), 1);
	db_finalize(inner);
	db_finalize(outer);
}

/* ---- PostgreSQL only ---- */

static void test_pg_session(void **state)
{
	struct db *db = fdb(state);
	struct db_stmt *st;
	char text[64];

	assert_int_equal(db_engine(db), DB_POSTGRES);
	assert_int_equal(db_ping(db), 0);
	query_text(db, "SELECT current_setting('TimeZone')", text, sizeof(text));
	assert_string_equal(text, "UTC");
	query_text(db, "SELECT current_setting('client_encoding')", text, sizeof(text));
	assert_string_equal(text, "UTF8");
	query_text(db, "SELECT current_setting('application_name')", text, sizeof(text));
	assert_string_equal(text, "kafaat");
	query_text(db, "SELECT current_setting('statement_timeout')", text, sizeof(text));
	assert_string_equal(text, "30s");
	query_text(db, "SELECT current_setting('transaction_isolation')", text, sizeof(text));
	assert_string_equal(text, "read committed");
	st = db_prepare(db, "SELECT $1 || 'ب'");
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, "é"), DB_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "éب");
	db_finalize(st);
}

/* Quotes, comments and casts hide what would otherwise be refused. */
static void test_pg_sql_scan(void **state)
{
	struct db *db = fdb(state);
	const char *sqls[] = {
	        "SELECT $1::text",
	        "SELECT 'a;b?' || $1 -- a comment; ?\n",
	        "SELECT $$ $2 ; ? $$ || $1",
	        "SELECT $tag$ it's; $2 $tag$ || $1",
	        "SELECT E'\\' ; ?' || $1",
	        "SELECT /* ; ? /* nested; */ $9 */ $1;",
	        "SELECT \"a;?\" FROM (SELECT $1 AS \"a;?\") AS t",
	};

	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		struct db_stmt *st = db_prepare(db, sqls[i]);
		if (st == NULL)
			fail_msg("%s: %s", sqls[i], db_errmsg(db));
		assert_int_equal(db_bind_text(st, 1, "x"), DB_OK);
		assert_int_equal(db_bind_text(st, 2, "y"), DB_ERROR);
		assert_int_equal(db_step(st), DB_ROW);
		assert_non_null(strchr(db_col_text(st, 0), 'x'));
		db_finalize(st);
	}
	assert_null(db_prepare(db, "SELECT $1 $$"));
	assert_null(db_prepare(db, "SELECT 1; -- one\n SELECT 2"));
	assert_err(db, "", "exactly one statement");
}

/* TEST_PG_URL with its database replaced by name. */
static void url_with_db(const char *name, char *out, size_t len)
{
	const char *url = pg_url();
	const char *path = strchr(strstr(url, "://") + 3, '/');
	size_t base = path ? (size_t)(path - url) : strlen(url);

	snprintf(out, len, "%.*s/%s", (int)base, url, name);
}

static void test_pg_unknown_database(void **state)
{
	char url[512];
	char err[512];
	struct db *db = NULL;

	(void)fix(state);
	url_with_db("kafaat_no_such_db", url, sizeof(url));
	assert_int_equal(db_open(url, &db, err, sizeof(err)), -1);
	assert_null(db);
	assert_non_null(strstr(err, "kafaat_no_such_db"));
	assert_non_null(strstr(err, "does not exist"));
}

static void test_pg_commit_after_error(void **state)
{
	struct db *db = fdb(state);

	exec_ok(db, "CREATE TABLE t (n INTEGER PRIMARY KEY)");
	assert_int_equal(db_begin(db), DB_OK);
	exec_ok(db, "INSERT INTO t VALUES (1)");
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES (1)"), DB_CONSTRAINT);
	/* PostgreSQL refuses everything else in a failed transaction ... */
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES (2)"), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "aborted"));
	/* ... and rolls it back at COMMIT, which therefore fails. */
	assert_int_equal(db_commit(db), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "rolled back"));
	assert_int_equal(db_rollback(db), DB_OK); /* nothing left to roll back */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 0);
}

static void test_pg_types_read_as_sqlite(void **state)
{
	struct db *db = fdb(state);
	struct db_stmt *st = db_prepare(db, "SELECT 1 < 2, 1 > 2, AVG(x), CAST($1 AS BIGINT), -7"
	                                    " FROM (VALUES (2), (3)) AS v (x)");

	assert_non_null(st);
	assert_int_equal(db_bind_int(st, 1, INT64_MIN), DB_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), 1);
	assert_string_equal(db_col_text(st, 0), "1");
	assert_int_equal(db_col_int(st, 1), 0);
	assert_string_equal(db_col_text(st, 1), "0");
	assert_int_equal(db_col_int(st, 2), 2); /* 2.5 */
	assert_int_equal(db_col_int(st, 3), INT64_MIN);
	assert_int_equal(db_col_int(st, 4), -7);
	db_finalize(st);
}

static int64_t prepared_count(struct db *db)
{
	/* The count includes the statement asking. */
	return query_int(db, "SELECT COUNT(*) FROM pg_prepared_statements") - 1;
}

/* Statements are cached per connection: the same SQL is prepared once,
 * the cache never holds more than DB_STMT_CACHE of them, and a statement
 * used in a failed transaction still works after the rollback. */
static void test_pg_statements_cached(void **state)
{
	struct db *db = fdb(state);
	struct db_stmt *st;
	char sql[64];

	exec_ok(db, "CREATE TABLE t (n INTEGER PRIMARY KEY)");
	for (int i = 0; i < 5; i++) {
		st = db_prepare(db, "INSERT INTO t VALUES ($1)");
		assert_non_null(st);
		db_finalize(st);
	}
	assert_int_equal(prepared_count(db), 1);
	for (int i = 0; i < 100; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d + n FROM t", i);
		st = db_prepare(db, sql);
		assert_non_null(st);
		db_finalize(st);
	}
	assert_true(prepared_count(db) <= 64);
	assert_int_equal(db_begin(db), DB_OK);
	st = db_prepare(db, "INSERT INTO t VALUES (1)");
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_OK);
	assert_int_equal(db_reset(st), DB_OK);
	assert_int_equal(db_step(st), DB_CONSTRAINT);
	db_finalize(st);
	assert_int_equal(db_rollback(db), DB_OK);
	st = db_prepare(db, "INSERT INTO t VALUES (1)");
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_OK);
	db_finalize(st);
}

struct migrator {
	const char *target;
	int applied;
	char err[256];
};

static void *migrate_worker(void *arg)
{
	struct migrator *m = arg;
	struct db *db;

	m->applied = -1;
	if (db_open(m->target, &db, m->err, sizeof(m->err)) < 0)
		return NULL;
	m->applied = migrate_run(db, m->err, sizeof(m->err));
	db_close(db);
	return NULL;
}

/* Two processes migrating at once: each migration applied exactly once. */
static void test_pg_concurrent_migrations(void **state)
{
	struct fixture *f = fix(state);
	struct migrator m[2] = {{.target = f->target}, {.target = f->target}};
	pthread_t threads[2];

	assert_int_equal(migrate_current(f->db), 0); /* creates schema_migrations */
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, migrate_worker, &m[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	for (int i = 0; i < 2; i++)
		if (m[i].applied < 0)
			fail_msg("migrator %d: %s", i, m[i].err);
	assert_int_equal(m[0].applied + m[1].applied, (int)migrations_count);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM schema_migrations"),
	                 (int64_t)migrations_count);
}

static void test_pg_reconnects(void **state)
{
	struct db *db = fdb(state);
	const char *kill_me = "SELECT pg_terminate_backend(pg_backend_pid())";

	exec_ok(db, "CREATE TABLE t (n INTEGER)");
	assert_int_equal(db_exec(db, kill_me), DB_ERROR);
	assert_int_equal(db_ping(db), 0); /* a new connection */
	assert_int_equal(db_begin(db), DB_OK);
	exec_ok(db, "INSERT INTO t VALUES (1)");
	assert_int_equal(db_exec(db, kill_me), DB_ERROR);
	/* The transaction is gone: nothing runs until the caller rolls back. */
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES (2)"), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "lost during a transaction"));
	assert_int_equal(db_commit(db), DB_ERROR);
	assert_int_equal(db_rollback(db), DB_OK);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 0);
}

/* A real failed rollback: the server ends the session inside a
 * transaction, so the ROLLBACK finds the connection gone. The pool opens
 * it again: the next user can read at once (before, every call failed with
 * "lost during a transaction" until someone called db_rollback). */
static void test_pg_pool_rollback_on_lost_connection(void **state)
{
	struct fixture *f = fix(state);
	struct db_pool *pool;
	struct db *db;
	char kill_it[128];

	exec_ok(f->db, "CREATE TABLE t (n INTEGER)");
	pool = marked_pool(f->target);
	db = db_pool_get(pool);
	snprintf(kill_it, sizeof(kill_it),
	         "SELECT CAST(pg_terminate_backend(%lld, 10000) AS INTEGER)",
	         (long long)query_int(db, "SELECT pg_backend_pid()"));
	assert_int_equal(db_begin(db), DB_OK);
	exec_ok(db, "INSERT INTO t VALUES (1)");
	assert_int_equal(query_int(f->db, kill_it), 1);
	assert_int_equal(db_rollback(db), DB_ERROR);
	db_pool_put(pool, db);
	db = db_pool_get(pool);
	assert_int_equal(db_ping(db), 0);
	db_pool_put(pool, db);
	assert_next_user_clean(pool, f->db);
	db_pool_close(pool);
}

#define SQ(name) cmocka_unit_test_setup_teardown(name, setup_sqlite, teardown)
#define PG(name) cmocka_unit_test_setup_teardown(name, setup_pg, teardown)
/* The tests both engines pass with the same SQL. */
#define SHARED(T)                                                                                  \
	T(test_foreign_keys_enforced), T(test_bind_by_name_out_of_order),                          \
	        T(test_bind_missing_parameter), T(test_prepare_refuses_non_portable),              \
	        T(test_null_bind_and_read), T(test_constraint), T(test_changes_and_reset),         \
	        T(test_transactions), T(test_query_int), T(test_rows_in_order_and_nested),         \
	        T(test_migrate_compiled), T(test_migrate_schema_constraints),                      \
	        T(test_migrate_failure_rolls_back), T(test_migrate_refuses_newer_database),        \
	        T(test_migrate_refuses_unordered_list), T(test_pool_threads),                      \
	        T(test_begin_refuses_open_transaction),                                            \
	        T(test_pool_failed_rollback_rolled_back_again),                                    \
	        T(test_pool_failed_rollback_replaced)

/* An allocation fault counts allocations of its own kind only, and never
 * database calls; a database-call fault never counts allocations. */
static void test_fault_alloc_counts_its_kind(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(fault_db_arm("3+engine-alloc"), 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(fault_alloc(FAULT_ALLOC_KAFAAT, 8), 0);
		assert_int_equal(fault_db_call("step", err, sizeof(err)), 0);
	}
	assert_int_equal(fault_alloc(FAULT_ALLOC_ENGINE, 8), 0);
	assert_int_equal(fault_alloc(FAULT_ALLOC_ENGINE, 8), 0);
	assert_int_equal(fault_alloc(FAULT_ALLOC_ENGINE, 8), 1);
	assert_int_equal(fault_alloc(FAULT_ALLOC_ENGINE, 8), 0); /* one-shot */
	assert_int_equal(fault_db_arm("2+alloc"), 0);
	assert_int_equal(fault_alloc(FAULT_ALLOC_ENGINE, 8), 0);
	assert_int_equal(fault_alloc(FAULT_ALLOC_KAFAAT, 8), 0);
	assert_int_equal(fault_alloc(FAULT_ALLOC_KAFAAT, 8), 1);
	assert_int_equal(fault_db_arm("1"), 0);
	assert_int_equal(fault_alloc(FAULT_ALLOC_KAFAAT, 8), 0);
	assert_int_equal(fault_alloc(FAULT_ALLOC_ENGINE, 8), 0);
	assert_int_equal(fault_db_call("step", err, sizeof(err)), 1);
	assert_int_equal(fault_db_arm("1+allocs"), -1);
	assert_int_equal(fault_db_arm("+alloc"), -1);
	assert_int_equal(fault_db_arm("0"), 0);
}

static void test_display_target_hides_password(void **state)
{
	char out[128];

	(void)state;
	assert_string_equal(db_display_target("var/kafaat.db", out, sizeof(out)), "var/kafaat.db");
	assert_string_equal(
	        db_display_target("postgres://kafaat:s3cret@db:5432/k", out, sizeof(out)),
	        "postgres://kafaat:***@db:5432/k");
	assert_string_equal(db_display_target("postgres://kafaat@db/k", out, sizeof(out)),
	                    "postgres://kafaat@db/k");
}

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = {
	        SQ(test_open_creates_file_with_wal),
	        SQ(test_open_missing_folder),
	        SQ(test_limits_and_defensive),
	        SQ(test_full),
	        SQ(test_pool_open_errors),
	        SQ(test_pool_unusable_until_healed),
	        cmocka_unit_test(test_pg_open_errors),
	        cmocka_unit_test(test_display_target_hides_password),
	        cmocka_unit_test(test_fault_alloc_counts_its_kind),
	        SHARED(SQ),
	};
	const struct CMUnitTest pg_tests[] = {
	        PG(test_pg_session),
	        PG(test_pg_unknown_database),
	        PG(test_pg_sql_scan),
	        PG(test_pg_commit_after_error),
	        PG(test_pg_types_read_as_sqlite),
	        PG(test_pg_statements_cached),
	        PG(test_pg_concurrent_migrations),
	        PG(test_pg_reconnects),
	        PG(test_pg_pool_rollback_on_lost_connection),
	        SHARED(PG),
	};
	int failed = cmocka_run_group_tests_name("sqlite", sqlite_tests, NULL, NULL);

	failed += cmocka_run_group_tests_name("postgresql", pg_tests, NULL, NULL);
	return failed;
}
