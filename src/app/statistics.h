/* statistics: the public statistics, their tables with small-cell
 * suppression, and the open data (CSV, JSON and its dictionary). The
 * figures come from indicators.h only; the rule of suppression and its
 * proof are in docs/INDICATORS.md. Handlers: handlers.h (statistics.c).
 *
 * A table and its strings live in the request's arena.
 */
#ifndef KAFAAT_APP_STATISTICS_H
#define KAFAAT_APP_STATISTICS_H

#include <jansson.h>
#include <stdint.h>

#include "app/indicators.h"

struct pp;
struct db;

/* experts, needs, sectors, then the breakdowns by country, gender, age
 * band, network and Moroccan region of the missions. */
#define STAT_TABLES 8
#define STAT_MAX_COLS 8

/* One published table: rows × cols counts, a cell hidden or not. Cells
 * are v[row * cols + col]. The rule is applied to each group: the row of a
 * one-row table, each column of a table of several rows; each cell alone
 * when the table is not additive (its cells are nested figures that no
 * published figure adds up). */
struct stat_table {
	const char *id;        /* "experts", "needs", "sectors", "by_country", … */
	const char *title_key; /* catalogue key */
	int rows, cols;
	int additive;
	const char *col_ids[STAT_MAX_COLS];
	const char **row_ids, **row_labels; /* rows entries */
	int64_t *v;
	int *hidden;
};

/* Hides cells of one group of n counts (v[i * stride]): every count
 * below k, then, when any is hidden, the smallest shown ones until at
 * least two are hidden and the hidden ones add up to k or more (or every
 * cell of the group is hidden). */
void stat_suppress(const int64_t *v, int *hidden, int n, int stride, int k);

/* Applies the rule to each group of t (above) with threshold k. */
void stat_table_suppress(struct stat_table *t, int k);

/* The label of a breakdown's key in the page's language (a sector,
 * country, network, institution or region name, a gender, an age band;
 * "" is "not given"). db: for network and institution names. */
const char *stat_dimension_label(struct pp *c, struct db *db, enum ind_dimension d,
                                 const char *key);

/* Builds the public tables at c->now into t[STAT_TABLES], suppressed
 * with threshold k. 0 or -1 (database error). */
int stat_tables(struct pp *c, struct db *db, int k, struct stat_table t[STAT_TABLES]);

#endif
