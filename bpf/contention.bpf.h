/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Contention backend: lock:contention_begin/end filtered to tracked uring_locks. One episode
 * per contended acquisition attempt, timed from its first begin to its end.
 */
#ifndef URINGLOCKSTAT_CONTENTION_BPF_H
#define URINGLOCKSTAT_CONTENTION_BPF_H

struct waiter {
	__u64 start_ns;
	__u64 lock;
	__u32 slot;
	__u32 slept;
	__s32 owner_cpu; /* -1: no owner seen */
	__s32 waiter_cpu;
	__s32 stack_id;  /* with --stacks/--folded/--svg */
	__s32 ustack_id; /* with --ustack */
};

/* The open contention episode of each task (lock 0: none); task storage is cheaper than a hash. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct waiter);
} waiters SEC(".maps");

static __always_inline __s32 owner_cpu(struct mutex *lock)
{
	struct task_struct *owner;
	__u32 cpu = 0;

	owner = (struct task_struct *)(BPF_CORE_READ(lock, owner.counter) & ~MUTEX_FLAGS);
	if (!owner)
		return -1;
	if (bpf_core_field_exists(owner->thread_info.cpu)) {
		cpu = BPF_CORE_READ(owner, thread_info.cpu);
	} else {
		struct task_struct___cpu_in_task *old = (void *)owner;

		cpu = BPF_CORE_READ(old, cpu);
	}
	return cpu;
}

static __always_inline int on_contention_begin(void *ctx, void *lock, unsigned int flags)
{
	__u64 key = (__u64)lock;
	struct waiter *w;
	__u32 *slot;

	slot = bpf_map_lookup_elem(&tracked, &key);
	if (!slot || !enabled)
		return 0;
	w = bpf_task_storage_get(&waiters, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w) {
		__sync_fetch_and_add(&failures.waiters_full, 1);
		return 0;
	}
	if (w->lock == key) {
		/* A later begin of the same episode: the first waiter spinning again, or sleeping. */
		if (!(flags & LCB_F_SPIN))
			w->slept = 1;
		return 0;
	}
	/* There the first begin on a free lock is no contention: the trylock will take it. */
	if (mutex_always_slow && !(BPF_CORE_READ((struct mutex *)lock, owner.counter) & ~MUTEX_FLAGS))
		return 0;
	w->start_ns = bpf_ktime_get_ns();
	w->lock = key;
	w->slot = *slot;
	w->slept = !(flags & LCB_F_SPIN);
	/* Reading the owner costs two cache misses (~150 ns): sample it. */
	w->owner_cpu = owner_sample_mask && (bpf_get_prandom_u32() & owner_sample_mask) ? -1 :
									      owner_cpu(lock);
	w->waiter_cpu = bpf_get_smp_processor_id();
	w->stack_id = want_kstacks ? take_stack(ctx, &stacks, 0) : -1;
	w->ustack_id = want_ustacks ? take_stack(ctx, &ustacks, BPF_F_USER_STACK) : -1;
	return 0;
}

/* Every contention_end in the system comes here: tasks without an open episode leave at once. */
static __always_inline int on_contention_end(void *lock, int ret)
{
	__u64 key = (__u64)lock, wait_ns;
	struct ring_hists *h;
	struct ring_stats *s;
	struct waiter *w;

	w = bpf_task_storage_get(&waiters, bpf_get_current_task_btf(), 0, 0);
	if (!w || !w->lock)
		return 0;
	if (w->lock != key) {
		if (bpf_map_lookup_elem(&tracked, &key))
			__sync_fetch_and_add(&failures.end_without_begin, 1);
		return 0;
	}
	w->lock = 0;
	wait_ns = bpf_ktime_get_ns() - w->start_ns;
	s = stats_of(w->slot);
	h = hists_of(w->slot);
	if (s && h) {
		s->contended++;
		if (w->slept)
			s->sleep++;
		else
			s->spin++;
		if (ret < 0)
			s->interrupted++;
		if (w->owner_cpu >= 0) {
			s->owner_known++;
			if (w->owner_cpu != w->waiter_cpu)
				s->owner_other_cpu++;
		}
		s->wait_ns_total += wait_ns;
		if (wait_ns > s->wait_ns_max)
			s->wait_ns_max = wait_ns;
		hist_add(h->wait, wait_ns);
	}
	if (want_kstacks || want_ustacks) {
		struct stack_stats *ss = stack_stats_of(w->slot, w->stack_id, w->ustack_id,
							STACK_CONTENDED, 0);

		if (ss) {
			__sync_fetch_and_add(&ss->count, 1);
			__sync_fetch_and_add(&ss->wait_ns, wait_ns);
		}
	}
	return 0;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(contention_begin_btf, void *lock, unsigned int flags)
{
	return on_contention_begin(ctx, lock, flags);
}

SEC("raw_tp/contention_begin")
int BPF_PROG(contention_begin_raw, void *lock, unsigned int flags)
{
	return on_contention_begin(ctx, lock, flags);
}

SEC("tp_btf/contention_end")
int BPF_PROG(contention_end_btf, void *lock, int ret)
{
	return on_contention_end(lock, ret);
}

SEC("raw_tp/contention_end")
int BPF_PROG(contention_end_raw, void *lock, int ret)
{
	return on_contention_end(lock, ret);
}
#endif
