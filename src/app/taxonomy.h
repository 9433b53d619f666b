/* taxonomy: the reference data in memory, for resolving what people type.
 *
 * Loaded once from the database (sectors, skills with their synonyms,
 * countries, languages, regions, ISCO-08 groups) and immutable afterwards,
 * so every thread may read it. Names are matched on their folded form
 * (text/fold.h), so "Cybersécurité", "cybersecurite" and "الأمن السيبراني"
 * all find the same skill, whichever language the label or synonym is in.
 */
#ifndef KAFAAT_APP_TAXONOMY_H
#define KAFAAT_APP_TAXONOMY_H

#include <jansson.h>
#include <stddef.h>

#include "web/i18n.h"

struct db;
struct taxonomy;

enum tax_kind { TAX_SECTOR, TAX_SKILL, TAX_COUNTRY, TAX_LANGUAGE, TAX_REGION, TAX_ISCO, TAX_KINDS };

/* Loads everything; NULL on a database error (err says why). */
struct taxonomy *taxonomy_load(struct db *db, char *err, size_t errlen);
void taxonomy_free(struct taxonomy *t);

/* The id of the entry of kind k whose id, label (any language) or synonym
 * is `name` once folded; NULL when there is none. The string belongs to t. */
const char *taxonomy_resolve(const struct taxonomy *t, enum tax_kind k, const char *name);
/* Is id an entry of kind k? */
int taxonomy_has(const struct taxonomy *t, enum tax_kind k, const char *id);
/* The label of id in language l, or NULL. */
const char *taxonomy_label(const struct taxonomy *t, enum tax_kind k, const char *id, enum lang l);
/* The group of id: a skill's domain; NULL for other kinds or an unknown id.
 * Belongs to t. */
const char *taxonomy_group(const struct taxonomy *t, enum tax_kind k, const char *id);
/* The folded names of id (its id, labels in every language, synonyms), *n
 * of them; NULL and 0 for an unknown id. Belong to t. */
const char *const *taxonomy_keys(const struct taxonomy *t, enum tax_kind k, const char *id,
                                 size_t *n);
/* Number of entries of kind k. */
size_t taxonomy_count(const struct taxonomy *t, enum tax_kind k);
/* Up to max entries of kind k whose label or synonym (any language)
 * contains the folded query, best first (prefix of a word before inside),
 * as [{id, label (in l), matched}]. For autocomplete. */
json_t *taxonomy_suggest(const struct taxonomy *t, enum tax_kind k, const char *query, enum lang l,
                         size_t max);
/* [{id, label}] of every entry of kind k, in order of label in l (or the
 * table's position for sectors and regions). For <select> lists. */
json_t *taxonomy_options(const struct taxonomy *t, enum tax_kind k, enum lang l);

#endif
