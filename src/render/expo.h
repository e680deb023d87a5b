/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_EXPO_H
#define URINGLOCKSTAT_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include "model.h"

/* Metric exposition formats. */
enum expo_format {
	EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
	EXPO_PROMETHEUS,  /* text/plain; version=0.0.4 (and node_exporter's textfile collector) */
};

/* Content-Type of a format. */
const char *expo_content_type(enum expo_format fmt);

/*
 * The model of a run as metric exposition text: one series per ring (labels pid, comm, fd, flags),
 * counters, histograms in seconds, lost-event counters. Only what the run's backends measured
 * appears. Rings the caller marked expired are left out. Returns a malloc'd NUL-terminated
 * buffer (length in *len), or NULL when out of memory.
 */
char *expo_render_model(const struct run_model *m, enum expo_format fmt, bool show_addresses,
			size_t *len);


#endif
