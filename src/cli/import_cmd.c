/* `kafaat import experts FILE` and `kafaat export experts`: rosters in and
 * out (src/app/import.c, docs/IMPORT.md). Synthetic experts come from
 * `kafaat gen` (gen_cmd.c).
 *
 * Exit status of import: 0 every row imported (some maybe with warnings),
 * 1 some rows skipped (each one printed with its line and reason), 2 usage,
 * 3 nothing or not everything could be imported (the file could not be
 * read, or the database failed: the message says which rows were kept).
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/import.h"
#include "app/taxonomy.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/file.h"
#include "db/db.h"
#include "sec/token.h"
#include "web/i18n.h"

#define IMPORT_USAGE                                                                               \
	"usage: kafaat import experts FILE [--db PATH|URL] [--dry-run] [--consent-from-file]\n"
#define EXPORT_USAGE "usage: kafaat export experts [--db PATH|URL]\n"

/* ---- The application, as much as import and export need ---------------------- */

static int open_app(struct cli *cli, struct app *app, const char *who)
{
	char err[512];
	struct db *db;

	memset(app, 0, sizeof(*app));
	app->cfg = &cli->cfg;
	if (sec_init() < 0) {
		fprintf(stderr, "%s: libsodium failed to initialise\n", who);
		return -1;
	}
	if (i18n_load(cli->cfg.locale_dir, &app->i18n, err, sizeof(err)) < 0 ||
	    db_pool_open(cli->cfg.db, 1, &app->pool, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", who, err);
		return -1;
	}
	db = db_pool_get(app->pool);
	app->tx = taxonomy_load(db, err, sizeof(err));
	db_pool_put(app->pool, db);
	if (!app->tx) {
		fprintf(stderr, "%s: %s (is the database migrated? run `kafaat migrate`)\n", who,
		        err);
		return -1;
	}
	return 0;
}

static void close_app(struct app *app)
{
	if (app->pool)
		db_pool_close(app->pool);
	taxonomy_free(app->tx);
	i18n_free(app->i18n);
}

/* ---- import ---------------------------------------------------------------------- */

/* Prints s with control characters shown as '?' (values come from files). */
static void print_clean(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_issue(const struct profile_issue *it, int first)
{
	printf("%s%s%s%s%s", first ? "" : "; ", it->warning ? "warning: " : "", it->field,
	       *it->field ? ": " : "", import_issue_text(it->code));
	if (*it->value) {
		printf(" \"");
		print_clean(it->value);
		putchar('"');
	}
}

/* One line per row that was skipped or has warnings. */
static void report_row(void *ud, const struct import_result *r)
{
	int max = (int)(sizeof(r->issues.items) / sizeof(r->issues.items[0]));
	int kept = r->issues.count < max ? r->issues.count : max;

	(void)ud;
	if (!r->issues.count)
		return;
	printf("line %d: %s: ", r->line, import_status_name(r->status));
	for (int i = 0; i < kept; i++)
		print_issue(&r->issues.items[i], i == 0);
	if (r->issues.count > kept)
		printf("; and %d more", r->issues.count - kept);
	putchar('\n');
}

static void print_summary(const char *file, const struct import_counts *c, int dry_run)
{
	printf("%s: %ld rows: %ld created, %ld updated, %ld unchanged, %ld skipped", file, c->rows,
	       c->created, c->updated, c->unchanged, c->skipped);
	if (c->warned)
		printf(" (%ld imported with warnings)", c->warned);
	putchar('\n');
	if (c->consent_ignored)
		printf("consent and confirmed_at of %ld rows were not recorded: without "
		       "--consent-from-file imported experts are invited and give consent "
		       "themselves\n",
		       c->consent_ignored);
	if (dry_run)
		printf("dry run: nothing was written\n");
}

static int run_import(struct cli *cli, const char *path)
{
	struct import_opts o = {path, cli->dry_run, cli->consent_from_file, report_row, NULL};
	struct import_counts c = {0};
	struct app app;
	struct buf b;
	char err[512];
	int rc = 3;

	buf_init(&b, IMPORT_MAX_FILE);
	if (file_read(path, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat import: %s\n", err);
		goto out;
	}
	if (open_app(cli, &app, "kafaat import") == 0) {
		if (import_experts(&app, buf_str(&b), b.len, &o, &c, err, sizeof(err)) < 0)
			fprintf(stderr, "kafaat import: %s%s\n", err,
			        c.rows && !cli->dry_run ? " (the rows reported above were imported)"
			                                : "");
		else
			rc = c.skipped ? 1 : 0;
		if (rc != 3 || c.rows)
			print_summary(path, &c, cli->dry_run);
	}
	close_app(&app);
out:
	buf_release(&b);
	return rc;
}

int cmd_import(struct cli *cli)
{
	if (cli->nargs != 2 || strcmp(cli->args[0], "experts") != 0 || cli->experts || cli->seed) {
		fprintf(stderr, IMPORT_USAGE);
		return 2;
	}
	if (cli_load_config(cli) < 0)
		return 2;
	fflush(stdout);
	return run_import(cli, cli->args[1]);
}

/* ---- export ---------------------------------------------------------------------- */

int cmd_export(struct cli *cli)
{
	struct app app;
	char err[512];
	long n = -1;

	if (cli->nargs != 1 || strcmp(cli->args[0], "experts") != 0 || cli->dry_run ||
	    cli->consent_from_file || cli->experts || cli->seed) {
		fprintf(stderr, EXPORT_USAGE);
		return 2;
	}
	if (cli_load_config(cli) < 0)
		return 2;
	if (open_app(cli, &app, "kafaat export") == 0) {
		n = export_experts(&app, stdout, err, sizeof(err));
		if (n < 0)
			fprintf(stderr, "kafaat export: %s\n", err);
		else
			fprintf(stderr, "kafaat export: %ld experts\n", n);
	}
	close_app(&app);
	return n < 0 ? 1 : 0;
}
