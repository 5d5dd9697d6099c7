--
-- ESP webhook payloads: parse_event(), record_event(), capture_event().
-- The payloads are in test/data/events/, one file per ESP, each shaped as
-- the page its first element names documents it.
--
SET timezone = 'UTC';
\set SHOW_CONTEXT never

CREATE TEMP TABLE payload (esp text, n bigint, doc jsonb);
CREATE FUNCTION pg_temp.load(esp text, file text) RETURNS void LANGUAGE sql AS $$
	INSERT INTO payload SELECT esp, d.n - 1, d.doc
	FROM jsonb_array_elements(file::jsonb) WITH ORDINALITY d(doc, n) WHERE d.n > 1
$$;
\set f `cat test/data/events/amazonses.json`
SELECT pg_temp.load('amazonses', :'f');
\set f `cat test/data/events/sendgrid.json`
SELECT pg_temp.load('sendgrid', :'f');
\set f `cat test/data/events/mailgun.json`
SELECT pg_temp.load('mailgun', :'f');
\set f `cat test/data/events/postmark.json`
SELECT pg_temp.load('postmark', :'f');
\set f `cat test/data/events/sparkpost.json`
SELECT pg_temp.load('sparkpost', :'f');
\set f `cat test/data/events/brevo.json`
SELECT pg_temp.load('brevo', :'f');
\set f `cat test/data/events/mailjet.json`
SELECT pg_temp.load('mailjet', :'f');
\set f `cat test/data/events/mandrill.json`
SELECT pg_temp.load('mandrill', :'f');
\set f `cat test/data/events/resend.json`
SELECT pg_temp.load('resend', :'f');
\set f `cat test/data/events/mailersend.json`
SELECT pg_temp.load('mailersend', :'f');
\set f `cat test/data/events/azure.json`
SELECT pg_temp.load('azure', :'f');

-- every payload: what happened to whom, when, and what each side concludes
SELECT p.esp AS file, p.n, e.esp, e.event, e.recipient, e.occurred_at,
	   e.status, e.reply_code, e.source_severity, e.reason, e.severity, e.infrastructure
FROM payload p CROSS JOIN LATERAL rebound.parse_event(p.doc) e
ORDER BY p.esp, p.n, e.occurred_at, e.recipient;

-- the evidence: diagnostic, remote MTA and the sent message's id
SELECT p.esp, p.n, e.recipient, e.diagnostic, e.remote_mta, e.message_id
FROM payload p CROSS JOIN LATERAL rebound.parse_event(p.doc) e
WHERE e.event IN ('bounce', 'deferral')
ORDER BY p.esp, p.n, e.recipient;

-- every file's payloads are recognized as its ESP's, and nothing else is
SELECT p.esp, count(*) FILTER (WHERE e.esp = p.esp) AS own,
	   count(*) FILTER (WHERE e.esp <> p.esp) AS other
FROM payload p CROSS JOIN LATERAL rebound.parse_event(p.doc) e
GROUP BY p.esp ORDER BY p.esp;

-- ---------------------------------------------------------------------------
-- What is not a payload gives no rows, and no error
-- ---------------------------------------------------------------------------
SELECT d.doc, count(e.*) AS rows
FROM (VALUES ('{}'::jsonb), ('[]'), ('"bounce"'), ('42'), ('null'), ('true'),
			 ('{"event": "bounce"}'), ('{"email": "jean@client.fr"}'),
			 ('[[[[[[{"event":"bounce","email":"deep@client.fr","sg_event_id":"x"}]]]]]]'),
			 ('{"notificationType": "Bounce", "bounce": {"bouncedRecipients": []}, "mail": {}}'),
			 ('{"Type": "Notification", "TopicArn": "arn", "Message": "{\"notificationType\": \"Bou"}'),
			 ('{"Type": "Notification", "TopicArn": "arn", "Message": 42}'),
			 ('{"mandrill_events": "not json"}'),
			 ('{"msys": {"message_event": "text"}}'),
			 ('{"event-data": []}')) d(doc)
LEFT JOIN LATERAL rebound.parse_event(d.doc) e ON true
GROUP BY d.doc ORDER BY d.doc::text;
SELECT count(*) FROM rebound.parse_event(NULL);

-- truncated JSON in a text column: the caller's cast refuses it, as any cast would
CREATE TEMP TABLE raw_hook (body text);
INSERT INTO raw_hook VALUES ('{"notificationType":"Bounce","bounce":{"bounceType":"Perma');
SELECT * FROM raw_hook r, rebound.parse_event(r.body::jsonb);

-- events with no recipient, with no time, with a time that is no time
SELECT recipient, occurred_at, event, esp
FROM rebound.parse_event('[{"event":"bounce","sg_event_id":"a","timestamp":1510212606,"reason":"550 5.1.1 unknown"},
						  {"event":"bounce","sg_event_id":"b","email":"notime@client.fr","reason":"550 5.1.1 unknown"},
						  {"event":"bounce","sg_event_id":"c","email":"badtime@client.fr","timestamp":"last tuesday"},
						  {"event":"bounce","sg_event_id":"d","email":"ms@client.fr","timestamp":1510212606123},
						  {"event":"bounce","sg_event_id":"e","email":"neg@client.fr","timestamp":-5}]');

-- 10,000 events in one array
SELECT count(*), count(DISTINCT recipient), min(occurred_at), max(occurred_at)
FROM rebound.parse_event((
	SELECT jsonb_agg(jsonb_build_object('email', 'c' || g || '@client.fr', 'timestamp', 1510212606 + g,
										'event', 'bounce', 'type', 'bounce', 'sg_event_id', g::text,
										'reason', '550 5.1.1 User unknown', 'status', '5.1.1'))
	FROM generate_series(1, 10000) g));

-- ---------------------------------------------------------------------------
-- record_event: the bounces into the ledger
-- ---------------------------------------------------------------------------
SELECT count(*) AS recorded FROM payload p, rebound.record_event(p.doc, 'webhooks') id;
SELECT b.address, b.occurred_at, b.source_severity, b.reason, b.severity, b.hard
FROM rebound.bounce b WHERE b.source = 'webhooks' ORDER BY b.address, b.occurred_at;
-- complaints, deferrals and deliveries are not in it
SELECT count(*) FROM rebound.bounce
WHERE address IN ('eve@client.fr', 'slow@client.fr', 'ok@client.fr', 'reader@client.fr');
-- what the ledger cannot take fails the whole payload
SELECT rebound.record_event('[{"event":"bounce","sg_event_id":"a","email":"first@client.fr","timestamp":1510212606},
							  {"event":"bounce","sg_event_id":"b","timestamp":1510212606}]', 'refused');
SELECT rebound.record_event('{"event":"bounce","sg_event_id":"b","email":"notime@client.fr"}', 'refused');
SELECT rebound.record_event('{"event":"bounce","sg_event_id":"b","email":"x@client.fr","timestamp":1}', '');
SELECT count(*) FROM rebound.bounce WHERE source = 'refused';
-- a complaint without a recipient is no bounce: nothing to refuse
SELECT count(*) FROM rebound.record_event('{"event":"spamreport","sg_event_id":"z"}');

-- ---------------------------------------------------------------------------
-- capture_event: a webhook table, per row and per statement
-- ---------------------------------------------------------------------------
CREATE TABLE hook_row (id serial, received_at timestamptz DEFAULT now(), body jsonb);
CREATE TRIGGER to_ledger AFTER INSERT ON hook_row
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_event('hooks-row', 'body');
INSERT INTO hook_row (body) SELECT doc FROM payload WHERE esp IN ('postmark', 'mailgun');
INSERT INTO hook_row (body) VALUES (NULL), ('{"unknown": "shape"}');
SELECT address, reason, source_severity FROM rebound.bounce WHERE source = 'hooks-row' ORDER BY address;

CREATE TABLE hook_bulk (body text);
CREATE TRIGGER to_ledger AFTER INSERT ON hook_bulk REFERENCING NEW TABLE AS inserted
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_event('hooks-bulk', 'body');
INSERT INTO hook_bulk SELECT doc::text FROM payload;
SELECT count(*) AS bulk, (SELECT count(*) FROM rebound.bounce WHERE source = 'webhooks') AS one_by_one
FROM rebound.bounce WHERE source = 'hooks-bulk';
-- a text that is not JSON fails the insert
INSERT INTO hook_bulk VALUES ('{"RecordType":"Bounce","Email":"x@cl');
-- a bounce without a time fails the statement
INSERT INTO hook_bulk VALUES ('{"RecordType":"Bounce","Type":"HardBounce","Email":"x@client.fr"}');

-- wrong declarations are refused, with the reason
CREATE TABLE hook_bad (body int, payload json);
CREATE TRIGGER bad_col AFTER INSERT ON hook_bad
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_event('x', 'nothing');
INSERT INTO hook_bad VALUES (1, '{}');
DROP TRIGGER bad_col ON hook_bad;
CREATE TRIGGER bad_type AFTER INSERT ON hook_bad
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_event('x', 'body');
INSERT INTO hook_bad VALUES (1, '{}');
DROP TRIGGER bad_type ON hook_bad;
CREATE TRIGGER no_table AFTER INSERT ON hook_bad
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_event('x', 'payload');
INSERT INTO hook_bad VALUES (1, '{}');
DROP TRIGGER no_table ON hook_bad;
CREATE TRIGGER before_row BEFORE INSERT ON hook_bad
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_event('x', 'payload');
INSERT INTO hook_bad VALUES (1, '{}');
DROP TRIGGER before_row ON hook_bad;
CREATE TRIGGER one_arg AFTER INSERT ON hook_bad
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_event('payload');
INSERT INTO hook_bad VALUES (1, '{}');
DROP TRIGGER one_arg ON hook_bad;
-- json works as jsonb does
CREATE TRIGGER json_col AFTER INSERT ON hook_bad
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_event('hooks-json', 'payload');
INSERT INTO hook_bad SELECT 1, doc::json FROM payload WHERE esp = 'brevo';
SELECT count(*) FROM rebound.bounce WHERE source = 'hooks-json';

DROP TABLE hook_row, hook_bulk, hook_bad;

-- the ledger as the other tests expect it
TRUNCATE rebound.bounce;
