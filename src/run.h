// SPDX-License-Identifier: GPL-2.0
/* A profiling run (src/run.c). */
#ifndef URINGLOCKSTAT_RUN_H
#define URINGLOCKSTAT_RUN_H

#include "config.h"

/*
 * Profile as cfg asks, print and write the reports. Returns the exit status: 0, the
 * command's status with -- CMD, 1 on a profiler error, EXIT_USAGE, or 128 + the signal that
 * interrupted the set-up.
 */
int run(const struct config *cfg);

#endif
