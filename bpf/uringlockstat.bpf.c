// SPDX-License-Identifier: GPL-2.0
/*
 * uringlockstat's kernel half: ring discovery, the counters backend and the
 * contention backend. Every hot program filters on the tracked-lock hash first
 * and aggregates into per-CPU per-ring stats; nothing is sent per event.
 */
#include "core_types.bpf.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "uringlockstat.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_IO_URING_ENTER 426
#define IORING_SETUP_SQPOLL (1u << 1)
#define IORING_ENTER_GETEVENTS (1u << 0)
#define IORING_ENTER_REGISTERED_RING (1u << 4)
#define IO_RINGFD_REG_MAX 16
#define LCB_F_SPIN (1u << 0)
#define LCB_F_MUTEX (1u << 5)
#define MUTEX_FLAGS 0x07ul

/* Set by the loader before load. */
const volatile bool target_all = false;     /* profile every process */
const volatile bool follow_forks = false;   /* children of targets become targets */
const volatile __u64 io_uring_release_addr = 0; /* identifies io_uring files */
const volatile __u32 max_rings = DEFAULT_MAX_RINGS;

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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DEFAULT_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct ring_stats);
} stats SEC(".maps");

/* Processes being profiled: tgid -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

struct waiter {
	__u64 start_ns;
	__u64 lock;
	__u32 slot;
	__u32 slept;
	__s32 owner_cpu; /* -1: no owner seen */
	__s32 waiter_cpu;
};

/* Open contention episodes: tid -> waiter. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_WAITERS);
	__type(key, __u32);
	__type(value, struct waiter);
} waiters SEC(".maps");

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

/* Add a ring to the tracked set and return its slot, or RING_SLOT_NONE. */
static __noinline __u32 track_ring(struct io_ring_ctx *ctx, struct task_struct *task, __s32 fd,
				   __u32 source)
{
	struct task_struct *submitter;
	struct ring_info *info;
	__u64 lock = lock_of(ctx);
	__u32 *found, slot;

	found = bpf_map_lookup_elem(&tracked, &lock);
	if (found)
		return *found;
	slot = __sync_fetch_and_add(&next_slot, 1);
	if (slot >= max_rings) {
		__sync_fetch_and_add(&failures.ring_slots_full, 1);
		return RING_SLOT_NONE;
	}
	info = bpf_map_lookup_elem(&rings, &slot);
	if (!info)
		return RING_SLOT_NONE;
	info->ctx = (__u64)ctx;
	info->seen_ns = bpf_ktime_get_ns();
	info->tgid = BPF_CORE_READ(task, tgid);
	info->fd = fd;
	info->setup_flags = BPF_CORE_READ(ctx, flags);
	info->sq_entries = BPF_CORE_READ(ctx, sq_entries);
	info->cq_entries = BPF_CORE_READ(ctx, cq_entries);
	info->sq_head_start = BPF_CORE_READ(ctx, cached_sq_head);
	submitter = BPF_CORE_READ(ctx, submitter_task);
	info->submitter_tid = submitter ? BPF_CORE_READ(submitter, pid) : 0;
	info->source = source;
	bpf_probe_read_kernel_str(info->comm, sizeof(info->comm), &task->comm);
	/* Publish the info before the slot becomes visible to the other programs. */
	if (bpf_map_update_elem(&tracked, &lock, &slot, BPF_NOEXIST)) {
		found = bpf_map_lookup_elem(&tracked, &lock);
		if (found)
			return *found;
		__sync_fetch_and_add(&failures.tracked_insert, 1);
		return RING_SLOT_NONE;
	}
	return slot;
}

static __always_inline struct ring_stats *stats_of(__u32 slot)
{
	struct ring_stats *s = bpf_map_lookup_elem(&stats, &slot);

	if (!s)
		__sync_fetch_and_add(&failures.stats_lookup, 1);
	return s;
}

static __always_inline bool is_io_uring_file(struct file *file)
{
	return io_uring_release_addr &&
	       (__u64)BPF_CORE_READ(file, f_op, release) == io_uring_release_addr;
}

/* Ring discovery: every io_uring file of every target process. */
SEC("iter/task_file")
int find_rings(struct bpf_iter__task_file *it)
{
	struct ring_snapshot snap = {};
	struct task_struct *task = it->task;
	struct file *file = it->file;
	struct io_ring_ctx *ctx;
	__u32 tgid;

	if (!task || !file)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	/* One record per file, from the thread group leader only. */
	if (BPF_CORE_READ(task, pid) != tgid || !is_target(tgid) || !is_io_uring_file(file))
		return 0;
	ctx = BPF_CORE_READ(file, private_data);
	if (!ctx)
		return 0;
	snap.ctx = (__u64)ctx;
	snap.tgid = tgid;
	snap.fd = it->fd;
	snap.slot = track_ring(ctx, task, it->fd, RING_SOURCE_ITERATOR);
	snap.sq_head = BPF_CORE_READ(ctx, cached_sq_head);
	snap.setup_flags = BPF_CORE_READ(ctx, flags);
	{
		struct task_struct *submitter = BPF_CORE_READ(ctx, submitter_task);

		snap.submitter_tid = submitter ? BPF_CORE_READ(submitter, pid) : 0;
	}
	bpf_seq_write(it->meta->seq, &snap, sizeof(snap));
	return 0;
}

/* ---- discovery while running ---- */

static __always_inline int on_create(int fd, struct io_ring_ctx *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (is_target(tgid))
		track_ring(ctx, (struct task_struct *)bpf_get_current_task(), fd, RING_SOURCE_CREATE);
	return 0;
}

SEC("tp_btf/io_uring_create")
int BPF_PROG(create_btf, int fd, struct io_ring_ctx *ring)
{
	return on_create(fd, ring);
}

SEC("raw_tp/io_uring_create")
int BPF_PROG(create_raw, int fd, struct io_ring_ctx *ring)
{
	return on_create(fd, ring);
}

static __always_inline int on_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (ptgid != ctgid && bpf_map_lookup_elem(&targets, &ptgid))
		bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

/* Slot of a ring seen in an io_uring event, tracking it if a target owns it. */
static __always_inline struct ring_stats *event_ring(struct io_ring_ctx *ctx)
{
	__u32 *found = slot_of(ctx), slot, tgid;

	if (found)
		return stats_of(*found);
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!is_target(tgid))
		return 0;
	slot = track_ring(ctx, (struct task_struct *)bpf_get_current_task(), -1, RING_SOURCE_LAZY);
	if (slot == RING_SLOT_NONE)
		return 0;
	return stats_of(slot);
}

/* ---- counters backend ---- */

/* The ring an io_uring_enter call names: an fd, or an index into registered rings. */
static __always_inline struct file *enter_file(__u32 fd, __u32 enter_flags)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *file = 0;

	if (enter_flags & IORING_ENTER_REGISTERED_RING) {
		struct io_uring_task *tctx = BPF_CORE_READ(task, io_uring);

		if (!tctx || fd >= IO_RINGFD_REG_MAX)
			return 0;
		bpf_core_read(&file, sizeof(file), &tctx->registered_rings[fd]);
	} else {
		struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
		struct file **fds;

		if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
			return 0;
		fds = BPF_CORE_READ(fdt, fd);
		bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	}
	return file;
}

static __always_inline int on_sys_exit(struct pt_regs *regs, long ret)
{
	__u32 fd, to_submit, enter_flags, tgid, slot, *found;
	struct io_ring_ctx *ctx;
	struct ring_stats *s;
	struct file *file;

	if (BPF_CORE_READ(regs, orig_ax) != NR_IO_URING_ENTER || !enabled)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!is_target(tgid))
		return 0;
	fd = BPF_CORE_READ(regs, di);
	to_submit = BPF_CORE_READ(regs, si);
	enter_flags = BPF_CORE_READ(regs, r10);
	file = enter_file(fd, enter_flags);
	if (!file) {
		__sync_fetch_and_add(&failures.fd_resolve, 1);
		return 0;
	}
	ctx = BPF_CORE_READ(file, private_data);
	found = slot_of(ctx);
	if (found) {
		slot = *found;
	} else {
		/* A ring the target got after start without a create event (fork, SCM_RIGHTS). */
		if (!is_io_uring_file(file))
			return 0;
		slot = track_ring(ctx, (struct task_struct *)bpf_get_current_task(),
				  (enter_flags & IORING_ENTER_REGISTERED_RING) ? -1 : fd,
				  RING_SOURCE_LAZY);
		if (slot == RING_SLOT_NONE)
			return 0;
	}
	s = stats_of(slot);
	if (!s)
		return 0;
	s->enters++;
	if (!to_submit)
		return 0;
	s->enters_submit++;
	if (enter_flags & IORING_ENTER_GETEVENTS)
		s->enters_submit_getevents++;
	if (!(BPF_CORE_READ(ctx, flags) & IORING_SETUP_SQPOLL) && ret >= 0) {
		s->submit_locked++;
		s->sqes_enter += ret;
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, ret);
}

static __always_inline int on_register(struct io_ring_ctx *ctx)
{
	struct ring_stats *s;

	if (!enabled)
		return 0;
	s = event_ring(ctx);
	if (s)
		s->registers++;
	return 0;
}

SEC("tp_btf/io_uring_register")
int BPF_PROG(register_btf, struct io_ring_ctx *ring)
{
	return on_register(ring);
}

SEC("raw_tp/io_uring_register")
int BPF_PROG(register_raw, struct io_ring_ctx *ring)
{
	return on_register(ring);
}

static __always_inline int on_local_work(struct io_ring_ctx *ctx)
{
	struct ring_stats *s;

	if (!enabled)
		return 0;
	s = event_ring(ctx);
	if (s)
		s->local_work_runs++;
	return 0;
}

SEC("tp_btf/io_uring_local_work_run")
int BPF_PROG(local_work_btf, struct io_ring_ctx *ring)
{
	return on_local_work(ring);
}

SEC("raw_tp/io_uring_local_work_run")
int BPF_PROG(local_work_raw, struct io_ring_ctx *ring)
{
	return on_local_work(ring);
}

static __always_inline int on_task_work(struct io_uring_task *tctx)
{
	const struct io_ring_ctx *ctx;
	struct ring_stats *s;
	__u32 *found;

	if (!enabled || !tctx)
		return 0;
	ctx = BPF_CORE_READ(tctx, last);
	if (!ctx)
		return 0;
	found = slot_of(ctx);
	if (!found)
		return 0;
	s = stats_of(*found);
	if (s)
		s->task_work_runs++;
	return 0;
}

SEC("tp_btf/io_uring_task_work_run")
int BPF_PROG(task_work_btf, struct io_uring_task *tctx)
{
	return on_task_work(tctx);
}

SEC("raw_tp/io_uring_task_work_run")
int BPF_PROG(task_work_raw, struct io_uring_task *tctx)
{
	return on_task_work(tctx);
}

/* ---- contention backend ---- */

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

static __always_inline int on_contention_begin(void *lock, unsigned int flags)
{
	__u64 key = (__u64)lock;
	struct waiter *w, fresh = {};
	__u32 *slot, tid;

	slot = bpf_map_lookup_elem(&tracked, &key);
	if (!slot || !enabled)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	w = bpf_map_lookup_elem(&waiters, &tid);
	if (w && w->lock == key) {
		/* A later begin of the same episode: the first waiter spinning again, or sleeping. */
		if (!(flags & LCB_F_SPIN))
			w->slept = 1;
		return 0;
	}
	fresh.start_ns = bpf_ktime_get_ns();
	fresh.lock = key;
	fresh.slot = *slot;
	fresh.slept = !(flags & LCB_F_SPIN);
	fresh.owner_cpu = owner_cpu(lock);
	fresh.waiter_cpu = bpf_get_smp_processor_id();
	if (bpf_map_update_elem(&waiters, &tid, &fresh, BPF_ANY))
		__sync_fetch_and_add(&failures.waiters_full, 1);
	return 0;
}

static __always_inline int on_contention_end(void *lock, int ret)
{
	__u64 key = (__u64)lock, wait_ns;
	struct ring_stats *s;
	struct waiter *w;
	__u32 tid;

	tid = (__u32)bpf_get_current_pid_tgid();
	w = bpf_map_lookup_elem(&waiters, &tid);
	if (!w)
		return 0;
	if (w->lock != key) {
		if (bpf_map_lookup_elem(&tracked, &key))
			__sync_fetch_and_add(&failures.end_without_begin, 1);
		return 0;
	}
	wait_ns = bpf_ktime_get_ns() - w->start_ns;
	s = stats_of(w->slot);
	if (s) {
		__u32 b = hist_bucket(wait_ns);

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
		if (b < HIST_BUCKETS)
			s->wait_hist[b]++;
	}
	bpf_map_delete_elem(&waiters, &tid);
	return 0;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(contention_begin_btf, void *lock, unsigned int flags)
{
	return on_contention_begin(lock, flags);
}

SEC("raw_tp/contention_begin")
int BPF_PROG(contention_begin_raw, void *lock, unsigned int flags)
{
	return on_contention_begin(lock, flags);
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
