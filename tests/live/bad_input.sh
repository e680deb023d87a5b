#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input: a one-line error and a non-zero exit, never a crash or a partial file.
. "$(dirname "$0")/lib.bash"
need_root

# one_line_error NAME EXPECTED_STATUS PATTERN CMD...
one_line_error() {
	local name=$1 want=$2 pattern=$3 status
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	status=$?
	[ "$status" = "$want" ] || fail "$name: status $status, want $want; stderr: $(cat "$T/err")"
	grep -v '^Try ' "$T/err" >"$T/err1"
	[ "$(wc -l <"$T/err1")" = 1 ] || fail "$name: want one error line, got: $(cat "$T/err")"
	grep -q "$pattern" "$T/err1" || fail "$name: error does not say '$pattern': $(cat "$T/err1")"
	echo "ok: $name: $(cat "$T/err1")"
}

pid=999999
while kill -0 "$pid" 2>/dev/null; do pid=$((pid - 1)); done
one_line_error "unknown PID" 1 "no process with PID $pid" "$ULS" -p "$pid" -d 1
one_line_error "no target" 2 "give exactly one target" "$ULS" -d 1
one_line_error "two targets" 2 "give exactly one target" "$ULS" -p 1 -a
one_line_error "bad duration" 2 "invalid duration" "$ULS" -p 1 -d abc
one_line_error "probe with a target" 2 "give exactly one target" "$ULS" -p 1 probe
one_line_error "--json names a directory" 1 "Is a directory" "$ULS" --json /tmp -p 1 -d 1
one_line_error "bad mode" 2 "unknown backend" "$ULS" --mode nosuch -p 1
one_line_error "not root" 1 "run as root" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all "$ULS" -p 1 -d 1
one_line_error "root without capabilities" 1 "CAP_BPF" setpriv --inh-caps=-all \
	--bounding-set=-all "$ULS" -p 1 -d 1
one_line_error "unavailable backend" 1 "backend 'exact' cannot run" "$ULS" --mode exact -p 1 -d 1

# An unwritable --json path fails before anything runs.
one_line_error "unwritable --json" 1 "cannot write /nonexistent-dir/r.json" \
	"$ULS" --json /nonexistent-dir/r.json -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "the command ran although the output path was unwritable"
[ ! -e /nonexistent-dir ] || fail "created the missing directory"

# A process without rings: report says so, exit 0.
sleep 30 &
sleeper=$!
PIDS+=("$sleeper")
"$ULS" -p "$sleeper" -d 1 --json "$T/none.json" >"$T/out" 2>"$T/err" ||
	fail "no-ring run failed: $(cat "$T/err")"
assert_eq "rings of a process without io_uring" "$(jqv "$T/none.json" '.rings | length')" 0
grep -q "no io_uring rings found" "$T/out" || fail "text report does not say no rings: $(cat "$T/out")"

# The target exits mid-run: the summary is still written, marked partial.
# 3 s: set-up takes most of a second on a loaded machine, and the ring must be seen first.
"$BENCH" --duration 3 --json >"$T/b.json" &
b=$!
PIDS+=("$b")
start=$(date +%s)
"$ULS" -p "$b" -d 30 --json "$T/partial.json" >"$T/out" 2>"$T/err" || fail "run failed: $(cat "$T/err")"
[ $(($(date +%s) - start)) -lt 15 ] || fail "profiler did not notice the target's exit"
assert_eq "partial" "$(jqv "$T/partial.json" .partial)" true
jqv "$T/partial.json" .partial_reason | grep -q "target exited" || fail "no partial reason"
assert_eq "rings in partial report" "$(jqv "$T/partial.json" '.rings | length')" 1
grep -q PARTIAL "$T/out" || fail "text report not marked partial"
exit 0
