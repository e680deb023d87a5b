// SPDX-License-Identifier: GPL-2.0
/*
 * Stack reading: the aggregated kernel and user stacks of the BPF maps, classified by path
 * and symbolized, and the exact backend's call sites as one-frame stacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "session_priv.h"
#include "stacks.h"
#include "kallsyms.h"

int stack_read_open(struct session *s, bool want_ustacks, char *err, size_t err_size)
{
	if (!s->stacks_used)
		return 0;
	if (!s->ksyms)
		s->ksyms = ksyms_load();
	s->stack_paths = malloc(KSTACK_BUCKETS);
	s->stack_lock = malloc(KSTACK_BUCKETS);
	s->stack_unused = calloc(KSTACK_BUCKETS, 1);
	if (!s->ksyms || !s->stack_paths || !s->stack_lock || !s->stack_unused) {
		snprintf(err, err_size, "cannot read /proc/kallsyms for kernel stacks");
		return -ENOMEM;
	}
	memset(s->stack_paths, -1, KSTACK_BUCKETS);
	memset(s->stack_lock, -1, KSTACK_BUCKETS);
	if (want_ustacks) {
		s->usyms = usyms_new();
		if (!s->usyms) {
			snprintf(err, err_size, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

void stack_read_close(struct session *s)
{
	usyms_free(s->usyms);
	ksyms_free(s->ksyms);
	free(s->stack_paths);
	free(s->stack_unused);
	free(s->stack_lock);
}

enum lock_path caller_path(struct session *s, __u64 ip)
{
	enum lock_path path = ip && s->ksyms ? path_of_stack(s->ksyms, &ip, 1) : PATH_OTHER;
	const struct ksym *sym;
	size_t i;

	if (!s->verbose || !ip || !s->ksyms)
		return path;
	for (i = 0; i < s->nr_sites_shown; i++) {
		if (s->sites_shown[i] == ip)
			return path;
	}
	if (s->nr_sites_shown < sizeof(s->sites_shown) / sizeof(s->sites_shown[0]))
		s->sites_shown[s->nr_sites_shown++] = ip;
	sym = ksyms_find(s->ksyms, ip);
	fprintf(stderr, "uringlockstat: call site %s+0x%llx: path %s\n", sym ? sym->name : "?",
		sym ? (unsigned long long)(ip - sym->addr) : 0ull, path_name(path));
	return path;
}

/* Kernel frames of a stack id, innermost first; returns how many (0 if none). */
static size_t kernel_frames(struct session *s, __s32 stack_id, __u64 *frames)
{
	size_t n;

	memset(frames, 0, MAX_STACK_DEPTH * sizeof(__u64));
	if (stack_id < 0 || bpf_map__lookup_elem(s->skel->maps.stacks, &stack_id,
						 sizeof(stack_id), frames,
						 bpf_map__value_size(s->skel->maps.stacks), 0))
		return 0;
	for (n = 0; n < MAX_STACK_DEPTH && frames[n]; n++)
		;
	return n;
}

/* Symbolized kernel frames, innermost first, without the profiler's own frames. */
static char **kernel_names(struct session *s, __s32 stack_id, size_t *nr)
{
	__u64 frames[MAX_STACK_DEPTH];
	size_t n = kernel_frames(s, stack_id, frames), i;
	char **names = calloc(n ? n : 1, sizeof(char *)), buf[64];

	*nr = 0;
	if (!names)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *name = kframe_name(s->ksyms, frames[i], s->verbose, buf, sizeof(buf));

		if (!name)
			continue;
		/* Unknown frames in a row, their addresses hidden, are one frame. */
		if (*nr && names[*nr - 1] && !strcmp(name, KFRAME_UNKNOWN) &&
		    !strcmp(names[*nr - 1], KFRAME_UNKNOWN))
			continue;
		names[(*nr)++] = strdup(name);
	}
	return names;
}

bool stack_lock_code(struct session *s, __s32 stack_id)
{
	struct stack_entry e = {};
	size_t i;

	if (stack_id < 0 || stack_id >= KSTACK_BUCKETS)
		return false;
	if (s->stack_lock[stack_id] >= 0)
		return s->stack_lock[stack_id];
	e.kframes = kernel_names(s, stack_id, &e.nr_kframes);
	s->stack_lock[stack_id] = e.kframes && stack_in_lock_code(&e);
	for (i = 0; i < e.nr_kframes; i++)
		free(e.kframes[i]);
	free(e.kframes);
	return s->stack_lock[stack_id];
}

enum lock_path stack_path(struct session *s, __s32 stack_id)
{
	__u64 frames[MAX_STACK_DEPTH] = {};

	if (stack_id < 0 || stack_id >= KSTACK_BUCKETS)
		return PATH_OTHER;
	if (s->stack_paths[stack_id] >= 0)
		return s->stack_paths[stack_id];
	if (bpf_map__lookup_elem(s->skel->maps.stacks, &stack_id, sizeof(stack_id), frames,
				 bpf_map__value_size(s->skel->maps.stacks), 0))
		return PATH_OTHER;
	s->stack_paths[stack_id] = path_of_stack(s->ksyms, frames, MAX_STACK_DEPTH);
	if (s->verbose) {
		int i;

		fprintf(stderr, "uringlockstat: stack %d (%s):", stack_id,
			path_name(s->stack_paths[stack_id]));
		for (i = 0; i < MAX_STACK_DEPTH && frames[i]; i++) {
			const struct ksym *sym = ksyms_find(s->ksyms, frames[i]);

			fprintf(stderr, " %s", sym ? sym->name : "?");
		}
		fprintf(stderr, "\n");
	}
	return s->stack_paths[stack_id];
}

void session_watch(struct session *s)
{
	struct stack_key key, next, *prev = NULL;

	if (!s->usyms)
		return;
	while (!bpf_map__get_next_key(s->skel->maps.stack_stats, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (key.ustack_id >= 0)
			usyms_watch(s->usyms, key.tgid);
	}
}

/* Put the traced mutex function back as the leaf when the unwinder left it out. */
static void add_lock_leaf(struct stack_entry *e, __u32 lock_fn)
{
	static const char *const names[] = {
		[LOCK_FN_LOCK] = "mutex_lock", [LOCK_FN_INTERRUPTIBLE] = "mutex_lock_interruptible",
		[LOCK_FN_KILLABLE] = "mutex_lock_killable", [LOCK_FN_TRYLOCK] = "mutex_trylock",
	};
	char **frames;

	if (!e->kframes || lock_fn > LOCK_FN_TRYLOCK ||
	    (e->nr_kframes && !strncmp(e->kframes[0], "mutex_", 6)))
		return;
	frames = realloc(e->kframes, (e->nr_kframes + 1) * sizeof(char *));
	if (!frames)
		return;
	memmove(frames + 1, frames, e->nr_kframes * sizeof(char *));
	frames[0] = strdup(names[lock_fn]);
	e->kframes = frames;
	e->nr_kframes++;
}

/* A new zeroed entry at the end of the set, or NULL without memory. */
static struct stack_entry *new_stack_entry(struct stack_set *out, size_t *cap)
{
	struct stack_entry *e;

	if (out->nr == *cap) {
		size_t n = *cap ? *cap * 2 : 256;
		void *p = realloc(out->entries, n * sizeof(*out->entries));

		if (!p)
			return NULL;
		out->entries = p;
		*cap = n;
	}
	e = &out->entries[out->nr++];
	memset(e, 0, sizeof(*e));
	return e;
}

/*
 * The exact backend's acquisitions without whole stacks: one stack per call site, the lock
 * function under the function that called it.
 */
static int exact_caller_stacks(struct session *s, struct stack_set *out, size_t *cap)
{
	__u32 slot, nr = s->skel->bss->next_slot;
	const struct exact_ring *x = s->exact_buf;
	char buf[64];
	size_t i;

	if (nr > s->max_rings)
		nr = s->max_rings;
	for (slot = 0; slot < nr; slot++) {
		struct ring_info info;

		if (bpf_map__lookup_elem(s->skel->maps.rings, &slot, sizeof(slot), &info,
					 sizeof(info), 0) || !info.ctx ||
		    bpf_map__lookup_elem(s->skel->maps.exact, &slot, sizeof(slot), s->exact_buf,
					 sizeof(*s->exact_buf), 0))
			continue;
		for (i = 0; i <= EXACT_CALLERS; i++) {
			const struct exact_caller *c = exact_caller(x, i);
			const char *name;
			struct stack_entry *e;

			if (!c->count)
				continue;
			e = new_stack_entry(out, cap);
			if (!e)
				return -ENOMEM;
			e->slot = slot;
			e->tgid = info.tgid;
			e->kind = STACK_EXACT;
			e->count = c->count;
			e->wait_ns = c->wait_ns;
			e->hold_ns = c->hold_ns;
			e->path = caller_path(s, c->ip);
			e->kframes = calloc(1, sizeof(char *));
			name = c->ip && s->ksyms ? kframe_name(s->ksyms, c->ip, s->verbose, buf,
							       sizeof(buf)) : NULL;
			if (e->kframes && name)
				e->kframes[e->nr_kframes++] = strdup(name);
			add_lock_leaf(e, c->lock_fn);
		}
	}
	return 0;
}

int session_read_stacks(struct session *s, struct stack_set *out)
{
	struct stack_key key, next, *prev = NULL;
	bool callers = s->rodata.want_holds && !s->rodata.want_exact_stacks &&
		       !s->rodata.want_ustacks;
	struct stack_stats st;
	size_t cap = 0;

	out->entries = NULL;
	out->nr = 0;
	if (!s->stacks_used)
		return 0;
	if (callers && s->rodata.want_paths && exact_caller_stacks(s, out, &cap))
		return -ENOMEM;
	while (!bpf_map__get_next_key(s->skel->maps.stack_stats, prev, &next, sizeof(next))) {
		struct stack_entry *e;

		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(s->skel->maps.stack_stats, &key, sizeof(key), &st,
					 sizeof(st), 0))
			continue;
		e = new_stack_entry(out, &cap);
		if (!e)
			return -ENOMEM;
		e->slot = key.slot;
		e->tgid = key.tgid;
		e->kind = key.kind;
		e->role = key.kind == STACK_CONTENDED && key.lock_fn < ROLE_COUNT ? key.lock_fn : 0;
		e->count = st.count;
		e->wait_ns = st.wait_ns;
		e->hold_ns = st.hold_ns;
		e->path = key.stack_id >= 0 ? stack_path(s, key.stack_id) : PATH_OTHER;
		e->kframes = kernel_names(s, key.stack_id, &e->nr_kframes);
		if (key.kind == STACK_EXACT)
			add_lock_leaf(e, key.lock_fn);
		if (key.ustack_id >= 0) {
			__u64 frames[MAX_USTACK_DEPTH] = {};
			size_t i;

			if (bpf_map__lookup_elem(s->skel->maps.ustacks, &key.ustack_id,
						 sizeof(key.ustack_id), frames, sizeof(frames), 0))
				continue;
			e->uframes = calloc(MAX_USTACK_DEPTH, sizeof(char *));
			for (i = 0; e->uframes && i < MAX_USTACK_DEPTH && frames[i]; i++)
				e->uframes[e->nr_uframes++] = usyms_name(s->usyms, key.tgid,
									 frames[i]);
		}
	}
	return 0;
}
