// SPDX-License-Identifier: GPL-2.0
/* Kernel symbol addresses, read from /proc/kallsyms. */
#include <stdio.h>
#include <stdlib.h>
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

bool kallsyms_hidden(void)
{
	char line[512], sym[256], type;
	unsigned long long addr;
	bool hidden = true;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return true;
	/* Hidden addresses read as 0: one symbol with an address is enough. */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 && addr) {
			hidden = false;
			break;
		}
	}
	fclose(f);
	return hidden;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct ksyms *ksyms_load(void)
{
	char line[512], sym[256], type;
	unsigned long long addr;
	struct ksyms *k;
	size_t cap = 0;
	FILE *f;

	k = calloc(1, sizeof(*k));
	f = fopen("/proc/kallsyms", "r");
	if (!k || !f)
		goto fail;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (k->nr == cap) {
			void *p;

			cap = cap ? cap * 2 : 65536;
			p = realloc(k->syms, cap * sizeof(*k->syms));
			if (!p)
				goto fail;
			k->syms = p;
		}
		k->syms[k->nr].addr = addr;
		k->syms[k->nr].name = strdup(sym);
		if (!k->syms[k->nr].name)
			goto fail;
		k->nr++;
	}
	fclose(f);
	qsort(k->syms, k->nr, sizeof(*k->syms), ksym_cmp);
	return k;
fail:
	if (f)
		fclose(f);
	ksyms_free(k);
	return NULL;
}

const struct ksym *ksyms_find(const struct ksyms *k, __u64 addr)
{
	size_t lo = 0, hi;

	if (!k || !k->nr || addr < k->syms[0].addr)
		return NULL;
	hi = k->nr;
	/* Invariant: syms[lo].addr <= addr, and every index >= hi is above addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &k->syms[lo];
}

void ksyms_free(struct ksyms *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->nr; i++)
		free(k->syms[i].name);
	free(k->syms);
	free(k);
}
