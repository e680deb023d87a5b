#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The folders of src/ include only what docs/ARCHITECTURE.md allows: model nothing of the
# others; collect, render and gate model (gate also src/numarg.h), never each other. Prints one
# line per violation and a summary; exits 1 on a violation. Run by `make selftest`, which also
# sees it catch a planted violation.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
declare -A allowed=(
	[model]="model"
	[collect]="collect model"
	[render]="render model"
	[gate]="gate model"
)

# check_tree ROOT: the rule over ROOT/src; sets checked and bad.
check_tree() {
	local root=$1 dir f inc home d
	checked=0 bad=0
	for dir in "${!allowed[@]}"; do
		for f in "$root"/src/"$dir"/*.[ch]; do
			while read -r inc; do
				checked=$((checked + 1))
				[ -e "$root/include/$inc" ] && continue
				home=""
				for d in model collect render gate; do
					[ -e "$root/src/$d/$inc" ] && home=$d
				done
				if [ -z "$home" ]; then
					# Generated headers (skeletons, protobuf), and numarg.h for gate.
					case $inc in
					*.skel.h | proto/*) continue ;;
					numarg.h) [ "$dir" = gate ] && continue ;;
					esac
					echo "FAIL ${f#"$root"/} includes $inc, in no folder src/$dir may use"
					bad=$((bad + 1))
					continue
				fi
				case " ${allowed[$dir]} " in
				*" $home "*) ;;
				*) echo "FAIL ${f#"$root"/} (src/$dir) includes src/$home/$inc"; bad=$((bad + 1)) ;;
				esac
			done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
		done
	done
}

check_tree "$top"
[ "$checked" -gt 50 ] || { echo "FAIL layers: only $checked includes seen"; bad=$((bad + 1)); }
echo "layers: $checked includes checked, $bad outside the rules"
real_bad=$bad

# A copy of the tree where the model includes a renderer must fail.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/src" "$top/include" "$tmp/"
sed -i '0,/^#include "/s//#include "output.h"\n#include "/' "$tmp/src/model/flags.c"
if check_tree "$tmp" >/dev/null && [ "$bad" = 0 ]; then
	echo "FAIL layers: a planted include of src/render/output.h in src/model/flags.c was not caught"
	real_bad=$((real_bad + 1))
fi
[ "$real_bad" = 0 ]
