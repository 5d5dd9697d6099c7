-- search_path: no function of rebound can be made to run someone else's
-- code.  A schema "decoy" first on the path (as public is for a role that
-- may create objects there) gets a function or operator, raising an
-- error, for every signature of every pg_catalog function and operator
-- whose name rebound's code uses (and for the cross-type operators that
-- pg_catalog lacks, the ones an attacker would add); then every entry
-- point runs as a superuser with that path.  A decoy that runs fails the
-- test.  heal commits, so this file does too, and drops the decoys and
-- its data at the end.
\set QUIET 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
DROP SCHEMA IF EXISTS decoy CASCADE;
CREATE SCHEMA decoy;

-- the names rebound's code uses: every identifier of its functions'
-- bodies and of its views that names a pg_catalog function
CREATE TEMP TABLE used_name AS
SELECT DISTINCT lower(w[1]) AS name
FROM (SELECT p.prosrc AS src FROM pg_proc p
	  WHERE p.pronamespace IN ('rebound'::regnamespace, 'rebound_internal'::regnamespace) AND p.prolang <> 13
	  UNION ALL
	  SELECT pg_get_viewdef(c.oid) FROM pg_class c
	  WHERE c.relnamespace = 'rebound'::regnamespace AND c.relkind = 'v') s,
	 regexp_matches(s.src, '([a-zA-Z_][a-zA-Z_0-9]*)\s*\(', 'g') AS w;

DO $decoys$
DECLARE
	f record;
	op text;
	n int := 0;
	t1 text;
	t2 text;
	ops text[] := '{=,<>,<,>,<=,>=,+,-,*,/,%,||,~,~*,~~,~~*,!~,@>,<@,&&,^,->>,->}';
	types text[] := '{int2,int4,int8,float4,float8,numeric,text,"character varying",boolean,'
					'"timestamp with time zone",interval,inet,tstzrange,"text[]","bigint[]",'
					'rebound.smtp_status,rebound.reason,rebound.severity}';
BEGIN
	-- same-signature decoys of the functions rebound names
	FOR f IN
		SELECT p.oid, p.proname, pg_get_function_identity_arguments(p.oid) AS args,
			   pg_get_function_result(p.oid) AS res
		FROM pg_proc p JOIN used_name u ON u.name = p.proname
		WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
		  AND NOT p.proretset AND p.pronargs > 0
		  AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[]) a
						  JOIN pg_type t ON t.oid = a WHERE t.typtype = 'p')
		  AND (SELECT typtype FROM pg_type WHERE oid = p.prorettype) <> 'p'
		  AND p.proname NOT IN ('raise', 'format', 'concat', 'concat_ws')
	LOOP
		EXECUTE format('CREATE FUNCTION decoy.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
			f.proname, f.args, f.res,
			format('BEGIN RAISE EXCEPTION USING MESSAGE = %L; END',
				   format('decoy %s(%s) ran', f.proname, f.args)));
		n := n + 1;
	END LOOP;
	-- decoys of the functions taking a range or an array, on rebound's types
	FOR f IN
		SELECT DISTINCT p.proname, t.name AS argtype, r.name AS restype
		FROM pg_proc p JOIN used_name u ON u.name = p.proname,
			 LATERAL (VALUES ('tstzrange'), ('text[]'), ('bigint[]')) AS t (name),
			 LATERAL (SELECT CASE WHEN p.prorettype = 'anyelement'::regtype
								  THEN CASE t.name WHEN 'tstzrange' THEN 'timestamptz'
												   WHEN 'text[]' THEN 'text' ELSE 'bigint' END
								  ELSE p.prorettype::regtype::text END AS name) AS r
		WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
		  AND NOT p.proretset AND p.pronargs = 1
		  AND p.proargtypes[0] IN ('anyrange'::regtype, 'anyarray'::regtype,
								   'anycompatiblearray'::regtype)
		  AND (t.name = 'tstzrange') = (p.proargtypes[0] = 'anyrange'::regtype)
		  AND (SELECT typtype FROM pg_type WHERE oid = p.prorettype) <> 'p'
			  OR p.prorettype = 'anyelement'::regtype
	LOOP
		BEGIN
			EXECUTE format('CREATE FUNCTION decoy.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
				f.proname, f.argtype, f.restype,
				format('BEGIN RAISE EXCEPTION USING MESSAGE = %L; END',
					   format('decoy %s(%s) ran', f.proname, f.argtype)));
			n := n + 1;
		EXCEPTION WHEN duplicate_function OR wrong_object_type OR datatype_mismatch THEN NULL;
		END;
	END LOOP;
	-- operators: every pair of common types, same signature as pg_catalog's
	-- or not (86400 / w with an int4 and a float8 has no exact operator)
	FOREACH op IN ARRAY ops LOOP
		FOREACH t1 IN ARRAY types LOOP
			FOREACH t2 IN ARRAY types LOOP
				n := n + 1;
				EXECUTE format('CREATE FUNCTION decoy.op%s(%s, %s) RETURNS boolean LANGUAGE plpgsql AS %L',
					n, t1, t2, format('BEGIN RAISE EXCEPTION USING MESSAGE = ''decoy operator %s(%s, %s) ran''; END', op, t1, t2));
				EXECUTE format('CREATE OPERATOR decoy.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = decoy.op%s)',
					op, t1, t2, n);
			END LOOP;
		END LOOP;
	END LOOP;
END
$decoys$;

-- Runs a statement with the decoys first on the path; returns 'ran' or
-- the error it raised.
CREATE FUNCTION pg_temp.with_decoys(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	old text := pg_catalog.current_setting('search_path');
	r text := 'ran';
BEGIN
	PERFORM pg_catalog.set_config('search_path', 'decoy, pg_catalog, public', true);
	BEGIN
		EXECUTE q;
	EXCEPTION WHEN OTHERS THEN
		r := SQLERRM;
	END;
	PERFORM pg_catalog.set_config('search_path', old, true);
	RETURN r;
END
$$;

\ir ../detect/scenario.sql
SELECT plan(54);
SELECT ok((SELECT count(*) > 3000 FROM pg_operator WHERE oprnamespace = 'decoy'::regnamespace)
		  AND (SELECT count(*) > 50 FROM pg_proc p JOIN used_name u ON u.name = p.proname
			   WHERE p.pronamespace = 'decoy'::regnamespace),
	'decoys for the operators and the functions rebound uses');
SELECT is(pg_temp.with_decoys($$SELECT 86400 / 900::float8$$), 'decoy operator /(int4, float8) ran',
	'a decoy runs where the code leaves a name to the path');

SELECT date_trunc('day', now()) - interval '1 day' AS outage_day \gset
SELECT scenario.generate(300, 30000, 1500, :'outage_day'::timestamptz - interval '14 days') AS generated \gset
SELECT scenario.load() > 25000 AS loaded \gset
SELECT rebound.observe_domain('decoy.example', 'mx', '{mx1.mail.ovh.net}', now() OPERATOR(pg_catalog.-) interval '30 days') AS observed \gset

CREATE TABLE crm_bounce (email text, at timestamptz, smtp text, why text, how text);
-- the flows' own suppression, where healing applies the sinks
CREATE TABLE crm_suppressed (email text, suppressed boolean);
CREATE TABLE crm_list (email text);
CREATE TRIGGER classify BEFORE INSERT ON crm_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('smtp', 'why', 'how');
CREATE TRIGGER capture AFTER INSERT ON crm_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('crm', 'email', 'at', 'smtp');
CREATE TABLE crm_bulk (email text, at timestamptz, smtp text, class text DEFAULT 'Hard');
CREATE TRIGGER capture AFTER INSERT ON crm_bulk REFERENCING NEW TABLE AS inserted
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('crm', 'email', 'at', 'smtp', 'class');
CREATE TABLE webhook_row (body jsonb);
CREATE TRIGGER capture AFTER INSERT ON webhook_row
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_event('hooks', 'body');
CREATE TABLE webhook_bulk (body text);
CREATE TRIGGER capture AFTER INSERT ON webhook_bulk REFERENCING NEW TABLE AS inserted
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_event('hooks', 'body');

SELECT is(pg_temp.with_decoys(q), 'ran', q)
FROM (VALUES
	-- issue 13: the detection summary filled, so that what follows marks it
	($$SELECT rebound.detect_rebuild(now() OPERATOR(pg_catalog.-) interval '40 days')$$),
	($$INSERT INTO crm_bounce (email, at, smtp) VALUES ('crm@decoy.example', now(), '550 5.1.1 User unknown')$$),
	($$INSERT INTO crm_bulk (email, at, smtp) VALUES ('bulk@decoy.example', now(), '550 5.1.1 User unknown')$$),
	($$INSERT INTO webhook_row VALUES ('{"RecordType":"Bounce","Type":"HardBounce","Email":"row@decoy.example","BouncedAt":"2017-11-09T07:30:00Z","Details":"smtp;550 5.1.1 unknown"}')$$),
	($$INSERT INTO webhook_bulk VALUES ('[{"event":"bounce","sg_event_id":"a","email":"bulk@decoy.example","timestamp":1510212606,"reason":"550 5.1.1 unknown"}]')$$),
	($$SELECT count(*) FROM rebound.record_event('{"Type":"Notification","TopicArn":"arn","Message":"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":\"sns@decoy.example\"}],\"timestamp\":\"2017-11-09T07:30:00Z\"},\"mail\":{}}"}', 'decoys')$$),
	($$SELECT count(*) FROM rebound.parse_event('{"event-data":{"event":"failed","severity":"permanent","recipient":"mg@decoy.example","timestamp":1510212606.5,"delivery-status":{"code":550,"message":"5.1.1 unknown"}}}')$$),
	($$SELECT rebound.classify('550 5.1.1 <a@b.example>: Recipient address rejected: User unknown')$$),
	($$SELECT count(*) FROM rebound.phrases()$$),
	($$SELECT * FROM rebound.parse_dsn(E'From: MAILER-DAEMON\\nSubject: Undelivered Mail Returned to Sender\\nContent-Type: text/plain\\n\\n<a@b.example>: host mx1.mail.ovh.net[1.2.3.4] said: 550 5.1.1 User unknown\\n')$$),
	($$SELECT '5.1.1'::rebound.smtp_status OPERATOR(rebound.<) '5.7.26'::rebound.smtp_status, rebound.status_class('4.4.7')$$),
	($$SELECT rebound.normalize_domain('Exämple.FR'), rebound.normalize_address('Jean@Exämple.FR'), rebound.address_domain('a@b.example')$$),
	($$SELECT rebound.host_provider('mx1.mail.ovh.net'), rebound.ip_provider('188.165.1.1'), rebound.domain_provider('gmail.com')$$),
	($$SELECT rebound.observe_domain('decoy2.example', 'mx', '{10 mx1.mail.ovh.net, 20 mx2.mail.ovh.net}', now())$$),
	($$SELECT rebound.observe_domain('decoy2.example', 'mx', '{aspmx.l.google.com}', now() OPERATOR(pg_catalog.-) interval '1 day')$$),
	($$SELECT rebound.observe_host('mx1.mail.ovh.net', '{188.165.1.1}', now())$$),
	($$SELECT * FROM rebound.domain_providers('decoy.example', now())$$),
	($$SELECT count(*) FROM rebound.provider_domains('ovh', pg_catalog.tstzrange(now() OPERATOR(pg_catalog.-) interval '3 days', now()))$$),
	($$SELECT rebound.record_bounce('x@decoy.example', now(), '421 4.4.2 mx1.mail.ovh.net: Connection timed out', 'decoys')$$),
	($$SELECT rebound.is_suppressed('x@decoy.example'), rebound.is_suppressed('x@decoy.example', now())$$),
	($$SELECT * FROM rebound.soft_bounce_run('x@decoy.example')$$),
	($$SELECT count(*) FROM rebound.suppressed$$),
	($$SELECT count(*) FROM rebound.flow$$),
	($$SELECT count(*) FROM rebound.incident_bounces('ovh', pg_catalog.tstzrange(now() OPERATOR(pg_catalog.-) interval '3 days', now()))$$),
	($$SELECT count(*) FROM rebound.unharden('ovh', pg_catalog.tstzrange(now() OPERATOR(pg_catalog.-) interval '3 days', now()), true)$$),
	($$SELECT count(*) FROM rebound.detect_incidents(now() OPERATOR(pg_catalog.-) interval '3 days', now())$$),
	($$SELECT count(*) FROM rebound.detect_buckets(now() OPERATOR(pg_catalog.-) interval '3 days', now())$$),
	($$SELECT rebound.failure_kind('connect to mx1.mail.ovh.net[1.2.3.4]:25: Connection timed out')$$),
	($$SELECT * FROM rebound.detect_settings()$$),
	($$SELECT rebound.add_sink('decoys', 'crm_suppressed', 'email', 'suppressed'), rebound.add_sink('decoys', 'crm_list', 'email')$$),
	($$SELECT count(*) FROM rebound.sinks$$),
	-- the statements of a refresh, over an empty batch (no DNS server here)
	($$SELECT count(*) FROM rebound.refresh_domains(0)$$),
	-- issue 18: an expired bounce in the tail of the incident below
	($$SELECT rebound.record_bounce('tail@decoy2.example', now() OPERATOR(pg_catalog.-) interval '36 hours', 'connect to mx1.mail.ovh.net[188.165.1.1]:25: Connection timed out; message expired', 'decoys', 'hard')$$),
	($$SELECT * FROM rebound.expiry('Message expired: unable to deliver in 150 minutes. <421 4.4.0 Unable to connect to mx1.mail.ovh.net 188.165.1.1>')$$),
	($$SELECT count(*) FROM rebound.tail_bounces('ovh', pg_catalog.tstzrange(now() OPERATOR(pg_catalog.-) interval '3 days', now() OPERATOR(pg_catalog.-) interval '2 days'))$$),
	($$SELECT count(*) FROM rebound.unharden(rebound.declare_incident('ovh', pg_catalog.tstzrange(now() OPERATOR(pg_catalog.-) interval '3 days', now() OPERATOR(pg_catalog.-) interval '2 days'), '{mx,ns}', 'decoys'))$$),
	($$SELECT rebound.set_tail_horizon((SELECT max(id) FROM rebound.incident), interval '1 day')$$),
	($$SELECT pg_catalog.length(rebound.incident_report((SELECT max(id) FROM rebound.incident)))$$),
	($$SELECT pg_catalog.length(rebound.incident_chart((SELECT max(id) FROM rebound.incident)))$$),
	($$SELECT count(*) FROM rebound.reharden((SELECT max(id) FROM rebound.incident))$$),
	($$SELECT rebound.drop_sink('decoys', 'crm_list'), rebound.drop_sink((SELECT max(id) FROM rebound.sink))$$),
	($$INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('ovh', 'cidr', '192.0.2.0/24'), ('ovh', 'host_suffix', 'Decoy.Example')$$),
	($$DELETE FROM rebound.provider_rule WHERE kind OPERATOR(pg_catalog.=) 'cidr' AND pattern OPERATOR(pg_catalog.=) '192.0.2.0/24'$$),
	($$INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES ('decoy (filter|wall)', true, 'filtered')$$),
	($$INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('ovh', 'asn', 'as64500'), ('mimecast', 'gateway', 'decoy-gateway.example')$$),
	($$SELECT rebound.load_prefixes(E'192.0.2.0\t24\t64500\n198.51.100.0\t24\t64500_64501\n', 'pfx2as', '2026-12-01')$$),
	($$SELECT rebound.load_prefixes(E'network,autonomous_system_number,autonomous_system_organization\n192.0.2.0/24,64500,"Decoy, Inc."\n', 'geolite2')$$),
	($$SELECT rebound.load_prefixes(E'# decoys\n192.0.2.0/24 AS64500\n', 'plain')$$),
	($$SELECT rebound.ip_provider('192.0.2.1'), rebound.host_layer('mx.decoy-gateway.example', 'mx')$$),
	($$DELETE FROM rebound.provider_rule WHERE kind OPERATOR(pg_catalog.=) ANY ('{asn,gateway}') AND pattern OPERATOR(pg_catalog.=) ANY ('{AS64500,decoy-gateway.example}')$$)
) AS calls (q);

-- heal commits, so it runs at the top level, with the decoys on the path
-- (and applies sinks of the scenario's flows)
INSERT INTO crm_suppressed SELECT DISTINCT address, true FROM rebound.bounce WHERE source = 'campaign' AND hard;
INSERT INTO crm_list SELECT DISTINCT address FROM rebound.bounce WHERE source = 'automation' AND hard;
SELECT rebound.add_sink('campaign', 'crm_suppressed', 'email', 'suppressed') AS s1 \gset
SELECT rebound.add_sink('automation', 'crm_list', 'email') AS s2 \gset
SET search_path = decoy, pg_catalog, public;
CALL rebound.heal('3 days');
RESET search_path;
SELECT ok((SELECT count(*) >= 1 FROM rebound.incident WHERE origin = 'detected'),
	'rebound.heal detected, declared and healed the outage with the decoys on the path');
SELECT ok((SELECT count(*) > 0 FROM rebound.sink_log WHERE changed > 0 AND action = 'reinstate'),
	'... and applied the sinks');

SELECT * FROM finish();
