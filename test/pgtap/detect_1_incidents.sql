-- Incident detection on generated data (test/detect/scenario.sql): the
-- outage is found within a bucket of its true start and end, and none of
-- the decoys is taken for an incident: a stale list of unknown users at
-- Orange, six timeouts on Microsoft-hosted domains, one company whose own
-- DNS (hosted at OVH) breaks for an hour.  Domains with DNS at OVH and
-- mail at Google do not make Google a suspect.
\set QUIET 1
BEGIN;
\ir ../detect/scenario.sql
SELECT plan(38);

-- catalogue: labels of the detection functions
SELECT results_eq(
	$$SELECT p.proname::text COLLATE "default", p.provolatile::text COLLATE "default", p.proparallel::text COLLATE "default"
	  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	  WHERE n.nspname = 'rebound'
		AND p.proname IN ('detect_settings', 'failure_kind', 'poisson_score', 'incident_signal',
						  'detect_buckets', 'detect_incidents', 'heal')
	  ORDER BY 1$$,
	$$VALUES ('detect_buckets', 's', 'r'), ('detect_incidents', 's', 'r'),
			 ('detect_settings', 's', 's'), ('failure_kind', 'i', 's'),
			 ('heal', 'v', 'u'), ('incident_signal', 's', 'r'), ('poisson_score', 'i', 's')$$,
	'detection functions are labelled: pure ones immutable and parallel safe, readers stable');
SELECT has_view('rebound', 'flow', 'view rebound.flow exists');
SELECT has_table('rebound', 'heal_log', 'table rebound.heal_log exists');

-- an empty ledger has no incident
SELECT is_empty($$SELECT * FROM rebound.detect_incidents('2017-10-26', '2017-11-10')$$,
	'no bounce, no incident');

SELECT scenario.generate(300, 30000, 1500) AS generated \gset
SELECT ok(scenario.load() > 30000, 'scenario loaded into the ledger');
CREATE TEMP TABLE found AS
	SELECT * FROM rebound.detect_incidents('2017-10-26', '2017-11-10');
CREATE TEMP TABLE buckets AS
	SELECT * FROM rebound.detect_buckets('2017-10-26', '2017-11-10');

-- the outage
SELECT is((SELECT count(*) FROM found), 1::bigint, 'exactly one incident in two weeks');
SELECT is((SELECT provider FROM found), 'ovh', 'the incident is OVH''s');
SELECT ok((SELECT abs(extract(epoch FROM lower(f.during) - lower(t.during))) <= 900
		   FROM found f, scenario.truth t WHERE t.label = 'outage'),
	'detected start within one bucket (15 min) of the true start');
SELECT ok((SELECT abs(extract(epoch FROM upper(f.during) - upper(t.during))) <= 900
		   FROM found f, scenario.truth t WHERE t.label = 'outage'),
	'detected end within one bucket of the true end');
SELECT ok((SELECT lower(f.during) >= lower(t.during) FROM found f, scenario.truth t WHERE t.label = 'outage'),
	'the interval starts at the first failure, not at the bucket''s start');
SELECT ok((SELECT layers @> '{ns,mx,mx_ip}' FROM found),
	'DNS failures are charged to name servers, timeouts to mail servers and their network');
SELECT ok((SELECT hard_bounces > 300 AND score > 100 AND baseline > 0 FROM found),
	'counts, baseline and score are reported');

-- Google hosts the mail of domains whose DNS is at OVH: not accused
SELECT is_empty(
	$$SELECT s.provider FROM rebound.incident_signal('2017-11-09 06:00', '2017-11-09 10:00') s
	  JOIN scenario.domain d ON d.domain = s.domain
	  WHERE d.category = 'ovh_dns_google_mail' AND s.kind = 'dns' AND s.provider <> 'ovh'$$,
	'DNS failures of domains with DNS at OVH and mail at Google are charged to OVH only');
SELECT ok((SELECT count(*) > 0 FROM rebound.incident_signal('2017-11-09 06:00', '2017-11-09 10:00') s
		   JOIN scenario.domain d ON d.domain = s.domain
		   WHERE d.category = 'ovh_dns_google_mail' AND s.provider = 'ovh' AND s.layer = 'ns'),
	'... through their ns layer');
SELECT ok((SELECT coalesce(max(score), 0) < 2 FROM buckets
		   WHERE provider = 'google' AND bucket >= '2017-11-09 06:00' AND bucket < '2017-11-09 10:00'),
	'Google''s buckets during the outage are unremarkable');
SELECT ok((SELECT count(*) > 0 FROM rebound.incident_signal('2017-11-09 06:00', '2017-11-09 10:00') s
		   JOIN scenario.domain d ON d.domain = s.domain
		   WHERE d.category = 'own_mx_at_ovh' AND s.provider = 'ovh' AND s.layer = 'mx_ip'),
	'timeouts of mail servers in OVH''s network are charged to OVH through mx_ip');
SELECT is_empty(
	$$SELECT 1 FROM rebound.incident_signal('2017-11-09 06:00', '2017-11-09 10:00') s
	  JOIN scenario.domain d ON d.domain = s.domain
	  WHERE d.category = 'own_mx_at_ovh' AND s.provider = 'cloudflare'$$,
	'... and not to Cloudflare, their DNS host');

-- decoy: the stale list
SELECT ok((SELECT count(*) >= 1500 FROM rebound.bounce b, scenario.truth t
		   WHERE t.label = 'stale_list' AND b.occurred_at <@ t.during AND b.hard
			 AND b.domain IN ('orange.fr', 'wanadoo.fr')),
	'the stale list made over a thousand hard bounces at Orange');
SELECT is_empty($$SELECT 1 FROM found WHERE provider = 'orange'$$,
	'unknown users are not an infrastructure incident');

-- decoy: one company's own DNS
SELECT ok((SELECT max(b.bounces) >= 15 AND max(b.counted) < 10 FROM buckets b, scenario.truth t
		   WHERE t.label = 'company_dns' AND b.provider = 'ovh'
			 AND b.bucket >= lower(t.during) AND b.bucket < upper(t.during)),
	'the broken company domain fills OVH''s buckets, but is not counted against OVH');
SELECT ok((SELECT max(rebound.poisson_score(b.bounces, b.baseline)) >= 6 FROM buckets b, scenario.truth t
		   WHERE t.label = 'company_dns' AND b.provider = 'ovh'
			 AND b.bucket >= lower(t.during) AND b.bucket < upper(t.during)),
	'... counted whole, it would score as an incident');
SELECT is_empty($$SELECT 1 FROM found f, scenario.truth t
				  WHERE t.label = 'company_dns' AND f.during && t.during$$,
	'a burst confined to one domain is not a provider incident');

-- decoy: a few timeouts
SELECT is((SELECT count(*) FROM rebound.bounce b, scenario.truth t
		   WHERE t.label = 'noise_cluster' AND b.occurred_at <@ t.during AND b.infrastructure AND b.hard
			 AND b.domain IN (SELECT domain FROM scenario.domain WHERE category = 'microsoft')),
	6::bigint, 'six timeouts on Microsoft-hosted domains within minutes');
SELECT is_empty($$SELECT 1 FROM found WHERE provider = 'microsoft'$$,
	'a handful of timeouts is noise');

-- the settings are obeyed
SET rebound.detect_min_count = 100000;
SELECT is_empty($$SELECT * FROM rebound.detect_incidents('2017-10-26', '2017-11-10')$$,
	'nothing reaches a minimum count of 100000');
RESET rebound.detect_min_count;
SET rebound.detect_threshold = 1000;
SELECT is_empty($$SELECT * FROM rebound.detect_incidents('2017-10-26', '2017-11-10')$$,
	'nothing scores 1000 per bucket');
RESET rebound.detect_threshold;
SET rebound.detect_bucket = '5min';
SELECT ok((SELECT count(*) = 1 AND bool_and(provider = 'ovh')
		   FROM rebound.detect_incidents('2017-10-26', '2017-11-10')),
	'with 5-minute buckets the outage is still the one incident');
RESET rebound.detect_bucket;

-- a lookback that sees only the outage day still has the days before as baseline
SELECT is((SELECT provider FROM rebound.detect_incidents('2017-11-09 05:00', '2017-11-09 12:00')),
	'ovh', 'a short window finds the outage against the history before it');
-- a young ledger: its mean rate since it began stands in for the previous
-- days, from six hours of history on
SELECT is_empty($$SELECT * FROM rebound.detect_buckets('2017-10-26', '2017-10-26 06:00')$$,
	'buckets with less than six hours of ledger before them are not judged');
SELECT ok((SELECT count(*) > 0 AND max(score) < 6 FROM rebound.detect_buckets('2017-10-26 08:00', '2017-10-26 20:00')),
	'the first day is judged against the ledger''s mean rate so far, without false alarm');

-- Any span, judged a few weeks at a time (issue 15): two thousand years,
-- or no bound at all, cost no more than the ledger they hold and find the
-- same, and an incident that straddles two stretches is found whole.
SET LOCAL statement_timeout = '60s';
SELECT set_eq($$SELECT * FROM rebound.detect_incidents('0001-01-01', '2100-01-01')$$,
	$$SELECT * FROM found$$, 'two thousand years: the same incidents');
SELECT set_eq($$SELECT * FROM rebound.detect_buckets('-infinity', 'infinity')$$,
	$$SELECT * FROM rebound.detect_buckets('2017-10-01', '2017-12-01')$$,
	'an unbounded span: the same buckets as the ledger''s months');
SELECT set_eq($$SELECT * FROM rebound.detect_buckets('2017-10-26', '2017-11-10')$$,
	$$SELECT * FROM buckets$$, 'the same buckets run after run');
-- with a day of baseline, the stretches are seven days: this one ends
-- inside the outage, at 2017-11-09 08:00 UTC
SET LOCAL rebound.detect_baseline_days = 1;
SET LOCAL rebound.detect_baseline_weeks = 0;
SELECT results_eq($$SELECT * FROM rebound.detect_incidents('2017-11-02 08:00+00', '2017-11-12')$$,
	$$SELECT * FROM rebound.detect_incidents('2017-11-05', '2017-11-12')$$,
	'an incident across two stretches is found whole');
SELECT ok((SELECT lower(during) < '2017-11-09 08:00+00' AND upper(during) > '2017-11-09 08:00+00'
		   FROM rebound.detect_incidents('2017-11-02 08:00+00', '2017-11-12')),
	'... (it does straddle them)');
SELECT results_eq($$SELECT * FROM rebound.detect_buckets('2017-11-02 08:00+00', '2017-11-12') ORDER BY 1, 2$$,
	$$SELECT * FROM rebound.detect_buckets('2017-11-02 08:00+00', '2017-11-09 08:00+00')
	  UNION ALL
	  SELECT * FROM rebound.detect_buckets('2017-11-09 08:00+00', '2017-11-12') ORDER BY 1, 2$$,
	'buckets do not depend on where the stretches end');
RESET rebound.detect_baseline_days;
RESET rebound.detect_baseline_weeks;
RESET statement_timeout;

-- the flows
SELECT set_eq($$SELECT source FROM rebound.flow$$,
	ARRAY['campaign', 'automation', 'transactional', 'dmp'], 'every source of the ledger is a flow');
SELECT ok((SELECT bool_and(bounces > 0 AND hard_share BETWEEN 0 AND 1 AND last_bounce IS NOT NULL)
		   FROM rebound.flow), 'flows report volume, hard share and last bounce');

SELECT * FROM finish();
ROLLBACK;
