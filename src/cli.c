// SPDX-License-Identifier: GPL-2.0
/*
 * The command line: --help's text, the options, and their checks, into a struct config
 * (config.h). Every usage error is one line on stderr and exit status 2.
 */
#include <argp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "fmt.h"
#include "numarg.h"

void name_error(const char *what, const char *name, const char *reason)
{
	char *safe = fmt_escape_dup(name ? name : "");

	fprintf(stderr, "uringlockstat: %s %s: %s\n", what, safe ? safe : "?", reason);
	free(safe);
}

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
	OPT_MAX_PROCS,
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
	OPT_FOLD_OWNER,
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
	{ "fold-owner", OPT_FOLD_OWNER, NULL, 0, "Split contended stacks in --folded/--svg by "
	  "the lock owner's role: a frame 'owner ROLE' under the waiter path ('owner not_read' for "
	  "episodes whose owner was not read)", 0 },
	{ "svg", OPT_SVG, "FILE", 0, "Write a flame graph (self-contained SVG) to FILE", 0 },
	{ "pprof", OPT_PPROF, "FILE", 0, "Write the stacks as a gzipped pprof profile (go tool "
	  "pprof, Pyroscope, Parca) to FILE", 0 },
	{ "weight", OPT_WEIGHT, "W", 0, "Stack weight: count, wait, hold or samples (default: wait, "
	  "or samples without a lock backend)", 0 },
	{ "freq", OPT_FREQ, "HZ", 0, "Sample backend frequency per CPU (default 1297: a 2 s run of one busy thread gives "
	  "the lock share within +-2 points)", 0 },
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
	{ "max-procs", OPT_MAX_PROCS, "N", 0, "Follow at most N live target processes at once "
	  "(-p, the command, and with --follow-forks their children; default 1024)", 0 },
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

static void verror_line(const char *fmt, va_list ap)
{
	char *msg = NULL;

	fprintf(stderr, "uringlockstat: ");
	if (vasprintf(&msg, fmt, ap) < 0 || fmt_fputs_escaped(msg, stderr) == EOF)
		fprintf(stderr, "%s", fmt);
	fputc('\n', stderr);
	free(msg);
}

void error_line(const char *fmt, ...)
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
static void parse_mode(struct config *cfg, const char *arg)
{
	const char *tok = arg;
	int id;

	memset(cfg->want, 0, sizeof(cfg->want));
	cfg->mode_auto = false;
	for (;;) {
		size_t len = strcspn(tok, ",");

		if (!len)
			die_usage("%s --mode '%s': name one or more backends (auto, contention, "
				  "counters, exact, sample), separated by commas",
				  arg[0] ? "empty backend name in" : "empty", arg);
		if (len == 4 && !strncmp(tok, "auto", 4)) {
			/* Not exact: its cost per acquisition makes it opt-in (auto,exact). */
			cfg->mode_auto = true;
			for (id = 0; id < BACKEND_COUNT; id++)
				cfg->want[id] = id != BACKEND_EXACT;
		} else {
			for (id = 0; id < BACKEND_COUNT; id++) {
				if (strlen(backend_name(id)) == len &&
				    !strncmp(tok, backend_name(id), len))
					break;
			}
			if (id == BACKEND_COUNT)
				die_usage("unknown backend '%.*s' in --mode (auto, contention, "
					  "counters, exact, sample)", (int)len, tok);
			cfg->want[id] = true;
		}
		if (!tok[len])
			break;
		tok += len + 1;
	}
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case 'p':
		cfg->pid = parse_long(arg, "PID", 1, INT_MAX);
		break;
	case 'a':
		cfg->all = true;
		break;
	case 'd':
		cfg->duration_s = parse_seconds(arg, "duration");
		break;
	case 'i':
		cfg->interval_s = parse_seconds(arg, "interval");
		break;
	case OPT_MODE:
		parse_mode(cfg, arg);
		break;
	case OPT_LIGHT:
		cfg->light = true;
		break;
	case OPT_JSON:
		cfg->json_path = arg;
		break;
	case 'o':
		cfg->output_path = arg;
		break;
	case OPT_LABEL:
		/* compare matches reports by label: a label cut short would match another. */
		if (strlen(arg) >= sizeof(((struct report *)0)->label))
			die_usage("--label is %zu bytes long; the most is %zu", strlen(arg),
				  sizeof(((struct report *)0)->label) - 1);
		cfg->label = arg;
		break;
	case OPT_CLOCK:
		if (!strcmp(arg, "instructions"))
			cfg->clock_instructions = true;
		else if (!strcmp(arg, "wall"))
			cfg->clock_instructions = false;
		else
			die_usage("invalid --clock '%s': wall or instructions", arg);
		break;
	case OPT_STACKS:
		cfg->stacks = true;
		break;
	case OPT_USTACK:
		cfg->ustack = true;
		break;
	case OPT_FOLD_OWNER:
		cfg->fold_owner = true;
		break;
	case OPT_FOLDED:
		cfg->folded_path = arg;
		cfg->stacks = true;
		break;
	case OPT_SVG:
		cfg->svg_path = arg;
		cfg->stacks = true;
		break;
	case OPT_WEIGHT:
		if (weight_parse(arg, &cfg->weight))
			die_usage("invalid --weight '%s' (count, wait, hold, samples)", arg);
		break;
	case OPT_FREQ:
		cfg->freq_hz = parse_long(arg, "--freq", 1, 10000);
		break;
	case OPT_LISTEN:
		cfg->listen = arg;
		break;
	case OPT_LISTEN_ANY:
		cfg->listen_any = true;
		break;
	case OPT_PROM_FILE:
		cfg->prom_path = arg;
		break;
	case OPT_PPROF:
		cfg->pprof_path = arg;
		cfg->stacks = true;
		break;
	case OPT_EXPIRE:
		cfg->expire_s = parse_seconds(arg, "--expire");
		cfg->expire_set = true;
		break;
	case OPT_REPEAT:
		cfg->repeat = parse_long(arg, "--repeat", 1, 1000);
		break;
	case OPT_NO_PATHS:
		cfg->no_paths = true;
		break;
	case OPT_PATHS:
		cfg->paths = true;
		break;
	case OPT_HOLDS:
		cfg->holds = true;
		break;
	case OPT_COUNT_ENTERS:
		cfg->count_enters = true;
		break;
	case OPT_PROG_STATS:
		cfg->prog_stats = true;
		break;
	case OPT_NO_PROG_STATS:
		cfg->no_prog_stats = true;
		break;
	case OPT_MAX_PROCS:
		cfg->max_procs = parse_long(arg, "--max-procs", 1, 1 << 20);
		break;
	case OPT_MAX_RINGS:
		cfg->max_rings = parse_long(arg, "--max-rings", 1, 1 << 20);
		break;
	case 'v':
		cfg->verbose = true;
		break;
	case ARGP_KEY_ARG:
		/* Everything from the first non-option on is the command. */
		cfg->command = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (config_is_probe(cfg))
			break;
		/* An exporter without a target: every process, as node_exporter would. */
		if ((cfg->listen || cfg->prom_path) && !cfg->pid && !cfg->all && !cfg->command)
			cfg->all = true;
		if (!!cfg->pid + cfg->all + !!cfg->command != 1)
			die_usage("give exactly one target: -p PID, -a, or -- CMD ARGS");
		if (cfg->repeat > 1 && !cfg->command)
			die_usage("--repeat needs a command (-- CMD ARGS) to run again");
		if (cfg->repeat > 1 && (cfg->listen || cfg->prom_path))
			die_usage("--repeat cannot be combined with --listen or --prom-file");
		if (cfg->listen_any && !cfg->listen)
			die_usage("--listen-any needs --listen");
		if (cfg->paths && cfg->no_paths)
			die_usage("--paths and --no-paths contradict each other");
		if (cfg->prog_stats && cfg->no_prog_stats)
			die_usage("--prog-stats and --no-prog-stats contradict each other");
		if (cfg->count_enters && cfg->light)
			die_usage("--count-enters and --light contradict each other");
		/* Hold weights come from the timed exact backend's path stacks. */
		if (cfg->weight == WEIGHT_HOLD)
			cfg->holds = cfg->paths = true;
		/* Paths and hold times are the exact backend's: asking for them asks for it. */
		if (cfg->paths || cfg->holds)
			cfg->want[BACKEND_EXACT] = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

bool config_is_probe(const struct config *cfg)
{
	return cfg->command && !strcmp(cfg->command[0], "probe") && !cfg->command[1] &&
	       !cfg->pid && !cfg->all;
}

int config_parse(int argc, char **argv, struct config *cfg)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.args_doc = "[-- CMD ARGS...] | probe",
		.doc = doc,
	};

	*cfg = (struct config){
		.max_rings = DEFAULT_MAX_RINGS,
		.max_procs = DEFAULT_MAX_TARGETS,
		.repeat = 1,
		.weight = WEIGHT_DEFAULT,
		.freq_hz = DEFAULT_FREQ_HZ,
		.expire_s = 60,
	};
	/* argp's own errors (unknown option, missing value) are usage errors too, not 64. */
	argp_err_exit_status = EXIT_USAGE;
	/* getopt names argv[0] in its messages: "uringlockstat: ...", as ours say. */
	argv[0] = "uringlockstat";
	parse_mode(cfg, "auto");
	return argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, cfg) ? EXIT_USAGE : 0;
}
