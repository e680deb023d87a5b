// SPDX-License-Identifier: GPL-2.0
/* Targets: an existing PID watched for exit, or a command started for its lifetime. */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "target.h"

/* What the child needs; on the child's own stack, in memory it shares with the profiler. */
struct spawn_args {
	char **argv;
	int go_fd, error_fd;	/* the child's ends */
	int go_parent, error_parent;	/* the profiler's ends, closed in the child */
	sigset_t mask;		/* the profiler's signal mask, the command's from exec on */
};

/*
 * The child, in the profiler's address space (CLONE_VM): it touches only its own stack and
 * makes system calls (the profiler is linked with -z now: no lazy PLT binding writes its GOT
 * from here). It starts with every signal blocked, so that no handler of the profiler runs
 * in it and no interrupted call sets errno, which it shares with the profiler's main thread.
 * Handlers are reset (exec would reset them too), then it waits for the go: one byte. EOF
 * instead means the profiler ended or gave up before profiling was in place, and the
 * command is not run.
 */
static int spawned(void *arg)
{
	const struct spawn_args *a = arg;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	char byte;
	int err, sig;

	for (sig = 1; sig < NSIG; sig++) {
		struct sigaction old;

		/* glibc's own signals (32, 33) would fail with EINVAL: errno untouched. */
		if (sig == SIGKILL || sig == SIGSTOP || (sig > 31 && sig < SIGRTMIN))
			continue;
		if (!sigaction(sig, NULL, &old) &&
		    old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
			sigaction(sig, &dfl, NULL);
	}
	close(a->go_parent);
	close(a->error_parent);
	/* Wait until the profiler is attached. */
	if (read(a->go_fd, &byte, 1) != 1)
		_exit(127);
	sigprocmask(SIG_SETMASK, &a->mask, NULL);
	execvp(a->argv[0], a->argv);
	err = errno;
	if (write(a->error_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/*
 * The child shares the profiler's memory until it execs (CLONE_VM, as posix_spawn does)
 * rather than copying it (fork): its exec then has no copy of the profiler's address space
 * to tear down, work that fork charged to the command's CPU time and that varied with the
 * profiler's heap (/bin/true's CPU time with a 25 MB profiler: 7.3 ms with fork, 4.9 ms now,
 * medians of 6; 0.23 M of 109 M instructions in a 6.1 icount guest).
 */
int child_spawn(struct child *c, char **argv)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), argc = 0;
	struct spawn_args *a;
	int go[2], error[2], err;
	sigset_t all;
	pid_t pid;

	/*
	 * execvp's own stack use, and its copy of the arguments when it runs a script through
	 * the shell (ENOEXEC); below it a guard page, so that an overflow faults in the child
	 * rather than writing into the profiler's memory.
	 */
	while (argv[argc])
		argc++;
	c->stack_bytes = page + CHILD_STACK_BYTES + ((argc + 3) * sizeof(char *) + page - 1) /
							  page * page;
	c->stack = mmap(NULL, c->stack_bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (c->stack == MAP_FAILED) {
		c->stack = NULL;
		return -errno;
	}
	if (mprotect(c->stack, page, PROT_NONE)) {
		err = -errno;
		goto unmap;
	}
	/* A socket, so that the go is sent without SIGPIPE should the child be gone. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go)) {
		err = -errno;
		goto unmap;
	}
	if (pipe2(error, O_CLOEXEC)) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		goto unmap;
	}
	/* The arguments at the top of the stack, which grows down from below them. */
	a = (struct spawn_args *)((char *)c->stack + c->stack_bytes) - 1;
	a->argv = argv;
	a->go_fd = go[0];
	a->error_fd = error[1];
	a->go_parent = go[1];
	a->error_parent = error[0];
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &a->mask);
	pid = clone(spawned, a, CLONE_VM | SIGCHLD, a);
	err = pid < 0 ? -errno : 0;
	sigprocmask(SIG_SETMASK, &a->mask, NULL);
	close(go[0]);
	close(error[1]);
	if (pid < 0) {
		close(go[1]);
		close(error[0]);
		goto unmap;
	}
	c->pid = pid;
	c->go_fd = go[1];
	c->error_fd = error[0];
	return 0;
unmap:
	munmap(c->stack, c->stack_bytes);
	c->stack = NULL;
	return err;
}

/* The child's stack, once the child runs on it no more (it exec'd or ended). */
static void child_unmap(struct child *c)
{
	if (c->stack)
		munmap(c->stack, c->stack_bytes);
	c->stack = NULL;
}

/*
 * Wait for the error pipe to be readable. An exec that does not end (the child stopped, or a
 * hung file system) must not hold the profiler against SIGINT and SIGTERM: once *stop is set
 * and the exec has had its 100 ms, the child is killed; the wait goes on until it has left
 * the shared memory. true if it was killed so.
 */
static bool wait_exec(struct child *c, volatile sig_atomic_t *stop)
{
	struct pollfd p = { .fd = c->error_fd, .events = POLLIN };
	bool killed = false;

	while (poll(&p, 1, 100) <= 0) {
		if (stop && *stop && !killed) {
			kill(c->pid, SIGKILL);
			killed = true;
		}
	}
	return killed;
}

int child_release(struct child *c, volatile sig_atomic_t *stop)
{
	siginfo_t info;
	int err = 0, go_err = 0;
	bool killed;
	ssize_t n;

	/*
	 * The go. If the child is gone already, its wait status tells; if the byte cannot be
	 * sent, the child reads EOF and ends without running the command.
	 */
	if (send(c->go_fd, "g", 1, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
		go_err = errno;
	close(c->go_fd);
	c->go_fd = -1;
	/*
	 * EOF without data: exec succeeded (the pipe is close-on-exec, closed after the exec
	 * left the shared memory) or the child ended. Only then may its stack go: a read cut
	 * short by a signal is retried, not taken for EOF.
	 */
	killed = wait_exec(c, stop);
	do
		n = read(c->error_fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(c->error_fd);
	c->error_fd = -1;
	if (n == sizeof(err)) {
		/* It still runs on its stack until it exits: wait, leaving it to be reaped. */
		while (waitid(P_PID, c->pid, &info, WEXITED | WNOWAIT) && errno == EINTR)
			;
		child_unmap(c);
		return -err;
	}
	child_unmap(c);
	return killed ? -EINTR : -go_err;
}

void child_abort(struct child *c)
{
	int status;

	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	if (c->go_fd >= 0)
		close(c->go_fd);
	if (c->error_fd >= 0)
		close(c->error_fd);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	c->pid = -1;
	child_unmap(c);
}

int child_poll(struct child *c, int *status, struct rusage *ru)
{
	pid_t r = wait4(c->pid, status, WNOHANG, ru);

	return r == c->pid ? 1 : 0;
}

bool pid_exists(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int pid_watch(pid_t pid)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

bool pid_watch_exited(int pidfd, pid_t pid)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return !pid_exists(pid);
	return poll(&p, 1, 0) > 0;
}

pid_t pid_process(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		int v;

		if (sscanf(line, "Tgid: %d", &v) == 1) {
			tgid = v > 0 ? v : -ENOENT;
			break;
		}
	}
	fclose(f);
	return tgid;
}

static __u64 ticks_ns(unsigned long long ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return ticks * (1000000000ull / (hz > 0 ? hz : 100));
}

int pid_cpu_ns(pid_t pid, __u64 *ns)
{
	unsigned long long t[4];
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* The name may hold spaces and parentheses: fields count from its last ')'. */
	p = strrchr(buf, ')');
	/* Fields 3-13, then utime, stime, cutime and cstime (proc(5)). */
	if (!p || sscanf(p + 1, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu %llu %llu",
			 &t[0], &t[1], &t[2], &t[3]) != 4)
		return -EIO;
	*ns = ticks_ns(t[0] + t[1] + t[2] + t[3]);
	return 0;
}

int all_cpus_busy_ns(__u64 *ns)
{
	unsigned long long v[8] = {};
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return -errno;
	/* cpu user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -EIO;
	*ns = ticks_ns(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]);
	return 0;
}
