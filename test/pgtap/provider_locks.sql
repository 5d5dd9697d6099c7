-- Writers of the history take turns on rows of rebound.observation_lock,
-- which only roles allowed to write it can lock.  0.1.0 took advisory locks
-- on 64 stripes, which any role could hold to hang every observation.
BEGIN;
SELECT plan(10);

CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('intruder', format('host=%s port=%s dbname=%s user=%s',
	split_part(current_setting('unix_socket_directories'), ',', 1),
	current_setting('port'), current_database(), current_user)) AS connected \gset

-- a role with no grants on rebound's tables, committed by the other session
-- (removed at the end)
SELECT dblink_exec('intruder', $q$DO $d$ BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rb_intruder') THEN
		DROP OWNED BY rb_intruder;
		DROP ROLE rb_intruder;
	END IF; END $d$$q$) AS cleaned \gset
SELECT dblink_exec('intruder', 'CREATE ROLE rb_intruder NOLOGIN') AS created \gset
SELECT dblink_exec('intruder', 'GRANT USAGE ON SCHEMA rebound TO rb_intruder') AS granted \gset
SELECT dblink_exec('intruder', 'SET ROLE rb_intruder') AS set_role \gset

-- it holds every advisory key 0.1.0's observe_domain and observe_host took
SELECT is((SELECT n FROM dblink('intruder', $$
	SELECT count(pg_catalog.pg_advisory_lock(pg_catalog.hashtext(t), k))
	FROM (VALUES ('rebound.domain_host'), ('rebound.host_address')) v (t), generate_series(0, 63) k$$)
	AS l (n bigint)), 128::bigint, 'a role without grants holds the 128 advisory keys of 0.1.0');

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '20s';
SELECT lives_ok($$SELECT rebound.observe_domain('locks.example', 'mx', ARRAY['10 mx1.mail.ovh.net'], '2020-01-01')$$,
	'observe_domain does not wait for it');
SELECT lives_ok($$SELECT rebound.observe_host('mx1.mail.ovh.net', ARRAY['188.165.1.1']::inet[], '2020-01-01')$$,
	'nor does observe_host');
SELECT is(rebound.observe(ARRAY[
	ROW('locks.example', 'ns', ARRAY['ns1.example'], NULL, '2020-01-01'),
	ROW('ns1.example', 'addr', NULL, ARRAY['192.0.2.53'::inet], '2020-01-01')]::rebound.observation[]),
	2, 'nor does observe');

-- and it can lock none of the lock rows (this transaction's are not
-- committed; lock a committed one)
SELECT dblink_exec('intruder', 'RESET ROLE') AS reset \gset
SELECT dblink_exec('intruder', $$INSERT INTO rebound.observation_lock VALUES ('mx', 'committed.example') ON CONFLICT DO NOTHING$$) AS ins \gset
SELECT dblink_exec('intruder', 'SET ROLE rb_intruder') AS set_role \gset
SELECT throws_ok($$SELECT * FROM dblink('intruder', 'SELECT 1 FROM rebound.observation_lock FOR UPDATE') AS t (x int)$$,
	'42501', NULL, 'a role without grants cannot lock the rows (SELECT ... FOR UPDATE)');
SELECT throws_ok($$SELECT * FROM dblink('intruder', 'SELECT 1 FROM rebound.observation_lock FOR KEY SHARE') AS t (x int)$$,
	'42501', NULL, '... nor FOR KEY SHARE');
SELECT throws_ok($$SELECT dblink_exec('intruder', $e$INSERT INTO rebound.observation_lock VALUES ('mx', 'x.example') ON CONFLICT (kind, name) DO UPDATE SET kind = excluded.kind$e$)$$,
	'42501', NULL, '... nor by INSERT ... ON CONFLICT DO UPDATE');

-- the lock rows of this transaction's keys
SELECT set_eq($$SELECT kind, name FROM rebound.observation_lock WHERE name IN ('locks.example', 'mx1.mail.ovh.net', 'ns1.example')$$,
	$$VALUES ('mx', 'locks.example'), ('ns', 'locks.example'), ('addr', 'mx1.mail.ovh.net'), ('addr', 'ns1.example')$$,
	'one lock row per key written');

SELECT dblink_exec('intruder', 'RESET ROLE') AS reset \gset
SELECT * FROM dblink('intruder', 'SELECT pg_catalog.pg_advisory_unlock_all()') AS t (unlocked text) \gset
SELECT dblink_exec('intruder', $$DELETE FROM rebound.observation_lock WHERE name = 'committed.example'$$) AS deleted \gset
SELECT dblink_exec('intruder', 'DROP OWNED BY rb_intruder') AS revoked \gset
SELECT dblink_exec('intruder', 'DROP ROLE rb_intruder') AS dropped \gset
SELECT dblink_disconnect('intruder') AS disconnected \gset

-- (after the other session is gone: granting on the schema locks its
-- catalog row until this transaction ends)
-- the README's grants for a role that feeds the map are enough
CREATE ROLE rb_mapper;
GRANT USAGE ON SCHEMA rebound TO rb_mapper;
GRANT SELECT, INSERT, UPDATE, DELETE ON rebound.domain_host, rebound.host_address TO rb_mapper;
GRANT SELECT, INSERT, UPDATE ON rebound.observation_lock TO rb_mapper;
SET LOCAL ROLE rb_mapper;
SELECT lives_ok($$SELECT rebound.observe(ARRAY[
	ROW('mapper.example', 'mx', ARRAY['10 mx1.mail.ovh.net'], NULL, '2020-01-01'),
	ROW('mapper.example', 'mx', ARRAY['10 mx2.mail.ovh.net'], NULL, '2019-01-01'),
	ROW('mx2.mail.ovh.net', 'addr', NULL, '{}', '2020-01-01')]::rebound.observation[])$$,
	'a role with the README''s mapper grants records observations');
RESET ROLE;
SELECT results_eq($$SELECT host, observed::text FROM rebound.domain_host WHERE domain = 'mapper.example' ORDER BY 2$$,
	$$VALUES ('mx2.mail.ovh.net', '(,"2020-01-01 00:00:00+00")'), ('mx1.mail.ovh.net', '["2020-01-01 00:00:00+00",)')$$,
	'a batch merges a key''s observations whatever their order in it');

SELECT * FROM finish();
ROLLBACK;
