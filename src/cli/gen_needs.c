/* gen_needs: `kafaat gen --needs M --truth FILE` — needs built from the
 * latent attributes of the experts gen_cmd.c writes, and the hidden
 * relevance judgements of those experts (gen.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/gen.h"
#include "core/buf.h"
#include "core/xalloc.h"

/* ---- Needs, from a latent target ------------------------------------------------------
 *
 * Need j (from 1) has a stream of its own. It starts from an anchor, a
 * random expert: the domain that expert masters. It asks 2 to 4 must-have
 * skills of that domain (often some the anchor holds, declared or not), 0
 * to 2 nice-to-have ones, languages, a presence, dates or none, hours; its
 * title and description are written in Arabic, French or English. */

#define NEED_SKILLS 6

enum { LANG_AR, LANG_FR, LANG_EN }; /* = the label columns 1, 2, 3 minus one */
enum { NEED_REMOTE = 1, NEED_ONSITE = 2, NEED_HYBRID = 4 };

/* One relevance judgement. */
struct judged {
	long index; /* the expert, from 1 */
	int grade;  /* 1..3 */
};

struct need {
	char ref[48];
	int lang; /* of the title and the description */
	struct {
		size_t row; /* in gen_data.skills */
		int required, min_level;
	} skills[NEED_SKILLS];
	int nskills, nmust;
	struct {
		const char *code;
		int level; /* 1..6 */
	} langs[2];
	int nlangs;
	int presence; /* NEED_REMOTE, NEED_ONSITE or NEED_HYBRID */
	int continuous;
	int32_t from, to; /* 0: flexible */
	int hours;
	long sector;             /* row in gen_data.sectors, or -1 */
	long city;               /* index in moroccan_cities, or -1 */
	struct judged *relevant; /* the relevance judgements, while grading */
	size_t nrelevant, cap;
};

/* moroccan_cities in Arabic, and their region (ISO 3166-2:MA). */
static const char *const moroccan_cities_ar[] = {
        "الدار البيضاء", "الرباط",  "مراكش",    "فاس",     "طنجة",    "أكادير",
        "وجدة",          "مكناس",   "تطوان",    "الناظور", "العيون",  "الداخلة",
        "القنيطرة",      "الجديدة", "بني ملال", "الحسيمة", "ورزازات", "الرشيدية",
};
static const char *const moroccan_regions[] = {
        "MA-06", "MA-04", "MA-07", "MA-03", "MA-01", "MA-09", "MA-02", "MA-03", "MA-01",
        "MA-02", "MA-11", "MA-12", "MA-04", "MA-06", "MA-05", "MA-01", "MA-08", "MA-08",
};

_Static_assert(COUNT(moroccan_cities_ar) == COUNT(moroccan_cities) &&
                       COUNT(moroccan_regions) == COUNT(moroccan_cities),
               "one Arabic name and one region per Moroccan city");

static const char *const need_langs[] = {"ar", "fr", "en"};

/* The words of a need in each language. */
static const struct need_words {
	const char *title; /* first must-have, organisation */
	const char *orgs[5];
	const char *intro; /* the must-haves */
	const char *comma, *and;
	const char *plus;                     /* the nice-to-haves */
	const char *remote, *onsite, *hybrid; /* the city */
	const char *dates;                    /* from, to */
	const char *flexible;
	const char *hours; /* hours a month */
} need_words[] = {
        [LANG_AR] = {"%s: خبرة لفائدة %s",
                     {"قطاع وزاري", "مؤسسة عمومية", "وكالة وطنية", "جماعة ترابية", "جامعة عمومية"},
                     "نبحث عن خبير أو خبيرة من مغاربة العالم يتقن %s.",
                     "، ",
                     " و",
                     " من المستحسن إتقان %s.",
                     " مهمة عن بعد",
                     " مهمة حضورية في %s",
                     " مهمة هجينة، جزئيا في %s",
                     " من %s إلى %s",
                     " بتواريخ مرنة",
                     "، حوالي %d ساعة في الشهر."},
        [LANG_FR] = {"%s : expertise pour %s",
                     {"un département ministériel", "un établissement public",
                      "une agence nationale", "une collectivité territoriale",
                      "une université publique"},
                     "Nous recherchons un·e expert·e de la diaspora maîtrisant %s.",
                     ", ",
                     " et ",
                     " Atout apprécié : %s.",
                     " Mission à distance",
                     " Mission sur site à %s",
                     " Mission hybride, en partie à %s",
                     " du %s au %s",
                     ", dates flexibles",
                     ", environ %d heures par mois."},
        [LANG_EN] = {"%s: expertise for %s",
                     {"a ministry department", "a public establishment", "a national agency",
                      "a local authority", "a public university"},
                     "We are looking for a diaspora expert skilled in %s.",
                     ", ",
                     " and ",
                     " Nice to have: %s.",
                     " Remote mission",
                     " On-site mission in %s",
                     " Hybrid mission, partly in %s",
                     " from %s to %s",
                     ", flexible dates",
                     ", about %d hours a month."},
};

static int need_has(const struct need *n, size_t row)
{
	for (int i = 0; i < n->nskills; i++)
		if (n->skills[i].row == row)
			return 1;
	return 0;
}

static void need_add(struct need *n, size_t row, int required, int min_level)
{
	n->skills[n->nskills].row = row;
	n->skills[n->nskills].required = required;
	n->skills[n->nskills++].min_level = min_level;
	n->nmust += required;
}

/* A must-have: one the anchor truly holds (half the time, always for the
 * first), else any skill of the domain. */
static size_t need_pick(struct rng *r, const struct need *n, const struct latent *A, size_t lo,
                        size_t hi)
{
	for (int tries = 0; tries < 16; tries++) {
		size_t row = lo + below(r, hi - lo);
		if ((n->nskills == 0 || chance(r, 50)) && A->nskills) {
			int k = (int)below(r, (size_t)A->nskills);
			if (A->skills[k].row >= lo && A->skills[k].row < hi &&
			    A->skills[k].level >= 3)
				row = A->skills[k].row;
		}
		if (!need_has(n, row))
			return row;
	}
	return SIZE_MAX;
}

static void need_skills(struct need *n, struct rng *r, const struct gen_data *d,
                        const struct latent *A)
{
	size_t lo, hi, all = json_array_size(d->skills);
	int must = chance(r, 40) ? 2 : chance(r, 75) ? 3 : 4, nice = (int)below(r, 5) / 2;

	gen_domain_rows(d, A->nskills ? A->skills[0].row : below(r, all), &lo, &hi);
	for (int k = 0; k < must; k++) {
		size_t row = need_pick(r, n, A, lo, hi);
		int x = (int)below(r, 100);
		if (row != SIZE_MAX)
			need_add(n, row, 1, x < 25 ? 2 : x < 75 ? 3 : 4);
	}
	for (int k = 0; k < nice; k++) {
		size_t row = chance(r, 70) ? lo + below(r, hi - lo) : below(r, all);
		if (!need_has(n, row))
			need_add(n, row, 0, 2);
	}
	n->sector = chance(r, 90) ? gen_sector_row(d, gen_cell(d->skills, lo, 4)) : -1;
}

static void need_terms(struct need *n, struct rng *r)
{
	static const int presences[] = {NEED_REMOTE, NEED_ONSITE, NEED_HYBRID};
	int x = (int)below(r, 100), other;

	n->presence = presences[x < 45 ? 0 : x < 75 ? 1 : 2];
	n->continuous = chance(r, 30);
	if (chance(r, 65)) {
		n->from = gen_day_of(2027, 1, 10) + (int32_t)below(r, 300);
		n->to = n->from + (n->continuous ? between(r, 60, 180) : between(r, 5, 45));
	}
	n->hours = 4 * (n->continuous ? between(r, 1, 5) : between(r, 2, 10));
	n->langs[0].code = need_langs[n->lang];
	n->langs[0].level = between(r, 3, 5);
	n->nlangs = 1;
	other = (n->lang + between(r, 1, 2)) % 3;
	if (chance(r, 30)) {
		n->langs[1].code = need_langs[other];
		n->langs[1].level = between(r, 3, 4);
		n->nlangs = 2;
	}
	n->city = n->presence == NEED_REMOTE ? -1 : (long)below(r, COUNT(moroccan_cities));
}

/* Need j of seed from its stream r and its anchor's hidden truth A. */
static void need_build(struct need *n, struct rng *r, const struct gen_data *d,
                       const struct latent *A, int64_t seed, long j)
{
	int x = (int)below(r, 100);

	n->lang = x < 50 ? LANG_FR : x < 80 ? LANG_AR : LANG_EN;
	snprintf(n->ref, sizeof(n->ref), "need-%" PRId64 "-%ld-%s", seed, j, need_langs[n->lang]);
	need_skills(n, r, d, A);
	need_terms(n, r);
}

/* "a, b and c": the labels of the need's must-haves (or nice-to-haves). */
static void need_list(struct buf *b, const struct need *n, const struct gen_data *d, int required)
{
	const struct need_words *w = &need_words[n->lang];
	int total = 0, k = 0;

	for (int i = 0; i < n->nskills; i++)
		total += n->skills[i].required == required;
	for (int i = 0; i < n->nskills; i++) {
		if (n->skills[i].required != required)
			continue;
		buf_addf(b, "%s%s",
		         k == 0           ? ""
		         : k == total - 1 ? w->and
		                          : w->comma,
		         gen_cell(d->skills, n->skills[i].row, (size_t)n->lang + 1));
		k++;
	}
}

static void need_text(const struct need *n, struct rng *r, const struct gen_data *d, json_t *o)
{
	const struct need_words *w = &need_words[n->lang];
	const char *city = n->city < 0          ? ""
	                   : n->lang == LANG_AR ? moroccan_cities_ar[n->city]
	                                        : moroccan_cities[n->city];
	struct buf b = BUF_INIT, list = BUF_INIT;
	char from[11], to[11];

	buf_addf(&b, w->title, gen_cell(d->skills, n->skills[0].row, (size_t)n->lang + 1),
	         PICK(r, w->orgs));
	gen_set_str(o, "title", buf_str(&b));
	buf_reset(&b);
	need_list(&list, n, d, 1);
	buf_addf(&b, w->intro, buf_str(&list));
	if (n->nskills > n->nmust) {
		buf_reset(&list);
		need_list(&list, n, d, 0);
		buf_addf(&b, w->plus, buf_str(&list));
	}
	buf_addf(&b,
	         n->presence == NEED_REMOTE   ? w->remote
	         : n->presence == NEED_ONSITE ? w->onsite
	                                      : w->hybrid,
	         city);
	gen_day_text(n->from, from);
	gen_day_text(n->to, to);
	if (n->from)
		buf_addf(&b, w->dates, from, to);
	else
		buf_addf(&b, "%s", w->flexible);
	buf_addf(&b, w->hours, n->hours);
	gen_set_str(o, "description", buf_str(&b));
	buf_release(&b);
	buf_release(&list);
}

/* The need as `kafaat match --need FILE` reads it (app/search.h
 * search_need_parse): names in any of the three languages. */
static json_t *need_json(const struct need *n, struct rng *r, const struct gen_data *d)
{
	static const char *const presence[] = {
	        [NEED_REMOTE] = "remote", [NEED_ONSITE] = "onsite", [NEED_HYBRID] = "hybrid"};
	static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
	json_t *o = json_object(), *skills = json_array(), *langs = json_array();
	char day[11];

	gen_set_str(o, "ref", n->ref);
	need_text(n, r, d, o);
	if (n->sector >= 0)
		json_object_set_new(o, "sector",
		                    gen_label_of(r, d->sectors, (size_t)n->sector, 30));
	for (int i = 0; i < n->nskills; i++)
		json_array_append_new(skills,
		                      json_pack("{s:o, s:b, s:i}", "name",
		                                gen_label_of(r, d->skills, n->skills[i].row, 10),
		                                "required", n->skills[i].required, "min_level",
		                                n->skills[i].min_level));
	json_object_set_new(o, "skills", skills);
	for (int i = 0; i < n->nlangs; i++)
		json_array_append_new(langs, json_pack("{s:s, s:s}", "code", n->langs[i].code,
		                                       "level", cefr[n->langs[i].level - 1]));
	json_object_set_new(o, "languages", langs);
	gen_set_str(o, "mode", n->continuous ? "continue" : "ponctuelle");
	gen_set_str(o, "presence", presence[n->presence]);
	if (n->city >= 0) {
		gen_set_str(o, "region", moroccan_regions[n->city]);
		gen_set_str(o, "city", moroccan_cities[n->city]);
	}
	if (n->from) {
		gen_day_text(n->from, day);
		gen_set_str(o, "from", day);
		gen_day_text(n->to, day);
		gen_set_str(o, "to", day);
	}
	json_object_set_new(o, "hours_per_month", json_integer(n->hours));
	return o;
}

/* ---- Relevance judgements -------------------------------------------------------------
 *
 * grade(need, expert) from the expert's hidden truth only:
 *   never relevant: excluded (no consent to institutions, dormant, paused),
 *   would not answer, cannot work as the need asks (presence), or has no time
 *   (hours, or free on less than half of the need's dates);
 *   fit of a skill: 1 at or above the level asked, 0.5 one level below, 0;
 *   skill = mean fit over the must-haves (true levels; a skill of the domain
 *   they master counts at their background level), nice = share of the
 *   nice-to-haves held at level 2 or more, lang = mean fit over the need's
 *   languages;
 *   3: skill = 1, lang = 1, nice >= 1/2;  2: skill >= 2/3, lang >= 1/2;
 *   1: skill >= 1/2;  otherwise not relevant. */

static int competence(const struct gen_data *d, const struct latent *L, size_t row)
{
	int level = gen_latent_level(L, row);

	if (level)
		return level;
	return L->domain && strcmp(gen_cell(d->skills, row, 4), L->domain) == 0 ? L->background : 0;
}

static double fit(int have, int want)
{
	return have >= want ? 1.0 : have > 0 && have == want - 1 ? 0.5 : 0.0;
}

static int32_t days_covered(const struct period *p, int n, int32_t from, int32_t to)
{
	int32_t sum = 0;

	for (int i = 0; i < n; i++) {
		int32_t a = p[i].from > from ? p[i].from : from, b = p[i].to < to ? p[i].to : to;
		sum += b >= a ? b - a + 1 : 0;
	}
	return sum;
}

static int can_work(const struct need *n, const struct latent *L)
{
	int remote = L->remote && L->tz_ok;
	int onsite = L->onsite || (n->from ? days_covered(L->stays, L->nstays, n->from, n->to) > 0
	                                   : L->nstays > 0);

	return n->presence == NEED_REMOTE   ? remote
	       : n->presence == NEED_ONSITE ? onsite
	                                    : remote || onsite;
}

static int has_time(const struct need *n, const struct latent *L)
{
	if (!L->responsive || 2 * L->hours < n->hours)
		return 0;
	if (!n->from || !L->nwindows)
		return 1;
	return 2 * days_covered(L->windows, L->nwindows, n->from, n->to) >= n->to - n->from + 1;
}

static double lang_fit(const struct need *n, const struct latent *L)
{
	double sum = 0;

	for (int i = 0; i < n->nlangs; i++) {
		int have = 0;
		for (int k = 0; k < L->nlangs; k++)
			if (strcmp(L->langs[k].code, n->langs[i].code) == 0)
				have = L->langs[k].level;
		sum += fit(have, n->langs[i].level);
	}
	return n->nlangs ? sum / n->nlangs : 1.0;
}

static int grade(const struct gen_data *d, const struct need *n, const struct latent *L)
{
	double skill = 0, nice = 0, lang;
	int nnice = n->nskills - n->nmust;

	if (L->excluded || !n->nmust || !can_work(n, L) || !has_time(n, L))
		return 0;
	for (int i = 0; i < n->nskills; i++) {
		int have = competence(d, L, n->skills[i].row);
		if (n->skills[i].required)
			skill += fit(have, n->skills[i].min_level);
		else
			nice += have >= 2;
	}
	skill /= n->nmust;
	nice = nnice ? nice / nnice : 1.0;
	lang = lang_fit(n, L);
	if (skill >= 1.0 && lang >= 1.0 && nice >= 0.5)
		return 3;
	if (skill >= 0.66 && lang >= 0.5)
		return 2;
	return skill >= 0.5 ? 1 : 0;
}

static void judge(struct need *n, long index, int g)
{
	if (n->nrelevant == n->cap) {
		n->cap = n->cap ? 2 * n->cap : 32;
		n->relevant = xrealloc(n->relevant, n->cap * sizeof(*n->relevant));
	}
	n->relevant[n->nrelevant].index = index;
	n->relevant[n->nrelevant++].grade = g;
}

/* Best grade first, then the expert's index. */
static int by_grade(const void *a, const void *b)
{
	const struct judged *x = a, *y = b;

	if (x->grade != y->grade)
		return y->grade - x->grade;
	return (x->index > y->index) - (x->index < y->index);
}

static int write_truth(FILE *f, struct need *needs, int64_t m, int64_t seed)
{
	for (int64_t j = 0; j < m; j++) {
		struct need *n = &needs[j];
		json_t *list = json_array(), *o;
		int bad;
		if (n->nrelevant)
			qsort(n->relevant, n->nrelevant, sizeof(*n->relevant), by_grade);
		for (size_t k = 0; k < n->nrelevant; k++)
			json_array_append_new(list,
			                      json_pack("{s:o, s:i}", "ref",
			                                json_sprintf("gen-%" PRId64 "-%ld", seed,
			                                             n->relevant[k].index),
			                                "grade", n->relevant[k].grade));
		o = json_pack("{s:s, s:o}", "need", n->ref, "relevant", list);
		bad = json_dumpf(o, f, JSON_COMPACT) < 0 || fputc('\n', f) == EOF;
		json_decref(o);
		if (bad)
			return -1;
	}
	return 0;
}

struct anchor {
	long expert; /* from 1 */
	long need;   /* from 0 */
};

static int by_expert(const void *a, const void *b)
{
	const struct anchor *x = a, *y = b;

	if (x->expert != y->expert)
		return (x->expert > y->expert) - (x->expert < y->expert);
	return (x->need > y->need) - (x->need < y->need);
}

/* Builds the m needs: each from its stream and its anchor's hidden truth
 * (the experts regenerated in order). */
static void build_needs(const struct gen_data *d, int64_t n, int64_t m, int64_t seed,
                        struct need *needs, struct rng *nr)
{
	struct anchor *a = xcalloc((size_t)m, sizeof(*a));
	struct rng r = {(uint64_t)seed};
	int64_t k = 0;

	for (int64_t j = 0; j < m; j++) {
		nr[j].s = gen_stream(seed, (long)j + 1, NEED_SALT);
		a[j] = (struct anchor){1 + (long)below(&nr[j], (size_t)n), (long)j};
	}
	qsort(a, (size_t)m, sizeof(*a), by_expert);
	for (int64_t i = 1; i <= n && k < m; i++) {
		struct latent L;
		json_decref(gen_expert(&r, d, seed, (long)i, &L));
		for (; k < m && a[k].expert == i; k++)
			need_build(&needs[a[k].need], &nr[a[k].need], d, &L, seed, a[k].need + 1);
	}
	free(a);
}

/* Grades every expert (regenerated in order) against every need. */
static void grade_all(const struct gen_data *d, int64_t n, int64_t m, int64_t seed,
                      struct need *needs)
{
	struct rng r = {(uint64_t)seed};

	for (int64_t i = 1; i <= n; i++) {
		struct latent L;
		json_decref(gen_expert(&r, d, seed, (long)i, &L));
		for (int64_t j = 0; j < m; j++) {
			int g = grade(d, &needs[j], &L);
			if (g)
				judge(&needs[j], (long)i, g);
		}
	}
}

static int write_needs(const struct gen_data *d, int64_t m, struct need *needs, struct rng *nr)
{
	for (int64_t j = 0; j < m; j++) {
		json_t *o = need_json(&needs[j], &nr[j], d);
		int bad = json_dumpf(o, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF;
		json_decref(o);
		if (bad)
			return -1;
	}
	return fflush(stdout) == 0 ? 0 : -1;
}

static int save_truth(const char *path, struct need *needs, int64_t m, int64_t seed)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		fprintf(stderr, "kafaat gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = write_truth(f, needs, m, seed);
	if (fclose(f) != 0 || rc < 0) {
		fprintf(stderr, "kafaat gen: %s: cannot write the judgements\n", path);
		return -1;
	}
	return 0;
}

int gen_run_needs(struct db *db, int64_t n, int64_t m, int64_t seed, const char *truth)
{
	struct gen_data d = {0};
	struct need *needs = xcalloc((size_t)m, sizeof(*needs));
	struct rng *nr = xcalloc((size_t)m, sizeof(*nr));
	int rc = 1;

	if (gen_load_data(db, &d) < 0)
		goto out;
	if (!json_array_size(d.skills)) {
		fprintf(stderr, "kafaat gen: needs need the skills taxonomy (data/skills.tsv); "
		                "run `kafaat migrate` with the reference data\n");
		goto out;
	}
	build_needs(&d, n, m, seed, needs, nr);
	if (write_needs(&d, m, needs, nr) < 0)
		goto out;
	if (truth) {
		grade_all(&d, n, m, seed, needs);
		if (save_truth(truth, needs, m, seed) < 0)
			goto out;
	}
	rc = 0;
out:
	for (int64_t j = 0; j < m; j++)
		free(needs[j].relevant);
	free(needs);
	free(nr);
	gen_data_free(&d);
	return rc;
}
