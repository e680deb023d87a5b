#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two io_uring applications packaged in Debian, profiled for their whole run, against their
# own counts:
#   fio (io_uring engine, registered files and buffers, every request forced to io-wq): the
#     SQEs of its rings equal the I/Os fio reports issuing (read.total_ios); its ring is
#     SINGLE_ISSUER; who blocks whom puts the owner-attributed io-wq waiters behind the
#     submitter (most of them) or another io-wq worker (>= 95% together): io-wq workers take
#     uring_lock to look up the registered file and buffer, and only the submitter submits.
#   qemu-img bench (-i io_uring): the SQEs of its rings equal the requests it was told to
#     send (-c).
. "$(dirname "$0")/lib.bash"
need_root
command -v fio >/dev/null || fail "fio not installed (tools/install-deps installs it)"
command -v qemu-img >/dev/null || fail "qemu-img not installed (tools/install-deps: qemu-utils)"

dd if=/dev/zero of="$T/fio.dat" bs=1M count=32 status=none || fail "cannot create the data file"
"$ULS" --json "$T/fio.json" -- fio --name=r --ioengine=io_uring --rw=randread \
	--filename="$T/fio.dat" --size=32M --bs=4k --iodepth=16 --fixedbufs --registerfiles \
	--force_async=1 --loops=3 --output-format=json --output="$T/fio.out" >"$T/fio.txt" 2>&1 ||
	fail "fio under the profiler failed: $(tail -3 "$T/fio.txt")"
ios=$(jqv "$T/fio.out" '.jobs[0].read.total_ios')
assert_eq "fio: its rings' SQEs = the I/Os it issued" \
	"$(jqv "$T/fio.json" '[.rings[] | select(.comm == "fio") | .sqes] | add')" "$ios"
assert_eq "fio: its ring is SINGLE_ISSUER" \
	"$(jqv "$T/fio.json" '[.rings[] | select(.comm == "fio" and (.flags | index("SINGLE_ISSUER")))] | length')" 1
sed -n '/who blocks whom/,/waiter paths/p' "$T/fio.txt"
ring='.rings[] | select(.comm == "fio") | .contention_by_owner.by_waiter_path.iowq.owners // {}'
n=$(jqv "$T/fio.json" "[$ring | to_entries[] | select(.key != \"unknown\") | .value] | add // 0")
assert_gt "fio: owner-attributed io-wq waiters" "$n" 9
# Only fio's submitter and its io-wq workers touch the ring: nobody else may own the lock.
s=$(jqv "$T/fio.json" "(($ring | .submitter // 0) + ($ring | .iowq // 0)) / $n")
[ "$(jq -n "$s >= 0.95")" = true ] ||
	fail "fio: submitter or io-wq own the lock in $s of them, want >= 0.95"
echo "ok: fio: the submitter or an io-wq worker holds the lock in $s of them"
s=$(jqv "$T/fio.json" "($ring | .submitter // 0) / $n")
[ "$(jq -n "$s > 0.5")" = true ] || fail "fio: submitter owns the lock in $s of them, want most"
echo "ok: fio: the submitter holds the lock in $s of them"

count=20000
qemu-img create -f raw "$T/q.img" 64M >/dev/null || fail "qemu-img create failed"
"$ULS" --json "$T/q.json" -- qemu-img bench -f raw -i io_uring -c "$count" -d 16 -s 4096 \
	"$T/q.img" >"$T/q.txt" 2>&1 || fail "qemu-img bench under the profiler failed: $(tail -3 "$T/q.txt")"
grep -q "^Sending $count read requests" "$T/q.txt" || fail "qemu-img did not send $count requests"
assert_eq "qemu-img: its rings' SQEs = the requests it sent" \
	"$(jqv "$T/q.json" '[.rings[] | select(.comm == "qemu-img") | .sqes] | add')" "$count"
exit 0
