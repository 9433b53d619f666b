/* evaluations: how a mission went, in the words of both sides.
 *
 * At delivery, the expert and the institution each answer a short
 * questionnaire (a rating 1–5, a few questions, a comment) at
 * /LANG/engagements/ID/evaluate; when both have answered, the engagement
 * moves to evaluated (EA_EVALUATE, the step of whoever answered second).
 * Six and twelve months after delivery a follow-up questionnaire goes to
 * both sides: the job (evaluations_followups_run, hourly on the mail
 * sender's thread, see deadlines.h) creates their evaluations rows with
 * requested_at and notifies them; the answers fill the same rows. Every
 * answer is kept.
 */
#ifndef KAFAAT_APP_EVALUATIONS_H
#define KAFAAT_APP_EVALUATIONS_H

#include <stdint.h>

struct app;
struct db;
struct engagement;

enum eval_round { ROUND_DELIVERY, ROUND_6M, ROUND_12M, ROUNDS };

/* "delivery", "6m", "12m"; and back (-1 when unknown). */
const char *eval_round_name(enum eval_round r);
int eval_round_parse(const char *s);

/* The rounds (bits 1 << round) that side ("expert" or "institution") may
 * answer now on e: delivery while e is delivered and that side has not
 * answered; a follow-up once requested and not yet answered. -1 on error. */
int evaluations_due(struct db *db, const struct engagement *e, const char *side);

/* Requests the follow-up questionnaires due at now. Not inside a
 * transaction. Returns how many engagements got one, or -1. */
int evaluations_followups_run(struct app *app, struct db *db, int64_t now);

#endif
