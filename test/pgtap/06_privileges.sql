-- Privileges: rebound's functions run as their caller, so the grants of the
-- README are what a CRM role needs, and a role without them is refused.
BEGIN;
SELECT plan(20);

SELECT is_empty(
	$$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace = 'rebound'::regnamespace AND p.prosecdef$$,
	'no rebound function is SECURITY DEFINER');

CREATE ROLE rb_nobody;
CREATE ROLE rb_reader;
CREATE ROLE rb_writer;
CREATE ROLE rb_healer;

-- the grants, exactly as the README gives them
GRANT USAGE ON SCHEMA rebound TO rb_reader;
GRANT SELECT ON rebound.bounce, rebound.incident, rebound.audit, rebound.suppressed TO rb_reader;

GRANT USAGE ON SCHEMA rebound TO rb_writer;
GRANT INSERT, SELECT (id) ON rebound.bounce TO rb_writer;
GRANT SELECT ON rebound.rule TO rb_writer;

GRANT USAGE ON SCHEMA rebound TO rb_healer;
GRANT SELECT, UPDATE (forgiven_by) ON rebound.bounce TO rb_healer;
GRANT SELECT, INSERT, UPDATE (withdrawn_at, withdrawn_by) ON rebound.incident TO rb_healer;
GRANT SELECT, INSERT ON rebound.audit TO rb_healer;
GRANT SELECT ON rebound.provider, rebound.provider_rule, rebound.domain_host, rebound.host_address TO rb_healer;

SELECT lives_ok($$SELECT rebound.observe_domain('client.example', 'mx', '{mx1.mail.ovh.net}', '2017-01-01')$$,
	'mail of client.example at OVH');
SELECT lives_ok($$SELECT rebound.observe_domain('client.example', 'ns', '{ns1.gandi.net}', '2017-01-01')$$,
	'DNS elsewhere');
SELECT lives_ok($$SELECT rebound.record_bounce('old@client.example', '2017-11-09 07:30+01', NULL, 'campaigns', 'hard')$$,
	'a hard bounce of the outage');

-- nobody
SET LOCAL ROLE rb_nobody;
SELECT throws_ok($$SELECT rebound.is_suppressed('old@client.example')$$, '42501', NULL,
	'a role without grants cannot read the ledger');
SELECT throws_ok($$SELECT rebound.record_bounce('x@client.example', now(), NULL)$$, '42501', NULL,
	'nor record a bounce');
RESET ROLE;

-- reading
SET LOCAL ROLE rb_reader;
SELECT ok(rebound.is_suppressed('old@client.example'), 'a reader checks suppression');
SELECT is((SELECT count(*) FROM rebound.suppressed), 1::bigint, 'and reads the view');
SELECT throws_ok($$SELECT rebound.record_bounce('x@client.example', now(), NULL)$$, '42501', NULL,
	'but cannot record');
SELECT throws_ok($$SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'))$$,
	'42501', NULL, 'nor declare an incident');
RESET ROLE;

-- recording, directly and through a CRM table's trigger
CREATE TABLE crm_bounce (email text, at timestamptz, smtp text);
CREATE TRIGGER capture AFTER INSERT ON crm_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('crm', 'email', 'at', 'smtp');
GRANT INSERT ON crm_bounce TO rb_writer, rb_reader;
-- forget the classification rules loaded so far, as in a new session: the
-- writer's own privileges must be enough to load them
DELETE FROM rebound.rule WHERE false;
SET LOCAL ROLE rb_writer;
SELECT lives_ok($$SELECT rebound.record_bounce('new@client.example', '2017-11-09 08:00+01', 'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out', 'campaigns', 'hard')$$,
	'a writer records a bounce');
SELECT lives_ok($$INSERT INTO crm_bounce VALUES ('crm@client.example', '2017-11-09 08:10+01', NULL)$$,
	'and its CRM table''s trigger records one');
SELECT throws_ok($$SELECT rebound.is_suppressed('old@client.example')$$, '42501', NULL,
	'a writer does not read the ledger');
SELECT throws_ok($$SELECT * FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'))$$,
	'42501', NULL, 'nor heal');
RESET ROLE;
SET LOCAL ROLE rb_reader;
SELECT throws_ok($$INSERT INTO crm_bounce VALUES ('crm2@client.example', now(), NULL)$$, '42501', NULL,
	'a role that may write the CRM table but not the ledger is refused: the bounce is not lost silently');
RESET ROLE;

-- healing
SET LOCAL ROLE rb_healer;
SELECT is((SELECT count(*) FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'), true)),
	2::bigint, 'a healer runs a dry run');
SELECT is((SELECT count(*) FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'))),
	2::bigint, 'declares and heals');
SELECT is((SELECT count(*) FROM rebound.reharden((SELECT max(id) FROM rebound.incident))),
	2::bigint, 'and undoes');
SELECT throws_ok($$SELECT rebound.record_bounce('x@client.example', now(), NULL)$$, '42501', NULL,
	'a healer does not record bounces');
SELECT throws_ok($$UPDATE rebound.bounce SET diagnostic = 'rewritten'$$, '42501', NULL,
	'nor rewrite them: only forgiven_by is granted');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
