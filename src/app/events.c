/* events: the model of network events (events.h; rules in docs/EVENTS.md). */
#include "app/events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/clock.h"
#include "app/notify.h"
#include "app/page.h"
#include "app/sql.h"
#include "core/file.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/tz.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "web/ics.h"

#define ZONES_MAX 600       /* zone1970.tab holds about 310 */
#define RECIPIENTS 20000    /* people one change may concern */
#define PROMOTIONS_MAX 1000 /* seats one change may fill from the waiting list */

/* ---- Zones: the list (read once) and the loaded zones (a cache under a lock) ------ */

static pthread_once_t zones_once = PTHREAD_ONCE_INIT;
static const char *zone_names[ZONES_MAX + 2]; /* sorted, then "UTC", then NULL */
static int zone_count;
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz *zone_cache[ZONES_MAX + 1]; /* by index in zone_names */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads zone1970.tab: "CODES<TAB>COORDINATES<TAB>ZONE[<TAB>COMMENT]". */
static void zones_read(void)
{
	struct buf b;
	char err[256];
	const char *p, *end;

	buf_init(&b, 1 << 20);
	if (file_read(TZ_DIR "/zone1970.tab", &b, err, sizeof(err)) < 0) {
		log_error("events: %s", err);
		buf_release(&b);
		return;
	}
	p = buf_str(&b);
	end = p + b.len;
	while (p < end && zone_count < ZONES_MAX) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *f = p;
		if (!eol)
			eol = end;
		for (int tabs = 0; f < eol && tabs < 2; f++)
			if (*f == '\t')
				tabs++;
		if (*p != '#' && f < eol) {
			size_t n = strcspn(f, "\t\n");
			char *name = xstrndup(f, n < (size_t)(eol - f) ? n : (size_t)(eol - f));
			if (tz_name_ok(name))
				zone_names[zone_count++] = name;
			else
				free(name);
		}
		p = eol + 1;
	}
	buf_release(&b);
	qsort(zone_names, (size_t)zone_count, sizeof(zone_names[0]), by_name);
	zone_names[zone_count++] = "UTC";
	zone_names[zone_count] = NULL;
}

const char *const *event_zone_names(void)
{
	pthread_once(&zones_once, zones_read);
	return zone_count > 1 ? zone_names : NULL;
}

static int zone_index(const char *name)
{
	const char *const *names = event_zone_names();
	const char *const *hit;

	if (!names || !name || !tz_name_ok(name))
		return -1;
	if (strcmp(name, "UTC") == 0)
		return zone_count - 1;
	hit = bsearch(&name, names, (size_t)zone_count - 1, sizeof(names[0]), by_name);
	return hit ? (int)(hit - names) : -1;
}

const struct tz *event_zone(const char *name)
{
	int i = zone_index(name);
	struct tz *z;

	if (i < 0)
		return NULL;
	pthread_mutex_lock(&zone_lock);
	z = zone_cache[i];
	if (!z) {
		z = xmalloc(sizeof(*z));
		if (tz_load(name, z) == TZ_OK) {
			zone_cache[i] = z;
		} else {
			log_error("events: the zone %s cannot be loaded", name);
			free(z);
			z = NULL;
		}
	}
	pthread_mutex_unlock(&zone_lock);
	return z;
}

const char *event_offset_text(struct arena *a, const struct tz *z, int64_t t)
{
	int32_t off;
	int32_t m;

	tz_offset_at(z, t, &off, NULL);
	m = off < 0 ? -off : off;
	return arena_printf(a, "UTC%c%02d:%02d", off < 0 ? '-' : '+', m / 3600, m / 60 % 60);
}

const char *event_local_text(struct arena *a, const struct tz *z, int64_t t, enum lang l)
{
	struct tz_civil c;
	struct buf b = BUF_INIT;
	int32_t off;
	const char *out;

	tz_offset_at(z, t, &off, NULL);
	tz_civil(t, off, &c);
	if (i18n_format_date(l, c.year, c.month, c.day, &b) < 0)
		buf_addf(&b, "%04d-%02d-%02d", c.year, c.month, c.day);
	buf_addf(&b, "%s%02d:%02d", l == LANG_AR ? "، " : ", ", c.hour, c.minute);
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

void event_local_fields(struct arena *a, const struct tz *z, int64_t t, const char **date,
                        const char **time)
{
	struct tz_civil c;
	int32_t off;

	tz_offset_at(z, t, &off, NULL);
	tz_civil(t, off, &c);
	*date = arena_printf(a, "%04d-%02d-%02d", c.year, c.month, c.day);
	*time = arena_printf(a, "%02d:%02d", c.hour, c.minute);
}

/* "2026-12-10 18:30 (America/Toronto, UTC-05:00)": the same in every language. */
static const char *when_text(struct arena *a, const struct event *e)
{
	const struct tz *z = event_zone(e->tz);
	const char *date, *time;

	if (!z) {
		char iso[ISO_TIME_LEN + 1];
		iso_time(e->starts_at, iso);
		return arena_strdup(a, iso);
	}
	event_local_fields(a, z, e->starts_at, &date, &time);
	return arena_printf(a, "%s %s (%s, %s)", date, time, e->tz,
	                    event_offset_text(a, z, e->starts_at));
}

/* ---- Loading ------------------------------------------------------------------------ */

enum {
	C_ID,
	C_NETWORK,
	C_TITLE,
	C_DESCRIPTION,
	C_MODE,
	C_CITY,
	C_ADDRESS,
	C_URL,
	C_OPEN,
	C_TZ,
	C_STARTS,
	C_ENDS,
	C_CLOSES,
	C_CAPACITY,
	C_TAKEN,
	C_STATE,
	C_REASON,
	C_SEQUENCE,
	C_CREATED_BY,
	C_UPDATED,
	C_WAITING,
	C_COUNT
};
#define EVENT_COLUMNS                                                                              \
	"e.id, e.network, e.title, e.description, e.mode, e.city, e.address, e.online_url, "       \
	"e.open_to, e.tz, e.starts_at, e.ends_at, e.registration_closes_at, e.capacity, "          \
	"e.seats_taken, e.state, e.cancel_reason, e.sequence, e.created_by, e.updated_at, "        \
	"(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.state = "       \
	"'waiting')"

static const char *col(struct db_stmt *st, struct arena *a, int i)
{
	const char *v = db_col_text(st, i);
	return arena_strdup(a, v ? v : "");
}

static int fill(struct db_stmt *st, struct arena *a, struct event *e)
{
	*e = (struct event){0};
	e->id = db_col_int(st, C_ID);
	e->network = col(st, a, C_NETWORK);
	e->title = col(st, a, C_TITLE);
	e->description = col(st, a, C_DESCRIPTION);
	e->mode = col(st, a, C_MODE);
	e->city = col(st, a, C_CITY);
	e->address = col(st, a, C_ADDRESS);
	e->online_url = col(st, a, C_URL);
	e->open_to = col(st, a, C_OPEN);
	e->tz = col(st, a, C_TZ);
	e->capacity = db_col_int(st, C_CAPACITY);
	e->seats_taken = db_col_int(st, C_TAKEN);
	e->state = col(st, a, C_STATE);
	e->cancel_reason = col(st, a, C_REASON);
	e->sequence = db_col_int(st, C_SEQUENCE);
	e->created_by = db_col_int(st, C_CREATED_BY);
	e->waiting = db_col_int(st, C_WAITING);
	if (iso_parse(col(st, a, C_STARTS), &e->starts_at) < 0 ||
	    iso_parse(col(st, a, C_ENDS), &e->ends_at) < 0 ||
	    iso_parse(col(st, a, C_CLOSES), &e->closes_at) < 0 ||
	    iso_parse(col(st, a, C_UPDATED), &e->updated_at) < 0)
		return -1;
	return 0;
}

int event_load(struct db *db, struct arena *a, int64_t id, struct event *out)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT " EVENT_COLUMNS " FROM events e WHERE e.id = $1");
	enum db_rc rc = DB_ERROR;
	int ok = 0;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW)
		ok = fill(st, a, out) == 0 ? 1 : -1;
	db_finalize(st);
	return rc < 0 ? -1 : ok;
}

int events_select(struct db *db, struct arena *a, const char *tail, int n,
                  const char *const *params, struct event *out, int max)
{
	struct db_stmt *st =
	        db_prepare(db, arena_printf(a, "SELECT " EVENT_COLUMNS " FROM events e %s", tail));
	enum db_rc rc = st ? DB_OK : DB_ERROR;
	int count = 0;

	for (int i = 0; i < n && rc == DB_OK; i++)
		rc = db_bind_text(st, i + 1, params[i]);
	while (rc >= 0 && count < max && (rc = db_step(st)) == DB_ROW)
		if (fill(st, a, &out[count++]) < 0)
			rc = DB_ERROR;
	db_finalize(st);
	return rc < 0 ? -1 : count;
}

int event_cancelled(const struct event *e)
{
	return strcmp(e->state, "cancelled") == 0;
}

/* ---- The form ----------------------------------------------------------------------- */

static void issue(struct event_issues *is, const char *field, const char *key)
{
	for (int i = 0; i < is->count; i++)
		if (strcmp(is->items[i].field, field) == 0)
			return; /* one message per field: the first */
	if (is->count < EVENT_ISSUES_MAX)
		is->items[is->count++] = (struct event_issue){field, key};
}

static size_t chars(const char *s)
{
	return s ? utf8_length(s, strlen(s)) : 0;
}

static int one_of(const char *s, const char *a, const char *b)
{
	return s && (strcmp(s, a) == 0 || strcmp(s, b) == 0);
}

/* "YYYY-MM-DD" and "HH:MM" in zone z: TZ_OK, TZ_GAP or TZ_BAD_TIME. */
static int local_instant(const struct tz *z, const char *date, const char *time, int64_t *t)
{
	int64_t y, mo, d, h, mi;

	if (!date || !time || strlen(date) != 10 || date[4] != '-' || date[7] != '-' ||
	    strlen(time) != 5 || time[2] != ':' || parse_int64_n(date, 4, 1, 9999, &y) < 0 ||
	    parse_int64_n(date + 5, 2, 1, 12, &mo) < 0 ||
	    parse_int64_n(date + 8, 2, 1, 31, &d) < 0 || parse_int64_n(time, 2, 0, 23, &h) < 0 ||
	    parse_int64_n(time + 3, 2, 0, 59, &mi) < 0)
		return TZ_BAD_TIME;
	return tz_local_to_utc(z, (int)y, (int)mo, (int)d, (int)h, (int)mi, t);
}

/* One instant of the form: its problem, if any, goes to field. */
static int read_instant(const struct tz *z, const char *date, const char *time, const char *field,
                        const char *what, int64_t *t, struct event_issues *is)
{
	int rc = local_instant(z, date, time, t);

	if (rc == TZ_GAP)
		issue(is, field, "event.error.gap");
	else if (rc != TZ_OK)
		issue(is, field, what);
	return rc == TZ_OK ? 0 : -1;
}

static void read_texts(const struct event_form *f, struct event *e, struct event_issues *is)
{
	e->title = f->title;
	e->description = f->description;
	e->mode = f->mode;
	e->city = f->city;
	e->address = f->address;
	e->online_url = f->online_url;
	e->open_to = f->open_to;
	if (!*f->title)
		issue(is, "title", "event.error.title");
	else if (chars(f->title) > EVENT_TITLE_MAX)
		issue(is, "title", "event.error.title_long");
	if (chars(f->description) > EVENT_DESCRIPTION_MAX)
		issue(is, "description", "event.error.description_long");
	if (!one_of(f->mode, "online", "in_person"))
		issue(is, "mode", "event.error.mode");
	else if (strcmp(f->mode, "online") == 0) {
		if (strncmp(f->online_url, "https://", 8) != 0 || strlen(f->online_url) < 12 ||
		    strpbrk(f->online_url, " \t\r\n\"<>") || chars(f->online_url) > EVENT_URL_MAX)
			issue(is, "online_url", "event.error.online_url");
		e->city = e->address = "";
	} else {
		if (!*f->city || chars(f->city) > EVENT_TEXT_MAX)
			issue(is, "city", "event.error.city");
		if (chars(f->address) > EVENT_TEXT_MAX)
			issue(is, "address", "event.error.address");
		e->online_url = "";
	}
	if (!one_of(f->open_to, "members", "everyone"))
		issue(is, "open_to", "event.error.open_to");
}

void event_read(const struct event_form *f, struct event *e, int64_t now, int64_t keep_start,
                struct event_issues *is)
{
	const struct tz *z = event_zone(f->tz);

	read_texts(f, e, is);
	if (parse_int64(f->capacity, 1, EVENT_CAPACITY_MAX, &e->capacity) < 0)
		issue(is, "capacity", "event.error.capacity");
	e->tz = f->tz;
	if (!z) {
		issue(is, "tz", "event.error.tz");
		return;
	}
	int s = read_instant(z, f->start_date, f->start_time, "start_date", "event.error.start",
	                     &e->starts_at, is);
	int n = read_instant(z, f->end_date, f->end_time, "end_date", "event.error.end",
	                     &e->ends_at, is);
	int c = 0;
	if (*f->closes_date || *f->closes_time)
		c = read_instant(z, f->closes_date, f->closes_time, "closes_date",
		                 "event.error.closes", &e->closes_at, is);
	else
		e->closes_at = e->starts_at; /* by default, until the start */
	if (s == 0 && e->starts_at != keep_start && e->starts_at <= now)
		issue(is, "start_date", "event.error.start_past");
	if (s == 0 && n == 0 && e->ends_at <= e->starts_at)
		issue(is, "end_date", "event.error.end_before_start");
	if (s == 0 && n == 0 && c == 0 && e->closes_at > e->ends_at)
		issue(is, "closes_date", "event.error.closes_after_end");
}

/* ---- Changes ------------------------------------------------------------------------- */

static const char *iso(struct arena *a, int64_t t)
{
	char s[ISO_TIME_LEN + 1];

	iso_time(t, s);
	return arena_strdup(a, s);
}

static int audit(struct db *db, struct arena *a, const struct event_actor *who, const char *action,
                 int64_t event_id, const char *details)
{
	struct audit_entry en = {who->user_id,
	                         action,
	                         "event",
	                         sql_int(a, event_id),
	                         who->ip ? who->ip : "",
	                         details ? details : ""};
	return audit_append(db, who->now, &en);
}

static int tell(struct db *db, struct arena *a, const struct event_actor *who, int64_t user,
                const char *kind, const struct event *e, const char *reason)
{
	const char *vars[] = {
	        "title", e->title, "when", when_text(a, e), "reason", reason ? reason : "", NULL};
	return notify(who->app, db, user, kind, arena_printf(a, "/events/%lld", (long long)e->id),
	              vars);
}

/* Everyone registered or waiting: their ids in *out (arena), how many, -1. */
static int concerned(struct db *db, struct arena *a, int64_t event_id, int64_t **out)
{
	struct db_stmt *st = db_prepare(db, "SELECT user_id FROM event_registrations WHERE "
	                                    "event_id = $1 AND state IN ('registered', 'waiting') "
	                                    "ORDER BY queued_at, user_id");
	enum db_rc rc = DB_ERROR;
	size_t cap = 64;
	int n = 0;

	*out = arena_alloc(a, cap * sizeof(**out));
	if (st && db_bind_int(st, 1, event_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && n < RECIPIENTS) {
			if ((size_t)n == cap) {
				int64_t *more = arena_alloc(a, 2 * cap * sizeof(*more));
				memcpy(more, *out, cap * sizeof(*more));
				*out = more;
				cap *= 2;
			}
			(*out)[n++] = db_col_int(st, 0);
		}
	db_finalize(st);
	return rc < 0 ? -1 : n;
}

static int tell_all(struct db *db, struct arena *a, const struct event_actor *who,
                    const struct event *e, const char *kind, const char *reason)
{
	int64_t *ids;
	int n = concerned(db, a, e->id, &ids);

	for (int i = 0; i < n; i++)
		if (tell(db, a, who, ids[i], kind, e, reason) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

/* The next place on the waiting list ("…T10:00:00.000003Z"): the time, and
 * the count of the event's rows as a fraction, so that places taken within
 * one second keep their order (ISO text sorts as time). */
static const char *queue_stamp(struct db *db, struct arena *a, int64_t event_id, int64_t now)
{
	int64_t n = 0;
	char s[ISO_TIME_LEN + 1];

	if (db_query_int(db, "SELECT COUNT(*) FROM event_registrations WHERE event_id = $1", 1,
	                 (const char *[]){sql_int(a, event_id)}, &n) != DB_OK)
		return NULL;
	iso_time(now, s);
	s[19] = '\0'; /* drop the Z */
	return arena_printf(a, "%s.%06lldZ", s, (long long)(n % 1000000));
}

/* Fills free seats from the waiting list, in order, telling each person. */
static int promote(struct db *db, struct arena *a, const struct event_actor *who,
                   const struct event *e)
{
	const char *id = sql_int(a, e->id), *now = iso(a, who->now);

	for (int i = 0; i < PROMOTIONS_MAX; i++) {
		const char *row[1];
		int rc = sql_row(db, a,
		                 "SELECT user_id FROM event_registrations WHERE event_id = $1 AND "
		                 "state = 'waiting' ORDER BY queued_at, user_id LIMIT 1",
		                 1, (const char *[]){id}, row, 1);
		int64_t user;
		if (rc <= 0)
			return rc;
		rc = (int)sql_exec(
		        db,
		        "UPDATE events SET seats_taken = seats_taken + 1 WHERE id = $1 AND "
		        "state = 'scheduled' AND seats_taken < capacity",
		        1, (const char *[]){id});
		if (rc <= 0)
			return rc; /* full (or cancelled): nobody more */
		if (sql_exec(db,
		             "UPDATE event_registrations SET state = 'registered', updated_at = $3 "
		             "WHERE event_id = $1 AND user_id = $2 AND state = 'waiting'",
		             3, (const char *[]){id, row[0], now}) != 1 ||
		    parse_int64(row[0], 1, INT64_MAX, &user) < 0 ||
		    audit(db, a, who, "event_promoted", e->id,
		          arena_printf(a, "{\"user\":%s}", row[0])) < 0 ||
		    tell(db, a, who, user, "event.promoted", e, NULL) < 0)
			return -1;
	}
	return 0;
}

int event_insert(struct db *db, struct arena *a, const struct event_actor *who, struct event *e)
{
	const char *now = iso(a, who->now);

	e->id = new_id(who->app->cfg);
	e->sequence = 0;
	e->seats_taken = 0;
	e->state = "scheduled";
	e->cancel_reason = "";
	if (sql_exec(db,
	             "INSERT INTO events (id, network, title, description, mode, city, address, "
	             "online_url, open_to, tz, starts_at, ends_at, registration_closes_at, "
	             "capacity, "
	             "created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
	             "$9, "
	             "$10, $11, $12, $13, $14, $15, $16, $16)",
	             16,
	             (const char *[]){sql_int(a, e->id), e->network, e->title, e->description,
	                              e->mode, e->city, e->address, e->online_url, e->open_to,
	                              e->tz, iso(a, e->starts_at), iso(a, e->ends_at),
	                              iso(a, e->closes_at), sql_int(a, e->capacity),
	                              sql_int(a, who->user_id), now}) != 1)
		return -1;
	return audit(db, a, who, "event_created", e->id,
	             arena_printf(a, "{\"network\":\"%s\"}", e->network));
}

static int moved(const struct event *was, const struct event *e)
{
	return was->starts_at != e->starts_at || was->ends_at != e->ends_at ||
	       strcmp(was->mode, e->mode) != 0 || strcmp(was->city, e->city) != 0 ||
	       strcmp(was->address, e->address) != 0 || strcmp(was->online_url, e->online_url) != 0;
}

int event_update(struct db *db, struct arena *a, const struct event_actor *who,
                 const struct event *was, struct event *e, enum event_outcome *out)
{
	const char *id = sql_int(a, was->id), *row[3];
	int64_t n = sql_exec(
	        db,
	        "UPDATE events SET title = $2, description = $3, mode = $4, city = $5, address = "
	        "$6, online_url = $7, open_to = $8, tz = $9, starts_at = $10, ends_at = $11, "
	        "registration_closes_at = $12, capacity = $13, sequence = sequence + 1, updated_at "
	        "= $14 WHERE id = $1 AND state = 'scheduled' AND sequence = $15 AND seats_taken <= "
	        "$13",
	        15,
	        (const char *[]){id, e->title, e->description, e->mode, e->city, e->address,
	                         e->online_url, e->open_to, e->tz, iso(a, e->starts_at),
	                         iso(a, e->ends_at), iso(a, e->closes_at), sql_int(a, e->capacity),
	                         iso(a, who->now), sql_int(a, was->sequence)});

	if (n < 0)
		return -1;
	if (n == 0) { /* why: fewer seats than taken, or a change meanwhile */
		int rc = sql_row(db, a,
		                 "SELECT seats_taken, sequence, state FROM events WHERE id = $1", 1,
		                 (const char *[]){id}, row, 3);
		int64_t taken = 0;
		if (rc < 0)
			return -1;
		*out = rc == 1 && strcmp(row[1], sql_int(a, was->sequence)) == 0 &&
		                       strcmp(row[2], "scheduled") == 0 &&
		                       parse_int64(row[0], 0, INT64_MAX, &taken) == 0 &&
		                       taken > e->capacity
		               ? EV_CAPACITY_LOW
		               : EV_CHANGED;
		return 0;
	}
	*out = EV_SEAT;
	e->id = was->id;
	e->network = was->network;
	e->sequence = was->sequence + 1;
	e->state = was->state;
	if (audit(db, a, who, "event_updated", was->id,
	          arena_printf(a, "{\"sequence\":%lld,\"capacity\":%lld}", (long long)e->sequence,
	                       (long long)e->capacity)) < 0)
		return -1;
	if (e->capacity > was->capacity && promote(db, a, who, e) < 0)
		return -1;
	return moved(was, e) ? tell_all(db, a, who, e, "event.changed", NULL) : 0;
}

/* The actor's row: its state, or NULL; 1, 0, -1. */
static int my_row(struct db *db, struct arena *a, int64_t event_id, int64_t user,
                  const char **state)
{
	const char *row[1];
	int rc = sql_row(
	        db, a, "SELECT state FROM event_registrations WHERE event_id = $1 AND user_id = $2",
	        2, (const char *[]){sql_int(a, event_id), sql_int(a, user)}, row, 1);

	*state = rc == 1 ? row[0] : NULL;
	return rc;
}

int event_register(struct db *db, struct arena *a, const struct event_actor *who,
                   const struct event *e, enum event_outcome *out)
{
	const char *id = sql_int(a, e->id), *user = sql_int(a, who->user_id),
	           *now = iso(a, who->now);
	const char *state, *stamp;
	int had = my_row(db, a, e->id, who->user_id, &state);
	int64_t seat;

	if (had < 0)
		return -1;
	if (had && strcmp(state, "cancelled") != 0) {
		*out = EV_ALREADY;
		return 0;
	}
	/* The seat, if one is left, while registration is open. */
	seat = sql_exec(
	        db,
	        "UPDATE events SET seats_taken = seats_taken + 1 WHERE id = $1 AND state = "
	        "'scheduled' AND seats_taken < capacity AND registration_closes_at > $2 AND "
	        "starts_at > $2",
	        2, (const char *[]){id, now});
	if (seat < 0)
		return -1;
	if (seat == 0) {
		int64_t open = 0;
		if (db_query_int(
		            db,
		            "SELECT COUNT(*) FROM events WHERE id = $1 AND state = 'scheduled' AND "
		            "registration_closes_at > $2 AND starts_at > $2",
		            2, (const char *[]){id, now}, &open) != DB_OK)
			return -1;
		if (!open) {
			*out = EV_CLOSED;
			return 0;
		}
	}
	*out = seat ? EV_SEAT : EV_WAITING;
	stamp = queue_stamp(db, a, e->id, who->now);
	if (!stamp)
		return -1;
	const char *st = seat ? "registered" : "waiting";
	if (sql_exec(
	            db,
	            had ? "UPDATE event_registrations SET state = $3, queued_at = $4, updated_at = "
	                  "$5, attended = NULL WHERE event_id = $1 AND user_id = $2 AND state = "
	                  "'cancelled'"
	                : "INSERT INTO event_registrations (event_id, user_id, state, queued_at, "
	                  "updated_at) VALUES ($1, $2, $3, $4, $5)",
	            5, (const char *[]){id, user, st, stamp, now}) != 1)
		return -1;
	if (audit(db, a, who, seat ? "event_registered" : "event_waiting", e->id, NULL) < 0)
		return -1;
	return tell(db, a, who, who->user_id, seat ? "event.registered" : "event.waiting", e, NULL);
}

int event_unregister(struct db *db, struct arena *a, const struct event_actor *who,
                     const struct event *e, enum event_outcome *out)
{
	const char *id = sql_int(a, e->id), *user = sql_int(a, who->user_id);
	const char *state;
	int had = my_row(db, a, e->id, who->user_id, &state);
	int seat;
	int64_t n;

	if (had < 0)
		return -1;
	if (!had || strcmp(state, "cancelled") == 0) {
		*out = EV_NOT_THERE;
		return 0;
	}
	seat = strcmp(state, "registered") == 0;
	n = sql_exec(db,
	             "UPDATE event_registrations SET state = 'cancelled', updated_at = $4 WHERE "
	             "event_id = $1 AND user_id = $2 AND state = $3",
	             4, (const char *[]){id, user, state, iso(a, who->now)});
	if (n < 0) /* an outage, not a change meanwhile */
		return -1;
	if (n == 0) {
		*out = EV_CHANGED;
		return 0;
	}
	*out = EV_CANCELLED;
	if (seat && sql_exec(db,
	                     "UPDATE events SET seats_taken = seats_taken - 1 WHERE id = $1 AND "
	                     "seats_taken > 0",
	                     1, (const char *[]){id}) != 1)
		return -1;
	if (audit(db, a, who, "event_unregistered", e->id,
	          arena_printf(a, "{\"from\":\"%s\"}", state)) < 0)
		return -1;
	return seat && !event_cancelled(e) ? promote(db, a, who, e) : 0;
}

int events_forget_user(struct app *app, struct db *db, struct arena *a, int64_t user_id,
                       int64_t now)
{
	struct event_actor who = {app, user_id, "", now};
	struct db_stmt *st = db_prepare(db, "SELECT event_id FROM event_registrations WHERE "
	                                    "user_id = $1 AND state IN ('registered', 'waiting')");
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	enum db_rc rc = DB_ERROR;
	int out = 0;

	if (st && db_bind_int(st, 1, user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			if (n == cap) {
				int64_t *more =
				        arena_alloc(a, (cap ? 2 * cap : 16) * sizeof(*more));
				if (n)
					memcpy(more, ids, n * sizeof(*more));
				ids = more;
				cap = cap ? 2 * cap : 16;
			}
			ids[n++] = db_col_int(st, 0);
		}
	db_finalize(st);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < n && out == 0; i++) {
		struct event e;
		enum event_outcome got;
		if (event_load(db, a, ids[i], &e) != 1)
			return -1;
		if (event_cancelled(&e) || now >= e.starts_at) /* no promotion any more */
			e.state = "cancelled";
		out = event_unregister(db, a, &who, &e, &got);
	}
	return out;
}

int events_recount_seats(struct db *db)
{
	return sql_exec(db,
	                "UPDATE events SET seats_taken = (SELECT COUNT(*) FROM event_registrations "
	                "r "
	                "WHERE r.event_id = events.id AND r.state = 'registered')",
	                0, NULL) < 0
	               ? -1
	               : 0;
}

int event_cancel(struct db *db, struct arena *a, const struct event_actor *who,
                 const struct event *e, const char *reason, enum event_outcome *out)
{
	int64_t n =
	        sql_exec(db,
	                 "UPDATE events SET state = 'cancelled', cancel_reason = $2, sequence = "
	                 "sequence + 1, updated_at = $3 WHERE id = $1 AND state = 'scheduled'",
	                 3, (const char *[]){sql_int(a, e->id), reason, iso(a, who->now)});

	if (n < 0)
		return -1;
	*out = n == 1 ? EV_CANCELLED : EV_CHANGED;
	if (n == 0)
		return 0;
	if (audit(db, a, who, "event_cancelled", e->id, NULL) < 0)
		return -1;
	return tell_all(db, a, who, e, "event.cancelled", reason);
}

int event_attend(struct db *db, struct arena *a, const struct event_actor *who,
                 const struct event *e, int64_t user, int present, enum event_outcome *out)
{
	int64_t n = sql_exec(db,
	                     "UPDATE event_registrations SET attended = $3, updated_at = $4 WHERE "
	                     "event_id = $1 AND user_id = $2 AND state = 'registered'",
	                     4,
	                     (const char *[]){sql_int(a, e->id), sql_int(a, user),
	                                      present ? "1" : "0", iso(a, who->now)});

	if (n < 0)
		return -1;
	*out = n == 1 ? EV_SEAT : EV_NOT_THERE;
	if (n == 0)
		return 0;
	return audit(db, a, who, "event_attendance", e->id,
	             arena_printf(a, "{\"user\":%lld,\"present\":%d}", (long long)user, present));
}

int event_place(struct db *db, struct arena *a, int64_t event_id, int64_t user_id,
                const char **state, int64_t *position)
{
	const char *row[2];
	int rc;

	*state = NULL;
	*position = 0;
	if (user_id <= 0)
		return 0;
	rc = sql_row(db, a,
	             "SELECT r.state, (SELECT COUNT(*) FROM event_registrations w WHERE w.event_id "
	             "= r.event_id AND w.state = 'waiting' AND (w.queued_at < r.queued_at OR "
	             "(w.queued_at = r.queued_at AND w.user_id <= r.user_id))) FROM "
	             "event_registrations r WHERE r.event_id = $1 AND r.user_id = $2",
	             2, (const char *[]){sql_int(a, event_id), sql_int(a, user_id)}, row, 2);
	if (rc < 0)
		return -1;
	if (rc == 1 && strcmp(row[0], "cancelled") != 0) {
		*state = row[0];
		if (strcmp(row[0], "waiting") == 0 &&
		    parse_int64(row[1], 0, INT64_MAX, position) < 0)
			return -1;
	}
	return 0;
}

/* ---- iCalendar ---------------------------------------------------------------------- */

/* The host of public_url ("kafaat.ma"), for UIDs. */
static const char *host_of(struct arena *a, const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	size_t n;

	p = p ? p + 3 : (url ? url : "");
	n = strcspn(p, ":/?#");
	return n ? arena_strndup(a, p, n) : "kafaat.invalid";
}

int event_ics(struct app *app, struct buf *out, struct arena *a, const struct event *e,
              const char *network_name, enum lang l, int64_t now)
{
	const struct tz *z = event_zone(e->tz);
	const char *url = arena_printf(a, "%s/%s/events/%lld", app->cfg->public_url, lang_code(l),
	                               (long long)e->id);
	struct buf d = BUF_INIT;
	int rc = -1;

	if (event_cancelled(e))
		buf_addf(&d, "%s: %s\n\n", tr(app, l, "event.cancelled.title"), e->cancel_reason);
	if (z)
		buf_addf(&d, "%s: %s – %s (%s, %s)\n", tr(app, l, "event.ics.local_time"),
		         event_local_text(a, z, e->starts_at, l),
		         event_local_text(a, z, e->ends_at, l), e->tz,
		         event_offset_text(a, z, e->starts_at));
	buf_addf(&d, "%s: %s\n\n%s\n\n%s", tr(app, l, "event.network"), network_name,
	         e->description, url);
	if (ics_prop(out, "BEGIN", "VEVENT") < 0 ||
	    ics_prop(out, "UID",
	             arena_printf(a, "event-%lld@%s", (long long)e->id,
	                          host_of(a, app->cfg->public_url))) < 0 ||
	    ics_time(out, "DTSTAMP", now) < 0 ||
	    ics_time(out, "LAST-MODIFIED", e->updated_at) < 0 ||
	    ics_int(out, "SEQUENCE", e->sequence) < 0 ||
	    ics_time(out, "DTSTART", e->starts_at) < 0 || ics_time(out, "DTEND", e->ends_at) < 0 ||
	    ics_text(out, "SUMMARY", e->title) < 0 ||
	    ics_text(out, "DESCRIPTION", buf_str(&d)) < 0 ||
	    ics_text(out, "LOCATION",
	             strcmp(e->mode, "online") == 0
	                     ? tr(app, l, "event.mode.online")
	                     : (*e->address ? arena_printf(a, "%s, %s", e->address, e->city)
	                                    : e->city)) < 0 ||
	    ics_prop(out, "URL", url) < 0 ||
	    ics_prop(out, "STATUS", event_cancelled(e) ? "CANCELLED" : "CONFIRMED") < 0 ||
	    ics_prop(out, "END", "VEVENT") < 0)
		goto done;
	rc = 0;
done:
	buf_release(&d);
	return rc;
}

/* ---- For the network page ---------------------------------------------------------- */

json_t *events_upcoming_json(struct db *db, struct arena *a, const char *slug, enum lang l,
                             int64_t now, int max)
{
	struct event *ev;
	json_t *out;
	int n;

	max = max < 1 ? 1 : max > 100 ? 100 : max;
	ev = arena_alloc(a, (size_t)max * sizeof(*ev));
	n = events_select(db, a,
	                  arena_printf(a,
	                               "WHERE e.network = $1 AND e.state = 'scheduled' AND "
	                               "e.ends_at > $2 ORDER BY e.starts_at, e.id LIMIT %d",
	                               max),
	                  2, (const char *[]){slug, iso(a, now)}, ev, max);
	if (n < 0)
		return NULL;
	out = json_array();
	for (int i = 0; i < n; i++) {
		const struct tz *z = event_zone(ev[i].tz);
		if (!z) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(
		        out, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id",
		                       (json_int_t)ev[i].id, "title", ev[i].title, "start",
		                       event_local_text(a, z, ev[i].starts_at, l), "zone", ev[i].tz,
		                       "offset", event_offset_text(a, z, ev[i].starts_at), "mode",
		                       ev[i].mode, "city", ev[i].city, "seats_left",
		                       (json_int_t)(ev[i].capacity - ev[i].seats_taken)));
	}
	return out;
}
