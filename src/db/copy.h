/* copy: what moving a whole database to another needs from the engines
 * (`kafaat migrate-data`, src/cli/migrate_data_cmd.c): the schema as the
 * engine's catalogue describes it, a consistent snapshot to read from, and
 * the copy of one table's rows with every value bound as the target's
 * column wants it.
 *
 *   struct db_schema s;
 *   if (db_schema_read(db, &s, err, sizeof err) < 0) ... err says why
 *   for (int i = 0; i < s.ntables; i++) ... s.tables[i]: parents first
 *   db_schema_release(&s);
 *
 * The order of the tables comes from the schema's foreign keys (a table
 * after every table it references), so a table added by a new migration is
 * copied without anyone listing it. Table and column names must be plain
 * lower-case SQL names (letters, digits, '_'), as every Kafaat migration
 * writes them: db_schema_read refuses a schema with other names, so they
 * go into SQL text unquoted on both engines.
 *
 * Ownership: a struct db_schema owns every string and array in it until
 * db_schema_release.
 */
#ifndef KAFAAT_DB_COPY_H
#define KAFAAT_DB_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* How a column's values are bound on the target. */
enum db_col_kind {
	DB_COL_TEXT, /* TEXT, and any type that is not an integer type: bound as text */
	DB_COL_INT,  /* INTEGER, BIGINT, …: each value must be a whole number (64-bit) */
};

struct db_column {
	char *name;
	enum db_col_kind kind;
	int64_t min, max; /* DB_COL_INT: the values the type holds (PostgreSQL's
	                     integer is 32-bit; SQLite's integers all 64-bit) */
	int pk;           /* position in the primary key, from 1; 0 when not part of it */
	int self_ref;     /* 1: part of a foreign key to the same table (needs.parent_id) */
};

struct db_table {
	char *name;
	struct db_column *cols; /* in the table's column order */
	int ncols;
	int npk;        /* columns in the primary key (0: none) */
	char **parents; /* the other tables it references, each once */
	int nparents;
};

struct db_schema {
	struct db_table *tables; /* every table before the tables that reference it; ties by name */
	int ntables;
};

/* Reads the tables of db's schema (the engine's own excluded: sqlite_*,
 * pg_catalog; PostgreSQL: the current schema only) and orders them. Returns
 * 0, or -1 with err saying why (a catalogue query failed, a name that is not
 * a plain SQL name, a foreign key to a table that is missing, tables that
 * reference each other in a cycle). */
int db_schema_read(struct db *db, struct db_schema *out, char *err, size_t errlen);
void db_schema_release(struct db_schema *s);
/* The table named name, or NULL. */
const struct db_table *db_schema_table(const struct db_schema *s, const char *name);
/* The column named name, or NULL. */
const struct db_column *db_table_column(const struct db_table *t, const char *name);

/* The engine a target given to db_open selects (a postgres:// or
 * postgresql:// URL, else a SQLite file), without opening it. */
enum db_engine db_target_engine(const char *target);

/* Starts a read-only transaction in which every statement sees the same
 * snapshot of the database (SQLite: a deferred transaction, in WAL mode;
 * PostgreSQL: REPEATABLE READ, READ ONLY). Writers elsewhere are not
 * blocked; what they commit meanwhile is not seen. End it with db_rollback. */
enum db_rc db_begin_snapshot(struct db *db);

/* SELECT COUNT(*) of table name (a plain SQL name). */
enum db_rc db_count_rows(struct db *db, const char *name, int64_t *out);

/* Copies every row of table `from` of src into table `to` of dst. `to`
 * must have the same name as `from`, and each of its columns must exist in
 * `from` (the caller compares the schemas). Rows are read in primary-key
 * order, a page at a time, and written with multi-row INSERTs through
 * prepared statements. Each value is bound with the kind of `to`'s column:
 * NULL stays NULL, an integer column's value must be a whole number within
 * the column's range, text must be valid UTF-8 — otherwise the copy stops and err names the table,
 * the row (its primary key) and the column. A column referencing its own
 * table is written NULL first and set once all the table's rows are in, so
 * a row may point to one that comes later. dst should be inside the
 * caller's transaction (a failure leaves part of the table written), src
 * inside db_begin_snapshot. Returns the number of rows copied, or -1 (err
 * says why). */
int64_t db_copy_table(struct db *src, const struct db_table *from, struct db *dst,
                      const struct db_table *to, char *err, size_t errlen);

#endif
