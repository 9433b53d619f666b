/* alist: the doc lists of a skill (with the expert's level), a domain or a
 * sector (internal.h). They only grow at the end; compaction rewrites them. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

void alist_add(struct alist *a, uint32_t doc, int level)
{
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 4 : a->cap < 1024 ? 2 * a->cap : a->cap + a->cap / 2;
		a->docs = xrealloc(a->docs, (size_t)a->cap * sizeof(*a->docs));
		if (level >= 0 || a->levels != NULL)
			a->levels = xrealloc(a->levels, a->cap);
	}
	a->docs[a->n] = doc;
	if (a->levels != NULL)
		a->levels[a->n] = (uint8_t)(level < 0 ? 0 : level);
	a->n++;
}

void alist_compact(struct alist *a, const uint32_t *remap)
{
	uint32_t i, n = 0;

	for (i = 0; i < a->n; i++) {
		uint32_t d = remap[a->docs[i]];

		if (d == ID_NONE)
			continue;
		a->docs[n] = d;
		if (a->levels != NULL)
			a->levels[n] = a->levels[i];
		n++;
	}
	a->n = n;
}

void alist_release(struct alist *a)
{
	free(a->docs);
	free(a->levels);
	memset(a, 0, sizeof(*a));
}

size_t alist_memory(const struct alist *a)
{
	return (size_t)a->cap * (sizeof(*a->docs) + (a->levels != NULL ? 1 : 0));
}
