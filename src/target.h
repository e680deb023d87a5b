/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_TARGET_H
#define URINGLOCKSTAT_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A command started stopped before exec, so that profiling is in place when it begins. */
struct child {
	pid_t pid;
	int go_fd;    /* write end: closing it lets the child exec */
	int error_fd; /* read end: the child writes errno here if exec fails */
};

int child_spawn(struct child *c, char **argv);

/* Let the child exec; -errno (with the exec error) if it could not. */
int child_release(struct child *c);

void child_abort(struct child *c);

/* 1 when the process is gone (status filled for a child), 0 while it runs. */
int child_poll(struct child *c, int *status);

/* Does a process with this PID exist? */
bool pid_exists(pid_t pid);

/* Open a pidfd to watch a process exit; -errno if not possible. */
int pid_watch(pid_t pid);

bool pid_watch_exited(int pidfd, pid_t pid);

/* The process (thread group) that thread pid belongs to: pid itself for a leader; -errno. */
pid_t pid_process(pid_t pid);

#endif
