/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_FLAGS_H
#define URINGLOCKSTAT_FLAGS_H

#include <stddef.h>
#include <linux/types.h>

#define SETUP_SQPOLL (1u << 1)
#define SETUP_SINGLE_ISSUER (1u << 12)
#define SETUP_DEFER_TASKRUN (1u << 13)

/* Name of IORING_SETUP_* bit `bit` without the prefix, or NULL if unknown. */
const char *setup_flag_name(unsigned int bit);

/*
 * Write the names of the set flags into buf separated by `sep` ("SINGLE_ISSUER|DEFER_TASKRUN");
 * unknown bits appear as "0x..."; "none" when no bit is set. Returns buf.
 */
char *setup_flags_str(__u32 flags, const char *sep, char *buf, size_t size);

#endif
