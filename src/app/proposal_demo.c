/* proposal_demo: demo proposals for `kafaat demo` (proposals.h): ideas and
 * initiatives in the three languages by demo experts, with supports, a
 * comment and answers of the programme team at each status, and one left
 * unanswered long enough for the flag job to raise it. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/proposals.h"
#include "app/sql.h"

#define DAY 86400

static const struct {
	const char *title, *body, *kind, *sector; /* sector "": the programme */
	int age_days;                             /* submitted this long ago */
	int supports;                             /* by the next experts */
	const char *comment;                      /* by the next expert, or NULL */
	enum proposal_status steps[2];            /* answers, PROP_RECEIVED: none */
	const char *answers[2];
} demo[] = {
        {"Un guichet unique pour les missions courtes des médecins",
         "Les médecins de la diaspora qui viennent opérer ou former pendant une ou deux "
         "semaines passent plus de temps en formalités qu'au bloc.\nUn guichet unique au "
         "ministère de la Santé regrouperait l'autorisation d'exercice temporaire, "
         "l'assurance et l'accueil à l'hôpital.",
         "initiative",
         "health",
         20,
         3,
         "Excellente idée : à Lyon, nous sommes une vingtaine à attendre ce type de guichet.",
         {PROP_UNDER_STUDY, PROP_RECEIVED},
         {"Nous étudions la faisabilité avec la direction des ressources humaines du ministère "
          "de la Santé ; réponse attendue dans deux mois.",
          NULL}},
        {"توأمة الجامعات المغربية مع جامعات بلدان الإقامة",
         "يدرّس كثير من الأساتذة المغاربة في جامعات أوروبا وكندا. نقترح برنامج توأمة يتيح "
         "لهم تقديم دروس عن بعد وتأطير أطروحات في الجامعات المغربية.",
         "idea",
         "education",
         60,
         2,
         NULL,
         {PROP_UNDER_STUDY, PROP_ADOPTED},
         {"نعمل على إعداد الاتفاقيات الأولى مع ثلاث جامعات.",
          "تم اعتماد المقترح: ستنطلق أول توأمة في الدخول الجامعي المقبل بين جامعة ابن زهر "
          "وجامعة في بوردو."}},
        {"Open data on water resources for diaspora engineers",
         "Hydrologists and water engineers abroad could help model the basins under stress "
         "if the measurements of the river basin agencies were published as open data.",
         "idea",
         "water",
         40,
         1,
         NULL,
         {PROP_RECEIVED, PROP_RECEIVED},
         {NULL, NULL}},
        {"Des mentors pour les jeunes diplômés en recherche d'emploi",
         "Chaque expert inscrit pourrait suivre deux jeunes diplômés pendant six mois : "
         "relecture du CV, préparation aux entretiens, mise en relation.",
         "initiative",
         "",
         30,
         0,
         NULL,
         {PROP_NOT_RETAINED, PROP_RECEIVED},
         {"Non retenue sous cette forme : l'ANAPEC mène déjà un programme de parrainage ; "
          "nous vous mettons en relation avec son équipe pour y contribuer.",
          NULL}},
};

#define DEMO_COUNT (sizeof(demo) / sizeof(demo[0]))

/* The ids of up to max experts, in a stable order: how many, or -1. */
static int experts(struct db *db, int64_t *out, int max)
{
	struct db_stmt *st = db_prepare(db, "SELECT user_id FROM user_roles WHERE role = 'expert' "
	                                    "ORDER BY user_id LIMIT 12");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st)
		while (n < max && (rc = db_step(st)) == DB_ROW)
			out[n++] = db_col_int(st, 0);
	db_finalize(st);
	return rc == DB_ROW || rc == DB_OK ? n : -1;
}

static int demo_one(struct app *app, struct db *db, struct arena *a, size_t i,
                    const int64_t *people, int n, int64_t now)
{
	char at[ISO_TIME_LEN + 1];
	struct proposal p = {0};
	int rows = 1;
	int64_t t = now - (int64_t)demo[i].age_days * DAY;

	iso_time(t, at);
	p.id = new_id(app->cfg);
	p.author_id = people[i % (size_t)n];
	p.kind = demo[i].kind;
	p.sector = demo[i].sector;
	p.title = demo[i].title;
	p.body = demo[i].body;
	p.status = PROP_RECEIVED;
	if (proposal_insert(db, &p, at, a) < 0)
		return -1;
	for (int k = 1; k <= demo[i].supports && k < n; k++) {
		iso_time(t + k * DAY, at);
		if (proposal_support_add(db, a, p.id, people[(i + (size_t)k) % (size_t)n], at) < 0)
			return -1;
		rows++;
	}
	if (demo[i].comment && n > 1) {
		iso_time(t + 2 * DAY, at);
		if (proposal_comment_add(db, a, new_id(app->cfg), p.id, people[(i + 1) % (size_t)n],
		                         demo[i].comment, at) < 0)
			return -1;
		rows++;
	}
	for (int k = 0; k < 2 && demo[i].steps[k] != PROP_RECEIVED; k++) {
		iso_time(t + (int64_t)(5 + 10 * k) * DAY, at);
		if (proposal_answer(db, a, &p, demo[i].steps[k], new_id(app->cfg), 0,
		                    demo[i].answers[k], at) != 1)
			return -1;
		rows++;
	}
	return rows;
}

struct proposal_demo {
	struct app *app;
	struct arena a;
	int64_t now, people[12];
	int n;
};

static int proposal_demo_one(struct db *db, void *ud, size_t i)
{
	struct proposal_demo *d = ud;
	return demo_one(d->app, db, &d->a, i, d->people, d->n, d->now);
}

int proposals_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen)
{
	struct proposal_demo d = {app, ARENA_INIT, now, {0}, 0};
	int64_t count;
	int rows;

	if (db_query_int(db, "SELECT COUNT(*) FROM proposals", 0, NULL, &count) != DB_OK ||
	    (count == 0 && (d.n = experts(db, d.people, 12)) < 0)) {
		snprintf(err, errlen, "demo proposals: %s", db_errmsg(db));
		return -1;
	}
	if (count > 0 || d.n == 0)
		return 0; /* loaded already, or no demo experts: nobody to propose */
	rows = sql_tx_each(db, DEMO_COUNT, proposal_demo_one, &d, "demo proposals", err, errlen);
	arena_free(&d.a);
	return rows;
}
