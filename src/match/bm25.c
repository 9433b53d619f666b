/* bm25: the BM25F formula and its bounds (internal.h).
 *
 * A document's text is one bag of terms whose frequencies are weighted by
 * field (index.c); its length dl is the weighted count of its tokens, so
 * one term contributes
 *   idf * tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)),
 *   idf = ln(1 + (N - df + 0.5) / (df + 0.5))
 * with N and df counting live documents only, k1 = 1.2, b = 0.75. */
#include <string.h>

#include "match/internal.h"

void bm25_init(struct bm25 *bm, const struct match_index *ix)
{
	bm->n = ix->nlive;
	bm->avgdl = ix->nlive ? (double)ix->dl2_sum / 2.0 / (double)ix->nlive : 1.0;
}

/* Natural logarithm of a positive normal x (the build links no libm):
 * x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) with
 * s = (m-1)/(m+1), |s| < 0.172, summed until the terms vanish. */
static double bm25_ln(double x)
{
	uint64_t bits;
	double m, s, s2, term, sum = 0;
	int e, k;

	memcpy(&bits, &x, sizeof(bits));
	e = (int)((bits >> 52) & 0x7ff) - 1023;
	bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
	memcpy(&m, &bits, sizeof(m));
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	s = (m - 1.0) / (m + 1.0);
	s2 = s * s;
	term = s;
	for (k = 1; k < 60 && (term > 1e-19 || term < -1e-19); k += 2) {
		sum += term / k;
		term *= s2;
	}
	return 2.0 * sum + e * 0.69314718055994530942;
}

double bm25_idf(const struct bm25 *bm, uint32_t df)
{
	return bm25_ln(1.0 + (bm->n - df + 0.5) / (df + 0.5));
}

double bm25_term(double idf, double tf, double dl, double avgdl)
{
	double norm = BM25_K1 * (1.0 - BM25_B + BM25_B * dl / avgdl);

	return idf * (tf * (BM25_K1 + 1.0)) / (tf + norm);
}

/* The most a term can add for docs whose tf <= maxtf and dl/tf >= mindlr. */
double bm25_bound(double idf, float maxtf, double mindlr, double avgdl)
{
	return idf * (BM25_K1 + 1.0) /
	       (1.0 + BM25_K1 * (1.0 - BM25_B) / maxtf + BM25_K1 * BM25_B * mindlr / avgdl);
}
