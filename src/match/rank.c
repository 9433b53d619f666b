/* rank: need -> experts (match_need), expert -> needs (match_recommend) and
 * one pair (match_explain), over the factors of score.c (internal.h).
 *
 * match_need never scans every expert, and touches few. Candidates come
 * from the lists of the need's skills (phase 1, merged by doc number: the
 * postings give each candidate's must-have and nice-to-have credit), then
 * from the lists of their domains and of the need's sector (phase 2: no
 * skill held, so at most the related, sector and other factors; skipped
 * whole once the k-th score is out of its reach). Before a candidate is
 * read, its 16-byte struct nsum proves the hard filters it fails and bounds
 * the factors not derived from postings; it is scored in full only when
 * that bound can still beat the k-th score. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

#define RELATED_CREDIT 0.5
#define SECTOR_OTHER 0.7 /* score.c: one of the expert's sectors, not preferred */

struct rank {
	const struct match_index *ix;
	const struct pneed *pn;
	int32_t today;
	int dormant_days;
	struct topk top;
	uint8_t *seen; /* one bit per doc number */
	/* Need-side constants of the bounds. */
	unsigned accepts;                    /* expert presences the need accepts */
	uint32_t dom_bit[MATCH_NEED_SKILLS]; /* must-have i: bit of its domain in nsum.domains */
	double related;                      /* contribution of one related must-have */
	double lang_w[8];                    /* languages bound by nsum.langs bit */
	double lang_ub[256];                 /* languages bound by nsum.langs */
	double inv_dormant;                  /* 1 / dormant_days, or 0 */
	uint8_t sector_bit;                  /* bit of the need's sector; 0: none */
	int presence;                        /* 0: none asked, 1: onsite, 2: remote or hybrid */
	int stay;                            /* the stay factor applies */
	double rest_max;                     /* rank_bound over every possible expert */
	double skipped;                      /* gains of the skill lists phase 1 stopped walking */
};

/* A cursor on the list of need skill i; gain: the most holding it adds. */
struct acur {
	const struct alist *a;
	uint32_t pos, i;
	double gain;
};

static int rank_out_of_reach(const struct rank *r, double bound)
{
	return topk_full(&r->top) && bound * SLACK < topk_floor(&r->top);
}

/* Bound of every factor but skills and nice from s, or -1 when s proves a
 * hard filter fails. held: the must-haves the expert holds (bit i). */
static double rank_bound(const struct rank *r, const struct nsum *s, uint32_t held)
{
	const double *w = match_factor_weight;
	double ub = 0, fresh;
	uint32_t i;

	if ((s->flags & (HOT_DEAD | MATCH_CONSENT_INSTITUTIONS | MATCH_PAUSED)) !=
	            MATCH_CONSENT_INSTITUTIONS ||
	    day_dormant(s->confirmed, r->today, r->dormant_days) ||
	    (r->pn->presence == MATCH_REMOTE && (s->bits & 7u & r->accepts) == 0))
		return -1; /* on-site work: a stay may make up for the presence (score.c) */
	for (i = 0; i < r->pn->nskills; i++)
		if (!(held >> i & 1u) && (s->domains & r->dom_bit[i]))
			ub += r->related;
	if (s->preferred & r->sector_bit)
		ub += w[FACTOR_SECTOR];
	else if (s->sectors & r->sector_bit)
		ub += w[FACTOR_SECTOR] * SECTOR_OTHER;
	ub += r->lang_ub[s->langs];
	if (r->presence == 1)
		ub += w[FACTOR_PRESENCE];
	else if (r->presence == 2 && (s->bits & NS_TZ))
		ub += w[FACTOR_PRESENCE] * s->tz / 255.0;
	ub += (s->bits & NS_AVAIL) ? w[FACTOR_AVAILABILITY] : 0;
	ub += r->stay && (s->bits & NS_STAYS) ? w[FACTOR_STAY] : 0;
	ub += r->pn->hours > 0 ? s->capacity / 8.0 : 0;
	fresh = 1.0 - ((double)r->today - s->confirmed) * r->inv_dormant;
	ub += w[FACTOR_FRESHNESS] * (fresh > 1 ? 1 : fresh); /* dormant ones are gone */
	return ub + s->quality / 8.0;
}

static void rank_prepare(struct rank *r)
{
	const struct pneed *pn = r->pn;
	const double *w = match_factor_weight;
	uint32_t i, j;

	r->accepts = score_presence_accepts(pn->presence);
	r->related = pn->nmust ? w[FACTOR_RELATED] * RELATED_CREDIT / pn->nmust : 0;
	r->rest_max = 0;
	for (i = 0; i < pn->nskills; i++) {
		const struct pskill *s = &pn->skills[i];

		if (s->required && s->domain != ID_NONE) {
			r->dom_bit[i] = 1u << (s->domain % 32);
			r->rest_max += r->related;
		}
	}
	if (pn->has_sector && pn->sector != ID_NONE) {
		r->sector_bit = (uint8_t)(1u << (pn->sector % 8));
		r->rest_max += w[FACTOR_SECTOR];
	}
	for (i = 0; i < pn->nlangs; i++) {
		if (pn->langs[i].code == ID_NONE)
			continue;
		r->lang_w[pn->langs[i].code % 8] += w[FACTOR_LANGUAGES] / pn->nlangs;
		r->rest_max += w[FACTOR_LANGUAGES] / pn->nlangs;
	}
	for (i = 0; i < 256; i++)
		for (j = 0; j < 8; j++)
			r->lang_ub[i] += (i >> j & 1u) ? r->lang_w[j] : 0;
	r->inv_dormant = r->dormant_days > 0 ? 1.0 / r->dormant_days : 0;
	r->presence = pn->presence == 0 ? 0 : pn->presence == MATCH_ONSITE ? 1 : 2;
	r->stay = (pn->presence & (MATCH_ONSITE | MATCH_HYBRID)) && (pn->from || pn->to);
	r->rest_max += (r->presence ? w[FACTOR_PRESENCE] : 0) + w[FACTOR_AVAILABILITY] +
	               (r->stay ? w[FACTOR_STAY] : 0) + (pn->hours > 0 ? w[FACTOR_CAPACITY] : 0) +
	               w[FACTOR_FRESHNESS] + w[FACTOR_EVALUATIONS] + w[FACTOR_FAIRNESS];
}

/* Scores doc dn when its bound (skill_ub for skills and nice, plus
 * rank_bound) can still enter the top k. */
static void rank_consider(struct rank *r, uint32_t dn, double skill_ub, uint32_t held)
{
	double rest = rank_bound(r, &r->ix->nsum[dn], held);

	if (rest < 0 || rank_out_of_reach(r, skill_ub + rest))
		return;
	if (score_exclude(r->ix, r->pn, dn, r->today, r->dormant_days, 0) != NULL)
		return;
	topk_push(&r->top, score_pair(r->ix, r->pn, dn, r->today, r->dormant_days, NULL),
	          r->ix->ids[dn], dn);
}

static void rank_mark(struct rank *r, uint32_t dn)
{
	r->seen[dn >> 3] |= (uint8_t)(1u << (dn & 7));
}

static int rank_seen(const struct rank *r, uint32_t dn)
{
	return (r->seen[dn >> 3] >> (dn & 7)) & 1u;
}

static int rank_acur_cmp(const void *x, const void *y)
{
	const struct acur *a = x, *b = y;

	return (a->gain > b->gain) - (a->gain < b->gain);
}

/* Cursors on the lists of the need's skills known to the index, by
 * increasing gain. */
static uint32_t rank_cursors(const struct rank *r, struct acur *cur)
{
	const struct match_index *ix = r->ix;
	const struct pneed *pn = r->pn;
	uint32_t i, n = 0;

	for (i = 0; i < pn->nskills; i++) {
		uint32_t s = pn->skills[i].skill;

		if (s < ix->skill_cap && ix->by_skill[s].n > 0) {
			cur[n].a = &ix->by_skill[s];
			cur[n].pos = 0;
			cur[n].i = i;
			cur[n].gain = pn->skills[i].required
			                      ? match_factor_weight[FACTOR_SKILLS] / pn->nmust
			                      : match_factor_weight[FACTOR_NICE] / pn->nnice;
			n++;
		}
	}
	qsort(cur, n, sizeof(*cur), rank_acur_cmp);
	return n;
}

/* The skills and nice factors of a doc found on the lists: must is the sum
 * of its must-have credits, nice how many nice-to-haves it holds. */
static double rank_skill_part(const struct pneed *pn, double must, uint32_t nice)
{
	double sum = 0;

	if (pn->nmust > 0)
		sum += match_factor_weight[FACTOR_SKILLS] * must / pn->nmust;
	if (pn->nnice > 0)
		sum += match_factor_weight[FACTOR_NICE] * nice / pn->nnice;
	return sum;
}

/* The smallest current doc of the cursors, or DOC_END. */
static uint32_t rank_min(const struct acur *cur, uint32_t n)
{
	uint32_t d = DOC_END, k;

	for (k = 0; k < n; k++)
		if (cur[k].pos < cur[k].a->n && cur[k].a->docs[cur[k].pos] < d)
			d = cur[k].a->docs[cur[k].pos];
	return d;
}

/* Phase 1: every doc holding one of the need's skills, in doc order,
 * MaxScore-style: once a doc on none but the lists of smallest gains cannot
 * enter the top k, those lists are no longer walked (r->skipped keeps what
 * they could still add to a doc found elsewhere). */
static void rank_exact(struct rank *r)
{
	struct acur cur[MATCH_NEED_SKILLS];
	uint32_t n = rank_cursors(r, cur), first = 0, k, d;
	double below[MATCH_NEED_SKILLS + 1];

	below[0] = r->rest_max;
	for (k = 0; k < n; k++)
		below[k + 1] = below[k] + cur[k].gain;
	for (;;) {
		uint32_t held = 0, nice = 0;
		double must = 0, part;

		while (first < n && rank_out_of_reach(r, below[first + 1]))
			r->skipped += cur[first++].gain;
		if ((d = rank_min(cur + first, n - first)) == DOC_END)
			return;
		for (k = first; k < n; k++) {
			const struct pskill *s = &r->pn->skills[cur[k].i];

			if (cur[k].pos >= cur[k].a->n || cur[k].a->docs[cur[k].pos] != d)
				continue;
			if (s->required) {
				must += score_skill_credit(cur[k].a->levels[cur[k].pos],
				                           s->min_level);
				held |= 1u << cur[k].i;
			} else {
				nice++;
			}
			cur[k].pos++;
			if (cur[k].pos + AHEAD < cur[k].a->n)
				PREFETCH(&r->ix->nsum[cur[k].a->docs[cur[k].pos + AHEAD]]);
		}
		rank_mark(r, d);
		part = rank_skill_part(r->pn, must, nice) + r->skipped;
		if (!rank_out_of_reach(r, part + r->rest_max))
			rank_consider(r, d, part, held);
	}
}

/* Phase 2 over one list: docs holding none of the need's skills but those
 * of the lists phase 1 skipped. */
static void rank_weak_list(struct rank *r, const struct alist *a)
{
	uint32_t i;

	for (i = 0; i < a->n; i++) {
		uint32_t d = a->docs[i];

		if (i + AHEAD < a->n)
			PREFETCH(&r->ix->nsum[a->docs[i + AHEAD]]);
		if (rank_seen(r, d))
			continue;
		rank_mark(r, d);
		rank_consider(r, d, r->skipped, 0);
	}
}

/* A list of phase 2 and the most its docs can gain by being on it. */
struct wlist {
	const struct alist *a;
	double gain;
};

static int rank_wlist_cmp(const void *x, const void *y)
{
	const struct wlist *a = x, *b = y;

	return (a->gain > b->gain) - (a->gain < b->gain);
}

/* Lists of phase 2 (distinct domains of the need's skills, its sector) with
 * their gains, by increasing gain; returns how many. */
static size_t rank_wlists(const struct rank *r, struct wlist *w)
{
	const struct match_index *ix = r->ix;
	const struct pneed *pn = r->pn;
	size_t n = 0;
	uint32_t i, j;

	for (i = 0; i < pn->nskills; i++) {
		uint32_t dom = pn->skills[i].domain;

		for (j = 0; j < i; j++)
			if (pn->skills[j].domain == dom)
				break;
		if (j < i || dom >= ix->domain_cap)
			continue;
		w[n].a = &ix->by_domain[dom];
		w[n].gain = 0;
		for (j = i; j < pn->nskills; j++)
			if (pn->skills[j].domain == dom && pn->skills[j].required)
				w[n].gain += r->related;
		n++;
	}
	if (pn->has_sector && pn->sector < ix->sector_cap) {
		w[n].a = &ix->by_sector[pn->sector];
		w[n].gain = match_factor_weight[FACTOR_SECTOR];
		n++;
	}
	qsort(w, n, sizeof(*w), rank_wlist_cmp);
	return n;
}

/* Phase 2, MaxScore-style: a doc on none of the lists with the largest
 * gains can earn at most the smaller gains and the factors that come from
 * no list, so when that sum cannot reach the k-th score, the lists with
 * the smaller gains are not walked at all (their docs that are also on a
 * walked list are scored from there, their nsum telling every list they
 * are on). */
static void rank_weak(struct rank *r)
{
	struct wlist w[MATCH_NEED_SKILLS + 1];
	size_t n = rank_wlists(r, w), i;
	double below[MATCH_NEED_SKILLS + 2], lists = 0;

	for (i = 0; i < n; i++)
		lists += w[i].gain;
	below[0] = r->rest_max - lists + r->skipped; /* what no list gives */
	for (i = 0; i < n; i++)
		below[i + 1] = below[i] + w[i].gain;
	/* w[i] is needed while a doc on w[0..i] only can still enter. */
	for (i = n; i-- > 0 && !rank_out_of_reach(r, below[i + 1]);)
		rank_weak_list(r, w[i].a);
}

int match_need(const struct match_index *ix, const struct match_need *n, int32_t today,
               int dormant_days, size_t offset, size_t limit, struct match_explained *out)
{
	struct rank r;
	struct pneed pn;
	size_t i;
	int ret = 0;

	if (need_check(n) < 0 || dormant_days < 0 || offset > MATCH_MAX_K ||
	    limit > MATCH_MAX_K - offset || (limit > 0 && out == NULL))
		return -1;
	memset(&r, 0, sizeof(r));
	need_prepare(ix, NULL, n, &pn);
	r.ix = ix;
	r.pn = &pn;
	r.today = today;
	r.dormant_days = dormant_days;
	rank_prepare(&r);
	topk_init(&r.top, offset + limit);
	r.seen = xcalloc((size_t)ix->ndocs / 8 + 1, 1);
	if (offset + limit > 0) {
		rank_exact(&r);
		rank_weak(&r);
	}
	topk_sort(&r.top);
	for (i = offset; i < r.top.n; i++)
		score_explain(ix, &pn, r.top.e[i].ref, today, dormant_days, &out[ret++]);
	free(r.seen);
	topk_release(&r.top);
	need_release(&pn);
	return ret;
}

int match_recommend(const struct match_index *ix, int64_t expert_id, int32_t today,
                    int dormant_days, size_t limit, struct match_explained *out)
{
	uint32_t dn = idmap_get(&ix->by_id, expert_id), i;
	struct topk top;
	size_t k;
	int ret = 0;

	if (dn == ID_NONE || dormant_days < 0 || (limit > 0 && out == NULL))
		return -1;
	k = limit < ix->nneeds ? limit : ix->nneeds;
	topk_init(&top, k);
	for (i = 0; k > 0 && i < ix->nneeds; i++) {
		const struct pneed *pn = &ix->needs[i].pn;

		if (score_exclude(ix, pn, dn, today, dormant_days, 1) == NULL)
			topk_push(&top, score_pair(ix, pn, dn, today, dormant_days, NULL), pn->id,
			          i);
	}
	topk_sort(&top);
	for (i = 0; i < top.n; i++) {
		const struct pneed *pn = &ix->needs[top.e[i].ref].pn;

		score_explain(ix, pn, dn, today, dormant_days, &out[ret]);
		out[ret].id = pn->id;
		out[ret].ref = pn->ref;
		ret++;
	}
	topk_release(&top);
	return ret;
}

int match_explain(const struct match_index *ix, const struct match_need *n, int64_t expert_id,
                  int32_t today, int dormant_days, struct match_explained *out,
                  const char **excluded)
{
	uint32_t dn = idmap_get(&ix->by_id, expert_id);
	const char *reason;
	struct pneed pn;

	if (dn == ID_NONE || need_check(n) < 0 || dormant_days < 0 || out == NULL)
		return -1;
	need_prepare(ix, NULL, n, &pn);
	reason = score_exclude(ix, &pn, dn, today, dormant_days, 1);
	score_explain(ix, &pn, dn, today, dormant_days, out);
	need_release(&pn);
	if (excluded != NULL)
		*excluded = reason;
	return reason != NULL;
}
