// SPDX-License-Identifier: GPL-2.0
/*
 * A profiling run, as struct config asks: the output files opened first, then per repeat
 * the target started or watched, the session opened, snapshots until the end condition, and
 * every output written; one cleanup path each.
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
#include "atomic.h"
#include "config.h"
#include "expo.h"
#include "folded.h"
#include "http.h"
#include "output.h"
#include "pprof.h"
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

/* The output files, opened and checked before anything is attached (see atomic.h). */
static struct {
	struct out_file text, json, folded, svg, pprof, prom;
} out;

struct flame_args {
	struct folded_line *lines;
	size_t nr;
	char title[512];
	enum weight weight;
};

static int write_folded_fn(FILE *f, void *arg)
{
	struct flame_args *a = arg;

	return folded_write(f, a->lines, a->nr);
}

static int write_svg_fn(FILE *f, void *arg)
{
	struct flame_args *a = arg;

	return flamegraph_write_svg(f, a->lines, a->nr, a->title, weight_unit(a->weight));
}

/* --folded, --svg and --pprof: the run's stacks (folded and SVG weighted as asked). */
static int write_stack_outputs(const struct config *cfg, struct session *session,
			       struct report *rep)
{
	bool flame = cfg->folded_path || cfg->svg_path;
	struct stack_set stacks = {};
	struct flame_args a = {};
	char why[256];
	size_t i, shallow = 0, with_user = 0;
	int ret;

	if (!flame && !cfg->pprof_path)
		return 0;
	if (flame && weight_resolve(rep, cfg->weight, &a.weight, why, sizeof(why))) {
		fprintf(stderr, "uringlockstat: %s\n", why);
		return 1;
	}
	ret = session_read_stacks(session, &stacks);
	if (!ret && flame)
		ret = folded_build(rep, &stacks, a.weight, cfg->fold_owner, &a.lines,
				   &a.nr);
	if (ret) {
		fprintf(stderr, "uringlockstat: cannot build stacks: %s\n", strerror(-ret));
		stack_set_free(&stacks);
		return 1;
	}
	for (i = 0; i < stacks.nr; i++) {
		if (!stacks.entries[i].uframes)
			continue;
		with_user++;
		shallow += stacks.entries[i].nr_uframes <= 2;
	}
	/* Frame-pointer unwinding stops at once in code built without them. */
	if (with_user && shallow * 2 > with_user)
		fprintf(stderr, "uringlockstat: most user stacks are 1-2 frames deep: the profiled "
			"binary or its libraries probably lack frame pointers "
			"(-fno-omit-frame-pointer)\n");
	snprintf(a.title, sizeof(a.title), "uring_lock: %s%s%s", weight_unit(a.weight),
		 rep->target_command[0] ? " - " : "", rep->target_command);
	ret = 0;
	if (cfg->folded_path && (ret = out_write(&out.folded, write_folded_fn, &a)))
		name_error("cannot write", cfg->folded_path, strerror(-ret));
	if (!ret && cfg->svg_path && (ret = out_write(&out.svg, write_svg_fn, &a)))
		name_error("cannot write", cfg->svg_path, strerror(-ret));
	if (!ret && cfg->pprof_path &&
	    (ret = pprof_write_out(&out.pprof, rep, &stacks, cfg->verbose)))
		name_error("cannot write", cfg->pprof_path, strerror(-ret));
	folded_free(a.lines, a.nr);
	stack_set_free(&stacks);
	return ret ? 1 : 0;
}

/* The --listen endpoint, NULL without one. */
static struct http_server *http;

struct text_buf {
	const char *text;
	size_t len;
};

static int write_text_fn(FILE *f, void *arg)
{
	struct text_buf *t = arg;

	return fwrite(t->text, 1, t->len, f) == t->len ? 0 : -EIO;
}

/*
 * --listen and --prom-file: render the report as it stands. The endpoint's thread gets the
 * new text by a pointer swap; a slow client never holds up this loop. Returns 0, or -errno
 * when the metrics file could not be written.
 */
static int export_metrics(const struct config *cfg, const struct report *rep)
{
	static int last_error;
	size_t om_len = 0, prom_len = 0;
	char *om = NULL, *prom;

	if (!http && !cfg->prom_path)
		return 0;
	prom = expo_render(rep, EXPO_PROMETHEUS, cfg->verbose, &prom_len);
	if (http)
		om = expo_render(rep, EXPO_OPENMETRICS, cfg->verbose, &om_len);
	if (!prom || (http && !om)) {
		fprintf(stderr, "uringlockstat: out of memory rendering the metrics\n");
		free(prom);
		free(om);
		return -ENOMEM;
	}
	if (cfg->prom_path) {
		struct text_buf t = { prom, prom_len };
		int e = out_write(&out.prom, write_text_fn, &t);

		/* A daemon keeps going; say so once per distinct failure. */
		if (e && e != last_error)
			name_error("cannot write", cfg->prom_path, strerror(-e));
		last_error = e;
	}
	if (http)
		http_publish(http, om, om_len, prom, prom_len);
	else
		free(prom);
	return cfg->prom_path ? last_error : 0;
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

	if (ru) {
		o->target_cpu_ns = (__u64)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000ull +
				   (__u64)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000ull;
		snprintf(o->target_cpu_source, sizeof(o->target_cpu_source),
			 "the command's rusage");
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

/*
 * One profiling run into rep: start the command (or watch the PID), attach, sample until the
 * end condition, read everything. Returns 0, 1 for a profiler error, 127 when the command
 * could not be run; the command's status is in rep->exit_status.
 */
static int profile_once(const struct config *cfg, const struct session_opts *opts,
			struct report *rep, struct interval_ring *prev, FILE *text_out)
{
	struct child child = { .pid = -1, .go_fd = -1, .error_fd = -1 };
	__u64 start_ns, last_tick_ns, deadline_ns = 0, tick_ns, cpu_start = 0, cpu_now = 0;
	struct session *session = NULL;
	bool cpu_known, reaped = false, ended = false;
	struct rusage ru;
	int ret = 1, pidfd = -1, status = 0;
	char err[512] = "";
	struct utsname uts;
	pid_t tgid, pid = cfg->pid;

	if (pid) {
		if (!pid_exists(pid)) {
			fprintf(stderr, "uringlockstat: no process with PID %d\n", pid);
			return 1;
		}
		/* Rings belong to processes: a thread's ID stands for its process. */
		tgid = pid_process(pid);
		if (tgid > 0 && tgid != pid) {
			fprintf(stderr, "uringlockstat: %d is a thread of process %d: profiling "
				"the process\n", pid, tgid);
			pid = tgid;
		}
		pidfd = pid_watch(pid);
	}
	uname(&uts);
	snprintf(rep->kernel, sizeof(rep->kernel), "%s", uts.release);
	rep->target_pid = pid;
	if (cfg->command) {
		int e = child_spawn(&child, cfg->command);

		if (e) {
			name_error("cannot start", cfg->command[0], strerror(-e));
			goto cleanup;
		}
		rep->target_pid = child.pid;
		command_string(rep->target_command, sizeof(rep->target_command), cfg->command);
		/* Its end wakes the loop below at once (the run's duration is then exact). */
		pidfd = pid_watch(child.pid);
	}

	if (session_open(&session, opts, rep, err, sizeof(err))) {
		if (exiting) {
			ret = setup_interrupted();
			goto cleanup;
		}
		fprintf(stderr, "uringlockstat: %s\n", err);
		goto cleanup;
	}
	/* Announced only once the profiler runs: a failure to load is then the only message. */
	if (http)
		fprintf(stderr, "uringlockstat: serving metrics on http://%s/metrics\n",
			http_address(http));
	if (!cfg->all && session_add_target(session, rep->target_pid)) {
		fprintf(stderr, "uringlockstat: cannot add target %d: %s\n", rep->target_pid,
			strerror(errno));
		goto cleanup;
	}
	/* Initial discovery: rings that exist before the run. */
	session_snapshot(session, rep);
	/* Before the command runs or the start is announced. */
	if (exiting) {
		ret = setup_interrupted();
		goto cleanup;
	}
	export_metrics(cfg, rep);
	start_ns = last_tick_ns = now_ns();
	cpu_known = !target_cpu_now(cfg, rep, &cpu_start);
	cpu_now = cpu_start;
	if (cfg->duration_s)
		deadline_ns = start_ns + (__u64)(cfg->duration_s * 1e9);
	if (cfg->command) {
		int e = child_release(&child);

		if (e) {
			name_error("cannot run", cfg->command[0], strerror(-e));
			waitpid(child.pid, &status, 0);
			child.pid = -1;
			ret = 127;
			goto cleanup;
		}
	} else {
		/* Scripts wait for this line to know that profiling has started. */
		if (cfg->all)
			fprintf(stderr, "uringlockstat: profiling all processes");
		else
			fprintf(stderr, "uringlockstat: profiling pid %d", pid);
		fprintf(stderr, ", %zu ring(s) found at start; Ctrl-C to end\n", rep->nr_rings);
	}
	/*
	 * Loading freed megabytes (BTF, the trial loads' objects) that the heap would keep for the
	 * whole run: give them back once.
	 */
	malloc_trim(0);
	/* Snapshots find new rings' SQ heads; without -i, once a second is enough. */
	tick_ns = (__u64)((cfg->interval_s ? cfg->interval_s : 1.0) * 1e9);
	while (!exiting) {
		__u64 now;

		wait_tick(pidfd, &ended);
		session_watch(session);
		now = now_ns();
		if (deadline_ns && now >= deadline_ns)
			break;
		if (cfg->command && child_poll(&child, &status, &ru)) {
			child.pid = -1;
			reaped = true;
			break;
		}
		if (pid && pid_watch_exited(pidfd, pid)) {
			rep->partial = true;
			snprintf(rep->partial_reason, sizeof(rep->partial_reason),
				 "target exited %.2f s into the run; rings closed since the last "
				 "snapshot may miss SQ-head counts", (now - start_ns) / 1e9);
			break;
		}
		if (now - last_tick_ns >= tick_ns) {
			/* Kept from the last time it could be read: the target may exit. */
			if (cpu_known)
				target_cpu_now(cfg, rep, &cpu_now);
			session_snapshot(session, rep);
			/* A daemon forgets closed rings; a one-off report keeps every ring. */
			if (http || cfg->prom_path || cfg->expire_set)
				session_expire(session, rep, now_ns(), (__u64)(cfg->expire_s * 1e9));
			export_metrics(cfg, rep);
			if (cfg->interval_s) {
				report_print_interval(text_out, rep, prev,
						      (now - last_tick_ns) / 1e9);
			}
			last_tick_ns = now;
		}
	}
	rep->duration_ns = now_ns() - start_ns;
	if (cpu_known && !reaped)
		target_cpu_now(cfg, rep, &cpu_now);
	/* Freeze the maps first: every figure of the last snapshot then comes from one moment. */
	session_pause(session);
	session_snapshot(session, rep);
	/* Both written; the metrics file must end with the final figures, so its failure counts. */
	if (export_metrics(cfg, rep) | write_stack_outputs(cfg, session, rep))
		goto cleanup;
	if (cfg->command) {
		if (child.pid > 0) {
			/*
			 * Stopped by a signal or by -d while the command runs: pass the signal on
			 * (SIGTERM for -d, as timeout(1) does) and wait for the command.
			 */
			kill(child.pid, exiting ? exiting : SIGTERM);
			reaped = wait4(child.pid, &status, 0, &ru) == child.pid;
			child.pid = -1;
		}
		rep->exit_status = WIFEXITED(status) ? WEXITSTATUS(status)
						     : 128 + WTERMSIG(status);
	}
	set_target_cpu(cfg, rep, reaped ? &ru : NULL, cpu_known, cpu_now - cpu_start);
	ret = 0;
cleanup:
	session_close(session);
	child_abort(&child);
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}

static void close_outputs(void)
{
	out_close(&out.text);
	out_close(&out.json);
	out_close(&out.folded);
	out_close(&out.svg);
	out_close(&out.pprof);
	out_close(&out.prom);
}

/*
 * Open every output file before the run, with the calls that will write it, so that a path
 * that cannot be written fails now. Returns 0, 1 or EXIT_USAGE.
 */
static int open_outputs(const struct config *cfg)
{
	const struct {
		struct out_file *file;
		const char *path;
	} files[] = {
		/* The text report: -o, else standard output (standard error with --). */
		{ &out.text, cfg->output_path ? cfg->output_path : cfg->command ? NULL : "-" },
		{ &out.json, cfg->json_path },
		{ &out.folded, cfg->folded_path },
		{ &out.svg, cfg->svg_path },
		{ &out.pprof, cfg->pprof_path },
		{ &out.prom, cfg->prom_path },
	};
	char err[512];
	size_t i, to_stdout = 0;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i].path)
			continue;
		if (out_open(files[i].file, files[i].path, err, sizeof(err))) {
			fprintf(stderr, "uringlockstat: %s\n", err);
			return 1;
		}
		to_stdout += out_is_stdout(files[i].file);
	}
	if (out_is_stdout(&out.prom)) {
		fprintf(stderr, "uringlockstat: --prom-file is rewritten every interval: it needs "
			"a file, not standard output\n");
		return EXIT_USAGE;
	}
	if (to_stdout > 1) {
		fprintf(stderr, "uringlockstat: only one output can go to standard output (the text "
			"report goes there unless -o names a file)\n");
		return EXIT_USAGE;
	}
	return 0;
}

int run(const struct config *cfg)
{
	struct session_opts opts = {
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
	};
	struct report *rep = NULL;
	struct interval_ring *prev = NULL;
	json_t *root = NULL, *repeats = NULL;
	FILE *text_out = stderr;
	bool text_whole = false;
	char err[512] = "";
	int ret = 1, i;

	/* From the start: loading, attaching and discovery end early on a signal too. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	memcpy(opts.want, cfg->want, sizeof(opts.want));
	opts.mode_auto = cfg->mode_auto;
	opts.target_all = cfg->all;
	opts.follow_forks = cfg->command != NULL;
	opts.stop = &exiting;
	if (session_check_memory(&opts, err, sizeof(err))) {
		fprintf(stderr, "uringlockstat: %s\n", err);
		return 1;
	}
	ret = open_outputs(cfg);
	if (ret) {
		close_outputs();
		return ret;
	}
	ret = 1;
	if (out.text.kind) {
		int e;

		/* Written to a new file, renamed over -o's file when the report is whole. */
		text_out = out_begin(&out.text, &e);
		if (!text_out) {
			name_error("cannot write", out.text.path, strerror(-e));
			close_outputs();
			return 1;
		}
	}
	if (cfg->listen) {
		int e = http_start(&http, cfg->listen, cfg->listen_any, err, sizeof(err));

		if (e) {
			error_line("--listen %s: %s", cfg->listen, err);
			/* An address that does not parse, or is not loopback without --listen-any. */
			if (e == -EINVAL || e == -EPERM)
				ret = EXIT_USAGE;
			goto cleanup;
		}
	}
	rep = report_new(cfg->max_rings);
	prev = calloc(cfg->max_rings, sizeof(*prev));
	repeats = json_array();
	if (!rep || !prev || !repeats) {
		fprintf(stderr, "uringlockstat: out of memory\n");
		goto cleanup;
	}
	if (exiting) {
		ret = setup_interrupted();
		goto cleanup;
	}
	for (i = 0; i < cfg->repeat && !exiting; i++) {
		json_t *one;

		/* Only the slots the last run used were written: the rest is still zero. */
		memset(rep, 0, sizeof(*rep) + rep->nr_rings * sizeof(rep->rings[0]));
		memset(prev, 0, cfg->max_rings * sizeof(*prev));
		rep->exit_status = -1;
		snprintf(rep->label, sizeof(rep->label), "%s", cfg->label ? cfg->label : "");
		rep->clock_instructions = cfg->clock_instructions;
		ret = profile_once(cfg, &opts, rep, prev, text_out);
		/* Interrupted while setting up a later run: the runs done are kept. */
		if (ret > 128 && exiting && i > 0)
			break;
		if (ret)
			goto cleanup;
		if (cfg->repeat > 1)
			fprintf(text_out, "\n== run %d of %d", i + 1, cfg->repeat);
		report_print_text(text_out, rep, cfg->verbose);
		text_whole = true;
		ret = cfg->command ? rep->exit_status : 0;
		/* A repeated command that fails makes the samples meaningless: stop there. */
		if (cfg->command && ret && cfg->repeat > 1) {
			fprintf(stderr, "uringlockstat: run %d of %d: the command exited with %d\n",
				i + 1, cfg->repeat, ret);
			goto cleanup;
		}
		one = report_to_json(rep, cfg->verbose);
		if (!root)
			root = json_deep_copy(one);
		json_array_append_new(repeats, json_pack("{s:O,s:O,s:O,s:O,s:O}", "duration_ns",
						 json_object_get(one, "duration_ns"), "exit_status",
						 json_object_get(json_object_get(one, "target"),
								 "exit_status"),
						 "partial", json_object_get(one, "partial"), "sampled",
						 json_object_get(one, "sampled"), "rings",
						 json_object_get(one, "rings")));
		json_decref(one);
	}
	if (cfg->json_path && root) {
		int e;

		json_object_set_new(root, "repeat", json_integer(json_array_size(repeats)));
		json_object_set(root, "repeats", repeats);
		e = json_write_out(root, &out.json);
		if (e) {
			name_error("cannot write", cfg->json_path, strerror(-e));
			ret = 1;
		}
	}
cleanup:
	http_stop(http);
	http = NULL;
	json_decref(root);
	json_decref(repeats);
	if (out.text.kind) {
		int e = out_end(&out.text, text_out, text_whole);

		if (e) {
			name_error("cannot write",
				   out_is_stdout(&out.text) ? "standard output" : out.text.path,
				   strerror(-e));
			ret = 1;
		}
	}
	close_outputs();
	free(rep);
	free(prev);
	return ret;
}
