/* Unit tests for app/import.c: the CSV and JSON Lines readers, per-row
 * errors with line numbers, deduplication by address, idempotent
 * re-import, consent taken from the file, the claim mail of invited
 * experts, rows that fail half-way, and the export read back. Run from the
 * repository root (the mail catalogues are read from locale/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/app.h"
#include "app/config.h"
#include "app/import.h"
#include "app/taxonomy.h"
#include "db/db.h"
#include "db/migrations.h"
#include "sec/token.h"
#include "web/i18n.h"

#define MAX_RESULTS 32

struct fixture {
	char dir[64];
	char dbpath[128];
	struct config cfg;
	struct app app;
	struct db *db; /* for the checks */
	struct import_counts counts;
	struct import_result *results;
	int nresults;
};

static const char *const reference_sql[] = {
        "INSERT INTO sectors VALUES ('health', 1, 'الصحة', 'Santé', 'Health')",
        "INSERT INTO sectors VALUES ('digital', 2, 'الرقمنة', 'Numérique', 'Digital')",
        "INSERT INTO skill_domains VALUES ('it', 1, 'المعلوميات', 'Informatique', 'IT')",
        "INSERT INTO skills VALUES ('cybersecurity', 'it', 'الأمن السيبراني', 'Cybersécurité', "
        "'Cybersecurity', 'infosec')",
        "INSERT INTO skills VALUES ('interventional-cardiology', 'it', 'أمراض القلب التداخلية', "
        "'Cardiologie interventionnelle', 'Interventional cardiology', '')",
        "INSERT INTO countries VALUES ('CA', 'كندا', 'Canada', 'Canada')",
        "INSERT INTO countries VALUES ('FR', 'فرنسا', 'France', 'France')",
        "INSERT INTO countries VALUES ('MA', 'المغرب', 'Maroc', 'Morocco')",
        "INSERT INTO languages VALUES ('fr', 'الفرنسية', 'français', 'French')",
        "INSERT INTO languages VALUES ('ar', 'العربية', 'arabe', 'Arabic')",
        "INSERT INTO regions VALUES ('MA-06', 6, 'الدار البيضاء سطات', 'Casablanca-Settat', "
        "'Casablanca-Settat')",
        "INSERT INTO isco_groups VALUES ('2212', '221', 'Specialist medical practitioners', "
        "'Médecins spécialistes', '')",
};

/* ---- helpers ---- */

static void set_key(struct config *cfg, const char *name, const char *value)
{
	struct config_errors errs = {0};

	if (config_set(cfg, name, value, &errs) < 0)
		fail_msg("%s: %s", name, errs.items[0].reason);
}

static int64_t count(struct fixture *f, const char *sql)
{
	int64_t v = -1;

	if (db_query_int(f->db, sql, 0, NULL, &v) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(f->db));
	return v;
}

static void collect(void *ud, const struct import_result *r)
{
	struct fixture *f = ud;

	if (f->nresults < MAX_RESULTS)
		f->results[f->nresults++] = *r;
}

/* Imports text (source "roster.jsonl"); returns import_experts' value. */
static int run(struct fixture *f, const char *text, int dry_run, int consent)
{
	struct import_opts o = {"/some/where/roster.jsonl", dry_run, consent, collect, f};
	char err[256] = "";
	int rc;

	f->nresults = 0;
	rc = import_experts(&f->app, text, strlen(text), &o, &f->counts, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "import: %s\n", err);
	return rc;
}

/* The result of the row that starts on line. */
static const struct import_result *at_line(struct fixture *f, int line)
{
	for (int i = 0; i < f->nresults; i++)
		if (f->results[i].line == line)
			return &f->results[i];
	fail_msg("no result for line %d", line);
	return NULL;
}

/* Does the row of line carry a reason with this field and code? */
static void assert_reason(struct fixture *f, int line, const char *field, const char *code)
{
	const struct import_result *r = at_line(f, line);

	for (int i = 0; i < r->issues.count && i < 48; i++)
		if (strcmp(r->issues.items[i].code, code) == 0 &&
		    strcmp(r->issues.items[i].field, field) == 0)
			return;
	fail_msg("line %d: no reason %s %s (first: %s %s)", line, field, code,
	         r->issues.count ? r->issues.items[0].field : "-",
	         r->issues.count ? r->issues.items[0].code : "-");
}

/* ---- parsing without a database ---- */

struct parsed {
	int n;
	int line[16];
	char code[16][40];
	json_t *obj[16];
};

static int keep_row(void *ud, const struct import_row *row)
{
	struct parsed *p = ud;

	if (p->n == 16)
		return -1;
	p->line[p->n] = row->line;
	snprintf(p->code[p->n], sizeof(p->code[0]), "%s", row->code ? row->code : "");
	p->obj[p->n] = row->obj ? json_deep_copy(row->obj) : NULL;
	p->n++;
	return 0;
}

static void parse_ok(const char *text, struct parsed *p)
{
	char err[256];

	memset(p, 0, sizeof(*p));
	if (import_parse(text, strlen(text), keep_row, p, err, sizeof(err)) < 0)
		fail_msg("parse failed: %s", err);
}

static void parsed_free(struct parsed *p)
{
	for (int i = 0; i < p->n; i++)
		json_decref(p->obj[i]);
}

/* Compares a parsed row with the JSON it should be. */
static void assert_json(json_t *got, const char *want)
{
	json_error_t e;
	json_t *w = json_loads(want, 0, &e);

	if (!w)
		fail_msg("bad test JSON: %s", e.text);
	if (!json_equal(got, w)) {
		char *s = json_dumps(got, JSON_SORT_KEYS);
		fprintf(stderr, "got:  %s\nwant: %s\n", s, want);
		free(s);
		json_decref(w);
		fail();
	}
	json_decref(w);
}

static void csv_quotes_separators_bom_crlf(void **state)
{
	struct parsed p;

	(void)state;
	parse_ok("\xEF\xBB\xBF"
	         "email;name;skills;bio\r\n"
	         "a@b.c;\"Benali; Amal\";\"cardiologie interventionnelle:4:8; Cybersécurité:2\";"
	         "\"He said \"\"hi\"\"\r\nand left\"\r\n"
	         "d@e.f;Omar;;\r\n",
	         &p);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.line[0], 2);
	assert_int_equal(p.line[1], 4); /* the quoted line break counts */
	assert_json(p.obj[0], "{\"email\": \"a@b.c\", \"name\": \"Benali; Amal\", \"skills\": "
	                      "[{\"name\": \"cardiologie interventionnelle\", \"level\": 4, "
	                      "\"years\": 8}, {\"name\": \"Cybersécurité\", \"level\": 2}], "
	                      "\"bio\": \"He said \\\"hi\\\"\\nand left\"}");
	assert_json(p.obj[1], "{\"email\": \"d@e.f\", \"name\": \"Omar\"}");
	parsed_free(&p);

	parse_ok("email,name,languages\nb@c.d,\"Idrissi, Omar\",fr:C2;ar:B2\n\n", &p);
	assert_int_equal(p.n, 1);
	assert_json(p.obj[0], "{\"email\": \"b@c.d\", \"name\": \"Idrissi, Omar\", \"languages\": "
	                      "[{\"code\": \"fr\", \"level\": \"C2\"}, {\"code\": \"ar\", "
	                      "\"level\": \"B2\"}]}");
	parsed_free(&p);
}

static void csv_list_encodings(void **state)
{
	struct parsed p;

	(void)state;
	parse_ok("email,stays,availability,education,experience,offer_modes,hours_per_month,"
	         "pay,consent_institutions,consent_directory,birth_year,orcid\n"
	         "a@b.c,2027-07-01..2027-08-15@Casablanca,2027-01-01..2027-03-31,"
	         "PhD|Cardiology|Université Paris Cité|FR|2010,Cardiologue|CHU|health|FR|2012-09|,"
	         "ponctuelle;continue,10,pro_bono,true,non,1984,0000-0002-1825-0097\n",
	         &p);
	assert_int_equal(p.n, 1);
	assert_json(
	        p.obj[0],
	        "{\"email\": \"a@b.c\", \"stays\": [{\"from\": \"2027-07-01\", \"to\": "
	        "\"2027-08-15\", \"city\": \"Casablanca\"}], \"availability\": [{\"from\": "
	        "\"2027-01-01\", \"to\": \"2027-03-31\"}], \"education\": [{\"degree\": "
	        "\"PhD\", \"field\": \"Cardiology\", \"institution\": \"Université Paris Cité\", "
	        "\"country\": \"FR\", \"year\": 2010}], \"experience\": [{\"role\": "
	        "\"Cardiologue\", \"organisation\": \"CHU\", \"sector\": \"health\", "
	        "\"country\": \"FR\", \"from\": \"2012-09\"}], \"offer\": {\"modes\": "
	        "[\"ponctuelle\", \"continue\"], \"hours_per_month\": 10, \"pay\": "
	        "\"pro_bono\"}, \"consent\": {\"institutions\": true, \"directory\": false}, "
	        "\"birth_year\": 1984, \"links\": {\"orcid\": \"0000-0002-1825-0097\"}}");
	parsed_free(&p);
}

static void csv_bad_rows(void **state)
{
	struct parsed p;
	char err[256];
	int rc;

	(void)state;
	parse_ok("email,name\n"
	         "a@b.c,Amal \xC3\n" /* a cut UTF-8 sequence */
	         "b@c.d,Omar,extra\n"
	         "c@d.e,\"Sara\"x\n"
	         "d@e.f,Nadia\n"
	         "e@f.g,\"never closed\n",
	         &p);
	assert_int_equal(p.n, 5);
	assert_int_equal(p.line[0], 2);
	assert_string_equal(p.code[0], "not_utf8");
	assert_null(p.obj[0]);
	assert_string_equal(p.code[1], "bad_csv_row");
	assert_string_equal(p.code[2], "bad_csv_row");
	assert_int_equal(p.line[3], 5);
	assert_non_null(p.obj[3]);
	assert_int_equal(p.line[4], 6);
	assert_string_equal(p.code[4], "bad_csv_row");
	parsed_free(&p);

	rc = import_parse("email,colour\na@b.c,blue\n", 23, keep_row, &p, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "colour"));
	rc = import_parse("name\nAmal\n", 10, keep_row, &p, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "email"));
}

/* ---- with a database ---- */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	f->results = calloc(MAX_RESULTS, sizeof(*f->results));
	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat_import_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->dbpath, sizeof(f->dbpath), "%s/k.db", f->dir);
	assert_int_equal(db_open(f->dbpath, &f->db, err, sizeof(err)), 0);
	assert_true(migrate_run(f->db, err, sizeof(err)) > 0);
	for (size_t i = 0; i < sizeof(reference_sql) / sizeof(reference_sql[0]); i++)
		assert_int_equal(db_exec(f->db, reference_sql[i]), DB_OK);
	config_defaults(&f->cfg);
	set_key(&f->cfg, "database.url", f->dbpath);
	set_key(&f->cfg, "server.public_url", "https://kafaat.test");
	f->app.cfg = &f->cfg;
	assert_int_equal(sec_init(), 0);
	assert_int_equal(i18n_load("locale", &f->app.i18n, err, sizeof(err)), 0);
	assert_int_equal(db_pool_open(f->dbpath, 1, &f->app.pool, err, sizeof(err)), 0);
	f->app.tx = taxonomy_load(f->db, err, sizeof(err));
	assert_non_null(f->app.tx);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	db_pool_close(f->app.pool);
	taxonomy_free(f->app.tx);
	i18n_free(f->app.i18n);
	db_close(f->db);
	config_release(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f->results);
	free(f);
	return 0;
}

static const char amal[] =
        "{\"ref\": \"ext-1\", \"email\": \"Amal@Example.org\", \"name\": \"Amal Benali\", "
        "\"name_ar\": \"أمل بنعلي\", \"gender\": \"f\", \"birth_year\": 1984, \"country\": "
        "\"CA\", \"city\": \"Montréal\", \"languages\": [{\"code\": \"fr\", \"level\": \"C2\"}, "
        "{\"code\": \"ar\", \"level\": \"B2\"}], \"sectors\": [\"Santé\"], \"skills\": "
        "[{\"name\": \"cardiologie interventionnelle\", \"level\": 4, \"years\": 8}, {\"name\": "
        "\"الأمن السيبراني\", \"level\": 2}, {\"name\": \"Tajine\", \"level\": 5}], \"isco\": "
        "\"2212\", \"headline\": \"Cardiologue\", \"years_experience\": 12, \"offer\": "
        "{\"modes\": [\"ponctuelle\", \"continue\"], \"presence\": [\"remote\", \"onsite\"], "
        "\"hours_per_month\": 10, \"pay\": \"pro_bono\"}, \"stays\": [{\"from\": "
        "\"2027-07-01\", \"to\": \"2027-08-15\", \"city\": \"Casablanca\"}], \"education\": "
        "[{\"degree\": \"MD\", \"year\": 2008}], \"experience\": [{\"role\": \"Cardiologue\", "
        "\"from\": \"2012-09\"}], \"consent\": {\"institutions\": true, \"networks\": true, "
        "\"directory\": false, \"statistics\": true}, \"confirmed_at\": \"2026-10-01\"}\n";

static const char omar[] = "{\"email\": \"omar@example.org\", \"name\": \"Omar Idrissi\", "
                           "\"lang\": \"ar\", \"languages\": [{\"code\": \"ar\", \"level\": "
                           "\"C2\"}], \"consent\": {\"programme\": true}}\n";

static void jsonl_errors_per_row(void **state)
{
	struct fixture *f = *state;
	char text[4096];

	snprintf(text, sizeof(text),
	         "%s"
	         "{\"email\": \"b@example.org\", \"colour\": \"blue\"}\n"
	         "{\"email\": \"c@example.org\", \"birth_year\": \"1984\"}\n"
	         "{\"email\": \"d@example.org\",\n"
	         "\n"
	         "[1, 2]\n"
	         "{\"email\": \"not an address\"}\n"
	         "{\"email\": \"e@example.org\", \"consent\": {\"press\": true, \"networks\": 1}}\n"
	         "{\"email\": \"f@example.org\", \"languages\": [{\"code\": \"fr\", \"level\": "
	         "\"D1\"}]}\n"
	         "{\"email\": \"g@example.org\", \"name\": \"\xff\"}\n",
	         amal);
	assert_int_equal(run(f, text, 0, 0), 0);
	assert_int_equal(f->counts.rows, 9);
	assert_int_equal(f->counts.created, 1);
	assert_int_equal(f->counts.skipped, 8);
	assert_int_equal(at_line(f, 1)->status, IMPORT_CREATED);
	assert_reason(f, 1, "skills[2]", "free_skill"); /* a warning */
	assert_int_equal(f->counts.warned, 1);
	assert_reason(f, 2, "colour", "unknown_field");
	assert_reason(f, 3, "birth_year", "wrong_type");
	assert_reason(f, 4, "", "bad_json");
	assert_reason(f, 6, "", "not_an_object");
	assert_reason(f, 7, "email", "email_invalid");
	assert_reason(f, 8, "consent.press", "unknown_field");
	assert_reason(f, 8, "consent.networks", "wrong_type");
	assert_reason(f, 9, "languages[0].level", "unknown_cefr_level");
	assert_reason(f, 10, "", "not_utf8");
	assert_int_equal(count(f, "SELECT COUNT(*) FROM users"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'import'"), 1);
}

static void dedup_by_email(void **state)
{
	struct fixture *f = *state;
	char text[4096];

	assert_int_equal(db_exec(f->db, "INSERT INTO users (id, email, lang, status, created_at, "
	                                "updated_at) VALUES (7, 'omar@example.org', 'fr', "
	                                "'active', 'x', 'x')"),
	                 DB_OK);
	snprintf(text, sizeof(text),
	         "%s%s{\"email\": \"AMAL@example.ORG \", \"name\": \"Other\"}\n", amal, omar);
	assert_int_equal(run(f, text, 0, 0), 0);
	assert_int_equal(f->counts.created, 2);
	assert_int_equal(f->counts.skipped, 1);
	assert_reason(f, 3, "email", "duplicate_email_in_file");
	assert_string_equal(at_line(f, 1)->email, "amal@example.org");
	/* The existing account got its profile, without an invitation. */
	assert_int_equal(
	        count(f, "SELECT COUNT(*) FROM profiles WHERE user_id = 7 AND invited = 0"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM user_roles WHERE user_id = 7 AND role = "
	                          "'expert'"),
	                 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM outbox WHERE to_addr = 'omar@example.org'"),
	                 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM users"), 2);
}

/* Rows of every table an import writes (audit_log apart). */
static int64_t all_rows(struct fixture *f)
{
	static const char *const tables[] = {"users",
	                                     "user_roles",
	                                     "profiles",
	                                     "profile_languages",
	                                     "profile_sectors",
	                                     "profile_regions",
	                                     "profile_skills",
	                                     "profile_education",
	                                     "profile_experience",
	                                     "profile_periods",
	                                     "consents",
	                                     "consent_events",
	                                     "one_time_tokens",
	                                     "outbox"};
	char sql[96];
	int64_t n = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i]);
		n += count(f, sql);
	}
	return n;
}

static void reimport_changes_nothing(void **state)
{
	struct fixture *f = *state;
	char text[4096], changed[4096];
	int64_t rows;
	char *stamp;

	snprintf(text, sizeof(text), "%s%s", amal, omar);
	assert_int_equal(run(f, text, 0, 1), 0);
	assert_int_equal(f->counts.created, 2);
	rows = all_rows(f);
	assert_true(rows > 20);
	struct db_stmt *st = db_prepare(f->db, "SELECT group_concat(updated_at) FROM profiles");
	assert_int_equal(db_step(st), DB_ROW);
	stamp = strdup(db_col_text(st, 0));
	db_finalize(st);

	sleep(1); /* a rewrite would change updated_at */
	assert_int_equal(run(f, text, 0, 1), 0);
	assert_int_equal(f->counts.unchanged, 2);
	assert_int_equal(f->counts.created + f->counts.updated + f->counts.skipped, 0);
	assert_int_equal(all_rows(f), rows);
	st = db_prepare(f->db, "SELECT group_concat(updated_at) FROM profiles");
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), stamp);
	db_finalize(st);
	free(stamp);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'import'"), 2);

	/* The same profile written differently is still the same. */
	snprintf(changed, sizeof(changed),
	         "{\"email\": \"omar@example.org\", \"languages\": [{\"level\": \"C2\", \"code\": "
	         "\"arabe\"}], \"name\": \"Omar Idrissi\", \"lang\": \"ar\", \"sectors\": []}\n");
	assert_int_equal(run(f, changed, 0, 0), 0);
	assert_int_equal(f->counts.unchanged, 1);
	/* A real change is an update. */
	snprintf(changed, sizeof(changed),
	         "{\"email\": \"omar@example.org\", \"name\": \"Omar\"}\n");
	assert_int_equal(run(f, changed, 0, 0), 0);
	assert_int_equal(f->counts.updated, 1);
}

static void consent_from_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, amal, 0, 1), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM consents"), 4);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM consents WHERE granted = 1"), 3);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM consent_events WHERE source = 'import'"),
	                 4);
	assert_int_equal(count(f, "SELECT MIN(notice_version) FROM consent_events"),
	                 PRIVACY_NOTICE_VERSION);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM profiles WHERE confirmed_at = "
	                          "'2026-10-01T00:00:00Z'"),
	                 1);
	/* The claim mail says the consent was recorded. */
	struct db_stmt *st = db_prepare(f->db, "SELECT subject FROM outbox");
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(
	        db_col_text(st, 0),
	        i18n_lookup(f->app.i18n, LANG_FR, "mail.claim_profile_consented.subject"));
	db_finalize(st);

	/* Without --consent-from-file: nothing recorded, and said so. */
	assert_int_equal(run(f, omar, 0, 0), 0);
	assert_int_equal(f->counts.consent_ignored, 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM consents"), 4);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM profiles WHERE confirmed_at IS NULL"), 1);

	/* A withdrawal in a later file is recorded too. */
	assert_int_equal(run(f,
	                     "{\"email\": \"amal@example.org\", \"consent\": {\"institutions\": "
	                     "false}}\n",
	                     0, 1),
	                 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM consents WHERE granted = 1"), 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM consent_events"), 5);
}

static void invited_get_a_claim_mail(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, omar, 1, 0), 0); /* dry run */
	assert_int_equal(f->counts.created, 1);
	assert_int_equal(all_rows(f), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), 0);

	assert_int_equal(run(f, omar, 0, 0), 0);
	assert_int_equal(count(f,
	                       "SELECT COUNT(*) FROM users WHERE email = 'omar@example.org' "
	                       "AND status = 'invited' AND password_hash IS NULL AND lang = 'ar'"),
	                 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM user_roles WHERE role = 'expert'"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM profiles WHERE invited = 1"), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM one_time_tokens WHERE purpose = 'invite'"),
	                 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM outbox WHERE to_addr = 'omar@example.org' "
	                          "AND body LIKE '%https://kafaat.test/ar/invitation?token=%' AND "
	                          "body LIKE '%roster.jsonl%'"),
	                 1);
	struct db_stmt *st = db_prepare(f->db, "SELECT subject FROM outbox");
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0),
	                    i18n_lookup(f->app.i18n, LANG_AR, "mail.claim_profile.subject"));
	db_finalize(st);
	/* Importing the person again sends nothing more. */
	assert_int_equal(run(f, omar, 0, 0), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM outbox"), 1);
}

static void failing_row_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	char text[4096];

	/* A row the format accepts but the database refuses (a test trigger),
	 * after its user, role and token rows were written in its savepoint. */
	assert_int_equal(db_exec(f->db, "CREATE TRIGGER refuse_x BEFORE INSERT ON profiles "
	                                "WHEN NEW.name = 'X' BEGIN SELECT RAISE(ABORT, "
	                                "'refused by the test'); END"),
	                 DB_OK);
	snprintf(text, sizeof(text),
	         "{\"email\": \"x@example.org\", \"name\": \"X\", \"languages\": [{\"code\": "
	         "\"fr\", \"level\": \"C2\"}]}\n"
	         "%s"
	         "{\"ref\": \"ext-1\", \"email\": \"y@example.org\", \"name\": \"Y\"}\n"
	         "%s",
	         amal, omar);
	assert_int_equal(run(f, text, 0, 1), 0);
	assert_int_equal(at_line(f, 1)->status, IMPORT_SKIPPED);
	assert_reason(f, 1, "", "save_failed");
	assert_reason(f, 3, "ref", "duplicate_ref");
	assert_int_equal(f->counts.created, 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM users WHERE email IN ('x@example.org', "
	                          "'y@example.org')"),
	                 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM users"), 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM outbox"), 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM profile_languages"), 3);
}

static void export_reads_back(void **state)
{
	struct fixture *f = *state;
	char text[4096], err[256], *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	snprintf(text, sizeof(text), "%s%s", omar, amal);
	assert_int_equal(run(f, text, 0, 1), 0);
	assert_int_equal(export_experts(&f->app, fp, err, sizeof(err)), 2);
	assert_int_equal(fclose(fp), 0);
	/* Sorted by address; import fields included; skills by id. */
	assert_non_null(strstr(out, "\"email\":\"amal@example.org\""));
	assert_true(strstr(out, "amal@") < strstr(out, "omar@"));
	assert_non_null(strstr(out, "\"confirmed_at\":\"2026-10-01T00:00:00Z\""));
	assert_non_null(strstr(out, "\"id\":\"interventional-cardiology\""));
	assert_non_null(strstr(out, "\"consent\":{\"institutions\":true,\"networks\":true,"
	                            "\"directory\":false,\"statistics\":true}"));
	assert_int_equal(run(f, out, 0, 1), 0);
	assert_int_equal(f->counts.unchanged, 2);
	free(out);
}

/* docs/IMPORT.md names every CSV column (as `name` in its table) and
 * every reason code of import.c. */
static void docs_are_complete(void **state)
{
	FILE *fp = fopen("docs/IMPORT.md", "r");
	char *doc = NULL, want[64];
	size_t len = 0;

	(void)state;
	assert_non_null(fp);
	assert_true(getdelim(&doc, &len, '\0', fp) > 0);
	fclose(fp);
	for (size_t i = 0; import_csv_column(i); i++) {
		snprintf(want, sizeof(want), "| `%s` |", import_csv_column(i));
		if (!strstr(doc, want))
			fail_msg("docs/IMPORT.md does not document the CSV column %s", want);
	}
	for (size_t i = 0; import_reason_code(i); i++) {
		snprintf(want, sizeof(want), "`%s`", import_reason_code(i));
		if (!strstr(doc, want))
			fail_msg("docs/IMPORT.md does not explain the reason %s", want);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(csv_quotes_separators_bom_crlf),
	        cmocka_unit_test(csv_list_encodings),
	        cmocka_unit_test(csv_bad_rows),
	        cmocka_unit_test(docs_are_complete),
	        cmocka_unit_test_setup_teardown(jsonl_errors_per_row, setup, teardown),
	        cmocka_unit_test_setup_teardown(dedup_by_email, setup, teardown),
	        cmocka_unit_test_setup_teardown(reimport_changes_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(consent_from_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(invited_get_a_claim_mail, setup, teardown),
	        cmocka_unit_test_setup_teardown(failing_row_leaves_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(export_reads_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
