-- rebound.flow: every source of the ledger and every table wired to it
-- with capture_bounce, with volume, hard share and last bounce.
\set QUIET 1
BEGIN;
SELECT plan(7);

CREATE SCHEMA crm_flow;
CREATE TABLE crm_flow.campaign_bounce (email text, bounced_at timestamptz, smtp_diagnostic text, bounce_class text);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_flow.campaign_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce(
		'campaigns', 'email', 'bounced_at', 'smtp_diagnostic', 'bounce_class');
-- a flow wired but silent so far: the one a DBA forgets in a crisis
CREATE TABLE crm_flow.dmp_bounce (addr text, at timestamptz, dsn text);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_flow.dmp_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('dmp-export', 'addr', 'at', 'dsn');
-- a flow wired, then switched off
CREATE TABLE crm_flow.legacy_bounce (addr text, at timestamptz, dsn text);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_flow.legacy_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('légacy', 'addr', 'at', 'dsn');
ALTER TABLE crm_flow.legacy_bounce DISABLE TRIGGER to_ledger;

INSERT INTO crm_flow.campaign_bounce VALUES
	('jean@orange.fr', '2017-11-09 08:00+01', '550 5.1.1 <jean@orange.fr>: Recipient address rejected: User unknown', 'hard'),
	('marie@free.fr', '2017-11-09 08:05+01', '452 4.2.2 Mailbox full', 'soft'),
	('paul@acme.fr', '2017-11-09 08:10+01', 'connect to mx1.mail.ovh.net[213.186.33.5]:25: Connection timed out', 'hard'),
	('luc@acme.fr', '2017-11-09 08:20+01', '', 'hard');
-- a source recorded through the function only, with no table
SELECT rebound.record_bounce('anne@gmail.com', '2017-11-10 09:00+01', '550-5.1.1 The email account that you tried to reach does not exist.', 'transactional-api') AS recorded \gset

SELECT set_eq($$SELECT source FROM rebound.flow$$,
	ARRAY['campaigns', 'dmp-export', 'légacy', 'transactional-api'],
	'every wired table and every source of the ledger is a flow');
SELECT results_eq(
	$$SELECT wired_table::text COLLATE "default", trigger_name::text COLLATE "default", enabled, bounces, hard_bounces, hard_share, last_bounce
	  FROM rebound.flow WHERE source = 'campaigns'$$,
	$$VALUES ('crm_flow.campaign_bounce', 'to_ledger', true, 4::bigint, 3::bigint, 0.7500::numeric,
			  '2017-11-09 08:20+01'::timestamptz)$$,
	'a wired flow: its table and trigger, volume, hard share, last bounce');
SELECT results_eq(
	$$SELECT wired_table::text COLLATE "default", enabled, bounces, hard_share, last_bounce FROM rebound.flow WHERE source = 'dmp-export'$$,
	$$VALUES ('crm_flow.dmp_bounce', true, 0::bigint, NULL::numeric, NULL::timestamptz)$$,
	'a wired flow that never bounced is listed with no bounces');
SELECT results_eq(
	$$SELECT enabled FROM rebound.flow WHERE source = 'légacy'$$,
	$$VALUES (false)$$,
	'a disabled trigger shows as not enabled (and the source name keeps its accents)');
SELECT results_eq(
	$$SELECT wired_table, bounces, hard_bounces FROM rebound.flow WHERE source = 'transactional-api'$$,
	$$VALUES (NULL::regclass, 1::bigint, 1::bigint)$$,
	'a source that only record_bounce feeds is listed without a table');
-- classify_bounce triggers are not flows
CREATE TABLE crm_flow.classified (diag text, reason rebound.reason, severity rebound.severity, infrastructure boolean);
CREATE TRIGGER classify BEFORE INSERT ON crm_flow.classified
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('diag', 'reason', 'severity', 'infrastructure');
SELECT is((SELECT count(*) FROM rebound.flow), 4::bigint, 'a classify_bounce trigger is not a flow');
DROP TABLE crm_flow.dmp_bounce;
SELECT is((SELECT count(*) FROM rebound.flow WHERE source = 'dmp-export'), 0::bigint,
	'a dropped table leaves the flows');

SELECT * FROM finish();
ROLLBACK;
