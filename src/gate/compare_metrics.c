// SPDX-License-Identifier: GPL-2.0
/*
 * compare's metrics. Every metric is normalised (per SQE, per acquisition, a percentile, a
 * rate) so that runs of different lengths compare; each repeated run gives one sample of it
 * (cmp_ring_sample, cmp_run_sample). A figure missing from a run is a missing sample, never
 * 0. The engine that matches rings and decides is compare_engine.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare_metrics.h"
#include "fmt.h"
#include "stats.h"

/*
 * Default limits: per-SQE rates and shares move little between runs of one workload (10%);
 * latency percentiles come from log2-spaced histogram buckets and jump by whole buckets (20%);
 * throughput of the profiled workload is the most stable figure and the one users feel (5%).
 * Under the instruction clock (qemu -icount shift=0, 1 vCPU) a command repeats its own
 * instruction count to about 0.04%: 0.5%, except where a figure moves in steps (histogram
 * buckets) or is sampled.
 */
const struct cmp_metric_info cmp_metrics[CMP_METRIC_COUNT] = {
	[CMP_ACQ_PER_SQE] = { "acq_per_sqe", "lock acquisitions per SQE (acquisitions / sqes)",
			      "", 10, false, CMP_SCOPE_RING, 0.5 },
	[CMP_CONTENDED_SHARE] = { "contended_share", "contended share: contended / acquisitions, "
				  "or contended / sqes when acquisitions is null", "", 10, false,
				  CMP_SCOPE_RING, 0.5 },
	[CMP_WAIT_P50] = { "wait_p50", "median wait of contended acquisitions (wait_ns.p50)", "ns",
			   20, false, CMP_SCOPE_RING, 20 },
	[CMP_WAIT_P99] = { "wait_p99", "99th percentile wait (wait_ns.p99)", "ns", 20, false,
			   CMP_SCOPE_RING, 20 },
	[CMP_HOLD_P50] = { "hold_p50", "median hold time (hold_ns.p50; exact backend)", "ns", 20,
			   false, CMP_SCOPE_RING, 20 },
	[CMP_HOLD_P99] = { "hold_p99", "99th percentile hold time (hold_ns.p99; exact backend)",
			   "ns", 20, false, CMP_SCOPE_RING, 20 },
	[CMP_HANDOFFS_PER_ACQ] = { "handoffs_per_acq", "handoffs per acquisition (exact backend)",
				   "", 10, false, CMP_SCOPE_RING, 0.5 },
	[CMP_LOCK_NS_PER_SQE] = { "lock_ns_per_sqe", "lock time per SQE: hold_ns.total / sqes, "
				  "or wait_ns.total / sqes (labelled wait) without hold times",
				  "ns", 10, false, CMP_SCOPE_RING, 0.5 },
	[CMP_THROUGHPUT] = { "throughput", "SQEs per second (sqes / duration_ns); a drop is the "
			     "regression", "/s", 5, true, CMP_SCOPE_RING, 0.5 },
	[CMP_PATH_ACQ_PER_SQE] = { "path_acq_per_sqe", "per kernel path: acquisitions per SQE",
				   "", 10, false, CMP_SCOPE_PATH, 0.5 },
	[CMP_PATH_HOLD_NS_PER_ACQ] = { "path_hold_ns_per_acq", "per kernel path: hold ns per "
				       "acquisition (hold_ns / acquisitions)", "ns", 20, false,
				       CMP_SCOPE_PATH, 0.5 },
	[CMP_SAMPLED_LOCK_SHARE] = { "sampled_lock_share", "CPU share of lock code sampled by the "
				     "sample backend (sampled.lock_share of every run, from 100 "
				     "samples or more)", "", 10, false, CMP_SCOPE_RUN, 10 },
};

int cmp_metric_by_name(const char *name)
{
	int m;

	for (m = 0; m < CMP_METRIC_COUNT; m++) {
		if (!strcmp(cmp_metrics[m].name, name))
			return m;
	}
	return -1;
}

const char *cmp_verdict_name(enum cmp_verdict v)
{
	switch (v) {
	case CMP_OK:
		return "ok";
	case CMP_REGRESSION:
		return "REGRESSION";
	case CMP_IMPROVED:
		return "improved";
	case CMP_NOISE:
		return "noise";
	default:
		return "not comparable";
	}
}

void cmp_options_init(struct cmp_options *o)
{
	int m;

	memset(o, 0, sizeof(*o));
	for (m = 0; m < CMP_METRIC_COUNT; m++)
		o->max_regress_pct[m] = cmp_metrics[m].default_pct;
	o->alpha = 0.05;
}

__attribute__((format(printf, 2, 3)))
static void sample_missing(struct cmp_sample *s, const char *fmt, ...)
{
	va_list ap;

	s->valid = false;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

static void sample_set(struct cmp_sample *s, double value, const char *variant)
{
	s->valid = true;
	s->value = value;
	s->variant = variant;
}

/* The SQE count as a divisor: known and not zero. */
static bool sqes_divisor(const struct model_ring *ring, struct cmp_sample *s, double *out)
{
	if (!ring->sqes.valid) {
		sample_missing(s, "sqes is null");
		return false;
	}
	if (!ring->sqes.value) {
		sample_missing(s, "sqes is 0");
		return false;
	}
	*out = (double)ring->sqes.value;
	return true;
}

static const struct model_path *find_path(const struct model_ring *ring, const char *name)
{
	size_t i;

	for (i = 0; i < ring->nr_paths; i++) {
		if (!strcmp(ring->paths[i].name, name))
			return &ring->paths[i];
	}
	return NULL;
}

static void path_sample(const struct model_ring *ring, enum cmp_metric m, const char *name,
			struct cmp_sample *s)
{
	const struct model_path *p;
	double sqes;

	/*
	 * The report leaves out paths without acquisitions; only an empty (or absent) "paths"
	 * says nothing was attributed at all (no exact backend, or --no-paths).
	 */
	if (!ring->nr_paths) {
		sample_missing(s, "no paths in the report (needs the exact backend with stacks)");
		return;
	}
	p = find_path(ring, name);
	if (m == CMP_PATH_ACQ_PER_SQE) {
		if (sqes_divisor(ring, s, &sqes))
			sample_set(s, p ? (double)p->acquisitions / sqes : 0, NULL);
		return;
	}
	if (!p || !p->acquisitions) {
		sample_missing(s, "no acquisitions on path %s", name);
		return;
	}
	if (!p->hold_ns.valid) {
		sample_missing(s, "paths.%s.hold_ns is null", name);
		return;
	}
	sample_set(s, (double)p->hold_ns.value / (double)p->acquisitions, NULL);
}

void cmp_ring_sample(const struct model_run *run, const struct model_ring *ring, enum cmp_metric m,
		     const char *path, bool instructions, struct cmp_sample *s)
{
	const struct model_count *acq = &ring->acquisitions;
	double sqes;

	memset(s, 0, sizeof(*s));
	switch (m) {
	case CMP_ACQ_PER_SQE:
		if (!acq->valid)
			sample_missing(s, "acquisitions is null (no counters or exact backend)");
		else if (sqes_divisor(ring, s, &sqes))
			/* Inferred counts are a lower bound: never compare them with exact ones. */
			sample_set(s, (double)acq->value / sqes,
				   ring->acquisitions_method && !strcmp(ring->acquisitions_method,
									"exact") ? "exact"
										 : "inferred");
		break;
	case CMP_CONTENDED_SHARE:
		if (!ring->contended.valid)
			sample_missing(s, "contended is null (no contention backend)");
		else if (acq->valid && !acq->value)
			sample_missing(s, "acquisitions is 0");
		else if (acq->valid)
			sample_set(s, (double)ring->contended.value / (double)acq->value,
				   "per acquisition");
		else if (sqes_divisor(ring, s, &sqes))
			sample_set(s, (double)ring->contended.value / sqes, "per SQE");
		break;
	case CMP_WAIT_P50:
	case CMP_WAIT_P99:
		if (!ring->wait.valid)
			sample_missing(s, "wait_ns is null (no contention backend)");
		else
			sample_set(s, (double)(m == CMP_WAIT_P50 ? ring->wait.ns.p50
								 : ring->wait.ns.p99), NULL);
		break;
	case CMP_HOLD_P50:
	case CMP_HOLD_P99:
		if (!ring->hold.valid)
			sample_missing(s, "hold_ns is null (needs the exact backend)");
		else
			sample_set(s, (double)(m == CMP_HOLD_P50 ? ring->hold.ns.p50
								 : ring->hold.ns.p99), NULL);
		break;
	case CMP_HANDOFFS_PER_ACQ:
		if (!ring->handoffs.valid)
			sample_missing(s, "handoffs is null (needs the exact backend)");
		else if (!acq->valid)
			sample_missing(s, "acquisitions is null");
		else if (!acq->value)
			sample_missing(s, "acquisitions is 0");
		else
			sample_set(s, (double)ring->handoffs.value / (double)acq->value, NULL);
		break;
	case CMP_LOCK_NS_PER_SQE:
		if (!ring->hold.valid && !ring->wait.valid)
			sample_missing(s, "hold_ns and wait_ns are null");
		else if (sqes_divisor(ring, s, &sqes))
			sample_set(s, (double)(ring->hold.valid ? ring->hold.ns.total
								: ring->wait.ns.total) / sqes,
				   ring->hold.valid ? "hold" : "wait");
		break;
	case CMP_THROUGHPUT:
		/*
		 * Under the instruction clock, per 1e9 of the command's own instructions: the
		 * guest's one vCPU also runs the profiler and kernel threads within duration_ns,
		 * which then varies by up to 1% between identical runs, the command's CPU
		 * time by about 0.04%.
		 */
		if (instructions && run->target_cpu_ns.valid && run->target_cpu_ns.value &&
		    ring->sqes.valid)
			sample_set(s, (double)ring->sqes.value / (double)run->target_cpu_ns.value *
				   1e9, "command CPU");
		else if (!run->duration_ns)
			sample_missing(s, "duration_ns is 0");
		else if (!ring->sqes.valid)
			sample_missing(s, "sqes is null");
		else
			sample_set(s, (double)ring->sqes.value / (double)run->duration_ns * 1e9,
				   NULL);
		break;
	case CMP_PATH_ACQ_PER_SQE:
	case CMP_PATH_HOLD_NS_PER_ACQ:
		path_sample(ring, m, path ? path : "", s);
		break;
	default:
		sample_missing(s, "not a ring metric");
		break;
	}
}

void cmp_run_sample(const struct model_run *run, enum cmp_metric m, struct cmp_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (m != CMP_SAMPLED_LOCK_SHARE)
		sample_missing(s, "not a run metric");
	else if (!run->has_sampled)
		sample_missing(s, "no \"sampled\" figures (no sample backend in this run)");
	else if (!run->has_lock_share)
		sample_missing(s, "sampled.lock_share is null");
	/* A share of a handful of samples is noise that no limit can judge. */
	else if (run->samples.valid && run->samples.value < CMP_MIN_LOCK_SAMPLES)
		sample_missing(s, "sampled.lock_share rests on %llu samples (%d needed)",
			       (unsigned long long)run->samples.value, CMP_MIN_LOCK_SAMPLES);
	else {
		sample_set(s, run->lock_share, NULL);
		if (run->samples.valid && run->lock_samples.valid &&
		    run->lock_samples.value <= run->samples.value) {
			s->k = run->lock_samples.value;
			s->trials = run->samples.value;
		}
	}
}

/* ---- matching ---- */
