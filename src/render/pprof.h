/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_PPROF_H
#define URINGLOCKSTAT_PPROF_H

#include <stdbool.h>
#include "atomic.h"
#include "model.h"

/*
 * Write the run's aggregated stacks (m->stacks) to path as a gzipped pprof profile.proto, atomically (temp
 * file + rename). Sample types: contentions/count, delay/nanoseconds, hold/nanoseconds, and
 * samples/count when the sample backend ran; ring and path as labels. Kernel addresses appear
 * only with show_addresses. Returns 0 or -errno.
 */
int pprof_write(const char *path, const struct run_model *m, bool show_addresses);

/* The same, to an output file opened with out_open() (see atomic.h). */
int pprof_write_out(struct out_file *out, const struct run_model *m, bool show_addresses);

#endif
