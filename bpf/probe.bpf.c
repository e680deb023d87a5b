// SPDX-License-Identifier: GPL-2.0
/*
 * Tiny programs that `uringlockstat probe` and backend selection load one at a time. A
 * program on a hot kernel site (mutex_lock, contention_begin, sys_exit) is only loaded: that
 * is where the verifier and the attach target are checked. Attaching is tried on a cold site
 * of the same kind instead (bpf_fentry_test1, the bpf_test_finish tracepoint), which only
 * BPF_PROG_TEST_RUN reaches: patching a hot function or tracepoint live while other CPUs run
 * it is the riskiest thing a tracer does, and a probe must not do it.
 */
#include "core_types.bpf.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 hits;

SEC("tp_btf/contention_begin")
int BPF_PROG(probe_tp_btf, void *lock, unsigned int flags)
{
	return 0;
}

/* Attach checks for tp_btf and raw_tp: a tracepoint only net/bpf/test_run.c fires. */
SEC("tp_btf/bpf_test_finish")
int BPF_PROG(probe_tp_btf_cold, int *err)
{
	return 0;
}

SEC("raw_tp/bpf_test_finish")
int BPF_PROG(probe_raw_tp_cold, int *err)
{
	return 0;
}

SEC("tp_btf/io_uring_create")
int BPF_PROG(probe_io_uring_tp, int fd, void *ring)
{
	return 0;
}

/* Loaded, never attached: attaching to a hot function on a busy system is what we avoid. */
SEC("fentry/mutex_lock")
int BPF_PROG(probe_fentry, struct mutex *lock)
{
	return 0;
}

/* Attached instead: a function nothing calls but BPF_PROG_TEST_RUN (net/bpf/test_run.c). */
SEC("fentry/bpf_fentry_test1")
int BPF_PROG(probe_fentry_cold, int a)
{
	return 0;
}

SEC("perf_event")
int probe_perf_event(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("iter/task_file")
int probe_iter(struct bpf_iter__task_file *it)
{
	return 0;
}
