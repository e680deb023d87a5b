/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_ATOMIC_H
#define URINGLOCKSTAT_ATOMIC_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * An output file, safe to write as root in a directory that others can write:
 * - "-", or a symbolic link to the file open as standard output or error (/dev/stdout,
 *   /proc/self/fd/1): that descriptor is written in place, never reopened;
 * - a character device (/dev/null): written in place;
 * - a regular file, or a name that does not exist: replaced whole. Each write goes to a new
 *   file of unpredictable name created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, in the
 *   target's directory (held open from out_open() on); it is synced, given the replaced file's
 *   mode and owner (else 0644 less the umask) and renamed over the target. A reader sees the
 *   old file or the whole new one; on failure the target is untouched.
 * Any other symbolic link, FIFOs, sockets, block devices and directories are refused.
 */
enum out_kind {
	OUT_NONE,	/* not opened */
	OUT_FD,		/* written in place through fd */
	OUT_REPLACE,	/* replaced through a temporary file in dir_fd */
};

struct out_file {
	enum out_kind kind;
	char *path;		/* as given, for messages */
	int fd;			/* OUT_FD: the descriptor written in place */
	bool own_fd;		/* fd was opened by out_open() (a device), not inherited */
	int dir_fd;		/* OUT_REPLACE: the target's directory */
	char *name;		/* OUT_REPLACE: the target's name in dir_fd */
	mode_t new_mode;	/* a new file's mode: 0644 less the umask */
	/* The write in progress, from out_begin() to out_end(). */
	int tmp_fd;
	char tmp_name[32];
	int err;		/* first write error (errno), 0 if none */
};

/*
 * Check and prepare path for writing, with the same calls the writes will make (a temporary
 * file is created and removed), so that a path that cannot be written fails here, before a
 * run. Returns 0, or -errno with "cannot write PATH: reason" in err (err may be NULL).
 */
int out_open(struct out_file *o, const char *path, char *err, size_t err_size);

/* The output goes to standard output. */
bool out_is_stdout(const struct out_file *o);

/* Start one write: a stream to fill, or NULL with -errno in *ret. End it with out_end(). */
FILE *out_begin(struct out_file *o, int *ret);

/*
 * End the write begun by out_begin() and close f. With commit, flush, sync and rename the
 * whole file into place; without, discard it. Returns 0 or the first write error as -errno
 * (nothing is renamed then).
 */
int out_end(struct out_file *o, FILE *f, bool commit);

/* One whole write through write_fn (0 or -errno). Returns 0 or -errno. */
int out_write(struct out_file *o, int (*write_fn)(FILE *f, void *arg), void *arg);

/* Release o (kind OUT_NONE, or zeroed, is fine). */
void out_close(struct out_file *o);

/* out_open(), out_write() and out_close() of path. Returns 0 or -errno. */
int atomic_write(const char *path, int (*write_fn)(FILE *f, void *arg), void *arg);

#endif
