// SPDX-License-Identifier: GPL-2.0
/*
 * Merging and reading the latency histograms of hist.h.
 */
#include <math.h>

#include "hist.h"

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* The largest value that falls into bucket @i. */
static uint64_t bucket_top(unsigned int i)
{
	unsigned int shift;
	uint64_t sub;

	if (i < HIST_SUB)
		return i;
	shift = i / HIST_SUB - 1;
	sub = i % HIST_SUB + HIST_SUB;
	/* For the very last bucket this wraps to 0 and the - 1 to the max. */
	return ((sub + 1) << shift) - 1;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	unsigned int i;

	if (!h->count)
		return 0;
	/* The smallest value that at least q of the samples do not exceed. */
	rank = (uint64_t)ceil(q * h->count);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	return bucket_top(i) < h->max ? bucket_top(i) : h->max;
}
