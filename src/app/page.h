/* page: rendering HTML pages and JSON answers.
 *
 * A page is a template rendered inside templates/layout.html with the
 * common context (language, direction, language switcher, stylesheets). The
 * visitor's language comes from the URL (/ar/, /fr/, /en/), else the "lang"
 * cookie, else Accept-Language, else French.
 */
#ifndef KAFAAT_APP_PAGE_H
#define KAFAAT_APP_PAGE_H

#include <jansson.h>

#include "app/app.h"

/* The language for this request (URL parameter, cookie, Accept-Language). */
enum lang page_lang(struct request *req);
/* Renders template `name` with page data `data` (consumed: the reference
 * is stolen) in the layout, title being a translation key. Sets a 500 on
 * a rendering failure. */
void page_render(struct app *app, struct request *req, struct response *resp, int status,
                 const char *name, const char *title, json_t *data);
/* A page that only says something: title and message are translation
 * keys; args (consumed, may be NULL) fill the message's {placeholders}
 * through the template (page.args.NAME). */
void page_message(struct app *app, struct request *req, struct response *resp, int status,
                  const char *title, const char *message, json_t *args);
/* Text as paragraphs for a template: a JSON array of its non-empty lines
 * (arena strings; any run of CR and LF separates two). s may be NULL. */
json_t *page_paragraphs(struct arena *a, const char *s);
/* The "service unavailable" answer when storage failed (nothing changed). */
void page_unavailable(struct app *app, struct request *req, struct response *resp);
/* Sets a JSON body (value consumed). On API routes: Vary, and on a 200
 * answer to a GET its ETag (the body's SHA-256), turned into 304 without a
 * body when If-None-Match holds it. */
void json_respond(struct request *req, struct response *resp, int status, json_t *v);
/* The JSON error envelope {"error": {"code", "message", "field"}} in the
 * language of Accept-Language (English by default): the message of
 * "api.error.<code>" ({field} filled in), else of "error.<status>.message"
 * (field may be NULL). */
void json_error(struct app *app, struct request *req, struct response *resp, int status,
                const char *code, const char *field);
/* The same with a message already written (translated) by the caller;
 * NULL: as json_error. */
void json_error_message(struct app *app, struct request *req, struct response *resp, int status,
                        const char *code, const char *field, const char *message);
/* [{code, name, selected}] for a language <select>. */
json_t *lang_options(enum lang selected);
/* Translation shortcut. */
const char *tr(const struct app *app, enum lang l, const char *key);

#endif
