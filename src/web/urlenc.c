#include "web/urlenc.h"

#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

void kvlist_add(struct arena *a, struct kvlist *l, const char *key, const char *value)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct kv *items = arena_alloc(a, cap * sizeof(*items));
		if (l->count)
			memcpy(items, l->items, l->count * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	l->items[l->count].key = key;
	l->items[l->count].value = value;
	l->count++;
}

const char *kvlist_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *url_decode(struct arena *a, const char *s, size_t n, int plus_is_space)
{
	char *out = arena_alloc(a, n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (n - i < 3)
				return NULL;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0')
			return NULL;
		out[j++] = c;
	}
	out[j] = '\0';
	return utf8_valid(out, j) ? out : NULL;
}

int url_parse_pairs(struct arena *a, const char *s, size_t n, size_t max_pairs, struct kvlist *out)
{
	size_t i = 0;

	while (i < n) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(s + i, '=', end - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : end - i;
			char *k = url_decode(a, s + i, klen, 1);
			char *v = eq ? url_decode(a, eq + 1, (size_t)(s + end - eq - 1), 1)
			             : arena_strdup(a, "");
			if (!k || !v || out->count >= max_pairs)
				return -1;
			kvlist_add(a, out, k, v);
		}
		i = end + 1;
	}
	return 0;
}

int url_encode(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
		char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
		if (plain ? buf_addc(out, (char)c) : buf_add(out, enc, 3))
			return -1;
	}
	return 0;
}
