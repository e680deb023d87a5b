#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -- CMD passes the command's output and exit status through.
. "$(dirname "$0")/lib.bash"
need_root

"$ULS" -- "$BENCH" --ops 100 --exit-code 3 >"$T/out" 2>"$T/err"
assert_eq "uringbench status" "$?" 3
grep -q "uringbench" "$T/out" || fail "command's stdout not passed through"
"$ULS" -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 5' >"$T/out" 2>"$T/err"
assert_eq "sh status" "$?" 5
grep -qx to-stdout "$T/out" || fail "stdout not passed through"
grep -qx to-stderr "$T/err" || fail "stderr not passed through"
"$ULS" -- sh -c 'kill -TERM $$' >"$T/out" 2>"$T/err"
assert_eq "status of a command killed by SIGTERM" "$?" 143
"$ULS" -- /nonexistent/command >"$T/out" 2>"$T/err"
assert_eq "status of a command that cannot run" "$?" 127
assert_eq "error lines" "$(wc -l <"$T/err")" 1
grep -q "cannot run /nonexistent/command" "$T/err" || fail "unclear error: $(cat "$T/err")"
# A script without "#!" runs through the shell, which execvp does with a copy of the
# arguments on the stack of the child: 100000 of them, and the command's signal mask and
# dispositions are its own (the profiler's handlers are not inherited).
printf 'echo "$# args, last $(eval echo \\${$#})"\nexit 4\n' >"$T/noshebang"
chmod +x "$T/noshebang"
"$ULS" --mode counters -- "$T/noshebang" $(seq 1 100000) >"$T/out" 2>"$T/err"
assert_eq "status of a script without #! and 100000 arguments" "$?" 4
assert_eq "what the script saw" "$(cat "$T/out")" "100000 args, last 100000"
"$ULS" --mode counters -- cat /proc/self/status >"$T/out" 2>"$T/err"
assert_eq "signals the command blocks or catches" \
	"$(grep -E '^Sig(Blk|Cgt)' "$T/out" | tr -s ' \t' ' ' | sort | tr '\n' ' ')" \
	"SigBlk: 0000000000000000 SigCgt: 0000000000000000 "

# The profiler killed (SIGKILL) while it attaches, its command started but not yet released:
# the command never runs unprofiled (the child ends on EOF of the go, without exec).
caught=0
for attempt in 1 2 3 4 5; do
	rm -f "$T/ran"
	"$ULS" -- sh -c "echo ran >$T/ran" >/dev/null 2>&1 &
	prof=$!
	child=
	for _ in $(seq 1 500); do
		child=$(pgrep -P "$prof" | head -1)
		[ -n "$child" ] && break
		sleep 0.01
	done
	# Still the profiler's image, not yet exec'd: the window being tested.
	if [ -n "$child" ] && [ "$(readlink "/proc/$child/exe")" = "$(readlink -f "$ULS")" ]; then
		kill -KILL "$prof"
		wait "$prof" 2>/dev/null
		for _ in $(seq 1 200); do
			[ -d "/proc/$child" ] || break
			sleep 0.01
		done
		[ -d "/proc/$child" ] && fail "the child $child still exists 2 s after the profiler was killed"
		[ -e "$T/ran" ] && fail "the command ran after its profiler was killed before releasing it"
		caught=$attempt
		break
	fi
	kill -KILL "$prof" 2>/dev/null
	wait "$prof" 2>/dev/null
done
[ "$caught" != 0 ] || fail "5 attempts never caught the child before its release"
echo "ok: profiler killed before the release (attempt $caught): the command did not run, the child ended"
exit 0
