/* need: validation of needs, their prepared form (ids instead of strings)
 * and the published needs match_recommend ranks (internal.h). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

#define MAX_NEED_LANGS 64

static int need_single_bit(unsigned v, unsigned mask)
{
	return (v & ~mask) == 0 && (v & (v - 1)) == 0;
}

static int need_check_skills(const struct match_need *n)
{
	size_t i, j;

	if (n->nskills > MATCH_NEED_SKILLS || (n->nskills > 0 && n->skills == NULL))
		return -1;
	for (i = 0; i < n->nskills; i++) {
		const struct match_need_skill *s = &n->skills[i];

		if (s->id == NULL || s->min_level < 1 || s->min_level > 5 ||
		    (s->required != 0 && s->required != 1))
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(n->skills[j].id, s->id) == 0)
				return -1;
	}
	return 0;
}

static int need_check_langs(const struct match_need *n)
{
	size_t i;

	if (n->nlangs > MAX_NEED_LANGS || (n->nlangs > 0 && n->langs == NULL))
		return -1;
	for (i = 0; i < n->nlangs; i++)
		if (n->langs[i].code == NULL || n->langs[i].level < 1 || n->langs[i].level > 6)
			return -1;
	return 0;
}

int need_check(const struct match_need *n)
{
	size_t i;

	if (n == NULL || need_check_skills(n) < 0 || need_check_langs(n) < 0)
		return -1;
	if (!need_single_bit(n->mode, 3u) || !need_single_bit(n->presence, 7u))
		return -1;
	if (n->from < 0 || n->to < 0 || (n->from != 0 && n->to != 0 && n->from > n->to))
		return -1;
	if (n->hours_per_month < 0 || n->pay < MATCH_PAY_UNKNOWN || n->pay > MATCH_PAY_EITHER)
		return -1;
	if (n->tokens.n > 0 && n->tokens.v == NULL)
		return -1;
	for (i = 0; i < n->tokens.n; i++)
		if (n->tokens.v[i] == NULL)
			return -1;
	if (n->networks.n > 0 && n->networks.v == NULL)
		return -1;
	for (i = 0; i < n->networks.n; i++)
		if (n->networks.v[i] == NULL)
			return -1;
	return 0;
}

/* s's id: interned into mut's dict when mut is set, else looked up. */
static uint32_t need_id(struct dict *mut, const struct dict *d, const char *s)
{
	if (s == NULL)
		return ID_NONE;
	return mut != NULL ? dict_intern(mut, s) : dict_find(d, s);
}

void need_prepare(const struct match_index *ix, struct match_index *mut, const struct match_need *n,
                  struct pneed *pn)
{
	size_t i;

	memset(pn, 0, sizeof(*pn));
	pn->id = n->id;
	pn->institution = n->institution_id;
	pn->ref = n->ref;
	pn->has_sector = n->sector != NULL;
	pn->sector = need_id(mut ? &mut->sectors : NULL, &ix->sectors, n->sector);
	pn->nskills = (uint32_t)n->nskills;
	for (i = 0; i < n->nskills; i++) {
		struct pskill *s = &pn->skills[i];

		s->skill = need_id(mut ? &mut->skills : NULL, &ix->skills, n->skills[i].id);
		s->domain = need_id(mut ? &mut->domains : NULL, &ix->domains, n->skills[i].domain);
		s->required = n->skills[i].required;
		s->min_level = n->skills[i].min_level;
		pn->nmust += (uint32_t)s->required;
	}
	pn->nnice = pn->nskills - pn->nmust;
	pn->nlangs = (uint32_t)n->nlangs;
	pn->langs = xmalloc((n->nlangs ? n->nlangs : 1) * sizeof(*pn->langs));
	for (i = 0; i < n->nlangs; i++) {
		pn->langs[i].code = need_id(mut ? &mut->langs : NULL, &ix->langs, n->langs[i].code);
		pn->langs[i].level = n->langs[i].level;
	}
	pn->presence = n->presence;
	pn->from = n->from;
	pn->to = n->to;
	pn->hours = n->hours_per_month;
	pn->nnetworks = mut ? 0 : (uint32_t)n->networks.n;
	pn->networks = xmalloc((pn->nnetworks ? pn->nnetworks : 1) * sizeof(*pn->networks));
	for (i = 0; i < pn->nnetworks; i++)
		pn->networks[i] = dict_find(&ix->networks, n->networks.v[i]);
}

void need_release(struct pneed *pn)
{
	free(pn->langs);
	free(pn->networks);
	pn->langs = NULL;
	pn->networks = NULL;
}

void need_release_all(struct match_index *ix)
{
	uint32_t i;

	for (i = 0; i < ix->nneeds; i++) {
		need_release(&ix->needs[i].pn);
		free(ix->needs[i].ref);
	}
	free(ix->needs);
	ix->needs = NULL;
	ix->nneeds = ix->need_cap = 0;
}

size_t need_memory(const struct match_index *ix)
{
	size_t sum = (size_t)ix->need_cap * sizeof(*ix->needs);
	uint32_t i;

	for (i = 0; i < ix->nneeds; i++) {
		sum += (ix->needs[i].pn.nlangs ? ix->needs[i].pn.nlangs : 1) * sizeof(struct plang);
		if (ix->needs[i].ref != NULL)
			sum += strlen(ix->needs[i].ref) + 1;
	}
	return sum;
}

/* Frees slot i and moves the last need into it. */
static void need_drop(struct match_index *ix, uint32_t i)
{
	need_release(&ix->needs[i].pn);
	free(ix->needs[i].ref);
	if (i + 1 < ix->nneeds) {
		ix->needs[i] = ix->needs[ix->nneeds - 1];
		idmap_put(&ix->need_by_id, ix->needs[i].pn.id, i);
	}
	ix->nneeds--;
}

int match_put_need(struct match_index *ix, const struct match_need *n)
{
	struct need_rec *r;
	uint32_t old;

	if (need_check(n) < 0)
		return -1;
	old = idmap_get(&ix->need_by_id, n->id);
	if (old != ID_NONE) {
		idmap_del(&ix->need_by_id, n->id);
		need_drop(ix, old);
	}
	if (ix->nneeds == ix->need_cap) {
		ix->need_cap = ix->need_cap ? 2 * ix->need_cap : 16;
		ix->needs = xrealloc(ix->needs, ix->need_cap * sizeof(*ix->needs));
	}
	r = &ix->needs[ix->nneeds];
	need_prepare(ix, ix, n, &r->pn);
	r->ref = n->ref ? xstrdup(n->ref) : NULL;
	r->pn.ref = r->ref;
	idmap_put(&ix->need_by_id, n->id, ix->nneeds++);
	return 0;
}

int match_remove_need(struct match_index *ix, int64_t id)
{
	uint32_t i = idmap_get(&ix->need_by_id, id);

	if (i == ID_NONE)
		return -1;
	idmap_del(&ix->need_by_id, id);
	need_drop(ix, i);
	return 0;
}

size_t match_needs(const struct match_index *ix)
{
	return ix->nneeds;
}
