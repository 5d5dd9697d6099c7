-- rebound.parse_dsn: its contract (DESIGN.md) and the rows it gives.
BEGIN;
SELECT plan(19);

SELECT has_function('rebound', 'parse_dsn', ARRAY['text'], 'parse_dsn(text) exists');
SELECT has_function('rebound', 'parse_dsn', ARRAY['bytea'], 'parse_dsn(bytea) exists');

-- the columns of DESIGN.md, exactly, over text and bytea
SELECT is(pg_catalog.pg_get_function_result(p.oid),
	'TABLE(recipient text, original_recipient text, action text, status rebound.smtp_status, reply_code integer, diagnostic text, remote_mta text, reason rebound.reason, severity rebound.severity, infrastructure boolean, message_id text, original_headers jsonb)',
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

-- delivered, relayed, expanded and delayed recipients are no rows (a delay
-- warning is no failure: issue 10)
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
	$$VALUES ('e@example.com', 'failed', '5.2.2', 552)$$,
	'only the failed recipient is a row: delivered, relayed, expanded and delayed are not');

SELECT results_eq(
	$$SELECT severity::text FROM report, rebound.parse_dsn(m) ORDER BY recipient$$,
	$$VALUES ('soft')$$,
	'a full mailbox is soft');

SELECT is(
	(SELECT count(*) FROM report, rebound.parse_dsn(convert_to(m, 'UTF8'))),
	1::bigint, 'the bytea form gives the same rows');

-- a delay warning alone gives no row at all
SELECT is(
	(SELECT count(*) FROM rebound.parse_dsn($m$From: MAILER-DAEMON@mx.example.net
Subject: Delivery Status Notification (Delay)
Content-Type: multipart/report; report-type=delivery-status; boundary=w

--w
Content-Type: text/plain

Delivery to the following recipient has been delayed: d@example.com

--w
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; d@example.com
Action: delayed
Status: 4.4.1
--w--
$m$)), 0::bigint, 'a delay warning gives no row');

-- forwarded mail: the address the sender used is kept beside the last one
SELECT results_eq(
	$$SELECT recipient, original_recipient FROM rebound.parse_dsn($m$From: MAILER-DAEMON@mx.example.net
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary=f

--f
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; jean.forwarded@elsewhere.example
Original-Recipient: rfc822; jean@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

Final-Recipient: rfc822; marie@example.com
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 mailbox full
--f--
$m$)$$,
	$$VALUES ('jean.forwarded@elsewhere.example', 'jean@example.com'), ('marie@example.com', NULL)$$,
	'Final- and Original-Recipient: both, NULL when the report names only one');

-- Postfix in prose: "(expanded from <...>)" names the address the sender used
SELECT results_eq(
	$$SELECT recipient, original_recipient, diagnostic FROM rebound.parse_dsn($m$From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: news@example.org
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mx.example.net.

<jean@elsewhere.example> (expanded from <jean@example.com>): host
    mx.elsewhere.example[192.0.2.7] said: 550 5.1.1 user unknown (in reply to
    RCPT TO command)
$m$)$$,
	$$VALUES ('jean@elsewhere.example', 'jean@example.com',
		'host mx.elsewhere.example[192.0.2.7] said: 550 5.1.1 user unknown (in reply to RCPT TO command)')$$,
	'Postfix prose: the expanded-from address is the original recipient, not part of the reason');

-- list mail: the sender and the list's owner, named in the prose with words
-- after them, are no rows; the member is
SELECT results_eq(
	$$SELECT recipient FROM rebound.parse_dsn($m$From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: news-bounces@lists.example.org
Subject: Mail delivery failed

This message was sent by:
  <editor@example.org>

It could not be delivered to:
  <paul@example.com>: 550 5.1.1 mailbox unavailable

For help, write to the owner of the list:
  <news-owner@lists.example.org>
  who reads this mailbox daily.

------ This is a copy of the message, including all the headers. ------
From: editor@example.org
To: news@lists.example.org
Subject: November news
$m$)$$,
	$$VALUES ('paul@example.com')$$,
	'list mail: a row for the member only, none for the sender or the list owner');

-- owner-bounce: the notice goes to the list owner; its own address and the
-- relay's postmaster are no failed recipients even with words after them
SELECT results_eq(
	$$SELECT recipient FROM rebound.parse_dsn($m$From: MAILER-DAEMON@relay.example.net
To: owner-news@lists.example.org
Subject: Undeliverable: November news

Your message to the list members could not be delivered.

owner-news@lists.example.org:
    The receiver of this notice.

postmaster@relay.example.net:
    Write here with questions about this relay.

anne@example.com:
    550 5.2.1 mailbox disabled
$m$)$$,
	$$VALUES ('anne@example.com')$$,
	'owner-bounce: no row for the list owner or the relay postmaster');

-- an auto-reply keeps its one vacation row; a challenge-response none
SELECT results_eq(
	$$SELECT recipient, reason::text FROM rebound.parse_dsn($m$From: Marie <marie@example.com>
To: news@example.org
Subject: Out of office: November news
Auto-Submitted: auto-replied

I am away until Monday; your message could not be delivered to me in person.
$m$)$$,
	$$VALUES ('marie@example.com', 'vacation')$$,
	'an auto-reply is one vacation row');

SELECT is(
	(SELECT count(*) FROM rebound.parse_dsn($m$From: Paul <paul@example.com>
To: news@example.org
Subject: Please confirm your message

I protect my mailbox with a challenge-response filter. Your message is being
held until you confirm that you are a person: click the link below.
$m$)), 0::bigint, 'a challenge-response request gives no row');

-- leading blank lines and an mbox "From " line are accepted
SELECT is(
	(SELECT recipient FROM rebound.parse_dsn(E'\n\r\nFrom MAILER-DAEMON Thu Nov  9 08:00:00 2017\n'
		'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n'
		'<neko@example.com>:\n550 5.1.1 no such user\n')),
	'neko@example.com', 'blank lines and an mbox From line before the header are accepted');

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
