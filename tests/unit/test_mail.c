/* Tests for src/app/mail.c: queueing from the catalogues, the message
 * format, the spool transport, leases, retries with backoff over a closed
 * SMTP port, and the background sender. Each test gets a fresh temporary
 * folder (database, spool folder, test clock file), removed afterwards.
 * Run from the repository root (the catalogues are read from locale/). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/config.h"
#include "app/mail.h"
#include "core/buf.h"
#include "db/db.h"
#include "db/migrations.h"
#include "web/i18n.h"

#define T0 INT64_C(1794988800) /* 2026-11-18T08:00:00Z, a Wednesday */

struct fixture {
	char dir[64];
	char dbpath[128];
	char spool[128];
	char clock[128];
	struct config cfg;
	struct db *db;
	struct i18n *i18n;
	struct app app;
};

static const char *const link_vars[] = {"link", "https://kafaat.test/v/abc123", NULL};

/* ---- helpers ---- */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void set_key(struct config *cfg, const char *name, const char *value)
{
	struct config_errors errs = {0};

	if (config_set(cfg, name, value, &errs) < 0)
		fail_msg("%s: %s", name, errs.items[0].reason);
}

static void set_clock(struct fixture *f, int64_t t)
{
	FILE *fp = fopen(f->clock, "w");

	assert_non_null(fp);
	fprintf(fp, "%" PRId64 "\n", t);
	assert_int_equal(fclose(fp), 0);
}

static void exec_ok(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

static int64_t query_int(struct db *db, const char *sql)
{
	int64_t v = -1;

	if (db_query_int(db, sql, 0, NULL, &v) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return v;
}

/* Column 0 of the first row of sql, copied into out ("(null)" for NULL). */
static void query_text(struct db *db, const char *sql, struct buf *out)
{
	struct db_stmt *st = db_prepare(db, sql);

	if (st == NULL)
		fail_msg("%s: %s", sql, db_errmsg(db));
	assert_int_equal(db_step(st), DB_ROW);
	buf_reset(out);
	buf_adds(out, db_col_is_null(st, 0) ? "(null)" : db_col_text(st, 0));
	db_finalize(st);
}

static int64_t last_id(struct fixture *f)
{
	return query_int(f->db, "SELECT id FROM outbox ORDER BY id DESC LIMIT 1");
}

static int read_file(const char *path, struct buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return -1;
	buf_reset(out);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(out, chunk, n);
	fclose(fp);
	return 0;
}

static void spool_path(struct fixture *f, int64_t id, const char *suffix, char *out, size_t n)
{
	snprintf(out, n, "%s/%" PRId64 ".eml%s", f->spool, id, suffix);
}

/* Decodes the RFC 2047 encoded-words of a (possibly folded) header value
 * into out; checks each word's length and form. */
static void decode_words(const char *value, struct buf *out)
{
	const char *p = value;

	buf_reset(out);
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		const char *b64 = p + 10, *end = strstr(b64, "?=");
		unsigned char bin[64];
		size_t len;
		assert_non_null(end);
		assert_true(end + 2 - p <= 75);
		assert_int_equal(sodium_base642bin(bin, sizeof(bin), b64, (size_t)(end - b64), NULL,
		                                   &len, NULL, sodium_base64_VARIANT_ORIGINAL),
		                 0);
		buf_add(out, bin, len);
		p = end + 2;
	}
}

/* The value of header name in msg, unfolded (RFC 5322 2.2.3: CRLFs removed). */
static void header_value(const char *msg, const char *name, struct buf *out)
{
	size_t n = strlen(name);
	const char *p = msg;

	buf_reset(out);
	while (strncmp(p, name, n) != 0 || p[n] != ':') {
		p = strstr(p, "\r\n");
		if (!p || p[2] == '\r')
			fail_msg("no header %s", name);
		p += 2;
	}
	p += n + 1;
	while (*p == ' ')
		p++;
	for (const char *e = strstr(p, "\r\n");; e = strstr(p, "\r\n")) {
		buf_add(out, p, (size_t)(e - p));
		if (e[2] != ' ' && e[2] != '\t')
			break;
		p = e + 2;
	}
}

/* Every line ends with CRLF, none is longer than 998 bytes. */
static void assert_crlf_lines(const struct buf *msg)
{
	size_t line = 0;

	assert_true(msg->len >= 2);
	for (size_t i = 0; i < msg->len; i++) {
		if (msg->data[i] == '\n') {
			assert_true(i > 0 && msg->data[i - 1] == '\r');
			line = 0;
		} else if (msg->data[i] == '\r') {
			assert_true(i + 1 < msg->len && msg->data[i + 1] == '\n');
		} else {
			assert_true(++line <= 998);
		}
	}
	assert_memory_equal(msg->data + msg->len - 2, "\r\n", 2);
}

static int row_count(struct fixture *f)
{
	return (int)query_int(f->db, "SELECT COUNT(*) FROM outbox");
}

/* ---- fixture ---- */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kafaat-test-mail-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->dbpath, sizeof(f->dbpath), "%s/test.db", f->dir);
	snprintf(f->spool, sizeof(f->spool), "%s/var/mail", f->dir); /* created by the sender */
	snprintf(f->clock, sizeof(f->clock), "%s/clock", f->dir);
	if (db_open(f->dbpath, &f->db, err, sizeof(err)) < 0 ||
	    migrate_run(f->db, err, sizeof(err)) < 0 ||
	    i18n_load("locale", &f->i18n, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	config_defaults(&f->cfg);
	set_key(&f->cfg, "mail.transport", "spool");
	set_key(&f->cfg, "mail.spool_dir", f->spool);
	set_key(&f->cfg, "mail.from", "Kafaat <no-reply@kafaat.test>");
	set_key(&f->cfg, "testing.clock_file", f->clock);
	set_clock(f, T0);
	f->app.cfg = &f->cfg;
	f->app.i18n = f->i18n;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	db_close(f->db);
	i18n_free(f->i18n);
	config_release(&f->cfg);
	rc = nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

/* ---- queueing ---- */

static void test_enqueue_arabic(void **state)
{
	struct fixture *f = *state;
	struct buf v = BUF_INIT;
	char now[ISO_TIME_LEN + 1];

	assert_int_equal(mail_enqueue(&f->app, f->db, "amina@example.org", LANG_AR,
	                              "mail.verify_email", link_vars),
	                 0);
	query_text(f->db, "SELECT subject FROM outbox", &v);
	assert_string_equal(buf_str(&v),
	                    i18n_lookup(f->i18n, LANG_AR, "mail.verify_email.subject"));
	assert_non_null(strstr(buf_str(&v), "كفاءات"));
	query_text(f->db, "SELECT body FROM outbox", &v);
	assert_non_null(strstr(buf_str(&v), "https://kafaat.test/v/abc123"));
	assert_non_null(strstr(buf_str(&v), "48"));
	assert_null(strchr(buf_str(&v), '{'));
	assert_non_null(strstr(buf_str(&v), "برنامج تعبئة كفاءات المغاربة المقيمين بالخارج"));
	query_text(f->db, "SELECT lang || ' ' || to_addr || ' ' || attempts FROM outbox", &v);
	assert_string_equal(buf_str(&v), "ar amina@example.org 0");
	iso_time(T0, now);
	query_text(f->db, "SELECT created_at || ' ' || next_attempt_at FROM outbox", &v);
	assert_true(strncmp(buf_str(&v), now, ISO_TIME_LEN) == 0);
	assert_string_equal(buf_str(&v) + ISO_TIME_LEN + 1, now);
	query_text(
	        f->db,
	        "SELECT coalesce(sent_at, locked_until, failed_at, last_error, 'none') FROM outbox",
	        &v);
	assert_string_equal(buf_str(&v), "none");
	buf_release(&v);
}

static void test_enqueue_french_placeholders(void **state)
{
	struct fixture *f = *state;
	const char *const vars[] = {"institution", "Agence de développement du Nord", "link",
	                            "https://kafaat.test/i/xyz", NULL};
	struct buf v = BUF_INIT;

	assert_int_equal(
	        mail_enqueue(&f->app, f->db, "karim@example.fr", LANG_FR, "mail.invite", vars), 0);
	query_text(f->db, "SELECT subject FROM outbox", &v);
	assert_non_null(strstr(buf_str(&v), "Agence de développement du Nord"));
	assert_non_null(strstr(buf_str(&v), "Invitation"));
	query_text(f->db, "SELECT body FROM outbox", &v);
	assert_true(strncmp(buf_str(&v), "Bonjour,\n", 9) == 0);
	assert_non_null(strstr(buf_str(&v), "«\u00a0Agence de développement du Nord\u00a0»"));
	assert_non_null(strstr(buf_str(&v), "\nhttps://kafaat.test/i/xyz\n"));
	assert_non_null(strstr(buf_str(&v), "7 jours"));
	assert_null(strchr(buf_str(&v), '{'));
	query_text(f->db, "SELECT lang FROM outbox", &v);
	assert_string_equal(buf_str(&v), "fr");
	buf_release(&v);
}

static void test_every_mail_key_renders(void **state)
{
	struct fixture *f = *state;
	static const char *const keys[] = {
	        "mail.verify_email", "mail.reset_password",       "mail.invite",
	        "mail.change_email", "mail.email_changed_notice", "mail.password_changed",
	        "mail.admin_setup"};
	const char *const vars[] = {"link",      "https://kafaat.test/x", "institution", "ONDA",
	                            "new_email", "new@example.org",       NULL};

	for (int l = 0; l < LANG_COUNT; l++)
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			assert_int_equal(mail_enqueue(&f->app, f->db, "x@example.org", (enum lang)l,
			                              keys[k], vars),
			                 0);
	assert_int_equal(row_count(f), 3 * 7);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM outbox WHERE body LIKE '%{%' "
	                                  "OR subject LIKE '%{%'"),
	                 0);
}

/* What sign-up accepts (users.c), mail_enqueue accepts too. */
static void test_enqueue_unusual_addresses(void **state)
{
	struct fixture *f = *state;
	static const char *const ok[] = {"josé@exemple.fr", "user+tag@example.org",
	                                 "o'neil@example.ie", "x@[192.0.2.1]"};
	struct buf msg = BUF_INIT, v = BUF_INIT;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(mail_enqueue(&f->app, f->db, ok[i], LANG_FR, "mail.verify_email",
		                              link_vars),
		                 0);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 4);
	assert_int_equal(mail_message(&f->cfg, f->db,
	                              query_int(f->db, "SELECT id FROM outbox "
	                                               "WHERE to_addr = 'josé@exemple.fr'"),
	                              &msg),
	                 1);
	header_value(buf_str(&msg), "To", &v);
	assert_string_equal(buf_str(&v), "josé@exemple.fr");
	buf_release(&msg);
	buf_release(&v);
}

static void test_enqueue_refuses(void **state)
{
	struct fixture *f = *state;
	const char *const crlf_vars[] = {"institution", "X\r\nBcc: evil@example.org", "link",
	                                 "https://kafaat.test/i", NULL};
	const char *const partial[] = {"link", "https://kafaat.test/i", NULL};
	static const char *const bad_to[] = {"a@example.org\r\nBcc: evil@example.org",
	                                     "a@example.org\n",
	                                     "a@example.org\r",
	                                     "no-at-sign",
	                                     "a@example.org, b@example.org",
	                                     "<a@example.org>",
	                                     ""};

	for (size_t i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++)
		assert_int_equal(mail_enqueue(&f->app, f->db, bad_to[i], LANG_EN,
		                              "mail.verify_email", link_vars),
		                 -1);
	/* bad UTF-8 in the address */
	assert_int_equal(mail_enqueue(&f->app, f->db, "a\xff@example.org", LANG_EN,
	                              "mail.verify_email", link_vars),
	                 -1);
	/* a key the catalogues lack: never sent as a raw key */
	assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN, "mail.no_such_mail",
	                              link_vars),
	                 -1);
	/* a placeholder without a value */
	assert_int_equal(
	        mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN, "mail.invite", partial), -1);
	/* a value that would break the Subject header */
	assert_int_equal(
	        mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN, "mail.invite", crlf_vars),
	        -1);
	assert_int_equal(row_count(f), 0);
}

/* ---- the message and the spool ---- */

static void test_spool_message(void **state)
{
	struct fixture *f = *state;
	struct buf msg = BUF_INIT, v = BUF_INIT, shown = BUF_INIT;
	char path[256], expect[64];
	int64_t id;
	struct stat sb;

	assert_int_equal(mail_enqueue(&f->app, f->db, "amina@example.org", LANG_AR,
	                              "mail.reset_password", link_vars),
	                 0);
	id = last_id(f);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 1);
	spool_path(f, id, "", path, sizeof(path));
	assert_int_equal(read_file(path, &msg), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	spool_path(f, id, ".tmp", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	assert_crlf_lines(&msg);

	/* Subject: encoded-words that decode to the Arabic subject */
	header_value(buf_str(&msg), "Subject", &v);
	assert_non_null(strstr(buf_str(&msg), "?=\r\n =?UTF-8?B?")); /* long: folded */
	struct buf dec = BUF_INIT;
	decode_words(buf_str(&v), &dec);
	assert_string_equal(buf_str(&dec),
	                    i18n_lookup(f->i18n, LANG_AR, "mail.reset_password.subject"));
	buf_release(&dec);

	header_value(buf_str(&msg), "Date", &v);
	assert_string_equal(buf_str(&v), "Wed, 18 Nov 2026 08:00:00 +0000");
	header_value(buf_str(&msg), "Message-ID", &v);
	snprintf(expect, sizeof(expect), "<%" PRId64 "@kafaat>", id);
	assert_string_equal(buf_str(&v), expect);
	header_value(buf_str(&msg), "From", &v);
	assert_string_equal(buf_str(&v), "Kafaat <no-reply@kafaat.test>");
	header_value(buf_str(&msg), "To", &v);
	assert_string_equal(buf_str(&v), "amina@example.org");
	header_value(buf_str(&msg), "Content-Type", &v);
	assert_string_equal(buf_str(&v), "text/plain; charset=UTF-8");
	header_value(buf_str(&msg), "Content-Transfer-Encoding", &v);
	assert_string_equal(buf_str(&v), "8bit");
	header_value(buf_str(&msg), "MIME-Version", &v);
	assert_string_equal(buf_str(&v), "1.0");
	header_value(buf_str(&msg), "Auto-Submitted", &v);
	assert_string_equal(buf_str(&v), "auto-generated");

	/* body after the blank line, CRLF, the link on its own line */
	const char *body = strstr(buf_str(&msg), "\r\n\r\n");
	assert_non_null(body);
	assert_non_null(strstr(body, "\r\nhttps://kafaat.test/v/abc123\r\n"));
	assert_non_null(strstr(body, "مرحبًا،\r\n"));

	/* `kafaat mail show` prints exactly these bytes */
	assert_int_equal(mail_message(&f->cfg, f->db, id, &shown), 1);
	assert_int_equal(shown.len, msg.len);
	assert_memory_equal(shown.data, msg.data, msg.len);
	buf_reset(&shown);
	assert_int_equal(mail_message(&f->cfg, f->db, 12345, &shown), 0);
	buf_release(&msg);
	buf_release(&v);
	buf_release(&shown);
}

static void test_ascii_subject_and_encoded_sender(void **state)
{
	struct fixture *f = *state;
	struct buf msg = BUF_INIT, v = BUF_INIT, dec = BUF_INIT;

	set_key(&f->cfg, "mail.from", "كفاءات Kafaat <no-reply@kafaat.test>");
	assert_int_equal(mail_enqueue(&f->app, f->db, "john@example.com", LANG_EN,
	                              "mail.password_changed", NULL),
	                 0);
	assert_int_equal(mail_message(&f->cfg, f->db, last_id(f), &msg), 1);
	header_value(buf_str(&msg), "Subject", &v);
	assert_string_equal(buf_str(&v), "Your Kafaat password was changed");
	header_value(buf_str(&msg), "From", &v);
	assert_non_null(strstr(buf_str(&v), " <no-reply@kafaat.test>"));
	decode_words(buf_str(&v), &dec);
	assert_string_equal(buf_str(&dec), "كفاءات Kafaat");
	buf_release(&msg);
	buf_release(&v);
	buf_release(&dec);
}

static void test_long_line_base64(void **state)
{
	struct fixture *f = *state;
	struct buf msg = BUF_INIT, v = BUF_INIT, line = BUF_INIT, dec = BUF_INIT, sql = BUF_INIT;
	unsigned char bin[4096];
	size_t len;

	for (int i = 0; i < 300; i++)
		buf_adds(&line, "كفاءة ");
	buf_addf(&sql,
	         "INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, "
	         "next_attempt_at) "
	         "VALUES (7, 'a@example.org', 'ar', 'long', 'x\n%s\nend', '2026-11-18T08:00:00Z', "
	         "'2026-11-18T08:00:00Z')",
	         buf_str(&line));
	exec_ok(f->db, buf_str(&sql));
	assert_int_equal(mail_message(&f->cfg, f->db, 7, &msg), 1);
	assert_crlf_lines(&msg);
	header_value(buf_str(&msg), "Content-Transfer-Encoding", &v);
	assert_string_equal(buf_str(&v), "base64");
	/* the body: base64 lines of at most 76 characters, decoding to the
	 * text with CRLF line ends */
	buf_reset(&v);
	const char *b = strstr(buf_str(&msg), "\r\n\r\n") + 4;
	for (const char *e; (e = strstr(b, "\r\n")) != NULL; b = e + 2) {
		assert_true(e - b <= 76);
		buf_add(&v, b, (size_t)(e - b));
	}
	buf_addf(&dec, "x\r\n%s\r\nend\r\n", buf_str(&line));
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), buf_str(&v), v.len, NULL, &len, NULL,
	                                   sodium_base64_VARIANT_ORIGINAL),
	                 0);
	assert_int_equal(len, dec.len);
	assert_memory_equal(bin, dec.data, len);
	buf_release(&msg);
	buf_release(&v);
	buf_release(&line);
	buf_release(&dec);
	buf_release(&sql);
}

/* A row written by something else than mail_enqueue is checked again. */
static void test_unsafe_row_not_sent(void **state)
{
	struct fixture *f = *state;
	struct buf v = BUF_INIT;

	exec_ok(f->db, "INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, "
	               "next_attempt_at) VALUES (9, 'a@example.org', 'en', "
	               "'hi' || char(13) || char(10) || 'Bcc: evil@example.org', 'body', "
	               "'2026-11-18T08:00:00Z', '2026-11-18T08:00:00Z')");
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
	query_text(f->db, "SELECT attempts || ' ' || coalesce(sent_at, '-') FROM outbox", &v);
	assert_string_equal(buf_str(&v), "1 -");
	query_text(f->db, "SELECT last_error FROM outbox", &v);
	assert_non_null(strstr(buf_str(&v), "subject"));
	buf_release(&v);
}

/* ---- sending once, leases ---- */

static void test_sent_once(void **state)
{
	struct fixture *f = *state;
	struct buf v = BUF_INIT;
	char now[ISO_TIME_LEN + 1];

	assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_FR, "mail.verify_email",
	                              link_vars),
	                 0);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 1);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
	set_clock(f, T0 + 86400);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
	iso_time(T0, now);
	query_text(f->db, "SELECT sent_at FROM outbox", &v);
	assert_string_equal(buf_str(&v), now);
	query_text(f->db,
	           "SELECT attempts || ' ' || coalesce(locked_until, failed_at, '-') FROM outbox",
	           &v);
	assert_string_equal(buf_str(&v), "1 -");
	buf_release(&v);
}

static void test_max_and_order(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 5; i++)
		assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN,
		                              "mail.verify_email", link_vars),
		                 0);
	assert_int_equal(mail_send_due(&f->app, f->db, 2), 2);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL "
	                                  "AND id > (SELECT MIN(id) FROM outbox "
	                                  "WHERE sent_at IS NULL)"),
	                 0); /* the oldest went first */
	assert_int_equal(mail_send_due(&f->app, f->db, 0), 0);
	assert_int_equal(mail_send_due(&f->app, f->db, 50), 3);
}

static void test_lease_held_elsewhere(void **state)
{
	struct fixture *f = *state;
	char path[256], until[ISO_TIME_LEN + 1];
	struct buf sql = BUF_INIT;
	int64_t id;

	assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN, "mail.verify_email",
	                              link_vars),
	                 0);
	id = last_id(f);
	/* another sender leased it until T0 + 100 */
	iso_time(T0 + 100, until);
	buf_addf(&sql, "UPDATE outbox SET locked_until = '%s'", until);
	exec_ok(f->db, buf_str(&sql));
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
	spool_path(f, id, "", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	set_clock(f, T0 + 100);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 0); /* still held at its last second */
	/* the other sender died: its lease runs out, the mail goes */
	set_clock(f, T0 + 101);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 1);
	assert_int_equal(access(path, F_OK), 0);
	buf_release(&sql);
}

/* Two senders on two connections work the same outbox at once: every
 * mail is delivered by exactly one of them (each counts only what it
 * delivered itself). */
struct racer {
	struct fixture *f;
	struct db *db;
	int sent;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < 5; i++)
		r->sent += mail_send_due(&r->f->app, r->db, 8);
	return NULL;
}

static void test_two_senders(void **state)
{
	struct fixture *f = *state;
	struct racer r[2] = {{f, NULL, 0}, {f, NULL, 0}};
	pthread_t th[2];
	char err[256];

	for (int i = 0; i < 40; i++)
		assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN,
		                              "mail.verify_email", link_vars),
		                 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(db_open(f->dbpath, &r[i].db, err, sizeof(err)), 0);
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		db_close(r[i].db);
	}
	assert_int_equal(r[0].sent + r[1].sent, 40);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM outbox WHERE attempts = 1 "
	                                  "AND sent_at IS NOT NULL"),
	                 40);
}

/* ---- failures and backoff ---- */

static int64_t iso_col(struct fixture *f, const char *sql)
{
	struct buf v = BUF_INIT;
	int64_t t = -1;

	query_text(f->db, sql, &v);
	if (iso_parse(buf_str(&v), &t) < 0)
		fail_msg("%s: not a time: %s", sql, buf_str(&v));
	buf_release(&v);
	return t;
}

static void test_smtp_failure_backoff(void **state)
{
	struct fixture *f = *state;
	int64_t now = T0, delay = 60;
	struct buf v = BUF_INIT;

	set_key(&f->cfg, "mail.transport", "smtp");
	set_key(&f->cfg, "mail.smtp_url", "smtp://127.0.0.1:1");
	set_key(&f->cfg, "mail.smtp_tls", "none");
	assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN, "mail.verify_email",
	                              link_vars),
	                 0);
	for (int attempt = 1; attempt <= 10; attempt++) {
		set_clock(f, now);
		assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
		assert_int_equal(query_int(f->db, "SELECT attempts FROM outbox"), attempt);
		assert_int_equal(iso_col(f, "SELECT next_attempt_at FROM outbox"), now + delay);
		query_text(f->db, "SELECT coalesce(sent_at, locked_until, '-') FROM outbox", &v);
		assert_string_equal(buf_str(&v), "-");
		query_text(f->db, "SELECT last_error FROM outbox", &v);
		assert_true(v.len > 0 && strcmp(buf_str(&v), "(null)") != 0);
		query_text(f->db, "SELECT coalesce(failed_at, '-') FROM outbox", &v);
		if (attempt < 10) {
			assert_string_equal(buf_str(&v), "-");
			/* not due before its time */
			set_clock(f, now + delay - 1);
			assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
			assert_int_equal(query_int(f->db, "SELECT attempts FROM outbox"), attempt);
		} else {
			assert_int_equal(iso_col(f, "SELECT failed_at FROM outbox"), now);
		}
		now += delay;
		delay = delay * 2 > 21600 ? 21600 : delay * 2;
	}
	/* given up: never tried again */
	set_clock(f, now + 86400 * 30);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
	assert_int_equal(query_int(f->db, "SELECT attempts FROM outbox"), 10);
	buf_release(&v);
}

static void test_smtp_password_file_missing(void **state)
{
	struct fixture *f = *state;
	char missing[256];

	snprintf(missing, sizeof(missing), "%s/no-such-password-file", f->dir);
	set_key(&f->cfg, "mail.transport", "smtp");
	set_key(&f->cfg, "mail.smtp_url", "smtp://127.0.0.1:1");
	set_key(&f->cfg, "mail.smtp_user", "kafaat");
	set_key(&f->cfg, "mail.smtp_password_file", missing);
	assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN, "mail.verify_email",
	                              link_vars),
	                 0);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
	assert_int_equal(query_int(f->db, "SELECT attempts FROM outbox WHERE sent_at IS NULL "
	                                  "AND last_error LIKE '%smtp_password_file%'"),
	                 1);
}

static void test_spool_unwritable(void **state)
{
	struct fixture *f = *state;
	char blocker[256];
	FILE *fp;

	/* a file where the spool folder should be */
	snprintf(blocker, sizeof(blocker), "%s/var", f->dir);
	fp = fopen(blocker, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN, "mail.verify_email",
	                              link_vars),
	                 0);
	assert_int_equal(mail_send_due(&f->app, f->db, 10), 0);
	assert_int_equal(query_int(f->db, "SELECT attempts FROM outbox WHERE sent_at IS NULL "
	                                  "AND last_error LIKE 'cannot create%'"),
	                 1);
}

/* ---- the background sender ---- */

static void test_sender_thread(void **state)
{
	struct fixture *f = *state;
	struct db_pool *pool;
	struct mail_sender *s;
	struct timespec pause = {0, 20 * 1000 * 1000};
	char err[256], path[256];
	int waited = 0;

	assert_int_equal(db_pool_open(f->dbpath, 2, &pool, err, sizeof(err)), 0);
	f->app.pool = pool;
	s = mail_sender_start(&f->app);
	assert_non_null(s);
	assert_int_equal(mail_enqueue(&f->app, f->db, "a@example.org", LANG_EN, "mail.verify_email",
	                              link_vars),
	                 0);
	mail_wake(s);
	spool_path(f, last_id(f), "", path, sizeof(path));
	while (access(path, F_OK) != 0 && waited++ < 500) /* up to 10 s */
		nanosleep(&pause, NULL);
	mail_sender_stop(s);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL"),
	                 1);
	mail_wake(NULL);
	mail_sender_stop(NULL);
	db_pool_close(pool);
	f->app.pool = NULL;
}

static void test_sender_needs_pool(void **state)
{
	struct fixture *f = *state;

	assert_null(mail_sender_start(&f->app));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_enqueue_arabic),
	        T(test_enqueue_french_placeholders),
	        T(test_every_mail_key_renders),
	        T(test_enqueue_unusual_addresses),
	        T(test_enqueue_refuses),
	        T(test_spool_message),
	        T(test_ascii_subject_and_encoded_sender),
	        T(test_long_line_base64),
	        T(test_unsafe_row_not_sent),
	        T(test_sent_once),
	        T(test_max_and_order),
	        T(test_lease_held_elsewhere),
	        T(test_two_senders),
	        T(test_smtp_failure_backoff),
	        T(test_smtp_password_file_missing),
	        T(test_spool_unwritable),
	        T(test_sender_thread),
	        T(test_sender_needs_pool),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
