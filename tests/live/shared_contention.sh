#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Three threads on one shared ring contend; a single-issuer ring in another process of the same
# command does not. Contention must show on the shared ring only.
. "$(dirname "$0")/lib.bash"
need_root

"$ULS" --count-enters --json "$T/r.json" -- sh -c "
	'$BENCH' --threads 3 --shared --batch 8 --duration 1.5 --json >'$T/shared.json' &
	'$BENCH' --single-issuer --duration 1.5 --json >'$T/single.json'
	wait" 2>"$T/err" || fail "run failed: $(tail -3 "$T/err")"
shared=$(jqv "$T/shared.json" .pid)
single=$(jqv "$T/single.json" .pid)
ring_of "$T/r.json" "$shared" >"$T/sr.json" || fail "shared ring not in report"
ring_of "$T/r.json" "$single" >"$T/ir.json" || fail "single-issuer ring not in report"
assert_eq "shared rings" "$(jqv "$T/sr.json" length)" 1
assert_eq "single-issuer rings" "$(jqv "$T/ir.json" length)" 1
assert_gt "contended on the shared ring" "$(jqv "$T/sr.json" '.[0].contended')" 0
assert_eq "contended on the single-issuer ring" "$(jqv "$T/ir.json" '.[0].contended')" 0
assert_eq "spin + sleep = contended" "$(jqv "$T/sr.json" '.[0] | (.spin | num) + (.sleep | num)')" \
	"$(jqv "$T/sr.json" '.[0].contended | num')"
assert_gt "wait p50" "$(jqv "$T/sr.json" '.[0].wait_ns.p50')" 0
assert_eq "wait count = contended" "$(jqv "$T/sr.json" '.[0].wait_ns.count | num')" \
	"$(jqv "$T/sr.json" '.[0].contended | num')"
assert_eq "p50 <= p90 <= p99 <= max" \
	"$(jqv "$T/sr.json" '.[0].wait_ns | (.p50 | num) <= (.p90 | num) and .p90 <= (.p99 | num) and
		.p99 <= (.max | num)')" true
assert_within "shared sqes" "$(jqv "$T/sr.json" '.[0].sqes')" "$(jqv "$T/shared.json" .total.sqes)" 2
assert_within "shared enters" "$(jqv "$T/sr.json" '.[0].enters')" \
	"$(jqv "$T/shared.json" .total.enters)" 2
assert_within "single sqes" "$(jqv "$T/ir.json" '.[0].sqes')" "$(jqv "$T/single.json" .total.sqes)" 2
share=$(jqv "$T/sr.json" '.[0].owner_other_cpu_share')
need_number "owner_other_cpu_share" "$share"
awk -v s="$share" 'BEGIN { exit !(s >= 0 && s <= 1) }' || fail "owner share $share out of [0,1]"
echo "ok: owner_other_cpu_share = $share"

# Many rings contended at once, from the start: every ring's figures are there, and nothing is
# lost (user space creates the rings' histogram entries ahead of use, so that BPF need not).
for run in 1 2 3; do
	"$ULS" --mode contention --json "$T/many.json" -- "$BENCH" --rings 16 --threads 4 --shared \
		--ops 20000 --json >"$T/many.b.json" 2>"$T/err" || fail "16-ring run failed: $(tail -3 "$T/err")"
	assert_eq "16 rings, run $run: rings reported" "$(jqv "$T/many.json" '.rings | length')" 16
	# Whether 4 threads on 2 CPUs overlap on every ring is up to the scheduler: most must.
	assert_gt "16 rings, run $run: rings with contention" \
		"$(jqv "$T/many.json" '[.rings[] | select(.contended > 0)] | length')" 11
	assert_eq "16 rings, run $run: lost (stats_lookup)" "$(jqv "$T/many.json" .lost.stats_lookup)" 0
done
exit 0
