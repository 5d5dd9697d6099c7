--
-- Incident detection: settings, failure kinds, Poisson scores
--
SET search_path = rebound, public;
\set SHOW_CONTEXT never

-- defaults
SELECT * FROM detect_settings();
SHOW rebound.detect_bucket;

SET rebound.detect_bucket = '10min';
SET rebound.detect_min_count = 25;
SET rebound.detect_threshold = 8.5;
SET rebound.detect_baseline_days = 3;
SET rebound.detect_baseline_weeks = 0;
SELECT * FROM detect_settings();
RESET ALL;
SET search_path = rebound, public;

-- the bucket must divide a day; the other settings have bounds
SET rebound.detect_bucket = 7;
SET rebound.detect_bucket = '25min';
-- out of range (PostgreSQL 16 writes the range with its unit: SQLSTATE only)
\set VERBOSITY sqlstate
SET rebound.detect_bucket = '2d';
\set VERBOSITY default
SET rebound.detect_bucket = '2h';
SHOW rebound.detect_bucket;
RESET rebound.detect_bucket;
SET rebound.detect_min_count = 0;
SET rebound.detect_threshold = -1;
SET rebound.detect_baseline_days = 0;
SET rebound.detect_baseline_weeks = 27;
SET rebound.detect_sensitivity = 3;

-- which layer a failure implicates
SELECT d AS diagnostic, failure_kind(d) AS kind
FROM (VALUES
	('Host or domain name not found. Name service error for name=acme.fr type=MX: Host not found, try again'),
	('DNS Error: DNS type ''mx'' lookup of acme.fr responded with code SERVFAIL'),
	('connect to mx1.mail.ovh.net[213.186.33.5]:25: Connection timed out'),
	('421 4.4.2 mx.acme.fr: lost connection'),
	('451 4.4.3 Temporary lookup failure'),
	('550 5.1.1 <jean@acme.fr>: Recipient address rejected: User unknown'),
	('hard bounce'),
	('')) v(d);
SELECT failure_kind(NULL) IS NULL AS null_in_null_out;

-- scores: -log10 P(X >= n), Poisson
SELECT n, lambda, round(poisson_score(n, lambda)::numeric, 4) AS score
FROM (VALUES (0::bigint, 1.0::float8), (1, 1), (10, 1), (10, 3), (40, 4),
			 (1000, 950), (3, 10), (100000, 1)) v(n, lambda);
SELECT poisson_score(-1, 1);
SELECT poisson_score(5, 0);
SELECT poisson_score(5, 'NaN');
SELECT poisson_score(5, 'Infinity');

-- an empty or reversed interval is refused
SELECT * FROM detect_incidents('2017-11-09', '2017-11-08');
SELECT * FROM detect_incidents(NULL, '2017-11-08');
CALL heal('-1 day');
CALL heal(NULL);
