/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact backend: every acquisition of a tracked uring_lock, from fentry programs only. The
 * entry of mutex_unlock, with the lock still held, counts the acquisition into the ring's
 * figures: its path from the release's call site, and a handoff when the CPU changed. With
 * --holds (want_holds) the entry of each lock function also records the call per task (time,
 * call site); contention_end says when a contended call took the lock, or that it gave up;
 * and the release adds the acquisition's wait and hold. No fexit: a return trampoline costs
 * about as much again as an entry one. Needs BPF trampolines.
 */
#ifndef URINGLOCKSTAT_EXACT_BPF_H
#define URINGLOCKSTAT_EXACT_BPF_H

/*
 * The return address into the caller of the traced function, read from the trampoline's
 * frame. ctx points at the arguments the trampoline saved below its frame pointer; above lie
 * (an fexit return-value slot, if another tool put one there), the saved frame pointer, the
 * return address into the lock function (its __fentry__ call), and the lock function's own
 * return address: one 24-byte read instead of a walk through the unwinder. The word found
 * inside the lock function (by its address) marks where the caller's address is; anything
 * else (another trampoline layout) gives 0, counted under the path other.
 */
static __always_inline __u64 lock_caller(void *ctx, __u32 lock_fn)
{
	__u64 words[3], fn;

	if (!want_paths || lock_fn >= LOCK_FN_COUNT)
		return 0;
	fn = lock_fn_addr[lock_fn];
	/* Past the saved arguments: one word per argument of the function. */
	if (!fn || bpf_probe_read_kernel(words, sizeof(words),
					 ctx + lock_fn_args[lock_fn] * 8 + 8))
		return 0;
	/* The __fentry__ call: at most an endbr64 and the call itself into the function. */
	if (words[0] - fn <= 16)
		return words[1];
	/* A return-value slot below the frame pointer shifts the frame by one word. */
	if (words[1] - fn <= 16)
		return words[2];
	return 0;
}

/*
 * The slot of the traced function's mutex. The verifier types the argument as a pointer to
 * struct mutex, on which no arithmetic (hashing) is allowed; a 32-bit move of it is a plain
 * number to programs allowed to read kernel addresses, as tracing programs must be (and the
 * compare with the index's full address is allowed them too): the hash takes its low half.
 * Two instructions, where bpf_get_func_arg() takes fifteen.
 */
static __always_inline __u32 mutex_slot(struct mutex *lock)
{
	__u32 low;

	asm volatile("%0 = %1" : "=w"(low) : "w"((__u32)(unsigned long)lock));
	return tracked_slot_low((__u64)lock, low);
}

/* Entry of a lock function on a tracked lock: record the call. */
static __always_inline void on_lock_call(void *ctx, __u64 lock, __u32 slot, __u32 lock_fn)
{
	struct lock_call *call;
	struct task_calls *t;

	if (!enabled)
		return;
	t = task_calls_of(bpf_get_current_task(), true);
	/* Without an entry the unlock finds no call: counted there as unlock_unknown. */
	if (!t)
		return;
	/*
	 * A call on the same lock replaces the task's last one (it ended: a task cannot lock
	 * a mutex it holds); else a free entry; else the second, the first being most likely
	 * the outer of two held locks.
	 */
	call = &t->calls[0];
	if (call->lock != lock && t->calls[1].lock == lock)
		call = &t->calls[1];
	else if (call->lock && call->lock != lock)
		call = &t->calls[1];
	call->lock = lock;
	call->start_ns = bpf_ktime_get_ns();
	call->acquire_ns = 0;
	call->lock_fn = lock_fn;
	call->caller = lock_caller(ctx, lock_fn);
	call->stack_id = want_exact_stacks ? take_stack(ctx, &stacks, TRAMPOLINE_FRAMES) : -1;
	call->ustack_id = want_ustacks ? take_stack(ctx, &ustacks, BPF_F_USER_STACK) : -1;
	if (lock_fn == LOCK_FN_TRYLOCK) {
		/* Outside the lock: an atomic add on this CPU's copy. */
		struct ring_counts *s = stats_of(slot);

		if (s)
			__sync_fetch_and_add(&s->trylock_calls, 1);
	}
}

static __always_inline __u32 caller_home(__u64 ip)
{
	return (ip * 0x9e3779b97f4a7c15ull) >> (64 - 4);
}

/* The ring's entry for a call site (claimed if new), or callers_other. Under the lock. */
static __always_inline struct exact_caller *caller_of(struct exact_ring *r, __u64 ip,
						      __u32 lock_fn)
{
	__u32 home = caller_home(ip), i;

	if (!ip)
		return &r->callers_other;
#pragma unroll
	for (i = 0; i < CALLER_PROBES; i++) {
		struct exact_caller *c = &r->callers[(home + i) & (EXACT_CALLERS - 1)];

		if (c->ip == ip && c->lock_fn == lock_fn)
			return c;
		if (!c->ip) {
			c->ip = ip;
			c->lock_fn = lock_fn;
			return c;
		}
	}
	__sync_fetch_and_add(&failures.stacks_full, 1);
	return &r->callers_other;
}

/*
 * A tracked lock released: every figure of the ring, written while the lock is still held.
 * Counted here, not at the lock call: an acquisition whose lock call the kernel did not give
 * our program (a preempted run of it on that CPU makes the kernel skip the others there) is
 * counted still, untimed (unlock_unknown). A handoff: released on another CPU than the hold
 * before it.
 */
static __noinline int on_unlock(void *ctx, struct mutex *lock, __u64 key, __u32 slot)
{
	__u64 now, acquired, wait_ns = 0, hold_ns;
	struct exact_caller *c;
	struct lock_call *call;
	struct task_calls *t;
	struct exact_ring *r;
	__u32 prev, cpu;

	r = bpf_map_lookup_elem(&exact, &slot);
	if (!r)
		return 0;
	/* The next hold's handoff compares with this CPU, counted or not. */
	cpu = bpf_get_smp_processor_id() + 1;
	prev = r->release_cpu;
	r->release_cpu = cpu;
	if (!enabled)
		return 0;
	if (prev && prev != cpu)
		r->handoffs++;
	r->acquisitions++;
	/* Without the lock functions' programs: the path from the release, and no times. */
	if (!want_holds) {
		caller_of(r, lock_caller(ctx, LOCK_FN_UNLOCK), LOCK_FN_UNLOCK)->count++;
		return 0;
	}
	/*
	 * The unlocking task owns the mutex: its address is in the owner word, flags aside (a
	 * direct load through the typed argument, no helper call).
	 */
	t = task_calls_of(lock->owner.counter & ~MUTEX_FLAGS, false);
	call = t ? lock_call_of(t, key) : 0;
	/*
	 * The path: where the lock was taken, or for a lock call not seen, where it is released
	 * (less sure: a mutex_unlock that ends a function may be a tail call from its caller).
	 */
	c = call ? caller_of(r, call->caller, call->lock_fn) :
		   caller_of(r, lock_caller(ctx, LOCK_FN_UNLOCK), LOCK_FN_LOCK);
	c->count++;
	if (!call) {
		__sync_fetch_and_add(&failures.unlock_unknown, 1);
		return 0;
	}
	call->lock = 0;
	now = bpf_ktime_get_ns();
	acquired = call->start_ns;
	/* Contended: taken at contention_end. Else at once (its wait counts in bucket 0). */
	if (call->acquire_ns) {
		acquired = call->acquire_ns;
		wait_ns = acquired - call->start_ns;
		r->acquire_wait_ns_total += wait_ns;
		if (wait_ns > r->acquire_wait_ns_max)
			r->acquire_wait_ns_max = wait_ns;
		hist_add(r->acquire_wait, wait_ns, false);
	}
	hold_ns = now - acquired;
	r->holds++;
	if (call->lock_fn == LOCK_FN_TRYLOCK)
		r->trylocks++;
	r->hold_ns_total += hold_ns;
	if (hold_ns > r->hold_ns_max)
		r->hold_ns_max = hold_ns;
	hist_add(r->hold, hold_ns, false);
	c->wait_ns += wait_ns;
	c->hold_ns += hold_ns;
	if (want_exact_stacks || want_ustacks) {
		struct stack_stats *ss = stack_stats_of(slot, call->stack_id, call->ustack_id,
							STACK_EXACT, call->lock_fn);

		if (ss) {
			ss->count++;
			ss->wait_ns += wait_ns;
			ss->hold_ns += hold_ns;
		}
	}
	return 0;
}

SEC("fentry/mutex_unlock")
int BPF_PROG(unlock_entry, struct mutex *lock)
{
	__u32 slot = mutex_slot(lock);

	if (slot == RING_SLOT_NONE)
		return 0;
	return on_unlock(ctx, lock, (__u64)lock, slot);
}

/* Entry of a lock function on any mutex. */
static __always_inline int lock_call(void *ctx, struct mutex *lock, __u32 lock_fn)
{
	__u32 slot = mutex_slot(lock);

	if (slot != RING_SLOT_NONE)
		on_lock_call(ctx, (__u64)lock, slot, lock_fn);
	return 0;
}

SEC("fentry/mutex_lock")
int BPF_PROG(lock_entry, struct mutex *lock)
{
	return lock_call(ctx, lock, LOCK_FN_LOCK);
}

SEC("fentry/mutex_lock_interruptible")
int BPF_PROG(lock_intr_entry, struct mutex *lock)
{
	return lock_call(ctx, lock, LOCK_FN_INTERRUPTIBLE);
}

SEC("fentry/mutex_lock_killable")
int BPF_PROG(lock_kill_entry, struct mutex *lock)
{
	return lock_call(ctx, lock, LOCK_FN_KILLABLE);
}

/* A failed trylock leaves its call behind: harmless, the task's next call on the lock replaces it. */
SEC("fentry/mutex_trylock")
int BPF_PROG(trylock_entry, struct mutex *lock)
{
	return lock_call(ctx, lock, LOCK_FN_TRYLOCK);
}

#endif
