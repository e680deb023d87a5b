#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Slowloris against --listen, from the scraper's own address (127.0.0.1): 64 connections that
# each send a header line every 2 s and reconnect when dropped. A request must arrive whole
# within a few seconds however busy its client keeps it, and a new connection gets in by
# ending the oldest unfinished request: normal scrapes are answered during the attack.
. "$(dirname "$0")/lib.bash"
need_root
command -v curl >/dev/null || skip "curl not installed"

ATTACKERS=64
# Longest the attack can last; it is stopped once the scrapes are done.
ATTACK_S=40

start_profiler "$T/uls.err" --listen 127.0.0.1:0 -a -d 60
wait_for_line "$T/uls.err" "serving metrics on" 5 || fail "no endpoint: $(cat "$T/uls.err")"
url=$(sed -n 's|.*serving metrics on \(http://[^ ]*\).*|\1|p' "$T/uls.err")
hostport=${url#http://}
hostport=${hostport%/metrics}
host=${hostport%:*}
port=${hostport##*:}
[ "$host" = 127.0.0.1 ] && [[ $port =~ ^[0-9]+$ ]] || fail "no loopback address in '$url'"
for ((i = 0; i < 20; i++)); do
	[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url")" = 200 ] && break
	sleep 0.1
done
assert_eq "scrape before the attack" "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url")" 200

# The attack: loopback only, bounded in connections and time. Writes "opened dropped" when it
# ends (SIGTERM or ATTACK_S).
slowloris() {
	local end=$((SECONDS + ATTACK_S)) fds=() last=() opened=0 dropped=0 i fd now
	trap '' PIPE
	trap 'echo "$opened $dropped" >"$T/attack"; exit 0' TERM
	while ((SECONDS < end)); do
		now=$SECONDS
		for ((i = 0; i < ATTACKERS; i++)); do
			fd=${fds[i]:-}
			# Readable means the server answered or closed: that request is over.
			if [ -n "$fd" ] && read -r -t 0 -u "$fd"; then
				exec {fd}>&-
				fds[i]=
				fd=
				dropped=$((dropped + 1))
			fi
			if [ -z "$fd" ]; then
				exec {fd}<>"/dev/tcp/$host/$port" 2>/dev/null || continue
				printf 'GET /metrics HTTP/1.1\r\nHost: %s\r\n' "$hostport" >&"$fd" 2>/dev/null
				fds[i]=$fd
				last[i]=$now
				opened=$((opened + 1))
			elif ((now - ${last[i]} >= 2)); then
				printf 'X-Slow-%d: %d\r\n' "$i" "$now" >&"$fd" 2>/dev/null
				last[i]=$now
			fi
		done
		sleep 0.2
	done
	echo "$opened $dropped" >"$T/attack"
}
slowloris &
attack=$!
PIDS+=("$attack")
# Let the attack fill every connection slot the endpoint has.
sleep 4

ok=0
for ((i = 0; i < 6; i++)); do
	start=$(date +%s%N)
	code=$(curl -s -m 3 -o "$T/scrape" -w '%{http_code}' "$url")
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ "$code" = 200 ] && grep -q '^uringlockstat_' "$T/scrape"; then
		ok=$((ok + 1))
		echo "ok: scrape $((i + 1)) during the attack answered in $ms ms"
	else
		echo "scrape $((i + 1)) during the attack: status $code after $ms ms"
	fi
	sleep 0.5
done
kill -TERM "$attack" 2>/dev/null || fail "the attack ended before the scrapes did"
wait "$attack"
read -r opened dropped <"$T/attack" || fail "no attack summary"
[[ $opened =~ ^[0-9]+$ && $dropped =~ ^[0-9]+$ ]] || fail "attack summary: '$opened $dropped'"
[ "$opened" -ge "$ATTACKERS" ] || fail "the attack opened only $opened connections"
echo "ok: the attack opened $opened connections; the endpoint ended $dropped unfinished requests"
assert_eq "scrapes answered during the attack" "$ok" 6
[ "$dropped" -gt 0 ] || fail "no slow request was ended"
kill -0 "$ULS_PID" || fail "the profiler died"
assert_eq "scrape after the attack" "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url")" 200

# One client that sends a header line every 0.5 s is never idle, but its request has a deadline.
exec {fd}<>"/dev/tcp/$host/$port" || fail "cannot connect"
printf 'GET /metrics HTTP/1.1\r\nHost: %s\r\n' "$hostport" >&"$fd"
start=$(date +%s%N)
closed=
for ((i = 0; i < 20; i++)); do
	printf 'X-Slow: %d\r\n' "$i" >&"$fd" 2>/dev/null
	read -r -t 0 -u "$fd" && closed=$((($(date +%s%N) - start) / 1000000)) && break
	sleep 0.5
done
exec {fd}>&-
[ -n "$closed" ] || fail "a request trickling in for 10 s was never ended"
[ "$closed" -le 5000 ] || fail "a trickling request was ended only after $closed ms"
echo "ok: a request trickling in was ended after $closed ms"
kill -INT "$ULS_PID"
wait "$ULS_PID" || fail "profiler failed: $(tail -3 "$T/uls.err")"
exit 0
