// SPDX-License-Identifier: GPL-2.0
/* Output files: written whole or not at all, and never through a name someone else planted. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "atomic.h"
#include "fmt.h"

#define TMP_PREFIX ".uringlockstat-"
#define TMP_RANDOM 12

static int fail(struct out_file *o, char *err, size_t err_size, int ret, const char *why)
{
	if (err && err_size) {
		char *safe = fmt_escape_dup(o->path ? o->path : "");

		snprintf(err, err_size, "cannot write %s: %s", safe ? safe : "?",
			 why ? why : strerror(-ret));
		free(safe);
	}
	out_close(o);
	return ret;
}

/* A fresh temporary file in the target's directory; never an existing name or a link. */
static int tmp_create(struct out_file *o)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[TMP_RANDOM];
	int i, j, fd;

	for (i = 0; i < 100; i++) {
		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd)) {
			/* No entropy yet: O_EXCL still makes a planted name fail, not follow. */
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			for (j = 0; j < TMP_RANDOM; j++)
				rnd[j] = (unsigned char)((ts.tv_nsec >> (j % 4 * 8)) + getpid() + i * 31 + j);
		}
		memcpy(o->tmp_name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1);
		for (j = 0; j < TMP_RANDOM; j++)
			o->tmp_name[sizeof(TMP_PREFIX) - 1 + j] = chars[rnd[j] % (sizeof(chars) - 1)];
		o->tmp_name[sizeof(TMP_PREFIX) - 1 + TMP_RANDOM] = '\0';
		fd = openat(o->dir_fd, o->tmp_name,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			o->tmp_fd = fd;
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static void tmp_discard(struct out_file *o)
{
	if (o->tmp_fd < 0)
		return;
	close(o->tmp_fd);
	unlinkat(o->dir_fd, o->tmp_name, 0);
	o->tmp_fd = -1;
}

/* Give the new file the mode and owner of the one it replaces, sync it, rename it into place. */
static int tmp_commit(struct out_file *o)
{
	mode_t mode = o->new_mode;
	struct stat old, cur;

	if (!fstatat(o->dir_fd, o->name, &old, AT_SYMLINK_NOFOLLOW) && S_ISREG(old.st_mode)) {
		/* Permission bits only: set-ID bits are not carried over to a file root wrote. */
		mode = old.st_mode & 0777;
		if (fstat(o->tmp_fd, &cur))
			return -errno;
		/* Only root may give a file away; others keep their own ownership. */
		if ((cur.st_uid != old.st_uid || cur.st_gid != old.st_gid) &&
		    fchown(o->tmp_fd, old.st_uid, old.st_gid) && errno != EPERM)
			return -errno;
	}
	if (fchmod(o->tmp_fd, mode) || fsync(o->tmp_fd))
		return -errno;
	if (renameat(o->dir_fd, o->tmp_name, o->dir_fd, o->name))
		return -errno;
	close(o->tmp_fd);
	o->tmp_fd = -1;
	return 0;
}

/*
 * Cookie stream writing to the output's descriptor and keeping the first error's errno (stdio
 * would report a later call's). Returns the bytes written, 0 on error (fopencookie(3)).
 */
static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
	struct out_file *o = cookie;
	int fd = o->kind == OUT_REPLACE ? o->tmp_fd : o->fd;
	size_t done = 0;
	ssize_t n;

	if (o->err)
		return 0;
	while (done < size) {
		n = write(fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->err = n < 0 ? errno : EIO;
			errno = o->err;
			return 0;
		}
		done += n;
	}
	return size;
}

/* fd 1 or 2 when path names the file open there (/dev/stdout), else -1. */
static int std_stream(const char *path)
{
	struct stat target, st;
	int fd;

	if (stat(path, &target))
		return -1;
	for (fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		if (!fstat(fd, &st) && st.st_dev == target.st_dev && st.st_ino == target.st_ino)
			return fd;
	}
	return -1;
}

static int open_device(struct out_file *o, const struct stat *st, char *err, size_t err_size)
{
	struct stat now;
	int flags;

	/* O_NONBLOCK: opening a modem-like device does not wait for a carrier. */
	o->fd = open(o->path, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (o->fd < 0)
		return fail(o, err, err_size, -errno, NULL);
	o->own_fd = true;
	o->kind = OUT_FD;
	if (fstat(o->fd, &now))
		return fail(o, err, err_size, -errno, NULL);
	if (!S_ISCHR(now.st_mode) || now.st_rdev != st->st_rdev)
		return fail(o, err, err_size, -EAGAIN, "the file changed while it was opened");
	flags = fcntl(o->fd, F_GETFL);
	if (flags < 0 || fcntl(o->fd, F_SETFL, flags & ~O_NONBLOCK))
		return fail(o, err, err_size, -errno, NULL);
	return 0;
}

static int open_replace(struct out_file *o, char *err, size_t err_size)
{
	const char *slash = strrchr(o->path, '/');
	struct stat st;
	char *dir;
	mode_t mask;
	int ret;

	if (slash) {
		dir = strndup(o->path, slash == o->path ? 1 : (size_t)(slash - o->path));
		o->name = strdup(slash + 1);
	} else {
		dir = strdup(".");
		o->name = strdup(o->path);
	}
	if (!dir || !o->name) {
		free(dir);
		return fail(o, err, err_size, -ENOMEM, NULL);
	}
	if (!o->name[0] || !strcmp(o->name, ".") || !strcmp(o->name, "..")) {
		free(dir);
		return fail(o, err, err_size, -EISDIR, NULL);
	}
	/* Held for the run: a directory renamed or swapped meanwhile cannot redirect the write. */
	o->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (o->dir_fd < 0)
		return fail(o, err, err_size, -errno, NULL);
	o->kind = OUT_REPLACE;
	/* A name longer than NAME_MAX fails here with ENAMETOOLONG. */
	if (!fstatat(o->dir_fd, o->name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISDIR(st.st_mode))
			return fail(o, err, err_size, -EISDIR, NULL);
		/* A file its owner made read-only stays so (root passes this check). */
		if (S_ISREG(st.st_mode) && faccessat(o->dir_fd, o->name, W_OK, AT_EACCESS))
			return fail(o, err, err_size, -errno, NULL);
	} else if (errno != ENOENT) {
		return fail(o, err, err_size, -errno, NULL);
	}
	mask = umask(022);
	umask(mask);
	o->new_mode = 0644 & ~mask;
	/* The check is the write's own first step: create a temporary file there, remove it. */
	ret = tmp_create(o);
	if (ret)
		return fail(o, err, err_size, ret, NULL);
	tmp_discard(o);
	return 0;
}

int out_open(struct out_file *o, const char *path, char *err, size_t err_size)
{
	struct stat st;
	size_t len = strlen(path);
	int fd;

	memset(o, 0, sizeof(*o));
	o->fd = o->dir_fd = o->tmp_fd = -1;
	o->path = strdup(path);
	if (!o->path)
		return fail(o, err, err_size, -ENOMEM, NULL);
	if (!strcmp(path, "-")) {
		o->kind = OUT_FD;
		o->fd = STDOUT_FILENO;
		return 0;
	}
	if (!len)
		return fail(o, err, err_size, -ENOENT, NULL);
	/* A name ending in / is a directory's, or fails as the lookup does (ENOENT, ENOTDIR). */
	if (path[len - 1] == '/')
		return fail(o, err, err_size, stat(path, &st) ? -errno : -EISDIR, NULL);
	if (lstat(path, &st)) {
		if (errno != ENOENT)
			return fail(o, err, err_size, -errno, NULL);
		return open_replace(o, err, err_size);
	}
	if (S_ISLNK(st.st_mode)) {
		fd = std_stream(path);
		if (fd < 0)
			return fail(o, err, err_size, -ELOOP,
				    "a symbolic link is not followed (name the file it points "
				    "to, or - for standard output)");
		o->kind = OUT_FD;
		o->fd = fd;
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return fail(o, err, err_size, -EISDIR, NULL);
	if (S_ISCHR(st.st_mode))
		return open_device(o, &st, err, err_size);
	if (!S_ISREG(st.st_mode))
		return fail(o, err, err_size, -EINVAL,
			    "not a regular file or character device (- is standard output)");
	return open_replace(o, err, err_size);
}

bool out_is_stdout(const struct out_file *o)
{
	return o->kind == OUT_FD && o->fd == STDOUT_FILENO;
}

FILE *out_begin(struct out_file *o, int *ret)
{
	static const cookie_io_functions_t io = { .write = sink_write };
	FILE *f;

	*ret = 0;
	o->err = 0;
	if (o->kind == OUT_REPLACE) {
		*ret = tmp_create(o);
		if (*ret)
			return NULL;
	} else if (o->kind == OUT_FD) {
		/* Keep the order of what stdio already holds for the same descriptor. */
		if (o->fd == STDOUT_FILENO)
			fflush(stdout);
		else if (o->fd == STDERR_FILENO)
			fflush(stderr);
	} else {
		*ret = -EBADF;
		return NULL;
	}
	f = fopencookie(o, "w", io);
	if (!f) {
		*ret = -errno;
		tmp_discard(o);
		return NULL;
	}
	/* A terminal sees each line of the -i tables as it comes. */
	if (o->kind == OUT_FD && isatty(o->fd))
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int out_end(struct out_file *o, FILE *f, bool commit)
{
	int ret;

	if (fflush(f) && !o->err)
		o->err = errno ? errno : EIO;
	fclose(f);
	ret = -o->err;
	if (o->kind != OUT_REPLACE)
		return ret;
	if (!ret && commit)
		ret = tmp_commit(o);
	tmp_discard(o);
	return ret;
}

int out_write(struct out_file *o, int (*write_fn)(FILE *f, void *arg), void *arg)
{
	FILE *f;
	int ret, write_ret;

	f = out_begin(o, &ret);
	if (!f)
		return ret;
	write_ret = write_fn(f, arg);
	ret = out_end(o, f, !write_ret);
	/* The stream's own errno (ENOSPC) beats write_fn's generic -EIO. */
	return ret ? ret : write_ret;
}

void out_close(struct out_file *o)
{
	if (o->kind == OUT_REPLACE) {
		tmp_discard(o);
		close(o->dir_fd);
	} else if (o->kind == OUT_FD && o->own_fd) {
		close(o->fd);
	}
	free(o->path);
	free(o->name);
	memset(o, 0, sizeof(*o));
	o->fd = o->dir_fd = o->tmp_fd = -1;
}

int atomic_write(const char *path, int (*write_fn)(FILE *f, void *arg), void *arg)
{
	struct out_file o;
	int ret = out_open(&o, path, NULL, 0);

	if (!ret)
		ret = out_write(&o, write_fn, arg);
	out_close(&o);
	return ret;
}
