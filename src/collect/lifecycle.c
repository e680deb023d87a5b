// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF lifecycle of one run: plan -> open -> configure (programs, map sizes, rodata) ->
 * load -> attach -> (collect) -> pause -> close, with one cleanup path. Backends that cannot
 * run are switched off before load with a reason.
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
#include "session_priv.h"
#include "stacks.h"
#include "probe.h"
#include "kallsyms.h"

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

/*
 * Period of CPU cpu's sampling timer at freq_hz: the nominal period, made 1-3% shorter or
 * longer by CPU so that the CPUs' timers drift through every phase against each other (and
 * against periodic events like the tick). With equal periods their phases stay fixed: a CPU
 * whose sample falls microseconds after another CPU's sample interrupt stalled the lock holder
 * finds its waiters spinning, and the lock share depended on the phase (in paired runs against
 * perf on two threads sharing a ring, +10 points in some runs and +0 in others). The spread is
 * symmetric over each 6 CPUs: the mean period stays the nominal one.
 */
static __u64 sample_period_ns(int cpu, __u32 freq_hz)
{
	static const int spread_permille[] = { -30, 30, -20, 20, -10, 10 };
	__u64 nominal = 1000000000ull / freq_hz;

	return nominal + (__s64)nominal * spread_permille[cpu % 6] / 1000;
}

/* One CPU-clock perf event per online CPU at about freq_hz, each running on_sample. */
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
			.sample_period = getenv("URINGLOCKSTAT_TEST_SAME_PERIOD") ? 1000000000ull / freq_hz :
					 sample_period_ns(cpu, freq_hz),
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

/* A signal asked the set-up to end: say so in err. */
static bool stopping(const struct session_opts *o, char *err, size_t err_size)
{
	if (!o->stop || !*o->stop)
		return false;
	snprintf(err, err_size, "interrupted during set-up");
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
		if (!plan_hook_serves_only(&hooks[s->link_hook[j]], id, rep))
			continue;
		bpf_link__destroy(s->links[j]);
		for (k = j; k + 1 < s->nr_links; k++) {
			s->links[k] = s->links[k + 1];
			s->link_hook[k] = s->link_hook[k + 1];
		}
		s->nr_links--;
	}
	for (i = 0; i < NR_HOOKS; i++) {
		if (plan_hook_serves_only(&hooks[i], id, rep))
			s->progs.hook[i] = false;
	}
	plan_backend_off(rep, id, why);
	if (id == BACKEND_EXACT)
		s->exact = false;
}

bool hook_lost(struct session *s, const struct session_opts *o, struct report *rep,
		      size_t i, const char *why, char *err, size_t err_size)
{
	s->progs.hook[i] = false;
	switch (plan_hook_lost(o, rep, i, why, err, err_size)) {
	case HOOK_LOSS_ERROR:
		return false;
	case HOOK_LOSS_DISCOVERY:
		fprintf(stderr, "uringlockstat: not seen: %s (%s)\n", hooks[i].figure, why);
		break;
	case HOOK_LOSS_BACKEND:
		backend_off(s, rep, hooks[i].backend, why);
		break;
	case HOOK_LOSS_FIGURE:
		break;
	}
	return true;
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
	r->keep_tgid = o->want_kstacks || o->want_ustacks;
	if (s->sample && !r->keep_tgid) {
		if (!s->ksyms)
			s->ksyms = ksyms_load();
		r->nr_lock_ranges = s->ksyms ? stack_lock_ranges(s->ksyms, (__u64 *)r->lock_range_start,
								 (__u64 *)r->lock_range_end,
								 MAX_LOCK_RANGES) : 0;
	}
	r->want_waiter_paths = rep->waiter_paths;
	r->owner_sample_mask = OWNER_SAMPLE_EVERY - 1;
	r->mutex_always_slow = mutex_always_slow(vmlinux);
}

/*
 * Which hooks run, each checked alone against kernel BTF (a missing target loses the hook's
 * figure, or its backend), and the BPF side's settings. Returns -ENOTSUP with err set when a
 * backend asked for by name cannot run.
 */
static int configure(struct session *s, const struct session_opts *o, struct report *rep,
		     struct probe_results *pr, char *err, size_t err_size)
{
	struct btf *vmlinux;
	size_t i;

	s->exact = rep->backends[BACKEND_EXACT].active;
	s->sample = rep->backends[BACKEND_SAMPLE].active;
	rep->paths_measured = s->exact && !o->no_paths;
	rep->holds_measured = s->exact && o->holds;
	rep->kstacks = o->want_kstacks;
	rep->ustacks = o->want_ustacks;
	rep->waiter_paths = rep->backends[BACKEND_CONTENTION].active;
	s->stacks_used = rep->paths_measured || o->want_kstacks || o->want_ustacks || s->sample ||
			 rep->waiter_paths;

	vmlinux = btf__load_vmlinux_btf();
	for (i = 0; i < NR_HOOKS; i++) {
		char buf[160];
		const char *why;

		s->progs.hook[i] = plan_hook_wanted(&hooks[i], o, rep, s->enter_fexit);
		if (!s->progs.hook[i])
			continue;
		why = hook_check(s, i, vmlinux, buf, sizeof(buf));
		if (why && !hook_lost(s, o, rep, i, why, err, err_size)) {
			btf__free(vmlinux);
			return -ENOTSUP;
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
	probe_feature(FEAT_TASK_FILE_ITER, pr);
	/* Without io_uring_release's address the iterator knows rings by their file's name. */
	s->progs.iter = pr->f[FEAT_TASK_FILE_ITER].ok;
	s->progs.sample = s->sample;
	return 0;
}

/*
 * Attach the loaded hooks in order. One that cannot attach is lost like one the kernel lacks.
 * Returns a negative errno, with err set, when the run cannot go on.
 */
static int attach_hooks(struct session *s, const struct session_opts *o, struct report *rep,
			char *err, size_t err_size)
{
	size_t i;
	int ret;

	for (i = 0; i < NR_HOOKS; i++) {
		struct bpf_program *prog = hook_prog(s->skel, &hooks[i], s->use_btf);
		struct bpf_link *link;
		char why[160];

		/* A backend switched off by an earlier failure has its hooks cleared. */
		if (!s->progs.hook[i])
			continue;
		if (stopping(o, err, err_size))
			return -EINTR;
		link = bpf_program__attach(prog);
		if (link && s->test_attach_fail &&
		    !strcmp(s->test_attach_fail, bpf_program__name(prog))) {
			bpf_link__destroy(link);
			link = NULL;
			errno = EBUSY;
		}
		if (!link) {
			ret = -errno;
			snprintf(why, sizeof(why), "cannot attach %s: %s", bpf_program__name(prog),
				 strerror(-ret));
			if (!hook_lost(s, o, rep, i, why, err, err_size))
				return ret;
			continue;
		}
		s->links[s->nr_links] = link;
		s->link_hook[s->nr_links++] = i;
		if (prog == s->skel->progs.queue_work_btf || prog == s->skel->progs.queue_work_raw)
			s->teardown_hook = true;
	}
	if (!any_backend(rep)) {
		snprintf(err, err_size, "no backend can run on this kernel (see 'uringlockstat "
			 "probe')");
		return -ENOTSUP;
	}
	return 0;
}

/*
 * The kernel times every run of every BPF program while this fd is open (two clock reads per
 * run): the report's overhead figures. Asked for by name (--prog-stats), a failure is an
 * error; else the report says why the cost is unknown.
 */
static int enable_prog_stats(struct session *s, const struct session_opts *o, struct report *rep,
			     char *err, size_t err_size)
{
	s->prog_table = o->prog_stats;
	if (o->no_prog_stats) {
		snprintf(rep->overhead.why, sizeof(rep->overhead.why), "not measured "
			 "(--no-prog-stats)");
		return 0;
	}
	s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (s->stats_fd < 0 && o->prog_stats) {
		snprintf(err, err_size, "cannot enable BPF run-time statistics: %s",
			 strerror(-s->stats_fd));
		return s->stats_fd;
	}
	if (s->stats_fd < 0)
		snprintf(rep->overhead.why, sizeof(rep->overhead.why), "not measured: "
			 "cannot enable BPF run-time statistics: %s", strerror(-s->stats_fd));
	return 0;
}

/* The sampler on every CPU; with --mode auto, a sampler that cannot run is only off. */
static int start_sampling(struct session *s, const struct session_opts *o, struct report *rep,
			  char *err, size_t err_size)
{
	int ret;

	if (!s->sample)
		return 0;
	ret = attach_sampling(s, o->freq_hz, err, err_size);
	if (!ret)
		return 0;
	if (!o->mode_auto)
		return ret;
	/* Off in the report, and on no CPU: detach those already attached. */
	detach_sampling(s);
	set_reason(rep, BACKEND_SAMPLE, false, "%s", err);
	s->sample = false;
	err[0] = '\0';
	return 0;
}

int session_open(struct session **out, const struct session_opts *o, struct report *rep,
		 char *err, size_t err_size)
{
	struct probe_results pr = {};
	struct backend_plan plan;
	struct session *s;
	int ret;

	*out = NULL;
	if (!have_bpf_privileges(err, err_size))
		return -EPERM;
	if (!have_vmlinux_btf(err, err_size))
		return -ENOTSUP;
	if (!plan_backends(o, &pr, probe_feature, !!getenv("URINGLOCKSTAT_FORCE_RAW_TP"), rep,
			   &plan, err, err_size))
		return stopping(o, err, err_size) ? -EINTR : -ENOTSUP;
	if (stopping(o, err, err_size))
		return -EINTR;
	rep->target_all = o->target_all;

	/* Open: the session's buffers, and the object its hooks' names come from. */
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->max_rings = o->max_rings;
	s->stats_fd = -1;
	s->verbose = o->verbose;
	s->use_btf = plan.use_btf;
	s->enter_fexit = plan.enter_fexit;
	s->test_refuse = getenv("URINGLOCKSTAT_TEST_REFUSE");
	s->test_attach_fail = getenv("URINGLOCKSTAT_TEST_ATTACH_FAIL");
	s->ncpus = libbpf_num_possible_cpus();
	s->batch_ok = true;
	ret = collect_alloc(s);
	/* Opened for its programs' names and sections only; each load opens its own. */
	s->names = uringlockstat_bpf__open();
	if (ret || !s->names) {
		snprintf(err, err_size, "cannot open the BPF object: %s", strerror(errno));
		ret = -ENOMEM;
		goto fail;
	}
	/* Configure, load, attach. */
	ret = configure(s, o, rep, &pr, err, err_size);
	if (ret)
		goto fail;
	if (stopping(o, err, err_size)) {
		ret = -EINTR;
		goto fail;
	}
	ret = load_object(s, o, rep, err, err_size);
	if (ret && stopping(o, err, err_size))
		ret = -EINTR;
	if (ret)
		goto fail;
	ret = attach_hooks(s, o, rep, err, err_size);
	if (ret)
		goto fail;
	/* Every hook in place: count from here on. */
	s->skel->data->enabled = true;
	if (stopping(o, err, err_size)) {
		ret = -EINTR;
		goto fail;
	}
	if (s->progs.iter) {
		s->iter_link = bpf_program__attach_iter(s->skel->progs.find_rings, NULL);
		s->reg_iter_link = s->iter_link ?
			bpf_program__attach_iter(s->skel->progs.find_registered_rings, NULL) : NULL;
		if (!s->iter_link || !s->reg_iter_link) {
			ret = -errno;
			snprintf(err, err_size, "cannot attach the ring iterator: %s",
				 strerror(-ret));
			goto fail;
		}
	}
	ret = enable_prog_stats(s, o, rep, err, err_size);
	if (ret)
		goto fail;
	ret = start_sampling(s, o, rep, err, err_size);
	if (ret)
		goto fail;
	rep->freq_hz = s->sample ? o->freq_hz : 0;
	if (stopping(o, err, err_size)) {
		ret = -EINTR;
		goto fail;
	}
	ret = stack_read_open(s, o->want_ustacks, err, err_size);
	if (ret)
		goto fail;
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
	bpf_link__destroy(s->reg_iter_link);
	bpf_link__destroy(s->iter_link);
	detach_sampling(s);
	free(s->perf_links);
	free(s->perf_fds);
	uringlockstat_bpf__destroy(s->skel);
	uringlockstat_bpf__destroy(s->names);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	stack_read_close(s);
	collect_free(s);
	free(s);
}
