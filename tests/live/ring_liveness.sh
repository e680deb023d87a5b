#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Ring liveness comes from the kernel (the ring's teardown), not from fd tables:
# 1. A ring used only through a registered ring fd (its fd closed right after
#    io_uring_register_ring_fd) stays one live ring for the whole run under --expire 1: it is
#    not expired and tracked again with its figures reset; its SQEs, counted up to its last SQ
#    head at teardown, equal the workload's; and its SQ head is read while it runs (the
#    interval table shows its SQE rate).
# 2. A closed ring is untracked at once: the tracked-lock map holds no entry of it after its
#    teardown, while the profiler still runs.
. "$(dirname "$0")/lib.bash"
need_root

"$ULS" -i 0.25 --expire 1 --json "$T/r.json" -- "$BENCH" --registered-ring --duration 3 --json \
	>"$T/b.json" 2>"$T/err" || fail "run failed: $(tail -3 "$T/err")"
pid=$(jqv "$T/b.json" .pid)
assert_eq "registered ring: rings of the workload" \
	"$(jqv "$T/r.json" "[.rings[] | select(.pid == $pid)] | length")" 1
assert_eq "registered ring: its SQEs = the workload's" \
	"$(jqv "$T/r.json" "[.rings[] | select(.pid == $pid)][0].sqes")" "$(jqv "$T/b.json" .total.sqes)"
assert_eq "registered ring: nothing lost" "$(jqv "$T/r.json" '.lost.ring_slots_full')" 0
# The interval tables while it ran: its SQEs/s a number above 0 in every full interval (the
# first may precede its first SQE, the last its exit).
rates=$(awk -v pid="$pid" '$1 ~ /^[0-9]+$/ && $2 == pid { print $5 }' "$T/err")
echo "registered ring: SQEs/s per interval: $(echo $rates)"
assert_gt "registered ring: intervals with an SQE rate" \
	"$(echo "$rates" | awk '$1 ~ /^[0-9]+$/ && $1 > 0' | wc -l)" 8

# 2: the profiler on every process; one ring opened and closed while it runs.
start_profiler "$T/err2" -a -i 0.25 --json "$T/a.json"
u=$ULS_PID
"$BENCH" --ops 20000 --json >"$T/b2.json" 2>&1 || fail "workload failed"
sleep 0.5
# The tracked-lock map of this profiler: the map named "tracked" of its BPF programs.
map=$(bpftool -j map show | jq -r '[.[] | select(.name == "tracked")] | last | .id')
need_number "tracked map id" "$map"
n=$(bpftool -j map dump id "$map" | jq 'length')
kill -INT "$u"
wait "$u" || fail "profiler failed: $(tail -3 "$T/err2")"
pid2=$(jqv "$T/b2.json" .pid)
assert_eq "closed ring reported" "$(jqv "$T/a.json" "[.rings[] | select(.pid == $pid2)] | length")" 1
# Other processes' open rings may be tracked; the closed one must not be: its lock's entry
# went at teardown. The map holds one entry per live tracked ring.
open=$(jqv "$T/a.json" '[.rings[] | select(.open_at_end)] | length')
assert_eq "tracked locks after the ring's teardown = open rings" "$n" "$open"
exit 0
