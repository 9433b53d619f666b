/* filter: who may see an expert (audience, consent, state) and the
 * structured filters of a query, as tables (internal.h). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "match/internal.h"

/* What each audience requires of an expert: the consent flag, or (for
 * network peers) the peer consent and a network shared with the viewer. */
static const struct audience_rule {
	unsigned consent;      /* this flag must be set */
	unsigned peer_consent; /* or this one, with a shared network (0: no second way) */
	int hide_dormant;      /* dormant experts are never shown */
	int hide_paused;       /* MATCH_PAUSED experts are not shown */
	int peer_only;         /* only the second way */
} audience_rules[] = {
        [MATCH_FOR_PUBLIC] = {MATCH_CONSENT_DIRECTORY, 0, 1, 0, 0},
        [MATCH_FOR_PEERS] = {MATCH_CONSENT_DIRECTORY, MATCH_CONSENT_NETWORKS, 1, 0, 0},
        [MATCH_FOR_INSTITUTION] = {MATCH_CONSENT_INSTITUTIONS, 0, 1, 1, 0},
        [MATCH_FOR_PROGRAMME] = {MATCH_CONSENT_PROGRAMME, 0, 0, 0, 0},
        [MATCH_FOR_NETWORK] = {MATCH_CONSENT_NETWORKS, MATCH_CONSENT_NETWORKS, 1, 0, 1},
};

static int filter_has(const struct id_set *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return 1;
	return 0;
}

/* One of the n words at p (masked) is in s. */
static int filter_meets(const struct id_set *s, const uint32_t *p, size_t n, uint32_t mask)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (filter_has(s, p[i] & mask))
			return 1;
	return 0;
}

/* ---- the filter fields: active when the query sets them ---- */

static const struct hot *filter_hot(const struct pfilters *pf, uint32_t dn)
{
	return &pf->ix->hot[dn];
}

/* The one-valued fields (presence, modes, pay, state, country) read the
 * facet record: the facet pass has it in hand, and reading the hot record
 * too would double the memory a count streams. */
static const struct frec *filter_rec(const struct pfilters *pf, uint32_t dn)
{
	return &pf->ix->frec[dn];
}

static int filter_on_presence(const struct match_filters *f)
{
	return f->presence != 0;
}

static int filter_presence(const struct pfilters *pf, uint32_t dn)
{
	return (filter_rec(pf, dn)->offer & 7u & pf->presence) != 0;
}

static int filter_on_modes(const struct match_filters *f)
{
	return f->modes != 0;
}

static int filter_modes(const struct pfilters *pf, uint32_t dn)
{
	return ((filter_rec(pf, dn)->offer >> 3) & 3u & pf->modes) != 0;
}

static int filter_on_pay(const struct match_filters *f)
{
	return f->pay != MATCH_PAY_UNKNOWN;
}

/* PAID: paid or either; PRO_BONO: pro bono or either; EITHER: any stated. */
static int filter_pay(const struct pfilters *pf, uint32_t dn)
{
	unsigned pay = (filter_rec(pf, dn)->offer >> 5) & 3u;

	if (pf->pay == MATCH_PAY_EITHER)
		return pay != MATCH_PAY_UNKNOWN;
	return pay == (unsigned)pf->pay || pay == MATCH_PAY_EITHER;
}

static int filter_on_state(const struct match_filters *f)
{
	return f->state != MATCH_ANY_STATE;
}

static int filter_state(const struct pfilters *pf, uint32_t dn)
{
	return day_dormant(filter_rec(pf, dn)->confirmed, pf->today, pf->dormant_days) ==
	       (pf->state == MATCH_DORMANT);
}

static int filter_on_country(const struct match_filters *f)
{
	return f->countries.n > 0;
}

static int filter_country(const struct pfilters *pf, uint32_t dn)
{
	return filter_has(&pf->countries, (uint32_t)filter_rec(pf, dn)->country - 1);
}

static int filter_on_city(const struct match_filters *f)
{
	return f->cities.n > 0;
}

static int filter_city(const struct pfilters *pf, uint32_t dn)
{
	return filter_has(&pf->cities, pf->ix->docs[dn].city);
}

static int filter_on_sectors(const struct match_filters *f)
{
	return f->sectors.n > 0;
}

static int filter_sectors(const struct pfilters *pf, uint32_t dn)
{
	return filter_meets(&pf->sectors, doc_sectors(pf->ix, dn), filter_hot(pf, dn)->nsectors,
	                    ~PREFERRED);
}

static int filter_on_skills(const struct match_filters *f)
{
	return f->skills.n > 0;
}

static int filter_skills(const struct pfilters *pf, uint32_t dn)
{
	return filter_meets(&pf->skills, doc_skill_ids(pf->ix, dn), filter_hot(pf, dn)->nskills,
	                    ~0u);
}

static int filter_on_networks(const struct match_filters *f)
{
	return f->networks.n > 0;
}

static int filter_networks(const struct pfilters *pf, uint32_t dn)
{
	return filter_meets(&pf->networks, doc_networks(pf->ix, dn), filter_hot(pf, dn)->nnetworks,
	                    ~0u);
}

static int filter_on_langs(const struct match_filters *f)
{
	return f->nlangs > 0;
}

/* Every asked language at its level or above. */
static int filter_langs(const struct pfilters *pf, uint32_t dn)
{
	const uint32_t *l = doc_langs(pf->ix, dn);
	uint8_t n = filter_hot(pf, dn)->nlangs, j;
	size_t i;

	for (i = 0; i < pf->nlangs; i++) {
		for (j = 0; j < n; j++)
			if (l[j] >> 3 == pf->langs[i].code &&
			    (int)(l[j] & 7u) >= pf->langs[i].level)
				break;
		if (j == n)
			return 0;
	}
	return 1;
}

static int filter_on_window(const struct match_filters *f)
{
	return f->from != 0 || f->to != 0;
}

/* An available period overlaps [from, to] (0: open end). */
static int filter_window(const struct pfilters *pf, uint32_t dn)
{
	const uint32_t *p = doc_avail(pf->ix, dn);
	int32_t to = pf->to ? pf->to : INT32_MAX;
	uint16_t i;

	for (i = 0; i < pf->ix->docs[dn].navail; i++)
		if ((int32_t)p[2 * i] <= to && (int32_t)p[2 * i + 1] >= pf->from)
			return 1;
	return 0;
}

struct filter_field {
	enum match_facet facet; /* FACET_COUNT: not a facet */
	int (*active)(const struct match_filters *f);
	int (*test)(const struct pfilters *pf, uint32_t dn);
};

/* Cheapest first: a doc failing twice stops early. */
static const struct filter_field filter_fields[] = {
        {FACET_PRESENCE, filter_on_presence, filter_presence},
        {FACET_MODE, filter_on_modes, filter_modes},
        {FACET_PAY, filter_on_pay, filter_pay},
        {FACET_STATE, filter_on_state, filter_state},
        {FACET_COUNTRY, filter_on_country, filter_country},
        {FACET_COUNT, filter_on_city, filter_city},
        {FACET_SECTOR, filter_on_sectors, filter_sectors},
        {FACET_SKILL, filter_on_skills, filter_skills},
        {FACET_NETWORK, filter_on_networks, filter_networks},
        {FACET_LANGUAGE, filter_on_langs, filter_langs},
        {FACET_COUNT, filter_on_window, filter_window},
};

#define NFIELDS (sizeof(filter_fields) / sizeof(filter_fields[0]))

/* ---- preparation ---- */

static int filter_check_strs(const struct match_strs *s)
{
	size_t i;

	if (s->n > 0 && s->v == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		if (s->v[i] == NULL)
			return -1;
	return 0;
}

static int filter_check(const struct match_query *q)
{
	const struct match_filters *f = &q->filters;
	size_t i;

	if ((unsigned)q->audience > MATCH_FOR_NETWORK || (unsigned)f->state > MATCH_ANY_STATE ||
	    (unsigned)f->pay > MATCH_PAY_EITHER || q->dormant_days < 0)
		return -1;
	if ((f->presence & ~7u) != 0 || (f->modes & ~3u) != 0 || (f->to != 0 && f->from > f->to))
		return -1;
	if (filter_check_strs(&f->countries) || filter_check_strs(&f->cities) ||
	    filter_check_strs(&f->sectors) || filter_check_strs(&f->skills) ||
	    filter_check_strs(&f->networks) || filter_check_strs(&q->peer_networks))
		return -1;
	if (f->nlangs > 0 && f->langs == NULL)
		return -1;
	for (i = 0; i < f->nlangs; i++)
		if (f->langs[i].code == NULL || f->langs[i].level < 1 || f->langs[i].level > 6)
			return -1;
	return 0;
}

/* The known ids of s in d; unknown values match nothing. */
static void filter_ids(const struct dict *d, const struct match_strs *s, struct id_set *out)
{
	size_t i;

	out->v = xmalloc((s->n ? s->n : 1) * sizeof(*out->v));
	out->n = 0;
	for (i = 0; i < s->n; i++) {
		uint32_t id = dict_find(d, s->v[i]);

		if (id != ID_NONE)
			out->v[out->n++] = id;
	}
}

static void filter_prepare_langs(const struct match_index *ix, const struct match_filters *f,
                                 struct pfilters *pf)
{
	size_t i;

	pf->langs = xmalloc((f->nlangs ? f->nlangs : 1) * sizeof(*pf->langs));
	pf->nlangs = f->nlangs;
	for (i = 0; i < f->nlangs; i++) {
		pf->langs[i].code = dict_find(&ix->langs, f->langs[i].code);
		pf->langs[i].level = f->langs[i].level;
	}
}

int filter_prepare(const struct match_index *ix, const struct match_query *q, struct pfilters *pf)
{
	const struct match_filters *f = &q->filters;
	size_t i;

	memset(pf, 0, sizeof(*pf));
	if (filter_check(q) < 0)
		return -1;
	pf->ix = ix;
	filter_ids(&ix->countries, &f->countries, &pf->countries);
	filter_ids(&ix->cities, &f->cities, &pf->cities);
	filter_ids(&ix->sectors, &f->sectors, &pf->sectors);
	filter_ids(&ix->skills, &f->skills, &pf->skills);
	filter_ids(&ix->networks, &f->networks, &pf->networks);
	filter_ids(&ix->networks, &q->peer_networks, &pf->peers);
	filter_prepare_langs(ix, f, pf);
	pf->presence = f->presence;
	pf->modes = f->modes;
	pf->pay = f->pay;
	pf->from = f->from;
	pf->to = f->to;
	pf->state = f->state;
	pf->audience = q->audience;
	pf->flags = audience_rules[q->audience].consent;
	pf->flags_mask =
	        pf->flags | HOT_DEAD | (audience_rules[q->audience].hide_paused ? MATCH_PAUSED : 0);
	pf->dormant_ok = !audience_rules[q->audience].hide_dormant;
	pf->peer_flags = audience_rules[q->audience].peer_consent;
	pf->peer_only = audience_rules[q->audience].peer_only;
	pf->today = q->today;
	pf->dormant_days = q->dormant_days;
	for (i = 0; i < NFIELDS; i++)
		if (filter_fields[i].active(f))
			pf->fields[pf->nfields++] = &filter_fields[i];
	return 0;
}

void filter_release(struct pfilters *pf)
{
	free(pf->countries.v);
	free(pf->cities.v);
	free(pf->sectors.v);
	free(pf->skills.v);
	free(pf->networks.v);
	free(pf->peers.v);
	free(pf->langs);
	memset(pf, 0, sizeof(*pf));
}

/* ---- per doc ---- */

int filter_visible(const struct pfilters *pf, uint32_t dn)
{
	const struct hot *h = filter_hot(pf, dn);

	if (!pf->dormant_ok && day_dormant(h->confirmed, pf->today, pf->dormant_days))
		return 0;
	if (!pf->peer_only && (h->flags & pf->flags_mask) == pf->flags)
		return 1;
	return filter_peer(pf, dn);
}

int filter_peer(const struct pfilters *pf, uint32_t dn)
{
	const struct hot *h = filter_hot(pf, dn);

	return pf->peer_flags && (h->flags & (pf->peer_flags | HOT_DEAD)) == pf->peer_flags &&
	       filter_meets(&pf->peers, doc_networks(pf->ix, dn), h->nnetworks, ~0u);
}

int filter_pass(const struct pfilters *pf, uint32_t dn)
{
	size_t i;

	for (i = 0; i < pf->nfields; i++)
		if (!pf->fields[i]->test(pf, dn))
			return 0;
	return 1;
}

int filter_fails(const struct pfilters *pf, uint32_t dn, enum match_facet *facet)
{
	size_t i;
	int fails = 0;

	*facet = FACET_COUNT;
	for (i = 0; i < pf->nfields && fails < 2; i++) {
		if (!pf->fields[i]->test(pf, dn)) {
			*facet = pf->fields[i]->facet;
			fails++;
		}
	}
	return fails;
}
