-- Privileges: the ledger, incidents and audit are written only through
-- rebound's SECURITY DEFINER entry points, granted as the README's
-- "Security" section gives them; a role without them is refused, and no
-- role can write a row in someone else's name or with a verdict of its own.
BEGIN;
SELECT plan(59);

-- the entry points, and only they, run as their definer, with a pinned
-- search_path, and PUBLIC may not call them
SELECT set_eq(
	$$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace IN ('rebound'::regnamespace, 'rebound_internal'::regnamespace) AND p.prosecdef$$,
	ARRAY['rebound.record_bounce(text,timestamp with time zone,text,text,rebound.severity)',
		  'rebound.capture_bounce()',
		  'rebound.record_event(jsonb,text)', 'rebound.capture_event()',
		  'rebound.declare_incident(text,tstzrange,text[],text,text)',
		  'rebound.unharden(bigint,boolean)', 'rebound.unharden(text,tstzrange,boolean)',
		  'rebound.reharden(bigint)',
		  'rebound_internal.heal_begin(interval,timestamp with time zone)',
		  'rebound_internal.heal_stretch(timestamp with time zone,timestamp with time zone,boolean)',
		  'rebound_internal.heal_tails(timestamp with time zone,timestamp with time zone,boolean)',
		  'rebound.set_tail_horizon(bigint,interval)',
		  'rebound.add_sink(text,regclass,name,name)', 'rebound.drop_sink(text,regclass)',
		  'rebound.drop_sink(bigint)', 'rebound.load_prefixes(text,text,date)',
		  'rebound.detect_rebuild(timestamp with time zone)'],
	'the SECURITY DEFINER functions are the entry points that write');
SELECT is_empty(
	$$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace IN ('rebound'::regnamespace, 'rebound_internal'::regnamespace) AND p.prosecdef
		AND (p.proconfig IS DISTINCT FROM '{"search_path=pg_catalog, pg_temp"}'
			 OR has_function_privilege('public', p.oid, 'EXECUTE'))$$,
	'each pins its search_path and is not granted to PUBLIC');
SELECT is_empty(
	$$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace IN ('rebound'::regnamespace, 'rebound_internal'::regnamespace)
		AND p.proname IN ('incident_declare', 'heal_bounces', 'heal', 'heal_begin', 'heal_stretch', 'heal_decide', 'heal_record', 'heal_forgive', 'heal_reinstated', 'heal_tails',
						  'sink_apply', 'outbox_write', 'outbox_reinstate', 'outbox_reharden', 'suppressed_among',
						  'sink_check', 'sink_check_table', 'sink_check_column', 'sink_check_privileges',
						  'capture_event_column', 'capture_event_newtable',
						  'detect_counts', 'detect_covered', 'detect_summary_rows', 'detect_claim',
						  'detect_summarise', 'detect_store', 'detect_forget', 'detect_rebuild', 'distribute', 'distribute_check', 'distribute_sequences')
		AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
	'the internal steps, heal and distribute are not granted to PUBLIC either');

CREATE ROLE rb_nobody;
CREATE ROLE rb_reader;
CREATE ROLE rb_writer;
CREATE ROLE rb_healer;

-- the grants, exactly as the README gives them
GRANT USAGE ON SCHEMA rebound TO rb_reader;
GRANT SELECT ON rebound.bounce, rebound.incident, rebound.audit, rebound.heal_log,
	rebound.suppressed TO rb_reader;

GRANT USAGE ON SCHEMA rebound TO rb_writer;
GRANT EXECUTE ON FUNCTION rebound.record_bounce(text, timestamptz, text, text, rebound.severity),
	rebound.capture_bounce(), rebound.record_event(jsonb, text), rebound.capture_event() TO rb_writer;

GRANT USAGE ON SCHEMA rebound TO rb_healer;
GRANT EXECUTE ON FUNCTION rebound.declare_incident(text, tstzrange, text[], text, text),
	rebound.unharden(bigint, boolean), rebound.unharden(text, tstzrange, boolean),
	rebound.reharden(bigint), rebound.set_tail_horizon(bigint, interval),
	rebound_internal.heal_begin(interval, timestamptz),
	rebound_internal.heal_stretch(timestamptz, timestamptz, boolean),
	rebound_internal.heal_tails(timestamptz, timestamptz, boolean) TO rb_healer;
GRANT EXECUTE ON PROCEDURE rebound.heal(interval, boolean) TO rb_healer;
GRANT SELECT ON rebound.bounce, rebound.incident, rebound.audit, rebound.heal_log TO rb_healer;

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
SET LOCAL ROLE rb_writer;
SELECT lives_ok($$SELECT rebound.record_bounce('new@client.example', '2017-11-09 08:00+01', 'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out', 'campaigns', 'hard')$$,
	'a writer records a bounce');
SELECT lives_ok($$INSERT INTO crm_bounce VALUES ('crm@client.example', '2017-11-09 08:10+01', NULL)$$,
	'and its CRM table''s trigger records one');
SELECT throws_ok($$INSERT INTO rebound.bounce (address, domain, occurred_at, severity)
				   VALUES ('innocent@victim.example', 'victim.example', now(), 'hard')$$, '42501', NULL,
	'but cannot write a ledger row of its own making (domain, verdict)');
SELECT throws_ok($$SELECT rebound.is_suppressed('old@client.example')$$, '42501', NULL,
	'a writer does not read the ledger');
RESET ROLE;

-- a rule with a provider condition: the writer classifies with it although
-- it may not read the provider catalogue, which the cache reads as the
-- extension's owner.  Both caches are forgotten first, so that the writer's
-- own call fills them.
INSERT INTO rebound.rule (pattern, provider, reason) VALUES ('zorglub refused', 'ovh', 'on_hold');
DELETE FROM rebound.provider_rule WHERE false;
DELETE FROM rebound.rule WHERE false;
SET LOCAL ROLE rb_writer;
SELECT throws_ok($$SELECT count(*) FROM rebound.provider_rule$$, '42501', NULL,
	'a writer does not read the provider catalogue');
SELECT is((SELECT reason::text FROM rebound.parse_dsn(E'From: MAILER-DAEMON@example.net\nSubject: failure\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n--b\nContent-Type: text/plain\n\nfailed\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; example.net\n\nFinal-Recipient: rfc822; jean@client.example\nAction: failed\nStatus: 5.0.0\nRemote-MTA: dns; mx1.mail.ovh.net\nDiagnostic-Code: smtp; 550 zorglub refused\n\n--b--\n')),
	'on_hold', 'but classifies with a rule that names a provider');
SELECT is(rebound.host_provider('mx1.mail.ovh.net'), 'ovh',
	'and asks the provider catalogue through host_provider()');
RESET ROLE;
DELETE FROM rebound.rule WHERE pattern = 'zorglub refused';
SET LOCAL ROLE rb_writer;
SELECT throws_ok($$SELECT * FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'))$$,
	'42501', NULL, 'nor heal');
RESET ROLE;
-- the CRM table's owner wired the trigger: whoever may write that table
-- records its bounces through it
SET LOCAL ROLE rb_reader;
SELECT lives_ok($$INSERT INTO crm_bounce VALUES ('crm2@client.example', '2017-11-09 08:20+01', NULL)$$,
	'a role that may write the CRM table records through its trigger');
RESET ROLE;
SELECT is((SELECT string_agg(address || ':' || domain, ' ' ORDER BY address) FROM rebound.bounce),
	'crm2@client.example:client.example crm@client.example:client.example new@client.example:client.example old@client.example:client.example',
	'the ledger holds the four bounces, with the domains rebound computed');

-- healing
SET LOCAL ROLE rb_healer;
SELECT is((SELECT count(*) FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'), true)),
	2::bigint, 'a healer runs a dry run');
SELECT is((SELECT count(*) FROM rebound.unharden('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'))),
	2::bigint, 'declares and heals');
SELECT is((SELECT declared_by || ' ' || origin FROM rebound.incident ORDER BY id DESC LIMIT 1),
	'rb_healer manual', 'the incident names who declared it');
SELECT is((SELECT string_agg(DISTINCT actor, ',') FROM rebound.audit), 'rb_healer',
	'the audit names who forgave, not the definer');
SELECT is((SELECT count(*) FROM rebound.reharden((SELECT max(id) FROM rebound.incident))),
	2::bigint, 'and undoes');
SELECT is((SELECT withdrawn_by FROM rebound.incident ORDER BY id DESC LIMIT 1), 'rb_healer',
	'the withdrawal names who undid it');
SELECT throws_ok($$SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'),
					   NULL, 'forged', 'detected')$$, '42501', NULL,
	'a healer cannot declare an incident as if rebound had detected it');
SELECT throws_ok($$UPDATE rebound.bounce SET forgiven_by = (SELECT max(id) FROM rebound.incident)$$, '42501', NULL,
	'nor forgive a bounce without the audit');
SELECT throws_ok($$INSERT INTO rebound.audit (incident, bounce_id, domain, address, action, actor)
				   SELECT max(id), 1, 'client.example', 'x@client.example', 'forgive', 'someone_else' FROM rebound.incident$$,
	'42501', NULL, 'nor write audit rows in someone else''s name');
SELECT throws_ok($$INSERT INTO rebound.incident (provider, during, origin, declared_by)
				   VALUES ('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'), 'detected', 'rebound')$$,
	'42501', NULL, 'nor incidents');
SELECT throws_ok($$SELECT rebound_internal.incident_declare('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'), NULL, NULL, 'detected')$$,
	'42501', NULL, 'nor call the internal step that writes them');
SELECT throws_ok($$SELECT rebound.record_bounce('x@client.example', now(), NULL)$$, '42501', NULL,
	'a healer does not record bounces');
RESET ROLE;

-- reports: with the README's grants, a reader draws and reports the
-- incident (their sections and the chart run as the reader)
GRANT SELECT ON rebound.bounce, rebound.incident, rebound.audit, rebound.heal_log,
	rebound.outbox, rebound.sink, rebound.sink_log, rebound.provider, rebound.domain_host, rebound.host_address TO rb_reader;
SET LOCAL ROLE rb_reader;
SELECT matches(rebound.incident_report((SELECT max(id) FROM rebound.incident)),
	'^# Incident [0-9]+: .*\| campaigns \| 2 \|', 'a reader reports an incident, its flows included');
SELECT matches(rebound.incident_chart((SELECT max(id) FROM rebound.incident)),
	'^<svg .*<rect class="forgiven"', 'and draws it');
SELECT throws_ok($$SELECT rebound_internal.sink_check('rebound.bounce', 'bounce', 'campaigns', 'address', NULL, 'rb_reader')$$,
	'42501', NULL, 'but does not call the sink checks, internal steps');
RESET ROLE;

-- webhook payloads: the same model (issue 11)
CREATE TABLE webhook (body jsonb);
CREATE TRIGGER capture AFTER INSERT ON webhook REFERENCING NEW TABLE AS inserted
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_event('hooks', 'body');
GRANT INSERT ON webhook TO rb_writer, rb_reader;
SET LOCAL ROLE rb_nobody;
SELECT throws_ok($$SELECT rebound.record_event('{"event":"bounce","sg_event_id":"a","email":"x@client.example","timestamp":1510212606}')$$,
	'42501', NULL, 'a role without grants cannot record an event');
RESET ROLE;
SET LOCAL ROLE rb_reader;
SELECT lives_ok($$SELECT count(*) FROM rebound.parse_event('{"event":"bounce","sg_event_id":"a","email":"x@client.example","timestamp":1510212606}')$$,
	'a reader reads one: parse_event writes nothing, PUBLIC may call it');
RESET ROLE;
SET LOCAL ROLE rb_writer;
SELECT lives_ok($$SELECT rebound.record_event('{"event":"bounce","sg_event_id":"a","email":"event@client.example","timestamp":1510212606,"reason":"550 5.1.1 unknown"}', 'hooks')$$,
	'a writer records an event');
SELECT lives_ok($$INSERT INTO webhook VALUES ('{"RecordType":"Bounce","Type":"HardBounce","Email":"hook@client.example","BouncedAt":"2017-11-09T07:30:00Z"}')$$,
	'and its webhook table''s trigger records one');
RESET ROLE;
SET LOCAL ROLE rb_reader;
SELECT lives_ok($$INSERT INTO webhook VALUES ('{"RecordType":"Bounce","Type":"HardBounce","Email":"hook2@client.example","BouncedAt":"2017-11-09T07:30:00Z"}')$$,
	'a role that may write the webhook table records through its trigger');
RESET ROLE;
SELECT is((SELECT string_agg(address || ':' || domain || ':' || reason, ' ' ORDER BY address)
		   FROM rebound.bounce WHERE source = 'hooks'),
	'event@client.example:client.example:user_unknown hook2@client.example:client.example:undefined hook@client.example:client.example:undefined',
	'the events are in the ledger, with the domains and verdicts rebound computed');

-- loading AS prefixes (issue 17): the README's grant for it, and only it;
-- nobody else, not even a healer, replaces the routing data every backend
-- matches addresses with
CREATE ROLE rb_catalogue;
GRANT USAGE ON SCHEMA rebound TO rb_catalogue;
GRANT EXECUTE ON FUNCTION rebound.load_prefixes(text, text, date) TO rb_catalogue;
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('ovh', 'asn', 'AS64500');
SET LOCAL ROLE rb_healer;
SELECT throws_ok($$SELECT rebound.load_prefixes('192.0.2.0/24 64500', 'plain')$$, '42501', NULL,
	'a healer cannot load prefixes');
RESET ROLE;
SET LOCAL ROLE rb_nobody;
SELECT throws_ok($$SELECT rebound.load_prefixes('192.0.2.0/24 64500', 'plain')$$, '42501', NULL,
	'nor can a role without grants');
RESET ROLE;
SET LOCAL ROLE rb_catalogue;
SELECT is(rebound.load_prefixes('192.0.2.0/24 64500', 'plain', '2026-12-01'), 1::bigint,
	'the catalogue role loads prefixes through load_prefixes');
SELECT throws_ok($$DELETE FROM rebound.as_prefix$$, '42501', NULL,
	'but cannot write the prefix table itself');
SELECT throws_ok($$INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('ovh', 'asn', 'AS64501')$$,
	'42501', NULL, 'nor give an AS to a provider: the rules are the owner''s');
RESET ROLE;
SELECT is((SELECT loaded_by || ' ' || format || ' ' || as_of FROM rebound.as_prefix_load),
	'rb_catalogue plain 2026-12-01', 'the load names who loaded it, not the definer');
SET LOCAL ROLE rb_writer;
SELECT is(rebound.ip_provider('192.0.2.7'), 'ovh',
	'any role that may call ip_provider() matches through the loaded prefixes');
SELECT throws_ok($$SELECT count(*) FROM rebound.as_prefix$$, '42501', NULL,
	'without a grant on the prefix table');
RESET ROLE;
SELECT is_empty($$SELECT 1 FROM information_schema.role_routine_grants g
	WHERE g.routine_schema = 'rebound' AND g.routine_name = 'load_prefixes'
	  AND g.grantee NOT IN ('rb_catalogue', current_user)$$,
	'load_prefixes is granted to no one else');

-- the detection summary (issue 13): derived data, written only by
-- rebound's functions; a late bounce recorded by a writer marks it (as the
-- owner), and detection reads it for any role that may read the ledger
SELECT lives_ok($$SELECT rebound.detect_rebuild('2017-11-01')$$, 'the owner rebuilds the summary');
SET LOCAL ROLE rb_writer;
SELECT lives_ok($$SELECT rebound.record_bounce('late@client.example', '2017-11-09 07:40+01', NULL, 'campaigns', 'hard')$$,
	'a writer records a late bounce into a summarised bucket');
SELECT throws_ok($$INSERT INTO rebound.detect_dirty (during) VALUES ('[2017-01-01,2017-01-02]')$$, '42501', NULL,
	'but cannot write the summary''s marks itself');
SELECT throws_ok($$SELECT rebound.detect_rebuild()$$, '42501', NULL, 'nor rebuild the summary');
RESET ROLE;
SELECT is((SELECT count(*) FROM rebound.detect_dirty WHERE during @> '2017-11-09 07:40+01'::timestamptz), 1::bigint,
	'the late bounce marked its bucket, once');
SET LOCAL ROLE rb_healer;
SELECT throws_ok($$DELETE FROM rebound.detect_count$$, '42501', NULL, 'a healer cannot write the summary');
RESET ROLE;
SET LOCAL ROLE rb_reader;
SELECT lives_ok($$SELECT * FROM rebound.detect_buckets('2017-11-09', '2017-11-10')$$,
	'a role that may read the ledger and the map detects, through the summary');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
