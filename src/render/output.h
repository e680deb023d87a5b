/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_OUTPUT_H
#define URINGLOCKSTAT_OUTPUT_H

#include <stdio.h>
#include <jansson.h>
#include "atomic.h"
#include "lost.h"
#include "report.h"

/* The whole report as a JSON object of schema uringlockstat/1 (caller json_decref()s it). */
json_t *report_to_json(const struct report *rep, bool show_addresses);

/* Write the report as JSON to path atomically (temp file + rename); -errno on failure. */
int report_write_json(const struct report *rep, const char *path, bool show_addresses);

/* Write any JSON document to an output file (see atomic.h); -errno on failure. */
int json_write_out(json_t *root, struct out_file *out);

/* Check, before anything is attached, that path can be written, as out_open() does. */
int output_check_writable(const char *path, char *err, size_t err_size);

void report_print_text(FILE *out, const struct report *rep, bool show_addresses);

/*
 * One line per ring with rates since the previous table, whose figures prev holds (one entry
 * per ring slot, zeroed before the first table); then prev holds this table's.
 */
void report_print_interval(FILE *out, const struct report *rep, struct interval_ring *prev,
			   double interval_s);

#endif
