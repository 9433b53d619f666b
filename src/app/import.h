/* import: experts from a roster (JSON Lines or CSV) into profiles, and the
 * export of every profile in the same format (docs/IMPORT.md).
 *
 * Two layers:
 *   - import_parse: bytes to one JSON object per row, in the import
 *     format, with the row's line number. No database: the fuzzer runs it
 *     on arbitrary bytes.
 *   - import_experts: each row's import-level fields (email, lang, consent,
 *     confirmed_at) are checked here, the rest of the row by
 *     profile_normalise; rows are deduplicated by address; new addresses
 *     become invited accounts (claim mail), existing profiles are rewritten
 *     only when their content differs, so importing a file twice changes
 *     nothing the second time.
 *   - export_experts: every profile as JSON Lines, sorted by address; an
 *     export imported into an empty database exports the same bytes.
 */
#ifndef KAFAAT_APP_IMPORT_H
#define KAFAAT_APP_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/profile.h"
#include "app/users.h"

struct app;

/* The largest file import reads (bytes) and the longest JSON line. */
#define IMPORT_MAX_FILE (512u << 20)
#define IMPORT_MAX_LINE (1u << 20)

/* ---- Parsing (no database) ---- */

enum import_format { IMPORT_JSONL, IMPORT_CSV };

/* One row of the file: the line it starts on and either its JSON object
 * or the reason it could not be read (code: bad_json, bad_csv_row,
 * not_utf8, not_an_object; detail says more, for messages). */
struct import_row {
	int line;
	json_t *obj; /* borrowed for the duration of the callback; NULL when unreadable */
	const char *code;
	const char *detail;
};

/* Called once per row, in file order; a negative return stops the parse. */
typedef int (*import_row_fn)(void *ud, const struct import_row *row);

/* JSON Lines when the first character (after a UTF-8 BOM and blanks) is
 * '{', CSV otherwise. */
enum import_format import_detect(const char *data, size_t len);

/* Reads every row of data. Returns the number of rows passed to fn, or -1
 * when the file as a whole cannot be read (a CSV header naming an unknown
 * or repeated column, or no email column; fn stopped the parse): err says
 * why. */
int import_parse(const char *data, size_t len, import_row_fn fn, void *ud, char *err,
                 size_t errlen);

/* ---- Importing ---- */

enum import_status { IMPORT_CREATED, IMPORT_UPDATED, IMPORT_UNCHANGED, IMPORT_SKIPPED };

/* What happened to one row: reasons are the errors that made it skipped
 * and the warnings of a row imported anyway (profile_issue's fields and
 * codes, plus the codes of docs/IMPORT.md: email_invalid,
 * duplicate_email_in_file, bad_json, bad_csv_row, not_utf8, …). */
struct import_result {
	int line;
	enum import_status status;
	char email[EMAIL_MAX + 1]; /* normalised; "" when the row had none */
	int ignored; /* its consent or confirmed_at was ignored (no --consent-from-file) */
	struct profile_issues issues;
};

struct import_counts {
	long rows, created, updated, unchanged, skipped;
	long warned;          /* rows imported with warnings */
	long consent_ignored; /* rows whose consent or confirmed_at was ignored */
};

typedef void (*import_report_fn)(void *ud, const struct import_result *r);

struct import_opts {
	const char *source;      /* the file's name: claim mail and audit row */
	int dry_run;             /* everything in one transaction, rolled back */
	int consent_from_file;   /* record consent and confirmed_at from the file */
	import_report_fn report; /* every row, in file order (may be NULL) */
	void *ud;
};

/* Imports every row of data (len bytes). app needs cfg, pool, tx (names)
 * and i18n (the claim mail). Returns 0 when the file was read (c counts
 * the rows, each reported, all committed with the run's audit row), -1
 * when the file as a whole cannot be read (nothing written), or -2 when
 * the database failed (err says why; the rows reported before were
 * committed, the others not). */
int import_experts(struct app *app, const char *data, size_t len, const struct import_opts *o,
                   struct import_counts *c, char *err, size_t errlen);

const char *import_status_name(enum import_status s);
/* The CSV columns (name i, NULL past the last) and import's own reason
 * codes (code i, NULL past the last): docs/IMPORT.md lists them all, which
 * a unit test checks. */
const char *import_csv_column(size_t i);
const char *import_reason_code(size_t i);
/* English text of a reason code (import's own, then profile_issue_text). */
const char *import_issue_text(const char *code);

/* ---- Exporting ---- */

/* Writes every profile to out as one JSON object per line, sorted by
 * address, in the import format (with email, lang, consent and
 * confirmed_at). Returns the number written, or -1 (err says why). */
long export_experts(struct app *app, FILE *out, char *err, size_t errlen);

#endif
