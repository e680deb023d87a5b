/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_COMPARE_H
#define URINGLOCKSTAT_COMPARE_H

/* Exit statuses of compare, for CI: */
#define CMP_EXIT_OK 0		/* no regression */
#define CMP_EXIT_REGRESSION 1	/* at least one metric regressed */
#define CMP_EXIT_UNUSABLE 2	/* a usage error or an input that cannot be compared */

/*
 * `uringlockstat compare BASE.json NEW.json [OPTIONS]`: argv[0] is "compare". Prints the
 * comparison on stdout and returns one of the exit statuses above.
 */
int cmd_compare(int argc, char **argv);

#endif
