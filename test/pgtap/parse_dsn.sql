-- rebound.parse_dsn: its contract (DESIGN.md) and the rows it gives.
BEGIN;
SELECT plan(11);

SELECT has_function('rebound', 'parse_dsn', ARRAY['text'], 'parse_dsn(text) exists');
SELECT has_function('rebound', 'parse_dsn', ARRAY['bytea'], 'parse_dsn(bytea) exists');

-- the columns of DESIGN.md, exactly, over text and bytea
SELECT is(pg_catalog.pg_get_function_result(p.oid),
	'TABLE(recipient text, action text, status rebound.smtp_status, reply_code integer, diagnostic text, remote_mta text, reason rebound.reason, severity rebound.severity, infrastructure boolean, message_id text, original_headers jsonb)',
	'parse_dsn(' || pg_catalog.format_type(p.proargtypes[0], NULL) || ') returns the columns of the contract')
FROM pg_catalog.pg_proc p
WHERE p.proname = 'parse_dsn' AND p.pronamespace = 'rebound'::regnamespace
ORDER BY p.proargtypes[0];

-- STABLE (user rules), STRICT, PARALLEL SAFE, commented
SELECT results_eq(
	$$SELECT p.provolatile::text, p.proisstrict, p.proparallel::text,
		pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL
	  FROM pg_catalog.pg_proc p
	  WHERE p.proname = 'parse_dsn' AND p.pronamespace = 'rebound'::regnamespace
	  ORDER BY p.proargtypes[0]$$,
	$$VALUES ('s', true, 's', true), ('s', true, 's', true)$$,
	'parse_dsn is STABLE STRICT PARALLEL SAFE and commented');

-- delivered, relayed and expanded recipients are no rows; delayed ones are
CREATE TEMP TABLE report AS SELECT $m$From: MAILER-DAEMON@mx.example.net
Subject: Delivery Status Notification
Content-Type: multipart/report; report-type=delivery-status; boundary=z

--z
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; a@example.com
Action: delivered
Status: 2.0.0

Final-Recipient: rfc822; b@example.com
Action: relayed
Status: 2.0.0

Final-Recipient: rfc822; c@example.com
Action: expanded
Status: 2.0.0

Final-Recipient: rfc822; d@example.com
Action: delayed
Status: 4.4.1
Diagnostic-Code: smtp; 421 4.4.1 connection timed out

Final-Recipient: rfc822; e@example.com
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 mailbox full
--z--
$m$::text AS m;

SELECT results_eq(
	$$SELECT recipient, action, status::text, reply_code FROM report, rebound.parse_dsn(m)$$,
	$$VALUES ('d@example.com', 'delayed', '4.4.1', 421), ('e@example.com', 'failed', '5.2.2', 552)$$,
	'only the delayed and failed recipients are rows, in report order');

SELECT results_eq(
	$$SELECT severity::text FROM report, rebound.parse_dsn(m) ORDER BY recipient$$,
	$$VALUES ('soft'), ('soft')$$,
	'a delay and a full mailbox are soft');

SELECT is(
	(SELECT count(*) FROM report, rebound.parse_dsn(convert_to(m, 'UTF8'))),
	2::bigint, 'the bytea form gives the same rows');

-- the report's structure reaches the classifier: the status alone decides
SELECT is(
	(SELECT reason::text FROM rebound.parse_dsn($m$From: MAILER-DAEMON@mx.example.net
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary=y

--y
Content-Type: message/delivery-status

Final-Recipient: rfc822; f@example.com
Action: failed
Status: 5.1.1
--y--
$m$)),
	'user_unknown', 'a report with only Status: 5.1.1 is user_unknown');

-- not a message: 22P02, the input quoted
SELECT throws_ok($$SELECT * FROM rebound.parse_dsn('just some words')$$, '22P02',
	'input is not a mail message: "just some words"', 'prose is refused with 22P02');

SELECT lives_ok($$SELECT * FROM rebound.parse_dsn(E'From: x@example.org\n\n' || repeat('--', 100000))$$,
	'a body of delimiters only does not fail');

SELECT * FROM finish();
ROLLBACK;
