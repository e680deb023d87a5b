// SPDX-License-Identifier: GPL-2.0
/*
 * compare's engine: rings matched by label, flags and order; per metric, the samples of each
 * side (compare_metrics.c), the medians giving the change, and a Mann-Whitney U test (or a
 * two-proportion test of single runs' sampled shares, or the limit alone for single runs and
 * instruction-count runs) saying whether the change is more than the spread between runs. A
 * figure missing on either side is "not comparable", never a pass.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare_metrics.h"
#include "fmt.h"
#include "stats.h"

static bool same_label(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The order-th ring with these flags in run, or NULL: a binary search of the reader's index. */
static const struct model_ring *find_ring(const struct model_run *run, const char *flags,
					  size_t order)
{
	return model_run_find(run, flags, order);
}

__attribute__((format(printf, 2, 3)))
static int add_note(struct cmp_result *res, const char *fmt, ...)
{
	char **notes, *note;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&note, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	notes = realloc(res->notes, (res->nr_notes + 1) * sizeof(*notes));
	if (!notes) {
		free(note);
		return -1;
	}
	notes[res->nr_notes++] = note;
	res->notes = notes;
	return 0;
}

void cmp_ring_name(const struct cmp_result *res, const struct cmp_ring *ring, char *buf,
		   size_t size)
{
	const char *label = res->base ? res->base->label : NULL;

	snprintf(buf, size, "%s%s%s#%zu", label ? label : "", label ? "/" : "",
		 ring->flags[0] ? ring->flags : "none", ring->order);
}

/* ---- samples and verdicts ---- */

static const char *or_plain(const char *variant)
{
	return variant ? variant : "plain";
}

struct side {
	const char *name;	/* "base" or "new" */
	double *v;
	size_t n;
	const char *variant;
	bool valid;
	char why[160];
	unsigned long long k, trials; /* a single proportion's counts, else 0 */
};

/*
 * One sample per run of rep: of the ring (flags, order) for ring and path metrics, of the run
 * for run metrics. A run without that ring gives no sample; a run with the figure missing
 * makes the whole side not comparable.
 */
static int collect(const struct run_model *rep, const char *name, enum cmp_metric m,
		   const char *flags, size_t order, const char *path, struct side *side)
{
	size_t runs = model_nr_samples(rep), i;

	memset(side, 0, sizeof(*side));
	side->name = name;
	side->valid = true;
	side->v = calloc(runs, sizeof(*side->v));
	if (!side->v)
		return -1;
	for (i = 0; i < runs; i++) {
		const struct model_run *run = model_sample(rep, i);
		struct cmp_sample s;

		if (cmp_metrics[m].scope == CMP_SCOPE_RUN) {
			cmp_run_sample(run, m, &s);
		} else {
			const struct model_ring *ring = find_ring(run, flags, order);

			if (!ring)
				continue;
			cmp_ring_sample(run, ring, m, path, rep->clock_instructions, &s);
		}
		/* A report may keep some figures for its first run only. */
		if (!s.valid && cmp_metrics[m].scope == CMP_SCOPE_RUN && rep->nr_repeats &&
		    !run->has_sampled && rep->run.has_sampled) {
			side->valid = false;
			snprintf(side->why, sizeof(side->why), "%s: \"sampled\" is in run 1 only, "
				 "not in each of its %zu runs", name, runs);
			return 0;
		}
		if (!s.valid) {
			side->valid = false;
			if (runs > 1)
				snprintf(side->why, sizeof(side->why), "%s run %zu: %s", name,
					 i + 1, s.why);
			else
				snprintf(side->why, sizeof(side->why), "%s: %s", name, s.why);
			return 0;
		}
		if (side->n && !same_label(side->variant, s.variant)) {
			side->valid = false;
			snprintf(side->why, sizeof(side->why), "%s runs mix %s and %s figures",
				 name, or_plain(side->variant), or_plain(s.variant));
			return 0;
		}
		side->variant = s.variant;
		side->k = s.k;
		side->trials = s.trials;
		side->v[side->n++] = s.value;
	}
	if (!side->n) {
		side->valid = false;
		snprintf(side->why, sizeof(side->why), "%s: the ring is in none of its runs", name);
	}
	return 0;
}

static void decide(struct cmp_row *row, const struct side *b, const struct side *n,
		   double alpha, bool deterministic)
{
	double worse;
	bool significant;

	row->n_base = b->n;
	row->n_new = n->n;
	if (!b->valid || !n->valid) {
		snprintf(row->reason, sizeof(row->reason), "%s", !b->valid ? b->why : n->why);
		row->verdict = CMP_NOT_COMPARABLE;
		return;
	}
	if (!same_label(b->variant, n->variant)) {
		snprintf(row->reason, sizeof(row->reason), "base has %s figures, new has %s",
			 or_plain(b->variant), or_plain(n->variant));
		row->verdict = CMP_NOT_COMPARABLE;
		return;
	}
	row->variant = b->variant;
	row->comparable = true;
	row->base = stats_median(b->v, b->n);
	row->new = stats_median(n->v, n->n);
	if (row->base > 0)
		row->change_pct = (row->new - row->base) / row->base * 100;
	else
		row->change_pct = row->new > row->base ? INFINITY : 0;
	worse = cmp_metrics[row->metric].higher_is_better ? -row->change_pct : row->change_pct;
	/* Deterministic figures: any change is real, and the limit alone decides. */
	row->tested = !deterministic && b->n >= 2 && n->n >= 2;
	row->p_value = row->tested ? stats_mann_whitney_p(b->v, b->n, n->v, n->n, NULL) : NAN;
	/* One run a side of a sampled proportion: its samples are the replicates. */
	if (!row->tested && b->n == 1 && n->n == 1 && b->trials && n->trials) {
		row->tested = true;
		row->p_value = stats_two_proportion_p(b->k, b->trials, n->k, n->trials);
	}
	/* Untested (single runs): the limit alone decides, and the table says so. */
	significant = !row->tested || row->p_value < alpha;
	if (worse > row->limit_pct)
		row->verdict = significant ? CMP_REGRESSION : CMP_NOISE;
	else if (-worse > row->limit_pct)
		row->verdict = significant ? CMP_IMPROVED : CMP_NOISE;
	else
		row->verdict = CMP_OK;
}

static struct cmp_row *new_row(struct cmp_result *res, size_t *cap)
{
	struct cmp_row *rows;

	if (res->nr_rows == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		rows = realloc(res->rows, *cap * sizeof(*rows));
		if (!rows)
			return NULL;
		res->rows = rows;
	}
	memset(&res->rows[res->nr_rows], 0, sizeof(res->rows[0]));
	return &res->rows[res->nr_rows++];
}

static int add_row(struct cmp_result *res, size_t *cap, const struct cmp_options *o,
		   enum cmp_metric m, size_t ring, const char *path)
{
	const struct cmp_ring *r = cmp_metrics[m].scope == CMP_SCOPE_RUN ? NULL : &res->rings[ring];
	struct side b = { 0 }, n = { 0 };
	struct cmp_row *row;
	int ret = -1;

	if (collect(res->base, "base", m, r ? r->flags : "", r ? r->order : 0, path, &b) ||
	    collect(res->new, "new", m, r ? r->flags : "", r ? r->order : 0, path, &n))
		goto out;
	row = new_row(res, cap);
	if (!row)
		goto out;
	row->metric = m;
	row->ring = ring;
	row->limit_pct = res->instructions && !o->limit_given[m] ? cmp_metrics[m].icount_pct
							     : o->max_regress_pct[m];
	if (path) {
		row->path = strdup(path);
		if (!row->path)
			goto out;
	}
	decide(row, &b, &n, o->alpha, res->instructions && m != CMP_SAMPLED_LOCK_SHARE);
	res->regressions += row->verdict == CMP_REGRESSION;
	ret = 0;
out:
	free(b.v);
	free(n.v);
	return ret;
}

static bool in_list(char **names, size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (!strcmp(names[i], name))
			return true;
	}
	return false;
}

/* Every path either side attributed acquisitions of this ring to, in order of appearance. */
static int ring_paths(const struct cmp_result *res, const struct cmp_ring *r, char ***out,
		      size_t *nr)
{
	const struct run_model *reps[] = { res->base, res->new };
	size_t side, i, j;

	*out = NULL;
	*nr = 0;
	for (side = 0; side < 2; side++) {
		for (i = 0; i < model_nr_samples(reps[side]); i++) {
			const struct model_run *run = model_sample(reps[side], i);
			const struct model_ring *ring = find_ring(run, r->flags, r->order);

			for (j = 0; ring && j < ring->nr_paths; j++) {
				char **names;

				if (in_list(*out, *nr, ring->paths[j].name))
					continue;
				names = realloc(*out, (*nr + 1) * sizeof(*names));
				if (!names)
					return -1;
				*out = names;
				(*out)[(*nr)++] = ring->paths[j].name;
			}
		}
	}
	return 0;
}

static int add_ring_rows(struct cmp_result *res, size_t *cap, const struct cmp_options *o,
			 size_t ring)
{
	char **paths;
	size_t nr_paths, i;
	int m, ret = 0;

	for (m = 0; m < CMP_METRIC_COUNT; m++) {
		if (cmp_metrics[m].scope == CMP_SCOPE_RING && add_row(res, cap, o, m, ring, NULL))
			return -1;
	}
	if (ring_paths(res, &res->rings[ring], &paths, &nr_paths)) {
		free(paths);
		return -1;
	}
	for (i = 0; i < nr_paths && !ret; i++) {
		for (m = 0; m < CMP_METRIC_COUNT && !ret; m++) {
			if (cmp_metrics[m].scope == CMP_SCOPE_PATH)
				ret = add_row(res, cap, o, m, ring, paths[i]);
		}
	}
	free(paths);
	return ret;
}

/* Notes on runs whose samples deserve a second look: cut short, or a failing workload. */
static int note_runs(struct cmp_result *res, const struct run_model *rep, const char *side)
{
	size_t i, runs = model_nr_samples(rep);

	for (i = 0; i < runs; i++) {
		const struct model_run *run = model_sample(rep, i);

		if (run->partial && add_note(res, "%s run %zu of %zu is partial: the target exited "
					     "before the run ended", side, i + 1, runs))
			return -1;
		if (run->exit_status.valid && run->exit_status.value &&
		    add_note(res, "%s run %zu of %zu: the command exited with status %llu", side,
			     i + 1, runs, (unsigned long long)run->exit_status.value))
			return -1;
	}
	return 0;
}

/* Rings of one side without a partner, and matched rings absent from some runs. */
static int note_rings(struct cmp_result *res, const struct run_model *rep,
		      const struct run_model *other, const char *side)
{
	size_t i, j, runs = model_nr_samples(rep);
	char name[300];

	for (i = 0; i < rep->run.nr_rings; i++) {
		struct cmp_ring r = { .flags = rep->run.rings[i].flags,
				      .order = rep->run.rings[i].order };

		cmp_ring_name(res, &r, name, sizeof(name));
		if (!find_ring(&other->run, r.flags, r.order)) {
			if (add_note(res, "ring %s (pid %d fd %d) is only in %s: not compared",
				     name, rep->run.rings[i].pid, rep->run.rings[i].fd, side))
				return -1;
			continue;
		}
		for (j = 0; j < runs; j++) {
			if (!find_ring(model_sample(rep, j), r.flags, r.order) &&
			    add_note(res, "ring %s is missing from %s run %zu of %zu: no sample "
				     "there", name, side, j + 1, runs))
				return -1;
		}
	}
	return 0;
}

static int match_rings(struct cmp_result *res)
{
	const struct model_run *b = &res->base->run, *n = &res->new->run;
	size_t i;

	res->rings = calloc(b->nr_rings ? b->nr_rings : 1, sizeof(*res->rings));
	if (!res->rings)
		return -1;
	for (i = 0; i < b->nr_rings; i++) {
		size_t order = b->rings[i].order;
		const struct model_ring *partner = find_ring(n, b->rings[i].flags, order);
		struct cmp_ring *r;

		if (!partner)
			continue;
		r = &res->rings[res->nr_rings];
		r->flags = strdup(b->rings[i].flags);
		if (!r->flags)
			return -1;
		res->nr_rings++;
		r->order = order;
		r->base_pid = b->rings[i].pid;
		r->base_fd = b->rings[i].fd;
		r->new_pid = partner->pid;
		r->new_fd = partner->fd;
	}
	return 0;
}

/* Runs per side needed for a p-value below alpha at all: the smallest k with 2/C(2k,k) < alpha. */
static size_t runs_needed(double alpha)
{
	size_t k;

	for (k = 2; k < 64 && !(stats_mann_whitney_min_p(k, k) < alpha); k++)
		;
	return k;
}

/* The reason, one line: labels and kernels come from the files, escaped like all their text. */
__attribute__((format(printf, 3, 4)))
static int cmp_error(char *err, size_t size, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(err, size, "out of memory");
	else
		fmt_escape(err, size, msg);
	free(msg);
	return -1;
}

int cmp_compare(const struct run_model *base, const struct run_model *new,
		const struct cmp_options *o, struct cmp_result *res, char *err, size_t err_size)
{
	size_t cap = 0, i;
	int m;

	memset(res, 0, sizeof(*res));
	res->base = base;
	res->new = new;
	res->alpha = o->alpha;
	res->n_base_runs = model_nr_samples(base);
	res->n_new_runs = model_nr_samples(new);
	res->single_runs = res->n_base_runs < 2 || res->n_new_runs < 2;
	res->min_p = stats_mann_whitney_min_p(res->n_base_runs, res->n_new_runs);
	if (strcmp(base->kernel, new->kernel)) {
		if (o->same_kernel) {
			cmp_result_free(res);
			return cmp_error(err, err_size, "kernels differ (base %s, new %s) and "
					 "--same-kernel was given", base->kernel, new->kernel);
		}
		if (add_note(res, "kernels differ: base %s, new %s", base->kernel, new->kernel))
			goto oom;
	}
	if (base->clock_instructions != new->clock_instructions) {
		cmp_result_free(res);
		return cmp_error(err, err_size, "the clocks differ: %s counts instructions "
				 "(--clock instructions), %s wall-clock time; their durations, "
				 "rates and latencies cannot be compared",
				 base->clock_instructions ? "base" : "new",
				 base->clock_instructions ? "new" : "base");
	}
	res->instructions = base->clock_instructions;
	if (!same_label(base->label, new->label)) {
		cmp_error(err, err_size,
			  "no ring matches: the labels differ (base %s%s%s, new %s%s%s)",
			  base->label ? "\"" : "", base->label ? base->label : "no label",
			  base->label ? "\"" : "", new->label ? "\"" : "",
			  new->label ? new->label : "no label", new->label ? "\"" : "");
		cmp_result_free(res);
		return -1;
	}
	if (match_rings(res))
		goto oom;
	if (!res->nr_rings) {
		if (!base->run.nr_rings || !new->run.nr_rings)
			cmp_error(err, err_size, "no ring matches: %s has no rings",
				  !base->run.nr_rings && !new->run.nr_rings ? "neither report"
				  : !base->run.nr_rings ? "base" : "new");
		else
			cmp_error(err, err_size, "no ring matches: base has %zu ring(s), new %zu, "
				  "none with the same flags", base->run.nr_rings,
				  new->run.nr_rings);
		cmp_result_free(res);
		return -1;
	}
	if (res->instructions) {
		if (add_note(res, "both reports count instructions: deterministic figures, decided "
			     "on %s against the limits without a significance test (the sampled "
			     "lock share keeps its test on its sample counts); default limits "
			     "0.5%%, 20%% for percentiles (histogram buckets); throughput is SQEs "
			     "per 1e9 instructions (/G) of the command's threads where the "
			     "reports have them per run (command CPU), else of the duration",
			     res->single_runs ? "single runs" : "the medians of the runs"))
			goto oom;
	} else if (res->single_runs) {
		if (add_note(res, "single runs (base %zu, new %zu): no significance test possible; "
			     "the limits alone decide", res->n_base_runs, res->n_new_runs))
			goto oom;
	} else if (!(res->min_p < o->alpha)) {
		if (add_note(res, "with %zu and %zu runs the smallest possible p-value is %.3g, "
			     "not below alpha %g: no change can be significant, so changes past a "
			     "limit show as noise; use --repeat %zu or more on both sides",
			     res->n_base_runs, res->n_new_runs, res->min_p, o->alpha,
			     runs_needed(o->alpha)))
			goto oom;
	}
	if (note_rings(res, base, new, "base") || note_rings(res, new, base, "new") ||
	    note_runs(res, base, "base") || note_runs(res, new, "new"))
		goto oom;
	for (i = 0; i < res->nr_rings; i++) {
		if (add_ring_rows(res, &cap, o, i))
			goto oom;
	}
	for (m = 0; m < CMP_METRIC_COUNT; m++) {
		if (cmp_metrics[m].scope == CMP_SCOPE_RUN && add_row(res, &cap, o, m, 0, NULL))
			goto oom;
	}
	return 0;
oom:
	cmp_result_free(res);
	return cmp_error(err, err_size, "out of memory");
}

void cmp_result_free(struct cmp_result *res)
{
	size_t i;

	for (i = 0; i < res->nr_rings; i++)
		free(res->rings[i].flags);
	free(res->rings);
	for (i = 0; i < res->nr_rows; i++)
		free(res->rows[i].path);
	free(res->rows);
	for (i = 0; i < res->nr_notes; i++)
		free(res->notes[i]);
	free(res->notes);
	memset(res, 0, sizeof(*res));
}
