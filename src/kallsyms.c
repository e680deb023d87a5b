// SPDX-License-Identifier: GPL-2.0
/* Kernel symbol addresses, read from /proc/kallsyms. */
#include <stdio.h>
#include <string.h>
#include "kallsyms.h"

__u64 kallsyms_lookup(const char *name)
{
	char line[512], sym[256], type;
	unsigned long long addr;
	__u64 found = 0;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3)
			continue;
		if (!strcmp(sym, name)) {
			found = addr;
			break;
		}
	}
	fclose(f);
	return found;
}
