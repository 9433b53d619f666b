/* db: the engine-neutral layer. Picks a backend from the target, checks
 * arguments once for every engine, and keeps the connection pool.
 *
 * Ownership: db_open hands the caller a connection it closes with db_close;
 * db_prepare hands a statement the caller finalizes (before closing its
 * connection). The pool owns its connections: db_pool_get lends one until
 * db_pool_put, and db_pool_close closes them all.
 */
#include "db/db.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "db/backend.h"
#include "db/fault.h"

#define POOL_MAX 1024

static void vfmt(char *dst, size_t len, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

static void vfmt(char *dst, size_t len, const char *fmt, va_list ap)
{
	if (dst == NULL || len == 0)
		return;
	if (vsnprintf(dst, len, fmt, ap) < 0)
		dst[0] = '\0';
}

void db_fmt(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfmt(dst, len, fmt, ap);
	va_end(ap);
}

void db_set_err(struct db *db, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfmt(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
}

/* ---- connections ---- */

static int has_scheme(const char *target, const char *scheme)
{
	return strncasecmp(target, scheme, strlen(scheme)) == 0;
}

static int pick_backend(const char *target, const struct db_backend **out, char *err, size_t errlen)
{
	if (target == NULL || target[0] == '\0') {
		db_fmt(err, errlen, "no database given (empty path or URL)");
		return -1;
	}
	if (has_scheme(target, "postgres://") || has_scheme(target, "postgresql://"))
		*out = &db_backend_postgres;
	else
		*out = &db_backend_sqlite;
	return 0;
}

int db_open(const char *target, struct db **out, char *err, size_t errlen)
{
	const struct db_backend *be;

	*out = NULL;
	fault_db_init();
	if (pick_backend(target, &be, err, errlen) < 0)
		return -1;
	if (be->open(target, out, err, errlen) < 0) {
		*out = NULL;
		return -1;
	}
	(*out)->be = be;
	(*out)->err[0] = '\0';
	return 0;
}

/* Finalizes every cached statement (the connection is closing). */
static void cache_clear(struct db *db)
{
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		struct db_cached *c = &db->cache[i];
		if (!c->sql)
			continue;
		c->st->cache_slot = 0;
		if (!c->in_use)
			db->be->finalize(c->st);
		free(c->sql);
		memset(c, 0, sizeof(*c));
	}
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	cache_clear(db);
	db->be->close(db);
}

enum db_engine db_engine(const struct db *db)
{
	return db->be->engine;
}

const char *db_errmsg(const struct db *db)
{
	return db->err;
}

enum db_rc db_last_result(const struct db *db)
{
	return db->last;
}

static enum db_rc noted(struct db *db, enum db_rc rc)
{
	db->last = rc;
	return rc;
}

/* 1 when the call must not reach the engine: the connection is unusable
 * (a transaction the pool could not end is still open on it), or, in
 * tests (fault.h), this is the call made to fail; the engine's transaction
 * then fails as it would after a real error, and db->err keeps the
 * injected reason. */
static int refused(struct db *db, const char *call)
{
	char reason[DB_ERR_MAX];

	if (__builtin_expect(db->unusable, 0)) {
		db_set_err(db,
		           "this database connection is unusable: a transaction on it could not "
		           "be rolled back, nor the connection replaced");
		return 1;
	}
	if (!fault_db_call(call, db->err, sizeof(db->err)))
		return 0;
	if (db->be->fail_transaction) {
		memcpy(reason, db->err, sizeof(reason));
		db->be->fail_transaction(db);
		memcpy(db->err, reason, sizeof(db->err));
	}
	return 1;
}

enum db_rc db_exec(struct db *db, const char *sql)
{
	if (refused(db, "exec"))
		return noted(db, DB_ERROR);
	return noted(db, db->be->exec(db, sql));
}

enum db_rc db_begin(struct db *db)
{
	if (refused(db, "begin"))
		return noted(db, DB_ERROR);
	/* PostgreSQL would only warn and carry on inside the old transaction,
	 * whose rows the new one's COMMIT would then commit. */
	if (db->be->in_transaction(db)) {
		db_set_err(db, "cannot begin a transaction: one is still open on this connection "
		               "(roll it back first)");
		return noted(db, DB_ERROR);
	}
	return noted(db, db->be->exec(db, db->be->begin_sql));
}

enum db_rc db_commit(struct db *db)
{
	if (refused(db, "commit"))
		return noted(db, DB_ERROR);
	return noted(db, db->be->exec(db, "COMMIT"));
}

enum db_rc db_rollback(struct db *db)
{
	if (fault_db_rollback(db->err, sizeof(db->err)))
		return DB_ERROR; /* not sent: the transaction stays open (fault.h) */
	return db->be->exec(db, "ROLLBACK");
}

/* ---- statements ---- */

/* A cached, idle statement for sql, or NULL. */
static struct db_stmt *cache_take(struct db *db, const char *sql)
{
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		struct db_cached *c = &db->cache[i];
		if (c->sql && !c->in_use && strcmp(c->sql, sql) == 0) {
			c->in_use = 1;
			c->used = ++db->clock;
			c->st->changes = 0;
			return c->st;
		}
	}
	return NULL;
}

/* Keeps st in a free slot, or in place of the least recently used idle
 * one; when every slot is in use, st is simply not cached. */
static void cache_put(struct db *db, struct db_stmt *st, const char *sql)
{
	struct db_cached *victim = NULL;

	for (int i = 0; i < DB_STMT_CACHE; i++) {
		struct db_cached *c = &db->cache[i];
		if (!c->sql) {
			victim = c;
			break;
		}
		if (!c->in_use && (!victim || c->used < victim->used))
			victim = c;
	}
	if (!victim)
		return;
	if (victim->sql) {
		db->be->finalize(victim->st);
		free(victim->sql);
	}
	victim->sql = xstrdup(sql);
	victim->st = st;
	victim->in_use = 1;
	victim->used = ++db->clock;
	st->cache_slot = (int)(victim - db->cache) + 1;
}

struct db_stmt *db_prepare(struct db *db, const char *sql)
{
	struct db_stmt *st;

	if (refused(db, "prepare")) {
		noted(db, DB_ERROR);
		return NULL;
	}
	st = cache_take(db, sql);
	if (!st) {
		st = db->be->prepare(db, sql);
		if (st)
			cache_put(db, st, sql);
	}
	noted(db, st ? DB_OK : DB_ERROR);
	return st;
}

static int index_ok(struct db_stmt *st, int idx)
{
	if (idx >= 1)
		return 1;
	db_set_err(st->db, "parameter index %d: parameters are numbered from $1", idx);
	return 0;
}

enum db_rc db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	if (!index_ok(st, idx))
		return DB_ERROR;
	return st->db->be->bind_int(st, idx, v);
}

enum db_rc db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (!index_ok(st, idx))
		return DB_ERROR;
	if (s == NULL)
		return st->db->be->bind_null(st, idx);
	return st->db->be->bind_text(st, idx, s);
}

enum db_rc db_bind_null(struct db_stmt *st, int idx)
{
	if (!index_ok(st, idx))
		return DB_ERROR;
	return st->db->be->bind_null(st, idx);
}

enum db_rc db_step(struct db_stmt *st)
{
	if (refused(st->db, "step"))
		return noted(st->db, DB_ERROR);
	return noted(st->db, st->db->be->step(st));
}

int db_col_count(struct db_stmt *st)
{
	return st->db->be->col_count(st);
}

/* Reading a column that does not exist is a bug in the caller: it reads
 * as NULL rather than as whatever the engine would return. */
static int col_ok(struct db_stmt *st, int col)
{
	return col >= 0 && col < st->db->be->col_count(st);
}

int db_col_is_null(struct db_stmt *st, int col)
{
	return !col_ok(st, col) || st->db->be->col_is_null(st, col);
}

int64_t db_col_int(struct db_stmt *st, int col)
{
	return col_ok(st, col) ? st->db->be->col_int(st, col) : 0;
}

const char *db_col_text(struct db_stmt *st, int col)
{
	return col_ok(st, col) ? st->db->be->col_text(st, col) : NULL;
}

int64_t db_changes(struct db_stmt *st)
{
	return st->changes;
}

enum db_rc db_reset(struct db_stmt *st)
{
	st->changes = 0;
	return st->db->be->reset(st);
}

void db_finalize(struct db_stmt *st)
{
	if (st == NULL)
		return;
	if (!st->cache_slot) {
		st->db->be->finalize(st);
		return;
	}
	/* Back to the cache: reset now, so no read stays open (SQLite would
	 * otherwise hold its snapshot) and the bindings are cleared. */
	st->db->be->reset(st);
	st->db->cache[st->cache_slot - 1].in_use = 0;
}

/* ---- conveniences ---- */

static enum db_rc bind_params(struct db_stmt *st, int nparams, const char *const *params)
{
	for (int i = 0; i < nparams; i++) {
		enum db_rc rc = db_bind_text(st, i + 1, params[i]);
		if (rc != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* Steps st expecting exactly one row of one non-NULL column. */
static enum db_rc read_one_int(struct db_stmt *st, int64_t *out)
{
	enum db_rc rc = db_step(st);

	if (rc == DB_OK) {
		db_set_err(st->db, "query returned no row");
		return DB_ERROR;
	}
	if (rc != DB_ROW)
		return rc;
	if (db_col_count(st) != 1 || db_col_is_null(st, 0)) {
		db_set_err(st->db, "query did not return one non-NULL column");
		return DB_ERROR;
	}
	*out = db_col_int(st, 0);
	rc = db_step(st);
	if (rc == DB_ROW) {
		db_set_err(st->db, "query returned more than one row");
		return DB_ERROR;
	}
	return rc;
}

enum db_rc db_query_int(struct db *db, const char *sql, int nparams, const char *const *params,
                        int64_t *out)
{
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc rc;
	int64_t v = 0;

	if (st == NULL)
		return DB_ERROR;
	rc = bind_params(st, nparams, params);
	if (rc != DB_OK)
		goto out;
	rc = read_one_int(st, &v);
	if (rc == DB_OK)
		*out = v;
out:
	db_finalize(st);
	return rc;
}

int db_ping(struct db *db)
{
	int64_t v = 0;

	if (db_query_int(db, "SELECT 1", 0, NULL, &v) != DB_OK)
		return -1;
	return v == 1 ? 0 : -1;
}

/* ---- backups ---- */

enum db_rc db_count_tables(struct db *db, const char *name, int64_t *out)
{
	const char *params[] = {name != NULL ? name : ""};

	return db_query_int(db, db->be->count_tables_sql, 1, params, out);
}

/* Makes path.tmp, empty and only ours (0600: a backup holds personal
 * data). Refuses a path or a path.tmp that exists. */
static int claim_tmp(const char *path, char *tmp, size_t len, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	if ((size_t)snprintf(tmp, len, "%s.tmp", path) >= len) {
		db_fmt(err, errlen, "backup file name too long: %s", path);
		return -1;
	}
	if (lstat(path, &sb) == 0) {
		db_fmt(err, errlen, "%s already exists: a backup never overwrites a file", path);
		return -1;
	}
	if (errno != ENOENT) {
		db_fmt(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		db_fmt(err, errlen, "cannot create %s: %s%s", tmp, strerror(errno),
		       errno == EEXIST ? " (another backup is running, or one was interrupted: "
		                         "remove it)"
		                       : "");
		return -1;
	}
	(void)close(fd); /* empty and never written through fd */
	return 0;
}

/* fsync on a file or folder, so the backup survives a crash. */
static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* The folder of path, for its fsync after the rename. */
static void folder_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		db_fmt(out, len, ".");
	else if (slash == path)
		db_fmt(out, len, "/");
	else
		db_fmt(out, len, "%.*s", (int)(slash - path), path);
}

/* Renames tmp to path unless path exists (it may have appeared since the
 * check): RENAME_NOREPLACE, or link + unlink where the file system lacks
 * it. Both are atomic. */
static int publish(const char *tmp, const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
		if ((errno != EINVAL && errno != ENOSYS) || link(tmp, path) < 0) {
			db_fmt(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			       strerror(errno));
			return -1;
		}
		(void)unlink(tmp); /* path holds the backup; a stray tmp is harmless */
	}
	folder_of(path, dir, sizeof(dir));
	if (sync_path(dir, O_DIRECTORY) < 0) {
		db_fmt(err, errlen, "cannot flush folder %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int db_backup_to(struct db *db, const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int version = 0, ret = -1;

	if (claim_tmp(path, tmp, sizeof(tmp), err, errlen) < 0)
		return -1;
	if (db->be->backup_to(db, tmp, err, errlen) < 0 ||
	    db->be->check_backup(db, tmp, &version, err, errlen) < 0)
		goto out;
	if (sync_path(tmp, 0) < 0) {
		db_fmt(err, errlen, "cannot flush %s: %s", tmp, strerror(errno));
		goto out;
	}
	ret = publish(tmp, path, err, errlen);
out:
	if (ret < 0)
		(void)unlink(tmp); /* what is left of a failed backup */
	return ret;
}

/* A backup to read must be a regular file. */
static int readable_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (stat(path, &sb) < 0) {
		db_fmt(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		db_fmt(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	return 0;
}

int db_backup_check(struct db *db, const char *path, int *version, char *err, size_t errlen)
{
	*version = 0;
	if (readable_file(path, err, errlen) < 0)
		return -1;
	return db->be->check_backup(db, path, version, err, errlen);
}

int db_restore_from(struct db *db, const char *path, char *err, size_t errlen)
{
	if (readable_file(path, err, errlen) < 0)
		return -1;
	return db->be->restore_from(db, path, err, errlen);
}

/* ---- pool ---- */

struct db_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int size;
	int nidle;
	char *target;     /* owned: for the connections that replace broken ones */
	struct db **all;  /* every connection, owned */
	struct db **idle; /* stack of free connections: idle[0..nidle) */
};

/* pthread calls on a valid, initialised mutex do not fail; if one does,
 * the pool's state can no longer be trusted. */
static void must(int rc, const char *what)
{
	if (rc != 0) {
		log_error("db pool: %s failed: %s", what, strerror(rc));
		abort();
	}
}

static int pool_sync_init(struct db_pool *pool, char *err, size_t errlen)
{
	int rc = pthread_mutex_init(&pool->mu, NULL);

	if (rc != 0) {
		db_fmt(err, errlen, "database pool: mutex: %s", strerror(rc));
		return -1;
	}
	rc = pthread_cond_init(&pool->cv, NULL);
	if (rc != 0) {
		db_fmt(err, errlen, "database pool: condition variable: %s", strerror(rc));
		must(pthread_mutex_destroy(&pool->mu), "mutex destroy");
		return -1;
	}
	return 0;
}

static int pool_connect(struct db_pool *pool, const char *target, char *err, size_t errlen)
{
	for (int i = 0; i < pool->size; i++) {
		if (db_open(target, &pool->all[i], err, errlen) < 0)
			return -1;
		pool->idle[i] = pool->all[i];
		pool->nidle++;
	}
	return 0;
}

static void pool_free(struct db_pool *pool)
{
	for (int i = 0; i < pool->size; i++)
		db_close(pool->all[i]);
	free(pool->all);
	free(pool->idle);
	free(pool->target);
	free(pool);
}

int db_pool_open(const char *target, int size, struct db_pool **out, char *err, size_t errlen)
{
	struct db_pool *pool;

	*out = NULL;
	if (size < 1 || size > POOL_MAX) {
		db_fmt(err, errlen, "database pool size %d is out of range 1..%d", size, POOL_MAX);
		return -1;
	}
	pool = xcalloc(1, sizeof(*pool));
	pool->size = size;
	pool->target = xstrdup(target);
	pool->all = xcalloc((size_t)size, sizeof(*pool->all));
	pool->idle = xcalloc((size_t)size, sizeof(*pool->idle));
	if (pool_connect(pool, target, err, errlen) < 0 || pool_sync_init(pool, err, errlen) < 0) {
		pool_free(pool);
		return -1;
	}
	*out = pool;
	return 0;
}

/* A connection whose transaction is still open: a rollback failed (SQLite:
 * busy, an I/O error; PostgreSQL: the connection broke as it was sent), or
 * the caller never ended it. It must not serve anyone in that state: the
 * next user's statements would join the old transaction, and on
 * PostgreSQL its COMMIT would commit the old rows too. Rolled back again;
 * when that fails, a new connection takes its place (the caller closes the
 * old one, which ends the transaction: SQLite rolls back at close,
 * PostgreSQL when the session ends); when no new connection can be opened
 * either, it stays, unusable, until a later try works. Returns the
 * connection to keep in its place. Called on a connection lent out,
 * without the lock. */
static struct db *pool_heal(struct db_pool *pool, struct db *db)
{
	struct db *fresh = NULL;
	char err[DB_ERR_MAX];

	log_error("db pool: a connection came back inside a transaction (last error: %s): "
	          "rolling it back",
	          db->err[0] != '\0' ? db->err : "none");
	if (db_rollback(db) == DB_OK && !db->be->in_transaction(db)) {
		db->unusable = 0;
		return db;
	}
	log_error("db pool: the rollback failed again (%s): replacing the connection", db->err);
	if (db_open(pool->target, &fresh, err, sizeof(err)) < 0) {
		log_error("db pool: cannot open a new connection (%s): the old one refuses every "
		          "call until it can be rolled back or replaced",
		          err);
		db->unusable = 1;
		return db;
	}
	return fresh;
}

static int holds(struct db *const *list, int n, const struct db *db)
{
	for (int i = 0; i < n; i++) {
		if (list[i] == db)
			return 1;
	}
	return 0;
}

/* db's index in pool->all. Called with the lock held; aborts when db is
 * not one of the pool's connections lent out. */
static int lent_slot(struct db_pool *pool, const struct db *db)
{
	if (!holds(pool->idle, pool->nidle, db)) {
		for (int i = 0; i < pool->size; i++) {
			if (pool->all[i] == db)
				return i;
		}
	}
	log_error("db pool: returned a connection it did not lend");
	abort();
}

/* Heals the connection in slot (lent out), called with the lock held:
 * the lock is released meanwhile (a rollback or a new connection may take
 * a while), and taken again to put the healed one in place. A replaced
 * connection is closed under the lock, once no longer in pool->all: its
 * address, freed, may come back from another thread's db_open. */
static struct db *heal_slot(struct db_pool *pool, int slot)
{
	struct db *old = pool->all[slot];
	struct db *db;

	must(pthread_mutex_unlock(&pool->mu), "unlock");
	db = pool_heal(pool, old);
	must(pthread_mutex_lock(&pool->mu), "lock");
	pool->all[slot] = db;
	if (db != old)
		db_close(old);
	return db;
}

struct db *db_pool_get(struct db_pool *pool)
{
	struct db *db;

	must(pthread_mutex_lock(&pool->mu), "lock");
	while (pool->nidle == 0)
		must(pthread_cond_wait(&pool->cv, &pool->mu), "wait");
	db = pool->idle[--pool->nidle];
	if (db->unusable) /* no heal worked when it came back: try again */
		db = heal_slot(pool, lent_slot(pool, db));
	must(pthread_mutex_unlock(&pool->mu), "unlock");
	return db;
}

void db_pool_put(struct db_pool *pool, struct db *db)
{
	int slot;

	if (db == NULL)
		return;
	must(pthread_mutex_lock(&pool->mu), "lock");
	slot = lent_slot(pool, db);
	if (db->unusable || db->be->in_transaction(db))
		db = heal_slot(pool, slot);
	pool->idle[pool->nidle++] = db;
	must(pthread_cond_signal(&pool->cv), "signal");
	must(pthread_mutex_unlock(&pool->mu), "unlock");
}

void db_pool_close(struct db_pool *pool)
{
	if (pool == NULL)
		return;
	if (pool->nidle != pool->size) {
		log_error("db pool: closed with %d connection(s) still lent",
		          pool->size - pool->nidle);
		abort();
	}
	must(pthread_cond_destroy(&pool->cv), "condition destroy");
	must(pthread_mutex_destroy(&pool->mu), "mutex destroy");
	pool_free(pool);
}

const char *db_display_target(const char *target, char *out, size_t n)
{
	const char *scheme = strstr(target, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;

	if (!colon) {
		snprintf(out, n, "%s", target);
		return out;
	}
	snprintf(out, n, "%.*s:***%s", (int)(colon - target), target, at);
	return out;
}
