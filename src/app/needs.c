/* needs: reading, checking, storing and moving needs (needs.h). */
#include "app/needs.h"

#include <stdio.h>
#include <string.h>

#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/users.h"
#include "core/parse.h"
#include "core/utf8.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static const char *const modes[] = {"ponctuelle", "continue"};
static const char *const presences[] = {"remote", "onsite", "hybrid"};
static const char *const pays[] = {"pro_bono", "paid"};
static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};

static int one_of(const char *s, const char *const *words, int n)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	return 0;
}

void need_issue(struct need_issues *is, const char *field, const char *key, const char *arg)
{
	for (int i = 0; i < is->count; i++)
		if (strcmp(is->items[i].field, field) == 0)
			return;
	if (is->count < NEED_ISSUES_MAX)
		is->items[is->count++] = (struct need_issue){field, key, arg};
}

/* ---- Reading the form ------------------------------------------------------------ */

struct reader {
	const struct taxonomy *tx;
	struct arena *a;
	const struct kvlist *form;
	const char *today;
	struct need *n;
	struct need_issues *is;
};

/* The field's value without surrounding spaces ("" when absent). */
static const char *get(struct reader *r, const char *name)
{
	const char *v = kvlist_get(r->form, name);
	size_t len;

	if (!v)
		return "";
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	len = strlen(v);
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r' ||
	               v[len - 1] == '\n'))
		len--;
	return arena_strndup(r->a, v, len);
}

/* Control characters: none in one-line texts; tabs and line breaks in a
 * description. */
static int clean_text(const char *s, int multiline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\r' || *p == '\t'))) ||
		    *p == 0x7f)
			return 0;
	return 1;
}

static const char *text(struct reader *r, const char *name, size_t max, int multiline)
{
	const char *v = get(r, name);

	if (!clean_text(v, multiline))
		need_issue(r->is, name, "need.error.text_invalid", NULL);
	else if (utf8_length(v, strlen(v)) > max)
		need_issue(r->is, name, "need.error.too_long", NULL);
	return v;
}

static int checked(struct reader *r, const char *name)
{
	return *get(r, name) != '\0';
}

static const char *choice(struct reader *r, const char *name, const char *const *words, int n)
{
	const char *v = get(r, name);

	if (!one_of(v, words, n)) {
		need_issue(r->is, name, "need.error.choose", NULL);
		return words[0];
	}
	return v;
}

/* An optional reference: NULL when empty; an issue naming it when unknown. */
static const char *reference(struct reader *r, const char *name, enum tax_kind k, const char *key)
{
	const char *v = get(r, name), *id;

	if (!*v)
		return NULL;
	id = taxonomy_resolve(r->tx, k, v);
	if (!id)
		need_issue(r->is, name, key, v);
	return id;
}

/* A number within [min, max]; 0 when empty or wrong (with an issue). */
static int number(struct reader *r, const char *name, int min, int max, const char *range_key)
{
	const char *v = get(r, name);
	int64_t x;

	if (!*v)
		return 0;
	if (parse_int64(v, INT64_MIN, INT64_MAX, &x) < 0) {
		need_issue(r->is, name, "need.error.not_a_number", v);
		return 0;
	}
	if (x < min || x > max) {
		need_issue(r->is, name, range_key, NULL);
		return 0;
	}
	return (int)x;
}

int need_date_valid(const char *s)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    parse_int64_n(s, 4, 1900, 9999, &y) < 0 || parse_int64_n(s + 5, 2, 1, 12, &m) < 0 ||
	    parse_int64_n(s + 8, 2, 1, 31, &d) < 0 || d > days[m - 1])
		return 0;
	return !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

static const char *date(struct reader *r, const char *name)
{
	const char *v = get(r, name);

	if (!*v)
		return NULL;
	if (!need_date_valid(v)) {
		need_issue(r->is, name, "need.error.date_invalid", v);
		return NULL;
	}
	if (strcmp(v, r->today) < 0)
		need_issue(r->is, name, "need.error.date_past", NULL);
	return v;
}

static void read_dates(struct reader *r)
{
	static const char *const kinds[] = {"fixed", "window", "open"};
	const char *kind = choice(r, "dates", kinds, N(kinds));
	struct need *n = r->n;

	n->start = n->end = NULL;
	n->flexible = strcmp(kind, "window") == 0;
	if (strcmp(kind, "open") == 0)
		return;
	n->start = date(r, "start");
	n->end = date(r, "end");
	if (!n->start && !*get(r, "start"))
		need_issue(r->is, "start", "need.error.start_required", NULL);
	if (n->flexible && !n->end && !*get(r, "end"))
		need_issue(r->is, "end", "need.error.end_required", NULL);
	if (n->start && n->end && strcmp(n->end, n->start) < 0)
		need_issue(r->is, "end", "need.error.end_before_start", NULL);
}

static void read_effort(struct reader *r)
{
	struct need *n = r->n;

	n->effort_days = n->hours_per_month = 0;
	if (strcmp(n->mode, "ponctuelle") == 0)
		n->effort_days = number(r, "effort_days", 1, NEED_EFFORT_DAYS_MAX,
		                        "need.error.effort_days_range");
	else
		n->hours_per_month =
		        number(r, "hours", 1, NEED_HOURS_MAX, "need.error.hours_range");
	if (*get(r, "experts") == '\0')
		need_issue(r->is, "experts", "need.error.experts_range", NULL);
	n->experts = number(r, "experts", 1, NEED_EXPERTS_MAX, "need.error.experts_range");
}

static void read_counterpart(struct reader *r)
{
	struct need *n = r->n;
	const char *email = get(r, "cp_email");

	n->cp_name = text(r, "cp_name", NEED_TEXT_MAX, 0);
	n->cp_role = text(r, "cp_role", NEED_TEXT_MAX, 0);
	n->cp_email = "";
	if (*email && !(n->cp_email = email_normalise(r->a, email))) {
		need_issue(r->is, "cp_email", "need.error.email_invalid", email);
		n->cp_email = "";
	}
	n->ready_counterpart = checked(r, "ready_counterpart");
	n->ready_resources = checked(r, "ready_resources");
	n->ready_approval = checked(r, "ready_approval");
}

/* "must-3" → required 1, level 3; 0, or -1 when malformed. */
static int skill_level(const char *v, int *required, int *level)
{
	if (strlen(v) != 6 || v[4] != '-' || v[5] < '1' || v[5] > '5')
		return -1;
	if (strncmp(v, "must", 4) == 0)
		*required = 1;
	else if (strncmp(v, "nice", 4) == 0)
		*required = 0;
	else
		return -1;
	*level = v[5] - '0';
	return 0;
}

static void read_skill(struct reader *r, int row)
{
	const char *fname = arena_printf(r->a, "skill_%d_name", row);
	const char *flevel = arena_printf(r->a, "skill_%d_level", row);
	const char *name = get(r, fname), *level = get(r, flevel), *id;
	struct need_skill s = {NULL, 1, 1};

	if (!*name && !*level)
		return;
	if (!*name) {
		need_issue(r->is, fname, "need.error.skill_required", NULL);
		return;
	}
	id = taxonomy_resolve(r->tx, TAX_SKILL, name);
	if (!id) {
		need_issue(r->is, fname, "need.error.unknown_skill", name);
		return;
	}
	for (int i = 0; i < r->n->nskills; i++)
		if (strcmp(r->n->skills[i].id, id) == 0) {
			need_issue(r->is, fname, "need.error.skill_repeated", name);
			return;
		}
	if (skill_level(level, &s.required, &s.min_level) < 0) {
		need_issue(r->is, flevel, "need.error.skill_level_required", name);
		return;
	}
	s.id = id;
	r->n->skills[r->n->nskills++] = s;
}

static void read_language(struct reader *r, int row)
{
	const char *fcode = arena_printf(r->a, "lang_%d_code", row);
	const char *flevel = arena_printf(r->a, "lang_%d_level", row);
	const char *name = get(r, fcode), *level = get(r, flevel), *code;

	if (!*name && !*level)
		return;
	if (!*name) {
		need_issue(r->is, fcode, "need.error.language_required", NULL);
		return;
	}
	code = taxonomy_resolve(r->tx, TAX_LANGUAGE, name);
	if (!code) {
		need_issue(r->is, fcode, "need.error.unknown_language", name);
		return;
	}
	for (int i = 0; i < r->n->nlanguages; i++)
		if (strcmp(r->n->languages[i].code, code) == 0) {
			need_issue(r->is, fcode, "need.error.language_repeated", name);
			return;
		}
	if (!one_of(level, cefr, N(cefr))) {
		need_issue(r->is, flevel, "need.error.cefr_required", name);
		return;
	}
	r->n->languages[r->n->nlanguages++] = (struct need_language){code, level};
}

void need_read(const struct taxonomy *tx, struct arena *a, const struct kvlist *form,
               const char *today, struct need *n, struct need_issues *is)
{
	struct reader r = {tx, a, form, today, n, is};

	n->title = text(&r, "title", NEED_TITLE_MAX, 0);
	if (!*n->title)
		need_issue(is, "title", "need.error.title_required", NULL);
	n->description = text(&r, "description", NEED_DESCRIPTION_MAX, 1);
	n->sector = reference(&r, "sector", TAX_SECTOR, "need.error.unknown_sector");
	n->mode = choice(&r, "mode", modes, N(modes));
	n->presence = choice(&r, "presence", presences, N(presences));
	n->region = reference(&r, "region", TAX_REGION, "need.error.unknown_region");
	n->city = text(&r, "city", NEED_TEXT_MAX, 0);
	read_dates(&r);
	read_effort(&r);
	n->pay = choice(&r, "pay", pays, N(pays));
	n->covers_travel = checked(&r, "travel");
	n->covers_stay = checked(&r, "stay");
	read_counterpart(&r);
	n->nskills = n->nlanguages = 0;
	for (int i = 0; i < NEED_SKILLS; i++)
		read_skill(&r, i);
	for (int i = 0; i < NEED_LANGUAGES; i++)
		read_language(&r, i);
}

void need_check_submit(const struct need *n, const char *today, int verified,
                       struct need_issues *is)
{
	if (!verified)
		need_issue(is, "then", "need.error.unverified", NULL);
	if (!n->description || !*n->description)
		need_issue(is, "description", "need.error.description_required", NULL);
	if (!n->sector)
		need_issue(is, "sector", "need.error.sector_required", NULL);
	if (!n->region && strcmp(n->presence, "remote") != 0)
		need_issue(is, "region", "need.error.region_required", NULL);
	if (n->start && strcmp(n->start, today) < 0)
		need_issue(is, "start", "need.error.date_past", NULL);
	if (n->end && strcmp(n->end, today) < 0)
		need_issue(is, "end", "need.error.date_past", NULL);
	if (strcmp(n->mode, "ponctuelle") == 0 && n->effort_days <= 0)
		need_issue(is, "effort_days", "need.error.effort_required", NULL);
	if (strcmp(n->mode, "continue") == 0 && n->hours_per_month <= 0)
		need_issue(is, "hours", "need.error.effort_required", NULL);
	if (n->nskills == 0)
		need_issue(is, "skill_0_name", "need.error.skills_required", NULL);
	if (!*n->cp_name)
		need_issue(is, "cp_name", "need.error.counterpart_required", NULL);
	if (!*n->cp_email)
		need_issue(is, "cp_email", "need.error.counterpart_email_required", NULL);
	if (!n->ready_counterpart)
		need_issue(is, "ready_counterpart", "need.error.ready_counterpart", NULL);
	if (!n->ready_resources)
		need_issue(is, "ready_resources", "need.error.ready_resources", NULL);
	if (!n->ready_approval)
		need_issue(is, "ready_approval", "need.error.ready_approval", NULL);
}

/* ---- Storage ---------------------------------------------------------------------- */

#define NEED_COLUMNS                                                                               \
	"id, institution_id, COALESCE(parent_id, 0), state, title, description, sector_id, mode, " \
	"presence, region, city, start_date, end_date, flexible, COALESCE(effort_days, 0), "       \
	"COALESCE(hours_per_month, 0), experts_wanted, pay, covers_travel, covers_stay, "          \
	"counterpart_name, counterpart_role, counterpart_email, ready_counterpart, "               \
	"ready_resources, ready_approval, reason, note, created_at, updated_at, submitted_at, "    \
	"published_at, closed_at"

static void need_from_row(struct db_stmt *st, struct arena *a, struct need *n)
{
	int s = need_state_parse(db_col_text(st, 3));

	*n = (struct need){0};
	n->id = db_col_int(st, 0);
	n->institution_id = db_col_int(st, 1);
	n->parent_id = db_col_int(st, 2);
	n->state = s < 0 ? NEED_DRAFT : (enum need_state)s;
	n->title = sql_col_text(st, a, 4);
	n->description = sql_col_text(st, a, 5);
	n->sector = sql_col(st, a, 6);
	n->mode = sql_col_text(st, a, 7);
	n->presence = sql_col_text(st, a, 8);
	n->region = sql_col(st, a, 9);
	n->city = sql_col_text(st, a, 10);
	n->start = sql_col(st, a, 11);
	n->end = sql_col(st, a, 12);
	n->flexible = (int)db_col_int(st, 13);
	n->effort_days = (int)db_col_int(st, 14);
	n->hours_per_month = (int)db_col_int(st, 15);
	n->experts = (int)db_col_int(st, 16);
	n->pay = sql_col_text(st, a, 17);
	n->covers_travel = (int)db_col_int(st, 18);
	n->covers_stay = (int)db_col_int(st, 19);
	n->cp_name = sql_col_text(st, a, 20);
	n->cp_role = sql_col_text(st, a, 21);
	n->cp_email = sql_col_text(st, a, 22);
	n->ready_counterpart = (int)db_col_int(st, 23);
	n->ready_resources = (int)db_col_int(st, 24);
	n->ready_approval = (int)db_col_int(st, 25);
	n->reason = sql_col_text(st, a, 26);
	n->note = sql_col_text(st, a, 27);
	n->created_at = sql_col(st, a, 28);
	n->updated_at = sql_col(st, a, 29);
	n->submitted_at = sql_col(st, a, 30);
	n->published_at = sql_col(st, a, 31);
	n->closed_at = sql_col(st, a, 32);
}

static int load_lists(struct db *db, struct arena *a, struct need *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT skill_id, required, min_level FROM need_skills "
	                                    "WHERE need_id = $1 ORDER BY required DESC, skill_id");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, n->id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && n->nskills < NEED_SKILLS)
			n->skills[n->nskills++] =
			        (struct need_skill){sql_col_text(st, a, 0), (int)db_col_int(st, 1),
			                            (int)db_col_int(st, 2)};
	db_finalize(st);
	if (rc < 0)
		return -1;
	st = db_prepare(db, "SELECT code, level FROM need_languages WHERE need_id = $1 "
	                    "ORDER BY level DESC, code");
	rc = DB_ERROR;
	if (st && db_bind_int(st, 1, n->id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && n->nlanguages < NEED_LANGUAGES)
			n->languages[n->nlanguages++] = (struct need_language){
			        sql_col_text(st, a, 0), sql_col_text(st, a, 1)};
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

int need_load(struct db *db, struct arena *a, int64_t id, struct need *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT " NEED_COLUMNS " FROM needs WHERE id = $1");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW)
		need_from_row(st, a, n);
	db_finalize(st);
	if (rc < 0)
		return -1;
	if (rc != DB_ROW)
		return 0;
	return load_lists(db, a, n) < 0 ? -1 : 1;
}

static const char *int_or_null(struct arena *a, int v)
{
	return v > 0 ? sql_int(a, v) : NULL;
}

static const char *flag(int v)
{
	return v ? "1" : "0";
}

static int save_lists(struct db *db, struct arena *a, const struct need *n)
{
	const char *id = sql_int(a, n->id);

	if (sql_exec(db, "DELETE FROM need_skills WHERE need_id = $1", 1, (const char *[]){id}) <
	            0 ||
	    sql_exec(db, "DELETE FROM need_languages WHERE need_id = $1", 1, (const char *[]){id}) <
	            0)
		return -1;
	for (int i = 0; i < n->nskills; i++)
		if (sql_exec(db,
		             "INSERT INTO need_skills (need_id, skill_id, required, min_level) "
		             "VALUES ($1, $2, $3, $4)",
		             4,
		             (const char *[]){id, n->skills[i].id, flag(n->skills[i].required),
		                              sql_int(a, n->skills[i].min_level)}) != 1)
			return -1;
	for (int i = 0; i < n->nlanguages; i++)
		if (sql_exec(
		            db,
		            "INSERT INTO need_languages (need_id, code, level) VALUES ($1, $2, $3)",
		            3,
		            (const char *[]){id, n->languages[i].code, n->languages[i].level}) != 1)
			return -1;
	return 0;
}

/* $3.. of both the INSERT and the UPDATE: the editable fields. */
#define FIELD_PARAMS(a, n)                                                                         \
	(n)->title, (n)->description, (n)->sector, (n)->mode, (n)->presence, (n)->region,          \
	        (n)->city, (n)->start, (n)->end, flag((n)->flexible),                              \
	        int_or_null(a, (n)->effort_days), int_or_null(a, (n)->hours_per_month),            \
	        sql_int(a, (n)->experts), (n)->pay, flag((n)->covers_travel),                      \
	        flag((n)->covers_stay), (n)->cp_name, (n)->cp_role, (n)->cp_email,                 \
	        flag((n)->ready_counterpart), flag((n)->ready_resources),                          \
	        flag((n)->ready_approval)

static int event(struct db *db, struct arena *a, int64_t need_id, int64_t event_id,
                 int64_t actor_id, const char *from, const char *to, const char *reason,
                 const char *note, const char *now)
{
	return sql_exec(db,
	                "INSERT INTO need_events (id, need_id, at, actor_id, from_state, to_state, "
	                "reason, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	                8,
	                (const char *[]){sql_int(a, event_id), sql_int(a, need_id), now,
	                                 actor_id ? sql_int(a, actor_id) : NULL, from, to, reason,
	                                 note}) == 1
	               ? 0
	               : -1;
}

int need_insert(struct db *db, struct arena *a, const struct need *n, int64_t user_id,
                const char *now, int64_t event_id)
{
	const char *params[] = {sql_int(a, n->id),
	                        sql_int(a, n->institution_id),
	                        FIELD_PARAMS(a, n),
	                        n->parent_id ? sql_int(a, n->parent_id) : NULL,
	                        user_id ? sql_int(a, user_id) : NULL,
	                        now};

	if (sql_exec(
	            db,
	            "INSERT INTO needs (id, institution_id, title, description, sector_id, mode, "
	            "presence, region, city, start_date, end_date, flexible, effort_days, "
	            "hours_per_month, experts_wanted, pay, covers_travel, covers_stay, "
	            "counterpart_name, counterpart_role, counterpart_email, ready_counterpart, "
	            "ready_resources, ready_approval, parent_id, created_by, created_at, "
	            "updated_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
	            "$13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, "
	            "$27, 'draft')",
	            N(params), params) != 1)
		return -1;
	if (save_lists(db, a, n) < 0)
		return -1;
	return event(db, a, n->id, event_id, user_id, "", "draft", n->parent_id ? "repeat" : "", "",
	             now);
}

int need_update(struct db *db, struct arena *a, const struct need *n, const char *now)
{
	const char *params[] = {sql_int(a, n->id), now, FIELD_PARAMS(a, n)};
	int64_t rc = sql_exec(
	        db,
	        "UPDATE needs SET updated_at = $2, title = $3, description = $4, sector_id = $5, "
	        "mode = $6, presence = $7, region = $8, city = $9, start_date = $10, end_date = "
	        "$11, "
	        "flexible = $12, effort_days = $13, hours_per_month = $14, experts_wanted = $15, "
	        "pay = $16, covers_travel = $17, covers_stay = $18, counterpart_name = $19, "
	        "counterpart_role = $20, counterpart_email = $21, ready_counterpart = $22, "
	        "ready_resources = $23, ready_approval = $24 WHERE id = $1 AND state = 'draft'",
	        N(params), params);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	return save_lists(db, a, n) < 0 ? -1 : 1;
}

/* The timestamp column an action sets, or NULL. */
static const char *stamp_of(enum need_action act)
{
	switch (act) {
	case NA_SUBMIT:
		return "submitted_at";
	case NA_PUBLISH:
		return "published_at";
	case NA_COMPLETE:
	case NA_CANCEL:
		return "closed_at";
	default:
		return NULL;
	}
}

int need_move(struct db *db, struct arena *a, struct need *n, enum need_action act,
              int64_t actor_id, const char *reason, const char *note, const char *now,
              int64_t event_id)
{
	const struct need_transition *t;
	const char *from, *to, *stamp = stamp_of(act);
	char sql[256];
	int64_t rc;

	if ((unsigned)act >= NEED_ACTIONS || (unsigned)n->state >= NEED_STATES)
		return 0;
	t = &need_transitions[act];
	if (!(t->from & (1u << n->state)))
		return 0;
	from = need_state_name(n->state);
	to = need_state_name(t->to);
	snprintf(sql, sizeof(sql),
	         "UPDATE needs SET state = $2, reason = $4, note = $5, updated_at = $6%s%s%s "
	         "WHERE id = $1 AND state = $3",
	         stamp ? ", " : "", stamp ? stamp : "", stamp ? " = $6" : "");
	rc = sql_exec(db, sql, 6,
	              (const char *[]){sql_int(a, n->id), to, from, reason ? reason : "",
	                               note ? note : "", now});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	if (event(db, a, n->id, event_id, actor_id, from, to, reason ? reason : "",
	          note ? note : "", now) < 0)
		return -1;
	n->state = t->to;
	n->reason = reason ? reason : "";
	n->note = note ? note : "";
	return 1;
}

int64_t need_confirmed_experts(struct db *db, struct arena *a, int64_t need_id)
{
	int64_t count;

	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM engagements WHERE need_id = $1 AND state IN "
	                 "('confirmed', 'in_mission', 'delivered', 'evaluated')",
	                 1, (const char *[]){sql_int(a, need_id)}, &count) != DB_OK)
		return -1;
	return count;
}

/* ---- The editor's values ---------------------------------------------------------- */

static void set(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_string(v ? v : ""));
}

static void set_int(json_t *o, struct arena *a, const char *k, int v)
{
	set(o, k, v > 0 ? arena_printf(a, "%d", v) : "");
}

static const char *label(const struct taxonomy *tx, enum tax_kind k, const char *id, enum lang l)
{
	const char *s = taxonomy_label(tx, k, id, l);
	return s && *s ? s : id;
}

json_t *need_form_values(const struct need *n, const struct taxonomy *tx, enum lang l,
                         struct arena *a)
{
	json_t *v = json_object();

	set(v, "title", n->title);
	set(v, "description", n->description);
	set(v, "sector", n->sector);
	set(v, "mode", n->mode);
	set(v, "presence", n->presence);
	set(v, "region", n->region);
	set(v, "city", n->city);
	set(v, "dates", !n->start && !n->end ? "open" : n->flexible ? "window" : "fixed");
	set(v, "start", n->start);
	set(v, "end", n->end);
	set_int(v, a, "effort_days", n->effort_days);
	set_int(v, a, "hours", n->hours_per_month);
	set_int(v, a, "experts", n->experts);
	set(v, "pay", n->pay);
	set(v, "travel", n->covers_travel ? "1" : "");
	set(v, "stay", n->covers_stay ? "1" : "");
	set(v, "cp_name", n->cp_name);
	set(v, "cp_role", n->cp_role);
	set(v, "cp_email", n->cp_email);
	set(v, "ready_counterpart", n->ready_counterpart ? "1" : "");
	set(v, "ready_resources", n->ready_resources ? "1" : "");
	set(v, "ready_approval", n->ready_approval ? "1" : "");
	for (int i = 0; i < n->nskills; i++) {
		const struct need_skill *s = &n->skills[i];
		set(v, arena_printf(a, "skill_%d_name", i), label(tx, TAX_SKILL, s->id, l));
		set(v, arena_printf(a, "skill_%d_level", i),
		    arena_printf(a, "%s-%d", s->required ? "must" : "nice", s->min_level));
	}
	for (int i = 0; i < n->nlanguages; i++) {
		set(v, arena_printf(a, "lang_%d_code", i),
		    label(tx, TAX_LANGUAGE, n->languages[i].code, l));
		set(v, arena_printf(a, "lang_%d_level", i), n->languages[i].level);
	}
	return v;
}

void need_repeat(const struct need *parent, struct need *child)
{
	*child = *parent;
	child->id = 0;
	child->parent_id = parent->id;
	child->state = NEED_DRAFT;
	child->start = child->end = NULL;
	child->flexible = 0;
	child->ready_counterpart = child->ready_resources = child->ready_approval = 0;
	child->reason = child->note = "";
	child->created_at = child->updated_at = child->submitted_at = NULL;
	child->published_at = child->closed_at = NULL;
}
