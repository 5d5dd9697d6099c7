-- test/outage/tail_measure.sql — precision and recall of an incident's
-- tail (issue 18) on wordings the rule was not written from.
--
--   psql -X -v ON_ERROR_STOP=1 -d DB -f test/outage/tail_measure.sql
--   (DB with rebound; everything happens in a transaction rolled back)
--
-- Exchange Online's inbound servers unreachable for 2 h 30 on 3 March
-- 2021, 10:00-12:30 UTC; 40 customer domains with their MX at
-- <domain>.mail.protection.outlook.com (Microsoft's networks) and their
-- DNS elsewhere.  In the six hours after, expired mail comes back hard in
-- the wordings of eight senders (the formats their documentation and
-- their notices show; none of them is a wording of the unit tests, the
-- pgTAP suite or the demo), each the truth ('tail') or not ('decoy'):
-- the sender's own smarthost, Microsoft's usual throttling, domains whose
-- mail is at Google, unknown users, a 7-day queue past the horizon.
BEGIN;
SET LOCAL timezone = 'UTC';
SELECT count(*) AS domains_observed
FROM generate_series(1, 40) g,
	 rebound.observe_domain('client' || g || '.example',
		'mx', ARRAY['client' || g || '-example.mail.protection.outlook.com'], '2021-01-01') mx,
	 rebound.observe_domain('client' || g || '.example', 'ns', '{ns1.gandi.net}', '2021-01-01') ns;
SELECT count(*) AS google_domains_observed
FROM generate_series(1, 10) g,
	 rebound.observe_domain('gclient' || g || '.example', 'mx', '{aspmx.l.google.com}', '2021-01-01');

CREATE TEMP TABLE wording (sender text, truth text, template text, domains text DEFAULT 'client', after interval DEFAULT NULL);
-- %d: the domain; %h: its MX host
INSERT INTO wording (sender, truth, template) VALUES
	('Exchange Online (sender side)', 'tail',
	 '550 5.4.300 Message expired -> 451 4.4.0 Primary target IP address responded with: "421 4.4.0 Unable to connect." Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts. The last endpoint attempted was 104.47.18.138:25'),
	('Sendmail', 'tail',
	 'Deferred: Connection timed out with %h. Message could not be delivered for 5 days Message will be deleted from queue'),
	('Amazon SES, host named', 'tail',
	 'smtp; 554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.0 Unable to connect to %h>'),
	('Amazon SES, host not named', 'tail',
	 'smtp; 554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.0 Unable to connect to remote host>'),
	('Exim, host named', 'tail',
	 'retry timeout exceeded: host %h [104.47.18.138]: Connection timed out'),
	('Exim, no host', 'tail',
	 'R=dnslookup T=remote_smtp: retry time not reached for any host after a long failure period'),
	('qmail', 'tail',
	 'Sorry, I wasn''t able to establish an SMTP connection. (#4.4.1) I''m not going to try again; this message has been in the queue too long.'),
	('Gmail (gives up without saying expired)', 'tail',
	 'The recipient server did not accept our requests to connect. Learn more at https://support.google.com/mail/answer/7720 [%h. 104.47.18.138: timed out]'),
	('own smarthost', 'decoy',
	 'delivery temporarily suspended: connect to smarthost.corp.example[10.1.2.3]:25: Connection timed out; message expired'),
	('Microsoft throttling', 'decoy',
	 '550 5.4.300 Message expired -> 451 4.7.500 Server busy. Please try again later from [192.0.2.10]. (S77719) [AM6EUR05FT012.eop-eur05.prod.protection.outlook.com]'),
	('unknown user', 'decoy',
	 '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup');
INSERT INTO wording (sender, truth, template, domains) VALUES
	('mail at Google, Google named', 'decoy',
	 'delivery temporarily suspended: connect to aspmx.l.google.com[142.250.102.26]:25: Connection timed out; message expired', 'gclient');
INSERT INTO wording (sender, truth, template, after) VALUES
	('7-day queue, past the horizon', 'decoy',
	 'delivery temporarily suspended: connect to %h[104.47.18.138]:25: Connection timed out; message expired', '7 days');

-- nine bounces of each wording, spread over the six hours after the outage
CREATE TEMP TABLE b AS
SELECT w.sender, w.truth,
	   rebound.record_bounce('user' || k || '@' || w.domains || (1 + (k * 7 + length(w.sender)) % CASE WHEN w.domains = 'client' THEN 40 ELSE 10 END) || '.example',
		   timestamptz '2021-03-03 12:30' + COALESCE(w.after, interval '0') + k * interval '40 minutes',
		   replace(w.template, '%h', 'client' || (1 + (k * 7 + length(w.sender)) % 40) || '-example.mail.protection.outlook.com'),
		   'esp', 'hard') AS id
FROM wording w, generate_series(1, 9) k;

CREATE TEMP TABLE got AS
SELECT bounce_id, layer FROM rebound.tail_bounces('microsoft', tstzrange('2021-03-03 10:00', '2021-03-03 12:30'));

\echo '== per sender: bounces, forgiven as the tail'
SELECT b.sender, b.truth, count(*) AS bounces, count(g.bounce_id) AS forgiven,
	   string_agg(DISTINCT g.layer, ',') AS layers
FROM b LEFT JOIN got g ON g.bounce_id = b.id
GROUP BY 1, 2 ORDER BY 2 DESC, 1;

\echo '== precision and recall of the tail'
SELECT count(*) FILTER (WHERE b.truth = 'tail') AS tail_bounces,
	   count(g.bounce_id) AS forgiven,
	   count(g.bounce_id) FILTER (WHERE b.truth = 'tail') AS correct,
	   round(100.0 * count(g.bounce_id) FILTER (WHERE b.truth = 'tail') / NULLIF(count(g.bounce_id), 0), 1) AS precision_pct,
	   round(100.0 * count(g.bounce_id) FILTER (WHERE b.truth = 'tail') / NULLIF(count(*) FILTER (WHERE b.truth = 'tail'), 0), 1) AS recall_pct
FROM b LEFT JOIN got g ON g.bounce_id = b.id;
ROLLBACK;
