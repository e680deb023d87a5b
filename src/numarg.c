// SPDX-License-Identifier: GPL-2.0
/* Plain decimal numbers of options, checked character by character before conversion. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "numarg.h"

bool numarg_decimal(const char *arg, double *out)
{
	size_t digits = strspn(arg, "0123456789"), len = digits;
	char *end;
	double v;

	if (arg[len] == '.') {
		len++;
		digits += strspn(arg + len, "0123456789");
		len = digits + 1;
	}
	/* A longer number is a typo, and would lose precision anyway. */
	if (!digits || arg[len] || len > 30)
		return false;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool numarg_uint(const char *arg, unsigned long max, unsigned long *out)
{
	size_t len = strspn(arg, "0123456789");
	unsigned long v;
	char *end;

	if (!len || arg[len])
		return false;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}
