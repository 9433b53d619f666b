/* rights: a person's rights over their data (Law 09-08, GDPR).
 *
 * "Download all my data" gives one ZIP archive (written here: stored
 * entries with their CRC-32, no compression) holding data.json — every row
 * about the person from every table of the personal-data catalogue, the
 * profile in the import format, the consents with their history — and
 * their files (CV). Erasure deletes the account in one transaction, as the
 * catalogue says column by column, then the stored files.
 *
 * The catalogue is db/personal_data.tsv (config paths.personal_data), read
 * when needed; tests/unit/test_personal_data.c keeps it complete against
 * the schema. Its columns are documented at its top and in
 * docs/DATA_RIGHTS.md.
 */
#ifndef KAFAAT_APP_RIGHTS_H
#define KAFAAT_APP_RIGHTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct db;
struct buf;

enum pd_kind {
	PD_IDENTIFIER,      /* ids and names: who the person is */
	PD_CONTACT,         /* addresses, mail */
	PD_PROFILE,         /* what they told us */
	PD_TECHNICAL,       /* dates, addresses and devices of use, states */
	PD_ACTOR_TECHNICAL, /* technical data about whoever acted on the row */
	PD_SECRET,          /* never exported */
	PD_SECRET_HASH,     /* never exported */
	PD_NOT_PERSONAL,    /* row numbers, fixed kinds, chain hashes */
	PD_KIND_COUNT
};

enum pd_erasure {
	PD_DELETE,         /* the row is deleted (through the table's delete finders) */
	PD_ANONYMISE,      /* the person's id set to NULL, their address replaced */
	PD_KEEP_ANONYMOUS, /* kept: names nobody once the account is gone */
	PD_RETAIN,         /* kept for the period docs/DATA_RIGHTS.md states */
	PD_ERASURE_COUNT
};

enum pd_finder {
	PD_FIND_NONE,
	PD_FIND_USER,           /* the column holds the person's id */
	PD_FIND_EMAIL,          /* the column holds their address */
	PD_FIND_SIGNIN_SUBJECT, /* sign-in failure subjects derived from their address */
	PD_FINDER_COUNT
};

struct pd_column {
	char table[64];
	char column[64];
	enum pd_kind kind;
	enum pd_erasure erasure;
	enum pd_finder finder;
};

/* The catalogue, in file order (a table's columns are consecutive). */
struct pd_catalogue {
	struct pd_column *cols;
	size_t count;
};

/* Reads and checks the catalogue: known kinds, erasures and finders; SQL
 * identifiers only; a table's lines together, each column once; every
 * table has a finder; anonymise only on identifiers and contacts. 0, or -1
 * with "PATH:LINE: reason" in err. */
int pd_catalogue_load(const char *path, struct pd_catalogue *c, char *err, size_t errlen);
void pd_catalogue_release(struct pd_catalogue *c);
/* The names used in the file ("identifier", "delete", "user", …). */
const char *pd_kind_name(enum pd_kind k);
const char *pd_erasure_name(enum pd_erasure e);
const char *pd_finder_name(enum pd_finder f);

/* Who the data is about: their id and every address they had. */
#define PD_MAX_EMAILS 16
struct pd_subject {
	int64_t user_id;
	const char *emails[PD_MAX_EMAILS]; /* the current address first */
	size_t nemails;
};

/* Fills s for user_id with their current address and the former ones:
 * those the "address changed" notices (whose subjects, in every language,
 * are notice_subjects, NULL-terminated) were sent to when the notice names
 * an address of theirs, followed back from change to change. Strings in a.
 * 0 or -1. */
int rights_subject(struct db *db, struct arena *a, int64_t user_id, const char *email,
                   const char *const *notice_subjects, struct pd_subject *s);

/* The rows about s, table by table: {"users": [{column: text or null}],
 * …}; secrets read "withheld". New reference, or NULL on a database error. */
json_t *rights_rows(struct db *db, const struct pd_catalogue *c, const struct pd_subject *s);

/* Erases s as the catalogue says, in the caller's transaction: identifiers
 * set to NULL and addresses replaced where they are kept, then every row a
 * delete finder finds (children first). Stored files are the caller's
 * (collect their names first). 0 or -1. */
int rights_erase(struct db *db, const struct pd_catalogue *c, const struct pd_subject *s);

/* A ZIP archive being written into a buffer: stored entries (method 0),
 * UTF-8 names, one time for every entry. */
struct zip {
	struct buf *out;
	struct buf *central; /* the central directory, appended at the end */
	uint16_t dos_time, dos_date;
	uint16_t entries;
};

/* Starts an archive in out (which it appends to) dated at t (Unix seconds). */
void zip_start(struct zip *z, struct buf *out, int64_t t);
/* Adds one file. 0, or -1 (over 65535 entries, 4 GiB, or out's maximum). */
int zip_add(struct zip *z, const char *name, const void *data, size_t len);
/* Writes the central directory and its end record; frees what zip_start
 * allocated. 0 or -1. */
int zip_finish(struct zip *z);
/* CRC-32 (ISO 3309, as in ZIP and gzip) of data, continuing from crc (0 to
 * start). */
uint32_t zip_crc32(uint32_t crc, const void *data, size_t len);

#endif
