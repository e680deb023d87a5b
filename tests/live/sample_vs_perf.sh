#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sample backend's lock share agrees with `perf record -e cpu-clock -g` on the same process
# at the same time: within 2 percentage points or 20%. ~8000 samples a side keep the
# sampling error of each share well under a point.
. "$(dirname "$0")/lib.bash"
need_root
command -v perf >/dev/null || skip "perf (linux-perf) not installed"

"$BENCH" --threads 3 --shared --batch 8 --duration 6 >/dev/null 2>&1 &
b=$!
PIDS+=("$b")
sleep 0.5
"$ULS" --mode sample --freq 997 -p "$b" -d 4 --json "$T/r.json" >/dev/null 2>"$T/err" &
u=$!
perf record -q -e cpu-clock -F 997 -g -p "$b" -o "$T/perf.data" -- sleep 4 >/dev/null 2>&1 ||
	fail "perf record failed"
wait "$u" || fail "profiler failed: $(cat "$T/err")"
ours=$(jqv "$T/r.json" .sampled.lock_share)
samples=$(jqv "$T/r.json" .sampled.samples)
assert_gt "our samples" "$samples" 100
# perf's share by the same rule: the leaf is mutex code and its first other frame is io_uring.
theirs=$(perf script -i "$T/perf.data" -F ip,sym 2>/dev/null | awk '
	function lockfn(s) { return s ~ /^(mutex_|__mutex_|osq_)/ }
	/^$/ { if (n) { total++; if (inlock) locked++ } n = 0; inlock = 0; next }
	{
		sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym)
		n++
		if (n == 1) { leaf = lockfn(sym); seeking = leaf; next }
		if (seeking && !lockfn(sym)) {
			seeking = 0
			if (sym ~ /io_uring|^io_|^__io_/) inlock = 1
		}
	}
	END { if (n) { total++; if (inlock) locked++ } printf "%.6f %d\n", locked / total, total }')
perf_share=${theirs% *}
perf_total=${theirs#* }
assert_gt "perf samples" "$perf_total" 100
need_number "uringlockstat's lock share" "$ours"
need_number "perf's lock share" "$perf_share"
echo "lock share: uringlockstat $ours ($samples samples), perf $perf_share ($perf_total samples)"
awk -v a="$ours" -v b="$perf_share" 'BEGIN { d = a - b; if (d < 0) d = -d;
	exit !(d <= 0.02 || d <= 0.2 * b) }' || fail "lock shares differ: $ours vs $perf_share"
echo "ok: lock shares agree"
# The share's 95% interval: the Wilson score interval of lock_samples in samples, recomputed
# here from the report's own counts, and it holds the share.
lo=$(jqv "$T/r.json" '.sampled.lock_share_ci95[0] | num')
hi=$(jqv "$T/r.json" '.sampled.lock_share_ci95[1] | num')
want=$(awk -v k="$(jqv "$T/r.json" '.sampled.lock_samples | num')" -v n="$samples" 'BEGIN {
	z = 1.959963984540054; p = k / n; d = 1 + z * z / n; c = (p + z * z / (2 * n)) / d
	h = z / d * sqrt(p * (1 - p) / n + z * z / (4 * n * n)); printf "%.9f %.9f", c - h, c + h }')
assert_within "interval low end = Wilson's" "$lo" "${want% *}" 0.0001
assert_within "interval high end = Wilson's" "$hi" "${want#* }" 0.0001
awk -v lo="$lo" -v s="$ours" -v hi="$hi" 'BEGIN { exit !(lo <= s && s <= hi) }' ||
	fail "share $ours outside its interval $lo-$hi"
echo "ok: lock share $ours in its 95% interval $lo-$hi; perf's $perf_share is" \
	"$(awk -v lo="$lo" -v s="$perf_share" -v hi="$hi" 'BEGIN { print (lo <= s && s <= hi) ? "inside" : "outside" }')"
exit 0
