-- rebound.parse_dsn stops when asked to: a bounce built to keep a backend
-- busy (issue 15: 50 MB of upper-case lines ran for minutes through
-- statement_timeout) is cancelled within moments of the timeout.  The
-- pg_cancel_backend and pg_terminate_backend variants need a second
-- session: test/cancel.sh.
BEGIN;
SELECT plan(5);

-- 50 MB of upper-case lines in the text part of a delivery report
CREATE TEMP TABLE big AS SELECT $h$Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: news@example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BB"

--BB
Content-Type: text/plain; charset=us-ascii

$h$ || repeat(E'THIS IS AN UPPER CASE LINE OF A BOUNCE THAT NEVER ENDS\n', 900000) || $t$
--BB
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; jean@example.org
Action: failed
Status: 5.1.1

--BB--
$t$ AS m;

SELECT cmp_ok(length(m), '>', 45000000, 'the mail is about 50 MB') FROM big;

-- How a statement ends and how long it took.  WHEN OTHERS (and so pgTAP's
-- throws_ok) does not catch a cancel: query_canceled must be named.
CREATE FUNCTION pg_temp.run_for(q text, OUT state text, OUT ms float8)
LANGUAGE plpgsql AS $f$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	EXECUTE q;
	state := '00000';
	ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
EXCEPTION WHEN query_canceled THEN
	state := SQLSTATE;
	ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END
$f$;

-- The mail is read ten times: the statement outlasts the timeout on any
-- machine, and on ours (about 3 s a reading) the cancel lands in the core.
SET LOCAL statement_timeout = '1s';
CREATE TEMP TABLE text_run AS
SELECT * FROM pg_temp.run_for(
	$$SELECT count(*) FROM big, generate_series(1, 10), rebound.parse_dsn(big.m)$$);
CREATE TEMP TABLE bytea_run AS
SELECT * FROM pg_temp.run_for(
	$$SELECT count(*) FROM big, generate_series(1, 10), rebound.parse_dsn(big.m::bytea)$$);
RESET statement_timeout;
SELECT diag('text: ' || state || ' after ' || round(ms) || ' ms') FROM text_run;
SELECT diag('bytea: ' || state || ' after ' || round(ms) || ' ms') FROM bytea_run;

SELECT is(state, '57014', 'parse_dsn(text) of 50 MB is cancelled by statement_timeout') FROM text_run;
SELECT cmp_ok(ms, '<', 4000::float8, 'parse_dsn(text) stops within 3 s of the timeout') FROM text_run;
SELECT is(state, '57014', 'parse_dsn(bytea) of 50 MB is cancelled by statement_timeout') FROM bytea_run;
SELECT cmp_ok(ms, '<', 4000::float8, 'parse_dsn(bytea) stops within 3 s of the timeout') FROM bytea_run;

SELECT * FROM finish();
ROLLBACK;
