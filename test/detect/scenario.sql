-- test/detect/scenario.sql — generated bounce data for incident detection.
--
-- Creates schema "scenario" with:
--   scenario.generate(companies, ordinary, outage, start, days, seed, observe)
--       builds domains, their DNS and mail hosting (through the provider
--       map: observe_domain/observe_host), and bounce events in
--       scenario.event, with the ground truth in scenario.truth;
--   scenario.load([lo, hi]) copies the events (of [lo, hi)) into the ledger
--       (rebound.bounce), classified by rebound.classify;
--   scenario.clean() empties the ledger and the incidents (test databases
--       only) and drops the schema.
--
-- What is in it, for [start, start + days):
--   - ordinary bounces of every provider's domains, with daily and weekly
--     rhythm (office hours, quiet nights and week-ends, campaign bursts on
--     Tuesday and Thursday mornings), of every kind: unknown users, full
--     mailboxes, spam rejections, greylisting, and infrastructure noise
--     (DNS temporary failures, timeouts, refusals), a third of them
--     recorded as hard by the sender;
--   - flaky company mail servers: three a day, 10 to 60 minutes of
--     timeouts or DNS failures on one domain;
--   - decoys: a stale list of genuine unknown users at Orange (2 days before
--     the end), a cluster of six timeouts on Microsoft-hosted domains
--     (3 days before), one company domain with DNS at OVH whose own zone
--     breaks for an hour (4 days before);
--   - the outage, on the last day from 06:00 to 09:55 UTC (07:00 to 10:55
--     in Paris on 9 November 2017 with the default start): every domain
--     depending on OVH fails — OVH mail and DNS, DNS at OVH with mail at
--     Google (DNS failures only: Google must not be accused), own mail
--     server in OVH's network with DNS at Cloudflare (connection failures
--     only) — recorded as hard with the text (55%), as soft (25%), or as a
--     bare "hard" with no text (20%).

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA scenario;

CREATE TABLE scenario.domain (
	domain text PRIMARY KEY,
	category text NOT NULL,
	weight float8 NOT NULL,
	cw float8
);

CREATE TABLE scenario.event (
	address text NOT NULL,
	domain text NOT NULL,
	source text NOT NULL,
	occurred_at timestamptz NOT NULL,
	diagnostic text NOT NULL,
	source_severity rebound.severity,
	label text NOT NULL		-- ordinary, flaky, stale_list, noise_cluster, company_dns, outage
);

CREATE TABLE scenario.truth (
	label text PRIMARY KEY,
	provider text,
	during tstzrange NOT NULL,
	incident boolean NOT NULL	-- a provider incident detection must find
);

-- Relative sending activity at t (Paris time): 0 .. 2.5.
CREATE FUNCTION scenario.activity(t timestamptz) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
	SELECT (CASE extract(isodow FROM t AT TIME ZONE 'Europe/Paris')
				WHEN 6 THEN 0.35 WHEN 7 THEN 0.25 ELSE 1.0 END)
		 * (CASE
				WHEN h < 6 THEN 0.08 WHEN h < 7 THEN 0.2 WHEN h < 8 THEN 0.5
				WHEN h < 12 THEN 1.0 WHEN h < 14 THEN 0.6 WHEN h < 18 THEN 0.9
				WHEN h < 21 THEN 0.45 ELSE 0.15 END)
		 * (CASE WHEN extract(isodow FROM t AT TIME ZONE 'Europe/Paris') IN (2, 4)
					 AND h >= 9 AND h < 10 THEN 2.5 ELSE 1.0 END)
	FROM (SELECT extract(hour FROM t AT TIME ZONE 'Europe/Paris') AS h) x
$$;

CREATE FUNCTION scenario.mx_of(d text, cat text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN cat IN ('ovh', 'decoy') THEN 'mx' || (1 + abs(hashtext(d)) % 4) || '.mail.ovh.net'
		WHEN cat IN ('ovh_dns_google_mail', 'google') THEN 'aspmx.l.google.com'
		WHEN cat = 'microsoft' THEN replace(d, '.', '-') || '.mail.protection.outlook.com'
		WHEN cat = 'gandi' THEN 'spool.mail.gandi.net'
		WHEN cat = 'ionos' THEN 'mx00.ionos.fr'
		WHEN cat = 'own_mx_at_ovh' THEN 'mail.' || d
		ELSE 'mx1.' || d
	END
$$;

CREATE FUNCTION scenario.mx_ip(host text) RETURNS inet
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN host LIKE '%.mail.ovh.net' THEN ('213.186.33.' || (2 + abs(hashtext(host)) % 200))::inet
		WHEN host LIKE '%google.com' THEN '142.250.102.27'::inet
		WHEN host LIKE '%outlook.com' THEN ('52.101.' || abs(hashtext(host)) % 250 || '.1')::inet
		WHEN host LIKE '%gandi.net' THEN '217.70.178.1'::inet
		WHEN host LIKE '%ionos.fr' THEN '212.227.17.1'::inet
		WHEN host LIKE 'mx1.%' THEN '192.0.2.25'::inet
		ELSE ('51.68.' || abs(hashtext(host)) % 250 || '.' || (1 + abs(hashtext(host || 'x')) % 250))::inet
	END
$$;

CREATE FUNCTION scenario.ns_of(d text, cat text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN cat IN ('ovh', 'decoy', 'ovh_dns_google_mail') THEN
			ARRAY['dns' || (10 + abs(hashtext(d)) % 100) || '.ovh.net',
				  'ns' || (10 + abs(hashtext(d)) % 100) || '.ovh.net']
		WHEN cat = 'google' THEN ARRAY['ns-cloud-a1.googledomains.com', 'ns-cloud-a2.googledomains.com']
		WHEN cat = 'microsoft' THEN ARRAY['ns1-04.azure-dns.com', 'ns2-04.azure-dns.net']
		WHEN cat = 'gandi' THEN ARRAY['ns-1-a.gandi.net', 'ns-2-b.gandi.net']
		WHEN cat = 'ionos' THEN ARRAY['ns1045.ui-dns.com', 'ns1045.ui-dns.de']
		WHEN cat = 'own_mx_at_ovh' THEN ARRAY['amy.ns.cloudflare.com', 'bob.ns.cloudflare.com']
	END
$$;

-- A diagnostic text of the given kind for a bounce to domain d.
CREATE FUNCTION scenario.diagnostic(kind text, d text, cat text, r float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE kind
		WHEN 'user_unknown' THEN CASE
			WHEN d IN ('gmail.com', 'googlemail.com') OR cat = 'google' THEN
				'550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient''s email address for typos or unnecessary spaces.'
			WHEN d LIKE 'hotmail.%' OR d LIKE 'outlook.%' OR cat = 'microsoft' THEN
				'550 5.5.0 Requested action not taken: mailbox unavailable'
			ELSE '550 5.1.1 <u@' || d || '>: Recipient address rejected: User unknown in virtual mailbox table' END
		WHEN 'mailbox_full' THEN CASE WHEN r < 0.5 THEN '552 5.2.2 Mailbox full'
			ELSE '452 4.2.2 The email account that you tried to reach is over quota.' END
		WHEN 'spam' THEN '554 5.7.1 Message rejected because it looks like spam'
		WHEN 'greylist' THEN '450 4.7.1 <u@' || d || '>: Recipient address rejected: Greylisted, please try again later'
		WHEN 'dns' THEN CASE
			WHEN r < 0.6 THEN 'Host or domain name not found. Name service error for name=' || d || ' type=MX: Host not found, try again'
			ELSE 'DNS Error: DNS type ''mx'' lookup of ' || d || ' responded with code SERVFAIL' END
		WHEN 'timeout' THEN CASE
			WHEN r < 0.5 THEN 'connect to ' || scenario.mx_of(d, cat) || '[' || host(scenario.mx_ip(scenario.mx_of(d, cat))) || ']:25: Connection timed out'
			WHEN r < 0.8 THEN 'connect to ' || scenario.mx_of(d, cat) || '[' || host(scenario.mx_ip(scenario.mx_of(d, cat))) || ']:25: Connection refused'
			ELSE 'The recipient server did not accept our requests to connect. [' || scenario.mx_of(d, cat) || '. ' || host(scenario.mx_ip(scenario.mx_of(d, cat))) || ': timed out]' END
		WHEN 'bare' THEN 'hard bounce'
	END
$$;

-- What a resolver saw: the company domains' MX and NS hosts and the
-- addresses of the MX hosts, observed at the start.  The provider map
-- locks each domain it records until the transaction ends: for tens of
-- thousands of domains, CALL it on its own with commit_every.
CREATE PROCEDURE scenario.observe(start timestamptz, commit_every int DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
	d record;
	n int := 0;
BEGIN
	FOR d IN SELECT * FROM scenario.domain WHERE category <> 'consumer' LOOP
		PERFORM rebound.observe_domain(d.domain, 'mx', ARRAY[scenario.mx_of(d.domain, d.category)], start);
		PERFORM rebound.observe_domain(d.domain, 'ns', scenario.ns_of(d.domain, d.category), start);
		n := n + 1;
		IF commit_every IS NOT NULL AND n % commit_every = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
	FOR d IN SELECT DISTINCT scenario.mx_of(domain, category) AS host
			 FROM scenario.domain WHERE category <> 'consumer' LOOP
		PERFORM rebound.observe_host(d.host, ARRAY[scenario.mx_ip(d.host)], start);
		n := n + 1;
		IF commit_every IS NOT NULL AND n % commit_every = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
END
$$;

CREATE FUNCTION scenario.generate(companies int, ordinary int, outage int,
		start timestamptz DEFAULT '2017-10-26 00:00+00', days int DEFAULT 15,
		seed float8 DEFAULT 0.42, observe boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	finish timestamptz := start + make_interval(days => days);
	last_day timestamptz := start + make_interval(days => days - 1);
	d record;
	total float8;
BEGIN
	PERFORM setseed(seed);

	-- consumer domains: the provider is the domain itself (layer domain)
	INSERT INTO scenario.domain (domain, category, weight) VALUES
		('gmail.com', 'consumer', 30), ('googlemail.com', 'consumer', 1),
		('hotmail.fr', 'consumer', 8), ('hotmail.com', 'consumer', 4), ('outlook.fr', 'consumer', 3),
		('orange.fr', 'consumer', 12), ('wanadoo.fr', 'consumer', 6), ('free.fr', 'consumer', 8),
		('sfr.fr', 'consumer', 5), ('laposte.net', 'consumer', 4), ('yahoo.fr', 'consumer', 4),
		('gmx.fr', 'consumer', 1);
	-- company domains, heavy-tailed sizes; 60% of all bounces
	INSERT INTO scenario.domain (domain, category, weight)
	SELECT (ARRAY['boulangerie','garage','cabinet','transports','menuiserie','pharmacie',
				  'immobilier','conseil','atelier','hotel','plomberie','avocats'])[1 + (i % 12)]
		   || '-' || (ARRAY['martin','bernard','dubois','thomas','robert','richard','petit',
							'durand','leroy','moreau','simon','laurent'])[1 + ((i / 12) % 12)]
		   || i || (ARRAY['.fr', '.com', '.eu', '.fr'])[1 + (i % 4)],
		   CASE WHEN c < 0.35 THEN 'ovh' WHEN c < 0.45 THEN 'ovh_dns_google_mail'
				WHEN c < 0.57 THEN 'google' WHEN c < 0.72 THEN 'microsoft'
				WHEN c < 0.82 THEN 'gandi' WHEN c < 0.92 THEN 'ionos' ELSE 'own_mx_at_ovh' END,
		   1.0 / power(1.0 - 0.95 * random(), 1.5)
	FROM (SELECT i, random() AS c FROM generate_series(1, companies) i) s;
	-- the company whose own DNS breaks: a large customer of OVH's DNS
	INSERT INTO scenario.domain VALUES ('acier-dupont.fr', 'decoy', 0, NULL);
	SELECT sum(weight) INTO total FROM scenario.domain WHERE category NOT IN ('consumer', 'decoy');
	UPDATE scenario.domain SET weight = weight * 60.0 / total WHERE category NOT IN ('consumer', 'decoy');
	UPDATE scenario.domain SET weight = 0.8 WHERE category = 'decoy';
	SELECT sum(weight) INTO total FROM scenario.domain;
	UPDATE scenario.domain x SET cw = s.cw
	FROM (SELECT domain, sum(weight) OVER (ORDER BY domain) / total AS cw FROM scenario.domain) s
	WHERE s.domain = x.domain;
	CREATE INDEX ON scenario.domain (cw);
	ANALYZE scenario.domain;

	IF observe THEN
		CALL scenario.observe(start);
	END IF;

	-- ordinary bounces: a time slot (15 minutes) and a domain drawn in
	-- proportion to activity and to size, through tables of tickets, so
	-- that ten million rows take a hash join rather than ten million lookups
	CREATE TEMP TABLE time_ticket ON COMMIT DROP AS
	SELECT row_number() OVER () - 1 AS ticket, s.slot
	FROM (SELECT slot, scenario.activity(slot + interval '7 minutes 30 seconds') AS a
		  FROM generate_series(start, finish - interval '15 minutes', interval '15 minutes') slot) s,
		 generate_series(1, greatest(1, round(s.a * 40)::int));
	CREATE TEMP TABLE domain_ticket ON COMMIT DROP AS
	SELECT row_number() OVER () - 1 AS ticket, x.domain, x.category
	FROM scenario.domain x, generate_series(1, greatest(1, round(x.weight / total * 200000)::int))
	WHERE x.category <> 'decoy';
	INSERT INTO scenario.event
	SELECT 'u' || (random() * 100000)::int || '@' || dt.domain, dt.domain,
		   CASE WHEN e.rs < 0.55 THEN 'campaign' WHEN e.rs < 0.75 THEN 'automation'
				WHEN e.rs < 0.9 THEN 'transactional' ELSE 'dmp' END,
		   tt.slot + interval '15 minutes' * e.ro,
		   scenario.diagnostic(k.kind, dt.domain, dt.category, random()),
		   CASE WHEN k.kind IN ('dns', 'timeout') THEN
					CASE WHEN random() < 0.35 THEN 'hard' WHEN random() < 0.5 THEN 'soft' END::rebound.severity
				WHEN k.kind IN ('user_unknown', 'spam') THEN
					CASE WHEN random() < 0.7 THEN 'hard' END::rebound.severity
				ELSE CASE WHEN random() < 0.6 THEN 'soft' END::rebound.severity END,
		   'ordinary'
	FROM (SELECT floor(random() * (SELECT count(*) FROM time_ticket))::bigint AS t,
				 floor(random() * (SELECT count(*) FROM domain_ticket))::bigint AS d,
				 random() AS rk, random() AS rs, random() AS ro
		  FROM generate_series(1, ordinary)) e
	JOIN time_ticket tt ON tt.ticket = e.t
	JOIN domain_ticket dt ON dt.ticket = e.d
	CROSS JOIN LATERAL (SELECT CASE WHEN e.rk < 0.40 THEN 'user_unknown' WHEN e.rk < 0.52 THEN 'mailbox_full'
									WHEN e.rk < 0.60 THEN 'spam' WHEN e.rk < 0.93 THEN 'greylist'
									WHEN e.rk < 0.965 THEN 'dns' ELSE 'timeout' END AS kind) k;

	-- flaky company servers: three a day
	INSERT INTO scenario.event
	SELECT 'u' || (random() * 100000)::int || '@' || f.domain, f.domain, 'campaign',
		   f.t0 + f.len * random(),
		   scenario.diagnostic(f.kind, f.domain, f.category, random()),
		   CASE WHEN random() < 0.5 THEN 'hard' END::rebound.severity, 'flaky'
	FROM (
		SELECT x.domain, x.category, s.t0, s.len, s.n,
			   CASE WHEN s.rk < 0.5 THEN 'timeout' ELSE 'dns' END AS kind
		FROM (SELECT start + (finish - start - interval '1 hour') * random() AS t0,
					 make_interval(mins => 10 + (random() * 50)::int) AS len,
					 5 + (random() * 25)::int AS n, random() AS rk, random() AS rd
			  FROM generate_series(1, 3 * days)) s
		CROSS JOIN LATERAL (SELECT y.domain, y.category FROM scenario.domain y
							WHERE y.domain = scenario.pick_domain(s.rd,
								ARRAY['ovh','ovh_dns_google_mail','google','microsoft','gandi','ionos','own_mx_at_ovh'])) x
	) f
	CROSS JOIN LATERAL generate_series(1, f.n);

	-- decoy: a stale list sent to Orange, genuine unknown users
	INSERT INTO scenario.event
	SELECT 'old' || i || '@' || CASE WHEN i % 3 = 0 THEN 'wanadoo.fr' ELSE 'orange.fr' END,
		   CASE WHEN i % 3 = 0 THEN 'wanadoo.fr' ELSE 'orange.fr' END, 'campaign',
		   last_day - interval '1 day' + interval '13 hours' + interval '40 minutes' * random(),
		   scenario.diagnostic('user_unknown', CASE WHEN i % 3 = 0 THEN 'wanadoo.fr' ELSE 'orange.fr' END, 'consumer', 0),
		   'hard', 'stale_list'
	FROM generate_series(1, greatest(200, outage)) i;
	INSERT INTO scenario.truth VALUES ('stale_list', 'orange',
		tstzrange(last_day - interval '1 day' + interval '13 hours', last_day - interval '1 day' + interval '13 hours 40 minutes'), false);

	-- decoy: six timeouts on Microsoft-hosted company domains within minutes
	INSERT INTO scenario.event
	SELECT 'u' || i || '@' || x.domain, x.domain, 'transactional',
		   last_day - interval '2 days' + interval '15 hours 5 minutes' + interval '7 minutes' * random(),
		   scenario.diagnostic('timeout', x.domain, x.category, 0.1), 'hard', 'noise_cluster'
	FROM (SELECT row_number() OVER (ORDER BY domain) AS i, domain, category
		  FROM scenario.domain WHERE category = 'microsoft' ORDER BY domain LIMIT 6) x;
	INSERT INTO scenario.truth VALUES ('noise_cluster', 'microsoft',
		tstzrange(last_day - interval '2 days' + interval '15 hours 5 minutes', last_day - interval '2 days' + interval '15 hours 12 minutes'), false);

	-- decoy: one company's own DNS breaks for an hour (its DNS is at OVH)
	INSERT INTO scenario.event
	SELECT 'u' || i || '@acier-dupont.fr', 'acier-dupont.fr', 'campaign',
		   last_day - interval '3 days' + interval '9 hours' + interval '1 hour' * random(),
		   scenario.diagnostic('dns', 'acier-dupont.fr', 'decoy', random()),
		   CASE WHEN random() < 0.7 THEN 'hard' END::rebound.severity, 'company_dns'
	FROM generate_series(1, greatest(60, outage / 10)) i;
	INSERT INTO scenario.truth VALUES ('company_dns', 'ovh',
		tstzrange(last_day - interval '3 days' + interval '9 hours', last_day - interval '3 days' + interval '10 hours'), false);

	-- the outage: everything that depends on OVH fails
	INSERT INTO scenario.event
	SELECT 'u' || (random() * 100000)::int || '@' || x.domain, x.domain, src,
		   e.t,
		   CASE WHEN e.rrec < 0.2 THEN 'hard bounce'
				ELSE scenario.diagnostic(
					CASE WHEN x.category = 'ovh_dns_google_mail' THEN 'dns'
						 WHEN x.category = 'own_mx_at_ovh' THEN 'timeout'
						 WHEN e.rk < 0.6 THEN 'dns' ELSE 'timeout' END,
					x.domain, x.category, random()) END,
		   CASE WHEN e.rrec < 0.75 THEN 'hard' ELSE 'soft' END::rebound.severity, 'outage'
	FROM (SELECT last_day + interval '6 hours' + interval '3 hours 55 minutes' * random() AS t,
				 random() AS rd, random() AS rk, random() AS rrec,
				 (ARRAY['campaign','automation','transactional','dmp'])[1 + floor(random() * 4)::int] AS src
		  FROM generate_series(1, outage)) e
	CROSS JOIN LATERAL (SELECT y.domain, y.category FROM scenario.domain y
						WHERE y.domain = scenario.pick_domain(e.rd,
							ARRAY['ovh','ovh_dns_google_mail','own_mx_at_ovh','decoy'])) x;
	INSERT INTO scenario.truth VALUES ('outage', 'ovh',
		tstzrange(last_day + interval '6 hours', last_day + interval '9 hours 55 minutes'), true);
END
$$;

-- pick_domain(r, categories) picks among the first domain at or above r in
-- the cumulative order, within the categories; near the top of the range no
-- domain of the categories may be left: pick again from the start.
CREATE FUNCTION scenario.pick_domain(r float8, cat text[] DEFAULT NULL) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT COALESCE(
		(SELECT d.domain FROM scenario.domain d
		 WHERE d.cw >= r AND (cat IS NULL OR d.category = ANY (cat))
		 ORDER BY d.cw LIMIT 1),
		(SELECT d.domain FROM scenario.domain d
		 WHERE cat IS NULL OR d.category = ANY (cat)
		 ORDER BY d.cw LIMIT 1))
$$;

-- Into the ledger, classified as rebound classifies every bounce: the
-- events of [lo, hi) (all by default), so that a test can replay an
-- outage in two parts.
-- PL/pgSQL: Citus plans no SQL function's statement with parameters
-- (test/lib/citus.sh loads the scenario into a distributed ledger).
CREATE FUNCTION scenario.load(lo timestamptz DEFAULT '-infinity',
		hi timestamptz DEFAULT 'infinity') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	WITH ins AS (
		INSERT INTO rebound.bounce (address, domain, source, occurred_at, diagnostic,
			source_severity, reply_code, status, reason, severity, infrastructure)
		SELECT e.address, e.domain, e.source, e.occurred_at, e.diagnostic, e.source_severity,
			   (c).reply_code, (c).status, (c).reason, (c).severity, (c).infrastructure
		FROM (SELECT e.*, rebound.classify(e.diagnostic) AS c FROM scenario.event e
			  WHERE e.occurred_at >= lo AND e.occurred_at < hi) e
		ORDER BY e.occurred_at
		RETURNING 1)
	SELECT count(*) INTO n FROM ins;
	RETURN n;
END
$$;

-- For tests that must commit (heal, pg_cron), in a test database: empties
-- the ledger, the incidents, their audit and the heal log, removes the
-- provider history of the scenario's domains, and drops the schema.
CREATE FUNCTION scenario.clean() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM rebound.heal_log;
	IF to_regclass('rebound.audit') IS NOT NULL THEN
		EXECUTE 'DELETE FROM rebound.audit';
	END IF;
	DELETE FROM rebound.bounce;
	DELETE FROM rebound.incident;
	DELETE FROM rebound.domain_host d USING scenario.domain s WHERE d.domain = s.domain;
	DELETE FROM rebound.host_address a
	WHERE a.host LIKE '%.mail.ovh.net' OR a.host LIKE '%google.com' OR a.host LIKE '%outlook.com'
	   OR a.host LIKE '%gandi.net' OR a.host LIKE '%ionos.fr' OR a.host LIKE 'mail.%';
	DROP SCHEMA scenario CASCADE;
END
$$;
