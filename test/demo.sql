-- rebound demo: the OVH outage of 9 November 2017, replayed.
--
-- test/outage/scenario.sql builds a CRM with four mail flows wired to
-- rebound by triggers, the morning's bounces, and the provider map as a
-- resolver saw it over 2017.  Then: declare the incident, heal it, check
-- every forgiven bounce against the generator's ground truth, apply the
-- result to the CRM's contacts, and undo it.  Before any of that, rebound
-- finds the outage by itself (rebound.detect_incidents, what the pg_cron job
-- rebound.heal() acts on) and prints it beside the real one.
\pset footer off
\set ON_ERROR_STOP 1
SET timezone = 'Europe/Paris';

\echo
\echo '== Building the CRM of 9 November 2017 (test/outage/scenario.sql)'
\i test/outage/scenario.sql
SELECT profile, count(*) AS domains,
	   min(moved_at)::date AS first_move, max(moved_at)::date AS last_move
FROM crm.company GROUP BY profile ORDER BY domains DESC;
SELECT (SELECT count(*) FROM crm.contact) AS contacts,
	   :observations AS domain_observations, :host_observations AS host_observations;

\echo
\echo '== Every flow landed in one ledger, classified (the triggers of each CRM table)'
SELECT source AS flow, count(*) AS bounces, count(*) FILTER (WHERE hard) AS hard,
	   count(*) FILTER (WHERE infrastructure) AS infrastructure,
	   count(*) FILTER (WHERE diagnostic IS NULL) AS without_text
FROM rebound.bounce GROUP BY source ORDER BY bounces DESC;

\echo
\echo '== A bounce is hard when its sender or its classification says so'
\echo '   (the transactional flow records no verdict: its MTA text alone decides)'
SELECT e.flow, count(*) AS bounces,
	   CASE WHEN e.flow <> 'transactional'
			THEN count(*) FILTER (WHERE e.verdict = 'hard') END AS sender_says_hard,
	   count(*) FILTER (WHERE b.severity = 'hard') AS classified_hard,
	   count(*) FILTER (WHERE b.hard) AS hard_in_ledger
FROM crm.event e
JOIN rebound.bounce b ON b.source = e.flow AND b.address = e.email AND b.occurred_at = e.at
GROUP BY e.flow ORDER BY bounces DESC;

\echo
\echo '== The morning, hour by hour: hard bounces at domains that depended on OVH'
SELECT to_char(date_trunc('hour', b.occurred_at), 'DD Mon HH24:00') AS hour,
	   count(*) AS hard_bounces,
	   count(*) FILTER (WHERE b.infrastructure) AS infrastructure
-- the window's bounces first (OFFSET 0), then domain_providers() for each:
-- on Citus a function that reads the map cannot run inside the shards'
-- query (README, "Past one machine"); on one node the plan is the same
FROM (SELECT * FROM rebound.bounce b
	  WHERE b.hard AND b.occurred_at >= '2017-11-09 05:00' AND b.occurred_at < '2017-11-09 13:00'
	  OFFSET 0) b
WHERE EXISTS (SELECT 1 FROM rebound.domain_providers(b.domain, b.occurred_at) p WHERE p.provider = 'ovh')
GROUP BY 1 ORDER BY 1;

SELECT count(*) AS suppressed_before FROM rebound.suppressed \gset
\echo
\echo '== Addresses suppressed before healing:' :suppressed_before

\echo
\echo '== Where each domain''s mail and DNS were, as rebound.domain_providers() says, for three domains'
SELECT c.profile, c.domain, p.provider, p.layer, p.host
FROM (SELECT DISTINCT ON (profile) profile, domain FROM crm.company
	  WHERE profile IN ('ovh_dns', 'ovh_mx_ip', 'ovh_ns_ip') ORDER BY profile, domain) c,
	 rebound.domain_providers(c.domain, '2017-11-09 08:00') p
ORDER BY c.profile, p.layer, p.host;

\echo
\echo '== The bounces healing will match, against domain_providers() asked for every bounce'
-- (the window's bounces materialized first: see the query above)
WITH window_bounces AS MATERIALIZED (
	SELECT b.id, b.domain, b.occurred_at FROM rebound.bounce b
	WHERE b.hard AND b.occurred_at >= '2017-11-09 07:00' AND b.occurred_at < '2017-11-09 10:55'
), one_by_one AS (
	SELECT b.id, m.layer
	FROM window_bounces b
	CROSS JOIN LATERAL (
		SELECT p.layer FROM rebound.domain_providers(b.domain, b.occurred_at) p
		WHERE p.provider = 'ovh'
		ORDER BY array_position('{domain,mx,mx_ip,ns,ns_ip}', p.layer) LIMIT 1) m
), set_based AS (
	SELECT bounce_id AS id, layer FROM rebound.incident_bounces('ovh',
		tstzrange('2017-11-09 07:00', '2017-11-09 10:55'))
)
SELECT (SELECT count(*) FROM one_by_one) AS per_bounce,
	   (SELECT count(*) FROM set_based) AS incident_bounces,
	   (SELECT count(*) FROM (SELECT * FROM one_by_one EXCEPT SELECT * FROM set_based) x)
	   + (SELECT count(*) FROM (SELECT * FROM set_based EXCEPT SELECT * FROM one_by_one) y) AS differences;

\echo
\echo '== Nobody has declared anything yet: rebound notices the outage by itself'
\echo '   (rebound.detect_incidents over the two days, beside the real outage)'
CREATE TEMP TABLE detected AS
SELECT * FROM rebound.detect_incidents('2017-11-08 00:00', '2017-11-11 00:00');
SELECT d.provider, d.during AS detected,
	   tstzrange('2017-11-09 07:00', '2017-11-09 10:55') AS real_outage,
	   lower(d.during) - timestamptz '2017-11-09 07:00' AS start_error,
	   upper(d.during) - timestamptz '2017-11-09 10:55' AS end_error,
	   d.hard_bounces, d.baseline, d.score, d.layers
FROM detected d ORDER BY lower(d.during);
\echo '   hard_bounces: the infrastructure hard bounces (DNS and connection failures) charged to'
\echo '   the provider in the incident''s 15-minute buckets; baseline: how many of them those'
\echo '   buckets usually see (a count, from the same hours of previous days and weeks); score:'
\echo '   -log10 of the Poisson probability of so many against that baseline (score 6 is a one in'
\echo '   a million chance).  Healing forgives more than detection counts: every hard bounce of'
\echo '   the window at a domain that depended on the provider, whatever its text says.'

\echo
\echo '== What healing the detected incident would forgive, against the generator''s truth'
WITH truth AS (
	SELECT b.id FROM crm.event e
	JOIN rebound.bounce b ON b.source = e.flow AND b.address = e.email AND b.occurred_at = e.at
	WHERE e.kind = 'outage' AND b.hard
), would AS (
	SELECT DISTINCT ib.bounce_id FROM detected d,
		 rebound.incident_bounces(d.provider, d.during, d.layers) ib
)
SELECT (SELECT count(*) FROM truth) AS should_be,
	   (SELECT count(*) FROM would) AS would_forgive,
	   (SELECT count(*) FROM would WHERE bounce_id IN (SELECT id FROM truth)) AS correct,
	   round(100.0 * (SELECT count(*) FROM would WHERE bounce_id IN (SELECT id FROM truth))
			 / NULLIF((SELECT count(*) FROM would), 0), 2) AS precision_pct,
	   round(100.0 * (SELECT count(*) FROM would WHERE bounce_id IN (SELECT id FROM truth))
			 / NULLIF((SELECT count(*) FROM truth), 0), 2) AS recall_pct;

\echo
\echo '== Every mail flow rebound knows (rebound.flow): none forgotten in a crisis'
SELECT source, wired_table, bounces, hard_share, last_bounce FROM rebound.flow ORDER BY bounces DESC;

\echo '== Each flow keeps its own suppression: tell rebound where (rebound.add_sink)'
\echo '   campaigns and dmp: a flag on the contacts (a view without the unsubscribed and the'
\echo '   complained, whom healing must never touch); automation: its own suppression list;'
\echo '   transactional: its ESP''s list, behind an API, served by the outbox alone'
-- the CRM as each flow's bounce processing left it
-- (an uncorrelated subquery: on Citus the ledger's side runs first, on the shards)
UPDATE crm.contact c SET hard_bounced = rebound.normalize_address(c.email) IN (
	SELECT b.address FROM rebound.bounce b
	WHERE b.hard AND b.source IN ('campaigns', 'dmp'));
CREATE TABLE crm.automation_suppression (
	recipient varchar(320) PRIMARY KEY,
	listed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO crm.automation_suppression (recipient, listed_at)
SELECT DISTINCT ON (lower(recipient)) recipient, event_time AT TIME ZONE 'Europe/Paris'
FROM crm.automation_bounce WHERE is_hard ORDER BY lower(recipient), event_time;
CREATE VIEW crm.mailable_contact AS
	SELECT * FROM crm.contact WHERE NOT unsubscribed AND NOT complained;
-- the sinks match addresses with rebound.normalize_address(): index it
CREATE INDEX contact_address_idx ON crm.contact (rebound.normalize_address(email));
CREATE INDEX automation_suppression_address_idx ON crm.automation_suppression (rebound.normalize_address(recipient));
SELECT rebound.add_sink('campaigns', 'crm.mailable_contact', 'email', 'hard_bounced') AS s1,
	   rebound.add_sink('dmp', 'crm.mailable_contact', 'email', 'hard_bounced') AS s2,
	   rebound.add_sink('automation', 'crm.automation_suppression', 'recipient') AS s3 \gset
SELECT source, target, kind, address_column, flag_column, indexed FROM rebound.sinks ORDER BY id;
SELECT source, wired_table, bounces, sinks FROM rebound.flow ORDER BY bounces DESC;
-- the CRM before healing, to compare after the undo
CREATE TABLE crm.before_heal AS
SELECT 'contact' AS t, c.email AS k, row(c.*)::text AS v FROM crm.contact c
UNION ALL
SELECT 'automation_suppression', rebound.normalize_address(s.recipient), NULL FROM crm.automation_suppression s;
SELECT count(*) FILTER (WHERE hard_bounced) AS contacts_flagged,
	   count(*) FILTER (WHERE hard_bounced AND (unsubscribed OR complained)) AS of_them_unsubscribed_or_complained,
	   (SELECT count(*) FROM crm.automation_suppression) AS automation_list
FROM crm.contact;

\echo
\echo '== The unattended heal: CALL rebound.heal(), as pg_cron runs it, over the days since 8 November 2017'
SELECT now() - timestamptz '2017-11-08 00:00 Europe/Paris' AS lookback \gset
LISTEN rebound_outbox;
\timing on
CALL rebound.heal(:'lookback');
\timing off
SELECT id AS incident FROM rebound.incident WHERE origin = 'detected' AND provider = 'ovh'
ORDER BY lower(during) LIMIT 1 \gset
SELECT id, provider, layers, during, origin, note FROM rebound.incident WHERE id = :incident;
SELECT action, incident, detected, hard_bounces, baseline, score, forgiven FROM rebound.heal_log ORDER BY id;
-- what it forgave, as unharden() would have returned it: the forgiven
-- rows fetched into a temporary table first, then is_suppressed() for each
-- (on Citus a function that reads the ledger runs on a set the
-- coordinator holds, not inside a distributed query: README, "Past one
-- machine"; on one node the figures are the same)
CREATE TEMP TABLE forgiven AS
SELECT a.bounce_id, a.address, b.source, b.occurred_at, b.reason, a.layer
FROM rebound.audit a JOIN rebound.bounce b ON b.domain = a.domain AND b.id = a.bounce_id
WHERE a.incident = :incident AND a.action = 'forgive';
CREATE TABLE crm.healed AS
SELECT f.*, NOT rebound.is_suppressed(f.address) AS reinstated FROM forgiven f;

\echo
\echo '== Forgiven, per flow and per layer'
SELECT source AS flow,
	   count(*) FILTER (WHERE layer = 'mx') AS mx,
	   count(*) FILTER (WHERE layer = 'mx_ip') AS mx_ip,
	   count(*) FILTER (WHERE layer = 'ns') AS ns,
	   count(*) FILTER (WHERE layer = 'ns_ip') AS ns_ip,
	   count(*) FILTER (WHERE layer LIKE 'tail:%') AS tail,
	   count(*) AS forgiven,
	   count(DISTINCT address) FILTER (WHERE reinstated) AS addresses_reinstated,
	   count(DISTINCT address) FILTER (WHERE NOT reinstated) AS still_suppressed
FROM crm.healed GROUP BY ROLLUP (source) ORDER BY source NULLS LAST;

\echo
\echo '== Against the ground truth of the generator: every outage bounce the ledger holds as hard'
\echo '   (an outage bounce nobody called hard suppresses nothing and needs no healing);'
\echo '   the interval''s bounces here, its tail below'
WITH truth AS (
	SELECT b.id FROM crm.event e
	JOIN rebound.bounce b ON b.source = e.flow AND b.address = e.email AND b.occurred_at = e.at
	WHERE e.kind = 'outage' AND b.hard
), m AS (
	SELECT (SELECT count(*) FROM crm.healed h WHERE h.bounce_id IN (SELECT id FROM truth)) AS true_pos,
		   (SELECT count(*) FROM crm.healed WHERE layer NOT LIKE 'tail:%') AS forgiven,
		   (SELECT count(*) FROM truth) AS should_be
)
SELECT should_be, forgiven, true_pos AS correct,
	   round(100.0 * true_pos / NULLIF(forgiven, 0), 2) AS precision_pct,
	   round(100.0 * true_pos / NULLIF(should_be, 0), 2) AS recall_pct
FROM m;

\echo
\echo '== The tail: mail queued during the outage that expired after it (hours to days later,'
\echo '   hard, its last error OVH''s), forgiven with the incident (layer tail:...) by the heal runs,'
\echo '   against the generator''s truth; the decoys are expiries whose last error was the sender''s'
\echo '   own relay or another provider''s host, and expiries after the 5-day horizon'
WITH ev AS (
	SELECT e.kind, b.id, b.hard, h.layer
	FROM crm.event e
	JOIN rebound.bounce b ON b.source = e.flow AND b.address = e.email AND b.occurred_at = e.at
	LEFT JOIN crm.healed h ON h.bounce_id = b.id
	WHERE e.kind IN ('tail', 'tail_decoy') AND b.hard
), m AS (
	SELECT count(*) FILTER (WHERE kind = 'tail') AS should_be,
		   (SELECT count(*) FROM crm.healed WHERE layer LIKE 'tail:%') AS forgiven,
		   count(*) FILTER (WHERE kind = 'tail' AND layer LIKE 'tail:%') AS true_pos,
		   count(*) FILTER (WHERE kind = 'tail_decoy') AS decoys,
		   count(*) FILTER (WHERE kind = 'tail_decoy' AND layer IS NOT NULL) AS decoys_forgiven
	FROM ev
)
SELECT should_be, forgiven, true_pos AS correct, decoys, decoys_forgiven,
	   round(100.0 * true_pos / NULLIF(forgiven, 0), 2) AS precision_pct,
	   round(100.0 * true_pos / NULLIF(should_be, 0), 2) AS recall_pct
FROM m;
SELECT layer, count(*) AS forgiven, min(occurred_at) AS first, max(occurred_at) AS last
FROM crm.healed WHERE layer LIKE 'tail:%' GROUP BY layer ORDER BY layer;
SELECT DISTINCT ON (h.layer) h.layer, h.address, b.diagnostic
FROM crm.healed h JOIN rebound.bounce b ON b.id = h.bounce_id
WHERE h.layer LIKE 'tail:%' ORDER BY h.layer, h.bounce_id;

\echo
\echo '== Forgiven but still suppressed: addresses with a genuine 2016 hard bounce'
SELECT h.address, h.source, h.occurred_at, s.since AS suppressed_since, s.reason
FROM crm.healed h JOIN rebound.suppressed s ON s.address = h.address
WHERE NOT h.reinstated ORDER BY h.address, h.occurred_at LIMIT 5;

\echo
\echo '== The outbox: one row per flow and address reinstated, written by the healing transaction'
\echo '   (and one NOTIFY rebound_outbox, payload the incident, for the workers that call ESP APIs)'
SELECT source, action, count(*) AS rows, count(processed_at) AS processed
FROM rebound.outbox WHERE incident = :incident GROUP BY 1, 2 ORDER BY 1, 2;
\echo
\echo '== The sinks, applied by the same transaction (rebound.sink_log)'
SELECT source, target_name, action, addresses, changed FROM rebound.sink_log WHERE incident = :incident ORDER BY id;

\echo
\echo '== The CRM is right, without a hand-written UPDATE'
WITH want AS (
	SELECT c.email, c.hard_bounced,
		   rebound.normalize_address(c.email) IN (
			   SELECT b.address FROM rebound.bounce b WHERE b.hard AND b.source IN ('campaigns', 'dmp'))
		   AND rebound.is_suppressed(c.email) AS should_be_flagged
	FROM crm.mailable_contact c
)
SELECT count(*) FILTER (WHERE hard_bounced) AS contacts_flagged,
	   count(*) FILTER (WHERE hard_bounced AND NOT should_be_flagged) AS flagged_but_free,
	   count(*) FILTER (WHERE should_be_flagged AND NOT hard_bounced) AS suppressed_but_unflagged,
	   (SELECT count(*) FROM crm.automation_suppression) AS automation_list,
	   (SELECT count(*) FROM crm.automation_suppression WHERE NOT rebound.is_suppressed(recipient)) AS listed_but_free
FROM want;
SELECT count(*) AS unsubscribed_or_complained_changed
FROM crm.contact c JOIN crm.before_heal b ON b.t = 'contact' AND b.k = c.email
WHERE (c.unsubscribed OR c.complained) AND row(c.*)::text <> b.v;

\echo
\echo '== A worker of the transactional flow: takes its rows, lifts them at the ESP, marks them'
WITH batch AS (
	SELECT o.id FROM rebound.outbox o
	WHERE o.processed_at IS NULL AND o.source = 'transactional'
	ORDER BY o.id LIMIT 500 FOR UPDATE SKIP LOCKED
)
UPDATE rebound.outbox o SET processed_at = now() FROM batch WHERE o.id = batch.id;

\echo
\echo '== Healing again writes nothing twice'
CALL rebound.heal(:'lookback');
SELECT count(*) AS outbox_rows, (SELECT count(*) FROM rebound.sink_log) AS sink_applications
FROM rebound.outbox;

\echo
\echo '== The incident as a report and a picture (rebound.incident_report, rebound.incident_chart)'
\pset format unaligned
\pset tuples_only on
\o :outdir/incident.md
SELECT rebound.incident_report(:incident);
\o :outdir/incident.svg
SELECT rebound.incident_chart(:incident);
\o
\echo 'written to' :outdir'/incident.md and' :outdir'/incident.svg'
SELECT rebound.incident_report(:incident);
\pset format aligned
\pset tuples_only off

\echo
\echo '== The audit trail'
SELECT action, actor, count(*) FROM rebound.audit WHERE incident = :incident GROUP BY 1, 2;

\echo
\echo '== Undo: reharden the incident; the sinks put the CRM back'
SELECT count(*) AS hardened_again FROM rebound.reharden(:incident);
SELECT count(*) AS suppressed_after_undo, :suppressed_before AS suppressed_before FROM rebound.suppressed;
SELECT source, action, count(*) AS rows FROM rebound.outbox WHERE incident = :incident GROUP BY 1, 2 ORDER BY 1, 2;
WITH now_ AS (
	SELECT 'contact' AS t, c.email AS k, row(c.*)::text AS v FROM crm.contact c
	UNION ALL
	SELECT 'automation_suppression', rebound.normalize_address(s.recipient), NULL FROM crm.automation_suppression s
)
SELECT (SELECT count(*) FROM (SELECT * FROM now_ EXCEPT ALL SELECT * FROM crm.before_heal) x)
	 + (SELECT count(*) FROM (SELECT * FROM crm.before_heal EXCEPT ALL SELECT * FROM now_) y) AS crm_rows_differing_from_before_heal;

\echo
SELECT format('== Summary: rebound detected the %s outage by itself (%s to %s, %s infrastructure hard bounces '
			  'where %s were expected, score %s), healed %s hard bounces of %s flows (%s of them the tail of '
			  'mail that expired after it) at %s%% precision and %s%% recall '
			  'against the generator''s truth, reinstated %s addresses, told every flow (%s outbox rows, %s sink '
			  'applications, no hand-written UPDATE), and %s.',
			  (SELECT p.display_name FROM rebound.provider p WHERE p.name = d.provider), to_char(lower(d.during), 'HH24:MI'), to_char(upper(d.during), 'HH24:MI'),
			  d.hard_bounces, round(d.baseline, 1), round(d.score, 1),
			  (SELECT count(*) FROM crm.healed), (SELECT count(DISTINCT source) FROM crm.healed),
			  (SELECT count(*) FROM crm.healed WHERE layer LIKE 'tail:%'),
			  (SELECT round(100.0 * count(*) FILTER (WHERE e.kind IN ('outage', 'tail')) / NULLIF(count(*), 0), 2)
			   FROM crm.healed h JOIN rebound.bounce b ON b.id = h.bounce_id
			   JOIN crm.event e ON b.source = e.flow AND b.address = e.email AND b.occurred_at = e.at),
			  (SELECT round(100.0 * count(h.bounce_id) / NULLIF(count(*), 0), 2)
			   FROM crm.event e
			   JOIN rebound.bounce b ON b.source = e.flow AND b.address = e.email AND b.occurred_at = e.at
			   LEFT JOIN crm.healed h ON h.bounce_id = b.id
			   WHERE e.kind IN ('outage', 'tail') AND b.hard),
			  (SELECT count(DISTINCT address) FROM crm.healed WHERE reinstated),
			  (SELECT count(*) FROM rebound.outbox WHERE action = 'reinstate'),
			  (SELECT count(*) FROM rebound.sink_log WHERE action = 'reinstate'),
			  (SELECT CASE WHEN count(*) = :suppressed_before
						   THEN format('undid it exactly (%s addresses suppressed before and after, the CRM as it was)', count(*))
						   ELSE format('the undo left %s addresses suppressed where %s were', count(*), :suppressed_before) END
			   FROM rebound.suppressed)) AS summary
FROM detected d ORDER BY d.hard_bounces DESC LIMIT 1 \gset
\echo :summary
