/* consultation_pages: what the consultation pages share
 * (consultation_pages.c: the audience's pages; consultation_manage.c: the
 * authors' pages). */
#ifndef KAFAAT_APP_CONSULTATION_PAGES_H
#define KAFAAT_APP_CONSULTATION_PAGES_H

#include <jansson.h>

#include "app/consultations.h"
#include "app/profile_pages.h"

struct db;

/* One request about a consultation: it, its questions, and what the
 * viewer is to it (manager: may manage it; audience: in its audience;
 * answered: has answered). */
struct cv {
	struct pp c;
	struct consultation k;
	struct cons_question q[CONS_QUESTIONS_MAX];
	int nq;
	enum cons_phase phase;
	const char *today;
	int manager, audience, answered;
};

/* Loads the consultation of the path: 1, or 0/-1 with the 404/503 sent. */
int cv_load(struct cv *v, void *ctx, struct request *req, struct response *resp);
/* May the viewer manage consultations addressed to audience a / value:
 * the programme team always; a coordinator for a network they coordinate
 * (network_may NET_CONSULT). 1, 0, -1. */
int cv_may_manage_audience(struct pp *c, struct db *db, enum cons_audience a, const char *value);
struct cons_actor cv_actor(struct pp *c);
void cv_forbidden(struct pp *c);
/* A day "YYYY-MM-DD" in words in the page's language. */
const char *cv_day_text(struct pp *c, const char *day);
/* The audience in words: {key, value}; db may be NULL (no network name). */
json_t *cv_audience_json(struct pp *c, struct db *db, const struct consultation *k);

#endif
