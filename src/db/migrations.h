/* migrations: the numbered schema migrations compiled into the binary
 * (generated from db/migrations/NNNN_name.sql by
 * scripts/embed-migrations.sh), and the runner that applies them.
 *
 * Each migration runs in one transaction with its row in schema_migrations
 * (version, name, applied_at); an applied version is never run again. */
#ifndef KAFAAT_DB_MIGRATIONS_H
#define KAFAAT_DB_MIGRATIONS_H

#include <stddef.h>

struct db;

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const size_t migrations_count;

/* Applies every pending migration in version order. Returns the number
 * applied (0 when up to date) or -1 (err says which migration and why;
 * that migration is rolled back, earlier ones stay). */
int migrate_run(struct db *db, char *err, size_t errlen);
/* migrate_run with another table (tests use their own): list must be in
 * strictly increasing version order; its last version is the newest this
 * build knows. */
int migrate_run_list(struct db *db, const struct migration *list, size_t n, char *err,
                     size_t errlen);
/* The highest applied version, 0 for an empty database, -1 on error. */
int migrate_current(struct db *db);

#endif
