/* Tests for the reference data under data/ and its loading (src/app/data.c).
 *
 * Run from the repository root (as `make test` does): the files under data/
 * are loaded into a fresh SQLite database in a temporary folder (migrations
 * first, then data_sync_reference), and the tests check what a profile, a
 * need or a search will rely on: counts, labels in the three languages,
 * links between tables, the ISCO-08 hierarchy, and that a second
 * synchronisation changes nothing. The last tests load small files of their
 * own to check what the loader keeps, updates and refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/data.h"
#include "core/tsv.h"
#include "db/db.h"
#include "db/migrations.h"
#include "text/fold.h"

#define DATA_DIR "data"

struct fixture {
	char dir[64];
	struct db *db;
	int rows; /* returned by the first data_sync_reference */
};

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh database in a temporary folder, with every migration applied. */
static struct fixture *fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], err[512];

	if (f == NULL)
		return NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat-test-data-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/test.db", f->dir);
	if (db_open(path, &f->db, err, sizeof(err)) < 0 ||
	    migrate_run(f->db, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return NULL;
	}
	return f;
}

static void fixture_free(struct fixture *f)
{
	if (f == NULL)
		return;
	db_close(f->db);
	nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
}

static int setup(void **state)
{
	struct fixture *f;
	char err[512];

	if (access(DATA_DIR "/skills.tsv", R_OK) != 0) {
		fprintf(stderr, "setup: run from the repository root (no %s/skills.tsv)\n",
		        DATA_DIR);
		return -1;
	}
	f = fixture_new();
	if (f == NULL)
		return -1;
	*state = f;
	f->rows = data_sync_reference(f->db, DATA_DIR, err, sizeof(err));
	if (f->rows < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static struct db *fdb(void **state)
{
	return ((struct fixture *)*state)->db;
}

static int64_t query_int(struct db *db, const char *sql)
{
	int64_t v = -1;

	if (db_query_int(db, sql, 0, NULL, &v) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return v;
}

static int64_t query_int1(struct db *db, const char *sql, const char *param)
{
	int64_t v = -1;

	if (db_query_int(db, sql, 1, &param, &v) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return v;
}

/* The reference tables, with the file each comes from. */
static const struct {
	const char *table, *file;
} tables[] = {
        {"sectors", "sectors.tsv"},      {"skill_domains", "skill_domains.tsv"},
        {"skills", "skills.tsv"},        {"isco_groups", "isco08.tsv"},
        {"regions", "regions.tsv"},      {"countries", "countries.tsv"},
        {"languages", "languages.tsv"},  {"cri", "cri.tsv"},
        {"mdm_rules", "mdm_invest.tsv"}, {"support_programmes", "support_programmes.tsv"},
        {"changelog", "changelog.tsv"},
};

static int count_row(void *ud, char **fields, int line, char *err, size_t errlen)
{
	(void)fields;
	(void)line;
	(void)err;
	(void)errlen;
	(void)ud;
	return 0;
}

/* Rows in a data file: its header is read as the expected columns. */
static int file_rows(const char *file)
{
	char path[256], err[512], *cols[16];
	int n = 0, rows;
	FILE *fp;
	static char line[4096];

	snprintf(path, sizeof(path), "%s/%s", DATA_DIR, file);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) && line[0] == '#')
		;
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line; n < 16; p++) {
		cols[n++] = p;
		p = strchr(p, '\t');
		if (p == NULL)
			break;
		*p = '\0';
	}
	rows = tsv_read(path, (const char *const *)cols, n, count_row, NULL, err, sizeof(err));
	if (rows < 0)
		fail_msg("%s", err);
	return rows;
}

/* Every row of every file is in its table: no id is repeated in a file
 * (a repeated id would silently overwrite the first row). */
static void test_every_file_row_loaded(void **state)
{
	struct fixture *f = *state;
	int total = 0;
	char sql[128];

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		int rows = file_rows(tables[i].file);
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i].table);
		if (query_int(f->db, sql) != rows)
			fail_msg("%s: %d rows in the file, %lld in the table (a repeated key?)",
			         tables[i].file, rows, (long long)query_int(f->db, sql));
		total += rows;
	}
	assert_int_equal(f->rows, total);
}

static void test_skills(void **state)
{
	struct db *db = fdb(state);

	assert_true(query_int(db, "SELECT COUNT(*) FROM skills") >= 400);
	assert_true(query_int(db, "SELECT COUNT(*) FROM skill_domains") >= 20);
	/* every skill's domain exists, and every domain has skills */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM skills WHERE domain_id NOT IN "
	                               "(SELECT id FROM skill_domains)"),
	                 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM skill_domains WHERE id NOT IN "
	                               "(SELECT domain_id FROM skills)"),
	                 0);
	/* synonyms: no empty item, no space around '|' */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM skills WHERE synonyms LIKE '|%' "
	                               "OR synonyms LIKE '%|' OR synonyms LIKE '%||%' "
	                               "OR synonyms LIKE '% |%' OR synonyms LIKE '%| %'"),
	                 0);
}

/* A slug: lowercase ASCII letters and digits in words joined by '-'. */
static int is_slug(const char *s)
{
	int prev_dash = 1;

	if (*s == '\0')
		return 0;
	for (; *s; s++) {
		if (*s == '-') {
			if (prev_dash)
				return 0;
			prev_dash = 1;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) {
			prev_dash = 0;
		} else {
			return 0;
		}
	}
	return !prev_dash;
}

static void test_ids_are_slugs(void **state)
{
	const char *sql[] = {"SELECT id FROM skills", "SELECT id FROM skill_domains",
	                     "SELECT id FROM sectors"};

	assert_true(is_slug("data-ai"));
	assert_false(is_slug("Data-AI"));
	assert_false(is_slug("-x"));
	assert_false(is_slug("x--y"));
	assert_false(is_slug("x-"));
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		struct db_stmt *st = db_prepare(fdb(state), sql[i]);
		assert_non_null(st);
		while (db_step(st) == DB_ROW)
			if (!is_slug(db_col_text(st, 0)))
				fail_msg("%s: \"%s\" is not a slug", sql[i], db_col_text(st, 0));
		db_finalize(st);
	}
}

/* No label is empty (or only spaces) in any of the three languages. */
static void test_no_empty_label(void **state)
{
	const char *tabs[] = {"skills",    "skill_domains", "regions",    "sectors",
	                      "countries", "languages",     "isco_groups"};
	const char *langs[] = {"name_ar", "name_fr", "name_en"};
	char sql[160];

	for (size_t t = 0; t < sizeof(tabs) / sizeof(tabs[0]); t++)
		for (size_t l = 0; l < 3; l++) {
			snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE trim(%s) = ''",
			         tabs[t], langs[l]);
			if (query_int(fdb(state), sql) != 0)
				fail_msg("%s has an empty %s", tabs[t], langs[l]);
		}
	/* and Arabic labels are written in Arabic script */
	assert_int_equal(query_int(fdb(state), "SELECT COUNT(*) FROM skills WHERE name_ar "
	                                       "NOT GLOB '*[ء-ي]*'"),
	                 0);
}

static void test_isco(void **state)
{
	struct db *db = fdb(state);

	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM isco_groups WHERE length(code) = 1"),
	                 10);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM isco_groups WHERE length(code) = 2"),
	                 43);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM isco_groups WHERE length(code) = 3"),
	                 130);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM isco_groups WHERE length(code) = 4"),
	                 436);
	/* major groups have no parent; every other group's parent exists and is
	 * its code less the last digit */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM isco_groups WHERE length(code) = 1 "
	                               "AND parent IS NOT NULL"),
	                 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM isco_groups WHERE length(code) > 1 "
	                               "AND (parent IS NULL OR parent NOT IN "
	                               "(SELECT code FROM isco_groups))"),
	                 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM isco_groups WHERE parent IS NOT NULL "
	                               "AND parent <> substr(code, 1, length(code) - 1)"),
	                 0);
	/* only digits */
	assert_int_equal(
	        query_int(db, "SELECT COUNT(*) FROM isco_groups WHERE code GLOB '*[^0-9]*'"), 0);
	assert_int_equal(query_int1(db,
	                            "SELECT COUNT(*) FROM isco_groups WHERE code = $1 AND "
	                            "name_en = 'Specialist medical practitioners'",
	                            "2212"),
	                 1);
}

static void test_regions(void **state)
{
	struct db *db = fdb(state);
	char code[16];

	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM regions"), 12);
	for (int i = 1; i <= 12; i++) {
		snprintf(code, sizeof(code), "MA-%02d", i);
		if (query_int1(db, "SELECT COUNT(*) FROM regions WHERE code = $1", code) != 1)
			fail_msg("region %s missing", code);
	}
	assert_int_equal(query_int1(db,
	                            "SELECT COUNT(*) FROM regions WHERE code = $1 AND "
	                            "name_fr = 'Casablanca-Settat'",
	                            "MA-06"),
	                 1);
	/* positions give one order */
	assert_int_equal(query_int(db, "SELECT COUNT(DISTINCT position) FROM regions"), 12);
}

static void test_countries(void **state)
{
	struct db *db = fdb(state);
	const char *want[] = {"MA", "FR", "CA", "SG", "ES", "BE",
	                      "NL", "DE", "IT", "US", "GB", "AE"};

	assert_true(query_int(db, "SELECT COUNT(*) FROM countries") >= 240);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (query_int1(db, "SELECT COUNT(*) FROM countries WHERE code = $1", want[i]) != 1)
			fail_msg("country %s missing", want[i]);
	assert_int_equal(query_int1(db,
	                            "SELECT COUNT(*) FROM countries WHERE code = $1 AND "
	                            "name_ar = 'المغرب' AND name_fr = 'Maroc'",
	                            "MA"),
	                 1);
	/* the translations were really loaded: Arabic differs from English for
	 * (almost) all; French for at least 150 (many names are the same in
	 * French and English: France, Canada, Afghanistan…) */
	assert_true(query_int(db, "SELECT COUNT(*) FROM countries WHERE name_ar <> name_en") >=
	            240);
	assert_true(query_int(db, "SELECT COUNT(*) FROM countries WHERE name_fr <> name_en") >=
	            150);
	assert_true(query_int(db, "SELECT COUNT(*) FROM countries WHERE name_ar <> name_en "
	                          "OR name_fr <> name_en") >= 240);
}

static void test_languages(void **state)
{
	const char *want[] = {"ar", "fr", "en", "es", "de", "nl", "it", "zgh", "ary", "tzm"};

	assert_true(query_int(fdb(state), "SELECT COUNT(*) FROM languages") >= 184);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (query_int1(fdb(state), "SELECT COUNT(*) FROM languages WHERE code = $1",
		               want[i]) != 1)
			fail_msg("language %s missing", want[i]);
	assert_int_equal(query_int1(fdb(state),
	                            "SELECT COUNT(*) FROM languages WHERE code = $1 "
	                            "AND name_ar = 'العربية' AND name_fr = 'arabe'",
	                            "ar"),
	                 1);
}

/* Does folded term equal a folded item of the '|'-separated list? */
static int list_has(const char *list, const char *term)
{
	size_t tn;
	char *ft = text_fold(term, strlen(term), &tn);
	int found = 0;

	assert_non_null(ft);
	for (const char *p = list; !found && *p;) {
		size_t n = strcspn(p, "|"), fn;
		char *fp = text_fold(p, n, &fn);
		assert_non_null(fp);
		found = fn == tn && memcmp(fp, ft, tn) == 0;
		free(fp);
		p += n;
		if (*p == '|')
			p++;
	}
	free(ft);
	return found;
}

/* The id of the one skill having term (folded) as a label or synonym;
 * fails when none or several have it. */
static void skill_with(struct db *db, const char *term, char *id, size_t idlen)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT id, name_ar, name_fr, name_en, synonyms FROM skills");
	int found = 0;

	assert_non_null(st);
	while (db_step(st) == DB_ROW) {
		int hit = list_has(db_col_text(st, 4), term);
		for (int c = 1; c <= 3 && !hit; c++)
			hit = list_has(db_col_text(st, c), term);
		if (!hit)
			continue;
		if (found++)
			fail_msg("\"%s\" names two skills: %s and %s", term, id,
			         db_col_text(st, 0));
		snprintf(id, idlen, "%s", db_col_text(st, 0));
	}
	db_finalize(st);
	if (!found)
		fail_msg("no skill named \"%s\"", term);
}

/* An Arabic query finds the skill a French speaker knows as cybersécurité. */
static void test_cybersecurity_in_three_languages(void **state)
{
	char a[64], b[64], c[64], d[64];

	skill_with(fdb(state), "cybersécurité", a, sizeof(a));
	skill_with(fdb(state), "الأمن السيبراني", b, sizeof(b));
	skill_with(fdb(state), "Cybersecurity", c, sizeof(c));
	skill_with(fdb(state), "أمن المعلومات", d, sizeof(d));
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	assert_string_equal(a, d);
	skill_with(fdb(state), "cardiologie interventionnelle", a, sizeof(a));
	skill_with(fdb(state), "أمراض القلب التداخلية", b, sizeof(b));
	assert_string_equal(a, b);
}

/* FNV-1a over every column of every row of the reference tables. */
static uint64_t checksum(struct db *db)
{
	uint64_t h = 1469598103934665603ULL;
	char sql[96];

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1", tables[t].table);
		struct db_stmt *st = db_prepare(db, sql);
		assert_non_null(st);
		while (db_step(st) == DB_ROW)
			for (int c = 0; c < db_col_count(st); c++) {
				const char *v =
				        db_col_is_null(st, c) ? "\x01NULL" : db_col_text(st, c);
				for (const char *p = v;; p++) {
					h = (h ^ (unsigned char)*p) * 1099511628211ULL;
					if (*p == '\0')
						break;
				}
			}
		db_finalize(st);
	}
	return h;
}

static void test_second_sync_changes_nothing(void **state)
{
	struct fixture *f = *state;
	char err[512];
	uint64_t before = checksum(f->db);
	int64_t changes = query_int(f->db, "SELECT total_changes()");

	assert_int_equal(data_sync_reference(f->db, DATA_DIR, err, sizeof(err)), f->rows);
	assert_int_equal(query_int(f->db, "SELECT total_changes()"), changes);
	assert_true(checksum(f->db) == before);
}

/* --- The loader on small files of the test's own ------------------------ */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A minimal data folder; sectors and skills given by the caller. */
static void write_small_data(const char *dir, const char *sectors, const char *skills)
{
	write_file(dir, "sectors.tsv", sectors);
	write_file(dir, "skill_domains.tsv",
	           "# test\nid\tposition\tname_ar\tname_fr\tname_en\nd1\t1\tم\tD\tD\n");
	write_file(dir, "skills.tsv", skills);
	write_file(dir, "isco08.tsv",
	           "# test\ncode\tparent\tname_en\tname_fr\tname_ar\n"
	           "2\t\tProfessionals\tProfessions intellectuelles\t\n"
	           "22\t2\tHealth professionals\tSpécialistes de la santé\t\n");
	write_file(dir, "regions.tsv",
	           "# test\ncode\tposition\tname_ar\tname_fr\tname_en\n"
	           "MA-06\t60\tالدار البيضاء - سطات\tCasablanca-Settat\t"
	           "Casablanca-Settat\n");
	write_file(dir, "countries.tsv",
	           "# test\ncode\tname_ar\tname_fr\tname_en\nMA\tالمغرب\tMaroc\tMorocco\n");
	write_file(dir, "languages.tsv",
	           "# test\ncode\tname_ar\tname_fr\tname_en\nar\tالعربية\tarabe\tArabic\n");
	/* the orientation of project holders: headers only */
	write_file(dir, "cri.tsv", "# test\nregion\tname_ar\tname_fr\tname_en\tcity\twebsite\n");
	write_file(dir, "mdm_invest.tsv", "# test\nid\trule\tamount\tvalid_from\n");
	write_file(dir, "support_programmes.tsv",
	           "# test\nid\tcountry\tname\turl\tdescription_ar\tdescription_fr\t"
	           "description_en\n");
	/* the public changelog: headers only */
	write_file(dir, "changelog.tsv",
	           "# test\nid\tdate\tversion\tarea\ttext_ar\ttext_fr\ttext_en\n");
}

static const char sectors_v1[] = "# test\nid\tposition\tname_ar\tname_fr\tname_en\n"
                                 "s1\t10\tص1\tS1\tS1\n"
                                 "s2\t20\tص2\tS2\tS2\n";
static const char skills_v1[] = "# test\nid\tdomain_id\tname_ar\tname_fr\tname_en\tsynonyms\n"
                                "k1\td1\tك1\tK1\tK1\ta|b\n"
                                "k2\td1\tك2\tK2\tK2\t\n";

/* A row gone from a file stays in the database; a changed row is updated;
 * the ISCO major group's empty parent is stored as NULL. */
static void test_loader_keeps_and_updates(void **state)
{
	struct fixture *f = fixture_new();
	char err[512];

	(void)state;
	assert_non_null(f);
	write_small_data(f->dir, sectors_v1, skills_v1);
	assert_int_equal(data_sync_reference(f->db, f->dir, err, sizeof(err)), 10);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM isco_groups WHERE parent IS NULL"),
	                 1);
	write_small_data(f->dir,
	                 "# test\nid\tposition\tname_ar\tname_fr\tname_en\ns1\t15\tص1\tS un\tS1\n",
	                 "# test\nid\tdomain_id\tname_ar\tname_fr\tname_en\tsynonyms\n"
	                 "k2\td1\tك2\tK2\tK2\tc\n");
	assert_int_equal(data_sync_reference(f->db, f->dir, err, sizeof(err)), 8);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM sectors"), 2);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM sectors WHERE id = 's1' AND "
	                                  "position = 15 AND name_fr = 'S un'"),
	                 1);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM skills"), 2);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM skills WHERE id = 'k2' AND "
	                                  "synonyms = 'c'"),
	                 1);
	fixture_free(f);
}

/* A bad file anywhere: an error naming it, and nothing changed at all. */
static void test_loader_refuses_bad_file(void **state)
{
	struct fixture *f = fixture_new();
	char err[512];

	(void)state;
	assert_non_null(f);
	write_small_data(f->dir, sectors_v1, skills_v1);
	assert_int_equal(data_sync_reference(f->db, f->dir, err, sizeof(err)), 10);
	uint64_t before = checksum(f->db);

	/* a skill in an unknown domain, after a sector changed */
	write_small_data(
	        f->dir,
	        "# test\nid\tposition\tname_ar\tname_fr\tname_en\ns1\t10\tص1\tChanged\tS1\n",
	        "# test\nid\tdomain_id\tname_ar\tname_fr\tname_en\tsynonyms\n"
	        "k3\tnope\tك3\tK3\tK3\t\n");
	assert_int_equal(data_sync_reference(f->db, f->dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "skills.tsv:3"));
	assert_true(checksum(f->db) == before);

	/* a position that is not a number */
	write_small_data(f->dir,
	                 "# test\nid\tposition\tname_ar\tname_fr\tname_en\ns1\tten\tص\tS\tS\n",
	                 skills_v1);
	assert_int_equal(data_sync_reference(f->db, f->dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sectors.tsv:3"));

	/* a header that does not name the columns */
	write_small_data(f->dir, sectors_v1, "# test\nid\tdomain\tname_ar\tname_fr\tname_en\n");
	assert_int_equal(data_sync_reference(f->db, f->dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "header"));
	assert_true(checksum(f->db) == before);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_file_row_loaded),
	        cmocka_unit_test(test_skills),
	        cmocka_unit_test(test_ids_are_slugs),
	        cmocka_unit_test(test_no_empty_label),
	        cmocka_unit_test(test_isco),
	        cmocka_unit_test(test_regions),
	        cmocka_unit_test(test_countries),
	        cmocka_unit_test(test_languages),
	        cmocka_unit_test(test_cybersecurity_in_three_languages),
	        cmocka_unit_test(test_second_sync_changes_nothing),
	        cmocka_unit_test(test_loader_keeps_and_updates),
	        cmocka_unit_test(test_loader_refuses_bad_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
