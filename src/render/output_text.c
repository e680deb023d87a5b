// SPDX-License-Identifier: GPL-2.0
/* The human report: a summary table per ring, and the live per-interval table. */
#include <string.h>
#include "output.h"
#include "flags.h"
#include "fmt.h"
#include "stats.h"


static const char *fmt_opt(bool valid, __u64 v, char *buf, size_t size)
{
	if (!valid)
		return "-";
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

static void print_backends(FILE *out, const struct report *rep)
{
	int id;

	fprintf(out, "backends:\n");
	for (id = 0; id < BACKEND_COUNT; id++)
		fprintf(out, "  %-10s %-3s %s\n", backend_name(id),
			rep->backends[id].active ? "on" : "off", rep->backends[id].reason);
}

static void print_lost(FILE *out, const struct report *rep)
{
	struct lost_count lost[LOST_COUNTERS];

	lost_print(out, lost, report_lost(rep, lost));
}

/*
 * The exact backend's acquisitions per kernel path, each with its hold time when timed
 * (--holds): where the lock was taken, else where it was released.
 */
static void print_paths(FILE *out, const struct report *rep, const struct ring_report *r)
{
	char b[32];
	int p;

	fprintf(out, "  paths%s:", !rep->paths_measured ? "" :
		rep->holds_measured ? "" : " (where released)");
	if (!rep->paths_measured)
		fprintf(out, " not measured (--paths adds them)");
	for (p = 0; p < PATH_COUNT && rep->paths_measured; p++) {
		const struct path_totals *t = &r->paths[p];

		if (!t->acquisitions)
			continue;
		fprintf(out, " %s %llu", path_name(p), (unsigned long long)t->acquisitions);
		if (rep->holds_measured)
			fprintf(out, " (hold %s)", fmt_ns(t->hold_ns, b, sizeof(b)));
	}
	fprintf(out, "\n");
}

void report_print_text(FILE *out, const struct report *rep, bool addresses)
{
	bool contention = rep->backends[BACKEND_CONTENTION].active;
	bool counters = rep->backends[BACKEND_COUNTERS].active;
	bool exact = rep->backends[BACKEND_EXACT].active;
	bool enters = counters && !rep->light;
	size_t i, shown = 0;

	fprintf(out, "\nuringlockstat: ");
	if (rep->target_all)
		fprintf(out, "all processes");
	else
		fprintf(out, "pid %d", rep->target_pid);
	if (rep->target_command[0]) {
		fprintf(out, " (");
		fmt_fputs_escaped(rep->target_command, out);
		fprintf(out, ")");
	}
	fprintf(out, ", %.2f s, kernel %s%s\n", rep->duration_ns / 1e9, rep->kernel,
		rep->partial ? ", PARTIAL" : "");
	if (rep->label[0]) {
		fprintf(out, "label: ");
		fmt_fputs_escaped(rep->label, out);
		fputc('\n', out);
	}
	if (rep->partial)
		fprintf(out, "partial: %s\n", rep->partial_reason);
	if (rep->clock_instructions)
		fprintf(out, "%s\n", CLOCK_INSTRUCTIONS_NOTE);
	print_backends(out, rep);

	for (i = 0; i < rep->nr_rings; i++) {
		const struct ring_report *r = &rep->rings[i];
		const struct ring_stats *s = &r->sum;
		char flags[256], b1[32], b2[32], b3[32], b4[32], n1[32], n2[32], n3[32];
		char comm[4 * sizeof(r->info.comm)];
		struct hist_summary wait;
		const char *method;
		__u64 sqes, acq;
		bool have_acq, have_sqes;
		double share;

		if (!r->info.ctx)
			continue;
		shown++;
		have_sqes = ring_sqes(rep, r, &sqes, &method);
		have_acq = ring_acquisitions_inferred(rep, r, &acq);
		/* A process names itself: its comm may hold terminal escapes. */
		fmt_escape(comm, sizeof(comm), r->info.comm);
		fprintf(out, "\nring %zu: pid %u (%s) fd %d flags %s sq %u cq %u", i, r->info.tgid,
			comm, r->info.fd, setup_flags_str(r->info.setup_flags, "|", flags,
								 sizeof(flags)),
			r->info.sq_entries, r->info.cq_entries);
		if (r->submitter_tid)
			fprintf(out, " submitter %u", r->submitter_tid);
		if (addresses)
			fprintf(out, " ctx 0x%llx", (unsigned long long)r->info.ctx);
		fprintf(out, "%s\n", r->open ? "" : " (closed)");
		fprintf(out, "  sqes %s (%s%s)  enters %s  submit enters %s",
			fmt_opt(have_sqes, sqes, n3, sizeof(n3)), method,
			have_sqes && !strcmp(method, "sq_head") && !r->open && !r->ended ?
				", ring closed before the last snapshot: lower bound" : "",
			fmt_opt(enters, s->enters, n1, sizeof(n1)),
			fmt_opt(enters, s->enters_submit, n2, sizeof(n2)));
		/* A counter whose hook could not run is not measured (its reason says why). */
		fprintf(out, "  registers %s  local work runs %s  task work runs %s\n",
			fmt_opt(counters && !(rep->counters_missing & COUNTER_REGISTERS),
				s->registers, n1, sizeof(n1)),
			fmt_opt(counters && !(rep->counters_missing & COUNTER_LOCAL_WORK),
				s->local_work_runs, n2, sizeof(n2)),
			fmt_opt(counters && !(rep->counters_missing & COUNTER_TASK_WORK),
				s->task_work_runs, n3, sizeof(n3)));
		if (exact && rep->holds_measured) {
			struct hist_summary hold;

			ring_hold_summary(r, &hold);
			fprintf(out, "  acquisitions %llu (exact; %llu trylocks, %llu failed trylocks)"
				"  handoffs %llu\n", (unsigned long long)s->acquisitions,
				(unsigned long long)s->trylocks,
				(unsigned long long)s->trylocks_failed,
				(unsigned long long)s->handoffs);
			fprintf(out, "  hold total %s  p50 %s  p90 %s  p99 %s  max %s\n",
				fmt_ns(hold.total, b1, sizeof(b1)), fmt_ns(hold.p50, b2, sizeof(b2)),
				fmt_ns(hold.p90, b3, sizeof(b3)), fmt_ns(hold.p99, b4, sizeof(b4)),
				fmt_ns(hold.max, n1, sizeof(n1)));
			if (have_sqes && sqes)
				fprintf(out, "  held per SQE %.1fns\n",
					(double)hold.total / (double)sqes);
			print_paths(out, rep, r);
		} else if (exact) {
			fprintf(out, "  acquisitions %llu (exact)  handoffs %llu  hold: not measured "
				"(--holds adds it)\n", (unsigned long long)s->acquisitions,
				(unsigned long long)s->handoffs);
			print_paths(out, rep, r);
		} else {
			fprintf(out, "  acquisitions %s%s  hold: needs the exact backend\n",
				fmt_opt(have_acq, acq, n1, sizeof(n1)),
				have_acq ? " (inferred lower bound)" : "");
		}
		if (!contention)
			continue;
		ring_wait_summary(r, &wait);
		fprintf(out, "  contended %llu (spin %llu, sleep %llu, interrupted %llu)",
			(unsigned long long)s->contended, (unsigned long long)s->spin,
			(unsigned long long)s->sleep, (unsigned long long)s->interrupted);
		if (have_sqes && sqes)
			fprintf(out, "  %.4f per SQE", (double)s->contended / (double)sqes);
		fprintf(out, "\n");
		if (!s->contended)
			continue;
		fprintf(out, "  wait (contended only) total %s  p50 %s  p90 %s  p99 %s  max %s\n",
			fmt_ns(wait.total, b1, sizeof(b1)), fmt_ns(wait.p50, b2, sizeof(b2)),
			fmt_ns(wait.p90, b3, sizeof(b3)), fmt_ns(wait.p99, b4, sizeof(b4)),
			fmt_ns(wait.max, n1, sizeof(n1)));
		if (have_sqes && sqes)
			fprintf(out, "  wait per SQE %.1fns\n", (double)wait.total / (double)sqes);
		if (ring_owner_other_cpu_share(r, &share)) {
			double lo, hi;

			stats_wilson95(s->owner_other_cpu, s->owner_known, &lo, &hi);
			fprintf(out, "  lock owner on another CPU in %.1f%% of contended episodes "
				"(95%% interval %s, %llu sampled, 1 in %d)\n", share * 100.0,
				fmt_share_ci(lo, hi, n1, sizeof(n1)),
				(unsigned long long)s->owner_known, OWNER_SAMPLE_EVERY);
		}
		if (rep->waiter_paths)
			owner_matrix_print(out, (const __u64(*)[PATH_COUNT])r->contended_by,
					   s->contended);
	}
	if (!shown)
		fprintf(out, "\nno io_uring rings found in the target\n");
	if (rep->backends[BACKEND_SAMPLE].active && rep->freq_hz) {
		fprintf(out, "\nsampled at %u Hz: %llu samples of the target's threads, %llu in "
			"mutex code called from io_uring", rep->freq_hz,
			(unsigned long long)rep->samples, (unsigned long long)rep->lock_samples);
		if (rep->samples) {
			double lo, hi;
			char b[32];

			stats_wilson95(rep->lock_samples, rep->samples, &lo, &hi);
			fprintf(out, " (lock share %.2f%%, 95%% interval %s)",
				100.0 * rep->lock_samples / rep->samples,
				fmt_share_ci(lo, hi, b, sizeof(b)));
		}
		fprintf(out, "\n");
		lock_paths_print(out, rep->lock_samples_path, rep->samples);
		for (i = 0; i < rep->nr_rings; i++) {
			const struct ring_report *r = &rep->rings[i];
			char b[32], lo_b[32], hi_b[32];
			double lo, hi;

			if (r->info.ctx)
				ring_lock_paths_print(out, i, r->lock_samples_path, rep->samples);
			if (!r->info.ctx || !r->samples_held)
				continue;
			fprintf(out, "  ring %zu: lock held in %llu samples (~%s", i,
				(unsigned long long)r->samples_held,
				fmt_ns(r->samples_held * (1000000000ull / rep->freq_hz), b, sizeof(b)));
			if (sampled_hold_ci95(r->samples_held, rep->samples, rep->freq_hz, &lo, &hi))
				fprintf(out, ", 95%% interval %s-%s", fmt_ns(lo, lo_b, sizeof(lo_b)),
					fmt_ns(hi, hi_b, sizeof(hi_b)));
			fprintf(out, ", estimate)\n");
		}
	}
	fprintf(out, "\n");
	print_lost(out, rep);
	overhead_print(out, &rep->overhead, rep->duration_ns);
	if (rep->prog_stats) {
		fprintf(out, "\n%-24s %14s %16s %10s %10s\n", "PROGRAM", "RUNS", "RUN_NS",
			"NS/RUN", "MISSES");
		for (i = 0; i < rep->nr_programs; i++) {
			const struct program_cost *c = &rep->programs[i];

			fprintf(out, "%-24s %14llu %16llu %10.1f %10llu\n", c->name,
				(unsigned long long)c->runs, (unsigned long long)c->run_ns,
				c->runs ? (double)c->run_ns / c->runs : 0.0,
				(unsigned long long)c->misses);
		}
	}
}

/* A per-second rate, or "-" when the figure is not measured in this run. */
static const char *fmt_rate(bool valid, __u64 now, __u64 before, double interval_s, char *buf,
			    size_t size)
{
	if (!valid)
		return "-";
	snprintf(buf, size, "%.0f", (double)(now - before) / interval_s);
	return buf;
}

void report_print_interval(FILE *out, const struct report *rep, struct interval_ring *prev,
			   double interval_s)
{
	bool contention = rep->backends[BACKEND_CONTENTION].active;
	bool enters = rep->backends[BACKEND_COUNTERS].active && !rep->light;
	size_t i;

	fprintf(out, "%-4s %-7s %-4s %-28s %11s %11s %11s %11s %9s\n", "RING", "PID", "FD",
		"FLAGS", "SQES/s", "ENTERS/s", "CONTEND/s", "WAIT/s", "WAIT_AVG");
	for (i = 0; i < rep->nr_rings; i++) {
		const struct ring_report *r = &rep->rings[i];
		struct interval_ring *p = &prev[i];
		char flags[256], avg[32], wait[32], r1[32], r2[32], r3[32];
		__u64 sqes, contended, wait_ns;
		/* A slot reused by a new ring (--expire) starts its rates from 0. */
		bool have_sqes, have_prev = p->ctx && p->ctx == r->info.ctx &&
					   p->seen_ns == r->info.seen_ns;
		const char *method;

		if (!have_prev)
			memset(p, 0, sizeof(*p));
		if (!r->info.ctx)
			continue;
		have_sqes = ring_sqes(rep, r, &sqes, &method);
		contended = r->sum.contended - p->contended;
		wait_ns = r->sum.wait_ns_total - p->wait_ns;
		setup_flags_str(r->info.setup_flags, "|", flags, sizeof(flags));
		fprintf(out, "%-4zu %-7u %-4d %-28.28s %11s %11s %11s %11s %9s\n", i, r->info.tgid,
			r->info.fd, flags,
			fmt_rate(have_sqes, sqes, p->have_sqes ? p->sqes : 0, interval_s, r1,
				 sizeof(r1)),
			fmt_rate(enters, r->sum.enters, p->enters, interval_s, r2, sizeof(r2)),
			fmt_rate(contention, r->sum.contended, p->contended, interval_s, r3,
				 sizeof(r3)),
			contention ? fmt_ns((__u64)(wait_ns / interval_s), wait, sizeof(wait)) : "-",
			contention && contended ? fmt_ns(wait_ns / contended, avg, sizeof(avg)) : "-");
		*p = (struct interval_ring){
			.ctx = r->info.ctx,
			.seen_ns = r->info.seen_ns,
			.have_sqes = have_sqes,
			.sqes = have_sqes ? sqes : 0,
			.enters = r->sum.enters,
			.contended = r->sum.contended,
			.wait_ns = r->sum.wait_ns_total,
		};
	}
	fflush(out);
}
