/* config: Kafaat's settings, loaded once and immutable afterwards.
 *
 * Sources, later ones winning: built-in defaults, the config file (INI,
 * read with libinih), environment variables KAFAAT_<SECTION>_<KEY> (e.g.
 * KAFAAT_SERVER_LISTEN), then command-line flags (--listen, --db) applied by
 * the CLI through config_set(). Every key is declared once in the table in
 * config.c, with its type, bounds and documentation; docs/CONFIG.md lists
 * them all.
 */
#ifndef KAFAAT_APP_CONFIG_H
#define KAFAAT_APP_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "core/log.h"

struct config {
	/* [server] */
	char listen_host[64];
	uint16_t listen_port;
	int threads;              /* MHD worker threads */
	int64_t max_header_bytes; /* request line + headers */
	int64_t max_body_bytes;
	int64_t request_timeout; /* seconds of inactivity before a connection is closed */
	int64_t drain_seconds;   /* SIGTERM: longest wait for the requests in flight */
	int64_t max_connections;
	char *public_url;    /* e.g. https://kafaat.ma, for links in mail; no trailing slash */
	char *trusted_proxy; /* address whose X-Forwarded-For is believed; "" none */
	/* [database] */
	char *db; /* SQLite path or postgres:// URL */
	int db_pool_size;
	/* [paths] */
	char *static_dir;
	char *templates_dir;
	char *locale_dir;
	char *data_dir;           /* reference and demo data (data/) */
	char *files_dir;          /* uploaded files (CVs), outside the web root */
	int files_orphan_minutes; /* age at which a file no row refers to is removed */
	char *personal_data_file; /* db/personal_data.tsv: export and erasure follow it */
	/* [log] */
	enum log_level log_level;
	/* [mail] */
	char *mail_transport; /* "spool" or "smtp" */
	char *mail_spool_dir;
	char *mail_from;
	char *smtp_url;
	char *smtp_tls;  /* "none", "try" or "required" */
	char *smtp_user; /* "" when none */
	char *smtp_password_file;
	/* [auth] */
	int auth_staff_idle_minutes;
	int auth_idle_minutes;
	int auth_absolute_hours;
	int auth_max_hashes;
	char *auth_common_passwords;
	/* [needs] */
	int needs_reminder_days; /* working days before an unanswered application is recalled */
	int needs_response_days; /* working days before it closes as "no answer" */
	/* [proposals] */
	int proposals_answer_days; /* days before an unanswered proposal is flagged */
	/* [statistics] */
	int statistics_min_cell;    /* k: smallest published count of people */
	int statistics_alert_ratio; /* open needs per active expert that raise an alert */
	/* [search] */
	char *search_snapshot;       /* the index snapshot file of this node; "" none */
	int search_snapshot_minutes; /* how often a changed index is saved again */
	/* [plans] */
	int plans_behind_percent; /* a plan is behind below this share of its expected pace */
	/* [api] */
	int api_rate_limit; /* requests per minute per token or address, per node; 0: none */
	/* [testing] */
	char *testing_clock_file; /* "" in production */
	int testing_bench_fts5; /* 1: /api/v1/bench/fts5 answers (bench_fts5.h); 0 in production */
	int testing_jobs;       /* 0: the mail sender runs no hourly job; 1 in production */
};

/* One problem found while loading: where and why. */
struct config_error {
	char where[256]; /* "kafaat.ini:12", or "KAFAAT_SERVER_LISTEN" */
	char reason[256];
};

struct config_errors {
	struct config_error items[32];
	int count; /* how many were found (may exceed 32; only 32 kept) */
};

/* Fills cfg with defaults. */
void config_defaults(struct config *cfg);
/* Loads file `path` (NULL: none) over the defaults, then the environment
 * (envp: a NULL-terminated "NAME=value" array, usually environ). Every
 * problem is recorded in errs (unknown section or key, bad value, syntax
 * error, unreadable file). Returns 0 when there were none, else -1.
 * cfg must already hold the defaults (config_defaults); errors are appended
 * to errs (initialise it to {0}), as config_set does. */
int config_load(struct config *cfg, const char *path, char *const *envp,
                struct config_errors *errs);
/* Same for a file's contents already in memory (text[0..len), need not be
 * NUL-terminated), reported as `name`:LINE; no environment. For tests and
 * the fuzzer. */
int config_load_string(struct config *cfg, const char *name, const char *text, size_t len,
                       struct config_errors *errs);
/* Sets one key by its "section.key" name (for CLI flags such as --listen):
 * 0, or -1 with the reason in errs. */
int config_set(struct config *cfg, const char *name, const char *value, struct config_errors *errs);
/* Writes the documentation table of every key (Markdown) to out. */
void config_describe(FILE *out);
void config_release(struct config *cfg);

#endif
