#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside a tools/vmtest guest (busybox sh) on a kernel of tools/kernel-ab build --variant:
#   kvariants-guest.sh lockdep OPS REGISTER_EVERY
#   kvariants-guest.sh nobtf
# and leaves everything in /out for tests/kvariants/run to check on the host. Exits 0 once the
# outputs are written: whether a command failed is part of what the host checks.
set -u
variant=${1:?usage: kvariants-guest.sh lockdep OPS REGISTER_EVERY | nobtf}

uname -r >/out/kernel

# run NAME COMMAND...: stdout, stderr and exit status of COMMAND in /out/NAME.{out,err,status}.
run() {
	name=$1
	shift
	"$@" >"/out/$name.out" 2>"/out/$name.err"
	echo "$?" >"/out/$name.status"
}

case $variant in
lockdep)
	ops=${2:?OPS}
	every=${3:?REGISTER_EVERY}
	# Which mutex functions this kernel has: with lockdep, mutex_lock_nested and no mutex_lock.
	grep -E ' (mutex_lock|mutex_lock_nested|mutex_lock_interruptible_nested|mutex_lock_killable_nested|mutex_lock_interruptible|mutex_lock_killable)$' \
		/proc/kallsyms | cut -d' ' -f2- >/out/kallsyms.txt
	run probe uringlockstat probe
	# One thread, one ring: a register call every $every submits (the brief's scenario).
	run register uringlockstat --mode exact,counters --paths --json /out/register.r.json -- \
		uringbench --ops "$ops" --register-every "$every" --json
	# Two threads racing for one ring: the mutex slow path under lockdep, every backend.
	run threads uringlockstat --paths --json /out/threads.r.json -- \
		uringbench --threads 2 --shared --batch 4 --ops "$ops" --json
	# One pinned SINGLE_ISSUER thread: no contention at all, every backend.
	run pinned uringlockstat --paths --json /out/pinned.r.json -- \
		taskset -c 0 uringbench --single-issuer --ops "$ops" --json
	# lockdep turns itself off (debug_locks 0) after the first problem it reports.
	cat /proc/lockdep_stats >/out/lockdep_stats 2>&1
	;;
nobtf)
	ls -l /sys/kernel/btf >/out/btf.ls 2>&1
	run probe uringlockstat probe
	run plain uringlockstat -- uringbench --ops 100
	run exact uringlockstat --mode exact,counters --json /out/exact.r.json -- uringbench --ops 100
	run all uringlockstat -a -d 1
	;;
*)
	echo "kvariants-guest.sh: unknown variant '$variant'"
	exit 2
	;;
esac
dmesg >/out/dmesg.txt
echo "kvariants guest done ($variant)"
exit 0
