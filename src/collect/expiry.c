// SPDX-License-Identifier: GPL-2.0
/*
 * Forgetting closed rings (--expire, and every daemon run): their BPF state is cleared and
 * their slot goes back to the BPF side for the next new ring.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "session_priv.h"

/*
 * Delete the entries of a hash map that name an expiring slot: the __u32 at `off` in the key
 * (in_key) or in the value. Keys are collected first: deleting while walking would restart
 * the walk. A value-matched entry is taken with lookup-and-delete, and put back if a BPF
 * program re-pointed it at another slot (a new ring at the same address) in the meantime.
 */
static int delete_slot_entries(struct bpf_map *map, const bool *expiring, __u32 max_rings,
			       bool in_key, size_t off)
{
	size_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map), nr = 0, cap = 0, i;
	char *keys = NULL, *key = malloc(ksz), *next = malloc(ksz), *value = malloc(vsz);
	bool first = true;
	int ret = 0;

	if (!key || !next || !value) {
		ret = -ENOMEM;
		goto out;
	}
	while (!bpf_map__get_next_key(map, first ? NULL : key, next, ksz)) {
		__u32 slot;

		first = false;
		memcpy(key, next, ksz);
		if (in_key) {
			memcpy(&slot, key + off, sizeof(slot));
		} else {
			if (bpf_map__lookup_elem(map, key, ksz, value, vsz, 0))
				continue;
			memcpy(&slot, value + off, sizeof(slot));
		}
		if (slot >= max_rings || !expiring[slot])
			continue;
		if (nr == cap) {
			char *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(keys, cap * ksz);
			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			keys = p;
		}
		memcpy(keys + nr++ * ksz, key, ksz);
	}
	for (i = 0; i < nr; i++) {
		const char *k = keys + i * ksz;
		__u32 slot;

		if (in_key || bpf_map__lookup_and_delete_elem(map, k, ksz, value, vsz, 0)) {
			bpf_map__delete_elem(map, k, ksz, 0);
			continue;
		}
		memcpy(&slot, value + off, sizeof(slot));
		if (slot >= max_rings || !expiring[slot])
			bpf_map__update_elem(map, k, ksz, value, vsz, BPF_NOEXIST);
	}
out:
	free(keys);
	free(key);
	free(next);
	free(value);
	return ret;
}

/*
 * Mark dead the tracked-lock index entries of expiring slots: the hot programs stop finding
 * them, and a new ring's insert reuses them. Only this function and BPF's track_ring kill
 * entries, and BPF changes only free or dead ones, so a live entry read here is still the
 * same when written.
 */
static void kill_index_entries(struct session *s, const bool *expiring)
{
	struct bpf_map *map = s->skel->maps.lock_index;
	__u32 k, n = bpf_map__max_entries(map);
	struct lock_index_entry e;

	for (k = 0; k < n; k++) {
		if (bpf_map__lookup_elem(map, &k, sizeof(k), &e, sizeof(e), 0) ||
		    e.lock <= INDEX_DEAD || e.slot >= s->max_rings || !expiring[e.slot])
			continue;
		e.lock = INDEX_DEAD;
		bpf_map__update_elem(map, &k, sizeof(k), &e, sizeof(e), BPF_EXIST);
	}
}

/*
 * Of the slots from..nr, mark those whose ring has been closed for ttl_ns. Only while the
 * slot still holds that ring: a slot BPF gave back itself (lost discovery race) is free or
 * someone else's, and is only forgotten. Either way the next snapshot reads the slot afresh.
 */
static void mark_expiring(struct session *s, struct report *rep, __u32 from, __u32 nr,
			  __u64 now_ns, __u64 ttl_ns, bool *expiring)
{
	__u32 slot;

	for (slot = from; slot < nr; slot++) {
		struct ring_info cur;

		if (!collect_slot_expired(s, slot, now_ns, ttl_ns))
			continue;
		if (!bpf_map__lookup_elem(s->skel->maps.rings, &slot, sizeof(slot), &cur,
					  sizeof(cur), 0) &&
		    collect_slot_holds(s, slot, &cur))
			expiring[slot] = true;
		else
			collect_forget_slot(s, rep, slot);
	}
}

/*
 * Clear the BPF state of the expiring slots and give each back to the BPF side. Returns how
 * many were given back.
 */
static int free_slots(struct session *s, struct report *rep, __u32 nr, const bool *expiring,
		      const void *zero_stats, const void *zero_state)
{
	struct uringlockstat_bpf *skel = s->skel;
	int expired = 0;
	__u32 slot;

	for (slot = 0; slot < nr; slot++) {
		struct ring_info zero_info = {};

		if (!expiring[slot])
			continue;
		bpf_map__update_elem(skel->maps.stats, &slot, sizeof(slot), zero_stats,
				     s->ncpus * sizeof(struct ring_counts), BPF_ANY);
		/* Zeroed, not deleted: the next ring in the slot needs no allocation. */
		bpf_map__update_elem(skel->maps.hists, &slot, sizeof(slot), s->zero_hists,
				     sizeof(struct wait_hist), BPF_ANY);
		if (s->exact)
			bpf_map__update_elem(skel->maps.exact, &slot, sizeof(slot), zero_state,
					     sizeof(struct exact_ring), BPF_ANY);
		bpf_map__update_elem(skel->maps.rings, &slot, sizeof(slot), &zero_info,
				     sizeof(zero_info), BPF_ANY);
		collect_forget_slot(s, rep, slot);
		/* Last: from here on a new ring may take the slot. */
		if (bpf_map__update_elem(skel->maps.free_slots, NULL, 0, &slot, sizeof(slot), 0))
			fprintf(stderr, "uringlockstat: cannot free ring slot %u: %s\n", slot,
				strerror(errno));
		else
			expired++;
	}
	return expired;
}

int session_expire(struct session *s, struct report *rep, __u64 now_ns, __u64 ttl_ns)
{
	struct uringlockstat_bpf *skel = s->skel;
	void *zero_stats = NULL, *zero_state = NULL;
	bool *expiring = NULL;
	__u32 slot, nr = rep->nr_rings < s->max_rings ? rep->nr_rings : s->max_rings;
	int expired = 0;

	/* A daemon's stacks: at every snapshot; the kernel stacks every 10 s. */
	if (now_ns - s->pruned_ns >= PRUNE_EVERY_NS) {
		prune_stacks(s, true);
		s->pruned_ns = now_ns;
	} else {
		prune_stacks(s, false);
	}
	/* Without the iterator no ring is ever known closed. */
	if (!s->iter_link)
		return 0;
	for (slot = 0; slot < nr; slot++) {
		if (collect_slot_expired(s, slot, now_ns, ttl_ns))
			break;
	}
	if (slot == nr)
		return 0;
	expiring = calloc(s->max_rings, sizeof(*expiring));
	zero_stats = calloc(s->ncpus, sizeof(struct ring_counts));
	zero_state = calloc(1, sizeof(struct exact_ring));
	if (!expiring || !zero_stats || !zero_state)
		goto out;
	mark_expiring(s, rep, slot, nr, now_ns, ttl_ns, expiring);
	/*
	 * First untrack the lock: no new event reaches the slot. Should a pass fail (memory),
	 * nothing is freed: the next call tries again.
	 */
	if (delete_slot_entries(skel->maps.tracked, expiring, s->max_rings, false, 0) ||
	    /* bpf/common.bpf.h's struct ring_fd starts with the slot. */
	    delete_slot_entries(skel->maps.ring_fds, expiring, s->max_rings, false, 0))
		goto out;
	prune_carry_slots(s, expiring);
	if ((s->stacks_used &&
	     delete_slot_entries(skel->maps.stack_stats, expiring, s->max_rings, true,
				 offsetof(struct stack_key, slot))))
		goto out;
	kill_index_entries(s, expiring);
	expired = free_slots(s, rep, nr, expiring, zero_stats, zero_state);
out:
	free(expiring);
	free(zero_stats);
	free(zero_state);
	return expired;
}
