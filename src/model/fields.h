/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_FIELDS_H
#define URINGLOCKSTAT_FIELDS_H

/*
 * The JSON report's fields, in the order the writer (src/render/output_json.c) writes them:
 * tables that the writer and the reader (json_read.c, json_read_ring.c) both walk, so that a
 * figure added to the model is written and read back by adding one line here. Each entry
 * names its key, its kind and where it lives in the model. The top level (report_fields) and
 * a run of "repeats" (repeat_fields) hold objects of their own kinds, whose members the writer
 * and the reader each handle in one function: the rings (ring_fields), the sampled estimates
 * (sampled_fields), and target, backends, opt_in, lost, overhead and programs.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* The JSON report's schema, its "schema" field. */
#define REPORT_SCHEMA "uringlockstat/1"

enum field_kind {
	FK_INT,		/* int at off, range [min, max]; never null */
	FK_COUNT,	/* struct model_count at off, at most max (0: no limit); null when not valid */
	FK_BOOL,	/* struct model_bool at off */
	FK_STRING,	/* char * at off; null when NULL */
	FK_SUMMARY,	/* struct model_summary at off */
	FK_SHARE,	/* bool at off (valid), double at off2 (in [0, 1]) */
	FK_PATH_COUNTS,	/* bool at off (valid), __u64[PATH_COUNT] at off2: {PATH: count} */
	FK_FLAGS,	/* the ring's setup flags by name: char * at off, '|'-joined */
	FK_PATHS,	/* the exact backend's per-path figures of the ring ({} when none) */
	FK_OWNER_MATRIX,	/* the ring's contention by owner role and waiter path */
	FK_CONST,	/* the text `text`; not read */
	/* Derived by the writer from other fields; the reader skips them. */
	FK_CI95,	/* [lo, hi] of the share of the counts at off in those at off2 */
	FK_ELIDED,	/* lock samples on the elided paths of the counts at off2 (valid at off) */
	FK_ELIDED_SHARE,	/* ... and their share of the run's samples */
	FK_ELIDED_CI95,	/* ... with its 95% interval */
	FK_ELIDED_PATHS,	/* the names of the paths elision removes */
	FK_HOLD_CI95,	/* the ring's sampled hold time's 95% interval */
	/* The top level and the runs of "repeats". */
	FK_U64,		/* __u64 at off; never null */
	FK_FLAG,	/* bool at off; absent is false */
	FK_SCHEMA,	/* REPORT_SCHEMA, checked first */
	FK_CLOCK,	/* "wall" or "instructions": clock_instructions */
	FK_TARGET,	/* {all or pid, command, exit_status (of the run)} */
	FK_BACKENDS,	/* {NAME: {active, reason}} */
	FK_OPT_INS,	/* [{figure, option, cost}] */
	FK_LOST,	/* {NAME: count}: lost.c's counters */
	FK_OVERHEAD,	/* the profiler's own cost */
	FK_PROGRAMS,	/* {NAME: {runs, run_ns, ns_per_run, misses}}, only with --prog-stats */
	FK_SAMPLED,	/* the struct model_run at off: its sampled_fields, null without samples */
	FK_RINGS,	/* the struct model_run at off: its rings, by ring_fields */
	FK_REPEATS,	/* "repeat" (how many) and "repeats" (repeat_fields each), when any */
};

/* Without FIELD_NULLABLE or FIELD_OPTIONAL, the reader requires the field. */
enum {
	FIELD_NULLABLE = 1 << 0,	/* the reader accepts null or absent */
	FIELD_OPTIONAL = 1 << 3,	/* the reader accepts absent (older reports), not null */
	FIELD_EXACT = 1 << 1,		/* written only for a ring of a run with the exact backend */
	FIELD_IF_SET = 1 << 2,		/* written only when set (a string that is not NULL) */
};

struct field {
	const char *key;
	enum field_kind kind;
	size_t off, off2;
	long long min, max;
	unsigned int flags;
	const char *text;
};

/* The top level, on struct run_model. */
extern const struct field report_fields[];
extern const size_t nr_report_fields;
/* One run of "repeats", on struct model_run. */
extern const struct field repeat_fields[];
extern const size_t nr_repeat_fields;
extern const struct field ring_fields[];
extern const size_t nr_ring_fields;
/* The members of "sampled", on struct model_run. */
extern const struct field sampled_fields[];
extern const size_t nr_sampled_fields;

static inline const void *field_at(const void *base, size_t off)
{
	return (const char *)base + off;
}

static inline void *field_at_mut(void *base, size_t off)
{
	return (char *)base + off;
}

#endif
