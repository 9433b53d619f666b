/* score: the need <-> expert factors, the hard filters, and their tables
 * (internal.h).
 *
 * Factor (weight)  value in 0..1                                   missing when
 * skills (42)      mean over must-have skills: 1 at or above the    the need has no
 *                  level asked, level/asked below it, 0 without     must-have, or the
 *                                                                   expert no skill
 * related (10)      mean over must-have skills of 0.5 when not held  same as skills
 *                  but another skill of the same domain is
 * nice (6)         fraction of nice-to-have skills held (any level) no nice-to-have, or
 *                                                                   no expert skill
 * sector (6)       1 a preferred sector, 0.7 one of the sectors     need or expert
 *                                                                   without sector
 * languages (8)    mean over the need's languages: 1 at the level,  need or expert
 *                  0.5 known below it, 0 unknown                    without language
 * presence (6)     1 when the presence offered fits (remote: remote need or expert
 *                  or hybrid; onsite: onsite or hybrid; hybrid:     without presence;
 *                  any); remote and hybrid needs multiply by the    remote/hybrid need
 *                  shared working hours (9-18 local) with Morocco   and unknown time
 *                  (UTC+60 min): minutes / 540                      zone
 * availability (6) dated need: fraction of its days covered by the  expert without
 *                  available periods (one date: from alone is the   available period
 *                  start day, to alone runs from today); flexible
 *                  need: 1 when a period has not ended by today
 * stay (4)         onsite/hybrid need with dates: 1 when a planned  need without presence
 *                  stay overlaps them; remote need: 0 (not missing) or dates; expert
 *                                                                   without stay
 * capacity (3)     min(1, hours offered / asked) / (1 + running     either side without
 *                  engagements)                                     hours
 * freshness (3)    1 - (today - confirmed) / dormant_days, clamped  never confirmed
 * evaluations (3)  (rating - 1) / 4                                 no rating
 * fairness (3)     1 / (1 + engagements started in 12 months)       never
 *
 * A missing factor is worth 0: missing data is never agreement. Must-have
 * skills weigh most (skills and related: 52 of 100): with 30 and 8,
 * experts holding none of them took a fifth of the top-10 places in
 * `make eval`; at 42 and 10, nDCG@10 rose from 0.408 to 0.424 and
 * recall@20 from 0.503 to 0.573 (bench/results/eval-*.txt).
 *
 * Hard filter on presence: an on-site or hybrid need also accepts an
 * expert offering remote work only whose planned stay in Morocco overlaps
 * its dates (score_excl_presence).
 */
#include <stdlib.h>
#include <string.h>

#include "match/internal.h"

const double match_factor_weight[FACTOR_COUNT] = {
        [FACTOR_SKILLS] = 42,      [FACTOR_RELATED] = 10,    [FACTOR_NICE] = 6,
        [FACTOR_SECTOR] = 6,       [FACTOR_LANGUAGES] = 8,   [FACTOR_PRESENCE] = 6,
        [FACTOR_AVAILABILITY] = 6, [FACTOR_STAY] = 4,        [FACTOR_CAPACITY] = 3,
        [FACTOR_FRESHNESS] = 3,    [FACTOR_EVALUATIONS] = 3, [FACTOR_FAIRNESS] = 3,
};

const char *const match_factor_name[FACTOR_COUNT] = {
        [FACTOR_SKILLS] = "skills",
        [FACTOR_RELATED] = "related",
        [FACTOR_NICE] = "nice",
        [FACTOR_SECTOR] = "sector",
        [FACTOR_LANGUAGES] = "languages",
        [FACTOR_PRESENCE] = "presence",
        [FACTOR_AVAILABILITY] = "availability",
        [FACTOR_STAY] = "stay",
        [FACTOR_CAPACITY] = "capacity",
        [FACTOR_FRESHNESS] = "freshness",
        [FACTOR_EVALUATIONS] = "evaluations",
        [FACTOR_FAIRNESS] = "fairness",
};

/* The expert presences a need's presence accepts (0: any). */
static const unsigned presence_accepts[MATCH_HYBRID + 1] = {
        [0] = MATCH_REMOTE | MATCH_ONSITE | MATCH_HYBRID,
        [MATCH_REMOTE] = MATCH_REMOTE | MATCH_HYBRID,
        [MATCH_ONSITE] = MATCH_ONSITE | MATCH_HYBRID,
        [MATCH_HYBRID] = MATCH_REMOTE | MATCH_ONSITE | MATCH_HYBRID,
};

#define MOROCCO_UTC_MIN 60
#define WORK_FROM_MIN (9 * 60)
#define WORK_TO_MIN (18 * 60)

/* One need-expert pair while scoring; covers filled by score_cover. */
struct pair {
	const struct match_index *ix;
	const struct pneed *pn;
	uint32_t dn;
	const struct doc *d;
	const struct hot *h;
	int32_t today;
	int dormant_days;
	uint8_t held[MATCH_NEED_SKILLS];      /* the expert's level in need skill i, 0: none */
	uint8_t rel[MATCH_NEED_SKILLS];       /* level of the best skill of the same domain */
	uint32_t relskill[MATCH_NEED_SKILLS]; /* that skill's id */
};

static void score_pair_init(struct pair *p, const struct match_index *ix, const struct pneed *pn,
                            uint32_t dn, int32_t today, int dormant_days)
{
	p->ix = ix;
	p->pn = pn;
	p->dn = dn;
	p->d = &ix->docs[dn];
	p->h = &ix->hot[dn];
	p->today = today;
	p->dormant_days = dormant_days;
}

/* What the expert holds of each need skill, exactly or by domain. */
static void score_cover(struct pair *p)
{
	const uint32_t *ids = doc_skill_ids(p->ix, p->dn), *info = doc_skill_info(p->ix, p->dn);
	uint32_t i, j;

	memset(p->held, 0, sizeof(p->held));
	memset(p->rel, 0, sizeof(p->rel));
	for (j = 0; j < p->h->nskills; j++) {
		uint32_t id = ids[j], dom = info[j] >> 3;
		uint8_t level = (uint8_t)(info[j] & 7u);

		for (i = 0; i < p->pn->nskills; i++) {
			const struct pskill *s = &p->pn->skills[i];

			if (id != ID_NONE && id == s->skill) {
				if (level > p->held[i])
					p->held[i] = level;
			} else if (dom != SKILL_DOMAIN_NONE && dom == s->domain &&
			           level > p->rel[i]) {
				p->rel[i] = level;
				p->relskill[i] = id;
			}
		}
	}
}

double score_skill_credit(int level, int min_level)
{
	if (level <= 0)
		return 0;
	return level >= min_level ? 1.0 : (double)level / min_level;
}

/* ---- the factors ---- */

static void score_of_skills(const struct pair *p, double *v, int *missing)
{
	double sum = 0;
	uint32_t i;

	*missing = p->pn->nmust == 0 || p->h->nskills == 0;
	if (*missing)
		return;
	for (i = 0; i < p->pn->nskills; i++)
		if (p->pn->skills[i].required)
			sum += score_skill_credit(p->held[i], p->pn->skills[i].min_level);
	*v = sum / p->pn->nmust;
}

static void score_of_related(const struct pair *p, double *v, int *missing)
{
	double sum = 0;
	uint32_t i;

	*missing = p->pn->nmust == 0 || p->h->nskills == 0;
	if (*missing)
		return;
	for (i = 0; i < p->pn->nskills; i++)
		if (p->pn->skills[i].required && p->held[i] == 0 && p->rel[i] > 0)
			sum += 0.5;
	*v = sum / p->pn->nmust;
}

static void score_of_nice(const struct pair *p, double *v, int *missing)
{
	uint32_t i, held = 0;

	*missing = p->pn->nnice == 0 || p->h->nskills == 0;
	if (*missing)
		return;
	for (i = 0; i < p->pn->nskills; i++)
		held += !p->pn->skills[i].required && p->held[i] > 0;
	*v = (double)held / p->pn->nnice;
}

static void score_of_sector(const struct pair *p, double *v, int *missing)
{
	const uint32_t *sec = doc_sectors(p->ix, p->dn);
	uint8_t i;

	*missing = !p->pn->has_sector || p->h->nsectors == 0;
	for (i = 0; !*missing && i < p->h->nsectors; i++)
		if ((sec[i] & ~PREFERRED) == p->pn->sector)
			*v = (sec[i] & PREFERRED) ? 1.0 : 0.7;
}

static void score_of_languages(const struct pair *p, double *v, int *missing)
{
	const uint32_t *l = doc_langs(p->ix, p->dn);
	uint8_t j, n = p->h->nlangs;
	double sum = 0;
	uint32_t i;

	*missing = p->pn->nlangs == 0 || n == 0;
	if (*missing)
		return;
	for (i = 0; i < p->pn->nlangs; i++) {
		for (j = 0; j < n; j++)
			if (l[j] >> 3 == p->pn->langs[i].code)
				break;
		if (j < n)
			sum += (int)(l[j] & 7u) >= p->pn->langs[i].level ? 1.0 : 0.5;
	}
	*v = sum / p->pn->nlangs;
}

int score_tz_minutes(int offset)
{
	int shift, sum = 0;

	for (shift = -1440; shift <= 1440; shift += 1440) {
		int from = WORK_FROM_MIN - offset + shift, to = WORK_TO_MIN - offset + shift;
		int mfrom = WORK_FROM_MIN - MOROCCO_UTC_MIN, mto = WORK_TO_MIN - MOROCCO_UTC_MIN;
		int lo = from > mfrom ? from : mfrom, hi = to < mto ? to : mto;

		if (hi > lo)
			sum += hi - lo;
	}
	return sum;
}

static int score_remote_need(const struct pneed *pn)
{
	return (pn->presence & (MATCH_REMOTE | MATCH_HYBRID)) != 0;
}

static void score_of_presence(const struct pair *p, double *v, int *missing)
{
	unsigned need = p->pn->presence, offer = p->h->offer & 7u;

	*missing = need == 0 || offer == 0;
	if (*missing || (offer & presence_accepts[need]) == 0)
		return;
	if (!score_remote_need(p->pn)) {
		*v = 1.0;
	} else if (p->d->tz == MATCH_TZ_UNKNOWN) {
		*missing = 1;
	} else {
		*v = score_tz_minutes(p->d->tz) / (double)(WORK_TO_MIN - WORK_FROM_MIN);
	}
}

/* Days of [from, to] covered by the sorted spans at s. */
static int64_t score_covered(const uint32_t *s, uint16_t n, int32_t from, int32_t to)
{
	int64_t next = from, covered = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		int64_t a = (int32_t)s[2 * i], b = (int32_t)s[2 * i + 1];

		if (a < next)
			a = next;
		if (b > to)
			b = to;
		if (a <= b) {
			covered += b - a + 1;
			next = b + 1;
		}
	}
	return covered;
}

/* The need's dates as a window [*from, *to]; 0 when it has none. With one
 * date: from alone is the start day, to alone the days from today to it. */
static int score_window(const struct pair *p, int32_t *from, int32_t *to)
{
	*from = p->pn->from;
	*to = p->pn->to;
	if (*from == 0 && *to == 0)
		return 0;
	if (*to == 0)
		*to = *from;
	if (*from == 0)
		*from = p->today < *to ? p->today : *to;
	return 1;
}

static void score_of_availability(const struct pair *p, double *v, int *missing)
{
	const uint32_t *s = doc_avail(p->ix, p->dn);
	int32_t from, to;
	uint16_t i;

	*missing = p->d->navail == 0;
	if (*missing)
		return;
	if (!score_window(p, &from, &to)) {
		for (i = 0; i < p->d->navail; i++)
			if ((int32_t)s[2 * i + 1] >= p->today)
				*v = 1.0;
		return;
	}
	*v = (double)score_covered(s, p->d->navail, from, to) / ((double)to - from + 1);
}

static void score_of_stay(const struct pair *p, double *v, int *missing)
{
	const uint32_t *s = doc_stays(p->ix, p->dn);
	int32_t from, to;
	uint16_t i;

	*missing = p->pn->presence == 0 || !score_window(p, &from, &to);
	if (*missing || p->pn->presence == MATCH_REMOTE)
		return;
	*missing = p->d->nstays == 0;
	for (i = 0; i < p->d->nstays; i++)
		if ((int32_t)s[2 * i] <= to && (int32_t)s[2 * i + 1] >= from)
			*v = 1.0;
}

double score_capacity_max(int active)
{
	return 1.0 / (1.0 + active);
}

static void score_of_capacity(const struct pair *p, double *v, int *missing)
{
	double ratio;

	*missing = p->pn->hours == 0 || p->d->hours == 0;
	if (*missing)
		return;
	ratio = (double)p->d->hours / p->pn->hours;
	*v = (ratio < 1.0 ? ratio : 1.0) * score_capacity_max(p->d->active);
}

double score_freshness(int32_t confirmed, int32_t today, int dormant_days)
{
	double x;

	if (confirmed == 0 || dormant_days <= 0)
		return 0;
	x = 1.0 - ((double)today - confirmed) / dormant_days;
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

static void score_of_freshness(const struct pair *p, double *v, int *missing)
{
	*missing = p->h->confirmed == 0;
	*v = score_freshness(p->h->confirmed, p->today, p->dormant_days);
}

double score_evaluations(double rating)
{
	return rating > 0 ? (rating - 1.0) / 4.0 : 0;
}

static void score_of_evaluations(const struct pair *p, double *v, int *missing)
{
	*missing = p->d->rating <= 0;
	*v = score_evaluations(p->d->rating);
}

double score_fairness(int recent)
{
	return 1.0 / (1.0 + recent);
}

static void score_of_fairness(const struct pair *p, double *v, int *missing)
{
	*missing = 0;
	*v = score_fairness(p->d->recent);
}

/* Each factor's evaluation (rank.c bounds them from struct nsum). */
static void (*const factor_eval[FACTOR_COUNT])(const struct pair *p, double *value,
                                               int *missing) = {
        [FACTOR_SKILLS] = score_of_skills,
        [FACTOR_RELATED] = score_of_related,
        [FACTOR_NICE] = score_of_nice,
        [FACTOR_SECTOR] = score_of_sector,
        [FACTOR_LANGUAGES] = score_of_languages,
        [FACTOR_PRESENCE] = score_of_presence,
        [FACTOR_AVAILABILITY] = score_of_availability,
        [FACTOR_STAY] = score_of_stay,
        [FACTOR_CAPACITY] = score_of_capacity,
        [FACTOR_FRESHNESS] = score_of_freshness,
        [FACTOR_EVALUATIONS] = score_of_evaluations,
        [FACTOR_FAIRNESS] = score_of_fairness,
};

/* ---- hard filters ---- */

static int score_excl_consent(const struct pair *p)
{
	return (p->h->flags & MATCH_CONSENT_INSTITUTIONS) == 0;
}

static int score_excl_dormant(const struct pair *p)
{
	return day_dormant(p->h->confirmed, p->today, p->dormant_days);
}

static int score_excl_paused(const struct pair *p)
{
	return (p->h->flags & MATCH_PAUSED) != 0;
}

static int score_excl_conflict(const struct pair *p)
{
	const uint32_t *c = doc_conflicts(p->ix, p->dn);
	uint16_t i;

	for (i = 0; i < p->d->nconflicts; i++)
		if ((int64_t)((uint64_t)c[2 * i] | (uint64_t)c[2 * i + 1] << 32) ==
		    p->pn->institution)
			return 1;
	return 0;
}

/* Not a member of any network the query asks for. */
static int score_excl_network(const struct pair *p)
{
	const uint32_t *nets = doc_networks(p->ix, p->dn);
	uint32_t i, j;

	if (p->pn->nnetworks == 0)
		return 0;
	for (i = 0; i < p->pn->nnetworks; i++)
		for (j = 0; j < p->h->nnetworks; j++)
			if (nets[j] == p->pn->networks[i])
				return 0;
	return 1;
}

/* Missing data is not agreement: no stated presence fails a need's. */
/* A planned stay in Morocco overlapping the need's dates. */
static int score_stay_overlaps(const struct pair *p)
{
	const uint32_t *s = doc_stays(p->ix, p->dn);
	int32_t from, to;
	uint16_t i;

	if (!score_window(p, &from, &to))
		return 0;
	for (i = 0; i < p->d->nstays; i++)
		if ((int32_t)s[2 * i] <= to && (int32_t)s[2 * i + 1] >= from)
			return 1;
	return 0;
}

/* The presence offered does not fit the need's, unless the need has work in
 * Morocco and the expert will be there at its dates anyway: someone who
 * offers remote work only but plans a stay overlapping an on-site mission
 * is a candidate (the stay factor then counts). */
static int score_excl_presence(const struct pair *p)
{
	if (p->pn->presence == 0 || (p->h->offer & presence_accepts[p->pn->presence]) != 0)
		return 0;
	return p->pn->presence == MATCH_REMOTE || !score_stay_overlaps(p);
}

/* None of the need's skills, exactly or by domain, nor its sector. */
static int score_excl_no_overlap(const struct pair *p)
{
	const uint32_t *ids = doc_skill_ids(p->ix, p->dn), *info = doc_skill_info(p->ix, p->dn);
	const uint32_t *sec = doc_sectors(p->ix, p->dn);
	uint32_t i, j;

	for (j = 0; j < p->h->nskills; j++) {
		for (i = 0; i < p->pn->nskills; i++) {
			const struct pskill *s = &p->pn->skills[i];

			if ((ids[j] != ID_NONE && ids[j] == s->skill) ||
			    (info[j] >> 3 != SKILL_DOMAIN_NONE && info[j] >> 3 == s->domain))
				return 0;
		}
	}
	for (j = 0; p->pn->has_sector && j < p->h->nsectors; j++)
		if ((sec[j] & ~PREFERRED) == p->pn->sector)
			return 0;
	return 1;
}

/* In the order they are reported. */
static const struct exclusion {
	const char *reason;
	int (*fails)(const struct pair *p);
} exclusions[] = {
        {"consent", score_excl_consent},       {"dormant", score_excl_dormant},
        {"paused", score_excl_paused},         {"conflict", score_excl_conflict},
        {"network", score_excl_network},       {"presence", score_excl_presence},
        {"no_overlap", score_excl_no_overlap},
};

#define NEXCLUSIONS (sizeof(exclusions) / sizeof(exclusions[0]))

const char *score_exclude(const struct match_index *ix, const struct pneed *pn, uint32_t dn,
                          int32_t today, int dormant_days, int with_overlap)
{
	struct pair p;
	size_t i, n = with_overlap ? NEXCLUSIONS : NEXCLUSIONS - 1;

	score_pair_init(&p, ix, pn, dn, today, dormant_days);
	for (i = 0; i < n; i++)
		if (exclusions[i].fails(&p))
			return exclusions[i].reason;
	return NULL;
}

/* ---- scores and bounds ---- */

double score_pair(const struct match_index *ix, const struct pneed *pn, uint32_t dn, int32_t today,
                  int dormant_days, struct factors *f)
{
	struct factors local;
	struct pair p;
	double score = 0;
	int i;

	if (f == NULL)
		f = &local;
	score_pair_init(&p, ix, pn, dn, today, dormant_days);
	score_cover(&p);
	for (i = 0; i < FACTOR_COUNT; i++) {
		f->value[i] = 0;
		factor_eval[i](&p, &f->value[i], &f->missing[i]);
		score += f->value[i] * match_factor_weight[i];
	}
	f->tz_overlap_hours = score_remote_need(pn) && p.d->tz != MATCH_TZ_UNKNOWN
	                              ? score_tz_minutes(p.d->tz) / 60
	                              : -1;
	for (i = 0; i < (int)pn->nskills; i++) {
		struct match_skill_cover *c = &f->cover[i];

		c->related = NULL;
		if (p.held[i] > 0) {
			c->cover = p.held[i] >= pn->skills[i].min_level ? COVER_FULL : COVER_BELOW;
			c->level = p.held[i];
		} else if (p.rel[i] > 0) {
			c->cover = COVER_RELATED;
			c->level = p.rel[i];
			c->related = dict_str(&ix->skills, p.relskill[i]);
		} else {
			c->cover = COVER_NONE;
			c->level = 0;
		}
	}
	return score;
}

unsigned score_presence_accepts(unsigned need)
{
	return presence_accepts[need];
}

void score_explain(const struct match_index *ix, const struct pneed *pn, uint32_t dn, int32_t today,
                   int dormant_days, struct match_explained *out)
{
	struct factors f;
	int i;

	memset(out, 0, sizeof(*out));
	out->id = ix->ids[dn];
	out->ref = ix->docs[dn].ref;
	out->score = score_pair(ix, pn, dn, today, dormant_days, &f);
	for (i = 0; i < FACTOR_COUNT; i++) {
		out->value[i] = f.value[i];
		out->contribution[i] = f.value[i] * match_factor_weight[i];
		out->missing[i] = f.missing[i];
	}
	memcpy(out->skills, f.cover, pn->nskills * sizeof(f.cover[0]));
	out->tz_overlap_hours = f.tz_overlap_hours;
}
