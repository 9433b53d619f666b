/* statistics: the public statistics page and the open data, every count
 * from indicators.c, every cell of people under small-cell suppression
 * (docs/INDICATORS.md, "Suppression"). */
#include "app/statistics.h"

#include <string.h>

#include "app/clock.h"
#include "app/handlers.h"
#include "app/indicators.h"
#include "app/need_pages.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "core/buf.h"
#include "web/csv.h"

#define CSV_MAX (1 << 20)

void stat_suppress(const int64_t *v, int *hidden, int n, int stride, int k)
{
	int count = 0;
	int64_t sum = 0;

	for (int i = 0; i < n; i++) {
		hidden[i * stride] = v[i * stride] < k;
		count += hidden[i * stride];
		sum += hidden[i * stride] ? v[i * stride] : 0;
	}
	while (count > 0 && count < n && (count < 2 || sum < k)) {
		int best = -1;
		for (int i = 0; i < n; i++)
			if (!hidden[i * stride] && (best < 0 || v[i * stride] < v[best * stride]))
				best = i;
		hidden[best * stride] = 1;
		count++;
		sum += v[best * stride];
	}
}

/* Allocates t's cells for rows × cols in the arena. */
static void table_init(struct arena *a, struct stat_table *t, const char *id, const char *title,
                       int rows, int cols)
{
	t->id = id;
	t->title_key = title;
	t->rows = rows;
	t->cols = cols;
	t->additive = 1;
	t->row_ids = arena_alloc(a, (size_t)rows * sizeof(char *));
	t->row_labels = arena_alloc(a, (size_t)rows * sizeof(char *));
	t->v = arena_alloc(a, (size_t)(rows * cols) * sizeof(int64_t));
	t->hidden = arena_alloc(a, (size_t)(rows * cols) * sizeof(int));
}

/* The rule on each group: each cell of a table that is not additive, the
 * row of a one-row table, else each column. */
void stat_table_suppress(struct stat_table *t, int k)
{
	if (!t->additive)
		for (int i = 0; i < t->rows * t->cols; i++)
			stat_suppress(t->v + i, t->hidden + i, 1, 1, k);
	else if (t->rows == 1)
		stat_suppress(t->v, t->hidden, t->cols, 1, k);
	else
		for (int c = 0; c < t->cols; c++)
			stat_suppress(t->v + c, t->hidden + c, t->rows, t->cols, k);
}

static int experts_table(struct pp *c, struct db *db, struct stat_table *t)
{
	table_init(&c->req->arena, t, "experts", "statistics.table.experts", 1, 4);
	t->additive = 0; /* registered ⊇ identified, active, mobilised: no sum */
	t->col_ids[0] = "registered";
	t->col_ids[1] = "identified";
	t->col_ids[2] = "active";
	t->col_ids[3] = "mobilised";
	t->row_ids[0] = "all";
	t->row_labels[0] = tr(c->app, c->l, "statistics.row.all");
	return ind_registered(db, &t->v[0]) < 0 || ind_identified(db, &t->v[1]) < 0 ||
	                       ind_active(db, c->now, &t->v[2]) < 0 ||
	                       ind_mobilised(db, &t->v[3]) < 0
	               ? -1
	               : 0;
}

/* The states a published need goes through (drafts and submissions are
 * the institutions' own business). */
static const enum need_state public_states[] = {NEED_PUBLISHED, NEED_STAFFED, NEED_IN_PROGRESS,
                                                NEED_COMPLETED, NEED_CANCELLED};
#define PUBLIC_STATES ((int)(sizeof(public_states) / sizeof(public_states[0])))

static int needs_table(struct pp *c, struct db *db, struct stat_table *t)
{
	table_init(&c->req->arena, t, "needs", "statistics.table.needs", 1, PUBLIC_STATES);
	t->row_ids[0] = "all";
	t->row_labels[0] = tr(c->app, c->l, "statistics.row.all");
	for (int i = 0; i < PUBLIC_STATES; i++) {
		t->col_ids[i] = need_state_name(public_states[i]);
		if (ind_needs_in_state(db, public_states[i], &t->v[i]) < 0)
			return -1;
	}
	return 0;
}

static int sectors_table(struct pp *c, struct db *db, struct stat_table *t)
{
	struct ind_sector *s;
	int n;

	if (ind_sectors(db, &c->req->arena, c->now, 1, c->app->cfg->statistics_alert_ratio, &s,
	                &n) < 0)
		return -1;
	table_init(&c->req->arena, t, "sectors", "statistics.table.sectors", n, 2);
	t->col_ids[0] = "active_experts";
	t->col_ids[1] = "open_needs";
	for (int i = 0; i < n; i++) {
		t->row_ids[i] = s[i].id;
		t->row_labels[i] = need_page_label(c, TAX_SECTOR, s[i].id);
		t->v[i * 2] = s[i].experts;
		t->v[i * 2 + 1] = s[i].needs;
	}
	return 0;
}

/* ---- Breakdowns ------------------------------------------------------------------------ */

/* A name from the database in the page's language: fmt is a query whose
 * %s is the language code and $1 the key. The key itself when not found. */
static const char *name_of(struct pp *c, struct db *db, const char *fmt, const char *key)
{
	const char *name = NULL;
	const char *sql = arena_printf(&c->req->arena, fmt, lang_code(c->l));

	if (sql_row(db, &c->req->arena, sql, 1, (const char *[]){key}, &name, 1) != 1 || !name)
		return key;
	return name;
}

const char *stat_dimension_label(struct pp *c, struct db *db, enum ind_dimension d, const char *key)
{
	switch (d) {
	case IND_BY_AGE:
		return tr(c->app, c->l, arena_printf(&c->req->arena, "dashboard.age.%s", key));
	case IND_BY_GENDER:
		return tr(c->app, c->l,
		          arena_printf(&c->req->arena, "profile.gender.%s", *key ? key : "none"));
	default:
		break;
	}
	if (!*key)
		return tr(c->app, c->l, "dashboard.unknown");
	switch (d) {
	case IND_BY_NETWORK:
		return name_of(c, db, "SELECT name_%s FROM networks WHERE slug = $1", key);
	case IND_BY_INSTITUTION:
		return name_of(c, db,
		               "SELECT name_%s FROM institutions WHERE CAST(id AS TEXT) = $1", key);
	case IND_BY_REGION:
		return need_page_label(c, TAX_REGION, key);
	case IND_BY_COUNTRY:
		return need_page_label(c, TAX_COUNTRY, key);
	default:
		return need_page_label(c, TAX_SECTOR, key);
	}
}

/* The breakdowns published, each a table of STAT_BY_COLS columns. */
static const enum ind_dimension published_dims[] = {IND_BY_COUNTRY, IND_BY_GENDER, IND_BY_AGE,
                                                    IND_BY_NETWORK, IND_BY_REGION};
#define STAT_BY_COLS 3
static const char *const gender_keys[] = {"f", "m", "x", ""};

/* The rows a breakdown publishes: gender and age bands always all of
 * them (a row's presence says nothing); for the other dimensions the keys
 * with at least k in the first column, the others summed into one row
 * "other" (shown when it counts anyone). Fills t's rows from r[0..n). */
static void by_rows(struct pp *c, struct db *db, enum ind_dimension d, const struct ind_row *r,
                    int n, int k, struct stat_table *t)
{
	int fixed = d == IND_BY_GENDER || d == IND_BY_AGE, rows = 0;
	int64_t other[STAT_BY_COLS] = {0};

	if (d == IND_BY_GENDER)
		for (int g = 0; g < 4; g++) {
			t->row_ids[g] = *gender_keys[g] ? gender_keys[g] : "none";
			t->row_labels[g] = stat_dimension_label(c, db, d, gender_keys[g]);
		}
	for (int i = 0; i < n; i++) {
		const int64_t v[STAT_BY_COLS] = {r[i].registered, r[i].active, r[i].mobilised};
		int at = rows;
		if (d == IND_BY_GENDER) {
			for (at = 0; at < 3 && strcmp(gender_keys[at], r[i].key); at++)
				;
		} else if (!fixed && v[0] < k) {
			for (int j = 0; j < STAT_BY_COLS; j++)
				other[j] += v[j];
			continue;
		} else {
			t->row_ids[rows] = *r[i].key ? r[i].key : "none";
			t->row_labels[rows++] = stat_dimension_label(c, db, d, r[i].key);
		}
		for (int j = 0; j < STAT_BY_COLS; j++)
			t->v[at * STAT_BY_COLS + j] += v[j];
	}
	if (d == IND_BY_GENDER)
		rows = 4;
	if (other[0] || other[1] || other[2]) {
		t->row_ids[rows] = "other";
		t->row_labels[rows] = tr(c->app, c->l, "statistics.row.other");
		memcpy(t->v + rows * STAT_BY_COLS, other, sizeof(other));
		rows++;
	}
	t->rows = rows;
}

static int by_table(struct pp *c, struct db *db, enum ind_dimension d, int k, struct stat_table *t)
{
	struct ind_row *r;
	int n, mission = ind_dimension_mission(d);
	const char *id = ind_dimension_ids[d];

	if (ind_breakdown(db, &c->req->arena, c->now, d, NULL, &r, &n) < 0)
		return -1;
	table_init(&c->req->arena, t, arena_printf(&c->req->arena, "by_%s", id),
	           arena_printf(&c->req->arena, "statistics.table.by_%s", id), n + 5, STAT_BY_COLS);
	memset(t->v, 0, (size_t)(t->rows * t->cols) * sizeof(*t->v));
	t->col_ids[0] = mission ? "engaged" : "registered";
	t->col_ids[1] = "active";
	t->col_ids[2] = "mobilised";
	by_rows(c, db, d, r, n, k, t);
	return 0;
}

int stat_tables(struct pp *c, struct db *db, int k, struct stat_table t[STAT_TABLES])
{
	if (experts_table(c, db, &t[0]) < 0 || needs_table(c, db, &t[1]) < 0 ||
	    sectors_table(c, db, &t[2]) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(published_dims) / sizeof(published_dims[0]); i++)
		if (by_table(c, db, published_dims[i], k, &t[3 + i]) < 0)
			return -1;
	for (int i = 0; i < STAT_TABLES; i++)
		stat_table_suppress(&t[i], k);
	return 0;
}

/* Loads the tables; on failure sends the 503 answer and returns -1. */
static int load(struct pp *c, struct stat_table t[STAT_TABLES])
{
	struct db *db = db_pool_get(c->app->pool);
	int rc = stat_tables(c, db, c->app->cfg->statistics_min_cell, t);

	db_pool_put(c->app->pool, db);
	if (rc < 0)
		page_unavailable(c->app, c->req, c->resp);
	return rc;
}

/* A table as the page shows it: {id, title, columns [key], rows [{label,
 * cells [{n, hidden}]}]}. */
static json_t *table_page(struct pp *c, const struct stat_table *t)
{
	json_t *cols = json_array(), *rows = json_array();

	for (int j = 0; j < t->cols; j++)
		json_array_append_new(cols,
		                      json_string(arena_printf(&c->req->arena, "statistics.col.%s",
		                                               t->col_ids[j])));
	for (int i = 0; i < t->rows; i++) {
		json_t *cells = json_array();
		for (int j = 0; j < t->cols; j++) {
			int h = t->hidden[i * t->cols + j];
			json_array_append_new(cells,
			                      json_pack("{s:I, s:b}", "n",
			                                (json_int_t)(h ? 0 : t->v[i * t->cols + j]),
			                                "hidden", h));
		}
		json_array_append_new(rows, json_pack("{s:s, s:s, s:o}", "id", t->row_ids[i],
		                                      "label", t->row_labels[i], "cells", cells));
	}
	return json_pack("{s:s, s:s, s:o, s:o}", "id", t->id, "title", t->title_key, "columns",
	                 cols, "rows", rows);
}

void h_statistics(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct stat_table t[STAT_TABLES];
	char now[ISO_TIME_LEN + 1];
	json_t *tables = json_array();

	pp_init(&c, ctx, req, resp);
	if (load(&c, t) < 0) {
		json_decref(tables);
		return;
	}
	for (int i = 0; i < STAT_TABLES; i++)
		json_array_append_new(tables, table_page(&c, &t[i]));
	iso_time(c.now, now);
	page_render(c.app, req, resp, 200, "statistics", "statistics.title",
	            json_pack("{s:o, s:i, s:s?}", "tables", tables, "k",
	                      c.app->cfg->statistics_min_cell, "date", pp_date(&c, now)));
}

/* The open data as JSON: {generated_at, min_cell, tables: [{id, columns
 * [id], rows [{id, label, values [n or null]}]}]}. */
static json_t *open_json(struct pp *c, const struct stat_table *t)
{
	char now[ISO_TIME_LEN + 1];
	json_t *tables = json_array();

	iso_time(c->now, now);
	for (int k = 0; k < STAT_TABLES; k++) {
		json_t *cols = json_array(), *rows = json_array();
		for (int j = 0; j < t[k].cols; j++)
			json_array_append_new(cols, json_string(t[k].col_ids[j]));
		for (int i = 0; i < t[k].rows; i++) {
			json_t *vals = json_array();
			for (int j = 0; j < t[k].cols; j++) {
				int at = i * t[k].cols + j;
				json_array_append_new(vals, t[k].hidden[at]
				                                    ? json_null()
				                                    : json_integer(t[k].v[at]));
			}
			json_array_append_new(rows, json_pack("{s:s, s:s, s:o}", "id",
			                                      t[k].row_ids[i], "label",
			                                      t[k].row_labels[i], "values", vals));
		}
		json_array_append_new(tables, json_pack("{s:s, s:o, s:o}", "id", t[k].id, "columns",
		                                        cols, "rows", rows));
	}
	return json_pack(
	        "{s:s, s:i, s:s, s:o}", "generated_at", now, "min_cell",
	        c->app->cfg->statistics_min_cell, "dictionary",
	        arena_printf(&c->req->arena, "/%s/statistics/dictionary.json", lang_code(c->l)),
	        "tables", tables);
}

void h_statistics_json(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct stat_table t[STAT_TABLES];

	pp_init(&c, ctx, req, resp);
	if (load(&c, t) < 0)
		return;
	json_respond(req, resp, 200, open_json(&c, t));
	resp_header(req, resp, "Cache-Control", "public, max-age=300");
}

static void csv_row(struct buf *b, const struct stat_table *t, int i, int j)
{
	int at = i * t->cols + j;

	csv_field(b, t->id);
	csv_sep(b);
	csv_field(b, t->row_ids[i]);
	csv_sep(b);
	csv_field(b, t->row_labels[i]);
	csv_sep(b);
	csv_field(b, t->col_ids[j]);
	csv_sep(b);
	if (!t->hidden[at])
		buf_addf(b, "%lld", (long long)t->v[at]);
	csv_end(b);
}

void h_statistics_csv(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct stat_table t[STAT_TABLES];
	struct buf b;

	pp_init(&c, ctx, req, resp);
	if (load(&c, t) < 0)
		return;
	buf_init(&b, CSV_MAX);
	buf_adds(&b, CSV_BOM "table,row,label,column,value\r\n");
	for (int k = 0; k < STAT_TABLES; k++)
		for (int i = 0; i < t[k].rows; i++)
			for (int j = 0; j < t[k].cols; j++)
				csv_row(&b, &t[k], i, j);
	resp_set(resp, 200, CSV_CONTENT_TYPE, b.data, b.len);
	buf_release(&b);
	resp_header(req, resp, "Content-Disposition",
	            "attachment; filename=\"kafaat-statistics.csv\"");
	resp_header(req, resp, "Cache-Control", "public, max-age=300");
}

/* What each table, column and CSV field means, in the page's language. */
void h_statistics_dictionary(void *ctx, struct request *req, struct response *resp)
{
	static const char *const fields[] = {"table", "row", "label", "column", "value"};
	static const char *const tables[] = {"experts",   "needs",  "sectors",    "by_country",
	                                     "by_gender", "by_age", "by_network", "by_region"};
	static const char *const columns[] = {"registered",     "identified", "active",
	                                      "mobilised",      "published",  "staffed",
	                                      "in_progress",    "completed",  "cancelled",
	                                      "active_experts", "open_needs", "engaged"};
	struct pp c;
	json_t *f = json_object(), *t = json_object(), *col = json_object();

	pp_init(&c, ctx, req, resp);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		json_object_set_new(f, fields[i],
		                    json_string(tr(c.app, c.l,
		                                   arena_printf(&req->arena, "statistics.field.%s",
		                                                fields[i]))));
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		json_object_set_new(t, tables[i],
		                    json_string(tr(c.app, c.l,
		                                   arena_printf(&req->arena, "statistics.table.%s",
		                                                tables[i]))));
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		json_object_set_new(col, columns[i],
		                    json_string(tr(c.app, c.l,
		                                   arena_printf(&req->arena, "statistics.def.%s",
		                                                columns[i]))));
	json_respond(req, resp, 200,
	             json_pack("{s:s, s:s, s:i, s:o, s:o, s:o}", "language", lang_code(c.l),
	                       "suppression", tr(c.app, c.l, "statistics.def.suppression"),
	                       "min_cell", c.app->cfg->statistics_min_cell, "csv_fields", f,
	                       "tables", t, "columns", col));
	resp_header(req, resp, "Cache-Control", "public, max-age=3600");
}
