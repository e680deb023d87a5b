// SPDX-License-Identifier: GPL-2.0
/* Targets: an existing PID watched for exit, or a command started for its lifetime. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "target.h"

int child_spawn(struct child *c, char **argv)
{
	int go[2], error[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(error, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(go[0]);
		close(go[1]);
		close(error[0]);
		close(error[1]);
		return err;
	}
	if (pid == 0) {
		char byte;
		int err;

		close(go[1]);
		close(error[0]);
		/* Wait until the profiler is attached (or gone). */
		if (read(go[0], &byte, 1) != 0)
			_exit(127);
		execvp(argv[0], argv);
		err = errno;
		if (write(error[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(error[1]);
	c->pid = pid;
	c->go_fd = go[1];
	c->error_fd = error[0];
	return 0;
}

int child_release(struct child *c)
{
	int err = 0;
	ssize_t n;

	close(c->go_fd);
	c->go_fd = -1;
	/* EOF without data: exec succeeded (the pipe is close-on-exec). */
	n = read(c->error_fd, &err, sizeof(err));
	close(c->error_fd);
	c->error_fd = -1;
	if (n == sizeof(err))
		return -err;
	return 0;
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
	waitpid(c->pid, &status, 0);
	c->pid = -1;
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
