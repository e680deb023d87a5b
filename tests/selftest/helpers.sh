#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of the test suites' own checks: every helper is fed missing files, empty values,
# null, jq-error and garbage and must fail, and fed good values and must pass. No root, no
# build. Prints "selftest: N passed, M failed"; exits 1 if any case went the wrong way.
# LIVE_LIB=FILE tests another copy of tests/live/lib.bash (to show an old one's blind spots).
set -u
tests=$(cd "$(dirname "$0")/.." && pwd)
LIVE_LIB=${LIVE_LIB:-$tests/live/lib.bash}
W=$(mktemp -d /tmp/uringlockstat-selftest.XXXXXX)
trap 'rm -rf "$W"' EXIT
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

echo "selftest: $passed passed, $failed failed"
[ "$failed" = 0 ]
