/* multipart: see multipart.h. Every step moves a cursor over the body and
 * fails rather than guess; no allocation, no copy. */
#include "web/multipart.h"

#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 70
#define HEADER_LINE_MAX 1024
#define HEADERS_MAX 4 /* header lines per part: two are known, the rest refused */

struct cursor {
	const char *p;
	const char *end;
};

static size_t left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

/* Consumes s when the cursor starts with it (case-sensitive). */
static int eat(struct cursor *c, const char *s, size_t n)
{
	if (left(c) < n || memcmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* Consumes s when the cursor starts with it, ignoring ASCII case. */
static int eat_ci(struct cursor *c, const char *s)
{
	size_t n = strlen(s);

	if (left(c) < n || strncasecmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static void skip_ows(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* ---- The boundary ------------------------------------------------------ */

/* RFC 2046 bchars; a space may not end the boundary. */
static int bchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch != '\0' && strchr("'()+_,-./:=? ", ch) != NULL);
}

static int valid_boundary(const char *b, size_t n)
{
	if (n == 0 || n > BOUNDARY_MAX || b[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!bchar(b[i]))
			return 0;
	return 1;
}

int multipart_is(const char *content_type)
{
	static const char type[] = "multipart/form-data";
	size_t n = sizeof(type) - 1;

	return content_type && strncasecmp(content_type, type, n) == 0 &&
	       (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* The boundary parameter: the only one accepted. */
static int boundary_of(const char *content_type, const char **b, size_t *n)
{
	struct cursor c = {content_type, content_type + strlen(content_type)};

	if (!eat_ci(&c, "multipart/form-data"))
		return -1;
	skip_ows(&c);
	if (!eat(&c, ";", 1))
		return -1;
	skip_ows(&c);
	if (!eat_ci(&c, "boundary="))
		return -1;
	if (eat(&c, "\"", 1)) {
		const char *q = memchr(c.p, '"', left(&c));
		if (!q)
			return -1;
		*b = c.p;
		*n = (size_t)(q - c.p);
		c.p = q + 1;
	} else {
		*b = c.p;
		*n = strcspn(c.p, " \t;");
		c.p += *n;
	}
	skip_ows(&c);
	return c.p == c.end && valid_boundary(*b, *n) ? 0 : -1;
}

/* ---- Part headers ------------------------------------------------------ */

/* A quoted value without quotes, CR, LF or NUL inside (browsers encode
 * those in file names). */
static int quoted(struct cursor *c, const char **v, size_t *n)
{
	const char *q;

	if (!eat(c, "\"", 1))
		return -1;
	for (q = c->p; q < c->end && *q != '"'; q++)
		if (*q == '\r' || *q == '\n' || *q == '\0')
			return -1;
	if (q == c->end)
		return -1;
	*v = c->p;
	*n = (size_t)(q - c->p);
	c->p = q + 1;
	return 0;
}

/* One "; name=\"…\"" or "; filename=\"…\"" parameter. */
static int disposition_param(struct cursor *c, struct mp_part *part)
{
	skip_ows(c);
	if (!eat(c, ";", 1))
		return -1;
	skip_ows(c);
	if (eat_ci(c, "name=")) {
		if (part->name)
			return -1;
		return quoted(c, &part->name, &part->name_len);
	}
	if (eat_ci(c, "filename=")) {
		if (part->filename)
			return -1;
		return quoted(c, &part->filename, &part->filename_len);
	}
	return -1;
}

/* `form-data; name="x"[; filename="y"]` (parameters in any order). */
static int disposition(struct cursor *c, struct mp_part *part)
{
	if (part->name || !eat_ci(c, "form-data"))
		return -1;
	for (skip_ows(c); c->p < c->end; skip_ows(c))
		if (disposition_param(c, part) < 0)
			return -1;
	return part->name ? 0 : -1;
}

static int content_type(struct cursor *c, struct mp_part *part)
{
	if (part->type)
		return -1;
	skip_ows(c);
	part->type = c->p;
	part->type_len = left(c);
	while (part->type_len &&
	       (part->type[part->type_len - 1] == ' ' || part->type[part->type_len - 1] == '\t'))
		part->type_len--;
	for (size_t i = 0; i < part->type_len; i++)
		if ((unsigned char)part->type[i] < 0x20 || (unsigned char)part->type[i] > 0x7e)
			return -1;
	return 0;
}

/* One header line (without its CRLF). */
static int header(const char *line, size_t n, struct mp_part *part)
{
	struct cursor c = {line, line + n};

	if (eat_ci(&c, "Content-Disposition:")) {
		skip_ows(&c);
		return disposition(&c, part);
	}
	if (eat_ci(&c, "Content-Type:"))
		return content_type(&c, part);
	return -1;
}

/* The header lines up to the empty line; the cursor then is at the data. */
static int headers(struct cursor *c, struct mp_part *part)
{
	for (int lines = 0; lines <= HEADERS_MAX; lines++) {
		size_t max = left(c) < HEADER_LINE_MAX + 2 ? left(c) : HEADER_LINE_MAX + 2;
		const char *crlf = memmem(c->p, max, "\r\n", 2);
		size_t n;

		if (!crlf)
			return -1;
		n = (size_t)(crlf - c->p);
		if (n == 0) {
			c->p += 2;
			return part->name ? 0 : -1;
		}
		if (memchr(c->p, '\n', n) || memchr(c->p, '\0', n) || header(c->p, n, part) < 0)
			return -1;
		c->p = crlf + 2;
	}
	return -1;
}

/* ---- The body ---------------------------------------------------------- */

struct delim {
	char text[BOUNDARY_MAX + 4]; /* "\r\n--" BOUNDARY */
	size_t len;
};

/* One part, the cursor just past its opening delimiter's CRLF. Leaves the
 * cursor just past the next delimiter. */
static int part(struct cursor *c, const struct delim *d, struct mp_part *p, const char **why)
{
	const char *next;

	memset(p, 0, sizeof(*p));
	if (headers(c, p) < 0) {
		*why = "bad_headers";
		return -1;
	}
	if (!p->type)
		p->type = "";
	next = memmem(c->p, left(c), d->text, d->len);
	if (!next) {
		*why = "unterminated";
		return -1;
	}
	p->data = c->p;
	p->len = (size_t)(next - c->p);
	c->p = next + d->len;
	return 0;
}

/* After a delimiter: "--" ends the body (a CRLF may follow), CRLF starts a
 * part. Returns 1 at the end, 0 before a part, -1 when malformed. */
static int after_delimiter(struct cursor *c)
{
	if (eat(c, "--", 2)) {
		eat(c, "\r\n", 2);
		return c->p == c->end ? 1 : -1;
	}
	return eat(c, "\r\n", 2) ? 0 : -1;
}

static int parts(struct cursor *c, const struct delim *d, struct mp_form *form, const char **why)
{
	int end;

	while ((end = after_delimiter(c)) == 0) {
		if (form->count == MULTIPART_MAX_PARTS) {
			*why = "too_many_parts";
			return -1;
		}
		if (part(c, d, &form->parts[form->count], why) < 0)
			return -1;
		form->count++;
	}
	if (end < 0)
		*why = "unterminated";
	return end < 0 ? -1 : 0;
}

int multipart_parse(const char *content_type, const char *body, size_t len, struct mp_form *form,
                    const char **why)
{
	struct cursor c = {body, body + len};
	struct delim d;
	const char *b;
	size_t n;

	form->count = 0;
	if (!multipart_is(content_type)) {
		*why = "bad_content_type";
		return -1;
	}
	if (boundary_of(content_type, &b, &n) < 0) {
		*why = "bad_boundary";
		return -1;
	}
	memcpy(d.text, "\r\n--", 4);
	memcpy(d.text + 4, b, n);
	d.len = n + 4;
	if (!eat(&c, d.text + 2, d.len - 2)) { /* the first delimiter has no CRLF before it */
		*why = "no_delimiter";
		return -1;
	}
	return parts(&c, &d, form, why);
}

const struct mp_part *multipart_get(const struct mp_form *form, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < form->count; i++)
		if (form->parts[i].name_len == n && memcmp(form->parts[i].name, name, n) == 0)
			return &form->parts[i];
	return NULL;
}
