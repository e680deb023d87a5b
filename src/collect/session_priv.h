/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of src/collect share and nothing outside them sees: struct session, the
 * per-slot state collection keeps between snapshots, and the calls between the files.
 */
#ifndef URINGLOCKSTAT_COLLECT_SESSION_PRIV_H
#define URINGLOCKSTAT_COLLECT_SESSION_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "session.h"
#include "paths.h"
#include "plan.h"
#include "uringlockstat.skel.h"

/* What the programs of one load are: hooks, the ring iterator, the sampler. */
struct prog_set {
	bool hook[NR_HOOKS];
	bool iter;
	bool sample;
};

/*
 * What collection remembers of a ring slot between snapshots. Kept here, not in the report:
 * the report is written from it, never read back.
 */
struct slot_track {
	__u64 ctx;       /* the ring last read in the slot; with seen_ns, a reused slot differs */
	__u64 seen_ns;
	__u64 closed_ns; /* CLOCK_MONOTONIC when first found closed, 0 while open */
	__u32 last_head; /* the SQ head counted up to */
	bool head_seen;  /* an iterator snapshot, or the ring's teardown, gave its SQ head */
	bool open;       /* the last snapshot still found the ring open */
	bool ended;      /* its teardown began: counted up to its last SQ head */
	bool fd_seen;    /* the last snapshot found it in an fd table or a registered ring fd
			  * (else live only through a mapping: its SQ head was not read) */
	__u64 hist_count; /* the contended count when its wait histogram was last read */
	bool hist_again;  /* read the histogram at the next snapshot too */
};

struct session {
	struct uringlockstat_bpf *skel;
	struct uringlockstat_bpf *names; /* opened only for program names and sections */
	struct uringlockstat_bpf__rodata rodata;
	struct prog_set progs;              /* what is loaded */
	bool teardown_hook;                 /* the ring teardown hook is attached: a ring is live
					     * until its teardown, in an fd table or not */
	char target[NR_HOOKS][64];          /* fentry hooks: the function attached to */
	struct bpf_link *links[NR_HOOKS];   /* in attach order */
	size_t link_hook[NR_HOOKS];         /* the hook of each link */
	int nr_links;
	bool use_btf;     /* tp_btf programs, else raw_tp */
	bool enter_fexit; /* io_uring_enter counted by fexit, else at sys_exit */
	bool lockdep;     /* the exact backend hooks mutex_lock_nested and its variants */
	/* Tests only: a program to make fail at load, or at attach (by its name). */
	const char *test_refuse;
	const char *test_attach_fail;
	struct bpf_link *iter_link;     /* rings in fd tables (iter/task_file) */
	struct bpf_link *reg_iter_link; /* tracked rings of registered ring fds (iter/task) */
	int ncpus;
	__u32 max_rings;
	struct slot_track *slots;      /* max_rings of them: collection's, see collect.c */
	struct ring_info *info_buf;     /* READ_CHUNK slots' ring entries, as read */
	struct ring_counts *percpu;     /* ... their counters, every CPU's copy */
	__u32 *key_buf;                 /* ... their keys (batch lookups) */
	bool batch_ok;                  /* the kernel has batch lookups for array maps */
	struct wait_hist *hist_buf;    /* ... their histograms */
	struct wait_hist *zero_hists;  /* zeros, to clear an expired slot's histogram */
	struct exact_ring *exact_buf;  /* one ring's exact figures, as read */
	__u64 sites_shown[64];         /* -v: call sites already printed with their path */
	size_t nr_sites_shown;
	struct ring_snapshot *snaps;
	size_t snaps_cap;
	bool exact;
	bool sample;
	bool stacks_used;
	__u32 freq_hz;
	struct bpf_link **perf_links;
	int *perf_fds;
	int nr_perf;
	bool verbose;
	int stats_fd;      /* holds kernel.bpf_stats_enabled on while open */
	bool prog_table;   /* --prog-stats: per-program figures in the report */
	struct ksyms *ksyms;
	__s8 *stack_paths; /* stack id -> enum lock_path, -1 not yet classified */
	__s8 *stack_lock;  /* stack id -> in lock code called from io_uring, -1 not yet known */
	__u8 *stack_unused; /* stack id -> no entry referred to it at the last prune */
	/* Lock samples of stack entries pruned or expired: the run's totals keep them. */
	__u64 pruned_ns;   /* CLOCK_MONOTONIC of the last prune_stacks */
	__u64 carry_lock_samples;
	__u64 carry_lock_path[PATH_COUNT];
	struct usyms *usyms;
};

/* The program of hook h in skel: its tp_btf, fentry or fexit one, or its raw_tp flavour. */
static inline struct bpf_program *hook_prog(struct uringlockstat_bpf *skel, const struct hook *h,
					    bool use_btf)
{
	size_t off = use_btf || !h->raw_prog ? h->btf_prog : h->raw_prog;

	return *(struct bpf_program **)((char *)skel + off);
}

/* lifecycle.c */

/*
 * Hook i cannot run (why): the plan says what that costs; a backend that needs it is switched
 * off and its links detached. Returns false with err set when the run cannot go on.
 */
bool hook_lost(struct session *s, const struct session_opts *o, struct report *rep, size_t i,
	       const char *why, char *err, size_t err_size);

/* load.c */

/*
 * Load the run's programs (s->progs) into s->skel. With --mode auto, a failed load is
 * followed by loading each program alone; those the kernel refuses are dropped (their
 * figures, or their backend, lost and said so), and the rest is loaded again.
 */
int load_object(struct session *s, const struct session_opts *o, struct report *rep, char *err,
		size_t err_size);

/* collect.c */

/* Collection's buffers and per-slot state (max_rings slots); -ENOMEM. */
int collect_alloc(struct session *s);
void collect_free(struct session *s);

/* Create the histogram entries of the slots up to a few past `used` (see collect.c). */

/* Forget slot's ring: its report entry and its tracking state are zeroed. */
void collect_forget_slot(struct session *s, struct report *rep, __u32 slot);

/* Has slot's ring been found closed for at least ttl_ns at now_ns? */
bool collect_slot_expired(const struct session *s, __u32 slot, __u64 now_ns, __u64 ttl_ns);

/* Does slot still hold the ring info describes (the same ring, not one at its address)? */
bool collect_slot_holds(const struct session *s, __u32 slot, const struct ring_info *info);

/* stack_read.c */

/* With stacks in the run: kernel symbols, the per-stack caches, and user symbols if wanted. */
int stack_read_open(struct session *s, bool want_ustacks, char *err, size_t err_size);
void stack_read_close(struct session *s);

/* The path of an exact acquisition from its call site; -v prints each new site once. */
enum lock_path caller_path(struct session *s, __u64 ip);

/* Is a sampled kernel stack in mutex code called from io_uring? Cached per stack id. */
bool stack_lock_code(struct session *s, __s32 stack_id);
/* Path of a kernel stack (an acquisition's, or a sample's in lock code), once per stack id. */
enum lock_path stack_path(struct session *s, __s32 stack_id);

/*
 * A daemon's stacks: delete the entries of samples that held no ring's lock (of processes that
 * exited, when stacks are shown), keeping their lock samples in the run's totals, and with
 * stack_map the kernel stacks no entry has referred to for a whole prune period. Returns the
 * number of map entries deleted, or -ENOMEM.
 */
int prune_stacks(struct session *s, bool stack_map);

/* A map operation the kernel lacks for this map type (EINVAL, EOPNOTSUPP, or ENOTSUPP: 524). */
static inline bool map_op_unsupported(int err)
{
	return err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP || err == -524;
}

/* Ring slots a snapshot reads per batch lookup of each map. */
#define READ_CHUNK 64

#define PRUNE_EVERY_NS (10 * 1000000000ull)

/*
 * Carry the lock samples of the stack entries of expiring slots before expiry deletes them
 * (held samples, by their slot), and delete the samples of tasks that waited for them.
 */
void prune_carry_slots(struct session *s, const bool *expiring);

/* A ring's call site entry i (EXACT_CALLERS: the one for unknown or overflowing sites). */
static inline const struct exact_caller *exact_caller(const struct exact_ring *e, size_t i)
{
	return i < EXACT_CALLERS ? &e->callers[i] : &e->callers_other;
}

#endif
