/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_PATHS_H
#define URINGLOCKSTAT_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "kallsyms.h"

/* The kernel paths that take uring_lock, as the report names them. */
enum lock_path {
	PATH_SUBMIT,
	PATH_IOPOLL,
	PATH_TCTX,
	PATH_TASK_WORK,
	PATH_LOCAL_WORK,
	PATH_FALLBACK,
	PATH_IOWQ,
	PATH_SQPOLL,
	PATH_REGISTER,
	PATH_FDINFO,
	PATH_MSG_RING,
	PATH_POLL,
	PATH_CANCEL,
	PATH_EXIT,
	PATH_OTHER,
	PATH_COUNT,
};

const char *path_name(enum lock_path path);

/* Name of an enum owner_role (include/uringlockstat.h): "submitter", "iowq", ... */
const char *owner_role_name(int role);

/* The role named `name`, or ROLE_COUNT. */
int owner_role_by_name(const char *name);

/* The path named `name` ("submit", ...), or PATH_COUNT. */
enum lock_path path_by_name(const char *name);

/*
 * Does SINGLE_ISSUER lock elision (patches/si-nolock) remove this path's acquisitions for the
 * ring's submitter? The submit path, task work and local work.
 */
bool path_elided(enum lock_path path);

/* Path of the kernel function `function` (suffixes like .isra.0 ignored), or PATH_COUNT. */
enum lock_path path_of_function(const char *function);

/* Path of a stack (innermost frame first): the first frame whose function has a path. */
enum lock_path path_of_stack(const struct ksyms *ksyms, const __u64 *frames, size_t nr);

#endif
