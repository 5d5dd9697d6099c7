-- src/sql/schema/detect.sql: incident detection and unattended healing (heal, heal_log, the flow view).
--
-- Declarations: types, tables, indexes, what pg_dump keeps.  Run once, by
-- CREATE EXTENSION; a change here also goes, by hand, into the upgrade
-- script under src/sql/upgrade/.

-- What rebound.heal did: one row per incident it declared, extended or
-- found covered by a declared one, or healed bounces of.
CREATE TABLE @extschema@.heal_log (
	id pg_catalog.int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	provider pg_catalog.text,
	incident pg_catalog.int8,
	action pg_catalog.text NOT NULL,
	detected pg_catalog.tstzrange,
	hard_bounces pg_catalog.int8,
	baseline pg_catalog.numeric,
	score pg_catalog.numeric,
	forgiven pg_catalog.int8 NOT NULL DEFAULT 0,
	run_by pg_catalog.name NOT NULL DEFAULT CURRENT_USER
);
-- a run that did something names what; a skipped run only says so; a
-- run that forgave an incident's tail (issue 18) names the incident and
-- its interval, no detection
ALTER TABLE @extschema@.heal_log ADD CONSTRAINT heal_log_action_check
	CHECK (action OPERATOR(pg_catalog.=) ANY ('{declared,extended,unchanged,covered,withdrawn,skipped,tail}'::pg_catalog.text[])),
	ADD CONSTRAINT heal_log_detail_check
	CHECK ((action OPERATOR(pg_catalog.=) 'skipped')
		OR (action OPERATOR(pg_catalog.=) 'tail' AND provider IS NOT NULL AND detected IS NOT NULL
			AND incident IS NOT NULL)
		OR (provider IS NOT NULL AND detected IS NOT NULL
		AND hard_bounces IS NOT NULL AND baseline IS NOT NULL AND score IS NOT NULL));
COMMENT ON TABLE @extschema@.heal_log IS
	'what each run of rebound.heal detected and did';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.heal_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.heal_log_id_seq', '');

-- The lock of rebound.heal: its one row, locked by a run while it works.
-- A row lock needs a privilege on the table, which only rebound's own
-- SECURITY DEFINER functions have (an advisory lock is open to any role).
CREATE TABLE @extschema@.heal_lock (
	only_row pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (only_row)
);
COMMENT ON TABLE @extschema@.heal_lock IS
	'one row, locked by the rebound.heal run in progress';
INSERT INTO @extschema@.heal_lock DEFAULT VALUES;
