-- Detection refuses a role that may not read what it reads, at once and
-- whatever the span (issue 15: detect_incidents('0001-01-01', now()) used
-- to work for 24 s and 2.3 GB before anything checked), and keeps to the
-- ledger it has, however long the span.
\set QUIET 1
BEGIN;
SELECT plan(8);

CREATE ROLE rb_detect_nobody;
CREATE ROLE rb_detect_ledger;
GRANT USAGE ON SCHEMA rebound TO rb_detect_nobody, rb_detect_ledger;
GRANT SELECT ON rebound.bounce TO rb_detect_ledger;

SELECT lives_ok($$SELECT rebound.observe_domain('client.example', 'mx', '{mx1.mail.ovh.net}', '1990-01-01')$$,
	'mail of client.example at OVH');
SELECT lives_ok($$SELECT rebound.record_bounce('a@client.example', '1990-06-01 07:30+00',
		'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out', 'campaigns', 'hard'),
	  rebound.record_bounce('b@client.example', '2017-11-09 07:30+00',
		'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out', 'campaigns', 'hard')$$,
	'two infrastructure failures, 27 years apart');

SET LOCAL statement_timeout = '5s';
SET LOCAL ROLE rb_detect_nobody;
SELECT throws_ok($$SELECT * FROM rebound.detect_incidents('0001-01-01', now())$$, '42501', NULL,
	'a role that may not read the ledger is refused at once, whatever the span');
SELECT throws_ok($$SELECT * FROM rebound.detect_buckets('0001-01-01', now())$$, '42501', NULL,
	'... by detect_buckets too');
RESET ROLE;
SET LOCAL ROLE rb_detect_ledger;
SELECT throws_ok($$SELECT * FROM rebound.detect_incidents('0001-01-01', now())$$, '42501', NULL,
	'the ledger without the provider map is not enough');
RESET ROLE;

-- a quiet ledger of 27 years, two thousand years of span: the quiet years
-- are skipped (well within the statement_timeout of five seconds)
SELECT is_empty($$SELECT * FROM rebound.detect_incidents('0001-01-01', now())$$,
	'two failures make no incident, over two thousand years');
SELECT results_eq($$SELECT provider, bucket, counted, baseline FROM rebound.detect_buckets('-infinity', 'infinity')$$,
	$$VALUES ('ovh', '2017-11-09 07:30+00'::timestamptz, 1::bigint, 1::float8)$$,
	'unbounded: the first failure has no history, the second one bucket against a quiet baseline');
SELECT throws_ok($$SELECT * FROM rebound.detect_buckets(now(), NULL)$$, '22023', NULL,
	'an interval without an end is refused');
RESET statement_timeout;

SELECT * FROM finish();
ROLLBACK;
