-- The tail of an incident, through the real pg_cron of the test cluster
-- (issue 18): a job that runs rebound.heal every minute forgives an
-- expired bounce that arrives after the incident was healed, and logs it
-- as the incident's tail.  pg_cron sees only committed jobs, so this file
-- commits, and cleans up after itself (the pg_cron suites share a
-- database).  pg_cron 1.4 schedules by the minute: the wait is up to two
-- minutes.
\set ON_ERROR_STOP 1
\set QUIET 1
SELECT plan(4);

CREATE TEMP TABLE ids (incident bigint, bounce bigint);
SELECT rebound.observe_domain('cron-tail.example', 'mx', '{mx1.mail.ovh.net}', now() - interval '30 days') IS NULL AS observed \gset
INSERT INTO ids (incident) VALUES (rebound.declare_incident('ovh',
	tstzrange(date_trunc('minute', now()) - interval '5 hours', date_trunc('minute', now()) - interval '4 hours'),
	NULL, 'cron tail test'));
SELECT rebound.record_bounce('inside@cron-tail.example', now() - interval '4 hours 30 minutes',
	'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out', 'campaigns', 'hard') IS NULL AS recorded \gset
SELECT count(*) AS healed FROM ids, rebound.unharden(ids.incident) \gset
-- expired mail arrives after the healing
UPDATE ids SET bounce = rebound.record_bounce('expired@cron-tail.example', now() - interval '1 hour',
	'delivery temporarily suspended: connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out; message expired',
	'campaigns', 'hard');

SELECT cron.schedule('rebound-heal-tail', '* * * * *', $$CALL rebound.heal('1 day')$$) AS jobid \gset
SELECT ok(:jobid > 0, 'the heal job is scheduled');

DO $$
BEGIN
	FOR i IN 1..150 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
						  WHERE j.jobname = 'rebound-heal-tail'
							AND d.status IN ('succeeded', 'failed'));
		PERFORM pg_catalog.pg_sleep(1);
	END LOOP;
END
$$;

SELECT is((SELECT d.status FROM cron.job_run_details d WHERE d.jobid = :jobid ORDER BY d.runid LIMIT 1),
	'succeeded', 'pg_cron ran rebound.heal');
SELECT is((SELECT b.forgiven_by FROM rebound.bounce b, ids WHERE b.id = ids.bounce),
	(SELECT incident FROM ids), 'the expired bounce that arrived after the healing is forgiven');
SELECT results_eq(
	$$SELECT l.action, l.forgiven, a.layer FROM rebound.heal_log l, ids, rebound.audit a
	  WHERE l.incident = ids.incident AND a.bounce_id = ids.bounce$$,
	$$VALUES ('tail'::text, 1::bigint, 'tail:mx'::text)$$,
	'logged as the incident''s tail, audited as tail:mx');

-- clean up what was committed
SELECT cron.unschedule(:jobid) AS unscheduled \gset
DELETE FROM cron.job_run_details WHERE jobid = :jobid;
DELETE FROM rebound.heal_log WHERE incident IN (SELECT incident FROM ids);
DELETE FROM rebound.audit WHERE incident IN (SELECT incident FROM ids);
DELETE FROM rebound.bounce WHERE domain = 'cron-tail.example';
DELETE FROM rebound.incident WHERE id IN (SELECT incident FROM ids);
DELETE FROM rebound.domain_host WHERE domain = 'cron-tail.example';

SELECT * FROM finish();
