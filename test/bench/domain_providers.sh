#!/usr/bin/env bash
# test/bench/domain_providers.sh — rebound.domain_providers() over
# BENCH_DOMAINS domains (default 1,000,000), one bounce per domain at a
# random moment of 2017, against plain index lookups of the same rows.
#
# The history: every domain has one MX and one NS row, a tenth of them a
# second MX row from an earlier period; hosts come from a pool of 4,000
# (OVH, Google, Microsoft and Gandi names, and names of their own in OVH's
# or other networks), each with an address.
#
# Prints the time of each query (best of 3, same session, no parallel
# workers), with the planner's choice of joins and with nested loops only
# (one index lookup per bounce everywhere), and the ratios to the references:
#   lookup   SELECT the domain_host rows true at the bounce (index on domain)
#   +addr    the same, joined to host_address (the rows domain_providers reads)
#
#   bash test/bench/domain_providers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"

N=${BENCH_DOMAINS:-1000000}
setup_all
fresh_database rebound_bench rebound
export PGDATABASE=rebound_bench

say "loading $N domains"
psql -XAtq -v ON_ERROR_STOP=1 -v n="$N" <<'SQL'
SET synchronous_commit = off;
CREATE TABLE hosts AS
SELECT i, CASE i % 4
			WHEN 0 THEN 'mx' || i || '.mail.ovh.net'
			WHEN 1 THEN 'alt' || i || '.aspmx.l.google.com'
			WHEN 2 THEN 'c' || i || '.mail.protection.outlook.com'
			ELSE 'mail' || i || '.own-name.example' END AS host,
	   CASE WHEN i % 8 = 3 THEN ('188.165.' || (i / 250 % 250) || '.' || (i % 250 + 1))::inet
			ELSE ('10.' || (i / 62500) || '.' || (i / 250 % 250) || '.' || (i % 250 + 1))::inet END AS addr
FROM generate_series(0, 3999) i;
INSERT INTO rebound.host_address
SELECT host, addr, tstzrange(NULL, NULL), '2017-01-01', '2017-01-01' FROM hosts;
INSERT INTO rebound.host_address
SELECT 'dns' || i || '.ovh.net', ('213.186.33.' || i)::inet, tstzrange(NULL, NULL), '2017-01-01', '2017-01-01'
FROM generate_series(1, 20) i;

INSERT INTO rebound.domain_host
SELECT 'd' || g.i || '.example', 'mx', h.host, 10,
	   CASE WHEN g.i % 10 = 0 THEN tstzrange('2017-06-01', NULL) ELSE tstzrange(NULL, NULL) END,
	   '2017-01-01', '2017-12-01'
FROM generate_series(1, :n) g (i) JOIN hosts h ON h.i = (g.i::int8 * 7919) % 4000;
INSERT INTO rebound.domain_host
SELECT 'd' || i || '.example', 'mx', 'old' || (i % 100) || '.mail.gandi.net', 10,
	   tstzrange(NULL, '2017-06-01'), '2016-01-01', '2016-01-01'
FROM generate_series(10, :n, 10) i;
INSERT INTO rebound.domain_host
SELECT 'd' || i || '.example', 'ns', 'dns' || (i % 20 + 1) || '.ovh.net', NULL,
	   tstzrange(NULL, NULL), '2017-01-01', '2017-12-01'
FROM generate_series(1, :n) i;

CREATE TABLE bounces AS
SELECT 'd' || i || '.example' AS domain,
	   '2017-01-01'::timestamptz + ((i::int8 * 104729) % 31536000) * interval '1 second' AS at
FROM generate_series(1, :n) i;
VACUUM ANALYZE rebound.domain_host;
VACUUM ANALYZE rebound.host_address;
VACUUM ANALYZE bounces;
SQL

timing() {
psql -XAtq -v ON_ERROR_STOP=1 -v nl="$1" <<'SQL'
SET max_parallel_workers_per_gather = 0;
\if :nl
-- every query as one index lookup per bounce, the way domain_providers runs
SET enable_hashjoin = off;
SET enable_mergejoin = off;
\endif
SET work_mem = '64MB';
CREATE FUNCTION pg_temp.best(q text, OUT ms numeric, OUT n bigint) LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	t numeric;
BEGIN
	ms := NULL;
	FOR i IN 1..3 LOOP
		t0 := clock_timestamp();
		EXECUTE q INTO n;
		t := extract(epoch FROM clock_timestamp() - t0) * 1000;
		ms := least(coalesce(ms, t), t);
	END LOOP;
END
$$;
CREATE TEMP TABLE result AS
SELECT 'lookup' AS what, * FROM pg_temp.best($q$
	SELECT count(*) FROM bounces b,
	LATERAL (SELECT h.host FROM rebound.domain_host h
			 WHERE h.domain = b.domain AND h.observed @> b.at) x$q$)
UNION ALL
SELECT '+addr', * FROM pg_temp.best($q$
	SELECT count(*) FROM bounces b,
	LATERAL (SELECT h.host FROM rebound.domain_host h
			 WHERE h.domain = b.domain AND h.observed @> b.at
			 UNION ALL
			 SELECT a.host FROM rebound.domain_host h
			 JOIN rebound.host_address a ON a.host = h.host AND a.observed @> b.at
			 WHERE h.domain = b.domain AND h.observed @> b.at) x$q$)
UNION ALL
SELECT 'domain_providers', * FROM pg_temp.best($q$
	SELECT count(*) FROM bounces b, LATERAL rebound.domain_providers(b.domain, b.at) p$q$)
;
\if :nl
\else
-- the reverse direction, as the healer uses it: once per incident, then a
-- join (a hash join: not meant for nested loops)
INSERT INTO result
SELECT 'provider_domains', * FROM pg_temp.best($q$
	SELECT count(*) FROM bounces b
	JOIN rebound.provider_domains('ovh', '[2017-01-01, 2018-01-01)') p
	  ON p.domain = b.domain AND p.observed @> b.at$q$);
\endif
\echo
\if :nl
\echo nested loops only: one index lookup per bounce in every query
\else
\echo joins as the planner chooses them
\endif
SELECT rpad(what, 18) || lpad(round(ms)::text, 9) || ' ms' || lpad(n::text, 10) || ' rows'
	   || '   ratio to lookup ' || round(ms / (SELECT ms FROM result WHERE what = 'lookup'), 2)
	   || ', to +addr ' || round(ms / (SELECT ms FROM result WHERE what = '+addr'), 2)
FROM result;
SQL
}

say "timing"
echo "domain_providers over one bounce per domain, $N domains (best of 3)"
timing 0
timing 1
