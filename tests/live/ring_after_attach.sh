#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A ring created after the profiler attached is found through io_uring:io_uring_create.
. "$(dirname "$0")/lib.bash"
need_root

"$BENCH" --create-delay 2 --ops 50000 --batch 4 --json >"$T/b.json" 2>"$T/b.err" &
b=$!
PIDS+=("$b")
start_profiler "$T/uls.err" -p "$b" --count-enters --json "$T/r.json"
grep -q "0 ring(s) found at start" "$T/uls.err" || fail "ring existed before attach: $(cat "$T/uls.err")"
wait "$b" || fail "workload failed"
wait "$ULS_PID" || fail "profiler failed: $(tail -3 "$T/uls.err")"
assert_eq "rings" "$(jqv "$T/r.json" '.rings | length')" 1
assert_eq "found by" "$(jqv "$T/r.json" '.rings[0].found_by')" io_uring_create
assert_eq "fd" "$(jqv "$T/r.json" '.rings[0].fd')" "$(jqv "$T/b.json" '.rings[0].fd')"
assert_within "sqes" "$(jqv "$T/r.json" '.rings[0].sqes')" "$(jqv "$T/b.json" .total.sqes)" 2
assert_within "enters" "$(jqv "$T/r.json" '.rings[0].enters')" "$(jqv "$T/b.json" .total.enters)" 2
exit 0
