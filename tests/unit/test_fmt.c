// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of text made safe for a terminal (src/model/fmt.c) and of the plain decimal numbers that
 * options accept (src/numarg.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fmt.h"
#include "numarg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "plain label-1_x.y", "plain label-1_x.y" },
		/* ESC of a colour sequence, and a newline that would forge a second line. */
		{ "a\x1b[31mb\nlabel: forged", "a\\x1b[31mb\\nlabel: forged" },
		{ "cr\rtab\tdel\x7f", "cr\\rtab\\tdel\\x7f" },
		{ "\x01\x1f", "\\x01\\x1f" },
		/* A backslash is escaped too: the escaped form reads back one way only. */
		{ "a\\x1b", "a\\\\x1b" },
		/* UTF-8 passes; C1 controls (CSI is U+009B) and bytes that are not UTF-8 do not. */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92" },
		{ "\xc2\x9b" "2J", "\\u009b2J" },
		{ "\xc2\x85", "\\u0085" },
		{ "\xff\xfe", "\\xff\\xfe" },
		{ "\xc3", "\\xc3" },
		{ "\xc0\xaf", "\\xc0\\xaf" },			/* overlong '/' */
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },		/* UTF-16 surrogate */
		{ "\xe2\x82", "\\xe2\\x82" },			/* cut short */
	};
	char buf[128], *dup;
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = fmt_escape(buf, sizeof(buf), cases[i].in);
		if (strcmp(buf, cases[i].out))
			fail_msg("case %zu: got '%s', want '%s'", i, buf, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
		dup = fmt_escape_dup(cases[i].in);
		assert_non_null(dup);
		assert_string_equal(dup, cases[i].out);
		free(dup);
	}
	/* Too small a buffer: the full length is returned, only whole escapes are written. */
	assert_int_equal(fmt_escape(buf, 5, "ab\x1b" "cd"), 8);
	assert_string_equal(buf, "ab");
	assert_int_equal(fmt_escape(buf, 7, "ab\x1b" "cd"), 8);
	assert_string_equal(buf, "ab\\x1b");
	assert_int_equal(fmt_escape(NULL, 0, "\n"), 2);
}

static void test_fputs_escaped(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	(void)state;
	assert_non_null(out);
	assert_true(fmt_fputs_escaped("x\x1b]0;title\x07y\n", out) != EOF);
	fclose(out);
	assert_string_equal(text, "x\\x1b]0;title\\x07y\\n");
	free(text);
}

static void test_numarg_decimal(void **state)
{
	static const struct {
		const char *arg;
		double value;
	} good[] = {
		{ "10", 10 }, { "0.5", 0.5 }, { "3.", 3 }, { ".25", 0.25 }, { "0", 0 },
		{ "007", 7 }, { "10000000", 1e7 }, { "1.000000000000000000000000001", 1 },
	};
	static const char *const bad[] = {
		"", ".", "nan", "NaN", "inf", "-inf", "infinity", "0x10", "0X1p4", "1e3", "1E3",
		"-1", "+1", " 1", "1 ", "1\n", "1.5.2", "1,5", "1s", "--1", "0.5x",
		"1234567890123456789012345678901",
	};
	double v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		v = -1;
		if (!numarg_decimal(good[i].arg, &v))
			fail_msg("'%s' refused", good[i].arg);
		if (v != good[i].value)
			fail_msg("'%s' read as %.17g", good[i].arg, v);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		v = -1;
		if (numarg_decimal(bad[i], &v))
			fail_msg("'%s' accepted as %.17g", bad[i], v);
		assert_true(v == -1);
	}
}

static void test_numarg_uint(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "0x10", "010x", "1e3", "1.0", "nan", "18446744073709551616",
	};
	unsigned long v;
	size_t i;

	(void)state;
	assert_true(numarg_uint("0", 10, &v));
	assert_int_equal(v, 0);
	assert_true(numarg_uint("0010", 10, &v));
	assert_int_equal(v, 10);
	assert_false(numarg_uint("11", 10, &v));
	assert_true(numarg_uint("2147483647", 2147483647ul, &v));
	assert_int_equal(v, 2147483647ul);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (numarg_uint(bad[i], (unsigned long)-1, &v))
			fail_msg("'%s' accepted as %lu", bad[i], v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_fputs_escaped),
		cmocka_unit_test(test_numarg_decimal),
		cmocka_unit_test(test_numarg_uint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
