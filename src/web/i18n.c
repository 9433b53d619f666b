/* i18n: languages, .po catalogues, plural rules and formatting.
 *
 * Each language of a catalogue is an open-addressing hash table (FNV-1a,
 * linear probing, power-of-two capacity, load factor at most 3/4). Tables
 * are filled by the loader and never modified afterwards, so lookups from
 * many threads need no locking.
 *
 * .po parsing is line based. Accepted: comments (#...), "#," flags (only
 * "fuzzy" matters), msgctxt, msgid, msgid_plural, msgstr, msgstr[N] and
 * continuation strings. Strings take the escapes \n \t \r \" \\ only. The
 * header entry (msgid "" without context) is skipped. A fuzzy entry keeps
 * its key but has no translation, like an entry with an empty msgstr. A
 * key with a context is stored as CTXT "\004" MSGID, as gettext does.
 */
#include "web/i18n.h"

#include <dirent.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/utf8.h"
#include "core/xalloc.h"

/* ------------------------------------------------------------------ */
/* Small ASCII helpers (no <ctype.h>: they must not depend on locale). */

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Languages */

static const char *const lang_codes[LANG_COUNT] = {"ar", "fr", "en"};
static const char *const lang_names[LANG_COUNT] = {"العربية", "Français", "English"};

/* Out-of-range values are treated as English. */
static enum lang lang_valid(enum lang l)
{
	return (unsigned)l < LANG_COUNT ? l : LANG_EN;
}

const char *lang_code(enum lang l)
{
	return lang_codes[lang_valid(l)];
}

const char *lang_dir(enum lang l)
{
	return lang_valid(l) == LANG_AR ? "rtl" : "ltr";
}

const char *lang_native_name(enum lang l)
{
	return lang_names[lang_valid(l)];
}

int lang_parse(const char *s, enum lang *out)
{
	if (!s || !out)
		return -1;
	for (int i = 0; i < LANG_COUNT; i++) {
		if (strcmp(s, lang_codes[i]) == 0) {
			*out = (enum lang)i;
			return 0;
		}
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Accept-Language (RFC 9110 section 12.5.4, ranges as in RFC 4647)
 *
 *   Accept-Language = #( language-range [ weight ] )
 *   language-range  = ( 1*8ALPHA *( "-" 1*8alphanum ) ) / "*"
 *   weight          = OWS ";" OWS "q=" qvalue
 *   qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * A range counts for the language of its primary subtag. A language gets the
 * highest q of the ranges naming it; "*" gives its q to the languages that no
 * range names. The best q > 0 wins; ties go to the range seen first, then
 * (for languages that share the "*") to the fallback. Anything malformed,
 * or a header longer than ACCEPT_LANG_MAX, yields the fallback.
 */

#define ACCEPT_LANG_MAX 4096
#define Q_NONE (-1)
#define RANGE_WILD LANG_COUNT
#define RANGE_OTHER (LANG_COUNT + 1)

struct lang_score {
	int q;      /* thousandths; Q_NONE when no range applies */
	size_t pos; /* index of the range that gave q */
};

struct al_parser {
	const char *p;
	const char *end;
};

static void al_skip_ows(struct al_parser *ap)
{
	while (ap->p < ap->end && is_blank((unsigned char)*ap->p))
		ap->p++;
}

/* Consumes a subtag of 1 to 8 characters accepted by ok(); 0 if none. */
static size_t al_subtag(struct al_parser *ap, int (*ok)(int))
{
	size_t n = 0;

	while (n < 9 && ap->p + n < ap->end && ok((unsigned char)ap->p[n]))
		n++;
	if (n == 0 || n > 8)
		return 0;
	ap->p += n;
	return n;
}

static int match_primary(const char *s)
{
	for (int i = 0; i < LANG_COUNT; i++) {
		if (ascii_lower((unsigned char)s[0]) == lang_codes[i][0] &&
		    ascii_lower((unsigned char)s[1]) == lang_codes[i][1])
			return i;
	}
	return RANGE_OTHER;
}

/* Returns a language index, RANGE_WILD, RANGE_OTHER, or -1 when malformed. */
static int al_range(struct al_parser *ap)
{
	const char *start = ap->p;
	size_t n;

	if (ap->p < ap->end && *ap->p == '*') {
		ap->p++;
		return RANGE_WILD;
	}
	n = al_subtag(ap, is_alpha);
	if (n == 0)
		return -1;
	while (ap->p < ap->end && *ap->p == '-') {
		ap->p++;
		if (al_subtag(ap, is_alnum) == 0)
			return -1;
	}
	return n == 2 ? match_primary(start) : RANGE_OTHER;
}

/* Returns the qvalue in thousandths, or -1. */
static int al_qvalue(struct al_parser *ap)
{
	int q, scale = 100;

	if (ap->p >= ap->end || (*ap->p != '0' && *ap->p != '1'))
		return -1;
	q = (*ap->p++ - '0') * 1000;
	if (ap->p >= ap->end || *ap->p != '.')
		return q;
	ap->p++;
	for (int i = 0; i < 3 && ap->p < ap->end && is_digit((unsigned char)*ap->p); i++) {
		q += (*ap->p++ - '0') * scale;
		scale /= 10;
	}
	return q > 1000 ? -1 : q;
}

/* Returns the weight in thousandths (1000 when absent), or -1. */
static int al_weight(struct al_parser *ap)
{
	const char *save = ap->p;

	al_skip_ows(ap);
	if (ap->p >= ap->end || *ap->p != ';') {
		ap->p = save;
		return 1000;
	}
	ap->p++;
	al_skip_ows(ap);
	if (ap->end - ap->p < 2 || ascii_lower((unsigned char)ap->p[0]) != 'q' || ap->p[1] != '=')
		return -1;
	ap->p += 2;
	return al_qvalue(ap);
}

static int al_element(struct al_parser *ap, struct lang_score *sc, size_t pos)
{
	int r = al_range(ap);
	int q;

	if (r < 0)
		return -1;
	q = al_weight(ap);
	if (q < 0)
		return -1;
	if (r < RANGE_OTHER && q > sc[r].q) {
		sc[r].q = q;
		sc[r].pos = pos;
	}
	return 0;
}

/* Fills sc (LANG_COUNT languages, then "*"); 0, or -1 when malformed. */
static int al_parse(const char *s, size_t len, struct lang_score *sc)
{
	struct al_parser ap = {s, s + len};
	size_t pos = 0;

	for (;;) {
		al_skip_ows(&ap);
		if (ap.p == ap.end)
			return 0;
		if (*ap.p == ',') {
			ap.p++;
			continue;
		}
		if (al_element(&ap, sc, pos++) < 0)
			return -1;
		al_skip_ows(&ap);
		if (ap.p < ap.end && *ap.p++ != ',')
			return -1;
	}
}

static int score_better(struct lang_score a, struct lang_score b, int a_is_fallback)
{
	if (a.q != b.q)
		return a.q > b.q;
	if (a.pos != b.pos)
		return a.pos < b.pos;
	return a_is_fallback;
}

static enum lang pick_best(const struct lang_score *sc, enum lang fallback)
{
	enum lang best = fallback;
	struct lang_score bs = {0, 0};
	int found = 0;

	for (int i = 0; i < LANG_COUNT; i++) {
		struct lang_score e = sc[i].q != Q_NONE ? sc[i] : sc[RANGE_WILD];

		if (e.q <= 0)
			continue;
		if (!found || score_better(e, bs, (enum lang)i == fallback)) {
			best = (enum lang)i;
			bs = e;
			found = 1;
		}
	}
	return best;
}

enum lang lang_negotiate(const char *accept_language, enum lang fallback)
{
	struct lang_score sc[LANG_COUNT + 1];
	size_t len;

	if (!accept_language)
		return fallback;
	len = strnlen(accept_language, ACCEPT_LANG_MAX + 1);
	if (len > ACCEPT_LANG_MAX)
		return fallback;
	for (int i = 0; i <= LANG_COUNT; i++) {
		sc[i].q = Q_NONE;
		sc[i].pos = 0;
	}
	if (al_parse(accept_language, len, sc) < 0)
		return fallback;
	return pick_best(sc, fallback);
}

/* ------------------------------------------------------------------ */
/* Hash tables */

struct entry {
	char *key;
	char **forms;  /* nforms strings; NULL where untranslated */
	size_t nforms; /* 0 for fuzzy entries */
	size_t line;   /* where the entry starts, for error messages */
};

struct table {
	struct entry **slots;
	size_t cap; /* 0 or a power of two */
	size_t count;
};

struct i18n {
	struct table tab[LANG_COUNT];
};

static size_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static struct entry *table_find(const struct table *t, const char *key)
{
	size_t mask = t->cap - 1;

	if (t->cap == 0)
		return NULL;
	for (size_t i = hash_str(key) & mask; t->slots[i]; i = (i + 1) & mask)
		if (strcmp(t->slots[i]->key, key) == 0)
			return t->slots[i];
	return NULL;
}

static void table_place(struct entry **slots, size_t cap, struct entry *e)
{
	size_t i = hash_str(e->key) & (cap - 1);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = e;
}

static void table_grow(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct entry **slots = xcalloc(cap, sizeof *slots);

	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			table_place(slots, cap, t->slots[i]);
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
}

/* Adds e, whose key must not be in t yet. */
static void table_add(struct table *t, struct entry *e)
{
	if ((t->count + 1) * 4 > t->cap * 3)
		table_grow(t);
	table_place(t->slots, t->cap, e);
	t->count++;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nforms; i++)
		free(e->forms[i]);
	free(e->forms);
	free(e->key);
	free(e);
}

static void table_release(struct table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		entry_free(t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
	t->count = 0;
}

/* ------------------------------------------------------------------ */
/* .po parser */

#define PO_MAX_FORMS 8
#define PO_FILE_MAX ((size_t)16 << 20)

enum po_state { PS_NONE, PS_CTXT, PS_ID, PS_PLURAL, PS_STR };

/* The entry being parsed. */
struct po_msg {
	struct buf ctxt, id, plural;
	struct buf str[PO_MAX_FORMS];
	size_t nstr;
	int has_ctxt, has_plural, fuzzy;
	size_t line;
};

struct po_parser {
	const char *name;
	struct table *t;
	enum po_state state;
	struct buf *cur; /* the field continuation strings extend */
	struct po_msg m;
	int fuzzy_next; /* "#, fuzzy" seen for the next entry */
	int seen_header;
	size_t line;
	char *err;
	size_t errlen;
};

static int po_fail(struct po_parser *ps, size_t line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int po_fail(struct po_parser *ps, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || ps->errlen == 0)
		return -1;
	n = snprintf(ps->err, ps->errlen, "%s:%zu: ", ps->name, line);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void po_init(struct po_parser *ps, const char *name, struct table *t, char *err,
                    size_t errlen)
{
	memset(ps, 0, sizeof *ps);
	ps->name = name;
	ps->t = t;
	ps->err = err;
	ps->errlen = errlen;
	buf_init(&ps->m.ctxt, 0);
	buf_init(&ps->m.id, 0);
	buf_init(&ps->m.plural, 0);
	for (size_t i = 0; i < PO_MAX_FORMS; i++)
		buf_init(&ps->m.str[i], 0);
}

static void po_release(struct po_parser *ps)
{
	buf_release(&ps->m.ctxt);
	buf_release(&ps->m.id);
	buf_release(&ps->m.plural);
	for (size_t i = 0; i < PO_MAX_FORMS; i++)
		buf_release(&ps->m.str[i]);
}

static char po_unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case '"':
		return '"';
	case '\\':
		return '\\';
	default:
		return '\0';
	}
}

static int po_bad_escape(struct po_parser *ps, char c)
{
	if (c > ' ' && c < 0x7f)
		return po_fail(ps, ps->line, "unknown escape sequence '\\%c'", c);
	return po_fail(ps, ps->line, "unknown escape sequence");
}

/* Decodes the quoted string s[0..n) and appends it to out. Only blanks may
 * follow the closing quote. */
static int po_string(struct po_parser *ps, const char *s, size_t n, struct buf *out)
{
	size_t i = 1;

	if (n == 0 || s[0] != '"')
		return po_fail(ps, ps->line, "expected '\"'");
	while (i < n && s[i] != '"') {
		size_t run = 0;

		while (i + run < n && s[i + run] != '"' && s[i + run] != '\\')
			run++;
		buf_add(out, s + i, run);
		i += run;
		if (i < n && s[i] == '\\') {
			if (i + 1 == n)
				return po_fail(ps, ps->line, "unterminated string");
			if (po_unescape(s[i + 1]) == '\0')
				return po_bad_escape(ps, s[i + 1]);
			buf_addc(out, po_unescape(s[i + 1]));
			i += 2;
		}
	}
	if (i >= n)
		return po_fail(ps, ps->line, "unterminated string");
	for (i++; i < n && is_blank((unsigned char)s[i]); i++)
		;
	if (i < n)
		return po_fail(ps, ps->line, "unexpected text after string");
	return 0;
}

/* Parses the string after a keyword into out; later lines may extend it. */
static int po_field(struct po_parser *ps, const char *s, size_t n, struct buf *out)
{
	while (n > 0 && is_blank((unsigned char)*s)) {
		s++;
		n--;
	}
	ps->cur = out;
	return po_string(ps, s, n, out);
}

static char *po_key(const struct po_msg *m)
{
	struct buf k = BUF_INIT;

	if (m->has_ctxt) {
		buf_add(&k, buf_str(&m->ctxt), m->ctxt.len);
		buf_addc(&k, '\004');
	}
	buf_add(&k, buf_str(&m->id), m->id.len);
	return buf_detach(&k, NULL);
}

static struct entry *entry_new(char *key, const struct po_msg *m)
{
	struct entry *e = xcalloc(1, sizeof *e);

	e->key = key;
	e->line = m->line;
	e->nforms = m->fuzzy ? 0 : m->nstr;
	e->forms = xcalloc(e->nforms ? e->nforms : 1, sizeof *e->forms);
	for (size_t i = 0; i < e->nforms; i++)
		if (m->str[i].len > 0)
			e->forms[i] = xstrndup(m->str[i].data, m->str[i].len);
	return e;
}

static int po_store(struct po_parser *ps)
{
	char *key = po_key(&ps->m);
	struct entry *old = table_find(ps->t, key);

	if (old) {
		po_fail(ps, ps->m.line, "duplicate msgid \"%.80s\" (first at line %zu)", key,
		        old->line);
		free(key);
		return -1;
	}
	table_add(ps->t, entry_new(key, &ps->m));
	return 0;
}

/* Completes the current entry, if any. */
static int po_finish(struct po_parser *ps)
{
	if (ps->state != PS_STR)
		return 0;
	ps->state = PS_NONE;
	ps->cur = NULL;
	if (ps->m.has_ctxt || ps->m.id.len > 0)
		return po_store(ps);
	if (ps->seen_header)
		return po_fail(ps, ps->m.line, "duplicate header entry");
	ps->seen_header = 1;
	return 0;
}

/* Completes the previous entry and starts a new one on this line. */
static int po_begin(struct po_parser *ps)
{
	struct po_msg *m = &ps->m;

	if (po_finish(ps) < 0)
		return -1;
	buf_reset(&m->ctxt);
	buf_reset(&m->id);
	buf_reset(&m->plural);
	for (size_t i = 0; i < PO_MAX_FORMS; i++)
		buf_reset(&m->str[i]);
	m->nstr = 0;
	m->has_ctxt = 0;
	m->has_plural = 0;
	m->fuzzy = ps->fuzzy_next;
	m->line = ps->line;
	ps->fuzzy_next = 0;
	return 0;
}

static int po_msgctxt(struct po_parser *ps, const char *s, size_t n)
{
	if (ps->state != PS_NONE && ps->state != PS_STR)
		return po_fail(ps, ps->line, "unexpected msgctxt");
	if (po_begin(ps) < 0)
		return -1;
	ps->m.has_ctxt = 1;
	ps->state = PS_CTXT;
	return po_field(ps, s, n, &ps->m.ctxt);
}

static int po_msgid(struct po_parser *ps, const char *s, size_t n)
{
	if (ps->state == PS_ID || ps->state == PS_PLURAL)
		return po_fail(ps, ps->line, "unexpected msgid (previous entry has no msgstr)");
	if (ps->state != PS_CTXT && po_begin(ps) < 0)
		return -1;
	ps->state = PS_ID;
	return po_field(ps, s, n, &ps->m.id);
}

static int po_msgid_plural(struct po_parser *ps, const char *s, size_t n)
{
	if (ps->state != PS_ID)
		return po_fail(ps, ps->line, "unexpected msgid_plural");
	ps->m.has_plural = 1;
	ps->state = PS_PLURAL;
	return po_field(ps, s, n, &ps->m.plural);
}

/* Parses "[N]" at s; returns the bytes used, or 0. */
static size_t po_index(const char *s, size_t n, size_t *idx)
{
	size_t i = 1, v = 0;

	while (i < n && i < 4 && is_digit((unsigned char)s[i]))
		v = v * 10 + (size_t)(s[i++] - '0');
	if (i == 1 || i >= n || s[i] != ']')
		return 0;
	*idx = v;
	return i + 1;
}

static int po_msgstr_n(struct po_parser *ps, const char *s, size_t n)
{
	size_t idx = 0;
	size_t used = po_index(s, n, &idx);

	if (used == 0)
		return po_fail(ps, ps->line, "malformed msgstr index");
	if (ps->state == PS_ID || (ps->state == PS_STR && !ps->m.has_plural))
		return po_fail(ps, ps->line, "msgstr[%zu] without msgid_plural", idx);
	if (ps->state != PS_PLURAL && ps->state != PS_STR)
		return po_fail(ps, ps->line, "unexpected msgstr[%zu]", idx);
	if (idx != ps->m.nstr)
		return po_fail(ps, ps->line, "msgstr[%zu] out of order", idx);
	if (idx >= PO_MAX_FORMS)
		return po_fail(ps, ps->line, "too many plural forms");
	ps->m.nstr++;
	ps->state = PS_STR;
	return po_field(ps, s + used, n - used, &ps->m.str[idx]);
}

static int po_msgstr(struct po_parser *ps, const char *s, size_t n)
{
	if (n > 0 && s[0] == '[')
		return po_msgstr_n(ps, s, n);
	if (ps->state == PS_PLURAL)
		return po_fail(ps, ps->line, "msgstr without index after msgid_plural");
	if (ps->state != PS_ID)
		return po_fail(ps, ps->line, "unexpected msgstr");
	ps->m.nstr = 1;
	ps->state = PS_STR;
	return po_field(ps, s, n, &ps->m.str[0]);
}

typedef int (*po_keyword_fn)(struct po_parser *ps, const char *s, size_t n);

static int po_keyword(struct po_parser *ps, const char *s, size_t n)
{
	static const struct {
		const char *word;
		po_keyword_fn fn;
	} kw[] = {
	        {"msgctxt", po_msgctxt},
	        {"msgid_plural", po_msgid_plural},
	        {"msgid", po_msgid},
	        {"msgstr", po_msgstr},
	};

	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
		size_t len = strlen(kw[i].word);

		if (n <= len || memcmp(s, kw[i].word, len) != 0)
			continue;
		if (is_blank((unsigned char)s[len]) || s[len] == '"' || s[len] == '[')
			return kw[i].fn(ps, s + len, n - len);
	}
	return po_fail(ps, ps->line, "unknown keyword");
}

/* Looks for the "fuzzy" flag in the text of a "#," comment. */
static int po_has_fuzzy(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start;

		while (i < n && (s[i] == ',' || is_blank((unsigned char)s[i])))
			i++;
		start = i;
		while (i < n && s[i] != ',' && !is_blank((unsigned char)s[i]))
			i++;
		if (i - start == 5 && memcmp(s + start, "fuzzy", 5) == 0)
			return 1;
	}
	return 0;
}

static int po_comment(struct po_parser *ps, const char *s, size_t n)
{
	if (ps->state == PS_CTXT || ps->state == PS_ID || ps->state == PS_PLURAL)
		return po_fail(ps, ps->line, "comment inside an entry");
	if (po_finish(ps) < 0)
		return -1;
	if (n >= 2 && s[1] == ',' && po_has_fuzzy(s + 2, n - 2))
		ps->fuzzy_next = 1;
	return 0;
}

static int po_line(struct po_parser *ps, const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return po_fail(ps, ps->line, "NUL byte");
	if (!utf8_valid(s, n))
		return po_fail(ps, ps->line, "invalid UTF-8");
	while (n > 0 && is_blank((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && (is_blank((unsigned char)s[n - 1]) || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return 0;
	if (s[0] == '#')
		return po_comment(ps, s, n);
	if (s[0] != '"')
		return po_keyword(ps, s, n);
	if (!ps->cur)
		return po_fail(ps, ps->line, "string without keyword");
	return po_string(ps, s, n, ps->cur);
}

static int po_parse(struct po_parser *ps, const char *src, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		const char *nl = memchr(src + i, '\n', len - i);
		size_t eol = nl ? (size_t)(nl - src) : len;

		ps->line++;
		if (po_line(ps, src + i, eol - i) < 0)
			return -1;
		i = eol + 1;
	}
	if (ps->state != PS_NONE && ps->state != PS_STR)
		return po_fail(ps, ps->line, "unexpected end of file (entry without msgstr)");
	return po_finish(ps);
}

/* Moves every entry of src into dst, or none if a key is already there. */
static int table_merge(struct table *dst, struct table *src, struct po_parser *ps)
{
	for (size_t i = 0; i < src->cap; i++) {
		struct entry *e = src->slots[i];

		if (e && table_find(dst, e->key))
			return po_fail(ps, e->line, "duplicate msgid \"%.80s\" (already loaded)",
			               e->key);
	}
	for (size_t i = 0; i < src->cap; i++) {
		if (src->slots[i])
			table_add(dst, src->slots[i]);
		src->slots[i] = NULL;
	}
	src->count = 0;
	return 0;
}

int i18n_load_po(struct i18n *cat, enum lang l, const char *name, const char *src, size_t len,
                 char *err, size_t errlen)
{
	struct po_parser ps;
	struct table t = {NULL, 0, 0};
	int rc = -1;

	if (!name)
		name = "<po>";
	if (!cat || (unsigned)l >= LANG_COUNT || (!src && len > 0)) {
		set_err(err, errlen, "%s: invalid argument", name);
		return -1;
	}
	po_init(&ps, name, &t, err, errlen);
	if (len > 0 && po_parse(&ps, src, len) < 0)
		goto out;
	if (table_merge(&cat->tab[l], &t, &ps) < 0)
		goto out;
	rc = 0;
out:
	po_release(&ps);
	table_release(&t);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Catalogue */

struct i18n *i18n_new(void)
{
	return xcalloc(1, sizeof(struct i18n));
}

void i18n_free(struct i18n *cat)
{
	if (!cat)
		return;
	for (int i = 0; i < LANG_COUNT; i++)
		table_release(&cat->tab[i]);
	free(cat);
}

static int load_file(struct i18n *cat, const char *path, enum lang l, char *err, size_t errlen)
{
	struct buf src = BUF_INIT;
	int rc = -1;

	buf_init(&src, PO_FILE_MAX);
	if (file_read(path, &src, err, errlen) < 0)
		goto out;
	rc = i18n_load_po(cat, l, path, buf_str(&src), src.len, err, errlen);
out:
	buf_release(&src);
	return rc;
}

static int is_po(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return e->d_name[0] != '.' && n > 3 && strcmp(e->d_name + n - 3, ".po") == 0;
}

/* Loads every .po file of DIR/LANG/, in name order. */
static int load_lang(struct i18n *cat, const char *dir, enum lang l, char *err, size_t errlen)
{
	struct buf path = BUF_INIT;
	struct dirent **names = NULL;
	int n, rc = 0;

	buf_addf(&path, "%s/%s", dir, lang_code(l));
	n = scandir(buf_str(&path), &names, is_po, alphasort);
	if (n <= 0) {
		set_err(err, errlen, "%s: %s", buf_str(&path),
		        n < 0 ? strerror(errno) : "no .po catalogue");
		rc = -1;
	}
	for (int i = 0; i < n; i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s/%s", dir, lang_code(l), names[i]->d_name);
		if (rc == 0)
			rc = load_file(cat, buf_str(&path), l, err, errlen);
		free(names[i]);
	}
	free(names);
	buf_release(&path);
	return rc;
}

int i18n_load(const char *dir, struct i18n **out, char *err, size_t errlen)
{
	struct i18n *cat = NULL;
	int rc = -1;

	if (!dir || !out) {
		set_err(err, errlen, "i18n_load: invalid argument");
		return -1;
	}
	*out = NULL;
	cat = i18n_new();
	for (int i = 0; i < LANG_COUNT; i++)
		if (load_lang(cat, dir, (enum lang)i, err, errlen) < 0)
			goto out;
	*out = cat;
	cat = NULL;
	rc = 0;
out:
	i18n_free(cat);
	return rc;
}

static const struct entry *cat_find(const struct i18n *cat, enum lang l, const char *key)
{
	if (!cat || !key || (unsigned)l >= LANG_COUNT)
		return NULL;
	return table_find(&cat->tab[l], key);
}

const char *i18n_lookup(const struct i18n *cat, enum lang l, const char *key)
{
	const struct entry *e = cat_find(cat, l, key);

	return e && e->nforms > 0 ? e->forms[0] : NULL;
}

const char *i18n_get(const struct i18n *cat, enum lang l, const char *key)
{
	const char *s = i18n_lookup(cat, l, key);

	return s ? s : key;
}

/* CLDR cardinal rules for integers, on |n|. */
static size_t plural_index(enum lang l, int64_t n)
{
	uint64_t a = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
	uint64_t m = a % 100;

	switch (lang_valid(l)) {
	case LANG_AR:
		if (a <= 2)
			return (size_t)a;
		if (m >= 3 && m <= 10)
			return 3;
		return m >= 11 ? 4 : 5;
	case LANG_FR:
		return a <= 1 ? 0 : 1;
	default:
		return a == 1 ? 0 : 1;
	}
}

const char *i18n_nget(const struct i18n *cat, enum lang l, const char *key, int64_t n)
{
	const struct entry *e = cat_find(cat, l, key);
	size_t i = plural_index(l, n);

	if (!e || i >= e->nforms || !e->forms[i])
		return key;
	return e->forms[i];
}

size_t i18n_count(const struct i18n *cat, enum lang l)
{
	if (!cat || (unsigned)l >= LANG_COUNT)
		return 0;
	return cat->tab[l].count;
}

void i18n_each_key(const struct i18n *cat, enum lang l, void (*fn)(void *ud, const char *key),
                   void *ud)
{
	const struct table *t;

	if (!cat || !fn || (unsigned)l >= LANG_COUNT)
		return;
	t = &cat->tab[l];
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			fn(ud, t->slots[i]->key);
}

/* ------------------------------------------------------------------ */
/* Formatting */

/* Thousands separators: "." (ar, Moroccan usage), U+202F (fr), "," (en). */
static const char *const group_sep[LANG_COUNT] = {".", "\xE2\x80\xAF", ","};

int i18n_format_int(enum lang l, int64_t v, struct buf *out)
{
	const char *sep = group_sep[lang_valid(l)];
	size_t seplen = strlen(sep);
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char digits[20];
	char text[64];
	size_t nd = 0, len = 0;

	do {
		digits[nd++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag > 0);
	if (v < 0)
		text[len++] = '-';
	while (nd > 0) {
		text[len++] = digits[--nd];
		if (nd > 0 && nd % 3 == 0) {
			memcpy(text + len, sep, seplen);
			len += seplen;
		}
	}
	return buf_add(out, text, len);
}

static const char *const month_names[LANG_COUNT][12] = {
        {"يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر",
         "نونبر", "دجنبر"},
        {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre"},
        {"January", "February", "March", "April", "May", "June", "July", "August", "September",
         "October", "November", "December"},
};

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Years 1 to 9999 of the proleptic Gregorian calendar. */
int i18n_format_date(enum lang l, int year, int month, int day, struct buf *out)
{
	const char *suffix;

	if (year < 1 || year > 9999 || month < 1 || month > 12)
		return -1;
	if (day < 1 || day > days_in_month(year, month))
		return -1;
	l = lang_valid(l);
	suffix = l == LANG_FR && day == 1 ? "er" : "";
	return buf_addf(out, "%d%s %s %d", day, suffix, month_names[l][month - 1], year);
}
