/* Tests for the SQLite backend when SQLite's own allocations fail
 * (FAULT_INJECT_DB=N+engine-alloc, db/fault.h): every failure must come
 * back as a failed call, never as a column that reads wrong or an abort.
 *
 * A program of its own because the counting allocator is installed only
 * when FAULT_INJECT_DB is set before the first connection opens; main sets
 * it to a re-arm path, so nothing fails until a test arms a fault. It also
 * turns off SQLite's lookaside memory, from which SQLite takes most small
 * allocations without its allocator: with it, whether converting a value
 * allocates would depend on what else the connection holds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/fault.h"

#define LONG_TEXT_LEN 3000 /* in the table's page, so SQLite must copy it to end it */
#define MAX_N 400

struct fixture {
	char dir[64];
	char path[128];
	struct db *db;
	char text[LONG_TEXT_LEN + 1];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat-dballoc-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	if (db_open(f->path, &f->db, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	for (int i = 0; i < LONG_TEXT_LEN; i++)
		f->text[i] = (char)('a' + i % 26);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char wal[160];

	(void)fault_db_arm("0");
	db_close(f->db);
	unlink(f->path);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", f->path);
	unlink(wal);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void fill(struct fixture *f)
{
	struct db_stmt *st;

	assert_int_equal(db_exec(f->db, "CREATE TABLE t (a TEXT NOT NULL, b INTEGER NOT NULL, "
	                                "c REAL NOT NULL, d TEXT)"),
	                 DB_OK);
	st = db_prepare(f->db, "INSERT INTO t (a, b, c, d) VALUES ($1, 42, 2.5, NULL)");
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, f->text), DB_OK);
	assert_int_equal(db_step(st), DB_OK);
	db_finalize(st);
}

/* One read of the row with the Nth allocation by SQLite failing: 1 when
 * some call failed (as a call, with SQLite's reason), 0 when the row read
 * whole and right. */
static int read_row_failing(struct fixture *f, int n)
{
	char spec[32];
	struct db_stmt *st;
	enum db_rc rc;

	snprintf(spec, sizeof(spec), "%d+engine-alloc", n);
	assert_int_equal(fault_db_arm(spec), 0);
	st = db_prepare(f->db, "SELECT a, b, c, d FROM t");
	if (st == NULL) {
		assert_non_null(strstr(db_errmsg(f->db), "out of memory"));
		return 1;
	}
	rc = db_step(st);
	if (rc == DB_ROW) {
		assert_string_equal(db_col_text(st, 0), f->text);
		assert_string_equal(db_col_text(st, 1), "42");
		assert_int_equal(db_col_int(st, 1), 42);
		assert_string_equal(db_col_text(st, 2), "2.5");
		assert_null(db_col_text(st, 3));
		rc = db_step(st);
	}
	db_finalize(st);
	if (rc == DB_OK)
		return 0;
	assert_int_equal(rc, DB_ERROR);
	assert_non_null(strstr(db_errmsg(f->db), "out of memory"));
	return 1;
}

/* For every N until reading needs fewer allocations than N: the read fails
 * as a call, with SQLite's reason, or reads right. */
static void test_every_engine_alloc_in_a_read(void **state)
{
	struct fixture *f = *state;
	int failed = 0, clean_in_a_row = 0, n;

	fill(f);
	for (n = 1; n <= MAX_N && clean_in_a_row < 20; n++) {
		if (read_row_failing(f, n)) {
			failed++;
			clean_in_a_row = 0;
		} else {
			clean_in_a_row++;
		}
	}
	assert_true(n <= MAX_N);
	assert_true(failed >= 1);
	assert_int_equal(read_row_failing(f, MAX_N * 1000), 0); /* armed out of reach */
}

/* Once a row has arrived, reading its columns, as text or as integers,
 * takes no memory from SQLite: the allocation armed before the reads is
 * still the next one after them. SQLite's own conversion of an integer to
 * text allocates, and a failure there could only abort (or read as NULL). */
static void test_reading_a_row_allocates_nothing(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *st;

	fill(f);
	st = db_prepare(f->db, "SELECT a, b, c, d, b + 1, 'x' || b FROM t");
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(fault_db_arm("1+engine-alloc"), 0);
	for (int round = 0; round < 2; round++) {
		assert_string_equal(db_col_text(st, 0), f->text);
		assert_string_equal(db_col_text(st, 1), "42");
		assert_int_equal(db_col_int(st, 1), 42);
		assert_string_equal(db_col_text(st, 2), "2.5");
		assert_null(db_col_text(st, 3));
		assert_true(db_col_is_null(st, 3));
		assert_string_equal(db_col_text(st, 4), "43");
		assert_string_equal(db_col_text(st, 5), "x42");
		assert_int_equal(db_col_int(st, 5), 0);
	}
	db_finalize(st);
	assert_null(db_prepare(f->db, "SELECT b FROM t"));
	assert_non_null(strstr(db_errmsg(f->db), "out of memory"));
}

/* An integer read as text is the same text on every row and read. */
static void test_integer_as_text(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *st;
	int64_t want = -9223372036854775807LL - 1;
	char buf[32];

	assert_int_equal(db_exec(f->db, "CREATE TABLE n (v INTEGER NOT NULL)"), DB_OK);
	assert_int_equal(db_exec(f->db, "INSERT INTO n VALUES (-9223372036854775808), (0), "
	                                "(9223372036854775807)"),
	                 DB_OK);
	st = db_prepare(f->db, "SELECT v FROM n ORDER BY v");
	assert_non_null(st);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_step(st), DB_ROW);
		snprintf(buf, sizeof(buf), "%lld", (long long)want);
		assert_string_equal(db_col_text(st, 0), buf);
		assert_string_equal(db_col_text(st, 0), buf);
		assert_int_equal(db_col_int(st, 0), want);
		want = i == 0 ? 0 : 9223372036854775807LL;
	}
	assert_int_equal(db_step(st), DB_OK);
	db_finalize(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_every_engine_alloc_in_a_read, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reading_a_row_allocates_nothing, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_integer_as_text, setup, teardown),
	};

	if (sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0) != SQLITE_OK)
		return 1;
	/* A re-arm path that is never signalled: counted, nothing armed. */
	setenv("FAULT_INJECT_DB", "/dev/null", 1);
	return cmocka_run_group_tests_name("sqlite engine allocations", tests, NULL, NULL);
}
