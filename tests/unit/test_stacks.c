// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kernel frame naming (src/model/stacks.c): a frame that names no symbol (kallsyms
 * hides addresses, or the address is outside every symbol) never shows its address without -v.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kallsyms.h"
#include "stacks.h"

static struct ksym syms[] = {
	{ 0xffffffff81000000ull, "io_submit_sqes" },
	{ 0xffffffff81001000ull, "bpf_prog_0123_on_lock" },
};
static const struct ksyms ksyms = { syms, 2 };
/* What /proc/kallsyms yields when it hides addresses: no symbol at all. */
static const struct ksyms hidden = { NULL, 0 };

static void test_symbol(void **state)
{
	char buf[64];

	assert_string_equal(kframe_name(&ksyms, 0xffffffff81000010ull, false, buf, sizeof(buf)),
			    "io_submit_sqes");
	/* The profiler's own frames are left out. */
	assert_null(kframe_name(&ksyms, 0xffffffff81001010ull, false, buf, sizeof(buf)));
}

static void test_unknown_without_addresses(void **state)
{
	char buf[64];

	assert_string_equal(kframe_name(&hidden, 0xffffffff81000010ull, false, buf, sizeof(buf)),
			    KFRAME_UNKNOWN);
	assert_string_equal(kframe_name(&ksyms, 0xffffffff80000000ull, false, buf, sizeof(buf)),
			    KFRAME_UNKNOWN);
	assert_string_equal(kframe_name(NULL, 0xffffffff81000010ull, false, buf, sizeof(buf)),
			    KFRAME_UNKNOWN);
	assert_null(strstr(KFRAME_UNKNOWN, "0x"));
}

static void test_address_with_verbose(void **state)
{
	char buf[64];

	assert_string_equal(kframe_name(&hidden, 0xffffffff81000010ull, true, buf, sizeof(buf)),
			    "0xffffffff81000010");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbol),
		cmocka_unit_test(test_unknown_without_addresses),
		cmocka_unit_test(test_address_with_verbose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
