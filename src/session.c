// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF lifecycle of one run: probe -> choose programs -> size maps -> load -> attach ->
 * read -> detach. Backends that cannot run are switched off before load with a reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include "session.h"
#include "stacks.h"
#include "probe.h"
#include "kallsyms.h"
#include "uringlockstat.skel.h"


struct report *report_new(__u32 max_rings)
{
	struct report *rep = calloc(1, sizeof(*rep) + (size_t)max_rings * sizeof(rep->rings[0]));

	if (rep)
		rep->exit_status = -1;
	return rep;
}

/*
 * Kernel memory of a ring slot besides its per-CPU figures: its entries in the tracked-lock
 * hash, the ring and free-slot maps, and the histogram hash element's header.
 */
#define RING_KERNEL_BYTES 512
/* The profiler's renderings of one ring (JSON tree, text, both metrics formats). */
#define RING_RENDER_BYTES (16 * 1024)
/* Programs, stack maps, stack aggregation, targets and fd maps: sizes that do not scale. */
#define FIXED_KERNEL_BYTES (16ull << 20)

/* The most one ring slot takes, in the kernel and in the profiler. */
static __u64 ring_bytes(int ncpus)
{
	__u64 per_cpu = (sizeof(struct ring_stats) + 7) / 8 * 8 +
			(sizeof(struct wait_hist) + 7) / 8 * 8;
	/* The exact backend's figures (one copy) and the tracked-lock index entries. */
	__u64 shared = sizeof(struct exact_ring) +
		       INDEX_PER_RING * 2 * sizeof(struct lock_index_entry);
	/* rep and prev of main.c, and the expiry marks. */
	__u64 user = 2 * sizeof(struct ring_report) + RING_RENDER_BYTES + 1;

	return per_cpu * (ncpus > 0 ? ncpus : 1) + shared + RING_KERNEL_BYTES + user;
}

__u64 session_memory_needed(const struct session_opts *o, int ncpus)
{
	/* Per-CPU read buffers: stats, histograms and the zeroed histograms. */
	__u64 buffers = 3ull * (sizeof(struct ring_stats) + sizeof(struct ring_hists)) *
			(ncpus > 0 ? ncpus : 1);

	return (__u64)o->max_rings * ring_bytes(ncpus) + FIXED_KERNEL_BYTES +
	       2 * sizeof(struct report) + buffers;
}

/* A value of a "Key: N kB" line of /proc/meminfo in bytes, 0 if absent. */
static __u64 meminfo_bytes(const char *key)
{
	char line[256];
	unsigned long long kb;
	size_t len = strlen(key);
	__u64 bytes = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%llu", &kb) == 1) {
			bytes = (__u64)kb * 1024;
			break;
		}
	}
	fclose(f);
	return bytes;
}

/* A number in a file (cgroup limits); false for "max" or anything else. */
static bool file_u64(const char *path, __u64 *out)
{
	unsigned long long v;
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	*out = v;
	return ok;
}

/* Room left under our memory cgroup's limit (v2 or v1), or ~0 without a limit. */
static __u64 cgroup_room(void)
{
	char line[4096], limit[4200], usage[4200];
	__u64 room = ~0ull, max, cur;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return room;
	while (fgets(line, sizeof(line), f)) {
		char *path;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0::", 3)) {
			path = line + 3;
			snprintf(limit, sizeof(limit), "/sys/fs/cgroup%s/memory.max", path);
			snprintf(usage, sizeof(usage), "/sys/fs/cgroup%s/memory.current", path);
		} else if ((path = strstr(line, ":memory:"))) {
			path += 8;
			snprintf(limit, sizeof(limit), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes",
				 path);
			snprintf(usage, sizeof(usage), "/sys/fs/cgroup/memory%s/memory.usage_in_bytes",
				 path);
		} else {
			continue;
		}
		if (!file_u64(limit, &max) || !file_u64(usage, &cur))
			continue;
		cur = max > cur ? max - cur : 0;
		if (cur < room)
			room = cur;
	}
	fclose(f);
	return room;
}

static const char *fmt_bytes(__u64 v, char *buf, size_t size)
{
	if (v >= 1ull << 30)
		snprintf(buf, size, "%.1f GiB", v / (double)(1ull << 30));
	else if (v >= 1ull << 20)
		snprintf(buf, size, "%.1f MiB", v / (double)(1ull << 20));
	else
		snprintf(buf, size, "%.1f KiB", v / 1024.0);
	return buf;
}

int session_check_memory(const struct session_opts *o, char *err, size_t err_size)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 need = session_memory_needed(o, ncpus), avail = meminfo_bytes("MemAvailable");
	__u64 room = cgroup_room(), budget;
	char b1[32], b2[32], b3[32];

	/* Without /proc/meminfo there is nothing to check against. */
	if (!avail)
		return 0;
	if (room < avail)
		avail = room;
	budget = avail / 2;
	if (need <= budget)
		return 0;
	snprintf(err, err_size, "--max-rings %u needs %s of memory (%s per ring with %d possible "
		 "CPUs), more than %s, half of the memory available; lower --max-rings",
		 o->max_rings, fmt_bytes(need, b1, sizeof(b1)),
		 fmt_bytes(ring_bytes(ncpus), b2, sizeof(b2)), ncpus,
		 fmt_bytes(budget, b3, sizeof(b3)));
	return -ENOMEM;
}

/* The skeleton's program at this offset of struct uringlockstat_bpf: a typo does not compile. */
#define PROG(name) offsetof(struct uringlockstat_bpf, progs.name)

enum {
	HOOK_FENTRY = 1 << 0,   /* fentry/fexit: attached to a kernel function */
	HOOK_REQUIRED = 1 << 1, /* its backend cannot run without it */
	HOOK_ENTERS = 1 << 2,   /* counts io_uring_enter calls: only with --count-enters */
	HOOK_FOLLOW = 1 << 3,   /* only with --follow-forks */
	HOOK_END = 1 << 4,      /* contention_end: the exact backend's too, with --holds */
	HOOK_HOLDS = 1 << 5,    /* a lock function: only with --holds */
};

/* One program and where it attaches; a tp_btf hook has a raw_tp flavour of the same body. */
struct hook {
	enum backend_id backend;    /* BACKEND_COUNT: discovery, always on */
	size_t btf_prog;            /* the tp_btf, fentry or fexit program (PROG) */
	size_t raw_prog;            /* its raw_tp flavour; 0: none */
	unsigned int flags;         /* HOOK_* */
	const char *lockdep_target; /* fentry: the function lockdep kernels have instead */
	int lock_fn;                /* exact entries: enum lock_fn of the function; else -1 */
	const char *figure;         /* what the run does not measure without it */
	unsigned int counter;       /* the report's COUNTER_* figure it counts; 0: none */
};

/*
 * In attach order; detached in reverse. contention_end before begin: no episode begins that
 * its end does not see. mutex_unlock before the lock functions: no call is recorded before
 * the hook that counts it is in place, and on detach the lock functions go first. Each
 * trampoline on a mutex function is attached once and detached once per run; without --holds
 * there is one, on mutex_unlock.
 */
static const struct hook hooks[] = {
	{ BACKEND_COUNT, PROG(create_btf), PROG(create_raw), 0, NULL, -1,
	  "rings created while running until the next snapshot", 0 },
	{ BACKEND_COUNT, PROG(fork_btf), PROG(fork_raw), HOOK_FOLLOW, NULL, -1,
	  "children of the target", 0 },
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

#define NR_HOOKS (sizeof(hooks) / sizeof(hooks[0]))

static struct bpf_program *hook_prog(struct uringlockstat_bpf *skel, const struct hook *h,
				     bool use_btf)
{
	size_t off = use_btf || !h->raw_prog ? h->btf_prog : h->raw_prog;

	return *(struct bpf_program **)((char *)skel + off);
}

/* What the programs of one load are: hooks, the ring iterator, the sampler. */
struct prog_set {
	bool hook[NR_HOOKS];
	bool iter;
	bool sample;
};

struct session {
	struct uringlockstat_bpf *skel;
	struct uringlockstat_bpf *names; /* opened only for program names and sections */
	struct uringlockstat_bpf__rodata rodata;
	struct prog_set progs;              /* what is loaded */
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
	struct bpf_link *iter_link;
	int ncpus;
	__u32 max_rings;
	struct ring_stats *percpu;
	struct wait_hist *percpu_hists;
	struct wait_hist *zero_hists;  /* per-CPU zeros, to create histogram entries */
	struct exact_ring *exact_buf;  /* one ring's exact figures, as read */
	__u64 sites_shown[64];         /* -v: call sites already printed with their path */
	size_t nr_sites_shown;
	__u32 hists_ready;             /* slots below this have a histogram entry */
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
	struct usyms *usyms;
};

static void set_reason(struct report *rep, enum backend_id id, bool active, const char *fmt,
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

/* Decide which backends run, from the probes; returns false with err set if nothing can. */
static bool choose_backends(const struct session_opts *o, struct probe_results *pr,
			    struct report *rep, bool *use_btf, bool *enter_fexit, char *err,
			    size_t err_size)
{
	bool any = false;
	int id;

	probe_feature(FEAT_TP_BTF, pr);
	/* Lets tests (and kernels with broken tp_btf) exercise the raw_tp flavour. */
	if (getenv("URINGLOCKSTAT_FORCE_RAW_TP")) {
		pr->f[FEAT_TP_BTF].ok = false;
		snprintf(pr->f[FEAT_TP_BTF].reason, sizeof(pr->f[FEAT_TP_BTF].reason),
			 "disabled by URINGLOCKSTAT_FORCE_RAW_TP");
	}
	if (pr->f[FEAT_TP_BTF].ok) {
		*use_btf = true;
	} else {
		probe_feature(FEAT_RAW_TP, pr);
		if (!pr->f[FEAT_RAW_TP].ok) {
			snprintf(err, err_size, "this kernel allows neither tp_btf (%s) nor raw_tp "
				 "(%s) programs", pr->f[FEAT_TP_BTF].reason, pr->f[FEAT_RAW_TP].reason);
			return false;
		}
		*use_btf = false;
	}
	for (id = 0; id < BACKEND_COUNT; id++)
		set_reason(rep, id, false, "not requested%s", "");

	if (o->want[BACKEND_EXACT]) {
		probe_feature(FEAT_FENTRY, pr);
		if (pr->f[FEAT_FENTRY].ok) {
			set_reason(rep, BACKEND_EXACT, true, "%s", o->holds ?
				   "fentry on the mutex functions (no fexit); every acquisition, "
				   "timed" : "fentry on mutex_unlock; every acquisition");
			any = true;
		} else {
			set_reason(rep, BACKEND_EXACT, false, "fentry on mutex_lock: %s",
				   pr->f[FEAT_FENTRY].reason);
			/* Asked for by name with --paths or --holds: not skipped quietly. */
			if (!o->no_paths || o->holds) {
				snprintf(err, err_size, "%s needs the exact backend, which "
					 "cannot run: %s", o->holds ? "--holds" : "--paths",
					 rep->backends[BACKEND_EXACT].reason);
				return false;
			}
		}
	} else if (o->mode_auto) {
		/* Whether the opt-in the report names would work here. */
		probe_feature(FEAT_FENTRY, pr);
	}
	if (o->want[BACKEND_SAMPLE]) {
		probe_feature(FEAT_PERF_EVENT, pr);
		if (pr->f[FEAT_PERF_EVENT].ok) {
			set_reason(rep, BACKEND_SAMPLE, true, "perf_event CPU-clock sampling of the "
				   "target's threads; statistical estimates%s", "");
			any = true;
		} else {
			set_reason(rep, BACKEND_SAMPLE, false, "perf_event: %s",
				   pr->f[FEAT_PERF_EVENT].reason);
		}
	}

	if (o->want[BACKEND_CONTENTION]) {
		probe_feature(FEAT_CONTENTION_TP, pr);
		if (pr->f[FEAT_CONTENTION_TP].ok) {
			set_reason(rep, BACKEND_CONTENTION, true,
				   "%s on lock:contention_begin/end; contended acquisitions only",
				   *use_btf ? "tp_btf" : "raw_tp");
			any = true;
		} else {
			set_reason(rep, BACKEND_CONTENTION, false, "%s",
				   pr->f[FEAT_CONTENTION_TP].reason);
		}
	}
	if (o->want[BACKEND_COUNTERS]) {
		probe_feature(FEAT_IO_URING_TP, pr);
		if (*use_btf && !pr->f[FEAT_IO_URING_TP].ok) {
			set_reason(rep, BACKEND_COUNTERS, false, "io_uring tracepoints: %s",
				   pr->f[FEAT_IO_URING_TP].reason);
		} else {
			const char *enters = NULL;

			rep->light = o->light;
			if (!o->light) {
				/* fexit on the system call function where fentry works: only
				 * io_uring_enter pays; sys_exit runs for every system call. */
				probe_feature(FEAT_FENTRY, pr);
				*enter_fexit = pr->f[FEAT_FENTRY].ok;
				if (*enter_fexit) {
					enters = "enters and SQEs from io_uring_enter's return (fexit "
						 "on its system call function)";
				} else {
					probe_feature(FEAT_SYS_EXIT_TP, pr);
					if (!*use_btf || pr->f[FEAT_SYS_EXIT_TP].ok)
						enters = "enters and SQEs from io_uring_enter's return "
							 "(sys_exit: every system call of every process)";
				}
				rep->light = !enters;
			}
			set_reason(rep, BACKEND_COUNTERS, true, "%s, register and work runs from "
				   "io_uring tracepoints", enters ? enters :
				   "SQEs from SQ head snapshots");
			if (!o->light && !enters)
				note_lost(rep, BACKEND_COUNTERS, "io_uring_enter calls",
					  pr->f[FEAT_SYS_EXIT_TP].reason);
			any = true;
		}
	}
	for (id = 0; id < BACKEND_COUNT; id++) {
		if (o->want[id] && !rep->backends[id].active && !o->mode_auto) {
			snprintf(err, err_size, "backend '%s' cannot run: %s", backend_name(id),
				 rep->backends[id].reason);
			return false;
		}
	}
	if (!any) {
		snprintf(err, err_size, "no backend can run on this kernel (see 'uringlockstat "
			 "probe')");
		return false;
	}
	note_opt_ins(o, pr, rep, *enter_fexit);
	return true;
}

/* Is any backend still on? */
static bool any_backend(const struct report *rep)
{
	int id;

	for (id = 0; id < BACKEND_COUNT; id++) {
		if (rep->backends[id].active)
			return true;
	}
	return false;
}

static void detach_sampling(struct session *s)
{
	int i;

	for (i = 0; i < s->nr_perf; i++) {
		bpf_link__destroy(s->perf_links[i]);
		close(s->perf_fds[i]);
	}
	s->nr_perf = 0;
}

/* One CPU-clock perf event per online CPU at freq_hz, each running on_sample. */
static int attach_sampling(struct session *s, __u32 freq_hz, char *err, size_t err_size)
{
	int ncpus = libbpf_num_possible_cpus(), cpu;

	s->perf_fds = calloc(ncpus, sizeof(int));
	s->perf_links = calloc(ncpus, sizeof(*s->perf_links));
	if (!s->perf_fds || !s->perf_links)
		return -ENOMEM;
	for (cpu = 0; cpu < ncpus; cpu++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.size = sizeof(attr),
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.sample_freq = freq_hz,
			.freq = 1,
		};
		int fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		struct bpf_link *link;

		if (fd < 0) {
			/* A possible CPU that is offline: nothing to sample there. */
			if (errno == ENODEV)
				continue;
			snprintf(err, err_size, "perf_event_open on CPU %d: %s", cpu,
				 strerror(errno));
			return -errno;
		}
		link = bpf_program__attach_perf_event(s->skel->progs.on_sample, fd);
		if (!link) {
			int e = -errno;

			close(fd);
			snprintf(err, err_size, "cannot attach the sampler on CPU %d: %s", cpu,
				 strerror(-e));
			return e;
		}
		s->perf_fds[s->nr_perf] = fd;
		s->perf_links[s->nr_perf++] = link;
	}
	return 0;
}

/* Slots past the last used one that already have their histogram entry. */
#define HISTS_AHEAD 8

/*
 * Create the histogram entries of the next slots from user space. The map is a per-CPU hash
 * without preallocation (a slot's histograms take 13 KiB per CPU). Created from BPF, an entry
 * comes from the BPF allocator's per-CPU caches, which are refilled asynchronously and may be
 * empty at that moment (the ring then loses figures, counted as stats_lookup); a system call
 * allocates without that limit.
 */
static void prepare_hists(struct session *s, __u32 used)
{
	__u32 upto = used + HISTS_AHEAD < s->max_rings ? used + HISTS_AHEAD : s->max_rings;

	for (; s->hists_ready < upto; s->hists_ready++)
		bpf_map__update_elem(s->skel->maps.hists, &s->hists_ready, sizeof(__u32),
				     s->zero_hists, sizeof(struct wait_hist) * s->ncpus,
				     BPF_NOEXIST);
}

/* A signal asked the set-up to end: say so in err. */
static bool stopping(const struct session_opts *o, char *err, size_t err_size)
{
	if (!o->stop || !*o->stop)
		return false;
	snprintf(err, err_size, "interrupted during set-up");
	return true;
}

/* Is the hook part of this run (before checking that the kernel has what it attaches to)? */
static bool hook_wanted(const struct session *s, const struct hook *h,
			const struct session_opts *o, const struct report *rep)
{
	if (h->backend == BACKEND_COUNT)
		return !(h->flags & HOOK_FOLLOW) || o->follow_forks;
	if (h->flags & HOOK_END)
		return rep->backends[BACKEND_CONTENTION].active || rep->holds_measured;
	if (!rep->backends[h->backend].active)
		return false;
	if (h->flags & HOOK_HOLDS)
		return rep->holds_measured;
	if (h->flags & HOOK_ENTERS)
		return !rep->light && !!(h->flags & HOOK_FENTRY) == s->enter_fexit;
	return true;
}

/*
 * Does the kernel have what the hook attaches to? Sets the hook's target (lockdep kernels
 * have mutex_lock_nested and its variants instead). NULL if so, else why not (in buf).
 */
static const char *hook_check(struct session *s, size_t i, const struct btf *btf, char *buf,
			      size_t size)
{
	const struct hook *h = &hooks[i];
	const char *sec = bpf_program__section_name(hook_prog(s->names, h, s->use_btf));
	const char *name = sec ? strchr(sec, '/') : NULL;
	char type[128];

	if (!name || !btf) {
		snprintf(buf, size, "no kernel BTF");
		return buf;
	}
	name++;
	if (h->flags & HOOK_FENTRY) {
		if (btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0) {
			snprintf(s->target[i], sizeof(s->target[i]), "%s", name);
			return NULL;
		}
		if (h->lockdep_target &&
		    btf__find_by_name_kind(btf, h->lockdep_target, BTF_KIND_FUNC) > 0) {
			snprintf(s->target[i], sizeof(s->target[i]), "%s", h->lockdep_target);
			s->lockdep = true;
			return NULL;
		}
		snprintf(buf, size, "no function %s in kernel BTF", name);
		return buf;
	}
	snprintf(type, sizeof(type), "btf_trace_%s", name);
	if (btf__find_by_name_kind(btf, type, BTF_KIND_TYPEDEF) > 0)
		return NULL;
	snprintf(buf, size, "no tracepoint %s", name);
	return buf;
}

/* Does a link of hook h serve backend id only (contention_end serves two)? */
static bool hook_serves_only(const struct hook *h, enum backend_id id, const struct report *rep)
{
	if (!(h->flags & HOOK_END))
		return h->backend == id;
	if (id == BACKEND_CONTENTION)
		return !rep->holds_measured;
	return id == BACKEND_EXACT && !rep->backends[BACKEND_CONTENTION].active;
}

/*
 * A backend cannot run after all: switch its programs off, and detach those already attached
 * (in reverse, the lock functions before mutex_unlock), so that none keeps running for a
 * backend the report calls off.
 */
static void backend_off(struct session *s, struct report *rep, enum backend_id id,
			const char *why)
{
	size_t i;
	int j, k;

	for (j = s->nr_links - 1; j >= 0; j--) {
		if (!hook_serves_only(&hooks[s->link_hook[j]], id, rep))
			continue;
		bpf_link__destroy(s->links[j]);
		for (k = j; k + 1 < s->nr_links; k++) {
			s->links[k] = s->links[k + 1];
			s->link_hook[k] = s->link_hook[k + 1];
		}
		s->nr_links--;
	}
	for (i = 0; i < NR_HOOKS; i++) {
		if (hook_serves_only(&hooks[i], id, rep))
			s->progs.hook[i] = false;
	}
	set_reason(rep, id, false, "%s", why);
	if (id == BACKEND_EXACT) {
		s->exact = false;
		rep->paths_measured = false;
		rep->holds_measured = false;
	}
}

/*
 * A hook that cannot run. Its backend stops if it needs the hook (an error unless --mode
 * auto); else only the hook's figure is lost, and the backend's reason says so. Returns false
 * with err set on an error.
 */
static bool hook_lost(struct session *s, const struct session_opts *o, struct report *rep,
		      size_t i, const char *why, char *err, size_t err_size)
{
	const struct hook *h = &hooks[i];
	char reason[sizeof(rep->backends[0].reason)];

	s->progs.hook[i] = false;
	if (h->backend == BACKEND_COUNT) {
		fprintf(stderr, "uringlockstat: not seen: %s (%s)\n", h->figure, why);
		return true;
	}
	/* The exact backend's use of contention_end: contended calls time from their entry. */
	if ((h->flags & HOOK_END) && rep->holds_measured)
		note_lost(rep, BACKEND_EXACT, "when a contended call took the lock (its wait counts "
			  "as hold)", why);
	if ((h->flags & HOOK_REQUIRED) && rep->backends[h->backend].active) {
		if (!o->mode_auto) {
			snprintf(err, err_size, "backend '%s' cannot run: %s", backend_name(h->backend),
				 why);
			return false;
		}
		snprintf(reason, sizeof(reason), "%s", why);
		backend_off(s, rep, h->backend, reason);
		return true;
	}
	if (!rep->backends[h->backend].active)
		return true;
	note_lost(rep, h->backend, h->figure, why);
	rep->counters_missing |= h->counter;
	if (h->flags & HOOK_ENTERS)
		rep->light = true;
	return true;
}

/* Map sizes of this run; a trial load (which only asks the verifier) takes the smallest. */
static void size_maps(struct uringlockstat_bpf *skel, const struct session *s,
		      const struct session_opts *o, bool trial)
{
	__u32 rings = trial ? 1 : s->max_rings;
	bool stacks = s->stacks_used && !trial;

	bpf_map__set_max_entries(skel->maps.tracked, rings);
	bpf_map__set_max_entries(skel->maps.rings, rings);
	bpf_map__set_max_entries(skel->maps.stats, rings);
	bpf_map__set_max_entries(skel->maps.free_slots, rings);
	bpf_map__set_max_entries(skel->maps.hists, rings);
	bpf_map__set_max_entries(skel->maps.exact, s->exact && !trial ? rings : 1);
	if (!s->rodata.want_holds || trial)
		bpf_map__set_max_entries(skel->maps.task_calls, 1);
	bpf_map__set_max_entries(skel->maps.lock_index, s->rodata.index_mask + 1);
	bpf_map__set_max_entries(skel->maps.stacks, stacks ? DEFAULT_MAX_STACKS : 1);
	bpf_map__set_max_entries(skel->maps.stack_stats, stacks ? DEFAULT_MAX_STACKS : 1);
	if (!o->want_ustacks || trial)
		bpf_map__set_max_entries(skel->maps.ustacks, 1);
	/* Path attribution needs no stack; flame graphs and samples the whole stack. */
	bpf_map__set_value_size(skel->maps.stacks, MAX_STACK_DEPTH * sizeof(__u64));
}

bool session_try_sys_exit(char *why, size_t size)
{
	libbpf_print_fn_t old_print = libbpf_set_print(NULL);
	struct uringlockstat_bpf *skel = uringlockstat_bpf__open();
	struct bpf_program *prog;
	bool ok = false;
	int ret;

	if (!skel) {
		snprintf(why, size, "no: cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.sys_exit_btf);
	/* The smallest maps: only the verifier's answer and the attach matter. */
	bpf_map__set_max_entries(skel->maps.stacks, 1);
	bpf_map__set_max_entries(skel->maps.ustacks, 1);
	bpf_map__set_max_entries(skel->maps.stack_stats, 1);
	bpf_map__set_max_entries(skel->maps.exact, 1);
	bpf_map__set_max_entries(skel->maps.task_calls, 1);
	ret = uringlockstat_bpf__load(skel);
	if (ret) {
		snprintf(why, size, "no: the counters backend's sys_exit program does not load: %s",
			 strerror(-ret));
		goto out;
	}
	/*
	 * Loaded only: sys_exit runs on every system call, and patching it live is what a
	 * probe must not do (the tp_btf check attaches to a cold tracepoint instead).
	 */
	snprintf(why, size, "yes (the counters backend's program loaded; not attached here)");
	ok = true;
out:
	uringlockstat_bpf__destroy(skel);
	libbpf_set_print(old_print);
	return ok;
}

/* A fresh object with this run's settings, and only the programs of `set` to load. */
static struct uringlockstat_bpf *open_object(const struct session *s,
					     const struct session_opts *o,
					     const struct prog_set *set, bool trial)
{
	struct uringlockstat_bpf *skel = uringlockstat_bpf__open();
	struct bpf_program *prog;
	size_t i;

	if (!skel)
		return NULL;
	memcpy(skel->rodata, &s->rodata, sizeof(s->rodata));
	/* Counting starts once every hook is attached. */
	skel->data->enabled = false;
	size_maps(skel, s, o, trial);
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < NR_HOOKS; i++) {
		if (!set->hook[i])
			continue;
		prog = hook_prog(skel, &hooks[i], s->use_btf);
		bpf_program__set_autoload(prog, true);
		if (s->target[i][0])
			bpf_program__set_attach_target(prog, 0, s->target[i]);
		/* A type whose verifier refuses the program's context reads: its load fails. */
		if (s->test_refuse && !strcmp(s->test_refuse, bpf_program__name(prog)))
			bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
	}
	bpf_program__set_autoload(skel->progs.find_rings, set->iter);
	bpf_program__set_autoload(skel->progs.on_sample, set->sample);
	return skel;
}

/* Load one program alone: does the verifier accept it here? */
static int trial_load(const struct session *s, const struct session_opts *o,
		      const struct prog_set *one)
{
	struct uringlockstat_bpf *skel = open_object(s, o, one, true);
	int ret = skel ? uringlockstat_bpf__load(skel) : -errno;

	uringlockstat_bpf__destroy(skel);
	return ret;
}

/*
 * Load the run's programs. With --mode auto, a failed load is followed by loading each program
 * alone; those the kernel refuses are dropped (their figures, or their backend, lost and said
 * so), and the rest is loaded again.
 */
static int load_object(struct session *s, const struct session_opts *o, struct report *rep,
		       char *err, size_t err_size)
{
	libbpf_print_fn_t old_print;
	struct prog_set one;
	size_t i;
	int ret;

	s->skel = open_object(s, o, &s->progs, false);
	if (!s->skel)
		return -errno;
	ret = uringlockstat_bpf__load(s->skel);
	if (!ret || !o->mode_auto)
		goto out;
	uringlockstat_bpf__destroy(s->skel);
	s->skel = NULL;
	old_print = libbpf_set_print(NULL);
	for (i = 0; i < NR_HOOKS; i++) {
		char why[160];

		if (!s->progs.hook[i])
			continue;
		memset(&one, 0, sizeof(one));
		one.hook[i] = true;
		ret = trial_load(s, o, &one);
		if (!ret)
			continue;
		snprintf(why, sizeof(why), "loading %s failed: %s", bpf_program__name(
			 hook_prog(s->names, &hooks[i], s->use_btf)), strerror(-ret));
		if (!hook_lost(s, o, rep, i, why, err, err_size)) {
			libbpf_set_print(old_print);
			return -ENOTSUP;
		}
	}
	memset(&one, 0, sizeof(one));
	one.iter = s->progs.iter;
	if (one.iter && trial_load(s, o, &one))
		s->progs.iter = false;
	memset(&one, 0, sizeof(one));
	one.sample = s->progs.sample;
	if (one.sample && trial_load(s, o, &one)) {
		s->progs.sample = false;
		set_reason(rep, BACKEND_SAMPLE, false, "loading the sampler failed%s", "");
		s->sample = false;
	}
	libbpf_set_print(old_print);
	s->skel = open_object(s, o, &s->progs, false);
	if (!s->skel)
		return -errno;
	ret = uringlockstat_bpf__load(s->skel);
out:
	if (ret)
		snprintf(err, err_size, "loading BPF programs failed: %s (run with -v for the "
			 "verifier's log)", strerror(-ret));
	return ret;
}

/* One line on what hidden kernel addresses cost this run. */
static void warn_hidden_kallsyms(const struct session *s, const struct report *rep)
{
	char lost[512] = "";
	size_t len = 0;

	if (s->stacks_used)
		len += snprintf(lost + len, sizeof(lost) - len, "%skernel stack frames cannot be "
				"named (%s)", len ? ", " : "",
				s->verbose ? "they print as addresses" : "they print as " KFRAME_UNKNOWN);
	if (rep->paths_measured && len < sizeof(lost))
		len += snprintf(lost + len, sizeof(lost) - len, "%sacquisitions fall under the "
				"path other", len ? ", " : "");
	if (s->sample && len < sizeof(lost))
		len += snprintf(lost + len, sizeof(lost) - len, "%ssamples in lock code are not "
				"recognised (the lock share reads 0)", len ? ", " : "");
	fprintf(stderr, "uringlockstat: /proc/kallsyms hides kernel addresses "
		"(kernel.kptr_restrict): %s; rings are recognised by their file name instead\n",
		len ? lost : "nothing this run measures depends on them");
}

/* The smallest power of two >= v (v <= 2^31). */
static __u32 pow2_at_least(__u64 v)
{
	__u32 p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

/* Settings the BPF side sees (rodata), the same for every load of this run. */
static void set_rodata(struct session *s, const struct session_opts *o, const struct report *rep,
		       const struct btf *vmlinux)
{
	struct uringlockstat_bpf__rodata *r = &s->rodata;
	__u32 entries = pow2_at_least((__u64)o->max_rings * INDEX_PER_RING);
	const char *skip = getenv("URINGLOCKSTAT_TEST_SKIP_END");

	if (entries < INDEX_MIN_ENTRIES)
		entries = INDEX_MIN_ENTRIES;
	if (entries > INDEX_MAX_ENTRIES)
		entries = INDEX_MAX_ENTRIES;
	r->target_all = o->target_all;
	r->follow_forks = o->follow_forks;
	r->io_uring_release_addr = kallsyms_lookup("io_uring_release");
	r->io_ring_exit_work_addr = kallsyms_lookup("io_ring_exit_work");
	r->max_rings = o->max_rings;
	r->want_paths = rep->paths_measured;
	r->want_holds = rep->holds_measured;
	r->want_exact_stacks = rep->holds_measured && o->want_kstacks;
	r->contention_on = rep->backends[BACKEND_CONTENTION].active;
	/* Tests of a missed contention_end: drop the contention half of every Nth one. */
	r->test_skip_end_every = skip ? strtoul(skip, NULL, 10) : 0;
	r->index_mask = entries - 1;
	r->want_kstacks = o->want_kstacks && rep->backends[BACKEND_CONTENTION].active;
	r->want_ustacks = o->want_ustacks;
	r->owner_sample_mask = OWNER_SAMPLE_EVERY - 1;
	r->mutex_always_slow = mutex_always_slow(vmlinux);
}

int session_open(struct session **out, const struct session_opts *o, struct report *rep,
		 char *err, size_t err_size)
{
	struct probe_results pr = {};
	struct btf *vmlinux = NULL;
	struct session *s;
	bool use_btf, enter_fexit = false;
	size_t i;
	int ret;

	*out = NULL;
	if (!have_bpf_privileges(err, err_size))
		return -EPERM;
	if (!have_vmlinux_btf(err, err_size))
		return -ENOTSUP;
	if (!choose_backends(o, &pr, rep, &use_btf, &enter_fexit, err, err_size))
		return stopping(o, err, err_size) ? -EINTR : -ENOTSUP;
	if (stopping(o, err, err_size))
		return -EINTR;
	rep->target_all = o->target_all;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->max_rings = o->max_rings;
	s->stats_fd = -1;
	s->verbose = o->verbose;
	s->use_btf = use_btf;
	s->enter_fexit = enter_fexit;
	s->test_refuse = getenv("URINGLOCKSTAT_TEST_REFUSE");
	s->test_attach_fail = getenv("URINGLOCKSTAT_TEST_ATTACH_FAIL");
	s->ncpus = libbpf_num_possible_cpus();
	s->percpu = calloc(s->ncpus > 0 ? s->ncpus : 1, sizeof(struct ring_stats));
	s->percpu_hists = calloc(s->ncpus > 0 ? s->ncpus : 1, sizeof(struct wait_hist));
	s->zero_hists = calloc(s->ncpus > 0 ? s->ncpus : 1, sizeof(struct wait_hist));
	s->exact_buf = calloc(1, sizeof(struct exact_ring));
	/* Opened for its programs' names and sections only; each load opens its own. */
	s->names = uringlockstat_bpf__open();
	if (!s->percpu || !s->percpu_hists || !s->zero_hists || !s->exact_buf || !s->names) {
		snprintf(err, err_size, "cannot open the BPF object: %s", strerror(errno));
		ret = -ENOMEM;
		goto fail;
	}
	s->exact = rep->backends[BACKEND_EXACT].active;
	s->sample = rep->backends[BACKEND_SAMPLE].active;
	rep->paths_measured = s->exact && !o->no_paths;
	rep->holds_measured = s->exact && o->holds;
	rep->kstacks = o->want_kstacks;
	rep->ustacks = o->want_ustacks;
	s->stacks_used = rep->paths_measured || o->want_kstacks || o->want_ustacks || s->sample;

	/* Each hook alone: a missing target loses the hook's figure, or its backend. */
	vmlinux = btf__load_vmlinux_btf();
	for (i = 0; i < NR_HOOKS; i++) {
		char buf[160];
		const char *why;

		s->progs.hook[i] = hook_wanted(s, &hooks[i], o, rep);
		if (!s->progs.hook[i])
			continue;
		why = hook_check(s, i, vmlinux, buf, sizeof(buf));
		if (why && !hook_lost(s, o, rep, i, why, err, err_size)) {
			btf__free(vmlinux);
			ret = -ENOTSUP;
			goto fail;
		}
	}
	set_rodata(s, o, rep, vmlinux);
	btf__free(vmlinux);
	/* Where the exact entry programs attach: their call sites are checked against it. */
	for (i = 0; i < NR_HOOKS; i++) {
		if (hooks[i].lock_fn < 0 || !s->progs.hook[i])
			continue;
		s->rodata.lock_fn_addr[hooks[i].lock_fn] = kallsyms_lookup(s->target[i]);
		/* The lockdep variants take a subclass too. */
		s->rodata.lock_fn_args[hooks[i].lock_fn] = strstr(s->target[i], "_nested") ? 2 : 1;
	}
	if (s->lockdep && rep->holds_measured)
		set_reason(rep, BACKEND_EXACT, true, "fentry on the mutex functions (%s: lockdep); "
			   "every acquisition, timed", "mutex_lock_nested and its variants");
	probe_feature(FEAT_TASK_FILE_ITER, &pr);
	/* Without io_uring_release's address the iterator knows rings by their file's name. */
	s->progs.iter = pr.f[FEAT_TASK_FILE_ITER].ok;
	s->progs.sample = s->sample;

	if (stopping(o, err, err_size)) {
		ret = -EINTR;
		goto fail;
	}
	ret = load_object(s, o, rep, err, err_size);
	if (ret && stopping(o, err, err_size))
		ret = -EINTR;
	if (ret)
		goto fail;
	for (i = 0; i < NR_HOOKS; i++) {
		const struct hook *h = &hooks[i];
		struct bpf_link *link;
		char why[160];

		/* A backend switched off by an earlier failure has its hooks cleared. */
		if (!s->progs.hook[i])
			continue;
		if (stopping(o, err, err_size)) {
			ret = -EINTR;
			goto fail;
		}
		link = bpf_program__attach(hook_prog(s->skel, h, s->use_btf));
		if (link && s->test_attach_fail &&
		    !strcmp(s->test_attach_fail, bpf_program__name(hook_prog(s->skel, h,
									       s->use_btf)))) {
			bpf_link__destroy(link);
			link = NULL;
			errno = EBUSY;
		}
		if (!link) {
			ret = -errno;
			snprintf(why, sizeof(why), "cannot attach %s: %s",
				 bpf_program__name(hook_prog(s->skel, h, s->use_btf)),
				 strerror(-ret));
			if (!hook_lost(s, o, rep, i, why, err, err_size))
				goto fail;
			continue;
		}
		s->links[s->nr_links] = link;
		s->link_hook[s->nr_links++] = i;
	}
	if (!any_backend(rep)) {
		snprintf(err, err_size, "no backend can run on this kernel (see 'uringlockstat "
			 "probe')");
		ret = -ENOTSUP;
		goto fail;
	}
	/* Every hook in place: count from here on. */
	s->skel->data->enabled = true;
	if (stopping(o, err, err_size)) {
		ret = -EINTR;
		goto fail;
	}
	prepare_hists(s, 0);
	if (s->progs.iter) {
		s->iter_link = bpf_program__attach_iter(s->skel->progs.find_rings, NULL);
		if (!s->iter_link) {
			ret = -errno;
			snprintf(err, err_size, "cannot attach the ring iterator: %s",
				 strerror(-ret));
			goto fail;
		}
	}
	/*
	 * The kernel times every run of every BPF program while this fd is open (two clock
	 * reads per run): the report's overhead figures. Asked for by name (--prog-stats), a
	 * failure is an error; else the report says why the cost is unknown.
	 */
	s->prog_table = o->prog_stats;
	if (o->no_prog_stats) {
		snprintf(rep->overhead.why, sizeof(rep->overhead.why), "not measured "
			 "(--no-prog-stats)");
	} else {
		s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (s->stats_fd < 0 && o->prog_stats) {
			ret = s->stats_fd;
			snprintf(err, err_size, "cannot enable BPF run-time statistics: %s",
				 strerror(-ret));
			goto fail;
		}
		if (s->stats_fd < 0)
			snprintf(rep->overhead.why, sizeof(rep->overhead.why), "not measured: "
				 "cannot enable BPF run-time statistics: %s", strerror(-s->stats_fd));
	}
	if (s->sample) {
		ret = attach_sampling(s, o->freq_hz, err, err_size);
		if (ret) {
			if (!o->mode_auto)
				goto fail;
			/* Off in the report, and on no CPU: detach those already attached. */
			detach_sampling(s);
			set_reason(rep, BACKEND_SAMPLE, false, "%s", err);
			s->sample = false;
			err[0] = '\0';
		}
	}
	rep->freq_hz = s->sample ? o->freq_hz : 0;
	if (stopping(o, err, err_size)) {
		ret = -EINTR;
		goto fail;
	}
	if (s->stacks_used) {
		s->ksyms = ksyms_load();
		s->stack_paths = malloc(DEFAULT_MAX_STACKS);
		s->stack_lock = malloc(DEFAULT_MAX_STACKS);
		if (!s->ksyms || !s->stack_paths || !s->stack_lock) {
			snprintf(err, err_size, "cannot read /proc/kallsyms for kernel stacks");
			ret = -ENOMEM;
			goto fail;
		}
		memset(s->stack_paths, -1, DEFAULT_MAX_STACKS);
		memset(s->stack_lock, -1, DEFAULT_MAX_STACKS);
		if (o->want_ustacks) {
			s->usyms = usyms_new();
			if (!s->usyms) {
				ret = -ENOMEM;
				snprintf(err, err_size, "out of memory");
				goto fail;
			}
		}
	}
	if (kallsyms_hidden())
		warn_hidden_kallsyms(s, rep);
	*out = s;
	return 0;
fail:
	session_close(s);
	return ret;
}

int session_add_target(struct session *s, __u32 tgid)
{
	__u8 one = 1;

	if (bpf_map__update_elem(s->skel->maps.targets, &tgid, sizeof(tgid), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return 0;
}

/* Run the iterator once; it tracks new rings and returns one record per io_uring file. */
static ssize_t read_snapshots(struct session *s)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!s->iter_link)
		return 0;
	fd = bpf_iter_create(bpf_link__fd(s->iter_link));
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + sizeof(struct ring_snapshot) * 64 > s->snaps_cap * sizeof(*s->snaps)) {
			size_t cap = s->snaps_cap ? s->snaps_cap * 2 : 256;
			void *p = realloc(s->snaps, cap * sizeof(*s->snaps));

			if (!p) {
				close(fd);
				return -ENOMEM;
			}
			s->snaps = p;
			s->snaps_cap = cap;
		}
		n = read(fd, (char *)s->snaps + len, s->snaps_cap * sizeof(*s->snaps) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	return len / sizeof(struct ring_snapshot);
}

/* The path of an exact acquisition from its call site; -v prints each new site once. */
static enum lock_path caller_path(struct session *s, __u64 ip)
{
	enum lock_path path = ip && s->ksyms ? path_of_stack(s->ksyms, &ip, 1) : PATH_OTHER;
	const struct ksym *sym;
	size_t i;

	if (!s->verbose || !ip || !s->ksyms)
		return path;
	for (i = 0; i < s->nr_sites_shown; i++) {
		if (s->sites_shown[i] == ip)
			return path;
	}
	if (s->nr_sites_shown < sizeof(s->sites_shown) / sizeof(s->sites_shown[0]))
		s->sites_shown[s->nr_sites_shown++] = ip;
	sym = ksyms_find(s->ksyms, ip);
	fprintf(stderr, "uringlockstat: call site %s+0x%llx: path %s\n", sym ? sym->name : "?",
		sym ? (unsigned long long)(ip - sym->addr) : 0ull, path_name(path));
	return path;
}

/* A ring's call site entry i (EXACT_CALLERS: the one for unknown or overflowing sites). */
static const struct exact_caller *exact_caller(const struct exact_ring *e, size_t i)
{
	return i < EXACT_CALLERS ? &e->callers[i] : &e->callers_other;
}

/* The exact backend's figures of a ring (one copy, written under its lock), and its paths. */
static void read_exact(struct session *s, __u32 slot, struct ring_report *r)
{
	const struct exact_ring *e = s->exact_buf;
	struct ring_stats *sum = &r->sum;
	__u64 contended = 0;
	size_t i;

	memset(r->paths, 0, sizeof(r->paths));
	if (bpf_map__lookup_elem(s->skel->maps.exact, &slot, sizeof(slot), s->exact_buf,
				 sizeof(*s->exact_buf), 0))
		return;
	sum->acquisitions = e->acquisitions;
	sum->holds = e->holds;
	sum->trylocks = e->trylocks;
	/* A trylock still held when read counts as failed until its release. */
	sum->trylocks_failed = sum->trylock_calls > e->trylocks ? sum->trylock_calls - e->trylocks : 0;
	sum->handoffs = e->handoffs;
	sum->acquire_wait_ns_total = e->acquire_wait_ns_total;
	sum->acquire_wait_ns_max = e->acquire_wait_ns_max;
	sum->hold_ns_total = e->hold_ns_total;
	sum->hold_ns_max = e->hold_ns_max;
	memcpy(r->hists.acquire_wait, e->acquire_wait, sizeof(r->hists.acquire_wait));
	/* BPF counts contended waits only: the other timed ones were taken at once. */
	for (i = 0; i < HIST_BUCKETS; i++)
		contended += e->acquire_wait[i];
	if (e->holds > contended)
		r->hists.acquire_wait[0] += e->holds - contended;
	memcpy(r->hists.hold, e->hold, sizeof(r->hists.hold));
	if (!s->rodata.want_paths)
		return;
	for (i = 0; i <= EXACT_CALLERS; i++) {
		const struct exact_caller *c = exact_caller(e, i);
		struct path_totals *p;

		if (!c->count)
			continue;
		p = &r->paths[caller_path(s, c->ip)];
		p->acquisitions += c->count;
		p->wait_ns += c->wait_ns;
		p->hold_ns += c->hold_ns;
	}
}

static void read_ring(struct session *s, __u32 slot, struct ring_report *r)
{
	struct ring_stats *sum = &r->sum;
	int cpu;

	if (bpf_map__lookup_elem(s->skel->maps.rings, &slot, sizeof(slot), &r->info,
				 sizeof(r->info), 0))
		return;
	if (bpf_map__lookup_elem(s->skel->maps.stats, &slot, sizeof(slot), s->percpu,
				 sizeof(struct ring_stats) * s->ncpus, 0))
		return;
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < s->ncpus; cpu++) {
		const struct ring_stats *c = &s->percpu[cpu];

		sum->enters += c->enters;
		sum->enters_submit += c->enters_submit;
		sum->enters_submit_getevents += c->enters_submit_getevents;
		sum->submit_locked += c->submit_locked;
		sum->sqes_enter += c->sqes_enter;
		sum->registers += c->registers;
		sum->local_work_runs += c->local_work_runs;
		sum->task_work_runs += c->task_work_runs;
		sum->contended += c->contended;
		sum->spin += c->spin;
		sum->sleep += c->sleep;
		sum->interrupted += c->interrupted;
		sum->owner_other_cpu += c->owner_other_cpu;
		sum->owner_known += c->owner_known;
		sum->wait_ns_total += c->wait_ns_total;
		if (c->wait_ns_max > sum->wait_ns_max)
			sum->wait_ns_max = c->wait_ns_max;
		sum->trylock_calls += c->trylock_calls;
	}
	/* No entry: no event yet that has a histogram (created on the first one). */
	memset(&r->hists, 0, sizeof(r->hists));
	if (!bpf_map__lookup_elem(s->skel->maps.hists, &slot, sizeof(slot), s->percpu_hists,
				  sizeof(struct wait_hist) * s->ncpus, 0)) {
		size_t i;

		for (cpu = 0; cpu < s->ncpus; cpu++) {
			for (i = 0; i < HIST_BUCKETS; i++)
				r->hists.wait[i] += s->percpu_hists[cpu].wait[i];
		}
	}
	if (s->exact)
		read_exact(s, slot, r);
}

/* Path of an acquisition stack, classified once per stack id. */
/* Kernel frames of a stack id, innermost first; returns how many (0 if none). */
static size_t kernel_frames(struct session *s, __s32 stack_id, __u64 *frames)
{
	size_t n;

	memset(frames, 0, MAX_STACK_DEPTH * sizeof(__u64));
	if (stack_id < 0 || bpf_map__lookup_elem(s->skel->maps.stacks, &stack_id,
						 sizeof(stack_id), frames,
						 bpf_map__value_size(s->skel->maps.stacks), 0))
		return 0;
	for (n = 0; n < MAX_STACK_DEPTH && frames[n]; n++)
		;
	return n;
}

/* Symbolized kernel frames, innermost first, without the profiler's own frames. */
static char **kernel_names(struct session *s, __s32 stack_id, size_t *nr)
{
	__u64 frames[MAX_STACK_DEPTH];
	size_t n = kernel_frames(s, stack_id, frames), i;
	char **names = calloc(n ? n : 1, sizeof(char *)), buf[64];

	*nr = 0;
	if (!names)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *name = kframe_name(s->ksyms, frames[i], s->verbose, buf, sizeof(buf));

		if (!name)
			continue;
		/* Unknown frames in a row, their addresses hidden, are one frame. */
		if (*nr && names[*nr - 1] && !strcmp(name, KFRAME_UNKNOWN) &&
		    !strcmp(names[*nr - 1], KFRAME_UNKNOWN))
			continue;
		names[(*nr)++] = strdup(name);
	}
	return names;
}

/* Is a sampled kernel stack in mutex code called from io_uring? Cached per stack id. */
static bool stack_lock_code(struct session *s, __s32 stack_id)
{
	struct stack_entry e = {};
	size_t i;

	if (stack_id < 0 || stack_id >= DEFAULT_MAX_STACKS)
		return false;
	if (s->stack_lock[stack_id] >= 0)
		return s->stack_lock[stack_id];
	e.kframes = kernel_names(s, stack_id, &e.nr_kframes);
	s->stack_lock[stack_id] = e.kframes && stack_in_lock_code(&e);
	for (i = 0; i < e.nr_kframes; i++)
		free(e.kframes[i]);
	free(e.kframes);
	return s->stack_lock[stack_id];
}

static enum lock_path stack_path(struct session *s, __s32 stack_id)
{
	__u64 frames[MAX_STACK_DEPTH] = {};

	if (stack_id < 0 || stack_id >= DEFAULT_MAX_STACKS)
		return PATH_OTHER;
	if (s->stack_paths[stack_id] >= 0)
		return s->stack_paths[stack_id];
	if (bpf_map__lookup_elem(s->skel->maps.stacks, &stack_id, sizeof(stack_id), frames,
				 bpf_map__value_size(s->skel->maps.stacks), 0))
		return PATH_OTHER;
	s->stack_paths[stack_id] = path_of_stack(s->ksyms, frames, MAX_STACK_DEPTH);
	if (s->verbose) {
		int i;

		fprintf(stderr, "uringlockstat: stack %d (%s):", stack_id,
			path_name(s->stack_paths[stack_id]));
		for (i = 0; i < MAX_STACK_DEPTH && frames[i]; i++) {
			const struct ksym *sym = ksyms_find(s->ksyms, frames[i]);

			fprintf(stderr, " %s", sym ? sym->name : "?");
		}
		fprintf(stderr, "\n");
	}
	return s->stack_paths[stack_id];
}

/*
 * Per-ring sums over the aggregated stacks: the exact backend's paths, the sampled hold time,
 * and how many samples were in lock code called from io_uring.
 */
static void read_stack_stats(struct session *s, struct report *rep)
{
	struct stack_key key, next, *prev = NULL;
	struct stack_stats st;
	size_t i;

	for (i = 0; i < rep->nr_rings; i++)
		rep->rings[i].samples_held = 0;
	rep->lock_samples = 0;
	while (!bpf_map__get_next_key(s->skel->maps.stack_stats, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(s->skel->maps.stack_stats, &key, sizeof(key), &st,
					 sizeof(st), 0))
			continue;
		/* Take the process's memory map while it runs: its user frames resolve later. */
		if (s->usyms && key.ustack_id >= 0)
			usyms_watch(s->usyms, key.tgid);
		/* A free slot's entries (an expired ring's, in flight) count for no ring. */
		if (key.slot < rep->nr_rings && !rep->rings[key.slot].info.ctx)
			continue;
		if (key.kind == STACK_SAMPLE) {
			if (key.slot < rep->nr_rings)
				rep->rings[key.slot].samples_held += st.count;
			if (stack_lock_code(s, key.stack_id))
				rep->lock_samples += st.count;
			continue;
		}
	}
}

/*
 * Events the kernel did not give our programs (a program already running on that CPU, e.g.
 * preempted inside it, makes the kernel skip it and count a recursion miss), and with
 * --prog-stats each program's run count and run time.
 */
static void read_programs(struct session *s, struct report *rep)
{
	struct bpf_program *prog;

	rep->program_misses = 0;
	rep->nr_programs = 0;
	rep->overhead.runs = 0;
	rep->overhead.run_ns = 0;
	bpf_object__for_each_program(prog, s->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		struct program_cost *c;

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		rep->program_misses += info.recursion_misses;
		if (s->stats_fd < 0)
			continue;
		rep->overhead.runs += info.run_cnt;
		rep->overhead.run_ns += info.run_time_ns;
		if (!s->prog_table || rep->nr_programs >= MAX_PROGRAMS)
			continue;
		c = &rep->programs[rep->nr_programs++];
		snprintf(c->name, sizeof(c->name), "%s", bpf_program__name(prog));
		c->runs = info.run_cnt;
		c->run_ns = info.run_time_ns;
		c->misses = info.recursion_misses;
	}
	rep->prog_stats = s->stats_fd >= 0 && s->prog_table;
	rep->overhead.measured = s->stats_fd >= 0;
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int session_snapshot(struct session *s, struct report *rep)
{
	ssize_t nr_snaps = read_snapshots(s), i;
	__u32 slot, nr;

	if (nr_snaps < 0) {
		rep->snapshot_failures++;
		nr_snaps = 0;
	}
	nr = s->skel->bss->next_slot;
	if (nr > s->max_rings)
		nr = s->max_rings;
	prepare_hists(s, nr);
	for (slot = 0; slot < nr; slot++) {
		struct ring_report *r = &rep->rings[slot];
		__u64 ctx = r->info.ctx, seen_ns = r->info.seen_ns;

		r->slot = slot;
		read_ring(s, slot, r);
		/*
		 * Another ring in the slot than last time (BPF gave back a slot it lost in a
		 * discovery race, and a new ring took it): nothing of the old one carries over.
		 */
		if (ctx && (r->info.ctx != ctx || r->info.seen_ns != seen_ns)) {
			memset(r, 0, sizeof(*r));
			r->slot = slot;
			read_ring(s, slot, r);
		}
		if (r->info.ctx && !r->head_seen) {
			r->last_head = r->info.sq_head_start;
			r->submitter_tid = r->info.submitter_tid;
		}
	}
	if (nr > rep->nr_rings)
		rep->nr_rings = nr;
	/* A ring whose teardown began: count up to its last SQ head, once. */
	for (slot = 0; slot < nr; slot++) {
		struct ring_report *r = &rep->rings[slot];

		if (!r->info.ctx || !r->info.ended || r->ended)
			continue;
		r->sqes_head += (__u32)(r->info.sq_head_end - r->last_head);
		r->last_head = r->info.sq_head_end;
		r->head_seen = true;
		r->ended = true;
	}
	/* Rings the iterator no longer finds were closed; their last SQ head stands. */
	if (s->iter_link) {
		for (slot = 0; slot < rep->nr_rings; slot++)
			rep->rings[slot].open = false;
	}
	for (i = 0; i < nr_snaps; i++) {
		const struct ring_snapshot *snap = &s->snaps[i];
		struct ring_report *r;

		if (snap->slot >= rep->nr_rings)
			continue;
		r = &rep->rings[snap->slot];
		if (!r->info.ctx || r->info.ctx != snap->ctx)
			continue;
		/* The same ring open at two fds appears twice: count its head once. */
		if (r->open)
			continue;
		r->open = true;
		r->sqes_head += (__u32)(snap->sq_head - r->last_head);
		r->last_head = snap->sq_head;
		r->head_seen = true;
		if (snap->submitter_tid)
			r->submitter_tid = snap->submitter_tid;
	}
	/*
	 * When each ring was first found closed, for session_expire. A ring no snapshot ever saw
	 * open (created and closed in between) is closed from the first snapshot with its slot.
	 */
	if (s->iter_link) {
		__u64 now = monotonic_ns();

		for (slot = 0; slot < rep->nr_rings; slot++) {
			struct ring_report *r = &rep->rings[slot];

			if (!r->info.ctx || r->open)
				r->closed_ns = 0;
			else if (!r->closed_ns)
				r->closed_ns = now;
		}
	}
	if (s->stacks_used)
		read_stack_stats(s, rep);
	rep->samples = s->skel->bss->failures.samples;
	rep->failures = s->skel->bss->failures;
	read_programs(s, rep);
	return 0;
}

/*
 * Delete the entries of a hash map that name an expiring slot: the __u32 at `off` in the key
 * (in_key) or in the value. Keys are collected first: deleting while walking would restart
 * the walk. A value-matched entry is taken with lookup-and-delete, and put back if a BPF
 * program re-pointed it at another slot (a new ring at the same address) in the meantime.
 */
static int delete_slot_entries(struct bpf_map *map, const bool *expiring, __u32 max_rings,
			       bool in_key, size_t off)
{
	size_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map), nr = 0, cap = 0, i;
	char *keys = NULL, *key = malloc(ksz), *next = malloc(ksz), *value = malloc(vsz);
	bool first = true;
	int ret = 0;

	if (!key || !next || !value) {
		ret = -ENOMEM;
		goto out;
	}
	while (!bpf_map__get_next_key(map, first ? NULL : key, next, ksz)) {
		__u32 slot;

		first = false;
		memcpy(key, next, ksz);
		if (in_key) {
			memcpy(&slot, key + off, sizeof(slot));
		} else {
			if (bpf_map__lookup_elem(map, key, ksz, value, vsz, 0))
				continue;
			memcpy(&slot, value + off, sizeof(slot));
		}
		if (slot >= max_rings || !expiring[slot])
			continue;
		if (nr == cap) {
			char *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(keys, cap * ksz);
			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			keys = p;
		}
		memcpy(keys + nr++ * ksz, key, ksz);
	}
	for (i = 0; i < nr; i++) {
		const char *k = keys + i * ksz;
		__u32 slot;

		if (in_key || bpf_map__lookup_and_delete_elem(map, k, ksz, value, vsz, 0)) {
			bpf_map__delete_elem(map, k, ksz, 0);
			continue;
		}
		memcpy(&slot, value + off, sizeof(slot));
		if (slot >= max_rings || !expiring[slot])
			bpf_map__update_elem(map, k, ksz, value, vsz, BPF_NOEXIST);
	}
out:
	free(keys);
	free(key);
	free(next);
	free(value);
	return ret;
}

/*
 * Mark dead the tracked-lock index entries of expiring slots: the hot programs stop finding
 * them, and a new ring's insert reuses them. Only this function and BPF's track_ring kill
 * entries, and BPF changes only free or dead ones, so a live entry read here is still the
 * same when written.
 */
static void kill_index_entries(struct session *s, const bool *expiring)
{
	struct bpf_map *map = s->skel->maps.lock_index;
	__u32 k, n = bpf_map__max_entries(map);
	struct lock_index_entry e;

	for (k = 0; k < n; k++) {
		if (bpf_map__lookup_elem(map, &k, sizeof(k), &e, sizeof(e), 0) ||
		    e.lock <= INDEX_DEAD || e.slot >= s->max_rings || !expiring[e.slot])
			continue;
		e.lock = INDEX_DEAD;
		bpf_map__update_elem(map, &k, sizeof(k), &e, sizeof(e), BPF_EXIST);
	}
}

int session_expire(struct session *s, struct report *rep, __u64 now_ns, __u64 ttl_ns)
{
	struct uringlockstat_bpf *skel = s->skel;
	size_t state_size = sizeof(struct exact_ring);
	void *zero_stats = NULL, *zero_state = NULL;
	bool *expiring = NULL;
	__u32 slot, nr = rep->nr_rings < s->max_rings ? rep->nr_rings : s->max_rings;
	int expired = 0;

	/* Without the iterator no ring is ever known closed. */
	if (!s->iter_link)
		return 0;
	for (slot = 0; slot < nr; slot++) {
		const struct ring_report *r = &rep->rings[slot];

		if (r->info.ctx && !r->open && r->closed_ns && now_ns >= r->closed_ns &&
		    now_ns - r->closed_ns >= ttl_ns)
			break;
	}
	if (slot == nr)
		return 0;
	expiring = calloc(s->max_rings, sizeof(*expiring));
	zero_stats = calloc(s->ncpus, sizeof(struct ring_stats));
	zero_state = calloc(1, state_size);
	if (!expiring || !zero_stats || !zero_state)
		goto out;
	for (; slot < nr; slot++) {
		struct ring_report *r = &rep->rings[slot];
		struct ring_info cur;

		if (!r->info.ctx || r->open || !r->closed_ns || now_ns < r->closed_ns ||
		    now_ns - r->closed_ns < ttl_ns)
			continue;
		/*
		 * Only while the slot still holds that ring: a slot BPF gave back itself (lost
		 * discovery race) is free or someone else's. Either way the next snapshot reads
		 * the slot afresh.
		 */
		if (!bpf_map__lookup_elem(skel->maps.rings, &slot, sizeof(slot), &cur, sizeof(cur),
					  0) &&
		    cur.ctx == r->info.ctx && cur.seen_ns == r->info.seen_ns) {
			expiring[slot] = true;
		} else {
			memset(r, 0, sizeof(*r));
			r->slot = slot;
		}
	}
	/*
	 * First untrack the lock: no new event reaches the slot. Should a pass fail (memory),
	 * nothing is freed: the next call tries again.
	 */
	if (delete_slot_entries(skel->maps.tracked, expiring, s->max_rings, false, 0) ||
	    /* bpf/common.bpf.h's struct ring_fd starts with the slot. */
	    delete_slot_entries(skel->maps.ring_fds, expiring, s->max_rings, false, 0) ||
	    (s->stacks_used &&
	     delete_slot_entries(skel->maps.stack_stats, expiring, s->max_rings, true,
				 offsetof(struct stack_key, slot))))
		goto out;
	kill_index_entries(s, expiring);
	for (slot = 0; slot < nr; slot++) {
		struct ring_info zero_info = {};

		if (!expiring[slot])
			continue;
		bpf_map__update_elem(skel->maps.stats, &slot, sizeof(slot), zero_stats,
				     s->ncpus * sizeof(struct ring_stats), BPF_ANY);
		/* Zeroed, not deleted: the next ring in the slot needs no allocation. */
		bpf_map__update_elem(skel->maps.hists, &slot, sizeof(slot), s->zero_hists,
				     s->ncpus * sizeof(struct wait_hist), BPF_ANY);
		if (s->exact)
			bpf_map__update_elem(skel->maps.exact, &slot, sizeof(slot), zero_state,
					     state_size, BPF_ANY);
		bpf_map__update_elem(skel->maps.rings, &slot, sizeof(slot), &zero_info,
				     sizeof(zero_info), BPF_ANY);
		memset(&rep->rings[slot], 0, sizeof(rep->rings[slot]));
		rep->rings[slot].slot = slot;
		/* Last: from here on a new ring may take the slot. */
		if (bpf_map__update_elem(skel->maps.free_slots, NULL, 0, &slot, sizeof(slot), 0))
			fprintf(stderr, "uringlockstat: cannot free ring slot %u: %s\n", slot,
				strerror(errno));
		else
			expired++;
	}
out:
	free(expiring);
	free(zero_stats);
	free(zero_state);
	return expired;
}

void session_watch(struct session *s)
{
	struct stack_key key, next, *prev = NULL;

	if (!s->usyms)
		return;
	while (!bpf_map__get_next_key(s->skel->maps.stack_stats, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (key.ustack_id >= 0)
			usyms_watch(s->usyms, key.tgid);
	}
}

/* Put the traced mutex function back as the leaf when the unwinder left it out. */
static void add_lock_leaf(struct stack_entry *e, __u32 lock_fn)
{
	static const char *const names[] = {
		[LOCK_FN_LOCK] = "mutex_lock", [LOCK_FN_INTERRUPTIBLE] = "mutex_lock_interruptible",
		[LOCK_FN_KILLABLE] = "mutex_lock_killable", [LOCK_FN_TRYLOCK] = "mutex_trylock",
	};
	char **frames;

	if (!e->kframes || lock_fn > LOCK_FN_TRYLOCK ||
	    (e->nr_kframes && !strncmp(e->kframes[0], "mutex_", 6)))
		return;
	frames = realloc(e->kframes, (e->nr_kframes + 1) * sizeof(char *));
	if (!frames)
		return;
	memmove(frames + 1, frames, e->nr_kframes * sizeof(char *));
	frames[0] = strdup(names[lock_fn]);
	e->kframes = frames;
	e->nr_kframes++;
}

/* A new zeroed entry at the end of the set, or NULL without memory. */
static struct stack_entry *new_stack_entry(struct stack_set *out, size_t *cap)
{
	struct stack_entry *e;

	if (out->nr == *cap) {
		size_t n = *cap ? *cap * 2 : 256;
		void *p = realloc(out->entries, n * sizeof(*out->entries));

		if (!p)
			return NULL;
		out->entries = p;
		*cap = n;
	}
	e = &out->entries[out->nr++];
	memset(e, 0, sizeof(*e));
	return e;
}

/*
 * The exact backend's acquisitions without whole stacks: one stack per call site, the lock
 * function under the function that called it.
 */
static int exact_caller_stacks(struct session *s, struct stack_set *out, size_t *cap)
{
	__u32 slot, nr = s->skel->bss->next_slot;
	const struct exact_ring *x = s->exact_buf;
	char buf[64];
	size_t i;

	if (nr > s->max_rings)
		nr = s->max_rings;
	for (slot = 0; slot < nr; slot++) {
		struct ring_info info;

		if (bpf_map__lookup_elem(s->skel->maps.rings, &slot, sizeof(slot), &info,
					 sizeof(info), 0) || !info.ctx ||
		    bpf_map__lookup_elem(s->skel->maps.exact, &slot, sizeof(slot), s->exact_buf,
					 sizeof(*s->exact_buf), 0))
			continue;
		for (i = 0; i <= EXACT_CALLERS; i++) {
			const struct exact_caller *c = exact_caller(x, i);
			const char *name;
			struct stack_entry *e;

			if (!c->count)
				continue;
			e = new_stack_entry(out, cap);
			if (!e)
				return -ENOMEM;
			e->slot = slot;
			e->tgid = info.tgid;
			e->kind = STACK_EXACT;
			e->count = c->count;
			e->wait_ns = c->wait_ns;
			e->hold_ns = c->hold_ns;
			e->path = caller_path(s, c->ip);
			e->kframes = calloc(1, sizeof(char *));
			name = c->ip && s->ksyms ? kframe_name(s->ksyms, c->ip, s->verbose, buf,
							       sizeof(buf)) : NULL;
			if (e->kframes && name)
				e->kframes[e->nr_kframes++] = strdup(name);
			add_lock_leaf(e, c->lock_fn);
		}
	}
	return 0;
}

int session_read_stacks(struct session *s, struct stack_set *out)
{
	struct stack_key key, next, *prev = NULL;
	bool callers = s->rodata.want_holds && !s->rodata.want_exact_stacks &&
		       !s->rodata.want_ustacks;
	struct stack_stats st;
	size_t cap = 0;

	out->entries = NULL;
	out->nr = 0;
	if (!s->stacks_used)
		return 0;
	if (callers && s->rodata.want_paths && exact_caller_stacks(s, out, &cap))
		return -ENOMEM;
	while (!bpf_map__get_next_key(s->skel->maps.stack_stats, prev, &next, sizeof(next))) {
		struct stack_entry *e;

		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(s->skel->maps.stack_stats, &key, sizeof(key), &st,
					 sizeof(st), 0))
			continue;
		e = new_stack_entry(out, &cap);
		if (!e)
			return -ENOMEM;
		e->slot = key.slot;
		e->tgid = key.tgid;
		e->kind = key.kind;
		e->count = st.count;
		e->wait_ns = st.wait_ns;
		e->hold_ns = st.hold_ns;
		e->path = key.stack_id >= 0 ? stack_path(s, key.stack_id) : PATH_OTHER;
		e->kframes = kernel_names(s, key.stack_id, &e->nr_kframes);
		if (key.kind == STACK_EXACT)
			add_lock_leaf(e, key.lock_fn);
		if (key.ustack_id >= 0) {
			__u64 frames[MAX_USTACK_DEPTH] = {};
			size_t i;

			if (bpf_map__lookup_elem(s->skel->maps.ustacks, &key.ustack_id,
						 sizeof(key.ustack_id), frames, sizeof(frames), 0))
				continue;
			e->uframes = calloc(MAX_USTACK_DEPTH, sizeof(char *));
			for (i = 0; e->uframes && i < MAX_USTACK_DEPTH && frames[i]; i++)
				e->uframes[e->nr_uframes++] = usyms_name(s->usyms, key.tgid,
									 frames[i]);
		}
	}
	return 0;
}

void session_pause(struct session *s)
{
	struct timespec settle = { 0, 10 * 1000 * 1000 };

	s->skel->data->enabled = false;
	/* Let programs that passed the check before it changed finish their updates. */
	nanosleep(&settle, NULL);
}

void session_close(struct session *s)
{
	int i;

	if (!s)
		return;
	/* Nothing is counted while hooks go: a lock call seen without its unlock is not. */
	if (s->skel && s->skel->data)
		s->skel->data->enabled = false;
	/*
	 * Detach in reverse: the lock functions before mutex_unlock, contention_begin before
	 * contention_end.
	 */
	for (i = s->nr_links - 1; i >= 0; i--)
		bpf_link__destroy(s->links[i]);
	bpf_link__destroy(s->iter_link);
	detach_sampling(s);
	free(s->perf_links);
	free(s->perf_fds);
	usyms_free(s->usyms);
	uringlockstat_bpf__destroy(s->skel);
	uringlockstat_bpf__destroy(s->names);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	ksyms_free(s->ksyms);
	free(s->stack_paths);
	free(s->stack_lock);
	free(s->percpu);
	free(s->percpu_hists);
	free(s->zero_hists);
	free(s->exact_buf);
	free(s->snaps);
	free(s);
}
