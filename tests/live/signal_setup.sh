#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SIGTERM or SIGINT during set-up (probing, loading, attaching, discovery) ends the profiler
# within a second, undoing the set-up: a command held before exec never runs, no report or
# file is written, and the exit status is 128 + the signal.
. "$(dirname "$0")/lib.bash"
need_root

# interrupt NAME SIGNAL DELAY ARGS...: start, signal after DELAY s, expect a prompt exit.
interrupt() {
	local name=$1 sig=$2 delay=$3 pid start status ms want
	shift 3
	"$ULS" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	PIDS+=("$pid")
	sleep "$delay"
	start=$(date +%s%N)
	kill "-$sig" "$pid"
	# A profiler that ignores the signal is ended after 10 s.
	timeout 10 tail --pid="$pid" -s 0.02 -f /dev/null || kill -KILL "$pid"
	wait "$pid"
	status=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	want=$((128 + $(kill -l "$sig")))
	grep -qx "uringlockstat: interrupted by SIG$sig during set-up, before profiling began" \
		"$T/$name.err" || fail "$name: not interrupted during set-up (status $status, " \
		"$ms ms): $(grep -v '^libbpf' "$T/$name.err" | head -3)"
	assert_eq "$name: exit status" "$status" "$want"
	[ "$ms" -le 1000 ] || fail "$name: ended $ms ms after SIG$sig"
	grep -q '^backends:' "$T/$name.out" "$T/$name.err" && fail "$name: a report was printed"
	echo "ok: $name: ended $ms ms after SIG$sig"
}

interrupt command TERM 0.05 --json "$T/cmd.json" -- sh -c "touch $T/ran; sleep 30"
[ -e "$T/ran" ] && fail "the command held before exec ran after the interrupt"
[ -e "$T/cmd.json" ] && fail "a JSON report was written after the interrupt"
echo "ok: the command never ran, no JSON"

interrupt all INT 0.1 -a --stacks -d 30 --folded "$T/all.folded"
[ -e "$T/all.folded" ] && fail "a folded file was written after the interrupt"

# Many ring slots: the maps take longer to create; still a prompt end.
interrupt many TERM 0.2 -a --max-rings 60000 -d 30
exit 0
