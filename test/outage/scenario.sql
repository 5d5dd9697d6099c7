-- test/outage/scenario.sql — the OVH outage of 9 November 2017, generated.
--
-- Builds, in schema crm, what a French CRM looked like that morning:
--
--   crm.company         3,000 company domains and their hosting history
--                       (the ground truth: which provider served their mail
--                       and DNS, and when they moved)
--   crm.contact         their contacts, and consumers at Gmail, Orange ...
--   crm.campaign_bounce, crm.automation_bounce, crm.transactional_bounce,
--   crm.dmp_bounce      four mail flows, each with its own bounce table in
--                       its own shape, wired to rebound with triggers
--   crm.event           every bounce generated, with what it really was
--                       (kind) and whether healing must forgive it (heal)
--
-- and feeds rebound's provider map from the generator's truth through
-- rebound.observe_domain() and rebound.observe_host(), as a resolver would
-- have seen it over 2017.  Deterministic (setseed): every run is the same.
--
-- The outage: OVH unreachable from 07:00 to 10:55 Paris time.  Every flow
-- that mailed a domain depending on OVH (mail hosted there, DNS hosted
-- there, or mail and name servers under the domain's own name inside OVH's
-- network) got failures: DNS lookups failing, connections timing out or
-- refused, and senders that record nothing but "hard".  Most senders called
-- them hard; a careful one recorded some as soft (those need no healing).
-- After it, its tail: mail queued during the outage that expired hours or
-- days later, with OVH's servers in its last error (kind 'tail'), among
-- expiries that were not OVH's ('tail_decoy').
-- Around them: genuine hard bounces before, during and after the window
-- (during it, only at domains that did not depend on OVH then: OVH's own
-- servers could not answer), soft bounces, and addresses that had already
-- hard-bounced in 2016.

SET client_min_messages = warning;
SET timezone = 'Europe/Paris';
SELECT setseed(0.2017) \gset

DROP SCHEMA IF EXISTS crm CASCADE;
CREATE SCHEMA crm;

-- ---------------------------------------------------------------------------
-- Companies and their hosting over time
-- ---------------------------------------------------------------------------

-- profile: where the domain's mail (MX) and DNS (NS) are hosted
--   ovh_full       MX mx*.mail.ovh.net, NS dns*/ns*.ovh.net
--   ovh_dns        MX at Google or Microsoft, NS at OVH
--   ovh_mx_ip      MX mail.<domain>, an address in OVH's network; NS at Gandi
--   ovh_ns_ip      MX at Google; NS ns1/ns2.<domain>, addresses in OVH's network
--   elsewhere      nothing at OVH (Gandi, Google, Microsoft, IONOS, Cloudflare)
--   left_early     at OVH until a day between March and October 2017, then Google
--   joined_late    at Gandi until a day between 20 November and December 2017, then OVH
--   joined_early   at Gandi until a day between February and October 2017, then OVH
--   left_late      at OVH until a day between 15 November and December 2017, then Gandi
CREATE TABLE crm.company (
	domain text PRIMARY KEY,
	profile text NOT NULL,
	moved_at timestamptz
);

WITH profiles(profile, n) AS (VALUES
	('ovh_full', 900), ('ovh_dns', 400), ('ovh_mx_ip', 250), ('ovh_ns_ip', 150),
	('elsewhere', 1000), ('left_early', 120), ('joined_late', 80),
	('joined_early', 60), ('left_late', 40)
), words(w, n) AS (SELECT
	ARRAY['atelier', 'boulangerie', 'cabinet', 'garage', 'menuiserie',
		'pharmacie', 'transports', 'immobilier', 'conseil', 'agence', 'studio',
		'plomberie', 'librairie', 'fromagerie', 'architectes', 'avocats', 'notaires',
		'imprimerie', 'domaine', 'clinique', 'optique', 'electricite', 'paysages',
		'boucherie', 'hotel', 'restaurant', 'camping', 'ecole', 'mutuelle', 'syndic'],
	ARRAY['martin', 'bernard', 'dubois', 'thomas', 'robert', 'richard',
		'petit', 'durand', 'leroy', 'moreau', 'simon', 'laurent', 'lefebvre', 'michel',
		'garcia', 'david', 'bertrand', 'roux', 'vincent', 'fournier', 'morel', 'girard',
		'andre', 'mercier', 'dupont', 'lambert', 'bonnet', 'francois', 'martinez', 'legrand']
), slots AS (
	-- a random slot number per domain, so that names say nothing of the profile
	SELECT p.profile, row_number() OVER (ORDER BY random()) - 1 AS k
	FROM profiles p, generate_series(1, p.n)
)
INSERT INTO crm.company (domain, profile, moved_at)
SELECT words.w[1 + (k % 30)::int] || '-' || words.n[1 + ((k / 30) % 30)::int]
	   || CASE WHEN k >= 900 THEN '-' || (k / 900)::text ELSE '' END
	   || (ARRAY['.fr', '.com', '.eu', '.net', '.org', '.bzh', '.paris'])[1 + (k % 7)::int],
	   profile,
	   CASE profile
		   WHEN 'left_early'   THEN '2017-03-01'::timestamptz + random() * interval '230 days'
		   WHEN 'joined_late'  THEN '2017-11-20'::timestamptz + random() * interval '40 days'
		   WHEN 'joined_early' THEN '2017-02-01'::timestamptz + random() * interval '250 days'
		   WHEN 'left_late'    THEN '2017-11-15'::timestamptz + random() * interval '45 days'
	   END
FROM slots, words;

-- The truth of each domain's infrastructure: (domain, role, hosts, since).
CREATE TABLE crm.hosting (domain text, role text, hosts text[], since timestamptz);
CREATE TABLE crm.host_ip (host text PRIMARY KEY, addrs inet[]);

-- OVH's own mail and name servers, and the other providers' (addresses in
-- their networks, as their routing announces them)
INSERT INTO crm.host_ip VALUES
	('mx1.mail.ovh.net', '{213.186.33.29}'), ('mx2.mail.ovh.net', '{213.186.33.30}'),
	('mx3.mail.ovh.net', '{188.165.47.122}'),
	('aspmx.l.google.com', '{74.125.133.26}'), ('alt1.aspmx.l.google.com', '{173.194.76.26}'),
	('spool.mail.gandi.net', '{217.70.178.1}'), ('fb.mail.gandi.net', '{217.70.178.215}'),
	('ns-6-a.gandi.net', '{173.246.100.7}'), ('ns-150-b.gandi.net', '{213.167.230.151}'),
	('mx00.ionos.fr', '{212.227.15.41}'), ('mx01.ionos.fr', '{212.227.17.8}'),
	('lara.ns.cloudflare.com', '{173.245.58.180}'), ('tom.ns.cloudflare.com', '{173.245.59.125}');
INSERT INTO crm.host_ip
SELECT 'dns' || g || '.ovh.net', ARRAY[('213.251.188.' || (100 + g))::inet] FROM generate_series(10, 30) g
UNION ALL
SELECT 'ns' || g || '.ovh.net', ARRAY[('213.251.128.' || (100 + g))::inet] FROM generate_series(10, 30) g;

CREATE FUNCTION crm.ovh_mx() RETURNS text[] LANGUAGE sql AS
	$$ SELECT ARRAY['mx1.mail.ovh.net', 'mx2.mail.ovh.net', 'mx3.mail.ovh.net'] $$;
CREATE FUNCTION crm.ovh_ns(d text) RETURNS text[] LANGUAGE sql AS
	$$ SELECT ARRAY['dns' || n || '.ovh.net', 'ns' || n || '.ovh.net']
	   FROM (SELECT 10 + abs(hashtext(d)) % 21 AS n) s $$;
CREATE FUNCTION crm.gandi_ns() RETURNS text[] LANGUAGE sql AS
	$$ SELECT ARRAY['ns-6-a.gandi.net', 'ns-150-b.gandi.net'] $$;
CREATE FUNCTION crm.gandi_mx() RETURNS text[] LANGUAGE sql AS
	$$ SELECT ARRAY['spool.mail.gandi.net', 'fb.mail.gandi.net'] $$;
CREATE FUNCTION crm.google_mx() RETURNS text[] LANGUAGE sql AS
	$$ SELECT ARRAY['aspmx.l.google.com', 'alt1.aspmx.l.google.com'] $$;

INSERT INTO crm.hosting
SELECT c.domain, r.role, r.hosts, '2017-01-01'::timestamptz
FROM crm.company c
CROSS JOIN LATERAL (
	SELECT 'mx' AS role, CASE
		WHEN c.profile IN ('ovh_full', 'left_early', 'left_late') THEN crm.ovh_mx()
		WHEN c.profile = 'ovh_dns' AND abs(hashtext(c.domain)) % 3 = 0
			THEN ARRAY[replace(c.domain, '.', '-') || '.mail.protection.outlook.com']
		WHEN c.profile IN ('ovh_dns', 'ovh_ns_ip') THEN crm.google_mx()
		WHEN c.profile = 'ovh_mx_ip' THEN ARRAY['mail.' || c.domain]
		WHEN c.profile = 'elsewhere' THEN CASE abs(hashtext(c.domain)) % 5
			WHEN 0 THEN crm.gandi_mx()
			WHEN 1 THEN crm.google_mx()
			WHEN 2 THEN ARRAY['mx00.ionos.fr', 'mx01.ionos.fr']
			WHEN 3 THEN ARRAY[replace(c.domain, '.', '-') || '.mail.protection.outlook.com']
			ELSE ARRAY['mail.' || c.domain] END
		ELSE crm.gandi_mx() END AS hosts
	UNION ALL
	SELECT 'ns', CASE
		WHEN c.profile IN ('ovh_full', 'ovh_dns', 'left_early', 'left_late') THEN crm.ovh_ns(c.domain)
		WHEN c.profile = 'ovh_ns_ip' THEN ARRAY['ns1.' || c.domain, 'ns2.' || c.domain]
		WHEN c.profile = 'elsewhere' AND abs(hashtext(c.domain)) % 2 = 0
			THEN ARRAY['lara.ns.cloudflare.com', 'tom.ns.cloudflare.com']
		ELSE crm.gandi_ns() END
) r;

-- the moves of 2017, on the day they happened
INSERT INTO crm.hosting
SELECT c.domain, r.role, r.hosts, c.moved_at
FROM crm.company c
CROSS JOIN LATERAL (
	SELECT 'mx' AS role, CASE c.profile
		WHEN 'left_early' THEN crm.google_mx()
		WHEN 'left_late' THEN crm.gandi_mx()
		ELSE crm.ovh_mx() END AS hosts
	UNION ALL
	SELECT 'ns', CASE WHEN c.profile IN ('left_early', 'left_late') THEN crm.gandi_ns()
		ELSE crm.ovh_ns(c.domain) END
) r
WHERE c.moved_at IS NOT NULL;

-- hosts under the domain's own name: inside OVH's network for the ovh_*_ip
-- profiles, at a French hosting company that is not OVH otherwise
INSERT INTO crm.host_ip
SELECT DISTINCT h, ARRAY[CASE WHEN c.profile IN ('ovh_mx_ip', 'ovh_ns_ip')
	THEN (ARRAY['91.121.', '5.135.', '51.254.', '137.74.', '178.32.'])[1 + abs(hashtext(h)) % 5]
	     || (abs(hashtext(h || 'a')) % 256) || '.' || (1 + abs(hashtext(h || 'b')) % 254)
	ELSE '185.31.' || (abs(hashtext(h || 'a')) % 256) || '.' || (1 + abs(hashtext(h || 'b')) % 254)
	END::inet]
FROM crm.hosting x JOIN crm.company c USING (domain), unnest(x.hosts) h
WHERE h LIKE '%.' || c.domain
ON CONFLICT (host) DO NOTHING;
INSERT INTO crm.host_ip
SELECT DISTINCT h, ARRAY['40.107.' || (abs(hashtext(h)) % 256) || '.' || (1 + abs(hashtext(h || 'b')) % 254)]::inet[]
FROM crm.hosting x, unnest(x.hosts) h
WHERE h LIKE '%.mail.protection.outlook.com'
ON CONFLICT (host) DO NOTHING;

-- Did the domain depend on OVH at that moment?  The generator's own
-- answer, from the profile, independent of rebound.
CREATE FUNCTION crm.at_ovh(d text, t timestamptz) RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT CASE c.profile
		WHEN 'ovh_full' THEN true WHEN 'ovh_dns' THEN true
		WHEN 'ovh_mx_ip' THEN true WHEN 'ovh_ns_ip' THEN true
		WHEN 'left_early' THEN t < c.moved_at WHEN 'left_late' THEN t < c.moved_at
		WHEN 'joined_early' THEN t >= c.moved_at WHEN 'joined_late' THEN t >= c.moved_at
		ELSE false END
	FROM crm.company c WHERE c.domain = d
$$;

-- ---------------------------------------------------------------------------
-- Contacts
-- ---------------------------------------------------------------------------

CREATE TABLE crm.contact (
	id serial PRIMARY KEY,
	email text NOT NULL UNIQUE,
	domain text NOT NULL,
	hard_bounced boolean NOT NULL DEFAULT false,
	unsubscribed boolean NOT NULL DEFAULT false,
	complained boolean NOT NULL DEFAULT false
);

WITH n(f, l) AS (SELECT
	ARRAY['jean', 'marie', 'pierre', 'sophie', 'luc', 'camille',
		'nicolas', 'julie', 'thomas', 'claire', 'paul', 'anne', 'louis', 'emma', 'hugo',
		'lea', 'marc', 'chloe', 'eric', 'sarah', 'contact', 'compta', 'direction', 'info'],
	ARRAY['martin', 'bernard', 'dubois', 'thomas', 'robert',
		'richard', 'petit', 'durand', 'leroy', 'moreau', 'simon', 'laurent', 'lefebvre',
		'michel', 'garcia', 'david', 'bertrand', 'roux', 'vincent', 'fournier'])
INSERT INTO crm.contact (email, domain)
SELECT DISTINCT ON (email) email, domain FROM (
	-- 3 to 14 people per company
	SELECT n.f[1 + floor(random() * 24)::int] || '.' || n.l[1 + floor(random() * 20)::int]
		   || '@' || c.domain AS email, c.domain
	FROM n, crm.company c, generate_series(1, 3 + (abs(hashtext(c.domain)) % 12)) g
	UNION ALL
	-- consumers
	SELECT n.f[1 + floor(random() * 20)::int] || '.' || n.l[1 + floor(random() * 20)::int] || g
		   || '@' || d.d, d.d
	FROM n, generate_series(1, 15000) g,
		 LATERAL (SELECT (ARRAY['gmail.com', 'orange.fr', 'wanadoo.fr', 'free.fr', 'sfr.fr',
								'laposte.net', 'hotmail.fr', 'yahoo.fr'])[1 + (g % 8)] AS d) d
) s;
UPDATE crm.contact SET unsubscribed = true WHERE random() + 0 * id < 0.04;
UPDATE crm.contact SET complained = true WHERE random() + 0 * id < 0.005;

-- ---------------------------------------------------------------------------
-- The bounces, with what they really were
-- ---------------------------------------------------------------------------

-- kind: outage (a valid address that failed because OVH was down),
-- tail (mail queued during the outage that expired after it, its last
-- error OVH's), tail_decoy (an expiry that was not OVH's, or after the
-- horizon), genuine (the mailbox does not exist), soft (full mailbox,
-- greylisting), old (a 2016 hard bounce).  verdict: what the sender recorded.
-- heal: whether healing the outage must forgive it.
CREATE TABLE crm.event (
	id serial PRIMARY KEY,
	flow text NOT NULL,
	email text NOT NULL,
	at timestamptz NOT NULL,
	diagnostic text,
	verdict text,
	kind text NOT NULL,
	heal boolean NOT NULL,
	UNIQUE (flow, email, at)
);

CREATE FUNCTION crm.random_in(lo timestamptz, hi timestamptz) RETURNS timestamptz
LANGUAGE sql VOLATILE AS $$ SELECT date_trunc('second', lo + random() * (hi - lo)) $$;

-- What the outage looked like from each sender's side
CREATE FUNCTION crm.outage_text(d text, profile text, n int) RETURNS text LANGUAGE sql AS $$
	SELECT CASE
		-- a DNS failure only where OVH answered for the domain's names: with
		-- its DNS at Gandi, an ovh_mx_ip domain's MX lookup still worked
		WHEN profile IN ('ovh_dns', 'ovh_ns_ip') OR (n % 4 = 0 AND profile <> 'ovh_mx_ip') THEN (ARRAY[
			'Host or domain name not found. Name service error for name=' || d || ' type=MX: Host not found, try again',
			'DNS Error: DNS server returned answer with no data: SERVFAIL looking up ' || d,
			'lookup of MX records for ' || d || ' failed: timed out',
			'554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain'])[1 + n % 4]
		WHEN n % 4 = 1 THEN 'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out'
		WHEN n % 4 = 2 THEN 'connect to mx2.mail.ovh.net[213.186.33.30]:25: Connection refused'
		ELSE '421 4.4.2 mx3.mail.ovh.net Connection dropped: timeout waiting for reply'
	END
$$;

-- The outage: each flow mails a share of the contacts that morning; the
-- ones at domains depending on OVH then bounce.
INSERT INTO crm.event (flow, email, at, diagnostic, verdict, kind, heal)
SELECT flow, email, at, diagnostic, verdict, 'outage', verdict = 'hard'
FROM (
	SELECT f.flow, ct.email,
		   crm.random_in('2017-11-09 07:00', '2017-11-09 10:54:59') AS at,
		   CASE WHEN f.flow = 'dmp' THEN NULL
				ELSE crm.outage_text(ct.domain, c.profile, (random() * 1000)::int) END AS diagnostic,
		   -- a careful campaign sender records a share of them as soft
		   CASE WHEN f.flow = 'campaigns' AND random() < 0.2 THEN 'soft' ELSE 'hard' END AS verdict,
		   f.share, random() AS r
	FROM crm.contact ct
	JOIN crm.company c ON c.domain = ct.domain
	CROSS JOIN (VALUES ('campaigns', 0.45), ('automation', 0.12), ('transactional', 0.06), ('dmp', 0.15)) f(flow, share)
) s
-- (random() is drawn per row in the select list: a WHERE that reads no
-- column would be evaluated once)
WHERE r < share AND crm.at_ovh(split_part(email, '@', 2), at)
ON CONFLICT DO NOTHING;

-- Genuine hard bounces: before and after the window at any domain, during
-- it only where OVH was not involved.  Among them, the domains that left
-- OVH before the outage or joined it after.
INSERT INTO crm.event (flow, email, at, diagnostic, verdict, kind, heal)
SELECT flow, email, at,
	   (ARRAY['550 5.1.1 <' || email || '>: Recipient address rejected: User unknown in virtual mailbox table',
			  '550 5.1.1 The email account that you tried to reach does not exist.',
			  '550 5.2.1 The email account that you tried to reach is disabled.',
			  '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'])[1 + (abs(hashtext(email)) % 4)],
	   'hard', 'genuine', false
FROM (
	SELECT flow, email, slot, CASE slot
			   WHEN 0 THEN crm.random_in('2017-11-08 08:00', '2017-11-09 06:59:59')
			   WHEN 1 THEN crm.random_in('2017-11-09 07:00', '2017-11-09 10:54:59')
			   ELSE crm.random_in('2017-11-09 10:55', '2017-11-10 18:00') END AS at
	FROM (SELECT f.flow, ct.email, floor(random() * 3)::int AS slot, random() AS r
		  FROM crm.contact ct
		  CROSS JOIN (VALUES ('campaigns'), ('automation'), ('transactional'), ('dmp')) f(flow)) w
	WHERE r < 0.004
) s
WHERE slot <> 1 OR NOT crm.at_ovh(split_part(email, '@', 2), at)
ON CONFLICT DO NOTHING;

-- the same, made sure of: domains that were not at OVH on the morning
-- because they left before or joined after
INSERT INTO crm.event (flow, email, at, diagnostic, verdict, kind, heal)
SELECT 'campaigns', email, crm.random_in('2017-11-09 07:00', '2017-11-09 10:54:59'),
	   '550 5.1.1 <' || email || '>: Recipient address rejected: User unknown', 'hard', 'genuine', false
FROM (SELECT ct.email, random() AS r FROM crm.contact ct JOIN crm.company c ON c.domain = ct.domain
	  WHERE c.profile IN ('left_early', 'joined_late')) s
WHERE r < 0.3
ON CONFLICT DO NOTHING;

-- Soft bounces, all morning, everywhere (OVH's domains included: a sender
-- that calls a timeout soft needs no healing)
INSERT INTO crm.event (flow, email, at, diagnostic, verdict, kind, heal)
SELECT flow, email, crm.random_in('2017-11-08 08:00', '2017-11-10 18:00'),
	   (ARRAY['452 4.2.2 The email account that you tried to reach is over quota.',
			  '450 4.2.0 <' || email || '>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/',
			  '421 4.7.0 Try again later, closing connection.'])[1 + (abs(hashtext(email)) % 3)],
	   'soft', 'soft', false
FROM (SELECT f.flow, ct.email, random() AS r FROM crm.contact ct
	  CROSS JOIN (VALUES ('campaigns'), ('automation'), ('transactional'), ('dmp')) f(flow)) s
WHERE r < 0.004
ON CONFLICT DO NOTHING;

-- Addresses that hard-bounced in 2016 (for real) and were mailed again:
-- healing forgives their outage bounce, but they stay suppressed.
INSERT INTO crm.event (flow, email, at, diagnostic, verdict, kind, heal)
SELECT 'campaigns', e.email, crm.random_in('2016-02-01', '2016-12-20'),
	   '550 5.1.1 <' || e.email || '>: Recipient address rejected: User unknown in virtual mailbox table',
	   'hard', 'old', false
FROM (SELECT email, random() AS r FROM (SELECT DISTINCT email FROM crm.event WHERE kind = 'outage' AND heal) d) e
WHERE e.r < 0.05
ON CONFLICT DO NOTHING;

-- The tail (issue 18), drawn last so that every draw before it is the
-- same as without it: mail queued during the outage that no retry
-- delivered expires later, after its queue lifetime (6 hours, 1, 2 or 4
-- days: the senders' settings), comes back hard and carries the last error
-- it met: a connection to the domain's OVH mail host (by name or, for
-- mail.<domain> inside OVH's network, by address) or a failed lookup where
-- OVH answered for its names.  Only the flows whose sender records a
-- verdict (campaigns, automation): rebound's own classification calls an
-- expiry soft, which suppresses nothing.  Around it, decoys healing must
-- leave alone: expiries whose last error was the sender's own relay, or
-- the domain's mail host at another provider (an ovh_dns domain's mail is
-- at Google or Microsoft), and expiries of a 7-day queue, after the tail's
-- 5-day horizon.
CREATE FUNCTION crm.expired_text(d text, profile text, n int, lifetime interval, decoy text)
RETURNS text LANGUAGE sql STABLE AS $$
	WITH target AS (
		SELECT CASE
			WHEN decoy = 'relay' THEN 'relay.crm-demo.fr'
			WHEN decoy = 'other_provider' THEN (SELECT x.hosts[1] FROM crm.hosting x
												WHERE x.domain = d AND x.role = 'mx' ORDER BY x.since LIMIT 1)
			WHEN profile IN ('ovh_dns', 'ovh_ns_ip') OR (n % 4 = 0 AND profile <> 'ovh_mx_ip') THEN NULL
			WHEN profile = 'ovh_mx_ip' THEN 'mail.' || d
			ELSE (crm.ovh_mx())[1 + n % 3] END AS host
	)
	SELECT CASE
		WHEN t.host IS NULL THEN (ARRAY[
			'Host or domain name not found. Name service error for name=' || d || ' type=MX: Host not found, try again; message expired',
			'all hosts for ''' || d || ''' have been failing for a long time (DNS lookup failed) and retry timeout exceeded',
			'550 5.4.300 Message expired: unable to deliver in ' || (extract(epoch FROM lifetime) / 60)::int
				|| ' minutes. <451 4.4.0 DNS query failed for ' || d || '>'])[1 + n % 3]
		ELSE (ARRAY[
			'delivery temporarily suspended: connect to ' || t.host || '[' || host(ip.addr) || ']:25: Connection timed out; message expired',
			'host ' || t.host || ' [' || host(ip.addr) || ']: Connection timed out: retry timeout exceeded',
			'550 5.4.300 Message expired: unable to deliver in ' || (extract(epoch FROM lifetime) / 60)::int
				|| ' minutes. <421 4.4.0 Unable to connect to ' || t.host || '>'])[1 + n % 3]
		END
	FROM target t
	LEFT JOIN LATERAL (SELECT COALESCE((SELECT h.addrs[1] FROM crm.host_ip h WHERE h.host = t.host),
									   '10.20.0.5'::inet) AS addr) ip ON true
$$;

INSERT INTO crm.event (flow, email, at, diagnostic, verdict, kind, heal)
SELECT flow, email, queued + lifetime,
	   crm.expired_text(domain, profile, n, lifetime, decoy), 'hard',
	   CASE WHEN decoy IS NULL AND lifetime <= interval '5 days' THEN 'tail' ELSE 'tail_decoy' END,
	   decoy IS NULL AND lifetime <= interval '5 days'
FROM (
	SELECT f.flow, ct.email, ct.domain, c.profile,
		   crm.random_in('2017-11-09 07:00', '2017-11-09 10:54:59') AS queued,
		   (ARRAY[interval '6 hours', '1 day', '2 days', '4 days'])[1 + floor(random() * 4)::int] AS lifetime,
		   (random() * 1000)::int AS n,
		   random() AS r
	FROM crm.contact ct
	JOIN crm.company c ON c.domain = ct.domain
	CROSS JOIN (VALUES ('campaigns'), ('automation')) f(flow)
) s
CROSS JOIN LATERAL (SELECT CASE
		WHEN s.r < 0.006 THEN NULL
		WHEN s.r < 0.007 THEN 'relay'
		WHEN s.r < 0.008 AND s.profile = 'ovh_dns' THEN 'other_provider'
		ELSE 'none' END AS decoy) d
WHERE d.decoy IS DISTINCT FROM 'none' AND crm.at_ovh(s.domain, s.queued)
ON CONFLICT DO NOTHING;
-- and expiries after the horizon: a 7-day queue
INSERT INTO crm.event (flow, email, at, diagnostic, verdict, kind, heal)
SELECT 'campaigns', email, queued + interval '7 days',
	   crm.expired_text(domain, profile, n, interval '7 days', NULL), 'hard', 'tail_decoy', false
FROM (SELECT ct.email, ct.domain, c.profile, crm.random_in('2017-11-09 07:00', '2017-11-09 10:54:59') AS queued,
			 (random() * 1000)::int AS n, random() AS r
	  FROM crm.contact ct JOIN crm.company c ON c.domain = ct.domain) s
WHERE s.r < 0.002 AND crm.at_ovh(s.domain, s.queued)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- The four flows, each in its own shape, wired to rebound
-- ---------------------------------------------------------------------------

-- Campaigns: an ESP's webhook table, with the ESP's own verdict
CREATE TABLE crm.campaign_bounce (
	id bigserial PRIMARY KEY,
	email text NOT NULL,
	bounced_at timestamptz NOT NULL,
	smtp_diagnostic text,
	bounce_class text,             -- 'hard' / 'soft', as the ESP says
	reason rebound.reason,         -- filled by rebound.classify_bounce
	severity rebound.severity,
	infrastructure boolean
);
CREATE TRIGGER classify BEFORE INSERT OR UPDATE ON crm.campaign_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('smtp_diagnostic', 'reason', 'severity', 'infrastructure');
CREATE TRIGGER to_ledger AFTER INSERT ON crm.campaign_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('campaigns', 'email', 'bounced_at', 'smtp_diagnostic', 'bounce_class');

-- Marketing automation: local times without a zone, a boolean verdict
CREATE TABLE crm.automation_bounce (
	id serial PRIMARY KEY,
	recipient varchar(320) NOT NULL,
	event_time timestamp NOT NULL,
	dsn_text text,
	is_hard boolean
);
CREATE TRIGGER to_ledger AFTER INSERT ON crm.automation_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('automation', 'recipient', 'event_time', 'dsn_text', 'is_hard');

-- Transactional: the MTA's log line only; rebound's classification decides
CREATE TABLE crm.transactional_bounce (
	id bigserial PRIMARY KEY,
	to_address text NOT NULL,
	logged_at timestamptz NOT NULL,
	response text
);
CREATE TRIGGER to_ledger AFTER INSERT ON crm.transactional_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('transactional', 'to_address', 'logged_at', 'response');

-- Data-platform export: a status and nothing else
CREATE TABLE crm.dmp_bounce (
	email text NOT NULL,
	ts timestamptz NOT NULL,
	status text NOT NULL,          -- 'HARD' / 'SOFT'
	reason text
);
CREATE TRIGGER to_ledger AFTER INSERT ON crm.dmp_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('dmp', 'email', 'ts', 'reason', 'status');

-- The transactional MTA's texts carry their own verdict (5xx hard, 4xx
-- soft, a failed lookup hard after its retries): write them so.
UPDATE crm.event SET diagnostic = CASE
		WHEN diagnostic LIKE '5%' OR diagnostic LIKE '4%' THEN diagnostic
		WHEN verdict = 'hard' THEN '550 5.4.4 Unrouteable address: ' || diagnostic
		ELSE '451 4.4.0 Temporary lookup failure: ' || diagnostic END
WHERE flow = 'transactional';

-- Load the flows as their applications would, in time order
INSERT INTO crm.campaign_bounce (email, bounced_at, smtp_diagnostic, bounce_class)
SELECT email, at, diagnostic, verdict FROM crm.event WHERE flow = 'campaigns' ORDER BY at;
INSERT INTO crm.automation_bounce (recipient, event_time, dsn_text, is_hard)
SELECT upper(left(email, 1)) || substr(email, 2), at::timestamp, diagnostic, verdict = 'hard'
FROM crm.event WHERE flow = 'automation' ORDER BY at;
INSERT INTO crm.transactional_bounce (to_address, logged_at, response)
SELECT email, at, diagnostic FROM crm.event WHERE flow = 'transactional' ORDER BY at;
INSERT INTO crm.dmp_bounce (email, ts, status, reason)
SELECT email, at, upper(verdict), NULL FROM crm.event WHERE flow = 'dmp' ORDER BY at;

-- The CRM's own view of its contacts, as its bounce processing left it
UPDATE crm.contact ct SET hard_bounced = true
FROM rebound.suppressed s WHERE s.address = lower(ct.email);

-- ---------------------------------------------------------------------------
-- What a resolver saw over 2017, fed to rebound's provider map
-- ---------------------------------------------------------------------------

-- in batches: each observation takes a transaction-level lock on its domain
CREATE TEMP TABLE observed (observations int, host_observations int);
INSERT INTO observed VALUES (0, 0);
DO $$
DECLARE
	h record;
	n int := 0;
BEGIN
	FOR h IN SELECT * FROM crm.hosting ORDER BY since, domain, role LOOP
		PERFORM rebound.observe_domain(h.domain, h.role, h.hosts, h.since);
		n := n + 1;
		IF n % 1000 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
	UPDATE observed SET observations = n;
	n := 0;
	FOR h IN SELECT * FROM crm.host_ip ORDER BY host LOOP
		PERFORM rebound.observe_host(h.host, h.addrs, '2017-01-01');
		n := n + 1;
		IF n % 1000 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
	UPDATE observed SET host_observations = n;
END
$$;
SELECT observations, host_observations FROM observed \gset

-- what autovacuum would have done by the next morning
ANALYZE rebound.bounce;
ANALYZE rebound.domain_host;
ANALYZE rebound.host_address;
ANALYZE crm.contact;
ANALYZE crm.event;

RESET client_min_messages;
