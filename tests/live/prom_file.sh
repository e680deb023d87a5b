#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --prom-file for node_exporter's textfile collector: every rewrite is whole (promtool accepts
# each version read while the run goes on), the last one holds the run's final figures, equal
# to the JSON and to uringbench's counts, and an unwritable path fails before anything runs.
. "$(dirname "$0")/lib.bash"
need_root
command -v promtool >/dev/null || skip "promtool (Debian package prometheus) not installed"

"$ULS" --prom-file "$T/m.prom" -i 0.2 --count-enters --json "$T/r.json" -- "$BENCH" --threads 3 --shared \
	--duration 2 --json >"$T/b.json" 2>"$T/err" &
uls=$!
PIDS+=("$uls")
# Read the file while it is rewritten five times a second: a reader never sees half a file.
reads=0
for ((i = 0; i < 30; i++)); do
	sleep 0.05
	cp "$T/m.prom" "$T/read.prom" 2>/dev/null || continue
	promtool check metrics <"$T/read.prom" >"$T/lint" 2>&1 ||
		fail "promtool rejects a version read mid-run: $(head -5 "$T/lint")"
	grep -q '^uringlockstat_lost_events_total' "$T/read.prom" || fail "truncated: $T/read.prom"
	reads=$((reads + 1))
done
wait "$uls" || fail "run failed: $(tail -3 "$T/err")"
assert_gt "versions read mid-run and accepted by promtool" "$reads" 5

promtool check metrics <"$T/m.prom" >"$T/lint" 2>&1 || fail "promtool: $(cat "$T/lint")"
assert_eq "promtool findings" "$(wc -c <"$T/lint")" 0
assert_eq "temp files left" "$(ls "$T" | grep -c '\.tmp\.')" 0
! grep -q '^# EOF' "$T/m.prom" || fail "Prometheus text format has no # EOF"

pid=$(jqv "$T/b.json" .pid)
ring_of "$T/r.json" "$pid" >"$T/ring.json" || fail "no ring of pid $pid in the report"
fd=$(jqv "$T/ring.json" '.[0].fd')
value() {
	awk -v m="$1" -v sel="pid=\"$pid\"," -v fd="fd=\"$fd\"" \
		'index($0, m "{") == 1 && index($0, sel) && index($0, fd) { print $NF }' "$T/m.prom"
}
assert_eq "sqes in the file = uringbench's" "$(value uringlockstat_sqes_total)" \
	"$(jqv "$T/b.json" .total.sqes)"
assert_eq "enters in the file = uringbench's" "$(value uringlockstat_enters_total)" \
	"$(jqv "$T/b.json" .total.enters)"
assert_eq "contended in the file = JSON" "$(value uringlockstat_contended_total)" \
	"$(jqv "$T/ring.json" '.[0].contended')"
assert_gt "contended" "$(value uringlockstat_contended_total)" 0
assert_eq "wait histogram count = JSON" "$(value uringlockstat_wait_seconds_count)" \
	"$(jqv "$T/ring.json" '.[0].wait_ns.count')"
total=$(jqv "$T/ring.json" '.[0].wait_ns.total')
assert_eq "wait histogram sum = JSON (exact decimal seconds)" \
	"$(value uringlockstat_wait_seconds_sum)" \
	"$(printf '%d.%09d' $((total / 1000000000)) $((total % 1000000000)))"
# Cumulative buckets: never decreasing, ending in +Inf = _count.
awk -v sel="pid=\"$pid\"," 'index($0, "uringlockstat_wait_seconds_bucket{") == 1 && index($0, sel) {
	if ($NF < last) { print "decreasing at " $0; exit 1 } last = $NF; n++ }
	END { if (n < 2) { print "no buckets"; exit 1 } }' "$T/m.prom" || fail "bad buckets"
grep -q "uringlockstat_wait_seconds_bucket{pid=\"$pid\",.*le=\"+Inf\"} $(value uringlockstat_wait_seconds_count)\$" \
	"$T/m.prom" || fail "+Inf bucket is not the count"
echo "ok: cumulative buckets end in +Inf = count"
grep -q '0xffff' "$T/m.prom" && fail "kernel address in the metrics without -v"
echo "ok: no kernel address without -v"

# An unwritable path: one line, non-zero, before the command runs.
"$ULS" --prom-file "$T/no-such-dir/m.prom" -- touch "$T/ran" >/dev/null 2>"$T/err" &&
	fail "unwritable --prom-file accepted"
assert_eq "error lines" "$(grep -vc '^libbpf' "$T/err")" 1
[ ! -e "$T/ran" ] || fail "the command ran despite the unwritable --prom-file"
exit 0
