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

-- The detection summary (issue 13): what detection counts per bucket,
-- kept for closed buckets so that a heal('1 day') run reads the new
-- bounces and these counts, not weeks of ledger and provider map.  Derived
-- data, rebuilt by rebound.detect_rebuild(), not dumped (a restored
-- database starts with an empty summary, which the next heal run fills).
-- Written only by rebound's functions; read by detection through
-- detect_summary_rows(), which checks that the caller may read the ledger.
--
-- detect_summary: one row, the stretch [summarised_from, summarised_to) of
-- whole buckets of width bucket_seconds that detect_count and detect_volume
-- hold, and the stretch a summariser has claimed (writers of late rows
-- mark it dirty too: see rebound.detect_claim).  Every writer of a row that
-- detection counts takes ROW EXCLUSIVE on this table until it commits; a
-- summariser's claim takes SHARE ROW EXCLUSIVE, so that it waits for the
-- writers in flight and no writer escapes both its snapshot and the marks.
CREATE TABLE @extschema@.detect_summary (
	only_row pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (only_row),
	bucket_seconds pg_catalog.int4,
	summarised_from pg_catalog.timestamptz,
	summarised_to pg_catalog.timestamptz,
	claimed_from pg_catalog.timestamptz,
	claimed_to pg_catalog.timestamptz,
	summarised_at pg_catalog.timestamptz,
	CHECK ((summarised_from IS NULL) = (summarised_to IS NULL)
		AND (summarised_to IS NULL OR bucket_seconds IS NOT NULL)),
	CHECK ((claimed_from IS NULL) = (claimed_to IS NULL))
);
COMMENT ON TABLE @extschema@.detect_summary IS
	'the stretch of buckets detect_count and detect_volume summarise, for one bucket width; derived data (rebound.detect_rebuild)';
INSERT INTO @extschema@.detect_summary DEFAULT VALUES;

-- Per provider and summarised bucket: what detection's counting query
-- yields (src/sql/code/detect.sql, detect_counts): the signal bounces, the
-- count judged, the first and last of them, the layers as bits.
CREATE TABLE @extschema@.detect_count (
	bucket_seconds pg_catalog.int4 NOT NULL,
	bucket pg_catalog.int8 NOT NULL,
	provider pg_catalog.text NOT NULL,
	bounces pg_catalog.int8 NOT NULL,
	counted pg_catalog.int8 NOT NULL,
	first_at pg_catalog.timestamptz NOT NULL,
	last_at pg_catalog.timestamptz NOT NULL,
	layer_bits pg_catalog.int4 NOT NULL,
	PRIMARY KEY (bucket_seconds, bucket, provider)
);
COMMENT ON TABLE @extschema@.detect_count IS
	'per provider and summarised bucket: infrastructure hard bounces charged to it, as detection counts them; derived data';

-- Per summarised bucket: the sending volume detection weighs baselines by
-- (hard bounces that are not infrastructure failures).
CREATE TABLE @extschema@.detect_volume (
	bucket_seconds pg_catalog.int4 NOT NULL,
	bucket pg_catalog.int8 NOT NULL,
	bounces pg_catalog.int8 NOT NULL,
	PRIMARY KEY (bucket_seconds, bucket)
);
COMMENT ON TABLE @extschema@.detect_volume IS
	'per summarised bucket: hard bounces that are not infrastructure failures; derived data';

-- The stretches of time a change made stale since the last summariser run:
-- a late, updated or deleted bounce (its bucket), a change of the provider
-- map (the part of the interval that changed), of the catalogue (all of
-- time).  Detection does not use the summary there; the next summariser
-- run counts those buckets again and deletes the rows it consumed.
CREATE TABLE @extschema@.detect_dirty (
	id pg_catalog.int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	during pg_catalog.tstzrange NOT NULL,
	marked_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.detect_dirty IS
	'stretches of time whose summarised counts a late or changed row made stale, until the next summariser run';
