/* event_pages: the pages of network events (the model: events.h).
 *
 * Everyone: upcoming events across networks (/LANG/events), a network's
 * events (/LANG/networks/SLUG/events), an event's page (the online link
 * only for people holding a seat, and the network's managers), its .ics
 * and the network's calendar feed. Signed-in people register and give up
 * their place. Managers of the network (network_may NET_MANAGE) create,
 * edit and cancel events and mark attendance from the start on; anyone
 * else gets 403, and an unknown event 404.
 *
 * Every change is one transaction (events.c: the change, its audit row,
 * its notifications); a form with mistakes is shown again (422) with each
 * message next to its field, and nothing is saved. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/events.h"
#include "app/handlers.h"
#include "app/networks.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/tz.h"
#include "core/utf8.h"
#include "web/ics.h"

#define LIST_MAX 100    /* events on a list page */
#define FEED_MAX 500    /* events in a network's calendar feed */
#define ROSTER_MAX 2000 /* people on the attendance page */

/* One request to an event page: the event, its network, the viewer's role. */
struct ev {
	struct pp c;
	struct event e;
	struct network n;
	enum net_role role;
	int manager;
};

static void forbidden(struct pp *c)
{
	struct route_error e = {403, "forbidden", NULL, 0};
	app_on_error(c->app, c->req, c->resp, &e);
}

/* Loads the network slug and the viewer's role in it: 1, or 0/-1 with the
 * 404/503 answer sent. */
static int load_network(struct ev *v, const char *slug)
{
	struct db *db = db_pool_get(v->c.app->pool);
	int rc = network_load(db, &v->c.req->arena, slug, &v->n);

	if (rc == 1 && network_role(db, v->c.id ? v->c.id->user_id : 0, slug, &v->role) < 0)
		rc = -1;
	db_pool_put(v->c.app->pool, db);
	if (rc < 0)
		page_unavailable(v->c.app, v->c.req, v->c.resp);
	else if (rc == 0)
		pp_not_found(&v->c);
	v->manager = rc == 1 && network_may(v->c.id, v->role, NET_MANAGE);
	return rc;
}

/* Loads the event of the path and its network: 1, or 0/-1 answered. */
static int load_event(struct ev *v, void *ctx, struct request *req, struct response *resp)
{
	struct db *db;
	int rc;

	pp_init(&v->c, ctx, req, resp);
	db = db_pool_get(v->c.app->pool);
	rc = req_param_id(req, "id") ? event_load(db, &req->arena, req_param_id(req, "id"), &v->e)
	                             : 0;
	db_pool_put(v->c.app->pool, db);
	if (rc < 0)
		page_unavailable(v->c.app, req, resp);
	else if (rc == 0)
		pp_not_found(&v->c);
	return rc == 1 ? load_network(v, v->e.network) : rc;
}

/* Managers only: 1, or 0 with the 403 sent. */
static int managers_only(struct ev *v)
{
	if (v->manager)
		return 1;
	forbidden(&v->c);
	return 0;
}

static void to_event(struct pp *c, int64_t id, const char *done)
{
	pp_redirect(c, arena_printf(&c->req->arena, "events/%lld?done=%s", (long long)id, done));
}

static struct event_actor actor(struct pp *c)
{
	return (struct event_actor){c->app, c->id ? c->id->user_id : 0, req_ip(c->req), c->now};
}

/* ---- What the pages show -------------------------------------------------------------- */

static const char *utc_text(struct arena *a, int64_t t)
{
	struct tz_civil cv;

	tz_civil(t, 0, &cv);
	return arena_printf(a, "%04d-%02d-%02d %02d:%02d UTC", cv.year, cv.month, cv.day, cv.hour,
	                    cv.minute);
}

/* An event for a list or its page. */
static json_t *event_json(struct pp *c, const struct event *e, const char *network_name)
{
	struct arena *a = &c->req->arena;
	const struct tz *z = event_zone(e->tz);
	json_t *o = json_pack(
	        "{s:I, s:s, s:s, s:s?, s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I, s:I, s:I, s:b, s:b}",
	        "id", (json_int_t)e->id, "title", e->title, "network", e->network, "network_name",
	        network_name, "mode_key",
	        strcmp(e->mode, "online") == 0 ? "event.mode.online" : "event.mode.in_person",
	        "city", e->city, "address", e->address, "online", strcmp(e->mode, "online") == 0,
	        "cancelled", event_cancelled(e), "reason", e->cancel_reason, "capacity",
	        (json_int_t)e->capacity, "seats_left", (json_int_t)(e->capacity - e->seats_taken),
	        "taken", (json_int_t)e->seats_taken, "waiting", (json_int_t)e->waiting,
	        "members_only", strcmp(e->open_to, "members") == 0, "past", e->ends_at <= c->now);

	json_object_set_new(o, "zone", json_string(e->tz));
	json_object_set_new(o, "start_utc", json_string(utc_text(a, e->starts_at)));
	json_object_set_new(o, "end_utc", json_string(utc_text(a, e->ends_at)));
	if (z) {
		json_object_set_new(o, "start",
		                    json_string(event_local_text(a, z, e->starts_at, c->l)));
		json_object_set_new(o, "end",
		                    json_string(event_local_text(a, z, e->ends_at, c->l)));
		json_object_set_new(o, "closes",
		                    json_string(event_local_text(a, z, e->closes_at, c->l)));
		json_object_set_new(o, "offset",
		                    json_string(event_offset_text(a, z, e->starts_at)));
		if (strcmp(event_offset_text(a, z, e->starts_at),
		           event_offset_text(a, z, e->ends_at)) != 0) /* across a change */
			json_object_set_new(o, "end_offset",
			                    json_string(event_offset_text(a, z, e->ends_at)));
	}
	return o;
}

/* The name of network slug in the page's language, from a small cache of
 * the names this request looked up already (NULL on error). */
struct names {
	int n;
	const char *slug[16], *name[16];
};

static const char *network_name(struct pp *c, struct db *db, struct names *k, const char *slug)
{
	struct network net;

	for (int i = 0; i < k->n; i++)
		if (strcmp(k->slug[i], slug) == 0)
			return k->name[i];
	if (network_load(db, &c->req->arena, slug, &net) != 1)
		return NULL;
	if (k->n < 16) {
		k->slug[k->n] = net.slug;
		k->name[k->n++] = network_label(&net, c->l);
	}
	return network_label(&net, c->l);
}

/* The events of "… FROM events e " + tail ($1: a network or "", $2: now)
 * as list items. */
static json_t *event_list(struct pp *c, struct db *db, const char *tail, const char *slug, int *err)
{
	struct arena *a = &c->req->arena;
	struct event *ev = arena_alloc(a, LIST_MAX * sizeof(*ev));
	struct names names = {0};
	char now[ISO_TIME_LEN + 1];
	json_t *out = json_array();
	int n;

	iso_time(c->now, now);
	n = events_select(db, a, tail, 2, (const char *[]){slug, now}, ev, LIST_MAX);
	*err = n < 0;
	for (int i = 0; i < n && !*err; i++) {
		const char *name = network_name(c, db, &names, ev[i].network);
		if (!name)
			*err = 1;
		else
			json_array_append_new(out, event_json(c, &ev[i], name));
	}
	return out;
}

/* ---- Lists ------------------------------------------------------------------------------ */

void h_events(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct db *db;
	json_t *list;
	int err;

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	list = event_list(&c, db,
	                  "WHERE e.network <> $1 AND e.ends_at > $2 ORDER BY e.starts_at, e.id "
	                  "LIMIT 100",
	                  "", &err);
	db_pool_put(c.app->pool, db);
	if (err) {
		json_decref(list);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "event_list", "event.list.title",
	            json_pack("{s:o}", "events", list));
}

void h_network_events(void *ctx, struct request *req, struct response *resp)
{
	struct ev v;
	struct db *db;
	json_t *upcoming, *past;
	int e1, e2;

	pp_init(&v.c, ctx, req, resp);
	if (load_network(&v, req_param(req, "slug")) != 1)
		return;
	db = db_pool_get(v.c.app->pool);
	upcoming = event_list(&v.c, db,
	                      "WHERE e.network = $1 AND e.ends_at > $2 ORDER BY e.starts_at, e.id "
	                      "LIMIT 100",
	                      v.n.slug, &e1);
	past = event_list(&v.c, db,
	                  "WHERE e.network = $1 AND e.ends_at <= $2 ORDER BY e.starts_at DESC, "
	                  "e.id DESC LIMIT 100",
	                  v.n.slug, &e2);
	db_pool_put(v.c.app->pool, db);
	if (e1 || e2) {
		json_decref(upcoming);
		json_decref(past);
		page_unavailable(v.c.app, req, resp);
		return;
	}
	page_render(v.c.app, req, resp, 200, "event_network", "event.network.title",
	            json_pack("{s:s, s:s, s:o, s:o, s:b}", "slug", v.n.slug, "name",
	                      network_label(&v.n, v.c.l), "upcoming", upcoming, "past", past,
	                      "manager", v.manager));
}

/* ---- An event's page ------------------------------------------------------------------ */

/* May the viewer register for this event (its audience; not its dates)? */
static int may_register(const struct ev *v)
{
	if (!v->c.id || v->c.id->second_step_pending)
		return 0;
	return strcmp(v->e.open_to, "everyone") == 0 ||
	       network_may(v->c.id, v->role, NET_REGISTER_EVENT);
}

static int registration_open(const struct ev *v)
{
	return !event_cancelled(&v->e) && v->c.now < v->e.closes_at && v->c.now < v->e.starts_at;
}

static const char *done_key(struct pp *c)
{
	static const char *const done[] = {"created", "saved",        "registered",
	                                   "waiting", "unregistered", "cancelled"};
	const char *d = kvlist_get(&c->req->query, "done");

	for (size_t i = 0; d && i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(d, done[i]) == 0)
			return arena_printf(&c->req->arena, "event.done.%s", d);
	return NULL;
}

/* The event's page; error: a catalogue key shown at the top (role=alert);
 * form: the cancellation form with its error. */
static void show_event(struct ev *v, int status, const char *error, json_t *form)
{
	struct arena *a = &v->c.req->arena;
	struct db *db = db_pool_get(v->c.app->pool);
	const char *state;
	int64_t position;
	int rc = event_place(db, a, v->e.id, v->c.id ? v->c.id->user_id : 0, &state, &position);
	json_t *o;

	db_pool_put(v->c.app->pool, db);
	if (rc < 0) {
		json_decref(form);
		page_unavailable(v->c.app, v->c.req, v->c.resp);
		return;
	}
	o = event_json(&v->c, &v->e, network_label(&v->n, v->c.l));
	json_object_set_new(o, "description", page_paragraphs(a, v->e.description));
	if ((state && strcmp(state, "registered") == 0) || v->manager)
		json_object_set_new(o, "link", json_string(v->e.online_url));
	page_render(v->c.app, v->c.req, v->c.resp, status, "event_page", "event.page.title",
	            json_pack("{s:o, s:s?, s:I, s:b, s:b, s:b, s:b, s:b, s:s?, s:s?, s:o}", "event",
	                      o, "state", state, "position", (json_int_t)position, "signed_in",
	                      v->c.id != NULL, "allowed", may_register(v), "open",
	                      registration_open(v), "started", v->c.now >= v->e.starts_at,
	                      "manager", v->manager, "error", error, "done", done_key(&v->c),
	                      "form", form ? form : json_object()));
}

void h_event(void *ctx, struct request *req, struct response *resp)
{
	struct ev v;

	if (load_event(&v, ctx, req, resp) == 1)
		show_event(&v, 200, NULL, NULL);
}

/* ---- Registration ---------------------------------------------------------------------- */

struct reg {
	struct ev *v;
	int leave;
	enum event_outcome out;
};

static int reg_tx(struct db *db, void *ud)
{
	struct reg *r = ud;
	struct event_actor who = actor(&r->v->c);

	return r->leave ? event_unregister(db, &r->v->c.req->arena, &who, &r->v->e, &r->out)
	                : event_register(db, &r->v->c.req->arena, &who, &r->v->e, &r->out);
}

/* What a registration or giving up came to: where the person goes (the
 * event's page with done=WORD), or why nothing changed. */
static const struct {
	const char *done, *error;
} reg_outcomes[EV_OUTCOMES] = {
        [EV_SEAT] = {"registered", NULL},
        [EV_WAITING] = {"waiting", NULL},
        [EV_CANCELLED] = {"unregistered", NULL},
        [EV_ALREADY] = {NULL, "event.error.already"},
        [EV_CLOSED] = {NULL, "event.error.closed"},
        [EV_NOT_THERE] = {NULL, "event.error.not_registered"},
        [EV_CHANGED] = {NULL, "event.error.changed"},
        [EV_CAPACITY_LOW] = {NULL, "event.error.changed"},
};

static void registration(void *ctx, struct request *req, struct response *resp, int leave)
{
	struct ev v;
	struct reg r = {&v, leave, EV_CHANGED};

	if (load_event(&v, ctx, req, resp) != 1)
		return;
	if (!leave && !may_register(&v)) {
		show_event(&v, 403, "event.error.members_only", NULL);
		return;
	}
	if (event_cancelled(&v.e) || v.c.now >= v.e.starts_at) {
		show_event(&v, 422,
		           event_cancelled(&v.e) ? "event.error.cancelled" : "event.error.begun",
		           NULL);
		return;
	}
	if (!leave && v.c.now >= v.e.closes_at) {
		show_event(&v, 422, "event.error.closed", NULL);
		return;
	}
	if (sql_tx(v.c.app->pool, reg_tx, &r) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (reg_outcomes[r.out].done) {
		to_event(&v.c, v.e.id, reg_outcomes[r.out].done);
		return;
	}
	/* Nothing changed: show why, with the event as it is now. */
	struct db *db = db_pool_get(v.c.app->pool);
	int rc = event_load(db, &req->arena, v.e.id, &v.e);
	db_pool_put(v.c.app->pool, db);
	if (rc != 1)
		page_unavailable(v.c.app, req, resp);
	else
		show_event(&v, 422, reg_outcomes[r.out].error, NULL);
}

void h_event_register(void *ctx, struct request *req, struct response *resp)
{
	registration(ctx, req, resp, 0);
}

void h_event_unregister(void *ctx, struct request *req, struct response *resp)
{
	registration(ctx, req, resp, 1);
}

/* ---- Cancellation ---------------------------------------------------------------------- */

struct cancel {
	struct ev *v;
	const char *reason;
	enum event_outcome out;
};

static int cancel_tx(struct db *db, void *ud)
{
	struct cancel *k = ud;
	struct event_actor who = actor(&k->v->c);

	return event_cancel(db, &k->v->c.req->arena, &who, &k->v->e, k->reason, &k->out);
}

void h_event_cancel(void *ctx, struct request *req, struct response *resp)
{
	struct ev v;
	struct form f;
	struct cancel k = {&v, form_value(req, "reason"), EV_CHANGED};
	size_t len = strlen(k.reason);

	if (load_event(&v, ctx, req, resp) != 1 || !managers_only(&v))
		return;
	form_init(&f);
	form_keep(&f, "reason", k.reason);
	if (event_cancelled(&v.e))
		form_error(&f, "reason", "event.error.cancelled");
	else if (!len)
		form_error(&f, "reason", "event.error.reason");
	else if (utf8_length(k.reason, len) > EVENT_REASON_MAX)
		form_error(&f, "reason", "event.error.reason_long");
	if (form_has_errors(&f)) {
		show_event(&v, 422, NULL, form_json(&f));
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(v.c.app->pool, cancel_tx, &k) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (k.out != EV_CANCELLED) {
		show_event(&v, 409, "event.error.changed", NULL);
		return;
	}
	to_event(&v.c, v.e.id, "cancelled");
}

/* ---- The editor ------------------------------------------------------------------------- */

enum ftype { F_TEXT, F_TEXTAREA, F_SELECT, F_DATE, F_TIME, F_NUMBER, F_URL };

static const struct fdef {
	const char *name, *label, *hint;
	enum ftype type;
	int max;
	const char *col;
} fields[] = {
        {"title", "event.f.title", NULL, F_TEXT, EVENT_TITLE_MAX, "col-12"},
        {"description", "event.f.description", "event.f.description.hint", F_TEXTAREA,
         EVENT_DESCRIPTION_MAX, "col-12"},
        {"mode", "event.f.mode", NULL, F_SELECT, 20, "col-sm-6"},
        {"open_to", "event.f.open_to", NULL, F_SELECT, 20, "col-sm-6"},
        {"online_url", "event.f.online_url", "event.f.online_url.hint", F_URL, EVENT_URL_MAX,
         "col-12"},
        {"city", "event.f.city", "event.f.city.hint", F_TEXT, EVENT_TEXT_MAX, "col-sm-6"},
        {"address", "event.f.address", NULL, F_TEXT, EVENT_TEXT_MAX, "col-sm-6"},
        {"tz", "event.f.tz", "event.f.tz.hint", F_SELECT, 64, "col-12"},
        {"start_date", "event.f.start_date", NULL, F_DATE, 10, "col-6 col-md-3"},
        {"start_time", "event.f.start_time", NULL, F_TIME, 5, "col-6 col-md-3"},
        {"end_date", "event.f.end_date", NULL, F_DATE, 10, "col-6 col-md-3"},
        {"end_time", "event.f.end_time", NULL, F_TIME, 5, "col-6 col-md-3"},
        {"closes_date", "event.f.closes_date", "event.f.closes.hint", F_DATE, 10, "col-6 col-md-3"},
        {"closes_time", "event.f.closes_time", NULL, F_TIME, 5, "col-6 col-md-3"},
        {"capacity", "event.f.capacity", "event.f.capacity.hint", F_NUMBER, 5, "col-6 col-md-3"},
};
#define NFIELDS (int)(sizeof(fields) / sizeof(fields[0]))

static json_t *option(const char *value, const char *key, const char *text, int selected)
{
	return json_pack("{s:s, s:s?, s:s?, s:b}", "value", value, "key", key, "text", text,
	                 "selected", selected);
}

static json_t *options(const char *name, const char *cur)
{
	json_t *out = json_array();

	if (strcmp(name, "mode") == 0) {
		json_array_append_new(out, option("in_person", "event.mode.in_person", NULL,
		                                  strcmp(cur, "in_person") == 0));
		json_array_append_new(out, option("online", "event.mode.online", NULL,
		                                  strcmp(cur, "online") == 0));
	} else if (strcmp(name, "open_to") == 0) {
		json_array_append_new(out, option("members", "event.open_to.members", NULL,
		                                  strcmp(cur, "members") == 0));
		json_array_append_new(out, option("everyone", "event.open_to.everyone", NULL,
		                                  strcmp(cur, "everyone") == 0));
	} else {
		const char *const *z = event_zone_names();
		for (int i = 0; z && z[i]; i++)
			json_array_append_new(out,
			                      option(z[i], NULL, z[i], strcmp(cur, z[i]) == 0));
	}
	return out;
}

static const char *const input_types[] = {
        [F_TEXT] = "text", [F_TEXTAREA] = "",   [F_SELECT] = "", [F_DATE] = "date",
        [F_TIME] = "time", [F_NUMBER] = "text", [F_URL] = "url"};

static json_t *editor_fields(json_t *values, json_t *errors)
{
	json_t *out = json_array();

	for (int i = 0; i < NFIELDS; i++) {
		const struct fdef *f = &fields[i];
		const char *v = json_string_value(json_object_get(values, f->name));
		json_t *err = json_object_get(errors, f->name);
		v = v ? v : "";
		json_array_append_new(
		        out,
		        json_pack("{s:s, s:s, s:s?, s:s, s:s, s:i, s:s, s:b, s:b, s:b, s:O?, "
		                  "s:o?, s:b}",
		                  "name", f->name, "label", f->label, "hint", f->hint, "type",
		                  input_types[f->type], "value", v, "maxlength", f->max, "col",
		                  f->col, "is_select", f->type == F_SELECT, "is_textarea",
		                  f->type == F_TEXTAREA, "numeric", f->type == F_NUMBER, "error",
		                  err, "options", f->type == F_SELECT ? options(f->name, v) : NULL,
		                  "described", f->hint || err));
	}
	return out;
}

/* Shows the editor (status 200, 409 or 422); consumes values and errors.
 * values holds the fields and, when editing, "sequence": the version of
 * the event the form was made from (a hidden field). */
static void show_editor(struct pp *c, int status, const char *action, const char *slug,
                        const char *name, int64_t id, json_t *values, json_t *errors,
                        json_t *error_list)
{
	json_t *data = json_pack("{s:s, s:s, s:s, s:I, s:o, s:O?, s:b, s:{s:o, s:o}}", "action",
	                         action, "slug", slug, "network_name", name, "id", (json_int_t)id,
	                         "fields", editor_fields(values, errors), "sequence",
	                         json_object_get(values, "sequence"), "conflict", status == 409,
	                         "form", "errors", errors, "error_list", error_list);
	json_decref(values);
	page_render(c->app, c->req, c->resp, status, "event_edit",
	            id ? "event.edit.title" : "event.new.title", data);
}

static struct event_form posted(struct request *req)
{
	return (struct event_form){form_value(req, "title"),       form_value(req, "description"),
	                           form_value(req, "mode"),        form_value(req, "city"),
	                           form_value(req, "address"),     form_value(req, "online_url"),
	                           form_value(req, "open_to"),     form_value(req, "tz"),
	                           form_value(req, "start_date"),  form_value(req, "start_time"),
	                           form_value(req, "end_date"),    form_value(req, "end_time"),
	                           form_value(req, "closes_date"), form_value(req, "closes_time"),
	                           form_value(req, "capacity")};
}

static json_t *posted_values(struct request *req)
{
	json_t *v = json_object();

	for (int i = 0; i < NFIELDS; i++)
		json_object_set_new(v, fields[i].name,
		                    json_string(form_value(req, fields[i].name)));
	json_object_set_new(v, "sequence", json_string(form_value(req, "sequence")));
	return v;
}

/* The stored event as form values. */
static json_t *stored_values(struct pp *c, const struct event *e)
{
	struct arena *a = &c->req->arena;
	const struct tz *z = event_zone(e->tz);
	const char *sd = "", *st = "", *ed = "", *et = "", *cd = "", *ct = "";

	if (z) {
		event_local_fields(a, z, e->starts_at, &sd, &st);
		event_local_fields(a, z, e->ends_at, &ed, &et);
		event_local_fields(a, z, e->closes_at, &cd, &ct);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	                 "s:I, s:s}",
	                 "title", e->title, "description", e->description, "mode", e->mode, "city",
	                 e->city, "address", e->address, "online_url", e->online_url, "open_to",
	                 e->open_to, "tz", e->tz, "start_date", sd, "start_time", st, "end_date",
	                 ed, "end_time", et, "closes_date", cd, "closes_time", ct, "capacity",
	                 (json_int_t)e->capacity, "sequence", sql_int(a, e->sequence));
}

/* Reads the posted form into e; with issues, shows the editor (422) and
 * returns 0. */
static int read_form(struct ev *v, struct event *e, int64_t keep_start, const char *action,
                     int64_t id, const struct event *was)
{
	struct event_issues is = {0};
	struct event_form f = posted(v->c.req);
	json_t *errors, *list;

	event_read(&f, e, v->c.now, keep_start, &is);
	if (was && is.count == 0 && e->capacity < was->seats_taken)
		is.items[is.count++] =
		        (struct event_issue){"capacity", "event.error.capacity_below"};
	if (is.count == 0)
		return 1;
	errors = json_object();
	list = json_array();
	for (int i = 0; i < is.count; i++) {
		json_t *err =
		        json_pack("{s:s, s:s}", "field", is.items[i].field, "key", is.items[i].key);
		json_object_set(errors, is.items[i].field, err);
		json_array_append_new(list, err);
	}
	show_editor(&v->c, 422, action, v->n.slug, network_label(&v->n, v->c.l), id,
	            posted_values(v->c.req), errors, list);
	return 0;
}

struct save {
	struct ev *v;
	struct event *e;
	enum event_outcome out;
};

static int insert_tx(struct db *db, void *ud)
{
	struct save *s = ud;
	struct event_actor who = actor(&s->v->c);

	return event_insert(db, &s->v->c.req->arena, &who, s->e);
}

static int update_tx(struct db *db, void *ud)
{
	struct save *s = ud;
	struct event_actor who = actor(&s->v->c);

	return event_update(db, &s->v->c.req->arena, &who, &s->v->e, s->e, &s->out);
}

void h_event_new(void *ctx, struct request *req, struct response *resp)
{
	struct ev v;
	struct event e = {0};
	struct save s = {&v, &e, EV_SEAT};
	const char *action;

	pp_init(&v.c, ctx, req, resp);
	if (load_network(&v, req_param(req, "slug")) != 1 || !managers_only(&v))
		return;
	action = arena_printf(&req->arena, "networks/%s/events/new", v.n.slug);
	if (req->method != HTTP_POST) {
		json_t *values = json_pack("{s:s, s:s, s:s, s:s}", "mode", "in_person", "open_to",
		                           "members", "tz", "Africa/Casablanca", "capacity", "30");
		show_editor(&v.c, 200, action, v.n.slug, network_label(&v.n, v.c.l), 0, values,
		            json_object(), json_array());
		return;
	}
	if (!read_form(&v, &e, -1, action, 0, NULL))
		return;
	e.network = v.n.slug;
	if (sql_tx(v.c.app->pool, insert_tx, &s) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	to_event(&v.c, e.id, "created");
}

void h_event_edit(void *ctx, struct request *req, struct response *resp)
{
	struct ev v;
	struct event e = {0};
	struct save s = {&v, &e, EV_CHANGED};
	const char *action;

	if (load_event(&v, ctx, req, resp) != 1 || !managers_only(&v))
		return;
	if (event_cancelled(&v.e)) {
		show_event(&v, 422, "event.error.cancelled", NULL);
		return;
	}
	action = arena_printf(&req->arena, "events/%lld/edit", (long long)v.e.id);
	if (req->method != HTTP_POST) {
		show_editor(&v.c, 200, action, v.n.slug, network_label(&v.n, v.c.l), v.e.id,
		            stored_values(&v.c, &v.e), json_object(), json_array());
		return;
	}
	if (strcmp(form_value(req, "sequence"), sql_int(&req->arena, v.e.sequence)) != 0) {
		/* Changed since the form was shown: show the event as it is now. */
		show_editor(&v.c, 409, action, v.n.slug, network_label(&v.n, v.c.l), v.e.id,
		            stored_values(&v.c, &v.e), json_object(), json_array());
		return;
	}
	if (!read_form(&v, &e, v.e.starts_at, action, v.e.id, &v.e))
		return;
	if (sql_tx(v.c.app->pool, update_tx, &s) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (s.out != EV_SEAT) { /* changed meanwhile, or more seats taken than the new capacity */
		json_t *err = json_pack("{s:s, s:s}", "field", "capacity", "key",
		                        s.out == EV_CAPACITY_LOW ? "event.error.capacity_below"
		                                                 : "event.error.changed");
		show_editor(&v.c, s.out == EV_CAPACITY_LOW ? 422 : 409, action, v.n.slug,
		            network_label(&v.n, v.c.l), v.e.id, posted_values(req),
		            json_pack("{s:O}", "capacity", err), json_pack("[o]", err));
		return;
	}
	to_event(&v.c, v.e.id, "saved");
}

/* ---- Attendance ------------------------------------------------------------------------- */

/* The people holding a seat: [{id, name, attended: "1"/"0"/null}]. */
static json_t *roster(struct pp *c, int64_t event_id, int *err)
{
	struct db *db = db_pool_get(c->app->pool);
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT r.user_id, COALESCE(NULLIF(p.name, ''), NULLIF(p.name_ar, ''), u.email), "
	        "r.attended FROM event_registrations r JOIN users u ON u.id = r.user_id LEFT "
	        "JOIN profiles p ON p.user_id = r.user_id WHERE r.event_id = $1 AND r.state = "
	        "'registered' ORDER BY r.queued_at, r.user_id");
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_int(st, 1, event_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && n++ < ROSTER_MAX)
			json_array_append_new(
			        out,
			        json_pack("{s:I, s:s, s:b, s:b}", "id",
			                  (json_int_t)db_col_int(st, 0), "name",
			                  db_col_text(st, 1) ? db_col_text(st, 1) : "", "present",
			                  !db_col_is_null(st, 2) && db_col_int(st, 2) == 1,
			                  "absent",
			                  !db_col_is_null(st, 2) && db_col_int(st, 2) == 0));
	db_finalize(st);
	db_pool_put(c->app->pool, db);
	*err = rc < 0;
	return out;
}

static void show_attendance(struct ev *v, int status, const char *error)
{
	int err;
	json_t *people = roster(&v->c, v->e.id, &err);

	if (err) {
		json_decref(people);
		page_unavailable(v->c.app, v->c.req, v->c.resp);
		return;
	}
	page_render(v->c.app, v->c.req, v->c.resp, status, "event_attendance",
	            "event.attendance.title",
	            json_pack("{s:o, s:o, s:b, s:s?}", "event",
	                      event_json(&v->c, &v->e, network_label(&v->n, v->c.l)), "people",
	                      people, "started", v->c.now >= v->e.starts_at, "error", error));
}

struct attend {
	struct ev *v;
	int64_t user;
	int present;
	enum event_outcome out;
};

static int attend_tx(struct db *db, void *ud)
{
	struct attend *t = ud;
	struct event_actor who = actor(&t->v->c);

	return event_attend(db, &t->v->c.req->arena, &who, &t->v->e, t->user, t->present, &t->out);
}

void h_event_attendance(void *ctx, struct request *req, struct response *resp)
{
	struct ev v;
	struct attend t = {&v, 0, 0, EV_NOT_THERE};
	const char *mark;

	if (load_event(&v, ctx, req, resp) != 1 || !managers_only(&v))
		return;
	if (req->method != HTTP_POST) {
		show_attendance(&v, 200, NULL);
		return;
	}
	mark = form_value(req, "attended");
	if (v.c.now < v.e.starts_at || event_cancelled(&v.e)) {
		show_attendance(&v, 422,
		                event_cancelled(&v.e) ? "event.error.cancelled"
		                                      : "event.error.not_started");
		return;
	}
	if (parse_int64(form_value(req, "user"), 1, INT64_MAX, &t.user) < 0 ||
	    (strcmp(mark, "1") != 0 && strcmp(mark, "0") != 0)) {
		show_attendance(&v, 422, "event.error.attendance");
		return;
	}
	t.present = mark[0] == '1';
	if (sql_tx(v.c.app->pool, attend_tx, &t) < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (t.out != EV_SEAT) {
		show_attendance(&v, 422, "event.error.not_registered_user");
		return;
	}
	pp_redirect(&v.c, arena_printf(&req->arena, "events/%lld/attendance#u-%lld",
	                               (long long)v.e.id, (long long)t.user));
}

/* ---- iCalendar ---------------------------------------------------------------------------- */

static void send_calendar(struct pp *c, struct buf *b, const char *filename)
{
	resp_set(c->resp, 200, ICS_CONTENT_TYPE, b->data, b->len);
	resp_header(c->req, c->resp, "Content-Disposition",
	            arena_printf(&c->req->arena, "attachment; filename=\"%s\"", filename));
	resp_header(c->req, c->resp, "Cache-Control", "no-cache");
}

void h_event_ics(void *ctx, struct request *req, struct response *resp)
{
	struct ev v;
	struct buf b;

	if (load_event(&v, ctx, req, resp) != 1)
		return;
	buf_init(&b, 1 << 20);
	if (ics_begin(&b, "-//Kafaat//Events//EN") < 0 ||
	    event_ics(v.c.app, &b, &req->arena, &v.e, network_label(&v.n, v.c.l), v.c.l, v.c.now) <
	            0 ||
	    ics_end(&b) < 0)
		page_unavailable(v.c.app, req, resp);
	else
		send_calendar(&v.c, &b,
		              arena_printf(&req->arena, "event-%lld.ics", (long long)v.e.id));
	buf_release(&b);
}

void h_network_ics(void *ctx, struct request *req, struct response *resp)
{
	struct ev v;
	struct buf b;
	struct db *db;
	struct event *ev = arena_alloc(&req->arena, FEED_MAX * sizeof(*ev));
	int n, bad;

	pp_init(&v.c, ctx, req, resp);
	if (load_network(&v, req_param(req, "slug")) != 1)
		return;
	buf_init(&b, 8 << 20);
	db = db_pool_get(v.c.app->pool);
	/* The latest FEED_MAX events, written oldest first. */
	n = events_select(db, &req->arena,
	                  "WHERE e.network = $1 ORDER BY e.starts_at DESC, e.id DESC LIMIT 500", 1,
	                  (const char *[]){v.n.slug}, ev, FEED_MAX);
	db_pool_put(v.c.app->pool, db);
	bad = n < 0 || ics_begin(&b, "-//Kafaat//Events//EN") < 0 ||
	      ics_text(&b, "X-WR-CALNAME", network_label(&v.n, v.c.l)) < 0;
	for (int i = n - 1; i >= 0 && !bad; i--)
		bad = event_ics(v.c.app, &b, &req->arena, &ev[i], network_label(&v.n, v.c.l), v.c.l,
		                v.c.now) < 0;
	if (bad || ics_end(&b) < 0)
		page_unavailable(v.c.app, req, resp);
	else
		send_calendar(&v.c, &b, arena_printf(&req->arena, "%s.ics", v.n.slug));
	buf_release(&b);
}
