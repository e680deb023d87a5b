// SPDX-License-Identifier: GPL-2.0
/*
 * The model of a live snapshot (struct report): the one place that decides, from the backends
 * that ran and the hooks they got, which figure of a run was measured and by which method.
 * The saved report's reader (json_read.c) fills the same model from the JSON that the writer
 * made of this one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "flags.h"
#include "report.h"

static struct model_count count(bool valid, __u64 value)
{
	return (struct model_count){ .valid = valid, .value = valid ? value : 0 };
}

static struct model_summary summary(bool valid, const struct hist_summary *h)
{
	struct model_summary s = { .valid = valid };

	if (valid)
		s.ns = *h;
	return s;
}

/* A copy of text (never NULL on success); *fail set when out of memory. */
static char *dup(const char *text, bool *fail)
{
	char *s = strdup(text);

	if (!s)
		*fail = true;
	return s;
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

/* The exact backend's per-path figures (with --paths), paths without acquisitions left out. */
static int ring_paths(const struct report *rep, const struct ring_report *r, bool *fail,
		      struct model_ring *m)
{
	bool timed = rep->holds_measured;
	size_t n = 0;
	int p;

	if (!m->exact || !rep->paths_measured)
		return 0;
	for (p = 0; p < PATH_COUNT; p++)
		n += r->paths[p].acquisitions != 0;
	if (!n)
		return 0;
	m->paths = calloc(n, sizeof(*m->paths));
	if (!m->paths)
		return -ENOMEM;
	for (p = 0; p < PATH_COUNT; p++) {
		const struct path_totals *t = &r->paths[p];
		struct model_path *mp = &m->paths[m->nr_paths];

		if (!t->acquisitions)
			continue;
		m->nr_paths++;
		mp->name = dup(path_name(p), fail);
		mp->acquisitions = t->acquisitions;
		mp->wait_ns = count(timed, t->wait_ns);
		mp->hold_ns = count(timed, t->hold_ns);
	}
	return 0;
}

/* Who the ring is: its process, fd, flags, sizes, how it was found. */
static void ring_identity(const struct ring_report *r, bool addresses, bool *fail,
			  struct model_ring *m)
{
	char text[256];

	m->pid = (int)r->info.tgid;
	m->fd = r->info.fd;
	m->flags = dup(r->info.setup_flags ? setup_flags_str(r->info.setup_flags, "|", text,
							     sizeof(text)) : "", fail);
	m->comm = strndup(r->info.comm, sizeof(r->info.comm));
	*fail |= !m->comm;
	m->setup_flags = count(true, r->info.setup_flags);
	m->sq_entries = count(true, r->info.sq_entries);
	m->cq_entries = count(true, r->info.cq_entries);
	m->submitter_tid = count(r->submitter_tid, r->submitter_tid);
	m->found_by = dup(source_name(r->info.source), fail);
	m->open_at_end = (struct model_bool){ true, r->open };
	if (addresses) {
		snprintf(text, sizeof(text), "0x%llx", (unsigned long long)r->info.ctx);
		m->ctx = dup(text, fail);
	}
	m->ctx_addr = r->info.ctx;
	m->seen_ns = r->info.seen_ns;
	m->hists = &r->hists;
}

/* The counters backend: SQEs (and how counted), enters, registers, work runs, acquisitions. */
static void ring_counters(const struct report *rep, const struct ring_report *r, bool *fail,
			  struct model_ring *m)
{
	const struct ring_stats *s = &r->sum;
	bool enters = rep->backends[BACKEND_COUNTERS].active && !rep->light;
	const char *method;
	__u64 v;
	bool have = ring_sqes(rep, r, &v, &method);

	m->sqes = count(have, v);
	m->sqes_method = dup(method, fail);
	/* SQ-head counts miss what a ring consumed after the last snapshot that saw it open. */
	m->sqes_complete = (struct model_bool){ true, have && (strcmp(method, "sq_head") ||
							     (r->open && !r->no_fd) || r->ended) };
	m->enters = count(enters, s->enters);
	m->enters_submit = count(enters, s->enters_submit);
	/* A counter whose hook could not run is not measured (its reason says why). */
	m->registers = count(counted(rep, COUNTER_REGISTERS), s->registers);
	m->local_work_runs = count(counted(rep, COUNTER_LOCAL_WORK), s->local_work_runs);
	m->task_work_runs = count(counted(rep, COUNTER_TASK_WORK), s->task_work_runs);
	if (m->exact) {
		m->acquisitions = count(true, s->acquisitions);
		m->acquisitions_method = dup("exact", fail);
	} else if (ring_acquisitions_inferred(rep, r, &v)) {
		m->acquisitions = count(true, v);
		m->acquisitions_method = dup("inferred", fail);
	}
}

/* The contention backend's episodes, waits and owners; the sample backend's estimates. */
static void ring_contention(const struct report *rep, const struct ring_report *r, bool *fail,
			    struct model_ring *m)
{
	const struct ring_stats *s = &r->sum;
	bool contention = rep->backends[BACKEND_CONTENTION].active;
	bool sample = rep->backends[BACKEND_SAMPLE].active;
	struct hist_summary h;

	m->contended = count(contention, s->contended);
	m->spin = count(contention, s->spin);
	m->sleep = count(contention, s->sleep);
	m->interrupted = count(contention, s->interrupted);
	if (contention) {
		ring_wait_summary(r, &h);
		m->wait = summary(true, &h);
	}
	if (contention)
		m->wait_method = dup("contended-only", fail);
	m->owner_samples = count(contention, s->owner_known);
	m->owner_other_cpu = count(contention, s->owner_other_cpu);
	m->has_owner_share = contention && ring_owner_other_cpu_share(r, &m->owner_other_cpu_share);
	m->has_owner_matrix = contention && rep->waiter_paths;
	if (m->has_owner_matrix)
		memcpy(m->owner_matrix, r->contended_by, sizeof(m->owner_matrix));
	m->has_lock_paths = sample;
	if (sample)
		memcpy(m->lock_samples_path, r->lock_samples_path, sizeof(m->lock_samples_path));
	/* Each sample stands for 1/freq of CPU time spent by a task holding the lock. */
	m->sampled_hold_ns = count(sample && rep->freq_hz,
				   rep->freq_hz ? r->samples_held * (1000000000ull / rep->freq_hz) : 0);
}

static int ring_model(const struct report *rep, const struct ring_report *r, bool addresses,
		      struct model_ring *m)
{
	const struct ring_stats *s = &r->sum;
	bool timed = rep->holds_measured, fail = false;
	struct hist_summary h;

	m->exact = rep->backends[BACKEND_EXACT].active;
	ring_identity(r, addresses, &fail, m);
	ring_counters(rep, r, &fail, m);
	ring_contention(rep, r, &fail, m);
	/* The exact backend. Without --holds: counted, not timed, and trylocks not told apart. */
	/* A summary is a pass over the histogram: only those measured. */
	if (m->exact && timed) {
		ring_hold_summary(r, &h);
		m->hold = summary(true, &h);
		ring_acquire_wait_summary(r, &h);
		m->acquire_wait = summary(true, &h);
	}
	m->handoffs = count(m->exact, s->handoffs);
	m->trylocks = count(m->exact && timed, s->trylocks);
	m->trylocks_failed = count(m->exact && timed, s->trylocks_failed);
	if (ring_paths(rep, r, &fail, m) || fail)
		return -ENOMEM;
	return 0;
}

static int run_model_of(const struct report *rep, bool addresses, struct model_run *run)
{
	size_t i, n = 0;

	run->duration_ns = rep->duration_ns;
	run->partial = rep->partial;
	run->exit_status = count(rep->exit_status >= 0, (__u64)rep->exit_status);
	run->target_cpu_ns = count(rep->overhead.target_cpu_rusage, rep->overhead.target_cpu_ns);
	run->has_sampled = rep->backends[BACKEND_SAMPLE].active && rep->freq_hz;
	if (run->has_sampled) {
		run->samples = count(true, rep->samples);
		run->lock_samples = count(true, rep->lock_samples);
		run->freq_hz = count(true, rep->freq_hz);
		run->has_lock_share = rep->samples != 0;
		if (rep->samples)
			run->lock_share = (double)rep->lock_samples / rep->samples;
		run->has_lock_paths = true;
		memcpy(run->lock_samples_path, rep->lock_samples_path,
		       sizeof(run->lock_samples_path));
	}
	for (i = 0; i < rep->nr_rings; i++)
		n += rep->rings[i].info.ctx != 0;
	if (!n)
		return 0;
	run->rings = calloc(n, sizeof(*run->rings));
	if (!run->rings)
		return -ENOMEM;
	for (i = 0; i < rep->nr_rings; i++) {
		if (!rep->rings[i].info.ctx)
			continue;
		run->rings[run->nr_rings].number = i;
		if (ring_model(rep, &rep->rings[i], addresses, &run->rings[run->nr_rings++]))
			return -ENOMEM;
	}
	return model_index_rings(run);
}

static int strings_of(const struct report *rep, struct run_model *m)
{
	bool fail = false;
	size_t i;
	int id;

	m->kernel = dup(rep->kernel, &fail);
	if (rep->label[0])
		m->label = dup(rep->label, &fail);
	if (rep->partial)
		m->partial_reason = dup(rep->partial_reason, &fail);
	if (rep->target_command[0])
		m->target_command = dup(rep->target_command, &fail);
	m->backends = calloc(BACKEND_COUNT, sizeof(*m->backends));
	if (!m->backends)
		return -ENOMEM;
	for (id = 0; id < BACKEND_COUNT; id++) {
		struct model_backend *b = &m->backends[m->nr_backends++];

		b->name = dup(backend_name(id), &fail);
		b->active = rep->backends[id].active;
		b->reason = dup(rep->backends[id].reason, &fail);
	}
	if (rep->nr_opt_ins) {
		m->opt_ins = calloc(rep->nr_opt_ins, sizeof(*m->opt_ins));
		if (!m->opt_ins)
			return -ENOMEM;
	}
	for (i = 0; i < rep->nr_opt_ins; i++) {
		struct model_opt_in *o = &m->opt_ins[m->nr_opt_ins++];

		o->figure = dup(rep->opt_ins[i].figure, &fail);
		o->option = dup(rep->opt_ins[i].option, &fail);
		o->cost = dup(rep->opt_ins[i].cost, &fail);
	}
	return fail ? -ENOMEM : 0;
}

static int lost_and_programs(const struct report *rep, struct run_model *m)
{
	struct lost_count lost[LOST_COUNTERS];
	size_t i, n = report_lost(rep, lost);
	bool fail = false;

	m->lost = calloc(n, sizeof(*m->lost));
	if (!m->lost)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		m->lost[m->nr_lost].name = dup(lost[i].name, &fail);
		m->lost[m->nr_lost++].value = lost[i].value;
	}
	m->has_overhead = true;
	m->overhead = rep->overhead;
	m->has_programs = rep->prog_stats;
	if (rep->prog_stats && rep->nr_programs) {
		m->programs = calloc(rep->nr_programs, sizeof(*m->programs));
		if (!m->programs)
			return -ENOMEM;
	}
	for (i = 0; rep->prog_stats && i < rep->nr_programs; i++) {
		struct model_program *p = &m->programs[m->nr_programs++];

		p->name = dup(rep->programs[i].name, &fail);
		p->runs = rep->programs[i].runs;
		p->run_ns = rep->programs[i].run_ns;
		p->misses = rep->programs[i].misses;
	}
	return fail ? -ENOMEM : 0;
}

int model_from_report(const struct report *live, bool addresses, struct run_model *m)
{
	memset(m, 0, sizeof(*m));
	m->clock_instructions = live->clock_instructions;
	m->paths_measured = !live->backends[BACKEND_EXACT].active || live->paths_measured;
	m->exact_stacks = report_exact_stacks(live);
	m->contention_stacks = live->backends[BACKEND_CONTENTION].active && live->kstacks;
	m->target_all = live->target_all;
	m->target_pid = count(!live->target_all, (__u64)live->target_pid);
	if (strings_of(live, m) || lost_and_programs(live, m) ||
	    run_model_of(live, addresses, &m->run)) {
		model_free(m);
		return -ENOMEM;
	}
	return 0;
}

int model_add_repeat(struct run_model *rep, struct model_run *run)
{
	struct model_run *grown = realloc(rep->repeats, (rep->nr_repeats + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	rep->repeats = grown;
	rep->repeats[rep->nr_repeats++] = *run;
	memset(run, 0, sizeof(*run));
	return 0;
}
