/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters backend: io_uring_enter calls and the SQEs they consumed (at sys_exit), register
 * calls and task/local work runs (io_uring tracepoints). Denominators for everything else.
 */
#ifndef URINGLOCKSTAT_COUNTERS_BPF_H
#define URINGLOCKSTAT_COUNTERS_BPF_H

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

/* Resolve an io_uring_enter's ring the slow way (fd table), tracking it if it is new. */
static __noinline int resolve_enter_ring(__u32 fd, __u32 enter_flags, struct ring_fd *out)
{
	struct file *file = enter_file(fd, enter_flags);
	struct io_ring_ctx *ctx;
	__u32 *found, slot;

	if (!file) {
		__sync_fetch_and_add(&failures.fd_resolve, 1);
		return -1;
	}
	ctx = BPF_CORE_READ(file, private_data);
	found = slot_of(ctx);
	if (found) {
		slot = *found;
	} else {
		/* A ring the target got after start without a create event (fork, SCM_RIGHTS). */
		if (!is_io_uring_file(file))
			return -1;
		slot = track_ring(ctx, (struct task_struct *)bpf_get_current_task(),
				  (enter_flags & IORING_ENTER_REGISTERED_RING) ? -1 : fd,
				  RING_SOURCE_LAZY);
		if (slot == RING_SLOT_NONE)
			return -1;
	}
	out->slot = slot;
	out->sqpoll = !!(BPF_CORE_READ(ctx, flags) & IORING_SETUP_SQPOLL);
	return 0;
}

/*
 * One io_uring_enter call returned. The hot path is one hash lookup: (tgid, fd) -> ring,
 * filled by discovery and, on a miss, by resolving the fd.
 */
static __always_inline int on_enter_exit(__u32 fd, __u32 to_submit, __u32 enter_flags, long ret)
{
	struct ring_fd_key key = {
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.fd = fd,
		.registered = !!(enter_flags & IORING_ENTER_REGISTERED_RING),
	};
	struct ring_fd *ring, fresh;
	struct ring_counts *s;

	if (!enabled)
		return 0;
	ring = bpf_map_lookup_elem(&ring_fds, &key);
	if (!ring) {
		if (!is_target(key.tgid) || resolve_enter_ring(fd, enter_flags, &fresh))
			return 0;
		bpf_map_update_elem(&ring_fds, &key, &fresh, BPF_ANY);
		ring = &fresh;
	} else if (ret == -EBADF || ret == -EOPNOTSUPP) {
		/* The fd no longer names that ring. */
		bpf_map_delete_elem(&ring_fds, &key);
		return 0;
	}
	s = stats_of(ring->slot);
	if (!s)
		return 0;
	/*
	 * Atomic adds on this CPU's copy: fexit programs, and sys_exit ones since system call
	 * tracepoints may fault (6.14), run preemptible, and another task's run may come between
	 * a plain read and its write.
	 */
	__sync_fetch_and_add(&s->enters, 1);
	if (!to_submit)
		return 0;
	__sync_fetch_and_add(&s->enters_submit, 1);
	if (enter_flags & IORING_ENTER_GETEVENTS)
		__sync_fetch_and_add(&s->enters_submit_getevents, 1);
	if (!ring->sqpoll && ret >= 0) {
		__sync_fetch_and_add(&s->submit_locked, 1);
		__sync_fetch_and_add(&s->sqes_enter, ret);
	}
	return 0;
}

/*
 * Where fentry works: the io_uring_enter system call function itself, so that processes that
 * never call it pay nothing (sys_exit runs for every system call of every process).
 */
#if defined(__TARGET_ARCH_x86)
SEC("fexit/__x64_sys_io_uring_enter")
int BPF_PROG(enter_exit, const struct pt_regs *regs, long ret)
{
	return on_enter_exit(regs->di, regs->si, regs->r10, ret);
}
#endif

/* Every system call of every process exits here: test the number first, read nothing else. */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	if (regs->orig_ax != NR_IO_URING_ENTER)
		return 0;
	return on_enter_exit(regs->di, regs->si, regs->r10, ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	if (BPF_CORE_READ(regs, orig_ax) != NR_IO_URING_ENTER)
		return 0;
	return on_enter_exit(BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si),
			     BPF_CORE_READ(regs, r10), ret);
}

/*
 * A ring's teardown began: io_uring_release queues ctx->exit_work (io_ring_exit_work) once per
 * closed ring, when its last reference (fd, registered ring fd, mapping) is gone, in the
 * closing task, after the last submission. Keep its last SQ head, so that
 * the SQ-head count of a ring closed between two snapshots is complete. A work item is a
 * tracked ring's exit work when the ring it would be embedded in is tracked: no other work
 * sits at that offset of a ring.
 */
static __always_inline int on_queue_work(__u64 work)
{
	struct io_ring_ctx *ctx;
	struct ring_info *info;
	__u32 slot;

	ctx = (struct io_ring_ctx *)(work - bpf_core_field_offset(struct io_ring_ctx, exit_work));
	slot = tracked_slot(lock_of(ctx));
	if (slot == RING_SLOT_NONE)
		return 0;
	info = bpf_map_lookup_elem(&rings, &slot);
	if (!info || info->ctx != (__u64)ctx)
		return 0;
	info->sq_head_end = BPF_CORE_READ(ctx, cached_sq_head);
	/* The head before the flag that says it is there. */
	__sync_lock_test_and_set(&info->ended, 1);
	/*
	 * Untracked at once: the teardown's own acquisitions are not counted, and a mutex
	 * allocated later at the freed lock's address is never charged to this ring. Its
	 * figures stay in the slot until user space expires it.
	 */
	forget_lock(lock_of(ctx), slot, info->tgid, -1);
	return 0;
}

/* Every work item queued in the system comes here. */
SEC("tp_btf/workqueue_queue_work")
int BPF_PROG(queue_work_btf, int req_cpu, void *pwq, struct work_struct *work)
{
	__u64 addr;

	/* Where kallsyms tells the function: one direct load decides for the other works. */
	if (io_ring_exit_work_addr && (__u64)work->func != io_ring_exit_work_addr)
		return 0;
	/* The argument as a number (the verifier allows no arithmetic on the typed pointer). */
	if (bpf_probe_read_kernel(&addr, sizeof(addr), &((__u64 *)ctx)[2]))
		return 0;
	return on_queue_work(addr);
}

SEC("raw_tp/workqueue_queue_work")
int BPF_PROG(queue_work_raw, int req_cpu, void *pwq, struct work_struct *work)
{
	return on_queue_work((__u64)work);
}

/* The stats of the ring an io_uring event names, while counting is on. */
static __always_inline struct ring_counts *counting_ring(struct io_ring_ctx *ctx)
{
	return enabled ? event_ring(ctx) : 0;
}

static __always_inline int on_register(struct io_ring_ctx *ctx)
{
	struct ring_counts *s = counting_ring(ctx);

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
	struct ring_counts *s = counting_ring(ctx);

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
	struct ring_counts *s;
	__u32 slot;

	if (!enabled || !tctx)
		return 0;
	ctx = BPF_CORE_READ(tctx, last);
	if (!ctx)
		return 0;
	slot = tracked_slot(lock_of(ctx));
	if (slot == RING_SLOT_NONE)
		return 0;
	s = stats_of(slot);
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

#endif
