/* libFuzzer target: the import readers (CSV and JSON Lines, chosen by the
 * first character as for a real file), without a database. Each row's
 * object is serialised, so every value built from the input is walked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "app/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int row(void *ud, const struct import_row *r)
{
	(void)ud;
	if (r->obj) {
		char *s = json_dumps(r->obj, JSON_COMPACT);
		free(s);
	}
	return r->line > 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	import_parse((const char *)data, size, row, NULL, err, sizeof(err));
	return 0;
}
