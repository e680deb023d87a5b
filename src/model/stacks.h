/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_STACKS_H
#define URINGLOCKSTAT_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "kallsyms.h"
#include "paths.h"

/* One aggregated stack of the run, symbolized: frames innermost first. */
struct stack_entry {
	__u32 slot;   /* ring slot, RING_SLOT_NONE for samples taken without a held uring_lock */
	__u32 tgid;
	__u32 kind;   /* enum stack_kind */
	enum lock_path path;
	__u32 role;   /* STACK_CONTENDED: enum owner_role of the lock's owner at the begin */
	__u64 count;
	__u64 wait_ns;
	__u64 hold_ns;
	size_t nr_kframes;
	size_t nr_uframes;
	char **kframes;
	char **uframes;
};

struct stack_set {
	struct stack_entry *entries;
	size_t nr;
};

/*
 * The address ranges of the functions stack_in_lock_code() counts as mutex code, from the
 * sorted symbols (each up to the next symbol), at most max; 0 when there are more (or none).
 */
size_t stack_lock_ranges(const struct ksyms *k, __u64 *start, __u64 *end, size_t max);

/* User-space symbolization with elfutils' libdwfl, one session per process. */
struct usyms;

struct usyms *usyms_new(void);

/* Record the memory map of a process while it is alive, so that its frames resolve later. */
void usyms_watch(struct usyms *u, pid_t pid);

/* "function" or "function+0x12", or "[binary]+0xoffset", or "0xaddress"; caller frees. */
char *usyms_name(struct usyms *u, pid_t pid, __u64 addr);

void usyms_free(struct usyms *u);

/* A kernel frame that names no symbol, without -v. */
#define KFRAME_UNKNOWN "[unknown kernel]"

/*
 * Kernel frame name; NULL for our own instrumentation (BPF programs, trampolines). A frame
 * without a symbol is its address with show_addresses, else KFRAME_UNKNOWN.
 */
const char *kframe_name(const struct ksyms *ksyms, __u64 addr, bool show_addresses, char *buf,
			size_t size);

/* Is this sample in mutex code that io_uring called (the lock's own CPU cost)? */
bool stack_in_lock_code(const struct stack_entry *e);

void stack_set_free(struct stack_set *set);

#endif
