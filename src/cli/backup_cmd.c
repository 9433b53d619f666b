/* `kafaat backup` and `kafaat restore`: backups from the command line.
 *
 *   kafaat backup FILE            copies the live database into FILE, which
 *                                 must not exist (servers may keep running)
 *   kafaat restore FILE [--force] replaces the database with backup FILE;
 *                                 every server using it must be stopped;
 *                                 --force when the database holds tables
 *
 * The work is done by the database module (db_backup_to, db_backup_check,
 * db_restore_from): SQLite's online backup API, or pg_dump / pg_restore.
 * A backup is checked when it is written and again before it is restored.
 *
 * Erasure. A person erased after the backup was made is in the backup. So
 * before replacing the database, restore reads which accounts it records
 * as erased (the audit log's account_erased rows, which erasure keeps), and
 * after the restore erases again every one of them the backup brought
 * back, exactly as the person's own request did (app/rights.c), with a new
 * audit row. See docs/DEPLOY.md, "Restore and erasure".
 *
 * Exit status: 0, 1 when the backup or restore failed, 2 for a usage error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/clock.h"
#include "app/events.h"
#include "app/projects.h"
#include "app/files.h"
#include "app/rights.h"
#include "app/sql.h"
#include "cli/cli.h"
#include "core/parse.h"
#include "db/db.h"
#include "db/migrations.h"

#define ERR_MAX 1024

static const char backup_usage[] = "usage: kafaat backup FILE [--config FILE] [--db PATH|URL]\n";
static const char restore_usage[] =
        "usage: kafaat restore FILE [--config FILE] [--db PATH|URL] [--force]\n";

/* One FILE argument; --force for restore only. 0, or 2 (usage). */
static int check_args(struct cli *cli, const char *cmd, const char *usage, int may_force)
{
	if (cli->nargs != 1) {
		fprintf(stderr, "kafaat %s: %s\n%s", cmd,
		        cli->nargs ? "one FILE only" : "which backup FILE?", usage);
		return 2;
	}
	if (cli->force && !may_force) {
		fprintf(stderr, "kafaat %s: --force is for restore only\n%s", cmd, usage);
		return 2;
	}
	return 0;
}

static const char *shown(const struct cli *cli, char *out, size_t len)
{
	return db_display_target(cli->cfg.db, out, len);
}

static int newest_version(void)
{
	return migrations[migrations_count - 1].version;
}

static int backup(struct cli *cli, struct db *db)
{
	const char *file = cli->args[0];
	char err[ERR_MAX], name[512];
	struct stat sb;
	int version;

	if (db_backup_to(db, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat backup: %s\n", err);
		return 1;
	}
	version = migrate_current(db);
	if (stat(file, &sb) < 0)
		sb.st_size = 0; /* just written and checked: only the size is missing */
	printf("backup of %s written to %s: schema version %d, %lld bytes, integrity checked\n",
	       shown(cli, name, sizeof(name)), file, version, (long long)sb.st_size);
	return fflush(stdout) == 0 ? 0 : 1;
}

int cmd_backup(struct cli *cli)
{
	struct db *db;
	int rc = check_args(cli, "backup", backup_usage, 0);

	if (rc != 0)
		return rc;
	if (cli_load_config(cli) < 0 || cli_open_db(cli, &db) < 0)
		return 1;
	rc = backup(cli, db);
	db_close(db);
	return rc;
}

/* A SQLite database cannot be restored from itself. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* The backup must be readable, sound, and not newer than this kafaat. */
static int check_backup(struct cli *cli, struct db *db, int *version)
{
	char err[ERR_MAX];

	if (same_file(cli->args[0], cli->cfg.db)) {
		fprintf(stderr, "kafaat restore: %s is the database itself\n", cli->args[0]);
		return -1;
	}
	if (db_backup_check(db, cli->args[0], version, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat restore: %s\n", err);
		return -1;
	}
	if (*version > newest_version()) {
		fprintf(stderr,
		        "kafaat restore: %s is at schema version %d, this kafaat knows up to %d: "
		        "restore it with the kafaat that made it\n",
		        cli->args[0], *version, newest_version());
		return -1;
	}
	return 0;
}

/* A database that holds tables is replaced only with --force. */
static int check_target(struct cli *cli, struct db *db)
{
	char name[512];
	int64_t tables = 0;

	if (db_count_tables(db, NULL, &tables) != DB_OK) {
		fprintf(stderr, "kafaat restore: cannot read %s: %s\n",
		        shown(cli, name, sizeof(name)), db_errmsg(db));
		return -1;
	}
	if (tables > 0 && !cli->force) {
		fprintf(stderr,
		        "kafaat restore: %s already holds data (%lld tables), which a restore "
		        "replaces: stop every server using it, then run again with --force\n",
		        shown(cli, name, sizeof(name)), (long long)tables);
		return -1;
	}
	return 0;
}

/* The accounts the database (about to be replaced) records as erased:
 * an array of id strings; empty when it has no audit log yet. */
static json_t *erased_accounts(struct db *db)
{
	json_t *ids = json_array();
	struct db_stmt *st;
	int64_t n = 0;

	if (db_count_tables(db, "audit_log", &n) != DB_OK || n == 0)
		return ids;
	st = db_prepare(db, "SELECT DISTINCT target_id FROM audit_log WHERE action = "
	                    "'account_erased' AND target_type = 'user'");
	while (st && db_step(st) == DB_ROW)
		json_array_append_new(ids, json_string(db_col_text(st, 0)));
	db_finalize(st);
	return ids;
}

struct reerase {
	struct cli *cli;
	struct pd_catalogue cat;
	const char *subjects[LANG_COUNT + 1];
	struct arena arena;
	const char *id;
	json_t *files;
	int done;
};

static int reerase_tx(struct db *db, void *ud)
{
	struct reerase *r = ud;
	struct pd_subject subj;
	const char *row[1];
	int64_t uid;
	struct audit_entry e = {
	        0, "account_erased", "user", r->id, "", "{\"reason\":\"reapplied_after_restore\"}"};

	r->done = 0;
	if (parse_int64(r->id, 1, INT64_MAX, &uid) < 0)
		return 0;
	int found = sql_row(db, &r->arena, "SELECT email FROM users WHERE id = $1", 1,
	                    (const char *[]){r->id}, row, 1);
	if (found != 1)
		return found < 0 ? -1 : 0; /* not in the backup: nothing to do */
	if (rights_subject(db, &r->arena, uid, row[0], r->subjects, &subj) < 0)
		return -1;
	r->files = files_stored_names(db, uid);
	if (r->files && projects_document_names(db, uid, r->files) < 0)
		return -1;
	if (!r->files || audit_append(db, clock_now(&r->cli->cfg), &e) < 0 ||
	    rights_erase(db, &r->cat, &subj) < 0 || events_recount_seats(db) < 0)
		return -1;
	r->done = 1;
	return 0;
}

/* Erases again every account of ids the restored database holds.
 * Returns how many, or -1. */
static int reapply_erasures(struct cli *cli, json_t *ids)
{
	struct reerase r = {cli, {0}, {NULL}, ARENA_INIT, NULL, NULL, 0};
	struct app app = {.cfg = &cli->cfg};
	struct i18n *cat = NULL;
	char err[ERR_MAX];
	int count = 0, rc = -1;
	size_t i;
	json_t *id;

	if (json_array_size(ids) == 0)
		return 0;
	if (pd_catalogue_load(cli->cfg.personal_data_file, &r.cat, err, sizeof(err)) < 0 ||
	    i18n_load(cli->cfg.locale_dir, &cat, err, sizeof(err)) < 0 ||
	    db_pool_open(cli->cfg.db, 1, &app.pool, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat restore: cannot re-apply erasures: %s\n", err);
		goto out;
	}
	for (int l = 0; l < LANG_COUNT; l++)
		r.subjects[l] = i18n_get(cat, (enum lang)l, "mail.email_changed_notice.subject");
	json_array_foreach(ids, i, id)
	{
		r.id = json_string_value(id);
		if (sql_tx(app.pool, reerase_tx, &r) < 0) {
			fprintf(stderr, "kafaat restore: re-erasing account %s failed\n", r.id);
			goto out;
		}
		files_unlink_all(&cli->cfg, r.files);
		json_decref(r.files);
		r.files = NULL;
		count += r.done;
	}
	rc = count;
out:
	if (app.pool)
		db_pool_close(app.pool);
	i18n_free(cat);
	pd_catalogue_release(&r.cat);
	arena_free(&r.arena);
	return rc;
}

static int restore(struct cli *cli, struct db *db)
{
	char err[ERR_MAX], name[512];
	int version;

	json_t *erased;
	int again;

	if (check_backup(cli, db, &version) < 0 || check_target(cli, db) < 0)
		return 1;
	erased = erased_accounts(db);
	if (db_restore_from(db, cli->args[0], err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat restore: %s\n", err);
		json_decref(erased);
		return 1;
	}
	printf("restored %s into %s: schema version %d\n", cli->args[0],
	       shown(cli, name, sizeof(name)), version);
	again = reapply_erasures(cli, erased);
	json_decref(erased);
	if (again < 0) {
		fprintf(stderr, "kafaat restore: do not serve this database before the erasures "
		                "are re-applied (run the restore again)\n");
		return 1;
	}
	printf("%d erasure request(s) re-applied\n", again);
	if (version < newest_version())
		printf("this kafaat needs schema version %d: run `kafaat migrate` before serving\n",
		       newest_version());
	return fflush(stdout) == 0 ? 0 : 1;
}

int cmd_restore(struct cli *cli)
{
	struct db *db;
	int rc = check_args(cli, "restore", restore_usage, 1);

	if (rc != 0)
		return rc;
	if (cli_load_config(cli) < 0 || cli_open_db(cli, &db) < 0)
		return 1;
	rc = restore(cli, db);
	db_close(db);
	return rc;
}
