/* libFuzzer target for Accept-Language negotiation (lang_negotiate).
 *
 * Checks that the result is always a supported language, and that an empty
 * list element in front (" ,", which RFC 9110 lists allow) changes nothing
 * while the header stays within the parsed length.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "web/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = xmalloc(size + 3);
	size_t len;

	h[0] = ' ';
	h[1] = ',';
	memcpy(h + 2, data, size);
	h[size + 2] = '\0';
	len = strlen(h + 2);
	for (int f = 0; f < LANG_COUNT; f++) {
		enum lang got = lang_negotiate(h + 2, (enum lang)f);

		if ((unsigned)got >= LANG_COUNT)
			abort();
		if (len + 2 <= 4096 && lang_negotiate(h, (enum lang)f) != got)
			abort();
	}
	free(h);
	return 0;
}
