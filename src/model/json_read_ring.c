// SPDX-License-Identifier: GPL-2.0
/*
 * A saved report's rings and sampled estimates read back into the model, by the field table
 * the writer also walks (fields.c), and the fields of composite kinds: flags, per-path
 * figures, path counts, the owner matrix.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "fields.h"
#include "json_get.h"

static int read_paths(struct reader *r, json_t *obj, const char *where, struct model_ring *ring)
{
	const char *name;
	json_t *paths, *p;
	char w[192];
	size_t i = 0;
	int ret;

	paths = jr_get_object(r, obj, "paths", where, F_NULLABLE, &ret);
	if (!paths)
		return ret;
	if (!json_object_size(paths))
		return 0;
	ring->paths = calloc(json_object_size(paths), sizeof(*ring->paths));
	if (!ring->paths)
		return jr_fail(r, where, "paths", "out of memory");
	jr_sub(w, sizeof(w), where, "paths");
	json_object_foreach(paths, name, p) {
		struct model_path *sp = &ring->paths[i];
		struct model_count acq;
		char wp[256];

		/* Counted first, so that model_free() sees every allocation. */
		ring->nr_paths = ++i;
		if (!json_is_object(p))
			return jr_fail(r, w, name, "is %s, want an object", jr_type_name(p));
		sp->name = strdup(name);
		if (!sp->name)
			return jr_fail(r, w, name, "out of memory");
		jr_sub(wp, sizeof(wp), w, name);
		if (jr_get_count(r, p, "acquisitions", wp, F_REQUIRED, &acq) ||
		    jr_get_count(r, p, "contended", wp, F_NULLABLE, &sp->contended) ||
		    jr_get_count(r, p, "wait_ns", wp, F_NULLABLE, &sp->wait_ns) ||
		    jr_get_count(r, p, "hold_ns", wp, F_NULLABLE, &sp->hold_ns))
			return -1;
		sp->acquisitions = acq.value;
	}
	return 0;
}

static int read_flags(struct reader *r, json_t *obj, const char *where, struct model_ring *ring)
{
	size_t i, len = 1;
	json_t *flags, *f;
	char w[192];
	int ret;

	flags = jr_get_array(r, obj, "flags", where, F_REQUIRED, &ret);
	if (!flags)
		return ret;
	json_array_foreach(flags, i, f) {
		if (!json_is_string(f)) {
			jr_where_fmt(w, sizeof(w), "%s.flags[%zu]", where, i);
			return jr_fail(r, w, NULL, "is %s, want a string", jr_type_name(f));
		}
		len += json_string_length(f) + 1;
	}
	ring->flags = malloc(len);
	if (!ring->flags)
		return jr_fail(r, where, "flags", "out of memory");
	ring->flags[0] = '\0';
	len = 0;
	json_array_foreach(flags, i, f) {
		size_t n = json_string_length(f);

		if (i)
			ring->flags[len++] = '|';
		memcpy(ring->flags + len, json_string_value(f), n);
		len += n;
		ring->flags[len] = '\0';
	}
	return 0;
}

/*
 * A {PATH: samples} object at key (absent from reports of earlier versions, or null): into
 * out (PATH_COUNT counts), *has set when present.
 */
static int read_path_counts(struct reader *r, json_t *obj, const char *key, const char *where,
			    __u64 *out, bool *has)
{
	json_t *by_path, *v;
	const char *name;
	char w[256];
	int ret;

	by_path = jr_get_object(r, obj, key, where, F_NULLABLE, &ret);
	if (!by_path)
		return ret;
	jr_sub(w, sizeof(w), where, key);
	json_object_foreach(by_path, name, v) {
		enum lock_path p = path_by_name(name);
		struct model_count n;

		if (p == PATH_COUNT)
			return jr_fail(r, w, name, "is not a kernel path this version knows");
		if (jr_get_count(r, by_path, name, w, F_REQUIRED, &n))
			return -1;
		out[p] = n.value;
	}
	*has = true;
	return 0;
}

/*
 * "contention_by_owner" (null without the contention backend; absent from reports of earlier
 * versions): by_waiter_path {PATH: {episodes, owners: {ROLE: episodes}}}.
 */
static int read_owner_matrix(struct reader *r, json_t *obj, const char *where,
			     struct model_ring *ring)
{
	json_t *top, *by_path, *p, *owners, *v;
	const char *name, *role_name;
	char w[256], wp[320], wo[400];
	int ret;

	top = jr_get_object(r, obj, "contention_by_owner", where, F_NULLABLE, &ret);
	if (!top)
		return ret;
	jr_sub(w, sizeof(w), where, "contention_by_owner");
	by_path = jr_get_object(r, top, "by_waiter_path", w, F_REQUIRED, &ret);
	if (!by_path)
		return -1;
	jr_sub(w, sizeof(w), w, "by_waiter_path");
	json_object_foreach(by_path, name, p) {
		enum lock_path path = path_by_name(name);

		if (path == PATH_COUNT)
			return jr_fail(r, w, name, "is not a kernel path this version knows");
		if (!json_is_object(p))
			return jr_fail(r, w, name, "is %s, want an object", jr_type_name(p));
		jr_sub(wp, sizeof(wp), w, name);
		owners = jr_get_object(r, p, "owners", wp, F_REQUIRED, &ret);
		if (!owners)
			return -1;
		jr_sub(wo, sizeof(wo), wp, "owners");
		json_object_foreach(owners, role_name, v) {
			int role = owner_role_by_name(role_name);
			struct model_count n;

			if (role == ROLE_COUNT)
				return jr_fail(r, wo, role_name, "is not an owner role this version "
					       "knows");
			if (jr_get_count(r, owners, role_name, wo, F_REQUIRED, &n))
				return -1;
			ring->owner_matrix[role][path] = n.value;
		}
	}
	ring->has_owner_matrix = true;
	return 0;
}

/* One field of the table (fields.c) into obj, a ring or a run; the writer's derived fields are skipped. */
static int read_field(struct reader *r, json_t *o, const char *where, const struct field *f,
		      void *obj, struct model_ring *ring)
{
	unsigned int flags = (f->flags & FIELD_NULLABLE) ? F_NULLABLE :
			     (f->flags & FIELD_OPTIONAL) ? F_OPTIONAL : F_REQUIRED;
	bool *valid = field_at_mut(obj, f->off);
	struct model_count c;
	json_int_t max = f->max ? (json_int_t)f->max : INT64_MAX;

	switch (f->kind) {
	case FK_INT:
		return jr_get_int(r, o, f->key, where, f->min, f->max, field_at_mut(obj, f->off));
	case FK_COUNT:
		if (f->max)
			return jr_get_count_max(r, o, f->key, where, flags, max,
						field_at_mut(obj, f->off));
		return jr_get_count(r, o, f->key, where, flags, field_at_mut(obj, f->off));
	case FK_BOOL:
		return jr_get_bool(r, o, f->key, where, flags, field_at_mut(obj, f->off));
	case FK_STRING:
		return jr_get_string(r, o, f->key, where, flags, field_at_mut(obj, f->off));
	case FK_SUMMARY:
		return jr_get_summary(r, o, f->key, where, field_at_mut(obj, f->off));
	case FK_SHARE:
		return jr_get_share(r, o, f->key, where, valid, field_at_mut(obj, f->off2));
	case FK_PATH_COUNTS:
		return read_path_counts(r, o, f->key, where, field_at_mut(obj, f->off2), valid);
	case FK_FLAGS:
		return read_flags(r, o, where, ring);
	case FK_U64:
		if (jr_get_count(r, o, f->key, where, F_REQUIRED, &c))
			return -1;
		*(__u64 *)field_at_mut(obj, f->off) = c.value;
		return 0;
	case FK_FLAG: {
		struct model_bool b;

		if (jr_get_bool(r, o, f->key, where, flags, &b))
			return -1;
		*(bool *)field_at_mut(obj, f->off) = b.value;
		return 0;
	}
	case FK_PATHS:
		return read_paths(r, o, where, ring);
	case FK_OWNER_MATRIX:
		return read_owner_matrix(r, o, where, ring);
	default:
		return 0;
	}
}

int jr_read_fields(struct reader *r, json_t *o, const char *where, const struct field *table,
		   size_t nr, void *obj, struct model_ring *ring)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (read_field(r, o, where, &table[i], obj, ring))
			return -1;
	}
	return 0;
}

int jr_read_ring(struct reader *r, json_t *obj, const char *where, struct model_ring *ring)
{
	size_t i;

	if (!json_is_object(obj))
		return jr_fail(r, where, NULL, "is %s, want an object", jr_type_name(obj));
	if (jr_read_fields(r, obj, where, ring_fields, nr_ring_fields, ring, ring))
		return -1;
	/* The exact backend's fields are written for its rings only. */
	for (i = 0; i < nr_ring_fields && !ring->exact; i++)
		ring->exact = (ring_fields[i].flags & FIELD_EXACT) &&
			      json_object_get(obj, ring_fields[i].key);
	if (ring->acquisitions_method && !strcmp(ring->acquisitions_method, "exact"))
		ring->exact = true;
	/* The count behind the share, which the file gives as the share and its base. */
	if (ring->has_owner_share && ring->owner_samples.valid)
		ring->owner_other_cpu = (struct model_count){
			true, (__u64)llround(ring->owner_other_cpu_share *
					     (double)ring->owner_samples.value) };
	return 0;
}

/* The fields of one run: the top level (exit status under "target") or a repeat. */

