/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_JSON_READ_H
#define URINGLOCKSTAT_JSON_READ_H

/*
 * A saved JSON report (schema uringlockstat/1, src/render/output_json.c) read back for compare and
 * report: every field they use, type- and range-checked. A field the schema allows to be null
 * (its backend did not run) is "not valid" when null or absent; a field of the wrong type or
 * out of range makes the whole file unusable, with a one-line error naming the field.
 */
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "hist.h"
#include "lost.h"
#include "paths.h"
#include "uringlockstat.h"

/*
 * Largest file read (a regular file; pipes and devices are refused): a --repeat 1000 run of
 * 128 rings with every backend is about 320 MB of JSON, and reading it takes about 13 times
 * its size in memory.
 */
#define SAVED_MAX_FILE_BYTES (512ul << 20)

/* A count or time that may be null in the report. */
struct saved_count {
	bool valid;
	__u64 value;
};

struct saved_bool {
	bool valid;
	bool value;
};

/* wait_ns, hold_ns, acquire_wait_ns: {total, count, p50, p90, p99, max}, all in ns. */
struct saved_summary {
	bool valid;
	struct hist_summary ns;
};

/* ring.paths.NAME: the exact backend's figures of one kernel path. */
struct saved_path {
	char *name;
	__u64 acquisitions;
	struct saved_count contended;
	struct saved_count wait_ns;	/* total */
	struct saved_count hold_ns;	/* total */
};

struct saved_ring {
	/* Identity: compare matches rings by (report label, flags, order among equal flags). */
	int pid;
	int fd;
	char *flags;		/* the "flags" names joined with '|'; "" when none */
	size_t order;		/* place among the rings of its run with the same flags */
	char *comm;		/* NULL when absent */
	struct saved_count setup_flags;
	struct saved_count sq_entries;
	struct saved_count cq_entries;
	struct saved_count submitter_tid;
	char *found_by;
	struct saved_bool open_at_end;
	char *ctx;		/* kernel address, only in reports written with -v */
	/* Counters backend. */
	struct saved_count sqes;
	char *sqes_method;
	struct saved_bool sqes_complete;
	struct saved_count enters;
	struct saved_count enters_submit;
	struct saved_count registers;
	struct saved_count local_work_runs;
	struct saved_count task_work_runs;
	struct saved_count acquisitions;
	char *acquisitions_method;	/* "exact", "inferred", NULL */
	/* Contention backend. */
	struct saved_count contended;
	struct saved_count spin;
	struct saved_count sleep;
	struct saved_count interrupted;
	struct saved_summary wait;
	char *wait_method;
	struct saved_count owner_samples;
	bool has_owner_share;
	double owner_other_cpu_share;
	/* contention_by_owner.by_waiter_path: episodes by owner role (rows) and waiter path. */
	/* sampled_lock_samples_by_path: this ring's samples in lock code, by calling path. */
	bool has_lock_paths;
	__u64 lock_samples_path[PATH_COUNT];
	bool has_owner_matrix;
	__u64 owner_matrix[ROLE_COUNT][PATH_COUNT];
	/* Exact backend. */
	struct saved_summary hold;
	struct saved_summary acquire_wait;
	struct saved_count handoffs;
	struct saved_count trylocks;
	struct saved_count trylocks_failed;
	/* Sample backend: CPU time of samples taken while a task held this ring's lock. */
	struct saved_count sampled_hold_ns;
	bool has_paths;		/* "paths" is an object (it may be empty) */
	size_t nr_paths;
	struct saved_path *paths;
};

/* One profiling run: the top level of the report, or one entry of "repeats". */
struct saved_run {
	__u64 duration_ns;
	bool partial;
	struct saved_count exit_status;
	/*
	 * "sampled": the sample backend's CPU-clock samples of the target's threads, those in
	 * mutex code called from io_uring, and their share (null without samples).
	 */
	bool has_sampled;
	struct saved_count samples;
	struct saved_count lock_samples;
	struct saved_count freq_hz;
	bool has_lock_share;
	double lock_share;
	/* "lock_samples_by_path": lock_samples by the kernel path that called the lock code. */
	bool has_lock_paths;
	__u64 lock_samples_path[PATH_COUNT];
	size_t nr_rings;
	struct saved_ring *rings;
	/* The rings sorted by flags, then order: saved_run_find() looks them up in log time. */
	struct saved_ring **by_flags;
};

struct saved_backend {
	char *name;
	bool active;
	char *reason;
};

/* One named non-negative count, as in "lost". */
struct saved_counter {
	char *name;
	__u64 value;
};

struct saved_program {
	char *name;
	__u64 runs;
	__u64 run_ns;
	__u64 misses;
};

struct saved_report {
	char *kernel;
	char *label;		/* NULL when null or absent */
	char *partial_reason;
	bool clock_instructions;	/* "clock": "instructions"; false for "wall" or none */
	bool target_all;
	struct saved_count target_pid;
	char *target_command;
	size_t nr_backends;
	struct saved_backend *backends;
	size_t nr_lost;
	struct saved_counter *lost;
	bool has_overhead;		/* false for reports written before "overhead" */
	struct overhead overhead;
	bool has_programs;
	size_t nr_programs;
	struct saved_program *programs;
	struct saved_run run;		/* the top level (with --repeat, the first run) */
	size_t nr_repeats;		/* 0 when the report has no "repeats" */
	struct saved_run *repeats;
};

/*
 * Read a report from buf[0..len) into rep (zeroed first). name prefixes error messages (the
 * file name). Returns 0, or -1 with a one-line message in err; rep is then empty.
 */
int saved_report_parse(const char *buf, size_t len, const char *name, struct saved_report *rep,
		       char *err, size_t err_size);

/* Read the report in the file at path; as saved_report_parse(). */
int saved_report_load(const char *path, struct saved_report *rep, char *err, size_t err_size);

void saved_report_free(struct saved_report *rep);

/* The order-th ring (from 0) with these flags in run, or NULL. */
const struct saved_ring *saved_run_find(const struct saved_run *run, const char *flags,
					size_t order);

/* The runs that hold one sample each: the repeats if any, else the top level alone. */
static inline size_t saved_report_nr_samples(const struct saved_report *rep)
{
	return rep->nr_repeats ? rep->nr_repeats : 1;
}

static inline const struct saved_run *saved_report_sample(const struct saved_report *rep,
							  size_t i)
{
	return rep->nr_repeats ? &rep->repeats[i] : &rep->run;
}

#endif
