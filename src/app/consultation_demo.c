/* consultation_demo: the consultations of `kafaat demo` (consultations.h:
 * consultations_demo_load).
 *
 * Two consultations, written through the model as an author would: one of
 * the europe network (its first coordinator writes it), opened a month
 * ago, answered by its members (every third one anonymously), closed and
 * published; and one open to every expert, running until two weeks from
 * now, without answers yet. Answers follow from the members' order (no
 * randomness but the response ids). Nobody is notified: this is history,
 * not news. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/consultations.h"
#include "app/sql.h"
#include "core/arena.h"
#include "core/parse.h"
#include "db/db.h"

#define DAY 86400
#define ANSWERS_MAX 60 /* members of the network who answer */

struct demo_question {
	enum cons_kind kind;
	int required;
	const char *prompt, *options, *low, *high;
};

struct demo_consultation {
	enum cons_audience audience;
	const char *value;
	int opens, closes; /* days from today */
	int publish, public_results;
	const char *title[LANG_COUNT], *intro[LANG_COUNT];
	struct demo_question q[3];
};

static const struct demo_consultation demo[] = {
        {CA_NETWORK,
         "europe",
         -30,
         -10,
         1,
         1,
         {"أولويات شبكة أوروبا لسنة 2027", "Priorités du réseau Europe pour 2027",
          "Priorities of the Europe network for 2027"},
         {"ساعدونا على اختيار المجالات التي ينبغي أن تركز عليها الشبكة السنة المقبلة.",
          "Aidez-nous à choisir les domaines sur lesquels le réseau portera ses efforts l’an "
          "prochain : rencontres, missions, accompagnement des projets de retour.",
          "Help us choose where the network should focus next year: meetings, missions, "
          "support for return projects."},
         {{CK_CHOICE, 1, "Quel domaine le réseau doit-il privilégier en 2027 ?",
           "Santé et protection sociale\nÉducation et formation\nTransition numérique\nEau et "
           "énergie",
           "", ""},
          {CK_SCALE, 0, "Les rencontres du réseau vous sont-elles utiles ?", "", "Pas du tout",
           "Tout à fait"},
          {CK_TEXT, 0, "Une idée pour le réseau ?", "", "", ""}}},
        {CA_EVERYONE,
         "",
         -2,
         12,
         0,
         1,
         {"كيف تفضلون المساهمة في البرنامج؟", "Comment préférez-vous contribuer au programme ?",
          "How would you rather contribute to the programme?"},
         {"نرغب في معرفة صيغ المساهمة التي تناسبكم أكثر لتكييف عروض البرنامج.",
          "Nous voulons savoir quelles formes de contribution vous conviennent le mieux, pour "
          "adapter les offres du programme.",
          "We want to know which ways of contributing suit you best, to shape the programme's "
          "offers."},
         {{CK_CHOICE, 1, "Quelle forme de mission vous convient le mieux ?",
           "Mission ponctuelle sur place\nMission à distance\nMentorat de longue durée", "", ""},
          {CK_TEXT, 0, "Qu’est-ce qui vous empêche aujourd’hui de contribuer ?", "", "", ""},
          {CK_COUNT, 0, NULL, NULL, NULL, NULL}}},
};

static const char *const texts[] = {
        "Des rencontres en ligne chaque mois, à des heures qui conviennent à plusieurs fuseaux.",
        "تنظيم زيارات ميدانية لمؤسسات عمومية مع أعضاء الشبكة.",
        "A mentoring scheme pairing young graduates in Morocco with members abroad.",
        "Un annuaire des projets de retour, avec leurs besoins concrets.",
};

/* The members of network slug, at most max, smallest ids first: how many. */
static int members(struct db *db, const char *slug, int64_t *ids, int max)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT user_id FROM network_members WHERE network = $1 "
	                       "AND state = 'member' ORDER BY user_id");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_text(st, 1, slug) == DB_OK)
		while (n < max && (rc = db_step(st)) == DB_ROW)
			ids[n++] = db_col_int(st, 0);
	db_finalize(st);
	return rc < 0 ? -1 : n;
}

/* The members answer c (q: its questions), as of who->now. */
static int answer_all(struct db *db, struct arena *a, struct cons_actor *who,
                      const struct consultation *c, const struct cons_question *q, int nq)
{
	int64_t ids[ANSWERS_MAX];
	int n = members(db, c->audience_value, ids, ANSWERS_MAX), rows = 0;

	for (int i = 0; i < n; i++) {
		struct cons_answer ans[CONS_QUESTIONS_MAX] = {{0}};
		enum cons_outcome out;
		for (int j = 0; j < nq; j++) {
			if (q[j].kind == CK_CHOICE)
				ans[j].choice = 1 + (i * 7 + i / 3) % q[j].noptions;
			else if (q[j].kind == CK_SCALE && i % 5 != 4)
				ans[j].scale = 1 + (i * 3 + 2) % CONS_SCALE_MAX;
			else if (q[j].kind == CK_TEXT && i % 4 == 1)
				ans[j].text =
				        texts[(i / 4) % (int)(sizeof(texts) / sizeof(texts[0]))];
		}
		who->user_id = ids[i];
		if (cons_answer(db, a, who, c, q, nq, ans, i % 3 == 2, &out) < 0)
			return -1;
		rows += out == CO_SAVED;
	}
	return n < 0 ? -1 : rows;
}

/* Writes consultation d; the rows written, or -1. */
static int load_one(struct app *app, struct db *db, struct arena *a, int64_t now, int64_t author,
                    const struct demo_consultation *d)
{
	struct cons_actor who = {app, author, "", now + (int64_t)d->opens * DAY};
	struct consultation c = {0};
	struct cons_question q[CONS_QUESTIONS_MAX];
	int nq, rows = 1, answered = 0;

	c.lang = LANG_FR;
	for (int l = 0; l < LANG_COUNT; l++) {
		c.title[l] = d->title[l];
		c.intro[l] = d->intro[l];
	}
	c.audience = d->audience;
	c.audience_value = d->value;
	c.opens_on = cons_day(a, now + (int64_t)d->opens * DAY);
	c.closes_on = cons_day(a, now + (int64_t)d->closes * DAY);
	c.public_results = d->public_results;
	if (cons_insert(db, a, &who, &c) < 0)
		return -1;
	for (int i = 0; i < 3 && d->q[i].prompt; i++) {
		struct cons_question x = {0};
		struct cons_issues is = {0};
		struct cons_question_form f = {cons_kind_name(d->q[i].kind),
		                               d->q[i].prompt,
		                               d->q[i].required ? "1" : "",
		                               d->q[i].options,
		                               d->q[i].low,
		                               d->q[i].high};
		cons_question_read(a, &f, &x, &is);
		if (is.count || cons_load(db, a, c.id, &c) != 1 ||
		    cons_question_add(db, a, &who, &c, &x) != 1)
			return -1;
		rows++;
	}
	/* opened quietly: the demo's audience is not told of the past */
	if (sql_exec(
	            db,
	            "UPDATE consultations SET state = 'open', sequence = sequence + 1, opened_at = "
	            "created_at WHERE id = $1",
	            1, (const char *[]){sql_int(a, c.id)}) != 1 ||
	    cons_load(db, a, c.id, &c) != 1 || (nq = cons_questions(db, a, c.id, q)) < 0)
		return -1;
	if (!d->publish)
		return rows;
	if (d->audience == CA_NETWORK && (answered = answer_all(db, a, &who, &c, q, nq)) < 0)
		return -1;
	who.user_id = author;
	who.now = now + (int64_t)d->closes * DAY + DAY / 2;
	if (cons_load(db, a, c.id, &c) != 1 ||
	    cons_step(db, a, &who, &c, cons_transition_find("close", CP_OPEN)) != 1 ||
	    sql_exec(db,
	             "UPDATE consultations SET state = 'published', sequence = sequence + 1, "
	             "published_at = $2 WHERE id = $1 AND state = 'closed'",
	             2, (const char *[]){sql_int(a, c.id), cons_day(a, who.now)}) != 1)
		return -1;
	return rows + answered;
}

int consultations_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen)
{
	struct arena a = ARENA_INIT;
	int64_t have = 0, members_n = 0;
	const char *author[1] = {NULL};
	int rc = 0, rows = 0;

	if (db_query_int(db, "SELECT COUNT(*) FROM consultations", 0, NULL, &have) != DB_OK ||
	    db_query_int(db, "SELECT COUNT(*) FROM network_members WHERE network = 'europe'", 0,
	                 NULL, &members_n) != DB_OK) {
		snprintf(err, errlen, "consultations: %s", db_errmsg(db));
		return -1;
	}
	if (have > 0 || members_n == 0)
		return 0; /* only into an installation with members and no consultation */
	if (sql_row(db, &a,
	            "SELECT MIN(user_id) FROM user_roles WHERE role = 'coordinator' AND scope = "
	            "'europe'",
	            0, NULL, author, 1) < 0 ||
	    db_begin(db) != DB_OK)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < sizeof(demo) / sizeof(demo[0]); i++) {
		int64_t id = 0;
		if (author[0] && parse_int64(author[0], 1, INT64_MAX, &id) < 0)
			id = 0;
		int n = load_one(app, db, &a, now, id, &demo[i]);
		rc = n < 0 ? -1 : 0;
		rows += n > 0 ? n : 0;
	}
	if (rc == 0 && db_commit(db) != DB_OK)
		rc = -1;
	if (rc < 0) {
		snprintf(err, errlen, "consultations: %s", db_errmsg(db));
		db_rollback(db);
	}
	arena_free(&a);
	return rc < 0 ? -1 : rows;
}
