/* plan_jobs: telling the programme team of plans behind their pace (run
 * with the engagements' jobs on the mail sender's thread, deadlines.c) and
 * the demo plans (plans.h). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/notify.h"
#include "app/plans.h"
#include "app/sql.h"
#include "core/log.h"

#define DAY 86400

struct flag {
	struct app *app;
	struct arena *a;
	const struct plan *p;
	const char *now, *before; /* ISO: now, and now - PLAN_FLAG_DAYS */
	int done;
};

/* One plan: marked (conditional on not being marked since `before`, so a
 * second node finds nothing to do) and the programme team told. */
static int flag_tx(struct db *db, void *ud)
{
	struct flag *f = ud;
	const char *id = sql_int(f->a, f->p->id), *name[3];
	int64_t rc = sql_exec(db,
	                      "UPDATE plans SET flagged_at = $2 WHERE id = $1 AND (flagged_at IS "
	                      "NULL OR flagged_at <= $3)",
	                      3, (const char *[]){id, f->now, f->before});

	if (rc <= 0)
		return rc < 0 ? -1 : (f->done = 0);
	f->done = 1;
	/* the institution named in each reader's language (notify.h: name@LL) */
	if (sql_row(db, f->a, "SELECT name_ar, name_fr, name_en FROM institutions WHERE id = $1", 1,
	            (const char *[]){sql_int(f->a, f->p->institution_id)}, name, 3) != 1)
		return -1;
	const char *vars[] = {"institution@ar",
	                      name[0] ? name[0] : "",
	                      "institution@fr",
	                      name[1] ? name[1] : "",
	                      "institution@en",
	                      name[2] ? name[2] : "",
	                      "year",
	                      sql_int(f->a, f->p->year),
	                      NULL};
	return notify_programme(f->app, db, "plan.behind", "/admin/plans", vars);
}

int plans_flag_run(struct app *app, struct db *db, int64_t now)
{
	char iso[ISO_TIME_LEN + 1], before[ISO_TIME_LEN + 1];
	struct arena a = ARENA_INIT;
	struct plan *ps;
	struct plan_progress g;
	int n, total = 0;

	iso_time(now, iso);
	iso_time(now - (int64_t)PLAN_FLAG_DAYS * DAY, before);
	if (plans_list(db, &a, LANG_FR, 0, plan_year_of(now), &ps, &n) < 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		struct flag f = {app, &a, &ps[i], iso, before, 0};
		if (ps[i].flagged_at && strcmp(ps[i].flagged_at, before) > 0)
			continue;
		if (plan_progress(db, &ps[i], now, app->cfg->plans_behind_percent, &g) < 0)
			goto fail;
		if (!g.behind)
			continue;
		if (sql_tx(app->pool, flag_tx, &f) < 0)
			goto fail;
		total += f.done;
	}
	arena_free(&a);
	if (total > 0)
		log_info("plans: %d plan(s) behind their pace flagged", total);
	return total;
fail:
	log_error("plans: flagging: %s", db_errmsg(db));
	arena_free(&a);
	return -1; /* the next run tries again */
}

/* ---- Demo plans ------------------------------------------------------------------------ */

/* The demo's ministry (data/demo/institutions.tsv), with plans for this
 * year and the next, and two institutions added here with a plan for this
 * year each. The demo's needs carry no publication event, so this year's
 * plans fall behind their pace as the year goes by; next year's is not
 * started. Sector and skill ids of the reference data (data/sectors.tsv,
 * data/skills.tsv). */
static const struct {
	int64_t institution;
	int year; /* after the current one */
	const char *kind, *name_ar, *name_fr, *name_en, *description;
	int needs, experts;
	const char *focal_name, *focal_title, *focal_email;
	const char *sectors[2], *skills[3];
} demo[] = {
        {9001,
         0,
         NULL,
         NULL,
         NULL,
         NULL,
         NULL,
         4,
         3,
         "Salma Bennani",
         "Cheffe de la division des partenariats",
         "s.bennani.demo@example.org",
         {"digital", "public-administration"},
         {"digital-transformation", "cybersecurity", "data-protection-law"}},
        {9001,
         1,
         NULL,
         NULL,
         NULL,
         NULL,
         NULL,
         8,
         6,
         "Salma Bennani",
         "Cheffe de la division des partenariats",
         "s.bennani.demo@example.org",
         {"digital", NULL},
         {"digital-transformation", "cybersecurity", NULL}},
        {9004,
         0,
         "public_establishment",
         "مكتب الطاقات المتجددة",
         "Office des énergies renouvelables",
         "Renewable Energy Office",
         "L'office développe les centrales solaires et éoliennes et forme les techniciens qui "
         "les exploitent.",
         12,
         8,
         "يوسف العلوي",
         "رئيس قسم الشراكات",
         "y.alaoui.demo@example.org",
         {"energy", NULL},
         {"solar-photovoltaic", "wind-energy", "concentrated-solar-power"}},
        {9005,
         0,
         "ministry",
         "مديرية الصحة الرقمية",
         "Direction de la santé numérique",
         "Digital Health Directorate",
         "La direction conduit le dossier médical partagé et la télémédecine dans les centres "
         "de santé ruraux.",
         10,
         15,
         "Nadia Chraibi",
         "Chargée de mission",
         "n.chraibi.demo@example.org",
         {"health", "digital"},
         {"telemedicine", "health-information-systems", NULL}},
};

/* Institution i of the demo, when the demo data does not have it. */
static int demo_institution(struct db *db, struct arena *a, size_t i, const char *now)
{
	if (!demo[i].kind)
		return 0;
	return sql_exec(db,
	                "INSERT INTO institutions (id, kind, name_ar, name_fr, name_en, "
	                "description, website, created_at, verified_at) VALUES ($1, $2, $3, $4, "
	                "$5, $6, '', $7, $7) ON CONFLICT (id) DO NOTHING",
	                7,
	                (const char *[]){sql_int(a, demo[i].institution), demo[i].kind,
	                                 demo[i].name_ar, demo[i].name_fr, demo[i].name_en,
	                                 demo[i].description, now}) < 0
	               ? -1
	               : 0;
}

static int demo_plan(struct app *app, struct db *db, struct arena *a, size_t i, int64_t now)
{
	char iso[ISO_TIME_LEN + 1];
	struct plan p = {0};
	int64_t found = 0;

	iso_time(now, iso);
	if (db_query_int(db, "SELECT COUNT(*) FROM institutions WHERE id = $1", 1,
	                 (const char *[]){sql_int(a, demo[i].institution)}, &found) != DB_OK)
		return -1;
	if (!found && !demo[i].kind)
		return 0; /* the demo data was not loaded: no ministry to plan for */
	if (demo_institution(db, a, i, iso) < 0)
		return -1;
	p.id = new_id(app->cfg);
	p.institution_id = demo[i].institution;
	p.year = plan_year_of(now) + demo[i].year;
	p.needs_target = demo[i].needs;
	p.experts_target = demo[i].experts;
	p.focal_name = demo[i].focal_name;
	p.focal_title = demo[i].focal_title;
	p.focal_email = demo[i].focal_email;
	for (int k = 0; k < 2 && demo[i].sectors[k]; k++)
		p.sectors[p.nsectors++] = demo[i].sectors[k];
	for (int k = 0; k < 3 && demo[i].skills[k]; k++)
		p.skills[p.nskills++] = demo[i].skills[k];
	return plan_insert(db, a, &p, 0, iso);
}

struct plan_demo {
	struct app *app;
	struct arena a;
	int64_t now;
};

static int plan_demo_one(struct db *db, void *ud, size_t i)
{
	struct plan_demo *d = ud;
	return demo_plan(d->app, db, &d->a, i, d->now);
}

int plans_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen)
{
	struct plan_demo d = {app, ARENA_INIT, now};
	int64_t count;
	int rows;

	if (db_query_int(db, "SELECT COUNT(*) FROM plans", 0, NULL, &count) != DB_OK) {
		snprintf(err, errlen, "demo plans: %s", db_errmsg(db));
		return -1;
	}
	if (count > 0)
		return 0;
	rows = sql_tx_each(db, sizeof(demo) / sizeof(demo[0]), plan_demo_one, &d, "demo plans", err,
	                   errlen);
	arena_free(&d.a);
	return rows;
}
