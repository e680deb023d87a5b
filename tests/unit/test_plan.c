// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the backend plan (src/collect/plan.c): which backends run on a kernel that
 * answers the feature probes as the test says, what the report says of each, and what a lost
 * hook costs. No BPF: the probes are a fake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "collect/plan.h"

/* The kernel the fake probes describe, and which features the plan asked about. */
static struct feature_result kernel[FEAT_COUNT];
static unsigned int asked;

static void fake_probe(enum feature feat, struct probe_results *pr)
{
	if (pr->f[feat].probed)
		return;
	asked |= 1u << feat;
	pr->f[feat] = kernel[feat];
	pr->f[feat].probed = true;
}

static void refuse(enum feature feat, const char *reason)
{
	kernel[feat].ok = false;
	snprintf(kernel[feat].reason, sizeof(kernel[feat].reason), "%s", reason);
}

/* Per test: a kernel that allows everything, and a fresh report and probe results. */
struct fixture {
	struct probe_results pr;
	struct backend_plan plan;
	struct report *rep;
	char err[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int feat;

	if (!f)
		return -1;
	f->rep = report_new(4);
	if (!f->rep)
		return -1;
	for (feat = 0; feat < FEAT_COUNT; feat++) {
		kernel[feat].ok = true;
		snprintf(kernel[feat].reason, sizeof(kernel[feat].reason), "yes");
	}
	asked = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->rep);
	free(f);
	return 0;
}

/* The options src/run.c builds for --mode auto and no other option. */
static struct session_opts opts_auto(void)
{
	struct session_opts o = { .mode_auto = true, .light = true, .no_paths = true };
	int id;

	for (id = 0; id < BACKEND_COUNT; id++)
		o.want[id] = id != BACKEND_EXACT;
	return o;
}

/* --mode NAME: that backend alone, asked for by name. */
static struct session_opts opts_mode(enum backend_id id)
{
	struct session_opts o = { .light = true, .no_paths = true };

	o.want[id] = true;
	return o;
}

static bool plan(struct fixture *f, const struct session_opts *o, bool force_raw_tp)
{
	return plan_backends(o, &f->pr, fake_probe, force_raw_tp, f->rep, &f->plan, f->err,
			     sizeof(f->err));
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void test_auto_without_fentry(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();
	struct report *rep = f->rep;

	refuse(FEAT_FENTRY, "no: load failed: Permission denied");
	assert_true(plan(f, &o, false));
	assert_true(rep->backends[BACKEND_CONTENTION].active);
	assert_true(rep->backends[BACKEND_COUNTERS].active);
	assert_true(rep->backends[BACKEND_SAMPLE].active);
	assert_false(rep->backends[BACKEND_EXACT].active);
	assert_string_equal(rep->backends[BACKEND_EXACT].reason, "not in auto, and this kernel "
			    "refuses it: no: load failed: Permission denied");
	assert_string_equal(rep->backends[BACKEND_CONTENTION].reason,
			    "tp_btf on lock:contention_begin/end; contended acquisitions only");
	assert_true(f->plan.use_btf);
	assert_false(f->plan.enter_fexit);
	/* Without --count-enters: SQEs from SQ heads, and the opt-in priced at sys_exit's cost. */
	assert_true(rep->light);
	assert_true(starts_with(rep->backends[BACKEND_COUNTERS].reason,
				"SQEs from SQ head snapshots, register and work runs from io_uring "
				"tracepoints; io_uring_enter calls: --count-enters, about 130 "));
	assert_int_equal(rep->nr_opt_ins, 1);
	assert_string_equal(rep->opt_ins[0].option, "--count-enters");
	assert_true(starts_with(rep->opt_ins[0].cost, "about 130 instructions per system call"));
	/* fentry asked about (the exact opt-in), sys_exit not (no enter counting). */
	assert_true(asked & (1u << FEAT_FENTRY));
	assert_false(asked & (1u << FEAT_SYS_EXIT_TP));
}

static void test_auto_with_fentry_names_opt_ins(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();
	struct report *rep = f->rep;

	assert_true(plan(f, &o, false));
	assert_false(rep->backends[BACKEND_EXACT].active);
	assert_true(starts_with(rep->backends[BACKEND_EXACT].reason,
				"not in auto: --mode auto,exact measures every acquisition"));
	assert_int_equal(rep->nr_opt_ins, 2);
	assert_string_equal(rep->opt_ins[0].option, "--mode auto,exact");
	assert_string_equal(rep->opt_ins[0].figure, "acquisitions, hold times, handoffs");
	assert_string_equal(rep->opt_ins[1].option, "--count-enters");
	/* Where fentry works, --count-enters would count by fexit. */
	assert_string_equal(rep->opt_ins[1].cost,
			    "about 450 instructions per io_uring_enter call (fexit on it)");
}

static void test_exact_mode_without_fentry_errors(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_mode(BACKEND_EXACT);

	refuse(FEAT_FENTRY, "no: attach failed");
	assert_false(plan(f, &o, false));
	assert_string_equal(f->err, "backend 'exact' cannot run: fentry on mutex_lock: no: attach "
			    "failed");
}

static void test_paths_and_holds_without_fentry_error(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();

	/* Even in auto mode: asked for by name, never skipped quietly. */
	refuse(FEAT_FENTRY, "no: attach failed");
	o.want[BACKEND_EXACT] = true;
	o.no_paths = false;
	assert_false(plan(f, &o, false));
	assert_string_equal(f->err, "--paths needs the exact backend, which cannot run: fentry on "
			    "mutex_lock: no: attach failed");
	o.holds = true;
	memset(&f->pr, 0, sizeof(f->pr));
	assert_false(plan(f, &o, false));
	assert_true(starts_with(f->err, "--holds needs the exact backend, which cannot run"));
}

static void test_exact_names_holds_and_paths(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_mode(BACKEND_EXACT);
	struct report *rep = f->rep;

	assert_true(plan(f, &o, false));
	assert_true(rep->backends[BACKEND_EXACT].active);
	assert_true(starts_with(rep->backends[BACKEND_EXACT].reason, "fentry on mutex_unlock; "
				"every acquisition; hold times: --holds, "));
	assert_non_null(strstr(rep->backends[BACKEND_EXACT].reason,
			       "; per-path figures: --paths, "));
	assert_int_equal(rep->nr_opt_ins, 2);
	assert_string_equal(rep->opt_ins[0].option, "--holds");
	assert_string_equal(rep->opt_ins[1].option, "--paths");
	/* Only what --mode exact needs is probed. */
	assert_false(asked & (1u << FEAT_PERF_EVENT));
	assert_false(asked & (1u << FEAT_CONTENTION_TP));
	assert_false(asked & (1u << FEAT_IO_URING_TP));

	/* Asked for: not offered. */
	memset(rep, 0, sizeof(*rep));
	memset(&f->pr, 0, sizeof(f->pr));
	o.holds = true;
	o.no_paths = false;
	assert_true(plan(f, &o, false));
	assert_string_equal(rep->backends[BACKEND_EXACT].reason,
			    "fentry on the mutex functions (no fexit); every acquisition, timed");
	assert_int_equal(rep->nr_opt_ins, 0);
}

static void test_no_tracepoint_programs(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();

	refuse(FEAT_TP_BTF, "no: load failed");
	refuse(FEAT_RAW_TP, "no: attach failed");
	assert_false(plan(f, &o, false));
	assert_string_equal(f->err, "this kernel allows neither tp_btf (no: load failed) nor "
			    "raw_tp (no: attach failed) programs");
}

static void test_forced_raw_tp(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();

	assert_true(plan(f, &o, true));
	assert_false(f->plan.use_btf);
	assert_string_equal(f->pr.f[FEAT_TP_BTF].reason, "disabled by URINGLOCKSTAT_FORCE_RAW_TP");
	assert_true(starts_with(f->rep->backends[BACKEND_CONTENTION].reason, "raw_tp on "));
}

static void test_missing_io_uring_tracepoints(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();
	struct report *rep = f->rep;

	/* In auto mode the counters backend alone is lost; by name it is an error. */
	refuse(FEAT_IO_URING_TP, "no: no tracepoint");
	assert_true(plan(f, &o, false));
	assert_false(rep->backends[BACKEND_COUNTERS].active);
	assert_string_equal(rep->backends[BACKEND_COUNTERS].reason,
			    "io_uring tracepoints: no: no tracepoint");
	assert_true(rep->backends[BACKEND_CONTENTION].active);
	o = opts_mode(BACKEND_COUNTERS);
	memset(&f->pr, 0, sizeof(f->pr));
	assert_false(plan(f, &o, false));
	assert_string_equal(f->err, "backend 'counters' cannot run: io_uring tracepoints: no: no "
			    "tracepoint");
}

static void test_enters_without_fentry_or_sys_exit(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();
	struct report *rep = f->rep;

	/* --count-enters where neither fexit nor sys_exit runs: only that figure is lost. */
	o.light = false;
	refuse(FEAT_FENTRY, "no: load failed");
	refuse(FEAT_SYS_EXIT_TP, "no: the counters backend's sys_exit program does not load");
	assert_true(plan(f, &o, false));
	assert_true(rep->backends[BACKEND_COUNTERS].active);
	assert_true(rep->light);
	assert_string_equal(rep->backends[BACKEND_COUNTERS].reason,
			    "SQEs from SQ head snapshots, register and work runs from io_uring "
			    "tracepoints; not measured: io_uring_enter calls (no: the counters "
			    "backend's sys_exit program does not load)");

	/* Where fentry works, fexit counts them. */
	memset(rep, 0, sizeof(*rep));
	memset(&f->pr, 0, sizeof(f->pr));
	kernel[FEAT_FENTRY].ok = true;
	assert_true(plan(f, &o, false));
	assert_true(f->plan.enter_fexit);
	assert_false(rep->light);
}

static void test_nothing_runs(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();

	refuse(FEAT_PERF_EVENT, "no");
	refuse(FEAT_CONTENTION_TP, "no");
	refuse(FEAT_IO_URING_TP, "no");
	assert_false(plan(f, &o, false));
	assert_string_equal(f->err, "no backend can run on this kernel (see 'uringlockstat "
			    "probe')");
}

/* The first hook of backend id whose flags include all of `with` and none of `without`. */
static size_t find_hook(enum backend_id id, unsigned int with, unsigned int without)
{
	size_t i;

	for (i = 0; i < NR_HOOKS; i++) {
		if (hooks[i].backend == id && (hooks[i].flags & with) == with &&
		    !(hooks[i].flags & without))
			return i;
	}
	fail_msg("no such hook");
	return 0;
}

static void test_lost_tracepoint_loses_its_figure(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();
	struct report *rep = f->rep;
	size_t i;

	assert_true(plan(f, &o, false));
	for (i = 0; i < NR_HOOKS && hooks[i].counter != COUNTER_REGISTERS; i++)
		;
	assert_true(i < NR_HOOKS);
	assert_int_equal(plan_hook_lost(&o, rep, i, "no tracepoint io_uring_register", f->err,
					sizeof(f->err)), HOOK_LOSS_FIGURE);
	assert_true(rep->backends[BACKEND_COUNTERS].active);
	assert_int_equal(rep->counters_missing, COUNTER_REGISTERS);
	assert_non_null(strstr(rep->backends[BACKEND_COUNTERS].reason,
			       "; not measured: register calls (no tracepoint io_uring_register)"));
	/* A discovery hook: the caller says what is not seen. */
	i = find_hook(BACKEND_COUNT, 0, HOOK_FOLLOW);
	assert_int_equal(plan_hook_lost(&o, rep, i, "why", f->err, sizeof(f->err)),
			 HOOK_LOSS_DISCOVERY);
}

static void test_lost_required_hook(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_auto();
	struct report *rep = f->rep;
	size_t begin = find_hook(BACKEND_CONTENTION, HOOK_REQUIRED, HOOK_END);

	assert_true(plan(f, &o, false));
	/* In auto mode the backend stops; the report's side of that is plan_backend_off. */
	assert_int_equal(plan_hook_lost(&o, rep, begin, "cannot attach", f->err, sizeof(f->err)),
			 HOOK_LOSS_BACKEND);
	plan_backend_off(rep, BACKEND_CONTENTION, "cannot attach");
	assert_false(rep->backends[BACKEND_CONTENTION].active);
	assert_string_equal(rep->backends[BACKEND_CONTENTION].reason, "cannot attach");
	/* Asked for by name: an error. */
	o = opts_mode(BACKEND_CONTENTION);
	memset(rep, 0, sizeof(*rep));
	memset(&f->pr, 0, sizeof(f->pr));
	assert_true(plan(f, &o, false));
	assert_int_equal(plan_hook_lost(&o, rep, begin, "cannot attach", f->err, sizeof(f->err)),
			 HOOK_LOSS_ERROR);
	assert_string_equal(f->err, "backend 'contention' cannot run: cannot attach");
}

static void test_hooks_wanted(void **state)
{
	struct fixture *f = *state;
	struct session_opts o = opts_mode(BACKEND_EXACT);
	struct report *rep = f->rep;
	size_t i, exact = 0, end = find_hook(BACKEND_CONTENTION, HOOK_END, 0);

	assert_true(plan(f, &o, false));
	/* Without --holds the exact backend has one trampoline, on mutex_unlock. */
	for (i = 0; i < NR_HOOKS; i++) {
		if (hooks[i].backend == BACKEND_EXACT &&
		    plan_hook_wanted(&hooks[i], &o, rep, false)) {
			assert_int_equal(hooks[i].lock_fn, LOCK_FN_UNLOCK);
			exact++;
		}
	}
	assert_int_equal(exact, 1);
	assert_false(plan_hook_wanted(&hooks[end], &o, rep, false));
	/* With it, every lock function, and contention_end for contended calls. */
	rep->holds_measured = true;
	for (i = 0, exact = 0; i < NR_HOOKS; i++)
		exact += hooks[i].backend == BACKEND_EXACT &&
			 plan_hook_wanted(&hooks[i], &o, rep, false);
	assert_int_equal(exact, 5);
	assert_true(plan_hook_wanted(&hooks[end], &o, rep, false));
	assert_true(plan_hook_serves_only(&hooks[end], BACKEND_EXACT, rep));
	assert_false(plan_hook_serves_only(&hooks[end], BACKEND_CONTENTION, rep));
	/* The fork hook only follows a command's children. */
	i = find_hook(BACKEND_COUNT, HOOK_FOLLOW, 0);
	assert_false(plan_hook_wanted(&hooks[i], &o, rep, false));
	o.follow_forks = true;
	assert_true(plan_hook_wanted(&hooks[i], &o, rep, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_auto_without_fentry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_with_fentry_names_opt_ins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exact_mode_without_fentry_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_paths_and_holds_without_fentry_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exact_names_holds_and_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tracepoint_programs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forced_raw_tp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_io_uring_tracepoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enters_without_fentry_or_sys_exit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nothing_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_tracepoint_loses_its_figure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lost_required_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hooks_wanted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
