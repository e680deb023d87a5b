#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every report says what the profiler itself cost: its BPF programs' runs and run time (as
# the kernel times them), per second and per run, and as a share of the target's CPU time,
# in text, JSON and metrics. The figures are checked against what is known independently:
# the CPU time the command's parent saw it use (/proc/self/stat cutime+cstime), and the
# sample backend's program, which runs freq times per second on every CPU that is busy.
. "$(dirname "$0")/lib.bash"
need_root

ncpu=$(nproc)
dur=2
freq=99

# The command: a shell that runs a busy workload (one thread per CPU), then prints the CPU
# time its child used (cutime + cstime, in clock ticks) as ground truth.
cmd=(sh -c "\"$BENCH\" --rings $ncpu --threads $ncpu --duration $dur >/dev/null &&
	awk '{ sub(/.*\\) /, \"\"); print \$14 + \$15 }' /proc/\$\$/stat >\"$T/child_ticks\"")

"$ULS" --mode sample --freq $freq --prog-stats --json "$T/s.json" --prom-file "$T/s.prom" -- "${cmd[@]}" \
	>"$T/s.out" 2>"$T/s.err" || fail "profiled run failed: $(tail -3 "$T/s.err")"
assert_eq "overhead measured" "$(jqv "$T/s.json" '.overhead.measured')" true
runs=$(jqv "$T/s.json" '.overhead.bpf_runs | num')
run_ns=$(jqv "$T/s.json" '.overhead.bpf_run_ns | num')
assert_gt "runs of our programs" "$runs" 0
assert_gt "their run time (ns)" "$run_ns" 0
# The totals are the per-program figures (--prog-stats) added up.
assert_eq "runs = sum of the programs' runs" "$(jqv "$T/s.json" '[.programs[].runs | num] |
	nonempty | add')" "$runs"
assert_eq "run time = sum of the programs' run times" "$(jqv "$T/s.json" \
	'[.programs[].run_ns | num] | nonempty | add')" "$run_ns"
# The perf_event program runs on every CPU at freq Hz while it is busy: all CPUs are.
secs=$(jqv "$T/s.json" '.duration_ns / 1e9 | num')
want=$(awk -v f=$freq -v n="$ncpu" -v s="$secs" 'BEGIN { printf "%.0f", f * n * s }')
assert_within "sample program's runs = freq x CPUs x seconds" \
	"$(jqv "$T/s.json" '.programs.on_sample.runs | num')" "$want" 25
assert_within "ns per run = run time / runs" "$(jqv "$T/s.json" '.overhead.ns_per_run | num')" \
	"$(awk -v a="$run_ns" -v b="$runs" 'BEGIN { print a / b }')" 0.01
assert_within "ns per second = run time / duration" \
	"$(jqv "$T/s.json" '.overhead.bpf_ns_per_s | num')" \
	"$(awk -v a="$run_ns" -v b="$secs" 'BEGIN { print a / b }')" 0.01
# The target's CPU time: the command's rusage, which the shell's cutime+cstime confirm.
ticks=$(cat "$T/child_ticks")
need_number "child's CPU ticks" "$ticks"
hz=$(getconf CLK_TCK)
target=$(jqv "$T/s.json" '.overhead.target_cpu_ns | num')
assert_eq "target CPU source" "$(jqv "$T/s.json" '.overhead.target_cpu_source')" \
	"the command's rusage"
assert_within "target CPU time vs the workload's own (ticks)" "$target" \
	"$(awk -v t="$ticks" -v hz="$hz" 'BEGIN { print t * 1e9 / hz }')" 5
assert_within "share of the target's CPU = run time / target CPU time" \
	"$(jqv "$T/s.json" '.overhead.share_of_target_cpu | num')" \
	"$(awk -v a="$run_ns" -v b="$target" 'BEGIN { print a / b }')" 0.01
grep -q "^profiler cost: our BPF programs ran $runs times" "$T/s.err" ||
	fail "no profiler cost line in the text report: $(tail -3 "$T/s.err")"
echo "ok: text report: $(grep '^profiler cost' "$T/s.err")"
# `report` on the saved JSON prints the same line.
"$ULS" report "$T/s.json" >"$T/s.report" 2>&1 || fail "report failed: $(tail -2 "$T/s.report")"
assert_eq "report's profiler cost line = the live one" "$(grep '^profiler cost' "$T/s.report")" \
	"$(grep '^profiler cost' "$T/s.err")"
assert_eq "metrics: runs" \
	"$(awk '$1 == "uringlockstat_bpf_runs_total" { print $2 }' "$T/s.prom")" "$runs"
need_number "metrics: run seconds" \
	"$(awk '$1 == "uringlockstat_bpf_run_seconds_total" { print $2 }' "$T/s.prom")"

# -p PID: the target's CPU time from /proc/PID/stat over the run.
start_waiting_bench "$T/b.json" --threads 1 --duration 3
start_profiler "$T/p.err" -p "$BENCH_PID" -d 1.5 --json "$T/p.json"
kill -USR1 "$BENCH_PID"
wait "$ULS_PID" || fail "profiler failed: $(tail -3 "$T/p.err")"
assert_eq "overhead measured (-p)" "$(jqv "$T/p.json" '.overhead.measured')" true
assert_gt "runs (-p)" "$(jqv "$T/p.json" '.overhead.bpf_runs | num')" 0
case $(jqv "$T/p.json" '.overhead.target_cpu_source') in
"/proc/PID/stat"*) echo "ok: target CPU source (-p) is /proc/PID/stat" ;;
*) fail "target CPU source (-p): $(jqv "$T/p.json" '.overhead.target_cpu_source')" ;;
esac
# One busy thread for the 1.5 s run: its CPU time is close to that, in 10 ms ticks.
assert_within "target CPU time (-p), one busy thread" \
	"$(jqv "$T/p.json" '.overhead.target_cpu_ns | num')" \
	"$(jqv "$T/p.json" '.duration_ns | num')" 20

# --no-prog-stats: the cost is unknown, and the report says why rather than 0.
"$ULS" --no-prog-stats --mode contention --json "$T/n.json" -- "$BENCH" --ops 1000 \
	>/dev/null 2>"$T/n.err" || fail "run with --no-prog-stats failed: $(tail -3 "$T/n.err")"
assert_eq "overhead measured (--no-prog-stats)" "$(jqv "$T/n.json" '.overhead.measured')" false
assert_null "runs (--no-prog-stats)" "$(jqv "$T/n.json" '.overhead.bpf_runs')"
grep -q "^profiler cost: not measured (--no-prog-stats)" "$T/n.err" ||
	fail "text report does not say the cost was not measured: $(tail -2 "$T/n.err")"
echo "ok: --no-prog-stats says the cost was not measured"
exit 0
