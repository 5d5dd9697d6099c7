-- src/sql/upgrade/0.1.0--0.2.0.sql: what changed in the declarations
-- (src/sql/schema/) between 0.1.0 and 0.2.0, in the order it must run.
--
-- The Makefile builds rebound--0.1.0--0.2.0.sql from this file followed by
-- every file of src/sql/code/ and src/sql/data/ (all CREATE OR REPLACE or
-- idempotent), so only declarations, and functions whose signature or
-- result type changed (DROP first), are written here.  test/upgrade/
-- checks that 0.1.0 updated equals a fresh 0.2.0, object by object.

-- rebound_internal: the functions rebound calls itself leave the API's
-- schema (issue 13).  Moved, not re-created, so that the triggers and
-- grants that name them keep naming them; the code files that follow
-- replace their bodies in their new schema.
CREATE SCHEMA rebound_internal;
COMMENT ON SCHEMA rebound_internal IS
	'functions rebound calls itself: not part of its API, may change in any release';
GRANT USAGE ON SCHEMA rebound_internal TO PUBLIC;
ALTER FUNCTION @extschema@.check_incident(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[])
	SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.heal_bounces(pg_catalog.int8, pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.bool)
	SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.provider_rule_invalidate() SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.provider_rule_normalize() SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.provider_take_over() SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.provider_tombstone_apply() SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.provider_track_truncate() SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.provider_track_user_change() SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.rule_changed() SET SCHEMA rebound_internal;
ALTER FUNCTION @extschema@.rule_check() SET SCHEMA rebound_internal;

-- heal_log: a skipped run is logged too (issue 15: heal's lock)
ALTER TABLE @extschema@.heal_log
	ALTER COLUMN provider DROP NOT NULL,
	ALTER COLUMN detected DROP NOT NULL,
	ALTER COLUMN hard_bounces DROP NOT NULL,
	ALTER COLUMN baseline DROP NOT NULL,
	ALTER COLUMN score DROP NOT NULL,
	DROP CONSTRAINT heal_log_action_check,
	-- 'tail': a run that forgave an incident's tail (issue 18)
	ADD CONSTRAINT heal_log_action_check
	CHECK (action OPERATOR(pg_catalog.=) ANY ('{declared,extended,unchanged,covered,withdrawn,skipped,tail}'::pg_catalog.text[])),
	ADD CONSTRAINT heal_log_detail_check
	CHECK ((action OPERATOR(pg_catalog.=) 'skipped')
		OR (action OPERATOR(pg_catalog.=) 'tail' AND provider IS NOT NULL AND detected IS NOT NULL
			AND incident IS NOT NULL)
		OR (provider IS NOT NULL AND detected IS NOT NULL
		AND hard_bounces IS NOT NULL AND baseline IS NOT NULL AND score IS NOT NULL));

-- issue 18: an incident's tail lasts rebound.tail_horizon after its
-- interval, or this per incident (src/sql/schema/ledger.sql)
ALTER TABLE @extschema@.incident ADD COLUMN tail_horizon pg_catalog.interval
	CHECK (tail_horizon OPERATOR(pg_catalog.>=) '0'::pg_catalog.interval);

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

-- Observations in C (src/glue/history.c): writers lock a row per key in
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

-- issue 12: the outbox of reinstatements, the sinks of the flows (src/sql/schema/outbox.sql)
CREATE TABLE @extschema@.outbox (
	id pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	incident pg_catalog.int8 NOT NULL REFERENCES @extschema@.incident (id) ON DELETE CASCADE,
	source pg_catalog.text NOT NULL,
	address pg_catalog.text NOT NULL,
	action pg_catalog.text NOT NULL CHECK (action IN ('reinstate', 'reharden')),
	created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	processed_at pg_catalog.timestamptz
);
COMMENT ON TABLE @extschema@.outbox IS
	'one row per flow and address an incident reinstated (or rehardening suppressed again), for the workers that lift ESP suppressions';
-- the consumers' queue, and the last word per flow and address
CREATE INDEX outbox_pending_idx ON @extschema@.outbox (id) WHERE processed_at IS NULL;
CREATE INDEX outbox_address_idx ON @extschema@.outbox (address, source, id);
CREATE INDEX outbox_incident_idx ON @extschema@.outbox (incident, action);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.outbox_id_seq', '');

-- Where a flow keeps its own suppression: a table of the CRM, with the
-- column that holds the address and, for a table of contacts, the boolean
-- column that says suppressed (true); without one the table is a
-- suppression list whose rows are the suppressed addresses.  target is a
-- regclass (it follows a rename, pg_dump writes its name); target_name
-- keeps the name it had, to report a table dropped since.
CREATE TABLE @extschema@.sink (
	id pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	source pg_catalog.text NOT NULL,
	target pg_catalog.regclass NOT NULL,
	target_name pg_catalog.text NOT NULL,
	address_column pg_catalog.name NOT NULL,
	flag_column pg_catalog.name,
	added_by pg_catalog.text NOT NULL DEFAULT CURRENT_USER,
	added_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	UNIQUE (source, target, address_column)
);
COMMENT ON TABLE @extschema@.sink IS
	'where each flow keeps its own suppression: a flag column of a table of contacts, or a suppression list; applied by healing';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sink', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sink_id_seq', '');

-- What each application of a sink changed: one row per sink, incident,
-- action and transaction.
CREATE TABLE @extschema@.sink_log (
	id pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	incident pg_catalog.int8 NOT NULL REFERENCES @extschema@.incident (id) ON DELETE CASCADE,
	sink pg_catalog.int8 NOT NULL,
	source pg_catalog.text NOT NULL,
	target_name pg_catalog.text NOT NULL,
	action pg_catalog.text NOT NULL CHECK (action IN ('reinstate', 'reharden')),
	addresses pg_catalog.int8 NOT NULL,
	changed pg_catalog.int8 NOT NULL,
	at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	actor pg_catalog.text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE @extschema@.sink_log IS
	'what each application of a sink changed: addresses sent, rows updated, deleted or inserted';
CREATE INDEX sink_log_incident_idx ON @extschema@.sink_log (incident);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sink_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sink_log_id_seq', '');

CREATE TABLE @extschema@.outbox_lock (
	only_row pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (only_row)
);
COMMENT ON TABLE @extschema@.outbox_lock IS
	'one row, locked by a healing transaction while it writes to the outbox, until it commits';
INSERT INTO @extschema@.outbox_lock DEFAULT VALUES;

-- parse_dsn returns the original message's Message-ID and headers (issue
-- 11) and the address the sender used, original_recipient (issue 10): a
-- result type cannot be replaced, so the functions are dropped here
-- and created again by src/sql/code/classify.sql.  Nothing of rebound
-- depends on them.
DROP FUNCTION @extschema@.parse_dsn(pg_catalog.text);
DROP FUNCTION @extschema@.parse_dsn(pg_catalog.bytea);

-- issue 17: rule kinds gateway (a security gateway's MX hosts) and asn (an
-- autonomous system, through the prefixes load_prefixes() loads); incident
-- layers gateway and gateway_ip (src/sql/schema/catalogue.sql, ledger.sql)
ALTER TABLE @extschema@.provider_rule
	DROP CONSTRAINT provider_rule_kind_check,
	ADD CONSTRAINT provider_rule_kind_check
	CHECK (kind IN ('domain', 'host_suffix', 'gateway', 'cidr', 'asn'));
COMMENT ON TABLE @extschema@.provider_rule IS
	'how to recognise a provider: a consumer mail domain, a host-name suffix (MX, NS), a security gateway''s MX host suffix, a network prefix, or an autonomous system';
ALTER TABLE @extschema@.provider_tombstone
	DROP CONSTRAINT provider_tombstone_kind_check,
	ADD CONSTRAINT provider_tombstone_kind_check
	CHECK (kind IN ('provider', 'domain', 'host_suffix', 'gateway', 'cidr', 'asn'));
ALTER TABLE @extschema@.incident
	DROP CONSTRAINT incident_layers_check,
	ADD CONSTRAINT incident_layers_check
	CHECK (layers IS NULL OR (pg_catalog.cardinality(layers) > 0
		AND pg_catalog.array_position(layers, NULL) IS NULL
		AND layers OPERATOR(pg_catalog.<@)
			'{domain,gateway,gateway_ip,mx,mx_ip,ns,ns_ip}'::pg_catalog.text[]));

CREATE TABLE @extschema@.as_prefix (
	prefix pg_catalog.cidr NOT NULL,
	asn pg_catalog.int8 NOT NULL CHECK (asn BETWEEN 0 AND 4294967295),
	PRIMARY KEY (prefix, asn)
);
COMMENT ON TABLE @extschema@.as_prefix IS
	'prefixes announced by each autonomous system, as of the last load_prefixes(); read through asn rules';
CREATE INDEX as_prefix_asn_idx ON @extschema@.as_prefix (asn);
CREATE TABLE @extschema@.as_prefix_load (
	only_row pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (only_row),
	format pg_catalog.text NOT NULL CHECK (format IN ('pfx2as', 'plain', 'geolite2')),
	as_of pg_catalog.date,
	prefixes pg_catalog.int8 NOT NULL,
	ases pg_catalog.int8 NOT NULL,
	loaded_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	loaded_by pg_catalog.text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE @extschema@.as_prefix_load IS
	'the load as_prefix holds: its format, the date of the routing data, counts, when and by whom';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.as_prefix', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.as_prefix_load', '');

-- issue 13: the detection summary (src/sql/schema/detect.sql); it starts
-- empty and the first heal run fills it
-- What detection counts per bucket,
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
