-- test/bench/copy.sql — COPY of :copy_rows rows into a CRM bounce table,
-- without rebound, with capture_bounce (each row classified and copied to
-- the ledger), with its statement form (the transition table written to
-- the ledger as COPY writes a table, the form README recommends for bulk
-- loads), with the statement form's SQL insert (INSERT ... SELECT, which
-- it uses when the ledger has a trigger of someone else's: one is added
-- for that run), and with capture_bounce and classify_bounce.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;

CREATE TEMP TABLE src AS
SELECT 'contact' || g || '@d' || (g % 100000) || '.example' AS email,
	   timestamptz '2017-11-09 07:00' + g * interval '10 ms' AS bounced_at,
	   (ARRAY['550 5.1.1 <x@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
			  'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out',
			  'Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again',
			  '452 4.2.2 The email account that you tried to reach is over quota.',
			  NULL])[1 + g % 5] AS diagnostic,
	   CASE WHEN g % 3 = 0 THEN 'soft' ELSE 'hard' END AS bounce_class
FROM generate_series(1, :copy_rows) g;
-- a directory of this run's own: two runs at once (two clusters on one
-- machine) must not read each other's file
SELECT '/tmp/rebound-bench-copy.' || pg_catalog.pg_backend_pid() || '.' ||
	   pg_catalog.md5(pg_catalog.random()::text) AS bench_dir \gset
\setenv REBOUND_BENCH_DIR :bench_dir
\! mkdir -m 700 "$REBOUND_BENCH_DIR"
\cd :bench_dir
\copy src TO 'copy.tsv'

CREATE TABLE crm_plain (email text, bounced_at timestamptz, diagnostic text, bounce_class text);
CREATE TABLE crm_capture (LIKE crm_plain);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_capture
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('bench', 'email', 'bounced_at', 'diagnostic', 'bounce_class');
CREATE TABLE crm_statement (LIKE crm_plain);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_statement REFERENCING NEW TABLE AS inserted
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('bench', 'email', 'bounced_at', 'diagnostic', 'bounce_class');
CREATE TABLE crm_statement_sql (LIKE crm_plain);
CREATE TRIGGER to_ledger AFTER INSERT ON crm_statement_sql REFERENCING NEW TABLE AS inserted
	FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce('bench', 'email', 'bounced_at', 'diagnostic', 'bounce_class');
CREATE FUNCTION public.bench_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE TABLE crm_both (LIKE crm_plain, reason rebound.reason, severity rebound.severity, infrastructure boolean);
CREATE TRIGGER classify BEFORE INSERT ON crm_both
	FOR EACH ROW EXECUTE FUNCTION rebound.classify_bounce('diagnostic', 'reason', 'severity', 'infrastructure');
CREATE TRIGGER to_ledger AFTER INSERT ON crm_both
	FOR EACH ROW EXECUTE FUNCTION rebound.capture_bounce('bench', 'email', 'bounced_at', 'diagnostic', 'bounce_class');

CREATE TEMP TABLE copy_result (target text, ms float8);
SELECT clock_timestamp() AS t0 \gset
\copy crm_plain FROM 'copy.tsv'
INSERT INTO copy_result SELECT 'no trigger', extract(epoch FROM clock_timestamp() - :'t0') * 1000;
SELECT clock_timestamp() AS t0 \gset
\copy crm_capture FROM 'copy.tsv'
INSERT INTO copy_result SELECT 'capture_bounce', extract(epoch FROM clock_timestamp() - :'t0') * 1000;
TRUNCATE rebound.bounce;
SELECT clock_timestamp() AS t0 \gset
\copy crm_statement FROM 'copy.tsv'
INSERT INTO copy_result SELECT 'capture_bounce, statement', extract(epoch FROM clock_timestamp() - :'t0') * 1000;
SELECT count(*) AS statement_ledger_rows FROM rebound.bounce \gset
\echo statement form recorded :statement_ledger_rows rows
TRUNCATE rebound.bounce;
-- the same without the detection summary's marking trigger (issue 13):
-- what marking costs a bulk load
ALTER TABLE rebound.bounce DISABLE TRIGGER detect_mark;
TRUNCATE crm_statement;
SELECT clock_timestamp() AS t0 \gset
\copy crm_statement FROM 'copy.tsv'
INSERT INTO copy_result SELECT 'capture_bounce, statement, without detect_mark', extract(epoch FROM clock_timestamp() - :'t0') * 1000;
ALTER TABLE rebound.bounce ENABLE TRIGGER detect_mark;
TRUNCATE rebound.bounce;
-- and with the summary active and every row late (a backfill into
-- summarised buckets: one mark per bucket and transaction)
SELECT rebound.detect_rebuild(timestamptz '2017-11-01') IS NOT NULL AS rebuilt \gset
TRUNCATE crm_statement;
SELECT clock_timestamp() AS t0 \gset
\copy crm_statement FROM 'copy.tsv'
INSERT INTO copy_result SELECT 'capture_bounce, statement, late rows marked', extract(epoch FROM clock_timestamp() - :'t0') * 1000;
SELECT count(*) AS marks FROM rebound.detect_dirty \gset
\echo late rows left :marks marks
SELECT rebound.detect_rebuild() IS NOT NULL AS emptied \gset
TRUNCATE rebound.bounce;
CREATE TRIGGER someone_elses AFTER INSERT ON rebound.bounce FOR EACH STATEMENT EXECUTE FUNCTION public.bench_noop();
SELECT clock_timestamp() AS t0 \gset
\copy crm_statement_sql FROM 'copy.tsv'
INSERT INTO copy_result SELECT 'capture_bounce, statement, SQL insert', extract(epoch FROM clock_timestamp() - :'t0') * 1000;
DROP TRIGGER someone_elses ON rebound.bounce;
SELECT count(*) AS statement_ledger_rows FROM rebound.bounce \gset
\echo statement form, SQL insert, recorded :statement_ledger_rows rows
TRUNCATE rebound.bounce;
SELECT clock_timestamp() AS t0 \gset
\copy crm_both (email, bounced_at, diagnostic, bounce_class) FROM 'copy.tsv'
INSERT INTO copy_result SELECT 'classify_bounce + capture_bounce', extract(epoch FROM clock_timestamp() - :'t0') * 1000;
\! rm -rf "$REBOUND_BENCH_DIR"

\echo
\echo '== COPY of' :copy_rows 'rows into a CRM bounce table'
SELECT target, round(ms::numeric) AS ms,
	   round((:copy_rows / (ms / 1000))::numeric) AS rows_per_s,
	   round((ms / (SELECT ms FROM copy_result WHERE target = 'no trigger'))::numeric, 1) AS vs_no_trigger
FROM copy_result;
SELECT count(*) AS ledger_rows FROM rebound.bounce;
