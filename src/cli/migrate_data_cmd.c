/* `kafaat migrate-data --from SOURCE --to TARGET`: moves a whole
 * installation to another database. The documented use is SQLite →
 * PostgreSQL (docs/DEPLOY.md, "Moving from SQLite to PostgreSQL");
 * PostgreSQL → PostgreSQL and SQLite → SQLite work the same way.
 *
 * Before anything is written it checks:
 *   - SOURCE holds a Kafaat schema at this kafaat's version (else: run
 *     `kafaat migrate --db SOURCE` first), and its audit log's hash chain
 *     holds (a broken chain is investigated, not carried over);
 *   - TARGET is another database, empty or holding nothing but the
 *     reference data `kafaat migrate` loads (reference_tables below), at a
 *     schema version up to this kafaat's; else it refuses, naming the
 *     first table that holds rows.
 * TARGET is then migrated to this version (its own transactions, as
 * `kafaat migrate` does; the reference data is not loaded: it comes from
 * SOURCE). In ONE transaction on TARGET: the reference tables are emptied
 * (SOURCE's rows replace them, since SOURCE's profiles and needs point to
 * them), every table is copied parents first (the order comes from the
 * schema's foreign keys: db/copy.h), each table's rows are counted on both
 * sides, and the audit chain is verified on TARGET and its last hash
 * compared with SOURCE's. Only when all agree is the transaction committed;
 * otherwise it is rolled back and TARGET holds no copied row.
 *
 * SOURCE is only read, in one snapshot: writes made meanwhile by a server
 * still running are not copied (stop every server first). The rows of
 * schema_migrations are not copied: TARGET keeps its own.
 *
 * Exit status: 0 copied and verified; 1 refused or failed; 2 usage.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/audit.h"
#include "cli/cli.h"
#include "db/copy.h"
#include "db/db.h"
#include "db/migrations.h"

#define ERR_MAX 1024
#define SHOWN_MAX 512
#define MIGRATIONS_TABLE "schema_migrations"

enum { EXIT_DONE = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

static const char usage[] =
        "usage: kafaat migrate-data --from SQLITE_PATH|URL --to URL [--config FILE]\n";

/* The tables `kafaat migrate` fills from data/ (src/app/data.c,
 * reference_files). A target may hold their rows and nothing else; they
 * are replaced by the source's. tests/http/migrate_data.test.mjs migrates
 * a target with `kafaat migrate` before copying into it, so a table added
 * there and missing here fails that test. */
static const char *const reference_tables[] = {
        "sectors",   "skill_domains", "skills",    "isco_groups",        "regions",   "countries",
        "languages", "cri",           "mdm_rules", "support_programmes", "changelog",
};

/* One run: both databases, their schemas, and what was found. */
struct move {
	const char *from, *to;      /* as given */
	char from_shown[SHOWN_MAX]; /* without a password */
	char to_shown[SHOWN_MAX];
	struct db *src, *dst;
	struct db_schema ss, ts; /* source and target schemas */
	int target_version;      /* before this run migrated it */
	int64_t reference_rows;  /* on the target before the copy */
	int64_t audit_rows;      /* in the source's audit log */
	char audit_hash[65];     /* its last row's hash, "" when empty */
	int64_t rows;            /* copied */
	int tables;              /* copied */
	struct timespec t0;
	char err[ERR_MAX];
};

static int newest_version(void)
{
	return migrations[migrations_count - 1].version;
}

static const char *engine_name(enum db_engine e)
{
	return e == DB_POSTGRES ? "PostgreSQL" : "SQLite";
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int is_reference(const char *table)
{
	for (size_t i = 0; i < sizeof(reference_tables) / sizeof(reference_tables[0]); i++)
		if (strcmp(reference_tables[i], table) == 0)
			return 1;
	return 0;
}

/* Prints "kafaat migrate-data: MESSAGE"; returns -1. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "kafaat migrate-data: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

/* ---- arguments and connections ---- */

static int check_args(struct cli *cli, struct move *m)
{
	m->from = cli->filter[CF_FROM];
	m->to = cli->filter[CF_TO];
	if (cli->db != NULL) {
		fprintf(stderr,
		        "kafaat migrate-data: --db is not used here: name the databases "
		        "with --from and --to\n%s",
		        usage);
		return EXIT_USAGE;
	}
	if (m->from == NULL || *m->from == '\0' || m->to == NULL || *m->to == '\0') {
		fprintf(stderr, "kafaat migrate-data: %s\n%s",
		        m->from == NULL || *m->from == '\0' ? "which database to move? (--from)"
		                                            : "move it where? (--to)",
		        usage);
		return EXIT_USAGE;
	}
	db_display_target(m->from, m->from_shown, sizeof(m->from_shown));
	db_display_target(m->to, m->to_shown, sizeof(m->to_shown));
	return EXIT_DONE;
}

/* Both the same database: the same file, or the same URL. */
static int same_database(const struct move *m)
{
	struct stat a, b;

	if (db_target_engine(m->from) != db_target_engine(m->to))
		return 0;
	if (db_target_engine(m->from) == DB_POSTGRES)
		return strcmp(m->from, m->to) == 0;
	return stat(m->from, &a) == 0 && stat(m->to, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The source must exist (db_open would make an empty SQLite file). */
static int open_source(struct move *m)
{
	char err[ERR_MAX];

	if (same_database(m))
		return fail("the source and the target are the same database (%s)", m->to_shown);
	if (db_target_engine(m->from) == DB_SQLITE && access(m->from, F_OK) != 0)
		return fail("the source %s does not exist", m->from_shown);
	if (db_open(m->from, &m->src, err, sizeof(err)) < 0)
		return fail("cannot open the source: %s", err);
	return 0;
}

static int open_target(struct move *m)
{
	char err[ERR_MAX];

	if (db_open(m->to, &m->dst, err, sizeof(err)) < 0)
		return fail("cannot open the target: %s", err);
	return 0;
}

/* The highest version in schema_migrations; 0 when there is no such
 * table (read without creating it, unlike migrate_current). -1 on error. */
static int schema_version(struct db *db)
{
	int64_t n = 0, v = 0;

	if (db_count_tables(db, MIGRATIONS_TABLE, &n) != DB_OK)
		return -1;
	if (n == 0)
		return 0;
	if (db_query_int(db, "SELECT COALESCE(MAX(version), 0) FROM " MIGRATIONS_TABLE, 0, NULL,
	                 &v) != DB_OK)
		return -1;
	return v >= 0 && v < INT32_MAX ? (int)v : -1;
}

/* ---- the source ---- */

static int check_source(struct move *m)
{
	int v = schema_version(m->src);

	if (v < 0)
		return fail("cannot read the schema version of the source %s: %s", m->from_shown,
		            db_errmsg(m->src));
	if (v == 0)
		return fail("the source %s holds no Kafaat database (no %s table)", m->from_shown,
		            MIGRATIONS_TABLE);
	if (v < newest_version())
		return fail("the source %s is at schema version %d, this kafaat needs %d: run "
		            "`kafaat migrate --db %s` first",
		            m->from_shown, v, newest_version(), m->from_shown);
	if (v > newest_version())
		return fail("the source %s is at schema version %d, newer than this kafaat (%d): "
		            "use the kafaat that serves it",
		            m->from_shown, v, newest_version());
	return 0;
}

/* The last hash of db's audit log into out (65 bytes), "" when empty. */
static int last_audit_hash(struct db *db, char out[65])
{
	struct db_stmt *st = db_prepare(db, "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
	enum db_rc rc = st ? db_step(st) : DB_ERROR;

	out[0] = '\0';
	if (rc == DB_ROW)
		snprintf(out, 65, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "");
	db_finalize(st);
	return rc == DB_ROW || rc == DB_OK ? 0 : -1;
}

/* Reads the source in one snapshot: its schema, and its audit chain,
 * which must hold. The snapshot stays open until the end. */
static int read_source(struct move *m)
{
	char reason[256];
	int64_t bad = 0;

	if (db_begin_snapshot(m->src) != DB_OK)
		return fail("cannot read the source %s: %s", m->from_shown, db_errmsg(m->src));
	if (db_schema_read(m->src, &m->ss, m->err, sizeof(m->err)) < 0)
		return fail("the source %s: %s", m->from_shown, m->err);
	m->audit_rows = audit_verify(m->src, &bad, reason, sizeof(reason));
	if (m->audit_rows < 0 && bad > 0)
		return fail("the audit log of the source %s is broken at row %" PRId64 " (%s): "
		            "find out why (`kafaat audit verify --db %s`) before moving it",
		            m->from_shown, bad, reason, m->from_shown);
	if (m->audit_rows < 0 || last_audit_hash(m->src, m->audit_hash) < 0)
		return fail("cannot read the audit log of the source %s: %s", m->from_shown,
		            m->audit_rows < 0 ? reason : db_errmsg(m->src));
	printf("source %s: %s, schema version %d, audit log intact (%" PRId64 " rows)\n",
	       m->from_shown, engine_name(db_engine(m->src)), newest_version(), m->audit_rows);
	return 0;
}

/* ---- the target ---- */

/* Every table of the target but the reference tables and schema_migrations
 * must be empty. Counts the reference rows. */
static int check_target_rows(struct move *m)
{
	struct db_schema s;

	if (db_schema_read(m->dst, &s, m->err, sizeof(m->err)) < 0)
		return fail("the target %s: %s", m->to_shown, m->err);
	for (int i = 0; i < s.ntables; i++) {
		const char *name = s.tables[i].name;
		int64_t n = 0;
		if (strcmp(name, MIGRATIONS_TABLE) == 0)
			continue;
		if (db_count_rows(m->dst, name, &n) != DB_OK) {
			fail("cannot count the rows of table %s on the target: %s", name,
			     db_errmsg(m->dst));
			goto fail;
		}
		if (is_reference(name)) {
			m->reference_rows += n;
			continue;
		}
		if (n == 0)
			continue;
		fail("the target %s already holds data: table %s has %" PRId64 " row(s); nothing "
		     "was changed. Move into an empty database (or one `kafaat migrate` has only "
		     "prepared)",
		     m->to_shown, name, n);
		goto fail;
	}
	db_schema_release(&s);
	return 0;
fail:
	db_schema_release(&s);
	return -1;
}

/* Refuses a target that is not empty-or-prepared; migrates it. */
static int prepare_target(struct move *m)
{
	int64_t tables = 0, ledger = 0;
	int applied;

	if (db_count_tables(m->dst, NULL, &tables) != DB_OK ||
	    db_count_tables(m->dst, MIGRATIONS_TABLE, &ledger) != DB_OK)
		return fail("cannot read the target %s: %s", m->to_shown, db_errmsg(m->dst));
	/* An empty migrations ledger alone (a first migration that failed) is
	 * an empty database: its other tables went with the rollback. */
	if (tables == ledger)
		tables = 0;
	m->target_version = schema_version(m->dst);
	if (m->target_version < 0)
		return fail("cannot read the schema version of the target %s: %s", m->to_shown,
		            db_errmsg(m->dst));
	if (tables > 0 && m->target_version == 0)
		return fail("the target %s holds tables but no Kafaat schema (no %s table): move "
		            "into an empty database",
		            m->to_shown, MIGRATIONS_TABLE);
	if (m->target_version > newest_version())
		return fail("the target %s is at schema version %d, newer than this kafaat (%d): "
		            "move into an empty database",
		            m->to_shown, m->target_version, newest_version());
	if (tables > 0 && check_target_rows(m) < 0)
		return -1;
	applied = migrate_run(m->dst, m->err, sizeof(m->err));
	if (applied < 0)
		return fail("migrating the target %s: %s", m->to_shown, m->err);
	printf("target %s: %s, %s; schema version %d (%d migration(s) applied)\n", m->to_shown,
	       engine_name(db_engine(m->dst)),
	       tables == 0         ? "empty"
	       : m->reference_rows ? "reference data only"
	                           : "no data",
	       newest_version(), applied);
	if (db_schema_read(m->dst, &m->ts, m->err, sizeof(m->err)) < 0)
		return fail("the target %s: %s", m->to_shown, m->err);
	return 0;
}

/* Both schemas hold the same tables with the same columns. */
static int compare_schemas(struct move *m)
{
	for (int i = 0; i < m->ss.ntables; i++)
		if (db_schema_table(&m->ts, m->ss.tables[i].name) == NULL)
			return fail("the schemas differ: table %s is in the source, not in the "
			            "target",
			            m->ss.tables[i].name);
	for (int i = 0; i < m->ts.ntables; i++) {
		const struct db_table *t = &m->ts.tables[i], *f = db_schema_table(&m->ss, t->name);
		if (f == NULL)
			return fail("the schemas differ: table %s is in the target, not in the "
			            "source",
			            t->name);
		if (f->ncols != t->ncols)
			return fail("the schemas differ: table %s has other columns in the target "
			            "than in the source",
			            t->name);
		for (int c = 0; c < t->ncols; c++)
			if (db_table_column(f, t->cols[c].name) == NULL)
				return fail("the schemas differ: column %s.%s is missing in the "
				            "source",
				            t->name, t->cols[c].name);
	}
	return 0;
}

/* ---- the copy, in one transaction on the target ---- */

/* Empties the reference tables, children first. */
static int clear_reference(struct move *m)
{
	char sql[128];

	for (int i = m->ts.ntables - 1; i >= 0; i--) {
		if (!is_reference(m->ts.tables[i].name))
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s", m->ts.tables[i].name);
		if (db_exec(m->dst, sql) != DB_OK)
			return fail("emptying the target's table %s: %s", m->ts.tables[i].name,
			            db_errmsg(m->dst));
	}
	return 0;
}

/* Copies one table and compares its rows on both sides. */
static int copy_one(struct move *m, const struct db_table *t)
{
	const struct db_table *from = db_schema_table(&m->ss, t->name);
	struct timespec t0;
	int64_t before = 0, copied, after = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (db_count_rows(m->src, t->name, &before) != DB_OK)
		return fail("counting table %s on the source: %s", t->name, db_errmsg(m->src));
	copied = db_copy_table(m->src, from, m->dst, t, m->err, sizeof(m->err));
	if (copied < 0)
		return fail("%s", m->err);
	if (db_count_rows(m->dst, t->name, &after) != DB_OK)
		return fail("counting table %s on the target: %s", t->name, db_errmsg(m->dst));
	printf("  %-24s %10" PRId64 " %10" PRId64 " %8.2f  %s\n", t->name, before, after,
	       seconds_since(&t0), before == after && copied == before ? "ok" : "DIFFERENT");
	fflush(stdout);
	if (before != after || copied != before)
		return fail("table %s: the row counts differ between the source and the "
		            "target",
		            t->name);
	m->rows += copied;
	m->tables++;
	return 0;
}

/* The target's audit chain holds and ends where the source's does. */
static int check_audit(struct move *m)
{
	char reason[256], hash[65];
	int64_t bad = 0, rows = audit_verify(m->dst, &bad, reason, sizeof(reason));

	if (rows < 0)
		return fail("the audit log on the target does not verify: %s", reason);
	if (last_audit_hash(m->dst, hash) < 0)
		return fail("cannot read the audit log on the target: %s", db_errmsg(m->dst));
	if (rows != m->audit_rows || strcmp(hash, m->audit_hash) != 0)
		return fail("the audit log on the target ends elsewhere than the source's (%" PRId64
		            " rows, not %" PRId64 ")",
		            rows, m->audit_rows);
	printf("audit log on the target: intact, %" PRId64 " rows, last hash %s (the source's)\n",
	       rows, *hash ? hash : "(none)");
	return 0;
}

static int copy_all(struct move *m)
{
	if (db_begin(m->dst) != DB_OK)
		return fail("cannot start a transaction on the target: %s", db_errmsg(m->dst));
	if (clear_reference(m) < 0)
		goto fail;
	printf("copying in one transaction, parents first:\n  %-24s %10s %10s %8s\n", "table",
	       "source", "target", "seconds");
	for (int i = 0; i < m->ts.ntables; i++)
		if (strcmp(m->ts.tables[i].name, MIGRATIONS_TABLE) != 0 &&
		    copy_one(m, &m->ts.tables[i]) < 0)
			goto fail;
	if (check_audit(m) < 0)
		goto fail;
	if (db_commit(m->dst) != DB_OK) {
		fail("committing on the target: %s", db_errmsg(m->dst));
		goto fail;
	}
	return 0;
fail:
	db_rollback(m->dst);
	fprintf(stderr, "kafaat migrate-data: rolled back: the target holds no copied row\n");
	return -1;
}

/* Uploaded files live in a folder, not in the database. */
static void note_files(struct cli *cli, struct move *m)
{
	int64_t n = 0;

	if (db_schema_table(&m->ts, "files") == NULL ||
	    db_count_rows(m->dst, "files", &n) != DB_OK || n == 0)
		return;
	printf("note: the %" PRId64 " uploaded file(s) of table files stay in the folder %s "
	       "(paths.files): every server on the target must read that folder\n",
	       n, cli->cfg.files_dir);
}

static int run(struct cli *cli, struct move *m)
{
	if (open_source(m) < 0 || check_source(m) < 0 || read_source(m) < 0 || open_target(m) < 0 ||
	    prepare_target(m) < 0 || compare_schemas(m) < 0 || copy_all(m) < 0)
		return EXIT_FAILED;
	printf("done: %d tables, %" PRId64 " rows copied and checked in %.2f s; the target "
	       "matches the source\n",
	       m->tables, m->rows, seconds_since(&m->t0));
	note_files(cli, m);
	printf("next: point database.url at %s and start the servers\n", m->to_shown);
	return fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILED;
}

int cmd_migrate_data(struct cli *cli)
{
	struct move m;
	int rc;

	memset(&m, 0, sizeof(m));
	clock_gettime(CLOCK_MONOTONIC, &m.t0);
	rc = check_args(cli, &m);
	if (rc != EXIT_DONE)
		return rc;
	if (cli_load_config(cli) < 0)
		return EXIT_USAGE;
	rc = run(cli, &m);
	if (m.src != NULL)
		db_rollback(m.src); /* ends the snapshot: the source was only read */
	db_schema_release(&m.ss);
	db_schema_release(&m.ts);
	db_close(m.src);
	db_close(m.dst);
	return rc;
}
