/* libFuzzer target for the .po parser (i18n_load_po).
 *
 * The input is parsed as an Arabic catalogue (six plural forms). On success
 * every key is looked up and must behave consistently; the same input is
 * then loaded a second time, which must fail if any key was stored.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	const struct i18n *cat;
	size_t keys;
};

static void check_key(void *ud, const char *key)
{
	struct walk *w = ud;
	const char *s = i18n_lookup(w->cat, LANG_AR, key);
	const char *g = i18n_get(w->cat, LANG_AR, key);

	w->keys++;
	if ((s && (g != s || s[0] == '\0')) || (!s && g != key))
		abort();
	for (int64_t n = -1; n <= 12; n++)
		if (i18n_nget(w->cat, LANG_AR, key, n) == NULL)
			abort();
	if (i18n_nget(w->cat, LANG_AR, key, INT64_MIN) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct i18n *cat = i18n_new();
	const char *src = (const char *)data;
	char err[128];
	struct walk w = {cat, 0};

	if (i18n_load_po(cat, LANG_AR, "fuzz.po", src, size, err, sizeof err) != 0) {
		if (memchr(err, '\0', sizeof err) == NULL || i18n_count(cat, LANG_AR) != 0)
			abort();
		goto out;
	}
	i18n_each_key(cat, LANG_AR, check_key, &w);
	if (w.keys != i18n_count(cat, LANG_AR))
		abort();
	if (i18n_load_po(cat, LANG_AR, "fuzz.po", src, size, err, sizeof err) == 0 && w.keys > 0)
		abort();
	if (i18n_count(cat, LANG_AR) != w.keys)
		abort();
out:
	i18n_free(cat);
	return 0;
}
