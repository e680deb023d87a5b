// SPDX-License-Identifier: GPL-2.0
/* Figures derived from the raw per-ring counters, shared by every output format. */
#include "report.h"
#include "flags.h"
#include "stats.h"
#include <stdio.h>

static const char *const backend_names[BACKEND_COUNT] = {
	[BACKEND_EXACT] = "exact",
	[BACKEND_CONTENTION] = "contention",
	[BACKEND_SAMPLE] = "sample",
	[BACKEND_COUNTERS] = "counters",
};

const char *backend_name(enum backend_id id)
{
	return id < BACKEND_COUNT ? backend_names[id] : "?";
}

bool report_exact_stacks(const struct report *rep)
{
	return rep->backends[BACKEND_EXACT].active && rep->paths_measured && rep->holds_measured;
}

static bool counted_enters(const struct report *rep)
{
	return rep->backends[BACKEND_COUNTERS].active && !rep->light;
}

bool ring_sqes(const struct report *rep, const struct ring_report *ring, __u64 *out,
	       const char **method)
{
	/* SQPOLL rings consume SQEs in the kernel thread: only the SQ head tells. */
	if (counted_enters(rep) && !(ring->info.setup_flags & SETUP_SQPOLL)) {
		*method = "enter_return";
		*out = ring->sum.sqes_enter;
		return true;
	}
	*method = "sq_head";
	*out = ring->sqes_head;
	return ring->head_seen;
}

bool ring_acquisitions_inferred(const struct report *rep, const struct ring_report *ring,
				__u64 *out)
{
	const struct ring_stats *s = &ring->sum;
	__u64 local = s->local_work_runs;

	if (!counted_enters(rep))
		return false;
	/*
	 * A DEFER_TASKRUN submit with GETEVENTS may run local work once under the submit's own
	 * hold; only the runs beyond that are certainly separate acquisitions.
	 */
	if (ring->info.setup_flags & SETUP_DEFER_TASKRUN)
		local = local > s->enters_submit_getevents ? local - s->enters_submit_getevents : 0;
	*out = s->submit_locked + s->registers + local;
	return true;
}

bool ring_owner_other_cpu_share(const struct ring_report *ring, double *out)
{
	if (!ring->sum.owner_known)
		return false;
	*out = (double)ring->sum.owner_other_cpu / (double)ring->sum.owner_known;
	return true;
}

void ring_wait_summary(const struct ring_report *ring, struct hist_summary *out)
{
	hist_summarize(ring->hists.wait, ring->sum.wait_ns_total, ring->sum.wait_ns_max, out);
}

void ring_hold_summary(const struct ring_report *ring, struct hist_summary *out)
{
	hist_summarize(ring->hists.hold, ring->sum.hold_ns_total, ring->sum.hold_ns_max, out);
}

void ring_acquire_wait_summary(const struct ring_report *ring, struct hist_summary *out)
{
	hist_summarize(ring->hists.acquire_wait, ring->sum.acquire_wait_ns_total,
		       ring->sum.acquire_wait_ns_max, out);
}

bool sampled_hold_ci95(__u64 held, __u64 samples, __u32 freq_hz, double *lo_ns, double *hi_ns)
{
	double lo, hi, cpu_ns;

	if (!freq_hz || !stats_wilson95(held, samples, &lo, &hi))
		return false;
	cpu_ns = (double)samples * (double)(1000000000ull / freq_hz);
	*lo_ns = lo * cpu_ns;
	*hi_ns = hi * cpu_ns;
	return true;
}

const char *fmt_share_ci(double lo, double hi, char *buf, size_t size)
{
	int digits = hi - lo < 0.02 ? 2 : 1;

	snprintf(buf, size, "%.*f-%.*f%%", digits, 100.0 * lo, digits, 100.0 * hi);
	return buf;
}

__u64 lock_samples_elided(const __u64 *by_path)
{
	__u64 elided = 0;
	int p;

	for (p = 0; p < PATH_COUNT; p++)
		elided += path_elided(p) ? by_path[p] : 0;
	return elided;
}

/* The lock samples of by_path (PATH_COUNT counts) on every path. */
static __u64 lock_samples_total(const __u64 *by_path)
{
	__u64 total = 0;
	int p;

	for (p = 0; p < PATH_COUNT; p++)
		total += by_path[p];
	return total;
}

void lock_paths_print(FILE *out, const __u64 *by_path, __u64 samples)
{
	__u64 elided = lock_samples_elided(by_path), in_lock = lock_samples_total(by_path);
	const char *sep = "";
	double lo, hi;
	char b[32];
	int p;

	if (!in_lock || !samples)
		return;
	fprintf(out, "  lock code by calling path:");
	for (p = 0; p < PATH_COUNT; p++) {
		if (!by_path[p])
			continue;
		fprintf(out, "%s %s %llu (%.2f%%)", sep, path_name(p),
			(unsigned long long)by_path[p], 100.0 * by_path[p] / samples);
		sep = ",";
	}
	fprintf(out, "\n  on the paths SINGLE_ISSUER elision removes (");
	sep = "";
	for (p = 0; p < PATH_COUNT; p++) {
		if (path_elided(p)) {
			fprintf(out, "%s%s", sep, path_name(p));
			sep = ", ";
		}
	}
	fprintf(out, "): %llu samples, %.2f%%", (unsigned long long)elided,
		100.0 * elided / samples);
	if (stats_wilson95(elided, samples, &lo, &hi))
		fprintf(out, " (95%% interval %s)", fmt_share_ci(lo, hi, b, sizeof(b)));
	fprintf(out, "\n");
}

__u64 owner_matrix_role(const __u64 (*m)[PATH_COUNT], int role)
{
	__u64 n = 0;
	int p;

	for (p = 0; p < PATH_COUNT; p++)
		n += m[role][p];
	return n;
}

__u64 owner_matrix_path(const __u64 (*m)[PATH_COUNT], int path)
{
	__u64 n = 0;
	int r;

	for (r = 0; r < ROLE_COUNT; r++)
		n += m[r][path];
	return n;
}

__u64 owner_matrix_reads(const __u64 (*m)[PATH_COUNT])
{
	__u64 n = 0;
	int r;

	for (r = 0; r < ROLE_COUNT; r++)
		n += r == ROLE_NOT_READ ? 0 : owner_matrix_role(m, r);
	return n;
}

void owner_matrix_print(FILE *out, const __u64 (*m)[PATH_COUNT], __u64 contended)
{
	__u64 reads = owner_matrix_reads(m);
	const char *sep = "";
	double lo, hi;
	char b[32];
	int r, p;

	if (!reads)
		return;
	fprintf(out, "  who blocks whom: %llu of %llu contended episodes sampled (owner and waiter "
		"stack read in 1 of %d)\n", (unsigned long long)reads,
		(unsigned long long)contended, OWNER_SAMPLE_EVERY);
	fprintf(out, "    %-11s %-22s", "lock owner", "share (95% interval)");
	for (p = 0; p < PATH_COUNT; p++) {
		if (owner_matrix_path(m, p))
			fprintf(out, " %10s", path_name(p));
	}
	fprintf(out, "  <- waiter path\n");
	for (r = 0; r < ROLE_COUNT; r++) {
		__u64 n = owner_matrix_role(m, r);
		char share[40] = "";

		if (!n || r == ROLE_NOT_READ)
			continue;
		if (stats_wilson95(n, reads, &lo, &hi))
			snprintf(share, sizeof(share), "%.1f%% (%s)", 100.0 * n / reads,
				 fmt_share_ci(lo, hi, b, sizeof(b)));
		fprintf(out, "    %-11s %-22s", owner_role_name(r), share);
		for (p = 0; p < PATH_COUNT; p++) {
			if (owner_matrix_path(m, p))
				fprintf(out, " %10llu", (unsigned long long)m[r][p]);
		}
		fprintf(out, "\n");
	}
	fprintf(out, "    waiter paths:");
	for (p = 0; p < PATH_COUNT; p++) {
		__u64 n = owner_matrix_path(m, p);

		if (!n)
			continue;
		stats_wilson95(n, reads, &lo, &hi);
		fprintf(out, "%s %s %.1f%% (%s)", sep, path_name(p), 100.0 * n / reads,
			fmt_share_ci(lo, hi, b, sizeof(b)));
		sep = ",";
	}
	fprintf(out, "\n");
}

void ring_lock_paths_print(FILE *out, size_t ring, const __u64 *by_path, __u64 samples)
{
	__u64 elided = lock_samples_elided(by_path), in_lock = lock_samples_total(by_path);
	double lo, hi;
	char b[32];

	if (!in_lock || !samples)
		return;
	stats_wilson95(in_lock, samples, &lo, &hi);
	fprintf(out, "  ring %zu: lock code (held or waited for) in %llu samples, %.2f%% (95%% "
		"interval %s); on elided paths %llu, ", ring, (unsigned long long)in_lock,
		100.0 * in_lock / samples, fmt_share_ci(lo, hi, b, sizeof(b)),
		(unsigned long long)elided);
	stats_wilson95(elided, samples, &lo, &hi);
	fprintf(out, "%.2f%% (%s)\n", 100.0 * elided / samples, fmt_share_ci(lo, hi, b, sizeof(b)));
}
