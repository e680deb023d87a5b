/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sample backend: CPU-clock perf events on every CPU, kept only for the target's threads.
 * Each sample records its kernel and user stacks (where the time goes, lock code included)
 * and whether the sampled task holds a tracked uring_lock (a statistical hold time).
 */
#ifndef URINGLOCKSTAT_SAMPLE_BPF_H
#define URINGLOCKSTAT_SAMPLE_BPF_H

struct held_search {
	__u64 current;
	__u32 found;
};

static long check_ring(__u32 i, void *arg)
{
	struct held_search *search = arg;
	struct ring_info *info = bpf_map_lookup_elem(&rings, &i);
	struct mutex *lock;
	long owner;

	/*
	 * A free slot (its ring expired) has no lock, nor has a closed ring whose address a
	 * new ring took: only the slot the lock is tracked in now is the holder's.
	 */
	if (!info || !info->lock)
		return 0;
	lock = (struct mutex *)info->lock;
	owner = BPF_CORE_READ(lock, owner.counter);
	if (((__u64)owner & ~MUTEX_FLAGS) != search->current)
		return 0;
	search->found = i;
	return 1;
}

/* The slot of the tracked lock the current task holds, or RING_SLOT_NONE. */
static __always_inline __u32 held_slot(__u64 current)
{
	struct held_search search = { .current = current, .found = RING_SLOT_NONE };
	__u32 nr = next_slot;

	if (nr > max_rings)
		nr = max_rings;
	if (nr > MAX_SAMPLE_RINGS)
		nr = MAX_SAMPLE_RINGS;
	/* bpf_loop: older verifiers reject this open-coded loop as possibly infinite. */
	bpf_loop(nr, check_ring, &search, 0);
	return search.found;
}

/*
 * Is the sampled instruction in mutex code? True when the ranges are unknown. A sample's
 * context is struct bpf_perf_event_data, which starts with the interrupted registers.
 */
static __always_inline bool sample_in_lock_code(void *ctx)
{
	__u64 ip = ((struct pt_regs *)ctx)->ip;
	__u32 i;

	if (!nr_lock_ranges)
		return true;
	for (i = 0; i < MAX_LOCK_RANGES; i++) {
		if (i >= nr_lock_ranges)
			break;
		if (ip >= lock_range_start[i] && ip < lock_range_end[i])
			return true;
	}
	return false;
}

SEC("perf_event")
int on_sample(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, slot, waiting = 0;
	struct stack_stats *ss;
	__s32 kstack, ustack;

	if (!enabled || !tgid || !is_target(tgid))
		return 0;
	slot = held_slot(bpf_get_current_task());
	/* A task waiting for a tracked lock: the ring it waits for (contention backend). */
	if (slot == RING_SLOT_NONE && contention_on) {
		struct waiter *w = bpf_task_storage_get(&waiters, bpf_get_current_task_btf(), 0, 0);

		if (w && w->lock)
			waiting = w->slot + 1;
	}
	/*
	 * The stack classifies lock code and feeds the flame graphs. Without flame graphs a
	 * sample outside mutex code needs none: unwinding is most of this program's cost.
	 */
	kstack = keep_tgid || sample_in_lock_code(ctx) ? take_stack(ctx, &stacks, 0) : -1;
	ustack = want_ustacks ? take_stack(ctx, &ustacks, BPF_F_USER_STACK) : -1;
	__sync_fetch_and_add(&failures.samples, 1);
	if (slot != RING_SLOT_NONE)
		__sync_fetch_and_add(&failures.samples_held, 1);
	ss = stack_stats_of(slot, kstack, ustack, STACK_SAMPLE, waiting);
	if (ss)
		__sync_fetch_and_add(&ss->count, 1);
	return 0;
}

#endif
