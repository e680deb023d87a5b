/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_KALLSYMS_H
#define URINGLOCKSTAT_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Address of a kernel symbol from /proc/kallsyms; 0 if absent or hidden (kptr_restrict). */
__u64 kallsyms_lookup(const char *name);

/*
 * Does /proc/kallsyms hide kernel addresses (every address 0: kernel.kptr_restrict, or no
 * CAP_SYSLOG), or is it unreadable? Kernel frames then cannot be named.
 */
bool kallsyms_hidden(void);

struct ksym {
	__u64 addr;
	char *name;
};

/* The kernel's text symbols sorted by address, for symbolizing stacks. */
struct ksyms {
	struct ksym *syms;
	size_t nr;
};

struct ksyms *ksyms_load(void);

/* The symbol containing addr (the last one at or below it), or NULL. */
const struct ksym *ksyms_find(const struct ksyms *k, __u64 addr);

void ksyms_free(struct ksyms *k);

#endif
