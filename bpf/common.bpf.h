/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every backend shares: settings, the tracked-ring maps, failure counters, and the
 * function that adds a ring to the tracked set.
 */
#ifndef URINGLOCKSTAT_COMMON_BPF_H
#define URINGLOCKSTAT_COMMON_BPF_H

/* Set by the loader before load. */
const volatile bool target_all = false;     /* profile every process */
const volatile bool follow_forks = false;   /* children of targets become targets */
const volatile __u64 io_uring_release_addr = 0; /* identifies io_uring files */
/* io_ring_exit_work: the work a ring's teardown queues (its last SQ head); 0 if unknown. */
const volatile __u64 io_ring_exit_work_addr = 0;
const volatile __u32 max_rings = DEFAULT_MAX_RINGS;
/* Record each exact acquisition's call site, for its path (the exact backend's --paths). */
const volatile bool want_paths = true;
/*
 * Time each exact acquisition (--holds; false without the exact backend): the lock functions'
 * entry programs record each call, contention_end when a contended one took the lock, and the
 * release computes its wait and hold. Without it the exact backend runs on
 * mutex_unlock alone: every acquisition counted, with its path (where it is released) and
 * handoffs, for one trampoline per lock/unlock pair of any mutex instead of two.
 */
const volatile bool want_holds = true;
/* Take each exact acquisition's whole kernel stack too (flame graphs, --stacks). */
const volatile bool want_exact_stacks = false;
/* Whether the contention backend's half of contention_end runs (want_holds: the exact one's). */
const volatile bool contention_on = false;
/*
 * Address of the function each exact entry program is attached to (enum lock_fn order), from
 * /proc/kallsyms; 0 when unknown, and then no call site is taken.
 */
const volatile __u64 lock_fn_addr[LOCK_FN_COUNT] = {};
/* How many arguments each of those functions has (lockdep's _nested ones have two). */
const volatile __u32 lock_fn_args[LOCK_FN_COUNT] = {};
/* Tests only: drop the contention backend's half of every Nth contention_end (0: none). */
const volatile __u32 test_skip_end_every = 0;
/* Tracked-lock index: entries - 1 (a power of two minus one, at most INDEX_MAX_ENTRIES - 1). */
const volatile __u32 index_mask = INDEX_MIN_ENTRIES - 1;
/* Kernel stacks for contended acquisitions too (flame graphs), and user stacks. */
const volatile bool want_kstacks = false;
/* The mutex code's address ranges (0: unknown, take every sample's stack). */
const volatile __u32 nr_lock_ranges = 0;
const volatile __u64 lock_range_start[MAX_LOCK_RANGES] = {};
const volatile __u64 lock_range_end[MAX_LOCK_RANGES] = {};
/* Stack entries name their process (stacks are shown: --stacks, --folded, --ustack...). */
const volatile bool keep_tgid = false;
/* The contention backend takes each episode's kernel stack for its waiter path. */
const volatile bool want_waiter_paths = false;
const volatile bool want_ustacks = false;
/* Read the lock owner's CPU in 1 of (mask + 1) contention episodes. */
const volatile __u32 owner_sample_mask = OWNER_SAMPLE_EVERY - 1;
/*
 * Lockdep kernels (CONFIG_DEBUG_LOCK_ALLOC) have no mutex fast path: every mutex_lock_nested
 * runs the slow path, which fires lock:contention_begin before its first trylock.
 */
const volatile bool mutex_always_slow = false;

/* Switched by the loader without detaching. */
bool enabled = true;

__u32 next_slot;
struct bpf_failures failures;

/* Tracked locks: &ctx->uring_lock -> ring slot. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_RINGS);
	__type(key, __u64);
	__type(value, __u32);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DEFAULT_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct ring_info);
} rings SEC(".maps");

/* See struct lock_index_entry; sized by the loader (index_mask + 1 entries). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, INDEX_MIN_ENTRIES);
	__type(key, __u32);
	__type(value, struct lock_index_entry);
} lock_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DEFAULT_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct ring_counts);
} stats SEC(".maps");

/* The exact backend's figures per ring, written under the ring's lock (struct exact_ring). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DEFAULT_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct exact_ring);
} exact SEC(".maps");

/*
 * Contended-wait histograms per ring, one copy: a successful contention_end runs with the
 * ring's lock held, so the mutex serializes its writes (an interrupted wait, which did not
 * take the lock, adds atomically). Per-CPU copies cost 4.3 KiB per CPU per ring: 280 MB at 64
 * CPUs and 1024 rings, all of it copied to user space at every snapshot.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DEFAULT_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct wait_hist);
} hists SEC(".maps");

/*
 * Slots of expired rings (closed for the --expire time), pushed by user space after it cleared
 * their state; a new ring takes one before a never-used slot. Sized to max_rings at open time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, DEFAULT_MAX_RINGS);
	__type(value, __u32);
} free_slots SEC(".maps");


/* A lock call of the exact backend on a tracked lock, from its entry to the unlock. */
struct lock_call {
	__u64 lock;       /* 0: free */
	__u64 start_ns;   /* entry of the lock function */
	__u64 acquire_ns; /* contention_end of a contended call; 0: taken at once */
	__u64 caller;     /* return address into the caller of the lock function; 0: unknown */
	__s32 stack_id;   /* --stacks: the whole kernel stack */
	__s32 ustack_id;  /* --ustack */
	__u32 lock_fn;    /* enum lock_fn */
	__u32 pad;
};

/*
 * The exact backend's lock calls per task, in an array indexed by a hash of the task's address:
 * an inlined array load where task storage costs two helper calls and a lock, and at unlock
 * the task is read from the mutex's owner field, without a helper call. Two tasks with the
 * same hash take turns in one entry, each losing the other's calls (counted as
 * unlock_unknown).
 */
#define TASK_CALL_BITS 13

struct task_calls {
	__u64 task;
	struct lock_call calls[2]; /* a task may hold two rings' locks: lock_two_rings, msg_ring */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << TASK_CALL_BITS);
	__type(key, __u32);
	__type(value, struct task_calls);
} task_calls SEC(".maps");

/* The entry of a task (by its task_struct address); claimed (its previous owner's calls
 * dropped) if `claim`, else NULL when another task has it. */
static __always_inline struct task_calls *task_calls_of(__u64 task, bool claim)
{
	__u32 k = (task * 0x9e3779b97f4a7c15ull) >> (64 - TASK_CALL_BITS);
	struct task_calls *t = bpf_map_lookup_elem(&task_calls, &k);

	if (!t)
		return 0;
	if (t->task != task) {
		if (!claim)
			return 0;
		t->task = task;
		t->calls[0].lock = 0;
		t->calls[1].lock = 0;
	}
	return t;
}

/* The contention backend's open episode of a task. */
struct waiter {
	__u64 start_ns;
	__u64 lock;      /* 0: no open episode */
	__u32 slot;
	__u32 slept;
	__s32 owner_cpu; /* -1: no owner seen */
	__s32 waiter_cpu;
	__u32 owner_role; /* enum owner_role */
	__u32 pad;
	__s32 stack_id;  /* with --stacks/--folded/--svg */
	__s32 ustack_id; /* with --ustack */
};

/* The open contention episode of each task (lock 0: none); cheaper than a hash. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct waiter);
} waiters SEC(".maps");

/* The ring a process's fd (or registered-ring index) names, for io_uring_enter. */
struct ring_fd_key {
	__u32 tgid;
	__s32 fd;
	__u32 registered;
};

struct ring_fd {
	__u32 slot;
	__u32 sqpoll;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_RINGS * 4);
	__type(key, struct ring_fd_key);
	__type(value, struct ring_fd);
} ring_fds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, KSTACK_BUCKETS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, DEFAULT_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAX_USTACK_DEPTH * sizeof(__u64));
} ustacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_STACKS);
	__type(key, struct stack_key);
	__type(value, struct stack_stats);
} stack_stats SEC(".maps");

/* Processes being profiled: tgid -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/* The task's recorded lock call on this lock, or NULL. */
static __always_inline struct lock_call *lock_call_of(struct task_calls *t, __u64 lock)
{
	if (t->calls[0].lock == lock)
		return &t->calls[0];
	if (t->calls[1].lock == lock)
		return &t->calls[1];
	return 0;
}

static __always_inline bool is_target(__u32 tgid)
{
	return target_all || bpf_map_lookup_elem(&targets, &tgid);
}

static __always_inline __u64 lock_of(const struct io_ring_ctx *ctx)
{
	return (__u64)ctx + bpf_core_field_offset(struct io_ring_ctx, uring_lock);
}

static __always_inline __u32 *slot_of(const struct io_ring_ctx *ctx)
{
	__u64 lock = lock_of(ctx);

	return bpf_map_lookup_elem(&tracked, &lock);
}

/*
 * Fibonacci hashing: the product's top bits depend on every bit of the (aligned) address. A
 * constant shift (the mask does the sizing) keeps the miss path short.
 */
static __always_inline __u32 index_home(__u32 low)
{
	return (low * 0x9e3779b9u) >> (32 - INDEX_HOME_BITS);
}

/* The entries after a lock's home, for tracked_slot (a subprogram: the miss path stays short). */
static __noinline __u32 tracked_slot_probe(__u64 lock, __u32 home)
{
	__u32 i;

	for (i = 1; i < INDEX_PROBES; i++) {
		__u32 k = (home + i) & index_mask;
		struct lock_index_entry *e = bpf_map_lookup_elem(&lock_index, &k);

		if (!e || !e->lock)
			return RING_SLOT_NONE;
		if (e->lock == lock)
			return e->slot;
	}
	return RING_SLOT_NONE;
}

/*
 * The slot of a tracked lock, or RING_SLOT_NONE: what every hot program asks first. A miss is
 * a multiply and one inlined array load (the entry at the lock's home is free); the clock and
 * every hash wait until after it. Entries are never stale: a lock leaving the tracked set has
 * its entry marked dead (by track_ring, or by user space when its ring expires).
 */
static __always_inline __u32 tracked_slot_low(__u64 lock, __u32 low)
{
	__u32 home = index_home(low), k = home & index_mask;
	struct lock_index_entry *e = bpf_map_lookup_elem(&lock_index, &k);

	if (!e || !e->lock)
		return RING_SLOT_NONE;
	if (e->lock == lock)
		return e->slot;
	return tracked_slot_probe(lock, home);
}

static __always_inline __u32 tracked_slot(__u64 lock)
{
	return tracked_slot_low(lock, (__u32)lock);
}

/*
 * Put lock -> slot in the index: the first free or dead entry from the lock's home on, claimed
 * with a compare-and-swap, then published slot first. False when INDEX_PROBES entries are all
 * in use (counted as tracked_insert by the caller).
 */
static __always_inline bool index_insert(__u64 lock, __u32 slot)
{
	__u32 home = index_home((__u32)lock), i;

	for (i = 0; i < INDEX_PROBES; i++) {
		__u32 k = (home + i) & index_mask;
		struct lock_index_entry *e = bpf_map_lookup_elem(&lock_index, &k);
		__u64 cur;

		if (!e)
			return false;
		cur = e->lock;
		if (cur && cur != INDEX_DEAD)
			continue;
		if (__sync_val_compare_and_swap(&e->lock, cur, INDEX_CLAIMED) != cur)
			continue;
		e->slot = slot;
		/* An atomic exchange orders the slot's store before the lock's. */
		__sync_lock_test_and_set(&e->lock, lock);
		return true;
	}
	return false;
}

/* Mark the index entry of lock -> slot dead (the probe goes on past dead entries). */
static __always_inline void index_kill(__u64 lock, __u32 slot)
{
	__u32 home = index_home((__u32)lock), i;

	for (i = 0; i < INDEX_PROBES; i++) {
		__u32 k = (home + i) & index_mask;
		struct lock_index_entry *e = bpf_map_lookup_elem(&lock_index, &k);

		if (!e || !e->lock)
			return;
		if (e->lock == lock && e->slot == slot) {
			__sync_val_compare_and_swap(&e->lock, lock, INDEX_DEAD);
			return;
		}
	}
}

/* The slot no longer is the lock's ring: its index entry dies, its figures stay. */
static __always_inline void untrack_slot(__u64 lock, __u32 slot)
{
	struct ring_info *info = bpf_map_lookup_elem(&rings, &slot);

	index_kill(lock, slot);
	if (info)
		info->lock = 0;
}

static __always_inline void remember_fd(__u32 tgid, __s32 fd, __u32 slot, __u32 setup_flags)
{
	struct ring_fd_key key = { .tgid = tgid, .fd = fd };
	struct ring_fd ring = { .slot = slot, .sqpoll = !!(setup_flags & IORING_SETUP_SQPOLL) };

	bpf_map_update_elem(&ring_fds, &key, &ring, BPF_ANY);
}

/* A free slot: an expired ring's, else a never-used one; RING_SLOT_NONE when all are in use. */
static __always_inline __u32 new_slot(void)
{
	__u32 slot;

	if (!bpf_map_pop_elem(&free_slots, &slot) && slot < max_rings)
		return slot;
	/* Full: stop counting up, so that a run of failed attempts cannot wrap next_slot. */
	if (next_slot >= max_rings)
		goto full;
	slot = __sync_fetch_and_add(&next_slot, 1);
	if (slot < max_rings)
		return slot;
full:
	__sync_fetch_and_add(&failures.ring_slots_full, 1);
	return RING_SLOT_NONE;
}

/* Drop what names a freed ring's slot by its lock address and its process's fd. */
static __always_inline void forget_lock(__u64 lock, __u32 old_slot, __u32 tgid, __s32 fd)
{
	struct ring_fd_key key = { .tgid = tgid, .fd = fd };

	bpf_map_delete_elem(&tracked, &lock);
	untrack_slot(lock, old_slot);
	if (fd >= 0)
		bpf_map_delete_elem(&ring_fds, &key);
}

/*
 * io_uring_create installs the ring's fd before the event fires: an iterator run (or an event
 * on the new fd) in between may have tracked the same ring just before. A freed ring's
 * leftover at a reused address is older than this: the ctx is freed an RCU grace period after
 * close at the earliest.
 */
#define CREATE_RACE_NS 1000000ull

/* The SINGLE_ISSUER submitter's thread ID, 0 if none (or before 6.0, commit 97bbdc06a444). */
static __always_inline __u32 submitter_tid(struct io_ring_ctx *ctx)
{
	struct task_struct *submitter;

	if (!bpf_core_field_exists(ctx->submitter_task))
		return 0;
	submitter = BPF_CORE_READ(ctx, submitter_task);
	return submitter ? BPF_CORE_READ(submitter, pid) : 0;
}

/*
 * Add a ring to the tracked set and return its slot, or RING_SLOT_NONE. Cold: runs when a ring
 * is discovered, never for a ring already tracked (but from io_uring_create).
 */
static __noinline __u32 track_ring(struct io_ring_ctx *ctx, struct task_struct *task, __s32 fd,
				   __u32 source)
{
	struct ring_info *info;
	__u64 lock = lock_of(ctx), now = bpf_ktime_get_ns();
	__u32 *found, slot, old = RING_SLOT_NONE;
	bool replace = false;

	found = bpf_map_lookup_elem(&tracked, &lock);
	if (found) {
		/*
		 * io_uring_create is authoritative that the ring is new: an entry at its lock's
		 * address is a freed ring's, unless another path tracked this very ring in the
		 * moment between the fd's install and the event.
		 */
		old = *found;
		if (source != RING_SOURCE_CREATE)
			return old;
		info = bpf_map_lookup_elem(&rings, &old);
		if (info && info->ctx == (__u64)ctx && info->source != RING_SOURCE_CREATE &&
		    now - info->seen_ns < CREATE_RACE_NS)
			return old;
		replace = true;
	}
	slot = new_slot();
	if (slot == RING_SLOT_NONE) {
		/* Untracked, but at least not counted as the freed ring it replaces. */
		if (replace)
			forget_lock(lock, old, BPF_CORE_READ(task, tgid), fd);
		return RING_SLOT_NONE;
	}
	info = bpf_map_lookup_elem(&rings, &slot);
	if (!info)
		return RING_SLOT_NONE;
	info->ctx = (__u64)ctx;
	info->seen_ns = now;
	info->tgid = BPF_CORE_READ(task, tgid);
	info->fd = fd;
	info->setup_flags = BPF_CORE_READ(ctx, flags);
	info->sq_entries = BPF_CORE_READ(ctx, sq_entries);
	info->cq_entries = BPF_CORE_READ(ctx, cq_entries);
	info->sq_head_start = BPF_CORE_READ(ctx, cached_sq_head);
	info->submitter_tid = submitter_tid(ctx);
	info->source = source;
	/* The process's name (its leader's), not that of the thread that revealed the ring. */
	BPF_CORE_READ_STR_INTO(&info->comm, task, group_leader, comm);
	/*
	 * Publish the info before the slot becomes visible to the other programs. A replaced
	 * entry's slot stays behind, untracked: user space finds it closed and expires it.
	 */
	if (bpf_map_update_elem(&tracked, &lock, &slot, replace ? BPF_ANY : BPF_NOEXIST)) {
		/* Most likely lost a race with another discovery of the ring: give the slot back. */
		__builtin_memset(info, 0, sizeof(*info));
		bpf_map_push_elem(&free_slots, &slot, 0);
		found = replace ? 0 : bpf_map_lookup_elem(&tracked, &lock);
		if (found)
			return *found;
		if (replace)
			forget_lock(lock, old, BPF_CORE_READ(task, tgid), fd);
		__sync_fetch_and_add(&failures.tracked_insert, 1);
		return RING_SLOT_NONE;
	}
	/* The replaced ring's index entries die; this ring's becomes the live one. */
	if (replace)
		untrack_slot(lock, old);
	info->lock = lock;
	if (!index_insert(lock, slot))
		__sync_fetch_and_add(&failures.tracked_insert, 1);
	if (fd >= 0)
		remember_fd(info->tgid, fd, slot, info->setup_flags);
	return slot;
}

static __always_inline struct ring_counts *stats_of(__u32 slot)
{
	struct ring_counts *s = bpf_map_lookup_elem(&stats, &slot);

	if (!s)
		__sync_fetch_and_add(&failures.stats_lookup, 1);
	return s;
}

/*
 * Count one value in a histogram: plainly where its writers are serialized (per-CPU, or under
 * the ring's lock), atomically where not. The clamp is done in asm, on the register the access
 * then uses: clang may otherwise check a copy, and 6.1's verifier loses the bound across it.
 */
static __always_inline void hist_add(__u64 *hist, __u64 value, bool atomic)
{
	__u64 b = hist_bucket(value);

	asm volatile("if %[b] <= %[last] goto +1; %[b] = %[last]"
		     : [b] "+r"(b)
		     : [last] "i"(HIST_BUCKETS - 1));
	if (atomic)
		__sync_fetch_and_add(&hist[b], 1);
	else
		hist[b]++;
}

static __always_inline struct wait_hist *hists_of(__u32 slot)
{
	struct wait_hist *h = bpf_map_lookup_elem(&hists, &slot);

	if (!h)
		__sync_fetch_and_add(&failures.stats_lookup, 1);
	return h;
}

static __always_inline struct stack_stats *stack_stats_of(__u32 slot, __s32 stack_id,
							  __s32 ustack_id, __u32 kind,
							  __u32 lock_fn)
{
	struct stack_key key = { .slot = slot, .stack_id = stack_id, .ustack_id = ustack_id,
				 .kind = kind, .lock_fn = lock_fn };
	struct stack_stats *st, zero = {};

	/*
	 * The process only where stacks are shown (flame graphs name it; user frames need it):
	 * else one entry serves a stack in every process, and a daemon's -a run does not make
	 * one per process.
	 */
	if (keep_tgid)
		key.tgid = bpf_get_current_pid_tgid() >> 32;
	st = bpf_map_lookup_elem(&stack_stats, &key);
	if (st)
		return st;
	bpf_map_update_elem(&stack_stats, &key, &zero, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&stack_stats, &key);
	/* A daemon's prune may have deleted it in between: once more. */
	if (!st) {
		bpf_map_update_elem(&stack_stats, &key, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stack_stats, &key);
	}
	if (!st)
		__sync_fetch_and_add(&failures.stacks_full, 1);
	return st;
}

/* A stack id, counting failures other than "no stack here" (EFAULT: e.g. a kernel thread). */
static __always_inline __s32 take_stack(void *ctx, void *map, __u64 flags)
{
	__s32 id = bpf_get_stackid(ctx, map, flags);

	if (id < 0 && id != -EFAULT)
		__sync_fetch_and_add(&failures.stacks_full, 1);
	return id;
}

/* include/uapi/linux/magic.h */
#define ANON_INODE_FS_MAGIC 0x09041934

/*
 * An io_uring file: its release function is io_uring_release, or, when /proc/kallsyms hides
 * that address (kptr_restrict), it is an anonymous inode named "[io_uring]" (io_uring_get_file;
 * only the kernel names anonymous inodes).
 */
static __always_inline bool is_io_uring_file(struct file *file)
{
	const char want[] = "[io_uring]";
	char name[sizeof(want)];
	int i;

	if (io_uring_release_addr &&
	    (__u64)BPF_CORE_READ(file, f_op, release) == io_uring_release_addr)
		return true;
	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) != ANON_INODE_FS_MAGIC)
		return false;
	if (bpf_probe_read_kernel_str(name, sizeof(name),
				      BPF_CORE_READ(file, f_path.dentry, d_name.name)) != sizeof(name))
		return false;
	for (i = 0; i < sizeof(name); i++) {
		if (name[i] != want[i])
			return false;
	}
	return true;
}

/* Stats of a ring seen in an io_uring event, tracking it if a target owns it. */
static __always_inline struct ring_counts *event_ring(struct io_ring_ctx *ctx)
{
	__u32 slot = tracked_slot(lock_of(ctx)), tgid;

	if (slot != RING_SLOT_NONE)
		return stats_of(slot);
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!is_target(tgid))
		return 0;
	slot = track_ring(ctx, (struct task_struct *)bpf_get_current_task(), -1, RING_SOURCE_LAZY);
	if (slot == RING_SLOT_NONE)
		return 0;
	return stats_of(slot);
}

#endif
