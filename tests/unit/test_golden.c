// SPDX-License-Identifier: GPL-2.0
/*
 * Golden test of the outputs: one run, built in memory with every backend's figures, is
 * rendered as text, JSON, OpenMetrics, Prometheus text, folded stacks, SVG and pprof.
 *
 * - The saved report and the live one are the same run: the JSON read back
 *   (src/model/json_read.c) and rendered by `uringlockstat report` (saved_report_print) gives
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
#include "flamegraph.h"
#include "folded.h"
#include "json_read.h"
#include "output.h"
#include "pprof.h"
#include "proto/profile.pb-c.h"
#include "pprof_read.h"
#include "report.h"
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
		 "the command's rusage");
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
	struct saved_report saved = {};
	char *live, *json, *text = NULL, err[512] = "";
	size_t live_len, json_len, text_len = 0;
	json_t *root;
	FILE *f;

	(void)state;
	live = render_text(rep, &live_len);
	root = report_to_json(rep, false);
	assert_non_null(root);
	json_object_set_new(root, "repeat", json_integer(1));
	json_object_set_new(root, "repeats", json_pack("[{s:O,s:i,s:O,s:O,s:O}]", "duration_ns",
							json_object_get(root, "duration_ns"),
							"exit_status", 0, "partial",
							json_object_get(root, "partial"), "sampled",
							json_object_get(root, "sampled"), "rings",
							json_object_get(root, "rings")));
	json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(json);
	json_len = strlen(json);
	save(dir, "run.txt", live, live_len);
	save(dir, "run.json", json, json_len);
	if (saved_report_parse(json, json_len, "golden.json", &saved, err, sizeof(err)))
		fail_msg("the JSON does not read back: %s", err);
	f = open_memstream(&text, &text_len);
	assert_non_null(f);
	saved_report_print(f, &saved);
	assert_int_equal(fclose(f), 0);
	save(dir, "run.saved.txt", text, text_len);
	if (text_len != live_len || memcmp(text, live, live_len)) {
		size_t i = 0, line = 1;

		while (i < live_len && i < text_len && live[i] == text[i])
			line += live[i++] == '\n';
		fail_msg("saved and live text differ from line %zu:\nlive:  %.120s\nsaved: %.120s",
			 line, live + i - (i && live[i - 1] != '\n' ? 0 : 0), text + i);
	}
	saved_report_free(&saved);
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

	assert_int_equal(folded_build(rep, &stacks, WEIGHT_WAIT, false, &lines, &nr), 0);
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
	assert_int_equal(pprof_write(path, rep, &stacks, false), 0);
	buf = (char *)pprof_bytes(path, &len);
	assert_true(len > 20);
	save(dir, "run.pb", buf, len);
	free(buf);
	unlink(path);
	rmdir(tmpl);
	stack_set_free(&stacks);
	free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_saved_equals_live),
		cmocka_unit_test(test_outputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
