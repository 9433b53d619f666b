/* csv: writing CSV (RFC 4180) for spreadsheets into a struct buf, knowing
 * nothing of the domain.
 *
 * Files start with the UTF-8 byte order mark (CSV_BOM) so that
 * spreadsheets read Arabic and accents right; records end with CRLF. A
 * field is quoted when it holds a comma, a quote or a line break (quotes
 * doubled). A field a spreadsheet would take for a formula — one starting
 * with = + - @, a tab or a carriage return — is neutralised: written
 * quoted with an apostrophe in front, so it is shown as text and never
 * evaluated (CSV injection).
 *
 *   buf_adds(&b, CSV_BOM);
 *   csv_field(&b, "name"); csv_sep(&b); csv_field(&b, "=cmd"); csv_end(&b);
 *   → name,"'=cmd"\r\n
 *
 * Each function returns 0, or -1 when the buffer's maximum was reached
 * (the buffer then holds a prefix: discard it).
 */
#ifndef KAFAAT_WEB_CSV_H
#define KAFAAT_WEB_CSV_H

#include "core/buf.h"

#define CSV_BOM "\xEF\xBB\xBF"
#define CSV_CONTENT_TYPE "text/csv; charset=utf-8"

/* Would a spreadsheet read s as a formula (its first byte = + - @ tab CR)? */
int csv_formula(const char *s);
/* One field (NULL: empty), quoted and neutralised as above. */
int csv_field(struct buf *b, const char *s);
/* The separator between two fields, and the end of a record. */
int csv_sep(struct buf *b);
int csv_end(struct buf *b);
/* A whole record: n fields (NULL: empty), separated, then the end. */
int csv_record(struct buf *b, const char *const *fields, int n);

#endif
