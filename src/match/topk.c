/* topk: the k best entries by score (higher first), ties by smaller id;
 * a binary heap with the worst entry at its root (internal.h). */
#include <stdlib.h>

#include "core/xalloc.h"
#include "match/internal.h"

/* a ranks below b. */
static int topk_worse(const struct topk_entry *a, const struct topk_entry *b)
{
	return a->score < b->score || (a->score == b->score && a->id > b->id);
}

void topk_init(struct topk *t, size_t k)
{
	t->e = xmalloc((k ? k : 1) * sizeof(*t->e));
	t->n = 0;
	t->k = k;
}

void topk_release(struct topk *t)
{
	free(t->e);
	t->e = NULL;
	t->n = t->k = 0;
}

static void topk_swap(struct topk_entry *a, struct topk_entry *b)
{
	struct topk_entry x = *a;

	*a = *b;
	*b = x;
}

static void topk_up(struct topk *t, size_t i)
{
	while (i > 0 && topk_worse(&t->e[i], &t->e[(i - 1) / 2])) {
		topk_swap(&t->e[i], &t->e[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void topk_down(struct topk *t, size_t i, size_t n)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;

		if (l < n && topk_worse(&t->e[l], &t->e[w]))
			w = l;
		if (r < n && topk_worse(&t->e[r], &t->e[w]))
			w = r;
		if (w == i)
			return;
		topk_swap(&t->e[i], &t->e[w]);
		i = w;
	}
}

void topk_push(struct topk *t, double score, int64_t id, uint32_t ref)
{
	struct topk_entry e = {score, id, ref};

	if (t->k == 0)
		return;
	if (t->n < t->k) {
		t->e[t->n] = e;
		topk_up(t, t->n++);
	} else if (topk_worse(&t->e[0], &e)) {
		t->e[0] = e;
		topk_down(t, 0, t->n);
	}
}

void topk_sort(struct topk *t)
{
	size_t n = t->n;

	/* Heapsort: moving the worst to the end leaves the best first. */
	while (n > 1) {
		topk_swap(&t->e[0], &t->e[n - 1]);
		topk_down(t, 0, --n);
	}
}
