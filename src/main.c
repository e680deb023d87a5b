// SPDX-License-Identifier: GPL-2.0
/*
 * uringlockstat: measure io_uring's ctx->uring_lock per ring.
 * The subcommands, then the command line (src/cli.c) into a struct config, then the run
 * (src/run.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "compare.h"
#include "config.h"
#include "probe.h"
#include "report_cmd.h"
#include "run.h"

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int cmd_probe(void)
{
	struct probe_results r = {};

	probe_all(&r);
	probe_print(stdout, &r);
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	int err;

	/* Subcommands on saved reports: their own options, and no root needed. */
	if (argc > 1 && !strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	err = config_parse(argc, argv, &cfg);
	if (err)
		return err;
	verbose = cfg.verbose;
	libbpf_set_print(libbpf_print);
	if (config_is_probe(&cfg))
		return cmd_probe();
	return run(&cfg);
}
