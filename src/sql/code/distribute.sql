-- src/sql/code/distribute.sql: rebound past one machine, on Citus.
--
-- Behaviour: functions, their grants.  Written CREATE OR REPLACE so that
-- every upgrade script re-runs this file as it is (the full install script
-- drops the OR REPLACE).
--
-- rebound.distribute() is run once on a Citus coordinator, after CREATE
-- EXTENSION rebound (which Citus propagates to the workers): the per-domain
-- tables become distributed tables, sharded by domain and co-located, so
-- that every statement about one domain runs on one shard and a heal runs
-- on all shards at once; everything else (the catalogue, the rules, the
-- incidents, the outbox and the sinks, the host addresses, the prefixes
-- of the autonomous systems) becomes a reference table, copied to every node, so that the shards join it
-- locally.  README, "Past one machine".

-- The relation holding this node's rows of one of rebound's tables: the
-- table, or on a Citus node its shard there (src/rebound.c).  The
-- catalogue's triggers write through it: fired on a reference table's
-- shard, they change the sibling table's shard on the same node, as every
-- other node does, rather than start a distributed statement from inside a
-- shard's.
CREATE OR REPLACE FUNCTION rebound_internal.local_table(relname pg_catalog.name)
	RETURNS pg_catalog.regclass
	AS 'MODULE_PATHNAME', 'rebound_local_table'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rebound_internal.local_table(pg_catalog.name) IS
	'the relation holding this node''s rows of one of rebound''s tables: the table, or its shard on a Citus node';

-- The tables, by fate: reference tables in the order of their foreign
-- keys (a referenced table first), then the distributed ones, the first
-- of which the others are co-located with.
CREATE OR REPLACE FUNCTION rebound_internal.distribution_plan(
	OUT relname pg_catalog.name, OUT method pg_catalog.text)
	RETURNS SETOF record
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$
	SELECT t.relname::pg_catalog.name, t.method
	FROM (VALUES
		(1, 'provider', 'reference'),
		(2, 'provider_rule', 'reference'),
		(3, 'provider_tombstone', 'reference'),
		(4, 'rule', 'reference'),
		(5, 'incident', 'reference'),
		(6, 'heal_log', 'reference'),
		(7, 'heal_lock', 'reference'),
		(8, 'outbox_lock', 'reference'),
		(9, 'outbox', 'reference'),
		(10, 'sink', 'reference'),
		(11, 'sink_log', 'reference'),
		(12, 'restore_pending', 'reference'),
		(13, 'observation_lock', 'reference'),
		(14, 'host_address', 'reference'),
		(15, 'as_prefix', 'reference'),
		(16, 'as_prefix_load', 'reference'),
		(17, 'bounce', 'domain'),
		(18, 'audit', 'domain'),
		(19, 'domain_host', 'domain'),
		(20, 'domain_lookup', 'domain')) t(ord, relname, method)
	ORDER BY t.ord
$$;
COMMENT ON FUNCTION rebound_internal.distribution_plan() IS
	'how rebound.distribute() distributes each table: a reference table, or sharded by domain';

-- Refuses rebound.distribute() where it cannot work: no Citus, a shard
-- count Citus does not take, a worker.
CREATE OR REPLACE FUNCTION rebound_internal.distribute_check(shard_count pg_catalog.int4)
	RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	is_coordinator pg_catalog.bool;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'rebound.distribute() needs Citus, which is not installed in database "%"',
			pg_catalog.current_database()
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Without Citus rebound runs on one node as it is; there is nothing to distribute.',
				  HINT = 'On a Citus coordinator: CREATE EXTENSION citus, add the workers, CREATE EXTENSION rebound, then SELECT rebound.distribute().';
	END IF;
	IF distribute_check.shard_count IS NOT NULL AND distribute_check.shard_count NOT BETWEEN 1 AND 64000 THEN
		RAISE EXCEPTION 'invalid shard count: %', distribute_check.shard_count
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Citus takes 1 to 64000 shards; NULL takes citus.shard_count.';
	END IF;
	EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO is_coordinator;
	IF NOT is_coordinator THEN
		RAISE EXCEPTION 'rebound.distribute() runs on the Citus coordinator, not on a worker'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
END
$$;
COMMENT ON FUNCTION rebound_internal.distribute_check(pg_catalog.int4) IS
	'rebound.distribute()''s refusals: no Citus, an invalid shard count, a worker';

-- Ids unique across the cluster: a row inserted through a worker takes
-- its id from the worker's own sequence, which starts at the worker's
-- group id shifted left by 48 bits (as Citus does for the sequences of
-- the tables it creates itself; the extension's own are left alone).
CREATE OR REPLACE FUNCTION rebound_internal.distribute_sequences()
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	failed pg_catalog.text;
BEGIN
	SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s: %s', w.nodename, w.nodeport, w.result), '; ')
	INTO failed
	FROM pg_catalog.run_command_on_workers($cmd$
		SELECT pg_catalog.count(pg_catalog.setval(d.objid::pg_catalog.regclass,
			 (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)::pg_catalog.int8 OPERATOR(pg_catalog.<<) 48
			 OPERATOR(pg_catalog.+) 1, false))
		FROM pg_catalog.pg_depend d
		JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
		WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
		  AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
		  AND d.deptype OPERATOR(pg_catalog.=) 'e' AND e.extname OPERATOR(pg_catalog.=) 'rebound'
		  AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) d.objid)
			  OPERATOR(pg_catalog.=) 'S'
		$cmd$) w
	WHERE NOT w.success;
	IF failed IS NOT NULL THEN
		RAISE EXCEPTION 'could not move the sequences of the workers apart: %', failed
			USING ERRCODE = 'connection_failure';
	END IF;
END
$$;
COMMENT ON FUNCTION rebound_internal.distribute_sequences() IS
	'rebound.distribute()''s last step: each worker''s sequences start at its group id shifted left by 48 bits';

CREATE OR REPLACE FUNCTION @extschema@.distribute(shard_count pg_catalog.int4 DEFAULT NULL)
	RETURNS TABLE (relname pg_catalog.name, method pg_catalog.text)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	t record;
	first pg_catalog.regclass;
	rel pg_catalog.regclass;
BEGIN
	PERFORM rebound_internal.distribute_check(distribute.shard_count);
	-- the catalogue's triggers (normalizing, user take-over, tombstones,
	-- the matchers' invalidation) go to the shards with the tables
	PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
	-- Citus's notices about each table's copy say nothing the result does not
	PERFORM pg_catalog.set_config('client_min_messages', 'warning', true);
	-- The tables are distributed one by one, a referenced table before
	-- the tables that reference it: Citus must not convert the tables
	-- referencing it, not yet distributed, into "Citus local" tables of
	-- its own (it would create them again on the workers, which have them
	-- from CREATE EXTENSION).
	PERFORM pg_catalog.set_config('citus.enable_local_reference_table_foreign_keys', 'off', true);
	-- the rows are already normalized: the triggers must not fire again
	-- when Citus copies them into the shards
	PERFORM pg_catalog.set_config('session_replication_role', 'replica', true);
	FOR t IN SELECT * FROM rebound_internal.distribution_plan() LOOP
		rel := pg_catalog.format('@extschema@.%I', t.relname)::pg_catalog.regclass;
		IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) rel) THEN
			RAISE EXCEPTION 'table % is already distributed', rel
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'rebound.distribute() is run once, after CREATE EXTENSION rebound.';
		END IF;
		IF t.method OPERATOR(pg_catalog.=) 'reference' THEN
			PERFORM pg_catalog.create_reference_table(rel);
		ELSIF first IS NULL THEN
			PERFORM pg_catalog.create_distributed_table(rel, 'domain',
				shard_count => COALESCE(distribute.shard_count,
										pg_catalog.current_setting('citus.shard_count')::pg_catalog.int4),
				colocate_with => 'none');
			first := rel;
		ELSE
			PERFORM pg_catalog.create_distributed_table(rel, 'domain', colocate_with => first::pg_catalog.text);
		END IF;
		relname := t.relname;
		method := t.method;
		RETURN NEXT;
	END LOOP;
	-- Citus copied the rows into the shards; the tables themselves keep
	-- none (once no table that is not distributed references them)
	FOR t IN SELECT * FROM rebound_internal.distribution_plan() LOOP
		PERFORM pg_catalog.truncate_local_data_after_distributing_table(
			pg_catalog.format('@extschema@.%I', t.relname)::pg_catalog.regclass);
	END LOOP;
	PERFORM rebound_internal.distribute_sequences();
END
$$;
COMMENT ON FUNCTION @extschema@.distribute(pg_catalog.int4) IS
	'on a Citus coordinator, once: shard the per-domain tables by domain (co-located) and make the others reference tables';

-- Only the extension's owner distributes (Citus needs the tables' owner).
REVOKE ALL ON FUNCTION @extschema@.distribute(pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.distribute_check(pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.distribute_sequences() FROM PUBLIC;
