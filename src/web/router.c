#include "web/router.h"

#include <stdio.h>
#include <string.h>

#include "core/parse.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "web/multipart.h"
#include "web/openapi.h"

/* Path parameters are validated by name: the name says what the value is. */
struct param_kind {
	const char *name;
	int (*valid)(const char *s, size_t n);
};

static int valid_lang(const char *s, size_t n)
{
	return n == 2 &&
	       (memcmp(s, "ar", 2) == 0 || memcmp(s, "fr", 2) == 0 || memcmp(s, "en", 2) == 0);
}

static int valid_id(const char *s, size_t n)
{
	int64_t v;
	return n > 0 && n <= 18 && s[0] != '-' && parse_int64_n(s, n, 1, INT64_MAX, &v) == 0;
}

static int valid_slug(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

/* A relative file path: segments of [A-Za-z0-9._-], none starting with '.'. */
static int valid_file(const char *s, size_t n)
{
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int start = i == 0 || s[i - 1] == '/';
		if (start && (c == '.' || c == '/'))
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == '/'))
			return 0;
	}
	return s[n - 1] != '/';
}

static const struct param_kind param_kinds[] = {
        {"lang", valid_lang},
        {"id", valid_id},
        {"slug", valid_slug},
        {"file", valid_file},
};

static const struct param_kind *param_kind_find(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(param_kinds) / sizeof(param_kinds[0]); i++)
		if (strlen(param_kinds[i].name) == n && memcmp(param_kinds[i].name, name, n) == 0)
			return &param_kinds[i];
	return NULL;
}

static size_t seg_len(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? (size_t)(slash - s) : strlen(s);
}

static int check_pattern(const char *p, char *err, size_t errlen)
{
	if (p[0] != '/') {
		snprintf(err, errlen, "route %s: pattern must start with '/'", p);
		return -1;
	}
	for (const char *s = p + 1; *s; s += seg_len(s) + (s[seg_len(s)] == '/')) {
		size_t n = seg_len(s);
		if ((s[0] == ':' || s[0] == '*') && !param_kind_find(s + 1, n - 1)) {
			snprintf(err, errlen, "route %s: unknown parameter '%.*s'", p, (int)n, s);
			return -1;
		}
		if (s[0] == '*' && s[n] != '\0') {
			snprintf(err, errlen, "route %s: '*' parameter must come last", p);
			return -1;
		}
	}
	return 0;
}

int router_check(const struct route *routes, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const struct route *r = &routes[i];
		if (r->policy == POLICY_UNSET) {
			snprintf(err, errlen, "route %s: no access policy declared", r->pattern);
			return -1;
		}
		if (!r->handler || !r->methods || !r->summary) {
			snprintf(err, errlen, "route %s: handler, methods and summary are required",
			         r->pattern);
			return -1;
		}
		if (check_pattern(r->pattern, err, errlen) < 0)
			return -1;
		for (const struct field *f = r->query; f && f->type != FIELD_END; f++) {
			if (!f->name || f->min > f->max) {
				snprintf(err, errlen, "route %s: invalid field", r->pattern);
				return -1;
			}
		}
		for (const struct field *f = r->form; f && f->type != FIELD_END; f++) {
			if (!f->name || f->min > f->max ||
			    (f->type == FIELD_FILE &&
			     (!(r->flags & ROUTE_UPLOAD) || f->max <= 0))) {
				snprintf(err, errlen, "route %s: invalid form field", r->pattern);
				return -1;
			}
		}
		if (r->policy >= POLICY_COUNT) {
			snprintf(err, errlen, "route %s: unknown access policy", r->pattern);
			return -1;
		}
		if (openapi_check_route(r, err, errlen) < 0) /* an API route: its description */
			return -1;
	}
	return 0;
}

/* Matches path against pattern; on success adds the parameters to req. */
static int match_pattern(const char *pattern, const char *path, struct request *req)
{
	const char *p = pattern, *s = path;
	struct kvlist params = {0};

	while (*p == '/' && *s == '/') {
		p++;
		s++;
		size_t pn = seg_len(p), sn = seg_len(s);
		if (p[0] == '*') {
			if (!param_kind_find(p + 1, pn - 1)->valid(s, strlen(s)))
				return 0;
			kvlist_add(&req->arena, &params, arena_strndup(&req->arena, p + 1, pn - 1),
			           arena_strdup(&req->arena, s));
			s += strlen(s);
			p += pn;
			break;
		}
		if (p[0] == ':') {
			if (!param_kind_find(p + 1, pn - 1)->valid(s, sn))
				return 0;
			kvlist_add(&req->arena, &params, arena_strndup(&req->arena, p + 1, pn - 1),
			           arena_strndup(&req->arena, s, sn));
		} else if (pn != sn || memcmp(p, s, pn) != 0) {
			return 0;
		}
		p += pn;
		s += sn;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	req->params = params;
	return 1;
}

const char *field_check(const struct field *f, const char *value)
{
	int64_t v;
	size_t chars;

	switch (f->type) {
	case FIELD_INT:
		if (parse_int64(value, INT64_MIN, INT64_MAX, &v) < 0)
			return "not_an_integer";
		return v < f->min || v > f->max ? "out_of_range" : NULL;
	case FIELD_LANG:
		return valid_lang(value, strlen(value)) ? NULL : "unknown_language";
	case FIELD_TEXT:
		chars = utf8_length(value, strlen(value));
		if ((int64_t)chars > f->max)
			return "too_long";
		return (int64_t)chars < f->min ? "too_short" : NULL;
	case FIELD_FILE:
		return "not_a_file"; /* a file field sent as text */
	case FIELD_END:
		break;
	}
	return "unknown_field";
}

static const struct field *field_find(const struct field *fields, const char *name)
{
	for (const struct field *f = fields; f && f->type != FIELD_END; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* Validates req->query against the route; drops unknown names for pages. */
static int check_query(const struct route *r, struct request *req, struct route_error *e)
{
	struct kvlist kept = {0};

	for (size_t i = 0; i < req->query.count; i++) {
		const struct kv *q = &req->query.items[i];
		const struct field *f = field_find(r->query, q->key);
		if (!f && !(r->flags & ROUTE_API))
			continue;
		const char *code = f ? field_check(f, q->value) : "unknown_parameter";
		if (!code && kvlist_get(&kept, q->key))
			code = "repeated_parameter";
		if (code) {
			*e = (struct route_error){400, code, q->key, 0};
			return -1;
		}
		kvlist_add(&req->arena, &kept, q->key, q->value);
	}
	req->query = kept;
	return 0;
}

static const char *const policy_names[POLICY_COUNT] = {
        "unset",   "public",      "signed_in",         "second_step",
        "expert",  "institution", "institution_owner", "coordinator",
        "advisor", "admin",
};

const char *policy_name(enum policy p)
{
	return (unsigned)p < POLICY_COUNT ? policy_names[p] : "unset";
}

#define MAX_FORM_FIELDS 64

/* Checks the decoded pairs against the route's fields into req->form. */
static int add_fields(const struct route *r, struct request *req, const struct kvlist *raw,
                      struct route_error *e)
{
	for (size_t i = 0; i < raw->count; i++) {
		const struct kv *p = &raw->items[i];
		const struct field *f = field_find(r->form, p->key);
		const char *code = f ? field_check(f, p->value) : "unknown_field";
		if (code && f && strcmp(code, "too_long") != 0 && strcmp(code, "not_a_file") != 0)
			code = NULL; /* the handler explains what is wrong, in its form */
		if (!code && kvlist_get(&req->form, p->key))
			code = "repeated_field";
		if (code) {
			*e = (struct route_error){400, code, p->key, 0};
			return -1;
		}
		kvlist_add(&req->arena, &req->form, p->key, p->value);
	}
	return 0;
}

int router_parse_form(const struct route *r, struct request *req, struct route_error *e)
{
	struct kvlist raw = {0};

	req->form = (struct kvlist){0};
	if (url_parse_pairs(&req->arena, buf_str(&req->body), req->body.len, MAX_FORM_FIELDS,
	                    &raw) < 0) {
		*e = (struct route_error){400, "malformed_form", NULL, 0};
		return -1;
	}
	return add_fields(r, req, &raw, e);
}

/* Text parts into raw (NUL-terminated copies, valid UTF-8); file parts
 * only where the route declares a FIELD_FILE, each once. */
static int split_parts(const struct route *r, struct request *req, const struct mp_form *form,
                       struct kvlist *raw, struct route_error *e)
{
	for (size_t i = 0; i < form->count; i++) {
		const struct mp_part *p = &form->parts[i];
		const char *name = arena_strndup(&req->arena, p->name, p->name_len);
		const struct field *f = field_find(r->form, name);
		const char *code = NULL;
		if (!utf8_valid(p->name, p->name_len) || memchr(p->name, '\0', p->name_len))
			code = "malformed_form";
		else if (f && f->type == FIELD_FILE) /* no file chosen: no filename, some clients */
			code = multipart_get(form, name) == p ? NULL : "repeated_field";
		else if (p->filename)
			code = f ? "not_text" : "unknown_field";
		else if (!utf8_valid(p->data, p->len) || memchr(p->data, '\0', p->len))
			code = "malformed_form";
		else
			kvlist_add(&req->arena, raw, name,
			           arena_strndup(&req->arena, p->data, p->len));
		if (code) {
			*e = (struct route_error){400, code,
			                          strcmp(code, "malformed_form") ? name : NULL, 0};
			return -1;
		}
	}
	return 0;
}

int router_parse_multipart(const struct route *r, struct request *req, const char *content_type,
                           struct route_error *e)
{
	struct mp_form form;
	struct kvlist raw = {0};
	const char *why;

	req->form = (struct kvlist){0};
	if (multipart_parse(content_type, buf_str(&req->body), req->body.len, &form, &why) < 0) {
		*e = (struct route_error){400, "malformed_form", NULL, 0};
		return -1;
	}
	if (split_parts(r, req, &form, &raw, e) < 0)
		return -1;
	return add_fields(r, req, &raw, e);
}

int64_t router_body_limit(const struct route *routes, size_t n, struct request *req)
{
	for (size_t i = 0; i < n; i++) {
		const struct route *r = &routes[i];
		int64_t limit = 0;
		if (!(r->methods & req->method) || !match_pattern(r->pattern, req->path, req))
			continue;
		for (const struct field *f = r->form; f && f->type != FIELD_END; f++)
			if (f->type == FIELD_FILE)
				limit += f->max;
		return limit ? limit + ROUTER_UPLOAD_OVERHEAD : 0;
	}
	return 0;
}

const struct route *router_match(const struct route *routes, size_t n, struct request *req,
                                 struct route_error *e)
{
	unsigned allowed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct route *r = &routes[i];
		if (!match_pattern(r->pattern, req->path, req))
			continue;
		if (!(r->methods & req->method)) {
			allowed |= r->methods;
			continue;
		}
		req->route = (void *)r;
		return check_query(r, req, e) == 0 ? r : NULL;
	}
	req->params = (struct kvlist){0};
	if (allowed)
		*e = (struct route_error){405, "method_not_allowed", NULL, allowed};
	else
		*e = (struct route_error){404, "not_found", NULL, 0};
	return NULL;
}
