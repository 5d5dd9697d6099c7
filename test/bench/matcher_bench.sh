#!/usr/bin/env bash
# test/bench/matcher_bench.sh — rebound's phrase automaton against
# Vectorscan on the same phrases and corpus texts (see matcher_bench.c).
#
#   bash test/bench/matcher_bench.sh [rounds]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dpkg-query -W -f='${Status}' libvectorscan-dev 2>/dev/null | grep -q 'install ok installed' ||
	{ echo "libvectorscan-dev is needed: apt-get install libvectorscan-dev" >&2; exit 1; }
BIN=$(mktemp /tmp/rebound-matcher-bench.XXXXXX)
trap 'rm -f "$BIN"' EXIT
cc -std=gnu99 -O2 -I"$ROOT/src" -I"$ROOT/test/bench" "$ROOT/test/bench/matcher_bench.c" \
	"$ROOT/test/bench/ac_phrase.c" "$ROOT/src/core/phrase.c" "$ROOT/src/core/phrase_table.c" "$ROOT/src/core/reason.c" \
	-lhs -o "$BIN"
source "$ROOT/test/lib/corpus.sh"
"$BIN" "$REBOUND_CORPUS/diagnostics.tsv" "${1:-2000}"
