-- Runs early (02_): its plan checks need a provider history no other suite
-- has touched.  After the suites that commit and delete scenario data the
-- planner scans domain_host for provider_domains (cause not yet found).
-- The plans the healer relies on, checked with EXPLAIN on enough rows for
-- the planner to choose: "as of" lookups by domain through domain_host_key,
-- and provider_domains reading host suffixes and address prefixes through
-- their indexes.  Both are PL/pgSQL (README, "Past one machine"): the plan
-- checked is the one of the statement each runs, with the call's values.
BEGIN;
SELECT plan(8);

INSERT INTO rebound.domain_host
SELECT 'd' || i || '.example', r,
	   CASE r WHEN 'mx' THEN 'mx' || (i % 500) || '.mail.ovh.net' ELSE 'ns' || (i % 5000) || '.dns.example' END,
	   10, tstzrange(NULL, NULL), now(), now()
FROM generate_series(1, 50000) i, (VALUES ('mx'), ('ns')) v (r);
INSERT INTO rebound.host_address
SELECT 'ns' || i || '.dns.example', ('10.' || (i / 250) || '.' || (i % 250) || '.1')::inet,
	   tstzrange(NULL, NULL), now(), now()
FROM generate_series(0, 4999) i;
INSERT INTO rebound.host_address
SELECT 'mx' || i || '.mail.ovh.net', ('188.165.' || (i / 250) || '.' || (i % 250 + 1))::inet,
	   tstzrange(NULL, NULL), now(), now()
FROM generate_series(0, 499) i;
CREATE TEMP TABLE bounces AS
SELECT 'd' || (i * 37 % 50000) || '.example' AS domain,
	   '2017-11-09 08:00+01'::timestamptz + i * interval '1 second' AS occurred_at
FROM generate_series(1, 2000) i;
ANALYZE rebound.domain_host;
ANALYZE rebound.host_address;
-- the catalogue too: whether autovacuum has analyzed it yet must not
-- decide the plan
ANALYZE rebound.provider_rule;
ANALYZE bounces;

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END
$$;

-- The statement a PL/pgSQL function returns (RETURN QUERY), with its
-- arguments replaced by the given literals.
CREATE FUNCTION pg_temp.statement_of(f regprocedure, args text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	src text;
	names text[];
	fname text;
BEGIN
	SELECT p.prosrc, p.proargnames, p.proname INTO src, names, fname FROM pg_proc p WHERE p.oid = f;
	src := substring(src FROM 'RETURN QUERY(.*);\s*END\s*$');
	FOR i IN 1 .. cardinality(args) LOOP
		src := replace(src, fname || '.' || names[i], args[i]);
	END LOOP;
	RETURN src;
END
$$;

SELECT matches(pg_temp.plan_of(pg_temp.statement_of('rebound.domain_providers(text, timestamptz)',
	ARRAY['''d42.example''::text', '''2017-11-09 08:00+01''::timestamptz'])),
	'Index Scan using domain_host_key on domain_host', 'domain_providers: an index scan by domain');
SELECT doesnt_match(pg_temp.plan_of(pg_temp.statement_of('rebound.domain_providers(text, timestamptz)',
	ARRAY['''d42.example''::text', '''2017-11-09 08:00+01''::timestamptz'])),
	'Seq Scan on domain_host', 'domain_providers: no scan of the whole history');
SELECT matches(pg_temp.plan_of(pg_temp.statement_of('rebound.domain_providers(text, timestamptz)',
	ARRAY['''d42.example''::text', '''2017-11-09 08:00+01''::timestamptz'])),
	'Index Cond: \(domain = ''d42\.example''::text\)',
	'one index lookup by domain (the domain normalized once, folded to a constant)');
SELECT is((SELECT count(*) FROM bounces b, LATERAL rebound.domain_providers(b.domain, b.occurred_at) p
		   WHERE p.provider = 'ovh'), 4000::bigint,
	'domain_providers called for every bounce: the MX and its address at OVH');

SELECT matches(pg_temp.plan_of(pg_temp.statement_of('rebound.provider_domains(text, tstzrange, text[])',
	ARRAY['''ovh''::text', '''[2017-11-09 06:00, 2017-11-09 10:00)''::tstzrange', 'NULL::text[]'])),
	'domain_host_suffix_idx', 'provider_domains: host suffixes through the reversed-name index');
SELECT matches(pg_temp.plan_of(pg_temp.statement_of('rebound.provider_domains(text, tstzrange, text[])',
	ARRAY['''ovh''::text', '''[2017-11-09 06:00, 2017-11-09 10:00)''::tstzrange', 'NULL::text[]'])),
	'host_address_addr_idx', 'provider_domains: address prefixes through the GiST index');
SELECT is((SELECT count(DISTINCT domain) FROM rebound.provider_domains('ovh', '[2017-11-09 06:00, 2017-11-09 10:00)')),
	50000::bigint, 'provider_domains(ovh) finds every domain with its MX at OVH');
SELECT is((SELECT count(*) FROM bounces b, LATERAL rebound.domain_providers(b.domain, b.occurred_at) p
		   WHERE p.provider = 'ovh' AND p.layer = 'mx'), 2000::bigint,
	'and domain_providers agrees bounce by bounce');

SELECT * FROM finish();
ROLLBACK;
