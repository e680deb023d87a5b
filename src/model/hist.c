// SPDX-License-Identifier: GPL-2.0
/* Percentiles from the log-linear histograms the BPF programs fill. */
#include <math.h>
#include "hist.h"

__u64 hist_quantile(const __u64 *buckets, __u64 count, double q, __u64 max)
{
	__u64 rank, seen = 0;
	__u32 b;

	if (!count)
		return 0;
	rank = (__u64)ceil(q * (double)count);
	if (rank < 1)
		rank = 1;
	for (b = 0; b < HIST_BUCKETS; b++) {
		__u64 low, high, mid;

		seen += buckets[b];
		if (seen < rank)
			continue;
		/* The last bucket is open-ended: the exact maximum is the best answer there. */
		if (b == HIST_BUCKETS - 1 && max)
			return max;
		low = hist_bucket_low(b);
		high = hist_bucket_high(b);
		/* Buckets below HIST_SUB hold exactly one value. */
		mid = b < HIST_SUB ? low : low + (high - low) / 2;
		if (max && mid > max)
			mid = max;
		return mid;
	}
	return max;
}

void hist_summarize(const __u64 *buckets, __u64 total, __u64 max, struct hist_summary *out)
{
	__u64 count = 0;
	__u32 b;

	for (b = 0; b < HIST_BUCKETS; b++)
		count += buckets[b];
	out->count = count;
	out->total = total;
	out->max = max;
	out->p50 = hist_quantile(buckets, count, 0.50, max);
	out->p90 = hist_quantile(buckets, count, 0.90, max);
	out->p99 = hist_quantile(buckets, count, 0.99, max);
}
