// SPDX-License-Identifier: GPL-2.0
/* The model of a run (model.h): its rings' index for compare, lookups, and freeing it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static int by_flags_cmp(const void *a, const void *b)
{
	const struct model_ring *x = *(const struct model_ring *const *)a;
	const struct model_ring *y = *(const struct model_ring *const *)b;
	int c = strcmp(x->flags, y->flags);

	/* Equal flags keep the order of the file: that order is their identity. */
	return c ? c : (x > y) - (x < y);
}

int model_index_rings(struct model_run *run)
{
	size_t i;

	if (!run->nr_rings)
		return 0;
	run->by_flags = malloc(run->nr_rings * sizeof(*run->by_flags));
	if (!run->by_flags)
		return -ENOMEM;
	for (i = 0; i < run->nr_rings; i++)
		run->by_flags[i] = &run->rings[i];
	qsort(run->by_flags, run->nr_rings, sizeof(*run->by_flags), by_flags_cmp);
	for (i = 1; i < run->nr_rings; i++) {
		if (!strcmp(run->by_flags[i]->flags, run->by_flags[i - 1]->flags))
			run->by_flags[i]->order = run->by_flags[i - 1]->order + 1;
	}
	return 0;
}

const struct model_ring *model_run_find(const struct model_run *run, const char *flags,
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

const struct model_backend *model_backend(const struct run_model *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->nr_backends; i++) {
		if (rep->backends[i].name && !strcmp(rep->backends[i].name, name))
			return &rep->backends[i];
	}
	return NULL;
}

bool model_backend_on(const struct run_model *rep, const char *name)
{
	const struct model_backend *b = model_backend(rep, name);

	return b && b->active;
}

const struct model_ring *model_ring_by_number(const struct model_run *run, size_t number)
{
	size_t lo = 0, hi = run->nr_rings;

	/* The rings are in the order of their numbers. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (run->rings[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < run->nr_rings && run->rings[lo].number == number ? &run->rings[lo] : NULL;
}

bool model_share(const struct model_count *k, const struct model_count *n, double *out)
{
	if (!k->valid || !n->valid || !n->value)
		return false;
	*out = (double)k->value / (double)n->value;
	return true;
}

__u64 model_period_ns(const struct model_run *run)
{
	if (!run->has_sampled || !run->freq_hz.valid || !run->freq_hz.value)
		return 0;
	return 1000000000ull / run->freq_hz.value;
}

void model_run_detach(struct model_run *run)
{
	size_t i;

	for (i = 0; i < run->nr_rings; i++)
		run->rings[i].hists = NULL;
}

void model_run_free(struct model_run *run)
{
	size_t i, j;

	for (i = 0; i < run->nr_rings; i++) {
		struct model_ring *ring = &run->rings[i];

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
	memset(run, 0, sizeof(*run));
}

void model_free(struct run_model *rep)
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
	for (i = 0; i < rep->nr_opt_ins; i++) {
		free(rep->opt_ins[i].figure);
		free(rep->opt_ins[i].option);
		free(rep->opt_ins[i].cost);
	}
	free(rep->opt_ins);
	for (i = 0; i < rep->nr_lost; i++)
		free(rep->lost[i].name);
	free(rep->lost);
	for (i = 0; i < rep->nr_programs; i++)
		free(rep->programs[i].name);
	free(rep->programs);
	model_run_free(&rep->run);
	for (i = 0; i < rep->nr_repeats; i++)
		model_run_free(&rep->repeats[i]);
	free(rep->repeats);
	memset(rep, 0, sizeof(*rep));
}
