/* fold: search folding with utf8proc, then Arabic rules (see fold.h).
 *
 * utf8proc does the Unicode part: compatibility decomposition (ligatures,
 * presentation forms, full-width forms), case folding and mark stripping.
 * Mark stripping already turns أ إ آ into ا and ؤ ئ into و ي, because they
 * decompose to a base letter plus a combining hamza or madda; the Arabic
 * pass handles the letters that have no decomposition (ٱ ة ى), tatweel, the
 * Quranic annotation signs that are not combining marks, and the digits.
 *
 * utf8proc_map() would allocate with malloc(); the same steps are done here
 * with utf8proc_decompose() and utf8proc_reencode() so that memory comes from
 * xalloc like everywhere else in Kafaat.
 */
#include "text/fold.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <sys/types.h>
#include <utf8proc.h>

#include "core/utf8.h"
#include "core/xalloc.h"

#define FOLD_OPTIONS                                                                               \
	(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |                \
	 UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

#define REMOVE (-1)

static int is_arabic_mark(int32_t c)
{
	return (c >= 0x064B && c <= 0x065F) || c == 0x0670 || (c >= 0x06D6 && c <= 0x06ED) ||
	       c == 0x0640;
}

/* The folded form of one code point after utf8proc: itself, another code
 * point, or REMOVE. Every replacement is no longer in UTF-8 than the
 * original, so the pass can work in place. */
static int32_t arabic_fold(int32_t c)
{
	if (c < 0x0600 || c > 0x06FF)
		return c;
	if (is_arabic_mark(c))
		return REMOVE;
	if (c >= 0x0660 && c <= 0x0669)
		return '0' + (c - 0x0660);
	if (c >= 0x06F0 && c <= 0x06F9)
		return '0' + (c - 0x06F0);
	switch (c) {
	case 0x0622: /* آ */
	case 0x0623: /* أ */
	case 0x0625: /* إ */
	case 0x0671: /* ٱ */
		return 0x0627;
	case 0x0629: /* ة */
		return 0x0647;
	case 0x0649: /* ى */
	case 0x0626: /* ئ */
		return 0x064A;
	case 0x0624: /* ؤ */
		return 0x0648;
	default:
		return c;
	}
}

/* Applies arabic_fold to the valid UTF-8 string s[0..n) in place; returns
 * the new length. */
static size_t arabic_pass(uint8_t *s, size_t n)
{
	size_t r = 0, w = 0;

	while (r < n) {
		int32_t c;
		utf8proc_ssize_t len = utf8proc_iterate(s + r, (utf8proc_ssize_t)(n - r), &c);

		if (len <= 0) /* cannot happen on utf8proc output; stop safely */
			break;
		r += (size_t)len;
		c = arabic_fold(c);
		if (c != REMOVE)
			w += (size_t)utf8proc_encode_char(c, s + w);
	}
	s[w] = '\0';
	return w;
}

/* Unicode folding of s[0..n) into a new NUL-terminated buffer; returns its
 * byte length, or -1 when utf8proc refuses the input. */
static utf8proc_ssize_t unicode_fold(const char *s, size_t n, uint8_t **out)
{
	const utf8proc_uint8_t *in = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t *cps = NULL;
	utf8proc_ssize_t count, len = -1;

	count = utf8proc_decompose(in, (utf8proc_ssize_t)n, NULL, 0, FOLD_OPTIONS);
	if (count < 0)
		goto out;
	/* +1: utf8proc_reencode() writes a NUL after the bytes. */
	cps = xmalloc((size_t)count * sizeof(*cps) + 1);
	if (utf8proc_decompose(in, (utf8proc_ssize_t)n, cps, count, FOLD_OPTIONS) != count)
		goto out;
	len = utf8proc_reencode(cps, count, FOLD_OPTIONS);
out:
	if (len < 0) {
		free(cps);
		cps = NULL;
	}
	*out = (uint8_t *)cps;
	return len;
}

static char *slow_fold(const char *s, size_t n, size_t *outlen);

/* The fast path. Indexing a large pool folds millions of names and
 * sentences, nearly all made of code points below U+0800 (ASCII, Latin,
 * Greek, Cyrillic, Arabic, and their combining marks), whose folding does
 * not depend on their neighbours once marks are stripped. Their folded
 * forms are computed once by the full path (utf8proc and the Arabic pass)
 * into a table; a string made only of them is folded by looking each up.
 * tests/unit/test_fold.c checks every entry against the full path. */
#define FAST_LIMIT 0x800
#define FAST_MAX 7 /* bytes of one folded code point */

static struct fast_entry {
	uint8_t len;
	char bytes[FAST_MAX];
} fast_table[FAST_LIMIT];
static pthread_once_t fast_once = PTHREAD_ONCE_INIT;
static int fast_ok; /* 0: some entry did not fit; the fast path stays off */

static void fast_init(void)
{
	int ok = 1;

	for (int32_t c = 1; c < FAST_LIMIT && ok; c++) {
		uint8_t in[4];
		size_t n = (size_t)utf8proc_encode_char(c, in), len = 0;
		char *f;

		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		f = slow_fold((const char *)in, n, &len);
		if (!f || len > FAST_MAX) {
			ok = 0;
		} else {
			fast_table[c].len = (uint8_t)len;
			memcpy(fast_table[c].bytes, f, len);
		}
		free(f);
	}
	fast_ok = ok;
}

/* s folded through the table, or NULL when s has a byte the fast path does
 * not know (3- and 4-byte sequences, NUL, invalid UTF-8). */
static char *fast_fold(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out;
	size_t w = 0;

	pthread_once(&fast_once, fast_init);
	if (!fast_ok || n > SIZE_MAX / FAST_MAX - 1)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0 || p[i] >= 0xE0 ||
		    (p[i] >= 0x80 && p[i] < 0xC2) || /* continuation or overlong lead */
		    (p[i] >= 0xC2 && (i + 1 >= n || (p[++i] & 0xC0) != 0x80)))
			return NULL;
	out = xmalloc(n * FAST_MAX + 1);
	for (size_t i = 0; i < n; i++) {
		int32_t c = p[i];
		if (c >= 0x80)
			c = ((c & 0x1F) << 6) | (p[++i] & 0x3F);
		memcpy(out + w, fast_table[c].bytes, fast_table[c].len);
		w += fast_table[c].len;
	}
	out[w] = '\0';
	if (outlen)
		*outlen = w;
	return xrealloc(out, w + 1);
}

char *text_fold(const char *s, size_t n, size_t *outlen)
{
	char *fast = fast_fold(s, n, outlen);

	return fast ? fast : slow_fold(s, n, outlen);
}

/* The full path: utf8proc, then the Arabic pass. */
static char *slow_fold(const char *s, size_t n, size_t *outlen)
{
	uint8_t *folded;
	utf8proc_ssize_t len;
	size_t final;

	/* The size bound only matters for inputs larger than utf8proc can index. */
	if (n > (size_t)SSIZE_MAX / 8 || !utf8_valid(s, n))
		return NULL;
	len = unicode_fold(s, n, &folded);
	if (len < 0)
		return NULL;
	final = arabic_pass(folded, (size_t)len);
	if (outlen)
		*outlen = final;
	return xrealloc(folded, final + 1);
}

static int is_token_char(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

/* Length of the code point at s[0..n), and whether it belongs in a token.
 * Invalid bytes count as one-byte separators. */
static size_t next_char(const char *s, size_t n, int *token)
{
	int32_t c;
	utf8proc_ssize_t len;

	if ((unsigned char)*s < 0x80) { /* ASCII: letters and digits only */
		*token = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		         (*s >= '0' && *s <= '9');
		return 1;
	}
	len = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &c);

	if (len <= 0) {
		*token = 0;
		return 1;
	}
	*token = is_token_char(c);
	return (size_t)len;
}

int text_tokens(const char *folded, size_t n, int (*fn)(void *ud, const char *tok, size_t len),
                void *ud)
{
	size_t i = 0, start = 0;
	int in_token = 0;

	while (i < n) {
		int token;
		size_t len = next_char(folded + i, n - i, &token);

		if (token && !in_token)
			start = i;
		if (!token && in_token) {
			int rc = fn(ud, folded + start, i - start);
			if (rc != 0)
				return rc;
		}
		in_token = token;
		i += len;
	}
	return in_token ? fn(ud, folded + start, n - start) : 0;
}
