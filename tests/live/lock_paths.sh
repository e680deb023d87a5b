#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sample backend's lock samples by calling path, on a SINGLE_ISSUER NOP loop at batch 1
# whose only io_uring path to the lock is io_uring_enter's submit: the paths add up to the
# lock samples, the elided sum is the submit, task-work and local-work paths' and at most the
# lock samples, and most of the lock code runs on the submit path (what the workload does).
. "$(dirname "$0")/lib.bash"
need_root

# check NAME VALUE: VALUE is jq's true (false, null and errors fail).
check() {
	[ "$2" = true ] || fail "$1: got '$2', want true"
	echo "ok: $1"
}

"$ULS" --mode sample --freq 999 --json "$T/r.json" -- \
	"$BENCH" --single-issuer --batch 1 --duration 2 --json >"$T/b.json" 2>"$T/err" ||
	fail "profiler or workload failed: $(tail -3 "$T/err")"
lock=$(jqv "$T/r.json" .sampled.lock_samples)
assert_gt "samples in lock code" "$lock" 0
assert_eq "paths add up to the lock samples" \
	"$(jqv "$T/r.json" '[.sampled.lock_samples_by_path[]] | add')" "$lock"
assert_eq "elided paths" "$(jqv "$T/r.json" '.sampled.elided_paths | join(",")')" \
	submit,task_work,local_work
assert_eq "elided samples = the elided paths' sum" \
	"$(jqv "$T/r.json" '.sampled.elided_lock_samples')" \
	"$(jqv "$T/r.json" '[.sampled.lock_samples_by_path | (.submit, .task_work, .local_work) // 0] | add')"
submit=$(jqv "$T/r.json" '.sampled.lock_samples_by_path.submit // 0')
check "most lock samples on the submit path (submit $submit of $lock)" \
	"$(jqv "$T/r.json" '(.sampled.lock_samples_by_path.submit // 0) * 2 > .sampled.lock_samples')"
check "elided share within [0, lock share]" \
	"$(jqv "$T/r.json" '.sampled.elided_lock_share >= 0 and .sampled.elided_lock_share <= .sampled.lock_share')"
check "elided share's interval holds it" \
	"$(jqv "$T/r.json" '.sampled.elided_lock_share_ci95[0] <= .sampled.elided_lock_share and .sampled.elided_lock_share <= .sampled.elided_lock_share_ci95[1]')"
# The text report says the same.
"$ULS" report "$T/r.json" >"$T/text" 2>&1 || fail "report failed: $(tail -2 "$T/text")"
grep -q "^  lock code by calling path: .*submit $submit " "$T/text" ||
	fail "text lacks the path line: $(grep -n 'lock code' "$T/text")"
grep -q "^  on the paths SINGLE_ISSUER elision removes (submit, task_work, local_work): " "$T/text" ||
	fail "text lacks the elided line"

# Per ring: two threads sharing one ring (the only ring: all the lock code is its own), default
# backends. The ring's lock samples (held or waited for) are at most the run's and most of
# them; its elided share lies in its interval.
"$ULS" --json "$T/s.json" -- "$BENCH" --threads 2 --shared --batch 8 --duration 2 \
	>/dev/null 2>"$T/err" || fail "shared run failed: $(tail -3 "$T/err")"
run=$(jqv "$T/s.json" .sampled.lock_samples)
ring=$(jqv "$T/s.json" '[.rings[0].sampled_lock_samples_by_path[]] | add // 0')
assert_gt "run's lock samples" "$run" 50
echo "ring's lock samples $ring of the run's $run"
check "ring's lock samples within the run's, and most of them" \
	"$(jq -n "$ring <= $run and $ring * 2 > $run")"
check "ring's elided share in its interval" \
	"$(jqv "$T/s.json" '.rings[0] | .sampled_elided_lock_share_ci95[0] <= .sampled_elided_lock_share and .sampled_elided_lock_share <= .sampled_elided_lock_share_ci95[1]')"
"$ULS" report "$T/s.json" | grep -q "^  ring 0: lock code (held or waited for) in $ring samples" ||
	fail "text lacks the ring's lock code line"
exit 0
