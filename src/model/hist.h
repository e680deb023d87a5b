/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_HIST_H
#define URINGLOCKSTAT_HIST_H

#include <stdbool.h>
#include <linux/types.h>
#include "histogram.h"

/* What a report says of one latency distribution; all in nanoseconds. */
struct hist_summary {
	__u64 count;
	__u64 total;
	__u64 p50;
	__u64 p90;
	__u64 p99;
	__u64 max;
};

/*
 * Value at quantile q (0 < q <= 1) of a bucketed histogram: the midpoint of the bucket that
 * holds the ceil(q * count)-th value, clamped to `max` (the exact maximum, if known, else 0).
 */
__u64 hist_quantile(const __u64 *buckets, __u64 count, double q, __u64 max);

void hist_summarize(const __u64 *buckets, __u64 total, __u64 max, struct hist_summary *out);

#endif
