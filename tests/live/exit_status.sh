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
exit 0
