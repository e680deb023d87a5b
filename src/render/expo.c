// SPDX-License-Identifier: GPL-2.0
/*
 * Metric exposition for Prometheus: OpenMetrics 1.0 text, or the Prometheus text format 0.0.4
 * for clients that do not ask for OpenMetrics and for node_exporter's textfile collector.
 * One series per ring and metric, labelled pid, comm, fd and flags; only what the run's
 * backends measured is exposed, so that a missing series means "not measured", never 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "expo.h"
#include "flags.h"

#define NS_PER_S 1000000000ull

/*
 * Histogram boundaries: powers of four nanoseconds from 256 ns to ~17 s. They fall on
 * boundaries of the log-linear buckets the BPF side counts in, so the cumulative counts are
 * exact (a value of exactly 2^k ns counts in the next bucket up).
 */
#define LE_FIRST_LOG2 8
#define LE_LAST_LOG2 34
#define LE_STEP_LOG2 2

const char *expo_content_type(enum expo_format fmt)
{
	return fmt == EXPO_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
				       : "text/plain; version=0.0.4; charset=utf-8";
}

/* Seconds from nanoseconds, exactly: "1.734426547". */
static void print_seconds(FILE *f, __u64 ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / NS_PER_S),
		(unsigned long long)(ns % NS_PER_S));
}

/* A label value: backslash, quote and newline escaped, bytes outside printable ASCII as '?'. */
static void print_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		unsigned char c = *v;

		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else
			fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
	}
}

static void family(FILE *f, enum expo_format fmt, const char *name, const char *type,
		   const char *unit, const char *help)
{
	const char *suffix = !strcmp(type, "counter") ? "_total" : "";
	bool info = !strcmp(type, "info");

	/* An info family "x" has the one sample "x_info"; Prometheus text calls it a gauge. */
	if (info && fmt == EXPO_OPENMETRICS) {
		fprintf(f, "# TYPE %.*s info\n", (int)(strlen(name) - 5), name);
		fprintf(f, "# HELP %.*s %s\n", (int)(strlen(name) - 5), name, help);
		return;
	}
	if (info)
		type = "gauge";
	if (fmt == EXPO_OPENMETRICS) {
		fprintf(f, "# TYPE %s %s\n", name, type);
		if (unit)
			fprintf(f, "# UNIT %s %s\n", name, unit);
		fprintf(f, "# HELP %s %s\n", name, help);
	} else {
		fprintf(f, "# HELP %s%s %s\n", name, suffix, help);
		fprintf(f, "# TYPE %s%s %s\n", name, suffix, type);
	}
}

/* The label set of a ring: pid, comm, fd, flags (and ctx with -v). */
static void ring_labels(FILE *f, const struct ring_report *r, bool show_addresses)
{
	char flags[256];

	setup_flags_str(r->info.setup_flags, "|", flags, sizeof(flags));
	fprintf(f, "pid=\"%u\",comm=\"", r->info.tgid);
	print_label_value(f, r->info.comm);
	fprintf(f, "\",fd=\"%d\",flags=\"%s\"", r->info.fd, flags);
	if (show_addresses)
		fprintf(f, ",ctx=\"0x%llx\"", (unsigned long long)r->info.ctx);
}

/* What one per-ring counter reads; false when the run did not measure it for this ring. */
typedef bool (*ring_value_fn)(const struct report *rep, const struct ring_report *r, __u64 *v,
			      const char **method);

static bool exact_on(const struct report *rep)
{
	return rep->backends[BACKEND_EXACT].active;
}

static bool enters_on(const struct report *rep)
{
	return rep->backends[BACKEND_COUNTERS].active && !rep->light;
}

static bool v_acquisitions(const struct report *rep, const struct ring_report *r, __u64 *v,
			   const char **method)
{
	if (exact_on(rep)) {
		*v = r->sum.acquisitions;
		*method = "exact";
		return true;
	}
	*method = "inferred";
	return ring_acquisitions_inferred(rep, r, v);
}

static bool v_contended(const struct report *rep, const struct ring_report *r, __u64 *v,
			const char **method)
{
	*v = r->sum.contended;
	return rep->backends[BACKEND_CONTENTION].active;
}

static bool v_handoffs(const struct report *rep, const struct ring_report *r, __u64 *v,
		       const char **method)
{
	*v = r->sum.handoffs;
	return exact_on(rep);
}

static bool v_trylocks_failed(const struct report *rep, const struct ring_report *r, __u64 *v,
			      const char **method)
{
	*v = r->sum.trylocks_failed;
	return exact_on(rep) && rep->holds_measured;
}

static bool v_sqes(const struct report *rep, const struct ring_report *r, __u64 *v,
		   const char **method)
{
	return ring_sqes(rep, r, v, method);
}

static bool v_enters(const struct report *rep, const struct ring_report *r, __u64 *v,
		     const char **method)
{
	*v = r->sum.enters;
	return enters_on(rep);
}

static bool v_registers(const struct report *rep, const struct ring_report *r, __u64 *v,
			const char **method)
{
	*v = r->sum.registers;
	/* Absent, not 0, when its hook could not be attached. */
	return rep->backends[BACKEND_COUNTERS].active &&
	       !(rep->counters_missing & COUNTER_REGISTERS);
}

static bool v_local_work(const struct report *rep, const struct ring_report *r, __u64 *v,
			 const char **method)
{
	*v = r->sum.local_work_runs;
	return rep->backends[BACKEND_COUNTERS].active &&
	       !(rep->counters_missing & COUNTER_LOCAL_WORK);
}

static bool v_held_samples(const struct report *rep, const struct ring_report *r, __u64 *v,
			   const char **method)
{
	*v = r->samples_held;
	return rep->backends[BACKEND_SAMPLE].active;
}

static const struct ring_counter {
	const char *name;
	const char *help;
	ring_value_fn value;
} ring_counters[] = {
	{ "uringlockstat_acquisitions", "uring_lock acquisitions (method exact: every one, traced; "
	  "inferred: a lower bound from counted io_uring events).", v_acquisitions },
	{ "uringlockstat_contended", "Contended uring_lock acquisition attempts.", v_contended },
	{ "uringlockstat_handoffs", "Acquisitions on another CPU than the previous release.",
	  v_handoffs },
	{ "uringlockstat_trylocks_failed", "Failed mutex_trylock calls on uring_lock.",
	  v_trylocks_failed },
	{ "uringlockstat_sqes", "SQEs the ring consumed (method enter_return: io_uring_enter's "
	  "return values; sq_head: SQ head snapshots).", v_sqes },
	{ "uringlockstat_enters", "io_uring_enter calls on the ring.", v_enters },
	{ "uringlockstat_registers", "io_uring_register calls on the ring.", v_registers },
	{ "uringlockstat_local_work_runs", "DEFER_TASKRUN local work runs.", v_local_work },
	{ "uringlockstat_held_samples", "CPU samples taken while a task held the ring's "
	  "uring_lock (sample backend).", v_held_samples },
};

/* Which histogram of a ring a family shows. */
enum ring_hist {
	HIST_WAIT,
	HIST_HOLD,
	HIST_ACQUIRE_WAIT,
};

static const struct ring_histogram {
	const char *name;
	const char *help;
	enum ring_hist which;
	enum backend_id backend;
} ring_histograms[] = {
	{ "uringlockstat_wait_seconds", "Time waited in contended uring_lock acquisitions.",
	  HIST_WAIT, BACKEND_CONTENTION },
	{ "uringlockstat_hold_seconds", "Time uring_lock was held, per acquisition.", HIST_HOLD,
	  BACKEND_EXACT },
	{ "uringlockstat_acquire_wait_seconds", "Time from the lock call to owning uring_lock, "
	  "every acquisition.", HIST_ACQUIRE_WAIT, BACKEND_EXACT },
};

static void hist_of(const struct ring_report *r, enum ring_hist which, const __u64 **buckets,
		    __u64 *total_ns)
{
	switch (which) {
	case HIST_WAIT:
		*buckets = r->hists.wait;
		*total_ns = r->sum.wait_ns_total;
		break;
	case HIST_HOLD:
		*buckets = r->hists.hold;
		*total_ns = r->sum.hold_ns_total;
		break;
	default:
		*buckets = r->hists.acquire_wait;
		*total_ns = r->sum.acquire_wait_ns_total;
		break;
	}
}

static void print_histogram(FILE *f, const struct ring_report *r, const struct ring_histogram *h,
			    bool show_addresses)
{
	const __u64 *buckets;
	__u64 total_ns, cumulative = 0;
	__u32 b = 0, e;

	hist_of(r, h->which, &buckets, &total_ns);
	for (e = LE_FIRST_LOG2; e <= LE_LAST_LOG2; e += LE_STEP_LOG2) {
		for (; b < HIST_BUCKETS - 1 && hist_bucket_high(b) <= (1ull << e); b++)
			cumulative += buckets[b];
		fprintf(f, "%s_bucket{", h->name);
		ring_labels(f, r, show_addresses);
		fputs(",le=\"", f);
		print_seconds(f, 1ull << e);
		fprintf(f, "\"} %llu\n", (unsigned long long)cumulative);
	}
	for (; b < HIST_BUCKETS; b++)
		cumulative += buckets[b];
	fprintf(f, "%s_bucket{", h->name);
	ring_labels(f, r, show_addresses);
	fprintf(f, ",le=\"+Inf\"} %llu\n", (unsigned long long)cumulative);
	fprintf(f, "%s_sum{", h->name);
	ring_labels(f, r, show_addresses);
	fputs("} ", f);
	print_seconds(f, total_ns);
	fprintf(f, "\n%s_count{", h->name);
	ring_labels(f, r, show_addresses);
	fprintf(f, "} %llu\n", (unsigned long long)cumulative);
}

static int cmp_label_set(const struct ring_report *a, const struct ring_report *b)
{
	if (a->info.tgid != b->info.tgid)
		return a->info.tgid < b->info.tgid ? -1 : 1;
	if (a->info.fd != b->info.fd)
		return a->info.fd < b->info.fd ? -1 : 1;
	if (a->info.setup_flags != b->info.setup_flags)
		return a->info.setup_flags < b->info.setup_flags ? -1 : 1;
	return strncmp(a->info.comm, b->info.comm, sizeof(a->info.comm));
}

static int cmp_rings(const void *pa, const void *pb)
{
	const struct ring_report *a = *(const struct ring_report *const *)pa;
	const struct ring_report *b = *(const struct ring_report *const *)pb;
	int c = cmp_label_set(a, b);

	if (c)
		return c;
	/* Newest last: it is the one kept. */
	if (a->info.seen_ns != b->info.seen_ns)
		return a->info.seen_ns < b->info.seen_ns ? -1 : 1;
	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

/*
 * The rings to expose, in label order. Two rings with the same label set (a closed ring whose
 * fd a new ring reuses, or two rings found without an fd) would make duplicate series: the
 * newest one stands for both.
 */
static size_t exposed_rings(const struct report *rep, const struct ring_report **out)
{
	size_t i, n = 0, kept = 0;

	for (i = 0; i < rep->nr_rings; i++) {
		if (rep->rings[i].info.ctx)
			out[n++] = &rep->rings[i];
	}
	qsort(out, n, sizeof(out[0]), cmp_rings);
	for (i = 0; i < n; i++) {
		if (i + 1 < n && !cmp_label_set(out[i], out[i + 1]))
			continue;
		out[kept++] = out[i];
	}
	return kept;
}

static void print_lost(FILE *f, enum expo_format fmt, const struct report *rep)
{
	struct lost_count lost[LOST_COUNTERS];
	size_t i, nr = report_lost(rep, lost);

	family(f, fmt, "uringlockstat_lost_events", "counter", NULL,
	       "Events not counted, by reason (see uringlockstat(8), LOST EVENTS).");
	for (i = 0; i < nr; i++)
		fprintf(f, "uringlockstat_lost_events_total{reason=\"%s\"} %llu\n", lost[i].name,
			(unsigned long long)lost[i].value);
}

static void print_run(FILE *f, enum expo_format fmt, const struct report *rep, size_t nr_open,
		      size_t nr_closed)
{
	int id;

	family(f, fmt, "uringlockstat_info", "info", NULL,
	       "The profiler's version and the kernel it runs on.");
	fputs("uringlockstat_info{version=\"0.1\",kernel=\"", f);
	print_label_value(f, rep->kernel);
	fputs("\"} 1\n", f);
	family(f, fmt, "uringlockstat_backend_active", "gauge", NULL,
	       "1 for each backend this run uses, 0 for those it could not.");
	for (id = 0; id < BACKEND_COUNT; id++)
		fprintf(f, "uringlockstat_backend_active{backend=\"%s\"} %d\n", backend_name(id),
			rep->backends[id].active);
	family(f, fmt, "uringlockstat_rings", "gauge", NULL,
	       "Rings exposed: open, or closed and not yet expired.");
	fprintf(f, "uringlockstat_rings{state=\"open\"} %zu\n", nr_open);
	fprintf(f, "uringlockstat_rings{state=\"closed\"} %zu\n", nr_closed);
	if (rep->backends[BACKEND_SAMPLE].active) {
		family(f, fmt, "uringlockstat_samples", "counter", NULL,
		       "CPU samples of the target's threads (sample backend).");
		fprintf(f, "uringlockstat_samples_total %llu\n", (unsigned long long)rep->samples);
		family(f, fmt, "uringlockstat_lock_samples", "counter", NULL,
		       "CPU samples in mutex code called from io_uring (sample backend).");
		fprintf(f, "uringlockstat_lock_samples_total %llu\n",
			(unsigned long long)rep->lock_samples);
	}
	print_lost(f, fmt, rep);
	/* The profiler's own cost, when the kernel times our programs. */
	if (rep->overhead.measured) {
		family(f, fmt, "uringlockstat_bpf_runs", "counter", NULL,
		       "Runs of the profiler's BPF programs (its own cost).");
		fprintf(f, "uringlockstat_bpf_runs_total %llu\n",
			(unsigned long long)rep->overhead.runs);
		family(f, fmt, "uringlockstat_bpf_run_seconds", "counter", NULL,
		       "Run time of the profiler's BPF programs, as the kernel times them (the "
		       "dispatch around each run is not in it).");
		fputs("uringlockstat_bpf_run_seconds_total ", f);
		print_seconds(f, rep->overhead.run_ns);
		fputs("\n", f);
	}
}

char *expo_render(const struct report *rep, enum expo_format fmt, bool show_addresses,
		  size_t *len)
{
	const struct ring_report **rings;
	size_t nr, i, c, nr_open = 0;
	char *buf = NULL;
	FILE *f;
	int p;

	rings = calloc(rep->nr_rings ? rep->nr_rings : 1, sizeof(*rings));
	if (!rings)
		return NULL;
	f = open_memstream(&buf, len);
	if (!f) {
		free(rings);
		return NULL;
	}
	nr = exposed_rings(rep, rings);
	for (i = 0; i < nr; i++)
		nr_open += rings[i]->open;
	print_run(f, fmt, rep, nr_open, nr - nr_open);
	for (c = 0; c < sizeof(ring_counters) / sizeof(ring_counters[0]); c++) {
		const struct ring_counter *rc = &ring_counters[c];
		bool header = false;

		for (i = 0; i < nr; i++) {
			const char *method = NULL;
			__u64 v;

			if (!rc->value(rep, rings[i], &v, &method))
				continue;
			if (!header)
				family(f, fmt, rc->name, "counter", NULL, rc->help);
			header = true;
			fprintf(f, "%s_total{", rc->name);
			ring_labels(f, rings[i], show_addresses);
			if (method)
				fprintf(f, ",method=\"%s\"", method);
			fprintf(f, "} %llu\n", (unsigned long long)v);
		}
	}
	if (exact_on(rep) && rep->paths_measured && nr) {
		family(f, fmt, "uringlockstat_path_acquisitions", "counter", NULL,
		       "uring_lock acquisitions by the kernel path that took the lock (exact "
		       "backend).");
		for (i = 0; i < nr; i++) {
			for (p = 0; p < PATH_COUNT; p++) {
				if (!rings[i]->paths[p].acquisitions)
					continue;
				fputs("uringlockstat_path_acquisitions_total{", f);
				ring_labels(f, rings[i], show_addresses);
				fprintf(f, ",path=\"%s\"} %llu\n", path_name(p),
					(unsigned long long)rings[i]->paths[p].acquisitions);
			}
		}
	}
	if (rep->backends[BACKEND_CONTENTION].active && rep->waiter_paths && nr) {
		int role;

		family(f, fmt, "uringlockstat_contended_sampled", "counter", NULL,
		       "Sampled contention episodes (owner and waiter stack read in 1 of 8) by the "
		       "lock owner's role and the waiter's kernel path.");
		for (i = 0; i < nr; i++) {
			for (role = 0; role < ROLE_COUNT; role++) {
				for (p = 0; p < PATH_COUNT; p++) {
					if (!rings[i]->contended_by[role][p])
						continue;
					fputs("uringlockstat_contended_sampled_total{", f);
					ring_labels(f, rings[i], show_addresses);
					fprintf(f, ",owner_role=\"%s\",waiter_path=\"%s\"} %llu\n",
						owner_role_name(role), path_name(p),
						(unsigned long long)rings[i]->contended_by[role][p]);
				}
			}
		}
	}
	for (c = 0; c < sizeof(ring_histograms) / sizeof(ring_histograms[0]); c++) {
		const struct ring_histogram *h = &ring_histograms[c];

		if (!rep->backends[h->backend].active || !nr ||
		    (h->backend == BACKEND_EXACT && !rep->holds_measured))
			continue;
		family(f, fmt, h->name, "histogram", "seconds", h->help);
		for (i = 0; i < nr; i++)
			print_histogram(f, rings[i], h, show_addresses);
	}
	if (fmt == EXPO_OPENMETRICS)
		fputs("# EOF\n", f);
	free(rings);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
