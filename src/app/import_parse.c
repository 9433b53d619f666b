/* import_parse: reading rosters — JSON Lines, and CSV (RFC 4180, "," or
 * ";", with or without a BOM) turned into the import JSON, row by row,
 * with no database (so the fuzzer can run it: tests/fuzz/fuzz_import.c).
 * The import itself (deduplication, writing) is import.c. */
#include "app/import.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "app/app.h"
#include "app/audit.h"
#include "app/clock.h"
#include "app/consent.h"
#include "app/mail.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "core/buf.h"
#include "core/parse.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "db/db.h"

#define CSV_MAX_COLS 64

/* ---- Parsing: common -------------------------------------------------------- */

static size_t bom_len(const char *d, size_t len)
{
	return len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int all_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_blank(s[i]))
			return 0;
	return 1;
}

/* Valid UTF-8 without NUL bytes. */
static int text_ok(const char *s, size_t n)
{
	return !memchr(s, '\0', n) && utf8_valid(s, n);
}

enum import_format import_detect(const char *data, size_t len)
{
	size_t i = bom_len(data, len);

	while (i < len && is_blank(data[i]))
		i++;
	return i < len && data[i] == '{' ? IMPORT_JSONL : IMPORT_CSV;
}

static int emit(import_row_fn fn, void *ud, int line, json_t *obj, const char *code,
                const char *detail)
{
	struct import_row r = {line, obj, code, detail ? detail : ""};

	return fn(ud, &r);
}

/* ---- Parsing: JSON Lines ------------------------------------------------------ */

static int jsonl_line(const char *s, size_t n, int line, import_row_fn fn, void *ud)
{
	json_error_t e;
	json_t *v;
	int rc;

	if (!text_ok(s, n))
		return emit(fn, ud, line, NULL, "not_utf8", "");
	if (n > IMPORT_MAX_LINE)
		return emit(fn, ud, line, NULL, "bad_json", "line longer than 1 MiB");
	v = json_loadb(s, n, JSON_REJECT_DUPLICATES, &e);
	if (!v)
		return emit(fn, ud, line, NULL, "bad_json", e.text);
	if (json_is_object(v))
		rc = emit(fn, ud, line, v, NULL, NULL);
	else
		rc = emit(fn, ud, line, NULL, "not_an_object", "");
	json_decref(v);
	return rc;
}

static int parse_jsonl(const char *d, size_t len, import_row_fn fn, void *ud)
{
	size_t i = bom_len(d, len);
	int line = 0, rows = 0;

	while (i < len) {
		const char *nl = memchr(d + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - d) : len;
		line++;
		if (!all_blank(d + i, end - i)) {
			size_t n = end - i - (d[end - 1] == '\r');
			if (jsonl_line(d + i, n, line, fn, ud) < 0)
				return -1;
			rows++;
		}
		i = end + 1;
	}
	return rows;
}

/* ---- Parsing: CSV records (RFC 4180) --------------------------------------------- */

struct csv {
	const char *d;
	size_t len, pos;
	char sep;
	int line;         /* physical line at pos (1-based) */
	struct buf cells; /* the record's cells, each NUL-terminated */
	size_t start[CSV_MAX_COLS];
	int n;             /* cells in the record (may exceed CSV_MAX_COLS) */
	const char *error; /* why the record is malformed, or NULL */
};

/* Consumes a line end (LF or CRLF); 1 at a line end or the end of data. */
static int at_eol(struct csv *c)
{
	if (c->pos >= c->len)
		return 1;
	if (c->d[c->pos] == '\n' ||
	    (c->d[c->pos] == '\r' && c->pos + 1 < c->len && c->d[c->pos + 1] == '\n')) {
		c->pos += c->d[c->pos] == '\r' ? 2 : 1;
		c->line++;
		return 1;
	}
	return 0;
}

static void skip_line(struct csv *c)
{
	while (!at_eol(c))
		c->pos++;
}

static void cell_add(struct csv *c, char ch)
{
	if (c->n <= CSV_MAX_COLS)
		buf_addc(&c->cells, ch);
}

/* A quoted cell ("" is a quote); 1 when the record ends after it. */
static int quoted_cell(struct csv *c)
{
	for (c->pos++;; c->pos++) {
		if (c->pos >= c->len) {
			c->error = "a quoted cell is not closed";
			return 1;
		}
		char ch = c->d[c->pos];
		if (ch == '"' && (c->pos + 1 >= c->len || c->d[c->pos + 1] != '"'))
			break;
		c->pos += ch == '"';
		c->line += ch == '\n';
		if (ch != '\r' || c->pos + 1 >= c->len || c->d[c->pos + 1] != '\n')
			cell_add(c, ch);
	}
	c->pos++;
	if (at_eol(c))
		return 1;
	if (c->d[c->pos] == c->sep) {
		c->pos++;
		return 0;
	}
	c->error = "text after a closing quote";
	skip_line(c);
	return 1;
}

/* An unquoted cell; 1 when the record ends after it. */
static int plain_cell(struct csv *c)
{
	while (!at_eol(c)) {
		char ch = c->d[c->pos++];
		if (ch == c->sep)
			return 0;
		cell_add(c, ch);
	}
	return 1;
}

static int csv_cell(struct csv *c)
{
	int end;

	if (c->n < CSV_MAX_COLS)
		c->start[c->n] = c->cells.len;
	c->n++;
	end = c->pos < c->len && c->d[c->pos] == '"' ? quoted_cell(c) : plain_cell(c);
	cell_add(c, '\0');
	return end;
}

/* Reads the next record; 0 at the end of data. Its bytes: raw, rawlen. */
static int csv_record(struct csv *c, const char **raw, size_t *rawlen)
{
	size_t from = c->pos;

	if (c->pos >= c->len)
		return 0;
	buf_reset(&c->cells);
	c->n = 0;
	c->error = NULL;
	while (!csv_cell(c))
		;
	*raw = c->d + from;
	*rawlen = c->pos - from;
	if (c->n > CSV_MAX_COLS && !c->error)
		c->error = "more than 64 cells";
	return 1;
}

static const char *cell(const struct csv *c, int i)
{
	return c->cells.data + c->start[i];
}

/* The separator: ';' when the header line has more of them than ',' (outside quotes). */
static char detect_sep(const char *d, size_t len)
{
	int commas = 0, semis = 0, quoted = 0;

	for (size_t i = 0; i < len && (quoted || d[i] != '\n'); i++) {
		quoted ^= d[i] == '"';
		commas += !quoted && d[i] == ',';
		semis += !quoted && d[i] == ';';
	}
	return semis > commas ? ';' : ',';
}

/* ---- Parsing: the CSV header ---------------------------------------------------- */

enum ckind { C_TEXT, C_INT, C_BOOL, C_LIST, C_LANGS, C_SKILLS, C_PERIODS, C_STAYS, C_EDU, C_EXP };

/* A CSV column: its header name, how its cells are read, and where the
 * value goes in the import JSON (key, or key.sub). */
struct column {
	const char *name;
	enum ckind kind;
	const char *key;
	const char *sub;
};

static const struct column columns[] = {
        {"ref", C_TEXT, "ref", NULL},
        {"email", C_TEXT, "email", NULL},
        {"lang", C_TEXT, "lang", NULL},
        {"name", C_TEXT, "name", NULL},
        {"name_ar", C_TEXT, "name_ar", NULL},
        {"gender", C_TEXT, "gender", NULL},
        {"birth_year", C_INT, "birth_year", NULL},
        {"country", C_TEXT, "country", NULL},
        {"city", C_TEXT, "city", NULL},
        {"nationalities", C_LIST, "nationalities", NULL},
        {"languages", C_LANGS, "languages", NULL},
        {"sectors", C_LIST, "sectors", NULL},
        {"preferred_sectors", C_LIST, "preferred_sectors", NULL},
        {"regions", C_LIST, "regions", NULL},
        {"skills", C_SKILLS, "skills", NULL},
        {"isco", C_TEXT, "isco", NULL},
        {"headline", C_TEXT, "headline", NULL},
        {"bio", C_TEXT, "bio", NULL},
        {"years_experience", C_INT, "years_experience", NULL},
        {"education", C_EDU, "education", NULL},
        {"experience", C_EXP, "experience", NULL},
        {"linkedin", C_TEXT, "links", "linkedin"},
        {"orcid", C_TEXT, "links", "orcid"},
        {"website", C_TEXT, "links", "website"},
        {"offer_modes", C_LIST, "offer", "modes"},
        {"offer_presence", C_LIST, "offer", "presence"},
        {"hours_per_month", C_INT, "offer", "hours_per_month"},
        {"pay", C_TEXT, "offer", "pay"},
        {"availability", C_PERIODS, "availability", NULL},
        {"stays", C_STAYS, "stays", NULL},
        {"paused_until", C_TEXT, "paused_until", NULL},
        {"consent_programme", C_BOOL, "consent", "programme"},
        {"consent_institutions", C_BOOL, "consent", "institutions"},
        {"consent_networks", C_BOOL, "consent", "networks"},
        {"consent_directory", C_BOOL, "consent", "directory"},
        {"consent_statistics", C_BOOL, "consent", "statistics"},
        {"consent_newsletters", C_BOOL, "consent", "newsletters"},
        {"confirmed_at", C_TEXT, "confirmed_at", NULL},
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

const char *import_csv_column(size_t i)
{
	return i < NCOLUMNS ? columns[i].name : NULL;
}

/* s[0..*n) without surrounding blanks; returns the new start. */
static const char *trim(const char *s, size_t *n)
{
	while (*n && is_blank(*s))
		s++, (*n)--;
	while (*n && is_blank(s[*n - 1]))
		(*n)--;
	return s;
}

static int column_index(const char *name)
{
	size_t n = strlen(name);
	const char *s = trim(name, &n);

	for (size_t i = 0; i < NCOLUMNS; i++)
		if (strlen(columns[i].name) == n && strncasecmp(columns[i].name, s, n) == 0)
			return (int)i;
	return -1;
}

/* Maps each header cell to its column; -1 (err) for an unknown or repeated
 * column or a header without email. */
static int read_header(struct csv *c, int *map, char *err, size_t errlen)
{
	const char *raw;
	size_t rawlen;
	int used[NCOLUMNS] = {0};

	if (!csv_record(c, &raw, &rawlen) || c->error || !text_ok(raw, rawlen)) {
		snprintf(err, errlen, "line 1: the CSV header cannot be read%s%s",
		         c->error ? ": " : "", c->error ? c->error : "");
		return -1;
	}
	for (int i = 0; i < c->n; i++) {
		map[i] = column_index(cell(c, i));
		if (map[i] < 0 || used[map[i]]++) {
			snprintf(err, errlen,
			         "line 1: %s column \"%.60s\" (docs/IMPORT.md lists them)",
			         map[i] < 0 ? "unknown" : "repeated", cell(c, i));
			return -1;
		}
	}
	if (!used[1]) {
		snprintf(err, errlen, "line 1: the CSV header has no email column");
		return -1;
	}
	return 0;
}

/* ---- Parsing: CSV cells to the import JSON ---------------------------------------- */

/* Calls fn on each sep-separated, trimmed, non-empty item of s[0..n). */
typedef void (*item_fn)(json_t *out, const char *s, size_t n);

static void each_item(const char *s, size_t n, char sep, item_fn fn, json_t *out)
{
	while (n) {
		const char *end = memchr(s, sep, n);
		size_t len = end ? (size_t)(end - s) : n, item = len;
		const char *t = trim(s, &item);
		if (item)
			fn(out, t, item);
		s += len + (end != NULL);
		n -= len + (end != NULL);
	}
}

static json_t *number_or_text(const char *s, size_t n)
{
	int64_t v;

	if (parse_int64_n(s, n, INT64_MIN + 1, INT64_MAX, &v) == 0)
		return json_integer(v);
	return json_stringn(s, n);
}

static json_t *boolean(const char *s, size_t n)
{
	static const char *const yes[] = {"true", "1", "yes", "oui", "y", NULL};
	static const char *const no[] = {"false", "0", "no", "non", "n", NULL};

	for (int i = 0; yes[i]; i++)
		if (strlen(yes[i]) == n && strncasecmp(yes[i], s, n) == 0)
			return json_true();
	for (int i = 0; no[i]; i++)
		if (strlen(no[i]) == n && strncasecmp(no[i], s, n) == 0)
			return json_false();
	return json_stringn(s, n);
}

static void text_item(json_t *out, const char *s, size_t n)
{
	json_array_append_new(out, json_stringn(s, n));
}

/* "fr:C2" → {"code": "fr", "level": "C2"} (a missing level reads as ""). */
static void language_item(json_t *out, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t cn = colon ? (size_t)(colon - s) : n;
	size_t ln = colon ? n - cn - 1 : 0;
	const char *code = trim(s, &cn), *level = trim(colon ? colon + 1 : s, &ln);

	json_array_append_new(out, json_pack("{s:s%, s:s%}", "code", code, cn, "level", level, ln));
}

/* Length of a trailing ":digits" of s[0..n), or 0. */
static size_t number_suffix(const char *s, size_t n)
{
	size_t i = n;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	return i < n && i > 0 && s[i - 1] == ':' ? n - i + 1 : 0;
}

/* "name:level:years" or "name:level" or "name"; the name may hold ':'. */
static void skill_item(json_t *out, const char *s, size_t n)
{
	size_t last = number_suffix(s, n), prev = last ? number_suffix(s, n - last) : 0;
	size_t nn = n - last - prev;
	json_t *o = json_object();

	json_object_set_new(o, "name", json_stringn(trim(s, &nn), nn));
	if (prev) {
		json_object_set_new(o, "level", number_or_text(s + n - last - prev + 1, prev - 1));
		json_object_set_new(o, "years", number_or_text(s + n - last + 1, last - 1));
	} else if (last) {
		json_object_set_new(o, "level", number_or_text(s + n - last + 1, last - 1));
	}
	json_array_append_new(out, o);
}

/* "2027-07-01..2027-08-15" (and "@City" for a stay). */
static void period_item(json_t *out, const char *s, size_t n, int stay)
{
	const char *at = stay ? memchr(s, '@', n) : NULL;
	size_t pn = at ? (size_t)(at - s) : n, cn = at ? n - pn - 1 : 0;
	const char *dots = pn >= 2 ? memmem(s, pn, "..", 2) : NULL;
	size_t fn = dots ? (size_t)(dots - s) : pn, tn = dots ? pn - fn - 2 : 0;
	const char *from = trim(s, &fn), *to = trim(dots ? dots + 2 : s, &tn);
	json_t *o = json_object();

	json_object_set_new(o, "from", json_stringn(from, fn));
	if (dots)
		json_object_set_new(o, "to", json_stringn(to, tn));
	if (at)
		json_object_set_new(o, "city", json_stringn(trim(at + 1, &cn), cn));
	json_array_append_new(out, o);
}

static void available_item(json_t *out, const char *s, size_t n)
{
	period_item(out, s, n, 0);
}

static void stay_item(json_t *out, const char *s, size_t n)
{
	period_item(out, s, n, 1);
}

/* Positional '|'-separated parts named by names (empty parts left out).
 * More parts than names: the text itself, which the profile reports. */
static void parts_item(json_t *out, const char *s, size_t n, const char *const *names,
                       const char *int_name)
{
	json_t *o = json_object();
	int k = 0;

	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && s[i] != '|')
			continue;
		size_t len = i - start;
		const char *p = trim(s + start, &len);
		if (!names[k]) {
			json_decref(o);
			json_array_append_new(out, json_stringn(s, n));
			return;
		}
		if (len)
			json_object_set_new(o, names[k],
			                    strcmp(names[k], int_name) == 0 ? number_or_text(p, len)
			                                                    : json_stringn(p, len));
		k++;
		start = i + 1;
	}
	json_array_append_new(out, o);
}

static void education_item(json_t *out, const char *s, size_t n)
{
	static const char *const names[] = {"degree",  "field", "institution",
	                                    "country", "year",  NULL};
	parts_item(out, s, n, names, "year");
}

static void experience_item(json_t *out, const char *s, size_t n)
{
	static const char *const names[] = {"role", "organisation", "sector", "country",
	                                    "from", "to",           NULL};
	parts_item(out, s, n, names, "");
}

static json_t *list_value(const char *s, size_t n, item_fn fn)
{
	json_t *out = json_array();

	each_item(s, n, ';', fn, out);
	return out;
}

/* The JSON value of one non-empty cell. */
static json_t *cell_value(enum ckind kind, const char *s, size_t n)
{
	switch (kind) {
	case C_INT:
		return number_or_text(s, n);
	case C_BOOL:
		return boolean(s, n);
	case C_LIST:
		return list_value(s, n, text_item);
	case C_LANGS:
		return list_value(s, n, language_item);
	case C_SKILLS:
		return list_value(s, n, skill_item);
	case C_PERIODS:
		return list_value(s, n, available_item);
	case C_STAYS:
		return list_value(s, n, stay_item);
	case C_EDU:
		return list_value(s, n, education_item);
	case C_EXP:
		return list_value(s, n, experience_item);
	case C_TEXT:
		break;
	}
	return json_stringn(s, n);
}

static void put(json_t *o, const struct column *col, json_t *v)
{
	json_t *inner;

	if (!col->sub) {
		json_object_set_new(o, col->key, v);
		return;
	}
	inner = json_object_get(o, col->key);
	if (!inner) {
		inner = json_object();
		json_object_set_new(o, col->key, inner);
	}
	json_object_set_new(inner, col->sub, v);
}

/* The record as import JSON, or NULL when every cell is empty. */
static json_t *csv_object(const struct csv *c, const int *map)
{
	json_t *o = json_object();

	for (int i = 0; i < c->n; i++) {
		size_t n = strlen(cell(c, i));
		const char *s = trim(cell(c, i), &n);
		if (n)
			put(o, &columns[map[i]], cell_value(columns[map[i]].kind, s, n));
	}
	if (json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* One record after the header: its row, or its reason; empty lines are
 * not rows. */
static int csv_row(struct csv *c, const int *map, int ncols, int line, const char *raw,
                   size_t rawlen, import_row_fn fn, void *ud, int *rows)
{
	char detail[64] = "";
	const char *code = NULL;
	json_t *o = NULL;
	int rc;

	if (!text_ok(raw, rawlen)) {
		code = "not_utf8";
	} else if (c->error) {
		code = "bad_csv_row";
		snprintf(detail, sizeof(detail), "%s", c->error);
	} else if (c->n == 1 && cell(c, 0)[0] == '\0' && ncols != 1) {
		return 0;
	} else if (c->n != ncols) {
		code = "bad_csv_row";
		snprintf(detail, sizeof(detail), "%d cells, the header has %d", c->n, ncols);
	} else if (!(o = csv_object(c, map))) {
		return 0;
	}
	++*rows;
	rc = emit(fn, ud, line, o, code, detail);
	json_decref(o);
	return rc;
}

static int parse_csv(const char *d, size_t len, import_row_fn fn, void *ud, char *err,
                     size_t errlen)
{
	size_t skip = bom_len(d, len);
	struct csv c = {.d = d + skip,
	                .len = len - skip,
	                .sep = detect_sep(d + skip, len - skip),
	                .line = 1,
	                .cells = BUF_INIT};
	int map[CSV_MAX_COLS], ncols, rows = 0, rc = -1;
	const char *raw;
	size_t rawlen;

	if (read_header(&c, map, err, errlen) < 0)
		goto out;
	ncols = c.n;
	for (int line = c.line; csv_record(&c, &raw, &rawlen); line = c.line) {
		if (csv_row(&c, map, ncols, line, raw, rawlen, fn, ud, &rows) < 0) {
			snprintf(err, errlen, "line %d: stopped", line);
			goto out;
		}
	}
	rc = rows;
out:
	buf_release(&c.cells);
	return rc;
}

int import_parse(const char *data, size_t len, import_row_fn fn, void *ud, char *err, size_t errlen)
{
	int rows;

	if (import_detect(data, len) == IMPORT_CSV)
		return parse_csv(data, len, fn, ud, err, errlen);
	rows = parse_jsonl(data, len, fn, ud);
	if (rows < 0)
		snprintf(err, errlen, "stopped");
	return rows;
}
