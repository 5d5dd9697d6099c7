-- Healing: which bounces an incident forgives (layers, history, the
-- window), what it reports (layer, reinstated), dry runs, idempotence,
-- undo, and the errors of declare_incident().
BEGIN;
SELECT plan(55);

SET LOCAL timezone = 'Europe/Paris';
SET LOCAL rebound.soft_bounce_limit = 3;
SET LOCAL rebound.soft_bounce_days = 7;

-- The provider map as a resolver saw it, through the public functions.
-- Each domain is observed at the start of 2017; some change later.
CREATE TEMP TABLE seen (domain text, role text, hosts text[], at timestamptz);
INSERT INTO seen VALUES
	-- mail hosted at OVH, under OVH's name
	('mx-ovh.fr',     'mx', '{mx1.mail.ovh.net,mx2.mail.ovh.net}', '2017-01-01'),
	('mx-ovh.fr',     'ns', '{ns1.gandi.net}',                     '2017-01-01'),
	-- MX under the domain's own name, in OVH's network
	('mx-ip.fr',      'mx', '{mail.mx-ip.fr}',                     '2017-01-01'),
	('mx-ip.fr',      'ns', '{ns1.gandi.net}',                     '2017-01-01'),
	-- mail at Google, DNS at OVH
	('ns-ovh.fr',     'mx', '{aspmx.l.google.com}',                '2017-01-01'),
	('ns-ovh.fr',     'ns', '{dns12.ovh.net,ns12.ovh.net}',        '2017-01-01'),
	-- mail at Google, own name servers in OVH's network
	('ns-ip.fr',      'mx', '{aspmx.l.google.com}',                '2017-01-01'),
	('ns-ip.fr',      'ns', '{ns1.ns-ip.fr}',                      '2017-01-01'),
	-- nothing at OVH
	('elsewhere.fr',  'mx', '{spool.mail.gandi.net}',              '2017-01-01'),
	('elsewhere.fr',  'ns', '{ns1.gandi.net}',                     '2017-01-01'),
	-- left OVH in June, joined OVH in December
	('left.fr',       'mx', '{mx1.mail.ovh.net}',                  '2017-01-01'),
	('left.fr',       'ns', '{ns1.gandi.net}',                     '2017-01-01'),
	('left.fr',       'mx', '{aspmx.l.google.com}',                '2017-06-01'),
	('joined.fr',     'mx', '{spool.mail.gandi.net}',              '2017-01-01'),
	('joined.fr',     'ns', '{ns1.gandi.net}',                     '2017-01-01'),
	('joined.fr',     'mx', '{mx1.mail.ovh.net}',                  '2017-12-01'),
	-- moved to OVH in the middle of the outage morning
	('midway.fr',     'mx', '{spool.mail.gandi.net}',              '2017-01-01'),
	('midway.fr',     'ns', '{ns1.gandi.net}',                     '2017-01-01'),
	('midway.fr',     'mx', '{mx1.mail.ovh.net}',                  '2017-11-09 09:00');
SELECT is(count(*), 19::bigint, 'the provider map, observed') FROM seen, rebound.observe_domain(domain, role, hosts, at);
SELECT is(count(*), 3::bigint, 'and the addresses of some hosts') FROM (VALUES
	('mail.mx-ip.fr', '{213.186.33.5}'::inet[]),
	('ns1.ns-ip.fr',  '{213.186.33.6}'),
	('ns1.gandi.net', '{173.246.98.1}')) v(host, addrs),
	rebound.observe_host(host, addrs, '2017-01-01');

-- A morning of bounces: the outage is 07:00-10:55 Paris time.
CREATE TEMP TABLE b (tag text PRIMARY KEY, id bigint);
INSERT INTO b SELECT tag, rebound.record_bounce(addr, at::timestamptz, diag, src, sev::rebound.severity) FROM (VALUES
	('mx',        'a@mx-ovh.fr',    '2017-11-09 07:30', NULL, 'campaigns', 'hard'),
	('mx-ip',     'b@mx-ip.fr',     '2017-11-09 08:00', NULL, 'automation', 'hard'),
	('ns',        'c@ns-ovh.fr',    '2017-11-09 08:30', NULL, 'transactional', 'hard'),
	('ns-ip',     'd@ns-ip.fr',     '2017-11-09 09:00', NULL, 'dmp', 'hard'),
	('elsewhere', 'e@elsewhere.fr', '2017-11-09 08:00', NULL, 'campaigns', 'hard'),
	('left',      'f@left.fr',      '2017-11-09 08:00', NULL, 'campaigns', 'hard'),
	('joined',    'g@joined.fr',    '2017-11-09 08:00', NULL, 'campaigns', 'hard'),
	('before-move','h@midway.fr',   '2017-11-09 08:59', NULL, 'campaigns', 'hard'),
	('after-move','i@midway.fr',    '2017-11-09 09:01', NULL, 'campaigns', 'hard'),
	('too-early', 'j@mx-ovh.fr',    '2017-11-09 06:59', NULL, 'campaigns', 'hard'),
	('too-late',  'k@mx-ovh.fr',    '2017-11-09 10:55', NULL, 'campaigns', 'hard'),
	('soft',      'l@mx-ovh.fr',    '2017-11-09 08:00', NULL, 'campaigns', 'soft'),
	('consumer',  'o@wanadoo.fr',   '2017-11-09 08:10', NULL, 'transactional', 'hard'),
	-- an address that already hard-bounced in 2016
	('old',       'm@mx-ovh.fr',    '2016-03-01 12:00', NULL, 'campaigns', 'hard'),
	('again',     'M@MX-OVH.FR',    '2017-11-09 09:30', NULL, 'campaigns', 'hard'),
	-- an address with a run of recent soft bounces
	('run',       'n@mx-ovh.fr',    '2017-11-09 09:45', NULL, 'campaigns', 'hard')
) v(tag, addr, at, diag, src, sev);
INSERT INTO b SELECT 'recent-soft-' || g, rebound.record_bounce('n@mx-ovh.fr', now() - g * interval '1 hour', NULL, 'campaigns', 'soft')
FROM generate_series(1, 3) g;

SELECT ok(rebound.is_suppressed('A@mx-ovh.fr'), 'a hard bounce suppresses the address, in any case');
SELECT ok(NOT rebound.is_suppressed('l@mx-ovh.fr'), 'one soft bounce does not');
SELECT ok(rebound.is_suppressed('n@mx-ovh.fr'), 'three soft bounces in seven days do');
SELECT is((SELECT cause FROM rebound.suppressed WHERE address = 'n@mx-ovh.fr'), 'hard_bounce',
	'the view names the hard bounce first');

-- incident_bounces() is domain_providers() at the time of each bounce
CREATE FUNCTION pg_temp.per_bounce(layers text[]) RETURNS TABLE (id bigint, layer text) LANGUAGE sql AS $$
	SELECT b.id, m.layer
	FROM rebound.bounce b
	CROSS JOIN LATERAL (
		SELECT p.layer FROM rebound.domain_providers(b.domain, b.occurred_at) p
		WHERE p.provider = 'ovh' AND (layers IS NULL OR p.layer = ANY (layers))
		ORDER BY array_position('{domain,mx,mx_ip,ns,ns_ip}', p.layer) LIMIT 1) m
	WHERE b.hard AND b.forgiven_by IS NULL
	  AND b.occurred_at <@ tstzrange('2017-11-09 07:00', '2017-11-09 10:55')
$$;
SELECT set_eq(
	$$SELECT bounce_id, layer FROM rebound.incident_bounces('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'))$$,
	$$SELECT * FROM pg_temp.per_bounce(NULL)$$,
	'incident_bounces() agrees with domain_providers() asked at the time of every bounce');
SELECT set_eq(
	$$SELECT bounce_id, layer FROM rebound.incident_bounces('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'), '{ns,ns_ip}')$$,
	$$SELECT * FROM pg_temp.per_bounce('{ns,ns_ip}')$$,
	'and so it does for some layers only');

-- Interval ends, open or closed, to the microsecond
SELECT set_eq($$SELECT b.tag FROM rebound.incident_bounces('ovh', '(2017-11-09 07:30, 2017-11-09 08:10]') i
				JOIN b ON b.id = i.bounce_id$$,
	ARRAY['mx-ip'],
	'an open lower end leaves out the bounce at that instant, a closed upper end takes it');
SELECT set_eq($$SELECT b.tag FROM rebound.incident_bounces('ovh', '[2017-11-09 07:30, 2017-11-09 08:10)') i
				JOIN b ON b.id = i.bounce_id$$,
	ARRAY['mx', 'mx-ip'],
	'and the other way round');

-- a consumer domain of the catalogue (wanadoo.fr is Orange's): the 'domain' layer
SELECT set_eq(
	$$SELECT b.tag, i.layer FROM rebound.incident_bounces('orange', tstzrange('2017-11-09 07:00', '2017-11-09 10:55')) i
	  JOIN b ON b.id = i.bounce_id$$,
	$$VALUES ('consumer', 'domain')$$,
	'a provider''s own mail domain depends on it through the domain layer');

-- declare_incident() refuses what cannot be healed
SELECT throws_ok($$SELECT rebound.declare_incident('nosuch', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'))$$,
	'42704', 'provider "nosuch" does not exist', 'unknown provider');
SELECT throws_ok($$SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00', NULL))$$,
	'22023', NULL, 'unbounded interval');
SELECT throws_ok($$SELECT rebound.declare_incident('ovh', 'empty')$$,
	'22023', NULL, 'empty interval');
SELECT throws_ok($$SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'), '{mx,smtp}')$$,
	'22023', 'invalid incident layers: "{mx,smtp}"', 'unknown layer');
SELECT throws_ok($$SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'), '{}')$$,
	'22023', NULL, 'no layer at all');
SELECT throws_ok($$INSERT INTO rebound.incident (provider, during) VALUES ('ovh', '[2017-11-09,)')$$,
	'23514', NULL, 'the table itself refuses an unbounded interval');

-- Dry run of every layer: nothing changes
SELECT set_eq(
	$$SELECT b.tag, u.layer FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'), true) u
	  JOIN b ON b.id = u.bounce_id$$,
	$$VALUES ('mx', 'mx'), ('mx-ip', 'mx_ip'), ('ns', 'ns'), ('ns-ip', 'ns_ip'), ('after-move', 'mx'),
	         ('again', 'mx'), ('run', 'mx')$$,
	'the dry run finds every layer, and only the domains at OVH at the time of the bounce');
SELECT is((SELECT count(*) FROM rebound.bounce WHERE forgiven_by IS NOT NULL), 0::bigint,
	'a dry run forgives nothing');
SELECT is((SELECT count(*) FROM rebound.incident), 0::bigint, 'a dry run declares nothing');

-- An incident of OVH's name servers only
SELECT lives_ok($$SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'),
	'{ns_ip,ns}', 'DNS only')$$, 'declare a DNS incident');
SELECT is((SELECT layers FROM rebound.incident), '{ns,ns_ip}'::text[], 'layers are kept sorted');
SELECT set_eq(
	$$SELECT b.tag, u.layer, u.reinstated FROM rebound.unharden((SELECT max(id) FROM rebound.incident)) u
	  JOIN b ON b.id = u.bounce_id$$,
	$$VALUES ('ns', 'ns', true), ('ns-ip', 'ns_ip', true)$$,
	'a DNS incident heals the domains whose DNS was at OVH, whatever hosts their mail');
SELECT ok(NOT rebound.is_suppressed('c@ns-ovh.fr'), 'the address is no longer suppressed');

-- The whole of OVH
CREATE TEMP TABLE healed AS
SELECT u.*, b.tag FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55')) u
JOIN b ON b.id = u.bounce_id;
SELECT set_eq($$SELECT tag, layer, reinstated FROM healed$$,
	$$VALUES ('mx', 'mx', true), ('mx-ip', 'mx_ip', true), ('after-move', 'mx', true),
	         ('again', 'mx', false), ('run', 'mx', false)$$,
	'the second incident forgives the rest, not what the first forgave');
SELECT is((SELECT source FROM healed WHERE tag = 'mx-ip'), 'automation', 'each flow is healed');
SELECT ok(rebound.is_suppressed('m@mx-ovh.fr'), 'the 2016 hard bounce still suppresses its address');
SELECT ok(rebound.is_suppressed('n@mx-ovh.fr'), 'the soft-bounce run still suppresses its address');
SELECT is((SELECT cause FROM rebound.suppressed WHERE address = 'n@mx-ovh.fr'), 'soft_bounces',
	'and the view now says so');
SELECT ok(NOT rebound.is_suppressed('n@mx-ovh.fr', '2017-11-09 12:00'),
	'is_suppressed at a moment: once forgiven, the address was clear that day (its soft bounces came later)');
SELECT ok(NOT rebound.is_suppressed('a@mx-ovh.fr', '2017-11-09 12:00'),
	'a forgiven bounce never counts');
SELECT ok(rebound.is_suppressed('j@mx-ovh.fr') AND rebound.is_suppressed('k@mx-ovh.fr'),
	'bounces just outside the window stay hard');
SELECT ok(rebound.is_suppressed('e@elsewhere.fr') AND rebound.is_suppressed('f@left.fr')
          AND rebound.is_suppressed('g@joined.fr') AND rebound.is_suppressed('h@midway.fr'),
	'domains not at OVH at the time stay hard: elsewhere, left before, joined after, moved later that morning');
SELECT is((SELECT count(*) FROM rebound.audit WHERE action = 'forgive'), 7::bigint,
	'one audit row per forgiven bounce');
SELECT is((SELECT count(DISTINCT forgiven_by) FROM rebound.bounce WHERE forgiven_by IS NOT NULL), 2::bigint,
	'each bounce names the incident that forgave it');

-- Twice is once
SELECT is_empty($$SELECT * FROM rebound.unharden((SELECT max(id) FROM rebound.incident))$$,
	'healing again forgives nothing');
SELECT is_empty($$SELECT * FROM rebound.unharden((SELECT max(id) FROM rebound.incident), true)$$,
	'and a dry run then finds nothing left');
SELECT is((SELECT count(*) FROM rebound.audit), 7::bigint, 'and writes no audit row');

-- A bounce recorded late (an export imported after the incident) is healed
-- by the next run: what a pg_cron job relies on.
INSERT INTO b VALUES ('late', rebound.record_bounce('late@mx-ovh.fr', '2017-11-09 10:00', NULL, 'dmp', 'hard'));
SELECT results_eq(
	$$SELECT bounce_id, layer FROM rebound.unharden((SELECT max(id) FROM rebound.incident))$$,
	$$SELECT id, 'mx' FROM b WHERE tag = 'late'$$,
	'a later run heals the bounces recorded since');

-- Undo
SELECT set_eq(
	$$SELECT b.tag, r.layer, r.reinstated FROM rebound.reharden((SELECT max(id) FROM rebound.incident)) r
	  JOIN b ON b.id = r.bounce_id$$,
	$$VALUES ('mx', 'mx', false), ('mx-ip', 'mx_ip', false), ('after-move', 'mx', false),
	         ('again', 'mx', false), ('run', 'mx', false), ('late', 'mx', false)$$,
	'reharden returns exactly what the incident forgave');
SELECT ok(rebound.is_suppressed('a@mx-ovh.fr'), 'the address is suppressed again');
SELECT ok(NOT rebound.is_suppressed('c@ns-ovh.fr'), 'what the other incident forgave stays forgiven');
SELECT is_empty($$SELECT * FROM rebound.reharden((SELECT max(id) FROM rebound.incident))$$,
	'rehardening twice changes nothing');
SELECT is((SELECT count(*) FROM rebound.audit WHERE action = 'reharden'), 6::bigint,
	'one audit row per bounce hardened again');
SELECT ok((SELECT withdrawn_at IS NOT NULL FROM rebound.incident WHERE id = (SELECT max(id) FROM rebound.incident)),
	'the incident is withdrawn');
SELECT throws_ok($$SELECT * FROM rebound.unharden((SELECT max(id) FROM rebound.incident))$$,
	'55000', NULL, 'a withdrawn incident heals nothing more');
SELECT throws_ok($$SELECT * FROM rebound.unharden(123456)$$,
	'42704', 'incident 123456 does not exist', 'an unknown incident is an error');
SELECT throws_ok($$SELECT * FROM rebound.reharden(NULL)$$,
	'22004', NULL, 'so is a NULL one');

-- A new incident heals them again
SELECT is((SELECT count(*) FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'))),
	6::bigint, 'a new incident heals the same bounces again');

-- A domain rebound learns about only later: its first observation stands
-- for the time before it
SELECT is(count(*), 1::bigint, 'learned.fr is first observed in 2018, at OVH')
FROM rebound.observe_domain('learned.fr', 'mx', '{mx1.mail.ovh.net}', '2018-03-01');
INSERT INTO b VALUES ('learned', rebound.record_bounce('p@learned.fr', '2017-11-09 08:00', NULL, 'dmp', 'hard'));
SELECT results_eq(
	$$SELECT bounce_id, layer FROM rebound.incident_bounces('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'))$$,
	$$SELECT id, 'mx' FROM b WHERE tag = 'learned'$$,
	'a domain first observed after the incident is judged by that first observation');

-- Domains the map records as having no MX ('') or a null MX ('.'), as a
-- refresh does for a domain that is gone: their bounces are not the
-- provider's, and they do not stop healing the others
SELECT rebound.observe_domain('gone.fr', 'mx', '{}', '2017-10-01');
SELECT rebound.observe_domain('nullmx.fr', 'mx', '{.}', '2017-10-01');
INSERT INTO b VALUES ('gone', rebound.record_bounce('p@gone.fr', '2017-11-09 08:00', NULL, 'dmp', 'hard')),
	('nullmx', rebound.record_bounce('p@nullmx.fr', '2017-11-09 08:00', NULL, 'dmp', 'hard'));
SELECT lives_ok($$SELECT * FROM rebound.incident_bounces('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55'))$$,
	'a domain with no MX or a null MX in the map does not fail the selection');
SELECT is((SELECT count(*) FROM rebound.incident_bounces('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55')) i
		   JOIN b ON b.id = i.bounce_id WHERE b.tag IN ('gone', 'nullmx')), 0::bigint,
	'their bounces are not the provider''s');

-- The unsorted, duplicated layers of a declaration
SELECT lives_ok($$SELECT rebound.declare_incident('ovh',
		tstzrange('2017-11-09 07:00', '2017-11-09 10:55'), '{mx,domain,mx}')$$, 'declare with repeated layers');
SELECT is((SELECT layers FROM rebound.incident ORDER BY id DESC LIMIT 1),
	'{domain,mx}'::text[], 'layers are deduplicated');

SELECT * FROM finish();
ROLLBACK;
