#include "sec/password.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "sec/token.h"

_Static_assert(PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "PASSWORD_HASH_MAX too small");

/* A valid password has at most 128 code points of at most 4 bytes each. */
#define PASSWORD_MAX_BYTES (PASSWORD_MAX_CHARS * 4)

#define OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

struct password_policy {
	char **common; /* sorted, distinct, ASCII-lowercased; owned */
	size_t ncommon;
	pthread_mutex_t lock; /* guards active */
	pthread_cond_t idle;
	int active; /* hashes or verifications running now */
	int max;
	char dummy[PASSWORD_HASH_MAX]; /* burnt when the account does not exist */
};

/* pthread calls on a valid, initialised mutex do not fail; if one does,
 * the process state is unknown and we stop, as xalloc does. */
static void must(int rc, const char *what)
{
	if (rc != 0) {
		log_error("password: %s failed (%d)", what, rc);
		abort();
	}
}

static void slot_acquire(struct password_policy *p)
{
	must(pthread_mutex_lock(&p->lock), "mutex lock");
	while (p->active >= p->max)
		must(pthread_cond_wait(&p->idle, &p->lock), "condition wait");
	p->active++;
	must(pthread_mutex_unlock(&p->lock), "mutex unlock");
}

static void slot_release(struct password_policy *p)
{
	must(pthread_mutex_lock(&p->lock), "mutex lock");
	p->active--;
	must(pthread_cond_signal(&p->idle), "condition signal");
	must(pthread_mutex_unlock(&p->lock), "mutex unlock");
}

static void ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- The list of common passwords ---- */

static void common_add(struct password_policy *p, size_t *cap, const char *line, size_t n)
{
	if (p->ncommon == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		p->common = xrealloc(p->common, *cap * sizeof *p->common);
	}
	p->common[p->ncommon] = xstrndup(line, n);
	ascii_lower(p->common[p->ncommon]);
	p->ncommon++;
}

/* Keeps a line unless it is empty, a comment, or too long to be a password. */
static void common_take_line(struct password_policy *p, size_t *cap, const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n == 0 || line[0] == '#' || n > PASSWORD_MAX_BYTES)
		return;
	common_add(p, cap, line, n);
}

/* Sorts the list and drops duplicates (entries differing only in case). */
static void common_sort(struct password_policy *p)
{
	size_t kept = 0;

	if (p->ncommon == 0)
		return;
	qsort(p->common, p->ncommon, sizeof *p->common, cmp_str);
	for (size_t i = 1; i < p->ncommon; i++) {
		if (strcmp(p->common[kept], p->common[i]) == 0)
			free(p->common[i]);
		else
			p->common[++kept] = p->common[i];
	}
	p->ncommon = kept + 1;
}

static int common_read(struct password_policy *p, FILE *f)
{
	char *line = NULL;
	size_t linecap = 0, cap = 0;
	ssize_t n;

	while ((n = getline(&line, &linecap, f)) >= 0)
		common_take_line(p, &cap, line, (size_t)n);
	free(line);
	if (ferror(f))
		return -1;
	common_sort(p);
	return 0;
}

static int common_open(const char *path, FILE **f, char *err, size_t errlen)
{
	int e;

	*f = fopen(path, "r");
	if (*f != NULL)
		return 0;
	e = errno;
	set_err(err, errlen, "cannot open %s: %s", path, strerror(e));
	return e == ENOENT ? 1 : -1;
}

/* 0 when loaded (or no path is given), 1 when the file is missing, -1 on
 * error. err explains every result that leaves the list empty. */
static int common_load(struct password_policy *p, const char *path, char *err, size_t errlen)
{
	FILE *f;
	int rc, e;

	if (path == NULL || path[0] == '\0') {
		set_err(err, errlen, "no common-password list configured");
		return 0;
	}
	rc = common_open(path, &f, err, errlen);
	if (rc != 0)
		return rc;
	rc = common_read(p, f);
	e = errno;
	if (fclose(f) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc < 0)
		set_err(err, errlen, "cannot read %s: %s", path, strerror(e));
	else if (p->ncommon == 0)
		set_err(err, errlen, "%s: no common passwords in the file", path);
	return rc;
}

static void common_free(struct password_policy *p)
{
	for (size_t i = 0; i < p->ncommon; i++)
		free(p->common[i]);
	free(p->common);
	p->common = NULL;
	p->ncommon = 0;
}

/* ---- Policy ---- */

/* The dummy hash has the same parameters as real ones, so verifying
 * against it costs the same time and memory. */
static int dummy_make(struct password_policy *p)
{
	unsigned char pw[16];
	int rc;

	randombytes_buf(pw, sizeof pw);
	rc = crypto_pwhash_str_alg(p->dummy, (const char *)pw, sizeof pw, OPSLIMIT, MEMLIMIT,
	                           crypto_pwhash_ALG_ARGON2ID13);
	sodium_memzero(pw, sizeof pw);
	return rc;
}

static int policy_sync_init(struct password_policy *p)
{
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&p->idle, NULL) != 0) {
		must(pthread_mutex_destroy(&p->lock), "mutex destroy");
		return -1;
	}
	return 0;
}

static void policy_sync_destroy(struct password_policy *p)
{
	must(pthread_cond_destroy(&p->idle), "condition destroy");
	must(pthread_mutex_destroy(&p->lock), "mutex destroy");
}

int password_policy_new(const char *common_path, int max_concurrent, struct password_policy **out,
                        char *err, size_t errlen)
{
	struct password_policy *p;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (sec_init() < 0) {
		set_err(err, errlen, "cannot initialise libsodium");
		return -1;
	}
	p = xcalloc(1, sizeof *p);
	p->max = max_concurrent > 0 ? max_concurrent : 1;
	if (policy_sync_init(p) < 0) {
		free(p);
		set_err(err, errlen, "cannot initialise the password lock");
		return -1;
	}
	rc = common_load(p, common_path, err, errlen);
	if (rc >= 0 && dummy_make(p) != 0) {
		set_err(err, errlen, "cannot compute the dummy password hash (out of memory)");
		rc = -1;
	}
	if (rc < 0) {
		password_policy_free(p);
		return -1;
	}
	*out = p;
	return rc;
}

void password_policy_free(struct password_policy *p)
{
	if (p == NULL)
		return;
	common_free(p);
	policy_sync_destroy(p);
	free(p);
}

size_t password_policy_common_count(const struct password_policy *p)
{
	return p ? p->ncommon : 0;
}

/* ---- Checking ---- */

/* 1 when s holds a C0 control character, DEL, or a C1 control (U+0080 to
 * U+009F, encoded C2 80 to C2 9F); s is valid UTF-8. */
static int has_control(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7F)
			return 1;
		if (s[i] == 0xC2 && i + 1 < n && s[i + 1] <= 0x9F)
			return 1;
	}
	return 0;
}

static int in_list(const struct password_policy *p, const char *lower)
{
	const char *key = lower;
	return bsearch(&key, p->common, p->ncommon, sizeof *p->common, cmp_str) != NULL;
}

static int is_digit_or_mark(char c)
{
	return (c >= '0' && c <= '9') || strchr("!@#$%^&*()-_=+.,;:?'\" ", c) != NULL;
}

/* One character repeated ("aaaaaaaaaaaa", "111111111111"). */
static int one_character(const char *pw, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (pw[i] != pw[0])
			return 0;
	return 1;
}

/* Common as it is, or once digits and punctuation are cut from both ends
 * ("Password2024!!" is "password"): the list is short on long entries, so
 * decorated common words are the guesses that matter. */
static int is_common(const struct password_policy *p, const char *pw, size_t n)
{
	char lower[PASSWORD_MAX_BYTES + 1];
	size_t start = 0, end = n;
	int found;

	if (one_character(pw, n))
		return 1;
	if (p == NULL || p->ncommon == 0)
		return 0;
	memcpy(lower, pw, n);
	lower[n] = '\0';
	ascii_lower(lower);
	found = in_list(p, lower);
	while (start < end && is_digit_or_mark(lower[start]))
		start++;
	while (end > start && is_digit_or_mark(lower[end - 1]))
		end--;
	if (!found && end > start && (start > 0 || end < n)) {
		lower[end] = '\0';
		found = in_list(p, lower + start);
	}
	sodium_memzero(lower, sizeof lower);
	return found;
}

enum password_problem password_check(const struct password_policy *p, const char *pw)
{
	size_t n, chars;

	if (pw == NULL)
		return PASSWORD_NOT_UTF8;
	n = strnlen(pw, PASSWORD_MAX_BYTES + 1);
	if (n > PASSWORD_MAX_BYTES)
		return PASSWORD_TOO_LONG;
	if (!utf8_valid(pw, n) || has_control(pw, n))
		return PASSWORD_NOT_UTF8;
	chars = utf8_length(pw, n);
	if (chars < PASSWORD_MIN_CHARS)
		return PASSWORD_TOO_SHORT;
	if (chars > PASSWORD_MAX_CHARS)
		return PASSWORD_TOO_LONG;
	return is_common(p, pw, n) ? PASSWORD_COMMON : PASSWORD_OK;
}

/* ---- Hashing ---- */

int password_hash(struct password_policy *p, const char *pw, char out[PASSWORD_HASH_MAX])
{
	int rc;

	out[0] = '\0';
	if (pw == NULL)
		return -1;
	slot_acquire(p);
	rc = crypto_pwhash_str_alg(out, pw, strlen(pw), OPSLIMIT, MEMLIMIT,
	                           crypto_pwhash_ALG_ARGON2ID13);
	slot_release(p);
	if (rc != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* A hash we can verify: NUL-terminated in bounds and parsed by libsodium
 * (needs_rehash returns -1 for strings it cannot decode). Hashes with older
 * parameters are still well formed. */
static int hash_well_formed(const char *hash)
{
	if (hash == NULL || strnlen(hash, PASSWORD_HASH_MAX) == PASSWORD_HASH_MAX)
		return 0;
	return crypto_pwhash_str_needs_rehash(hash, OPSLIMIT, MEMLIMIT) >= 0;
}

int password_verify(struct password_policy *p, const char *hash, const char *pw)
{
	int real = hash_well_formed(hash) && pw != NULL;
	const char *against = real ? hash : p->dummy;
	const char *attempt = pw ? pw : "";
	int rc;

	slot_acquire(p);
	rc = crypto_pwhash_str_verify(against, attempt, strlen(attempt));
	slot_release(p);
	return real && rc == 0;
}
