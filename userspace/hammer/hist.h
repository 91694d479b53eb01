/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A log-bucketed latency histogram in the manner of HdrHistogram: values
 * below HIST_SUB get a bucket each; above, every power of two is split into
 * HIST_SUB linear sub-buckets, so a bucket is at most 1/HIST_SUB (about 3%)
 * wide relative to its values, at a fixed 15 KiB for the whole 64-bit range.
 *
 * Each thread records into its own histograms without locks; they are
 * merged once the threads are done.
 */
#ifndef HAMMER_HIST_H
#define HAMMER_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS	5
#define HIST_SUB	(1U << HIST_SUB_BITS)
/* One group of HIST_SUB for the small values, then one per shift 0..58. */
#define HIST_BUCKETS	((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t bucket[HIST_BUCKETS];
};

static inline unsigned int hist_index(uint64_t v)
{
	unsigned int shift;

	if (v < HIST_SUB)
		return v;
	shift = 63 - __builtin_clzll(v) - HIST_SUB_BITS;
	return (shift + 1) * HIST_SUB + (unsigned int)(v >> shift) - HIST_SUB;
}

/* The hot path: a few instructions and stores to the thread's own memory. */
static inline void hist_record(struct hist *h, uint64_t v)
{
	h->bucket[hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src);
/* The value at quantile @q (0..1): the top of its bucket, at most the max. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif /* HAMMER_HIST_H */
