// SPDX-License-Identifier: GPL-2.0
/*
 * What a run's options cost in memory, checked before anything is allocated: the BPF maps,
 * per-CPU ones on every possible CPU, and the profiler's own buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "model.h"
#include "session_priv.h"

/*
 * Kernel memory of a ring slot besides its per-CPU figures: its entries in the tracked-lock
 * hash, the ring and free-slot maps, and its 4 entries of the fd map.
 */
#define RING_KERNEL_BYTES 1024
/* An entry of the targets hash (key, value and the element's header). */
#define TARGET_BYTES 64
/* The profiler's renderings of one ring (JSON tree, text, both metrics formats). */
#define RING_RENDER_BYTES (16 * 1024)
/* A ring's model (src/model/model.h) with its texts and paths, built at each snapshot. */
#define RING_MODEL_BYTES (sizeof(struct model_ring) + 256)
/* Programs, stack maps (4 MiB of kernel stacks) and stack aggregation: sizes that do not
 * scale. */
#define FIXED_KERNEL_BYTES (16ull << 20)

/* The most one ring slot takes, in the kernel and in the profiler. */
static __u64 ring_bytes(int ncpus)
{
	__u64 per_cpu = (sizeof(struct ring_counts) + 7) / 8 * 8;
	/* The wait histogram and the exact backend's figures (one copy each), the tracked-lock
	 * index entries. */
	__u64 shared = sizeof(struct wait_hist) + sizeof(struct exact_ring) +
		       INDEX_PER_RING * 2 * sizeof(struct lock_index_entry);
	/* The report of src/run.c, its model and interval table's memory, collection's tracking
	 * state and the expiry marks. */
	__u64 user = sizeof(struct ring_report) + RING_MODEL_BYTES + sizeof(struct interval_ring) +
		     sizeof(struct slot_track) + RING_RENDER_BYTES + 1;

	return per_cpu * (ncpus > 0 ? ncpus : 1) + shared + RING_KERNEL_BYTES + user;
}

__u64 session_memory_needed(const struct session_opts *o, int ncpus)
{
	/* Read buffers: READ_CHUNK slots' entries, per-CPU stats and histograms; stats and a
	 * histogram zeroed. */
	__u64 buffers = (READ_CHUNK + 1ull) * sizeof(struct ring_counts) * (ncpus > 0 ? ncpus : 1) +
			READ_CHUNK * (sizeof(struct wait_hist) + sizeof(struct ring_info) + 4) +
			2ull * sizeof(struct ring_hists);

	return (__u64)o->max_rings * ring_bytes(ncpus) + FIXED_KERNEL_BYTES +
	       (__u64)o->max_targets * TARGET_BYTES +
	       2 * sizeof(struct report) + buffers;
}

/* A value of a "Key: N kB" line of /proc/meminfo in bytes, 0 if absent. */
static __u64 meminfo_bytes(const char *key)
{
	char line[256];
	unsigned long long kb;
	size_t len = strlen(key);
	__u64 bytes = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%llu", &kb) == 1) {
			bytes = (__u64)kb * 1024;
			break;
		}
	}
	fclose(f);
	return bytes;
}

/* A number in a file (cgroup limits); false for "max" or anything else. */
static bool file_u64(const char *path, __u64 *out)
{
	unsigned long long v;
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	*out = v;
	return ok;
}

/* Room left under our memory cgroup's limit (v2 or v1), or ~0 without a limit. */
static __u64 cgroup_room(void)
{
	char line[4096], limit[4200], usage[4200];
	__u64 room = ~0ull, max, cur;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return room;
	while (fgets(line, sizeof(line), f)) {
		char *path;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0::", 3)) {
			path = line + 3;
			snprintf(limit, sizeof(limit), "/sys/fs/cgroup%s/memory.max", path);
			snprintf(usage, sizeof(usage), "/sys/fs/cgroup%s/memory.current", path);
		} else if ((path = strstr(line, ":memory:"))) {
			path += 8;
			snprintf(limit, sizeof(limit), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes",
				 path);
			snprintf(usage, sizeof(usage), "/sys/fs/cgroup/memory%s/memory.usage_in_bytes",
				 path);
		} else {
			continue;
		}
		if (!file_u64(limit, &max) || !file_u64(usage, &cur))
			continue;
		cur = max > cur ? max - cur : 0;
		if (cur < room)
			room = cur;
	}
	fclose(f);
	return room;
}

static const char *fmt_bytes(__u64 v, char *buf, size_t size)
{
	if (v >= 1ull << 30)
		snprintf(buf, size, "%.1f GiB", v / (double)(1ull << 30));
	else if (v >= 1ull << 20)
		snprintf(buf, size, "%.1f MiB", v / (double)(1ull << 20));
	else
		snprintf(buf, size, "%.1f KiB", v / 1024.0);
	return buf;
}

int session_check_memory(const struct session_opts *o, char *err, size_t err_size)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 need = session_memory_needed(o, ncpus), avail = meminfo_bytes("MemAvailable");
	__u64 room = cgroup_room(), budget;
	char b1[32], b2[32], b3[32];

	/* Without /proc/meminfo there is nothing to check against. */
	if (!avail)
		return 0;
	if (room < avail)
		avail = room;
	budget = avail / 2;
	if (need <= budget)
		return 0;
	snprintf(err, err_size, "--max-rings %u needs %s of memory (%s per ring with %d possible "
		 "CPUs), more than %s, half of the memory available; lower --max-rings",
		 o->max_rings, fmt_bytes(need, b1, sizeof(b1)),
		 fmt_bytes(ring_bytes(ncpus), b2, sizeof(b2)), ncpus,
		 fmt_bytes(budget, b3, sizeof(b3)));
	return -ENOMEM;
}
