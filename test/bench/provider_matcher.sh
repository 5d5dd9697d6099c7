#!/usr/bin/env bash
# test/bench/provider_matcher.sh — rebound.host_provider() and
# rebound.ip_provider() against a plain btree lookup of the same keys.
#
# BENCH_KEYS keys of each kind (default 500,000): host names (MX and NS
# names of the catalogue's providers with customer parts, and names of no
# provider), and addresses (in cidr rules, in loaded AS prefixes only, and
# in neither).  The matchers run with the whole catalogue and
# BENCH_PREFIXES loaded prefixes (default 200,000, a fifth of a full IPv4
# table) split between ASes the catalogue names and others.  The
# reference: the same keys looked up, one index scan each, in a table of
# those keys with a btree index (what a lookup table of known hosts or
# addresses would cost, without suffixes or prefixes).
#
# Prints, best of 3 in one session: lookups per second for each, their
# ratio, and the time of the first call after a load (the matcher's build).
#
#   bash test/bench/provider_matcher.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"

N=${BENCH_KEYS:-500000}
P=${BENCH_PREFIXES:-200000}
setup_all
fresh_database rebound_bench rebound
export PGDATABASE=rebound_bench

say "$N keys of each kind, $P prefixes"
psql -XAq -v ON_ERROR_STOP=1 -v n="$N" -v p="$P" <<'SQL'
SET synchronous_commit = off;
-- prefixes: /24s, a quarter in the ASes of ovh, hetzner, scaleway,
-- the rest in ASes no rule names
SELECT rebound.load_prefixes(string_agg(
		format('%s.%s.%s.0/24 %s', 100 + i / 65536 % 100, i / 256 % 256, i % 256,
			   (ARRAY[16276, 24940, 12876, 64500 + i % 100, 64500 + i % 100, 64500 + i % 100,
					  64500 + i % 100, 64500 + i % 100])[1 + i % 8]), E'\n'), 'plain')
FROM generate_series(0, :p - 1) i;
CREATE TABLE host_key AS
SELECT CASE i % 8
		 WHEN 0 THEN 'mx' || i % 5 || '.mail.ovh.net'
		 WHEN 1 THEN 'customer' || i || '-com.mail.protection.outlook.com'
		 WHEN 2 THEN 'alt' || i % 4 || '.aspmx.l.google.com'
		 WHEN 3 THEN 'ns-' || i % 2048 || '.awsdns-' || lpad((i % 64)::text, 2, '0') || '.com'
		 WHEN 4 THEN 'eu-smtp-inbound-' || i % 2 || '.mimecast.com'
		 WHEN 5 THEN 'mx' || i || '.hc' || i % 9999 || '.iphmx.com'
		 ELSE 'mail' || i || '.customer' || i % 1000 || '.example'
	   END AS host
FROM generate_series(1, :n) i;
CREATE TABLE addr_key AS
SELECT CASE i % 4
		 WHEN 0 THEN ('188.165.' || i / 256 % 256 || '.' || i % 256)::inet
		 WHEN 1 THEN ('2001:41d0:' || to_hex(i % 65536) || '::' || to_hex(i % 4096))::inet
		 ELSE (100 + i / 65536 % 100 || '.' || i / 256 % 256 || '.' || i % 256 || '.' || i % 199 + 1)::inet
	   END AS addr
FROM generate_series(1, :n) i;
-- the references: the same keys, each with a value, under a btree
CREATE TABLE host_ref AS SELECT DISTINCT host, 'p'::text AS provider FROM host_key;
CREATE INDEX ON host_ref (host);
CREATE TABLE addr_ref AS SELECT DISTINCT addr, 'p'::text AS provider FROM addr_key;
CREATE INDEX ON addr_ref (addr);
ANALYZE;
SQL

psql -XAt -v ON_ERROR_STOP=1 <<'SQL'
SET max_parallel_workers_per_gather = 0;
-- one index scan per key for the references
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_seqscan = off;
CREATE TEMP TABLE timing (what text, ms float8);
CREATE FUNCTION pg_temp.t(what text, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
	t0 := clock_timestamp();
	EXECUTE q;
	INSERT INTO timing VALUES (what, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;
\o /dev/null
-- the build: first call after a change of the rules
DELETE FROM rebound.provider_rule WHERE false;
SELECT pg_temp.t('build', $$SELECT rebound.ip_provider('1.2.3.4')$$);
SELECT pg_temp.t(w, q) FROM generate_series(1, 3),
	(VALUES ('host_provider', $$SELECT count(rebound.host_provider(k.host)) FROM host_key k$$),
			('host btree', $$SELECT count(r.provider) FROM host_key k JOIN host_ref r ON r.host = k.host$$),
			('ip_provider', $$SELECT count(rebound.ip_provider(k.addr)) FROM addr_key k$$),
			('addr btree', $$SELECT count(r.provider) FROM addr_key k JOIN addr_ref r ON r.addr = k.addr$$)) v (w, q);
\o
SELECT format('%-14s %9s ms', what, round(ms::numeric, 1)) FROM timing WHERE what = 'build';
WITH best AS (SELECT what, min(ms) AS ms FROM timing WHERE what <> 'build' GROUP BY what)
SELECT format('%-14s %12s lookups/s  (%s ms)', what,
			  to_char((SELECT count(*) FROM host_key) / (ms / 1000), 'FM999,999,999'), round(ms::numeric, 1))
FROM best ORDER BY what;
WITH best AS (SELECT what, min(ms) AS ms FROM timing WHERE what <> 'build' GROUP BY what)
SELECT format('host names: host_provider %s x the btree lookup; addresses: ip_provider %s x the btree lookup',
			  round((SELECT ms FROM best WHERE what = 'host btree')::numeric / (SELECT ms FROM best WHERE what = 'host_provider')::numeric, 2),
			  round((SELECT ms FROM best WHERE what = 'addr btree')::numeric / (SELECT ms FROM best WHERE what = 'ip_provider')::numeric, 2));
SELECT format('matched: %s of %s host names, %s of %s addresses',
			  (SELECT count(rebound.host_provider(host)) FROM host_key), (SELECT count(*) FROM host_key),
			  (SELECT count(rebound.ip_provider(addr)) FROM addr_key), (SELECT count(*) FROM addr_key));
SQL
psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS rebound_bench WITH (FORCE)"
