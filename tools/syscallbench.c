// SPDX-License-Identifier: GPL-2.0
/*
 * syscallbench - a process that makes system calls and takes a mutex that is not
 * uring_lock, for measuring what a profiler costs processes it does not profile.
 *
 *   syscallbench getppid N   N getppid() calls: the cost of one system call
 *   syscallbench pipe N      N rounds of a 1-byte write and a 1-byte read on one pipe:
 *                            2 system calls and 2 lock/unlock pairs of the pipe's
 *                            mutex (pipe_write and pipe_read take it once each)
 *
 * Prints one JSON object: mode, iterations, syscalls, mutex_pairs, duration_ns.
 * Under qemu -icount shift=0 the guest clock counts instructions, so duration_ns /
 * syscalls is instructions per system call.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000ULL
#define MAX_ITERATIONS	1000000000ULL

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "syscallbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: syscallbench getppid|pipe N\n"
		"  getppid N  N getppid() system calls\n"
		"  pipe N     N rounds of a 1-byte write and read on a pipe (2 system calls,\n"
		"             2 lock/unlock pairs of the pipe mutex per round)\n"
		"Prints {\"tool\":\"syscallbench\",\"mode\",\"iterations\",\"syscalls\","
		"\"mutex_pairs\",\"duration_ns\"}.\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void run_getppid(uint64_t n)
{
	uint64_t i;

	/* syscall(): no library may answer from a cache. */
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void run_pipe(const int fds[2], uint64_t n)
{
	char byte = 'x';
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (write(fds[1], &byte, 1) != 1)
			die("write");
		if (read(fds[0], &byte, 1) != 1)
			die("read");
	}
}

int main(int argc, char **argv)
{
	unsigned long long n;
	uint64_t start, end, syscalls, pairs;
	char *tail;
	int fds[2];

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	errno = 0;
	n = strtoull(argv[2], &tail, 10);
	if (errno || *tail || argv[2][0] == '-' || n == 0 || n > MAX_ITERATIONS) {
		fprintf(stderr, "syscallbench: N='%s' is not an integer in [1, %llu]\n", argv[2],
			MAX_ITERATIONS);
		return 2;
	}
	if (!strcmp(argv[1], "getppid")) {
		start = now_ns();
		run_getppid(n);
		end = now_ns();
		syscalls = n;
		pairs = 0;
	} else if (!strcmp(argv[1], "pipe")) {
		/* Outside the timed loop: only the write/read rounds are measured. */
		if (pipe(fds))
			die("pipe");
		start = now_ns();
		run_pipe(fds, n);
		end = now_ns();
		close(fds[0]);
		close(fds[1]);
		syscalls = 2 * n;
		pairs = 2 * n;
	} else {
		usage(stderr);
		return 2;
	}
	printf("{\"tool\":\"syscallbench\",\"mode\":\"%s\",\"iterations\":%llu,\"syscalls\":%" PRIu64
	       ",\"mutex_pairs\":%" PRIu64 ",\"duration_ns\":%" PRIu64 "}\n",
	       argv[1], n, syscalls, pairs, end - start);
	return 0;
}
