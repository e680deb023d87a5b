#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (busybox sh): every exact-backend scenario, each writing the profiler's
# report and the workload's ground truth to /out for tests/vm/run to check on the host.
set -u
fail=0

# profile NAME [--cpu N] UNINGBENCH_ARGS...: run uringbench (pinned to CPU N) under
# uringlockstat, keep both JSON files.
profile() {
	name=$1
	shift
	pin=""
	if [ "$1" = --cpu ]; then
		pin="taskset -c $2"
		shift 2
	fi
	if ! uringlockstat --json "/out/$name.r.json" -- $pin uringbench --json "$@" \
		>"/out/$name.b.json" 2>"/out/$name.err"; then
		echo "scenario $name failed:"
		tail -5 "/out/$name.err"
		fail=1
	fi
}

# wait_line FILE TEXT: wait up to 60 s (TCG is slow) for TEXT to appear in FILE.
wait_line() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 600 ] && return 1
		sleep 0.1
	done
}

uname -r >/out/kernel

# Two threads (one per vCPU) on one ring without flags, no GETEVENTS on submit.
profile threads --threads 2 --shared --batch 4 --duration 1.5
# Hold-weighted stacks of the exact backend (flame graph input).
uringlockstat --folded /out/hold.folded --weight hold --pprof /out/hold.pb.gz \
	--prom-file /out/hold.prom --json /out/hold.r.json -- \
	uringbench --threads 2 --shared --batch 4 --ops 20000 >/dev/null 2>/out/hold.err ||
	{ echo "scenario hold failed:"; tail -5 /out/hold.err; fail=1; }
# Register calls every 10 submits.
profile register --register-every 10 --ops 3000
# One SINGLE_ISSUER thread pinned to CPU 0: no migration, so no handoff on the submit path.
profile pinned --cpu 0 --single-issuer --ops 20000
# DEFER_TASKRUN with reads: local work runs take the lock from io_cqring_wait.
profile defer --single-issuer --defer-taskrun --op read --batch 8 --ops 8000

# /proc/PID/fdinfo read K times: each read is one trylock on the fdinfo path.
uringbench --json --wait-start --ops 100 >/out/fdinfo.b.json 2>/out/fdinfo.b.err &
bench=$!
wait_line /out/fdinfo.b.err "ready pid=" || echo "fdinfo: uringbench not ready"
uringlockstat -p "$bench" --json /out/fdinfo.r.json >/out/fdinfo.out 2>/out/fdinfo.err &
uls=$!
wait_line /out/fdinfo.err "uringlockstat: profiling" || echo "fdinfo: profiler not ready"
reads=0
for fd in /proc/"$bench"/fd/*; do
	case $(readlink "$fd") in
	*io_uring*)
		n=$(basename "$fd")
		for i in $(seq 25); do
			cat /proc/"$bench"/fdinfo/"$n" >/dev/null && reads=$((reads + 1))
		done
		;;
	esac
done
echo "$reads" >/out/fdinfo.reads
kill -USR1 "$bench"
wait "$bench" || fail=1
wait "$uls" || fail=1

echo "guest scenarios done (fail=$fail)"
exit "$fail"
