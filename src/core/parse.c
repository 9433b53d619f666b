#include "core/parse.h"

#include <string.h>

int parse_int64_n(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t v = 0;
	uint64_t limit;

	if (n > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	int64_t r = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	if (r < min || r > max)
		return -1;
	*out = r;
	return 0;
}

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return parse_int64_n(s, strlen(s), min, max, out);
}

static int valid_host(const char *h, size_t n)
{
	if (n == 9 && memcmp(h, "localhost", 9) == 0)
		return 1;
	int parts = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && h[j] != '.')
			j++;
		int64_t v;
		if (j - i == 0 || j - i > 3 || parse_int64_n(h + i, j - i, 0, 255, &v) < 0)
			return 0;
		parts++;
		i = j + 1;
		if (j < n && i == n)
			return 0; /* trailing dot */
	}
	return parts == 4;
}

int parse_listen(const char *s, char host[64], uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	int64_t p;

	if (!colon || colon == s || (size_t)(colon - s) >= 64)
		return -1;
	if (!valid_host(s, (size_t)(colon - s)))
		return -1;
	if (parse_int64(colon + 1, 1, 65535, &p) < 0)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (uint16_t)p;
	return 0;
}
