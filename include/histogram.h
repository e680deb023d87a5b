/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log-linear histogram shared by BPF and user space: values below 16 ns have a
 * bucket each; above, each power of two is split into 16 buckets, so a bucket
 * is at most 1/16 of its lower bound wide.
 */
#ifndef URINGLOCKSTAT_HISTOGRAM_H
#define URINGLOCKSTAT_HISTOGRAM_H

#define HIST_SUB_BITS 4
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Values of 2^(HIST_MAX_LOG2 + 1) ns (~137 s) and more share the last bucket. */
#define HIST_MAX_LOG2 36
#define HIST_BUCKETS (HIST_SUB + (HIST_MAX_LOG2 - HIST_SUB_BITS + 1) * HIST_SUB)

/* floor(log2(v)) for v > 0, without loops or builtins so that BPF can use it. */
static inline __u32 hist_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r;
}

static inline __u32 hist_bucket(__u64 v)
{
	__u32 e;

	if (v < HIST_SUB)
		return (__u32)v;
	e = hist_log2(v);
	if (e > HIST_MAX_LOG2)
		return HIST_BUCKETS - 1;
	return HIST_SUB + (e - HIST_SUB_BITS) * HIST_SUB +
	       (__u32)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* Smallest value that falls in bucket b. */
static inline __u64 hist_bucket_low(__u32 b)
{
	__u32 e, sub;

	if (b < HIST_SUB)
		return b;
	e = (b - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
	sub = (b - HIST_SUB) % HIST_SUB;
	return (1ull << e) + ((__u64)sub << (e - HIST_SUB_BITS));
}

/* One past the largest value that falls in bucket b (the last bucket is open-ended). */
static inline __u64 hist_bucket_high(__u32 b)
{
	if (b < HIST_SUB)
		return b + 1;
	return hist_bucket_low(b) + (1ull << ((b - HIST_SUB) / HIST_SUB));
}

#endif
