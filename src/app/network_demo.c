/* network_demo: the networks of `kafaat demo` brought to life, once the
 * synthetic experts are imported (networks.h: networks_demo_load).
 *
 * From data/demo/network_charters.tsv: each network's membership policy,
 * its charter in three languages and one announcement. Then, by rules
 * written as tables below: every expert joins the geographic network of
 * their country of residence and the thematic networks of their sectors or
 * skill domains (on approval networks, one expert in seven is left
 * waiting); the members with the smallest ids coordinate (two where the
 * network has at least 20 members). Everything is derived from the data in
 * the database, so the same import gives the same result. Nobody is
 * notified: this is history, not news. One audit row records the load. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/clock.h"
#include "app/config.h"
#include "app/networks.h"
#include "app/sql.h"
#include "core/arena.h"
#include "core/tsv.h"
#include "db/db.h"

#define TWO_COORDINATORS_FROM 20 /* members */
#define PENDING_ONE_IN 7         /* on approval networks */

/* Geographic networks: the countries of residence of their members. */
static const struct {
	const char *slug;
	const char *countries; /* an SQL list of ISO 3166-1 codes */
} geographic[] = {
        {"north-america", "('CA', 'US')"},
        {"europe", "('AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', "
                   "'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', "
                   "'SI', 'ES', 'SE', 'GB', 'CH')"},
        {"singapore", "('SG')"},
};

/* Thematic networks: a sector of the profile (data/sectors.tsv) or a skill
 * of a domain (data/skill_domains.tsv). */
static const struct {
	const char *slug, *sector, *domain;
} thematic[] = {
        {"lawyers", "law-justice", "law"},
        {"doctors", "health", "health-medicine"},
        {"aeronautics", "aeronautics", "aeronautics"},
};

struct demo {
	struct app *app;
	struct db *db;
	int64_t now;
	char at[ISO_TIME_LEN + 1];
	int rows;
	char *err;
	size_t errlen;
};

static int fail(struct demo *d, const char *what)
{
	snprintf(d->err, d->errlen, "%s: %s", what, db_errmsg(d->db));
	return -1;
}

/* "\n" written as two characters in a TSV field becomes a line break. */
static char *unescape(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* ---- Memberships ---------------------------------------------------------------------- */

/* Adds the experts `who` (an SQL condition on profiles p) to slug, in state
 * 'member', or 'pending' for one in PENDING_ONE_IN on approval networks. */
static int add_members(struct demo *d, const char *slug, const char *who)
{
	struct arena a = ARENA_INIT;
	const char *sql = arena_printf(
	        &a,
	        "INSERT INTO network_members (network, user_id, state, message, requested_at, "
	        "joined_at) SELECT n.slug, p.user_id, CASE WHEN n.membership = 'approval' AND "
	        "p.user_id %% %d = 0 THEN 'pending' ELSE 'member' END, '', $2, CASE WHEN "
	        "n.membership = 'approval' AND p.user_id %% %d = 0 THEN NULL ELSE $2 END FROM "
	        "profiles p JOIN networks n ON n.slug = $1 WHERE %s ON CONFLICT (network, user_id) "
	        "DO NOTHING",
	        PENDING_ONE_IN, PENDING_ONE_IN, who);
	int64_t n = sql_exec(d->db, sql, 2, (const char *[]){slug, d->at});

	arena_free(&a);
	if (n < 0)
		return fail(d, slug);
	d->rows += (int)n;
	return 0;
}

static int memberships(struct demo *d)
{
	struct arena a = ARENA_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(geographic) / sizeof(geographic[0]); i++)
		rc = add_members(d, geographic[i].slug,
		                 arena_printf(&a, "p.country IN %s", geographic[i].countries));
	for (size_t i = 0; rc == 0 && i < sizeof(thematic) / sizeof(thematic[0]); i++)
		rc = add_members(
		        d, thematic[i].slug,
		        arena_printf(&a,
		                     "EXISTS (SELECT 1 FROM profile_sectors s WHERE s.user_id = "
		                     "p.user_id AND s.sector_id = '%s') OR EXISTS (SELECT 1 FROM "
		                     "profile_skills k JOIN skills t ON t.id = k.skill_id WHERE "
		                     "k.user_id = p.user_id AND t.domain_id = '%s')",
		                     thematic[i].sector, thematic[i].domain));
	arena_free(&a);
	return rc;
}

/* ---- Coordinators and announcements ---------------------------------------------------- */

/* The coordinators of slug: its first members by id. Returns the first
 * (the author of the announcement), 0 when the network has no member, -1. */
static int64_t coordinators(struct demo *d, const char *slug)
{
	struct db_stmt *st = db_prepare(d->db, "SELECT user_id, (SELECT COUNT(*) FROM "
	                                       "network_members WHERE network = $1 AND state = "
	                                       "'member') FROM network_members WHERE network = $1 "
	                                       "AND state = 'member' ORDER BY user_id LIMIT 2");
	int64_t ids[2] = {0, 0}, total = 0;
	enum db_rc rc = DB_ERROR;
	int n = 0;

	if (st && db_bind_text(st, 1, slug) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW && n < 2) {
			ids[n++] = db_col_int(st, 0);
			total = db_col_int(st, 1);
		}
	db_finalize(st);
	if (rc != DB_OK && rc != DB_ROW)
		return fail(d, slug);
	if (total < TWO_COORDINATORS_FROM && n > 1)
		n = 1;
	for (int i = 0; i < n; i++) {
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)ids[i]);
		if (sql_exec(
		            d->db,
		            "INSERT INTO user_roles (user_id, role, scope, granted_at) VALUES ($1, "
		            "'coordinator', $2, $3) ON CONFLICT (user_id, role, scope) DO NOTHING",
		            3, (const char *[]){id, slug, d->at}) < 0)
			return fail(d, slug);
		d->rows++;
	}
	return ids[0];
}

static int announce(struct demo *d, const char *slug, int64_t author, const char *title,
                    const char *body)
{
	struct arena a = ARENA_INIT;
	char at[ISO_TIME_LEN + 1];
	int64_t n;

	iso_time(d->now - 7 * 86400, at); /* posted a week ago */
	n = sql_exec(d->db,
	             "INSERT INTO network_announcements (id, network, author_id, title, body, "
	             "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
	             6,
	             (const char *[]){sql_int(&a, new_id(d->app->cfg)), slug,
	                              author > 0 ? sql_int(&a, author) : NULL, title, body, at});
	arena_free(&a);
	if (n != 1)
		return fail(d, slug);
	d->rows++;
	return 0;
}

/* ---- The charters file -------------------------------------------------------------------- */

static const char *const charter_cols[] = {
        "slug",       "membership",         "charter_ar",       "charter_fr",
        "charter_en", "announcement_title", "announcement_body"};

/* One network of the file: its policy and charter, its members (once, before
 * the first row: memberships() runs after every policy is set), coordinators
 * and announcement. */
static int charter_row(void *ud, char **f, int line, char *err, size_t errlen)
{
	struct demo *d = ud;
	struct arena a = ARENA_INIT;
	int64_t n;

	if (!network_slug_valid(f[0]) || !network_membership_valid(f[1])) {
		snprintf(err, errlen, "network_charters.tsv:%d: bad slug or membership", line);
		return -1;
	}
	n = sql_exec(d->db,
	             "UPDATE networks SET membership = $2, charter_ar = $3, charter_fr = $4, "
	             "charter_en = $5, updated_at = $6 WHERE slug = $1",
	             6,
	             (const char *[]){f[0], f[1], unescape(&a, f[2]), unescape(&a, f[3]),
	                              unescape(&a, f[4]), d->at});
	arena_free(&a);
	if (n != 1) {
		snprintf(err, errlen,
		         "network_charters.tsv:%d: no network %s (run `kafaat demo` first)", line,
		         f[0]);
		return -1;
	}
	d->rows++;
	return 0;
}

static int people_row(void *ud, char **f, int line, char *err, size_t errlen)
{
	struct demo *d = ud;
	struct arena a = ARENA_INIT;
	int64_t author = coordinators(d, f[0]);
	int rc = author < 0 ? -1 : announce(d, f[0], author, f[5], unescape(&a, f[6]));

	(void)line; /* err (d->err) already says what failed */
	(void)err;
	(void)errlen;
	arena_free(&a);
	return rc;
}

static int read_file(struct demo *d, tsv_row_fn fn)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/demo/network_charters.tsv", d->app->cfg->data_dir);
	return tsv_read(path, charter_cols, (int)(sizeof(charter_cols) / sizeof(charter_cols[0])),
	                fn, d, d->err, d->errlen) < 0
	               ? -1
	               : 0;
}

static int load(struct demo *d)
{
	struct audit_entry e = {0, "demo_networks_loaded", "", "", "", ""};

	if (read_file(d, charter_row) < 0 || memberships(d) < 0 || read_file(d, people_row) < 0)
		return -1;
	if (audit_append(d->db, d->now, &e) < 0)
		return fail(d, "audit");
	return 0;
}

int networks_demo_load(struct app *app, struct db *db, int64_t now, char *err, size_t errlen)
{
	struct demo d = {app, db, now, "", 0, err, errlen};
	int64_t ready;

	iso_time(now, d.at);
	if (db_query_int(db,
	                 "SELECT CASE WHEN EXISTS (SELECT 1 FROM profiles) AND NOT EXISTS (SELECT "
	                 "1 FROM network_members) AND NOT EXISTS (SELECT 1 FROM "
	                 "network_announcements) THEN 1 ELSE 0 END",
	                 0, NULL, &ready) != DB_OK)
		return fail(&d, "network_members");
	if (!ready)
		return 0; /* no expert yet; or loaded already, or real life began: never twice */
	if (db_begin(db) != DB_OK)
		return fail(&d, "begin");
	if (load(&d) < 0) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) != DB_OK) {
		fail(&d, "commit");
		db_rollback(db);
		return -1;
	}
	return d.rows;
}
