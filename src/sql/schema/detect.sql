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
	provider pg_catalog.text NOT NULL,
	incident pg_catalog.int8,
	action pg_catalog.text NOT NULL
		CHECK (action OPERATOR(pg_catalog.=) ANY ('{declared,extended,unchanged,covered,withdrawn}'::pg_catalog.text[])),
	detected pg_catalog.tstzrange NOT NULL,
	hard_bounces pg_catalog.int8 NOT NULL,
	baseline pg_catalog.numeric NOT NULL,
	score pg_catalog.numeric NOT NULL,
	forgiven pg_catalog.int8 NOT NULL DEFAULT 0,
	run_by pg_catalog.name NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE @extschema@.heal_log IS
	'what each run of rebound.heal detected and did';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.heal_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.heal_log_id_seq', '');
