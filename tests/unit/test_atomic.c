// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the output files (src/render/atomic.c): which targets are written in place, replaced
 * or refused, modes kept, errors with the system's own errno, no temporary file left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "atomic.h"

static char dir[] = "/tmp/uringlockstat-unit.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* Files in dir, dot files included; the first one's name in first. */
static int entries(char *first, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!n && first)
			snprintf(first, size, "%s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static int write_hello(FILE *f, void *arg)
{
	(void)arg;
	return fputs("hello\n", f) == EOF ? -EIO : 0;
}

/* A large write: the stream's buffer overflows before the end, as a big SVG does. */
static int write_big(FILE *f, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 100000; i++) {
		if (fputs("0123456789abcdef\n", f) == EOF)
			return -EIO;
	}
	return 0;
}

static void path_of(char *path, size_t size, const char *name)
{
	snprintf(path, size, "%s/%s", dir, name);
	unlink(path);
}

static void test_new_file(void **state)
{
	char path[512], err[600] = "", buf[16] = "";
	struct out_file o;
	struct stat st;
	mode_t old_mask;
	FILE *f;

	(void)state;
	path_of(path, sizeof(path), "new.txt");
	old_mask = umask(0);
	assert_int_equal(out_open(&o, path, err, sizeof(err)), 0);
	umask(old_mask);
	/* The check created and removed a temporary file: nothing is left. */
	assert_int_equal(entries(NULL, 0), 0);
	assert_int_equal(out_write(&o, write_hello, NULL), 0);
	out_close(&o);
	assert_int_equal(entries(NULL, 0), 1);
	assert_int_equal(stat(path, &st), 0);
	/* umask 000: 0644, never world-writable. */
	assert_int_equal(st.st_mode & 07777, 0644);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "hello\n");
	unlink(path);
}

static void test_keeps_mode(void **state)
{
	char path[512];
	struct stat st;
	int fd;

	(void)state;
	path_of(path, sizeof(path), "private.txt");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0600), 0);
	close(fd);
	assert_int_equal(atomic_write(path, write_hello, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 6);
	unlink(path);
}

/* A link, a FIFO: refused at once with a message naming the file, left as they are. */
static void test_refused(void **state)
{
	char path[512], err[600] = "";
	struct out_file o;
	struct stat st;

	(void)state;
	path_of(path, sizeof(path), "link");
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_true(out_open(&o, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	unlink(path);

	path_of(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	err[0] = '\0';
	assert_true(out_open(&o, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "not a regular file"));
	assert_true(atomic_write(path, write_hello, NULL) < 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	unlink(path);

	/* A directory, and a name longer than NAME_MAX. */
	assert_int_equal(out_open(&o, dir, err, sizeof(err)), -EISDIR);
	snprintf(path, sizeof(path), "%s/%0256d", dir, 0);
	assert_int_equal(out_open(&o, path, err, sizeof(err)), -ENAMETOOLONG);
	assert_int_equal(entries(NULL, 0), 0);
}

/* Devices are written in place; /dev/full fails with ENOSPC, not a generic EIO. */
static void test_devices(void **state)
{
	struct out_file o;
	struct stat st;

	(void)state;
	assert_int_equal(atomic_write("/dev/null", write_big, NULL), 0);
	assert_int_equal(out_open(&o, "/dev/full", NULL, 0), 0);
	assert_int_equal(out_write(&o, write_hello, NULL), -ENOSPC);
	assert_int_equal(out_write(&o, write_big, NULL), -ENOSPC);
	out_close(&o);
	assert_int_equal(stat("/dev/full", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

/* A failed write leaves the old file whole and no temporary file. */
static int write_fails(FILE *f, void *arg)
{
	(void)arg;
	fputs("partial", f);
	return -EINVAL;
}

static void test_failure_keeps_old(void **state)
{
	char path[512], name[256] = "";
	struct stat st;

	(void)state;
	path_of(path, sizeof(path), "kept.txt");
	assert_int_equal(atomic_write(path, write_hello, NULL), 0);
	assert_int_equal(atomic_write(path, write_fails, NULL), -EINVAL);
	assert_int_equal(entries(name, sizeof(name)), 1);
	assert_string_equal(name, "kept.txt");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 6);
	unlink(path);
}

/* "-" is standard output: written through the descriptor, never reopened. */
static void test_stdout(void **state)
{
	char path[512], buf[32] = "";
	struct out_file o;
	int saved, fd;
	FILE *f;

	(void)state;
	path_of(path, sizeof(path), "stdout.log");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "first\n", 6), 6);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	assert_int_equal(out_open(&o, "-", NULL, 0), 0);
	assert_true(out_is_stdout(&o));
	assert_int_equal(out_write(&o, write_hello, NULL), 0);
	out_close(&o);
	/* /dev/stdout names the same file: still in place, not a replacement of the log. */
	assert_int_equal(out_open(&o, "/dev/stdout", NULL, 0), 0);
	assert_true(out_is_stdout(&o));
	assert_int_equal(out_write(&o, write_hello, NULL), 0);
	out_close(&o);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 18);
	fclose(f);
	assert_string_equal(buf, "first\nhello\nhello\n");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_file),
		cmocka_unit_test(test_keeps_mode),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_failure_keeps_old),
		cmocka_unit_test(test_stdout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
