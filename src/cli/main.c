/* kafaat: the command-line entry point. Subcommands come from one table. */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/consultations.h"
#include "app/mail.h"
#include "app/search.h"
#include "app/config.h"
#include "cli/cli.h"
#include "app/data.h"
#include "app/discussions.h"
#include "app/events.h"
#include "app/files.h"
#include "app/networks.h"
#include "app/plans.h"
#include "app/projects.h"
#include "app/proposals.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "db/migrations.h"
#include "web/server.h"

extern char **environ;

struct command {
	const char *name;
	int (*run)(struct cli *cli);
	const char *usage;
	const char *help;
};

static void print_errors(const struct config_errors *errs)
{
	int shown = errs->count < 32 ? errs->count : 32;

	for (int i = 0; i < shown; i++)
		fprintf(stderr, "%s: %s\n", errs->items[i].where, errs->items[i].reason);
	if (errs->count > shown)
		fprintf(stderr, "... and %d more\n", errs->count - shown);
}

/* Defaults, file, environment, then flags. Prints every error. */
int cli_load_config(struct cli *cli)
{
	struct config_errors errs = {0};

	config_defaults(&cli->cfg);
	config_load(&cli->cfg, cli->config_path, environ, &errs);
	if (cli->listen)
		config_set(&cli->cfg, "server.listen", cli->listen, &errs);
	if (cli->db)
		config_set(&cli->cfg, "database.url", cli->db, &errs);
	if (errs.count) {
		print_errors(&errs);
		return -1;
	}
	log_set_level(cli->cfg.log_level);
	return 0;
}

/* The database as shown in messages (no password). */
static const char *shown_db(struct cli *cli)
{
	static char shown[512]; /* one command per process: no concurrent use */
	return db_display_target(cli->cfg.db, shown, sizeof(shown));
}

int cli_open_db(struct cli *cli, struct db **db)
{
	char err[512];

	if (db_open(cli->cfg.db, db, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat: cannot open database: %s\n", err);
		return -1;
	}
	return 0;
}

static int cmd_migrate(struct cli *cli)
{
	struct db *db;
	char err[512];
	int applied, rows;

	if (cli_load_config(cli) < 0 || cli_open_db(cli, &db) < 0)
		return 1;
	applied = migrate_run(db, err, sizeof(err));
	if (applied < 0) {
		fprintf(stderr, "kafaat migrate: %s\n", err);
		db_close(db);
		return 1;
	}
	rows = data_sync_reference(db, cli->cfg.data_dir, err, sizeof(err));
	db_close(db);
	if (rows < 0) {
		fprintf(stderr, "kafaat migrate: reference data: %s\n", err);
		return 1;
	}
	printf("database %s: %d migration(s) applied, schema version %d, %d reference rows\n",
	       shown_db(cli), applied, migrations[migrations_count - 1].version, rows);
	return 0;
}

/* The second phase, once experts are imported (scripts/run.sh runs `kafaat
 * demo` again after the import): network members, coordinators and
 * announcements, then events with registrations, then project dossiers held
 * by some of the experts. Each part writes only into an installation
 * without it. Returns the rows written, or -1. */
/* The second phase of `kafaat demo`, in order: people in networks first
 * (the others build on them), then each capability's demonstration. Each
 * returns the rows it wrote, or -1 with the reason in err; networks 0 when
 * the demonstration is already there (the others are then skipped). */
typedef int (*demo_loader)(struct app *app, struct db *db, int64_t now, char *err, size_t errlen);
static const demo_loader demo_loaders[] = {
        networks_demo_load,      /* members, coordinators (networks.h) */
        events_demo_load,        /* network events (events.h) */
        projects_demo_load,      /* project dossiers (projects.h) */
        consultations_demo_load, /* consultations (consultations.h) */
        plans_demo_load,         /* sectoral plans (plans.h) */
        proposals_demo_load,     /* experts' proposals and their answers (proposals.h) */
        discussions_demo_load,   /* threads in the networks (discussions.h) */
};

static int demo_people(struct cli *cli, struct db *db)
{
	struct app app = {.cfg = &cli->cfg};
	int64_t now = clock_now(&cli->cfg);
	char err[512];
	int rows = 0;

	for (size_t i = 0; i < sizeof(demo_loaders) / sizeof(demo_loaders[0]); i++) {
		int n = demo_loaders[i](&app, db, now, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "kafaat demo: %s\n", err);
			return -1;
		}
		if (i == 0 && n == 0)
			return 0; /* already loaded */
		rows += n;
	}
	printf("demo networks, events, project dossiers, consultations, plans, proposals and "
	       "discussions "
	       "loaded "
	       "into %s (%d rows)\n",
	       shown_db(cli), rows);
	/* memberships are not in the change log: a node's snapshot would miss them */
	if (cli->cfg.search_snapshot[0] && unlink(cli->cfg.search_snapshot) == 0)
		printf("search snapshot %s removed: the next start builds the index\n",
		       cli->cfg.search_snapshot);
	return rows;
}

static int cmd_demo(struct cli *cli)
{
	struct db *db;
	char err[512];
	int rows;

	if (cli_load_config(cli) < 0 || cli_open_db(cli, &db) < 0)
		return 1;
	rows = data_load_demo(db, cli->cfg.data_dir, err, sizeof(err));
	if (rows < 0) {
		db_close(db);
		fprintf(stderr, "kafaat demo: %s\n", err);
		return 1;
	}
	if (rows == 0)
		printf("database %s already has content: demo data not loaded\n", shown_db(cli));
	else
		printf("demo data loaded into %s (%d rows)\n", shown_db(cli), rows);
	int people = demo_people(cli, db);
	db_close(db);
	return people < 0 ? 1 : 0;
}

/* Refuses to serve a database whose schema is behind this binary. */
static int schema_current(struct cli *cli)
{
	struct db *db;
	int have, want = migrations[migrations_count - 1].version;

	if (cli_open_db(cli, &db) < 0)
		return -1;
	have = migrate_current(db);
	db_close(db);
	if (have == want)
		return 0;
	if (have < 0)
		fprintf(stderr, "kafaat serve: cannot read the schema version of %s\n",
		        shown_db(cli));
	else
		fprintf(stderr,
		        "kafaat serve: database %s is at schema version %d, this kafaat needs %d: "
		        "run `kafaat migrate` first\n",
		        shown_db(cli), have, want);
	return -1;
}

static void wait_for_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
	log_info("signal %d: stopping", sig);
}

/* Builds the search index from storage and starts following the change log. */
static int open_search(struct app *app)
{
	struct db *db = db_pool_get(app->pool);
	char err[512];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	app->search = search_open(db, app->tx, clock_now(app->cfg), app->cfg->search_snapshot, err,
	                          sizeof(err));
	db_pool_put(app->pool, db);
	if (!app->search || search_poller_start(app->search, app) < 0) {
		fprintf(stderr, "kafaat serve: %s\n",
		        app->search ? "cannot start the index poller" : err);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("search index: %zu experts, %zu published needs, built in %.2f s",
	         search_experts(app->search), search_needs(app->search),
	         (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

/* Removes the files an earlier process left without their rows (files.h:
 * it logs what it did). */
static void sweep_files(struct app *app)
{
	struct db *db = db_pool_get(app->pool);

	(void)files_sweep(db, app->cfg);
	db_pool_put(app->pool, db);
}

static int cmd_serve(struct cli *cli)
{
	struct app app;
	struct server *srv = NULL;
	char err[512];
	sigset_t set;
	int rc = 1;

	if (cli_load_config(cli) < 0 || schema_current(cli) < 0)
		return 1;
	/* Block the signals before threads start, so only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (app_open(&app, &cli->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat serve: %s\n", err);
		goto out;
	}
	struct server_opts opts = {
	        .host = cli->cfg.listen_host,
	        .port = cli->cfg.listen_port,
	        .threads = cli->cfg.threads,
	        .max_header_bytes = cli->cfg.max_header_bytes,
	        .max_body_bytes = cli->cfg.max_body_bytes,
	        .timeout_seconds = cli->cfg.request_timeout,
	        .drain_seconds = cli->cfg.drain_seconds,
	        .max_connections = cli->cfg.max_connections,
	        .trusted_proxy = cli->cfg.trusted_proxy,
	        .routes = app.routes,
	        .nroutes = app.nroutes,
	        .ctx = &app,
	        .on_error = app_on_error,
	        .authorize = app_authorize,
	};
	if (open_search(&app) < 0)
		goto out;
	sweep_files(&app);
	app.mail = mail_sender_start(&app); /* before any handler can read it */
	srv = server_start(&opts, err, sizeof(err));
	if (!srv) {
		fprintf(stderr, "kafaat serve: %s\n", err);
		goto out;
	}
	printf("Kafaat %s serving http://%s:%u/ (database %s)\n", KAFAAT_VERSION,
	       cli->cfg.listen_host, server_port(srv), shown_db(cli));
	fflush(stdout);
	wait_for_signal();
	rc = 0;
out:
	server_stop(srv);
	mail_sender_stop(app.mail);
	search_close(app.search);
	app.search = NULL;
	app_close(&app);
	return rc;
}

static int cmd_check_config(struct cli *cli)
{
	if (cli_load_config(cli) < 0)
		return 1;
	printf("configuration %s is valid\n", cli->config_path ? cli->config_path : "(defaults)");
	return 0;
}

static int cmd_config_keys(struct cli *cli)
{
	(void)cli;
	config_describe(stdout);
	return 0;
}

static int cmd_version(struct cli *cli)
{
	(void)cli;
	printf("kafaat %s\n", KAFAAT_VERSION);
	return 0;
}

static json_t *methods_json(unsigned m)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{HTTP_GET, "GET"},
	             {HTTP_POST, "POST"},
	             {HTTP_PUT, "PUT"},
	             {HTTP_DELETE, "DELETE"},
	             {HTTP_PATCH, "PATCH"}};
	json_t *list = json_array();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (m & names[i].bit)
			json_array_append_new(list, json_string(names[i].name));
	return list;
}

static json_t *fields_json(const struct field *f)
{
	json_t *list = json_array();

	for (; f && f->type != FIELD_END; f++)
		json_array_append_new(list, json_string(f->name));
	return list;
}

/* The route table, for people and for the access-control tests. */
static int cmd_routes(struct cli *cli)
{
	json_t *all = json_array();

	for (size_t i = 0; i < app_routes_count; i++) {
		const struct route *r = &app_routes[i];
		if (!cli->json) {
			printf("%-28s %-18s %s\n", r->pattern, policy_name(r->policy), r->summary);
			continue;
		}
		json_array_append_new(all, json_pack("{s:o, s:s, s:s, s:b, s:b, s:o, s:o, s:s}",
		                                     "methods", methods_json(r->methods), "pattern",
		                                     r->pattern, "policy", policy_name(r->policy),
		                                     "api", (r->flags & ROUTE_API) != 0,
		                                     "setup_2fa", (r->flags & ROUTE_SETUP_2FA) != 0,
		                                     "query", fields_json(r->query), "form",
		                                     fields_json(r->form), "summary", r->summary));
	}
	if (cli->json)
		json_dumpf(all, stdout, JSON_INDENT(1)), putchar('\n');
	json_decref(all);
	return 0;
}

static int cmd_help(struct cli *cli);

static const struct command commands[] = {
        {"serve", cmd_serve, "serve [--config FILE] [--listen ADDR:PORT] [--db PATH|URL]",
         "serve the web application and the API"},
        {"migrate", cmd_migrate, "migrate [--config FILE] [--db PATH|URL]",
         "create or upgrade the database schema and its reference data"},
        {"demo", cmd_demo, "demo [--config FILE] [--db PATH|URL]",
         "load demo data into an empty database"},
        {"check-config", cmd_check_config, "check-config [--config FILE]",
         "check the configuration; print FILE:LINE: reason for every error"},
        {"mail", cmd_mail, "mail list|show ID|send [--db PATH|URL]",
         "the mail outbox: list it, show one mail as sent, send what is due"},
        {"audit", cmd_audit, "audit verify|list [--json] [--db PATH|URL]",
         "check the audit log's hash chain; names the first altered row"},
        {"admin", cmd_admin, "admin create EMAIL | grant EMAIL ROLE [SCOPE] [--db PATH|URL]",
         "create an admin (prints a one-time set-up link); grant a role"},
        {"backup", cmd_backup, "backup FILE [--config FILE] [--db PATH|URL]",
         "copy the live database into a new FILE (SQLite backup API, or pg_dump)"},
        {"restore", cmd_restore, "restore FILE [--config FILE] [--db PATH|URL] [--force]",
         "replace the database with backup FILE; stop every server first"},
        {"import", cmd_import,
         "import experts FILE [--db PATH|URL] [--dry-run] [--consent-from-file]",
         "import experts from JSON Lines or CSV (docs/IMPORT.md); prints every skipped row"},
        {"export", cmd_export, "export experts [--db PATH|URL]",
         "write every expert profile as JSON Lines, sorted by email"},
        {"gen", cmd_gen, "gen --experts N [--needs M [--truth FILE]] [--seed S] [--db PATH|URL]",
         "write N synthetic experts, or M needs and their hidden relevance judgements, as "
         "JSON Lines (tests, benchmarks, make eval)"},
        {"search", cmd_search,
         "search \"QUERY\" [--country C,..] [--sector S,..] [--skill S,..] [--lang CODE:LEVEL,..] "
         "[--presence P] [--mode M] [--pay P] [--state active|dormant|any] [--from D --to D] "
         "[--audience A] [--any] [--top N] [--offset N] [--facets] [--json] [--db PATH|URL]",
         "search experts as an audience sees them (text and filters, ranked)"},
        {"match", cmd_match, "match --need ID|FILE [--top N] [--json] [--db PATH|URL]",
         "the experts best matching a need, each with the factors of its score"},
        {"migrate-data", cmd_migrate_data, "migrate-data --from SQLITE_PATH|URL --to URL",
         "move a whole installation into an empty database (SQLite to PostgreSQL); checks "
         "counts and the audit chain"},
        {"config-keys", cmd_config_keys, "config-keys",
         "every configuration key, as the Markdown table of docs/CONFIG.md"},
        {"routes", cmd_routes, "routes [--json]", "the route table: path, access policy, purpose"},
        {"version", cmd_version, "version", "print the version"},
        {"help", cmd_help, "help", "this list"},
};

static int cmd_help(struct cli *cli)
{
	(void)cli;
	printf("usage: kafaat COMMAND [OPTIONS]\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-62s %s\n", commands[i].usage, commands[i].help);
	printf("\n--db takes a SQLite file path or a postgres:// URL. "
	       "Configuration: docs/CONFIG.md.\n");
	return 0;
}

/* A switch without a value (--json, --dry-run, …): 1 when arg is one (it is then set). */
static int parse_switch(struct cli *cli, const char *arg)
{
	static const struct {
		const char *name;
		size_t offset;
	} switches[] = {
	        {"--json", offsetof(struct cli, json)},
	        {"--force", offsetof(struct cli, force)},
	        {"--dry-run", offsetof(struct cli, dry_run)},
	        {"--consent-from-file", offsetof(struct cli, consent_from_file)},
	        {"--facets", offsetof(struct cli, facets)},
	        {"--any", offsetof(struct cli, any)},
	};

	for (size_t k = 0; k < sizeof(switches) / sizeof(switches[0]); k++) {
		if (strcmp(arg, switches[k].name) == 0) {
			*(int *)((char *)cli + switches[k].offset) = 1;
			return 1;
		}
	}
	return 0;
}

/* Parses "--flag VALUE", "--flag=VALUE" and switches (--json, --force, …);
 * other words are positional arguments. Returns 0 or -1 (message printed). */
static int parse_flags(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		size_t offset;
	} flags[] = {
	        {"--config", offsetof(struct cli, config_path)},
	        {"--listen", offsetof(struct cli, listen)},
	        {"--db", offsetof(struct cli, db)},
	        {"--experts", offsetof(struct cli, experts)},
	        {"--seed", offsetof(struct cli, seed)},
	        {"--needs", offsetof(struct cli, needs)},
	        {"--truth", offsetof(struct cli, truth)},
	        {"--need", offsetof(struct cli, need)},
	        {"--top", offsetof(struct cli, top)},
	        {"--offset", offsetof(struct cli, offset)},
	        {"--audience", offsetof(struct cli, audience)},
	        {"--country", offsetof(struct cli, filter[CF_COUNTRY])},
	        {"--city", offsetof(struct cli, filter[CF_CITY])},
	        {"--sector", offsetof(struct cli, filter[CF_SECTOR])},
	        {"--skill", offsetof(struct cli, filter[CF_SKILL])},
	        {"--lang", offsetof(struct cli, filter[CF_LANG])},
	        {"--presence", offsetof(struct cli, filter[CF_PRESENCE])},
	        {"--mode", offsetof(struct cli, filter[CF_MODE])},
	        {"--pay", offsetof(struct cli, filter[CF_PAY])},
	        {"--state", offsetof(struct cli, filter[CF_STATE])},
	        {"--from", offsetof(struct cli, filter[CF_FROM])},
	        {"--to", offsetof(struct cli, filter[CF_TO])},
	        {"--network", offsetof(struct cli, filter[CF_NETWORK])},
	};
	const size_t nflags = sizeof(flags) / sizeof(flags[0]);

	cli->args = argv;
	for (int i = 0; i < argc; i++) {
		size_t k, n = 0;
		if (strncmp(argv[i], "--", 2) != 0) {
			argv[cli->nargs++] = argv[i];
			continue;
		}
		if (parse_switch(cli, argv[i]))
			continue;
		for (k = 0; k < nflags; k++) {
			n = strlen(flags[k].name);
			if (strncmp(argv[i], flags[k].name, n) == 0 &&
			    (argv[i][n] == '\0' || argv[i][n] == '='))
				break;
		}
		if (k == nflags) {
			fprintf(stderr, "kafaat: unknown option %s (see `kafaat help`)\n", argv[i]);
			return -1;
		}
		const char *value = argv[i][n] == '=' ? argv[i] + n + 1 : argv[++i];
		if (!value) {
			fprintf(stderr, "kafaat: %s needs a value\n", flags[k].name);
			return -1;
		}
		*(const char **)((char *)cli + flags[k].offset) = value;
	}
	return 0;
}

/* Commands that take no positional argument refuse them. */
static int takes_args(const struct command *c)
{
	return c->run == cmd_mail || c->run == cmd_audit || c->run == cmd_admin ||
	       c->run == cmd_backup || c->run == cmd_restore || c->run == cmd_import ||
	       c->run == cmd_export || c->run == cmd_search;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	int rc;

	/* jansson's allocations abort when memory runs out, as Kafaat's do. */
	json_set_alloc_funcs(xmalloc_unhooked, free);
	if (argc < 2)
		return cmd_help(&cli), 2;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (parse_flags(&cli, argc - 2, argv + 2) < 0)
			return 2;
		if (cli.nargs && !takes_args(&commands[i])) {
			fprintf(stderr, "kafaat %s: unexpected argument '%s'\n", argv[1],
			        cli.args[0]);
			return 2;
		}
		rc = commands[i].run(&cli);
		config_release(&cli.cfg);
		return rc;
	}
	fprintf(stderr, "kafaat: unknown command '%s' (see `kafaat help`)\n", argv[1]);
	return 2;
}
