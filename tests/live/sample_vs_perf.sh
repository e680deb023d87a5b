#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sample backend's lock share against `perf record -e cpu-clock -g` on the same process,
# both running at once, on two threads with a SINGLE_ISSUER ring each (lock share ~1%): both
# see lock code (share above 0) and agree within a factor of 3. That bound is loose on purpose:
# the two samplers disagree by more than their sampling error. Measured here: in 4 of 6 runs
# within 0.3 points, in 2 of 6 uringlockstat read 0.021-0.025 against perf's 0.010-0.012.
# On a ring shared by three threads it is worse: two uringlockstat instances sampling the same
# seconds at the same rate read 0.056 and 0.155 (8000 samples each), so what a sample sees
# depends on the phase of the per-CPU sampling timers (a sample taken while the other CPU's
# sampler interrupt delays the lock holder finds its waiters spinning). Finding the cause and
# closing the gap is open work (who-blocks-whom issue, "no bias against perf").
. "$(dirname "$0")/lib.bash"
need_root
command -v perf >/dev/null || skip "perf (linux-perf) not installed"

"$BENCH" --rings 2 --threads 2 --single-issuer --batch 1 --duration 8 >/dev/null 2>&1 &
b=$!
PIDS+=("$b")
sleep 0.5
# The same window for both: this workload switches between phases (threads spinning on the
# lock, threads taking turns) within one run, so samplers watching different seconds read
# different shares (a fixed -d 4 started before perf once read 0.254 against perf's 0.166).
# The profiler runs from before perf starts until perf has ended, less than 0.2 s more.
start_profiler "$T/err" --mode sample --freq 997 -p "$b" --json "$T/r.json"
u=$ULS_PID
perf record -q -e cpu-clock -F 997 -g -p "$b" -o "$T/perf.data" -- sleep 4 >/dev/null 2>&1 ||
	fail "perf record failed"
kill -INT "$u"
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
awk -v a="$ours" -v b="$perf_share" 'BEGIN { exit !(a > 0 && b > 0) }' ||
	fail "a lock share is 0: uringlockstat $ours, perf $perf_share"
awk -v a="$ours" -v b="$perf_share" 'BEGIN { exit !(a <= 3 * b && b <= 3 * a) }' ||
	fail "lock shares differ by more than a factor of 3: $ours vs $perf_share"
echo "ok: lock shares within a factor of 3 (difference $(awk -v a="$ours" -v b="$perf_share" \
	'BEGIN { printf "%+.2f", (a - b) * 100 }') points)"
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
