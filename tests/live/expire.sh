#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --expire recycles the slots of closed rings: with --max-rings 4, a command that opens and
# closes four times as many rings, one after another, loses none of them, and a recycled slot
# starts from zero (each ring's figures equal its own workload's, not a sum with the slot's
# previous ring). Without --expire the same 4 slots run out.
. "$(dirname "$0")/lib.bash"
need_root
"$ULS" --help | grep -q -- '--expire' || fail "this build has no --expire option"

# work.sh DIR COUNT PAUSE: COUNT uringbench runs of one ring each, PAUSE seconds apart. The
# SQE counts differ from run to run: a slot that kept its last ring's counts shows their sum.
cat >"$T/work.sh" <<EOF
mkdir -p "\$1"
for i in \$(seq "\$2"); do
	"$BENCH" --ops \$((1000 + i * 100)) --json >"\$1/bench.\$i.json" || exit 1
	[ "\$i" = "\$2" ] || sleep "\$3"
done
EOF

# check_rings JSON DIR: every ring in the report is one of the runs, with that run's figures.
check_rings() {
	local pid sqes enters b
	while read -r pid sqes enters; do
		b=$(grep -l "\"pid\":$pid," "$2"/bench.*.json) || fail "ring of pid $pid: no such run"
		assert_eq "pid $pid sqes" "$sqes" "$(jqv "$b" .total.sqes)"
		assert_eq "pid $pid enters" "$enters" "$(jqv "$b" .total.enters)"
	done < <(jqv "$1" '.rings[] | "\(.pid) \(.sqes) \(.enters)"')
}

# 16 rings, one every 0.4 s; a closed ring's slot is free again within ~0.6 s of its close.
n=16
timeout 40 "$ULS" --max-rings 4 --expire 0.3 -i 0.1 --count-enters -o "$T/a.txt" \
	--json "$T/a.json" \
	-- bash "$T/work.sh" "$T/a" $n 0.4 2>"$T/a.err" ||
	fail "profiler with --expire failed: $(grep -v '^libbpf' "$T/a.err" | tail -5)"
assert_eq "runs" "$(find "$T/a" -name 'bench.*.json' | wc -l)" $n
assert_eq "ring_slots_full with --expire" "$(jqv "$T/a.json" .lost.ring_slots_full)" 0
assert_eq "tracked_insert with --expire" "$(jqv "$T/a.json" .lost.tracked_insert)" 0
rings=$(jqv "$T/a.json" '.rings | length')
need_number "rings in the report" "$rings"
if [ "$rings" -lt 1 ] || [ "$rings" -gt 4 ]; then
	fail "rings in the report: $rings, want 1-4"
fi
echo "ok: $rings of $n rings still in the report"
# The last ring closed just before the command exited: reported, in a recycled slot.
last=$(jqv "$T/a/bench.$n.json" .pid)
r=$(ring_of "$T/a.json" "$last") || fail "no ring of the last run (pid $last)"
assert_eq "last ring sqes" "$(jq -r '.[0].sqes' <<<"$r")" "$(jqv "$T/a/bench.$n.json" .total.sqes)"
assert_eq "last ring enters" "$(jq -r '.[0].enters' <<<"$r")" \
	"$(jqv "$T/a/bench.$n.json" .total.enters)"
assert_eq "last ring found by" "$(jq -r '.[0].found_by' <<<"$r")" io_uring_create
check_rings "$T/a.json" "$T/a"

# The same without --expire: the fifth ring finds no slot.
timeout 40 "$ULS" --max-rings 4 --count-enters -o "$T/b.txt" --json "$T/b.json" \
	-- bash "$T/work.sh" "$T/b" 8 0.05 2>"$T/b.err" ||
	fail "profiler without --expire failed: $(grep -v '^libbpf' "$T/b.err" | tail -5)"
assert_gt "ring_slots_full without --expire" "$(jqv "$T/b.json" .lost.ring_slots_full)" 0
assert_eq "rings without --expire" "$(jqv "$T/b.json" '.rings | length')" 4
check_rings "$T/b.json" "$T/b"
exit 0
