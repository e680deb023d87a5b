// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF object of a run: opened afresh with the run's settings (rodata, map sizes, only
 * the programs wanted), then loaded. With --mode auto, programs the verifier refuses are found
 * by loading each alone, and dropped with their figures or their backend.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "session_priv.h"

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
	/* A ring may be open at several fds and in several processes (forks). */
	bpf_map__set_max_entries(skel->maps.ring_fds, trial ? 1 : 4 * rings);
	bpf_map__set_max_entries(skel->maps.targets, trial || o->target_all ? 1 : o->max_targets);
	bpf_map__set_max_entries(skel->maps.hists, rings);
	bpf_map__set_max_entries(skel->maps.exact, s->exact && !trial ? rings : 1);
	if (!s->rodata.want_holds || trial)
		bpf_map__set_max_entries(skel->maps.task_calls, 1);
	bpf_map__set_max_entries(skel->maps.lock_index, s->rodata.index_mask + 1);
	bpf_map__set_max_entries(skel->maps.stacks, stacks ? KSTACK_BUCKETS : 1);
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
	bpf_program__set_autoload(skel->progs.find_registered_rings, set->iter);
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

int load_object(struct session *s, const struct session_opts *o, struct report *rep,
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
