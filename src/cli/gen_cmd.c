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
#include "cli/gen.h"
#include "core/buf.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "db/db.h"

#define GEN_USAGE                                                                                  \
	"usage: kafaat gen --experts N [--needs M [--truth FILE]] [--seed S] [--db PATH|URL]\n"

/* ---- gen: synthetic experts -------------------------------------------------------- */

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

void gen_data_free(struct gen_data *g)
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

const char *gen_cell(json_t *rows, size_t row, size_t col)
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

void gen_set_str(json_t *o, const char *key, const char *v)
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
	gen_set_str(g->o, "email", buf_str(&b));
	gen_set_str(g->o, "lang", chance(g->r, 15) ? "ar" : g->c->mail);
	json_object_set_new(g->o, "name", json_sprintf("%s %s", g->first->latin, g->last->latin));
	json_object_set_new(g->o, "name_ar",
	                    json_sprintf("%s %s", g->first->arabic, g->last->arabic));
	if (chance(g->r, 97))
		gen_set_str(g->o, "gender", g->female ? "f" : "m");
	json_object_set_new(g->o, "birth_year", json_integer(g->birth_year));
	gen_set_str(g->o, "country", g->c->code);
	gen_set_str(g->o, "city", g->city);
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
json_t *gen_label_of(struct rng *r, json_t *rows, size_t i, int id_percent)
{
	int x = (int)below(r, 100);

	if (x < id_percent)
		return json_string(gen_cell(rows, i, 0));
	x = (int)below(r, 100);
	return json_string(gen_cell(rows, i, x < 45 ? 2 : x < 80 ? 3 : 1));
}

static json_t *any_label(struct gen *g, json_t *rows, size_t i, int id_percent)
{
	return gen_label_of(g->r, rows, i, id_percent);
}

static void gen_sectors(struct gen *g)
{
	size_t n = json_array_size(g->d->sectors), k = n ? (size_t)between(g->r, 1, 3) : 0;
	json_t *list = json_array();

	g->sector_ids = json_array();
	for (size_t j = 0; j < k; j++) {
		size_t i = below(g->r, n);
		const char *id = gen_cell(g->d->sectors, i, 0);
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
	       strcmp(gen_cell(g->d->skills, start - 1, 4), gen_cell(g->d->skills, start, 4)) ==
	               0 &&
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
		gen_set_str(g->o, "isco",
		            gen_cell(g->d->isco, below(g->r, json_array_size(g->d->isco)), 0));
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
		        json_pack("[s]", gen_cell(g->d->regions,
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
	gen_set_str(g->o, "confirmed_at", date);
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

/* A stream of its own for (seed, index, salt). */
uint64_t gen_stream(int64_t seed, long index, uint64_t salt)
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

int32_t gen_day_of(int y, int m, int d)
{
	char ymd[16];

	snprintf(ymd, sizeof(ymd), "%04d-%02d-%02d", y, m, d);
	return day_parse(ymd);
}

void gen_day_text(int32_t day, char out[11])
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
void gen_domain_rows(const struct gen_data *d, size_t row, size_t *lo, size_t *hi)
{
	const char *dom = gen_cell(d->skills, row, 4);
	size_t n = json_array_size(d->skills);

	*lo = row;
	*hi = row + 1;
	while (*lo > 0 && strcmp(gen_cell(d->skills, *lo - 1, 4), dom) == 0)
		--*lo;
	while (*hi < n && strcmp(gen_cell(d->skills, *hi, 4), dom) == 0)
		++*hi;
}

int gen_latent_level(const struct latent *L, size_t row)
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
		json_t *name = gen_label_of(g->lr, g->d->skills, rows[i], 0);
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
		gen_set_str(g->o, "bio", buf_str(&bio));
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
	L->domain = gen_cell(g->d->skills, g->rows[0], 4);
	L->background = chance(g->lr, 40) ? 0 : chance(g->lr, 58) ? 1 : 2;
	gen_domain_rows(g->d, g->rows[0], &lo, &hi);
	for (int want = chance(g->lr, 40) ? between(g->lr, 1, 2) : 0, tries = 0;
	     nhidden < want && tries < 8; tries++) {
		size_t row = lo + below(g->lr, hi - lo);
		if (gen_latent_level(L, row))
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
long gen_sector_row(const struct gen_data *d, const char *domain)
{
	const char *id = NULL;

	for (size_t i = 0; domain && i < COUNT(domain_sector); i++)
		if (strcmp(domain_sector[i][0], domain) == 0)
			id = domain_sector[i][1];
	for (size_t i = 0; id && i < json_array_size(d->sectors); i++)
		if (strcmp(gen_cell(d->sectors, i, 0), id) == 0)
			return (long)i;
	return -1;
}

/* Most people also list the sector of what they master. */
static void latent_sector(struct gen *g, const struct latent *L)
{
	long row = gen_sector_row(g->d, L->domain);

	if (row < 0 || !chance(g->lr, 65) ||
	    has_word(g->sector_ids, gen_cell(g->d->sectors, (size_t)row, 0)))
		return;
	json_array_append_new(json_object_get(g->o, "sectors"),
	                      gen_label_of(g->lr, g->d->sectors, (size_t)row, 40));
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
		gen_set_str(g->o, "confirmed_at", date);
	} else if (!L->responsive && chance(g->lr, 60)) {
		snprintf(date, sizeof(date), "2026-%02d-%02d", between(g->lr, 1, 2),
		         between(g->lr, 1, 28));
		gen_set_str(g->o, "confirmed_at", date);
	}
	if (chance(g->lr, 3)) {
		paused = 1;
		snprintf(date, sizeof(date), "2027-%02d-28", between(g->lr, 3, 9));
		gen_set_str(g->o, "paused_until", date);
	}
	L->excluded = !consent || dormant || paused;
}

static json_t *period_json(const struct period *p)
{
	char from[11], to[11];

	gen_day_text(p->from, from);
	gen_day_text(p->to, to);
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
			L->windows[k].from =
			        gen_day_of(2027, between(g->lr, 1 + 6 * k, 4 + 6 * k), 1);
			L->windows[k].to = L->windows[k].from + between(g->lr, 30, 120);
		}
		for (int k = 0; chance(g->lr, 75) && k < L->nwindows; k++)
			json_array_append_new(list, period_json(&L->windows[k]));
	} else if (chance(g->lr, 35)) {
		struct period year = {gen_day_of(2027, 1, 1), gen_day_of(2027, 12, 31)};
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
json_t *gen_expert(struct rng *r, const struct gen_data *d, int64_t seed, long index,
                   struct latent *L)
{
	struct rng lr = {gen_stream(seed, index, LATENT_SALT)};
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
/* ---- The command ------------------------------------------------------------------- */

int gen_load_data(struct db *db, struct gen_data *d)
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

	if (gen_load_data(db, &d) < 0)
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
	rc = m ? gen_run_needs(db, n, m, seed, cli->truth) : run_gen(db, n, seed);
	db_close(db);
	return rc;
}
