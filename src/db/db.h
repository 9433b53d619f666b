/* db: the engine-neutral database API. The only module that knows an engine.
 *
 * SQL text is written once for both engines (SQLite now, PostgreSQL later)
 * with numbered parameters $1..$n. Each backend binds by name, so "$2" may
 * appear before "$1" and a parameter may repeat.
 *
 *   struct db *db;
 *   if (db_open("var/kafaat.db", &db, err, sizeof err) < 0) ... err says why
 *   struct db_stmt *st = db_prepare(db, "SELECT name FROM t WHERE id = $1");
 *   db_bind_int(st, 1, 42);
 *   while (db_step(st) == DB_ROW) puts(db_col_text(st, 0));
 *   db_finalize(st);
 *   db_close(db);
 *
 * A struct db is one connection: use it from one thread at a time (the
 * application keeps a pool, see db_pool below). Text columns and error
 * strings returned by the API are owned by the statement/connection and
 * valid until the next step, finalize or call on that connection.
 */
#ifndef KAFAAT_DB_DB_H
#define KAFAAT_DB_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_engine { DB_SQLITE, DB_POSTGRES };

/* Results of db_step and the other calls. */
enum db_rc {
	DB_OK = 0,          /* done: no (more) rows, or the call succeeded */
	DB_ROW = 1,         /* a row is available through db_col_* */
	DB_ERROR = -1,      /* failed: db_errmsg() says why */
	DB_BUSY = -2,       /* the database stayed locked past the busy timeout */
	DB_CONSTRAINT = -3, /* a UNIQUE, CHECK or FOREIGN KEY constraint refused the change */
	DB_FULL = -4,       /* the disk or the database is full */
};

/* Opens a connection. `target` is a SQLite file path (created if missing,
 * parent folder must exist) or a postgres:// URL. On failure returns -1 and
 * writes a reason into err. SQLite connections are configured with WAL,
 * synchronous=FULL, foreign_keys=ON, defensive mode, a busy timeout and
 * tight limits. */
int db_open(const char *target, struct db **out, char *err, size_t errlen);
void db_close(struct db *db);
enum db_engine db_engine(const struct db *db);
/* The last error on this connection, for logs. */
const char *db_errmsg(const struct db *db);
/* What the last db_prepare, db_exec, db_begin, db_commit or db_step on
 * this connection answered (a failed db_prepare: DB_ERROR), so that a
 * caller that only saw -1 can tell a constraint's refusal (DB_CONSTRAINT)
 * from an outage. */
enum db_rc db_last_result(const struct db *db);

/* Runs SQL with no parameters and no rows (may hold several statements). */
enum db_rc db_exec(struct db *db, const char *sql);
/* db_begin refuses (DB_ERROR) while a transaction is still open on the
 * connection, on both engines (PostgreSQL itself would only warn). */
enum db_rc db_begin(struct db *db);
enum db_rc db_commit(struct db *db);
/* A rollback can fail (SQLite: busy, an I/O error; PostgreSQL: the
 * connection broke as it was sent), and the transaction may then still be
 * open: roll back again before any other use of the connection. A pooled
 * connection needs nothing more: db_pool_put ends it (see the pool). */
enum db_rc db_rollback(struct db *db);

/* Prepares one statement; NULL on error (db_errmsg says why). */
struct db_stmt *db_prepare(struct db *db, const char *sql);
/* Binding: idx is the N of $N (1-based). Text is copied. Return DB_OK or DB_ERROR. */
enum db_rc db_bind_int(struct db_stmt *st, int idx, int64_t v);
enum db_rc db_bind_text(struct db_stmt *st, int idx, const char *s);
enum db_rc db_bind_null(struct db_stmt *st, int idx);
/* DB_ROW, DB_OK when done, or a negative error code. */
enum db_rc db_step(struct db_stmt *st);
/* Columns are 0-based. A NULL text column reads as NULL. Reading a column
 * never fails and takes no memory from the engine: what a text read may
 * need is prepared by db_step, which fails (DB_ERROR) if it cannot. */
int db_col_count(struct db_stmt *st);
int db_col_is_null(struct db_stmt *st, int col);
int64_t db_col_int(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col);
/* Rows changed by the last completed INSERT/UPDATE/DELETE statement. */
int64_t db_changes(struct db_stmt *st);
/* Makes the statement runnable again (bindings cleared). */
enum db_rc db_reset(struct db_stmt *st);
void db_finalize(struct db_stmt *st);

/* Convenience: runs a query expected to return one integer (e.g. COUNT);
 * params are text values bound to $1..$n (may be NULL when n == 0).
 * Returns DB_OK and sets *out, or an error code. */
enum db_rc db_query_int(struct db *db, const char *sql, int nparams, const char *const *params,
                        int64_t *out);

/* The target as it may be shown in logs and messages: a postgres:// URL's
 * password replaced by "***". Returns out. */
const char *db_display_target(const char *target, char *out, size_t n);

/* Database health: a trivial query. 0 when the database answers. */
int db_ping(struct db *db);

/* Backups (`kafaat backup`, `kafaat restore`). A backup is a file: on
 * SQLite a database file made with the online backup API (other
 * connections keep writing meanwhile), on PostgreSQL a pg_dump archive in
 * the custom format. pg_dump and pg_restore are run with the connection's
 * settings (password included) in their environment, never on their
 * command line; err says when they are missing.
 *
 * db_backup_to writes path.tmp (0600), checks it as db_backup_check does,
 * then renames it to path; it refuses a path that exists. The copy is
 * consistent: one snapshot of the database. Returns 0 or -1 (err says why;
 * path.tmp is removed). */
int db_backup_to(struct db *db, const char *path, char *err, size_t errlen);
/* Checks a backup for db's engine before it is restored: SQLite runs
 * PRAGMA integrity_check on it; PostgreSQL has pg_restore read its table of
 * contents. Either way the backup must hold schema_migrations, whose
 * highest version goes to *version. 0 or -1 (err says why). */
int db_backup_check(struct db *db, const char *path, int *version, char *err, size_t errlen);
/* Replaces the content of db's database with the backup at path (check it
 * first). No other connection may use the database meanwhile: stop every
 * server. SQLite: the online backup API, from the file into the database.
 * PostgreSQL: pg_restore --clean --if-exists --no-owner in one transaction
 * (objects of the backup are dropped and made again; objects the backup
 * does not hold stay). 0 or -1 (err says why). */
int db_restore_from(struct db *db, const char *path, char *err, size_t errlen);
/* The number of tables in the database (name NULL), or of tables named
 * name (0 or 1); the engine's own tables do not count. */
enum db_rc db_count_tables(struct db *db, const char *name, int64_t *out);

/* A fixed-size pool of connections shared by the server's threads.
 * db_pool_get blocks until a connection is free; db_pool_put returns it.
 * A connection never goes from one user to the next inside a transaction:
 * one given back with its transaction still open (a rollback that failed,
 * or none) is rolled back again; if that fails, a new connection opened on
 * the same target replaces it (closing the old one ends the transaction);
 * if none can be opened, it stays in the pool but refuses every call but
 * db_rollback (DB_ERROR, "unusable" in db_errmsg) until a later try, at
 * the next db_pool_get or db_pool_put, works. Each step is logged. */
struct db_pool;
int db_pool_open(const char *target, int size, struct db_pool **out, char *err, size_t errlen);
struct db *db_pool_get(struct db_pool *pool);
void db_pool_put(struct db_pool *pool, struct db *db);
void db_pool_close(struct db_pool *pool);

#endif
