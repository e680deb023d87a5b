// SPDX-License-Identifier: GPL-2.0
/*
 * The text report, from the model of a run (src/model/model.h): live at the end of a run, and
 * for `uringlockstat report RUN.json`, by the same code, so that a saved run prints as it did
 * live. Then the live per-interval table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "flags.h"
#include "fmt.h"
#include "lost.h"
#include "model.h"
#include "report.h"
#include "stats.h"
#include "uringlockstat.h"

/* A count, or "-" when the report has null (the figure was not measured in that run). */
static const char *fmt_opt(const struct model_count *c, char *buf, size_t size)
{
	if (!c->valid)
		return "-";
	snprintf(buf, size, "%llu", (unsigned long long)c->value);
	return buf;
}

static unsigned long long val(const struct model_count *c)
{
	return c->valid ? (unsigned long long)c->value : 0;
}

static const char *str(const char *s)
{
	return s ? s : "?";
}

/*
 * Every text of the file (labels, comm, commands, names) is printed through this: escape
 * sequences or a newline in it would act on the terminal or forge lines of the report.
 */
static void put(FILE *out, const char *s)
{
	fmt_fputs_escaped(str(s), out);
}

static void print_summary(FILE *out, const char *what, const struct hist_summary *h)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32];

	fprintf(out, "  %s total %s  p50 %s  p90 %s  p99 %s  max %s\n", what,
		fmt_ns(h->total, b1, sizeof(b1)), fmt_ns(h->p50, b2, sizeof(b2)),
		fmt_ns(h->p90, b3, sizeof(b3)), fmt_ns(h->p99, b4, sizeof(b4)),
		fmt_ns(h->max, b5, sizeof(b5)));
}

/*
 * The exact backend's acquisitions per kernel path, each with its hold time when timed
 * (--holds): where the lock was taken, else where it was released.
 */
static void print_paths(FILE *out, const struct run_model *rep, const struct model_ring *r)
{
	char b1[32];
	size_t p;

	fprintf(out, "  paths%s:", rep->paths_measured && !r->hold.valid ? " (where released)" : "");
	if (!rep->paths_measured)
		fprintf(out, " not measured (--paths adds them)");
	for (p = 0; p < r->nr_paths; p++) {
		const struct model_path *sp = &r->paths[p];

		fputc(' ', out);
		put(out, sp->name);
		fprintf(out, " %llu", (unsigned long long)sp->acquisitions);
		if (sp->hold_ns.valid)
			fprintf(out, " (hold %s)", fmt_ns(sp->hold_ns.value, b1, sizeof(b1)));
	}
	fprintf(out, "\n");
}

static void print_exact(FILE *out, const struct run_model *rep, const struct model_ring *r,
			bool have_sqes)
{
	char n1[32], n2[32], n3[32], n4[32];

	if (!r->hold.valid) {
		fprintf(out, "  acquisitions %s (exact)  handoffs %s  hold: not measured (--holds "
			"adds it)\n", fmt_opt(&r->acquisitions, n1, sizeof(n1)),
			fmt_opt(&r->handoffs, n2, sizeof(n2)));
		print_paths(out, rep, r);
		return;
	}
	fprintf(out, "  acquisitions %s (exact; %s trylocks, %s failed trylocks)  handoffs %s\n",
		fmt_opt(&r->acquisitions, n1, sizeof(n1)), fmt_opt(&r->trylocks, n2, sizeof(n2)),
		fmt_opt(&r->trylocks_failed, n3, sizeof(n3)),
		fmt_opt(&r->handoffs, n4, sizeof(n4)));
	print_summary(out, "hold", &r->hold.ns);
	if (have_sqes)
		fprintf(out, "  held per SQE %.1fns\n",
			(double)r->hold.ns.total / (double)r->sqes.value);
	print_paths(out, rep, r);
}

static void print_contention(FILE *out, const struct model_ring *r, bool have_sqes)
{
	fprintf(out, "  contended %llu (spin %llu, sleep %llu, interrupted %llu)",
		val(&r->contended), val(&r->spin), val(&r->sleep), val(&r->interrupted));
	if (have_sqes)
		fprintf(out, "  %.4f per SQE", (double)r->contended.value / (double)r->sqes.value);
	fprintf(out, "\n");
	if (!r->contended.value || !r->wait.valid)
		return;
	print_summary(out, "wait (contended only)", &r->wait.ns);
	if (have_sqes)
		fprintf(out, "  wait per SQE %.1fns\n",
			(double)r->wait.ns.total / (double)r->sqes.value);
	if (r->has_owner_share) {
		/* The interval from the counts behind the share, as the live report has it. */
		unsigned long long n = val(&r->owner_samples);
		double lo, hi;
		char b[32];

		if (!stats_wilson95(llround(r->owner_other_cpu_share * n), n, &lo, &hi))
			lo = hi = NAN;
		fprintf(out, "  lock owner on another CPU in %.1f%% of contended episodes "
			"(95%% interval %s, %llu sampled, 1 in %d)\n", r->owner_other_cpu_share * 100.0,
			isnan(lo) ? "-" : fmt_share_ci(lo, hi, b, sizeof(b)), n, OWNER_SAMPLE_EVERY);
	}
	if (r->has_owner_matrix)
		owner_matrix_print(out, (const __u64(*)[PATH_COUNT])r->owner_matrix,
				   val(&r->contended));
}

static void print_ring(FILE *out, const struct run_model *rep, const struct model_ring *r)
{
	char flags[256], n1[32], n2[32], n3[32], n4[32], n5[32], n6[32];
	const char *method = str(r->sqes_method);
	bool have_sqes = r->sqes.valid && r->sqes.value;
	bool closed = r->open_at_end.valid && !r->open_at_end.value;
	/* Counted from SQ heads and not complete (older files: closed). */
	bool lower_bound = r->sqes.valid && !strcmp(method, "sq_head") &&
			   (r->sqes_complete.valid ? !r->sqes_complete.value : closed);
	/* Not complete, yet open: a ring held by a mapping alone, whose SQ head went unread. */
	const char *why = closed ? ", ring closed before the last snapshot: lower bound"
				 : ", SQ head not read by the last snapshot (no fd): lower bound";

	fprintf(out, "\nring %zu: pid %d (", r->number, r->pid);
	put(out, r->comm);
	fprintf(out, ") fd %d flags ", r->fd);
	if (r->setup_flags.valid)
		fputs(setup_flags_str((__u32)r->setup_flags.value, "|", flags, sizeof(flags)), out);
	else
		put(out, r->flags[0] ? r->flags : "none");
	fprintf(out, " sq %s cq %s", fmt_opt(&r->sq_entries, n1, sizeof(n1)),
		fmt_opt(&r->cq_entries, n2, sizeof(n2)));
	if (r->submitter_tid.valid && r->submitter_tid.value)
		fprintf(out, " submitter %llu", val(&r->submitter_tid));
	if (r->ctx) {
		fprintf(out, " ctx ");
		put(out, r->ctx);
	}
	fprintf(out, "%s\n", closed ? " (closed)" : "");
	fprintf(out, "  sqes %s (", fmt_opt(&r->sqes, n1, sizeof(n1)));
	put(out, method);
	fprintf(out, "%s)  enters %s  submit enters %s",
		lower_bound ? why : "",
		fmt_opt(&r->enters, n2, sizeof(n2)), fmt_opt(&r->enters_submit, n3, sizeof(n3)));
	fprintf(out, "  registers %s  local work runs %s  task work runs %s\n",
		fmt_opt(&r->registers, n4, sizeof(n4)),
		fmt_opt(&r->local_work_runs, n5, sizeof(n5)),
		fmt_opt(&r->task_work_runs, n6, sizeof(n6)));
	if (r->exact)
		print_exact(out, rep, r, have_sqes);
	else
		fprintf(out, "  acquisitions %s%s  hold: needs the exact backend\n",
			fmt_opt(&r->acquisitions, n1, sizeof(n1)),
			r->acquisitions.valid ? " (inferred lower bound)" : "");
	if (r->contended.valid)
		print_contention(out, r, have_sqes);
}

/* The sample backend's estimates; per ring, samples = sampled_hold_ns / (1 s / freq). */
static void print_sampled(FILE *out, const struct model_run *run)
{
	__u64 period_ns = model_period_ns(run);
	char b[32];
	size_t i;

	if (!period_ns)
		return;
	fprintf(out, "\nsampled at %llu Hz: %llu samples of the target's threads, %llu in "
		"mutex code called from io_uring", val(&run->freq_hz), val(&run->samples),
		val(&run->lock_samples));
	if (run->has_lock_share) {
		double lo, hi;

		/* From the counts when there are any, as the share was figured. */
		fprintf(out, " (lock share %.2f%%", val(&run->samples) ?
			100.0 * val(&run->lock_samples) / val(&run->samples) :
			100.0 * run->lock_share);
		if (stats_wilson95(val(&run->lock_samples), val(&run->samples), &lo, &hi))
			fprintf(out, ", 95%% interval %s", fmt_share_ci(lo, hi, b, sizeof(b)));
		fprintf(out, ")");
	}
	fprintf(out, "\n");
	if (run->has_lock_paths)
		lock_paths_print(out, run->lock_samples_path, val(&run->samples));
	for (i = 0; i < run->nr_rings && period_ns; i++) {
		const struct model_ring *r = &run->rings[i];
		__u64 held = r->sampled_hold_ns.value / period_ns;
		char lo_b[32], hi_b[32];
		double lo, hi;

		if (r->has_lock_paths)
			ring_lock_paths_print(out, r->number, r->lock_samples_path,
					      val(&run->samples));
		if (!r->sampled_hold_ns.valid || r->sampled_hold_ns.value < period_ns)
			continue;
		fprintf(out, "  ring %zu: lock held in %llu samples (~%s", r->number,
			(unsigned long long)held, fmt_ns(r->sampled_hold_ns.value, b, sizeof(b)));
		if (sampled_hold_ci95(held, val(&run->samples), val(&run->freq_hz), &lo, &hi))
			fprintf(out, ", 95%% interval %s-%s", fmt_ns(lo, lo_b, sizeof(lo_b)),
				fmt_ns(hi, hi_b, sizeof(hi_b)));
		fprintf(out, ", estimate)\n");
	}
}

/* The lost section (lost.c): the counters the model holds. */
static void print_lost(FILE *out, const struct run_model *rep)
{
	struct lost_count *lost;
	size_t i;

	if (!rep->nr_lost) {
		fprintf(out, "lost: not recorded\n");
		return;
	}
	lost = calloc(rep->nr_lost, sizeof(*lost));
	if (!lost) {
		fprintf(out, "lost: (out of memory)\n");
		return;
	}
	for (i = 0; i < rep->nr_lost; i++) {
		lost[i].name = rep->lost[i].name;
		lost[i].value = rep->lost[i].value;
	}
	lost_print(out, lost, rep->nr_lost);
	free(lost);
}

static void print_rings(FILE *out, const struct run_model *rep, const struct model_run *run)
{
	size_t i;

	for (i = 0; i < run->nr_rings; i++)
		print_ring(out, rep, &run->rings[i]);
	if (!run->nr_rings)
		fprintf(out, "\nno io_uring rings found in the target\n");
	print_sampled(out, run);
	fprintf(out, "\n");
}

static void print_target(FILE *out, const struct run_model *rep)
{
	if (rep->target_all)
		fprintf(out, "all processes");
	else if (rep->target_pid.valid)
		fprintf(out, "pid %llu", val(&rep->target_pid));
	else
		fprintf(out, "target not recorded");
	if (rep->target_command) {
		fprintf(out, " (");
		put(out, rep->target_command);
		fprintf(out, ")");
	}
}

/* Run 1: everything the live report shows. */
static void print_first(FILE *out, const struct run_model *rep)
{
	size_t i;

	fprintf(out, "\nuringlockstat: ");
	print_target(out, rep);
	fprintf(out, ", %.2f s, kernel ", rep->run.duration_ns / 1e9);
	put(out, rep->kernel);
	fprintf(out, "%s\n", rep->run.partial ? ", PARTIAL" : "");
	if (rep->label) {
		fprintf(out, "label: ");
		put(out, rep->label);
		fputc('\n', out);
	}
	if (rep->run.partial) {
		fprintf(out, "partial: ");
		put(out, rep->partial_reason);
		fputc('\n', out);
	}
	if (rep->clock_instructions)
		fprintf(out, "%s\n", CLOCK_INSTRUCTIONS_NOTE);
	fprintf(out, "backends:\n");
	for (i = 0; i < rep->nr_backends; i++) {
		char *name = fmt_escape_dup(rep->backends[i].name);

		fprintf(out, "  %-10s %-3s ", name ? name : "?",
			rep->backends[i].active ? "on" : "off");
		put(out, rep->backends[i].reason);
		free(name);
		fputc('\n', out);
	}
	print_rings(out, rep, &rep->run);
	print_lost(out, rep);
	if (rep->has_overhead)
		overhead_print(out, &rep->overhead, rep->run.duration_ns);
	else
		fprintf(out, "profiler cost: not recorded (a report from an older version)\n");
	if (!rep->has_programs)
		return;
	fprintf(out, "\n%-24s %14s %16s %10s %10s\n", "PROGRAM", "RUNS", "RUN_NS", "NS/RUN",
		"MISSES");
	for (i = 0; i < rep->nr_programs; i++) {
		const struct model_program *c = &rep->programs[i];
		char *name = fmt_escape_dup(c->name);

		fprintf(out, "%-24s %14llu %16llu %10.1f %10llu\n", name ? name : "?",
			(unsigned long long)c->runs, (unsigned long long)c->run_ns,
			c->runs ? (double)c->run_ns / c->runs : 0.0, (unsigned long long)c->misses);
		free(name);
	}
}

/* Runs 2..N of --repeat: the report keeps their rings, duration and status only. */
static void print_repeat(FILE *out, const struct run_model *rep, const struct model_run *run)
{
	fprintf(out, "\nuringlockstat: ");
	if (rep->target_command) {
		put(out, rep->target_command);
		fprintf(out, ", ");
	}
	fprintf(out, "%.2f s, kernel ", run->duration_ns / 1e9);
	put(out, rep->kernel);
	fprintf(out, "%s", run->partial ? ", PARTIAL" : "");
	if (run->exit_status.valid)
		fprintf(out, ", exit status %llu", val(&run->exit_status));
	fprintf(out, "\nbackends: as in run 1\n");
	print_rings(out, rep, run);
	fprintf(out, "lost: recorded for run 1 only\n");
}

void model_print_text(FILE *out, const struct run_model *rep)
{
	size_t i;

	if (rep->nr_repeats > 1)
		fprintf(out, "\n== run 1 of %zu", rep->nr_repeats);
	print_first(out, rep);
	for (i = 1; i < rep->nr_repeats; i++) {
		fprintf(out, "\n== run %zu of %zu", i + 1, rep->nr_repeats);
		print_repeat(out, rep, &rep->repeats[i]);
	}
}


/* A per-second rate, or "-" when the figure is not measured in this run. */
static const char *fmt_rate(const struct model_count *c, __u64 before, double interval_s,
			    char *buf, size_t size)
{
	if (!c->valid)
		return "-";
	snprintf(buf, size, "%.0f", (double)(c->value - before) / interval_s);
	return buf;
}

void model_print_interval(FILE *out, const struct model_run *run, struct interval_ring *prev,
			  double interval_s)
{
	size_t i;

	fprintf(out, "%-4s %-7s %-4s %-28s %11s %11s %11s %11s %9s\n", "RING", "PID", "FD",
		"FLAGS", "SQES/s", "ENTERS/s", "CONTEND/s", "WAIT/s", "WAIT_AVG");
	for (i = 0; i < run->nr_rings; i++) {
		const struct model_ring *r = &run->rings[i];
		struct interval_ring *p = &prev[r->number];
		char flags[256], avg[32], wait[32], r1[32], r2[32], r3[32];
		bool contention = r->contended.valid;
		__u64 contended, wait_ns, wait_total = r->wait.ns.total;

		/* A slot reused by a new ring (--expire) starts its rates from 0. */
		if (!(p->ctx && p->ctx == r->ctx_addr && p->seen_ns == r->seen_ns))
			memset(p, 0, sizeof(*p));
		contended = r->contended.value - p->contended;
		wait_ns = wait_total - p->wait_ns;
		setup_flags_str((__u32)r->setup_flags.value, "|", flags, sizeof(flags));
		fprintf(out, "%-4zu %-7u %-4d %-28.28s %11s %11s %11s %11s %9s\n", r->number,
			(unsigned int)r->pid, r->fd, flags,
			fmt_rate(&r->sqes, p->have_sqes ? p->sqes : 0, interval_s, r1, sizeof(r1)),
			fmt_rate(&r->enters, p->enters, interval_s, r2, sizeof(r2)),
			fmt_rate(&r->contended, p->contended, interval_s, r3, sizeof(r3)),
			contention ? fmt_ns((__u64)(wait_ns / interval_s), wait, sizeof(wait)) : "-",
			contention && contended ? fmt_ns(wait_ns / contended, avg, sizeof(avg)) : "-");
		*p = (struct interval_ring){
			.ctx = r->ctx_addr,
			.seen_ns = r->seen_ns,
			.have_sqes = r->sqes.valid,
			.sqes = r->sqes.value,
			.enters = r->enters.value,
			.contended = r->contended.value,
			.wait_ns = wait_total,
		};
	}
	fflush(out);
}
