/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_JSON_READ_H
#define URINGLOCKSTAT_JSON_READ_H

/*
 * A saved JSON report (schema uringlockstat/1, src/render/output_json.c) read back for compare and
 * report: every field they use, type- and range-checked. A field the schema allows to be null
 * (its backend did not run) is "not valid" when null or absent; a field of the wrong type or
 * out of range makes the whole file unusable, with a one-line error naming the field.
 */
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "model.h"

/*
 * Largest file read (a regular file; pipes and devices are refused): a --repeat 1000 run of
 * 128 rings with every backend is about 320 MB of JSON, and reading it takes about 13 times
 * its size in memory.
 */
#define SAVED_MAX_FILE_BYTES (512ul << 20)

/*
 * Read a report from buf[0..len) into rep (zeroed first). name prefixes error messages (the
 * file name). Returns 0, or -1 with a one-line message in err; rep is then empty.
 */
int model_parse_json(const char *buf, size_t len, const char *name, struct run_model *rep,
		       char *err, size_t err_size);

/* Read the report in the file at path; as model_parse_json(). */
int model_load_json(const char *path, struct run_model *rep, char *err, size_t err_size);

#endif
