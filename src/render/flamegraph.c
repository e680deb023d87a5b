// SPDX-License-Identifier: GPL-2.0
/*
 * SVG flame graphs of folded stacks, laid out like Brendan Gregg's flamegraph.pl (root at the
 * bottom, children stacked upward, alphabetical left to right) but written from scratch so
 * that the tool needs no Perl and no external script.
 *
 * The stacks are merged into a tree kept in one array and found through a hash table keyed by
 * (parent, name), so 100k lines of a few hundred frames cost a few million lookups. Nothing is
 * recursive: the tree is built line by line and laid out with an explicit stack, so a
 * 10k-frame (or deeper) stack costs memory proportional to its depth, not C stack.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "flamegraph.h"

/* Layout, in px; FULL_W is what the root spans. */
#define IMAGE_W 1200
#define XPAD 10
#define FULL_W (IMAGE_W - 2 * XPAD)
#define FRAME_H 16
#define FONT_SIZE 12
/* Average glyph width of a 12 px sans-serif font, as flamegraph.pl assumes. */
#define CHAR_W (0.59 * FONT_SIZE)
/* Room above the frames for the title, subtitle and controls, and below for the details. */
#define YPAD_TOP 60
#define YPAD_BOTTOM 34
/* Narrower frames are invisible anyway and would only bloat the file. */
#define MIN_WIDTH 0.1
#define NO_DATA_H 60

#define NO_NODE UINT32_MAX
#define ROOT 0

struct node {
	const char *name;	/* not NUL-terminated: points into the caller's stack string */
	size_t len;
	__u64 hash;
	__u64 value;		/* sum of the lines through this frame */
	__u64 start;		/* left edge, in value units from the root's left edge */
	__u32 parent;
	__u32 depth;
	__u32 first_child;	/* index into tree.kids */
	__u32 nr_children;
};

struct tree {
	struct node *nodes;
	size_t nr;
	size_t cap;
	__u32 *slots;		/* open addressing, NO_NODE when free */
	size_t nr_slots;	/* a power of two */
	__u32 *kids;		/* children of each node, contiguous and sorted by name */
};

/* Values are weights such as ns waited: saturate rather than wrap if they ever overflow. */
static __u64 sat_add(__u64 a, __u64 b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static __u64 fnv1a(const char *s, size_t len)
{
	__u64 h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static __u64 key_hash(__u32 parent, const char *name, size_t len)
{
	__u64 h = fnv1a(name, len) ^ ((__u64)parent * 0x9e3779b97f4a7c15ull);

	/* Mix the high bits down: the table is indexed by the low ones. */
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static int grow_slots(struct tree *t)
{
	size_t nr_slots = t->nr_slots ? t->nr_slots * 2 : 1024, i;
	__u32 *slots;

	if (nr_slots > SIZE_MAX / sizeof(*slots))
		return -ENOMEM;
	slots = malloc(nr_slots * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	memset(slots, 0xff, nr_slots * sizeof(*slots));
	for (i = 0; i < t->nr; i++) {
		size_t s = t->nodes[i].hash & (nr_slots - 1);

		if (i == ROOT)
			continue;
		while (slots[s] != NO_NODE)
			s = (s + 1) & (nr_slots - 1);
		slots[s] = i;
	}
	free(t->slots);
	t->slots = slots;
	t->nr_slots = nr_slots;
	return 0;
}

static __u32 new_node(struct tree *t, __u32 parent, const char *name, size_t len, __u64 hash)
{
	struct node *n;

	/* Indices are __u32 and NO_NODE is reserved. */
	if (t->nr >= NO_NODE - 1)
		return NO_NODE;
	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct node *nodes;

		if (cap > SIZE_MAX / sizeof(*nodes))
			return NO_NODE;
		nodes = realloc(t->nodes, cap * sizeof(*nodes));
		if (!nodes)
			return NO_NODE;
		t->nodes = nodes;
		t->cap = cap;
	}
	n = &t->nodes[t->nr];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->len = len;
	n->hash = hash;
	n->parent = parent;
	n->depth = parent == NO_NODE ? 0 : t->nodes[parent].depth + 1;
	return t->nr++;
}

/* The child of parent called name, created if new; NO_NODE when out of memory. */
static __u32 child(struct tree *t, __u32 parent, const char *name, size_t len)
{
	__u64 hash = key_hash(parent, name, len);
	size_t s, mask;
	__u32 i;

	/* Keep the load under 1/2 so that probe sequences stay short. */
	if ((t->nr + 1) * 2 > t->nr_slots && grow_slots(t))
		return NO_NODE;
	mask = t->nr_slots - 1;
	for (s = hash & mask; t->slots[s] != NO_NODE; s = (s + 1) & mask) {
		const struct node *n = &t->nodes[t->slots[s]];

		if (n->hash == hash && n->parent == parent && n->len == len &&
		    !memcmp(n->name, name, len))
			return t->slots[s];
	}
	i = new_node(t, parent, name, len, hash);
	if (i != NO_NODE)
		t->slots[s] = i;
	return i;
}

static int add_line(struct tree *t, const char *stack, __u64 value)
{
	const char *p = stack;
	__u32 cur = ROOT;

	t->nodes[ROOT].value = sat_add(t->nodes[ROOT].value, value);
	while (p && *p) {
		const char *end = strchrnul(p, ';');

		/* Empty frames carry no information: "a;;b" is "a;b". */
		if (end > p) {
			cur = child(t, cur, p, end - p);
			if (cur == NO_NODE)
				return -ENOMEM;
			t->nodes[cur].value = sat_add(t->nodes[cur].value, value);
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int cmp_name(const struct node *a, const struct node *b)
{
	int c = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int cmp_kids(const void *pa, const void *pb, void *arg)
{
	const struct node *nodes = arg;
	const struct node *a = &nodes[*(const __u32 *)pa], *b = &nodes[*(const __u32 *)pb];

	if (a->parent != b->parent)
		return a->parent < b->parent ? -1 : 1;
	return cmp_name(a, b);
}

/* Order every node's children by name, so the picture does not depend on the input order. */
static int sort_children(struct tree *t)
{
	size_t i, nr = t->nr - 1;

	if (!nr)
		return 0;
	t->kids = malloc(nr * sizeof(*t->kids));
	if (!t->kids)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		t->kids[i] = i + 1;
	qsort_r(t->kids, nr, sizeof(*t->kids), cmp_kids, t->nodes);
	for (i = 0; i < nr; i++) {
		struct node *p = &t->nodes[t->nodes[t->kids[i]].parent];

		if (!p->nr_children++)
			p->first_child = i;
	}
	return 0;
}

/*
 * Place the frames and list the visible ones in depth-first pre-order (what the JavaScript's
 * search relies on to count nested matches once). Returns how many, or -ENOMEM.
 */
static long layout(struct tree *t, double scale, __u32 *order, __u32 *max_depth)
{
	__u32 *stack = malloc(t->nr * sizeof(*stack));
	size_t sp = 0, nr = 0;

	if (!stack)
		return -ENOMEM;
	*max_depth = 0;
	/* Each node is pushed at most once, so t->nr entries are enough. */
	stack[sp++] = ROOT;
	while (sp) {
		struct node *n = &t->nodes[stack[--sp]];
		__u64 start = n->start;
		__u32 i;

		order[nr++] = n - t->nodes;
		if (n->depth > *max_depth)
			*max_depth = n->depth;
		for (i = 0; i < n->nr_children; i++) {
			struct node *c = &t->nodes[t->kids[n->first_child + i]];

			c->start = start;
			start += c->value;
		}
		/* Right to left, so that the leftmost child is popped first. */
		for (i = n->nr_children; i-- > 0;) {
			__u32 c = t->kids[n->first_child + i];

			/* Descendants are no wider: the whole subtree goes. */
			if ((double)t->nodes[c].value * scale >= MIN_WIDTH)
				stack[sp++] = c;
		}
	}
	free(stack);
	return nr;
}

#define REPLACEMENT 0xfffdu

/*
 * Decode one UTF-8 character of s (len > 0) into *cp; returns the bytes it took. Anything XML
 * 1.0 cannot carry (malformed UTF-8, control characters, U+FFFE/U+FFFF) becomes U+FFFD, since
 * a single such byte in a frame name would make the whole file unreadable.
 */
static size_t utf8_next(const char *str, size_t len, __u32 *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	__u32 c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c < 0x20 || c == 0x7f ? REPLACEMENT : c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		goto bad;
	}
	if (n > len)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe ||
	    c == 0xffff)
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = REPLACEMENT;
	return 1;
}

static size_t nr_chars(const char *s, size_t len)
{
	size_t nr = 0, i = 0;
	__u32 cp;

	while (i < len) {
		i += utf8_next(s + i, len - i, &cp);
		nr++;
	}
	return nr;
}

/* Write at most max characters of s, escaped for both text and attribute values. */
static void put_xml(FILE *out, const char *s, size_t len, size_t max)
{
	size_t i = 0, n;
	__u32 cp;

	for (; i < len && max; i += n, max--) {
		n = utf8_next(s + i, len - i, &cp);
		switch (cp) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		case REPLACEMENT:
			fputs("\xef\xbf\xbd", out);
			break;
		default:
			fwrite(s + i, 1, n, out);
		}
	}
}

static void put_str(FILE *out, const char *s)
{
	put_xml(out, s, strlen(s), SIZE_MAX);
}

/* The label a frame w px wide has room for: whole, cut with "..", or nothing. */
static void put_label(FILE *out, const char *s, size_t len, double w)
{
	size_t room = w / CHAR_W;

	if (room < 3)
		return;
	if (nr_chars(s, len) <= room) {
		put_xml(out, s, len, SIZE_MAX);
		return;
	}
	put_xml(out, s, len, room - 2);
	fputs("..", out);
}

/* 1234567 -> "1,234,567": totals in ns are otherwise hard to read. */
static const char *commas(__u64 v, char buf[32])
{
	char digits[24];
	int nr = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v), i, o = 0;

	for (i = 0; i < nr; i++) {
		if (i && (nr - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Colours depend only on the name, so a function keeps its colour across graphs. The ring and
 * path levels get cool colours so that they read as labels rather than code; user code gets
 * the reds of flamegraph.pl's "hot" palette and the kernel orange to yellow, as flamegraph.pl
 * does for mixed stacks.
 */
static void frame_color(const struct node *n, unsigned int rgb[3])
{
	__u64 h = fnv1a(n->name, n->len);
	unsigned int v1 = h & 0xff, v2 = (h >> 8) & 0xff, v3 = (h >> 16) & 0xff;

	if (n->depth == 0) {
		rgb[0] = 200;
		rgb[1] = 200;
		rgb[2] = 200;
	} else if (n->depth == 1) {
		/* Ring: light blue. */
		rgb[0] = 120 + 40 * v1 / 255;
		rgb[1] = 165 + 40 * v1 / 255;
		rgb[2] = 235 + 20 * v2 / 255;
	} else if (n->depth == 2) {
		/* Path: aqua. */
		rgb[0] = 90 + 50 * v1 / 255;
		rgb[1] = 200 + 40 * v2 / 255;
		rgb[2] = 200 + 40 * v2 / 255;
	} else if (n->len >= 4 && !memcmp(n->name + n->len - 4, "_[k]", 4)) {
		rgb[0] = 235 + 20 * v1 / 255;
		rgb[1] = 150 + 65 * v2 / 255;
		rgb[2] = 30 * v3 / 255;
	} else {
		rgb[0] = 205 + 50 * v3 / 255;
		rgb[1] = 110 * v1 / 255;
		rgb[2] = 55 * v2 / 255;
	}
}

static const char css[] =
	"<style type=\"text/css\">\n"
	"text { font-family: Verdana, \"DejaVu Sans\", sans-serif; font-size: 12px; fill: #000; }\n"
	"#title { font-size: 17px; text-anchor: middle; }\n"
	"#subtitle { text-anchor: middle; fill: #444; }\n"
	"#unzoom, #search { cursor: pointer; }\n"
	"#search, #matched { text-anchor: end; }\n"
	"g.f { cursor: pointer; }\n"
	"g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	"</style>\n";

/*
 * Zoom: a clicked frame and its descendants are rescaled to the full width, its ancestors
 * stretched full width and dimmed, everything else hidden. Search: frames whose name matches
 * a regex turn magenta; the matched share adds each matching subtree once, which the
 * pre-order of the frames makes a single pass. Everything the script needs is read back from
 * the frames' attributes, so no frame name ever has to be escaped for JavaScript.
 */
static const char script[] =
	"function el(id) { return document.getElementById(id); }\n"
	"function init() {\n"
	"\tvar gs = document.querySelectorAll(\"g.f\");\n"
	"\tfor (var i = 0; i < gs.length; i++) {\n"
	"\t\tvar g = gs[i], r = g.querySelector(\"rect\"), t = g.querySelector(\"text\");\n"
	"\t\tg.fgIndex = i;\n"
	"\t\tframes.push({ g: g, r: r, t: t, n: r.getAttribute(\"data-name\"),\n"
	"\t\t\tv: +r.getAttribute(\"data-value\"), d: +r.getAttribute(\"data-depth\"),\n"
	"\t\t\tx: +r.getAttribute(\"x\"), w: +r.getAttribute(\"width\"),\n"
	"\t\t\tfill: r.getAttribute(\"fill\"), label: t.textContent,\n"
	"\t\t\ttip: g.querySelector(\"title\").textContent });\n"
	"\t}\n"
	"\tvar root = document.documentElement;\n"
	"\troot.addEventListener(\"click\", click);\n"
	"\troot.addEventListener(\"mouseover\", function (e) {\n"
	"\t\tvar f = frameOf(e.target);\n"
	"\t\tel(\"details\").textContent = f ? f.tip : \"\";\n"
	"\t});\n"
	"\twindow.addEventListener(\"keydown\", key);\n"
	"}\n"
	"function frameOf(n) {\n"
	"\tfor (; n && n.getAttribute; n = n.parentNode)\n"
	"\t\tif (n.getAttribute(\"class\") === \"f\")\n"
	"\t\t\treturn frames[n.fgIndex];\n"
	"\treturn null;\n"
	"}\n"
	"function click(e) {\n"
	"\tvar id = e.target.id, f;\n"
	"\tif (id === \"unzoom\")\n"
	"\t\treturn unzoom();\n"
	"\tif (id === \"search\")\n"
	"\t\treturn searching ? unsearch() : ask();\n"
	"\tf = frameOf(e.target);\n"
	"\tif (f)\n"
	"\t\tzoom(f);\n"
	"}\n"
	"function key(e) {\n"
	"\tvar find = (e.ctrlKey || e.metaKey) && (e.key === \"f\" || e.key === \"F\");\n"
	"\tif (find || e.key === \"/\") {\n"
	"\t\te.preventDefault();\n"
	"\t\task();\n"
	"\t} else if (e.key === \"Escape\") {\n"
	"\t\tunzoom();\n"
	"\t\tunsearch();\n"
	"\t}\n"
	"}\n"
	"function place(f, x, w) {\n"
	"\tvar c = Math.floor(w / CHAR_W), n = f.n;\n"
	"\tf.r.setAttribute(\"x\", x.toFixed(3));\n"
	"\tf.r.setAttribute(\"width\", w.toFixed(3));\n"
	"\tf.t.setAttribute(\"x\", (x + 3).toFixed(3));\n"
	"\tf.t.textContent = c < 3 ? \"\" : n.length <= c ? n : n.substring(0, c - 2) + \"..\";\n"
	"}\n"
	"function zoom(z) {\n"
	"\tvar s = FULL / z.w, eps = 0.01;\n"
	"\tfor (var i = 0; i < frames.length; i++) {\n"
	"\t\tvar f = frames[i], show = true;\n"
	"\t\tif (f.d < z.d && f.x <= z.x + eps && f.x + f.w >= z.x + z.w - eps) {\n"
	"\t\t\tplace(f, XPAD, FULL);\n"
	"\t\t\tf.g.setAttribute(\"opacity\", \"0.6\");\n"
	"\t\t} else if (f.d >= z.d && f.x >= z.x - eps && f.x + f.w <= z.x + z.w + eps) {\n"
	"\t\t\tplace(f, XPAD + (f.x - z.x) * s, f.w * s);\n"
	"\t\t\tf.g.removeAttribute(\"opacity\");\n"
	"\t\t} else {\n"
	"\t\t\tshow = false;\n"
	"\t\t}\n"
	"\t\tf.g.style.display = show ? \"\" : \"none\";\n"
	"\t}\n"
	"\tel(\"unzoom\").setAttribute(\"opacity\", \"1\");\n"
	"}\n"
	"function unzoom() {\n"
	"\tfor (var i = 0; i < frames.length; i++) {\n"
	"\t\tvar f = frames[i];\n"
	"\t\tf.r.setAttribute(\"x\", f.x.toFixed(3));\n"
	"\t\tf.r.setAttribute(\"width\", f.w.toFixed(3));\n"
	"\t\tf.t.setAttribute(\"x\", (f.x + 3).toFixed(3));\n"
	"\t\tf.t.textContent = f.label;\n"
	"\t\tf.g.removeAttribute(\"opacity\");\n"
	"\t\tf.g.style.display = \"\";\n"
	"\t}\n"
	"\tel(\"unzoom\").setAttribute(\"opacity\", \"0\");\n"
	"}\n"
	"function ask() {\n"
	"\tvar term = window.prompt(\"Search frames (regular expression):\", \"\");\n"
	"\tif (term)\n"
	"\t\tsearch(term);\n"
	"}\n"
	"function search(term) {\n"
	"\tvar re, m = 0, skip = -1, total = +el(\"subtitle\").getAttribute(\"data-total\");\n"
	"\ttry {\n"
	"\t\tre = new RegExp(term);\n"
	"\t} catch (err) {\n"
	"\t\tel(\"matched\").textContent = \"Invalid regex\";\n"
	"\t\treturn;\n"
	"\t}\n"
	"\tfor (var i = 0; i < frames.length; i++) {\n"
	"\t\tvar f = frames[i];\n"
	"\t\tif (skip >= 0 && f.d <= skip)\n"
	"\t\t\tskip = -1;\n"
	"\t\tif (re.test(f.n)) {\n"
	"\t\t\tf.r.setAttribute(\"fill\", \"rgb(230,0,230)\");\n"
	"\t\t\tif (skip < 0) {\n"
	"\t\t\t\tm += f.v;\n"
	"\t\t\t\tskip = f.d;\n"
	"\t\t\t}\n"
	"\t\t} else {\n"
	"\t\t\tf.r.setAttribute(\"fill\", f.fill);\n"
	"\t\t}\n"
	"\t}\n"
	"\tsearching = true;\n"
	"\tel(\"search\").textContent = \"Reset Search\";\n"
	"\tel(\"matched\").textContent = \"Matched: \" +\n"
	"\t\t(total ? 100 * m / total : 0).toFixed(2) + \"% (\" +\n"
	"\t\tString(m).replace(/\\B(?=(\\d{3})+(?!\\d))/g, \",\") + \" \" +\n"
	"\t\tel(\"subtitle\").getAttribute(\"data-unit\") + \")\";\n"
	"}\n"
	"function unsearch() {\n"
	"\tfor (var i = 0; i < frames.length; i++)\n"
	"\t\tframes[i].r.setAttribute(\"fill\", frames[i].fill);\n"
	"\tsearching = false;\n"
	"\tel(\"search\").textContent = \"Search\";\n"
	"\tel(\"matched\").textContent = \"\";\n"
	"}\n"
	"window.addEventListener(\"load\", init);\n";

static void put_header(FILE *out, unsigned int height, const char *title, const char *unit,
		       __u64 total)
{
	char buf[32];

	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<defs><linearGradient id=\"background\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/>"
		"<stop stop-color=\"#eeeeb0\" offset=\"95%%\"/>"
		"</linearGradient></defs>\n",
		IMAGE_W, height, IMAGE_W, height);
	fputs(css, out);
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n\"use strict\";\n"
		"var frames = [], searching = false;\n"
		"var FULL = %d, XPAD = %d, CHAR_W = %.2f;\n", FULL_W, XPAD, CHAR_W);
	fputs(script, out);
	fputs("]]></script>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" "
		"fill=\"url(#background)\"/>\n", IMAGE_W, height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", IMAGE_W / 2);
	put_str(out, title);
	fprintf(out, "</text>\n<text id=\"subtitle\" x=\"%d\" y=\"44\" data-total=\"%llu\" "
		"data-unit=\"", IMAGE_W / 2, (unsigned long long)total);
	put_str(out, unit);
	fprintf(out, "\">Total: %s ", commas(total, buf));
	put_str(out, unit);
	fprintf(out, "</text>\n"
		"<text id=\"unzoom\" x=\"%d\" y=\"24\" opacity=\"0\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%d\" y=\"24\">Search</text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%u\"></text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%u\"></text>\n",
		XPAD, IMAGE_W - XPAD, IMAGE_W - XPAD, height - 12, XPAD, height - 12);
}

static void put_frame(FILE *out, const struct node *n, double scale, __u64 total,
		      unsigned int bottom, const char *unit)
{
	double x = XPAD + (double)n->start * scale, w = (double)n->value * scale;
	unsigned int y = bottom - (n->depth + 1) * FRAME_H;
	unsigned int rgb[3];
	char buf[32];

	frame_color(n, rgb);
	fputs("<g class=\"f\"><title>", out);
	put_xml(out, n->name, n->len, SIZE_MAX);
	fprintf(out, " (%s ", commas(n->value, buf));
	put_str(out, unit);
	fprintf(out, ", %.2f%%)</title><rect x=\"%.3f\" y=\"%u\" width=\"%.3f\" height=\"%d\" "
		"rx=\"2\" ry=\"2\" fill=\"rgb(%u,%u,%u)\" data-name=\"",
		100.0 * (double)n->value / (double)total, x, y, w, FRAME_H - 1,
		rgb[0], rgb[1], rgb[2]);
	put_xml(out, n->name, n->len, SIZE_MAX);
	fprintf(out, "\" data-value=\"%llu\" data-depth=\"%u\"/><text x=\"%.3f\" y=\"%.1f\">",
		(unsigned long long)n->value, n->depth, x + 3, y + 11.5);
	put_label(out, n->name, n->len, w);
	fputs("</text></g>\n", out);
}

static int finish(FILE *out)
{
	fputs("</svg>\n", out);
	if (fflush(out) == EOF || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

static int write_no_data(FILE *out, const char *title, const char *unit)
{
	unsigned int height = YPAD_TOP + NO_DATA_H + YPAD_BOTTOM;

	put_header(out, height, title, unit, 0);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no data</text>\n",
		IMAGE_W / 2, YPAD_TOP + NO_DATA_H / 2);
	return finish(out);
}

int flamegraph_write_svg(FILE *out, const struct folded_line *lines, size_t nr,
			 const char *title, const char *unit)
{
	struct tree t = { 0 };
	__u32 *order = NULL, max_depth;
	unsigned int height;
	double scale;
	long nr_order;
	size_t i;
	int err;

	if (!out)
		return -EINVAL;
	if (!title)
		title = "Flame Graph";
	if (!unit)
		unit = "samples";
	errno = 0;

	err = -ENOMEM;
	if (new_node(&t, NO_NODE, "all", 3, 0) == NO_NODE)
		goto out;
	for (i = 0; lines && i < nr; i++) {
		if (!lines[i].value)
			continue;
		err = add_line(&t, lines[i].stack, lines[i].value);
		if (err)
			goto out;
	}
	if (!t.nodes[ROOT].value) {
		err = write_no_data(out, title, unit);
		goto out;
	}
	err = sort_children(&t);
	if (err)
		goto out;
	order = malloc(t.nr * sizeof(*order));
	if (!order) {
		err = -ENOMEM;
		goto out;
	}
	scale = FULL_W / (double)t.nodes[ROOT].value;
	nr_order = layout(&t, scale, order, &max_depth);
	if (nr_order < 0) {
		err = nr_order;
		goto out;
	}

	height = YPAD_TOP + (max_depth + 1) * FRAME_H + YPAD_BOTTOM;
	put_header(out, height, title, unit, t.nodes[ROOT].value);
	fputs("<g id=\"frames\">\n", out);
	for (i = 0; i < (size_t)nr_order; i++)
		put_frame(out, &t.nodes[order[i]], scale, t.nodes[ROOT].value,
			  height - YPAD_BOTTOM, unit);
	fputs("</g>\n", out);
	err = finish(out);
out:
	free(order);
	free(t.kids);
	free(t.slots);
	free(t.nodes);
	return err;
}
