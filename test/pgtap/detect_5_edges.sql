-- The edges of a detected window (issue 18): an outage that ends exactly
-- on a bucket boundary leaves its last failure alone in the next bucket,
-- and one that starts just before a boundary its first in the previous
-- one; both belong to the incident, which runs from its first failure to
-- its last, not to bucket boundaries, and not to an ordinary failure that
-- shares the next bucket.
\set QUIET 1
BEGIN;
SELECT plan(4);
SET LOCAL timezone = 'UTC';

SELECT is(count(*), 60::bigint, 'sixty companies with their mail at OVH')
FROM generate_series(1, 60) g,
	 rebound.observe_domain('edge' || g || '.example', 'mx', '{mx1.mail.ovh.net,mx2.mail.ovh.net}', '2017-10-01');

CREATE TEMP TABLE failure (at timestamptz);
-- the usual: one connection failure an hour, at minute 7, for eight days
INSERT INTO failure
SELECT t FROM generate_series(timestamptz '2017-11-01 00:07', '2017-11-09 23:07', '1 hour') t;
-- the outage: one every 20 seconds from 10:00:00 to 10:59:40, one more at
-- 11:00:00 (on the boundary, alone in its bucket with 11:07's ordinary
-- one), and its first at 09:59:45, alone in the bucket before
INSERT INTO failure
SELECT t FROM generate_series(timestamptz '2017-11-09 10:00:00', '2017-11-09 11:00:00', '20 seconds') t
UNION ALL SELECT '2017-11-09 09:59:45';
SELECT is(count(*), (SELECT count(*) FROM failure), 'every failure recorded')
FROM (SELECT rebound.record_bounce('user' || row_number() OVER (ORDER BY at) || '@edge'
								   || (1 + (row_number() OVER (ORDER BY at)) % 60) || '.example',
								   at, 'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out',
								   'edges', 'hard')
	  FROM failure) r;

SELECT results_eq(
	$$SELECT provider, lower(during), upper(during), lower_inc(during) AND upper_inc(during)
	  FROM rebound.detect_incidents('2017-11-09', '2017-11-10')$$,
	$$VALUES ('ovh'::text, timestamptz '2017-11-09 09:59:45', timestamptz '2017-11-09 11:00:00', true)$$,
	'the incident runs from the failure before the boundary to the one on the next boundary');
SELECT is((SELECT count(*) FROM rebound.detect_incidents('2017-11-09', '2017-11-10') d,
		   rebound.incident_bounces(d.provider, d.during, d.layers)),
		  (SELECT count(*) FROM failure WHERE at BETWEEN '2017-11-09 09:59:45' AND '2017-11-09 11:00:00'),
		  'healing it would forgive every failure of the outage, and not 11:07''s');

SELECT * FROM finish();
ROLLBACK;
