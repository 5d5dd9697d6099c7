#!/usr/bin/env bash
# test/bench/history_vs_0_1_0.sh — the C merge of observe_domain and
# observe_host (0.2.0) against the PL/pgSQL one of 0.1.0: the same random
# calls in two databases must leave the same rows and raise the same errors.
#
#   PGHOST=... bash test/bench/history_vs_0_1_0.sh [seeds] [calls] [keys]
#
# Uses the server of the libpq variables, with rebound installed (both
# versions: the 0.1.0 script ships with every later one); creates and drops
# the databases rebound_hist_old and rebound_hist_new.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seeds=${1:-3}
calls=${2:-6000}
keys=${3:-400}
rc=0
tmp=$(mktemp -d /tmp/rebound-hist.XXXXXX)

for s in $(seq 1 "$seeds"); do
	seed=0.$((s * 137 % 1000))
	for v in old new; do
		psql -XAtq -d postgres -c "SET client_min_messages = warning" \
			-c "DROP DATABASE IF EXISTS rebound_hist_$v WITH (FORCE)" -c "CREATE DATABASE rebound_hist_$v" || exit 1
	done
	psql -XAtq -v ON_ERROR_STOP=1 -d rebound_hist_old -c "CREATE EXTENSION rebound VERSION '0.1.0'" || exit 1
	psql -XAtq -v ON_ERROR_STOP=1 -d rebound_hist_new -c "CREATE EXTENSION rebound" || exit 1
	for v in old new; do
		start=$(date +%s.%N)
		psql -XAtq -v ON_ERROR_STOP=1 -v seed="$seed" -v calls="$calls" -v keys="$keys" \
			-d "rebound_hist_$v" -f "$here/history_vs_0_1_0.sql" >"$tmp/$v" || exit 1
		echo "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f", e - s}')" >"$tmp/$v.time"
	done
	if cmp -s "$tmp/old" "$tmp/new"; then
		echo "seed $seed: $calls calls, $(grep -c '^domain_host\|^host_address' "$tmp/new") rows, $(grep -c '^error' "$tmp/new") errors: the same (0.1.0 $(cat "$tmp/old.time")s, now $(cat "$tmp/new.time")s)"
	else
		echo "seed $seed: differs (- 0.1.0, + now)"
		diff -u "$tmp/old" "$tmp/new" | head -n 40
		rc=1
	fi
done
for v in old new; do
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS rebound_hist_$v WITH (FORCE)" >/dev/null
done
rm -rf "$tmp"
exit $rc
