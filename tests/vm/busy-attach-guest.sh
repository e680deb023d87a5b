#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Busy-target attach, in the guest (busybox sh, run by tests/vm/busy_attach through
# tools/vmtest). Two io_uring workloads run the whole time (8 rings on 2 threads, and 512
# rings), so mutex_lock is hot on every CPU. Then TRIES times: `uringlockstat probe`, and the
# exact backend attached to the 8-ring workload for 1 s (-p PID), each one an attach and a
# detach while the workloads run. After each, the kernel log must hold no oops, BUG,
# WARNING, soft lockup, hung task or RCU stall.
# Usage: busy-attach-guest.sh [TRIES]   (default 10)
# Writes to /out: kernel, N.json (try N's exact-backend report), N.probe and N.exact (their
# output), dmesg.boot, dmesg (everything the kernel logged after boot), tries (tries done),
# faults (the log lines that failed a try). Exit 0 when every try was clean, 1 otherwise.
tries=${1:-10}
bad='Oops|BUG:|WARNING:|soft lockup|hung task|blocked for more than|RCU stall|rcu_sched detected stall|rcu_preempt detected stall|detected stalls|Call Trace'
failed=0

uname -r >/out/kernel
echo "busy-attach: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, $tries tries"
dmesg -c >/out/dmesg.boot 2>&1
: >/out/dmesg
: >/out/faults

# log_clean WHAT: the kernel's new log lines go to /out/dmesg; any bad one fails WHAT.
log_clean() {
	dmesg -c >/tmp/dmesg.new 2>&1
	cat /tmp/dmesg.new >>/out/dmesg
	if grep -E "$bad" /tmp/dmesg.new >/tmp/dmesg.bad; then
		echo "busy-attach: FAULT after $1:"
		sed 's/^/  /' /tmp/dmesg.new
		sed "s/^/$1: /" /tmp/dmesg.bad >>/out/faults
		return 1
	fi
	return 0
}

uringbench --rings 8 --threads 2 --duration 3600 >/tmp/wl8.log 2>&1 &
w8=$!
uringbench --rings 512 --duration 3600 >/tmp/wl512.log 2>&1 &
w512=$!
# Let both create their rings and get going.
sleep 2
for p in $w8 $w512; do
	kill -0 "$p" 2>/dev/null || { echo "busy-attach: workload $p did not start"; cat /tmp/wl*.log; exit 1; }
done

i=1
while [ "$i" -le "$tries" ]; do
	echo "busy-attach: try $i: probe"
	timeout 300 uringlockstat probe >"/out/$i.probe" 2>&1
	prc=$?
	log_clean "try $i probe" || { failed=1; echo "$i" >/out/tries; break; }
	echo "busy-attach: try $i: exact -d 1 -p $w8"
	timeout 300 uringlockstat --mode exact --paths -d 1 -p "$w8" --json "/out/$i.json" >"/out/$i.exact" 2>&1
	erc=$?
	log_clean "try $i exact -p" || { failed=1; echo "$i" >/out/tries; break; }
	echo "busy-attach: try $i: probe status $prc, exact status $erc, kernel log clean"
	if [ "$erc" != 0 ]; then
		echo "busy-attach: try $i: uringlockstat --mode exact failed:"
		sed 's/^/  /' "/out/$i.exact"
		failed=1
	fi
	for p in $w8 $w512; do
		kill -0 "$p" 2>/dev/null || { echo "busy-attach: workload $p died at try $i"; failed=1; }
	done
	echo "$i" >/out/tries
	[ "$failed" = 0 ] || break
	i=$((i + 1))
done

kill "$w8" "$w512" 2>/dev/null
wait
# The workloads' exit, too, takes the mutexes: the log must still be clean afterwards.
log_clean "the workloads' exit" || failed=1
exit "$failed"
