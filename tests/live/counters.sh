#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Counters against ground truth on several ring kinds: register calls, DEFER_TASKRUN batches,
# SQPOLL (SQ head method), --light, and the raw_tp flavour of every hook.
. "$(dirname "$0")/lib.bash"
need_root

run() { # NAME PROFILER_ARGS -- BENCH_ARGS
	local name=$1
	shift
	local uls_args=()
	while [ "$1" != -- ]; do uls_args+=("$1"); shift; done
	shift
	# Enters are counted on request (--light is the default, said on its own).
	[[ " ${uls_args[*]} " == *" --light "* ]] || uls_args+=(--count-enters)
	"$ULS" "${uls_args[@]}" --json "$T/$name.r.json" -- "$BENCH" --json "$@" \
		>"$T/$name.b.json" 2>"$T/$name.err" || fail "$name: run failed: $(tail -3 "$T/$name.err")"
}

run register -- --register-every 10 --ops 20000
assert_eq "registers" "$(jqv "$T/register.r.json" '.rings[0].registers')" \
	"$(jqv "$T/register.b.json" .total.registers)"
assert_eq "inferred acquisitions = submit enters + registers" \
	"$(jqv "$T/register.r.json" '.rings[0].acquisitions')" \
	"$(jqv "$T/register.b.json" '.total.enters_submit + .total.registers')"

run defer -- --single-issuer --defer-taskrun --batch 32 --ops 320000
assert_eq "flags" "$(jqv "$T/defer.r.json" '.rings[0].flags | join(",")')" SINGLE_ISSUER,DEFER_TASKRUN
assert_eq "sqes" "$(jqv "$T/defer.r.json" '.rings[0].sqes')" "$(jqv "$T/defer.b.json" .total.sqes)"
assert_eq "enters" "$(jqv "$T/defer.r.json" '.rings[0].enters')" "$(jqv "$T/defer.b.json" .total.enters)"

run read -- --single-issuer --defer-taskrun --op read --ops 20000
assert_eq "read sqes" "$(jqv "$T/read.r.json" '.rings[0].sqes')" "$(jqv "$T/read.b.json" .total.sqes)"

run sqpoll -- --sqpoll --ops 100000 --hold 1.5
assert_eq "sqpoll sqes method" "$(jqv "$T/sqpoll.r.json" '.rings[0].sqes_method')" sq_head
assert_within "sqpoll sqes" "$(jqv "$T/sqpoll.r.json" '.rings[0].sqes')" \
	"$(jqv "$T/sqpoll.b.json" .total.sqes)" 2

run light --light -- --single-issuer --ops 100000 --hold 1.5
assert_eq "light sqes method" "$(jqv "$T/light.r.json" '.rings[0].sqes_method')" sq_head
assert_within "light sqes" "$(jqv "$T/light.r.json" '.rings[0].sqes')" \
	"$(jqv "$T/light.b.json" .total.sqes)" 2
assert_null "light enters" "$(jqv "$T/light.r.json" '.rings[0].enters')"
assert_null "light acquisitions" "$(jqv "$T/light.r.json" '.rings[0].acquisitions')"

URINGLOCKSTAT_FORCE_RAW_TP=1 run raw -- --threads 3 --shared --batch 8 --duration 1 --register-every 20
jqv "$T/raw.r.json" .backends.contention.reason | grep -q raw_tp || fail "raw_tp not used"
assert_eq "raw_tp sqes" "$(jqv "$T/raw.r.json" '.rings[0].sqes')" "$(jqv "$T/raw.b.json" .total.sqes)"
assert_eq "raw_tp registers" "$(jqv "$T/raw.r.json" '.rings[0].registers')" \
	"$(jqv "$T/raw.b.json" .total.registers)"
assert_gt "raw_tp contended" "$(jqv "$T/raw.r.json" '.rings[0].contended')" 0

# A figure whose hook failed to load is missing everywhere, never 0: JSON null, no metric.
URINGLOCKSTAT_TEST_REFUSE=register_btf run refused --prom-file "$T/refused.prom" -- \
	--register-every 10 --ops 2000
assert_null "registers with their hook refused" "$(jqv "$T/refused.r.json" '.rings[0].registers')"
grep -q "not measured: register calls" "$T/refused.err" || fail "refused hook not reported"
grep -q '^uringlockstat_local_work_runs_total{' "$T/refused.prom" ||
	fail "metrics file lacks the figures that were measured: $(head -c 300 "$T/refused.prom")"
! grep -q '^uringlockstat_registers_total' "$T/refused.prom" ||
	fail "registers exported although not measured: $(grep registers_total "$T/refused.prom")"
echo "ok: registers absent from the metrics when their hook was refused"
exit 0
