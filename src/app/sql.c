#include "app/sql.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/log.h"

static struct db_stmt *prepare_bound(struct db *db, const char *sql, int n,
                                     const char *const *params)
{
	struct db_stmt *st = db_prepare(db, sql);

	for (int i = 0; st && i < n; i++) {
		if (db_bind_text(st, i + 1, params[i]) != DB_OK) {
			db_finalize(st);
			return NULL;
		}
	}
	return st;
}

int64_t sql_exec(struct db *db, const char *sql, int n, const char *const *params)
{
	struct db_stmt *st = prepare_bound(db, sql, n, params);
	enum db_rc rc;
	int64_t changes;

	if (!st)
		return DB_ERROR;
	rc = db_step(st);
	changes = db_changes(st);
	db_finalize(st);
	if (rc == DB_ROW)
		return 0;
	return rc == DB_OK ? changes : rc;
}

int sql_row(struct db *db, struct arena *a, const char *sql, int n, const char *const *params,
            const char **out, int ncols)
{
	struct db_stmt *st = prepare_bound(db, sql, n, params);
	enum db_rc rc;

	if (!st)
		return DB_ERROR;
	rc = db_step(st);
	if (rc == DB_ROW) {
		for (int i = 0; i < ncols; i++) {
			const char *v = db_col_text(st, i);
			out[i] = v ? arena_strdup(a, v) : NULL;
		}
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_OK ? 0 : rc;
}

const char *sql_int(struct arena *a, int64_t v)
{
	return arena_printf(a, "%" PRId64, v);
}

int sql_tx(struct db_pool *pool, sql_tx_fn fn, void *ud)
{
	struct db *db = db_pool_get(pool);
	int rc = -1;

	if (db_begin(db) != DB_OK)
		goto out;
	rc = fn(db, ud);
	if (rc >= 0 && db_commit(db) != DB_OK)
		rc = -1;
	if (rc < 0) {
		log_error("transaction failed: %s", db_errmsg(db));
		db_rollback(db);
	}
out:
	db_pool_put(pool, db);
	return rc;
}

const char *sql_col(struct db_stmt *st, struct arena *a, int i)
{
	const char *v = db_col_text(st, i);
	return v ? arena_strdup(a, v) : NULL;
}

const char *sql_col_text(struct db_stmt *st, struct arena *a, int i)
{
	const char *v = sql_col(st, a, i);
	return v ? v : "";
}

int sql_tx_each(struct db *db, size_t n, sql_each_fn one, void *ud, const char *what, char *err,
                size_t errlen)
{
	int rows = 0, rc = db_begin(db) == DB_OK ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		int r = one(db, ud, i);
		if (r < 0)
			rc = -1;
		else
			rows += r;
	}
	if (rc == 0 && db_commit(db) != DB_OK)
		rc = -1;
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", what,
		         db_errmsg(db)); /* before the rollback clears it */
		db_rollback(db);
		return -1;
	}
	return rows;
}
