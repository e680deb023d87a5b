#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Outputs that are not plain files, and writes that fail:
# - a character device is written in place, never replaced (copies of /dev/null and /dev/full,
#   then the real /dev/full); a FIFO is refused with one line, without waiting for a reader;
# - a full device or file system fails the run (exit 1) with one line naming the file and
#   "No space left on device", and leaves no file behind;
# - - and /dev/stdout write to the standard output in place: a log it is redirected to keeps
#   what was written before.
. "$(dirname "$0")/lib.bash"
need_root
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"

chmod 755 "$T"
trap 'umount "$T/fs" 2>/dev/null; cleanup' EXIT
opts=(--json --folded --svg --pprof --prom-file -o)
# Reads from /dev/zero sampled at 997 Hz: tens of kB of folded stacks, more than a stdio buffer.
busy=("$BENCH" --op read --duration 0.5)

# one_error NAME STATUS PATTERN: the last run's status, and one error line matching PATTERN.
one_error() {
	assert_eq "$1: exit status" "$status" "$2"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$1: want one error line, got: $(cat "$T/err")"
	grep -q -- "$3" "$T/err" || fail "$1: error does not say '$3': $(cat "$T/err")"
	echo "ok: $1: $(cat "$T/err")"
}

# run_to NAME OPTION FILE WORKLOAD...: one run writing OPTION to FILE (the text report to
# /dev/null unless OPTION is -o), under a timeout; sets status. The folded file holds CPU
# samples: a busy workload always has some, where contention may not happen.
run_to() {
	local name=$1 opt=$2 file=$3 more=()
	shift 3
	[ "$opt" = -o ] || more=(-o /dev/null)
	[ "$opt" = --folded ] && more+=(--mode sample --freq 997)
	timeout -k 2 30 "$ULS" "${more[@]}" "$opt" "$file" -- "$@" >"$T/out" 2>"$T/err"
	status=$?
	[ "$status" = 124 ] || [ "$status" = 137 ] && fail "$name: hangs"
	return 0
}

# is_char NAME FILE MAJOR MINOR: FILE is still that character device.
is_char() {
	[ -c "$2" ] && [ "$(stat -c '%t:%T' "$2")" = "$(printf '%x:%x' "$3" "$4")" ] ||
		fail "$1: $2 is no longer character device $3:$4: $(ls -l "$2")"
}

# Copies of /dev/null: written in place, each output, exit 0.
mknod -m 666 "$T/null" c 1 3
: >"$T/null" 2>/dev/null || skip "$T is on a nodev mount: copies of devices cannot be opened"
for opt in "${opts[@]}"; do
	run_to "$opt on a copy of /dev/null" "$opt" "$T/null" "$BENCH" --ops 200
	assert_eq "$opt on a copy of /dev/null: exit status" "$status" 0
	is_char "$opt on a copy of /dev/null" "$T/null" 1 3
done
echo "ok: a copy of /dev/null stays a device for every output"

# Copies of /dev/full: written in place, and the write fails with ENOSPC.
mknod -m 666 "$T/full" c 1 7
for opt in "${opts[@]}"; do
	run_to "$opt on a copy of /dev/full" "$opt" "$T/full" "${busy[@]}"
	is_char "$opt on a copy of /dev/full" "$T/full" 1 7
	one_error "$opt on a copy of /dev/full" 1 "cannot write $T/full: No space left on device"
done
# Only now the real one: the copies showed that a device is not replaced.
for opt in --json -o; do
	run_to "$opt /dev/full" "$opt" /dev/full "$BENCH" --ops 200
	is_char "$opt /dev/full" /dev/full 1 7
	one_error "$opt /dev/full" 1 "cannot write /dev/full: No space left on device"
done

# A FIFO that another user made in a sticky directory: refused at once, left as it is.
mkdir -m 1777 "$T/sticky"
setpriv --reuid=65534 --regid=65534 --clear-groups mkfifo "$T/sticky/fifo" ||
	fail "could not make a FIFO as nobody"
for opt in "${opts[@]}"; do
	rm -f "$T/ran"
	run_to "$opt on a FIFO" "$opt" "$T/sticky/fifo" touch "$T/ran"
	[ -p "$T/sticky/fifo" ] || fail "$opt on a FIFO: the FIFO was replaced: $(ls -l "$T/sticky/fifo")"
	one_error "$opt on a FIFO" 1 "cannot write $T/sticky/fifo: not a regular file"
	[ ! -e "$T/ran" ] || fail "$opt on a FIFO: the command ran before the refusal"
done

# A full file system: each output fails with ENOSPC and leaves nothing.
mkdir "$T/fs"
mount -t tmpfs -o size=16k,mode=755 uls-test "$T/fs" || skip "cannot mount a tmpfs"
dd if=/dev/zero of="$T/fs/fill" bs=4k count=64 2>/dev/null
[ "$(df --output=avail "$T/fs" | tail -1 | tr -d ' ')" = 0 ] || fail "tmpfs not full: $(df "$T/fs")"
for opt in "${opts[@]}"; do
	run_to "$opt on a full file system" "$opt" "$T/fs/out" "${busy[@]}"
	one_error "$opt on a full file system" 1 "cannot write $T/fs/out: No space left on device"
	assert_eq "$opt on a full file system: files left" "$(ls -A "$T/fs" | tr '\n' ' ')" "fill "
done
umount "$T/fs"

# Standard output: a redirected log keeps its beginning, -o - and -o /dev/stdout alike; JSON
# through /proc/self/fd/1 (a link to the log) goes to the standard output, not over the log.
for o in - /dev/stdout; do
	{
		echo first-line
		"$ULS" -o "$o" -- "$BENCH" --ops 200 2>"$T/err"
		echo "status $?"
	} >"$T/log"
	[ "$(head -1 "$T/log")" = first-line ] || fail "-o $o truncated the log: $(head -3 "$T/log")"
	grep -q '^uringlockstat: pid ' "$T/log" || fail "-o $o: no report in the log"
	assert_eq "-o $o: run status" "$(tail -1 "$T/log")" "status 0"
done
{
	echo first-line
	"$ULS" --json /proc/self/fd/1 -- true 2>"$T/err"
	echo "status $?"
} >"$T/log"
[ "$(head -1 "$T/log")" = first-line ] || fail "--json /proc/self/fd/1 truncated the log"
assert_eq "--json /proc/self/fd/1: run status" "$(tail -1 "$T/log")" "status 0"
sed '1d;$d' "$T/log" | jq -e '.schema == "uringlockstat/1"' >/dev/null ||
	fail "--json /proc/self/fd/1: no JSON report after the first line: $(head -c 300 "$T/log")"
echo "ok: --json /proc/self/fd/1 writes the standard output in place"
[ -L /dev/stdout ] || fail "/dev/stdout is no longer a symbolic link"

# Two outputs on the standard output would interleave: a usage error.
"$ULS" -o - --json - -- true >"$T/out" 2>"$T/err"
status=$?
one_error "-o - with --json -" 2 "only one output can go to standard output"
