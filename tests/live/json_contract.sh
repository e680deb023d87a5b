#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The JSON report of a real run honours the uringlockstat/1 contract.
. "$(dirname "$0")/lib.bash"
need_root

"$ULS" --json "$T/r.json" -- "$BENCH" --rings 2 --threads 2 --ops 20000 >/dev/null 2>"$T/err" ||
	fail "run failed: $(tail -3 "$T/err")"
jq -e '
	.schema == "uringlockstat/1" and (.kernel | type == "string") and
	(.duration_ns | type == "number") and (.duration_ns > 0) and
	(.backends | keys == ["contention", "counters", "exact", "sample"]) and
	all(.backends[]; (.active | type == "boolean") and (.reason | type == "string")) and
	(.lost | type == "object") and all(.lost[]; type == "number") and
	(.rings | length == 2) and
	all(.rings[];
		(.pid | type == "number") and (.fd | type == "number") and
		(.flags | type == "array") and (.sq_entries > 0) and (.cq_entries > 0) and
		(.sqes == 20000) and (.enters | type == "number" or type == "null") and
		(.acquisitions_method == "inferred" or .acquisitions_method == "exact" or
		 .acquisitions_method == null) and
		(.acquisitions | type == "number" or type == "null") and
		(.contended | type == "number") and (.spin | type == "number") and
		(.sleep | type == "number") and
		(.wait_ns == null or (.wait_ns | has("total") and has("p50") and has("p90") and
					      has("p99") and has("max"))) and
		(.hold_ns == null or (.hold_ns | has("total") and has("p99"))) and
		(.handoffs | type == "number" or type == "null") and
		(.paths | type == "object") and (has("ctx") | not))
' "$T/r.json" >/dev/null || fail "contract violated: $(cat "$T/r.json")"
echo "ok: report honours uringlockstat/1"
# Kernel addresses only with -v.
"$ULS" -v --json "$T/v.json" -- "$BENCH" --ops 100 >/dev/null 2>&1 || fail "verbose run failed"
assert_eq "ctx shown with -v" "$(jqv "$T/v.json" '.rings[0].ctx | startswith("0x")')" true
exit 0
