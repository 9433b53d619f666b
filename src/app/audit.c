/* audit: the append-only, hash-chained audit log (contract in audit.h).
 *
 * How a row's hash is made — what an auditor needs to re-check the chain
 * without this code:
 *
 *   hash = SHA-256(S), written as 64 lowercase hexadecimal characters, where
 *   S is the concatenation of nine fields in this fixed order:
 *
 *       prev_hash, seq, at, actor_id, action, target_type, target_id, ip,
 *       details
 *
 *   each written as its length in bytes (decimal, no leading zeros), a ':'
 *   and then its bytes, with nothing between fields. Text fields are the
 *   column's bytes as stored (UTF-8; "" when empty). seq and actor_id are
 *   written in decimal; a NULL actor_id (nobody signed in, or the system)
 *   is written as "0". at is the stored text, e.g. "2026-11-29T10:00:00Z".
 *   prev_hash is the previous row's hash, or 64 '0' characters for row 1.
 *
 *   Example: row 1 at 2026-11-29T10:00:00Z, no actor, action "signin",
 *   target user 42, ip 192.0.2.1, no details:
 *
 *       S = "64:" + 64 * "0" + "1:1" + "20:2026-11-29T10:00:00Z" + "1:0"
 *           + "6:signin" + "4:user" + "2:42" + "9:192.0.2.1" + "0:"
 *       hash = b56bf195596319c25a491dbf9a14bfe927fcf34aae6cc042016fc857b827e845
 *
 *   (tests/unit/test_audit.c checks this value.)
 *
 * The chain holds when rows are numbered 1, 2, 3, … without a gap, each
 * prev_hash equals the previous row's hash and each hash matches its row.
 * What a bare hash chain cannot show: rows removed from the end, or every
 * hash rewritten from an altered row onwards by someone who can write the
 * table. Against those, keep the last hash (`kafaat audit verify` prints
 * it) somewhere the database's writers cannot reach, and compare.
 */
#include "app/audit.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app/clock.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/utf8.h"
#include "db/db.h"

#define AUDIT_HASH_LEN 64
#define AUDIT_ACTION_MAX 64
#define AUDIT_TARGET_TYPE_MAX 64
#define AUDIT_TARGET_ID_MAX 128
#define AUDIT_IP_MAX 64
#define AUDIT_DETAILS_MAX 4096

static const char zero_hash[AUDIT_HASH_LEN + 1] =
        "0000000000000000000000000000000000000000000000000000000000000000";

/* One row as it is hashed. */
struct audit_row {
	int64_t seq;
	const char *at;
	const char *prev_hash;
	struct audit_entry e;
};

/* ---- canonical serialisation and hash ---- */

static int add_field(struct buf *b, const char *s, size_t n)
{
	if (buf_addf(b, "%zu:", n) < 0)
		return -1;
	return buf_add(b, s, n);
}

static int add_text(struct buf *b, const char *s)
{
	if (s == NULL)
		s = "";
	return add_field(b, s, strlen(s));
}

static int add_int(struct buf *b, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	if (n < 0 || (size_t)n >= sizeof(num))
		return -1;
	return add_field(b, num, (size_t)n);
}

/* Replaces b's content with the row's serialisation S (see the top). */
static int audit_serialise(struct buf *b, const struct audit_row *r)
{
	buf_reset(b);
	if (add_text(b, r->prev_hash) < 0 || add_int(b, r->seq) < 0 || add_text(b, r->at) < 0 ||
	    add_int(b, r->e.actor_id) < 0 || add_text(b, r->e.action) < 0 ||
	    add_text(b, r->e.target_type) < 0 || add_text(b, r->e.target_id) < 0 ||
	    add_text(b, r->e.ip) < 0 || add_text(b, r->e.details) < 0)
		return -1;
	return 0;
}

/* The row's hash in hex; b is scratch space. 0 or -1. */
static int audit_hash(struct buf *b, const struct audit_row *r, char out[AUDIT_HASH_LEN + 1])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	if (audit_serialise(b, r) < 0)
		return -1;
	if (crypto_hash_sha256(digest, (const unsigned char *)buf_str(b), b->len) != 0)
		return -1;
	sodium_bin2hex(out, AUDIT_HASH_LEN + 1, digest, sizeof(digest));
	return 0;
}

/* ---- validation ---- */

static int valid_action(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > AUDIT_ACTION_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] < 'a' || s[i] > 'z') && s[i] != '_')
			return 0;
	return 1;
}

static int valid_text(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n <= max && utf8_valid(s, n);
}

/* "" or a JSON object of at most AUDIT_DETAILS_MAX bytes. */
static int valid_details(const char *s)
{
	size_t n = strlen(s);
	json_error_t jerr;
	json_t *j;
	int ok;

	if (n == 0)
		return 1;
	if (n > AUDIT_DETAILS_MAX)
		return 0;
	j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	ok = json_is_object(j);
	json_decref(j);
	return ok;
}

/* Why e cannot be written, or NULL when it can (strings already non-NULL). */
static const char *audit_problem(const struct audit_entry *e)
{
	if (!valid_action(e->action))
		return "action must be 1 to 64 characters among a-z and _";
	if (e->actor_id < 0)
		return "actor_id is negative";
	if (!valid_text(e->target_type, AUDIT_TARGET_TYPE_MAX))
		return "target_type is longer than 64 bytes or not UTF-8";
	if (!valid_text(e->target_id, AUDIT_TARGET_ID_MAX))
		return "target_id is longer than 128 bytes or not UTF-8";
	if (!valid_text(e->ip, AUDIT_IP_MAX))
		return "ip is longer than 64 bytes or not UTF-8";
	if (!valid_details(e->details))
		return "details is not a JSON object of at most 4096 bytes";
	return NULL;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- append ---- */

/* The last row's seq and hash: 0 and the zero hash for an empty log. */
static int audit_last(struct db *db, int64_t *seq, char hash[AUDIT_HASH_LEN + 1])
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
	enum db_rc rc;
	int ret = -1;

	if (st == NULL)
		return -1;
	*seq = 0;
	memcpy(hash, zero_hash, sizeof(zero_hash));
	rc = db_step(st);
	if (rc == DB_ROW) {
		const char *h = or_empty(db_col_text(st, 1));
		*seq = db_col_int(st, 0);
		if (strlen(h) != AUDIT_HASH_LEN || *seq <= 0 || *seq == INT64_MAX) {
			log_error("audit: last row %" PRId64
			          " is malformed: run `kafaat audit verify`",
			          *seq);
			goto out;
		}
		memcpy(hash, h, AUDIT_HASH_LEN + 1);
	}
	ret = rc == DB_ROW || rc == DB_OK ? 0 : -1;
out:
	db_finalize(st);
	return ret;
}

static int bind_row(struct db_stmt *st, const struct audit_row *r, const char *hash)
{
	enum db_rc actor = r->e.actor_id ? db_bind_int(st, 3, r->e.actor_id) : db_bind_null(st, 3);

	if (actor != DB_OK || db_bind_int(st, 1, r->seq) != DB_OK ||
	    db_bind_text(st, 2, r->at) != DB_OK || db_bind_text(st, 4, r->e.action) != DB_OK ||
	    db_bind_text(st, 5, r->e.target_type) != DB_OK ||
	    db_bind_text(st, 6, r->e.target_id) != DB_OK || db_bind_text(st, 7, r->e.ip) != DB_OK ||
	    db_bind_text(st, 8, r->e.details) != DB_OK ||
	    db_bind_text(st, 9, r->prev_hash) != DB_OK || db_bind_text(st, 10, hash) != DB_OK)
		return -1;
	return 0;
}

/* DB_OK, DB_CONSTRAINT when another transaction took this seq, or an error. */
static enum db_rc audit_insert(struct db *db, const struct audit_row *r, const char *hash)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO audit_log (seq, at, actor_id, action, "
	                                    "target_type, target_id, ip, details, prev_hash, hash) "
	                                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
	enum db_rc rc = DB_ERROR;

	if (st == NULL)
		return DB_ERROR;
	if (bind_row(st, r, hash) == 0)
		rc = db_step(st);
	db_finalize(st);
	return rc;
}

/* Reads the last row, chains the new one to it and inserts it. */
static enum db_rc append_once(struct db *db, struct audit_row *r, int64_t now,
                              char at[ISO_TIME_LEN + 1], char prev[AUDIT_HASH_LEN + 1],
                              char hash[AUDIT_HASH_LEN + 1])
{
	struct buf b = BUF_INIT;
	enum db_rc rc = DB_ERROR;

	if (audit_last(db, &r->seq, prev) < 0)
		return DB_ERROR;
	r->seq++;
	iso_time(now, at);
	if (audit_hash(&b, r, hash) == 0)
		rc = audit_insert(db, r, hash);
	buf_release(&b);
	return rc;
}

int audit_append(struct db *db, int64_t now, const struct audit_entry *e)
{
	char at[ISO_TIME_LEN + 1], prev[AUDIT_HASH_LEN + 1], hash[AUDIT_HASH_LEN + 1];
	struct audit_row r = {0, at, prev, {0}};
	const char *problem;

	r.e.actor_id = e->actor_id;
	r.e.action = or_empty(e->action);
	r.e.target_type = or_empty(e->target_type);
	r.e.target_id = or_empty(e->target_id);
	r.e.ip = or_empty(e->ip);
	r.e.details = or_empty(e->details);
	problem = audit_problem(&r.e);
	if (problem) {
		log_error("audit: entry refused: %s", problem);
		return -1;
	}
	if (sodium_init() < 0)
		return -1;
	/* Two transactions may read the same last row; the second insert then
	 * meets the first's seq (on PostgreSQL it waits for the first to
	 * commit). It is undone to a savepoint and chained again to the new
	 * last row: the chain never forks and the caller's transaction goes on. */
	for (int tries = 0; tries < 16; tries++) {
		enum db_rc rc;
		if (db_exec(db, "SAVEPOINT kafaat_audit") != DB_OK)
			return -1;
		rc = append_once(db, &r, now, at, prev, hash);
		if (rc == DB_OK)
			return db_exec(db, "RELEASE SAVEPOINT kafaat_audit") == DB_OK ? 0 : -1;
		if (db_exec(db, "ROLLBACK TO SAVEPOINT kafaat_audit") != DB_OK ||
		    db_exec(db, "RELEASE SAVEPOINT kafaat_audit") != DB_OK || rc != DB_CONSTRAINT)
			return -1;
	}
	log_error("audit: could not chain a row after 16 tries");
	return -1;
}

/* ---- verify ---- */

/* Where a walk along the chain stands. */
struct audit_walk {
	int64_t seq;                   /* last row checked; 0 before the first */
	char hash[AUDIT_HASH_LEN + 1]; /* its hash; the zero hash before the first */
	struct buf scratch;            /* serialisation, reused from row to row */
	char *err;
	size_t errlen;
};

static void walk_fail(struct audit_walk *w, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void walk_fail(struct audit_walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->err == NULL || w->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(w->err, w->errlen, fmt, ap);
	va_end(ap);
}

/* Reads the current row of the verify query into r and its stored hash. */
static void row_read(struct db_stmt *st, struct audit_row *r, const char **hash)
{
	r->seq = db_col_int(st, 0);
	r->at = or_empty(db_col_text(st, 1));
	r->e.actor_id = db_col_is_null(st, 2) ? 0 : db_col_int(st, 2);
	r->e.action = or_empty(db_col_text(st, 3));
	r->e.target_type = or_empty(db_col_text(st, 4));
	r->e.target_id = or_empty(db_col_text(st, 5));
	r->e.ip = or_empty(db_col_text(st, 6));
	r->e.details = or_empty(db_col_text(st, 7));
	r->prev_hash = or_empty(db_col_text(st, 8));
	*hash = or_empty(db_col_text(st, 9));
}

/* Checks that r follows the row before it: its number, then its link. */
static int walk_link(struct audit_walk *w, const struct audit_row *r)
{
	if (r->seq != w->seq + 1 && w->seq == 0) {
		walk_fail(w,
		          "row %" PRId64 ": the log starts here, not at row 1 (rows were removed?)",
		          r->seq);
		return -1;
	}
	if (r->seq != w->seq + 1) {
		walk_fail(w,
		          "row %" PRId64 ": does not follow row %" PRId64 " (a row was removed?)",
		          r->seq, w->seq);
		return -1;
	}
	if (strcmp(r->prev_hash, w->hash) == 0)
		return 0;
	if (w->seq == 0)
		walk_fail(w, "row 1: prev_hash is not 64 zeros");
	else
		walk_fail(w, "row %" PRId64 ": prev_hash does not match row %" PRId64, r->seq,
		          w->seq);
	return -1;
}

/* Checks the current row of st; 0, or -1 with the reason written. */
static int walk_row(struct audit_walk *w, struct db_stmt *st)
{
	struct audit_row r;
	char computed[AUDIT_HASH_LEN + 1];
	const char *stored;

	row_read(st, &r, &stored);
	if (walk_link(w, &r) < 0)
		return -1;
	if (audit_hash(&w->scratch, &r, computed) < 0) {
		walk_fail(w, "row %" PRId64 ": cannot compute its hash", r.seq);
		return -1;
	}
	if (strcmp(stored, computed) != 0) {
		walk_fail(w, "row %" PRId64 ": hash does not match its contents (altered?)", r.seq);
		return -1;
	}
	w->seq = r.seq;
	memcpy(w->hash, computed, sizeof(computed));
	return 0;
}

int64_t audit_verify(struct db *db, int64_t *bad_seq, char *err, size_t errlen)
{
	struct audit_walk w = {0, {0}, BUF_INIT, err, errlen};
	struct db_stmt *st = NULL;
	enum db_rc rc = DB_ERROR;
	int64_t ret = -1;

	*bad_seq = 0;
	walk_fail(&w, "%s", "");
	memcpy(w.hash, zero_hash, sizeof(zero_hash));
	if (sodium_init() < 0) {
		walk_fail(&w, "cannot initialise libsodium");
		goto out;
	}
	st = db_prepare(db,
	                "SELECT seq, at, actor_id, action, target_type, target_id, ip, details, "
	                "prev_hash, hash FROM audit_log ORDER BY seq");
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		if (walk_row(&w, st) < 0) {
			*bad_seq = db_col_int(st, 0);
			goto out;
		}
	}
	if (st == NULL || rc != DB_OK) {
		walk_fail(&w, "cannot read the audit log: %s", db_errmsg(db));
		goto out;
	}
	ret = w.seq;
out:
	db_finalize(st);
	buf_release(&w.scratch);
	return ret;
}
