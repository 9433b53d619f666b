#include "sec/token.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"

#define TOKEN_BYTES 32

_Static_assert(sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
                       TOKEN_LEN + 1,
               "TOKEN_LEN does not match 32 bytes in base64");
_Static_assert(crypto_hash_sha256_BYTES * 2 == TOKEN_HASH_LEN, "TOKEN_HASH_LEN is not SHA-256");

/* Written once under pthread_once, read only afterwards. */
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void sodium_start(void)
{
	/* sodium_init returns 1 when already initialised elsewhere. */
	sodium_status = sodium_init() < 0 ? -1 : 0;
}

int sec_init(void)
{
	if (pthread_once(&sodium_once, sodium_start) != 0)
		return -1;
	return sodium_status;
}

/* Tokens cannot be made without a working random source: stop. */
static void sec_require(void)
{
	if (sec_init() < 0) {
		log_error("token: libsodium cannot be initialised");
		abort();
	}
}

void token_new(char out[TOKEN_LEN + 1])
{
	unsigned char bin[TOKEN_BYTES];

	sec_require();
	randombytes_buf(bin, sizeof bin);
	sodium_bin2base64(out, TOKEN_LEN + 1, bin, sizeof bin,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(bin, sizeof bin);
}

void token_hash(const char *s, char out[TOKEN_HASH_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	sec_require();
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(out, TOKEN_HASH_LEN + 1, h, sizeof h);
	sodium_memzero(h, sizeof h);
}

static int is_base64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int token_well_formed(const char *s)
{
	if (s == NULL || strnlen(s, TOKEN_LEN + 1) != TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < TOKEN_LEN; i++)
		if (!is_base64url(s[i]))
			return 0;
	return 1;
}

int token_equal(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return 0;
	n = strlen(a);
	if (strlen(b) != n)
		return 0;
	return sodium_memcmp(a, b, n) == 0;
}
