-- src/sql/code/outbox.sql: what healing tells the flows: the outbox of
-- reinstatements, the sinks applied in the database, the incident report
-- and chart.
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

-- ===========================================================================
-- The outbox and the sinks
-- ===========================================================================

-- Healing forgives bounces in the ledger; each flow keeps its own
-- suppression (a flag of its contacts, a suppression list, an ESP's list
-- behind an API).  unharden() and reharden() call outbox_reinstate() and
-- outbox_reharden() in their transaction: one outbox row per flow and
-- address whose suppression must be lifted (or restored), the sinks of
-- those flows applied, one NOTIFY rebound_outbox with the incident's id.
--
-- Which (flow, address) pairs: the addresses whose bounces this
-- transaction forgave (audit rows of the incident at now()), that the
-- ledger no longer suppresses at all (rebound.is_suppressed), with every
-- flow in which they have a forgiven hard bounce (a flow that suppressed
-- the address for a bounce an earlier incident forgave, while another
-- bounce still held it, is told now).  A pair is written again only when
-- its last outbox row is not a reinstatement, or when one of its forgiven
-- bounces was recorded after that row: healing twice writes nothing twice.
-- Healers decide one at a time (the row of outbox_lock, held until
-- commit): one that forgave a bounce of an address while another forgave
-- the address's other bounce sees, once the first committed, that the
-- address is free.  Under READ COMMITTED, the default: a REPEATABLE READ
-- healer would not see the other's commit.

-- Checks that a sink can be applied by a role: the table is still there,
-- the columns too, with their types, and the role holds the privileges
-- the sink needs on it (flag: SELECT on the address, UPDATE of the flag;
-- list: SELECT on the address, DELETE, INSERT of the address).  Raises
-- the error that says what is wrong, naming the sink's flow and table.
-- One step per kind of fault, in this order.
CREATE OR REPLACE FUNCTION rebound_internal.sink_check(
	target pg_catalog.regclass, target_name pg_catalog.text, source pg_catalog.text,
	address_column pg_catalog.name, flag_column pg_catalog.name, role pg_catalog.text)
	RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM rebound_internal.sink_check_table(sink_check.target, sink_check.target_name, sink_check.source);
	PERFORM rebound_internal.sink_check_column(sink_check.target, sink_check.target_name, sink_check.source, sink_check.address_column, false);
	IF sink_check.flag_column IS NOT NULL THEN
		PERFORM rebound_internal.sink_check_column(sink_check.target, sink_check.target_name, sink_check.source, sink_check.flag_column, true);
	END IF;
	IF sink_check.role IS NOT NULL THEN
		PERFORM rebound_internal.sink_check_privileges(sink_check.target, sink_check.target_name, sink_check.source, sink_check.address_column, sink_check.flag_column, sink_check.role);
	END IF;
END
$$;
COMMENT ON FUNCTION rebound_internal.sink_check(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.name, pg_catalog.name, pg_catalog.text) IS
	'raises the error that keeps a sink from being applied by a role: table or column gone, wrong type, missing privilege';

-- sink_check: the sink's table still exists and is a table (or a view).
CREATE OR REPLACE FUNCTION rebound_internal.sink_check_table(
	target pg_catalog.regclass, target_name pg_catalog.text, source pg_catalog.text)
	RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	kind "char";
BEGIN
	SELECT c.relkind INTO kind FROM pg_catalog.pg_class c WHERE c.oid = sink_check_table.target;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'table "%" of the sink of flow "%" does not exist', sink_check_table.target_name, sink_check_table.source
			USING ERRCODE = 'undefined_table',
				  DETAIL = 'It was dropped after rebound.add_sink() declared the sink; nothing was applied.',
				  HINT = 'Drop the sink (rebound.drop_sink) or declare it again on the table that replaced it.';
	END IF;
	IF kind NOT IN ('r', 'p', 'v', 'f') THEN
		RAISE EXCEPTION '"%" is not a table', sink_check_table.target_name
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = 'A sink is a table (or an updatable view) of the flow''s own suppression.';
	END IF;
END
$$;
COMMENT ON FUNCTION rebound_internal.sink_check_table(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) IS
	'internal (sink_check): raises when the sink''s table is gone or is not a table';

-- sink_check: a column of the sink's table exists and holds what the sink
-- uses there: the addresses (a string type) or, when flag, the flag
-- (boolean).  A domain counts as its base type.
CREATE OR REPLACE FUNCTION rebound_internal.sink_check_column(
	target pg_catalog.regclass, target_name pg_catalog.text, source pg_catalog.text,
	col pg_catalog.name, flag pg_catalog.bool)
	RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	t pg_catalog.regtype;
	base pg_catalog.oid;
	category "char";
BEGIN
	SELECT a.atttypid::pg_catalog.regtype, b.oid, b.typcategory INTO t, base, category
	FROM pg_catalog.pg_attribute a
	JOIN pg_catalog.pg_type y ON y.oid = a.atttypid
	JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN y.typtype = 'd' THEN y.typbasetype ELSE y.oid END
	WHERE a.attrelid = sink_check_column.target AND a.attname = sink_check_column.col
	  AND a.attnum > 0 AND NOT a.attisdropped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'column "%" of "%" does not exist', sink_check_column.col, sink_check_column.target_name
			USING ERRCODE = 'undefined_column',
				  DETAIL = pg_catalog.format(CASE WHEN flag THEN 'The sink of flow "%s" sets that flag false to reinstate an address.'
												  ELSE 'The sink of flow "%s" matches addresses in that column.' END,
											 sink_check_column.source);
	END IF;
	IF flag AND base <> 'pg_catalog.bool'::pg_catalog.regtype THEN
		RAISE EXCEPTION 'column "%" of "%" is of type %, not boolean', sink_check_column.col, sink_check_column.target_name, t
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = 'The flag column of a sink is true while the flow suppresses the address.';
	END IF;
	IF NOT flag AND category IS DISTINCT FROM 'S' THEN
		RAISE EXCEPTION 'column "%" of "%" is of type %, not a string type', sink_check_column.col, sink_check_column.target_name, t
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = 'The address column of a sink holds e-mail addresses (text, varchar, citext ...).';
	END IF;
END
$$;
COMMENT ON FUNCTION rebound_internal.sink_check_column(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.name, pg_catalog.bool) IS
	'internal (sink_check): raises when a column of the sink''s table is gone or of the wrong type';

-- sink_check: the role holds every privilege applying the sink takes.
CREATE OR REPLACE FUNCTION rebound_internal.sink_check_privileges(
	target pg_catalog.regclass, target_name pg_catalog.text, source pg_catalog.text,
	address_column pg_catalog.name, flag_column pg_catalog.name, role pg_catalog.text)
	RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	missing pg_catalog.text;
BEGIN
	SELECT pg_catalog.string_agg(p.what, ', ') INTO missing
	FROM (VALUES
			('SELECT (' || pg_catalog.quote_ident(sink_check_privileges.address_column) || ')',
			 pg_catalog.has_column_privilege(sink_check_privileges.role, sink_check_privileges.target, sink_check_privileges.address_column, 'SELECT')),
			('SELECT (' || pg_catalog.quote_ident(sink_check_privileges.flag_column) || ')',
			 sink_check_privileges.flag_column IS NULL
			 OR pg_catalog.has_column_privilege(sink_check_privileges.role, sink_check_privileges.target, sink_check_privileges.flag_column, 'SELECT')),
			('UPDATE (' || pg_catalog.quote_ident(sink_check_privileges.flag_column) || ')',
			 sink_check_privileges.flag_column IS NULL
			 OR pg_catalog.has_column_privilege(sink_check_privileges.role, sink_check_privileges.target, sink_check_privileges.flag_column, 'UPDATE')),
			('DELETE',
			 sink_check_privileges.flag_column IS NOT NULL
			 OR pg_catalog.has_table_privilege(sink_check_privileges.role, sink_check_privileges.target, 'DELETE')),
			('INSERT (' || pg_catalog.quote_ident(sink_check_privileges.address_column) || ')',
			 sink_check_privileges.flag_column IS NOT NULL
			 OR pg_catalog.has_column_privilege(sink_check_privileges.role, sink_check_privileges.target, sink_check_privileges.address_column, 'INSERT'))
		 ) AS p (what, granted)
	WHERE NOT p.granted;
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'role "%" may not apply the sink of flow "%" on "%"', sink_check_privileges.role, sink_check_privileges.source, sink_check_privileges.target_name
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = pg_catalog.format('A sink is applied with the rights of the role that heals; it lacks %s on that table. Nothing was applied.', missing),
				  HINT = 'Grant those privileges to the role, or drop the sink.';
	END IF;
END
$$;
COMMENT ON FUNCTION rebound_internal.sink_check_privileges(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.name, pg_catalog.name, pg_catalog.text) IS
	'internal (sink_check): raises when a role lacks a privilege that applying the sink takes';

CREATE OR REPLACE FUNCTION @extschema@.add_sink(source pg_catalog.text, target pg_catalog.regclass,
	address_column pg_catalog.name, flag_column pg_catalog.name DEFAULT NULL)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	new_id pg_catalog.int8;
BEGIN
	IF add_sink.source IS NULL OR add_sink.source = '' OR add_sink.target IS NULL OR add_sink.address_column IS NULL THEN
		RAISE EXCEPTION 'a sink needs a source, a table and an address column'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- the declaring role must itself be able to do what the sink will do:
	-- a sink must not lend a healer's rights to whoever declares it
	PERFORM rebound_internal.sink_check(add_sink.target, add_sink.target::pg_catalog.text, add_sink.source,
		add_sink.address_column, add_sink.flag_column, rebound_internal.invoker());
	INSERT INTO @extschema@.sink (source, target, target_name, address_column, flag_column, added_by)
	VALUES (add_sink.source, add_sink.target, add_sink.target::pg_catalog.text,
			add_sink.address_column, add_sink.flag_column, rebound_internal.invoker())
	ON CONFLICT ON CONSTRAINT sink_source_target_address_column_key DO UPDATE
		SET flag_column = EXCLUDED.flag_column, target_name = EXCLUDED.target_name,
			added_by = EXCLUDED.added_by, added_at = EXCLUDED.added_at
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION @extschema@.add_sink(pg_catalog.text, pg_catalog.regclass, pg_catalog.name, pg_catalog.name) IS
	'declare where a flow keeps its suppression: a boolean flag column (true = suppressed) or, without one, a suppression list; returns the sink''s id';

CREATE OR REPLACE FUNCTION @extschema@.drop_sink(source pg_catalog.text, target pg_catalog.regclass)
	RETURNS pg_catalog.int4
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n pg_catalog.int4;
BEGIN
	DELETE FROM @extschema@.sink s
	WHERE s.source = drop_sink.source AND s.target = drop_sink.target;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_sink(pg_catalog.text, pg_catalog.regclass) IS
	'forget the sinks of a flow on a table; returns how many were dropped';

CREATE OR REPLACE FUNCTION @extschema@.drop_sink(sink pg_catalog.int8)
	RETURNS pg_catalog.int4
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n pg_catalog.int4;
BEGIN
	DELETE FROM @extschema@.sink s WHERE s.id = drop_sink.sink;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_sink(pg_catalog.int8) IS
	'forget a sink by its id (the way to drop one whose table was dropped); returns 1, or 0 when there was none';

-- Applies the sinks of the flows to the outbox rows just written: one
-- statement per sink, addresses matched with normalize_address() on the
-- sink's column (an index on that expression makes it a lookup).  Every
-- sink is checked first, with the healer's rights: one that cannot be
-- applied fails the whole heal before any table of the CRM is touched.
CREATE OR REPLACE FUNCTION rebound_internal.sink_apply(incident pg_catalog.int8, act pg_catalog.text,
	sources pg_catalog.text[], addresses pg_catalog.text[])
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	s record;
	todo pg_catalog.text[];
	n pg_catalog.int8;
	healer pg_catalog.text := rebound_internal.invoker();
BEGIN
	FOR s IN SELECT * FROM @extschema@.sink k WHERE k.source = ANY (sink_apply.sources) ORDER BY k.id LOOP
		PERFORM rebound_internal.sink_check(s.target, s.target_name, s.source, s.address_column, s.flag_column, healer);
	END LOOP;
	FOR s IN SELECT * FROM @extschema@.sink k WHERE k.source = ANY (sink_apply.sources) ORDER BY k.id LOOP
		todo := ARRAY(SELECT DISTINCT u.a FROM ROWS FROM (pg_catalog.unnest(sink_apply.sources), pg_catalog.unnest(sink_apply.addresses)) u (s, a)
					  WHERE u.s = s.source ORDER BY 1);
		IF s.flag_column IS NOT NULL AND act = 'reinstate' THEN
			-- rows whose flag is already false (or unknown) are left alone
			EXECUTE pg_catalog.format('UPDATE %s t SET %I = false WHERE t.%I AND @extschema@.normalize_address(t.%I::pg_catalog.text) OPERATOR(pg_catalog.=) ANY ($1)',
				s.target, s.flag_column, s.flag_column, s.address_column) USING todo;
		ELSIF s.flag_column IS NOT NULL THEN
			EXECUTE pg_catalog.format('UPDATE %s t SET %I = true WHERE NOT t.%I AND @extschema@.normalize_address(t.%I::pg_catalog.text) OPERATOR(pg_catalog.=) ANY ($1)',
				s.target, s.flag_column, s.flag_column, s.address_column) USING todo;
		ELSIF act = 'reinstate' THEN
			EXECUTE pg_catalog.format('DELETE FROM %s t WHERE @extschema@.normalize_address(t.%I::pg_catalog.text) OPERATOR(pg_catalog.=) ANY ($1)',
				s.target, s.address_column) USING todo;
		ELSE
			-- back on the list: the address column only, the others at their defaults
			EXECUTE pg_catalog.format('INSERT INTO %s (%I) SELECT u.a FROM pg_catalog.unnest($1) u (a) WHERE NOT EXISTS (SELECT FROM %s t WHERE @extschema@.normalize_address(t.%I::pg_catalog.text) OPERATOR(pg_catalog.=) u.a)',
				s.target, s.address_column, s.target, s.address_column) USING todo;
		END IF;
		GET DIAGNOSTICS n = ROW_COUNT;
		INSERT INTO @extschema@.sink_log (incident, sink, source, target_name, action, addresses, changed, actor)
		VALUES (sink_apply.incident, s.id, s.source, s.target::pg_catalog.text, act,
				pg_catalog.cardinality(todo), n, healer);
	END LOOP;
END
$$;
COMMENT ON FUNCTION rebound_internal.sink_apply(pg_catalog.int8, pg_catalog.text, pg_catalog.text[], pg_catalog.text[]) IS
	'apply the sinks of the flows to (flow, address) pairs just written to the outbox, with the healer''s rights; logs what changed';

-- Writes what one action of an incident produced: the outbox rows, the
-- sinks, the notification.  Returns the number of rows written.
CREATE OR REPLACE FUNCTION rebound_internal.outbox_write(incident pg_catalog.int8, act pg_catalog.text,
	sources pg_catalog.text[], addresses pg_catalog.text[])
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	s pg_catalog.text[];
	a pg_catalog.text[];
BEGIN
	IF pg_catalog.cardinality(outbox_write.sources) = 0 THEN
		RETURN 0;
	END IF;
	WITH ins AS (
		INSERT INTO @extschema@.outbox (incident, source, address, action)
		SELECT outbox_write.incident, u.s, u.a, outbox_write.act
		FROM ROWS FROM (pg_catalog.unnest(outbox_write.sources), pg_catalog.unnest(outbox_write.addresses)) u (s, a)
		ORDER BY u.a, u.s
		RETURNING outbox.source, outbox.address
	)
	SELECT pg_catalog.array_agg(ins.source), pg_catalog.array_agg(ins.address) INTO s, a FROM ins;
	PERFORM rebound_internal.sink_apply(outbox_write.incident, outbox_write.act, s, a);
	-- one notification per incident and transaction: PostgreSQL folds
	-- identical ones, and delivers it at commit only
	PERFORM pg_catalog.pg_notify('rebound_outbox', outbox_write.incident::pg_catalog.text);
	RETURN pg_catalog.cardinality(s);
END
$$;
COMMENT ON FUNCTION rebound_internal.outbox_write(pg_catalog.int8, pg_catalog.text, pg_catalog.text[], pg_catalog.text[]) IS
	'write outbox rows of an incident, apply the flows'' sinks to them and notify rebound_outbox';

-- Called by unharden() after it forgave: the flows and addresses this
-- transaction reinstated (see above).
CREATE OR REPLACE FUNCTION rebound_internal.outbox_reinstate(incident pg_catalog.int8)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	s pg_catalog.text[];
	a pg_catalog.text[];
	fd pg_catalog.text[];
	fa pg_catalog.text[];
	-- this transaction's start, as a value: on Citus the shards compare
	-- the audit's at with it, not with their own now()
	at_now pg_catalog.timestamptz := pg_catalog.now();
BEGIN
	-- one healer at a time decides; the next sees what it committed
	PERFORM FROM @extschema@.outbox_lock FOR UPDATE;
	-- Three statements: the addresses this transaction forgave, those of
	-- them free now, their flows.  The suppression over rows this node
	-- holds, in a statement of its own: on Citus its query may not be
	-- nested in one the shards run.
	SELECT pg_catalog.array_agg(x.domain), pg_catalog.array_agg(x.address) INTO fd, fa
	FROM (SELECT DISTINCT au.domain, au.address
		  FROM @extschema@.audit au
		  WHERE au.incident = outbox_reinstate.incident AND au.action = 'forgive'
			AND au.at = at_now) x;
	SELECT pg_catalog.array_agg(f.domain), pg_catalog.array_agg(f.address) INTO fd, fa
	FROM (SELECT * FROM ROWS FROM (pg_catalog.unnest(fd), pg_catalog.unnest(fa)) AS f(domain, address)
		  EXCEPT
		  SELECT * FROM rebound_internal.suppressed_among(fd, fa)) f;
	WITH free AS (
		SELECT f.domain, f.address
		FROM ROWS FROM (pg_catalog.unnest(fd), pg_catalog.unnest(fa)) AS f(domain, address)
	), pairs AS (
		-- per address, its forgiven hard bounces, one index lookup
		-- (bounce_address_idx): a join would be planned on the ledger's
		-- statistics, which do not know yet of the bounces this
		-- transaction forgave, and was seen scanning the whole ledger
		-- once per address (a LATERAL aggregate grouped by domain, which
		-- Citus sends to the shards)
		SELECT x.source, f.address, x.last_recorded
		FROM free f
		CROSS JOIN LATERAL (
			SELECT b.source, pg_catalog.max(b.recorded_at) AS last_recorded
			FROM @extschema@.bounce b
			WHERE b.domain = f.domain AND b.address = f.address
			  AND b.hard AND b.forgiven_by IS NOT NULL
			GROUP BY b.domain, b.source) x
	)
	SELECT pg_catalog.array_agg(p.source ORDER BY p.address, p.source),
		   pg_catalog.array_agg(p.address ORDER BY p.address, p.source)
	INTO s, a
	FROM pairs p
	LEFT JOIN LATERAL (
		SELECT o.action, o.created_at FROM @extschema@.outbox o
		WHERE o.address = p.address AND o.source = p.source
		ORDER BY o.id DESC LIMIT 1) last ON true
	WHERE last.action IS DISTINCT FROM 'reinstate' OR p.last_recorded > last.created_at;
	RETURN rebound_internal.outbox_write(outbox_reinstate.incident, 'reinstate', COALESCE(s, '{}'), COALESCE(a, '{}'));
END
$$;
COMMENT ON FUNCTION rebound_internal.outbox_reinstate(pg_catalog.int8) IS
	'after unharden() forgave: write to the outbox (and apply the sinks of) each flow and address now reinstated';

-- Called by reharden() after it hardened bounces again: each flow whose
-- last word on an address of those bounces was a reinstatement, when the
-- ledger suppresses the address again.
CREATE OR REPLACE FUNCTION rebound_internal.outbox_reharden(incident pg_catalog.int8)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	s pg_catalog.text[];
	a pg_catalog.text[];
	hd pg_catalog.text[];
	ha pg_catalog.text[];
	at_now pg_catalog.timestamptz := pg_catalog.now();
BEGIN
	PERFORM FROM @extschema@.outbox_lock FOR UPDATE;
	-- as in outbox_reinstate: the addresses, those suppressed again (over
	-- rows this node holds), their flows, each a statement
	SELECT pg_catalog.array_agg(x.domain), pg_catalog.array_agg(x.address) INTO hd, ha
	FROM (SELECT DISTINCT au.domain, au.address
		  FROM @extschema@.audit au
		  WHERE au.incident = outbox_reharden.incident AND au.action = 'reharden'
			AND au.at = at_now) x;
	SELECT pg_catalog.array_agg(h.address) INTO ha
	FROM rebound_internal.suppressed_among(hd, ha) h;
	SELECT pg_catalog.array_agg(o.source ORDER BY o.address, o.source),
		   pg_catalog.array_agg(o.address ORDER BY o.address, o.source)
	INTO s, a
	FROM (SELECT DISTINCT ON (o.address, o.source) o.address, o.source, o.action
		  FROM @extschema@.outbox o JOIN pg_catalog.unnest(ha) AS h(address) ON o.address = h.address
		  ORDER BY o.address, o.source, o.id DESC) o
	WHERE o.action = 'reinstate';
	RETURN rebound_internal.outbox_write(outbox_reharden.incident, 'reharden', COALESCE(s, '{}'), COALESCE(a, '{}'));
END
$$;
COMMENT ON FUNCTION rebound_internal.outbox_reharden(pg_catalog.int8) IS
	'after reharden(): write to the outbox (and apply the sinks of) each flow and address suppressed again';

-- The sinks, with what can be seen of them now: whether the table is
-- still there and whether an index on normalize_address(column) serves
-- the matching.
CREATE OR REPLACE VIEW @extschema@.sinks AS
SELECT s.id, s.source,
	   CASE WHEN c.oid IS NULL THEN s.target_name ELSE s.target::pg_catalog.text END AS target,
	   CASE WHEN s.flag_column IS NULL THEN 'list'::pg_catalog.text ELSE 'flag'::pg_catalog.text END AS kind,
	   s.address_column, s.flag_column,
	   c.oid IS NOT NULL AS target_exists,
	   -- (a view's: unknown, NULL; the index is on its table)
	   CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'v' THEN NULL ELSE
	   EXISTS (SELECT 1 FROM pg_catalog.pg_index i
			   WHERE i.indrelid OPERATOR(pg_catalog.=) s.target
				 AND i.indpred IS NULL AND i.indnatts OPERATOR(pg_catalog.=) 1
				 AND pg_catalog.pg_get_indexdef(i.indexrelid, 1, false) OPERATOR(pg_catalog.~)
					 ('normalize_address\(\(?' OPERATOR(pg_catalog.||)
					  pg_catalog.regexp_replace(pg_catalog.quote_ident(s.address_column), '([^a-zA-Z0-9_])', '\\\1', 'g')
					  OPERATOR(pg_catalog.||) '\)?(::text)?\)')) END AS indexed,
	   s.added_by, s.added_at
FROM @extschema@.sink s
LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) s.target;
COMMENT ON VIEW @extschema@.sinks IS
	'the sinks of the flows: table (or the name it had, when dropped), kind (flag or list), columns, whether an index on normalize_address(column) serves them (NULL for a view)';

-- Grants: declaring sinks is granted by the DBA to who wires the flows;
-- the steps of healing to nobody (unharden and reharden call them).
REVOKE ALL ON FUNCTION @extschema@.add_sink(pg_catalog.text, pg_catalog.regclass, pg_catalog.name, pg_catalog.name) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.drop_sink(pg_catalog.text, pg_catalog.regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.drop_sink(pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.sink_apply(pg_catalog.int8, pg_catalog.text, pg_catalog.text[], pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.outbox_write(pg_catalog.int8, pg_catalog.text, pg_catalog.text[], pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.outbox_reinstate(pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.outbox_reharden(pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.sink_check(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.name, pg_catalog.name, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.sink_check_table(pg_catalog.regclass, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.sink_check_column(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.name, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.sink_check_privileges(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.name, pg_catalog.name, pg_catalog.text) FROM PUBLIC;

-- ===========================================================================
-- The incident as a report and a picture
-- ===========================================================================

-- The incident's provider per detection bucket, over its window and a
-- margin either side (the window's length, at least two hours): the
-- infrastructure hard bounces charged to the provider (bounces), as the
-- detector counted them (counted: once per customer domain) against their
-- baseline and score (rebound.detect_buckets; a bucket without signal has
-- none, NULL), and the bounces the incident forgave (from the audit, so a
-- withdrawn incident still shows them).
CREATE OR REPLACE FUNCTION @extschema@.incident_series(incident pg_catalog.int8)
	RETURNS TABLE (bucket pg_catalog.timestamptz, bounces pg_catalog.int8, counted pg_catalog.int8,
				   baseline pg_catalog.float8, score pg_catalog.float8, forgiven pg_catalog.int8,
				   in_window pg_catalog.bool)
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	inc @extschema@.incident;
	w pg_catalog.float8;
	margin pg_catalog.interval;
	lo pg_catalog.timestamptz;
	hi pg_catalog.timestamptz;
BEGIN
	SELECT * INTO inc FROM @extschema@.incident i WHERE i.id = incident_series.incident;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'incident % does not exist', incident_series.incident
			USING ERRCODE = 'undefined_object';
	END IF;
	SELECT pg_catalog.date_part('epoch', s.bucket) INTO w FROM @extschema@.detect_settings() s;
	margin := GREATEST(upper(inc.during) - lower(inc.during), interval '2 hours');
	lo := pg_catalog.to_timestamp(pg_catalog.floor(pg_catalog.date_part('epoch', lower(inc.during) - margin) / w) * w);
	hi := pg_catalog.to_timestamp(pg_catalog.ceil(pg_catalog.date_part('epoch', upper(inc.during) + margin) / w) * w);
	RETURN QUERY
	WITH grid AS (
		SELECT g AS b FROM pg_catalog.generate_series(lo, hi - pg_catalog.make_interval(secs => w),
													  pg_catalog.make_interval(secs => w)) g
	), det AS (
		SELECT d.bucket AS b, d.bounces, d.counted, d.baseline, d.score
		FROM @extschema@.detect_buckets(lo, hi) d
		WHERE d.provider = inc.provider
	), fg AS (
		SELECT pg_catalog.to_timestamp(pg_catalog.floor(pg_catalog.date_part('epoch', b.occurred_at) / w) * w) AS b,
			   pg_catalog.count(DISTINCT b.id) AS n
		FROM @extschema@.audit a
		JOIN @extschema@.bounce b ON b.domain = a.domain AND b.id = a.bounce_id
		WHERE a.incident = inc.id AND a.action = 'forgive'
		GROUP BY 1
	)
	SELECT g.b, COALESCE(d.bounces, 0), COALESCE(d.counted, 0), d.baseline, d.score,
		   COALESCE(f.n, 0),
		   inc.during && pg_catalog.tstzrange(g.b, g.b + pg_catalog.make_interval(secs => w))
	FROM grid g
	LEFT JOIN det d ON d.b = g.b
	LEFT JOIN fg f ON f.b = g.b
	ORDER BY g.b;
END
$$;
COMMENT ON FUNCTION @extschema@.incident_series(pg_catalog.int8) IS
	'per detection bucket over an incident and a margin: failures charged to its provider, baseline, score, bounces it forgave';

-- A Markdown report of an incident: what, when, how it was found, and per
-- flow what healing did and what it left.  Times in the session's zone.
-- Its sections (incident_report_found, _flows, _domains) run as their
-- caller, as it does.
CREATE OR REPLACE FUNCTION @extschema@.incident_report(incident pg_catalog.int8)
	RETURNS pg_catalog.text
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	inc @extschema@.incident;
	prov pg_catalog.text;
	fmt constant pg_catalog.text := 'YYYY-MM-DD HH24:MI TZ';
	secs pg_catalog.float8;
BEGIN
	SELECT * INTO inc FROM @extschema@.incident i WHERE i.id = incident_report.incident;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'incident % does not exist', incident_report.incident
			USING ERRCODE = 'undefined_object';
	END IF;
	SELECT COALESCE(p.display_name, p.name) INTO prov FROM @extschema@.provider p WHERE p.name = inc.provider;
	secs := pg_catalog.date_part('epoch', upper(inc.during) - lower(inc.during));
	RETURN pg_catalog.array_to_string(
		ARRAY[pg_catalog.format('# Incident %s: %s', inc.id, prov), '', '| | |', '|---|---|',
			  pg_catalog.format('| provider | `%s` (%s) |', inc.provider, prov),
			  pg_catalog.format('| window | %s – %s (%s), time zone %s |',
				pg_catalog.to_char(lower(inc.during), fmt), pg_catalog.to_char(upper(inc.during), fmt),
				pg_catalog.format('%s h %s min', pg_catalog.floor(secs / 3600), pg_catalog.floor(secs / 60)::pg_catalog.int8 % 60),
				pg_catalog.current_setting('TimeZone')),
			  pg_catalog.format('| layers | %s |', COALESCE(pg_catalog.array_to_string(inc.layers, ', '), 'all (domain, gateway, gateway_ip, mx, mx_ip, ns, ns_ip)')),
			  pg_catalog.format('| found | %s |', rebound_internal.incident_report_found(inc.id)),
			  pg_catalog.format('| status | %s |', CASE WHEN inc.withdrawn_at IS NULL THEN 'active'
				ELSE pg_catalog.format('withdrawn (rehardened) at %s by %s', pg_catalog.to_char(inc.withdrawn_at, fmt), inc.withdrawn_by) END)]
		|| CASE WHEN inc.note IS NOT NULL THEN ARRAY[pg_catalog.format('| note | %s |', pg_catalog.replace(inc.note, '|', '\|'))]
				ELSE '{}'::pg_catalog.text[] END
		-- per flow: the bounces it forgave, the addresses reinstated
		-- (outbox), those still suppressed and why, the sinks applied
		|| ARRAY['', '## Flows', '',
				 '| flow | forgiven bounces | addresses | reinstated | still suppressed | why still suppressed | sinks applied |',
				 '|---|--:|--:|--:|--:|---|---|']
		|| COALESCE(rebound_internal.incident_report_flows(inc.id), '{}')
		|| ARRAY['', '## Top domains', '', '| domain | layer | forgiven bounces | addresses |', '|---|---|--:|--:|']
		|| COALESCE(rebound_internal.incident_report_domains(inc.id), '{}'),
		E'\n') || E'\n';
END
$$;
COMMENT ON FUNCTION @extschema@.incident_report(pg_catalog.int8) IS
	'a Markdown report of an incident: provider, window, layers, how it was found and its score, per flow what healing did and left, top domains';

-- incident_report: how the incident was found (the heal run that declared
-- or last extended it, or who declared it), and the detector's view of its
-- window either way.
CREATE OR REPLACE FUNCTION rebound_internal.incident_report_found(incident pg_catalog.int8)
	RETURNS pg_catalog.text
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ev record;
	said pg_catalog.text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM @extschema@.incident i
				   WHERE i.id OPERATOR(pg_catalog.=) incident_report_found.incident) THEN
		RETURN NULL;
	END IF;
	-- the series first, in a statement of its own: its queries are
	-- distributed on Citus, and may not run nested in the one below
	SELECT pg_catalog.sum(s.bounces) AS bounces, pg_catalog.sum(s.counted) AS counted,
		   pg_catalog.sum(COALESCE(s.baseline, 0)) AS baseline
	INTO ev
	FROM @extschema@.incident_series(incident_report_found.incident) s WHERE s.in_window;
	SELECT CASE WHEN i.origin = 'detected' AND lg.id IS NOT NULL
				THEN pg_catalog.format('detected by `rebound.heal` (run by %s, %s at %s): %s infrastructure hard bounces against %s expected, score %s',
					lg.run_by, lg.action, pg_catalog.to_char(lg.at, f.fmt), lg.hard_bounces, lg.baseline, lg.score)
				ELSE pg_catalog.format('%s by %s at %s', CASE i.origin WHEN 'detected' THEN 'detected' ELSE 'declared' END,
					i.declared_by, pg_catalog.to_char(i.declared_at, f.fmt)) END
		   OPERATOR(pg_catalog.||) pg_catalog.format(
			'; over its window the detector counts %s infrastructure hard bounces charged to %s (%s once per customer domain) against %s expected: score %s',
			COALESCE(ev.bounces, 0), i.provider, COALESCE(ev.counted, 0), pg_catalog.round(COALESCE(ev.baseline, 0)::pg_catalog.numeric, 2),
			CASE WHEN COALESCE(ev.baseline, 0) > 0
				 THEN pg_catalog.round(@extschema@.poisson_score(ev.counted::pg_catalog.int8, ev.baseline)::pg_catalog.numeric, 2)::pg_catalog.text
				 ELSE 'n/a (no baseline yet)' END)
	INTO said
	FROM @extschema@.incident i
	CROSS JOIN (VALUES ('YYYY-MM-DD HH24:MI TZ')) AS f (fmt)
	LEFT JOIN LATERAL (SELECT l.* FROM @extschema@.heal_log l
					   WHERE l.incident = i.id AND l.action IN ('declared', 'extended')
					   ORDER BY l.id DESC LIMIT 1) lg ON true
	WHERE i.id OPERATOR(pg_catalog.=) incident_report_found.incident;
	RETURN said;
END
$$;
COMMENT ON FUNCTION rebound_internal.incident_report_found(pg_catalog.int8) IS
	'internal (incident_report): how an incident was found, and the detector''s count and score over its window';

-- incident_report: a table row per flow (in which the incident forgave
-- bounces, or whose sinks it applied): the bounces forgiven, the addresses,
-- those reinstated (outbox), those still suppressed and why, the sinks
-- applied and the outbox rows processed.  NULL when there is none.
CREATE OR REPLACE FUNCTION rebound_internal.incident_report_flows(incident pg_catalog.int8)
	RETURNS pg_catalog.text[]
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	lines pg_catalog.text[];
BEGIN
	WITH f AS (
		SELECT DISTINCT a.bounce_id, a.domain, a.address, b.source
		FROM @extschema@.audit a
		JOIN @extschema@.bounce b ON b.domain = a.domain AND b.id = a.bounce_id
		WHERE a.incident = incident_report_flows.incident AND a.action = 'forgive'
	), addr AS (
		SELECT DISTINCT f.source, f.domain, f.address FROM f
	), held AS (
		SELECT x.source, x.address, s.cause, s.reason, s.source AS by_source
		FROM addr x
		JOIN @extschema@.suppressed s ON s.domain = x.domain AND s.address = x.address
	), flows AS (
		SELECT DISTINCT f.source FROM f
		UNION
		SELECT k.source FROM @extschema@.sink k
		WHERE EXISTS (SELECT 1 FROM @extschema@.sink_log l WHERE l.incident = incident_report_flows.incident AND l.sink = k.id)
	), r AS (
		SELECT fl.source,
			   (SELECT pg_catalog.count(*) FROM f WHERE f.source = fl.source) AS forgiven,
			   (SELECT pg_catalog.count(*) FROM addr WHERE addr.source = fl.source) AS addresses,
			   (SELECT pg_catalog.count(DISTINCT o.address) FROM @extschema@.outbox o
				WHERE o.incident = incident_report_flows.incident AND o.source = fl.source AND o.action = 'reinstate') AS reinstated,
			   (SELECT pg_catalog.count(*) FROM held WHERE held.source = fl.source) AS still,
			   (SELECT pg_catalog.string_agg(pg_catalog.format('%s ×%s', w.why, w.n), ', ' ORDER BY w.n DESC, w.why)
				FROM (SELECT CASE WHEN held.cause = 'hard_bounce'
								  THEN pg_catalog.format('hard bounce (%s) in %s', COALESCE(held.reason::pg_catalog.text, 'no reason'), held.by_source)
								  ELSE pg_catalog.format('soft bounces in %s', held.by_source) END AS why,
							 pg_catalog.count(*) AS n
					  FROM held WHERE held.source = fl.source GROUP BY 1) w) AS why,
			   (SELECT pg_catalog.string_agg(pg_catalog.format('%s: %s %s of %s rows', l.target_name, l.action, l.changed, l.addresses), '; ' ORDER BY l.target_name, l.action)
				FROM (SELECT l.target_name, l.action, pg_catalog.sum(l.changed) AS changed, pg_catalog.sum(l.addresses) AS addresses
					  FROM @extschema@.sink_log l WHERE l.incident = incident_report_flows.incident AND l.source = fl.source
					  GROUP BY 1, 2) l) AS sinks,
			   (SELECT pg_catalog.format('%s outbox rows, %s processed', pg_catalog.count(*), pg_catalog.count(o.processed_at))
				FROM @extschema@.outbox o WHERE o.incident = incident_report_flows.incident AND o.source = fl.source) AS outbox
		FROM flows fl
	)
	SELECT pg_catalog.array_agg(pg_catalog.format('| %s | %s | %s | %s | %s | %s | %s |', r.source, r.forgiven, r.addresses,
				r.reinstated, r.still, COALESCE(r.why, ''),
				COALESCE(r.sinks, 'no sink: outbox only') || ' (' || r.outbox || ')')
			ORDER BY r.forgiven DESC, r.source)
	INTO lines
	FROM r;
	RETURN lines;
END
$$;
COMMENT ON FUNCTION rebound_internal.incident_report_flows(pg_catalog.int8) IS
	'internal (incident_report): a Markdown table row per flow of an incident: forgiven, reinstated, still suppressed and why, sinks applied';

-- incident_report: a table row for each of the ten domains with the most
-- bounces forgiven.  NULL when there is none.
CREATE OR REPLACE FUNCTION rebound_internal.incident_report_domains(incident pg_catalog.int8)
	RETURNS pg_catalog.text[]
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	lines pg_catalog.text[];
BEGIN
	SELECT pg_catalog.array_agg(pg_catalog.format('| %s | %s | %s | %s |', d.domain, d.layers, d.n, d.addresses)
								ORDER BY d.n DESC, d.domain)
	INTO lines
	FROM (SELECT a.domain, pg_catalog.string_agg(DISTINCT a.layer, ', ') AS layers,
				 pg_catalog.count(DISTINCT a.bounce_id) AS n, pg_catalog.count(DISTINCT a.address) AS addresses
		  FROM @extschema@.audit a
		  WHERE a.incident = incident_report_domains.incident AND a.action = 'forgive'
		  GROUP BY a.domain
		  ORDER BY 3 DESC, 1
		  LIMIT 10) d;
	RETURN lines;
END
$$;
COMMENT ON FUNCTION rebound_internal.incident_report_domains(pg_catalog.int8) IS
	'internal (incident_report): a Markdown table row for each of the ten domains of an incident with the most bounces forgiven';

-- An SVG of the incident: the failures charged to its provider per bucket
-- (bars), the baseline as a band (expected count, plus or minus two
-- standard deviations of a Poisson count; carried over the buckets the
-- detector did not judge), the incident's window shaded, the bounces it
-- forgave overlaid (narrow bars); the time axis in the session's zone.
-- Deterministic: the same ledger and settings give the same bytes.  Drawn
-- in C (src/core/chart.c) from rebound.incident_series; runs as its caller.
CREATE OR REPLACE FUNCTION @extschema@.incident_chart(incident pg_catalog.int8)
	RETURNS pg_catalog.text
	LANGUAGE C STRICT STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
	AS 'MODULE_PATHNAME', 'rebound_incident_chart';
COMMENT ON FUNCTION @extschema@.incident_chart(pg_catalog.int8) IS
	'an SVG of an incident: failures charged to its provider per bucket, the baseline as a band, the window shaded, the forgiven bounces overlaid';
