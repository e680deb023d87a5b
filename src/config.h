// SPDX-License-Identifier: GPL-2.0
/*
 * What the command line asks a run to do: built once by config_parse (src/cli.c), then read,
 * never written, by the run (src/run.c).
 */
#ifndef URINGLOCKSTAT_CONFIG_H
#define URINGLOCKSTAT_CONFIG_H

#include <stdbool.h>
#include <sys/types.h>
#include "folded.h"
#include "session.h"

#define EXIT_USAGE 2

/*
 * The sample backend's default rate per CPU: one busy thread gives 2594 samples in 2 s, whose
 * lock share's 95% interval is at most +-1.92 points wide (at a share of 50%).
 */
#define DEFAULT_FREQ_HZ 1297

struct config {
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
	__u32 max_procs;	/* --max-procs */
	const char *folded_path;
	bool fold_owner;	/* --fold-owner: contended stacks split by the owner's role */
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
};

/*
 * Parse argv (options, then -- CMD ARGS or probe) into cfg, defaults first. A usage error is
 * reported on stderr and gives EXIT_USAGE; 0 otherwise. argv[0] is renamed "uringlockstat"
 * for getopt's messages.
 */
int config_parse(int argc, char **argv, struct config *cfg);

/* `uringlockstat probe`: no target, the one word. */
bool config_is_probe(const struct config *cfg);

/* "uringlockstat: WHAT NAME: REASON" on one line, NAME escaped (a path or a command). */
void name_error(const char *what, const char *name, const char *reason);

/* One error line, user-supplied text (file names, arguments, addresses) in it escaped. */
__attribute__((format(printf, 1, 2)))
void error_line(const char *fmt, ...);

#endif
