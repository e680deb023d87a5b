/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_SESSION_H
#define URINGLOCKSTAT_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "report.h"

/* What the user asked for; the session turns it into loaded and attached programs. */
struct session_opts {
	bool want[BACKEND_COUNT];
	bool mode_auto;   /* a wanted backend that cannot run is skipped, not an error */
	bool light;       /* no per-syscall event: SQEs from SQ head snapshots only */
	bool target_all;
	bool follow_forks;
	bool prog_stats;  /* a per-program table of runs and run times in the report */
	bool no_prog_stats; /* do not have the kernel time our programs: no overhead figures */
	bool verbose;     /* print each new acquisition stack with its path */
	bool no_paths;    /* exact backend without stacks: no per-path figures, less cost */
	bool holds;       /* exact backend: time each acquisition (trampolines on lock functions) */
	bool want_kstacks; /* kernel stacks of contended acquisitions too (flame graphs) */
	bool want_ustacks; /* user stacks of every recorded event */
	__u32 freq_hz;    /* sample backend's sampling frequency */
	__u32 max_rings;
	__u32 max_targets; /* processes followed at once (-p, a command, their children) */
	/* Set by a signal handler: session_open stops between steps with -EINTR. */
	const volatile sig_atomic_t *stop;
};

/*
 * Bytes a run with these options can take at most: the BPF maps (per-CPU ones on every
 * possible CPU, with every ring slot in use) and the profiler's own buffers.
 */
__u64 session_memory_needed(const struct session_opts *opts, int ncpus);

/*
 * Before anything is allocated: 0 if the run fits in half of the memory available (the
 * smaller of MemAvailable and the memory cgroup's room), else -ENOMEM with a one-line reason
 * naming both sizes in err.
 */
int session_check_memory(const struct session_opts *opts, char *err, size_t err_size);

struct session;

/*
 * Load and attach, alone, the counters backend's sys_exit program (what --count-enters runs
 * where fentry is refused): the probe's answer is then the backend's. why says what failed.
 */
bool session_try_sys_exit(char *why, size_t size);

/* Allocate an empty report with room for max_rings rings. */
struct report *report_new(__u32 max_rings);

/*
 * Probe, choose backends, load and attach. Fills rep->backends. On failure returns a negative
 * errno with a one-line reason in err.
 */
int session_open(struct session **out, const struct session_opts *opts, struct report *rep,
		 char *err, size_t err_size);

int session_add_target(struct session *s, __u32 tgid);

/* Find rings (task_file iterator) and read every counter into rep. */
int session_snapshot(struct session *s, struct report *rep);

/*
 * Rings closed for longer than ttl_ns (now_ns: CLOCK_MONOTONIC) are forgotten: their BPF
 * state is cleared, their slot goes back to the BPF side for the next new ring and
 * rep->rings[slot] is zeroed (info.ctx == 0 marks a free slot). Returns how many expired.
 */
int session_expire(struct session *s, struct report *rep, __u64 now_ns, __u64 ttl_ns);

struct stack_set;

/* With user stacks: take the memory map of every process seen with one, while it runs. */
void session_watch(struct session *s);

/* Every aggregated stack of the run, symbolized (after the last snapshot). */
int session_read_stacks(struct session *s, struct stack_set *out);

/* Stop counting without detaching, so that a last snapshot is consistent. */
void session_pause(struct session *s);

void session_close(struct session *s);

#endif
