-- The provider catalogue: objects, labels, user rows versus catalogue rows,
-- tombstones, and what pg_dump keeps.
BEGIN;
SELECT plan(31);

SELECT has_table('rebound', 'provider', 'table provider');
SELECT has_table('rebound', 'provider_rule', 'table provider_rule');
SELECT has_table('rebound', 'provider_tombstone', 'table provider_tombstone');
SELECT has_table('rebound', 'domain_host', 'table domain_host');
SELECT has_table('rebound', 'host_address', 'table host_address');
SELECT columns_are('rebound', 'domain_host',
	ARRAY['domain', 'role', 'host', 'preference', 'observed', 'first_seen', 'last_seen'],
	'domain_host columns (DESIGN.md names, plus first_seen/last_seen)');
SELECT col_type_is('rebound', 'domain_host', 'observed', 'tstzrange', 'observed is a tstzrange');
SELECT col_type_is('rebound', 'host_address', 'addr', 'inet', 'addr is inet');
SELECT function_returns('rebound', 'host_provider', ARRAY['text'], 'text');
SELECT function_returns('rebound', 'ip_provider', ARRAY['inet'], 'text');
SELECT volatility_is('rebound', 'host_provider', ARRAY['text'], 'stable');
SELECT volatility_is('rebound', 'ip_provider', ARRAY['inet'], 'stable');
SELECT volatility_is('rebound', 'domain_providers', ARRAY['text', 'timestamp with time zone'], 'stable');
SELECT is((SELECT proparallel::text FROM pg_proc WHERE oid = 'rebound.host_provider(text)'::regprocedure),
	's', 'host_provider is PARALLEL SAFE');

-- every unique index of domain_host includes domain (distributable by domain)
SELECT is_empty($$
	SELECT i.indexrelid::regclass::text FROM pg_index i
	WHERE i.indrelid = 'rebound.domain_host'::regclass AND i.indisunique
	  AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = i.indrelid
					  AND a.attname = 'domain' AND a.attnum = ANY (i.indkey))$$,
	'every unique index of domain_host includes domain');

-- pg_dump keeps user rows, tombstones and the history
SELECT set_eq($$
	SELECT c.relname::text, coalesce(e.cond, '')
	FROM pg_extension x,
		 LATERAL unnest(x.extconfig, x.extcondition) AS e (oid, cond)
	JOIN pg_class c ON c.oid = e.oid
	WHERE x.extname = 'rebound'
	  AND c.relname IN ('provider', 'provider_rule', 'provider_tombstone',
						'domain_host', 'host_address', 'domain_lookup')$$,
	$$VALUES ('provider', 'WHERE origin = ''user'''), ('provider_rule', 'WHERE origin = ''user'''),
	         ('provider_tombstone', ''), ('domain_host', ''), ('host_address', ''),
	         ('domain_lookup', '')$$,
	'configuration tables and their dump filters');

-- deleting a catalogue rule leaves a tombstone; a user rule leaves none
DELETE FROM rebound.provider_rule WHERE kind = 'domain' AND pattern = 'aol.fr';
SELECT is((SELECT count(*) FROM rebound.provider_tombstone WHERE kind = 'domain' AND pattern = 'aol.fr'),
	1::bigint, 'deleting a catalogue rule leaves a tombstone');
INSERT INTO rebound.provider (name) VALUES ('acme');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('acme', 'host_suffix', 'acme.example');
DELETE FROM rebound.provider_rule WHERE pattern = 'acme.example';
SELECT is((SELECT count(*) FROM rebound.provider_tombstone WHERE pattern = 'acme.example'),
	0::bigint, 'deleting a user rule leaves no tombstone');

-- a user row with a catalogue key takes the catalogue row over
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('acme', 'domain', 'GMX.fr');
SELECT results_eq($$SELECT provider, origin FROM rebound.provider_rule WHERE kind = 'domain' AND pattern = 'gmx.fr'$$,
	$$VALUES ('acme', 'user')$$, 'a user rule replaces the catalogue rule of the same key');
SELECT is(rebound.domain_provider('gmx.fr'), 'acme', 'and matching follows');

-- changing a catalogue row makes it the user's
UPDATE rebound.provider_rule SET provider = 'acme' WHERE kind = 'host_suffix' AND pattern = 'gandi.net';
SELECT is((SELECT origin FROM rebound.provider_rule WHERE kind = 'host_suffix' AND pattern = 'gandi.net'),
	'user', 'a changed catalogue rule becomes a user rule');
UPDATE rebound.provider SET display_name = 'OVH' WHERE name = 'ovh';
SELECT is((SELECT origin FROM rebound.provider WHERE name = 'ovh'), 'user',
	'a changed catalogue provider becomes a user provider');
SELECT is((SELECT count(*) FROM rebound.provider_rule WHERE provider = 'ovh' AND origin = 'catalogue') > 10,
	true, 'and keeps its catalogue rules');
-- changing a catalogue rule's key tombstones the old key
UPDATE rebound.provider_rule SET pattern = 'yahoo.de' WHERE kind = 'domain' AND pattern = 'yahoo.co.uk';
SELECT is((SELECT count(*) FROM rebound.provider_tombstone WHERE kind = 'domain' AND pattern = 'yahoo.co.uk'),
	1::bigint, 'moving a catalogue rule tombstones its old key');

-- deleting a catalogue provider tombstones it and its rules
DELETE FROM rebound.provider WHERE name = 'zoho';
SELECT is((SELECT count(*) FROM rebound.provider_tombstone WHERE kind = 'provider' AND pattern = 'zoho'),
	1::bigint, 'deleting a catalogue provider leaves a tombstone');
SELECT is((SELECT count(*) FROM rebound.provider_tombstone WHERE pattern IN ('zoho.com', 'zoho.eu', 'zohomail.com')),
	4::bigint, 'and its rules leave theirs (zohomail.com is a domain and a host suffix)');

-- a tombstone (as pg_restore writes it) removes the catalogue row it names,
-- never a user row
INSERT INTO rebound.provider_tombstone (kind, pattern) VALUES ('domain', 'me.com'), ('domain', 'gmx.fr');
SELECT is((SELECT count(*) FROM rebound.provider_rule WHERE kind = 'domain' AND pattern = 'me.com'),
	0::bigint, 'a tombstone deletes the catalogue row');
SELECT is((SELECT count(*) FROM rebound.provider_rule WHERE kind = 'domain' AND pattern = 'gmx.fr'),
	1::bigint, 'a tombstone spares the user row of that key');
INSERT INTO rebound.provider_tombstone (kind, pattern) VALUES ('provider', 'free');
SELECT is((SELECT count(*) FROM rebound.provider_rule WHERE provider = 'free'),
	0::bigint, 'a provider tombstone deletes the catalogue provider and its rules');
-- a duplicate tombstone is harmless (a restore writes what triggers wrote)
INSERT INTO rebound.provider_tombstone (kind, pattern) VALUES ('provider', 'free');
SELECT is((SELECT count(*) FROM rebound.provider_tombstone WHERE pattern = 'free'), 2::bigint,
	'duplicate tombstones are accepted');

-- what an upgrade script does: add catalogue rows, except tombstoned ones
INSERT INTO rebound.provider_rule (provider, kind, pattern, origin)
SELECT v.provider, v.kind, v.pattern, 'catalogue'
FROM (VALUES ('apple', 'domain', 'me.com'), ('apple', 'domain', 'icloud.fr')) v (provider, kind, pattern)
WHERE NOT EXISTS (SELECT FROM rebound.provider_tombstone t WHERE t.kind = v.kind AND t.pattern = v.pattern)
ON CONFLICT (kind, pattern) DO NOTHING;
SELECT set_eq($$SELECT pattern FROM rebound.provider_rule WHERE provider = 'apple' AND kind = 'domain'$$,
	ARRAY['icloud.com', 'mac.com', 'icloud.fr'], 'an upgrade re-adds nothing the user deleted');

SELECT * FROM finish();
ROLLBACK;
