/* SPDX-License-Identifier: GPL-2.0 */
/* Ring discovery: at start by iterating the targets' files, while running from events. */
#ifndef URINGLOCKSTAT_DISCOVERY_BPF_H
#define URINGLOCKSTAT_DISCOVERY_BPF_H

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
	/* Refresh the fd -> ring map: fds get closed and reused. */
	if (snap.slot != RING_SLOT_NONE)
		remember_fd(tgid, it->fd, snap.slot, BPF_CORE_READ(ctx, flags));
	snap.sq_head = BPF_CORE_READ(ctx, cached_sq_head);
	snap.setup_flags = BPF_CORE_READ(ctx, flags);
	snap.submitter_tid = submitter_tid(ctx);
	bpf_seq_write(it->meta->seq, &snap, sizeof(snap));
	return 0;
}

/*
 * Rings a thread holds by a registered ring fd (io_uring_register_ring_fd), which may be in no
 * fd table at all: a record for each such ring already tracked, so that its SQ head is read
 * while it runs, not only at its teardown. Only tracked rings: another task may unregister one
 * while this runs, and a file read then may no longer be that ring's.
 */
SEC("iter/task")
int find_registered_rings(struct bpf_iter__task *it)
{
	struct task_struct *task = it->task;
	struct io_uring_task *tctx;
	__u32 tgid, i;

	if (!task)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	if (!is_target(tgid))
		return 0;
	tctx = BPF_CORE_READ(task, io_uring);
	if (!tctx)
		return 0;
	for (i = 0; i < IO_RINGFD_REG_MAX; i++) {
		struct ring_snapshot snap = {};
		struct io_ring_ctx *ctx;
		struct file *file = 0;

		bpf_core_read(&file, sizeof(file), &tctx->registered_rings[i]);
		if (!file)
			continue;
		ctx = BPF_CORE_READ(file, private_data);
		if (!ctx)
			continue;
		snap.slot = tracked_slot(lock_of(ctx));
		if (snap.slot == RING_SLOT_NONE)
			continue;
		snap.ctx = (__u64)ctx;
		snap.tgid = tgid;
		snap.fd = -1;
		snap.sq_head = BPF_CORE_READ(ctx, cached_sq_head);
		snap.setup_flags = BPF_CORE_READ(ctx, flags);
		snap.submitter_tid = submitter_tid(ctx);
		bpf_seq_write(it->meta->seq, &snap, sizeof(snap));
	}
	return 0;
}

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

/*
 * The last thread of a target process exited: the process leaves the targets, so that a
 * process that later gets its PID is not profiled, and the map does not fill up with the
 * dead. do_exit() counts the thread out of signal->live before this tracepoint.
 */
static __always_inline int on_exit(struct task_struct *task)
{
	__u32 tgid;

	if (BPF_CORE_READ(task, signal, live.counter))
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *task)
{
	return on_exit(task);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(exit_raw, struct task_struct *task)
{
	return on_exit(task);
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

#endif
