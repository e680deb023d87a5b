/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_COMPARE_PRINT_H
#define URINGLOCKSTAT_COMPARE_PRINT_H

#include <stdio.h>
#include "compare_metrics.h"

enum cmp_format {
	CMP_FORMAT_TEXT,
	CMP_FORMAT_MD,
	CMP_FORMAT_JSON,
};

/* "text", "md" or "json"; -1 for anything else. */
int cmp_format_by_name(const char *name);

/*
 * Print a comparison as a table (text for terminals, md for CI job summaries and pull request
 * comments) or as JSON (schema uringlockstat-compare/1). base_name and new_name are the files.
 */
void cmp_print(FILE *out, enum cmp_format format, const struct cmp_result *res,
	       const char *base_name, const char *new_name);

#endif
