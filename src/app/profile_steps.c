/* profile_steps: the profile editor, one form per step, without JavaScript.
 *
 * GET /LANG/profile/edit/STEP shows the step filled from the saved profile;
 * POST saves it and redirects to the next step (post-redirect-get). A step
 * turns its form into the import-format JSON of its part (profile.h),
 * merges it into the saved profile, and has profile_normalise check the
 * whole; any error shows the step again (422) with each message next to
 * its field and nothing saved. Saving a step confirms the profile.
 *
 * Each step is described by a table (groups of fields, repeated rows,
 * checkbox lists) that drives the reading of the form, the mapping of the
 * model's errors to fields and the page (templates/profile_step.html and
 * profile_cell.html render any step). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/search.h"
#include "app/profile.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/log.h"
#include "core/parse.h"

/* ---- Step tables ---------------------------------------------------------------- */

enum input { IN_TEXT, IN_NUMBER, IN_DATE, IN_MONTH, IN_URL, IN_TEXTAREA, IN_SELECT };
/* How a field becomes JSON: text; an integer (empty: absent); a reference
 * (text, absent or null when empty). */
enum vkind { VK_TEXT, VK_INT, VK_REF };
enum opts {
	OPT_NONE,
	OPT_CEFR,
	OPT_LEVEL5,
	OPT_SECTORS,
	OPT_COUNTRIES,
	OPT_GENDER,
	OPT_PAY,
	OPT_ISCO
};
/* What a field shows of a stored id. */
enum shown { SHOW_PLAIN, SHOW_LANGUAGE, SHOW_COUNTRY, SHOW_SKILL };
enum checks {
	CK_NONE,
	CK_NATIONALITIES,
	CK_SECTORS,
	CK_PREFERRED,
	CK_MODES,
	CK_PRESENCE,
	CK_REGIONS
};

#define F_WARN 1u  /* the hint is a warning */
#define F_SKILL 2u /* skill autocomplete */

struct fdef {
	const char *name;  /* form name, or a row column's suffix */
	const char *json;  /* path in the profile ("offer.pay"), or a row item's member */
	const char *label; /* catalogue keys */
	const char *hint;
	enum input input;
	enum vkind kind;
	enum opts opts;
	enum shown shown;
	int required; /* in rows: sent even when empty (the model says it is required) */
	int max;
	const char *col;          /* grid classes */
	const char *list;         /* datalist id */
	const char *autocomplete; /* the HTML autocomplete token */
	unsigned flags;
};

struct rdef {
	const char *list;   /* JSON list */
	const char *prefix; /* form names: PREFIX_N_NAME */
	const char *legend; /* "Language {n}" */
	int max;
	const struct fdef *cols;
	int ncols;
	const char *row_error; /* the column showing errors of the whole row */
};

struct gdef {
	const char *title;
	const char *hint;
	enum checks checks;
	const struct fdef *fields;
	int nfields;
	const struct rdef *rows;
};

struct sdef {
	const char *slug;
	const char *title;
	const char *intro;
	const struct gdef *groups;
	int ngroups;
};

#define N(a) (int)(sizeof(a) / sizeof(a[0]))
#define COL_HALF "col-sm-6"
#define COL_THIRD "col-sm-6 col-lg-4"
#define COL_SMALL "col-6 col-lg-2"
#define COL_FULL "col-12"

/* identity */
static const struct fdef names_fields[] = {
        {"name", "name", "profile.f.name", "profile.f.name.hint", IN_TEXT, VK_TEXT, 0, 0, 0, 200,
         COL_HALF, NULL, "name", 0},
        {"name_ar", "name_ar", "profile.f.name_ar", "profile.f.name_ar.hint", IN_TEXT, VK_TEXT, 0,
         0, 0, 200, COL_HALF, NULL, "off", 0},
        {"gender", "gender", "profile.f.gender", NULL, IN_SELECT, VK_TEXT, OPT_GENDER, 0, 0, 1,
         COL_HALF, NULL, NULL, 0},
        {"birth_year", "birth_year", "profile.f.birth_year", "profile.f.birth_year.hint", IN_NUMBER,
         VK_INT, 0, 0, 0, 4, COL_HALF, NULL, "bday-year", 0},
};
static const struct fdef residence_fields[] = {
        {"country", "country", "profile.f.country", NULL, IN_SELECT, VK_REF, OPT_COUNTRIES, 0, 0,
         100, COL_HALF, NULL, NULL, 0},
        {"city", "city", "profile.f.city", NULL, IN_TEXT, VK_TEXT, 0, 0, 0, 100, COL_HALF, NULL,
         "address-level2", 0},
};
static const struct fdef nat_fields[] = {
        {"nat_add", NULL, "profile.f.nat_add", NULL, IN_SELECT, VK_REF, OPT_COUNTRIES, 0, 0, 100,
         COL_HALF, NULL, NULL, 0},
};
static const struct fdef about_fields[] = {
        {"headline", "headline", "profile.f.headline", "profile.f.headline.hint", IN_TEXT, VK_TEXT,
         0, 0, 0, 200, COL_FULL, NULL, "off", 0},
        {"bio", "bio", "profile.f.bio", "profile.f.bio.warning", IN_TEXTAREA, VK_TEXT, 0, 0, 0,
         5000, COL_FULL, NULL, "off", F_WARN},
};
static const struct gdef identity_groups[] = {
        {"profile.g.names", NULL, CK_NONE, names_fields, N(names_fields), NULL},
        {"profile.g.residence", NULL, CK_NONE, residence_fields, N(residence_fields), NULL},
        {"profile.g.nationalities", "profile.g.nationalities.hint", CK_NATIONALITIES, nat_fields,
         N(nat_fields), NULL},
        {"profile.g.about", NULL, CK_NONE, about_fields, N(about_fields), NULL},
};

/* languages */
static const struct fdef lang_cols[] = {
        {"code", "code", "profile.f.language", "profile.f.language.hint", IN_TEXT, VK_TEXT, 0,
         SHOW_LANGUAGE, 1, 100, "col-sm-7", "dl-languages", "off", 0},
        {"level", "level", "profile.f.cefr", NULL, IN_SELECT, VK_TEXT, OPT_CEFR, 0, 1, 2,
         "col-sm-5", NULL, NULL, 0},
};
static const struct rdef lang_rows = {
        "languages",  "lang", "profile.row.language", PROFILE_LANGUAGES, lang_cols,
        N(lang_cols), "level"};
static const struct gdef languages_groups[] = {
        {"profile.g.languages", "profile.g.languages.hint", CK_NONE, NULL, 0, &lang_rows},
};

/* education */
static const struct fdef edu_cols[] = {
        {"degree", "degree", "profile.f.degree", NULL, IN_TEXT, VK_TEXT, 0, 0, 1, 200, COL_HALF,
         NULL, "off", 0},
        {"field", "field", "profile.f.field", NULL, IN_TEXT, VK_TEXT, 0, 0, 0, 200, COL_HALF, NULL,
         "off", 0},
        {"institution", "institution", "profile.f.institution", NULL, IN_TEXT, VK_TEXT, 0, 0, 0,
         200, COL_HALF, NULL, "off", 0},
        {"country", "country", "profile.f.country", NULL, IN_TEXT, VK_REF, 0, SHOW_COUNTRY, 0, 100,
         COL_SMALL " col-lg-4", "dl-countries", "off", 0},
        {"year", "year", "profile.f.year", NULL, IN_NUMBER, VK_INT, 0, 0, 0, 4, COL_SMALL, NULL,
         "off", 0},
};
static const struct rdef edu_rows = {
        "education", "edu", "profile.row.education", PROFILE_EDUCATION, edu_cols,
        N(edu_cols), "year"};
static const struct gdef education_groups[] = {
        {"profile.g.education", "profile.g.education.hint", CK_NONE, NULL, 0, &edu_rows},
};

/* experience */
static const struct fdef years_fields[] = {
        {"years_experience", "years_experience", "profile.f.years_experience", NULL, IN_NUMBER,
         VK_INT, 0, 0, 0, 2, COL_HALF, NULL, "off", 0},
};
static const struct fdef exp_cols[] = {
        {"role", "role", "profile.f.role", NULL, IN_TEXT, VK_TEXT, 0, 0, 1, 200, COL_HALF, NULL,
         "organization-title", 0},
        {"organisation", "organisation", "profile.f.organisation", NULL, IN_TEXT, VK_TEXT, 0, 0, 0,
         200, COL_HALF, NULL, "organization", 0},
        {"sector", "sector", "profile.f.sector", NULL, IN_SELECT, VK_REF, OPT_SECTORS, 0, 0, 64,
         COL_HALF, NULL, NULL, 0},
        {"country", "country", "profile.f.country", NULL, IN_TEXT, VK_REF, 0, SHOW_COUNTRY, 0, 100,
         COL_HALF, "dl-countries", "off", 0},
        {"from", "from", "profile.f.from_month", "profile.f.month.hint", IN_MONTH, VK_REF, 0, 0, 0,
         7, COL_HALF, NULL, "off", 0},
        {"to", "to", "profile.f.to_month", "profile.f.to_month.hint", IN_MONTH, VK_REF, 0, 0, 0, 7,
         COL_HALF, NULL, "off", 0},
};
static const struct rdef exp_rows = {
        "experience", "exp", "profile.row.experience", PROFILE_EXPERIENCE, exp_cols,
        N(exp_cols),  "to"};
static const struct gdef experience_groups[] = {
        {"profile.g.career", NULL, CK_NONE, years_fields, N(years_fields), NULL},
        {"profile.g.experience", "profile.g.experience.hint", CK_NONE, NULL, 0, &exp_rows},
};

/* skills */
static const struct fdef skill_cols[] = {
        {"name", "name", "profile.f.skill", "profile.f.skill.hint", IN_TEXT, VK_TEXT, 0, SHOW_SKILL,
         1, 120, "col-sm-6", NULL, "off", F_SKILL},
        {"level", "level", "profile.f.skill_level", NULL, IN_SELECT, VK_INT, OPT_LEVEL5, 0, 0, 1,
         "col-7 col-sm-4", NULL, NULL, 0},
        {"years", "years", "profile.f.skill_years", NULL, IN_NUMBER, VK_INT, 0, 0, 0, 2,
         "col-5 col-sm-2", NULL, "off", 0},
};
static const struct rdef skill_rows = {
        "skills", "skill", "profile.row.skill", PROFILE_SKILLS, skill_cols, N(skill_cols), "name"};
static const struct gdef skills_groups[] = {
        {"profile.g.skills", "profile.g.skills.hint", CK_NONE, NULL, 0, &skill_rows},
};

/* sectors and occupation */
static const struct fdef isco_fields[] = {
        {"isco", "isco", "profile.f.isco", "profile.f.isco.hint", IN_SELECT, VK_REF, OPT_ISCO, 0, 0,
         200, COL_FULL, NULL, NULL, 0},
};
static const struct gdef sectors_groups[] = {
        {"profile.g.sectors", "profile.g.sectors.hint", CK_SECTORS, NULL, 0, NULL},
        {"profile.g.preferred", "profile.g.preferred.hint", CK_PREFERRED, NULL, 0, NULL},
        {"profile.g.occupation", NULL, CK_NONE, isco_fields, N(isco_fields), NULL},
};

/* offer */
static const struct fdef effort_fields[] = {
        {"hours", "offer.hours_per_month", "profile.f.hours", "profile.f.hours.hint", IN_NUMBER,
         VK_INT, 0, 0, 0, 3, COL_HALF, NULL, "off", 0},
        {"pay", "offer.pay", "profile.f.pay", NULL, IN_SELECT, VK_TEXT, OPT_PAY, 0, 0, 10, COL_HALF,
         NULL, NULL, 0},
};
static const struct fdef avail_cols[] = {
        {"from", "from", "profile.f.from_date", NULL, IN_DATE, VK_TEXT, 0, 0, 1, 10, COL_HALF, NULL,
         "off", 0},
        {"to", "to", "profile.f.to_date", NULL, IN_DATE, VK_TEXT, 0, 0, 1, 10, COL_HALF, NULL,
         "off", 0},
};
static const struct rdef avail_rows = {
        "availability", "avail", "profile.row.availability", PROFILE_AVAILABILITY, avail_cols,
        N(avail_cols),  "to"};
static const struct fdef stay_cols[] = {
        {"from", "from", "profile.f.from_date", NULL, IN_DATE, VK_TEXT, 0, 0, 1, 10, COL_THIRD,
         NULL, "off", 0},
        {"to", "to", "profile.f.to_date", NULL, IN_DATE, VK_TEXT, 0, 0, 1, 10, COL_THIRD, NULL,
         "off", 0},
        {"city", "city", "profile.f.stay_city", NULL, IN_TEXT, VK_TEXT, 0, 0, 0, 100, COL_THIRD,
         NULL, "off", 0},
};
static const struct rdef stay_rows = {
        "stays", "stay", "profile.row.stay", PROFILE_STAYS, stay_cols, N(stay_cols), "to"};
static const struct gdef offer_groups[] = {
        {"profile.g.modes", "profile.g.modes.hint", CK_MODES, NULL, 0, NULL},
        {"profile.g.presence", NULL, CK_PRESENCE, NULL, 0, NULL},
        {"profile.g.effort", NULL, CK_NONE, effort_fields, N(effort_fields), NULL},
        {"profile.g.availability", "profile.g.availability.hint", CK_NONE, NULL, 0, &avail_rows},
        {"profile.g.stays", "profile.g.stays.hint", CK_NONE, NULL, 0, &stay_rows},
        {"profile.g.regions", "profile.g.regions.hint", CK_REGIONS, NULL, 0, NULL},
};

/* links */
static const struct fdef link_fields[] = {
        {"linkedin", "links.linkedin", "profile.f.linkedin", "profile.f.linkedin.hint", IN_URL,
         VK_TEXT, 0, 0, 0, 300, COL_FULL, NULL, "url", 0},
        {"orcid", "links.orcid", "profile.f.orcid", "profile.f.orcid.hint", IN_TEXT, VK_TEXT, 0, 0,
         0, 300, COL_FULL, NULL, "off", 0},
        {"website", "links.website", "profile.f.website", NULL, IN_URL, VK_TEXT, 0, 0, 0, 300,
         COL_FULL, NULL, "url", 0},
};
static const struct gdef links_groups[] = {
        {"profile.g.links", "profile.g.links.hint", CK_NONE, link_fields, N(link_fields), NULL},
};

static const struct sdef steps[] = {
        {"identity", "profile.step.identity", "profile.step.identity.intro", identity_groups,
         N(identity_groups)},
        {"languages", "profile.step.languages", "profile.step.languages.intro", languages_groups,
         N(languages_groups)},
        {"education", "profile.step.education", "profile.step.education.intro", education_groups,
         N(education_groups)},
        {"experience", "profile.step.experience", "profile.step.experience.intro",
         experience_groups, N(experience_groups)},
        {"skills", "profile.step.skills", "profile.step.skills.intro", skills_groups,
         N(skills_groups)},
        {"sectors", "profile.step.sectors", "profile.step.sectors.intro", sectors_groups,
         N(sectors_groups)},
        {"offer", "profile.step.offer", "profile.step.offer.intro", offer_groups, N(offer_groups)},
        {"links", "profile.step.links", "profile.step.links.intro", links_groups, N(links_groups)},
};

/* Checkbox lists: the JSON list they fill and their form names (PREFIX_N). */
static const struct {
	const char *json;
	const char *prefix;
	int max;
} ckdefs[] = {
        [CK_NONE] = {NULL, NULL, 0},
        [CK_NATIONALITIES] = {"nationalities", "nat", PROFILE_NATIONALITIES},
        [CK_SECTORS] = {"sectors", "sec", PROFILE_SECTORS},
        [CK_PREFERRED] = {"preferred_sectors", "pref", PROFILE_SECTORS},
        [CK_MODES] = {"offer.modes", "mode", PROFILE_MODES},
        [CK_PRESENCE] = {"offer.presence", "presence", PROFILE_PRESENCE},
        [CK_REGIONS] = {"regions", "region", PROFILE_REGIONS},
};

static const char *const modes[PROFILE_MODES] = {"ponctuelle", "continue"};
static const char *const presences[PROFILE_PRESENCE] = {"remote", "onsite", "hybrid"};
/* Offered as checkboxes before any other nationality is added. */
static const char *const frequent_nationalities[] = {"MA", "FR", "ES", "IT", "BE",
                                                     "NL", "DE", "CA", "US", "GB"};

json_t *profile_steps_nav(struct pp *c, const char *current)
{
	json_t *nav = json_array();
	const char *lang = lang_code(c->l);

	for (int i = 0; i < N(steps); i++)
		json_array_append_new(
		        nav, json_pack("{s:s, s:s, s:s, s:b}", "slug", steps[i].slug, "title",
		                       steps[i].title, "href",
		                       arena_printf(&c->req->arena, "/%s/profile/edit/%s", lang,
		                                    steps[i].slug),
		                       "current", current && strcmp(current, steps[i].slug) == 0));
	json_array_append_new(nav,
	                      json_pack("{s:s, s:s, s:s, s:b}", "slug", "consent", "title",
	                                "profile.step.consent", "href",
	                                arena_printf(&c->req->arena, "/%s/profile/consent", lang),
	                                "current", current && strcmp(current, "consent") == 0));
	return nav;
}

/* ---- A step being shown or saved ---------------------------------------------------- */

struct step {
	struct pp *c;
	const struct sdef *def;
	struct form form; /* values: the flat form values (name → text); errors */
	json_t *where;    /* "languages[2]" → "lang_4" (a row) or "nat_3" (a checkbox) */
	json_t *norm;     /* the normalised profile to save */
	int free_skills;
};

static const char *val(struct step *st, const char *name)
{
	const char *v = json_string_value(json_object_get(st->form.values, name));
	return v ? v : "";
}

static const char *rname(struct step *st, const struct rdef *r, int row, const char *col)
{
	return arena_printf(&st->c->req->arena, "%s_%d_%s", r->prefix, row, col);
}

static const char *ckname(struct step *st, enum checks k, int i)
{
	return arena_printf(&st->c->req->arena, "%s_%d", ckdefs[k].prefix, i);
}

/* The member at "a" or "a.b" of o (borrowed), or NULL. */
static json_t *path_get(json_t *o, const char *path)
{
	const char *dot = strchr(path, '.');
	char head[32];

	if (!dot)
		return json_object_get(o, path);
	snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
	return json_object_get(json_object_get(o, head), dot + 1);
}

/* Sets "a" or "a.b" in o to v (stolen), making the object a if needed. */
static void path_set(json_t *o, const char *path, json_t *v)
{
	const char *dot = strchr(path, '.');
	char head[32];
	json_t *inner;

	if (!dot) {
		json_object_set_new(o, path, v);
		return;
	}
	snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
	inner = json_object_get(o, head);
	if (!json_is_object(inner)) {
		inner = json_object();
		json_object_set_new(o, head, inner);
	}
	json_object_set_new(inner, dot + 1, v);
}

/* ---- Profile → form values (GET) --------------------------------------------------- */

static const char *shown_text(struct step *st, const struct fdef *f, json_t *item, json_t *v)
{
	const struct taxonomy *tx = st->c->app->tx;
	const char *s = json_string_value(v), *label = NULL;

	if (json_is_integer(v))
		return arena_printf(&st->c->req->arena, "%lld", (long long)json_integer_value(v));
	if (!s)
		return "";
	if (f->shown == SHOW_LANGUAGE)
		label = taxonomy_label(tx, TAX_LANGUAGE, s, st->c->l);
	else if (f->shown == SHOW_COUNTRY)
		label = taxonomy_label(tx, TAX_COUNTRY, s, st->c->l);
	else if (f->shown == SHOW_SKILL)
		label = taxonomy_label(tx, TAX_SKILL,
		                       json_string_value(json_object_get(item, "id")), st->c->l);
	return label && *label ? label : s;
}

static void fields_to_form(struct step *st, const struct gdef *g, json_t *p)
{
	for (int i = 0; i < g->nfields; i++)
		if (g->fields[i].json)
			form_keep(&st->form, g->fields[i].name,
			          shown_text(st, &g->fields[i], NULL,
			                     path_get(p, g->fields[i].json)));
}

static void rows_to_form(struct step *st, const struct rdef *r, json_t *p)
{
	json_t *item;
	size_t k;

	json_array_foreach(json_object_get(p, r->list), k, item)
	{
		if ((int)k >= r->max)
			break;
		for (int j = 0; j < r->ncols; j++)
			form_keep(&st->form, rname(st, r, (int)k, r->cols[j].name),
			          shown_text(st, &r->cols[j], item,
			                     json_object_get(item, r->cols[j].json)));
	}
}

/* The values of a fixed checkbox list, in the order they are shown. */
static json_t *check_options(struct step *st, enum checks k)
{
	json_t *out = json_array();
	const char *const *words = k == CK_MODES ? modes : presences;
	int n = k == CK_MODES ? PROFILE_MODES : PROFILE_PRESENCE;

	if (k == CK_SECTORS || k == CK_PREFERRED || k == CK_REGIONS) {
		json_decref(out);
		return taxonomy_options(st->c->app->tx, k == CK_REGIONS ? TAX_REGION : TAX_SECTOR,
		                        st->c->l);
	}
	for (int i = 0; i < n; i++)
		json_array_append_new(
		        out,
		        json_pack("{s:s, s:s}", "id", words[i], "key",
		                  arena_printf(&st->c->req->arena, "profile.%s.%s",
		                               k == CK_MODES ? "mode" : "presence", words[i])));
	return out;
}

static int in_list(json_t *list, const char *s)
{
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		if (json_is_string(e) && strcmp(json_string_value(e), s) == 0)
			return 1;
	}
	return 0;
}

static void checks_to_form(struct step *st, enum checks k, json_t *p)
{
	json_t *have = path_get(p, ckdefs[k].json), *opts, *o, *e;
	size_t i;

	if (k == CK_NATIONALITIES) {
		json_array_foreach(have, i, e)
		{
			if ((int)i < ckdefs[k].max)
				form_keep(&st->form, ckname(st, k, (int)i), json_string_value(e));
		}
		return;
	}
	opts = check_options(st, k);
	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		if ((int)i < ckdefs[k].max && in_list(have, id))
			form_keep(&st->form, ckname(st, k, (int)i), id);
	}
	json_decref(opts);
}

static void profile_to_form(struct step *st, json_t *p)
{
	for (int i = 0; i < st->def->ngroups; i++) {
		const struct gdef *g = &st->def->groups[i];
		fields_to_form(st, g, p);
		if (g->rows)
			rows_to_form(st, g->rows, p);
		if (g->checks != CK_NONE)
			checks_to_form(st, g->checks, p);
	}
}

/* ---- Form values → the part of the profile (POST) ------------------------------------ */

/* The JSON of one value, or NULL to leave it out. */
static json_t *value_json(struct step *st, const struct fdef *f, const char *name, int in_row)
{
	const char *s = val(st, name);
	int64_t n;

	if (f->kind == VK_INT) {
		if (!*s)
			return in_row ? NULL : json_null();
		if (parse_int64(s, -100000, 100000, &n) < 0) {
			form_error(&st->form, name, "profile.error.not_a_number");
			return NULL;
		}
		return json_integer(n);
	}
	if (f->kind == VK_REF && !*s)
		return in_row ? NULL : json_null();
	if (in_row && !*s && !f->required)
		return NULL;
	return json_string(s);
}

static void fields_from_form(struct step *st, const struct gdef *g, json_t *part)
{
	for (int i = 0; i < g->nfields; i++) {
		const struct fdef *f = &g->fields[i];
		json_t *v = f->json ? value_json(st, f, f->name, 0) : NULL;
		if (v)
			path_set(part, f->json, v);
	}
}

static int row_empty(struct step *st, const struct rdef *r, int row)
{
	for (int j = 0; j < r->ncols; j++)
		if (*val(st, rname(st, r, row, r->cols[j].name)))
			return 0;
	return 1;
}

static void rows_from_form(struct step *st, const struct rdef *r, json_t *part)
{
	json_t *list = json_array();

	for (int row = 0; row < r->max; row++) {
		if (row_empty(st, r, row))
			continue;
		json_t *item = json_object();
		for (int j = 0; j < r->ncols; j++) {
			json_t *v =
			        value_json(st, &r->cols[j], rname(st, r, row, r->cols[j].name), 1);
			if (v)
				json_object_set_new(item, r->cols[j].json, v);
		}
		json_object_set_new(
		        st->where,
		        arena_printf(&st->c->req->arena, "%s[%zu]", r->list, json_array_size(list)),
		        json_string(arena_printf(&st->c->req->arena, "%s_%d", r->prefix, row)));
		json_array_append_new(list, item);
	}
	json_object_set_new(part, r->list, list);
}

/* Appends value (from form field name) to the list at path in part. */
static void add_checked(struct step *st, json_t *part, const char *path, const char *name,
                        const char *value)
{
	json_t *list = path_get(part, path);

	if (!json_is_array(list)) {
		list = json_array();
		path_set(part, path, list);
	}
	if (in_list(list, value))
		return;
	json_object_set_new(
	        st->where, arena_printf(&st->c->req->arena, "%s[%zu]", path, json_array_size(list)),
	        json_string(name));
	json_array_append_new(list, json_string(value));
}

static void checks_from_form(struct step *st, enum checks k, json_t *part)
{
	const char *path = ckdefs[k].json;

	if (!path_get(part, path))
		path_set(part, path, json_array());
	for (int i = 0; i < ckdefs[k].max; i++) {
		const char *name = ckname(st, k, i), *v = val(st, name);
		if (!*v)
			continue;
		add_checked(st, part, path, name, v);
		if (k == CK_PREFERRED) /* a sector one prefers is one of one's sectors */
			add_checked(st, part, "sectors", name, v);
	}
	if (k == CK_NATIONALITIES && *val(st, "nat_add"))
		add_checked(st, part, path, "nat_add", val(st, "nat_add"));
}

static json_t *form_to_part(struct step *st)
{
	json_t *part = json_object();

	for (int i = 0; i < st->def->ngroups; i++) {
		const struct gdef *g = &st->def->groups[i];
		fields_from_form(st, g, part);
		if (g->rows)
			rows_from_form(st, g->rows, part);
		if (g->checks != CK_NONE)
			checks_from_form(st, g->checks, part);
	}
	return part;
}

/* ---- The model's issues → form fields ------------------------------------------------ */

static const struct fdef *scalar_for(const struct sdef *d, const char *path)
{
	for (int i = 0; i < d->ngroups; i++)
		for (int j = 0; j < d->groups[i].nfields; j++)
			if (d->groups[i].fields[j].json &&
			    strcmp(d->groups[i].fields[j].json, path) == 0)
				return &d->groups[i].fields[j];
	return NULL;
}

static const struct rdef *rows_for(const struct sdef *d, const char *list, size_t n)
{
	for (int i = 0; i < d->ngroups; i++)
		if (d->groups[i].rows && strlen(d->groups[i].rows->list) == n &&
		    strncmp(d->groups[i].rows->list, list, n) == 0)
			return d->groups[i].rows;
	return NULL;
}

/* The form field of a model path ("languages[1].level" → "lang_3_level"),
 * or NULL when the path is not on this step. */
static const char *field_of(struct step *st, const char *path)
{
	const struct fdef *f = scalar_for(st->def, path);
	const char *close = strchr(path, ']'), *target, *col;
	const struct rdef *r;

	if (f)
		return f->name;
	if (!close)
		return NULL;
	target = json_string_value(json_object_get(
	        st->where, arena_strndup(&st->c->req->arena, path, (size_t)(close - path) + 1)));
	r = rows_for(st->def, path, strcspn(path, "["));
	if (!target || !r)
		return target;
	col = close[1] == '.' ? close + 2 : r->row_error;
	for (int j = 0; j < r->ncols; j++)
		if (strcmp(r->cols[j].json, col) == 0)
			return arena_printf(&st->c->req->arena, "%s_%s", target, r->cols[j].name);
	return arena_printf(&st->c->req->arena, "%s_%s", target, r->row_error);
}

static void map_issues(struct step *st, const struct profile_issues *is)
{
	int n = is->count < N(is->items) ? is->count : N(is->items);

	for (int i = 0; i < n; i++) {
		const struct profile_issue *it = &is->items[i];
		const char *field;
		if (it->warning) {
			st->free_skills += strcmp(it->code, "free_skill") == 0;
			continue;
		}
		field = field_of(st, it->field);
		if (!field) {
			log_warn("profile of user %lld: %s: %s (not on step %s)",
			         (long long)st->c->id->user_id, it->field, it->code, st->def->slug);
			field = "profile";
		}
		form_error(&st->form, field,
		           arena_printf(&st->c->req->arena, "profile.error.%s", it->code));
	}
}

/* ---- Rendering ------------------------------------------------------------------------ */

static json_t *option(const char *value, const char *key, const char *text, int selected)
{
	return json_pack("{s:s, s:s?, s:s?, s:b}", "value", value, "key", key, "text", text,
	                 "selected", selected);
}

static void fixed_options(json_t *out, const char *const *values, int n, const char *key_fmt,
                          struct arena *a, const char *cur)
{
	for (int i = 0; i < n; i++)
		json_array_append_new(out, option(values[i], arena_printf(a, key_fmt, values[i]),
		                                  NULL, strcmp(values[i], cur) == 0));
}

static void taxonomy_select(struct step *st, json_t *out, enum tax_kind k, const char *cur)
{
	json_t *opts = taxonomy_options(st->c->app->tx, k, st->c->l), *o;
	size_t i;

	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *label = json_string_value(json_object_get(o, "label"));
		if (k == TAX_ISCO && strlen(id) != 4)
			continue; /* unit groups only */
		json_array_append_new(out, option(id, NULL,
		                                  k == TAX_ISCO ? arena_printf(&st->c->req->arena,
		                                                               "%s — %s", id, label)
		                                                : label,
		                                  strcmp(id, cur) == 0));
	}
	json_decref(opts);
}

static json_t *select_options(struct step *st, enum opts o, const char *cur)
{
	static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
	static const char *const levels[] = {"1", "2", "3", "4", "5"};
	static const char *const genders[] = {"f", "m", "x"};
	static const char *const pays[] = {"pro_bono", "paid", "either"};
	struct arena *a = &st->c->req->arena;
	json_t *out = json_array();

	json_array_append_new(out,
	                      option("", o == OPT_GENDER ? "profile.gender.none" : "profile.choose",
	                             NULL, !*cur));
	if (o == OPT_CEFR)
		fixed_options(out, cefr, N(cefr), "profile.cefr.%s", a, cur);
	else if (o == OPT_LEVEL5)
		fixed_options(out, levels, N(levels), "profile.skill.level.%s", a, cur);
	else if (o == OPT_GENDER)
		fixed_options(out, genders, N(genders), "profile.gender.%s", a, cur);
	else if (o == OPT_PAY)
		fixed_options(out, pays, N(pays), "profile.pay.%s", a, cur);
	else
		taxonomy_select(st, out,
		                o == OPT_SECTORS ? TAX_SECTOR
		                : o == OPT_ISCO  ? TAX_ISCO
		                                 : TAX_COUNTRY,
		                cur);
	return out;
}

static const char *const input_types[] = {
        [IN_TEXT] = "text", [IN_NUMBER] = "text", [IN_DATE] = "date", [IN_MONTH] = "month",
        [IN_URL] = "url",   [IN_TEXTAREA] = "",   [IN_SELECT] = "",
};

static json_t *cell(struct step *st, const struct fdef *f, const char *name)
{
	const char *value = val(st, name);
	json_t *err = json_object_get(st->form.errors, name);

	return json_pack(
	        "{s:s, s:s, s:O?, s:s, s:s?, s:b, s:s, s:b, s:b, s:o?, s:s?, s:s, s:s?, s:s?, s:i, "
	        "s:b, s:b}",
	        "name", name, "value", value, "error", err, "label", f->label, "hint", f->hint,
	        "warn", (f->flags & F_WARN) != 0, "type", input_types[f->input], "is_select",
	        f->input == IN_SELECT, "is_textarea", f->input == IN_TEXTAREA, "options",
	        f->input == IN_SELECT ? select_options(st, f->opts, value) : NULL, "list", f->list,
	        "col", f->col, "autocomplete", f->autocomplete, "ac",
	        (f->flags & F_SKILL) ? "skills" : NULL, "maxlength", f->max, "numeric",
	        f->input == IN_NUMBER, "described", f->hint || err);
}

static json_t *field_cells(struct step *st, const struct gdef *g)
{
	json_t *out = json_array();

	for (int i = 0; i < g->nfields; i++)
		json_array_append_new(out, cell(st, &g->fields[i], g->fields[i].name));
	return out;
}

/* Rows shown: those filled, then empty ones to add more, within the bound. */
static int rows_shown(struct step *st, const struct rdef *r)
{
	int last = -1;

	for (int row = 0; row < r->max; row++)
		if (!row_empty(st, r, row))
			last = row;
	return last + 4 < r->max ? last + 4 : r->max;
}

static json_t *row_json(struct step *st, const struct rdef *r, int row, json_t *free_names)
{
	json_t *cells = json_array();
	const char *name = NULL;
	int is_free = 0;

	for (int j = 0; j < r->ncols; j++) {
		const char *n = rname(st, r, row, r->cols[j].name);
		json_array_append_new(cells, cell(st, &r->cols[j], n));
		if (r->cols[j].shown == SHOW_SKILL)
			name = val(st, n);
	}
	if (name && *name && !taxonomy_resolve(st->c->app->tx, TAX_SKILL, name)) {
		is_free = 1;
		json_array_append_new(free_names, json_string(name));
	}
	return json_pack("{s:i, s:s, s:o, s:b}", "number", row + 1, "legend", r->legend, "cells",
	                 cells, "free", is_free);
}

static json_t *rows_json(struct step *st, const struct rdef *r, json_t *free_names)
{
	json_t *out = json_array();
	int n = rows_shown(st, r);

	for (int row = 0; row < n; row++)
		json_array_append_new(out, row_json(st, r, row, free_names));
	return out;
}

static json_t *check_json(struct step *st, enum checks k, int i, const char *value, const char *key,
                          const char *text, int checked)
{
	const char *name = ckname(st, k, i);

	return json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:O?}", "name", name, "value", value, "key",
	                 key, "text", text, "checked", checked, "error",
	                 json_object_get(st->form.errors, name));
}

/* Nationalities: those chosen, then frequent ones, as checkboxes. */
static json_t *nationality_checks(struct step *st)
{
	json_t *out = json_array(), *codes = json_array(), *e;
	int chosen;
	size_t i;

	for (int j = 0; j < PROFILE_NATIONALITIES; j++)
		if (*val(st, ckname(st, CK_NATIONALITIES, j)) &&
		    !in_list(codes, val(st, ckname(st, CK_NATIONALITIES, j))))
			json_array_append_new(
			        codes, json_string(val(st, ckname(st, CK_NATIONALITIES, j))));
	chosen = (int)json_array_size(codes);
	for (int j = 0; j < N(frequent_nationalities); j++)
		if (!in_list(codes, frequent_nationalities[j]))
			json_array_append_new(codes, json_string(frequent_nationalities[j]));
	json_array_foreach(codes, i, e)
	{
		const char *code = json_string_value(e);
		const char *label =
		        taxonomy_label(st->c->app->tx, TAX_COUNTRY, code, st->c->l) ?: code;
		if ((int)i < PROFILE_NATIONALITIES)
			json_array_append_new(out, check_json(st, CK_NATIONALITIES, (int)i, code,
			                                      NULL, label, (int)i < chosen));
	}
	json_decref(codes);
	return out;
}

static json_t *checks_json(struct step *st, enum checks k)
{
	json_t *out, *opts, *o;
	size_t i;

	if (k == CK_NONE)
		return json_array();
	if (k == CK_NATIONALITIES)
		return nationality_checks(st);
	out = json_array();
	opts = check_options(st, k);
	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *name = ckname(st, k, (int)i);
		if ((int)i >= ckdefs[k].max)
			break;
		json_array_append_new(out,
		                      check_json(st, k, (int)i, id,
		                                 json_string_value(json_object_get(o, "key")),
		                                 json_string_value(json_object_get(o, "label")),
		                                 *val(st, name) != 0));
	}
	json_decref(opts);
	return out;
}

static json_t *groups_json(struct step *st, json_t *free_names)
{
	json_t *out = json_array();

	for (int i = 0; i < st->def->ngroups; i++) {
		const struct gdef *g = &st->def->groups[i];
		json_array_append_new(
		        out, json_pack("{s:s, s:s?, s:o, s:o, s:o}", "title", g->title, "hint",
		                       g->hint, "cells", field_cells(st, g), "rows",
		                       g->rows ? rows_json(st, g->rows, free_names) : json_array(),
		                       "checks", checks_json(st, g->checks)));
	}
	return out;
}

static json_t *datalist(struct step *st, const char *id, enum tax_kind k)
{
	json_t *opts = taxonomy_options(st->c->app->tx, k, st->c->l), *out = json_array(), *o;
	size_t i;

	json_array_foreach(opts, i, o)
	        json_array_append_new(out, json_pack("{s:O}", "text", json_object_get(o, "label")));
	json_decref(opts);
	return json_pack("{s:s, s:o}", "id", id, "options", out);
}

static int uses_list(const struct sdef *d, const char *id)
{
	for (int i = 0; i < d->ngroups; i++)
		for (int j = 0; d->groups[i].rows && j < d->groups[i].rows->ncols; j++)
			if (d->groups[i].rows->cols[j].list &&
			    strcmp(d->groups[i].rows->cols[j].list, id) == 0)
				return 1;
	return 0;
}

static json_t *datalists(struct step *st)
{
	json_t *out = json_array();

	if (uses_list(st->def, "dl-languages"))
		json_array_append_new(out, datalist(st, "dl-languages", TAX_LANGUAGE));
	if (uses_list(st->def, "dl-countries"))
		json_array_append_new(out, datalist(st, "dl-countries", TAX_COUNTRY));
	return out;
}

static void show(struct step *st, int status)
{
	struct pp *c = st->c;
	json_t *free_names = json_array();
	json_t *groups = groups_json(st, free_names);
	int skills = strcmp(st->def->slug, "skills") == 0;
	json_t *data =
	        json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:s?}", "step",
	                  st->def->slug, "title", st->def->title, "intro", st->def->intro, "nav",
	                  profile_steps_nav(c, st->def->slug), "groups", groups, "datalists",
	                  datalists(st), "free_skills", free_names, "form", form_json(&st->form),
	                  "saved", kvlist_get(&c->req->query, "saved") != NULL, "script",
	                  skills ? pp_asset(c, "js/autocomplete.js") : NULL);

	page_render(c->app, c->req, c->resp, status, "profile_step", st->def->title, data);
}

/* ---- The handler ---------------------------------------------------------------------- */

static const struct sdef *step_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	for (int i = 0; slash && i < N(steps); i++)
		if (strcmp(slash + 1, steps[i].slug) == 0)
			return &steps[i];
	return NULL;
}

/* Removes null members everywhere (the model treats absent as null, and
 * refuses a null where a list item expects text). */
static void drop_nulls(json_t *v)
{
	const char *key;
	json_t *e;
	void *tmp;
	size_t i;

	json_array_foreach(v, i, e)
	{
		drop_nulls(e); /* nothing for non-arrays */
	}
	if (!json_is_object(v))
		return;
	json_object_foreach_safe(v, tmp, key, e)
	{
		if (json_is_null(e))
			json_object_del(v, key);
		else
			drop_nulls(e);
	}
}

/* The saved profile in the import format ({} when none), or NULL. */
static json_t *saved_profile(struct pp *c)
{
	struct db *db = db_pool_get(c->app->pool);
	int found;
	json_t *p = profile_load(db, c->id->user_id, &found);

	db_pool_put(c->app->pool, db);
	if (found < 0)
		return NULL;
	if (!p)
		return json_object();
	json_object_del(p, "confirmed_at");
	json_object_del(p, "updated_at");
	drop_nulls(p);
	return p;
}

static int save_tx(struct db *db, void *ud)
{
	struct step *st = ud;
	return profile_save(db, st->c->id->user_id, st->norm, st->c->now, 1);
}

static const char *next_path(const struct sdef *d)
{
	for (int i = 0; i + 1 < N(steps); i++)
		if (&steps[i] == d)
			return steps[i + 1].slug;
	return NULL;
}

static void after_save(struct step *st)
{
	const char *next = next_path(st->def);
	struct arena *a = &st->c->req->arena;

	if (st->free_skills) /* show which skills were kept as free skills */
		pp_redirect(st->c, arena_printf(a, "profile/edit/%s?saved=1", st->def->slug));
	else if (next)
		pp_redirect(st->c, arena_printf(a, "profile/edit/%s?saved=1", next));
	else
		pp_redirect(st->c, "profile/consent?saved=1");
}

static void post(struct step *st, json_t *saved)
{
	struct profile_issues is;
	json_t *part;

	for (size_t i = 0; i < st->c->req->form.count; i++)
		if (strcmp(st->c->req->form.items[i].key, "csrf") != 0)
			form_keep(&st->form, st->c->req->form.items[i].key,
			          st->c->req->form.items[i].value);
	part = form_to_part(st);
	json_object_update(saved, part);
	json_decref(part);
	st->norm = profile_normalise(st->c->app->tx, saved, st->c->now, &is);
	map_issues(st, &is);
	if (form_has_errors(&st->form) || !st->norm) {
		show(st, 422);
		return;
	}
	if (sql_tx(st->c->app->pool, save_tx, st) < 0) {
		json_decref(form_json(&st->form));
		page_unavailable(st->c->app, st->c->req, st->c->resp);
		return;
	}
	json_decref(form_json(&st->form));
	search_changed(st->c->app);
	after_save(st);
}

void h_profile_step(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct step st = {&c, NULL, {NULL, NULL}, NULL, NULL, 0};
	json_t *saved;

	pp_init(&c, ctx, req, resp);
	st.def = step_of(req->path);
	saved = st.def ? saved_profile(&c) : NULL;
	if (!st.def || !saved) {
		if (st.def)
			page_unavailable(c.app, req, resp);
		else
			pp_not_found(&c);
		json_decref(saved);
		return;
	}
	form_init(&st.form);
	st.where = json_object();
	if (req->method == HTTP_POST) {
		post(&st, saved);
	} else {
		profile_to_form(&st, saved);
		show(&st, 200);
	}
	json_decref(st.norm);
	json_decref(st.where);
	json_decref(saved);
}
