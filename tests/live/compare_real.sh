#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CI gate on real runs: two profiles of the same uringbench scenario with --repeat 3 compare
# without a regression (exit 0), report re-renders one, and tools/ci-gate records a baseline
# and then gates against it.
. "$(dirname "$0")/lib.bash"
need_root

top=$(cd "$(dirname "$0")/../.." && pwd)
scenario=(--threads 2 --shared --batch 4 --ops 20000)

for run in base new; do
	"$ULS" --count-enters --repeat 3 --label shared2 --json "$T/$run.json" -- "$BENCH" "${scenario[@]}" \
		>/dev/null 2>"$T/$run.err" || fail "$run run failed: $(tail -3 "$T/$run.err")"
	assert_eq "$run: runs in the report" "$(jqv "$T/$run.json" '.repeats | length')" 3
	assert_eq "$run: label" "$(jqv "$T/$run.json" .label)" shared2
	# Each run's CPU time is its own rusage: run 1's is the overhead's, and no run's is
	# more than its 2 threads could take in its duration.
	assert_eq "$run: run 1's CPU time = the overhead's" \
		"$(jqv "$T/$run.json" '.repeats[0].target_cpu_ns | num')" \
		"$(jqv "$T/$run.json" '.overhead.target_cpu_ns | num')"
	assert_eq "$run: runs whose CPU time is within (0, 2 x duration]" \
		"$(jqv "$T/$run.json" '[.repeats[] | select((.target_cpu_ns | num) > 0 and
			.target_cpu_ns <= 2 * .duration_ns)] | length')" 3
done

"$ULS" compare "$T/base.json" "$T/new.json" >"$T/c.txt" 2>"$T/c.err"
status=$?
cat "$T/c.txt"
[ "$status" = 0 ] ||
	fail "compare of two runs of the same scenario: status $status: $(cat "$T/c.err")"
grep -q '^ring shared2/CQSIZE#0 (base pid [0-9]* fd 3, new pid [0-9]* fd 3)$' "$T/c.txt" ||
	fail "no matched ring in the table"
grep -q '^  throughput .* ok\|^  throughput .* noise\|^  throughput .* improved' "$T/c.txt" ||
	fail "no throughput row"
grep -q '^note: with 3 and 3 runs the smallest possible p-value is 0.1' "$T/c.txt" ||
	fail "no note on what 3 runs allow"
echo "ok: two real runs of one scenario compare without a regression"

"$ULS" report "$T/base.json" >"$T/report.txt" 2>"$T/err" || fail "report failed: $(cat "$T/err")"
grep -q "^ring 0: pid $(jqv "$T/base.json" '.rings[0].pid') (uringbench) fd 3 flags CQSIZE" \
	"$T/report.txt" || fail "report: no ring line: $(cat "$T/report.txt")"
grep -q "^  sqes 40000 (enter_return)" "$T/report.txt" || fail "report: sqes line"
echo "ok: report re-renders a real run"

# tools/ci-gate: record, then gate the same scenario against that baseline.
BUILD=$(realpath "$BUILD")
export NO_BUILD=1 BUILD ARTIFACT_DIR="$T/artifacts" LABEL=gate REPEAT=3 BENCH_ARGS="--ops 20000"
"$top/tools/ci-gate" >"$T/gate1.out" 2>"$T/gate1.err" ||
	fail "ci-gate without a baseline: status $?: $(cat "$T/gate1.err")"
[ -s "$T/artifacts/uringlockstat-gate.json" ] || fail "ci-gate stored no report"
mv "$T/artifacts/uringlockstat-gate.json" "$T/baseline.json"
"$top/tools/ci-gate" "$T/baseline.json" >"$T/gate2.out" 2>"$T/gate2.err"
status=$?
cat "$T/gate2.out"
[ "$status" = 0 ] || fail "ci-gate against its own baseline: status $status: $(cat "$T/gate2.err")"
grep -q '^| gate/none#0 | throughput |' "$T/gate2.out" || fail "ci-gate printed no markdown table"
cmp -s "$T/gate2.out" "$T/artifacts/compare-gate.md" || fail "ci-gate did not store the table"
BASELINE=$T/nonexistent.json "$top/tools/ci-gate" >/dev/null 2>&1
assert_eq "ci-gate with a missing baseline" $? 2
exit 0
