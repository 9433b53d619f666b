#include "app/data.h"

#include <stdio.h>
#include <time.h>

#include "core/buf.h"
#include "core/parse.h"
#include "core/tsv.h"
#include "db/db.h"

/* One TSV file and the table it fills. The file's header names the
 * table's columns, in the file's order; cols[0] is the key. */
struct ref_file {
	const char *file;  /* under the data folder */
	const char *table; /* NULL: for demo files, whose SQL is written by hand */
	const char *const *cols;
	int ncols;
	int int_col;  /* the integer column (a position), -1 if none */
	int null_col; /* the column whose empty field is stored as NULL, -1 if none */
};

struct loader {
	struct db *db;
	struct db_stmt *st;
	const struct ref_file *rf;
};

/* Binds every field to $1..$n (the integer column as an integer, the
 * nullable column's empty field as NULL) and runs the statement once. */
static int load_row(void *ud, char **fields, int line, char *err, size_t errlen)
{
	struct loader *l = ud;
	int64_t pos = 0;

	if (l->rf->int_col >= 0 && parse_int64(fields[l->rf->int_col], 0, 1000000, &pos) < 0) {
		snprintf(err, errlen, "%s:%d: %s must be a whole number", l->rf->file, line,
		         l->rf->cols[l->rf->int_col]);
		return -1;
	}
	db_reset(l->st);
	for (int i = 0; i < l->rf->ncols; i++) {
		enum db_rc rc;
		if (i == l->rf->int_col)
			rc = db_bind_int(l->st, i + 1, pos);
		else if (i == l->rf->null_col && fields[i][0] == '\0')
			rc = db_bind_null(l->st, i + 1);
		else
			rc = db_bind_text(l->st, i + 1, fields[i]);
		if (rc != DB_OK)
			goto fail;
	}
	if (db_step(l->st) == DB_OK)
		return 0;
fail:
	snprintf(err, errlen, "%s:%d: %s", l->rf->file, line, db_errmsg(l->db));
	return -1;
}

/* Runs sql once per row of dir/rf->file. Returns rows read or -1. */
static int load_file(struct db *db, const char *dir, const struct ref_file *rf, const char *sql,
                     char *err, size_t errlen)
{
	struct loader l = {db, db_prepare(db, sql), rf};
	char path[1024];
	int rows;

	snprintf(path, sizeof(path), "%s/%s", dir, rf->file);
	if (!l.st) {
		snprintf(err, errlen, "%s: %s", path, db_errmsg(db));
		return -1;
	}
	rows = tsv_read(path, rf->cols, rf->ncols, load_row, &l, err, errlen);
	db_finalize(l.st);
	return rows;
}

/* The upsert for rf: insert, or update the row with the same key when a
 * column differs (an equal row is not written at all). Same SQL on SQLite
 * (3.39 or later) and PostgreSQL. */
static void upsert_sql(const struct ref_file *rf, struct buf *sql)
{
	buf_addf(sql, "INSERT INTO %s (", rf->table);
	for (int i = 0; i < rf->ncols; i++)
		buf_addf(sql, "%s%s", i ? ", " : "", rf->cols[i]);
	buf_adds(sql, ") VALUES (");
	for (int i = 0; i < rf->ncols; i++)
		buf_addf(sql, "%s$%d", i ? ", " : "", i + 1);
	buf_addf(sql, ") ON CONFLICT (%s) DO UPDATE SET ", rf->cols[0]);
	for (int i = 1; i < rf->ncols; i++)
		buf_addf(sql, "%s%s = excluded.%s", i > 1 ? ", " : "", rf->cols[i], rf->cols[i]);
	buf_adds(sql, " WHERE ");
	for (int i = 1; i < rf->ncols; i++)
		buf_addf(sql, "%s%s.%s IS DISTINCT FROM excluded.%s", i > 1 ? " OR " : "",
		         rf->table, rf->cols[i], rf->cols[i]);
}

static const char *const sector_cols[] = {"id", "position", "name_ar", "name_fr", "name_en"};
static const char *const domain_cols[] = {"id", "position", "name_ar", "name_fr", "name_en"};
static const char *const skill_cols[] = {"id",      "domain_id", "name_ar",
                                         "name_fr", "name_en",   "synonyms"};
static const char *const isco_cols[] = {"code", "parent", "name_en", "name_fr", "name_ar"};
static const char *const region_cols[] = {"code", "position", "name_ar", "name_fr", "name_en"};
static const char *const country_cols[] = {"code", "name_ar", "name_fr", "name_en"};
static const char *const language_cols[] = {"code", "name_ar", "name_fr", "name_en"};
/* Orientation of project holders (projects.h, docs/PROJECTS.md). */
static const char *const cri_cols[] = {"region",  "name_ar", "name_fr",
                                       "name_en", "city",    "website"};
static const char *const mdm_cols[] = {"id", "rule", "amount", "valid_from"};
static const char *const programme_cols[] = {
        "id", "country", "name", "url", "description_ar", "description_fr", "description_en"};

/* The public changelog (changelog.c). */
static const char *const changelog_cols[] = {"id",      "date",    "version", "area",
                                             "text_ar", "text_fr", "text_en"};

#define COLS(a) a, (int)(sizeof(a) / sizeof(a[0]))

/* The reference files, in dependency order (a skill's domain before the
 * skill). isco_groups.parent has no foreign key, so its order is free.
 * A row removed from a file is NOT deleted from the database: profiles,
 * needs and history may point to it; retire an id by leaving it unused. */
static const struct ref_file reference_files[] = {
        {"sectors.tsv", "sectors", COLS(sector_cols), 1, -1},
        {"skill_domains.tsv", "skill_domains", COLS(domain_cols), 1, -1},
        {"skills.tsv", "skills", COLS(skill_cols), -1, -1},
        {"isco08.tsv", "isco_groups", COLS(isco_cols), -1, 1},
        {"regions.tsv", "regions", COLS(region_cols), 1, -1},
        {"countries.tsv", "countries", COLS(country_cols), -1, -1},
        {"languages.tsv", "languages", COLS(language_cols), -1, -1},
        {"cri.tsv", "cri", COLS(cri_cols), -1, -1},
        {"mdm_invest.tsv", "mdm_rules", COLS(mdm_cols), -1, -1},
        {"support_programmes.tsv", "support_programmes", COLS(programme_cols), -1, -1},
        {"changelog.tsv", "changelog", COLS(changelog_cols), -1, -1},
};

int data_sync_reference(struct db *db, const char *dir, char *err, size_t errlen)
{
	int total = 0;

	if (db_begin(db) != DB_OK) {
		snprintf(err, errlen, "%s", db_errmsg(db));
		return -1;
	}
	for (size_t i = 0; i < sizeof(reference_files) / sizeof(reference_files[0]); i++) {
		struct buf sql = BUF_INIT;
		upsert_sql(&reference_files[i], &sql);
		int rows = load_file(db, dir, &reference_files[i], buf_str(&sql), err, errlen);
		buf_release(&sql);
		if (rows < 0) {
			db_rollback(db);
			return -1;
		}
		total += rows;
	}
	if (db_commit(db) != DB_OK) {
		snprintf(err, errlen, "%s", db_errmsg(db));
		db_rollback(db);
		return -1;
	}
	return total;
}

static const char *const network_cols[] = {"slug",       "kind",       "position",
                                           "name_ar",    "name_fr",    "name_en",
                                           "summary_ar", "summary_fr", "summary_en"};
static const struct ref_file demo_networks = {"demo/networks.tsv", NULL, COLS(network_cols), 2, -1};

/* Institutions and their needs (institutions.c, needs.c): verified and
 * published at load time; empty fields are NULL (NULLIF). %s is the load
 * time as a quoted ISO timestamp. In dependency order. */
static const char *const demo_institution_cols[] = {"id",      "kind",    "region",  "website",
                                                    "name_ar", "name_fr", "name_en", "description"};
static const char *const demo_sector_cols[] = {"institution_id", "sector_id"};
static const char *const demo_need_cols[] = {"id",
                                             "institution_id",
                                             "title",
                                             "description",
                                             "sector_id",
                                             "mode",
                                             "presence",
                                             "region",
                                             "city",
                                             "start_date",
                                             "end_date",
                                             "flexible",
                                             "effort_days",
                                             "hours_per_month",
                                             "experts_wanted",
                                             "pay",
                                             "covers_travel",
                                             "covers_stay",
                                             "counterpart_name",
                                             "counterpart_role",
                                             "counterpart_email"};
static const char *const demo_skill_cols[] = {"need_id", "skill_id", "required", "min_level"};
static const char *const demo_language_cols[] = {"need_id", "code", "level"};
static const struct {
	struct ref_file rf;
	const char *sql;
} demo_files[] = {
        {{"demo/institutions.tsv", NULL, COLS(demo_institution_cols), -1, 2},
         "INSERT INTO institutions (id, kind, region, website, name_ar, name_fr, name_en, "
         "description, created_at, verified_at) VALUES (CAST($1 AS BIGINT), $2, $3, $4, $5, $6, "
         "$7, "
         "$8, %s, %s)"},
        {{"demo/institution_sectors.tsv", NULL, COLS(demo_sector_cols), -1, -1},
         "INSERT INTO institution_sectors (institution_id, sector_id) VALUES (CAST($1 AS BIGINT), "
         "$2)"},
        {{"demo/needs.tsv", NULL, COLS(demo_need_cols), -1, -1},
         "INSERT INTO needs (id, institution_id, title, description, sector_id, mode, presence, "
         "region, city, start_date, end_date, flexible, effort_days, hours_per_month, "
         "experts_wanted, pay, covers_travel, covers_stay, counterpart_name, counterpart_role, "
         "counterpart_email, ready_counterpart, ready_resources, ready_approval, state, "
         "created_at, updated_at, submitted_at, published_at) VALUES (CAST($1 AS BIGINT), "
         "CAST($2 AS BIGINT), $3, $4, NULLIF($5, ''), $6, $7, NULLIF($8, ''), $9, NULLIF($10, "
         "''), NULLIF($11, ''), CAST($12 AS INTEGER), CAST(NULLIF($13, '') AS INTEGER), "
         "CAST(NULLIF($14, '') AS INTEGER), CAST($15 AS INTEGER), $16, CAST($17 AS INTEGER), "
         "CAST($18 AS INTEGER), $19, $20, $21, 1, 1, 1, 'published', %s, %s, %s, %s)"},
        {{"demo/need_skills.tsv", NULL, COLS(demo_skill_cols), -1, -1},
         "INSERT INTO need_skills (need_id, skill_id, required, min_level) VALUES (CAST($1 AS "
         "BIGINT), $2, CAST($3 AS INTEGER), CAST($4 AS INTEGER))"},
        {{"demo/need_languages.tsv", NULL, COLS(demo_language_cols), -1, -1},
         "INSERT INTO need_languages (need_id, code, level) VALUES (CAST($1 AS BIGINT), $2, "
         "$3)"},
};

/* The institutions and needs of demo_files; rows read, or -1 (err). */
static int load_demo_needs(struct db *db, const char *dir, const char *now, char *err,
                           size_t errlen)
{
	int total = 0;

	for (size_t i = 0; i < sizeof(demo_files) / sizeof(demo_files[0]); i++) {
		struct buf sql = BUF_INIT;
		int rows;
		buf_addf(&sql, demo_files[i].sql, now, now, now, now);
		rows = load_file(db, dir, &demo_files[i].rf, buf_str(&sql), err, errlen);
		buf_release(&sql);
		if (rows < 0)
			return -1;
		total += rows;
	}
	return total;
}

int data_load_demo(struct db *db, const char *dir, char *err, size_t errlen)
{
	char now[32];
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
	rows = load_file(db, dir, &demo_networks, sql, err, errlen);
	if (rows >= 0) {
		int more = load_demo_needs(db, dir, now, err, errlen);
		rows = more < 0 ? -1 : rows + more;
	}
	if (rows < 0 || db_commit(db) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	return rows;
}
