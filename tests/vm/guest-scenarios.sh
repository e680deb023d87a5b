#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (busybox sh): every exact-backend scenario, each writing the profiler's
# report and the workload's ground truth to /out for tests/vm/run to check on the host.
set -u
fail=0

# profile NAME [--cpu N] UNINGBENCH_ARGS...: run uringbench (pinned to CPU N) under
# uringlockstat with the exact backend, its paths and hold times ($ULS_TIMED, default --holds;
# $ULS_OPTS adds options), keep both JSON files. $ULS_ENV: VAR=VALUE words for uringlockstat's
# environment.
profile() {
	name=$1
	shift
	pin=""
	if [ "$1" = --cpu ]; then
		pin="taskset -c $2"
		shift 2
	fi
	if ! env ${ULS_ENV:-} uringlockstat --paths ${ULS_TIMED---holds} ${ULS_OPTS:-} \
		--json "/out/$name.r.json" -- \
		$pin uringbench \
		--json "$@" >"/out/$name.b.json" 2>"/out/$name.err"; then
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
uringlockstat --paths --folded /out/hold.folded --weight hold --pprof /out/hold.pb.gz \
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
uringlockstat --paths --holds -p "$bench" --json /out/fdinfo.r.json >/out/fdinfo.out 2>/out/fdinfo.err &
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

# More threads than CPUs on one ring: programs are preempted (7.2 has PREEMPT_LAZY), and
# figures written from them must lose nothing: submit acquisitions = submit enters exactly.
profile oversubscribed --threads 4 --shared --batch 1 --ops 4000

# Every other contention_end dropped (as when its program does not run): a task's next
# contention must start a new episode, not inherit the old start time.
ULS_ENV=URINGLOCKSTAT_TEST_SKIP_END=2
profile stale --threads 2 --shared --batch 4 --duration 1

# A program the kernel refuses: only its figure (or its backend) is lost, the run goes on.
ULS_ENV=URINGLOCKSTAT_TEST_REFUSE=lock_intr_entry
profile refuse_optional --ops 2000
ULS_ENV=URINGLOCKSTAT_TEST_REFUSE=unlock_entry
profile refuse_required --ops 2000

# The raw_tp flavour of every tracepoint hook with the exact backend.
ULS_ENV=URINGLOCKSTAT_FORCE_RAW_TP=1
profile raw --threads 2 --shared --batch 4 --ops 3000
ULS_ENV=

# io_uring_enter counted by fexit on its system call function (--count-enters).
ULS_OPTS=--count-enters
profile enters --single-issuer --ops 3000
ULS_OPTS=

# The exact backend without --holds: one trampoline, on mutex_unlock; every acquisition
# counted with the path it is released from, none timed. Several threads, and more threads
# than CPUs (preempted programs).
ULS_TIMED=
profile counted --threads 2 --shared --batch 4 --ops 8000
profile counted_over --threads 4 --shared --batch 1 --ops 4000
ULS_TIMED=--holds
uringbench --json --wait-start --ops 100 >/out/untimed.b.json 2>/out/untimed.b.err &
bench=$!
wait_line /out/untimed.b.err "ready pid=" || echo "untimed: uringbench not ready"
uringlockstat --mode exact -p "$bench" --json /out/untimed.r.json >/out/untimed.out \
	2>/out/untimed.err &
uls=$!
wait_line /out/untimed.err "uringlockstat: profiling" || echo "untimed: profiler not ready"
grep 'mutex_' /sys/kernel/tracing/enabled_functions >/out/untimed.ftrace
kill -USR1 "$bench"
wait "$bench" || fail=1
wait "$uls" || fail=1

# Ring liveness from the kernel: a ring used only through a registered ring fd (its fd
# closed) stays one live ring under --expire 1, its figures never reset.
ULS_OPTS="--expire 1 -i 0.25"
profile registered --registered-ring --duration 3
# ... and its io_uring_enter calls, which name it by its registered index, counted (fexit).
ULS_OPTS=--count-enters
profile registered_enters --registered-ring --ops 3000
ULS_OPTS=
# Rings created and closed one after another: a new ring's lock may sit where a freed ring's
# was. Each ring's figures must be its own (-v: the JSON shows each ring's address).
uringlockstat -v --paths --holds --json /out/reuse.r.json -- sh -c \
	'for i in 1 2 3 4 5 6 7 8 9 10; do uringbench --json --ops 2000 || exit 1; sleep 0.2; done' \
	>/out/reuse.b.json 2>/out/reuse.err ||
	{ echo "scenario reuse failed:"; tail -5 /out/reuse.err; fail=1; }

# The default: no exact backend, no enters; SQEs from SQ heads, the last one at close; what
# is left out is named with its option.
uringlockstat --json /out/default.r.json -- uringbench --json --ops 3000 \
	>/out/default.b.json 2>/out/default.err ||
	{ echo "scenario default failed:"; tail -5 /out/default.err; fail=1; }

# Whole kernel stacks of exact acquisitions (--stacks): the trampoline's frames are skipped,
# the stack reaches the system call entry.
uringlockstat --paths --holds --stacks --weight count --folded /out/full.folded -- \
	uringbench --ops 2000 >/dev/null 2>/out/full.err ||
	{ echo "scenario full failed:"; tail -5 /out/full.err; fail=1; }

# The probe loads the counters backend's own sys_exit program.
uringlockstat probe >/out/probe.txt 2>&1 || { echo "probe failed"; fail=1; }

# An exact hook that fails to attach: the backend is off, and none of its programs stays
# attached (no mutex function left in ftrace's list) while the run goes on.
uringbench --json --wait-start --ops 100 >/out/partial.b.json 2>/out/partial.b.err &
bench=$!
wait_line /out/partial.b.err "ready pid=" || echo "partial: uringbench not ready"
URINGLOCKSTAT_TEST_ATTACH_FAIL=lock_entry uringlockstat --mode auto,exact --holds -p "$bench" \
	--json /out/partial.r.json >/out/partial.out 2>/out/partial.err &
uls=$!
wait_line /out/partial.err "uringlockstat: profiling" || echo "partial: profiler not ready"
grep -c 'mutex_' /sys/kernel/tracing/enabled_functions >/out/partial.ftrace
kill -USR1 "$bench"
wait "$bench" || fail=1
wait "$uls" || fail=1

echo "guest scenarios done (fail=$fail)"
exit "$fail"
