/* import: experts from JSON Lines or CSV, and their export (import.h,
 * docs/IMPORT.md).
 *
 * Sections: reason texts; parsing (JSON Lines, CSV records, CSV header,
 * CSV cells to the import JSON); a row's import-level fields; the
 * canonical form that decides whether a profile changed; database writes
 * for one row (in a savepoint); the run (batches of rows per transaction,
 * the audit row); the export.
 *
 * Transactions: rows are written in batches of BATCH rows per transaction,
 * each row inside its own savepoint, so a bad row is rolled back alone
 * and never half-written while good rows are kept. A dry run is one
 * transaction, rolled back at the end (rows are checked against the
 * database and against earlier rows of the file, as in a real run).
 */
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

#define BATCH 200                  /* rows per transaction */
#define CLAIM_TTL (30 * 24 * 3600) /* the claim link of an invited expert */

/* ---- Reason texts --------------------------------------------------------- */

static const struct {
	const char *code;
	const char *text;
} import_texts[] = {
        {"email_invalid", "not an email address"},
        {"duplicate_email_in_file", "this address is on an earlier row of the file"},
        {"bad_json", "not one JSON object on the line"},
        {"bad_csv_row", "unreadable CSV row"},
        {"not_utf8", "text is not valid UTF-8"},
        {"duplicate_ref", "this ref belongs to another expert"},
        {"account_disabled", "the account with this address is disabled"},
        {"save_failed", "a constraint of the database refused the row"},
        {"in_future", "date in the future"},
};

const char *import_issue_text(const char *code)
{
	for (size_t i = 0; i < sizeof(import_texts) / sizeof(import_texts[0]); i++)
		if (strcmp(import_texts[i].code, code) == 0)
			return import_texts[i].text;
	return profile_issue_text(code);
}

const char *import_reason_code(size_t i)
{
	return i < sizeof(import_texts) / sizeof(import_texts[0]) ? import_texts[i].code : NULL;
}

const char *import_status_name(enum import_status s)
{
	static const char *const names[] = {"created", "updated", "unchanged", "skipped"};
	return (unsigned)s < 4 ? names[s] : "?";
}

/* Appends one reason to is (kept while there is room; always counted). */
static void add_issue(struct profile_issues *is, const char *field, const char *code,
                      const char *value, int warning)
{
	int max = (int)(sizeof(is->items) / sizeof(is->items[0]));
	struct profile_issue *it;

	is->count++;
	if (!warning)
		is->errors++;
	if (is->count > max)
		return;
	it = &is->items[is->count - 1];
	snprintf(it->field, sizeof(it->field), "%s", field);
	snprintf(it->code, sizeof(it->code), "%s", code);
	snprintf(it->value, sizeof(it->value), "%s", value ? value : "");
	for (size_t n = strlen(it->value); n && !utf8_valid(it->value, n);) /* cut in a character */
		it->value[--n] = '\0';
	it->warning = warning;
}

/* Appends src's reasons to dst. */
static void merge_issues(struct profile_issues *dst, const struct profile_issues *src)
{
	int max = (int)(sizeof(src->items) / sizeof(src->items[0]));
	int kept = src->count < max ? src->count : max, kept_errors = 0;

	for (int i = 0; i < kept; i++) {
		add_issue(dst, src->items[i].field, src->items[i].code, src->items[i].value,
		          src->items[i].warning);
		kept_errors += !src->items[i].warning;
	}
	dst->count += src->count - kept;
	dst->errors += src->errors - kept_errors;
}

/* ---- A row's import-level fields ---------------------------------------------------- */

/* One run of import_experts. */
struct importer {
	struct app *app;
	const struct import_opts *o;
	struct import_counts *c;
	struct db *db;
	int64_t now;
	char now_s[ISO_TIME_LEN + 1];
	char source[256]; /* the file's name, printable */
	enum import_format format;
	json_t *seen;                /* addresses imported so far (a set) */
	struct import_result *batch; /* rows of the open transaction, not yet reported */
	int nbatch;
	int failed; /* err holds why */
	char *err;
	size_t errlen;
};

/* One row being imported. */
struct row {
	struct importer *im;
	struct import_result *r;
	struct arena a;
	const char *email;
	enum lang lang;
	json_t *profile;       /* normalised (owned) */
	json_t *consent;       /* checked; borrowed from the row; NULL when absent */
	const char *confirmed; /* ISO time, or NULL */
	int64_t uid;
	const char *uid_s;
	int changed; /* consent or confirmation written */
};

static int present(json_t *v)
{
	return v && !json_is_null(v);
}

static void row_issue(struct row *w, const char *field, const char *code, json_t *value)
{
	add_issue(&w->r->issues, field, code, json_is_string(value) ? json_string_value(value) : "",
	          0);
}

static void check_email(struct row *w, json_t *v)
{
	if (!present(v) || !json_is_string(v)) {
		row_issue(w, "email", present(v) ? "wrong_type" : "required", NULL);
		return;
	}
	w->email = email_normalise(&w->a, json_string_value(v));
	if (!w->email)
		row_issue(w, "email", "email_invalid", v);
	else
		snprintf(w->r->email, sizeof(w->r->email), "%s", w->email);
}

static void check_lang(struct row *w, json_t *v)
{
	w->lang = LANG_FR;
	if (!present(v))
		return;
	if (!json_is_string(v))
		row_issue(w, "lang", "wrong_type", NULL);
	else if (lang_parse(json_string_value(v), &w->lang) < 0)
		row_issue(w, "lang", "unknown_value", v);
}

static void check_consent(struct row *w, json_t *v)
{
	const char *key;
	json_t *e;
	char field[64];

	if (!present(v))
		return;
	if (!json_is_object(v)) {
		row_issue(w, "consent", "wrong_type", NULL);
		return;
	}
	json_object_foreach(v, key, e)
	{
		enum consent_audience aud;
		snprintf(field, sizeof(field), "consent.%s", key);
		if (consent_audience_parse(key, &aud) < 0)
			row_issue(w, field, "unknown_field", NULL);
		else if (!json_is_boolean(e) && !json_is_null(e))
			row_issue(w, field, "wrong_type", NULL);
	}
	w->consent = v;
}

/* "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ", not in the future. */
static void check_confirmed(struct row *w, json_t *v)
{
	char full[32], iso[ISO_TIME_LEN + 1];
	const char *s;
	int64_t t;

	if (!present(v))
		return;
	if (!json_is_string(v)) {
		row_issue(w, "confirmed_at", "wrong_type", NULL);
		return;
	}
	s = json_string_value(v);
	snprintf(full, sizeof(full), strlen(s) == 10 ? "%sT00:00:00Z" : "%s", s);
	if (strlen(s) > ISO_TIME_LEN || iso_parse(full, &t) < 0) {
		row_issue(w, "confirmed_at", "bad_date", v);
	} else if (t > w->im->now) {
		row_issue(w, "confirmed_at", "in_future", v);
	} else {
		iso_time(t, iso);
		w->confirmed = arena_strdup(&w->a, iso);
	}
}

/* Checks the row: its own fields here, the profile by profile_normalise.
 * Returns the normalised profile, or NULL when the row has errors. */
static json_t *prepare(struct row *w, json_t *obj)
{
	static const char *const own[] = {"email", "lang", "consent", "confirmed_at"};
	struct profile_issues pi;
	json_t *rest = json_copy(obj), *p;

	check_email(w, json_object_get(obj, "email"));
	check_lang(w, json_object_get(obj, "lang"));
	check_consent(w, json_object_get(obj, "consent"));
	check_confirmed(w, json_object_get(obj, "confirmed_at"));
	w->r->ignored = !w->im->o->consent_from_file && (w->consent || w->confirmed);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		json_object_del(rest, own[i]);
	p = profile_normalise(w->im->app->tx, rest, w->im->now, &pi);
	json_decref(rest);
	merge_issues(&w->r->issues, &pi);
	if (w->r->issues.errors) {
		json_decref(p);
		return NULL;
	}
	return p;
}

/* ---- Has the profile changed? -------------------------------------------------------- */

/* The fields of a list item that count, and the value an absent one
 * stands for (NULL: null), so that what was typed and what was stored
 * compare equal. */
struct item_key {
	const char *key;
	const char *absent;
};

static const struct item_key language_keys[] = {{"code", NULL}, {"level", NULL}, {NULL, NULL}};
static const struct item_key education_keys[] = {{"degree", ""},      {"field", ""},
                                                 {"institution", ""}, {"country", NULL},
                                                 {"year", NULL},      {NULL, NULL}};
static const struct item_key experience_keys[] = {
        {"role", ""},   {"organisation", ""}, {"sector", NULL}, {"country", NULL},
        {"from", NULL}, {"to", NULL},         {NULL, NULL}};
static const struct item_key stay_keys[] = {
        {"from", NULL}, {"to", NULL}, {"city", ""}, {NULL, NULL}};
static const struct item_key period_keys[] = {{"from", NULL}, {"to", NULL}, {NULL, NULL}};
static const struct item_key link_keys[] = {
        {"linkedin", ""}, {"orcid", ""}, {"website", ""}, {NULL, NULL}};

static json_t *or_null(json_t *v)
{
	return present(v) ? v : json_null();
}

static json_t *canon_item(json_t *item, const struct item_key *keys)
{
	json_t *o = json_object();

	for (; keys->key; keys++) {
		json_t *v = json_object_get(item, keys->key);
		if (present(v))
			json_object_set(o, keys->key, v);
		else
			json_object_set_new(o, keys->key,
			                    keys->absent ? json_string(keys->absent) : json_null());
	}
	return o;
}

/* A skill counts by its taxonomy id (or its name when free), level, years. */
static json_t *canon_skill(json_t *s)
{
	json_t *id = json_object_get(s, "id"), *name = json_object_get(s, "name");
	json_t *key =
	        present(id)
	                ? json_copy(id)
	                : json_sprintf("~%s", json_is_string(name) ? json_string_value(name) : "");

	return json_pack("{s:o, s:O, s:O}", "skill", key, "level",
	                 or_null(json_object_get(s, "level")), "years",
	                 or_null(json_object_get(s, "years")));
}

struct keyed {
	char *text;
	json_t *v;
};

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->text, ((const struct keyed *)b)->text);
}

/* arr's items sorted by their JSON text (unique: repeats dropped). */
static json_t *sorted(json_t *arr, int unique)
{
	size_t n = json_array_size(arr), i;
	struct keyed *k = xcalloc(n + 1, sizeof(*k));
	json_t *out = json_array(), *v;

	json_array_foreach(arr, i, v)
	{
		char *t = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
		k[i] = (struct keyed){t ? t : xstrdup(""), v};
	}
	qsort(k, n, sizeof(*k), by_text);
	for (i = 0; i < n; i++)
		if (!unique || i == 0 || strcmp(k[i].text, k[i - 1].text) != 0)
			json_array_append(out, k[i].v);
	for (i = 0; i < n; i++)
		free(k[i].text);
	free(k);
	return out;
}

static void canon_list(json_t *c, const char *name, const struct item_key *keys)
{
	json_t *items = json_array(), *v;
	size_t i;

	json_array_foreach(json_object_get(c, name), i, v)
	        json_array_append_new(items, keys ? canon_item(v, keys) : canon_skill(v));
	json_object_set_new(c, name, sorted(items, 0));
	json_decref(items);
}

static void canon_strings(json_t *c, const char *name)
{
	json_object_set_new(c, name, sorted(json_object_get(c, name), 1));
}

/* The form of a profile (normalised, or as loaded) that compares equal
 * when the stored rows would be the same: list order and the names a
 * skill was typed with do not count; preferred sectors are sectors too. */
static json_t *canon(json_t *p)
{
	json_t *c = json_deep_copy(p), *all = json_array();

	json_object_del(c, "confirmed_at");
	json_object_del(c, "updated_at");
	json_object_set_new(c, "links", canon_item(json_object_get(c, "links"), link_keys));
	json_array_extend(all, json_object_get(c, "sectors"));
	json_array_extend(all, json_object_get(c, "preferred_sectors"));
	json_object_set_new(c, "sectors", all);
	canon_strings(c, "sectors");
	canon_strings(c, "preferred_sectors");
	canon_strings(c, "regions");
	canon_strings(c, "nationalities");
	canon_list(c, "languages", language_keys);
	canon_list(c, "skills", NULL);
	canon_list(c, "education", education_keys);
	canon_list(c, "experience", experience_keys);
	canon_list(c, "stays", stay_keys);
	canon_list(c, "availability", period_keys);
	return c;
}

static int same_profile(json_t *a, json_t *b)
{
	json_t *x = canon(a), *y = canon(b);
	int same = json_equal(x, y);

	json_decref(x);
	json_decref(y);
	return same;
}

/* ---- Writing one row --------------------------------------------------------------- */

static int exec(struct row *w, const char *sql, int n, const char *const *params)
{
	return sql_exec(w->im->db, sql, n, params) >= 0 ? 0 : -1;
}

static int skip(struct row *w, const char *field, const char *code, const char *value)
{
	add_issue(&w->r->issues, field, code, value, 0);
	return IMPORT_SKIPPED;
}

/* 1 when the profile's ref is another user's, 0 if not, -1 on error. */
static int ref_taken(struct row *w, int64_t uid)
{
	json_t *ref = json_object_get(w->profile, "ref");
	int64_t n;

	if (!json_is_string(ref))
		return 0;
	if (db_query_int(
	            w->im->db, "SELECT COUNT(*) FROM profiles WHERE ref = $1 AND user_id <> $2", 2,
	            (const char *[]){json_string_value(ref), sql_int(&w->a, uid)}, &n) != DB_OK)
		return -1;
	return n > 0;
}

static int grant_expert(struct row *w)
{
	return exec(w,
	            "INSERT INTO user_roles (user_id, role, scope, granted_at) VALUES ($1, "
	            "'expert', '', $2) ON CONFLICT (user_id, role, scope) DO NOTHING",
	            2, (const char *[]){w->uid_s, w->im->now_s});
}

/* A new account: invited (no password), role expert. */
static int create_user(struct row *w)
{
	w->uid = new_id(w->im->app->cfg);
	w->uid_s = sql_int(&w->a, w->uid);
	if (exec(w,
	         "INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES "
	         "($1, $2, $3, 'invited', $4, $4)",
	         4, (const char *[]){w->uid_s, w->email, lang_code(w->lang), w->im->now_s}) < 0)
		return -1;
	return grant_expert(w);
}

static int save_profile(struct row *w, int invited)
{
	if (profile_save(w->im->db, w->uid, w->profile, w->im->now, 0) < 0)
		return -1;
	if (!invited)
		return 0;
	return exec(w, "UPDATE profiles SET invited = 1 WHERE user_id = $1", 1,
	            (const char *[]){w->uid_s});
}

/* With --consent-from-file: each audience the file names (consent.h
 * writes nothing when the same choice is already recorded). */
static int write_consent(struct row *w)
{
	if (!w->im->o->consent_from_file || !w->consent)
		return 0;
	for (int i = 0; i < AUD_COUNT; i++) {
		json_t *v = json_object_get(w->consent, consent_audience_name(i));
		int rc = json_is_boolean(v) ? consent_set(w->im->db, w->uid, i, json_is_true(v),
		                                          "import", w->im->now)
		                            : 0;
		if (rc < 0)
			return -1;
		w->changed |= rc;
	}
	return 0;
}

/* With --consent-from-file: the date the expert last confirmed the profile. */
static int write_confirmed(struct row *w)
{
	int64_t n;

	if (!w->im->o->consent_from_file || !w->confirmed)
		return 0;
	n = sql_exec(w->im->db,
	             "UPDATE profiles SET confirmed_at = $2 WHERE user_id = $1 AND "
	             "(confirmed_at IS NULL OR confirmed_at <> $2)",
	             2, (const char *[]){w->uid_s, w->confirmed});
	if (n < 0)
		return -1;
	w->changed |= n > 0;
	return 0;
}

/* Did the file give consent to some audience (and is it recorded)? */
static int consented(struct row *w)
{
	for (int i = 0; w->im->o->consent_from_file && w->consent && i < AUD_COUNT; i++)
		if (json_is_true(json_object_get(w->consent, consent_audience_name(i))))
			return 1;
	return 0;
}

/* The one-time link to claim the profile, by mail (not in a dry run). */
static int send_claim(struct row *w)
{
	struct app *app = w->im->app;
	const char *token;

	if (w->im->o->dry_run)
		return 0;
	token = ott_create(app, w->im->db, &w->a, w->uid, "invite", "", CLAIM_TTL);
	if (!token)
		return -1;
	return mail_enqueue(app, w->im->db, w->email, w->lang,
	                    consented(w) ? "mail.claim_profile_consented" : "mail.claim_profile",
	                    (const char *[]){"link",
	                                     link_to(app, &w->a, w->lang, "invitation", token),
	                                     "source", w->im->source, NULL});
}

static int create_expert(struct row *w)
{
	if (create_user(w) < 0 || save_profile(w, 1) < 0 || write_consent(w) < 0 ||
	    write_confirmed(w) < 0 || send_claim(w) < 0)
		return -1;
	return IMPORT_CREATED;
}

/* An existing account: its profile rewritten only when it differs. */
static int update_expert(struct row *w, int invited)
{
	int found, differs;
	json_t *old = profile_load(w->im->db, w->uid, &found);

	differs = found == 1 && !same_profile(old, w->profile);
	json_decref(old);
	if (found < 0 || (!found && grant_expert(w) < 0))
		return -1;
	if ((!found || differs) && save_profile(w, !found && invited) < 0)
		return -1;
	if (write_consent(w) < 0 || write_confirmed(w) < 0)
		return -1;
	if (!found)
		return IMPORT_CREATED;
	return differs || w->changed ? IMPORT_UPDATED : IMPORT_UNCHANGED;
}

/* Writes the row; returns its status, or -1 on a database error. */
static int apply(struct row *w)
{
	struct user u;
	int found = user_by_email(w->im->db, &w->a, w->email, &u), taken;

	if (found < 0)
		return -1;
	if (found && strcmp(u.status, "disabled") == 0)
		return skip(w, "email", "account_disabled", w->email);
	taken = ref_taken(w, found ? u.id : 0);
	if (taken)
		return taken < 0 ? -1
		                 : skip(w, "ref", "duplicate_ref",
		                        json_string_value(json_object_get(w->profile, "ref")));
	if (!found)
		return create_expert(w);
	w->uid = u.id;
	w->uid_s = sql_int(&w->a, u.id);
	return update_expert(w, strcmp(u.status, "invited") == 0);
}

static int fatal(struct importer *im, const char *what)
{
	snprintf(im->err, im->errlen, "%s: %s", what, db_errmsg(im->db));
	im->failed = 1;
	return -1;
}

/* Runs apply in a savepoint: kept when the row is imported, rolled back
 * when it is skipped. A constraint that refuses the row skips it
 * (save_failed); any other database failure is an outage, not the row's
 * fault, and stops the run. Returns 0, or -1 when the run must stop. */
static int in_savepoint(struct row *w)
{
	struct db *db = w->im->db;
	int st;

	if (db_exec(db, "SAVEPOINT import_row") != DB_OK)
		return fatal(w->im, "cannot start a savepoint");
	st = apply(w);
	if (st < 0 && db_last_result(db) != DB_CONSTRAINT)
		return fatal(w->im, "cannot save a row");
	if (st < 0)
		st = skip(w, "", "save_failed", db_errmsg(db));
	w->r->status = (enum import_status)st;
	if (st == IMPORT_SKIPPED && db_exec(db, "ROLLBACK TO SAVEPOINT import_row") != DB_OK)
		return fatal(w->im, "cannot roll a row back");
	if (db_exec(db, "RELEASE SAVEPOINT import_row") != DB_OK)
		return fatal(w->im, "cannot end a savepoint");
	return 0;
}

static int import_one(struct importer *im, json_t *obj, struct import_result *r)
{
	struct row w = {.im = im, .r = r, .a = ARENA_INIT};
	int rc = 0;

	w.profile = prepare(&w, obj);
	if (w.profile && json_object_get(im->seen, w.email))
		add_issue(&r->issues, "email", "duplicate_email_in_file", w.email, 0);
	else if (w.profile)
		rc = in_savepoint(&w);
	if (rc == 0 && r->status != IMPORT_SKIPPED)
		json_object_set_new(im->seen, w.email, json_true());
	json_decref(w.profile);
	arena_free(&w.a);
	return rc;
}

/* ---- The run ------------------------------------------------------------------------ */

static void tally(struct import_counts *c, const struct import_result *r)
{
	long *by_status[] = {&c->created, &c->updated, &c->unchanged, &c->skipped};

	c->rows++;
	(*by_status[r->status])++;
	c->warned += r->status != IMPORT_SKIPPED && r->issues.count > 0;
	c->consent_ignored += r->ignored;
}

/* Counts and reports the rows of the batch (committed, or a dry run's). */
static void report_batch(struct importer *im)
{
	for (int i = 0; i < im->nbatch; i++) {
		tally(im->c, &im->batch[i]);
		if (im->o->report)
			im->o->report(im->o->ud, &im->batch[i]);
	}
	im->nbatch = 0;
}

/* Commits the open batch (not in a dry run), reports its rows and begins
 * the next transaction. */
static int flush(struct importer *im)
{
	if (!im->o->dry_run) {
		if (db_commit(im->db) != DB_OK)
			return fatal(im, "the database refused to commit");
		if (db_begin(im->db) != DB_OK)
			return fatal(im, "cannot begin a transaction");
	}
	report_batch(im);
	return 0;
}

static int on_row(void *ud, const struct import_row *row)
{
	struct importer *im = ud;
	struct import_result *r = &im->batch[im->nbatch++];

	memset(r, 0, sizeof(*r));
	r->line = row->line;
	r->status = IMPORT_SKIPPED;
	if (!row->obj)
		add_issue(&r->issues, "", row->code, row->detail, 0);
	else if (import_one(im, row->obj, r) < 0)
		return -1;
	return im->nbatch == BATCH ? flush(im) : 0;
}

/* Appends the run's audit row (the file and the counts c; error: why it
 * stopped) in the open transaction. 0 or -1. */
static int audit_append_run(struct importer *im, const struct import_counts *c, const char *error)
{
	json_t *d = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I}", "file", im->source, "format",
	                      im->format == IMPORT_CSV ? "csv" : "jsonl", "consent_from_file",
	                      im->o->consent_from_file, "created", (json_int_t)c->created,
	                      "updated", (json_int_t)c->updated, "unchanged",
	                      (json_int_t)c->unchanged, "skipped", (json_int_t)c->skipped);
	char *details;
	int rc;

	if (error)
		json_object_set_new(d, "error", json_string(error));
	details = json_dumps(d, JSON_COMPACT);
	struct audit_entry e = {0, "import", "", "", "", details ? details : ""};
	rc = audit_append(im->db, im->now, &e);
	free(details);
	json_decref(d);
	return rc;
}

/* The audit row of a run that stopped (rows committed before: im->c), in a
 * transaction of its own. */
static void audit_stopped(struct importer *im, const char *error)
{
	if (db_begin(im->db) == DB_OK && audit_append_run(im, im->c, error) == 0 &&
	    db_commit(im->db) == DB_OK)
		return;
	db_rollback(im->db);
}

/* Commits the last batch with the run's audit row, in one transaction: the
 * run is reported done only once both are, so an answer that says it
 * failed never comes with its rows committed. */
static int finish(struct importer *im)
{
	struct import_counts all = *im->c;

	for (int i = 0; i < im->nbatch; i++)
		tally(&all, &im->batch[i]);
	if (audit_append_run(im, &all, NULL) < 0)
		return fatal(im, "cannot write the audit row");
	if (db_commit(im->db) != DB_OK)
		return fatal(im, "the database refused to commit");
	report_batch(im);
	return 0;
}

/* The file's name without its folders, printable, valid UTF-8. */
static void clean_source(const char *path, char *out, size_t n)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	const char *base = slash ? slash + 1 : path ? path : "";
	int ascii_only = !utf8_valid(base, strlen(base));
	size_t i;

	for (i = 0; base[i] && i + 1 < n; i++) {
		unsigned char ch = (unsigned char)base[i];
		out[i] = ch < 0x20 || ch == 0x7f || (ascii_only && ch >= 0x80) ? '?' : (char)ch;
	}
	out[i] = '\0';
	while (i > 0 && !utf8_valid(out, i)) /* cut inside a character */
		out[--i] = '\0';
}

static void importer_init(struct importer *im, struct app *app, const struct import_opts *o,
                          struct import_counts *c, char *err, size_t errlen)
{
	memset(im, 0, sizeof(*im));
	memset(c, 0, sizeof(*c));
	im->app = app;
	im->o = o;
	im->c = c;
	im->now = clock_now(app->cfg);
	iso_time(im->now, im->now_s);
	clean_source(o->source, im->source, sizeof(im->source));
	im->seen = json_object();
	im->batch = xcalloc(BATCH, sizeof(*im->batch));
	im->err = err;
	im->errlen = errlen;
}

int import_experts(struct app *app, const char *data, size_t len, const struct import_opts *o,
                   struct import_counts *c, char *err, size_t errlen)
{
	struct importer im;
	char perr[256];
	int rc = -1;

	importer_init(&im, app, o, c, err, errlen);
	im.format = import_detect(data, len);
	im.db = db_pool_get(app->pool);
	if (db_begin(im.db) != DB_OK) {
		fatal(&im, "cannot begin a transaction");
		goto out;
	}
	if (import_parse(data, len, on_row, &im, perr, sizeof(perr)) < 0) {
		if (!im.failed)
			snprintf(err, errlen, "%s", perr);
		db_rollback(im.db);
		goto out;
	}
	if (o->dry_run) {
		db_rollback(im.db);
		report_batch(&im);
		rc = 0;
	} else {
		rc = finish(&im);
	}
out:
	if (rc < 0 && im.failed) {
		db_rollback(im.db);
		if (!o->dry_run && c->rows)
			audit_stopped(&im, err);
	}
	db_pool_put(app->pool, im.db);
	json_decref(im.seen);
	free(im.batch);
	return rc < 0 && im.failed ? -2 : rc;
}

/* ---- Export ---------------------------------------------------------------------------- */

struct expert_ref {
	int64_t id;
	char *email;
	char *lang;
};

static int by_email(const void *a, const void *b)
{
	return strcmp(((const struct expert_ref *)a)->email, ((const struct expert_ref *)b)->email);
}

static void free_refs(struct expert_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].email);
		free(v[i].lang);
	}
	free(v);
}

/* Every user with a profile, sorted by address in byte order (the same
 * on both engines, whatever their collation). */
static int list_experts(struct db *db, struct expert_ref **out, size_t *n)
{
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT u.id, u.email, u.lang FROM users u JOIN profiles p ON p.user_id = u.id");
	struct expert_ref *v = NULL;
	size_t cap = 0;
	enum db_rc rc = DB_ERROR;

	*n = 0;
	while (st && (rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[*n] = (struct expert_ref){db_col_int(st, 0), xstrdup(db_col_text(st, 1)),
		                            xstrdup(db_col_text(st, 2))};
		(*n)++;
	}
	db_finalize(st);
	if (*n)
		qsort(v, *n, sizeof(*v), by_email);
	*out = v;
	return rc == DB_OK ? 0 : -1;
}

/* {audience: granted} in the order of enum consent_audience; NULL on error. */
static json_t *load_consent(struct db *db, int64_t uid)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT audience, granted FROM consents WHERE user_id = $1");
	json_t *got = json_object(), *out = json_object();
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, uid) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			json_object_set_new(got, db_col_text(st, 0),
			                    json_boolean(db_col_int(st, 1)));
	db_finalize(st);
	for (int i = 0; i < AUD_COUNT; i++) {
		json_t *v = json_object_get(got, consent_audience_name(i));
		if (v)
			json_object_set(out, consent_audience_name(i), v);
	}
	json_decref(got);
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* Skills as the import reads them back: a taxonomy skill by id, with its
 * English name when that name finds the same skill; a free one by name. */
static json_t *export_skills(const struct taxonomy *tx, json_t *skills)
{
	json_t *out = json_array(), *s;
	size_t i;

	json_array_foreach(skills, i, s)
	{
		const char *id = json_string_value(json_object_get(s, "id"));
		const char *name = json_string_value(json_object_get(s, "name"));
		const char *back = name && id && tx ? taxonomy_resolve(tx, TAX_SKILL, name) : NULL;
		json_t *o = json_object();
		if (name && (!id || (back && strcmp(back, id) == 0)))
			json_object_set_new(o, "name", json_string(name));
		if (id)
			json_object_set_new(o, "id", json_string(id));
		json_object_set(o, "level", or_null(json_object_get(s, "level")));
		json_object_set(o, "years", or_null(json_object_get(s, "years")));
		json_array_append_new(out, o);
	}
	return out;
}

/* Removes every null member, at every depth (null and absent mean the same
 * in the import format). */
static void drop_nulls(json_t *v)
{
	json_t *e;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e) drop_nulls(e);
		return;
	}
	for (void *it = json_object_iter(v); it;) {
		void *next = json_object_iter_next(v, it);
		e = json_object_iter_value(it);
		if (json_is_null(e))
			json_object_del(v, json_object_iter_key(it));
		else
			drop_nulls(e);
		it = next;
	}
}

static const char *const export_order[] = {"ref",
                                           "email",
                                           "lang",
                                           "name",
                                           "name_ar",
                                           "gender",
                                           "birth_year",
                                           "country",
                                           "city",
                                           "nationalities",
                                           "languages",
                                           "sectors",
                                           "preferred_sectors",
                                           "regions",
                                           "skills",
                                           "isco",
                                           "headline",
                                           "bio",
                                           "years_experience",
                                           "education",
                                           "experience",
                                           "links",
                                           "offer",
                                           "availability",
                                           "stays",
                                           "paused_until",
                                           "consent",
                                           "confirmed_at",
                                           NULL};

/* One profile in the import format; NULL on error (*gone: it vanished). */
static json_t *export_one(struct app *app, struct db *db, const struct expert_ref *e, int *gone)
{
	int found;
	json_t *p = profile_load(db, e->id, &found), *consent = NULL, *o = NULL;

	*gone = found == 0;
	if (p)
		consent = load_consent(db, e->id);
	if (!consent)
		goto out;
	json_object_set_new(p, "email", json_string(e->email));
	json_object_set_new(p, "lang", json_string(e->lang));
	json_object_set_new(p, "consent", consent);
	json_object_set_new(p, "skills", export_skills(app->tx, json_object_get(p, "skills")));
	o = json_object();
	for (int i = 0; export_order[i]; i++)
		if (json_object_get(p, export_order[i]))
			json_object_set(o, export_order[i], json_object_get(p, export_order[i]));
	drop_nulls(o);
out:
	json_decref(p);
	return o;
}

static int audit_export(struct app *app, struct db *db, size_t n)
{
	struct arena a = ARENA_INIT;
	struct audit_entry e = {0, "export", "", "", "", arena_printf(&a, "{\"experts\":%zu}", n)};
	int rc = db_begin(db) == DB_OK && audit_append(db, clock_now(app->cfg), &e) == 0 &&
	                         db_commit(db) == DB_OK
	                 ? 0
	                 : -1;

	if (rc < 0)
		db_rollback(db);
	arena_free(&a);
	return rc;
}

static int write_line(FILE *out, json_t *o)
{
	return json_dumpf(o, out, JSON_COMPACT) == 0 && fputc('\n', out) != EOF ? 0 : -1;
}

long export_experts(struct app *app, FILE *out, char *err, size_t errlen)
{
	struct db *db = db_pool_get(app->pool);
	struct expert_ref *v = NULL;
	size_t n = 0, written = 0;
	long rc = -1;

	if (list_experts(db, &v, &n) < 0 || audit_export(app, db, n) < 0) {
		snprintf(err, errlen, "cannot read the profiles: %s", db_errmsg(db));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int gone;
		json_t *o = export_one(app, db, &v[i], &gone);
		if (!o && gone)
			continue;
		if (!o || write_line(out, o) < 0) {
			snprintf(err, errlen, "%s", o ? "cannot write the export" : db_errmsg(db));
			json_decref(o);
			goto out;
		}
		json_decref(o);
		written++;
	}
	if (fflush(out) != 0) {
		snprintf(err, errlen, "cannot write the export");
		goto out;
	}
	rc = (long)written;
out:
	free_refs(v, n);
	db_pool_put(app->pool, db);
	return rc;
}
