/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_TARGET_H
#define URINGLOCKSTAT_TARGET_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <linux/types.h>

/* A command started stopped before exec, so that profiling is in place when it begins. */
struct child {
	pid_t pid;
	void *stack;  /* the child's stack until it execs: it shares the profiler's memory */
	size_t stack_bytes;
	int go_fd;    /* the profiler's end: one byte lets the child exec, EOF ends it */
	int error_fd; /* read end: the child writes errno here if exec fails */
};

/* The child's stack before exec, besides its arguments and a guard page. */
#define CHILD_STACK_BYTES (256 << 10)

int child_spawn(struct child *c, char **argv);

/*
 * Let the child exec; -errno (with the exec error) if it could not, -EINTR if *stop (may be
 * NULL) was set while the exec hung and the child was killed for it.
 */
int child_release(struct child *c, volatile sig_atomic_t *stop);

void child_abort(struct child *c);

/* 1 when the process is gone (status filled for a child), 0 while it runs. */
/* 1 with its status (and CPU time in ru) once the command has ended, else 0. */
int child_poll(struct child *c, int *status, struct rusage *ru);

/* Does a process with this PID exist? */
bool pid_exists(pid_t pid);

/* Open a pidfd to watch a process exit; -errno if not possible. */
int pid_watch(pid_t pid);

bool pid_watch_exited(int pidfd, pid_t pid);

/* The process (thread group) that thread pid belongs to: pid itself for a leader; -errno. */
pid_t pid_process(pid_t pid);

/* CPU time of a process (its threads and waited-for children), from /proc/PID/stat's ticks. */
int pid_cpu_ns(pid_t pid, __u64 *ns);

/* Busy time of every CPU (all but idle and iowait), from /proc/stat's ticks. */
int all_cpus_busy_ns(__u64 *ns);

#endif
