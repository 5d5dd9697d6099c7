--
-- The bounce ledger: normalized addresses, record_bounce(), and the
-- triggers that wire CRM bounce tables to it.
--
SET timezone = 'Europe/Paris';

-- addresses are stored in one form
SELECT a, rebound.normalize_address(a)
FROM (VALUES ('Jean.Dupont@Wanadoo.FR.'),
             ('  Contact <Contact@OVH.net> '),
             ('"Sales EMEA"@Example.COM'),
             ('Ünïcode@Bücher.example'),
             ('Root@[IPv6:2001:DB8::1]')) v(a);
SELECT rebound.normalize_address('jean.dupont.wanadoo.fr');
SELECT rebound.normalize_address('< @wanadoo.fr>');
SELECT rebound.normalize_address(NULL) IS NULL AS strict;

-- record_bounce: classified at insert; the sender's verdict counts
SELECT rebound.record_bounce('Jean@Client.FR', '2017-11-09 08:00', '550 5.1.1 <jean@client.fr>: Recipient address rejected: User unknown in virtual mailbox table', 'campaigns') > 0 AS recorded;
SELECT rebound.record_bounce('paul@client.fr', '2017-11-09 08:05', NULL, 'dmp', 'hard') > 0 AS only_hard;
SELECT rebound.record_bounce('zoe@client.fr', '2017-11-09 08:10', 'hard bounce', 'automation', 'hard') > 0 AS says_hard;
SELECT rebound.record_bounce('eve@client.fr', '2017-11-09 08:15', NULL) > 0 AS nothing_known;
SELECT address, domain, source, occurred_at, source_severity, reason, severity, hard, forgiven_by
FROM rebound.bounce ORDER BY id;

-- what cannot be stored is refused, with a reason
SELECT rebound.record_bounce(NULL, '2017-11-09 08:00', 'x');
SELECT rebound.record_bounce('jean@client.fr', NULL, 'x');
SELECT rebound.record_bounce('jean.client.fr', '2017-11-09 08:00', 'x');
SELECT rebound.record_bounce('jean@', '2017-11-09 08:00', 'x');
SELECT rebound.record_bounce('jean@client.fr', '2017-11-09 08:00', 'x', '');
SELECT count(*) AS still_four FROM rebound.bounce;

-- a CRM's own bounce table, wired both ways
CREATE TABLE crm_bounce (
	id serial PRIMARY KEY,
	email varchar(320),
	bounced_at timestamp,
	smtp_response text,
	bounce_type text,
	why rebound.reason,
	how_bad text,
	infra boolean
);
CREATE TRIGGER crm_bounce_classify BEFORE INSERT OR UPDATE ON crm_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('smtp_response', 'why', 'how_bad', 'infra');
CREATE TRIGGER crm_bounce_capture AFTER INSERT ON crm_bounce
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('campaigns', 'email', 'bounced_at', 'smtp_response', 'bounce_type');

INSERT INTO crm_bounce (email, bounced_at, smtp_response, bounce_type) VALUES
	('Anne@Example.ORG', '2017-11-09 09:00', '550 5.1.1 <anne@example.org>: Recipient address rejected: User unknown', NULL),
	('bob@example.org', '2017-11-09 09:01', NULL, 'HARD'),
	('carl@example.org', '2017-11-09 09:02', NULL, 'soft');
SELECT email, why, how_bad IS NOT NULL AS has_severity, infra IS NOT NULL AS has_infra FROM crm_bounce ORDER BY id;
SELECT address, source, occurred_at, source_severity, hard FROM rebound.bounce WHERE domain = 'example.org' ORDER BY id;

-- an update reclassifies the CRM row, and does not copy it again
UPDATE crm_bounce SET smtp_response = NULL WHERE email = 'Anne@Example.ORG';
SELECT email, why, how_bad, infra FROM crm_bounce WHERE email = 'Anne@Example.ORG';
SELECT count(*) AS still_three FROM rebound.bounce WHERE domain = 'example.org';

-- COPY goes through the triggers too
COPY crm_bounce (email, bounced_at, smtp_response, bounce_type) FROM stdin;
dave@example.org	2017-11-09 09:10:00	\N	hard
erin@example.org	2017-11-09 09:11:00	421 4.4.2 Connection timed out	soft
\.
SELECT count(*) AS five FROM rebound.bounce WHERE domain = 'example.org';

-- a row the ledger cannot take is refused with the CRM row, never dropped
INSERT INTO crm_bounce (email, bounced_at) VALUES (NULL, '2017-11-09 09:20');
INSERT INTO crm_bounce (email, bounced_at) VALUES ('frank@example.org', NULL);
INSERT INTO crm_bounce (email, bounced_at) VALUES ('no-domain', '2017-11-09 09:20');
INSERT INTO crm_bounce (email, bounced_at, bounce_type) VALUES ('gus@example.org', '2017-11-09 09:20', 'maybe');
SELECT count(*) AS still_five FROM crm_bounce;

-- the sender's severity as a boolean or as rebound.severity
CREATE TABLE crm_flags (addr text, at timestamptz, diag text, is_hard boolean, sev rebound.severity);
CREATE TRIGGER by_bool AFTER INSERT ON crm_flags
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('flags-bool', 'addr', 'at', 'diag', 'is_hard');
CREATE TRIGGER by_enum AFTER INSERT ON crm_flags
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('flags-enum', 'addr', 'at', 'diag', 'sev');
INSERT INTO crm_flags VALUES ('h@flags.example', '2017-11-09 10:00', NULL, true, 'soft');
SELECT source, source_severity FROM rebound.bounce WHERE domain = 'flags.example' ORDER BY source;

-- trigger misuse: an error at the first row, naming the trigger and the column
CREATE TABLE crm_misuse (addr text, at timestamptz, diag text, n int, r varchar(4), g text GENERATED ALWAYS AS (diag) STORED);
CREATE TRIGGER t_missing AFTER INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('x', 'address', 'at', 'diag');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER t_missing ON crm_misuse;
CREATE TRIGGER t_type AFTER INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('x', 'addr', 'n', 'diag');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER t_type ON crm_misuse;
CREATE TRIGGER t_sev AFTER INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('x', 'addr', 'at', 'diag', 'n');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER t_sev ON crm_misuse;
CREATE TRIGGER t_before BEFORE INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('x', 'addr', 'at', 'diag');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER t_before ON crm_misuse;
CREATE TRIGGER t_statement AFTER INSERT ON crm_misuse
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('x', 'addr', 'at', 'diag');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER t_statement ON crm_misuse;
CREATE TRIGGER t_update AFTER UPDATE ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('x', 'addr', 'at', 'diag');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
UPDATE crm_misuse SET diag = 'x';
DROP TRIGGER t_update ON crm_misuse;
CREATE TRIGGER t_args AFTER INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('x', 'addr', 'at');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER t_args ON crm_misuse;
CREATE TRIGGER t_nosource AFTER INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('', 'addr', 'at', 'diag');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER t_nosource ON crm_misuse;
CREATE TRIGGER c_after AFTER INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('diag', 'r');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER c_after ON crm_misuse;
CREATE TRIGGER c_limit BEFORE INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('diag', 'r');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER c_limit ON crm_misuse;
CREATE TRIGGER c_infra BEFORE INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('diag', '', '', 'n');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER c_infra ON crm_misuse;
CREATE TRIGGER c_generated BEFORE INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('diag', 'g');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER c_generated ON crm_misuse;
CREATE TRIGGER c_nothing BEFORE INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('diag', '');
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
DROP TRIGGER c_nothing ON crm_misuse;
-- the diagnostic is not overwritten by its own verdict
CREATE TRIGGER c_self BEFORE INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('diag', 'diag');
INSERT INTO crm_misuse (addr, at, diag) VALUES ('a@b.example', now(), '550 5.1.1 User unknown');
DROP TRIGGER c_self ON crm_misuse;
-- a column dropped after CREATE TRIGGER is reported at the next row
CREATE TRIGGER t_later AFTER INSERT ON crm_misuse
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('x', 'addr', 'at', 'diag');
ALTER TABLE crm_misuse DROP COLUMN diag CASCADE;
INSERT INTO crm_misuse (addr, at) VALUES ('a@b.example', now());
SELECT rebound.capture_bounce();
SELECT count(*) AS misuse_recorded_nothing FROM rebound.bounce WHERE domain = 'b.example';

DROP TABLE crm_bounce, crm_flags, crm_misuse;
