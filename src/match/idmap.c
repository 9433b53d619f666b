/* idmap: int64 key -> uint32 value, linear probing with backward-shift
 * deletion, so no tombstones accumulate (internal.h). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

/* splitmix64's finalizer. */
static uint64_t idmap_hash(int64_t key)
{
	uint64_t x = (uint64_t)key;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

void idmap_init(struct idmap *m)
{
	memset(m, 0, sizeof(*m));
}

void idmap_release(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t idmap_slot(const struct idmap *m, int64_t key)
{
	uint32_t mask = m->cap - 1, i = (uint32_t)idmap_hash(key) & mask;

	while (m->vals[i] != ID_NONE && m->keys[i] != key)
		i = (i + 1) & mask;
	return i;
}

uint32_t idmap_get(const struct idmap *m, int64_t key)
{
	if (m->cap == 0)
		return ID_NONE;
	return m->vals[idmap_slot(m, key)];
}

static void idmap_grow(struct idmap *m)
{
	struct idmap old = *m;
	uint32_t i;

	m->cap = old.cap ? 2 * old.cap : 64;
	m->keys = xmalloc(m->cap * sizeof(*m->keys));
	m->vals = xmalloc(m->cap * sizeof(*m->vals));
	memset(m->vals, 0xff, m->cap * sizeof(*m->vals));
	for (i = 0; i < old.cap; i++) {
		if (old.vals[i] != ID_NONE) {
			uint32_t j = idmap_slot(m, old.keys[i]);

			m->keys[j] = old.keys[i];
			m->vals[j] = old.vals[i];
		}
	}
	free(old.keys);
	free(old.vals);
}

void idmap_put(struct idmap *m, int64_t key, uint32_t val)
{
	uint32_t i;

	if ((m->n + 1) * 2 > m->cap)
		idmap_grow(m);
	i = idmap_slot(m, key);
	if (m->vals[i] == ID_NONE)
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
}

int idmap_del(struct idmap *m, int64_t key)
{
	uint32_t mask = m->cap - 1, i, j;

	if (m->cap == 0)
		return -1;
	i = idmap_slot(m, key);
	if (m->vals[i] == ID_NONE)
		return -1;
	/* Shift back every following entry that would not be found past the hole. */
	for (j = (i + 1) & mask; m->vals[j] != ID_NONE; j = (j + 1) & mask) {
		uint32_t home = (uint32_t)idmap_hash(m->keys[j]) & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->vals[i] = ID_NONE;
	m->n--;
	return 0;
}

size_t idmap_memory(const struct idmap *m)
{
	return (size_t)m->cap * (sizeof(*m->keys) + sizeof(*m->vals));
}
