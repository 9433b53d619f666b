/* tmpl: compiled HTML templates that escape by default (see tmpl.h and
 * docs/TEMPLATES.md).
 *
 * Each template is parsed once into a tree of nodes allocated from its own
 * arena. The parser is iterative (an explicit stack of open blocks, at most
 * MAX_NESTING deep), so hostile input cannot exhaust the C stack; rendering
 * recurses at most MAX_NESTING levels per template and MAX_PARTIAL_DEPTH
 * templates deep.
 */
#include "web/tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/file.h"
#include "core/parse.h"
#include "core/xalloc.h"

#define MAX_NESTING 64
#define MAX_PARTIAL_DEPTH 16
#define MAX_ARGS 32 /* of one {{t}} */
#define MAX_FILE_SIZE (4u << 20)
#define SHOW_MAX 40 /* bytes of a bad token quoted in an error message */

enum node_kind {
	N_TEXT,
	N_VAR,
	N_URL,
	N_IF,
	N_UNLESS,
	N_EACH,
	N_PARTIAL,
	N_T,
	N_CONTENT,
};

enum ref_kind { REF_PATH, REF_INDEX, REF_FIRST, REF_LAST };

/* A value reference: a dotted path (no segments: ".") or an @ variable. */
struct ref {
	enum ref_kind kind;
	size_t nsegs;
	char **segs;
};

/* A named argument of {{t}}: name=ref. */
struct targ {
	struct targ *next;
	const char *name;
	size_t name_len;
	struct ref ref;
};

struct node {
	struct node *next;
	enum node_kind kind;
	unsigned line;
	const char *text; /* N_TEXT bytes, N_PARTIAL name, N_T literal key */
	size_t len;
	struct ref ref;    /* N_VAR, N_URL, blocks, N_T key when text is NULL */
	struct node *body; /* N_IF, N_UNLESS, N_EACH */
	struct node *alt;  /* the part after {{else}} */
	struct targ *args; /* N_T */
};

struct tmpl {
	struct arena arena;
	const char *name;
	const char *label; /* for messages: the file path, or the name */
	struct node *root;
};

struct tmpl_set {
	struct tmpl **v;
	size_t n;
	size_t cap;
};

/* ---- Small helpers ---- */

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

/* Formats "label:line: message" into err. Always returns -1. */
static int vlocated_err(char *err, size_t errlen, const char *label, unsigned line, const char *fmt,
                        va_list ap) __attribute__((format(printf, 5, 0)));

static int vlocated_err(char *err, size_t errlen, const char *label, unsigned line, const char *fmt,
                        va_list ap)
{
	int k;

	if (!err || errlen == 0)
		return -1;
	k = snprintf(err, errlen, "%s:%u: ", label, line);
	if (k >= 0 && (size_t)k < errlen)
		vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
	return -1;
}

/* How many bytes of an n-byte token an error message quotes ("%.*s"). */
static int shown(size_t n)
{
	return n > SHOW_MAX ? SHOW_MAX : (int)n;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static int is_name_char(char c)
{
	return is_word_char(c) || c == '.' || c == '/';
}

static int token_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(p, word, n) == 0;
}

static unsigned count_lines(const char *p, size_t n)
{
	unsigned lines = 0;

	for (const char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		lines++;
	return lines;
}

/* ---- Tag scanning ---- */

struct scan {
	const char *p;
	const char *end;
};

struct tok {
	const char *p;
	size_t n;
};

static void skip_blanks(struct scan *s)
{
	while (s->p < s->end && is_blank(*s->p))
		s->p++;
}

static int scan_done(struct scan *s)
{
	skip_blanks(s);
	return s->p == s->end;
}

/* Reads the next blank-separated token; a token starting with '"' runs to
 * the closing quote (included). Returns 1, 0 at the end, -1 for an
 * unterminated string. */
static int next_token(struct scan *s, struct tok *t)
{
	const char *q;

	skip_blanks(s);
	t->p = s->p;
	if (s->p == s->end)
		return 0;
	if (*s->p == '"') {
		q = memchr(s->p + 1, '"', (size_t)(s->end - s->p - 1));
		if (!q)
			return -1;
		s->p = q + 1;
	} else {
		while (s->p < s->end && !is_blank(*s->p))
			s->p++;
	}
	t->n = (size_t)(s->p - t->p);
	return 1;
}

/* ---- Parser ---- */

struct frame {
	struct node *block; /* NULL for the template itself */
	struct node **tail; /* where the next node is linked */
	unsigned line;
	int in_else;
};

struct parser {
	struct arena *a;
	const char *label;
	unsigned line; /* line of the tag being parsed */
	int depth;     /* index of the innermost open block in stack */
	struct frame stack[MAX_NESTING + 1];
	char *err;
	size_t errlen;
};

static int perr(struct parser *p, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlocated_err(p->err, p->errlen, p->label, line, fmt, ap);
	va_end(ap);
	return -1;
}

static int bad_arg(struct parser *p, const struct tok *t)
{
	return perr(p, p->line, "bad argument syntax '%.*s'", shown(t->n), t->p);
}

/* "#if", "#unless" or "#each"; block_word() drops the '#'. */
static const char *open_word(enum node_kind k)
{
	return k == N_IF ? "#if" : k == N_UNLESS ? "#unless" : "#each";
}

static const char *block_word(enum node_kind k)
{
	return open_word(k) + 1;
}

static int block_kind(const char *p, size_t n, enum node_kind *k)
{
	if (token_is(p, n, "if"))
		*k = N_IF;
	else if (token_is(p, n, "unless"))
		*k = N_UNLESS;
	else if (token_is(p, n, "each"))
		*k = N_EACH;
	else
		return -1;
	return 0;
}

static struct node *add_node(struct parser *p, enum node_kind kind)
{
	struct frame *f = &p->stack[p->depth];
	struct node *n = arena_zalloc(p->a, sizeof(*n));

	n->kind = kind;
	n->line = p->line;
	*f->tail = n;
	f->tail = &n->next;
	return n;
}

static int parse_special(struct parser *p, const struct tok *t, struct ref *r)
{
	if (token_is(t->p, t->n, "@index"))
		r->kind = REF_INDEX;
	else if (token_is(t->p, t->n, "@first"))
		r->kind = REF_FIRST;
	else if (token_is(t->p, t->n, "@last"))
		r->kind = REF_LAST;
	else
		return perr(p, p->line, "unknown variable '%.*s'", shown(t->n), t->p);
	return 0;
}

/* Counts the segments of a dotted path, or returns 0 when it is malformed. */
static size_t path_segments(const char *s, size_t n)
{
	size_t segs = 1, run = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (run == 0)
				return 0;
			segs++;
			run = 0;
		} else if (is_word_char(s[i])) {
			run++;
		} else {
			return 0;
		}
	}
	return run ? segs : 0;
}

static int parse_ref(struct parser *p, const struct tok *t, struct ref *r)
{
	size_t segs, start = 0;

	memset(r, 0, sizeof(*r));
	if (t->n > 0 && t->p[0] == '@')
		return parse_special(p, t, r);
	if (token_is(t->p, t->n, "."))
		return 0;
	segs = path_segments(t->p, t->n);
	if (segs == 0)
		return bad_arg(p, t);
	r->segs = arena_alloc(p->a, segs * sizeof(*r->segs));
	for (size_t i = 0; i <= t->n; i++) {
		if (i < t->n && t->p[i] != '.')
			continue;
		r->segs[r->nsegs++] = arena_strndup(p->a, t->p + start, i - start);
		start = i + 1;
	}
	return 0;
}

/* Reads exactly one token as a reference, with nothing after it. */
static int parse_sole_ref(struct parser *p, struct scan *s, const char *what, struct ref *r)
{
	struct tok t;

	if (next_token(s, &t) <= 0)
		return perr(p, p->line, "{{%s}} takes one argument", what);
	if (parse_ref(p, &t, r) < 0)
		return -1;
	if (next_token(s, &t) != 0)
		return perr(p, p->line, "{{%s}} takes one argument", what);
	return 0;
}

static int parse_open(struct parser *p, const char *c, size_t n)
{
	struct scan s = {c, c + n};
	struct tok w = {c, 0};
	enum node_kind kind;
	struct node *node;
	struct frame *f;

	while (w.n < n && !is_blank(c[w.n]))
		w.n++;
	s.p += w.n;
	if (block_kind(w.p, w.n, &kind) < 0)
		return perr(p, p->line, "unknown helper '#%.*s'", shown(w.n), w.p);
	if (p->depth == MAX_NESTING)
		return perr(p, p->line, "blocks nested deeper than %d", MAX_NESTING);
	node = add_node(p, kind);
	if (parse_sole_ref(p, &s, open_word(kind), &node->ref) < 0)
		return -1;
	f = &p->stack[++p->depth];
	f->block = node;
	f->tail = &node->body;
	f->line = p->line;
	f->in_else = 0;
	return 0;
}

static int parse_close(struct parser *p, const char *c, size_t n)
{
	struct scan s = {c, c + n};
	struct tok w;
	enum node_kind kind;
	const struct frame *f = &p->stack[p->depth];

	if (next_token(&s, &w) <= 0 || !scan_done(&s))
		return perr(p, p->line, "bad close tag");
	if (block_kind(w.p, w.n, &kind) < 0)
		return perr(p, p->line, "unknown helper '/%.*s'", shown(w.n), w.p);
	if (p->depth == 0)
		return perr(p, p->line, "mismatched close tag {{/%s}}: no block is open",
		            block_word(kind));
	if (f->block->kind != kind)
		return perr(p, p->line, "mismatched close tag {{/%s}}: {{#%s}} of line %u is open",
		            block_word(kind), block_word(f->block->kind), f->line);
	p->depth--;
	return 0;
}

static int parse_else(struct parser *p)
{
	struct frame *f = &p->stack[p->depth];

	if (p->depth == 0)
		return perr(p, p->line, "{{else}} outside a block");
	if (f->in_else)
		return perr(p, p->line, "second {{else}} in {{#%s}} of line %u",
		            block_word(f->block->kind), f->line);
	f->in_else = 1;
	f->tail = &f->block->alt;
	return 0;
}

static int parse_partial(struct parser *p, const char *c, size_t n)
{
	struct scan s = {c, c + n};
	struct tok t;
	struct node *node;

	if (next_token(&s, &t) <= 0 || !scan_done(&s))
		return perr(p, p->line, "{{>}} takes one template name");
	for (size_t i = 0; i < t.n; i++)
		if (!is_name_char(t.p[i]))
			return bad_arg(p, &t);
	node = add_node(p, N_PARTIAL);
	node->text = arena_strndup(p->a, t.p, t.n);
	node->len = t.n;
	return 0;
}

static int parse_key(struct parser *p, const struct tok *t, struct node *node)
{
	if (t->p[0] != '"')
		return parse_ref(p, t, &node->ref);
	if (t->n < 3 || memchr(t->p, '\0', t->n))
		return bad_arg(p, t);
	node->text = arena_strndup(p->a, t->p + 1, t->n - 2);
	node->len = t->n - 2;
	return 0;
}

static int parse_targ(struct parser *p, const struct tok *t, struct node *node)
{
	const char *eq = memchr(t->p, '=', t->n);
	struct targ *a;
	struct tok v;
	int count = 0;

	if (!eq || eq == t->p)
		return bad_arg(p, t);
	for (const char *q = t->p; q < eq; q++)
		if (!is_word_char(*q))
			return bad_arg(p, t);
	v.p = eq + 1;
	v.n = (size_t)(t->p + t->n - v.p);
	a = arena_zalloc(p->a, sizeof(*a));
	a->name_len = (size_t)(eq - t->p);
	a->name = arena_strndup(p->a, t->p, a->name_len);
	for (const struct targ *o = node->args; o; o = o->next, count++)
		if (o->name_len == a->name_len && memcmp(o->name, a->name, a->name_len) == 0)
			return perr(p, p->line, "duplicate argument '%.*s'", shown(a->name_len),
			            a->name);
	if (count == MAX_ARGS)
		return perr(p, p->line, "more than %d arguments", MAX_ARGS);
	if (v.n == 0)
		return bad_arg(p, t);
	if (parse_ref(p, &v, &a->ref) < 0)
		return -1;
	a->next = node->args;
	node->args = a;
	return 0;
}

static int parse_t(struct parser *p, struct scan *s)
{
	struct node *node = add_node(p, N_T);
	struct tok t;
	int rc;

	if (next_token(s, &t) <= 0)
		return perr(p, p->line, "bad argument syntax: unterminated string");
	if (parse_key(p, &t, node) < 0)
		return -1;
	while ((rc = next_token(s, &t)) > 0)
		if (parse_targ(p, &t, node) < 0)
			return -1;
	return rc < 0 ? perr(p, p->line, "bad argument syntax: unterminated string") : 0;
}

/* A tag that is not a block, a comment or a partial. */
static int parse_expr(struct parser *p, const char *c, size_t n)
{
	struct scan s = {c, c + n};
	struct tok w;

	if (next_token(&s, &w) < 0)
		return perr(p, p->line, "bad argument syntax: unterminated string");
	if (scan_done(&s)) {
		if (token_is(w.p, w.n, "else"))
			return parse_else(p);
		if (token_is(w.p, w.n, "@content")) {
			add_node(p, N_CONTENT);
			return 0;
		}
		return parse_ref(p, &w, &add_node(p, N_VAR)->ref);
	}
	if (token_is(w.p, w.n, "url"))
		return parse_sole_ref(p, &s, "url", &add_node(p, N_URL)->ref);
	if (token_is(w.p, w.n, "t"))
		return parse_t(p, &s);
	return perr(p, p->line, "unknown helper '%.*s'", shown(w.n), w.p);
}

/* c/n: the bytes between "{{" and "}}". */
static int parse_tag(struct parser *p, const char *c, size_t n)
{
	while (n > 0 && is_blank(c[0])) {
		c++;
		n--;
	}
	while (n > 0 && is_blank(c[n - 1]))
		n--;
	if (n == 0)
		return perr(p, p->line, "empty tag");
	switch (c[0]) {
	case '!':
		return 0;
	case '#':
		return parse_open(p, c + 1, n - 1);
	case '/':
		return parse_close(p, c + 1, n - 1);
	case '>':
		return parse_partial(p, c + 1, n - 1);
	case '{':
	case '&':
		return perr(p, p->line, "unescaped output is not supported");
	default:
		return parse_expr(p, c, n);
	}
}

/* Finds the end of the tag opening at src[i] ("{{"): sets *inner_end to
 * where its content ends and returns the offset just past the tag, or 0
 * when it is unterminated. */
static size_t tag_end(const char *src, size_t len, size_t i, size_t *inner_end)
{
	const char *close = "}}";
	size_t from = i + 2;
	const char *q;

	if (len - from >= 3 && memcmp(src + from, "!--", 3) == 0) {
		close = "--}}";
		from += 3;
	}
	q = memmem(src + from, len - from, close, strlen(close));
	if (!q)
		return 0;
	*inner_end = (size_t)(q - src);
	return *inner_end + strlen(close);
}

static void add_text(struct parser *p, const char *s, size_t n)
{
	struct node *node = add_node(p, N_TEXT);

	node->text = arena_strndup(p->a, s, n);
	node->len = n;
}

static int parse(struct parser *p, const char *src, size_t len)
{
	size_t pos = 0, open, inner_end = 0, next;
	const char *q;

	while (pos < len) {
		q = memmem(src + pos, len - pos, "{{", 2);
		open = q ? (size_t)(q - src) : len;
		if (open > pos)
			add_text(p, src + pos, open - pos);
		p->line += count_lines(src + pos, open - pos);
		if (open == len)
			break;
		next = tag_end(src, len, open, &inner_end);
		if (next == 0)
			return perr(p, p->line, "unterminated tag");
		if (parse_tag(p, src + open + 2, inner_end - open - 2) < 0)
			return -1;
		p->line += count_lines(src + open, next - open);
		pos = next;
	}
	if (p->depth > 0)
		return perr(p, p->stack[p->depth].line, "unclosed {{#%s}}",
		            block_word(p->stack[p->depth].block->kind));
	return 0;
}

static void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	arena_free(&t->arena);
	free(t);
}

static struct tmpl *compile(const char *name, const char *label, const char *src, size_t len,
                            char *err, size_t errlen)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));
	struct parser *p = xcalloc(1, sizeof(*p));

	t->name = arena_strdup(&t->arena, name);
	t->label = arena_strdup(&t->arena, label);
	p->a = &t->arena;
	p->label = t->label;
	p->line = 1;
	p->stack[0].tail = &t->root;
	p->err = err;
	p->errlen = errlen;
	if (parse(p, src, len) < 0) {
		tmpl_free(t);
		t = NULL;
	}
	free(p);
	return t;
}

/* ---- Template sets ---- */

struct tmpl_set *tmpl_set_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_set));
}

void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		tmpl_free(set->v[i]);
	free(set->v);
	free(set);
}

static struct tmpl *set_find(const struct tmpl_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

/* Adds t to set, replacing (and freeing) a template of the same name. */
static void set_put(struct tmpl_set *set, struct tmpl *t)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, t->name) == 0) {
			tmpl_free(set->v[i]);
			set->v[i] = t;
			return;
		}
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xrealloc(set->v, set->cap * sizeof(*set->v));
	}
	set->v[set->n++] = t;
}

int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src, size_t len, char *err,
                 size_t errlen)
{
	struct tmpl *t = compile(name, name, src, len, err, errlen);

	if (!t)
		return -1;
	set_put(set, t);
	return 0;
}

int tmpl_set_has(const struct tmpl_set *set, const char *name)
{
	return set_find(set, name) != NULL;
}

/* ---- Loading a directory ---- */

static int load_file(struct tmpl_set *set, const char *dir, const char *file, char *err,
                     size_t errlen)
{
	struct buf path = BUF_INIT;
	struct buf src;
	char *name = xstrndup(file, strlen(file) - 5); /* without ".html" */
	struct tmpl *t;
	int rc = -1;

	buf_init(&src, MAX_FILE_SIZE);
	buf_addf(&path, "%s/%s", dir, file);
	if (file_read(buf_str(&path), &src, err, errlen) < 0)
		goto out;
	t = compile(name, buf_str(&path), src.data, src.len, err, errlen);
	if (!t)
		goto out;
	set_put(set, t);
	rc = 0;
out:
	free(name);
	buf_release(&src);
	buf_release(&path);
	return rc;
}

static int is_template_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".html") == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the *.html files of dir, sorted. The caller frees the list. */
static int list_dir(const char *dir, char ***names, size_t *count, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	if (!d) {
		set_err(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_template_file(e->d_name))
			continue;
		if (*count == cap) {
			cap = cap ? cap * 2 : 32;
			*names = xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*count)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*count > 1)
		qsort(*names, *count, sizeof(**names), cmp_str);
	return 0;
}

/* Finds a {{> partial}} under n that names a template in neither set. */
static const struct node *missing_partial(const struct node *n, const struct tmpl_set *a,
                                          const struct tmpl_set *b)
{
	const struct node *m;

	for (; n; n = n->next) {
		if (n->kind == N_PARTIAL && !set_find(a, n->text) && !set_find(b, n->text))
			return n;
		if ((m = missing_partial(n->body, a, b)) || (m = missing_partial(n->alt, a, b)))
			return m;
	}
	return NULL;
}

static int check_partials(const struct tmpl_set *loaded, const struct tmpl_set *set, char *err,
                          size_t errlen)
{
	for (size_t i = 0; i < loaded->n; i++) {
		const struct tmpl *t = loaded->v[i];
		const struct node *m = missing_partial(t->root, loaded, set);

		if (m) {
			set_err(err, errlen, "%s:%u: unknown partial '%s'", t->label, m->line,
			        m->text);
			return -1;
		}
	}
	return 0;
}

int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, char *err, size_t errlen)
{
	struct tmpl_set *loaded = tmpl_set_new();
	char **names = NULL;
	size_t count = 0;
	int rc = -1;

	if (list_dir(dir, &names, &count, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < count; i++)
		if (load_file(loaded, dir, names[i], err, errlen) < 0)
			goto out;
	if (check_partials(loaded, set, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < loaded->n; i++)
		set_put(set, loaded->v[i]);
	loaded->n = 0;
	rc = 0;
out:
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	tmpl_set_free(loaded);
	return rc;
}

/* ---- Rendering ---- */

struct scope {
	const struct scope *up;
	json_t *v;
	int is_each;
	size_t index;
	size_t count;
};

/* An evaluated reference: a JSON value (NULL: missing) or @index. */
struct val {
	json_t *j;
	int is_int;
	json_int_t i;
};

struct render {
	const struct tmpl_set *set;
	const struct tmpl_render_opts *opts;
	const struct tmpl *cur;
	struct buf *out;
	char *err;
	size_t errlen;
	int depth;
};

static int render_list(struct render *r, const struct node *n, const struct scope *sc);

static int rerr(struct render *r, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int rerr(struct render *r, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlocated_err(r->err, r->errlen, r->cur->label, line, fmt, ap);
	va_end(ap);
	return -1;
}

static int emit(struct render *r, const struct node *n, const char *s, size_t len)
{
	if (buf_add(r->out, s, len) < 0)
		return rerr(r, n->line, "output larger than its maximum");
	return 0;
}

static int emit_esc(struct render *r, const struct node *n, const char *s, size_t len)
{
	if (tmpl_escape(r->out, s, len) < 0)
		return rerr(r, n->line, "output larger than its maximum");
	return 0;
}

static json_t *child(json_t *v, const char *seg)
{
	int64_t i;

	if (json_is_object(v))
		return json_object_get(v, seg);
	if (json_is_array(v) && parse_int64(seg, 0, INT64_MAX, &i) == 0)
		return json_array_get(v, (size_t)i);
	return NULL;
}

static json_t *lookup_path(const struct ref *ref, const struct scope *sc)
{
	json_t *j = NULL;

	if (ref->nsegs == 0)
		return sc->v;
	for (; sc && !j; sc = sc->up)
		j = child(sc->v, ref->segs[0]);
	for (size_t i = 1; j && i < ref->nsegs; i++)
		j = child(j, ref->segs[i]);
	return j;
}

static void eval(const struct ref *ref, const struct scope *sc, struct val *v)
{
	memset(v, 0, sizeof(*v));
	if (ref->kind == REF_PATH) {
		v->j = lookup_path(ref, sc);
		return;
	}
	while (sc && !sc->is_each)
		sc = sc->up;
	if (!sc)
		return;
	if (ref->kind == REF_INDEX) {
		v->is_int = 1;
		v->i = (json_int_t)sc->index;
	} else if (ref->kind == REF_FIRST) {
		v->j = json_boolean(sc->index == 0);
	} else {
		v->j = json_boolean(sc->index + 1 == sc->count);
	}
}

static int truthy(const struct val *v)
{
	if (v->is_int)
		return v->i != 0;
	switch (v->j ? json_typeof(v->j) : JSON_NULL) {
	case JSON_STRING:
		return json_string_length(v->j) > 0;
	case JSON_INTEGER:
		return json_integer_value(v->j) != 0;
	case JSON_REAL:
		return json_real_value(v->j) != 0.0;
	case JSON_TRUE:
		return 1;
	case JSON_ARRAY:
		return json_array_size(v->j) > 0;
	case JSON_OBJECT:
		return json_object_size(v->j) > 0;
	default:
		return 0;
	}
}

/* The text of a scalar value (NUL-terminated, possibly in num); returns -1
 * for values that render as nothing. */
static int scalar_text(const struct val *v, char num[32], const char **s, size_t *len)
{
	int k = -1;

	if (json_is_string(v->j)) {
		*s = json_string_value(v->j);
		*len = json_string_length(v->j);
		return 0;
	}
	if (v->is_int)
		k = snprintf(num, 32, "%" JSON_INTEGER_FORMAT, v->i);
	else if (json_is_integer(v->j))
		k = snprintf(num, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v->j));
	else if (json_is_real(v->j))
		k = snprintf(num, 32, "%g", json_real_value(v->j));
	else if (json_is_true(v->j))
		k = snprintf(num, 32, "true");
	if (k < 0 || k >= 32)
		return -1;
	*s = num;
	*len = (size_t)k;
	return 0;
}

static int render_val(struct render *r, const struct node *n, const struct val *v)
{
	char num[32];
	const char *s;
	size_t len;

	if (scalar_text(v, num, &s, &len) < 0)
		return 0;
	return emit_esc(r, n, s, len);
}

static int url_encode(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char pct[3] = {'%', 0, 0};

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int rc;

		if (is_word_char((char)c) || c == '.' || c == '~') {
			rc = buf_addc(out, (char)c);
		} else {
			pct[1] = hex[c >> 4];
			pct[2] = hex[c & 15];
			rc = buf_add(out, pct, 3);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int render_url(struct render *r, const struct node *n, const struct scope *sc)
{
	struct buf enc = BUF_INIT;
	struct val v;
	char num[32];
	const char *s;
	size_t len;
	int rc = 0;

	eval(&n->ref, sc, &v);
	if (scalar_text(&v, num, &s, &len) < 0)
		goto out;
	buf_init(&enc, r->out->max);
	if (url_encode(&enc, s, len) < 0)
		rc = rerr(r, n->line, "output larger than its maximum");
	else
		rc = emit_esc(r, n, enc.data, enc.len);
out:
	buf_release(&enc);
	return rc;
}

static int render_block(struct render *r, const struct node *n, const struct scope *sc)
{
	struct val v;
	int yes;

	eval(&n->ref, sc, &v);
	yes = truthy(&v);
	if (n->kind == N_UNLESS)
		yes = !yes;
	return render_list(r, yes ? n->body : n->alt, sc);
}

static int render_each(struct render *r, const struct node *n, const struct scope *sc)
{
	struct scope inner = {.up = sc, .is_each = 1};
	struct val v;

	eval(&n->ref, sc, &v);
	inner.count = json_is_array(v.j) ? json_array_size(v.j) : 0;
	if (inner.count == 0)
		return render_list(r, n->alt, sc);
	for (inner.index = 0; inner.index < inner.count; inner.index++) {
		inner.v = json_array_get(v.j, inner.index);
		if (render_list(r, n->body, &inner) < 0)
			return -1;
	}
	return 0;
}

static int render_partial(struct render *r, const struct node *n, const struct scope *sc)
{
	const struct tmpl *t = set_find(r->set, n->text);
	const struct tmpl *caller = r->cur;
	int rc;

	if (!t)
		return rerr(r, n->line, "unknown partial '%s'", n->text);
	if (r->depth >= MAX_PARTIAL_DEPTH)
		return rerr(r, n->line, "partials nested deeper than %d", MAX_PARTIAL_DEPTH);
	r->depth++;
	r->cur = t;
	rc = render_list(r, t->root, sc);
	r->cur = caller;
	r->depth--;
	return rc;
}

static const struct targ *find_arg(const struct targ *a, const char *name, size_t len)
{
	for (; a; a = a->next)
		if (a->name_len == len && memcmp(a->name, name, len) == 0)
			return a;
	return NULL;
}

/* Outputs the translation s escaped, with {name} replaced by the escaped
 * value of argument name; unknown placeholders are left as they are. */
static int render_translation(struct render *r, const struct node *n, const struct scope *sc,
                              const char *s)
{
	size_t len = strlen(s), start = 0;
	const struct targ *a;
	const char *rb = NULL; /* the first '}' after the current '{' */
	struct val v;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '{')
			continue;
		if (!rb || rb < s + i)
			rb = memchr(s + i + 1, '}', len - i - 1);
		if (!rb)
			break;
		a = find_arg(n->args, s + i + 1, (size_t)(rb - s) - i - 1);
		if (!a)
			continue;
		eval(&a->ref, sc, &v);
		if (emit_esc(r, n, s + start, i - start) < 0 || render_val(r, n, &v) < 0)
			return -1;
		i = (size_t)(rb - s);
		start = i + 1;
	}
	return emit_esc(r, n, s + start, len - start);
}

static int render_t(struct render *r, const struct node *n, const struct scope *sc)
{
	const struct tmpl_render_opts *o = r->opts;
	const char *key = n->text, *tr = NULL;
	char num[32];
	size_t len;
	struct val v;

	if (!key) {
		eval(&n->ref, sc, &v);
		if (scalar_text(&v, num, &key, &len) < 0)
			return 0;
	}
	if (o->translate)
		tr = o->translate(o->translate_ud, key);
	return render_translation(r, n, sc, tr ? tr : key);
}

static int render_node(struct render *r, const struct node *n, const struct scope *sc)
{
	struct val v;

	switch (n->kind) {
	case N_TEXT:
		return emit(r, n, n->text, n->len);
	case N_VAR:
		eval(&n->ref, sc, &v);
		return render_val(r, n, &v);
	case N_URL:
		return render_url(r, n, sc);
	case N_IF:
	case N_UNLESS:
		return render_block(r, n, sc);
	case N_EACH:
		return render_each(r, n, sc);
	case N_PARTIAL:
		return render_partial(r, n, sc);
	case N_T:
		return render_t(r, n, sc);
	case N_CONTENT:
		return r->opts->content ? emit(r, n, r->opts->content, r->opts->content_len) : 0;
	}
	return 0;
}

static int render_list(struct render *r, const struct node *n, const struct scope *sc)
{
	for (; n; n = n->next)
		if (render_node(r, n, sc) < 0)
			return -1;
	return 0;
}

int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx,
                const struct tmpl_render_opts *opts, struct buf *out, char *err, size_t errlen)
{
	static const struct tmpl_render_opts no_opts;
	struct scope root = {.v = ctx};
	struct render r = {
	        .set = set,
	        .opts = opts ? opts : &no_opts,
	        .cur = set_find(set, name),
	        .out = out,
	        .err = err,
	        .errlen = errlen,
	};

	if (!r.cur) {
		set_err(err, errlen, "unknown template '%s'", name);
		return -1;
	}
	return render_list(&r, r.cur->root, &root);
}

/* ---- Escaping ---- */

static const char *entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

int tmpl_escape(struct buf *out, const char *s, size_t n)
{
	size_t start = 0;
	const char *e;

	for (size_t i = 0; i < n; i++) {
		if (!(e = entity(s[i])))
			continue;
		if (buf_add(out, s + start, i - start) < 0 || buf_adds(out, e) < 0)
			return -1;
		start = i + 1;
	}
	return buf_add(out, s + start, n - start);
}
