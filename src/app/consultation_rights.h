/* consultation_rights: a person's consultations in "download my data", and
 * what erasing their account does to them (docs/CONSULTATIONS.md,
 * "Privacy"; the catalogue is db/personal_data.tsv). Called by rights.c,
 * for the web's erasure and for the one `kafaat restore` replays alike.
 *
 * Only what is stored with the person's id is theirs: the participations
 * and the named responses. An anonymous response is stored without any
 * link to its author, so it is in no export and no erasure finds it.
 */
#ifndef KAFAAT_APP_CONSULTATION_RIGHTS_H
#define KAFAAT_APP_CONSULTATION_RIGHTS_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "web/i18n.h"

struct db;

/* {"participations": [{consultation_id, title}], "answers":
 * [{consultation_id, title, position, question, kind, choice | scale |
 * text}]}: the consultations user_id took part in, and each answer of their
 * named responses with its question; titles in l (else the author's
 * language). A new reference (the caller's), or NULL on error. */
json_t *cons_rights_export(struct db *db, struct arena *a, int64_t user_id, enum lang l);

/* Inside the erasure's transaction, before the catalogue's deletions: the
 * person's named responses become anonymous (user_id NULL; their answers
 * stay in the summaries and its counts), their participations go, and each
 * consultation concerned is mixed again (cons_mix), so that no row version
 * tells which anonymous response was named. 0/-1. */
int cons_rights_forget(struct db *db, struct arena *a, int64_t user_id);

#endif
