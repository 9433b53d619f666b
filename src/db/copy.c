/* copy: the schema from the catalogue, snapshots, and the copy of a
 * table's rows between two connections (contract in copy.h).
 *
 * The catalogue is read with one SQL text per engine (the only engine-
 * specific part); the rest goes through the engine-neutral API. Reading is
 * paged by primary key ("keyset" pages: WHERE (k1, k2) > (last k1, last
 * k2) ORDER BY k1, k2 LIMIT n), because the PostgreSQL backend holds a
 * statement's whole result in memory. Writing uses INSERTs of several rows
 * each: on PostgreSQL every statement run is one round trip, so a batch of
 * up to 999 values (the parameter limit both backends share) carries many
 * rows; SQLite binds parameters by name (a search among the statement's
 * parameters), so its batches stay small. The values of a batch are kept
 * as text in one buffer until it is written, so the last, shorter batch is
 * written with a statement of its own size.
 */
#include "db/copy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/parse.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "db/backend.h"

#define NAME_MAX_LEN 63    /* PostgreSQL's identifier limit */
#define PAGE_ROWS 1000     /* rows read per SELECT (the tests cross pages) */
#define MAX_PARAMS 999     /* both backends refuse more */
#define SQLITE_PARAMS 64   /* a batch on SQLite: see the top */
#define SHOWN_VALUE_MAX 40 /* bytes of a bad value quoted in a message */
#define NO_VALUE SIZE_MAX  /* a NULL in struct batch */

/* ---- the catalogue ---- */

/* The catalogue queries of one engine. tables: one column, the names.
 * columns ($1 a table): name, declared type, position in the primary key
 * from 1 or 0. fkeys ($1 a table): referenced table, referencing column. */
struct catalogue {
	const char *tables;
	const char *columns;
	const char *fkeys;
};

static const struct catalogue sqlite_catalogue = {
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' "
        "ESCAPE '!'",
        "SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid",
        "SELECT \"table\", \"from\" FROM pragma_foreign_key_list($1)",
};

static const struct catalogue postgres_catalogue = {
        "SELECT CAST(c.relname AS TEXT) FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'",
        "SELECT CAST(a.attname AS TEXT), format_type(a.atttypid, a.atttypmod), "
        "COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(att, n) "
        "WHERE i.indrelid = c.oid AND i.indisprimary AND k.att = a.attnum), 0) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname = CAST($1 AS TEXT) "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        "SELECT CAST(p.relname AS TEXT), CAST(a.attname AS TEXT) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_class p ON p.oid = k.confrelid "
        "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) "
        "WHERE k.contype = 'f' AND n.nspname = current_schema() "
        "AND c.relname = CAST($1 AS TEXT)",
};

static const struct catalogue *catalogue_of(struct db *db)
{
	return db_engine(db) == DB_POSTGRES ? &postgres_catalogue : &sqlite_catalogue;
}

/* A plain lower-case SQL name: [a-z_][a-z0-9_]*, at most NAME_MAX_LEN bytes. */
static int plain_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > NAME_MAX_LEN || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] < 'a' || s[i] > 'z') && (s[i] < '0' || s[i] > '9') && s[i] != '_')
			return 0;
	return 1;
}

/* SQLite's rule for an integer column: its declared type contains "INT"
 * (INTEGER, BIGINT, …; PostgreSQL's integer types pass it too). */
static enum db_col_kind kind_of(const char *type)
{
	for (const char *p = type ? type : ""; *p; p++)
		if (strncasecmp(p, "int", 3) == 0)
			return DB_COL_INT;
	return DB_COL_TEXT;
}

/* The range of an integer column: PostgreSQL's smallint and integer are
 * narrower than 64 bits; any other integer type holds 64. */
static void set_range(struct db_column *c, enum db_engine engine, const char *type)
{
	static const struct {
		const char *type;
		int64_t min, max;
	} narrow[] = {
	        {"smallint", INT16_MIN, INT16_MAX},
	        {"integer", INT32_MIN, INT32_MAX},
	};

	c->min = INT64_MIN;
	c->max = INT64_MAX;
	for (size_t i = 0; engine == DB_POSTGRES && i < sizeof(narrow) / sizeof(narrow[0]); i++) {
		if (type != NULL && strcmp(type, narrow[i].type) == 0) {
			c->min = narrow[i].min;
			c->max = narrow[i].max;
		}
	}
}

static void table_release(struct db_table *t)
{
	for (int i = 0; i < t->ncols; i++)
		free(t->cols[i].name);
	for (int i = 0; i < t->nparents; i++)
		free(t->parents[i]);
	free(t->cols);
	free(t->parents);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

void db_schema_release(struct db_schema *s)
{
	for (int i = 0; i < s->ntables; i++)
		table_release(&s->tables[i]);
	free(s->tables);
	s->tables = NULL;
	s->ntables = 0;
}

const struct db_table *db_schema_table(const struct db_schema *s, const char *name)
{
	for (int i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return &s->tables[i];
	return NULL;
}

const struct db_column *db_table_column(const struct db_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

static struct db_column *column_named(struct db_table *t, const char *name)
{
	return (struct db_column *)db_table_column(t, name);
}

/* Runs a catalogue query about table (NULL: no parameter); st is left
 * prepared, bound and ready to step. NULL on error (err says why). */
static struct db_stmt *catalogue_query(struct db *db, const char *sql, const char *table, char *err,
                                       size_t errlen)
{
	struct db_stmt *st = db_prepare(db, sql);

	if (st != NULL && (table == NULL || db_bind_text(st, 1, table) == DB_OK))
		return st;
	db_fmt(err, errlen, "cannot read the catalogue%s%s: %s", table ? " of table " : "",
	       table ? table : "", db_errmsg(db));
	db_finalize(st);
	return NULL;
}

static int read_columns(struct db *db, struct db_table *t, char *err, size_t errlen)
{
	struct db_stmt *st = catalogue_query(db, catalogue_of(db)->columns, t->name, err, errlen);
	enum db_rc rc;
	int cap = 0;

	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);
		if (!plain_name(name)) {
			db_fmt(err, errlen, "table %s: column name '%s' is not a plain SQL name",
			       t->name, name ? name : "");
			db_finalize(st);
			return -1;
		}
		if (t->ncols == cap) {
			cap = cap ? 2 * cap : 16;
			t->cols = xrealloc(t->cols, (size_t)cap * sizeof(*t->cols));
		}
		struct db_column *c = &t->cols[t->ncols++];
		c->name = xstrdup(name);
		c->kind = kind_of(db_col_text(st, 1));
		set_range(c, db_engine(db), db_col_text(st, 1));
		c->pk = (int)db_col_int(st, 2);
		c->self_ref = 0;
		t->npk += c->pk > 0;
	}
	db_finalize(st);
	if (rc != DB_OK || t->ncols == 0) {
		db_fmt(err, errlen, "cannot read the columns of table %s: %s", t->name,
		       rc != DB_OK ? db_errmsg(db) : "none found");
		return -1;
	}
	return 0;
}

static void add_parent(struct db_table *t, const char *parent)
{
	for (int i = 0; i < t->nparents; i++)
		if (strcmp(t->parents[i], parent) == 0)
			return;
	t->parents = xrealloc(t->parents, (size_t)(t->nparents + 1) * sizeof(*t->parents));
	t->parents[t->nparents++] = xstrdup(parent);
}

static int read_fkeys(struct db *db, struct db_table *t, char *err, size_t errlen)
{
	struct db_stmt *st = catalogue_query(db, catalogue_of(db)->fkeys, t->name, err, errlen);
	enum db_rc rc;

	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *parent = db_col_text(st, 0), *col = db_col_text(st, 1);
		struct db_column *c = column_named(t, col ? col : "");
		if (!plain_name(parent) || c == NULL) {
			db_fmt(err, errlen,
			       "table %s: a foreign key from '%s' to '%s' that cannot be "
			       "followed",
			       t->name, col ? col : "", parent ? parent : "");
			db_finalize(st);
			return -1;
		}
		if (strcmp(parent, t->name) == 0)
			c->self_ref = 1;
		else
			add_parent(t, parent);
	}
	db_finalize(st);
	if (rc != DB_OK) {
		db_fmt(err, errlen, "cannot read the foreign keys of table %s: %s", t->name,
		       db_errmsg(db));
		return -1;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct db_table *)a)->name, ((const struct db_table *)b)->name);
}

/* The table names, sorted (byte order, the same on both engines). */
static int read_tables(struct db *db, struct db_schema *s, char *err, size_t errlen)
{
	struct db_stmt *st = catalogue_query(db, catalogue_of(db)->tables, NULL, err, errlen);
	enum db_rc rc;
	int cap = 0;

	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);
		if (!plain_name(name)) {
			db_fmt(err, errlen, "table name '%s' is not a plain SQL name",
			       name ? name : "");
			db_finalize(st);
			return -1;
		}
		if (s->ntables == cap) {
			cap = cap ? 2 * cap : 32;
			s->tables = xrealloc(s->tables, (size_t)cap * sizeof(*s->tables));
		}
		memset(&s->tables[s->ntables], 0, sizeof(s->tables[0]));
		s->tables[s->ntables++].name = xstrdup(name);
	}
	db_finalize(st);
	if (rc != DB_OK) {
		db_fmt(err, errlen, "cannot list the tables: %s", db_errmsg(db));
		return -1;
	}
	if (s->ntables > 0)
		qsort(s->tables, (size_t)s->ntables, sizeof(*s->tables), by_name);
	return 0;
}

/* 1 when every parent of t is among the first `placed` tables of s. */
static int parents_placed(const struct db_schema *s, int placed, const struct db_table *t)
{
	for (int p = 0; p < t->nparents; p++) {
		int found = 0;
		for (int i = 0; i < placed && !found; i++)
			found = strcmp(s->tables[i].name, t->parents[p]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/* Orders s->tables (sorted by name) so that parents come first: each
 * round moves the first table, by name, whose parents are all placed. */
static int order_tables(struct db_schema *s, char *err, size_t errlen)
{
	for (int i = 0; i < s->ntables; i++) {
		for (int p = 0; p < s->tables[i].nparents; p++) {
			if (db_schema_table(s, s->tables[i].parents[p]) == NULL) {
				db_fmt(err, errlen,
				       "table %s references table %s, which is missing",
				       s->tables[i].name, s->tables[i].parents[p]);
				return -1;
			}
		}
	}
	for (int placed = 0; placed < s->ntables; placed++) {
		int next = placed;
		while (next < s->ntables && !parents_placed(s, placed, &s->tables[next]))
			next++;
		if (next == s->ntables) {
			db_fmt(err, errlen,
			       "tables %s and others reference each other in a cycle: "
			       "no order copies parents first",
			       s->tables[placed].name);
			return -1;
		}
		struct db_table t = s->tables[next];
		memmove(&s->tables[placed + 1], &s->tables[placed],
		        (size_t)(next - placed) * sizeof(t));
		s->tables[placed] = t;
	}
	return 0;
}

int db_schema_read(struct db *db, struct db_schema *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (read_tables(db, out, err, errlen) < 0)
		goto fail;
	for (int i = 0; i < out->ntables; i++)
		if (read_columns(db, &out->tables[i], err, errlen) < 0 ||
		    read_fkeys(db, &out->tables[i], err, errlen) < 0)
			goto fail;
	if (order_tables(out, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	db_schema_release(out);
	return -1;
}

/* ---- snapshots and counts ---- */

enum db_engine db_target_engine(const char *target)
{
	if (target != NULL && (strncasecmp(target, "postgres://", 11) == 0 ||
	                       strncasecmp(target, "postgresql://", 13) == 0))
		return DB_POSTGRES;
	return DB_SQLITE;
}

enum db_rc db_begin_snapshot(struct db *db)
{
	if (db_engine(db) == DB_POSTGRES)
		return db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
	return db_exec(db, "BEGIN DEFERRED");
}

enum db_rc db_count_rows(struct db *db, const char *name, int64_t *out)
{
	char sql[128];

	if (!plain_name(name)) {
		db_set_err(db, "'%s' is not a plain table name", name ? name : "");
		return DB_ERROR;
	}
	db_fmt(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", name);
	return db_query_int(db, sql, 0, NULL, out);
}

/* ---- copying a table ---- */

/* The values of the rows waiting to be written, as text. */
struct batch {
	struct buf data; /* each value NUL-terminated */
	size_t *off;     /* per value: its offset in data, or NO_VALUE for NULL */
	int nvals;
	int rows;
	int cap;
	struct buf first_key; /* the key of the batch's first row, for messages */
};

/* A self-referencing value set after the table's rows are in: the
 * column's index in `to`, the value, then the row's key values (npk). */
struct pending {
	int col;
	char **vals;
};

struct copier {
	struct db *src, *dst;
	const struct db_table *from, *to;
	int *key;            /* the select list's index of each primary-key column, by position */
	char **last;         /* the last row read: its key values (text), for the next page */
	struct batch b;      /* rows read, not yet written */
	int batch_rows;      /* rows per full INSERT */
	struct buf full_sql; /* the INSERT of batch_rows rows, made once */
	struct pending *pend;
	int npend;
	int64_t rows;
	char *err;
	size_t errlen;
};

/* Rows per INSERT for `to` on dst. */
static int batch_rows(struct db *dst, const struct db_table *to)
{
	int params = db_engine(dst) == DB_POSTGRES ? MAX_PARAMS : SQLITE_PARAMS;
	int rows = params / to->ncols;

	return rows > 0 ? rows : 1;
}

/* "k1=v1, k2=v2" of the row st is on (its key columns in the select list). */
static void row_key(struct copier *c, struct db_stmt *st, struct buf *out)
{
	buf_reset(out);
	for (int k = 0; k < c->from->npk; k++) {
		const char *v = db_col_text(st, c->key[k]);
		buf_addf(out, "%s%s=%s", k ? ", " : "", c->to->cols[c->key[k]].name,
		         v ? v : "NULL");
	}
	if (c->from->npk == 0)
		buf_addf(out, "number %lld", (long long)(c->rows + c->b.rows + 1));
}

/* Records that a value of the row st is on cannot be copied; the value is
 * quoted (its start) when it is text that may be shown. */
static int bad_value(struct copier *c, struct db_stmt *st, int col, int quote, const char *why)
{
	struct buf key = BUF_INIT, shown = BUF_INIT;
	const char *v = db_col_text(st, col);

	row_key(c, st, &key);
	if (quote && v != NULL)
		buf_addf(&shown, " '%.*s%s'", SHOWN_VALUE_MAX, v,
		         strlen(v) > SHOWN_VALUE_MAX ? "..." : "");
	db_fmt(c->err, c->errlen, "table %s, row %s: column %s%s %s", c->to->name, buf_str(&key),
	       c->to->cols[col].name, buf_str(&shown), why);
	buf_release(&shown);
	buf_release(&key);
	return -1;
}

static void batch_add(struct batch *b, const char *v)
{
	if (b->nvals == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 1024;
		b->off = xrealloc(b->off, (size_t)b->cap * sizeof(*b->off));
	}
	if (v == NULL) {
		b->off[b->nvals++] = NO_VALUE;
		return;
	}
	b->off[b->nvals++] = b->data.len;
	buf_add(&b->data, v, strlen(v) + 1);
}

static void batch_reset(struct batch *b)
{
	buf_reset(&b->data);
	b->nvals = 0;
	b->rows = 0;
}

static void keep_pending(struct copier *c, struct db_stmt *st, int col, const char *v)
{
	struct pending *p;

	c->pend = xrealloc(c->pend, (size_t)(c->npend + 1) * sizeof(*c->pend));
	p = &c->pend[c->npend++];
	p->col = col;
	p->vals = xcalloc((size_t)c->from->npk + 1, sizeof(char *));
	p->vals[0] = xstrdup(v);
	for (int k = 0; k < c->from->npk; k++) {
		const char *kv = db_col_text(st, c->key[k]);
		p->vals[k + 1] = kv ? xstrdup(kv) : NULL;
	}
}

/* Checks one value of the row st is on against `to`'s column and adds it
 * to the batch. 0 or -1 (err). */
static int take_value(struct copier *c, struct db_stmt *st, int col)
{
	const struct db_column *dc = &c->to->cols[col];
	const char *v = db_col_is_null(st, col) ? NULL : db_col_text(st, col);
	int64_t n = 0;

	if (v != NULL && dc->kind == DB_COL_INT && parse_int64(v, INT64_MIN, INT64_MAX, &n) < 0)
		return bad_value(c, st, col, utf8_valid(v, strlen(v)),
		                 "is not a whole number, which the target's column needs");
	if (v != NULL && dc->kind == DB_COL_INT && (n < dc->min || n > dc->max))
		return bad_value(c, st, col, 1, "is out of the range of the target's column");
	if (v != NULL && dc->kind == DB_COL_TEXT && !utf8_valid(v, strlen(v)))
		return bad_value(c, st, col, 0, "is not valid UTF-8 text");
	if (v != NULL && dc->self_ref) {
		if (c->from->npk == 0) {
			db_fmt(c->err, c->errlen,
			       "table %s has no primary key: its column %s, "
			       "which references the table itself, cannot be set afterwards",
			       c->to->name, dc->name);
			return -1;
		}
		keep_pending(c, st, col, v);
		v = NULL;
	}
	batch_add(&c->b, v);
	return 0;
}

/* "INSERT INTO t (c1, …) VALUES ($1, …), (…)" for rows rows. */
static void insert_sql(const struct db_table *t, int rows, struct buf *sql)
{
	int n = 0;

	buf_addf(sql, "INSERT INTO %s (", t->name);
	for (int i = 0; i < t->ncols; i++)
		buf_addf(sql, "%s%s", i ? ", " : "", t->cols[i].name);
	buf_adds(sql, ") VALUES ");
	for (int r = 0; r < rows; r++) {
		buf_adds(sql, r ? ", (" : "(");
		for (int i = 0; i < t->ncols; i++)
			buf_addf(sql, "%s$%d", i ? ", " : "", ++n);
		buf_addc(sql, ')');
	}
}

/* Binds value text v to $idx with the column's kind (checked when taken). */
static enum db_rc bind_kind(struct db_stmt *st, int idx, enum db_col_kind kind, const char *v)
{
	int64_t n = 0;

	if (v == NULL)
		return db_bind_null(st, idx);
	if (kind == DB_COL_INT) {
		if (parse_int64(v, INT64_MIN, INT64_MAX, &n) < 0)
			return DB_ERROR;
		return db_bind_int(st, idx, n);
	}
	return db_bind_text(st, idx, v);
}

/* Writes the batch's rows with one INSERT. 0 or -1 (err). */
static int flush(struct copier *c)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	enum db_rc rc = DB_ERROR;

	if (c->b.rows == 0)
		return 0;
	if (c->b.rows == c->batch_rows && c->full_sql.len == 0)
		insert_sql(c->to, c->b.rows, &c->full_sql);
	if (c->b.rows != c->batch_rows)
		insert_sql(c->to, c->b.rows, &sql);
	st = db_prepare(c->dst, buf_str(c->b.rows == c->batch_rows ? &c->full_sql : &sql));
	buf_release(&sql);
	for (int i = 0; st != NULL && i < c->b.nvals; i++) {
		const char *v = c->b.off[i] == NO_VALUE ? NULL : c->b.data.data + c->b.off[i];
		rc = bind_kind(st, i + 1, c->to->cols[i % c->to->ncols].kind, v);
		if (rc != DB_OK)
			break;
	}
	if (st != NULL && rc == DB_OK)
		rc = db_step(st);
	if (rc != DB_OK) {
		db_fmt(c->err, c->errlen, "table %s, %d rows from %s: %s", c->to->name, c->b.rows,
		       buf_str(&c->b.first_key), db_errmsg(c->dst));
		db_finalize(st);
		return -1;
	}
	db_finalize(st);
	c->rows += c->b.rows;
	batch_reset(&c->b);
	return 0;
}

/* Takes the row st is on into the batch; writes the batch when full. */
static int take_row(struct copier *c, struct db_stmt *st)
{
	if (c->b.rows == 0)
		row_key(c, st, &c->b.first_key);
	for (int i = 0; i < c->to->ncols; i++)
		if (take_value(c, st, i) < 0)
			return -1;
	c->b.rows++;
	for (int k = 0; k < c->from->npk; k++) {
		const char *v = db_col_text(st, c->key[k]);
		free(c->last[k]);
		c->last[k] = v ? xstrdup(v) : NULL;
	}
	return c->b.rows == c->batch_rows ? flush(c) : 0;
}

/* "SELECT c1, … FROM t [WHERE (k1, …) > ($1, …)] ORDER BY k1, … LIMIT n";
 * without a primary key, the whole table at once. */
static void select_sql(struct copier *c, int after, struct buf *sql)
{
	int npk = c->from->npk;

	buf_adds(sql, "SELECT ");
	for (int i = 0; i < c->to->ncols; i++)
		buf_addf(sql, "%s%s", i ? ", " : "", c->to->cols[i].name);
	buf_addf(sql, " FROM %s", c->from->name);
	if (npk == 0)
		return;
	if (after) {
		buf_adds(sql, npk > 1 ? " WHERE (" : " WHERE ");
		for (int k = 0; k < npk; k++)
			buf_addf(sql, "%s%s", k ? ", " : "", c->to->cols[c->key[k]].name);
		buf_adds(sql, npk > 1 ? ") > (" : " > ");
		for (int k = 0; k < npk; k++)
			buf_addf(sql, "%s$%d", k ? ", " : "", k + 1);
		buf_adds(sql, npk > 1 ? ")" : "");
	}
	buf_adds(sql, " ORDER BY ");
	for (int k = 0; k < npk; k++)
		buf_addf(sql, "%s%s", k ? ", " : "", c->to->cols[c->key[k]].name);
	buf_addf(sql, " LIMIT %d", PAGE_ROWS);
}

/* Reads one page (the first, or the one after c->last) into batches.
 * Returns the rows read, or -1 (err). */
static int copy_page(struct copier *c, int after)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	enum db_rc rc = DB_ERROR;
	int n = 0;

	select_sql(c, after, &sql);
	st = db_prepare(c->src, buf_str(&sql));
	buf_release(&sql);
	for (int k = 0; st != NULL && after && k < c->from->npk; k++) {
		const struct db_column *kc = db_table_column(c->from, c->to->cols[c->key[k]].name);
		if (bind_kind(st, k + 1, kc->kind, c->last[k]) != DB_OK)
			goto out;
	}
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		if (take_row(c, st) < 0)
			goto fail;
		n++;
	}
out:
	if (rc != DB_OK)
		db_fmt(c->err, c->errlen, "reading table %s: %s", c->from->name, db_errmsg(c->src));
fail:
	db_finalize(st);
	return rc == DB_OK ? n : -1;
}

/* Sets the self-referencing values kept while copying. 0 or -1 (err). */
static int set_pending(struct copier *c)
{
	for (int i = 0; i < c->npend; i++) {
		const struct pending *p = &c->pend[i];
		struct buf sql = BUF_INIT;
		struct db_stmt *st;
		enum db_rc rc;

		buf_addf(&sql, "UPDATE %s SET %s = $1 WHERE ", c->to->name,
		         c->to->cols[p->col].name);
		for (int k = 0; k < c->from->npk; k++)
			buf_addf(&sql, "%s%s = $%d", k ? " AND " : "", c->to->cols[c->key[k]].name,
			         k + 2);
		st = db_prepare(c->dst, buf_str(&sql));
		buf_release(&sql);
		rc = st ? bind_kind(st, 1, c->to->cols[p->col].kind, p->vals[0]) : DB_ERROR;
		for (int k = 0; rc == DB_OK && k < c->from->npk; k++)
			rc = bind_kind(st, k + 2, c->to->cols[c->key[k]].kind, p->vals[k + 1]);
		if (rc == DB_OK)
			rc = db_step(st);
		if (rc == DB_OK && db_changes(st) != 1) {
			db_set_err(c->dst, "%lld rows have that key", (long long)db_changes(st));
			rc = DB_ERROR;
		}
		db_finalize(st);
		if (rc != DB_OK) {
			db_fmt(c->err, c->errlen, "table %s: setting %s = %s: %s", c->to->name,
			       c->to->cols[p->col].name, p->vals[0], db_errmsg(c->dst));
			return -1;
		}
	}
	return 0;
}

/* Finds each key column of `from` in the select list (`to`'s columns). */
static int map_key(struct copier *c)
{
	for (int i = 0; i < c->from->ncols; i++) {
		const struct db_column *fc = &c->from->cols[i];
		if (fc->pk < 1 || fc->pk > c->from->npk)
			continue;
		int j = 0;
		while (j < c->to->ncols && strcmp(c->to->cols[j].name, fc->name) != 0)
			j++;
		if (j == c->to->ncols) {
			db_fmt(c->err, c->errlen, "table %s: the target has no column %s",
			       c->to->name, fc->name);
			return -1;
		}
		c->key[fc->pk - 1] = j;
	}
	return 0;
}

static void copier_release(struct copier *c)
{
	for (int k = 0; k < c->from->npk; k++)
		free(c->last[k]);
	for (int i = 0; i < c->npend; i++) {
		for (int k = 0; k <= c->from->npk; k++)
			free(c->pend[i].vals[k]);
		free(c->pend[i].vals);
	}
	free(c->pend);
	free(c->last);
	free(c->key);
	free(c->b.off);
	buf_release(&c->b.data);
	buf_release(&c->b.first_key);
	buf_release(&c->full_sql);
}

int64_t db_copy_table(struct db *src, const struct db_table *from, struct db *dst,
                      const struct db_table *to, char *err, size_t errlen)
{
	struct copier c = {.src = src, .dst = dst, .from = from, .to = to};
	int64_t ret = -1;
	int n, after = 0;

	c.err = err;
	c.errlen = errlen;
	c.key = xcalloc((size_t)from->npk + 1, sizeof(*c.key));
	c.last = xcalloc((size_t)from->npk + 1, sizeof(*c.last));
	c.batch_rows = batch_rows(dst, to);
	if (map_key(&c) < 0)
		goto out;
	do {
		n = copy_page(&c, after);
		if (n < 0)
			goto out;
		after = 1;
	} while (from->npk > 0 && n == PAGE_ROWS);
	if (flush(&c) < 0 || set_pending(&c) < 0)
		goto out;
	ret = c.rows;
out:
	copier_release(&c);
	return ret;
}
