/* dict: interned strings <-> dense ids (internal.h). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

#define CHUNK_BYTES 65536

/* A block of packed strings; never moved once allocated. */
struct dict_chunk {
	struct dict_chunk *next;
	size_t used, size;
	char data[];
};

/* FNV-1a, 32 bits. */
static uint32_t dict_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

void dict_init(struct dict *d)
{
	memset(d, 0, sizeof(*d));
}

void dict_release(struct dict *d)
{
	struct dict_chunk *c = d->chunks;

	while (c != NULL) {
		struct dict_chunk *next = c->next;

		free(c);
		c = next;
	}
	free(d->strs);
	free(d->hashes);
	free(d->slots);
	memset(d, 0, sizeof(*d));
}

/* The slot holding s (its value id + 1), or the empty slot where it goes. */
static uint32_t dict_slot(const struct dict *d, const char *s, size_t len, uint32_t h)
{
	uint32_t mask = d->nslots - 1, i = h & mask;

	for (;;) {
		uint32_t v = d->slots[i];

		if (v == 0)
			return i;
		if (d->hashes[v - 1] == h && strncmp(d->strs[v - 1], s, len) == 0 &&
		    d->strs[v - 1][len] == '\0')
			return i;
		i = (i + 1) & mask;
	}
}

uint32_t dict_find(const struct dict *d, const char *s)
{
	size_t len;
	uint32_t h, v;

	if (s == NULL || d->nslots == 0)
		return ID_NONE;
	len = strlen(s);
	h = dict_hash(s, len);
	v = d->slots[dict_slot(d, s, len, h)];
	return v == 0 ? ID_NONE : v - 1;
}

/* Doubles the slot table and reinserts every id. */
static void dict_grow_slots(struct dict *d)
{
	uint32_t n = d->nslots ? 2 * d->nslots : 64, i;

	free(d->slots);
	d->slots = xcalloc(n, sizeof(*d->slots));
	d->nslots = n;
	for (i = 0; i < d->n; i++) {
		uint32_t j = d->hashes[i] & (n - 1);

		while (d->slots[j] != 0)
			j = (j + 1) & (n - 1);
		d->slots[j] = i + 1;
	}
}

/* A stable copy of s in the chunks. */
static const char *dict_store(struct dict *d, const char *s, size_t len)
{
	struct dict_chunk *c = d->chunks;
	char *p;

	if (c == NULL || c->size - c->used < len + 1) {
		size_t size = len + 1 > CHUNK_BYTES ? len + 1 : CHUNK_BYTES;

		c = xmalloc(sizeof(*c) + size);
		c->next = d->chunks;
		c->used = 0;
		c->size = size;
		d->chunks = c;
		d->bytes += sizeof(*c) + size;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

uint32_t dict_intern(struct dict *d, const char *s)
{
	size_t len = strlen(s);
	uint32_t h = dict_hash(s, len), slot;

	if ((d->n + 1) * 2 > d->nslots)
		dict_grow_slots(d);
	slot = dict_slot(d, s, len, h);
	if (d->slots[slot] != 0)
		return d->slots[slot] - 1;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->strs = xrealloc(d->strs, d->cap * sizeof(*d->strs));
		d->hashes = xrealloc(d->hashes, d->cap * sizeof(*d->hashes));
	}
	d->strs[d->n] = dict_store(d, s, len);
	d->hashes[d->n] = h;
	d->slots[slot] = d->n + 1;
	return d->n++;
}

size_t dict_memory(const struct dict *d)
{
	return d->bytes + (size_t)d->cap * (sizeof(*d->strs) + sizeof(*d->hashes)) +
	       (size_t)d->nslots * sizeof(*d->slots);
}
