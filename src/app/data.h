/* data: loading the files under data/ into the database.
 *
 * Reference data (data/sectors.tsv, …) is synchronised by `kafaat migrate`
 * (insert or update by id: running it again changes nothing). Demo data
 * (data/demo/) is loaded by `kafaat demo` only into an empty database, so a
 * newcomer meets a living system and a real database is never touched.
 */
#ifndef KAFAAT_APP_DATA_H
#define KAFAAT_APP_DATA_H

#include <stddef.h>

struct db;

/* Upserts the reference tables from dir. Returns rows read, or -1 (err). */
int data_sync_reference(struct db *db, const char *dir, char *err, size_t errlen);
/* Loads dir/demo/ when the database holds no demo-able content yet.
 * Returns rows loaded (0 when the database was not empty), or -1 (err). */
int data_load_demo(struct db *db, const char *dir, char *err, size_t errlen);

#endif
