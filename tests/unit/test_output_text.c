// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the text report's lost section (src/render/output_text.c): only the non-zero
 * counters, each with the figures it makes lower bounds, and "lost: none" when all are zero;
 * and of its last line, the profiler's own cost (src/model/lost.c); and of the interval table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output.h"
#include "report.h"
#include "snapshot.h"
#include "session.h"

static const char *const counters[] = {
	"ring_slots_full", "tracked_insert", "waiters_full", "stats_lookup",
	"end_without_begin", "fd_resolve", "stacks_full", "unlock_unknown",
	"snapshot_failures", "program_misses",
};

/* What print(out, arg, duration_ns) writes; the caller frees it. */
static char *captured(void (*print)(FILE *out, const void *arg, __u64 duration_ns),
		      const void *arg, __u64 duration_ns)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	print(out, arg, duration_ns);
	assert_int_equal(fclose(out), 0);
	assert_non_null(buf);
	return buf;
}

static void print_report(FILE *out, const void *rep, __u64 unused)
{
	report_print_text(out, rep, false);
}

static void print_cost(FILE *out, const void *o, __u64 duration_ns)
{
	overhead_print(out, o, duration_ns);
}

/* The text report of rep; the caller frees it. */
static char *text_of(const struct report *rep)
{
	return captured(print_report, rep, 0);
}

/* The lost section (cut at the profiler cost line that follows it, which must be there). */
static const char *lost_section(char *text)
{
	char *lost = strstr(text, "\nlost:"), *cost;

	if (!lost)
		fail_msg("no lost section in:\n%s", text);
	cost = strstr(lost, "\nprofiler cost: ");
	if (!cost)
		fail_msg("no profiler cost line after the lost section in:\n%s", text);
	cost[1] = 0;
	return lost + 1;
}

/* overhead_print() of o over a run of duration_ns; the caller frees it. */
static char *cost_of(const struct overhead *o, __u64 duration_ns)
{
	return captured(print_cost, o, duration_ns);
}

static void test_cost_measured(void **state)
{
	struct overhead o = { .measured = true, .runs = 1000, .run_ns = 2000000,
			      .target_cpu_ns = 1000000000, .target_cpu_source = "rusage" };
	char *text = cost_of(&o, 2000000000ull);

	assert_string_equal(text, "profiler cost: our BPF programs ran 1000 times, 2.0ms in all "
			    "(2000 ns per run, 1.0ms per second of the run), 0.20% of the "
			    "target's CPU time (1.00s, from rusage); the dispatch around each "
			    "run (trampoline, tracepoint) is not included\n");
	free(text);
	/* No CPU time known: no share, and the line says so. */
	o.target_cpu_ns = 0;
	text = cost_of(&o, 2000000000ull);
	assert_non_null(strstr(text, "; the target's CPU time is unknown or 0;"));
	assert_null(strstr(text, "%"));
	free(text);
}

static void test_cost_not_measured(void **state)
{
	struct overhead o = { .measured = false, .runs = 5, .why = "not measured (--no-prog-stats)" };
	char *text = cost_of(&o, 1000000000ull);

	/* Never a figure that was not measured. */
	assert_string_equal(text, "profiler cost: not measured (--no-prog-stats)\n");
	free(text);
	/* Texts from a saved report are escaped: one line, no terminal escape. */
	o.measured = true;
	o.target_cpu_ns = 1000;
	snprintf(o.target_cpu_source, sizeof(o.target_cpu_source), "a\x1b[31m\nb");
	text = cost_of(&o, 1000000000ull);
	assert_null(strchr(text, '\x1b'));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	free(text);
}

/* The snapshots' CPU time: a line of its own, measured or not, absent without snapshots. */
static void test_cost_snapshots(void **state)
{
	struct overhead o = { .measured = false, .why = "not measured", .snapshots = 4,
			      .snapshot_cpu_ns = 8000000, .snapshot_cpu_ns_max = 5000000 };
	char *text = cost_of(&o, 1000000000ull);

	assert_string_equal(text, "profiler cost: not measured\n  reading the maps: 4 snapshots, "
			    "2.0ms of the profiler's CPU time each on average, 5.0ms at most\n");
	free(text);
	o.snapshots = 0;
	text = cost_of(&o, 1000000000ull);
	assert_null(strstr(text, "reading the maps"));
	free(text);
}

/*
 * The interval table: rates since the previous table, kept in prev; a slot that holds
 * another ring than last time starts its rates from 0.
 */
static void test_interval(void **state)
{
	struct report *rep = calloc(1, sizeof(*rep) + sizeof(rep->rings[0]));
	struct interval_ring prev[1] = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	assert_non_null(rep);
	rep->nr_rings = 1;
	rep->backends[BACKEND_CONTENTION].active = true;
	rep->rings[0].info = (struct ring_info){ .ctx = 0x1000, .seen_ns = 1, .tgid = 7, .fd = 3 };
	rep->rings[0].head_seen = true;
	rep->rings[0].sqes_head = 100;
	rep->rings[0].sum.contended = 10;
	rep->rings[0].sum.wait_ns_total = 1000;
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	report_print_interval(out, rep, prev, 2.0);
	rep->rings[0].sqes_head = 300;
	rep->rings[0].sum.contended = 14;
	rep->rings[0].sum.wait_ns_total = 3000;
	report_print_interval(out, rep, prev, 2.0);
	/* Another ring in the slot: its totals are its rates' own. */
	rep->rings[0].info.seen_ns = 2;
	rep->rings[0].sqes_head = 40;
	rep->rings[0].sum.contended = 2;
	rep->rings[0].sum.wait_ns_total = 400;
	report_print_interval(out, rep, prev, 2.0);
	assert_int_equal(fclose(out), 0);
	/* SQEs/s, ENTERS/s ("-": not counted), CONTEND/s, WAIT/s, WAIT_AVG. */
	assert_non_null(strstr(buf, " 50           -           5       500ns     100ns\n"));
	assert_non_null(strstr(buf, " 100           -           2       1.0us     500ns\n"));
	assert_non_null(strstr(buf, " 20           -           1       200ns     200ns\n"));
	assert_int_equal(prev[0].seen_ns, 2);
	assert_int_equal(prev[0].sqes, 40);
	free(buf);
	free(rep);
}

static void test_all_zero(void **state)
{
	struct report *rep = report_new(1);
	char *text, *whole;
	size_t i;

	assert_non_null(rep);
	text = text_of(rep);
	whole = strdup(text);
	assert_non_null(whole);
	assert_string_equal(lost_section(text), "lost: none\n");
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		if (strstr(whole, counters[i]))
			fail_msg("zero counter %s printed:\n%s", counters[i], whole);
	}
	free(whole);
	free(text);
	free(rep);
}

static void test_nonzero_only(void **state)
{
	struct report *rep = report_new(1);
	const char *lost;
	char *text;

	assert_non_null(rep);
	rep->failures.fd_resolve = 5;
	rep->failures.ring_slots_full = 3;
	rep->program_misses = 7;
	text = text_of(rep);
	lost = lost_section(text);
	assert_string_equal(lost,
			    "lost: events not recorded; these figures are lower bounds:\n"
			    "  ring_slots_full=3: the rings listed and every total over rings "
			    "(rings beyond --max-rings not measured)\n"
			    "  fd_resolve=5: enters and SQEs counted at io_uring_enter's return\n"
			    "  program_misses=7: every count of the run (events our programs did "
			    "not see)\n");
	free(text);
	free(rep);
}

/* Every counter has a phrase of its own, not the fallback. */
static void test_every_counter_explained(void **state)
{
	struct lost_count one;
	char *buf = NULL;
	size_t len = 0, i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		FILE *out = open_memstream(&buf, &len);

		assert_non_null(out);
		one.name = counters[i];
		one.value = 1;
		lost_print(out, &one, 1);
		assert_int_equal(fclose(out), 0);
		if (strstr(buf, "figures that depend on these events") || !strstr(buf, counters[i]))
			fail_msg("%s has no meaning of its own: %s", counters[i], buf);
		free(buf);
		buf = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_zero),
		cmocka_unit_test(test_nonzero_only),
		cmocka_unit_test(test_every_counter_explained),
		cmocka_unit_test(test_cost_measured),
		cmocka_unit_test(test_cost_not_measured),
		cmocka_unit_test(test_cost_snapshots),
		cmocka_unit_test(test_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
