/* users: accounts as stored, one-time tokens, sign-in throttling, form
 * helpers shared by the account pages (signup.c, signin.c, password.c,
 * account.c, admin.c). */
#ifndef KAFAAT_APP_USERS_H
#define KAFAAT_APP_USERS_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "web/i18n.h"

struct app;
struct db;

#define EMAIL_MAX 254

/* ---- Email addresses ---- */

/* Trims and lowercases an address and checks its form (one '@', a dotted
 * domain, no spaces or control characters, at most 254 bytes). Returns the
 * normalised copy in the arena, or NULL when it is not an address. */
const char *email_normalise(struct arena *a, const char *in);

/* ---- Users ---- */

struct user {
	int64_t id;
	const char *email;
	const char *password_hash; /* NULL when none was chosen yet */
	const char *status;        /* "active", "invited", "disabled" */
	const char *verified_at;   /* NULL until the email is verified */
	const char *totp_secret;   /* NULL when none */
	const char *totp_enabled_at;
	int64_t totp_last_step;
	enum lang lang;
};

/* Loads a user by normalised email or by id. 1 found, 0 not, -1 error. */
int user_by_email(struct db *db, struct arena *a, const char *email, struct user *u);
int user_by_id(struct db *db, struct arena *a, int64_t id, struct user *u);

/* ---- One-time links (verification, reset, invitation, email change) ---- */

/* Creates a token for user_id and purpose, valid ttl seconds, carrying
 * data (may be ""); returns the raw token (arena) or NULL. Earlier unused
 * tokens of the same purpose for that user are retired. */
const char *ott_create(struct app *app, struct db *db, struct arena *a, int64_t user_id,
                       const char *purpose, const char *data, int64_t ttl);
/* Looks a token up: 1 valid (user_id and data set), 0 unknown, used or
 * expired, -1 error. consume marks it used (it then never works again). */
int ott_check(struct app *app, struct db *db, struct arena *a, const char *token,
              const char *purpose, int consume, int64_t *user_id, const char **data);
/* The absolute link to path?token=token in language l. */
const char *link_to(struct app *app, struct arena *a, enum lang l, const char *path,
                    const char *token);

/* ---- Sign-in throttling ---- */

/* 0 when a sign-in attempt for email from ip may be checked now, else the
 * seconds to wait; -1 when the counts cannot be read (answer 503: neither
 * "wait" nor a check of the password). Per account and address pair: from the 5th failure in
 * an hour each attempt waits 2^(n-5) s (at most 15 min); from the 20th it
 * is refused until the hour has passed. Per account from any address: 100
 * an hour; per address: 200 an hour. */
int64_t throttle_wait(struct app *app, struct db *db, struct arena *a, const char *email,
                      const char *ip);
/* Counts a failed attempt (for the account, the pair, the address), or
 * clears the pair's count after a success. Run inside the transaction that
 * records the attempt; 0, or -1 when a write failed (the transaction must
 * then roll back: an attempt half counted is not counted). */
int throttle_failed(struct app *app, struct db *db, struct arena *a, const char *email,
                    const char *ip);
int throttle_succeeded(struct db *db, struct arena *a, const char *email, const char *ip);

/* ---- Forms ---- */

/* A form being re-shown: the values typed (never passwords) and errors as
 * catalogue keys per field. */
struct form {
	json_t *values;
	json_t *errors;
};

void form_init(struct form *f);
/* A submitted field's value, "" when absent. */
struct request;
const char *form_value(struct request *req, const char *name);
void form_keep(struct form *f, const char *field, const char *value);
void form_error(struct form *f, const char *field, const char *key);
int form_has_errors(const struct form *f);
/* {"values": …, "errors": …, "error_list": [{field, key}]}; f is emptied. */
json_t *form_json(struct form *f);

/* The message key for a password policy problem, or NULL when fine. */
const char *password_problem_key(struct app *app, const char *pw, const char *pw2);

#endif
