# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the live-kernel tests: each test is a bash script that exits
# 0 (pass), 1 (fail) or 77 (skip, with the reason on stderr).

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib/values.bash"
BUILD=${BUILD:-build}
ULS=$(realpath "$BUILD/uringlockstat")
BENCH=$(realpath "$BUILD/uringbench")
T=$(mktemp -d /tmp/uringlockstat-test.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap "exit 1" TERM

fail() {
	echo "FAIL: $*" >&2
	# Called inside $(...) too: end the test itself, not only the subshell.
	[ "$BASHPID" = "$$" ] || kill -TERM "$$"
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (BPF programs)"
	[ -d /sys/kernel/tracing/events ] ||
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
}

# jq query on a file (null prints as "null"), failing the test if the file is missing or empty
# or jq fails. The expression may use JQ_DEFS' `num` and `nonempty` (tests/lib/values.bash).
jqv() {
	[ -s "$1" ] || fail "jq '$2': $1 is missing or empty"
	jq -r "$JQ_DEFS$2" "$1" || fail "jq '$2' on $1 failed: $(head -c 300 "$1")"
}

# need_number NAME VALUE: fail unless VALUE is a number (not empty, null, jq-error, text).
need_number() {
	is_number "$2" || fail "$1: got '$2', not a number"
}

# assert_eq NAME GOT WANT: GOT is WANT, as text; a number if WANT is one. WANT must be a value:
# absence is checked with assert_null or assert_empty, so that two missing figures never agree.
assert_eq() {
	is_value "$3" || fail "$1: want '$3' is not a value (got '$2')"
	! is_number "$3" || need_number "$1" "$2"
	[ "$2" = "$3" ] || fail "$1: got $2, want $3"
	echo "ok: $1 = $2"
}

# assert_null NAME GOT: GOT is JSON null (what jqv prints for an absent figure).
assert_null() {
	[ "$2" = null ] || fail "$1: got '$2', want null"
	echo "ok: $1 = null"
}

# assert_empty NAME GOT: GOT is the empty text.
assert_empty() {
	[ -z "$2" ] || fail "$1: got '$2', want nothing"
	echo "ok: $1 is empty"
}

# assert_within NAME GOT WANT PCT: numbers, WANT > 0, |GOT - WANT| <= PCT% of WANT
assert_within() {
	need_number "$1" "$2"
	need_number "$1 (want)" "$3"
	need_number "$1 (percent)" "$4"
	awk -v g="$2" -v w="$3" -v p="$4" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d <= w * p / 100) }' ||
		fail "$1: got $2, want $3 (> 0) within $4%"
	echo "ok: $1 = $2 (want $3 within $4%)"
}

# assert_gt NAME GOT MIN: numbers, GOT > MIN
assert_gt() {
	need_number "$1" "$2"
	need_number "$1 (minimum)" "$3"
	awk -v g="$2" -v m="$3" 'BEGIN { exit !(g > m) }' || fail "$1: got $2, want > $3"
	echo "ok: $1 = $2 (> $3)"
}

# Start uringbench in the background waiting for SIGUSR1; sets BENCH_PID.
# Usage: start_waiting_bench OUT_JSON ARGS...
start_waiting_bench() {
	local out=$1 err
	shift
	err="$out.err"
	"$BENCH" --wait-start --json "$@" >"$out" 2>"$err" &
	BENCH_PID=$!
	PIDS+=("$BENCH_PID")
	wait_for_line "$err" "ready pid=" 10 || fail "uringbench did not get ready: $(cat "$err")"
}

# Start the profiler in the background and wait until it has attached; sets ULS_PID.
# Usage: start_profiler ERR_FILE ARGS...
start_profiler() {
	local err=$1
	shift
	"$ULS" "$@" 2>"$err" >"$err.out" &
	ULS_PID=$!
	PIDS+=("$ULS_PID")
	wait_for_line "$err" "uringlockstat: profiling" 20 ||
		fail "profiler did not attach: $(grep -v '^libbpf' "$err" | tail -5)"
}

# wait_for_line FILE TEXT SECONDS
wait_for_line() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# ring_of FILE PID: the rings of pid PID in a report, as a JSON array; fails (status 1) when
# PID is not a number, FILE is missing, empty or not a report, or holds no ring of PID.
ring_of() {
	is_number "$2" || { echo "ring_of: pid '$2' is not a number" >&2; return 1; }
	[ -s "$1" ] || { echo "ring_of: $1 is missing or empty" >&2; return 1; }
	jq --argjson pid "$2" '[.rings[] | select(.pid == $pid)] |
		if length > 0 then . else error("no ring of pid \($pid)") end' "$1" || return 1
}
