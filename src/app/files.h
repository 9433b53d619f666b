/* files: experts' CVs, uploaded without JavaScript (a multipart form: see
 * web/multipart.h) and kept outside the web root.
 *
 * A CV is a PDF (it starts with "%PDF-" and has "%%EOF" in its last KiB)
 * of at most CV_MAX_BYTES; anything else is refused with a message in the
 * person's language and nothing is stored. It is written, 0600, into the
 * folder paths.files under a random name (256 bits); the name it was
 * uploaded with is kept only as text, for the download's file name. It is
 * never served inline: downloads carry Content-Disposition: attachment,
 * Content-Type application/pdf and nosniff. Its owner downloads it from
 * /LANG/profile/cv; others through /LANG/experts/:id/cv when visibility.h
 * lets them see the contact part of the profile, and every such view is
 * written to the audit log ("cv_viewed").
 */
#ifndef KAFAAT_APP_FILES_H
#define KAFAAT_APP_FILES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct app;
struct buf;
struct config;
struct db;

#define CV_MAX_BYTES (5 * 1024 * 1024)
/* The largest file part the server reads (routes.c): a CV up to this size
 * is read and refused with a clear message; larger bodies get the 413 page. */
#define CV_READ_MAX (8 * 1024 * 1024)

/* The catalogue key of what is wrong with a would-be CV, or NULL. */
const char *cv_problem(const char *data, size_t len);

/* A file name as uploaded, made safe to keep and to send back: the last
 * path segment without leading dots and spaces, control characters and
 * quotes dropped, at most 120 bytes of valid UTF-8; "cv.pdf" when nothing
 * is left. Writes into out (size n). */
void files_clean_name(const char *name, size_t len, char *out, size_t n);

/* Writes data as the new file `name` (a token_new name) in paths.files,
 * 0600: a temporary file, synced, renamed, the folder synced. 0 or -1
 * (logged; nothing left behind). Also for dossier documents (projects.h). */
struct arena;
int files_store(struct arena *a, const struct config *cfg, const char *name, const char *data,
                size_t len);
/* Removes one stored file (a missing one is not an error; others logged). */
void files_unlink(const struct config *cfg, const char *name);

/* Reads the stored file `stored_as` into out (bounded by out's maximum).
 * 0, or -1 (logged). */
int files_read(const struct config *cfg, const char *stored_as, struct buf *out);

/* The stored names of user_id's files, as a JSON array of strings (new
 * reference), or NULL on a database error. */
json_t *files_stored_names(struct db *db, int64_t user_id);

/* Removes stored files (an array of names), after the transaction that
 * dropped their rows committed. A failure is logged, not returned. */
void files_unlink_all(const struct config *cfg, json_t *names);

/* Removes from paths.files every stored file no row refers to (a CV or a
 * dossier document), and every temporary file, last changed more than
 * paths.files_orphan_minutes ago: what a process that died between
 * writing a file and committing its row, or between committing an erasure
 * or a replacement and removing the old file, left behind. The age spares
 * uploads in flight, on this node or on another sharing the folder. Run by
 * `kafaat serve` before it serves, then hourly (files_sweep_tick). Names
 * that are not Kafaat's (not a token) are left alone, and nothing is
 * removed when more than 64 files would be and they outnumber the files
 * rows refer to (a server started on the wrong database). Logs what it
 * did. Returns the number removed, or -1 (folder or database unreadable,
 * or that refusal). */
int files_sweep(struct db *db, const struct config *cfg);
/* Runs files_sweep on a pooled connection once an hour has passed since
 * *last (app clock), then sets *last; for the mail sender's thread, which
 * runs the hourly jobs. Start *last at the start-up sweep's time. */
void files_sweep_tick(struct app *app, int64_t *last);

#endif
