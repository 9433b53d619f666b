#include "app/data.h"

#include <stdio.h>
#include <time.h>

#include "core/parse.h"
#include "core/tsv.h"
#include "db/db.h"

struct loader {
	struct db *db;
	struct db_stmt *st;
	int nparams;
	int int_col; /* index of the one integer column (position) */
};

/* Binds every field to $1..$n (the integer column as an integer) and runs
 * the statement once. */
static int load_row(void *ud, char **fields, int line, char *err, size_t errlen)
{
	struct loader *l = ud;
	int64_t pos;

	if (parse_int64(fields[l->int_col], 0, 1000000, &pos) < 0) {
		snprintf(err, errlen, "line %d: position must be a whole number", line);
		return -1;
	}
	db_reset(l->st);
	for (int i = 0; i < l->nparams; i++) {
		enum db_rc rc = i == l->int_col ? db_bind_int(l->st, i + 1, pos)
		                                : db_bind_text(l->st, i + 1, fields[i]);
		if (rc != DB_OK)
			goto fail;
	}
	if (db_step(l->st) == DB_OK)
		return 0;
fail:
	snprintf(err, errlen, "line %d: %s", line, db_errmsg(l->db));
	return -1;
}

static int load_file(struct db *db, const char *path, const char *sql, const char *const *cols,
                     int ncols, int int_col, char *err, size_t errlen)
{
	struct loader l = {db, db_prepare(db, sql), ncols, int_col};
	int rows;

	if (!l.st) {
		snprintf(err, errlen, "%s: %s", path, db_errmsg(db));
		return -1;
	}
	rows = tsv_read(path, cols, ncols, load_row, &l, err, errlen);
	db_finalize(l.st);
	return rows;
}

static const char *const sector_cols[] = {"id", "position", "name_ar", "name_fr", "name_en"};

int data_sync_reference(struct db *db, const char *dir, char *err, size_t errlen)
{
	char path[1024];
	int rows;

	snprintf(path, sizeof(path), "%s/sectors.tsv", dir);
	if (db_begin(db) != DB_OK) {
		snprintf(err, errlen, "%s", db_errmsg(db));
		return -1;
	}
	rows = load_file(db, path,
	                 "INSERT INTO sectors (id, position, name_ar, name_fr, name_en) "
	                 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET "
	                 "position = excluded.position, name_ar = excluded.name_ar, "
	                 "name_fr = excluded.name_fr, name_en = excluded.name_en",
	                 sector_cols, 5, 1, err, errlen);
	if (rows < 0 || db_commit(db) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	return rows;
}

static const char *const network_cols[] = {"slug",       "kind",       "position",
                                           "name_ar",    "name_fr",    "name_en",
                                           "summary_ar", "summary_fr", "summary_en"};

int data_load_demo(struct db *db, const char *dir, char *err, size_t errlen)
{
	char path[1024], now[32];
	int64_t count;
	int rows;
	time_t t = time(NULL);
	struct tm tm;

	if (db_query_int(db, "SELECT COUNT(*) FROM networks", 0, NULL, &count) != DB_OK) {
		snprintf(err, errlen, "%s", db_errmsg(db));
		return -1;
	}
	if (count > 0)
		return 0;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "'%Y-%m-%dT%H:%M:%SZ'", &tm);
	snprintf(path, sizeof(path), "%s/demo/networks.tsv", dir);
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO networks (slug, kind, position, name_ar, name_fr, name_en, "
	         "summary_ar, summary_fr, summary_en, created_at) "
	         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, %s)",
	         now);
	if (db_begin(db) != DB_OK) {
		snprintf(err, errlen, "%s", db_errmsg(db));
		return -1;
	}
	rows = load_file(db, path, sql, network_cols, 9, 2, err, errlen);
	if (rows < 0 || db_commit(db) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	return rows;
}
