/* profile_pages: the expert's own profile (everything, with the
 * completeness indicator, the freshness block and the yearly
 * conflict-of-interest attestation), consent per audience, the profile as
 * another viewer may see it (visibility.h decides; every such view is
 * audited), and the skill suggestions of the editor's autocomplete. The
 * editor's steps are in profile_steps.c. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/search.h"
#include "app/search_pages.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/consent.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/profile.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "app/visibility.h"
#include "core/parse.h"

#define YEAR (365 * 86400)
#define SUGGESTIONS 10

/* ---- Shared helpers ----------------------------------------------------------------- */

void pp_init(struct pp *c, void *ctx, struct request *req, struct response *resp)
{
	c->app = ctx;
	c->req = req;
	c->resp = resp;
	c->id = auth_identity(req);
	c->l = page_lang(req);
	c->now = clock_now(c->app->cfg);
}

const char *pp_date(struct pp *c, const char *iso)
{
	int64_t y, m, d;
	struct buf b = BUF_INIT;
	const char *out = NULL;

	if (!iso || strlen(iso) < 10 || parse_int64_n(iso, 4, 1, 9999, &y) < 0 ||
	    parse_int64_n(iso + 5, 2, 1, 12, &m) < 0 || parse_int64_n(iso + 8, 2, 1, 31, &d) < 0)
		return NULL;
	if (i18n_format_date(c->l, (int)y, (int)m, (int)d, &b) == 0)
		out = arena_strdup(&c->req->arena, buf_str(&b));
	buf_release(&b);
	return out;
}

const char *pp_number(struct pp *c, int64_t v)
{
	struct buf b = BUF_INIT;
	const char *s;

	if (i18n_format_int(c->l, v, &b) < 0) {
		buf_release(&b);
		return arena_printf(&c->req->arena, "%lld", (long long)v);
	}
	s = arena_strdup(&c->req->arena, buf_str(&b));
	buf_release(&b);
	return s;
}

json_t *pp_posted_values(struct request *req)
{
	json_t *v = json_object();

	for (size_t i = 0; i < req->form.count; i++)
		if (strcmp(req->form.items[i].key, "csrf") != 0)
			json_object_set_new(v, req->form.items[i].key,
			                    json_string(req->form.items[i].value));
	return v;
}

void pp_redirect(struct pp *c, const char *path)
{
	resp_redirect(c->req, c->resp, 303,
	              arena_printf(&c->req->arena, "/%s/%s", lang_code(c->l), path));
}

void pp_not_found(struct pp *c)
{
	struct route_error e = {404, "not_found", NULL, 0};
	app_on_error(c->app, c->req, c->resp, &e);
}

const char *pp_asset(struct pp *c, const char *name)
{
	const char *etag = static_etag(c->app->statics, name);

	if (!etag)
		return arena_printf(&c->req->arena, "/static/%s", name);
	return arena_printf(&c->req->arena, "/static/%s?v=%.16s", name, etag + 1);
}

static const char *text_of(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static const char *label_of(struct pp *c, enum tax_kind k, const char *id)
{
	const char *l = id ? taxonomy_label(c->app->tx, k, id, c->l) : NULL;
	return l && *l ? l : id;
}

/* ---- The profile as shown ------------------------------------------------------------ */

static json_t *labels(struct pp *c, json_t *ids, enum tax_kind k)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(ids, i, e)
	{
		const char *label = label_of(c, k, json_string_value(e));
		json_array_append_new(out, json_string(label ? label : ""));
	}
	return out;
}

static json_t *keys(struct pp *c, json_t *words, const char *fmt)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(words, i, e)
	{
		const char *key = arena_printf(&c->req->arena, fmt, json_string_value(e));
		json_array_append_new(out, json_string(key));
	}
	return out;
}

/* "2020-05" → "05/2020" */
static const char *month_text(struct pp *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) != 7)
		return NULL;
	return arena_printf(&c->req->arena, "%.2s/%.4s", s + 5, s);
}

static json_t *languages_view(struct pp *c, json_t *list)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		const char *label = label_of(c, TAX_LANGUAGE, text_of(e, "code"));
		json_array_append_new(out, json_pack("{s:s, s:s}", "label", label ? label : "",
		                                     "level", text_of(e, "level")));
	}
	return out;
}

static json_t *education_view(struct pp *c, json_t *list)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		const char *country = json_string_value(json_object_get(e, "country"));
		json_t *year = json_object_get(e, "year");
		json_array_append_new(out,
		                      json_pack("{s:s, s:s, s:s, s:s?, s:O}", "degree",
		                                text_of(e, "degree"), "field", text_of(e, "field"),
		                                "institution", text_of(e, "institution"), "country",
		                                label_of(c, TAX_COUNTRY, country), "year",
		                                year ? year : json_null()));
	}
	return out;
}

static json_t *experience_view(struct pp *c, json_t *list)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		const char *sector = json_string_value(json_object_get(e, "sector"));
		const char *country = json_string_value(json_object_get(e, "country"));
		json_array_append_new(out,
		                      json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "role",
		                                text_of(e, "role"), "organisation",
		                                text_of(e, "organisation"), "sector",
		                                label_of(c, TAX_SECTOR, sector), "country",
		                                label_of(c, TAX_COUNTRY, country), "from",
		                                month_text(c, json_object_get(e, "from")), "to",
		                                month_text(c, json_object_get(e, "to"))));
	}
	return out;
}

static json_t *skills_view(struct pp *c, json_t *list)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));
		json_array_append_new(
		        out, json_pack("{s:s, s:O, s:O, s:b}", "label",
		                       id ? label_of(c, TAX_SKILL, id) : text_of(e, "name"),
		                       "level", json_object_get(e, "level") ?: json_null(), "years",
		                       json_object_get(e, "years") ?: json_null(), "free", !id));
	}
	return out;
}

static json_t *periods_view(struct pp *c, json_t *list)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		json_array_append_new(out, json_pack("{s:s?, s:s?, s:s}", "from",
		                                     pp_date(c, text_of(e, "from")), "to",
		                                     pp_date(c, text_of(e, "to")), "city",
		                                     text_of(e, "city")));
	}
	return out;
}

static json_t *offer_view(struct pp *c, json_t *o)
{
	const char *pay = text_of(o, "pay");

	return json_pack("{s:o, s:o, s:O, s:s?}", "modes",
	                 keys(c, json_object_get(o, "modes"), "profile.mode.%s"), "presence",
	                 keys(c, json_object_get(o, "presence"), "profile.presence.%s"), "hours",
	                 json_object_get(o, "hours_per_month") ?: json_null(), "pay",
	                 *pay ? arena_printf(&c->req->arena, "profile.pay.%s", pay) : NULL);
}

static json_t *links_view(json_t *l)
{
	const char *orcid = text_of(l, "orcid");

	if (strncmp(orcid, "https://orcid.org/", 18) == 0)
		orcid += 18;
	return json_pack("{s:s, s:s, s:s}", "linkedin", text_of(l, "linkedin"), "orcid", orcid,
	                 "website", text_of(l, "website"));
}

static void copy_texts(json_t *v, json_t *p)
{
	static const char *const names[] = {"name", "name_ar", "headline", "city", "bio", "email"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (json_is_string(json_object_get(p, names[i])))
			json_object_set(v, names[i], json_object_get(p, names[i]));
}

static void view_lists(struct pp *c, json_t *v, json_t *p)
{
	json_t *x;

	if ((x = json_object_get(p, "languages")))
		json_object_set_new(v, "languages", languages_view(c, x));
	if ((x = json_object_get(p, "education")))
		json_object_set_new(v, "education", education_view(c, x));
	if ((x = json_object_get(p, "experience")))
		json_object_set_new(v, "experience", experience_view(c, x));
	if ((x = json_object_get(p, "skills")))
		json_object_set_new(v, "skills", skills_view(c, x));
	if ((x = json_object_get(p, "availability")))
		json_object_set_new(v, "availability", periods_view(c, x));
	if ((x = json_object_get(p, "stays")))
		json_object_set_new(v, "stays", periods_view(c, x));
}

static void view_refs(struct pp *c, json_t *v, json_t *p)
{
	json_t *x;

	if ((x = json_object_get(p, "sectors")))
		json_object_set_new(v, "sectors", labels(c, x, TAX_SECTOR));
	if ((x = json_object_get(p, "preferred_sectors")))
		json_object_set_new(v, "preferred_sectors", labels(c, x, TAX_SECTOR));
	if ((x = json_object_get(p, "regions")))
		json_object_set_new(v, "regions", labels(c, x, TAX_REGION));
	if ((x = json_object_get(p, "nationalities")))
		json_object_set_new(v, "nationalities", labels(c, x, TAX_COUNTRY));
	if ((x = json_object_get(p, "country")) && json_is_string(x))
		json_object_set_new(v, "country",
		                    json_string(label_of(c, TAX_COUNTRY, json_string_value(x))));
	if ((x = json_object_get(p, "isco")) && json_is_string(x))
		json_object_set_new(
		        v, "isco",
		        json_string(arena_printf(&c->req->arena, "%s — %s", json_string_value(x),
		                                 label_of(c, TAX_ISCO, json_string_value(x)))));
}

static void view_scalars(struct pp *c, json_t *v, json_t *p)
{
	json_t *x;

	if ((x = json_object_get(p, "gender")) && json_string_length(x))
		json_object_set_new(v, "gender",
		                    json_string(arena_printf(&c->req->arena, "profile.gender.%s",
		                                             json_string_value(x))));
	if ((x = json_object_get(p, "birth_year")) && json_is_integer(x))
		json_object_set(v, "birth_year", x);
	if ((x = json_object_get(p, "years_experience")) && json_is_integer(x))
		json_object_set(v, "years_experience", x);
	if ((x = json_object_get(p, "offer")))
		json_object_set_new(v, "offer", offer_view(c, x));
	if ((x = json_object_get(p, "links")))
		json_object_set_new(v, "links", links_view(x));
}

/* What the templates show of a profile: only the members present in p
 * (visibility_filter removed the others), as labels in the page's language. */
static json_t *view_json(struct pp *c, json_t *p)
{
	json_t *v = json_object();

	copy_texts(v, p);
	view_lists(c, v, p);
	view_refs(c, v, p);
	view_scalars(c, v, p);
	return v;
}

/* Has v something to show (text, a number, a list or object with one)? */
static int filled(json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return 1;
	json_array_foreach(v, i, e)
	{
		if (filled(e))
			return 1;
	}
	json_object_foreach(v, k, e)
	{
		if (filled(e))
			return 1;
	}
	return 0;
}

/* The sections of a shown profile and the members of view_json they show. */
static const struct {
	const char *name;
	const char *members[11];
} sections[] = {
        {"identity",
         {"name", "name_ar", "headline", "country", "city", "nationalities", "gender", "birth_year",
          "email", "bio", NULL}},
        {"languages", {"languages", NULL}},
        {"skills", {"skills", NULL}},
        {"sectors", {"sectors", "preferred_sectors", "isco", NULL}},
        {"experience", {"experience", "years_experience", NULL}},
        {"education", {"education", NULL}},
        {"offer", {"offer", "availability", "stays", "regions", NULL}},
        {"links", {"links", NULL}},
};

/* Adds page.filled.SECTION (something to show) and page.show.SECTION
 * (filled, or the owner's page: an empty section invites to fill it). */
static void add_sections(json_t *data, json_t *v, int owner)
{
	json_t *show = json_object(), *full = json_object();

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		int any = 0;
		for (int j = 0; sections[i].members[j]; j++)
			any |= filled(json_object_get(v, sections[i].members[j]));
		json_object_set_new(full, sections[i].name, json_boolean(any));
		json_object_set_new(show, sections[i].name, json_boolean(any || owner));
	}
	json_object_set_new(data, "show", show);
	json_object_set_new(data, "filled", full);
}

/* ---- Completeness ---------------------------------------------------------------------- */

/* What a complete profile has, where to add it and why it matters: the
 * rules of profile.h (profile_rules), the same ones the "identified"
 * indicator counts. */
static json_t *completeness(struct pp *c, json_t *p, unsigned consents)
{
	json_t *missing = json_array();
	int n = PROFILE_RULES, done = 0;
	struct arena *a = &c->req->arena;

	for (int i = 0; i < n; i++) {
		if (profile_rules[i].done(p, consents)) {
			done++;
			continue;
		}
		json_array_append_new(
		        missing,
		        json_pack(
		                "{s:s, s:s, s:s}", "what",
		                arena_printf(a, "profile.complete.%s.what", profile_rules[i].name),
		                "why",
		                arena_printf(a, "profile.complete.%s.why", profile_rules[i].name),
		                "href",
		                arena_printf(a, "/%s/profile/%s", lang_code(c->l),
		                             profile_rules[i].step)));
	}
	return json_pack("{s:i, s:o, s:b}", "percent", done * 100 / n, "missing", missing,
	                 "complete", done == n);
}

/* ---- The expert's own view -------------------------------------------------------------- */

struct own {
	struct pp *c;
	json_t *profile; /* profile_load's, or {} */
	unsigned consents;
	const char *coi_at; /* NULL: never attested */
	const char *coi_statement;
};

static int load_own(struct own *o)
{
	struct pp *c = o->c;
	struct db *db = db_pool_get(c->app->pool);
	const char *row[2] = {NULL, NULL};
	int found, rc;

	o->profile = profile_load(db, c->id->user_id, &found);
	rc = found < 0 ? -1 : consent_get(db, c->id->user_id, &o->consents);
	if (rc == 0)
		rc = sql_row(
		        db, &c->req->arena,
		        "SELECT coi_attested_at, coi_statement FROM profiles WHERE user_id = $1", 1,
		        (const char *[]){sql_int(&c->req->arena, c->id->user_id)}, row, 2);
	db_pool_put(c->app->pool, db);
	o->coi_at = row[0];
	o->coi_statement = row[1];
	if (!o->profile)
		o->profile = json_object();
	return rc < 0 ? -1 : 0;
}

static json_t *freshness(struct own *o)
{
	struct pp *c = o->c;
	const char *confirmed = json_string_value(json_object_get(o->profile, "confirmed_at"));
	const char *paused = json_string_value(json_object_get(o->profile, "paused_until"));
	char min[ISO_TIME_LEN + 1], max[ISO_TIME_LEN + 1];

	iso_time(c->now + 86400, min);
	iso_time(c->now + YEAR, max);
	min[10] = max[10] = '\0';
	return json_pack("{s:s?, s:b, s:b, s:s?, s:s, s:s}", "confirmed", pp_date(c, confirmed),
	                 "dormant", visibility_dormant(confirmed, c->now), "paused",
	                 visibility_paused(paused, c->now), "paused_until", pp_date(c, paused),
	                 "min", min, "max", max);
}

static json_t *attestation(struct own *o)
{
	int64_t t;
	int due = !o->coi_at || iso_parse(o->coi_at, &t) < 0 || o->c->now - t > YEAR;

	return json_pack("{s:s?, s:b, s:s}", "at", pp_date(o->c, o->coi_at), "due", due,
	                 "statement", o->coi_statement ? o->coi_statement : "");
}

static void show_own(struct pp *c, int status, json_t *form, const char *done)
{
	struct own o = {c, NULL, 0, NULL, NULL};

	if (load_own(&o) < 0) {
		json_decref(o.profile);
		json_decref(form);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	json_t *data = json_pack(
	        "{s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:s?, s:o}", "v", view_json(c, o.profile),
	        "owner", 1, "nav", profile_steps_nav(c, NULL), "completeness",
	        completeness(c, o.profile, o.consents), "freshness", freshness(&o), "coi",
	        attestation(&o), "form", form ? form : json_object(), "done", done, "id",
	        json_string(sql_int(&c->req->arena, c->id->user_id)));
	json_decref(o.profile);
	add_sections(data, json_object_get(data, "v"), 1);
	json_t *needs = search_recommended(c->app, c->req, 3);
	if (needs)
		json_object_set_new(data, "recommended", needs);
	page_render(c->app, c->req, c->resp, status, "profile_view", "profile.view.title", data);
}

/* The notice of a done action: ?done=confirmed → "profile.done.confirmed". */
static const char *done_key(struct pp *c)
{
	static const char *const known[] = {"confirmed", "paused", "resumed", "attested"};
	const char *d = kvlist_get(&c->req->query, "done");

	for (size_t i = 0; d && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(d, known[i]) == 0)
			return arena_printf(&c->req->arena, "profile.done.%s", d);
	return NULL;
}

void h_profile(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	show_own(&c, 200, NULL, done_key(&c));
}

/* ---- Freshness: confirm, pause, resume; attestation ----------------------------------- */

struct change {
	struct pp *c;
	const char *sql; /* $1: the user, $2: now, $3: the value (when there is one) */
	const char *value;
	int create; /* make an empty profile first when there is none */
	int64_t changed;
};

static int change_tx(struct db *db, void *ud)
{
	struct change *ch = ud;
	struct pp *c = ch->c;
	char now[ISO_TIME_LEN + 1];
	const char *uid = sql_int(&c->req->arena, c->id->user_id);

	iso_time(c->now, now);
	if (ch->create && sql_exec(db,
	                           "INSERT INTO profiles (user_id, created_at, updated_at) VALUES "
	                           "($1, $2, $2) ON CONFLICT (user_id) DO NOTHING",
	                           2, (const char *[]){uid, now}) < 0)
		return -1;
	ch->changed =
	        sql_exec(db, ch->sql, ch->value ? 3 : 2, (const char *[]){uid, now, ch->value});
	if (ch->changed > 0 && search_touch(db, "expert", c->id->user_id, c->now) < 0)
		return -1;
	return ch->changed < 0 ? -1 : 0;
}

/* Runs one change of the profile row, then redirects to the profile with
 * ?done=done (to the editor when there is no profile to change). */
static void change(struct pp *c, const char *sql, const char *value, int create, const char *done)
{
	struct change ch = {c, sql, value, create, 0};

	if (sql_tx(c->app->pool, change_tx, &ch) < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	search_changed(c->app);
	if (ch.changed == 0)
		pp_redirect(c, "profile/edit/" PROFILE_FIRST_STEP);
	else
		pp_redirect(c, arena_printf(&c->req->arena, "profile?done=%s", done));
}

/* "My profile is still accurate": only the date of confirmation changes. */
void h_profile_confirm(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	change(&c, "UPDATE profiles SET confirmed_at = $2 WHERE user_id = $1", NULL, 0,
	       "confirmed");
}

void h_profile_resume(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	change(&c, "UPDATE profiles SET paused_until = NULL, updated_at = $2 WHERE user_id = $1",
	       NULL, 0, "resumed");
}

/* The refused form of the profile page: {values, errors, error_list}. */
static void refuse(struct pp *c, struct form *f)
{
	show_own(c, 422, form_json(f), NULL);
}

static int valid_day(const char *s, int64_t *t)
{
	char full[32];

	if (strlen(s) != 10)
		return 0;
	snprintf(full, sizeof(full), "%sT00:00:00Z", s);
	return iso_parse(full, t) == 0;
}

void h_profile_pause(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct form f;
	const char *until = form_value(req, "until");
	int64_t t = 0;

	pp_init(&c, ctx, req, resp);
	form_init(&f);
	form_keep(&f, "until", until);
	if (!valid_day(until, &t))
		form_error(&f, "until", "profile.error.bad_date");
	else if (t <= c.now || t > c.now + YEAR)
		form_error(&f, "until", "profile.error.pause_range");
	if (form_has_errors(&f)) {
		refuse(&c, &f);
		return;
	}
	json_decref(form_json(&f));
	change(&c, "UPDATE profiles SET paused_until = $3, updated_at = $2 WHERE user_id = $1",
	       until, 1, "paused");
}

void h_profile_coi(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct form f;
	const char *statement = form_value(req, "statement");

	pp_init(&c, ctx, req, resp);
	form_init(&f);
	form_keep(&f, "statement", statement);
	if (strcmp(form_value(req, "attest"), "yes") != 0)
		form_error(&f, "attest", "profile.error.attest_required");
	if (form_has_errors(&f)) {
		refuse(&c, &f);
		return;
	}
	json_decref(form_json(&f));
	change(&c,
	       "UPDATE profiles SET coi_attested_at = $2, coi_statement = $3 WHERE user_id = $1",
	       statement, 1, "attested");
}

/* ---- Consent per audience ------------------------------------------------------------- */

struct consent_page {
	struct pp *c;
	enum consent_audience aud;
	int granted;
};

/* One audience on the page: its stored choice (r, consumed; NULL: never
 * given), what it means, and the button that turns it over. */
static json_t *audience_json(struct pp *c, enum consent_audience a, json_t *r)
{
	const char *name = consent_audience_name(a);
	struct arena *m = &c->req->arena;

	if (!r)
		r = json_pack("{s:b, s:n, s:n}", "granted", 0, "version", "date");
	json_object_set_new(r, "id", json_string(name));
	json_object_set_new(r, "title", json_string(arena_printf(m, "consent.%s.title", name)));
	json_object_set_new(r, "what", json_string(arena_printf(m, "consent.%s.what", name)));
	json_object_set_new(
	        r, "toggle",
	        json_string(arena_printf(m, "%s:%d", name,
	                                 !json_is_true(json_object_get(r, "granted")))));
	return r;
}

static json_t *audiences_json(struct pp *c, struct db *db)
{
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT audience, granted, notice_version, at FROM consents WHERE user_id = $1");
	json_t *rows[AUD_COUNT] = {NULL}, *out = json_array();
	enum consent_audience a;
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, c->id->user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			if (consent_audience_parse(db_col_text(st, 0), &a) == 0 && !rows[a])
				rows[a] = json_pack("{s:b, s:I, s:s?}", "granted",
				                    db_col_int(st, 1) == 1, "version",
				                    (json_int_t)db_col_int(st, 2), "date",
				                    pp_date(c, db_col_text(st, 3)));
	db_finalize(st);
	for (int i = 0; i < AUD_COUNT; i++)
		json_array_append_new(out, audience_json(c, (enum consent_audience)i, rows[i]));
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *consent_history(struct pp *c, struct db *db)
{
	struct db_stmt *st = db_prepare(db, "SELECT audience, granted, notice_version, at FROM "
	                                    "consent_events WHERE user_id = $1 ORDER BY at DESC, "
	                                    "id DESC LIMIT 20");
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, c->id->user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			json_array_append_new(
			        out, json_pack("{s:s, s:b, s:I, s:s?}", "title",
			                       arena_printf(&c->req->arena, "consent.%s.title",
			                                    db_col_text(st, 0)),
			                       "granted", db_col_int(st, 1) == 1, "version",
			                       (json_int_t)db_col_int(st, 2), "date",
			                       pp_date(c, db_col_text(st, 3))));
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static void show_consent(struct pp *c, int status, const char *done, const char *error)
{
	struct db *db = db_pool_get(c->app->pool);
	json_t *aud = audiences_json(c, db), *history = aud ? consent_history(c, db) : NULL;

	db_pool_put(c->app->pool, db);
	if (!aud || !history) {
		json_decref(aud);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	page_render(c->app, c->req, c->resp, status, "profile_consent", "consent.title",
	            json_pack("{s:o, s:o, s:o, s:s?, s:s?, s:i, s:b}", "audiences", aud, "history",
	                      history, "nav", profile_steps_nav(c, "consent"), "done", done,
	                      "error", error, "version", PRIVACY_NOTICE_VERSION, "saved",
	                      kvlist_get(&c->req->query, "saved") != NULL));
}

static int consent_tx(struct db *db, void *ud)
{
	struct consent_page *cp = ud;
	int rc = consent_set(db, cp->c->id->user_id, cp->aud, cp->granted, "web", cp->c->now);

	return rc < 0 ? -1 : 0;
}

/* "institutions:1" → the audience and the choice. */
static int parse_toggle(const char *s, struct consent_page *cp)
{
	const char *colon = strchr(s, ':');
	char name[32];

	if (!colon || (size_t)(colon - s) >= sizeof(name) ||
	    (strcmp(colon, ":1") != 0 && strcmp(colon, ":0") != 0))
		return -1;
	snprintf(name, sizeof(name), "%.*s", (int)(colon - s), s);
	cp->granted = colon[1] == '1';
	return consent_audience_parse(name, &cp->aud);
}

void h_profile_consent(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct consent_page cp = {&c, AUD_PROGRAMME, 0};
	const char *d;

	pp_init(&c, ctx, req, resp);
	if (req->method != HTTP_POST) {
		d = kvlist_get(&req->query, "done");
		show_consent(&c, 200,
		             d && (strcmp(d, "given") == 0 || strcmp(d, "withdrawn") == 0)
		                     ? arena_printf(&req->arena, "consent.done.%s", d)
		                     : NULL,
		             NULL);
		return;
	}
	if (parse_toggle(form_value(req, "set"), &cp) < 0) {
		show_consent(&c, 422, NULL, "consent.error.choice");
		return;
	}
	if (sql_tx(c.app->pool, consent_tx, &cp) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	search_changed(c.app); /* a withdrawal hides the profile from search at once */
	pp_redirect(&c,
	            cp.granted ? "profile/consent?done=given" : "profile/consent?done=withdrawn");
}

/* ---- The profile as another viewer may see it ----------------------------------------- */

struct viewing {
	struct pp *c;
	int64_t owner;
	enum visibility level;
};

static int viewed_tx(struct db *db, void *ud)
{
	struct viewing *v = ud;
	struct pp *c = v->c;
	struct audit_entry e = {
	        c->id && !c->id->second_step_pending ? c->id->user_id : 0,
	        "profile_viewed",
	        "user",
	        sql_int(&c->req->arena, v->owner),
	        req_ip(c->req),
	        arena_printf(&c->req->arena, "{\"level\":\"%s\"}", visibility_name(v->level))};

	return audit_append(db, c->now, &e);
}

/* The profile at the viewer's level, with its email for those who may
 * see contact details; NULL on error. */
static json_t *visible_profile(struct pp *c, struct db *db, int64_t owner, enum visibility level)
{
	int found;
	json_t *p = profile_load(db, owner, &found);
	struct user u;

	if (p && visibility_allows(level, PART_CONTACT)) {
		if (user_by_id(db, &c->req->arena, owner, &u) != 1) {
			json_decref(p);
			return NULL;
		}
		json_object_set_new(p, "email", json_string(u.email));
	}
	visibility_filter(p, level);
	return p;
}

/* Decides v->level for the viewer and loads what it may see into *p.
 * Returns 0, or -1 on a database error. */
static int load_visible(struct viewing *v, json_t **p)
{
	struct pp *c = v->c;
	struct visibility_facts f;
	struct db *db = db_pool_get(c->app->pool);
	int rc = visibility_facts_load(db, c->id, v->owner, c->now, &f);

	v->level = rc == 1 ? visibility_of(c->id, &f) : VIS_NONE;
	*p = v->level != VIS_NONE ? visible_profile(c, db, v->owner, v->level) : NULL;
	db_pool_put(c->app->pool, db);
	return rc < 0 || (v->level != VIS_NONE && !*p) ? -1 : 0;
}

static void show_visible(struct viewing *v, json_t *p)
{
	struct pp *c = v->c;
	struct arena *a = &c->req->arena;
	json_t *data = json_pack("{s:o, s:b, s:s, s:s}", "v", view_json(c, p), "owner", 0, "level",
	                         arena_printf(a, "profile.level.%s", visibility_name(v->level)),
	                         "id", sql_int(a, v->owner));

	add_sections(data, json_object_get(data, "v"), 0);
	page_render(c->app, c->req, c->resp, 200, "profile_public", "profile.public.title", data);
}

void h_expert(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct viewing v = {&c, 0, VIS_NONE};
	json_t *p = NULL;

	pp_init(&c, ctx, req, resp);
	if (parse_int64(req_param(req, "id"), 1, INT64_MAX, &v.owner) < 0) {
		pp_not_found(&c);
		return;
	}
	if (load_visible(&v, &p) < 0)
		page_unavailable(c.app, req, resp);
	else if (v.level == VIS_NONE)
		pp_not_found(&c); /* never tell that a hidden profile exists */
	else if (v.level != VIS_OWNER && sql_tx(c.app->pool, viewed_tx, &v) < 0)
		page_unavailable(c.app, req, resp); /* not shown when the view cannot be audited */
	else
		show_visible(&v, p);
	json_decref(p);
}

/* ---- Skill suggestions (the editor's autocomplete) ------------------------------------- */

void h_api_skills(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	const char *q = kvlist_get(&req->query, "q"), *ls = kvlist_get(&req->query, "lang");
	enum lang l;

	if (!ls || lang_parse(ls, &l) < 0)
		l = page_lang(req);
	json_respond(req, resp, 200,
	             json_pack("{s:s, s:s, s:o}", "query", q ? q : "", "lang", lang_code(l),
	                       "skills",
	                       taxonomy_suggest(app->tx, TAX_SKILL, q ? q : "", l, SUGGESTIONS)));
	resp_header(req, resp, "Cache-Control", "public, max-age=300");
}
