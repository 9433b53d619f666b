/* libFuzzer target for the TZif parser (tz_parse) and the offset and
 * local-time computations on whatever it accepts.
 *
 * Checks that a file it accepts gives offsets within ±26 hours at any
 * instant, that a local time it converts maps back to itself, and that
 * nothing reads outside the input (ASan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t instants[] = {INT32_MIN,  -1,         0,           1774000000,
	                                   1790000000, 4102444800, 253402300799};
	struct tz z;

	if (tz_parse(data, size, &z) != TZ_OK)
		return 0;
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
		int32_t off;
		char abbr[TZ_ABBR_MAX];
		int64_t t;

		tz_offset_at(&z, instants[i], &off, abbr);
		if (off < -26 * 3600 || off > 26 * 3600)
			abort();
		if (tz_local_to_utc(&z, 2026, 3, 8 + (int)i, 2, 30, &t) == TZ_OK) {
			struct tz_civil cv;
			tz_offset_at(&z, t, &off, NULL);
			tz_civil(t, off, &cv);
			if (cv.year != 2026 || cv.month != 3 || cv.day != 8 + (int)i ||
			    cv.hour != 2 || cv.minute != 30)
				abort();
		}
	}
	tz_free(&z);
	return 0;
}
