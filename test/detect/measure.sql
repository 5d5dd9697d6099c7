-- test/detect/measure.sql — detection against the generator's truth.
-- Run after scenario.generate() and scenario.load(); prints:
--   1. each detected incident beside the truth, with start and end errors;
--   2. the decoys: their strongest bucket, judged and untrimmed;
--   3. false incidents at stricter and looser settings;
--   4. calibration: how often ordinary buckets reach each score, against
--      the Poisson probability the score stands for.
\pset footer off
\set QUIET 1
\set ON_ERROR_STOP 1
SELECT min(occurred_at) AS lo, max(occurred_at) + interval '1 second' AS hi FROM rebound.bounce \gset

CREATE TEMP TABLE detected AS
SELECT * FROM rebound.detect_incidents(:'lo', :'hi');
CREATE TEMP TABLE buckets AS
SELECT * FROM rebound.detect_buckets(:'lo', :'hi');

\echo '== 1. Detected incidents against the truth'
SELECT coalesce(d.provider, t.provider) AS provider,
	   d.during AS detected, t.during AS truth,
	   round(extract(epoch FROM lower(d.during) - lower(t.during))) AS start_error_s,
	   round(extract(epoch FROM upper(d.during) - upper(t.during))) AS end_error_s,
	   abs(extract(epoch FROM lower(d.during) - lower(t.during))) <= extract(epoch FROM (rebound.detect_settings()).bucket)
	   AND abs(extract(epoch FROM upper(d.during) - upper(t.during))) <= extract(epoch FROM (rebound.detect_settings()).bucket)
		   AS within_one_bucket,
	   d.hard_bounces, d.baseline, d.score, d.layers
FROM detected d
FULL JOIN (SELECT * FROM scenario.truth WHERE incident) t
  ON t.provider = d.provider AND t.during && d.during
ORDER BY 1;

SELECT count(*) AS false_incidents FROM detected d
WHERE NOT EXISTS (SELECT 1 FROM scenario.truth t WHERE t.incident AND t.provider = d.provider AND t.during && d.during);

\echo '== 2. Decoys: the strongest bucket of the decoy''s provider during the decoy'
SELECT t.label, t.provider, count(b.*) AS buckets,
	   max(b.bounces) AS max_bounces, max(b.counted) AS max_counted,
	   round(max(b.score)::numeric, 2) AS max_score,
	   round(max(rebound.poisson_score(b.bounces, b.baseline))::numeric, 2) AS max_score_untrimmed,
	   (rebound.detect_settings()).threshold AS threshold,
	   (rebound.detect_settings()).min_count AS min_count
FROM scenario.truth t
LEFT JOIN buckets b ON b.provider = t.provider
	AND b.bucket >= lower(t.during) - (rebound.detect_settings()).bucket AND b.bucket < upper(t.during)
WHERE NOT t.incident
GROUP BY t.label, t.provider ORDER BY 1;

\echo '== 3. False incidents at other settings'
CREATE TEMP TABLE ladder (threshold float8, min_count int, false_incidents bigint, outage_found boolean);
DO $$
DECLARE th float8; mc int; lo timestamptz; hi timestamptz;
BEGIN
	SELECT min(occurred_at), max(occurred_at) + interval '1 second' INTO lo, hi FROM rebound.bounce;
	FOREACH th IN ARRAY ARRAY[2.0, 3.0, 4.0, 6.0, 8.0] LOOP
		FOREACH mc IN ARRAY ARRAY[3, 5, 10, 20] LOOP
			PERFORM set_config('rebound.detect_threshold', th::text, true);
			PERFORM set_config('rebound.detect_min_count', mc::text, true);
			INSERT INTO ladder
			SELECT th, mc,
				   count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM scenario.truth t
							WHERE t.incident AND t.provider = d.provider AND t.during && d.during)),
				   bool_or(EXISTS (SELECT 1 FROM scenario.truth t
							WHERE t.incident AND t.provider = d.provider AND t.during && d.during))
			FROM rebound.detect_incidents(lo, hi) d;
		END LOOP;
	END LOOP;
END $$;
RESET rebound.detect_threshold;
RESET rebound.detect_min_count;
SELECT threshold, min_count, false_incidents, coalesce(outage_found, false) AS outage_found
FROM ladder ORDER BY 1, 2;

\echo '== 4. Calibration: share of ordinary provider-buckets reaching a score'
-- Every provider with signal is tested in every judged bucket; buckets
-- without signal score 0.  The outage's buckets are left out.
WITH judged AS (
	SELECT count(DISTINCT provider) AS providers,
		   count(DISTINCT bucket) AS slots
	FROM buckets
), ordinary AS (
	SELECT b.* FROM buckets b
	WHERE NOT EXISTS (SELECT 1 FROM scenario.truth t WHERE t.incident
					  AND t.provider = b.provider
					  AND b.bucket >= lower(t.during) - (rebound.detect_settings()).bucket
					  AND b.bucket < upper(t.during) + (rebound.detect_settings()).bucket)
)
SELECT s AS score_at_least, (SELECT providers * slots FROM judged) AS tests,
	   (SELECT count(*) FROM ordinary o WHERE o.score >= s) AS reached,
	   to_char((SELECT count(*) FROM ordinary o WHERE o.score >= s)::float8
			   / (SELECT providers * slots FROM judged), '9.99EEEE') AS observed_rate,
	   to_char(power(10, -s), '9.99EEEE') AS poisson_bound,
	   (SELECT count(*) FROM ordinary o WHERE o.score >= s
		  AND o.counted >= (rebound.detect_settings()).min_count) AS reached_with_min_count
FROM generate_series(1, 6) s;
