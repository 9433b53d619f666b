/* event_demo: demo events for `kafaat demo` (events.h). A few events per
 * demo network — one past, two upcoming, online and in person — written in
 * the networks' own zones, with titles and descriptions in the language of
 * the event; the network's members (if any) take seats, and attendance is
 * marked on the past ones. Everything follows from `now`: the same now
 * gives the same rows (but the ids, which follow creation time). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/events.h"
#include "app/sql.h"
#include "core/tz.h"

#define DAY 86400
#define MEMBERS_MAX 64 /* members of a network seated in the demo */

struct demo_event {
	const char *network;
	int day;          /* days from today (negative: past) */
	int hour, minute; /* local time in tz */
	int hours;        /* duration */
	const char *tz;
	const char *mode; /* "online" or "in_person" */
	const char *city, *address;
	const char *open_to;
	int capacity;
	const char *title, *description;
};

static const struct demo_event demo[] = {
        {"north-america", -21, 18, 30, 2, "America/Toronto", "in_person", "Montréal",
         "1100, boulevard René-Lévesque Ouest", "members", 40,
         "Rencontre d’automne des compétences marocaines de Montréal",
         "Présentation du programme, retours d’expérience de trois missions menées au Maroc, "
         "puis échanges autour d’un buffet."},
        {"north-america", 12, 12, 0, 1, "America/Toronto", "online", "", "", "everyone", 300,
         "Webinar: contributing to a public digital project in Morocco",
         "How ministries post their needs, how experts answer, and what a two-week remote "
         "mission looks like."},
        {"north-america", 40, 18, 0, 3, "America/Toronto", "in_person", "Toronto", "100 Queen St W",
         "members", 25, "Toronto networking evening",
         "An evening for members of the network living in Ontario: short talks and "
         "introductions."},
        {"europe", -14, 19, 0, 2, "Europe/Paris", "in_person", "Paris",
         "Maison du Maroc, Cité "
         "internationale universitaire",
         "members", 60, "Soirée des compétences à Paris",
         "Rencontre des membres du réseau en Île-de-France avec l’équipe du programme."},
        {"europe", 9, 18, 30, 2, "Europe/Brussels", "in_person", "Bruxelles", "Rue Royale 120",
         "members", 30, "Atelier : monter une mission d’expertise",
         "Du besoin publié à la mission : rédiger sa candidature, préparer le cadrage avec "
         "l’institution."},
        {"europe", 33, 12, 30, 1, "Europe/Paris", "online", "", "", "everyone", 500,
         "Webinaire : la santé numérique au Maroc",
         "Panorama des projets en cours et des compétences recherchées."},
        {"singapore", -30, 19, 0, 2, "Asia/Singapore", "in_person", "Singapore",
         "1 Fullerton Square", "members", 20, "Singapore members’ dinner",
         "An informal dinner for Moroccan professionals in Singapore."},
        {"singapore", 15, 20, 0, 1, "Asia/Singapore", "online", "", "", "everyone", 200,
         "Fintech in Morocco: where experts can help",
         "A conversation with the programme team about open needs in finance and payments."},
        {"lawyers", -7, 17, 0, 2, "Africa/Casablanca", "in_person", "Casablanca",
         "Boulevard d’Anfa", "members", 35, "Table ronde : le droit des affaires et la diaspora",
         "Échanges entre avocats de la diaspora et praticiens marocains."},
        {"lawyers", 20, 18, 0, 2, "Africa/Casablanca", "online", "", "", "members", 100,
         "ندوة: التحكيم التجاري الدولي",
         "لقاء عن بُعد حول دور المحامين المغاربة بالخارج في التحكيم التجاري."},
        {"doctors", -10, 18, 0, 2, "Africa/Casablanca", "in_person", "Rabat", "Avenue Mohammed V",
         "members", 50, "لقاء الأطباء المغاربة بالخارج",
         "تبادل التجارب حول الطب عن بُعد والتكوين المستمر."},
        {"doctors", 25, 20, 0, 1, "Europe/Paris", "online", "", "", "members", 150,
         "Webinaire : la télémédecine en zones rurales",
         "Retour sur les missions menées avec les centres hospitaliers régionaux."},
        {"aeronautics", -18, 18, 0, 2, "America/Toronto", "in_person", "Montréal",
         "1000, rue De La Gauchetière Ouest", "members", 30, "Aéronautique : du Québec au Maroc",
         "Rencontre des ingénieurs de l’aéronautique autour des projets industriels au Maroc."},
        {"aeronautics", 28, 18, 30, 2, "Europe/Paris", "in_person", "Toulouse", "Place du Capitole",
         "members", 40, "Soirée aéronautique à Toulouse",
         "Présentations de membres du réseau et des besoins des écoles d’ingénieurs."},
};

struct demo_run {
	struct app *app;
	struct db *db;
	struct arena a;
	int64_t now;
	int rows;
};

static const char *iso(struct arena *a, int64_t t)
{
	char s[ISO_TIME_LEN + 1];

	iso_time(t, s);
	return arena_strdup(a, s);
}

/* The instant of d's local start: today (in its zone) + d->day at its hour. */
static int start_of(const struct demo_event *d, int64_t now, int64_t *t)
{
	const struct tz *z = event_zone(d->tz);
	struct tz_civil c;
	int32_t off;

	if (!z)
		return -1;
	tz_offset_at(z, now + (int64_t)d->day * DAY, &off, NULL);
	tz_civil(now + (int64_t)d->day * DAY, off, &c);
	if (tz_local_to_utc(z, c.year, c.month, c.day, d->hour, d->minute, t) == TZ_OK)
		return 0;
	return tz_local_to_utc(z, c.year, c.month, c.day, d->hour + 1, d->minute, t) == TZ_OK ? 0
	                                                                                      : -1;
}

/* Members of the network, by id: how many (at most max), or -1. */
static int members(struct demo_run *r, const char *slug, int64_t *ids, int max)
{
	struct db_stmt *st = db_prepare(r->db, "SELECT user_id FROM network_members WHERE network "
	                                       "= $1 AND state = 'member' ORDER BY user_id");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_text(st, 1, slug) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			if (n < max)
				ids[n++] = db_col_int(st, 0);
	db_finalize(st);
	return rc < 0 ? -1 : n;
}

/* Seats for the first members (all of them when the event is past or the
 * first upcoming of its network), attendance on past events. */
static int seat_members(struct demo_run *r, const struct demo_event *d, int64_t id, int64_t start)
{
	int64_t ids[MEMBERS_MAX];
	int n = members(r, d->network, ids, MEMBERS_MAX), seated = 0;
	const char *eid = sql_int(&r->a, id);

	if (n < 0)
		return -1;
	for (int i = 0; i < n && seated < d->capacity; i++) {
		const char *when = iso(&r->a, start - (int64_t)(14 - i % 7) * DAY);
		char queued[40];
		snprintf(queued, sizeof(queued), "%.19s.%06dZ", when, i);
		const char *attended = d->day < 0 ? (i % 4 == 3 ? "0" : "1") : NULL;
		if (sql_exec(
		            r->db,
		            "INSERT INTO event_registrations (event_id, user_id, state, queued_at, "
		            "updated_at, attended) VALUES ($1, $2, 'registered', $3, $3, $4)",
		            4,
		            (const char *[]){eid, sql_int(&r->a, ids[i]), queued, attended}) != 1)
			return -1;
		seated++;
		r->rows++;
	}
	return sql_exec(r->db, "UPDATE events SET seats_taken = $2 WHERE id = $1", 2,
	                (const char *[]){eid, sql_int(&r->a, seated)}) == 1
	               ? 0
	               : -1;
}

static int insert_one(struct demo_run *r, const struct demo_event *d)
{
	int64_t start, id = new_id(r->app ? r->app->cfg : NULL), n = 0;
	const char *row[1];
	int rc;

	if (db_query_int(r->db, "SELECT COUNT(*) FROM networks WHERE slug = $1", 1,
	                 (const char *[]){d->network}, &n) != DB_OK)
		return -1;
	if (n == 0)
		return 0; /* not a network of this installation */
	if (start_of(d, r->now, &start) < 0)
		return -1;
	rc = sql_row(
	        r->db, &r->a,
	        "SELECT MIN(user_id) FROM user_roles WHERE role = 'coordinator' AND scope = $1", 1,
	        (const char *[]){d->network}, row, 1);
	if (rc < 0)
		return -1;
	if (sql_exec(r->db,
	             "INSERT INTO events (id, network, title, description, mode, city, address, "
	             "online_url, open_to, tz, starts_at, ends_at, registration_closes_at, "
	             "capacity, "
	             "created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
	             "$9, "
	             "$10, $11, $12, $11, $13, $14, $15, $15)",
	             15,
	             (const char *[]){sql_int(&r->a, id), d->network, d->title, d->description,
	                              d->mode, d->city, d->address,
	                              strcmp(d->mode, "online") == 0
	                                      ? "https://meet.example.org/kafaat-demo"
	                                      : "",
	                              d->open_to, d->tz, iso(&r->a, start),
	                              iso(&r->a, start + (int64_t)d->hours * 3600),
	                              sql_int(&r->a, d->capacity), rc == 1 ? row[0] : NULL,
	                              iso(&r->a, r->now - 60 * DAY)}) != 1)
		return -1;
	r->rows++;
	return d->day < 15 ? seat_members(r, d, id, start) : 0; /* past and near ones */
}

/* Item i of the table, for sql_tx_each (r counts the rows). */
static int demo_each(struct db *db, void *ud, size_t i)
{
	(void)db; /* the run's own */
	return insert_one(ud, &demo[i]);
}

int events_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen)
{
	struct demo_run r = {app, db, ARENA_INIT, now, 0};
	int64_t have = 0;
	int rc = 0;

	if (db_query_int(db, "SELECT COUNT(*) FROM events", 0, NULL, &have) != DB_OK) {
		snprintf(err, errlen, "events: %s", db_errmsg(db));
		return -1;
	}
	if (have > 0)
		return 0; /* only into an installation without events */
	rc = sql_tx_each(db, sizeof(demo) / sizeof(demo[0]), demo_each, &r, "events", err, errlen);
	arena_free(&r.a);
	return rc < 0 ? -1 : r.rows;
}
