/* sqlite: the SQLite backend (libsqlite3 >= 3.37).
 *
 * A connection is opened without SQLite's own mutex (one thread uses it at
 * a time, see db.h) and configured for durability and safety: WAL,
 * synchronous=FULL, foreign keys, defensive mode, no double-quoted string
 * literals (so SQL stays valid for PostgreSQL), untrusted schema, a busy
 * timeout and tight limits. Each setting is read back; a setting that did
 * not take makes db_open fail.
 *
 * Parameters are written $1..$n and bound by name, since SQLite numbers
 * named parameters by first appearance: in "$2 ... $1", "$2" has index 1.
 *
 * Ownership: sqlite_db and sqlite_stmt are allocated here and freed by
 * close/finalize. Text read from a column belongs to SQLite until the next
 * step, reset or finalize of that statement.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "db/backend.h"
#include "db/fault.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BUSY_TIMEOUT_MS 5000
#define OPEN_FLAGS                                                                                 \
	(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE)

struct sqlite_db {
	struct db base;
	sqlite3 *h;
};

struct sqlite_stmt {
	struct db_stmt base;
	sqlite3_stmt *h;
	sqlite3_int64 total_before; /* connection's total changes when the run began */
	char (*ints)[24];           /* integer columns read as text, one slot per column */
};

static struct sqlite_db *sdb(struct db *db)
{
	return (struct sqlite_db *)db;
}

static struct sqlite_stmt *sst(struct db_stmt *st)
{
	return (struct sqlite_stmt *)st;
}

static sqlite3 *conn_of(struct db_stmt *st)
{
	return sdb(st->db)->h;
}

/* ---- errors ---- */

static const char *sys_reason(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len); /* the GNU variant (_GNU_SOURCE) */
}

static int is_disk_full(int sys_errno)
{
	return sys_errno == ENOSPC || sys_errno == EDQUOT;
}

static enum db_rc map_rc(sqlite3 *h, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
		return DB_OK;
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	case SQLITE_FULL:
		return DB_FULL;
	case SQLITE_IOERR:
		return is_disk_full(sqlite3_system_errno(h)) ? DB_FULL : DB_ERROR;
	default:
		return DB_ERROR;
	}
}

/* The reason for a failed call on h: SQLite's message, plus the system's
 * when the failure came from the operating system. */
static void describe(sqlite3 *h, int rc, char *dst, size_t len)
{
	int e = sqlite3_system_errno(h);
	int primary = rc & 0xff;
	char sys[128];

	if ((primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) && e != 0)
		db_fmt(dst, len, "%s (%s)", sqlite3_errmsg(h), sys_reason(e, sys, sizeof(sys)));
	else
		db_fmt(dst, len, "%s", sqlite3_errmsg(h));
}

/* Records why rc happened and returns it as a db_rc. */
static enum db_rc fail(struct db *db, int rc)
{
	sqlite3 *h = sdb(db)->h;

	describe(h, rc, db->err, sizeof(db->err));
	return map_rc(h, rc);
}

/* ---- opening ---- */

/* SQLite's "unable to open database file" does not say that the folder is
 * missing; this does. Other problems are left for SQLite to report. */
static int check_folder(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	struct stat sb;
	char *dir;
	int ret = 0;

	if (slash == NULL)
		return 0;
	dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (stat(dir, &sb) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			db_fmt(err, errlen, "cannot open database %s: folder %s does not exist",
			       path, dir);
			ret = -1;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		db_fmt(err, errlen, "cannot open database %s: %s is not a folder", path, dir);
		ret = -1;
	}
	free(dir);
	return ret;
}

static int set_dbconfig(sqlite3 *h, int op, int want)
{
	int got = -1;

	if (sqlite3_db_config(h, op, want, &got) != SQLITE_OK)
		return -1;
	return got == want ? 0 : -1;
}

static const struct {
	int op;
	int want;
	const char *name;
} dbconfigs[] = {
        {SQLITE_DBCONFIG_DEFENSIVE, 1, "defensive mode"},
        {SQLITE_DBCONFIG_DQS_DML, 0, "double-quoted strings (DML)"},
        {SQLITE_DBCONFIG_DQS_DDL, 0, "double-quoted strings (DDL)"},
        {SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, "untrusted schema"},
};

static int set_dbconfigs(sqlite3 *h, const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_LEN(dbconfigs); i++) {
		if (set_dbconfig(h, dbconfigs[i].op, dbconfigs[i].want) < 0) {
			db_fmt(err, errlen, "cannot configure database %s: %s did not take", path,
			       dbconfigs[i].name);
			return -1;
		}
	}
	return 0;
}

static const struct {
	int id;
	int value;
	const char *name;
} limits[] = {
        {SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024, "LENGTH"},
        {SQLITE_LIMIT_SQL_LENGTH, 1024 * 1024, "SQL_LENGTH"},
        {SQLITE_LIMIT_VARIABLE_NUMBER, 999, "VARIABLE_NUMBER"},
        {SQLITE_LIMIT_ATTACHED, 0, "ATTACHED"},
        {SQLITE_LIMIT_TRIGGER_DEPTH, 10, "TRIGGER_DEPTH"},
        {SQLITE_LIMIT_COLUMN, 200, "COLUMN"},
        {SQLITE_LIMIT_EXPR_DEPTH, 200, "EXPR_DEPTH"},
        {SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000, "LIKE_PATTERN_LENGTH"},
};

static int set_limits(sqlite3 *h, const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_LEN(limits); i++) {
		/* Returns the previous value; the read-back below is the check. */
		(void)sqlite3_limit(h, limits[i].id, limits[i].value);
		if (sqlite3_limit(h, limits[i].id, -1) != limits[i].value) {
			db_fmt(err, errlen, "cannot configure database %s: limit %s did not take",
			       path, limits[i].name);
			return -1;
		}
	}
	return 0;
}

/* Runs a query returning one value and copies it, as text, into out. */
static int read_value(sqlite3 *h, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int ret = -1;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	v = sqlite3_column_text(st, 0);
	if (v == NULL)
		goto out;
	db_fmt(out, outlen, "%s", (const char *)v);
	ret = 0;
out:
	/* The error, if any, is still on h for the caller to report. */
	(void)sqlite3_finalize(st);
	return ret;
}

static const struct {
	const char *set;
	const char *get;
	const char *want;
} pragmas[] = {
        {"PRAGMA journal_mode=WAL", "PRAGMA journal_mode", "wal"},
        {"PRAGMA synchronous=FULL", "PRAGMA synchronous", "2"},
        {"PRAGMA foreign_keys=ON", "PRAGMA foreign_keys", "1"},
};

static int set_pragmas(sqlite3 *h, const char *path, char *err, size_t errlen)
{
	char got[32];

	for (size_t i = 0; i < ARRAY_LEN(pragmas); i++) {
		if (sqlite3_exec(h, pragmas[i].set, NULL, NULL, NULL) != SQLITE_OK ||
		    read_value(h, pragmas[i].get, got, sizeof(got)) < 0) {
			db_fmt(err, errlen, "cannot configure database %s: %s: %s", path,
			       pragmas[i].set, sqlite3_errmsg(h));
			return -1;
		}
		if (strcmp(got, pragmas[i].want) != 0) {
			db_fmt(err, errlen,
			       "cannot configure database %s: %s reads back \"%s\", not \"%s\"",
			       path, pragmas[i].get, got, pragmas[i].want);
			return -1;
		}
	}
	return 0;
}

static int configure(sqlite3 *h, const char *path, char *err, size_t errlen)
{
	int rc = sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);

	if (rc != SQLITE_OK) {
		db_fmt(err, errlen, "cannot configure database %s: busy timeout: %s", path,
		       sqlite3_errmsg(h));
		return -1;
	}
	if (set_dbconfigs(h, path, err, errlen) < 0 || set_limits(h, path, err, errlen) < 0)
		return -1;
	return set_pragmas(h, path, err, errlen);
}

static void close_handle(sqlite3 *h)
{
	sqlite3_stmt *left = h != NULL ? sqlite3_next_stmt(h, NULL) : NULL;

	if (left != NULL) /* the first one's SQL tells its owner */
		log_warn("db: closing an SQLite connection with unfinalized statements: %.200s",
		         sqlite3_sql(left));
	/* _v2 defers the close until those statements are finalized. */
	if (sqlite3_close_v2(h) != SQLITE_OK)
		log_error("db: closing an SQLite connection: %s", sqlite3_errmsg(h));
}

/* ---- counted allocations (FAULT_INJECT_DB=N+engine-alloc, db/fault.h) ---- */

static sqlite3_mem_methods engine_mem; /* SQLite's own allocator, wrapped */
static pthread_once_t counted_once = PTHREAD_ONCE_INIT;

static void *counted_malloc(int n)
{
	return fault_alloc(FAULT_ALLOC_ENGINE, (size_t)n) ? NULL : engine_mem.xMalloc(n);
}

static void *counted_realloc(void *p, int n)
{
	return fault_alloc(FAULT_ALLOC_ENGINE, (size_t)n) ? NULL : engine_mem.xRealloc(p, n);
}

/* With fault injection on, routes SQLite's allocations through the fault
 * counter. Must run before SQLite initializes, so before the first open. */
static void install_counted_alloc(void)
{
	sqlite3_mem_methods m;

	if (!fault_db_enabled())
		return;
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &engine_mem) != SQLITE_OK) {
		log_error("fault injection: cannot read SQLite's allocator: its allocations never "
		          "fail");
		return;
	}
	m = engine_mem;
	m.xMalloc = counted_malloc;
	m.xRealloc = counted_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
		log_error(
		        "fault injection: SQLite already initialized: its allocations never fail");
}

static void count_engine_allocs(void)
{
	if (pthread_once(&counted_once, install_counted_alloc) != 0)
		log_error("fault injection: cannot wrap SQLite's allocator");
}

static int sq_open(const char *path, struct db **out, char *err, size_t errlen)
{
	struct sqlite_db *d = xcalloc(1, sizeof(*d));
	char reason[DB_ERR_MAX];
	int ret = -1;
	int rc;

	if (check_folder(path, err, errlen) < 0)
		goto out;
	count_engine_allocs();
	rc = sqlite3_open_v2(path, &d->h, OPEN_FLAGS, NULL);
	if (rc != SQLITE_OK) {
		describe(d->h, rc, reason, sizeof(reason));
		db_fmt(err, errlen, "cannot open database %s: %s", path, reason);
		goto out;
	}
	if (configure(d->h, path, err, errlen) < 0)
		goto out;
	*out = &d->base;
	ret = 0;
out:
	if (ret < 0) {
		close_handle(d->h);
		free(d);
	}
	return ret;
}

static void sq_close(struct db *db)
{
	close_handle(sdb(db)->h);
	free(db);
}

static enum db_rc sq_exec(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(sdb(db)->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? DB_OK : fail(db, rc);
}

/* BEGIN ... until COMMIT or ROLLBACK, or until an error that made
 * SQLite roll back by itself. */
static int sq_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(sdb(db)->h);
}

/* ---- statements ---- */

static int only_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';')
		s++;
	return *s == '\0';
}

/* "$N" with N a positive decimal number without leading zeros. */
static int is_dollar_number(const char *name)
{
	size_t n;

	if (name == NULL || name[0] != '$' || name[1] < '1' || name[1] > '9')
		return 0;
	n = strspn(name + 1, "0123456789");
	return n <= 9 && name[1 + n] == '\0';
}

/* Only $N parameters are portable to PostgreSQL: refuse ?, :a, @a, $a. */
static int check_params(struct db *db, sqlite3_stmt *h)
{
	int n = sqlite3_bind_parameter_count(h);

	for (int i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(h, i);
		if (!is_dollar_number(name)) {
			db_set_err(db, "parameter %s: write parameters as $1, $2, ...",
			           name ? name : "?");
			return -1;
		}
	}
	return 0;
}

static struct db_stmt *sq_prepare(struct db *db, const char *sql)
{
	struct sqlite_stmt *st = NULL;
	sqlite3_stmt *h = NULL;
	const char *tail = NULL;
	int rc = sqlite3_prepare_v2(sdb(db)->h, sql, -1, &h, &tail);

	if (rc != SQLITE_OK) {
		(void)fail(db, rc);
		goto out;
	}
	if (h == NULL || !only_space(tail)) {
		db_set_err(db, "db_prepare takes exactly one statement");
		goto out;
	}
	if (check_params(db, h) < 0)
		goto out;
	st = xcalloc(1, sizeof(*st));
	st->base.db = db;
	st->h = h;
out:
	if (st == NULL)
		(void)sqlite3_finalize(h); /* nothing ran: no error to report */
	return st ? &st->base : NULL;
}

/* The SQLite index of parameter $idx, or 0 (error recorded). */
static int param_index(struct db_stmt *st, int idx)
{
	char name[16];
	int i;

	db_fmt(name, sizeof(name), "$%d", idx);
	i = sqlite3_bind_parameter_index(sst(st)->h, name);
	if (i == 0)
		db_set_err(st->db, "the statement has no parameter %s", name);
	return i;
}

static enum db_rc bind_result(struct db_stmt *st, int rc)
{
	if (rc == SQLITE_OK)
		return DB_OK;
	(void)fail(st->db, rc);
	return DB_ERROR;
}

static enum db_rc sq_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	int i = param_index(st, idx);

	if (i == 0)
		return DB_ERROR;
	return bind_result(st, sqlite3_bind_int64(sst(st)->h, i, v));
}

static enum db_rc sq_bind_text(struct db_stmt *st, int idx, const char *s)
{
	int i = param_index(st, idx);

	if (i == 0)
		return DB_ERROR;
	return bind_result(st, sqlite3_bind_text64(sst(st)->h, i, s, strlen(s), SQLITE_TRANSIENT,
	                                           SQLITE_UTF8));
}

static enum db_rc sq_bind_null(struct db_stmt *st, int idx)
{
	int i = param_index(st, idx);

	if (i == 0)
		return DB_ERROR;
	return bind_result(st, sqlite3_bind_null(sst(st)->h, i));
}

/* Rows changed by this statement's run: sqlite3_changes64 keeps the count
 * of the last INSERT/UPDATE/DELETE on the connection, so it only belongs
 * to this statement if the connection's total moved during the run. */
static int64_t run_changes(struct sqlite_stmt *st, sqlite3 *h)
{
	if (sqlite3_total_changes64(h) == st->total_before)
		return 0;
	return sqlite3_changes64(h);
}

/* Makes every text a caller may read out of the current row ready now, so
 * that reading it later needs no memory from SQLite: text and blob values
 * get their terminating NUL (which may allocate), real values their text
 * form. Integers read as text are formatted by sq_col_text without SQLite.
 * A conversion that runs out of memory fails the step, which the caller
 * reports like any failed step, instead of a column reading as missing. */
static enum db_rc settle_row(struct db_stmt *st)
{
	sqlite3_stmt *h = sst(st)->h;
	int n = sqlite3_column_count(h);

	for (int i = 0; i < n; i++) {
		int type = sqlite3_column_type(h, i);

		if (type == SQLITE_NULL || type == SQLITE_INTEGER)
			continue;
		if (sqlite3_column_text(h, i) == NULL)
			return fail(st->db, SQLITE_NOMEM);
	}
	return DB_ROW;
}

static enum db_rc sq_step(struct db_stmt *st)
{
	sqlite3 *h = conn_of(st);
	int rc;

	if (!sqlite3_stmt_busy(sst(st)->h))
		sst(st)->total_before = sqlite3_total_changes64(h);
	rc = sqlite3_step(sst(st)->h);
	if (rc == SQLITE_ROW)
		return settle_row(st);
	if (rc != SQLITE_DONE)
		return fail(st->db, rc);
	st->changes = run_changes(sst(st), h);
	return DB_OK;
}

static int sq_col_count(struct db_stmt *st)
{
	return sqlite3_column_count(sst(st)->h);
}

static int sq_col_is_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(sst(st)->h, col) == SQLITE_NULL;
}

static int64_t sq_col_int(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(sst(st)->h, col);
}

/* An integer column's text in the statement's own slot for that column,
 * valid like SQLite's text: until the next step, reset or finalize. */
static const char *int_text(struct sqlite_stmt *st, int col)
{
	if (st->ints == NULL)
		st->ints = xcalloc((size_t)sqlite3_column_count(st->h), sizeof(*st->ints));
	db_fmt(st->ints[col], sizeof(st->ints[col]), "%lld",
	       (long long)sqlite3_column_int64(st->h, col));
	return st->ints[col];
}

static const char *sq_col_text(struct db_stmt *st, int col)
{
	int type = sqlite3_column_type(sst(st)->h, col);
	const unsigned char *v;

	if (type == SQLITE_NULL)
		return NULL;
	if (type == SQLITE_INTEGER)
		return int_text(sst(st), col);
	/* settle_row converted the value when the row arrived, so this call
	 * allocates nothing; NULL here would be a broken promise, not data. */
	v = sqlite3_column_text(sst(st)->h, col);
	if (v == NULL) {
		log_error("db: a settled text column read as NULL");
		abort();
	}
	return (const char *)v;
}

static enum db_rc sq_reset(struct db_stmt *st)
{
	/* sqlite3_reset repeats the last step's error, already reported by
	 * db_step; the statement is reset either way. */
	(void)sqlite3_reset(sst(st)->h);
	return bind_result(st, sqlite3_clear_bindings(sst(st)->h));
}

static void sq_finalize(struct db_stmt *st)
{
	/* Same as reset: the return value repeats an already reported error. */
	(void)sqlite3_finalize(sst(st)->h);
	free(sst(st)->ints);
	free(st);
}

/* ---- backups ---- */

/* Retries of a backup step the other database's lock refused: 10 ms each,
 * as long as the busy timeout. */
#define BACKUP_TRIES (BUSY_TIMEOUT_MS / 10)

/* Opens a database file other than a connection's own (a backup being
 * written or read), in defensive mode: a backup may come from anywhere. */
static int open_file(const char *path, int flags, sqlite3 **h, char *err, size_t errlen)
{
	char reason[DB_ERR_MAX];
	int rc;

	count_engine_allocs();
	rc = sqlite3_open_v2(path, h, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);

	if (rc != SQLITE_OK) {
		describe(*h, rc, reason, sizeof(reason));
		db_fmt(err, errlen, "cannot open %s: %s", path, reason);
		return -1;
	}
	if (sqlite3_busy_timeout(*h, BUSY_TIMEOUT_MS) != SQLITE_OK) {
		db_fmt(err, errlen, "cannot configure %s: %s", path, sqlite3_errmsg(*h));
		return -1;
	}
	return set_dbconfigs(*h, path, err, errlen);
}

/* Copies the whole of src into dst with the online backup API, in one
 * step: one read transaction on src, which in WAL mode does not block its
 * writers and sees one snapshot. A step refused by a lock is retried. */
static int copy_all(sqlite3 *dst, sqlite3 *src, const char *what, char *err, size_t errlen)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int rc, tries = 0;

	if (b == NULL) {
		db_fmt(err, errlen, "%s: %s", what, sqlite3_errmsg(dst));
		return -1;
	}
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(10);
	} while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < BACKUP_TRIES);
	/* finish returns a step's lasting error (I/O, corruption), not BUSY. */
	if (sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_DONE)
		rc = sqlite3_errcode(dst);
	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		db_fmt(err, errlen, "%s: the database stayed locked: is a server using it?", what);
	else
		db_fmt(err, errlen, "%s: %s", what, sqlite3_errstr(rc));
	return -1;
}

/* The backup is one file: rollback journal, so no -wal file goes with it.
 * The page copied from a WAL database still says WAL: switching the copy to
 * WAL first makes the switch back rewrite it. */
static int make_standalone(sqlite3 *h, const char *path, char *err, size_t errlen)
{
	char got[32] = "";

	if (read_value(h, "PRAGMA journal_mode=WAL", got, sizeof(got)) < 0 ||
	    read_value(h, "PRAGMA journal_mode=DELETE", got, sizeof(got)) < 0 ||
	    strcmp(got, "delete") != 0) {
		db_fmt(err, errlen, "%s: cannot leave WAL mode: %s", path,
		       got[0] ? got : sqlite3_errmsg(h));
		return -1;
	}
	return 0;
}

static int sq_backup_to(struct db *db, const char *path, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	int ret = -1;

	if (open_file(path, SQLITE_OPEN_READWRITE, &dst, err, errlen) < 0 ||
	    copy_all(dst, sdb(db)->h, "backup", err, errlen) < 0 ||
	    make_standalone(dst, path, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	close_handle(dst);
	return ret;
}

/* PRAGMA integrity_check answers "ok", or rows describing the damage: the
 * first one goes into err. */
static int integrity_ok(sqlite3 *h, const char *path, char *err, size_t errlen)
{
	char got[256] = "";

	if (read_value(h, "PRAGMA integrity_check", got, sizeof(got)) < 0) {
		db_fmt(err, errlen, "%s is not a usable SQLite database: %s", path,
		       sqlite3_errmsg(h));
		return -1;
	}
	if (strcmp(got, "ok") != 0) {
		db_fmt(err, errlen, "%s fails PRAGMA integrity_check: %s", path, got);
		return -1;
	}
	return 0;
}

/* The highest version in the backup's schema_migrations. */
static int backup_version(sqlite3 *h, const char *path, int *version, char *err, size_t errlen)
{
	char got[32] = "";
	int64_t v = 0;

	if (read_value(h, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", got,
	               sizeof(got)) < 0) {
		db_fmt(err, errlen, "%s is not a Kafaat backup: %s", path, sqlite3_errmsg(h));
		return -1;
	}
	if (parse_int64(got, 1, INT_MAX, &v) < 0) {
		db_fmt(err, errlen, "%s is not a Kafaat backup: no migration recorded", path);
		return -1;
	}
	*version = (int)v;
	return 0;
}

static int sq_check_backup(struct db *db, const char *path, int *version, char *err, size_t errlen)
{
	sqlite3 *h = NULL;
	int ret = -1;

	(void)db;
	if (open_file(path, SQLITE_OPEN_READONLY, &h, err, errlen) < 0 ||
	    integrity_ok(h, path, err, errlen) < 0 ||
	    backup_version(h, path, version, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	close_handle(h);
	return ret;
}

static int sq_restore_from(struct db *db, const char *path, char *err, size_t errlen)
{
	sqlite3 *src = NULL;
	int ret = -1;

	if (open_file(path, SQLITE_OPEN_READONLY, &src, err, errlen) < 0 ||
	    copy_all(sdb(db)->h, src, "restore", err, errlen) < 0)
		goto out;
	ret = 0;
out:
	close_handle(src);
	return ret;
}

const struct db_backend db_backend_sqlite = {
        .engine = DB_SQLITE,
        /* IMMEDIATE takes the write lock now, waiting for the busy timeout,
         * instead of failing with SQLITE_BUSY at the first write. */
        .begin_sql = "BEGIN IMMEDIATE",
        .open = sq_open,
        .close = sq_close,
        .exec = sq_exec,
        .in_transaction = sq_in_transaction,
        .prepare = sq_prepare,
        .bind_int = sq_bind_int,
        .bind_text = sq_bind_text,
        .bind_null = sq_bind_null,
        .step = sq_step,
        .col_count = sq_col_count,
        .col_is_null = sq_col_is_null,
        .col_int = sq_col_int,
        .col_text = sq_col_text,
        .reset = sq_reset,
        .finalize = sq_finalize,
        .backup_to = sq_backup_to,
        .check_backup = sq_check_backup,
        .restore_from = sq_restore_from,
        .count_tables_sql = "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' "
                            "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' "
                            "AND (CAST($1 AS TEXT) = '' OR name = CAST($1 AS TEXT))",
};
