/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Contention backend: lock:contention_begin/end filtered to tracked uring_locks. One episode
 * per contended acquisition attempt, timed from its first begin to its end. contention_end
 * also tells the exact backend when a contended lock call took the lock (or gave up).
 */
#ifndef URINGLOCKSTAT_CONTENTION_BPF_H
#define URINGLOCKSTAT_CONTENTION_BPF_H

/* include/linux/sched.h */
#define PF_IO_WORKER 0x00000010
#define PF_KTHREAD 0x00200000

/* "iou-sqp-" as a little-endian u64: the SQ thread's comm prefix (io_sq_thread). */
#define SQPOLL_COMM_PREFIX 0x2d7071732d756f69ull

/* Who the owner task is to the ring of slot: enum owner_role. */
static __always_inline __u32 owner_role_of(struct task_struct *owner, __u32 slot)
{
	struct ring_info *info;
	struct io_ring_ctx *ctx;
	__u32 flags;
	__u64 comm = 0;

	flags = BPF_CORE_READ(owner, flags);
	if (flags & PF_IO_WORKER) {
		bpf_probe_read_kernel(&comm, sizeof(comm), &owner->comm);
		return comm == SQPOLL_COMM_PREFIX ? ROLE_SQPOLL : ROLE_IOWQ;
	}
	if (flags & PF_KTHREAD)
		return ROLE_KERNEL;
	info = bpf_map_lookup_elem(&rings, &slot);
	if (!info)
		return ROLE_UNKNOWN;
	ctx = (struct io_ring_ctx *)info->ctx;
	if (bpf_core_field_exists(ctx->submitter_task) &&
	    (__u64)BPF_CORE_READ(ctx, submitter_task) == (__u64)owner)
		return ROLE_SUBMITTER;
	return (__u32)BPF_CORE_READ(owner, tgid) == info->tgid ? ROLE_APP_THREAD : ROLE_OTHER_TASK;
}

/*
 * Read the lock's owner at an episode's first begin: the CPU it ran on last (-1: none) and its
 * role. Three to four cache misses of another CPU's data (~150-300 ns): sampled.
 */
static __always_inline void owner_read(struct mutex *lock, __u32 slot, struct waiter *w)
{
	struct task_struct *owner;

	owner = (struct task_struct *)(BPF_CORE_READ(lock, owner.counter) & ~MUTEX_FLAGS);
	if (!owner) {
		w->owner_cpu = -1;
		w->owner_role = ROLE_UNKNOWN;
		return;
	}
	if (bpf_core_field_exists(owner->thread_info.cpu)) {
		w->owner_cpu = BPF_CORE_READ(owner, thread_info.cpu);
	} else {
		struct task_struct___cpu_in_task *old = (void *)owner;

		w->owner_cpu = BPF_CORE_READ(old, cpu);
	}
	w->owner_role = owner_role_of(owner, slot);
}

/* Is the task asleep or about to sleep (between set_current_state() and schedule())? */
static __always_inline bool task_waiting(struct task_struct *task)
{
	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state) != 0;
	return BPF_CORE_READ((struct task_struct___state_long *)task, state) != 0;
}

/* Is the task the first waiter queued on the mutex (it spins again after a wake-up)? */
static __always_inline bool first_waiter(struct mutex *lock, struct task_struct *task)
{
	struct mutex___first_waiter *newer = (void *)lock;
	struct mutex_waiter *waiter;
	__u64 first;

	if (!bpf_core_field_exists(struct mutex_waiter, task))
		return true;
	if (bpf_core_field_exists(newer->first_waiter)) {
		waiter = BPF_CORE_READ(newer, first_waiter);
		return waiter && (__u64)BPF_CORE_READ(waiter, task) == (__u64)task;
	}
	/* Neither a first waiter nor a wait list to read: assume it is (never a new episode). */
	if (!bpf_core_field_exists(lock->wait_list))
		return true;
	first = (__u64)BPF_CORE_READ(lock, wait_list.next);
	if (first == (__u64)lock + bpf_core_field_offset(struct mutex, wait_list))
		return false;
	waiter = (void *)(first - bpf_core_field_offset(struct mutex_waiter, list));
	return (__u64)BPF_CORE_READ(waiter, task) == (__u64)task;
}

/*
 * Does a begin on the lock of the task's open episode continue that episode? In
 * __mutex_lock_common an episode's first begin has LCB_F_SPIN; a begin without it (about to
 * sleep) always continues one; a later begin with it comes only after sleeping, from the first
 * waiter, woken, spinning again. Anything else is a new episode whose previous end was missed
 * (its program did not run): it must not inherit the old start time.
 */
static __always_inline bool same_episode(struct waiter *w, struct mutex *lock, unsigned int flags,
					 struct task_struct *task)
{
	if (!(flags & LCB_F_SPIN))
		return true;
	if (!w->slept)
		return false;
	return task_waiting(task) || first_waiter(lock, task);
}

static __always_inline int on_contention_begin(void *ctx, void *lock, unsigned int flags)
{
	__u64 key = (__u64)lock;
	struct task_struct *task;
	struct waiter *w;
	__u32 slot;
	bool read;

	slot = tracked_slot(key);
	if (slot == RING_SLOT_NONE || !enabled)
		return 0;
	task = bpf_get_current_task_btf();
	w = bpf_task_storage_get(&waiters, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w) {
		__sync_fetch_and_add(&failures.waiters_full, 1);
		return 0;
	}
	if (w->lock == key && same_episode(w, lock, flags, task)) {
		if (!(flags & LCB_F_SPIN))
			w->slept = 1;
		return 0;
	}
	/* There the first begin on a free lock is no contention: the trylock will take it. */
	if (mutex_always_slow && !(BPF_CORE_READ((struct mutex *)lock, owner.counter) & ~MUTEX_FLAGS))
		return 0;
	w->start_ns = bpf_ktime_get_ns();
	w->lock = key;
	w->slot = slot;
	w->slept = !(flags & LCB_F_SPIN);
	/*
	 * Reading the owner costs cache misses of another CPU's data, and the waiter's kernel
	 * stack (which names its path: user space applies the path table) about 1 us: both are
	 * taken in the same sampled episodes.
	 */
	read = !owner_sample_mask || !(bpf_get_prandom_u32() & owner_sample_mask);
	if (read) {
		owner_read(lock, slot, w);
	} else {
		w->owner_cpu = -1;
		w->owner_role = ROLE_NOT_READ;
	}
	w->stack_id = want_kstacks || (read && want_waiter_paths) ? take_stack(ctx, &stacks, 0) : -1;
	w->waiter_cpu = bpf_get_smp_processor_id();
	w->ustack_id = want_ustacks ? take_stack(ctx, &ustacks, BPF_F_USER_STACK) : -1;
	return 0;
}

__u32 test_ends;

/* The contention backend's half of contention_end: close the task's open episode. */
static __always_inline void episode_end(struct waiter *w, __u64 key, int ret, __u64 now)
{
	struct wait_hist *h;
	struct ring_counts *s;
	__u64 wait_ns;

	if (w->lock != key) {
		if (tracked_slot(key) != RING_SLOT_NONE)
			__sync_fetch_and_add(&failures.end_without_begin, 1);
		return;
	}
	if (test_skip_end_every && __sync_fetch_and_add(&test_ends, 1) % test_skip_end_every == 0)
		return;
	w->lock = 0;
	wait_ns = now - w->start_ns;
	s = stats_of(w->slot);
	h = hists_of(w->slot);
	if (s && h) {
		/*
		 * The histogram first, then the count: a reader that sees the count change reads
		 * the histogram (src/collect/collect.c), and finds this value in it. A successful
		 * end holds the ring's lock: it serializes the histogram's writers.
		 */
		hist_add(h->wait, wait_ns, ret < 0);
		asm volatile("" ::: "memory");
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
	}
	if (want_kstacks || want_ustacks || (want_waiter_paths && w->owner_role != ROLE_NOT_READ)) {
		struct stack_stats *ss = stack_stats_of(w->slot, w->stack_id, w->ustack_id,
							STACK_CONTENDED, w->owner_role);

		if (ss) {
			__sync_fetch_and_add(&ss->count, 1);
			__sync_fetch_and_add(&ss->wait_ns, wait_ns);
		}
	}
}

/*
 * Every contention_end in the system comes here: tasks without a lock call or an open episode
 * leave at once. Mutex code runs it with preemption disabled: per-CPU figures are safe to
 * increment. A successful end runs with the lock held.
 */
static __always_inline int on_contention_end(void *lock, int ret)
{
	__u64 key = (__u64)lock, now = 0;
	struct lock_call *call = 0;
	struct task_calls *t;
	struct waiter *w;

	if (want_holds) {
		t = task_calls_of(bpf_get_current_task(), false);
		call = t ? lock_call_of(t, key) : 0;
		if (call && !call->acquire_ns) {
			now = bpf_ktime_get_ns();
			/* An interrupted or killed wait did not take the lock. */
			if (ret < 0)
				call->lock = 0;
			else
				call->acquire_ns = now;
		}
	}
	if (!contention_on)
		return 0;
	w = bpf_task_storage_get(&waiters, bpf_get_current_task_btf(), 0, 0);
	if (!w || !w->lock)
		return 0;
	episode_end(w, key, ret, now ? now : bpf_ktime_get_ns());
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
