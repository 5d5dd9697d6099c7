-- The README's healing job, scheduled through the real pg_cron of the test
-- cluster: it must run (cron.job_run_details) and heal a bounce recorded
-- after the incident was declared.  pg_cron sees only committed jobs, so
-- this file commits, and cleans up after itself.  pg_cron 1.4 schedules by
-- the minute: the wait is up to two minutes.
\set ON_ERROR_STOP 1
SELECT plan(5);

CREATE TEMP TABLE ids (incident bigint, bounce bigint);
SELECT rebound.observe_domain('cron-client.example', 'mx', '{mx1.mail.ovh.net}', '2017-01-01') IS NULL AS observed \gset
INSERT INTO ids VALUES (
	rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00+01', '2017-11-09 10:55+01'), NULL, 'cron test'),
	rebound.record_bounce('late@cron-client.example', '2017-11-09 09:00+01', NULL, 'dmp', 'hard'));

SELECT cron.schedule('rebound-heal-declared', '* * * * *',
	$$SELECT count(*) FROM rebound.incident i CROSS JOIN LATERAL rebound.unharden(i.id) u
	  WHERE i.withdrawn_at IS NULL AND i.declared_at > now() - interval '30 days'$$) AS jobid \gset

SELECT ok(:jobid > 0, 'the healing job is scheduled');

DO $$
BEGIN
	FOR i IN 1..150 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
						  WHERE j.jobname = 'rebound-heal-declared'
							AND d.status IN ('succeeded', 'failed'));
		PERFORM pg_catalog.pg_sleep(1);
	END LOOP;
END
$$;

SELECT is((SELECT d.status FROM cron.job_run_details d WHERE d.jobid = :jobid ORDER BY d.runid LIMIT 1),
	'succeeded', 'pg_cron ran the job');
SELECT is((SELECT d.return_message FROM cron.job_run_details d WHERE d.jobid = :jobid ORDER BY d.runid LIMIT 1),
	'SELECT 1', 'as one statement, returning one row');
SELECT is((SELECT b.forgiven_by FROM rebound.bounce b, ids WHERE b.id = ids.bounce),
	(SELECT incident FROM ids), 'the bounce recorded after the declaration is forgiven');
SELECT is((SELECT a.actor FROM rebound.audit a, ids WHERE a.bounce_id = ids.bounce),
	'postgres', 'the audit names the role the job ran as');

-- clean up what was committed
SELECT cron.unschedule(:jobid) AS unscheduled \gset
DELETE FROM cron.job_run_details WHERE jobid = :jobid;
DELETE FROM rebound.audit WHERE incident IN (SELECT incident FROM ids);
DELETE FROM rebound.bounce WHERE domain = 'cron-client.example';
DELETE FROM rebound.incident WHERE id IN (SELECT incident FROM ids);
DELETE FROM rebound.domain_host WHERE domain = 'cron-client.example';

SELECT * FROM finish();
