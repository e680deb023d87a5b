// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the text report's lost section (src/output_text.c): only the non-zero
 * counters, each with the figures it makes lower bounds, and "lost: none" when all are zero.
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
#include "session.h"

static const char *const counters[] = {
	"ring_slots_full", "tracked_insert", "waiters_full", "stats_lookup",
	"end_without_begin", "fd_resolve", "stacks_full", "unlock_unknown",
	"snapshot_failures", "program_misses",
};

/* The text report of rep; the caller frees it. */
static char *text_of(const struct report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	report_print_text(out, rep, false);
	assert_int_equal(fclose(out), 0);
	assert_non_null(buf);
	return buf;
}

/* The text from the lost section to the end. */
static const char *lost_section(const char *text)
{
	const char *lost = strstr(text, "\nlost:");

	if (!lost)
		fail_msg("no lost section in:\n%s", text);
	return lost + 1;
}

static void test_all_zero(void **state)
{
	struct report *rep = report_new(1);
	char *text;
	size_t i;

	assert_non_null(rep);
	text = text_of(rep);
	assert_string_equal(lost_section(text), "lost: none\n");
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		if (strstr(text, counters[i]))
			fail_msg("zero counter %s printed:\n%s", counters[i], text);
	}
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
