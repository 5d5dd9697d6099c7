#!/usr/bin/env bash
# test/bench/refresh_domains.sh — rebound.refresh_domains() against a real
# DNS server (Knot, on loopback, test/lib/dns.sh) serving BENCH_DOMAINS
# domains (default 20000), each with two MX on shared hosts and its NS one
# zone up (three queries a domain, plus the hosts' A/AAAA once).
#
# Prints domains per second at concurrency 1 and 100, for the lookups alone
# (rebound.dns_lookup) and for the whole refresh (lookups + recording the
# observations: a first refresh where every domain changes, and the steady
# state where hosts are confirmed), and the ratio of the two concurrencies.
#
#   bash test/bench/refresh_domains.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/dns.sh"

N=${BENCH_DOMAINS:-20000}
SERIAL=${BENCH_SERIAL_DOMAINS:-2000}
setup_all
REBOUND_BENCH_DOMAINS=$N start_dns
fresh_database rebound_bench rebound
export PGDATABASE=rebound_bench
export PGOPTIONS="-c rebound.dns_servers=$REBOUND_DNS_SERVER -c rebound.dns_timeout=3s"

psql -XAtq -v ON_ERROR_STOP=1 -v n="$N" <<'SQL'
-- the domains to refresh, as if observed long ago
INSERT INTO rebound.domain_host
SELECT 'd' || i || '.bench.test', 'mx', '', NULL, tstzrange(NULL, NULL), '2020-01-01', '2020-01-01'
FROM generate_series(1, :n) i;
SQL

# run CONCURRENCY COUNT WHAT: domains/s of COUNT domains
run() {
	local conc=$1 count=$2 what=$3
	psql -XAtq -v ON_ERROR_STOP=1 -v conc="$conc" -v count="$count" -v what="$what" <<'SQL'
SET client_min_messages = warning;
SET rebound.dns_concurrency = :conc;
TRUNCATE rebound.domain_lookup;
SELECT clock_timestamp() AS t0 \gset
SELECT CASE :'what'
	WHEN 'lookup' THEN (SELECT count(*) FROM rebound.dns_lookup(ARRAY(
		SELECT 'd' || i || '.bench.test' FROM generate_series(1, :count) i)) WHERE status <> 'ok')
	ELSE (SELECT domains - observed FROM rebound.refresh_domains(:count)) END AS failures \gset
SELECT round(:count / extract(epoch FROM clock_timestamp() - :'t0'::timestamptz))::int AS rate \gset
\echo :rate :failures
SQL
}

read -r l1 f1 <<<"$(run 1 "$SERIAL" lookup)"
read -r l100 f100 <<<"$(run 100 "$N" lookup)"
# first refresh: every domain changes (from "no hosts" to its MX and NS)
read -r c100 h100 <<<"$(run 100 "$N" refresh)"
# steady state, as a nightly refresh mostly is: the hosts are confirmed
read -r r1 g1 <<<"$(run 1 "$SERIAL" refresh)"
read -r r100 g100 <<<"$(run 100 "$N" refresh)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo
echo "refresh_domains against Knot on loopback ($(nproc) cores), domains per second"
printf '%-44s %10s %10s %8s\n' "" "conc. 1" "conc. 100" "ratio"
printf '%-44s %10s %10s %8s\n' "dns_lookup only (no recording)" "$l1" "$l100" "$(ratio "$l100" "$l1")"
printf '%-44s %10s %10s %8s\n' "refresh_domains, hosts confirmed (nightly)" "$r1" "$r100" "$(ratio "$r100" "$r1")"
printf '%-44s %10s %10s\n' "refresh_domains, every domain changed" "" "$c100"
echo "lookups not observed: $f1, $f100, $h100, $g1, $g100 (of $SERIAL, $N, $N, $SERIAL, $N)"
echo "(concurrency 1 over $SERIAL domains, concurrency 100 over $N)"
