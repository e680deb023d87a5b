#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --listen under a real Prometheus server: it scrapes the endpoint (OpenMetrics, negotiated by
# Prometheus itself) while uringbench runs a single-issuer ring and a shared ring; the counters
# and histograms Prometheus stored equal the run's JSON and uringbench's own counts.
. "$(dirname "$0")/lib.bash"
need_root
command -v prometheus >/dev/null || skip "prometheus (Debian package prometheus) not installed"
command -v curl >/dev/null || skip "curl not installed"

# Prometheus's HTTP API: instant query -> "value" of each series, one per line, sorted.
promql() {
	curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[] | .value[1]' | sort
}

start_profiler "$T/uls.err" --listen 127.0.0.1:0 --count-enters --json "$T/r.json"
wait_for_line "$T/uls.err" "serving metrics on" 5 || fail "no endpoint line: $(cat "$T/uls.err")"
addr=$(sed -n 's|.*serving metrics on http://\([^/]*\)/metrics.*|\1|p' "$T/uls.err")
[ -n "$addr" ] || fail "cannot parse the endpoint: $(cat "$T/uls.err")"

cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: uringlockstat
    static_configs:
      - targets: ['$addr']
EOF
for try in 1 2 3 4 5; do
	PROM_PORT=$((20000 + RANDOM % 20000))
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prom.log" 2>&1 &
	PROM_PID=$!
	PIDS+=("$PROM_PID")
	for ((i = 0; i < 100; i++)); do
		curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null && break 2
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
done
curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null ||
	fail "prometheus did not start: $(tail -5 "$T/prom.log")"
health() {
	curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/targets" | jq -r '.data.activeTargets[0].health'
}
# Prometheus applies new targets after up to 5 s: start the workloads once it scrapes.
for ((i = 0; i < 200; i++)); do
	[ "$(health)" = up ] && break
	sleep 0.1
done

# Two workloads; --hold keeps their rings open for a few scrapes after the counts are final.
"$BENCH" --single-issuer --ops 50000 --hold 3 --json >"$T/si.json" 2>"$T/si.err" &
si=$!
"$BENCH" --threads 3 --shared --ops 100000 --hold 3 --json >"$T/sh.json" \
	2>"$T/sh.err" || fail "shared workload failed: $(cat "$T/sh.err")"
wait "$si" || fail "single-issuer workload failed: $(cat "$T/si.err")"
# A scrape after the rings closed, then the final snapshot.
sleep 2
kill -INT "$ULS_PID"
wait "$ULS_PID" || fail "profiler failed: $(tail -3 "$T/uls.err")"
[ -s "$T/r.json" ] || fail "no JSON report"

assert_eq "target health" "$(health)" up
# Only an OpenMetrics scrape carries units: Prometheus chose OpenMetrics and parsed it.
assert_eq "unit of uringlockstat_wait_seconds (OpenMetrics metadata)" \
	"$(curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/metadata?metric=uringlockstat_wait_seconds" |
		jq -r '.data.uringlockstat_wait_seconds[0].unit')" seconds

for w in si sh; do
	pid=$(jqv "$T/$w.json" .pid)
	ring_of "$T/r.json" "$pid" >"$T/ring.json" || fail "no ring of pid $pid in the report"
	assert_eq "$w: rings in the report" "$(jqv "$T/ring.json" length)" 1
	sel="pid=\"$pid\",fd=\"$(jqv "$T/ring.json" '.[0].fd')\""
	last() { promql "last_over_time($1{$sel}[5m])"; }
	assert_eq "$w: sqes stored by Prometheus = uringbench's" \
		"$(last uringlockstat_sqes_total)" "$(jqv "$T/$w.json" .total.sqes)"
	assert_eq "$w: sqes stored = JSON" "$(last uringlockstat_sqes_total)" \
		"$(jqv "$T/ring.json" '.[0].sqes')"
	assert_eq "$w: enters stored = uringbench's" "$(last uringlockstat_enters_total)" \
		"$(jqv "$T/$w.json" .total.enters)"
	assert_eq "$w: acquisitions stored = JSON" "$(last uringlockstat_acquisitions_total)" \
		"$(jqv "$T/ring.json" '.[0].acquisitions')"
	assert_eq "$w: contended stored = JSON" "$(last uringlockstat_contended_total)" \
		"$(jqv "$T/ring.json" '.[0].contended')"
	assert_eq "$w: wait histogram count = JSON wait count" \
		"$(last uringlockstat_wait_seconds_count)" "$(jqv "$T/ring.json" '.[0].wait_ns.count')"
	assert_eq "$w: +Inf bucket = count" \
		"$(promql "last_over_time(uringlockstat_wait_seconds_bucket{$sel,le=\"+Inf\"}[5m])")" \
		"$(jqv "$T/ring.json" '.[0].wait_ns.count')"
	got=$(last uringlockstat_wait_seconds_sum)
	want=$(jqv "$T/ring.json" '.[0].wait_ns.total')
	awk -v g="$got" -v w="$want" 'BEGIN { d = g * 1e9 - w; exit !(d < 1e3 && d > -1e3) }' ||
		fail "$w: wait_seconds_sum $got s, JSON wait_ns.total $want"
	echo "ok: $w: wait_seconds_sum = $got s = $want ns"
	assert_eq "$w: flags label" "$(curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/series" \
		--data-urlencode "match[]=uringlockstat_sqes_total{$sel}" |
		jq -r '.data[0].flags')" "$(jqv "$T/ring.json" '.[0].flags | join("|")')"
done
assert_eq "single-issuer ring: contended" "$(jqv "$T/r.json" \
	"[.rings[] | select(.pid == $(jqv "$T/si.json" .pid))][0].contended")" 0
assert_gt "shared ring: contended stored" "$(promql "max(last_over_time(uringlockstat_contended_total{pid=\"$(jqv "$T/sh.json" .pid)\"}[5m]))")" 0
# The rings closed before the profiler stopped: still exposed, as closed, until they expire.
assert_gt "closed rings exposed at the last scrape" \
	"$(promql 'last_over_time(uringlockstat_rings{state="closed"}[5m])')" 1
assert_eq "lost events (ring_slots_full)" \
	"$(promql 'last_over_time(uringlockstat_lost_events_total{reason="ring_slots_full"}[5m])')" 0
exit 0
