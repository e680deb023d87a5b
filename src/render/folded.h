/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_FOLDED_H
#define URINGLOCKSTAT_FOLDED_H

#include <stdio.h>
#include "flamegraph.h"
#include "model.h"
#include "stacks.h"

/* What a folded line's value counts (--weight). */
enum weight {
	WEIGHT_COUNT,   /* acquisitions (exact) or contended acquisitions */
	WEIGHT_WAIT,    /* ns waited: every acquisition (exact) or contended ones */
	WEIGHT_HOLD,    /* ns held (exact) */
	WEIGHT_SAMPLES, /* CPU samples of the target's threads (sample backend) */
	WEIGHT_DEFAULT, /* wait when a lock backend ran, else samples */
};

int weight_parse(const char *name, enum weight *out);
const char *weight_name(enum weight w);
const char *weight_unit(enum weight w);

/* The weight to use for this run, or -1 with why set when it was not measured. */
int weight_resolve(const struct run_model *m, enum weight w, enum weight *out, char *why,
		   size_t size);

/* The value of a stack entry under weight w (not WEIGHT_DEFAULT), 0 for other kinds. */
__u64 stack_entry_value(const struct run_model *m, const struct stack_entry *e, enum weight w);

/*
 * The run's stacks (m->stacks) as lines "frame;frame;...;frame" (root first) with values,
 * sorted, one per distinct stack; by_owner adds a frame "owner ROLE" to contended stacks.
 * Caller frees with folded_free.
 */
int folded_build(const struct run_model *m, enum weight w, bool by_owner,
		 struct folded_line **out, size_t *nr);

void folded_free(struct folded_line *lines, size_t nr);

/* FlameGraph's collapsed format: one "stack value" line each. */
int folded_write(FILE *out, const struct folded_line *lines, size_t nr);

#endif
