/* libFuzzer target: the JSON body of POST /api/v1/needs (api_need_body),
 * then the need editor's validation of the fields it produced (need_read),
 * against a small taxonomy read once from a database migrated in a
 * temporary folder (the store wants a file: write-ahead logging). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "app/api.h"
#include "app/needs.h"
#include "app/taxonomy.h"
#include "core/arena.h"
#include "db/db.h"
#include "db/migrations.h"
#include "web/urlenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const reference_sql[] = {
        "INSERT INTO sectors VALUES ('digital', 2, 'الرقمنة', 'Numérique', 'Digital')",
        "INSERT INTO skill_domains VALUES ('it', 1, 'المعلوميات', 'Informatique', 'IT')",
        "INSERT INTO skills VALUES ('cybersecurity', 'it', 'الأمن السيبراني', 'Cybersécurité', "
        "'Cybersecurity', 'sécurité informatique|infosec')",
        "INSERT INTO languages VALUES ('fr', 'الفرنسية', 'français', 'French')",
        "INSERT INTO regions VALUES ('MA-06', 6, 'الدار البيضاء سطات', 'Casablanca-Settat', "
        "'Casablanca-Settat')",
};

static struct taxonomy *taxonomy(void)
{
	static struct taxonomy *tx;
	struct db *db;
	char dir[] = "/tmp/kafaat-fuzz-XXXXXX", path[64], err[256];

	if (tx)
		return tx;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/k.db", dir);
	if (db_open(path, &db, err, sizeof(err)) < 0 || migrate_run(db, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_api_need: %s\n", err);
		abort();
	}
	for (size_t i = 0; i < sizeof(reference_sql) / sizeof(reference_sql[0]); i++)
		if (db_exec(db, reference_sql[i]) != DB_OK)
			abort();
	tx = taxonomy_load(db, err, sizeof(err));
	if (!tx)
		abort();
	db_close(db);
	for (const char *const *f = (const char *const[]){"k.db", "k.db-wal", "k.db-shm", NULL}; *f;
	     f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		unlink(path);
	}
	rmdir(dir);
	return tx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = {0};
	struct kvlist form = {0};
	struct need n = {0};
	struct need_issues is = {0};
	const char *code, *field;

	if (api_need_body(&a, (const char *)data, size, &form, &code, &field) == 0)
		need_read(taxonomy(), &a, &form, "2026-11-29", &n, &is);
	arena_free(&a);
	return 0;
}
