// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the JSON report (schema uringlockstat/1, src/render/output_json.c) and of the figures
 * src/model/report.c derives for it, from a struct report built in memory.
 *
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <jansson.h>
#include "output.h"
#include "report.h"
#include "snapshot.h"
#include "session.h"
#include "flags.h"

#define CTX0 0xffff888012340000ull
#define CTX2 0xffff888056780000ull
#define CTX3 0xffff88809abc0000ull

/* Wait times fed to ring 0's histogram. */
#define NR_WAITS 40
static __u64 waits[NR_WAITS];

static void set_ring(struct ring_report *r, __u32 slot, __u64 ctx, __u32 tgid, __s32 fd,
		     __u32 flags, __u32 sq, __u32 cq, const char *comm)
{
	r->slot = slot;
	r->info.ctx = ctx;
	r->info.tgid = tgid;
	r->info.fd = fd;
	r->info.setup_flags = flags;
	r->info.sq_entries = sq;
	r->info.cq_entries = cq;
	r->info.source = RING_SOURCE_ITERATOR;
	snprintf(r->info.comm, sizeof(r->info.comm), "%s", comm);
	r->open = true;
	r->head_seen = true;
}

/*
 * Four slots, three shown:
 *   0: SINGLE_ISSUER|DEFER_TASKRUN, contended, with a wait histogram
 *   1: a slot whose info was never read (ctx 0): not in the report
 *   2: SQPOLL|SQ_AFF: SQEs only from the SQ head
 *   3: DEFER_TASKRUN plus an unknown bit, fd -1, fewer local runs than submit+getevents
 */
static struct report *make_report(void)
{
	struct report *rep = report_new(4);
	struct ring_report *r;
	struct ring_stats *s;
	int i;

	assert_non_null(rep);
	assert_int_equal(rep->exit_status, -1);
	snprintf(rep->kernel, sizeof(rep->kernel), "6.18.0-test");
	rep->duration_ns = 1500000000ull;
	rep->target_pid = 4242;
	rep->backends[BACKEND_EXACT].active = false;
	snprintf(rep->backends[BACKEND_EXACT].reason, sizeof(rep->backends[0].reason),
		 "not implemented in this version");
	rep->backends[BACKEND_CONTENTION].active = true;
	snprintf(rep->backends[BACKEND_CONTENTION].reason, sizeof(rep->backends[0].reason),
		 "tp_btf on lock:contention_begin/end; contended acquisitions only");
	rep->backends[BACKEND_SAMPLE].active = false;
	snprintf(rep->backends[BACKEND_SAMPLE].reason, sizeof(rep->backends[0].reason),
		 "not requested");
	rep->backends[BACKEND_COUNTERS].active = true;
	snprintf(rep->backends[BACKEND_COUNTERS].reason, sizeof(rep->backends[0].reason),
		 "enters and SQEs from io_uring_enter's exit");
	rep->failures.ring_slots_full = 1;
	rep->failures.tracked_insert = 2;
	rep->failures.waiters_full = 3;
	rep->failures.stats_lookup = 4;
	rep->failures.end_without_begin = 5;
	rep->failures.fd_resolve = 6;
	rep->snapshot_failures = 7;
	rep->nr_rings = 4;

	r = &rep->rings[0];
	set_ring(r, 0, CTX0, 4242, 5, SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN, 256, 512,
		 "server");
	r->submitter_tid = 4243;
	r->sqes_head = 4990;
	s = &r->sum;
	s->enters = 1000;
	s->enters_submit = 800;
	s->enters_submit_getevents = 300;
	s->submit_locked = 790;
	s->sqes_enter = 5000;
	s->registers = 4;
	s->local_work_runs = 350;
	s->task_work_runs = 12;
	s->contended = NR_WAITS;
	s->spin = 30;
	s->sleep = 10;
	s->interrupted = 1;
	s->owner_known = 40;
	s->owner_other_cpu = 30;
	for (i = 0; i < NR_WAITS; i++) {
		waits[i] = 500 + (__u64)i * i * 137;
		rep->rings[0].hists.wait[hist_bucket(waits[i])]++;
		s->wait_ns_total += waits[i];
		if (waits[i] > s->wait_ns_max)
			s->wait_ns_max = waits[i];
	}

	/* Slot 1: allocated but never filled; garbage that must not leak out. */
	r = &rep->rings[1];
	r->slot = 1;
	snprintf(r->info.comm, sizeof(r->info.comm), "ghost");
	r->sum.enters = 99;

	r = &rep->rings[2];
	set_ring(r, 2, CTX2, 4242, 7, SETUP_SQPOLL | (1u << 2), 64, 128, "sqpoller");
	r->info.source = RING_SOURCE_CREATE;
	r->sqes_head = 123456;
	s = &r->sum;
	s->enters = 50;
	s->enters_submit = 50;
	s->sqes_enter = 0;
	s->submit_locked = 0;
	s->registers = 2;
	s->local_work_runs = 9;
	s->task_work_runs = 3;

	r = &rep->rings[3];
	set_ring(r, 3, CTX3, 5151, -1, SETUP_DEFER_TASKRUN | (1u << 25), 8, 16, "worker");
	r->info.source = RING_SOURCE_LAZY;
	r->open = false;
	r->sqes_head = 77;
	s = &r->sum;
	s->enters = 20;
	s->enters_submit = 10;
	s->enters_submit_getevents = 8;
	s->submit_locked = 10;
	s->sqes_enter = 80;
	s->registers = 1;
	s->local_work_runs = 5;
	s->contended = 3;
	s->spin = 3;
	r->hists.wait[hist_bucket(1000)] = 3;
	s->wait_ns_total = 3000;
	s->wait_ns_max = 1000;
	return rep;
}

/* ---- accessors that check the type ---- */

static json_t *get(json_t *obj, const char *key)
{
	json_t *v;

	if (!json_is_object(obj))
		fail_msg("looking up '%s' in a non-object", key);
	v = json_object_get(obj, key);
	if (!v)
		fail_msg("key '%s' missing", key);
	return v;
}

static json_int_t get_int(json_t *obj, const char *key)
{
	json_t *v = get(obj, key);

	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer", key);
	return json_integer_value(v);
}

static const char *get_str(json_t *obj, const char *key)
{
	json_t *v = get(obj, key);

	if (!json_is_string(v))
		fail_msg("'%s' is not a string", key);
	return json_string_value(v);
}

static void expect_null(json_t *obj, const char *key)
{
	if (!json_is_null(get(obj, key)))
		fail_msg("'%s' is not null", key);
}

static void expect_int_or_null(json_t *obj, const char *key)
{
	json_t *v = get(obj, key);

	if (!json_is_integer(v) && !json_is_null(v))
		fail_msg("'%s' is neither an integer nor null", key);
}

static json_t *ring_by_ctx_order(json_t *root, size_t i)
{
	json_t *rings = get(root, "rings");

	assert_true(json_is_array(rings));
	assert_true(i < json_array_size(rings));
	return json_array_get(rings, i);
}

/* ---- shape ---- */

static void check_summary_shape(json_t *ring, const char *key)
{
	json_t *h = get(ring, key);
	static const char *const fields[] = { "total", "p50", "p90", "p99", "max" };
	size_t i;

	if (json_is_null(h))
		return;
	if (!json_is_object(h))
		fail_msg("'%s' is neither an object nor null", key);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_int_t v = get_int(h, fields[i]);

		assert_true(v >= 0);
	}
	assert_true(get_int(h, "p50") <= get_int(h, "p90"));
	assert_true(get_int(h, "p90") <= get_int(h, "p99"));
	assert_true(get_int(h, "p99") <= get_int(h, "max"));
}

static void check_ring_shape(json_t *ring)
{
	static const char *const ints[] = { "pid", "fd", "sq_entries", "cq_entries", "sqes" };
	static const char *const int_or_null[] = { "enters", "acquisitions", "contended", "spin",
						   "sleep", "handoffs" };
	json_t *flags = get(ring, "flags"), *method = get(ring, "acquisitions_method"), *v;
	const char *sqes_method;
	size_t i;

	assert_true(json_is_object(ring));
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		get_int(ring, ints[i]);
	for (i = 0; i < sizeof(int_or_null) / sizeof(int_or_null[0]); i++)
		expect_int_or_null(ring, int_or_null[i]);
	assert_true(json_is_array(flags));
	json_array_foreach(flags, i, v)
		assert_true(json_is_string(v));
	if (json_is_string(method))
		assert_true(!strcmp(json_string_value(method), "exact") ||
			    !strcmp(json_string_value(method), "inferred"));
	else
		assert_true(json_is_null(method));
	/* A method exactly when there is a figure. */
	assert_int_equal(json_is_null(method), json_is_null(get(ring, "acquisitions")));
	sqes_method = get_str(ring, "sqes_method");
	assert_true(!strcmp(sqes_method, "enter_return") || !strcmp(sqes_method, "sq_head"));
	check_summary_shape(ring, "wait_ns");
	check_summary_shape(ring, "hold_ns");
	assert_true(json_is_object(get(ring, "paths")));
	assert_true(json_is_string(get(ring, "comm")));
}

static void check_shape(json_t *root)
{
	static const char *const backends[] = { "exact", "contention", "sample", "counters" };
	json_t *b, *lost, *rings, *v;
	const char *key;
	size_t i;

	assert_true(json_is_object(root));
	assert_string_equal(get_str(root, "schema"), "uringlockstat/1");
	get_str(root, "kernel");
	assert_true(get_int(root, "duration_ns") >= 0);
	b = get(root, "backends");
	assert_true(json_is_object(b));
	assert_int_equal(json_object_size(b), 4);
	for (i = 0; i < 4; i++) {
		json_t *one = get(b, backends[i]);

		assert_true(json_is_object(one));
		assert_true(json_is_boolean(get(one, "active")));
		get_str(one, "reason");
	}
	lost = get(root, "lost");
	assert_true(json_is_object(lost));
	assert_true(json_object_size(lost) > 0);
	json_object_foreach(lost, key, v) {
		if (!json_is_integer(v))
			fail_msg("lost.%s is not an integer", key);
	}
	rings = get(root, "rings");
	assert_true(json_is_array(rings));
	json_array_foreach(rings, i, v)
		check_ring_shape(v);
}

static void test_top_level(void **state)
{
	struct report *rep = make_report();
	json_t *root = report_to_json(rep, false), *b, *lost;

	(void)state;
	check_shape(root);
	assert_string_equal(get_str(root, "kernel"), "6.18.0-test");
	assert_int_equal(get_int(root, "duration_ns"), 1500000000);
	b = get(root, "backends");
	assert_true(json_is_false(get(get(b, "exact"), "active")));
	assert_true(json_is_true(get(get(b, "contention"), "active")));
	assert_true(json_is_false(get(get(b, "sample"), "active")));
	assert_true(json_is_true(get(get(b, "counters"), "active")));
	assert_string_equal(get_str(get(b, "exact"), "reason"), "not implemented in this version");
	assert_string_equal(get_str(get(b, "sample"), "reason"), "not requested");
	lost = get(root, "lost");
	assert_int_equal(get_int(lost, "ring_slots_full"), 1);
	assert_int_equal(get_int(lost, "tracked_insert"), 2);
	assert_int_equal(get_int(lost, "waiters_full"), 3);
	assert_int_equal(get_int(lost, "stats_lookup"), 4);
	assert_int_equal(get_int(lost, "end_without_begin"), 5);
	assert_int_equal(get_int(lost, "fd_resolve"), 6);
	assert_int_equal(get_int(lost, "snapshot_failures"), 7);
	/* Slot 1 (ctx 0) is left out. */
	assert_int_equal(json_array_size(get(root, "rings")), 3);
	assert_int_equal(get_int(get(root, "target"), "pid"), 4242);
	expect_null(get(root, "target"), "exit_status");
	assert_true(json_is_false(get(root, "partial")));
	expect_null(root, "partial_reason");
	json_decref(root);

	/* A partial run of a command that exited with 3, every process. */
	rep->partial = true;
	snprintf(rep->partial_reason, sizeof(rep->partial_reason), "target exited");
	rep->target_all = true;
	snprintf(rep->target_command, sizeof(rep->target_command), "./app --flag");
	rep->exit_status = 3;
	root = report_to_json(rep, false);
	check_shape(root);
	assert_true(json_is_true(get(root, "partial")));
	assert_string_equal(get_str(root, "partial_reason"), "target exited");
	assert_true(json_is_true(get(get(root, "target"), "all")));
	assert_string_equal(get_str(get(root, "target"), "command"), "./app --flag");
	assert_int_equal(get_int(get(root, "target"), "exit_status"), 3);
	json_decref(root);
	free(rep);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void test_ring_values(void **state)
{
	struct report *rep = make_report();
	json_t *root = report_to_json(rep, false), *r, *flags, *wait;
	struct hist_summary sum;
	__u64 sorted[NR_WAITS];
	json_int_t p;

	(void)state;
	check_shape(root);

	/* Ring 0: DEFER_TASKRUN, counted enters. */
	r = ring_by_ctx_order(root, 0);
	assert_int_equal(get_int(r, "pid"), 4242);
	assert_int_equal(get_int(r, "fd"), 5);
	assert_string_equal(get_str(r, "comm"), "server");
	flags = get(r, "flags");
	assert_int_equal(json_array_size(flags), 2);
	assert_string_equal(json_string_value(json_array_get(flags, 0)), "SINGLE_ISSUER");
	assert_string_equal(json_string_value(json_array_get(flags, 1)), "DEFER_TASKRUN");
	assert_int_equal(get_int(r, "setup_flags"), SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN);
	assert_int_equal(get_int(r, "sq_entries"), 256);
	assert_int_equal(get_int(r, "cq_entries"), 512);
	assert_int_equal(get_int(r, "submitter_tid"), 4243);
	assert_string_equal(get_str(r, "found_by"), "iterator");
	assert_true(json_is_true(get(r, "open_at_end")));
	assert_int_equal(get_int(r, "sqes"), 5000);
	assert_string_equal(get_str(r, "sqes_method"), "enter_return");
	assert_int_equal(get_int(r, "enters"), 1000);
	assert_int_equal(get_int(r, "enters_submit"), 800);
	assert_int_equal(get_int(r, "registers"), 4);
	assert_int_equal(get_int(r, "local_work_runs"), 350);
	assert_int_equal(get_int(r, "task_work_runs"), 12);
	/* 790 submit_locked + 4 registers + (350 - 300) local runs beyond submit+getevents. */
	assert_int_equal(get_int(r, "acquisitions"), 790 + 4 + 50);
	assert_string_equal(get_str(r, "acquisitions_method"), "inferred");
	assert_int_equal(get_int(r, "contended"), NR_WAITS);
	assert_int_equal(get_int(r, "spin"), 30);
	assert_int_equal(get_int(r, "sleep"), 10);
	assert_int_equal(get_int(r, "interrupted"), 1);
	assert_string_equal(get_str(r, "wait_method"), "contended-only");
	assert_true(json_is_real(get(r, "owner_other_cpu_share")));
	assert_true(json_real_value(get(r, "owner_other_cpu_share")) == 0.75);
	expect_null(r, "hold_ns");
	expect_null(r, "handoffs");
	assert_int_equal(json_object_size(get(r, "paths")), 0);
	wait = get(r, "wait_ns");
	assert_true(json_is_object(wait));
	ring_wait_summary(&rep->rings[0], &sum);
	assert_int_equal(get_int(wait, "total"), sum.total);
	assert_int_equal(get_int(wait, "p50"), sum.p50);
	assert_int_equal(get_int(wait, "p90"), sum.p90);
	assert_int_equal(get_int(wait, "p99"), sum.p99);
	assert_int_equal(get_int(wait, "max"), sum.max);
	assert_int_equal(get_int(wait, "total"), rep->rings[0].sum.wait_ns_total);
	memcpy(sorted, waits, sizeof(sorted));
	qsort(sorted, NR_WAITS, sizeof(sorted[0]), cmp_u64);
	assert_int_equal(get_int(wait, "max"), sorted[NR_WAITS - 1]);
	/* Within 1/16 of the exact ceil(q * 40)-th values: 20th, 36th, 40th. */
	p = get_int(wait, "p50");
	assert_true(llabs(p - (json_int_t)sorted[19]) <= (json_int_t)sorted[19] / 16);
	p = get_int(wait, "p90");
	assert_true(llabs(p - (json_int_t)sorted[35]) <= (json_int_t)sorted[35] / 16);
	p = get_int(wait, "p99");
	assert_true(llabs(p - (json_int_t)sorted[39]) <= (json_int_t)sorted[39] / 16);

	/* Ring 2: SQPOLL, SQEs from the SQ head, no submit acquisitions. */
	r = ring_by_ctx_order(root, 1);
	assert_int_equal(get_int(r, "fd"), 7);
	assert_string_equal(get_str(r, "comm"), "sqpoller");
	flags = get(r, "flags");
	assert_int_equal(json_array_size(flags), 2);
	assert_string_equal(json_string_value(json_array_get(flags, 0)), "SQPOLL");
	assert_string_equal(json_string_value(json_array_get(flags, 1)), "SQ_AFF");
	assert_int_equal(get_int(r, "sqes"), 123456);
	assert_string_equal(get_str(r, "sqes_method"), "sq_head");
	assert_int_equal(get_int(r, "enters"), 50);
	/* Not DEFER_TASKRUN: every local run counts. */
	assert_int_equal(get_int(r, "acquisitions"), 0 + 2 + 9);
	assert_string_equal(get_str(r, "found_by"), "io_uring_create");
	assert_int_equal(get_int(r, "contended"), 0);
	expect_null(r, "owner_other_cpu_share");
	wait = get(r, "wait_ns");
	assert_true(json_is_object(wait));
	assert_int_equal(get_int(wait, "total"), 0);
	assert_int_equal(get_int(wait, "p50"), 0);
	assert_int_equal(get_int(wait, "p99"), 0);
	assert_int_equal(get_int(wait, "max"), 0);

	/* Ring 3: fd -1, an unknown flag, fewer local runs than submit+getevents enters. */
	r = ring_by_ctx_order(root, 2);
	assert_int_equal(get_int(r, "pid"), 5151);
	assert_int_equal(get_int(r, "fd"), -1);
	flags = get(r, "flags");
	assert_int_equal(json_array_size(flags), 2);
	assert_string_equal(json_string_value(json_array_get(flags, 0)), "DEFER_TASKRUN");
	assert_string_equal(json_string_value(json_array_get(flags, 1)), "0x2000000");
	expect_null(r, "submitter_tid");
	assert_string_equal(get_str(r, "found_by"), "event");
	assert_true(json_is_false(get(r, "open_at_end")));
	assert_int_equal(get_int(r, "sqes"), 80);
	assert_int_equal(get_int(r, "acquisitions"), 10 + 1 + 0);
	assert_int_equal(get_int(get(r, "wait_ns"), "p50"), get_int(get(r, "wait_ns"), "max"));
	json_decref(root);
	free(rep);
}

static void test_light(void **state)
{
	struct report *rep = make_report();
	json_t *root, *r;
	size_t i;

	(void)state;
	rep->light = true;
	root = report_to_json(rep, false);
	check_shape(root);
	json_array_foreach(get(root, "rings"), i, r) {
		expect_null(r, "enters");
		expect_null(r, "enters_submit");
		expect_null(r, "acquisitions");
		expect_null(r, "acquisitions_method");
		assert_string_equal(get_str(r, "sqes_method"), "sq_head");
		/* register and work-run tracepoints still count in light mode. */
		get_int(r, "registers");
		get_int(r, "local_work_runs");
	}
	assert_int_equal(get_int(ring_by_ctx_order(root, 0), "sqes"), 4990);
	assert_int_equal(get_int(ring_by_ctx_order(root, 2), "sqes"), 77);
	json_decref(root);
	free(rep);
}

static void test_counters_inactive(void **state)
{
	struct report *rep = make_report();
	json_t *root, *r;
	size_t i;

	(void)state;
	rep->backends[BACKEND_COUNTERS].active = false;
	root = report_to_json(rep, false);
	check_shape(root);
	json_array_foreach(get(root, "rings"), i, r) {
		expect_null(r, "enters");
		expect_null(r, "registers");
		expect_null(r, "local_work_runs");
		expect_null(r, "task_work_runs");
		expect_null(r, "acquisitions");
		expect_null(r, "acquisitions_method");
		assert_string_equal(get_str(r, "sqes_method"), "sq_head");
		/* Contention still on. */
		get_int(r, "contended");
	}
	assert_int_equal(get_int(ring_by_ctx_order(root, 0), "sqes"), 4990);
	json_decref(root);
	free(rep);
}

static void test_contention_inactive(void **state)
{
	struct report *rep = make_report();
	json_t *root, *r;
	size_t i;

	(void)state;
	rep->backends[BACKEND_CONTENTION].active = false;
	root = report_to_json(rep, false);
	check_shape(root);
	/* The loop below checks nothing without rings. */
	assert_true(json_array_size(get(root, "rings")) > 0);
	json_array_foreach(get(root, "rings"), i, r) {
		expect_null(r, "contended");
		expect_null(r, "spin");
		expect_null(r, "sleep");
		expect_null(r, "interrupted");
		expect_null(r, "wait_ns");
		expect_null(r, "wait_method");
		expect_null(r, "owner_other_cpu_share");
		/* Counters still on. */
		get_int(r, "enters");
		get_int(r, "acquisitions");
	}
	json_decref(root);
	free(rep);
}

static void test_no_rings(void **state)
{
	struct report *rep = report_new(2);
	json_t *root;

	(void)state;
	assert_non_null(rep);
	root = report_to_json(rep, false);
	check_shape(root);
	assert_int_equal(json_array_size(get(root, "rings")), 0);
	assert_int_equal(get_int(root, "duration_ns"), 0);
	json_decref(root);
	/* Slots that were never filled. */
	rep->nr_rings = 2;
	root = report_to_json(rep, true);
	check_shape(root);
	assert_int_equal(json_array_size(get(root, "rings")), 0);
	json_decref(root);
	free(rep);
}

static void test_addresses(void **state)
{
	struct report *rep = make_report();
	json_t *root, *r;
	char *dump;
	size_t i;

	(void)state;
	root = report_to_json(rep, false);
	json_array_foreach(get(root, "rings"), i, r)
		assert_null(json_object_get(r, "ctx"));
	dump = json_dumps(root, 0);
	assert_non_null(dump);
	/* No kernel address anywhere, in any form. */
	assert_null(strstr(dump, "ffff888"));
	{
		char dec[32];

		snprintf(dec, sizeof(dec), "%llu", (unsigned long long)CTX0);
		assert_null(strstr(dump, dec));
	}
	free(dump);
	json_decref(root);

	root = report_to_json(rep, true);
	check_shape(root);
	assert_string_equal(get_str(ring_by_ctx_order(root, 0), "ctx"), "0xffff888012340000");
	assert_string_equal(get_str(ring_by_ctx_order(root, 1), "ctx"), "0xffff888056780000");
	assert_string_equal(get_str(ring_by_ctx_order(root, 2), "ctx"), "0xffff88809abc0000");
	json_decref(root);
	free(rep);
}

/* Strings with quotes, backslashes, control characters and UTF-8 survive dump -> load. */
static void test_escaping(void **state)
{
	static const char comm[] = "q\"b\\s\n\t\x01\xc3\xa9\xe2\x82\xac"; /* 13 bytes: é € */
	static const char kernel[] = "6.18\"rc\\1\n\t\x01\x1f\x7f "
				     "\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80 end";
	static const char command[] = "./app \"arg with space\" 'x' \\ \xe2\x9c\x93\t\x02";
	static const char reason[] = "why: \"quoted\" \\ back\nslash \xc3\xa9";
	struct report *rep = make_report();
	json_t *root, *loaded;
	json_error_t jerr;
	char *dump;
	size_t i;
	int flags[] = { 0, JSON_COMPACT, JSON_INDENT(2) | JSON_PRESERVE_ORDER, JSON_ENSURE_ASCII };

	(void)state;
	assert_true(sizeof(comm) <= sizeof(rep->rings[0].info.comm));
	assert_true(sizeof(kernel) <= sizeof(rep->kernel));
	memcpy(rep->rings[0].info.comm, comm, sizeof(comm));
	memcpy(rep->rings[3].info.comm, "\x01", 2);
	memcpy(rep->kernel, kernel, sizeof(kernel));
	snprintf(rep->target_command, sizeof(rep->target_command), "%s", command);
	snprintf(rep->backends[BACKEND_SAMPLE].reason, sizeof(rep->backends[0].reason), "%s",
		 reason);
	root = report_to_json(rep, false);
	check_shape(root);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *c;

		dump = json_dumps(root, flags[i]);
		assert_non_null(dump);
		/* Control characters are escaped, never raw (the indent's newlines aside). */
		for (c = dump; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\n')
				fail_msg("raw control character 0x%02x in the JSON", *c);
		loaded = json_loads(dump, 0, &jerr);
		if (!loaded)
			fail_msg("json_loads: %s (line %d)", jerr.text, jerr.line);
		assert_string_equal(get_str(loaded, "kernel"), kernel);
		assert_string_equal(get_str(ring_by_ctx_order(loaded, 0), "comm"), comm);
		assert_string_equal(get_str(ring_by_ctx_order(loaded, 2), "comm"), "\x01");
		assert_string_equal(get_str(get(loaded, "target"), "command"), command);
		assert_string_equal(get_str(get(get(loaded, "backends"), "sample"), "reason"),
				    reason);
		assert_true(json_equal(root, loaded));
		json_decref(loaded);
		free(dump);
	}
	json_decref(root);
	free(rep);
}

/* A comm the kernel cut at 15 bytes in the middle of a UTF-8 sequence. */
static void test_comm_invalid_utf8(void **state)
{
	struct report *rep = make_report();
	json_t *root, *ring;
	const char *comm;

	(void)state;
	/* Seven "é" (14 bytes) and the first byte of an eighth. */
	memcpy(rep->rings[0].info.comm, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	       "\xc3", 16);
	root = report_to_json(rep, false);
	ring = ring_by_ctx_order(root, 0);
	comm = json_string_value(json_object_get(ring, "comm"));
	assert_non_null(comm);
	/* The valid characters stay; the cut byte becomes U+FFFD. */
	assert_string_equal(comm, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    "\xef\xbf\xbd");
	json_decref(root);
	free(rep);
}

/* ---- files ---- */

static char *make_tempdir(void)
{
	char tmpl[] = "/tmp/uringlockstat-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	return strdup(dir);
}

/* Number of entries in dir, "." and ".." aside; name of the last one in first. */
static int dir_entries(const char *dir, char *first, size_t size)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (first)
			snprintf(first, size, "%s", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void remove_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_write_json(void **state)
{
	struct report *rep = make_report();
	char *dir = make_tempdir(), path[512], name[256];
	json_t *expect, *loaded;
	json_error_t jerr;
	struct stat st;
	FILE *f;
	int c;

	(void)state;
	snprintf(path, sizeof(path), "%s/report.json", dir);
	assert_int_equal(report_write_json(rep, path, false), 0);
	loaded = json_load_file(path, 0, &jerr);
	if (!loaded)
		fail_msg("json_load_file: %s (line %d)", jerr.text, jerr.line);
	check_shape(loaded);
	expect = report_to_json(rep, false);
	assert_true(json_equal(expect, loaded));
	assert_null(json_object_get(ring_by_ctx_order(loaded, 0), "ctx"));
	json_decref(loaded);
	json_decref(expect);
	/* Only the report is left: no temporary file. */
	assert_int_equal(dir_entries(dir, name, sizeof(name)), 1);
	assert_string_equal(name, "report.json");
	/* Ends with a newline. */
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, -1, SEEK_END), 0);
	c = fgetc(f);
	fclose(f);
	assert_int_equal(c, '\n');
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* Overwriting an existing report, with addresses this time. */
	rep->duration_ns = 42;
	assert_int_equal(report_write_json(rep, path, true), 0);
	loaded = json_load_file(path, 0, &jerr);
	assert_non_null(loaded);
	expect = report_to_json(rep, true);
	assert_true(json_equal(expect, loaded));
	assert_int_equal(get_int(loaded, "duration_ns"), 42);
	assert_string_equal(get_str(ring_by_ctx_order(loaded, 0), "ctx"), "0xffff888012340000");
	json_decref(loaded);
	json_decref(expect);
	assert_int_equal(dir_entries(dir, NULL, 0), 1);

	remove_tree(dir);
	free(dir);
	free(rep);
}

static void test_write_json_missing_dir(void **state)
{
	struct report *rep = make_report();
	char *dir = make_tempdir(), path[512], missing[256];
	int ret;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	snprintf(path, sizeof(path), "%s/report.json", missing);
	ret = report_write_json(rep, path, false);
	assert_true(ret < 0);
	assert_int_equal(ret, -ENOENT);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_not_equal(access(missing, F_OK), 0);
	assert_int_equal(dir_entries(dir, NULL, 0), 0);
	remove_tree(dir);
	free(dir);
	free(rep);
}

/* Renaming onto a directory fails: the error is returned and the temporary file removed. */
static void test_write_json_onto_directory(void **state)
{
	struct report *rep = make_report();
	char *dir = make_tempdir(), path[512], name[256];
	int ret;

	(void)state;
	snprintf(path, sizeof(path), "%s/isdir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	ret = report_write_json(rep, path, false);
	assert_true(ret < 0);
	assert_int_equal(dir_entries(dir, name, sizeof(name)), 1);
	assert_string_equal(name, "isdir");
	assert_int_equal(dir_entries(path, NULL, 0), 0);
	remove_tree(dir);
	free(dir);
	free(rep);
}

/* Run output_check_writable(path) as an unprivileged user; its result, or 99 on trouble. */
static int check_writable_unprivileged(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512] = "";
		int ret;

		if (geteuid() == 0) {
			/* Root passes access(2) for any directory: become nobody. */
			if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
				_exit(99);
		}
		ret = output_check_writable(path, err, sizeof(err));
		if (ret && (!err[0] || !strstr(err, path)))
			_exit(98); /* failed without a message naming the file */
		_exit(ret < 0 ? 1 : ret == 0 ? 0 : 97);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_check_writable(void **state)
{
	char *dir = make_tempdir(), path[512], ro[256], err[512];
	int fd;

	(void)state;
	/* Writable directory, file absent or present. */
	snprintf(path, sizeof(path), "%s/report.json", dir);
	err[0] = '\0';
	assert_int_equal(output_check_writable(path, err, sizeof(err)), 0);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(output_check_writable(path, err, sizeof(err)), 0);
	unlink(path);

	/* Missing directory: fails with a message naming the file. */
	snprintf(path, sizeof(path), "%s/missing/report.json", dir);
	err[0] = '\0';
	assert_int_equal(output_check_writable(path, err, sizeof(err)), -ENOENT);
	assert_true(err[0] != '\0');
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_int_not_equal(access(path, F_OK), 0);

	/* A small error buffer is not overrun. */
	{
		char small[8];

		memset(small, 'x', sizeof(small));
		assert_true(output_check_writable(path, small, 4) < 0);
		assert_true(memchr(small, '\0', 4) != NULL);
		assert_int_equal(small[4], 'x');
	}

	/* Unwritable directory (as an unprivileged user, since root may write anywhere). */
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	assert_int_equal(mkdir(ro, 0555), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	snprintf(path, sizeof(path), "%s/report.json", ro);
	assert_int_equal(check_writable_unprivileged(path), 1);
	/* An existing file that cannot be written, in a writable directory. */
	snprintf(ro, sizeof(ro), "%s/rw", dir);
	assert_int_equal(mkdir(ro, 0777), 0);
	assert_int_equal(chmod(ro, 0777), 0);
	snprintf(path, sizeof(path), "%s/readonly.json", ro);
	fd = open(path, O_CREAT | O_WRONLY, 0444);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(check_writable_unprivileged(path), 1);
	/* ... and the same directory with a new file is fine. */
	snprintf(path, sizeof(path), "%s/new.json", ro);
	assert_int_equal(check_writable_unprivileged(path), 0);

	remove_tree(dir);
	free(dir);
}

/* --json DIR must fail the early check, not lose the report at the end. */
static void test_check_writable_directory(void **state)
{
	char *dir = make_tempdir(), path[512], err[512] = "";
	int ret;

	(void)state;
	snprintf(path, sizeof(path), "%s/isdir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	ret = output_check_writable(path, err, sizeof(err));
	remove_tree(dir);
	free(dir);
	assert_int_equal(ret, -EISDIR);
	assert_non_null(strstr(err, "Is a directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_ring_values),
		cmocka_unit_test(test_light),
		cmocka_unit_test(test_counters_inactive),
		cmocka_unit_test(test_contention_inactive),
		cmocka_unit_test(test_no_rings),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_comm_invalid_utf8),
		cmocka_unit_test(test_write_json),
		cmocka_unit_test(test_write_json_missing_dir),
		cmocka_unit_test(test_write_json_onto_directory),
		cmocka_unit_test(test_check_writable),
		cmocka_unit_test(test_check_writable_directory),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
