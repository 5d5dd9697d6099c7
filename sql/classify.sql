--
-- rebound.classify(): one example per reason that has a phrase table, the
-- provider formats, the precedence of codes and phrases, and edge inputs.
--
SET search_path = rebound, public;

CREATE TEMP TABLE sample (n serial, origin text, diagnostic text);
INSERT INTO sample (origin, diagnostic) VALUES
	-- user_unknown
	('Gmail multi-line', E'smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient''s email address for typos or\r\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser'),
	('Microsoft 365', '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'),
	('Yahoo', '554 delivery error: dd This user doesn''t have a yahoo.com account (x@yahoo.com) [0] - mta1082.mail.bf1.yahoo.com'),
	('Orange', '550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]'),
	('La Poste', '550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416'),
	('qmail', 'Sorry, no mailbox here by that name. (#5.1.1)'),
	('Postfix', 'host mx.example.fr[192.0.2.1] said: 550 5.1.1 <a@example.fr>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)'),
	('French', '550 Utilisateur inconnu'),
	('French, typographic apostrophe', '550 Cette adresse n’existe pas'),
	('status only', '550 5.1.1 <a@example.org>'),
	('4xx reply, user unknown', '450 4.1.1 <a@example.org>: Recipient address rejected: User unknown in virtual alias table'),
	-- filtered
	('after DATA', 'host mail.example.net[192.0.2.78] said: 550 Unknown user a@example.net (in reply to end of DATA command)'),
	('Facebook', '550 5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes?ip=192.0.2.135#rcp Refused due to recipient preferences'),
	-- host_unknown, not_accept, network_error
	('Postfix NXDOMAIN', 'Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found'),
	('Gmail NXDOMAIN', 'DNS Error: 80335577 DNS type ''mx'' lookup of example.jp responded with code NXDOMAIN Domain name not found: example.jp'),
	('Exim', 'Unrouteable address'),
	('Gmail null MX', 'DNS Error: 8045 DNS type ''mx'' lookup of example.org responded with code NOERROR The domain example.org doesn''t receive email according to the administrator: returned Null MX'),
	('qmail no MX', 'Sorry, I couldn''t find a mail exchanger or IP address. (#5.4.4)'),
	('Postfix transient DNS', 'Name service error for domain example.com: Host not found, try again'),
	('SERVFAIL', '451 4.4.3 DNS lookup of example.com failed: SERVFAIL'),
	('no route', 'connect to mx.example.com[192.0.2.2]:25: No route to host'),
	('refused', 'connect to mx.example.com[192.0.2.2]:25: Connection refused'),
	('reset', 'lost connection with mx.example.com[192.0.2.2] while receiving the initial server greeting'),
	('421', '421 4.3.2 Service not available, closing transmission channel'),
	('Gmail SERVFAIL', 'DNS Error: 2737 DNS type ''mx'' lookup of example.fr responded with code SERVFAIL'),
	('Exchange', '451 4.4.0 DNS query failed. The error was: DNS query failed with error: ServerFailure'),
	('Postfix greeting', 'conversation with mx1.example.fr[192.0.2.3] timed out while receiving the initial server greeting'),
	-- expired
	('timeout', 'connect to example.org[203.0.113.225]:25: Connection timed out'),
	('Exim', 'retry timeout exceeded'),
	-- mailbox_full
	('Sendmail', '550 5.2.2 <a@example.jp>... Mailbox Full'),
	('Exchange', '#550 5.2.2 STOREDRV.Deliver: mailbox full. MapiExceptionShutoffQuotaExceeded'),
	('iCloud', '552 5.2.2 <a@icloud.com>: user is over quota'),
	('Orange', '552 5.1.1 Boîte du destinataire pleine. Recipient mailbox full. OFR_417 [417]'),
	('French', '452 4.2.2 Quota dépassé'),
	-- suspend
	('Gmail', '550 5.2.1 The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser'),
	('La Poste', '550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. LPN007_426'),
	('French', '550 Compte désactivé'),
	-- has_moved
	('status and phrase', '550 5.1.6 recipient no longer on server: a@example.go.jp'),
	-- rejected
	('Postfix', '553 5.1.8 <root@example.com>... Domain of sender address root@example.com does not exist'),
	('Google Groups', 'We''re writing to let you know that the group you tried to contact (g) may not exist'),
	-- blocked, bad_reputation, require_ptr
	('DNSBL', '554 5.7.1 Service unavailable; Client host [192.0.2.49] blocked using zen.spamhaus.org'),
	('Microsoft 365', '550 5.7.606 Access denied, banned sending IP [192.0.2.225].'),
	('Yahoo', '421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints'),
	('Gmail', '550-5.7.25 [192.0.2.202] The IP address sending this message does not have a PTR record setup'),
	-- auth_failure, security_error, no_relaying
	('Gmail', '550 5.7.26 Unauthenticated email from example.jp is not accepted due to domain''s DMARC policy.'),
	('Apple', '554 5.7.1 Your message was rejected due to example.org''s DMARC policy.'),
	('Exchange', '#550 5.7.1 RESOLVER.RST.AuthRequired; authentication required'),
	('Postfix', '554 5.7.1 <a@example.com>: Relay access denied'),
	-- spam_detected, virus_detected, policy_violation, not_compliant_rfc
	('amavisd', '550 5.7.1 Message content rejected, UBE, id=00000-22-225'),
	('Orange', '550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]'),
	('generic', '550 Virus Detected; Content Rejected'),
	('Yahoo', '554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes'),
	('GMX', '554-Transaction failed: Reject due to policy restrictions.'),
	('Gmail', '550-5.7.1 This message is not RFC 5322 compliant. There are multiple Subject headers.'),
	-- content_error, mesg_too_big, exceed_limit
	('Sendmail', '550 5.6.9 improper use of 8-bit data in message header'),
	('generic', '552 5.3.4 Message too big for system'),
	('status wins over a weak phrase', '552 5.2.3 Message size exceeds fixed maximum message size (10485760)'),
	-- speeding, too_many_conn
	('Gmail', '450-4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.'),
	('Orange', '421 mwinf5c04 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR005_104 [104]'),
	-- failed_starttls, system_full, system_error, mailer_error, syntax_error
	('Gmail', 'The error that the other server returned was: 500 Remote server does not support TLS (state 6).'),
	('TLS handshake', '4.7.5 TLS handshake failed with mx.example.com: handshake failure'),
	('generic', '452 4.4.5 Insufficient disk space; try again later'),
	('RFC 5321', '451 4.3.0 Requested action aborted: local error in processing'),
	('Sendmail', 'pipe to |/usr/local/bin/filter a@example.com'),
	('RFC 5321', '503 Improper sequence of commands'),
	-- suppressed
	('Amazon SES', 'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.'),
	-- a filter's refusal worded as an unknown user
	('au/KDDI', 'The response was: 550 : User unknown'),
	('mailbox status', '550 5.2.1 <a@example.jp>... User Unknown'),
	('mailbox status, at RCPT', 'SMTP error from remote mail server after RCPT TO:<a@example.jp>: 550 5.2.1 <a@example.jp>... User Unknown'),
	-- on_hold: the sending account is held by its own gateway
	('Mimecast', '451 Account outbounds disabled'),
	-- codes, no phrase
	('5xx alone', '550 unrecognizable wording'),
	('4xx alone', '451 unrecognizable wording'),
	('contradiction: 4xx with 5.x.x', '450 5.2.2 mailbox full'),
	('nothing', 'lorem ipsum');

SELECT n, origin, (c).reply_code, (c).status, (c).reason, (c).severity, (c).infrastructure
FROM (SELECT n, origin, classify(diagnostic) AS c FROM sample) s
ORDER BY n;

-- NULL in, NULL out; empty text
SELECT classify(NULL) IS NULL AS null_is_null;
SELECT classify('');

-- 1 MB of text with the phrase at the very end
SELECT classify(repeat('x', 1048576) || ' user unknown');
-- a reply of 100,000 lines
SELECT classify(string_agg('550-5.1.1 line ' || i, E'\r\n') || E'\r\n550 5.1.1 mailbox full')
FROM generate_series(1, 100000) i;
-- a million digits and dots: no code, no crash
SELECT classify(repeat('5.5.', 250000));

-- the classification type is usable in tables
CREATE TEMP TABLE bounce AS
SELECT d AS diagnostic, (classify(d)).*
FROM (VALUES ('550 5.1.1 user unknown'), ('452 4.2.2 over quota')) v(d);
SELECT * FROM bounce ORDER BY diagnostic;

-- the built-in phrase table is readable
SELECT count(*) > 300 AS many_phrases, count(DISTINCT reason) AS reasons,
	count(*) FILTER (WHERE origin ~* 'french') > 20 AS french
FROM phrases();
SELECT phrase, reason, rank, flags, origin FROM phrases()
WHERE phrase IN ('user unknown', 'host not found, try again', 'nxdomain', 'end of data', 'rcpt to')
ORDER BY phrase;
-- every reason that has phrases is exercised by the samples above
SELECT DISTINCT p.reason AS reason_without_sample
FROM phrases() p
WHERE p.reason IS NOT NULL
  AND p.reason NOT IN (SELECT (classify(diagnostic)).reason FROM sample)
ORDER BY 1;

-- Why a verdict: each step, and what decided
SELECT * FROM rebound.explain('554 No SMTP servers were available for example.fr');
SELECT * FROM rebound.explain('550 5.1.1 <a@b.fr>: Recipient address rejected: User unknown');
SELECT * FROM rebound.explain('554 Transaction failed');
SELECT * FROM rebound.explain('');
SELECT count(*) FROM rebound.explain(NULL);
