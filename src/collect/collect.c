// SPDX-License-Identifier: GPL-2.0
/*
 * Collection: each snapshot finds rings (the task_file iterator) and reads every figure of
 * every ring slot into the report. It owns the per-slot tracking state (struct slot_track):
 * which ring a slot holds, its SQ head counted up to, whether it is open, since when closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "session_priv.h"
#include "stacks.h"

struct report *report_new(__u32 max_rings)
{
	struct report *rep = calloc(1, sizeof(*rep) + (size_t)max_rings * sizeof(rep->rings[0]));

	if (rep)
		rep->exit_status = -1;
	return rep;
}

int collect_alloc(struct session *s)
{
	size_t ncpus = s->ncpus > 0 ? s->ncpus : 1;

	s->slots = calloc(s->max_rings ? s->max_rings : 1, sizeof(*s->slots));
	s->info_buf = calloc(READ_CHUNK, sizeof(*s->info_buf));
	s->percpu = calloc(READ_CHUNK * ncpus, sizeof(struct ring_counts));
	s->hist_buf = calloc(READ_CHUNK, sizeof(struct wait_hist));
	s->key_buf = calloc(READ_CHUNK, sizeof(*s->key_buf));
	s->zero_hists = calloc(1, sizeof(struct wait_hist));
	s->exact_buf = calloc(1, sizeof(struct exact_ring));
	if (!s->slots || !s->info_buf || !s->percpu || !s->hist_buf || !s->key_buf ||
	    !s->zero_hists || !s->exact_buf)
		return -ENOMEM;
	return 0;
}

void collect_free(struct session *s)
{
	free(s->slots);
	free(s->info_buf);
	free(s->percpu);
	free(s->hist_buf);
	free(s->key_buf);
	free(s->zero_hists);
	free(s->exact_buf);
	free(s->snaps);
}

void collect_forget_slot(struct session *s, struct report *rep, __u32 slot)
{
	memset(&rep->rings[slot], 0, sizeof(rep->rings[slot]));
	rep->rings[slot].slot = slot;
	memset(&s->slots[slot], 0, sizeof(s->slots[slot]));
}

bool collect_slot_expired(const struct session *s, __u32 slot, __u64 now_ns, __u64 ttl_ns)
{
	const struct slot_track *t = &s->slots[slot];

	return t->ctx && !t->open && t->closed_ns && now_ns >= t->closed_ns &&
	       now_ns - t->closed_ns >= ttl_ns;
}

bool collect_slot_holds(const struct session *s, __u32 slot, const struct ring_info *info)
{
	return s->slots[slot].ctx == info->ctx && s->slots[slot].seen_ns == info->seen_ns;
}

/* Append what one run of the iterator link writes to s->snaps from byte len; the new length. */
static ssize_t read_iterator(struct session *s, struct bpf_link *link, size_t len)
{
	ssize_t n;
	int fd;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + sizeof(struct ring_snapshot) * 64 > s->snaps_cap * sizeof(*s->snaps)) {
			size_t cap = s->snaps_cap ? s->snaps_cap * 2 : 256;
			void *p = realloc(s->snaps, cap * sizeof(*s->snaps));

			if (!p) {
				close(fd);
				return -ENOMEM;
			}
			s->snaps = p;
			s->snaps_cap = cap;
		}
		n = read(fd, (char *)s->snaps + len, s->snaps_cap * sizeof(*s->snaps) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	return len;
}

/*
 * Run the iterators once: the rings of every target's fd tables (tracking new ones), then the
 * tracked rings its threads hold by registered ring fds. The number of records, or -errno.
 */
static ssize_t read_snapshots(struct session *s)
{
	ssize_t len;

	if (!s->iter_link)
		return 0;
	len = read_iterator(s, s->iter_link, 0);
	if (len >= 0 && s->reg_iter_link)
		len = read_iterator(s, s->reg_iter_link, len);
	return len < 0 ? len : len / (ssize_t)sizeof(struct ring_snapshot);
}

/* The exact backend's figures of a ring (one copy, written under its lock), and its paths. */
static void read_exact(struct session *s, __u32 slot, struct ring_report *r)
{
	const struct exact_ring *e = s->exact_buf;
	struct ring_stats *sum = &r->sum;
	__u64 contended = 0;
	size_t i;

	memset(r->paths, 0, sizeof(r->paths));
	if (bpf_map__lookup_elem(s->skel->maps.exact, &slot, sizeof(slot), s->exact_buf,
				 sizeof(*s->exact_buf), 0))
		return;
	sum->acquisitions = e->acquisitions;
	sum->holds = e->holds;
	sum->trylocks = e->trylocks;
	/* A trylock still held when read counts as failed until its release. */
	sum->trylocks_failed = sum->trylock_calls > e->trylocks ? sum->trylock_calls - e->trylocks : 0;
	sum->handoffs = e->handoffs;
	sum->acquire_wait_ns_total = e->acquire_wait_ns_total;
	sum->acquire_wait_ns_max = e->acquire_wait_ns_max;
	sum->hold_ns_total = e->hold_ns_total;
	sum->hold_ns_max = e->hold_ns_max;
	memcpy(r->hists.acquire_wait, e->acquire_wait, sizeof(r->hists.acquire_wait));
	/* BPF counts contended waits only: the other timed ones were taken at once. */
	for (i = 0; i < HIST_BUCKETS; i++)
		contended += e->acquire_wait[i];
	if (e->holds > contended)
		r->hists.acquire_wait[0] += e->holds - contended;
	memcpy(r->hists.hold, e->hold, sizeof(r->hists.hold));
	if (!s->rodata.want_paths)
		return;
	for (i = 0; i <= EXACT_CALLERS; i++) {
		const struct exact_caller *c = exact_caller(e, i);
		struct path_totals *p;

		if (!c->count)
			continue;
		p = &r->paths[caller_path(s, c->ip)];
		p->acquisitions += c->count;
		p->wait_ns += c->wait_ns;
		p->hold_ns += c->hold_ns;
	}
}

/*
 * Entries [first, first + n) of an array map into values (value_size bytes each, all CPUs'
 * copies for a per-CPU map): one batch lookup, or one lookup per entry where the kernel has
 * no batch operations for the map. A snapshot of 1024 slots takes a few calls, not thousands.
 */
static int read_entries(struct session *s, struct bpf_map *map, __u32 first, __u32 n,
			void *values, size_t value_size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = first - 1, out, count = n, i;
	int err;

	if (s->batch_ok) {
		/* The batch starts after in_batch, or at the first entry without one. */
		err = bpf_map_lookup_batch(bpf_map__fd(map), first ? &in : NULL, &out, s->key_buf,
					   values, &count, &opts);
		if ((!err || err == -ENOENT) && count == n)
			return 0;
		if (!map_op_unsupported(err))
			return -1;
		s->batch_ok = false;
	}
	for (i = 0; i < n; i++) {
		__u32 key = first + i;

		if (bpf_map__lookup_elem(map, &key, sizeof(key), (char *)values + i * value_size,
					 value_size, 0))
			return -1;
	}
	return 0;
}

/* Ring i of the chunk just read (its ring entry and counters, summed over CPUs) into r. */
static void fill_ring(struct session *s, __u32 i, struct ring_report *r)
{
	const struct ring_counts *percpu = &s->percpu[(size_t)i * s->ncpus];
	struct ring_stats *sum = &r->sum;
	int cpu;

	r->info = s->info_buf[i];
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < s->ncpus; cpu++) {
		const struct ring_counts *p = &percpu[cpu];

#define SUM(name) sum->name += p->name;
#define MAX(name) sum->name = p->name > sum->name ? p->name : sum->name;
		RING_COUNTS(SUM, MAX)
#undef SUM
#undef MAX
	}
	if (s->exact)
		read_exact(s, r->slot, r);
}

/*
 * The wait histograms of the chunk's rings that need them: those whose contended count
 * changed since their histogram was last read, and once more after that (BPF adds to the
 * histogram before it counts the episode). A ring without new contention keeps its histogram:
 * the 4 KiB of each of hundreds of quiet rings are not copied at every snapshot.
 */
static void read_hists(struct session *s, struct report *rep, __u32 first, __u32 n)
{
	bool need[READ_CHUNK];
	__u32 i, nr_need = 0;
	bool batch = false;

	for (i = 0; i < n; i++) {
		const struct slot_track *t = &s->slots[first + i];

		need[i] = rep->rings[first + i].sum.contended != t->hist_count || t->hist_again;
		nr_need += need[i];
	}
	if (!nr_need)
		return;
	/* Many rings changed: one batch call for the chunk costs less than one call each. */
	if (nr_need > READ_CHUNK / 8)
		batch = !read_entries(s, s->skel->maps.hists, first, n, s->hist_buf,
				      sizeof(struct wait_hist));
	for (i = 0; i < n; i++) {
		struct ring_report *r = &rep->rings[first + i];
		struct slot_track *t = &s->slots[first + i];
		__u32 slot = first + i;
		__u64 count = r->sum.contended;

		if (!need[i])
			continue;
		if (!batch && bpf_map__lookup_elem(s->skel->maps.hists, &slot, sizeof(slot),
						   &s->hist_buf[i], sizeof(struct wait_hist), 0)) {
			t->hist_again = true;
			continue;
		}
		memcpy(r->hists.wait, s->hist_buf[i].wait, sizeof(r->hists.wait));
		t->hist_again = count != t->hist_count;
		t->hist_count = count;
	}
}

/*
 * Per-ring sums over the aggregated stacks: the exact backend's paths, the sampled hold time,
 * and how many samples were in lock code called from io_uring, by the kernel path that called
 * it.
 */
static void read_stack_stats(struct session *s, struct report *rep)
{
	struct stack_key key, next, *prev = NULL;
	struct stack_stats st;
	size_t i;

	for (i = 0; i < rep->nr_rings; i++) {
		rep->rings[i].samples_held = 0;
		memset(rep->rings[i].contended_by, 0, sizeof(rep->rings[i].contended_by));
		memset(rep->rings[i].lock_samples_path, 0,
		       sizeof(rep->rings[i].lock_samples_path));
	}
	rep->lock_samples = s->carry_lock_samples;
	memcpy(rep->lock_samples_path, s->carry_lock_path, sizeof(rep->lock_samples_path));
	while (!bpf_map__get_next_key(s->skel->maps.stack_stats, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(s->skel->maps.stack_stats, &key, sizeof(key), &st,
					 sizeof(st), 0))
			continue;
		/* Take the process's memory map while it runs: its user frames resolve later. */
		if (s->usyms && key.ustack_id >= 0)
			usyms_watch(s->usyms, key.tgid);
		/* A free slot's entries (an expired ring's, in flight) count for no ring. */
		if (key.slot < rep->nr_rings && !s->slots[key.slot].ctx)
			continue;
		if (key.kind == STACK_SAMPLE) {
			if (key.slot < rep->nr_rings)
				rep->rings[key.slot].samples_held += st.count;
			if (stack_lock_code(s, key.stack_id)) {
				enum lock_path path = stack_path(s, key.stack_id);
				__u32 ring = key.slot < rep->nr_rings ? key.slot : key.lock_fn - 1;

				rep->lock_samples += st.count;
				rep->lock_samples_path[path] += st.count;
				/* Held, or else waited for: the ring whose lock code it is. */
				if (ring < rep->nr_rings && s->slots[ring].ctx)
					rep->rings[ring].lock_samples_path[path] += st.count;
			}
			continue;
		}
		/* Episodes whose owner was read (and stack taken): the matrix's sample. */
		if (key.kind == STACK_CONTENDED && key.slot < rep->nr_rings &&
		    key.lock_fn != ROLE_NOT_READ && key.lock_fn < ROLE_COUNT)
			rep->rings[key.slot].contended_by[key.lock_fn][stack_path(s, key.stack_id)] +=
				st.count;
	}
}

/*
 * Events the kernel did not give our programs (a program already running on that CPU, e.g.
 * preempted inside it, makes the kernel skip it and count a recursion miss), and with
 * --prog-stats each program's run count and run time.
 */
static void read_programs(struct session *s, struct report *rep)
{
	struct bpf_program *prog;

	rep->program_misses = 0;
	rep->nr_programs = 0;
	rep->overhead.runs = 0;
	rep->overhead.run_ns = 0;
	bpf_object__for_each_program(prog, s->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		struct program_cost *c;

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		rep->program_misses += info.recursion_misses;
		if (s->stats_fd < 0)
			continue;
		rep->overhead.runs += info.run_cnt;
		rep->overhead.run_ns += info.run_time_ns;
		if (!s->prog_table || rep->nr_programs >= MAX_PROGRAMS)
			continue;
		c = &rep->programs[rep->nr_programs++];
		snprintf(c->name, sizeof(c->name), "%s", bpf_program__name(prog));
		c->runs = info.run_cnt;
		c->run_ns = info.run_time_ns;
		c->misses = info.recursion_misses;
	}
	rep->prog_stats = s->stats_fd >= 0 && s->prog_table;
	rep->overhead.measured = s->stats_fd >= 0;
}

static __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Read every used slot: a slot that holds another ring than last time starts afresh. */
static void read_slots(struct session *s, struct report *rep, __u32 nr)
{
	__u32 first, i;

	for (first = 0; first < nr; first += READ_CHUNK) {
		__u32 n = nr - first < READ_CHUNK ? nr - first : READ_CHUNK;

		if (read_entries(s, s->skel->maps.rings, first, n, s->info_buf,
				 sizeof(*s->info_buf)) ||
		    read_entries(s, s->skel->maps.stats, first, n, s->percpu,
				 sizeof(struct ring_counts) * s->ncpus))
			continue;
		for (i = 0; i < n; i++) {
			__u32 slot = first + i;
			struct ring_report *r = &rep->rings[slot];
			struct slot_track *t = &s->slots[slot];

			r->slot = slot;
			/*
			 * Another ring in the slot than last time (BPF gave back a slot it lost in
			 * a discovery race, and a new ring took it): nothing of the old one carries
			 * over.
			 */
			if (t->ctx && (s->info_buf[i].ctx != t->ctx ||
				       s->info_buf[i].seen_ns != t->seen_ns))
				collect_forget_slot(s, rep, slot);
			fill_ring(s, i, r);
			t->ctx = r->info.ctx;
			t->seen_ns = r->info.seen_ns;
			if (t->ctx && !t->head_seen) {
				t->last_head = r->info.sq_head_start;
				r->submitter_tid = r->info.submitter_tid;
			}
		}
		read_hists(s, rep, first, n);
	}
}

/*
 * SQEs from SQ head deltas: up to the last head of a ring whose teardown began, and up to the
 * head each snapshot record shows of an open ring.
 */
static void count_heads(struct session *s, struct report *rep, __u32 nr, ssize_t nr_snaps)
{
	__u32 slot;
	ssize_t i;

	/* A ring whose teardown began: count up to its last SQ head, once. */
	for (slot = 0; slot < nr; slot++) {
		struct ring_report *r = &rep->rings[slot];
		struct slot_track *t = &s->slots[slot];

		if (!t->ctx || !r->info.ended || t->ended)
			continue;
		r->sqes_head += (__u32)(r->info.sq_head_end - t->last_head);
		t->last_head = r->info.sq_head_end;
		t->head_seen = true;
		t->ended = true;
	}
	/* Rings the iterator no longer finds were closed; their last SQ head stands. */
	if (s->iter_link) {
		for (slot = 0; slot < rep->nr_rings; slot++)
			s->slots[slot].open = false;
	}
	for (i = 0; i < nr_snaps; i++) {
		const struct ring_snapshot *snap = &s->snaps[i];
		struct slot_track *t;
		struct ring_report *r;

		if (snap->slot >= rep->nr_rings)
			continue;
		r = &rep->rings[snap->slot];
		t = &s->slots[snap->slot];
		/* A ring whose teardown began was counted up to its last SQ head. */
		if (!t->ctx || t->ctx != snap->ctx || t->ended)
			continue;
		/* The same ring open at two fds appears twice: count its head once. */
		if (t->open)
			continue;
		t->open = true;
		r->sqes_head += (__u32)(snap->sq_head - t->last_head);
		t->last_head = snap->sq_head;
		t->head_seen = true;
		if (snap->submitter_tid)
			r->submitter_tid = snap->submitter_tid;
	}
	/*
	 * Liveness from the kernel: a ring whose teardown has not begun is live even when no fd
	 * table holds it (a registered ring fd, a mapping). Its SQ head is read from fd tables and
	 * registered ring fds: a ring held only by a mapping counts its SQEs up to the last
	 * snapshot that found it in either, then at its teardown.
	 */
	for (slot = 0; slot < rep->nr_rings; slot++) {
		struct slot_track *t = &s->slots[slot];

		t->fd_seen = t->open;
		if (s->teardown_hook && t->ctx && !t->ended && !rep->rings[slot].info.ended)
			t->open = true;
	}
}

/*
 * When each ring was first found closed, for session_expire. A ring no snapshot ever saw open
 * (created and closed in between) is closed from the first snapshot with its slot.
 */
static void mark_closed(struct session *s, const struct report *rep)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC);
	__u32 slot;

	for (slot = 0; slot < rep->nr_rings; slot++) {
		struct slot_track *t = &s->slots[slot];

		if (!t->ctx || t->open)
			t->closed_ns = 0;
		else if (!t->closed_ns)
			t->closed_ns = now;
	}
}

int session_snapshot(struct session *s, struct report *rep)
{
	__u64 cpu_start = clock_ns(CLOCK_THREAD_CPUTIME_ID), cpu_ns;
	ssize_t nr_snaps = read_snapshots(s);
	__u32 slot, nr;

	if (nr_snaps < 0) {
		rep->snapshot_failures++;
		nr_snaps = 0;
	}
	nr = s->skel->bss->next_slot;
	if (nr > s->max_rings)
		nr = s->max_rings;
	read_slots(s, rep, nr);
	if (nr > rep->nr_rings)
		rep->nr_rings = nr;
	count_heads(s, rep, nr, nr_snaps);
	/* Without the iterator no ring is ever known closed. */
	if (s->iter_link)
		mark_closed(s, rep);
	/* What the report shows of the tracking state. */
	for (slot = 0; slot < rep->nr_rings; slot++) {
		rep->rings[slot].head_seen = s->slots[slot].head_seen;
		rep->rings[slot].open = s->slots[slot].open;
		rep->rings[slot].no_fd = s->slots[slot].open && !s->slots[slot].fd_seen;
		rep->rings[slot].ended = s->slots[slot].ended;
	}
	if (s->stacks_used)
		read_stack_stats(s, rep);
	rep->samples = s->skel->bss->failures.samples;
	rep->failures = s->skel->bss->failures;
	read_programs(s, rep);
	/* The profiler's own cost in user space: this snapshot's CPU time. */
	cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
	rep->overhead.snapshots++;
	rep->overhead.snapshot_cpu_ns += cpu_ns;
	if (cpu_ns > rep->overhead.snapshot_cpu_ns_max)
		rep->overhead.snapshot_cpu_ns_max = cpu_ns;
	return 0;
}
