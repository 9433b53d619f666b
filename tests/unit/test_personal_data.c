/* Unit tests for the personal-data catalogue (db/personal_data.tsv) and
 * app/rights.c: the catalogue classifies every column of every table about
 * a person, read from a migrated SQLite database (a new column fails here
 * until it is classified); the export finds every listed column of the
 * person's rows; erasure leaves no row with their email or names; the ZIP
 * writer. Runs from the top of the tree (scripts/test.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/files.h"
#include "app/rights.h"
#include "app/sql.h"
#include "core/buf.h"
#include "db/db.h"
#include "db/migrations.h"

#define CATALOGUE "db/personal_data.tsv"
#define EMAIL "amal.benali@example.org"
#define NAME "Amal Benali"
#define NAME_AR "أمل بنعلي"
#define PHONE "+33 6 12 34 56 78"

struct fixture {
	char dir[64];
	struct db *db;
	struct pd_catalogue cat;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], err[512];

	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat_pd_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/k.db", f->dir);
	assert_int_equal(db_open(path, &f->db, err, sizeof(err)), 0);
	assert_true(migrate_run(f->db, err, sizeof(err)) > 0);
	if (pd_catalogue_load(CATALOGUE, &f->cat, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	pd_catalogue_release(&f->cat);
	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* ---- The schema ------------------------------------------------------------ */

/* Names from a one-column query (arena strings), NULL-terminated. */
static const char **names(struct db *db, struct arena *a, const char *sql, const char *param)
{
	struct db_stmt *st = db_prepare(db, sql);
	const char **out = arena_zalloc(a, 256 * sizeof(*out));
	int n = 0;

	assert_non_null(st);
	if (param)
		assert_int_equal(db_bind_text(st, 1, param), DB_OK);
	while (db_step(st) == DB_ROW && n < 255)
		out[n++] = arena_strdup(a, db_col_text(st, 0));
	db_finalize(st);
	return out;
}

static int listed(const char **list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static const struct pd_column *classified(const struct pd_catalogue *c, const char *table,
                                          const char *column)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->cols[i].table, table) == 0 && strcmp(c->cols[i].column, column) == 0)
			return &c->cols[i];
	return NULL;
}

static int catalogued_table(const struct pd_catalogue *c, const char *table)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->cols[i].table, table) == 0)
			return 1;
	return 0;
}

/* Tables about a person: users, every table with a foreign key to one of
 * them that goes with the person (profiles, then the profile's lists…; a
 * key that becomes NULL when the person goes only names who acted, and
 * the catalogue lists that column), and the tables the catalogue lists
 * (the audit log, the outbox, sign-in failures, needs by their author). */
static const char **person_tables(struct fixture *f, struct arena *a, const char **tables)
{
	const char **about = arena_zalloc(a, 256 * sizeof(*about));
	int n = 0, grew = 1;

	about[n++] = "users";
	while (grew) {
		grew = 0;
		for (const char **t = tables; *t && n < 255; t++) {
			const char **refs =
			        names(f->db, a,
			              "SELECT \"table\" FROM pragma_foreign_key_list($1) "
			              "WHERE on_delete <> 'SET NULL'",
			              *t);
			for (const char **r = refs; *r; r++)
				if (listed(about, *r) && !listed(about, *t)) {
					about[n++] = *t;
					grew = 1;
					break;
				}
		}
	}
	for (const char **t = tables; *t && n < 255; t++)
		if (catalogued_table(&f->cat, *t) && !listed(about, *t))
			about[n++] = *t;
	return about;
}

static void every_column_about_a_person_is_classified(void **state)
{
	struct fixture *f = *state;
	struct arena a = ARENA_INIT;
	const char **tables = names(f->db, &a,
	                            "SELECT name FROM sqlite_master WHERE type = 'table' AND name "
	                            "NOT LIKE 'sqlite_%' ORDER BY name",
	                            NULL);
	const char **about = person_tables(f, &a, tables);
	int missing = 0;

	assert_true(listed(about, "profiles") && listed(about, "profile_skills") &&
	            listed(about, "files") && listed(about, "audit_log"));
	for (const char **t = about; *t; t++) {
		const char **cols = names(f->db, &a, "SELECT name FROM pragma_table_info($1)", *t);
		for (const char **c = cols; *c; c++) {
			if (!classified(&f->cat, *t, *c)) {
				print_error("%s: %s.%s is not classified: add it (or list it as "
				            "not-personal)\n",
				            CATALOGUE, *t, *c);
				missing++;
			}
		}
	}
	assert_int_equal(missing, 0);
	arena_free(&a);
}

static void every_classified_column_exists(void **state)
{
	struct fixture *f = *state;
	struct arena a = ARENA_INIT;
	int stale = 0;

	for (size_t i = 0; i < f->cat.count; i++) {
		const char **cols = names(f->db, &a, "SELECT name FROM pragma_table_info($1)",
		                          f->cat.cols[i].table);
		if (!listed(cols, f->cat.cols[i].column)) {
			print_error("%s: %s.%s is not in the schema\n", CATALOGUE,
			            f->cat.cols[i].table, f->cat.cols[i].column);
			stale++;
		}
	}
	assert_int_equal(stale, 0);
	arena_free(&a);
}

/* ---- The catalogue's own rules ------------------------------------------- */

static int load_text(struct fixture *f, const char *text, char *err, size_t n)
{
	char path[128];
	struct pd_catalogue c;
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/pd.tsv", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("table\tcolumn\tkind\terasure\tfinds\n", fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	rc = pd_catalogue_load(path, &c, err, n);
	pd_catalogue_release(&c);
	return rc;
}

static void the_loader_refuses_mistakes(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text, *why;
	} cases[] = {
	        {"t\tid\tnobody\tdelete\tuser\n", "unknown kind"},
	        {"t\tid\tidentifier\tburn\tuser\n", "unknown erasure"},
	        {"t\tid\tidentifier\tdelete\tphone\n", "unknown finder"},
	        {"t\tid\tidentifier\tdelete\t-\n", "no finder"},
	        {"t\tid\tidentifier\tdelete\tuser\nt\tid\tprofile\tdelete\t-\n", "twice"},
	        {"t\tid\tidentifier\tdelete\tuser\nu\tid\tidentifier\tdelete\tuser\n"
	         "t\tx\tprofile\tdelete\tuser\n",
	         "not together"},
	        {"t\tid\tidentifier\tdelete\tuser\nt\tbio\tprofile\tanonymise\t-\n", "anonymise"},
	        {"t;\tid\tidentifier\tdelete\tuser\n", "not a table"},
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load_text(f, cases[i].text, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].why))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, cases[i].why);
	}
	assert_int_equal(load_text(f, "t\tid\tidentifier\tdelete\tuser\n", err, sizeof(err)), 0);
}

/* ---- Export and erasure on real rows ------------------------------------- */

static const char *const person_sql[] = {
        "INSERT INTO users (id, email, lang, status, password_hash, created_at, updated_at) "
        "VALUES (7, '" EMAIL "', 'fr', 'active', '$argon2id$secret', 't', 't')",
        "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (8, "
        "'other@example.org', 'en', 'active', 't', 't')",
        "INSERT INTO user_roles (user_id, role, scope, granted_at) VALUES (7, 'expert', '', 't')",
        "INSERT INTO user_roles (user_id, role, scope, granted_at, granted_by) VALUES (8, "
        "'expert', '', 't', 7)",
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, "
        "expires_at, ip, user_agent) VALUES ('h7', 7, 'c7', 't', 't', 't', '192.0.2.7', 'UA')",
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, "
        "expires_at) VALUES ('h8', 8, 'c8', 't', 't', 't')",
        "INSERT INTO profiles (user_id, name, name_ar, bio, created_at, updated_at, "
        "confirmed_at) VALUES (7, '" NAME "', '" NAME_AR "', 'Call me: " PHONE "', 't', 't', "
        "'2026-01-01T00:00:00Z')",
        "INSERT INTO profile_periods (id, user_id, kind, from_date, to_date, city) VALUES (1, "
        "7, 'stay', '2027-07-01', '2027-08-01', 'Casablanca')",
        "INSERT INTO consents VALUES (7, 'programme', 1, 2, 't')",
        "INSERT INTO consent_events (id, user_id, audience, granted, notice_version, at) "
        "VALUES (1, 7, 'programme', 1, 2, 't')",
        "INSERT INTO files (id, user_id, kind, name, size, sha256, stored_as, created_at) "
        "VALUES (1, 7, 'cv', 'CV " NAME ".pdf', 10, 'x', 'tok', 't')",
        "INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, next_attempt_at) "
        "VALUES (1, '" EMAIL "', 'fr', 's', 'b', 't', 't')",
        "INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, next_attempt_at) "
        "VALUES (2, 'old@example.org', 'fr', 'Changed', 'Now " EMAIL ".', 't', 't')",
        "INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, next_attempt_at) "
        "VALUES (4, 'someone@example.org', 'fr', 's', 'About " EMAIL "', 't', 't')",
        "INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, next_attempt_at) "
        "VALUES (5, 'near@example.org', 'fr', 'Changed', 'Now x" EMAIL "', 't', 't')",
        "INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, next_attempt_at) "
        "VALUES (3, 'other@example.org', 'en', 's', 'b', 't', 't')",
        "INSERT INTO audit_log (seq, at, actor_id, action, target_type, target_id, ip, "
        "prev_hash, hash) VALUES (1, 't', 7, 'signin', 'user', '7', '192.0.2.7', 'p', 'h')",
        "INSERT INTO audit_log (seq, at, actor_id, action, target_type, target_id, ip, "
        "prev_hash, hash) VALUES (2, 't', 8, 'cv_viewed', 'user', '7', '198.51.100.8', 'p', "
        "'h')",
        "INSERT INTO freshness_reminders VALUES (7, '2026-01-01T00:00:00Z', '6m', 't')",
        "INSERT INTO reconfirm_tokens (token_hash, user_id, confirmed_at, created_at, "
        "expires_at) VALUES ('r7', 7, 'c', 't', 't')",
};

static void insert_person(struct fixture *f)
{
	for (size_t i = 0; i < sizeof(person_sql) / sizeof(person_sql[0]); i++)
		if (db_exec(f->db, person_sql[i]) != DB_OK)
			fail_msg("%s: %s", person_sql[i], db_errmsg(f->db));
}

static const struct pd_subject amal = {7, {EMAIL}, 1};
static const char *const notice_subjects[] = {"Changed", NULL};

static void the_export_has_every_listed_column(void **state)
{
	struct fixture *f = *state;
	json_t *rows, *tab;
	const char *name;

	insert_person(f);
	rows = rights_rows(f->db, &f->cat, &amal);
	assert_non_null(rows);
	assert_int_equal(json_array_size(json_object_get(rows, "users")), 1);
	assert_int_equal(json_array_size(json_object_get(rows, "sessions")), 1);
	assert_int_equal(json_array_size(json_object_get(rows, "outbox")), 1);
	assert_int_equal(json_array_size(json_object_get(rows, "audit_log")), 2);
	json_object_foreach(rows, name, tab)
	{
		size_t i;
		json_t *row;
		json_array_foreach(tab, i, row)
		{
			for (size_t k = 0; k < f->cat.count; k++)
				if (strcmp(f->cat.cols[k].table, name) == 0)
					assert_non_null(
					        json_object_get(row, f->cat.cols[k].column));
		}
	}
	json_t *user = json_array_get(json_object_get(rows, "users"), 0);
	assert_string_equal(json_string_value(json_object_get(user, "password_hash")), "withheld");
	assert_string_equal(json_string_value(json_object_get(user, "email")), EMAIL);
	/* Someone else's address in a row about Amal (they viewed her CV) is not hers. */
	json_t *audit = json_object_get(rows, "audit_log");
	assert_string_equal(json_string_value(json_object_get(json_array_get(audit, 0), "ip")),
	                    "192.0.2.7");
	assert_true(json_is_null(json_object_get(json_array_get(audit, 1), "ip")));
	json_decref(rows);
}

/* Rows of the whole database whose text holds needle. */
static int64_t rows_holding(struct fixture *f, const char *needle)
{
	struct arena a = ARENA_INIT;
	const char **tables = names(f->db, &a,
	                            "SELECT name FROM sqlite_master WHERE type = 'table' AND name "
	                            "NOT LIKE 'sqlite_%'",
	                            NULL);
	int64_t total = 0;

	for (const char **t = tables; *t; t++) {
		const char **cols = names(f->db, &a, "SELECT name FROM pragma_table_info($1)", *t);
		for (const char **c = cols; *c; c++) {
			int64_t n = 0;
			const char *sql = arena_printf(
			        &a,
			        "SELECT COUNT(*) FROM \"%s\" WHERE instr(CAST(\"%s\" AS TEXT), $1)",
			        *t, *c);
			assert_int_equal(db_query_int(f->db, sql, 1, (const char *[]){needle}, &n),
			                 DB_OK);
			total += n;
		}
	}
	arena_free(&a);
	return total;
}

static void erasure_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	int64_t n = 0;

	struct arena a = ARENA_INIT;
	struct pd_subject s;

	insert_person(f);
	assert_true(rows_holding(f, EMAIL) > 0 && rows_holding(f, NAME_AR) > 0);
	/* Her former address: the one the "address changed" notice went to. */
	assert_int_equal(rights_subject(f->db, &a, 7, EMAIL, notice_subjects, &s), 0);
	assert_int_equal(s.nemails, 2);
	assert_string_equal(s.emails[1], "old@example.org");
	assert_int_equal(db_begin(f->db), DB_OK);
	assert_int_equal(rights_erase(f->db, &f->cat, &s), 0);
	assert_int_equal(db_commit(f->db), DB_OK);
	assert_int_equal(rows_holding(f, EMAIL), 0);
	assert_int_equal(rows_holding(f, NAME), 0);
	assert_int_equal(rows_holding(f, NAME_AR), 0);
	assert_int_equal(rows_holding(f, PHONE), 0);
	assert_int_equal(rows_holding(f, "old@example.org"), 0);
	/* The other person is untouched, but no longer says who granted their role. */
	assert_int_equal(
	        db_query_int(f->db, "SELECT COUNT(*) FROM sessions WHERE user_id = 8", 0, NULL, &n),
	        DB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(db_query_int(f->db,
	                              "SELECT COUNT(*) FROM user_roles WHERE user_id = 8 AND "
	                              "granted_by IS NULL",
	                              0, NULL, &n),
	                 DB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(db_query_int(f->db, "SELECT COUNT(*) FROM outbox", 0, NULL, &n), DB_OK);
	assert_int_equal(n,
	                 3); /* hers deleted (both addresses); others kept, her address replaced */
	assert_int_equal(
	        db_query_int(f->db, "SELECT COUNT(*) FROM outbox WHERE body = 'About erased-user'",
	                     0, NULL, &n),
	        DB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(db_query_int(f->db, "SELECT COUNT(*) FROM audit_log", 0, NULL, &n), DB_OK);
	assert_int_equal(n, 2); /* the hash chain is never rewritten */
	arena_free(&a);
}

/* ---- The archive and the CV checks ---------------------------------------- */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void zip_writes_stored_entries(void **state)
{
	struct buf out = BUF_INIT;
	struct zip z;
	const unsigned char *p;

	(void)state;
	assert_int_equal(zip_crc32(0, "123456789", 9), 0xCBF43926u);
	zip_start(&z, &out, 1800000000);
	assert_int_equal(zip_add(&z, "data.json", "{}", 2), 0);
	assert_int_equal(zip_add(&z, "files/cv-1.pdf", "%PDF-1\n%%EOF", 12), 0);
	assert_int_equal(zip_finish(&z), 0);
	p = (const unsigned char *)out.data;
	assert_int_equal(le32(p), 0x04034b50);
	assert_int_equal(le32(p + 14), zip_crc32(0, "{}", 2));
	assert_int_equal(le32(p + 18), 2);
	assert_memory_equal(p + 30, "data.json", 9);
	p += out.len - 22; /* the end record */
	assert_int_equal(le32(p), 0x06054b50);
	assert_int_equal(p[10], 2); /* entries */
	assert_int_equal(le32(p + 16) + le32(p + 12) + 22, out.len);
	buf_release(&out);
}

static void cv_checks_content_not_names(void **state)
{
	char big[64], name[128];

	(void)state;
	assert_null(cv_problem("%PDF-1.7\n...\n%%EOF\n", 19));
	assert_string_equal(cv_problem("", 0), "cv.error.missing");
	assert_string_equal(cv_problem("MZ\x90\0", 4), "cv.error.not_pdf");
	assert_string_equal(cv_problem("%PDF-1.7 no trailer", 19), "cv.error.not_pdf");
	memset(big, 'x', sizeof(big));
	assert_string_equal(cv_problem(big, CV_MAX_BYTES + 1), "cv.error.too_large");
	files_clean_name("../../etc/passwd.pdf", 20, name, sizeof(name));
	assert_string_equal(name, "passwd.pdf");
	files_clean_name("C:\\Users\\a\\\"cv\".pdf", strlen("C:\\Users\\a\\\"cv\".pdf"), name,
	                 sizeof(name));
	assert_string_equal(name, "cv.pdf");
	files_clean_name("..", 2, name, sizeof(name));
	assert_string_equal(name, "cv.pdf");
	files_clean_name("سيرة ذاتية.pdf", strlen("سيرة ذاتية.pdf"), name, sizeof(name));
	assert_string_equal(name, "سيرة ذاتية.pdf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(every_column_about_a_person_is_classified, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(every_classified_column_exists, setup, teardown),
	        cmocka_unit_test_setup_teardown(the_loader_refuses_mistakes, setup, teardown),
	        cmocka_unit_test_setup_teardown(the_export_has_every_listed_column, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(erasure_leaves_nothing, setup, teardown),
	        cmocka_unit_test(zip_writes_stored_entries),
	        cmocka_unit_test(cv_checks_content_not_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
