// SPDX-License-Identifier: GPL-2.0
/* `uringlockstat report RUN.json`: a saved run read into the model and printed as text. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include "report_cmd.h"
#include "fmt.h"
#include "json_read.h"
#include "output.h"

#define EXIT_UNUSABLE 2

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: uringlockstat report RUN.json\n"
		"\n"
		"Print a report saved with --json as the text report uringlockstat prints\n"
		"live: backends, every ring's SQEs, enters, acquisitions, contention, wait\n"
		"and hold times, paths, sampled estimates, and what was lost. Histograms are\n"
		"not saved: the percentiles are the saved ones. With --repeat, every run\n"
		"follows the first one.\n"
		"\n"
		"Options:\n"
		"  -h, --help   this text\n"
		"\n"
		"Exit status: 0, or 2 for a usage error or a file that is not a valid\n"
		"report (missing, empty, truncated, not a regular file, over 512 MiB,\n"
		"another schema than uringlockstat/1, a number out of range, a top level\n"
		"that differs from repeats[0]).\n"
		"\n"
		"Examples:\n"
		"  uringlockstat --json run.json -- ./app\n"
		"  uringlockstat report run.json\n"
		"  uringlockstat report artifacts/uringlockstat-nop.json | less\n");
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_usage_error("report", fmt, ap);
	va_end(ap);
	return EXIT_UNUSABLE;
}

int cmd_report(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct run_model rep;
	char err[512];
	int c;

	/* Our own messages; optind 0 makes glibc start over (the unit tests call us often). */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error("want one report, RUN.json (got %d)", argc - optind);
	if (model_load_json(argv[optind], &rep, err, sizeof(err))) {
		fprintf(stderr, "uringlockstat: report: %s\n", err);
		return EXIT_UNUSABLE;
	}
	model_print_text(stdout, &rep);
	fflush(stdout);
	model_free(&rep);
	return 0;
}
