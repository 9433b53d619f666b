/* events: the events of networks — the model (the pages are in
 * event_pages.c; the rules are written down in docs/EVENTS.md).
 *
 * An event belongs to a network; its coordinators (and the programme team:
 * network_may NET_MANAGE) create, edit and cancel it and mark attendance.
 * Times are written by the coordinator in an IANA zone (core/tz.h) and
 * stored in UTC with the zone's name. A signed-in person allowed by the
 * event (members only: network_may NET_REGISTER_EVENT) registers: a seat
 * while seats_taken < capacity (a conditional UPDATE, so two nodes never
 * give the last seat twice), else the waiting list, in order; a freed
 * seat, or a raised capacity, promotes the first waiting. Every change is
 * one transaction with its audit row and its notifications.
 *
 * Strings of a struct event live in the arena given.
 */
#ifndef KAFAAT_APP_EVENTS_H
#define KAFAAT_APP_EVENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "web/i18n.h"

struct app;
struct db;
struct tz;

#define EVENT_TITLE_MAX 200        /* characters */
#define EVENT_DESCRIPTION_MAX 5000 /* characters */
#define EVENT_TEXT_MAX 300         /* characters of a city or an address */
#define EVENT_URL_MAX 500          /* characters of the online link */
#define EVENT_REASON_MAX 1000      /* characters of a cancellation's reason */
#define EVENT_CAPACITY_MAX 10000   /* seats */

struct event {
	int64_t id;
	const char *network;
	const char *title, *description;
	const char *mode; /* "online" or "in_person" */
	const char *city, *address, *online_url;
	const char *open_to; /* "members" or "everyone" */
	const char *tz;
	int64_t starts_at, ends_at, closes_at; /* Unix seconds, UTC */
	int64_t capacity, seats_taken, waiting;
	const char *state; /* "scheduled" or "cancelled" */
	const char *cancel_reason;
	int64_t sequence;
	int64_t created_by;
	int64_t updated_at;
};

/* Loads event id (with the length of its waiting list): 1, 0, -1. */
int event_load(struct db *db, struct arena *a, int64_t id, struct event *out);
int event_cancelled(const struct event *e);
/* The events of "SELECT … FROM events e " + tail (a constant: WHERE, ORDER
 * BY, LIMIT; $1..$n bound to params as text), at most max, into out: how
 * many, or -1. */
int events_select(struct db *db, struct arena *a, const char *tail, int n,
                  const char *const *params, struct event *out, int max);

/* ---- Zones ----------------------------------------------------------------------- */

/* The zone name, loaded once per process and shared (read-only; a lock
 * guards the cache): NULL when the name is not one of event_zone_names. */
const struct tz *event_zone(const char *name);
/* The zones a coordinator may choose: zone1970.tab's, sorted, and "UTC";
 * NULL-terminated, process lifetime. NULL when the list cannot be read. */
const char *const *event_zone_names(void);

/* "jeudi 10 décembre 2026, 18:30" style text of t in zone z, in l (arena). */
const char *event_local_text(struct arena *a, const struct tz *z, int64_t t, enum lang l);
/* The offset of z at t as "UTC+01:00" / "UTC-05:00" (arena). */
const char *event_offset_text(struct arena *a, const struct tz *z, int64_t t);

/* ---- The form -------------------------------------------------------------------- */

/* One problem with a posted form: the field and the catalogue key. */
struct event_issue {
	const char *field, *key;
};
#define EVENT_ISSUES_MAX 16
struct event_issues {
	int count;
	struct event_issue items[EVENT_ISSUES_MAX];
};

/* The form's fields as posted (all text). */
struct event_form {
	const char *title, *description, *mode, *city, *address, *online_url, *open_to, *tz;
	const char *start_date, *start_time, *end_date, *end_time, *closes_date, *closes_time;
	const char *capacity;
};

/* Reads and checks f into e (title … capacity, the three instants): every
 * problem goes into is, at most one per field. now: a new start must be in
 * the future (fresh), or, when editing, may stay where it was (keep_start). */
void event_read(const struct event_form *f, struct event *e, int64_t now, int64_t keep_start,
                struct event_issues *is);
/* The local date ("YYYY-MM-DD") and time ("HH:MM") of t in zone z, for
 * filling the form again. */
void event_local_fields(struct arena *a, const struct tz *z, int64_t t, const char **date,
                        const char **time);

/* ---- Changes (each inside the caller's transaction) ------------------------------ */

/* What a registration or a cancellation came to. */
enum event_outcome {
	EV_SEAT,         /* a seat */
	EV_WAITING,      /* the waiting list */
	EV_ALREADY,      /* registered or waiting already */
	EV_CLOSED,       /* registration closed (or the event cancelled, or begun) meanwhile */
	EV_CANCELLED,    /* the seat or place given up */
	EV_NOT_THERE,    /* not registered nor waiting */
	EV_CHANGED,      /* the event changed meanwhile: nothing done */
	EV_CAPACITY_LOW, /* a capacity below the seats taken */
	EV_OUTCOMES
};

struct event_actor {
	struct app *app;
	int64_t user_id;
	const char *ip;
	int64_t now;
};

/* Inserts e (a new id, sequence 0) as created by the actor, with its audit row. 0/-1. */
int event_insert(struct db *db, struct arena *a, const struct event_actor *who, struct event *e);
/* Writes the edited fields of e over the stored event `was` (conditional on
 * its sequence and state, and on seats_taken <= the new capacity), bumps
 * the sequence, promotes the waiting when the capacity grew, tells the
 * registered and waiting when the time or the place changed. *out:
 * EV_SEAT (saved), EV_CHANGED, EV_CAPACITY_LOW. 0/-1. */
int event_update(struct db *db, struct arena *a, const struct event_actor *who,
                 const struct event *was, struct event *e, enum event_outcome *out);
/* Registers the actor: a seat, else the waiting list. 0/-1. */
int event_register(struct db *db, struct arena *a, const struct event_actor *who,
                   const struct event *e, enum event_outcome *out);
/* The actor gives up their seat or place (a seat freed promotes). 0/-1. */
int event_unregister(struct db *db, struct arena *a, const struct event_actor *who,
                     const struct event *e, enum event_outcome *out);
/* Cancels the event with a reason and tells everyone registered or waiting.
 * *out: EV_CANCELLED or EV_CHANGED (cancelled already). 0/-1. */
int event_cancel(struct db *db, struct arena *a, const struct event_actor *who,
                 const struct event *e, const char *reason, enum event_outcome *out);
/* Marks user's attendance (1 present, 0 absent); *out EV_SEAT when done,
 * EV_NOT_THERE when user holds no seat. 0/-1. */
int event_attend(struct db *db, struct arena *a, const struct event_actor *who,
                 const struct event *e, int64_t user, int present, enum event_outcome *out);

/* Before an account is erased (inside the erasure's transaction, before
 * its rows go): user_id gives up every seat and place, so that seats_taken
 * keeps counting the seats held — a seat at an event still to come
 * promotes the first waiting, as when the person gives it up; a seat at a
 * past or cancelled event is only counted off. 0/-1. */
int events_forget_user(struct app *app, struct db *db, struct arena *a, int64_t user_id,
                       int64_t now);

/* Sets every event's seats_taken to its registered rows: after an erasure
 * replayed by `kafaat restore`, which deletes rows without the web's
 * promotions (nobody waiting is promoted then). 0/-1. */
int events_recount_seats(struct db *db);

/* The actor's place: "registered", "waiting", or NULL (none), and their
 * position on the waiting list (1 = next). 0/-1. */
int event_place(struct db *db, struct arena *a, int64_t event_id, int64_t user_id,
                const char **state, int64_t *position);

/* ---- iCalendar ------------------------------------------------------------------- */

/* Appends the VEVENT of e (UID event-ID@host, DTSTAMP now, SEQUENCE, UTC
 * DTSTART/DTEND, STATUS, the local time in the description) in l. 0/-1. */
int event_ics(struct app *app, struct buf *out, struct arena *a, const struct event *e,
              const char *network_name, enum lang l, int64_t now);

/* ---- For the network page -------------------------------------------------------- */

/* The next `max` events of network slug (not cancelled, not over at now):
 * [{id, title, start (local text), zone, offset, mode, city, seats_left}],
 * a new reference; NULL on error. */
json_t *events_upcoming_json(struct db *db, struct arena *a, const char *slug, enum lang l,
                             int64_t now, int max);
/* "Events a network held", defined once: a condition on the events table
 * (alias e) with $3 = now (ISO text): scheduled (not cancelled) and over.
 * network_figures counts with it. */
#define EVENTS_HELD_WHERE "e.state = 'scheduled' AND e.ends_at < $3"

/* ---- Demo data (event_demo.c) ---------------------------------------------------- */

/* A few events per demo network (those of data/demo/networks.tsv that
 * exist), past and upcoming, online and in person, in the networks' zones,
 * with seats for its members (network_members, if any) and attendance on
 * past ones. The same now gives the same events (not the same ids). Does
 * nothing when events exist. Runs its own transaction: call it outside
 * one. app may be NULL (ids then come without the config). The rows
 * written, or -1 with the reason in err. */
int events_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen);

#endif
