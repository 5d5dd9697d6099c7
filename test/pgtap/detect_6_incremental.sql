-- The detection summary (issue 13): detection that reads closed buckets
-- from the summary gives exactly what a full count from the ledger gives
-- (rebound.detect_summary = off), run after run over a moving clock,
-- through late, deleted and reclassified bounces, a retroactive change of
-- the provider map, a catalogue change and a change of bucket width.  The
-- summariser's two steps (detect_claim, detect_summarise) run here as
-- rebound.heal runs them, in one transaction.  The last checks disable
-- the marking trigger and see the comparison fail: the test depends on it.
\set QUIET 1
BEGIN;
\ir ../detect/scenario.sql
SELECT plan(31);

SELECT scenario.generate(300, 30000, 1500) AS generated \gset

-- rows of detection that differ between the summary and a full count,
-- over [since, until): buckets and incidents, every column compared
CREATE FUNCTION pg_temp.differences(since timestamptz, until timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	PERFORM set_config('rebound.detect_summary', 'off', true);
	CREATE TEMP TABLE full_b ON COMMIT DROP AS SELECT * FROM rebound.detect_buckets(since, until);
	CREATE TEMP TABLE full_i ON COMMIT DROP AS SELECT * FROM rebound.detect_incidents(since, until);
	PERFORM set_config('rebound.detect_summary', 'on', true);
	CREATE TEMP TABLE incr_b ON COMMIT DROP AS SELECT * FROM rebound.detect_buckets(since, until);
	CREATE TEMP TABLE incr_i ON COMMIT DROP AS SELECT * FROM rebound.detect_incidents(since, until);
	SELECT (SELECT count(*) FROM ((TABLE full_b EXCEPT ALL TABLE incr_b)
								  UNION ALL (TABLE incr_b EXCEPT ALL TABLE full_b)) x)
		 + (SELECT count(*) FROM ((TABLE full_i EXCEPT ALL TABLE incr_i)
								  UNION ALL (TABLE incr_i EXCEPT ALL TABLE full_i)) x)
	INTO n;
	DROP TABLE full_b, full_i, incr_b, incr_i;
	RETURN n;
END
$$;

-- a heal run's summariser steps at a clock: claim the run's lookback and
-- its baselines' history, then count (heal: at the end of one run and the
-- start of the next)
CREATE FUNCTION pg_temp.summarise(clock timestamptz) RETURNS bigint
LANGUAGE sql AS $$
	SELECT CASE WHEN rebound_internal.detect_claim(clock - interval '1 day' - interval '29 days', clock)
				THEN rebound_internal.detect_summarise() END
$$;

-- the share of a day's judged stretches the summary holds: the test means
-- nothing if detection never reads it
CREATE FUNCTION pg_temp.covered_days() RETURNS float8
LANGUAGE sql AS $$
	SELECT coalesce(sum(hi - lo), 0) / 96.0
	FROM rebound_internal.detect_covered((SELECT extract(epoch FROM bucket)::int FROM rebound.detect_settings()))
$$;

-- ---- a moving clock: bounces arrive, a heal('1 day') every six hours
CREATE TEMP TABLE runs (clock timestamptz, differences bigint, counted bigint);
SELECT scenario.load('-infinity', '2017-11-03') > 0 AS loaded \gset
DO $$
DECLARE
	clock timestamptz := '2017-11-03';
	s bigint;
BEGIN
	WHILE clock <= '2017-11-10' LOOP
		PERFORM scenario.load(clock - interval '6 hours', clock);
		s := pg_temp.summarise(clock);
		INSERT INTO runs VALUES (clock, pg_temp.differences(clock - interval '1 day', clock), s);
		clock := clock + interval '6 hours';
	END LOOP;
END
$$;
SELECT is((SELECT count(*) FROM runs), 29::bigint, '29 runs of a clock moving six hours at a time');
SELECT is((SELECT sum(differences) FROM runs), 0::numeric,
	'every run: the same buckets and incidents as a full count');
SELECT ok((SELECT count(*) FROM rebound.detect_count) > 500, 'the summary holds counts');
SELECT ok(pg_temp.covered_days() > 14, 'and covers the weeks the baselines read');
SELECT is((SELECT count(*) FROM rebound.detect_incidents('2017-11-09', '2017-11-10')), 1::bigint,
	'the outage is found through the summary');

-- ---- late bounces into summarised buckets (a backfill, a delayed webhook)
SELECT is((SELECT count(*) FROM rebound.detect_dirty), 0::bigint, 'no marks after a run');
INSERT INTO rebound.bounce (address, domain, source, occurred_at, diagnostic,
	source_severity, reply_code, status, reason, severity, infrastructure)
SELECT 'late-' || b.address, b.domain, 'backfill', b.occurred_at - interval '3 days', b.diagnostic,
	   b.source_severity, b.reply_code, b.status, b.reason, b.severity, b.infrastructure
FROM rebound.bounce b
WHERE b.infrastructure AND b.occurred_at >= '2017-11-09 07:00' AND b.occurred_at < '2017-11-09 08:00';
SELECT ok((SELECT count(*) FROM rebound.detect_dirty) BETWEEN 1 AND 8,
	'late bounces mark their buckets, each once');
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'late bounces: the same as a full count before the next run');
SELECT ok(pg_temp.summarise('2017-11-10') > 0, 'the next run counts the marked buckets again');
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint, 'and after it');

-- ---- deleted and reclassified bounces; forgiving marks nothing
DELETE FROM rebound.bounce WHERE source = 'backfill' AND occurred_at < '2017-11-06 07:20';
UPDATE rebound.bounce SET severity = 'soft', source_severity = NULL
WHERE source = 'backfill' AND occurred_at >= '2017-11-06 07:40';
UPDATE rebound.bounce SET diagnostic = '550 5.1.1 user unknown'
WHERE source = 'backfill' AND occurred_at >= '2017-11-06 07:20' AND occurred_at < '2017-11-06 07:30';
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'deleted and reclassified bounces: the same as a full count');
SELECT pg_temp.summarise('2017-11-10') IS NOT NULL AS counted \gset
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint, 'and after the next run');
UPDATE rebound.bounce SET forgiven_by = NULL WHERE occurred_at >= '2017-11-01' AND hard;
SELECT is((SELECT count(*) FROM rebound.detect_dirty), 0::bigint,
	'forgiving (or not) changes nothing detection counts: no mark');

-- ---- the provider map changes history: an OVH domain's mail was at
-- Google from 3 November on (observed late, out of order); an OVH mail
-- host's address moves
SELECT rebound.observe_domain(d.domain, 'mx', '{aspmx.l.google.com}', '2017-11-03')
FROM scenario.domain d WHERE d.category = 'ovh' ORDER BY d.domain LIMIT 5;
SELECT rebound.observe_host(h.host, '{192.0.2.99}', '2017-11-04')
FROM (SELECT DISTINCT host FROM rebound.domain_host WHERE host LIKE '%.mail.ovh.net' ORDER BY 1 LIMIT 1) h;
SELECT ok((SELECT count(*) FROM rebound.detect_dirty) > 0, 'the map''s changes mark what they change');
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'a retroactive map change: the same as a full count');
SELECT pg_temp.summarise('2017-11-10') IS NOT NULL AS counted \gset
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint, 'and after the next run');

-- ---- a domain first observed after its bounces: its first observation
-- holds for all of time, and marks the buckets of its bounces, not all
-- of time
INSERT INTO rebound.bounce (address, domain, source, occurred_at, diagnostic,
	source_severity, reply_code, status, reason, severity, infrastructure)
SELECT 'u' || g || '@newco-late.example', 'newco-late.example', 'backfill',
	   timestamptz '2017-11-07 03:10' + g * interval '97 minutes', b.diagnostic,
	   b.source_severity, b.reply_code, b.status, b.reason, b.severity, b.infrastructure
FROM generate_series(1, 12) g,
	 (SELECT * FROM rebound.bounce WHERE infrastructure AND hard AND diagnostic ILIKE '%timed out%'
	  ORDER BY id LIMIT 1) b;
SELECT pg_temp.summarise('2017-11-10') IS NOT NULL AS counted \gset
SELECT rebound.observe_domain('newco-late.example', 'mx', '{mx1.mail.ovh.net}', '2017-11-09 12:00');
SELECT is((SELECT count(*) FROM rebound.detect_dirty), 12::bigint,
	'a first observation marks the buckets of the domain''s infrastructure bounces');
SELECT is((SELECT count(*) FROM rebound.detect_dirty WHERE lower_inf(during) OR upper_inf(during)), 0::bigint,
	'and not all of time');
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'a domain observed after its bounces: the same as a full count');
SELECT pg_temp.summarise('2017-11-10') IS NOT NULL AS counted \gset
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint, 'and after the next run');

-- ---- a bounce moved in time and to another domain, a host's addresses
-- deleted
UPDATE rebound.bounce SET occurred_at = occurred_at + interval '5 hours'
WHERE id IN (SELECT id FROM rebound.bounce WHERE infrastructure AND occurred_at >= '2017-11-08 06:00'
			 ORDER BY id LIMIT 40);
UPDATE rebound.bounce SET domain = 'gmail.com'
WHERE id IN (SELECT id FROM rebound.bounce WHERE infrastructure AND occurred_at >= '2017-11-07 06:00'
			 AND domain <> 'gmail.com' ORDER BY id DESC LIMIT 40);
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'bounces moved in time and between domains: the same as a full count');
DELETE FROM rebound.host_address
WHERE host = (SELECT host FROM rebound.host_address WHERE host LIKE '%.mail.ovh.net' ORDER BY host LIMIT 1);
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'a host''s addresses deleted: the same as a full count');
SELECT pg_temp.summarise('2017-11-10') IS NOT NULL AS counted \gset
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint, 'and after the next run');

-- ---- the catalogue: a host suffix given to another provider changes
-- which provider every domain of it depended on, at any time
INSERT INTO rebound.provider (name) VALUES ('ovh-mail-test');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('ovh-mail-test', 'host_suffix', 'mx1.mail.ovh.net');
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'a catalogue change: the same as a full count');
SELECT pg_temp.summarise('2017-11-10') IS NOT NULL AS counted \gset
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint, 'and after the next run');

-- ---- another bucket width: the summary of 15 minutes is not used
SET LOCAL rebound.detect_bucket = '30min';
SELECT is(pg_temp.covered_days(), 0::float8, 'a width the summary was not counted with: nothing covered');
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'30-minute buckets: the same as a full count');
SELECT pg_temp.summarise('2017-11-10') IS NOT NULL AS counted \gset
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint,
	'and once the summary starts over at 30 minutes');
SET LOCAL rebound.detect_bucket = '15min';
SELECT pg_temp.summarise('2017-11-10') IS NOT NULL AS counted \gset

-- ---- the test can fail: without the marks, late bounces are missed
ALTER TABLE rebound.bounce DISABLE TRIGGER detect_mark;
INSERT INTO rebound.bounce (address, domain, source, occurred_at, diagnostic,
	source_severity, reply_code, status, reason, severity, infrastructure)
SELECT 'unmarked-' || b.address, b.domain, 'backfill', b.occurred_at - interval '2 days', b.diagnostic,
	   b.source_severity, b.reply_code, b.status, b.reason, b.severity, b.infrastructure
FROM rebound.bounce b
WHERE b.infrastructure AND b.occurred_at >= '2017-11-09 07:00' AND b.occurred_at < '2017-11-09 08:00'
  AND b.source <> 'backfill';
ALTER TABLE rebound.bounce ENABLE TRIGGER detect_mark;
SELECT ok(pg_temp.differences('2017-11-06', '2017-11-10') > 0,
	'late bounces without their marks: the summary differs from a full count');
SELECT ok(rebound.detect_rebuild('2017-10-01') > 0, 'detect_rebuild counts it all again');
SELECT is(pg_temp.differences('2017-11-06', '2017-11-10'), 0::bigint, 'and then it agrees again');

SELECT * FROM finish();
ROLLBACK;
