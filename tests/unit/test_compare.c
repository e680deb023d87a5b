// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of compare and report on saved runs: the Mann-Whitney U test (src/model/stats.c), the
 * JSON reader's validation (src/model/json_read.c), the metrics and verdicts (src/gate/compare_metrics.c)
 * and the exit statuses of cmd_compare / cmd_report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <time.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "compare.h"
#include "compare_metrics.h"
#include "compare_print.h"
#include "json_read.h"
#include "output.h"
#include "report_cmd.h"
#include "stats.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("got %.17g, want %.17g (+-%g)", got, want, tol);
}

/* ---- Mann-Whitney U ---- */

/*
 * Reference p-values: scipy 1.10.1, scipy.stats.mannwhitneyu(a, b, alternative="two-sided",
 * method="exact") for the tables without ties. With ties scipy's "exact" ignores them, so the
 * reference there is a brute-force enumeration (Python itertools.combinations) of all
 * C(n, n_a) splits of the mid-ranks, counting those whose rank sum of a is at least as far
 * from its mean as the observed one: the exact permutation test that stats.c computes.
 */
static void test_mwu_exact(void **state)
{
	static const struct {
		double a[8], b[8];
		size_t n_a, n_b;
		double u, p;
	} cases[] = {
		{ { 1, 2, 3 }, { 4, 5, 6 }, 3, 3, 0, 0.1 },
		{ { 1, 2, 3, 4, 5 }, { 6, 7, 8, 9, 10 }, 5, 5, 0, 0.007936507936507936 },
		{ { 6, 7, 8, 9, 10 }, { 1, 2, 3, 4, 5 }, 5, 5, 25, 0.007936507936507936 },
		{ { 1, 3, 5, 7, 9 }, { 2, 4, 6, 8, 10 }, 5, 5, 10, 0.6904761904761905 },
		{ { 1.5, 2.25, 9.0, 4.0 }, { 3.0, 7.5, 8.0, 10.0, 12.0 }, 4, 5, 4,
		  0.19047619047619047 },
		/* Ties: brute-force enumeration (scipy's no-tie "exact" says 0.0556). */
		{ { 1, 1, 2, 2, 3 }, { 2, 3, 3, 4, 4 }, 5, 5, 3, 0.07936507936507936 },
		/* Every sample of a side equal, as acq_per_sqe of a steady workload. */
		{ { 0.125, 0.125, 0.125, 0.125, 0.125 }, { 0.25, 0.25, 0.25, 0.25, 0.25 }, 5, 5, 0,
		  0.007936507936507936 },
		/* Everything tied: no evidence either way. */
		{ { 7, 7, 7 }, { 7, 7, 7, 7 }, 3, 4, 6, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		double u = -1, p;

		p = stats_mann_whitney_p(cases[i].a, cases[i].n_a, cases[i].b, cases[i].n_b, &u);
		assert_close(u, cases[i].u, 1e-12);
		assert_close(p, cases[i].p, 1e-12);
	}
}

/*
 * More than MWU_EXACT_MAX_N samples: the normal approximation with tie and continuity
 * correction. Reference: scipy 1.10.1, mannwhitneyu(a, b, alternative="two-sided",
 * method="asymptotic", use_continuity=True).
 */
static void test_mwu_normal(void **state)
{
	static const double a1[] = { 10, 12, 12, 14, 15, 15, 15, 18, 20, 21, 22, 25 };
	static const double b1[] = { 11, 13, 16, 17, 19, 19, 23, 24, 26, 27, 28, 30 };
	static const double a2[] = { 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5 };
	static const double b2[] = { 3, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 8, 9 };
	double u, p;

	(void)state;
	p = stats_mann_whitney_p(a1, ARRAY_SIZE(a1), b1, ARRAY_SIZE(b1), &u);
	assert_close(u, 40, 1e-12);
	assert_close(p, 0.06860227302593293, 1e-9);
	p = stats_mann_whitney_p(a2, ARRAY_SIZE(a2), b2, ARRAY_SIZE(b2), &u);
	assert_close(u, 18.5, 1e-12);
	assert_close(p, 0.001138271824920979, 1e-9);
}

/*
 * Wilson 95% intervals against published values (Newcombe 1998, Table I: 81/263 ->
 * 0.2553-0.3662, 15/148 -> 0.0624-0.1605, 0/20 -> 0-0.1611, 1/29 -> 0.0061-0.1718).
 */
static void test_wilson(void **state)
{
	static const struct {
		unsigned long long k, n;
		double lo, hi;
	} cases[] = {
		{ 81, 263, 0.2553, 0.3662 }, { 15, 148, 0.0624, 0.1605 },
		{ 0, 20, 0.0, 0.1611 }, { 1, 29, 0.0061, 0.1718 },
	};
	double lo, hi;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(stats_wilson95(cases[i].k, cases[i].n, &lo, &hi));
		if (fabs(lo - cases[i].lo) > 0.0006 || fabs(hi - cases[i].hi) > 0.0006)
			fail_msg("%llu/%llu: got %.4f-%.4f, want %.4f-%.4f", cases[i].k, cases[i].n,
				 lo, hi, cases[i].lo, cases[i].hi);
	}
	/* All successes: the mirror of none; the interval always holds the share. */
	assert_true(stats_wilson95(20, 20, &lo, &hi));
	assert_true(fabs(lo - (1 - 0.1611)) < 0.0006 && hi == 1);
	assert_true(stats_wilson95(1, 1000000, &lo, &hi));
	assert_true(lo <= 1e-6 && hi >= 1e-6 && lo > 0);
	/* No trials, or more successes than trials: no interval. */
	assert_false(stats_wilson95(0, 0, &lo, &hi));
	assert_true(isnan(lo) && isnan(hi));
	assert_false(stats_wilson95(5, 4, &lo, &hi));
}

static void test_mwu_edges(void **state)
{
	static const double one[] = { 1 }, two[] = { 1, NAN };

	(void)state;
	assert_true(isnan(stats_mann_whitney_p(one, 0, one, 1, NULL)));
	assert_true(isnan(stats_mann_whitney_p(one, 1, two, 2, NULL)));
	/* 2 / C(n_a + n_b, n_a). */
	assert_close(stats_mann_whitney_min_p(3, 3), 0.1, 1e-15);
	assert_close(stats_mann_whitney_min_p(4, 4), 2.0 / 70, 1e-15);
	assert_close(stats_mann_whitney_min_p(3, 4), 2.0 / 35, 1e-15);
	assert_close(stats_mann_whitney_min_p(1, 1), 1, 0);
	assert_true(stats_mann_whitney_min_p(1000, 1000) == 0);
}

static void test_median(void **state)
{
	static const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };

	(void)state;
	assert_close(stats_median(odd, 3), 3, 0);
	assert_close(stats_median(even, 4), 2.5, 0);
	assert_true(isnan(stats_median(odd, 0)));
	/* The input is left alone. */
	assert_close(odd[0], 5, 0);
}

/* ---- reports built for the tests ---- */

/* The figures of one ring in one run; -1 writes null. */
struct ring_vals {
	long long sqes, acquisitions, contended;
	long long wait_p50, wait_p99, wait_total;
	long long hold_p50, hold_p99, hold_total, handoffs;
	long long submit_acq, submit_hold;	/* path "submit"; -1: no paths */
	long long duration_ns;
};

static const struct ring_vals steady = {
	.sqes = 100000, .acquisitions = 12500, .contended = 500,
	.wait_p50 = 1000, .wait_p99 = 4000, .wait_total = 800000,
	.hold_p50 = 300, .hold_p99 = 900, .hold_total = 5000000, .handoffs = 40,
	.submit_acq = 12000, .submit_hold = 4800000,
	.duration_ns = 100000000,
};

static json_t *num(long long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *summary(long long p50, long long p99, long long total)
{
	if (p50 < 0)
		return json_null();
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "total", (json_int_t)total, "count",
			 (json_int_t)10, "p50", (json_int_t)p50, "p90", (json_int_t)p50, "p99",
			 (json_int_t)p99, "max", (json_int_t)p99);
}

static json_t *ring_json(const struct ring_vals *v, const char *flag)
{
	json_t *paths = json_object();

	if (v->submit_acq >= 0)
		json_object_set_new(paths, "submit",
				    json_pack("{s:I,s:n,s:I,s:I}", "acquisitions",
					      (json_int_t)v->submit_acq, "contended", "wait_ns",
					      (json_int_t)0, "hold_ns",
					      (json_int_t)v->submit_hold));
	return json_pack("{s:i,s:s,s:i,s:[s],s:i,s:i,s:i,s:o,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o}",
			 "pid", 100, "comm", "bench", "fd", 3, "flags", flag, "setup_flags", 4096,
			 "sq_entries", 8, "cq_entries", 16, "sqes", num(v->sqes), "sqes_method",
			 "enter_return", "enters", num(v->sqes), "acquisitions",
			 num(v->acquisitions), "acquisitions_method",
			 v->hold_p50 >= 0 ? "exact" : "inferred", "contended", num(v->contended),
			 "wait_ns", summary(v->wait_p50, v->wait_p99, v->wait_total), "hold_ns",
			 summary(v->hold_p50, v->hold_p99, v->hold_total), "handoffs",
			 num(v->handoffs), "paths", paths);
}

/* A report of n runs (with "repeats" when n > 1); run i has the ring figures runs[i]. */
static json_t *report_json(const char *label, const char *kernel, const struct ring_vals *runs,
			   size_t n)
{
	json_t *root, *repeats = json_array();
	size_t i;

	root = json_pack("{s:s,s:s,s:o,s:I,s:b,s:{s:i,s:s,s:i},s:{s:{s:b,s:s}},s:{s:i},s:[o]}",
			 "schema", "uringlockstat/1", "kernel", kernel, "label",
			 label ? json_string(label) : json_null(), "duration_ns",
			 (json_int_t)runs[0].duration_ns, "partial", 0, "target", "pid", 100,
			 "command", "bench", "exit_status", 0, "backends", "counters", "active", 1,
			 "reason", "test", "lost", "ring_slots_full", 0, "rings",
			 ring_json(&runs[0], "SINGLE_ISSUER"));
	assert_non_null(root);
	if (n < 2) {
		json_decref(repeats);
		return root;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(repeats,
				      json_pack("{s:I,s:i,s:b,s:[o]}", "duration_ns",
						(json_int_t)runs[i].duration_ns, "exit_status", 0,
						"partial", 0, "rings",
						ring_json(&runs[i], "SINGLE_ISSUER")));
	json_object_set_new(root, "repeat", json_integer((json_int_t)n));
	json_object_set_new(root, "repeats", repeats);
	return root;
}

static void parse_json(json_t *root, struct run_model *rep)
{
	char *text = json_dumps(root, JSON_PRESERVE_ORDER), err[512] = "";

	assert_non_null(text);
	if (model_parse_json(text, strlen(text), "test.json", rep, err, sizeof(err)))
		fail_msg("parse failed: %s", err);
	free(text);
	json_decref(root);
}

/* runs[i] = steady with one field scaled by factor[i] (or everything if field is NULL). */
static void scaled(struct ring_vals *runs, size_t n, size_t field, const double *factor)
{
	size_t i;

	for (i = 0; i < n; i++) {
		long long *f;

		runs[i] = steady;
		f = (long long *)((char *)&runs[i] + field);
		*f = (long long)(*f * factor[i]);
	}
}

/* ---- reader validation ---- */

static const char *valid_json(void)
{
	return "{\"schema\":\"uringlockstat/1\",\"kernel\":\"6.1.0\",\"label\":\"nop\","
	       "\"duration_ns\":1000000,\"partial\":false,\"rings\":[{\"pid\":1,\"fd\":3,"
	       "\"flags\":[\"SINGLE_ISSUER\",\"DEFER_TASKRUN\"],\"sqes\":10,\"enters\":null,"
	       "\"acquisitions\":null,\"contended\":2,\"wait_ns\":{\"total\":5,\"count\":2,"
	       "\"p50\":1,\"p90\":2,\"p99\":3,\"max\":3},\"hold_ns\":null,\"handoffs\":null,"
	       "\"paths\":{}}]}";
}

/* Replace the first `from` in the valid report by `to`. */
static char *edited(const char *from, const char *to)
{
	const char *base = valid_json(), *at = strstr(base, from);
	char *out;

	if (!at)
		fail_msg("'%s' not in the test report", from);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from)) > 0);
	return out;
}

static void test_reader_valid(void **state)
{
	struct run_model rep;
	const char *text = valid_json();
	char err[256] = "";
	const struct model_ring *r;

	(void)state;
	assert_int_equal(model_parse_json(text, strlen(text), "t", &rep, err, sizeof(err)), 0);
	assert_string_equal(rep.kernel, "6.1.0");
	assert_string_equal(rep.label, "nop");
	assert_int_equal(rep.run.duration_ns, 1000000);
	assert_int_equal(rep.nr_repeats, 0);
	assert_int_equal(model_nr_samples(&rep), 1);
	assert_int_equal(rep.run.nr_rings, 1);
	r = &rep.run.rings[0];
	assert_string_equal(r->flags, "SINGLE_ISSUER|DEFER_TASKRUN");
	assert_int_equal(r->pid, 1);
	assert_int_equal(r->fd, 3);
	assert_true(r->sqes.valid);
	assert_int_equal(r->sqes.value, 10);
	assert_false(r->enters.valid);
	assert_false(r->acquisitions.valid);
	assert_true(r->wait.valid);
	assert_int_equal(r->wait.ns.p99, 3);
	assert_false(r->hold.valid);
	assert_false(r->exact);
	assert_int_equal(r->nr_paths, 0);
	model_free(&rep);
}

static void test_reader_errors(void **state)
{
	static const struct {
		const char *from, *to, *error;
	} cases[] = {
		{ "\"uringlockstat/1\"", "\"uringlockstat/2\"",
		  "schema: \"uringlockstat/2\" is not" },
		{ "\"sqes\":10", "\"sqes\":-1", "rings[0].sqes: -1 is negative" },
		{ "\"sqes\":10", "\"sqes\":10.5", "rings[0].sqes: 10.5 is not an integer" },
		{ "\"sqes\":10", "\"sqes\":1e3", "rings[0].sqes: 1000 is not an integer" },
		{ "\"sqes\":10", "\"sqes\":9223372036854775808", "too big integer" },
		{ "\"sqes\":10", "\"sqes\":-9223372036854775809", "too big negative integer" },
		{ "\"sqes\":10", "\"sqes\":\"10\"", "rings[0].sqes: is a string, want an integer" },
		{ "\"duration_ns\":1000000", "\"duration_ns\":null",
		  "duration_ns: is null, want an integer" },
		{ "\"duration_ns\":1000000,", "", "duration_ns: missing" },
		{ "\"fd\":3", "\"fd\":-2", "rings[0].fd: -2 is out of range [-1, 2147483647]" },
		{ "\"pid\":1", "\"pid\":4294967296", "rings[0].pid: 4294967296 is out of range" },
		{ "\"flags\":[\"SINGLE_ISSUER\",", "\"flags\":[7,",
		  "rings[0].flags[0]: is an integer" },
		{ "\"p99\":3,", "", "rings[0].wait_ns.p99: missing" },
		{ "\"label\":\"nop\"", "\"label\":5", "label: is an integer, want a string" },
		{ "\"kernel\":\"6.1.0\"", "\"kernel\":\"6.1.0\",\"kernel\":\"6.2\"",
		  "duplicate object key" },
		{ "\"paths\":{}", "\"paths\":{\"submit\":{\"acquisitions\":-3}}",
		  "rings[0].paths.submit.acquisitions: -3 is negative" },
		{ "\"paths\":{}", "\"paths\":[]", "rings[0].paths: is an array, want an object" },
		{ "\"partial\":false", "\"partial\":false,\"repeat\":3,\"repeats\":[]",
		  "repeats: is empty" },
		{ "\"partial\":false", "\"partial\":false,\"repeat\":3",
		  "repeat: is 3 but there is no" },
		{ "\"partial\":false",
		  "\"partial\":false,\"repeat\":2,\"repeats\":[{\"duration_ns\":1,\"rings\":[]}]",
		  "repeat: is 2 but \"repeats\" holds 1 runs" },
		{ "\"partial\":false", "\"partial\":false,\"repeats\":[{\"rings\":[]}]",
		  "repeats[0].duration_ns: missing" },
		{ "\"partial\":false", "\"partial\":false,\"repeats\":[{\"duration_ns\":1,"
		  "\"exit_status\":300,\"rings\":[]}]",
		  "repeats[0].exit_status: 300 is out of range [0, 255]" },
		{ "\"partial\":false", "\"partial\":false,\"sampled\":{\"lock_share\":1.5}",
		  "sampled.lock_share: 1.5 is out of range [0, 1]" },
		{ "\"rings\":[{", "\"rings\":[7,{", "rings[0]: is an integer, want an object" },
		{ "\"nop\"", "\"nop\"\x01", "not valid JSON" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run_model rep;
		char *text = edited(cases[i].from, cases[i].to), err[512] = "";

		if (!model_parse_json(text, strlen(text), "r.json", &rep, err, sizeof(err)))
			fail_msg("case %zu accepted: %s", i, text);
		if (!strstr(err, cases[i].error) || strncmp(err, "r.json: ", 8) ||
		    strchr(err, '\n'))
			fail_msg("case %zu: error '%s' does not say '%s'", i, err, cases[i].error);
		/* A failed parse leaves nothing behind. */
		assert_null(rep.kernel);
		assert_int_equal(rep.run.nr_rings, 0);
		free(text);
	}
}

static void test_reader_damaged(void **state)
{
	static const char newline_key[] = "{\"schema\":\"uringlockstat/1\",\"kernel\":\"k\","
					  "\"duration_ns\":1,\"lost\":{\"a\\nb\":-1},\"rings\":[]}";
	const char *valid = valid_json();
	struct run_model rep;
	char err[512];
	size_t len;

	(void)state;
	assert_int_equal(model_parse_json("", 0, "e.json", &rep, err, sizeof(err)), -1);
	assert_string_equal(err, "e.json: empty file: no JSON in it");
	assert_int_equal(model_parse_json(" \n\t", 3, "e.json", &rep, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty file"));
	assert_int_equal(model_parse_json("hello", 5, "x.json", &rep, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not valid JSON: line 1 column"));
	assert_int_equal(model_parse_json("[1,2]", 5, "a.json", &rep, err, sizeof(err)), -1);
	assert_string_equal(err, "a.json: top level: is an array, want an object");
	/* Every proper prefix of a report is refused, never half-read. */
	for (len = 1; len < strlen(valid); len++) {
		if (!model_parse_json(valid, len, "t.json", &rep, err, sizeof(err)))
			fail_msg("prefix of %zu bytes accepted", len);
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(model_parse_json(valid, 40, "t.json", &rep, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.json: truncated JSON: "));
	/* A control character in a key stays out of the one-line message. */
	assert_int_equal(model_parse_json(newline_key, strlen(newline_key), "t.json", &rep, err,
					    sizeof(err)), -1);
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, "lost.a\\nb: -1 is negative"));
	assert_int_equal(model_load_json("/nonexistent/r.json", &rep, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/r.json: cannot open: No such file or directory");
	assert_int_equal(model_load_json("/tmp", &rep, err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: not a regular file: a directory");
}

/* ---- metrics ---- */

static void test_metric_derivation(void **state)
{
	struct ring_vals v = steady;
	struct run_model rep;
	const struct model_ring *r;
	struct cmp_sample s;

	(void)state;
	parse_json(report_json("x", "k", &v, 1), &rep);
	r = &rep.run.rings[0];
	cmp_ring_sample(&rep.run, r, CMP_ACQ_PER_SQE, NULL, false, &s);
	assert_true(s.valid);
	assert_close(s.value, 0.125, 1e-15);
	assert_string_equal(s.variant, "exact");
	cmp_ring_sample(&rep.run, r, CMP_CONTENDED_SHARE, NULL, false, &s);
	assert_close(s.value, 500.0 / 12500, 1e-15);
	assert_string_equal(s.variant, "per acquisition");
	cmp_ring_sample(&rep.run, r, CMP_WAIT_P50, NULL, false, &s);
	assert_close(s.value, 1000, 0);
	cmp_ring_sample(&rep.run, r, CMP_WAIT_P99, NULL, false, &s);
	assert_close(s.value, 4000, 0);
	cmp_ring_sample(&rep.run, r, CMP_HOLD_P50, NULL, false, &s);
	assert_close(s.value, 300, 0);
	cmp_ring_sample(&rep.run, r, CMP_HOLD_P99, NULL, false, &s);
	assert_close(s.value, 900, 0);
	cmp_ring_sample(&rep.run, r, CMP_HANDOFFS_PER_ACQ, NULL, false, &s);
	assert_close(s.value, 40.0 / 12500, 1e-15);
	cmp_ring_sample(&rep.run, r, CMP_LOCK_NS_PER_SQE, NULL, false, &s);
	assert_close(s.value, 50, 1e-12);
	assert_string_equal(s.variant, "hold");
	cmp_ring_sample(&rep.run, r, CMP_THROUGHPUT, NULL, false, &s);
	assert_close(s.value, 1e6, 1e-6);
	/* Under the instruction clock: per 1e9 of the command's own instructions, when known. */
	cmp_ring_sample(&rep.run, r, CMP_THROUGHPUT, NULL, true, &s);
	assert_close(s.value, 1e6, 1e-6);
	assert_null(s.variant);
	rep.run.target_cpu_ns.valid = true;
	rep.run.target_cpu_ns.value = rep.run.duration_ns / 4;
	cmp_ring_sample(&rep.run, r, CMP_THROUGHPUT, NULL, true, &s);
	assert_close(s.value, 4e6, 1e-6);
	assert_string_equal(s.variant, "command CPU");
	cmp_ring_sample(&rep.run, r, CMP_THROUGHPUT, NULL, false, &s);
	assert_close(s.value, 1e6, 1e-6);
	assert_null(s.variant);
	cmp_ring_sample(&rep.run, r, CMP_PATH_ACQ_PER_SQE, "submit", false, &s);
	assert_close(s.value, 0.12, 1e-15);
	cmp_ring_sample(&rep.run, r, CMP_PATH_HOLD_NS_PER_ACQ, "submit", false, &s);
	assert_close(s.value, 400, 1e-12);
	/* A path the ring did not take: no acquisitions per SQE, no hold per acquisition. */
	cmp_ring_sample(&rep.run, r, CMP_PATH_ACQ_PER_SQE, "register", false, &s);
	assert_true(s.valid);
	assert_close(s.value, 0, 0);
	cmp_ring_sample(&rep.run, r, CMP_PATH_HOLD_NS_PER_ACQ, "register", false, &s);
	assert_false(s.valid);
	assert_non_null(strstr(s.why, "no acquisitions on path register"));
	cmp_run_sample(&rep.run, CMP_SAMPLED_LOCK_SHARE, &s);
	assert_false(s.valid);
	assert_non_null(strstr(s.why, "no \"sampled\" figures"));
	model_free(&rep);

	/* Contention and counters only: wait time per SQE, contended share per acquisition. */
	v.hold_p50 = v.hold_p99 = v.hold_total = v.handoffs = v.submit_acq = -1;
	parse_json(report_json("x", "k", &v, 1), &rep);
	r = &rep.run.rings[0];
	cmp_ring_sample(&rep.run, r, CMP_LOCK_NS_PER_SQE, NULL, false, &s);
	assert_close(s.value, 8, 1e-12);
	assert_string_equal(s.variant, "wait");
	cmp_ring_sample(&rep.run, r, CMP_ACQ_PER_SQE, NULL, false, &s);
	assert_string_equal(s.variant, "inferred");
	cmp_ring_sample(&rep.run, r, CMP_HOLD_P99, NULL, false, &s);
	assert_false(s.valid);
	assert_non_null(strstr(s.why, "hold_ns is null"));
	cmp_ring_sample(&rep.run, r, CMP_PATH_ACQ_PER_SQE, "submit", false, &s);
	assert_false(s.valid);
	assert_non_null(strstr(s.why, "no paths"));
	model_free(&rep);

	/* --light: no acquisitions, so contended share per SQE; sqes 0 divides nothing. */
	v.acquisitions = -1;
	parse_json(report_json("x", "k", &v, 1), &rep);
	cmp_ring_sample(&rep.run, &rep.run.rings[0], CMP_CONTENDED_SHARE, NULL, false, &s);
	assert_close(s.value, 500.0 / 100000, 1e-15);
	assert_string_equal(s.variant, "per SQE");
	model_free(&rep);
	v.sqes = 0;
	parse_json(report_json("x", "k", &v, 1), &rep);
	cmp_ring_sample(&rep.run, &rep.run.rings[0], CMP_CONTENDED_SHARE, NULL, false, &s);
	assert_false(s.valid);
	assert_non_null(strstr(s.why, "sqes is 0"));
	model_free(&rep);

	assert_int_equal(cmp_metric_by_name("wait_p99"), CMP_WAIT_P99);
	assert_int_equal(cmp_metric_by_name("throughput"), CMP_THROUGHPUT);
	assert_int_equal(cmp_metric_by_name("wait"), -1);
}

/* ---- verdicts ---- */

static const struct cmp_row *row_of(const struct cmp_result *res, enum cmp_metric m,
				    const char *path)
{
	size_t i;

	for (i = 0; i < res->nr_rows; i++) {
		const struct cmp_row *r = &res->rows[i];

		if (r->metric == m && (!path || (r->path && !strcmp(r->path, path))))
			return r;
	}
	fail_msg("no row for %s", cmp_metrics[m].name);
	return NULL;
}

/* Compare steady runs with runs whose `field` is scaled by new_factor[i]. */
static void compare_scaled(size_t n_base, size_t n_new, size_t field, const double *base_factor,
			   const double *new_factor, struct run_model *b, struct run_model *n,
			   struct cmp_result *res, const struct cmp_options *o)
{
	struct ring_vals bv[8], nv[8];
	char err[256];

	scaled(bv, n_base, field, base_factor);
	scaled(nv, n_new, field, new_factor);
	parse_json(report_json("nop", "6.1", bv, n_base), b);
	parse_json(report_json("nop", "6.1", nv, n_new), n);
	if (cmp_compare(b, n, o, res, err, sizeof(err)))
		fail_msg("compare failed: %s", err);
}

static void free_all(struct run_model *b, struct run_model *n, struct cmp_result *res)
{
	cmp_result_free(res);
	model_free(b);
	model_free(n);
}

#define FIELD(f) offsetof(struct ring_vals, f)

static void test_verdicts(void **state)
{
	static const double same[] = { 1, 1.01, 0.99, 1.02, 0.98 };
	static const double x3[] = { 3, 3.03, 2.97, 3.06, 2.94 };
	static const double third[] = { 0.33, 0.34, 0.32, 0.335, 0.325 };
	static const double spread[] = { 0.5, 2, 1, 0.7, 1.6 };
	static const double spread_up[] = { 0.75, 3, 1.5, 1.05, 2.4 };
	struct run_model b, n;
	struct cmp_result res;
	struct cmp_options o;
	const struct cmp_row *r;

	(void)state;
	cmp_options_init(&o);

	/* The same runs: nothing moves. */
	compare_scaled(5, 5, FIELD(wait_p99), same, same, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 0);
	assert_false(res.single_runs);
	r = row_of(&res, CMP_WAIT_P99, NULL);
	assert_int_equal(r->verdict, CMP_OK);
	assert_true(r->tested);
	assert_close(r->p_value, 1, 1e-12);
	free_all(&b, &n, &res);

	/* wait p99 three times higher in every run: significant and past 20%. */
	compare_scaled(5, 5, FIELD(wait_p99), same, x3, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 1);
	r = row_of(&res, CMP_WAIT_P99, NULL);
	assert_int_equal(r->verdict, CMP_REGRESSION);
	assert_close(r->change_pct, 200, 1e-9);
	assert_close(r->p_value, 0.007936507936507936, 1e-12);
	assert_int_equal(row_of(&res, CMP_WAIT_P50, NULL)->verdict, CMP_OK);
	free_all(&b, &n, &res);

	/* ... but allowed with --max-regress wait_p99=250%. */
	o.max_regress_pct[CMP_WAIT_P99] = 250;
	compare_scaled(5, 5, FIELD(wait_p99), same, x3, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 0);
	assert_int_equal(row_of(&res, CMP_WAIT_P99, NULL)->verdict, CMP_OK);
	free_all(&b, &n, &res);
	cmp_options_init(&o);

	/* Lower is better: a drop is an improvement. */
	compare_scaled(5, 5, FIELD(contended), same, third, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 0);
	assert_int_equal(row_of(&res, CMP_CONTENDED_SHARE, NULL)->verdict, CMP_IMPROVED);
	free_all(&b, &n, &res);

	/* +50% of the median, within the spread of the runs: noise. */
	compare_scaled(5, 5, FIELD(hold_p50), spread, spread_up, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 0);
	r = row_of(&res, CMP_HOLD_P50, NULL);
	assert_close(r->change_pct, 50, 1e-9);
	assert_true(r->p_value >= 0.05);
	assert_int_equal(r->verdict, CMP_NOISE);
	free_all(&b, &n, &res);

	/* Throughput: longer runs for the same SQEs are the regression, shorter ones not. */
	compare_scaled(5, 5, FIELD(duration_ns), same, x3, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 1);
	r = row_of(&res, CMP_THROUGHPUT, NULL);
	assert_int_equal(r->verdict, CMP_REGRESSION);
	assert_true(r->change_pct < -60);
	free_all(&b, &n, &res);
	compare_scaled(5, 5, FIELD(duration_ns), same, third, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 0);
	assert_int_equal(row_of(&res, CMP_THROUGHPUT, NULL)->verdict, CMP_IMPROVED);
	free_all(&b, &n, &res);

	/* Per path: submit holds three times longer per acquisition. */
	compare_scaled(5, 5, FIELD(submit_hold), same, x3, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 1);
	assert_int_equal(row_of(&res, CMP_PATH_HOLD_NS_PER_ACQ, "submit")->verdict,
			 CMP_REGRESSION);
	assert_int_equal(row_of(&res, CMP_PATH_ACQ_PER_SQE, "submit")->verdict, CMP_OK);
	free_all(&b, &n, &res);

	/* Single runs: the limit alone, and the result says so. */
	compare_scaled(1, 1, FIELD(handoffs), same, x3, &b, &n, &res, &o);
	assert_true(res.single_runs);
	assert_int_equal(res.regressions, 1);
	r = row_of(&res, CMP_HANDOFFS_PER_ACQ, NULL);
	assert_int_equal(r->verdict, CMP_REGRESSION);
	assert_false(r->tested);
	assert_non_null(strstr(res.notes[0], "no significance test possible"));
	free_all(&b, &n, &res);

	/* 3 runs a side can never reach p < 0.05: past the limit is noise, and a note says why. */
	compare_scaled(3, 3, FIELD(wait_p99), same, x3, &b, &n, &res, &o);
	assert_int_equal(res.regressions, 0);
	assert_int_equal(row_of(&res, CMP_WAIT_P99, NULL)->verdict, CMP_NOISE);
	assert_non_null(strstr(res.notes[0], "smallest possible p-value is 0.1"));
	assert_non_null(strstr(res.notes[0], "--repeat 4"));
	free_all(&b, &n, &res);
}

static void test_not_comparable(void **state)
{
	struct ring_vals bv = steady, nv = steady;
	struct run_model b, n;
	struct cmp_result res;
	struct cmp_options o;
	const struct cmp_row *r;
	char err[512];

	(void)state;
	cmp_options_init(&o);
	/* new without the exact backend: no hold figures; lock time switches to wait. */
	nv.hold_p50 = nv.hold_p99 = nv.hold_total = nv.handoffs = -1;
	/* ... and --light: contended share per SQE instead of per acquisition. */
	nv.acquisitions = -1;
	parse_json(report_json(NULL, "6.1", &bv, 1), &b);
	parse_json(report_json(NULL, "6.1", &nv, 1), &n);
	assert_int_equal(cmp_compare(&b, &n, &o, &res, err, sizeof(err)), 0);
	r = row_of(&res, CMP_HOLD_P99, NULL);
	assert_int_equal(r->verdict, CMP_NOT_COMPARABLE);
	assert_string_equal(r->reason, "new: hold_ns is null (needs the exact backend)");
	r = row_of(&res, CMP_LOCK_NS_PER_SQE, NULL);
	assert_int_equal(r->verdict, CMP_NOT_COMPARABLE);
	assert_string_equal(r->reason, "base has hold figures, new has wait");
	r = row_of(&res, CMP_CONTENDED_SHARE, NULL);
	assert_int_equal(r->verdict, CMP_NOT_COMPARABLE);
	assert_string_equal(r->reason, "base has per acquisition figures, new has per SQE");
	assert_int_equal(row_of(&res, CMP_ACQ_PER_SQE, NULL)->verdict, CMP_NOT_COMPARABLE);
	assert_int_equal(row_of(&res, CMP_SAMPLED_LOCK_SHARE, NULL)->verdict, CMP_NOT_COMPARABLE);
	/* Not comparable is not a regression, but never "ok" either. */
	assert_int_equal(res.regressions, 0);
	free_all(&b, &n, &res);
}

static void test_unusable_pairs(void **state)
{
	struct run_model b, n;
	struct cmp_result res;
	struct cmp_options o;
	char err[512];

	(void)state;
	cmp_options_init(&o);
	parse_json(report_json("a", "6.1", &steady, 1), &b);
	parse_json(report_json("b", "6.1", &steady, 1), &n);
	assert_int_equal(cmp_compare(&b, &n, &o, &res, err, sizeof(err)), -1);
	assert_string_equal(err, "no ring matches: the labels differ (base \"a\", new \"b\")");
	model_free(&n);
	parse_json(report_json("a", "6.12", &steady, 1), &n);
	o.same_kernel = true;
	assert_int_equal(cmp_compare(&b, &n, &o, &res, err, sizeof(err)), -1);
	assert_string_equal(err, "kernels differ (base 6.1, new 6.12) and --same-kernel was given");
	/* Without --same-kernel, a note. */
	o.same_kernel = false;
	assert_int_equal(cmp_compare(&b, &n, &o, &res, err, sizeof(err)), 0);
	assert_string_equal(res.notes[0], "kernels differ: base 6.1, new 6.12");
	cmp_result_free(&res);
	model_free(&b);
	model_free(&n);
}

/* ---- the commands ---- */

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/test_compare.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static char *write_report(json_t *root)
{
	char *text = json_dumps(root, JSON_PRESERVE_ORDER), *path;

	json_decref(root);
	path = write_tmp(text);
	free(text);
	return path;
}

/* Run a command with stdout and stderr sent to /dev/null; its return value. */
static int quiet(int (*cmd)(int, char **), int argc, const char **argv)
{
	int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY), ret;

	fflush(stdout);
	fflush(stderr);
	dup2(null, 1);
	dup2(null, 2);
	ret = cmd(argc, (char **)argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	return ret;
}

#define RUN(cmd, ...) ({ const char *argv_[] = { __VA_ARGS__, NULL }; \
			 quiet(cmd, ARRAY_SIZE(argv_) - 1, argv_); })

static void test_commands(void **state)
{
	struct ring_vals slow[5], fast[5];
	static const double same[] = { 1, 1.01, 0.99, 1.02, 0.98 };
	static const double x3[] = { 3, 3.03, 2.97, 3.06, 2.94 };
	char *base, *regressed, *bad, *empty;

	(void)state;
	scaled(fast, 5, FIELD(duration_ns), same);
	scaled(slow, 5, FIELD(duration_ns), x3);
	base = write_report(report_json("nop", "6.1", fast, 5));
	regressed = write_report(report_json("nop", "6.1", slow, 5));
	bad = write_tmp("{\"schema\":\"uringlockstat/1\",\"kernel\":");
	empty = write_tmp("");

	assert_int_equal(RUN(cmd_compare, "compare", base, base), CMP_EXIT_OK);
	assert_int_equal(RUN(cmd_compare, "compare", base, regressed), CMP_EXIT_REGRESSION);
	assert_int_equal(RUN(cmd_compare, "compare", "--format", "md", base, regressed),
			 CMP_EXIT_REGRESSION);
	assert_int_equal(RUN(cmd_compare, "compare", base, regressed, "--format", "json"),
			 CMP_EXIT_REGRESSION);
	/* A throughput drop of 67% allowed. */
	assert_int_equal(RUN(cmd_compare, "compare", "--max-regress", "throughput=70%", base,
			     regressed), CMP_EXIT_OK);
	assert_int_equal(RUN(cmd_compare, "compare", "-m", "throughput=70", base, regressed),
			 CMP_EXIT_OK);
	/* An improvement is no regression. */
	assert_int_equal(RUN(cmd_compare, "compare", regressed, base), CMP_EXIT_OK);
	assert_int_equal(RUN(cmd_compare, "compare", base, bad), CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", empty, base), CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", base, "/nonexistent.json"),
			 CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", base), CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", "--max-regress", "nosuch=5%", base, base),
			 CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", "--max-regress", "wait_p99=-5%", base, base),
			 CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", "--max-regress", "wait_p99=5%%", base, base),
			 CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", "--max-regress", "wait_p99", base, base),
			 CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", "--format", "xml", base, base),
			 CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", "--alpha", "1", base, base),
			 CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", "--bogus", base, base), CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", base, base, "--format"), CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", "--help"), CMP_EXIT_OK);

	assert_int_equal(RUN(cmd_report, "report", base), 0);
	assert_int_equal(RUN(cmd_report, "report", bad), 2);
	assert_int_equal(RUN(cmd_report, "report", empty), 2);
	assert_int_equal(RUN(cmd_report, "report"), 2);
	assert_int_equal(RUN(cmd_report, "report", base, base), 2);
	assert_int_equal(RUN(cmd_report, "report", "--help"), 0);

	unlink(base);
	unlink(regressed);
	unlink(bad);
	unlink(empty);
	free(base);
	free(regressed);
	free(bad);
	free(empty);
}

/* ---- the instruction clock (--clock instructions) ---- */

/* root with its "clock" set to clock (NULL: none, as reports written before it). */
static json_t *clocked(json_t *root, const char *clock)
{
	if (clock)
		json_object_set_new(root, "clock", json_string(clock));
	return root;
}

/* Reports of n_base and n_new runs, duration scaled by the factors, with the clocks given. */
static int compare_clocks(size_t n_base, size_t n_new, const double *bf, const double *nf,
			  const char *base_clock, const char *new_clock, struct run_model *b,
			  struct run_model *n, struct cmp_result *res,
			  const struct cmp_options *o, char *err, size_t err_size)
{
	struct ring_vals bv[8], nv[8];

	scaled(bv, n_base, FIELD(duration_ns), bf);
	scaled(nv, n_new, FIELD(duration_ns), nf);
	parse_json(clocked(report_json("nop", "6.1", bv, n_base), base_clock), b);
	parse_json(clocked(report_json("nop", "6.1", nv, n_new), new_clock), n);
	return cmp_compare(b, n, o, res, err, err_size);
}

static void test_instruction_clock(void **state)
{
	static const double one[] = { 1, 1, 1, 1, 1 };
	static const double up1[] = { 1.01, 1.01, 1.01, 1.01, 1.01 };
	static const double up04[] = { 1.004 };
	struct run_model b, n;
	struct cmp_result res;
	struct cmp_options o;
	const struct cmp_row *r;
	char err[512] = "";

	(void)state;
	cmp_options_init(&o);

	/* Unchanged, one run a side: passes, decided without a test, and says so. */
	assert_int_equal(compare_clocks(1, 1, one, one, "instructions", "instructions", &b, &n,
					&res, &o, err, sizeof(err)), 0);
	assert_true(b.clock_instructions && n.clock_instructions && res.instructions);
	assert_int_equal(res.regressions, 0);
	r = row_of(&res, CMP_THROUGHPUT, NULL);
	assert_int_equal(r->verdict, CMP_OK);
	assert_false(r->tested);
	assert_close(r->limit_pct, 0.5, 0);
	assert_non_null(strstr(res.notes[0], "both reports count instructions"));
	assert_non_null(strstr(res.notes[0], "single runs"));
	free_all(&b, &n, &res);

	/* 1% more instructions for the same SQEs, one run a side: a regression. */
	assert_int_equal(compare_clocks(1, 1, one, up1, "instructions", "instructions", &b, &n,
					&res, &o, err, sizeof(err)), 0);
	assert_int_equal(res.regressions, 1);
	r = row_of(&res, CMP_THROUGHPUT, NULL);
	assert_int_equal(r->verdict, CMP_REGRESSION);
	assert_close(r->change_pct, 100 * (1 / 1.01 - 1), 1e-9);
	assert_int_equal(row_of(&res, CMP_ACQ_PER_SQE, NULL)->verdict, CMP_OK);
	free_all(&b, &n, &res);

	/* ... and with 5 identical runs a side, no test is needed to call it. */
	assert_int_equal(compare_clocks(5, 5, one, up1, "instructions", "instructions", &b, &n,
					&res, &o, err, sizeof(err)), 0);
	assert_int_equal(row_of(&res, CMP_THROUGHPUT, NULL)->verdict, CMP_REGRESSION);
	assert_false(row_of(&res, CMP_THROUGHPUT, NULL)->tested);
	free_all(&b, &n, &res);

	/* 0.4%: within the 0.5% limit. */
	assert_int_equal(compare_clocks(1, 1, one, up04, "instructions", "instructions", &b, &n,
					&res, &o, err, sizeof(err)), 0);
	assert_int_equal(res.regressions, 0);
	free_all(&b, &n, &res);

	/* The same 1% on the wall clock is within throughput's 5%: the tight limit matters. */
	assert_int_equal(compare_clocks(1, 1, one, up1, "wall", NULL, &b, &n, &res, &o, err,
					sizeof(err)), 0);
	assert_false(res.instructions);
	assert_int_equal(res.regressions, 0);
	assert_close(row_of(&res, CMP_THROUGHPUT, NULL)->limit_pct, 5, 0);
	free_all(&b, &n, &res);

	/* A limit the user gives is kept under the instruction clock. */
	o.max_regress_pct[CMP_THROUGHPUT] = 2;
	o.limit_given[CMP_THROUGHPUT] = true;
	assert_int_equal(compare_clocks(1, 1, one, up1, "instructions", "instructions", &b, &n,
					&res, &o, err, sizeof(err)), 0);
	assert_int_equal(res.regressions, 0);
	assert_close(row_of(&res, CMP_THROUGHPUT, NULL)->limit_pct, 2, 0);
	free_all(&b, &n, &res);
	cmp_options_init(&o);

	/* Instructions against time, either way round: refused. */
	assert_int_equal(compare_clocks(1, 1, one, one, "instructions", NULL, &b, &n, &res, &o,
					err, sizeof(err)), -1);
	assert_string_equal(err, "the clocks differ: base counts instructions (--clock "
			    "instructions), new wall-clock time; their durations, rates and "
			    "latencies cannot be compared");
	model_free(&b);
	model_free(&n);
	assert_int_equal(compare_clocks(1, 1, one, one, "wall", "instructions", &b, &n, &res, &o,
					err, sizeof(err)), -1);
	assert_non_null(strstr(err, "new counts instructions"));
	model_free(&b);
	model_free(&n);
}

static void test_instruction_clock_commands(void **state)
{
	static const double one[] = { 1 };
	static const double up1[] = { 1.01 };
	struct ring_vals bv[1], nv[1];
	char *base, *regressed, *wall, *bogus, err[512] = "";
	struct run_model rep;

	(void)state;
	scaled(bv, 1, FIELD(duration_ns), one);
	scaled(nv, 1, FIELD(duration_ns), up1);
	base = write_report(clocked(report_json("nop", "6.1", bv, 1), "instructions"));
	regressed = write_report(clocked(report_json("nop", "6.1", nv, 1), "instructions"));
	wall = write_report(report_json("nop", "6.1", bv, 1));
	bogus = write_report(clocked(report_json("nop", "6.1", bv, 1), "cycles"));

	assert_int_equal(RUN(cmd_compare, "compare", base, base), CMP_EXIT_OK);
	assert_int_equal(RUN(cmd_compare, "compare", base, regressed), CMP_EXIT_REGRESSION);
	assert_int_equal(RUN(cmd_compare, "compare", "--format", "md", base, regressed),
			 CMP_EXIT_REGRESSION);
	assert_int_equal(RUN(cmd_compare, "compare", "--format", "json", base, regressed),
			 CMP_EXIT_REGRESSION);
	assert_int_equal(RUN(cmd_compare, "compare", "-m", "throughput=2", base, regressed),
			 CMP_EXIT_OK);
	assert_int_equal(RUN(cmd_compare, "compare", base, wall), CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", wall, base), CMP_EXIT_UNUSABLE);
	assert_int_equal(RUN(cmd_compare, "compare", bogus, bogus), CMP_EXIT_UNUSABLE);
	assert_int_equal(model_load_json(bogus, &rep, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "clock: \"cycles\" is neither \"wall\" nor \"instructions\""));
	assert_int_equal(RUN(cmd_report, "report", base), 0);

	unlink(base);
	unlink(regressed);
	unlink(wall);
	unlink(bogus);
	free(base);
	free(regressed);
	free(wall);
	free(bogus);
}

/* report renders every figure the text report has, from the saved fields. */
static void test_report_render(void **state)
{
	struct run_model rep;
	char *buf = NULL;
	size_t size = 0;
	FILE *out;

	(void)state;
	parse_json(report_json("nop", "6.1", &steady, 1), &rep);
	out = open_memstream(&buf, &size);
	assert_non_null(out);
	model_print_text(out, &rep);
	fclose(out);
	assert_non_null(strstr(buf, "uringlockstat: pid 100 (bench), 0.10 s, kernel 6.1\n"));
	assert_non_null(strstr(buf, "label: nop\n"));
	assert_non_null(strstr(buf, "  counters   on  test\n"));
	assert_non_null(strstr(buf, "ring 0: pid 100 (bench) fd 3 flags SINGLE_ISSUER sq 8 cq 16\n"
				    "  sqes 100000 (enter_return)  enters 100000  submit enters -  "
				    "registers -"));
	assert_non_null(strstr(buf, "  acquisitions 12500 (exact; - trylocks, - failed trylocks)  "
				    "handoffs 40\n"));
	assert_non_null(strstr(buf, "  hold total 5.0ms  p50 300ns  p90 300ns  p99 900ns  "
				    "max 900ns\n"));
	assert_non_null(strstr(buf, "  held per SQE 50.0ns\n"));
	assert_non_null(strstr(buf, "  paths: submit 12000 (hold 4.8ms)\n"));
	assert_non_null(strstr(buf, "  contended 500 (spin 0, sleep 0, interrupted 0)  "
				    "0.0050 per SQE\n"));
	assert_non_null(strstr(buf, "  wait (contended only) total 800.0us  p50 1.0us"));
	assert_non_null(strstr(buf, "  wait per SQE 8.0ns\n"));
	assert_non_null(strstr(buf, "lost: none\n"));
	free(buf);
	model_free(&rep);
}

/* A single run with a lock share of 0.25 over `samples` samples compared with itself. */
static void check_single_sampled(int samples, enum cmp_verdict verdict, const char *reason)
{
	struct run_model rep;
	struct cmp_result res;
	struct cmp_options o;
	const struct cmp_row *r;
	char err[256], *text;

	assert_true(asprintf(&text, "{\"schema\":\"uringlockstat/1\",\"kernel\":\"k\","
			     "\"duration_ns\":1,\"sampled\":{\"samples\":%d,\"lock_share\":0.25},"
			     "\"rings\":[{\"pid\":1,\"fd\":3,\"flags\":[]}]}", samples) > 0);
	if (model_parse_json(text, strlen(text), "s.json", &rep, err, sizeof(err)))
		fail_msg("%s", err);
	cmp_options_init(&o);
	assert_int_equal(cmp_compare(&rep, &rep, &o, &res, err, sizeof(err)), 0);
	r = row_of(&res, CMP_SAMPLED_LOCK_SHARE, NULL);
	assert_int_equal(r->verdict, verdict);
	if (reason)
		assert_string_equal(r->reason, reason);
	else
		assert_close(r->base, 0.25, 0);
	cmp_result_free(&res);
	model_free(&rep);
	free(text);
}

/* A one-run report whose lock share is k of n samples; the caller frees it. */
static void parse_share(unsigned int k, unsigned int n, struct run_model *rep)
{
	char err[256], *text;

	assert_true(asprintf(&text, "{\"schema\":\"uringlockstat/1\",\"kernel\":\"k\","
			     "\"duration_ns\":1,\"sampled\":{\"samples\":%u,\"lock_samples\":%u,"
			     "\"lock_share\":%.17g},\"rings\":[{\"pid\":1,\"fd\":3,\"flags\":[]}]}",
			     n, k, (double)k / n) > 0);
	if (model_parse_json(text, strlen(text), "s.json", rep, err, sizeof(err)))
		fail_msg("%s", err);
	free(text);
}

/*
 * Single runs of a sampled share are tested on their sample counts (two-proportion z-test):
 * 150 of 1000 against 300 of 1000 is a regression beyond doubt; 30 of 200 against 36 of 200
 * (+20%, past the 10% limit) is noise.
 */
static void test_sampled_single_tested(void **state)
{
	static const struct {
		unsigned int k1, n1, k2, n2;
		enum cmp_verdict verdict;
	} cases[] = {
		{ 150, 1000, 300, 1000, CMP_REGRESSION },
		{ 30, 200, 36, 200, CMP_NOISE },
		{ 300, 1000, 150, 1000, CMP_IMPROVED },
		{ 150, 1000, 152, 1000, CMP_OK },
	};
	struct run_model base, new;
	struct cmp_result res;
	struct cmp_options o;
	const struct cmp_row *r;
	char err[256];
	size_t i;

	/* 15/100 vs 30/100: z = 2.54, p = 0.0111 (pooled two-proportion test, by hand). */
	assert_close(stats_two_proportion_p(15, 100, 30, 100), 0.0111, 0.01);
	assert_close(stats_two_proportion_p(0, 50, 0, 80), 1, 0);
	assert_true(isnan(stats_two_proportion_p(1, 0, 1, 2)));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_share(cases[i].k1, cases[i].n1, &base);
		parse_share(cases[i].k2, cases[i].n2, &new);
		cmp_options_init(&o);
		assert_int_equal(cmp_compare(&base, &new, &o, &res, err, sizeof(err)), 0);
		r = row_of(&res, CMP_SAMPLED_LOCK_SHARE, NULL);
		assert_true(r->tested);
		if (r->verdict != cases[i].verdict)
			fail_msg("%u/%u vs %u/%u: verdict %d, want %d (p %g)", cases[i].k1,
				 cases[i].n1, cases[i].k2, cases[i].n2, r->verdict,
				 cases[i].verdict, r->p_value);
		cmp_result_free(&res);
		model_free(&base);
		model_free(&new);
	}
}

/* The sample backend's figures: read, rendered, and compared. */
static void test_sampled(void **state)
{
	static const char text[] =
		"{\"schema\":\"uringlockstat/1\",\"kernel\":\"k\",\"duration_ns\":1,"
		"\"sampled\":{\"samples\":200,\"lock_samples\":50,\"lock_share\":0.25,"
		"\"freq_hz\":99,\"method\":\"sampled estimate\"},\"rings\":[{\"pid\":1,\"fd\":3,"
		"\"flags\":[],\"sampled_hold_ns\":30303030}],\"repeat\":2,\"repeats\":["
		"{\"duration_ns\":1,\"rings\":[{\"pid\":1,\"fd\":3,\"flags\":[],"
		"\"sampled_hold_ns\":30303030}]},"
		"{\"duration_ns\":1,\"rings\":[{\"pid\":2,\"fd\":3,\"flags\":[]}]}]}";
	struct run_model rep;
	struct cmp_result res;
	struct cmp_options o;
	const struct cmp_row *r;
	char err[256], *buf = NULL;
	size_t size = 0;
	FILE *out;

	(void)state;
	if (model_parse_json(text, strlen(text), "s.json", &rep, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(rep.run.has_sampled);
	assert_int_equal(rep.run.samples.value, 200);
	assert_int_equal(rep.run.freq_hz.value, 99);
	assert_close(rep.run.lock_share, 0.25, 0);
	out = open_memstream(&buf, &size);
	assert_non_null(out);
	model_print_text(out, &rep);
	fclose(out);
	assert_non_null(strstr(buf, "\nsampled at 99 Hz: 200 samples of the target's threads, "
				    "50 in mutex code called from io_uring (lock share 25.00%, "
				    "95% interval 19.5-31.4%)\n"
				    "  ring 0: lock held in 3 samples (~30.3ms, 95% interval "
				    "10.3ms-87.2ms, estimate)\n"));
	free(buf);
	/* Only the top level has it, not each of the repeated runs: no samples to test. */
	cmp_options_init(&o);
	assert_int_equal(cmp_compare(&rep, &rep, &o, &res, err, sizeof(err)), 0);
	r = row_of(&res, CMP_SAMPLED_LOCK_SHARE, NULL);
	assert_int_equal(r->verdict, CMP_NOT_COMPARABLE);
	assert_string_equal(r->reason, "base: \"sampled\" is in run 1 only, not in each of its 2 "
			    "runs");
	cmp_result_free(&res);
	model_free(&rep);

	/* Single runs: the share is the one sample, if enough CPU-clock samples back it. */
	check_single_sampled(200, CMP_OK, NULL);
	check_single_sampled(99, CMP_NOT_COMPARABLE,
			     "base: sampled.lock_share rests on 99 samples (100 needed)");
}

/* ---- inputs that are not reports, or not one report ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A load that waits (a FIFO without a writer) fails the test by SIGALRM, not by hanging. */
static void load_refused(const char *path, const char *error)
{
	struct run_model rep;
	double start = now_s();
	char err[512] = "";

	alarm(10);
	if (!model_load_json(path, &rep, err, sizeof(err)))
		fail_msg("%s accepted", path);
	alarm(0);
	if (!strstr(err, error) || strchr(err, '\n'))
		fail_msg("%s: error '%s' does not say '%s'", path, err, error);
	/* Refused by its type or size, before reading: at once. */
	if (now_s() - start > 1)
		fail_msg("%s: refused after %.1f s", path, now_s() - start);
	assert_null(rep.kernel);
}

static void test_reader_not_regular(void **state)
{
	char dir[] = "/tmp/test_compare.XXXXXX", fifo[64], big[64];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	load_refused(fifo, ": not a regular file: a FIFO or pipe");
	assert_int_equal(RUN(cmd_report, "report", fifo), 2);
	assert_int_equal(RUN(cmd_compare, "compare", fifo, fifo), CMP_EXIT_UNUSABLE);
	load_refused("/dev/zero", "/dev/zero: not a regular file: a character device");
	load_refused("/dev/null", "/dev/null: not a regular file: a character device");
	/* One byte over the limit, sparse: refused by its size, nothing read. */
	snprintf(big, sizeof(big), "%s/big.json", dir);
	fd = open(big, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SAVED_MAX_FILE_BYTES + 1), 0);
	close(fd);
	load_refused(big, "big.json: too large: more than 512 MiB");
	unlink(big);
	unlink(fifo);
	rmdir(dir);
}

/* The top level repeats run 1, which repeats[0] holds too: copies that differ are refused. */
static void test_reader_copies_differ(void **state)
{
	static const struct {
		const char *field, *error;
	} cases[] = {
		{ "sqes", "repeats[0].rings: differs from the top level's copy of run 1" },
		{ "duration_ns", "repeats[0].duration_ns: differs from the top level's copy" },
		{ "partial", "repeats[0].partial: differs from the top level's copy" },
		{ "exit_status", "repeats[0].exit_status: differs from the top level's copy" },
		{ "target_cpu_ns", "repeats[0].target_cpu_ns: differs from the top level's copy" },
		{ "sampled", "repeats[0].sampled: differs from the top level's copy" },
	};
	struct ring_vals runs[3] = { steady, steady, steady };
	struct run_model rep;
	char *text, *path, err[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *root = report_json("nop", "6.1", runs, 3);
		json_t *first = json_array_get(json_object_get(root, "repeats"), 0);
		const char *f = cases[i].field;

		if (!strcmp(f, "sqes"))
			json_object_set_new(json_array_get(json_object_get(root, "rings"), 0), "sqes",
					    json_integer(steady.sqes / 2));
		else if (!strcmp(f, "duration_ns"))
			json_object_set_new(root, f, json_integer(steady.duration_ns * 2));
		else if (!strcmp(f, "partial"))
			json_object_set_new(root, f, json_true());
		else if (!strcmp(f, "exit_status"))
			json_object_set_new(first, f, json_integer(1));
		/* The top level's CPU time is the overhead's: here none. */
		else if (!strcmp(f, "target_cpu_ns"))
			json_object_set_new(first, f, json_integer(12345));
		else
			json_object_set_new(first, f, json_pack("{s:f}", "lock_share", 0.5));
		text = json_dumps(root, JSON_PRESERVE_ORDER);
		assert_non_null(text);
		if (!model_parse_json(text, strlen(text), "r.json", &rep, err, sizeof(err)))
			fail_msg("%s: a report whose two copies of run 1 differ was accepted", f);
		if (!strstr(err, cases[i].error))
			fail_msg("%s: error '%s' does not say '%s'", f, err, cases[i].error);
		free(text);
		/* compare refuses the file: it would compare figures report does not show. */
		path = write_report(root);
		assert_int_equal(RUN(cmd_compare, "compare", path, path), CMP_EXIT_UNUSABLE);
		assert_int_equal(RUN(cmd_report, "report", path), 2);
		unlink(path);
		free(path);
	}
	/* Reports of earlier versions keep "sampled" at the top level only: still read. */
	{
		json_t *root = report_json("nop", "6.1", runs, 3);

		json_object_set_new(root, "sampled", json_pack("{s:f}", "lock_share", 0.5));
		parse_json(root, &rep);
		assert_int_equal(rep.nr_repeats, 3);
		model_free(&rep);
	}
}

/* Text of the files (labels, comm, names) never reaches the terminal raw. */
static void test_control_characters(void **state)
{
	static const char label[] = "a\x1b[2Jb\nlabel: forged\r";
	struct run_model rep, other;
	struct cmp_result res;
	struct cmp_options o;
	char *buf = NULL, err[512];
	size_t size = 0, i;
	json_t *root;
	FILE *out;
	int f;

	(void)state;
	root = report_json(label, "6.1\x1b", &steady, 1);
	json_object_set_new(json_array_get(json_object_get(root, "rings"), 0), "comm",
			    json_string("x\x1b]0;owned\x07"));
	parse_json(root, &rep);
	out = open_memstream(&buf, &size);
	assert_non_null(out);
	model_print_text(out, &rep);
	fclose(out);
	for (i = 0; i < size; i++) {
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
			fail_msg("control character 0x%02x at %zu of the report", buf[i], i);
	}
	assert_non_null(strstr(buf, "label: a\\x1b[2Jb\\nlabel: forged\\r\n"));
	assert_non_null(strstr(buf, "(x\\x1b]0;owned\\x07)"));
	assert_non_null(strstr(buf, "kernel 6.1\\x1b"));
	assert_null(strstr(buf, "\nlabel: forged"));
	free(buf);

	/* compare's error names both labels: one line, escaped. */
	cmp_options_init(&o);
	parse_json(report_json("plain", "6.1", &steady, 1), &other);
	assert_int_equal(cmp_compare(&other, &rep, &o, &res, err, sizeof(err)), -1);
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "new \"a\\x1b[2Jb\\nlabel: forged\\r\")"));
	/* And every table: the label is part of each ring's name. */
	assert_int_equal(cmp_compare(&rep, &rep, &o, &res, err, sizeof(err)), 0);
	for (f = CMP_FORMAT_TEXT; f <= CMP_FORMAT_MD; f++) {
		buf = NULL;
		out = open_memstream(&buf, &size);
		assert_non_null(out);
		cmp_print(out, f, &res, "base\n.json", "new.json");
		fclose(out);
		for (i = 0; i < size; i++) {
			if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
				fail_msg("format %d: control character 0x%02x at %zu", f, buf[i], i);
		}
		assert_non_null(strstr(buf, "a\\x1b[2Jb\\nlabel: forged\\r/SINGLE_ISSUER#0"));
		assert_non_null(strstr(buf, "base\\n.json"));
		free(buf);
	}
	cmp_result_free(&res);
	model_free(&other);
	model_free(&rep);
}

/*
 * Matching is n log n: 200000 rings a side, in two flag groups that the two reports interleave
 * differently, compared and printed. The ring-by-ring scans this replaced took more than 120 s
 * for this (22.6 s for 80000 rings); the bound leaves room for a loaded 2-core machine.
 */
#define MANY_RINGS 200000

static char *many_rings(bool interleaved)
{
	json_t *rings = json_array(), *root;
	size_t i, a = 0, b = 0;
	char *text;

	for (i = 0; i < MANY_RINGS; i++) {
		bool is_a = interleaved ? i % 2 : i < MANY_RINGS / 2;
		/* The k-th ring of a group has the same fd in both reports: the match checks it. */
		int fd = is_a ? (int)(2 * a++) : (int)(2 * b++ + 1);

		json_array_append_new(rings, json_pack("{s:i,s:i,s:[s],s:I,s:I}", "pid", 7, "fd",
						       fd, "flags",
						       is_a ? "SINGLE_ISSUER" : "SQPOLL", "sqes",
						       (json_int_t)1000, "acquisitions",
						       (json_int_t)100));
	}
	root = json_pack("{s:s,s:s,s:s,s:I,s:o}", "schema", "uringlockstat/1", "kernel", "6.1",
			 "label", "many", "duration_ns", (json_int_t)1000000000, "rings", rings);
	assert_non_null(root);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	assert_non_null(text);
	return text;
}

static void test_many_rings(void **state)
{
	char *base_text = many_rings(true), *new_text = many_rings(false), err[512];
	struct run_model b, n;
	struct cmp_result res;
	struct cmp_options o;
	double start, matched, took;
	FILE *sink;
	size_t i;

	(void)state;
	sink = fopen("/dev/null", "w");
	assert_non_null(sink);
	if (model_parse_json(base_text, strlen(base_text), "base", &b, err, sizeof(err)) ||
	    model_parse_json(new_text, strlen(new_text), "new", &n, err, sizeof(err)))
		fail_msg("parse failed: %s", err);
	cmp_options_init(&o);
	start = now_s();
	alarm(60);
	assert_int_equal(cmp_compare(&b, &n, &o, &res, err, sizeof(err)), 0);
	matched = now_s();
	cmp_print(sink, CMP_FORMAT_TEXT, &res, "base.json", "new.json");
	alarm(0);
	took = now_s() - start;
	print_message("compare of %d rings a side: %.2f s (matching and verdicts %.2f s)\n",
		      MANY_RINGS, took, matched - start);
	if (took > 20)
		fail_msg("compare of %d rings took %.1f s", MANY_RINGS, took);
	assert_int_equal(res.nr_rings, MANY_RINGS);
	for (i = 0; i < res.nr_rings; i++) {
		if (res.rings[i].base_fd != res.rings[i].new_fd)
			fail_msg("ring %zu (%s#%zu) matched fd %d with fd %d", i,
				 res.rings[i].flags, res.rings[i].order, res.rings[i].base_fd,
				 res.rings[i].new_fd);
	}
	assert_int_equal(res.regressions, 0);
	cmp_result_free(&res);
	model_free(&b);
	model_free(&n);
	free(base_text);
	free(new_text);
	fclose(sink);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwu_exact),
		cmocka_unit_test(test_mwu_normal),
		cmocka_unit_test(test_mwu_edges),
		cmocka_unit_test(test_wilson),
		cmocka_unit_test(test_sampled_single_tested),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_reader_valid),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_reader_damaged),
		cmocka_unit_test(test_metric_derivation),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_not_comparable),
		cmocka_unit_test(test_unusable_pairs),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_instruction_clock),
		cmocka_unit_test(test_instruction_clock_commands),
		cmocka_unit_test(test_report_render),
		cmocka_unit_test(test_sampled),
		cmocka_unit_test(test_reader_not_regular),
		cmocka_unit_test(test_reader_copies_differ),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_many_rings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
