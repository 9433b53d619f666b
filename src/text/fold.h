/* fold: text folding for search, the same at indexing and at query time.
 *
 * text_fold maps a UTF-8 string to its search form: Unicode compatibility
 * decomposition, case folding and removal of combining marks (utf8proc), so
 * "Énergie" -> "energie"; then Arabic rules: harakat and other Arabic marks
 * removed, alef forms (أ إ آ ٱ) -> ا, ة -> ه, ى -> ي, ؤ -> و, ئ -> ي,
 * tatweel (ـ) removed, Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹)
 * digits -> 0-9.
 */
#ifndef KAFAAT_TEXT_FOLD_H
#define KAFAAT_TEXT_FOLD_H

#include <stddef.h>

/* Returns a newly allocated NUL-terminated folded string (caller frees) and
 * its length in *outlen (may be NULL), or NULL when s is not valid UTF-8. */
char *text_fold(const char *s, size_t n, size_t *outlen);

/* Splits folded text into tokens: maximal runs of letters and digits (any
 * script). Calls fn(ud, token, len) for each; stops early and returns the
 * callback's value when it is non-zero; returns 0 otherwise. */
int text_tokens(const char *folded, size_t n, int (*fn)(void *ud, const char *tok, size_t len),
                void *ud);

#endif
