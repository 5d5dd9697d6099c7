#!/usr/bin/env bash
# test/lib/citus_build.sh — build Citus from ../shared/citus once, cached.
#
#   bash test/lib/citus_build.sh
#
# Debian 12 has no Citus package: ../shared/citus (REBOUND_CITUS_SRC
# elsewhere) holds the Citus source tarball.  It is built outside the
# clone, into REBOUND_CITUS_CACHE (default /var/cache/rebound/citus-VERSION),
# with `make install DESTDIR=`, so that test/lib/citus.sh can copy the files
# into its private PostgreSQL installation.  The build is done once per
# version and PostgreSQL major: the stamp file records both; a second run
# only checks it.  Exit status 3 and a message when there is nothing to
# build (no source, not root, no PostgreSQL 15 headers): the caller skips.

set -euo pipefail

REBOUND_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CITUS_VERSION=13.0.5
SRC=${REBOUND_CITUS_SRC:-$REBOUND_ROOT/../shared/citus}
TARBALL=$SRC/citus-$CITUS_VERSION.tar.gz
CACHE=${REBOUND_CITUS_CACHE:-/var/cache/rebound/citus-$CITUS_VERSION}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
# Debian names of the build dependencies (../shared/citus/README.md)
DEPS="libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev"

nothing() {
	echo "$*"
	exit 3
}

[ -f "$TARBALL" ] || nothing "no Citus source at $TARBALL (set REBOUND_CITUS_SRC)"
[ -x "$PG_CONFIG" ] || nothing "no pg_config at $PG_CONFIG"
STAMP="citus $CITUS_VERSION $("$PG_CONFIG" --version) $(sha256sum "$TARBALL" | cut -d' ' -f1)"
if [ -f "$CACHE/stamp" ] && [ "$(cat "$CACHE/stamp")" = "$STAMP" ]; then
	echo "Citus $CITUS_VERSION: cached build in $CACHE"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || nothing "building Citus into $CACHE needs root"

missing=$(for p in $DEPS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null ||
		nothing "cannot install the Citus build dependencies: $missing"
fi

start=$SECONDS
mkdir -p "$(dirname "$CACHE")"
exec 9>"$CACHE.lock"
flock 9
# another run may have built it while this one waited
if [ -f "$CACHE/stamp" ] && [ "$(cat "$CACHE/stamp")" = "$STAMP" ]; then
	echo "Citus $CITUS_VERSION: cached build in $CACHE"
	exit 0
fi
work=$(mktemp -d /tmp/rebound-citus-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xzf "$TARBALL" -C "$work"
cd "$work"/citus-*
./configure PG_CONFIG="$PG_CONFIG" >"$work/configure.log" 2>&1 ||
	{ tail -30 "$work/configure.log"; exit 1; }
# with_llvm=no: no JIT bitcode, half the compiling; Citus runs the same
make -j2 with_llvm=no >"$work/make.log" 2>&1 || { tail -40 "$work/make.log"; exit 1; }
rm -rf "$CACHE.new"
make install with_llvm=no DESTDIR="$CACHE.new" >"$work/install.log" 2>&1 ||
	{ tail -20 "$work/install.log"; exit 1; }
echo "$STAMP" >"$CACHE.new/stamp"
rm -rf "$CACHE"
mv "$CACHE.new" "$CACHE"
echo "Citus $CITUS_VERSION built in $((SECONDS - start))s into $CACHE"
