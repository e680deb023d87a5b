/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_REPORT_H
#define URINGLOCKSTAT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "uringlockstat.h"
#include "hist.h"
#include "paths.h"
#include "lost.h"

enum backend_id {
	BACKEND_EXACT,
	BACKEND_CONTENTION,
	BACKEND_SAMPLE,
	BACKEND_COUNTERS,
	BACKEND_COUNT,
};

struct backend_status {
	bool active;
	char reason[512];
};

/* The exact backend's figures of one path of one ring. */
struct path_totals {
	__u64 acquisitions;
	__u64 wait_ns;
	__u64 hold_ns;
};

/*
 * One ring as the report sees it: what BPF wrote, summed over CPUs, and the SQ-head counts.
 * Written by collection (src/collect); what it tracks between snapshots (which ring a slot
 * holds, the SQ head counted up to, since when closed) is its own, not kept here.
 */
struct ring_report {
	__u32 slot;
	struct ring_info info;
	struct ring_stats sum;
	struct ring_hists hists;
	struct path_totals paths[PATH_COUNT];
	bool head_seen;      /* a snapshot or the ring's teardown gave its SQ head */
	bool open;           /* the last snapshot still found the ring open (live) */
	bool no_fd;          /* live, but neither in an fd table nor a registered ring fd (a
			      * mapping): its SQ head was not read by the last snapshot */
	bool ended;          /* its teardown began: sqes_head counts up to its last SQ head */
	__u64 sqes_head;     /* SQEs counted from ctx->cached_sq_head deltas */
	__u32 submitter_tid; /* latest known */
	__u64 samples_held;  /* samples taken while a task held this ring's lock */
	/*
	 * Contention episodes by the lock owner's role at their begin (enum owner_role, read in
	 * one of OWNER_SAMPLE_EVERY) and the waiter's path (its kernel stack): report.waiter_paths.
	 */
	__u64 contended_by[ROLE_COUNT][PATH_COUNT];
	/*
	 * Samples in lock code while a task held this ring's lock or waited for it (an open
	 * contention episode), by the kernel path that called the lock code (sample backend).
	 */
	__u64 lock_samples_path[PATH_COUNT];
};

/* What the interval table (-i) keeps of a ring from one table to the next. */
struct interval_ring {
	__u64 ctx, seen_ns; /* which ring; a slot reused by another starts its rates from 0 */
	bool have_sqes;
	__u64 sqes, enters, contended, wait_ns;
};

/* Counters backend figures a run could not measure (their hook missing or refused). */
enum counter_figure {
	COUNTER_REGISTERS = 1 << 0,
	COUNTER_LOCAL_WORK = 1 << 1,
	COUNTER_TASK_WORK = 1 << 2,
};

/* A figure the run left out for its cost: the option that adds it, and what that costs. */
struct opt_in {
	char figure[96];
	char option[48];
	char cost[160];
};

#define MAX_OPT_INS 4

/* Cost of one of our BPF programs over the run (with --prog-stats). */
struct program_cost {
	char name[32];
	__u64 runs;
	__u64 run_ns;
	__u64 misses;
};

#define MAX_PROGRAMS 40

/* The text reports' line for --clock instructions. */
#define CLOCK_INSTRUCTIONS_NOTE "clock: instructions (--clock instructions): every time and " \
	"rate below counts instructions, 1 ns = 1 instruction"

struct report {
	char kernel[65];
	char label[128];     /* --label: the scenario's name, "" if none */
	/* --clock instructions: the clock counts instructions (qemu -icount shift=0), not ns. */
	bool clock_instructions;
	__u64 duration_ns;
	bool partial;
	char partial_reason[160];
	bool light;          /* no per-syscall counting: SQEs from SQ head deltas only */
	bool paths_measured; /* the exact backend attributed acquisitions to paths */
	bool holds_measured; /* the exact backend timed each acquisition (--holds) */
	__u32 counters_missing; /* enum counter_figure bits */
	size_t nr_opt_ins;   /* figures left out for their cost */
	struct opt_in opt_ins[MAX_OPT_INS];
	bool kstacks;        /* kernel stacks of contended acquisitions recorded */
	bool waiter_paths;   /* rings[].contended_by filled (the contention backend ran) */
	bool ustacks;        /* user stacks recorded */
	__u32 freq_hz;       /* sample backend's frequency, 0 when it did not run */
	__u64 samples;       /* samples of the target's threads */
	__u64 lock_samples;  /* ... in mutex code called from io_uring */
	__u64 lock_samples_path[PATH_COUNT]; /* ... by the kernel path that called it */
	struct backend_status backends[BACKEND_COUNT];
	struct bpf_failures failures;
	__u64 snapshot_failures; /* iterator reads that failed */
	__u64 program_misses;    /* runs the kernel skipped: a program of ours already running there */
	bool prog_stats;         /* programs[] holds per-program run counts and times */
	struct overhead overhead;
	size_t nr_programs;
	struct program_cost programs[MAX_PROGRAMS];
	/* Target: one PID, a command, or every process. */
	bool target_all;
	int target_pid;
	char target_command[256];
	int exit_status;     /* command's exit status, -1 if none */
	size_t nr_rings;
	struct ring_report rings[];
};

const char *backend_name(enum backend_id id);

/*
 * Does the run have the exact backend's stacks of every acquisition, with wait and hold
 * (--paths and --holds)? Else its lock stacks are the contention backend's.
 */
bool report_exact_stacks(const struct report *rep);

/*
 * SQEs consumed by the ring, and how they were counted ("enter_return" or "sq_head"); false
 * when unknown (SQ-head counting but no snapshot ever saw the ring open).
 */
bool ring_sqes(const struct report *rep, const struct ring_report *ring, __u64 *out,
	       const char **method);

/*
 * Lower bound of uring_lock acquisitions inferred from counted events (submit enters that reach
 * the lock, register calls, local work runs that cannot have shared a submit's hold). Returns
 * false when the counters that feed it did not run.
 */
bool ring_acquisitions_inferred(const struct report *rep, const struct ring_report *ring,
				__u64 *out);

/* Share of contention episodes whose lock owner ran on another CPU; false if none known. */
bool ring_owner_other_cpu_share(const struct ring_report *ring, double *out);

/*
 * 95% interval of the sampled hold time of a ring whose lock was held in `held` of the run's
 * `samples` samples at freq_hz (the held share's Wilson interval, times the sampled CPU time);
 * false when there are no samples. Shared by the live report and `report`.
 */
bool sampled_hold_ci95(__u64 held, __u64 samples, __u32 freq_hz, double *lo_ns, double *hi_ns);

/*
 * The samples in lock code by the kernel path that called it (by_path: PATH_COUNT counts) of
 * `samples` samples, and their sum on the paths SINGLE_ISSUER elision removes, each share with
 * its 95% interval: lines of the text report, live and saved alike. Nothing when no sample was
 * in lock code.
 */
void lock_paths_print(FILE *out, const __u64 *by_path, __u64 samples);

/*
 * One ring's line of the sample backend's text: its samples in lock code (by_path, PATH_COUNT
 * counts) of the run's `samples`, and those on the paths elision removes, each share with its
 * 95% interval. Nothing without lock samples. Live and saved alike.
 */
void ring_lock_paths_print(FILE *out, size_t ring, const __u64 *by_path, __u64 samples);

/* The lock samples of by_path (PATH_COUNT counts) on the paths elision removes. */
__u64 lock_samples_elided(const __u64 *by_path);

/*
 * Who blocks whom: the sampled contention episodes (m: ROLE_COUNT rows of PATH_COUNT, the
 * episodes whose owner and waiter stack were read, one in OWNER_SAMPLE_EVERY) by lock owner
 * role and waiter path, each role's and path's share with its 95% interval, of the ring's
 * `contended` episodes: lines of the text report, live and saved alike. Nothing without
 * sampled episodes.
 */
void owner_matrix_print(FILE *out, const __u64 (*m)[PATH_COUNT], __u64 contended);

/* Episodes of the matrix whose owner was read (every role but ROLE_NOT_READ). */
__u64 owner_matrix_reads(const __u64 (*m)[PATH_COUNT]);

/* Episodes of one row (role) or one column (path) of the matrix. */
__u64 owner_matrix_role(const __u64 (*m)[PATH_COUNT], int role);
__u64 owner_matrix_path(const __u64 (*m)[PATH_COUNT], int path);

/* Text of a 95% interval of a share, as percentages: "22.9-31.7%". */
const char *fmt_share_ci(double lo, double hi, char *buf, size_t size);

void ring_wait_summary(const struct ring_report *ring, struct hist_summary *out);

/* Exact backend: hold times, and the wait of every acquisition (contended or not). */
void ring_hold_summary(const struct ring_report *ring, struct hist_summary *out);
void ring_acquire_wait_summary(const struct ring_report *ring, struct hist_summary *out);

#endif
