#include "core/tsv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#define TSV_MAX_FILE (16 << 20)
#define TSV_MAX_COLS 32

/* Splits line (modified in place) on TABs; returns the field count. */
static int split(char *line, char **fields, int max)
{
	int n = 0;

	fields[n++] = line;
	for (char *p = line; *p; p++) {
		if (*p != '\t')
			continue;
		*p = '\0';
		if (n == max)
			return max + 1;
		fields[n++] = p + 1;
	}
	return n;
}

static int check_header(char **fields, int n, const char *const *cols, int ncols)
{
	if (n != ncols)
		return -1;
	for (int i = 0; i < ncols; i++)
		if (strcmp(fields[i], cols[i]) != 0)
			return -1;
	return 0;
}

static int one_line(const char *name, char *line, int lineno, int *seen_header,
                    const char *const *cols, int ncols, tsv_row_fn fn, void *ud, char *err,
                    size_t errlen)
{
	char *fields[TSV_MAX_COLS + 1];
	int n;

	if (line[0] == '#' || (line[0] == '\0' && !*seen_header))
		return 0;
	n = split(line, fields, TSV_MAX_COLS);
	if (!*seen_header) {
		*seen_header = 1;
		if (check_header(fields, n, cols, ncols) == 0)
			return 0;
		snprintf(err, errlen, "%s:%d: header must name the columns", name, lineno);
		return -1;
	}
	if (n != ncols) {
		snprintf(err, errlen, "%s:%d: %d fields, expected %d", name, lineno, n, ncols);
		return -1;
	}
	return fn(ud, fields, lineno, err, errlen) < 0 ? -1 : 1;
}

int tsv_parse(const char *name, const char *text, size_t len, const char *const *cols, int ncols,
              tsv_row_fn fn, void *ud, char *err, size_t errlen)
{
	char *copy = xstrndup(text, len);
	int lineno = 0, seen_header = 0, rows = 0, rc = -1;
	char *line = copy, *end;

	if (ncols > TSV_MAX_COLS || !utf8_valid(text, len) || memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: not UTF-8 text", name);
		goto out;
	}
	if (len >= 3 && memcmp(copy, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	for (; line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (end && end > line && end[-1] == '\r')
			end[-1] = '\0';
		if (!end && *line == '\0')
			break;
		int r = one_line(name, line, ++lineno, &seen_header, cols, ncols, fn, ud, err,
		                 errlen);
		if (r < 0)
			goto out;
		rows += r;
	}
	if (!seen_header) {
		snprintf(err, errlen, "%s: no header line", name);
		goto out;
	}
	rc = rows;
out:
	free(copy);
	return rc;
}

int tsv_read(const char *path, const char *const *cols, int ncols, tsv_row_fn fn, void *ud,
             char *err, size_t errlen)
{
	struct buf b;
	int rc = -1;

	buf_init(&b, TSV_MAX_FILE);
	if (file_read(path, &b, err, errlen) == 0)
		rc = tsv_parse(path, buf_str(&b), b.len, cols, ncols, fn, ud, err, errlen);
	buf_release(&b);
	return rc;
}
