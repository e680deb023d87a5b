#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# icount-bench-guest.sh PLAN - runs inside a tools/vmtest --icount guest (busybox sh): the
# workloads of PLAN, untraced and under each uringlockstat configuration, several times in
# this one boot. Under -icount shift=0 the guest clock advances 1 ns per instruction, so a
# workload's duration_ns is the instructions all vCPUs executed during it.
#
# PLAN (written by tools/bench), one directive a line:
#   runs N                      rounds; each round runs every scenario and configuration once
#   config NAME FLAGS...        a uringlockstat configuration (FLAGS may be empty)
#   scenario NAME ring ARGS...  uringlockstat FLAGS -- uringbench ARGS --json; ops = SQEs
#   scenario NAME tax MODE N    uringlockstat FLAGS -p <idle uringbench with one ring> while
#                               `syscallbench MODE N` runs beside it, untargeted;
#                               ops = mutex pairs (pipe) or system calls (getppid)
# Untraced runs come first in each round, under the configuration name "untraced".
#
# Output, one line per run (parsed by tools/bench):
#   icount run=R scenario=S config=C ns=DURATION_NS ops=OPS acq=ACQUISITIONS|-
# acq: the ring's acquisitions from the JSON report, when the exact backend counted them.
# Failures print "icount error ..." lines and the run is left out.
set -u

PLAN=${1:-/usr/bin/icount-bench.plan}

wait_line() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 600 ] && return 1
		sleep 0.1
	done
}

# first_num FILE KEY: the first number after "KEY": in FILE.
# shellcheck disable=SC2020 # three characters, each to a newline
first_num() {
	tr ',{}' '\n\n\n' <"$1" | grep -m1 "\"$2\": *[0-9]" | grep -o '[0-9]*$'
}

# exact_acquisitions REPORT: the first ring's acquisitions in uringlockstat's JSON report
# (keys are sorted: acquisitions_method follows acquisitions), if the exact backend counted
# them; nothing if they were inferred or missing.
exact_acquisitions() {
	sed -n '/"rings"/,$p' "$1" | tr ',' '\n' |
		grep -m2 -E '"acquisitions(_method)?":' | tr -d ' \n' |
		sed -n 's/^"acquisitions":\([0-9]*\)"acquisitions_method":"exact"$/\1/p'
}

fail() {
	FAILED=1
	echo "icount error run=$RUN scenario=$SCEN config=$CONF: $*"
	for f in /tmp/b.json /tmp/p.err /tmp/r.txt; do
		[ -s "$f" ] && tail -5 "$f" | sed "s|^|icount error   ${f##*/}: |"
	done
	return 0
}

# emit NS OPS ACQ
emit() {
	[ "$FAILED" = 0 ] || return 0
	if [ -z "$1" ] || [ -z "$2" ]; then
		fail "no duration_ns or op count in the workload's output"
		return 0
	fi
	echo "icount run=$RUN scenario=$SCEN config=$CONF ns=$1 ops=$2 acq=${3:--}"
}

# run_ring FLAGS...: the profiler starts uringbench itself and releases it once attached.
run_ring() {
	rm -f /tmp/b.json /tmp/p.err /tmp/r.json /tmp/r.txt
	FAILED=0
	if [ "$CONF" = untraced ]; then
		# shellcheck disable=SC2086 # ARGS are words
		uringbench $ARGS --json </dev/null >/tmp/b.json 2>/tmp/p.err ||
			{ fail "uringbench failed"; return 0; }
	else
		# shellcheck disable=SC2086
		uringlockstat "$@" --json /tmp/r.json -o /tmp/r.txt -- uringbench $ARGS --json \
			</dev/null >/tmp/b.json 2>/tmp/p.err || { fail "uringlockstat $* failed"; return 0; }
	fi
	acq=""
	[ -s /tmp/r.json ] && acq=$(exact_acquisitions /tmp/r.json)
	emit "$(first_num /tmp/b.json duration_ns)" "$(first_num /tmp/b.json sqes)" "$acq"
}

# run_tax FLAGS...: the profiler targets an idle process with a ring; syscallbench, which it
# does not target, makes the system calls and takes the pipe mutex meanwhile.
run_tax() {
	rm -f /tmp/b.json /tmp/p.err /tmp/r.txt /tmp/idle.err
	FAILED=0
	idle="" uls=""
	if [ "$CONF" != untraced ]; then
		uringbench --single-issuer --defer-taskrun --wait-start --ops 1 </dev/null \
			>/dev/null 2>/tmp/idle.err &
		idle=$!
		wait_line /tmp/idle.err "ready pid=" || fail "idle uringbench not ready"
		uringlockstat "$@" -p "$idle" -o /tmp/r.txt </dev/null 2>/tmp/p.err &
		uls=$!
		wait_line /tmp/p.err "uringlockstat: profiling" || fail "profiler not ready"
	fi
	# shellcheck disable=SC2086
	[ "$FAILED" = 1 ] || syscallbench $ARGS </dev/null >/tmp/b.json 2>&1 ||
		fail "syscallbench $ARGS failed"
	if [ -n "$uls" ]; then
		kill -INT "$uls" 2>/dev/null
		wait "$uls" || fail "uringlockstat $* exited with $?"
	fi
	if [ -n "$idle" ]; then
		kill -USR1 "$idle" 2>/dev/null
		wait "$idle"
	fi
	case $ARGS in
	pipe*) unit=mutex_pairs ;;
	*) unit=syscalls ;;
	esac
	emit "$(first_num /tmp/b.json duration_ns)" "$(first_num /tmp/b.json "$unit")" ""
}

[ -r "$PLAN" ] || { echo "icount error: no plan file $PLAN"; exit 1; }
RUNS=$(awk '$1 == "runs" { print $2 }' "$PLAN")
# Booted with maxcpus=1 (Debian's 6.1 hangs bringing up a second CPU at boot under -icount,
# but onlines it fine later): the other CPUs come online here.
for f in /sys/devices/system/cpu/cpu[0-9]*/online; do
	[ -e "$f" ] || continue
	[ "$(cat "$f")" = 1 ] || echo 1 >"$f" || echo "icount error: cannot online ${f%/online}"
done
echo "icount kernel=$(uname -r) cpus=$(nproc) runs=$RUNS"
RUN=1
while [ "$RUN" -le "$RUNS" ]; do
	grep '^scenario ' "$PLAN" | while read -r _ SCEN KIND ARGS; do
		printf 'untraced\n' >/tmp/configs
		grep '^config ' "$PLAN" | cut -d' ' -f2- >>/tmp/configs
		while read -r CONF FLAGS; do
			# shellcheck disable=SC2086 # FLAGS are words
			case $KIND in
			ring) run_ring $FLAGS ;;
			tax) run_tax $FLAGS ;;
			*) SCEN=$SCEN CONF=$CONF fail "unknown scenario kind '$KIND'" ;;
			esac
		done </tmp/configs
	done
	RUN=$((RUN + 1))
done
echo "icount done"
