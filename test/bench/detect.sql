-- test/bench/detect.sql — timings of incident detection, as ratios to a
-- reference pass over the same rows in the same session (test/bench/detect.sh).
\pset footer off
\set QUIET 1
SELECT count(*) AS ledger_rows, min(occurred_at)::date AS first_day, max(occurred_at)::date AS last_day
FROM rebound.bounce;
SELECT date_trunc('day', max(occurred_at)) AS last_day,
	   date_trunc('day', min(occurred_at)) AS first_day
FROM rebound.bounce \gset

CREATE TEMP TABLE timing (what text, seconds float8, result text);
-- each measured twice, the second (warm) run counts
DO $$
DECLARE
	t0 timestamptz;
	n bigint;
	lo timestamptz := date_trunc('day', (SELECT min(occurred_at) FROM rebound.bounce));
	hi timestamptz := date_trunc('day', (SELECT max(occurred_at) FROM rebound.bounce)) + interval '1 day';
	r text;
BEGIN
	FOR pass IN 1 .. 2 LOOP
		DELETE FROM timing;
		t0 := clock_timestamp();
		SELECT count(*) INTO n FROM (
			SELECT floor(extract(epoch FROM occurred_at) / 900), count(*)
			FROM rebound.bounce
			WHERE hard AND infrastructure AND occurred_at >= lo AND occurred_at < hi
			GROUP BY 1) x;
		INSERT INTO timing VALUES ('reference: the month''s signal counted per bucket',
			extract(epoch FROM clock_timestamp() - t0), n || ' buckets');

		t0 := clock_timestamp();
		SELECT string_agg(provider || ' ' || during::text, '; ') INTO r
		FROM rebound.detect_incidents(lo, hi);
		INSERT INTO timing VALUES ('detect_incidents over the month',
			extract(epoch FROM clock_timestamp() - t0), r);

		t0 := clock_timestamp();
		SELECT string_agg(provider || ' ' || during::text, '; ') INTO r
		FROM rebound.detect_incidents(hi - interval '1 day', hi);
		INSERT INTO timing VALUES ('detect_incidents over the last day (a heal(''1 day'') run)',
			extract(epoch FROM clock_timestamp() - t0), r);
	END LOOP;
END
$$;
\set VERBOSITY terse
SELECT clock_timestamp() AS t0 \gset
CALL rebound.heal('31 days', true);
INSERT INTO timing SELECT 'CALL rebound.heal(''31 days'', dry_run => true)',
	extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), NULL;

SELECT what, round(seconds::numeric, 2) AS seconds,
	   round((seconds / (SELECT seconds FROM timing WHERE what LIKE 'reference%'))::numeric, 1) AS ratio,
	   result
FROM timing ORDER BY seconds;

-- The detection summary (issue 13): what a heal('1 day') run's detection
-- reads, with the summary and with a full count (rebound.detect_summary
-- off), for baselines that read one week and four weeks of history.  With
-- the summary the run reads the last hour's bounces and the counts of the
-- windows, so four weeks cost about what one week does; a full count reads
-- every window's bounces and the provider map again.  Buffers (shared
-- blocks hit or read, nested queries included) and milliseconds of the
-- warm run, as ratios within this session.
CREATE FUNCTION pg_temp.cost(q text, OUT ms float8, OUT blocks bigint)
LANGUAGE plpgsql AS $$
DECLARE
	j json;
BEGIN
	FOR pass IN 1 .. 2 LOOP
		EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || q INTO j;
	END LOOP;
	ms := (j -> 0 ->> 'Execution Time')::float8;
	blocks := (j -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint
			  + (j -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint;
END
$$;
SELECT clock_timestamp() AS t0 \gset
SELECT rebound.detect_rebuild(:'first_day'::timestamptz - interval '1 day') AS stretches \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 2) AS rebuild_seconds,
	   (SELECT count(*) FROM rebound.detect_count) AS count_rows,
	   (SELECT count(*) FROM rebound.detect_volume) AS volume_rows,
	   pg_size_pretty(pg_total_relation_size('rebound.detect_count')
					  + pg_total_relation_size('rebound.detect_volume')) AS summary_size;
CREATE TEMP TABLE summary_cost (weeks int, summary text, ms float8, blocks bigint);
DO $$
DECLARE
	c record;
	w int;
	s text;
BEGIN
	FOREACH w IN ARRAY ARRAY[1, 4] LOOP
		PERFORM set_config('rebound.detect_baseline_weeks', w::text, true);
		FOREACH s IN ARRAY ARRAY['off', 'on'] LOOP
			PERFORM set_config('rebound.detect_summary', s, true);
			c := pg_temp.cost('SELECT * FROM rebound.detect_incidents(now() - interval ''1 day'', now())');
			INSERT INTO summary_cost VALUES (w, s, c.ms, c.blocks);
		END LOOP;
	END LOOP;
	PERFORM set_config('rebound.detect_baseline_weeks', '4', true);
	PERFORM set_config('rebound.detect_summary', 'on', true);
END
$$;
SELECT summary, weeks, round(ms::numeric, 1) AS ms, blocks,
	   round((blocks::numeric / (SELECT blocks FROM summary_cost r WHERE r.summary = c.summary AND r.weeks = 1)), 2)
		   AS blocks_vs_1_week,
	   round((ms / (SELECT ms FROM summary_cost r WHERE r.summary = c.summary AND r.weeks = 1))::numeric, 2)
		   AS ms_vs_1_week,
	   round((blocks::numeric / (SELECT blocks FROM summary_cost r WHERE r.summary = 'off' AND r.weeks = c.weeks)), 3)
		   AS blocks_vs_full_count
FROM summary_cost c ORDER BY summary, weeks;

-- a whole heal('1 day') run (dry), warm, with a full count and with the
-- summary
SET client_min_messages = warning;
SET rebound.detect_summary = off;
CALL rebound.heal('1 day', true);
SELECT clock_timestamp() AS t0 \gset
CALL rebound.heal('1 day', true);
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS heal_full \gset
SET rebound.detect_summary = on;
CALL rebound.heal('1 day', true);
SELECT clock_timestamp() AS t0 \gset
CALL rebound.heal('1 day', true);
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS heal_summary \gset
RESET client_min_messages;
SELECT round(:heal_full::numeric, 3) AS heal_1_day_full_count_s,
	   round(:heal_summary::numeric, 3) AS heal_1_day_summary_s,
	   round((:heal_summary / :heal_full)::numeric, 3) AS ratio;
