#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -p with the ID of a thread that is not the process's leader profiles the whole process (rings
# belong to processes), with a one-line note; never a silently empty report.
. "$(dirname "$0")/lib.bash"
need_root

start_waiting_bench "$T/b.json" --threads 2 --rings 2 --ops 100000
tid=
for t in /proc/"$BENCH_PID"/task/*; do
	t=${t##*/}
	[ "$t" != "$BENCH_PID" ] && tid=$t && break
done
[[ $tid =~ ^[0-9]+$ ]] || fail "no worker thread in /proc/$BENCH_PID/task"
start_profiler "$T/uls.err" -p "$tid" --json "$T/r.json"
grep -qx "uringlockstat: $tid is a thread of process $BENCH_PID: profiling the process" \
	"$T/uls.err" || fail "no note naming the process: $(grep -v '^libbpf' "$T/uls.err")"
echo "ok: -p $tid (a thread) noted as process $BENCH_PID"
kill -USR1 "$BENCH_PID"
wait "$BENCH_PID" || fail "workload failed"
timeout 20 tail --pid="$ULS_PID" -f /dev/null || fail "profiler did not end with its target"
wait "$ULS_PID" || fail "profiler failed: $(tail -3 "$T/uls.err")"
[ -s "$T/r.json" ] || fail "no JSON report"
assert_eq "target pid in report" "$(jqv "$T/r.json" .target.pid)" "$BENCH_PID"
assert_eq "pids of the rings" "$(jqv "$T/r.json" '[.rings[].pid] | unique | join(",")')" "$BENCH_PID"
assert_eq "rings found" "$(jqv "$T/r.json" '.rings | length')" 2
got=$(jqv "$T/r.json" '[.rings[].sqes] | add')
want=$(jqv "$T/b.json" .total.sqes)
[[ $got =~ ^[0-9]+$ && $want =~ ^[0-9]+$ && $want -gt 0 ]] ||
	fail "sqes not numbers: report $got, workload $want"
# Counted from io_uring_enter's return: exact.
assert_eq "sqes of the process" "$got" "$want"
exit 0
