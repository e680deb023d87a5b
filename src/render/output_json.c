// SPDX-License-Identifier: GPL-2.0
/* The JSON report (schema uringlockstat/1), built with jansson. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "atomic.h"
#include "output.h"
#include "flags.h"
#include "stats.h"
#include "fields.h"
#include "model.h"

static json_t *json_u64(__u64 v)
{
	/* JSON integers are signed 64-bit in jansson; no counter here comes near 2^63. */
	return json_integer((json_int_t)v);
}

/* A JSON string from bytes that may not be UTF-8 (a comm cut mid-character, argv). */
static json_t *json_text(const char *text)
{
	size_t len = strlen(text), i = 0, o = 0;
	json_t *str;
	char *clean;

	str = json_string(text);
	if (str)
		return str;
	clean = malloc(len * 3 + 1);
	if (!clean)
		return json_null();
	while (i < len) {
		unsigned char c = text[i];
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		json_t *probe = NULL;

		if (n > 1 && i + n <= len)
			probe = json_stringn(text + i, n);
		if (n == 1 || probe) {
			memcpy(clean + o, text + i, n);
			o += n;
			i += n;
		} else {
			/* U+FFFD REPLACEMENT CHARACTER for each byte that is not valid UTF-8. */
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
		json_decref(probe);
	}
	clean[o] = '\0';
	str = json_stringn(clean, o);
	free(clean);
	return str ? str : json_null();
}

/* [lo, hi]: the 95% Wilson interval of k in n, or null when n is 0. */
static json_t *ci95_json(__u64 k, __u64 n)
{
	double lo, hi;

	return stats_wilson95(k, n, &lo, &hi) ? json_pack("[f,f]", lo, hi) : json_null();
}

/* {PATH: count} of the kernel paths with a count (PATH_COUNT counts). */
static json_t *path_counts_json(const __u64 *by_path)
{
	json_t *o = json_object();
	int p;

	for (p = 0; p < PATH_COUNT; p++) {
		if (by_path[p])
			json_object_set_new(o, path_name(p), json_u64(by_path[p]));
	}
	return o;
}

/* The ring's setup flags by name: the model's '|'-joined names, split. */
static json_t *flags_json(const char *flags)
{
	json_t *arr = json_array();
	const char *p = flags ? flags : "";

	while (*p) {
		size_t n = strcspn(p, "|");

		json_array_append_new(arr, json_stringn(p, n));
		p += n + (p[n] == '|');
	}
	return arr;
}

static json_t *summary_json(const struct model_summary *s)
{
	const struct hist_summary *h = &s->ns;

	if (!s->valid)
		return json_null();
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "total", json_u64(h->total), "count",
			 json_u64(h->count), "p50", json_u64(h->p50), "p90", json_u64(h->p90),
			 "p99", json_u64(h->p99), "max", json_u64(h->max));
}

static json_t *count_json(const struct model_count *c)
{
	return c->valid ? json_u64(c->value) : json_null();
}

/*
 * Who blocks whom: the sampled contention episodes (owner and waiter stack read in one of
 * OWNER_SAMPLE_EVERY) by the lock owner's role and by the waiter's kernel path, each share with
 * its 95% interval; per path the owners' episodes and the estimate of all its contended
 * episodes (share times contended).
 */
static json_t *owner_json(const struct model_ring *r)
{
	const __u64(*m)[PATH_COUNT] = (const __u64(*)[PATH_COUNT])r->owner_matrix;
	__u64 reads = owner_matrix_reads(m);
	json_t *roles = json_object(), *by_path = json_object();
	int role, p;

	for (role = 0; role < ROLE_COUNT; role++) {
		__u64 n = owner_matrix_role(m, role);

		if (!n || role == ROLE_NOT_READ)
			continue;
		json_object_set_new(roles, owner_role_name(role),
				    json_pack("{s:o,s:f,s:o}", "episodes", json_u64(n), "share",
					      (double)n / (double)reads, "ci95", ci95_json(n, reads)));
	}
	for (p = 0; p < PATH_COUNT; p++) {
		__u64 n = owner_matrix_path(m, p);
		json_t *owners;

		if (!n)
			continue;
		owners = json_object();
		for (role = 0; role < ROLE_COUNT; role++) {
			if (m[role][p])
				json_object_set_new(owners, owner_role_name(role),
						    json_u64(m[role][p]));
		}
		json_object_set_new(by_path, path_name(p),
				    json_pack("{s:o,s:f,s:o,s:f,s:o}", "episodes", json_u64(n), "share",
					      (double)n / (double)reads, "ci95", ci95_json(n, reads),
					      "contended_estimate",
					      (double)r->contended.value * (double)n / (double)reads,
					      "owners", owners));
	}
	return json_pack("{s:i,s:o,s:o,s:o}", "owner_read_every", OWNER_SAMPLE_EVERY,
			 "owner_reads", json_u64(reads), "roles", roles, "by_waiter_path", by_path);
}

/* The exact backend's figures per kernel path ({} when it did not run or without --paths). */
static json_t *paths_json(const struct model_ring *r)
{
	json_t *paths = json_object();
	size_t i;

	for (i = 0; i < r->nr_paths; i++) {
		const struct model_path *p = &r->paths[i];

		json_object_set_new(paths, p->name,
				    json_pack("{s:o,s:o,s:o,s:o}", "acquisitions",
					      json_u64(p->acquisitions), "contended",
					      count_json(&p->contended), "wait_ns",
					      count_json(&p->wait_ns), "hold_ns",
					      count_json(&p->hold_ns)));
	}
	return paths;
}

/*
 * One field of the table (src/model/fields.c) of obj, a ring or a run: run is the run it
 * belongs to (the run's samples and frequency), ring the ring or NULL.
 */
static json_t *top_json(const struct field *f, const struct run_model *m,
		       const struct model_run *run);

static json_t *field_json(const struct field *f, const void *obj, const struct model_run *run,
			  const struct model_ring *ring, const struct run_model *m)
{
	const bool *valid = field_at(obj, f->off);
	const __u64 *by_path = field_at(obj, f->off2);
	bool samples = run->samples.valid && run->samples.value;
	/* Only the FK_ELIDED kinds have their path counts at off2. */
	bool elided_kind = f->kind == FK_ELIDED || f->kind == FK_ELIDED_SHARE ||
			   f->kind == FK_ELIDED_CI95;
	__u64 elided = elided_kind ? lock_samples_elided(by_path) : 0;
	double lo, hi;
	json_t *arr;
	int p;

	switch (f->kind) {
	case FK_INT:
		return json_integer(*(const int *)field_at(obj, f->off));
	case FK_COUNT:
		return count_json(field_at(obj, f->off));
	case FK_BOOL: {
		const struct model_bool *b = field_at(obj, f->off);

		return b->valid ? json_boolean(b->value) : json_null();
	}
	case FK_STRING: {
		const char *text = *(char *const *)field_at(obj, f->off);

		return text ? json_text(text) : json_null();
	}
	case FK_SUMMARY:
		return summary_json(field_at(obj, f->off));
	case FK_SHARE:
		return *valid ? json_real(*(const double *)field_at(obj, f->off2)) : json_null();
	case FK_PATH_COUNTS:
		return *valid ? path_counts_json(by_path) : json_null();
	case FK_FLAGS:
		return flags_json(*(char *const *)field_at(obj, f->off));
	case FK_PATHS:
		return paths_json(ring);
	case FK_OWNER_MATRIX:
		return *valid ? owner_json(ring) : json_null();
	case FK_CONST:
		return json_string(f->text);
	case FK_CI95: {
		const struct model_count *k = field_at(obj, f->off), *n = field_at(obj, f->off2);

		return k->valid && n->valid ? ci95_json(k->value, n->value) : json_null();
	}
	case FK_ELIDED:
		return *valid ? json_u64(elided) : json_null();
	case FK_ELIDED_SHARE:
		return *valid && samples ? json_real((double)elided / run->samples.value)
					 : json_null();
	case FK_ELIDED_CI95:
		return *valid && run->samples.valid ? ci95_json(elided, run->samples.value)
						    : json_null();
	case FK_ELIDED_PATHS:
		arr = json_array();
		for (p = 0; p < PATH_COUNT; p++) {
			if (path_elided(p))
				json_array_append_new(arr, json_string(path_name(p)));
		}
		return arr;
	case FK_U64:
		return json_u64(*(const __u64 *)field_at(obj, f->off));
	case FK_FLAG:
		return json_boolean(*(const bool *)field_at(obj, f->off));
	case FK_SCHEMA:
	case FK_CLOCK:
	case FK_TARGET:
	case FK_BACKENDS:
	case FK_OPT_INS:
	case FK_LOST:
	case FK_OVERHEAD:
	case FK_PROGRAMS:
	case FK_SAMPLED:
	case FK_RINGS:
	case FK_REPEATS:
		return top_json(f, m, field_at(obj, f->off));
	case FK_HOLD_CI95: {
		const struct model_count *held_ns = field_at(obj, f->off);
		__u64 period = model_period_ns(run);

		return held_ns->valid && period &&
		       sampled_hold_ci95(held_ns->value / period, run->samples.value,
					 (__u32)run->freq_hz.value, &lo, &hi)
			       ? json_pack("[f,f]", lo, hi) : json_null();
	}
	}
	return json_null();
}

/* Is the field written? Some are left out rather than null (see fields.h). */
static bool field_written(const struct field *f, const void *obj, const struct model_ring *ring,
			  const struct run_model *m)
{
	if ((f->flags & FIELD_EXACT) && !(ring && ring->exact))
		return false;
	if ((f->flags & FIELD_IF_SET) && !*(char *const *)field_at(obj, f->off))
		return false;
	if (f->kind == FK_PROGRAMS)
		return m->has_programs;
	if (f->kind == FK_REPEATS)
		return m->nr_repeats != 0;
	return true;
}

/* The fields of a table, in its order, as an object (m: the model they belong to). */
static json_t *fields_json(const struct field *table, size_t nr, const void *obj,
			   const struct model_run *run, const struct model_ring *ring,
			   const struct run_model *m)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct field *f = &table[i];

		if (!field_written(f, obj, ring, m))
			continue;
		/* "repeat", how many, goes with "repeats". */
		if (f->kind == FK_REPEATS)
			json_object_set_new(o, "repeat", json_integer((json_int_t)m->nr_repeats));
		json_object_set_new(o, f->key, field_json(f, obj, run, ring, m));
	}
	return o;
}

/*
 * The profiler's own cost: its BPF programs' runs and run time (kernel.bpf_stats_enabled;
 * the dispatch around each run is not in it), per second, per run, and as a share of the
 * target's CPU time: every one of these but measured and reason is null when not measured.
 * Then the snapshots: how many, and the profiler's CPU time in them (total and the most).
 */
static json_t *overhead_json(const struct overhead *o, __u64 duration_ns)
{
	double secs = duration_ns / 1e9;
	json_t *j, *snap;

	/* The target's CPU time is known without the programs' run times. */
	if (!o->measured)
		j = json_pack("{s:b,s:s,s:n,s:n,s:n,s:n,s:o,s:o,s:n}", "measured", 0, "reason",
			      o->why[0] ? o->why : "not measured", "bpf_runs", "bpf_run_ns",
			      "ns_per_run", "bpf_ns_per_s", "target_cpu_ns",
			      o->target_cpu_ns ? json_u64(o->target_cpu_ns) : json_null(),
			      "target_cpu_source", json_text(o->target_cpu_source),
			      "share_of_target_cpu");
	else
		j = json_pack("{s:b,s:n,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "measured", 1, "reason",
			      "bpf_runs", json_u64(o->runs), "bpf_run_ns", json_u64(o->run_ns),
			      "ns_per_run", o->runs ? json_real((double)o->run_ns / o->runs) :
			      json_null(),
			      "bpf_ns_per_s", secs > 0 ? json_real(o->run_ns / secs) : json_null(),
			      "target_cpu_ns", o->target_cpu_ns ? json_u64(o->target_cpu_ns) :
			      json_null(),
			      "target_cpu_source", json_text(o->target_cpu_source),
			      "share_of_target_cpu", o->target_cpu_ns ?
			      json_real((double)o->run_ns / o->target_cpu_ns) : json_null());
	/* The snapshots' CPU time in the profiler (user space and its system calls). */
	snap = json_pack("{s:o,s:o,s:o}", "snapshots", json_u64(o->snapshots), "snapshot_cpu_ns",
			 json_u64(o->snapshot_cpu_ns), "snapshot_cpu_ns_max",
			 json_u64(o->snapshot_cpu_ns_max));
	if (j && snap)
		json_object_update(j, snap);
	json_decref(snap);
	return j;
}

/* The target: the process or every one, the command, and the run's exit status. */
static json_t *target_json(const struct run_model *m)
{
	json_t *target = json_object();

	if (m->target_all)
		json_object_set_new(target, "all", json_true());
	else
		json_object_set_new(target, "pid", count_json(&m->target_pid));
	if (m->target_command)
		json_object_set_new(target, "command", json_text(m->target_command));
	json_object_set_new(target, "exit_status", count_json(&m->run.exit_status));
	return target;
}

static json_t *backends_json(const struct run_model *m)
{
	json_t *backends = json_object();
	size_t i;

	for (i = 0; i < m->nr_backends; i++)
		json_object_set_new(backends, m->backends[i].name,
				    json_pack("{s:b,s:o}", "active", m->backends[i].active,
					      "reason", json_text(m->backends[i].reason ?
								  m->backends[i].reason : "")));
	return backends;
}

/* Figures left out for their cost: the option that adds each, and what it costs. */
static json_t *opt_in_json(const struct run_model *m)
{
	json_t *opt_in = json_array();
	size_t i;

	for (i = 0; i < m->nr_opt_ins; i++)
		json_array_append_new(opt_in, json_pack("{s:o,s:o,s:o}", "figure",
				      json_text(m->opt_ins[i].figure), "option",
				      json_text(m->opt_ins[i].option), "cost",
				      json_text(m->opt_ins[i].cost)));
	return opt_in;
}

static json_t *lost_json(const struct run_model *m)
{
	json_t *lost = json_object();
	size_t i;

	for (i = 0; i < m->nr_lost; i++)
		json_object_set_new(lost, m->lost[i].name, json_u64(m->lost[i].value));
	return lost;
}

static json_t *programs_json(const struct run_model *m)
{
	json_t *programs = json_object();
	size_t i;

	for (i = 0; i < m->nr_programs; i++) {
		const struct model_program *c = &m->programs[i];

		json_object_set_new(programs, c->name,
				    json_pack("{s:o,s:o,s:o,s:o}", "runs", json_u64(c->runs),
					      "run_ns", json_u64(c->run_ns), "ns_per_run",
					      c->runs ? json_real((double)c->run_ns / c->runs)
						      : json_null(),
					      "misses", json_u64(c->misses)));
	}
	return programs;
}

static json_t *rings_json(const struct model_run *run, const struct run_model *m)
{
	json_t *rings = json_array();
	size_t i;

	for (i = 0; i < run->nr_rings; i++)
		json_array_append_new(rings, fields_json(ring_fields, nr_ring_fields,
							 &run->rings[i], run, &run->rings[i], m));
	return rings;
}

static json_t *repeats_json(const struct run_model *m)
{
	json_t *repeats = json_array();
	size_t i;

	for (i = 0; i < m->nr_repeats; i++)
		json_array_append_new(repeats, fields_json(repeat_fields, nr_repeat_fields,
							   &m->repeats[i], &m->repeats[i], NULL, m));
	return repeats;
}

/* The fields of the top level and of repeats that hold objects of their own. */
static json_t *top_json(const struct field *f, const struct run_model *m,
		       const struct model_run *run)
{
	switch (f->kind) {
	case FK_SCHEMA:
		return json_string(f->text);
	case FK_CLOCK:
		return json_string(m->clock_instructions ? "instructions" : "wall");
	case FK_TARGET:
		return target_json(m);
	case FK_BACKENDS:
		return backends_json(m);
	case FK_OPT_INS:
		return opt_in_json(m);
	case FK_LOST:
		return lost_json(m);
	case FK_OVERHEAD:
		return overhead_json(&m->overhead, m->run.duration_ns);
	case FK_PROGRAMS:
		return programs_json(m);
	case FK_SAMPLED:
		/* The sample backend's estimates (sampled_fields), null when it did not sample. */
		return run->has_sampled ? fields_json(sampled_fields, nr_sampled_fields, run, run,
						      NULL, m) : json_null();
	case FK_RINGS:
		return rings_json(run, m);
	case FK_REPEATS:
		return repeats_json(m);
	default:
		return json_null();
	}
}

json_t *model_to_json(const struct run_model *m)
{
	return fields_json(report_fields, nr_report_fields, m, &m->run, NULL, m);
}

int output_check_writable(const char *path, char *err, size_t err_size)
{
	struct out_file out;
	int ret = out_open(&out, path, err, err_size);

	out_close(&out);
	return ret;
}

static int dump_json(FILE *f, void *root)
{
	return json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', f) == EOF
		       ? -EIO
		       : 0;
}

int json_write_out(json_t *root, struct out_file *out)
{
	return out_write(out, dump_json, root);
}
