// SPDX-License-Identifier: GPL-2.0
/*
 * The run's aggregated stacks as a gzipped pprof profile.proto (proto/profile.proto, encoded by
 * protobuf-c): one Sample per stack with every value column, one Location and Function per
 * distinct (frame name, kernel or user) pair, the ring and the lock path as labels.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "proto/profile.pb-c.h"
#include "atomic.h"
#include "flags.h"
#include "folded.h"
#include "pprof.h"
#include "report.h"

/* Value columns, in the order of Profile.sample_type (the count first, as pprof advises). */
enum column {
	COL_CONTENTIONS,
	COL_DELAY,
	COL_HOLD,
	COL_SAMPLES,
	NR_COLUMNS,
};

static const char *const column_type[NR_COLUMNS] = {
	[COL_CONTENTIONS] = "contentions", [COL_DELAY] = "delay", [COL_HOLD] = "hold",
	[COL_SAMPLES] = "samples",
};

static const char *const column_unit[NR_COLUMNS] = {
	[COL_CONTENTIONS] = "count", [COL_DELAY] = "nanoseconds", [COL_HOLD] = "nanoseconds",
	[COL_SAMPLES] = "count",
};

enum side { SIDE_KERNEL, SIDE_USER, NR_SIDES };

/* Mapping ids: the user mapping first, as pprof takes mapping[0] for the main binary. */
#define MAPPING_USER 1
#define MAPPING_KERNEL 2

#define MAX_LABELS 8
#define UNKNOWN_KERNEL "[unknown kernel]"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

struct pp_sample {
	Sample msg;
	int64_t values[NR_COLUMNS];
	Label labels[MAX_LABELS];
	Label *label_ptrs[MAX_LABELS];
};

/* A Location with its one Line and its Function: the same id for all three. */
struct pp_location {
	Location msg;
	Line line;
	Line *line_ptr;
	Function fn;
};

struct pprof {
	/* String table, interned through an open-addressing hash of indices + 1. */
	char **strs;
	size_t nr_strs, cap_strs;
	size_t *hash;
	size_t hash_cap;
	/* Location id of each string as a frame name on each side, 0 if none yet. */
	uint64_t *loc_of[NR_SIDES];

	struct pp_location *locs; /* sized for the total number of frames: never moves */
	size_t nr_locs, cap_locs;
	uint64_t *loc_ids;        /* every sample's location ids, one after another */
	size_t nr_loc_ids;
	struct pp_sample *samples; /* one per stack entry at most */
	size_t nr_samples;
	size_t nr_columns;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int hash_grow(struct pprof *p)
{
	size_t cap = p->hash_cap ? p->hash_cap * 2 : 1024, i;
	size_t *hash = calloc(cap, sizeof(*hash));

	if (!hash)
		return -ENOMEM;
	for (i = 0; i < p->nr_strs; i++) {
		size_t h = str_hash(p->strs[i]) & (cap - 1);

		while (hash[h])
			h = (h + 1) & (cap - 1);
		hash[h] = i + 1;
	}
	free(p->hash);
	p->hash = hash;
	p->hash_cap = cap;
	return 0;
}

static int strs_grow(struct pprof *p)
{
	size_t cap = p->cap_strs ? p->cap_strs * 2 : 256, side;
	char **strs = realloc(p->strs, cap * sizeof(*strs));

	if (!strs)
		return -ENOMEM;
	p->strs = strs;
	for (side = 0; side < NR_SIDES; side++) {
		uint64_t *loc = realloc(p->loc_of[side], cap * sizeof(*loc));

		if (!loc)
			return -ENOMEM;
		memset(loc + p->cap_strs, 0, (cap - p->cap_strs) * sizeof(*loc));
		p->loc_of[side] = loc;
	}
	p->cap_strs = cap;
	return 0;
}

/* Index of s in the string table, added if new; -1 when out of memory. */
static int64_t str_id(struct pprof *p, const char *s)
{
	size_t h;

	if ((p->nr_strs + 1) * 2 > p->hash_cap && hash_grow(p))
		return -1;
	for (h = str_hash(s) & (p->hash_cap - 1); p->hash[h]; h = (h + 1) & (p->hash_cap - 1)) {
		if (!strcmp(p->strs[p->hash[h] - 1], s))
			return p->hash[h] - 1;
	}
	if (p->nr_strs == p->cap_strs && strs_grow(p))
		return -1;
	p->strs[p->nr_strs] = strdup(s);
	if (!p->strs[p->nr_strs])
		return -1;
	p->hash[h] = ++p->nr_strs;
	return p->nr_strs - 1;
}

/* "0x" and hex digits only: a kernel frame that symbolization left as its address. */
static bool is_address(const char *name)
{
	return name[0] == '0' && name[1] == 'x' && name[2] &&
	       strspn(name + 2, "0123456789abcdefABCDEF") == strlen(name + 2);
}

/* Location id of a frame; 0 when out of memory. */
static uint64_t location_id(struct pprof *p, const char *name, enum side side,
			    bool show_addresses)
{
	struct pp_location *l;
	int64_t id;

	if (!name)
		name = "?";
	else if (side == SIDE_KERNEL && !show_addresses && is_address(name))
		name = UNKNOWN_KERNEL;
	id = str_id(p, name);
	if (id < 0)
		return 0;
	if (p->loc_of[side][id])
		return p->loc_of[side][id];
	if (p->nr_locs == p->cap_locs)
		return 0;
	l = &p->locs[p->nr_locs++];
	perftools__profiles__location__init(&l->msg);
	perftools__profiles__line__init(&l->line);
	perftools__profiles__function__init(&l->fn);
	l->fn.id = p->nr_locs;
	l->fn.name = id;
	l->fn.system_name = id;
	l->line.function_id = l->fn.id;
	l->line_ptr = &l->line;
	l->msg.id = p->nr_locs;
	l->msg.mapping_id = side == SIDE_KERNEL ? MAPPING_KERNEL : MAPPING_USER;
	l->msg.n_line = 1;
	l->msg.line = &l->line_ptr;
	p->loc_of[side][id] = l->msg.id;
	return l->msg.id;
}

/* A label of a sample: a string when value is not NULL, else the number num. */
static int add_label(struct pprof *p, Sample *s, const char *key, const char *value, int64_t num)
{
	Label *l = s->label[s->n_label];
	int64_t k = str_id(p, key), v = value ? str_id(p, value) : 0;

	if (k < 0 || v < 0)
		return -ENOMEM;
	perftools__profiles__label__init(l);
	l->key = k;
	l->str = v;
	l->num = value ? 0 : num;
	s->n_label++;
	return 0;
}

static const char *const kind_names[] = {
	[STACK_EXACT] = "exact", [STACK_CONTENDED] = "contended", [STACK_SAMPLE] = "sample",
};

static const char *kind_name(__u32 kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind]
		       ? kind_names[kind] : "?";
}

/* Value columns of an entry, weighed as in the flame graphs; false if all are 0. */
static bool entry_values(const struct run_model *m, const struct stack_entry *e, int64_t *v)
{
	v[COL_CONTENTIONS] = stack_entry_value(m, e, WEIGHT_COUNT);
	v[COL_DELAY] = stack_entry_value(m, e, WEIGHT_WAIT);
	v[COL_HOLD] = stack_entry_value(m, e, WEIGHT_HOLD);
	v[COL_SAMPLES] = stack_entry_value(m, e, WEIGHT_SAMPLES);
	return v[COL_CONTENTIONS] || v[COL_DELAY] || v[COL_HOLD] || v[COL_SAMPLES];
}

static int add_labels(struct pprof *p, const struct run_model *m, const struct stack_entry *e,
		      Sample *s)
{
	const struct model_ring *ring = model_ring_by_number(&m->run, e->slot);
	int err = 0;

	err |= add_label(p, s, "kind", kind_name(e->kind), 0);
	err |= add_label(p, s, "pid", NULL, ring ? (__u32)ring->pid : e->tgid);
	if (ring) {
		char flags[256], name[320];

		setup_flags_str((__u32)ring->setup_flags.value, "|", flags, sizeof(flags));
		snprintf(name, sizeof(name), "pid %u fd %d [%s]", (unsigned int)ring->pid, ring->fd,
			 flags);
		err |= add_label(p, s, "ring", name, 0);
		err |= add_label(p, s, "fd", NULL, ring->fd);
		if (ring->comm && ring->comm[0])
			err |= add_label(p, s, "comm", ring->comm, 0);
	}
	if (e->kind == STACK_SAMPLE)
		err |= add_label(p, s, "uring_lock", e->slot != RING_SLOT_NONE ? "held" : "not held",
				 0);
	else
		err |= add_label(p, s, "path", path_name(e->path), 0);
	/* Contended stacks: who held the lock (read in the sampled episodes). */
	if (e->kind == STACK_CONTENDED && e->role != ROLE_NOT_READ)
		err |= add_label(p, s, "owner_role", owner_role_name(e->role), 0);
	return err ? -ENOMEM : 0;
}

static int add_sample(struct pprof *p, const struct run_model *m, const struct stack_entry *e,
		      bool show_addresses)
{
	struct pp_sample *ps = &p->samples[p->nr_samples];
	Sample *s = &ps->msg;
	size_t f, i;

	if (!entry_values(m, e, ps->values))
		return 0;
	perftools__profiles__sample__init(s);
	s->value = ps->values;
	s->n_value = p->nr_columns;
	for (i = 0; i < MAX_LABELS; i++)
		ps->label_ptrs[i] = &ps->labels[i];
	s->label = ps->label_ptrs;
	/* Leaf first: kernel frames (innermost first), then the user frames that called in. */
	s->location_id = p->loc_ids + p->nr_loc_ids;
	for (f = 0; f < e->nr_kframes + e->nr_uframes; f++) {
		bool kernel = f < e->nr_kframes;
		const char *name = kernel ? e->kframes[f] : e->uframes[f - e->nr_kframes];
		uint64_t id = location_id(p, name, kernel ? SIDE_KERNEL : SIDE_USER,
					  show_addresses);

		if (!id)
			return -ENOMEM;
		/* Unknown kernel frames in a row, once hidden, are one frame. */
		if (s->n_location_id && s->location_id[s->n_location_id - 1] == id && kernel &&
		    !strcmp(p->strs[p->locs[id - 1].fn.name], UNKNOWN_KERNEL))
			continue;
		s->location_id[s->n_location_id++] = id;
	}
	p->nr_loc_ids += s->n_location_id;
	if (add_labels(p, m, e, s))
		return -ENOMEM;
	p->nr_samples++;
	return 0;
}

static void pprof_free(struct pprof *p)
{
	size_t i;

	for (i = 0; i < p->nr_strs; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p->hash);
	free(p->loc_of[SIDE_KERNEL]);
	free(p->loc_of[SIDE_USER]);
	free(p->locs);
	free(p->loc_ids);
	free(p->samples);
}

/* The user mapping's name: the command's program, else a placeholder. */
static void user_mapping_name(const struct run_model *m, char *buf, size_t size)
{
	const char *cmd = m->target_command ? m->target_command : "";
	size_t len = strcspn(cmd, " ");

	if (!len) {
		snprintf(buf, size, "[user]");
		return;
	}
	snprintf(buf, size, "%.*s", (int)len, cmd);
}

/* Free-form text that pprof shows with -comments. */
static int add_comments(struct pprof *p, const struct run_model *m, int64_t *ids, size_t *nr)
{
	bool exact = m->exact_stacks;
	char text[4][512];
	size_t i, n = 0;

	snprintf(text[n++], sizeof(text[0]), "uringlockstat: io_uring ctx->uring_lock, kernel %s",
		 m->kernel ? m->kernel : "");
	if (m->target_command)
		snprintf(text[n++], sizeof(text[0]), "command: %s", m->target_command);
	if (m->label)
		snprintf(text[n++], sizeof(text[0]), "label: %s", m->label);
	snprintf(text[n++], sizeof(text[0]), "contentions and delay: %s",
		 exact ? "every acquisition and its wait (exact backend)"
		       : "contended acquisitions and their wait (contention backend)");
	for (i = 0; i < n; i++) {
		ids[i] = str_id(p, text[i]);
		if (ids[i] < 0)
			return -ENOMEM;
	}
	*nr = n;
	return 0;
}

/* Serialize the profile and gzip it; caller frees *out. */
static int encode(const Profile *profile, unsigned char **out, size_t *size)
{
	size_t len = perftools__profiles__profile__get_packed_size(profile);
	unsigned char *raw = malloc(len ? len : 1), *gz = NULL;
	z_stream z = {};
	int ret = -ENOMEM;

	if (!raw)
		return -ENOMEM;
	perftools__profiles__profile__pack(profile, raw);
	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		goto out;
	gz = malloc(deflateBound(&z, len) + 32);
	if (!gz)
		goto out_end;
	z.next_in = raw;
	z.avail_in = len;
	z.next_out = gz;
	z.avail_out = deflateBound(&z, len) + 32;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		ret = -EIO;
		free(gz);
		goto out_end;
	}
	*out = gz;
	*size = z.total_out;
	ret = 0;
out_end:
	deflateEnd(&z);
out:
	free(raw);
	return ret;
}

struct gz_buf {
	const unsigned char *data;
	size_t size;
};

static int write_gz(FILE *f, void *arg)
{
	const struct gz_buf *b = arg;

	return fwrite(b->data, 1, b->size, f) == b->size ? 0 : -EIO;
}

/* Everything but the samples and locations, which point into p. */
static int build_profile(struct pprof *p, const struct run_model *m, Profile *profile,
			 ValueType *types, ValueType **type_ptrs, ValueType *period_type,
			 Mapping *maps, Mapping **map_ptrs, int64_t *comments)
{
	char user_name[256];
	enum weight w;
	char why[256];
	size_t i;
	int64_t ids[2];

	for (i = 0; i < p->nr_columns; i++) {
		perftools__profiles__value_type__init(&types[i]);
		types[i].type = str_id(p, column_type[i]);
		types[i].unit = str_id(p, column_unit[i]);
		if (types[i].type < 0 || types[i].unit < 0)
			return -ENOMEM;
		type_ptrs[i] = &types[i];
	}
	profile->n_sample_type = p->nr_columns;
	profile->sample_type = type_ptrs;

	/* delay when a lock backend recorded stacks, else samples (as --weight's default). */
	if (weight_resolve(m, WEIGHT_DEFAULT, &w, why, sizeof(why)) || w != WEIGHT_SAMPLES)
		w = WEIGHT_WAIT;
	profile->default_sample_type = types[w == WEIGHT_SAMPLES ? COL_SAMPLES : COL_DELAY].type;
	perftools__profiles__value_type__init(period_type);
	if (w == WEIGHT_SAMPLES && model_period_ns(&m->run)) {
		ids[0] = str_id(p, "cpu");
		ids[1] = str_id(p, "nanoseconds");
		profile->period = (int64_t)model_period_ns(&m->run);
	} else {
		ids[0] = str_id(p, "contentions");
		ids[1] = str_id(p, "count");
		profile->period = 1;
	}
	period_type->type = ids[0];
	period_type->unit = ids[1];
	profile->period_type = period_type;

	user_mapping_name(m, user_name, sizeof(user_name));
	ids[0] = str_id(p, user_name);
	ids[1] = str_id(p, "[kernel.kallsyms]");
	for (i = 0; i < 2; i++) {
		perftools__profiles__mapping__init(&maps[i]);
		maps[i].id = i + 1;
		maps[i].filename = ids[i];
		/* Symbolized already: pprof must not look for the binaries. */
		maps[i].has_functions = true;
		map_ptrs[i] = &maps[i];
	}
	profile->n_mapping = 2;
	profile->mapping = map_ptrs;
	if (ids[0] < 0 || ids[1] < 0 || period_type->type < 0 || period_type->unit < 0)
		return -ENOMEM;
	return add_comments(p, m, comments, &profile->n_comment);
}

int pprof_write(const char *path, const struct run_model *m, bool show_addresses)
{
	struct out_file out;
	int ret = out_open(&out, path, NULL, 0);

	if (!ret)
		ret = pprof_write_out(&out, m, show_addresses);
	out_close(&out);
	return ret;
}

int pprof_write_out(struct out_file *out, const struct run_model *m, bool show_addresses)
{
	static const struct stack_set none;
	const struct stack_set *stacks = m->stacks ? m->stacks : &none;
	Profile profile = PERFTOOLS__PROFILES__PROFILE__INIT;
	ValueType types[NR_COLUMNS], *type_ptrs[NR_COLUMNS], period_type;
	Mapping maps[2], *map_ptrs[2];
	int64_t comments[4];
	Sample **sample_ptrs = NULL;
	Location **loc_ptrs = NULL;
	Function **fn_ptrs = NULL;
	struct pprof p = {};
	unsigned char *gz = NULL;
	size_t i, frames = 0, gz_size = 0;
	struct timespec now;
	int ret = -ENOMEM;

	p.nr_columns = model_backend_on(m, backend_name(BACKEND_SAMPLE)) ? NR_COLUMNS : COL_SAMPLES;
	for (i = 0; i < stacks->nr; i++)
		frames += stacks->entries[i].nr_kframes + stacks->entries[i].nr_uframes;
	p.cap_locs = frames;
	p.locs = calloc(frames ? frames : 1, sizeof(*p.locs));
	p.loc_ids = calloc(frames ? frames : 1, sizeof(*p.loc_ids));
	p.samples = calloc(stacks->nr ? stacks->nr : 1, sizeof(*p.samples));
	/* string_table[0] must be "". */
	if (!p.locs || !p.loc_ids || !p.samples || str_id(&p, "") != 0)
		goto out;
	for (i = 0; i < stacks->nr; i++) {
		if (add_sample(&p, m, &stacks->entries[i], show_addresses))
			goto out;
	}
	if (build_profile(&p, m, &profile, types, type_ptrs, &period_type, maps, map_ptrs,
			  comments))
		goto out;
	profile.comment = comments;

	sample_ptrs = calloc(p.nr_samples ? p.nr_samples : 1, sizeof(*sample_ptrs));
	loc_ptrs = calloc(p.nr_locs ? p.nr_locs : 1, sizeof(*loc_ptrs));
	fn_ptrs = calloc(p.nr_locs ? p.nr_locs : 1, sizeof(*fn_ptrs));
	if (!sample_ptrs || !loc_ptrs || !fn_ptrs)
		goto out;
	for (i = 0; i < p.nr_samples; i++)
		sample_ptrs[i] = &p.samples[i].msg;
	for (i = 0; i < p.nr_locs; i++) {
		loc_ptrs[i] = &p.locs[i].msg;
		fn_ptrs[i] = &p.locs[i].fn;
	}
	profile.n_sample = p.nr_samples;
	profile.sample = sample_ptrs;
	profile.n_location = p.nr_locs;
	profile.location = loc_ptrs;
	profile.n_function = p.nr_locs;
	profile.function = fn_ptrs;
	profile.n_string_table = p.nr_strs;
	profile.string_table = p.strs;
	clock_gettime(CLOCK_REALTIME, &now);
	profile.time_nanos = (int64_t)now.tv_sec * 1000000000ll + now.tv_nsec -
			     (int64_t)m->run.duration_ns;
	profile.duration_nanos = (int64_t)m->run.duration_ns;

	ret = encode(&profile, &gz, &gz_size);
	if (!ret)
		ret = out_write(out, write_gz, &(struct gz_buf){ gz, gz_size });
out:
	free(gz);
	free(sample_ptrs);
	free(loc_ptrs);
	free(fn_ptrs);
	pprof_free(&p);
	return ret;
}
