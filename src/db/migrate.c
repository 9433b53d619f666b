/* migrate: applies the compiled migrations through the engine-neutral API,
 * so the same runner serves SQLite and PostgreSQL.
 *
 * Each pending migration runs in its own transaction together with its
 * schema_migrations row. Whether a version is pending is decided inside
 * that transaction, so two processes migrating at once cannot both apply
 * it. The bookkeeping table is created on first use (also by
 * migrate_current, which therefore needs a writable database). Migration
 * files must not contain BEGIN/COMMIT themselves.
 */
#include "db/migrations.h"

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "core/log.h"
#include "db/backend.h"
#include "db/db.h"

static const char create_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 "version INTEGER PRIMARY KEY, "
                                 "name TEXT NOT NULL, "
                                 "applied_at TEXT NOT NULL)";

static const char insert_sql[] = "INSERT INTO schema_migrations (version, name, applied_at) "
                                 "VALUES ($1, $2, $3)";

int migrate_current(struct db *db)
{
	int64_t v = 0;

	if (db_exec(db, create_sql) != DB_OK)
		return -1;
	if (db_query_int(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", 0, NULL,
	                 &v) != DB_OK)
		return -1;
	return v >= 0 && v <= INT_MAX ? (int)v : -1;
}

/* The compiled table must be in strictly increasing version order. */
static int check_list(const struct migration *list, size_t n, char *err, size_t errlen)
{
	int prev = 0;

	for (size_t i = 0; i < n; i++) {
		if (list[i].version <= prev || list[i].name == NULL || list[i].sql == NULL) {
			db_fmt(err, errlen,
			       "migration table: entry %zu (version %d) is out of order or "
			       "incomplete",
			       i, list[i].version);
			return -1;
		}
		prev = list[i].version;
	}
	return 0;
}

/* "2026-11-29T02:00:00Z" */
static int utc_now(char *out, size_t len, char *err, size_t errlen)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		db_fmt(err, errlen, "migrations: cannot read the clock");
		return -1;
	}
	return 0;
}

static enum db_rc is_applied(struct db *db, int version, int64_t *count)
{
	char v[16];
	const char *params[] = {v};

	db_fmt(v, sizeof(v), "%d", version);
	return db_query_int(db, "SELECT COUNT(*) FROM schema_migrations WHERE version = $1", 1,
	                    params, count);
}

static enum db_rc record(struct db *db, const struct migration *m, const char *now)
{
	struct db_stmt *st = db_prepare(db, insert_sql);
	enum db_rc rc;

	if (st == NULL)
		return DB_ERROR;
	rc = db_bind_int(st, 1, m->version);
	if (rc == DB_OK)
		rc = db_bind_text(st, 2, m->name);
	if (rc == DB_OK)
		rc = db_bind_text(st, 3, now);
	if (rc == DB_OK)
		rc = db_step(st);
	db_finalize(st);
	return rc;
}

/* SQLite's BEGIN IMMEDIATE already keeps other writers out until COMMIT.
 * On PostgreSQL a table lock makes a second migrator wait for the first
 * (then see its row), and the connection's statement timeout does not cut
 * a long migration. */
static enum db_rc serialise(struct db *db)
{
	if (db_engine(db) != DB_POSTGRES)
		return DB_OK;
	return db_exec(db, "SET LOCAL statement_timeout = 0; "
	                   "LOCK TABLE schema_migrations IN SHARE ROW EXCLUSIVE MODE");
}

/* Applies m unless it already is: 1 applied, 0 already there, -1 failed
 * (rolled back, err says why). */
static int apply_one(struct db *db, const struct migration *m, const char *now, char *err,
                     size_t errlen)
{
	int64_t done = 0;
	int ret = -1;
	int in_tx = 0;

	if (db_begin(db) != DB_OK)
		goto out;
	in_tx = 1;
	if (serialise(db) != DB_OK || is_applied(db, m->version, &done) != DB_OK)
		goto out;
	if (!done && (db_exec(db, m->sql) != DB_OK || record(db, m, now) != DB_OK))
		goto out;
	if (db_commit(db) != DB_OK)
		goto out;
	ret = done ? 0 : 1;
out:
	if (ret < 0) {
		db_fmt(err, errlen, "migration %04d_%s: %s", m->version, m->name, db_errmsg(db));
		if (in_tx && db_rollback(db) != DB_OK)
			log_error("migration %04d_%s: rollback failed: %s", m->version, m->name,
			          db_errmsg(db));
	}
	return ret;
}

int migrate_run_list(struct db *db, const struct migration *list, size_t n, char *err,
                     size_t errlen)
{
	char now[32];
	int known = n > 0 ? list[n - 1].version : 0;
	int current;
	int applied = 0;

	if (check_list(list, n, err, errlen) < 0 || utc_now(now, sizeof(now), err, errlen) < 0)
		return -1;
	current = migrate_current(db);
	if (current < 0) {
		db_fmt(err, errlen, "migrations: cannot read schema_migrations: %s", db_errmsg(db));
		return -1;
	}
	if (current > known) {
		db_fmt(err, errlen, "database schema version %d is newer than this kafaat (%d)",
		       current, known);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = apply_one(db, &list[i], now, err, errlen);
		if (rc < 0)
			return -1;
		applied += rc;
	}
	return applied;
}

int migrate_run(struct db *db, char *err, size_t errlen)
{
	return migrate_run_list(db, migrations, migrations_count, err, errlen);
}
