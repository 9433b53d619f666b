/* consultation_rights: the data rights for consultations (see
 * consultation_rights.h). */
#include "app/consultation_rights.h"

#include <string.h>

#include "app/consultations.h"
#include "app/sql.h"
#include "db/db.h"

#define IDS_MAX 10000 /* consultations one person may concern */

/* The ids a query with $1 = user_id gives: its first column into *out and,
 * when second is not NULL, its second one into *second (arena): how many,
 * or -1. */
static int ids_of(struct db *db, struct arena *a, const char *sql, int64_t user_id, int64_t **out,
                  int64_t **second)
{
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc rc = DB_ERROR;
	size_t cap = 16;
	int n = 0;
	int64_t *first = arena_alloc(a, cap * sizeof(*first));
	int64_t *other = arena_alloc(a, cap * sizeof(*other));

	if (st && db_bind_int(st, 1, user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			if (n == IDS_MAX) {
				rc = DB_ERROR;
				break;
			}
			if ((size_t)n == cap) { /* the arena frees the old arrays with the rest */
				int64_t *f = arena_alloc(a, 2 * cap * sizeof(*f));
				int64_t *o = arena_alloc(a, 2 * cap * sizeof(*o));
				memcpy(f, first, cap * sizeof(*f));
				memcpy(o, other, cap * sizeof(*o));
				first = f;
				other = o;
				cap *= 2;
			}
			first[n] = db_col_int(st, 0);
			other[n++] = second ? db_col_int(st, 1) : 0;
		}
	db_finalize(st);
	*out = first;
	if (second)
		*second = other;
	return rc < 0 ? -1 : n;
}

/* ---- Export ---------------------------------------------------------------------- */

/* The participations: [{consultation_id, title}]. 0/-1. */
static int participations(struct db *db, struct arena *a, int64_t user_id, enum lang l, json_t *out)
{
	int64_t *ids;
	int n = ids_of(db, a,
	               "SELECT consultation_id FROM consultation_participants WHERE user_id = $1 "
	               "ORDER BY consultation_id",
	               user_id, &ids, NULL);

	for (int i = 0; i < n; i++) {
		struct consultation c;
		if (cons_load(db, a, ids[i], &c) != 1)
			return -1;
		json_array_append_new(out, json_pack("{s:I, s:s}", "consultation_id",
		                                     (json_int_t)c.id, "title", cons_title(&c, l)));
	}
	return n < 0 ? -1 : 0;
}

static const struct cons_question *question_of(const struct cons_question *q, int nq, int64_t id)
{
	for (int i = 0; i < nq; i++)
		if (q[i].id == id)
			return &q[i];
	return NULL;
}

/* One stored answer to q, as {…, kind, choice | scale | text}. */
static json_t *answer_json(const struct consultation *c, const struct cons_question *q, enum lang l,
                           struct db_stmt *st, struct arena *a)
{
	json_t *o = json_pack("{s:I, s:s, s:i, s:s, s:s}", "consultation_id", (json_int_t)c->id,
	                      "title", cons_title(c, l), "position", q->position, "question",
	                      q->prompt, "kind", cons_kind_name(q->kind));
	int64_t v;

	switch (q->kind) {
	case CK_CHOICE:
		v = db_col_int(st, 1);
		json_object_set_new(o, "choice",
		                    v >= 1 && v <= q->noptions ? json_string(q->options[v - 1])
		                                               : json_null());
		break;
	case CK_SCALE:
		json_object_set_new(o, "scale", json_integer(db_col_int(st, 2)));
		break;
	case CK_TEXT:
	case CK_COUNT:
		json_object_set_new(o, "text", json_string(sql_col_text(st, a, 3)));
		break;
	}
	return o;
}

/* The answers of one named response, in the order of the questions. 0/-1. */
static int response_answers(struct db *db, struct arena *a, int64_t response, int64_t cid,
                            enum lang l, json_t *out)
{
	struct consultation c;
	struct cons_question q[CONS_QUESTIONS_MAX];
	int nq;
	struct db_stmt *st;
	enum db_rc rc = DB_ERROR;

	if (cons_load(db, a, cid, &c) != 1 || (nq = cons_questions(db, a, cid, q)) < 0)
		return -1;
	st = db_prepare(db, "SELECT x.question_id, x.choice, x.scale, x.answer_text FROM "
	                    "consultation_answers x JOIN consultation_questions q ON q.id = "
	                    "x.question_id WHERE x.response_id = $1 ORDER BY q.position");
	if (st && db_bind_int(st, 1, response) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			const struct cons_question *qq = question_of(q, nq, db_col_int(st, 0));
			if (qq)
				json_array_append_new(out, answer_json(&c, qq, l, st, a));
		}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* The answers of every named response: [{…}]. 0/-1. */
static int named_answers(struct db *db, struct arena *a, int64_t user_id, enum lang l, json_t *out)
{
	int64_t *resp, *cons;
	int n = ids_of(db, a,
	               "SELECT id, consultation_id FROM consultation_responses WHERE user_id = $1 "
	               "ORDER BY consultation_id, id",
	               user_id, &resp, &cons);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (response_answers(db, a, resp[i], cons[i], l, out) < 0)
			return -1;
	return 0;
}

json_t *cons_rights_export(struct db *db, struct arena *a, int64_t user_id, enum lang l)
{
	json_t *took = json_array(), *answers = json_array();

	if (participations(db, a, user_id, l, took) < 0 ||
	    named_answers(db, a, user_id, l, answers) < 0) {
		json_decref(took);
		json_decref(answers);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "participations", took, "answers", answers);
}

/* ---- Erasure ---------------------------------------------------------------------- */

int cons_rights_forget(struct db *db, struct arena *a, int64_t user_id)
{
	const char *uid = sql_int(a, user_id);
	int64_t *named;
	int n = ids_of(db, a,
	               "SELECT DISTINCT consultation_id FROM consultation_responses WHERE user_id "
	               "= $1 ORDER BY consultation_id",
	               user_id, &named, NULL);

	if (n < 0 ||
	    sql_exec(db, "UPDATE consultation_responses SET user_id = NULL WHERE user_id = $1", 1,
	             (const char *[]){uid}) < 0 ||
	    sql_exec(db, "DELETE FROM consultation_participants WHERE user_id = $1", 1,
	             (const char *[]){uid}) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (cons_mix(db, a, named[i]) < 0)
			return -1;
	return 0;
}
