/* project_jobs: the service-deadline reminders of dossiers (run with the
 * engagements' jobs on the mail sender's thread, deadlines.h) and the demo
 * dossiers (projects.h). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/notify.h"
#include "app/projects.h"
#include "app/sql.h"
#include "core/log.h"

#define BATCH 100

struct due {
	struct app *app;
	struct arena *a;
	int64_t id, advisor;
	const char *title, *due_at, *now;
	int done;
};

/* One reminder: marked (conditional on the deadline read) and told. */
static int remind_tx(struct db *db, void *ud)
{
	struct due *d = ud;
	const char *id = sql_int(d->a, d->id);
	const char *vars[] = {"title", d->title, NULL};
	int64_t rc = sql_exec(db,
	                      "UPDATE projects SET reminded_at = $2 WHERE id = $1 AND reminded_at "
	                      "IS NULL AND due_at = $3",
	                      3, (const char *[]){id, d->now, d->due_at});

	if (rc <= 0)
		return rc < 0 ? -1 : (d->done = 0);
	d->done = 1;
	if (d->advisor)
		return notify(d->app, db, d->advisor, "project.due",
		              arena_printf(d->a, "/advisor/projects/%s", id), vars);
	return notify_programme(d->app, db, "project.due",
	                        arena_printf(d->a, "/admin/projects/%s", id), vars);
}

int project_reminders_run(struct app *app, struct db *db, int64_t now)
{
	char iso[ISO_TIME_LEN + 1];
	struct arena a = ARENA_INIT;
	int64_t after = 0;
	int total = 0, n;

	iso_time(now, iso);
	do {
		struct due rows[BATCH];
		struct db_stmt *st = db_prepare(
		        db, "SELECT id, COALESCE(advisor_id, 0), title, due_at FROM projects WHERE "
		            "due_at < $1 AND reminded_at IS NULL AND state IN ('submitted', "
		            "'qualified', 'oriented', 'accompanied') AND id > $2 ORDER BY id LIMIT "
		            "100");
		enum db_rc rc = DB_ERROR;
		n = 0;
		if (st && db_bind_text(st, 1, iso) == DB_OK && db_bind_int(st, 2, after) == DB_OK)
			while (n < BATCH && (rc = db_step(st)) == DB_ROW)
				rows[n++] = (struct due){app,
				                         &a,
				                         db_col_int(st, 0),
				                         db_col_int(st, 1),
				                         arena_strdup(&a, db_col_text(st, 2)),
				                         arena_strdup(&a, db_col_text(st, 3)),
				                         arena_strdup(&a, iso),
				                         0};
		db_finalize(st);
		if (rc != DB_OK && rc != DB_ROW) {
			log_error("projects: reminders: %s", db_errmsg(db));
			arena_free(&a);
			return -1;
		}
		for (int i = 0; i < n; i++) {
			after = rows[i].id;
			if (sql_tx(app->pool, remind_tx, &rows[i]) < 0) {
				arena_free(&a);
				return -1; /* logged; the next run tries again */
			}
			total += rows[i].done;
		}
		arena_free(&a);
	} while (n == BATCH);
	if (total > 0)
		log_info("projects: %d dossier(s) past their service deadline reminded", total);
	return total;
}

/* ---- Demo dossiers ------------------------------------------------------------------- */

static const struct {
	const char *title, *summary, *sector, *region, *city, *stage;
	int64_t investment;
	int equity, jobs;
	unsigned needs;
	int steps; /* moves along qualify, orient */
	const char *note;
} demo[] = {
        {"Unité de conditionnement d'huile d'argan",
         "Une coopérative de femmes à Tiznit produit de l'huile d'argan ; le projet installe "
         "une unité de conditionnement certifiée pour vendre en Europe.",
         "agriculture", "MA-09", "Tiznit", "launch", 3500000, 30, 12, 1u | 1u << 5, 1,
         "Dossier complet. Prochaine étape : rendez-vous au CRI Souss-Massa."},
        {"عيادة للعلاج الطبيعي في فاس",
         "طبيب مقيم في بلجيكا يريد فتح عيادة للترويض الطبي في فاس بتجهيزات حديثة، مع تكوين "
         "ممرضين محليين.",
         "health", "MA-03", "فاس", "study", 1800000, 40, 8, 1u | 1u << 1 | 1u << 2, 2,
         "تم توجيه الملف إلى المركز الجهوي للاستثمار فاس - مكناس."},
        {"Software studio in Rabat",
         "An engineer living in Canada opens a software studio "
         "in Rabat that builds e-government services.",
         "digital", "MA-04", "Rabat", "idea", 600000, 50, 15, 1u << 3 | 1u << 4, 0, ""},
};

/* A holder for demo dossier i: an expert account when there is one,
 * else a demo account created here (no password: it cannot sign in). */
static int64_t demo_holder(struct app *app, struct db *db, struct arena *a, int i, const char *now)
{
	int64_t id = 0;
	char sql[200];

	snprintf(sql, sizeof(sql),
	         "SELECT user_id FROM user_roles WHERE role = 'expert' ORDER BY user_id LIMIT 1 "
	         "OFFSET %d",
	         i);
	if (db_query_int(db, sql, 0, NULL, &id) == DB_OK && id > 0)
		return id;
	id = new_id(app->cfg);
	if (sql_exec(db,
	             "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES "
	             "($1, $2, 'fr', 'active', $3, $3)",
	             3,
	             (const char *[]){sql_int(a, id),
	                              arena_printf(a, "porteur%d.demo@example.org", i + 1), now}) !=
	    1)
		return -1;
	return id;
}

static int demo_one(struct app *app, struct db *db, struct arena *a, int i, int64_t now)
{
	char iso[ISO_TIME_LEN + 1];
	struct project p = {0};
	static const enum project_action path[] = {PA_QUALIFY, PA_ORIENT};

	iso_time(now, iso);
	p.id = new_id(app->cfg);
	p.holder_id = demo_holder(app, db, a, i, iso);
	if (p.holder_id < 0)
		return -1;
	p.state = PS_SUBMITTED;
	p.title = demo[i].title;
	p.summary = demo[i].summary;
	p.sector = demo[i].sector;
	p.region = demo[i].region;
	p.city = demo[i].city;
	p.stage = demo[i].stage;
	p.investment = demo[i].investment;
	p.equity_percent = demo[i].equity;
	p.jobs = demo[i].jobs;
	p.needs = demo[i].needs;
	if (project_insert(db, a, &p, iso, now, new_id(app->cfg)) < 0)
		return -1;
	for (int k = 0; k < demo[i].steps; k++)
		if (project_move(db, a, &p, path[k], 0, "",
		                 k + 1 == demo[i].steps ? demo[i].note : "", iso, now,
		                 new_id(app->cfg)) != 1)
			return -1;
	return 1 + demo[i].steps;
}

struct project_demo {
	struct app *app;
	struct arena a;
	int64_t now;
};

static int project_demo_one(struct db *db, void *ud, size_t i)
{
	struct project_demo *d = ud;
	return demo_one(d->app, db, &d->a, (int)i, d->now);
}

int projects_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen)
{
	struct project_demo d = {app, ARENA_INIT, now};
	int64_t count;
	int rows;

	if (db_query_int(db, "SELECT COUNT(*) FROM projects", 0, NULL, &count) != DB_OK) {
		snprintf(err, errlen, "demo dossiers: %s", db_errmsg(db));
		return -1;
	}
	if (count > 0)
		return 0;
	rows = sql_tx_each(db, sizeof(demo) / sizeof(demo[0]), project_demo_one, &d,
	                   "demo dossiers", err, errlen);
	arena_free(&d.a);
	return rows;
}
