#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -i prints a live per-ring table; SIGINT ends the run with a complete (not partial) summary;
# SIGTERM to a profiler running -- CMD is passed on to the command.
. "$(dirname "$0")/lib.bash"
need_root

start_waiting_bench "$T/b.json" --duration 4
b=$BENCH_PID
start_profiler "$T/uls.err" -p "$b" -i 0.5 --json "$T/r.json"
kill -USR1 "$b"
sleep 1.8
kill -INT "$ULS_PID"
wait "$ULS_PID" || fail "profiler exited with $? after SIGINT: $(tail -3 "$T/uls.err")"
tables=$(grep -c '^RING ' "$T/uls.err.out")
assert_gt "live tables printed" "$tables" 1
grep -E "^0 +$b " "$T/uls.err.out" | awk '{ if ($5 > 0) found = 1 } END { exit !found }' ||
	fail "no live row with SQEs/s > 0 for pid $b: $(cat "$T/uls.err.out")"
echo "ok: live rows show the ring's SQE rate"
assert_eq "partial after SIGINT" "$(jqv "$T/r.json" .partial)" false
ring_of "$T/r.json" "$b" >"$T/ring.json" || fail "no ring of pid $b in the report"
assert_gt "sqes so far" "$(jqv "$T/ring.json" '.[0].sqes')" 0
grep -q "^ring 0: pid $b" "$T/uls.err.out" || fail "no summary after SIGINT"

"$ULS" -- sleep 30 >"$T/out" 2>"$T/err" &
u=$!
PIDS+=("$u")
sleep 1
kill -TERM "$u"
timeout 10 tail --pid="$u" -f /dev/null || fail "profiler did not end after SIGTERM"
wait "$u"
assert_eq "status of the command after SIGTERM was passed on" "$?" 143
pgrep -x -f "sleep 30" >/dev/null && fail "the command survived the profiler"
exit 0
