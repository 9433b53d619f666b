/* evaluations: the questionnaires at delivery and at +6 and +12 months, the
 * page that answers them, and the follow-up job (see evaluations.h). */
#include "app/evaluations.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/engagements.h"
#include "app/freshness.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/search.h"
#include "app/sql.h"
#include "app/users.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/utf8.h"

#define COMMENT_MAX 2000 /* characters */
#define BATCH 100

static const char *const round_names[ROUNDS] = {"delivery", "6m", "12m"};
static const int round_months[ROUNDS] = {0, 6, 12};

const char *eval_round_name(enum eval_round r)
{
	return (unsigned)r < ROUNDS ? round_names[r] : "";
}

int eval_round_parse(const char *s)
{
	for (int i = 0; s && i < ROUNDS; i++)
		if (strcmp(round_names[i], s) == 0)
			return i;
	return -1;
}

/* ---- The questionnaires ---------------------------------------------------------- */

/* A question: its name (form field, answers key, catalogue keys
 * evaluation.q.NAME) and its answers (evaluation.a.ANSWER). */
struct question {
	const char *name;
	const char *const *answers;
};

static const char *const yes_partly_no[] = {"yes", "partly", "no", NULL};
static const char *const yes_no[] = {"yes", "no", NULL};

static const struct question delivery_questions[] = {
        {"objectives", yes_partly_no}, /* were the mission's objectives met? */
        {"again", yes_no},             /* would you work together again? */
        {NULL, NULL},
};
static const struct question followup_questions[] = {
        {"lasting", yes_partly_no}, /* is the mission's result still in use? */
        {"continued", yes_no},      /* have you kept working together since? */
        {NULL, NULL},
};

static const struct question *questions_of(enum eval_round r)
{
	return r == ROUND_DELIVERY ? delivery_questions : followup_questions;
}

static int answer_ok(const struct question *q, const char *v)
{
	for (const char *const *a = q->answers; *a; a++)
		if (strcmp(*a, v) == 0)
			return 1;
	return 0;
}

/* ---- What is due ------------------------------------------------------------------ */

int evaluations_due(struct db *db, const struct engagement *e, const char *side)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT round, requested_at IS NOT NULL, answered_at IS "
	                       "NOT NULL FROM evaluations WHERE engagement_id = $1 AND "
	                       "side = $2");
	enum db_rc rc = DB_ERROR;
	int due = e->state == ENG_DELIVERED ? 1 << ROUND_DELIVERY : 0;

	if (st && db_bind_int(st, 1, e->id) == DB_OK && db_bind_text(st, 2, side) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int r = eval_round_parse(db_col_text(st, 0));
			if (r < 0)
				continue;
			if (db_col_int(st, 2))
				due &= ~(1 << r);
			else if (r != ROUND_DELIVERY && db_col_int(st, 1))
				due |= 1 << r;
		}
	db_finalize(st);
	return rc == DB_OK ? due : -1;
}

/* ---- The follow-up job ------------------------------------------------------------ */

struct followup {
	struct app *app;
	struct arena *a;
	enum eval_round round;
	int64_t id;
	int64_t now;
};

static int request_side(struct followup *f, struct db *db, const struct engagement *e,
                        const char *side, enum eng_side to)
{
	char now[ISO_TIME_LEN + 1];
	int64_t n;

	iso_time(f->now, now);
	n = sql_exec(
	        db,
	        "INSERT INTO evaluations (engagement_id, side, round, requested_at) VALUES ($1, "
	        "$2, $3, $4) ON CONFLICT (engagement_id, side, round) DO NOTHING",
	        4, (const char *[]){sql_int(f->a, e->id), side, eval_round_name(f->round), now});
	if (n != 1)
		return n < 0 ? -1 : 0;
	return engagement_tell(f->app, db, f->a, e, NULL, to,
	                       f->round == ROUND_6M ? "evaluation.followup_6m"
	                                            : "evaluation.followup_12m",
	                       arena_printf(f->a, "/engagements/%lld/evaluate?round=%s",
	                                    (long long)e->id, eval_round_name(f->round))) < 0
	               ? -1
	               : 1;
}

static int followup_tx(struct db *db, void *ud)
{
	struct followup *f = ud;
	struct engagement e;
	int rc = engagement_load(db, f->a, f->id, &e), x, y;

	if (rc != 1)
		return rc < 0 ? -1 : 0;
	if ((x = request_side(f, db, &e, "expert", ENG_TO_EXPERT)) < 0 ||
	    (y = request_side(f, db, &e, "institution", ENG_TO_INSTITUTION)) < 0)
		return -1;
	return x || y;
}

static int followup_batch(struct db *db, struct followup *f, const char *cutoff, int64_t after,
                          int64_t *ids)
{
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT id FROM engagements e WHERE " ENG_MOBILISED " AND delivered_at <= $1 AND "
	        "id > $2 AND NOT EXISTS (SELECT 1 FROM evaluations v WHERE v.engagement_id = "
	        "e.id AND v.round = $3) ORDER BY id LIMIT 100");
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_text(st, 1, cutoff) == DB_OK && db_bind_int(st, 2, after) == DB_OK &&
	    db_bind_text(st, 3, eval_round_name(f->round)) == DB_OK)
		while (n < BATCH && (rc = db_step(st)) == DB_ROW)
			ids[n++] = db_col_int(st, 0);
	if (rc == DB_ROW)
		rc = DB_OK;
	db_finalize(st);
	if (rc != DB_OK)
		log_error("follow-ups: %s", db_errmsg(db));
	return rc == DB_OK ? n : -1;
}

static int followup_round(struct app *app, struct db *db, enum eval_round r, int64_t now)
{
	struct arena a = ARENA_INIT;
	struct followup f = {app, &a, r, 0, now};
	char cutoff[ISO_TIME_LEN + 1];
	int64_t ids[BATCH], after = 0;
	int n, total = 0;

	iso_time(months_before(now, round_months[r]), cutoff);
	do {
		n = followup_batch(db, &f, cutoff, after, ids);
		for (int i = 0; i < n; i++) {
			f.id = after = ids[i];
			int rc = sql_tx(app->pool, followup_tx, &f);
			arena_free(&a);
			if (rc < 0)
				return -1;
			total += rc;
		}
	} while (n == BATCH);
	return n < 0 ? -1 : total;
}

int evaluations_followups_run(struct app *app, struct db *db, int64_t now)
{
	int total = 0;

	for (int r = ROUND_6M; r < ROUNDS; r++) {
		int n = followup_round(app, db, (enum eval_round)r, now);
		if (n < 0)
			return -1;
		total += n;
	}
	if (total > 0)
		log_info("follow-ups: %d questionnaire(s) requested", total);
	return total;
}

/* ---- The page ----------------------------------------------------------------------- */

struct evaluate {
	struct pp c;
	struct engagement e;
	const char *side; /* "expert" or "institution" */
	enum actor actor;
	enum eval_round round;
	int rating;
	const char *answers; /* JSON */
	const char *comment;
	int saved; /* 1 saved, 0 not due any more */
};

/* Loads the engagement and decides the side; 1, 0 (not theirs), -1. */
static int load(struct evaluate *v, int64_t id)
{
	struct db *db = db_pool_get(v->c.app->pool);
	int rc = engagement_load(db, &v->c.req->arena, id, &v->e);
	const struct identity *me = v->c.id;

	db_pool_put(v->c.app->pool, db);
	if (rc != 1)
		return rc;
	if (v->e.expert_id == me->user_id) {
		v->side = "expert";
		v->actor = ACTOR_EXPERT;
	} else if (me->institution_id && me->institution_id == v->e.institution_id &&
	           (me->roles & (ROLE_INSTITUTION_OWNER | ROLE_INSTITUTION_MEMBER))) {
		v->side = "institution";
		v->actor = ACTOR_INSTITUTION;
	} else {
		return 0;
	}
	return 1;
}

static json_t *questions_json(struct evaluate *v, json_t *form)
{
	json_t *values = json_object_get(form, "values"), *errors = json_object_get(form, "errors");
	json_t *out = json_array();
	struct arena *a = &v->c.req->arena;

	for (const struct question *q = questions_of(v->round); q->name; q++) {
		json_t *answers = json_array();
		const char *chosen = json_string_value(json_object_get(values, q->name));
		for (const char *const *x = q->answers; *x; x++)
			json_array_append_new(
			        answers, json_pack("{s:s, s:s, s:b}", "value", *x, "label",
			                           arena_printf(a, "evaluation.a.%s", *x),
			                           "checked", chosen && strcmp(chosen, *x) == 0));
		json_array_append_new(
		        out, json_pack("{s:s, s:s, s:o, s:O?}", "name", q->name, "label",
		                       arena_printf(a, "evaluation.q.%s", q->name), "answers",
		                       answers, "error", json_object_get(errors, q->name)));
	}
	return out;
}

static void show(struct evaluate *v, int status, json_t *form)
{
	const char *rating =
	        json_string_value(json_object_get(json_object_get(form, "values"), "rating"));
	json_t *ratings = json_array();

	for (int i = 1; i <= 5; i++) {
		char s[2] = {(char)('0' + i), '\0'};
		json_array_append_new(ratings, json_pack("{s:s, s:b}", "value", s, "checked",
		                                         rating && strcmp(rating, s) == 0));
	}
	page_render(v->c.app, v->c.req, v->c.resp, status, "evaluation", "evaluation.title",
	            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id",
	                      sql_int(&v->c.req->arena, v->e.id), "round",
	                      eval_round_name(v->round), "round_title",
	                      arena_printf(&v->c.req->arena, "evaluation.round.%s",
	                                   eval_round_name(v->round)),
	                      "side", v->side, "need", v->e.need_title ? v->e.need_title : "",
	                      "institution", v->e.institution_name[v->c.l], "expert",
	                      engagement_expert_name(&v->e), "questions", questions_json(v, form),
	                      "ratings", ratings, "form", form));
}

/* Reads and checks the answers; the form (with errors, if any) to show. */
static json_t *check(struct evaluate *v, int *ok)
{
	struct request *req = v->c.req;
	struct form f;
	json_t *answers = json_object();
	const char *rating = form_value(req, "rating");
	int64_t r = 0;

	form_init(&f);
	form_keep(&f, "rating", rating);
	if (parse_int64(rating, 1, 5, &r) < 0)
		form_error(&f, "rating", "evaluation.error.rating");
	for (const struct question *q = questions_of(v->round); q->name; q++) {
		const char *a = form_value(req, q->name);
		form_keep(&f, q->name, a);
		if (!answer_ok(q, a))
			form_error(&f, q->name, "evaluation.error.answer");
		json_object_set_new(answers, q->name, json_string(a));
	}
	v->comment = form_value(req, "comment");
	form_keep(&f, "comment", v->comment);
	if (utf8_length(v->comment, strlen(v->comment)) > COMMENT_MAX)
		form_error(&f, "comment", "evaluation.error.comment_long");
	v->rating = (int)r;
	char *s = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
	v->answers = arena_strdup(&req->arena, s ? s : "{}");
	free(s);
	json_decref(answers);
	*ok = !form_has_errors(&f);
	return form_json(&f);
}

/* Both delivery evaluations in: the engagement is evaluated. */
static int maybe_evaluated(struct evaluate *v, struct db *db, struct engagement *e)
{
	int64_t n;
	char id[24];
	struct eng_step s = {EA_EVALUATE, v->actor,         v->c.id->user_id, "",
	                     "",          req_ip(v->c.req), v->c.now};

	snprintf(id, sizeof(id), "%lld", (long long)e->id);
	if (db_query_int(db,
	                 "SELECT COUNT(*) FROM evaluations WHERE engagement_id = $1 AND round = "
	                 "'delivery' AND answered_at IS NOT NULL",
	                 1, (const char *[]){id}, &n) != DB_OK)
		return -1;
	if (n < 2 || e->state != ENG_DELIVERED)
		return 0;
	return engagement_step(v->c.app, db, &v->c.req->arena, e, &s) < 0 ? -1 : 0;
}

static int save_tx(struct db *db, void *ud)
{
	struct evaluate *v = ud;
	struct arena *a = &v->c.req->arena;
	char now[ISO_TIME_LEN + 1];
	struct engagement e;
	int64_t n;
	int due;

	if (engagement_load(db, a, v->e.id, &e) != 1 ||
	    (due = evaluations_due(db, &e, v->side)) < 0)
		return -1;
	if (!(due & (1 << v->round)))
		return 0; /* answered meanwhile, or no longer due */
	iso_time(v->c.now, now);
	const char *p[] = {
	        sql_int(a, e.id), v->side,    eval_round_name(v->round),    sql_int(a, v->rating),
	        v->answers,       v->comment, sql_int(a, v->c.id->user_id), now};
	n = sql_exec(
	        db,
	        v->round == ROUND_DELIVERY
	                ? "INSERT INTO evaluations (engagement_id, side, round, rating, answers, "
	                  "comment, author_id, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
	                  "$8) ON CONFLICT (engagement_id, side, round) DO NOTHING"
	                : "UPDATE evaluations SET rating = $4, answers = $5, comment = $6, "
	                  "author_id = $7, answered_at = $8 WHERE engagement_id = $1 AND side = "
	                  "$2 AND round = $3 AND answered_at IS NULL",
	        8, p);
	if (n != 1)
		return n < 0 ? -1 : 0;
	struct audit_entry ae = {v->c.id->user_id,
	                         "evaluation_given",
	                         "engagement",
	                         p[0],
	                         req_ip(v->c.req),
	                         arena_printf(a, "{\"side\":\"%s\",\"round\":\"%s\"}", v->side,
	                                      eval_round_name(v->round))};
	/* an institution's rating feeds matching (past evaluations) */
	if (audit_append(db, v->c.now, &ae) < 0 ||
	    (strcmp(v->side, "institution") == 0 &&
	     search_touch(db, "expert", e.expert_id, v->c.now) < 0))
		return -1;
	v->saved = 1;
	return v->round == ROUND_DELIVERY ? maybe_evaluated(v, db, &e) : 0;
}

static void done(struct evaluate *v)
{
	if (v->actor == ACTOR_EXPERT)
		pp_redirect(&v->c,
		            arena_printf(&v->c.req->arena, "engagements?done=evaluated#e-%lld",
		                         (long long)v->e.id));
	else
		pp_redirect(&v->c,
		            arena_printf(&v->c.req->arena,
		                         "institution/needs/%lld/engagements?done=evaluated#e-%lld",
		                         (long long)v->e.need_id, (long long)v->e.id));
}

/* GET shows the questionnaire due; POST answers it. */
void h_evaluate(void *ctx, struct request *req, struct response *resp)
{
	struct evaluate v = {0};
	const char *q = kvlist_get(&req->query, "round");
	int r = q ? eval_round_parse(q) : ROUND_DELIVERY, rc = 0, due = -1, ok;
	int64_t id;

	pp_init(&v.c, ctx, req, resp);
	if (r < 0 || parse_int64(req_param(req, "id"), 1, INT64_MAX, &id) < 0 ||
	    (rc = load(&v, id)) == 0) {
		pp_not_found(&v.c);
		return;
	}
	v.round = (enum eval_round)r;
	if (rc > 0) {
		struct db *db = db_pool_get(v.c.app->pool);
		due = evaluations_due(db, &v.e, v.side);
		db_pool_put(v.c.app->pool, db);
	}
	if (due < 0) {
		page_unavailable(v.c.app, req, resp);
		return;
	}
	if (!(due & (1 << v.round))) {
		page_message(v.c.app, req, resp, req->method == HTTP_POST ? 422 : 200,
		             "evaluation.not_due.title", "evaluation.not_due.message", NULL);
		return;
	}
	if (req->method != HTTP_POST) {
		show(&v, 200, json_object());
		return;
	}
	json_t *form = check(&v, &ok);
	if (!ok) {
		show(&v, 422, form);
		return;
	}
	json_decref(form);
	if (sql_tx(v.c.app->pool, save_tx, &v) < 0)
		page_unavailable(v.c.app, req, resp);
	else if (!v.saved)
		page_message(v.c.app, req, resp, 422, "evaluation.not_due.title",
		             "evaluation.not_due.message", NULL);
	else
		done(&v);
}
