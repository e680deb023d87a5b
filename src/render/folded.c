// SPDX-License-Identifier: GPL-2.0
/*
 * Collapsed stacks (FlameGraph's folded format) from the run's aggregated stacks: the ring and
 * the path as the first frames, then user frames, then kernel frames suffixed _[k].
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "folded.h"
#include "flags.h"
#include "report.h"

static const char *const weight_names[] = {
	[WEIGHT_COUNT] = "count", [WEIGHT_WAIT] = "wait", [WEIGHT_HOLD] = "hold",
	[WEIGHT_SAMPLES] = "samples",
};

static const char *const weight_units[] = {
	[WEIGHT_COUNT] = "acquisitions", [WEIGHT_WAIT] = "ns waited", [WEIGHT_HOLD] = "ns held",
	[WEIGHT_SAMPLES] = "samples",
};

int weight_parse(const char *name, enum weight *out)
{
	int w;

	for (w = 0; w <= WEIGHT_SAMPLES; w++) {
		if (!strcmp(name, weight_names[w])) {
			*out = w;
			return 0;
		}
	}
	return -EINVAL;
}

const char *weight_name(enum weight w)
{
	return w <= WEIGHT_SAMPLES ? weight_names[w] : "?";
}

const char *weight_unit(enum weight w)
{
	return w <= WEIGHT_SAMPLES ? weight_units[w] : "?";
}

int weight_resolve(const struct run_model *m, enum weight w, enum weight *out, char *why,
		   size_t size)
{
	bool exact = m->exact_stacks;
	bool contention = m->contention_stacks;
	bool sample = model_backend_on(m, backend_name(BACKEND_SAMPLE));

	if (w == WEIGHT_DEFAULT)
		w = exact || contention ? WEIGHT_WAIT : WEIGHT_SAMPLES;
	switch (w) {
	case WEIGHT_COUNT:
	case WEIGHT_WAIT:
		if (!exact && !contention) {
			snprintf(why, size, "--weight %s needs the exact or the contention backend",
				 weight_name(w));
			return -1;
		}
		break;
	case WEIGHT_HOLD:
		if (!exact) {
			snprintf(why, size, "--weight hold needs the exact backend with --paths and --holds");
			return -1;
		}
		break;
	case WEIGHT_SAMPLES:
		if (!sample) {
			snprintf(why, size, "--weight samples needs the sample backend");
			return -1;
		}
		break;
	default:
		return -1;
	}
	*out = w;
	return 0;
}

__u64 stack_entry_value(const struct run_model *m, const struct stack_entry *e, enum weight w)
{
	__u32 lock_kind = m->exact_stacks ? STACK_EXACT : STACK_CONTENDED;

	switch (w) {
	case WEIGHT_COUNT:
		return e->kind == lock_kind ? e->count : 0;
	case WEIGHT_WAIT:
		return e->kind == lock_kind ? e->wait_ns : 0;
	case WEIGHT_HOLD:
		return e->kind == STACK_EXACT ? e->hold_ns : 0;
	case WEIGHT_SAMPLES:
		return e->kind == STACK_SAMPLE ? e->count : 0;
	default:
		return 0;
	}
}

/* Append one frame, with ';' (the separator) replaced. */
static int append(char **buf, size_t *len, size_t *cap, const char *frame, const char *suffix)
{
	size_t flen = strlen(frame), slen = strlen(suffix), i;

	if (*len + flen + slen + 2 > *cap) {
		size_t ncap = (*len + flen + slen + 2) * 2;
		char *p = realloc(*buf, ncap);

		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = ncap;
	}
	if (*len)
		(*buf)[(*len)++] = ';';
	for (i = 0; i < flen; i++)
		(*buf)[(*len)++] = frame[i] == ';' ? ':' : frame[i];
	memcpy(*buf + *len, suffix, slen);
	*len += slen;
	(*buf)[*len] = '\0';
	return 0;
}

static bool several_processes(const struct model_run *run)
{
	size_t i;

	for (i = 1; i < run->nr_rings; i++) {
		if (run->rings[i].pid != run->rings[0].pid)
			return true;
	}
	return false;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

/* Sort the lines and sum those of equal stacks (entries that differ only in what no frame
 * shows, e.g. the owner's role without by_owner). */
static size_t merge_lines(struct folded_line *lines, size_t n)
{
	size_t i, kept = 0;

	if (!n)
		return 0;
	qsort(lines, n, sizeof(*lines), line_cmp);
	for (i = 1; i < n; i++) {
		if (!strcmp(lines[i].stack, lines[kept].stack)) {
			lines[kept].value += lines[i].value;
			free((char *)lines[i].stack);
			continue;
		}
		lines[++kept] = lines[i];
	}
	return kept + 1;
}

int folded_build(const struct run_model *m, enum weight w, bool by_owner,
		 struct folded_line **out, size_t *nr)
{
	static const struct stack_set none;
	const struct stack_set *stacks = m->stacks ? m->stacks : &none;
	bool with_pid = several_processes(&m->run);
	struct folded_line *lines;
	size_t i, n = 0;

	*out = NULL;
	*nr = 0;
	lines = calloc(stacks->nr ? stacks->nr : 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (i = 0; i < stacks->nr; i++) {
		const struct stack_entry *e = &stacks->entries[i];
		const struct model_ring *ring = model_ring_by_number(&m->run, e->slot);
		__u64 value = stack_entry_value(m, e, w);
		char *buf = NULL, first[320], flags[256];
		size_t len = 0, cap = 0, f;
		int err = 0;

		if (!value)
			continue;
		if (ring) {
			setup_flags_str((__u32)ring->setup_flags.value, "|", flags, sizeof(flags));
			if (with_pid)
				snprintf(first, sizeof(first), "ring pid %u fd %d [%s]",
					 (unsigned int)ring->pid, ring->fd, flags);
			else
				snprintf(first, sizeof(first), "ring fd %d [%s]", ring->fd, flags);
		} else {
			snprintf(first, sizeof(first), "pid %u", e->tgid);
		}
		err |= append(&buf, &len, &cap, first, "");
		if (e->kind == STACK_SAMPLE)
			err |= append(&buf, &len, &cap, e->slot != RING_SLOT_NONE
								? "uring_lock held" : "uring_lock not held", "");
		else
			err |= append(&buf, &len, &cap, path_name(e->path), "");
		if (by_owner && e->kind == STACK_CONTENDED)
			err |= append(&buf, &len, &cap, "owner ", owner_role_name(e->role));
		for (f = e->nr_uframes; f > 0; f--)
			err |= append(&buf, &len, &cap, e->uframes[f - 1] ? e->uframes[f - 1] : "?", "");
		for (f = e->nr_kframes; f > 0; f--)
			err |= append(&buf, &len, &cap, e->kframes[f - 1] ? e->kframes[f - 1] : "?",
				      "_[k]");
		if (err) {
			free(buf);
			folded_free(lines, n);
			return -ENOMEM;
		}
		lines[n].stack = buf;
		lines[n].value = value;
		n++;
	}
	*out = lines;
	*nr = merge_lines(lines, n);
	return 0;
}

void folded_free(struct folded_line *lines, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free((char *)lines[i].stack);
	free(lines);
}

int folded_write(FILE *out, const struct folded_line *lines, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (fprintf(out, "%s %llu\n", lines[i].stack, (unsigned long long)lines[i].value) < 0)
			return -EIO;
	}
	return fflush(out) ? -errno : 0;
}
