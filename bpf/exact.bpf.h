/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact backend: fentry/fexit on the mutex functions, filtered to tracked uring_locks. Every
 * acquisition with its wait (call entry to return), hold (acquisition to unlock), the CPU it
 * happened on, and its kernel stack (for the path). Needs BPF trampolines.
 */
#ifndef URINGLOCKSTAT_EXACT_BPF_H
#define URINGLOCKSTAT_EXACT_BPF_H

/* The current holder of each tracked lock; written only by the task that holds it. */
struct lock_state {
	__u64 acquire_ns;
	__s32 stack_id;
	__s32 ustack_id;
	__u32 held;
	__u32 lock_fn;
	__u32 release_cpu; /* CPU + 1 of the last release; 0: none seen yet */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DEFAULT_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct lock_state);
} lock_states SEC(".maps");

/* Entry time of a lock call on a tracked lock, per task, read at the call's return. */
struct lock_call {
	__u64 lock;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lock_call);
} lock_calls SEC(".maps");

static __always_inline void on_lock_entry(struct mutex *lock)
{
	__u64 key = (__u64)lock;
	struct lock_call *call;

	if (!bpf_map_lookup_elem(&tracked, &key) || !enabled)
		return;
	call = bpf_task_storage_get(&lock_calls, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!call)
		return;
	call->lock = key;
	call->start_ns = bpf_ktime_get_ns();
}

/* The current task now holds tracked lock `slot`. */
static __always_inline void acquired(void *ctx, __u32 slot, __u64 wait_ns, __u32 lock_fn)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct ring_stats *s = stats_of(slot);
	struct ring_hists *h = hists_of(slot);
	struct lock_state *st = bpf_map_lookup_elem(&lock_states, &slot);
	struct stack_stats *ss;
	__s32 stack_id = -1, ustack_id = -1;

	if (!s || !h || !st)
		return;
	if (want_paths)
		stack_id = take_stack(ctx, &stacks, 0);
	if (want_ustacks)
		ustack_id = take_stack(ctx, &ustacks, BPF_F_USER_STACK);
	if (st->release_cpu && st->release_cpu != cpu + 1)
		s->handoffs++;
	st->acquire_ns = bpf_ktime_get_ns();
	st->stack_id = stack_id;
	st->ustack_id = ustack_id;
	st->lock_fn = lock_fn;
	st->held = 1;
	s->acquisitions++;
	if (lock_fn == LOCK_FN_TRYLOCK)
		s->trylocks++;
	s->acquire_wait_ns_total += wait_ns;
	if (wait_ns > s->acquire_wait_ns_max)
		s->acquire_wait_ns_max = wait_ns;
	hist_add(h->acquire_wait, wait_ns);
	if (!want_paths)
		return;
	ss = stack_stats_of(slot, stack_id, ustack_id, STACK_EXACT, lock_fn);
	if (ss) {
		__sync_fetch_and_add(&ss->count, 1);
		__sync_fetch_and_add(&ss->wait_ns, wait_ns);
	}
}

/* Return of a blocking lock call: `ok` says whether it took the lock. */
static __always_inline void on_lock_return(void *ctx, struct mutex *lock, bool ok, __u32 lock_fn)
{
	__u64 key = (__u64)lock, now = bpf_ktime_get_ns();
	struct lock_call *call;
	__u32 *slot;

	slot = bpf_map_lookup_elem(&tracked, &key);
	if (!slot || !enabled)
		return;
	call = bpf_task_storage_get(&lock_calls, bpf_get_current_task_btf(), 0, 0);
	if (!call || call->lock != key)
		return;
	call->lock = 0;
	if (ok)
		acquired(ctx, *slot, now - call->start_ns, lock_fn);
}

SEC("fentry/mutex_lock")
int BPF_PROG(lock_entry, struct mutex *lock)
{
	on_lock_entry(lock);
	return 0;
}

SEC("fexit/mutex_lock")
int BPF_PROG(lock_exit, struct mutex *lock)
{
	on_lock_return(ctx, lock, true, LOCK_FN_LOCK);
	return 0;
}

SEC("fentry/mutex_lock_interruptible")
int BPF_PROG(lock_intr_entry, struct mutex *lock)
{
	on_lock_entry(lock);
	return 0;
}

SEC("fexit/mutex_lock_interruptible")
int BPF_PROG(lock_intr_exit, struct mutex *lock, int ret)
{
	on_lock_return(ctx, lock, ret == 0, LOCK_FN_INTERRUPTIBLE);
	return 0;
}

SEC("fentry/mutex_lock_killable")
int BPF_PROG(lock_kill_entry, struct mutex *lock)
{
	on_lock_entry(lock);
	return 0;
}

SEC("fexit/mutex_lock_killable")
int BPF_PROG(lock_kill_exit, struct mutex *lock, int ret)
{
	on_lock_return(ctx, lock, ret == 0, LOCK_FN_KILLABLE);
	return 0;
}

/*
 * Lockdep (CONFIG_DEBUG_LOCK_ALLOC) kernels have mutex_lock_interruptible_nested(lock, subclass)
 * and mutex_lock_killable_nested(lock, subclass) instead: the return value follows the
 * subclass, so their fexit programs are these (src/session.c picks them). The entry
 * programs, and mutex_lock's exit (no return value), are retargeted as they are.
 */
SEC("fexit/mutex_lock_interruptible_nested")
int BPF_PROG(lock_intr_nested_exit, struct mutex *lock, unsigned int subclass, int ret)
{
	on_lock_return(ctx, lock, ret == 0, LOCK_FN_INTERRUPTIBLE);
	return 0;
}

SEC("fexit/mutex_lock_killable_nested")
int BPF_PROG(lock_kill_nested_exit, struct mutex *lock, unsigned int subclass, int ret)
{
	on_lock_return(ctx, lock, ret == 0, LOCK_FN_KILLABLE);
	return 0;
}

SEC("fexit/mutex_trylock")
int BPF_PROG(trylock_exit, struct mutex *lock, int ret)
{
	__u64 key = (__u64)lock;
	struct ring_stats *s;
	__u32 *slot;

	slot = bpf_map_lookup_elem(&tracked, &key);
	if (!slot || !enabled)
		return 0;
	if (ret == 1) {
		acquired(ctx, *slot, 0, LOCK_FN_TRYLOCK);
		return 0;
	}
	s = stats_of(*slot);
	if (s)
		s->trylocks_failed++;
	return 0;
}

SEC("fentry/mutex_unlock")
int BPF_PROG(unlock_entry, struct mutex *lock)
{
	__u64 key = (__u64)lock, hold_ns;
	__u32 *slot, cpu = bpf_get_smp_processor_id();
	struct stack_stats *ss;
	struct lock_state *st;
	struct ring_hists *h;
	struct ring_stats *s;

	slot = bpf_map_lookup_elem(&tracked, &key);
	if (!slot)
		return 0;
	st = bpf_map_lookup_elem(&lock_states, slot);
	if (!st)
		return 0;
	/* The next acquisition's handoff compares with this CPU, counted or not. */
	st->release_cpu = cpu + 1;
	if (!st->held || !enabled) {
		if (enabled)
			__sync_fetch_and_add(&failures.unlock_unknown, 1);
		return 0;
	}
	st->held = 0;
	hold_ns = bpf_ktime_get_ns() - st->acquire_ns;
	s = stats_of(*slot);
	h = hists_of(*slot);
	if (!s || !h)
		return 0;
	s->holds++;
	s->hold_ns_total += hold_ns;
	if (hold_ns > s->hold_ns_max)
		s->hold_ns_max = hold_ns;
	hist_add(h->hold, hold_ns);
	if (!want_paths)
		return 0;
	ss = stack_stats_of(*slot, st->stack_id, st->ustack_id, STACK_EXACT, st->lock_fn);
	if (ss)
		__sync_fetch_and_add(&ss->hold_ns, hold_ns);
	return 0;
}

#endif
