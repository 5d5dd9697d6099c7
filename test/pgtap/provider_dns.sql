-- Real DNS from the server: rebound.resolve_domain and
-- rebound.refresh_domains against the Knot DNS server that test/check.sh
-- starts on loopback (test/lib/dns.sh writes its zones).  The servers come
-- in through PGOPTIONS: rebound.dns_servers (knotd),
-- rebound_test.silent_dns (a socket that never answers) and
-- rebound_test.dead_dns (a port where nothing listens).
BEGIN;
SELECT plan(38);

SELECT isnt(current_setting('rebound.dns_servers'), '', 'rebound.dns_servers points at the test server');
SET LOCAL rebound.dns_timeout = '2s';

-- MX at OVH (and NS at OVH)
SELECT results_eq($$SELECT kind, status, recorded FROM rebound.resolve_domain('MX-at-OVH.test.') WHERE kind <> 'addr'$$,
	$$VALUES ('mx', 'ok', true), ('ns', 'ok', true)$$, 'mx-at-ovh.test: MX and NS observed');
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('mx-at-ovh.test')$$,
	$$VALUES ('ovh', 'mx', 'mx1.mail.ovh.net'), ('ovh', 'mx', 'mx2.mail.ovh.net'),
	         ('ovh', 'mx_ip', 'mx1.mail.ovh.net'), ('ovh', 'mx_ip', 'mx2.mail.ovh.net'),
	         ('ovh', 'ns', 'dns10.ovh.net'), ('ovh', 'ns', 'ns10.ovh.net'),
	         ('ovh', 'ns_ip', 'dns10.ovh.net'), ('ovh', 'ns_ip', 'ns10.ovh.net')$$,
	'mx-at-ovh.test depends on OVH through every layer');
SELECT results_eq($$SELECT preference, host FROM rebound.domain_host WHERE domain = 'mx-at-ovh.test' AND role = 'mx' ORDER BY 1$$,
	$$VALUES (1, 'mx1.mail.ovh.net'), (5, 'mx2.mail.ovh.net')$$, 'MX preferences recorded');
SELECT set_eq($$SELECT host(addr) FROM rebound.host_address WHERE host = 'mx2.mail.ovh.net'$$,
	ARRAY['87.98.163.214', '2001:41d0:1:4a85::1'], 'A and AAAA of an MX host recorded');

-- NS at OVH, MX elsewhere
SELECT lives_ok($$SELECT * FROM rebound.resolve_domain('ns-at-ovh.test')$$, 'resolve ns-at-ovh.test');
SELECT set_eq($$SELECT provider, layer FROM rebound.domain_providers('ns-at-ovh.test')$$,
	$$VALUES ('google', 'mx'), ('google', 'mx_ip'), ('ovh', 'ns'), ('ovh', 'ns_ip')$$,
	'ns-at-ovh.test: mail at Google, DNS at OVH');

-- an MX host with its own name in OVH's network
SELECT lives_ok($$SELECT * FROM rebound.resolve_domain('mx-in-ovh-network.test')$$, 'resolve mx-in-ovh-network.test');
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('mx-in-ovh-network.test')$$,
	$$VALUES ('ovh', 'mx_ip', 'mail.mx-in-ovh-network.test'), ('google', 'ns', 'ns1.google.com'),
	         ('google', 'ns_ip', 'ns1.google.com')$$,
	'mx-in-ovh-network.test: OVH through the MX host''s address only');

-- NXDOMAIN: a real observation
SELECT results_eq($$SELECT kind, status, recorded FROM rebound.resolve_domain('nosuch.ovh.net')$$,
	$$VALUES ('mx', 'nxdomain', true), ('ns', 'nxdomain', true)$$, 'NXDOMAIN is reported and recorded');
SELECT results_eq($$SELECT role, host FROM rebound.domain_host WHERE domain = 'nosuch.ovh.net' ORDER BY 1$$,
	$$VALUES ('mx', ''), ('ns', '')$$, 'NXDOMAIN recorded as no hosts');
SELECT is((SELECT status FROM rebound.domain_lookup WHERE domain = 'nosuch.ovh.net'), 'nxdomain',
	'domain_lookup says nxdomain');

-- SERVFAIL: reported, never recorded, never closes what was known
SELECT rebound.observe_domain('servfail.test', 'mx', ARRAY['10 mx1.mail.ovh.net'], now() - interval '1 day');
SELECT results_eq($$SELECT kind, status, recorded FROM rebound.resolve_domain('servfail.test')$$,
	$$VALUES ('mx', 'servfail', false), ('ns', 'servfail', false)$$, 'SERVFAIL is reported, not recorded');
SELECT results_eq($$SELECT host, upper_inf(observed) FROM rebound.domain_host WHERE domain = 'servfail.test'$$,
	$$VALUES ('mx1.mail.ovh.net', true)$$, 'SERVFAIL leaves the known MX open');
SELECT results_eq($$SELECT status, failures FROM rebound.domain_lookup WHERE domain = 'servfail.test'$$,
	$$VALUES ('servfail', 1)$$, 'domain_lookup counts the failure');

-- CNAME chains: the domain is an alias, its MX host an alias into another zone
SELECT results_eq($$SELECT kind, status, hosts FROM rebound.resolve_domain('alias.cname.test') WHERE kind = 'mx'$$,
	$$VALUES ('mx', 'ok', ARRAY['10 mx.real.cname.test'])$$, 'MX found through a CNAME chain');
SELECT set_eq($$SELECT host(addr) FROM rebound.host_address WHERE host = 'mx.real.cname.test'$$,
	ARRAY['188.165.47.23'], 'the MX host''s address found through a CNAME into another zone');
SELECT set_eq($$SELECT provider, layer FROM rebound.domain_providers('alias.cname.test')$$,
	$$VALUES ('ovh', 'mx_ip'), ('google', 'ns'), ('google', 'ns_ip')$$,
	'alias.cname.test depends on OVH through its MX address');
SELECT results_eq($$SELECT kind, status, recorded FROM rebound.resolve_domain('loop1.cname.test')$$,
	$$VALUES ('mx', 'error', false), ('ns', 'error', false)$$, 'a CNAME loop is an error, not an observation');

-- null MX, address-literal MX, no MX
SELECT results_eq($$SELECT kind, status, hosts FROM rebound.resolve_domain('null-mx.test') WHERE kind = 'mx'$$,
	$$VALUES ('mx', 'null_mx', ARRAY['0 .'])$$, 'a null MX (RFC 7505) is reported');
SELECT is((SELECT string_agg(host, ',') FROM rebound.domain_host WHERE domain = 'null-mx.test' AND role = 'mx'),
	'.', 'and recorded as the host ''.''');
SELECT lives_ok($$SELECT * FROM rebound.resolve_domain('literal-mx.test')$$, 'resolve literal-mx.test');
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('literal-mx.test') WHERE layer LIKE 'mx%'$$,
	$$VALUES ('ovh', 'mx_ip', '188.165.1.2')$$, 'an address-literal MX target is its own address');
SELECT results_eq($$SELECT kind, status, hosts FROM rebound.resolve_domain('no-mx.test') WHERE kind = 'mx'$$,
	$$VALUES ('mx', 'nodata', '{}'::text[])$$, 'no MX records: nodata, recorded as no hosts');

-- refused: a zone the server does not serve; a port nobody listens on
SELECT results_eq($$SELECT kind, status, recorded FROM rebound.resolve_domain('example.org')$$,
	$$VALUES ('mx', 'refused', false), ('ns', 'refused', false)$$, 'REFUSED is reported, not recorded');
DO $$ BEGIN PERFORM set_config('rebound.dns_servers', current_setting('rebound_test.dead_dns'), true); END $$;
SELECT results_eq($$SELECT kind, status IN ('refused', 'timeout'), recorded FROM rebound.resolve_domain('mx-at-ovh.test')$$,
	$$VALUES ('mx', true, false), ('ns', true, false)$$, 'a closed port is reported (refused or timeout), not recorded');

-- timeout: a server that never answers
DO $$ BEGIN PERFORM set_config('rebound.dns_servers', current_setting('rebound_test.silent_dns'), true); END $$;
SET LOCAL rebound.dns_timeout = '200ms';
SELECT results_eq($$SELECT kind, status, recorded FROM rebound.resolve_domain('mx-at-ovh.test')$$,
	$$VALUES ('mx', 'timeout', false), ('ns', 'timeout', false)$$, 'a timeout is reported, not recorded');
SELECT is((SELECT count(*) FROM rebound.domain_host WHERE domain = 'mx-at-ovh.test' AND NOT upper_inf(observed)),
	0::bigint, 'a timeout closes nothing');

-- cancellable: statement_timeout stops a lookup that would wait 60 s
SET LOCAL rebound.dns_timeout = '60s';
-- (throws_ok cannot catch a cancel: WHEN OTHERS leaves query_canceled out)
CREATE FUNCTION pg_temp.outcome(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE sql;
	RETURN 'completed';
EXCEPTION WHEN query_canceled THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
SET LOCAL statement_timeout = '300ms';
SELECT is(pg_temp.outcome($$SELECT * FROM rebound.dns_lookup(ARRAY['mx-at-ovh.test', 'ns-at-ovh.test'])$$),
	'57014 canceling statement due to statement timeout', 'statement_timeout cancels a lookup');
SET LOCAL statement_timeout = 0;

-- refresh_domains: the domains looked up longest ago, concurrently
RESET rebound.dns_servers;
SET LOCAL rebound.dns_timeout = '2s';
SET LOCAL rebound.dns_concurrency = 3;
UPDATE rebound.domain_lookup
   SET looked_up_at = looked_up_at - CASE domain WHEN 'ns-at-ovh.test' THEN interval '1 hour' ELSE interval '1 day' END;
SELECT rebound.observe_domain('never-looked-up.ovh.net', 'mx', ARRAY['mx1.mail.ovh.net'], now() - interval '2 days');
SELECT results_eq($$SELECT domains, observed, nxdomain, servfail, timeout, refused, other_failures FROM rebound.refresh_domains(9)$$,
	$$VALUES (9, 8, 2, 1, 0, 0, 0)$$,
	'refresh_domains(9): counts by outcome (NXDOMAIN is an observation, SERVFAIL is not)');
SELECT is((SELECT count(*) FROM rebound.domain_lookup WHERE looked_up_at > now() - interval '30 minutes'), 9::bigint,
	'the 9 refreshed domains have fresh domain_lookup rows');
SELECT ok((SELECT looked_up_at < now() - interval '30 minutes' FROM rebound.domain_lookup WHERE domain = 'ns-at-ovh.test'),
	'the most recently looked-up domain waits for the next refresh');
SELECT results_eq($$SELECT host FROM rebound.domain_host WHERE domain = 'never-looked-up.ovh.net' AND role = 'mx'
	AND observed @> clock_timestamp()$$, $$VALUES ('')$$,
	'a domain known only from the history is refreshed too (it does not exist: no hosts now)');
SELECT results_eq($$SELECT domains FROM rebound.refresh_domains(0)$$, $$VALUES (0)$$, 'refresh_domains(0) does nothing');
SELECT throws_ok($$SELECT * FROM rebound.refresh_domains(-1)$$, '22023', NULL, 'negative max_domains');

-- settings and privileges
SELECT throws_ok($$SELECT set_config('rebound.dns_servers', 'not an address', true); SELECT * FROM rebound.dns_lookup(ARRAY['x.test'])$$,
	'22023', NULL, 'an invalid rebound.dns_servers is an error');
SELECT ok(NOT has_function_privilege('public', 'rebound.refresh_domains(integer)', 'execute')
	AND NOT has_function_privilege('public', 'rebound.resolve_domain(text)', 'execute')
	AND NOT has_function_privilege('public', 'rebound.dns_lookup(text[])', 'execute'),
	'network functions are not granted to PUBLIC');
SELECT is((SELECT context FROM pg_settings WHERE name = 'rebound.dns_servers'), 'superuser',
	'only superusers choose the DNS servers');

SELECT * FROM finish();
ROLLBACK;
