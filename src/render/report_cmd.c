// SPDX-License-Identifier: GPL-2.0
/*
 * `uringlockstat report RUN.json`: a saved run as the text report. The histograms are not in
 * the JSON, so this renders from its fields, line for line as src/render/output_text.c does live.
 */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_cmd.h"
#include "flags.h"
#include "fmt.h"
#include "lost.h"
#include "report.h"
#include "stats.h"
#include "uringlockstat.h"

#define EXIT_UNUSABLE 2

/* A count, or "-" when the report has null (the figure was not measured in that run). */
static const char *fmt_opt(const struct saved_count *c, char *buf, size_t size)
{
	if (!c->valid)
		return "-";
	snprintf(buf, size, "%llu", (unsigned long long)c->value);
	return buf;
}

static unsigned long long val(const struct saved_count *c)
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

static void print_exact(FILE *out, const struct saved_ring *r, bool have_sqes)
{
	char n1[32], n2[32], n3[32], n4[32], b1[32];
	size_t p;

	fprintf(out, "  acquisitions %s (exact; %s trylocks, %s failed trylocks)  handoffs %s\n",
		fmt_opt(&r->acquisitions, n1, sizeof(n1)), fmt_opt(&r->trylocks, n2, sizeof(n2)),
		fmt_opt(&r->trylocks_failed, n3, sizeof(n3)),
		fmt_opt(&r->handoffs, n4, sizeof(n4)));
	if (r->hold.valid) {
		print_summary(out, "hold", &r->hold.ns);
		if (have_sqes)
			fprintf(out, "  held per SQE %.1fns\n",
				(double)r->hold.ns.total / (double)r->sqes.value);
	} else {
		fprintf(out, "  hold: not measured (--holds adds it)\n");
	}
	/* The report leaves out paths without acquisitions, and has none without --paths. */
	fprintf(out, "  paths:%s",
		r->nr_paths ? "" : " none recorded (or not measured: without --paths)");
	for (p = 0; p < r->nr_paths; p++) {
		const struct saved_path *sp = &r->paths[p];

		fputc(' ', out);
		put(out, sp->name);
		fprintf(out, " %llu", (unsigned long long)sp->acquisitions);
		if (sp->hold_ns.valid)
			fprintf(out, " (hold %s)", fmt_ns(sp->hold_ns.value, b1, sizeof(b1)));
	}
	fprintf(out, "\n");
}

static void print_contention(FILE *out, const struct saved_ring *r, bool have_sqes)
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

static void print_ring(FILE *out, size_t i, const struct saved_ring *r)
{
	char flags[256], n1[32], n2[32], n3[32], n4[32], n5[32], n6[32];
	const char *method = str(r->sqes_method);
	bool have_sqes = r->sqes.valid && r->sqes.value;
	bool exact = r->hold.valid || (r->acquisitions_method &&
				       !strcmp(r->acquisitions_method, "exact"));
	bool closed = r->open_at_end.valid && !r->open_at_end.value;
	/* As the live report: counted from SQ heads and not complete (older files: closed). */
	bool lower_bound = r->sqes.valid && !strcmp(method, "sq_head") &&
			   (r->sqes_complete.valid ? !r->sqes_complete.value : closed);

	fprintf(out, "\nring %zu: pid %d (", i, r->pid);
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
		lower_bound ? ", ring closed before the last snapshot: lower bound" : "",
		fmt_opt(&r->enters, n2, sizeof(n2)), fmt_opt(&r->enters_submit, n3, sizeof(n3)));
	fprintf(out, "  registers %s  local work runs %s  task work runs %s\n",
		fmt_opt(&r->registers, n4, sizeof(n4)),
		fmt_opt(&r->local_work_runs, n5, sizeof(n5)),
		fmt_opt(&r->task_work_runs, n6, sizeof(n6)));
	if (exact)
		print_exact(out, r, have_sqes);
	else
		fprintf(out, "  acquisitions %s%s  hold: needs the exact backend\n",
			fmt_opt(&r->acquisitions, n1, sizeof(n1)),
			r->acquisitions.valid ? " (inferred lower bound)" : "");
	if (r->contended.valid)
		print_contention(out, r, have_sqes);
}

/* The sample backend's estimates; per ring, samples = sampled_hold_ns / (1 s / freq). */
static void print_sampled(FILE *out, const struct saved_run *run)
{
	__u64 period_ns;
	char b[32];
	size_t i;

	if (!run->has_sampled || !run->freq_hz.valid || !run->freq_hz.value)
		return;
	period_ns = 1000000000ull / run->freq_hz.value;
	fprintf(out, "\nsampled at %llu Hz: %llu samples of the target's threads, %llu in "
		"mutex code called from io_uring", val(&run->freq_hz), val(&run->samples),
		val(&run->lock_samples));
	if (run->has_lock_share) {
		double lo, hi;

		fprintf(out, " (lock share %.2f%%", 100.0 * run->lock_share);
		if (stats_wilson95(val(&run->lock_samples), val(&run->samples), &lo, &hi))
			fprintf(out, ", 95%% interval %s", fmt_share_ci(lo, hi, b, sizeof(b)));
		fprintf(out, ")");
	}
	fprintf(out, "\n");
	if (run->has_lock_paths)
		lock_paths_print(out, run->lock_samples_path, val(&run->samples));
	for (i = 0; i < run->nr_rings && period_ns; i++) {
		const struct saved_ring *r = &run->rings[i];
		__u64 held = r->sampled_hold_ns.value / period_ns;
		char lo_b[32], hi_b[32];
		double lo, hi;

		if (r->has_lock_paths)
			ring_lock_paths_print(out, i, r->lock_samples_path, val(&run->samples));
		if (!r->sampled_hold_ns.valid || r->sampled_hold_ns.value < period_ns)
			continue;
		fprintf(out, "  ring %zu: lock held in %llu samples (~%s", i,
			(unsigned long long)held, fmt_ns(r->sampled_hold_ns.value, b, sizeof(b)));
		if (sampled_hold_ci95(held, val(&run->samples), val(&run->freq_hz), &lo, &hi))
			fprintf(out, ", 95%% interval %s-%s", fmt_ns(lo, lo_b, sizeof(lo_b)),
				fmt_ns(hi, hi_b, sizeof(hi_b)));
		fprintf(out, ", estimate)\n");
	}
}

/* The live report's lost section (lost.c), from the saved counters. */
static void print_lost(FILE *out, const struct saved_report *rep)
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

static void print_rings(FILE *out, const struct saved_run *run)
{
	size_t i;

	for (i = 0; i < run->nr_rings; i++)
		print_ring(out, i, &run->rings[i]);
	if (!run->nr_rings)
		fprintf(out, "\nno io_uring rings found in the target\n");
	print_sampled(out, run);
	fprintf(out, "\n");
}

static void print_target(FILE *out, const struct saved_report *rep)
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
static void print_first(FILE *out, const struct saved_report *rep)
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
	print_rings(out, &rep->run);
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
		const struct saved_program *c = &rep->programs[i];
		char *name = fmt_escape_dup(c->name);

		fprintf(out, "%-24s %14llu %16llu %10.1f %10llu\n", name ? name : "?",
			(unsigned long long)c->runs, (unsigned long long)c->run_ns,
			c->runs ? (double)c->run_ns / c->runs : 0.0, (unsigned long long)c->misses);
		free(name);
	}
}

/* Runs 2..N of --repeat: the report keeps their rings, duration and status only. */
static void print_repeat(FILE *out, const struct saved_report *rep, const struct saved_run *run)
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
	print_rings(out, run);
	fprintf(out, "lost: recorded for run 1 only\n");
}

void saved_report_print(FILE *out, const struct saved_report *rep)
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

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: uringlockstat report RUN.json\n"
		"\n"
		"Print a report saved with --json as the text report uringlockstat prints\n"
		"live: backends, every ring's SQEs, enters, acquisitions, contention, wait\n"
		"and hold times, paths, sampled estimates, and what was lost. Histograms are\n"
		"not saved: the percentiles are the saved ones. With --repeat, every run\n"
		"follows the first one.\n"
		"\n"
		"Options:\n"
		"  -h, --help   this text\n"
		"\n"
		"Exit status: 0, or 2 for a usage error or a file that is not a valid\n"
		"report (missing, empty, truncated, not a regular file, over 512 MiB,\n"
		"another schema than uringlockstat/1, a number out of range, a top level\n"
		"that differs from repeats[0]).\n"
		"\n"
		"Examples:\n"
		"  uringlockstat --json run.json -- ./app\n"
		"  uringlockstat report run.json\n"
		"  uringlockstat report artifacts/uringlockstat-nop.json | less\n");
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_usage_error("report", fmt, ap);
	va_end(ap);
	return EXIT_UNUSABLE;
}

int cmd_report(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct saved_report rep;
	char err[512];
	int c;

	/* Our own messages; optind 0 makes glibc start over (the unit tests call us often). */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error("want one report, RUN.json (got %d)", argc - optind);
	if (saved_report_load(argv[optind], &rep, err, sizeof(err))) {
		fprintf(stderr, "uringlockstat: report: %s\n", err);
		return EXIT_UNUSABLE;
	}
	saved_report_print(stdout, &rep);
	fflush(stdout);
	saved_report_free(&rep);
	return 0;
}
