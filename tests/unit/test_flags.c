// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the io_uring setup flag names (src/model/flags.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "flags.h"

/* IORING_SETUP_* bit numbers, as in include/uapi/linux/io_uring.h. */
static const struct {
	unsigned int bit;
	const char *name;
} known[] = {
	{ 0, "IOPOLL" },
	{ 1, "SQPOLL" },
	{ 2, "SQ_AFF" },
	{ 3, "CQSIZE" },
	{ 4, "CLAMP" },
	{ 5, "ATTACH_WQ" },
	{ 6, "R_DISABLED" },
	{ 7, "SUBMIT_ALL" },
	{ 8, "COOP_TASKRUN" },
	{ 9, "TASKRUN_FLAG" },
	{ 10, "SQE128" },
	{ 11, "CQE32" },
	{ 12, "SINGLE_ISSUER" },
	{ 13, "DEFER_TASKRUN" },
	{ 14, "NO_MMAP" },
	{ 15, "REGISTERED_FD_ONLY" },
	{ 16, "NO_SQARRAY" },
	/* Newer kernels (6.13, 6.18). */
	{ 17, "HYBRID_IOPOLL" },
	{ 18, "CQE_MIXED" },
};

#define NR_KNOWN (sizeof(known) / sizeof(known[0]))

static void test_known_bits(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NR_KNOWN; i++) {
		const char *name = setup_flag_name(known[i].bit);

		if (!name || strcmp(name, known[i].name))
			fail_msg("bit %u: got %s, expected %s", known[i].bit, name ? name : "NULL",
				 known[i].name);
	}
	/* The constants flags.h exports agree with the names. */
	assert_string_equal(setup_flag_name(__builtin_ctz(SETUP_SQPOLL)), "SQPOLL");
	assert_string_equal(setup_flag_name(__builtin_ctz(SETUP_SINGLE_ISSUER)), "SINGLE_ISSUER");
	assert_string_equal(setup_flag_name(__builtin_ctz(SETUP_DEFER_TASKRUN)), "DEFER_TASKRUN");
}

static void test_unknown_bits(void **state)
{
	unsigned int bit;

	(void)state;
	for (bit = NR_KNOWN; bit < 32; bit++)
		if (setup_flag_name(bit))
			fail_msg("bit %u: unknown, but named %s", bit, setup_flag_name(bit));
	assert_null(setup_flag_name(32));
	assert_null(setup_flag_name(64));
	assert_null(setup_flag_name(1000));
	assert_null(setup_flag_name(~0u));
}

static void test_str_none(void **state)
{
	char buf[64];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(setup_flags_str(0, "|", buf, sizeof(buf)), buf);
	assert_string_equal(buf, "none");
}

static void test_str_single(void **state)
{
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < NR_KNOWN; i++) {
		memset(buf, 'x', sizeof(buf));
		setup_flags_str(1u << known[i].bit, "|", buf, sizeof(buf));
		assert_string_equal(buf, known[i].name);
	}
}

static void test_str_combined(void **state)
{
	char buf[128];

	(void)state;
	setup_flags_str((1u << 12) | (1u << 13), "|", buf, sizeof(buf));
	assert_string_equal(buf, "SINGLE_ISSUER|DEFER_TASKRUN");
	setup_flags_str(SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN, ",", buf, sizeof(buf));
	assert_string_equal(buf, "SINGLE_ISSUER,DEFER_TASKRUN");
	setup_flags_str(SETUP_SQPOLL | (1u << 0) | (1u << 2), " ", buf, sizeof(buf));
	assert_string_equal(buf, "IOPOLL SQPOLL SQ_AFF");
	setup_flags_str(SETUP_DEFER_TASKRUN | SETUP_SINGLE_ISSUER | (1u << 16), ", ", buf,
			sizeof(buf));
	assert_string_equal(buf, "SINGLE_ISSUER, DEFER_TASKRUN, NO_SQARRAY");
}

static void test_str_unknown(void **state)
{
	char buf[128];

	(void)state;
	setup_flags_str(1u << 31, "|", buf, sizeof(buf));
	assert_string_equal(buf, "0x80000000");
	setup_flags_str(1u << 20, "|", buf, sizeof(buf));
	assert_string_equal(buf, "0x100000");
	setup_flags_str((1u << 1) | (1u << 25) | (1u << 31), "|", buf, sizeof(buf));
	assert_string_equal(buf, "SQPOLL|0x2000000|0x80000000");
	setup_flags_str((1u << 12) | (1u << 13) | (1u << 30), "|", buf, sizeof(buf));
	assert_string_equal(buf, "SINGLE_ISSUER|DEFER_TASKRUN|0x40000000");
}

/* Every size from 0 up: NUL-terminated within size, nothing written past it. */
static void test_str_truncation(void **state)
{
	static const __u32 cases[] = {
		0,
		1u << 12,
		(1u << 12) | (1u << 13),
		0xffffffffu,
		(1u << 1) | (1u << 31),
	};
	char full[1024], buf[1024 + 16];
	size_t c, size;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		setup_flags_str(cases[c], "|", full, sizeof(full));
		assert_true(strlen(full) < sizeof(full) - 1);
		for (size = 0; size <= strlen(full) + 2; size++) {
			size_t i;

			memset(buf, 0x5a, sizeof(buf));
			assert_ptr_equal(setup_flags_str(cases[c], "|", buf, size), buf);
			for (i = size; i < sizeof(buf); i++)
				if (buf[i] != 0x5a)
					fail_msg("flags 0x%x size %zu: byte %zu written", cases[c], size,
						 i);
			if (!size)
				continue;
			if (!memchr(buf, '\0', size))
				fail_msg("flags 0x%x size %zu: not NUL-terminated", cases[c], size);
			/* What fits is a prefix of the full string. */
			if (strncmp(buf, full, strlen(buf)))
				fail_msg("flags 0x%x size %zu: '%s' not a prefix of '%s'", cases[c],
					 size, buf, full);
			if (size > strlen(full))
				assert_string_equal(buf, full);
		}
	}
}

static void test_str_all_bits(void **state)
{
	char buf[1024], expect[1024] = "";
	unsigned int bit;

	(void)state;
	for (bit = 0; bit < 32; bit++) {
		char one[32];

		if (bit < NR_KNOWN)
			snprintf(one, sizeof(one), "%s", known[bit].name);
		else
			snprintf(one, sizeof(one), "0x%x", 1u << bit);
		if (bit)
			strcat(expect, "|");
		strcat(expect, one);
	}
	setup_flags_str(0xffffffffu, "|", buf, sizeof(buf));
	assert_string_equal(buf, expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_bits),
		cmocka_unit_test(test_unknown_bits),
		cmocka_unit_test(test_str_none),
		cmocka_unit_test(test_str_single),
		cmocka_unit_test(test_str_combined),
		cmocka_unit_test(test_str_unknown),
		cmocka_unit_test(test_str_truncation),
		cmocka_unit_test(test_str_all_bits),
	};

	return cmocka_run_group_tests_name("flags", tests, NULL, NULL);
}
