/* mail: the outbox and its sender.
 *
 * Handlers never send mail: they queue it with mail_enqueue inside their
 * own transaction, so a mail exists exactly when the change that caused it
 * was committed. A sender thread (one per node) leases due rows
 * (outbox.locked_until) so that several nodes never send the same mail,
 * delivers them (SMTP through libcurl, or files in a spool folder for
 * `make run`), and retries failures with exponential backoff (1 min, 2, 4,
 * … capped at 6 h; given up after 10 attempts, recorded in failed_at).
 * Every mail is written in its recipient's language from the catalogues:
 * KEY.subject and KEY.body, with {name} placeholders.
 */
#ifndef KAFAAT_APP_MAIL_H
#define KAFAAT_APP_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "web/i18n.h"

struct app;
struct db;

/* Queues a mail to `to` in language l from catalogue keys KEY.subject and
 * KEY.body; vars is a NULL-terminated list of name, value pairs replacing
 * {name} (e.g. {"link", url, NULL}). Runs on db (the caller's transaction).
 * Returns 0, or -1 (logged). */
int mail_enqueue(struct app *app, struct db *db, const char *to, enum lang l, const char *key,
                 const char *const *vars);

/* Writes mail `id` exactly as it is (or will be) sent, into out. Returns
 * 1, 0 when there is no such mail, or -1 on error. */
struct buf;
struct config;
int mail_message(const struct config *cfg, struct db *db, int64_t id, struct buf *out);

/* Sends what is due now, at most max mails. Must not run inside a
 * transaction: the lease must be visible to other nodes before delivery. Returns how many were
 * sent, or -1 when the outbox could not be read. Used by the sender thread, by `kafaat mail send`
 * and by tests. */
int mail_send_due(struct app *app, struct db *db, int max);

/* The background sender: wakes every second (and when mail_wake is
 * called), sends what is due. */
struct mail_sender;
struct mail_sender *mail_sender_start(struct app *app);
void mail_wake(struct mail_sender *s);
void mail_sender_stop(struct mail_sender *s);

#endif
