// SPDX-License-Identifier: GPL-2.0
/*
 * A run's outputs, from the model of a run: the files (opened and checked before anything is
 * attached, written whole or not at all: see src/render/atomic.h), the --listen endpoint and
 * --prom-file kept current at each snapshot, and at the end the stacks (--folded, --svg,
 * --pprof) and the JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "expo.h"
#include "folded.h"
#include "output.h"
#include "outputs.h"
#include "pprof.h"

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
int outputs_stacks(struct outputs *o, const struct config *cfg, struct session *session,
		   struct run_model *m)
{
	bool flame = cfg->folded_path || cfg->svg_path;
	struct stack_set stacks = {};
	struct flame_args a = {};
	char why[256];
	size_t i, shallow = 0, with_user = 0;
	int ret;

	if (!flame && !cfg->pprof_path)
		return 0;
	if (flame && weight_resolve(m, cfg->weight, &a.weight, why, sizeof(why))) {
		fprintf(stderr, "uringlockstat: %s\n", why);
		return 1;
	}
	ret = session_read_stacks(session, &stacks);
	m->stacks = &stacks;
	if (!ret && flame)
		ret = folded_build(m, a.weight, cfg->fold_owner, &a.lines, &a.nr);
	if (ret) {
		fprintf(stderr, "uringlockstat: cannot build stacks: %s\n", strerror(-ret));
		m->stacks = NULL;
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
		 m->target_command ? " - " : "", m->target_command ? m->target_command : "");
	ret = 0;
	if (cfg->folded_path && (ret = out_write(&o->folded, write_folded_fn, &a)))
		name_error("cannot write", cfg->folded_path, strerror(-ret));
	if (!ret && cfg->svg_path && (ret = out_write(&o->svg, write_svg_fn, &a)))
		name_error("cannot write", cfg->svg_path, strerror(-ret));
	if (!ret && cfg->pprof_path && (ret = pprof_write_out(&o->pprof, m, cfg->verbose)))
		name_error("cannot write", cfg->pprof_path, strerror(-ret));
	folded_free(a.lines, a.nr);
	m->stacks = NULL;
	stack_set_free(&stacks);
	return ret ? 1 : 0;
}

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
int outputs_metrics(struct outputs *o, const struct config *cfg, const struct run_model *m)
{
	size_t om_len = 0, prom_len = 0;
	char *om = NULL, *prom;

	if (!o->http && !cfg->prom_path)
		return 0;
	prom = expo_render_model(m, EXPO_PROMETHEUS, cfg->verbose, &prom_len);
	if (o->http)
		om = expo_render_model(m, EXPO_OPENMETRICS, cfg->verbose, &om_len);
	if (!prom || (o->http && !om)) {
		fprintf(stderr, "uringlockstat: out of memory rendering the metrics\n");
		free(prom);
		free(om);
		return -ENOMEM;
	}
	if (cfg->prom_path) {
		struct text_buf t = { prom, prom_len };
		int e = out_write(&o->prom, write_text_fn, &t);

		/* A daemon keeps going; say so once per distinct failure. */
		if (e && e != o->prom_error)
			name_error("cannot write", cfg->prom_path, strerror(-e));
		o->prom_error = e;
	}
	if (o->http)
		http_publish(o->http, om, om_len, prom, prom_len);
	else
		free(prom);
	return cfg->prom_path ? o->prom_error : 0;
}

/*
 * A snapshot's model, for what is rendered while the run goes on: the metrics (--listen,
 * --prom-file) and, when interval_s is not 0, the interval table (-i). Returns
 * outputs_metrics()'s result, or -ENOMEM.
 */
int outputs_snapshot(struct outputs *o, const struct config *cfg, const struct report *rep,
		     struct interval_ring *prev, FILE *text_out, double interval_s)
{
	struct run_model m;
	int ret;

	if (!o->http && !cfg->prom_path && !interval_s)
		return 0;
	if (model_from_report(rep, cfg->verbose, &m)) {
		fprintf(stderr, "uringlockstat: out of memory for the snapshot's figures\n");
		return -ENOMEM;
	}
	ret = outputs_metrics(o, cfg, &m);
	if (interval_s)
		model_print_interval(text_out, &m.run, prev, interval_s);
	model_free(&m);
	return ret;
}

void outputs_close(struct outputs *o)
{
	out_close(&o->text);
	out_close(&o->json);
	out_close(&o->folded);
	out_close(&o->svg);
	out_close(&o->pprof);
	out_close(&o->prom);
}

/*
 * Open every output file before the run, with the calls that will write it, so that a path
 * that cannot be written fails now. Returns 0, 1 or EXIT_USAGE.
 */
int outputs_open(struct outputs *o, const struct config *cfg)
{
	const struct {
		struct out_file *file;
		const char *path;
	} files[] = {
		/* The text report: -o, else standard output (standard error with --). */
		{ &o->text, cfg->output_path ? cfg->output_path : cfg->command ? NULL : "-" },
		{ &o->json, cfg->json_path },
		{ &o->folded, cfg->folded_path },
		{ &o->svg, cfg->svg_path },
		{ &o->pprof, cfg->pprof_path },
		{ &o->prom, cfg->prom_path },
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
	if (out_is_stdout(&o->prom)) {
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


int outputs_json(struct outputs *o, const struct config *cfg, const struct run_model *m)
{
	json_t *root = model_to_json(m);
	int e = root ? json_write_out(root, &o->json) : -ENOMEM;

	json_decref(root);
	if (e) {
		name_error("cannot write", cfg->json_path, strerror(-e));
		return 1;
	}
	return 0;
}

int outputs_start(struct outputs *o, const struct config *cfg, FILE **text_out)
{
	char err[512];
	int e;

	if (o->text.kind) {
		/* Written to a new file, renamed over -o's file when the report is whole. */
		*text_out = out_begin(&o->text, &e);
		if (!*text_out) {
			*text_out = stderr;
			name_error("cannot write", o->text.path, strerror(-e));
			return 1;
		}
		o->text_begun = true;
	}
	if (!cfg->listen)
		return 0;
	e = http_start(&o->http, cfg->listen, cfg->listen_any, err, sizeof(err));
	if (e) {
		error_line("--listen %s: %s", cfg->listen, err);
		/* An address that does not parse, or is not loopback without --listen-any. */
		return e == -EINVAL || e == -EPERM ? EXIT_USAGE : 1;
	}
	return 0;
}

int outputs_end(struct outputs *o, FILE *text_out, bool text_whole)
{
	int e;

	http_stop(o->http);
	o->http = NULL;
	if (!o->text_begun)
		return 0;
	o->text_begun = false;
	e = out_end(&o->text, text_out, text_whole);
	if (e) {
		name_error("cannot write", out_is_stdout(&o->text) ? "standard output" : o->text.path,
			   strerror(-e));
		return 1;
	}
	return 0;
}
