// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the SVG flame graph writer (src/render/flamegraph.c). The SVG is read back with a
 * small scan of the attributes the writer emits, and checked for well-formedness by xmllint.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "flamegraph.h"

/* The layout the writer promises: the root spans 1180 px starting at x = 10. */
#define FULL_W 1180.0
#define XPAD 10.0

struct frame {
	char name[256];		/* as escaped in the SVG, possibly cut */
	unsigned long long value;
	unsigned int depth;
	double x;
	double width;
	char fill[32];
	char label[256];
	char tip[512];
};

struct graph {
	char *svg;
	size_t size;
	struct frame *frames;
	size_t nr;
};

static char *render(const struct folded_line *lines, size_t nr, const char *title,
		    const char *unit, size_t *size)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(flamegraph_write_svg(f, lines, nr, title, unit), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	if (size)
		*size = len;
	return buf;
}

/* Copy the value of attribute attr (e.g. " width=\"") found in [p, end) into out. */
static int attr(const char *p, const char *end, const char *name, char *out, size_t size)
{
	const char *a = memmem(p, end - p, name, strlen(name)), *q;
	size_t n;

	if (!a)
		return -1;
	a += strlen(name);
	q = memchr(a, '"', end - a);
	if (!q)
		return -1;
	n = q - a < (long)size - 1 ? (size_t)(q - a) : size - 1;
	memcpy(out, a, n);
	out[n] = '\0';
	return 0;
}

/* Copy the text between tag's '>' and the next '<' that follows p into out. */
static void inner_text(const char *p, const char *tag, char *out, size_t size)
{
	const char *a = strstr(p, tag), *b;
	size_t n;

	assert_non_null(a);
	a = strchr(a, '>');
	assert_non_null(a);
	a++;
	b = strchr(a, '<');
	assert_non_null(b);
	n = (size_t)(b - a) < size - 1 ? (size_t)(b - a) : size - 1;
	memcpy(out, a, n);
	out[n] = '\0';
}

/* Every frame, from <g class="f"><title>..</title><rect .../><text>..</text></g>. */
static void parse(struct graph *g)
{
	const char *p = g->svg;
	size_t cap = 0;

	g->frames = NULL;
	g->nr = 0;
	while ((p = strstr(p, "<g class=\"f\">"))) {
		const char *rect = strstr(p, "<rect "), *end;
		struct frame *f;
		char buf[64];

		assert_non_null(rect);
		end = strstr(rect, "/>");
		assert_non_null(end);
		if (g->nr == cap) {
			cap = cap ? cap * 2 : 64;
			g->frames = realloc(g->frames, cap * sizeof(*g->frames));
			assert_non_null(g->frames);
		}
		f = &g->frames[g->nr++];
		assert_int_equal(attr(rect, end, " data-name=\"", f->name, sizeof(f->name)), 0);
		assert_int_equal(attr(rect, end, " data-value=\"", buf, sizeof(buf)), 0);
		f->value = strtoull(buf, NULL, 10);
		assert_int_equal(attr(rect, end, " data-depth=\"", buf, sizeof(buf)), 0);
		f->depth = strtoul(buf, NULL, 10);
		assert_int_equal(attr(rect, end, " x=\"", buf, sizeof(buf)), 0);
		f->x = strtod(buf, NULL);
		assert_int_equal(attr(rect, end, " width=\"", buf, sizeof(buf)), 0);
		f->width = strtod(buf, NULL);
		assert_int_equal(attr(rect, end, " fill=\"", f->fill, sizeof(f->fill)), 0);
		inner_text(p, "<title", f->tip, sizeof(f->tip));
		inner_text(end, "<text", f->label, sizeof(f->label));
		p = end;
	}
}

static void load(struct graph *g, const struct folded_line *lines, size_t nr)
{
	g->svg = render(lines, nr, "test", "samples", &g->size);
	parse(g);
}

static void unload(struct graph *g)
{
	free(g->svg);
	free(g->frames);
}

static const struct frame *find(const struct graph *g, const char *name, unsigned int depth)
{
	const struct frame *found = NULL;
	size_t i;

	for (i = 0; i < g->nr; i++) {
		if (g->frames[i].depth == depth && !strcmp(g->frames[i].name, name)) {
			/* The tests only look up names that occur once at their depth. */
			assert_null(found);
			found = &g->frames[i];
		}
	}
	return found;
}

static void check_xmllint(const char *svg, size_t size)
{
	char path[] = "/tmp/test_flamegraph_XXXXXX";
	char cmd[128];
	int fd, rc;

	/* A skip, which tests/run-unit reports (and fails under CI), never a silent pass. */
	if (system("command -v xmllint >/dev/null 2>&1")) {
		print_message("xmllint (libxml2-utils) not found: the SVG is not validated\n");
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, svg, size), (ssize_t)size);
	close(fd);
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", path);
	rc = system(cmd);
	unlink(path);
	if (rc)
		fail_msg("xmllint rejected the SVG (status %d)", rc);
}

/*
 * The invariants every graph must satisfy: frames in pre-order with the root first spanning
 * the full width, each frame's children inside it and worth no more than it, every width
 * proportional to the value, siblings in name order.
 */
static void check_geometry(const struct graph *g, unsigned long long total)
{
	size_t *stack, sp = 0, i;
	unsigned long long *kids_sum;
	const char **last_kid;

	assert_true(g->nr > 0);
	assert_int_equal(g->frames[0].depth, 0);
	assert_string_equal(g->frames[0].name, "all");
	assert_int_equal(g->frames[0].value, total);
	assert_true(fabs(g->frames[0].x - XPAD) < 0.001);
	assert_true(fabs(g->frames[0].width - FULL_W) < 0.001);

	stack = calloc(g->nr, sizeof(*stack));
	kids_sum = calloc(g->nr, sizeof(*kids_sum));
	last_kid = calloc(g->nr, sizeof(*last_kid));
	assert_true(stack && kids_sum && last_kid);
	for (i = 0; i < g->nr; i++) {
		const struct frame *f = &g->frames[i];
		double want = (double)f->value / (double)total * FULL_W;

		if (fabs(f->width - want) > 0.01)
			fail_msg("%s: width %.3f, expected %.3f", f->name, f->width, want);
		if (f->width < 0.1 - 0.001)
			fail_msg("%s: %.3f px wide, should have been omitted", f->name, f->width);
		/* Pop to the parent: the last frame one level down. */
		while (sp && g->frames[stack[sp - 1]].depth >= f->depth)
			sp--;
		if (i) {
			size_t pi = stack[sp - 1];
			const struct frame *p = &g->frames[pi];

			assert_int_equal(f->depth, p->depth + 1);
			kids_sum[pi] += f->value;
			if (kids_sum[pi] > p->value)
				fail_msg("children of %s add up to %llu > %llu", p->name,
					 kids_sum[pi], p->value);
			if (f->x < p->x - 0.002 || f->x + f->width > p->x + p->width + 0.002)
				fail_msg("%s sticks out of %s", f->name, p->name);
			if (last_kid[pi] && strcmp(last_kid[pi], f->name) >= 0)
				fail_msg("%s after %s: not in name order", f->name, last_kid[pi]);
			last_kid[pi] = f->name;
		}
		stack[sp++] = i;
	}
	free(stack);
	free(kids_sum);
	free(last_kid);
}

static const struct folded_line sample[] = {
	{ "ring fd 4 [SINGLE_ISSUER];submit;main;io_uring_submit;entry_SYSCALL_64_[k];"
	  "do_syscall_64_[k];__do_sys_io_uring_enter_[k];mutex_lock_[k]", 1234 },
	{ "ring fd 4 [SINGLE_ISSUER];submit;main;io_uring_submit;entry_SYSCALL_64_[k];"
	  "do_syscall_64_[k];__do_sys_io_uring_enter_[k];io_submit_sqes_[k]", 800 },
	{ "ring fd 4 [SINGLE_ISSUER];task_work;worker_loop;io_uring_wait_cqe;"
	  "entry_SYSCALL_64_[k];do_syscall_64_[k];__do_sys_io_uring_enter_[k];"
	  "io_cqring_wait_[k];mutex_lock_[k]", 600 },
	{ "ring fd 7 [SQPOLL];sqpoll;io_sq_thread_[k];__io_sq_thread_[k];mutex_lock_[k]", 400 },
	{ "ring fd 7 [SQPOLL];register;io_uring_register_buffers;entry_SYSCALL_64_[k];"
	  "do_syscall_64_[k];__do_sys_io_uring_register_[k];mutex_lock_[k]", 150 },
};

#define NR_SAMPLE (sizeof(sample) / sizeof(sample[0]))
#define SAMPLE_TOTAL (1234 + 800 + 600 + 400 + 150)

static void test_well_formed(void **state)
{
	size_t size;
	char *svg = render(sample, NR_SAMPLE, "uring_lock wait", "ns waited", &size);

	(void)state;
	assert_int_equal(strncmp(svg, "<?xml version=\"1.0\"", 19), 0);
	assert_non_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
	/* No xlink is used, so none is declared. */
	assert_null(strstr(svg, "xlink"));
	assert_non_null(strstr(svg, "<script type=\"text/ecmascript\"><![CDATA["));
	assert_non_null(strstr(svg, ">uring_lock wait</text>"));
	assert_non_null(strstr(svg, ">Total: 3,184 ns waited</text>"));
	assert_non_null(strstr(svg, ">Reset Zoom</text>"));
	assert_non_null(strstr(svg, ">Search</text>"));
	assert_non_null(strstr(svg, "</svg>\n"));
	/* Self-contained: nothing fetched from elsewhere. */
	assert_null(strstr(svg, "http://www.w3.org/1999/xlink"));
	assert_null(strstr(svg, "href"));
	check_xmllint(svg, size);
	free(svg);
}

static void test_geometry(void **state)
{
	struct graph g;
	const struct frame *f;

	(void)state;
	load(&g, sample, NR_SAMPLE);
	check_geometry(&g, SAMPLE_TOTAL);
	f = find(&g, "ring fd 4 [SINGLE_ISSUER]", 1);
	assert_non_null(f);
	assert_int_equal(f->value, 1234 + 800 + 600);
	assert_true(fabs(f->x - XPAD) < 0.001);
	/* The ring fd 7 frame starts where ring fd 4 ends. */
	assert_true(fabs(find(&g, "ring fd 7 [SQPOLL]", 1)->x - (f->x + f->width)) < 0.002);
	f = find(&g, "mutex_lock_[k]", 8);
	assert_non_null(f);
	assert_int_equal(f->value, 1234);
	assert_int_equal(find(&g, "mutex_lock_[k]", 9)->value, 600);
	assert_int_equal(find(&g, "__do_sys_io_uring_register_[k]", 6)->value, 150);
	assert_int_equal(find(&g, "io_uring_submit", 4)->value, 2034);
	assert_int_equal(find(&g, "submit", 2)->value, 2034);
	/* One frame per distinct prefix: all, 2 rings, 16 frames under fd 4, 10 under fd 7. */
	assert_int_equal(g.nr, 1 + 2 + 16 + 10);
	unload(&g);
}

static void test_tooltips_and_labels(void **state)
{
	static const struct folded_line lines[] = {
		{ "short", 3 },
		{ "a_rather_long_function_name_that_cannot_fit", 1 },
		{ "wide_but_not_enough_for_all_of_this_name_to_show_here_at_all", 14 },
		{ "x", 982 },
	};
	struct graph g;
	const struct frame *f;

	(void)state;
	load(&g, lines, 4);
	f = find(&g, "short", 1);
	assert_non_null(f);
	assert_string_equal(f->tip, "short (3 samples, 0.30%)");
	/* 3.54 px: no room for even "s..". */
	assert_string_equal(f->label, "");
	assert_string_equal(find(&g, "x", 1)->label, "x");
	assert_string_equal(find(&g, "x", 1)->tip, "x (982 samples, 98.20%)");
	assert_string_equal(g.frames[0].tip, "all (1,000 samples, 100.00%)");
	/* 14/1000 * 1180 = 16.52 px, 2 characters at ~7.08 px: too few for a label. */
	assert_string_equal(find(&g, "wide_but_not_enough_for_all_of_this_name_to_show_here_at_all",
				 1)->label, "");
	unload(&g);

	{
		static const struct folded_line two[] = {
			{ "abcdefghijklmnopqrstuvwxyz", 5 },
			{ "z", 95 },
		};

		/* 59 px: 8 characters, so 6 of the name and "..". */
		load(&g, two, 2);
		assert_string_equal(find(&g, "abcdefghijklmnopqrstuvwxyz", 1)->label, "abcdef..");
		unload(&g);
	}
}

static void test_duplicates_add(void **state)
{
	static const struct folded_line lines[] = {
		{ "a;b", 1 },
		{ "a;c", 3 },
		{ "a;b", 2 },
		{ "d", 4 },
		{ "a;b", 10 },
	};
	struct graph g;

	(void)state;
	load(&g, lines, 5);
	check_geometry(&g, 20);
	assert_int_equal(g.nr, 5);
	assert_int_equal(find(&g, "a", 1)->value, 16);
	assert_int_equal(find(&g, "b", 2)->value, 13);
	assert_int_equal(find(&g, "c", 2)->value, 3);
	assert_int_equal(find(&g, "d", 1)->value, 4);
	unload(&g);
}

static void test_prefixes_merge(void **state)
{
	static const struct folded_line lines[] = {
		{ "a", 5 },
		{ "a;b", 3 },
		{ "a;b;c", 2 },
		{ "b;a", 7 },
	};
	struct graph g;

	(void)state;
	load(&g, lines, 4);
	check_geometry(&g, 17);
	assert_int_equal(g.nr, 6);
	/* a's own 5 stay in a: its children add up to less. */
	assert_int_equal(find(&g, "a", 1)->value, 10);
	assert_int_equal(find(&g, "b", 2)->value, 5);
	assert_int_equal(find(&g, "c", 3)->value, 2);
	/* Same names under another parent are other frames. */
	assert_int_equal(find(&g, "b", 1)->value, 7);
	assert_int_equal(find(&g, "a", 2)->value, 7);
	unload(&g);
}

static unsigned long long rng_state = 0x2545f4914f6cdd1dull;

static unsigned long long rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void shuffle(struct folded_line *lines, size_t nr)
{
	size_t i;

	for (i = nr; i > 1; i--) {
		size_t j = rng() % i;
		struct folded_line t = lines[i - 1];

		lines[i - 1] = lines[j];
		lines[j] = t;
	}
}

static void test_order_independent(void **state)
{
	struct folded_line lines[NR_SAMPLE + 6];
	char *ref, *svg;
	size_t round;

	(void)state;
	memcpy(lines, sample, sizeof(sample));
	lines[NR_SAMPLE + 0] = (struct folded_line){ "ring fd 4 [SINGLE_ISSUER];submit;zeta", 5 };
	lines[NR_SAMPLE + 1] = (struct folded_line){ "ring fd 4 [SINGLE_ISSUER];submit;alpha", 5 };
	lines[NR_SAMPLE + 2] = (struct folded_line){ "ring fd 4 [SINGLE_ISSUER];submit;Main", 5 };
	lines[NR_SAMPLE + 3] = (struct folded_line){ "ring fd 4 [SINGLE_ISSUER];submit;alpha", 9 };
	lines[NR_SAMPLE + 4] = (struct folded_line){ "ring fd 4 [SINGLE_ISSUER];submit", 9 };
	lines[NR_SAMPLE + 5] = (struct folded_line){ "ring fd 9;x", 50 };
	ref = render(lines, NR_SAMPLE + 6, "t", "u", NULL);
	for (round = 0; round < 20; round++) {
		shuffle(lines, NR_SAMPLE + 6);
		svg = render(lines, NR_SAMPLE + 6, "t", "u", NULL);
		assert_string_equal(svg, ref);
		free(svg);
	}
	/* And the children of "submit" are in byte order: Main < alpha < main < zeta. */
	{
		const char *m = strstr(ref, "data-name=\"Main\"");
		const char *a = strstr(ref, "data-name=\"alpha\"");
		const char *mm = strstr(ref, "data-name=\"main\"");
		const char *z = strstr(ref, "data-name=\"zeta\"");

		assert_true(m && a && mm && z);
		assert_true(m < a && a < mm && mm < z);
	}
	free(ref);
}

static void test_escaping(void **state)
{
	static const struct folded_line lines[] = {
		{ "ring <1> & \"two\";it's;a&b<c>d", 10 },
		{ "ring <1> & \"two\";plain", 10 },
	};
	size_t size;
	char *svg = render(lines, 2, "lock <&> \"q\" 'a'", "n<s>", &size);
	struct graph g = { .svg = svg, .size = size };

	(void)state;
	check_xmllint(svg, size);
	parse(&g);
	check_geometry(&g, 20);
	assert_non_null(find(&g, "ring &lt;1&gt; &amp; &quot;two&quot;", 1));
	assert_non_null(find(&g, "it&apos;s", 2));
	assert_non_null(find(&g, "a&amp;b&lt;c&gt;d", 3));
	/* Escaped in the tooltip and the label too. */
	assert_string_equal(find(&g, "a&amp;b&lt;c&gt;d", 3)->tip,
			    "a&amp;b&lt;c&gt;d (10 n&lt;s&gt;, 50.00%)");
	assert_string_equal(find(&g, "a&amp;b&lt;c&gt;d", 3)->label, "a&amp;b&lt;c&gt;d");
	assert_non_null(strstr(svg, ">lock &lt;&amp;&gt; &quot;q&quot; &apos;a&apos;</text>"));
	assert_non_null(strstr(svg, "Total: 20 n&lt;s&gt;</text>"));
	/* Nothing raw slipped through. */
	assert_null(strstr(svg, "<1>"));
	assert_null(strstr(svg, "b<c"));
	assert_null(strstr(svg, "it's"));
	assert_null(strstr(svg, "\"two\""));
	free(g.frames);
	free(svg);
}

static void test_bytes_xml_cannot_hold(void **state)
{
	static const struct folded_line lines[] = {
		{ "ctrl\x01\x1f\x7f;tab\there", 1 },
		{ "bad\xff\xfe utf8;\xc0\xaf;\xed\xa0\x80;cut\xe2\x82", 1 },
		{ "ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92", 1 },
		{ "\xef\xbf\xbf", 1 },
	};
	size_t size;
	char *svg = render(lines, 4, "bytes \x02", "\xff", &size);
	struct graph g = { .svg = svg, .size = size };

	(void)state;
	check_xmllint(svg, size);
	parse(&g);
	check_geometry(&g, 4);
	/* Valid UTF-8 is kept as is; the rest became U+FFFD. */
	assert_non_null(find(&g, "ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92", 1));
	assert_non_null(find(&g, "ctrl\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 1));
	assert_non_null(find(&g, "tab\xef\xbf\xbdhere", 2));
	free(g.frames);
	free(svg);
}

static void check_no_data(const struct folded_line *lines, size_t nr)
{
	size_t size;
	char *svg = render(lines, nr, NULL, NULL, &size);

	assert_non_null(strstr(svg, ">no data</text>"));
	assert_non_null(strstr(svg, ">Flame Graph</text>"));
	assert_non_null(strstr(svg, ">Total: 0 samples</text>"));
	assert_null(strstr(svg, "<g class=\"f\">"));
	check_xmllint(svg, size);
	free(svg);
}

static void test_no_data(void **state)
{
	static const struct folded_line zeros[] = {
		{ "a;b", 0 },
		{ "", 0 },
		{ NULL, 0 },
	};

	(void)state;
	check_no_data(NULL, 0);
	check_no_data(NULL, 5);
	check_no_data(zeros, 0);
	check_no_data(zeros, 3);
}

static void test_zero_and_empty(void **state)
{
	static const struct folded_line lines[] = {
		{ "a;b", 0 },
		{ "a;c", 4 },
		{ "zero_only", 0 },
		{ "", 3 },
		{ NULL, 2 },
		{ ";;", 1 },
		{ ";a;;c;", 6 },
		{ "a;;d", 5 },
	};
	struct graph g;

	(void)state;
	load(&g, lines, 8);
	check_geometry(&g, 21);
	/* all, a, c, d: zero lines leave no frame, empty frames are skipped. */
	assert_int_equal(g.nr, 4);
	assert_null(find(&g, "b", 2));
	assert_null(find(&g, "zero_only", 1));
	assert_int_equal(find(&g, "a", 1)->value, 15);
	assert_int_equal(find(&g, "c", 2)->value, 10);
	assert_int_equal(find(&g, "d", 2)->value, 5);
	unload(&g);
}

static void test_narrow_frames_omitted(void **state)
{
	static const struct folded_line lines[] = {
		{ "big;leaf", 1000000000 },
		{ "big;tiny", 1 },
		{ "tiny;deeper;still", 50 },
	};
	struct graph g;

	(void)state;
	load(&g, lines, 3);
	check_geometry(&g, 1000000051ull);
	assert_int_equal(g.nr, 3);
	assert_null(find(&g, "tiny", 1));
	assert_null(find(&g, "tiny", 2));
	assert_null(find(&g, "deeper", 2));
	/* Still counted where they belong. */
	assert_int_equal(find(&g, "big", 1)->value, 1000000001);
	assert_int_equal(find(&g, "leaf", 2)->value, 1000000000);
	unload(&g);
}

static void test_colours(void **state)
{
	static const struct folded_line lines[] = {
		{ "ring fd 4;submit;main;mutex_lock_[k]", 10 },
		{ "ring fd 5;register;main;other_[k]", 10 },
	};
	struct graph g;
	size_t i;

	(void)state;
	load(&g, lines, 2);
	for (i = 0; i < g.nr; i++) {
		const struct frame *f = &g.frames[i];
		unsigned int r, gr, b;

		assert_int_equal(sscanf(f->fill, "rgb(%u,%u,%u)", &r, &gr, &b), 3);
		assert_true(r <= 255 && gr <= 255 && b <= 255);
		if (f->depth == 1 || f->depth == 2) {
			/* Ring and path: cool. */
			if (b <= r)
				fail_msg("%s: rgb(%u,%u,%u) is not cool", f->name, r, gr, b);
		} else if (f->depth > 2 && strstr(f->name, "_[k]")) {
			/* Kernel: orange to yellow. */
			if (r < 230 || gr < 140 || gr > 220 || b > 40)
				fail_msg("%s: rgb(%u,%u,%u) is not orange", f->name, r, gr, b);
		} else if (f->depth > 2) {
			/* User: red. */
			if (r < 200 || gr > 120 || b > 60)
				fail_msg("%s: rgb(%u,%u,%u) is not red", f->name, r, gr, b);
		}
	}
	/* A name keeps its colour wherever it appears. */
	{
		const struct frame *a = NULL, *b = NULL;

		for (i = 0; i < g.nr; i++) {
			if (strcmp(g.frames[i].name, "main"))
				continue;
			if (!a)
				a = &g.frames[i];
			else
				b = &g.frames[i];
		}
		assert_true(a && b);
		assert_string_equal(a->fill, b->fill);
	}
	unload(&g);
}

static void test_deep_stack(void **state)
{
	size_t depths[] = { 500, 10000 }, d, i;

	(void)state;
	for (d = 0; d < 2; d++) {
		size_t n = depths[d], len = 0;
		char *stack = malloc(n * 12 + 1);
		struct folded_line lines[2];
		struct graph g;
		char last[16];

		assert_non_null(stack);
		for (i = 0; i < n; i++)
			len += sprintf(stack + len, "%sf%zu", i ? ";" : "", i);
		lines[0] = (struct folded_line){ stack, 7 };
		lines[1] = (struct folded_line){ stack, 3 };
		load(&g, lines, 2);
		assert_int_equal(g.nr, n + 1);
		for (i = 0; i <= n; i++) {
			assert_int_equal(g.frames[i].depth, i);
			assert_int_equal(g.frames[i].value, 10);
		}
		snprintf(last, sizeof(last), "f%zu", n - 1);
		assert_string_equal(g.frames[n].name, last);
		check_geometry(&g, 10);
		check_xmllint(g.svg, g.size);
		unload(&g);
		free(stack);
	}
}

static void test_many_lines(void **state)
{
	size_t nr = 100000, i, size;
	struct folded_line *lines = calloc(nr, sizeof(*lines));
	char (*stacks)[96] = calloc(nr, sizeof(*stacks));
	unsigned long long total = 0;
	struct graph g;

	(void)state;
	assert_true(lines && stacks);
	for (i = 0; i < nr; i++) {
		snprintf(stacks[i], sizeof(stacks[i]),
			 "ring fd %zu;path%zu;main;fn%zu;sub%zu_[k];leaf%zu_[k]", i % 4, i % 7,
			 i % 50, i % 300, i);
		lines[i] = (struct folded_line){ stacks[i], 1 + rng() % 1000 };
		total += lines[i].value;
	}
	/* 10000 lines are drawn whole and pass xmllint; 100000 still render fine. */
	g.svg = render(lines, 10000, "many", "samples", &size);
	g.size = size;
	parse(&g);
	{
		unsigned long long t10k = 0;

		for (i = 0; i < 10000; i++)
			t10k += lines[i].value;
		check_geometry(&g, t10k);
	}
	check_xmllint(g.svg, g.size);
	unload(&g);

	load(&g, lines, nr);
	check_geometry(&g, total);
	assert_int_equal(find(&g, "ring fd 0", 1)->value + find(&g, "ring fd 1", 1)->value +
			 find(&g, "ring fd 2", 1)->value + find(&g, "ring fd 3", 1)->value, total);
	unload(&g);
	free(stacks);
	free(lines);
}

static void test_write_errors(void **state)
{
	FILE *f;

	(void)state;
	assert_int_equal(flamegraph_write_svg(NULL, sample, NR_SAMPLE, "t", "u"), -EINVAL);
	f = fopen("/dev/full", "w");
	if (!f)
		skip();
	assert_true(flamegraph_write_svg(f, sample, NR_SAMPLE, "t", "u") < 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_tooltips_and_labels),
		cmocka_unit_test(test_duplicates_add),
		cmocka_unit_test(test_prefixes_merge),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_bytes_xml_cannot_hold),
		cmocka_unit_test(test_no_data),
		cmocka_unit_test(test_zero_and_empty),
		cmocka_unit_test(test_narrow_frames_omitted),
		cmocka_unit_test(test_colours),
		cmocka_unit_test(test_deep_stack),
		cmocka_unit_test(test_many_lines),
		cmocka_unit_test(test_write_errors),
	};

	return cmocka_run_group_tests_name("flamegraph", tests, NULL, NULL);
}
