/* exports: the programme team's exports (exports.h). Each export is a row
 * of the table `exports` below: its query, its columns, and optionally a
 * list merged into its last column (the query and the list both ordered
 * by the row's id). */
#include "app/exports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/engagements.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "app/visibility.h"
#include "core/buf.h"
#include "core/file.h"
#include "web/csv.h"

enum col_kind { COL_TEXT, COL_INT };

struct export_col {
	const char *id; /* catalogue: export.col.ID */
	enum col_kind kind;
	int width; /* XLSX column width, in characters */
};

#define EXPORT_COLS 16

struct export_def {
	const char *id;       /* "experts", …: the URL, the audit, export.sheet.ID */
	const char *sql;      /* "_LL" stands for the language code (name_LL → name_fr) */
	const char *list_sql; /* NULL, or (id, text) rows joined into the last column */
	int ncols;
	struct export_col cols[EXPORT_COLS];
};

/* Who the programme team may see: visibility.h's rule, for the expert
 * u.id (experts) and e.expert_id (engagements). */
#define PROGRAMME_CONSENT_U VISIBILITY_PROGRAMME_OPEN "u.id" VISIBILITY_PROGRAMME_CLOSE
#define PROGRAMME_CONSENT_E VISIBILITY_PROGRAMME_OPEN "e.expert_id" VISIBILITY_PROGRAMME_CLOSE
/* v when the engagement's expert consented to the programme team, else "". */
#define IF_CONSENTED(v) "CASE WHEN " PROGRAMME_CONSENT_E " THEN " v " ELSE '' END"

static const struct export_def exports[] = {
        {"experts",
         "SELECT u.id, p.name, p.name_ar, u.email, p.gender, p.birth_year, COALESCE(c.name_LL, "
         "''), p.city, p.headline, p.years_experience, p.confirmed_at, u.status, CASE WHEN u.id "
         "IN (" ENG_MOBILISED_EXPERTS_SQL ") THEN 1 ELSE 0 END, '' FROM users u JOIN profiles p "
         "ON p.user_id = u.id LEFT JOIN countries c ON c.code = p.country WHERE u.status <> "
         "'disabled' AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = "
         "'expert') AND " PROGRAMME_CONSENT_U " ORDER BY u.id",
         "SELECT ps.user_id, s.name_LL FROM profile_sectors ps JOIN sectors s ON s.id = "
         "ps.sector_id ORDER BY ps.user_id, s.position, s.id",
         14,
         {{"id", COL_INT, 10},
          {"name", COL_TEXT, 28},
          {"name_ar", COL_TEXT, 28},
          {"email", COL_TEXT, 32},
          {"gender", COL_TEXT, 8},
          {"birth_year", COL_INT, 10},
          {"country", COL_TEXT, 20},
          {"city", COL_TEXT, 18},
          {"headline", COL_TEXT, 40},
          {"years_experience", COL_INT, 10},
          {"confirmed_at", COL_TEXT, 22},
          {"status", COL_TEXT, 10},
          {"mobilised", COL_INT, 10},
          {"sectors", COL_TEXT, 40}}},
        {"needs",
         "SELECT n.id, i.name_LL, n.title, n.state, COALESCE(s.name_LL, ''), COALESCE(r.name_LL, "
         "''), n.city, n.experts_wanted, n.created_at, n.published_at FROM needs n JOIN "
         "institutions i ON i.id = n.institution_id LEFT JOIN sectors s ON s.id = n.sector_id "
         "LEFT JOIN regions r ON r.code = n.region ORDER BY n.id",
         NULL,
         10,
         {{"id", COL_INT, 10},
          {"institution", COL_TEXT, 32},
          {"title", COL_TEXT, 44},
          {"state", COL_TEXT, 12},
          {"sector", COL_TEXT, 24},
          {"region", COL_TEXT, 24},
          {"city", COL_TEXT, 18},
          {"experts_wanted", COL_INT, 10},
          {"created_at", COL_TEXT, 22},
          {"published_at", COL_TEXT, 22}}},
        {"engagements",
         "SELECT e.id, e.need_id, n.title, i.name_LL, " IF_CONSENTED("CAST(e.expert_id AS TEXT)") ", " IF_CONSENTED(
                 "COALESCE(p.name, '')") ", " IF_CONSENTED("COALESCE(p.name_ar, '')") ", e.origin, "
                                                                                      "e.state, "
                                                                                      "e.created_"
                                                                                      "at, "
                                                                                      "e.delivered_"
                                                                                      "at FROM "
                                                                                      "engagements "
                                                                                      "e JOIN "
                                                                                      "needs n ON "
                                                                                      "n.id = "
                                                                                      "e.need_id "
                                                                                      "JOIN "
                                                                                      "institutions"
                                                                                      " i ON i.id "
                                                                                      "= "
                                                                                      "n."
                                                                                      "institution_"
                                                                                      "id LEFT "
                                                                                      "JOIN "
                                                                                      "profiles p "
                                                                                      "ON "
                                                                                      "p.user_id = "
                                                                                      "e.expert_id "
                                                                                      "ORDER BY "
                                                                                      "e.id",
         NULL,
         11,
         {{"id", COL_INT, 10},
          {"need_id", COL_INT, 10},
          {"title", COL_TEXT, 44},
          {"institution", COL_TEXT, 32},
          {"expert_id", COL_INT, 10},
          {"name", COL_TEXT, 28},
          {"name_ar", COL_TEXT, 28},
          {"origin", COL_TEXT, 10},
          {"state", COL_TEXT, 12},
          {"created_at", COL_TEXT, 22},
          {"delivered_at", COL_TEXT, 22}}},
        {"projects",
         "SELECT p.id, p.title, p.state, s.name_LL, r.name_LL, p.city, p.stage, p.investment, "
         "p.jobs, p.investment_realised, p.jobs_realised, p.created_at, p.closed_at FROM "
         "projects p JOIN sectors s ON s.id = p.sector_id JOIN regions r ON r.code = p.region "
         "ORDER BY p.id",
         NULL,
         13,
         {{"id", COL_INT, 10},
          {"title", COL_TEXT, 40},
          {"state", COL_TEXT, 12},
          {"sector", COL_TEXT, 24},
          {"region", COL_TEXT, 24},
          {"city", COL_TEXT, 18},
          {"stage", COL_TEXT, 10},
          {"investment", COL_INT, 14},
          {"jobs", COL_INT, 8},
          {"investment_realised", COL_INT, 14},
          {"jobs_realised", COL_INT, 8},
          {"created_at", COL_TEXT, 22},
          {"closed_at", COL_TEXT, 22}}},
};
#define EXPORTS ((int)(sizeof(exports) / sizeof(exports[0])))

/* sql with every "_LL" replaced by "_" and the language code (arena). */
static const char *with_lang(struct arena *a, const char *sql, const char *code)
{
	struct buf b = BUF_INIT;
	const char *p = sql, *hit, *out;

	while ((hit = strstr(p, "_LL")) != NULL) {
		buf_add(&b, p, (size_t)(hit - p));
		buf_addc(&b, '_');
		buf_adds(&b, code);
		p = hit + 3;
	}
	buf_adds(&b, p);
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

/* ---- Writers: CSV and XLSX behind one interface ------------------------------------------ */

struct sink {
	struct buf csv;       /* CSV: the file */
	lxw_workbook *book;   /* XLSX: the workbook being written to path */
	lxw_worksheet *sheet; /* and its one sheet */
	lxw_format *bold;
	char path[64];
	int row, failed;
};

static void sink_header(struct sink *s, const struct export_def *d, struct pp *c)
{
	for (int j = 0; j < d->ncols; j++) {
		const char *label = tr(
		        c->app, c->l, arena_printf(&c->req->arena, "export.col.%s", d->cols[j].id));
		if (s->book) {
			worksheet_set_column(s->sheet, (lxw_col_t)j, (lxw_col_t)j, d->cols[j].width,
			                     NULL);
			s->failed |= worksheet_write_string(s->sheet, 0, (lxw_col_t)j, label,
			                                    s->bold) != LXW_NO_ERROR;
			continue;
		}
		s->failed |= (j && csv_sep(&s->csv) < 0) || csv_field(&s->csv, label) < 0;
	}
	if (!s->book)
		s->failed |= csv_end(&s->csv) < 0;
	s->row = 1;
}

/* One cell of the current row: v NULL or "" is an empty cell. */
static void sink_cell(struct sink *s, const struct export_col *col, int j, const char *v)
{
	if (!s->book) {
		s->failed |= (j && csv_sep(&s->csv) < 0) || csv_field(&s->csv, v) < 0;
		return;
	}
	if (!v || !*v)
		return;
	if (col->kind == COL_INT)
		s->failed |= worksheet_write_number(s->sheet, (lxw_row_t)s->row, (lxw_col_t)j,
		                                    strtod(v, NULL), NULL) != LXW_NO_ERROR;
	else
		s->failed |= worksheet_write_string(s->sheet, (lxw_row_t)s->row, (lxw_col_t)j, v,
		                                    NULL) != LXW_NO_ERROR;
}

static void sink_end_row(struct sink *s)
{
	if (!s->book)
		s->failed |= csv_end(&s->csv) < 0;
	s->row++;
}

/* Opens the sink: xlsx or CSV. 0 or -1. */
static int sink_open(struct sink *s, int xlsx, const struct export_def *d, struct pp *c)
{
	const char *tmp = getenv("TMPDIR");
	lxw_workbook_options opt = {.constant_memory = 1};
	int fd;

	memset(s, 0, sizeof(*s));
	if (!xlsx) {
		buf_init(&s->csv, EXPORT_CSV_MAX);
		return buf_adds(&s->csv, CSV_BOM);
	}
	snprintf(s->path, sizeof(s->path), "%s/kafaat-export-XXXXXX",
	         tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	fd = mkstemp(s->path);
	if (fd < 0)
		return -1;
	close(fd);
	s->book = workbook_new_opt(s->path, &opt);
	s->sheet = s->book ? workbook_add_worksheet(
	                             s->book,
	                             tr(c->app, c->l,
	                                arena_printf(&c->req->arena, "export.sheet.%s", d->id)))
	                   : NULL;
	if (!s->sheet)
		return -1;
	s->bold = workbook_add_format(s->book);
	format_set_bold(s->bold);
	worksheet_freeze_panes(s->sheet, 1, 0);
	if (c->l == LANG_AR)
		worksheet_right_to_left(s->sheet);
	return 0;
}

/* Closes the sink; on success the file is in out (XLSX: read back from
 * the temporary file, which is removed either way). 0 or -1. */
static int sink_close(struct sink *s, int ok, struct buf *out)
{
	char err[160];
	int rc = -1;

	if (!s->book) {
		if (*s->path) /* the workbook could not be created */
			unlink(s->path);
		if (ok && !s->failed) {
			*out = s->csv;
			return 0;
		}
		buf_release(&s->csv);
		return -1;
	}
	if (workbook_close(s->book) == LXW_NO_ERROR && ok && !s->failed) {
		buf_init(out, EXPORT_CSV_MAX);
		rc = file_read(s->path, out, err, sizeof(err));
		if (rc < 0)
			buf_release(out);
	}
	unlink(s->path);
	return rc;
}

/* ---- Running an export ----------------------------------------------------------------- */

/* The list rows of the merge, positioned on the first with id >= want. */
struct list_cursor {
	struct db_stmt *st;
	enum db_rc rc;
};

/* The items of id joined by "; " (arena), advancing the cursor. */
static const char *list_for(struct list_cursor *lc, struct arena *a, int64_t id)
{
	struct buf b = BUF_INIT;
	const char *out;

	while (lc->rc == DB_ROW && db_col_int(lc->st, 0) < id)
		lc->rc = db_step(lc->st);
	while (lc->rc == DB_ROW && db_col_int(lc->st, 0) == id) {
		if (b.len)
			buf_adds(&b, "; ");
		buf_adds(&b, db_col_text(lc->st, 1) ? db_col_text(lc->st, 1) : "");
		lc->rc = db_step(lc->st);
	}
	out = arena_strdup(a, b.len ? buf_str(&b) : "");
	buf_release(&b);
	return out;
}

/* Writes d's rows into s. The number of rows, -1 on a database error, -2
 * past EXPORT_MAX_ROWS. */
static int64_t write_rows(struct pp *c, struct db *db, const struct export_def *d, struct sink *s)
{
	const char *code = lang_code(c->l);
	struct db_stmt *st = db_prepare(db, with_lang(&c->req->arena, d->sql, code));
	struct list_cursor lc = {NULL, DB_OK};
	enum db_rc rc = DB_ERROR;
	int64_t n = 0;

	if (d->list_sql) {
		lc.st = db_prepare(db, with_lang(&c->req->arena, d->list_sql, code));
		lc.rc = lc.st ? db_step(lc.st) : DB_ERROR;
	}
	while (st && lc.rc != DB_ERROR && (rc = db_step(st)) == DB_ROW) {
		if (++n > EXPORT_MAX_ROWS)
			break;
		for (int j = 0; j < d->ncols; j++) {
			const char *v = db_col_text(st, j);
			if (d->list_sql && j == d->ncols - 1)
				v = list_for(&lc, &c->req->arena, db_col_int(st, 0));
			sink_cell(s, &d->cols[j], j, v);
		}
		sink_end_row(s);
	}
	db_finalize(st);
	db_finalize(lc.st);
	if (n > EXPORT_MAX_ROWS)
		return -2;
	return rc == DB_OK && lc.rc != DB_ERROR ? n : -1;
}

struct audit_ctx {
	struct pp *c;
	const char *id, *format;
	int64_t rows;
};

static int audit_export(struct db *db, void *ud)
{
	struct audit_ctx *x = ud;
	struct audit_entry e = {x->c->id->user_id,
	                        "export",
	                        "export",
	                        x->id,
	                        req_ip(x->c->req),
	                        arena_printf(&x->c->req->arena, "{\"format\":\"%s\",\"rows\":%lld}",
	                                     x->format, (long long)x->rows)};

	return audit_append(db, x->c->now, &e);
}

/* The export named "ID.csv" or "ID.xlsx", or NULL; *xlsx says which. */
static const struct export_def *export_named(const char *name, int *xlsx)
{
	for (int i = 0; name && i < EXPORTS; i++) {
		size_t len = strlen(exports[i].id);
		if (strncmp(name, exports[i].id, len) != 0)
			continue;
		if (!strcmp(name + len, ".csv") || !strcmp(name + len, ".xlsx")) {
			*xlsx = name[len + 1] == 'x';
			return &exports[i];
		}
	}
	return NULL;
}

void h_admin_export(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct sink s;
	struct buf file;
	struct db *db;
	int xlsx = 0;
	int64_t rows = -1;
	const struct export_def *d;
	struct audit_ctx audit;

	pp_init(&c, ctx, req, resp);
	d = export_named(req_param(req, "file"), &xlsx);
	if (!d) {
		pp_not_found(&c);
		return;
	}
	if (sink_open(&s, xlsx, d, &c) == 0) {
		sink_header(&s, d, &c);
		db = db_pool_get(c.app->pool);
		rows = write_rows(&c, db, d, &s);
		db_pool_put(c.app->pool, db);
	}
	if (sink_close(&s, rows >= 0, &file) < 0) {
		if (rows == -2)
			page_message(c.app, req, resp, 413, "export.title", "export.too_many",
			             json_pack("{s:i}", "n", EXPORT_MAX_ROWS));
		else
			page_unavailable(c.app, req, resp);
		return;
	}
	audit = (struct audit_ctx){&c, d->id, xlsx ? "xlsx" : "csv", rows};
	if (sql_tx(c.app->pool, audit_export, &audit) < 0) {
		buf_release(&file);
		page_unavailable(c.app, req, resp);
		return;
	}
	resp_set(resp, 200, xlsx ? XLSX_CONTENT_TYPE : CSV_CONTENT_TYPE, file.data, file.len);
	buf_release(&file);
	resp_header(req, resp, "Content-Disposition",
	            arena_printf(&req->arena, "attachment; filename=\"kafaat-%s-%s.%s\"", d->id,
	                         lang_code(c.l), xlsx ? "xlsx" : "csv"));
	resp_header(req, resp, "Cache-Control", "no-store");
}

/* The page listing the exports: [{id, title, explain}]. */
void h_admin_exports(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	json_t *list = json_array();

	pp_init(&c, ctx, req, resp);
	for (int i = 0; i < EXPORTS; i++)
		json_array_append_new(
		        list,
		        json_pack("{s:s, s:s, s:s}", "id", exports[i].id, "title",
		                  arena_printf(&req->arena, "export.sheet.%s", exports[i].id),
		                  "explain",
		                  arena_printf(&req->arena, "export.explain.%s", exports[i].id)));
	page_render(c.app, req, resp, 200, "exports", "export.title",
	            json_pack("{s:o, s:i}", "exports", list, "max", EXPORT_MAX_ROWS));
}
