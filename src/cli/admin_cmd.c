/* `kafaat admin create EMAIL`: the first programme administrator (and any
 * later one from the server's console). Prints a one-time link, valid 24
 * hours, where that person chooses a password; they must then set up the
 * second factor before anything else (admins always use one). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/clock.h"
#include "app/sql.h"
#include "app/users.h"
#include "cli/cli.h"
#include "db/db.h"
#include "sec/token.h"

#define SETUP_TTL (24 * 3600)

struct admin_new {
	struct app *app;
	struct arena *arena;
	const char *email;
	const char *link; /* set when a password must be chosen */
};

static int64_t ensure_user(struct admin_new *a, struct db *db, struct user *u)
{
	char now[ISO_TIME_LEN + 1];
	int64_t id;
	int rc = user_by_email(db, a->arena, a->email, u);

	if (rc != 0)
		return rc < 0 ? -1 : u->id;
	id = new_id(a->app->cfg);
	iso_time(clock_now(a->app->cfg), now);
	if (sql_exec(db,
	             "INSERT INTO users (id, email, lang, status, created_at, updated_at) "
	             "VALUES ($1, $2, 'fr', 'invited', $3, $3)",
	             3, (const char *[]){sql_int(a->arena, id), a->email, now}) != 1)
		return -1;
	u->status = "invited";
	u->lang = LANG_FR;
	return id;
}

static int create_tx(struct db *db, void *ud)
{
	struct admin_new *a = ud;
	struct user u = {0};
	char now[ISO_TIME_LEN + 1];
	int64_t id = ensure_user(a, db, &u);
	const char *uid;

	if (id < 0)
		return -1;
	uid = sql_int(a->arena, id);
	iso_time(clock_now(a->app->cfg), now);
	struct audit_entry e = {0, "admin_created", "user", uid, "", ""};
	if (sql_exec(db,
	             "INSERT INTO user_roles (user_id, role, scope, granted_at) VALUES ($1, "
	             "'admin', "
	             "'', $2) ON CONFLICT (user_id, role, scope) DO NOTHING",
	             2, (const char *[]){uid, now}) < 0 ||
	    audit_append(db, clock_now(a->app->cfg), &e) < 0)
		return -1;
	if (strcmp(u.status, "invited") != 0)
		return 0;
	const char *token = ott_create(a->app, db, a->arena, id, "admin_setup", "", SETUP_TTL);
	if (!token)
		return -1;
	a->link = link_to(a->app, a->arena, u.lang, "invitation", token);
	return 0;
}

static int admin_create(struct cli *cli, const char *email_in)
{
	struct arena arena = ARENA_INIT;
	struct app app = {.cfg = &cli->cfg};
	struct admin_new a = {&app, &arena, email_normalise(&arena, email_in), NULL};
	char err[512];
	int rc = 1;

	if (!a.email) {
		fprintf(stderr, "kafaat admin create: '%s' is not an email address\n", email_in);
		goto out;
	}
	if (sec_init() < 0 || db_pool_open(cli->cfg.db, 1, &app.pool, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat admin create: cannot open database: %s\n", err);
		goto out;
	}
	if (sql_tx(app.pool, create_tx, &a) < 0) {
		fprintf(stderr, "kafaat admin create: the database refused the change "
		                "(is it migrated? run `kafaat migrate`)\n");
	} else if (a.link) {
		printf("%s is an administrator. One-time set-up link (valid 24 hours):\n%s\n",
		       a.email, a.link);
		rc = 0;
	} else {
		printf("%s already had an account and is now an administrator: sign in as usual.\n",
		       a.email);
		rc = 0;
	}
	db_pool_close(app.pool);
out:
	arena_free(&arena);
	return rc;
}

/* Roles the console may grant, and whether they need a scope. */
static const struct {
	const char *role;
	const char *scope_kind; /* NULL: none */
} grantable[] = {
        {"admin", NULL},
        {"advisor", NULL},
        {"coordinator", "network"},
        {"institution_owner", "institution"},
        {"institution_member", "institution"},
};

struct grant {
	struct app *app;
	struct arena *arena;
	const char *email;
	const char *role;
	const char *scope;
	int found;
};

static int grant_tx(struct db *db, void *ud)
{
	struct grant *g = ud;
	struct user u;
	char now[ISO_TIME_LEN + 1];

	g->found = user_by_email(db, g->arena, g->email, &u);
	if (g->found != 1)
		return g->found < 0 ? -1 : 0;
	iso_time(clock_now(g->app->cfg), now);
	const char *uid = sql_int(g->arena, u.id);
	struct audit_entry e = {
	        0,      "role_granted",
	        "user", uid,
	        "",     arena_printf(g->arena, "{\"role\":\"%s\",\"by\":\"console\"}", g->role)};
	if (sql_exec(
	            db,
	            "INSERT INTO user_roles (user_id, role, scope, granted_at) VALUES ($1, $2, $3, "
	            "$4) ON CONFLICT (user_id, role, scope) DO NOTHING",
	            4, (const char *[]){uid, g->role, g->scope, now}) < 0 ||
	    audit_append(db, clock_now(g->app->cfg), &e) < 0)
		return -1;
	return 1;
}

static int admin_grant(struct cli *cli)
{
	struct arena arena = ARENA_INIT;
	struct app app = {.cfg = &cli->cfg};
	struct grant g = {&app,
	                  &arena,
	                  email_normalise(&arena, cli->args[1]),
	                  cli->args[2],
	                  cli->nargs > 3 ? cli->args[3] : "",
	                  0};
	char err[512];
	size_t i, n = sizeof(grantable) / sizeof(grantable[0]);
	int rc = 1;

	for (i = 0; i < n && strcmp(grantable[i].role, g.role) != 0; i++)
		;
	if (!g.email || i == n || (grantable[i].scope_kind != NULL) != (g.scope[0] != '\0')) {
		fprintf(stderr,
		        "kafaat admin grant: usage: EMAIL ROLE [SCOPE]; roles: admin, advisor, "
		        "coordinator NETWORK, institution_owner ID, institution_member ID\n");
		arena_free(&arena);
		return 2;
	}
	if (sec_init() < 0 || db_pool_open(cli->cfg.db, 1, &app.pool, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat admin grant: cannot open database: %s\n", err);
		arena_free(&arena);
		return 1;
	}
	int done = sql_tx(app.pool, grant_tx, &g);
	if (done < 0)
		fprintf(stderr, "kafaat admin grant: the database refused the change\n");
	else if (done == 0)
		fprintf(stderr, "kafaat admin grant: no account uses %s\n", g.email);
	else
		printf("%s now has the role %s%s%s\n", g.email, g.role, g.scope[0] ? " for " : "",
		       g.scope),
		        rc = 0;
	db_pool_close(app.pool);
	arena_free(&arena);
	return rc;
}

int cmd_admin(struct cli *cli)
{
	int create = cli->nargs == 2 && strcmp(cli->args[0], "create") == 0;
	int grant = (cli->nargs == 3 || cli->nargs == 4) && strcmp(cli->args[0], "grant") == 0;

	if (!create && !grant) {
		fprintf(stderr, "usage: kafaat admin create EMAIL | grant EMAIL ROLE [SCOPE] "
		                "[--db PATH|URL]\n");
		return 2;
	}
	if (cli_load_config(cli) < 0)
		return 2;
	return create ? admin_create(cli, cli->args[1]) : admin_grant(cli);
}
