/* SPDX-License-Identifier: GPL-2.0 */
/* Structures and constants shared by the BPF programs and the loader. */
#ifndef URINGLOCKSTAT_H
#define URINGLOCKSTAT_H

#include "histogram.h"

/* Upper bound of rings tracked in one run; --max-rings lowers or raises it at open time. */
#define DEFAULT_MAX_RINGS 128
#define DEFAULT_MAX_TARGETS 1024
#define DEFAULT_MAX_STACKS 4096
/*
 * Buckets of the kernel stack map: a new stack whose hash bucket holds another stack is not
 * recorded (counted as stacks_full), so the buckets outnumber the stacks a run keeps, 4 to 1
 * (16384 x 256 bytes: 4 MiB).
 */
#define KSTACK_BUCKETS (4 * DEFAULT_MAX_STACKS)
#define MAX_STACK_DEPTH 32
/*
 * Frames a BPF trampoline puts on top of the stack of a traced function (the BPF program and
 * the trampoline): a stack taken in an fentry program skips them.
 */
#define TRAMPOLINE_FRAMES 2
/*
 * The exact backend's per-path figures: per ring, a table of the call sites (return addresses
 * into the function that called the mutex function), open-addressed, probed this many times.
 */
#define EXACT_CALLERS 16
#define CALLER_PROBES 4
/*
 * Tracked-lock index: an open-addressed array in front of the tracked-lock hash, so that the
 * hot programs decide "not a uring_lock" with a multiply and one array load. Sized to at least
 * INDEX_PER_RING entries per ring (load factor <= 1/4); a lookup or insert probes at most
 * INDEX_PROBES consecutive entries.
 */
#define INDEX_PER_RING 4
#define INDEX_MIN_ENTRIES 256
#define INDEX_HOME_BITS 22
#define INDEX_MAX_ENTRIES (1u << INDEX_HOME_BITS)
#define INDEX_PROBES 8
#define MAX_USTACK_DEPTH 64
/*
 * Address ranges of the mutex code (mutex_*, __mutex_*, osq_* functions): a sample whose
 * instruction is in none of them is not in lock code, and needs no stack unless stacks are
 * shown.
 */
#define MAX_LOCK_RANGES 32
/* Rings the sample backend checks for "does the sampled task hold this ring's lock". */
#define MAX_SAMPLE_RINGS 256
/* The contention backend reads the lock owner's CPU in one of this many episodes. */
#define OWNER_SAMPLE_EVERY 8

/* How a ring entered the tracked set. */
enum ring_source {
	RING_SOURCE_ITERATOR = 1, /* task_file iterator at start or at an interval */
	RING_SOURCE_CREATE = 2,   /* io_uring:io_uring_create while running */
	RING_SOURCE_LAZY = 3,     /* another io_uring event carried an unknown ctx */
};

/* Written once when a ring is first seen; indexed by ring slot. */
struct ring_info {
	__u64 ctx;          /* kernel address of struct io_ring_ctx (shown only with -v) */
	__u64 seen_ns;      /* bpf_ktime_get_ns() when discovered */
	__u32 tgid;         /* process whose fd table (or event) revealed the ring */
	__s32 fd;           /* -1 when discovered from an event that carries no fd */
	__u32 setup_flags;  /* IORING_SETUP_* */
	__u32 sq_entries;
	__u32 cq_entries;
	__u32 submitter_tid; /* SINGLE_ISSUER owner task, 0 if none yet */
	__u32 sq_head_start; /* ctx->cached_sq_head when discovered */
	__u32 source;        /* enum ring_source */
	char comm[16];
	/* &ctx->uring_lock while this slot is the lock's ring; 0 once freed or replaced. */
	__u64 lock;
	__u32 sq_head_end;   /* ctx->cached_sq_head when its teardown began (closed) */
	__u32 ended;         /* sq_head_end is set */
};

/* States of a tracked-lock index entry besides lock -> slot. */
#define INDEX_FREE 0ull    /* never used: a lookup stops here */
#define INDEX_CLAIMED 1ull /* being written */
#define INDEX_DEAD 2ull    /* its lock left the tracked set; reusable */

/* An entry of the tracked-lock index. */
struct lock_index_entry {
	__u64 lock;
	__u32 slot;
	__u32 pad;
};

/*
 * What BPF counts per ring and per CPU, in one struct ring_counts per CPU (the stats map): X
 * for a sum, M for a maximum. User space sums the CPUs' copies into struct ring_stats.
 */
#define RING_COUNTS(X, M) \
	/* counters backend */ \
	X(enters)                  /* io_uring_enter calls on the ring */ \
	X(enters_submit)           /* ... with to_submit > 0 */ \
	X(enters_submit_getevents) /* ... and IORING_ENTER_GETEVENTS */ \
	X(submit_locked)           /* non-SQPOLL submit enters that reached the lock (ret >= 0) */ \
	X(sqes_enter)              /* SQEs consumed, summed from io_uring_enter's return value */ \
	X(registers)               /* io_uring_register calls (the lock is held at the event) */ \
	X(local_work_runs)         /* DEFER_TASKRUN local work runs */ \
	X(task_work_runs)          /* task work runs whose task last used this ring */ \
	/* contention backend */ \
	X(contended)       /* contention episodes ended (one per contended acquisition attempt) */ \
	X(spin)            /* episodes won while optimistically spinning */ \
	X(sleep)           /* episodes that went to sleep at least once */ \
	X(interrupted)     /* episodes ended by a signal (ret < 0) */ \
	X(owner_other_cpu) /* owner ran on another CPU than the waiter at the first begin */ \
	X(owner_known)     /* sampled episodes where an owner was seen at the first begin */ \
	X(wait_ns_total) \
	M(wait_ns_max) \
	/* exact backend */ \
	X(trylock_calls)   /* mutex_trylock calls (failed = calls - trylocks) */

#define RING_COUNT_FIELD(name) __u64 name;

/* Per ring, per CPU (the stats map's value). */
struct ring_counts {
	RING_COUNTS(RING_COUNT_FIELD, RING_COUNT_FIELD)
};

/* Per ring as user space sees it: the counts summed over CPUs, and the exact backend's. */
struct ring_stats {
	RING_COUNTS(RING_COUNT_FIELD, RING_COUNT_FIELD)
	/* exact backend (struct exact_ring, one copy per ring) */
	__u64 acquisitions;       /* mutex_lock* returns with the lock, successful trylocks */
	__u64 trylocks;           /* ... of which successful mutex_trylock calls */
	__u64 trylocks_failed;
	__u64 handoffs;           /* acquired on another CPU than the previous holder released it */
	__u64 acquire_wait_ns_total; /* entry to return of the lock call, every acquisition */
	__u64 acquire_wait_ns_max;
	__u64 hold_ns_total;
	__u64 hold_ns_max;
	__u64 holds;              /* releases of an acquisition seen by this run */
};


/* Per ring: latency histograms, as the report sees them. */
struct ring_hists {
	__u64 wait[HIST_BUCKETS];         /* contention backend: contended waits */
	__u64 acquire_wait[HIST_BUCKETS]; /* exact backend: every acquisition's wait */
	__u64 hold[HIST_BUCKETS];         /* exact backend: hold times */
};

/* Per ring and CPU in BPF: the contention backend's histogram. */
struct wait_hist {
	__u64 wait[HIST_BUCKETS];
};

/*
 * One call site of a lock function on a ring's lock (or of mutex_unlock, for an acquisition
 * whose lock call was not seen): the acquisitions it took, their waits and holds.
 */
struct exact_caller {
	__u64 ip;      /* return address into the caller; 0: free entry */
	__u64 count;
	__u64 wait_ns; /* of the timed ones */
	__u64 hold_ns;
	__u32 lock_fn; /* enum lock_fn called there */
	__u32 pad;
};

/*
 * The exact backend's figures of one ring. Written at mutex_unlock's entry, while the task
 * still holds the ring's uring_lock: the mutex serializes every write, so plain increments
 * lose nothing even where BPF programs are preempted, and the figures need no per-CPU copies.
 */
struct exact_ring {
	__u64 acquisitions; /* releases: counted even when the lock call was not seen */
	__u64 holds;        /* ... of which the lock call was seen: timed */
	__u64 trylocks;
	__u64 handoffs;
	__u64 acquire_wait_ns_total;
	__u64 acquire_wait_ns_max;
	__u64 hold_ns_total;
	__u64 hold_ns_max;
	__u32 release_cpu; /* CPU + 1 of the last release; 0: none seen yet */
	__u32 pad;
	__u64 acquire_wait[HIST_BUCKETS]; /* contended acquisitions only: user space adds the rest
					   * to bucket 0 */
	__u64 hold[HIST_BUCKETS];
	struct exact_caller callers[EXACT_CALLERS];
	struct exact_caller callers_other; /* call site unknown, or the table full */
};

/*
 * The mutex function an exact acquisition went through. The unwinder sometimes leaves the
 * traced function out of an fexit stack; user space puts it back as the leaf from this.
 */
enum lock_fn {
	LOCK_FN_LOCK,
	LOCK_FN_INTERRUPTIBLE,
	LOCK_FN_KILLABLE,
	LOCK_FN_TRYLOCK,
	LOCK_FN_UNLOCK, /* not a lock function: mutex_unlock, whose call site names the path */
	LOCK_FN_COUNT,
};

/*
 * Who held a ring's lock when a contention episode began (the contention backend reads the
 * mutex's owner field in one episode of OWNER_SAMPLE_EVERY). Kept in stack_key.lock_fn of
 * STACK_CONTENDED entries.
 */
enum owner_role {
	ROLE_NOT_READ,     /* the owner was not read in this episode (sampling) */
	ROLE_SUBMITTER,    /* the SINGLE_ISSUER ring's submitter task */
	ROLE_APP_THREAD,   /* another thread of the ring's process (any thread: no submitter) */
	ROLE_IOWQ,         /* an io-wq worker (PF_IO_WORKER, not the SQ thread) */
	ROLE_SQPOLL,       /* the SQPOLL thread (iou-sqp-*) */
	ROLE_KERNEL,       /* a kernel thread: kworker (fallback work, ring exit work) */
	ROLE_OTHER_TASK,   /* a task of another process (e.g. reading the ring's fdinfo) */
	ROLE_UNKNOWN,      /* read, but no owner: the lock was released in between */
	ROLE_COUNT,
};

/* What a stack_stats entry counts. */
enum stack_kind {
	STACK_EXACT = 1,     /* acquisitions (exact backend): count, wait_ns, hold_ns */
	STACK_CONTENDED = 2, /* contention episodes: count, wait_ns */
	STACK_SAMPLE = 3,    /* CPU samples of the target's threads: count */
};

/*
 * Per (ring, kernel stack, user stack, kind): what the flame graphs and the path attribution
 * are made of. slot is RING_SLOT_NONE for samples taken while no tracked lock was held.
 */
struct stack_key {
	__u32 slot;
	__u32 tgid;      /* process of the task, for symbolizing the user stack */
	__s32 stack_id;  /* kernel stack in the stacks map; negative: none or not taken */
	__s32 ustack_id; /* user stack in the ustacks map; negative: none or not taken */
	__u32 kind;      /* enum stack_kind */
	__u32 lock_fn;   /* STACK_EXACT: enum lock_fn that took the lock; STACK_CONTENDED:
			  * enum owner_role of the lock's owner at the episode's begin;
			  * STACK_SAMPLE: 1 + the slot of the tracked lock the task waited
			  * for (its open contention episode), 0 if none */
};

struct stack_stats {
	__u64 count;
	__u64 wait_ns;
	__u64 hold_ns;
};

/* One record per io_uring file the iterator finds (read by the loader each interval). */
struct ring_snapshot {
	__u64 ctx;
	__u32 slot;        /* tracked slot, or RING_SLOT_NONE when the map was full */
	__u32 tgid;
	__s32 fd;
	__u32 sq_head;     /* ctx->cached_sq_head: SQEs consumed so far (wraps at 2^32) */
	__u32 setup_flags;
	__u32 submitter_tid;
};

#define RING_SLOT_NONE 0xffffffffu

/* Failures counted in BPF .bss and always reported. */
struct bpf_failures {
	__u64 ring_slots_full;   /* a new ring could not be tracked: --max-rings reached */
	__u64 tracked_insert;    /* hash insert into the tracked-lock map failed */
	__u64 waiters_full;      /* a contention episode could not be timed: no waiter storage */
	__u64 stats_lookup;      /* per-ring stats lookup failed */
	__u64 end_without_begin; /* contention_end on a tracked lock with no begin seen */
	__u64 fd_resolve;        /* io_uring_enter whose fd could not be resolved to a ring */
	__u64 stacks_full;       /* acquisition stack not recorded: stack or stack_stats map full */
	__u64 unlock_unknown;    /* unlock of an acquisition this run did not see (taken before) */
	__u64 samples;           /* CPU samples of the target's threads (sample backend) */
	__u64 samples_held;      /* ... taken while the task held a tracked uring_lock */
};

#endif
