#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of the test suites' own checks: every helper is fed missing files, empty values,
# null, jq-error and garbage and must fail, and fed good values and must pass. No root, no
# build. Prints "selftest: N passed, M failed"; exits 1 if any case went the wrong way.
# LIVE_LIB=FILE tests another copy of tests/live/lib.bash (to show an old one's blind spots);
# SELFTEST_KEEP=1 keeps the crafted inputs (the folder is printed).
# shellcheck disable=SC2016 # each case's code is single-quoted for the shell that runs it
set -u
tests=$(cd "$(dirname "$0")/.." && pwd)
LIVE_LIB=${LIVE_LIB:-$tests/live/lib.bash}
W=$(mktemp -d /tmp/uringlockstat-selftest.XXXXXX)
if [ "${SELFTEST_KEEP:-0}" = 1 ]; then
	echo "selftest: inputs kept in $W"
else
	trap 'rm -rf "$W"' EXIT
fi
passed=0 failed=0

# expect pass|fail NAME CMD [ARGS...]: CMD must exit 0 (pass) or non-zero (fail).
expect() {
	local want=$1 name=$2 got=pass
	shift 2
	"$@" >"$W/out" 2>&1 </dev/null || got=fail
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL ${name//$'\n'/\\n}: want $want, got $got"
		tail -5 "$W/out" | sed 's/^/    /'
	fi
}

# live CODE [ARGS...]: CODE in a fresh bash that sourced lib.bash (its fail() ends the script
# it runs in, so each case needs its own); ARGS are $1... there.
live() {
	local code=$1
	shift
	BUILD=$W bash -c ". '$LIVE_LIB'; $code" live "$@"
}

# Values that are no numbers: empty, null, what the runners print on errors, text, numbers
# with garbage, nan/inf, hex, padding, two numbers on two lines.
BAD=("" null jq-error missing abc 12abc nan inf -inf 0x10 " 1" "1 " "1
2" - . 1e e5 true)
GOOD=(0 7 -3 1.5 .5 1e3 2.5E-2 123456789012)

# ---- tests/live/lib.bash ----
for v in "${BAD[@]}"; do
	expect fail "need_number '$v'" live 'need_number x "$1"' "$v"
	expect fail "assert_gt GOT='$v'" live 'assert_gt x "$1" 0' "$v"
	expect fail "assert_gt MIN='$v'" live 'assert_gt x 5 "$1"' "$v"
	expect fail "assert_within GOT='$v'" live 'assert_within x "$1" 100 2' "$v"
	expect fail "assert_within WANT='$v'" live 'assert_within x 100 "$1" 2' "$v"
	expect fail "assert_within PCT='$v'" live 'assert_within x 100 100 "$1"' "$v"
	expect fail "assert_eq GOT='$v' WANT=0" live 'assert_eq x "$1" 0' "$v"
	[ "$v" = null ] || expect fail "assert_null '$v'" live 'assert_null x "$1"' "$v"
done
for v in "" null jq-error missing; do
	expect fail "assert_eq GOT=WANT='$v'" live 'assert_eq x "$1" "$1"' "$v"
done
for v in "${GOOD[@]}"; do
	expect pass "need_number '$v'" live 'need_number x "$1"' "$v"
	expect pass "assert_eq '$v' '$v'" live 'assert_eq x "$1" "$1"' "$v"
done
expect pass "assert_gt 5 > 0" live 'assert_gt x 5 0'
expect pass "assert_gt -3 > -4" live 'assert_gt x -3 -4'
expect pass "assert_gt 1.5 > 1" live 'assert_gt x 1.5 1'
expect fail "assert_gt 0 > 0" live 'assert_gt x 0 0'
expect fail "assert_gt 9 > 10 (compared as numbers, not text)" live 'assert_gt x 9 10'
expect pass "assert_within 101 of 100 by 2%" live 'assert_within x 101 100 2'
expect pass "assert_within 100 of 100 by 0%" live 'assert_within x 100 100 0'
expect fail "assert_within 103 of 100 by 2%" live 'assert_within x 103 100 2'
expect fail "assert_within 97 of 100 by 2%" live 'assert_within x 97 100 2'
expect fail "assert_within 0 of 0 (a zero figure has no tolerance)" live 'assert_within x 0 0 2'
expect pass "assert_eq true true" live 'assert_eq x true true'
expect pass "assert_eq text with spaces" live 'assert_eq x "a b" "a b"'
expect fail "assert_eq 5 6" live 'assert_eq x 5 6'
expect fail "assert_eq abc abd" live 'assert_eq x abc abd'
expect pass "assert_null null" live 'assert_null x null'
expect fail "assert_null 0" live 'assert_null x 0'
expect pass "assert_empty ''" live 'assert_empty x ""'
for v in null jq-error x 0 " "; do
	expect fail "assert_empty '$v'" live 'assert_empty x "$1"' "$v"
done
# fail() inside $(...) ends the test, not only the subshell.
expect fail "fail in a command substitution ends the test" live 'v=$(fail inner); exit 0'

# jqv: a missing, empty or unreadable report fails; num and nonempty fail on absent figures.
printf '{"a": 1, "s": "x", "n": null, "e": [], "rings": [{"pid": 7, "sqes": 3}, {"pid": 8}]}\n' \
	>"$W/r.json"
: >"$W/empty.json"
echo "not JSON {" >"$W/garbage.json"
printf '{"rings": null}\n' >"$W/null-rings.json"
printf '{}\n' >"$W/object.json"
printf '[]\n' >"$W/array.json"
expect pass "jqv .a" live '[ "$(jqv "$1" .a)" = 1 ]' "$W/r.json"
expect pass "jqv .n prints null" live '[ "$(jqv "$1" .n)" = null ]' "$W/r.json"
expect fail "jqv on a missing file" live 'jqv "$1" .a' "$W/nonexistent.json"
expect fail "jqv on an empty file" live 'jqv "$1" .a' "$W/empty.json"
expect fail "jqv on garbage" live 'jqv "$1" .a' "$W/garbage.json"
expect fail "jqv on a bad expression" live 'jqv "$1" ".a |||"' "$W/r.json"
expect pass "jqv num on a number" live '[ "$(jqv "$1" ".a | num")" = 1 ]' "$W/r.json"
for f in n missing s e; do
	expect fail "jqv num on .$f" live 'jqv "$1" ".$2 | num"' "$W/r.json" "$f"
done
expect fail "jqv: a comparison with an absent figure" live 'jqv "$1" "(.missing | num) <= 5"' \
	"$W/r.json"
expect pass "jqv: nonempty passes a full array" live 'jqv "$1" "[.rings[].pid] | nonempty | add"' \
	"$W/r.json"
expect fail "jqv: nonempty fails an empty array" live 'jqv "$1" ".e | nonempty | all(. == 0)"' \
	"$W/r.json"
expect fail "jqv: nonempty fails null" live 'jqv "$1" ".n | nonempty"' "$W/r.json"
expect fail "jqv: sum of absent figures is no number" \
	live 'assert_eq x "$(jqv "$1" "[.rings[].missing] | add")" "$(jqv "$1" ".missing")"' "$W/r.json"

# ring_of: fails unless the report holds a ring of that pid.
expect pass "ring_of pid 7" live '[ "$(ring_of "$1" 7 | jq length)" = 1 ]' "$W/r.json"
expect pass "ring_of pid 8" live 'ring_of "$1" 8' "$W/r.json"
expect fail "ring_of: no ring of pid 9" live 'ring_of "$1" 9' "$W/r.json"
for f in nonexistent empty garbage null-rings object array; do
	expect fail "ring_of on $f.json" live 'ring_of "$1" 7' "$W/$f.json"
done
for v in "" null abc 7x; do
	expect fail "ring_of pid '$v'" live 'ring_of "$1" "$2"' "$W/r.json" "$v"
done
expect fail "ring_of || fail is live code" live 'ring_of "$1" 9 >/dev/null || fail none; exit 0' \
	"$W/r.json"

# ---- tests/lib/checks.bash: eq, within, cond, jq_file of the VM runners ----
# counted FUNC ARGS...: FUNC reported exactly one ok and no failure.
counted() {
	(
		. "$tests/lib/checks.bash"
		oks=0 fails=0
		ok() { oks=$((oks + 1)); }
		fail() { fails=$((fails + 1)); }
		"$@"
		[ "$oks" = 1 ] && [ "$fails" = 0 ]
	)
}
for v in "${BAD[@]}"; do
	expect fail "eq GOT='$v' WANT=0" counted eq x "$v" 0
	expect fail "within GOT='$v'" counted within x "$v" 100 0.5
	expect fail "within WANT='$v'" counted within x 100 "$v" 0.5
	expect fail "within PCT='$v'" counted within x 100 100 "$v"
	[ "$v" = true ] || expect fail "cond '$v'" counted cond x "$v"
done
for v in "" null jq-error missing; do
	expect fail "eq GOT=WANT='$v'" counted eq x "$v" "$v"
done
for v in "${GOOD[@]}"; do
	expect pass "eq '$v' '$v'" counted eq x "$v" "$v"
done
expect pass "eq true true" counted eq x true true
expect fail "eq 5 6" counted eq x 5 6
expect pass "within 10001 of 10001" counted within x 10001 10001 0.5
expect pass "within 10040 of 10001 by 0.5%" counted within x 10040 10001 0.5
expect fail "within 10060 of 10001 by 0.5%" counted within x 10060 10001 0.5
expect fail "within 0 of 0" counted within x 0 0 0.5
expect pass "cond true" counted cond x true
expect fail "cond false" counted cond x false
expect pass "jq_file .a" eval '[ "$(. "$tests/lib/checks.bash"; jq_file "$W/r.json" .a)" = 1 ]'
for f in nonexistent empty garbage; do
	expect pass "jq_file on $f.json is jq-error" \
		eval '[ "$(. "$tests/lib/checks.bash"; jq_file "$W/$f.json" .a)" = jq-error ]'
done
expect pass "jq_file: num on an absent figure is jq-error" \
	eval '[ "$(. "$tests/lib/checks.bash"; jq_file "$W/r.json" ".x | num")" = jq-error ]'

# ---- tests/vm/run --check: the checks of the guest's outputs ----
# A good output directory from the recorded exact-backend reports; each bad copy breaks one
# figure the way a crashed VM or a changed report would, and the checks of it must fail.
DATA=$tests/live/data
G=$W/vm-good
mkdir -p "$G"
jq 'del(.repeats)' "$DATA/exact-shared-r5.json" >"$G/threads.r.json"
echo '{"total": {"enters_submit": 10001}}' >"$G/threads.b.json"
cp "$G/threads.r.json" "$G/hold.r.json"
printf 'ring fd 3 [CQSIZE];submit;io_submit_sqes;mutex_lock_[k] 32000000\n' >"$G/hold.folded"
printf 'ring fd 3 [CQSIZE];cancel;mutex_lock_[k] 10043\n' >>"$G/hold.folded"
cat >"$G/hold.prom" <<'PROM'
uringlockstat_acquisitions_total{pid="166",method="exact"} 10009
uringlockstat_handoffs_total{pid="166"} 14
uringlockstat_path_acquisitions_total{pid="166",path="submit"} 10001
uringlockstat_hold_seconds_count{pid="166"} 10009
uringlockstat_hold_seconds_sum{pid="166"} 0.032010043
PROM
jq 'del(.repeats)' "$DATA/exact-si-r5.json" >"$G/register.r.json"
echo '{"total": {"registers": 2000, "enters_submit": 20000, "sqes": 20000}}' >"$G/register.b.json"
for f in pinned defer; do
	cp "$G/register.r.json" "$G/$f.r.json"
	cp "$G/register.b.json" "$G/$f.b.json"
done
jq '.rings[0].paths.fdinfo = {acquisitions: 25} | .rings[0].trylocks = 25' "$G/register.r.json" \
	>"$G/fdinfo.r.json"
echo 25 >"$G/fdinfo.reads"
echo 6.1.0-selftest >"$G/kernel"

# vm_dir NAME: a copy of the good directory in $W/vm-NAME, to break.
vm_dir() {
	rm -rf "$W/vm-$1"
	cp -a "$G" "$W/vm-$1"
}
# edit FILE FILTER: jq FILTER on FILE in place.
edit() {
	jq "$2" "$1" >"$1.new" && mv "$1.new" "$1"
}
# vm_run DIR: tests/vm/run --check DIR, its output in DIR.log and its status in DIR.status.
vm_run() {
	"$tests/vm/run" --check "$1" sel >"$1.log" 2>&1
	echo $? >"$1.status"
}
# vm_outcome DIR ok|FAIL CHECK: the last vm_run DIR printed CHECK with that outcome.
vm_outcome() {
	grep -qF -- "  $2 [sel] $3" "$1.log"
}

VM_CHECKS=("submit acquisitions vs submit enters (threads)" "shared ring contended > 0"
	"shared ring handoffs > 0" "acquisitions = sum of paths"
	"hold p50 > 0 and below the run's wall time" "folded hold sum = hold total"
	"metrics: acquisitions_total (exact) = JSON" "metrics: handoffs_total = JSON"
	"metrics: submit path acquisitions = JSON" "metrics: hold_seconds_count = JSON hold count"
	"metrics: hold_seconds_sum (ns) = JSON hold total"
	"register-path acquisitions = register calls"
	"pinned single issuer: submit acquisitions = submit enters"
	"pinned single issuer: contended" "pinned single issuer: handoffs only around teardown"
	"pinned single issuer: hold p50 > 0 and below the wall time" "defer: sqes"
	"fdinfo-path trylocks = reads" "fdinfo: trylocks counted")
vm_run "$G"
for c in "${VM_CHECKS[@]}"; do
	expect pass "vm good outputs: ok $c" vm_outcome "$G" ok "$c"
done
# Nothing at all (the VM never ran): no check passes, and the run fails.
mkdir -p "$W/vm-empty"
vm_run "$W/vm-empty"
expect pass "vm --check on an empty directory fails" grep -qx 1 "$W/vm-empty.status"
expect pass "vm --check on an empty directory: no ok" grep -q "^vm --check: 0 ok" "$W/vm-empty.log"
for c in "${VM_CHECKS[@]}"; do
	expect pass "vm empty outputs: FAIL $c" vm_outcome "$W/vm-empty" FAIL "$c"
done
# Every report garbage and every workload's count missing: "jq-error" on both sides.
vm_dir garbage
for f in "$W"/vm-garbage/*.json; do echo "not JSON" >"$f"; done
vm_run "$W/vm-garbage"
for c in "${VM_CHECKS[@]}"; do
	expect pass "vm garbage outputs: FAIL $c" vm_outcome "$W/vm-garbage" FAIL "$c"
done
# Absent figures, where jq's null sorts below every number or sums to nothing.
vm_dir absent
edit "$W/vm-absent/threads.r.json" '.rings[0] |= del(.acquisitions, .contended, .handoffs) |
	.rings[0].paths = {} | del(.duration_ns)'
edit "$W/vm-absent/threads.b.json" 'del(.total.enters_submit)'
edit "$W/vm-absent/pinned.r.json" '.rings[0] |= del(.handoffs)'
edit "$W/vm-absent/hold.r.json" '.rings[0].paths = {}'
grep -v 'path="submit"' "$G/hold.prom" >"$W/vm-absent/hold.prom"
edit "$W/vm-absent/fdinfo.r.json" '.rings[0] |= del(.trylocks)'
vm_run "$W/vm-absent"
for c in "submit acquisitions vs submit enters (threads)" "shared ring contended > 0" \
	"shared ring handoffs > 0" "acquisitions = sum of paths" \
	"hold p50 > 0 and below the run's wall time" "metrics: submit path acquisitions = JSON" \
	"pinned single issuer: handoffs only around teardown" "fdinfo: trylocks counted"; do
	expect pass "vm absent figures: FAIL $c" vm_outcome "$W/vm-absent" FAIL "$c"
done
vm_dir norings
for f in threads hold pinned; do edit "$W/vm-norings/$f.r.json" '.rings = []'; done
vm_run "$W/vm-norings"
for c in "folded hold sum = hold total" "metrics: handoffs_total = JSON" \
	"pinned single issuer: handoffs only around teardown" "acquisitions = sum of paths"; do
	expect pass "vm no rings: FAIL $c" vm_outcome "$W/vm-norings" FAIL "$c"
done
# A figure missing from one ring of two is no sum.
vm_dir partial
edit "$W/vm-partial/hold.r.json" '.rings += [.rings[0] | del(.handoffs)]'
vm_run "$W/vm-partial"
expect pass "vm one ring without handoffs: FAIL metrics: handoffs_total = JSON" \
	vm_outcome "$W/vm-partial" FAIL "metrics: handoffs_total = JSON"
expect fail "tests/vm/run without kernels" "$tests/vm/run" "$W"
expect fail "tests/vm/run without arguments" "$tests/vm/run"

# ---- tests/kvariants/run --check: the lockdep kernel's checks ----
KV=$W/kv-good
mkdir -p "$KV/lockdep"
cp "$G/register.r.json" "$KV/lockdep/register.r.json"
echo '{"total": {"registers": 2000, "enters_submit": 20000}}' >"$KV/lockdep/register.out"
cp "$G/threads.r.json" "$KV/lockdep/threads.r.json"
echo '{"total": {"enters_submit": 10001}}' >"$KV/lockdep/threads.out"
# kv_run DIR: tests/kvariants/run --check DIR on the lockdep outputs, to DIR.log.
kv_run() {
	"$tests/kvariants/run" --check "$1" --variant lockdep --ops 20000 --register-every 10 \
		>"$1.log" 2>&1
	echo $? >"$1.status"
}
kv_outcome() {
	grep -qF -- "  $2 [lockdep] $3" "$1.log"
}
KV_CHECKS=("register calls made (ops / every)" "register-path acquisitions = register calls"
	"submit-path acquisitions = submit enters" "acquisitions = sum of paths" "nothing lost"
	"threads: submit-path acquisitions vs submit enters" "threads: shared ring contended > 0"
	"threads: acquisitions = sum of paths")
kv_run "$KV"
for c in "${KV_CHECKS[@]}"; do
	expect pass "kvariants good outputs: ok $c" kv_outcome "$KV" ok "$c"
done
mkdir -p "$W/kv-empty/lockdep"
kv_run "$W/kv-empty"
expect pass "kvariants --check on empty outputs fails" grep -qx 1 "$W/kv-empty.status"
expect pass "kvariants --check on empty outputs: no ok" grep -q "^kvariants: 0 passed" \
	"$W/kv-empty.log"
for c in "${KV_CHECKS[@]}"; do
	expect pass "kvariants empty outputs: FAIL $c" kv_outcome "$W/kv-empty" FAIL "$c"
done
expect pass "kvariants empty outputs: FAIL kallsyms: mutex_lock is not" \
	kv_outcome "$W/kv-empty" FAIL "kallsyms: mutex_lock is not (a macro under lockdep)"
rm -rf "$W/kv-absent"
cp -a "$KV" "$W/kv-absent"
edit "$W/kv-absent/lockdep/register.r.json" 'del(.lost) | .rings[0].paths = {} |
	.rings[0] |= del(.acquisitions)'
edit "$W/kv-absent/lockdep/threads.r.json" '.rings[0].paths = {} |
	.rings[0] |= del(.acquisitions, .contended)'
kv_run "$W/kv-absent"
for c in "acquisitions = sum of paths" "nothing lost" "threads: shared ring contended > 0" \
	"threads: acquisitions = sum of paths"; do
	expect pass "kvariants absent figures: FAIL $c" kv_outcome "$W/kv-absent" FAIL "$c"
done
rm -rf "$W/kv-nolost"
cp -a "$KV" "$W/kv-nolost"
edit "$W/kv-nolost/lockdep/register.r.json" '.lost = {}'
kv_run "$W/kv-nolost"
expect pass "kvariants empty lost object: FAIL nothing lost" \
	kv_outcome "$W/kv-nolost" FAIL "nothing lost"
expect fail "kvariants --check on a missing directory" \
	"$tests/kvariants/run" --check "$W/nonexistent"

# ---- tests/ab/run --check: stock vs patched kernel results ----
# Good results: the SINGLE_ISSUER scenarios from exact-si-r5.json, the control ring from
# exact-shared-r5.json; on the patched kernel the SINGLE_ISSUER rings lose their submit path.
AB=$W/ab-good
mkdir -p "$AB/stock" "$AB/patched"
ab_scenario() { # NAME SOURCE
	local k
	for k in stock patched; do
		jq --arg n "$1" '.label = $n' "$2" >"$AB/$k/$1.json"
		jq -c '.repeats[] | {total: {enters_submit: .rings[0].paths.submit.acquisitions}}' \
			"$2" >"$AB/$k/$1.bench.json"
	done
}
for n in si-batch1 si-batch32 si-defer; do
	ab_scenario "$n" "$DATA/exact-si-r5.json"
	edit "$AB/patched/$n.json" 'def nosubmit: .rings[] |= (.acquisitions -= .paths.submit.acquisitions |
		.paths |= del(.submit)); nosubmit | .repeats[] |= nosubmit'
done
ab_scenario shared-control "$DATA/exact-shared-r5.json"
# ab_summary DIR: stock.json, patched.json and report.md from DIR's scenarios.
ab_summary() {
	local k n
	for k in stock patched; do
		(cd "$1/$k" && jq -n '[inputs | {(.label): .}] | add' ./*[!h].json) >"$1/$k.json"
	done
	for n in $(jq -r 'keys[]' "$1/stock.json"); do
		echo "| $n | 1 | 2 |"
	done >"$1/report.md"
}
ab_summary "$AB"
ab_run() {
	"$tests/ab/run" --check "$1" >"$1.log" 2>&1
	echo $? >"$1.status"
}
ab_run "$AB"
expect pass "ab good results pass" grep -qx 0 "$AB.status"
expect pass "ab good results: SINGLE_ISSUER checked on the patched kernel" \
	grep -qF "ok [patched si-defer run 5] SINGLE_ISSUER: submit acquisitions 0" "$AB.log"
# A patched ring without any path (paths not measured) is no proof of 0 submit acquisitions.
ab_copy() {
	rm -rf "$W/ab-$1"
	cp -a "$AB" "$W/ab-$1"
}
ab_copy nopaths
edit "$W/ab-nopaths/patched/si-batch1.json" '.repeats[].rings[].paths = {}'
ab_summary "$W/ab-nopaths"
ab_run "$W/ab-nopaths"
expect pass "ab ring without paths fails" grep -qx 1 "$W/ab-nopaths.status"
expect pass "ab ring without paths: FAIL names it" \
	grep -qF "FAIL [patched si-batch1 run 1] not numbers: submit acquisitions=null" \
	"$W/ab-nopaths.log"
ab_copy nolost
edit "$W/ab-nolost/stock/si-batch32.json" 'del(.lost)'
ab_summary "$W/ab-nolost"
ab_run "$W/ab-nolost"
expect pass "ab report without lost counters: FAIL" \
	grep -qF "FAIL [stock si-batch32 run 1] not numbers: lost.stats_lookup=null" "$W/ab-nolost.log"
ab_copy noenters
edit "$W/ab-noenters/stock/si-defer.bench.json" 'del(.total.enters_submit)'
ab_run "$W/ab-noenters"
expect pass "ab workload without submit enters: FAIL" \
	grep -qF "FAIL [stock si-defer run 1] not numbers: enters_submit=null" "$W/ab-noenters.log"
ab_copy missing
rm "$W"/ab-missing/*/si-defer*
ab_summary "$W/ab-missing"
ab_run "$W/ab-missing"
expect pass "ab scenario not run fails" grep -qx 1 "$W/ab-missing.status"
expect pass "ab scenario not run: FAIL names it" grep -qF "FAIL scenario si-defer was not run" \
	"$W/ab-missing.log"
mkdir -p "$W/ab-empty"
ab_run "$W/ab-empty"
expect pass "ab --check on an empty directory fails" grep -qx 1 "$W/ab-empty.status"

# ---- tests/run-unit: skipped cmocka tests are SKIP, and FAIL under CI ----
# fake_unit NAME STATUS LINES...: a stand-in test binary printing LINES, exiting STATUS.
fake_unit() {
	local f=$W/unit/$1 status=$2
	shift 2
	mkdir -p "$W/unit"
	{
		echo '#!/bin/sh'
		printf "echo '%s'\n" "$@"
		echo "exit $status"
	} >"$f"
	chmod +x "$f"
}
fake_unit clean 0 '[ RUN      ] test_a' '[       OK ] test_a'
fake_unit skips 0 '[ RUN      ] test_a' '[  SKIPPED ] test_a' '[  SKIPPED ] 1 test(s), listed below:' \
	'[  SKIPPED ] test_a'
fake_unit fails 1 '[ RUN      ] test_a' '[  FAILED  ] test_a'
# unit_says WANT [CI] BINARY: tests/run-unit's verdict line on BINARY starts with WANT.
unit_says() {
	local want=$1 ci=$2
	shift 2
	CI=$ci "$tests/run-unit" "$@" >"$W/unit.log" 2>&1
	grep -q "^$want $(basename "$1")" "$W/unit.log"
}
expect pass "run-unit: clean binary is PASS" unit_says PASS "" "$W/unit/clean"
expect pass "run-unit: skips are SKIP" unit_says SKIP "" "$W/unit/skips"
expect pass "run-unit: skips are FAIL under CI" unit_says FAIL true "$W/unit/skips"
expect pass "run-unit: a failing binary is FAIL" unit_says FAIL "" "$W/unit/fails"
expect fail "run-unit under CI with skips exits non-zero" \
	env CI=true "$tests/run-unit" "$W/unit/clean" "$W/unit/skips"
expect pass "run-unit with skips outside CI exits 0" env -u CI "$tests/run-unit" "$W/unit/skips"
expect fail "run-unit without binaries" "$tests/run-unit"
expect fail "run-unit on a missing binary" "$tests/run-unit" "$W/unit/nonexistent"

# ---- tests/run-live: kernel log by sequence number, skips under CI, log folder ----
# rm_live_logs: remove the log folder the last run-live kept (named in $W/rl/out).
rm_live_logs() {
	local d
	d=$(sed -n 's/^live: logs in //p' "$W/rl/out")
	[[ $d != /tmp/uringlockstat-live.* ]] || rm -rf "$d"
}
# A copy of run-live runs stand-in tests on a saved kernel log (KMSG) that is full: a test
# that logs a warning drops as many old records as it adds, so the line count stays the same.
RL=$W/rl/tests
mkdir -p "$RL/lib" "$RL/live"
cp "$tests/run-live" "$RL/"
cp "$tests/lib/kmsg.bash" "$RL/lib/"
export KMSG=$W/rl/kmsg
for ((i = 1000; i < 2000; i++)); do
	if [ "$i" = 1500 ]; then
		echo "4,$i,$((i * 1000)),-;WARNING: CPU: 0 PID: 1 at old.c:1 an old warning"
	else
		echo "6,$i,$((i * 1000)),-;message $i"
		echo " SUBSYSTEM=selftest"
	fi
done >"$KMSG"
cat >"$RL/live/a_pass.sh" <<'T'
#!/bin/bash
exit 0
T
cat >"$RL/live/b_warns.sh" <<'T'
#!/bin/bash
# Full buffer: three records out, three in, one of them a warning.
last=$(grep "^[0-9]" "$KMSG" | tail -1 | cut -d, -f2)
{
	grep '^[0-9]' "$KMSG" | tail -n +4
	echo "6,$((last + 1)),1,-;new message"
	echo "4,$((last + 2)),2,-;WARNING: CPU: 1 PID: 42 at new.c:2 a new warning"
	echo "6,$((last + 3)),3,-;new message"
} >"$KMSG.new"
mv "$KMSG.new" "$KMSG"
exit 0
T
cat >"$RL/live/c_skips.sh" <<'T'
#!/bin/bash
echo "SKIP: not here" >&2
exit 77
T
chmod +x "$RL"/live/*.sh "$RL/run-live"
# A planted symlink at the old fixed log name must not be followed.
echo keep >"$W/rl/victim"
planted=/tmp/uringlockstat-live-a_pass.log
[ -e "$planted" ] || [ -L "$planted" ] || ln -s "$W/rl/victim" "$planted"
cp "$KMSG" "$W/rl/kmsg.saved"
env -u CI "$RL/run-live" >"$W/rl/out" 2>&1
echo $? >"$W/rl/status"
[ ! -L "$planted" ] || [ "$(readlink "$planted")" != "$W/rl/victim" ] || rm -f "$planted"
expect pass "run-live: exit status 1" grep -qx 1 "$W/rl/status"
expect pass "run-live: PASS a test that logged nothing new" grep -q '^PASS a_pass ' "$W/rl/out"
expect pass "run-live: a warning logged in a full buffer fails the test" \
	grep -q '^FAIL b_warns ' "$W/rl/out"
expect pass "run-live: the new warning is shown" grep -q 'a new warning' "$W/rl/out"
expect fail "run-live: the old warning is not" grep -q 'an old warning' "$W/rl/out"
expect pass "run-live: SKIP outside CI" grep -q '^SKIP c_skips: SKIP: not here' "$W/rl/out"
expect pass "run-live: summary" grep -qx 'live: 1 passed, 1 failed, 1 skipped' "$W/rl/out"
expect pass "run-live: planted symlink's target untouched" grep -qx keep "$W/rl/victim"
expect pass "run-live: logs kept in a mktemp folder" \
	eval 'd=$(sed -n "s/^live: logs in //p" "$W/rl/out"); [[ $d == /tmp/uringlockstat-live.* ]] &&
		[ -d "$d" ] && [ ! -L "$d" ] && [ -f "$d/b_warns.log" ] && rm -rf "$d"'
cp "$W/rl/kmsg.saved" "$KMSG"
rm "$RL/live/b_warns.sh"
CI=true "$RL/run-live" >"$W/rl/out" 2>&1
echo $? >"$W/rl/status"
expect pass "run-live under CI: a skip fails" grep -q '^FAIL c_skips: skipped under CI' "$W/rl/out"
expect pass "run-live under CI: exit status 1" grep -qx 1 "$W/rl/status"
rm_live_logs
rm "$RL/live/c_skips.sh"
env -u CI "$RL/run-live" >"$W/rl/out" 2>&1
expect pass "run-live: all passed, exit 0" grep -qx 'live: 1 passed, 0 failed, 0 skipped' \
	"$W/rl/out"
KMSG=$W/rl/nonexistent CI=true "$RL/run-live" >"$W/rl/out" 2>&1
expect pass "run-live under CI: an unreadable kernel log fails" \
	grep -q '^FAIL kernel log: cannot read' "$W/rl/out"
rm_live_logs
unset KMSG

# ---- tests/run-fuzz: one line, and a failure on a crash ----
# fake_fuzzer NAME STATUS LINES...: a stand-in libFuzzer printing LINES, exiting STATUS.
fake_fuzzer() {
	local f=$W/fuzz/$1 status=$2
	shift 2
	mkdir -p "$W/fuzz"
	{
		echo '#!/bin/sh'
		printf "echo '%s'\n" "$@"
		echo "exit $status"
	} >"$f"
	chmod +x "$f"
}
fake_fuzzer clean 0 '#65536	pulse  cov: 812 ft: 3000 corp: 400/90Kb exec/s: 5000 rss: 60Mb' \
	'#113501	DONE   cov: 812 ft: 3001 corp: 401/90Kb exec/s: 5400 rss: 61Mb' \
	'Done 113501 runs in 21 second(s)' 'stat::number_of_executed_units: 113501'
fake_fuzzer slow 0 '#1000	DONE   cov: 1' \
	"Slowest unit: 3 s: artifact_prefix='x/'; Test unit written to x/slow-unit-abc" \
	'stat::number_of_executed_units: 1000'
fake_fuzzer crash 1 '#2000	NEW    cov: 1' '==9==ERROR: AddressSanitizer: heap-buffer-overflow' \
	"artifact_prefix='x/'; Test unit written to x/crash-0123abcd" \
	'stat::number_of_executed_units: 2000'
fake_fuzzer leak 0 '#300	NEW    cov: 1' "artifact_prefix='x/'; Test unit written to x/leak-99"
fake_fuzzer timeout 70 '#40	NEW    cov: 1' 'ALARM: working on the last Unit for 11 seconds' \
	"artifact_prefix='x/'; Test unit written to x/timeout-77"
fake_fuzzer badflag 1 'INFO: unknown flag'
fake_fuzzer nocount 0 'INFO: nothing'
# fuzz_says WANT_STATUS LINE FUZZER: run-fuzz exits WANT_STATUS and its first line is LINE.
fuzz_says() {
	"$tests/run-fuzz" "$W/fuzz/log" "$W/fuzz/$3" >"$W/fuzz/out" 2>&1
	[ "$?" = "$1" ] && [ "$(head -1 "$W/fuzz/out")" = "$2" ]
}
expect pass "run-fuzz: clean run" fuzz_says 0 "fuzz: 113501 runs in 0 s, 0 crashes" clean
expect pass "run-fuzz: full log kept" grep -q 'Done 113501 runs' "$W/fuzz/log"
expect pass "run-fuzz: one line on success" eval '[ "$(wc -l <"$W/fuzz/out")" = 1 ]'
expect pass "run-fuzz: a slow unit is no crash" fuzz_says 0 "fuzz: 1000 runs in 0 s, 0 crashes" slow
expect pass "run-fuzz: crash fails" fuzz_says 1 "fuzz: 2000 runs in 0 s, 1 crash" crash
expect pass "run-fuzz: crash names the input" grep -q 'input that fails: x/crash-0123abcd' \
	"$W/fuzz/out"
expect pass "run-fuzz: crash shows the sanitizer's error" grep -q 'AddressSanitizer' "$W/fuzz/out"
expect pass "run-fuzz: leak artifact fails, even with status 0" \
	fuzz_says 1 "fuzz: 300 runs in 0 s, 1 crash" leak
expect pass "run-fuzz: timeout fails" fuzz_says 1 "fuzz: 40 runs in 0 s, 1 crash" timeout
expect pass "run-fuzz: a fuzzer that failed to start fails" \
	fuzz_says 1 "fuzz: ? runs in 0 s, 0 crashes" badflag
expect pass "run-fuzz: no run count fails" fuzz_says 1 "fuzz: ? runs in 0 s, 0 crashes" nocount
expect fail "run-fuzz: missing fuzzer" "$tests/run-fuzz" "$W/fuzz/log" "$W/fuzz/nonexistent"

echo "selftest: $passed passed, $failed failed"
[ "$failed" = 0 ]
