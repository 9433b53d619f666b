#include "app/profile.h"
#include "app/search.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/clock.h"
#include "app/consent.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "db/db.h"

/* ---- Issues ------------------------------------------------------------------ */

static const struct {
	const char *code;
	const char *text;
} issue_texts[] = {
        {"not_an_object", "a profile must be a JSON object"},
        {"unknown_field", "this field does not exist in the format"},
        {"wrong_type", "wrong type for this field"},
        {"too_long", "text too long"},
        {"not_utf8", "text is not valid UTF-8"},
        {"required", "this field is required"},
        {"out_of_range", "number out of the allowed range"},
        {"birth_year_out_of_range", "birth year makes the person under 18 or over 100"},
        {"unknown_country", "unknown country code (ISO 3166-1 alpha-2)"},
        {"unknown_language", "unknown language code (ISO 639)"},
        {"unknown_cefr_level", "unknown CEFR level (A1, A2, B1, B2, C1 or C2)"},
        {"unknown_sector", "unknown sector"},
        {"unknown_region", "unknown region of Morocco (MA-01 to MA-12)"},
        {"unknown_isco", "unknown ISCO-08 code"},
        {"free_skill", "skill not in the taxonomy: kept as a free skill"},
        {"unknown_value", "value not allowed here"},
        {"bad_date", "not a date (YYYY-MM-DD)"},
        {"bad_month", "not a month (YYYY-MM)"},
        {"ends_before_start", "ends before it starts"},
        {"bad_url", "not a web address (https://…)"},
        {"bad_orcid", "not an ORCID iD (0000-0000-0000-0000)"},
        {"duplicate", "given twice"},
        {"too_many", "too many items"},
};

const char *profile_issue_text(const char *code)
{
	for (size_t i = 0; i < sizeof(issue_texts) / sizeof(issue_texts[0]); i++)
		if (strcmp(issue_texts[i].code, code) == 0)
			return issue_texts[i].text;
	return code;
}

static void issue(struct profile_issues *is, const char *field, const char *code, json_t *value,
                  int warning)
{
	struct profile_issue *it;

	is->count++;
	if (!warning)
		is->errors++;
	if (is->count > (int)(sizeof(is->items) / sizeof(is->items[0])))
		return;
	it = &is->items[is->count - 1];
	snprintf(it->field, sizeof(it->field), "%s", field);
	snprintf(it->code, sizeof(it->code), "%s", code);
	snprintf(it->value, sizeof(it->value), "%s",
	         json_is_string(value) ? json_string_value(value) : "");
	it->warning = warning;
}

/* ---- Checking values ---------------------------------------------------------- */

/* Context of one normalisation. */
struct norm {
	const struct taxonomy *tx;
	struct profile_issues *is;
	int year; /* this year */
	json_t *out;
};

/* A text of at most max characters (trimmed); NULL after an issue. */
static const char *text(struct norm *n, const char *field, json_t *v, size_t max, int required)
{
	const char *s;
	size_t len;

	if (!json_is_string(v)) {
		issue(n->is, field, "wrong_type", NULL, 0);
		return NULL;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (memchr(s, '\0', len) || !utf8_valid(s, len)) {
		issue(n->is, field, "not_utf8", NULL, 0);
		return NULL;
	}
	if (utf8_length(s, len) > max) {
		issue(n->is, field, "too_long", NULL, 0);
		return NULL;
	}
	if (required && len == 0) {
		issue(n->is, field, "required", NULL, 0);
		return NULL;
	}
	return s;
}

/* An integer in [min, max], or JSON null (then *out stays NULL). */
static int integer(struct norm *n, const char *field, json_t *v, json_int_t min, json_int_t max,
                   const char *code, json_t **out)
{
	*out = NULL;
	if (json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		issue(n->is, field, "wrong_type", NULL, 0);
		return -1;
	}
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		issue(n->is, field, code, NULL, 0);
		return -1;
	}
	*out = json_integer(json_integer_value(v));
	return 0;
}

static int valid_date(const char *s, size_t len_want)
{
	int64_t t;
	char full[24];

	if (strlen(s) != len_want)
		return 0;
	snprintf(full, sizeof(full), len_want == 7 ? "%s-01T00:00:00Z" : "%sT00:00:00Z", s);
	return iso_parse(full, &t) == 0;
}

/* A date ('YYYY-MM-DD', or 'YYYY-MM' when month) or NULL after an issue. */
static const char *date(struct norm *n, const char *field, json_t *v, int month)
{
	const char *s = text(n, field, v, 10, 1);

	if (s && !valid_date(s, month ? 7 : 10)) {
		issue(n->is, field, month ? "bad_month" : "bad_date", v, 0);
		return NULL;
	}
	return s;
}

/* A reference (country, language, …) given by id or name. */
static const char *ref(struct norm *n, const char *field, json_t *v, enum tax_kind k,
                       const char *code)
{
	const char *s = text(n, field, v, 200, 1);
	const char *id = s ? taxonomy_resolve(n->tx, k, s) : NULL;

	if (s && !id)
		issue(n->is, field, code, v, 0);
	return id;
}

static int one_of(const char *s, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(s, *allowed) == 0)
			return 1;
	return 0;
}

/* ---- Objects ----------------------------------------------------------------- */

/* Fields of an object: name and whether it is known. Unknown → issue. */
static int known_fields(struct norm *n, const char *where, json_t *obj, const char *const *names)
{
	const char *key;
	json_t *v;
	char field[64];
	int ok = 1;

	if (!json_is_object(obj)) {
		issue(n->is, where, "wrong_type", NULL, 0);
		return 0;
	}
	json_object_foreach(obj, key, v)
	{
		if (one_of(key, names))
			continue;
		snprintf(field, sizeof(field), "%s%s%s", where, *where ? "." : "", key);
		issue(n->is, field, "unknown_field", NULL, 0);
		ok = 0;
	}
	return ok;
}

static void path(char *out, size_t n, const char *list, size_t i, const char *field)
{
	snprintf(out, n, "%s[%zu]%s%s", list, i, field ? "." : "", field ? field : "");
}

/* Calls item(n, field-prefix, value, out-array) for each element of a list. */
typedef void (*item_fn)(struct norm *n, const char *where, json_t *v, json_t *out);

static void list(struct norm *n, json_t *in, const char *name, size_t max, item_fn item)
{
	json_t *v = json_object_get(in, name), *out = json_array(), *e;
	char where[64];
	size_t i;

	json_object_set_new(n->out, name, out);
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v)) {
		issue(n->is, name, "wrong_type", NULL, 0);
		return;
	}
	if (json_array_size(v) > max)
		issue(n->is, name, "too_many", NULL, 0);
	json_array_foreach(v, i, e)
	{
		if (i >= max)
			break;
		path(where, sizeof(where), name, i, NULL);
		item(n, where, e, out);
	}
}

static void set_text(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_string(v ? v : ""));
}

static void sub(char *out, size_t n, const char *where, const char *field)
{
	snprintf(out, n, "%s.%s", where, field);
}

/* ---- List items --------------------------------------------------------------- */

static const char *const cefr[] = {"A1", "A2", "B1", "B2", "C1", "C2", NULL};

int profile_cefr(const char *s)
{
	for (int i = 0; s && cefr[i]; i++)
		if (strcmp(cefr[i], s) == 0)
			return i + 1;
	return 0;
}

static void language_item(struct norm *n, const char *where, json_t *v, json_t *out)
{
	static const char *const names[] = {"code", "level", NULL};
	char f[64];
	const char *code, *level;

	if (!known_fields(n, where, v, names))
		return;
	sub(f, sizeof(f), where, "code");
	code = ref(n, f, json_object_get(v, "code"), TAX_LANGUAGE, "unknown_language");
	sub(f, sizeof(f), where, "level");
	level = text(n, f, json_object_get(v, "level"), 2, 1);
	if (level && !one_of(level, cefr)) {
		issue(n->is, f, "unknown_cefr_level", json_object_get(v, "level"), 0);
		level = NULL;
	}
	for (size_t i = 0; code && i < json_array_size(out); i++) {
		if (strcmp(json_string_value(json_object_get(json_array_get(out, i), "code")),
		           code) == 0) {
			sub(f, sizeof(f), where, "code");
			issue(n->is, f, "duplicate", json_object_get(v, "code"), 0);
			return;
		}
	}
	if (code && level)
		json_array_append_new(out, json_pack("{s:s, s:s}", "code", code, "level", level));
}

static void skill_item(struct norm *n, const char *where, json_t *v, json_t *out)
{
	static const char *const names[] = {"name", "id", "level", "years", NULL};
	char f[64];
	const char *name, *id;
	json_t *level, *years;

	if (!known_fields(n, where, v, names))
		return;
	sub(f, sizeof(f), where, "name");
	name = json_object_get(v, "name") ? text(n, f, json_object_get(v, "name"), 120, 1)
	                                  : text(n, f, json_object_get(v, "id"), 120, 1);
	sub(f, sizeof(f), where, "level");
	if (json_object_get(v, "level"))
		integer(n, f, json_object_get(v, "level"), 1, 5, "out_of_range", &level);
	else
		issue(n->is, f, "required", NULL, 0), level = NULL;
	sub(f, sizeof(f), where, "years");
	integer(n, f, json_object_get(v, "years") ? json_object_get(v, "years") : json_null(), 0,
	        70, "out_of_range", &years);
	if (!name || !level) {
		json_decref(level);
		json_decref(years);
		return;
	}
	id = taxonomy_resolve(n->tx, TAX_SKILL, name);
	if (!id)
		issue(n->is, where, "free_skill", json_object_get(v, "name"), 1);
	json_array_append_new(out, json_pack("{s:s?, s:s, s:o, s:o*}", "id", id, "name", name,
	                                     "level", level, "years", years));
}

static void education_item(struct norm *n, const char *where, json_t *v, json_t *out)
{
	static const char *const names[] = {"degree",  "field", "institution",
	                                    "country", "year",  NULL};
	json_t *o = json_object(), *year;
	char f[64];

	if (!known_fields(n, where, v, names)) {
		json_decref(o);
		return;
	}
	sub(f, sizeof(f), where, "degree");
	set_text(o, "degree", text(n, f, json_object_get(v, "degree"), 200, 1));
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "institution" : "field";
		sub(f, sizeof(f), where, k);
		if (json_object_get(v, k))
			set_text(o, k, text(n, f, json_object_get(v, k), 200, 0));
	}
	sub(f, sizeof(f), where, "country");
	if (json_object_get(v, "country") && !json_is_null(json_object_get(v, "country")))
		json_object_set_new(o, "country",
		                    json_string(ref(n, f, json_object_get(v, "country"),
		                                    TAX_COUNTRY, "unknown_country")
		                                        ?: ""));
	sub(f, sizeof(f), where, "year");
	if (json_object_get(v, "year") && integer(n, f, json_object_get(v, "year"), 1940,
	                                          n->year + 10, "out_of_range", &year) == 0)
		json_object_set_new(o, "year", year ? year : json_null());
	json_array_append_new(out, o);
}

static void experience_item(struct norm *n, const char *where, json_t *v, json_t *out)
{
	static const char *const names[] = {"role", "organisation", "sector", "country",
	                                    "from", "to",           NULL};
	json_t *o = json_object();
	const char *from = NULL, *to = NULL;
	char f[64];

	if (!known_fields(n, where, v, names)) {
		json_decref(o);
		return;
	}
	sub(f, sizeof(f), where, "role");
	set_text(o, "role", text(n, f, json_object_get(v, "role"), 200, 1));
	sub(f, sizeof(f), where, "organisation");
	if (json_object_get(v, "organisation"))
		set_text(o, "organisation", text(n, f, json_object_get(v, "organisation"), 200, 0));
	sub(f, sizeof(f), where, "sector");
	if (json_object_get(v, "sector") && !json_is_null(json_object_get(v, "sector")))
		json_object_set_new(o, "sector",
		                    json_string(ref(n, f, json_object_get(v, "sector"), TAX_SECTOR,
		                                    "unknown_sector")
		                                        ?: ""));
	sub(f, sizeof(f), where, "country");
	if (json_object_get(v, "country") && !json_is_null(json_object_get(v, "country")))
		json_object_set_new(o, "country",
		                    json_string(ref(n, f, json_object_get(v, "country"),
		                                    TAX_COUNTRY, "unknown_country")
		                                        ?: ""));
	sub(f, sizeof(f), where, "from");
	if (json_object_get(v, "from") && !json_is_null(json_object_get(v, "from")))
		from = date(n, f, json_object_get(v, "from"), 1);
	sub(f, sizeof(f), where, "to");
	if (json_object_get(v, "to") && !json_is_null(json_object_get(v, "to")))
		to = date(n, f, json_object_get(v, "to"), 1);
	if (from && to && strcmp(from, to) > 0)
		issue(n->is, where, "ends_before_start", NULL, 0);
	json_object_set_new(o, "from", from ? json_string(from) : json_null());
	json_object_set_new(o, "to", to ? json_string(to) : json_null());
	json_array_append_new(out, o);
}

static void period(struct norm *n, const char *where, json_t *v, json_t *out, int stay)
{
	static const char *const stay_names[] = {"from", "to", "city", NULL};
	static const char *const names[] = {"from", "to", NULL};
	const char *from, *to, *city = "";
	char f[64];

	if (!known_fields(n, where, v, stay ? stay_names : names))
		return;
	sub(f, sizeof(f), where, "from");
	from = date(n, f, json_object_get(v, "from"), 0);
	sub(f, sizeof(f), where, "to");
	to = date(n, f, json_object_get(v, "to"), 0);
	sub(f, sizeof(f), where, "city");
	if (stay && json_object_get(v, "city"))
		city = text(n, f, json_object_get(v, "city"), 100, 0);
	if (from && to && strcmp(from, to) > 0) {
		issue(n->is, where, "ends_before_start", NULL, 0);
		return;
	}
	if (!from || !to || !city)
		return;
	json_t *o = json_pack("{s:s, s:s}", "from", from, "to", to);
	if (stay)
		json_object_set_new(o, "city", json_string(city));
	json_array_append_new(out, o);
}

static void stay_item(struct norm *n, const char *where, json_t *v, json_t *out)
{
	period(n, where, v, out, 1);
}

static void available_item(struct norm *n, const char *where, json_t *v, json_t *out)
{
	period(n, where, v, out, 0);
}

/* A list of references (sectors, regions, nationalities), deduplicated. */
static void refs(struct norm *n, json_t *in, const char *name, enum tax_kind k, const char *code)
{
	json_t *v = json_object_get(in, name), *out = json_array(), *e;
	char where[64];
	size_t i;

	json_object_set_new(n->out, name, out);
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v) || json_array_size(v) > 50) {
		issue(n->is, name, json_is_array(v) ? "too_many" : "wrong_type", NULL, 0);
		return;
	}
	json_array_foreach(v, i, e)
	{
		path(where, sizeof(where), name, i, NULL);
		const char *id = ref(n, where, e, k, code);
		int dup = 0;
		for (size_t j = 0; id && j < json_array_size(out); j++)
			dup |= strcmp(json_string_value(json_array_get(out, j)), id) == 0;
		if (id && !dup)
			json_array_append_new(out, json_string(id));
	}
}

/* ---- Top level ------------------------------------------------------------------ */

static const char *const top_fields[] = {
        "ref",
        "name",
        "name_ar",
        "gender",
        "birth_year",
        "country",
        "city",
        "nationalities",
        "languages",
        "education",
        "experience",
        "skills",
        "sectors",
        "preferred_sectors",
        "regions",
        "isco",
        "headline",
        "bio",
        "years_experience",
        "links",
        "offer",
        "availability",
        "stays",
        "paused_until",
        NULL,
};

static void texts(struct norm *n, json_t *in)
{
	static const struct {
		const char *name;
		size_t max;
	} fields[] = {
	        {"name", 200}, {"name_ar", 200}, {"city", 100}, {"headline", 200}, {"bio", 5000}};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(in, fields[i].name);
		const char *s =
		        v && !json_is_null(v) ? text(n, fields[i].name, v, fields[i].max, 0) : "";
		set_text(n->out, fields[i].name, s);
	}
}

static void identity(struct norm *n, json_t *in)
{
	static const char *const genders[] = {"", "f", "m", "x", NULL};
	json_t *v = json_object_get(in, "gender"), *by = NULL, *years = NULL;
	const char *g = v && !json_is_null(v) ? text(n, "gender", v, 1, 0) : "";

	if (g && !one_of(g, genders)) {
		issue(n->is, "gender", "unknown_value", v, 0);
		g = "";
	}
	set_text(n->out, "gender", g);
	v = json_object_get(in, "birth_year");
	integer(n, "birth_year", v ? v : json_null(), n->year - 100, n->year - 18,
	        "birth_year_out_of_range", &by);
	json_object_set_new(n->out, "birth_year", by ? by : json_null());
	v = json_object_get(in, "years_experience");
	integer(n, "years_experience", v ? v : json_null(), 0, 70, "out_of_range", &years);
	json_object_set_new(n->out, "years_experience", years ? years : json_null());
	v = json_object_get(in, "ref");
	json_object_set_new(n->out, "ref",
	                    v && !json_is_null(v) && text(n, "ref", v, 64, 1) ? json_copy(v)
	                                                                      : json_null());
}

static void single_ref(struct norm *n, json_t *in, const char *name, enum tax_kind k,
                       const char *code)
{
	json_t *v = json_object_get(in, name);
	const char *id = v && !json_is_null(v) ? ref(n, name, v, k, code) : NULL;

	json_object_set_new(n->out, name, id ? json_string(id) : json_null());
}

static int valid_url(const char *s)
{
	return (strncmp(s, "https://", 8) == 0 && s[8]) || (strncmp(s, "http://", 7) == 0 && s[7]);
}

static int valid_orcid(const char *s)
{
	if (strncmp(s, "https://orcid.org/", 18) == 0)
		s += 18;
	if (strlen(s) != 19)
		return 0;
	for (int i = 0; i < 19; i++) {
		char c = s[i];
		int ok = (i % 5 == 4) ? c == '-' : (c >= '0' && c <= '9') || (i == 18 && c == 'X');
		if (!ok)
			return 0;
	}
	return 1;
}

static void links(struct norm *n, json_t *in)
{
	static const char *const names[] = {"linkedin", "orcid", "website", NULL};
	json_t *v = json_object_get(in, "links"), *o = json_object();

	json_object_set_new(n->out, "links", o);
	if (!v || json_is_null(v) || !known_fields(n, "links", v, names))
		return;
	for (int i = 0; names[i]; i++) {
		char f[32];
		json_t *e = json_object_get(v, names[i]);
		snprintf(f, sizeof(f), "links.%s", names[i]);
		const char *s = e ? text(n, f, e, 300, 0) : "";
		if (s && *s && (i == 1 ? !valid_orcid(s) : !valid_url(s))) {
			issue(n->is, f, i == 1 ? "bad_orcid" : "bad_url", e, 0);
			s = "";
		}
		set_text(o, names[i], s);
	}
}

static json_t *word_list(struct norm *n, json_t *v, const char *field, const char *const *allowed)
{
	json_t *out = json_array(), *e;
	size_t i;

	if (!v || json_is_null(v))
		return out;
	if (!json_is_array(v)) {
		issue(n->is, field, "wrong_type", NULL, 0);
		return out;
	}
	json_array_foreach(v, i, e)
	{
		char f[64];
		path(f, sizeof(f), field, i, NULL);
		if (!json_is_string(e) || !one_of(json_string_value(e), allowed))
			issue(n->is, f, json_is_string(e) ? "unknown_value" : "wrong_type", e, 0);
		else
			json_array_append_new(out, json_copy(e));
	}
	return out;
}

static void offer(struct norm *n, json_t *in)
{
	static const char *const names[] = {"modes", "presence", "hours_per_month", "pay", NULL};
	static const char *const modes[] = {"ponctuelle", "continue", NULL};
	static const char *const presence[] = {"remote", "onsite", "hybrid", NULL};
	static const char *const pays[] = {"", "paid", "pro_bono", "either", NULL};
	json_t *v = json_object_get(in, "offer"), *hours = NULL;
	json_t *o = json_object();
	const char *pay = "";

	json_object_set_new(n->out, "offer", o);
	if (v && !json_is_null(v) && !known_fields(n, "offer", v, names))
		v = NULL;
	json_object_set_new(
	        o, "modes",
	        word_list(n, v ? json_object_get(v, "modes") : NULL, "offer.modes", modes));
	json_object_set_new(o, "presence",
	                    word_list(n, v ? json_object_get(v, "presence") : NULL,
	                              "offer.presence", presence));
	json_t *h = v ? json_object_get(v, "hours_per_month") : NULL;
	integer(n, "offer.hours_per_month", h ? h : json_null(), 0, 200, "out_of_range", &hours);
	json_object_set_new(o, "hours_per_month", hours ? hours : json_null());
	json_t *p = v ? json_object_get(v, "pay") : NULL;
	if (p && !json_is_null(p)) {
		pay = text(n, "offer.pay", p, 10, 0);
		if (pay && !one_of(pay, pays)) {
			issue(n->is, "offer.pay", "unknown_value", p, 0);
			pay = "";
		}
	}
	set_text(o, "pay", pay);
}

json_t *profile_normalise(const struct taxonomy *tx, json_t *in, int64_t now,
                          struct profile_issues *is)
{
	time_t t = (time_t)now;
	struct tm tm;
	struct norm n = {tx, is, 0, json_object()};

	memset(is, 0, sizeof(*is));
	gmtime_r(&t, &tm);
	n.year = tm.tm_year + 1900;
	if (!json_is_object(in)) {
		issue(is, "", "not_an_object", NULL, 0);
		json_decref(n.out);
		return NULL;
	}
	known_fields(&n, "", in, top_fields);
	identity(&n, in);
	texts(&n, in);
	single_ref(&n, in, "country", TAX_COUNTRY, "unknown_country");
	single_ref(&n, in, "isco", TAX_ISCO, "unknown_isco");
	refs(&n, in, "nationalities", TAX_COUNTRY, "unknown_country");
	refs(&n, in, "sectors", TAX_SECTOR, "unknown_sector");
	refs(&n, in, "preferred_sectors", TAX_SECTOR, "unknown_sector");
	refs(&n, in, "regions", TAX_REGION, "unknown_region");
	list(&n, in, "languages", 20, language_item);
	list(&n, in, "skills", 60, skill_item);
	list(&n, in, "education", 20, education_item);
	list(&n, in, "experience", 40, experience_item);
	list(&n, in, "availability", 20, available_item);
	list(&n, in, "stays", 20, stay_item);
	links(&n, in);
	offer(&n, in);
	json_t *pu = json_object_get(in, "paused_until");
	const char *paused = pu && !json_is_null(pu) ? date(&n, "paused_until", pu, 0) : NULL;
	json_object_set_new(n.out, "paused_until", paused ? json_string(paused) : json_null());
	if (is->errors) {
		json_decref(n.out);
		return NULL;
	}
	return n.out;
}

/* ---- Saving ------------------------------------------------------------------------ */

struct saver {
	struct db *db;
	struct arena a;
	const char *uid;
	const char *now;
};

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

static const char *num(struct saver *s, json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? sql_int(&s->a, json_integer_value(v)) : NULL;
}

/* "a,b,c" from a JSON array of strings. */
static const char *joined(struct saver *s, json_t *arr)
{
	struct buf b = BUF_INIT;
	json_t *e;
	size_t i;
	const char *out;

	json_array_foreach(arr, i, e) buf_addf(&b, "%s%s", i ? "," : "", json_string_value(e));
	out = arena_strdup(&s->a, buf_str(&b));
	buf_release(&b);
	return out;
}

static const char *row_id(struct saver *s)
{
	return sql_int(&s->a, new_id(NULL));
}

static int save_main(struct saver *s, json_t *p, int confirm)
{
	json_t *links = json_object_get(p, "links"), *offer = json_object_get(p, "offer");
	const char *params[] = {
	        s->uid,
	        str(p, "ref"),
	        str(p, "name") ?: "",
	        str(p, "name_ar") ?: "",
	        str(p, "gender") ?: "",
	        num(s, p, "birth_year"),
	        str(p, "country"),
	        str(p, "city") ?: "",
	        joined(s, json_object_get(p, "nationalities")),
	        str(p, "headline") ?: "",
	        str(p, "bio") ?: "",
	        str(p, "isco"),
	        num(s, p, "years_experience"),
	        str(links, "linkedin") ?: "",
	        str(links, "orcid") ?: "",
	        str(links, "website") ?: "",
	        joined(s, json_object_get(offer, "modes")),
	        joined(s, json_object_get(offer, "presence")),
	        num(s, offer, "hours_per_month"),
	        str(offer, "pay") ?: "",
	        str(p, "paused_until"),
	        s->now,
	        confirm ? s->now : NULL,
	};
	return sql_exec(s->db,
	                "INSERT INTO profiles (user_id, ref, name, name_ar, gender, birth_year, "
	                "country, city, nationalities, headline, bio, isco, years_experience, "
	                "link_linkedin, link_orcid, link_website, offer_modes, offer_presence, "
	                "hours_per_month, pay, paused_until, created_at, updated_at, confirmed_at) "
	                "VALUES ($1, $2, $3, $4, $5, CAST($6 AS INTEGER), $7, $8, $9, $10, $11, "
	                "$12, CAST($13 AS INTEGER), $14, $15, $16, $17, $18, CAST($19 AS INTEGER), "
	                "$20, $21, $22, $22, $23) "
	                "ON CONFLICT (user_id) DO UPDATE SET ref = excluded.ref, name = "
	                "excluded.name, "
	                "name_ar = excluded.name_ar, gender = excluded.gender, "
	                "birth_year = excluded.birth_year, country = excluded.country, "
	                "city = excluded.city, nationalities = excluded.nationalities, "
	                "headline = excluded.headline, bio = excluded.bio, isco = excluded.isco, "
	                "years_experience = excluded.years_experience, "
	                "link_linkedin = excluded.link_linkedin, link_orcid = excluded.link_orcid, "
	                "link_website = excluded.link_website, offer_modes = excluded.offer_modes, "
	                "offer_presence = excluded.offer_presence, "
	                "hours_per_month = excluded.hours_per_month, pay = excluded.pay, "
	                "paused_until = excluded.paused_until, updated_at = excluded.updated_at, "
	                "confirmed_at = COALESCE(excluded.confirmed_at, profiles.confirmed_at)",
	                23, params) == 1
	               ? 0
	               : -1;
}

static const char *const child_tables[] = {
        "profile_languages", "profile_sectors",    "profile_regions", "profile_skills",
        "profile_education", "profile_experience", "profile_periods",
};

static int clear_lists(struct saver *s)
{
	char sql[96];

	for (size_t i = 0; i < sizeof(child_tables) / sizeof(child_tables[0]); i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE user_id = $1", child_tables[i]);
		if (sql_exec(s->db, sql, 1, (const char *[]){s->uid}) < 0)
			return -1;
	}
	return 0;
}

/* Runs sql once per element of p[name], binding what bind() returns. */
typedef int (*bind_fn)(struct saver *s, json_t *e, const char **params);

static int each(struct saver *s, json_t *p, const char *name, const char *sql, int nparams,
                bind_fn bind)
{
	json_t *e;
	size_t i;
	const char *params[10];

	json_array_foreach(json_object_get(p, name), i, e)
	{
		if (bind(s, e, params) < 0 || sql_exec(s->db, sql, nparams, params) != 1)
			return -1;
	}
	return 0;
}

static int bind_language(struct saver *s, json_t *e, const char **v)
{
	v[0] = s->uid;
	v[1] = str(e, "code");
	v[2] = str(e, "level");
	return 0;
}

static int bind_skill(struct saver *s, json_t *e, const char **v)
{
	v[0] = row_id(s);
	v[1] = s->uid;
	v[2] = str(e, "id");
	v[3] = str(e, "id") ? "" : str(e, "name");
	v[4] = num(s, e, "level");
	v[5] = num(s, e, "years");
	return 0;
}

static int bind_education(struct saver *s, json_t *e, const char **v)
{
	v[0] = row_id(s);
	v[1] = s->uid;
	v[2] = str(e, "degree") ?: "";
	v[3] = str(e, "field") ?: "";
	v[4] = str(e, "institution") ?: "";
	v[5] = str(e, "country");
	v[6] = num(s, e, "year");
	return 0;
}

static int bind_experience(struct saver *s, json_t *e, const char **v)
{
	v[0] = row_id(s);
	v[1] = s->uid;
	v[2] = str(e, "role") ?: "";
	v[3] = str(e, "organisation") ?: "";
	v[4] = str(e, "sector");
	v[5] = str(e, "country");
	v[6] = str(e, "from");
	v[7] = str(e, "to");
	return 0;
}

static int bind_period(struct saver *s, json_t *e, const char **v, const char *kind)
{
	v[0] = row_id(s);
	v[1] = s->uid;
	v[2] = kind;
	v[3] = str(e, "from");
	v[4] = str(e, "to");
	v[5] = str(e, "city") ?: "";
	return 0;
}

static int bind_stay(struct saver *s, json_t *e, const char **v)
{
	return bind_period(s, e, v, "stay");
}

static int bind_available(struct saver *s, json_t *e, const char **v)
{
	return bind_period(s, e, v, "available");
}

static int save_sectors(struct saver *s, json_t *p)
{
	json_t *all = json_object_get(p, "sectors"),
	       *pref = json_object_get(p, "preferred_sectors");
	json_t *e;
	size_t i;

	json_array_foreach(pref, i, e)
	{
		if (sql_exec(s->db,
		             "INSERT INTO profile_sectors (user_id, sector_id, preferred) VALUES "
		             "($1, "
		             "$2, 1)",
		             2, (const char *[]){s->uid, json_string_value(e)}) != 1)
			return -1;
	}
	json_array_foreach(all, i, e)
	{
		if (sql_exec(s->db,
		             "INSERT INTO profile_sectors (user_id, sector_id, preferred) VALUES "
		             "($1, "
		             "$2, 0) ON CONFLICT (user_id, sector_id) DO NOTHING",
		             2, (const char *[]){s->uid, json_string_value(e)}) < 0)
			return -1;
	}
	return 0;
}

static int save_regions(struct saver *s, json_t *p)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(p, "regions"), i, e)
	{
		if (sql_exec(s->db, "INSERT INTO profile_regions (user_id, region) VALUES ($1, $2)",
		             2, (const char *[]){s->uid, json_string_value(e)}) != 1)
			return -1;
	}
	return 0;
}

int profile_save(struct db *db, int64_t user_id, json_t *p, int64_t now, int confirm)
{
	struct saver s = {db, ARENA_INIT, NULL, NULL};
	char now_s[ISO_TIME_LEN + 1];
	int rc = -1;

	iso_time(now, now_s);
	s.uid = sql_int(&s.a, user_id);
	s.now = now_s;
	if (save_main(&s, p, confirm) < 0 || clear_lists(&s) < 0)
		goto out;
	if (each(&s, p, "languages",
	         "INSERT INTO profile_languages (user_id, code, level) VALUES ($1, $2, $3)", 3,
	         bind_language) < 0 ||
	    each(&s, p, "skills",
	         "INSERT INTO profile_skills (id, user_id, skill_id, free_name, level, years) "
	         "VALUES ($1, $2, $3, $4, CAST($5 AS INTEGER), CAST($6 AS INTEGER))",
	         6, bind_skill) < 0 ||
	    each(&s, p, "education",
	         "INSERT INTO profile_education (id, user_id, degree, field, institution, country, "
	         "year) VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS INTEGER))",
	         7, bind_education) < 0 ||
	    each(&s, p, "experience",
	         "INSERT INTO profile_experience (id, user_id, role, organisation, sector_id, "
	         "country, start_month, end_month) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	         8, bind_experience) < 0)
		goto out;
	static const char period_sql[] =
	        "INSERT INTO profile_periods (id, user_id, kind, from_date, to_date, city) "
	        "VALUES ($1, $2, $3, $4, $5, $6)";
	if (each(&s, p, "stays", period_sql, 6, bind_stay) < 0 ||
	    each(&s, p, "availability", period_sql, 6, bind_available) < 0 ||
	    save_sectors(&s, p) < 0 || save_regions(&s, p) < 0 ||
	    search_touch(db, "expert", user_id, now) < 0)
		goto out;
	rc = 0;
out:
	arena_free(&s.a);
	return rc;
}

/* ---- Loading ------------------------------------------------------------------------- */

/* JSON of a column: NULL → null, integer columns as integers. */
static json_t *col_json(struct db_stmt *st, int c, int integer_col)
{
	if (db_col_is_null(st, c))
		return json_null();
	return integer_col ? json_integer(db_col_int(st, c)) : json_string(db_col_text(st, c));
}

/* "a,b" → ["a", "b"] */
static json_t *split_list(const char *s)
{
	json_t *out = json_array();

	while (s && *s) {
		size_t n = strcspn(s, ",");
		json_array_append_new(out, json_stringn(s, n));
		s += n + (s[n] == ',');
	}
	return out;
}

static json_t *load_main(struct db *db, int64_t uid, int *found)
{
	struct db_stmt *st = db_prepare(
	        db,
	        "SELECT ref, name, name_ar, gender, birth_year, country, city, nationalities, "
	        "headline, bio, isco, years_experience, link_linkedin, link_orcid, link_website, "
	        "offer_modes, offer_presence, hours_per_month, pay, paused_until, confirmed_at, "
	        "updated_at FROM profiles WHERE user_id = $1");
	json_t *p = NULL;
	enum db_rc rc;

	*found = 0;
	if (!st || db_bind_int(st, 1, uid) != DB_OK)
		goto out;
	rc = db_step(st);
	if (rc != DB_ROW) {
		*found = rc == DB_OK ? 0 : -1;
		goto out;
	}
	*found = 1;
	p = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "ref",
	              col_json(st, 0, 0), "name", col_json(st, 1, 0), "name_ar", col_json(st, 2, 0),
	              "gender", col_json(st, 3, 0), "birth_year", col_json(st, 4, 1), "country",
	              col_json(st, 5, 0), "city", col_json(st, 6, 0), "nationalities",
	              split_list(db_col_text(st, 7)), "headline", col_json(st, 8, 0), "bio",
	              col_json(st, 9, 0), "isco", col_json(st, 10, 0), "years_experience",
	              col_json(st, 11, 1));
	json_object_set_new(p, "links",
	                    json_pack("{s:o, s:o, s:o}", "linkedin", col_json(st, 12, 0), "orcid",
	                              col_json(st, 13, 0), "website", col_json(st, 14, 0)));
	json_object_set_new(p, "offer",
	                    json_pack("{s:o, s:o, s:o, s:o}", "modes",
	                              split_list(db_col_text(st, 15)), "presence",
	                              split_list(db_col_text(st, 16)), "hours_per_month",
	                              col_json(st, 17, 1), "pay", col_json(st, 18, 0)));
	json_object_set_new(p, "paused_until", col_json(st, 19, 0));
	json_object_set_new(p, "confirmed_at", col_json(st, 20, 0));
	json_object_set_new(p, "updated_at", col_json(st, 21, 0));
out:
	db_finalize(st);
	return p;
}

/* Runs sql (one $1: the user) and adds one object per row under name;
 * columns[i] names column i ('#' prefix: an integer column). */
static int load_list(struct db *db, json_t *p, const char *name, const char *sql, int64_t uid,
                     const char *const *columns)
{
	struct db_stmt *st = db_prepare(db, sql);
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;

	json_object_set_new(p, name, out);
	if (!st || db_bind_int(st, 1, uid) != DB_OK)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *o = json_object();
		for (int i = 0; columns[i]; i++)
			json_object_set_new(o, columns[i] + (columns[i][0] == '#'),
			                    col_json(st, i, columns[i][0] == '#'));
		json_array_append_new(out, o);
	}
out:
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

/* A list of single values (sectors, regions). */
static int load_values(struct db *db, json_t *p, const char *name, const char *sql, int64_t uid)
{
	struct db_stmt *st = db_prepare(db, sql);
	json_t *out = json_array();
	enum db_rc rc = DB_ERROR;

	json_object_set_new(p, name, out);
	if (!st || db_bind_int(st, 1, uid) != DB_OK)
		goto out;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(out, json_string(db_col_text(st, 0)));
out:
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

static int load_lists(struct db *db, json_t *p, int64_t uid)
{
	static const char *const lang_cols[] = {"code", "level", NULL};
	static const char *const skill_cols[] = {"id", "name", "#level", "#years", NULL};
	static const char *const edu_cols[] = {"degree",  "field", "institution",
	                                       "country", "#year", NULL};
	static const char *const exp_cols[] = {"role", "organisation", "sector", "country",
	                                       "from", "to",           NULL};
	static const char *const stay_cols[] = {"from", "to", "city", NULL};
	static const char *const period_cols[] = {"from", "to", NULL};

	return load_list(
	               db, p, "languages",
	               "SELECT code, level FROM profile_languages WHERE user_id = $1 ORDER BY code",
	               uid, lang_cols) |
	       load_list(
	               db, p, "skills",
	               "SELECT ps.skill_id, COALESCE(s.name_en, ps.free_name), ps.level, ps.years "
	               "FROM profile_skills ps LEFT JOIN skills s ON s.id = ps.skill_id "
	               "WHERE ps.user_id = $1 ORDER BY ps.level DESC, ps.id",
	               uid, skill_cols) |
	       load_list(db, p, "education",
	                 "SELECT degree, field, institution, country, year FROM profile_education "
	                 "WHERE user_id = $1 ORDER BY year DESC, id",
	                 uid, edu_cols) |
	       load_list(
	               db, p, "experience",
	               "SELECT role, organisation, sector_id, country, start_month, end_month FROM "
	               "profile_experience WHERE user_id = $1 ORDER BY start_month DESC, id",
	               uid, exp_cols) |
	       load_list(db, p, "stays",
	                 "SELECT from_date, to_date, city FROM profile_periods WHERE user_id = $1 "
	                 "AND kind = 'stay' ORDER BY from_date",
	                 uid, stay_cols) |
	       load_list(db, p, "availability",
	                 "SELECT from_date, to_date FROM profile_periods WHERE user_id = $1 AND "
	                 "kind = 'available' ORDER BY from_date",
	                 uid, period_cols) |
	       load_values(db, p, "sectors",
	                   "SELECT sector_id FROM profile_sectors WHERE user_id = $1 ORDER BY "
	                   "sector_id",
	                   uid) |
	       load_values(db, p, "preferred_sectors",
	                   "SELECT sector_id FROM profile_sectors WHERE user_id = $1 AND "
	                   "preferred = 1 ORDER BY sector_id",
	                   uid) |
	       load_values(db, p, "regions",
	                   "SELECT region FROM profile_regions WHERE user_id = $1 ORDER BY region",
	                   uid);
}

json_t *profile_load(struct db *db, int64_t user_id, int *found)
{
	json_t *p = load_main(db, user_id, found);

	if (p && load_lists(db, p, user_id) < 0) {
		json_decref(p);
		*found = -1;
		return NULL;
	}
	return p;
}

/* ---- A complete profile (profile.h: the C and SQL forms side by side) ------------------- */

static int has_text(json_t *p, const char *k)
{
	return json_string_length(json_object_get(p, k)) > 0;
}

static size_t count_of(json_t *p, const char *k)
{
	return json_array_size(json_object_get(p, k));
}

static int done_names(json_t *p, unsigned consents)
{
	(void)consents;
	return has_text(p, "name") || has_text(p, "name_ar");
}

static int done_residence(json_t *p, unsigned consents)
{
	(void)consents;
	return has_text(p, "country") && has_text(p, "city");
}

static int done_headline(json_t *p, unsigned consents)
{
	(void)consents;
	return has_text(p, "headline");
}

static int done_languages(json_t *p, unsigned consents)
{
	(void)consents;
	return count_of(p, "languages") > 0;
}

static int done_education(json_t *p, unsigned consents)
{
	(void)consents;
	return count_of(p, "education") > 0;
}

static int done_experience(json_t *p, unsigned consents)
{
	(void)consents;
	return count_of(p, "experience") > 0;
}

static int done_skills(json_t *p, unsigned consents)
{
	(void)consents;
	return count_of(p, "skills") >= 3;
}

static int done_sectors(json_t *p, unsigned consents)
{
	(void)consents;
	return count_of(p, "sectors") > 0;
}

static int done_offer(json_t *p, unsigned consents)
{
	json_t *o = json_object_get(p, "offer");

	(void)consents;
	return count_of(o, "modes") > 0 && count_of(o, "presence") > 0;
}

static int done_consent(json_t *p, unsigned consents)
{
	(void)p;
	return (consents & CONSENT_BIT(AUD_INSTITUTIONS)) != 0;
}

const struct profile_rule profile_rules[PROFILE_RULES] = {
        {"names", "edit/identity", done_names, PROFILE_SQL_NAMES},
        {"residence", "edit/identity", done_residence, PROFILE_SQL_RESIDENCE},
        {"headline", "edit/identity", done_headline, PROFILE_SQL_HEADLINE},
        {"languages", "edit/languages", done_languages, PROFILE_SQL_LANGUAGES},
        {"education", "edit/education", done_education, PROFILE_SQL_EDUCATION},
        {"experience", "edit/experience", done_experience, PROFILE_SQL_EXPERIENCE},
        {"skills", "edit/skills", done_skills, PROFILE_SQL_SKILLS},
        {"sectors", "edit/sectors", done_sectors, PROFILE_SQL_SECTORS},
        {"offer", "edit/offer", done_offer, PROFILE_SQL_OFFER},
        {"consent", "consent", done_consent, PROFILE_SQL_CONSENT},
};

int profile_complete(json_t *p, unsigned consents)
{
	for (int i = 0; i < PROFILE_RULES; i++)
		if (!profile_rules[i].done(p, consents))
			return 0;
	return 1;
}
