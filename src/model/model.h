/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_MODEL_H
#define URINGLOCKSTAT_MODEL_H

/*
 * The one model of a run that every output reads: text, JSON, OpenMetrics, pprof, folded
 * stacks, SVG, compare. It is built from a live snapshot (model_from_report(), model_build.c)
 * or from a saved JSON report (model_parse_json(), json_read.c), and every figure in it says
 * whether it was measured: a figure whose backend or hook did not run is not valid, which the
 * JSON writes as null and the text as "-". Figures with a method say which ("exact",
 * "inferred", "enter_return", "sq_head", "contended-only"). Renderers decide nothing about
 * validity themselves: they print what the model says.
 *
 * The JSON writer and reader share one table of the ring's and the sampled estimates' fields
 * (fields.h); the lost counters have one table too (lost.c).
 */
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "hist.h"
#include "lost.h"
#include "paths.h"
#include "stacks.h"
#include "uringlockstat.h"

/* A count or time: valid when measured. */
struct model_count {
	bool valid;
	__u64 value;
};

struct model_bool {
	bool valid;
	bool value;
};

/* wait_ns, hold_ns, acquire_wait_ns: {total, count, p50, p90, p99, max}, all in ns. */
struct model_summary {
	bool valid;
	struct hist_summary ns;
};

/* ring.paths.NAME: the exact backend's figures of one kernel path. */
struct model_path {
	char *name;
	__u64 acquisitions;
	struct model_count contended;
	struct model_count wait_ns;	/* total */
	struct model_count hold_ns;	/* total */
};

struct model_ring {
	/*
	 * Its number in the text report and the interval table: its slot in a live run (a slot
	 * an ended ring left stays empty), its place among the rings of a saved one.
	 */
	size_t number;
	/* Identity: compare matches rings by (report label, flags, order among equal flags). */
	int pid;
	int fd;
	char *flags;		/* the "flags" names joined with '|'; "" when none */
	size_t order;		/* place among the rings of its run with the same flags */
	char *comm;		/* NULL when absent */
	struct model_count setup_flags;
	struct model_count sq_entries;
	struct model_count cq_entries;
	struct model_count submitter_tid;
	char *found_by;
	struct model_bool open_at_end;
	char *ctx;		/* kernel address as text, only in reports written with -v */
	/*
	 * Live only (0 when read from a file): the ring's kernel address and when the profiler
	 * first saw it, which tell the interval table a reused slot from the same ring.
	 */
	__u64 ctx_addr, seen_ns;
	/*
	 * Live only (NULL when read from a file, which keeps percentiles alone): the histograms'
	 * buckets, borrowed from the report the model was built from, for OpenMetrics.
	 */
	const struct ring_hists *hists;
	/* Counters backend. */
	struct model_count sqes;
	char *sqes_method;
	struct model_bool sqes_complete;
	struct model_count enters;
	struct model_count enters_submit;
	struct model_count registers;
	struct model_count local_work_runs;
	struct model_count task_work_runs;
	struct model_count acquisitions;
	char *acquisitions_method;	/* "exact", "inferred", NULL */
	/* Contention backend. */
	struct model_count contended;
	struct model_count spin;
	struct model_count sleep;
	struct model_count interrupted;
	struct model_summary wait;
	char *wait_method;
	/* Episodes whose owner's CPU was read, and those with the owner on another CPU. */
	struct model_count owner_samples;
	struct model_count owner_other_cpu;	/* from the share when read from a file */
	bool has_owner_share;
	double owner_other_cpu_share;
	/* contention_by_owner.by_waiter_path: episodes by owner role (rows) and waiter path. */
	bool has_owner_matrix;
	__u64 owner_matrix[ROLE_COUNT][PATH_COUNT];
	/* sampled_lock_samples_by_path: this ring's samples in lock code, by calling path. */
	bool has_lock_paths;
	__u64 lock_samples_path[PATH_COUNT];
	/* Exact backend. */
	bool exact;		/* its fields are in the report (the exact backend ran) */
	struct model_summary hold;
	struct model_summary acquire_wait;
	struct model_count handoffs;
	struct model_count trylocks;
	struct model_count trylocks_failed;
	/* Sample backend: CPU time of samples taken while a task held this ring's lock. */
	struct model_count sampled_hold_ns;
	size_t nr_paths;	/* the paths with acquisitions (none without paths_measured) */
	struct model_path *paths;
};

/* One profiling run: the top level of the report, or one entry of "repeats". */
struct model_run {
	__u64 duration_ns;
	bool partial;
	struct model_count exit_status;
	/*
	 * The command's CPU time in this run, from its rusage (every thread, user and system);
	 * not valid for -p, -a or a command not reaped. Under the instruction clock it is the
	 * command's own instruction count, which compare's throughput divides by.
	 */
	struct model_count target_cpu_ns;
	/*
	 * "sampled": the sample backend's CPU-clock samples of the target's threads, those in
	 * mutex code called from io_uring, and their share (null without samples).
	 */
	bool has_sampled;
	struct model_count samples;
	struct model_count lock_samples;
	struct model_count freq_hz;
	bool has_lock_share;
	double lock_share;
	/* "lock_samples_by_path": lock_samples by the kernel path that called the lock code. */
	bool has_lock_paths;
	__u64 lock_samples_path[PATH_COUNT];
	size_t nr_rings;
	struct model_ring *rings;
	/* The rings sorted by flags, then order: model_run_find() looks them up in log time. */
	struct model_ring **by_flags;
};

struct model_backend {
	char *name;
	bool active;
	char *reason;
};

/* One named non-negative count, as in "lost". */
struct model_counter {
	char *name;
	__u64 value;
};

struct model_program {
	char *name;
	__u64 runs;
	__u64 run_ns;
	__u64 misses;
};

/* A figure the run left out for its cost: the option that adds it, and what that costs. */
struct model_opt_in {
	char *figure;
	char *option;
	char *cost;
};

struct run_model {
	char *kernel;
	/*
	 * Where the exact backend ran, its per-path figures were taken (--paths, the default): a
	 * live run's flag; a saved one's unless its opt_in names --paths.
	 */
	bool paths_measured;
	/*
	 * Live only (false and NULL when read from a file): what the stack outputs (folded, SVG,
	 * pprof) can weigh, and the stacks once read (the run sets stacks; not owned).
	 */
	bool exact_stacks;	/* the exact backend's stack of every acquisition (--paths --holds) */
	bool contention_stacks;	/* the contention backend's stacks of contended acquisitions */
	const struct stack_set *stacks;
	char *label;		/* NULL when null or absent */
	char *partial_reason;
	bool clock_instructions;	/* "clock": "instructions"; false for "wall" or none */
	bool target_all;
	struct model_count target_pid;
	char *target_command;
	size_t nr_backends;
	struct model_backend *backends;
	size_t nr_opt_ins;
	struct model_opt_in *opt_ins;
	size_t nr_lost;
	struct model_counter *lost;
	bool has_overhead;		/* false for reports written before "overhead" */
	struct overhead overhead;
	bool has_programs;
	size_t nr_programs;
	struct model_program *programs;
	struct model_run run;		/* the top level (with --repeat, the first run) */
	size_t nr_repeats;		/* 0 when the report has no "repeats" */
	struct model_run *repeats;
};

struct report;

/*
 * The model of a live snapshot: every figure with its validity and method, as the saved
 * report would give it back. With addresses (-v), each ring's ctx text. Returns 0, or -ENOMEM
 * with rep empty.
 */
int model_from_report(const struct report *live, bool addresses, struct run_model *rep);

/* A live run's model_run (rings, duration, status, sampled) moved into the repeats of rep. */
int model_add_repeat(struct run_model *rep, struct model_run *run);

/*
 * Forget what a live run's model borrows from its report (the histograms' buckets), for a
 * model kept after the report is reused.
 */
void model_run_detach(struct model_run *run);

void model_free(struct run_model *rep);
void model_run_free(struct model_run *run);

/* Sort the rings by flags and number those with equal flags: compare's matching key. */
int model_index_rings(struct model_run *run);

/* The order-th ring (from 0) with these flags in run, or NULL. */
const struct model_ring *model_run_find(const struct model_run *run, const char *flags,
					size_t order);

/* The runs that hold one sample each: the repeats if any, else the top level alone. */
static inline size_t model_nr_samples(const struct run_model *rep)
{
	return rep->nr_repeats ? rep->nr_repeats : 1;
}

static inline const struct model_run *model_sample(const struct run_model *rep,
							  size_t i)
{
	return rep->nr_repeats ? &rep->repeats[i] : &rep->run;
}


/* The backend of that name in rep, or NULL. */
const struct model_backend *model_backend(const struct run_model *rep, const char *name);

/* Did the backend of that name run? */
bool model_backend_on(const struct run_model *rep, const char *name);

/* The ring whose number is `number` in run (a live run's slot), or NULL. */
const struct model_ring *model_ring_by_number(const struct model_run *run, size_t number);

/* The share k/n, false when n is 0 or k is not valid. */
bool model_share(const struct model_count *k, const struct model_count *n, double *out);

/* The run's sampling period (1 s / freq_hz) in ns, 0 without samples. */
__u64 model_period_ns(const struct model_run *run);

#endif
