// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the pprof writer (src/render/pprof.c): the file is gunzipped and decoded back with
 * protobuf-c, then its sample types, samples, locations, labels and mappings are checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "proto/profile.pb-c.h"
#include "pprof_read.h"
#include "pprof.h"
#include "report.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__Sample Sample;


/* The live snapshot's model with the stacks, written as pprof (what the run does). */
static int write_report(const char *path, const struct report *rep, const struct stack_set *set,
			bool show_addresses)
{
	struct run_model m;
	int ret;

	assert_int_equal(model_from_report(rep, show_addresses, &m), 0);
	m.stacks = set;
	ret = pprof_write(path, &m, show_addresses);
	model_free(&m);
	return ret;
}

static char dir[] = "/tmp/test_pprof.XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	return rmdir(dir);
}

static size_t dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A report of one ring (slot 0: pid 100, fd 5, SINGLE_ISSUER|DEFER_TASKRUN). */
static struct report *new_report(bool exact, bool contention, bool sample)
{
	struct report *rep = calloc(1, sizeof(*rep) + sizeof(struct ring_report));

	assert_non_null(rep);
	rep->nr_rings = 1;
	rep->duration_ns = 1500000000ull;
	rep->backends[BACKEND_EXACT].active = exact;
	rep->paths_measured = exact;
	rep->holds_measured = exact;
	rep->backends[BACKEND_CONTENTION].active = contention;
	rep->kstacks = contention;
	rep->backends[BACKEND_SAMPLE].active = sample;
	rep->freq_hz = sample ? 99 : 0;
	snprintf(rep->kernel, sizeof(rep->kernel), "6.1.0-test");
	snprintf(rep->target_command, sizeof(rep->target_command), "/usr/bin/app --flag");
	rep->rings[0].slot = 0;
	rep->rings[0].info.ctx = 0xffff888012345678ull;
	rep->rings[0].info.tgid = 100;
	rep->rings[0].info.fd = 5;
	rep->rings[0].info.setup_flags = (1u << 12) | (1u << 13);
	snprintf(rep->rings[0].info.comm, sizeof(rep->rings[0].info.comm), "app");
	return rep;
}

static char **frames(const char *const *names, size_t nr)
{
	char **out = calloc(nr ? nr : 1, sizeof(char *));
	size_t i;

	assert_non_null(out);
	for (i = 0; i < nr; i++)
		out[i] = names[i] ? strdup(names[i]) : NULL;
	return out;
}

static void add_entry(struct stack_set *set, __u32 slot, __u32 kind, enum lock_path path,
		      __u64 count, __u64 wait, __u64 hold, const char *const *k, size_t nk,
		      const char *const *u, size_t nu)
{
	struct stack_entry *e;

	set->entries = realloc(set->entries, (set->nr + 1) * sizeof(*set->entries));
	assert_non_null(set->entries);
	e = &set->entries[set->nr++];
	memset(e, 0, sizeof(*e));
	e->slot = slot;
	e->tgid = 100;
	e->kind = kind;
	e->path = path;
	e->count = count;
	e->wait_ns = wait;
	e->hold_ns = hold;
	e->kframes = frames(k, nk);
	e->nr_kframes = nk;
	if (u) {
		e->uframes = frames(u, nu);
		e->nr_uframes = nu;
	}
}

/* Read a gzipped profile back. */
static Profile *load(const char *path)
{
	Profile *p = pprof_read(path);

	assert_true(p->n_string_table > 0);
	assert_string_equal(p->string_table[0], "");
	return p;
}

static const char *str(const Profile *p, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < p->n_string_table);
	return p->string_table[i];
}

static const Perftools__Profiles__Location *location(const Profile *p, uint64_t id)
{
	size_t i;

	for (i = 0; i < p->n_location; i++) {
		if (p->location[i]->id == id)
			return p->location[i];
	}
	fail_msg("no location %llu", (unsigned long long)id);
	return NULL;
}

static const char *location_name(const Profile *p, uint64_t id)
{
	const Perftools__Profiles__Location *l = location(p, id);
	size_t i;

	assert_int_equal(l->n_line, 1);
	for (i = 0; i < p->n_function; i++) {
		if (p->function[i]->id == l->line[0]->function_id)
			return str(p, p->function[i]->name);
	}
	fail_msg("no function %llu", (unsigned long long)l->line[0]->function_id);
	return NULL;
}

static const char *mapping_name(const Profile *p, uint64_t id)
{
	size_t i;

	for (i = 0; i < p->n_mapping; i++) {
		if (p->mapping[i]->id == id) {
			assert_true(p->mapping[i]->has_functions);
			return str(p, p->mapping[i]->filename);
		}
	}
	fail_msg("no mapping %llu", (unsigned long long)id);
	return NULL;
}

/* Column index of sample type `type`, -1 if none. */
static int column(const Profile *p, const char *type)
{
	size_t i;

	for (i = 0; i < p->n_sample_type; i++) {
		if (!strcmp(str(p, p->sample_type[i]->type), type))
			return i;
	}
	return -1;
}

/* String label `key` of a sample, NULL if absent. */
static const char *label_str(const Profile *p, const Sample *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n_label; i++) {
		if (!strcmp(str(p, s->label[i]->key), key))
			return s->label[i]->str ? str(p, s->label[i]->str) : NULL;
	}
	return NULL;
}

static bool label_num(const Profile *p, const Sample *s, const char *key, int64_t *out)
{
	size_t i;

	for (i = 0; i < s->n_label; i++) {
		if (!strcmp(str(p, s->label[i]->key), key) && !s->label[i]->str) {
			*out = s->label[i]->num;
			return true;
		}
	}
	return false;
}

/* The sample whose label `key` is `value`. */
static const Sample *sample_with(const Profile *p, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < p->n_sample; i++) {
		const char *v = label_str(p, p->sample[i], key);

		if (v && !strcmp(v, value))
			return p->sample[i];
	}
	fail_msg("no sample with %s=%s", key, value);
	return NULL;
}

static void assert_stack(const Profile *p, const Sample *s, const char *const *want, size_t nr)
{
	size_t i;

	assert_int_equal(s->n_location_id, nr);
	for (i = 0; i < nr; i++)
		assert_string_equal(location_name(p, s->location_id[i]), want[i]);
}

static const char *const K_SUBMIT[] = { "__mutex_lock.constprop.0", "mutex_lock",
					"io_submit_sqes", "__do_sys_io_uring_enter" };
static const char *const K_TCTX[] = { "__mutex_lock.constprop.0", "mutex_lock",
				      "__io_uring_add_tctx_node", "__do_sys_io_uring_enter" };
static const char *const U_WORKER[] = { "io_uring_enter", "worker_main", "start_thread" };

/* Contention backend: contended entries are the lock figures; frames leaf first, deduped. */
static void test_contention(void **state)
{
	struct report *rep = new_report(false, true, false);
	struct stack_set set = {};
	char path[256];
	const Sample *s;
	Profile *p;
	int64_t num;
	size_t i;
	static const char *const want_submit[] = {
		"__mutex_lock.constprop.0", "mutex_lock", "io_submit_sqes",
		"__do_sys_io_uring_enter", "io_uring_enter", "worker_main", "start_thread",
	};

	add_entry(&set, 0, STACK_CONTENDED, PATH_SUBMIT, 10, 5000, 0, K_SUBMIT, 4, U_WORKER, 3);
	add_entry(&set, 0, STACK_CONTENDED, PATH_TCTX, 2, 700, 0, K_TCTX, 4, U_WORKER, 3);
	snprintf(path, sizeof(path), "%s/c.pb.gz", dir);
	assert_int_equal(write_report(path, rep, &set, false), 0);
	assert_int_equal(dir_entries(), 1); /* no temp file left */
	p = load(path);

	assert_int_equal(p->n_sample_type, 3);
	assert_int_equal(column(p, "contentions"), 0);
	assert_string_equal(str(p, p->sample_type[0]->unit), "count");
	assert_int_equal(column(p, "delay"), 1);
	assert_string_equal(str(p, p->sample_type[1]->unit), "nanoseconds");
	assert_int_equal(column(p, "hold"), 2);
	assert_int_equal(column(p, "samples"), -1);
	assert_string_equal(str(p, p->default_sample_type), "delay");
	assert_int_equal(p->duration_nanos, 1500000000ll);
	assert_true(p->time_nanos > 0);
	assert_non_null(p->period_type);

	assert_int_equal(p->n_sample, 2);
	s = sample_with(p, "path", "submit");
	assert_int_equal(s->n_value, 3);
	assert_int_equal(s->value[0], 10);
	assert_int_equal(s->value[1], 5000);
	assert_int_equal(s->value[2], 0);
	assert_stack(p, s, want_submit, 7);
	assert_string_equal(label_str(p, s, "ring"), "pid 100 fd 5 [SINGLE_ISSUER|DEFER_TASKRUN]");
	assert_string_equal(label_str(p, s, "kind"), "contended");
	assert_string_equal(label_str(p, s, "comm"), "app");
	assert_true(label_num(p, s, "pid", &num));
	assert_int_equal(num, 100);
	assert_true(label_num(p, s, "fd", &num));
	assert_int_equal(num, 5);
	s = sample_with(p, "path", "tctx");
	assert_int_equal(s->value[0], 2);
	assert_int_equal(s->value[1], 700);

	/* 5 distinct kernel frames, 3 user ones: one Location and Function each. */
	assert_int_equal(p->n_location, 8);
	assert_int_equal(p->n_function, 8);
	for (i = 0; i < p->n_location; i++) {
		const char *name = location_name(p, p->location[i]->id);
		bool user = !strcmp(name, "io_uring_enter") || !strcmp(name, "worker_main") ||
			    !strcmp(name, "start_thread");

		assert_int_equal(p->location[i]->address, 0);
		assert_string_equal(mapping_name(p, p->location[i]->mapping_id),
				    user ? "/usr/bin/app" : "[kernel.kallsyms]");
	}
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set_free(&set);
	free(rep);
}

/* Exact backend with paths: exact entries carry count, wait and hold; contended ones drop. */
static void test_exact(void **state)
{
	struct report *rep = new_report(true, true, false);
	struct stack_set set = {};
	char path[256];
	const Sample *s;
	Profile *p;

	add_entry(&set, 0, STACK_EXACT, PATH_SUBMIT, 1000, 90000, 400000, K_SUBMIT, 4, NULL, 0);
	add_entry(&set, 0, STACK_CONTENDED, PATH_SUBMIT, 10, 5000, 0, K_SUBMIT, 4, NULL, 0);
	snprintf(path, sizeof(path), "%s/e.pb.gz", dir);
	assert_int_equal(write_report(path, rep, &set, false), 0);
	p = load(path);
	assert_int_equal(p->n_sample, 1);
	s = p->sample[0];
	assert_int_equal(s->value[0], 1000);
	assert_int_equal(s->value[1], 90000);
	assert_int_equal(s->value[2], 400000);
	assert_string_equal(label_str(p, s, "kind"), "exact");
	assert_string_equal(str(p, p->default_sample_type), "delay");
	assert_stack(p, s, K_SUBMIT, 4);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set_free(&set);
	free(rep);
}

/* Sample backend: a samples column, samples with and without a held lock. */
static void test_samples(void **state)
{
	struct report *rep = new_report(false, false, true);
	struct stack_set set = {};
	static const char *const k[] = { "io_submit_sqes", "__do_sys_io_uring_enter" };
	char path[256];
	const Sample *s;
	Profile *p;

	add_entry(&set, 0, STACK_SAMPLE, PATH_OTHER, 7, 0, 0, k, 2, U_WORKER, 3);
	add_entry(&set, RING_SLOT_NONE, STACK_SAMPLE, PATH_OTHER, 3, 0, 0, NULL, 0, U_WORKER, 3);
	snprintf(path, sizeof(path), "%s/s.pb.gz", dir);
	assert_int_equal(write_report(path, rep, &set, false), 0);
	p = load(path);
	assert_int_equal(p->n_sample_type, 4);
	assert_int_equal(column(p, "samples"), 3);
	assert_string_equal(str(p, p->default_sample_type), "samples");
	assert_string_equal(str(p, p->period_type->type), "cpu");
	assert_string_equal(str(p, p->period_type->unit), "nanoseconds");
	assert_int_equal(p->period, 1000000000ll / 99);
	assert_int_equal(p->n_sample, 2);
	s = sample_with(p, "uring_lock", "held");
	assert_int_equal(s->n_value, 4);
	assert_int_equal(s->value[0], 0);
	assert_int_equal(s->value[1], 0);
	assert_int_equal(s->value[3], 7);
	assert_non_null(label_str(p, s, "ring"));
	assert_null(label_str(p, s, "path"));
	s = sample_with(p, "uring_lock", "not held");
	assert_int_equal(s->value[3], 3);
	assert_null(label_str(p, s, "ring"));
	assert_stack(p, s, U_WORKER, 3);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set_free(&set);
	free(rep);
}

/* Unknown kernel frames are addresses: hidden unless show_addresses. */
static void test_addresses(void **state)
{
	struct report *rep = new_report(false, true, false);
	struct stack_set set = {};
	static const char *const k[] = { "__mutex_lock.constprop.0", "0xffffffff81234567",
					 "0xffffffff8123abcd", "__do_sys_io_uring_enter", NULL };
	static const char *const hidden[] = { "__mutex_lock.constprop.0", "[unknown kernel]",
					      "__do_sys_io_uring_enter", "?", "0x7f0012345678" };
	static const char *const shown[] = { "__mutex_lock.constprop.0", "0xffffffff81234567",
					     "0xffffffff8123abcd", "__do_sys_io_uring_enter", "?",
					     "0x7f0012345678" };
	static const char *const u[] = { "0x7f0012345678" };
	char path[256];
	Profile *p;
	size_t i;

	add_entry(&set, 0, STACK_CONTENDED, PATH_SUBMIT, 1, 100, 0, k, 5, u, 1);
	snprintf(path, sizeof(path), "%s/a.pb.gz", dir);
	assert_int_equal(write_report(path, rep, &set, false), 0);
	p = load(path);
	assert_stack(p, p->sample[0], hidden, 5);
	for (i = 0; i < p->n_string_table; i++)
		assert_null(strstr(p->string_table[i], "0xffff"));
	perftools__profiles__profile__free_unpacked(p, NULL);

	assert_int_equal(write_report(path, rep, &set, true), 0);
	p = load(path);
	assert_stack(p, p->sample[0], shown, 6);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set_free(&set);
	free(rep);
}

/* No stacks still make a valid profile; an unwritable path is an error and leaves nothing. */
static void test_empty_and_errors(void **state)
{
	struct report *rep = new_report(false, true, false);
	struct stack_set set = {};
	char path[256];
	size_t before;
	Profile *p;

	snprintf(path, sizeof(path), "%s/empty.pb.gz", dir);
	assert_int_equal(write_report(path, rep, &set, false), 0);
	p = load(path);
	assert_int_equal(p->n_sample, 0);
	assert_int_equal(p->n_sample_type, 3);
	perftools__profiles__profile__free_unpacked(p, NULL);

	before = dir_entries();
	snprintf(path, sizeof(path), "%s/missing/x.pb.gz", dir);
	assert_int_equal(write_report(path, rep, &set, false), -ENOENT);
	/* The target is a directory: rename fails, the temp file goes. */
	snprintf(path, sizeof(path), "%s/adir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_true(write_report(path, rep, &set, false) < 0);
	assert_int_equal(dir_entries(), before + 1);
	assert_int_equal(rmdir(path), 0);
	free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contention),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_empty_and_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
