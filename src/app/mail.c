/* mail: the outbox and its sender (see mail.h).
 *
 * Sections: database helpers; rendering and queueing (mail_enqueue); the
 * RFC 5322 message (mail_message); the two transports (spool files, SMTP
 * through libcurl); the sending round with leases and backoff
 * (mail_send_due); the background thread.
 *
 * The message is a pure function of the outbox row (id, to_addr, subject,
 * body, created_at) and the configured sender, so `kafaat mail show`
 * prints exactly the bytes that were (or will be) delivered: its Date is
 * the time the mail was queued.
 */
#include "app/mail.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/config.h"
#include "app/deadlines.h"
#include "app/files.h"
#include "app/freshness.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/log.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "db/fault.h"

#define LEASE_SECONDS 300   /* longer than one SMTP delivery (10 s + 30 s) */
#define MAX_ATTEMPTS 10     /* then failed_at is set */
#define BACKOFF_FIRST 60    /* seconds before the second attempt */
#define BACKOFF_CAP 21600   /* 6 hours */
#define MAX_ADDR 254        /* RFC 5321 path limit */
#define MAX_SUBJECT 500     /* bytes, rendered */
#define MAX_BODY 65536      /* bytes, rendered */
#define MAX_MESSAGE 1048576 /* bytes, headers and encoded body */
#define MAX_LINE 998        /* RFC 5322 line limit, CRLF excluded */
#define WORD_BYTES 45       /* bytes per encoded-word: 60 base64 chars, 72 in all */

/* ---- Database helpers --------------------------------------------------- */

/* Binds $1..$n from types: 'i' an int64_t, 't' a const char * (NULL binds
 * NULL). Returns 0 or -1. */
static int bind_va(struct db_stmt *st, const char *types, va_list ap)
{
	for (int i = 0; types[i]; i++) {
		enum db_rc rc;
		if (types[i] == 'i')
			rc = db_bind_int(st, i + 1, va_arg(ap, int64_t));
		else
			rc = db_bind_text(st, i + 1, va_arg(ap, const char *));
		if (rc != DB_OK)
			return -1;
	}
	return 0;
}

/* Prepares sql and binds its parameters; NULL (logged) on failure. */
static struct db_stmt *query(struct db *db, const char *sql, const char *types, ...)
{
	struct db_stmt *st = db_prepare(db, sql);
	va_list ap;
	int rc;

	if (!st) {
		log_error("mail: %s", db_errmsg(db));
		return NULL;
	}
	va_start(ap, types);
	rc = bind_va(st, types, ap);
	va_end(ap);
	if (rc < 0) {
		log_error("mail: cannot bind parameters: %s", db_errmsg(db));
		db_finalize(st);
		return NULL;
	}
	return st;
}

/* Runs a statement that returns no rows: the number of rows changed, or -1
 * (logged). Finalizes st. */
static int64_t run(struct db *db, struct db_stmt *st)
{
	int64_t changed = -1;

	if (!st)
		return -1;
	if (db_step(st) == DB_OK)
		changed = db_changes(st);
	else
		log_error("mail: %s", db_errmsg(db));
	db_finalize(st);
	return changed;
}

/* ---- Rendering and queueing --------------------------------------------- */

static int is_alpha_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_alnum_(int c)
{
	return is_alpha_(c) || (c >= '0' && c <= '9');
}

/* Length of the name when s starts with "{name}", else 0. */
static size_t placeholder_len(const char *s)
{
	size_t n = 1;

	if (s[0] != '{' || !is_alpha_((unsigned char)s[1]))
		return 0;
	while (is_alnum_((unsigned char)s[n]))
		n++;
	return s[n] == '}' ? n - 1 : 0;
}

/* The value of placeholder name[0..n) in vars, or NULL. */
static const char *var_value(const char *const *vars, const char *name, size_t n)
{
	for (size_t i = 0; vars && vars[i] && vars[i + 1]; i += 2)
		if (strlen(vars[i]) == n && memcmp(vars[i], name, n) == 0)
			return vars[i + 1];
	return NULL;
}

/* Appends text with every {name} replaced by its value. A placeholder
 * without a value is an error: a mail never shows a raw {name}. Returns 0,
 * or -1 (logged) for that or when out's maximum is reached. */
static int render(const char *key, const char *text, const char *const *vars, struct buf *out)
{
	const char *p = text;

	while (*p) {
		size_t n = placeholder_len(p);
		const char *v = n ? var_value(vars, p + 1, n) : NULL;
		int rc;
		if (n && !v) {
			log_error("mail %s: no value for {%.*s}", key, (int)n, p + 1);
			return -1;
		}
		rc = v ? buf_adds(out, v) : buf_addc(out, *p);
		if (rc < 0) {
			log_error("mail %s: text longer than %zu bytes", key, out->max);
			return -1;
		}
		p += v ? n + 2 : 1;
	}
	return 0;
}

/* Renders catalogue entry KEY.part in language l into out. */
static int render_part(const struct app *app, enum lang l, const char *key, const char *part,
                       const char *const *vars, struct buf *out)
{
	char full[128];
	const char *text;

	if ((size_t)snprintf(full, sizeof(full), "%s.%s", key, part) >= sizeof(full)) {
		log_error("mail %s: key too long", key);
		return -1;
	}
	text = app->i18n ? i18n_lookup(app->i18n, l, full) : NULL;
	if (!text) {
		log_error("mail %s: no %s text for \"%s\"", key, lang_code(l), full);
		return -1;
	}
	return render(full, text, vars, out);
}

/* 1 when s has no control character other than those in allowed. */
static int no_controls(const char *s, const char *allowed)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 || *p == 0x7F) && !strchr(allowed, *p))
			return 0;
	return 1;
}

/* An address that can go in a To header and an SMTP envelope as is: valid
 * UTF-8 (non-ASCII needs SMTPUTF8, which libcurl asks for), one '@'
 * inside, no space or control character, none of the characters that
 * would end the address or start a list or a quoted string. The same
 * characters as users.c's email_normalise refuses, so an address accepted
 * at sign-up can always be mailed. */
static int valid_addr(const char *a)
{
	size_t n = strlen(a);
	const char *at = strchr(a, '@');

	if (n < 3 || n > MAX_ADDR || !at || at == a || at == a + n - 1 || strchr(at + 1, '@'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= 0x20 || *p == 0x7F || strchr("<>\",;\\", *p))
			return 0;
	return utf8_valid(a, n);
}

/* Subject: one line of valid UTF-8. Body: valid UTF-8, lines and tabs only. */
static int valid_subject(const char *s)
{
	return utf8_valid(s, strlen(s)) && no_controls(s, "");
}

static int valid_body(const char *s)
{
	return utf8_valid(s, strlen(s)) && no_controls(s, "\n\t");
}

static int outbox_insert(const struct config *cfg, struct db *db, const char *to, enum lang l,
                         const char *subject, const char *body)
{
	char now[ISO_TIME_LEN + 1];
	struct db_stmt *st;

	iso_time(clock_now(cfg), now);
	st = query(db,
	           "INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, "
	           "next_attempt_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, $6, 0)",
	           "ittttt", new_id(cfg), to, lang_code(l), subject, body, now);
	return run(db, st) == 1 ? 0 : -1;
}

int mail_enqueue(struct app *app, struct db *db, const char *to, enum lang l, const char *key,
                 const char *const *vars)
{
	struct buf subject, body;
	int rc = -1;

	buf_init(&subject, MAX_SUBJECT);
	buf_init(&body, MAX_BODY);
	if (!to || !valid_addr(to)) {
		log_error("mail %s: refused recipient address", key);
		goto out;
	}
	if (render_part(app, l, key, "subject", vars, &subject) < 0 ||
	    render_part(app, l, key, "body", vars, &body) < 0)
		goto out;
	if (!valid_subject(buf_str(&subject)) || !valid_body(buf_str(&body))) {
		log_error("mail %s: a value holds a line break, a control character or bad UTF-8",
		          key);
		goto out;
	}
	rc = outbox_insert(app->cfg, db, to, l, buf_str(&subject), buf_str(&body));
out:
	buf_release(&subject);
	buf_release(&body);
	return rc;
}

/* ---- The message -------------------------------------------------------- */

/* Writes a reason into err; returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* One outbox row, as the message is built from it. Strings are owned. */
struct mail_row {
	int64_t id;
	int64_t attempts;
	char *to;
	char *subject;
	char *body;
	char *created_at;
};

static void row_release(struct mail_row *r)
{
	free(r->to);
	free(r->subject);
	free(r->body);
	free(r->created_at);
	memset(r, 0, sizeof(*r));
}

static char *col_dup(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);

	return xstrdup(s ? s : "");
}

/* Loads outbox row id into r: 1, 0 when there is none, -1 (logged). */
static int row_load(struct db *db, int64_t id, struct mail_row *r)
{
	struct db_stmt *st = query(db,
	                           "SELECT to_addr, subject, body, created_at, attempts "
	                           "FROM outbox WHERE id = $1",
	                           "i", id);
	enum db_rc rc;

	if (!st)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW) {
		r->id = id;
		r->to = col_dup(st, 0);
		r->subject = col_dup(st, 1);
		r->body = col_dup(st, 2);
		r->created_at = col_dup(st, 3);
		r->attempts = db_col_int(st, 4);
	} else if (rc != DB_OK) {
		log_error("mail: %s", db_errmsg(db));
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_OK ? 0 : -1;
}

/* Appends the padded base64 of p[0..n), n <= 57 (one 76-character line). */
static int add_base64(struct buf *out, const char *p, size_t n)
{
	char b64[80];

	if (n > 57)
		return -1;
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)p, n,
	                  sodium_base64_VARIANT_ORIGINAL);
	return buf_adds(out, b64);
}

/* Bytes of s[0..n) that fit in one encoded-word, never splitting a UTF-8
 * character (RFC 2047 section 5). */
static size_t word_len(const char *s, size_t n)
{
	size_t k = WORD_BYTES;

	if (n <= k)
		return n;
	while (k > 1 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

/* Appends s as RFC 2047 encoded-words "=?UTF-8?B?...?=" (72 characters at
 * most, under the limit of 75), folded with CRLF SP between words. */
static int add_encoded(struct buf *out, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t k = word_len(s + i, n - i);
		if ((i && buf_adds(out, "\r\n ") < 0) || buf_adds(out, "=?UTF-8?B?") < 0 ||
		    add_base64(out, s + i, k) < 0 || buf_adds(out, "?=") < 0)
			return -1;
		i += k;
	}
	return 0;
}

/* 1 when s may appear as is in a header: printable ASCII, nothing that
 * reads as an encoded-word, at most max bytes, and only characters of
 * extra besides letters and digits. */
static int header_plain(const char *s, size_t max, const char *extra)
{
	if (strlen(s) > max || strstr(s, "=?"))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!is_alnum_(*p) && !strchr(extra, *p))
			return 0;
	return 1;
}

/* Printable ASCII, for subjects. */
#define PRINTABLE " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
/* RFC 5322 atext and spaces, for display names written without quotes. */
#define ATEXT_SP " !#$%&'*+-/=?^_`{|}~"

static int add_subject(struct buf *out, const char *subject)
{
	int plain = header_plain(subject, 69, PRINTABLE);

	if (buf_adds(out, "Subject: ") < 0 ||
	    (plain ? buf_adds(out, subject) : add_encoded(out, subject)) < 0)
		return -1;
	return buf_adds(out, "\r\n");
}

/* The configured sender, "Name <addr@host>" or "addr@host". */
struct sender {
	char addr[MAX_ADDR + 1];
	char name[128];
};

static int sender_parse(const char *from, struct sender *s)
{
	const char *lt = strchr(from, '<');
	const char *a = lt ? lt + 1 : from;
	size_t alen = lt ? strcspn(a, ">") : strlen(from);
	size_t nlen = lt ? (size_t)(lt - from) : 0;

	if (lt && (a[alen] != '>' || a[alen + 1] != '\0'))
		return -1;
	while (nlen && from[nlen - 1] == ' ')
		nlen--;
	if (alen > MAX_ADDR || nlen >= sizeof(s->name))
		return -1;
	memcpy(s->addr, a, alen);
	s->addr[alen] = '\0';
	memcpy(s->name, from, nlen);
	s->name[nlen] = '\0';
	return valid_addr(s->addr) && valid_subject(s->name) ? 0 : -1;
}

static int add_from(struct buf *out, const struct sender *s)
{
	if (!s->name[0])
		return buf_addf(out, "From: %s\r\n", s->addr);
	if (buf_adds(out, "From: ") < 0)
		return -1;
	if (header_plain(s->name, 60, ATEXT_SP) ? buf_adds(out, s->name) < 0
	                                        : add_encoded(out, s->name) < 0)
		return -1;
	return buf_addf(out, " <%s>\r\n", s->addr);
}

/* Appends "Date: Sun, 29 Nov 2026 10:00:00 +0000" (RFC 5322 3.3). */
static int add_date(struct buf *out, int64_t t)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm))
		return -1;
	return buf_addf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
	                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	                tm.tm_sec);
}

/* Length of the longest line of s, in bytes (LF ends a line, CR ignored). */
static size_t longest_line(const char *s)
{
	size_t longest = 0, cur = 0;

	for (; *s; s++) {
		if (*s == '\n')
			cur = 0;
		else if (*s != '\r' && ++cur > longest)
			longest = cur;
	}
	return longest;
}

/* Appends text with CRLF line endings (CRs dropped, LFs become CRLF),
 * ending with CRLF. */
static int add_crlf_text(struct buf *out, const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\r\n");
		if (buf_add(out, p, n) < 0 || (p[n] == '\n' && buf_adds(out, "\r\n") < 0))
			return -1;
		p += n + (p[n] != '\0');
	}
	if (out->len >= 2 && memcmp(out->data + out->len - 2, "\r\n", 2) == 0)
		return 0;
	return buf_adds(out, "\r\n");
}

/* Appends text in base64, 76-character lines, for bodies with a line
 * longer than 998 bytes. */
static int add_base64_text(struct buf *out, const char *text)
{
	struct buf crlf;
	int rc;

	buf_init(&crlf, MAX_MESSAGE);
	rc = add_crlf_text(&crlf, text);
	for (size_t i = 0; rc == 0 && i < crlf.len; i += 57) {
		size_t k = crlf.len - i < 57 ? crlf.len - i : 57;
		if (add_base64(out, crlf.data + i, k) < 0 || buf_adds(out, "\r\n") < 0)
			rc = -1;
	}
	buf_release(&crlf);
	return rc;
}

/* Checks what goes into headers (again: a row may come from elsewhere than
 * mail_enqueue). 0, or -1 with the reason in err. */
static int message_check(const struct config *cfg, const struct mail_row *r, struct sender *from,
                         int64_t *date, char *err, size_t errlen)
{
	if (sender_parse(cfg->mail_from, from) < 0)
		return fail(err, errlen, "mail.from is not \"Name <address>\" or an address");
	if (!valid_addr(r->to))
		return fail(err, errlen, "refused recipient address");
	if (!valid_subject(r->subject))
		return fail(err, errlen,
		            "subject holds a line break, a control character or bad UTF-8");
	if (!utf8_valid(r->body, strlen(r->body)) || !no_controls(r->body, "\r\n\t"))
		return fail(err, errlen, "body holds a control character or bad UTF-8");
	if (iso_parse(r->created_at, date) < 0)
		return fail(err, errlen, "created_at is not an ISO 8601 UTC time");
	return 0;
}

/* Writes the whole message of row r (headers, blank line, body; CRLF). */
static int message_build(const struct config *cfg, const struct mail_row *r, struct buf *out,
                         char *err, size_t errlen)
{
	struct sender from;
	int64_t date;
	int b64 = longest_line(r->body) > MAX_LINE;

	if (message_check(cfg, r, &from, &date, err, errlen) < 0)
		return -1;
	if (add_date(out, date) < 0 || add_from(out, &from) < 0 ||
	    buf_addf(out, "To: %s\r\n", r->to) < 0 || add_subject(out, r->subject) < 0 ||
	    buf_addf(out, "Message-ID: <%" PRId64 "@kafaat>\r\n", r->id) < 0 ||
	    buf_addf(out,
	             "MIME-Version: 1.0\r\n"
	             "Content-Type: text/plain; charset=UTF-8\r\n"
	             "Content-Transfer-Encoding: %s\r\n"
	             "Auto-Submitted: auto-generated\r\n\r\n",
	             b64 ? "base64" : "8bit") < 0 ||
	    (b64 ? add_base64_text(out, r->body) : add_crlf_text(out, r->body)) < 0)
		return fail(err, errlen, "message longer than %d bytes", MAX_MESSAGE);
	return 0;
}

int mail_message(const struct config *cfg, struct db *db, int64_t id, struct buf *out)
{
	struct mail_row r = {0};
	struct buf msg;
	char err[256];
	int rc = row_load(db, id, &r);

	buf_init(&msg, MAX_MESSAGE);
	if (rc == 1 && message_build(cfg, &r, &msg, err, sizeof(err)) < 0) {
		log_error("mail %" PRId64 ": %s", id, err);
		rc = -1;
	}
	if (rc == 1 && buf_add(out, msg.data, msg.len) < 0)
		rc = -1;
	buf_release(&msg);
	row_release(&r);
	return rc;
}

/* ---- Transports --------------------------------------------------------- */

/* strerror, thread-safe. */
static const char *errno_text(int e, char *buf, size_t n)
{
	return strerror_r(e, buf, n);
}

/* Creates dir and its missing parents (mode 0700). 0, or -1 with errno. */

/* Writes msg to tmp, flushes it to disk and renames it to path, so a
 * reader never sees half a message. 0, or -1 with errno. */
static int write_atomic(const char *path, const char *tmp, const struct buf *msg)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int e;

	if (fd < 0)
		return -1;
	if (file_write_all(fd, msg->data, msg->len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	errno = e;
	return -1;
}

/* The spool transport: one file DIR/ID.eml per mail (0600: it may hold a
 * one-time link). */
static int spool_deliver(const struct config *cfg, int64_t id, const struct buf *msg, char *err,
                         size_t errlen)
{
	const char *dir = cfg->mail_spool_dir;
	char path[4096], tmp[4100], why[128];

	if ((size_t)snprintf(path, sizeof(path), "%s/%" PRId64 ".eml", dir, id) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return fail(err, errlen, "spool path too long");
	if (file_mkdirs(dir) < 0)
		return fail(err, errlen, "cannot create %s: %s", dir,
		            errno_text(errno, why, sizeof(why)));
	if (write_atomic(path, tmp, msg) < 0)
		return fail(err, errlen, "cannot write %s: %s", path,
		            errno_text(errno, why, sizeof(why)));
	return 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_status; /* written once, by curl_init */

static void curl_init(void)
{
	curl_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The message as libcurl reads it. */
struct upload {
	const char *data;
	size_t len, pos;
};

static size_t upload_read(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb, left = u->len - u->pos;

	if (n > left)
		n = left;
	memcpy(ptr, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* Reads the first line of path into out[0..n) (the caller wipes it). Read
 * with read(2), not stdio, so no copy stays in a stdio buffer. */
static int read_secret(const char *path, char *out, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, out, n - 1);
	close(fd);
	if (got < 0)
		return -1;
	out[got] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static long tls_mode(const char *s)
{
	if (strcmp(s, "none") == 0)
		return (long)CURLUSESSL_NONE;
	if (strcmp(s, "required") == 0)
		return (long)CURLUSESSL_ALL;
	return (long)CURLUSESSL_TRY;
}

static int smtp_options(CURL *c, const struct config *cfg, const char *from,
                        struct curl_slist *rcpt, struct upload *u, char *errbuf)
{
	if (curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USE_SSL, tls_mode(cfg->smtp_tls)) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_READDATA, u) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK)
		return -1;
	return 0;
}

/* Sets the SMTP credentials when smtp_user is set; the password is read
 * now into password[0..n), which the caller wipes after the transfer. */
static int smtp_auth(CURL *c, const struct config *cfg, char *password, size_t n, char *err,
                     size_t errlen)
{
	if (!cfg->smtp_user || !cfg->smtp_user[0])
		return 0;
	if (!cfg->smtp_password_file || !cfg->smtp_password_file[0])
		return fail(err, errlen,
		            "mail.smtp_user is set but mail.smtp_password_file is not");
	if (read_secret(cfg->smtp_password_file, password, n) < 0)
		return fail(err, errlen, "cannot read mail.smtp_password_file");
	if (curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PASSWORD, password) != CURLE_OK)
		return fail(err, errlen, "libcurl refused the SMTP credentials");
	return 0;
}

/* The SMTP transport: one libcurl transfer per mail. */
static int smtp_deliver(const struct config *cfg, const char *to, const struct buf *msg, char *err,
                        size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "", password[256] = "";
	struct upload u = {msg->data, msg->len, 0};
	struct curl_slist *rcpt = NULL;
	struct sender from;
	CURL *c = NULL;
	CURLcode rc;
	int ret = -1;

	if (pthread_once(&curl_once, curl_init) != 0 || curl_status != CURLE_OK ||
	    sender_parse(cfg->mail_from, &from) < 0 || !(rcpt = curl_slist_append(NULL, to)) ||
	    !(c = curl_easy_init()) || smtp_options(c, cfg, from.addr, rcpt, &u, errbuf) < 0) {
		fail(err, errlen, "cannot prepare the SMTP transfer");
		goto out;
	}
	if (smtp_auth(c, cfg, password, sizeof(password), err, errlen) < 0)
		goto out;
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		fail(err, errlen, "smtp: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(password, sizeof(password));
	curl_easy_cleanup(c);
	curl_slist_free_all(rcpt);
	return ret;
}

static int deliver(const struct config *cfg, const struct mail_row *r, const struct buf *msg,
                   char *err, size_t errlen)
{
	if (strcmp(cfg->mail_transport, "smtp") == 0)
		return smtp_deliver(cfg, r->to, msg, err, errlen);
	return spool_deliver(cfg, r->id, msg, err, errlen);
}

/* ---- Sending ------------------------------------------------------------ */

/* The ids of the mails due at now, oldest first, at most max, into *ids
 * (allocated; the caller frees). Returns how many, or -1 (logged). */
static int due_ids(struct db *db, const char *now, int max, int64_t **ids)
{
	struct db_stmt *st =
	        query(db,
	              "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
	              "AND next_attempt_at <= $1 "
	              "AND (locked_until IS NULL OR locked_until < $1) "
	              "ORDER BY id LIMIT $2",
	              "ti", now, (int64_t)(max > 0 ? max : 0));
	size_t cap = 0;
	enum db_rc rc;
	int n = 0;

	*ids = NULL;
	if (!st)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		if ((size_t)n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[n++] = db_col_int(st, 0);
	}
	if (rc != DB_OK) {
		log_error("mail: cannot read the outbox: %s", db_errmsg(db));
		n = -1;
	}
	db_finalize(st);
	return n;
}

/* Leases mail id until now + LEASE_SECONDS. One UPDATE, atomic on both
 * engines (PostgreSQL re-checks the WHERE clause of a row another
 * transaction changed meanwhile): of two senders, one changes the row and
 * the other none. Returns 1 when this sender holds the lease, 0 when it
 * does not, -1 on error. Runs in autocommit, so the lease is visible to
 * other nodes before delivery starts. */
static int lease_take(const struct config *cfg, struct db *db, int64_t id)
{
	char now[ISO_TIME_LEN + 1], until[ISO_TIME_LEN + 1];
	int64_t t = clock_now(cfg), changed;

	iso_time(t, now);
	iso_time(t + LEASE_SECONDS, until);
	changed = run(db, query(db,
	                        "UPDATE outbox SET locked_until = $1 WHERE id = $2 "
	                        "AND (locked_until IS NULL OR locked_until < $3) "
	                        "AND sent_at IS NULL AND failed_at IS NULL",
	                        "tit", until, id, now));
	return changed < 0 ? -1 : changed == 1;
}

/* Seconds before the next attempt after `attempts` failed ones: 60 s ×
 * 2^(attempts-1), at most 6 h. */
static int64_t backoff(int64_t attempts)
{
	int64_t d = BACKOFF_FIRST;

	for (int64_t i = 1; i < attempts && d < BACKOFF_CAP; i++)
		d *= 2;
	return d < BACKOFF_CAP ? d : BACKOFF_CAP;
}

static int mark_sent(const struct config *cfg, struct db *db, const struct mail_row *r)
{
	char now[ISO_TIME_LEN + 1];

	iso_time(clock_now(cfg), now);
	if (run(db, query(db,
	                  "UPDATE outbox SET sent_at = $1, attempts = $2, locked_until = NULL "
	                  "WHERE id = $3",
	                  "tii", now, r->attempts + 1, r->id)) == 1)
		return 0;
	log_error("mail %" PRId64 ": delivered but not marked sent: it may be sent again", r->id);
	return -1;
}

/* Keeps printable ASCII only, so every engine stores the reason as text. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F)
			*s = '?';
}

/* Records a failed attempt: retry later, or give up after MAX_ATTEMPTS. */
static int mark_failed(const struct config *cfg, struct db *db, const struct mail_row *r, char *err)
{
	int64_t t = clock_now(cfg), attempts = r->attempts + 1;
	char now[ISO_TIME_LEN + 1], next[ISO_TIME_LEN + 1];

	iso_time(t, now);
	iso_time(t + backoff(attempts), next);
	sanitize(err);
	log_warn("mail %" PRId64 ": attempt %" PRId64 " failed%s: %s", r->id, attempts,
	         attempts >= MAX_ATTEMPTS ? ", giving up" : "", err);
	return run(db, query(db,
	                     "UPDATE outbox SET attempts = $1, next_attempt_at = $2, "
	                     "failed_at = $3, last_error = $4, locked_until = NULL WHERE id = $5",
	                     "ittti", attempts, next, attempts >= MAX_ATTEMPTS ? now : NULL, err,
	                     r->id)) == 1
	               ? 0
	               : -1;
}

/* Leases, delivers and records mail id. Returns 1 when it was sent, 0 when
 * not (leased by another sender, or failed and rescheduled), -1 on a
 * database error. */
static int send_one(const struct config *cfg, struct db *db, int64_t id)
{
	struct mail_row r = {0};
	struct buf msg;
	char err[512] = "";
	int rc = lease_take(cfg, db, id);

	buf_init(&msg, MAX_MESSAGE);
	if (rc == 1)
		rc = row_load(db, id, &r);
	if (rc != 1)
		goto out;
	if (message_build(cfg, &r, &msg, err, sizeof(err)) < 0 ||
	    deliver(cfg, &r, &msg, err, sizeof(err)) < 0)
		rc = mark_failed(cfg, db, &r, err) < 0 ? -1 : 0;
	else
		mark_sent(cfg, db, &r); /* logged; the mail did leave */
out:
	buf_release(&msg);
	row_release(&r);
	return rc;
}

int mail_send_due(struct app *app, struct db *db, int max)
{
	char now[ISO_TIME_LEN + 1];
	int64_t *ids;
	int n, sent = 0;

	iso_time(clock_now(app->cfg), now);
	n = due_ids(db, now, max, &ids);
	for (int i = 0; i < n; i++)
		if (send_one(app->cfg, db, ids[i]) == 1)
			sent++;
	free(ids);
	return n < 0 ? -1 : sent;
}

/* ---- The background sender ---------------------------------------------- */

#define SENDER_BATCH 50

struct mail_sender {
	struct app *app;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC */
	int stopping;        /* guarded by lock */
	int woken;           /* guarded by lock */
	int64_t freshness;   /* last run of the freshness job (freshness.h); this thread only */
	int64_t engagements; /* last run of the engagement jobs (deadlines.h); this thread only */
	int64_t files;       /* last sweep of orphan files (files.h); this thread only */
};

/* One round on a pooled connection. Returns 1 when the batch was full
 * (more may be due at once). */
static int sender_round(struct app *app)
{
	struct db *db = db_pool_get(app->pool);
	int sent;

	if (!db)
		return 0;
	sent = mail_send_due(app, db, SENDER_BATCH);
	db_pool_put(app->pool, db);
	return sent == SENDER_BATCH;
}

/* Waits up to one second for mail_wake or mail_sender_stop (lock held). */
static void sender_wait(struct mail_sender *s)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 1;
	while (!s->woken && !s->stopping)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &until) == ETIMEDOUT)
			break;
	s->woken = 0;
}

static void *sender_main(void *arg)
{
	struct mail_sender *s = arg;

	fault_db_exempt_thread(); /* tests aim their faults at requests (db/fault.h) */
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		pthread_mutex_unlock(&s->lock);
		if (s->app->cfg->testing_jobs) {
			/* hourly: reminders to confirm profiles; deadlines, digests */
			freshness_tick(s->app, &s->freshness);
			engagement_jobs_tick(s->app, &s->engagements);
			files_sweep_tick(s->app, &s->files);
		}
		int more = sender_round(s->app);
		pthread_mutex_lock(&s->lock);
		if (!more)
			sender_wait(s);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int sender_init(struct mail_sender *s)
{
	pthread_condattr_t attr;
	int rc;

	if (pthread_condattr_init(&attr) != 0)
		return -1;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	                     pthread_cond_init(&s->cond, &attr) == 0
	             ? 0
	             : -1;
	pthread_condattr_destroy(&attr);
	if (rc == 0 && pthread_mutex_init(&s->lock, NULL) != 0) {
		pthread_cond_destroy(&s->cond);
		rc = -1;
	}
	return rc;
}

struct mail_sender *mail_sender_start(struct app *app)
{
	struct mail_sender *s;

	if (!app || !app->pool) {
		log_error("mail: cannot start the sender without a database pool");
		return NULL;
	}
	if (pthread_once(&curl_once, curl_init) != 0 || curl_status != CURLE_OK)
		log_error("mail: libcurl did not initialise: SMTP delivery will fail");
	s = xcalloc(1, sizeof(*s));
	s->app = app;
	s->files = clock_now(app->cfg); /* `kafaat serve` swept as it started */
	if (sender_init(s) < 0) {
		log_error("mail: cannot initialise the sender");
		free(s);
		return NULL;
	}
	if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
		log_error("mail: cannot start the sender thread");
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	return s;
}

void mail_wake(struct mail_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->woken = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void mail_sender_stop(struct mail_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
