/* files: experts' CVs (see files.h). Sections: the checks; storage in the
 * files folder; the rows; the pages (upload, the owner's download, removal,
 * another person's download). */
#include "app/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/sql.h"
#include "app/visibility.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/utf8.h"
#include "sec/token.h"
#include "web/multipart.h"
#include "web/urlenc.h"

#define PDF_MAGIC "%PDF-"
#define PDF_TRAILER "%%EOF"
#define TRAILER_WINDOW 1024
#define NAME_MAX_BYTES 120
/* Who may download someone else's CV: whoever may see the contact part of
 * their profile (a CV carries contact details). */
#define CV_PART PART_CONTACT

/* ---- The checks ---------------------------------------------------------- */

const char *cv_problem(const char *data, size_t len)
{
	size_t tail = len < TRAILER_WINDOW ? len : TRAILER_WINDOW;

	if (len == 0)
		return "cv.error.missing";
	if (len > CV_MAX_BYTES)
		return "cv.error.too_large";
	if (len < sizeof(PDF_MAGIC) - 1 || memcmp(data, PDF_MAGIC, sizeof(PDF_MAGIC) - 1) != 0)
		return "cv.error.not_pdf";
	if (!memmem(data + len - tail, tail, PDF_TRAILER, sizeof(PDF_TRAILER) - 1))
		return "cv.error.not_pdf";
	return NULL;
}

/* Bytes kept from a name: no controls, quotes, backslashes or slashes. */
static int name_byte_ok(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '"' && c != '\\' && c != '/';
}

void files_clean_name(const char *name, size_t len, char *out, size_t n)
{
	const char *start = name;
	size_t k = 0;

	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\\')
			start = name + i + 1;
	while (start < name + len && (*start == '.' || *start == ' '))
		start++; /* no hidden or dot-only names */
	for (const char *p = start; p < name + len && k + 1 < n && k < NAME_MAX_BYTES; p++)
		if (name_byte_ok((unsigned char)*p))
			out[k++] = *p;
	while (k > 0 && !utf8_valid(out, k))
		k--; /* a sequence cut at the end, or invalid bytes: drop from the end */
	out[k] = '\0';
	if (k == 0)
		snprintf(out, n, "cv.pdf");
}

/* ---- Storage --------------------------------------------------------------- */

static const char *stored_path(struct arena *a, const struct config *cfg, const char *name)
{
	return arena_printf(a, "%s/%s", cfg->files_dir, name);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	return close(fd) < 0 || rc < 0 ? -1 : 0;
}

int files_store(struct arena *a, const struct config *cfg, const char *name, const char *data,
                size_t len)
{
	const char *path = stored_path(a, cfg, name);
	const char *tmp = arena_printf(a, "%s/.tmp-%s", cfg->files_dir, name);
	int fd = -1, rc = -1;

	if (file_mkdirs(cfg->files_dir) < 0)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || file_write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0 || sync_dir(cfg->files_dir) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		log_error("files: cannot store %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

int files_read(const struct config *cfg, const char *stored_as, struct buf *out)
{
	struct arena a = ARENA_INIT;
	const char *path = stored_path(&a, cfg, stored_as);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char chunk[65536];
	ssize_t n = 0;
	int rc = -1;

	if (fd < 0)
		goto out;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && buf_add(out, chunk, (size_t)n) < 0)
			break;
	rc = n == 0 ? 0 : -1;
	close(fd);
out:
	if (rc < 0)
		log_error("files: cannot read %s", path);
	arena_free(&a);
	return rc;
}

void files_unlink(const struct config *cfg, const char *name)
{
	struct arena a = ARENA_INIT;
	const char *path = stored_path(&a, cfg, name);

	if (unlink(path) < 0 && errno != ENOENT)
		log_error("files: cannot remove %s: %s", path, strerror(errno));
	arena_free(&a);
}

void files_unlink_all(const struct config *cfg, json_t *names)
{
	size_t i;
	json_t *v;

	json_array_foreach(names, i, v)
	{
		const char *name = json_string_value(v);
		if (name && token_well_formed(name))
			files_unlink(cfg, name);
	}
}

/* ---- The sweep of orphans ------------------------------------------------------- */

/* More orphans than this, and more than the files rows refer to: more
 * than interrupted requests leave (at most one or two per request in
 * flight), so more likely a server started on the wrong database. */
#define SWEEP_MAX 64

/* Every stored name a row refers to (CVs, dossiers' documents), as the
 * keys of a JSON object (new reference), or NULL on a database error. */
static json_t *referenced_names(struct db *db)
{
	struct db_stmt *st = db_prepare(db, "SELECT stored_as FROM files UNION ALL "
	                                    "SELECT stored_as FROM project_documents");
	json_t *names = json_object();
	enum db_rc rc = DB_ERROR;

	while (st && (rc = db_step(st)) == DB_ROW)
		json_object_set_new(names, db_col_text(st, 0), json_true());
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(names);
		return NULL;
	}
	return names;
}

/* 1 when the folder entry `name` is a file this sweep removes: a stored
 * name (or the temporary file of one) no row refers to, last changed
 * before `before` (Unix seconds). */
static int orphan(int dir, const char *name, json_t *refs, time_t before)
{
	struct stat st;
	const char *stored = strncmp(name, ".tmp-", 5) == 0 ? name + 5 : name;

	if (!token_well_formed(stored) || (stored == name && json_object_get(refs, name)))
		return 0;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return st.st_mtim.tv_sec < before;
}

/* The folder's orphans (orphan()) as a JSON array of names (new
 * reference), and in *kept the number of stored files rows refer to. */
static json_t *orphans_in(DIR *d, json_t *refs, time_t before, size_t *kept)
{
	json_t *names = json_array();
	struct dirent *e;

	*kept = 0;
	while ((e = readdir(d)) != NULL) {
		if (orphan(dirfd(d), e->d_name, refs, before))
			json_array_append_new(names, json_string(e->d_name));
		else if (json_object_get(refs, e->d_name))
			(*kept)++;
	}
	return names;
}

int files_sweep(struct db *db, const struct config *cfg)
{
	/* Real time, like the files' own: the app clock may be a test's. */
	time_t before = time(NULL) - (time_t)cfg->files_orphan_minutes * 60;
	DIR *d = opendir(cfg->files_dir);
	json_t *refs = NULL, *names = NULL, *v;
	size_t kept, i;
	int removed = -1;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		log_error("files: cannot sweep %s: %s", cfg->files_dir, strerror(errno));
		return -1;
	}
	refs = referenced_names(db);
	if (refs == NULL) {
		log_error("files: cannot sweep %s: the database cannot be read", cfg->files_dir);
		goto out;
	}
	names = orphans_in(d, refs, before, &kept);
	if (json_array_size(names) > SWEEP_MAX && json_array_size(names) > kept) {
		log_error("files: %zu files of %s have no row in this database and only %zu have "
		          "one: is it the right database? Nothing removed",
		          json_array_size(names), cfg->files_dir, kept);
		goto out;
	}
	removed = 0;
	json_array_foreach(names, i, v)
	{
		if (unlinkat(dirfd(d), json_string_value(v), 0) == 0)
			removed++;
		else
			log_error("files: cannot remove %s/%s: %s", cfg->files_dir,
			          json_string_value(v), strerror(errno));
	}
	if (removed > 0 && sync_dir(cfg->files_dir) < 0)
		log_error("files: cannot sync %s: %s", cfg->files_dir, strerror(errno));
	if (removed > 0)
		log_warn("files: removed %d file(s) of %s that no row refers to (an upload, a "
		         "removal or an erasure was interrupted)",
		         removed, cfg->files_dir);
out:
	json_decref(names);
	json_decref(refs);
	closedir(d);
	return removed;
}

#define SWEEP_EVERY 3600 /* seconds between two sweeps of a running server */

void files_sweep_tick(struct app *app, int64_t *last)
{
	struct db *db;

	if (!clock_due(clock_now(app->cfg), last, SWEEP_EVERY))
		return;
	db = db_pool_get(app->pool);
	if (db)
		(void)files_sweep(db, app->cfg);
	db_pool_put(app->pool, db);
}

#define SHA256_HEX (crypto_hash_sha256_BYTES * 2 + 1)

static void sha256_hex(const char *data, size_t len, char out[SHA256_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)data, len);
	sodium_bin2hex(out, SHA256_HEX, h, sizeof(h));
}

/* ---- Rows -------------------------------------------------------------------- */

json_t *files_stored_names(struct db *db, int64_t user_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT stored_as FROM files WHERE user_id = $1");
	json_t *list = json_array();
	enum db_rc rc = DB_ERROR;

	if (st && db_bind_int(st, 1, user_id) == DB_OK)
		while ((rc = db_step(st)) == DB_ROW)
			json_array_append_new(list, json_string(db_col_text(st, 0)));
	db_finalize(st);
	if (rc != DB_OK) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* The current CV of a person. */
struct cv {
	const char *id, *name, *size, *stored_as, *created_at;
};

/* 1 with *cv filled, 0 when there is none, -1 on error. */
static int cv_load(struct db *db, struct arena *a, int64_t user_id, struct cv *cv)
{
	const char *row[5];
	int rc = sql_row(db, a,
	                 "SELECT id, name, size, stored_as, created_at FROM files WHERE user_id = "
	                 "$1 AND kind = 'cv' ORDER BY created_at DESC, id DESC LIMIT 1",
	                 1, (const char *[]){sql_int(a, user_id)}, row, 5);

	if (rc == 1)
		*cv = (struct cv){row[0], row[1], row[2], row[3], row[4]};
	return rc < 0 ? -1 : rc;
}

/* ---- Pages --------------------------------------------------------------------- */

struct cvreq {
	struct app *app;
	struct request *req;
	struct response *resp;
	struct identity *id;
	const char *uid;
	json_t *old;           /* stored names replaced or removed, unlinked after commit */
	const char *new_name;  /* the new file's stored name */
	const char *file_name; /* as uploaded, cleaned */
	const struct mp_part *part;
};

static void cvreq_init(struct cvreq *c, void *ctx, struct request *req, struct response *resp)
{
	memset(c, 0, sizeof(*c));
	c->app = ctx;
	c->req = req;
	c->resp = resp;
	c->id = auth_identity(req);
	c->uid = sql_int(&req->arena, c->id->user_id);
}

static int audit_cv(struct cvreq *c, struct db *db, const char *action, const char *target,
                    const char *file_id)
{
	struct audit_entry e = {
	        c->id->user_id, action,
	        "user",         target,
	        req_ip(c->req), arena_printf(&c->req->arena, "{\"file\":%s}", file_id)};
	return audit_append(db, clock_now(c->app->cfg), &e);
}

static json_t *cv_json(const struct cv *cv)
{
	int64_t size = 0;

	if (parse_int64(cv->size, 0, INT64_MAX, &size) < 0)
		size = 0;
	return json_pack("{s:s, s:I, s:s}", "name", cv->name, "kib",
	                 (json_int_t)((size + 1023) / 1024), "uploaded", cv->created_at);
}

/* The upload page: the current CV, the form, an error or a notice. */
static void show(struct cvreq *c, int status, const char *error)
{
	struct db *db = db_pool_get(c->app->pool);
	struct cv cv;
	int rc = cv_load(db, &c->req->arena, c->id->user_id, &cv);
	const char *done = kvlist_get(&c->req->query, "done");

	db_pool_put(c->app->pool, db);
	if (rc < 0) {
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	json_t *data = json_pack("{s:o, s:s?, s:i}", "cv", rc == 1 ? cv_json(&cv) : json_null(),
	                         "error", error, "max_mb", CV_MAX_BYTES >> 20);
	if (done && (strcmp(done, "uploaded") == 0 || strcmp(done, "removed") == 0))
		json_object_set_new(data, "done",
		                    json_string(strcmp(done, "uploaded") == 0 ? "cv.done.uploaded"
		                                                              : "cv.done.removed"));
	page_render(c->app, c->req, c->resp, status, "cv_upload", "cv.title", data);
}

static void back(struct cvreq *c, const char *done)
{
	resp_redirect(c->req, c->resp, 303,
	              arena_printf(&c->req->arena, "/%s/profile/cv/upload?done=%s",
	                           lang_code(page_lang(c->req)), done));
}

/* The file part of the form, or NULL (none, or an url-encoded post). */
static const struct mp_part *file_part(struct request *req, struct mp_form *form)
{
	const char *why;

	if (multipart_parse(req_header(req, "Content-Type"), buf_str(&req->body), req->body.len,
	                    form, &why) < 0)
		return NULL;
	return multipart_get(form, "cv");
}

static int upload_tx(struct db *db, void *ud)
{
	struct cvreq *c = ud;
	struct arena *a = &c->req->arena;
	char now[ISO_TIME_LEN + 1], hash[SHA256_HEX];
	const char *id = sql_int(a, new_id(c->app->cfg));

	iso_time(clock_now(c->app->cfg), now);
	sha256_hex(c->part->data, c->part->len, hash);
	c->old = files_stored_names(db, c->id->user_id);
	if (!c->old ||
	    sql_exec(db, "DELETE FROM files WHERE user_id = $1 AND kind = 'cv'", 1,
	             (const char *[]){c->uid}) < 0 ||
	    sql_exec(db,
	             "INSERT INTO files (id, user_id, kind, name, size, sha256, stored_as, "
	             "created_at) VALUES ($1, $2, 'cv', $3, CAST($4 AS INTEGER), $5, $6, $7)",
	             7,
	             (const char *[]){id, c->uid, c->file_name, sql_int(a, (int64_t)c->part->len),
	                              hash, c->new_name, now}) != 1)
		return -1;
	return audit_cv(c, db, "cv_uploaded", c->uid, id);
}

static void upload(struct cvreq *c)
{
	struct mp_form form;
	char token[TOKEN_LEN + 1], name[NAME_MAX_BYTES + 8];
	const char *problem;

	c->part = file_part(c->req, &form);
	problem = c->part && c->part->filename ? cv_problem(c->part->data, c->part->len)
	                                       : "cv.error.missing";
	if (problem) {
		show(c, 422, problem);
		return;
	}
	files_clean_name(c->part->filename, c->part->filename_len, name, sizeof(name));
	token_new(token);
	c->new_name = token;
	c->file_name = name;
	if (files_store(&c->req->arena, c->app->cfg, token, c->part->data, c->part->len) < 0 ||
	    sql_tx(c->app->pool, upload_tx, c) < 0) {
		files_unlink(c->app->cfg, token); /* the row was not written */
		json_decref(c->old);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	files_unlink_all(c->app->cfg, c->old);
	json_decref(c->old);
	back(c, "uploaded");
}

void h_cv_upload(void *ctx, struct request *req, struct response *resp)
{
	struct cvreq c;

	cvreq_init(&c, ctx, req, resp);
	if (req->method & HTTP_POST)
		upload(&c);
	else
		show(&c, 200, NULL);
}

static int remove_tx(struct db *db, void *ud)
{
	struct cvreq *c = ud;

	c->old = files_stored_names(db, c->id->user_id);
	if (!c->old || sql_exec(db, "DELETE FROM files WHERE user_id = $1 AND kind = 'cv'", 1,
	                        (const char *[]){c->uid}) < 0)
		return -1;
	if (json_array_size(c->old) == 0)
		return 0;
	return audit_cv(c, db, "cv_deleted", c->uid, "null");
}

void h_cv_remove(void *ctx, struct request *req, struct response *resp)
{
	struct cvreq c;

	cvreq_init(&c, ctx, req, resp);
	if (sql_tx(c.app->pool, remove_tx, &c) < 0) {
		json_decref(c.old);
		page_unavailable(c.app, req, resp);
		return;
	}
	files_unlink_all(c.app->cfg, c.old);
	json_decref(c.old);
	back(&c, "removed");
}

/* Content-Disposition: attachment, with the uploaded name in RFC 6266 form
 * (an ASCII fallback, and the UTF-8 name percent-encoded). */
static const char *disposition(struct request *req, const char *name)
{
	struct buf enc = BUF_INIT;
	const char *v;

	url_encode(&enc, name, strlen(name));
	v = arena_printf(&req->arena, "attachment; filename=\"cv.pdf\"; filename*=UTF-8''%s",
	                 buf_str(&enc));
	buf_release(&enc);
	return v;
}

static void send_pdf(struct cvreq *c, const struct cv *cv)
{
	struct buf body;

	buf_init(&body, CV_READ_MAX);
	if (files_read(c->app->cfg, cv->stored_as, &body) < 0) {
		buf_release(&body);
		page_unavailable(c->app, c->req, c->resp);
		return;
	}
	buf_release(&c->resp->body);
	c->resp->body = body; /* freed by the server */
	c->resp->status = 200;
	c->resp->content_type = "application/pdf";
	resp_header(c->req, c->resp, "Content-Disposition", disposition(c->req, cv->name));
	resp_header(c->req, c->resp, "Cache-Control", "private, no-store");
}

static void not_found(struct cvreq *c)
{
	struct route_error e = {404, "not_found", NULL, 0};
	app_on_error(c->app, c->req, c->resp, &e);
}

/* Sends user_id's CV to its owner. */
static void send_own(struct cvreq *c)
{
	struct db *db = db_pool_get(c->app->pool);
	struct cv cv;
	int rc = cv_load(db, &c->req->arena, c->id->user_id, &cv);

	db_pool_put(c->app->pool, db);
	if (rc < 0)
		page_unavailable(c->app, c->req, c->resp);
	else if (rc == 0)
		not_found(c);
	else
		send_pdf(c, &cv);
}

void h_cv_download(void *ctx, struct request *req, struct response *resp)
{
	struct cvreq c;

	cvreq_init(&c, ctx, req, resp);
	send_own(&c);
}

/* Someone else's CV: seen only by whom visibility lets see the contact
 * part, and each view audited before a byte is sent. */
struct view {
	struct cvreq *c;
	int64_t owner;
	struct cv cv;
	int found; /* 1 visible and present, 0 not, -1 error */
};

static int view_tx(struct db *db, void *ud)
{
	struct view *v = ud;
	struct cvreq *c = v->c;
	struct visibility_facts f;
	int rc = visibility_facts_load(db, c->id, v->owner, clock_now(c->app->cfg), &f);

	if (rc == 1 && !visibility_allows(visibility_of(c->id, &f), CV_PART))
		rc = 0; /* as if there were no such profile */
	if (rc == 1)
		rc = cv_load(db, &c->req->arena, v->owner, &v->cv);
	if (rc == 1 &&
	    audit_cv(c, db, "cv_viewed", sql_int(&c->req->arena, v->owner), v->cv.id) < 0)
		rc = -1;
	v->found = rc;
	return rc;
}

void h_expert_cv(void *ctx, struct request *req, struct response *resp)
{
	struct cvreq c;
	struct view v = {&c, 0, {0}, 0};

	cvreq_init(&c, ctx, req, resp);
	if (parse_int64(req_param(req, "id"), 1, INT64_MAX, &v.owner) < 0) {
		not_found(&c);
		return;
	}
	if (v.owner == c.id->user_id) {
		send_own(&c);
		return;
	}
	if (sql_tx(c.app->pool, view_tx, &v) < 0 || v.found < 0)
		page_unavailable(c.app, req, resp);
	else if (v.found == 0)
		not_found(&c);
	else
		send_pdf(&c, &v.cv);
}
