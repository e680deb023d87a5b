/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_PROBE_H
#define URINGLOCKSTAT_PROBE_H

#include <stdbool.h>
#include <stdio.h>

enum feature {
	FEAT_PRIVILEGES,
	FEAT_BTF,
	FEAT_TP_BTF,
	FEAT_RAW_TP,
	FEAT_CONTENTION_TP,
	FEAT_IO_URING_TP,
	FEAT_SYS_EXIT_TP,
	FEAT_FENTRY,
	FEAT_PERF_EVENT,
	FEAT_TASK_FILE_ITER,
	FEAT_KALLSYMS,
	FEAT_COUNT,
};

struct feature_result {
	bool probed;
	bool ok;
	char reason[200];
};

struct probe_results {
	struct feature_result f[FEAT_COUNT];
};

const char *feature_name(enum feature feat);

/* Root, or CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN; why says what is missing. */
bool have_bpf_privileges(char *why, size_t size);

bool have_vmlinux_btf(char *why, size_t size);

/* Probe one feature by really loading and attaching a tiny program. */
void probe_feature(enum feature feat, struct probe_results *r);

void probe_all(struct probe_results *r);

void probe_print(FILE *out, const struct probe_results *r);

struct btf;

/*
 * Lockdep kernels (CONFIG_DEBUG_LOCK_ALLOC): mutex_lock is a macro for mutex_lock_nested, which
 * has no fast path and so always fires lock:contention_begin, free lock or not.
 */
bool mutex_always_slow(const struct btf *btf);

#endif
