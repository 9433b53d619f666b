/* discussion_demo: a few threads with replies in the demo networks, in
 * Arabic, French and English, written by members of each network (`kafaat
 * demo`, second phase; discussions.h). Deterministic: the n-th member of a
 * network by id writes the n-th post; times are days before now. */
#include <stdio.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/discussions.h"
#include "app/sql.h"
#include "db/db.h"

#define DEMO_REPLIES 3

struct demo_thread {
	const char *network;
	int days_ago; /* when it was opened */
	const char *title, *opening;
	const char *replies[DEMO_REPLIES]; /* NULL: fewer */
};

static const struct demo_thread demo[] = {
        {"europe",
         12,
         "Missions courtes au Maroc : vos retours d'expérience",
         "Bonjour à tous,\nJ'ai effectué en mai une mission de deux semaines auprès d'un centre "
         "hospitalier régional. Qui d'autre a fait une mission courte ? Comment avez-vous "
         "organisé le congé avec votre employeur ?",
         {"Deux missions de dix jours avec une agence régionale. J'ai posé des congés sans solde ; "
          "mon employeur a accepté car la mission était datée longtemps à l'avance.",
          "Conseil pratique : préparez les documents de la mission avant d'arriver, les premiers "
          "jours passent vite.",
          "Merci pour ces retours, très utiles."}},
        {"europe",
         5,
         "التعاون مع الجامعات المغربية عن بعد",
         "السلام عليكم،\nهل لدى أحدكم تجربة في تأطير طلبة الدكتوراه في جامعة مغربية عن بعد؟ "
         "أبحث عن نصائح حول تنظيم اللقاءات والاتفاقيات.",
         {"أشرف على طالبين في فاس منذ سنة. لقاء شهري عبر الفيديو يكفي إذا كانت الأهداف واضحة.",
          "من المفيد توقيع اتفاقية بين المختبرين منذ البداية، فهي تسهل التنقلات والنشر المشترك.",
          NULL}},
        {"north-america",
         9,
         "Tax questions when working on a mission in Morocco",
         "Hello everyone,\nFor those of you based in Canada or the US: how did you handle taxes "
         "for a paid mission in Morocco? Any advice before I accept one?",
         {"Keep every contract and payment record; my accountant needed them for the foreign "
          "income credit.",
          "The programme team pointed me to the tax treaty between Canada and Morocco, worth "
          "reading first.",
          NULL}},
        {"north-america",
         3,
         "Rencontre à Montréal en janvier ?",
         "Plusieurs membres sont à Montréal : une rencontre informelle en janvier vous "
         "intéresserait-elle ?",
         {"Avec plaisir, plutôt un samedi.", NULL, NULL}},
        {"doctors",
         7,
         "Télé-expertise avec les hôpitaux régionaux",
         "Quelqu'un a-t-il participé à des séances de télé-expertise avec un hôpital marocain ? "
         "Quels outils et quel cadre légal ?",
         {"Oui, en cardiologie avec un CHU. Les séances passaient par la plateforme de "
          "l'hôpital ; le consentement des patients était recueilli sur place.",
          "En dermatologie, nous envoyons des photos via un outil sécurisé choisi par l'hôpital, "
          "jamais par messagerie personnelle.",
          NULL}},
        {"aeronautics",
         6,
         "Training technicians in Casablanca's aerospace cluster",
         "I have been asked to run a short course on composite repair for technicians. Has "
         "anyone taught in the cluster before? What level should I expect?",
         {"Very solid practical level; bring real parts, the theory goes fast.",
          "Ask the institution for the list of equipment in advance, it saves a day.", NULL}},
        {"lawyers",
         4,
         "المساعدة القانونية لمغاربة العالم",
         "نفكر في تنظيم استشارات قانونية مجانية عن بعد لفائدة مغاربة العالم في قضايا الأسرة "
         "والإرث. من يرغب في المشاركة؟",
         {"أنا مستعدة للمشاركة ساعتين في الشهر، خاصة في قضايا الإرث.",
          "فكرة جيدة. يجب الاتفاق أولًا على حدود الاستشارة حتى لا تتحول إلى توكيل.", NULL}},
        {"singapore",
         8,
         "Connecting Moroccan start-ups with Asian investors",
         "Some of us work in venture capital in Singapore. Would a monthly call with Moroccan "
         "project holders be useful?",
         {"Yes, and the project holders' dossiers on Kafaat would help us prepare.", NULL, NULL}},
};

struct run {
	struct db *db;
	struct arena a;
	const struct config *cfg;
	int64_t now;
	int rows;
};

/* The members of network, by id, at most max: how many, or -1. */
static int members_of(struct run *r, const char *network, int64_t *out, int max)
{
	struct db_stmt *st = db_prepare(
	        r->db,
	        "SELECT user_id FROM network_members WHERE network = $1 AND state = 'member' "
	        "ORDER BY user_id");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_text(st, 1, network) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			if (n < max)
				out[n++] = db_col_int(st, 0);
	db_finalize(st);
	return rc == DB_OK ? n : -1;
}

static int add_post(struct run *r, int64_t thread, int64_t author, const char *body, const char *at)
{
	const char *t = sql_int(&r->a, thread), *u = sql_int(&r->a, author);

	if (sql_exec(r->db,
	             "INSERT INTO discussion_posts (id, thread_id, author_id, body, created_at) "
	             "VALUES ($1, $2, $3, $4, $5)",
	             5, (const char *[]){sql_int(&r->a, new_id(r->cfg)), t, u, body, at}) != 1 ||
	    sql_exec(r->db,
	             "INSERT INTO discussion_follows (thread_id, user_id, following, updated_at) "
	             "VALUES ($1, $2, 1, $3) ON CONFLICT (thread_id, user_id) DO NOTHING",
	             3, (const char *[]){t, u, at}) < 0)
		return -1;
	r->rows += 2;
	return 0;
}

static int load_one(struct run *r, const struct demo_thread *d)
{
	int64_t people[DEMO_REPLIES + 1], id = new_id(r->cfg);
	int n = members_of(r, d->network, people, DEMO_REPLIES + 1), posts = 1;
	char at[ISO_TIME_LEN + 1], last[ISO_TIME_LEN + 1];

	if (n < 0)
		return -1;
	if (n < 2)
		return 0; /* a network without two members: no conversation */
	for (int i = 0; i < DEMO_REPLIES && d->replies[i]; i++)
		posts++;
	iso_time(r->now - (int64_t)d->days_ago * 86400, at);
	iso_time(r->now - (int64_t)d->days_ago * 86400 + (int64_t)(posts - 1) * 5 * 3600, last);
	if (sql_exec(r->db,
	             "INSERT INTO discussion_threads (id, network, author_id, title, post_count, "
	             "created_at, last_post_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	             7,
	             (const char *[]){sql_int(&r->a, id), d->network, sql_int(&r->a, people[0]),
	                              d->title, sql_int(&r->a, posts), at, last}) != 1)
		return -1;
	r->rows++;
	if (add_post(r, id, people[0], d->opening, at) < 0)
		return -1;
	for (int i = 0; i < DEMO_REPLIES && d->replies[i]; i++) {
		iso_time(r->now - (int64_t)d->days_ago * 86400 + (int64_t)(i + 1) * 5 * 3600, at);
		if (add_post(r, id, people[(i + 1) % n], d->replies[i], at) < 0)
			return -1;
	}
	return 0;
}

/* Item i of the table, for sql_tx_each (r counts the rows). */
static int demo_each(struct db *db, void *ud, size_t i)
{
	(void)db; /* the run's own */
	return load_one(ud, &demo[i]);
}

int discussions_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen)
{
	struct run r = {db, ARENA_INIT, app->cfg, now, 0};
	int64_t have = 0;
	int rc = 0;

	if (db_query_int(db, "SELECT COUNT(*) FROM discussion_threads", 0, NULL, &have) != DB_OK) {
		snprintf(err, errlen, "discussions: %s", db_errmsg(db));
		return -1;
	}
	if (have > 0)
		return 0; /* only into an installation without discussions */
	rc = sql_tx_each(db, sizeof(demo) / sizeof(demo[0]), demo_each, &r, "discussions", err,
	                 errlen);
	arena_free(&r.a);
	return rc < 0 ? -1 : r.rows;
}
