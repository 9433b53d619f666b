/* password: the password policy and Argon2id hashing (libsodium).
 *
 * Policy (SECURITY.md, ASVS V2): 12 to 128 characters (code points), any
 * Unicode, valid UTF-8, not a common password (from the list, also with
 * digits or punctuation around it: "Password2024!") nor one repeated
 * character; no composition rules. Hashes are libsodium's crypto_pwhash_str strings (Argon2id,
 * OPSLIMIT_INTERACTIVE, MEMLIMIT_INTERACTIVE: about 100 ms and 64 MiB), and
 * at most `max_concurrent` are computed at once (others wait), so a burst of
 * sign-ins cannot exhaust memory.
 */
#ifndef KAFAAT_SEC_PASSWORD_H
#define KAFAAT_SEC_PASSWORD_H

#include <stddef.h>

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_CHARS 128
#define PASSWORD_HASH_MAX 128 /* >= crypto_pwhash_STRBYTES */

enum password_problem {
	PASSWORD_OK = 0,
	PASSWORD_TOO_SHORT, /* fewer than 12 characters */
	PASSWORD_TOO_LONG,  /* more than 128 characters */
	PASSWORD_NOT_UTF8,  /* not valid UTF-8, or holds a NUL/control character */
	PASSWORD_COMMON,    /* in the list of common passwords */
};

struct password_policy;

/* Loads the common-password list (one per line, '#' comments, compared
 * case-insensitively for ASCII) from path; a missing file gives an empty list
 * and a warning in err (returns 1), a read error returns -1. 0 on success.
 * max_concurrent bounds simultaneous hashes. */
int password_policy_new(const char *common_path, int max_concurrent, struct password_policy **out,
                        char *err, size_t errlen);
void password_policy_free(struct password_policy *p);
/* Number of common passwords loaded. */
size_t password_policy_common_count(const struct password_policy *p);

enum password_problem password_check(const struct password_policy *p, const char *pw);

/* Hashes pw into out (NUL-terminated). 0, or -1 (out of memory in libsodium). */
int password_hash(struct password_policy *p, const char *pw, char out[PASSWORD_HASH_MAX]);
/* 1 when pw matches hash, 0 otherwise (including a malformed hash). Takes
 * the same time whether or not the account exists: pass hash NULL to burn a
 * verification against a fixed dummy hash. */
int password_verify(struct password_policy *p, const char *hash, const char *pw);

#endif
