/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_REPORT_CMD_H
#define URINGLOCKSTAT_REPORT_CMD_H

#include <stdio.h>
#include "json_read.h"

/*
 * `uringlockstat report RUN.json`: argv[0] is "report". Prints the saved run as the live text
 * report; returns 0, or 2 for a usage error or an unusable file.
 */
int cmd_report(int argc, char **argv);

#endif
