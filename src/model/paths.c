// SPDX-License-Identifier: GPL-2.0
/*
 * Which kernel path took uring_lock: from the function that called the lock function (the
 * exact backend's call site), or a whole stack's innermost frame found here. The table is the
 * one place that knows io_uring's function names: a kernel that renames or adds a caller is
 * a one-line change here.
 */
#include <string.h>
#include "paths.h"
#include "uringlockstat.h"

static const char *const path_names[PATH_COUNT] = {
	[PATH_SUBMIT] = "submit",       [PATH_IOPOLL] = "iopoll",   [PATH_TCTX] = "tctx",
	[PATH_TASK_WORK] = "task_work", [PATH_LOCAL_WORK] = "local_work",
	[PATH_FALLBACK] = "fallback",   [PATH_IOWQ] = "iowq",       [PATH_SQPOLL] = "sqpoll",
	[PATH_REGISTER] = "register",   [PATH_FDINFO] = "fdinfo",   [PATH_MSG_RING] = "msg_ring",
	[PATH_POLL] = "poll",           [PATH_CANCEL] = "cancel",   [PATH_EXIT] = "exit",
	[PATH_OTHER] = "other",
};

/* Function (as in kallsyms, without .isra/.constprop suffixes) -> path. */
static const struct {
	const char *function;
	enum lock_path path;
} path_table[] = {
	/* io_uring_enter() is inlined into its syscall wrappers. */
	{ "__do_sys_io_uring_enter", PATH_SUBMIT },
	{ "__se_sys_io_uring_enter", PATH_SUBMIT },
	{ "__x64_sys_io_uring_enter", PATH_SUBMIT },
	{ "io_uring_enter", PATH_SUBMIT },
	{ "io_submit_sqes", PATH_SUBMIT },
	{ "io_iopoll_check", PATH_IOPOLL },
	{ "io_iopoll_try_reap_events", PATH_IOPOLL },
	{ "__io_uring_add_tctx_node", PATH_TCTX },
	{ "__io_uring_add_tctx_node_from_submit", PATH_TCTX },
	{ "io_uring_add_tctx_node", PATH_TCTX },
	{ "io_uring_alloc_task_context", PATH_TCTX },
	{ "io_handle_tw_list", PATH_TASK_WORK },
	{ "ctx_flush_and_put", PATH_TASK_WORK },
	{ "tctx_task_work_run", PATH_TASK_WORK },
	{ "tctx_task_work", PATH_TASK_WORK },
	{ "io_run_task_work", PATH_TASK_WORK },
	{ "io_run_local_work", PATH_LOCAL_WORK },
	{ "__io_run_local_work", PATH_LOCAL_WORK },
	{ "io_run_local_work_locked", PATH_LOCAL_WORK },
	{ "io_cqring_wait", PATH_LOCAL_WORK },
	{ "io_fallback_req_func", PATH_FALLBACK },
	{ "io_wq_submit_work", PATH_IOWQ },
	{ "io_worker_handle_work", PATH_IOWQ },
	{ "io_wq_worker", PATH_IOWQ },
	{ "__io_sq_thread", PATH_SQPOLL },
	{ "io_sq_thread", PATH_SQPOLL },
	{ "__do_sys_io_uring_register", PATH_REGISTER },
	{ "__se_sys_io_uring_register", PATH_REGISTER },
	{ "__x64_sys_io_uring_register", PATH_REGISTER },
	{ "__io_uring_register", PATH_REGISTER },
	{ "lock_two_rings", PATH_REGISTER },
	{ "io_uring_show_fdinfo", PATH_FDINFO },
	{ "__io_uring_show_fdinfo", PATH_FDINFO },
	{ "io_lock_external_ctx", PATH_MSG_RING },
	{ "io_msg_ring", PATH_MSG_RING },
	{ "io_msg_ring_data", PATH_MSG_RING },
	{ "io_msg_send_fd", PATH_MSG_RING },
	{ "io_poll_task_func", PATH_POLL },
	{ "io_poll_wake", PATH_POLL },
	{ "io_uring_try_cancel_requests", PATH_CANCEL },
	{ "io_uring_cancel_generic", PATH_CANCEL },
	{ "__io_uring_cancel", PATH_CANCEL },
	{ "io_uring_try_cancel_iowq", PATH_CANCEL },
	{ "io_uring_del_tctx_node", PATH_CANCEL },
	{ "io_ring_ctx_wait_and_kill", PATH_EXIT },
	{ "io_ring_exit_work", PATH_EXIT },
	{ "io_ring_ctx_free", PATH_EXIT },
	{ "io_uring_release", PATH_EXIT },
	{ "io_req_caches_free", PATH_EXIT },
	{ "io_cancel_local_task_work", PATH_EXIT },
	{ "io_unregister_bpf_ops", PATH_EXIT },
};

static const char *const role_names[ROLE_COUNT] = {
	[ROLE_NOT_READ] = "not_read", [ROLE_SUBMITTER] = "submitter",
	[ROLE_APP_THREAD] = "app_thread", [ROLE_IOWQ] = "iowq", [ROLE_SQPOLL] = "sqpoll",
	[ROLE_KERNEL] = "kernel", [ROLE_OTHER_TASK] = "other_task", [ROLE_UNKNOWN] = "unknown",
};

const char *owner_role_name(int role)
{
	return role >= 0 && role < ROLE_COUNT ? role_names[role] : "?";
}

int owner_role_by_name(const char *name)
{
	int r;

	for (r = 0; r < ROLE_COUNT; r++) {
		if (!strcmp(role_names[r], name))
			return r;
	}
	return ROLE_COUNT;
}

const char *path_name(enum lock_path path)
{
	return path < PATH_COUNT ? path_names[path] : "?";
}

enum lock_path path_by_name(const char *name)
{
	int p;

	for (p = 0; p < PATH_COUNT; p++) {
		if (!strcmp(path_names[p], name))
			return p;
	}
	return PATH_COUNT;
}

bool path_elided(enum lock_path path)
{
	return path == PATH_SUBMIT || path == PATH_TASK_WORK || path == PATH_LOCAL_WORK;
}

enum lock_path path_of_function(const char *function)
{
	size_t i, len = strcspn(function, ".");

	for (i = 0; i < sizeof(path_table) / sizeof(path_table[0]); i++) {
		if (strlen(path_table[i].function) == len &&
		    !strncmp(path_table[i].function, function, len))
			return path_table[i].path;
	}
	return PATH_COUNT;
}

enum lock_path path_of_stack(const struct ksyms *ksyms, const __u64 *frames, size_t nr)
{
	size_t i;

	for (i = 0; i < nr && frames[i]; i++) {
		const struct ksym *sym = ksyms_find(ksyms, frames[i]);
		enum lock_path path;

		if (!sym)
			continue;
		path = path_of_function(sym->name);
		if (path != PATH_COUNT)
			return path;
	}
	return PATH_OTHER;
}
