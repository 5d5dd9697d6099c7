#!/usr/bin/env bash
# test/concurrency/observe_pgbench.sh — concurrent writers of the history,
# with pgbench: four clients recording batches with rebound.observe() on
# disjoint domains, then on overlapping domains and hosts, for
# OBSERVE_PGBENCH_SECONDS (default 8) each.  Fails on any deadlock or other
# error, and when the history is left with overlapping rows.
#
# Uses the server of the libpq variables (PGHOST, PGPORT, PGUSER) and
# creates and drops the database rebound_pgbench.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_BINDIR=${PG_BINDIR:-$("${PG_CONFIG:-pg_config}" --bindir)}
seconds=${OBSERVE_PGBENCH_SECONDS:-8}
db=rebound_pgbench
rc=0

psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" || exit 1
psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION rebound" || exit 1

deadlocks() {
	psql -XAtq -d "$db" -c "SELECT deadlocks FROM pg_catalog.pg_stat_database WHERE datname = current_database()"
}

for script in observe_disjoint observe_overlap; do
	before=$(deadlocks)
	out=$("$PG_BINDIR/pgbench" -n -c 4 -j 2 -T "$seconds" --max-tries=1 --failures-detailed \
		-f "$here/$script.sql" "$db" 2>&1)
	status=$?
	# statistics reach pg_stat_database within a second of a transaction's end
	sleep 1.5
	after=$(deadlocks)
	tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
	dl=$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' <<<"$out")
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
	echo "$script: ${tx:-?} batches of 12 in ${seconds}s (${tps:-?} batches/s), failed ${failed:-?}, deadlocks ${dl:-?} (server: $((after - before)))"
	if [ "$status" -ne 0 ] || [ "${tx:-0}" -eq 0 ] || [ "${failed:-1}" -ne 0 ] ||
		[ "${dl:-1}" -ne 0 ] || [ "$after" -ne "$before" ]; then
		echo "$out" | tail -n 30
		rc=1
	fi
done

# the history the writers left is well formed
bad=$(psql -XAtq -d "$db" -c "
	SELECT (SELECT count(*) FROM rebound.domain_host a JOIN rebound.domain_host b
			  ON a.domain = b.domain AND a.role = b.role AND a.host = b.host
			 AND a.ctid <> b.ctid AND a.observed && b.observed)
		 + (SELECT count(*) FROM rebound.host_address a JOIN rebound.host_address b
			  ON a.host = b.host AND a.addr IS NOT DISTINCT FROM b.addr
			 AND a.ctid <> b.ctid AND a.observed && b.observed)")
if [ "$bad" != 0 ]; then
	echo "overlapping history rows: $bad"
	rc=1
fi

psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
exit $rc
