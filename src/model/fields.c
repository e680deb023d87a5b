// SPDX-License-Identifier: GPL-2.0
/* The JSON report's per-ring fields and sampled estimates: see fields.h. */
#include "fields.h"

#define M(member) offsetof(struct run_model, member)
#define R(member) offsetof(struct model_ring, member)
#define U(member) offsetof(struct model_run, member)
#define COUNT(key, member, max_) { key, FK_COUNT, R(member), 0, 0, max_, FIELD_NULLABLE, NULL }
#define STRING(key, member) { key, FK_STRING, R(member), 0, 0, 0, FIELD_NULLABLE, NULL }

const struct field report_fields[] = {
	{ "schema", FK_SCHEMA, 0, 0, 0, 0, 0, REPORT_SCHEMA },
	{ "kernel", FK_STRING, M(kernel), 0, 0, 0, 0, NULL },
	{ "label", FK_STRING, M(label), 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "duration_ns", FK_U64, M(run.duration_ns), 0, 0, 0, 0, NULL },
	{ "clock", FK_CLOCK, M(clock_instructions), 0, 0, 0, FIELD_OPTIONAL, NULL },
	{ "partial", FK_FLAG, M(run.partial), 0, 0, 0, FIELD_OPTIONAL, NULL },
	{ "partial_reason", FK_STRING, M(partial_reason), 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "target", FK_TARGET, 0, 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "backends", FK_BACKENDS, 0, 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "opt_in", FK_OPT_INS, 0, 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "lost", FK_LOST, 0, 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "sampled", FK_SAMPLED, M(run), 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "overhead", FK_OVERHEAD, 0, 0, 0, 0, FIELD_OPTIONAL, NULL },
	{ "programs", FK_PROGRAMS, 0, 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "rings", FK_RINGS, M(run), 0, 0, 0, 0, NULL },
	{ "repeats", FK_REPEATS, 0, 0, 0, 0, FIELD_NULLABLE, NULL },
};

const size_t nr_report_fields = sizeof(report_fields) / sizeof(report_fields[0]);

const struct field repeat_fields[] = {
	{ "duration_ns", FK_U64, U(duration_ns), 0, 0, 0, 0, NULL },
	{ "exit_status", FK_COUNT, U(exit_status), 0, 0, 255, FIELD_NULLABLE, NULL },
	{ "target_cpu_ns", FK_COUNT, U(target_cpu_ns), 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "partial", FK_FLAG, U(partial), 0, 0, 0, FIELD_OPTIONAL, NULL },
	{ "sampled", FK_SAMPLED, 0, 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "rings", FK_RINGS, 0, 0, 0, 0, 0, NULL },
};

const size_t nr_repeat_fields = sizeof(repeat_fields) / sizeof(repeat_fields[0]);

const struct field ring_fields[] = {
	{ "pid", FK_INT, R(pid), 0, 0, INT_MAX, 0, NULL },
	STRING("comm", comm),
	{ "fd", FK_INT, R(fd), 0, -1, INT_MAX, 0, NULL },
	{ "flags", FK_FLAGS, R(flags), 0, 0, 0, 0, NULL },
	COUNT("setup_flags", setup_flags, UINT32_MAX),
	COUNT("sq_entries", sq_entries, UINT32_MAX),
	COUNT("cq_entries", cq_entries, UINT32_MAX),
	COUNT("submitter_tid", submitter_tid, INT_MAX),
	STRING("found_by", found_by),
	{ "open_at_end", FK_BOOL, R(open_at_end), 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "ctx", FK_STRING, R(ctx), 0, 0, 0, FIELD_NULLABLE | FIELD_IF_SET, NULL },
	COUNT("sqes", sqes, 0),
	STRING("sqes_method", sqes_method),
	{ "sqes_complete", FK_BOOL, R(sqes_complete), 0, 0, 0, FIELD_NULLABLE, NULL },
	COUNT("enters", enters, 0),
	COUNT("enters_submit", enters_submit, 0),
	COUNT("registers", registers, 0),
	COUNT("local_work_runs", local_work_runs, 0),
	COUNT("task_work_runs", task_work_runs, 0),
	COUNT("acquisitions", acquisitions, 0),
	STRING("acquisitions_method", acquisitions_method),
	COUNT("contended", contended, 0),
	COUNT("spin", spin, 0),
	COUNT("sleep", sleep, 0),
	COUNT("interrupted", interrupted, 0),
	{ "wait_ns", FK_SUMMARY, R(wait), 0, 0, 0, FIELD_NULLABLE, NULL },
	STRING("wait_method", wait_method),
	COUNT("owner_samples", owner_samples, 0),
	{ "owner_other_cpu_share", FK_SHARE, R(has_owner_share), R(owner_other_cpu_share), 0, 0,
	  FIELD_NULLABLE, NULL },
	{ "owner_other_cpu_share_ci95", FK_CI95, R(owner_other_cpu), R(owner_samples), 0, 0,
	  FIELD_NULLABLE, NULL },
	{ "sampled_lock_samples_by_path", FK_PATH_COUNTS, R(has_lock_paths), R(lock_samples_path),
	  0, 0, FIELD_NULLABLE, NULL },
	{ "sampled_elided_lock_share", FK_ELIDED_SHARE, R(has_lock_paths), R(lock_samples_path),
	  0, 0, FIELD_NULLABLE, NULL },
	{ "sampled_elided_lock_share_ci95", FK_ELIDED_CI95, R(has_lock_paths),
	  R(lock_samples_path), 0, 0, FIELD_NULLABLE, NULL },
	{ "contention_by_owner", FK_OWNER_MATRIX, R(has_owner_matrix), R(owner_matrix), 0, 0,
	  FIELD_NULLABLE, NULL },
	COUNT("sampled_hold_ns", sampled_hold_ns, 0),
	{ "sampled_hold_ns_ci95", FK_HOLD_CI95, R(sampled_hold_ns), 0, 0, 0, FIELD_NULLABLE,
	  NULL },
	{ "hold_ns", FK_SUMMARY, R(hold), 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "acquire_wait_ns", FK_SUMMARY, R(acquire_wait), 0, 0, 0,
	  FIELD_NULLABLE | FIELD_EXACT, NULL },
	COUNT("handoffs", handoffs, 0),
	{ "trylocks", FK_COUNT, R(trylocks), 0, 0, 0, FIELD_NULLABLE | FIELD_EXACT, NULL },
	{ "trylocks_failed", FK_COUNT, R(trylocks_failed), 0, 0, 0,
	  FIELD_NULLABLE | FIELD_EXACT, NULL },
	{ "paths", FK_PATHS, 0, 0, 0, 0, FIELD_NULLABLE, NULL },
};

const size_t nr_ring_fields = sizeof(ring_fields) / sizeof(ring_fields[0]);

const struct field sampled_fields[] = {
	{ "samples", FK_COUNT, U(samples), 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "lock_samples", FK_COUNT, U(lock_samples), 0, 0, 0, FIELD_NULLABLE, NULL },
	{ "lock_share", FK_SHARE, U(has_lock_share), U(lock_share), 0, 0, FIELD_NULLABLE, NULL },
	{ "lock_share_ci95", FK_CI95, U(lock_samples), U(samples), 0, 0, FIELD_NULLABLE, NULL },
	{ "freq_hz", FK_COUNT, U(freq_hz), 0, 0, UINT32_MAX, FIELD_NULLABLE, NULL },
	{ "method", FK_CONST, 0, 0, 0, 0, 0, "sampled estimate" },
	{ "lock_samples_by_path", FK_PATH_COUNTS, U(has_lock_paths), U(lock_samples_path), 0, 0,
	  FIELD_NULLABLE, NULL },
	{ "elided_paths", FK_ELIDED_PATHS, 0, 0, 0, 0, 0, NULL },
	{ "elided_lock_samples", FK_ELIDED, U(has_lock_paths), U(lock_samples_path), 0, 0,
	  FIELD_NULLABLE, NULL },
	{ "elided_lock_share", FK_ELIDED_SHARE, U(has_lock_paths), U(lock_samples_path), 0, 0,
	  FIELD_NULLABLE, NULL },
	{ "elided_lock_share_ci95", FK_ELIDED_CI95, U(has_lock_paths), U(lock_samples_path), 0,
	  0, FIELD_NULLABLE, NULL },
};

const size_t nr_sampled_fields = sizeof(sampled_fields) / sizeof(sampled_fields[0]);
