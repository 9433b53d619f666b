/* config: one table of keys drives defaults, the INI file, the environment,
 * config_set() and the documentation (as in Redis's config.c).
 *
 * The file is read by libinih, one physical line at a time, so that every
 * problem, syntax errors included, is reported with its own FILE:LINE (the
 * Debian build of libinih passes no line numbers to the handler and returns
 * only the first error). To carry the current section from line to line,
 * each line is parsed as a small document: "[section]" (the section in
 * effect), the line itself, then a probe key whose callback tells which
 * section is in effect after the line. libinih alone decides what is a
 * comment, a header, a key or a syntax error.
 */
#include "app/config.h"

#include <errno.h>
#include <inttypes.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/parse.h"
#include "core/xalloc.h"

enum key_type {
	KEY_INT,    /* int within [min, max] */
	KEY_INT64,  /* int64_t within [min, max] */
	KEY_LISTEN, /* HOST:PORT into listen_host and listen_port */
	KEY_PATH,   /* non-empty string */
	KEY_DB,     /* SQLite path or postgres:// URL */
	KEY_URL,    /* http:// or https:// URL without a trailing slash */
	KEY_LEVEL,  /* log level name */
	KEY_TEXT,   /* any string, may be empty */
	KEY_CHOICE, /* one of the '|'-separated words in choices */
};

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	int64_t min, max; /* KEY_INT and KEY_INT64 only */
	const char *def;  /* default, as text: parsed like any other value */
	size_t offset;    /* of the field in struct config */
	const char *help;
	const char *choices; /* KEY_CHOICE only: "spool|smtp" */
};

#define FIELD(f) offsetof(struct config, f)

static const struct key keys[] = {
        {"server", "listen", KEY_LISTEN, 0, 0, "127.0.0.1:8080", FIELD(listen_host),
         "Address to listen on, HOST:PORT (HOST is an IPv4 address or localhost).", NULL},
        {"server", "threads", KEY_INT, 1, 64, "2", FIELD(threads),
         "Worker threads serving requests.", NULL},
        {"server", "max_header_bytes", KEY_INT64, 1024, 1048576, "16384", FIELD(max_header_bytes),
         "Largest request line plus headers, in bytes.", NULL},
        {"server", "max_body_bytes", KEY_INT64, 1024, 67108864, "1048576", FIELD(max_body_bytes),
         "Largest request body, in bytes.", NULL},
        {"server", "request_timeout", KEY_INT64, 1, 3600, "30", FIELD(request_timeout),
         "Seconds of inactivity before a connection is closed.", NULL},
        {"server", "max_connections", KEY_INT64, 16, 65536, "1024", FIELD(max_connections),
         "Most simultaneous connections.", NULL},
        {"server", "drain_seconds", KEY_INT64, 1, 600, "10", FIELD(drain_seconds),
         "On SIGTERM, the longest wait for the requests in flight to be answered; keep it "
         "below the service manager's stop timeout.",
         NULL},
        {"server", "trusted_proxy", KEY_TEXT, 0, 0, "", FIELD(trusted_proxy),
         "Address of the reverse proxy (nginx) in front of Kafaat: requests from it are "
         "taken to come from the last address of their X-Forwarded-For header. Empty: none.",
         NULL},
        {"server", "public_url", KEY_URL, 0, 0, "http://127.0.0.1:8080", FIELD(public_url),
         "Public address of the site, for links in mail: http:// or https://, no trailing "
         "slash.",
         NULL},
        {"database", "url", KEY_DB, 0, 0, "var/kafaat.db", FIELD(db),
         "SQLite database file (its folder must exist) or a postgres:// URL.", NULL},
        {"database", "pool_size", KEY_INT, 1, 256, "4", FIELD(db_pool_size),
         "Database connections kept open.", NULL},
        {"paths", "static", KEY_PATH, 0, 0, "static", FIELD(static_dir),
         "Folder of static files (CSS, JavaScript, images).", NULL},
        {"paths", "templates", KEY_PATH, 0, 0, "templates", FIELD(templates_dir),
         "Folder of page templates.", NULL},
        {"paths", "locale", KEY_PATH, 0, 0, "locale", FIELD(locale_dir),
         "Folder of translation catalogues.", NULL},
        {"paths", "data", KEY_PATH, 0, 0, "data", FIELD(data_dir),
         "Folder of reference and demo data.", NULL},
        {"paths", "files", KEY_PATH, 0, 0, "var/files", FIELD(files_dir),
         "Folder of uploaded files (CVs) under generated names; keep it outside any web "
         "root. Created when missing.",
         NULL},
        {"paths", "files_orphan_minutes", KEY_INT, 10, 10080, "60", FIELD(files_orphan_minutes),
         "Minutes after which a file of paths.files that no row refers to (left by an "
         "interrupted upload, removal or erasure) is removed, at start and then hourly. Nodes "
         "sharing the folder need more than any upload takes on any of them.",
         NULL},
        {"paths", "personal_data", KEY_PATH, 0, 0, "db/personal_data.tsv",
         FIELD(personal_data_file),
         "The list of columns holding personal data: \"download my data\" and account "
         "erasure follow it (docs/DATA_RIGHTS.md).",
         NULL},
        {"log", "level", KEY_LEVEL, 0, 0, "info", FIELD(log_level),
         "Least severe messages logged: debug, info, warn or error.", NULL},
        {"mail", "transport", KEY_CHOICE, 0, 0, "spool", FIELD(mail_transport),
         "How mail leaves: spool (files in spool_dir, read with `kafaat mail list`) or smtp.",
         "spool|smtp"},
        {"mail", "spool_dir", KEY_PATH, 0, 0, "var/mail", FIELD(mail_spool_dir),
         "Folder receiving mail when transport is spool.", NULL},
        {"mail", "from", KEY_PATH, 0, 0, "Kafaat <no-reply@kafaat.localhost>", FIELD(mail_from),
         "Sender address of every mail.", NULL},
        {"mail", "smtp_url", KEY_PATH, 0, 0, "smtp://127.0.0.1:25", FIELD(smtp_url),
         "SMTP server: smtp://HOST:PORT (STARTTLS per smtp_tls) or smtps://HOST:PORT.", NULL},
        {"mail", "smtp_tls", KEY_CHOICE, 0, 0, "try", FIELD(smtp_tls),
         "STARTTLS on smtp:// URLs: none, try, or required.", "none|try|required"},
        {"mail", "smtp_user", KEY_TEXT, 0, 0, "", FIELD(smtp_user),
         "SMTP user name; empty: no authentication.", NULL},
        {"mail", "smtp_password_file", KEY_TEXT, 0, 0, "", FIELD(smtp_password_file),
         "File holding the SMTP password (first line), readable by Kafaat only.", NULL},
        {"auth", "staff_idle_minutes", KEY_INT, 5, 1440, "30", FIELD(auth_staff_idle_minutes),
         "Minutes without activity before a session of an admin, advisor, coordinator or "
         "institution member ends.",
         NULL},
        {"auth", "idle_minutes", KEY_INT, 5, 10080, "240", FIELD(auth_idle_minutes),
         "Minutes without activity before an expert's session ends.", NULL},
        {"auth", "absolute_hours", KEY_INT, 1, 168, "12", FIELD(auth_absolute_hours),
         "Hours after sign-in when any session ends.", NULL},
        {"auth", "max_concurrent_hashes", KEY_INT, 1, 64, "2", FIELD(auth_max_hashes),
         "Password hashes (Argon2id, 64 MiB each) computed at once; others wait.", NULL},
        {"auth", "common_passwords", KEY_TEXT, 0, 0, "/usr/share/john/password.lst",
         FIELD(auth_common_passwords),
         "List of common passwords refused at sign-up (one per line; Debian's john-data).", NULL},
        {"needs", "reminder_days", KEY_INT, 1, 60, "3", FIELD(needs_reminder_days),
         "Working days (Monday to Friday, fixed Moroccan holidays off) after which an "
         "application still unanswered sends the institution a reminder.",
         NULL},
        {"needs", "response_days", KEY_INT, 1, 60, "5", FIELD(needs_response_days),
         "Working days after which an application still unanswered closes as \"no answer\" "
         "and the expert is told.",
         NULL},
        {"proposals", "answer_days", KEY_INT, 1, 365, "30", FIELD(proposals_answer_days),
         "Days after which a proposal still \"received\" (no answer from the programme team) "
         "is flagged on the team's queue and the team is told once (docs/PROPOSALS.md).",
         NULL},
        {"statistics", "min_cell", KEY_INT, 3, 1000, "10", FIELD(statistics_min_cell),
         "Smallest count of people the public statistics and open data publish (k); smaller "
         "cells, and the cells hidden with them, show as \"fewer\" (docs/INDICATORS.md).",
         NULL},
        {"statistics", "alert_ratio", KEY_INT, 1, 100, "2", FIELD(statistics_alert_ratio),
         "The dashboard flags a sector whose open needs are this many times its active "
         "experts or more.",
         NULL},
        {"search", "snapshot", KEY_TEXT, 0, 0, "", FIELD(search_snapshot),
         "This node's search index snapshot (a file of about 1 KB per expert): the index is "
         "saved there after it is built, every snapshot_minutes while it changes, and at "
         "shutdown; a start reads it and the change log instead of every profile. Empty: "
         "no snapshot, the index is built from storage at every start. One file per node.",
         NULL},
        {"search", "snapshot_minutes", KEY_INT, 1, 1440, "60", FIELD(search_snapshot_minutes),
         "Minutes between two saves of a changed index (the change log keeps a day, so a "
         "snapshot older than 20 hours is not used).",
         NULL},
        {"plans", "behind_percent", KEY_INT, 1, 100, "50", FIELD(plans_behind_percent),
         "A sectoral plan is behind its pace when what it achieved is below this percentage "
         "of what its target expects by now (the target times the fraction of the year "
         "elapsed); the programme team is then told (docs/PLANS.md).",
         NULL},
        {"api", "rate_limit", KEY_INT, 0, 1000000, "1200", FIELD(api_rate_limit),
         "Requests per minute to the /api/ routes for each API token, or each client address "
         "without one, counted on each node (in memory); over it, 429 with Retry-After. 0: no "
         "limit (benchmarks).",
         NULL},
        {"testing", "clock_file", KEY_TEXT, 0, 0, "", FIELD(testing_clock_file),
         "Tests only: read the current time (Unix seconds) from this file. Empty in production.",
         NULL},
        {"testing", "bench_fts5", KEY_INT, 0, 1, "0", FIELD(testing_bench_fts5),
         "Benchmarks only: 1 enables /api/v1/bench/fts5, the SQLite FTS5 peer of the search API "
         "that bench/search.sh measures (404 when 0). 0 in production.",
         NULL},
        {"testing", "jobs", KEY_INT, 0, 1, "1", FIELD(testing_jobs),
         "Tests only: 0 stops the hourly jobs (reminders to confirm profiles, engagement "
         "deadlines, digests, plans and proposals flagged, orphan files swept), for tests that "
         "restart a server and "
         "compare the database before and after; mail is still sent. 1 in production.",
         NULL},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* libinih's line buffer holds 200 bytes; longer lines would be split. */
#define MAX_LINE 198
/* Largest config file read (a real one is a few hundred bytes). */
#define MAX_FILE (1 << 20)
/* The probe line appended after each line; see the comment at the top. */
#define PROBE "probe=\n"

/* ---- Errors -------------------------------------------------------------- */

static void add_error(struct config_errors *errs, const char *where, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void add_error(struct config_errors *errs, const char *where, const char *fmt, ...)
{
	const int cap = (int)(sizeof(errs->items) / sizeof(errs->items[0]));
	va_list ap;

	if (errs == NULL)
		return;
	if (errs->count >= 0 && errs->count < cap) {
		struct config_error *e = &errs->items[errs->count];
		snprintf(e->where, sizeof(e->where), "%s", where);
		va_start(ap, fmt);
		vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
		va_end(ap);
	}
	errs->count++;
}

/* A short printable copy of a bad value for messages: at most 40 bytes,
 * control characters replaced by '?', "..." when cut. */
static const char *show(const char *v, char out[48])
{
	size_t n = 0;

	while (n < 40 && v[n] != '\0') {
		unsigned char c = (unsigned char)v[n];
		out[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (v[n] != '\0') {
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--; /* do not cut a UTF-8 sequence */
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* ---- Keys and values ----------------------------------------------------- */

static void *field(struct config *cfg, const struct key *k)
{
	return (char *)cfg + k->offset;
}

static int is_string(const struct key *k)
{
	return k->type == KEY_PATH || k->type == KEY_DB || k->type == KEY_URL ||
	       k->type == KEY_TEXT || k->type == KEY_CHOICE;
}

static const struct key *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static const struct key *find_key_any_section(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int section_exists(const char *section)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	return 0;
}

/* "[server], [database], [paths], [log]" (sections are grouped in keys[]). */
static void list_sections(char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NKEYS && len < n; i++) {
		if (i > 0 && strcmp(keys[i].section, keys[i - 1].section) == 0)
			continue;
		len += (size_t)snprintf(out + len, n - len, "%s[%s]", i ? ", " : "",
		                        keys[i].section);
	}
}

/* Writes "KAFAAT_SERVER_LISTEN" for server.listen. */
static void env_name(const struct key *k, char *out, size_t n)
{
	size_t len = (size_t)snprintf(out, n, "KAFAAT_%s_%s", k->section, k->name);

	for (size_t i = 0; i < len && i < n; i++)
		if (out[i] >= 'a' && out[i] <= 'z')
			out[i] = (char)(out[i] - 'a' + 'A');
}

static void set_string(struct config *cfg, const struct key *k, const char *v)
{
	char **p = field(cfg, k);

	free(*p);
	*p = xstrdup(v);
}

static int set_int(struct config *cfg, const struct key *k, const char *v, char *why, size_t n)
{
	char shown[48];
	int64_t x;

	if (parse_int64(v, k->min, k->max, &x) < 0) {
		snprintf(why, n,
		         "%s must be an integer from %" PRId64 " to %" PRId64 ", not \"%s\"",
		         k->name, k->min, k->max, show(v, shown));
		return -1;
	}
	if (k->type == KEY_INT)
		*(int *)field(cfg, k) = (int)x;
	else
		*(int64_t *)field(cfg, k) = x;
	return 0;
}

static int set_listen(struct config *cfg, const struct key *k, const char *v, char *why, size_t n)
{
	char shown[48];

	if (parse_listen(v, cfg->listen_host, &cfg->listen_port) < 0) {
		snprintf(why, n, "%s must be HOST:PORT, e.g. 127.0.0.1:8080, not \"%s\"", k->name,
		         show(v, shown));
		return -1;
	}
	return 0;
}

static int valid_public_url(const char *v)
{
	const char *rest;

	if (strncmp(v, "https://", 8) == 0)
		rest = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		rest = v + 7;
	else
		return 0;
	if (*rest == '\0' || *rest == '/' || v[strlen(v) - 1] == '/')
		return 0;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

static int valid_db(const char *v)
{
	if (v[0] == '\0')
		return 0;
	if (strstr(v, "://") == NULL)
		return 1; /* a file path */
	return strncmp(v, "postgres://", 11) == 0 || strncmp(v, "postgresql://", 13) == 0;
}

static int set_level(struct config *cfg, const struct key *k, const char *v, char *why, size_t n)
{
	char shown[48];

	if (log_level_parse(v, field(cfg, k)) == 0)
		return 0;
	snprintf(why, n, "%s must be debug, info, warn or error, not \"%s\"", k->name,
	         show(v, shown));
	return -1;
}

static int is_choice(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; n && *p;) {
		size_t len = strcspn(p, "|");
		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		p += len + (p[len] == '|');
	}
	return 0;
}

static int set_choice(struct config *cfg, const struct key *k, const char *v, char *why, size_t n)
{
	char shown[48], list[128];

	if (is_choice(k->choices, v)) {
		set_string(cfg, k, v);
		return 0;
	}
	snprintf(list, sizeof(list), "%s", k->choices);
	for (char *p = list; *p; p++)
		if (*p == '|')
			*p = ',';
	snprintf(why, n, "%s must be one of %s, not \"%s\"", k->name, list, show(v, shown));
	return -1;
}

/* Checks a value for a string key; returns 0, or -1 with why filled. */
static int check_string(const struct key *k, const char *v, char *why, size_t n)
{
	char shown[48];

	if (k->type == KEY_URL && !valid_public_url(v)) {
		snprintf(why, n,
		         "%s must be an http:// or https:// URL without a trailing slash, "
		         "e.g. https://kafaat.ma, not \"%s\"",
		         k->name, show(v, shown));
		return -1;
	}
	if (k->type == KEY_DB && !valid_db(v)) { /* not shown: it may hold a password */
		snprintf(why, n, "%s must be a SQLite file path or a postgres:// URL", k->name);
		return -1;
	}
	if (v[0] == '\0') {
		snprintf(why, n, "%s must not be empty", k->name);
		return -1;
	}
	return 0;
}

/* Checks v for key k and stores it; on error returns -1 with why filled. */
static int set_value(struct config *cfg, const struct key *k, const char *v, char *why, size_t n)
{
	switch (k->type) {
	case KEY_INT:
	case KEY_INT64:
		return set_int(cfg, k, v, why, n);
	case KEY_LISTEN:
		return set_listen(cfg, k, v, why, n);
	case KEY_LEVEL:
		return set_level(cfg, k, v, why, n);
	case KEY_TEXT:
		set_string(cfg, k, v);
		return 0;
	case KEY_CHOICE:
		return set_choice(cfg, k, v, why, n);
	case KEY_PATH:
	case KEY_DB:
	case KEY_URL:
		break;
	}
	if (check_string(k, v, why, n) < 0)
		return -1;
	set_string(cfg, k, v);
	return 0;
}

/* ---- Defaults, release, set, describe ------------------------------------ */

void config_defaults(struct config *cfg)
{
	char why[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++) {
		if (set_value(cfg, &keys[i], keys[i].def, why, sizeof(why)) < 0) {
			log_error("config: bad built-in default: %s", why);
			abort();
		}
	}
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (is_string(&keys[i])) {
			char **p = field(cfg, &keys[i]);
			free(*p);
			*p = NULL;
		}
	}
}

int config_set(struct config *cfg, const char *name, const char *value, struct config_errors *errs)
{
	const char *dot = strchr(name, '.');
	const struct key *k = NULL;
	char why[256];

	if (dot != NULL && (size_t)(dot - name) < 32) {
		char section[32];
		memcpy(section, name, (size_t)(dot - name));
		section[dot - name] = '\0';
		k = find_key(section, dot + 1);
	}
	if (k == NULL) {
		add_error(errs, name, "unknown setting (see docs/CONFIG.md)");
		return -1;
	}
	if (set_value(cfg, k, value, why, sizeof(why)) < 0) {
		add_error(errs, name, "%s", why);
		return -1;
	}
	return 0;
}

void config_describe(FILE *out)
{
	fprintf(out, "| Key | Environment variable | Default | Description |\n");
	fprintf(out, "|-----|----------------------|---------|-------------|\n");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		char env[64];

		env_name(k, env, sizeof(env));
		fprintf(out, "| `%s.%s` | `%s` | `%s` | %s", k->section, k->name, env, k->def,
		        k->help);
		if (k->type == KEY_INT || k->type == KEY_INT64)
			fprintf(out, " From %" PRId64 " to %" PRId64 ".", k->min, k->max);
		fprintf(out, " |\n");
	}
}

/* ---- The file ------------------------------------------------------------ */

/* One handler call of libinih, copied out of its buffers. */
struct entry {
	char section[64];
	char name[MAX_LINE + 1];
	char value[MAX_LINE + 1];
};

struct loader {
	struct config *cfg;
	struct config_errors *errs;
	const char *file;
	int lineno;
	char section[64]; /* section in effect; "" before the first header */
	int section_known;
	int set_on[NKEYS];       /* line where each key was set, 0 if not yet */
	int nentries;            /* handler calls for the current line */
	struct entry entries[2]; /* the line's key (if any), then the probe */
};

static void file_error(struct loader *ld, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void file_error(struct loader *ld, const char *fmt, ...)
{
	char where[256], reason[256];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%d", ld->file, ld->lineno);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	add_error(ld->errs, where, "%s", reason);
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;

	if (ld->nentries < 2) {
		struct entry *e = &ld->entries[ld->nentries];
		snprintf(e->section, sizeof(e->section), "%s", section);
		snprintf(e->name, sizeof(e->name), "%s", name);
		snprintf(e->value, sizeof(e->value), "%s", value);
	}
	ld->nentries++;
	return 1; /* problems are recorded here, not reported to libinih */
}

static void enter_section(struct loader *ld, const char *section)
{
	char expected[128], shown[48];

	if (strcmp(section, ld->section) == 0)
		return;
	snprintf(ld->section, sizeof(ld->section), "%s", section);
	ld->section_known = section_exists(section);
	if (!ld->section_known) {
		list_sections(expected, sizeof(expected));
		file_error(ld, "unknown section [%s] (expected %s)", show(section, shown),
		           expected);
	}
}

static void outside_section(struct loader *ld, const char *name)
{
	const struct key *k = find_key_any_section(name);
	char shown[48];

	if (k != NULL)
		file_error(ld, "%s is outside any section: put it under [%s]", name, k->section);
	else
		file_error(ld, "%s is outside any section", show(name, shown));
}

static void apply_entry(struct loader *ld, const struct entry *e)
{
	const struct key *k;
	char why[256], shown[48];
	size_t i;

	if (e->section[0] == '\0') {
		outside_section(ld, e->name);
		return;
	}
	if (!ld->section_known)
		return; /* the section header was reported */
	k = find_key(e->section, e->name);
	if (k == NULL) {
		file_error(ld, "unknown key %s in [%s]", show(e->name, shown), e->section);
		return;
	}
	i = (size_t)(k - keys);
	if (ld->set_on[i] != 0) {
		file_error(ld, "duplicate key %s (already set on line %d)", e->name, ld->set_on[i]);
		return;
	}
	ld->set_on[i] = ld->lineno;
	if (set_value(ld->cfg, k, e->value, why, sizeof(why)) < 0)
		file_error(ld, "%s", why);
}

static void syntax_error(struct loader *ld, const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] == '[')
		file_error(ld, "syntax error: section header without a closing ]");
	else
		file_error(ld, "syntax error: expected [section], key = value, or a comment");
}

/* Lines libinih cannot take whole. Returns -1 after recording the error. */
static int check_line(struct loader *ld, const char *line, size_t len)
{
	if (len > MAX_LINE) {
		file_error(ld, "line is longer than %d bytes", MAX_LINE);
		return -1;
	}
	if (memchr(line, '\0', len) != NULL) {
		file_error(ld, "line contains a NUL byte");
		return -1;
	}
	return 0;
}

/* Parses one physical line (without its newline) with libinih. */
static void load_line(struct loader *ld, const char *line, size_t len)
{
	char doc[sizeof(ld->section) + MAX_LINE + sizeof(PROBE) + 8];
	int line_in_doc = 1;

	ld->lineno++;
	if (check_line(ld, line, len) < 0)
		return;
	if (ld->section[0] != '\0') {
		snprintf(doc, sizeof(doc), "[%s]\n%.*s\n" PROBE, ld->section, (int)len, line);
		line_in_doc = 2;
	} else {
		snprintf(doc, sizeof(doc), "%.*s\n" PROBE, (int)len, line);
	}
	ld->nentries = 0;
	if (ini_parse_string(doc, on_entry, ld) == line_in_doc)
		syntax_error(ld, line, len);
	else if (ld->nentries == 2)
		apply_entry(ld, &ld->entries[0]);
	if (ld->nentries > 0 && ld->nentries <= 2)
		enter_section(ld, ld->entries[ld->nentries - 1].section);
}

static void load_text(struct loader *ld, const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		load_line(ld, text + i, end - i);
		i = end + 1;
	}
}

static void loader_init(struct loader *ld, struct config *cfg, struct config_errors *errs,
                        const char *file)
{
	memset(ld, 0, sizeof(*ld));
	ld->cfg = cfg;
	ld->errs = errs;
	ld->file = file;
}

/* Reads the whole file into b; returns 0, or -1 after recording why. */
static int read_file(const char *path, struct buf *b, struct config_errors *errs)
{
	char why[512];

	if (file_read(path, b, why, sizeof(why)) == 0)
		return 0;
	/* why starts with the path, which add_error prints already */
	add_error(errs, path, "%s",
	          strncmp(why, path, strlen(path)) == 0 ? why + strlen(path) + 2 : why);
	return -1;
}

static void load_file(struct config *cfg, const char *path, struct config_errors *errs)
{
	struct buf b;
	struct loader ld;

	buf_init(&b, MAX_FILE);
	if (read_file(path, &b, errs) == 0) {
		loader_init(&ld, cfg, errs, path);
		load_text(&ld, buf_str(&b), b.len);
	}
	buf_release(&b);
}

/* ---- The environment ----------------------------------------------------- */

static const struct key *find_env_key(const char *name, size_t len)
{
	char env[64];

	for (size_t i = 0; i < NKEYS; i++) {
		env_name(&keys[i], env, sizeof(env));
		if (strlen(env) == len && memcmp(env, name, len) == 0)
			return &keys[i];
	}
	return NULL;
}

/* Applies one "NAME=value" entry if NAME starts with KAFAAT_. */
static void load_env_entry(struct config *cfg, const char *entry, struct config_errors *errs)
{
	const char *eq = strchr(entry, '=');
	const struct key *k;
	char where[256], why[256];

	if (strncmp(entry, "KAFAAT_", 7) != 0 || eq == NULL)
		return;
	snprintf(where, sizeof(where), "%.*s", (int)(eq - entry), entry);
	k = find_env_key(entry, (size_t)(eq - entry));
	if (k == NULL)
		add_error(errs, where, "unknown variable: no such setting (see docs/CONFIG.md)");
	else if (set_value(cfg, k, eq + 1, why, sizeof(why)) < 0)
		add_error(errs, where, "%s", why);
}

/* ---- Loading ------------------------------------------------------------- */

int config_load(struct config *cfg, const char *path, char *const *envp, struct config_errors *errs)
{
	int before = errs->count;

	if (path != NULL)
		load_file(cfg, path, errs);
	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++)
		load_env_entry(cfg, envp[i], errs);
	return errs->count == before ? 0 : -1;
}

int config_load_string(struct config *cfg, const char *name, const char *text, size_t len,
                       struct config_errors *errs)
{
	struct loader ld;
	int before = errs->count;

	loader_init(&ld, cfg, errs, name);
	load_text(&ld, text, len);
	return errs->count == before ? 0 : -1;
}
