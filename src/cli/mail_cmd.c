/* `kafaat mail`: the outbox from the command line.
 *
 *   kafaat mail list [--json]   the 50 newest mails, newest first
 *   kafaat mail show ID         one mail, exactly as it was (or will be) sent
 *   kafaat mail send            sends what is due now, once
 *
 * Exit status: 0, 1 when something failed (unknown id, database), 2 for a
 * usage error.
 */
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/mail.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/parse.h"
#include "db/db.h"

#define LIST_MAX 50
/* Sends at most this many in one `kafaat mail send`. */
#define SEND_MAX 100000

static const char usage[] = "usage: kafaat mail list [--json] | show ID | send [--db PATH|URL]\n";

/* One line of `mail list`; the strings belong to the statement. */
struct mail_item {
	int64_t id;
	int64_t attempts;
	const char *created_at;
	const char *status;
	const char *to;
	const char *subject;
};

/* "queued", "sent" or "failed" from a row's sent_at and failed_at. */
static const char *item_status(struct db_stmt *st)
{
	if (!db_col_is_null(st, 2))
		return "sent";
	if (!db_col_is_null(st, 3))
		return "failed";
	return "queued";
}

static const char *text_or_empty(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);

	return s ? s : "";
}

static void item_read(struct db_stmt *st, struct mail_item *it)
{
	it->id = db_col_int(st, 0);
	it->created_at = text_or_empty(st, 1);
	it->status = item_status(st);
	it->attempts = db_col_int(st, 4);
	it->to = text_or_empty(st, 5);
	it->subject = text_or_empty(st, 6);
}

/* Prints s with control characters shown as '?': a row's text must not
 * drive the terminal. */
static void print_clean(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7F ? '?' : *s);
}

static void item_print(const struct mail_item *it)
{
	printf("%" PRId64 "  %s  %-6s %2" PRId64 " attempt(s)  ", it->id, it->created_at,
	       it->status, it->attempts);
	print_clean(it->to);
	fputs("  ", stdout);
	print_clean(it->subject);
	putchar('\n');
}

/* Appends the item to a JSON array; 0 or -1. */
static int item_json(json_t *array, const struct mail_item *it)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s}", "id", (json_int_t)it->id,
	                      "created_at", it->created_at, "status", it->status, "attempts",
	                      (json_int_t)it->attempts, "to", it->to, "subject", it->subject);

	return o ? json_array_append_new(array, o) : -1;
}

static int print_json(json_t *array)
{
	if (json_dumpf(array, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF)
		return -1;
	return 0;
}

static int mail_list(struct cli *cli, struct db *db)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT id, created_at, sent_at, failed_at, attempts, "
	                       "to_addr, subject FROM outbox ORDER BY id DESC LIMIT $1");
	json_t *array = cli->json ? json_array() : NULL;
	struct mail_item it;
	enum db_rc rc = DB_ERROR;
	int status = 1;

	if (!st || db_bind_int(st, 1, LIST_MAX) != DB_OK || (cli->json && !array))
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		item_read(st, &it);
		if (!array)
			item_print(&it);
		else if (item_json(array, &it) < 0)
			goto out;
	}
	if (rc == DB_OK && (!array || print_json(array) == 0) && fflush(stdout) == 0 &&
	    !ferror(stdout))
		status = 0;
out:
	if (status != 0)
		fprintf(stderr, "kafaat mail list: cannot list the outbox: %s\n",
		        rc == DB_OK || rc == DB_ROW ? "cannot write the list" : db_errmsg(db));
	json_decref(array);
	db_finalize(st);
	return status;
}

static int mail_show(struct cli *cli, struct db *db, int64_t id)
{
	struct buf msg = BUF_INIT;
	int rc = mail_message(&cli->cfg, db, id, &msg);

	if (rc == 1 && fwrite(msg.data, 1, msg.len, stdout) != msg.len)
		rc = -1;
	if (rc == 0)
		fprintf(stderr, "kafaat mail show: no mail with id %" PRId64 "\n", id);
	else if (rc < 0)
		fprintf(stderr, "kafaat mail show: cannot show mail %" PRId64 "\n", id);
	buf_release(&msg);
	return rc == 1 ? 0 : 1;
}

static int mail_send(struct cli *cli, struct db *db)
{
	struct app app = {.cfg = &cli->cfg};
	int sent;

	signal(SIGPIPE, SIG_IGN); /* a dropped SMTP connection is an error, not a death */
	sent = mail_send_due(&app, db, SEND_MAX);
	if (sent < 0) {
		fprintf(stderr, "kafaat mail send: cannot read the outbox\n");
		return 1;
	}
	printf("%d mail(s) sent\n", sent);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Checks the words after "mail"; sets *id for show. 0, or 2 (usage). */
static int check_args(struct cli *cli, int64_t *id)
{
	const char *sub = cli->nargs ? cli->args[0] : NULL;
	int want = sub && strcmp(sub, "show") == 0 ? 2 : 1;

	if (!sub) {
		fprintf(stderr, "kafaat mail: which subcommand?\n%s", usage);
		return 2;
	}
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "send")) {
		fprintf(stderr, "kafaat mail: unknown subcommand '%s'\n%s", sub, usage);
		return 2;
	}
	if (cli->nargs != want) {
		fprintf(stderr, "kafaat mail %s: %s\n%s", sub,
		        cli->nargs < want ? "missing mail id" : "too many arguments", usage);
		return 2;
	}
	if (want == 2 && parse_int64(cli->args[1], 1, INT64_MAX, id) < 0) {
		fprintf(stderr, "kafaat mail show: invalid mail id '%s'\n", cli->args[1]);
		return 2;
	}
	return 0;
}

int cmd_mail(struct cli *cli)
{
	struct db *db;
	int64_t id = 0;
	int rc = check_args(cli, &id);

	if (rc != 0)
		return rc;
	if (cli_load_config(cli) < 0 || cli_open_db(cli, &db) < 0)
		return 1;
	if (strcmp(cli->args[0], "list") == 0)
		rc = mail_list(cli, db);
	else if (strcmp(cli->args[0], "show") == 0)
		rc = mail_show(cli, db, id);
	else
		rc = mail_send(cli, db);
	db_close(db);
	return rc;
}
