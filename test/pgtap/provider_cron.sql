-- The README's nightly refresh, run by the real pg_cron of the test
-- cluster: a job calls rebound.refresh_domains(), and
-- cron.job_run_details shows it succeeded and the map changed.  Commits
-- (pg_cron runs the job in its own session), so it cleans up after itself.
SELECT count(*) = 1 AS have_cron FROM pg_extension WHERE extname = 'pg_cron' \gset
\if :have_cron
SELECT plan(5);

-- what the map knew two days ago: mx-at-ovh.test had its mail elsewhere
SELECT rebound.observe_domain('mx-at-ovh.test', 'mx', ARRAY['10 mx.old-host.example'], now() - interval '2 days');

-- the README's job, every minute here instead of nightly (this pg_cron
-- has no seconds schedules: the test waits up to a minute); the job's
-- session learns the test DNS server the way a database would be told:
-- with a setting (ALTER DATABASE ... SET in production)
SELECT cron.schedule('rebound-refresh-map-test', '* * * * *',
	format('SET rebound.dns_servers = %L; SELECT * FROM rebound.refresh_domains(5000)',
		   current_setting('rebound.dns_servers'))) AS jobid \gset

CREATE FUNCTION pg_temp.wait_for_run(job bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
BEGIN
	FOR i IN 1..300 LOOP
		SELECT d.status INTO st FROM cron.job_run_details d
		WHERE d.jobid = job AND d.status IN ('succeeded', 'failed')
		ORDER BY d.runid LIMIT 1;
		IF FOUND THEN
			RETURN st;
		END IF;
		PERFORM pg_sleep(0.5);
	END LOOP;
	RETURN 'no run within 150 s';
END
$$;

SELECT is(pg_temp.wait_for_run(:jobid), 'succeeded', 'pg_cron ran refresh_domains and it succeeded');
SELECT is((SELECT return_message FROM cron.job_run_details WHERE jobid = :jobid
		   AND status = 'succeeded' ORDER BY runid LIMIT 1), 'SELECT 1',
	'the job''s last statement returned the summary row');
SELECT ok(cron.unschedule(:jobid), 'unschedule the test job');
SELECT set_eq($$SELECT host FROM rebound.domain_host WHERE domain = 'mx-at-ovh.test' AND role = 'mx'
	AND observed @> clock_timestamp()$$, ARRAY['mx1.mail.ovh.net', 'mx2.mail.ovh.net'],
	'the map now has the MX hosts DNS gives');
SELECT set_eq($$SELECT host FROM rebound.domain_host WHERE domain = 'mx-at-ovh.test' AND role = 'mx'
	AND observed @> now() - interval '1 day'$$, ARRAY['mx.old-host.example'],
	'and still knows what held yesterday');

SELECT * FROM finish();
DELETE FROM cron.job_run_details WHERE jobid = :jobid;
TRUNCATE rebound.domain_host, rebound.host_address, rebound.domain_lookup;
\else
SELECT plan(1);
SELECT skip('pg_cron is not preloaded by this server', 1);
SELECT * FROM finish();
\endif
