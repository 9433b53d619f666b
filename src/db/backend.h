/* backend: the interface between the engine-neutral layer (db.c) and one
 * database engine (sqlite.c, postgres.c). Internal to src/db.
 *
 * A backend "subclasses" struct db and struct db_stmt by embedding them as
 * the first member of its own structs:
 *
 *   struct sqlite_db { struct db base; sqlite3 *h; };
 *
 * and converts the pointers it is handed back with a cast. The backend
 * allocates these structs in open/prepare and frees them in
 * close/finalize. db.c sets db->be after a successful open.
 *
 * Errors: a failing call writes its reason into db->err (db_set_err) and
 * returns a negative enum db_rc; db_errmsg() returns db->err.
 *
 * Adding an engine: define a `const struct db_backend db_backend_NAME`
 * in src/db/NAME.c, declare it below and pick it in db.c (pick_backend).
 */
#ifndef KAFAAT_DB_BACKEND_H
#define KAFAAT_DB_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_ERR_MAX 512

struct db_backend;

/* Prepared statements kept per connection (db.c), so that the same SQL
 * text is compiled once (SQLite) or prepared once (PostgreSQL: one round
 * trip instead of three) however often handlers run it. */
#define DB_STMT_CACHE 64

struct db_cached {
	char *sql; /* the key; NULL when the slot is empty */
	struct db_stmt *st;
	int in_use;         /* handed out by db_prepare, not yet finalized */
	unsigned long used; /* last use, for evicting the oldest */
};

struct db {
	const struct db_backend *be;
	char err[DB_ERR_MAX]; /* the last error on this connection, "" if none */
	enum db_rc last;      /* what the last call answered (db_last_result) */
	/* Set by the pool when a transaction is still open on the connection
	 * and neither a rollback nor a new connection could end it: every
	 * call but db_rollback then fails (db.c, pool_heal). */
	int unusable;
	struct db_cached cache[DB_STMT_CACHE];
	unsigned long clock; /* counts db_prepare calls */
};

struct db_stmt {
	struct db *db;   /* the connection this statement belongs to */
	int64_t changes; /* set by the backend when a step completes (DB_OK) */
	int cache_slot;  /* 0: not cached; else the slot's index + 1 */
};

struct db_backend {
	enum db_engine engine;
	/* SQL that starts a transaction (an engine may take its write lock
	 * up front); COMMIT and ROLLBACK are the same everywhere. */
	const char *begin_sql;
	/* Opens target; on failure returns -1 with a reason in err. */
	int (*open)(const char *target, struct db **out, char *err, size_t errlen);
	void (*close)(struct db *db);
	enum db_rc (*exec)(struct db *db, const char *sql);
	/* One statement; NULL on error (reason in db->err). */
	struct db_stmt *(*prepare)(struct db *db, const char *sql);
	/* idx >= 1 (checked by db.c); s != NULL (db.c binds NULL instead). */
	enum db_rc (*bind_int)(struct db_stmt *st, int idx, int64_t v);
	enum db_rc (*bind_text)(struct db_stmt *st, int idx, const char *s);
	enum db_rc (*bind_null)(struct db_stmt *st, int idx);
	enum db_rc (*step)(struct db_stmt *st);
	/* Column accessors: col is in range (checked by db.c). */
	int (*col_count)(struct db_stmt *st);
	int (*col_is_null)(struct db_stmt *st, int col);
	int64_t (*col_int)(struct db_stmt *st, int col);
	const char *(*col_text)(struct db_stmt *st, int col);
	enum db_rc (*reset)(struct db_stmt *st);
	void (*finalize)(struct db_stmt *st);
	/* Backups, see db_backup_to in db.h. backup_to fills path, an empty
	 * file db.c created (0600); db.c checks it with check_backup, then
	 * renames it. restore_from gets a path that exists. */
	int (*backup_to)(struct db *db, const char *path, char *err, size_t errlen);
	int (*check_backup)(struct db *db, const char *path, int *version, char *err,
	                    size_t errlen);
	int (*restore_from)(struct db *db, const char *path, char *err, size_t errlen);
	/* One integer: the number of tables named $1, or of all tables when
	 * $1 is '' (the engine's own tables excluded). */
	const char *count_tables_sql;
	/* 1 when a transaction is open on the connection as far as the
	 * client library knows, or was open when the connection was lost
	 * and no rollback has ended it since. No round trip to the server. */
	int (*in_transaction)(struct db *db);
	/* Tests only (fault.h): after an injected fault, leaves the open
	 * transaction, if any, as a real failed statement would. NULL where a
	 * failed statement leaves the transaction usable (SQLite). */
	void (*fail_transaction)(struct db *db);
};

extern const struct db_backend db_backend_sqlite;
extern const struct db_backend db_backend_postgres;

/* Formats into a fixed buffer (truncating; nothing when len == 0). */
void db_fmt(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records the connection's last error. */
void db_set_err(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct buf;
/* Runs an external program (pg_dump, pg_restore: argv[0], looked up in
 * PATH) with environment envp and waits for it. Its standard input is
 * /dev/null, its standard error ours; its standard output goes into out
 * (at most out->max bytes when set), or to ours when out is NULL. 0 when
 * it exits with status 0; else -1 and err says why (not found, status,
 * signal). Implemented in tool.c. */
int db_run_tool(const char *const argv[], const char *const envp[], struct buf *out, char *err,
                size_t errlen);

#endif
