/* i18n: languages, translation catalogues and number/date formatting.
 *
 * Kafaat speaks Arabic (right to left), French and English. Catalogues are
 * gettext .po files, several per language (locale/ar/, locale/fr/,
 * locale/en/, each holding NAME.po: one file per domain, e.g. site.po, accounts.po), whose
 * msgids are stable keys ("home.title"); en.po holds the English text.
 * They are loaded once at start-up; the loaded struct i18n is immutable and
 * shared by all threads (no setlocale, no global state per request).
 */
#ifndef KAFAAT_WEB_I18N_H
#define KAFAAT_WEB_I18N_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum lang { LANG_AR, LANG_FR, LANG_EN, LANG_COUNT };

/* "ar", "fr", "en". */
const char *lang_code(enum lang l);
/* "rtl" for Arabic, "ltr" otherwise. */
const char *lang_dir(enum lang l);
/* The language's own name: "العربية", "Français", "English". */
const char *lang_native_name(enum lang l);
/* Exact code ("ar", "fr", "en"); 0 and *out set, or -1. */
int lang_parse(const char *s, enum lang *out);
/* Picks the best supported language from an Accept-Language header value
 * (RFC 9110 q-values; "fr-CA" counts as "fr"); fallback when none fits or
 * the header is NULL or malformed. */
enum lang lang_negotiate(const char *accept_language, enum lang fallback);

struct i18n;

/* Loads every .po file of DIR/ar/, DIR/fr/ and DIR/en/ (a key may be
 * defined once per language). Returns 0, or -1 with
 * "FILE:LINE: reason" in err. */
int i18n_load(const char *dir, struct i18n **out, char *err, size_t errlen);
/* Parses one catalogue from memory into language l of cat (used by tests
 * and the fuzzer). Same error convention; `name` is used in messages. */
int i18n_load_po(struct i18n *cat, enum lang l, const char *name, const char *src, size_t len,
                 char *err, size_t errlen);
struct i18n *i18n_new(void);
void i18n_free(struct i18n *cat);
/* The translation of key in l, or NULL when absent or empty. The string
 * belongs to the catalogue. */
const char *i18n_lookup(const struct i18n *cat, enum lang l, const char *key);
/* Like i18n_lookup but returns key itself when there is no translation. */
const char *i18n_get(const struct i18n *cat, enum lang l, const char *key);
/* Plural form for n (msgid_plural/msgstr[i]): Arabic has six forms, French
 * two (0 and 1 singular), English two. Falls back to key. */
const char *i18n_nget(const struct i18n *cat, enum lang l, const char *key, int64_t n);
/* Number of keys in language l (for tests that compare catalogues). */
size_t i18n_count(const struct i18n *cat, enum lang l);
/* Calls fn for every key of language l. */
void i18n_each_key(const struct i18n *cat, enum lang l, void (*fn)(void *ud, const char *key),
                   void *ud);

/* Formats an integer the way readers of l expect: "10 000" (fr, with a
 * narrow no-break space), "10,000" (en), "10.000" (ar, as in Morocco, with
 * Western digits). */
int i18n_format_int(enum lang l, int64_t v, struct buf *out);
/* Formats a calendar date: "29 novembre 2026", "29 November 2026",
 * "29 نونبر 2026" (Moroccan month names). Returns -1 for an invalid date. */
int i18n_format_date(enum lang l, int year, int month, int day, struct buf *out);

#endif
