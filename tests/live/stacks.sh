#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stacks of a shared-ring workload: folded lines parse and sum to the report's totals, contain
# io_uring's submit and mutex frames and the workload's own (user) functions; the SVG flame
# graph is well-formed and its root holds the same total.
. "$(dirname "$0")/lib.bash"
need_root
command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) not installed"

"$ULS" --mode contention --ustack --folded "$T/wait.folded" --svg "$T/wait.svg" \
	--json "$T/r.json" -- "$BENCH" --threads 3 --shared --batch 8 --duration 1.5 \
	>/dev/null 2>"$T/err" || fail "run failed: $(tail -3 "$T/err")"
[ -s "$T/wait.folded" ] || fail "empty folded output"
bad=$(grep -cvE '^[^ ].* [0-9]+$' "$T/wait.folded")
assert_eq "folded lines that are not 'stack value'" "$bad" 0
sum=$(awk '{ s += $NF } END { printf "%d", s }' "$T/wait.folded")
assert_eq "folded wait sum = report wait total" "$sum" "$(jqv "$T/r.json" '[.rings[].wait_ns.total] | add')"
grep -q '^ring fd [0-9]* \[CQSIZE\];submit;' "$T/wait.folded" || fail "no ring;submit first frames"
grep -q '__do_sys_io_uring_enter_\[k\]' "$T/wait.folded" || fail "no io_uring submit frame"
grep -q 'mutex[a-z_.0-9]*_\[k\] [0-9]*$' "$T/wait.folded" || fail "no mutex frame as the leaf"
grep -q ';worker_main;' "$T/wait.folded" || fail "uringbench's own function not symbolized"
echo "ok: folded stacks hold ring, path, user (worker_main) and kernel (submit, mutex) frames"

xmllint --noout "$T/wait.svg" || fail "SVG is not well-formed XML"
root=$(grep -o 'data-depth="0"[^>]*' "$T/wait.svg" | grep -o 'data-value="[0-9]*"' | head -1 |
	tr -dc 0-9)
[ -n "$root" ] || root=$(grep -o '<[^>]*data-depth="0"' "$T/wait.svg" | grep -o 'data-value="[0-9]*"' |
	head -1 | tr -dc 0-9)
assert_eq "SVG root value = folded sum" "$root" "$sum"

# Counts: one line per stack, summing to the contended acquisitions.
"$ULS" --mode contention --weight count --folded "$T/count.folded" --json "$T/c.json" -- \
	"$BENCH" --threads 3 --shared --batch 8 --duration 1 >/dev/null 2>"$T/err" ||
	fail "count run failed: $(tail -3 "$T/err")"
assert_eq "folded count sum = contended" \
	"$(awk '{ s += $NF } END { printf "%d", s }' "$T/count.folded")" \
	"$(jqv "$T/c.json" '[.rings[].contended] | add')"

# A weight that was not measured is an error, and no file is left behind.
"$ULS" --mode contention --weight hold --folded "$T/hold.folded" -- "$BENCH" --ops 100 \
	>/dev/null 2>"$T/err" && fail "--weight hold without the exact backend succeeded"
grep -q "needs the exact backend" "$T/err" || fail "unclear error: $(cat "$T/err")"
[ ! -e "$T/hold.folded" ] || fail "a folded file was written for an unmeasured weight"
exit 0
