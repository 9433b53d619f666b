/* libFuzzer target for index snapshots (match_load): the input is a
 * snapshot's body; the target seals it with the trailer match_save would
 * write (its hash and magic), so that the fuzzer reaches the parser behind
 * the hash. Whatever loads must then answer a search, facet counts and a
 * need match, take a put and a removal (the tombstone path reads the doc's
 * terms), and save again, with no crash, leak or sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *ud, const void *p, size_t n)
{
	(void)ud;
	(void)p;
	(void)n;
	return 0;
}

static void exercise(struct match_index *ix)
{
	static const char *const words[] = {"w0", "hydraulique"};
	struct match_clause clause = {words, 2};
	struct match_query q;
	struct match_hit hits[10];
	struct match_need_skill skill = {"k1", "d1", 1, 3};
	struct match_need need;
	struct match_explained out[5];
	struct match_facets *f;
	const char *tok[1] = {"w1"};
	struct match_expert e;

	memset(&q, 0, sizeof(q));
	q.clauses = &clause;
	q.nclauses = 1;
	q.audience = MATCH_FOR_PROGRAMME;
	q.filters.state = MATCH_ANY_STATE;
	q.today = 20500;
	q.dormant_days = 365;
	q.limit = 10;
	match_search(ix, &q, hits);
	f = match_facets(ix, &q, 5);
	match_facets_free(f);
	memset(&need, 0, sizeof(need));
	need.id = 1;
	need.skills = &skill;
	need.nskills = 1;
	match_need(ix, &need, 20500, 365, 0, 5, out);
	memset(&e, 0, sizeof(e));
	e.id = 424242;
	e.tokens[MF_BIO] = (struct match_strs){tok, 1};
	e.confirmed = 20500;
	match_put_expert(ix, &e);
	for (int64_t id = 1; id < 64; id++)
		match_remove_expert(ix, id);
	match_save(ix, NULL, sink, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 16);
	uint64_t hash = match_snapshot_hash(data, size);
	struct match_index *ix;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	memcpy(buf + size, &hash, 8);
	memcpy(buf + size + 8, "KAFAATIX", 8);
	ix = match_load(buf, size + 16, NULL);
	if (ix != NULL) {
		exercise(ix);
		match_free(ix);
	}
	free(buf);
	return 0;
}
