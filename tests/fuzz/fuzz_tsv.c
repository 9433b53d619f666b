/* libFuzzer target: the TSV reader used for data/ files. */
#include <stddef.h>
#include <stdint.h>

#include "core/tsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int row(void *ud, char **fields, int line, char *err, size_t errlen)
{
	(void)ud;
	(void)line;
	(void)err;
	(void)errlen;
	return fields[0][0] == '!' ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cols[] = {"id", "position", "name"};
	char err[256];

	tsv_parse("fuzz", (const char *)data, size, cols, 3, row, NULL, err, sizeof(err));
	return 0;
}
