/* postgres: the PostgreSQL backend (libpq; written for PostgreSQL 15).
 *
 * A connection is opened from a postgres:// URL with fixed session
 * settings: client_encoding UTF8, TimeZone UTC, a statement timeout, a lock
 * timeout (a lock wait past it reads as DB_BUSY, like SQLite's busy
 * timeout) and application_name "kafaat" (the URL may name another). The
 * encoding and time zone are read back after connecting.
 *
 * Statements are server-side prepared statements named "k<N>", N counting
 * per connection: db_prepare has the server prepare it (PQprepare), the
 * first db_step executes it with the bound values (all sent as text; the
 * server types each $N from its context) and later steps walk the rows of
 * that result, held in memory.
 * db_finalize sends DEALLOCATE, or queues it while the transaction is
 * aborted (the server refuses every command then) until the next call that
 * may talk to the server.
 *
 * db_prepare refuses what SQLite's backend refuses, so code that passes on
 * one engine passes on the other: parameters other than $1..$999 (?, :name,
 * $01), several statements, no statement. A light scan of the SQL outside
 * quotes and comments finds them and the number of parameters.
 *
 * Differences smoothed over: booleans read as 1/0 (text "1"/"0"); COMMIT
 * outside a transaction fails; COMMIT of a transaction in which a statement
 * failed fails (PostgreSQL rolls it back); ROLLBACK outside a transaction
 * does nothing. Error messages keep the server's primary message only: its
 * detail may quote the row's values.
 *
 * A lost connection is opened again at the next exec or prepare, unless a
 * transaction was open on it: then every call fails until db_rollback.
 *
 * Ownership: pg_db and pg_stmt are allocated here and freed by
 * close/finalize. Text read from a column belongs to the statement's result
 * until the next step, reset or finalize.
 */
#include <libpq-fe.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "db/backend.h"

#define MAX_PARAMS 999 /* SQLite's limit, set in sqlite.c */
#define BOOL_OID 16    /* pg_type.oid of boolean */
/* Forced after the URL's own settings, so a URL cannot change them. */
#define SESSION_OPTIONS                                                                            \
	"-c TimeZone=UTC -c statement_timeout=30000 -c lock_timeout=5000 "                         \
	"-c standard_conforming_strings=on -c client_min_messages=warning"

struct pg_db {
	struct db base;
	PGconn *conn;
	uint64_t next_id;                /* number of the next prepared statement */
	unsigned gen;                    /* bumped at each reconnection */
	PGTransactionStatusType last_ts; /* after the last command that reached the server */
	uint64_t *pending;               /* statements to DEALLOCATE once the transaction ends */
	size_t npending;
	size_t cap;
};

struct pg_stmt {
	struct db_stmt base;
	uint64_t id;  /* prepared as "k<id>" */
	unsigned gen; /* connection generation it was prepared on */
	int nparams;
	char **values;   /* nparams bound values, owned; NULL is SQL NULL */
	PGresult *res;   /* rows of the current run; NULL when not running */
	int row;         /* current row of res */
	int64_t changes; /* rows changed by the current run */
};

static struct pg_db *pdb(struct db *db)
{
	return (struct pg_db *)db;
}

static struct pg_stmt *pst(struct db_stmt *st)
{
	return (struct pg_stmt *)st;
}

static void stmt_name(uint64_t id, char *out, size_t len)
{
	db_fmt(out, len, "k%llu", (unsigned long long)id);
}

/* ---- errors ---- */

static enum db_rc map_sqlstate(const char *state)
{
	if (state == NULL)
		return DB_ERROR;
	if (strncmp(state, "23", 2) == 0) /* integrity constraint violation */
		return DB_CONSTRAINT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0) /* serialization, deadlock, lock timeout */
		return DB_BUSY;
	if (strcmp(state, "53100") == 0) /* disk full */
		return DB_FULL;
	return DB_ERROR;
}

/* Copies msg on one line: each run of line breaks and tabs becomes "; ",
 * and trailing ones go. */
static void one_line(const char *msg, char *dst, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	for (const char *p = msg; *p != '\0' && n + 1 < len; p++) {
		if (*p != '\n' && *p != '\t') {
			dst[n++] = *p;
			continue;
		}
		p += strspn(p, "\n\t") - 1;
		if (p[1] != '\0' && n + 2 < len) {
			dst[n++] = ';';
			dst[n++] = ' ';
		}
	}
	dst[n] = '\0';
}

/* Records why res (NULL: no result at all) failed; returns it as a db_rc. */
static enum db_rc fail(struct db *db, const PGresult *res)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (primary != NULL)
		one_line(primary, db->err, sizeof(db->err));
	else if (res != NULL && PQresultErrorMessage(res)[0] != '\0')
		one_line(PQresultErrorMessage(res), db->err, sizeof(db->err));
	else
		one_line(PQerrorMessage(pdb(db)->conn), db->err, sizeof(db->err));
	if (db->err[0] == '\0')
		db_set_err(db, "PostgreSQL call failed without a message");
	return res ? map_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE)) : DB_ERROR;
}

/* DB_OK when res holds a successful command or rows; else the error. */
static enum db_rc check(struct db *db, const PGresult *res)
{
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return DB_OK;
	default:
		return fail(db, res);
	}
}

/* Remembers the transaction status after a command reached the server. */
static void note_status(struct pg_db *d)
{
	PGTransactionStatusType ts = PQtransactionStatus(d->conn);

	if (ts != PQTRANS_UNKNOWN)
		d->last_ts = ts;
}

/* Runs sql (one or more statements, no parameters). */
static enum db_rc run(struct db *db, const char *sql)
{
	PGresult *res = PQexec(pdb(db)->conn, sql);
	enum db_rc rc = check(db, res);

	PQclear(res);
	note_status(pdb(db));
	return rc;
}

/* ---- secrets in messages ---- */

/* Replaces each occurrence of secret in msg (len bytes) with "***". */
static void mask(char *msg, size_t len, const char *secret)
{
	struct buf out = BUF_INIT;
	size_t n = secret ? strlen(secret) : 0;
	const char *p = msg;
	const char *hit;

	if (n == 0 || strstr(msg, secret) == NULL)
		return;
	/* A buffer without a maximum only fails by aborting (xalloc). */
	while ((hit = strstr(p, secret)) != NULL) {
		(void)buf_add(&out, p, (size_t)(hit - p));
		(void)buf_adds(&out, "***");
		p = hit + n;
	}
	(void)buf_adds(&out, p);
	db_fmt(msg, len, "%s", buf_str(&out));
	buf_release(&out);
}

/* The password as written in the URL: in user:password@ or ?password=,
 * still percent-encoded (libpq's syntax errors quote it that way). */
static char *raw_password(const char *url, int in_query)
{
	const char *start = strstr(url, "://");
	const char *end, *at, *colon;

	if (start == NULL)
		return NULL;
	start += 3;
	end = start + strcspn(start, "/?#");
	if (in_query) {
		const char *q = strstr(end, "password=");
		return q ? xstrndup(q + 9, strcspn(q + 9, "&#")) : NULL;
	}
	at = memrchr(start, '@', (size_t)(end - start));
	colon = at ? memchr(start, ':', (size_t)(at - start)) : NULL;
	return colon ? xstrndup(colon + 1, (size_t)(at - colon - 1)) : NULL;
}

/* Masks the URL's password, decoded or not, in msg. */
static void hide_password(char *msg, size_t len, const char *url, const char *decoded)
{
	for (int in_query = 0; in_query <= 1; in_query++) {
		char *raw = raw_password(url, in_query);
		mask(msg, len, raw);
		free(raw);
	}
	mask(msg, len, decoded);
}

/* ---- connections ---- */

static const char *shown(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "(default)";
}

/* A URL libpq cannot parse is refused before connecting, with its reason. */
static int check_url(const char *url, char *err, size_t errlen)
{
	char *why = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &why);
	char reason[DB_ERR_MAX];

	if (opts != NULL) {
		PQconninfoFree(opts);
		return 0;
	}
	one_line(why ? why : "out of memory", reason, sizeof(reason));
	hide_password(reason, sizeof(reason), url, NULL);
	db_fmt(err, errlen, "invalid PostgreSQL URL: %s", reason);
	PQfreemem(why);
	return -1;
}

static void connect_error(PGconn *c, const char *url, char *err, size_t errlen)
{
	char reason[DB_ERR_MAX];

	one_line(PQerrorMessage(c), reason, sizeof(reason));
	hide_password(reason, sizeof(reason), url, PQpass(c));
	db_fmt(err, errlen, "cannot connect to PostgreSQL database %s on %s port %s as %s: %s",
	       shown(PQdb(c)), shown(PQhost(c)), shown(PQport(c)), shown(PQuser(c)), reason);
}

/* The session settings the server reports back must be ours. */
static int check_session(PGconn *c, char *err, size_t errlen)
{
	static const char *const want[][2] = {
	        {"client_encoding", "UTF8"},
	        {"TimeZone", "UTC"},
	        {"standard_conforming_strings", "on"},
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *got = PQparameterStatus(c, want[i][0]);
		if (got == NULL || strcmp(got, want[i][1]) != 0) {
			db_fmt(err, errlen, "PostgreSQL session: %s is \"%s\", not \"%s\"",
			       want[i][0], got ? got : "unknown", want[i][1]);
			return -1;
		}
	}
	return 0;
}

/* Server warnings go to the log, not to stderr (libpq's default). */
static void log_notice(void *arg, const char *msg)
{
	char line[DB_ERR_MAX];

	(void)arg;
	one_line(msg, line, sizeof(line));
	log_warn("db: PostgreSQL says: %s", line);
}

static PGconn *connect_url(const char *url)
{
	/* Keywords are applied in order: the URL (expanded from dbname) may
	 * override the ones before it, not the ones after. */
	const char *const keys[] = {"connect_timeout", "application_name", "dbname",
	                            "client_encoding", "options",          NULL};
	const char *const values[] = {"10", "kafaat", url, "UTF8", SESSION_OPTIONS, NULL};

	return PQconnectdbParams(keys, values, 1);
}

static int pg_open(const char *url, struct db **out, char *err, size_t errlen)
{
	PGconn *c = NULL;
	struct pg_db *d;
	int ret = -1;

	if (check_url(url, err, errlen) < 0)
		goto out;
	c = connect_url(url);
	if (c == NULL) {
		db_fmt(err, errlen, "cannot connect to PostgreSQL: out of memory");
		goto out;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		connect_error(c, url, err, errlen);
		goto out;
	}
	if (check_session(c, err, errlen) < 0)
		goto out;
	/* Returns the previous processor: nothing to check. */
	(void)PQsetNoticeProcessor(c, log_notice, NULL);
	d = xcalloc(1, sizeof(*d));
	d->conn = c;
	d->last_ts = PQTRANS_IDLE;
	*out = &d->base;
	ret = 0;
out:
	if (ret < 0)
		PQfinish(c); /* accepts NULL */
	return ret;
}

static void pg_close(struct db *db)
{
	struct pg_db *d = pdb(db);

	PQfinish(d->conn); /* the server drops the connection's statements */
	free(d->pending);
	free(d);
}

/* Sends the queued DEALLOCATEs. A failure is only logged: at worst the
 * statements live until the connection closes. */
static void flush_pending(struct pg_db *d)
{
	struct buf sql = BUF_INIT;
	char name[32];

	for (size_t i = 0; i < d->npending; i++) {
		stmt_name(d->pending[i], name, sizeof(name));
		if (buf_addf(&sql, "DEALLOCATE %s;", name) < 0)
			break;
	}
	d->npending = 0;
	if (run(&d->base, buf_str(&sql)) != DB_OK)
		log_warn("db: PostgreSQL DEALLOCATE failed: %s", d->base.err);
	buf_release(&sql);
}

/* Opens a lost connection again, unless a transaction was open on it: its
 * work is gone and only a rollback may go on. 0 when the connection can be
 * used, -1 with the reason recorded. */
static int reconnect(struct pg_db *d, int rolling_back)
{
	if (d->last_ts != PQTRANS_IDLE && !rolling_back) {
		db_set_err(&d->base, "the PostgreSQL connection was lost during a transaction, "
		                     "which is rolled back: call db_rollback");
		return -1;
	}
	PQreset(d->conn);
	d->gen++;
	d->npending = 0; /* the server dropped them */
	d->last_ts = PQTRANS_IDLE;
	if (PQstatus(d->conn) == CONNECTION_OK)
		return 0;
	(void)fail(&d->base, NULL);
	return -1;
}

/* Called before a command that may start work on the server. */
static int conn_ready(struct pg_db *d)
{
	if (PQstatus(d->conn) != CONNECTION_OK)
		return reconnect(d, 0);
	if (d->npending > 0 && d->last_ts != PQTRANS_INERROR)
		flush_pending(d);
	return 0;
}

/* db_commit passes "COMMIT". PostgreSQL only warns when no transaction is
 * open, and answers a transaction that had an error with a rollback: both
 * are errors here, as in SQLite. */
static enum db_rc commit(struct db *db)
{
	PGTransactionStatusType ts;
	enum db_rc rc;

	if (conn_ready(pdb(db)) < 0)
		return DB_ERROR;
	ts = PQtransactionStatus(pdb(db)->conn);
	if (ts == PQTRANS_IDLE) {
		db_set_err(db, "cannot commit - no transaction is active");
		return DB_ERROR;
	}
	rc = run(db, "COMMIT");
	if (rc == DB_OK && ts == PQTRANS_INERROR) {
		db_set_err(db, "the transaction was rolled back: a statement in it had failed");
		return DB_ERROR;
	}
	return rc;
}

/* db_rollback passes "ROLLBACK". With no transaction open (a failed
 * COMMIT ends it on PostgreSQL) or a lost connection (the server rolled
 * back), there is nothing to send. */
static enum db_rc rollback(struct db *db)
{
	struct pg_db *d = pdb(db);

	if (PQstatus(d->conn) != CONNECTION_OK)
		return reconnect(d, 1) < 0 ? DB_ERROR : DB_OK;
	if (PQtransactionStatus(d->conn) == PQTRANS_IDLE)
		return DB_OK;
	return run(db, "ROLLBACK");
}

/* A lost connection counts as inside the transaction it was in (last_ts)
 * until rollback() opens it again: the caller has not yet been told that
 * its work is gone. */
static int pg_in_transaction(struct db *db)
{
	struct pg_db *d = pdb(db);

	if (PQstatus(d->conn) != CONNECTION_OK)
		return d->last_ts != PQTRANS_IDLE;
	return PQtransactionStatus(d->conn) != PQTRANS_IDLE;
}

/* Tests only (fault.h): an injected fault inside a transaction aborts it
 * on the server, as any failed statement does on PostgreSQL: every later
 * command fails until ROLLBACK, and COMMIT rolls back. */
static void pg_fail_transaction(struct db *db)
{
	struct pg_db *d = pdb(db);

	if (PQstatus(d->conn) != CONNECTION_OK || PQtransactionStatus(d->conn) != PQTRANS_INTRANS)
		return;
	(void)run(db, "DO $$BEGIN RAISE EXCEPTION 'injected fault'; END$$");
}

static enum db_rc pg_exec(struct db *db, const char *sql)
{
	if (strcmp(sql, "COMMIT") == 0)
		return commit(db);
	if (strcmp(sql, "ROLLBACK") == 0)
		return rollback(db);
	if (conn_ready(pdb(db)) < 0)
		return DB_ERROR;
	return run(db, sql);
}

/* ---- scanning the SQL text ---- */

struct scan {
	const char *s;
	size_t i;
	int max;   /* highest $N seen */
	int seen;  /* a statement has begun */
	int ended; /* and a ';' ended it */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

static int is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* Length of a -- comment or a (nested) block comment starting at p. */
static size_t comment_len(const char *p)
{
	size_t i = 2;
	int depth = 1;

	if (p[0] == '-')
		return strcspn(p, "\n");
	while (p[i] != '\0' && depth > 0) {
		if (p[i] == '/' && p[i + 1] == '*')
			depth++;
		else if (p[i] == '*' && p[i + 1] == '/')
			depth--;
		else {
			i++;
			continue;
		}
		i += 2;
	}
	return i;
}

/* Length of a quoted string or identifier starting at p (quote doubled
 * inside; backslash escapes too in an E'...' string). */
static size_t quoted_len(const char *p, int backslashes)
{
	size_t i = 1;

	while (p[i] != '\0') {
		if (backslashes && p[i] == '\\' && p[i + 1] != '\0')
			i += 2;
		else if (p[i] == p[0] && p[i + 1] == p[0])
			i += 2;
		else if (p[i] == p[0])
			return i + 1;
		else
			i++;
	}
	return i;
}

/* Length of a $tag$...$tag$ string at p, or 0 when p starts none. */
static size_t dollar_quoted_len(const char *p)
{
	size_t tag = 1;
	const char *close;
	char *delim;
	size_t n;

	if (p[1] != '$' && !is_ident_start(p[1]))
		return 0;
	while (p[tag] != '$' && p[tag] != '\0' && is_ident(p[tag]))
		tag++;
	if (p[tag] != '$')
		return 0;
	delim = xstrndup(p, tag + 1);
	close = strstr(p + tag + 1, delim);
	n = close ? (size_t)(close - p) + tag + 1 : strlen(p);
	free(delim);
	return n;
}

static int bad_param(struct db *db, const char *p, size_t n)
{
	db_set_err(db, "parameter %.*s: write parameters as $1, $2, ...", (int)n, p);
	return -1;
}

/* A parameter $N at p: notes N. */
static int scan_param(struct db *db, struct scan *sc, const char *p)
{
	size_t n = strspn(p + 1, "0123456789");
	int64_t v = 0;

	sc->i += n + 1;
	if (p[1] == '0')
		return bad_param(db, p, n + 1);
	if (parse_int64_n(p + 1, n, 1, MAX_PARAMS, &v) < 0) {
		db_set_err(db, "parameter %.*s: at most %d parameters", (int)n + 1, p, MAX_PARAMS);
		return -1;
	}
	if ((int)v > sc->max)
		sc->max = (int)v;
	return 0;
}

/* '$' at p: a parameter, a dollar-quoted string or part of a name. */
static int scan_dollar(struct db *db, struct scan *sc, const char *p)
{
	size_t n;

	if (sc->i > 0 && is_ident(p[-1])) {
		sc->i++;
		return 0;
	}
	if (p[1] >= '0' && p[1] <= '9')
		return scan_param(db, sc, p);
	n = dollar_quoted_len(p);
	sc->i += n > 0 ? n : 1;
	return 0;
}

/* One token of the statement proper at p (not space, comment or ';'). */
static int scan_token(struct db *db, struct scan *sc, const char *p)
{
	int escape = sc->i > 0 && (p[-1] == 'E' || p[-1] == 'e') && (sc->i < 2 || !is_ident(p[-2]));

	switch (p[0]) {
	case '\'':
	case '"':
		sc->i += quoted_len(p, p[0] == '\'' && escape);
		return 0;
	case '$':
		return scan_dollar(db, sc, p);
	case '?':
		return bad_param(db, p, 1);
	case ':':
		if (p[1] == ':') {
			sc->i += 2;
			return 0;
		}
		if (is_ident_start(p[1]))
			return bad_param(db, p,
			                 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_"
			                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
		break;
	default:
		break;
	}
	sc->i++;
	return 0;
}

static int one_statement(struct db *db)
{
	db_set_err(db, "db_prepare takes exactly one statement");
	return -1;
}

/* Checks sql is one statement with portable parameters; sets *nparams to
 * its highest $N. */
static int scan_sql(struct db *db, const char *sql, int *nparams)
{
	struct scan sc = {.s = sql};

	while (sql[sc.i] != '\0') {
		const char *p = sql + sc.i;
		if (is_space(*p)) {
			sc.i++;
		} else if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) {
			sc.i += comment_len(p);
		} else if (*p == ';') {
			sc.ended = sc.seen;
			sc.i++;
		} else if (sc.ended) {
			return one_statement(db);
		} else {
			sc.seen = 1;
			if (scan_token(db, &sc, p) < 0)
				return -1;
		}
	}
	if (!sc.seen)
		return one_statement(db);
	*nparams = sc.max;
	return 0;
}

/* ---- statements ---- */

static struct db_stmt *pg_prepare(struct db *db, const char *sql)
{
	struct pg_db *d = pdb(db);
	struct pg_stmt *st;
	PGresult *res;
	char name[32];
	int nparams = 0;
	enum db_rc rc;

	if (scan_sql(db, sql, &nparams) < 0 || conn_ready(d) < 0)
		return NULL;
	stmt_name(d->next_id, name, sizeof(name));
	res = PQprepare(d->conn, name, sql, 0, NULL);
	rc = check(db, res);
	PQclear(res);
	note_status(d);
	if (rc != DB_OK)
		return NULL;
	st = xcalloc(1, sizeof(*st));
	st->base.db = db;
	st->id = d->next_id++;
	st->gen = d->gen;
	st->nparams = nparams;
	st->values = xcalloc(nparams > 0 ? (size_t)nparams : 1, sizeof(*st->values));
	return &st->base;
}

/* Binding is allowed before the first step or after the last row. */
static int can_bind(struct db_stmt *st, int idx)
{
	if (idx > pst(st)->nparams) {
		db_set_err(st->db, "the statement has no parameter $%d", idx);
		return 0;
	}
	if (pst(st)->res != NULL) {
		db_set_err(st->db, "binding $%d while the statement runs: call db_reset first",
		           idx);
		return 0;
	}
	return 1;
}

static void set_value(struct db_stmt *st, int idx, char *v)
{
	free(pst(st)->values[idx - 1]);
	pst(st)->values[idx - 1] = v;
}

static enum db_rc pg_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	char text[24];

	if (!can_bind(st, idx))
		return DB_ERROR;
	db_fmt(text, sizeof(text), "%lld", (long long)v);
	set_value(st, idx, xstrdup(text));
	return DB_OK;
}

static enum db_rc pg_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (!can_bind(st, idx))
		return DB_ERROR;
	set_value(st, idx, xstrdup(s));
	return DB_OK;
}

static enum db_rc pg_bind_null(struct db_stmt *st, int idx)
{
	if (!can_bind(st, idx))
		return DB_ERROR;
	set_value(st, idx, NULL);
	return DB_OK;
}

/* Rows an INSERT, UPDATE, DELETE or MERGE changed; 0 for other commands
 * (PQcmdTuples also counts the rows of a SELECT). */
static int64_t changed_rows(PGresult *res)
{
	static const char *const verbs[] = {"INSERT ", "UPDATE ", "DELETE ", "MERGE "};
	const char *status = PQcmdStatus(res);
	int64_t n = 0;

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strncmp(status, verbs[i], strlen(verbs[i])) == 0) {
			if (parse_int64(PQcmdTuples(res), 0, INT64_MAX, &n) < 0)
				n = 0;
			break;
		}
	}
	return n;
}

/* Moves to the next row of the current run; at the end, the run is over. */
static enum db_rc next_row(struct pg_stmt *s)
{
	if (++s->row < PQntuples(s->res))
		return DB_ROW;
	PQclear(s->res);
	s->res = NULL;
	s->base.changes = s->changes;
	return DB_OK;
}

/* Executes the statement with its bound values. */
static enum db_rc execute(struct pg_stmt *s)
{
	struct pg_db *d = pdb(s->base.db);
	char name[32];
	PGresult *res;
	enum db_rc rc;

	stmt_name(s->id, name, sizeof(name));
	res = PQexecPrepared(d->conn, name, s->nparams, (const char *const *)s->values, NULL, NULL,
	                     0);
	note_status(d);
	rc = check(s->base.db, res);
	if (rc != DB_OK) {
		PQclear(res);
		return rc;
	}
	s->changes = changed_rows(res);
	s->res = res;
	s->row = -1;
	return next_row(s);
}

/* After the last row (DB_OK), a step runs the statement again, as in
 * SQLite. */
static enum db_rc pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = pst(st);

	return s->res == NULL ? execute(s) : next_row(s);
}

static int pg_col_count(struct db_stmt *st)
{
	return pst(st)->res ? PQnfields(pst(st)->res) : 0;
}

static int pg_col_is_null(struct db_stmt *st, int col)
{
	return PQgetisnull(pst(st)->res, pst(st)->row, col);
}

static int is_bool(struct db_stmt *st, int col)
{
	return PQftype(pst(st)->res, col) == BOOL_OID;
}

/* As SQLite reads text as an integer: the leading integer ("2.5" is 2,
 * "abc" is 0); true and false are 1 and 0. */
static int64_t pg_col_int(struct db_stmt *st, int col)
{
	const char *v = PQgetvalue(pst(st)->res, pst(st)->row, col);
	size_t n = strspn(v + (v[0] == '-'), "0123456789") + (v[0] == '-');
	int64_t i = 0;

	if (is_bool(st, col))
		return v[0] == 't';
	if (parse_int64_n(v, n, INT64_MIN, INT64_MAX, &i) < 0)
		return 0;
	return i;
}

static const char *pg_col_text(struct db_stmt *st, int col)
{
	const char *v;

	if (PQgetisnull(pst(st)->res, pst(st)->row, col))
		return NULL;
	v = PQgetvalue(pst(st)->res, pst(st)->row, col);
	if (is_bool(st, col))
		return v[0] == 't' ? "1" : "0";
	return v;
}

static void clear_run(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->changes = 0;
}

static enum db_rc pg_reset(struct db_stmt *st)
{
	struct pg_stmt *s = pst(st);

	clear_run(s);
	for (int i = 0; i < s->nparams; i++) {
		free(s->values[i]);
		s->values[i] = NULL;
	}
	return DB_OK;
}

/* Sends DEALLOCATE now, or queues it while the transaction is aborted. */
static void deallocate(struct pg_db *d, uint64_t id)
{
	char sql[48];

	if (PQtransactionStatus(d->conn) == PQTRANS_INERROR) {
		if (d->npending == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 8;
			d->pending = xrealloc(d->pending, d->cap * sizeof(*d->pending));
		}
		d->pending[d->npending++] = id;
		return;
	}
	db_fmt(sql, sizeof(sql), "DEALLOCATE k%llu", (unsigned long long)id);
	if (run(&d->base, sql) != DB_OK)
		log_warn("db: PostgreSQL %s failed: %s", sql, d->base.err);
}

static void pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = pst(st);
	struct pg_db *d = pdb(st->db);

	(void)pg_reset(st);
	/* A statement of a lost connection died with it. */
	if (s->gen == d->gen && PQstatus(d->conn) == CONNECTION_OK)
		deallocate(d, s->id);
	free(s->values);
	free(s);
}

/* ---- backups: pg_dump and pg_restore ---- */

/* pg_restore's text of schema_migrations is a few kilobytes. */
#define TOOL_OUTPUT_MAX (16 << 20)

/* The environment of pg_dump and pg_restore, NULL-terminated, owned. */
struct tool_env {
	char **vars;
	size_t n, cap;
};

static void env_add(struct tool_env *e, char *var)
{
	if (e->n + 2 > e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->vars = xrealloc(e->vars, e->cap * sizeof(*e->vars));
	}
	e->vars[e->n++] = var;
	e->vars[e->n] = NULL;
}

/* Frees the variables, wiping them first: one holds the password. */
static void env_free(struct tool_env *e)
{
	for (size_t i = 0; i < e->n; i++) {
		explicit_bzero(e->vars[i], strlen(e->vars[i]));
		free(e->vars[i]);
	}
	free(e->vars);
}

static char *joined(const char *a, const char *b, const char *c)
{
	struct buf out = BUF_INIT;

	/* A buffer without a maximum only fails by aborting (xalloc). */
	(void)buf_adds(&out, a);
	(void)buf_adds(&out, b);
	(void)buf_adds(&out, c);
	return buf_detach(&out, NULL);
}

/* Settings passed on to the tools: not our session options (their
 * statement timeout would cut a long dump short), not our application
 * name, not the database, which goes on the command line. */
static int passed_on(const PQconninfoOption *o)
{
	static const char *const skip[] = {"options", "application_name",
	                                   "fallback_application_name", "dbname"};

	if (o->val == NULL || o->val[0] == '\0' || o->envvar == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(o->keyword, skip[i]) == 0)
			return 0;
	return 1;
}

/* Our environment without libpq's PG* variables, plus the connection's
 * settings as those variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
 * PGSSLMODE...): a password is never on a command line, where ps shows
 * it. /proc/PID/environ is readable by the same user and root only. */
static int tool_env(PGconn *c, struct tool_env *e)
{
	PQconninfoOption *opts = PQconninfo(c);

	if (opts == NULL)
		return -1;
	for (char **v = environ; *v != NULL; v++)
		if (strncmp(*v, "PG", 2) != 0)
			env_add(e, xstrdup(*v));
	for (const PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (passed_on(o))
			env_add(e, joined(o->envvar, "=", o->val));
	env_add(e, xstrdup("PGAPPNAME=kafaat-backup"));
	PQconninfoFree(opts);
	return 0;
}

/* "--dbname=dbname='NAME'": the connection's database, quoted as libpq
 * reads a connection string, so no name is taken for one. */
static char *dbname_arg(PGconn *c)
{
	struct buf out = BUF_INIT;

	(void)buf_adds(&out, "--dbname=dbname='");
	for (const char *p = PQdb(c); *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\')
			(void)buf_addc(&out, '\\');
		(void)buf_addc(&out, *p);
	}
	(void)buf_addc(&out, '\'');
	return buf_detach(&out, NULL);
}

/* Runs pg_dump or pg_restore connected as db is. */
static int run_connected(struct db *db, const char *const argv[], char *err, size_t errlen)
{
	struct tool_env e = {0};
	int rc;

	if (tool_env(pdb(db)->conn, &e) < 0) {
		db_fmt(err, errlen, "cannot read the connection's settings: out of memory");
		return -1;
	}
	rc = db_run_tool(argv, (const char *const *)e.vars, NULL, err, errlen);
	env_free(&e);
	return rc;
}

static int pg_backup_to(struct db *db, const char *path, char *err, size_t errlen)
{
	char *dbname = dbname_arg(pdb(db)->conn);
	char *file = joined("--file=", path, "");
	const char *const argv[] = {"pg_dump",
	                            "--format=custom",
	                            "--no-password",
	                            "--lock-wait-timeout=60s",
	                            dbname,
	                            file,
	                            NULL};
	int rc = run_connected(db, argv, err, errlen);

	free(dbname);
	free(file);
	return rc;
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : NULL;
}

/* The highest version in pg_restore's text of schema_migrations:
 *   COPY public.schema_migrations (version, name, applied_at) FROM stdin;
 *   1<TAB>reference<TAB>2026-11-29T10:00:00Z
 *   \.
 * 0 when the table or its rows are missing. */
static int dump_version(const char *text)
{
	const char *p = strstr(text, ".schema_migrations (version, ");
	int64_t v, max = 0;

	for (p = p ? next_line(p) : NULL; p != NULL && strncmp(p, "\\.", 2) != 0;
	     p = next_line(p)) {
		size_t n = strspn(p, "0123456789");
		if (n > 0 && parse_int64_n(p, n, 1, INT_MAX, &v) == 0 && v > max)
			max = v;
	}
	return (int)max;
}

/* pg_restore reads the archive's table of contents and prints the data of
 * schema_migrations; it needs no connection. */
static int pg_check_backup(struct db *db, const char *path, int *version, char *err, size_t errlen)
{
	const char *const argv[] = {"pg_restore", "--data-only", "--table=schema_migrations",
	                            "--file=-",   "--",          path,
	                            NULL};
	struct buf out;
	int ret = -1;

	(void)db;
	buf_init(&out, TOOL_OUTPUT_MAX);
	if (db_run_tool(argv, (const char *const *)environ, &out, err, errlen) < 0)
		goto out;
	*version = dump_version(buf_str(&out));
	if (*version == 0) {
		db_fmt(err, errlen, "%s is not a Kafaat backup: it holds no schema_migrations rows",
		       path);
		goto out;
	}
	ret = 0;
out:
	buf_release(&out);
	return ret;
}

/* One transaction: the database is restored whole, or left as it was. */
static int pg_restore_from(struct db *db, const char *path, char *err, size_t errlen)
{
	char *dbname = dbname_arg(pdb(db)->conn);
	const char *const argv[] = {
	        "pg_restore",    "--clean", "--if-exists", "--no-owner", "--single-transaction",
	        "--no-password", dbname,    "--",          path,         NULL};
	int rc = run_connected(db, argv, err, errlen);

	free(dbname);
	return rc;
}

const struct db_backend db_backend_postgres = {
        .engine = DB_POSTGRES,
        /* READ COMMITTED, the server's default. */
        .begin_sql = "BEGIN",
        .open = pg_open,
        .close = pg_close,
        .exec = pg_exec,
        .in_transaction = pg_in_transaction,
        .prepare = pg_prepare,
        .bind_int = pg_bind_int,
        .bind_text = pg_bind_text,
        .bind_null = pg_bind_null,
        .step = pg_step,
        .col_count = pg_col_count,
        .col_is_null = pg_col_is_null,
        .col_int = pg_col_int,
        .col_text = pg_col_text,
        .reset = pg_reset,
        .finalize = pg_finalize,
        .backup_to = pg_backup_to,
        .check_backup = pg_check_backup,
        .restore_from = pg_restore_from,
        .count_tables_sql = "SELECT COUNT(*) FROM information_schema.tables "
                            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                            "AND (CAST($1 AS TEXT) = '' "
                            "OR CAST(table_name AS TEXT) = CAST($1 AS TEXT))",
        .fail_transaction = pg_fail_transaction,
};
