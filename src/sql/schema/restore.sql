-- src/sql/schema/restore.sql: restoring a dump in parallel (pg_restore -j).
--
-- Declarations: types, tables, indexes, what pg_dump keeps.  Run once, by
-- CREATE EXTENSION; a change here also goes, by hand, into the upgrade
-- script under src/sql/upgrade/.

-- pg_dump writes the tables of an extension in the order of their foreign
-- keys, but does not record that order in the archive: pg_restore -j loads
-- them all at once, largest first, so that an audit row may arrive before
-- the incident it references, a user rule before the user's provider.  A
-- row that arrives first waits here (see restore_hold() in
-- src/sql/code/restore.sql) until the row it references is loaded.
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
