-- test/upgrade/seed.sql: data written through the 0.1.0 API before
-- ALTER EXTENSION rebound UPDATE: user rules, user changes to the provider
-- catalogue (a tombstone, a taken-over rule, a user provider), history,
-- ledger rows of two flows, an incident healed and its audit.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

INSERT INTO rebound.rule (pattern, is_regex, reason, severity, priority, provider)
VALUES ('mailbox is on vacation', false, 'vacation', 'soft', 10, NULL),
	   ('^quota (exceeded|full)', true, 'mailbox_full', 'soft', 5, NULL),
	   ('policy rejection', false, 'filtered', NULL, 0, 'ovh');

DELETE FROM rebound.provider_rule WHERE kind = 'domain' AND pattern = 'aol.fr';
INSERT INTO rebound.provider (name, display_name) VALUES ('acme', 'Acme hosting');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES
	('acme', 'cidr', '192.0.2.0/24'), ('acme', 'host_suffix', 'mx.acme.example');
UPDATE rebound.provider SET display_name = 'OVH' WHERE name = 'ovh';

SELECT rebound.observe_domain('client' || i || '.fr', 'mx', ARRAY['10 mx1.mail.ovh.net'], '2017-01-01')
FROM pg_catalog.generate_series(1, 20) AS i;
SELECT rebound.observe_domain('client' || i || '.fr', 'ns', ARRAY['dns10.ovh.net', 'ns10.ovh.net'], '2017-01-01')
FROM pg_catalog.generate_series(1, 20) AS i;
SELECT rebound.observe_domain('client1.fr', 'mx', ARRAY['10 aspmx.l.google.com'], '2018-01-01');
SELECT rebound.observe_host('mx1.mail.ovh.net', ARRAY['188.165.1.1']::inet[], '2017-01-01');

SELECT rebound.record_bounce('user' || i || '@client' || (i % 20 + 1) || '.fr',
	'2017-11-09 08:00+01'::timestamptz + i * interval '1 minute',
	'550 5.1.2 Host or domain name not found. Name service error for name=client.fr type=MX: Host not found',
	CASE WHEN i % 2 = 0 THEN 'crm' ELSE 'automation' END)
FROM pg_catalog.generate_series(1, 40) AS i;
SELECT rebound.record_bounce('gone@client3.fr', '2017-11-20 10:00+01',
	'550 5.1.1 <gone@client3.fr>: Recipient address rejected: User unknown', 'crm');

SELECT rebound.declare_incident('ovh', '[2017-11-09 08:00+01, 2017-11-09 12:00+01)', ARRAY['mx', 'ns'],
	'OVH outage of 9 November 2017');
SELECT count(*) FROM rebound.unharden(1);
