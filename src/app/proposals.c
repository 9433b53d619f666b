/* proposals: the model of experts' proposals (proposals.h): the statuses
 * and their transitions as a table, the submission form's checks, storage
 * of proposals, supports, comments and answers, and the flag of proposals
 * left unanswered. */
#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/notify.h"
#include "app/proposals.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/utf8.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Statuses and transitions --------------------------------------------------------- */

static const char *const status_names[PROPOSAL_STATUSES] = {"received", "under_study", "adopted",
                                                            "not_retained"};

/* Who answers is the programme team only (the routes' policy); what it may
 * answer from each status is this table. */
const struct proposal_transition proposal_transitions[] = {
        {PROP_RECEIVED, PROP_UNDER_STUDY, 0},     {PROP_RECEIVED, PROP_ADOPTED, 1},
        {PROP_RECEIVED, PROP_NOT_RETAINED, 1},    {PROP_UNDER_STUDY, PROP_ADOPTED, 1},
        {PROP_UNDER_STUDY, PROP_NOT_RETAINED, 1},
};
const size_t proposal_transitions_count = N(proposal_transitions);

const char *const proposal_kind_names[PROPOSAL_KINDS] = {"idea", "initiative"};

const char *proposal_status_name(enum proposal_status s)
{
	return (unsigned)s < PROPOSAL_STATUSES ? status_names[s] : "received";
}

int proposal_status_parse(const char *name)
{
	for (int i = 0; name && i < PROPOSAL_STATUSES; i++)
		if (strcmp(name, status_names[i]) == 0)
			return i;
	return -1;
}

const struct proposal_transition *proposal_transition_find(enum proposal_status from,
                                                           enum proposal_status to)
{
	for (size_t i = 0; i < proposal_transitions_count; i++)
		if (proposal_transitions[i].from == from && proposal_transitions[i].to == to)
			return &proposal_transitions[i];
	return NULL;
}

int proposal_final(enum proposal_status s)
{
	for (size_t i = 0; i < proposal_transitions_count; i++)
		if (proposal_transitions[i].from == s)
			return 0;
	return 1;
}

int proposal_kind_ok(const char *name)
{
	for (int i = 0; name && i < PROPOSAL_KINDS; i++)
		if (strcmp(name, proposal_kind_names[i]) == 0)
			return 1;
	return 0;
}

int proposal_support_milestone(int64_t n)
{
	static const int64_t milestones[] = {1, 10, 50, 100, 500, 1000};

	for (size_t i = 0; i < N(milestones); i++)
		if (n == milestones[i])
			return 1;
	return 0;
}

/* ---- Checks ------------------------------------------------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *proposal_text_problem(const char *s, size_t min, size_t max)
{
	size_t len;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
			return "proposal.error.text_invalid";
	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len && is_space(s[len - 1]))
		len--;
	if (len == 0 && min > 0)
		return "proposal.error.empty";
	len = utf8_length(s, len);
	if (len < min)
		return "proposal.error.empty";
	if (len > max)
		return "proposal.error.too_long";
	return NULL;
}

/* The value of form field name without surrounding spaces (arena), "" when
 * absent. */
static const char *trimmed(struct arena *a, const struct kvlist *form, const char *name)
{
	const char *v = kvlist_get(form, name);
	size_t len;

	if (!v)
		return "";
	while (is_space(*v))
		v++;
	len = strlen(v);
	while (len && is_space(v[len - 1]))
		len--;
	return arena_strndup(a, v, len);
}

static const char *text_field(struct arena *a, const struct kvlist *form, const char *name,
                              size_t max, int single_line, struct need_issues *is)
{
	const char *v = trimmed(a, form, name);
	const char *problem = proposal_text_problem(v, 1, max);

	if (!problem && single_line && strpbrk(v, "\r\n\t"))
		problem = "proposal.error.text_invalid";
	if (problem)
		need_issue(is, name, problem, NULL);
	return v;
}

void proposal_read(const struct taxonomy *tx, struct arena *a, const struct kvlist *form,
                   struct proposal *p, struct need_issues *is)
{
	const char *kind = trimmed(a, form, "kind");
	const char *sector = trimmed(a, form, "sector");

	p->title = text_field(a, form, "title", PROPOSAL_TITLE_MAX, 1, is);
	p->body = text_field(a, form, "body", PROPOSAL_BODY_MAX, 0, is);
	p->kind = "idea";
	if (proposal_kind_ok(kind))
		p->kind = kind;
	else
		need_issue(is, "kind", "proposal.error.kind", NULL);
	p->sector = "";
	if (!*sector)
		need_issue(is, "sector", "proposal.error.sector_required", NULL);
	else if (strcmp(sector, PROPOSAL_PROGRAMME) == 0)
		p->sector = "";
	else if (taxonomy_has(tx, TAX_SECTOR, sector))
		p->sector = sector;
	else
		need_issue(is, "sector", "proposal.error.sector_unknown", sector);
}

/* ---- Storage ------------------------------------------------------------------------ */

int proposal_insert(struct db *db, const struct proposal *p, const char *now, struct arena *a)
{
	return sql_exec(db,
	                "INSERT INTO proposals (id, author_id, kind, sector_id, title, body, "
	                "status, "
	                "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'received', $7, "
	                "$7)",
	                7,
	                (const char *[]){sql_int(a, p->id), sql_int(a, p->author_id), p->kind,
	                                 *p->sector ? p->sector : NULL, p->title, p->body, now}) ==
	                       1
	               ? 0
	               : -1;
}

int proposal_load(struct db *db, struct arena *a, int64_t id, struct proposal *p)
{
	const char *row[9];
	int rc = sql_row(db, a,
	                 "SELECT author_id, kind, COALESCE(sector_id, ''), title, body, status, "
	                 "created_at, updated_at, flagged_at FROM proposals WHERE id = $1",
	                 1, (const char *[]){sql_int(a, id)}, row, 9);
	int s;

	if (rc != 1)
		return rc;
	*p = (struct proposal){0};
	p->id = id;
	if (!row[0] || parse_int64(row[0], 1, INT64_MAX, &p->author_id) != 0)
		return -1;
	s = proposal_status_parse(row[5]);
	p->kind = row[1];
	p->sector = row[2];
	p->title = row[3];
	p->body = row[4];
	p->status = s < 0 ? PROP_RECEIVED : (enum proposal_status)s;
	p->created_at = row[6];
	p->updated_at = row[7];
	p->flagged_at = row[8];
	return 1;
}

int64_t proposal_supports(struct db *db, struct arena *a, int64_t id)
{
	int64_t n;

	if (db_query_int(db, "SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = $1", 1,
	                 (const char *[]){sql_int(a, id)}, &n) != DB_OK)
		return -1;
	return n;
}

int proposal_supported_by(struct db *db, struct arena *a, int64_t id, int64_t user_id)
{
	int64_t n;

	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = $1 AND "
	                 "user_id = $2",
	                 2, (const char *[]){sql_int(a, id), sql_int(a, user_id)}, &n) != DB_OK)
		return -1;
	return n > 0;
}

int proposal_support_add(struct db *db, struct arena *a, int64_t id, int64_t user_id,
                         const char *now)
{
	int64_t rc = sql_exec(db,
	                      "INSERT INTO proposal_supports (proposal_id, user_id, created_at) "
	                      "VALUES ($1, $2, $3) ON CONFLICT (proposal_id, user_id) DO NOTHING",
	                      3, (const char *[]){sql_int(a, id), sql_int(a, user_id), now});

	return rc < 0 ? -1 : rc > 0;
}

int proposal_support_told(struct db *db, struct arena *a, int64_t id, int64_t n)
{
	const char *count = sql_int(a, n);
	int64_t rc =
	        sql_exec(db,
	                 "UPDATE proposals SET told_supports = CAST($2 AS INTEGER) WHERE id = $1 "
	                 "AND told_supports < CAST($2 AS INTEGER)",
	                 2, (const char *[]){sql_int(a, id), count});

	return rc < 0 ? -1 : rc > 0;
}

int proposal_support_remove(struct db *db, struct arena *a, int64_t id, int64_t user_id)
{
	int64_t rc = sql_exec(
	        db, "DELETE FROM proposal_supports WHERE proposal_id = $1 AND user_id = $2", 2,
	        (const char *[]){sql_int(a, id), sql_int(a, user_id)});

	return rc < 0 ? -1 : rc > 0;
}

int proposal_comment_add(struct db *db, struct arena *a, int64_t comment_id, int64_t id,
                         int64_t author_id, const char *body, const char *now)
{
	return sql_exec(db,
	                "INSERT INTO proposal_comments (id, proposal_id, author_id, body, "
	                "created_at) VALUES ($1, $2, $3, $4, $5)",
	                5,
	                (const char *[]){sql_int(a, comment_id), sql_int(a, id),
	                                 sql_int(a, author_id), body, now}) == 1
	               ? 0
	               : -1;
}

int proposal_comment_hide(struct db *db, struct arena *a, int64_t comment_id, int hide,
                          int64_t actor_id, const char *now, int64_t *proposal_id)
{
	const char *cid = sql_int(a, comment_id);
	int64_t rc;

	if (db_query_int(db, "SELECT proposal_id FROM proposal_comments WHERE id = $1", 1,
	                 (const char *[]){cid}, proposal_id) != DB_OK)
		return -1;
	if (hide)
		rc = sql_exec(
		        db,
		        "UPDATE proposal_comments SET hidden_at = $2, hidden_by = $3 WHERE id = "
		        "$1 AND hidden_at IS NULL",
		        3, (const char *[]){cid, now, sql_int(a, actor_id)});
	else
		rc = sql_exec(
		        db,
		        "UPDATE proposal_comments SET hidden_at = NULL, hidden_by = NULL WHERE "
		        "id = $1 AND hidden_at IS NOT NULL",
		        1, (const char *[]){cid});
	return rc < 0 ? -1 : rc > 0;
}

int proposal_answer(struct db *db, struct arena *a, struct proposal *p, enum proposal_status to,
                    int64_t answer_id, int64_t actor_id, const char *answer, const char *now)
{
	const char *id = sql_int(a, p->id), *from = proposal_status_name(p->status);
	int64_t rc = sql_exec(db,
	                      "UPDATE proposals SET status = $2, updated_at = $4 WHERE id = $1 AND "
	                      "status = $3",
	                      4, (const char *[]){id, proposal_status_name(to), from, now});

	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	if (sql_exec(db,
	             "INSERT INTO proposal_answers (id, proposal_id, actor_id, from_status, "
	             "to_status, answer, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	             7,
	             (const char *[]){sql_int(a, answer_id), id,
	                              actor_id ? sql_int(a, actor_id) : NULL, from,
	                              proposal_status_name(to), answer, now}) != 1)
		return -1;
	p->status = to;
	p->updated_at = now;
	return 1;
}

/* ---- Nobody waits in silence ---------------------------------------------------------- */

#define BATCH 100

struct overdue {
	struct app *app;
	struct arena *a;
	int64_t id;
	const char *title, *now;
	int flagged;
};

/* One proposal flagged (conditional on its still being received and not
 * flagged) and the programme team told, in one transaction. */
static int flag_tx(struct db *db, void *ud)
{
	struct overdue *o = ud;
	const char *id = sql_int(o->a, o->id);
	const char *vars[] = {"title", o->title, NULL};
	int64_t rc =
	        sql_exec(db,
	                 "UPDATE proposals SET flagged_at = $2 WHERE id = $1 AND flagged_at IS "
	                 "NULL AND status = 'received'",
	                 2, (const char *[]){id, o->now});

	if (rc <= 0)
		return rc < 0 ? -1 : (o->flagged = 0);
	o->flagged = 1;
	return notify_programme(o->app, db, "proposal.overdue",
	                        arena_printf(o->a, "/admin/proposals/%s", id), vars);
}

int proposals_flag_run(struct app *app, struct db *db, int64_t now)
{
	char iso[ISO_TIME_LEN + 1], limit[ISO_TIME_LEN + 1];
	struct arena a = ARENA_INIT;
	int64_t after = 0;
	int total = 0, n;

	iso_time(now, iso);
	iso_time(now - (int64_t)app->cfg->proposals_answer_days * 86400, limit);
	do {
		struct overdue rows[BATCH];
		struct db_stmt *st = db_prepare(
		        db,
		        "SELECT id, title FROM proposals WHERE status = 'received' AND flagged_at "
		        "IS NULL AND created_at <= $1 AND id > $2 ORDER BY id LIMIT 100");
		enum db_rc rc = DB_ERROR;

		n = 0;
		if (st && db_bind_text(st, 1, limit) == DB_OK && db_bind_int(st, 2, after) == DB_OK)
			while (n < BATCH && (rc = db_step(st)) == DB_ROW)
				rows[n++] = (struct overdue){app,
				                             &a,
				                             db_col_int(st, 0),
				                             arena_strdup(&a, db_col_text(st, 1)),
				                             arena_strdup(&a, iso),
				                             0};
		db_finalize(st);
		if (rc != DB_OK && rc != DB_ROW) {
			log_error("proposals: flag: %s", db_errmsg(db));
			arena_free(&a);
			return -1;
		}
		for (int i = 0; i < n; i++) {
			after = rows[i].id;
			if (sql_tx(app->pool, flag_tx, &rows[i]) < 0) {
				arena_free(&a);
				return -1;
			}
			total += rows[i].flagged;
		}
	} while (n == BATCH);
	arena_free(&a);
	return total;
}
