#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/vmtest must fall back to TCG whenever KVM fails, and remember that for the host boot.
# A qemu wrapper first in PATH makes every KVM boot fail in one of the ways seen on real
# machines (abort on an MSR, "KVM internal error" with the guest stopped, a guest that never
# reaches /init, a guest that ends without an exit status, a kernel panic at boot); TCG boots go
# to the real qemu. A wrapper that lets KVM "work" (it boots under TCG behind vmtest's back)
# is the control: there the verdict must be kvm. /dev/kvm is replaced by a writable file
# (VMTEST_KVM_DEVICE) so that the probe runs whatever this host's /dev/kvm is.
#
# usage: tests/vmtest/kvm_fallback.sh [KERNEL]    (default 6.1; prints "N passed, M failed")
set -u
# Each case picks the accelerator itself: a VMTEST_ACCEL=tcg from the caller (as in
# `VMTEST_ACCEL=tcg make check`) would keep vmtest from ever trying KVM.
unset VMTEST_ACCEL
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-6.1}
real_qemu=$(command -v qemu-system-x86_64) || { echo "FAIL: no qemu-system-x86_64"; exit 1; }
tmp=$(mktemp -d /tmp/vmtest-fallback.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
boot_id=$(cat /proc/sys/kernel/random/boot_id)
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# The kernel image from vmtest's own cache (fetched by a plain TCG run if need be).
VMTEST_ACCEL=tcg "$top/tools/vmtest" --kernel "$kernel" --cpus 1 --mem 512 -- true \
	>"$tmp/fetch.log" 2>&1 || { cat "$tmp/fetch.log"; echo "FAIL: vmtest under TCG failed"; exit 1; }
img=${XDG_CACHE_HOME:-/var/cache}/uringlockstat-vm/kernels/$kernel/vmlinuz
[ -s "$img" ] || { echo "FAIL: no kernel image at $img"; exit 1; }

# make_wrapper MODE: $tmp/bin/qemu-system-x86_64 failing KVM boots as MODE says; every call
# appends its accelerator to $tmp/calls.
make_wrapper() {
	mkdir -p "$tmp/bin"
	cat >"$tmp/bin/qemu-system-x86_64" <<EOW
#!/bin/bash
mode=$1
real=$real_qemu
calls=$tmp/calls
EOW
	cat >>"$tmp/bin/qemu-system-x86_64" <<'EOW'
args=("$@")
accel=tcg
for ((i = 0; i < ${#args[@]}; i++)); do
	[ "${args[i]}" = -accel ] && accel=${args[i + 1]}
done
echo "$accel" >>"$calls"
[ "$accel" = kvm ] || exec "$real" "$@"
# Under KVM: fail as MODE says, or boot under TCG and let vmtest believe it was KVM.
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	kvm) args[i]=tcg ;;
	host) args[i]=max ;;
	esac
done
case $mode in
abort)
	echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
	kill -ABRT $$ ;;
internal)
	echo "KVM internal error. Suberror: 1" >&2
	exec sleep 600 ;;
hang) exec sleep 600 ;;
nostatus) exit 0 ;;
panic)
	for ((i = 0; i < ${#args[@]}; i++)); do
		[ "${args[i]}" = -append ] && args[i + 1]+=" rdinit=/nonexistent init=/nonexistent"
	done
	exec "$real" "${args[@]}" ;;
works) exec "$real" "${args[@]}" ;;
esac
EOW
	chmod 755 "$tmp/bin/qemu-system-x86_64"
}

# run_vmtest NAME: one vmtest run with the wrapper, a private cache and a fake KVM device;
# output in $tmp/NAME.out and .err, status in RC.
run_vmtest() {
	RC=0
	PATH=$tmp/bin:$PATH XDG_CACHE_HOME=$tmp/cache VMTEST_KVM_DEVICE=$tmp/kvm \
		timeout -k 5 120 "$top/tools/vmtest" --kernel "$img" --cpus 1 --mem 512 --timeout 60 \
		-- "echo guest-ran-$1" >"$tmp/$1.out" 2>"$tmp/$1.err" || RC=$?
}

verdict() { cat "$tmp/cache/uringlockstat-vm/accel" 2>/dev/null || echo none; }
kvm_calls() { grep -c '^kvm$' "$tmp/calls" 2>/dev/null || true; }

# check_case MODE WANT_VERDICT REASON: a first run probes KVM and must use WANT_VERDICT; a
# second run in the same boot must not probe again.
check_case() {
	local mode=$1 want=$2 reason=$3 first second
	rm -rf "$tmp/cache" "$tmp/calls"
	mkdir -p "$tmp/cache/uringlockstat-vm"
	: >"$tmp/kvm"
	make_wrapper "$mode"
	run_vmtest "$mode-1"
	first=$(kvm_calls)
	if [ "$RC" = 0 ] && grep -qx "guest-ran-$mode-1" "$tmp/$mode-1.out"; then
		ok "[$mode] the command ran (exit 0)"
	else
		bad "[$mode] status $RC, output: $(head -c 300 "$tmp/$mode-1.out") $(tail -3 "$tmp/$mode-1.err")"
	fi
	if [ "$(verdict)" = "$want $boot_id" ]; then
		ok "[$mode] verdict for this boot: $want"
	else
		bad "[$mode] verdict '$(verdict)', want '$want $boot_id'"
	fi
	if grep -q ", accel $want," "$tmp/$mode-1.err"; then
		ok "[$mode] ran under $want"
	else
		bad "[$mode] not run under $want: $(grep accel "$tmp/$mode-1.err")"
	fi
	if [ "$want" = tcg ]; then
		if grep -qF "KVM is unusable here ($reason" "$tmp/$mode-1.err"; then
			ok "[$mode] says why: $(grep -o 'KVM is unusable here ([^)]*)' "$tmp/$mode-1.err")"
		else
			bad "[$mode] no 'KVM is unusable here ($reason...' in: $(cat "$tmp/$mode-1.err")"
		fi
	fi
	if [ "$first" -ge 1 ] 2>/dev/null; then
		ok "[$mode] KVM was tried ($first boots)"
	else
		bad "[$mode] KVM was never tried: the case tests nothing"
	fi
	run_vmtest "$mode-2"
	second=$(kvm_calls)
	if [ "$RC" = 0 ] && grep -qx "guest-ran-$mode-2" "$tmp/$mode-2.out"; then
		ok "[$mode] second run ran"
	else
		bad "[$mode] second run: status $RC, $(tail -3 "$tmp/$mode-2.err")"
	fi
	local want_second=$first
	[ "$want" = tcg ] || want_second=$((first + 1))
	if [ "$second" = "$want_second" ] && ! grep -q 'KVM is unusable' "$tmp/$mode-2.err"; then
		ok "[$mode] second run used the remembered verdict (no new probe)"
	else
		bad "[$mode] second run: KVM boots $first -> $second, want $want_second"
	fi
}

check_case abort tcg "qemu failed: qemu-system-x86_64: error: failed to set MSR 0x10a"
check_case internal tcg "KVM internal error"
check_case hang tcg "the guest did not reach /init"
check_case nostatus tcg "the guest ended before /init"
check_case panic tcg "the guest's kernel panicked: Kernel panic - not syncing"
check_case works kvm ""

# A remembered kvm verdict whose qemu then aborts before /init: that run goes on under TCG
# and the verdict becomes tcg.
rm -rf "$tmp/cache" "$tmp/calls"
mkdir -p "$tmp/cache/uringlockstat-vm"
echo "kvm $boot_id" >"$tmp/cache/uringlockstat-vm/accel"
make_wrapper abort
run_vmtest late
if [ "$RC" = 0 ] && grep -qx guest-ran-late "$tmp/late.out" && [ "$(verdict)" = "tcg $boot_id" ] &&
	grep -q 'KVM failed before /init' "$tmp/late.err"; then
	ok "[late abort] fell back to TCG and remembered it"
else
	bad "[late abort] status $RC, verdict '$(verdict)': $(tail -3 "$tmp/late.err")"
fi

# No writable KVM device: TCG at once, KVM never tried.
rm -rf "$tmp/cache" "$tmp/calls" "$tmp/kvm"
mkdir -p "$tmp/cache/uringlockstat-vm"
make_wrapper works
run_vmtest nodev
if [ "$RC" = 0 ] && [ "$(kvm_calls)" = 0 ] && grep -q ', accel tcg,' "$tmp/nodev.err"; then
	ok "[no device] TCG without a KVM boot"
else
	bad "[no device] status $RC, KVM boots $(kvm_calls)"
fi

# VMTEST_ACCEL=tcg forces TCG even where KVM "works".
rm -rf "$tmp/cache" "$tmp/calls"
: >"$tmp/kvm"
RC=0
PATH=$tmp/bin:$PATH XDG_CACHE_HOME=$tmp/cache VMTEST_KVM_DEVICE=$tmp/kvm VMTEST_ACCEL=tcg \
	timeout -k 5 120 "$top/tools/vmtest" --kernel "$img" --cpus 1 --mem 512 --timeout 60 \
	-- "echo guest-ran-forced" >"$tmp/forced.out" 2>"$tmp/forced.err" || RC=$?
if [ "$RC" = 0 ] && [ "$(kvm_calls)" = 0 ] && grep -qx guest-ran-forced "$tmp/forced.out"; then
	ok "[VMTEST_ACCEL=tcg] forced TCG"
else
	bad "[VMTEST_ACCEL=tcg] status $RC, KVM boots $(kvm_calls)"
fi

echo "vmtest-fallback: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
