// SPDX-License-Identifier: GPL-2.0
/* The JSON report (schema uringlockstat/1), built with jansson. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "atomic.h"
#include "output.h"
#include "flags.h"
#include "stats.h"

static json_t *json_u64(__u64 v)
{
	/* JSON integers are signed 64-bit in jansson; no counter here comes near 2^63. */
	return json_integer((json_int_t)v);
}

/* A JSON string from bytes that may not be UTF-8 (a comm cut mid-character, argv). */
static json_t *json_text(const char *text)
{
	size_t len = strlen(text), i = 0, o = 0;
	json_t *str;
	char *clean;

	str = json_string(text);
	if (str)
		return str;
	clean = malloc(len * 3 + 1);
	if (!clean)
		return json_null();
	while (i < len) {
		unsigned char c = text[i];
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		json_t *probe = NULL;

		if (n > 1 && i + n <= len)
			probe = json_stringn(text + i, n);
		if (n == 1 || probe) {
			memcpy(clean + o, text + i, n);
			o += n;
			i += n;
		} else {
			/* U+FFFD REPLACEMENT CHARACTER for each byte that is not valid UTF-8. */
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
		json_decref(probe);
	}
	clean[o] = '\0';
	str = json_stringn(clean, o);
	free(clean);
	return str ? str : json_null();
}

/* [lo, hi]: the 95% Wilson interval of k in n, or null when n is 0. */
static json_t *ci95_json(__u64 k, __u64 n)
{
	double lo, hi;

	return stats_wilson95(k, n, &lo, &hi) ? json_pack("[f,f]", lo, hi) : json_null();
}

/* {PATH: count} of the kernel paths with a count (PATH_COUNT counts). */
static json_t *path_counts_json(const __u64 *by_path)
{
	json_t *o = json_object();
	int p;

	for (p = 0; p < PATH_COUNT; p++) {
		if (by_path[p])
			json_object_set_new(o, path_name(p), json_u64(by_path[p]));
	}
	return o;
}

static json_t *flags_json(__u32 flags)
{
	json_t *arr = json_array();
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		const char *name = setup_flag_name(bit);
		char unknown[16];

		if (!(flags & (1u << bit)))
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "0x%x", 1u << bit);
			name = unknown;
		}
		json_array_append_new(arr, json_string(name));
	}
	return arr;
}

static json_t *summary_json(const struct hist_summary *h)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "total", json_u64(h->total), "count",
			 json_u64(h->count), "p50", json_u64(h->p50), "p90", json_u64(h->p90),
			 "p99", json_u64(h->p99), "max", json_u64(h->max));
}

static const char *source_name(__u32 source)
{
	switch (source) {
	case RING_SOURCE_ITERATOR:
		return "iterator";
	case RING_SOURCE_CREATE:
		return "io_uring_create";
	case RING_SOURCE_LAZY:
		return "event";
	default:
		return "unknown";
	}
}

static bool counted(const struct report *rep, enum counter_figure figure)
{
	return rep->backends[BACKEND_COUNTERS].active && !(rep->counters_missing & figure);
}

/*
 * Who blocks whom: the sampled contention episodes (owner and waiter stack read in one of
 * OWNER_SAMPLE_EVERY) by the lock owner's role and by the waiter's kernel path, each share with
 * its 95% interval; per path the owners' episodes and the estimate of all its contended
 * episodes (share times contended).
 */
static json_t *owner_json(const struct ring_report *r)
{
	const __u64(*m)[PATH_COUNT] = (const __u64(*)[PATH_COUNT])r->contended_by;
	__u64 reads = owner_matrix_reads(m);
	json_t *roles = json_object(), *by_path = json_object();
	int role, p;

	for (role = 0; role < ROLE_COUNT; role++) {
		__u64 n = owner_matrix_role(m, role);

		if (!n || role == ROLE_NOT_READ)
			continue;
		json_object_set_new(roles, owner_role_name(role),
				    json_pack("{s:o,s:f,s:o}", "episodes", json_u64(n), "share",
					      (double)n / (double)reads, "ci95", ci95_json(n, reads)));
	}
	for (p = 0; p < PATH_COUNT; p++) {
		__u64 n = owner_matrix_path(m, p);
		json_t *owners;

		if (!n)
			continue;
		owners = json_object();
		for (role = 0; role < ROLE_COUNT; role++) {
			if (m[role][p])
				json_object_set_new(owners, owner_role_name(role),
						    json_u64(m[role][p]));
		}
		json_object_set_new(by_path, path_name(p),
				    json_pack("{s:o,s:f,s:o,s:f,s:o}", "episodes", json_u64(n), "share",
					      (double)n / (double)reads, "ci95", ci95_json(n, reads),
					      "contended_estimate",
					      (double)r->sum.contended * (double)n / (double)reads,
					      "owners", owners));
	}
	return json_pack("{s:i,s:o,s:o,s:o}", "owner_read_every", OWNER_SAMPLE_EVERY,
			 "owner_reads", json_u64(reads), "roles", roles, "by_waiter_path", by_path);
}

static json_t *ring_json(const struct report *rep, const struct ring_report *r, bool addresses)
{
	const struct ring_stats *s = &r->sum;
	bool contention = rep->backends[BACKEND_CONTENTION].active;
	bool counters = rep->backends[BACKEND_COUNTERS].active;
	bool exact = rep->backends[BACKEND_EXACT].active;
	bool enters = counters && !rep->light;
	struct hist_summary wait;
	const char *sqes_method;
	__u64 sqes, acq;
	bool have_sqes = ring_sqes(rep, r, &sqes, &sqes_method);
	double share;
	json_t *o;

	ring_wait_summary(r, &wait);
	o = json_object();
	json_object_set_new(o, "pid", json_integer(r->info.tgid));
	json_object_set_new(o, "comm", json_text(r->info.comm));
	json_object_set_new(o, "fd", json_integer(r->info.fd));
	json_object_set_new(o, "flags", flags_json(r->info.setup_flags));
	json_object_set_new(o, "setup_flags", json_integer(r->info.setup_flags));
	json_object_set_new(o, "sq_entries", json_integer(r->info.sq_entries));
	json_object_set_new(o, "cq_entries", json_integer(r->info.cq_entries));
	json_object_set_new(o, "submitter_tid",
			    r->submitter_tid ? json_integer(r->submitter_tid) : json_null());
	json_object_set_new(o, "found_by", json_string(source_name(r->info.source)));
	json_object_set_new(o, "open_at_end", json_boolean(r->open));
	if (addresses)
		json_object_set_new(o, "ctx", json_sprintf("0x%llx", (unsigned long long)r->info.ctx));
	json_object_set_new(o, "sqes", have_sqes ? json_u64(sqes) : json_null());
	json_object_set_new(o, "sqes_method", json_string(sqes_method));
	/* SQ-head counts miss what a ring consumed after the last snapshot that saw it open. */
	json_object_set_new(o, "sqes_complete",
			    json_boolean(have_sqes && (strcmp(sqes_method, "sq_head") ||
							(r->open && !r->no_fd) || r->ended)));
	json_object_set_new(o, "enters", enters ? json_u64(s->enters) : json_null());
	json_object_set_new(o, "enters_submit", enters ? json_u64(s->enters_submit) : json_null());
	/* A counter whose hook could not run is not measured (its reason says why). */
	json_object_set_new(o, "registers", counted(rep, COUNTER_REGISTERS) ?
			    json_u64(s->registers) : json_null());
	json_object_set_new(o, "local_work_runs", counted(rep, COUNTER_LOCAL_WORK) ?
			    json_u64(s->local_work_runs) : json_null());
	json_object_set_new(o, "task_work_runs", counted(rep, COUNTER_TASK_WORK) ?
			    json_u64(s->task_work_runs) : json_null());
	if (exact) {
		json_object_set_new(o, "acquisitions", json_u64(s->acquisitions));
		json_object_set_new(o, "acquisitions_method", json_string("exact"));
	} else if (ring_acquisitions_inferred(rep, r, &acq)) {
		json_object_set_new(o, "acquisitions", json_u64(acq));
		json_object_set_new(o, "acquisitions_method", json_string("inferred"));
	} else {
		json_object_set_new(o, "acquisitions", json_null());
		json_object_set_new(o, "acquisitions_method", json_null());
	}
	json_object_set_new(o, "contended", contention ? json_u64(s->contended) : json_null());
	json_object_set_new(o, "spin", contention ? json_u64(s->spin) : json_null());
	json_object_set_new(o, "sleep", contention ? json_u64(s->sleep) : json_null());
	json_object_set_new(o, "interrupted", contention ? json_u64(s->interrupted) : json_null());
	json_object_set_new(o, "wait_ns", contention ? summary_json(&wait) : json_null());
	json_object_set_new(o, "wait_method", contention ? json_string("contended-only")
							  : json_null());
	json_object_set_new(o, "owner_samples", contention ? json_u64(s->owner_known) : json_null());
	json_object_set_new(o, "owner_other_cpu_share",
			    contention && ring_owner_other_cpu_share(r, &share) ? json_real(share)
										: json_null());
	json_object_set_new(o, "owner_other_cpu_share_ci95",
			    contention ? ci95_json(s->owner_other_cpu, s->owner_known) : json_null());
	if (rep->backends[BACKEND_SAMPLE].active) {
		__u64 elided = lock_samples_elided(r->lock_samples_path);

		json_object_set_new(o, "sampled_lock_samples_by_path",
				    path_counts_json(r->lock_samples_path));
		json_object_set_new(o, "sampled_elided_lock_share",
				    rep->samples ? json_real((double)elided / rep->samples)
						 : json_null());
		json_object_set_new(o, "sampled_elided_lock_share_ci95",
				    ci95_json(elided, rep->samples));
	} else {
		json_object_set_new(o, "sampled_lock_samples_by_path", json_null());
		json_object_set_new(o, "sampled_elided_lock_share", json_null());
		json_object_set_new(o, "sampled_elided_lock_share_ci95", json_null());
	}
	json_object_set_new(o, "contention_by_owner",
			    contention && rep->waiter_paths ? owner_json(r) : json_null());
	/* Each sample stands for 1/freq of CPU time spent by a task holding the lock. */
	json_object_set_new(o, "sampled_hold_ns",
			    rep->backends[BACKEND_SAMPLE].active && rep->freq_hz
				    ? json_u64(r->samples_held * (1000000000ull / rep->freq_hz))
				    : json_null());
	{
		double lo, hi;

		json_object_set_new(o, "sampled_hold_ns_ci95",
				    rep->backends[BACKEND_SAMPLE].active &&
				    sampled_hold_ci95(r->samples_held, rep->samples, rep->freq_hz,
						      &lo, &hi)
					    ? json_pack("[f,f]", lo, hi) : json_null());
	}
	if (exact) {
		struct hist_summary hold, acquire_wait;
		bool timed = rep->holds_measured;
		json_t *paths = json_object();
		int p;

		ring_hold_summary(r, &hold);
		ring_acquire_wait_summary(r, &acquire_wait);
		/* Without --holds: counted, not timed, and trylocks not told apart. */
		json_object_set_new(o, "hold_ns", timed ? summary_json(&hold) : json_null());
		json_object_set_new(o, "acquire_wait_ns",
				    timed ? summary_json(&acquire_wait) : json_null());
		json_object_set_new(o, "handoffs", json_u64(s->handoffs));
		json_object_set_new(o, "trylocks", timed ? json_u64(s->trylocks) : json_null());
		json_object_set_new(o, "trylocks_failed",
				    timed ? json_u64(s->trylocks_failed) : json_null());
		for (p = 0; p < PATH_COUNT && rep->paths_measured; p++) {
			const struct path_totals *t = &r->paths[p];

			if (!t->acquisitions)
				continue;
			json_object_set_new(paths, path_name(p),
					    json_pack("{s:o,s:n,s:o,s:o}", "acquisitions",
						      json_u64(t->acquisitions), "contended",
						      "wait_ns", timed ? json_u64(t->wait_ns) : json_null(),
						      "hold_ns", timed ? json_u64(t->hold_ns) : json_null()));
		}
		json_object_set_new(o, "paths", paths);
	} else {
		json_object_set_new(o, "hold_ns", json_null());
		json_object_set_new(o, "handoffs", json_null());
		json_object_set_new(o, "paths", json_object());
	}
	return o;
}

/*
 * The profiler's own cost: its BPF programs' runs and run time (kernel.bpf_stats_enabled;
 * the dispatch around each run is not in it), per second, per run, and as a share of the
 * target's CPU time: every one of these but measured and reason is null when not measured.
 * Then the snapshots: how many, and the profiler's CPU time in them (total and the most).
 */
static json_t *overhead_json(const struct report *rep)
{
	const struct overhead *o = &rep->overhead;
	double secs = rep->duration_ns / 1e9;
	json_t *j, *snap;

	if (!o->measured)
		j = json_pack("{s:b,s:s,s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "measured", 0, "reason",
			      o->why[0] ? o->why : "not measured", "bpf_runs", "bpf_run_ns",
			      "ns_per_run", "bpf_ns_per_s", "target_cpu_ns", "target_cpu_source",
			      "share_of_target_cpu");
	else
		j = json_pack("{s:b,s:n,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "measured", 1, "reason",
			      "bpf_runs", json_u64(o->runs), "bpf_run_ns", json_u64(o->run_ns),
			      "ns_per_run", o->runs ? json_real((double)o->run_ns / o->runs) :
			      json_null(),
			      "bpf_ns_per_s", secs > 0 ? json_real(o->run_ns / secs) : json_null(),
			      "target_cpu_ns", o->target_cpu_ns ? json_u64(o->target_cpu_ns) :
			      json_null(),
			      "target_cpu_source", json_text(o->target_cpu_source),
			      "share_of_target_cpu", o->target_cpu_ns ?
			      json_real((double)o->run_ns / o->target_cpu_ns) : json_null());
	/* The snapshots' CPU time in the profiler (user space and its system calls). */
	snap = json_pack("{s:o,s:o,s:o}", "snapshots", json_u64(o->snapshots), "snapshot_cpu_ns",
			 json_u64(o->snapshot_cpu_ns), "snapshot_cpu_ns_max",
			 json_u64(o->snapshot_cpu_ns_max));
	if (j && snap)
		json_object_update(j, snap);
	json_decref(snap);
	return j;
}

/*
 * The sample backend's estimates: the lock share, and its samples by the kernel path that
 * called the lock code, with their sum on the paths SINGLE_ISSUER elision removes.
 */
static json_t *sampled_json(const struct report *rep)
{
	json_t *by_path = path_counts_json(rep->lock_samples_path), *elided_paths = json_array();
	__u64 elided = lock_samples_elided(rep->lock_samples_path);
	int p;

	for (p = 0; p < PATH_COUNT; p++) {
		if (path_elided(p))
			json_array_append_new(elided_paths, json_string(path_name(p)));
	}
	return json_pack("{s:o,s:o,s:o,s:o,s:i,s:s,s:o,s:o,s:o,s:o,s:o}", "samples",
			 json_u64(rep->samples), "lock_samples", json_u64(rep->lock_samples),
			 "lock_share",
			 rep->samples ? json_real((double)rep->lock_samples / rep->samples)
				      : json_null(),
			 "lock_share_ci95", ci95_json(rep->lock_samples, rep->samples), "freq_hz",
			 rep->freq_hz, "method", "sampled estimate", "lock_samples_by_path", by_path,
			 "elided_paths", elided_paths, "elided_lock_samples", json_u64(elided),
			 "elided_lock_share",
			 rep->samples ? json_real((double)elided / rep->samples) : json_null(),
			 "elided_lock_share_ci95", ci95_json(elided, rep->samples));
}

json_t *report_to_json(const struct report *rep, bool addresses)
{
	json_t *root = json_object(), *backends = json_object(), *lost = json_object();
	json_t *rings = json_array(), *target = json_object();
	struct lost_count lost_counts[LOST_COUNTERS];
	size_t i, nr_lost;
	int id;

	json_object_set_new(root, "schema", json_string(REPORT_SCHEMA));
	json_object_set_new(root, "kernel", json_text(rep->kernel));
	json_object_set_new(root, "label", rep->label[0] ? json_text(rep->label) : json_null());
	json_object_set_new(root, "duration_ns", json_u64(rep->duration_ns));
	json_object_set_new(root, "clock",
			    json_string(rep->clock_instructions ? "instructions" : "wall"));
	json_object_set_new(root, "partial", json_boolean(rep->partial));
	json_object_set_new(root, "partial_reason",
			    rep->partial ? json_text(rep->partial_reason) : json_null());
	if (rep->target_all)
		json_object_set_new(target, "all", json_true());
	else
		json_object_set_new(target, "pid", json_integer(rep->target_pid));
	if (rep->target_command[0])
		json_object_set_new(target, "command", json_text(rep->target_command));
	json_object_set_new(target, "exit_status",
			    rep->exit_status >= 0 ? json_integer(rep->exit_status) : json_null());
	json_object_set_new(root, "target", target);
	for (id = 0; id < BACKEND_COUNT; id++)
		json_object_set_new(backends, backend_name(id),
				    json_pack("{s:b,s:s}", "active", rep->backends[id].active,
					      "reason", rep->backends[id].reason));
	json_object_set_new(root, "backends", backends);
	/* Figures left out for their cost: the option that adds each, and what it costs. */
	{
		json_t *opt_in = json_array();

		for (i = 0; i < rep->nr_opt_ins; i++)
			json_array_append_new(opt_in, json_pack("{s:o,s:o,s:o}", "figure",
				json_text(rep->opt_ins[i].figure), "option",
				json_text(rep->opt_ins[i].option), "cost",
				json_text(rep->opt_ins[i].cost)));
		json_object_set_new(root, "opt_in", opt_in);
	}
	nr_lost = report_lost(rep, lost_counts);
	for (i = 0; i < nr_lost; i++)
		json_object_set_new(lost, lost_counts[i].name, json_u64(lost_counts[i].value));
	json_object_set_new(root, "lost", lost);
	if (rep->backends[BACKEND_SAMPLE].active && rep->freq_hz)
		json_object_set_new(root, "sampled", sampled_json(rep));
	else
		json_object_set_new(root, "sampled", json_null());
	json_object_set_new(root, "overhead", overhead_json(rep));
	if (rep->prog_stats) {
		json_t *programs = json_object();

		for (i = 0; i < rep->nr_programs; i++) {
			const struct program_cost *c = &rep->programs[i];

			json_object_set_new(programs, c->name,
					    json_pack("{s:o,s:o,s:o,s:o}", "runs", json_u64(c->runs),
						      "run_ns", json_u64(c->run_ns), "ns_per_run",
						      c->runs ? json_real((double)c->run_ns / c->runs)
							      : json_null(),
						      "misses", json_u64(c->misses)));
		}
		json_object_set_new(root, "programs", programs);
	}
	for (i = 0; i < rep->nr_rings; i++) {
		if (rep->rings[i].info.ctx)
			json_array_append_new(rings, ring_json(rep, &rep->rings[i], addresses));
	}
	json_object_set_new(root, "rings", rings);
	return root;
}

int output_check_writable(const char *path, char *err, size_t err_size)
{
	struct out_file out;
	int ret = out_open(&out, path, err, err_size);

	out_close(&out);
	return ret;
}

static int dump_json(FILE *f, void *root)
{
	return json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', f) == EOF
		       ? -EIO
		       : 0;
}

int json_write_out(json_t *root, struct out_file *out)
{
	return out_write(out, dump_json, root);
}

int report_write_json(const struct report *rep, const char *path, bool addresses)
{
	json_t *root = report_to_json(rep, addresses);
	int ret = atomic_write(path, dump_json, root);

	json_decref(root);
	return ret;
}
