--
-- parse_dsn: the returned message's Message-ID and headers, and VERP
-- return paths for reports that name no recipient.
--
CREATE TEMP TABLE dsn (name text, msg text);
INSERT INTO dsn VALUES ('rfc3464', $m$From: MAILER-DAEMON@mx.sender.example (Mail Delivery System)
To: bounces+jean=client.fr@sender.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail system: <jean@client.fr>: host mx1.mail.ovh.net said: 550 5.1.1 User unknown

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.sender.example

Final-Recipient: rfc822; jean@client.fr
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

Received: from crm.sender.example (crm.sender.example [192.0.2.7])
	by mx.sender.example with ESMTP id 3F2A01234B; Thu, 9 Nov 2017 07:30:00 +0100
Received: from localhost by crm.sender.example; Thu, 9 Nov 2017 07:29:59 +0100
Message-ID: <campaign-42.jean@sender.example>
From: News <news@sender.example>
To: jean@client.fr
Subject: =?UTF-8?Q?Nouveaut=C3=A9s_de_novembre?=
X-Campaign: 42

--B--
$m$),
('no recipient', $m$From: MAILER-DAEMON@mx.legacy.example
To: bounces+paul=client.fr@sender.example
Subject: failure notice

Sorry, we were unable to deliver your message: the mailbox is unavailable.
550 5.2.1 Mailbox disabled

--- Below this line is a copy of the message.

Message-ID: <campaign-43@sender.example>
Subject: hello

body
$m$);

SELECT d.name, r.recipient, r.message_id, r.original_headers
FROM dsn d, rebound.parse_dsn(d.msg) r ORDER BY d.name;
SELECT jsonb_pretty(r.original_headers)
FROM dsn d, rebound.parse_dsn(d.msg) r WHERE d.name = 'rfc3464';

-- VERP: the setting fills a row that has no recipient from the bounce's
-- To:.  A report that names nobody at all is not read as a bounce today
-- (the readers need an address to make a row): no rows either way.
SELECT r.recipient, r.reason FROM dsn d, rebound.parse_dsn(d.msg) r WHERE d.name = 'no recipient';
SET rebound.verp_separator = '+';
SELECT r.recipient, r.reason FROM dsn d, rebound.parse_dsn(d.msg) r WHERE d.name = 'no recipient';
-- a recipient the report names is never replaced
SELECT r.recipient FROM dsn d, rebound.parse_dsn(d.msg) r WHERE d.name = 'rfc3464';
RESET rebound.verp_separator;

SELECT a, rebound.verp_decode(a), rebound.verp_decode(a, '-')
FROM (VALUES ('bounces+jean=client.fr@sender.example'),
			 ('bounces-jean=dupont=client.fr@sender.example'),
			 ('bounces+jean@sender.example'),
			 ('bounces+=client.fr@sender.example'),
			 ('bounces+jean=@sender.example'),
			 ('jean@client.fr'),
			 ('')) v(a);
SELECT rebound.verp_decode('bounces+jean=client.fr@sender.example', '');
