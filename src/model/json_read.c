// SPDX-License-Identifier: GPL-2.0
/*
 * Read a saved JSON report back (jansson), checking every field compare and report use: a
 * report is evidence in a CI gate, so a damaged one must stop the gate with a precise reason
 * rather than be half-read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "fmt.h"
#include "json_read.h"
#include "json_get.h"
#include "report.h"
#include "fields.h"


/* "clock": "wall" or "instructions"; reports written before it have none (wall). */
static int read_clock(struct reader *r, json_t *root, struct run_model *rep)
{
	char *clock;
	int ret = 0;

	if (jr_get_string(r, root, "clock", "", 0, &clock))
		return -1;
	if (clock && !strcmp(clock, "instructions"))
		rep->clock_instructions = true;
	else if (clock && strcmp(clock, "wall"))
		ret = jr_fail(r, "", "clock", "\"%s\" is neither \"wall\" nor \"instructions\"",
			      clock);
	free(clock);
	return ret;
}

/* "sampled" of a run: its estimates (sampled_fields), or null without samples. */
static int read_sampled(struct reader *r, json_t *obj, const char *where, struct model_run *run)
{
	json_t *sampled;
	char w[192];
	int ret;

	sampled = jr_get_object(r, obj, "sampled", where, F_NULLABLE, &ret);
	if (!sampled)
		return ret;
	jr_sub(w, sizeof(w), where, "sampled");
	run->has_sampled = true;
	return jr_read_fields(r, sampled, w, sampled_fields, nr_sampled_fields, run, NULL);
}

/* "rings" of a run, each by ring_fields; then indexed for compare. */
static int read_rings(struct reader *r, json_t *obj, const char *where, struct model_run *run)
{
	json_t *rings, *ring;
	char w[192];
	size_t i;
	int ret;

	rings = jr_get_array(r, obj, "rings", where, F_REQUIRED, &ret);
	if (!rings)
		return -1;
	if (!json_array_size(rings))
		return 0;
	run->rings = calloc(json_array_size(rings), sizeof(*run->rings));
	if (!run->rings)
		return jr_fail(r, where, "rings", "out of memory");
	json_array_foreach(rings, i, ring) {
		run->nr_rings = i + 1;
		jr_where_fmt(w, sizeof(w), "%s%srings[%zu]", where, where[0] ? "." : "", i);
		run->rings[i].number = i;
		if (jr_read_ring(r, ring, w, &run->rings[i]))
			return -1;
	}
	return model_index_rings(run) ? jr_fail(r, where, "rings", "out of memory") : 0;
}

static int read_target(struct reader *r, json_t *root, struct run_model *rep)
{
	struct model_bool all;
	json_t *target;
	int ret;

	target = jr_get_object(r, root, "target", "", F_NULLABLE, &ret);
	if (!target)
		return ret;
	if (jr_get_bool(r, target, "all", "target", F_NULLABLE, &all) ||
	    jr_get_count_max(r, target, "pid", "target", F_NULLABLE, INT_MAX, &rep->target_pid) ||
	    jr_get_string(r, target, "command", "target", F_NULLABLE, &rep->target_command) ||
	    jr_get_count_max(r, target, "exit_status", "target", F_NULLABLE, 255,
			     &rep->run.exit_status))
		return -1;
	rep->target_all = all.value;
	return 0;
}

static int read_backends(struct reader *r, json_t *root, struct run_model *rep)
{
	json_t *backends, *b;
	const char *name;
	char w[192];
	size_t i = 0;
	int ret;

	backends = jr_get_object(r, root, "backends", "", F_NULLABLE, &ret);
	if (!backends || !json_object_size(backends))
		return ret;
	rep->backends = calloc(json_object_size(backends), sizeof(*rep->backends));
	if (!rep->backends)
		return jr_fail(r, "", "backends", "out of memory");
	json_object_foreach(backends, name, b) {
		struct model_backend *sb = &rep->backends[i];
		struct model_bool active;

		rep->nr_backends = ++i;
		if (!json_is_object(b))
			return jr_fail(r, "backends", name, "is %s, want an object", jr_type_name(b));
		sb->name = strdup(name);
		if (!sb->name)
			return jr_fail(r, "backends", name, "out of memory");
		jr_sub(w, sizeof(w), "backends", name);
		if (jr_get_bool(r, b, "active", w, F_REQUIRED, &active) ||
		    jr_get_string(r, b, "reason", w, F_NULLABLE, &sb->reason))
			return -1;
		sb->active = active.value;
	}
	return 0;
}

/* "opt_in": figures the run left out for their cost (absent from older reports). */
static int read_opt_ins(struct reader *r, json_t *root, struct run_model *rep)
{
	json_t *arr, *o;
	char w[64];
	size_t i;
	int ret;

	arr = jr_get_array(r, root, "opt_in", "", F_NULLABLE, &ret);
	if (!arr || !json_array_size(arr))
		return ret;
	rep->opt_ins = calloc(json_array_size(arr), sizeof(*rep->opt_ins));
	if (!rep->opt_ins)
		return jr_fail(r, "", "opt_in", "out of memory");
	json_array_foreach(arr, i, o) {
		struct model_opt_in *oi = &rep->opt_ins[i];

		rep->nr_opt_ins = i + 1;
		jr_where_fmt(w, sizeof(w), "opt_in[%zu]", i);
		if (!json_is_object(o))
			return jr_fail(r, w, NULL, "is %s, want an object", jr_type_name(o));
		if (jr_get_string(r, o, "figure", w, F_REQUIRED, &oi->figure) ||
		    jr_get_string(r, o, "option", w, F_REQUIRED, &oi->option) ||
		    jr_get_string(r, o, "cost", w, F_REQUIRED, &oi->cost))
			return -1;
	}
	return 0;
}

static int read_lost(struct reader *r, json_t *root, struct run_model *rep)
{
	const char *name;
	json_t *lost, *v;
	size_t i = 0;
	int ret;

	lost = jr_get_object(r, root, "lost", "", F_NULLABLE, &ret);
	if (!lost || !json_object_size(lost))
		return ret;
	rep->lost = calloc(json_object_size(lost), sizeof(*rep->lost));
	if (!rep->lost)
		return jr_fail(r, "", "lost", "out of memory");
	json_object_foreach(lost, name, v) {
		struct model_counter *c = &rep->lost[i];
		struct model_count n;

		rep->nr_lost = ++i;
		c->name = strdup(name);
		if (!c->name)
			return jr_fail(r, "lost", name, "out of memory");
		if (jr_get_count(r, lost, name, "lost", F_REQUIRED, &n))
			return -1;
		c->value = n.value;
	}
	return 0;
}

/* The profiler's own cost (absent from older reports); the derived members are not read. */
static int read_overhead(struct reader *r, json_t *root, struct run_model *rep)
{
	struct model_count runs, run_ns, cpu, snaps, snap_ns, snap_max;
	struct overhead *o = &rep->overhead;
	char *why = NULL, *source = NULL;
	struct model_bool measured;
	json_t *obj;
	int ret;

	obj = jr_get_object(r, root, "overhead", "", F_OPTIONAL, &ret);
	if (!obj)
		return ret;
	if (jr_get_bool(r, obj, "measured", "overhead", F_REQUIRED, &measured) ||
	    jr_get_string(r, obj, "reason", "overhead", F_NULLABLE, &why) ||
	    jr_get_count(r, obj, "bpf_runs", "overhead", F_NULLABLE, &runs) ||
	    jr_get_count(r, obj, "bpf_run_ns", "overhead", F_NULLABLE, &run_ns) ||
	    jr_get_count(r, obj, "target_cpu_ns", "overhead", F_NULLABLE, &cpu) ||
	    jr_get_string(r, obj, "target_cpu_source", "overhead", F_NULLABLE, &source) ||
	    jr_get_count(r, obj, "snapshots", "overhead", F_OPTIONAL, &snaps) ||
	    jr_get_count(r, obj, "snapshot_cpu_ns", "overhead", F_OPTIONAL, &snap_ns) ||
	    jr_get_count(r, obj, "snapshot_cpu_ns_max", "overhead", F_OPTIONAL, &snap_max)) {
		free(why);
		free(source);
		return -1;
	}
	rep->has_overhead = true;
	o->measured = measured.value && runs.valid && run_ns.valid;
	o->runs = runs.value;
	o->run_ns = run_ns.value;
	o->target_cpu_ns = cpu.valid ? cpu.value : 0;
	o->snapshots = snaps.valid ? snaps.value : 0;
	o->snapshot_cpu_ns = snap_ns.valid ? snap_ns.value : 0;
	o->snapshot_cpu_ns_max = snap_max.valid ? snap_max.value : 0;
	snprintf(o->why, sizeof(o->why), "%s", why ? why : "not measured");
	snprintf(o->target_cpu_source, sizeof(o->target_cpu_source), "%s",
		 source ? source : "unknown");
	/* The top level is run 1, whose CPU time the overhead gives. */
	o->target_cpu_rusage = cpu.valid && source && !strcmp(source, TARGET_CPU_RUSAGE);
	rep->run.target_cpu_ns.valid = o->target_cpu_rusage;
	rep->run.target_cpu_ns.value = o->target_cpu_rusage ? cpu.value : 0;
	free(why);
	free(source);
	return 0;
}

static int read_programs(struct reader *r, json_t *root, struct run_model *rep)
{
	json_t *programs, *p;
	const char *name;
	char w[192];
	size_t i = 0;
	int ret;

	programs = jr_get_object(r, root, "programs", "", F_NULLABLE, &ret);
	if (!programs)
		return ret;
	rep->has_programs = true;
	if (!json_object_size(programs))
		return 0;
	rep->programs = calloc(json_object_size(programs), sizeof(*rep->programs));
	if (!rep->programs)
		return jr_fail(r, "", "programs", "out of memory");
	json_object_foreach(programs, name, p) {
		struct model_program *sp = &rep->programs[i];
		struct model_count runs, run_ns, misses;

		rep->nr_programs = ++i;
		if (!json_is_object(p))
			return jr_fail(r, "programs", name, "is %s, want an object", jr_type_name(p));
		sp->name = strdup(name);
		if (!sp->name)
			return jr_fail(r, "programs", name, "out of memory");
		jr_sub(w, sizeof(w), "programs", name);
		if (jr_get_count(r, p, "runs", w, F_REQUIRED, &runs) ||
		    jr_get_count(r, p, "run_ns", w, F_REQUIRED, &run_ns) ||
		    jr_get_count(r, p, "misses", w, F_REQUIRED, &misses))
			return -1;
		sp->runs = runs.value;
		sp->run_ns = run_ns.value;
		sp->misses = misses.value;
	}
	return 0;
}

/*
 * The top level repeats run 1, which is also repeats[0]: report shows the top level, compare
 * reads the repeats. A file whose two copies differ (edited, damaged) is refused: either would
 * show figures the other does not.
 */
static int check_first_repeat(struct reader *r, json_t *root, json_t *first,
			      struct run_model *rep)
{
	const struct model_run *top = &rep->run, *one = &rep->repeats[0];
	static const char why[] = "differs from the top level's copy of run 1 (the file was "
				  "edited or damaged)";
	json_t *sampled = json_object_get(first, "sampled"), *top_sampled;

	if (!json_equal(json_object_get(root, "rings"), json_object_get(first, "rings")))
		return jr_fail(r, "repeats[0]", "rings", "%s", why);
	if (top->duration_ns != one->duration_ns)
		return jr_fail(r, "repeats[0]", "duration_ns", "%s", why);
	/* Older reports have no per-run CPU time. */
	if (one->target_cpu_ns.valid && (top->target_cpu_ns.valid != one->target_cpu_ns.valid ||
					 top->target_cpu_ns.value != one->target_cpu_ns.value))
		return jr_fail(r, "repeats[0]", "target_cpu_ns", "%s", why);
	if (top->partial != one->partial)
		return jr_fail(r, "repeats[0]", "partial", "%s", why);
	if (top->exit_status.valid != one->exit_status.valid ||
	    top->exit_status.value != one->exit_status.value)
		return jr_fail(r, "repeats[0]", "exit_status", "%s", why);
	/* Reports of earlier versions keep "sampled" at the top level only. */
	top_sampled = json_object_get(root, "sampled");
	if (sampled && !json_equal(sampled, top_sampled ? top_sampled : json_null()))
		return jr_fail(r, "repeats[0]", "sampled", "%s", why);
	return 0;
}

static int read_table(struct reader *r, json_t *obj, const char *where,
		      const struct field *table, size_t nr, void *base, struct run_model *rep);

static int read_repeats(struct reader *r, json_t *root, struct run_model *rep)
{
	struct model_count repeat;
	json_t *repeats, *one;
	char w[64];
	size_t i;
	int ret;

	if (jr_get_count_max(r, root, "repeat", "", F_NULLABLE, INT_MAX, &repeat))
		return -1;
	if (repeat.valid && !repeat.value)
		return jr_fail(r, "", "repeat", "0 is out of range [1, %d]", INT_MAX);
	repeats = jr_get_array(r, root, "repeats", "", F_NULLABLE, &ret);
	if (ret)
		return -1;
	if (!repeats) {
		if (repeat.valid && repeat.value != 1)
			return jr_fail(r, "", "repeat", "is %llu but there is no \"repeats\" array",
				       (unsigned long long)repeat.value);
		return 0;
	}
	if (!json_array_size(repeats))
		return jr_fail(r, "", "repeats", "is empty");
	if (repeat.valid && repeat.value != json_array_size(repeats))
		return jr_fail(r, "", "repeat", "is %llu but \"repeats\" holds %zu runs",
			       (unsigned long long)repeat.value, json_array_size(repeats));
	rep->repeats = calloc(json_array_size(repeats), sizeof(*rep->repeats));
	if (!rep->repeats)
		return jr_fail(r, "", "repeats", "out of memory");
	json_array_foreach(repeats, i, one) {
		rep->nr_repeats = i + 1;
		jr_where_fmt(w, sizeof(w), "repeats[%zu]", i);
		if (!json_is_object(one))
			return jr_fail(r, w, NULL, "is %s, want an object", jr_type_name(one));
		if (read_table(r, one, w, repeat_fields, nr_repeat_fields, &rep->repeats[i], rep))
			return -1;
	}
	return check_first_repeat(r, root, json_array_get(repeats, 0), rep);
}

/* Per-path figures are taken by the exact backend unless --paths was left out for its cost. */
static void paths_measured(struct run_model *rep)
{
	size_t i;

	rep->paths_measured = true;
	for (i = 0; i < rep->nr_opt_ins; i++) {
		if (rep->opt_ins[i].option && !strcmp(rep->opt_ins[i].option, "--paths"))
			rep->paths_measured = false;
	}
}

static int read_schema(struct reader *r, json_t *root)
{
	char *schema = NULL;
	int ret;

	if (jr_get_string(r, root, "schema", "", F_REQUIRED, &schema))
		return -1;
	ret = strcmp(schema, REPORT_SCHEMA);
	if (ret)
		jr_fail(r, "", "schema", "\"%s\" is not \"%s\"", schema, REPORT_SCHEMA);
	free(schema);
	return ret ? -1 : 0;
}

/*
 * The fields of a table (fields.c) in obj into base: the top level (base the model) or a run
 * of "repeats" (base the run); rep is the model. The objects of the top level have their
 * readers here, the rest json_read_ring.c.
 */
static int read_table(struct reader *r, json_t *obj, const char *where,
		      const struct field *table, size_t nr, void *base, struct run_model *rep)
{
	size_t i;
	int ret;

	for (i = 0; i < nr; i++) {
		const struct field *f = &table[i];
		struct model_run *run = field_at_mut(base, f->off);

		switch (f->kind) {
		case FK_SCHEMA:
			ret = read_schema(r, obj);
			break;
		case FK_CLOCK:
			ret = read_clock(r, obj, rep);
			break;
		case FK_TARGET:
			ret = read_target(r, obj, rep);
			break;
		case FK_BACKENDS:
			ret = read_backends(r, obj, rep);
			break;
		case FK_OPT_INS:
			ret = read_opt_ins(r, obj, rep);
			break;
		case FK_LOST:
			ret = read_lost(r, obj, rep);
			break;
		case FK_OVERHEAD:
			ret = read_overhead(r, obj, rep);
			break;
		case FK_PROGRAMS:
			ret = read_programs(r, obj, rep);
			break;
		case FK_SAMPLED:
			ret = read_sampled(r, obj, where, run);
			break;
		case FK_RINGS:
			ret = read_rings(r, obj, where, run);
			break;
		case FK_REPEATS:
			ret = read_repeats(r, obj, rep);
			break;
		default:
			ret = jr_read_fields(r, obj, where, f, 1, base, NULL);
			break;
		}
		if (ret)
			return -1;
	}
	return 0;
}

static int read_root(struct reader *r, json_t *root, struct run_model *rep)
{
	if (!json_is_object(root))
		return jr_fail(r, "top level", NULL, "is %s, want an object", jr_type_name(root));
	if (read_table(r, root, "", report_fields, nr_report_fields, rep, rep))
		return -1;
	paths_measured(rep);
	return 0;
}

int model_parse_json(const char *buf, size_t len, const char *name, struct run_model *rep,
		       char *err, size_t err_size)
{
	struct reader r = { .name = name, .err = err, .err_size = err_size };
	json_error_t jerr;
	json_t *root;
	size_t i;
	int ret;

	memset(rep, 0, sizeof(*rep));
	for (i = 0; i < len && buf[i] && strchr(" \t\r\n", buf[i]); i++)
		;
	if (i == len)
		return jr_fail(&r, "empty file", NULL, "no JSON in it");
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson's words for input that stops early, whatever the token before. */
		if (strstr(jerr.text, "end of file") || strstr(jerr.text, "premature end of input"))
			return jr_fail(&r, "truncated JSON", NULL, "%s", jerr.text);
		return jr_fail(&r, "not valid JSON", NULL, "line %d column %d: %s", jerr.line,
			       jerr.column, jerr.text);
	}
	ret = read_root(&r, root, rep);
	json_decref(root);
	if (ret)
		model_free(rep);
	return ret;
}

