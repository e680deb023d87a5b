// SPDX-License-Identifier: GPL-2.0
/*
 * Read a saved JSON report back (jansson), checking every field compare and report use: a
 * report is evidence in a CI gate, so a damaged one must stop the gate with a precise reason
 * rather than be half-read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "fmt.h"
#include "json_read.h"
#include "json_get.h"
#include "report.h"


/* "clock": "wall" or "instructions"; reports written before it have none (wall). */
static int read_clock(struct reader *r, json_t *root, struct saved_report *rep)
{
	char *clock;
	int ret = 0;

	if (jr_get_string(r, root, "clock", "", 0, &clock))
		return -1;
	if (clock && !strcmp(clock, "instructions"))
		rep->clock_instructions = true;
	else if (clock && strcmp(clock, "wall"))
		ret = jr_fail(r, "", "clock", "\"%s\" is neither \"wall\" nor \"instructions\"",
			      clock);
	free(clock);
	return ret;
}

static int read_paths(struct reader *r, json_t *obj, const char *where, struct saved_ring *ring)
{
	const char *name;
	json_t *paths, *p;
	char w[192];
	size_t i = 0;
	int ret;

	paths = jr_get_object(r, obj, "paths", where, F_NULLABLE, &ret);
	if (!paths)
		return ret;
	ring->has_paths = true;
	if (!json_object_size(paths))
		return 0;
	ring->paths = calloc(json_object_size(paths), sizeof(*ring->paths));
	if (!ring->paths)
		return jr_fail(r, where, "paths", "out of memory");
	jr_sub(w, sizeof(w), where, "paths");
	json_object_foreach(paths, name, p) {
		struct saved_path *sp = &ring->paths[i];
		struct saved_count acq;
		char wp[256];

		/* Counted first, so that saved_report_free() sees every allocation. */
		ring->nr_paths = ++i;
		if (!json_is_object(p))
			return jr_fail(r, w, name, "is %s, want an object", jr_type_name(p));
		sp->name = strdup(name);
		if (!sp->name)
			return jr_fail(r, w, name, "out of memory");
		jr_sub(wp, sizeof(wp), w, name);
		if (jr_get_count(r, p, "acquisitions", wp, F_REQUIRED, &acq) ||
		    jr_get_count(r, p, "contended", wp, F_NULLABLE, &sp->contended) ||
		    jr_get_count(r, p, "wait_ns", wp, F_NULLABLE, &sp->wait_ns) ||
		    jr_get_count(r, p, "hold_ns", wp, F_NULLABLE, &sp->hold_ns))
			return -1;
		sp->acquisitions = acq.value;
	}
	return 0;
}

static int read_flags(struct reader *r, json_t *obj, const char *where, struct saved_ring *ring)
{
	size_t i, len = 1;
	json_t *flags, *f;
	char w[192];
	int ret;

	flags = jr_get_array(r, obj, "flags", where, F_REQUIRED, &ret);
	if (!flags)
		return ret;
	json_array_foreach(flags, i, f) {
		if (!json_is_string(f)) {
			jr_where_fmt(w, sizeof(w), "%s.flags[%zu]", where, i);
			return jr_fail(r, w, NULL, "is %s, want a string", jr_type_name(f));
		}
		len += json_string_length(f) + 1;
	}
	ring->flags = malloc(len);
	if (!ring->flags)
		return jr_fail(r, where, "flags", "out of memory");
	ring->flags[0] = '\0';
	len = 0;
	json_array_foreach(flags, i, f) {
		size_t n = json_string_length(f);

		if (i)
			ring->flags[len++] = '|';
		memcpy(ring->flags + len, json_string_value(f), n);
		len += n;
		ring->flags[len] = '\0';
	}
	return 0;
}

/*
 * A {PATH: samples} object at key (absent from reports of earlier versions, or null): into
 * out (PATH_COUNT counts), *has set when present.
 */
static int read_path_counts(struct reader *r, json_t *obj, const char *key, const char *where,
			    __u64 *out, bool *has)
{
	json_t *by_path, *v;
	const char *name;
	char w[256];
	int ret;

	by_path = jr_get_object(r, obj, key, where, F_NULLABLE, &ret);
	if (!by_path)
		return ret;
	jr_sub(w, sizeof(w), where, key);
	json_object_foreach(by_path, name, v) {
		enum lock_path p = path_by_name(name);
		struct saved_count n;

		if (p == PATH_COUNT)
			return jr_fail(r, w, name, "is not a kernel path this version knows");
		if (jr_get_count(r, by_path, name, w, F_REQUIRED, &n))
			return -1;
		out[p] = n.value;
	}
	*has = true;
	return 0;
}

/*
 * "contention_by_owner" (null without the contention backend; absent from reports of earlier
 * versions): by_waiter_path {PATH: {episodes, owners: {ROLE: episodes}}}.
 */
static int read_owner_matrix(struct reader *r, json_t *obj, const char *where,
			     struct saved_ring *ring)
{
	json_t *top, *by_path, *p, *owners, *v;
	const char *name, *role_name;
	char w[256], wp[320], wo[400];
	int ret;

	top = jr_get_object(r, obj, "contention_by_owner", where, F_NULLABLE, &ret);
	if (!top)
		return ret;
	jr_sub(w, sizeof(w), where, "contention_by_owner");
	by_path = jr_get_object(r, top, "by_waiter_path", w, F_REQUIRED, &ret);
	if (!by_path)
		return -1;
	jr_sub(w, sizeof(w), w, "by_waiter_path");
	json_object_foreach(by_path, name, p) {
		enum lock_path path = path_by_name(name);

		if (path == PATH_COUNT)
			return jr_fail(r, w, name, "is not a kernel path this version knows");
		if (!json_is_object(p))
			return jr_fail(r, w, name, "is %s, want an object", jr_type_name(p));
		jr_sub(wp, sizeof(wp), w, name);
		owners = jr_get_object(r, p, "owners", wp, F_REQUIRED, &ret);
		if (!owners)
			return -1;
		jr_sub(wo, sizeof(wo), wp, "owners");
		json_object_foreach(owners, role_name, v) {
			int role = owner_role_by_name(role_name);
			struct saved_count n;

			if (role == ROLE_COUNT)
				return jr_fail(r, wo, role_name, "is not an owner role this version "
					       "knows");
			if (jr_get_count(r, owners, role_name, wo, F_REQUIRED, &n))
				return -1;
			ring->owner_matrix[role][path] = n.value;
		}
	}
	ring->has_owner_matrix = true;
	return 0;
}

static int read_ring(struct reader *r, json_t *obj, const char *where, struct saved_ring *ring)
{
	const struct {
		const char *key;
		struct saved_count *out;
	} counts[] = {
		{ "sqes", &ring->sqes },
		{ "enters", &ring->enters },
		{ "enters_submit", &ring->enters_submit },
		{ "registers", &ring->registers },
		{ "local_work_runs", &ring->local_work_runs },
		{ "task_work_runs", &ring->task_work_runs },
		{ "acquisitions", &ring->acquisitions },
		{ "contended", &ring->contended },
		{ "spin", &ring->spin },
		{ "sleep", &ring->sleep },
		{ "interrupted", &ring->interrupted },
		{ "owner_samples", &ring->owner_samples },
		{ "handoffs", &ring->handoffs },
		{ "trylocks", &ring->trylocks },
		{ "trylocks_failed", &ring->trylocks_failed },
		{ "sampled_hold_ns", &ring->sampled_hold_ns },
	};
	const struct {
		const char *key;
		char **out;
	} strings[] = {
		{ "comm", &ring->comm },
		{ "found_by", &ring->found_by },
		{ "ctx", &ring->ctx },
		{ "sqes_method", &ring->sqes_method },
		{ "acquisitions_method", &ring->acquisitions_method },
		{ "wait_method", &ring->wait_method },
	};
	size_t i;

	if (!json_is_object(obj))
		return jr_fail(r, where, NULL, "is %s, want an object", jr_type_name(obj));
	if (jr_get_int(r, obj, "pid", where, 0, INT_MAX, &ring->pid) ||
	    jr_get_int(r, obj, "fd", where, -1, INT_MAX, &ring->fd) || read_flags(r, obj, where, ring))
		return -1;
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		if (jr_get_string(r, obj, strings[i].key, where, F_NULLABLE, strings[i].out))
			return -1;
	}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (jr_get_count(r, obj, counts[i].key, where, F_NULLABLE, counts[i].out))
			return -1;
	}
	if (jr_get_count_max(r, obj, "setup_flags", where, F_NULLABLE, UINT32_MAX,
			     &ring->setup_flags) ||
	    jr_get_count_max(r, obj, "sq_entries", where, F_NULLABLE, UINT32_MAX, &ring->sq_entries) ||
	    jr_get_count_max(r, obj, "cq_entries", where, F_NULLABLE, UINT32_MAX, &ring->cq_entries) ||
	    jr_get_count_max(r, obj, "submitter_tid", where, F_NULLABLE, INT_MAX,
			     &ring->submitter_tid) ||
	    jr_get_bool(r, obj, "open_at_end", where, F_NULLABLE, &ring->open_at_end) ||
	    jr_get_bool(r, obj, "sqes_complete", where, F_NULLABLE, &ring->sqes_complete) ||
	    jr_get_share(r, obj, "owner_other_cpu_share", where, &ring->has_owner_share,
		         &ring->owner_other_cpu_share) ||
	    jr_get_summary(r, obj, "wait_ns", where, &ring->wait) ||
	    jr_get_summary(r, obj, "hold_ns", where, &ring->hold) ||
	    jr_get_summary(r, obj, "acquire_wait_ns", where, &ring->acquire_wait))
		return -1;
	if (read_owner_matrix(r, obj, where, ring) ||
	    read_path_counts(r, obj, "sampled_lock_samples_by_path", where, ring->lock_samples_path,
			     &ring->has_lock_paths))
		return -1;
	return read_paths(r, obj, where, ring);
}

static int by_flags_cmp(const void *a, const void *b)
{
	const struct saved_ring *x = *(const struct saved_ring *const *)a;
	const struct saved_ring *y = *(const struct saved_ring *const *)b;
	int c = strcmp(x->flags, y->flags);

	/* Equal flags keep the order of the file: that order is their identity. */
	return c ? c : (x > y) - (x < y);
}

/* Sort the rings by flags and number those with equal flags: compare's matching key. */
static int index_rings(struct reader *r, const char *where, struct saved_run *run)
{
	size_t i;

	run->by_flags = malloc(run->nr_rings * sizeof(*run->by_flags));
	if (!run->by_flags)
		return jr_fail(r, where, "rings", "out of memory");
	for (i = 0; i < run->nr_rings; i++)
		run->by_flags[i] = &run->rings[i];
	qsort(run->by_flags, run->nr_rings, sizeof(*run->by_flags), by_flags_cmp);
	for (i = 1; i < run->nr_rings; i++) {
		if (!strcmp(run->by_flags[i]->flags, run->by_flags[i - 1]->flags))
			run->by_flags[i]->order = run->by_flags[i - 1]->order + 1;
	}
	return 0;
}

const struct saved_ring *saved_run_find(const struct saved_run *run, const char *flags,
					size_t order)
{
	size_t lo = 0, hi = run->nr_rings;

	/* The first ring with these flags, then order places on. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(run->by_flags[mid]->flags, flags) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (order >= run->nr_rings - lo || strcmp(run->by_flags[lo + order]->flags, flags))
		return NULL;
	return run->by_flags[lo + order];
}

/* The fields of one run: the top level (exit status under "target") or a repeat. */

static int read_run(struct reader *r, json_t *obj, const char *where, bool top,
		    struct saved_run *run)
{
	struct saved_count c;
	struct saved_bool partial;
	json_t *rings, *ring, *sampled;
	char w[192];
	size_t i;
	int ret;

	if (jr_get_count(r, obj, "duration_ns", where, F_REQUIRED, &c))
		return -1;
	run->duration_ns = c.value;
	if (jr_get_bool(r, obj, "partial", where, F_OPTIONAL, &partial))
		return -1;
	run->partial = partial.value;
	if (!top && jr_get_count_max(r, obj, "exit_status", where, F_NULLABLE, 255, &run->exit_status))
		return -1;
	sampled = jr_get_object(r, obj, "sampled", where, F_NULLABLE, &ret);
	if (ret)
		return -1;
	if (sampled) {
		jr_sub(w, sizeof(w), where, "sampled");
		run->has_sampled = true;
		if (jr_get_count(r, sampled, "samples", w, F_NULLABLE, &run->samples) ||
		    jr_get_count(r, sampled, "lock_samples", w, F_NULLABLE, &run->lock_samples) ||
		    jr_get_count_max(r, sampled, "freq_hz", w, F_NULLABLE, UINT32_MAX,
				     &run->freq_hz) ||
		    jr_get_share(r, sampled, "lock_share", w, &run->has_lock_share, &run->lock_share) ||
		    read_path_counts(r, sampled, "lock_samples_by_path", w, run->lock_samples_path,
				     &run->has_lock_paths))
			return -1;
	}
	rings = jr_get_array(r, obj, "rings", where, F_REQUIRED, &ret);
	if (!rings)
		return -1;
	if (!json_array_size(rings))
		return 0;
	run->rings = calloc(json_array_size(rings), sizeof(*run->rings));
	if (!run->rings)
		return jr_fail(r, where, "rings", "out of memory");
	json_array_foreach(rings, i, ring) {
		run->nr_rings = i + 1;
		jr_where_fmt(w, sizeof(w), "%s%srings[%zu]", where, where[0] ? "." : "", i);
		if (read_ring(r, ring, w, &run->rings[i]))
			return -1;
	}
	return index_rings(r, where, run);
}

static int read_target(struct reader *r, json_t *root, struct saved_report *rep)
{
	struct saved_bool all;
	json_t *target;
	int ret;

	target = jr_get_object(r, root, "target", "", F_NULLABLE, &ret);
	if (!target)
		return ret;
	if (jr_get_bool(r, target, "all", "target", F_NULLABLE, &all) ||
	    jr_get_count_max(r, target, "pid", "target", F_NULLABLE, INT_MAX, &rep->target_pid) ||
	    jr_get_string(r, target, "command", "target", F_NULLABLE, &rep->target_command) ||
	    jr_get_count_max(r, target, "exit_status", "target", F_NULLABLE, 255,
			     &rep->run.exit_status))
		return -1;
	rep->target_all = all.value;
	return 0;
}

static int read_backends(struct reader *r, json_t *root, struct saved_report *rep)
{
	json_t *backends, *b;
	const char *name;
	char w[192];
	size_t i = 0;
	int ret;

	backends = jr_get_object(r, root, "backends", "", F_NULLABLE, &ret);
	if (!backends || !json_object_size(backends))
		return ret;
	rep->backends = calloc(json_object_size(backends), sizeof(*rep->backends));
	if (!rep->backends)
		return jr_fail(r, "", "backends", "out of memory");
	json_object_foreach(backends, name, b) {
		struct saved_backend *sb = &rep->backends[i];
		struct saved_bool active;

		rep->nr_backends = ++i;
		if (!json_is_object(b))
			return jr_fail(r, "backends", name, "is %s, want an object", jr_type_name(b));
		sb->name = strdup(name);
		if (!sb->name)
			return jr_fail(r, "backends", name, "out of memory");
		jr_sub(w, sizeof(w), "backends", name);
		if (jr_get_bool(r, b, "active", w, F_REQUIRED, &active) ||
		    jr_get_string(r, b, "reason", w, F_NULLABLE, &sb->reason))
			return -1;
		sb->active = active.value;
	}
	return 0;
}

static int read_lost(struct reader *r, json_t *root, struct saved_report *rep)
{
	const char *name;
	json_t *lost, *v;
	size_t i = 0;
	int ret;

	lost = jr_get_object(r, root, "lost", "", F_NULLABLE, &ret);
	if (!lost || !json_object_size(lost))
		return ret;
	rep->lost = calloc(json_object_size(lost), sizeof(*rep->lost));
	if (!rep->lost)
		return jr_fail(r, "", "lost", "out of memory");
	json_object_foreach(lost, name, v) {
		struct saved_counter *c = &rep->lost[i];
		struct saved_count n;

		rep->nr_lost = ++i;
		c->name = strdup(name);
		if (!c->name)
			return jr_fail(r, "lost", name, "out of memory");
		if (jr_get_count(r, lost, name, "lost", F_REQUIRED, &n))
			return -1;
		c->value = n.value;
	}
	return 0;
}

/* The profiler's own cost (absent from older reports); the derived members are not read. */
static int read_overhead(struct reader *r, json_t *root, struct saved_report *rep)
{
	struct saved_count runs, run_ns, cpu, snaps, snap_ns, snap_max;
	struct overhead *o = &rep->overhead;
	char *why = NULL, *source = NULL;
	struct saved_bool measured;
	json_t *obj;
	int ret;

	obj = jr_get_object(r, root, "overhead", "", F_OPTIONAL, &ret);
	if (!obj)
		return ret;
	if (jr_get_bool(r, obj, "measured", "overhead", F_REQUIRED, &measured) ||
	    jr_get_string(r, obj, "reason", "overhead", F_NULLABLE, &why) ||
	    jr_get_count(r, obj, "bpf_runs", "overhead", F_NULLABLE, &runs) ||
	    jr_get_count(r, obj, "bpf_run_ns", "overhead", F_NULLABLE, &run_ns) ||
	    jr_get_count(r, obj, "target_cpu_ns", "overhead", F_NULLABLE, &cpu) ||
	    jr_get_string(r, obj, "target_cpu_source", "overhead", F_NULLABLE, &source) ||
	    jr_get_count(r, obj, "snapshots", "overhead", F_OPTIONAL, &snaps) ||
	    jr_get_count(r, obj, "snapshot_cpu_ns", "overhead", F_OPTIONAL, &snap_ns) ||
	    jr_get_count(r, obj, "snapshot_cpu_ns_max", "overhead", F_OPTIONAL, &snap_max)) {
		free(why);
		free(source);
		return -1;
	}
	rep->has_overhead = true;
	o->measured = measured.value && runs.valid && run_ns.valid;
	o->runs = runs.value;
	o->run_ns = run_ns.value;
	o->target_cpu_ns = cpu.valid ? cpu.value : 0;
	o->snapshots = snaps.valid ? snaps.value : 0;
	o->snapshot_cpu_ns = snap_ns.valid ? snap_ns.value : 0;
	o->snapshot_cpu_ns_max = snap_max.valid ? snap_max.value : 0;
	snprintf(o->why, sizeof(o->why), "%s", why ? why : "not measured");
	snprintf(o->target_cpu_source, sizeof(o->target_cpu_source), "%s",
		 source ? source : "unknown");
	free(why);
	free(source);
	return 0;
}

static int read_programs(struct reader *r, json_t *root, struct saved_report *rep)
{
	json_t *programs, *p;
	const char *name;
	char w[192];
	size_t i = 0;
	int ret;

	programs = jr_get_object(r, root, "programs", "", F_NULLABLE, &ret);
	if (!programs)
		return ret;
	rep->has_programs = true;
	if (!json_object_size(programs))
		return 0;
	rep->programs = calloc(json_object_size(programs), sizeof(*rep->programs));
	if (!rep->programs)
		return jr_fail(r, "", "programs", "out of memory");
	json_object_foreach(programs, name, p) {
		struct saved_program *sp = &rep->programs[i];
		struct saved_count runs, run_ns, misses;

		rep->nr_programs = ++i;
		if (!json_is_object(p))
			return jr_fail(r, "programs", name, "is %s, want an object", jr_type_name(p));
		sp->name = strdup(name);
		if (!sp->name)
			return jr_fail(r, "programs", name, "out of memory");
		jr_sub(w, sizeof(w), "programs", name);
		if (jr_get_count(r, p, "runs", w, F_REQUIRED, &runs) ||
		    jr_get_count(r, p, "run_ns", w, F_REQUIRED, &run_ns) ||
		    jr_get_count(r, p, "misses", w, F_REQUIRED, &misses))
			return -1;
		sp->runs = runs.value;
		sp->run_ns = run_ns.value;
		sp->misses = misses.value;
	}
	return 0;
}

/*
 * The top level repeats run 1, which is also repeats[0]: report shows the top level, compare
 * reads the repeats. A file whose two copies differ (edited, damaged) is refused: either would
 * show figures the other does not.
 */
static int check_first_repeat(struct reader *r, json_t *root, json_t *first,
			      struct saved_report *rep)
{
	const struct saved_run *top = &rep->run, *one = &rep->repeats[0];
	static const char why[] = "differs from the top level's copy of run 1 (the file was "
				  "edited or damaged)";
	json_t *sampled = json_object_get(first, "sampled"), *top_sampled;

	if (!json_equal(json_object_get(root, "rings"), json_object_get(first, "rings")))
		return jr_fail(r, "repeats[0]", "rings", "%s", why);
	if (top->duration_ns != one->duration_ns)
		return jr_fail(r, "repeats[0]", "duration_ns", "%s", why);
	if (top->partial != one->partial)
		return jr_fail(r, "repeats[0]", "partial", "%s", why);
	if (top->exit_status.valid != one->exit_status.valid ||
	    top->exit_status.value != one->exit_status.value)
		return jr_fail(r, "repeats[0]", "exit_status", "%s", why);
	/* Reports of earlier versions keep "sampled" at the top level only. */
	top_sampled = json_object_get(root, "sampled");
	if (sampled && !json_equal(sampled, top_sampled ? top_sampled : json_null()))
		return jr_fail(r, "repeats[0]", "sampled", "%s", why);
	return 0;
}

static int read_repeats(struct reader *r, json_t *root, struct saved_report *rep)
{
	struct saved_count repeat;
	json_t *repeats, *one;
	char w[64];
	size_t i;
	int ret;

	if (jr_get_count_max(r, root, "repeat", "", F_NULLABLE, INT_MAX, &repeat))
		return -1;
	if (repeat.valid && !repeat.value)
		return jr_fail(r, "", "repeat", "0 is out of range [1, %d]", INT_MAX);
	repeats = jr_get_array(r, root, "repeats", "", F_NULLABLE, &ret);
	if (ret)
		return -1;
	if (!repeats) {
		if (repeat.valid && repeat.value != 1)
			return jr_fail(r, "", "repeat", "is %llu but there is no \"repeats\" array",
				       (unsigned long long)repeat.value);
		return 0;
	}
	if (!json_array_size(repeats))
		return jr_fail(r, "", "repeats", "is empty");
	if (repeat.valid && repeat.value != json_array_size(repeats))
		return jr_fail(r, "", "repeat", "is %llu but \"repeats\" holds %zu runs",
			       (unsigned long long)repeat.value, json_array_size(repeats));
	rep->repeats = calloc(json_array_size(repeats), sizeof(*rep->repeats));
	if (!rep->repeats)
		return jr_fail(r, "", "repeats", "out of memory");
	json_array_foreach(repeats, i, one) {
		rep->nr_repeats = i + 1;
		jr_where_fmt(w, sizeof(w), "repeats[%zu]", i);
		if (!json_is_object(one))
			return jr_fail(r, w, NULL, "is %s, want an object", jr_type_name(one));
		if (read_run(r, one, w, false, &rep->repeats[i]))
			return -1;
	}
	return check_first_repeat(r, root, json_array_get(repeats, 0), rep);
}

static int read_root(struct reader *r, json_t *root, struct saved_report *rep)
{
	char *schema = NULL;
	int ret;

	if (!json_is_object(root))
		return jr_fail(r, "top level", NULL, "is %s, want an object", jr_type_name(root));
	if (jr_get_string(r, root, "schema", "", F_REQUIRED, &schema))
		return -1;
	ret = strcmp(schema, REPORT_SCHEMA);
	if (ret)
		jr_fail(r, "", "schema", "\"%s\" is not \"%s\"", schema, REPORT_SCHEMA);
	free(schema);
	if (ret)
		return -1;
	if (jr_get_string(r, root, "kernel", "", F_REQUIRED, &rep->kernel) ||
	    read_clock(r, root, rep) ||
	    jr_get_string(r, root, "label", "", F_NULLABLE, &rep->label) ||
	    jr_get_string(r, root, "partial_reason", "", F_NULLABLE, &rep->partial_reason) ||
	    read_target(r, root, rep) || read_backends(r, root, rep) || read_lost(r, root, rep) ||
	    read_overhead(r, root, rep) || read_programs(r, root, rep) ||
	    read_run(r, root, "", true, &rep->run))
		return -1;
	return read_repeats(r, root, rep);
}

int saved_report_parse(const char *buf, size_t len, const char *name, struct saved_report *rep,
		       char *err, size_t err_size)
{
	struct reader r = { .name = name, .err = err, .err_size = err_size };
	json_error_t jerr;
	json_t *root;
	size_t i;
	int ret;

	memset(rep, 0, sizeof(*rep));
	for (i = 0; i < len && buf[i] && strchr(" \t\r\n", buf[i]); i++)
		;
	if (i == len)
		return jr_fail(&r, "empty file", NULL, "no JSON in it");
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson's words for input that stops early, whatever the token before. */
		if (strstr(jerr.text, "end of file") || strstr(jerr.text, "premature end of input"))
			return jr_fail(&r, "truncated JSON", NULL, "%s", jerr.text);
		return jr_fail(&r, "not valid JSON", NULL, "line %d column %d: %s", jerr.line,
			       jerr.column, jerr.text);
	}
	ret = read_root(&r, root, rep);
	json_decref(root);
	if (ret)
		saved_report_free(rep);
	return ret;
}

static void free_run(struct saved_run *run)
{
	size_t i, j;

	for (i = 0; i < run->nr_rings; i++) {
		struct saved_ring *ring = &run->rings[i];

		free(ring->flags);
		free(ring->comm);
		free(ring->found_by);
		free(ring->ctx);
		free(ring->sqes_method);
		free(ring->acquisitions_method);
		free(ring->wait_method);
		for (j = 0; j < ring->nr_paths; j++)
			free(ring->paths[j].name);
		free(ring->paths);
	}
	free(run->rings);
	free(run->by_flags);
}

void saved_report_free(struct saved_report *rep)
{
	size_t i;

	free(rep->kernel);
	free(rep->label);
	free(rep->partial_reason);
	free(rep->target_command);
	for (i = 0; i < rep->nr_backends; i++) {
		free(rep->backends[i].name);
		free(rep->backends[i].reason);
	}
	free(rep->backends);
	for (i = 0; i < rep->nr_lost; i++)
		free(rep->lost[i].name);
	free(rep->lost);
	for (i = 0; i < rep->nr_programs; i++)
		free(rep->programs[i].name);
	free(rep->programs);
	free_run(&rep->run);
	for (i = 0; i < rep->nr_repeats; i++)
		free_run(&rep->repeats[i]);
	free(rep->repeats);
	memset(rep, 0, sizeof(*rep));
}
