-- test/bench/events.sql — record_event over :payloads stored webhook
-- payloads (SendGrid batches of 10 events, SES SNS envelopes, Mailgun
-- bodies, Postmark bounces, in turn), then capture_event at statement
-- level over the same payloads loaded in one INSERT; events per second,
-- and the backend's peak memory after each, from /proc (memory flat: the
-- peak must not grow with the number of payloads).
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;

CREATE TABLE hook (id bigserial, body jsonb);
INSERT INTO hook (body)
SELECT CASE g % 4
	WHEN 0 THEN (SELECT jsonb_agg(jsonb_build_object('email', 'c' || g || '-' || k || '@d' || (g % 1000) || '.example',
		'timestamp', 1510212606 + g, 'event', 'bounce', 'type', 'bounce', 'sg_event_id', g || '-' || k,
		'reason', '550 5.1.1 The email account that you tried to reach does not exist.', 'status', '5.1.1'))
		FROM generate_series(1, 10) k)
	WHEN 1 THEN jsonb_build_object('Type', 'Notification', 'TopicArn', 'arn:aws:sns:eu-west-1:1:b', 'Message',
		jsonb_build_object('notificationType', 'Bounce', 'bounce', jsonb_build_object('bounceType', 'Transient',
			'bouncedRecipients', jsonb_build_array(jsonb_build_object('emailAddress', 'c' || g || '@d' || (g % 1000) || '.example',
				'status', '4.4.7', 'diagnosticCode', 'smtp; 421 4.4.2 mx1.mail.ovh.net: Connection timed out')),
			'timestamp', '2017-11-09T07:30:06Z'), 'mail', jsonb_build_object('messageId', 'm' || g))::text)
	WHEN 2 THEN jsonb_build_object('signature', jsonb_build_object('token', 't'), 'event-data', jsonb_build_object(
		'event', 'failed', 'severity', 'permanent', 'recipient', 'c' || g || '@d' || (g % 1000) || '.example',
		'timestamp', 1510212606.5 + g, 'delivery-status', jsonb_build_object('code', 550,
			'message', '5.1.1 Recipient address rejected: User unknown in virtual mailbox table', 'mx-host', 'mx1.mail.ovh.net')))
	ELSE jsonb_build_object('RecordType', 'Bounce', 'Type', 'HardBounce', 'Email', 'c' || g || '@d' || (g % 1000) || '.example',
		'BouncedAt', '2017-11-09T07:30:54Z', 'Details', 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
		'MessageID', 'm' || g)
	END
FROM generate_series(1, :payloads) g;
SELECT count(*) AS events FROM hook h, rebound.parse_event(h.body) \gset

CREATE TEMP TABLE result (what text, ms float8, events bigint);
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM hook h, rebound.parse_event(h.body) \g /dev/null
INSERT INTO result SELECT 'parse_event', extract(epoch FROM clock_timestamp() - :'t0') * 1000, :events;
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM hook h, rebound.record_event(h.body, 'bench') \g /dev/null
INSERT INTO result SELECT 'record_event', extract(epoch FROM clock_timestamp() - :'t0') * 1000,
	(SELECT count(*) FROM rebound.bounce WHERE source = 'bench');
TRUNCATE rebound.bounce;
CREATE TABLE hook_bulk (body jsonb);
CREATE TRIGGER to_ledger AFTER INSERT ON hook_bulk REFERENCING NEW TABLE AS inserted
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_event('bulk', 'body');
SELECT clock_timestamp() AS t0 \gset
INSERT INTO hook_bulk SELECT body FROM hook;
INSERT INTO result SELECT 'capture_event, statement', extract(epoch FROM clock_timestamp() - :'t0') * 1000,
	(SELECT count(*) FROM rebound.bounce WHERE source = 'bulk');

\echo
\echo '==' :payloads 'stored payloads,' :events 'events'
SELECT what, events, round(ms::numeric) AS ms, round((events / (ms / 1000))::numeric) AS events_per_s
FROM result;
