/* cli: what the subcommands share. Each subcommand is a function of the
 * commands[] table in main.c; bigger ones live in their own file
 * (mail_cmd.c, audit_cmd.c, admin_cmd.c, backup_cmd.c, import_cmd.c,
 * gen_cmd.c, search_cmd.c). */
#ifndef KAFAAT_CLI_CLI_H
#define KAFAAT_CLI_CLI_H

#include "app/config.h"

struct db;

struct cli {
	const char *config_path; /* --config */
	const char *listen;      /* --listen */
	const char *db;          /* --db */
	int json;                /* --json */
	int force;               /* --force (restore) */
	int dry_run;             /* --dry-run (import) */
	int consent_from_file;   /* --consent-from-file (import) */
	const char *experts;     /* --experts N (gen) */
	const char *seed;        /* --seed S (gen) */
	const char *needs;       /* --needs M (gen) */
	const char *truth;       /* --truth FILE (gen: the hidden relevance judgements) */
	/* search and match (search_cmd.c) */
	const char *need;       /* --need ID|FILE */
	const char *top;        /* --top N */
	const char *offset;     /* --offset N */
	const char *audience;   /* --audience public|institution|programme */
	const char *filter[12]; /* --country, --city, --sector, --skill, --lang, --presence,
	                           --mode, --pay, --state, --from, --to, --network */
	int facets;             /* --facets */
	int any;                /* --any (search: a match of any word, ranked, not all) */
	int nargs;              /* positional arguments after the command */
	char **args;
	struct config cfg;
};

/* Defaults, config file, environment, then flags; prints every error. */
int cli_load_config(struct cli *cli);
/* Opens cli->cfg.db; prints the reason on failure. */
int cli_open_db(struct cli *cli, struct db **db);

/* Subcommands implemented outside main.c. Return the exit status. */
int cmd_mail(struct cli *cli);
int cmd_audit(struct cli *cli);
int cmd_admin(struct cli *cli);
int cmd_backup(struct cli *cli);
int cmd_restore(struct cli *cli);
int cmd_import(struct cli *cli); /* import_cmd.c */
int cmd_export(struct cli *cli);
int cmd_gen(struct cli *cli);
int cmd_search(struct cli *cli); /* search_cmd.c */
int cmd_match(struct cli *cli);
/* migrate_data_cmd.c: reads --from and --to from filter[CF_FROM] and
 * filter[CF_TO] (the flags search uses for dates) as the source and target. */
int cmd_migrate_data(struct cli *cli);

/* The order of cli.filter[]. */
enum cli_filter {
	CF_COUNTRY,
	CF_CITY,
	CF_SECTOR,
	CF_SKILL,
	CF_LANG,
	CF_PRESENCE,
	CF_MODE,
	CF_PAY,
	CF_STATE,
	CF_FROM,
	CF_TO,
	CF_NETWORK,
	CF_COUNT
};

#endif
