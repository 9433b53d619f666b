/* sql: small helpers over db.h for the application's queries. Parameters
 * are text values bound to $1..$n (NULL binds SQL NULL). */
#ifndef KAFAAT_APP_SQL_H
#define KAFAAT_APP_SQL_H

#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* Runs a statement that returns no rows. Returns the rows changed, or a
 * negative enum db_rc. */
int64_t sql_exec(struct db *db, const char *sql, int n, const char *const *params);
/* Runs a query and copies its first row's columns into out[0..ncols) as
 * arena strings (NULL for SQL NULL). Returns 1 (a row), 0 (none), or a
 * negative enum db_rc. */
int sql_row(struct db *db, struct arena *a, const char *sql, int n, const char *const *params,
            const char **out, int ncols);
/* Column i of the current row of st, copied into the arena; NULL for SQL
 * NULL (sql_col), or "" (sql_col_text). */
const char *sql_col(struct db_stmt *st, struct arena *a, int i);
const char *sql_col_text(struct db_stmt *st, struct arena *a, int i);
/* Decimal text of v in the arena (for binding ids). */
const char *sql_int(struct arena *a, int64_t v);

/* Runs fn(db, ud) in one transaction on a pooled connection: committed
 * when fn returns >= 0, rolled back otherwise. Returns fn's value, or -1
 * when the transaction could not begin or commit (logged). */
typedef int (*sql_tx_fn)(struct db *db, void *ud);
int sql_tx(struct db_pool *pool, sql_tx_fn fn, void *ud);
/* Runs one(db, ud, i) for each i in [0, n) in one transaction on db, a
 * connection the caller holds (commands, demo loaders), and commits. Each
 * returns the rows it wrote, or -1. The sum, or -1 with everything rolled
 * back and "what: reason" in err. */
typedef int (*sql_each_fn)(struct db *db, void *ud, size_t i);
int sql_tx_each(struct db *db, size_t n, sql_each_fn one, void *ud, const char *what, char *err,
                size_t errlen);
#endif
