/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_LOST_H
#define URINGLOCKSTAT_LOST_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* One counter of events a run did not record. */
struct lost_count {
	const char *name;
	__u64 value;
};

/*
 * "lost: none", or one line per non-zero counter with the figures it makes lower bounds.
 * Names are escaped (they may come from a saved report).
 */
void lost_print(FILE *out, const struct lost_count *lost, size_t nr);

#endif
