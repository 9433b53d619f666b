/* `kafaat gen`: synthetic data for tests, benchmarks and `make eval`, the
 * same for the same seed on every machine.
 *
 *   gen --experts N [--seed S]
 *       N experts in the import format (docs/IMPORT.md), JSON Lines on stdout.
 *   gen --experts N --needs M [--seed S] [--truth FILE]
 *       M needs in the format `kafaat match --need FILE` reads, JSON Lines
 *       on stdout; FILE receives the hidden relevance judgements of the same
 *       N experts (those `gen --experts N --seed S` writes), one line per
 *       need: {"need": REF, "relevant": [{"ref": EXPERT_REF, "grade": 1..3}]}.
 *
 * The judgements come from latent attributes the profiles only reflect
 * with noise (below, "The hidden truth"), not from the matcher's formula;
 * docs/BENCHMARKS.md ("Evaluation data") describes them.
 *
 * Exit status: 0 written, 1 the database, stdout or FILE failed, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/clock.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "db/db.h"

#define GEN_USAGE                                                                                  \
	"usage: kafaat gen --experts N [--needs M [--truth FILE]] [--seed S] [--db PATH|URL]\n"

/* ---- gen: synthetic experts -------------------------------------------------------- */

/* splitmix64 (Steele, Lea and Flood 2014): small, fast, and the same
 * numbers for the same seed on every machine. */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static size_t below(struct rng *r, size_t n)
{
	return n ? (size_t)(rng_next(r) % n) : 0;
}

static int chance(struct rng *r, int percent)
{
	return (int)below(r, 100) < percent;
}

static int between(struct rng *r, int lo, int hi)
{
	return lo + (int)below(r, (size_t)(hi - lo + 1));
}

#define COUNT(a) (sizeof(a) / sizeof(a[0]))
#define PICK(r, a) ((a)[below((r), sizeof(a) / sizeof((a)[0]))])

/* Countries of residence of Moroccans abroad, weighted roughly as their
 * share (per mille): Moroccan consular registrations and the HCP /
 * Fondation Hassan II estimates of the Moroccan diaspora (about 5 to 6
 * million people: France ~30%, Spain ~17%, Italy ~11%, Belgium and the
 * Netherlands ~7% each, Germany ~4%, Canada and the United States ~3%
 * each, the Gulf ~6%, then the United Kingdom, Switzerland, Scandinavia,
 * West Africa and Asia). Approximate, for realistic test data only. */
struct country {
	const char *code;
	int weight;
	const char *lang; /* the main language spoken there */
	const char *mail; /* the language of Kafaat's mails */
	const char *cities[8];
};

static const struct country countries[] = {
        {"FR",
         300,
         "fr",
         "fr",
         {"Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Montpellier", "Bordeaux",
          "Strasbourg"}},
        {"ES",
         170,
         "es",
         "fr",
         {"Madrid", "Barcelona", "Murcia", "Málaga", "Valencia", "Almería", "Girona", "Sevilla"}},
        {"IT", 110, "it", "fr", {"Milano", "Torino", "Bologna", "Roma", "Napoli", "Bergamo"}},
        {"BE", 70, "fr", "fr", {"Bruxelles", "Antwerpen", "Liège", "Gent", "Charleroi"}},
        {"NL", 70, "nl", "fr", {"Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven"}},
        {"DE", 40, "de", "fr", {"Frankfurt am Main", "Düsseldorf", "Köln", "Berlin", "München"}},
        {"CA", 30, "fr", "fr", {"Montréal", "Québec", "Toronto", "Ottawa", "Vancouver"}},
        {"US", 30, "en", "en", {"New York", "Washington", "Boston", "San Francisco", "Houston"}},
        {"AE", 25, "ar", "ar", {"Dubai", "Abu Dhabi", "Sharjah"}},
        {"SA", 25, "ar", "ar", {"Riyadh", "Jeddah", "Dammam"}},
        {"GB", 20, "en", "en", {"London", "Manchester", "Birmingham", "Edinburgh"}},
        {"QA", 10, "ar", "ar", {"Doha"}},
        {"CH", 10, "fr", "fr", {"Genève", "Lausanne", "Zürich", "Basel"}},
        {"SE", 8, "sv", "en", {"Stockholm", "Göteborg", "Malmö"}},
        {"SN", 5, "fr", "fr", {"Dakar", "Thiès", "Saint-Louis"}},
        {"CI", 4, "fr", "fr", {"Abidjan"}},
        {"NO", 4, "no", "en", {"Oslo", "Bergen"}},
        {"KW", 4, "ar", "ar", {"Kuwait City"}},
        {"DK", 3, "da", "en", {"København", "Aarhus"}},
        {"SG", 2, "en", "en", {"Singapore"}},
};

struct name {
	const char *latin, *arabic;
};

static const struct name men[] = {
        {"Mohamed", "محمد"},   {"Youssef", "يوسف"},   {"Ahmed", "أحمد"},
        {"Hamza", "حمزة"},     {"Omar", "عمر"},       {"Karim", "كريم"},
        {"Rachid", "رشيد"},    {"Mehdi", "مهدي"},     {"Amine", "أمين"},
        {"Anas", "أنس"},       {"Hicham", "هشام"},    {"Nabil", "نبيل"},
        {"Said", "سعيد"},      {"Mustapha", "مصطفى"}, {"Khalid", "خالد"},
        {"Driss", "إدريس"},    {"Hassan", "حسن"},     {"Ayoub", "أيوب"},
        {"Bilal", "بلال"},     {"Adil", "عادل"},      {"Tarik", "طارق"},
        {"Zakaria", "زكرياء"}, {"Ismail", "إسماعيل"}, {"Jamal", "جمال"},
        {"Othmane", "عثمان"},  {"Soufiane", "سفيان"}, {"Yassine", "ياسين"},
        {"Reda", "رضا"},       {"Brahim", "إبراهيم"}, {"Abdelkader", "عبد القادر"},
};

static const struct name women[] = {
        {"Fatima", "فاطمة"},   {"Khadija", "خديجة"},  {"Amal", "أمل"},     {"Salma", "سلمى"},
        {"Nadia", "نادية"},    {"Meryem", "مريم"},    {"Imane", "إيمان"},  {"Sara", "سارة"},
        {"Houda", "هدى"},      {"Laila", "ليلى"},     {"Samira", "سميرة"}, {"Zineb", "زينب"},
        {"Hanane", "حنان"},    {"Asmae", "أسماء"},    {"Loubna", "لبنى"},  {"Ghizlane", "غزلان"},
        {"Kenza", "كنزة"},     {"Hajar", "هاجر"},     {"Nawal", "نوال"},   {"Siham", "سهام"},
        {"Wafae", "وفاء"},     {"Yasmine", "ياسمين"}, {"Rim", "ريم"},      {"Soukaina", "سكينة"},
        {"Btissam", "ابتسام"}, {"Nora", "نورة"},      {"Malika", "مليكة"}, {"Aicha", "عائشة"},
        {"Ilham", "إلهام"},    {"Najat", "نجاة"},
};

static const struct name families[] = {
        {"Benali", "بنعلي"},       {"El Amrani", "العمراني"},  {"Alaoui", "العلوي"},
        {"Idrissi", "الإدريسي"},   {"Bennani", "بناني"},       {"Tazi", "التازي"},
        {"Berrada", "برادة"},      {"El Fassi", "الفاسي"},     {"Chraibi", "الشرايبي"},
        {"Benjelloun", "بنجلون"},  {"Ouazzani", "الوزاني"},    {"Lahlou", "لحلو"},
        {"El Khatib", "الخطيب"},   {"Bouzid", "بوزيد"},        {"Ziani", "الزياني"},
        {"Haddad", "الحداد"},      {"Naciri", "الناصري"},      {"Kettani", "الكتاني"},
        {"Sqalli", "السقلي"},      {"El Ouardi", "الوردي"},    {"Benkirane", "بنكيران"},
        {"Filali", "الفيلالي"},    {"Hajji", "الحجي"},         {"Rifi", "الريفي"},
        {"Sebti", "السبتي"},       {"Tahiri", "الطاهري"},      {"Zeroual", "الزروالي"},
        {"Mansouri", "المنصوري"},  {"Cherkaoui", "الشرقاوي"},  {"Belhaj", "بلحاج"},
        {"Moussaoui", "الموساوي"}, {"Ait Lahcen", "آيت لحسن"}, {"Amzil", "أمزيل"},
        {"Bouchikhi", "البوشيخي"}, {"Naji", "ناجي"},           {"Ouali", "أوعلي"},
};

static const char *const moroccan_cities[] = {
        "Casablanca", "Rabat",     "Marrakech",   "Fès",        "Tanger",     "Agadir",
        "Oujda",      "Meknès",    "Tétouan",     "Nador",      "Laâyoune",   "Dakhla",
        "Kénitra",    "El Jadida", "Béni Mellal", "Al Hoceïma", "Ouarzazate", "Errachidia",
};

/* Skill names used when the database has no skills taxonomy yet (they
 * then import as free skills). */
static const char *const fallback_skills[] = {
        "Cardiologie interventionnelle",
        "Cybersécurité",
        "Data science",
        "الذكاء الاصطناعي",
        "Génie civil",
        "Energy storage",
        "Irrigation goutte-à-goutte",
        "Droit des affaires",
        "Finance islamique",
        "Supply chain management",
        "Santé publique",
        "Développement web",
        "تحلية مياه البحر",
        "Urbanisme",
        "Robotique industrielle",
        "Gestion de projet",
};

static const char *const degrees[] = {"Doctorat",
                                      "PhD",
                                      "Master",
                                      "Diplôme d'ingénieur",
                                      "MBA",
                                      "Licence",
                                      "Doctorat en médecine"};
static const char *const fields[] = {"Informatique", "Médecine",  "Génie civil", "Économie",
                                     "Droit",        "Physique",  "Agronomie",   "Finance",
                                     "Électronique", "Pharmacie", "Énergétique", "Gestion"};
static const char *const moroccan_schools[] = {"Université Mohammed V de Rabat",
                                               "École Mohammadia d'Ingénieurs",
                                               "Université Hassan II de Casablanca",
                                               "Université Cadi Ayyad",
                                               "Institut Agronomique et Vétérinaire Hassan II",
                                               "ENCG Settat"};
static const char *const foreign_schools[] = {"Université Paris-Saclay",
                                              "Universidad Complutense de Madrid",
                                              "Politecnico di Milano",
                                              "KU Leuven",
                                              "TU Delft",
                                              "McGill University",
                                              "Université de Montréal",
                                              "Imperial College London",
                                              "EPFL",
                                              "Sorbonne Université",
                                              "Technische Universität München",
                                              "Columbia University"};
static const char *const roles[] = {"Ingénieur·e",      "Médecin",
                                    "Chercheur·e",      "Consultant·e",
                                    "Cheffe de projet", "Data scientist",
                                    "Professeur·e",     "Architecte",
                                    "Juriste",          "Directeur·rice financier·e"};
static const char *const organisations[] = {
        "CHU",        "Université", "Cabinet de conseil", "Groupe industriel",
        "Start-up",   "Banque",     "Agence publique",    "ONG",
        "Laboratoire"};

/* The reference data gen draws from, read from the database. */
struct gen_data {
	json_t *skills;    /* [[id, ar, fr, en, domain]] ordered by domain */
	json_t *sectors;   /* [[id, ar, fr, en]] */
	json_t *isco;      /* [[code]] of the unit groups */
	json_t *regions;   /* [[code]] */
	json_t *languages; /* {code: true} */
	json_t *countries; /* {code: true} */
};

/* Rows of sql as arrays of strings; NULL on error. */
static json_t *query_rows(struct db *db, const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;

	while (st && (rc = db_step(st)) == DB_ROW) {
		json_t *row = json_array();
		for (int i = 0; i < db_col_count(st); i++)
			json_array_append_new(
			        row, json_string(db_col_text(st, i) ? db_col_text(st, i) : ""));
		json_array_append_new(out, row);
	}
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The first column of rows as a set. */
static json_t *query_set(struct db *db, const char *sql)
{
	json_t *rows = query_rows(db, sql), *set, *row;
	size_t i;

	if (!rows)
		return NULL;
	set = json_object();
	json_array_foreach(rows, i, row)
	        json_object_set_new(set, json_string_value(json_array_get(row, 0)), json_true());
	json_decref(rows);
	return set;
}

static void gen_data_free(struct gen_data *g)
{
	json_decref(g->skills);
	json_decref(g->sectors);
	json_decref(g->isco);
	json_decref(g->regions);
	json_decref(g->languages);
	json_decref(g->countries);
}

static int gen_data_load(struct db *db, struct gen_data *g)
{
	g->skills = query_rows(db, "SELECT id, name_ar, name_fr, name_en, domain_id FROM skills "
	                           "ORDER BY domain_id, id");
	g->sectors = query_rows(db, "SELECT id, name_ar, name_fr, name_en FROM sectors ORDER BY "
	                            "position, id");
	g->isco = query_rows(db, "SELECT code FROM isco_groups WHERE length(code) = 4 ORDER BY "
	                         "code");
	g->regions = query_rows(db, "SELECT code FROM regions ORDER BY code");
	g->languages = query_set(db, "SELECT code FROM languages");
	g->countries = query_set(db, "SELECT code FROM countries");
	return g->skills && g->sectors && g->isco && g->regions && g->languages && g->countries
	               ? 0
	               : -1;
}

static const char *cell_at(json_t *rows, size_t row, size_t col)
{
	return json_string_value(json_array_get(json_array_get(rows, row), col));
}

/* One generated expert. */
struct gen {
	struct rng *r;
	const struct gen_data *d;
	long index;
	int64_t seed;
	const struct country *c;
	const struct name *first, *last;
	int female, birth_year;
	const char *city;
	json_t *o;
	json_t *sector_ids;
	/* the hidden truth (latent layer) */
	size_t rows[6]; /* the taxonomy rows of the declared skills, in order */
	int nrows;
	int extra;      /* 1: the last row was drawn from anywhere, not the domain */
	struct rng *lr; /* the latent stream: the profile's draws stay those of r */
	struct latent *lat;
};

static const struct country *pick_country(struct rng *r)
{
	int total = 0, x;

	for (size_t i = 0; i < COUNT(countries); i++)
		total += countries[i].weight;
	x = (int)below(r, (size_t)total);
	for (size_t i = 0; i < COUNT(countries); i++) {
		if (x < countries[i].weight)
			return &countries[i];
		x -= countries[i].weight;
	}
	return &countries[0];
}

static const char *pick_city(struct rng *r, const struct country *c)
{
	size_t n = 0;

	while (n < COUNT(c->cities) && c->cities[n])
		n++;
	return c->cities[below(r, n)];
}

/* "firstname.lastname" in lower-case ASCII ('-' for spaces). */
static void slug(const char *s, struct buf *out)
{
	for (; *s; s++) {
		char ch = *s;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			buf_addc(out, ch);
		else if (ch == ' ')
			buf_addc(out, '-');
	}
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, json_string(v));
}

static void gen_identity(struct gen *g)
{
	static const char *const domains[] = {"example.org", "example.com", "example.net"};
	struct buf b = BUF_INIT;

	slug(g->first->latin, &b);
	buf_addc(&b, '.');
	slug(g->last->latin, &b);
	buf_addf(&b, ".%ld@%s", g->index, PICK(g->r, domains));
	json_object_set_new(g->o, "ref", json_sprintf("gen-%" PRId64 "-%ld", g->seed, g->index));
	set_str(g->o, "email", buf_str(&b));
	set_str(g->o, "lang", chance(g->r, 15) ? "ar" : g->c->mail);
	json_object_set_new(g->o, "name", json_sprintf("%s %s", g->first->latin, g->last->latin));
	json_object_set_new(g->o, "name_ar",
	                    json_sprintf("%s %s", g->first->arabic, g->last->arabic));
	if (chance(g->r, 97))
		set_str(g->o, "gender", g->female ? "f" : "m");
	json_object_set_new(g->o, "birth_year", json_integer(g->birth_year));
	set_str(g->o, "country", g->c->code);
	set_str(g->o, "city", g->city);
	json_object_set_new(g->o, "nationalities",
	                    chance(g->r, 45) ? json_pack("[s, s]", "MA", g->c->code)
	                                     : json_pack("[s]", "MA"));
	buf_release(&b);
}

static const char *level(struct rng *r, int lowest)
{
	static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
	return cefr[between(r, lowest, 5)];
}

static void add_language(struct gen *g, json_t *list, const char *code, const char *lvl)
{
	json_t *e;
	size_t i;

	if (!json_object_get(g->d->languages, code))
		return;
	json_array_foreach(list, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "code")), code) == 0)
			return;
	}
	json_array_append_new(list, json_pack("{s:s, s:s}", "code", code, "level", lvl));
}

static void gen_languages(struct gen *g)
{
	json_t *list = json_array();

	add_language(g, list, "ar", level(g->r, chance(g->r, 70) ? 5 : 3));
	add_language(g, list, "fr", level(g->r, strcmp(g->c->lang, "fr") == 0 ? 5 : 2));
	add_language(g, list, g->c->lang, level(g->r, 3));
	if (chance(g->r, 60))
		add_language(g, list, "en", level(g->r, 2));
	if (chance(g->r, 12))
		add_language(g, list, "zgh", level(g->r, 1));
	json_object_set_new(g->o, "languages", list);
}

/* A label of row i of rows (columns ar, fr, en at 1..3) in a language
 * drawn as fr 45%, en 35%, ar 20%; sometimes the id itself. */
static json_t *label_of(struct rng *r, json_t *rows, size_t i, int id_percent)
{
	int x = (int)below(r, 100);

	if (x < id_percent)
		return json_string(cell_at(rows, i, 0));
	x = (int)below(r, 100);
	return json_string(cell_at(rows, i, x < 45 ? 2 : x < 80 ? 3 : 1));
}

static json_t *any_label(struct gen *g, json_t *rows, size_t i, int id_percent)
{
	return label_of(g->r, rows, i, id_percent);
}

static void gen_sectors(struct gen *g)
{
	size_t n = json_array_size(g->d->sectors), k = n ? (size_t)between(g->r, 1, 3) : 0;
	json_t *list = json_array();

	g->sector_ids = json_array();
	for (size_t j = 0; j < k; j++) {
		size_t i = below(g->r, n);
		const char *id = cell_at(g->d->sectors, i, 0);
		json_t *e;
		size_t m;
		int dup = 0;
		json_array_foreach(g->sector_ids, m, e) dup |=
		        strcmp(json_string_value(e), id) == 0;
		if (dup)
			continue;
		json_array_append_new(g->sector_ids, json_string(id));
		json_array_append_new(list, any_label(g, g->d->sectors, i, 40));
	}
	json_object_set_new(g->o, "sectors", list);
	if (json_array_size(g->sector_ids) && chance(g->r, 30))
		json_object_set_new(g->o, "preferred_sectors",
		                    json_pack("[O]", json_array_get(g->sector_ids, 0)));
}

static json_t *skill_entry(struct gen *g, json_t *name)
{
	return json_pack("{s:o, s:i, s:i}", "name", name, "level", between(g->r, 2, 5), "years",
	                 between(g->r, 1, 25));
}

/* Skills of one domain (the taxonomy is ordered by domain): two to four
 * neighbours of a random skill, and sometimes one from anywhere. */
static void gen_skills(struct gen *g)
{
	size_t n = json_array_size(g->d->skills), start, end;
	json_t *list = json_array();

	if (!n) {
		for (int k = between(g->r, 1, 3); k > 0; k--)
			json_array_append_new(
			        list, skill_entry(g, json_string(PICK(g->r, fallback_skills))));
		json_object_set_new(g->o, "skills", list);
		return;
	}
	start = below(g->r, n);
	while (start > 0 &&
	       strcmp(cell_at(g->d->skills, start - 1, 4), cell_at(g->d->skills, start, 4)) == 0 &&
	       chance(g->r, 80))
		start--;
	end = start + (size_t)between(g->r, 2, 4);
	for (size_t i = start; i < end && i < n; i++) {
		g->rows[g->nrows++] = i;
		json_array_append_new(list, skill_entry(g, any_label(g, g->d->skills, i, 5)));
	}
	if (chance(g->r, 30)) {
		size_t i = below(g->r, n);
		g->rows[g->nrows++] = i;
		g->extra = 1;
		json_array_append_new(list, skill_entry(g, any_label(g, g->d->skills, i, 5)));
	}
	json_object_set_new(g->o, "skills", list);
}

/* Headline and bio in each language (masculine, feminine): {skill};
 * {city} and the years there. */
static const struct {
	const char *lang;
	const char *headline[2];
	const char *bio[2];
} texts[] = {
        {"ar",
         {"متخصص في %s", "متخصصة في %s"},
         {"مقيم في %s منذ %d سنة، وأرغب في وضع خبرتي في خدمة مشاريع بالمغرب.",
          "مقيمة في %s منذ %d سنة، وأرغب في وضع خبرتي في خدمة مشاريع بالمغرب."}},
        {"en",
         {"Specialist in %s", "Specialist in %s"},
         {"Based in %s for %d years, I would like to put my experience at the service of "
          "projects in Morocco.",
          "Based in %s for %d years, I would like to put my experience at the service of "
          "projects in Morocco."}},
        {"fr",
         {"Spécialiste : %s", "Spécialiste : %s"},
         {"Installé à %s depuis %d ans, je souhaite mettre mon expérience au service de "
          "projets au Maroc.",
          "Installée à %s depuis %d ans, je souhaite mettre mon expérience au service de "
          "projets au Maroc."}},
};

/* Headline and bio, in the language of the expert's mails. */
static void gen_texts(struct gen *g)
{
	const char *lang = json_string_value(json_object_get(g->o, "lang"));
	const char *skill = json_string_value(
	        json_object_get(json_array_get(json_object_get(g->o, "skills"), 0), "name"));
	int years = 2026 - g->birth_year - between(g->r, 18, 24);
	size_t i = 0;

	while (i + 1 < COUNT(texts) && strcmp(texts[i].lang, lang) != 0)
		i++;
	json_object_set_new(g->o, "headline",
	                    json_sprintf(texts[i].headline[g->female], skill ? skill : ""));
	json_object_set_new(g->o, "bio",
	                    json_sprintf(texts[i].bio[g->female], g->city, years > 1 ? years : 2));
}

static void gen_career(struct gen *g)
{
	int grad = g->birth_year + between(g->r, 22, 29), moroccan = chance(g->r, 40), start;
	json_t *sector = json_array_get(g->sector_ids, 0);
	json_t *job;

	if (grad > 2026)
		grad = 2026;
	json_object_set_new(g->o, "years_experience", json_integer(2026 - grad));
	if (json_array_size(g->d->isco))
		set_str(g->o, "isco",
		        cell_at(g->d->isco, below(g->r, json_array_size(g->d->isco)), 0));
	json_object_set_new(
	        g->o, "education",
	        json_pack("[{s:s, s:s, s:s, s:s, s:i}]", "degree", PICK(g->r, degrees), "field",
	                  PICK(g->r, fields), "institution",
	                  moroccan ? PICK(g->r, moroccan_schools) : PICK(g->r, foreign_schools),
	                  "country", moroccan ? "MA" : g->c->code, "year", grad));
	start = grad + between(g->r, 0, 3);
	job = json_pack("{s:s, s:s, s:s, s:o}", "role", PICK(g->r, roles), "organisation",
	                PICK(g->r, organisations), "country", g->c->code, "from",
	                json_sprintf("%d-%02d", start > 2026 ? 2026 : start, between(g->r, 1, 12)));
	if (sector)
		json_object_set(job, "sector", sector);
	json_object_set_new(g->o, "experience", json_pack("[o]", job));
}

static void gen_links(struct gen *g)
{
	json_t *links = json_object();
	struct buf b = BUF_INIT;

	slug(g->first->latin, &b);
	buf_addc(&b, '-');
	slug(g->last->latin, &b);
	if (chance(g->r, 50))
		json_object_set_new(
		        links, "linkedin",
		        json_sprintf("https://www.linkedin.com/in/%s-%ld", buf_str(&b), g->index));
	if (chance(g->r, 10))
		json_object_set_new(links, "orcid",
		                    json_sprintf("0000-000%d-%04d-%04d", between(g->r, 1, 3),
		                                 between(g->r, 0, 9999), between(g->r, 0, 9999)));
	if (chance(g->r, 10))
		json_object_set_new(links, "website",
		                    json_sprintf("https://%s.example.org", buf_str(&b)));
	buf_release(&b);
	if (json_object_size(links))
		json_object_set_new(g->o, "links", links);
	else
		json_decref(links);
}

/* A non-empty subset of words, each with its percentage. */
static json_t *subset(struct rng *r, const char *const *words, const int *percent, int n)
{
	json_t *out = json_array();

	for (int i = 0; i < n; i++)
		if (chance(r, percent[i]))
			json_array_append_new(out, json_string(words[i]));
	if (!json_array_size(out))
		json_array_append_new(out, json_string(words[0]));
	return out;
}

static void gen_offer(struct gen *g)
{
	static const char *const modes[] = {"ponctuelle", "continue"};
	static const int mode_pc[] = {85, 40};
	static const char *const presence[] = {"remote", "onsite", "hybrid"};
	static const int presence_pc[] = {80, 50, 30};
	static const char *const pays[] = {"pro_bono", "pro_bono", "pro_bono", "either",
	                                   "either",   "paid",     "paid",     ""};

	json_object_set_new(g->o, "offer",
	                    json_pack("{s:o, s:o, s:i, s:s}", "modes",
	                              subset(g->r, modes, mode_pc, 2), "presence",
	                              subset(g->r, presence, presence_pc, 3), "hours_per_month",
	                              4 * between(g->r, 1, 10), "pay", PICK(g->r, pays)));
}

/* "2027-MM-DD" plus days, as a date. */
static void date_after(int month, int day, int days, char out[11])
{
	char iso[ISO_TIME_LEN + 1];
	int64_t t = 0;

	snprintf(iso, sizeof(iso), "2027-%02d-%02dT00:00:00Z", month, day);
	if (iso_parse(iso, &t) < 0)
		t = 0;
	iso_time(t + (int64_t)days * 86400, iso);
	snprintf(out, 11, "%.10s", iso);
}

/* Planned stays in Morocco (2027: a fixed year keeps the output the same
 * for a seed whatever the date). */
static void gen_stays(struct gen *g)
{
	json_t *stays = json_array();
	int k = chance(g->r, 55) ? between(g->r, 1, 2) : 0;

	for (int i = 0; i < k; i++) {
		char from[11], to[11];
		int month = 6 * i + between(g->r, 1, 6), day = between(g->r, 1, 28);
		date_after(month, day, 0, from);
		date_after(month, day, between(g->r, 7, 45), to);
		json_array_append_new(stays, json_pack("{s:s, s:s, s:s}", "from", from, "to", to,
		                                       "city", PICK(g->r, moroccan_cities)));
	}
	json_object_set_new(g->o, "stays", stays);
	if (chance(g->r, 35) && json_array_size(g->d->regions))
		json_object_set_new(
		        g->o, "regions",
		        json_pack("[s]", cell_at(g->d->regions,
		                                 below(g->r, json_array_size(g->d->regions)), 0)));
}

static void gen_consent(struct gen *g)
{
	char date[11];

	json_object_set_new(g->o, "consent",
	                    json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "programme",
	                              chance(g->r, 95), "institutions", chance(g->r, 80),
	                              "networks", chance(g->r, 65), "directory", chance(g->r, 40),
	                              "statistics", chance(g->r, 85), "newsletters",
	                              chance(g->r, 30)));
	snprintf(date, sizeof(date), "2026-%02d-%02d", between(g->r, 1, 10), between(g->r, 1, 28));
	set_str(g->o, "confirmed_at", date);
}

/* ---- The hidden truth about an expert ------------------------------------------------
 *
 * Every expert has latent attributes — the domain they truly master, their
 * true level in each skill and language, whether they would really work
 * remotely or come to Morocco, how much time they have, whether they would
 * answer at all — drawn from a second stream (lr, seeded from the seed and
 * the index), so the profile's own draws are those of r. The profile shows
 * them with noise: declared levels are off by one either way, some
 * declared skills are weak, some true skills are not declared but named in
 * the bio or headline, some availability is declared and some is not.
 * The relevance judgements of `gen --needs --truth` are computed from these
 * attributes, never from the profile (docs/BENCHMARKS.md, "Evaluation
 * data"). The truth holds on 2026-12-01 (`make eval` sets its clock to
 * that day): dormant profiles were confirmed before 2025-11 (more than 365
 * days before), the others in 2026. */

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

/* A stream of its own for (seed, index, salt). */
static uint64_t stream(int64_t seed, long index, uint64_t salt)
{
	struct rng r = {(uint64_t)seed ^ salt};

	r.s ^= rng_next(&r) + (uint64_t)index * UINT64_C(0xD1B54A32D192ED03);
	return rng_next(&r);
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* v one lower (down percent) or one higher (up percent), within [lo, hi]. */
static int noisy(struct rng *r, int v, int down, int up, int lo, int hi)
{
	int x = (int)below(r, 100);

	return clamp(x < down ? v - 1 : x < down + up ? v + 1 : v, lo, hi);
}

/* Days since 1970-01-01 of "YYYY-MM-DD"; 0 when unreadable. */
static int32_t day_parse(const char *ymd)
{
	char iso[ISO_TIME_LEN + 1];
	int64_t t = 0;

	if (!ymd || strlen(ymd) != 10)
		return 0;
	snprintf(iso, sizeof(iso), "%sT00:00:00Z", ymd);
	return iso_parse(iso, &t) < 0 ? 0 : (int32_t)(t / 86400);
}

static int32_t day_of(int y, int m, int d)
{
	char ymd[16];

	snprintf(ymd, sizeof(ymd), "%04d-%02d-%02d", y, m, d);
	return day_parse(ymd);
}

static void day_text(int32_t day, char out[11])
{
	char iso[ISO_TIME_LEN + 1];

	iso_time((int64_t)day * 86400, iso);
	snprintf(out, 11, "%.10s", iso);
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int has_word(json_t *list, const char *word)
{
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		if (strcmp(json_string_value(e), word) == 0)
			return 1;
	}
	return 0;
}

/* The rows [lo, hi) of the skills of row's domain (skills are ordered by domain). */
static void domain_rows(const struct gen_data *d, size_t row, size_t *lo, size_t *hi)
{
	const char *dom = cell_at(d->skills, row, 4);
	size_t n = json_array_size(d->skills);

	*lo = row;
	*hi = row + 1;
	while (*lo > 0 && strcmp(cell_at(d->skills, *lo - 1, 4), dom) == 0)
		--*lo;
	while (*hi < n && strcmp(cell_at(d->skills, *hi, 4), dom) == 0)
		++*hi;
}

static int latent_level(const struct latent *L, size_t row)
{
	for (int i = 0; i < L->nskills; i++)
		if (L->skills[i].row == row)
			return L->skills[i].level;
	return 0;
}

static void latent_add(struct latent *L, size_t row, int level)
{
	for (int i = 0; i < L->nskills; i++) {
		if (L->skills[i].row == row) {
			L->skills[i].level =
			        level > L->skills[i].level ? level : L->skills[i].level;
			return;
		}
	}
	if (L->nskills < LATENT_SKILLS) {
		L->skills[L->nskills].row = row;
		L->skills[L->nskills++].level = level;
	}
}

/* "… also {skill}" in the language of the bio (the skill's name in any). */
static const struct {
	const char *lang;
	const char *bio, *headline, *and;
} also[] = {
        {"ar", " لدي أيضا خبرة متينة في %s.", "%s، %s", " و"},
        {"en", " I also have solid experience in %s.", "%s, %s", " and "},
        {"fr", " J'ai aussi une solide pratique en %s.", "%s, %s", " et "},
};

/* Names the undeclared skills in the headline (sometimes) or the bio. */
static void mention(struct gen *g, const size_t *rows, int n)
{
	const char *lang = jstr(g->o, "lang");
	struct buf names = BUF_INIT;
	size_t t = 0;

	while (t + 1 < COUNT(also) && strcmp(also[t].lang, lang) != 0)
		t++;
	for (int i = 0; i < n; i++) {
		json_t *name = label_of(g->lr, g->d->skills, rows[i], 0);
		buf_addf(&names, "%s%s", i ? also[t].and : "", json_string_value(name));
		json_decref(name);
	}
	if (chance(g->lr, 25)) {
		json_object_set_new(
		        g->o, "headline",
		        json_sprintf(also[t].headline, jstr(g->o, "headline"), buf_str(&names)));
	} else {
		struct buf bio = BUF_INIT;
		buf_addf(&bio, "%s", jstr(g->o, "bio"));
		buf_addf(&bio, also[t].bio, buf_str(&names));
		set_str(g->o, "bio", buf_str(&bio));
		buf_release(&bio);
	}
	buf_release(&names);
}

/* True levels of the declared skills, the domain's background, and skills
 * held but not declared (named in the bio or headline instead). */
static void latent_skills(struct gen *g, struct latent *L)
{
	json_t *list = json_object_get(g->o, "skills");
	size_t lo, hi, hidden[2];
	int nhidden = 0;

	for (int k = 0; k < g->nrows; k++) {
		int declared = (int)json_integer_value(
		        json_object_get(json_array_get(list, (size_t)k), "level"));
		int weak = chance(g->lr, g->extra && k == g->nrows - 1 ? 60 : 10);
		latent_add(L, g->rows[k], weak ? 1 : noisy(g->lr, declared, 20, 20, 1, 5));
	}
	if (!g->nrows)
		return;
	L->domain = cell_at(g->d->skills, g->rows[0], 4);
	L->background = chance(g->lr, 40) ? 0 : chance(g->lr, 58) ? 1 : 2;
	domain_rows(g->d, g->rows[0], &lo, &hi);
	for (int want = chance(g->lr, 40) ? between(g->lr, 1, 2) : 0, tries = 0;
	     nhidden < want && tries < 8; tries++) {
		size_t row = lo + below(g->lr, hi - lo);
		if (latent_level(L, row))
			continue;
		latent_add(L, row, between(g->lr, 3, 5));
		hidden[nhidden++] = row;
	}
	if (nhidden)
		mention(g, hidden, nhidden);
}

/* The sector of each skill domain (data/skill_domains.tsv -> data/sectors.tsv). */
static const char *const domain_sector[][2] = {
        {"health-medicine", "health"},
        {"law", "law-justice"},
        {"aeronautics", "aeronautics"},
        {"software", "digital"},
        {"data-ai", "digital"},
        {"cybersecurity", "digital"},
        {"networks-telecom", "digital"},
        {"electrical-electronics", "engineering"},
        {"civil-engineering", "construction"},
        {"architecture-urbanism", "construction"},
        {"energy", "energy"},
        {"water", "water"},
        {"environment", "environment"},
        {"agriculture-agrifood", "agriculture"},
        {"mining-geology", "mining"},
        {"manufacturing-industry", "industry"},
        {"automotive", "automotive"},
        {"logistics-transport", "logistics"},
        {"finance-banking", "finance"},
        {"management", "trade-investment"},
        {"trade-marketing", "trade-investment"},
        {"public-policy-administration", "public-administration"},
        {"education-training", "education"},
        {"research-science", "research"},
        {"culture-media", "culture"},
        {"tourism-hospitality", "tourism"},
        {"social-humanitarian", "social"},
        {"sport", "sport"},
};

/* The row of the sector of domain in d->sectors, or -1. */
static long sector_row(const struct gen_data *d, const char *domain)
{
	const char *id = NULL;

	for (size_t i = 0; domain && i < COUNT(domain_sector); i++)
		if (strcmp(domain_sector[i][0], domain) == 0)
			id = domain_sector[i][1];
	for (size_t i = 0; id && i < json_array_size(d->sectors); i++)
		if (strcmp(cell_at(d->sectors, i, 0), id) == 0)
			return (long)i;
	return -1;
}

/* Most people also list the sector of what they master. */
static void latent_sector(struct gen *g, const struct latent *L)
{
	long row = sector_row(g->d, L->domain);

	if (row < 0 || !chance(g->lr, 65) ||
	    has_word(g->sector_ids, cell_at(g->d->sectors, (size_t)row, 0)))
		return;
	json_array_append_new(json_object_get(g->o, "sectors"),
	                      label_of(g->lr, g->d->sectors, (size_t)row, 40));
}

static void latent_languages(struct gen *g, struct latent *L)
{
	static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2"};
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(g->o, "languages"), i, e)
	{
		int level = 1;
		for (int k = 0; k < 6; k++)
			level = strcmp(cefr[k], jstr(e, "level")) == 0 ? k + 1 : level;
		if (L->nlangs == LATENT_LANGS)
			break;
		snprintf(L->langs[L->nlangs].code, sizeof(L->langs[0].code), "%s", jstr(e, "code"));
		L->langs[L->nlangs++].level = noisy(g->lr, level, 20, 10, 1, 6);
	}
}

/* Countries whose office hours share little with Morocco's. */
static const char *const far_zones[] = {"US", "CA", "SG"};

/* Presence, time zone, hours, and whether they would answer at all. */
static void latent_offer(struct gen *g, struct latent *L)
{
	json_t *offer = json_object_get(g->o, "offer"), *pres = json_object_get(offer, "presence");
	int remote = has_word(pres, "remote"), onsite = has_word(pres, "onsite");
	int hybrid = has_word(pres, "hybrid"), far = 0;
	int hours = (int)json_integer_value(json_object_get(offer, "hours_per_month"));

	for (size_t i = 0; i < COUNT(far_zones); i++)
		far |= strcmp(far_zones[i], g->c->code) == 0;
	L->remote = (remote || hybrid) && !chance(g->lr, 5);
	L->onsite = onsite || hybrid ? !chance(g->lr, 10) : chance(g->lr, 30);
	L->tz_ok = far ? chance(g->lr, 60) : 1;
	L->hours = hours * between(g->lr, 60, 140) / 100;
	L->responsive = chance(g->lr, 90);
}

/* Dormant (confirmed long ago), stale (the unresponsive often are), paused. */
static void latent_state(struct gen *g, struct latent *L)
{
	int consent =
	        json_is_true(json_object_get(json_object_get(g->o, "consent"), "institutions"));
	int dormant = chance(g->lr, 7), paused = 0;
	char date[16];

	if (dormant) {
		int y = chance(g->lr, 50) ? 2024 : 2025;
		snprintf(date, sizeof(date), "%d-%02d-%02d", y,
		         between(g->lr, 1, y == 2024 ? 12 : 10), between(g->lr, 1, 28));
		set_str(g->o, "confirmed_at", date);
	} else if (!L->responsive && chance(g->lr, 60)) {
		snprintf(date, sizeof(date), "2026-%02d-%02d", between(g->lr, 1, 2),
		         between(g->lr, 1, 28));
		set_str(g->o, "confirmed_at", date);
	}
	if (chance(g->lr, 3)) {
		paused = 1;
		snprintf(date, sizeof(date), "2027-%02d-28", between(g->lr, 3, 9));
		set_str(g->o, "paused_until", date);
	}
	L->excluded = !consent || dormant || paused;
}

static json_t *period_json(const struct period *p)
{
	char from[11], to[11];

	day_text(p->from, from);
	day_text(p->to, to);
	return json_pack("{s:s, s:s}", "from", from, "to", to);
}

/* When they are free in 2027, declared or not; their stays as declared. */
static void latent_time(struct gen *g, struct latent *L)
{
	json_t *list = json_array(), *e;
	size_t i;

	if (chance(g->lr, 35)) {
		L->nwindows = between(g->lr, 1, 2);
		for (int k = 0; k < L->nwindows; k++) {
			L->windows[k].from = day_of(2027, between(g->lr, 1 + 6 * k, 4 + 6 * k), 1);
			L->windows[k].to = L->windows[k].from + between(g->lr, 30, 120);
		}
		for (int k = 0; chance(g->lr, 75) && k < L->nwindows; k++)
			json_array_append_new(list, period_json(&L->windows[k]));
	} else if (chance(g->lr, 35)) {
		struct period year = {day_of(2027, 1, 1), day_of(2027, 12, 31)};
		json_array_append_new(list, period_json(&year));
	}
	if (json_array_size(list))
		json_object_set_new(g->o, "availability", list);
	else
		json_decref(list);
	json_array_foreach(json_object_get(g->o, "stays"), i, e)
	{
		if (L->nstays == 2)
			break;
		L->stays[L->nstays].from = day_parse(jstr(e, "from"));
		L->stays[L->nstays++].to = day_parse(jstr(e, "to"));
	}
}

/* Draws the latent attributes and shows them, with noise, in the profile. */
static void gen_latent(struct gen *g, struct latent *L)
{
	memset(L, 0, sizeof(*L));
	latent_skills(g, L);
	latent_sector(g, L);
	latent_languages(g, L);
	latent_offer(g, L);
	latent_state(g, L);
	latent_time(g, L);
}

/* Expert index (from 1) of seed; r carries the profile's draws from one
 * expert to the next. L receives the hidden truth. */
static json_t *gen_expert(struct rng *r, const struct gen_data *d, int64_t seed, long index,
                          struct latent *L)
{
	struct rng lr = {stream(seed, index, LATENT_SALT)};
	struct gen g = {
	        .r = r, .d = d, .index = index, .seed = seed, .o = json_object(), .lr = &lr};

	g.c = pick_country(r);
	g.female = chance(r, 45);
	g.first = g.female ? &PICK(r, women) : &PICK(r, men);
	g.last = &PICK(r, families);
	g.birth_year = between(r, 1955, 2000);
	g.city = pick_city(r, g.c);
	gen_identity(&g);
	gen_languages(&g);
	gen_sectors(&g);
	gen_skills(&g);
	gen_texts(&g);
	gen_career(&g);
	gen_links(&g);
	gen_offer(&g);
	gen_stays(&g);
	gen_consent(&g);
	gen_latent(&g, L);
	json_decref(g.sector_ids);
	return g.o;
}
/* ---- Needs, from a latent target ------------------------------------------------------
 *
 * Need j (from 1) has a stream of its own. It starts from an anchor, a
 * random expert: the domain that expert masters. It asks 2 to 4 must-have
 * skills of that domain (often some the anchor holds, declared or not), 0
 * to 2 nice-to-have ones, languages, a presence, dates or none, hours; its
 * title and description are written in Arabic, French or English. */

#define NEED_SKILLS 6
#define MAX_NEEDS 100000

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

	domain_rows(d, A->nskills ? A->skills[0].row : below(r, all), &lo, &hi);
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
	n->sector = chance(r, 90) ? sector_row(d, cell_at(d->skills, lo, 4)) : -1;
}

static void need_terms(struct need *n, struct rng *r)
{
	static const int presences[] = {NEED_REMOTE, NEED_ONSITE, NEED_HYBRID};
	int x = (int)below(r, 100), other;

	n->presence = presences[x < 45 ? 0 : x < 75 ? 1 : 2];
	n->continuous = chance(r, 30);
	if (chance(r, 65)) {
		n->from = day_of(2027, 1, 10) + (int32_t)below(r, 300);
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
		         cell_at(d->skills, n->skills[i].row, (size_t)n->lang + 1));
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

	buf_addf(&b, w->title, cell_at(d->skills, n->skills[0].row, (size_t)n->lang + 1),
	         PICK(r, w->orgs));
	set_str(o, "title", buf_str(&b));
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
	day_text(n->from, from);
	day_text(n->to, to);
	if (n->from)
		buf_addf(&b, w->dates, from, to);
	else
		buf_addf(&b, "%s", w->flexible);
	buf_addf(&b, w->hours, n->hours);
	set_str(o, "description", buf_str(&b));
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

	set_str(o, "ref", n->ref);
	need_text(n, r, d, o);
	if (n->sector >= 0)
		json_object_set_new(o, "sector", label_of(r, d->sectors, (size_t)n->sector, 30));
	for (int i = 0; i < n->nskills; i++)
		json_array_append_new(skills,
		                      json_pack("{s:o, s:b, s:i}", "name",
		                                label_of(r, d->skills, n->skills[i].row, 10),
		                                "required", n->skills[i].required, "min_level",
		                                n->skills[i].min_level));
	json_object_set_new(o, "skills", skills);
	for (int i = 0; i < n->nlangs; i++)
		json_array_append_new(langs, json_pack("{s:s, s:s}", "code", n->langs[i].code,
		                                       "level", cefr[n->langs[i].level - 1]));
	json_object_set_new(o, "languages", langs);
	set_str(o, "mode", n->continuous ? "continue" : "ponctuelle");
	set_str(o, "presence", presence[n->presence]);
	if (n->city >= 0) {
		set_str(o, "region", moroccan_regions[n->city]);
		set_str(o, "city", moroccan_cities[n->city]);
	}
	if (n->from) {
		day_text(n->from, day);
		set_str(o, "from", day);
		day_text(n->to, day);
		set_str(o, "to", day);
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
	int level = latent_level(L, row);

	if (level)
		return level;
	return L->domain && strcmp(cell_at(d->skills, row, 4), L->domain) == 0 ? L->background : 0;
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

/* ---- The command ------------------------------------------------------------------- */

static int load_data(struct db *db, struct gen_data *d)
{
	if (gen_data_load(db, d) == 0)
		return 0;
	fprintf(stderr,
	        "kafaat gen: cannot read the reference data (run `kafaat migrate` first): %s\n",
	        db_errmsg(db));
	return -1;
}

static int run_gen(struct db *db, int64_t n, int64_t seed)
{
	struct gen_data d = {0};
	struct rng r = {(uint64_t)seed};
	int rc = 1;

	if (load_data(db, &d) < 0)
		goto out;
	if (!json_array_size(d.skills))
		fprintf(stderr,
		        "kafaat gen: the database has no skills taxonomy "
		        "(data/skills.tsv): skills are drawn from a short built-in list and "
		        "import as free skills\n");
	for (int64_t i = 1; i <= n; i++) {
		struct latent L;
		json_t *o = gen_expert(&r, &d, seed, (long)i, &L);
		int bad = json_dumpf(o, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF;
		json_decref(o);
		if (bad)
			goto out;
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	gen_data_free(&d);
	return rc;
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
		nr[j].s = stream(seed, (long)j + 1, NEED_SALT);
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

static int run_needs(struct db *db, int64_t n, int64_t m, int64_t seed, const char *truth)
{
	struct gen_data d = {0};
	struct need *needs = xcalloc((size_t)m, sizeof(*needs));
	struct rng *nr = xcalloc((size_t)m, sizeof(*nr));
	int rc = 1;

	if (load_data(db, &d) < 0)
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

int cmd_gen(struct cli *cli)
{
	int64_t n, m = 0, seed = 1;
	struct db *db;
	int rc;

	if (cli->nargs || !cli->experts || parse_int64(cli->experts, 1, 10000000, &n) < 0 ||
	    (cli->seed && parse_int64(cli->seed, 0, INT64_MAX, &seed) < 0) ||
	    (cli->needs && parse_int64(cli->needs, 1, MAX_NEEDS, &m) < 0) ||
	    (cli->truth && (!cli->needs || !*cli->truth)) || cli->dry_run ||
	    cli->consent_from_file) {
		fprintf(stderr, GEN_USAGE);
		return 2;
	}
	if (cli_load_config(cli) < 0)
		return 2;
	if (cli_open_db(cli, &db) < 0)
		return 1;
	rc = m ? run_needs(db, n, m, seed, cli->truth) : run_gen(db, n, seed);
	db_close(db);
	return rc;
}
