/* gen: what the two halves of `kafaat gen` share — the random streams,
 * the reference data, and the latent attributes of an expert. gen_cmd.c
 * writes experts (and owns the command); gen_needs.c writes needs built
 * from latent targets and the relevance judgements of the same experts.
 * Private to src/cli. */
#ifndef KAFAAT_CLI_GEN_H
#define KAFAAT_CLI_GEN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* splitmix64 (Steele, Lea and Flood 2014): small, fast, and the same
 * numbers for the same seed on every machine. */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline size_t below(struct rng *r, size_t n)
{
	return n ? (size_t)(rng_next(r) % n) : 0;
}

static inline int chance(struct rng *r, int percent)
{
	return (int)below(r, 100) < percent;
}

static inline int between(struct rng *r, int lo, int hi)
{
	return lo + (int)below(r, (size_t)(hi - lo + 1));
}

#define COUNT(a) (sizeof(a) / sizeof(a[0]))
#define PICK(r, a) ((a)[below((r), sizeof(a) / sizeof((a)[0]))])

struct gen_data {
	json_t *skills;    /* [[id, ar, fr, en, domain]] ordered by domain */
	json_t *sectors;   /* [[id, ar, fr, en]] */
	json_t *isco;      /* [[code]] of the unit groups */
	json_t *regions;   /* [[code]] */
	json_t *languages; /* {code: true} */
	json_t *countries; /* {code: true} */
};

#define LATENT_SKILLS 8
#define LATENT_LANGS 8
#define LATENT_SALT UINT64_C(0x4c4154454e54) /* "LATENT" */
#define NEED_SALT UINT64_C(0x4e454544)       /* "NEED" */

struct period {
	int32_t from, to; /* days since 1970-01-01, inclusive */
};

struct latent {
	int excluded;       /* no consent to institutions, dormant or paused: never relevant */
	int responsive;     /* would take a mission now (never shown) */
	int remote, onsite; /* would truly work from home / come to Morocco */
	int tz_ok;          /* can work Moroccan office hours from where they live */
	int hours;          /* hours a month they can truly give */
	const char *domain; /* the skill domain they master (a taxonomy id), or NULL */
	int background;     /* their level in the domain's other skills, 0..2 */
	struct {
		size_t row; /* in gen_data.skills */
		int level;  /* 1..5 */
	} skills[LATENT_SKILLS];
	int nskills;
	struct {
		char code[12];
		int level; /* 1..6 = A1..C2 */
	} langs[LATENT_LANGS];
	int nlangs;
	struct period windows[2]; /* when they are free in 2027; none: the whole year */
	int nwindows;
	struct period stays[2]; /* planned stays in Morocco, as declared */
	int nstays;
};

static const char *const moroccan_cities[] = {
        "Casablanca", "Rabat",     "Marrakech",   "Fès",        "Tanger",     "Agadir",
        "Oujda",      "Meknès",    "Tétouan",     "Nador",      "Laâyoune",   "Dakhla",
        "Kénitra",    "El Jadida", "Béni Mellal", "Al Hoceïma", "Ouarzazate", "Errachidia",
};

#define MAX_NEEDS 100000

struct db;

/* Shared by gen_cmd.c (experts) and gen_needs.c (needs and judgements). */
const char *gen_cell(json_t *rows, size_t row, size_t col);
int32_t gen_day_of(int y, int m, int d);
void gen_day_text(int32_t day, char out[11]);
void gen_domain_rows(const struct gen_data *d, size_t row, size_t *lo, size_t *hi);
json_t *gen_label_of(struct rng *r, json_t *rows, size_t i, int id_percent);
int gen_latent_level(const struct latent *L, size_t row);
int gen_load_data(struct db *db, struct gen_data *d);
long gen_sector_row(const struct gen_data *d, const char *domain);
void gen_set_str(json_t *o, const char *key, const char *v);
uint64_t gen_stream(int64_t seed, long index, uint64_t salt);
void gen_data_free(struct gen_data *g);
json_t *gen_expert(struct rng *r, const struct gen_data *d, int64_t seed, long index,
                   struct latent *L);
int gen_run_needs(struct db *db, int64_t n, int64_t m, int64_t seed, const char *truth);

#endif
