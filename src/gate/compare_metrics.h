/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_COMPARE_METRICS_H
#define URINGLOCKSTAT_COMPARE_METRICS_H

/*
 * compare's engine: the metrics derived from two saved reports, ring by ring and path by path,
 * their medians over repeated runs, the significance test and the verdicts.
 */
#include <stdbool.h>
#include <stddef.h>
#include "json_read.h"

enum cmp_metric {
	CMP_ACQ_PER_SQE,
	CMP_CONTENDED_SHARE,
	CMP_WAIT_P50,
	CMP_WAIT_P99,
	CMP_HOLD_P50,
	CMP_HOLD_P99,
	CMP_HANDOFFS_PER_ACQ,
	CMP_LOCK_NS_PER_SQE,
	CMP_THROUGHPUT,
	CMP_PATH_ACQ_PER_SQE,
	CMP_PATH_HOLD_NS_PER_ACQ,
	CMP_SAMPLED_LOCK_SHARE,
	CMP_METRIC_COUNT,
};

enum cmp_scope {
	CMP_SCOPE_RING,	/* one row per matched ring */
	CMP_SCOPE_PATH,	/* one row per matched ring and kernel path */
	CMP_SCOPE_RUN,	/* one row per comparison: a figure of the whole run */
};

struct cmp_metric_info {
	const char *name;	/* as --max-regress names it */
	const char *help;	/* how it is derived, for --help */
	const char *unit;	/* "ns", "/s" or "" */
	double default_pct;	/* default --max-regress */
	bool higher_is_better;	/* throughput: a drop is the regression */
	enum cmp_scope scope;
	double icount_pct;	/* default limit when both reports count instructions */
};

extern const struct cmp_metric_info cmp_metrics[CMP_METRIC_COUNT];

/*
 * Fewest CPU-clock samples behind a sampled.lock_share that compare uses: the share of n
 * samples is off by about sqrt(p (1 - p) / n), 5 points at p = 0.25 and n = 100.
 */
#define CMP_MIN_LOCK_SAMPLES 100

/* The metric called name, or -1. */
int cmp_metric_by_name(const char *name);

enum cmp_verdict {
	CMP_OK,
	CMP_REGRESSION,
	CMP_IMPROVED,
	CMP_NOISE,		/* past the limit, but not significant */
	CMP_NOT_COMPARABLE,
};

const char *cmp_verdict_name(enum cmp_verdict v);

/* One value of a metric in one run. */
struct cmp_sample {
	bool valid;
	double value;
	/* Which figure it comes from when there is a choice ("hold" or "wait"), or NULL. */
	const char *variant;
	char why[128];		/* when !valid: what is missing */
	/* A proportion's counts (value = k / trials), when the metric is one; else 0. */
	unsigned long long k, trials;
};

/*
 * The metric m (of path `path` for path metrics) of ring in run, of a report whose clock counts
 * instructions or not.
 */
void cmp_ring_sample(const struct model_run *run, const struct model_ring *ring, enum cmp_metric m,
		     const char *path, bool instructions, struct cmp_sample *out);

/* A run-scope metric of run. */
void cmp_run_sample(const struct model_run *run, enum cmp_metric m, struct cmp_sample *out);

struct cmp_options {
	double max_regress_pct[CMP_METRIC_COUNT];
	bool limit_given[CMP_METRIC_COUNT];	/* by --max-regress: kept under either clock */
	double alpha;
	bool same_kernel;	/* reports of different kernels are unusable */
};

void cmp_options_init(struct cmp_options *o);

/* A ring found in both reports: same label, same flags, same place among rings of those flags. */
struct cmp_ring {
	char *flags;
	size_t order;
	int base_pid, base_fd;
	int new_pid, new_fd;
};

struct cmp_row {
	enum cmp_metric metric;
	size_t ring;		/* index in cmp_result.rings; unused for run-scope metrics */
	char *path;		/* path metrics: the kernel path */
	const char *variant;	/* the figure both sides used, if the metric has a choice */
	size_t n_base, n_new;	/* samples (runs) on each side */
	bool comparable;
	double base, new;	/* medians */
	double change_pct;	/* (new - base) / base; +inf when base is 0 and new is not */
	double limit_pct;
	/*
	 * Significance tested: both sides have 2 or more samples, or (a proportion such as the
	 * sampled lock share) one run each, tested on their sample counts.
	 */
	bool tested;
	double p_value;
	enum cmp_verdict verdict;
	char reason[160];	/* not comparable: why */
};

struct cmp_result {
	const struct run_model *base, *new;
	size_t n_base_runs, n_new_runs;
	bool single_runs;	/* a side has one run: verdicts rest on the limits alone */
	/*
	 * Both reports count instructions (--clock instructions): deterministic figures, decided
	 * on the medians against the limits without a significance test (the sampled lock share
	 * keeps its test on sample counts), with the instruction-clock default limits.
	 */
	bool instructions;
	double min_p;		/* smallest p-value the run counts allow */
	double alpha;
	size_t nr_rings;
	struct cmp_ring *rings;
	size_t nr_rows;
	struct cmp_row *rows;
	size_t regressions;
	size_t nr_notes;
	char **notes;
};

/*
 * Compare two reports. Returns 0 with every row in res (which the caller frees with
 * cmp_result_free), or -1 with a one-line reason in err when they cannot be compared: no ring
 * matches, different kernels with same_kernel, or one report counting instructions and the
 * other time. base and new must outlive res.
 */
int cmp_compare(const struct run_model *base, const struct run_model *new,
		const struct cmp_options *o, struct cmp_result *res, char *err, size_t err_size);

void cmp_result_free(struct cmp_result *res);

/* "label/FLAGS#order" (flags "none" when empty), for tables and notes. */
void cmp_ring_name(const struct cmp_result *res, const struct cmp_ring *ring, char *buf,
		   size_t size);

#endif
