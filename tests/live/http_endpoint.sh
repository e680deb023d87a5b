#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The --listen endpoint's contract: loopback unless --listen-any, GET /metrics only, format by
# content negotiation, no kernel address without -v, clear errors, and slow or many clients
# stall neither the endpoint nor the profiling (the live table keeps ticking, counts stay exact).
. "$(dirname "$0")/lib.bash"
need_root
command -v curl >/dev/null || skip "curl not installed"

# Usage errors and refusals: one line, non-zero, nothing attached.
one_line() {
	local what=$1 want=$2
	shift 2
	"$ULS" "$@" >"$T/out" 2>"$T/err" && fail "$what: succeeded"
	grep -q "$want" "$T/err" || fail "$what: unclear error: $(cat "$T/err")"
	echo "ok: $what: $(head -1 "$T/err")"
}
one_line "non-loopback without --listen-any" "not a loopback address" --listen 0.0.0.0:0 -d 1
one_line "every address (:PORT) without --listen-any" "not a loopback address" --listen :0 -d 1
one_line "malformed address" "expected PORT" --listen 127.0.0.1:http -d 1
one_line "port out of range" "expected PORT" --listen 70000 -d 1
one_line "--listen-any alone" "needs --listen" --listen-any -a -d 1
sleep 30 | "$ULS" --listen 127.0.0.1:0 -d 5 >/dev/null 2>"$T/first.err" &
PIDS+=($!)
wait_for_line "$T/first.err" "serving metrics on" 5 || fail "no endpoint: $(cat "$T/first.err")"
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$T/first.err")
one_line "port in use" "Address already in use" --listen "127.0.0.1:$port" -d 1

# --listen-any binds every address when asked to.
start_profiler "$T/any.err" --listen-any --listen 0.0.0.0:0 -d 30
wait_for_line "$T/any.err" "serving metrics on http://0.0.0.0:" 5 || fail "$(cat "$T/any.err")"
kill -INT "$ULS_PID"
wait "$ULS_PID" || fail "--listen-any run failed"
echo "ok: --listen-any serves on 0.0.0.0"

# The endpoint under load: 3 threads on a shared ring for 3 s, rings kept open 6 s more; live
# table every 0.2 s.
start_waiting_bench "$T/b.json" --threads 3 --shared --duration 3 --hold 6
start_profiler "$T/uls.err" --listen 127.0.0.1:0 -i 0.2 --json "$T/r.json" -p "$BENCH_PID"
url=$(sed -n 's|.*serving metrics on \(http://[^ ]*\).*|\1|p' "$T/uls.err")
base=${url%/metrics}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
assert_eq "GET /metrics" "$(code "$url")" 200
assert_eq "GET /" "$(code "$base/")" 404
assert_eq "GET /metrics/x" "$(code "$base/metrics/x")" 404
assert_eq "GET /debug/pprof" "$(code "$base/debug/pprof")" 404
assert_eq "POST /metrics" "$(code -X POST -d x "$url")" 405
assert_eq "PUT /metrics" "$(code -X PUT -d x "$url")" 405
assert_eq "DELETE /metrics" "$(code -X DELETE "$url")" 405
curl -s -D "$T/h" -o "$T/om" -H 'Accept: application/openmetrics-text;version=1.0.0' "$url"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$T/h" ||
	fail "OpenMetrics not negotiated: $(cat "$T/h")"
assert_eq "OpenMetrics ends with # EOF" "$(tail -1 "$T/om")" "# EOF"
curl -s -D "$T/h" -o "$T/prom" "$url"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/h" || fail "no text format: $(cat "$T/h")"
! grep -q '# EOF' "$T/prom" || fail "# EOF in the Prometheus text format"
echo "ok: content negotiation"
grep -q '0xffff' "$T/om" "$T/prom" && fail "kernel address exposed without -v"
echo "ok: no kernel address without -v"

# 60 clients that connect and never finish their request.
hostport=${base#http://}
slow=()
for ((i = 0; i < 60; i++)); do
	# The braces keep 2>/dev/null to this exec: on a bare exec it would silence the test.
	{ exec {fd}<>"/dev/tcp/${hostport%:*}/${hostport##*:}"; } 2>/dev/null || break
	printf 'GET /metr' >&"$fd"
	slow+=("$fd")
done
ticks_before=$(grep -c . "$T/uls.err.out")
kill -USR1 "$BENCH_PID"
start=$(date +%s%N)
ok=0
for ((i = 0; i < 10; i++)); do
	[ "$(code -m 2 "$url")" = 200 ] && ok=$((ok + 1))
	sleep 0.2
done
elapsed=$((($(date +%s%N) - start) / 1000000))
# The connection limit turns clients away while 60 hang; the scrapes that get in are answered.
echo "ok: $ok of 10 scrapes answered in ${elapsed} ms while ${#slow[@]} clients hang"
assert_eq "hanging clients connected" "${#slow[@]}" 60
assert_gt "scrapes answered while clients hang" "$ok" 0
ticks=$(($(grep -c . "$T/uls.err.out") - ticks_before))
assert_gt "live table lines printed while clients hang" "$ticks" 5
# Idle clients are dropped after the 5 s connection timeout.
sleep 4
assert_eq "scrape after the timeout" "$(code -m 5 "$url")" 200
wait "$BENCH_PID" || fail "workload failed"
wait "$ULS_PID" || fail "profiler failed: $(tail -3 "$T/uls.err")"
ring_of "$T/r.json" "$BENCH_PID" >"$T/ring.json" || fail "no ring in the report"
assert_eq "sqes exact while clients hang" "$(jqv "$T/ring.json" '.[0].sqes')" \
	"$(jqv "$T/b.json" .total.sqes)"

# -v adds the ring's kernel address as a label; a closed ring's series end after --expire.
start_profiler "$T/v.err" --listen 127.0.0.1:0 -v -a -d 30 --expire 0.5
url=$(sed -n 's|.*serving metrics on \(http://[^ ]*\).*|\1|p' "$T/v.err")
"$BENCH" --ops 1000 --hold 1.5 >/dev/null &
bench=$!
sleep 1.2
curl -s "$url" >"$T/v.metrics"
grep -q "^uringlockstat_sqes_total{pid=\"$bench\",.*,ctx=\"0xffff[0-9a-f]*\"" "$T/v.metrics" ||
	fail "no ring with a ctx label with -v: $(grep sqes_total "$T/v.metrics")"
echo "ok: -v shows kernel addresses"
wait "$bench"
sleep 2.5
# The series are gone from a real answer: the profiler is alive and served the page.
kill -0 "$ULS_PID" 2>/dev/null ||
	fail "profiler with --expire died: $(grep -v '^libbpf' "$T/v.err" | tail -3)"
assert_eq "scrape after the ring expired" \
	"$(curl -s -o "$T/v2.metrics" -w '%{http_code}' "$url")" 200
grep -q '^uringlockstat_' "$T/v2.metrics" ||
	fail "scrape after the ring expired has no series: $(head -c 300 "$T/v2.metrics")"
grep -q "pid=\"$bench\"" "$T/v2.metrics" && fail "series of exited pid $bench still exposed"
echo "ok: series of the exited process expired"
kill -INT "$ULS_PID"
wait "$ULS_PID" || fail "profiler with --expire failed: $(tail -3 "$T/v.err")"
exit 0
