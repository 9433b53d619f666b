/* cli: what the subcommands share. Each subcommand is a function of the
 * commands[] table in main.c; bigger ones live in their own file
 * (mail_cmd.c, audit_cmd.c, admin_cmd.c, backup_cmd.c, import_cmd.c). */
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
	int nargs;               /* positional arguments after the command */
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

#endif
