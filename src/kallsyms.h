/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_KALLSYMS_H
#define URINGLOCKSTAT_KALLSYMS_H

#include <linux/types.h>

/* Address of a kernel symbol from /proc/kallsyms; 0 if absent or hidden (kptr_restrict). */
__u64 kallsyms_lookup(const char *name);

#endif
