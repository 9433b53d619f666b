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

struct db {
	const struct db_backend *be;
	char err[DB_ERR_MAX]; /* the last error on this connection, "" if none */
};

struct db_stmt {
	struct db *db;   /* the connection this statement belongs to */
	int64_t changes; /* set by the backend when a step completes (DB_OK) */
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
};

extern const struct db_backend db_backend_sqlite;
extern const struct db_backend db_backend_postgres;

/* Formats into a fixed buffer (truncating; nothing when len == 0). */
void db_fmt(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records the connection's last error. */
void db_set_err(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
