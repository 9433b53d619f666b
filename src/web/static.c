#include "web/static.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/xalloc.h"

#define STATIC_MAX_FILE (8 << 20)

struct variant {
	char *data;
	size_t len;
};

struct static_file {
	char *name;
	const char *type;
	char etag[24];
	struct variant plain, gz, br;
};

struct static_set {
	struct static_file *files;
	size_t count, cap;
};

/* Reads one variant of a file (at most 8 MiB). */
static int read_variant(const char *path, struct variant *v, char *err, size_t errlen)
{
	struct buf b;

	buf_init(&b, STATIC_MAX_FILE);
	if (file_read(path, &b, err, errlen) < 0) {
		buf_release(&b);
		return -1;
	}
	v->data = buf_detach(&b, &v->len);
	return 0;
}

static const struct {
	const char *ext;
	const char *type;
} types[] = {
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
};

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void etag_of(struct static_file *f)
{
	unsigned char h[8];

	crypto_generichash(h, sizeof(h), (const unsigned char *)f->plain.data, f->plain.len, NULL,
	                   0);
	f->etag[0] = '"';
	sodium_bin2hex(f->etag + 1, 17, h, sizeof(h));
	f->etag[17] = '"';
	f->etag[18] = '\0';
}

/* A pre-compressed variant is served only when it is not older than its
 * file: one left from before the file was edited would serve old content
 * under the new ETag. */
static int variant_fresh(const char *alt, const struct stat *plain)
{
	struct stat st;

	return stat(alt, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime >= plain->st_mtime &&
	       access(alt, R_OK) == 0;
}

static int add_file(struct static_set *set, const char *path, const char *name,
                    const struct stat *st, char *err, size_t errlen)
{
	struct static_file f = {0};
	char alt[4200];

	if (read_variant(path, &f.plain, err, errlen) < 0)
		return -1;
	f.name = xstrdup(name);
	f.type = type_of(name);
	etag_of(&f);
	snprintf(alt, sizeof(alt), "%s.gz", path);
	if (variant_fresh(alt, st) && read_variant(alt, &f.gz, err, errlen) < 0)
		goto fail;
	snprintf(alt, sizeof(alt), "%s.br", path);
	if (variant_fresh(alt, st) && read_variant(alt, &f.br, err, errlen) < 0)
		goto fail;
	if (set->count == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 32;
		set->files = xrealloc(set->files, set->cap * sizeof(*set->files));
	}
	set->files[set->count++] = f;
	return 0;
fail:
	free(f.name);
	free(f.plain.data);
	free(f.gz.data);
	return -1;
}

static int load_dir(struct static_set *set, const char *root, const char *rel, int depth, char *err,
                    size_t errlen);

static int load_entry(struct static_set *set, const char *root, const char *rel, const char *entry,
                      int depth, char *err, size_t errlen)
{
	char path[4096], name[1024];
	struct stat st;

	snprintf(name, sizeof(name), "%s%s%s", rel, *rel ? "/" : "", entry);
	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(set, root, name, depth + 1, err, errlen);
	if (!S_ISREG(st.st_mode) || ends_with(name, ".gz") || ends_with(name, ".br"))
		return 0;
	return add_file(set, path, name, &st, err, errlen);
}

static int load_dir(struct static_set *set, const char *root, const char *rel, int depth, char *err,
                    size_t errlen)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (depth > 8) {
		snprintf(err, errlen, "%s/%s: folders nested too deep", root, rel);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			rc = load_entry(set, root, rel, e->d_name, depth, err, errlen);
	closedir(d);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct static_file *)a)->name, ((const struct static_file *)b)->name);
}

int static_load(const char *dir, struct static_set **out, char *err, size_t errlen)
{
	struct static_set *set = xcalloc(1, sizeof(*set));

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		static_free(set);
		return -1;
	}
	if (load_dir(set, dir, "", 0, err, errlen) < 0) {
		static_free(set);
		return -1;
	}
	if (set->count)
		qsort(set->files, set->count, sizeof(*set->files), by_name);
	*out = set;
	return 0;
}

void static_free(struct static_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++) {
		free(set->files[i].name);
		free(set->files[i].plain.data);
		free(set->files[i].gz.data);
		free(set->files[i].br.data);
	}
	free(set->files);
	free(set);
}

size_t static_count(const struct static_set *set)
{
	return set->count;
}

static const struct static_file *find(const struct static_set *set, const char *name)
{
	struct static_file key = {.name = (char *)name};

	if (!set->count)
		return NULL;
	return bsearch(&key, set->files, set->count, sizeof(*set->files), by_name);
}

const char *static_etag(const struct static_set *set, const char *name)
{
	const struct static_file *f = find(set, name);
	return f ? f->etag : NULL;
}

/* Does the Accept-Encoding header list coding (without q=0)? */
static int accepts(const char *header, const char *coding)
{
	size_t n = strlen(coding);

	for (const char *p = header; p && *p;) {
		p += strspn(p, " \t,");
		size_t len = strcspn(p, ",;");
		const char *params = p + len;
		if (len == n && strncasecmp(p, coding, n) == 0)
			return !(*params == ';' &&
			         strstr(params, "q=0") == params + strspn(params, "; "));
		p = strchr(p, ',');
	}
	return 0;
}

static int etag_matches(const char *inm, const char *etag)
{
	return inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

int static_serve(const struct static_set *set, const char *name, struct request *req,
                 struct response *resp)
{
	const struct static_file *f = find(set, name);
	const char *ae = req_header(req, "Accept-Encoding");
	const struct variant *v;

	if (!f)
		return -1;
	resp_header(req, resp, "ETag", f->etag);
	resp_header(req, resp, "Cache-Control", "public, max-age=3600");
	resp_header(req, resp, "Vary", "Accept-Encoding");
	if (etag_matches(req_header(req, "If-None-Match"), f->etag)) {
		resp->status = 304;
		return 0;
	}
	v = &f->plain;
	if (f->br.data && accepts(ae, "br")) {
		v = &f->br;
		resp_header(req, resp, "Content-Encoding", "br");
	} else if (f->gz.data && accepts(ae, "gzip")) {
		v = &f->gz;
		resp_header(req, resp, "Content-Encoding", "gzip");
	}
	resp->status = 200;
	resp->content_type = f->type;
	resp->static_body = v->data;
	resp->static_len = v->len;
	return 0;
}
