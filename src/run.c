// SPDX-License-Identifier: GPL-2.0
/*
 * A profiling run, as struct config asks: the output files opened first (src/outputs.c), then
 * per repeat the target started or watched, the session opened, snapshots until the end
 * condition, the run's model built and every output written from it; one cleanup path each.
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "config.h"
#include "output.h"
#include "outputs.h"
#include "run.h"
#include "target.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

/* A signal before a run's profiling began: its set-up is undone, it measured nothing. */
static int setup_interrupted(void)
{
	fprintf(stderr, "uringlockstat: interrupted by %s during set-up, before profiling "
		"began\n", exiting == SIGINT ? "SIGINT" : "SIGTERM");
	return 128 + exiting;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void command_string(char *buf, size_t size, char **argv)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv[i] && len < size; i++) {
		int n = snprintf(buf + len, size - len, "%s%s", i ? " " : "", argv[i]);

		if (n < 0)
			break;
		len += n;
	}
}

/* The target's CPU time now: its process's, or with -a every CPU's busy time. */
static int target_cpu_now(const struct config *cfg, const struct report *rep, __u64 *ns)
{
	return cfg->all ? all_cpus_busy_ns(ns) : pid_cpu_ns(rep->target_pid, ns);
}

/* The target's CPU time over the run, set against the profiler's own (report's overhead). */
static void set_target_cpu(const struct config *cfg, struct report *rep,
			   const struct rusage *ru, bool cpu_known, __u64 cpu_ns)
{
	struct overhead *o = &rep->overhead;

	o->target_cpu_rusage = false;
	if (ru) {
		o->target_cpu_ns = (__u64)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000ull +
				   (__u64)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000ull;
		snprintf(o->target_cpu_source, sizeof(o->target_cpu_source), "%s",
			 TARGET_CPU_RUSAGE);
		o->target_cpu_rusage = true;
	} else if (cpu_known) {
		o->target_cpu_ns = cpu_ns;
		snprintf(o->target_cpu_source, sizeof(o->target_cpu_source), "%s (%ld ticks per s)",
			 cfg->all ? "/proc/stat, busy time of every CPU" : "/proc/PID/stat",
			 sysconf(_SC_CLK_TCK));
	} else {
		o->target_cpu_ns = 0;
		snprintf(o->target_cpu_source, sizeof(o->target_cpu_source), "unknown");
	}
}

/*
 * The main loop's pause: 50 ms, or less when the target ends (its pidfd becomes readable) or a
 * signal comes. Without the pidfd wake-up a command's duration would be rounded up to the next
 * 50 ms: a large error under the instruction clock of a qemu -icount guest, where 50 ms are 50
 * million instructions.
 */
static void wait_tick(int pidfd, bool *ended)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	/* Readable once the target has ended, and from then on: then pause as before. */
	if (pidfd >= 0 && !*ended) {
		if (poll(&p, 1, 50) > 0)
			*ended = true;
		return;
	}
	nanosleep(&pause, NULL);
}

/* One profiling run as it goes: the target, the session, the clock. */
struct run_state {
	const struct config *cfg;
	struct outputs *o;
	struct report *rep;
	struct interval_ring *prev;
	FILE *text_out;
	struct child child;
	struct session *session;
	pid_t pid;		/* -p's process, 0 otherwise */
	int pidfd;		/* the target's pidfd, -1 when none */
	int status;		/* the command's wait status */
	struct rusage ru;	/* the command's, when reaped */
	bool reaped, ended;
	bool cpu_known;		/* the target's CPU time could be read at the start */
	__u64 start_ns, cpu_start, cpu_now;
};

/* The target: -p's process (a thread stands for its process) or the command, not yet run. */
static int start_target(struct run_state *st)
{
	const struct config *cfg = st->cfg;
	struct report *rep = st->rep;
	struct utsname uts;
	pid_t tgid;

	if (st->pid) {
		if (!pid_exists(st->pid)) {
			fprintf(stderr, "uringlockstat: no process with PID %d\n", st->pid);
			return 1;
		}
		/* Rings belong to processes: a thread's ID stands for its process. */
		tgid = pid_process(st->pid);
		if (tgid > 0 && tgid != st->pid) {
			fprintf(stderr, "uringlockstat: %d is a thread of process %d: profiling "
				"the process\n", st->pid, tgid);
			st->pid = tgid;
		}
		st->pidfd = pid_watch(st->pid);
	}
	uname(&uts);
	snprintf(rep->kernel, sizeof(rep->kernel), "%s", uts.release);
	rep->target_pid = st->pid;
	if (cfg->command) {
		int e = child_spawn(&st->child, cfg->command);

		if (e) {
			name_error("cannot start", cfg->command[0], strerror(-e));
			return 1;
		}
		rep->target_pid = st->child.pid;
		command_string(rep->target_command, sizeof(rep->target_command), cfg->command);
		/* Its end wakes the loop at once (the run's duration is then exact). */
		st->pidfd = pid_watch(st->child.pid);
	}
	return 0;
}

/* Open, load and attach the session; find the rings that exist before the run. */
static int attach(struct run_state *st, const struct session_opts *opts)
{
	char err[512] = "";

	if (session_open(&st->session, opts, st->rep, err, sizeof(err))) {
		if (exiting)
			return setup_interrupted();
		fprintf(stderr, "uringlockstat: %s\n", err);
		return 1;
	}
	/* Announced only once the profiler runs: a failure to load is then the only message. */
	if (st->o->http)
		fprintf(stderr, "uringlockstat: serving metrics on http://%s/metrics\n",
			http_address(st->o->http));
	if (!st->cfg->all && session_add_target(st->session, st->rep->target_pid)) {
		fprintf(stderr, "uringlockstat: cannot add target %d: %s\n", st->rep->target_pid,
			strerror(errno));
		return 1;
	}
	/* Initial discovery: rings that exist before the run. */
	session_snapshot(st->session, st->rep);
	/* Before the command runs or the start is announced. */
	return exiting ? setup_interrupted() : 0;
}

/* Start the clock, then let the command run, or say that profiling has started. */
static int begin(struct run_state *st)
{
	const struct config *cfg = st->cfg;

	outputs_snapshot(st->o, cfg, st->rep, st->prev, st->text_out, 0);
	st->start_ns = now_ns();
	st->cpu_known = !target_cpu_now(cfg, st->rep, &st->cpu_start);
	st->cpu_now = st->cpu_start;
	if (cfg->command) {
		int e = child_release(&st->child, &exiting);

		if (e) {
			waitpid(st->child.pid, &st->status, 0);
			st->child.pid = -1;
			/* Killed because a stop was asked while its exec hung. */
			if (e == -EINTR && exiting)
				return setup_interrupted();
			name_error("cannot run", cfg->command[0], strerror(-e));
			return 127;
		}
	} else {
		/* Scripts wait for this line to know that profiling has started. */
		if (cfg->all)
			fprintf(stderr, "uringlockstat: profiling all processes");
		else
			fprintf(stderr, "uringlockstat: profiling pid %d", st->pid);
		fprintf(stderr, ", %zu ring(s) found at start; Ctrl-C to end\n",
			st->rep->nr_rings);
	}
	/*
	 * Loading freed megabytes (BTF, the trial loads' objects) that the heap would keep for the
	 * whole run: give them back once.
	 */
	malloc_trim(0);
	return 0;
}

/* Snapshots until a signal, -d, the command's end or the target's exit. */
static void sample(struct run_state *st)
{
	const struct config *cfg = st->cfg;
	struct report *rep = st->rep;
	/* Snapshots find new rings' SQ heads; without -i, once a second is enough. */
	__u64 tick_ns = (__u64)((cfg->interval_s ? cfg->interval_s : 1.0) * 1e9);
	__u64 deadline_ns = cfg->duration_s ? st->start_ns + (__u64)(cfg->duration_s * 1e9) : 0;
	__u64 last_tick_ns = st->start_ns;

	while (!exiting) {
		__u64 now;

		wait_tick(st->pidfd, &st->ended);
		session_watch(st->session);
		now = now_ns();
		if (deadline_ns && now >= deadline_ns)
			break;
		if (cfg->command && child_poll(&st->child, &st->status, &st->ru)) {
			st->child.pid = -1;
			st->reaped = true;
			break;
		}
		if (st->pid && pid_watch_exited(st->pidfd, st->pid)) {
			rep->partial = true;
			snprintf(rep->partial_reason, sizeof(rep->partial_reason),
				 "target exited %.2f s into the run; rings closed since the last "
				 "snapshot may miss SQ-head counts", (now - st->start_ns) / 1e9);
			break;
		}
		if (now - last_tick_ns < tick_ns)
			continue;
		/* Kept from the last time it could be read: the target may exit. */
		if (st->cpu_known)
			target_cpu_now(cfg, rep, &st->cpu_now);
		session_snapshot(st->session, rep);
		/* A daemon forgets closed rings; a one-off report keeps every ring. */
		if (st->o->http || cfg->prom_path || cfg->expire_set)
			session_expire(st->session, rep, now_ns(), (__u64)(cfg->expire_s * 1e9));
		outputs_snapshot(st->o, cfg, rep, st->prev, st->text_out,
				 cfg->interval_s ? (now - last_tick_ns) / 1e9 : 0);
		last_tick_ns = now;
	}
}

/*
 * The last snapshot, from frozen maps, and the outputs of the moment (metrics, stacks); then
 * the command's end and the target's CPU time.
 */
static int finish(struct run_state *st)
{
	const struct config *cfg = st->cfg;
	struct report *rep = st->rep;
	struct run_model final;
	int ret;

	rep->duration_ns = now_ns() - st->start_ns;
	if (st->cpu_known && !st->reaped)
		target_cpu_now(cfg, rep, &st->cpu_now);
	/* Freeze the maps first: every figure of the last snapshot then comes from one moment. */
	session_pause(st->session);
	session_snapshot(st->session, rep);
	if (st->o->http || cfg->prom_path || cfg->folded_path || cfg->svg_path || cfg->pprof_path) {
		if (model_from_report(rep, cfg->verbose, &final)) {
			fprintf(stderr, "uringlockstat: out of memory for the run's figures\n");
			return 1;
		}
		/* Both written; the metrics file must end with the final figures: its failure counts. */
		ret = outputs_metrics(st->o, cfg, &final) |
		      outputs_stacks(st->o, cfg, st->session, &final);
		model_free(&final);
		if (ret)
			return 1;
	}
	if (cfg->command) {
		if (st->child.pid > 0) {
			/*
			 * Stopped by a signal or by -d while the command runs: pass the signal on
			 * (SIGTERM for -d, as timeout(1) does) and wait for the command.
			 */
			kill(st->child.pid, exiting ? exiting : SIGTERM);
			st->reaped = wait4(st->child.pid, &st->status, 0, &st->ru) == st->child.pid;
			st->child.pid = -1;
		}
		rep->exit_status = WIFEXITED(st->status) ? WEXITSTATUS(st->status)
							 : 128 + WTERMSIG(st->status);
	}
	set_target_cpu(cfg, rep, st->reaped ? &st->ru : NULL, st->cpu_known,
		       st->cpu_now - st->cpu_start);
	return 0;
}

/*
 * One profiling run into rep: start the command (or watch the PID), attach, sample until the
 * end condition, read everything. Returns 0, 1 for a profiler error, 127 when the command
 * could not be run, 128 + a signal that interrupted the set-up; the command's status is in
 * rep->exit_status.
 */
static int profile_once(const struct config *cfg, const struct session_opts *opts,
			struct outputs *o, struct report *rep, struct interval_ring *prev,
			FILE *text_out)
{
	struct run_state st = {
		.cfg = cfg, .o = o, .rep = rep, .prev = prev, .text_out = text_out,
		.child = { .pid = -1, .go_fd = -1, .error_fd = -1 },
		.pid = cfg->pid, .pidfd = -1,
	};
	int ret = start_target(&st);

	if (!ret)
		ret = attach(&st, opts);
	if (!ret)
		ret = begin(&st);
	if (!ret) {
		sample(&st);
		ret = finish(&st);
	}
	session_close(st.session);
	child_abort(&st.child);
	if (st.pidfd >= 0)
		close(st.pidfd);
	return ret;
}

/* What the session is asked for, from the command line's config. */
static void session_opts_of(const struct config *cfg, struct session_opts *opts)
{
	*opts = (struct session_opts){
		.max_rings = cfg->max_rings,
		.max_targets = cfg->max_procs,
		.light = !cfg->count_enters,
		.prog_stats = cfg->prog_stats,
		.no_prog_stats = cfg->no_prog_stats,
		.verbose = cfg->verbose,
		.no_paths = !cfg->paths,
		.holds = cfg->holds,
		.want_kstacks = cfg->stacks,
		.want_ustacks = cfg->ustack,
		.freq_hz = cfg->freq_hz,
		.mode_auto = cfg->mode_auto,
		.target_all = cfg->all,
		.follow_forks = cfg->command != NULL,
		.stop = &exiting,
	};
	memcpy(opts->want, cfg->want, sizeof(opts->want));
}

/*
 * Run i's model: printed as the text report, and kept for the JSON: the first run whole, and
 * every run (the first one again) in its repeats. Returns 0, or 1 when out of memory.
 */
static int report_run(const struct config *cfg, const struct report *rep, int i,
		      FILE *text_out, struct run_model *json_model, bool *have_json)
{
	struct run_model one, again;
	bool first = cfg->json_path && !*have_json;

	/* Every model built before anything is printed: out of memory then prints nothing. */
	if (model_from_report(rep, cfg->verbose, &one))
		goto nomem;
	if (first && model_from_report(rep, cfg->verbose, &again)) {
		model_free(&one);
		goto nomem;
	}
	if (cfg->repeat > 1)
		fprintf(text_out, "\n== run %d of %d", i + 1, cfg->repeat);
	model_print_text(text_out, &one);
	if (!cfg->json_path) {
		model_free(&one);
		return 0;
	}
	if (first) {
		*json_model = one;
		*have_json = true;
		model_run_detach(&json_model->run);
		one = again;
	}
	/* The repeat keeps no pointer into rep, which the next run overwrites. */
	model_run_detach(&one.run);
	/* model_add_repeat() takes the run's figures and leaves the rest to be freed. */
	if (model_add_repeat(json_model, &one.run)) {
		model_free(&one);
		goto nomem;
	}
	model_free(&one);
	return 0;
nomem:
	fprintf(stderr, "uringlockstat: out of memory for the run's figures\n");
	return 1;
}

int run(const struct config *cfg)
{
	struct session_opts opts;
	struct outputs out = {};
	struct report *rep = NULL;
	struct interval_ring *prev = NULL;
	struct run_model json_model;
	bool have_json = false, text_whole = false;
	FILE *text_out = stderr;
	char err[512] = "";
	int ret, i;

	/* From the start: loading, attaching and discovery end early on a signal too. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/*
	 * Each snapshot's model and renderings are built and freed again: kept in the heap
	 * rather than mapped and unmapped each time, they cost a fifth of the CPU (512 rings:
	 * 32 -> 7 ms a snapshot with --prom-file). The heap then holds its peak, which the
	 * memory check counts per ring (src/collect/memory.c).
	 */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	session_opts_of(cfg, &opts);
	if (session_check_memory(&opts, err, sizeof(err))) {
		fprintf(stderr, "uringlockstat: %s\n", err);
		return 1;
	}
	ret = outputs_open(&out, cfg);
	if (!ret)
		ret = outputs_start(&out, cfg, &text_out);
	if (ret)
		goto cleanup;
	ret = 1;
	rep = report_new(cfg->max_rings);
	prev = calloc(cfg->max_rings, sizeof(*prev));
	if (!rep || !prev) {
		fprintf(stderr, "uringlockstat: out of memory\n");
		goto cleanup;
	}
	if (exiting) {
		ret = setup_interrupted();
		goto cleanup;
	}
	for (i = 0; i < cfg->repeat && !exiting; i++) {
		/* Only the slots the last run used were written: the rest is still zero. */
		memset(rep, 0, sizeof(*rep) + rep->nr_rings * sizeof(rep->rings[0]));
		memset(prev, 0, cfg->max_rings * sizeof(*prev));
		rep->exit_status = -1;
		snprintf(rep->label, sizeof(rep->label), "%s", cfg->label ? cfg->label : "");
		rep->clock_instructions = cfg->clock_instructions;
		ret = profile_once(cfg, &opts, &out, rep, prev, text_out);
		/* Interrupted while setting up a later run: the runs done are kept. */
		if (ret > 128 && exiting && i > 0)
			break;
		if (ret)
			goto cleanup;
		ret = report_run(cfg, rep, i, text_out, &json_model, &have_json);
		if (ret)
			goto cleanup;
		text_whole = true;
		ret = cfg->command ? rep->exit_status : 0;
		/* A repeated command that fails makes the samples meaningless: stop there. */
		if (cfg->command && ret && cfg->repeat > 1) {
			fprintf(stderr, "uringlockstat: run %d of %d: the command exited with %d\n",
				i + 1, cfg->repeat, ret);
			goto cleanup;
		}
	}
	if (cfg->json_path && have_json && outputs_json(&out, cfg, &json_model))
		ret = 1;
cleanup:
	if (have_json)
		model_free(&json_model);
	if (outputs_end(&out, text_out, text_whole))
		ret = 1;
	outputs_close(&out);
	free(rep);
	free(prev);
	return ret;
}
