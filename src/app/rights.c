/* rights: "download all my data" and account erasure (see rights.h).
 * Sections: the catalogue; the rows about a person (export); erasure; the
 * ZIP writer; the pages. */
#include "app/rights.h"
#include "app/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/consultation_rights.h"
#include "app/events.h"
#include "app/files.h"
#include "app/projects.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/profile.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/tsv.h"
#include "core/xalloc.h"
#include "sec/password.h"
#include "sec/token.h"

#define ERASED_MARKER "erased-user"
#define WITHHELD "withheld"
#define MAX_FINDERS 8 /* finder columns in one table */
#define EXPORT_FORMAT "kafaat-export-1"

/* ---- The catalogue ------------------------------------------------------- */

static const char *const kind_names[PD_KIND_COUNT] = {"identifier",  "contact",         "profile",
                                                      "technical",   "actor-technical", "secret",
                                                      "secret-hash", "not-personal"};
static const char *const erasure_names[PD_ERASURE_COUNT] = {"delete", "anonymise", "keep-anonymous",
                                                            "retain"};
static const char *const finder_names[PD_FINDER_COUNT] = {"-", "user", "email", "signin_subject"};

const char *pd_kind_name(enum pd_kind k)
{
	return (unsigned)k < PD_KIND_COUNT ? kind_names[k] : "?";
}

const char *pd_erasure_name(enum pd_erasure e)
{
	return (unsigned)e < PD_ERASURE_COUNT ? erasure_names[e] : "?";
}

const char *pd_finder_name(enum pd_finder f)
{
	return (unsigned)f < PD_FINDER_COUNT ? finder_names[f] : "?";
}

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* A lowercase SQL identifier: [a-z_][a-z0-9_]*, shorter than 64. */
static int sql_ident(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 64 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

struct loader {
	struct pd_catalogue *c;
	size_t cap;
	const char *path;
};

static int row_error(char *err, size_t errlen, const char *path, int line, const char *why,
                     const char *what)
{
	snprintf(err, errlen, "%s:%d: %s \"%s\"", path, line, why, what);
	return -1;
}

static int on_row(void *ud, char **f, int line, char *err, size_t errlen)
{
	struct loader *ld = ud;
	struct pd_column col = {0};
	int kind = name_index(kind_names, PD_KIND_COUNT, f[2]);
	int erasure = name_index(erasure_names, PD_ERASURE_COUNT, f[3]);
	int finder = name_index(finder_names, PD_FINDER_COUNT, f[4]);

	if (!sql_ident(f[0]) || !sql_ident(f[1]))
		return row_error(err, errlen, ld->path, line, "not a table and column name", f[1]);
	if (kind < 0)
		return row_error(err, errlen, ld->path, line, "unknown kind", f[2]);
	if (erasure < 0)
		return row_error(err, errlen, ld->path, line, "unknown erasure", f[3]);
	if (finder < 0)
		return row_error(err, errlen, ld->path, line, "unknown finder", f[4]);
	col.kind = (enum pd_kind)kind;
	col.erasure = (enum pd_erasure)erasure;
	col.finder = (enum pd_finder)finder;
	snprintf(col.table, sizeof(col.table), "%s", f[0]);
	snprintf(col.column, sizeof(col.column), "%s", f[1]);
	if (ld->c->count == ld->cap) {
		ld->cap = ld->cap ? ld->cap * 2 : 64;
		ld->c->cols = xrealloc(ld->c->cols, ld->cap * sizeof(*ld->c->cols));
	}
	ld->c->cols[ld->c->count++] = col;
	return 0;
}

/* Index of the first column of the table after the one starting at i. */
static size_t table_end(const struct pd_catalogue *c, size_t i)
{
	size_t j = i;

	while (j < c->count && strcmp(c->cols[j].table, c->cols[i].table) == 0)
		j++;
	return j;
}

/* One table's lines [i, end): each column once, a finder, anonymise only
 * where it has a meaning. NULL when fine, else why. */
static const char *table_problem(const struct pd_catalogue *c, size_t i, size_t end)
{
	int finders = 0;

	for (size_t k = i; k < end; k++) {
		const struct pd_column *col = &c->cols[k];
		for (size_t m = i; m < k; m++)
			if (strcmp(c->cols[m].column, col->column) == 0)
				return "column listed twice";
		if (col->erasure == PD_ANONYMISE &&
		    (col->finder != PD_FIND_NONE ||
		     (col->kind != PD_IDENTIFIER && col->kind != PD_CONTACT)))
			return "anonymise applies to identifiers and contacts that are not finders";
		finders += col->finder != PD_FIND_NONE;
	}
	if (finders == 0)
		return "no finder: rows about a person cannot be found";
	return finders > MAX_FINDERS ? "too many finders" : NULL;
}

static int check_catalogue(const struct pd_catalogue *c, const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->count; i = table_end(c, i)) {
		size_t end = table_end(c, i);
		const char *why = table_problem(c, i, end);
		for (size_t k = 0; !why && k < i; k++)
			if (strcmp(c->cols[k].table, c->cols[i].table) == 0)
				why = "lines of the table are not together";
		if (why) {
			snprintf(err, errlen, "%s: table %s: %s", path, c->cols[i].table, why);
			return -1;
		}
	}
	return 0;
}

int pd_catalogue_load(const char *path, struct pd_catalogue *c, char *err, size_t errlen)
{
	static const char *const cols[] = {"table", "column", "kind", "erasure", "finds"};
	struct loader ld = {c, 0, path};

	memset(c, 0, sizeof(*c));
	if (tsv_read(path, cols, 5, on_row, &ld, err, errlen) < 0 ||
	    check_catalogue(c, path, err, errlen) < 0) {
		pd_catalogue_release(c);
		return -1;
	}
	return 0;
}

void pd_catalogue_release(struct pd_catalogue *c)
{
	free(c->cols);
	c->cols = NULL;
	c->count = 0;
}

/* ---- Finding the rows about a person -------------------------------------- */

/* A statement being built: SQL text and its parameters ($1..$n). */
#define STMT_MAX_PARAMS (2 * MAX_FINDERS * PD_MAX_EMAILS + 8)

struct stmt {
	struct buf sql;
	const char *params[STMT_MAX_PARAMS];
	int n;
	int too_many; /* more parameters than params holds: not run */
	struct arena *a;
};

static void stmt_init(struct stmt *s, struct arena *a)
{
	buf_init(&s->sql, 0);
	s->n = 0;
	s->too_many = 0;
	s->a = a;
}

/* Appends "$k" bound to v. */
static void stmt_param(struct stmt *s, const char *v)
{
	if (s->n == STMT_MAX_PARAMS) {
		s->too_many = 1;
		return;
	}
	s->params[s->n++] = v;
	buf_addf(&s->sql, "$%d", s->n);
}

/* Escapes LIKE's wildcards (and the escape character) of s. */
static const char *like_escape(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	const char *out;

	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *s);
	}
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

/* "col" = one of the person's addresses. */
static void email_cond(struct stmt *s, const char *col, const struct pd_subject *subj)
{
	buf_adds(&s->sql, "(");
	for (size_t i = 0; i < subj->nemails; i++) {
		buf_addf(&s->sql, "%s\"%s\" = ", i ? " OR " : "", col);
		stmt_param(s, subj->emails[i]);
	}
	buf_adds(&s->sql, subj->nemails ? ")" : "0 = 1)");
}

/* Sign-in failures of one of the person's addresses (users.c subjects:
 * "acct:HASH" and "pair:HASH:IP", HASH the SHA-256 of the address). */
static void signin_cond(struct stmt *s, const char *col, const struct pd_subject *subj)
{
	char h[TOKEN_HASH_LEN + 1];

	buf_adds(&s->sql, "(");
	for (size_t i = 0; i < subj->nemails; i++) {
		token_hash(subj->emails[i], h);
		buf_addf(&s->sql, "%s\"%s\" = ", i ? " OR " : "", col);
		stmt_param(s, arena_printf(s->a, "acct:%s", h));
		buf_addf(&s->sql, " OR \"%s\" LIKE ", col);
		stmt_param(s, arena_printf(s->a, "pair:%s:%%", h));
	}
	buf_adds(&s->sql, subj->nemails ? ")" : "0 = 1)");
}

/* The condition of one finder column: "col" matches the subject. */
static void finder_cond(struct stmt *s, const struct pd_column *col, const struct pd_subject *subj)
{
	switch (col->finder) {
	case PD_FIND_USER:
		buf_addf(&s->sql, "\"%s\" = ", col->column);
		stmt_param(s, sql_int(s->a, subj->user_id));
		break;
	case PD_FIND_EMAIL:
		email_cond(s, col->column, subj);
		break;
	case PD_FIND_SIGNIN_SUBJECT:
		signin_cond(s, col->column, subj);
		break;
	case PD_FIND_NONE:
	case PD_FINDER_COUNT:
		buf_adds(&s->sql, "0 = 1");
		break;
	}
}

/* " WHERE f1 OR f2 …" over the finders of [i, end); only_delete: those
 * whose erasure is delete. Returns how many were used. */
static int where(struct stmt *s, const struct pd_catalogue *c, size_t i, size_t end,
                 const struct pd_subject *subj, int only_delete)
{
	int used = 0;

	for (size_t k = i; k < end; k++) {
		const struct pd_column *col = &c->cols[k];
		if (col->finder == PD_FIND_NONE || (only_delete && col->erasure != PD_DELETE))
			continue;
		buf_adds(&s->sql, used++ ? " OR " : " WHERE ");
		finder_cond(s, col, subj);
	}
	return used;
}

/* The table's first `user` finder: whose actor-technical data it holds. */
static const struct pd_column *actor_of(const struct pd_catalogue *c, size_t i, size_t end)
{
	for (size_t k = i; k < end; k++)
		if (c->cols[k].finder == PD_FIND_USER)
			return &c->cols[k];
	return NULL;
}

static int withheld(const struct pd_column *col)
{
	return col->kind == PD_SECRET || col->kind == PD_SECRET_HASH;
}

/* SELECT of the exported columns of table [i, end). */
static void select_sql(struct stmt *s, const struct pd_catalogue *c, size_t i, size_t end,
                       const struct pd_subject *subj)
{
	const struct pd_column *actor = actor_of(c, i, end);
	int first = 1;

	buf_adds(&s->sql, "SELECT ");
	for (size_t k = i; k < end; k++) {
		const struct pd_column *col = &c->cols[k];
		if (withheld(col))
			continue;
		buf_adds(&s->sql, first ? "" : ", ");
		first = 0;
		if (col->kind == PD_ACTOR_TECHNICAL && actor) {
			buf_addf(&s->sql, "CASE WHEN \"%s\" = ", actor->column);
			stmt_param(s, sql_int(s->a, subj->user_id));
			buf_addf(&s->sql, " THEN \"%s\" END", col->column);
		} else {
			buf_addf(&s->sql, "\"%s\"", col->column);
		}
	}
	if (first)
		buf_adds(&s->sql, "1");
	buf_addf(&s->sql, " FROM \"%s\"", c->cols[i].table);
	where(s, c, i, end, subj, 0);
}

static struct db_stmt *stmt_prepare(struct db *db, const struct stmt *s)
{
	struct db_stmt *st = s->too_many ? NULL : db_prepare(db, buf_str(&s->sql));

	for (int k = 0; st && k < s->n; k++) {
		if (db_bind_text(st, k + 1, s->params[k]) != DB_OK) {
			db_finalize(st);
			return NULL;
		}
	}
	if (!st)
		log_error("rights: %s",
		          s->too_many ? "a statement needs too many parameters" : db_errmsg(db));
	return st;
}

/* One result row as {column: text or null}, secrets "withheld". */
static json_t *row_json(struct db_stmt *st, const struct pd_catalogue *c, size_t i, size_t end)
{
	json_t *row = json_object();
	int col = 0;

	for (size_t k = i; k < end; k++) {
		const char *v = NULL;
		if (withheld(&c->cols[k])) {
			v = WITHHELD;
		} else {
			v = db_col_text(st, col);
			col++;
		}
		json_object_set_new(row, c->cols[k].column, v ? json_string(v) : json_null());
	}
	return row;
}

/* The rows of table [i, end) about subj, as an array; NULL on error. */
static json_t *table_rows(struct db *db, const struct pd_catalogue *c, size_t i, size_t end,
                          const struct pd_subject *subj)
{
	struct arena a = ARENA_INIT;
	struct stmt s;
	struct db_stmt *st;
	json_t *rows = json_array();
	enum db_rc rc = DB_ERROR;

	stmt_init(&s, &a);
	select_sql(&s, c, i, end, subj);
	st = stmt_prepare(db, &s);
	while (st && (rc = db_step(st)) == DB_ROW)
		json_array_append_new(rows, row_json(st, c, i, end));
	db_finalize(st);
	buf_release(&s.sql);
	arena_free(&a);
	if (rc != DB_OK) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

json_t *rights_rows(struct db *db, const struct pd_catalogue *c, const struct pd_subject *s)
{
	json_t *all = json_object();

	for (size_t i = 0; i < c->count; i = table_end(c, i)) {
		json_t *rows = table_rows(db, c, i, table_end(c, i), s);
		if (!rows) {
			json_decref(all);
			return NULL;
		}
		json_object_set_new(all, c->cols[i].table, rows);
	}
	return all;
}

/* ---- The person's addresses ---------------------------------------------- */

static int email_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("_%+-@", c) != NULL);
}

/* Does text name address by itself (not as part of a longer address)? */
static int names_address(const char *text, const char *address)
{
	size_t n = strlen(address);

	for (const char *p = strstr(text, address); p; p = strstr(p + 1, address)) {
		const char *after = p + n;
		int ends = !email_char(*after) && !(*after == '.' && email_char(after[1]));
		if ((p == text || (!email_char(p[-1]) && p[-1] != '.')) && ends)
			return 1;
	}
	return 0;
}

static void add_address(struct pd_subject *s, struct arena *a, const char *address)
{
	for (size_t i = 0; i < s->nemails; i++)
		if (strcmp(s->emails[i], address) == 0)
			return;
	if (s->nemails < PD_MAX_EMAILS)
		s->emails[s->nemails++] = arena_strdup(a, address);
}

/* Adds the addresses the notices naming `address` were sent to. */
static int notices_naming(struct db *db, struct arena *a, const char *const *subjects,
                          const char *address, struct pd_subject *s)
{
	struct stmt q;
	struct db_stmt *st;
	enum db_rc rc = DB_ERROR;

	stmt_init(&q, a);
	buf_adds(&q.sql, "SELECT to_addr, body FROM outbox WHERE body LIKE ");
	stmt_param(&q, arena_printf(a, "%%%s%%", like_escape(a, address)));
	buf_adds(&q.sql, " ESCAPE '\\' AND subject IN (");
	for (int i = 0; subjects[i]; i++) {
		buf_adds(&q.sql, i ? ", " : "");
		stmt_param(&q, subjects[i]);
	}
	buf_adds(&q.sql, ")");
	st = stmt_prepare(db, &q);
	while (st && (rc = db_step(st)) == DB_ROW)
		if (names_address(db_col_text(st, 1) ?: "", address))
			add_address(s, a, db_col_text(st, 0) ?: "");
	db_finalize(st);
	buf_release(&q.sql);
	return rc == DB_OK ? 0 : -1;
}

int rights_subject(struct db *db, struct arena *a, int64_t user_id, const char *email,
                   const char *const *notice_subjects, struct pd_subject *s)
{
	memset(s, 0, sizeof(*s));
	s->user_id = user_id;
	add_address(s, a, email);
	if (!notice_subjects || !notice_subjects[0])
		return 0;
	for (size_t i = 0; i < s->nemails; i++) /* the list grows as changes are followed back */
		if (notices_naming(db, a, notice_subjects, s->emails[i], s) < 0)
			return -1;
	return 0;
}

/* ---- Erasure --------------------------------------------------------------- */

static int run(struct db *db, struct stmt *s)
{
	struct db_stmt *st = stmt_prepare(db, s);
	enum db_rc rc = st ? db_step(st) : DB_ERROR;

	db_finalize(st);
	buf_release(&s->sql);
	return rc == DB_OK || rc == DB_ROW ? 0 : -1;
}

/* Replaces the address in a kept text column by the marker. */
static int anonymise_address(struct db *db, struct arena *a, const struct pd_column *col,
                             const char *address)
{
	struct stmt s;

	stmt_init(&s, a);
	buf_addf(&s.sql, "UPDATE \"%s\" SET \"%s\" = replace(\"%s\", ", col->table, col->column,
	         col->column);
	stmt_param(&s, address);
	buf_addf(&s.sql, ", '" ERASED_MARKER "') WHERE \"%s\" LIKE ", col->column);
	stmt_param(&s, arena_printf(a, "%%%s%%", like_escape(a, address)));
	buf_adds(&s.sql, " ESCAPE '\\'");
	return run(db, &s);
}

/* Where a column is kept, the person's id becomes NULL, their addresses
 * the marker. */
static int anonymise(struct db *db, struct arena *a, const struct pd_column *col,
                     const struct pd_subject *subj)
{
	struct stmt s;
	int rc = 0;

	if (col->kind != PD_IDENTIFIER) {
		for (size_t i = 0; rc == 0 && i < subj->nemails; i++)
			rc = anonymise_address(db, a, col, subj->emails[i]);
		return rc;
	}
	stmt_init(&s, a);
	buf_addf(&s.sql, "UPDATE \"%s\" SET \"%s\" = NULL WHERE \"%s\" = ", col->table, col->column,
	         col->column);
	stmt_param(&s, sql_int(a, subj->user_id));
	return run(db, &s);
}

/* Deletes the rows of table [i, end) its delete finders find. */
static int delete_rows(struct db *db, struct arena *a, const struct pd_catalogue *c, size_t i,
                       size_t end, const struct pd_subject *subj)
{
	struct stmt s;

	stmt_init(&s, a);
	buf_addf(&s.sql, "DELETE FROM \"%s\"", c->cols[i].table);
	if (where(&s, c, i, end, subj, 1) == 0) {
		buf_release(&s.sql);
		return 0; /* rows kept (e.g. the audit log) */
	}
	return run(db, &s);
}

/* The start of each table, so they can be walked backwards. */
static size_t table_starts(const struct pd_catalogue *c, size_t *starts, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->count && n < max; i = table_end(c, i))
		starts[n++] = i;
	return n;
}

int rights_erase(struct db *db, const struct pd_catalogue *c, const struct pd_subject *s)
{
	struct arena a = ARENA_INIT;
	size_t *starts = xcalloc(c->count ? c->count : 1, sizeof(*starts));
	size_t n = table_starts(c, starts, c->count);
	/* named consultation responses become anonymous, the summaries' counts
	 * unchanged (docs/CONSULTATIONS.md) */
	int rc = cons_rights_forget(db, &a, s->user_id);

	for (size_t k = 0; rc == 0 && k < c->count; k++)
		if (c->cols[k].erasure == PD_ANONYMISE)
			rc = anonymise(db, &a, &c->cols[k], s);
	for (size_t t = n; rc == 0 && t > 0; t--) /* children are listed after parents */
		rc = delete_rows(db, &a, c, starts[t - 1], table_end(c, starts[t - 1]), s);
	free(starts);
	arena_free(&a);
	return rc;
}

/* ---- The ZIP writer ---------------------------------------------------------- */

uint32_t zip_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* Little-endian writes into a buffer; the first failure sticks. */
struct zw {
	struct buf *b;
	int failed;
};

static void zw_bytes(struct zw *w, const void *p, size_t n)
{
	if (!w->failed && buf_add(w->b, p, n) < 0)
		w->failed = 1;
}

static void zw16(struct zw *w, uint32_t v)
{
	unsigned char le[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
	zw_bytes(w, le, 2);
}

static void zw32(struct zw *w, uint32_t v)
{
	zw16(w, v & 0xFFFF);
	zw16(w, v >> 16);
}

void zip_start(struct zip *z, struct buf *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	z->out = out;
	z->central = xcalloc(1, sizeof(*z->central));
	z->dos_time = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
	z->dos_date = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
	z->entries = 0;
}

/* The fields local and central headers share, from "version needed" to
 * "extra field length". */
static void common_fields(struct zw *w, const struct zip *z, uint32_t crc, uint32_t size,
                          size_t name_len)
{
	zw16(w, 20);     /* version needed: 2.0 */
	zw16(w, 0x0800); /* flags: UTF-8 names */
	zw16(w, 0);      /* method: stored */
	zw16(w, z->dos_time);
	zw16(w, z->dos_date);
	zw32(w, crc);
	zw32(w, size); /* compressed */
	zw32(w, size);
	zw16(w, (uint32_t)name_len);
	zw16(w, 0); /* extra field */
}

static void local_header(struct zw *w, const struct zip *z, uint32_t crc, size_t len,
                         const char *name, size_t name_len)
{
	zw32(w, 0x04034b50);
	common_fields(w, z, crc, (uint32_t)len, name_len);
	zw_bytes(w, name, name_len);
}

static void central_header(struct zw *w, const struct zip *z, uint32_t crc, size_t len,
                           uint32_t offset, const char *name, size_t name_len)
{
	zw32(w, 0x02014b50);
	zw16(w, 0x031E); /* made by: Unix, 3.0 */
	common_fields(w, z, crc, (uint32_t)len, name_len);
	zw16(w, 0);              /* comment */
	zw16(w, 0);              /* disk */
	zw16(w, 0);              /* internal attributes */
	zw32(w, 0100644u << 16); /* -rw-r--r-- */
	zw32(w, offset);
	zw_bytes(w, name, name_len);
}

int zip_add(struct zip *z, const char *name, const void *data, size_t len)
{
	size_t name_len = strlen(name);
	uint32_t crc = zip_crc32(0, data, len), offset = (uint32_t)z->out->len;
	struct zw out = {z->out, 0}, cd = {z->central, 0};

	if (z->entries == 0xFFFF || len > 0xFFFFFFF0u || z->out->len > 0xFFFFFFF0u - len ||
	    name_len > 0xFFFF)
		return -1;
	local_header(&out, z, crc, len, name, name_len);
	zw_bytes(&out, data, len);
	central_header(&cd, z, crc, len, offset, name, name_len);
	if (out.failed || cd.failed)
		return -1;
	z->entries++;
	return 0;
}

int zip_finish(struct zip *z)
{
	uint32_t offset = (uint32_t)z->out->len, size = (uint32_t)z->central->len;
	struct zw w = {z->out, 0};

	zw_bytes(&w, z->central->data ? z->central->data : "", z->central->len);
	zw32(&w, 0x06054b50);
	zw16(&w, 0); /* this disk */
	zw16(&w, 0); /* the central directory's disk */
	zw16(&w, z->entries);
	zw16(&w, z->entries);
	zw32(&w, size);
	zw32(&w, offset);
	zw16(&w, 0); /* comment */
	buf_release(z->central);
	free(z->central);
	z->central = NULL;
	return w.failed ? -1 : 0;
}

/* ---- The pages ------------------------------------------------------------------ */

struct rreq {
	struct app *app;
	struct request *req;
	struct response *resp;
	struct identity *id;
	struct pd_catalogue cat;
	struct pd_subject subj;
	json_t *files; /* stored names, unlinked after the erasure commits */
};

/* The person's id and addresses, past ones found through the notices
 * account.c sends when an address changes. */
static int load_subject(struct rreq *r)
{
	const char *subjects[LANG_COUNT + 1] = {NULL};
	struct db *db = db_pool_get(r->app->pool);
	int rc;

	for (int l = 0; l < LANG_COUNT; l++)
		subjects[l] = tr(r->app, (enum lang)l, "mail.email_changed_notice.subject");
	rc = rights_subject(db, &r->req->arena, r->id->user_id, r->id->email, subjects, &r->subj);
	db_pool_put(r->app->pool, db);
	return rc;
}

static int rreq_init(struct rreq *r, void *ctx, struct request *req, struct response *resp)
{
	char err[512];

	memset(r, 0, sizeof(*r));
	r->app = ctx;
	r->req = req;
	r->resp = resp;
	r->id = auth_identity(req);
	if (pd_catalogue_load(r->app->cfg->personal_data_file, &r->cat, err, sizeof(err)) < 0) {
		log_error("rights: %s", err);
		page_unavailable(r->app, req, resp);
		return -1;
	}
	if (load_subject(r) < 0) {
		pd_catalogue_release(&r->cat);
		page_unavailable(r->app, req, resp);
		return -1;
	}
	return 0;
}

static int audit_self(struct rreq *r, struct db *db, const char *action)
{
	struct audit_entry e = {r->id->user_id, action,
	                        "user",         sql_int(&r->req->arena, r->id->user_id),
	                        req_ip(r->req), ""};
	return audit_append(db, clock_now(r->app->cfg), &e);
}

void h_rights(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;

	page_render(app, req, resp, 200, "rights_index", "rights.title",
	            json_pack("{s:b}", "expert", (auth_identity(req)->roles & ROLE_EXPERT) != 0));
}

/* ---- Export ---- */

static json_t *table_or_empty(json_t *tables, const char *name)
{
	json_t *t = json_object_get(tables, name);
	return t ? json_incref(t) : json_array();
}

/* The consultations: participations and named answers with their
 * questions, and why anonymous answers are not there. NULL on error. */
static json_t *consultations_json(struct rreq *r, struct db *db)
{
	enum lang l = page_lang(r->req);
	json_t *c = cons_rights_export(db, &r->req->arena, r->subj.user_id, l);

	if (c)
		json_object_set_new(c, "note",
		                    json_string(tr(r->app, l, "rights.export.consultations")));
	return c;
}

/* data.json: who, when, the profile in the import format, the consents
 * and their history, the consultations, the files, and every row table by
 * table. */
static json_t *export_json(struct rreq *r, struct db *db)
{
	char now[ISO_TIME_LEN + 1];
	int found = 0;
	json_t *tables = rights_rows(db, &r->cat, &r->subj);
	json_t *profile = tables ? profile_load(db, r->subj.user_id, &found) : NULL;
	json_t *consultations = tables && found >= 0 ? consultations_json(r, db) : NULL;

	if (!tables || found < 0 || !consultations) {
		json_decref(tables);
		json_decref(profile);
		return NULL;
	}
	if (profile)
		json_object_set_new(profile, "email", json_string(r->subj.emails[0]));
	iso_time(clock_now(r->app->cfg), now);
	return json_pack("{s:s, s:s, s:I, s:s, s:o, s:{s:o, s:o}, s:o, s:o, s:o}", "format",
	                 EXPORT_FORMAT, "exported_at", now, "user_id", (json_int_t)r->subj.user_id,
	                 "email", r->subj.emails[0], "profile", profile ? profile : json_null(),
	                 "consents", "current", table_or_empty(tables, "consents"), "history",
	                 table_or_empty(tables, "consent_events"), "consultations", consultations,
	                 "files", json_array(), "tables", tables);
}

/* Adds each stored file to the archive, noting it under "files". */
static int add_files(struct rreq *r, struct zip *z, json_t *data)
{
	json_t *rows = json_object_get(json_object_get(data, "tables"), "files");
	json_t *list = json_object_get(data, "files"), *row;
	size_t i;
	int rc = 0;

	json_array_foreach(rows, i, row)
	{
		const char *id = json_string_value(json_object_get(row, "id"));
		const char *stored = json_string_value(json_object_get(row, "stored_as"));
		const char *path = arena_printf(&r->req->arena, "files/cv-%s.pdf", id ? id : "0");
		struct buf content;
		buf_init(&content, CV_READ_MAX);
		int ok = stored && files_read(r->app->cfg, stored, &content) == 0;
		if (ok && zip_add(z, path, content.data ? content.data : "", content.len) < 0)
			rc = -1;
		json_array_append_new(list, json_pack("{s:s?, s:s?, s:s}", "id", id, "path",
		                                      ok ? path : NULL, "state",
		                                      ok ? "included" : "missing"));
		buf_release(&content);
	}
	return rc;
}

/* The archive: data.json, then the files. 0 or -1. */
static int build_archive(struct rreq *r, json_t *data, struct buf *out)
{
	struct zip z;
	char *json;
	int rc;

	zip_start(&z, out, clock_now(r->app->cfg));
	rc = add_files(r, &z, data); /* first: it fills data's "files" */
	json = json_dumps(data, JSON_INDENT(2));
	if (!json || zip_add(&z, "data.json", json, strlen(json)) < 0)
		rc = -1;
	free(json);
	return zip_finish(&z) < 0 ? -1 : rc;
}

static int exported_tx(struct db *db, void *ud)
{
	return audit_self(ud, db, "data_exported");
}

static void send_archive(struct rreq *r, struct buf *zip)
{
	char day[ISO_TIME_LEN + 1];

	iso_time(clock_now(r->app->cfg), day);
	day[10] = '\0';
	buf_release(&r->resp->body);
	r->resp->body = *zip; /* freed by the server */
	r->resp->status = 200;
	r->resp->content_type = "application/zip";
	resp_header(
	        r->req, r->resp, "Content-Disposition",
	        arena_printf(&r->req->arena, "attachment; filename=\"kafaat-data-%s.zip\"", day));
	resp_header(r->req, r->resp, "Cache-Control", "private, no-store");
}

void h_export(void *ctx, struct request *req, struct response *resp)
{
	struct rreq r;
	struct buf zip = BUF_INIT;
	json_t *data;

	if (rreq_init(&r, ctx, req, resp) < 0)
		return;
	struct db *db = db_pool_get(r.app->pool);
	data = export_json(&r, db);
	db_pool_put(r.app->pool, db);
	if (!data || build_archive(&r, data, &zip) < 0 ||
	    sql_tx(r.app->pool, exported_tx, &r) < 0) {
		buf_release(&zip);
		page_unavailable(r.app, req, resp);
	} else {
		send_archive(&r, &zip);
	}
	json_decref(data);
	pd_catalogue_release(&r.cat);
}

/* ---- Erasure ---- */

static void show_delete(struct rreq *r, int status, const char *error)
{
	page_render(r->app, r->req, r->resp, status, "rights_delete", "rights.delete.title",
	            json_pack("{s:s?}", "error", error));
}

static int erase_tx(struct db *db, void *ud)
{
	struct rreq *r = ud;

	r->files = files_stored_names(db, r->subj.user_id); /* CVs, and dossiers' documents */
	if (r->files && projects_document_names(db, r->subj.user_id, r->files) < 0)
		return -1;
	/* seats given up first: the waiting are promoted, the counts stay true */
	if (!r->files || audit_self(r, db, "account_erased") < 0 ||
	    search_touch(db, "expert", r->subj.user_id, clock_now(r->app->cfg)) < 0 ||
	    events_forget_user(r->app, db, &r->req->arena, r->subj.user_id,
	                       clock_now(r->app->cfg)) < 0)
		return -1;
	return rights_erase(db, &r->cat, &r->subj);
}

static int refused_tx(struct db *db, void *ud)
{
	struct rreq *r = ud;

	if (throttle_failed(r->app, db, &r->req->arena, r->subj.emails[0], req_ip(r->req)) < 0)
		return -1; /* counted whole or not at all, as at sign-in */
	return audit_self(r, db, "erasure_refused");
}

/* The password typed again: 1 right, 0 wrong, -1 storage failed. */
static int password_again(struct rreq *r)
{
	struct db *db = db_pool_get(r->app->pool);
	struct user u;
	int rc = user_by_id(db, &r->req->arena, r->subj.user_id, &u);

	db_pool_put(r->app->pool, db);
	const char *hash = rc == 1 ? u.password_hash : NULL;

	if (rc < 0)
		return -1;
	return password_verify(r->app->pw, hash, form_value(r->req, "password")) && hash ? 1 : 0;
}

static int64_t wait_seconds(struct rreq *r)
{
	struct db *db = db_pool_get(r->app->pool);
	int64_t w = throttle_wait(r->app, db, &r->req->arena, r->subj.emails[0], req_ip(r->req));

	db_pool_put(r->app->pool, db);
	return w;
}

static void erase(struct rreq *r)
{
	int64_t wait = wait_seconds(r);
	int ok;

	if (wait < 0) {
		page_unavailable(r->app, r->req, r->resp);
		return;
	}
	if (wait > 0) {
		show_delete(r, 429, "rights.delete.wait");
		return;
	}
	ok = password_again(r);
	if (ok == 0) {
		/* A wrong password counts toward the throttle, as at sign-in: when
		 * that cannot be recorded, the answer is 503, not "wrong password". */
		if (sql_tx(r->app->pool, refused_tx, r) < 0)
			page_unavailable(r->app, r->req, r->resp);
		else
			show_delete(r, 422, "rights.delete.password_wrong");
		return;
	}
	if (ok < 0 || sql_tx(r->app->pool, erase_tx, r) < 0) {
		json_decref(r->files);
		page_unavailable(r->app, r->req, r->resp);
		return;
	}
	files_unlink_all(r->app->cfg, r->files);
	json_decref(r->files);
	search_changed(r->app);
	r->req->user = NULL; /* the session is gone: the page is an anonymous one */
	session_end(r->app, NULL, r->req, r->resp);
	page_message(r->app, r->req, r->resp, 200, "rights.deleted.title", "rights.deleted.message",
	             NULL);
}

void h_delete_account(void *ctx, struct request *req, struct response *resp)
{
	struct rreq r;

	if (rreq_init(&r, ctx, req, resp) < 0)
		return;
	if (req->method & HTTP_POST)
		erase(&r);
	else
		show_delete(&r, 200, NULL);
	pd_catalogue_release(&r.cat);
}
