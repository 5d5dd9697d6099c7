-- The outbox and the sinks: healing writes one outbox row per flow and
-- address it reinstates and applies the flows' sinks in its transaction;
-- healing twice writes nothing twice; rehardening puts the CRM back; a
-- sink that cannot be applied (its table dropped, a healer without the
-- rights) fails the heal with nothing applied; add_sink refuses what could
-- never work.  And the report and chart of a declared incident.
BEGIN;
SET LOCAL timezone = 'Europe/Paris';
SELECT plan(48);

CREATE SCHEMA crm;
-- campaigns keep a flag on their contacts; automation a suppression list;
-- transactional has no sink (its ESP is served by the outbox)
CREATE TABLE crm.contact (
	id serial PRIMARY KEY,
	email text NOT NULL,
	hard_bounced boolean NOT NULL DEFAULT false,
	unsubscribed boolean NOT NULL DEFAULT false,
	n int
);
CREATE INDEX contact_address_idx ON crm.contact (rebound.normalize_address(email));
CREATE TABLE crm.automation_suppression (
	recipient varchar(320) NOT NULL,
	listed_at timestamptz NOT NULL DEFAULT '2017-01-01 00:00+00'
);
-- contacts the CRM never mails again whatever healing says: the sink is a
-- view without them
CREATE VIEW crm.mailable_contact AS SELECT * FROM crm.contact WHERE NOT unsubscribed;

SELECT rebound.observe_domain('sink.example', 'mx', ARRAY['mx1.mail.ovh.net'], '2017-01-01') AS o1 \gset
SELECT rebound.observe_domain('elsewhere.example', 'mx', ARRAY['aspmx.l.google.com'], '2017-01-01') AS o2 \gset
SELECT count(rebound.record_bounce(a, '2017-11-09 08:00+01', NULL, s, 'hard')) AS recorded
FROM (VALUES ('anne@sink.example', 'campaigns'), ('bob@sink.example', 'campaigns'),
			 ('carl@sink.example', 'automation'), ('dora@sink.example', 'transactional'),
			 ('Anne@Sink.example', 'automation'), ('ulla@sink.example', 'campaigns'),
			 ('zoe@elsewhere.example', 'campaigns')) v (a, s) \gset
-- bob is still suppressed after the outage: a genuine bounce in 2016
SELECT rebound.record_bounce('bob@sink.example', '2016-03-01 10:00+01', '550 5.1.1 user unknown', 'transactional', 'hard') AS b1 \gset

INSERT INTO crm.contact (email, hard_bounced, unsubscribed) VALUES
	('Anne@sink.example', true, false), ('bob@sink.example', true, false),
	('eve@sink.example', false, false), ('ulla@sink.example', true, true),
	('zoe@elsewhere.example', true, false);
-- a duplicate of anne's whose flag is already false: healing leaves it alone
INSERT INTO crm.contact (email, hard_bounced) VALUES ('anne@sink.example', false);
INSERT INTO crm.automation_suppression (recipient) VALUES
	('Carl@sink.example'), ('anne@sink.example'), ('fred@sink.example');

-- add_sink refuses what could never work
SELECT throws_ok($$SELECT rebound.add_sink('campaigns', 'crm.contact', 'mail', 'hard_bounced')$$,
	'42703', 'column "mail" of "crm.contact" does not exist', 'an address column that does not exist: 42703, named');
SELECT throws_ok($$SELECT rebound.add_sink('campaigns', 'crm.contact', 'email', 'bounced')$$,
	'42703', 'column "bounced" of "crm.contact" does not exist', 'a flag column that does not exist: 42703, named');
SELECT throws_ok($$SELECT rebound.add_sink('campaigns', 'crm.contact', 'id', 'hard_bounced')$$,
	'42804', 'column "id" of "crm.contact" is of type integer, not a string type', 'an address column that holds no text: 42804');
SELECT throws_ok($$SELECT rebound.add_sink('campaigns', 'crm.contact', 'email', 'n')$$,
	'42804', 'column "n" of "crm.contact" is of type integer, not boolean', 'a flag column that is not boolean: 42804');

SELECT ok(rebound.add_sink('campaigns', 'crm.mailable_contact', 'email', 'hard_bounced') > 0, 'a flag sink on a view of the contacts');
SELECT ok(rebound.add_sink('automation', 'crm.automation_suppression', 'recipient') > 0, 'a suppression list');
SELECT results_eq(
	$$SELECT source, target, kind, flag_column::text COLLATE "default", target_exists FROM rebound.sinks ORDER BY id$$,
	$$VALUES ('campaigns'::text, 'crm.mailable_contact'::text, 'flag'::text, 'hard_bounced'::text, true),
			 ('automation', 'crm.automation_suppression', 'list', NULL, true)$$,
	'rebound.sinks lists them');
SELECT results_eq(
	$$SELECT source COLLATE "default", sinks FROM rebound.flow WHERE source IN ('campaigns', 'automation', 'transactional') ORDER BY source$$,
	$$VALUES ('automation'::text, '{"crm.automation_suppression (list recipient)"}'::text[]),
			 ('campaigns', '{"crm.mailable_contact (flag hard_bounced)"}'), ('transactional', '{}')$$,
	'rebound.flow shows each flow''s sinks');
SELECT is((SELECT indexed FROM rebound.sinks WHERE source = 'automation'), false,
	'the list has no index on normalize_address(recipient): rebound.sinks says so');
CREATE INDEX ON crm.automation_suppression (rebound.normalize_address(recipient));
SELECT is((SELECT indexed FROM rebound.sinks WHERE source = 'automation'), true, '... and sees the one created');

CREATE TEMP TABLE crm_before AS
SELECT 'contact' AS t, id::text AS k, email, hard_bounced::text AS v, xmin::text AS x FROM crm.contact
UNION ALL SELECT 'list', rebound.normalize_address(recipient), NULL, NULL, NULL FROM crm.automation_suppression;

-- heal
SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'), NULL, 'sinks') AS inc \gset
SELECT is((SELECT count(*) FROM rebound.unharden(:inc)), 6::bigint, 'six bounces forgiven');
SELECT results_eq(
	$$SELECT source, address, action, processed_at IS NULL FROM rebound.outbox ORDER BY address, source$$,
	$$VALUES ('automation'::text, 'anne@sink.example'::text, 'reinstate'::text, true),
			 ('campaigns', 'anne@sink.example', 'reinstate', true),
			 ('automation', 'carl@sink.example', 'reinstate', true),
			 ('transactional', 'dora@sink.example', 'reinstate', true),
			 ('campaigns', 'ulla@sink.example', 'reinstate', true)$$,
	'one outbox row per flow and address reinstated; bob, still suppressed, has none');
SELECT results_eq(
	$$SELECT email, hard_bounced FROM crm.contact ORDER BY id$$,
	$$VALUES ('Anne@sink.example'::text, false), ('bob@sink.example', true), ('eve@sink.example', false),
			 ('ulla@sink.example', true), ('zoe@elsewhere.example', true), ('anne@sink.example', false)$$,
	'the flag sink reinstated anne (matched whatever the case); bob is still suppressed; the unsubscribed one and another provider''s untouched');
SELECT is((SELECT c.xmin::text FROM crm.contact c WHERE c.email = 'anne@sink.example'),
	(SELECT x FROM crm_before WHERE email = 'anne@sink.example'),
	'a row whose flag was already false is not touched');
SELECT is((SELECT c.xmin::text FROM crm.contact c WHERE c.email = 'eve@sink.example'),
	(SELECT x FROM crm_before WHERE email = 'eve@sink.example'), 'nor a contact the incident did not concern');
SELECT results_eq(
	$$SELECT recipient::text FROM crm.automation_suppression ORDER BY 1$$,
	$$VALUES ('fred@sink.example'::text)$$,
	'the suppression list lost anne and carl, kept fred');
SELECT results_eq(
	$$SELECT source, target_name, action, addresses, changed FROM rebound.sink_log ORDER BY id$$,
	$$VALUES ('campaigns'::text, 'crm.mailable_contact'::text, 'reinstate'::text, 2::bigint, 1::bigint),
			 ('automation', 'crm.automation_suppression', 'reinstate', 2, 2)$$,
	'the sink log says what each sink changed');

-- again: nothing twice
SELECT is((SELECT count(*) FROM rebound.unharden(:inc)), 0::bigint, 'healing again forgives nothing');
SELECT is((SELECT count(*) FROM rebound.outbox), 5::bigint, '... writes no outbox row');
SELECT is((SELECT count(*) FROM rebound.sink_log), 2::bigint, '... and applies no sink');

-- the consumer's pattern
WITH batch AS (
	SELECT o.id FROM rebound.outbox o WHERE o.processed_at IS NULL AND o.source = 'transactional'
	ORDER BY o.id LIMIT 100 FOR UPDATE SKIP LOCKED
)
UPDATE rebound.outbox o SET processed_at = now() FROM batch WHERE o.id = batch.id;
SELECT is((SELECT count(*) FROM rebound.outbox WHERE processed_at IS NOT NULL), 1::bigint,
	'a consumer marks what it processed');

-- the report and the chart of this declared incident
SELECT rebound.incident_report(:inc) AS report \gset
SELECT matches(:'report'::text, '^# Incident [0-9]+: OVHcloud', 'the report names the provider');
SELECT matches(:'report'::text, '\| window \| 2017-11-09 07:00 CET – 2017-11-09 10:55 CET \(3 h 55 min\), time zone Europe/Paris \|',
	'its window, in the session''s time zone');
SELECT matches(:'report'::text, '\| found \| declared by [a-z_]+ at ', 'how it was found');
SELECT matches(:'report'::text, E'\\| campaigns \\| 3 \\| 3 \\| 2 \\| 1 \\| hard bounce \\(user_unknown\\) in transactional ×1 \\| crm.mailable_contact: reinstate 1 of 2 rows',
	'per flow: forgiven, reinstated, still suppressed and why, the sink applied');
SELECT matches(:'report'::text, E'\\| transactional \\| 1 \\| 1 \\| 1 \\| 0 \\|  \\| no sink: outbox only \\(1 outbox rows, 1 processed\\)',
	'a flow without a sink: the outbox');
SELECT matches(:'report'::text, E'\\| sink.example \\| mx \\| 6 \\| 5 \\|', 'the top domains');
SELECT rebound.incident_chart(:inc) AS chart \gset
SELECT matches(:'chart'::text, '^<svg xmlns="http://www.w3.org/2000/svg"', 'the chart is an SVG');
SELECT matches(:'chart'::text, '<rect id="window" x="304.0" y="44" width="235.0" height="240"',
	'the window is shaded over its hours: 07:00-10:55 on an axis of 03:00-15:00');
SELECT matches(:'chart'::text, '>time \(Europe/Paris\)</text>', 'the time axis says its zone');
SELECT is(rebound.incident_chart(:inc), :'chart'::text, 'the same ledger draws the same bytes');

-- reharden: the CRM is back
SELECT is((SELECT count(*) FROM rebound.reharden(:inc)), 6::bigint, 'rehardened');
SELECT results_eq(
	$$SELECT source, address FROM rebound.outbox WHERE action = 'reharden' ORDER BY address, source$$,
	$$SELECT source, address FROM rebound.outbox WHERE action = 'reinstate' ORDER BY address, source$$,
	'rehardening writes the reverse of each reinstatement');
SELECT results_eq(
	$$SELECT 'contact', id::text, email, hard_bounced::text FROM crm.contact WHERE email <> 'anne@sink.example'
	  UNION ALL SELECT 'list', rebound.normalize_address(recipient), NULL, NULL FROM crm.automation_suppression
	  ORDER BY 1, 2$$,
	$$SELECT t, k, email, v FROM crm_before WHERE email IS DISTINCT FROM 'anne@sink.example' ORDER BY 1, 2$$,
	'the CRM is back exactly (the list holds the same addresses)');
SELECT is((SELECT hard_bounced FROM crm.contact WHERE email = 'anne@sink.example'), true,
	'a duplicate contact of a rehardened address is flagged with it (a reharden flags the address''s rows)');

-- a sink whose table was dropped: the next heal names it and fails whole
SELECT rebound.add_sink('transactional', 'crm.automation_suppression', 'recipient') AS s3 \gset
DROP TABLE crm.automation_suppression;
SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'), '{mx}', 'after the drop') AS inc2 \gset
SELECT throws_ok(format('SELECT count(*) FROM rebound.unharden(%s)', :inc2),
	'42P01', 'table "crm.automation_suppression" of the sink of flow "automation" does not exist',
	'a sink whose table was dropped is named at the next heal');
SELECT is((SELECT count(*) FROM rebound.bounce WHERE forgiven_by = :inc2), 0::bigint, '... which forgave nothing');
SELECT is((SELECT count(*) FROM rebound.outbox WHERE incident = :inc2), 0::bigint, '... and wrote nothing to the outbox');
SELECT is(rebound.drop_sink(id), 1, 'a dropped table''s sink is dropped by id')
FROM rebound.sinks WHERE NOT target_exists AND source = 'automation';
SELECT rebound.drop_sink(:s3) AS dropped \gset

-- a healer who may not update the sink's table: refused, nothing applied
CREATE ROLE rb_sink_healer;
GRANT USAGE ON SCHEMA rebound, crm TO rb_sink_healer;
GRANT EXECUTE ON FUNCTION rebound.unharden(bigint, boolean) TO rb_sink_healer;
GRANT SELECT ON crm.contact, crm.mailable_contact TO rb_sink_healer;
SET LOCAL ROLE rb_sink_healer;
SELECT throws_ok(format('SELECT count(*) FROM rebound.unharden(%s)', :inc2),
	'42501', 'role "rb_sink_healer" may not apply the sink of flow "campaigns" on "crm.mailable_contact"',
	'a sink on a table the healing role may not update is refused');
RESET ROLE;
SELECT is((SELECT count(*) FROM rebound.bounce WHERE forgiven_by = :inc2), 0::bigint, '... nothing forgiven');
SELECT results_eq($$SELECT bool_or(NOT hard_bounced) FROM crm.contact WHERE email <> 'anne@sink.example' AND email <> 'eve@sink.example'$$,
	$$VALUES (false)$$, '... nothing applied');
-- with the grant, the same role heals
GRANT UPDATE (hard_bounced) ON crm.mailable_contact TO rb_sink_healer;
SET LOCAL ROLE rb_sink_healer;
SELECT is((SELECT count(*) FROM rebound.unharden(:inc2)), 6::bigint, 'granted UPDATE of the flag, the role heals');
RESET ROLE;
SELECT is((SELECT actor FROM rebound.sink_log WHERE incident = :inc2), 'rb_sink_healer', 'the sink log names the healer');
-- and a role may not declare a sink on a table it could not change itself
GRANT EXECUTE ON FUNCTION rebound.add_sink(text, regclass, name, name) TO rb_sink_healer;
SET LOCAL ROLE rb_sink_healer;
SELECT throws_ok($$SELECT rebound.add_sink('dmp', 'crm.contact', 'email', 'hard_bounced')$$, '42501', NULL,
	'add_sink refuses a table the declaring role may not change');
RESET ROLE;

-- The outbox asks which of the addresses it reinstates are still
-- suppressed in one statement (rebound_internal.suppressed_among); it must
-- say of each what is_suppressed says: hard bounces old, forgiven or not
-- yet occurred, soft-bounce runs short, long enough, or out of the window,
-- with the soft-bounce policy at its default and changed
SELECT count(rebound.record_bounce(v.a, now() + v.at, v.d, 'campaigns', v.sev::rebound.severity)) AS among
FROM (VALUES ('sa-hard@sa.example', interval '-100 days', '550 5.1.1 user unknown', 'hard'),
			 ('sa-later@sa.example', interval '1 day', '550 5.1.1 user unknown', 'hard'),
			 ('sa-soft2@sa.example', interval '-3 days', '452 4.2.2 mailbox full', 'soft'),
			 ('sa-soft2@sa.example', interval '-2 days', '452 4.2.2 mailbox full', 'soft'),
			 ('sa-soft2@sa.example', interval '-1 days', '452 4.2.2 mailbox full', 'soft'),
			 ('sa-soft3@sa.example', interval '-40 days', '452 4.2.2 mailbox full', 'soft')) v (a, at, d, sev),
	 generate_series(1, CASE WHEN v.a = 'sa-soft3@sa.example' THEN 6 ELSE 1 END) g \gset
SELECT count(rebound.record_bounce('sa-soft5@sa.example', now() - make_interval(days => g), '452 4.2.2 mailbox full',
									'automation', 'soft')) AS among5
FROM generate_series(1, 5) g \gset
CREATE TEMP VIEW among AS
SELECT set_eq(
	$$SELECT address FROM rebound_internal.suppressed_among(
		  (SELECT array_agg(domain ORDER BY address) FROM (SELECT DISTINCT domain, address FROM rebound.bounce) x),
		  (SELECT array_agg(address ORDER BY address) FROM (SELECT DISTINCT domain, address FROM rebound.bounce) x))$$,
	$$SELECT DISTINCT address FROM rebound.bounce WHERE rebound.is_suppressed(address)$$,
	'suppressed_among says of every address of the ledger what is_suppressed says, with rebound.soft_bounce_limit = '
	|| COALESCE(current_setting('rebound.soft_bounce_limit', true), 'default')) AS t;
SELECT t FROM among;
SET LOCAL rebound.soft_bounce_limit = 3;
SELECT t FROM among;
SET LOCAL rebound.soft_bounce_limit = 0;
SELECT t FROM among;

SELECT * FROM finish();
ROLLBACK;
