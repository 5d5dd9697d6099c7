--
-- MTA log lines: parse_log_line().  The lines are in test/data/logs/, one
-- file per format, each shaped as the page its first line names documents
-- it; that first line, a comment, is no log line and gives no rows.
--
SET timezone = 'UTC';
\set SHOW_CONTEXT never

CREATE TEMP TABLE log_line (file text, n int, line text);
CREATE FUNCTION pg_temp.load(file text, body text) RETURNS void LANGUAGE sql AS $$
	INSERT INTO log_line SELECT file, l.n, l.line
	FROM regexp_split_to_table(rtrim(body, E'\n'), E'\n') WITH ORDINALITY l(line, n)
$$;
\set f `cat test/data/logs/postfix.log`
SELECT pg_temp.load('postfix', :'f');
\set f `cat test/data/logs/exim.log`
SELECT pg_temp.load('exim', :'f');
\set f `cat test/data/logs/powermta.csv`
SELECT pg_temp.load('powermta', :'f');
\set f `cat test/data/logs/kumomta.jsonl`
SELECT pg_temp.load('kumomta', :'f');

-- every line: the event, who, when, what each side concludes
SELECT l.file, l.n, e.esp, e.event, e.recipient, e.occurred_at, e.queue_id,
	   e.status, e.reply_code, e.source_severity, e.reason, e.severity, e.infrastructure
FROM log_line l CROSS JOIN LATERAL rebound.parse_log_line(l.line,
	CASE WHEN l.file = 'powermta' THEN (SELECT h.line FROM log_line h WHERE h.file = 'powermta' AND h.n = 2) END) e
WHERE NOT (l.file = 'postfix' AND l.line LIKE 'Nov%')
ORDER BY l.file, l.n;

-- the evidence
SELECT l.file, l.n, e.diagnostic, e.remote_mta, e.message_id
FROM log_line l CROSS JOIN LATERAL rebound.parse_log_line(l.line) e
WHERE e.event IN ('bounce', 'deferral')
ORDER BY l.file, l.n;

-- lines that are no event of a known format give no rows
SELECT l.file, l.n FROM log_line l
WHERE NOT EXISTS (SELECT FROM rebound.parse_log_line(l.line))
ORDER BY l.file, l.n;
SELECT count(*) FROM rebound.parse_log_line(NULL);
SELECT count(*) FROM rebound.parse_log_line('');
SELECT count(*) FROM rebound.parse_log_line('{"type": "Bounce"');
SELECT count(*) FROM rebound.parse_log_line('a,b,c');

-- syslog's time has no year: the latest such moment not after now
SELECT e.occurred_at <= now() + interval '1 day' AS not_future,
	   e.occurred_at > now() - interval '1 year 1 day' AS within_a_year,
	   to_char(e.occurred_at, 'MM-DD HH24:MI:SS') AS written
FROM log_line l, rebound.parse_log_line(l.line) e
WHERE l.file = 'postfix' AND l.line LIKE 'Nov%';

-- PowerMTA: the header read without being given (the default fields), a
-- header of another order, a header that is none
SELECT recipient, event, queue_id FROM rebound.parse_log_line(
	'b,2017-11-09 07:30:06+0100,2017-11-09 07:30:00+0100,news@sender.example,jean@client.fr,,failed,5.1.1 (bad destination mailbox address),"smtp;550 5.1.1 User unknown",mx1.mail.ovh.net (213.186.33.29),bad-mailbox');
SELECT recipient, event, status, diagnostic, remote_mta, message_id, queue_id FROM rebound.parse_log_line(
	'b,jean@client.fr,"smtp;550 5.1.1 ""jean"" unknown",5.1.1,<m-1@sender.example>,job-9',
	'type,rcpt,dsnDiag,dsnStatus,header_Message-Id,jobId');
SELECT * FROM rebound.parse_log_line('b,jean@client.fr', 'just,some,words');

-- a log table loaded in bulk: one statement, the header given with each line
CREATE TEMP TABLE pmta_load AS SELECT n, line FROM log_line WHERE file = 'powermta';
SELECT e.event, count(*)
FROM pmta_load l, rebound.parse_log_line(l.line, (SELECT line FROM pmta_load WHERE n = 2)) e
GROUP BY e.event ORDER BY e.event;
