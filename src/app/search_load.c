/* search_load: experts and needs from storage into the engine's structures
 * (search_load.h). */
#include "app/search_load.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "app/clock.h"
#include "app/profile.h"
#include "app/search.h"
#include "app/taxonomy.h"
#include "app/visibility.h"
#include "db/db.h"
#include "text/fold.h"

#define BATCH 1000
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Small growing arrays in an arena -------------------------------------------- */

static void *grow(struct arena *a, void *v, size_t n, size_t *cap, size_t elem)
{
	void *w;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 4;
	w = arena_alloc(a, *cap * elem);
	if (n)
		memcpy(w, v, n * elem);
	return w;
}

struct strv {
	const char **v;
	size_t n, cap;
};

static void strv_add(struct arena *a, struct strv *s, const char *str)
{
	s->v = grow(a, s->v, s->n, &s->cap, sizeof(*s->v));
	s->v[s->n++] = str;
}

struct tok_ctx {
	struct arena *a;
	struct token_list *l;
};

static int add_token(void *ud, const char *tok, size_t len)
{
	struct tok_ctx *c = ud;

	c->l->v = grow(c->a, c->l->v, c->l->n, &c->l->cap, sizeof(*c->l->v));
	c->l->v[c->l->n++] = arena_strndup(c->a, tok, len);
	return 0;
}

void search_tokens(struct arena *a, struct token_list *l, const char *text)
{
	struct tok_ctx c = {a, l};
	size_t len;
	char *f;

	if (!text || !*text)
		return;
	f = text_fold(text, strlen(text), &len);
	if (f)
		text_tokens(f, len, add_token, &c);
	free(f);
}

/* Folded keys are already folded: only split them. */
static void add_folded(struct arena *a, struct token_list *l, const char *folded)
{
	struct tok_ctx c = {a, l};

	text_tokens(folded, strlen(folded), add_token, &c);
}

/* ---- Time zones -------------------------------------------------------------------- */

/* Standard-time offsets (minutes) of the countries where most Moroccans
 * abroad live (for a country spanning zones: where most of them live).
 * Summer time is ignored: an hour of difference either way. */
static const struct {
	const char code[3];
	int offset;
} zones[] = {
        {"AE", 240}, {"AT", 60},  {"AU", 600}, {"BE", 60},  {"BR", -180}, {"CA", -300},
        {"CH", 60},  {"CN", 480}, {"DE", 60},  {"DK", 60},  {"DZ", 60},   {"EG", 120},
        {"ES", 60},  {"FI", 120}, {"FR", 60},  {"GB", 0},   {"IE", 0},    {"IN", 330},
        {"IT", 60},  {"JP", 540}, {"KW", 180}, {"LU", 60},  {"MA", 60},   {"MY", 480},
        {"NL", 60},  {"NO", 60},  {"PL", 60},  {"PT", 0},   {"QA", 180},  {"SA", 180},
        {"SE", 60},  {"SG", 480}, {"SN", 0},   {"TN", 60},  {"TR", 180},  {"US", -300},
        {"CI", 0},   {"OM", 240}, {"BH", 180}, {"KR", 540}, {"MX", -360}, {"ZA", 120},
};

int search_country_offset(const char *country)
{
	for (size_t i = 0; country && i < COUNT(zones); i++)
		if (strcmp(zones[i].code, country) == 0)
			return zones[i].offset;
	return MATCH_TZ_UNKNOWN;
}

/* ---- Days -------------------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int32_t search_day(const char *s)
{
	int y, m, d;

	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
	    digits(s + 5, 2, &m) < 0 || digits(s + 8, 2, &d) < 0 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return 0;
	/* days from civil (proleptic Gregorian) */
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

/* ---- Experts ----------------------------------------------------------------------- */

struct xb {
	struct match_expert e;
	struct token_list tok[MF_FIELDS];
	struct strv sectors, preferred, regions, networks;
	struct match_skill *skills;
	size_t skills_cap;
	struct match_lang *langs;
	size_t langs_cap;
	struct match_period *avail, *stays;
	size_t avail_cap, stays_cap;
	int rated, rating_sum;
};

struct batch {
	struct db *db;
	const struct taxonomy *tx;
	struct arena a;
	struct xb *x;
	size_t n;
	const char *lo, *hi; /* the batch's id range, as text */
	const char *year_ago;
};

static struct xb *find_x(struct batch *b, int64_t id)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (b->x[mid].e.id < id)
			lo = mid + 1;
		else if (b->x[mid].e.id > id)
			hi = mid;
		else
			return &b->x[mid];
	}
	return NULL;
}

static const char *dup_col(struct batch *b, struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);
	return s && *s ? arena_strdup(&b->a, s) : NULL;
}

static unsigned word_bits(const char *list, const char *const *words, size_t n)
{
	unsigned bits = 0;

	for (size_t i = 0; list && i < n; i++) {
		const char *p = strstr(list, words[i]);
		bits |= p ? 1u << i : 0;
	}
	return bits;
}

static enum match_pay pay_of(const char *s)
{
	if (!s)
		return MATCH_PAY_UNKNOWN;
	if (strcmp(s, "paid") == 0)
		return MATCH_PAID;
	if (strcmp(s, "pro_bono") == 0)
		return MATCH_PRO_BONO;
	return strcmp(s, "either") == 0 ? MATCH_PAY_EITHER : MATCH_PAY_UNKNOWN;
}

static const char *const presence_words[] = {"remote", "onsite", "hybrid"};
static const char *const mode_words[] = {"ponctuelle", "continue"};

static void fill_profile(struct batch *b, struct xb *x, struct db_stmt *st, int64_t now)
{
	struct match_expert *e = &x->e;

	memset(x, 0, sizeof(*x));
	e->id = db_col_int(st, 0);
	e->ref = dup_col(b, st, 1);
	search_tokens(&b->a, &x->tok[MF_NAME], db_col_text(st, 2));
	search_tokens(&b->a, &x->tok[MF_NAME], db_col_text(st, 3));
	search_tokens(&b->a, &x->tok[MF_HEADLINE], db_col_text(st, 4));
	search_tokens(&b->a, &x->tok[MF_BIO], db_col_text(st, 5));
	e->country = dup_col(b, st, 6);
	if (db_col_text(st, 7) && *db_col_text(st, 7))
		e->city = text_fold(db_col_text(st, 7), strlen(db_col_text(st, 7)), NULL);
	if (e->city) { /* into the arena */
		char *f = (char *)e->city;
		e->city = arena_strdup(&b->a, f);
		free(f);
	}
	e->modes = word_bits(db_col_text(st, 8), mode_words, COUNT(mode_words));
	e->presence = word_bits(db_col_text(st, 9), presence_words, COUNT(presence_words));
	e->hours_per_month = (int)db_col_int(st, 10);
	e->pay = pay_of(db_col_text(st, 11));
	if (visibility_paused(db_col_text(st, 12), now))
		e->flags |= MATCH_PAUSED;
	e->confirmed = search_day(db_col_text(st, 13));
	e->utc_offset_min = search_country_offset(e->country);
}

static int run_rows(struct batch *b, const char *sql,
                    void (*row)(struct batch *, struct xb *, struct db_stmt *))
{
	struct db_stmt *st = db_prepare(b->db, sql);
	enum db_rc rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, b->lo);
	db_bind_text(st, 2, b->hi);
	if (strstr(sql, "$3"))
		db_bind_text(st, 3, b->year_ago);
	while ((rc = db_step(st)) == DB_ROW) {
		struct xb *x = find_x(b, db_col_int(st, 0));
		if (x)
			row(b, x, st);
	}
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}

static void row_consent(struct batch *b, struct xb *x, struct db_stmt *st)
{
	static const struct {
		const char *audience;
		unsigned flag;
	} map[] = {
	        {"programme", MATCH_CONSENT_PROGRAMME},
	        {"institutions", MATCH_CONSENT_INSTITUTIONS},
	        {"networks", MATCH_CONSENT_NETWORKS},
	        {"directory", MATCH_CONSENT_DIRECTORY},
	};
	(void)b;
	for (size_t i = 0; i < COUNT(map); i++)
		if (strcmp(db_col_text(st, 1), map[i].audience) == 0)
			x->e.flags |= map[i].flag;
}

static void row_language(struct batch *b, struct xb *x, struct db_stmt *st)
{
	int level = profile_cefr(db_col_text(st, 2));

	if (!level)
		return;
	x->langs = grow(&b->a, x->langs, x->e.nlangs, &x->langs_cap, sizeof(*x->langs));
	x->langs[x->e.nlangs++] =
	        (struct match_lang){arena_strdup(&b->a, db_col_text(st, 1)), level};
}

/* A label's words in the three languages, in the skills field. */
static void add_keys(struct batch *b, struct xb *x, enum tax_kind k, const char *id)
{
	size_t n;
	const char *const *keys = taxonomy_keys(b->tx, k, id, &n);

	for (size_t i = 0; i < n; i++)
		add_folded(&b->a, &x->tok[MF_SKILLS], keys[i]);
}

static void row_sector(struct batch *b, struct xb *x, struct db_stmt *st)
{
	const char *id = arena_strdup(&b->a, db_col_text(st, 1));

	strv_add(&b->a, &x->sectors, id);
	if (db_col_int(st, 2))
		strv_add(&b->a, &x->preferred, id);
	add_keys(b, x, TAX_SECTOR, id);
}

static void row_region(struct batch *b, struct xb *x, struct db_stmt *st)
{
	strv_add(&b->a, &x->regions, arena_strdup(&b->a, db_col_text(st, 1)));
}

static void row_network(struct batch *b, struct xb *x, struct db_stmt *st)
{
	strv_add(&b->a, &x->networks, arena_strdup(&b->a, db_col_text(st, 1)));
}

static void row_skill(struct batch *b, struct xb *x, struct db_stmt *st)
{
	const char *id = dup_col(b, st, 1);
	int level = (int)db_col_int(st, 3);

	if (level < 1 || level > 5)
		return;
	x->skills = grow(&b->a, x->skills, x->e.nskills, &x->skills_cap, sizeof(*x->skills));
	x->skills[x->e.nskills++] =
	        (struct match_skill){id, id ? taxonomy_group(b->tx, TAX_SKILL, id) : NULL, level};
	if (id) {
		add_keys(b, x, TAX_SKILL, id);
		add_token(&(struct tok_ctx){&b->a, &x->tok[MF_SKILLS]},
		          arena_printf(&b->a, "skill:%s", id), strlen(id) + 6);
	} else {
		search_tokens(&b->a, &x->tok[MF_SKILLS], db_col_text(st, 2));
	}
}

static void row_career(struct batch *b, struct xb *x, struct db_stmt *st)
{
	for (int c = 1; c <= 3; c++)
		search_tokens(&b->a, &x->tok[MF_EXPERIENCE], db_col_text(st, c));
}

static void row_period(struct batch *b, struct xb *x, struct db_stmt *st)
{
	struct match_period p = {search_day(db_col_text(st, 2)), search_day(db_col_text(st, 3))};

	if (!p.from || !p.to)
		return;
	if (strcmp(db_col_text(st, 1), "stay") == 0) {
		x->stays = grow(&b->a, x->stays, x->e.nstays, &x->stays_cap, sizeof(*x->stays));
		x->stays[x->e.nstays++] = p;
	} else {
		x->avail = grow(&b->a, x->avail, x->e.navailable, &x->avail_cap, sizeof(*x->avail));
		x->avail[x->e.navailable++] = p;
	}
}

static void row_engagements(struct batch *b, struct xb *x, struct db_stmt *st)
{
	(void)b;
	x->e.recent_engagements = (int)db_col_int(st, 1);
	x->e.active_engagements = (int)db_col_int(st, 2);
}

static void row_rating(struct batch *b, struct xb *x, struct db_stmt *st)
{
	(void)b;
	x->rated = (int)db_col_int(st, 1);
	x->rating_sum = (int)db_col_int(st, 2);
}

/* The queries of a batch after the profiles: user id first, in id order. */
static const struct {
	const char *sql;
	void (*row)(struct batch *, struct xb *, struct db_stmt *);
} batch_queries[] = {
        {"SELECT user_id, audience FROM consents WHERE granted = 1 AND user_id BETWEEN $1 AND $2",
         row_consent},
        {"SELECT user_id, code, level FROM profile_languages WHERE user_id BETWEEN $1 AND $2",
         row_language},
        {"SELECT user_id, sector_id, preferred FROM profile_sectors WHERE user_id BETWEEN $1 AND "
         "$2",
         row_sector},
        {"SELECT user_id, region FROM profile_regions WHERE user_id BETWEEN $1 AND $2", row_region},
        {"SELECT user_id, network FROM network_members WHERE state = 'member' AND user_id "
         "BETWEEN $1 AND $2",
         row_network},
        {"SELECT user_id, skill_id, free_name, level FROM profile_skills "
         "WHERE user_id BETWEEN $1 AND $2",
         row_skill},
        {"SELECT user_id, role, organisation, '' FROM profile_experience "
         "WHERE user_id BETWEEN $1 AND $2",
         row_career},
        {"SELECT user_id, degree, field, institution FROM profile_education "
         "WHERE user_id BETWEEN $1 AND $2",
         row_career},
        {"SELECT user_id, kind, from_date, to_date FROM profile_periods "
         "WHERE user_id BETWEEN $1 AND $2",
         row_period},
        {"SELECT expert_id, "
         "SUM(CASE WHEN created_at >= $3 AND state IN ('confirmed', 'in_mission', 'delivered', "
         "'evaluated') THEN 1 ELSE 0 END), "
         "SUM(CASE WHEN state IN ('confirmed', 'in_mission') THEN 1 ELSE 0 END) "
         "FROM engagements WHERE expert_id BETWEEN $1 AND $2 GROUP BY expert_id",
         row_engagements},
        {"SELECT g.expert_id, COUNT(*), SUM(v.rating) FROM evaluations v "
         "JOIN engagements g ON g.id = v.engagement_id WHERE v.side = 'institution' "
         "AND v.rating IS NOT NULL AND g.expert_id BETWEEN $1 AND $2 GROUP BY g.expert_id",
         row_rating},
};

static void finish(struct xb *x)
{
	struct match_expert *e = &x->e;

	for (int f = 0; f < MF_FIELDS; f++)
		e->tokens[f] = (struct match_strs){x->tok[f].v, x->tok[f].n};
	e->sectors = (struct match_strs){x->sectors.v, x->sectors.n};
	e->preferred_sectors = (struct match_strs){x->preferred.v, x->preferred.n};
	e->regions = (struct match_strs){x->regions.v, x->regions.n};
	e->networks = (struct match_strs){x->networks.v, x->networks.n};
	e->skills = x->skills;
	e->langs = x->langs;
	e->available = x->avail;
	e->stays = x->stays;
	e->rating = x->rated ? (double)x->rating_sum / x->rated : 0;
}

/* Reads up to BATCH profiles with id in [from, hi]; 0 when none left. */
static long read_batch(struct batch *b, int64_t from, int64_t hi, int64_t now)
{
	struct db_stmt *st = db_prepare(
	        b->db, "SELECT p.user_id, p.ref, p.name, p.name_ar, p.headline, p.bio, p.country, "
	               "p.city, p.offer_modes, p.offer_presence, p.hours_per_month, p.pay, "
	               "p.paused_until, p.confirmed_at FROM profiles p JOIN users u ON u.id = "
	               "p.user_id WHERE p.user_id BETWEEN $1 AND $2 AND u.status <> 'disabled' "
	               "ORDER BY p.user_id LIMIT 1000");
	enum db_rc rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, hi);
	b->x = arena_alloc(&b->a, BATCH * sizeof(*b->x));
	b->n = 0;
	while (b->n < BATCH && (rc = db_step(st)) == DB_ROW)
		fill_profile(b, &b->x[b->n++], st, now);
	db_finalize(st);
	if (b->n < BATCH && rc != DB_OK)
		return -1;
	return (long)b->n;
}

/* Fills b with the experts of ids [*lo, hi], at most BATCH, ready to put
 * (strings in b's arena); advances *lo past them. Returns how many (0:
 * none left), or -1 on a database error. */
static long fill_batch(struct batch *b, int64_t *lo, int64_t hi, int64_t now)
{
	long n = *lo > hi ? 0 : read_batch(b, *lo, hi, now);

	if (n <= 0)
		return n;
	b->lo = arena_printf(&b->a, "%lld", (long long)b->x[0].e.id);
	b->hi = arena_printf(&b->a, "%lld", (long long)b->x[b->n - 1].e.id);
	for (size_t q = 0; q < COUNT(batch_queries); q++)
		if (run_rows(b, batch_queries[q].sql, batch_queries[q].row) < 0)
			return -1;
	for (size_t i = 0; i < b->n; i++)
		finish(&b->x[i]);
	*lo = b->x[b->n - 1].e.id + 1;
	return n;
}

static long load_sequential(struct batch *b, int64_t lo, int64_t hi, int64_t now, search_put_fn put,
                            void *ud)
{
	long total = 0, n;

	while ((n = fill_batch(b, &lo, hi, now)) > 0) {
		for (size_t i = 0; i < b->n; i++)
			put(ud, &b->x[i].e);
		total += n;
		arena_free(&b->a);
		if (n < BATCH)
			break;
	}
	arena_free(&b->a);
	return n < 0 ? -1 : total;
}

/* The whole pool, in two threads: this one puts batch k into the engine
 * while a reader fills batch k+1 from storage (reading and folding cost
 * more than inserting, so the two overlap on two cores). */
struct pipe {
	struct batch b[2];
	long n[2];   /* experts in the batch; < BATCH: the last one; -1: error */
	int full[2]; /* filled and not yet put */
	int quit;    /* the consumer gave up */
	int64_t lo, hi, now;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *pipe_reader(void *arg)
{
	struct pipe *p = arg;

	for (int k = 0;; k ^= 1) {
		pthread_mutex_lock(&p->mu);
		while (p->full[k] && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		int quit = p->quit;
		pthread_mutex_unlock(&p->mu);
		if (quit)
			return NULL;
		long n = fill_batch(&p->b[k], &p->lo, p->hi, p->now);
		pthread_mutex_lock(&p->mu);
		p->n[k] = n;
		p->full[k] = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (n < BATCH)
			return NULL;
	}
}

static long load_pipelined(struct pipe *p, search_put_fn put, void *ud)
{
	pthread_t reader;
	long total = 0, n = 0;

	if (pthread_create(&reader, NULL, pipe_reader, p) != 0)
		return load_sequential(&p->b[0], p->lo, p->hi, p->now, put, ud);
	for (int k = 0;; k ^= 1) {
		pthread_mutex_lock(&p->mu);
		while (!p->full[k])
			pthread_cond_wait(&p->cv, &p->mu);
		n = p->n[k];
		pthread_mutex_unlock(&p->mu);
		for (long i = 0; i < n; i++)
			put(ud, &p->b[k].x[i].e);
		total += n > 0 ? n : 0;
		arena_free(&p->b[k].a);
		pthread_mutex_lock(&p->mu);
		p->full[k] = 0;
		p->quit = n < BATCH;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (n < BATCH)
			break;
	}
	pthread_join(reader, NULL);
	arena_free(&p->b[0].a);
	arena_free(&p->b[1].a);
	return n < 0 ? -1 : total;
}

long search_load_experts(struct db *db, const struct taxonomy *tx, int64_t lo, int64_t hi,
                         int64_t now, search_put_fn put, void *ud)
{
	struct pipe p = {.lo = lo, .hi = hi, .now = now};
	char year_ago[ISO_TIME_LEN + 1];
	long rc;

	iso_time(now - 365 * 86400, year_ago);
	for (int k = 0; k < 2; k++)
		p.b[k] = (struct batch){.db = db, .tx = tx, .a = ARENA_INIT, .year_ago = year_ago};
	if (hi - lo < BATCH) /* one expert (a change): no thread */
		return load_sequential(&p.b[0], lo, hi, now, put, ud);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	rc = load_pipelined(&p, put, ud);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	return rc;
}

/* ---- Needs --------------------------------------------------------------------------- */

struct nb {
	struct match_need n;
	struct match_need_skill skills[MATCH_NEED_SKILLS];
	struct match_lang *langs;
	size_t langs_cap;
	struct token_list tok;
};

static unsigned one_bit(const char *word, const char *const *words, size_t n)
{
	for (size_t i = 0; word && i < n; i++)
		if (strcmp(word, words[i]) == 0)
			return 1u << i;
	return 0;
}

static const char *need_columns =
        "SELECT id, institution_id, sector_id, mode, presence, region, city, start_date, end_date, "
        "hours_per_month, effort_days, pay, title, description FROM needs ";

static void fill_need(struct arena *a, struct nb *x, struct db_stmt *st)
{
	struct match_need *n = &x->n;
	const char *city = db_col_text(st, 6);
	char *f;

	memset(x, 0, sizeof(*x));
	n->id = db_col_int(st, 0);
	n->ref = arena_printf(a, "%lld", (long long)n->id);
	n->institution_id = db_col_int(st, 1);
	n->sector = db_col_text(st, 2) ? arena_strdup(a, db_col_text(st, 2)) : NULL;
	n->mode = one_bit(db_col_text(st, 3), mode_words, COUNT(mode_words));
	n->presence = one_bit(db_col_text(st, 4), presence_words, COUNT(presence_words));
	n->region = db_col_text(st, 5) ? arena_strdup(a, db_col_text(st, 5)) : NULL;
	f = city && *city ? text_fold(city, strlen(city), NULL) : NULL;
	n->city = f ? arena_strdup(a, f) : NULL;
	free(f);
	n->from = search_day(db_col_text(st, 7));
	n->to = search_day(db_col_text(st, 8));
	n->hours_per_month = (int)db_col_int(st, 9);
	if (!n->hours_per_month && db_col_int(st, 10))
		n->hours_per_month = (int)db_col_int(st, 10) * 8; /* days of work, in hours */
	n->pay = pay_of(db_col_text(st, 11));
	search_tokens(a, &x->tok, db_col_text(st, 12));
	search_tokens(a, &x->tok, db_col_text(st, 13));
	n->tokens = (struct match_strs){x->tok.v, x->tok.n};
}

/* Skills and languages of need x. */
static int need_lists(struct db *db, const struct taxonomy *tx, struct arena *a, struct nb *x)
{
	struct db_stmt *st = db_prepare(db, "SELECT skill_id, required, min_level FROM need_skills "
	                                    "WHERE need_id = $1 ORDER BY required DESC, skill_id");
	enum db_rc rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, x->n.id);
	while ((rc = db_step(st)) == DB_ROW && x->n.nskills < MATCH_NEED_SKILLS) {
		const char *id = arena_strdup(a, db_col_text(st, 0));
		x->skills[x->n.nskills++] =
		        (struct match_need_skill){id, taxonomy_group(tx, TAX_SKILL, id),
		                                  (int)db_col_int(st, 1), (int)db_col_int(st, 2)};
	}
	db_finalize(st);
	if (rc != DB_OK && rc != DB_ROW)
		return -1;
	x->n.skills = x->skills;
	st = db_prepare(db,
	                "SELECT code, level FROM need_languages WHERE need_id = $1 ORDER BY code");
	if (!st)
		return -1;
	db_bind_int(st, 1, x->n.id);
	while ((rc = db_step(st)) == DB_ROW) {
		x->langs = grow(a, x->langs, x->n.nlangs, &x->langs_cap, sizeof(*x->langs));
		x->langs[x->n.nlangs++] = (struct match_lang){arena_strdup(a, db_col_text(st, 0)),
		                                              profile_cefr(db_col_text(st, 1))};
	}
	db_finalize(st);
	x->n.langs = x->langs;
	return rc == DB_OK ? 0 : -1;
}

int search_need_load(struct db *db, const struct taxonomy *tx, struct arena *a, int64_t id,
                     struct match_need *out)
{
	char sql[400];
	struct nb *x = arena_alloc(a, sizeof(*x));
	struct db_stmt *st;
	enum db_rc rc;

	snprintf(sql, sizeof(sql), "%sWHERE id = $1", need_columns);
	st = db_prepare(db, sql);
	if (!st)
		return -1;
	db_bind_int(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		fill_need(a, x, st);
	db_finalize(st);
	if (rc != DB_ROW)
		return rc == DB_OK ? 0 : -1;
	if (need_lists(db, tx, a, x) < 0)
		return -1;
	*out = x->n;
	return 1;
}

long search_load_needs(struct db *db, const struct taxonomy *tx, int64_t id, search_need_fn put,
                       search_gone_fn gone, void *ud)
{
	char sql[400];
	struct arena a = ARENA_INIT;
	struct db_stmt *st;
	enum db_rc rc;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	long done = 0;

	snprintf(sql, sizeof(sql), "SELECT id FROM needs WHERE state = 'published'%s ORDER BY id",
	         id ? " AND id = $1" : "");
	st = db_prepare(db, sql);
	if (!st)
		return -1;
	if (id)
		db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		ids = grow(&a, ids, n, &cap, sizeof(*ids));
		ids[n++] = db_col_int(st, 0);
	}
	db_finalize(st);
	if (rc != DB_OK)
		goto out;
	if (id && n == 0)
		gone(ud, id);
	for (size_t i = 0; i < n; i++) {
		struct match_need need;
		if (search_need_load(db, tx, &a, ids[i], &need) < 0) {
			done = -1;
			goto out;
		}
		put(ud, &need);
		done++;
	}
out:
	arena_free(&a);
	return rc == DB_OK ? done : -1;
}
