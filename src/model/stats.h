/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_STATS_H
#define URINGLOCKSTAT_STATS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Samples up to this many in total get the exact (permutation) distribution of the Mann-Whitney
 * U statistic, ties included; larger ones the normal approximation with tie and continuity
 * correction. 20 keeps the exact count below ~10^5 operations per test.
 */
#define MWU_EXACT_MAX_N 20

/* Median of v[0..n) (mean of the middle two for even n); NAN when n is 0. v is not changed. */
double stats_median(const double *v, size_t n);

/*
 * Two-sided p-value of the Mann-Whitney U test of a[0..n_a) against b[0..n_b), with mid-ranks
 * for ties. *u_out (if not NULL) gets U of sample a: the number of pairs (a_i, b_j) with
 * a_i > b_j, ties counting 1/2. Returns NAN when either sample is empty or allocation fails.
 */
double stats_mann_whitney_p(const double *a, size_t n_a, const double *b, size_t n_b,
			    double *u_out);

/*
 * Smallest two-sided p-value any data can reach with samples of these sizes, 2 / C(n_a + n_b,
 * n_a) (capped at 1): when it is not below alpha, no change can be significant.
 */
double stats_mann_whitney_min_p(size_t n_a, size_t n_b);

/*
 * 95% Wilson score interval of a proportion: k successes in n trials (k <= n). The interval
 * stays inside [0, 1] and is not degenerate at k = 0 or k = n, unlike the normal one.
 * Returns false (lo = hi = NAN) when n is 0.
 */
bool stats_wilson95(unsigned long long k, unsigned long long n, double *lo, double *hi);

/*
 * Two-sided p-value that k1 of n1 and k2 of n2 come from one proportion (pooled two-proportion
 * z-test; the normal approximation, fine for the hundreds of samples a share rests on). NAN
 * when a count is 0 or k > n.
 */
double stats_two_proportion_p(unsigned long long k1, unsigned long long n1, unsigned long long k2,
			      unsigned long long n2);

#endif
