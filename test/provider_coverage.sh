#!/usr/bin/env bash
# test/provider_coverage.sh — how many of the host names and addresses of
# test/data/provider_coverage.tsv (each with its provider, from the
# providers' own documentation) rebound.host_provider() and
# rebound.ip_provider() attribute to the right provider, and which they
# miss.
#
#   bash test/provider_coverage.sh     # throwaway cluster, as test/check.sh
#
# Addresses are counted twice: with the catalogue's rules alone (cidr; asn
# rules match nothing before a load), and after loading
# test/data/prefixes/routeviews.pfx2as, an extract of the routing table for
# three hosters.  The list and the catalogue's rules were written from the
# same documentation: the figures say how much of what providers document
# the catalogue covers, not how it does on names nobody documented.
# Providers the catalogue does not have are in the list on purpose.

source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
cd "$REBOUND_ROOT"
setup_all >/dev/null
fresh_database rebound_coverage rebound

grep -v '^#' test/data/provider_coverage.tsv |
	psql -XAq -v ON_ERROR_STOP=1 -d rebound_coverage \
		-c "CREATE TABLE expected (kind text, name text, provider text, source text)" \
		-c "\\copy expected FROM STDIN WITH (FORMAT text)"

psql -XAq -v ON_ERROR_STOP=1 -d rebound_coverage <<'SQL'
CREATE TABLE answer AS
SELECT e.kind, e.name, nullif(e.provider, '-') AS expected, 'rules' AS state,
	   CASE e.kind WHEN 'host' THEN rebound.host_provider(e.name)
				   ELSE rebound.ip_provider(e.name::inet) END AS got
FROM expected e;
SQL
psql -XAq -v ON_ERROR_STOP=1 -d rebound_coverage \
	-c "SELECT rebound.load_prefixes(pg_catalog.convert_from(pg_catalog.decode('$(base64 -w0 test/data/prefixes/routeviews.pfx2as)', 'base64'), 'UTF8'), 'pfx2as')" >/dev/null
psql -XAq -v ON_ERROR_STOP=1 -d rebound_coverage <<'SQL'
INSERT INTO answer
SELECT e.kind, e.name, nullif(e.provider, '-'), 'rules + prefixes', rebound.ip_provider(e.name::inet)
FROM expected e WHERE e.kind = 'addr';
SQL

psql -X -d rebound_coverage <<'SQL'
\pset footer off
SELECT kind, state, count(*) AS names,
	   count(*) FILTER (WHERE got IS NOT DISTINCT FROM expected) AS right,
	   count(*) FILTER (WHERE got IS NULL AND expected IS NOT NULL) AS missed,
	   count(*) FILTER (WHERE got IS NOT NULL AND got IS DISTINCT FROM expected) AS wrong,
	   round(100.0 * count(*) FILTER (WHERE got IS NOT DISTINCT FROM expected) / count(*), 1) AS right_pct
FROM answer GROUP BY kind, state ORDER BY kind DESC, state;
SELECT kind, state, name, expected, coalesce(got, '(none)') AS got
FROM answer WHERE got IS DISTINCT FROM expected ORDER BY kind DESC, state, expected, name;
SQL
psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS rebound_coverage WITH (FORCE)"
