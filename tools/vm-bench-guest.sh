#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside a tools/vmtest guest (busybox sh): the exact backend's cost per program run,
# split into tracked-lock hits and misses, read from the kernel's own BPF run-time statistics.
set -u

wait_line() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 600 ] && return 1
		sleep 0.1
	done
}

# Misses: the profiled process has an idle ring; another process takes its own uring_lock
# (and every other mutex of the system) without being tracked.
uringbench --wait-start --ops 1 >/dev/null 2>/tmp/idle.err &
idle=$!
wait_line /tmp/idle.err "ready pid=" || echo "vm-bench: idle workload not ready"
uringlockstat --mode exact --prog-stats -p "$idle" -d 4 --json /out/miss.json \
	>/tmp/miss.out 2>/tmp/miss.err &
uls=$!
wait_line /tmp/miss.err "uringlockstat: profiling" || echo "vm-bench: profiler not ready"
uringbench --single-issuer --duration 2 >/tmp/untracked.out
wait "$uls" || { echo "vm-bench: miss run failed"; cat /tmp/miss.err; }
kill -USR1 "$idle"
wait "$idle"

# Hits: the profiled process's own ring, one thread, NOP batch 1 (one lock/unlock per SQE).
uringlockstat --mode exact --paths --prog-stats --json /out/hit.json -- \
	uringbench --single-issuer --duration 2 --json >/out/hit.bench.json 2>/tmp/hit.err ||
	{ echo "vm-bench: hit run failed"; tail -5 /tmp/hit.err; }

# The same without paths (the exact backend's default): what the path attribution costs.
uringlockstat --mode exact --prog-stats --json /out/hit-nopaths.json -- \
	uringbench --single-issuer --duration 2 --json >/out/hit-nopaths.bench.json 2>/tmp/hitnp.err ||
	{ echo "vm-bench: no-paths run failed"; tail -5 /tmp/hitnp.err; }

# Throughput of the same loop untraced and under the exact backend (emulated CPU: a hint only).
uringbench --single-issuer --duration 2 --json >/out/untraced.bench.json
echo "vm-bench: done"
