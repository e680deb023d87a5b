/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_FMT_H
#define URINGLOCKSTAT_FMT_H

#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <linux/types.h>

/* A duration for people: "812ns", "1.3us", "4.2ms", "1.25s". */
const char *fmt_ns(__u64 ns, char *buf, size_t size);

/*
 * text made safe for one line of a terminal: '\\' and control characters become \\, \n, \r,
 * \t or \xNN, C1 controls \u0080..\u009f, bytes that are not UTF-8 \xNN. Writes what fits of
 * it (whole escapes only) into buf and returns the full length, as snprintf does.
 */
size_t fmt_escape(char *buf, size_t size, const char *text);

/* fmt_escape() into a malloc'd string; NULL when out of memory. */
char *fmt_escape_dup(const char *text);

/* fputs() of fmt_escape(text). */
int fmt_fputs_escaped(const char *text, FILE *out);

/*
 * A subcommand's usage error on stderr: "uringlockstat: CMD: MESSAGE", the message escaped so
 * that the user's arguments quoted in it keep it one line, then "Try 'uringlockstat CMD
 * --help'.".
 */
void fmt_usage_error(const char *cmd, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
