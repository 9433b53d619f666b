/* tsv: reading the tab-separated reference and demo files under data/.
 *
 * Format: UTF-8, one record per line, fields separated by one TAB; lines
 * starting with '#' are comments (the first comment names the source);
 * the first non-comment line is the header naming the columns, which must
 * equal the expected names. Fields may not contain TAB or newline.
 */
#ifndef KAFAAT_CORE_TSV_H
#define KAFAAT_CORE_TSV_H

#include <stddef.h>

/* Called for each record with its fields (ncols of them, NUL-terminated,
 * valid until the call returns) and line number. Return 0 to go on, -1 to
 * stop (after writing a reason into err). */
typedef int (*tsv_row_fn)(void *ud, char **fields, int line, char *err, size_t errlen);

/* Reads path, checks the header against cols[0..ncols), calls fn per row.
 * Returns the number of rows, or -1 with "PATH:LINE: reason" in err. */
int tsv_read(const char *path, const char *const *cols, int ncols, tsv_row_fn fn, void *ud,
             char *err, size_t errlen);
/* Same over a buffer (for tests and the fuzzer); name is used in errors. */
int tsv_parse(const char *name, const char *text, size_t len, const char *const *cols, int ncols,
              tsv_row_fn fn, void *ud, char *err, size_t errlen);

#endif
