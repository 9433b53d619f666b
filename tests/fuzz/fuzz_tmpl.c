/* libFuzzer target for the template compiler and renderer (web/tmpl).
 *
 * The input is compiled as template "t" next to a fixed partial "p" and, when
 * it compiles, rendered with a small fixed jansson context, a translation
 * function and some {{@content}}. Errors must be well-formed and leave the
 * set unchanged; the output must respect its maximum. The input is also
 * escaped and checked for leftover special characters.
 *
 * Rendering time grows with the product of the array sizes of nested
 * {{#each}} blocks (as in any such language: the templates are trusted), so
 * inputs with more than a few #each or partial tags are only compiled.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "web/tmpl.h"

#define MAX_EACH 3
#define MAX_PARTIALS 3
#define OUT_MAX (256u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char context_json[] =
        "{\"name\": \"<Amina & 'Co'>\", \"n\": 3, \"r\": 2.5, \"yes\": true, \"no\": false,"
        " \"nil\": null, \"empty\": \"\", \"zero\": 0,"
        " \"ar\": \"مرحبا بكم\", \"key\": \"greet\","
        " \"user\": {\"name\": \"Omar\", \"tags\": [\"a\", \"<b>\"], \"address\": {\"city\": "
        "\"Rabat\"}},"
        " \"items\": [{\"name\": \"x\", \"n\": 1, \"sub\": [1, 2]}, {\"name\": \"y\", \"sub\": []},"
        " \"plain\"], \"list\": [1, 2, 3], \"obj\": {\"k\": \"v\"}}";

static const char partial_src[] = "<b>{{name}}</b>{{#each user.tags}}{{@index}}:{{.}}{{/each}}";

static const char *translate(void *ud, const char *key)
{
	(void)ud;
	if (strcmp(key, "greet") == 0)
		return "Hello {name}, {n} new {{x}} {name";
	if (strcmp(key, "html") == 0)
		return "<i>{name}</i> & \"{n}\"";
	return NULL;
}

static json_t *context(void)
{
	static json_t *ctx;

	if (!ctx)
		ctx = json_loads(context_json, 0, NULL);
	if (!ctx)
		abort();
	return ctx;
}

/* Counts the tags of the input whose first non-blank byte follows "{{" and
 * starts word (e.g. "#each", ">"). */
static size_t count_tags(const char *s, size_t n, const char *word)
{
	size_t count = 0, wl = strlen(word);

	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '{' || s[i + 1] != '{')
			continue;
		size_t j = i + 2;
		while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'))
			j++;
		if (n - j >= wl && memcmp(s + j, word, wl) == 0)
			count++;
	}
	return count;
}

static void check_escape(const char *src, size_t size)
{
	struct buf b = BUF_INIT;

	if (tmpl_escape(&b, src, size) != 0 || b.len < size)
		abort();
	for (const char *c = "<>\"'"; *c; c++)
		if (b.len && memchr(b.data, *c, b.len))
			abort();
	buf_release(&b);
}

static void render(struct tmpl_set *set)
{
	struct tmpl_render_opts opts = {translate, NULL, "<main>x</main>", 14};
	struct buf out;
	char err[128] = "";

	buf_init(&out, OUT_MAX);
	if (tmpl_render(set, "t", context(), &opts, &out, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
	}
	if (out.len > OUT_MAX)
		abort();
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	struct tmpl_set *set = tmpl_set_new();
	char err[64];

	check_escape(src, size);
	if (tmpl_set_add(set, "p", partial_src, strlen(partial_src), err, sizeof(err)) != 0)
		abort();
	if (tmpl_set_add(set, "t", src, size, err, sizeof(err)) != 0) {
		if (memchr(err, '\0', sizeof(err)) == NULL || strncmp(err, "t:", 2) != 0 ||
		    tmpl_set_has(set, "t"))
			abort();
		goto out;
	}
	if (count_tags(src, size, "#each") <= MAX_EACH &&
	    count_tags(src, size, ">") <= MAX_PARTIALS)
		render(set);
out:
	tmpl_set_free(set);
	return 0;
}
