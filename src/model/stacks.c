// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolized stacks: kernel frames from /proc/kallsyms, user frames through elfutils'
 * libdwfl. An unknown frame becomes its address, never an error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elfutils/libdwfl.h>
#include "stacks.h"
#include "uringlockstat.h"

#define MAX_USYM_PROCS 64

struct usyms_proc {
	pid_t pid;
	Dwfl *dwfl;
};

struct usyms {
	struct usyms_proc procs[MAX_USYM_PROCS];
	size_t nr;
	Dwfl_Callbacks callbacks;
	char *debuginfo_path;
};

struct usyms *usyms_new(void)
{
	struct usyms *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->callbacks.find_elf = dwfl_linux_proc_find_elf;
	u->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	u->callbacks.debuginfo_path = &u->debuginfo_path;
	return u;
}

static struct usyms_proc *usyms_proc(struct usyms *u, pid_t pid)
{
	size_t i;

	for (i = 0; i < u->nr; i++) {
		if (u->procs[i].pid == pid)
			return &u->procs[i];
	}
	return NULL;
}

void usyms_watch(struct usyms *u, pid_t pid)
{
	Dwfl *dwfl;

	/* A map taken once after exec is enough for the workloads we profile. */
	if (!u || usyms_proc(u, pid) || u->nr == MAX_USYM_PROCS)
		return;
	dwfl = dwfl_begin(&u->callbacks);
	if (!dwfl)
		return;
	if (dwfl_linux_proc_report(dwfl, pid) || dwfl_report_end(dwfl, NULL, NULL)) {
		dwfl_end(dwfl);
		return;
	}
	u->procs[u->nr].pid = pid;
	u->procs[u->nr].dwfl = dwfl;
	u->nr++;
}

char *usyms_name(struct usyms *u, pid_t pid, __u64 addr)
{
	struct usyms_proc *p = u ? usyms_proc(u, pid) : NULL;
	Dwfl_Module *mod;
	const char *name, *file;
	Dwarf_Addr start;
	char *out = NULL;

	if (!p || !(mod = dwfl_addrmodule(p->dwfl, addr))) {
		if (asprintf(&out, "0x%" PRIx64, (uint64_t)addr) < 0)
			return NULL;
		return out;
	}
	name = dwfl_module_addrname(mod, addr);
	if (name) {
		out = strdup(name);
	} else {
		file = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
		if (file) {
			const char *base = strrchr(file, '/');

			if (asprintf(&out, "[%s]+0x%" PRIx64, base ? base + 1 : file,
				     (uint64_t)(addr - start)) < 0)
				out = NULL;
		} else if (asprintf(&out, "0x%" PRIx64, (uint64_t)addr) < 0) {
			out = NULL;
		}
	}
	return out;
}

void usyms_free(struct usyms *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->nr; i++)
		dwfl_end(u->procs[i].dwfl);
	free(u);
}

const char *kframe_name(const struct ksyms *ksyms, __u64 addr, bool show_addresses, char *buf,
			size_t size)
{
	const struct ksym *sym = ksyms_find(ksyms, addr);

	if (!sym) {
		/* A kernel address tells where the kernel is loaded (KASLR): only with -v. */
		if (show_addresses)
			snprintf(buf, size, "0x%llx", (unsigned long long)addr);
		else
			snprintf(buf, size, "%s", KFRAME_UNKNOWN);
		return buf;
	}
	/* Frames of the profiler itself: the program, its trampoline, the tracepoint glue. */
	if (!strncmp(sym->name, "bpf_prog_", 9) || !strncmp(sym->name, "bpf_trampoline_", 15) ||
	    !strncmp(sym->name, "__bpf_trace_", 12) || !strncmp(sym->name, "bpf_trace_run", 13) ||
	    !strncmp(sym->name, "__traceiter_", 12))
		return NULL;
	return sym->name;
}

static bool is_lock_function(const char *name)
{
	return !strncmp(name, "mutex_", 6) || !strncmp(name, "__mutex_", 8) ||
	       !strncmp(name, "osq_", 4);
}

size_t stack_lock_ranges(const struct ksyms *k, __u64 *start, __u64 *end, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i + 1 < k->nr; i++) {
		size_t j = i + 1;

		if (!is_lock_function(k->syms[i].name))
			continue;
		/* Up to the next symbol at a higher address (aliases share one). */
		while (j < k->nr && k->syms[j].addr <= k->syms[i].addr)
			j++;
		if (j == k->nr)
			break;
		if (n == max)
			return 0;
		start[n] = k->syms[i].addr;
		end[n++] = k->syms[j].addr;
	}
	return n;
}

bool stack_in_lock_code(const struct stack_entry *e)
{
	size_t i = 0;

	if (!e->nr_kframes || !is_lock_function(e->kframes[0]))
		return false;
	/* Past the lock's own frames, the caller must be io_uring. */
	while (i < e->nr_kframes && is_lock_function(e->kframes[i]))
		i++;
	return i < e->nr_kframes && (path_of_function(e->kframes[i]) != PATH_COUNT ||
				     !strncmp(e->kframes[i], "io_", 3) ||
				     !strncmp(e->kframes[i], "__io_", 5));
}

void stack_set_free(struct stack_set *set)
{
	size_t i, j;

	for (i = 0; i < set->nr; i++) {
		struct stack_entry *e = &set->entries[i];

		for (j = 0; j < e->nr_kframes; j++)
			free(e->kframes[j]);
		for (j = 0; j < e->nr_uframes; j++)
			free(e->uframes[j]);
		free(e->kframes);
		free(e->uframes);
	}
	free(set->entries);
	set->entries = NULL;
	set->nr = 0;
}
