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
