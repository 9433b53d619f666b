/* Unit tests for sec/: password policy and Argon2id, tokens, SHA-1,
 * HMAC-SHA-1, HOTP/TOTP, otpauth URIs and recovery codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "sec/password.h"
#include "sec/token.h"
#include "sec/totp.h"

#define JOHN_LIST "/usr/share/john/password.lst"
#define RFC_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" /* "12345678901234567890" */

/* ---- Helpers ---- */

static struct password_policy *policy_plain(void)
{
	struct password_policy *p = NULL;
	char err[256];

	assert_int_equal(password_policy_new(NULL, 2, &p, err, sizeof err), 0);
	assert_non_null(p);
	return p;
}

static double now_seconds(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* unit repeated count times, in a buffer the caller frees. */
static char *repeat(const char *unit, size_t count)
{
	size_t n = strlen(unit);
	char *s = malloc(n * count + 1);

	assert_non_null(s);
	for (size_t i = 0; i < count; i++)
		memcpy(s + i * n, unit, n);
	s[n * count] = '\0';
	return s;
}

static void hex(const unsigned char *bin, size_t n, char *out, size_t outlen)
{
	assert_non_null(sodium_bin2hex(out, outlen, bin, n));
}

static char *write_temp(const char *content)
{
	char *path = strdup("/tmp/kafaat-test-sec-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(close(fd), 0);
	return path;
}

/* ---- Password policy ---- */

static void password_length_in_code_points(void **state)
{
	static const struct {
		const char *unit;
		size_t count;
		enum password_problem want;
	} cases[] = {
	        {"x", 11, PASSWORD_TOO_SHORT}, {"x", 12, PASSWORD_OK},
	        {"x", 128, PASSWORD_OK},       {"x", 129, PASSWORD_TOO_LONG},
	        {"ب", 11, PASSWORD_TOO_SHORT}, {"ب", 12, PASSWORD_OK}, /* 2 bytes each */
	        {"ب", 128, PASSWORD_OK},       {"ب", 129, PASSWORD_TOO_LONG},
	        {"€", 11, PASSWORD_TOO_SHORT}, {"€", 128, PASSWORD_OK}, /* 3 bytes each */
	        {"😀", 11, PASSWORD_TOO_SHORT}, {"😀", 12, PASSWORD_OK},  /* 4 bytes each */
	        {"😀", 128, PASSWORD_OK},       {"😀", 129, PASSWORD_TOO_LONG},
	        {"x", 0, PASSWORD_TOO_SHORT},  {"x", 10000, PASSWORD_TOO_LONG},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* "Q" first: one character repeated is refused as common. */
		char *rest = repeat(cases[i].unit, cases[i].count ? cases[i].count - 1 : 0);
		size_t len = strlen(rest);
		char *pw = malloc(len + 2);
		assert_non_null(pw);
		pw[0] = 'Q';
		memcpy(pw + 1, rest, len + 1);
		free(rest);
		if (cases[i].count == 0)
			pw[0] = '\0';
		if (password_check(NULL, pw) != cases[i].want)
			fail_msg("case %zu: %zu x \"%s\"", i, cases[i].count, cases[i].unit);
		free(pw);
	}
	assert_int_equal(password_check(NULL, "كلمة سر طويلة"), PASSWORD_OK);
	assert_int_equal(password_check(NULL, "correct horse"), PASSWORD_OK);
}

static void password_refuses_bad_bytes(void **state)
{
	static const char *bad[] = {
	        "abcdefghijkl\xff",         /* never valid in UTF-8 */
	        "abcdefghijkl\xc0\xaf",     /* overlong '/' */
	        "abcdefghijkl\xed\xa0\x80", /* surrogate */
	        "abcdefghijkl\xe2\x82",     /* truncated */
	        "abcdefghij\tkl",           /* C0 control */
	        "abcdefghijkl\n",
	        "\x01"
	        "abcdefghijkl",
	        "abcdefghijkl\x7f",     /* DEL */
	        "abcdefghijkl\xc2\x85", /* C1 control (NEL) */
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (password_check(NULL, bad[i]) != PASSWORD_NOT_UTF8)
			fail_msg("case %zu accepted", i);
	assert_int_equal(password_check(NULL, NULL), PASSWORD_NOT_UTF8);
	assert_int_equal(password_check(NULL, "abcdefghijkl\xc2\xa0"), PASSWORD_OK); /* NBSP */
}

static void password_refuses_the_real_common_list(void **state)
{
	struct password_policy *p = NULL;
	char err[256];

	(void)state;
	if (access(JOHN_LIST, R_OK) != 0)
		skip();
	assert_int_equal(password_policy_new(JOHN_LIST, 2, &p, err, sizeof err), 0);
	assert_true(password_policy_common_count(p) > 3000);
	/* The only entry of 12 characters or more in john-data's list. */
	assert_int_equal(password_check(p, "winniethepooh"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "WinnieThePooh"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "WINNIETHEPOOH"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "winniethepooh1"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "winniethepooh and tigger"), PASSWORD_OK);
	assert_int_equal(password_check(p, "password"), PASSWORD_TOO_SHORT);
	assert_int_equal(password_check(p, "#!comment: This list"), PASSWORD_OK);
	password_policy_free(p);
}

static void password_list_format(void **state)
{
	struct password_policy *p = NULL;
	char err[256];
	char *path = write_temp("#!comment: not an entry\n"
	                        "CorrectHorseBattery\r\n"
	                        "short\n"
	                        "\n"
	                        "second-entry-here\n"
	                        "correcthorsebattery\n"
	                        "élan-vital-ÉLAN"); /* no final newline */

	(void)state;
	assert_int_equal(password_policy_new(path, 1, &p, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(password_policy_common_count(p), 4);
	assert_int_equal(password_check(p, "correcthorsebattery"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "CORRECTHORSEBATTERY"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "Second-Entry-Here"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "éLAN-VITAL-Élan"), PASSWORD_COMMON); /* ASCII folded */
	assert_int_equal(password_check(p, "élan-vital-élan"), PASSWORD_OK); /* É is not ASCII */
	assert_int_equal(password_check(p, "#!comment: not an entry"), PASSWORD_OK);
	password_policy_free(p);
	assert_int_equal(unlink(path), 0);
	free(path);
}

static void password_list_missing_or_unreadable(void **state)
{
	struct password_policy *p = NULL;
	char err[256];

	(void)state;
	assert_int_equal(password_policy_new("/nonexistent/kafaat/list", 2, &p, err, sizeof err),
	                 1);
	assert_non_null(p);
	assert_string_equal(err, "cannot open /nonexistent/kafaat/list: No such file or directory");
	assert_int_equal(password_policy_common_count(p), 0);
	assert_int_equal(password_check(p, "winniethepooh"), PASSWORD_OK);
	password_policy_free(p);

	assert_int_equal(password_policy_new(NULL, 2, &p, err, sizeof err), 0);
	assert_string_equal(err, "no common-password list configured");
	password_policy_free(p);

	char *empty = write_temp("#!comment: only comments\n\n");
	assert_int_equal(password_policy_new(empty, 2, &p, err, sizeof err), 0);
	assert_int_equal(password_policy_common_count(p), 0);
	assert_true(strstr(err, "no common passwords in the file") != NULL);
	password_policy_free(p);
	assert_int_equal(unlink(empty), 0);
	free(empty);

	p = (struct password_policy *)&p; /* must be reset to NULL */
	assert_int_equal(password_policy_new("/tmp", 2, &p, err, sizeof err), -1);
	assert_null(p);
	assert_true(strstr(err, "cannot read /tmp") != NULL);
}

/* ---- Argon2id ---- */

static void password_hash_round_trip(void **state)
{
	struct password_policy *p = policy_plain();
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_hash(p, "كلمة سر طويلة 😀", h1), 0);
	assert_true(strncmp(h1, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
	assert_int_equal(password_verify(p, h1, "كلمة سر طويلة 😀"), 1);
	assert_int_equal(password_verify(p, h1, "كلمة سر طويلة 😁"), 0);
	assert_int_equal(password_verify(p, h1, ""), 0);
	assert_int_equal(password_verify(p, h1, NULL), 0);
	assert_int_equal(password_hash(p, "كلمة سر طويلة 😀", h2), 0);
	assert_string_not_equal(h1, h2); /* random salt */
	assert_int_equal(password_hash(p, NULL, h2), -1);
	password_policy_free(p);
}

static void password_verify_refuses_malformed_hashes(void **state)
{
	struct password_policy *p = policy_plain();
	char h[PASSWORD_HASH_MAX], cut[PASSWORD_HASH_MAX], *unterminated;

	(void)state;
	assert_int_equal(password_hash(p, "a long enough password", h), 0);
	memcpy(cut, h, sizeof cut);
	cut[strlen(cut) - 5] = '\0';
	assert_int_equal(password_verify(p, cut, "a long enough password"), 0);
	assert_int_equal(password_verify(p, "", "a long enough password"), 0);
	assert_int_equal(password_verify(p, "!", "a long enough password"), 0);
	assert_int_equal(password_verify(p, "$argon2id$garbage", "a long enough password"), 0);
	assert_int_equal(password_verify(p, "$2y$10$abcdefghijklmnopqrstuv", "x"), 0);
	unterminated = repeat("$", 300); /* no NUL within PASSWORD_HASH_MAX */
	assert_int_equal(password_verify(p, unterminated, "a long enough password"), 0);
	free(unterminated);
	password_policy_free(p);
}

static double timed_verify(struct password_policy *p, const char *hash)
{
	double best = 1e9;

	for (int i = 0; i < 2; i++) {
		double t0 = now_seconds();
		assert_int_equal(password_verify(p, hash, "a long enough password"), 0);
		double t = now_seconds() - t0;
		best = t < best ? t : best;
	}
	return best;
}

/* A missing account (hash NULL) costs a real verification. The gap without
 * the dummy would be three orders of magnitude, so the bound is loose. */
static void password_verify_null_hash_burns_time(void **state)
{
	struct password_policy *p = policy_plain();
	char h[PASSWORD_HASH_MAX];
	double real, missing;

	(void)state;
	assert_int_equal(password_hash(p, "another long password", h), 0);
	real = timed_verify(p, h);
	missing = timed_verify(p, NULL);
	assert_true(missing >= real * 0.25);
	password_policy_free(p);
}

struct hash_job {
	struct password_policy *p;
	char pw[48];
	char hash[PASSWORD_HASH_MAX];
	int hash_rc, verified;
};

static void *hash_job_run(void *arg)
{
	struct hash_job *j = arg;

	j->hash_rc = password_hash(j->p, j->pw, j->hash);
	j->verified = password_verify(j->p, j->hash, j->pw);
	return NULL;
}

static void run_jobs(struct password_policy *p, struct hash_job *jobs, size_t n)
{
	pthread_t tid[8];

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		jobs[i].p = p;
		snprintf(jobs[i].pw, sizeof jobs[i].pw, "parallel password %zu", i);
		assert_int_equal(pthread_create(&tid[i], NULL, hash_job_run, &jobs[i]), 0);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(jobs[i].hash_rc, 0);
		assert_int_equal(jobs[i].verified, 1);
	}
}

/* Peak resident memory (VmHWM) in KiB after resetting it, or -1 when the
 * kernel does not offer the reset (/proc/self/clear_refs, Linux 4.0). */
static long peak_rss_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f == NULL)
		return -1;
	if (fputs("5", f) < 0) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static long peak_rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	assert_int_equal(fclose(f), 0);
	assert_true(kib > 0);
	return kib;
}

/* Six threads hash and verify with max_concurrent 2. Each Argon2id run holds
 * 64 MiB, so the peak of resident memory shows how many ran at once: about
 * 2 x 64 MiB with the cap, up to 6 x 64 MiB without (threads time-share the
 * cores and each keeps its memory until done). */
static void password_cap_bounds_parallel_hashes(void **state)
{
	struct password_policy *p = policy_plain();
	struct hash_job jobs[6];
	long base, grown;

	(void)state;
	memset(jobs, 0, sizeof jobs);
	if (peak_rss_reset() < 0) {
		run_jobs(p, jobs, 6); /* correctness only */
		password_policy_free(p);
		skip();
	}
	base = peak_rss_kib();
	run_jobs(p, jobs, 6);
	grown = peak_rss_kib() - base;
	password_policy_free(p);
	if (grown < 60 * 1024 || grown > 160 * 1024)
		fail_msg("peak grew by %ld KiB; expected about 2 x 65536", grown);
}

/* ---- Tokens ---- */

static int cmp_token(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void token_format_and_uniqueness(void **state)
{
	enum { N = 1000 };
	static char toks[N][TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(sec_init(), 0);
	assert_int_equal(sec_init(), 0);
	for (int i = 0; i < N; i++) {
		token_new(toks[i]);
		assert_int_equal(strlen(toks[i]), TOKEN_LEN);
		assert_true(token_well_formed(toks[i]));
	}
	qsort(toks, N, sizeof toks[0], cmp_token);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(toks[i - 1], toks[i]);
}

static void token_well_formed_cases(void **state)
{
	char *t = repeat("a", TOKEN_LEN);

	(void)state;
	assert_true(token_well_formed(t));
	assert_true(token_well_formed("AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZa"));
	t[5] = '+';
	assert_false(token_well_formed(t));
	t[5] = '/';
	assert_false(token_well_formed(t));
	t[5] = '=';
	assert_false(token_well_formed(t));
	t[5] = 'a';
	t[TOKEN_LEN - 1] = '\0';
	assert_false(token_well_formed(t));
	free(t);
	t = repeat("a", TOKEN_LEN + 1);
	assert_false(token_well_formed(t));
	free(t);
	assert_false(token_well_formed(""));
	assert_false(token_well_formed(NULL));
}

static void token_hash_is_sha256_hex(void **state)
{
	char h[TOKEN_HASH_LEN + 1];

	(void)state;
	token_hash("abc", h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	token_hash("", h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void token_equal_cases(void **state)
{
	(void)state;
	assert_true(token_equal("abcdef", "abcdef"));
	assert_true(token_equal("", ""));
	assert_false(token_equal("abcdef", "abcdeg"));
	assert_false(token_equal("abcdef", "Abcdef"));
	assert_false(token_equal("abcdef", "abcde"));
	assert_false(token_equal("abcde", "abcdef"));
	assert_false(token_equal("abc", ""));
	assert_false(token_equal(NULL, "abc"));
	assert_false(token_equal("abc", NULL));
	assert_false(token_equal(NULL, NULL));
}

/* ---- SHA-1 and HMAC-SHA-1 ---- */

static void sha1_fips_vectors(void **state)
{
	static const struct {
		const char *msg, *want;
	} cases[] = {
	        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
	        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
	        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqk"
	         "lmno"
	         "pqrlmnopqrsmnopqrstnopqrstu",
	         "a49b2446a02c645bf419f995b67091253a04a259"},
	};
	unsigned char md[20];
	char got[41];
	unsigned char *million;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sha1((const unsigned char *)cases[i].msg, strlen(cases[i].msg), md);
		hex(md, sizeof md, got, sizeof got);
		assert_string_equal(got, cases[i].want);
	}
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	sha1(million, 1000000, md);
	hex(md, sizeof md, got, sizeof got);
	assert_string_equal(got, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(million);
}

/* Messages around the padding boundaries: 55 bytes pad in one block, 56
 * need a second one, 64 fill a block exactly. */
static void sha1_block_edges(void **state)
{
	static const struct {
		size_t n;
		const char *want;
	} cases[] = {
	        {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
	        {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
	        {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
	        {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
	        {65, "11655326c708d70319be2610e8a57d9a5b959d3b"},
	};
	unsigned char msg[65], md[20];
	char got[41];

	(void)state;
	memset(msg, 'a', sizeof msg);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sha1(msg, cases[i].n, md);
		hex(md, sizeof md, got, sizeof got);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%zu x 'a': %s", cases[i].n, got);
	}
}

static void hmac_sha1_rfc2202(void **state)
{
	static const struct {
		unsigned char key_byte;
		size_t keylen;
		const char *key; /* when not a repeated byte */
		unsigned char data_byte;
		size_t datalen;
		const char *data;
		const char *want;
	} cases[] = {
	        {0x0b, 20, NULL, 0, 0, "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"},
	        {0, 0, "Jefe", 0, 0, "what do ya want for nothing?",
	         "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
	        {0xaa, 20, NULL, 0xdd, 50, NULL, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
	        {0, 25, NULL, 0xcd, 50, NULL, "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
	        {0x0c, 20, NULL, 0, 0, "Test With Truncation",
	         "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
	        {0xaa, 80, NULL, 0, 0, "Test Using Larger Than Block-Size Key - Hash Key First",
	         "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	        {0xaa, 80, NULL, 0, 0,
	         "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
	         "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
	};
	unsigned char key[80], data[80], md[20];
	char got[41];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t keylen = cases[i].key ? strlen(cases[i].key) : cases[i].keylen;
		size_t datalen = cases[i].data ? strlen(cases[i].data) : cases[i].datalen;
		if (cases[i].key)
			memcpy(key, cases[i].key, keylen);
		else if (cases[i].key_byte)
			memset(key, cases[i].key_byte, keylen);
		else /* test case 4: 0x01, 0x02, ..., 0x19 */
			for (size_t k = 0; k < keylen; k++)
				key[k] = (unsigned char)(k + 1);
		if (cases[i].data)
			memcpy(data, cases[i].data, datalen);
		else
			memset(data, cases[i].data_byte, datalen);
		hmac_sha1(key, keylen, data, datalen, md);
		hex(md, sizeof md, got, sizeof got);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("RFC 2202 case %zu: %s", i + 1, got);
	}
}

/* ---- HOTP and TOTP ---- */

static void hotp_rfc4226_vectors(void **state)
{
	static const char *want[] = {"755224", "287082", "359152", "969429", "338314",
	                             "254676", "287922", "162583", "399871", "520489"};
	char code[7];

	(void)state;
	for (int64_t c = 0; c < 10; c++) {
		assert_int_equal(totp_code_at_step(RFC_SECRET, c, code), 0);
		assert_string_equal(code, want[c]);
	}
}

static void totp_rfc6238_vectors(void **state)
{
	static const struct {
		int64_t t;
		const char *want; /* last 6 digits of the RFC's 8-digit codes */
	} cases[] = {
	        {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
	        {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	};
	char code[7];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(totp_code_at_step(RFC_SECRET, cases[i].t / 30, code), 0);
		assert_string_equal(code, cases[i].want);
		assert_int_equal(totp_verify(RFC_SECRET, cases[i].want, cases[i].t, 0),
		                 cases[i].t / 30);
	}
	/* Lowercase, spaces and padding decode the same secret. */
	assert_int_equal(totp_code_at_step("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", 1, code), 0);
	assert_string_equal(code, "287082");
	assert_int_equal(totp_code_at_step("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ======", 1, code), 0);
	assert_string_equal(code, "287082");
}

static void totp_verify_window(void **state)
{
	const int64_t t = 1111111111, s = t / 30;
	char code[7];

	(void)state;
	for (int64_t d = -1; d <= 1; d++) {
		assert_int_equal(totp_code_at_step(RFC_SECRET, s + d, code), 0);
		assert_int_equal(totp_verify(RFC_SECRET, code, t, 1), s + d);
	}
	for (int64_t d = -2; d <= 2; d += 4) {
		assert_int_equal(totp_code_at_step(RFC_SECRET, s + d, code), 0);
		assert_int_equal(totp_verify(RFC_SECRET, code, t, 1), -1);
		assert_int_equal(totp_verify(RFC_SECRET, code, t, 2), s + d);
	}
	assert_int_equal(totp_code_at_step(RFC_SECRET, s - 1, code), 0);
	assert_int_equal(totp_verify(RFC_SECRET, code, t, 0), -1);
	assert_int_equal(totp_verify(RFC_SECRET, "050 471", t, 1), s);
	assert_int_equal(totp_verify(RFC_SECRET, " 050471 ", t, 1), s);
	assert_int_equal(totp_verify(RFC_SECRET, "05047", t, 1), -1);
	assert_int_equal(totp_verify(RFC_SECRET, "0504712", t, 1), -1);
	assert_int_equal(totp_verify(RFC_SECRET, "05047a", t, 1), -1);
	assert_int_equal(totp_verify(RFC_SECRET, "050-471", t, 1), -1);
	assert_int_equal(totp_verify(RFC_SECRET, "", t, 1), -1);
	assert_int_equal(totp_verify(RFC_SECRET, NULL, t, 1), -1);
	assert_int_equal(totp_verify(RFC_SECRET, "050471", t, -1), -1);
	assert_int_equal(totp_verify(RFC_SECRET, "050471", -30, 1), -1);
	assert_int_equal(totp_verify(RFC_SECRET, "287082", 59, 1), 1); /* near step 0 */
}

static void totp_bad_secrets(void **state)
{
	static const char *bad[] = {"",         " ",        "====",          "GEZDGNB1",
	                            "GEZDGNB8", "GEZ=DGNB", "GEZDGNBV-GY3T", "GEZDGNBVÉ"};
	char code[7];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (totp_code_at_step(bad[i], 1, code) != -1)
			fail_msg("secret \"%s\" accepted", bad[i]);
		assert_string_equal(code, "");
		assert_int_equal(totp_verify(bad[i], "287082", 59, 1), -1);
	}
	assert_int_equal(totp_code_at_step(NULL, 1, code), -1);
	assert_int_equal(totp_code_at_step(RFC_SECRET, -1, code), -1);
	assert_int_equal(totp_verify(NULL, "287082", 59, 1), -1);
}

static void totp_new_secrets(void **state)
{
	char a[TOTP_SECRET_LEN + 1], b[TOTP_SECRET_LEN + 1], code[7];

	(void)state;
	totp_secret_new(a);
	totp_secret_new(b);
	assert_int_equal(strlen(a), TOTP_SECRET_LEN);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), TOTP_SECRET_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(totp_code_at_step(a, 12345, code), 0);
	assert_int_equal(totp_verify(a, code, 12345 * 30 + 29, 0), 12345);
}

static void totp_uri_contents(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(totp_uri(&b, "ana.b@example.org", RFC_SECRET), 0);
	assert_string_equal(buf_str(&b),
	                    "otpauth://totp/Kafaat:ana.b%40example.org?secret=" RFC_SECRET
	                    "&issuer=Kafaat&algorithm=SHA1&digits=6&period=30");
	buf_reset(&b);
	assert_int_equal(totp_uri(&b, "أمينة a&b=c?d", "ABC"), 0);
	assert_string_equal(buf_str(&b),
	                    "otpauth://totp/Kafaat:%D8%A3%D9%85%D9%8A%D9%86%D8%A9%20a%26b"
	                    "%3Dc%3Fd?secret=ABC&issuer=Kafaat&algorithm=SHA1&digits=6&"
	                    "period=30");
	buf_release(&b);
	buf_init(&b, 20);
	assert_int_equal(buf_adds(&b, "kept"), 0);
	assert_int_equal(totp_uri(&b, "ana", RFC_SECRET), -1);
	assert_string_equal(buf_str(&b), "kept"); /* unchanged when full */
	buf_release(&b);
}

/* ---- Recovery codes ---- */

static int recovery_shape_ok(const char *c)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";

	if (strlen(c) != RECOVERY_CODE_LEN || c[4] != '-' || c[9] != '-')
		return 0;
	for (size_t i = 0; i < RECOVERY_CODE_LEN; i++)
		if (i != 4 && i != 9 && strchr(alpha, c[i]) == NULL)
			return 0;
	return 1;
}

static void recovery_codes(void **state)
{
	char a[RECOVERY_CODE_LEN + 1], b[RECOVERY_CODE_LEN + 1], n[RECOVERY_CODE_LEN + 1];

	(void)state;
	recovery_code_new(a);
	recovery_code_new(b);
	assert_true(recovery_shape_ok(a));
	assert_true(recovery_shape_ok(b));
	assert_string_not_equal(a, b);
	assert_int_equal(recovery_code_normalise(a, n), 0);
	assert_string_equal(n, a);
}

static void recovery_code_normalisation(void **state)
{
	static const struct {
		const char *in, *want; /* want NULL: refused */
	} cases[] = {
	        {"ABCD EFGH IJKL", "abcd-efgh-ijkl"},
	        {"abcd-efgh-ijkl", "abcd-efgh-ijkl"},
	        {"abcdefghijkl", "abcd-efgh-ijkl"},
	        {" a2c4-E6G7-zzzz ", "a2c4-e6g7-zzzz"},
	        {"abcd-efgh-ijk", NULL},
	        {"abcd-efgh-ijklm", NULL},
	        {"abcd-efgh-ij1l", NULL},
	        {"abcd_efgh_ijkl", NULL},
	        {"", NULL},
	        {"------------", NULL},
	};
	char out[RECOVERY_CODE_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = recovery_code_normalise(cases[i].in, out);
		if (cases[i].want == NULL) {
			if (rc != -1)
				fail_msg("\"%s\" accepted as \"%s\"", cases[i].in, out);
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(out, cases[i].want);
		}
	}
	assert_int_equal(recovery_code_normalise(NULL, out), -1);
}

static void test_decorated_common_passwords(void **state)
{
	char path[] = "/tmp/kafaat_common_XXXXXX", err[256];
	int fd = mkstemp(path);
	struct password_policy *p = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "password\nsoleil\n", 16), 16);
	close(fd);
	assert_int_equal(password_policy_new(path, 1, &p, err, sizeof(err)), 0);
	assert_int_equal(password_check(p, "Password2024!!"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "123456SOLEIL!!"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "aaaaaaaaaaaaaaaa"), PASSWORD_COMMON);
	assert_int_equal(password_check(p, "password soleil 24"), PASSWORD_OK);
	assert_int_equal(password_check(p, "202420242024"), PASSWORD_OK);
	password_policy_free(p);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(password_length_in_code_points),
	        cmocka_unit_test(test_decorated_common_passwords),
	        cmocka_unit_test(password_refuses_bad_bytes),
	        cmocka_unit_test(password_refuses_the_real_common_list),
	        cmocka_unit_test(password_list_format),
	        cmocka_unit_test(password_list_missing_or_unreadable),
	        cmocka_unit_test(password_hash_round_trip),
	        cmocka_unit_test(password_verify_refuses_malformed_hashes),
	        cmocka_unit_test(password_verify_null_hash_burns_time),
	        cmocka_unit_test(password_cap_bounds_parallel_hashes),
	        cmocka_unit_test(token_format_and_uniqueness),
	        cmocka_unit_test(token_well_formed_cases),
	        cmocka_unit_test(token_hash_is_sha256_hex),
	        cmocka_unit_test(token_equal_cases),
	        cmocka_unit_test(sha1_fips_vectors),
	        cmocka_unit_test(sha1_block_edges),
	        cmocka_unit_test(hmac_sha1_rfc2202),
	        cmocka_unit_test(hotp_rfc4226_vectors),
	        cmocka_unit_test(totp_rfc6238_vectors),
	        cmocka_unit_test(totp_verify_window),
	        cmocka_unit_test(totp_bad_secrets),
	        cmocka_unit_test(totp_new_secrets),
	        cmocka_unit_test(totp_uri_contents),
	        cmocka_unit_test(recovery_codes),
	        cmocka_unit_test(recovery_code_normalisation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
