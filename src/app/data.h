/* data: loading the files under data/ into the database.
 *
 * Reference data (data/sectors.tsv, skill_domains.tsv, skills.tsv,
 * isco08.tsv, regions.tsv, countries.tsv, languages.tsv; docs/DATA.md says
 * where each comes from) is synchronised by `kafaat migrate`: every file is
 * read and upserted by its key, all in one transaction (insert or update;
 * a row equal to the file is not written, so running it again changes
 * nothing). Rows that disappeared from a file are kept: profiles and needs
 * may point to them. Demo data (data/demo/) is loaded by `kafaat demo` only
 * into an empty database, so a newcomer meets a living system and a real
 * database is never touched.
 */
#ifndef KAFAAT_APP_DATA_H
#define KAFAAT_APP_DATA_H

#include <stddef.h>

struct db;

/* Upserts the reference tables from dir. Returns rows read (over all the
 * files), or -1 (err says which file and line; nothing is changed). */
int data_sync_reference(struct db *db, const char *dir, char *err, size_t errlen);
/* Loads dir/demo/ when the database holds no demo-able content yet.
 * Returns rows loaded (0 when the database was not empty), or -1 (err). */
int data_load_demo(struct db *db, const char *dir, char *err, size_t errlen);

#endif
