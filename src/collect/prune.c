// SPDX-License-Identifier: GPL-2.0
/*
 * Pruning of the aggregated stacks, so that a daemon's maps stay bounded: samples of processes
 * that exited leave stack_stats (their lock samples carried into the run's totals first), and
 * kernel stacks no entry refers to leave the stack map. Expiry carries the samples of the
 * slots it frees the same way.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "session_priv.h"

/* Append a key to a growing array; false without memory. */
static bool push_key(struct stack_key **keys, size_t *nr, size_t *cap, const struct stack_key *key)
{
	if (*nr == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		void *p = realloc(*keys, n * sizeof(**keys));

		if (!p)
			return false;
		*keys = p;
		*cap = n;
	}
	(*keys)[(*nr)++] = *key;
	return true;
}

/* Fold a sample entry's lock samples into the run's carry, before the entry is deleted. */
static void carry_entry(struct session *s, const struct stack_key *key, __u64 count)
{
	enum lock_path path;

	if (key->kind != STACK_SAMPLE || !stack_lock_code(s, key->stack_id))
		return;
	path = stack_path(s, key->stack_id);
	s->carry_lock_samples += count;
	s->carry_lock_path[path] += count;
}

void prune_carry_slots(struct session *s, const bool *expiring)
{
	struct stack_key key, next, *prev = NULL, *waits = NULL;
	size_t nr = 0, cap = 0, i;
	struct stack_stats st;

	if (!s->stacks_used)
		return;
	while (!bpf_map__get_next_key(s->skel->maps.stack_stats, prev, &next, sizeof(next))) {
		bool held, waited;

		key = next;
		prev = &key;
		held = key.slot < s->max_rings && expiring[key.slot];
		/* A sample of a task waiting for the slot's lock (lock_fn: 1 + the slot). */
		waited = key.kind == STACK_SAMPLE && key.slot == RING_SLOT_NONE && key.lock_fn &&
			 key.lock_fn - 1 < s->max_rings && expiring[key.lock_fn - 1];
		if ((!held && !waited) ||
		    bpf_map__lookup_elem(s->skel->maps.stack_stats, &key, sizeof(key), &st,
					 sizeof(st), 0))
			continue;
		carry_entry(s, &key, st.count);
		/* Expiry deletes the held ones (by slot); the waiters' go here, after the walk. */
		if (waited && !push_key(&waits, &nr, &cap, &key))
			break;
	}
	for (i = 0; i < nr; i++)
		bpf_map__delete_elem(s->skel->maps.stack_stats, &waits[i], sizeof(waits[i]), 0);
	free(waits);
}

/* Is the process gone (no PID reuse check: a reused PID keeps the entries until it exits)? */
static bool process_gone(__u32 tgid)
{
	return kill((pid_t)tgid, 0) && errno == ESRCH;
}

/*
 * A sample entry of no held ring that may go: not a waiter's (lock_fn: 1 + the slot it waited
 * for: the ring's figure, deleted when its slot expires); without shown stacks always, with
 * them once its process exited.
 */
static bool prunable_sample(const struct session *s, const struct stack_key *key)
{
	if (key->lock_fn)
		return false;
	return !s->rodata.keep_tgid || process_gone(key->tgid);
}

int prune_stacks(struct session *s, bool stack_map)
{
	struct stack_key key, next, *prev = NULL, *dead = NULL;
	size_t nr_dead = 0, cap = 0, i;
	struct stack_stats st;
	__u32 id, nid, *pid = NULL;
	__u8 *used;
	int pruned = 0;

	if (!s->stacks_used)
		return 0;
	used = calloc(KSTACK_BUCKETS, 1);
	if (!used)
		return -ENOMEM;
	while (!bpf_map__get_next_key(s->skel->maps.stack_stats, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		/*
		 * Samples held no ring's lock: what they add to the run's lock share is carried;
		 * without shown stacks (no process in the key) they serve nothing else, and on
		 * a busy machine a daemon's -a run would fill the map with every process's
		 * stacks. With shown stacks, those of processes that exited.
		 */
		if (key.kind == STACK_SAMPLE && key.slot == RING_SLOT_NONE &&
		    prunable_sample(s, &key)) {
			if (!push_key(&dead, &nr_dead, &cap, &key))
				break;
			continue;
		}
		if (key.stack_id >= 0 && key.stack_id < KSTACK_BUCKETS)
			used[key.stack_id] = 1;
	}
	/*
	 * These entries may be counting right now: read and delete each in one call, so that
	 * every sample counted before the delete is carried. (Before 5.14 hash maps lack it: a
	 * lookup, then a delete.)
	 */
	for (i = 0; i < nr_dead; i++) {
		int err = bpf_map__lookup_and_delete_elem(s->skel->maps.stack_stats, &dead[i],
							  sizeof(dead[i]), &st, sizeof(st), 0);

		if (map_op_unsupported(err)) {
			err = bpf_map__lookup_elem(s->skel->maps.stack_stats, &dead[i],
						   sizeof(dead[i]), &st, sizeof(st), 0);
			if (!err)
				err = bpf_map__delete_elem(s->skel->maps.stack_stats, &dead[i],
							   sizeof(dead[i]), 0);
		}
		if (err)
			continue;
		carry_entry(s, &dead[i], st.count);
		pruned++;
	}
	/*
	 * A kernel stack no entry refers to, at this prune and the one before: a contention
	 * episode takes its stack at its begin and makes its entry at its end, so a stack is
	 * deleted only once unreferenced for a whole prune period. Deleted after the walk:
	 * deleting the current key would end get_next_key's walk.
	 */
	nr_dead = 0;
	while (stack_map &&
	       !bpf_map__get_next_key(s->skel->maps.stacks, pid, &nid, sizeof(nid))) {
		id = nid;
		pid = &id;
		if (id >= KSTACK_BUCKETS)
			continue;
		if (used[id]) {
			s->stack_unused[id] = 0;
		} else if (!s->stack_unused[id]) {
			s->stack_unused[id] = 1;
		} else {
			s->stack_unused[id] = 2; /* delete */
			nr_dead++;
		}
	}
	for (id = 0; id < KSTACK_BUCKETS && nr_dead; id++) {
		if (s->stack_unused[id] != 2)
			continue;
		nr_dead--;
		s->stack_unused[id] = 0;
		if (!bpf_map__delete_elem(s->skel->maps.stacks, &id, sizeof(id), 0)) {
			s->stack_paths[id] = -1;
			s->stack_lock[id] = -1;
			pruned++;
		}
	}
	free(dead);
	free(used);
	return pruned;
}
