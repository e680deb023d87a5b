/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_FLAMEGRAPH_H
#define URINGLOCKSTAT_FLAMEGRAPH_H

#include <stdio.h>
#include <stddef.h>
#include <linux/types.h>

/* One collapsed stack: frames root first, separated by ';' (FlameGraph's folded format). */
struct folded_line {
	const char *stack;
	__u64 value;
};

/*
 * Write a self-contained SVG flame graph of the lines to out. title goes in the heading,
 * unit names the weight ("ns waited", "acquisitions", "samples"). Returns 0 or -errno.
 *
 * Lines need not be sorted and may repeat (their values add); empty frames ("a;;b", a
 * leading or trailing ';') are skipped, so an empty stack only adds to the root "all";
 * lines of value 0 are ignored. NULL lines, no lines or a zero total give a valid SVG
 * saying "no data". NULL title or unit mean "Flame Graph" and "samples".
 *
 * Every drawn frame is a <g class="f"> holding a <title>, a <rect> with data-name,
 * data-value (the frame's total) and data-depth (0 for the root) attributes, and a <text>
 * label; frames come in depth-first pre-order, root first, children left to right.
 */
int flamegraph_write_svg(FILE *out, const struct folded_line *lines, size_t nr,
			 const char *title, const char *unit);

#endif
