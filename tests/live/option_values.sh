#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Option values: numbers are plain decimals (no nan, inf, hex, exponent or sign), long values
# are kept whole or refused, and every usage error exits 2 with one line, as the man page says.
. "$(dirname "$0")/lib.bash"
need_root

# one_line_error NAME EXPECTED_STATUS PATTERN CMD...: the command ends within 10 s with that
# status and one line on stderr (besides "Try ..."), which says PATTERN.
one_line_error() {
	local name=$1 want=$2 pattern=$3 status
	shift 3
	timeout 10 "$@" >"$T/out" 2>"$T/err"
	status=$?
	[ "$status" = "$want" ] || fail "$name: status $status, want $want; stderr: $(cat "$T/err")"
	grep -v '^Try ' "$T/err" >"$T/err1"
	[ "$(wc -l <"$T/err1")" = 1 ] || fail "$name: want one error line, got: $(cat "$T/err")"
	grep -q -- "$pattern" "$T/err1" || fail "$name: error does not say '$pattern': $(cat "$T/err1")"
	echo "ok: $name: $(cat "$T/err1")"
}

# Seconds: -d, -i, --expire. Each bad form alone on an otherwise valid command line.
for opt in -d -i --expire; do
	for v in nan NaN inf -inf 0x10 1e3 -1 +1 " 1" "1 " "" . 0 0.0 1,5 10s 10000001; do
		one_line_error "$opt '$v'" 2 "invalid .*'$v'" "$ULS" -p 1 -d 1 "$opt" "$v"
	done
done
# Whole numbers: -p, --freq, --repeat, --max-rings.
for opt in -p --freq --repeat --max-rings; do
	for v in nan inf 0x10 010x 1e3 -1 +1 " 5" 1.5 "" 0 99999999999999999999; do
		one_line_error "$opt '$v'" 2 "invalid .*'$v'" "$ULS" -d 1 "$opt" "$v" -- true
	done
done
one_line_error "--freq above 10000" 2 "from 1 to 10000" "$ULS" --freq 10001 -p 1
one_line_error "--repeat above 1000" 2 "from 1 to 1000" "$ULS" --repeat 1001 -- true
# compare's numbers: --max-regress PCT and --alpha.
for v in nan inf 0x10 1e1 -5 +5 " 5" "" 5%% %; do
	one_line_error "--max-regress wait_p99='$v'" 2 "invalid --max-regress" \
		"$ULS" compare --max-regress "wait_p99=$v" /dev/null /dev/null
done
for v in nan 0x0.1 5e-2 -0.5 +0.5 " 0.5" 1 0; do
	one_line_error "--alpha '$v'" 2 "invalid --alpha" "$ULS" compare --alpha "$v" /dev/null /dev/null
done
# Valid values still work: fractions, leading zeros.
"$ULS" -p 1 -d 0.5 -i 00.25 --expire 5. --freq 0099 >/dev/null 2>"$T/err" ||
	fail "valid decimal values refused: $(cat "$T/err")"
echo "ok: -d 0.5 -i 00.25 --expire 5. --freq 0099 accepted"

# --mode is kept whole: a list longer than 127 characters means what it says.
pad=$(printf 'counters,%.0s' {1..9})contention,$(printf 'sample,%.0s' {1..5})
[ "${#pad}" = 127 ] || fail "test bug: padding is ${#pad} characters"
"$ULS" --mode "${pad}exact" -p 1 -d 0.5 >/dev/null 2>"$T/long.err"
long=$?
"$ULS" --mode counters,contention,sample,exact -p 1 -d 0.5 >/dev/null 2>"$T/short.err"
short=$?
assert_eq "status of a 132-character --mode ending in exact (that of the short list)" \
	"$long" "$short"
grep -v "^libbpf" "$T/short.err" | tail -1 >"$T/short.last"
grep -qF -- "$(cat "$T/short.last")" "$T/long.err" ||
	fail "long --mode: '$(cat "$T/long.err")', short: '$(cat "$T/short.last")'"
one_line_error "unknown backend after 127 characters" 2 "unknown backend 'nosuch'" \
	"$ULS" --mode "${pad}nosuch" -p 1 -d 1
one_line_error "--mode ''" 2 "empty --mode" "$ULS" --mode '' -p 1 -d 1
one_line_error "--mode exact," 2 "empty backend name in --mode 'exact,'" \
	"$ULS" --mode exact, -p 1 -d 1
# --clock: wall or instructions, nothing else; the report records it.
one_line_error "--clock cycles" 2 "invalid --clock 'cycles': wall or instructions" \
	"$ULS" --clock cycles --json "$T/c.json" -- true
[ ! -e "$T/c.json" ] || fail "a report was written with an invalid --clock"
"$ULS" --clock instructions --json "$T/c.json" -- true >/dev/null 2>"$T/err" ||
	fail "--clock instructions refused: $(cat "$T/err")"
assert_eq "clock of a --clock instructions report" "$(jqv "$T/c.json" .clock)" instructions
"$ULS" --json "$T/w.json" -- true >/dev/null 2>"$T/err" || fail "plain run failed: $(cat "$T/err")"
assert_eq "clock of a default report" "$(jqv "$T/w.json" .clock)" wall
# --label: compare matches reports by it; cut short, two labels could become one.
label=$(printf 'x%.0s' {1..128})
one_line_error "--label of 128 bytes" 2 "label is 128 bytes long; the most is 127" \
	"$ULS" --label "$label" --json "$T/l.json" -- true
[ ! -e "$T/l.json" ] || fail "a report was written with a cut label"
"$ULS" --label "${label:1}" --json "$T/l.json" -- true >/dev/null 2>"$T/err" ||
	fail "--label of 127 bytes refused: $(cat "$T/err")"
assert_eq "label of 127 bytes, whole" "$(jqv "$T/l.json" '.label | length')" 127

# Exit statuses of the man page's EXIT STATUS: usage errors are 2.
one_line_error "unknown option" 2 "unrecognized option '--bogus'" "$ULS" --bogus -p 1
one_line_error "option without its value" 2 "requires an argument" "$ULS" -p 1 --freq
one_line_error "--listen that does not parse" 2 "expected PORT" "$ULS" --listen foo -d 1
one_line_error "--listen 70000" 2 "expected PORT" "$ULS" --listen 70000 -d 1
one_line_error "--listen on every address without --listen-any" 2 "not a loopback address" \
	"$ULS" --listen 0.0.0.0:0 -d 1
# Without privileges the endpoint is not announced: the one line says why nothing runs.
one_line_error "--listen as nobody" 1 "run as root" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all "$ULS" --listen 127.0.0.1:0 -d 1
exit 0
