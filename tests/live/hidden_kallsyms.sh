#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# With /proc/kallsyms hiding kernel addresses (as under kernel.kptr_restrict; here a copy with
# every address zeroed, bind-mounted over it in a private mount namespace): one warning line
# says what is lost, a busy ring is still found and counted, and the folded and SVG outputs
# carry no kernel address without -v.
if [ -z "${URINGLOCKSTAT_IN_MOUNT_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null
then
	# Not --propagation private: that remounts / private, which fails in a chroot where / is
	# no mount point. /proc alone is made private below, before anything is mounted on it.
	URINGLOCKSTAT_IN_MOUNT_NS=1 exec unshare -m --propagation unchanged bash "$0" "$@"
fi
. "$(dirname "$0")/lib.bash"
need_root
[ -n "${URINGLOCKSTAT_IN_MOUNT_NS:-}" ] || skip "needs unshare(1) for a private mount namespace"
# The bind mount below must not propagate to the host's /proc.
mount --make-rprivate /proc || skip "cannot make /proc private in the new mount namespace"

sed 's/^[0-9a-fA-F]*/0000000000000000/' /proc/kallsyms >"$T/kallsyms"
[ "$(grep -c . "$T/kallsyms")" -gt 1000 ] || fail "no copy of /proc/kallsyms"
mount --bind "$T/kallsyms" /proc/kallsyms || skip "cannot bind-mount over /proc/kallsyms"
grep -qv '^0000000000000000 ' /proc/kallsyms && fail "/proc/kallsyms still shows addresses"
echo "ok: /proc/kallsyms shows only zero addresses in this mount namespace"

start_waiting_bench "$T/b.json" --threads 2 --shared --duration 2
start_profiler "$T/uls.err" -p "$BENCH_PID" --json "$T/r.json" --folded "$T/f.folded" \
	--svg "$T/f.svg" --weight samples
kill -USR1 "$BENCH_PID"
wait "$BENCH_PID" || fail "workload failed"
timeout 20 tail --pid="$ULS_PID" -f /dev/null || fail "profiler did not end with its target"
wait "$ULS_PID" || fail "profiler failed: $(grep -v '^libbpf' "$T/uls.err" | tail -3)"

assert_eq "warning lines" "$(grep -c 'kallsyms hides kernel addresses' "$T/uls.err")" 1
grep -q 'hides kernel addresses.*kernel stack frames cannot be named' "$T/uls.err" ||
	fail "the warning does not say what is lost: $(grep kallsyms "$T/uls.err")"
echo "ok: $(grep 'kallsyms hides' "$T/uls.err")"
grep -q 'no io_uring rings found' "$T/uls.err.out" && fail "the busy ring was not found"
assert_eq "rings found" "$(jqv "$T/r.json" '.rings | length')" 1
assert_eq "found by" "$(jqv "$T/r.json" '.rings[0].found_by')" iterator
got=$(jqv "$T/r.json" '.rings[0].sqes')
want=$(jqv "$T/b.json" .total.sqes)
[[ $got =~ ^[0-9]+$ && $want =~ ^[0-9]+$ && $want -gt 0 ]] ||
	fail "sqes not numbers: report $got, workload $want"
assert_eq "sqes" "$got" "$want"

for f in "$T/f.folded" "$T/f.svg"; do
	[ -s "$f" ] || fail "$f is empty"
	grep -q '_\[k\]' "$f" || fail "no kernel frame in $f"
	addr=$(grep -Eo '0x[0-9a-fA-F]{8,}' "$f" | head -1)
	[ -z "$addr" ] || fail "kernel address $addr in $f without -v"
done
grep -q '\[unknown kernel\]_\[k\]' "$T/f.folded" || fail "no [unknown kernel] frame in the folded file"
echo "ok: folded and SVG name unknown kernel frames [unknown kernel], no address"
exit 0
