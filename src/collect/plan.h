/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend plan: from the options and the kernel's answers to feature probes, which
 * backends run, which hooks they need, and what the report says of each (reasons, opt-ins,
 * figures lost). Pure: no BPF call here; the probes come through a function the caller passes.
 */
#ifndef URINGLOCKSTAT_COLLECT_PLAN_H
#define URINGLOCKSTAT_COLLECT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "probe.h"
#include "report.h"
#include "session.h"

enum {
	HOOK_FENTRY = 1 << 0,   /* fentry/fexit: attached to a kernel function */
	HOOK_REQUIRED = 1 << 1, /* its backend cannot run without it */
	HOOK_ENTERS = 1 << 2,   /* counts io_uring_enter calls: only with --count-enters */
	HOOK_FOLLOW = 1 << 3,   /* only with --follow-forks */
	HOOK_END = 1 << 4,      /* contention_end: the exact backend's too, with --holds */
	HOOK_HOLDS = 1 << 5,    /* a lock function: only with --holds */
	HOOK_TARGETS = 1 << 6,  /* keeps the targets map: not with -a */
};

/* One program and where it attaches; a tp_btf hook has a raw_tp flavour of the same body. */
struct hook {
	enum backend_id backend;    /* BACKEND_COUNT: discovery, always on */
	size_t btf_prog;            /* the tp_btf, fentry or fexit program (skeleton offset) */
	size_t raw_prog;            /* its raw_tp flavour; 0: none */
	unsigned int flags;         /* HOOK_* */
	const char *lockdep_target; /* fentry: the function lockdep kernels have instead */
	int lock_fn;                /* exact entries: enum lock_fn of the function; else -1 */
	const char *figure;         /* what the run does not measure without it */
	unsigned int counter;       /* the report's COUNTER_* figure it counts; 0: none */
};

#define NR_HOOKS 16

/* Every hook of the BPF object, in attach order (detached in reverse). */
extern const struct hook hooks[NR_HOOKS];

/* Probes one feature into pr unless already probed: probe_feature, or a test's fake. */
typedef void (*probe_fn)(enum feature feat, struct probe_results *pr);

/* How the chosen backends' programs are attached. */
struct backend_plan {
	bool use_btf;     /* tp_btf programs, else raw_tp */
	bool enter_fexit; /* io_uring_enter counted by fexit, else at sys_exit */
};

/*
 * Decide which backends run (rep->backends: active, and a reason for each), probing only what
 * the options need. force_raw_tp: tp_btf counts as refused (URINGLOCKSTAT_FORCE_RAW_TP).
 * Returns false with err set if nothing can run, or a backend asked for by name cannot.
 */
bool plan_backends(const struct session_opts *o, struct probe_results *pr, probe_fn probe,
		   bool force_raw_tp, struct report *rep, struct backend_plan *plan, char *err,
		   size_t err_size);

/* Is the hook part of this run (before checking that the kernel has what it attaches to)? */
bool plan_hook_wanted(const struct hook *h, const struct session_opts *o,
		      const struct report *rep, bool enter_fexit);

/* Does a link of hook h serve backend id only (contention_end serves two)? */
bool plan_hook_serves_only(const struct hook *h, enum backend_id id, const struct report *rep);

/* What losing a hook means for the run. */
enum hook_loss {
	HOOK_LOSS_FIGURE,    /* at most a figure lost, said in its backend's reason */
	HOOK_LOSS_DISCOVERY, /* a discovery hook: the caller says what is not seen */
	HOOK_LOSS_BACKEND,   /* its backend cannot run: the caller switches it off */
	HOOK_LOSS_ERROR,     /* a backend asked for by name cannot run: err says why */
};

/*
 * Hook i cannot run (why). Its backend stops if it needs the hook (an error unless --mode
 * auto); else only the hook's figure is lost, and the backend's reason says so.
 */
enum hook_loss plan_hook_lost(const struct session_opts *o, struct report *rep, size_t i,
			      const char *why, char *err, size_t err_size);

/* The report's side of a backend switched off after all: its reason, and its figures. */
void plan_backend_off(struct report *rep, enum backend_id id, const char *why);

/* A backend's state and reason: fmt with one string argument. */
void set_reason(struct report *rep, enum backend_id id, bool active, const char *fmt,
		const char *arg);

#endif
