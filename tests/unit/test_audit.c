/* Tests for src/app/audit.c: appending to the hash-chained audit log and
 * verifying it after the rows were altered, removed or forged with plain
 * SQL. Each test gets a fresh migrated SQLite database in a temporary
 * folder under /tmp, removed afterwards. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/audit.h"
#include "db/db.h"
#include "db/migrations.h"

#define NOW 1795946400 /* 2026-11-29T10:00:00Z */
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"
#define FFFF "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

struct fixture {
	char dir[64];
	char path[128];
	struct db *db;
};

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int open_db(struct fixture *f)
{
	char err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat-test-audit-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
	if (db_open(f->path, &f->db, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL || open_db(f) < 0)
		return -1;
	*state = f;
	if (migrate_run(f->db, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

/* A database without the schema. */
static int setup_bare(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || open_db(f) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	db_close(f->db);
	rc = nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

static struct db *fdb(void **state)
{
	return ((struct fixture *)*state)->db;
}

static void exec_ok(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

static int64_t query_int(struct db *db, const char *sql)
{
	int64_t v = -1;

	if (db_query_int(db, sql, 0, NULL, &v) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return v;
}

/* The first column of the first row, copied into out ("NULL" for NULL). */
static void query_text(struct db *db, const char *sql, char *out, size_t len)
{
	struct db_stmt *st = db_prepare(db, sql);

	if (st == NULL)
		fail_msg("%s: %s", sql, db_errmsg(db));
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(out, len, "%s", db_col_is_null(st, 0) ? "NULL" : db_col_text(st, 0));
	db_finalize(st);
}

static int64_t rows(struct db *db)
{
	return query_int(db, "SELECT COUNT(*) FROM audit_log");
}

/* Appends one entry in its own transaction; returns audit_append's result. */
static int append(struct db *db, int64_t now, const struct audit_entry *e)
{
	int rc;

	assert_int_equal(db_begin(db), DB_OK);
	rc = audit_append(db, now, e);
	if (rc == 0)
		assert_int_equal(db_commit(db), DB_OK);
	else
		assert_int_equal(db_rollback(db), DB_OK);
	return rc;
}

/* Three rows: a failed sign-in, a sign-in, a profile view. */
static void append_three(struct db *db)
{
	const struct audit_entry e[3] = {
	        {0, "signin_failed", "", "", "192.0.2.1", "{\"email_hash\":\"ab12\"}"},
	        {42, "signin", "user", "42", "192.0.2.1", ""},
	        {42, "profile_viewed", "user", "77", "2001:db8::1", "{\"section\":\"cv\"}"},
	};

	for (int i = 0; i < 3; i++)
		assert_int_equal(append(db, NOW + i, &e[i]), 0);
}

/* Verifies and checks the outcome: want_bad 0 means intact with want_rows
 * rows; otherwise the reported row and a piece of the reason. */
static void check_verify(struct db *db, int64_t want_rows, int64_t want_bad, const char *reason)
{
	char err[256] = "unset";
	int64_t bad = -1;
	int64_t n = audit_verify(db, &bad, err, sizeof(err));

	if (want_bad == 0) {
		assert_int_equal(n, want_rows);
		assert_int_equal(bad, 0);
		return;
	}
	assert_int_equal(n, -1);
	assert_int_equal(bad, want_bad);
	if (strstr(err, reason) == NULL)
		fail_msg("reason '%s' does not contain '%s'", err, reason);
}

/* The hash of a row, computed here from the description at the top of
 * audit.c, independently of audit.c's code. */
static void expected_hash(const char *const fields[9], char out[65])
{
	char s[2048];
	unsigned char digest[crypto_hash_sha256_BYTES];
	size_t len = 0;

	for (int i = 0; i < 9; i++) {
		int n = snprintf(s + len, sizeof(s) - len, "%zu:%s", strlen(fields[i]), fields[i]);
		assert_true(n > 0 && (size_t)n < sizeof(s) - len);
		len += (size_t)n;
	}
	assert_int_equal(crypto_hash_sha256(digest, (unsigned char *)s, len), 0);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

/* ---- appending ---- */

static void test_empty_log_verifies(void **state)
{
	check_verify(fdb(state), 0, 0, NULL);
}

static void test_three_rows_intact(void **state)
{
	struct db *db = fdb(state);
	char text[128];

	append_three(db);
	check_verify(db, 3, 0, NULL);
	assert_int_equal(query_int(db, "SELECT MIN(seq) * 100 + MAX(seq) FROM audit_log"), 103);
	query_text(db, "SELECT prev_hash FROM audit_log WHERE seq = 1", text, sizeof(text));
	assert_string_equal(text, ZEROS);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM audit_log a JOIN audit_log b "
	                               "ON b.seq = a.seq + 1 AND b.prev_hash = a.hash"),
	                 2);
	query_text(db, "SELECT at FROM audit_log WHERE seq = 3", text, sizeof(text));
	assert_string_equal(text, "2026-11-29T10:00:02Z");
}

static void test_actor_zero_is_null(void **state)
{
	struct db *db = fdb(state);
	char text[32];

	append_three(db);
	query_text(db, "SELECT actor_id FROM audit_log WHERE seq = 1", text, sizeof(text));
	assert_string_equal(text, "NULL");
	assert_int_equal(query_int(db, "SELECT actor_id FROM audit_log WHERE seq = 2"), 42);
}

/* The worked example at the top of audit.c, hashed by hand. */
static void test_known_answer(void **state)
{
	struct db *db = fdb(state);
	const struct audit_entry e = {0, "signin", "user", "42", "192.0.2.1", ""};
	const char *const fields[9] = {
	        ZEROS, "1", "2026-11-29T10:00:00Z", "0", "signin", "user", "42", "192.0.2.1", ""};
	char text[80], want[65];

	assert_int_equal(append(db, NOW, &e), 0);
	query_text(db, "SELECT hash FROM audit_log WHERE seq = 1", text, sizeof(text));
	assert_string_equal(text,
	                    "b56bf195596319c25a491dbf9a14bfe927fcf34aae6cc042016fc857b827e845");
	expected_hash(fields, want);
	assert_string_equal(text, want);
}

/* NULL strings in an entry are stored and hashed as "". */
static void test_null_strings_are_empty(void **state)
{
	struct db *db = fdb(state);
	const struct audit_entry e = {5, "admin_action", NULL, NULL, NULL, NULL};

	assert_int_equal(append(db, NOW, &e), 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM audit_log WHERE target_type = '' AND "
	                               "target_id = '' AND ip = '' AND details = ''"),
	                 1);
	check_verify(db, 1, 0, NULL);
}

static void expect_refused(struct db *db, const struct audit_entry *e)
{
	int64_t before = rows(db);

	assert_int_equal(append(db, NOW, e), -1);
	assert_int_equal(rows(db), before);
}

static void test_invalid_entries_refused(void **state)
{
	struct db *db = fdb(state);
	char long_action[66], long_ip[66], long_id[130], big[4100];
	const char *bad_details[] = {"[1]",   "not json",          "{\"a\":1",
	                             "\"x\"", "{\"a\":1,\"a\":2}", "{\"a\":1} x"};

	memset(long_action, 'a', 65);
	long_action[65] = '\0';
	memset(long_ip, '1', 65);
	long_ip[65] = '\0';
	memset(long_id, '7', 129);
	long_id[129] = '\0';
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"a\":1}", 7);
	big[4097] = '\0';

	expect_refused(db, &(struct audit_entry){0, "", "", "", "", ""});
	expect_refused(db, &(struct audit_entry){0, NULL, "", "", "", ""});
	expect_refused(db, &(struct audit_entry){0, "SignIn", "", "", "", ""});
	expect_refused(db, &(struct audit_entry){0, "sign-in", "", "", "", ""});
	expect_refused(db, &(struct audit_entry){0, "sign in", "", "", "", ""});
	expect_refused(db, &(struct audit_entry){0, long_action, "", "", "", ""});
	expect_refused(db, &(struct audit_entry){-1, "signin", "", "", "", ""});
	expect_refused(db, &(struct audit_entry){0, "signin", "", "", long_ip, ""});
	expect_refused(db, &(struct audit_entry){0, "signin", "user", long_id, "", ""});
	expect_refused(db, &(struct audit_entry){0, "signin", "user", "\xff\xfe", "", ""});
	expect_refused(db, &(struct audit_entry){0, "signin", "", "", "", big});
	for (size_t i = 0; i < sizeof(bad_details) / sizeof(bad_details[0]); i++)
		expect_refused(db, &(struct audit_entry){0, "signin", "", "", "", bad_details[i]});
	assert_int_equal(rows(db), 0);
}

/* The limits themselves are allowed. */
static void test_limits_accepted(void **state)
{
	struct db *db = fdb(state);
	char action[65], ip[65], id[129], big[4097];

	memset(action, 'z', 64);
	action[64] = '\0';
	memset(ip, '1', 64);
	ip[64] = '\0';
	memset(id, '7', 128);
	id[128] = '\0';
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"a\":1}", 7);
	big[4096] = '\0';
	assert_int_equal(append(db, NOW, &(struct audit_entry){1, action, "user", id, ip, big}), 0);
	assert_int_equal(append(db, NOW, &(struct audit_entry){1, "a_b", "", "", "", "{}"}), 0);
	check_verify(db, 2, 0, NULL);
}

/* ---- tampering ---- */

static void test_altered_action_detected(void **state)
{
	struct db *db = fdb(state);

	append_three(db);
	exec_ok(db, "UPDATE audit_log SET action = 'signin_failed' WHERE seq = 2");
	check_verify(db, 0, 2, "row 2: hash does not match its contents (altered?)");
}

static void test_altered_actor_detected(void **state)
{
	struct db *db = fdb(state);

	append_three(db);
	exec_ok(db, "UPDATE audit_log SET actor_id = 43 WHERE seq = 3");
	check_verify(db, 0, 3, "row 3: hash does not match");
	exec_ok(db, "UPDATE audit_log SET actor_id = 42 WHERE seq = 3");
	check_verify(db, 3, 0, NULL);
	exec_ok(db, "UPDATE audit_log SET actor_id = 42 WHERE seq = 1");
	check_verify(db, 0, 1, "row 1: hash does not match");
}

static void test_deleted_row_detected(void **state)
{
	struct db *db = fdb(state);

	append_three(db);
	exec_ok(db, "DELETE FROM audit_log WHERE seq = 2");
	check_verify(db, 0, 3, "row 3: does not follow row 1 (a row was removed?)");
}

static void test_deleted_first_row_detected(void **state)
{
	struct db *db = fdb(state);

	append_three(db);
	exec_ok(db, "DELETE FROM audit_log WHERE seq = 1");
	check_verify(db, 0, 2, "row 2: the log starts here, not at row 1");
}

/* Row 2's hash replaced and row 3's link changed to match: the chain's
 * links agree, but row 2's contents do not give its hash. */
static void test_forged_link_detected(void **state)
{
	struct db *db = fdb(state);

	append_three(db);
	exec_ok(db, "UPDATE audit_log SET hash = '" FFFF "' WHERE seq = 2");
	exec_ok(db, "UPDATE audit_log SET prev_hash = '" FFFF "' WHERE seq = 3");
	check_verify(db, 0, 2, "row 2: hash does not match its contents");
}

/* Row 2 altered and its hash recomputed correctly: row 3 no longer links. */
static void test_rehashed_row_breaks_next_link(void **state)
{
	struct db *db = fdb(state);
	char prev[80], sql[256], hash[65];
	const char *fields[9] = {
	        prev, "2", "2026-11-29T10:00:01Z", "42", "signout", "user", "42", "192.0.2.1", ""};

	append_three(db);
	query_text(db, "SELECT hash FROM audit_log WHERE seq = 1", prev, sizeof(prev));
	expected_hash(fields, hash);
	snprintf(sql, sizeof(sql),
	         "UPDATE audit_log SET action = 'signout', hash = '%s' "
	         "WHERE seq = 2",
	         hash);
	exec_ok(db, sql);
	check_verify(db, 0, 3, "row 3: prev_hash does not match row 2");
}

static void test_first_row_link_checked(void **state)
{
	struct db *db = fdb(state);

	append_three(db);
	exec_ok(db, "UPDATE audit_log SET prev_hash = '" FFFF "' WHERE seq = 1");
	check_verify(db, 0, 1, "row 1: prev_hash is not 64 zeros");
}

/* Appending after the chain was checked keeps it whole. */
static void test_append_continues_chain(void **state)
{
	struct db *db = fdb(state);

	append_three(db);
	append_three(db);
	check_verify(db, 6, 0, NULL);
	assert_int_equal(query_int(db, "SELECT MAX(seq) FROM audit_log"), 6);
}

/* ---- errors ---- */

static void test_no_table(void **state)
{
	struct db *db = fdb(state);
	const struct audit_entry e = {0, "signin", "", "", "", ""};
	char err[256];
	int64_t bad = -1;

	assert_int_equal(audit_verify(db, &bad, err, sizeof(err)), -1);
	assert_int_equal(bad, 0);
	assert_non_null(strstr(err, "cannot read the audit log"));
	assert_int_equal(audit_append(db, NOW, &e), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_empty_log_verifies),
	        T(test_three_rows_intact),
	        T(test_actor_zero_is_null),
	        T(test_known_answer),
	        T(test_null_strings_are_empty),
	        T(test_invalid_entries_refused),
	        T(test_limits_accepted),
	        T(test_altered_action_detected),
	        T(test_altered_actor_detected),
	        T(test_deleted_row_detected),
	        T(test_deleted_first_row_detected),
	        T(test_forged_link_detected),
	        T(test_rehashed_row_breaks_next_link),
	        T(test_first_row_link_checked),
	        T(test_append_continues_chain),
	        cmocka_unit_test_setup_teardown(test_no_table, setup_bare, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
