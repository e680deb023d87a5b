// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target of the JSON report reader (src/model/json_read.c) and of everything that consumes
 * what it accepts: report's text renderer, compare's engine and its three output formats.
 *
 * An input is one report, or two separated by a NUL byte (never valid inside JSON): base and
 * new of a comparison. Invariants checked besides "no crash, no leak, no undefined behaviour":
 * a rejected input has a one-line, non-empty error; a report compared with itself never
 * regresses.
 *
 * Build and run: make fuzz-check (FUZZ_SECONDS=N for longer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare_metrics.h"
#include "compare_print.h"
#include "json_read.h"
#include "output.h"

static FILE *sink;

static void check_error(const char *err)
{
	if (!err[0] || strchr(err, '\n')) {
		fprintf(stderr, "bad error message: '%s'\n", err);
		abort();
	}
}

static bool parse(const uint8_t *data, size_t size, struct run_model *rep)
{
	char err[512] = "";

	if (model_parse_json((const char *)data, size, "fuzz", rep, err, sizeof(err))) {
		check_error(err);
		return false;
	}
	return true;
}

static void compare(const struct run_model *base, const struct run_model *new, bool same)
{
	struct cmp_options o;
	struct cmp_result res;
	char err[512] = "";
	int f;

	cmp_options_init(&o);
	if (cmp_compare(base, new, &o, &res, err, sizeof(err))) {
		check_error(err);
		return;
	}
	if (same && res.regressions) {
		fprintf(stderr, "a report regressed against itself\n");
		abort();
	}
	for (f = CMP_FORMAT_TEXT; f <= CMP_FORMAT_JSON; f++)
		cmp_print(sink, f, &res, "base.json", "new.json");
	cmp_result_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	struct run_model a, b;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	if (!nul) {
		if (!parse(data, size, &a))
			return 0;
		model_print_text(sink, &a);
		compare(&a, &a, true);
		model_free(&a);
		return 0;
	}
	if (!parse(data, nul - data, &a))
		return 0;
	if (parse(nul + 1, size - (nul + 1 - data), &b)) {
		compare(&a, &b, false);
		model_free(&b);
	}
	model_free(&a);
	return 0;
}
