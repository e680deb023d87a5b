// SPDX-License-Identifier: GPL-2.0
/* `uringlockstat compare`: the command line of the CI regression gate. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare.h"
#include "compare_print.h"
#include "fmt.h"
#include "numarg.h"

/* Print text that starts at column `indent`, wrapped at 80 columns (help texts of metrics). */
static void print_wrapped(FILE *out, const char *text, int indent)
{
	const char *word = text + strspn(text, " ");
	int col = indent;

	while (*word) {
		int len = strcspn(word, " ");

		if (col > indent && col + 1 + len > 80) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", len, word);
		col += len;
		word += len;
		word += strspn(word, " ");
	}
	fputc('\n', out);
}

static void usage(FILE *out)
{
	int m;

	fprintf(out,
		"Usage: uringlockstat compare BASE.json NEW.json [--max-regress METRIC=PCT]...\n"
		"         [--format text|md|json] [--alpha A] [--same-kernel]\n"
		"\n"
		"Compare two reports of uringlockstat --json ring by ring: which lock metrics\n"
		"regressed. Rings match by the report's --label, the ring's setup flags and\n"
		"its place among the rings with those flags. With --repeat N every run is one\n"
		"sample: a change of the medians past its limit is a REGRESSION only when a\n"
		"two-sided Mann-Whitney U test finds it significant at alpha, else noise.\n"
		"p < 0.05 needs 4 or more runs on each side. With a single run on either\n"
		"side the limits alone decide. A figure missing or null in either report\n"
		"(its backend did not run) is \"not comparable\", never a pass.\n"
		"\n"
		"Reports of --clock instructions (a qemu -icount guest, where a duration is an\n"
		"instruction count) are deterministic: compare decides them without a test,\n"
		"on single runs if need be, with the tight limits of the icount column. A\n"
		"report that counts instructions is never compared with one that counts time\n"
		"(exit 2).\n"
		"\n"
		"Options:\n"
		"  -m, --max-regress METRIC=PCT  largest change in the worse direction that\n"
		"                                passes, in percent of the base median\n"
		"                                (\"20%%\" or \"20\"); repeatable\n"
		"  -f, --format FORMAT           text (default), md (markdown), json\n"
		"  -a, --alpha A                 significance level, 0 < A < 1 (default 0.05)\n"
		"      --same-kernel             refuse reports of different kernels (exit 2)\n"
		"  -h, --help                    this text\n"
		"\n"
		"Metrics (an increase is worse unless said otherwise) and default limits\n"
		"(time, icount):\n");
	for (m = 0; m < CMP_METRIC_COUNT; m++) {
		fprintf(out, "  %-20s %2g%% %4g%%  ", cmp_metrics[m].name, cmp_metrics[m].default_pct,
			cmp_metrics[m].icount_pct);
		print_wrapped(out, cmp_metrics[m].help, 36);
	}
	fprintf(out,
		"\n"
		"Verdicts: ok, REGRESSION, improved, noise (past the limit but not\n"
		"significant), not comparable.\n"
		"\n"
		"Exit status: 0 no regression, 1 a regression, 2 a usage error or unusable\n"
		"input: a missing, empty, truncated or invalid file, not a regular file\n"
		"(a pipe or device), over 512 MiB, another schema than uringlockstat/1, a\n"
		"number out of range, a top level that differs from repeats[0] (an edited\n"
		"file), different kernels with --same-kernel, clocks that differ, or no\n"
		"ring in common.\n"
		"\n"
		"Examples:\n"
		"  uringlockstat --repeat 6 --label si --json base.json -- \\\n"
		"          uringbench --single-issuer --duration 1\n"
		"  uringlockstat compare base.json new.json\n"
		"  uringlockstat compare base.json new.json --max-regress wait_p99=30%%\n"
		"  uringlockstat compare base.json new.json --same-kernel --format json\n");
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_usage_error("compare", fmt, ap);
	va_end(ap);
	return CMP_EXIT_UNUSABLE;
}

/* "wait_p99=20%" or "wait_p99=20" into o; false if either half is bad. */
static bool parse_max_regress(const char *arg, struct cmp_options *o)
{
	const char *eq = strchr(arg, '=');
	char name[64], num[32];
	size_t len;
	double pct;
	int m;

	if (!eq || (size_t)(eq - arg) >= sizeof(name))
		return false;
	memcpy(name, arg, eq - arg);
	name[eq - arg] = '\0';
	m = cmp_metric_by_name(name);
	if (m < 0)
		return false;
	/* A plain decimal, optionally followed by '%': no sign, exponent, hex, nan or inf. */
	len = strlen(eq + 1);
	if (len && eq[len] == '%')
		len--;
	if (len >= sizeof(num))
		return false;
	memcpy(num, eq + 1, len);
	num[len] = '\0';
	if (!numarg_decimal(num, &pct) || pct > 1e6)
		return false;
	o->max_regress_pct[m] = pct;
	o->limit_given[m] = true;
	return true;
}

static bool parse_alpha(const char *arg, double *out)
{
	double a;

	if (!numarg_decimal(arg, &a) || !(a > 0 && a < 1))
		return false;
	*out = a;
	return true;
}

int cmd_compare(int argc, char **argv)
{
	enum { OPT_SAME_KERNEL = 0x100 };
	static const struct option long_opts[] = {
		{ "max-regress", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "same-kernel", no_argument, NULL, OPT_SAME_KERNEL },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct run_model base, new;
	enum cmp_format format = CMP_FORMAT_TEXT;
	struct cmp_options o;
	struct cmp_result res;
	char err[512];
	int c, f, ret;

	cmp_options_init(&o);
	/* Our own messages; optind 0 makes glibc start over (the unit tests call us often). */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":m:f:a:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!parse_max_regress(optarg, &o))
				return usage_error("invalid --max-regress '%s': want METRIC=PCT "
						   "with a METRIC listed in --help and PCT >= 0",
						   optarg);
			break;
		case 'f':
			f = cmp_format_by_name(optarg);
			if (f < 0)
				return usage_error("invalid --format '%s': text, md or json",
						   optarg);
			format = f;
			break;
		case 'a':
			if (!parse_alpha(optarg, &o.alpha))
				return usage_error("invalid --alpha '%s': want 0 < A < 1", optarg);
			break;
		case OPT_SAME_KERNEL:
			o.same_kernel = true;
			break;
		case 'h':
			usage(stdout);
			return CMP_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return usage_error("want two reports, BASE.json and NEW.json (got %d)",
				   argc - optind);
	if (model_load_json(argv[optind], &base, err, sizeof(err))) {
		fprintf(stderr, "uringlockstat: compare: %s\n", err);
		return CMP_EXIT_UNUSABLE;
	}
	if (model_load_json(argv[optind + 1], &new, err, sizeof(err))) {
		fprintf(stderr, "uringlockstat: compare: %s\n", err);
		model_free(&base);
		return CMP_EXIT_UNUSABLE;
	}
	if (cmp_compare(&base, &new, &o, &res, err, sizeof(err))) {
		fprintf(stderr, "uringlockstat: compare: %s\n", err);
		ret = CMP_EXIT_UNUSABLE;
	} else {
		cmp_print(stdout, format, &res, argv[optind], argv[optind + 1]);
		fflush(stdout);
		ret = res.regressions ? CMP_EXIT_REGRESSION : CMP_EXIT_OK;
		cmp_result_free(&res);
	}
	model_free(&base);
	model_free(&new);
	return ret;
}
