// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of how a command is started (src/collect/target.c): held before exec until the
 * go, never run without it, exec errors reported, and a release that a stopped child would
 * hang given up on SIGINT. Real processes, no root needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "target.h"

#define NO_CHILD { .pid = -1, .go_fd = -1, .error_fd = -1 }

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The state letter of /proc/PID/stat, waiting up to 5 s for it to become want. */
static char wait_state(pid_t pid, char want)
{
	char path[64], buf[512], state = '?';
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		char *p;

		if (!f)
			return '?';
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		state = p && p[1] ? p[2] : '?';
		if (state == want)
			break;
		usleep(10000);
	}
	return state;
}

/* Spawn argv, release it (child_release must return want), reap it: its wait status. */
static int spawn_release_reap(char **argv, volatile sig_atomic_t *stop, int want)
{
	struct child c = NO_CHILD;
	int status;

	assert_int_equal(child_spawn(&c, argv), 0);
	assert_true(c.pid > 0);
	assert_non_null(c.stack);
	assert_int_equal(child_release(&c, stop), want);
	assert_null(c.stack);
	assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
	return status;
}

static void test_release_runs_the_command(void **unused)
{
	char *argv[] = { "sh", "-c", "exit 7", NULL };
	int status = spawn_release_reap(argv, NULL, 0);

	(void)unused;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
}

static void test_exec_error(void **unused)
{
	char *argv[] = { "/nonexistent/command", NULL };
	int status = spawn_release_reap(argv, NULL, -ENOENT);

	(void)unused;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 127);
}

/* Without the go (the profiler gave up, or died: its end closed), the command never runs. */
static void test_no_go_no_command(void **unused)
{
	char marker[] = "/tmp/uringlockstat-target.XXXXXX", cmd[128];
	char *argv[] = { "sh", "-c", cmd, NULL };
	struct child c = NO_CHILD;
	int fd, status;
	pid_t pid;

	(void)unused;
	fd = mkstemp(marker);
	assert_true(fd >= 0);
	close(fd);
	unlink(marker);
	snprintf(cmd, sizeof(cmd), "echo ran > %s", marker);
	assert_int_equal(child_spawn(&c, argv), 0);
	pid = c.pid;
	/* What a dead profiler leaves: its end of the go closed, no byte sent. */
	close(c.go_fd);
	c.go_fd = -1;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 127);
	assert_int_equal(access(marker, F_OK), -1);
	close(c.error_fd);
	munmap(c.stack, c.stack_bytes);
}

/* A stop requested while the child cannot exec (stopped): killed after 100 ms, -EINTR. */
static void test_stopped_child_interrupted(void **unused)
{
	char *argv[] = { "true", NULL };
	volatile sig_atomic_t stop = SIGINT;
	struct child c = NO_CHILD;
	double t0, waited;
	int status;

	(void)unused;
	assert_int_equal(child_spawn(&c, argv), 0);
	assert_int_equal(kill(c.pid, SIGSTOP), 0);
	assert_int_equal(wait_state(c.pid, 'T'), 'T');
	t0 = now_s();
	assert_int_equal(child_release(&c, &stop), -EINTR);
	waited = now_s() - t0;
	assert_null(c.stack);
	assert_true(waited >= 0.09 && waited < 2);
	assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* A stop already set does not kill a command whose exec ends at once. */
static void test_stop_spares_a_quick_exec(void **unused)
{
	char *argv[] = { "true", NULL };
	volatile sig_atomic_t stop = SIGTERM;
	int status = spawn_release_reap(argv, &stop, 0);

	(void)unused;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* child_abort before the go: killed, reaped, the stack gone. */
static void test_abort(void **unused)
{
	char *argv[] = { "true", NULL };
	struct child c = NO_CHILD;
	pid_t pid;

	(void)unused;
	assert_int_equal(child_spawn(&c, argv), 0);
	pid = c.pid;
	child_abort(&c);
	assert_int_equal(c.pid, -1);
	assert_null(c.stack);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_runs_the_command),
		cmocka_unit_test(test_exec_error),
		cmocka_unit_test(test_no_go_no_command),
		cmocka_unit_test(test_stopped_child_interrupted),
		cmocka_unit_test(test_stop_spares_a_quick_exec),
		cmocka_unit_test(test_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
