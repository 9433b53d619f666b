/* `kafaat import experts FILE`, `kafaat export experts` and `kafaat gen
 * --experts N`: rosters in and out (src/app/import.c, docs/IMPORT.md),
 * and synthetic experts for tests and benchmarks.
 *
 * Exit status of import: 0 every row imported (some maybe with warnings),
 * 1 some rows skipped (each one printed with its line and reason), 2 usage,
 * 3 nothing or not everything could be imported (the file could not be
 * read, or the database failed: the message says which rows were kept).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/import.h"
#include "app/taxonomy.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/parse.h"
#include "db/db.h"
#include "sec/token.h"
#include "web/i18n.h"

#define IMPORT_USAGE                                                                               \
	"usage: kafaat import experts FILE [--db PATH|URL] [--dry-run] [--consent-from-file]\n"
#define EXPORT_USAGE "usage: kafaat export experts [--db PATH|URL]\n"
#define GEN_USAGE "usage: kafaat gen --experts N [--seed S] [--db PATH|URL]\n"

/* ---- The application, as much as import and export need ---------------------- */

static int open_app(struct cli *cli, struct app *app, const char *who)
{
	char err[512];
	struct db *db;

	memset(app, 0, sizeof(*app));
	app->cfg = &cli->cfg;
	if (sec_init() < 0) {
		fprintf(stderr, "%s: libsodium failed to initialise\n", who);
		return -1;
	}
	if (i18n_load(cli->cfg.locale_dir, &app->i18n, err, sizeof(err)) < 0 ||
	    db_pool_open(cli->cfg.db, 1, &app->pool, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", who, err);
		return -1;
	}
	db = db_pool_get(app->pool);
	app->tx = taxonomy_load(db, err, sizeof(err));
	db_pool_put(app->pool, db);
	if (!app->tx) {
		fprintf(stderr, "%s: %s (is the database migrated? run `kafaat migrate`)\n", who,
		        err);
		return -1;
	}
	return 0;
}

static void close_app(struct app *app)
{
	if (app->pool)
		db_pool_close(app->pool);
	taxonomy_free(app->tx);
	i18n_free(app->i18n);
}

/* ---- import ---------------------------------------------------------------------- */

/* Prints s with control characters shown as '?' (values come from files). */
static void print_clean(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_issue(const struct profile_issue *it, int first)
{
	printf("%s%s%s%s%s", first ? "" : "; ", it->warning ? "warning: " : "", it->field,
	       *it->field ? ": " : "", import_issue_text(it->code));
	if (*it->value) {
		printf(" \"");
		print_clean(it->value);
		putchar('"');
	}
}

/* One line per row that was skipped or has warnings. */
static void report_row(void *ud, const struct import_result *r)
{
	int max = (int)(sizeof(r->issues.items) / sizeof(r->issues.items[0]));
	int kept = r->issues.count < max ? r->issues.count : max;

	(void)ud;
	if (!r->issues.count)
		return;
	printf("line %d: %s: ", r->line, import_status_name(r->status));
	for (int i = 0; i < kept; i++)
		print_issue(&r->issues.items[i], i == 0);
	if (r->issues.count > kept)
		printf("; and %d more", r->issues.count - kept);
	putchar('\n');
}

static void print_summary(const char *file, const struct import_counts *c, int dry_run)
{
	printf("%s: %ld rows: %ld created, %ld updated, %ld unchanged, %ld skipped", file, c->rows,
	       c->created, c->updated, c->unchanged, c->skipped);
	if (c->warned)
		printf(" (%ld imported with warnings)", c->warned);
	putchar('\n');
	if (c->consent_ignored)
		printf("consent and confirmed_at of %ld rows were not recorded: without "
		       "--consent-from-file imported experts are invited and give consent "
		       "themselves\n",
		       c->consent_ignored);
	if (dry_run)
		printf("dry run: nothing was written\n");
}

static int run_import(struct cli *cli, const char *path)
{
	struct import_opts o = {path, cli->dry_run, cli->consent_from_file, report_row, NULL};
	struct import_counts c = {0};
	struct app app;
	struct buf b;
	char err[512];
	int rc = 3;

	buf_init(&b, IMPORT_MAX_FILE);
	if (file_read(path, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "kafaat import: %s\n", err);
		goto out;
	}
	if (open_app(cli, &app, "kafaat import") == 0) {
		if (import_experts(&app, buf_str(&b), b.len, &o, &c, err, sizeof(err)) < 0)
			fprintf(stderr, "kafaat import: %s%s\n", err,
			        c.rows && !cli->dry_run ? " (the rows reported above were imported)"
			                                : "");
		else
			rc = c.skipped ? 1 : 0;
		if (rc != 3 || c.rows)
			print_summary(path, &c, cli->dry_run);
	}
	close_app(&app);
out:
	buf_release(&b);
	return rc;
}

int cmd_import(struct cli *cli)
{
	if (cli->nargs != 2 || strcmp(cli->args[0], "experts") != 0 || cli->experts || cli->seed) {
		fprintf(stderr, IMPORT_USAGE);
		return 2;
	}
	if (cli_load_config(cli) < 0)
		return 2;
	fflush(stdout);
	return run_import(cli, cli->args[1]);
}

/* ---- export ---------------------------------------------------------------------- */

int cmd_export(struct cli *cli)
{
	struct app app;
	char err[512];
	long n = -1;

	if (cli->nargs != 1 || strcmp(cli->args[0], "experts") != 0 || cli->dry_run ||
	    cli->consent_from_file || cli->experts || cli->seed) {
		fprintf(stderr, EXPORT_USAGE);
		return 2;
	}
	if (cli_load_config(cli) < 0)
		return 2;
	if (open_app(cli, &app, "kafaat export") == 0) {
		n = export_experts(&app, stdout, err, sizeof(err));
		if (n < 0)
			fprintf(stderr, "kafaat export: %s\n", err);
		else
			fprintf(stderr, "kafaat export: %ld experts\n", n);
	}
	close_app(&app);
	return n < 0 ? 1 : 0;
}

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
static json_t *any_label(struct gen *g, json_t *rows, size_t i, int id_percent)
{
	int x = (int)below(g->r, 100);

	if (x < id_percent)
		return json_string(cell_at(rows, i, 0));
	x = (int)below(g->r, 100);
	return json_string(cell_at(rows, i, x < 45 ? 2 : x < 80 ? 3 : 1));
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
	for (size_t i = start; i < end && i < n; i++)
		json_array_append_new(list, skill_entry(g, any_label(g, g->d->skills, i, 5)));
	if (chance(g->r, 30))
		json_array_append_new(
		        list, skill_entry(g, any_label(g, g->d->skills, below(g->r, n), 5)));
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

static json_t *gen_expert(struct rng *r, const struct gen_data *d, int64_t seed, long index)
{
	struct gen g = {.r = r, .d = d, .index = index, .seed = seed, .o = json_object()};

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
	json_decref(g.sector_ids);
	return g.o;
}

static int run_gen(struct db *db, int64_t n, int64_t seed)
{
	struct gen_data d = {0};
	struct rng r = {(uint64_t)seed};
	int rc = 1;

	if (gen_data_load(db, &d) < 0) {
		fprintf(stderr,
		        "kafaat gen: cannot read the reference data (run `kafaat migrate` "
		        "first): %s\n",
		        db_errmsg(db));
		goto out;
	}
	if (!json_array_size(d.skills))
		fprintf(stderr,
		        "kafaat gen: the database has no skills taxonomy "
		        "(data/skills.tsv): skills are drawn from a short built-in list and "
		        "import as free skills\n");
	for (int64_t i = 1; i <= n; i++) {
		json_t *o = gen_expert(&r, &d, seed, (long)i);
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
	int64_t n, seed = 1;
	struct db *db;
	int rc;

	if (cli->nargs || !cli->experts || parse_int64(cli->experts, 1, 10000000, &n) < 0 ||
	    (cli->seed && parse_int64(cli->seed, 0, INT64_MAX, &seed) < 0) || cli->dry_run ||
	    cli->consent_from_file) {
		fprintf(stderr, GEN_USAGE);
		return 2;
	}
	if (cli_load_config(cli) < 0)
		return 2;
	if (cli_open_db(cli, &db) < 0)
		return 1;
	rc = run_gen(db, n, seed);
	db_close(db);
	return rc;
}
