// SPDX-License-Identifier: GPL-2.0
/*
 * uringlockstat's kernel half, one object: ring discovery and one header per backend.
 * Every hot program filters on the tracked-lock hash first and aggregates into per-ring
 * maps; nothing is sent per event.
 */
#include "core_types.bpf.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "uringlockstat.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_IO_URING_ENTER 426
#define IORING_SETUP_SQPOLL (1u << 1)
#define IORING_ENTER_GETEVENTS (1u << 0)
#define IORING_ENTER_REGISTERED_RING (1u << 4)
#define IO_RINGFD_REG_MAX 16
#define LCB_F_SPIN (1u << 0)
#define LCB_F_MUTEX (1u << 5)
#define MUTEX_FLAGS 0x07ul
#define EFAULT 14
#define EBADF 9
#define EOPNOTSUPP 95

#include "common.bpf.h"
#include "discovery.bpf.h"
#include "counters.bpf.h"
#include "contention.bpf.h"
#include "exact.bpf.h"
#include "sample.bpf.h"
