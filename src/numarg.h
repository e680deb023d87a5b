/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_NUMARG_H
#define URINGLOCKSTAT_NUMARG_H

/*
 * Numbers given on the command line: plain decimals only. strtod() and strtol() also take
 * "nan", "inf", hex ("0x10" = 16), exponents, signs and leading blanks, none of which a
 * duration, a count or a percentage is meant to be written with.
 */
#include <stdbool.h>

/* "12", "0.5", "3.": digits with an optional fraction, at most 30 characters. */
bool numarg_decimal(const char *arg, double *out);

/* Digits only, at most max. */
bool numarg_uint(const char *arg, unsigned long max, unsigned long *out);

#endif
