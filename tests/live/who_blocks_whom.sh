#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Who blocks whom, against workloads whose contenders are known (uringbench's contender
# options): the contention backend's matrix of lock owner role x waiter path must put the
# sampled episodes on the right role and path. Episodes whose owner had already released the
# lock when it was read ("unknown") are not owner-attributed and do not count in the shares.
#   io-wq:     SINGLE_ISSUER ring, IOSQE_ASYNC reads of a registered file: io-wq workers
#              wait (path iowq) while the submitter holds the lock for its batch.
#   register:  a second thread calls io_uring_register in a loop: submit-path waiters are
#              blocked by another thread of the application; register waiters appear.
#   fdinfo:    another process reads the ring's fdinfo: submit-path waiters are blocked by a
#              task of another process.
#   sqpoll:    the application registers while the SQ thread submits: register waiters are
#              blocked by the SQPOLL thread.
. "$(dirname "$0")/lib.bash"
need_root

# share FILE PATH ROLE: ROLE's share of PATH's owner-attributed sampled episodes.
share() {
	jqv "$1" ".rings[0].contention_by_owner.by_waiter_path.\"$2\".owners as \$o |
		([\$o | to_entries[] | select(.key != \"unknown\" and .key != \"not_read\") |
		  .value] | add // 0) as \$n | if \$n == 0 then 0 else ((\$o.\"$3\" // 0) / \$n) end"
}

# attributed FILE PATH: PATH's owner-attributed sampled episodes.
attributed() {
	jqv "$1" ".rings[0].contention_by_owner.by_waiter_path.\"$2\".owners // {} |
		[to_entries[] | select(.key != \"unknown\" and .key != \"not_read\") | .value] |
		add // 0"
}

# scenario NAME PATH ROLE MIN_ATTRIBUTED uringbench-args...: at least MIN_ATTRIBUTED sampled
# owner-attributed episodes on waiter path PATH, and >= 90% of them with owner ROLE.
scenario() {
	local name=$1 path=$2 role=$3 min=$4 n s
	shift 4
	"$ULS" --mode contention,counters --json "$T/$name.json" -- "$BENCH" "$@" --json \
		>"$T/$name.bench" 2>"$T/$name.err" ||
		fail "$name: profiler or workload failed: $(tail -3 "$T/$name.err")"
	"$ULS" report "$T/$name.json" >"$T/$name.txt" 2>&1 || fail "$name: report failed"
	echo "--- $name: uringbench $*"
	sed -n '/who blocks whom/,/waiter paths/p' "$T/$name.txt"
	n=$(attributed "$T/$name.json" "$path")
	assert_gt "$name: owner-attributed episodes on path $path" "$n" "$((min - 1))"
	s=$(share "$T/$name.json" "$path" "$role")
	echo "$name: $role holds the lock in $s of them"
	[ "$(jq -n "$s >= 0.9")" = true ] ||
		fail "$name: owner $role in $s of path $path's attributed episodes, want >= 0.9"
	assert_eq "$name: sampled episodes = the roles' sum" \
		"$(jqv "$T/$name.json" '.rings[0].contention_by_owner.owner_reads')" \
		"$(jqv "$T/$name.json" '[.rings[0].contention_by_owner.roles[].episodes] | add')"
	assert_eq "$name: sampled episodes = the waiter paths' sum" \
		"$(jqv "$T/$name.json" '.rings[0].contention_by_owner.owner_reads')" \
		"$(jqv "$T/$name.json" '[.rings[0].contention_by_owner.by_waiter_path[].episodes] | add')"
	[ "$(jqv "$T/$name.json" '.rings[0].contention_by_owner.owner_reads <= .rings[0].contended')" = true ] ||
		fail "$name: more sampled episodes than contended ones"
}

scenario iowq iowq submitter 10 --single-issuer --op read --async --fixed-file --batch 8 \
	--duration 3
scenario register submit app_thread 10 --register-thread --batch 8 --duration 2
assert_gt "register: register-path waiters" "$(jqv "$T/register.json" \
	'.rings[0].contention_by_owner.by_waiter_path.register.episodes // 0')" 0
# Ground truth from the workload: every register call it made, counted by the profiler.
assert_eq "register: registers = the workload's" "$(jqv "$T/register.json" '.rings[0].registers')" \
	"$(jqv "$T/register.bench" '.total.registers')"
scenario fdinfo submit other_task 20 --single-issuer --fdinfo-reader --batch 8 --duration 2
# The SQ thread on a CPU of its own: left to the scheduler it sometimes shares the submitter's,
# and the two then rarely contend.
sq_cpu=$(($(nproc) - 1))
scenario sqpoll register sqpoll 20 --sqpoll --sq-cpu "$sq_cpu" --register-every 1 --batch 8 \
	--duration 2

# The roles in the other outputs: folded stacks split by owner, and the metrics' series.
"$ULS" --mode contention,counters --fold-owner --folded "$T/f.txt" --weight count \
	--prom-file "$T/m.prom" -- "$BENCH" --sqpoll --sq-cpu "$sq_cpu" --register-every 1 \
	--batch 8 --duration 1 \
	>/dev/null 2>"$T/f.err" || fail "fold-owner run failed: $(tail -3 "$T/f.err")"
grep -q ';register;owner sqpoll;' "$T/f.txt" ||
	fail "no folded register stack under 'owner sqpoll': $(cut -c1-120 "$T/f.txt" | head -5)"
dups=$(sed 's/ [0-9]*$//' "$T/f.txt" | sort | uniq -d | wc -l)
assert_eq "folded: one line per stack" "$dups" 0
grep -q '^uringlockstat_contended_sampled_total{.*owner_role="sqpoll",waiter_path="register"} [1-9]' \
	"$T/m.prom" || fail "no sqpoll/register series: $(grep contended_sampled "$T/m.prom")"
echo "ok: folded and metrics carry the owner role"
exit 0
