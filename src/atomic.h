/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_ATOMIC_H
#define URINGLOCKSTAT_ATOMIC_H

#include <stdio.h>

/*
 * Write path through write_fn into a temp file next to it, fsync, and rename it into place: a
 * reader sees the old file or the whole new one, never half. write_fn returns 0 or -errno.
 * Returns 0 or -errno; on failure the temp file is removed.
 */
int atomic_write(const char *path, int (*write_fn)(FILE *f, void *arg), void *arg);

#endif
