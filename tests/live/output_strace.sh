#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A root run writing every output (--json, --folded, --svg, --pprof, --prom-file, -o) into a
# sticky world-writable directory, traced with strace: every file it creates there is created
# with O_EXCL and O_NOFOLLOW (or O_TMPFILE), and each output reaches its name by a rename of
# such a file, so that nothing another user planted is ever opened for writing.
. "$(dirname "$0")/lib.bash"
need_root
command -v strace >/dev/null || skip "strace not installed"

chmod 755 "$T"
S=$T/sticky
mkdir -m 1777 "$S"
opts=(--json --folded --svg --pprof --prom-file -o)
names=(r.json f.folded f.svg p.pb.gz m.prom out.txt)
args=()
for i in "${!names[@]}"; do args+=("${opts[$i]}" "$S/${names[$i]}"); done

# -y names each descriptor's file, so openat(dirfd, name) shows the directory.
cd /
strace -f -qq --seccomp-bpf -y -e trace=open,openat,openat2,creat,rename,renameat,renameat2 \
	-o "$T/trace" "$ULS" "${args[@]}" -i 0.2 -- "$BENCH" --duration 0.6 >/dev/null 2>"$T/err"
assert_eq "traced run: exit status" "$?" 0
grep -F "$S" "$T/trace" >"$T/in_dir"
grep -E '(^|[ ])(open|openat|openat2|creat)\(' "$T/in_dir" | grep -E 'O_CREAT|O_TMPFILE|creat\(' \
	>"$T/creates"
assert_gt "files created in the sticky directory" "$(wc -l <"$T/creates")" 5

# Every one of them: O_TMPFILE, or O_EXCL with O_NOFOLLOW.
while read -r line; do
	case $line in
	*O_TMPFILE*) ;;
	*O_EXCL*O_NOFOLLOW* | *O_NOFOLLOW*O_EXCL*) ;;
	*) fail "created without O_EXCL|O_NOFOLLOW: $line" ;;
	esac
done <"$T/creates"
echo "ok: all $(wc -l <"$T/creates") files created there have O_EXCL|O_NOFOLLOW or O_TMPFILE"

# Each output: renamed into place from a file created so.
for n in "${names[@]}"; do
	re=${n//./\\.}
	line=$(grep -E "rename(at2?)?\(.*\"([^\"]*/)?$re\"(, [A-Z_|0-9]+)?\) = 0\$" "$T/in_dir" | tail -1)
	[ -n "$line" ] || fail "$n was not renamed into place: $(grep -F "$n" "$T/in_dir" | head -3)"
	src=$(sed -E 's/^[^"]*"([^"]*)".*/\1/' <<<"$line")
	src=${src##*/}
	created=$(grep -F -e "\"$src\"" -e "/$src\"" "$T/creates" | head -1)
	[ -n "$created" ] || fail "$n: its source $src was not created with O_EXCL|O_NOFOLLOW"
	[ -f "$S/$n" ] && [ ! -L "$S/$n" ] || fail "$n is not a regular file"
	flags=$(grep -oE 'O_[A-Z_|]+' <<<"$created" | head -1)
	echo "ok: $n: created as $src with $flags, renamed into place"
done
