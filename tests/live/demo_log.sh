#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo with its output redirected to a log: the log keeps what came before the demo, both
# reports, and what came after (the demo never reopens its standard output).
. "$(dirname "$0")/lib.bash"
need_root

demo=$(realpath "$(dirname "$0")/../../tools/demo")
mkdir "$T/build"
ln -s "$ULS" "$T/build/uringlockstat"
ln -s "$BENCH" "$T/build/uringbench"
{
	echo first-line
	"$demo" "$T/build"
	echo "demo status $?"
} >"$T/log" 2>"$T/err"
assert_eq "first line of the log" "$(head -1 "$T/log")" first-line
assert_eq "last line of the log" "$(tail -1 "$T/log")" "demo status 0"
assert_eq "reports in the log" "$(grep -c '^uringlockstat: pid ' "$T/log")" 2
grep -q '^== 1\. ' "$T/log" && grep -q '^== 2\. ' "$T/log" || fail "a demo heading is missing"
jq -e '.schema == "uringlockstat/1"' "$T/build/demo.json" >/dev/null || fail "no demo.json"
echo "ok: the log holds everything, in order"
