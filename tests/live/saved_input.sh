#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What report and compare read: regular files only, at most 512 MiB, refused at once otherwise
# (a FIFO would hang them, /dev/zero would be read to the limit); and one report, whose two
# copies of run 1 (the top level and repeats[0]) agree.
. "$(dirname "$0")/lib.bash"

DATA=$(dirname "$0")/data
HOST=$DATA/host-contention-r5.json
[ -s "$HOST" ] || fail "missing $HOST"

# refused NAME PATTERN CMD...: status 2 within 2 s, one line saying PATTERN.
refused() {
	local name=$1 pattern=$2 start status
	shift 2
	start=$(date +%s%N)
	timeout 10 "$@" >"$T/out" 2>"$T/err"
	status=$?
	[ "$status" = 2 ] || fail "$name: status $status, want 2; stderr: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$name: want one error line, got: $(cat "$T/err")"
	grep -q -- "$pattern" "$T/err" || fail "$name: error does not say '$pattern': $(cat "$T/err")"
	[ $(($(date +%s%N) - start)) -lt 2000000000 ] || fail "$name: took more than 2 s"
	echo "ok: $name: $(cat "$T/err")"
}

mkfifo "$T/fifo"
refused "report of a FIFO" "fifo: not a regular file: a FIFO" "$ULS" report "$T/fifo"
refused "compare of a FIFO" "fifo: not a regular file: a FIFO" "$ULS" compare "$HOST" "$T/fifo"
refused "compare of /dev/zero" "/dev/zero: not a regular file: a character device" \
	"$ULS" compare /dev/zero "$HOST"
refused "report of a directory" "not a regular file: a directory" "$ULS" report "$T"
truncate -s $(((512 << 20) + 1)) "$T/big.json"
refused "report of 512 MiB + 1 byte" "big.json: too large: more than 512 MiB" \
	"$ULS" report "$T/big.json"
rm -f "$T/big.json"
# A symbolic link to a report is read as the report.
ln -s "$(realpath "$HOST")" "$T/link.json"
"$ULS" report "$T/link.json" >/dev/null 2>"$T/err" || fail "report of a link: $(cat "$T/err")"
echo "ok: a symbolic link to a report is read"

# Two copies of run 1 that disagree: compare would judge figures report does not show.
jq '.rings[0].wait_ns.p99 *= 10' "$HOST" >"$T/edited.json" || fail "jq failed"
refused "compare of a report whose copies of run 1 differ" \
	"edited.json: repeats\[0\].rings: differs from the top level's copy of run 1" \
	"$ULS" compare "$HOST" "$T/edited.json"
refused "report of it" "repeats\[0\].rings: differs" "$ULS" report "$T/edited.json"
jq '.repeats[0].duration_ns += 1' "$HOST" >"$T/edited.json" || fail "jq failed"
refused "copies of run 1 with different durations" "repeats\[0\].duration_ns: differs" \
	"$ULS" compare "$HOST" "$T/edited.json"
# Both copies edited alike: a consistent file, compared as usual.
jq '(.rings, .repeats[].rings) |= map(.wait_ns.p99 *= 10)' "$HOST" >"$T/both.json" ||
	fail "jq failed"
"$ULS" compare "$HOST" "$T/both.json" >"$T/out" 2>"$T/err"
assert_eq "compare of a consistently edited report: status" "$?" 1
grep -q '^  wait_p99 .* REGRESSION$' "$T/out" || fail "no wait_p99 regression: $(cat "$T/out")"
echo "ok: consistent edit compared: wait_p99 REGRESSION"
exit 0
