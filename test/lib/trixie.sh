#!/usr/bin/env bash
# test/lib/trixie.sh — pg_regress and the pgTAP suites on PostgreSQL 17,
# in a Debian 13 (trixie) root; run by test/check.sh.
#
#   bash test/lib/trixie.sh
#
# The root is made with debootstrap from the Debian mirror this machine's
# apt uses, with the packages of test/lib/packages-trixie, and kept between
# runs in REBOUND_TRIXIE_ROOT (default /var/cache/rebound/trixie).  It is
# made again only when it is missing or when the package list, the mirror
# or this recipe changes (the stamp file inside it records them); remove
# the directory to take newer packages.  Each run
# copies the checkout into the root, then test/lib/trixie_inner.sh builds
# rebound there, with -Werror, against PostgreSQL 17 and c-ares 1.34, starts
# a throwaway cluster as the root's postgres user and Knot DNS, and runs the
# suites.  Nothing is mounted into the root: removing it is always safe.
#
# Skipped, with a message and exit status 0, where it cannot run: not root
# (nor passwordless sudo), no debootstrap, chroot refused, or
# REBOUND_SKIP_TRIXIE=1.  REBOUND_DEBIAN_MIRROR overrides the mirror.

set -euo pipefail

REBOUND_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROOT=${REBOUND_TRIXIE_ROOT:-/var/cache/rebound/trixie}
SUITE=trixie
PACKAGES=$REBOUND_ROOT/test/lib/packages-trixie
# bump when the recipe below changes in a way the cached root must follow
RECIPE=2

skip() {
	echo "skipped, PostgreSQL 17 on Debian 13 not tested: $*"
	exit 0
}

if [ "${REBOUND_SKIP_TRIXIE:-0}" = 1 ]; then
	skip "REBOUND_SKIP_TRIXIE=1"
fi
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		exec sudo -n env REBOUND_TRIXIE_ROOT="$ROOT" \
			REBOUND_DEBIAN_MIRROR="${REBOUND_DEBIAN_MIRROR:-}" bash "$0" "$@"
	fi
	skip "debootstrap and chroot need root (or passwordless sudo)"
fi
command -v debootstrap >/dev/null || skip "debootstrap is not installed (apt-get install debootstrap)"
[ -f "/usr/share/debootstrap/scripts/$SUITE" ] || skip "this debootstrap does not know $SUITE"
chroot / true 2>/dev/null || skip "chroot is not permitted here"

# The mirror that serves this machine's own release (deb.debian.org or a
# local proxy), from apt's configuration.
mirror() {
	if [ -n "${REBOUND_DEBIAN_MIRROR:-}" ]; then
		echo "$REBOUND_DEBIAN_MIRROR"
		return
	fi
	local codename m
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	m=$(apt-cache policy 2>/dev/null |
		awk -v s="$codename/main" '$3 == s && $2 ~ /^https?:/ { print $2; exit }')
	echo "${m:-http://deb.debian.org/debian}"
}

MIRROR=$(mirror)
STAMP_WANTED=$(
	{
		echo "recipe $RECIPE suite $SUITE mirror $MIRROR arch $(dpkg --print-architecture)"
		grep -v -e '^#' -e '^$' "$PACKAGES" | sort
	} | sha256sum | cut -d' ' -f1
)

in_root() {
	chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "${@:2}"
}

# Make the root in $ROOT.new, then put it in place.
build_root() {
	local new=$ROOT.new log=$ROOT.log pkgs start=$SECONDS
	rm -rf "$new"
	mkdir -p "$(dirname "$ROOT")"
	echo "making the Debian 13 root in $ROOT from $MIRROR (once; log in $log)"
	if ! debootstrap --variant=minbase "$SUITE" "$new" "$MIRROR" >"$log" 2>&1; then
		tail -n 30 "$log"
		echo "debootstrap failed"
		return 1
	fi
	# no services started by package scripts, no cluster made by
	# postgresql-common, no documentation
	printf '#!/bin/sh\nexit 101\n' >"$new/usr/sbin/policy-rc.d"
	chmod 755 "$new/usr/sbin/policy-rc.d"
	mkdir -p "$new/etc/postgresql-common/createcluster.d"
	echo 'create_main_cluster = false' >"$new/etc/postgresql-common/createcluster.d/rebound.conf"
	printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-exclude /usr/share/man/*' \
		'path-exclude /usr/share/locale/*' >"$new/etc/dpkg/dpkg.cfg.d/rebound-nodoc"
	# a cache, not a system: no fsync for every unpacked file
	echo force-unsafe-io >"$new/etc/dpkg/dpkg.cfg.d/rebound-unsafe-io"
	mapfile -t pkgs < <(grep -v -e '^#' -e '^$' "$PACKAGES")
	if ! { in_root "$new" apt-get update -qq &&
		in_root "$new" apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } >>"$log" 2>&1; then
		tail -n 30 "$log"
		echo "installing the packages in the Debian 13 root failed"
		return 1
	fi
	in_root "$new" apt-get clean
	echo "$STAMP_WANTED" >"$new/.rebound-stamp"
	rm -rf "$ROOT"
	mv "$new" "$ROOT"
	echo "made in $((SECONDS - start)) s"
}

mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
# one run makes the root; runs of other checkouts wait for it, then share it
flock -x 9
if [ "$(cat "$ROOT/.rebound-stamp" 2>/dev/null)" != "$STAMP_WANTED" ]; then
	build_root
else
	echo "using the cached Debian 13 root in $ROOT"
fi
flock -s 9

# The checkout as it is (tracked and new files, no build products), in a
# directory of its own so that several runs can share the root.
mkdir -p "$ROOT/build"
BUILD=$(mktemp -d "$ROOT/build/rebound.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT
if git -C "$REBOUND_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$REBOUND_ROOT" &&
		git ls-files -z --cached --others --exclude-standard |
		xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
			tar --null -T - -cf -) | tar -xf - -C "$BUILD"
else
	tar -C "$REBOUND_ROOT" --exclude=.git --exclude='*.o' --exclude='*.so' \
		--exclude='*.bc' --exclude=results --exclude=tmp_check \
		--exclude=test/unit/bin --exclude=test/fuzz/bin -cf - . | tar -xf - -C "$BUILD"
fi
chmod 755 "$BUILD"

rc=0
in_root "$ROOT" bash "/build/$(basename "$BUILD")/test/lib/trixie_inner.sh" || rc=$?
echo "PostgreSQL 17 on Debian 13: ${SECONDS} s in all"
exit $rc
