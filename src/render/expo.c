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
#include "fields.h"
#include "model.h"
#include "report.h"

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
	const char *p;

	/* Most values need nothing: written whole. */
	for (p = v; *p >= 0x20 && *p < 0x7f && *p != '\\' && *p != '"'; p++)
		;
	if (!*p) {
		fputs(v, f);
		return;
	}
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
static void ring_labels(FILE *f, const struct model_ring *r, bool show_addresses)
{
	char flags[256];

	setup_flags_str((__u32)r->setup_flags.value, "|", flags, sizeof(flags));
	fprintf(f, "pid=\"%u\",comm=\"", (unsigned int)r->pid);
	print_label_value(f, r->comm ? r->comm : "");
	fprintf(f, "\",fd=\"%d\",flags=\"%s\"", r->fd, flags);
	if (show_addresses && r->ctx) {
		fputs(",ctx=\"", f);
		print_label_value(f, r->ctx);
		fputc('"', f);
	}
}

/* Where one per-ring counter is in the model: a count, with its method when it has one. */
static const struct ring_counter {
	const char *name;
	const char *help;
	size_t count, method; /* offsets in struct model_ring; method 0: none */
} ring_counters[] = {
	{ "uringlockstat_acquisitions", "uring_lock acquisitions (method exact: every one, traced; "
	  "inferred: a lower bound from counted io_uring events).",
	  offsetof(struct model_ring, acquisitions), offsetof(struct model_ring,
							      acquisitions_method) },
	{ "uringlockstat_contended", "Contended uring_lock acquisition attempts.",
	  offsetof(struct model_ring, contended), 0 },
	{ "uringlockstat_handoffs", "Acquisitions on another CPU than the previous release.",
	  offsetof(struct model_ring, handoffs), 0 },
	{ "uringlockstat_trylocks_failed", "Failed mutex_trylock calls on uring_lock.",
	  offsetof(struct model_ring, trylocks_failed), 0 },
	{ "uringlockstat_sqes", "SQEs the ring consumed (method enter_return: io_uring_enter's "
	  "return values; sq_head: SQ head snapshots).", offsetof(struct model_ring, sqes),
	  offsetof(struct model_ring, sqes_method) },
	{ "uringlockstat_enters", "io_uring_enter calls on the ring.",
	  offsetof(struct model_ring, enters), 0 },
	{ "uringlockstat_registers", "io_uring_register calls on the ring.",
	  offsetof(struct model_ring, registers), 0 },
	{ "uringlockstat_local_work_runs", "DEFER_TASKRUN local work runs.",
	  offsetof(struct model_ring, local_work_runs), 0 },
};

/* CPU samples taken while a task held the ring's lock: its sampled hold time / period. */
static bool held_samples(const struct model_run *run, const struct model_ring *r, __u64 *v)
{
	__u64 period = model_period_ns(run);

	if (!r->sampled_hold_ns.valid || !period)
		return false;
	*v = r->sampled_hold_ns.value / period;
	return true;
}

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
} ring_histograms[] = {
	{ "uringlockstat_wait_seconds", "Time waited in contended uring_lock acquisitions.",
	  HIST_WAIT },
	{ "uringlockstat_hold_seconds", "Time uring_lock was held, per acquisition.", HIST_HOLD },
	{ "uringlockstat_acquire_wait_seconds", "Time from the lock call to owning uring_lock, "
	  "every acquisition.", HIST_ACQUIRE_WAIT },
};

/* The ring's buckets of a histogram and its total; NULL when not measured or not kept. */
static const __u64 *hist_of(const struct model_ring *r, enum ring_hist which, __u64 *total_ns)
{
	const struct model_summary *s = which == HIST_WAIT ? &r->wait :
					which == HIST_HOLD ? &r->hold : &r->acquire_wait;

	if (!s->valid || !r->hists)
		return NULL;
	*total_ns = s->ns.total;
	return which == HIST_WAIT ? r->hists->wait :
	       which == HIST_HOLD ? r->hists->hold : r->hists->acquire_wait;
}

static void print_histogram(FILE *f, const struct model_ring *r, const struct ring_histogram *h,
			    bool show_addresses)
{
	const __u64 *buckets;
	__u64 total_ns = 0, cumulative = 0;
	__u32 b = 0, e;

	buckets = hist_of(r, h->which, &total_ns);
	if (!buckets)
		return;
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

static int cmp_label_set(const struct model_ring *a, const struct model_ring *b)
{
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->fd != b->fd)
		return a->fd < b->fd ? -1 : 1;
	if (a->setup_flags.value != b->setup_flags.value)
		return a->setup_flags.value < b->setup_flags.value ? -1 : 1;
	return strcmp(a->comm ? a->comm : "", b->comm ? b->comm : "");
}

static int cmp_rings(const void *pa, const void *pb)
{
	const struct model_ring *a = *(const struct model_ring *const *)pa;
	const struct model_ring *b = *(const struct model_ring *const *)pb;
	int c = cmp_label_set(a, b);

	if (c)
		return c;
	/* Newest last: it is the one kept. */
	if (a->seen_ns != b->seen_ns)
		return a->seen_ns < b->seen_ns ? -1 : 1;
	return a->number < b->number ? -1 : a->number > b->number;
}

/*
 * The rings to expose, in label order. Two rings with the same label set (a closed ring whose
 * fd a new ring reuses, or two rings found without an fd) would make duplicate series: the
 * newest one stands for both.
 */
static size_t exposed_rings(const struct model_run *run, const struct model_ring **out)
{
	size_t i, n = 0, kept = 0;

	for (i = 0; i < run->nr_rings; i++)
		out[n++] = &run->rings[i];
	qsort(out, n, sizeof(out[0]), cmp_rings);
	for (i = 0; i < n; i++) {
		if (i + 1 < n && !cmp_label_set(out[i], out[i + 1]))
			continue;
		out[kept++] = out[i];
	}
	return kept;
}

static void print_lost(FILE *f, enum expo_format fmt, const struct run_model *m)
{
	size_t i;

	family(f, fmt, "uringlockstat_lost_events", "counter", NULL,
	       "Events not counted, by reason (see uringlockstat(8), LOST EVENTS).");
	for (i = 0; i < m->nr_lost; i++) {
		fputs("uringlockstat_lost_events_total{reason=\"", f);
		print_label_value(f, m->lost[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)m->lost[i].value);
	}
}

static void print_run(FILE *f, enum expo_format fmt, const struct run_model *m, size_t nr_open,
		      size_t nr_closed)
{
	const struct model_run *run = &m->run;
	size_t i;

	family(f, fmt, "uringlockstat_info", "info", NULL,
	       "The profiler's version and the kernel it runs on.");
	fputs("uringlockstat_info{version=\"0.1\",kernel=\"", f);
	print_label_value(f, m->kernel ? m->kernel : "");
	fputs("\"} 1\n", f);
	family(f, fmt, "uringlockstat_backend_active", "gauge", NULL,
	       "1 for each backend this run uses, 0 for those it could not.");
	for (i = 0; i < m->nr_backends; i++) {
		fputs("uringlockstat_backend_active{backend=\"", f);
		print_label_value(f, m->backends[i].name);
		fprintf(f, "\"} %d\n", m->backends[i].active);
	}
	family(f, fmt, "uringlockstat_rings", "gauge", NULL,
	       "Rings exposed: open, or closed and not yet expired.");
	fprintf(f, "uringlockstat_rings{state=\"open\"} %zu\n", nr_open);
	fprintf(f, "uringlockstat_rings{state=\"closed\"} %zu\n", nr_closed);
	if (run->has_sampled) {
		family(f, fmt, "uringlockstat_samples", "counter", NULL,
		       "CPU samples of the target's threads (sample backend).");
		fprintf(f, "uringlockstat_samples_total %llu\n",
			(unsigned long long)run->samples.value);
		family(f, fmt, "uringlockstat_lock_samples", "counter", NULL,
		       "CPU samples in mutex code called from io_uring (sample backend).");
		fprintf(f, "uringlockstat_lock_samples_total %llu\n",
			(unsigned long long)run->lock_samples.value);
	}
	print_lost(f, fmt, m);
	/* The profiler's own cost, when the kernel times our programs. */
	if (m->has_overhead && m->overhead.measured) {
		family(f, fmt, "uringlockstat_bpf_runs", "counter", NULL,
		       "Runs of the profiler's BPF programs (its own cost).");
		fprintf(f, "uringlockstat_bpf_runs_total %llu\n",
			(unsigned long long)m->overhead.runs);
		family(f, fmt, "uringlockstat_bpf_run_seconds", "counter", NULL,
		       "Run time of the profiler's BPF programs, as the kernel times them (the "
		       "dispatch around each run is not in it).");
		fputs("uringlockstat_bpf_run_seconds_total ", f);
		print_seconds(f, m->overhead.run_ns);
		fputs("\n", f);
	}
}

/* One per-ring counter family: its header before the first ring that has the count. */
static void print_counter(FILE *f, enum expo_format fmt, const struct ring_counter *rc,
			  const struct model_ring **rings, size_t nr, bool show_addresses)
{
	bool header = false;
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct model_count *c = field_at(rings[i], rc->count);
		const char *method = rc->method ? *(char *const *)field_at(rings[i], rc->method)
						: NULL;

		if (!c->valid)
			continue;
		if (!header)
			family(f, fmt, rc->name, "counter", NULL, rc->help);
		header = true;
		fprintf(f, "%s_total{", rc->name);
		ring_labels(f, rings[i], show_addresses);
		if (method) {
			fputs(",method=\"", f);
			print_label_value(f, method);
			fputc('"', f);
		}
		fprintf(f, "} %llu\n", (unsigned long long)c->value);
	}
}

/* CPU samples taken while a task held each ring's lock (sample backend). */
static void print_held_samples(FILE *f, enum expo_format fmt, const struct model_run *run,
			       const struct model_ring **rings, size_t nr, bool show_addresses)
{
	bool header = false;
	size_t i;

	for (i = 0; i < nr; i++) {
		__u64 v;

		if (!held_samples(run, rings[i], &v))
			continue;
		if (!header)
			family(f, fmt, "uringlockstat_held_samples", "counter", NULL,
			       "CPU samples taken while a task held the ring's uring_lock (sample "
			       "backend).");
		header = true;
		fputs("uringlockstat_held_samples_total{", f);
		ring_labels(f, rings[i], show_addresses);
		fprintf(f, "} %llu\n", (unsigned long long)v);
	}
}

/* The exact backend's acquisitions by kernel path. */
static void print_paths(FILE *f, enum expo_format fmt, const struct model_ring **rings,
			size_t nr, bool show_addresses)
{
	size_t i, p;

	family(f, fmt, "uringlockstat_path_acquisitions", "counter", NULL,
	       "uring_lock acquisitions by the kernel path that took the lock (exact backend).");
	for (i = 0; i < nr; i++) {
		for (p = 0; p < rings[i]->nr_paths; p++) {
			fputs("uringlockstat_path_acquisitions_total{", f);
			ring_labels(f, rings[i], show_addresses);
			fputs(",path=\"", f);
			print_label_value(f, rings[i]->paths[p].name);
			fprintf(f, "\"} %llu\n",
				(unsigned long long)rings[i]->paths[p].acquisitions);
		}
	}
}

/* Who blocks whom: sampled contention episodes by owner role and waiter path. */
static void print_owner_matrix(FILE *f, enum expo_format fmt, const struct model_ring **rings,
			       size_t nr, bool show_addresses)
{
	size_t i;
	int role, p;

	family(f, fmt, "uringlockstat_contended_sampled", "counter", NULL,
	       "Sampled contention episodes (owner and waiter stack read in 1 of 8) by the lock "
	       "owner's role and the waiter's kernel path.");
	for (i = 0; i < nr; i++) {
		for (role = 0; role < ROLE_COUNT && rings[i]->has_owner_matrix; role++) {
			for (p = 0; p < PATH_COUNT; p++) {
				__u64 n = rings[i]->owner_matrix[role][p];

				if (!n)
					continue;
				fputs("uringlockstat_contended_sampled_total{", f);
				ring_labels(f, rings[i], show_addresses);
				fprintf(f, ",owner_role=\"%s\",waiter_path=\"%s\"} %llu\n",
					owner_role_name(role), path_name(p), (unsigned long long)n);
			}
		}
	}
}

char *expo_render_model(const struct run_model *m, enum expo_format fmt, bool show_addresses,
			size_t *len)
{
	const struct model_run *run = &m->run;
	const struct model_ring **rings;
	size_t nr, i, c, nr_open = 0;
	char *buf = NULL;
	FILE *f;

	rings = calloc(run->nr_rings ? run->nr_rings : 1, sizeof(*rings));
	if (!rings)
		return NULL;
	f = open_memstream(&buf, len);
	if (!f) {
		free(rings);
		return NULL;
	}
	nr = exposed_rings(run, rings);
	for (i = 0; i < nr; i++)
		nr_open += rings[i]->open_at_end.valid && rings[i]->open_at_end.value;
	print_run(f, fmt, m, nr_open, nr - nr_open);
	for (c = 0; c < sizeof(ring_counters) / sizeof(ring_counters[0]); c++)
		print_counter(f, fmt, &ring_counters[c], rings, nr, show_addresses);
	print_held_samples(f, fmt, run, rings, nr, show_addresses);
	if (model_backend_on(m, backend_name(BACKEND_EXACT)) && m->paths_measured && nr)
		print_paths(f, fmt, rings, nr, show_addresses);
	if (nr && rings[0]->has_owner_matrix)
		print_owner_matrix(f, fmt, rings, nr, show_addresses);
	for (c = 0; c < sizeof(ring_histograms) / sizeof(ring_histograms[0]); c++) {
		const struct ring_histogram *h = &ring_histograms[c];
		__u64 total;

		if (!nr || !hist_of(rings[0], h->which, &total))
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
