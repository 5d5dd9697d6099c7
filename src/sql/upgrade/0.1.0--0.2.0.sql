-- src/sql/upgrade/0.1.0--0.2.0.sql: what changed in the declarations
-- (src/sql/schema/) between 0.1.0 and 0.2.0, in the order it must run.
--
-- The Makefile builds rebound--0.1.0--0.2.0.sql from this file followed by
-- every file of src/sql/code/ and src/sql/data/ (all CREATE OR REPLACE or
-- idempotent), so only declarations, and functions whose signature or
-- result type changed (DROP first), are written here.  test/upgrade/
-- checks that 0.1.0 updated equals a fresh 0.2.0, object by object.

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
