/* tmpl: small HTML templates that escape by default.
 *
 * A template set is compiled once at start-up (from templates/ (*.html files)) and is
 * then immutable and shared by every thread. Rendering takes a jansson value
 * as its data and appends HTML to a buf.
 *
 * Syntax (full reference with examples: docs/TEMPLATES.md):
 *   {{ a.b }}             value at a dotted path, HTML-escaped (& < > " ')
 *   {{ url a.b }}         the value percent-encoded for a URL, then escaped
 *   {{#if a}}..{{else}}..{{/if}}   truthy: not missing/null/false/""/0/[]/{}
 *   {{#unless a}}..{{/unless}}
 *   {{#each a}}..{{else}}..{{/each}}  over an array; inside, {{.}} is the item,
 *                         names resolve in the item first, then outwards;
 *                         {{@index}}, {{@first}}, {{@last}}
 *   {{> name}}            another template of the set (a partial)
 *   {{t "key"}}           the translation of key, escaped
 *   {{t "key" n=a.b}}     ... with {n} in the translation replaced by the
 *                         escaped value of a.b
 *   {{t a.b}}             translation of the key held in a.b
 *   {{@content}}          pre-rendered HTML given by the caller (layouts)
 *   {{! comment }}
 * There is no way to output unescaped data from the data model.
 */
#ifndef KAFAAT_WEB_TMPL_H
#define KAFAAT_WEB_TMPL_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"

struct tmpl_set;

/* Returns the translation of key, or NULL when there is none (the key itself
 * is then output). The returned string must outlive the render call. */
typedef const char *(*tmpl_translate_fn)(void *ud, const char *key);

struct tmpl_render_opts {
	tmpl_translate_fn translate; /* may be NULL: keys are output as is */
	void *translate_ud;
	const char *content; /* for {{@content}}; may be NULL (renders nothing) */
	size_t content_len;
};

struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *set);
/* Compiles src under name (replacing any template of that name). Returns 0,
 * or -1 with "name:LINE: reason" in err; the set is then unchanged. */
int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src, size_t len, char *err,
                 size_t errlen);
/* Adds every DIR/<name>.html as <name>. Returns 0 or -1 (err names the file,
 * line and reason). Also fails when a {{> partial}} names no template. */
int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, char *err, size_t errlen);
int tmpl_set_has(const struct tmpl_set *set, const char *name);
/* Renders template name with data ctx (borrowed), appending to out.
 * Returns 0, or -1 (unknown template, partials nested deeper than 16, or out
 * reached its maximum) with a reason in err; out may then hold a prefix. */
int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx,
                const struct tmpl_render_opts *opts, struct buf *out, char *err, size_t errlen);
/* Appends s (n bytes) HTML-escaped. */
int tmpl_escape(struct buf *out, const char *s, size_t n);

#endif
