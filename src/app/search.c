/* search: the index, its change log and its queries (search.h). */
#include "app/search.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/profile.h"
#include "app/search_load.h"
#include "app/sql.h"
#include "app/taxonomy.h"
#include "app/visibility.h"
#include "core/file.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "db/fault.h"
#include "text/fold.h"

#define MAX_PHRASE 4 /* words in a skill name looked up as one */

struct search {
	struct match_index *ix;
	const struct taxonomy *tx;
	pthread_rwlock_t lock; /* readers: queries; writer: sync */
	pthread_mutex_t sync;  /* one sync at a time */
	int64_t last_seq;      /* the newest change applied */
	int64_t *seen;         /* changes applied within the overlap window, sorted */
	size_t nseen, seen_cap;
	/* snapshots (search_snapshot_save) */
	uint64_t fingerprint; /* of the reference data and this build */
	int64_t saved_seq;    /* the last_seq of the last snapshot written */
	/* the poller */
	struct app *app;
	int64_t saved_at; /* when the poller last saved */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stop;
};

/* ---- Building ------------------------------------------------------------------- */

static void put_expert(void *ud, const struct match_expert *e)
{
	struct search *s = ud;

	if (match_put_expert(s->ix, e) < 0)
		log_warn("search: expert %lld not indexed (invalid data)", (long long)e->id);
}

static void put_need(void *ud, const struct match_need *n)
{
	struct search *s = ud;

	if (match_put_need(s->ix, n) < 0)
		log_warn("search: need %lld not indexed (invalid data)", (long long)n->id);
}

static void gone_need(void *ud, int64_t id)
{
	struct search *s = ud;

	match_remove_need(s->ix, id);
}

/* The newest change seq in the log (0 when empty). */
static int last_change(struct db *db, int64_t *seq)
{
	return db_query_int(db, "SELECT COALESCE(MAX(seq), 0) FROM index_changes", 0, NULL, seq) ==
	                       DB_OK
	               ? 0
	               : -1;
}

/* ---- Snapshots ------------------------------------------------------------------ */

/* The words of a snapshot's meta (match.h). */
enum { SNAP_SEQ, SNAP_AT, SNAP_FINGERPRINT };
#define SNAPSHOT_MAX_AGE (20 * 3600) /* the change log keeps a day */

static uint64_t fnv_text(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0x1f) * 0x100000001b3ull; /* a separator: "ab","c" differs from "a","bc" */
}

/* What the index was made from besides the profiles: this database (when
 * its schema was first created), the names and synonyms of sectors,
 * domains and skills, and this build. */
static int reference_fingerprint(struct db *db, uint64_t *out)
{
	static const char *const sql[] = {
	        /* this database (a new one, made when the file was deleted, differs) */
	        "SELECT version, name, applied_at, '', '' FROM schema_migrations WHERE version = 1",
	        "SELECT id, name_ar, name_fr, name_en, '' FROM sectors ORDER BY id",
	        "SELECT id, name_ar, name_fr, name_en, '' FROM skill_domains ORDER BY id",
	        "SELECT id, name_ar, name_fr, name_en, domain_id || '|' || synonyms FROM skills "
	        "ORDER BY id",
	};
	uint64_t h = fnv_text(0xcbf29ce484222325ull, "kafaat " KAFAAT_VERSION);

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		struct db_stmt *st = db_prepare(db, sql[i]);
		enum db_rc rc = DB_ERROR;
		while (st && (rc = db_step(st)) == DB_ROW)
			for (int c = 0; c < 5; c++)
				h = fnv_text(h, db_col_text(st, c));
		db_finalize(st);
		if (rc != DB_OK)
			return -1;
	}
	*out = h;
	return 0;
}

/* The snapshot at path, if it is one of this build and data, recent
 * enough for the change log to cover what happened since, and not ahead
 * of the log (a restored database). NULL otherwise (logged). */
static struct match_index *snapshot_read(struct search *s, const char *path, int64_t now,
                                         int64_t *seq)
{
	struct match_snapshot_meta m;
	struct match_index *ix = NULL;
	struct stat st;
	void *map = MAP_FAILED;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("search: cannot open the snapshot %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		log_warn("search: cannot read the snapshot %s", path);
		return NULL;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	ix = match_load(map, (size_t)st.st_size, &m);
	munmap(map, (size_t)st.st_size);
	const char *why = !ix ? "damaged, or written by another build"
	                  : m.words[SNAP_FINGERPRINT] != s->fingerprint ? "other reference data"
	                  : (int64_t)m.words[SNAP_AT] < now - SNAPSHOT_MAX_AGE ? "too old"
	                  : (int64_t)m.words[SNAP_SEQ] > s->last_seq ? "ahead of the change log"
	                                                             : NULL;
	if (why) {
		log_info("search: snapshot %s not used (%s): building from storage", path, why);
		match_free(ix);
		return NULL;
	}
	*seq = (int64_t)m.words[SNAP_SEQ];
	return ix;
}

static int write_chunk(void *ud, const void *p, size_t n)
{
	return file_write_all(*(int *)ud, p, n);
}

int search_snapshot_save(struct search *s, const char *path, int64_t now)
{
	char tmp[4096];
	struct match_snapshot_meta m;
	int64_t seq;
	int fd, rc;

	if (!s || !path || !*path || snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("search: cannot write the snapshot %s: %s", tmp, strerror(errno));
		return -1;
	}
	pthread_rwlock_rdlock(&s->lock); /* last_seq moves only under the write lock */
	seq = s->last_seq;
	m = (struct match_snapshot_meta){{(uint64_t)seq, (uint64_t)now, s->fingerprint}};
	rc = match_save(s->ix, &m, write_chunk, &fd);
	pthread_rwlock_unlock(&s->lock);
	if (rc == 0)
		rc = fsync(fd);
	if (close(fd) != 0 || rc != 0 || rename(tmp, path) != 0) {
		log_warn("search: cannot write the snapshot %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	s->saved_seq = seq;
	return 0;
}

/* The index from the snapshot and the changes since, or from storage. */
static int search_build(struct search *s, struct db *db, int64_t now, const char *snapshot)
{
	int64_t seq;
	struct match_index *ix =
	        snapshot && *snapshot ? snapshot_read(s, snapshot, now, &seq) : NULL;

	if (ix) {
		match_free(s->ix);
		s->ix = ix;
		s->last_seq = seq; /* the sync below applies what came after, overlap included */
		s->saved_seq = seq;
		int changes = search_load_needs(db, s->tx, 0, put_need, gone_need, s) < 0
		                      ? -1
		                      : search_sync(s, db, now);
		if (changes >= 0)
			log_info("search: started from the snapshot %s and %d change(s) since",
			         snapshot, changes);
		return changes < 0 ? -1 : 0;
	}
	if (search_load_experts(db, s->tx, 1, INT64_MAX, now, put_expert, s) < 0 ||
	    search_load_needs(db, s->tx, 0, put_need, gone_need, s) < 0)
		return -1;
	if (snapshot && *snapshot)
		search_snapshot_save(s, snapshot,
		                     now); /* the next start is quick (logged if not) */
	return 0;
}

struct search *search_open(struct db *db, const struct taxonomy *tx, int64_t now,
                           const char *snapshot, char *err, size_t errlen)
{
	struct search *s = xcalloc(1, sizeof(*s));

	s->ix = match_new();
	s->tx = tx;
	pthread_rwlock_init(&s->lock, NULL);
	pthread_mutex_init(&s->sync, NULL);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	/* The log position first: a change committed while loading is applied again. */
	if (last_change(db, &s->last_seq) < 0 || reference_fingerprint(db, &s->fingerprint) < 0 ||
	    search_build(s, db, now, snapshot) < 0) {
		snprintf(err, errlen, "search index: %s", db_errmsg(db));
		search_close(s);
		return NULL;
	}
	return s;
}

void search_close(struct search *s)
{
	if (!s)
		return;
	search_poller_stop(s);
	match_free(s->ix);
	free(s->seen);
	pthread_rwlock_destroy(&s->lock);
	pthread_mutex_destroy(&s->sync);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

size_t search_experts(struct search *s)
{
	size_t n;

	pthread_rwlock_rdlock(&s->lock);
	n = match_experts(s->ix);
	pthread_rwlock_unlock(&s->lock);
	return n;
}

size_t search_needs(struct search *s)
{
	size_t n;

	pthread_rwlock_rdlock(&s->lock);
	n = match_needs(s->ix);
	pthread_rwlock_unlock(&s->lock);
	return n;
}

/* ---- The change log ------------------------------------------------------------- */

int search_touch(struct db *db, const char *kind, int64_t id, int64_t now)
{
	struct arena a = ARENA_INIT;
	char at[ISO_TIME_LEN + 1];
	int64_t rc;

	iso_time(now, at);
	rc = sql_exec(db,
	              "INSERT INTO index_changes (seq, kind, ref_id, at) VALUES ($1, $2, $3, $4)",
	              4, (const char *[]){sql_int(&a, new_id(NULL)), kind, sql_int(&a, id), at});
	arena_free(&a);
	return rc == 1 ? 0 : -1;
}

struct change {
	int64_t seq, id;
	int need;
};

/* Reads the changes after `after`, oldest first, into *out (caller frees). */
static long read_changes(struct db *db, int64_t after, struct change **out)
{
	struct db_stmt *st = db_prepare(db, "SELECT seq, kind, ref_id FROM index_changes "
	                                    "WHERE seq > $1 ORDER BY seq");
	struct change *v = NULL;
	size_t n = 0, cap = 0;
	enum db_rc rc;

	*out = NULL;
	if (!st)
		return -1;
	db_bind_int(st, 1, after);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (struct change){db_col_int(st, 0), db_col_int(st, 2),
		                         strcmp(db_col_text(st, 1), "need") == 0};
	}
	db_finalize(st);
	if (rc != DB_OK) {
		free(v);
		return -1;
	}
	*out = v;
	return (long)n;
}

struct reload {
	struct search *s;
	int found;
};

static void put_found(void *ud, const struct match_expert *e)
{
	struct reload *r = ud;

	put_expert(r->s, e);
	r->found = 1;
}

/* Reloads one change; the write lock is held. */
static int apply(struct search *s, struct db *db, const struct change *c, int64_t now)
{
	struct reload r = {s, 0};

	if (c->need)
		return search_load_needs(db, s->tx, c->id, put_need, gone_need, s) < 0 ? -1 : 0;
	if (search_load_experts(db, s->tx, c->id, c->id, now, put_found, &r) < 0)
		return -1;
	if (!r.found)
		match_remove_expert(s->ix, c->id);
	return 0;
}

/* ms << 10: the id layout of app/clock.c new_id. */
#define SEQ_MS(ms) ((int64_t)(ms) << 10)

static int cmp_seq(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Was change seq applied already (it is inside the overlap window)? */
static int seen(const struct search *s, int64_t seq)
{
	return s->nseen && bsearch(&seq, s->seen, s->nseen, sizeof(*s->seen), cmp_seq) != NULL;
}

/* Remembers the changes applied now, forgets those before the window. */
static void remember(struct search *s, const struct change *v, long n, const char *applied)
{
	int64_t from = s->last_seq - SEQ_MS(SEARCH_OVERLAP_MS);
	size_t keep = 0;

	for (size_t i = 0; i < s->nseen; i++)
		if (s->seen[i] >= from)
			s->seen[keep++] = s->seen[i];
	s->nseen = keep;
	for (long i = 0; i < n; i++) {
		if (!applied[i])
			continue;
		if (s->nseen == s->seen_cap) {
			s->seen_cap = s->seen_cap ? s->seen_cap * 2 : 256;
			s->seen = xrealloc(s->seen, s->seen_cap * sizeof(*s->seen));
		}
		s->seen[s->nseen++] = v[i].seq;
	}
	if (s->nseen > 1)
		qsort(s->seen, s->nseen, sizeof(*s->seen), cmp_seq);
}

/* Each change is applied once: the overlap re-reads the last seconds of
 * the log to catch late commits, and `seen` skips those already applied. */
int search_sync(struct search *s, struct db *db, int64_t now)
{
	struct change *v;
	char *applied;
	long n, done = 0;
	int rc = 0;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->sync);
	n = read_changes(db, s->last_seq - SEQ_MS(SEARCH_OVERLAP_MS), &v);
	if (n < 0) {
		pthread_mutex_unlock(&s->sync);
		return -1;
	}
	applied = xcalloc((size_t)n + 1, 1);
	pthread_rwlock_wrlock(&s->lock);
	for (long i = 0; i < n && rc == 0; i++) {
		if (seen(s, v[i].seq))
			continue;
		rc = apply(s, db, &v[i], now);
		applied[i] = rc == 0;
		done += rc == 0;
		if (rc == 0 && v[i].seq > s->last_seq)
			s->last_seq = v[i].seq;
	}
	pthread_rwlock_unlock(&s->lock);
	remember(s, v, n, applied);
	pthread_mutex_unlock(&s->sync);
	free(applied);
	free(v);
	return rc < 0 ? -1 : (int)done;
}

void search_changed(struct app *app)
{
	struct db *db;

	if (!app->search)
		return;
	db = db_pool_get(app->pool);
	if (search_sync(app->search, db, clock_now(app->cfg)) < 0)
		log_warn("search: cannot read the change log: %s", db_errmsg(db));
	db_pool_put(app->pool, db);
}

/* ---- The poller -------------------------------------------------------------- */

/* Saves the index when it changed since the last snapshot and the
 * configured minutes have passed (always, when `now_anyway`). */
static void maybe_save(struct search *s, int64_t now, int now_anyway)
{
	const char *path = s->app->cfg->search_snapshot;

	if (!path || !*path || s->last_seq == s->saved_seq)
		return;
	if (!now_anyway && now - s->saved_at < (int64_t)s->app->cfg->search_snapshot_minutes * 60)
		return;
	s->saved_at = now;
	search_snapshot_save(s, path, now);
}

static void *poll_loop(void *arg)
{
	struct search *s = arg;
	int64_t pruned = 0;

	fault_db_exempt_thread(); /* tests aim their faults at requests (db/fault.h) */
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SEARCH_POLL_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		struct db *db = db_pool_get(s->app->pool);
		int64_t now = clock_now(s->app->cfg);
		if (search_sync(s, db, now) < 0)
			log_warn("search: cannot read the change log: %s", db_errmsg(db));
		maybe_save(s, now, 0);
		if (now - pruned >= 3600) { /* the log keeps a day */
			char day_ago[ISO_TIME_LEN + 1];
			iso_time(now - 86400, day_ago);
			sql_exec(db, "DELETE FROM index_changes WHERE at < $1", 1,
			         (const char *[]){day_ago});
			pruned = now;
		}
		db_pool_put(s->app->pool, db);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int search_poller_start(struct search *s, struct app *app)
{
	s->app = app;
	s->stop = 0;
	s->saved_at = clock_now(app->cfg);
	if (pthread_create(&s->thread, NULL, poll_loop, s) != 0)
		return -1;
	s->running = 1;
	return 0;
}

void search_poller_stop(struct search *s)
{
	if (!s || !s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->running = 0;
	maybe_save(s, clock_now(s->app->cfg), 1); /* the next start begins from here */
}

/* ---- Queries ------------------------------------------------------------------ */

struct words {
	const char *v[64];
	size_t n;
};

/* Words of a folded query, as arena strings (at most 64). */
struct word_ctx {
	struct arena *a;
	struct words *w;
};

static int keep_word(void *ud, const char *tok, size_t len)
{
	struct word_ctx *c = ud;

	if (c->w->n == sizeof(c->w->v) / sizeof(c->w->v[0]))
		return 1;
	c->w->v[c->w->n++] = arena_strndup(c->a, tok, len);
	return 0;
}

/* The skill named by words [i, i+k), or NULL. */
static const char *phrase_skill(const struct taxonomy *tx, const struct words *w, size_t i,
                                size_t k)
{
	char phrase[512];
	size_t used = 0;

	for (size_t j = i; j < i + k; j++) {
		int m = snprintf(phrase + used, sizeof(phrase) - used, "%s%s", j > i ? " " : "",
		                 w->v[j]);
		if (m < 0 || (size_t)m >= sizeof(phrase) - used)
			return NULL;
		used += (size_t)m;
	}
	return taxonomy_resolve(tx, TAX_SKILL, phrase);
}

/* One clause for a skill: the skill itself and every one-word name of it,
 * plus the word typed when it was one word. */
static void skill_clause(const struct taxonomy *tx, struct arena *a, const char *skill,
                         const char *typed, struct match_clause *c)
{
	size_t n;
	const char *const *keys = taxonomy_keys(tx, TAX_SKILL, skill, &n);
	const char **terms = arena_alloc(a, (n + 2) * sizeof(*terms));
	size_t k = 0;

	terms[k++] = arena_printf(a, "skill:%s", skill);
	for (size_t i = 0; i < n; i++)
		if (!strchr(keys[i], ' ') && strcmp(keys[i], skill) != 0)
			terms[k++] = keys[i];
	if (typed)
		terms[k++] = typed;
	c->terms = terms;
	c->nterms = k;
}

struct match_strs search_split(struct arena *a, const char *list)
{
	struct match_strs out = {NULL, 0};
	const char **v;
	size_t n = 1;

	if (!list || !*list)
		return out;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	v = arena_alloc(a, n * sizeof(*v));
	while (*list) {
		size_t len = strcspn(list, ",");
		if (len)
			v[out.n++] = arena_strndup(a, list, len);
		list += len + (list[len] == ',');
	}
	out.v = v;
	return out;
}

int search_lang_item(struct arena *a, const char *item, const char **code)
{
	const char *colon = strchr(item, ':');

	*code = colon ? arena_strndup(a, item, (size_t)(colon - item)) : item;
	return colon ? profile_cefr(colon + 1) : 1;
}

const char *search_fold(struct arena *a, const char *s)
{
	char *f = s ? text_fold(s, strlen(s), NULL) : NULL;
	const char *out = arena_strdup(a, f ? f : "");

	free(f);
	return out;
}

size_t search_clauses(const struct taxonomy *tx, struct arena *a, const char *text,
                      const struct match_clause **out)
{
	struct words w = {.n = 0};
	struct word_ctx wc = {a, &w};
	struct match_clause *c;
	size_t len, n = 0;
	char *f;

	*out = NULL;
	f = text ? text_fold(text, strlen(text), &len) : NULL;
	if (!f)
		return 0;
	text_tokens(f, len, keep_word, &wc);
	free(f);
	c = arena_zalloc(a, (w.n ? w.n : 1) * sizeof(*c));
	for (size_t i = 0; i < w.n;) {
		size_t k = w.n - i < MAX_PHRASE ? w.n - i : MAX_PHRASE;
		const char *skill = NULL;
		for (; k >= 1 && !(skill = phrase_skill(tx, &w, i, k)); k--)
			;
		if (skill) {
			skill_clause(tx, a, skill, k == 1 ? w.v[i] : NULL, &c[n++]);
			i += k;
			continue;
		}
		const char **one = arena_alloc(a, sizeof(*one));
		one[0] = w.v[i++];
		c[n++] = (struct match_clause){one, 1};
	}
	*out = c;
	return n;
}

int search_run(struct search *s, const struct match_query *q, struct match_hit *hits,
               struct match_facets **facets, size_t max_facet_values)
{
	int n;

	pthread_rwlock_rdlock(&s->lock);
	n = match_search(s->ix, q, hits);
	if (facets)
		*facets = n < 0 ? NULL : match_facets(s->ix, q, max_facet_values);
	pthread_rwlock_unlock(&s->lock);
	return n;
}

/* ---- Explanations as JSON ------------------------------------------------------ */

static const char *const cover_names[] = {"none", "below", "full", "related"};

static json_t *explained_json(const struct match_explained *x, const struct match_need *n)
{
	json_t *factors = json_array(), *skills = json_array();

	for (int f = 0; f < FACTOR_COUNT; f++)
		json_array_append_new(factors,
		                      json_pack("{s:s, s:f, s:f, s:f, s:b}", "factor",
		                                match_factor_name[f], "value", x->value[f],
		                                "weight", match_factor_weight[f], "contribution",
		                                x->contribution[f], "missing", x->missing[f]));
	for (size_t i = 0; n && i < n->nskills; i++) {
		const struct match_skill_cover *c = &x->skills[i];
		json_array_append_new(skills,
		                      json_pack("{s:s, s:b, s:i, s:s, s:i, s:s?}", "skill",
		                                n->skills[i].id, "required", n->skills[i].required,
		                                "min_level", n->skills[i].min_level, "cover",
		                                cover_names[c->cover < 4 ? c->cover : 0], "level",
		                                c->level, "related", c->related));
	}
	return json_pack("{s:I, s:s?, s:f, s:o, s:o, s:i}", "id", (json_int_t)x->id, "ref", x->ref,
	                 "score", x->score, "factors", factors, "skills", skills,
	                 "tz_overlap_hours", x->tz_overlap_hours);
}

static int32_t today_of(int64_t now)
{
	return (int32_t)(now / 86400);
}

json_t *search_match(struct search *s, const struct match_need *n, int64_t now, size_t offset,
                     size_t limit)
{
	struct match_explained *x = xcalloc(limit ? limit : 1, sizeof(*x));
	json_t *list = NULL;
	int got;

	pthread_rwlock_rdlock(&s->lock);
	got = match_need(s->ix, n, today_of(now), DORMANT_AFTER_DAYS, offset, limit, x);
	pthread_rwlock_unlock(&s->lock);
	if (got >= 0) {
		list = json_array();
		for (int i = 0; i < got; i++)
			json_array_append_new(list, explained_json(&x[i], n));
	}
	free(x);
	return list;
}

json_t *search_recommend(struct search *s, int64_t expert_id, int64_t now, size_t limit)
{
	struct match_explained *x = xcalloc(limit ? limit : 1, sizeof(*x));
	json_t *list = NULL;
	int got;

	pthread_rwlock_rdlock(&s->lock);
	got = match_recommend(s->ix, expert_id, today_of(now), DORMANT_AFTER_DAYS, limit, x);
	pthread_rwlock_unlock(&s->lock);
	if (got >= 0) {
		list = json_array();
		for (int i = 0; i < got; i++)
			json_array_append_new(list, explained_json(&x[i], NULL));
	}
	free(x);
	return list;
}

/* ---- Need files ----------------------------------------------------------------- */

static const char *jstr(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

static int bit_of(const char *word, const char *const *words, int n, unsigned *out)
{
	*out = 0;
	for (int i = 0; word && i < n; i++)
		if (strcmp(word, words[i]) == 0)
			*out = 1u << i;
	return word && !*out ? -1 : 0;
}

static int parse_need_skills(const struct taxonomy *tx, struct arena *a, json_t *list,
                             struct match_need *out, char *err, size_t errlen)
{
	struct match_need_skill *v = arena_zalloc(a, MATCH_NEED_SKILLS * sizeof(*v));
	size_t i;
	json_t *e;

	if (list && (!json_is_array(list) || json_array_size(list) > MATCH_NEED_SKILLS)) {
		snprintf(err, errlen, "skills: a list of at most %d skills", MATCH_NEED_SKILLS);
		return -1;
	}
	json_array_foreach(list, i, e)
	{
		const char *name = jstr(e, "name"), *id = taxonomy_resolve(tx, TAX_SKILL, name);
		json_t *lvl = json_object_get(e, "min_level");
		int level = lvl ? (int)json_integer_value(lvl) : 1;
		if (!id) {
			snprintf(err, errlen, "skills[%zu]: unknown skill \"%s\"", i,
			         name ? name : "");
			return -1;
		}
		if ((lvl && !json_is_integer(lvl)) || level < 1 || level > 5) {
			snprintf(err, errlen, "skills[%zu].min_level: an integer from 1 to 5", i);
			return -1;
		}
		v[i] = (struct match_need_skill){id, taxonomy_group(tx, TAX_SKILL, id),
		                                 json_is_true(json_object_get(e, "required")),
		                                 level};
	}
	out->skills = v;
	out->nskills = i;
	return 0;
}

static int parse_need_langs(const struct taxonomy *tx, struct arena *a, json_t *list,
                            struct match_need *out, char *err, size_t errlen)
{
	struct match_lang *v;
	size_t i;
	json_t *e;

	if (list && !json_is_array(list)) {
		snprintf(err, errlen, "languages: a list");
		return -1;
	}
	v = arena_zalloc(a, (json_array_size(list) + 1) * sizeof(*v));
	json_array_foreach(list, i, e)
	{
		const char *code = taxonomy_resolve(tx, TAX_LANGUAGE, jstr(e, "code"));
		int l = profile_cefr(jstr(e, "level"));
		if (!code || !l) {
			snprintf(err, errlen,
			         "languages[%zu]: a known language code and a level A1 to C2", i);
			return -1;
		}
		v[i] = (struct match_lang){code, l};
	}
	out->langs = v;
	out->nlangs = i;
	return 0;
}

int search_need_parse(const struct taxonomy *tx, struct arena *a, json_t *j, struct match_need *out,
                      char *err, size_t errlen)
{
	static const char *const modes[] = {"ponctuelle", "continue"};
	static const char *const presences[] = {"remote", "onsite", "hybrid"};
	struct token_list tok = {0};
	const char *sector = jstr(j, "sector"), *region = jstr(j, "region"),
	           *city = jstr(j, "city");
	json_t *hours = json_object_get(j, "hours_per_month");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j)) {
		snprintf(err, errlen, "a need is a JSON object");
		return -1;
	}
	out->ref = jstr(j, "ref");
	out->sector = sector ? taxonomy_resolve(tx, TAX_SECTOR, sector) : NULL;
	out->region = region ? taxonomy_resolve(tx, TAX_REGION, region) : NULL;
	if ((sector && !out->sector) || (region && !out->region)) {
		snprintf(err, errlen, "%s: unknown \"%s\"",
		         sector && !out->sector ? "sector" : "region",
		         sector && !out->sector ? sector : region);
		return -1;
	}
	if (bit_of(jstr(j, "mode"), modes, 2, &out->mode) < 0 ||
	    bit_of(jstr(j, "presence"), presences, 3, &out->presence) < 0) {
		snprintf(err, errlen,
		         "mode is ponctuelle or continue; presence remote, onsite or hybrid");
		return -1;
	}
	out->from = search_day(jstr(j, "from"));
	out->to = search_day(jstr(j, "to"));
	if ((jstr(j, "from") && !out->from) || (jstr(j, "to") && !out->to) ||
	    (out->from && out->to && out->to < out->from)) {
		snprintf(err, errlen, "from and to: dates YYYY-MM-DD, from before to");
		return -1;
	}
	if (hours && (!json_is_integer(hours) || json_integer_value(hours) < 1 ||
	              json_integer_value(hours) > 200)) {
		snprintf(err, errlen, "hours_per_month: an integer from 1 to 200");
		return -1;
	}
	out->hours_per_month = hours ? (int)json_integer_value(hours) : 0;
	if (city) {
		char *f = text_fold(city, strlen(city), NULL);
		out->city = f ? arena_strdup(a, f) : NULL;
		free(f);
	}
	search_tokens(a, &tok, jstr(j, "title"));
	search_tokens(a, &tok, jstr(j, "description"));
	out->tokens = (struct match_strs){tok.v, tok.n};
	if (parse_need_skills(tx, a, json_object_get(j, "skills"), out, err, errlen) < 0)
		return -1;
	return parse_need_langs(tx, a, json_object_get(j, "languages"), out, err, errlen);
}
