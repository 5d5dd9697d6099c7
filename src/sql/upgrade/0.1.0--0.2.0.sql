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

-- parse_dsn returns the original message's Message-ID and headers (issue
-- 11): a result type cannot be replaced, so the functions are dropped here
-- and created again by src/sql/code/classify.sql.  Nothing of rebound
-- depends on them.
DROP FUNCTION @extschema@.parse_dsn(pg_catalog.text);
DROP FUNCTION @extschema@.parse_dsn(pg_catalog.bytea);
