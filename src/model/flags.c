// SPDX-License-Identifier: GPL-2.0
/* io_uring setup flags by name, as in include/uapi/linux/io_uring.h. */
#include <stdio.h>
#include <string.h>
#include "flags.h"

static const char *const setup_flag_names[] = {
	"IOPOLL",       "SQPOLL",        "SQ_AFF",        "CQSIZE",             "CLAMP",
	"ATTACH_WQ",    "R_DISABLED",    "SUBMIT_ALL",    "COOP_TASKRUN",       "TASKRUN_FLAG",
	"SQE128",       "CQE32",         "SINGLE_ISSUER", "DEFER_TASKRUN",      "NO_MMAP",
	"REGISTERED_FD_ONLY", "NO_SQARRAY", "HYBRID_IOPOLL", "CQE_MIXED",
};

const char *setup_flag_name(unsigned int bit)
{
	if (bit >= sizeof(setup_flag_names) / sizeof(setup_flag_names[0]))
		return NULL;
	return setup_flag_names[bit];
}

char *setup_flags_str(__u32 flags, const char *sep, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int bit;

	if (!size)
		return buf;
	buf[0] = '\0';
	if (!flags) {
		snprintf(buf, size, "none");
		return buf;
	}
	for (bit = 0; bit < 32; bit++) {
		const char *name = setup_flag_name(bit);
		char unknown[16];
		int n;

		if (!(flags & (1u << bit)))
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "0x%x", 1u << bit);
			name = unknown;
		}
		n = snprintf(buf + len, size - len, "%s%s", len ? sep : "", name);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += n;
	}
	return buf;
}
