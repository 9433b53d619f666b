#include "app/users.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/sql.h"
#include "core/parse.h"
#include "core/utf8.h"
#include "sec/password.h"
#include "sec/token.h"
#include "web/http.h"

/* ---- Email addresses ------------------------------------------------------ */

static int email_chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' ||
		    c == ';' || c == '\\')
			return 0;
	}
	return utf8_valid(s, n);
}

const char *email_normalise(struct arena *a, const char *in)
{
	size_t start = 0, end = strlen(in);
	char *e, *at, *dot;

	while (start < end && (in[start] == ' ' || in[start] == '\t'))
		start++;
	while (end > start && (in[end - 1] == ' ' || in[end - 1] == '\t'))
		end--;
	if (end - start < 3 || end - start > EMAIL_MAX || !email_chars_ok(in + start, end - start))
		return NULL;
	e = arena_strndup(a, in + start, end - start);
	for (char *p = e; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	at = strchr(e, '@');
	if (!at || at == e || strchr(at + 1, '@') || at - e > 64)
		return NULL;
	dot = strrchr(at + 1, '.');
	if (!dot || dot == at + 1 || dot[1] == '\0' || strstr(at, ".."))
		return NULL;
	return e;
}

/* ---- Users ----------------------------------------------------------------- */

enum { U_ID, U_EMAIL, U_HASH, U_STATUS, U_VERIFIED, U_TOTP, U_TOTP_ON, U_STEP, U_LANG, U_N };

#define USER_COLS                                                                                  \
	"SELECT id, email, password_hash, status, email_verified_at, totp_secret, "                \
	"totp_enabled_at, totp_last_step, lang FROM users "

static int fill_user(const char **row, struct user *u)
{
	memset(u, 0, sizeof(*u));
	if (parse_int64(row[U_ID], 1, INT64_MAX, &u->id) < 0 ||
	    parse_int64(row[U_STEP], 0, INT64_MAX, &u->totp_last_step) < 0)
		return -1;
	u->email = row[U_EMAIL];
	u->password_hash = row[U_HASH];
	u->status = row[U_STATUS];
	u->verified_at = row[U_VERIFIED];
	u->totp_secret = row[U_TOTP];
	u->totp_enabled_at = row[U_TOTP_ON];
	if (lang_parse(row[U_LANG], &u->lang) < 0)
		u->lang = LANG_FR;
	return 1;
}

static int user_query(struct db *db, struct arena *a, const char *sql, const char *param,
                      struct user *u)
{
	const char *row[U_N];
	int rc = sql_row(db, a, sql, 1, (const char *[]){param}, row, U_N);

	return rc == 1 ? fill_user(row, u) : rc < 0 ? -1 : 0;
}

int user_by_email(struct db *db, struct arena *a, const char *email, struct user *u)
{
	return user_query(db, a, USER_COLS "WHERE email = $1", email, u);
}

int user_by_id(struct db *db, struct arena *a, int64_t id, struct user *u)
{
	return user_query(db, a, USER_COLS "WHERE id = $1", sql_int(a, id), u);
}

/* ---- One-time links ------------------------------------------------------- */

const char *ott_create(struct app *app, struct db *db, struct arena *a, int64_t user_id,
                       const char *purpose, const char *data, int64_t ttl)
{
	char *token = arena_alloc(a, TOKEN_LEN + 1);
	char hash[TOKEN_HASH_LEN + 1], now_s[ISO_TIME_LEN + 1], exp_s[ISO_TIME_LEN + 1];
	int64_t now = clock_now(app->cfg);
	const char *uid = sql_int(a, user_id);

	iso_time(now, now_s);
	iso_time(now + ttl, exp_s);
	if (sql_exec(db,
	             "UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 "
	             "AND used_at IS NULL",
	             3, (const char *[]){now_s, uid, purpose}) < 0)
		return NULL;
	token_new(token);
	token_hash(token, hash);
	if (sql_exec(db,
	             "INSERT INTO one_time_tokens (token_hash, user_id, purpose, data, created_at, "
	             "expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
	             6, (const char *[]){hash, uid, purpose, data, now_s, exp_s}) != 1)
		return NULL;
	return token;
}

int ott_check(struct app *app, struct db *db, struct arena *a, const char *token,
              const char *purpose, int consume, int64_t *user_id, const char **data)
{
	char hash[TOKEN_HASH_LEN + 1], now_s[ISO_TIME_LEN + 1];
	const char *row[2];
	int rc;

	if (!token || !token_well_formed(token))
		return 0;
	token_hash(token, hash);
	iso_time(clock_now(app->cfg), now_s);
	rc = sql_row(db, a,
	             "SELECT user_id, data FROM one_time_tokens WHERE token_hash = $1 AND "
	             "purpose = $2 AND used_at IS NULL AND expires_at > $3",
	             3, (const char *[]){hash, purpose, now_s}, row, 2);
	if (rc != 1)
		return rc < 0 ? -1 : 0;
	if (parse_int64(row[0], 1, INT64_MAX, user_id) < 0)
		return -1;
	*data = row[1];
	if (!consume)
		return 1;
	/* Only the request that flips used_at wins a race between two. */
	rc = (int)sql_exec(db,
	                   "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND "
	                   "used_at IS NULL",
	                   2, (const char *[]){now_s, hash});
	return rc == 1 ? 1 : rc < 0 ? -1 : 0;
}

const char *link_to(struct app *app, struct arena *a, enum lang l, const char *path,
                    const char *token)
{
	return arena_printf(a, "%s/%s/%s?token=%s", app->cfg->public_url, lang_code(l), path,
	                    token);
}

/* ---- Throttling -------------------------------------------------------------- */

#define WINDOW 3600

struct tally {
	int64_t count;
	int64_t last;
};

static int tally(struct db *db, struct arena *a, const char *subject, const char *since,
                 struct tally *t)
{
	const char *row[2];

	t->count = 0;
	t->last = 0;
	if (sql_row(db, a,
	            "SELECT COUNT(*), MAX(at) FROM signin_failures WHERE subject = $1 AND at > $2",
	            2, (const char *[]){subject, since}, row, 2) != 1)
		return -1;
	if (parse_int64(row[0], 0, INT64_MAX, &t->count) < 0)
		return -1;
	if (row[1] && iso_parse(row[1], &t->last) < 0)
		return -1;
	return 0;
}

/* Subjects: the account (by a hash of the address, whether or not it
 * exists), the account from this address, and the address. */
static void subjects(struct arena *a, const char *email, const char *ip, const char *out[3])
{
	char h[TOKEN_HASH_LEN + 1];

	token_hash(email, h);
	out[0] = arena_printf(a, "acct:%s", h);
	out[1] = arena_printf(a, "pair:%s:%s", h, ip);
	out[2] = arena_printf(a, "ip:%s", ip);
}

static int64_t pair_wait(const struct tally *t, int64_t now)
{
	int64_t delay;

	if (t->count >= 20)
		return t->last + WINDOW - now;
	if (t->count < 5)
		return 0;
	delay = (int64_t)1 << (t->count - 5 > 10 ? 10 : t->count - 5);
	if (delay > 900)
		delay = 900;
	return t->last + delay - now;
}

int64_t throttle_wait(struct app *app, struct db *db, struct arena *a, const char *email,
                      const char *ip)
{
	const char *subj[3];
	char since[ISO_TIME_LEN + 1];
	int64_t now = clock_now(app->cfg), wait;
	struct tally acct, pair, addr;

	subjects(a, email, ip, subj);
	iso_time(now - WINDOW, since);
	if (tally(db, a, subj[0], since, &acct) < 0 || tally(db, a, subj[1], since, &pair) < 0 ||
	    tally(db, a, subj[2], since, &addr) < 0)
		return -1; /* cannot tell: no attempt is checked */
	wait = pair_wait(&pair, now);
	if (acct.count >= 100 && acct.last + WINDOW - now > wait)
		wait = acct.last + WINDOW - now;
	if (addr.count >= 200 && addr.last + WINDOW - now > wait)
		wait = addr.last + WINDOW - now;
	return wait > 0 ? wait : 0;
}

int throttle_failed(struct app *app, struct db *db, struct arena *a, const char *email,
                    const char *ip)
{
	const char *subj[3];
	char now_s[ISO_TIME_LEN + 1], old[ISO_TIME_LEN + 1];
	int64_t now = clock_now(app->cfg);

	subjects(a, email, ip, subj);
	iso_time(now, now_s);
	iso_time(now - 2 * WINDOW, old);
	for (int i = 0; i < 3; i++)
		if (sql_exec(db, "DELETE FROM signin_failures WHERE subject = $1 AND at < $2", 2,
		             (const char *[]){subj[i], old}) < 0 ||
		    sql_exec(db,
		             "INSERT INTO signin_failures (id, subject, at) VALUES ($1, $2, $3)", 3,
		             (const char *[]){sql_int(a, new_id(app->cfg)), subj[i], now_s}) != 1)
			return -1;
	return 0;
}

int throttle_succeeded(struct db *db, struct arena *a, const char *email, const char *ip)
{
	const char *subj[3];

	subjects(a, email, ip, subj);
	return sql_exec(db, "DELETE FROM signin_failures WHERE subject = $1", 1,
	                (const char *[]){subj[1]}) < 0
	               ? -1
	               : 0;
}

/* ---- Forms ------------------------------------------------------------------- */

const char *form_value(struct request *req, const char *name)
{
	const char *v = req_form(req, name);
	return v ? v : "";
}

void form_init(struct form *f)
{
	f->values = json_object();
	f->errors = json_object();
}

void form_keep(struct form *f, const char *field, const char *value)
{
	json_object_set_new(f->values, field, json_string(value ? value : ""));
}

void form_error(struct form *f, const char *field, const char *key)
{
	if (!json_object_get(f->errors, field))
		json_object_set_new(f->errors, field, json_string(key));
}

int form_has_errors(const struct form *f)
{
	return json_object_size(f->errors) > 0;
}

json_t *form_json(struct form *f)
{
	json_t *list = json_array();
	const char *field;
	json_t *key;

	json_object_foreach(f->errors, field, key)
	        json_array_append_new(list, json_pack("{s:s, s:O}", "field", field, "key", key));
	json_t *out = json_pack("{s:o, s:o, s:o}", "values", f->values, "errors", f->errors,
	                        "error_list", list);
	f->values = f->errors = NULL;
	return out;
}

const char *password_problem_key(struct app *app, const char *pw, const char *pw2)
{
	static const char *const keys[] = {
	        [PASSWORD_OK] = NULL,
	        [PASSWORD_TOO_SHORT] = "form.password.too_short",
	        [PASSWORD_TOO_LONG] = "form.password.too_long",
	        [PASSWORD_NOT_UTF8] = "form.password.invalid",
	        [PASSWORD_COMMON] = "form.password.common",
	};
	enum password_problem p;

	if (!pw || !*pw)
		return "form.password.required";
	p = password_check(app->pw, pw);
	if (p != PASSWORD_OK)
		return keys[p];
	if (!pw2 || strcmp(pw, pw2) != 0)
		return "form.password.mismatch";
	return NULL;
}
