// SPDX-License-Identifier: GPL-2.0
/* The lost counters of a report, as text: only the non-zero ones, each with what it means. */
#include <string.h>
#include "lost.h"
#include "fmt.h"

/* What each lost counter means for the report: the figures it makes lower bounds. */
static const struct {
	const char *name;
	const char *lower_bounds;
} lost_meanings[] = {
	{ "ring_slots_full", "the rings listed and every total over rings (rings beyond "
	  "--max-rings not measured)" },
	{ "tracked_insert", "the rings listed and every total over rings (a ring could not be "
	  "tracked)" },
	{ "waiters_full", "contended acquisitions and wait times (episodes not timed)" },
	{ "stats_lookup", "every per-ring count and latency histogram" },
	{ "end_without_begin", "contended acquisitions and wait times (episodes begun before "
	  "the run)" },
	{ "fd_resolve", "enters and SQEs counted at io_uring_enter's return" },
	{ "stacks_full", "per-path figures, sampled hold estimates and flame graph stacks" },
	{ "unlock_unknown", "hold times (acquisitions taken before the ring was tracked)" },
	{ "snapshot_failures", "SQEs counted from SQ heads, and rings found by the iterator" },
	{ "program_misses", "every count of the run (events our programs did not see)" },
};

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
		for (j = 0; j < sizeof(lost_meanings) / sizeof(lost_meanings[0]); j++) {
			if (!strcmp(lost[i].name, lost_meanings[j].name))
				meaning = lost_meanings[j].lower_bounds;
		}
		fputs("  ", out);
		fmt_fputs_escaped(lost[i].name, out);
		fprintf(out, "=%llu: %s\n", (unsigned long long)lost[i].value, meaning);
	}
}

