--
-- rebound.parse_dsn: raw bounce mails to classified rows
--
-- A Postfix delivery status notification: one delivered and one failed
-- recipient; the failed one is the only row.
CREATE TEMP TABLE postfix_dsn AS SELECT $m$Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: news@example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="8A1E3C0F7D.1510212000/mx.example.net"

--8A1E3C0F7D.1510212000/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

<jean.dupont@ovh-client.example>: host mx1.mail.ovh.net[192.0.2.10] said: 550
    5.1.1 <jean.dupont@ovh-client.example>: Recipient address rejected: User
    unknown in virtual mailbox table (in reply to RCPT TO command)

--8A1E3C0F7D.1510212000/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Thu,  9 Nov 2017 08:00:00 +0100 (CET)

Final-Recipient: rfc822; marie@example.com
Action: delivered
Status: 2.0.0

Final-Recipient: rfc822; jean.dupont@ovh-client.example
Original-Recipient: rfc822;jean.dupont@ovh-client.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx1.mail.ovh.net
Diagnostic-Code: smtp; 550 5.1.1 <jean.dupont@ovh-client.example>: Recipient
    address rejected: User unknown in virtual mailbox table

--8A1E3C0F7D.1510212000/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: news@example.org
To: jean.dupont@ovh-client.example
Subject: November news

--8A1E3C0F7D.1510212000/mx.example.net--
$m$::text AS msg;

\x on
SELECT d.* FROM postfix_dsn, rebound.parse_dsn(msg) d;
\x off

-- the same over bytea
SELECT recipient, status, reason, severity
FROM postfix_dsn, rebound.parse_dsn(convert_to(msg, 'UTF8'));

-- the user's rules come first
INSERT INTO rebound.rule (pattern, reason, severity, note)
VALUES ('virtual mailbox table', 'filtered', 'soft', 'test rule');
SELECT recipient, reason, severity FROM postfix_dsn, rebound.parse_dsn(msg);
DELETE FROM rebound.rule WHERE note = 'test rule';

-- DNS of the recipient's provider down: a soft, infrastructure failure (the
-- report after the queue lifetime: while Postfix still retries, its report
-- says Action: delayed, and a delay warning gives no row)
SELECT recipient, status, reply_code, reason, severity, infrastructure
FROM rebound.parse_dsn($m$From: MAILER-DAEMON@mx.example.net
To: news@example.org
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; paul@ovh-hosted.example
Action: failed
Status: 4.4.3
Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error
    for name=ovh-hosted.example type=MX: Host not found, try again
--b--
$m$);

-- a qmail bounce, plain text, in ISO-8859-1 quoted-printable
SELECT recipient, status, reply_code, remote_mta, reason, severity
FROM rebound.parse_dsn(convert_to($m$From: MAILER-DAEMON@mail.example.fr
To: news@example.org
Subject: failure notice
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Hi. This is the qmail-send program at mail.example.fr.
I'm afraid I wasn't able to deliver your message to the following addresses.

<h=E9l=E8ne@example.fr>:
192.0.2.7 does not like recipient.
Remote host said: 552 5.2.2 Bo=EEte pleine / mailbox full
Giving up on 192.0.2.7.

--- Below this line is a copy of the message.
$m$, 'LATIN1'));

-- a complaint (ARF) and an auto-reply are recognized, not bounces
SELECT recipient, reason, severity FROM rebound.parse_dsn($m$From: feedback@arf.example.net
To: abuse@example.org
Subject: FW: November news
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain

This is an email abuse report for an email message received from IP 192.0.2.1.

--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Rcpt-To: reader@example.net
Source-IP: 192.0.2.1

--arf
Content-Type: text/rfc822-headers

From: news@example.org
To: reader@example.net
--arf--
$m$);
SELECT recipient, reason, severity FROM rebound.parse_dsn($m$From: Marie <marie@example.com>
To: news@example.org
Subject: Out of Office: November news
Auto-Submitted: auto-replied

I am away until Monday.
$m$);

-- an ordinary mail is no bounce: no rows
SELECT count(*) FROM rebound.parse_dsn($m$From: a@example.org
To: b@example.com
Subject: lunch?

See you at noon.
$m$);

-- malformed messages give what can be read, never an error
-- truncated in the middle of the report
SELECT recipient, status FROM postfix_dsn,
	rebound.parse_dsn(left(msg, strpos(msg, 'Remote-MTA') - 1));
-- the boundary parameter is missing
SELECT recipient, status FROM postfix_dsn,
	rebound.parse_dsn(replace(msg, 'boundary="8A1E3C0F7D.1510212000/mx.example.net"', ''));
-- a charset label that lies: 8-bit bytes labelled UTF-8, and an unknown label
SELECT diagnostic FROM rebound.parse_dsn(E'From: MAILER-DAEMON@x.example\nSubject: failure notice\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n<a@example.com>:\n550 bo=EEte inconnue\n'::text);
SELECT diagnostic FROM rebound.parse_dsn(E'From: MAILER-DAEMON@x.example\nSubject: failure notice\nContent-Type: text/plain; charset=x-unheard-of\nContent-Transfer-Encoding: quoted-printable\n\n<a@example.com>:\n550 bo=EEte inconnue\n'::text);

-- 10,000 recipients in one report
SELECT count(*), count(DISTINCT recipient), min(reply_code), rebound.max(status)
FROM rebound.parse_dsn(
	E'From: MAILER-DAEMON@mx.example.net\nSubject: failure\nContent-Type: multipart/report; boundary=q\n\n--q\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n'
	|| (SELECT string_agg(format(E'\nFinal-Recipient: rfc822; user%s@example.com\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\n', i), '')
		FROM generate_series(1, 10000) i)
	|| E'--q--\n');

-- a 10 MB message: a report returning a large mail
SELECT recipient, status, reason FROM postfix_dsn, rebound.parse_dsn(
	replace(msg, E'Subject: November news\n',
			E'Subject: November news\n\n' || repeat(E'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n', 160000)));

-- input that is not a mail message at all is an error
SELECT * FROM rebound.parse_dsn('hello world');
SELECT * FROM rebound.parse_dsn(''::bytea);
SELECT * FROM rebound.parse_dsn('\x89504e470d0a1a0a0000000d49484452'::bytea);

-- in a LATIN1 database, characters it lacks become '?', never an error
CREATE DATABASE rebound_dsn_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c rebound_dsn_latin1
SET client_min_messages = warning;
CREATE EXTENSION rebound;
SET client_encoding = 'UTF8';
-- (the mail as UTF-8 bytes: "<hélène@example.fr>: 550 ユーザー不明 / utilisateur inconnu")
SELECT recipient, diagnostic FROM rebound.parse_dsn('\x46726f6d3a204d41494c45522d4441454d4f4e40782e6578616d706c650a5375626a6563743a206661696c757265206e6f746963650a436f6e74656e742d547970653a20746578742f706c61696e3b20636861727365743d7574662d380a0a3c68c3a96cc3a86e65406578616d706c652e66723e3a0a35353020e383a6e383bce382b6e383bce4b88de6988e202f207574696c6973617465757220696e636f6e6e750a'::bytea);
\c contrib_regression
DROP DATABASE rebound_dsn_latin1;
