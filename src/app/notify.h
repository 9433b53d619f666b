/* notify: telling each person what concerns them.
 *
 * Every state change that concerns someone (a need published or sent back,
 * an application answered, an invitation, a confirmation, a deadline, an
 * evaluation due...) calls notify() inside the transaction that made the
 * change: it adds a row to the person's in-app inbox (notifications) and,
 * when they chose "immediate" (users.notify), queues a mail through
 * mail_enqueue in their language. People who chose "digest" get one mail a
 * day listing what arrived since the last one (notify_digest_run, on the
 * mail sender's thread; several nodes never send a digest twice).
 *
 * The text comes from the catalogues: notify.KIND.text for the inbox line,
 * notify.KIND.subject and notify.KIND.body for the mail, with {name}
 * placeholders filled from vars ("~name": the value is a catalogue key,
 * translated; "name@ar", "name@fr", "name@en": the value of {name} in that
 * language, for data written in the three languages such as an
 * institution's name); link is a path without the language
 * prefix ("/needs/123"), shown in the person's language.
 */
#ifndef KAFAAT_APP_NOTIFY_H
#define KAFAAT_APP_NOTIFY_H

#include <stdint.h>

struct app;
struct db;

/* Notifies user_id of `kind` (vars: NULL-terminated name, value pairs).
 * Runs on db, the caller's transaction. 0, or -1 (logged). */
int notify(struct app *app, struct db *db, int64_t user_id, const char *kind, const char *link,
           const char *const *vars);

/* Notifies every owner and member of institution_id. 0 or -1. */
int notify_institution(struct app *app, struct db *db, int64_t institution_id, const char *kind,
                       const char *link, const char *const *vars);

/* Notifies every member of the programme team (admins). 0 or -1. */
int notify_programme(struct app *app, struct db *db, const char *kind, const char *link,
                     const char *const *vars);

/* Queues the daily digests due at now (Unix seconds). Not inside a
 * transaction. Returns how many were queued, or -1. */
int notify_digest_run(struct app *app, struct db *db, int64_t now);

#endif
