/* audit: the append-only, hash-chained audit log.
 *
 * Records sign-ins and their failures, role changes, admin actions, and
 * every view of someone's personal data by another person. Each row's hash
 * is SHA-256 over the previous row's hash and this row's fields, so
 * altering, inserting or deleting a row breaks the chain from there on:
 * audit_verify (and `kafaat audit verify`) finds the first broken row.
 */
#ifndef KAFAAT_APP_AUDIT_H
#define KAFAAT_APP_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct audit_entry {
	int64_t actor_id;        /* 0: nobody signed in (or the system) */
	const char *action;      /* stable code: "signin", "signin_failed", "role_granted", … */
	const char *target_type; /* "user", "institution", … or "" */
	const char *target_id;   /* or "" */
	const char *ip;          /* client address, or "" */
	const char *details;     /* compact JSON object, or "" */
};

/* Appends one row at time `now` (Unix seconds). Must run inside the
 * caller's transaction (it reads the last row and writes the next). Returns
 * 0, or -1 (db_errmsg says why). */
int audit_append(struct db *db, int64_t now, const struct audit_entry *e);

/* Walks the whole chain. Returns the number of rows checked when intact, or
 * -1 with *bad_seq set to the first row whose hash or link is wrong (0 when
 * the failure was reading the table) and a reason in err. */
int64_t audit_verify(struct db *db, int64_t *bad_seq, char *err, size_t errlen);

#endif
