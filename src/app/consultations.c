/* consultations: the model of consultations (consultations.h; the rules
 * and the privacy reasoning in docs/CONSULTATIONS.md). */
#include "app/consultations.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/clock.h"
#include "app/network_pages.h"
#include "app/notify.h"
#include "app/sql.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/utf8.h"

#define AUDIENCE_MAX 200000 /* people one opening notifies */

/* ---- Names --------------------------------------------------------------------------- */

static const char *const state_names[CS_STATE_COUNT] = {"draft", "open", "closed", "published"};
static const char *const phase_names[CP_COUNT] = {"draft", "scheduled", "open", "closed",
                                                  "published"};
static const char *const audience_names[CA_COUNT] = {"everyone", "sector", "network", "country"};
static const char *const kind_names[CK_COUNT] = {"choice", "scale", "text"};

static int find(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *cons_state_name(enum cons_state s)
{
	return (unsigned)s < CS_STATE_COUNT ? state_names[s] : NULL;
}

const char *cons_phase_name(enum cons_phase p)
{
	return (unsigned)p < CP_COUNT ? phase_names[p] : NULL;
}

const char *cons_audience_name(enum cons_audience a)
{
	return (unsigned)a < CA_COUNT ? audience_names[a] : NULL;
}

const char *cons_kind_name(enum cons_kind k)
{
	return (unsigned)k < CK_COUNT ? kind_names[k] : NULL;
}

int cons_state_parse(const char *s, enum cons_state *out)
{
	int i = find(state_names, CS_STATE_COUNT, s);
	if (i >= 0)
		*out = (enum cons_state)i;
	return i >= 0 ? 0 : -1;
}

int cons_audience_parse(const char *s, enum cons_audience *out)
{
	int i = find(audience_names, CA_COUNT, s);
	if (i >= 0)
		*out = (enum cons_audience)i;
	return i >= 0 ? 0 : -1;
}

int cons_kind_parse(const char *s, enum cons_kind *out)
{
	int i = find(kind_names, CK_COUNT, s);
	if (i >= 0)
		*out = (enum cons_kind)i;
	return i >= 0 ? 0 : -1;
}

/* ---- States -------------------------------------------------------------------------- */

const struct cons_transition cons_transitions[] = {
        {"open", CP_DRAFT, CS_OPEN},         /* questions frozen from here on */
        {"close", CP_SCHEDULED, CS_CLOSED},  /* before it opened */
        {"close", CP_OPEN, CS_CLOSED},       /* early */
        {"publish", CP_CLOSED, CS_PUBLISHED} /* the summary becomes visible */
};
const int cons_transition_count = (int)(sizeof(cons_transitions) / sizeof(cons_transitions[0]));

const struct cons_transition *cons_transition_find(const char *name, enum cons_phase from)
{
	for (int i = 0; name && i < cons_transition_count; i++)
		if (cons_transitions[i].from == from && strcmp(cons_transitions[i].name, name) == 0)
			return &cons_transitions[i];
	return NULL;
}

enum cons_phase cons_phase(const struct consultation *c, const char *today)
{
	switch (c->state) {
	case CS_DRAFT:
		return CP_DRAFT;
	case CS_OPEN:
		if (strcmp(today, c->opens_on) < 0)
			return CP_SCHEDULED;
		return strcmp(today, c->closes_on) > 0 ? CP_CLOSED : CP_OPEN;
	case CS_CLOSED:
		return CP_CLOSED;
	default:
		return CP_PUBLISHED;
	}
}

static const char *in_lang(const char *const *v, enum lang l, enum lang fallback)
{
	if ((unsigned)l < LANG_COUNT && v[l] && *v[l])
		return v[l];
	return v[fallback] ? v[fallback] : "";
}

const char *cons_title(const struct consultation *c, enum lang l)
{
	return in_lang(c->title, l, c->lang);
}

const char *cons_intro(const struct consultation *c, enum lang l)
{
	/* the introduction goes with the title: another language's only when
	 * its title is written too */
	if ((unsigned)l < LANG_COUNT && c->title[l] && *c->title[l] && c->intro[l] && *c->intro[l])
		return c->intro[l];
	return c->intro[c->lang] ? c->intro[c->lang] : "";
}

const char *cons_day(struct arena *a, int64_t t)
{
	char s[ISO_TIME_LEN + 1];

	iso_time(t, s);
	return arena_strndup(a, s, 10);
}

/* ---- Validation ---------------------------------------------------------------------- */

void cons_issue(struct cons_issues *is, const char *field, const char *key)
{
	for (int i = 0; i < is->count; i++)
		if (strcmp(is->items[i].field, field) == 0)
			return; /* one message per field: the first */
	if (is->count < CONS_ISSUES_MAX)
		is->items[is->count++] = (struct cons_issue){field, key};
}

static size_t chars(const char *s)
{
	return s ? utf8_length(s, strlen(s)) : 0;
}

/* Is s only blanks (spaces, tabs, line breaks)? */
static int blank(const char *s)
{
	return !s || s[strspn(s, " \t\r\n")] == '\0';
}

/* A calendar day "YYYY-MM-DD" (years 2000..2999)? */
static int day_valid(const char *s)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    parse_int64_n(s, 4, 2000, 2999, &y) < 0 || parse_int64_n(s + 5, 2, 1, 12, &m) < 0 ||
	    parse_int64_n(s + 8, 2, 1, 31, &d) < 0 || d > days[m - 1])
		return 0;
	return !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

static const char *const title_fields[LANG_COUNT] = {"title_ar", "title_fr", "title_en"};
static const char *const intro_fields[LANG_COUNT] = {"intro_ar", "intro_fr", "intro_en"};

static void read_texts(const struct cons_form *f, struct consultation *c, struct cons_issues *is)
{
	for (int l = 0; l < LANG_COUNT; l++) {
		c->title[l] = f->title[l] ? f->title[l] : "";
		c->intro[l] = f->intro[l] ? f->intro[l] : "";
		if (blank(c->title[l]))
			c->title[l] = "";
		if (l == (int)c->lang && !*c->title[l])
			cons_issue(is, title_fields[l], "consult.error.title");
		else if (chars(c->title[l]) > CONS_TITLE_MAX)
			cons_issue(is, title_fields[l], "consult.error.title_long");
		if (chars(c->intro[l]) > CONS_INTRO_MAX)
			cons_issue(is, intro_fields[l], "consult.error.intro_long");
		else if (*c->intro[l] && !*c->title[l])
			cons_issue(is, title_fields[l], "consult.error.title_for_intro");
	}
}

static void read_audience(const struct cons_form *f, struct consultation *c, struct cons_issues *is)
{
	static const char *const fields[CA_COUNT] = {"audience", "sector", "network", "country"};
	static const char *const keys[CA_COUNT] = {"consult.error.audience", "consult.error.sector",
	                                           "consult.error.network",
	                                           "consult.error.country"};
	const char *values[CA_COUNT] = {"", f->sector, f->network, f->country};

	if (cons_audience_parse(f->audience, &c->audience) < 0) {
		c->audience = CA_EVERYONE;
		c->audience_value = "";
		cons_issue(is, "audience", "consult.error.audience");
		return;
	}
	c->audience_value = values[c->audience] ? values[c->audience] : "";
	if (c->audience != CA_EVERYONE && (!*c->audience_value || strlen(c->audience_value) > 64 ||
	                                   strpbrk(c->audience_value, " \t\r\n")))
		cons_issue(is, fields[c->audience], keys[c->audience]);
}

void cons_read(const struct cons_form *f, struct consultation *c, const char *today,
               struct cons_issues *is)
{
	read_texts(f, c, is);
	read_audience(f, c, is);
	c->opens_on = f->opens_on ? f->opens_on : "";
	c->closes_on = f->closes_on ? f->closes_on : "";
	c->public_results = f->public_results && strcmp(f->public_results, "1") == 0;
	int o = day_valid(c->opens_on), k = day_valid(c->closes_on);
	if (!o)
		cons_issue(is, "opens_on", "consult.error.opens_on");
	if (!k)
		cons_issue(is, "closes_on", "consult.error.closes_on");
	else if (strcmp(c->closes_on, today) < 0)
		cons_issue(is, "closes_on", "consult.error.closes_past");
	else if (o && strcmp(c->closes_on, c->opens_on) < 0)
		cons_issue(is, "closes_on", "consult.error.closes_before_opens");
}

/* Splits the options (one per line, blank lines skipped) into q. */
static void read_options(struct arena *a, const char *s, struct cons_question *q,
                         struct cons_issues *is)
{
	q->noptions = 0;
	while (s && *s) {
		size_t n = strcspn(s, "\r\n");
		const char *o = arena_strndup(a, s, n);
		s += n;
		s += strspn(s, "\r\n");
		if (blank(o))
			continue;
		if (q->noptions == CONS_OPTIONS_MAX) {
			cons_issue(is, "options", "consult.error.options_count");
			return;
		}
		if (chars(o) > CONS_OPTION_MAX)
			cons_issue(is, "options", "consult.error.option_long");
		for (int i = 0; i < q->noptions; i++)
			if (strcmp(q->options[i], o) == 0)
				cons_issue(is, "options", "consult.error.option_twice");
		q->options[q->noptions++] = o;
	}
	if (q->noptions < CONS_OPTIONS_MIN)
		cons_issue(is, "options", "consult.error.options_count");
}

void cons_question_read(struct arena *a, const struct cons_question_form *f,
                        struct cons_question *q, struct cons_issues *is)
{
	*q = (struct cons_question){0};
	q->prompt = f->prompt ? f->prompt : "";
	q->required = f->required && strcmp(f->required, "1") == 0;
	q->scale_low = q->scale_high = "";
	if (blank(q->prompt))
		cons_issue(is, "prompt", "consult.error.prompt");
	else if (chars(q->prompt) > CONS_PROMPT_MAX)
		cons_issue(is, "prompt", "consult.error.prompt_long");
	if (cons_kind_parse(f->kind, &q->kind) < 0) {
		cons_issue(is, "kind", "consult.error.kind");
		return;
	}
	if (q->kind == CK_CHOICE)
		read_options(a, f->options, q, is);
	if (q->kind != CK_SCALE)
		return;
	q->scale_low = f->scale_low ? f->scale_low : "";
	q->scale_high = f->scale_high ? f->scale_high : "";
	if (blank(q->scale_low) || chars(q->scale_low) > CONS_LABEL_MAX)
		cons_issue(is, "scale_low", "consult.error.scale_label");
	if (blank(q->scale_high) || chars(q->scale_high) > CONS_LABEL_MAX)
		cons_issue(is, "scale_high", "consult.error.scale_label");
}

void cons_answers_read(const struct cons_question *q, int nq, const char *const *values,
                       struct cons_answer *out, struct cons_issues *is)
{
	static const char *const fields[CONS_QUESTIONS_MAX] = {"q1", "q2", "q3", "q4", "q5",
	                                                       "q6", "q7", "q8", "q9", "q10"};

	for (int i = 0; i < nq && i < CONS_QUESTIONS_MAX; i++) {
		const char *v = values[i] ? values[i] : "";
		const char *field = fields[q[i].position - 1];
		int64_t n;
		out[i] = (struct cons_answer){0};
		if (blank(v)) {
			if (q[i].required)
				cons_issue(is, field, "consult.error.required");
			continue;
		}
		switch (q[i].kind) {
		case CK_CHOICE:
			if (parse_int64(v, 1, q[i].noptions, &n) < 0)
				cons_issue(is, field, "consult.error.choice");
			else
				out[i].choice = (int)n;
			break;
		case CK_SCALE:
			if (parse_int64(v, 1, CONS_SCALE_MAX, &n) < 0)
				cons_issue(is, field, "consult.error.scale");
			else
				out[i].scale = (int)n;
			break;
		default:
			if (!utf8_valid(v, strlen(v)) || chars(v) > CONS_TEXT_MAX)
				cons_issue(is, field, "consult.error.text_long");
			else
				out[i].text = v;
		}
	}
}

/* ---- The summary --------------------------------------------------------------------- */

static int by_response(const void *x, const void *y)
{
	const struct cons_row *a = *(const struct cons_row *const *)x;
	const struct cons_row *b = *(const struct cons_row *const *)y;

	return (a->response_id > b->response_id) - (a->response_id < b->response_id);
}

static int64_t rounded(int64_t num, int64_t den)
{
	return den ? (num + den / 2) / den : 0;
}

int cons_summarise(struct arena *a, const struct cons_question *q, int nq,
                   const struct cons_row *rows, int nrows, struct cons_tally *t)
{
	const struct cons_row **texts = arena_alloc(a, ((size_t)nrows + 1) * sizeof(*texts));
	int64_t sum[CONS_QUESTIONS_MAX] = {0};
	int ntexts = 0;

	memset(t, 0, (size_t)nq * sizeof(*t));
	for (int i = 0; i < nrows; i++) {
		const struct cons_row *r = &rows[i];
		if (r->question < 0 || r->question >= nq || r->question >= CONS_QUESTIONS_MAX)
			return -1;
		const struct cons_question *qq = &q[r->question];
		struct cons_tally *tt = &t[r->question];
		if (qq->kind == CK_CHOICE && r->a.choice >= 1 && r->a.choice <= qq->noptions) {
			tt->count[r->a.choice]++;
			tt->answered++;
		} else if (qq->kind == CK_SCALE && r->a.scale >= 1 &&
		           r->a.scale <= CONS_SCALE_MAX) {
			tt->count[r->a.scale]++;
			sum[r->question] += r->a.scale;
			tt->answered++;
		} else if (qq->kind == CK_TEXT && r->a.text && *r->a.text) {
			texts[ntexts++] = r;
			tt->answered++;
		}
	}
	qsort(texts, (size_t)ntexts, sizeof(*texts), by_response);
	for (int i = 0; i < nq; i++) {
		int n = q[i].kind == CK_CHOICE  ? q[i].noptions
		        : q[i].kind == CK_SCALE ? CONS_SCALE_MAX
		                                : 0;
		for (int j = 1; j <= n; j++)
			t[i].permille[j] = rounded(t[i].count[j] * 1000, t[i].answered);
		if (q[i].kind == CK_SCALE)
			t[i].mean_x100 = rounded(sum[i] * 100, t[i].answered);
		if (q[i].kind == CK_TEXT)
			t[i].texts =
			        arena_alloc(a, ((size_t)t[i].answered + 1) * sizeof(*t[i].texts));
	}
	for (int k = 0; k < ntexts; k++) {
		struct cons_tally *tt = &t[texts[k]->question];
		tt->texts[tt->ntexts++] = (struct cons_text){texts[k]->a.text, texts[k]->name};
	}
	return 0;
}

const char *cons_permille_text(struct arena *a, int64_t permille)
{
	return arena_printf(a, "%lld.%lld", (long long)(permille / 10), (long long)(permille % 10));
}

const char *cons_hundredths_text(struct arena *a, int64_t v)
{
	return arena_printf(a, "%lld.%02lld", (long long)(v / 100), (long long)(v % 100));
}

/* ---- Loading ------------------------------------------------------------------------- */

#define CONS_COLUMNS                                                                               \
	"id, author_id, lang, title_ar, title_fr, title_en, intro_ar, intro_fr, intro_en, "        \
	"audience, audience_value, opens_on, closes_on, public_results, state, sequence, "         \
	"published_at"
enum {
	C_ID,
	C_AUTHOR,
	C_LANG,
	C_TITLE,
	C_INTRO = C_TITLE + 3,
	C_AUDIENCE = C_INTRO + 3,
	C_VALUE,
	C_OPENS,
	C_CLOSES,
	C_PUBLIC,
	C_STATE,
	C_SEQUENCE,
	C_PUBLISHED,
	C_COUNT
};

int cons_load(struct db *db, struct arena *a, int64_t id, struct consultation *out)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT " CONS_COLUMNS " FROM consultations WHERE id = $1");
	enum db_rc rc = DB_ERROR;
	int ok = 0;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW) {
		*out = (struct consultation){0};
		out->id = db_col_int(st, C_ID);
		out->author_id = db_col_int(st, C_AUTHOR);
		for (int l = 0; l < LANG_COUNT; l++) {
			out->title[l] = sql_col_text(st, a, C_TITLE + l);
			out->intro[l] = sql_col_text(st, a, C_INTRO + l);
		}
		out->audience_value = sql_col_text(st, a, C_VALUE);
		out->opens_on = sql_col_text(st, a, C_OPENS);
		out->closes_on = sql_col_text(st, a, C_CLOSES);
		out->public_results = db_col_int(st, C_PUBLIC) != 0;
		out->sequence = db_col_int(st, C_SEQUENCE);
		out->published_at = sql_col_text(st, a, C_PUBLISHED);
		ok = lang_parse(sql_col_text(st, a, C_LANG), &out->lang) == 0 &&
		                     cons_audience_parse(sql_col_text(st, a, C_AUDIENCE),
		                                         &out->audience) == 0 &&
		                     cons_state_parse(sql_col_text(st, a, C_STATE), &out->state) ==
		                             0
		             ? 1
		             : -1;
	}
	db_finalize(st);
	return rc < 0 ? -1 : ok;
}

/* Splits stored options (one per line) into q. */
static void split_options(struct arena *a, const char *s, struct cons_question *q)
{
	q->noptions = 0;
	while (s && *s && q->noptions < CONS_OPTIONS_MAX) {
		size_t n = strcspn(s, "\n");
		q->options[q->noptions++] = arena_strndup(a, s, n);
		s += n;
		s += *s == '\n';
	}
}

int cons_questions(struct db *db, struct arena *a, int64_t id, struct cons_question *q)
{
	struct db_stmt *st = db_prepare(db, "SELECT id, position, kind, prompt, required, options, "
	                                    "scale_low, scale_high FROM consultation_questions "
	                                    "WHERE consultation_id = $1 ORDER BY position");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		while (n < CONS_QUESTIONS_MAX && (rc = db_step(st)) == DB_ROW) {
			struct cons_question *x = &q[n++];
			*x = (struct cons_question){0};
			x->id = db_col_int(st, 0);
			x->position = (int)db_col_int(st, 1);
			if (cons_kind_parse(sql_col_text(st, a, 2), &x->kind) < 0 ||
			    x->position < 1 || x->position > CONS_QUESTIONS_MAX)
				rc = DB_ERROR;
			x->prompt = sql_col_text(st, a, 3);
			x->required = db_col_int(st, 4) != 0;
			split_options(a, sql_col_text(st, a, 5), x);
			x->scale_low = sql_col_text(st, a, 6);
			x->scale_high = sql_col_text(st, a, 7);
		}
	db_finalize(st);
	return rc < 0 ? -1 : n;
}

const char *cons_audience_sql(enum cons_audience a)
{
	switch (a) {
	case CA_SECTOR:
		return "SELECT user_id FROM profile_sectors WHERE sector_id = $1";
	case CA_NETWORK:
		return "SELECT user_id FROM network_members WHERE network = $1 AND state = "
		       "'member'";
	case CA_COUNTRY:
		return "SELECT user_id FROM profiles WHERE country = $1";
	default:
		return "SELECT user_id FROM user_roles WHERE role = 'expert' AND CAST($1 AS TEXT) "
		       "= ''";
	}
}

int cons_in_audience(struct db *db, const struct consultation *c, int64_t user_id)
{
	struct arena a = ARENA_INIT;
	int64_t n = 0;
	enum db_rc rc;

	if (!user_id)
		return 0;
	rc = db_query_int(db,
	                  arena_printf(&a, "SELECT COUNT(*) FROM (%s) x WHERE x.user_id = $2",
	                               cons_audience_sql(c->audience)),
	                  2, (const char *[]){c->audience_value, sql_int(&a, user_id)}, &n);
	arena_free(&a);
	return rc != DB_OK ? -1 : n > 0;
}

int cons_answered(struct db *db, int64_t id, int64_t user_id)
{
	char a[24], b[24];
	int64_t n = 0;

	snprintf(a, sizeof(a), "%lld", (long long)id);
	snprintf(b, sizeof(b), "%lld", (long long)user_id);
	if (db_query_int(
	            db,
	            "SELECT COUNT(*) FROM consultation_participants WHERE consultation_id = $1 "
	            "AND user_id = $2",
	            2, (const char *[]){a, b}, &n) != DB_OK)
		return -1;
	return n > 0;
}

int64_t cons_participants(struct db *db, int64_t id)
{
	char a[24];
	int64_t n = 0;

	snprintf(a, sizeof(a), "%lld", (long long)id);
	/* the responses, not the participation rows: an erasure deletes the
	 * person's participation but keeps their response (anonymous), and the
	 * count must stay that of the answers the summary shows */
	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM consultation_responses WHERE consultation_id = $1",
	                 1, (const char *[]){a}, &n) != DB_OK)
		return -1;
	return n;
}

static int question_index(const struct cons_question *q, int nq, int64_t id)
{
	for (int i = 0; i < nq; i++)
		if (q[i].id == id)
			return i;
	return -1;
}

int cons_rows(struct db *db, struct arena *a, int64_t id, const struct cons_question *q, int nq,
              enum lang l, struct cons_row **rows)
{
	struct db_stmt *st = db_prepare(
	        db, "SELECT r.id, r.user_id, p.name, p.name_ar, x.question_id, x.choice, x.scale, "
	            "x.answer_text FROM consultation_answers x JOIN consultation_responses r ON "
	            "r.id = x.response_id LEFT JOIN profiles p ON p.user_id = r.user_id WHERE "
	            "r.consultation_id = $1 ORDER BY r.id, x.question_id");
	enum db_rc rc = DB_ERROR;
	size_t cap = 64;
	int n = 0;

	*rows = arena_alloc(a, cap * sizeof(**rows));
	if (st && db_bind_int(st, 1, id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW &&
		       n < CONS_RESPONSES_MAX * CONS_QUESTIONS_MAX) {
			struct cons_row *r;
			if ((size_t)n == cap) {
				struct cons_row *more = arena_alloc(a, 2 * cap * sizeof(*more));
				memcpy(more, *rows, cap * sizeof(*more));
				*rows = more;
				cap *= 2;
			}
			r = &(*rows)[n];
			r->question = question_index(q, nq, db_col_int(st, 4));
			if (r->question < 0)
				continue; /* a question removed meanwhile: not counted */
			r->response_id = db_col_int(st, 0);
			r->name = db_col_is_null(st, 1) ? NULL
			                                : np_person_name(sql_col_text(st, a, 2),
			                                                 sql_col_text(st, a, 3), l);
			r->a.choice = (int)db_col_int(st, 5);
			r->a.scale = (int)db_col_int(st, 6);
			r->a.text = sql_col(st, a, 7);
			n++;
		}
	db_finalize(st);
	return rc < 0 ? -1 : n;
}

/* ---- Changes ------------------------------------------------------------------------- */

static const char *iso(struct arena *a, int64_t t)
{
	char s[ISO_TIME_LEN + 1];

	iso_time(t, s);
	return arena_strdup(a, s);
}

static int audit(struct db *db, struct arena *a, const struct cons_actor *who, const char *action,
                 int64_t id, const char *details)
{
	struct audit_entry en = {who->user_id,           action,
	                         "consultation",         sql_int(a, id),
	                         who->ip ? who->ip : "", details ? details : ""};
	return audit_append(db, who->now, &en);
}

/* A random positive id below 2^53, for the rows whose order must say
 * nothing (responses, answers): never a sequence, never a time. */
static int64_t random_id(void)
{
	uint64_t v = 0;

	while (v == 0) {
		randombytes_buf(&v, sizeof(v));
		v &= (UINT64_C(1) << 53) - 1;
	}
	return (int64_t)v;
}

int cons_insert(struct db *db, struct arena *a, const struct cons_actor *who,
                struct consultation *c)
{
	const char *now = iso(a, who->now);

	c->id = new_id(who->app ? who->app->cfg : NULL);
	c->state = CS_DRAFT;
	c->sequence = 0;
	if (sql_exec(
	            db,
	            "INSERT INTO consultations (id, author_id, lang, title_ar, title_fr, title_en, "
	            "intro_ar, intro_fr, intro_en, audience, audience_value, opens_on, closes_on, "
	            "public_results, state, sequence, created_at, updated_at) VALUES ($1, $2, $3, "
	            "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', 0, $15, $15)",
	            15,
	            (const char *[]){
	                    sql_int(a, c->id), who->user_id ? sql_int(a, who->user_id) : NULL,
	                    lang_code(c->lang), c->title[0], c->title[1], c->title[2], c->intro[0],
	                    c->intro[1], c->intro[2], cons_audience_name(c->audience),
	                    c->audience_value, c->opens_on, c->closes_on,
	                    c->public_results ? "1" : "0", now}) != 1)
		return -1;
	return audit(db, a, who, "consultation_created", c->id,
	             arena_printf(a, "{\"audience\":\"%s\"}", cons_audience_name(c->audience)));
}

int cons_update(struct db *db, struct arena *a, const struct cons_actor *who,
                const struct consultation *c)
{
	int64_t n = sql_exec(
	        db,
	        "UPDATE consultations SET title_ar = $3, title_fr = $4, title_en = $5, intro_ar = "
	        "$6, "
	        "intro_fr = $7, intro_en = $8, audience = $9, audience_value = $10, opens_on = "
	        "$11, "
	        "closes_on = $12, public_results = $13, sequence = sequence + 1, updated_at = $14 "
	        "WHERE id = $1 AND sequence = $2 AND state = 'draft'",
	        14,
	        (const char *[]){sql_int(a, c->id), sql_int(a, c->sequence), c->title[0],
	                         c->title[1], c->title[2], c->intro[0], c->intro[1], c->intro[2],
	                         cons_audience_name(c->audience), c->audience_value, c->opens_on,
	                         c->closes_on, c->public_results ? "1" : "0", iso(a, who->now)});
	if (n != 1)
		return n < 0 ? -1 : 0;
	return audit(db, a, who, "consultation_edited", c->id, NULL) < 0 ? -1 : 1;
}

/* Bumps the sequence of draft c if it is still at c->sequence: 1, 0, -1. */
static int bump_draft(struct db *db, struct arena *a, const struct cons_actor *who,
                      const struct consultation *c)
{
	int64_t n = sql_exec(
	        db,
	        "UPDATE consultations SET sequence = sequence + 1, updated_at = $3 "
	        "WHERE id = $1 AND sequence = $2 AND state = 'draft'",
	        3, (const char *[]){sql_int(a, c->id), sql_int(a, c->sequence), iso(a, who->now)});
	return n < 0 ? -1 : n == 1;
}

static const char *join_options(struct arena *a, const struct cons_question *q)
{
	const char *s = "";

	for (int i = 0; i < q->noptions; i++)
		s = arena_printf(a, "%s%s%s", s, i ? "\n" : "", q->options[i]);
	return s;
}

int cons_question_add(struct db *db, struct arena *a, const struct cons_actor *who,
                      const struct consultation *c, const struct cons_question *q)
{
	const char *id = sql_int(a, c->id);
	int64_t count = 0;
	int rc = bump_draft(db, a, who, c);

	if (rc <= 0)
		return rc;
	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM consultation_questions WHERE consultation_id = $1",
	                 1, (const char *[]){id}, &count) != DB_OK)
		return -1;
	if (count >= CONS_QUESTIONS_MAX)
		return 0;
	if (sql_exec(
	            db,
	            "INSERT INTO consultation_questions (id, consultation_id, position, kind, "
	            "prompt, required, options, scale_low, scale_high) VALUES ($1, $2, $3, $4, $5, "
	            "$6, $7, $8, $9)",
	            9,
	            (const char *[]){sql_int(a, new_id(who->app ? who->app->cfg : NULL)), id,
	                             sql_int(a, count + 1), cons_kind_name(q->kind), q->prompt,
	                             q->required ? "1" : "0", join_options(a, q), q->scale_low,
	                             q->scale_high}) != 1)
		return -1;
	return audit(db, a, who, "consultation_question_added", c->id,
	             arena_printf(a, "{\"position\":%lld}", (long long)(count + 1))) < 0
	               ? -1
	               : 1;
}

int cons_question_remove(struct db *db, struct arena *a, const struct cons_actor *who,
                         const struct consultation *c, int position)
{
	const char *id = sql_int(a, c->id), *pos = sql_int(a, position);
	int rc = bump_draft(db, a, who, c);
	int64_t n;

	if (rc <= 0)
		return rc;
	n = sql_exec(
	        db,
	        "DELETE FROM consultation_questions WHERE consultation_id = $1 AND position = $2",
	        2, (const char *[]){id, pos});
	if (n != 1)
		return n < 0 ? -1 : 0;
	/* the following ones move up, one by one (the UNIQUE position holds) */
	for (int p = position + 1; p <= CONS_QUESTIONS_MAX; p++)
		if (sql_exec(db,
		             "UPDATE consultation_questions SET position = position - 1 WHERE "
		             "consultation_id = $1 AND position = $2",
		             2, (const char *[]){id, sql_int(a, p)}) < 0)
			return -1;
	return audit(db, a, who, "consultation_question_removed", c->id,
	             arena_printf(a, "{\"position\":%d}", position)) < 0
	               ? -1
	               : 1;
}

/* ---- Notifications ------------------------------------------------------------------- */

/* The ids of the people of query sql ($1 = value) into *out (arena), only
 * those whose account is active when `active`: how many, or -1 (also when
 * there are more than AUDIENCE_MAX: nothing is done by halves). */
static int people(struct db *db, struct arena *a, const char *sql, const char *value, int active,
                  int64_t **out)
{
	struct db_stmt *st =
	        db_prepare(db, arena_printf(a,
	                                    "SELECT DISTINCT x.user_id FROM (%s) x JOIN users u ON "
	                                    "u.id = x.user_id WHERE %s ORDER BY x.user_id",
	                                    sql, active ? "u.status = 'active'" : "1 = 1"));
	enum db_rc rc = DB_ERROR;
	size_t cap = 256;
	int n = 0;

	*out = arena_alloc(a, cap * sizeof(**out));
	if (st && db_bind_text(st, 1, value) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			if (n == AUDIENCE_MAX) {
				log_error("consultations: more than %d people", AUDIENCE_MAX);
				rc = DB_ERROR;
				break;
			}
			if ((size_t)n == cap) {
				int64_t *more = arena_alloc(a, 2 * cap * sizeof(*more));
				memcpy(more, *out, cap * sizeof(*more));
				*out = more;
				cap *= 2;
			}
			(*out)[n++] = db_col_int(st, 0);
		}
	db_finalize(st);
	return rc < 0 ? -1 : n;
}

/* Tells every person of sql ($1 = value) of kind, in this transaction. */
static int tell(struct db *db, struct arena *a, const struct cons_actor *who,
                const struct consultation *c, const char *sql, const char *value, const char *kind)
{
	int64_t *ids;
	int n = people(db, a, sql, value, 1, &ids);
	const char *link = arena_printf(a, "/consultations/%lld", (long long)c->id);
	const char *vars[] = {"title",  cons_title(c, c->lang), "opens", c->opens_on,
	                      "closes", c->closes_on,           NULL};

	for (int i = 0; i < n; i++)
		if (notify(who->app, db, ids[i], kind, link, vars) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

/* ---- Mixing the anonymous responses ------------------------------------------------- */

struct stored {
	int64_t question;
	const char *choice, *scale, *text;
};

static const char *response_sql(struct db *db)
{
	/* SQLite: the rowid is the random id (else it would count insertions) */
	return db_engine(db) == DB_SQLITE
	               ? "INSERT INTO consultation_responses (rowid, id, consultation_id, user_id) "
	                 "VALUES ($1, $1, $2, $3)"
	               : "INSERT INTO consultation_responses (id, consultation_id, user_id) VALUES "
	                 "($1, $2, $3)";
}

static const char *answer_sql(struct db *db)
{
	return db_engine(db) == DB_SQLITE ? "INSERT INTO consultation_answers (rowid, response_id, "
	                                    "question_id, choice, "
	                                    "scale, answer_text) VALUES ($6, $1, $2, $3, $4, $5)"
	                                  : "INSERT INTO consultation_answers (response_id, "
	                                    "question_id, choice, scale, "
	                                    "answer_text) VALUES ($1, $2, $3, $4, $5)";
}

static int insert_answer(struct db *db, struct arena *a, const char *response,
                         const struct stored *s)
{
	int n = db_engine(db) == DB_SQLITE ? 6 : 5;

	return sql_exec(db, answer_sql(db), n,
	                (const char *[]){response, sql_int(a, s->question), s->choice, s->scale,
	                                 s->text, sql_int(a, random_id())}) == 1
	               ? 0
	               : -1;
}

static int by_id(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* Rewrites, in this transaction, the anonymous responses of consultation
 * id under new random ids (in the order of those ids), and the
 * participants in the order of their user ids: afterwards no row, rowid
 * or PostgreSQL row version keeps the order or the moment they were
 * written (docs/CONSULTATIONS.md). */
int cons_mix(struct db *db, struct arena *a, int64_t id)
{
	const char *cid = sql_int(a, id);
	struct db_stmt *st = db_prepare(
	        db, "SELECT r.id, x.question_id, x.choice, x.scale, x.answer_text FROM "
	            "consultation_responses r JOIN consultation_answers x ON x.response_id = r.id "
	            "WHERE r.consultation_id = $1 AND r.user_id IS NULL ORDER BY r.id");
	enum db_rc rc = DB_ERROR;
	size_t cap = 64;
	int n = 0, nr = 0;
	struct stored *s = arena_alloc(a, cap * sizeof(*s));
	int64_t *resp = arena_alloc(a, cap * sizeof(*resp)), *fresh, *users;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			if ((size_t)n == cap) {
				struct stored *m = arena_alloc(a, 2 * cap * sizeof(*m));
				int64_t *r = arena_alloc(a, 2 * cap * sizeof(*r));
				memcpy(m, s, cap * sizeof(*m));
				memcpy(r, resp, cap * sizeof(*r));
				s = m;
				resp = r;
				cap *= 2;
			}
			resp[n] = db_col_int(st, 0);
			s[n++] = (struct stored){db_col_int(st, 1), sql_col(st, a, 2),
			                         sql_col(st, a, 3), sql_col(st, a, 4)};
		}
	db_finalize(st);
	if (rc < 0 ||
	    sql_exec(db,
	             "DELETE FROM consultation_answers WHERE response_id IN (SELECT id FROM "
	             "consultation_responses WHERE consultation_id = $1 AND user_id IS NULL)",
	             1, (const char *[]){cid}) < 0 ||
	    sql_exec(db,
	             "DELETE FROM consultation_responses WHERE consultation_id = $1 AND user_id IS "
	             "NULL",
	             1, (const char *[]){cid}) < 0)
		return -1;
	/* one new id per response; rows of one response are adjacent (ORDER BY r.id) */
	fresh = arena_alloc(a, ((size_t)n + 1) * sizeof(*fresh));
	for (int i = 0; i < n; i++)
		if (i == 0 || resp[i] != resp[i - 1])
			fresh[nr++] = random_id();
	qsort(fresh, (size_t)nr, sizeof(*fresh), by_id);
	for (int i = 0, k = -1; i < n; i++) {
		if (i == 0 || resp[i] != resp[i - 1]) {
			k++;
			if (sql_exec(db, response_sql(db), 3,
			             (const char *[]){sql_int(a, fresh[k]), cid, NULL}) != 1)
				return -1;
		}
		if (insert_answer(db, a, sql_int(a, fresh[k]), &s[i]) < 0)
			return -1;
	}
	nr = people(db, a,
	            "SELECT user_id FROM consultation_participants WHERE consultation_id = $1", cid,
	            0, &users);
	if (nr < 0 ||
	    sql_exec(db, "DELETE FROM consultation_participants WHERE consultation_id = $1", 1,
	             (const char *[]){cid}) < 0)
		return -1;
	for (int i = 0; i < nr; i++)
		if (sql_exec(db,
		             "INSERT INTO consultation_participants (consultation_id, user_id) "
		             "VALUES "
		             "($1, $2)",
		             2, (const char *[]){cid, sql_int(a, users[i])}) != 1)
			return -1;
	return 0;
}

int cons_step(struct db *db, struct arena *a, const struct cons_actor *who,
              const struct consultation *c, const struct cons_transition *t)
{
	const char *now = iso(a, who->now);
	int64_t n =
	        sql_exec(db,
	                 "UPDATE consultations SET state = $4, sequence = sequence + 1, "
	                 "updated_at = $5, opened_at = CASE WHEN $4 = 'open' THEN $5 ELSE "
	                 "opened_at END, published_at = CASE WHEN $4 = 'published' THEN $5 ELSE "
	                 "published_at END WHERE id = $1 AND sequence = $2 AND state = $3",
	                 5,
	                 (const char *[]){sql_int(a, c->id), sql_int(a, c->sequence),
	                                  cons_state_name(c->state), cons_state_name(t->to), now});
	if (n != 1)
		return n < 0 ? -1 : 0;
	if (audit(db, a, who, arena_printf(a, "consultation_%s", t->name), c->id, NULL) < 0)
		return -1;
	if (t->to == CS_OPEN)
		return tell(db, a, who, c, cons_audience_sql(c->audience), c->audience_value,
		            "consultation.opened") < 0
		               ? -1
		               : 1;
	if (cons_mix(db, a, c->id) < 0)
		return -1;
	if (t->to == CS_PUBLISHED)
		return tell(db, a, who, c,
		            "SELECT user_id FROM consultation_participants WHERE consultation_id = "
		            "$1",
		            sql_int(a, c->id), "consultation.published") < 0
		               ? -1
		               : 1;
	return 1;
}

/* ---- Answers ------------------------------------------------------------------------- */

int cons_answer(struct db *db, struct arena *a, const struct cons_actor *who,
                const struct consultation *c, const struct cons_question *q, int nq,
                const struct cons_answer *ans, int anonymous, enum cons_outcome *out)
{
	const char *cid = sql_int(a, c->id), *rid;
	struct consultation now_c;
	int64_t n;

	/* the consultation as it is inside this transaction */
	if (cons_load(db, a, c->id, &now_c) != 1)
		return -1;
	if (cons_phase(&now_c, cons_day(a, who->now)) != CP_OPEN) {
		*out = CO_CLOSED;
		return 0;
	}
	/* "once": the primary key decides, even between two racing requests */
	n = sql_exec(db,
	             "INSERT INTO consultation_participants (consultation_id, user_id) VALUES ($1, "
	             "$2) ON CONFLICT DO NOTHING",
	             2, (const char *[]){cid, sql_int(a, who->user_id)});
	if (n < 0)
		return -1;
	if (n == 0) {
		*out = CO_ALREADY;
		return 0;
	}
	rid = sql_int(a, random_id());
	if (sql_exec(db, response_sql(db), 3,
	             (const char *[]){rid, cid, anonymous ? NULL : sql_int(a, who->user_id)}) != 1)
		return -1;
	for (int i = 0; i < nq; i++) {
		struct stored s = {q[i].id, ans[i].choice ? sql_int(a, ans[i].choice) : NULL,
		                   ans[i].scale ? sql_int(a, ans[i].scale) : NULL, ans[i].text};
		if ((s.choice || s.scale || s.text) && insert_answer(db, a, rid, &s) < 0)
			return -1;
	}
	*out = CO_SAVED;
	/* who took part, never how nor whether anonymously */
	return audit(db, a, who, "consultation_answered", c->id, NULL);
}
