// SPDX-License-Identifier: GPL-2.0
/*
 * Golden test of the outputs: one run, built in memory with every backend's figures, is
 * rendered as text, JSON, OpenMetrics, Prometheus text, folded stacks, SVG and pprof.
 *
 * - The saved report and the live one are the same run: the JSON read back
 *   (src/model/json_read.c) and rendered by `uringlockstat report` (model_print_text) gives
 *   the live text report (report_print_text) line for line.
 * - With GOLDEN_OUT=DIR in the environment the outputs are also written to DIR (run.txt,
 *   run.json, run.om, run.prom, run.folded, run.svg, and run.pb: the pprof profile gunzipped,
 *   its time_nanos, the wall-clock time of the run, set to 0): building this test against
 *   two versions of the sources and comparing their DIRs shows whether a change altered any
 *   output (tests/run-golden does that against a git revision).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include <jansson.h>
#include "expo.h"
#include "fields.h"
#include "flamegraph.h"
#include "folded.h"
#include "json_read.h"
#include "output.h"
#include "pprof.h"
#include "proto/profile.pb-c.h"
#include "pprof_read.h"
#include "report.h"
#include "snapshot.h"
#include "report_cmd.h"
#include "session.h"
#include "stacks.h"

#define SETUP_SQPOLL (1u << 1)
#define SETUP_SINGLE_ISSUER (1u << 12)
#define SETUP_DEFER_TASKRUN (1u << 13)

static void set_reason(struct report *rep, enum backend_id id, bool active, const char *why)
{
	rep->backends[id].active = active;
	snprintf(rep->backends[id].reason, sizeof(rep->backends[id].reason), "%s", why);
}

/*
 * Two rings of one command, every backend on: ring 0 a SINGLE_ISSUER|DEFER_TASKRUN ring with
 * exact acquisitions on three paths (timed: --holds), contention and samples; ring 1 an
 * SQPOLL ring counted from its SQ head, closed before the end.
 */
static struct report *golden_report(void)
{
	struct report *rep = report_new(2);
	struct ring_report *r;
	int i;

	assert_non_null(rep);
	snprintf(rep->kernel, sizeof(rep->kernel), "6.12.0-golden");
	snprintf(rep->label, sizeof(rep->label), "golden");
	rep->duration_ns = 2000000000ull;
	rep->paths_measured = true;
	rep->holds_measured = true;
	rep->kstacks = true;
	rep->waiter_paths = true;
	rep->freq_hz = 99;
	rep->samples = 396;
	rep->lock_samples = 41;
	rep->lock_samples_path[PATH_SUBMIT] = 30;
	rep->lock_samples_path[PATH_LOCAL_WORK] = 6;
	rep->lock_samples_path[PATH_TCTX] = 2;
	rep->lock_samples_path[PATH_OTHER] = 3;
	set_reason(rep, BACKEND_EXACT, true, "fentry on mutex_unlock and the lock functions");
	set_reason(rep, BACKEND_CONTENTION, true, "tp_btf on lock:contention_begin/end");
	set_reason(rep, BACKEND_COUNTERS, true, "fexit on io_uring_enter");
	set_reason(rep, BACKEND_SAMPLE, true, "perf_event CPU-clock at 99 Hz");
	rep->failures.waiters_full = 2;
	rep->failures.stacks_full = 1;
	rep->program_misses = 3;
	rep->overhead.measured = true;
	rep->overhead.runs = 123456;
	rep->overhead.run_ns = 45678901;
	rep->overhead.target_cpu_ns = 1900000000ull;
	snprintf(rep->overhead.target_cpu_source, sizeof(rep->overhead.target_cpu_source),
		 TARGET_CPU_RUSAGE);
	rep->overhead.target_cpu_rusage = true;
	rep->target_pid = 4242;
	snprintf(rep->target_command, sizeof(rep->target_command), "/usr/bin/app --golden");
	rep->exit_status = 0;
	rep->nr_rings = 2;

	r = &rep->rings[0];
	r->slot = 0;
	r->info.ctx = 0xffff888012340000ull;
	r->info.tgid = 4242;
	r->info.fd = 5;
	r->info.setup_flags = SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN;
	r->info.sq_entries = 256;
	r->info.cq_entries = 512;
	snprintf(r->info.comm, sizeof(r->info.comm), "app");
	r->open = true;
	r->head_seen = true;
	r->submitter_tid = 4243;
	r->sqes_head = 100000;
	r->samples_held = 37;
	r->sum.enters = 100500;
	r->sum.enters_submit = 100000;
	r->sum.enters_submit_getevents = 100000;
	r->sum.submit_locked = 100000;
	r->sum.sqes_enter = 100000;
	r->sum.registers = 3;
	r->sum.local_work_runs = 250;
	r->sum.task_work_runs = 17;
	r->sum.contended = 120;
	r->sum.spin = 100;
	r->sum.sleep = 20;
	r->sum.owner_known = 120;
	r->sum.owner_other_cpu = 90;
	r->contended_by[ROLE_IOWQ][PATH_SUBMIT] = 9;
	r->lock_samples_path[PATH_SUBMIT] = 20;
	r->lock_samples_path[PATH_TCTX] = 2;
	r->contended_by[ROLE_SUBMITTER][PATH_IOWQ] = 4;
	r->contended_by[ROLE_UNKNOWN][PATH_SUBMIT] = 2;
	r->sum.acquisitions = 100270;
	r->sum.holds = 100270;
	r->sum.trylock_calls = 17;
	r->sum.trylocks = 15;
	r->sum.trylocks_failed = 2;
	r->sum.handoffs = 140;
	for (i = 0; i < 120; i++) {
		__u64 w = 300 + (__u64)i * i * 41;

		r->hists.wait[hist_bucket(w)]++;
		r->sum.wait_ns_total += w;
		if (w > r->sum.wait_ns_max)
			r->sum.wait_ns_max = w;
	}
	for (i = 0; i < 1000; i++) {
		__u64 h = 200 + (__u64)(i % 50) * 37, a = 20 + (__u64)(i % 7) * 900;

		r->hists.hold[hist_bucket(h)] += 100;
		r->hists.acquire_wait[hist_bucket(a)] += 100;
		r->sum.hold_ns_total += h * 100;
		r->sum.acquire_wait_ns_total += a * 100;
		if (h > r->sum.hold_ns_max)
			r->sum.hold_ns_max = h;
		if (a > r->sum.acquire_wait_ns_max)
			r->sum.acquire_wait_ns_max = a;
	}
	r->paths[PATH_SUBMIT] = (struct path_totals){ .acquisitions = 100000,
						      .wait_ns = 9000000, .hold_ns = 40000000 };
	r->paths[PATH_LOCAL_WORK] = (struct path_totals){ .acquisitions = 250,
							  .wait_ns = 80000, .hold_ns = 150000 };
	r->paths[PATH_REGISTER] = (struct path_totals){ .acquisitions = 20, .wait_ns = 4000,
							.hold_ns = 9000 };

	r = &rep->rings[1];
	r->slot = 1;
	r->info.ctx = 0xffff888056780000ull;
	r->info.tgid = 4242;
	r->info.fd = 7;
	r->info.setup_flags = SETUP_SQPOLL;
	r->info.sq_entries = 64;
	r->info.cq_entries = 128;
	snprintf(r->info.comm, sizeof(r->info.comm), "app");
	r->head_seen = true;
	r->ended = true;
	r->sqes_head = 5000;
	r->sum.enters = 12;
	r->sum.enters_submit = 12;
	r->sum.acquisitions = 40;
	r->sum.holds = 40;
	r->sum.hold_ns_total = 40000;
	r->sum.hold_ns_max = 2500;
	r->hists.hold[hist_bucket(1000)] = 40;
	r->paths[PATH_SQPOLL] = (struct path_totals){ .acquisitions = 40, .hold_ns = 40000 };
	return rep;
}

static char **names(const char *const *n, size_t nr)
{
	char **out = calloc(nr, sizeof(char *));
	size_t i;

	assert_non_null(out);
	for (i = 0; i < nr; i++)
		out[i] = strdup(n[i]);
	return out;
}

static void add_stack(struct stack_set *set, __u32 slot, __u32 kind, enum lock_path path,
		      __u64 count, __u64 wait, __u64 hold, const char *const *k, size_t nk)
{
	struct stack_entry *e;

	set->entries = realloc(set->entries, (set->nr + 1) * sizeof(*set->entries));
	assert_non_null(set->entries);
	e = &set->entries[set->nr++];
	memset(e, 0, sizeof(*e));
	e->slot = slot;
	e->tgid = 4242;
	e->kind = kind;
	e->path = path;
	e->count = count;
	e->wait_ns = wait;
	e->hold_ns = hold;
	e->kframes = names(k, nk);
	e->nr_kframes = nk;
}

static void golden_stacks(struct stack_set *set)
{
	static const char *const submit[] = { "mutex_lock", "__do_sys_io_uring_enter",
					       "do_syscall_64", "entry_SYSCALL_64" };
	static const char *const local[] = { "mutex_lock", "io_run_local_work",
					      "io_cqring_wait", "__do_sys_io_uring_enter" };
	static const char *const sample[] = { "osq_lock", "__mutex_lock",
					       "__do_sys_io_uring_enter", "do_syscall_64" };

	add_stack(set, 0, STACK_EXACT, PATH_SUBMIT, 100000, 9000000, 40000000, submit, 4);
	add_stack(set, 0, STACK_EXACT, PATH_LOCAL_WORK, 250, 80000, 150000, local, 4);
	add_stack(set, 0, STACK_CONTENDED, PATH_SUBMIT, 110, 9000000, 0, submit, 4);
	add_stack(set, 0, STACK_SAMPLE, PATH_SUBMIT, 37, 0, 0, sample, 4);
}

/*
 * The pprof file gunzipped and encoded again with time_nanos 0: the time the profile was
 * taken is the one field that differs from run to run.
 */
static unsigned char *pprof_bytes(const char *path, size_t *out_len)
{
	Perftools__Profiles__Profile *p = pprof_read(path);
	unsigned char *packed;

	assert_true(p->time_nanos > 0);
	p->time_nanos = 0;
	*out_len = perftools__profiles__profile__get_packed_size(p);
	packed = malloc(*out_len);
	assert_non_null(packed);
	assert_int_equal(perftools__profiles__profile__pack(p, packed), *out_len);
	perftools__profiles__profile__free_unpacked(p, NULL);
	return packed;
}

static void save(const char *dir, const char *name, const char *buf, size_t len)
{
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *render_text(const struct report *rep, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	report_print_text(f, rep, false);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_saved_equals_live(void **state)
{
	const char *dir = getenv("GOLDEN_OUT");
	struct report *rep = golden_report();
	struct run_model saved = {}, top, again;
	char *live, *json, *text = NULL, err[512] = "";
	size_t live_len, json_len, text_len = 0;
	json_t *root;
	FILE *f;

	(void)state;
	live = render_text(rep, &live_len);
	/* As the run writes it: the run's model whole, and again as the one run of "repeats". */
	assert_int_equal(model_from_report(rep, false, &top), 0);
	assert_int_equal(model_from_report(rep, false, &again), 0);
	model_run_detach(&top.run);
	model_run_detach(&again.run);
	assert_int_equal(model_add_repeat(&top, &again.run), 0);
	model_free(&again);
	root = model_to_json(&top);
	model_free(&top);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "repeat")), 1);
	assert_true(json_equal(json_object_get(root, "rings"),
			       json_object_get(json_array_get(json_object_get(root, "repeats"), 0),
					       "rings")));
	json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(json);
	json_len = strlen(json);
	save(dir, "run.txt", live, live_len);
	save(dir, "run.json", json, json_len);
	if (model_parse_json(json, json_len, "golden.json", &saved, err, sizeof(err)))
		fail_msg("the JSON does not read back: %s", err);
	f = open_memstream(&text, &text_len);
	assert_non_null(f);
	model_print_text(f, &saved);
	assert_int_equal(fclose(f), 0);
	save(dir, "run.saved.txt", text, text_len);
	if (text_len != live_len || memcmp(text, live, live_len)) {
		size_t i = 0, line = 1;

		while (i < live_len && i < text_len && live[i] == text[i])
			line += live[i++] == '\n';
		fail_msg("saved and live text differ from line %zu:\nlive:  %.120s\nsaved: %.120s",
			 line, live + i - (i && live[i - 1] != '\n' ? 0 : 0), text + i);
	}
	model_free(&saved);
	json_decref(root);
	free(json);
	free(text);
	free(live);
	free(rep);
}

static void test_outputs(void **state)
{
	const char *dir = getenv("GOLDEN_OUT");
	struct report *rep = golden_report();
	struct stack_set stacks = {};
	struct run_model m;
	struct folded_line *lines = NULL;
	size_t nr = 0, len = 0;
	char tmpl[] = "/tmp/golden-pprof.XXXXXX", path[64];
	char *buf;
	FILE *f;

	(void)state;
	golden_stacks(&stacks);
	buf = expo_render(rep, EXPO_OPENMETRICS, false, &len);
	assert_non_null(buf);
	assert_non_null(strstr(buf, "# EOF"));
	save(dir, "run.om", buf, len);
	free(buf);
	buf = expo_render(rep, EXPO_PROMETHEUS, false, &len);
	assert_non_null(buf);
	save(dir, "run.prom", buf, len);
	free(buf);

	assert_int_equal(model_from_report(rep, false, &m), 0);
	m.stacks = &stacks;
	assert_int_equal(folded_build(&m, WEIGHT_WAIT, false, &lines, &nr), 0);
	assert_true(nr > 0);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(folded_write(f, lines, nr), 0);
	assert_int_equal(fclose(f), 0);
	save(dir, "run.folded", buf, len);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(flamegraph_write_svg(f, lines, nr, "uring_lock: golden", "ns"), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "</svg>"));
	save(dir, "run.svg", buf, len);
	free(buf);
	folded_free(lines, nr);

	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "%s/p.pb.gz", tmpl);
	assert_int_equal(pprof_write(path, &m, false), 0);
	buf = (char *)pprof_bytes(path, &len);
	assert_true(len > 20);
	save(dir, "run.pb", buf, len);
	free(buf);
	unlink(path);
	rmdir(tmpl);
	model_free(&m);
	stack_set_free(&stacks);
	free(rep);
}

/*
 * The same run under other options: each variant changes what the golden run measured, and
 * is rendered as text, JSON, the saved report's text, OpenMetrics, folded stacks and pprof
 * (VARIANT.txt, .json, .saved.txt, .om, .folded, .pb under GOLDEN_OUT). The saved text must equal the live one in every variant,
 * and the model read back from the JSON must hold every field of the table (fields.c) as the
 * live model does.
 */
enum variant {
	V_EXACT_NOHOLDS, V_EXACT_NOPATHS, V_NOEXACT, V_LIGHT, V_CONTENTION_ONLY,
	V_COUNTERS_MISSING, V_NOSAMPLE, V_ALL_PARTIAL, V_PROGRAMS, V_ADDRESSES, V_NOOWNER,
	V_NO_FD, V_COUNT,
};

static const char *const variant_names[V_COUNT] = {
	"exact-noholds", "exact-nopaths", "noexact", "light", "contention-only",
	"counters-missing", "nosample", "all-partial", "programs", "addresses", "noowner",
	"no-fd",
};

/* A figure the run left out for its cost, as src/collect/plan.c notes it. */
static void opt_in(struct report *rep, const char *figure, const char *option)
{
	struct opt_in *o = &rep->opt_ins[rep->nr_opt_ins++];

	snprintf(o->figure, sizeof(o->figure), "%s", figure);
	snprintf(o->option, sizeof(o->option), "%s", option);
	snprintf(o->cost, sizeof(o->cost), "about 40 ns a lock");
}

static bool variant_report(struct report *rep, enum variant v)
{
	bool addresses = false;

	switch (v) {
	case V_EXACT_NOHOLDS:
		rep->holds_measured = false;
		opt_in(rep, "hold time and wait of every acquisition", "--holds");
		break;
	case V_EXACT_NOPATHS:
		rep->holds_measured = false;
		rep->paths_measured = false;
		opt_in(rep, "hold time and wait of every acquisition", "--holds");
		opt_in(rep, "acquisitions per kernel path", "--paths");
		break;
	case V_LIGHT:
		rep->light = true;
		/* fall through */
	case V_NOEXACT:
		rep->holds_measured = false;
		rep->paths_measured = false;
		set_reason(rep, BACKEND_EXACT, false, "fentry is not allowed here");
		break;
	case V_CONTENTION_ONLY:
		rep->holds_measured = false;
		rep->paths_measured = false;
		set_reason(rep, BACKEND_EXACT, false, "off");
		set_reason(rep, BACKEND_COUNTERS, false, "off");
		set_reason(rep, BACKEND_SAMPLE, false, "off");
		rep->freq_hz = 0;
		break;
	case V_COUNTERS_MISSING:
		set_reason(rep, BACKEND_EXACT, false, "off");
		rep->counters_missing = COUNTER_REGISTERS | COUNTER_TASK_WORK;
		break;
	case V_NOSAMPLE:
		set_reason(rep, BACKEND_SAMPLE, false, "off");
		rep->freq_hz = 0;
		break;
	case V_ALL_PARTIAL:
		rep->target_all = true;
		rep->target_command[0] = '\0';
		rep->label[0] = '\0';
		rep->exit_status = -1;
		rep->overhead.target_cpu_rusage = false;
		snprintf(rep->overhead.target_cpu_source, sizeof(rep->overhead.target_cpu_source),
			 "/proc/stat, busy time of every CPU (100 ticks per s)");
		rep->partial = true;
		snprintf(rep->partial_reason, sizeof(rep->partial_reason), "interrupted");
		rep->rings[1].open = true;
		rep->rings[1].ended = false;
		break;
	case V_PROGRAMS:
		rep->prog_stats = true;
		rep->nr_programs = 2;
		snprintf(rep->programs[0].name, sizeof(rep->programs[0].name), "contention_begin");
		rep->programs[0] = (struct program_cost){ "contention_begin", 1000, 250000, 1 };
		rep->programs[1] = (struct program_cost){ "on_sample", 396, 400000, 0 };
		opt_in(rep, "io_uring_enter calls, SQEs per call", "--count-enters");
		rep->overhead.measured = false;
		snprintf(rep->overhead.why, sizeof(rep->overhead.why), "no bpf stats");
		break;
	case V_ADDRESSES:
		addresses = true;
		break;
	case V_NOOWNER:
		rep->waiter_paths = false;
		rep->rings[0].sum.owner_known = 0;
		rep->rings[0].sum.owner_other_cpu = 0;
		break;
	case V_NO_FD:
		/* A share whose percentage rounds apart from its double (23/160: 14.375%). */
		rep->samples = 160;
		rep->lock_samples = 23;
		/* The SQPOLL ring open, held by a mapping alone: its SQ head not read. */
		rep->rings[1].open = true;
		rep->rings[1].ended = false;
		rep->rings[1].no_fd = true;
		break;
	case V_COUNT:
		break;
	}
	return addresses;
}


/* Field by field: a struct's padding is not part of the figure. */
static bool same_count(const struct model_count *a, const struct model_count *b)
{
	return a->valid == b->valid && a->value == b->value;
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/*
 * One field of the table (src/model/fields.c) is the same in the live model and in the one
 * read back from its JSON; derived fields (intervals, elided sums) are not read, so not
 * compared. Returns the field's key when it differs, NULL when the same.
 */
static const char *field_differs(const struct field *f, const void *a, const void *b,
				 const struct model_ring *ra, const struct model_ring *rb)
{
	const void *x = field_at(a, f->off), *y = field_at(b, f->off);
	size_t i;

	switch (f->kind) {
	case FK_INT:
		return *(const int *)x == *(const int *)y ? NULL : f->key;
	case FK_COUNT:
		return same_count(x, y) ? NULL : f->key;
	case FK_BOOL: {
		const struct model_bool *p = x, *q = y;

		return p->valid == q->valid && p->value == q->value ? NULL : f->key;
	}
	case FK_STRING:
	case FK_FLAGS:
		return same_text(*(char *const *)x, *(char *const *)y) ? NULL : f->key;
	case FK_SUMMARY: {
		const struct model_summary *p = x, *q = y;

		return p->valid == q->valid && !memcmp(&p->ns, &q->ns, sizeof(p->ns)) ? NULL : f->key;
	}
	case FK_SHARE:
		return *(const bool *)x == *(const bool *)y &&
		       *(const double *)field_at(a, f->off2) == *(const double *)field_at(b, f->off2)
			       ? NULL : f->key;
	case FK_PATH_COUNTS:
		return *(const bool *)x == *(const bool *)y &&
		       !memcmp(field_at(a, f->off2), field_at(b, f->off2), PATH_COUNT * sizeof(__u64))
			       ? NULL : f->key;
	case FK_OWNER_MATRIX:
		return ra->has_owner_matrix == rb->has_owner_matrix &&
		       !memcmp(ra->owner_matrix, rb->owner_matrix, sizeof(ra->owner_matrix))
			       ? NULL : f->key;
	case FK_PATHS:
		if (ra->nr_paths != rb->nr_paths)
			return f->key;
		for (i = 0; i < ra->nr_paths; i++) {
			const struct model_path *p = &ra->paths[i], *q = &rb->paths[i];

			if (!same_text(p->name, q->name) || p->acquisitions != q->acquisitions ||
			    !same_count(&p->contended, &q->contended) ||
			    !same_count(&p->wait_ns, &q->wait_ns) ||
			    !same_count(&p->hold_ns, &q->hold_ns))
				return f->key;
		}
		return NULL;
	default:
		return NULL;
	}
}

/* The model read back from the JSON holds every figure of the live model that the file keeps. */
static void assert_same_model(const char *variant, const struct run_model *a,
			      const struct run_model *b)
{
	const char *key;
	size_t i, j;

	assert_true(same_text(a->kernel, b->kernel) && same_text(a->label, b->label));
	assert_true(same_text(a->target_command, b->target_command));
	assert_int_equal(a->target_all, b->target_all);
	assert_int_equal(a->paths_measured, b->paths_measured);
	assert_int_equal(a->nr_backends, b->nr_backends);
	assert_int_equal(a->nr_opt_ins, b->nr_opt_ins);
	assert_int_equal(a->nr_lost, b->nr_lost);
	for (i = 0; i < a->nr_lost; i++) {
		assert_string_equal(a->lost[i].name, b->lost[i].name);
		assert_int_equal(a->lost[i].value, b->lost[i].value);
	}
	assert_int_equal(a->has_programs, b->has_programs);
	assert_int_equal(a->nr_programs, b->nr_programs);
	assert_int_equal(a->run.duration_ns, b->run.duration_ns);
	assert_int_equal(a->run.target_cpu_ns.valid, b->run.target_cpu_ns.valid);
	assert_int_equal(a->run.target_cpu_ns.value, b->run.target_cpu_ns.value);
	for (i = 0; i < a->nr_repeats && i < b->nr_repeats; i++) {
		assert_int_equal(a->repeats[i].target_cpu_ns.valid,
				 b->repeats[i].target_cpu_ns.valid);
		assert_int_equal(a->repeats[i].target_cpu_ns.value,
				 b->repeats[i].target_cpu_ns.value);
	}
	assert_int_equal(a->run.has_sampled, b->run.has_sampled);
	for (i = 0; i < nr_sampled_fields && a->run.has_sampled; i++) {
		key = field_differs(&sampled_fields[i], &a->run, &b->run, NULL, NULL);
		if (key)
			fail_msg("%s: sampled.%s differs when read back", variant, key);
	}
	assert_int_equal(a->run.nr_rings, b->run.nr_rings);
	for (i = 0; i < a->run.nr_rings; i++) {
		const struct model_ring *ra = &a->run.rings[i], *rb = &b->run.rings[i];

		assert_int_equal(ra->exact, rb->exact);
		assert_int_equal(ra->owner_other_cpu.valid && ra->has_owner_share,
				 rb->owner_other_cpu.valid && rb->has_owner_share);
		if (ra->has_owner_share)
			assert_int_equal(ra->owner_other_cpu.value, rb->owner_other_cpu.value);
		for (j = 0; j < nr_ring_fields; j++) {
			key = field_differs(&ring_fields[j], ra, rb, ra, rb);
			if (key)
				fail_msg("%s: rings[%zu].%s differs when read back", variant, i, key);
		}
	}
}

/* A variant's stacks as folded lines (weighed as --weight's default) and as pprof. */
static void save_stack_outputs(const char *dir, const char *variant, const struct report *rep,
			       bool addresses)
{
	struct stack_set stacks = {};
	struct folded_line *lines = NULL;
	char tmpl[] = "/tmp/golden-pprof.XXXXXX", path[64], name[64], why[256];
	struct run_model m;
	enum weight w;
	size_t nr = 0, len = 0;
	char *buf = NULL;
	FILE *f;

	golden_stacks(&stacks);
	assert_int_equal(model_from_report(rep, addresses, &m), 0);
	m.stacks = &stacks;
	if (!weight_resolve(&m, WEIGHT_DEFAULT, &w, why, sizeof(why))) {
		assert_int_equal(folded_build(&m, w, true, &lines, &nr), 0);
		f = open_memstream(&buf, &len);
		assert_int_equal(folded_write(f, lines, nr), 0);
		assert_int_equal(fclose(f), 0);
		snprintf(name, sizeof(name), "%s.folded", variant);
		save(dir, name, buf, len);
		free(buf);
		folded_free(lines, nr);
	}
	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "%s/p.pb.gz", tmpl);
	assert_int_equal(pprof_write(path, &m, addresses), 0);
	buf = (char *)pprof_bytes(path, &len);
	snprintf(name, sizeof(name), "%s.pb", variant);
	save(dir, name, buf, len);
	free(buf);
	unlink(path);
	rmdir(tmpl);
	model_free(&m);
	stack_set_free(&stacks);
}
/* end save_stack_outputs */

static void test_variants(void **state)
{
	const char *dir = getenv("GOLDEN_OUT");
	char name[64], *bad = NULL;
	int v;

	(void)state;
	for (v = 0; v < V_COUNT; v++) {
		struct report *rep = golden_report();
		bool addresses = variant_report(rep, v);
		struct run_model saved = {}, built;
		char *live = NULL, *json, *text = NULL, *om, err[512];
		size_t live_len = 0, text_len = 0, om_len = 0;
		json_t *root;
		FILE *f = open_memstream(&live, &live_len);

		assert_non_null(f);
		report_print_text(f, rep, addresses);
		assert_int_equal(fclose(f), 0);
		root = report_to_json(rep, addresses);
		assert_non_null(root);
		json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		assert_non_null(json);
		if (model_parse_json(json, strlen(json), "golden.json", &saved, err, sizeof(err)))
			fail_msg("%s: the JSON does not read back: %s", variant_names[v], err);
		f = open_memstream(&text, &text_len);
		assert_non_null(f);
		model_print_text(f, &saved);
		assert_int_equal(fclose(f), 0);
		om = expo_render(rep, EXPO_OPENMETRICS, addresses, &om_len);
		assert_non_null(om);
		save_stack_outputs(dir, variant_names[v], rep, addresses);
		snprintf(name, sizeof(name), "%s.txt", variant_names[v]);
		save(dir, name, live, live_len);
		snprintf(name, sizeof(name), "%s.saved.txt", variant_names[v]);
		save(dir, name, text, text_len);
		snprintf(name, sizeof(name), "%s.json", variant_names[v]);
		save(dir, name, json, strlen(json));
		snprintf(name, sizeof(name), "%s.om", variant_names[v]);
		save(dir, name, om, om_len);
		if ((text_len != live_len || memcmp(text, live, live_len)) && !bad)
			bad = strdup(variant_names[v]);
		assert_int_equal(model_from_report(rep, addresses, &built), 0);
		assert_same_model(variant_names[v], &built, &saved);
		model_free(&built);
		model_free(&saved);
		json_decref(root);
		free(json);
		free(text);
		free(live);
		free(om);
		free(rep);
	}
	if (bad)
		fail_msg("variant %s: the saved report's text differs from the live one", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_saved_equals_live),
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
