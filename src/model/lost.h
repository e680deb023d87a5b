/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_LOST_H
#define URINGLOCKSTAT_LOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* One counter of events a run did not record. */
struct lost_count {
	const char *name;
	__u64 value;
};

/* How many lost counters a run has: report_lost's entries. */
#define LOST_COUNTERS 10

struct report;

/*
 * A live run's lost counters, named as every output names them, in the one order they all
 * use (src/model/lost.c's table). Fills out[] and returns LOST_COUNTERS.
 */
size_t report_lost(const struct report *rep, struct lost_count out[LOST_COUNTERS]);

/*
 * "lost: none", or one line per non-zero counter with the figures it makes lower bounds.
 * Names are escaped (they may come from a saved report).
 */
void lost_print(FILE *out, const struct lost_count *lost, size_t nr);

/*
 * What the profiler's own BPF programs cost over the run, as the kernel times them
 * (kernel.bpf_stats_enabled, on for the run unless --no-prog-stats), and the target's CPU
 * time over the same run to set it against.
 */
#define TARGET_CPU_RUSAGE "the command's rusage"

struct overhead {
	bool measured;           /* run times known */
	char why[128];           /* why not, when !measured */
	__u64 runs;              /* runs of our programs */
	__u64 run_ns;            /* their run time */
	__u64 target_cpu_ns;     /* the target's CPU time over the run, 0 if unknown */
	char target_cpu_source[80]; /* where target_cpu_ns comes from */
	/*
	 * target_cpu_ns is the reaped command's rusage (TARGET_CPU_RUSAGE): every thread's user
	 * and system time to the microsecond, io_uring's io-wq and SQPOLL threads included.
	 */
	bool target_cpu_rusage;
	/* Snapshots (reads of every map) and the profiler's CPU time in them: always measured. */
	__u64 snapshots;
	__u64 snapshot_cpu_ns;
	__u64 snapshot_cpu_ns_max;
};

/*
 * "profiler cost: ...": the programs' runs and run time, per run, per second of a run of
 * duration_ns, and as a share of the target's CPU time; or why it was not measured. Then the
 * snapshots' CPU time, when there were any. Texts are escaped (they may come from a saved
 * report).
 */
void overhead_print(FILE *out, const struct overhead *o, __u64 duration_ns);

#endif
