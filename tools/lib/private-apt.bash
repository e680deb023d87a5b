# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tools/lib/private-apt.bash - read another Debian suite (trixie, sid) without touching the
# host's apt: its own sources list, package lists and caches under $APT_ROOT/SUITE, so that
# neither /etc/apt nor /var/lib/apt/lists nor /var/cache/apt changes. Sourced by tools/vmtest
# (kernel images) and tools/kernel-ab (kernel sources).
#
# The caller sets APT_ROOT (a root-owned cache directory), MIRROR (a Debian mirror URL),
# HOST_KEYRING (the archive keyring to verify with) and UNVERIFIED="" (set to " UNVERIFIED"
# here when a suite could only be read unverified), and defines note and die.
#
#   update_suite SUITE      fetch SUITE's lists, verified if at all possible
#   private_apt SUITE       set APT_OPTS for SUITE's configuration (apt-get "${APT_OPTS[@]}" ...)
#   newest_package RE...    the newest package whose name matches a RE, tried in order

# APT_OPTS for a private configuration of SUITE: its own sources list, package lists and
# caches under $APT_ROOT/SUITE, so that neither /etc/apt nor /var/lib/apt/lists nor
# /var/cache/apt (pkgcache.bin would otherwise be rebuilt from sid's lists) is touched.
private_apt() {
	local suite=$1 d=$APT_ROOT/$1
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	APT_OPTS=(
		-o "Dir::Etc::sourcelist=$d/sources.list" -o "Dir::Etc::sourceparts=-"
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache"
		-o "Dir::Cache::archives=$d/cache/archives"
		# The cache is root's: apt's _apt sandbox user could not write there.
		-o "APT::Sandbox::User=root"
		# Mirrors and this machine's clock may disagree about a suite's Valid-Until (sid's
		# Release expires within days); signatures are still checked.
		-o "Acquire::Check-Valid-Until=false"
	)
}

# Fetch SUITE's package lists into its private configuration. Verified with KEYRING (the
# host's archive keyring by default); with TRUSTED=yes unverified (last resort only).
private_update() {
	local suite=$1 keyring=$2 trusted=${3:-} d=$APT_ROOT/$1 opt
	private_apt "$suite"
	if [ "$trusted" = yes ]; then
		opt="trusted=yes"
	else
		opt="signed-by=$keyring"
	fi
	echo "deb [$opt] $MIRROR $suite main" >"$d/sources.list"
	apt-get "${APT_OPTS[@]}" update >"$d/update.log" 2>&1 || return 1
	# apt-get update exits 0 when a signature cannot be checked but other sources worked;
	# with one source, any such warning means the lists are not usable.
	! grep -qE 'NO_PUBKEY|EXPKEYSIG|is not signed|GPG error' "$d/update.log"
}

# A newer debian-archive-keyring, for a suite signed by keys the host does not have yet
# (a new release key). Taken from a source the host can verify: its own apt sources first,
# then the other private suites; prints the keyring's path.
newer_keyring() {
	local failing=$1 donor dir=$APT_ROOT/.keyring deb k
	rm -rf "$dir" && mkdir -p "$dir/dl"
	for donor in host trixie sid; do
		[ "$donor" != "$failing" ] || continue
		if [ "$donor" = host ]; then
			(cd "$dir/dl" && apt-get -o APT::Sandbox::User=root download debian-archive-keyring) \
				>>"$dir/log" 2>&1 || continue
		else
			private_update "$donor" "$HOST_KEYRING" || continue
			(cd "$dir/dl" && apt-get "${APT_OPTS[@]}" download debian-archive-keyring) \
				>>"$dir/log" 2>&1 || continue
		fi
		deb=$(find "$dir/dl" -name 'debian-archive-keyring_*.deb' | head -n1)
		[ -n "$deb" ] || continue
		dpkg -x "$deb" "$dir/x"
		k=$(find "$dir/x" -name 'debian-archive-keyring.[gp]pg' | head -n1)
		if [ -n "$k" ]; then
			note "using debian-archive-keyring from $donor ($(basename "$deb"))"
			echo "$k"
			return 0
		fi
		rm -rf "$dir/dl"/* "$dir/x"
	done
	return 1
}

# Private lists for SUITE, verified if at all possible.
update_suite() {
	local suite=$1 k
	private_update "$suite" "$HOST_KEYRING" && return 0
	if grep -qE 'NO_PUBKEY|EXPKEYSIG|is not signed|GPG error' "$APT_ROOT/$suite/update.log"; then
		note "$suite is signed by a key missing from $HOST_KEYRING; looking for a newer keyring"
		if k=$(newer_keyring "$suite") && private_update "$suite" "$k"; then
			return 0
		fi
		note "WARNING: no keyring verifies $suite; using it UNVERIFIED ([trusted=yes])"
		# shellcheck disable=SC2034 # the caller reports it
		UNVERIFIED=" UNVERIFIED"
		private_update "$suite" "" yes && return 0
	fi
	cat "$APT_ROOT/$suite/update.log" >&2
	die "apt-get update of $suite failed"
}

# Newest package whose name matches one of the regexes (tried in order), from the apt
# configuration in APT_OPTS.
newest_package() {
	local re name
	for re in "$@"; do
		name=$(apt-cache ${APT_OPTS[@]+"${APT_OPTS[@]}"} search --names-only "$re" 2>/dev/null |
			awk '{ print $1 }' | sort -V | tail -n1)
		if [ -n "$name" ]; then
			echo "$name"
			return 0
		fi
	done
	return 1
}
