#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -p PID profiles that process's rings (found at start by the iterator) and ignores another
# process's rings; the run ends, marked partial, when the target exits.
. "$(dirname "$0")/lib.bash"
need_root

start_waiting_bench "$T/a.json" --ops 100000 --register-every 50
a=$BENCH_PID
start_waiting_bench "$T/b.json" --ops 100000 --threads 2 --shared --batch 4
b=$BENCH_PID
start_profiler "$T/uls.err" -p "$a" --json "$T/r.json"
kill -USR1 "$a" "$b"
wait "$a" || fail "workload a failed"
wait "$b" || fail "workload b failed"
timeout 20 tail --pid="$ULS_PID" -f /dev/null || fail "profiler did not end when its target exited"
wait "$ULS_PID" || fail "profiler failed: $(tail -3 "$T/uls.err")"
assert_eq "pids in report" "$(jqv "$T/r.json" '[.rings[].pid] | unique | join(",")')" "$a"
assert_eq "found by" "$(jqv "$T/r.json" '.rings[0].found_by')" iterator
assert_within "sqes" "$(jqv "$T/r.json" '.rings[0].sqes')" "$(jqv "$T/a.json" .total.sqes)" 2
assert_eq "registers" "$(jqv "$T/r.json" '.rings[0].registers')" "$(jqv "$T/a.json" .total.registers)"
assert_eq "partial (target exited)" "$(jqv "$T/r.json" .partial)" true
exit 0
