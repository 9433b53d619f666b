/* exports: the programme team's exports of experts, needs, engagements and
 * projects, as CSV (UTF-8 with BOM, formulas neutralised: web/csv.h) and
 * XLSX (libxlsxwriter: header row frozen, columns sized, sheet named in
 * the page's language and right-to-left in Arabic). Handlers:
 * h_admin_exports (the page that lists them), h_admin_export (one file),
 * both POLICY_ADMIN (handlers.h, routes.c).
 *
 * Limited by consent, as visibility.h decides for the programme team
 * (level PROGRAMME): an expert is exported only with the audience
 * "programme" granted (consent.h); a withdrawn consent takes them out at
 * once, erased people have no rows left. Engagements keep their row but
 * name the expert only under the same consent. Only columns the programme
 * team may see are written (no secrets, no technical account fields;
 * db/personal_data.tsv).
 *
 * Every export is audited (audit_append: action "export", target the
 * export's id, details {format, rows}) in its own transaction before the
 * file is sent; no file leaves when the audit row could not be written.
 * An export holds at most EXPORT_MAX_ROWS rows: beyond, it is refused with
 * a message (413) rather than cut.
 */
#ifndef KAFAAT_APP_EXPORTS_H
#define KAFAAT_APP_EXPORTS_H

#define EXPORT_MAX_ROWS 50000
#define EXPORT_CSV_MAX (64u << 20) /* bytes of a CSV file */
#define XLSX_CONTENT_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#endif
