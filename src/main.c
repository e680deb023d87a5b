// SPDX-License-Identifier: GPL-2.0
/*
 * uringlockstat: measure io_uring's ctx->uring_lock per ring.
 * Command line, the run's lifecycle and its one cleanup path.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include "atomic.h"
#include "compare.h"
#include "expo.h"
#include "fmt.h"
#include "folded.h"
#include "http.h"
#include "numarg.h"
#include "output.h"
#include "pprof.h"
#include "probe.h"
#include "report_cmd.h"
#include "session.h"
#include "target.h"

#define EXIT_USAGE 2

static struct env {
	pid_t pid;
	bool all;
	double duration_s;
	double interval_s;
	bool want[BACKEND_COUNT];	/* --mode */
	bool mode_auto;
	bool light;
	bool count_enters;	/* --count-enters */
	bool prog_stats;
	bool no_prog_stats;
	bool no_paths;
	bool paths;		/* --paths */
	bool holds;		/* --holds */
	bool stacks;
	bool ustack;
	const char *folded_path;
	const char *svg_path;
	enum weight weight;
	__u32 freq_hz;
	const char *label;
	bool clock_instructions;	/* --clock instructions */
	int repeat;
	const char *json_path;
	const char *output_path;
	const char *listen;
	bool listen_any;
	const char *prom_path;
	const char *pprof_path;
	double expire_s;
	bool expire_set;
	__u32 max_rings;
	bool verbose;
	char **command;
} env = {
	.max_rings = DEFAULT_MAX_RINGS,
	.repeat = 1,
	.weight = WEIGHT_DEFAULT,
	.freq_hz = 99,
	.expire_s = 60,
};

/* "uringlockstat: WHAT NAME: REASON" on one line, NAME escaped (a path or a command). */
static void name_error(const char *what, const char *name, const char *reason)
{
	char *safe = fmt_escape_dup(name ? name : "");

	fprintf(stderr, "uringlockstat: %s %s: %s\n", what, safe ? safe : "?", reason);
	free(safe);
}

static volatile sig_atomic_t exiting;

const char *argp_program_version = "uringlockstat 0.1";
const char *argp_program_bug_address = "the project's issue tracker";

static const char doc[] =
	"Measure io_uring's per-ring mutex ctx->uring_lock: how often each ring takes it, how "
	"often and how long tasks wait for it, and what that costs per SQE.\n"
	"\n"
	"  uringlockstat [OPTIONS] -p PID\n"
	"  uringlockstat [OPTIONS] -- CMD ARGS\n"
	"  uringlockstat --listen [ADDR:]PORT [-a|-p PID]  (Prometheus endpoint)\n"
	"  uringlockstat probe\n"
	"  uringlockstat compare BASE.json NEW.json   (CI gate; see compare --help)\n"
	"  uringlockstat report RUN.json              (see report --help)"
	"\v"
	"Backends (--mode, comma-separated; auto, the default, runs contention, counters and "
	"sample where the kernel allows them):\n"
	"  exact       every acquisition and handoffs (fentry on mutex_unlock; not in auto);\n"
	"              with --holds, its wait and hold too\n"
	"  contention  contended acquisitions, spin/sleep, wait time\n"
	"  counters    SQEs, register calls, work runs; io_uring_enter calls with "
	"--count-enters\n"
	"  sample      CPU-clock samples: lock share, sampled hold time, stacks\n"
	"\n"
	"The default keeps the profiler's cost within a few percent of a batch-1 NOP loop. "
	"Costlier figures are opt-in, and a report without them says what adds them and at "
	"what cost: --mode auto,exact (every acquisition; a trampoline on mutex_unlock), "
	"--paths (the kernel path of each acquisition), --holds (the hold time and wait of each "
	"acquisition; trampolines on the mutex lock functions too), --count-enters (io_uring_enter "
	"calls).\n"
	"\n"
	"Examples:\n"
	"  uringlockstat -p 1234 -d 10        # 10 s profile of PID 1234\n"
	"  uringlockstat -p 1234 -i 1         # live table each second\n"
	"  uringlockstat --json run.json -- ./app --flag\n"
	"  uringlockstat --mode contention -p 1234\n"
	"  uringlockstat --listen 9580        # /metrics of every ring, until Ctrl-C\n"
	"  uringlockstat --pprof p.pb.gz -- ./app   # go tool pprof -top p.pb.gz\n"
	"  uringlockstat probe                # what this kernel allows\n"
	"\n"
	"Exit status: 0 on success (with -- CMD, the command's status), 1 on a profiler "
	"error, 2 on a usage error. See uringlockstat(8).";

enum {
	OPT_MODE = 0x100,
	OPT_JSON,
	OPT_LIGHT,
	OPT_MAX_RINGS,
	OPT_PROG_STATS,
	OPT_NO_PROG_STATS,
	OPT_NO_PATHS,
	OPT_PATHS,
	OPT_HOLDS,
	OPT_COUNT_ENTERS,
	OPT_LABEL,
	OPT_CLOCK,
	OPT_REPEAT,
	OPT_STACKS,
	OPT_USTACK,
	OPT_FOLDED,
	OPT_SVG,
	OPT_WEIGHT,
	OPT_FREQ,
	OPT_LISTEN,
	OPT_LISTEN_ANY,
	OPT_PROM_FILE,
	OPT_PPROF,
	OPT_EXPIRE,
};

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Profile the rings of process PID", 0 },
	{ "all", 'a', NULL, 0, "Profile the rings of every process", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (default: until Ctrl-C or the "
	  "target exits); with -- CMD, the command then gets SIGTERM", 0 },
	{ "interval", 'i', "SECONDS", 0, "Print a live per-ring table every SECONDS", 0 },
	{ "mode", OPT_MODE, "LIST", 0, "Backends: auto (default), contention, counters, exact, "
	  "sample; comma-separated", 0 },
	{ "count-enters", OPT_COUNT_ENTERS, NULL, 0, "Count io_uring_enter calls and the SQEs "
	  "each consumed (fexit on io_uring_enter where fentry works, else at the exit of every "
	  "system call)", 0 },
	{ "light", OPT_LIGHT, NULL, 0, "No per-syscall counting (the default; kept for "
	  "compatibility)", 0 },
	{ "json", OPT_JSON, "FILE", 0, "Write the report as JSON (schema uringlockstat/1) to FILE",
	  0 },
	{ "output", 'o', "FILE", 0, "Write the text report to FILE (default: stdout; stderr "
	  "with -- CMD)", 0 },
	{ "stacks", OPT_STACKS, NULL, 0, "Record kernel stacks of contended acquisitions too "
	  "(implied by --folded and --svg)", 0 },
	{ "ustack", OPT_USTACK, NULL, 0, "Record user stacks as well (needs frame pointers in the "
	  "profiled binaries)", 0 },
	{ "folded", OPT_FOLDED, "FILE", 0, "Write collapsed stacks for FlameGraph to FILE", 0 },
	{ "svg", OPT_SVG, "FILE", 0, "Write a flame graph (self-contained SVG) to FILE", 0 },
	{ "pprof", OPT_PPROF, "FILE", 0, "Write the stacks as a gzipped pprof profile (go tool "
	  "pprof, Pyroscope, Parca) to FILE", 0 },
	{ "weight", OPT_WEIGHT, "W", 0, "Stack weight: count, wait, hold or samples (default: wait, "
	  "or samples without a lock backend)", 0 },
	{ "freq", OPT_FREQ, "HZ", 0, "Sample backend frequency (default 99)", 0 },
	{ "listen", OPT_LISTEN, "[ADDR:]PORT", 0, "Serve GET /metrics (OpenMetrics, or Prometheus "
	  "text) on ADDR:PORT (default address 127.0.0.1); implies -a without a target", 0 },
	{ "listen-any", OPT_LISTEN_ANY, NULL, 0, "Allow --listen on a non-loopback address", 0 },
	{ "prom-file", OPT_PROM_FILE, "FILE", 0, "Write the metrics in Prometheus text format to "
	  "FILE every interval, atomically (node_exporter's textfile collector); implies -a "
	  "without a target", 0 },
	{ "expire", OPT_EXPIRE, "SECONDS", 0, "Forget rings closed for SECONDS and reuse their "
	  "slots (default: 60 with --listen or --prom-file, never otherwise)", 0 },
	{ "label", OPT_LABEL, "NAME", 0, "Name this run's scenario in the report, at most 127 bytes "
	  "(compare matches rings by label, flags and order)", 0 },
	{ "clock", OPT_CLOCK, "CLOCK", 0, "What the system's clock counts: wall (the default) or "
	  "instructions (a guest under qemu -icount shift=0, where 1 ns is 1 instruction); "
	  "stored in the report: compare decides instruction-clock runs singly, with tight "
	  "limits, and refuses to mix the clocks", 0 },
	{ "repeat", OPT_REPEAT, "N", 0, "With -- CMD: run the command N times, one sample of every "
	  "metric each, all in one JSON (for compare's significance test)", 0 },
	{ "max-rings", OPT_MAX_RINGS, "N", 0, "Track at most N rings (default 128)", 0 },
	{ "paths", OPT_PATHS, NULL, 0, "Attribute each exact acquisition to its kernel path "
	  "from its call site (adds the exact backend)", 0 },
	{ "holds", OPT_HOLDS, NULL, 0, "Time each exact acquisition: its wait from the lock call "
	  "and its hold (adds the exact backend, and trampolines on the mutex lock functions: "
	  "about twice its cost)", 0 },
	{ "no-paths", OPT_NO_PATHS, NULL, 0, "Exact backend without per-path figures (the "
	  "default)", 0 },
	{ "prog-stats", OPT_PROG_STATS, NULL, 0, "Add each of our BPF programs' runs, run time and "
	  "ns per run to the report (their total, the profiler's cost, is always there)", 0 },
	{ "no-prog-stats", OPT_NO_PROG_STATS, NULL, 0, "Do not have the kernel time our BPF "
	  "programs (two clock reads per run): the report's profiler cost is then unknown", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages and kernel addresses", 0 },
	{},
};

/* One error line, user-supplied text (file names, arguments, addresses) in it escaped. */
static void verror_line(const char *fmt, va_list ap)
{
	char *msg = NULL;

	fprintf(stderr, "uringlockstat: ");
	if (vasprintf(&msg, fmt, ap) < 0 || fmt_fputs_escaped(msg, stderr) == EOF)
		fprintf(stderr, "%s", fmt);
	fputc('\n', stderr);
	free(msg);
}

__attribute__((format(printf, 1, 2)))
static void error_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_line(fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 1, 2), noreturn))
static void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_line(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'uringlockstat --help'.\n");
	exit(EXIT_USAGE);
}

/* Longest duration, interval or expiry: 10^7 s, about 115 days. */
#define MAX_SECONDS 1e7

static double parse_seconds(const char *arg, const char *what)
{
	double v;

	if (!numarg_decimal(arg, &v) || v <= 0 || v > MAX_SECONDS)
		die_usage("invalid %s '%s': want a decimal number of seconds, more than 0 and "
			  "at most %.0f (such as 10 or 0.5)", what, arg, MAX_SECONDS);
	return v;
}

static long parse_long(const char *arg, const char *what, long min, long max)
{
	unsigned long v;

	if (!numarg_uint(arg, max, &v) || (long)v < min)
		die_usage("invalid %s '%s': want a whole number from %ld to %ld", what, arg, min,
			  max);
	return v;
}

/* --mode LIST: backend names separated by commas, or auto; every name checked here. */
static void parse_mode(const char *arg)
{
	const char *tok = arg;
	int id;

	memset(env.want, 0, sizeof(env.want));
	env.mode_auto = false;
	for (;;) {
		size_t len = strcspn(tok, ",");

		if (!len)
			die_usage("%s --mode '%s': name one or more backends (auto, contention, "
				  "counters, exact, sample), separated by commas",
				  arg[0] ? "empty backend name in" : "empty", arg);
		if (len == 4 && !strncmp(tok, "auto", 4)) {
			/* Not exact: its cost per acquisition makes it opt-in (auto,exact). */
			env.mode_auto = true;
			for (id = 0; id < BACKEND_COUNT; id++)
				env.want[id] = id != BACKEND_EXACT;
		} else {
			for (id = 0; id < BACKEND_COUNT; id++) {
				if (strlen(backend_name(id)) == len &&
				    !strncmp(tok, backend_name(id), len))
					break;
			}
			if (id == BACKEND_COUNT)
				die_usage("unknown backend '%.*s' in --mode (auto, contention, "
					  "counters, exact, sample)", (int)len, tok);
			env.want[id] = true;
		}
		if (!tok[len])
			break;
		tok += len + 1;
	}
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		env.pid = parse_long(arg, "PID", 1, INT_MAX);
		break;
	case 'a':
		env.all = true;
		break;
	case 'd':
		env.duration_s = parse_seconds(arg, "duration");
		break;
	case 'i':
		env.interval_s = parse_seconds(arg, "interval");
		break;
	case OPT_MODE:
		parse_mode(arg);
		break;
	case OPT_LIGHT:
		env.light = true;
		break;
	case OPT_JSON:
		env.json_path = arg;
		break;
	case 'o':
		env.output_path = arg;
		break;
	case OPT_LABEL:
		/* compare matches reports by label: a label cut short would match another. */
		if (strlen(arg) >= sizeof(((struct report *)0)->label))
			die_usage("--label is %zu bytes long; the most is %zu", strlen(arg),
				  sizeof(((struct report *)0)->label) - 1);
		env.label = arg;
		break;
	case OPT_CLOCK:
		if (!strcmp(arg, "instructions"))
			env.clock_instructions = true;
		else if (!strcmp(arg, "wall"))
			env.clock_instructions = false;
		else
			die_usage("invalid --clock '%s': wall or instructions", arg);
		break;
	case OPT_STACKS:
		env.stacks = true;
		break;
	case OPT_USTACK:
		env.ustack = true;
		break;
	case OPT_FOLDED:
		env.folded_path = arg;
		env.stacks = true;
		break;
	case OPT_SVG:
		env.svg_path = arg;
		env.stacks = true;
		break;
	case OPT_WEIGHT:
		if (weight_parse(arg, &env.weight))
			die_usage("invalid --weight '%s' (count, wait, hold, samples)", arg);
		break;
	case OPT_FREQ:
		env.freq_hz = parse_long(arg, "--freq", 1, 10000);
		break;
	case OPT_LISTEN:
		env.listen = arg;
		break;
	case OPT_LISTEN_ANY:
		env.listen_any = true;
		break;
	case OPT_PROM_FILE:
		env.prom_path = arg;
		break;
	case OPT_PPROF:
		env.pprof_path = arg;
		env.stacks = true;
		break;
	case OPT_EXPIRE:
		env.expire_s = parse_seconds(arg, "--expire");
		env.expire_set = true;
		break;
	case OPT_REPEAT:
		env.repeat = parse_long(arg, "--repeat", 1, 1000);
		break;
	case OPT_NO_PATHS:
		env.no_paths = true;
		break;
	case OPT_PATHS:
		env.paths = true;
		break;
	case OPT_HOLDS:
		env.holds = true;
		break;
	case OPT_COUNT_ENTERS:
		env.count_enters = true;
		break;
	case OPT_PROG_STATS:
		env.prog_stats = true;
		break;
	case OPT_NO_PROG_STATS:
		env.no_prog_stats = true;
		break;
	case OPT_MAX_RINGS:
		env.max_rings = parse_long(arg, "--max-rings", 1, 1 << 20);
		break;
	case 'v':
		env.verbose = true;
		break;
	case ARGP_KEY_ARG:
		/* Everything from the first non-option on is the command. */
		env.command = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (env.command && !strcmp(env.command[0], "probe") && !env.command[1] &&
		    !env.pid && !env.all)
			break;
		/* An exporter without a target: every process, as node_exporter would. */
		if ((env.listen || env.prom_path) && !env.pid && !env.all && !env.command)
			env.all = true;
		if (!!env.pid + env.all + !!env.command != 1)
			die_usage("give exactly one target: -p PID, -a, or -- CMD ARGS");
		if (env.repeat > 1 && !env.command)
			die_usage("--repeat needs a command (-- CMD ARGS) to run again");
		if (env.repeat > 1 && (env.listen || env.prom_path))
			die_usage("--repeat cannot be combined with --listen or --prom-file");
		if (env.listen_any && !env.listen)
			die_usage("--listen-any needs --listen");
		if (env.paths && env.no_paths)
			die_usage("--paths and --no-paths contradict each other");
		if (env.prog_stats && env.no_prog_stats)
			die_usage("--prog-stats and --no-prog-stats contradict each other");
		if (env.count_enters && env.light)
			die_usage("--count-enters and --light contradict each other");
		/* Hold weights come from the timed exact backend's path stacks. */
		if (env.weight == WEIGHT_HOLD)
			env.holds = env.paths = true;
		/* Paths and hold times are the exact backend's: asking for them asks for it. */
		if (env.paths || env.holds)
			env.want[BACKEND_EXACT] = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

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

static int cmd_probe(void)
{
	struct probe_results r = {};

	probe_all(&r);
	probe_print(stdout, &r);
	return 0;
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
static int write_stack_outputs(struct session *session, struct report *rep)
{
	bool flame = env.folded_path || env.svg_path;
	struct stack_set stacks = {};
	struct flame_args a = {};
	char why[256];
	size_t i, shallow = 0, with_user = 0;
	int ret;

	if (!flame && !env.pprof_path)
		return 0;
	if (flame && weight_resolve(rep, env.weight, &a.weight, why, sizeof(why))) {
		fprintf(stderr, "uringlockstat: %s\n", why);
		return 1;
	}
	ret = session_read_stacks(session, &stacks);
	if (!ret && flame)
		ret = folded_build(rep, &stacks, a.weight, &a.lines, &a.nr);
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
	if (env.folded_path && (ret = out_write(&out.folded, write_folded_fn, &a)))
		name_error("cannot write", env.folded_path, strerror(-ret));
	if (!ret && env.svg_path && (ret = out_write(&out.svg, write_svg_fn, &a)))
		name_error("cannot write", env.svg_path, strerror(-ret));
	if (!ret && env.pprof_path &&
	    (ret = pprof_write_out(&out.pprof, rep, &stacks, env.verbose)))
		name_error("cannot write", env.pprof_path, strerror(-ret));
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
static int export_metrics(const struct report *rep)
{
	static int last_error;
	size_t om_len = 0, prom_len = 0;
	char *om = NULL, *prom;

	if (!http && !env.prom_path)
		return 0;
	prom = expo_render(rep, EXPO_PROMETHEUS, env.verbose, &prom_len);
	if (http)
		om = expo_render(rep, EXPO_OPENMETRICS, env.verbose, &om_len);
	if (!prom || (http && !om)) {
		fprintf(stderr, "uringlockstat: out of memory rendering the metrics\n");
		free(prom);
		free(om);
		return -ENOMEM;
	}
	if (env.prom_path) {
		struct text_buf t = { prom, prom_len };
		int e = out_write(&out.prom, write_text_fn, &t);

		/* A daemon keeps going; say so once per distinct failure. */
		if (e && e != last_error)
			name_error("cannot write", env.prom_path, strerror(-e));
		last_error = e;
	}
	if (http)
		http_publish(http, om, om_len, prom, prom_len);
	else
		free(prom);
	return env.prom_path ? last_error : 0;
}

/* The target's CPU time now: its process's, or with -a every CPU's busy time. */
static int target_cpu_now(const struct report *rep, __u64 *ns)
{
	return env.all ? all_cpus_busy_ns(ns) : pid_cpu_ns(rep->target_pid, ns);
}

/* The target's CPU time over the run, set against the profiler's own (report's overhead). */
static void set_target_cpu(struct report *rep, const struct rusage *ru, bool cpu_known,
			   __u64 cpu_ns)
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
			 env.all ? "/proc/stat, busy time of every CPU" : "/proc/PID/stat",
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
static int profile_once(const struct session_opts *opts, struct report *rep, struct report *prev,
			FILE *text_out)
{
	struct child child = { .pid = -1, .go_fd = -1, .error_fd = -1 };
	__u64 start_ns, last_tick_ns, deadline_ns = 0, tick_ns, cpu_start = 0, cpu_now = 0;
	struct session *session = NULL;
	bool cpu_known, reaped = false, ended = false;
	struct rusage ru;
	int ret = 1, pidfd = -1, status = 0;
	char err[512] = "";
	struct utsname uts;
	pid_t tgid;

	if (env.pid) {
		if (!pid_exists(env.pid)) {
			fprintf(stderr, "uringlockstat: no process with PID %d\n", env.pid);
			return 1;
		}
		/* Rings belong to processes: a thread's ID stands for its process. */
		tgid = pid_process(env.pid);
		if (tgid > 0 && tgid != env.pid) {
			fprintf(stderr, "uringlockstat: %d is a thread of process %d: profiling "
				"the process\n", env.pid, tgid);
			env.pid = tgid;
		}
		pidfd = pid_watch(env.pid);
	}
	uname(&uts);
	snprintf(rep->kernel, sizeof(rep->kernel), "%s", uts.release);
	rep->target_pid = env.pid;
	if (env.command) {
		int e = child_spawn(&child, env.command);

		if (e) {
			name_error("cannot start", env.command[0], strerror(-e));
			goto cleanup;
		}
		rep->target_pid = child.pid;
		command_string(rep->target_command, sizeof(rep->target_command), env.command);
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
	if (!env.all && session_add_target(session, rep->target_pid)) {
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
	export_metrics(rep);
	start_ns = last_tick_ns = now_ns();
	cpu_known = !target_cpu_now(rep, &cpu_start);
	cpu_now = cpu_start;
	if (env.duration_s)
		deadline_ns = start_ns + (__u64)(env.duration_s * 1e9);
	if (env.command) {
		int e = child_release(&child);

		if (e) {
			name_error("cannot run", env.command[0], strerror(-e));
			waitpid(child.pid, &status, 0);
			child.pid = -1;
			ret = 127;
			goto cleanup;
		}
	} else {
		/* Scripts wait for this line to know that profiling has started. */
		if (env.all)
			fprintf(stderr, "uringlockstat: profiling all processes");
		else
			fprintf(stderr, "uringlockstat: profiling pid %d", env.pid);
		fprintf(stderr, ", %zu ring(s) found at start; Ctrl-C to end\n", rep->nr_rings);
	}
	/* Snapshots find new rings' SQ heads; without -i, once a second is enough. */
	tick_ns = (__u64)((env.interval_s ? env.interval_s : 1.0) * 1e9);
	while (!exiting) {
		__u64 now;

		wait_tick(pidfd, &ended);
		session_watch(session);
		now = now_ns();
		if (deadline_ns && now >= deadline_ns)
			break;
		if (env.command && child_poll(&child, &status, &ru)) {
			child.pid = -1;
			reaped = true;
			break;
		}
		if (env.pid && pid_watch_exited(pidfd, env.pid)) {
			rep->partial = true;
			snprintf(rep->partial_reason, sizeof(rep->partial_reason),
				 "target exited %.2f s into the run; rings closed since the last "
				 "snapshot may miss SQ-head counts", (now - start_ns) / 1e9);
			break;
		}
		if (now - last_tick_ns >= tick_ns) {
			/* Kept from the last time it could be read: the target may exit. */
			if (cpu_known)
				target_cpu_now(rep, &cpu_now);
			session_snapshot(session, rep);
			/* A daemon forgets closed rings; a one-off report keeps every ring. */
			if (http || env.prom_path || env.expire_set)
				session_expire(session, rep, now_ns(), (__u64)(env.expire_s * 1e9));
			export_metrics(rep);
			if (env.interval_s) {
				report_print_interval(text_out, rep, prev,
						      (now - last_tick_ns) / 1e9);
				memcpy(prev, rep, sizeof(*rep) +
				       rep->nr_rings * sizeof(rep->rings[0]));
			}
			last_tick_ns = now;
		}
	}
	rep->duration_ns = now_ns() - start_ns;
	if (cpu_known && !reaped)
		target_cpu_now(rep, &cpu_now);
	/* Freeze the maps first: every figure of the last snapshot then comes from one moment. */
	session_pause(session);
	session_snapshot(session, rep);
	/* Both written; the metrics file must end with the final figures, so its failure counts. */
	if (export_metrics(rep) | write_stack_outputs(session, rep))
		goto cleanup;
	if (env.command) {
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
	set_target_cpu(rep, reaped ? &ru : NULL, cpu_known, cpu_now - cpu_start);
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
static int open_outputs(void)
{
	const struct {
		struct out_file *file;
		const char *path;
	} files[] = {
		/* The text report: -o, else standard output (standard error with --). */
		{ &out.text, env.output_path ? env.output_path : env.command ? NULL : "-" },
		{ &out.json, env.json_path },
		{ &out.folded, env.folded_path },
		{ &out.svg, env.svg_path },
		{ &out.pprof, env.pprof_path },
		{ &out.prom, env.prom_path },
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

static int run(void)
{
	struct session_opts opts = {
		.max_rings = env.max_rings,
		.light = !env.count_enters,
		.prog_stats = env.prog_stats,
		.no_prog_stats = env.no_prog_stats,
		.verbose = env.verbose,
		.no_paths = !env.paths,
		.holds = env.holds,
		.want_kstacks = env.stacks,
		.want_ustacks = env.ustack,
		.freq_hz = env.freq_hz,
	};
	struct report *rep = NULL, *prev = NULL;
	json_t *root = NULL, *repeats = NULL;
	FILE *text_out = stderr;
	bool text_whole = false;
	char err[512] = "";
	int ret = 1, i;

	/* From the start: loading, attaching and discovery end early on a signal too. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	memcpy(opts.want, env.want, sizeof(opts.want));
	opts.mode_auto = env.mode_auto;
	opts.target_all = env.all;
	opts.follow_forks = env.command != NULL;
	opts.stop = &exiting;
	if (session_check_memory(&opts, err, sizeof(err))) {
		fprintf(stderr, "uringlockstat: %s\n", err);
		return 1;
	}
	ret = open_outputs();
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
	if (env.listen) {
		int e = http_start(&http, env.listen, env.listen_any, err, sizeof(err));

		if (e) {
			error_line("--listen %s: %s", env.listen, err);
			/* An address that does not parse, or is not loopback without --listen-any. */
			if (e == -EINVAL || e == -EPERM)
				ret = EXIT_USAGE;
			goto cleanup;
		}
	}
	rep = report_new(env.max_rings);
	prev = report_new(env.max_rings);
	repeats = json_array();
	if (!rep || !prev || !repeats) {
		fprintf(stderr, "uringlockstat: out of memory\n");
		goto cleanup;
	}
	if (exiting) {
		ret = setup_interrupted();
		goto cleanup;
	}
	for (i = 0; i < env.repeat && !exiting; i++) {
		json_t *one;

		/* Only the slots the last run used were written: the rest is still zero. */
		memset(rep, 0, sizeof(*rep) + rep->nr_rings * sizeof(rep->rings[0]));
		memset(prev, 0, sizeof(*prev) + prev->nr_rings * sizeof(prev->rings[0]));
		rep->exit_status = -1;
		snprintf(rep->label, sizeof(rep->label), "%s", env.label ? env.label : "");
		rep->clock_instructions = env.clock_instructions;
		ret = profile_once(&opts, rep, prev, text_out);
		/* Interrupted while setting up a later run: the runs done are kept. */
		if (ret > 128 && exiting && i > 0)
			break;
		if (ret)
			goto cleanup;
		if (env.repeat > 1)
			fprintf(text_out, "\n== run %d of %d", i + 1, env.repeat);
		report_print_text(text_out, rep, env.verbose);
		text_whole = true;
		ret = env.command ? rep->exit_status : 0;
		/* A repeated command that fails makes the samples meaningless: stop there. */
		if (env.command && ret && env.repeat > 1) {
			fprintf(stderr, "uringlockstat: run %d of %d: the command exited with %d\n",
				i + 1, env.repeat, ret);
			goto cleanup;
		}
		one = report_to_json(rep, env.verbose);
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
	if (env.json_path && root) {
		int e;

		json_object_set_new(root, "repeat", json_integer(json_array_size(repeats)));
		json_object_set(root, "repeats", repeats);
		e = json_write_out(root, &out.json);
		if (e) {
			name_error("cannot write", env.json_path, strerror(-e));
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

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.args_doc = "[-- CMD ARGS...] | probe",
		.doc = doc,
	};
	int err;

	/* Subcommands on saved reports: their own options, and no root needed. */
	if (argc > 1 && !strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	/* argp's own errors (unknown option, missing value) are usage errors too, not 64. */
	argp_err_exit_status = EXIT_USAGE;
	/* getopt names argv[0] in its messages: "uringlockstat: ...", as ours say. */
	argv[0] = "uringlockstat";
	parse_mode("auto");
	err = argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);
	if (err)
		return EXIT_USAGE;
	libbpf_set_print(libbpf_print);
	if (env.command && !strcmp(env.command[0], "probe") && !env.command[1] && !env.pid &&
	    !env.all)
		return cmd_probe();
	return run();
}
