#include "sec/totp.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "sec/token.h"

#define SHA1_LEN 20
#define SHA1_BLOCK 64
#define TOTP_SECRET_BYTES 20
#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_MODULUS 1000000u
#define TOTP_MAX_WINDOW 10
#define TOTP_KEY_MAX 64 /* longest secret we decode, in bytes */
#define RECOVERY_CHARS 12

_Static_assert(TOTP_SECRET_BYTES * 8 == TOTP_SECRET_LEN * 5, "secret is not whole base32");

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* ---- SHA-1 (FIPS 180-4, section 6.1) ---- */

struct sha1_ctx {
	uint32_t h[5];
	uint64_t bytes; /* message length so far */
	unsigned char block[SHA1_BLOCK];
	size_t used; /* bytes waiting in block */
};

static uint32_t rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* f_t(b, c, d) + K_t for round t (FIPS 180-4, 4.1.1 and 4.2.1). */
static uint32_t sha1_f(unsigned t, uint32_t b, uint32_t c, uint32_t d)
{
	if (t < 20)
		return ((b & c) | (~b & d)) + 0x5a827999u;
	if (t < 40)
		return (b ^ c ^ d) + 0x6ed9eba1u;
	if (t < 60)
		return ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdcu;
	return (b ^ c ^ d) + 0xca62c1d6u;
}

static void sha1_compress(uint32_t h[5], const unsigned char block[SHA1_BLOCK])
{
	uint32_t w[80], v[5];

	for (unsigned t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (unsigned t = 16; t < 80; t++)
		w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	memcpy(v, h, sizeof v);
	for (unsigned t = 0; t < 80; t++) {
		uint32_t tmp = rotl(v[0], 5) + sha1_f(t, v[1], v[2], v[3]) + v[4] + w[t];
		v[4] = v[3];
		v[3] = v[2];
		v[2] = rotl(v[1], 30);
		v[1] = v[0];
		v[0] = tmp;
	}
	for (unsigned i = 0; i < 5; i++)
		h[i] += v[i];
	sodium_memzero(w, sizeof w);
	sodium_memzero(v, sizeof v);
}

static void sha1_init(struct sha1_ctx *c)
{
	static const uint32_t iv[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
	                               0xc3d2e1f0u};

	memcpy(c->h, iv, sizeof iv);
	c->bytes = 0;
	c->used = 0;
}

static void sha1_update(struct sha1_ctx *c, const unsigned char *data, size_t n)
{
	c->bytes += n;
	while (n > 0) {
		size_t take = SHA1_BLOCK - c->used;
		if (take > n)
			take = n;
		memcpy(c->block + c->used, data, take);
		c->used += take;
		data += take;
		n -= take;
		if (c->used == SHA1_BLOCK) {
			sha1_compress(c->h, c->block);
			c->used = 0;
		}
	}
}

/* Pads with 0x80, zeros and the bit length (FIPS 180-4, 5.1.1). */
static void sha1_final(struct sha1_ctx *c, unsigned char out[SHA1_LEN])
{
	uint64_t bits = c->bytes * 8;
	unsigned char pad[SHA1_BLOCK + 8] = {0x80};
	size_t padlen = (c->used < 56 ? 56 : 120) - c->used;

	for (unsigned i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(c, pad, padlen + 8);
	for (unsigned i = 0; i < 5; i++)
		store_be32(out + 4 * i, c->h[i]);
	sodium_memzero(c, sizeof *c);
}

void sha1(const unsigned char *data, size_t n, unsigned char out[20])
{
	struct sha1_ctx c;

	sha1_init(&c);
	sha1_update(&c, data, n);
	sha1_final(&c, out);
}

/* ---- HMAC-SHA-1 (RFC 2104) ---- */

/* One pass: H((K0 ^ pad) || data). */
static void hmac_pass(const unsigned char k0[SHA1_BLOCK], unsigned char pad,
                      const unsigned char *data, size_t n, unsigned char out[SHA1_LEN])
{
	unsigned char kx[SHA1_BLOCK];
	struct sha1_ctx c;

	for (size_t i = 0; i < SHA1_BLOCK; i++)
		kx[i] = k0[i] ^ pad;
	sha1_init(&c);
	sha1_update(&c, kx, sizeof kx);
	sha1_update(&c, data, n);
	sha1_final(&c, out);
	sodium_memzero(kx, sizeof kx);
}

void hmac_sha1(const unsigned char *key, size_t keylen, const unsigned char *data, size_t n,
               unsigned char out[20])
{
	unsigned char k0[SHA1_BLOCK] = {0};
	unsigned char inner[SHA1_LEN];

	if (keylen > SHA1_BLOCK)
		sha1(key, keylen, k0);
	else if (keylen > 0)
		memcpy(k0, key, keylen);
	hmac_pass(k0, 0x36, data, n, inner);
	hmac_pass(k0, 0x5c, inner, sizeof inner, out);
	sodium_memzero(k0, sizeof k0);
	sodium_memzero(inner, sizeof inner);
}

/* ---- Base32 (RFC 4648, section 6) ---- */

/* The 5-bit value of c (either case), or -1. */
static int b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Decodes s into out, skipping spaces and trailing '=' padding. Returns the
 * number of bytes, or -1 when s is empty, too long or not base32. */
static int b32_decode(const char *s, unsigned char out[TOTP_KEY_MAX])
{
	uint32_t acc = 0;
	unsigned bits = 0;
	int n = 0;

	for (; *s && *s != '='; s++) {
		int v = b32_value(*s);
		if (*s == ' ')
			continue;
		if (v < 0 || n == TOTP_KEY_MAX)
			return -1;
		acc = (acc << 5 | (uint32_t)v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	while (*s == '=')
		s++;
	return *s == '\0' && n > 0 ? n : -1;
}

/* Encodes n bytes (n * 8 a multiple of 5) without padding. */
static void b32_encode(const unsigned char *in, size_t n, char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8 | in[i]) & 0x1fff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*out++ = b32_alphabet[(acc >> bits) & 31];
		}
	}
	*out = '\0';
}

/* ---- HOTP (RFC 4226) and TOTP (RFC 6238) ---- */

/* Stops when no random source exists: a secret cannot be made without it. */
static void random_require(void)
{
	if (sec_init() < 0) {
		log_error("totp: libsodium cannot be initialised");
		abort();
	}
}

void totp_secret_new(char out[TOTP_SECRET_LEN + 1])
{
	unsigned char key[TOTP_SECRET_BYTES];

	random_require();
	randombytes_buf(key, sizeof key);
	b32_encode(key, sizeof key, out);
	sodium_memzero(key, sizeof key);
}

/* Dynamic truncation (RFC 4226, 5.3) reduced to 6 digits. */
static uint32_t hotp_truncate(const unsigned char mac[SHA1_LEN])
{
	unsigned off = mac[SHA1_LEN - 1] & 0x0f;

	return (load_be32(mac + off) & 0x7fffffffu) % TOTP_MODULUS;
}

static void digits_write(uint32_t v, char out[TOTP_DIGITS + 1])
{
	for (int i = TOTP_DIGITS - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[TOTP_DIGITS] = '\0';
}

static void hotp(const unsigned char *key, size_t keylen, uint64_t counter,
                 char out[TOTP_DIGITS + 1])
{
	unsigned char msg[8], mac[SHA1_LEN];

	for (unsigned i = 0; i < 8; i++)
		msg[i] = (unsigned char)(counter >> (56 - 8 * i));
	hmac_sha1(key, keylen, msg, sizeof msg, mac);
	digits_write(hotp_truncate(mac), out);
	sodium_memzero(mac, sizeof mac);
}

int totp_code_at_step(const char *secret, int64_t step, char out[7])
{
	unsigned char key[TOTP_KEY_MAX];
	int n;

	out[0] = '\0';
	if (secret == NULL || step < 0)
		return -1;
	n = b32_decode(secret, key);
	if (n > 0)
		hotp(key, (size_t)n, (uint64_t)step, out);
	sodium_memzero(key, sizeof key);
	return n > 0 ? 0 : -1;
}

/* Copies the digits of code, skipping spaces; -1 unless exactly 6 digits. */
static int code_normalise(const char *code, char out[TOTP_DIGITS + 1])
{
	size_t n = 0;

	for (; *code; code++) {
		if (*code == ' ')
			continue;
		if (*code < '0' || *code > '9' || n == TOTP_DIGITS)
			return -1;
		out[n++] = *code;
	}
	out[n] = '\0';
	return n == TOTP_DIGITS ? 0 : -1;
}

/* Tries every step of the window without stopping early, so the time does
 * not tell which step matched; returns the earliest match (a replayed old
 * code is then refused by the caller's last-step rule). */
static int64_t window_match(const unsigned char *key, size_t keylen, const char *want, int64_t now,
                            int window)
{
	int64_t found = -1;
	char got[TOTP_DIGITS + 1];

	for (int64_t s = now + window; s >= now - window; s--) {
		if (s < 0)
			continue;
		hotp(key, keylen, (uint64_t)s, got);
		if (sodium_memcmp(got, want, TOTP_DIGITS) == 0)
			found = s;
	}
	sodium_memzero(got, sizeof got);
	return found;
}

int64_t totp_verify(const char *secret, const char *code, int64_t unix_time, int window)
{
	unsigned char key[TOTP_KEY_MAX];
	char want[TOTP_DIGITS + 1];
	int64_t found = -1;
	int n;

	if (secret == NULL || code == NULL || unix_time < 0 || window < 0 ||
	    window > TOTP_MAX_WINDOW)
		return -1;
	if (code_normalise(code, want) < 0)
		return -1;
	n = b32_decode(secret, key);
	if (n > 0)
		found = window_match(key, (size_t)n, want, unix_time / TOTP_STEP, window);
	sodium_memzero(key, sizeof key);
	sodium_memzero(want, sizeof want);
	return found;
}

/* ---- otpauth URI (Google's Key URI Format) ---- */

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Percent-encodes every byte outside RFC 3986's unreserved set. */
static int percent_add(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
		int rc = is_unreserved(*p) ? buf_addc(b, (char)*p) : buf_add(b, esc, sizeof esc);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Built aside first, so a full buffer is left unchanged. */
int totp_uri(struct buf *out, const char *account, const char *secret)
{
	struct buf u = BUF_INIT;
	int rc;

	if (account == NULL || secret == NULL)
		return -1;
	rc = buf_adds(&u, "otpauth://totp/Kafaat:");
	rc |= percent_add(&u, account);
	rc |= buf_adds(&u, "?secret=");
	rc |= percent_add(&u, secret);
	rc |= buf_adds(&u, "&issuer=Kafaat&algorithm=SHA1&digits=6&period=30");
	if (rc == 0)
		rc = buf_add(out, u.data, u.len);
	if (u.data)
		sodium_memzero(u.data, u.len);
	buf_release(&u);
	return rc < 0 ? -1 : 0;
}

/* ---- Recovery codes ---- */

static void recovery_format(const char chars[RECOVERY_CHARS], char out[RECOVERY_CODE_LEN + 1])
{
	size_t o = 0;

	for (size_t i = 0; i < RECOVERY_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = chars[i];
	}
	out[o] = '\0';
}

void recovery_code_new(char out[RECOVERY_CODE_LEN + 1])
{
	char chars[RECOVERY_CHARS];

	random_require();
	for (size_t i = 0; i < RECOVERY_CHARS; i++)
		chars[i] = (char)(b32_alphabet[randombytes_uniform(32)] | 0x20);
	recovery_format(chars, out);
	sodium_memzero(chars, sizeof chars);
}

/* Keeps base32 characters (lowercased), skips spaces and hyphens. */
static int recovery_collect(const char *in, char chars[RECOVERY_CHARS])
{
	size_t n = 0;

	for (; *in; in++) {
		int v = b32_value(*in);
		if (*in == ' ' || *in == '-')
			continue;
		if (v < 0 || n == RECOVERY_CHARS)
			return -1;
		chars[n++] = (char)(b32_alphabet[v] | 0x20);
	}
	return n == RECOVERY_CHARS ? 0 : -1;
}

int recovery_code_normalise(const char *in, char out[RECOVERY_CODE_LEN + 1])
{
	char chars[RECOVERY_CHARS];
	int rc;

	out[0] = '\0';
	if (in == NULL)
		return -1;
	rc = recovery_collect(in, chars);
	if (rc == 0)
		recovery_format(chars, out);
	sodium_memzero(chars, sizeof chars);
	return rc;
}
