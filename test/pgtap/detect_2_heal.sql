-- rebound.heal, the job pg_cron runs: a dry run changes nothing; the
-- outage is declared (origin detected) and healed; running again changes
-- nothing; an outage still growing is extended, not declared twice; a run
-- waits for no one (a run that finds the heal lock held is skipped, and
-- says so; an advisory lock on the key of 0.1.0 stops nothing); a
-- withdrawn incident stays withdrawn; and pg_cron runs it.
--
-- heal commits, so this file does too, on generated data placed in the
-- last two weeks, and empties the ledger at the end.
\set QUIET 1
\ir ../detect/scenario.sql
SELECT plan(28);

SELECT date_trunc('day', now()) - interval '1 day' AS outage_day \gset
SELECT scenario.generate(300, 30000, 1500, :'outage_day'::timestamptz - interval '14 days') AS generated \gset
-- the outage so far: until 08:00
SELECT ok(scenario.load('-infinity', :'outage_day'::timestamptz + interval '8 hours') > 25000,
	'two weeks and the outage''s first two hours in the ledger');

-- dry run
CALL rebound.heal('3 days', true);
SELECT is((SELECT count(*) FROM rebound.incident), 0::bigint, 'a dry run declares nothing');
SELECT is((SELECT count(*) FROM rebound.bounce WHERE forgiven_by IS NOT NULL), 0::bigint,
	'a dry run forgives nothing');
SELECT is((SELECT count(*) FROM rebound.heal_log), 0::bigint, 'a dry run logs nothing');

-- the outage, two hours in
CALL rebound.heal('3 days');
SELECT is((SELECT count(*) FROM rebound.incident), 1::bigint, 'one incident declared');
SELECT results_eq(
	$$SELECT provider, origin FROM rebound.incident$$,
	$$VALUES ('ovh'::text, 'detected'::text)$$,
	'OVH''s, detected');
SELECT ok((SELECT abs(extract(epoch FROM lower(i.during) - lower(t.during))) <= 900
		   AND upper(i.during) < :'outage_day'::timestamptz + interval '8 hours'
		   FROM rebound.incident i, scenario.truth t WHERE t.label = 'outage'),
	'from the outage''s start to its last failure so far');
SELECT ok((SELECT count(*) > 100 FROM rebound.bounce WHERE forgiven_by IS NOT NULL),
	'its hard bounces are forgiven');
SELECT results_eq(
	$$SELECT action, forgiven FROM rebound.heal_log$$,
	$$SELECT 'declared'::text, count(*) FROM rebound.bounce WHERE forgiven_by IS NOT NULL$$,
	'the log says what was declared and how many bounces it forgave');
SELECT id AS first_incident FROM rebound.incident \gset
SELECT count(*) AS forgiven_before FROM rebound.bounce WHERE forgiven_by IS NOT NULL \gset

-- again: nothing new
CALL rebound.heal('3 days');
SELECT is((SELECT count(*) FROM rebound.incident), 1::bigint, 'a second run declares nothing more');
SELECT is((SELECT count(*) FROM rebound.bounce WHERE forgiven_by IS NOT NULL), :forgiven_before::bigint,
	'... and forgives nothing more');
SELECT is((SELECT count(*) FROM rebound.heal_log), 1::bigint, '... and logs nothing');

-- the rest of the outage arrives while another run holds the lock
SELECT ok(scenario.load(:'outage_day'::timestamptz + interval '8 hours', 'infinity') > 0,
	'the rest of the outage in the ledger');
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('other_run', format('host=%s port=%s dbname=%s user=%s',
	split_part(current_setting('unix_socket_directories'), ',', 1),
	current_setting('port'), current_database(), current_user)) AS connected \gset
SELECT dblink_exec('other_run', 'BEGIN') AS began \gset
SELECT * FROM dblink('other_run', 'SELECT only_row FROM rebound.heal_lock FOR UPDATE') AS t(locked boolean) \gset
CALL rebound.heal('3 days');
SELECT ok((SELECT upper(during) < :'outage_day'::timestamptz + interval '8 hours'
		   FROM rebound.incident),
	'while another run holds the lock, a run does nothing');
SELECT is((SELECT action || ' by ' || run_by FROM rebound.heal_log ORDER BY id DESC LIMIT 1),
	'skipped by ' || current_user, '... and the log says it was skipped');
SELECT dblink_exec('other_run', 'COMMIT') AS committed \gset
-- 0.1.0 locked with an advisory lock any role could take: that key, held
-- by someone else, must not stop a run
SELECT * FROM dblink('other_run', 'SELECT pg_advisory_lock(7373170620232017)') AS t(locked text) \gset

-- the grown outage extends the incident
CALL rebound.heal('3 days');
SELECT * FROM dblink('other_run', 'SELECT pg_advisory_unlock(7373170620232017)') AS t(unlocked text) \gset
SELECT dblink_disconnect('other_run') AS disconnected \gset
BEGIN;
SELECT throws_ok($$CALL rebound.heal('3 days')$$, '25001',
	'CALL rebound.heal() cannot run inside a transaction block',
	'inside a transaction block, heal refuses before doing anything');
COMMIT;
SELECT is((SELECT count(*) FROM rebound.incident), 1::bigint, 'the grown outage is not declared twice');
SELECT is((SELECT id FROM rebound.incident), :first_incident::bigint, '... the incident is the same');
SELECT ok((SELECT abs(extract(epoch FROM upper(i.during) - upper(t.during))) <= 900
		   FROM rebound.incident i, scenario.truth t WHERE t.label = 'outage'),
	'... extended to within a bucket of the outage''s end');
SELECT ok((SELECT count(*) > :forgiven_before FROM rebound.bounce WHERE forgiven_by = :first_incident),
	'... and the new bounces are forgiven');
SELECT is((SELECT action FROM rebound.heal_log ORDER BY id DESC LIMIT 1), 'extended', 'the log says so');

-- a DBA withdraws it: heal respects that
SELECT count(*) AS rehardened FROM rebound.reharden(:first_incident) \gset
CALL rebound.heal('3 days');
CALL rebound.heal('3 days');
SELECT is((SELECT count(*) FROM rebound.incident), 1::bigint, 'a withdrawn incident is not declared again');
SELECT is((SELECT count(*) FROM rebound.bounce WHERE forgiven_by IS NOT NULL), 0::bigint,
	'... nor healed again');
SELECT is((SELECT count(*) FROM rebound.heal_log WHERE action = 'withdrawn'), 1::bigint,
	'... and the log says it once');

-- pg_cron runs it
SELECT to_regclass('cron.job') IS NOT NULL AS have_cron \gset
\if :have_cron
DELETE FROM rebound.heal_log;
DELETE FROM rebound.audit;
UPDATE rebound.bounce SET forgiven_by = NULL WHERE forgiven_by IS NOT NULL;
DELETE FROM rebound.incident;
SELECT cron.schedule('rebound-heal-test', '* * * * *', $$CALL rebound.heal('3 days')$$) AS job \gset
DO $$
BEGIN
	-- the next minute, and the run itself
	FOR i IN 1 .. 150 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
						  WHERE j.jobname = 'rebound-heal-test' AND d.status IN ('succeeded', 'failed'));
		PERFORM pg_sleep(1);
	END LOOP;
END
$$;
SELECT results_eq(
	$$SELECT d.status, d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid)
	  WHERE j.jobname = 'rebound-heal-test' ORDER BY d.runid LIMIT 1$$,
	$$VALUES ('succeeded'::text, 'CALL'::text)$$,
	'pg_cron ran rebound.heal');
SELECT cron.unschedule('rebound-heal-test') AS unscheduled \gset
SELECT results_eq(
	$$SELECT provider, origin FROM rebound.incident$$,
	$$VALUES ('ovh'::text, 'detected'::text)$$,
	'the job declared the outage');
SELECT ok((SELECT count(*) > 100 FROM rebound.bounce WHERE forgiven_by IS NOT NULL),
	'the job healed its bounces');
-- (an outage across the boundary of two of heal's seven-day chunks is
-- declared by the first and extended by the second)
SELECT ok((SELECT bool_or(action = 'declared') AND sum(forgiven) > 100 FROM rebound.heal_log),
	'the job logged it');
\else
SELECT skip('pg_cron is not loaded in this server', 4);
\endif

SELECT scenario.clean() AS cleaned \gset
DROP EXTENSION dblink;
SELECT * FROM finish();
