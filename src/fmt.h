/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_FMT_H
#define URINGLOCKSTAT_FMT_H

#include <stddef.h>
#include <linux/types.h>

/* A duration for people: "812ns", "1.3us", "4.2ms", "1.25s". */
const char *fmt_ns(__u64 ns, char *buf, size_t size);

#endif
