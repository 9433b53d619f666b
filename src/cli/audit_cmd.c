/* kafaat audit: check the audit log's hash chain, or show its last rows.
 *
 *   kafaat audit verify [--json] [--db PATH|URL]
 *   kafaat audit list [--json] [--db PATH|URL]
 *
 * verify prints "audit log intact: N rows" and the last row's hash (keep it
 * somewhere the database's writers cannot reach: see src/app/audit.c), or
 * the first broken row and why. list prints the last 50 rows, newest
 * first. Exit status: 0 done (verify: the chain holds), 1 verify found a
 * broken row, 2 usage or configuration error, 3 database error.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/audit.h"
#include "cli/cli.h"
#include "db/db.h"

#define AUDIT_LIST_ROWS "50"

enum { EXIT_DONE = 0, EXIT_BROKEN = 1, EXIT_USAGE = 2, EXIT_DB = 3 };

static int audit_usage(void)
{
	fprintf(stderr, "usage: kafaat audit verify|list [--json] [--db PATH|URL]\n");
	return EXIT_USAGE;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* Prints s with control characters shown as '?': rows hold text from
 * outside, which must not drive the terminal. */
static void print_safe(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* Prints and frees j; 0, or -1 when stdout fails. */
static int print_json(json_t *j)
{
	int rc = j ? json_dumpf(j, stdout, JSON_INDENT(2)) : -1;

	json_decref(j);
	if (rc == 0 && putchar('\n') == EOF)
		rc = -1;
	return rc;
}

/* A JSON string for text read from the database (which may not be UTF-8). */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(or_empty(s));

	return j ? j : json_string("(not valid UTF-8)");
}

/* ---- verify ---- */

/* The hash of row seq into out (65 bytes); 0 or -1. */
static int audit_row_hash(struct db *db, int64_t seq, char out[65])
{
	struct db_stmt *st = db_prepare(db, "SELECT hash FROM audit_log WHERE seq = $1");
	int rc = -1;

	if (st == NULL)
		return -1;
	if (db_bind_int(st, 1, seq) == DB_OK && db_step(st) == DB_ROW) {
		snprintf(out, 65, "%s", or_empty(db_col_text(st, 0)));
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

static int verify_report(const struct cli *cli, int64_t rows, const char *last)
{
	json_t *j;

	if (!cli->json) {
		printf("audit log intact: %" PRId64 " rows\n", rows);
		if (rows > 0)
			printf("last hash: %s (row %" PRId64 ")\n", last, rows);
		return EXIT_DONE;
	}
	j = json_pack("{s:b, s:I, s:s?}", "intact", 1, "rows", (json_int_t)rows, "last_hash",
	              rows > 0 ? last : NULL);
	return print_json(j) < 0 ? EXIT_DB : EXIT_DONE;
}

static int verify_broken(const struct cli *cli, int64_t bad_seq, const char *reason)
{
	json_t *j;

	if (!cli->json) {
		printf("audit log broken: %s\n", reason);
		return EXIT_BROKEN;
	}
	j = json_pack("{s:b, s:I, s:s}", "intact", 0, "bad_seq", (json_int_t)bad_seq, "reason",
	              reason);
	print_json(j);
	return EXIT_BROKEN;
}

static int audit_cmd_verify(struct cli *cli, struct db *db)
{
	char reason[256], last[65] = "";
	int64_t bad_seq, rows = audit_verify(db, &bad_seq, reason, sizeof(reason));

	if (rows < 0 && bad_seq > 0)
		return verify_broken(cli, bad_seq, reason);
	if (rows < 0) {
		fprintf(stderr, "kafaat audit verify: %s\n", reason);
		return EXIT_DB;
	}
	if (rows > 0 && audit_row_hash(db, rows, last) < 0) {
		fprintf(stderr, "kafaat audit verify: cannot read row %" PRId64 ": %s\n", rows,
		        db_errmsg(db));
		return EXIT_DB;
	}
	return verify_report(cli, rows, last);
}

/* ---- list ---- */

static const char list_sql[] = "SELECT seq, at, actor_id, action, target_type, target_id, ip, "
                               "details FROM audit_log ORDER BY seq DESC LIMIT " AUDIT_LIST_ROWS;

/* details as JSON: the object, null when empty, the raw text otherwise. */
static json_t *json_details(const char *s)
{
	json_t *j;

	if (*s == '\0')
		return json_null();
	j = json_loads(s, 0, NULL);
	if (json_is_object(j))
		return j;
	json_decref(j);
	return json_text(s);
}

static json_t *list_row_json(struct db_stmt *st)
{
	json_t *actor = db_col_is_null(st, 2) ? json_null() : json_integer(db_col_int(st, 2));

	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "seq",
	                 (json_int_t)db_col_int(st, 0), "at", json_text(db_col_text(st, 1)),
	                 "actor", actor, "action", json_text(db_col_text(st, 3)), "target_type",
	                 json_text(db_col_text(st, 4)), "target_id", json_text(db_col_text(st, 5)),
	                 "ip", json_text(db_col_text(st, 6)), "details",
	                 json_details(or_empty(db_col_text(st, 7))));
}

/* One line per row: seq, at, actor, action, target, ip, details ("-" when
 * empty), separated by two spaces. */
static void list_row_text(struct db_stmt *st)
{
	const char *type = or_empty(db_col_text(st, 4)), *id = or_empty(db_col_text(st, 5));
	const char *ip = or_empty(db_col_text(st, 6)), *details = or_empty(db_col_text(st, 7));

	printf("%" PRId64 "  %s  ", db_col_int(st, 0), or_empty(db_col_text(st, 1)));
	if (db_col_is_null(st, 2))
		printf("-  ");
	else
		printf("%" PRId64 "  ", db_col_int(st, 2));
	print_safe(or_empty(db_col_text(st, 3)));
	printf("  ");
	print_safe(*type || *id ? type : "-");
	if (*id)
		putchar(':');
	print_safe(id);
	printf("  ");
	print_safe(*ip ? ip : "-");
	printf("  ");
	print_safe(*details ? details : "-");
	putchar('\n');
}

static int audit_cmd_list(struct cli *cli, struct db *db)
{
	struct db_stmt *st = db_prepare(db, list_sql);
	json_t *rows = json_array();
	enum db_rc rc = DB_ERROR;
	int ret = EXIT_DB;

	if (!cli->json)
		printf("seq  at  actor  action  target  ip  details\n");
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		if (!cli->json)
			list_row_text(st);
		else if (json_array_append_new(rows, list_row_json(st)) < 0)
			goto out;
	}
	if (rc != DB_OK) {
		fprintf(stderr, "kafaat audit list: cannot read the audit log: %s\n",
		        db_errmsg(db));
		goto out;
	}
	if (cli->json && print_json(json_incref(rows)) < 0)
		goto out;
	ret = EXIT_DONE;
out:
	db_finalize(st);
	json_decref(rows);
	return ret;
}

/* ---- dispatch ---- */

static const struct {
	const char *name;
	int (*run)(struct cli *cli, struct db *db);
} audit_commands[] = {
        {"verify", audit_cmd_verify},
        {"list", audit_cmd_list},
};

int cmd_audit(struct cli *cli)
{
	const size_t n = sizeof(audit_commands) / sizeof(audit_commands[0]);
	struct db *db;
	size_t i;
	int rc;

	for (i = 0; cli->nargs == 1 && i < n; i++)
		if (strcmp(cli->args[0], audit_commands[i].name) == 0)
			break;
	if (cli->nargs != 1 || i == n)
		return audit_usage();
	if (cli_load_config(cli) < 0)
		return EXIT_USAGE;
	if (cli_open_db(cli, &db) < 0)
		return EXIT_DB;
	rc = audit_commands[i].run(cli, db);
	db_close(db);
	return rc;
}
