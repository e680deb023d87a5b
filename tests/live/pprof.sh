#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --pprof of a shared-ring workload, read back by `go tool pprof`: the delay and contention
# totals equal the report's, the sample backend's samples/count equals its sample count, the
# top listing holds the mutex and the workload's own frames, ring and path are labels, and no
# kernel address shows without -v.
. "$(dirname "$0")/lib.bash"
need_root
command -v go >/dev/null || skip "go (golang-go) not installed: go tool pprof reads the profile"
go tool -n pprof >/dev/null 2>&1 || skip "go has no pprof tool (go tool -n pprof fails)"

# go tool pprof wants a writable home and caches; keep them in the test's directory.
mkdir -p "$T/home" "$T/gocache" "$T/pprof"
export HOME=$T/home GOCACHE=$T/gocache PPROF_TMPDIR=$T/pprof
pp() {
	go tool pprof -symbolize=none "$@" 2>"$T/pprof.err" ||
		fail "go tool pprof $* failed: $(tail -3 "$T/pprof.err")"
}

# Sum of column TYPE (e.g. delay/nanoseconds) over the Samples section of `pprof -raw`.
raw_total() {
	awk -v type="$2" -f "$(dirname "$0")/../pprof-total.awk" "$1" || fail "no $2 column in $1"
}

"$ULS" --mode contention --ustack --pprof "$T/p.pb.gz" --json "$T/r.json" -- "$BENCH" \
	--threads 3 --shared --batch 8 --duration 1.5 >/dev/null 2>"$T/err" ||
	fail "run failed: $(tail -3 "$T/err")"
[ -s "$T/p.pb.gz" ] || fail "no pprof file"
gzip -t "$T/p.pb.gz" || fail "the pprof file is not gzip"

pp -raw "$T/p.pb.gz" >"$T/raw"
grep -q '^contentions/count delay/nanoseconds\[dflt\] hold/nanoseconds$' "$T/raw" ||
	fail "sample types: $(grep -A1 '^Samples:' "$T/raw" | tail -1)"
assert_eq "pprof delay total = report wait total" "$(raw_total "$T/raw" delay/)" \
	"$(jqv "$T/r.json" '[.rings[].wait_ns.total] | add')"
assert_eq "pprof contentions total = contended" "$(raw_total "$T/raw" contentions/)" \
	"$(jqv "$T/r.json" '[.rings[].contended] | add')"
assert_eq "pprof hold total without the exact backend" "$(raw_total "$T/raw" hold/)" 0
if grep -iqE '0xffff[0-9a-f]{8}' "$T/raw"; then
	fail "kernel address without -v: $(grep -ioE '0xffff[0-9a-f]{8,}' "$T/raw" | head -1)"
fi
echo "ok: no kernel address in pprof -raw"

pp -top -sample_index=delay -nodecount=1000 "$T/p.pb.gz" >"$T/top.delay"
grep -q '^Type: delay$' "$T/top.delay" || fail "delay top: $(head -8 "$T/top.delay")"
grep -qE ' (__)?mutex_[a-z_.0-9]*$' "$T/top.delay" || fail "no mutex frame in the delay top"
grep -q ' __do_sys_io_uring_enter$' "$T/top.delay" || fail "no io_uring submit frame"
grep -q ' worker_main$' "$T/top.delay" || fail "uringbench's worker_main not in the delay top"
pp -top -sample_index=contentions "$T/p.pb.gz" >"$T/top.count"
grep -q '^Type: contentions$' "$T/top.count" || fail "contentions top: $(head -8 "$T/top.count")"
echo "ok: pprof -top lists mutex, io_uring_enter and worker_main frames"

pp -tags "$T/p.pb.gz" >"$T/tags"
pid=$(jqv "$T/r.json" '.rings[0].pid')
fd=$(jqv "$T/r.json" '.rings[0].fd')
grep -q '^ *ring: Total' "$T/tags" || fail "no ring label: $(head -20 "$T/tags")"
grep -qF "): pid $pid fd $fd [" "$T/tags" || fail "no ring 'pid $pid fd $fd [...]' label value"
grep -q '^ *path: Total' "$T/tags" || fail "no path label"
grep -qE '\): submit$' "$T/tags" || fail "no path 'submit' label value"
echo "ok: ring (pid $pid fd $fd) and path labels"

# Sample backend too: a samples/count column summing to the report's samples.
"$ULS" --mode contention,sample --ustack --pprof "$T/s.pb.gz" --json "$T/s.json" -- "$BENCH" \
	--threads 3 --shared --batch 8 --duration 1 >/dev/null 2>"$T/err" ||
	fail "sample run failed: $(tail -3 "$T/err")"
pp -raw "$T/s.pb.gz" >"$T/sraw"
grep -q '^contentions/count delay/nanoseconds\[dflt\] hold/nanoseconds samples/count$' \
	"$T/sraw" || fail "sample types: $(grep -A1 '^Samples:' "$T/sraw" | tail -1)"
assert_eq "pprof delay total (with samples) = report wait total" \
	"$(raw_total "$T/sraw" delay/)" "$(jqv "$T/s.json" '[.rings[].wait_ns.total] | add')"
# Every sample lands in the stacks map but for map-full failures, which count in stacks_full
# (as do stack id collisions, whose samples are still there, without that stack).
samples=$(jqv "$T/s.json" '.sampled.samples')
lost=$(jqv "$T/s.json" '.lost.stacks_full')
got=$(raw_total "$T/sraw" samples/)
if [ "$lost" = 0 ]; then
	assert_eq "pprof samples total = report samples" "$got" "$samples"
else
	if [ "$got" -gt "$samples" ] || [ "$got" -lt $((samples - lost)) ]; then
		fail "pprof samples total $got outside [$((samples - lost)), $samples]"
	fi
	echo "ok: pprof samples total = $got (report $samples, stacks_full $lost)"
fi
pp -top -sample_index=samples "$T/s.pb.gz" >"$T/top.samples"
grep -q '^Type: samples$' "$T/top.samples" || fail "samples top: $(head -8 "$T/top.samples")"
grep -q ' worker_main$' "$T/top.samples" || fail "worker_main not in the samples top"
pp -tags "$T/s.pb.gz" >"$T/stags"
grep -q '^ *uring_lock: Total' "$T/stags" || fail "no uring_lock label on samples"
echo "ok: samples/count column, top and labels"
exit 0
