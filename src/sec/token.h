/* token: random secrets for sessions, one-time links, API tokens, CSRF.
 *
 * A token is 256 random bits (randombytes_buf) in URL-safe base64 without
 * padding: 43 characters. Only its hash is stored (SHA-256, hex: 64
 * characters), so a stolen database opens no session. Comparisons of
 * secrets are constant-time.
 */
#ifndef KAFAAT_SEC_TOKEN_H
#define KAFAAT_SEC_TOKEN_H

#include <stddef.h>

#define TOKEN_LEN 43
#define TOKEN_HASH_LEN 64

/* Initialises libsodium once (thread-safe); -1 if it cannot. */
int sec_init(void);
/* A new token, NUL-terminated. */
void token_new(char out[TOKEN_LEN + 1]);
/* SHA-256 of s in lowercase hex, NUL-terminated. */
void token_hash(const char *s, char out[TOKEN_HASH_LEN + 1]);
/* 1 when s has the form of a token (43 URL-safe base64 characters). */
int token_well_formed(const char *s);
/* Constant-time equality of two NUL-terminated strings (length may leak). */
int token_equal(const char *a, const char *b);

#endif
