-- Observed history of domains' hosts and hosts' addresses: extend, close,
-- open, out-of-order imports, failed lookups, the first observation standing
-- for the time before it; domain_providers and provider_domains over it.
BEGIN;
SELECT plan(49);

CREATE FUNCTION pg_temp.mx(d text, t timestamptz) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(h.host, ' ' ORDER BY h.host), '(none)')
	FROM rebound.domain_host h WHERE h.domain = d AND h.role = 'mx' AND h.observed @> t
$$;
CREATE FUNCTION pg_temp.nrows(d text) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM rebound.domain_host h WHERE h.domain = d
$$;

-- first observation: stands before and after
SELECT rebound.observe_domain('Example.COM.', 'mx', ARRAY['10 MX1.mail.ovh.net.', '20 mx2.mail.ovh.net'], '2017-03-01');
SELECT is(pg_temp.mx('example.com', '2017-03-01'), 'mx1.mail.ovh.net mx2.mail.ovh.net', 'observed hosts hold at the time');
SELECT is(pg_temp.mx('example.com', '2010-01-01'), 'mx1.mail.ovh.net mx2.mail.ovh.net', 'the first observation stands before it');
SELECT is(pg_temp.mx('example.com', '2030-01-01'), 'mx1.mail.ovh.net mx2.mail.ovh.net', 'rows stay open until contradicted');
SELECT is((SELECT preference FROM rebound.domain_host WHERE domain = 'example.com' AND host = 'mx2.mail.ovh.net'),
	20, 'MX preference from "preference host"');

-- the same set again: extended, no new rows
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['20 mx2.mail.ovh.net', '10 mx1.mail.ovh.net'], '2017-06-01');
SELECT is(pg_temp.nrows('example.com'), 2::bigint, 'a confirming observation adds no row');
SELECT is((SELECT max(last_seen) FROM rebound.domain_host WHERE domain = 'example.com'),
	'2017-06-01'::timestamptz, 'and extends last_seen');

-- a failed lookup is no observation
SELECT rebound.observe_domain('example.com', 'mx', NULL, '2017-09-01');
SELECT is(pg_temp.nrows('example.com'), 2::bigint, 'NULL hosts (failed lookup) change nothing');

-- a change: close at t, open at t
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['aspmx.l.google.com', 'mx1.mail.ovh.net'], '2018-01-01');
SELECT is(pg_temp.mx('example.com', '2017-12-31'), 'mx1.mail.ovh.net mx2.mail.ovh.net', 'before the change');
SELECT is(pg_temp.mx('example.com', '2018-01-01'), 'aspmx.l.google.com mx1.mail.ovh.net', 'at the change');
SELECT is((SELECT upper(observed) FROM rebound.domain_host WHERE domain = 'example.com' AND host = 'mx2.mail.ovh.net'),
	'2018-01-01'::timestamptz, 'the dropped host is closed at t');
SELECT is((SELECT count(*) FROM rebound.domain_host WHERE domain = 'example.com' AND host = 'mx1.mail.ovh.net'),
	1::bigint, 'the kept host keeps its one row');

-- out of order: an import of an older observation in the middle
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['mx.gandi.net'], '2017-10-01');
SELECT is(pg_temp.mx('example.com', '2017-09-30'), 'mx1.mail.ovh.net mx2.mail.ovh.net', 'older import: before it unchanged');
SELECT is(pg_temp.mx('example.com', '2017-10-01'), 'mx.gandi.net', 'older import: holds from its time');
SELECT is(pg_temp.mx('example.com', '2017-12-31 23:59'), 'mx.gandi.net', 'older import: until the next known observation');
SELECT is(pg_temp.mx('example.com', '2018-01-01'), 'aspmx.l.google.com mx1.mail.ovh.net', 'older import: later history unchanged');

-- out of order, before the first: it becomes the first
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['mail.example.com'], '2016-01-01');
SELECT is(pg_temp.mx('example.com', '2000-01-01'), 'mail.example.com', 'an earlier first observation stands before it');
SELECT is(pg_temp.mx('example.com', '2016-12-31'), 'mail.example.com', 'and holds until the old first one');
SELECT is(pg_temp.mx('example.com', '2017-03-01'), 'mx1.mail.ovh.net mx2.mail.ovh.net', 'the old first one holds from its time');

-- NXDOMAIN / no MX is a real observation; a null MX too
SELECT rebound.observe_domain('example.com', 'mx', '{}', '2019-01-01');
SELECT is(pg_temp.mx('example.com', '2019-06-01'), '', 'no hosts: recorded as the host ''''');
SELECT is(pg_temp.mx('example.com', '2018-06-01'), 'aspmx.l.google.com mx1.mail.ovh.net', 'before it unchanged');
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['0 .'], '2020-01-01');
SELECT is(pg_temp.mx('example.com', '2020-06-01'), '.', 'a null MX is recorded as the host ''.''');
SELECT is_empty($$SELECT * FROM rebound.domain_providers('example.com', '2020-06-01')$$,
	'a null MX depends on no provider');

-- no overlap of a host with itself, ever
SELECT is_empty($$
	SELECT 1 FROM rebound.domain_host a JOIN rebound.domain_host b
	  ON a.domain = b.domain AND a.role = b.role AND a.host = b.host AND a.ctid <> b.ctid
	 AND a.observed && b.observed$$, 'no overlapping rows for one host');

-- bad input
SELECT throws_ok($$SELECT rebound.observe_domain('example.com', 'a', ARRAY['x.example'])$$,
	'22023', 'invalid role: "a"', 'role must be mx or ns');
SELECT throws_ok($$SELECT rebound.observe_domain('example..com', 'mx', ARRAY['x.example'])$$,
	'22P02', NULL, 'invalid domain');
SELECT throws_ok($$SELECT rebound.observe_domain('example.com', 'mx', ARRAY['10 bad..host'])$$,
	'22P02', NULL, 'invalid host');
SELECT throws_ok($$SELECT rebound.observe_domain(NULL, 'mx', ARRAY['x.example'])$$,
	'22004', NULL, 'null domain');
SELECT throws_ok($$SELECT rebound.observe_domain('example.com', 'mx', ARRAY['x.example'], 'infinity')$$,
	'22023', NULL, 'infinite time');

-- host addresses: the same rules
SELECT rebound.observe_host('mx.acme.example', ARRAY['188.165.1.1', '2001:41d0::25/64']::inet[], '2017-01-01');
SELECT rebound.observe_host('mx.acme.example', ARRAY['188.165.1.1']::inet[], '2017-06-01');
SELECT rebound.observe_host('mx.acme.example', NULL, '2017-07-01');
SELECT rebound.observe_host('mx.acme.example', '{}', '2018-01-01');
SELECT rebound.observe_host('mx.acme.example', ARRAY['8.8.8.8']::inet[], '2016-01-01');
SELECT results_eq($$
	SELECT coalesce(host(addr), '-'), observed::text FROM rebound.host_address
	WHERE host = 'mx.acme.example' ORDER BY lower(observed) NULLS FIRST, addr$$,
	$$VALUES ('8.8.8.8', '(,"2017-01-01 00:00:00+00")'),
	         ('188.165.1.1', '["2017-01-01 00:00:00+00","2018-01-01 00:00:00+00")'),
	         ('2001:41d0::25', '["2017-01-01 00:00:00+00","2017-06-01 00:00:00+00")'),
	         ('-', '["2018-01-01 00:00:00+00",)')$$,
	'addresses: extended, closed, opened, none, an earlier first');

-- domain_providers: every layer
SELECT rebound.observe_domain('layers.example', 'mx', ARRAY['10 mx.acme.example'], '2017-01-01');
SELECT rebound.observe_domain('layers.example', 'ns', ARRAY['dns10.ovh.net', 'ns10.ovh.net'], '2017-01-01');
SELECT rebound.observe_host('dns10.ovh.net', ARRAY['213.186.33.99']::inet[], '2017-01-01');
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('layers.example', '2017-11-09 08:00+01')$$,
	$$VALUES ('ovh', 'mx_ip', 'mx.acme.example'), ('ovh', 'ns', 'dns10.ovh.net'),
	         ('ovh', 'ns', 'ns10.ovh.net'), ('ovh', 'ns_ip', 'dns10.ovh.net')$$,
	'mx_ip (own MX name in OVH''s network), ns and ns_ip');
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('layers.example', '2016-06-01')$$,
	$$VALUES ('ovh', 'ns', 'dns10.ovh.net'), ('ovh', 'ns', 'ns10.ovh.net'),
	         ('ovh', 'ns_ip', 'dns10.ovh.net')$$,
	'in 2016 the MX host was at 8.8.8.8, in no provider''s network; the NS rows stand before their first observation');
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('Gmail.COM')$$,
	$$VALUES ('google', 'domain', NULL::text)$$, 'a consumer domain: layer domain');
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('example.com', '2017-03-01')$$,
	$$VALUES ('ovh', 'mx', 'mx1.mail.ovh.net'), ('ovh', 'mx', 'mx2.mail.ovh.net')$$,
	'MX at OVH');
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('example.com', '2018-06-01')$$,
	$$VALUES ('google', 'mx', 'aspmx.l.google.com'), ('ovh', 'mx', 'mx1.mail.ovh.net')$$,
	'two providers at once');
SELECT is_empty($$SELECT * FROM rebound.domain_providers('unknown.example')$$, 'an unknown domain: nothing');

-- provider_domains: the reverse direction
SELECT set_eq($$SELECT domain, layer, host, observed::text FROM rebound.provider_domains('ovh', '[2017-11-09 06:00+00, 2017-11-09 10:00+00)')$$,
	$$VALUES ('layers.example', 'mx_ip', 'mx.acme.example', '["2017-11-09 06:00:00+00","2017-11-09 10:00:00+00")'),
	         ('layers.example', 'ns', 'dns10.ovh.net', '["2017-11-09 06:00:00+00","2017-11-09 10:00:00+00")'),
	         ('layers.example', 'ns', 'ns10.ovh.net', '["2017-11-09 06:00:00+00","2017-11-09 10:00:00+00")'),
	         ('layers.example', 'ns_ip', 'dns10.ovh.net', '["2017-11-09 06:00:00+00","2017-11-09 10:00:00+00")')$$,
	'provider_domains(ovh) on 9 Nov 2017: example.com was at Gandi then');
SELECT set_eq($$SELECT domain, layer FROM rebound.provider_domains('ovh', '[2017-11-09 06:00+00, 2017-11-09 10:00+00)', ARRAY['ns'])$$,
	$$VALUES ('layers.example', 'ns')$$, 'provider_domains restricted to a layer');
SELECT ok((SELECT count(*) FROM rebound.provider_domains('google', '(,)', ARRAY['domain'])) >= 2,
	'provider_domains: the consumer domains');

-- the README's zone-export feed, as written there
CREATE TEMP TABLE zone_rr (owner text, type text, rdata text);
INSERT INTO zone_rr VALUES
	('Zone-Export.example.', 'MX', '10 mx1.mail.ovh.net.'),
	('Zone-Export.example.', 'MX', '20 mx2.mail.ovh.net.'),
	('Zone-Export.example.', 'NS', 'ns1.google.com.'),
	('Zone-Export.example.', 'A', '192.0.2.1');
SELECT rebound.observe_domain(rtrim(owner, '.'), lower(type), array_agg(rtrim(rdata, '.')),
	'2017-10-02 03:00+02')
FROM zone_rr WHERE type IN ('MX', 'NS') GROUP BY owner, type;
SELECT set_eq($$SELECT provider, layer, host FROM rebound.domain_providers('zone-export.example', '2017-11-09 08:00+01')$$,
	$$VALUES ('ovh', 'mx', 'mx1.mail.ovh.net'), ('ovh', 'mx', 'mx2.mail.ovh.net'),
	         ('google', 'ns', 'ns1.google.com')$$,
	'a zone export fed through observe_domain');
SELECT results_eq($$SELECT preference FROM rebound.domain_host WHERE domain = 'zone-export.example' AND role = 'mx' ORDER BY 1$$,
	$$VALUES (10), (20)$$, 'with the MX preferences of the zone');

-- Property: for random observations fed in time order, in reverse order, or
-- as a newer batch followed by an older archive, the history answers at
-- every instant what the observations say (the latest one at or before
-- it, the first one before them all).
CREATE FUNCTION pg_temp.trial(d text, n int, how text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	obs record;
	t timestamptz;
	want text;
	bad int := 0;
BEGIN
	CREATE TEMP TABLE o ON COMMIT DROP AS
	SELECT i, '2020-01-01'::timestamptz + (i * 86400 + (random() * 3600)::int) * interval '1 second' AS at,
		   ARRAY(SELECT 'h' || k || '.example' FROM generate_series(1, 4) k WHERE random() < 0.45 AND i > 0) AS hosts
	FROM generate_series(1, n) i;
	FOR obs IN SELECT * FROM o ORDER BY
		CASE how WHEN 'forward' THEN i WHEN 'backward' THEN -i
				 ELSE CASE WHEN i > n / 2 THEN i - n ELSE i END END
	LOOP
		PERFORM rebound.observe_domain(d, 'mx', obs.hosts, obs.at);
	END LOOP;
	FOR t IN SELECT o.at FROM o UNION SELECT o.at + interval '1 hour' FROM o
			 UNION SELECT min(o.at) - interval '1 day' FROM o LOOP
		SELECT coalesce((SELECT array_to_string(ARRAY(SELECT unnest(o.hosts) ORDER BY 1), ' ')
				FROM o WHERE o.at <= t ORDER BY o.at DESC LIMIT 1),
			(SELECT array_to_string(ARRAY(SELECT unnest(o.hosts) ORDER BY 1), ' ')
				FROM o ORDER BY o.at LIMIT 1)) INTO want;
		IF pg_temp.mx(d, t) IS DISTINCT FROM want THEN
			bad := bad + 1;
			RAISE NOTICE '% at %: got %, want %', d, t, pg_temp.mx(d, t), want;
		END IF;
	END LOOP;
	DROP TABLE o;
	RETURN bad;
END
$$;
SELECT setseed(0.42);
SELECT is(pg_temp.trial('forward' || k || '.example', 40, 'forward'), 0, 'random history, in time order #' || k)
FROM generate_series(1, 3) k;
SELECT is(pg_temp.trial('backward' || k || '.example', 40, 'backward'), 0, 'random history, in reverse order #' || k)
FROM generate_series(1, 3) k;
SELECT is(pg_temp.trial('archive' || k || '.example', 40, 'archive'), 0, 'random history, newer batch then older archive #' || k)
FROM generate_series(1, 3) k;

SELECT * FROM finish();
ROLLBACK;
