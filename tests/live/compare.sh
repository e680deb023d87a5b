#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `uringlockstat compare` and `uringlockstat report` on saved reports (no root needed).
#
# Reports: real runs of uringlockstat --repeat 5 kept in tests/live/data:
#   host-contention-r5.json  contention + counters backends, 3 threads on one shared ring
#                            (uringbench --threads 3 --shared --batch 8 --duration 0.3)
#   exact-shared-r5.json     exact backend (hold times, handoffs, paths) in a 6.12 VM
#                            (tools/vmtest; uringbench --threads 2 --shared --batch 4 --ops 20000)
# Each synthetic NEW is such a BASE edited with jq: one metric scaled in every run, past its
# limit and past the spread of the runs, must be the one REGRESSION (exit 1); improvements and
# changes within the spread must pass (exit 0); damaged files must exit 2 with one error line.
. "$(dirname "$0")/lib.bash"

DATA=$(cd "$(dirname "$0")/data" && pwd)
HOST=$DATA/host-contention-r5.json
EXACT=$DATA/exact-shared-r5.json

# edit IN OUT FILTER: jq FILTER on IN into OUT, where R(f) applies f to every ring of every run.
edit() {
	jq "def R(f): (.rings[] |= f) | (if .repeats then .repeats[].rings[] |= f else . end); $3" \
		"$1" >"$2" || fail "jq '$3' failed"
}

# compare_status WANT BASE NEW [ARGS...]: compare as text (to $T/c.txt) and as JSON (to
# $T/c.json), both with status WANT.
compare_status() {
	local want=$1 status
	shift
	"$ULS" compare "$@" >"$T/c.txt" 2>"$T/c.err"
	status=$?
	[ "$status" = "$want" ] ||
		fail "compare $*: status $status, want $want: $(head -40 "$T/c.err" "$T/c.txt")"
	"$ULS" compare "$@" --format json >"$T/c.json" 2>/dev/null
	status=$?
	[ "$status" = "$want" ] || fail "compare $* --format json: status $status, want $want"
}

# The rows of the last comparison; an empty or row-less comparison fails the test.
ROWS='if (.rows | type) == "array" and (.rows | length) > 0 then .rows[] else error("no rows") end'

# The metrics with verdict V in the last comparison, comma-separated.
with_verdict() {
	jqv "$T/c.json" "[$ROWS | select(.verdict == \"$1\") | .metric] | unique | join(\",\")"
}

# "METRIC: VERDICT" of every row whose verdict is not ok, comma-separated.
not_ok() {
	jqv "$T/c.json" "[$ROWS | select(.verdict != \"ok\") | \"\(.metric): \(.verdict)\"] | unique |
		join(\",\")"
}

# The verdict of METRIC (first row of it) in the last comparison.
verdict_of() {
	jqv "$T/c.json" "[.rows[] | select(.metric == \"$1\")][0].verdict"
}

# regression NAME BASE FILTER METRIC: NEW = BASE edited by FILTER must regress in METRIC only.
regression() {
	local name=$1 base=$2 filter=$3 metric=$4
	edit "$base" "$T/new.json" "$filter"
	compare_status 1 "$base" "$T/new.json"
	assert_eq "$name: regressed metrics" "$(with_verdict REGRESSION)" "$metric"
	grep -Eq "^  $metric( \\(.*\\)| \\[.*\\])? .* REGRESSION\$" "$T/c.txt" ||
		fail "$name: the table does not name $metric REGRESSION: $(cat "$T/c.txt")"
	grep -q "^result: 1 regression: $metric" "$T/c.txt" || fail "$name: no result line"
	"$ULS" compare "$base" "$T/new.json" --format md >"$T/c.md"
	[ $? = 1 ] || fail "$name: --format md did not exit 1"
	local row="^\\| .* \\| $metric( \\(.*\\)| \\[.*\\])? \\| .*\\| \\*\\*REGRESSION\\*\\* \\|\$"
	grep -Eq "$row" "$T/c.md" ||
		fail "$name: the markdown table does not name $metric: $(cat "$T/c.md")"
}

# improvement NAME BASE FILTER METRIC: NEW better in METRIC: exit 0, METRIC improved.
improvement() {
	edit "$2" "$T/new.json" "$3"
	compare_status 0 "$2" "$T/new.json"
	assert_empty "$1: regressions" "$(with_verdict REGRESSION)"
	assert_eq "$1: verdict of $4" "$(verdict_of "$4")" improved
}

# one_line_error NAME PATTERN ARGS...: compare ARGS exits 2 with one line on stderr
# (besides a "Try" hint), starting with "uringlockstat: compare: " and saying PATTERN.
one_line_error() {
	local name=$1 pattern=$2 status cmd=compare
	shift 2
	[ "$1" = report ] && { cmd=report; shift; }
	"$ULS" "$cmd" "$@" >"$T/out" 2>"$T/err"
	status=$?
	[ "$status" = 2 ] || fail "$name: status $status, want 2; stderr: $(cat "$T/err")"
	grep -v '^Try ' "$T/err" >"$T/err1"
	[ "$(wc -l <"$T/err1")" = 1 ] || fail "$name: want one error line, got: $(cat "$T/err")"
	grep -q "^uringlockstat: $cmd: " "$T/err1" || fail "$name: not prefixed: $(cat "$T/err1")"
	grep -q -- "$pattern" "$T/err1" ||
		fail "$name: error does not say '$pattern': $(cat "$T/err1")"
	[ ! -s "$T/out" ] || fail "$name: printed a table for unusable input: $(head -5 "$T/out")"
	echo "ok: $name: $(cat "$T/err1")"
}

# ---- a report compared with itself ----
for f in "$HOST" "$EXACT"; do
	compare_status 0 "$f" "$f"
	assert_empty "self-compare $(basename "$f"): regressions" "$(with_verdict REGRESSION)"
	assert_empty "self-compare $(basename "$f"): noise" "$(with_verdict noise)"
	grep -q '^ring shared.*/CQSIZE#0 (base pid' "$T/c.txt" ||
		fail "no ring line: $(cat "$T/c.txt")"
	grep -q '^result: no regression' "$T/c.txt" || fail "no result line: $(cat "$T/c.txt")"
done
assert_eq "exact self-compare: nothing missing but the sample backend" \
	"$(with_verdict 'not comparable')" sampled_lock_share
# The contention report has no exact or sample backend figures.
HOST_NOT_OK="handoffs_per_acq: not comparable,hold_p50: not comparable,hold_p99: not comparable"
HOST_NOT_OK+=",sampled_lock_share: not comparable"
compare_status 0 "$HOST" "$HOST"
assert_eq "host self-compare: verdicts other than ok" "$(not_ok)" "$HOST_NOT_OK"
"$ULS" compare --help >"$T/help" || fail "compare --help failed"
for m in acq_per_sqe contended_share wait_p50 wait_p99 hold_p50 hold_p99 handoffs_per_acq \
	lock_ns_per_sqe throughput path_acq_per_sqe path_hold_ns_per_acq sampled_lock_share; do
	grep -q "^  $m " "$T/help" || fail "compare --help does not list $m"
done
echo "ok: compare --help lists every metric"

# ---- one synthetic regression per metric ----
regression "acquisitions x2" "$HOST" 'R(.acquisitions *= 2)' acq_per_sqe
regression "contended x10" "$HOST" 'R(.contended *= 10)' contended_share
regression "wait p50 x3" "$HOST" 'R(.wait_ns.p50 *= 3)' wait_p50
regression "wait p99 x10" "$HOST" 'R(.wait_ns.p99 *= 10 | .wait_ns.max *= 10)' wait_p99
regression "wait total x100" "$HOST" 'R(.wait_ns.total *= 100)' lock_ns_per_sqe
grep -q '^  lock_ns_per_sqe (wait) ' "$T/c.txt" ||
	fail "lock time without hold is not labelled wait"
regression "duration x2" "$HOST" '.duration_ns *= 2 | .repeats[].duration_ns *= 2' throughput
regression "hold p50 x10" "$EXACT" 'R(.hold_ns.p50 *= 10)' hold_p50
regression "hold p99 x10" "$EXACT" 'R(.hold_ns.p99 *= 10 | .hold_ns.max *= 10)' hold_p99
regression "handoffs x1000" "$EXACT" 'R(.handoffs *= 1000)' handoffs_per_acq
regression "hold total x10" "$EXACT" 'R(.hold_ns.total *= 10)' lock_ns_per_sqe
grep -q '^  lock_ns_per_sqe (hold) ' "$T/c.txt" || fail "lock time with hold is not labelled hold"
regression "submit path acquisitions x2" "$EXACT" 'R(.paths.submit.acquisitions *= 2)' \
	path_acq_per_sqe
grep -q '^  path_acq_per_sqe \[submit\] .* REGRESSION$' "$T/c.txt" || fail "path not named"
regression "submit path hold x10" "$EXACT" 'R(.paths.submit.hold_ns *= 10)' path_hold_ns_per_acq
# These recorded reports carry no sampled figures: give both sides one.
jq '.sampled.lock_share = 0.1 |
    .repeats |= [to_entries[] | .value.sampled.lock_share = 0.1 + .key / 1000 | .value]' \
	"$EXACT" >"$T/sampled.json" || fail "jq failed"
regression "sampled lock share x3" "$T/sampled.json" \
	'.sampled.lock_share *= 3 | .repeats[].sampled.lock_share *= 3' sampled_lock_share

# ---- overrides ----
edit "$HOST" "$T/new.json" 'R(.wait_ns.p99 *= 10 | .wait_ns.max *= 10)'
compare_status 0 "$HOST" "$T/new.json" --max-regress wait_p99=1000%
assert_eq "--max-regress wait_p99=1000%: verdict" "$(verdict_of wait_p99)" ok
compare_status 1 "$HOST" "$T/new.json" --max-regress wait_p99=899 --max-regress wait_p50=1%
compare_status 0 "$HOST" "$T/new.json" --alpha 0.001
assert_eq "--alpha 0.001 (p 0.0079): verdict" "$(verdict_of wait_p99)" noise

# ---- improvements pass ----
improvement "acquisitions /2" "$HOST" 'R(.acquisitions = (.acquisitions / 2 | floor))' acq_per_sqe
improvement "contended /10" "$HOST" 'R(.contended = (.contended / 10 | floor))' contended_share
improvement "wait p99 /10" "$HOST" 'R(.wait_ns.p99 = (.wait_ns.p99 / 10 | floor))' wait_p99
improvement "duration /2" "$HOST" \
	'.duration_ns = (.duration_ns / 2 | floor) | .repeats[].duration_ns |= (. / 2 | floor)' \
	throughput
improvement "hold p99 /10" "$EXACT" 'R(.hold_ns.p99 = (.hold_ns.p99 / 10 | floor))' hold_p99

# ---- noise does not fail the gate ----
# The same runs in another order: the medians do not move.
jq '.repeats |= reverse | .rings = .repeats[0].rings | .duration_ns = .repeats[0].duration_ns' \
	"$HOST" >"$T/new.json" || fail "jq failed"
compare_status 0 "$HOST" "$T/new.json"
assert_eq "shuffled runs: verdicts other than ok" "$(not_ok)" "$HOST_NOT_OK"
# Contended episodes vary 3x between these runs: +50% of the median is within that spread.
edit "$HOST" "$T/new.json" 'R(.contended = (.contended * 1.5 | floor))'
compare_status 0 "$HOST" "$T/new.json"
assert_eq "contended x1.5 (within the spread): verdict" "$(verdict_of contended_share)" noise
grep -q '^  contended_share (per acquisition) .*+50\.0% .* noise$' "$T/c.txt" ||
	fail "noise row: $(grep contended_share "$T/c.txt")"
# Three runs a side can never be significant at 0.05: noise, and a note says so.
jq '.repeats |= .[0:3] | .repeat = 3' "$HOST" >"$T/base3.json" || fail "jq failed"
edit "$T/base3.json" "$T/new.json" 'R(.wait_ns.p99 *= 10)'
compare_status 0 "$T/base3.json" "$T/new.json"
assert_eq "3 runs a side: verdict" "$(verdict_of wait_p99)" noise
grep -q '^note: with 3 and 3 runs the smallest possible p-value is 0.1.*--repeat 4' "$T/c.txt" ||
	fail "no note on too few runs: $(head -8 "$T/c.txt")"

# ---- single runs: the limits alone ----
jq 'del(.repeats, .repeat)' "$HOST" >"$T/single.json" || fail "jq failed"
edit "$T/single.json" "$T/new.json" 'R(.wait_ns.p99 *= 10)'
compare_status 1 "$T/single.json" "$T/new.json"
grep -q '^note: single runs (base 1, new 1): no significance test possible' "$T/c.txt" ||
	fail "no single-run note: $(head -8 "$T/c.txt")"
grep -q '^  wait_p99 .* REGRESSION (no significance test: single runs)$' "$T/c.txt" ||
	fail "single-run verdict not labelled: $(grep wait_p99 "$T/c.txt")"
# A --repeat run against a single run is a single-run comparison too.
compare_status 1 "$HOST" "$T/new.json"
grep -q '^note: single runs (base 5, new 1)' "$T/c.txt" || fail "no note for 5 vs 1 runs"

# ---- missing figures are never a pass ----
edit "$HOST" "$T/new.json" 'R(.wait_ns = null)'
compare_status 0 "$HOST" "$T/new.json"
assert_eq "wait_ns null in new: wait_p99" "$(verdict_of wait_p99)" "not comparable"
grep -q '^  wait_p99 .* not comparable: new run 1: wait_ns is null' "$T/c.txt" ||
	fail "no reason for not comparable: $(grep wait_p99 "$T/c.txt")"
edit "$HOST" "$T/new.json" 'R(del(.acquisitions))'
compare_status 0 "$HOST" "$T/new.json"
assert_eq "acquisitions absent in new: acq_per_sqe" "$(verdict_of acq_per_sqe)" "not comparable"
assert_eq "contended share per SQE vs per acquisition" "$(verdict_of contended_share)" \
	"not comparable"

# ---- unusable input: exit 2, one line ----
one_line_error "missing file" "$T/nonexistent.json: cannot open: No such file" "$HOST" \
	"$T/nonexistent.json"
echo "this is not JSON" >"$T/garbage.json"
one_line_error "not JSON" "garbage.json: not valid JSON: line 1" "$HOST" "$T/garbage.json"
head -c 3000 "$HOST" >"$T/truncated.json"
one_line_error "truncated" "truncated.json: truncated JSON" "$HOST" "$T/truncated.json"
: >"$T/empty.json"
one_line_error "empty" "empty.json: empty file" "$T/empty.json" "$HOST"
sed '0,/"sqes": [0-9]*/s//"sqes": 99999999999999999999/' "$HOST" >"$T/huge.json"
one_line_error "number beyond 2^63" "huge.json: not valid JSON: .*too big integer" "$HOST" \
	"$T/huge.json"
# Every copy of the count: a file whose copies of run 1 differ is refused (saved_input.sh).
sed 's/"sqes": [0-9]*/"sqes": 9223372036854775807/' "$HOST" >"$T/max.json"
compare_status 0 "$HOST" "$T/max.json"
edit "$HOST" "$T/negative.json" 'R(.contended = -1)'
one_line_error "negative count" "negative.json: rings\[0\].contended: -1 is negative" \
	"$HOST" "$T/negative.json"
jq '.repeats[2].rings[0].sqes = 1.5' "$HOST" >"$T/real.json"
one_line_error "non-integer count" \
	"real.json: repeats\[2\].rings\[0\].sqes: 1.5 is not an integer" "$HOST" "$T/real.json"
jq '.schema = "uringlockstat/2"' "$HOST" >"$T/schema.json"
one_line_error "wrong schema" 'schema: "uringlockstat/2" is not "uringlockstat/1"' \
	"$T/schema.json" "$HOST"
jq '.repeat = 4' "$HOST" >"$T/count.json"
one_line_error "repeat count" 'repeat: is 4 but "repeats" holds 5 runs' "$HOST" "$T/count.json"
jq '.kernel = "0.0.0-other"' "$HOST" >"$T/kernel.json"
one_line_error "--same-kernel" "kernels differ (base 6.18.44-fc-v669, new 0.0.0-other)" \
	"$HOST" "$T/kernel.json" --same-kernel
compare_status 0 "$HOST" "$T/kernel.json"
grep -q '^note: kernels differ' "$T/c.txt" || fail "no note on different kernels"
jq '.label = "other"' "$HOST" >"$T/label.json"
one_line_error "no ring matches (label)" 'no ring matches: the labels differ' "$HOST" \
	"$T/label.json"
edit "$HOST" "$T/flags.json" 'R(.flags = ["SQPOLL"])'
one_line_error "no ring matches (flags)" 'no ring matches: base has 1 ring(s), new 1' "$HOST" \
	"$T/flags.json"
one_line_error "bad METRIC" "invalid --max-regress 'wait_p98=20%'" "$HOST" "$HOST" \
	--max-regress wait_p98=20%
one_line_error "bad PCT" "invalid --max-regress 'wait_p99=lots'" "$HOST" "$HOST" \
	--max-regress wait_p99=lots
one_line_error "bad format" "invalid --format 'xml'" "$HOST" "$HOST" --format xml
one_line_error "one report" "want two reports" "$HOST"

# ---- report re-renders a saved run ----
"$ULS" report "$HOST" >"$T/report.txt" 2>"$T/err" || fail "report failed: $(cat "$T/err")"
grep -q "^uringlockstat: pid $(jqv "$HOST" .target.pid) (build/uringbench" "$T/report.txt" ||
	fail "report: no header: $(head -5 "$T/report.txt")"
ring_line=$(jqv "$HOST" '.rings[0] | "ring 0: pid \(.pid) (\(.comm)) fd \(.fd) flags CQSIZE" +
	" sq \(.sq_entries) cq \(.cq_entries)"')
grep -q "^$ring_line" "$T/report.txt" ||
	fail "report: no ring line: $(cat "$T/report.txt")"
grep -q "^  sqes $(jqv "$HOST" '.rings[0].sqes') (enter_return)  enters " "$T/report.txt" ||
	fail "report: no sqes line"
grep -q "^  contended $(jqv "$HOST" '.rings[0].contended') (spin " "$T/report.txt" ||
	fail "report: no contention line"
grep -q '^  wait (contended only) total .* p99 ' "$T/report.txt" || fail "report: no wait line"
grep -Eq '^lost: (none|events not recorded)' "$T/report.txt" || fail "report: no lost line"
assert_eq "report: runs shown" "$(grep -c '^== run [1-5] of 5$' "$T/report.txt")" 5
"$ULS" report "$EXACT" >"$T/report.txt" 2>"$T/err" || fail "report failed: $(cat "$T/err")"
grep -q '^  acquisitions [0-9]* (exact; 0 trylocks, 0 failed trylocks)  handoffs ' \
	"$T/report.txt" || fail "report: no exact line: $(cat "$T/report.txt")"
grep -q '^  hold total .* p50 .* p99 ' "$T/report.txt" || fail "report: no hold line"
grep -q '^  paths: submit 10001 (hold ' "$T/report.txt" || fail "report: no paths line"
echo "ok: report re-renders saved runs"
one_line_error "report of a corrupt file" "garbage.json: not valid JSON" report "$T/garbage.json"
one_line_error "report of a truncated file" "truncated JSON" report "$T/truncated.json"
one_line_error "report of a missing file" "cannot open" report "$T/nonexistent.json"
exit 0
