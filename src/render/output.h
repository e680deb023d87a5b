/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_OUTPUT_H
#define URINGLOCKSTAT_OUTPUT_H

#include <stdio.h>
#include <jansson.h>
#include "atomic.h"
#include "lost.h"
#include "report.h"
#include "model.h"

/*
 * The model of a run (with its repeats) as a JSON object of schema uringlockstat/1 (caller
 * json_decref()s it), NULL when out of memory.
 */
json_t *model_to_json(const struct run_model *m);

/* Write any JSON document to an output file (see atomic.h); -errno on failure. */
int json_write_out(json_t *root, struct out_file *out);

/* Check, before anything is attached, that path can be written, as out_open() does. */
int output_check_writable(const char *path, char *err, size_t err_size);

/* The text report of a run's model (every run of a --repeat report). */
void model_print_text(FILE *out, const struct run_model *rep);

/*
 * One line per ring with rates since the previous table, whose figures prev holds (one entry
 * per ring slot, zeroed before the first table); then prev holds this table's.
 */
void model_print_interval(FILE *out, const struct model_run *run, struct interval_ring *prev,
			  double interval_s);

#endif
