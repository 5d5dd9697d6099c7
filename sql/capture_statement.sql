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

-- the ledger as the other tests expect it
TRUNCATE rebound.bounce;
