// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics of repeated runs for compare: medians and the Mann-Whitney U test, which asks
 * whether one run's samples tend to be larger than the other's without assuming a distribution
 * (lock latencies are anything but normal).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

double stats_median(const double *v, size_t n)
{
	double *s, m;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++) {
		/* qsort needs a total order: NaN has none. */
		if (isnan(v[i]))
			return NAN;
	}
	s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

struct ranked {
	double v;
	bool in_a;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	return cmp_double(&((const struct ranked *)pa)->v, &((const struct ranked *)pb)->v);
}

/*
 * Exact two-sided p-value: the share of all C(n, n_a) ways to split the n (mid-)ranks into
 * samples of n_a and n_b whose rank sum of a lies at least as far from its mean as the observed
 * one. Ranks are doubled so that mid-ranks of ties stay integers and the comparison is exact.
 */
static double exact_p(const unsigned int *rank2, size_t n, size_t n_a, unsigned long r2_a)
{
	size_t sum_max = n * (n + 1), k, i, s, cols = sum_max + 1;
	long mean2 = (long)(n_a * (n + 1)), dev = labs((long)r2_a - mean2);
	double *ways, total = 0, extreme = 0;

	ways = calloc((n_a + 1) * cols, sizeof(*ways));
	if (!ways)
		return NAN;
	/* ways[k * cols + s]: subsets of k of the ranks seen so far with doubled sum s. */
	ways[0] = 1;
	for (i = 0; i < n; i++) {
		for (k = i + 1 < n_a ? i + 1 : n_a; k >= 1; k--) {
			for (s = sum_max; s >= rank2[i]; s--)
				ways[k * cols + s] += ways[(k - 1) * cols + s - rank2[i]];
		}
	}
	for (s = 0; s <= sum_max; s++) {
		double w = ways[n_a * cols + s];

		total += w;
		if (labs((long)s - mean2) >= dev)
			extreme += w;
	}
	free(ways);
	return total > 0 ? extreme / total : NAN;
}

/* Normal approximation as in scipy.stats.mannwhitneyu(method="asymptotic"). */
static double normal_p(double u_a, size_t n, size_t n_a, size_t n_b, double ties)
{
	double mu = (double)n_a * n_b / 2;
	double var = (double)n_a * n_b / 12 * ((n + 1) - ties / ((double)n * (n - 1)));
	double z, p;

	/* Every value tied: the ranks say nothing either way. */
	if (var <= 0)
		return 1;
	/* Continuity correction: U moves in steps of 1/2 or 1, the normal curve does not. */
	z = (fabs(u_a - mu) - 0.5) / sqrt(var);
	p = erfc(z / M_SQRT2);
	return p > 1 ? 1 : p;
}

double stats_mann_whitney_p(const double *a, size_t n_a, const double *b, size_t n_b,
			    double *u_out)
{
	size_t n = n_a + n_b, i, j;
	unsigned long r2_a = 0;
	struct ranked *items;
	unsigned int *rank2;
	double ties = 0, u_a, p;

	if (!n_a || !n_b)
		return NAN;
	items = malloc(n * sizeof(*items));
	rank2 = malloc(n * sizeof(*rank2));
	if (!items || !rank2) {
		free(items);
		free(rank2);
		return NAN;
	}
	for (i = 0; i < n; i++) {
		items[i].in_a = i < n_a;
		items[i].v = i < n_a ? a[i] : b[i - n_a];
		if (!isfinite(items[i].v)) {
			free(items);
			free(rank2);
			return NAN;
		}
	}
	qsort(items, n, sizeof(*items), cmp_ranked);
	for (i = 0; i < n; i = j) {
		double t;
		size_t k;

		for (j = i + 1; j < n && items[j].v == items[i].v; j++)
			;
		t = (double)(j - i);
		ties += t * t * t - t;
		/* Positions i..j-1 hold ranks i+1..j: their doubled mid-rank is i+1+j. */
		for (k = i; k < j; k++) {
			rank2[k] = (unsigned int)(i + 1 + j);
			if (items[k].in_a)
				r2_a += i + 1 + j;
		}
	}
	u_a = (double)r2_a / 2 - (double)n_a * (n_a + 1) / 2;
	if (n <= MWU_EXACT_MAX_N)
		p = exact_p(rank2, n, n_a, r2_a);
	else
		p = normal_p(u_a, n, n_a, n_b, ties);
	free(rank2);
	free(items);
	if (u_out)
		*u_out = u_a;
	return p;
}

double stats_mann_whitney_min_p(size_t n_a, size_t n_b)
{
	double c = 1;
	size_t i;

	/* C(n_a + n_b, n_a) as a running product; it only grows, so overflow to inf is fine. */
	for (i = 1; i <= n_a; i++)
		c = c * (double)(n_b + i) / (double)i;
	return c > 2 ? 2 / c : 1;
}

bool stats_wilson95(unsigned long long k, unsigned long long n, double *lo, double *hi)
{
	const double z = 1.959963984540054; /* the normal distribution's 97.5% quantile */
	double p, denom, center, half;

	if (!n || k > n) {
		*lo = *hi = NAN;
		return false;
	}
	p = (double)k / (double)n;
	denom = 1 + z * z / n;
	center = (p + z * z / (2.0 * n)) / denom;
	half = z / denom * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n));
	*lo = center - half < 0 ? 0 : center - half;
	*hi = center + half > 1 ? 1 : center + half;
	/* Exact at the ends: no rounding below 0 successes or above n. */
	if (k == 0)
		*lo = 0;
	if (k == n)
		*hi = 1;
	return true;
}

double stats_two_proportion_p(unsigned long long k1, unsigned long long n1, unsigned long long k2,
			      unsigned long long n2)
{
	double p1, p2, pooled, se;

	if (!n1 || !n2 || k1 > n1 || k2 > n2)
		return NAN;
	p1 = (double)k1 / n1;
	p2 = (double)k2 / n2;
	pooled = (double)(k1 + k2) / (double)(n1 + n2);
	se = sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
	/* Both shares 0 or both 1: no difference to test. */
	if (se == 0)
		return p1 == p2 ? 1 : 0;
	return erfc(fabs(p1 - p2) / se / sqrt(2));
}
