#include "app/consent.h"
#include "app/search.h"

#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/sql.h"
#include "core/arena.h"
#include "db/db.h"

static const char *const audience_names[AUD_COUNT] = {
        [AUD_PROGRAMME] = "programme",   [AUD_INSTITUTIONS] = "institutions",
        [AUD_NETWORKS] = "networks",     [AUD_DIRECTORY] = "directory",
        [AUD_STATISTICS] = "statistics", [AUD_NEWSLETTERS] = "newsletters",
};

const char *consent_audience_name(enum consent_audience a)
{
	return (unsigned)a < AUD_COUNT ? audience_names[a] : NULL;
}

int consent_audience_parse(const char *s, enum consent_audience *out)
{
	for (int i = 0; s && i < AUD_COUNT; i++) {
		if (strcmp(s, audience_names[i]) == 0) {
			*out = (enum consent_audience)i;
			return 0;
		}
	}
	return -1;
}

/* 1 when the stored choice already equals (granted, current notice), 0 when
 * not, -1 on error. */
static int unchanged(struct db *db, struct arena *a, const char *uid, const char *aud, int granted)
{
	const char *row[2];
	int rc = sql_row(db, a,
	                 "SELECT granted, notice_version FROM consents WHERE user_id = $1 AND "
	                 "audience = $2",
	                 2, (const char *[]){uid, aud}, row, 2);

	if (rc < 0)
		return -1;
	return rc == 1 && row[0] && row[1] && strcmp(row[0], granted ? "1" : "0") == 0 &&
	       strcmp(row[1], sql_int(a, PRIVACY_NOTICE_VERSION)) == 0;
}

static int record(struct db *db, struct arena *a, const char *uid, const char *aud, int granted,
                  const char *source, const char *at)
{
	const char *g = granted ? "1" : "0", *v = sql_int(a, PRIVACY_NOTICE_VERSION);

	if (sql_exec(db,
	             "INSERT INTO consents (user_id, audience, granted, notice_version, at) VALUES "
	             "($1, $2, CAST($3 AS INTEGER), CAST($4 AS INTEGER), $5) ON CONFLICT (user_id, "
	             "audience) DO UPDATE SET granted = excluded.granted, notice_version = "
	             "excluded.notice_version, at = excluded.at",
	             5, (const char *[]){uid, aud, g, v, at}) != 1)
		return -1;
	return sql_exec(db,
	                "INSERT INTO consent_events (id, user_id, audience, granted, "
	                "notice_version, "
	                "source, at) VALUES ($1, $2, $3, CAST($4 AS INTEGER), CAST($5 AS INTEGER), "
	                "$6, $7)",
	                7,
	                (const char *[]){sql_int(a, new_id(NULL)), uid, aud, g, v, source, at}) == 1
	               ? 0
	               : -1;
}

int consent_set(struct db *db, int64_t user_id, enum consent_audience a, int granted,
                const char *source, int64_t now)
{
	struct arena mem = ARENA_INIT;
	const char *aud = consent_audience_name(a), *uid;
	char at[ISO_TIME_LEN + 1];
	int rc = -1;

	if (!aud || !source)
		goto out;
	uid = sql_int(&mem, user_id);
	iso_time(now, at);
	rc = unchanged(db, &mem, uid, aud, granted != 0);
	if (rc != 0) {
		rc = rc < 0 ? -1 : 0;
		goto out;
	}
	rc = record(db, &mem, uid, aud, granted != 0, source, at) < 0 ||
	                     search_touch(db, "expert", user_id, now) < 0
	             ? -1
	             : 1;
out:
	arena_free(&mem);
	return rc;
}

int consent_get(struct db *db, int64_t user_id, unsigned *mask)
{
	struct db_stmt *st =
	        db_prepare(db, "SELECT audience FROM consents WHERE user_id = $1 AND granted = 1");
	enum db_rc rc = DB_ERROR;
	enum consent_audience a;

	*mask = 0;
	if (!st || db_bind_int(st, 1, user_id) != DB_OK)
		goto out;
	while ((rc = db_step(st)) == DB_ROW)
		if (consent_audience_parse(db_col_text(st, 0), &a) == 0)
			*mask |= CONSENT_BIT(a);
out:
	db_finalize(st);
	return rc == DB_OK ? 0 : -1;
}
