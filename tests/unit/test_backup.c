/* Tests for the backups of src/db on SQLite: db_backup_to while another
 * connection writes, db_backup_check, db_restore_from, db_count_tables.
 * (PostgreSQL's pg_dump / pg_restore are tested end to end by
 * tests/http/backup.test.mjs with TEST_PG_URL.)
 *
 * Each test gets a fresh temporary folder under /tmp holding a migrated
 * database with a table t of ROWS rows, removed afterwards. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrations.h"

#define ROWS 20000 /* a few MB, so that the backup takes a while */

struct fixture {
	int made; /* dir was created */
	char dir[64];
	char target[128]; /* the live database */
	char backup[128]; /* where the backup goes */
	struct db *db;
};

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void path_in(const struct fixture *f, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < len);
}

static void exec_ok(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

static int64_t count(struct db *db, const char *sql)
{
	int64_t n = -1;

	if (db_query_int(db, sql, 0, NULL, &n) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return n;
}

/* ROWS rows of about 200 bytes in t, in one transaction. */
static void fill(struct db *db)
{
	exec_ok(db, "CREATE TABLE t (x BIGINT PRIMARY KEY, pad TEXT NOT NULL)");
	exec_ok(db, "BEGIN");
	exec_ok(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	            "WHERE i < 20000) INSERT INTO t SELECT i, hex(randomblob(100)) FROM n");
	exec_ok(db, "COMMIT");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	*state = f;
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat-test-backup-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->made = 1;
	path_in(f, "live.db", f->target, sizeof(f->target));
	path_in(f, "copy.bak", f->backup, sizeof(f->backup));
	if (db_open(f->target, &f->db, err, sizeof(err)) < 0 ||
	    migrate_run(f->db, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	fill(f->db);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = 0;

	if (f == NULL)
		return 0;
	db_close(f->db);
	if (f->made)
		rc = nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

static struct db *open_ok(const char *path)
{
	char err[512];
	struct db *db;

	if (db_open(path, &db, err, sizeof(err)) < 0)
		fail_msg("open %s: %s", path, err);
	return db;
}

static void backup_ok(struct db *db, const char *path)
{
	char err[1024];

	if (db_backup_to(db, path, err, sizeof(err)) < 0)
		fail_msg("backup to %s: %s", path, err);
}

static int exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* ---- backup while another connection writes ---- */

struct writer {
	const char *target;
	atomic_int stop;
	atomic_int started;
	int64_t written; /* rows committed, read after the join */
	int failed;
};

static void *write_rows(void *arg)
{
	struct writer *w = arg;
	char err[512];
	struct db *db;
	struct db_stmt *st;

	if (db_open(w->target, &db, err, sizeof(err)) < 0) {
		w->failed = 1;
		atomic_store(&w->started, 1);
		return NULL;
	}
	st = db_prepare(db, "INSERT INTO t (x, pad) VALUES ($1, 'written during the backup')");
	for (int64_t x = ROWS + 1; st != NULL && !atomic_load(&w->stop); x++) {
		if (db_bind_int(st, 1, x) != DB_OK || db_step(st) != DB_OK ||
		    db_reset(st) != DB_OK) {
			w->failed = 1;
			break;
		}
		w->written++;
		atomic_store(&w->started, 1);
	}
	w->failed |= st == NULL;
	atomic_store(&w->started, 1);
	db_finalize(st);
	db_close(db);
	return NULL;
}

static void test_backup_while_writing(void **state)
{
	struct fixture *f = *state;
	struct writer w = {.target = f->target};
	int64_t during, after, copied;
	pthread_t tid;
	struct db *copy;
	char err[1024];
	int version = 0;

	assert_int_equal(pthread_create(&tid, NULL, write_rows, &w), 0);
	while (!atomic_load(&w.started))
		usleep(1000);
	backup_ok(f->db, f->backup);
	during = count(f->db, "SELECT COUNT(*) FROM t WHERE x > 20000");
	atomic_store(&w.stop, 1);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_false(w.failed);
	after = w.written;
	assert_true(during > 0); /* the writer did write while the backup ran */

	/* The copy is sound, a Kafaat database, and one snapshot: every row
	 * from before the backup, and a prefix of the rows written during it. */
	if (db_backup_check(f->db, f->backup, &version, err, sizeof(err)) < 0)
		fail_msg("check: %s", err);
	assert_int_equal(version, migrations[migrations_count - 1].version);
	copy = open_ok(f->backup);
	assert_int_equal(count(copy, "SELECT COUNT(*) FROM t WHERE x <= 20000"), ROWS);
	copied = count(copy, "SELECT COUNT(*) FROM t WHERE x > 20000");
	assert_true(copied <= after);
	assert_int_equal(count(copy, "SELECT COALESCE(MAX(x), 20000) - 20000 FROM t"), copied);
	db_close(copy);
}

/* The backup file is private, alone (no -wal) and nothing is left behind. */
static void test_backup_file(void **state)
{
	struct fixture *f = *state;
	char tmp[160], wal[160];
	struct stat sb;

	backup_ok(f->db, f->backup);
	assert_int_equal(stat(f->backup, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->backup);
	snprintf(wal, sizeof(wal), "%s-wal", f->backup);
	assert_false(exists(tmp));
	assert_false(exists(wal));
}

/* ---- restore ---- */

static void test_restore_into_empty(void **state)
{
	struct fixture *f = *state;
	char fresh[128], err[1024];
	struct db *db;
	int64_t tables = -1;
	int version = 0;

	backup_ok(f->db, f->backup);
	path_in(f, "fresh.db", fresh, sizeof(fresh));
	db = open_ok(fresh);
	assert_int_equal(db_count_tables(db, NULL, &tables), DB_OK);
	assert_int_equal(tables, 0);
	if (db_backup_check(db, f->backup, &version, err, sizeof(err)) < 0 ||
	    db_restore_from(db, f->backup, err, sizeof(err)) < 0)
		fail_msg("restore: %s", err);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM t"), ROWS);
	assert_int_equal(migrate_current(db), version);
	assert_int_equal(db_count_tables(db, "schema_migrations", &tables), DB_OK);
	assert_int_equal(tables, 1);
	assert_int_equal(db_count_tables(db, "erasure_log", &tables), DB_OK);
	assert_int_equal(tables, 0);
	/* the restored database is as usable as any: still WAL, still writable */
	exec_ok(db, "INSERT INTO t (x, pad) VALUES (0, 'after the restore')");
	db_close(db);
	db = open_ok(fresh);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM t"), ROWS + 1);
	db_close(db);
}

/* A restore replaces what the database held. */
static void test_restore_replaces(void **state)
{
	struct fixture *f = *state;
	char err[1024];

	backup_ok(f->db, f->backup);
	exec_ok(f->db, "DELETE FROM t WHERE x > 100");
	exec_ok(f->db, "CREATE TABLE later (y BIGINT)");
	if (db_restore_from(f->db, f->backup, err, sizeof(err)) < 0)
		fail_msg("restore: %s", err);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM t"), ROWS);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'later'"),
	                 0);
}

/* ---- refusals ---- */

static void test_refuses_overwrite(void **state)
{
	struct fixture *f = *state;
	char err[1024] = "", tmp[160];
	struct stat sb;
	FILE *fp = fopen(f->backup, "w");

	assert_non_null(fp);
	assert_int_equal(fputs("precious", fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(db_backup_to(f->db, f->backup, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(stat(f->backup, &sb), 0);
	assert_int_equal(sb.st_size, 8); /* untouched */
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->backup);
	assert_false(exists(tmp));
	/* nor over the live database itself */
	assert_int_equal(db_backup_to(f->db, f->target, err, sizeof(err)), -1);
}

/* A leftover path.tmp (a backup running, or one that died) is not taken. */
static void test_refuses_leftover_tmp(void **state)
{
	struct fixture *f = *state;
	char err[1024] = "", tmp[160];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->backup);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(db_backup_to(f->db, f->backup, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ".tmp"));
	assert_false(exists(f->backup));
	assert_true(exists(tmp)); /* not ours to remove */
}

static void test_backup_to_missing_folder(void **state)
{
	struct fixture *f = *state;
	char err[1024] = "", path[160];

	path_in(f, "no/such/folder.bak", path, sizeof(path));
	assert_int_equal(db_backup_to(f->db, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "folder.bak.tmp"));
}

/* Overwrites len bytes at offset with a pattern. */
static void damage(const char *path, off_t offset, size_t len)
{
	int fd = open(path, O_WRONLY);
	char junk[4096];

	assert_true(fd >= 0);
	memset(junk, 0xA5, sizeof(junk));
	assert_true(len <= sizeof(junk));
	assert_int_equal(pwrite(fd, junk, len, offset), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void assert_check_fails(struct db *db, const char *path, const char *why)
{
	char err[1024] = "";
	int version = -1;

	assert_int_equal(db_backup_check(db, path, &version, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, why);
}

static void test_refuses_corrupt_backup(void **state)
{
	struct fixture *f = *state;
	struct stat sb;

	backup_ok(f->db, f->backup);
	assert_int_equal(stat(f->backup, &sb), 0);
	/* a page in the middle of t's b-tree */
	damage(f->backup, (sb.st_size / 2 / 4096) * 4096, 4096);
	assert_check_fails(f->db, f->backup, f->backup);
}

static void test_refuses_other_files(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct db *other;
	FILE *fp;

	/* not a database */
	path_in(f, "garbage.bak", path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs("SQLite format 3? no, a text file that is long enough to be read\n",
	                  fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_check_fails(f->db, path, "not a usable SQLite database");
	/* a database, but not Kafaat's */
	path_in(f, "other.db", path, sizeof(path));
	other = open_ok(path);
	exec_ok(other, "CREATE TABLE notes (body TEXT)");
	db_close(other);
	assert_check_fails(f->db, path, "not a Kafaat backup");
	/* no file at all, or a folder */
	path_in(f, "missing.bak", path, sizeof(path));
	assert_check_fails(f->db, path, "No such file");
	assert_check_fails(f->db, f->dir, "not a regular file");
}

/* The database is left as it was when the backup is not readable. */
static void test_failed_restore_changes_nothing(void **state)
{
	struct fixture *f = *state;
	char err[1024] = "", path[128];

	path_in(f, "missing.bak", path, sizeof(path));
	assert_int_equal(db_restore_from(f->db, path, err, sizeof(err)), -1);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM t"), ROWS);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_backup_while_writing),     T(test_backup_file),
	        T(test_restore_into_empty),       T(test_restore_replaces),
	        T(test_refuses_overwrite),        T(test_refuses_leftover_tmp),
	        T(test_backup_to_missing_folder), T(test_refuses_corrupt_backup),
	        T(test_refuses_other_files),      T(test_failed_restore_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
