#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One SINGLE_ISSUER ring, one thread: no contention, SQEs and enters as uringbench counted them.
. "$(dirname "$0")/lib.bash"
need_root

"$ULS" --count-enters --json "$T/r.json" -- "$BENCH" --single-issuer --ops 200000 --json >"$T/b.json" 2>"$T/err" ||
	fail "profiler or workload failed: $(tail -3 "$T/err")"
pid=$(jqv "$T/b.json" .pid)
ring_of "$T/r.json" "$pid" >"$T/ring.json" || fail "no ring of pid $pid in the report"
assert_eq "rings of the workload" "$(jqv "$T/ring.json" length)" 1
assert_eq "flags" "$(jqv "$T/ring.json" '.[0].flags | join(",")')" SINGLE_ISSUER
assert_eq "fd" "$(jqv "$T/ring.json" '.[0].fd')" "$(jqv "$T/b.json" '.rings[0].fd')"
assert_eq "contended" "$(jqv "$T/ring.json" '.[0].contended')" 0
assert_within "sqes" "$(jqv "$T/ring.json" '.[0].sqes')" "$(jqv "$T/b.json" .total.sqes)" 2
assert_within "enters" "$(jqv "$T/ring.json" '.[0].enters')" "$(jqv "$T/b.json" .total.enters)" 2
assert_eq "acquisitions_method" "$(jqv "$T/ring.json" '.[0].acquisitions_method')" inferred
assert_within "acquisitions (inferred)" "$(jqv "$T/ring.json" '.[0].acquisitions')" \
	"$(jqv "$T/b.json" .total.enters_submit)" 2
assert_eq "submitter is the workload's thread" \
	"$(jqv "$T/ring.json" '.[0].submitter_tid != null')" true
assert_null "hold_ns without the exact backend" "$(jqv "$T/ring.json" '.[0].hold_ns')"
assert_eq "partial" "$(jqv "$T/r.json" .partial)" false
exit 0
