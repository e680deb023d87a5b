#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The check before the run is the write's own first step, and writes keep permissions:
# - a name longer than NAME_MAX, and /proc/x, fail before the command runs, with one line;
# - a name of exactly NAME_MAX (255) bytes is written (no suffix pushes it over);
# - an existing 0600 file of another user stays 0600 and keeps its owner;
# - with umask 000, new files are 0644, not world-writable.
. "$(dirname "$0")/lib.bash"
need_root

opts=(--json --folded --svg --pprof --prom-file -o)
long255=$(printf 'a%.0s' {1..255})
long256=${long255}b

# run NAME OPTION FILE CMD...: one run writing OPTION to FILE (the text report to /dev/null
# unless OPTION is -o); sets status.
run() {
	local opt=$2 file=$3 text=()
	shift 3
	[ "$opt" = -o ] || text=(-o /dev/null)
	timeout -k 2 30 "$ULS" "${text[@]}" "$opt" "$file" -- "$@" >"$T/out" 2>"$T/err"
	status=$?
}

# refused_early NAME PATTERN: the last run exited 1 with one line matching PATTERN, and its
# command (touch $T/ran) never ran.
refused_early() {
	assert_eq "$1: exit status" "$status" 1
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$1: want one error line, got: $(cat "$T/err")"
	grep -q -- "$2" "$T/err" || fail "$1: error does not say '$2': $(cat "$T/err")"
	[ ! -e "$T/ran" ] || fail "$1: the command ran before the path was refused"
	echo "ok: $1: refused before the run: $(cat "$T/err")"
}

for opt in "${opts[@]}"; do
	rm -f "$T/ran"
	run "$opt NAME_MAX+1" "$opt" "$T/$long256" touch "$T/ran"
	refused_early "$opt with a 256-byte name" "File name too long"

	rm -f "$T/ran"
	run "$opt /proc/x" "$opt" /proc/x touch "$T/ran"
	refused_early "$opt /proc/x" "cannot write /proc/x: "

	rm -f "$T/$long255"
	run "$opt NAME_MAX" "$opt" "$T/$long255" "$BENCH" --ops 200
	assert_eq "$opt with a 255-byte name: exit status" "$status" 0
	[ -f "$T/$long255" ] || fail "$opt with a 255-byte name: not written: $(cat "$T/err")"
done

# An existing 0600 file of nobody keeps its mode and owner; its content is replaced.
for i in "${!opts[@]}"; do
	f=$T/private.$i
	echo old >"$f"
	chown 65534:65534 "$f"
	chmod 600 "$f"
	run "${opts[$i]} on a 0600 file" "${opts[$i]}" "$f" "$BENCH" --ops 200
	assert_eq "${opts[$i]} on a 0600 file of nobody: exit status" "$status" 0
	[ "$(cat "$f")" != old ] || fail "${opts[$i]} on a 0600 file: not rewritten"
	assert_eq "${opts[$i]} on a 0600 file of nobody: mode and owner" \
		"$(stat -c '%a %u:%g' "$f")" "600 65534:65534"
done

# umask 000: new files are not world-writable.
for i in "${!opts[@]}"; do
	f=$T/new.$i
	(umask 000 && run "${opts[$i]} under umask 000" "${opts[$i]}" "$f" "$BENCH" --ops 200 &&
		exit "$status")
	assert_eq "${opts[$i]} under umask 000: exit status" "$?" 0
	assert_eq "${opts[$i]} under umask 000: mode" "$(stat -c '%a' "$f")" 644
done
ls -A "$T" | grep -q '^\.uringlockstat-' && fail "temporary files left: $(ls -A "$T")"
echo "ok: no temporary file left"
