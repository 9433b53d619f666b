/* projects: the dossier model, the pipeline table and the MDM Invest
 * pre-check (projects.h). Sections: the table; reading the form; storage;
 * the pre-check. */
#include "app/projects.h"

#include <stdio.h>
#include <string.h>

#include "app/clock.h"
#include "app/deadlines.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "core/parse.h"
#include "core/utf8.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define BIT(s) (1u << (s))

/* ---- The pipeline, as a table ------------------------------------------------ */

static const char *const state_names[PROJECT_STATES] = {
        "submitted", "qualified", "oriented", "accompanied", "realised", "on_hold", "abandoned",
};

enum {
	RUNNING = BIT(PS_SUBMITTED) | BIT(PS_QUALIFIED) | BIT(PS_ORIENTED) | BIT(PS_ACCOMPANIED),
	OPEN = RUNNING | BIT(PS_ON_HOLD),
	STAFF = PROJ_ADVISOR | PROJ_ADMIN,
};

const struct project_transition project_transitions[PROJECT_ACTIONS] = {
        {PA_QUALIFY, "qualify", BIT(PS_SUBMITTED), PS_QUALIFIED, STAFF, 0},
        {PA_ORIENT, "orient", BIT(PS_QUALIFIED), PS_ORIENTED, STAFF, 0},
        {PA_ACCOMPANY, "accompany", BIT(PS_ORIENTED), PS_ACCOMPANIED, STAFF, PROJ_NEEDS_MENTOR},
        {PA_REALISE, "realise", BIT(PS_ACCOMPANIED), PS_REALISED, STAFF, PROJ_NEEDS_FIGURES},
        {PA_HOLD, "hold", RUNNING, PS_ON_HOLD, STAFF, PROJ_NEEDS_REASON},
        {PA_RESUME, "resume", BIT(PS_ON_HOLD), PROJECT_TO_HELD_FROM, STAFF, 0},
        {PA_ABANDON, "abandon", OPEN, PS_ABANDONED, STAFF | PROJ_HOLDER, PROJ_NEEDS_REASON},
        {PA_MESSAGE, "message", OPEN, PROJECT_TO_SAME, STAFF, PROJ_NEEDS_NOTE},
};

/* The service deadline of each stage: working days until the next step. */
const int project_due_days[PROJECT_STATES] = {
        [PS_SUBMITTED] = 5,    /* qualified within a week */
        [PS_QUALIFIED] = 10,   /* oriented within two weeks */
        [PS_ORIENTED] = 20,    /* a mentor engaged within a month */
        [PS_ACCOMPANIED] = 60, /* news of the investment each quarter */
};

const char *const project_hold_reasons[] = {"missing_documents", "financing_pending",
                                            "holder_request", "other", NULL};
const char *const project_abandon_reasons[] = {"holder_withdrew", "not_viable", "no_financing",
                                               "no_answer",       "other",      NULL};
const char *const project_need_codes[PROJECT_NEED_KINDS] = {
        "financing", "land", "procedures", "mentoring", "partners", "market",
};
const char *const project_stage_codes[PROJECT_STAGES] = {"idea", "study", "launch", "expansion"};

const char *project_state_name(enum project_state s)
{
	return (unsigned)s < PROJECT_STATES ? state_names[s] : "";
}

int project_state_parse(const char *name)
{
	for (int i = 0; name && i < PROJECT_STATES; i++)
		if (strcmp(state_names[i], name) == 0)
			return i;
	return -1;
}

int project_action_parse(const char *name)
{
	for (int i = 0; name && i < PROJECT_ACTIONS; i++)
		if (strcmp(project_transitions[i].name, name) == 0)
			return i;
	return -1;
}

int project_can(enum project_action a, enum project_state s, unsigned actor)
{
	if ((unsigned)a >= PROJECT_ACTIONS || (unsigned)s >= PROJECT_STATES)
		return 0;
	return (project_transitions[a].from & BIT(s)) && (project_transitions[a].actors & actor);
}

int project_final(enum project_state s)
{
	return s == PS_REALISED || s == PS_ABANDONED;
}

static int listed(const char *const *list, const char *code)
{
	for (; code && *list; list++)
		if (strcmp(*list, code) == 0)
			return 1;
	return 0;
}

int project_reason_ok(enum project_action a, const char *code)
{
	if (a == PA_HOLD)
		return listed(project_hold_reasons, code);
	if (a == PA_ABANDON)
		return listed(project_abandon_reasons, code);
	return 0;
}

enum project_state project_target(enum project_action a, enum project_state s,
                                  enum project_state held_from)
{
	int to = project_transitions[a].to;

	if (to == PROJECT_TO_SAME)
		return s;
	if (to == PROJECT_TO_HELD_FROM)
		return (BIT(held_from) & RUNNING) ? held_from : PS_SUBMITTED;
	return (enum project_state)to;
}

/* ---- Reading the form ------------------------------------------------------------ */

static const char *trimmed(struct arena *a, const struct kvlist *form, const char *name)
{
	const char *v = kvlist_get(form, name);
	size_t len;

	if (!v)
		return "";
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	len = strlen(v);
	while (len && strchr(" \t\r\n", v[len - 1]))
		len--;
	return arena_strndup(a, v, len);
}

static int clean(const char *s, int multiline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\r' || *p == '\t'))) ||
		    *p == 0x7f)
			return 0;
	return 1;
}

struct reader {
	const struct taxonomy *tx;
	struct arena *a;
	const struct kvlist *form;
	struct need_issues *is;
};

static const char *text(struct reader *r, const char *name, size_t max, int multiline)
{
	const char *v = trimmed(r->a, r->form, name);

	if (!clean(v, multiline))
		need_issue(r->is, name, "project.error.text_invalid", NULL);
	else if (utf8_length(v, strlen(v)) > max)
		need_issue(r->is, name, "project.error.too_long", NULL);
	else if (!*v)
		need_issue(r->is, name, arena_printf(r->a, "project.error.%s_required", name),
		           NULL);
	return v;
}

static const char *reference(struct reader *r, const char *name, enum tax_kind k)
{
	const char *v = trimmed(r->a, r->form, name), *id;

	if (!*v) {
		need_issue(r->is, name, arena_printf(r->a, "project.error.%s_required", name),
		           NULL);
		return "";
	}
	id = taxonomy_has(r->tx, k, v) ? v : taxonomy_resolve(r->tx, k, v);
	if (!id) {
		need_issue(r->is, name, arena_printf(r->a, "project.error.unknown_%s", name), v);
		return "";
	}
	return id;
}

int project_parse_amount(const char *s, int64_t *out)
{
	char digits[32];
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == ' ')
			continue;
		if (p[0] == 0xc2 && p[1] == 0xa0) { /* no-break space */
			p++;
			continue;
		}
		if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xaf) { /* narrow no-break space */
			p += 2;
			continue;
		}
		if (n + 1 >= sizeof(digits))
			return -1;
		digits[n++] = (char)*p;
	}
	digits[n] = '\0';
	return n == 0 ? -1 : parse_int64(digits, INT64_MIN, INT64_MAX, out);
}

/* A whole number within [min, max] (field NAME: keys project.error.NAME_*). */
static int64_t amount(struct reader *r, const char *name, int64_t min, int64_t max)
{
	const char *v = trimmed(r->a, r->form, name);
	int64_t x;

	if (!*v) {
		need_issue(r->is, name, arena_printf(r->a, "project.error.%s_required", name),
		           NULL);
		return 0;
	}
	if (project_parse_amount(v, &x) < 0) {
		need_issue(r->is, name, "project.error.not_a_number", v);
		return 0;
	}
	if (x < min || x > max) {
		need_issue(r->is, name, arena_printf(r->a, "project.error.%s_range", name), NULL);
		return 0;
	}
	return x;
}

void project_read(const struct taxonomy *tx, struct arena *a, const struct kvlist *form,
                  struct project *p, struct need_issues *is)
{
	struct reader r = {tx, a, form, is};
	const char *stage = trimmed(a, form, "stage");

	p->title = text(&r, "title", PROJECT_TITLE_MAX, 0);
	p->summary = text(&r, "summary", PROJECT_SUMMARY_MAX, 1);
	p->sector = reference(&r, "sector", TAX_SECTOR);
	p->region = reference(&r, "region", TAX_REGION);
	p->city = text(&r, "city", PROJECT_CITY_MAX, 0);
	p->stage = "idea";
	if (listed((const char *const[]){"idea", "study", "launch", "expansion", NULL}, stage))
		p->stage = stage;
	else
		need_issue(is, "stage", "project.error.stage_required", NULL);
	p->investment = amount(&r, "investment", 1, PROJECT_INVESTMENT_MAX);
	p->equity_percent = (int)amount(&r, "equity", 0, 100);
	p->jobs = (int)amount(&r, "jobs", 0, PROJECT_JOBS_MAX);
	p->needs = 0;
	for (int i = 0; i < PROJECT_NEED_KINDS; i++)
		if (*trimmed(a, form, arena_printf(a, "need_%s", project_need_codes[i])))
			p->needs |= 1u << i;
}

/* ---- Storage ---------------------------------------------------------------------- */

#define PROJECT_COLUMNS                                                                            \
	"id, holder_id, COALESCE(advisor_id, 0), state, held_from, title, summary, sector_id, "    \
	"region, city, stage, investment, equity_percent, jobs, COALESCE(investment_realised, "    \
	"-1), COALESCE(jobs_realised, -1), reason, note, due_at, created_at, updated_at, "         \
	"closed_at"

static void from_row(struct db_stmt *st, struct arena *a, struct project *p)
{
	int s = project_state_parse(db_col_text(st, 3));
	int h = project_state_parse(db_col_text(st, 4));

	*p = (struct project){0};
	p->id = db_col_int(st, 0);
	p->holder_id = db_col_int(st, 1);
	p->advisor_id = db_col_int(st, 2);
	p->state = s < 0 ? PS_SUBMITTED : (enum project_state)s;
	p->held_from = h < 0 ? PS_SUBMITTED : (enum project_state)h;
	p->title = sql_col_text(st, a, 5);
	p->summary = sql_col_text(st, a, 6);
	p->sector = sql_col_text(st, a, 7);
	p->region = sql_col_text(st, a, 8);
	p->city = sql_col_text(st, a, 9);
	p->stage = sql_col_text(st, a, 10);
	p->investment = db_col_int(st, 11);
	p->equity_percent = (int)db_col_int(st, 12);
	p->jobs = (int)db_col_int(st, 13);
	p->investment_realised = db_col_int(st, 14);
	p->jobs_realised = (int)db_col_int(st, 15);
	p->reason = sql_col_text(st, a, 16);
	p->note = sql_col_text(st, a, 17);
	p->due_at = sql_col(st, a, 18);
	p->created_at = sql_col(st, a, 19);
	p->updated_at = sql_col(st, a, 20);
	p->closed_at = sql_col(st, a, 21);
}

static int load_needs(struct db *db, struct project *p)
{
	struct db_stmt *st = db_prepare(db, "SELECT need FROM project_needs WHERE project_id = $1");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, p->id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			for (int i = 0; i < PROJECT_NEED_KINDS; i++)
				if (strcmp(db_col_text(st, 0), project_need_codes[i]) == 0)
					p->needs |= 1u << i;
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

int project_load(struct db *db, struct arena *a, int64_t id, struct project *p)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT " PROJECT_COLUMNS " FROM projects WHERE id = $1");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, id) == DB_OK)
		rc = db_step(st);
	if (rc == DB_ROW)
		from_row(st, a, p);
	db_finalize(st);
	if (rc < 0)
		return -1;
	if (rc != DB_ROW)
		return 0;
	return load_needs(db, p) < 0 ? -1 : 1;
}

/* The deadline of state s reached from now_s, as ISO text, or NULL. */
static const char *due_of(struct arena *a, enum project_state s, int64_t now_s)
{
	char iso[ISO_TIME_LEN + 1];

	if ((unsigned)s >= PROJECT_STATES || project_due_days[s] <= 0)
		return NULL;
	iso_time(working_days_after(now_s, project_due_days[s]), iso);
	return arena_strdup(a, iso);
}

static int event(struct db *db, struct arena *a, int64_t project_id, int64_t event_id,
                 int64_t actor_id, const char *from, const char *to, const char *reason,
                 const char *note, const char *now)
{
	return sql_exec(db,
	                "INSERT INTO project_events (id, project_id, at, actor_id, from_state, "
	                "to_state, reason, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	                8,
	                (const char *[]){sql_int(a, event_id), sql_int(a, project_id), now,
	                                 actor_id ? sql_int(a, actor_id) : NULL, from, to, reason,
	                                 note}) == 1
	               ? 0
	               : -1;
}

int project_insert(struct db *db, struct arena *a, const struct project *p, const char *now,
                   int64_t now_s, int64_t event_id)
{
	const char *id = sql_int(a, p->id);
	const char *params[] = {id,
	                        sql_int(a, p->holder_id),
	                        p->title,
	                        p->summary,
	                        p->sector,
	                        p->region,
	                        p->city,
	                        p->stage,
	                        sql_int(a, p->investment),
	                        sql_int(a, p->equity_percent),
	                        sql_int(a, p->jobs),
	                        due_of(a, PS_SUBMITTED, now_s),
	                        now};

	if (sql_exec(db,
	             "INSERT INTO projects (id, holder_id, state, title, summary, sector_id, "
	             "region, city, stage, investment, equity_percent, jobs, due_at, created_at, "
	             "updated_at) VALUES ($1, $2, 'submitted', $3, $4, $5, $6, $7, $8, "
	             "CAST($9 AS BIGINT), CAST($10 AS INTEGER), CAST($11 AS INTEGER), $12, $13, "
	             "$13)",
	             N(params), params) != 1)
		return -1;
	for (int i = 0; i < PROJECT_NEED_KINDS; i++)
		if ((p->needs & (1u << i)) &&
		    sql_exec(db,
		             "INSERT INTO project_needs (project_id, holder_id, need) VALUES ($1, "
		             "$2, "
		             "$3)",
		             3,
		             (const char *[]){id, sql_int(a, p->holder_id),
		                              project_need_codes[i]}) != 1)
			return -1;
	return event(db, a, p->id, event_id, p->holder_id, "", "submitted", "", "", now);
}

int project_move(struct db *db, struct arena *a, struct project *p, enum project_action act,
                 int64_t actor_id, const char *reason, const char *note, const char *now,
                 int64_t now_s, int64_t event_id)
{
	enum project_state to;
	const char *from, *to_name, *held = "";
	int realise = act == PA_REALISE;
	int64_t rc;

	if ((unsigned)act >= PROJECT_ACTIONS || (unsigned)p->state >= PROJECT_STATES ||
	    !(project_transitions[act].from & BIT(p->state)))
		return 0;
	to = project_target(act, p->state, p->held_from);
	from = project_state_name(p->state);
	to_name = project_state_name(to);
	if (to == PS_ON_HOLD)
		held = from;
	reason = reason ? reason : "";
	note = note ? note : "";
	rc = sql_exec(db,
	              "UPDATE projects SET state = $2, held_from = $4, reason = $5, note = $6, "
	              "updated_at = $7, due_at = $8, reminded_at = NULL, closed_at = $9, "
	              "investment_realised = CAST($10 AS BIGINT), jobs_realised = CAST($11 AS "
	              "INTEGER) WHERE id = $1 AND state = $3",
	              11,
	              (const char *[]){sql_int(a, p->id), to_name, from, held, reason, note, now,
	                               due_of(a, to, now_s), project_final(to) ? now : NULL,
	                               realise ? sql_int(a, p->investment_realised) : NULL,
	                               realise ? sql_int(a, p->jobs_realised) : NULL});
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	if (event(db, a, p->id, event_id, actor_id, from, to_name, reason, note, now) < 0)
		return -1;
	if (to == PS_ON_HOLD)
		p->held_from = p->state;
	p->state = to;
	p->reason = reason;
	p->note = note;
	if (!realise)
		p->investment_realised = p->jobs_realised = -1;
	return 1;
}

int64_t project_engaged_mentors(struct db *db, struct arena *a, int64_t project_id)
{
	int64_t count;

	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM mentorships WHERE project_id = $1 AND state IN "
	                 "('confirmed', 'in_mission', 'delivered', 'evaluated')",
	                 1, (const char *[]){sql_int(a, project_id)}, &count) != DB_OK)
		return -1;
	return count;
}

/* ---- The MDM Invest pre-check ------------------------------------------------------ */

static const char *const mdm_names[MDM_KINDS] = {
        "min_investment", "max_investment", "min_equity", "subsidy_rate", "subsidy_cap",
};

const char *mdm_kind_name(enum mdm_kind k)
{
	return (unsigned)k < MDM_KINDS ? mdm_names[k] : "";
}

int mdm_kind_parse(const char *name)
{
	for (int i = 0; name && i < MDM_KINDS; i++)
		if (strcmp(mdm_names[i], name) == 0)
			return i;
	return -1;
}

/* Does the project meet a condition of kind k with threshold amount? */
static int meets(enum mdm_kind k, int64_t amount, int64_t investment, int equity)
{
	switch (k) {
	case MDM_MIN_INVESTMENT:
		return investment >= amount;
	case MDM_MAX_INVESTMENT:
		return investment <= amount;
	case MDM_MIN_EQUITY:
		return equity >= amount;
	default:
		return 1;
	}
}

void project_precheck(const struct mdm_rule *rules, size_t n, const char *today, int64_t investment,
                      int equity_percent, struct mdm_result *out)
{
	struct mdm_outcome *o = out->rules;
	int conditions = 0, failed = 0;
	int64_t rate, cap, grant;

	*out = (struct mdm_result){0};
	for (size_t i = 0; i < n; i++) {
		const struct mdm_rule *r = &rules[i];
		if ((unsigned)r->kind >= MDM_KINDS || !r->valid_from ||
		    strcmp(r->valid_from, today) > 0)
			continue; /* not in force yet */
		if (o[r->kind].in_force && strcmp(o[r->kind].valid_from, r->valid_from) >= 0)
			continue; /* an older rule than the one kept */
		o[r->kind] = (struct mdm_outcome){1, r->kind <= MDM_MIN_EQUITY, 0, r->amount,
		                                  r->valid_from};
	}
	for (int k = 0; k < MDM_KINDS; k++) {
		if (!o[k].in_force || !o[k].condition)
			continue;
		o[k].met = meets((enum mdm_kind)k, o[k].amount, investment, equity_percent);
		conditions++;
		failed += !o[k].met;
	}
	out->eligible = conditions > 0 && failed == 0;
	rate = o[MDM_SUBSIDY_RATE].in_force ? o[MDM_SUBSIDY_RATE].amount : 0;
	rate = rate < 0 ? 0 : rate > 100 ? 100 : rate;
	cap = o[MDM_SUBSIDY_CAP].in_force ? o[MDM_SUBSIDY_CAP].amount : INT64_MAX;
	grant = investment > 0 ? investment / 100 * rate + investment % 100 * rate / 100 : 0;
	out->subsidy = out->eligible ? (grant < cap ? grant : cap) : 0;
}

int project_rules_load(struct db *db, struct arena *a, struct mdm_rule **out, size_t *n)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT rule, amount, valid_from FROM mdm_rules ORDER BY id");
	size_t cap = 16;
	struct mdm_rule *r = arena_alloc(a, cap * sizeof(*r));
	enum db_rc rc = DB_ERROR;

	*n = 0;
	while (st && (rc = db_step(st)) == DB_ROW) {
		int k = mdm_kind_parse(db_col_text(st, 0));
		if (k < 0)
			continue;
		if (*n == cap) {
			struct mdm_rule *more = arena_alloc(a, 2 * cap * sizeof(*r));
			memcpy(more, r, cap * sizeof(*r));
			r = more;
			cap *= 2;
		}
		r[(*n)++] =
		        (struct mdm_rule){(enum mdm_kind)k, db_col_int(st, 1), sql_col(st, a, 2)};
	}
	db_finalize(st);
	*out = r;
	return rc == DB_OK ? 0 : -1;
}

int projects_document_names(struct db *db, int64_t holder_id, json_t *names)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT stored_as FROM project_documents WHERE holder_id = $1");
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, holder_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			json_array_append_new(names, json_string(db_col_text(st, 0)));
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}
