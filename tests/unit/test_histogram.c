// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the log-linear histogram (include/histogram.h) and of the percentiles computed
 * from it (src/model/hist.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hist.h"

#define LIMIT (1ull << (HIST_MAX_LOG2 + 1)) /* 2^37: first value of the open-ended bucket */
#define LAST_BUCKET (HIST_BUCKETS - 1)

/* splitmix64: fixed seed, so that every run checks the same values. */
static __u64 rng_state;

static void rng_seed(__u64 seed)
{
	rng_state = seed;
}

static __u64 rng_next(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant here). */
static __u64 rng_below(__u64 n)
{
	return rng_next() % n;
}

static __u32 ref_log2(__u64 v)
{
	return 63 - (__u32)__builtin_clzll(v);
}

/* ---- bucket invariants ---- */

static void check_value(__u64 v)
{
	__u32 b = hist_bucket(v);

	if (v >= LIMIT) {
		if (b != LAST_BUCKET)
			fail_msg("value %llu >= 2^37 in bucket %u, not the last (%u)",
				 (unsigned long long)v, b, LAST_BUCKET);
		return;
	}
	if (b >= HIST_BUCKETS)
		fail_msg("value %llu: bucket %u out of range", (unsigned long long)v, b);
	if (!(hist_bucket_low(b) <= v && v < hist_bucket_high(b)))
		fail_msg("value %llu in bucket %u = [%llu, %llu)", (unsigned long long)v, b,
			 (unsigned long long)hist_bucket_low(b),
			 (unsigned long long)hist_bucket_high(b));
}

static void test_buckets_dense_small(void **state)
{
	__u64 v;

	(void)state;
	for (v = 0; v < (1ull << 20); v++)
		check_value(v);
}

static void test_buckets_powers_of_two(void **state)
{
	int e, d;

	(void)state;
	for (e = 0; e < 64; e++) {
		for (d = -2; d <= 2; d++) {
			__u64 p = 1ull << e;

			if (d < 0 && p < (__u64)-d)
				continue;
			check_value(p + (__u64)(__s64)d);
		}
	}
	check_value(~0ull);
	check_value(~0ull - 1);
	check_value(LIMIT - 1);
	assert_int_equal(hist_bucket(LIMIT - 1), LAST_BUCKET);
	assert_int_equal(hist_bucket(LIMIT), LAST_BUCKET);
	assert_int_equal(hist_bucket(~0ull), LAST_BUCKET);
}

static void test_buckets_random(void **state)
{
	int i;

	(void)state;
	rng_seed(1);
	for (i = 0; i < 2000000; i++) {
		/* A random magnitude, then a random value of that magnitude. */
		__u32 e = (__u32)rng_below(HIST_MAX_LOG2 + 1);
		__u64 v = (1ull << e) | (rng_next() & ((1ull << e) - 1));

		check_value(v);
	}
	for (i = 0; i < 100000; i++) {
		__u32 e = 37 + (__u32)rng_below(27);

		check_value((1ull << e) | (rng_next() & ((1ull << e) - 1)));
	}
}

static void test_bucket_bounds(void **state)
{
	__u32 b;

	(void)state;
	assert_int_equal(HIST_BUCKETS, 16 + (36 - 4 + 1) * 16);
	assert_int_equal(hist_bucket_low(0), 0);
	assert_true(hist_bucket_high(LAST_BUCKET) == LIMIT);
	for (b = 0; b < HIST_BUCKETS; b++) {
		__u64 low = hist_bucket_low(b), high = hist_bucket_high(b);

		assert_true(low < high);
		/* Every bucket is reachable and holds exactly [low, high). */
		assert_int_equal(hist_bucket(low), b);
		assert_int_equal(hist_bucket(high - 1), b);
		if (b < HIST_SUB) {
			assert_true(low == b);
			assert_true(high - low == 1);
		} else {
			/* At most 1/16 of the lower bound wide. */
			if ((high - low) * HIST_SUB > low)
				fail_msg("bucket %u [%llu, %llu) wider than low/16", b,
					 (unsigned long long)low, (unsigned long long)high);
		}
		if (b + 1 < HIST_BUCKETS) {
			/* Contiguous and monotonic. */
			assert_true(high == hist_bucket_low(b + 1));
			assert_true(low < hist_bucket_low(b + 1));
			assert_true(high <= hist_bucket_high(b + 1));
		}
	}
}

static void test_buckets_monotonic(void **state)
{
	__u64 v, prev_b = 0;
	int i;

	(void)state;
	for (v = 0; v < (1ull << 18); v++) {
		__u32 b = hist_bucket(v);

		assert_true(b == prev_b || b == prev_b + 1);
		prev_b = b;
	}
	rng_seed(2);
	for (i = 0; i < 200000; i++) {
		__u64 a = rng_next() >> rng_below(64), c = rng_next() >> rng_below(64);

		if (a > c) {
			__u64 t = a;

			a = c;
			c = t;
		}
		assert_true(hist_bucket(a) <= hist_bucket(c));
	}
}

static void test_log2(void **state)
{
	int e, i;

	(void)state;
	for (e = 0; e < 64; e++) {
		__u64 p = 1ull << e;

		assert_int_equal(hist_log2(p), e);
		if (p > 1)
			assert_int_equal(hist_log2(p - 1), e - 1);
		if (e < 63)
			assert_int_equal(hist_log2(p + 1), p + 1 == 2 ? 1 : (__u32)e);
		assert_int_equal(hist_log2(p | (p - 1)), e);
	}
	assert_int_equal(hist_log2(~0ull), 63);
	rng_seed(3);
	for (i = 0; i < 1000000; i++) {
		__u64 v = rng_next() >> rng_below(64);

		if (!v)
			continue;
		if (hist_log2(v) != ref_log2(v))
			fail_msg("hist_log2(%llu) = %u, expected %u", (unsigned long long)v,
				 hist_log2(v), ref_log2(v));
	}
}

/* ---- percentiles ---- */

struct dataset {
	__u64 *v;
	size_t n;
};

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Exact percentile: the ceil(num/den * n)-th smallest value (1-based), in integers. */
static __u64 exact_quantile(const __u64 *sorted, size_t n, unsigned int num, unsigned int den)
{
	size_t rank = ((size_t)num * n + den - 1) / den;

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static void check_estimate(const char *name, const char *what, __u64 est, __u64 exact,
			   __u64 max)
{
	__u64 err = est > exact ? est - exact : exact - est;

	if (est > max)
		fail_msg("%s: %s %llu above the maximum %llu", name, what,
			 (unsigned long long)est, (unsigned long long)max);
	if (exact >= LIMIT) {
		/* The last bucket is open-ended: only its lower bound and the maximum hold. */
		if (est < hist_bucket_low(LAST_BUCKET))
			fail_msg("%s: %s %llu below the last bucket, exact %llu", name, what,
				 (unsigned long long)est, (unsigned long long)exact);
		return;
	}
	if (exact < HIST_SUB) {
		if (est != exact)
			fail_msg("%s: %s %llu, exact %llu (must be exact below 16 ns)", name, what,
				 (unsigned long long)est, (unsigned long long)exact);
		return;
	}
	/* Within the bucket of the exact value: at most 1/16 of it (+1 ns for rounding). */
	if (err > exact / HIST_SUB + 1)
		fail_msg("%s: %s %llu, exact %llu: error %llu > 1/16", name, what,
			 (unsigned long long)est, (unsigned long long)exact,
			 (unsigned long long)err);
	if (hist_bucket(est) != hist_bucket(exact))
		fail_msg("%s: %s %llu not in the bucket of the exact value %llu", name, what,
			 (unsigned long long)est, (unsigned long long)exact);
}

static void check_dataset(const char *name, __u64 *v, size_t n)
{
	__u64 *buckets = calloc(HIST_BUCKETS, sizeof(*buckets));
	__u64 total = 0, max = 0;
	struct hist_summary s;
	size_t i;

	assert_non_null(buckets);
	for (i = 0; i < n; i++) {
		buckets[hist_bucket(v[i])]++;
		total += v[i];
		if (v[i] > max)
			max = v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_true(max == v[n - 1]);

	memset(&s, 0xa5, sizeof(s));
	hist_summarize(buckets, total, max, &s);
	if (s.count != n || s.total != total || s.max != max)
		fail_msg("%s: count %llu total %llu max %llu, expected %zu %llu %llu", name,
			 (unsigned long long)s.count, (unsigned long long)s.total,
			 (unsigned long long)s.max, n, (unsigned long long)total,
			 (unsigned long long)max);
	check_estimate(name, "p50", s.p50, exact_quantile(v, n, 50, 100), max);
	check_estimate(name, "p90", s.p90, exact_quantile(v, n, 90, 100), max);
	check_estimate(name, "p99", s.p99, exact_quantile(v, n, 99, 100), max);
	assert_true(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max);

	/* hist_quantile directly, at other quantiles too. */
	check_estimate(name, "p25", hist_quantile(buckets, n, 0.25, max),
		       exact_quantile(v, n, 25, 100), max);
	check_estimate(name, "p75", hist_quantile(buckets, n, 0.75, max),
		       exact_quantile(v, n, 75, 100), max);
	check_estimate(name, "p99.9", hist_quantile(buckets, n, 0.999, max),
		       exact_quantile(v, n, 999, 1000), max);
	check_estimate(name, "min", hist_quantile(buckets, n, 1e-9, max), v[0], max);
	check_estimate(name, "p100", hist_quantile(buckets, n, 1.0, max), max, max);
	free(buckets);
}

static __u64 *alloc_values(size_t n)
{
	__u64 *v = calloc(n ? n : 1, sizeof(*v));

	assert_non_null(v);
	return v;
}

static void test_pct_uniform(void **state)
{
	size_t n = 10000, i;
	__u64 *v = alloc_values(n);

	(void)state;
	rng_seed(10);
	for (i = 0; i < n; i++)
		v[i] = rng_below(1000000);
	check_dataset("uniform [0, 1ms)", v, n);
	for (i = 0; i < n; i++)
		v[i] = rng_below(40);
	check_dataset("uniform [0, 40ns)", v, n);
	free(v);
}

static void test_pct_exponential(void **state)
{
	size_t n = 20000, i;
	__u64 *v = alloc_values(n);

	(void)state;
	rng_seed(11);
	for (i = 0; i < n; i++) {
		/* A geometric exponent (trailing zeros of a random word) times a mantissa. */
		__u64 r = rng_next() | (1ull << 40);
		int k = __builtin_ctzll(r);

		v[i] = (50 + rng_below(50)) << k;
	}
	check_dataset("exponential-ish", v, n);
	free(v);
}

static void test_pct_bimodal(void **state)
{
	size_t n = 10000, i;
	__u64 *v = alloc_values(n);

	(void)state;
	rng_seed(12);
	for (i = 0; i < n; i++) {
		if (rng_below(100) < 70)
			v[i] = 180 + rng_below(40);
		else
			v[i] = 1800000 + rng_below(400000);
	}
	check_dataset("bimodal", v, n);
	/* The modes weighted so that p90 falls right at the switch. */
	for (i = 0; i < n; i++)
		v[i] = i < 9000 ? 5 : 77777777;
	check_dataset("bimodal 90/10", v, n);
	free(v);
}

static void test_pct_constant(void **state)
{
	size_t n = 10000, i;
	__u64 *v = alloc_values(n);

	(void)state;
	for (i = 0; i < n; i++)
		v[i] = 123457;
	check_dataset("constant 123457", v, n);
	for (i = 0; i < n; i++)
		v[i] = 7;
	check_dataset("constant 7", v, n);
	for (i = 0; i < n; i++)
		v[i] = 1ull << 20; /* exactly a bucket's lower bound */
	check_dataset("constant 2^20", v, n);
	for (i = 0; i < n; i++)
		v[i] = (1ull << 21) - 1; /* exactly a bucket's last value */
	check_dataset("constant 2^21-1", v, n);
	free(v);
}

static void test_pct_single(void **state)
{
	__u64 v[1];

	(void)state;
	v[0] = 98765;
	check_dataset("one value 98765", v, 1);
	v[0] = 3;
	check_dataset("one value 3", v, 1);
	v[0] = 0;
	check_dataset("one value 0", v, 1);
	v[0] = 16;
	check_dataset("one value 16", v, 1);
	v[0] = 200ull * 1000000000ull; /* 200 s: beyond the last bucket's lower bound */
	check_dataset("one value 200 s", v, 1);
}

static void test_pct_heavy_tail(void **state)
{
	size_t n = 10000, i;
	__u64 *v = alloc_values(n);

	(void)state;
	rng_seed(13);
	for (i = 0; i < n; i++)
		v[i] = 1000 + rng_below(4000);
	/* 0.5% huge values, some beyond 2^37 ns (~137 s). */
	for (i = 0; i < 50; i++)
		v[rng_below(n)] = 10000000000ull + rng_below(290000000000ull);
	v[7] = 300000000000ull;
	check_dataset("heavy tail", v, n);
	free(v);
}

static void test_pct_small_counts(void **state)
{
	__u64 v[200];
	size_t n, i;

	(void)state;
	rng_seed(14);
	/* Every small n: the rank ceil(q * n) must be right for each. */
	for (n = 1; n <= 200; n++) {
		char name[64];

		for (i = 0; i < n; i++)
			v[i] = rng_below(2) ? rng_below(16) : 16 + rng_below(1000000);
		snprintf(name, sizeof(name), "mixed n=%zu", n);
		check_dataset(name, v, n);
	}
	v[0] = 10;
	v[1] = 1000000;
	check_dataset("two values", v, 2);
}

static void test_pct_unknown_max(void **state)
{
	__u64 *buckets = calloc(HIST_BUCKETS, sizeof(*buckets));
	__u32 b = hist_bucket(1000);

	(void)state;
	assert_non_null(buckets);
	buckets[b] = 10;
	/* Without a known maximum, the bucket's midpoint. */
	assert_true(hist_quantile(buckets, 10, 0.5, 0) ==
		    hist_bucket_low(b) + (hist_bucket_high(b) - hist_bucket_low(b)) / 2);
	/* With it, never above it. */
	assert_true(hist_quantile(buckets, 10, 0.5, 1000) <= 1000);
	free(buckets);
}

static void test_pct_empty(void **state)
{
	__u64 *buckets = calloc(HIST_BUCKETS, sizeof(*buckets));
	struct hist_summary s;

	(void)state;
	assert_non_null(buckets);
	memset(&s, 0xa5, sizeof(s));
	hist_summarize(buckets, 0, 0, &s);
	assert_true(s.count == 0 && s.total == 0 && s.max == 0);
	assert_true(s.p50 == 0 && s.p90 == 0 && s.p99 == 0);
	assert_true(hist_quantile(buckets, 0, 0.5, 0) == 0);
	assert_true(hist_quantile(buckets, 0, 0.99, 12345) == 0);
	free(buckets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_dense_small),
		cmocka_unit_test(test_buckets_powers_of_two),
		cmocka_unit_test(test_buckets_random),
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_buckets_monotonic),
		cmocka_unit_test(test_log2),
		cmocka_unit_test(test_pct_uniform),
		cmocka_unit_test(test_pct_exponential),
		cmocka_unit_test(test_pct_bimodal),
		cmocka_unit_test(test_pct_constant),
		cmocka_unit_test(test_pct_single),
		cmocka_unit_test(test_pct_heavy_tail),
		cmocka_unit_test(test_pct_small_counts),
		cmocka_unit_test(test_pct_unknown_max),
		cmocka_unit_test(test_pct_empty),
	};

	return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
