// SPDX-License-Identifier: GPL-2.0
/* compare's output: a text table, a markdown table, or JSON. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "compare_print.h"
#include "fmt.h"

#define SINGLE_RUNS_LABEL "(no significance test: single runs)"
#define DETERMINISTIC_LABEL "(deterministic: instruction clock)"

int cmp_format_by_name(const char *name)
{
	if (!strcmp(name, "text"))
		return CMP_FORMAT_TEXT;
	if (!strcmp(name, "md") || !strcmp(name, "markdown"))
		return CMP_FORMAT_MD;
	if (!strcmp(name, "json"))
		return CMP_FORMAT_JSON;
	return -1;
}

/*
 * Labels, paths and notes come from the files: their control characters are escaped, so that
 * each table row stays one line and nothing reaches the terminal as an escape sequence.
 */
static void clean(char *s, size_t size)
{
	char *escaped = fmt_escape_dup(s);

	if (escaped)
		snprintf(s, size, "%s", escaped);
	else
		snprintf(s, size, "?");
	free(escaped);
}

static const char *fmt_value(double v, const char *unit, char *buf, size_t size)
{
	if (!strcmp(unit, "insn")) {
		if (v < 1e3)
			snprintf(buf, size, v == floor(v) ? "%.0f insn" : "%.1f insn", v);
		else if (v < 1e6)
			snprintf(buf, size, "%.3fk insn", v / 1e3);
		else
			snprintf(buf, size, "%.3fM insn", v / 1e6);
	} else if (!strcmp(unit, "ns")) {
		if (v < 1e3)
			snprintf(buf, size, v == floor(v) ? "%.0fns" : "%.1fns", v);
		else if (v < 1e6)
			snprintf(buf, size, "%.2fus", v / 1e3);
		else if (v < 1e9)
			snprintf(buf, size, "%.2fms", v / 1e6);
		else
			snprintf(buf, size, "%.2fs", v / 1e9);
	} else if (unit[0] == '/') {
		/* A rate: "/s", or "/G", per 1e9 instructions under the instruction clock. */
		if (v < 1e3)
			snprintf(buf, size, "%.1f%s", v, unit);
		else if (v < 1e6)
			snprintf(buf, size, "%.1fk%s", v / 1e3, unit);
		else if (v < 1e9)
			snprintf(buf, size, "%.2fM%s", v / 1e6, unit);
		else
			snprintf(buf, size, "%.2fG%s", v / 1e9, unit);
	} else {
		snprintf(buf, size, "%.4g", v);
	}
	return buf;
}

/* The metric's unit; under the instruction clock, ns are instructions and /s per 1e9 of them. */
static const char *row_unit(const struct cmp_result *res, const struct cmp_row *r)
{
	const char *unit = cmp_metrics[r->metric].unit;

	if (res->instructions && !strcmp(unit, "ns"))
		return "insn";
	if (res->instructions && !strcmp(unit, "/s"))
		return "/G";
	return unit;
}

static const char *fmt_base(const struct cmp_result *res, const struct cmp_row *r, bool new,
			    char *buf, size_t size)
{
	if (!r->comparable)
		return "-";
	return fmt_value(new ? r->new : r->base, row_unit(res, r), buf, size);
}

static const char *fmt_change(const struct cmp_row *r, char *buf, size_t size)
{
	if (!r->comparable)
		return "-";
	if (isinf(r->change_pct))
		return "+inf%";
	snprintf(buf, size, "%+.1f%%", r->change_pct);
	return buf;
}

/* The limit in the direction that is worse: +10% for most, -5% for throughput. */
static const char *fmt_limit(const struct cmp_row *r, char *buf, size_t size)
{
	snprintf(buf, size, "%c%g%%", cmp_metrics[r->metric].higher_is_better ? '-' : '+',
		 r->limit_pct);
	return buf;
}

static const char *fmt_p(const struct cmp_row *r, char *buf, size_t size)
{
	if (!r->comparable || !r->tested || isnan(r->p_value))
		return "-";
	snprintf(buf, size, "%.3g", r->p_value);
	return buf;
}

/* "lock_ns_per_sqe (wait)", "path_acq_per_sqe [submit]". */
static const char *metric_label(const struct cmp_row *r, char *buf, size_t size)
{
	const char *name = cmp_metrics[r->metric].name;

	if (r->path)
		snprintf(buf, size, "%s [%s]", name, r->path);
	else if (r->variant)
		snprintf(buf, size, "%s (%s)", name, r->variant);
	else
		snprintf(buf, size, "%s", name);
	clean(buf, size);
	return buf;
}

/* How the verdicts are reached, for the tables' "test" line. */
static const char *test_text(const struct cmp_result *res, char *buf, size_t size)
{
	if (res->instructions)
		snprintf(buf, size, "none: both reports count instructions (deterministic); a "
			 "change past its limit is a REGRESSION");
	else
		snprintf(buf, size, "Mann-Whitney U, two-sided, alpha %g: a change past its limit is "
			 "a REGRESSION only when significant, else noise", res->alpha);
	return buf;
}

static const char *verdict_text(const struct cmp_result *res, const struct cmp_row *r, char *buf,
				size_t size)
{
	if (r->verdict == CMP_NOT_COMPARABLE)
		snprintf(buf, size, "not comparable: %s", r->reason);
	else if (!r->tested && res->instructions)
		snprintf(buf, size, "%s " DETERMINISTIC_LABEL, cmp_verdict_name(r->verdict));
	else if (!r->tested)
		snprintf(buf, size, "%s " SINGLE_RUNS_LABEL, cmp_verdict_name(r->verdict));
	else
		snprintf(buf, size, "%s", cmp_verdict_name(r->verdict));
	clean(buf, size);
	return buf;
}

static const char *ring_label(const struct cmp_result *res, const struct cmp_row *r, char *buf,
			      size_t size)
{
	if (cmp_metrics[r->metric].scope == CMP_SCOPE_RUN)
		snprintf(buf, size, "(run)");
	else
		cmp_ring_name(res, &res->rings[r->ring], buf, size);
	clean(buf, size);
	return buf;
}

static void side_line(const struct run_model *rep, const char *file, size_t runs, char *buf,
		      size_t size)
{
	snprintf(buf, size, "%s: label %s%s%s, kernel %s, %zu run%s", file,
		 rep->label ? "\"" : "", rep->label ? rep->label : "none", rep->label ? "\"" : "",
		 rep->kernel, runs, runs == 1 ? "" : "s");
	clean(buf, size);
}

static void count_verdicts(const struct cmp_result *res, size_t counts[CMP_NOT_COMPARABLE + 1])
{
	size_t i;

	memset(counts, 0, sizeof(counts[0]) * (CMP_NOT_COMPARABLE + 1));
	for (i = 0; i < res->nr_rows; i++)
		counts[res->rows[i].verdict]++;
}

static void print_result_line(FILE *out, const struct cmp_result *res, const char *bold)
{
	size_t counts[CMP_NOT_COMPARABLE + 1], i, shown = 0;
	char name[300], label[200];

	count_verdicts(res, counts);
	if (!res->regressions) {
		fprintf(out, "%sresult: no regression%s", bold, bold);
	} else {
		fprintf(out, "%sresult: %zu regression%s%s:", bold, res->regressions,
			res->regressions == 1 ? "" : "s", bold);
		for (i = 0; i < res->nr_rows; i++) {
			const struct cmp_row *r = &res->rows[i];

			if (r->verdict != CMP_REGRESSION)
				continue;
			fprintf(out, "%s %s on %s", shown++ ? "," : "",
				metric_label(r, label, sizeof(label)),
				ring_label(res, r, name, sizeof(name)));
		}
	}
	fprintf(out, " (%zu ok, %zu improved, %zu noise, %zu not comparable)\n", counts[CMP_OK],
		counts[CMP_IMPROVED], counts[CMP_NOISE], counts[CMP_NOT_COMPARABLE]);
}

static void print_text(FILE *out, const struct cmp_result *res, const char *base_name,
		       const char *new_name)
{
	char line[1024], b1[32], b2[32], b3[32], b4[32], b5[32], label[200], verdict[300];
	size_t i, ring = (size_t)-1;
	bool run_header = false;

	fprintf(out, "uringlockstat compare\n");
	side_line(res->base, base_name, res->n_base_runs, line, sizeof(line));
	fprintf(out, "  base  %s\n", line);
	side_line(res->new, new_name, res->n_new_runs, line, sizeof(line));
	fprintf(out, "  new   %s\n", line);
	fprintf(out, "  test  %s\n", test_text(res, line, sizeof(line)));
	for (i = 0; i < res->nr_notes; i++) {
		snprintf(line, sizeof(line), "%s", res->notes[i]);
		clean(line, sizeof(line));
		fprintf(out, "note: %s\n", line);
	}
	for (i = 0; i < res->nr_rows; i++) {
		const struct cmp_row *r = &res->rows[i];
		bool run_scope = cmp_metrics[r->metric].scope == CMP_SCOPE_RUN;

		if ((!run_scope && r->ring != ring) || (run_scope && !run_header)) {
			if (run_scope) {
				fprintf(out, "\nrun (all rings)\n");
				run_header = true;
			} else {
				const struct cmp_ring *cr = &res->rings[r->ring];

				ring = r->ring;
				fprintf(out, "\nring %s (base pid %d fd %d, new pid %d fd %d)\n",
					ring_label(res, r, line, sizeof(line)), cr->base_pid,
					cr->base_fd, cr->new_pid, cr->new_fd);
			}
			fprintf(out, "  %-34s %11s %11s %9s %6s %8s  %s\n", "METRIC", "BASE", "NEW",
				"CHANGE", "LIMIT", "P-VALUE", "VERDICT");
		}
		fprintf(out, "  %-34s %11s %11s %9s %6s %8s  %s\n",
			metric_label(r, label, sizeof(label)), fmt_base(res, r, false, b1, sizeof(b1)),
			fmt_base(res, r, true, b2, sizeof(b2)), fmt_change(r, b3, sizeof(b3)),
			fmt_limit(r, b4, sizeof(b4)), fmt_p(r, b5, sizeof(b5)),
			verdict_text(res, r, verdict, sizeof(verdict)));
	}
	fprintf(out, "\n");
	print_result_line(out, res, "");
}

/* A markdown table cell: a '|' would end it, a newline the row. */
static void md_cell(FILE *out, const char *s)
{
	fputs("| ", out);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc(' ', out);
		else
			fputc(*s, out);
	}
	fputc(' ', out);
}

static void print_md(FILE *out, const struct cmp_result *res, const char *base_name,
		     const char *new_name)
{
	char line[1024], b1[32], b2[32], b3[32], b4[32], b5[32], label[200], verdict[300];
	size_t i;

	fprintf(out, "### uringlockstat compare: %s\n\n", res->regressions ? "REGRESSION"
									    : "no regression");
	side_line(res->base, base_name, res->n_base_runs, line, sizeof(line));
	fprintf(out, "- base: %s\n", line);
	side_line(res->new, new_name, res->n_new_runs, line, sizeof(line));
	fprintf(out, "- new: %s\n", line);
	fprintf(out, "- test: %s\n", test_text(res, line, sizeof(line)));
	for (i = 0; i < res->nr_notes; i++) {
		snprintf(line, sizeof(line), "%s", res->notes[i]);
		clean(line, sizeof(line));
		fprintf(out, "- note: %s\n", line);
	}
	fprintf(out, "\n| ring | metric | base | new | change | limit | p | verdict |\n");
	fprintf(out, "|---|---|---:|---:|---:|---:|---:|---|\n");
	for (i = 0; i < res->nr_rows; i++) {
		const struct cmp_row *r = &res->rows[i];

		md_cell(out, ring_label(res, r, line, sizeof(line)));
		md_cell(out, metric_label(r, label, sizeof(label)));
		md_cell(out, fmt_base(res, r, false, b1, sizeof(b1)));
		md_cell(out, fmt_base(res, r, true, b2, sizeof(b2)));
		md_cell(out, fmt_change(r, b3, sizeof(b3)));
		md_cell(out, fmt_limit(r, b4, sizeof(b4)));
		md_cell(out, fmt_p(r, b5, sizeof(b5)));
		if (r->verdict == CMP_REGRESSION) {
			/* Bold, so that it stands out in a rendered table. */
			snprintf(line, sizeof(line), "**%s**", verdict_text(res, r, verdict,
									      sizeof(verdict)));
			md_cell(out, line);
		} else {
			md_cell(out, verdict_text(res, r, verdict, sizeof(verdict)));
		}
		fputs("|\n", out);
	}
	fprintf(out, "\n");
	print_result_line(out, res, "**");
}

/* JSON strings must be UTF-8: anything else (a cut multi-byte character) becomes '?'. */
static json_t *json_str(const char *s)
{
	json_t *v;
	char *copy;
	size_t i;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	copy = strdup(s);
	if (!copy)
		return json_null();
	for (i = 0; copy[i]; i++) {
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	}
	v = json_string(copy);
	free(copy);
	return v ? v : json_null();
}

static json_t *json_num(bool valid, double v)
{
	return valid && isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_json(const struct run_model *rep, const char *file, size_t runs)
{
	json_t *o = json_object();

	json_object_set_new(o, "file", json_str(file));
	json_object_set_new(o, "label", json_str(rep->label));
	json_object_set_new(o, "kernel", json_str(rep->kernel));
	json_object_set_new(o, "runs", json_integer((json_int_t)runs));
	return o;
}

static json_t *row_json(const struct cmp_result *res, const struct cmp_row *r)
{
	const struct cmp_metric_info *info = &cmp_metrics[r->metric];
	bool run_scope = info->scope == CMP_SCOPE_RUN;
	const struct cmp_ring *ring = run_scope ? NULL : &res->rings[r->ring];
	char name[300];
	json_t *o = json_object();

	ring_label(res, r, name, sizeof(name));
	json_object_set_new(o, "ring", run_scope ? json_null() : json_str(name));
	json_object_set_new(o, "flags", ring ? json_str(ring->flags) : json_null());
	json_object_set_new(o, "order", ring ? json_integer((json_int_t)ring->order)
					     : json_null());
	json_object_set_new(o, "path", json_str(r->path));
	json_object_set_new(o, "metric", json_string(info->name));
	json_object_set_new(o, "variant", json_str(r->variant));
	json_object_set_new(o, "unit", json_string(row_unit(res, r)));
	json_object_set_new(o, "higher_is_better", json_boolean(info->higher_is_better));
	json_object_set_new(o, "base", json_num(r->comparable, r->base));
	json_object_set_new(o, "new", json_num(r->comparable, r->new));
	json_object_set_new(o, "change_pct", json_num(r->comparable, r->change_pct));
	json_object_set_new(o, "change_infinite", json_boolean(r->comparable &&
							       isinf(r->change_pct)));
	json_object_set_new(o, "limit_pct", json_real(r->limit_pct));
	json_object_set_new(o, "n_base", json_integer((json_int_t)r->n_base));
	json_object_set_new(o, "n_new", json_integer((json_int_t)r->n_new));
	json_object_set_new(o, "tested", json_boolean(r->comparable && r->tested));
	json_object_set_new(o, "p_value", json_num(r->comparable && r->tested, r->p_value));
	json_object_set_new(o, "verdict", json_string(cmp_verdict_name(r->verdict)));
	json_object_set_new(o, "reason", r->verdict == CMP_NOT_COMPARABLE ? json_str(r->reason)
									  : json_null());
	return o;
}

static void print_json(FILE *out, const struct cmp_result *res, const char *base_name,
		       const char *new_name)
{
	json_t *root = json_object(), *notes = json_array(), *rows = json_array(), *test;
	size_t i;

	json_object_set_new(root, "schema", json_string("uringlockstat-compare/1"));
	json_object_set_new(root, "base", side_json(res->base, base_name, res->n_base_runs));
	json_object_set_new(root, "new", side_json(res->new, new_name, res->n_new_runs));
	test = json_object();
	json_object_set_new(test, "name", json_string("mann-whitney-u"));
	json_object_set_new(test, "two_sided", json_true());
	json_object_set_new(test, "alpha", json_real(res->alpha));
	json_object_set_new(test, "possible", json_boolean(!res->single_runs && !res->instructions));
	json_object_set_new(test, "min_p", json_num(true, res->min_p));
	json_object_set_new(root, "test", test);
	json_object_set_new(root, "clock", json_string(res->instructions ? "instructions" : "wall"));
	for (i = 0; i < res->nr_notes; i++)
		json_array_append_new(notes, json_str(res->notes[i]));
	json_object_set_new(root, "notes", notes);
	for (i = 0; i < res->nr_rows; i++)
		json_array_append_new(rows, row_json(res, &res->rows[i]));
	json_object_set_new(root, "rows", rows);
	json_object_set_new(root, "regressions", json_integer((json_int_t)res->regressions));
	json_object_set_new(root, "status", json_integer(res->regressions ? 1 : 0));
	json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
}

void cmp_print(FILE *out, enum cmp_format format, const struct cmp_result *res,
	       const char *base_name, const char *new_name)
{
	switch (format) {
	case CMP_FORMAT_MD:
		print_md(out, res, base_name, new_name);
		break;
	case CMP_FORMAT_JSON:
		print_json(out, res, base_name, new_name);
		break;
	default:
		print_text(out, res, base_name, new_name);
		break;
	}
}
