/* libFuzzer target for text/fold: text_fold must accept exactly the valid
 * UTF-8 inputs, return valid UTF-8 of the length it reports, and text_tokens
 * must only hand out non-empty in-bounds tokens, on folded and raw bytes. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "text/fold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
	const char *base;
	size_t n;
};

static int check_token(void *ud, const char *tok, size_t len)
{
	const struct span *sp = ud;

	assert(len > 0);
	assert(tok >= sp->base && tok + len <= sp->base + sp->n);
	return 0;
}

static void check_tokens(const char *s, size_t n)
{
	struct span sp = {s, n};

	assert(text_tokens(s, n, check_token, &sp) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t len = 0;
	char *folded = text_fold(s, size, &len);

	check_tokens(s, size);
	assert((folded != NULL) == utf8_valid(s, size));
	if (folded == NULL)
		return 0;
	assert(folded[len] == '\0');
	assert(utf8_valid(folded, len));
	check_tokens(folded, len);
	free(folded);
	return 0;
}
