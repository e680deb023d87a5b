#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install PREFIX=P puts both programs and the man page in place, and they run from there.
. "$(dirname "$0")/lib.bash"

make -s -C "$(dirname "$0")/../.." OUT="$(realpath "$BUILD")" install PREFIX="$T/p" >"$T/out" 2>&1 ||
	fail "make install failed: $(cat "$T/out")"
for f in bin/uringlockstat bin/uringbench; do
	[ -x "$T/p/$f" ] || fail "$f not installed"
done
[ -s "$T/p/share/man/man8/uringlockstat.8" ] || fail "man page not installed"
"$T/p/bin/uringlockstat" --help | grep -q -- "--json" || fail "installed uringlockstat --help"
"$T/p/bin/uringbench" --ops 10 >/dev/null || fail "installed uringbench does not run"
echo "ok: installed under $T/p"
exit 0
