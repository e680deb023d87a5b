// SPDX-License-Identifier: GPL-2.0
/*
 * The lost counters of a report, as text (only the non-zero ones, each with what it means),
 * and the profiler's own cost: shared by the live report and `report`.
 */
#include <string.h>
#include "lost.h"
#include "fmt.h"
#include "report.h"

/*
 * The one table of lost counters: the name every output gives it (text, JSON "lost", the
 * metrics' reason label), where a live report keeps it (struct bpf_failures, filled by BPF,
 * or struct report), and the figures it makes lower bounds.
 */
static const struct {
	const char *name;
	bool in_failures;	/* offset into rep->failures, else into the report */
	size_t offset;
	const char *lower_bounds;
} lost_table[LOST_COUNTERS] = {
#define BPF_LOST(field) #field, true, offsetof(struct bpf_failures, field)
#define RUN_LOST(field) #field, false, offsetof(struct report, field)
	{ BPF_LOST(ring_slots_full), "the rings listed and every total over rings (rings beyond "
	  "--max-rings not measured)" },
	{ BPF_LOST(tracked_insert), "the rings listed and every total over rings (a ring could "
	  "not be tracked)" },
	{ BPF_LOST(waiters_full), "contended acquisitions and wait times (episodes not timed)" },
	{ BPF_LOST(stats_lookup), "every per-ring count and latency histogram" },
	{ BPF_LOST(end_without_begin), "contended acquisitions and wait times (episodes begun "
	  "before the run)" },
	{ BPF_LOST(fd_resolve), "enters and SQEs counted at io_uring_enter's return" },
	{ BPF_LOST(stacks_full), "per-path figures, sampled hold estimates and flame graph "
	  "stacks" },
	{ BPF_LOST(unlock_unknown), "hold times (acquisitions taken before the ring was "
	  "tracked)" },
	{ RUN_LOST(snapshot_failures), "SQEs counted from SQ heads, and rings found by the "
	  "iterator" },
	{ RUN_LOST(program_misses), "every count of the run (events our programs did not see)" },
#undef BPF_LOST
#undef RUN_LOST
};

size_t report_lost(const struct report *rep, struct lost_count out[LOST_COUNTERS])
{
	size_t i;

	for (i = 0; i < LOST_COUNTERS; i++) {
		const char *base = lost_table[i].in_failures ? (const char *)&rep->failures
							     : (const char *)rep;

		out[i].name = lost_table[i].name;
		memcpy(&out[i].value, base + lost_table[i].offset, sizeof(out[i].value));
	}
	return LOST_COUNTERS;
}

void lost_print(FILE *out, const struct lost_count *lost, size_t nr)
{
	size_t i, j, nonzero = 0;

	for (i = 0; i < nr; i++)
		nonzero += lost[i].value != 0;
	if (!nonzero) {
		fprintf(out, "lost: none\n");
		return;
	}
	fprintf(out, "lost: events not recorded; these figures are lower bounds:\n");
	for (i = 0; i < nr; i++) {
		const char *meaning = "figures that depend on these events";

		if (!lost[i].value)
			continue;
		for (j = 0; j < LOST_COUNTERS; j++) {
			if (!strcmp(lost[i].name, lost_table[j].name))
				meaning = lost_table[j].lower_bounds;
		}
		fputs("  ", out);
		fmt_fputs_escaped(lost[i].name, out);
		fprintf(out, "=%llu: %s\n", (unsigned long long)lost[i].value, meaning);
	}
}


static void snapshots_print(FILE *out, const struct overhead *o)
{
	char b1[32], b2[32];

	if (!o->snapshots)
		return;
	fprintf(out, "  reading the maps: %llu snapshots, %s of the profiler's CPU time each on "
		"average, %s at most\n", (unsigned long long)o->snapshots,
		fmt_ns(o->snapshot_cpu_ns / o->snapshots, b1, sizeof(b1)),
		fmt_ns(o->snapshot_cpu_ns_max, b2, sizeof(b2)));
}

void overhead_print(FILE *out, const struct overhead *o, __u64 duration_ns)
{
	double secs = duration_ns / 1e9;
	char b[32];

	fprintf(out, "profiler cost: ");
	if (!o->measured) {
		fmt_fputs_escaped(o->why[0] ? o->why : "not measured", out);
		fputc('\n', out);
		snapshots_print(out, o);
		return;
	}
	fprintf(out, "our BPF programs ran %llu times, %s in all", (unsigned long long)o->runs,
		fmt_ns(o->run_ns, b, sizeof(b)));
	if (o->runs)
		fprintf(out, " (%.0f ns per run", (double)o->run_ns / o->runs);
	if (o->runs && secs > 0)
		fprintf(out, ", %s per second of the run)", fmt_ns(o->run_ns / secs, b, sizeof(b)));
	else if (o->runs)
		fprintf(out, ")");
	if (o->target_cpu_ns) {
		fprintf(out, ", %.2f%% of the target's CPU time (%s, from ",
			100.0 * o->run_ns / o->target_cpu_ns, fmt_ns(o->target_cpu_ns, b, sizeof(b)));
		fmt_fputs_escaped(o->target_cpu_source, out);
		fputc(')', out);
	} else {
		fprintf(out, "; the target's CPU time is unknown or 0");
	}
	fprintf(out, "; the dispatch around each run (trampoline, tracepoint) is not included\n");
	snapshots_print(out, o);
}
