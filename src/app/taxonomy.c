#include "app/taxonomy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/db.h"
#include "text/fold.h"

#define MAX_KEYS 24 /* folded id, three labels and synonyms kept per entry */

struct entry {
	char *id;
	char *label[LANG_COUNT];
	char *keys[MAX_KEYS]; /* folded: the id, the labels, the synonyms */
	int nkeys;
	long position;
	char *sort[LANG_COUNT]; /* folded label, for ordering */
	char *group;            /* skills: their domain; NULL for other kinds */
};

/* Open addressing: folded key → entry index + 1 (0: empty). */
struct index {
	const char **keys;
	size_t *values;
	size_t cap;
};

struct kind {
	struct entry *v;
	size_t n, cap;
	struct index idx;
};

struct taxonomy {
	struct kind k[TAX_KINDS];
};

static const char *const queries[TAX_KINDS] = {
        [TAX_SECTOR] = "SELECT id, name_ar, name_fr, name_en, '', position, NULL FROM sectors",
        [TAX_SKILL] = "SELECT id, name_ar, name_fr, name_en, synonyms, 0, domain_id FROM skills",
        [TAX_COUNTRY] = "SELECT code, name_ar, name_fr, name_en, '', 0, NULL FROM countries",
        [TAX_LANGUAGE] = "SELECT code, name_ar, name_fr, name_en, '', 0, NULL FROM languages",
        [TAX_REGION] = "SELECT code, name_ar, name_fr, name_en, '', position, NULL FROM regions",
        [TAX_ISCO] = "SELECT code, name_ar, name_fr, name_en, '', 0, NULL FROM isco_groups",
};

/* ---- The index ------------------------------------------------------------- */

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static void index_put(struct index *x, const char *key, size_t value)
{
	size_t i = hash(key) & (x->cap - 1);

	while (x->keys[i]) {
		if (strcmp(x->keys[i], key) == 0)
			return; /* the first entry keeps an ambiguous name */
		i = (i + 1) & (x->cap - 1);
	}
	x->keys[i] = key;
	x->values[i] = value + 1;
}

static size_t index_get(const struct index *x, const char *key)
{
	size_t i;

	if (!x->cap)
		return 0;
	for (i = hash(key) & (x->cap - 1); x->keys[i]; i = (i + 1) & (x->cap - 1))
		if (strcmp(x->keys[i], key) == 0)
			return x->values[i];
	return 0;
}

static void index_build(struct kind *k)
{
	size_t total = 0;

	for (size_t i = 0; i < k->n; i++)
		total += (size_t)k->v[i].nkeys;
	k->idx.cap = 16;
	while (k->idx.cap < total * 2)
		k->idx.cap *= 2;
	k->idx.keys = xcalloc(k->idx.cap, sizeof(*k->idx.keys));
	k->idx.values = xcalloc(k->idx.cap, sizeof(*k->idx.values));
	for (size_t i = 0; i < k->n; i++)
		for (int j = 0; j < k->v[i].nkeys; j++)
			index_put(&k->idx, k->v[i].keys[j], i);
}

/* ---- Loading ----------------------------------------------------------------- */

static void add_key(struct entry *e, const char *s, size_t n)
{
	size_t len;
	char *f;

	if (n == 0 || e->nkeys == MAX_KEYS)
		return;
	f = text_fold(s, n, &len);
	if (f && len)
		e->keys[e->nkeys++] = f;
	else
		free(f);
}

static void add_synonyms(struct entry *e, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "|");
		add_key(e, s, n);
		s += n + (s[n] == '|');
	}
}

static void fill_entry(struct entry *e, struct db_stmt *st)
{
	memset(e, 0, sizeof(*e));
	e->id = xstrdup(db_col_text(st, 0));
	add_key(e, e->id, strlen(e->id));
	for (int l = 0; l < LANG_COUNT; l++) {
		const char *label = db_col_text(st, 1 + l);
		e->label[l] = xstrdup(label ? label : "");
		add_key(e, e->label[l], strlen(e->label[l]));
		e->sort[l] = text_fold(e->label[l], strlen(e->label[l]), NULL);
		if (!e->sort[l])
			e->sort[l] = xstrdup("");
	}
	add_synonyms(e, db_col_text(st, 4) ? db_col_text(st, 4) : "");
	e->position = (long)db_col_int(st, 5);
	e->group = db_col_text(st, 6) ? xstrdup(db_col_text(st, 6)) : NULL;
}

static int load_kind(struct kind *k, struct db *db, const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	enum db_rc rc;

	if (!st)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		if (k->n == k->cap) {
			k->cap = k->cap ? k->cap * 2 : 64;
			k->v = xrealloc(k->v, k->cap * sizeof(*k->v));
		}
		fill_entry(&k->v[k->n++], st);
	}
	db_finalize(st);
	if (rc != DB_OK)
		return -1;
	index_build(k);
	return 0;
}

struct taxonomy *taxonomy_load(struct db *db, char *err, size_t errlen)
{
	struct taxonomy *t = xcalloc(1, sizeof(*t));

	for (int i = 0; i < TAX_KINDS; i++) {
		if (load_kind(&t->k[i], db, queries[i]) < 0) {
			snprintf(err, errlen, "reference data: %s", db_errmsg(db));
			taxonomy_free(t);
			return NULL;
		}
	}
	return t;
}

static void entry_free(struct entry *e)
{
	free(e->id);
	for (int l = 0; l < LANG_COUNT; l++) {
		free(e->label[l]);
		free(e->sort[l]);
	}
	for (int j = 0; j < e->nkeys; j++)
		free(e->keys[j]);
	free(e->group);
}

void taxonomy_free(struct taxonomy *t)
{
	if (!t)
		return;
	for (int i = 0; i < TAX_KINDS; i++) {
		for (size_t j = 0; j < t->k[i].n; j++)
			entry_free(&t->k[i].v[j]);
		free(t->k[i].v);
		free(t->k[i].idx.keys);
		free(t->k[i].idx.values);
	}
	free(t);
}

/* ---- Look-ups -------------------------------------------------------------------- */

static const struct entry *find(const struct taxonomy *t, enum tax_kind k, const char *name)
{
	size_t len, i;
	char *f;

	if (!t || (unsigned)k >= TAX_KINDS || !name)
		return NULL;
	f = text_fold(name, strlen(name), &len);
	i = f ? index_get(&t->k[k].idx, f) : 0;
	free(f);
	return i ? &t->k[k].v[i - 1] : NULL;
}

const char *taxonomy_resolve(const struct taxonomy *t, enum tax_kind k, const char *name)
{
	const struct entry *e = find(t, k, name);
	return e ? e->id : NULL;
}

static const struct entry *by_id(const struct taxonomy *t, enum tax_kind k, const char *id)
{
	const struct entry *e = find(t, k, id);
	return e && strcmp(e->id, id) == 0 ? e : NULL;
}

int taxonomy_has(const struct taxonomy *t, enum tax_kind k, const char *id)
{
	return id && by_id(t, k, id) != NULL;
}

const char *taxonomy_label(const struct taxonomy *t, enum tax_kind k, const char *id, enum lang l)
{
	const struct entry *e = id ? by_id(t, k, id) : NULL;
	return e && (unsigned)l < LANG_COUNT ? e->label[l] : NULL;
}

const char *taxonomy_group(const struct taxonomy *t, enum tax_kind k, const char *id)
{
	const struct entry *e = id ? by_id(t, k, id) : NULL;
	return e ? e->group : NULL;
}

const char *const *taxonomy_keys(const struct taxonomy *t, enum tax_kind k, const char *id,
                                 size_t *n)
{
	const struct entry *e = id ? by_id(t, k, id) : NULL;

	*n = e ? (size_t)e->nkeys : 0;
	return e ? (const char *const *)e->keys : NULL;
}

size_t taxonomy_count(const struct taxonomy *t, enum tax_kind k)
{
	return t && (unsigned)k < TAX_KINDS ? t->k[k].n : 0;
}

/* 0: a key starts with q; 1: a word of a key does; 2: a key contains q;
 * 3: no match. */
static int match_rank(const struct entry *e, const char *q)
{
	int best = 3;

	for (int j = 0; j < e->nkeys && best > 0; j++) {
		const char *hit = strstr(e->keys[j], q);
		if (!hit)
			continue;
		int r = hit == e->keys[j] ? 0 : hit[-1] == ' ' ? 1 : 2;
		if (r < best)
			best = r;
	}
	return best;
}

struct ranked {
	const struct entry *e;
	int rank;
	enum lang l;
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(x->e->sort[x->l], y->e->sort[y->l]);
}

json_t *taxonomy_suggest(const struct taxonomy *t, enum tax_kind k, const char *query, enum lang l,
                         size_t max)
{
	json_t *out = json_array();
	size_t len, n = 0;
	char *q = query ? text_fold(query, strlen(query), &len) : NULL;
	struct ranked *r;

	if (!q || !len || (unsigned)k >= TAX_KINDS || (unsigned)l >= LANG_COUNT) {
		free(q);
		return out;
	}
	r = xcalloc(t->k[k].n + 1, sizeof(*r));
	for (size_t i = 0; i < t->k[k].n; i++) {
		int rank = match_rank(&t->k[k].v[i], q);
		if (rank < 3)
			r[n++] = (struct ranked){&t->k[k].v[i], rank, l};
	}
	qsort(r, n, sizeof(*r), by_rank);
	for (size_t i = 0; i < n && i < max; i++)
		json_array_append_new(
		        out, json_pack("{s:s, s:s}", "id", r[i].e->id, "label", r[i].e->label[l]));
	free(r);
	free(q);
	return out;
}

static int by_label(const void *a, const void *b, void *lang)
{
	const struct entry *x = *(const struct entry *const *)a,
	                   *y = *(const struct entry *const *)b;
	enum lang l = *(const enum lang *)lang;

	if (x->position != y->position)
		return x->position < y->position ? -1 : 1;
	return strcmp(x->sort[l], y->sort[l]);
}

json_t *taxonomy_options(const struct taxonomy *t, enum tax_kind k, enum lang l)
{
	json_t *out = json_array();
	const struct entry **v;
	size_t n = taxonomy_count(t, k);

	if (!n || (unsigned)l >= LANG_COUNT)
		return out;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = &t->k[k].v[i];
	qsort_r(v, n, sizeof(*v), by_label, &l);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		        out, json_pack("{s:s, s:s}", "id", v[i]->id, "label", v[i]->label[l]));
	free(v);
	return out;
}
