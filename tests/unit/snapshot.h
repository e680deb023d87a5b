/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests build runs as live snapshots (struct report) and render them as the profiler
 * does: the snapshot's model (model_from_report), then the renderer. Include after cmocka.h.
 */
#ifndef URINGLOCKSTAT_TEST_SNAPSHOT_H
#define URINGLOCKSTAT_TEST_SNAPSHOT_H

#include <errno.h>
#include <stdio.h>
#include <jansson.h>
#include "atomic.h"
#include "expo.h"
#include "model.h"
#include "output.h"
#include "report.h"

static inline json_t *report_to_json(const struct report *rep, bool addresses)
{
	struct run_model m;
	json_t *root;

	assert_int_equal(model_from_report(rep, addresses, &m), 0);
	root = model_to_json(&m);
	model_free(&m);
	return root;
}

static inline int dump_json_fn(FILE *f, void *root)
{
	return json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', f) == EOF
		       ? -EIO : 0;
}

/* The JSON written to path as the profiler writes its files (atomic.h); -errno on failure. */
static inline int report_write_json(const struct report *rep, const char *path, bool addresses)
{
	json_t *root = report_to_json(rep, addresses);
	int ret = atomic_write(path, dump_json_fn, root);

	json_decref(root);
	return ret;
}

static inline void report_print_text(FILE *out, const struct report *rep, bool addresses)
{
	struct run_model m;

	assert_int_equal(model_from_report(rep, addresses, &m), 0);
	model_print_text(out, &m);
	model_free(&m);
}

static inline void report_print_interval(FILE *out, const struct report *rep,
					 struct interval_ring *prev, double interval_s)
{
	struct run_model m;

	assert_int_equal(model_from_report(rep, false, &m), 0);
	model_print_interval(out, &m.run, prev, interval_s);
	model_free(&m);
}

static inline char *expo_render(const struct report *rep, enum expo_format fmt, bool addresses,
				size_t *len)
{
	struct run_model m;
	char *text;

	assert_int_equal(model_from_report(rep, addresses, &m), 0);
	text = expo_render_model(&m, fmt, addresses, len);
	model_free(&m);
	return text;
}

#endif
