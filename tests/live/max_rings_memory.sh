#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The memory a configuration needs is computed before anything is allocated: the documented
# maximum --max-rings, far beyond this machine's memory, is refused at once with one line that
# names the size it needs and the limit; a configuration that fits runs.
. "$(dirname "$0")/lib.bash"
need_root

# Should the check be missing, the allocation fails here instead of taking the host's memory.
start=$(date +%s%N)
(ulimit -v $((4 << 20)) && exec timeout -s KILL 20 "$ULS" --max-rings 1048576 -d 1 -- true) \
	>"$T/out" 2>"$T/err"
status=$?
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "exit status of --max-rings 1048576" "$status" 1
assert_eq "lines on stderr" "$(grep -c . "$T/err")" 1
grep -Eq '^uringlockstat: --max-rings 1048576 needs [0-9.]+ GiB of memory .*more than [0-9.]+ [KMG]iB' \
	"$T/err" || fail "the refusal names no size: $(cat "$T/err")"
[ -s "$T/out" ] && fail "output on stdout: $(head -3 "$T/out")"
# Generous for a loaded machine: allocating first took seconds and ended in the OOM killer.
[ "$ms" -lt 3000 ] || fail "refusal took $ms ms"
echo "ok: refused in $ms ms: $(cat "$T/err")"

# 4096 rings fit: the run goes ahead.
"$ULS" --max-rings 4096 -d 0.2 -- true >"$T/out" 2>"$T/err" ||
	fail "--max-rings 4096 failed: $(grep -v '^libbpf' "$T/err" | head -3)"
grep -q '^lost: none$' "$T/err" || fail "no report with --max-rings 4096: $(head -5 "$T/err")"
echo "ok: --max-rings 4096 runs"
exit 0
