/* institutions: the programme team's list, creation, editing and
 * verification of institutions; the owners' profile page; the public
 * directory and each institution's public page with its published needs
 * and how it answers applications (institutions.h). */
#include "app/institutions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/deadlines.h"
#include "app/handlers.h"
#include "app/notify.h"
#include "app/page.h"
#include "app/plans.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/parse.h"
#include "core/utf8.h"

#define NAME_MAX_CHARS 200
#define WEBSITE_MAX 300

const char *const institution_kinds[] = {
        "ministry",
        "public_establishment",
        "local_authority",
        "university",
        "cri",
        "agency",
        "foundation",
        NULL,
};

static int kind_ok(const char *k)
{
	for (int i = 0; k && institution_kinds[i]; i++)
		if (strcmp(institution_kinds[i], k) == 0)
			return 1;
	return 0;
}

/* ---- The model ------------------------------------------------------------------- */

static int load_sectors(struct db *db, struct arena *a, struct institution *in)
{
	struct db_stmt *st = db_prepare(db, "SELECT sector_id FROM institution_sectors WHERE "
	                                    "institution_id = $1 ORDER BY sector_id");
	enum db_rc rc = DB_ERROR;

	in->nsectors = 0;
	if (st && db_bind_int(st, 1, in->id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && in->nsectors < INSTITUTION_SECTORS)
			in->sectors[in->nsectors++] = sql_col(st, a, 0);
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

int institution_load(struct db *db, struct arena *a, int64_t id, struct institution *out)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT id, name_ar, name_fr, name_en, kind, region, website, description, "
	            "verified_at, created_at FROM institutions WHERE id = $1");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW) {
		*out = (struct institution){0};
		out->id = db_col_int(st, 0);
		for (int l = 0; l < LANG_COUNT; l++)
			out->name[l] = sql_col(st, a, 1 + l);
		out->kind = sql_col(st, a, 4);
		out->region = sql_col(st, a, 5);
		out->website = sql_col(st, a, 6);
		out->description = sql_col(st, a, 7);
		out->verified_at = sql_col(st, a, 8);
		out->created_at = sql_col(st, a, 9);
	}
	db_finalize(st);
	if (rc < 0)
		return -1;
	if (rc != DB_ROW)
		return 0;
	return load_sectors(db, a, out) < 0 ? -1 : 1;
}

const char *institution_label(const struct institution *in, enum lang l)
{
	if (in->name[l] && *in->name[l])
		return in->name[l];
	if (in->name[LANG_FR] && *in->name[LANG_FR])
		return in->name[LANG_FR];
	for (int i = 0; i < LANG_COUNT; i++)
		if (in->name[i] && *in->name[i])
			return in->name[i];
	return "";
}

json_t *institutions_options(struct db *db, enum lang l)
{
	char sql[160];
	struct db_stmt *st;
	json_t *list = json_array();

	snprintf(sql, sizeof(sql), "SELECT id, name_%s FROM institutions ORDER BY name_%s",
	         lang_code(l), lang_code(l));
	st = db_prepare(db, sql);
	while (st && db_step(st) == DB_ROW)
		json_array_append_new(list, json_pack("{s:s, s:s}", "id", db_col_text(st, 0),
		                                      "name", db_col_text(st, 1)));
	db_finalize(st);
	return list;
}

int institution_verified(struct db *db, struct arena *a, int64_t id)
{
	int64_t n;

	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM institutions WHERE id = $1 AND verified_at IS NOT "
	                 "NULL",
	                 1, (const char *[]){sql_int(a, id)}, &n) != DB_OK)
		return -1;
	return n > 0;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

int64_t institution_median(int64_t *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One application: answered (answer time set), closed by the deadline, or
 * still waiting past it. */
static void count_application(struct institution_figures *f, struct db_stmt *st, int64_t now,
                              int response_days, int64_t *times, int cap)
{
	const char *state = db_col_text(st, 0), *created = db_col_text(st, 1);
	const char *waiting = db_col_text(st, 2), *answer = db_col_text(st, 3);
	int64_t t0, t1, since;

	f->applications++;
	if (answer && created && iso_parse(created, &t0) == 0 && iso_parse(answer, &t1) == 0) {
		if (f->answered < cap)
			times[f->answered] = t1 > t0 ? t1 - t0 : 0;
		f->answered++;
	} else if (state && strcmp(state, "no_answer") == 0) {
		f->no_answer++;
	} else if (state && strcmp(state, "applied") == 0 &&
	           iso_parse(waiting   ? waiting
	                     : created ? created
	                               : "",
	                     &since) == 0 &&
	           now >= working_days_after(since, response_days)) {
		f->overdue++;
	}
}

#define FIGURES_SAMPLE 4096 /* answers kept for the median */

int institution_figures(struct db *db, struct arena *a, int64_t id, int64_t now, int response_days,
                        struct institution_figures *f)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT e.state, e.created_at, e.waiting_since, (SELECT MIN(v.at) FROM "
	            "engagement_events v WHERE v.engagement_id = e.id AND v.from_state = 'applied' "
	            "AND v.actor_id IS NOT NULL AND v.actor_id <> e.expert_id) FROM engagements e "
	            "JOIN needs n ON n.id = e.need_id WHERE n.institution_id = $1 AND e.origin = "
	            "'applied'");
	int64_t *times = arena_alloc(a, FIGURES_SAMPLE * sizeof(int64_t));
	enum db_rc rc = DB_ERROR;
	int base;

	*f = (struct institution_figures){0};
	if (st && db_bind_int(st, 1, id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			count_application(f, st, now, response_days, times, FIGURES_SAMPLE);
	db_finalize(st);
	if (rc < 0)
		return -1;
	base = f->answered + f->no_answer + f->overdue;
	f->rate_known = base >= INSTITUTION_FIGURES_MIN;
	f->rate = base ? (int)((f->answered * 100 + base / 2) / base) : 0;
	f->median_known = f->answered >= INSTITUTION_FIGURES_MIN;
	f->median = institution_median(times,
	                               f->answered < FIGURES_SAMPLE ? f->answered : FIGURES_SAMPLE);
	return 0;
}

/* ---- The profile form ------------------------------------------------------------ */

static const char *const name_fields[LANG_COUNT] = {"name_ar", "name_fr", "name_en"};

static int web_address(const char *s)
{
	const char *rest = strncmp(s, "https://", 8) == 0  ? s + 8
	                   : strncmp(s, "http://", 7) == 0 ? s + 7
	                                                   : NULL;

	if (!rest || !*rest || *rest == '/')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '"' || *s == '<' || *s == '>')
			return 0;
	return 1;
}

static int one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int no_controls(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\r' && *s != '\t') ||
		    *s == 0x7f)
			return 0;
	return 1;
}

static void read_names(struct pp *c, struct institution *in, struct form *f)
{
	for (int l = 0; l < LANG_COUNT; l++) {
		const char *v = form_value(c->req, name_fields[l]);
		form_keep(f, name_fields[l], v);
		in->name[l] = v;
		if (!*v)
			form_error(f, name_fields[l], "institution.error.name_required");
		else if (!one_line(v) || utf8_length(v, strlen(v)) > NAME_MAX_CHARS)
			form_error(f, name_fields[l], "institution.error.text_invalid");
	}
}

static void read_sectors(struct pp *c, struct institution *in, struct form *f)
{
	in->nsectors = 0;
	for (int i = 0; i < INSTITUTION_SECTORS; i++) {
		const char *name = arena_printf(&c->req->arena, "sec_%d", i);
		const char *v = form_value(c->req, name);
		if (!*v)
			continue;
		form_keep(f, name, v);
		if (!taxonomy_has(c->app->tx, TAX_SECTOR, v))
			form_error(f, name, "institution.error.unknown_sector");
		else
			in->sectors[in->nsectors++] = v;
	}
}

/* Reads and checks the profile form (the kind defaults to the schema's,
 * "agency", when the form does not send one). */
static void read_form(struct pp *c, struct institution *in, struct form *f)
{
	const char *kind = form_value(c->req, "kind"), *region = form_value(c->req, "region");
	const char *website = form_value(c->req, "website");
	const char *description = form_value(c->req, "description");

	read_names(c, in, f);
	form_keep(f, "kind", kind);
	form_keep(f, "region", region);
	form_keep(f, "website", website);
	form_keep(f, "description", description);
	in->kind = *kind ? kind : "agency";
	if (!kind_ok(in->kind))
		form_error(f, "kind", "institution.error.kind");
	in->region = NULL;
	if (*region && !(in->region = taxonomy_resolve(c->app->tx, TAX_REGION, region)))
		form_error(f, "region", "institution.error.unknown_region");
	in->website = website;
	if (*website && (!web_address(website) || strlen(website) > WEBSITE_MAX))
		form_error(f, "website", "institution.error.website");
	in->description = description;
	if (!no_controls(description) ||
	    utf8_length(description, strlen(description)) > INSTITUTION_DESCRIPTION_MAX)
		form_error(f, "description", "institution.error.text_invalid");
	read_sectors(c, in, f);
}

static void values_of(struct pp *c, const struct institution *in, struct form *f)
{
	json_t *opts = taxonomy_options(c->app->tx, TAX_SECTOR, c->l), *o;
	size_t i;

	for (int l = 0; l < LANG_COUNT; l++)
		form_keep(f, name_fields[l], in->name[l]);
	form_keep(f, "kind", in->kind);
	form_keep(f, "region", in->region);
	form_keep(f, "website", in->website);
	form_keep(f, "description", in->description);
	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		for (int k = 0; k < in->nsectors && i < INSTITUTION_SECTORS; k++)
			if (strcmp(in->sectors[k], id) == 0)
				form_keep(f, arena_printf(&c->req->arena, "sec_%zu", i), id);
	}
	json_decref(opts);
}

/* What the form's template needs besides the values: kinds, regions, sectors. */
static json_t *form_choices(struct pp *c, json_t *values)
{
	json_t *kinds = json_array(), *regions = json_array(), *sectors = json_array(), *o;
	json_t *opts = taxonomy_options(c->app->tx, TAX_REGION, c->l);
	const char *kind = json_string_value(json_object_get(values, "kind"));
	const char *region = json_string_value(json_object_get(values, "region"));
	size_t i;

	for (int k = 0; institution_kinds[k]; k++)
		json_array_append_new(
		        kinds,
		        json_pack("{s:s, s:s, s:b}", "value", institution_kinds[k], "key",
		                  arena_printf(&c->req->arena, "institution.kind.%s",
		                               institution_kinds[k]),
		                  "selected", kind && strcmp(kind, institution_kinds[k]) == 0));
	json_array_foreach(opts, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		json_array_append_new(regions, json_pack("{s:s, s:O, s:b}", "value", id, "text",
		                                         json_object_get(o, "label"), "selected",
		                                         region && strcmp(region, id) == 0));
	}
	json_decref(opts);
	opts = taxonomy_options(c->app->tx, TAX_SECTOR, c->l);
	json_array_foreach(opts, i, o)
	{
		const char *name = arena_printf(&c->req->arena, "sec_%zu", i);
		if (i >= INSTITUTION_SECTORS)
			break;
		json_array_append_new(sectors, json_pack("{s:s, s:O, s:O, s:b}", "name", name,
		                                         "value", json_object_get(o, "id"), "text",
		                                         json_object_get(o, "label"), "checked",
		                                         json_object_get(values, name) != NULL));
	}
	json_decref(opts);
	return json_pack("{s:o, s:o, s:o}", "kinds", kinds, "regions", regions, "sectors", sectors);
}

/* ---- Saving ------------------------------------------------------------------------ */

struct save {
	struct pp *c;
	struct institution *in;
	int create;
};

static int save_sectors(struct db *db, struct arena *a, const struct institution *in)
{
	const char *id = sql_int(a, in->id);

	if (sql_exec(db, "DELETE FROM institution_sectors WHERE institution_id = $1", 1,
	             (const char *[]){id}) < 0)
		return -1;
	for (int i = 0; i < in->nsectors; i++)
		if (sql_exec(db,
		             "INSERT INTO institution_sectors (institution_id, sector_id) VALUES "
		             "($1, "
		             "$2) ON CONFLICT DO NOTHING",
		             2, (const char *[]){id, in->sectors[i]}) < 0)
			return -1;
	return 0;
}

static int save_tx(struct db *db, void *ud)
{
	struct save *s = ud;
	struct pp *c = s->c;
	struct arena *a = &c->req->arena;
	char now[ISO_TIME_LEN + 1];
	const struct institution *in = s->in;
	const char *id = sql_int(a, in->id);
	const char *params[] = {id,       in->name[LANG_AR], in->name[LANG_FR], in->name[LANG_EN],
	                        in->kind, in->region,        in->website,       in->description,
	                        now};
	int64_t rc;

	iso_time(c->now, now);
	rc = sql_exec(db,
	              s->create ? "INSERT INTO institutions (id, name_ar, name_fr, name_en, kind, "
	                          "region, website, description, created_at) VALUES ($1, $2, $3, "
	                          "$4, $5, $6, $7, $8, $9)"
	                        : "UPDATE institutions SET name_ar = $2, name_fr = $3, name_en = "
	                          "$4, kind = $5, region = $6, website = $7, description = $8 "
	                          "WHERE id = $1",
	              s->create ? 9 : 8, params);
	if (rc != 1 || save_sectors(db, a, in) < 0)
		return -1;
	struct audit_entry e = {
	        c->id->user_id, s->create ? "institution_created" : "institution_updated",
	        "institution",  id,
	        req_ip(c->req), ""};
	return audit_append(db, c->now, &e);
}

/* ---- Pages of the programme team ---------------------------------------------------- */

static json_t *admin_list(struct pp *c)
{
	char sql[320];
	struct db *db = db_pool_get(c->app->pool);
	struct db_stmt *st;
	json_t *list = json_array();

	snprintf(sql, sizeof(sql),
	         "SELECT i.id, i.name_%s, i.kind, i.verified_at, (SELECT COUNT(*) FROM needs n "
	         "WHERE n.institution_id = i.id AND n.state = 'published') FROM institutions i "
	         "ORDER BY i.name_%s",
	         lang_code(c->l), lang_code(c->l));
	st = db_prepare(db, sql);
	while (st && db_step(st) == DB_ROW)
		json_array_append_new(
		        list, json_pack("{s:s, s:s, s:s, s:s?, s:I}", "id", db_col_text(st, 0),
		                        "name", db_col_text(st, 1), "kind",
		                        arena_printf(&c->req->arena, "institution.kind.%s",
		                                     db_col_text(st, 2)),
		                        "verified", pp_date(c, db_col_text(st, 3)), "published",
		                        (json_int_t)db_col_int(st, 4)));
	db_finalize(st);
	db_pool_put(c->app->pool, db);
	return list;
}

static void show_admin_list(struct pp *c, int status, struct form *f)
{
	json_t *form = form_json(f);
	json_t *choices = form_choices(c, json_object_get(form, "values"));

	page_render(c->app, c->req, c->resp, status, "institution_admin",
	            "admin.institutions.title",
	            json_pack("{s:o, s:o, s:o}", "institutions", admin_list(c), "form", form,
	                      "choices", choices));
}

void h_admin_institutions(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct institution in = {0};
	struct save s = {&c, &in, 1};
	struct form f;

	pp_init(&c, ctx, req, resp);
	form_init(&f);
	if (req->method != HTTP_POST) {
		show_admin_list(&c, 200, &f);
		return;
	}
	read_form(&c, &in, &f);
	if (form_has_errors(&f)) {
		show_admin_list(&c, 422, &f);
		return;
	}
	in.id = new_id(c.app->cfg);
	json_decref(form_json(&f));
	if (sql_tx(c.app->pool, save_tx, &s) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	pp_redirect(&c,
	            arena_printf(&req->arena, "admin/institutions/%lld?saved=1", (long long)in.id));
}

/* Loads the institution of the path (:id) or of the signed-in owner. */
static int load_for(struct pp *c, int64_t id, struct institution *in)
{
	struct db *db = db_pool_get(c->app->pool);
	int rc = id > 0 ? institution_load(db, &c->req->arena, id, in) : 0;

	db_pool_put(c->app->pool, db);
	if (rc < 0)
		page_unavailable(c->app, c->req, c->resp);
	else if (rc == 0)
		pp_not_found(c);
	return rc;
}

static void show_edit(struct pp *c, int status, const struct institution *in, struct form *f,
                      int admin)
{
	json_t *form = form_json(f);
	json_t *choices = form_choices(c, json_object_get(form, "values"));

	page_render(c->app, c->req, c->resp, status, "institution_edit",
	            admin ? "institution.edit.title" : "institution.profile.title",
	            json_pack("{s:o, s:o, s:I, s:s, s:s?, s:b, s:b, s:s}", "form", form, "choices",
	                      choices, "id", (json_int_t)in->id, "name",
	                      institution_label(in, c->l), "verified", pp_date(c, in->verified_at),
	                      "admin", admin, "saved", kvlist_get(&c->req->query, "saved") != NULL,
	                      "action",
	                      admin ? arena_printf(&c->req->arena, "admin/institutions/%lld",
	                                           (long long)in->id)
	                            : "institution/profile"));
}

/* The edit page of the programme team (admin) or of the institution's owner. */
static void edit(struct pp *c, int64_t id, int admin)
{
	struct institution in, saved;
	struct save s = {c, &in, 0};
	struct form f;

	if (load_for(c, id, &saved) <= 0)
		return;
	in = saved;
	form_init(&f);
	if (c->req->method != HTTP_POST) {
		values_of(c, &saved, &f);
		show_edit(c, 200, &saved, &f, admin);
		return;
	}
	read_form(c, &in, &f);
	if (form_has_errors(&f)) {
		show_edit(c, 422, &saved, &f, admin);
		return;
	}
	json_decref(form_json(&f));
	if (sql_tx(c->app->pool, save_tx, &s) < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	pp_redirect(c, admin ? arena_printf(&c->req->arena, "admin/institutions/%lld?saved=1",
	                                    (long long)id)
	                     : "institution/profile?saved=1");
}

void h_admin_institution(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	edit(&c, req_param_id(req, "id"), 1);
}

void h_institution_profile(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;

	pp_init(&c, ctx, req, resp);
	edit(&c, c.id->institution_id, 0);
}

struct verify {
	struct pp *c;
	int64_t id;
	int set;
	int changed;
};

static int verify_tx(struct db *db, void *ud)
{
	struct verify *v = ud;
	struct pp *c = v->c;
	struct arena *a = &c->req->arena;
	char now[ISO_TIME_LEN + 1];
	const char *id = sql_int(a, v->id);
	int64_t rc;

	iso_time(c->now, now);
	rc = sql_exec(
	        db,
	        v->set ? "UPDATE institutions SET verified_at = $2, verified_by = $3 WHERE id "
	                 "= $1 AND verified_at IS NULL"
	               : "UPDATE institutions SET verified_at = NULL, verified_by = NULL "
	                 "WHERE id = $1 AND verified_at IS NOT NULL",
	        v->set ? 3 : 1, (const char *[]){id, now, sql_int(a, c->id->user_id)});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	v->changed = 1;
	struct audit_entry e = {
	        c->id->user_id, v->set ? "institution_verified" : "institution_unverified",
	        "institution",  id,
	        req_ip(c->req), ""};
	if (audit_append(db, c->now, &e) < 0)
		return -1;
	return notify_institution(c->app, db, v->id,
	                          v->set ? "institution.verified" : "institution.unverified",
	                          "/institution/needs", (const char *[]){NULL});
}

void h_admin_institution_verify(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct institution in;
	struct verify v;
	const char *set = form_value(req, "set");

	pp_init(&c, ctx, req, resp);
	v = (struct verify){&c, req_param_id(req, "id"), strcmp(set, "0") != 0, 0};
	if (load_for(&c, v.id, &in) <= 0)
		return;
	if (strcmp(set, "0") != 0 && strcmp(set, "1") != 0) {
		struct form f;
		form_init(&f);
		values_of(&c, &in, &f);
		form_error(&f, "set", "institution.error.verify");
		show_edit(&c, 422, &in, &f, 1);
		return;
	}
	if (sql_tx(c.app->pool, verify_tx, &v) < 0) {
		page_unavailable(c.app, req, resp);
		return;
	}
	pp_redirect(&c, arena_printf(&req->arena, "admin/institutions/%lld", (long long)v.id));
}

/* ---- Public pages ------------------------------------------------------------------- */

static const char *label_of(struct pp *c, enum tax_kind k, const char *id)
{
	const char *l = id ? taxonomy_label(c->app->tx, k, id, c->l) : NULL;
	return l && *l ? l : id;
}

static const char *duration_key(int64_t seconds, int64_t *n)
{
	if (seconds < 48 * 3600) {
		*n = (seconds + 1800) / 3600;
		return "institution.figures.hours";
	}
	*n = (seconds + 43200) / 86400;
	return "institution.figures.days";
}

json_t *institution_figures_json(const struct institution_figures *f)
{
	int64_t n = 0;
	const char *key = duration_key(f->median, &n);

	return json_pack("{s:i, s:i, s:b, s:i, s:b, s:s, s:I}", "applications", f->applications,
	                 "answered", f->answered, "rate_known", f->rate_known, "rate", f->rate,
	                 "median_known", f->median_known, "median_key", key, "median_n",
	                 (json_int_t)n);
}

static json_t *published_needs(struct pp *c, struct db *db, int64_t id)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT id, title, sector_id, region, mode, presence, published_at FROM needs "
	            "WHERE institution_id = $1 AND state = 'published' ORDER BY published_at DESC, "
	            "id DESC LIMIT 100");
	json_t *list = json_array();

	if (st && db_bind_int(st, 1, id) == DB_OK)
		while (db_step(st) == DB_ROW)
			json_array_append_new(
			        list,
			        json_pack("{s:I, s:s, s:s?, s:s?, s:s, s:s, s:s?}", "id",
			                  (json_int_t)db_col_int(st, 0), "title",
			                  db_col_text(st, 1), "sector",
			                  label_of(c, TAX_SECTOR, db_col_text(st, 2)), "region",
			                  label_of(c, TAX_REGION, db_col_text(st, 3)), "mode",
			                  arena_printf(&c->req->arena, "need.mode.%s",
			                               db_col_text(st, 4)),
			                  "presence",
			                  arena_printf(&c->req->arena, "need.presence.%s",
			                               db_col_text(st, 5)),
			                  "published", pp_date(c, db_col_text(st, 6))));
	db_finalize(st);
	return list;
}

static json_t *labels_of(struct pp *c, const struct institution *in)
{
	json_t *out = json_array();

	for (int i = 0; i < in->nsectors; i++)
		json_array_append_new(out, json_string(label_of(c, TAX_SECTOR, in->sectors[i])));
	return out;
}

/* May the viewer see an unverified institution's page (its own, or staff)? */
static int insider(struct pp *c, int64_t id)
{
	return c->id && !c->id->second_step_pending &&
	       ((c->id->roles & ROLE_ADMIN) ||
	        ((c->id->roles & (ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER)) &&
	         c->id->institution_id == id));
}

void h_institution_public(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct institution in;
	struct institution_figures fig;
	struct db *db;
	json_t *needs, *plans = NULL;
	int rc;

	pp_init(&c, ctx, req, resp);
	db = db_pool_get(c.app->pool);
	rc = institution_load(db, &req->arena, req_param_id(req, "id"), &in);
	if (rc == 1 && !in.verified_at && !insider(&c, in.id))
		rc = 0; /* not public before the programme team verified it */
	if (rc == 1 && institution_figures(db, &req->arena, in.id, c.now,
	                                   c.app->cfg->needs_response_days, &fig) < 0)
		rc = -1;
	if (rc == 1 && !(plans = plans_public_json(c.app, db, &req->arena, c.l, in.id, c.now)))
		rc = -1; /* sectoral plans (plans.h) */
	needs = rc == 1 ? published_needs(&c, db, in.id) : NULL;
	db_pool_put(c.app->pool, db);
	if (rc <= 0) {
		if (rc < 0)
			page_unavailable(c.app, req, resp);
		else
			pp_not_found(&c);
		return;
	}
	page_render(c.app, req, resp, 200, "institution_public", "institution.public.title",
	            json_pack("{s:I, s:s, s:s, s:s?, s:o, s:s, s:o, s:s?, s:o, s:o, s:I, s:o}",
	                      "id", (json_int_t)in.id, "name", institution_label(&in, c.l), "kind",
	                      arena_printf(&req->arena, "institution.kind.%s", in.kind), "region",
	                      label_of(&c, TAX_REGION, in.region), "sectors", labels_of(&c, &in),
	                      "website", in.website, "description",
	                      page_paragraphs(&req->arena, in.description), "verified",
	                      pp_date(&c, in.verified_at), "figures",
	                      institution_figures_json(&fig), "needs", needs, "min",
	                      (json_int_t)INSTITUTION_FIGURES_MIN, "plans", plans));
}

void h_institutions(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	char sql[360];
	struct db *db;
	struct db_stmt *st;
	json_t *list = json_array();

	pp_init(&c, ctx, req, resp);
	snprintf(sql, sizeof(sql),
	         "SELECT i.id, i.name_%s, i.kind, i.region, (SELECT COUNT(*) FROM needs n WHERE "
	         "n.institution_id = i.id AND n.state = 'published') FROM institutions i WHERE "
	         "i.verified_at IS NOT NULL ORDER BY i.name_%s",
	         lang_code(c.l), lang_code(c.l));
	db = db_pool_get(c.app->pool);
	st = db_prepare(db, sql);
	while (st && db_step(st) == DB_ROW)
		json_array_append_new(
		        list, json_pack("{s:s, s:s, s:s, s:s?, s:I}", "id", db_col_text(st, 0),
		                        "name", db_col_text(st, 1), "kind",
		                        arena_printf(&req->arena, "institution.kind.%s",
		                                     db_col_text(st, 2)),
		                        "region", label_of(&c, TAX_REGION, db_col_text(st, 3)),
		                        "published", (json_int_t)db_col_int(st, 4)));
	db_finalize(st);
	db_pool_put(c.app->pool, db);
	if (!st) {
		json_decref(list);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "institution_list", "institution.list.title",
	            json_pack("{s:o}", "institutions", list));
}
