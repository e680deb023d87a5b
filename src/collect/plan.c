// SPDX-License-Identifier: GPL-2.0
/*
 * The backend plan: which backends run and which hooks they need, from the options and the
 * probes' answers, and what the report says of each. No BPF call here (see plan.h).
 */
#include <stdio.h>
#include <string.h>
#include "plan.h"
#include "uringlockstat.skel.h"

/* The skeleton's program at this offset of struct uringlockstat_bpf: a typo does not compile. */
#define PROG(name) offsetof(struct uringlockstat_bpf, progs.name)

/*
 * In attach order; detached in reverse. contention_end before begin: no episode begins that
 * its end does not see. mutex_unlock before the lock functions: no call is recorded before
 * the hook that counts it is in place, and on detach the lock functions go first. Each
 * trampoline on a mutex function is attached once and detached once per run; without --holds
 * there is one, on mutex_unlock.
 */
const struct hook hooks[] = {
	{ BACKEND_COUNT, PROG(create_btf), PROG(create_raw), 0, NULL, -1,
	  "rings created while running until the next snapshot", 0 },
	{ BACKEND_COUNT, PROG(fork_btf), PROG(fork_raw), HOOK_FOLLOW, NULL, -1,
	  "children of the target", 0 },
	{ BACKEND_COUNT, PROG(exit_btf), PROG(exit_raw), HOOK_TARGETS, NULL, -1,
	  "ended target processes leaving the targets (a reused PID would be profiled)", 0 },
	{ BACKEND_CONTENTION, PROG(contention_end_btf), PROG(contention_end_raw),
	  HOOK_REQUIRED | HOOK_END, NULL, -1, "contention episodes", 0 },
	{ BACKEND_CONTENTION, PROG(contention_begin_btf), PROG(contention_begin_raw),
	  HOOK_REQUIRED, NULL, -1, "contention episodes", 0 },
	{ BACKEND_COUNTERS, PROG(register_btf), PROG(register_raw), 0, NULL, -1,
	  "register calls", COUNTER_REGISTERS },
	{ BACKEND_COUNTERS, PROG(local_work_btf), PROG(local_work_raw), 0, NULL, -1,
	  "local work runs", COUNTER_LOCAL_WORK },
	{ BACKEND_COUNTERS, PROG(task_work_btf), PROG(task_work_raw), 0, NULL, -1,
	  "task work runs", COUNTER_TASK_WORK },
	{ BACKEND_COUNTERS, PROG(queue_work_btf), PROG(queue_work_raw), 0, NULL, -1,
	  "SQEs of a ring closed between two snapshots", 0 },
	{ BACKEND_COUNTERS, PROG(enter_exit), 0, HOOK_FENTRY | HOOK_ENTERS, NULL, -1,
	  "io_uring_enter calls", 0 },
	{ BACKEND_COUNTERS, PROG(sys_exit_btf), PROG(sys_exit_raw), HOOK_ENTERS, NULL, -1,
	  "io_uring_enter calls", 0 },
	{ BACKEND_EXACT, PROG(unlock_entry), 0, HOOK_FENTRY | HOOK_REQUIRED, NULL, LOCK_FN_UNLOCK,
	  "acquisitions", 0 },
	{ BACKEND_EXACT, PROG(lock_entry), 0, HOOK_FENTRY | HOOK_HOLDS | HOOK_REQUIRED,
	  "mutex_lock_nested", LOCK_FN_LOCK, "acquisitions", 0 },
	{ BACKEND_EXACT, PROG(lock_intr_entry), 0, HOOK_FENTRY | HOOK_HOLDS,
	  "mutex_lock_interruptible_nested", LOCK_FN_INTERRUPTIBLE,
	  "acquisitions through mutex_lock_interruptible", 0 },
	{ BACKEND_EXACT, PROG(lock_kill_entry), 0, HOOK_FENTRY | HOOK_HOLDS,
	  "mutex_lock_killable_nested", LOCK_FN_KILLABLE,
	  "acquisitions through mutex_lock_killable", 0 },
	{ BACKEND_EXACT, PROG(trylock_entry), 0, HOOK_FENTRY | HOOK_HOLDS, NULL, LOCK_FN_TRYLOCK,
	  "trylock acquisitions (fdinfo reads)", 0 },
};

_Static_assert(sizeof(hooks) / sizeof(hooks[0]) == NR_HOOKS, "NR_HOOKS counts hooks[]");

void set_reason(struct report *rep, enum backend_id id, bool active, const char *fmt,
		const char *arg)
{
	rep->backends[id].active = active;
	snprintf(rep->backends[id].reason, sizeof(rep->backends[id].reason), fmt, arg);
}

/* Append "; not measured: FIGURE (WHY)" to a backend's reason. */
static void note_lost(struct report *rep, enum backend_id id, const char *figure, const char *why)
{
	char *reason = rep->backends[id].reason;
	size_t len = strlen(reason);

	snprintf(reason + len, sizeof(rep->backends[id].reason) - len, "; not measured: %s (%s)",
		 figure, why);
}

/*
 * Costs of the opt-in figures, in instructions, measured under qemu -icount on Debian 6.1
 * (make bench) against a batch-1 SINGLE_ISSUER|DEFER_TASKRUN NOP op of about 1070.
 */
#define COST_EXACT "about 300 instructions per acquisition (+28% on a batch-1 NOP op), and " \
	"about 235 per lock/unlock of any mutex in the system, while it runs"
#define COST_PATHS "about 130 more instructions per acquisition"
#define COST_HOLDS "about 530 more instructions per acquisition, and 235 more per lock/unlock " \
	"of any mutex in the system (trampolines on the lock functions too)"
#define COST_ENTERS_FEXIT "about 450 instructions per io_uring_enter call (fexit on it)"
#define COST_ENTERS_SYS_EXIT "about 130 instructions per system call of every process, " \
	"and 400 per io_uring_enter call (sys_exit)"

static void add_opt_in(struct report *rep, const char *figure, const char *option,
		       const char *cost)
{
	struct opt_in *n;

	if (rep->nr_opt_ins >= MAX_OPT_INS)
		return;
	n = &rep->opt_ins[rep->nr_opt_ins++];
	snprintf(n->figure, sizeof(n->figure), "%s", figure);
	snprintf(n->option, sizeof(n->option), "%s", option);
	snprintf(n->cost, sizeof(n->cost), "%s", cost);
}

/* Append to a backend's reason. */
static void reason_add(struct report *rep, enum backend_id id, const char *text)
{
	char *reason = rep->backends[id].reason;
	size_t len = strlen(reason);

	snprintf(reason + len, sizeof(rep->backends[id].reason) - len, "%s", text);
}

/*
 * Figures left out for their cost are never silently missing: each goes in the report's
 * opt-ins, and the reason of its backend names the option that adds it and what it costs.
 */
static void note_opt_ins(const struct session_opts *o, const struct probe_results *pr,
			 struct report *rep, bool enter_fexit)
{
	char text[400];

	if (!o->want[BACKEND_EXACT] && pr->f[FEAT_FENTRY].probed) {
		if (pr->f[FEAT_FENTRY].ok) {
			add_opt_in(rep, "acquisitions, hold times, handoffs", "--mode auto,exact",
				   COST_EXACT);
			snprintf(text, sizeof(text), "not in auto: --mode auto,exact measures "
				 "every acquisition, its wait and hold, and handoffs, for %s",
				 COST_EXACT);
		} else {
			snprintf(text, sizeof(text), "not in auto, and this kernel refuses it: %s",
				 pr->f[FEAT_FENTRY].reason);
		}
		set_reason(rep, BACKEND_EXACT, false, "%s", text);
	}
	if (rep->backends[BACKEND_EXACT].active && !o->holds) {
		add_opt_in(rep, "hold time and wait of every acquisition", "--holds", COST_HOLDS);
		reason_add(rep, BACKEND_EXACT, "; hold times: --holds, " COST_HOLDS);
	}
	if (rep->backends[BACKEND_EXACT].active && o->no_paths) {
		add_opt_in(rep, "acquisitions per kernel path", "--paths", COST_PATHS);
		reason_add(rep, BACKEND_EXACT, "; per-path figures: --paths, " COST_PATHS);
	}
	if (rep->backends[BACKEND_COUNTERS].active && o->light) {
		const char *cost = enter_fexit || (pr->f[FEAT_FENTRY].probed &&
						   pr->f[FEAT_FENTRY].ok) ?
					   COST_ENTERS_FEXIT : COST_ENTERS_SYS_EXIT;

		add_opt_in(rep, "io_uring_enter calls, SQEs per call", "--count-enters", cost);
		snprintf(text, sizeof(text), "; io_uring_enter calls: --count-enters, %s", cost);
		reason_add(rep, BACKEND_COUNTERS, text);
	}
}

/* tp_btf programs, or their raw_tp flavours; false with err set if the kernel allows neither. */
static bool plan_attach_kind(struct probe_results *pr, probe_fn probe, bool force_raw_tp,
			     struct backend_plan *plan, char *err, size_t err_size)
{
	probe(FEAT_TP_BTF, pr);
	/* Lets tests (and kernels with broken tp_btf) exercise the raw_tp flavour. */
	if (force_raw_tp) {
		pr->f[FEAT_TP_BTF].ok = false;
		snprintf(pr->f[FEAT_TP_BTF].reason, sizeof(pr->f[FEAT_TP_BTF].reason),
			 "disabled by URINGLOCKSTAT_FORCE_RAW_TP");
	}
	if (pr->f[FEAT_TP_BTF].ok) {
		plan->use_btf = true;
		return true;
	}
	probe(FEAT_RAW_TP, pr);
	if (!pr->f[FEAT_RAW_TP].ok) {
		snprintf(err, err_size, "this kernel allows neither tp_btf (%s) nor raw_tp "
			 "(%s) programs", pr->f[FEAT_TP_BTF].reason, pr->f[FEAT_RAW_TP].reason);
		return false;
	}
	plan->use_btf = false;
	return true;
}

/* The exact backend, when asked for; false with err set if --paths or --holds cannot run. */
static bool plan_exact(const struct session_opts *o, struct probe_results *pr, probe_fn probe,
		       struct report *rep, char *err, size_t err_size)
{
	if (!o->want[BACKEND_EXACT]) {
		/* Whether the opt-in the report names would work here. */
		if (o->mode_auto)
			probe(FEAT_FENTRY, pr);
		return true;
	}
	probe(FEAT_FENTRY, pr);
	if (pr->f[FEAT_FENTRY].ok) {
		set_reason(rep, BACKEND_EXACT, true, "%s", o->holds ?
			   "fentry on the mutex functions (no fexit); every acquisition, "
			   "timed" : "fentry on mutex_unlock; every acquisition");
		return true;
	}
	set_reason(rep, BACKEND_EXACT, false, "fentry on mutex_lock: %s",
		   pr->f[FEAT_FENTRY].reason);
	/* Asked for by name with --paths or --holds: not skipped quietly. */
	if (!o->no_paths || o->holds) {
		snprintf(err, err_size, "%s needs the exact backend, which cannot run: %s",
			 o->holds ? "--holds" : "--paths", rep->backends[BACKEND_EXACT].reason);
		return false;
	}
	return true;
}

static void plan_sample(struct probe_results *pr, probe_fn probe, struct report *rep)
{
	probe(FEAT_PERF_EVENT, pr);
	if (pr->f[FEAT_PERF_EVENT].ok)
		set_reason(rep, BACKEND_SAMPLE, true, "perf_event CPU-clock sampling of the "
			   "target's threads; statistical estimates%s", "");
	else
		set_reason(rep, BACKEND_SAMPLE, false, "perf_event: %s",
			   pr->f[FEAT_PERF_EVENT].reason);
}

static void plan_contention(struct probe_results *pr, probe_fn probe, struct report *rep,
			    const struct backend_plan *plan)
{
	probe(FEAT_CONTENTION_TP, pr);
	if (pr->f[FEAT_CONTENTION_TP].ok)
		set_reason(rep, BACKEND_CONTENTION, true,
			   "%s on lock:contention_begin/end; contended acquisitions only",
			   plan->use_btf ? "tp_btf" : "raw_tp");
	else
		set_reason(rep, BACKEND_CONTENTION, false, "%s",
			   pr->f[FEAT_CONTENTION_TP].reason);
}

/* The counters backend, and how it counts io_uring_enter calls (unless --light). */
static void plan_counters(const struct session_opts *o, struct probe_results *pr,
			  probe_fn probe, struct report *rep, struct backend_plan *plan)
{
	const char *enters = NULL;

	probe(FEAT_IO_URING_TP, pr);
	if (plan->use_btf && !pr->f[FEAT_IO_URING_TP].ok) {
		set_reason(rep, BACKEND_COUNTERS, false, "io_uring tracepoints: %s",
			   pr->f[FEAT_IO_URING_TP].reason);
		return;
	}
	rep->light = o->light;
	if (!o->light) {
		/* fexit on the system call function where fentry works: only io_uring_enter
		 * pays; sys_exit runs for every system call. */
		probe(FEAT_FENTRY, pr);
		plan->enter_fexit = pr->f[FEAT_FENTRY].ok;
		if (plan->enter_fexit) {
			enters = "enters and SQEs from io_uring_enter's return (fexit on its "
				 "system call function)";
		} else {
			probe(FEAT_SYS_EXIT_TP, pr);
			if (!plan->use_btf || pr->f[FEAT_SYS_EXIT_TP].ok)
				enters = "enters and SQEs from io_uring_enter's return (sys_exit: "
					 "every system call of every process)";
		}
		rep->light = !enters;
	}
	set_reason(rep, BACKEND_COUNTERS, true, "%s, register and work runs from io_uring "
		   "tracepoints", enters ? enters : "SQEs from SQ head snapshots");
	if (!o->light && !enters)
		note_lost(rep, BACKEND_COUNTERS, "io_uring_enter calls",
			  pr->f[FEAT_SYS_EXIT_TP].reason);
}

bool plan_backends(const struct session_opts *o, struct probe_results *pr, probe_fn probe,
		   bool force_raw_tp, struct report *rep, struct backend_plan *plan, char *err,
		   size_t err_size)
{
	bool any = false;
	int id;

	plan->use_btf = false;
	plan->enter_fexit = false;
	if (!plan_attach_kind(pr, probe, force_raw_tp, plan, err, err_size))
		return false;
	for (id = 0; id < BACKEND_COUNT; id++)
		set_reason(rep, id, false, "not requested%s", "");
	if (!plan_exact(o, pr, probe, rep, err, err_size))
		return false;
	if (o->want[BACKEND_SAMPLE])
		plan_sample(pr, probe, rep);
	if (o->want[BACKEND_CONTENTION])
		plan_contention(pr, probe, rep, plan);
	if (o->want[BACKEND_COUNTERS])
		plan_counters(o, pr, probe, rep, plan);
	for (id = 0; id < BACKEND_COUNT; id++) {
		if (o->want[id] && !rep->backends[id].active && !o->mode_auto) {
			snprintf(err, err_size, "backend '%s' cannot run: %s", backend_name(id),
				 rep->backends[id].reason);
			return false;
		}
		any |= rep->backends[id].active;
	}
	if (!any) {
		snprintf(err, err_size, "no backend can run on this kernel (see 'uringlockstat "
			 "probe')");
		return false;
	}
	note_opt_ins(o, pr, rep, plan->enter_fexit);
	return true;
}

bool plan_hook_wanted(const struct hook *h, const struct session_opts *o,
		      const struct report *rep, bool enter_fexit)
{
	if (h->backend == BACKEND_COUNT)
		return (!(h->flags & HOOK_FOLLOW) || o->follow_forks) &&
		       (!(h->flags & HOOK_TARGETS) || !o->target_all);
	if (h->flags & HOOK_END)
		return rep->backends[BACKEND_CONTENTION].active || rep->holds_measured;
	if (!rep->backends[h->backend].active)
		return false;
	if (h->flags & HOOK_HOLDS)
		return rep->holds_measured;
	if (h->flags & HOOK_ENTERS)
		return !rep->light && !!(h->flags & HOOK_FENTRY) == enter_fexit;
	return true;
}

bool plan_hook_serves_only(const struct hook *h, enum backend_id id, const struct report *rep)
{
	if (!(h->flags & HOOK_END))
		return h->backend == id;
	if (id == BACKEND_CONTENTION)
		return !rep->holds_measured;
	return id == BACKEND_EXACT && !rep->backends[BACKEND_CONTENTION].active;
}

void plan_backend_off(struct report *rep, enum backend_id id, const char *why)
{
	set_reason(rep, id, false, "%s", why);
	if (id == BACKEND_EXACT) {
		rep->paths_measured = false;
		rep->holds_measured = false;
	}
}

enum hook_loss plan_hook_lost(const struct session_opts *o, struct report *rep, size_t i,
			      const char *why, char *err, size_t err_size)
{
	const struct hook *h = &hooks[i];

	if (h->backend == BACKEND_COUNT)
		return HOOK_LOSS_DISCOVERY;
	/* The exact backend's use of contention_end: contended calls time from their entry. */
	if ((h->flags & HOOK_END) && rep->holds_measured)
		note_lost(rep, BACKEND_EXACT, "when a contended call took the lock (its wait "
			  "counts as hold)", why);
	if ((h->flags & HOOK_REQUIRED) && rep->backends[h->backend].active) {
		if (!o->mode_auto) {
			snprintf(err, err_size, "backend '%s' cannot run: %s",
				 backend_name(h->backend), why);
			return HOOK_LOSS_ERROR;
		}
		return HOOK_LOSS_BACKEND;
	}
	if (!rep->backends[h->backend].active)
		return HOOK_LOSS_FIGURE;
	note_lost(rep, h->backend, h->figure, why);
	rep->counters_missing |= h->counter;
	if (h->flags & HOOK_ENTERS)
		rep->light = true;
	return HOOK_LOSS_FIGURE;
}
