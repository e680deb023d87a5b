#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every output written as root into directories other users can write (sticky /tmp-like, and
# plain world-writable): what an unprivileged user planted there is never written through and
# never hangs the run.
# - a symbolic link at the old, predictable temporary name <file>.tmp.<pid>: the file it points
#   to is untouched, the output is a regular file;
# - a FIFO at that name: the run ends on its own, with its outputs;
# - a symbolic link at the output's own name: refused with one line before the run, the file it
#   points to untouched.
. "$(dirname "$0")/lib.bash"
need_root
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"

chmod 755 "$T"
mkdir -m 1777 "$T/sticky"
mkdir -m 0777 "$T/open"
printf 'precious\n' >"$T/victim"
opts=(--json --folded --svg --pprof --prom-file -o)
names=(r.json f.folded f.svg p.pb.gz m.prom out.txt)

victim_intact() {
	[ "$(cat "$T/victim")" = precious ] || fail "$1: root wrote through a planted link: $T/victim now $(head -c 80 "$T/victim")"
	[ -f "$T/victim" ] && [ ! -L "$T/victim" ] || fail "$1: $T/victim replaced"
}

# run_planted WHAT DIR: as nobody, plant WHAT (fifo, or a symbolic link to $T/victim) at
# DIR/<output>.tmp.<pid> for every output, then become, as that pid, the profiler writing every
# output into DIR. Background; sets RUN_PID.
run_planted() {
	local what=$1 d=$2 args=() plant="" i
	for i in "${!names[@]}"; do
		args+=("${opts[$i]}" "$d/${names[$i]}")
		plant+=" $d/${names[$i]}"
	done
	PLANT=$plant bash -c '
		what=$1
		shift
		for f in $PLANT; do
			if [ "$what" = fifo ]; then
				setpriv --reuid=65534 --regid=65534 --clear-groups mkfifo "$f.tmp.$$"
			else
				setpriv --reuid=65534 --regid=65534 --clear-groups ln -s "$what" "$f.tmp.$$"
			fi || exit 99
		done
		exec "$@"' plant "$what" "$ULS" "${args[@]}" -- "$BENCH" --threads 2 --shared \
		--ops 2000 >"$d/run.out" 2>"$d/run.err" &
	RUN_PID=$!
	PIDS+=("$RUN_PID")
}

# finish NAME SECONDS: wait for RUN_PID; a run still going after SECONDS hangs (then SIGTERM
# must end it within 3 s). Sets RUN_STATUS.
finish() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$RUN_PID" 2>/dev/null; then
		kill -TERM "$RUN_PID"
		for ((i = 0; i < 30; i++)); do
			kill -0 "$RUN_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$RUN_PID" 2>/dev/null && fail "$1: hangs, and SIGTERM does not end it"
		fail "$1: hung for $2 s (SIGTERM ended it)"
	fi
	wait "$RUN_PID"
	RUN_STATUS=$?
}

# outputs_whole NAME DIR: every output is a whole regular file, no temporary file left.
outputs_whole() {
	local d=$2 n left
	for n in "${names[@]}"; do
		[ -f "$d/$n" ] && [ ! -L "$d/$n" ] || fail "$1: $d/$n is not a regular file"
	done
	jq -e '.schema == "uringlockstat/1"' "$d/r.json" >/dev/null || fail "$1: r.json is not a report"
	grep -q '^uringlockstat: pid ' "$d/out.txt" || fail "$1: out.txt holds no text report"
	grep -q '^uringlockstat_lost_events_total' "$d/m.prom" || fail "$1: m.prom holds no metrics"
	grep -q '</svg>' "$d/f.svg" || fail "$1: f.svg is not a whole SVG"
	gzip -t "$d/p.pb.gz" || fail "$1: p.pb.gz is not gzip"
	left=$(ls -A "$d" | grep -c '^\.uringlockstat-')
	assert_eq "$1: temporary files left" "$left" 0
	echo "ok: $1: every output is a whole regular file"
}

for dir in sticky open; do
	d=$T/$dir
	run_planted "$T/victim" "$d"
	finish "symlinks at the temporary names ($dir)" 30
	[ "$RUN_STATUS" = 99 ] && fail "could not plant links as nobody in $d"
	victim_intact "symlinks at the temporary names ($dir)"
	assert_eq "symlinks at the temporary names ($dir): exit status" "$RUN_STATUS" 0
	outputs_whole "symlinks at the temporary names ($dir)" "$d"
	rm -f "$d"/*

	run_planted fifo "$d"
	finish "FIFOs at the temporary names ($dir)" 30
	[ "$RUN_STATUS" = 99 ] && fail "could not plant FIFOs as nobody in $d"
	assert_eq "FIFOs at the temporary names ($dir): exit status" "$RUN_STATUS" 0
	outputs_whole "FIFOs at the temporary names ($dir)" "$d"
	rm -f "$d"/*
done

# A symbolic link at the output's own name, planted by nobody: each output refuses it.
for dir in sticky open; do
	d=$T/$dir
	for i in "${!names[@]}"; do
		name="${opts[$i]} on a planted symlink ($dir)"
		setpriv --reuid=65534 --regid=65534 --clear-groups ln -s "$T/victim" "$d/${names[$i]}" ||
			fail "could not plant a link as nobody in $d"
		rm -f "$T/ran"
		timeout 30 "$ULS" "${opts[$i]}" "$d/${names[$i]}" -- touch "$T/ran" >"$T/out" 2>"$T/err"
		status=$?
		victim_intact "$name"
		assert_eq "$name: exit status" "$status" 1
		assert_eq "$name: error lines" "$(wc -l <"$T/err")" 1
		grep -q "cannot write $d/${names[$i]}: a symbolic link is not followed" "$T/err" ||
			fail "$name: $(cat "$T/err")"
		[ ! -e "$T/ran" ] || fail "$name: the command ran before the refusal"
		[ -L "$d/${names[$i]}" ] || fail "$name: the link was replaced"
		echo "ok: $name: refused before the run, link and its target untouched"
		rm -f "$d/${names[$i]}"
	done
done
