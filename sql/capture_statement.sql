--
-- capture_bounce as a statement-level trigger: a bulk load is recorded in
-- one set-based insert from the transition table.  Before 0.2.0 such a
-- trigger was accepted by CREATE TRIGGER and recorded nothing.
--
SET timezone = 'Europe/Paris';

CREATE TABLE crm_bulk (email varchar, bounced_at timestamp, smtp text, class text);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_bulk REFERENCING NEW TABLE AS inserted
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('bulk', 'email', 'bounced_at', 'smtp', 'class');

-- 3,000 rows in one statement: all in the ledger, classified
INSERT INTO crm_bulk
SELECT 'Contact' || g || '@Client.FR', timestamp '2017-11-09 07:00' + g * interval '1 s',
	   (ARRAY['550 5.1.1 <x@client.fr>: Recipient address rejected: User unknown in virtual mailbox table',
			  'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out',
			  NULL])[1 + g % 3],
	   CASE WHEN g % 2 = 0 THEN 'HARD' ELSE 'soft' END
FROM generate_series(1, 3000) g;
SELECT count(*) AS ledger_rows FROM rebound.bounce WHERE source = 'bulk';
SELECT reason, severity, source_severity, count(*)
FROM rebound.bounce WHERE source = 'bulk' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT address, domain, occurred_at FROM rebound.bounce WHERE source = 'bulk' ORDER BY occurred_at LIMIT 2;

-- COPY goes through the same path
COPY crm_bulk FROM STDIN;
paul@client.fr	2017-11-09 09:00	550 5.1.1 User unknown	hard
zoe@client.fr	2017-11-09 09:01	\N	\N
\.
SELECT address, reason, severity, source_severity FROM rebound.bounce
WHERE address IN ('paul@client.fr', 'zoe@client.fr') ORDER BY address;

-- a row the ledger cannot take fails the whole statement, nothing half-loaded
INSERT INTO crm_bulk VALUES ('ok@client.fr', '2017-11-09 10:00', 'x', 'hard'),
							(NULL, '2017-11-09 10:00', 'x', 'hard');
INSERT INTO crm_bulk VALUES ('ok@client.fr', NULL, 'x', 'hard');
SELECT count(*) FROM rebound.bounce WHERE address = 'ok@client.fr';

-- a boolean verdict and an enum verdict, timestamptz time
CREATE TABLE crm_flags (email text, at timestamptz, smtp text, is_hard boolean);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_flags REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('flags', 'email', 'at', 'smtp', 'is_hard');
INSERT INTO crm_flags VALUES ('a@client.fr', '2017-11-09 10:00+01', NULL, true),
							 ('b@client.fr', '2017-11-09 10:00+01', NULL, false),
							 ('c@client.fr', '2017-11-09 10:00+01', NULL, NULL);
SELECT address, source_severity, hard FROM rebound.bounce WHERE source = 'flags' ORDER BY address;

-- without a transition table there is nothing to read: refused at the
-- first insert, never a silent no-op
CREATE TABLE crm_no_table (email text, at timestamptz, smtp text);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_no_table
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('none', 'email', 'at', 'smtp');
INSERT INTO crm_no_table VALUES ('a@client.fr', now(), 'x');
CREATE TABLE crm_before (email text, at timestamptz, smtp text);
CREATE TRIGGER to_ledger BEFORE INSERT ON crm_before
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('none', 'email', 'at', 'smtp');
INSERT INTO crm_before VALUES ('a@client.fr', now(), 'x');

-- a column renamed after CREATE TRIGGER is reported, not misread
ALTER TABLE crm_flags RENAME COLUMN smtp TO diagnostic;
INSERT INTO crm_flags VALUES ('d@client.fr', now(), NULL, true);
-- a column of the wrong type
CREATE TABLE crm_types (email text, at date, smtp text);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_types REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('types', 'email', 'at', 'smtp');
INSERT INTO crm_types VALUES ('a@client.fr', '2017-11-09', 'x');

-- an empty statement records nothing and says nothing
INSERT INTO crm_bulk SELECT * FROM crm_bulk WHERE false;

DROP TABLE crm_bulk, crm_flags, crm_no_table, crm_before, crm_types;

-- The statement form writes the ledger as COPY writes a table (buffered
-- multi-inserts, src/glue/capture.c), or, when the ledger has something
-- the executor must honour (here a trigger someone added), through one
-- INSERT ... SELECT.  Both record what the row form records: the same
-- rows, classified alike (user rules included), over batches of 1,000
-- rows and a diagnostic long enough to be TOASTed.
CREATE DOMAIN email_text AS text;
CREATE TABLE crm_row (email email_text, bounced_at timestamp, smtp varchar, class char(4));
CREATE TABLE crm_stmt (LIKE crm_row);
CREATE TABLE crm_sql (LIKE crm_row);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_row
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('row', 'email', 'bounced_at', 'smtp', 'class');
CREATE TRIGGER to_ledger AFTER INSERT ON crm_stmt REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('stmt', 'email', 'bounced_at', 'smtp', 'class');
CREATE TRIGGER to_ledger AFTER INSERT ON crm_sql REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('sql', 'email', 'bounced_at', 'smtp', 'class');
-- (an id of its own: classify_rules, later, expects the rule ids it gets)
INSERT INTO rebound.rule (id, pattern, reason, severity, infrastructure)
VALUES (1000, 'quota de la boite atteint', 'mailbox_full', 'soft', false);
CREATE TEMP TABLE crm_rows AS
SELECT 'Contact' || (g % 1700) || '@Client' || (g % 7) || '.FR' AS email,
	   timestamp '2017-11-09 07:00' + g * interval '1 s' AS bounced_at,
	   (ARRAY['550 5.1.1 <x@client.fr>: Recipient address rejected: User unknown in virtual mailbox table',
			  'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out',
			  '452 4.2.2 Quota de la boite atteint',
			  (SELECT string_agg(md5(i::text), ' ') FROM generate_series(1, 300) i),
			  NULL])[1 + g % 5] AS smtp,
	   (ARRAY['HARD', 'soft', NULL])[1 + g % 3] AS class
FROM generate_series(1, 5000) g;
INSERT INTO crm_row SELECT * FROM crm_rows;
INSERT INTO crm_stmt SELECT * FROM crm_rows;
CREATE TABLE ledger_rows_seen (n int);
CREATE FUNCTION count_ledger_row() RETURNS trigger LANGUAGE plpgsql
	AS $$BEGIN INSERT INTO public.ledger_rows_seen VALUES (1); RETURN NULL; END$$;
CREATE TRIGGER seen AFTER INSERT ON rebound.bounce FOR EACH ROW EXECUTE FUNCTION count_ledger_row();
INSERT INTO crm_sql SELECT * FROM crm_rows;
DROP TRIGGER seen ON rebound.bounce;
-- the trigger on the ledger saw each row of the SQL insert
SELECT count(*) AS rows_the_ledger_trigger_saw FROM ledger_rows_seen;
SELECT source, count(*), count(DISTINCT id) AS ids, count(*) FILTER (WHERE reason = 'mailbox_full') AS by_rule,
	   count(*) FILTER (WHERE pg_catalog.length(diagnostic) > 9000) AS long
FROM rebound.bounce WHERE source IN ('row', 'stmt', 'sql') GROUP BY 1 ORDER BY 1;
CREATE TEMP VIEW captured AS
SELECT source, address, domain, occurred_at, diagnostic, source_severity, reply_code,
	   status::text AS status, reason, severity, infrastructure, hard, forgiven_by
FROM rebound.bounce;
SELECT f.x AS form, f.y AS against, d.rows_without_twin
FROM (VALUES ('row', 'stmt'), ('stmt', 'row'), ('sql', 'stmt'), ('stmt', 'sql')) f(x, y)
CROSS JOIN LATERAL (SELECT count(*) AS rows_without_twin FROM (
	SELECT address, domain, occurred_at, diagnostic, source_severity, reply_code, status, reason,
		   severity, infrastructure, hard, forgiven_by FROM captured WHERE source = f.x
	EXCEPT ALL
	SELECT address, domain, occurred_at, diagnostic, source_severity, reply_code, status, reason,
		   severity, infrastructure, hard, forgiven_by FROM captured WHERE source = f.y) s) d;
-- ids from the ledger's identity, one block per statement, in (domain, address) order
SELECT source, max(id) - min(id) + 1 = count(*) AS one_block,
	   count(*) FILTER (WHERE k <> id - m) AS out_of_order
FROM (SELECT source, id, min(id) OVER w AS m,
			 row_number() OVER (PARTITION BY source ORDER BY domain, address, id) - 1 AS k
	  FROM rebound.bounce WHERE source IN ('stmt', 'sql') WINDOW w AS (PARTITION BY source)) s
GROUP BY 1 ORDER BY 1;
SELECT (SELECT max(id) FROM rebound.bounce WHERE source = 'row') < (SELECT min(id) FROM rebound.bounce WHERE source = 'stmt')
   AND (SELECT max(id) FROM rebound.bounce WHERE source = 'stmt') < (SELECT min(id) FROM rebound.bounce WHERE source = 'sql')
	   AS in_statement_order;

-- rebound's own BEFORE ROW triggers on the ledger fire for each row of the
-- batched write, as the SQL insert fires them: the detection summary's
-- marks, and hold_for_restore, whose WHEN clause holds while a dump is
-- being restored
BEGIN;
SET LOCAL track_functions = 'all';
SET LOCAL check_function_bodies = off;
INSERT INTO crm_stmt SELECT * FROM crm_rows LIMIT 1500;
SELECT funcname, calls FROM pg_stat_xact_user_functions
WHERE schemaname = 'rebound_internal' AND funcname IN ('detect_mark', 'restore_hold') ORDER BY 1;
-- and the rows went in by batches: the SQL insert would have called
-- rebound.classify() through the executor, once a row
SELECT COALESCE(sum(calls), 0) AS classify_calls FROM pg_stat_xact_user_functions
WHERE schemaname = 'rebound' AND funcname = 'classify';
SELECT count(*) FROM rebound.bounce WHERE source = 'stmt';
COMMIT;

-- an error in the middle of the ledger's insert (here a key taken, at the
-- 2,500th row, batches of rows already stored) leaves nothing of the
-- statement, in either table
TRUNCATE rebound.bounce;
CREATE TABLE crm_one_domain (email text, at timestamptz, smtp text);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_one_domain REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('one', 'email', 'at', 'smtp');
SELECT nextval('rebound.bounce_id_seq') AS next_id \gset
INSERT INTO rebound.bounce (id, address, domain, source, occurred_at)
VALUES (:next_id + 2500, 'taken@client.fr', 'client.fr', 'manual', '2017-11-09 07:00');
\set VERBOSITY terse
INSERT INTO crm_one_domain
SELECT 'u' || lpad(g::text, 5, '0') || '@client.fr', '2017-11-09 08:00', '550 5.1.1 User unknown'
FROM generate_series(1, 5000) g;
\set VERBOSITY default
SELECT source, count(*) FROM rebound.bounce GROUP BY 1;
SELECT count(*) AS crm_rows FROM crm_one_domain;

-- a cancel during a big statement (here its timeout) leaves nothing
-- either, wherever it lands: in the insert, or in the capture's loops
-- (which check for it at each row)
SET statement_timeout = '500ms';
\set VERBOSITY terse
INSERT INTO crm_one_domain
SELECT 'u' || g || '@client' || (g % 1000) || '.fr', '2017-11-09 08:00', '550 5.1.1 User unknown'
FROM generate_series(1, 500000) g;
\set VERBOSITY default
RESET statement_timeout;
SELECT source, count(*) FROM rebound.bounce GROUP BY 1;
SELECT count(*) AS crm_rows FROM crm_one_domain;

DROP TABLE crm_row, crm_stmt, crm_sql, crm_one_domain, ledger_rows_seen;
DROP VIEW captured;
DROP FUNCTION count_ledger_row();
DROP DOMAIN email_text;
DELETE FROM rebound.rule;

-- the ledger as the other tests expect it
TRUNCATE rebound.bounce;
