-- src/sql/upgrade/0.1.0--0.2.0.sql: what changed in the declarations
-- (src/sql/schema/) between 0.1.0 and 0.2.0, in the order it must run.
--
-- The Makefile builds rebound--0.1.0--0.2.0.sql from this file followed by
-- every file of src/sql/code/ and src/sql/data/ (all CREATE OR REPLACE or
-- idempotent), so only declarations, and functions whose signature or
-- result type changed (DROP first), are written here.  test/upgrade/
-- checks that 0.1.0 updated equals a fresh 0.2.0, object by object.

-- heal_log: a skipped run is logged too (issue 15: heal's lock)
ALTER TABLE @extschema@.heal_log
	ALTER COLUMN provider DROP NOT NULL,
	ALTER COLUMN detected DROP NOT NULL,
	ALTER COLUMN hard_bounces DROP NOT NULL,
	ALTER COLUMN baseline DROP NOT NULL,
	ALTER COLUMN score DROP NOT NULL,
	DROP CONSTRAINT heal_log_action_check,
	ADD CONSTRAINT heal_log_action_check
	CHECK (action OPERATOR(pg_catalog.=) ANY ('{declared,extended,unchanged,covered,withdrawn,skipped}'::pg_catalog.text[])),
	ADD CONSTRAINT heal_log_detail_check
	CHECK ((action OPERATOR(pg_catalog.=) 'skipped') OR (provider IS NOT NULL AND detected IS NOT NULL
		AND hard_bounces IS NOT NULL AND baseline IS NOT NULL AND score IS NOT NULL));

-- heal's lock: a row only rebound's functions can lock
CREATE TABLE @extschema@.heal_lock (
	only_row pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (only_row)
);
COMMENT ON TABLE @extschema@.heal_lock IS
	'one row, locked by the rebound.heal run in progress';
INSERT INTO @extschema@.heal_lock DEFAULT VALUES;

-- rule patterns: the bounds rule_check now applies (issue 15: rules)
COMMENT ON COLUMN @extschema@.rule.pattern IS
	'case-insensitive substring of the diagnostic, or a case-insensitive POSIX (advanced) regular expression when is_regex, without back-references or lookaround and within the bounds of the README';

-- src/sql/schema/restore.sql: where a parallel restore holds a row loaded
-- before the row it references (issue 15, item 7).
CREATE TABLE @extschema@.restore_pending (
	relname pg_catalog.name NOT NULL,
	parent pg_catalog.name NOT NULL,
	parent_key pg_catalog.text NOT NULL,
	row_text pg_catalog.text NOT NULL,
	held_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE @extschema@.restore_pending IS
	'rows a restore loaded before the row they reference; each goes into its table when that row arrives';
CREATE INDEX restore_pending_parent_idx ON @extschema@.restore_pending (parent, parent_key);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.restore_pending', '');

-- Observations in C (src/history.c): writers lock a row per key in
-- observation_lock instead of 64 advisory-lock stripes, and observe()
-- takes a batch (see src/sql/schema/provider_map.sql).
CREATE TYPE @extschema@.observation AS (
	name pg_catalog.text,
	kind pg_catalog.text,
	hosts pg_catalog.text[],
	addrs pg_catalog.inet[],
	at pg_catalog.timestamptz
);
COMMENT ON TYPE @extschema@.observation IS
	'one observation for observe(): a domain''s MX or NS hosts, or a host''s addresses, at a time';
CREATE TABLE @extschema@.observation_lock (
	kind pg_catalog.text NOT NULL,
	name pg_catalog.text NOT NULL,
	PRIMARY KEY (kind, name)
);
COMMENT ON TABLE @extschema@.observation_lock IS
	'one row per domain role or host written by observe_domain/observe_host/observe, locked by its writers';
