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
#include "app/taxonomy.h"
#include "core/buf.h"

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
static void table_suppress(struct stat_table *t, int k)
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
	table_init(&c->req->arena, t, "experts", "statistics.table.experts", 1, 3);
	t->additive = 0; /* registered ⊇ active, registered ⊇ mobilised: no sum */
	t->col_ids[0] = "registered";
	t->col_ids[1] = "active";
	t->col_ids[2] = "mobilised";
	t->row_ids[0] = "all";
	t->row_labels[0] = tr(c->app, c->l, "statistics.row.all");
	return ind_registered(db, &t->v[0]) < 0 || ind_active(db, c->now, &t->v[1]) < 0 ||
	                       ind_mobilised(db, &t->v[2]) < 0
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

int stat_tables(struct pp *c, struct db *db, int k, struct stat_table t[STAT_TABLES])
{
	if (experts_table(c, db, &t[0]) < 0 || needs_table(c, db, &t[1]) < 0 ||
	    sectors_table(c, db, &t[2]) < 0)
		return -1;
	for (int i = 0; i < STAT_TABLES; i++)
		table_suppress(&t[i], k);
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

/* One CSV field: quoted when it holds a comma, quote or line break; a
 * leading = + - @ (a formula to a spreadsheet) neutralised by a quote
 * mark in front. */
static void csv_field(struct buf *b, const char *s)
{
	int formula = s[0] && strchr("=+-@", s[0]);
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL;

	if (!quote) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '"');
	if (formula)
		buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static void csv_row(struct buf *b, const struct stat_table *t, int i, int j)
{
	int at = i * t->cols + j;

	csv_field(b, t->id);
	buf_addc(b, ',');
	csv_field(b, t->row_ids[i]);
	buf_addc(b, ',');
	csv_field(b, t->row_labels[i]);
	buf_addc(b, ',');
	csv_field(b, t->col_ids[j]);
	buf_addc(b, ',');
	if (!t->hidden[at])
		buf_addf(b, "%lld", (long long)t->v[at]);
	buf_adds(b, "\r\n");
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
	buf_adds(&b, "\xEF\xBB\xBFtable,row,label,column,value\r\n");
	for (int k = 0; k < STAT_TABLES; k++)
		for (int i = 0; i < t[k].rows; i++)
			for (int j = 0; j < t[k].cols; j++)
				csv_row(&b, &t[k], i, j);
	resp_set(resp, 200, "text/csv; charset=utf-8", b.data, b.len);
	buf_release(&b);
	resp_header(req, resp, "Content-Disposition",
	            "attachment; filename=\"kafaat-statistics.csv\"");
	resp_header(req, resp, "Cache-Control", "public, max-age=300");
}

/* What each table, column and CSV field means, in the page's language. */
void h_statistics_dictionary(void *ctx, struct request *req, struct response *resp)
{
	static const char *const fields[] = {"table", "row", "label", "column", "value"};
	static const char *const tables[] = {"experts", "needs", "sectors"};
	static const char *const columns[] = {
	        "registered",  "active",    "mobilised", "published",      "staffed",
	        "in_progress", "completed", "cancelled", "active_experts", "open_needs"};
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
