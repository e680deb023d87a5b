#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Text that users or processes choose (labels, a process's comm, file names) is printed with its
# control characters escaped: no terminal escape passes through, no newline forges a line.
. "$(dirname "$0")/lib.bash"
need_root

esc=$'\e'
# has_control FILE: a byte below 0x20 other than newline and tab, or DEL.
has_control() {
	LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1"
}

# The process's comm is its executable's name: one with a colour escape in it.
mkdir "$T/bin"
comm="u${esc}[31mred"
ln -s "$BENCH" "$T/bin/$comm"
label="a${esc}[2Jb"$'\n'"label: forged"
"$ULS" --label "$label" --json "$T/l.json" -- "$T/bin/$comm" --ops 1000 >"$T/live.out" \
	2>"$T/live.err" || fail "run failed: $(cat "$T/live.err")"
[ "$(jqv "$T/l.json" .label)" = "$label" ] || fail "the JSON does not keep the label as given"
grep -q "^ring 0: pid [0-9]* (u\\\\x1b\[31mred) " "$T/live.err" ||
	fail "live report: comm not escaped: $(grep '^ring' "$T/live.err" | od -c | head -3)"
has_control "$T/live.err" && fail "live report has a control character: $(od -c "$T/live.err" |
	grep -m1 '033')"
echo "ok: live report: comm shown as u\\x1b[31mred"

# report re-renders the saved run: the label is one line, escaped.
"$ULS" report "$T/l.json" >"$T/report.out" 2>"$T/err" || fail "report failed: $(cat "$T/err")"
has_control "$T/report.out" && fail "report has a control character"
grep -qxF 'label: a\x1b[2Jb\nlabel: forged' "$T/report.out" ||
	fail "report: label not escaped: $(grep label "$T/report.out")"
[ "$(grep -c '^label: ' "$T/report.out")" = 1 ] || fail "report: a forged label line"
grep -qF '(u\x1b[31mred)' "$T/report.out" || fail "report: comm not escaped"
echo "ok: report: label and comm escaped, one label line"

# compare's error names both labels: one line.
jq '.label = "plain"' "$T/l.json" >"$T/plain.json" || fail "jq failed"
"$ULS" compare "$T/plain.json" "$T/l.json" >"$T/out" 2>"$T/err"
assert_eq "compare with different labels: status" "$?" 2
assert_eq "compare's error: lines" "$(wc -l <"$T/err")" 1
has_control "$T/err" && fail "compare's error has a control character: $(od -c "$T/err" | head)"
grep -qF 'new "a\x1b[2Jb\nlabel: forged")' "$T/err" || fail "compare's error: $(cat "$T/err")"
echo "ok: compare: $(cat "$T/err")"
# The tables too: every ring's name holds the label.
for format in text md; do
	"$ULS" compare --format "$format" "$T/l.json" "$T/l.json" >"$T/table" 2>"$T/err" ||
		fail "compare --format $format failed: $(cat "$T/err")"
	has_control "$T/table" && fail "compare --format $format has a control character"
	grep -qF 'a\x1b[2Jb\nlabel: forged/' "$T/table" || fail "compare --format $format: no label"
	echo "ok: compare --format $format: label escaped"
done

# A file name with a newline and an escape, in an error: one line.
"$ULS" report "$T/no${esc}[1m"$'\n'"such.json" >"$T/out" 2>"$T/err"
assert_eq "report of a missing file: status" "$?" 2
assert_eq "report of a missing file: error lines" "$(wc -l <"$T/err")" 1
has_control "$T/err" && fail "error has a control character: $(od -c "$T/err" | head)"
grep -qF 'no\x1b[1m\nsuch.json: cannot open' "$T/err" || fail "error: $(cat "$T/err")"
echo "ok: $(cat "$T/err")"
exit 0
