/* totp: time-based one-time passwords (RFC 6238 over RFC 4226 HOTP,
 * HMAC-SHA-1, 6 digits, 30-second steps) as authenticator apps expect, and
 * recovery codes.
 */
#ifndef KAFAAT_SEC_TOTP_H
#define KAFAAT_SEC_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define TOTP_SECRET_LEN 32   /* base32 of 20 random bytes */
#define RECOVERY_CODE_LEN 14 /* "xxxx-xxxx-xxxx", base32 lowercase */

/* A new random secret in base32 (RFC 4648, no padding), NUL-terminated. */
void totp_secret_new(char out[TOTP_SECRET_LEN + 1]);
/* The 6-digit code for secret at step (unix_time / 30). 0, or -1 when the
 * secret is not valid base32. */
int totp_code_at_step(const char *secret, int64_t step, char out[7]);
/* Checks code against the steps now-window..now+window (window 1 = ±30 s).
 * Returns the matching step, or -1. Callers refuse a step <= the last one
 * accepted for that account (no replay). code may carry spaces. */
int64_t totp_verify(const char *secret, const char *code, int64_t unix_time, int window);
/* Appends the otpauth:// URI for authenticator apps (issuer "Kafaat"). */
int totp_uri(struct buf *out, const char *account, const char *secret);
/* A new recovery code "abcd-efgh-ijkl" (60 random bits). */
void recovery_code_new(char out[RECOVERY_CODE_LEN + 1]);
/* Normalises user input to the stored form (lowercase, hyphens placed);
 * -1 when it cannot be a recovery code. */
int recovery_code_normalise(const char *in, char out[RECOVERY_CODE_LEN + 1]);

/* HMAC-SHA-1 (RFC 2104) and SHA-1 (FIPS 180-4), for HOTP only. */
void sha1(const unsigned char *data, size_t n, unsigned char out[20]);
void hmac_sha1(const unsigned char *key, size_t keylen, const unsigned char *data, size_t n,
               unsigned char out[20]);

#endif
