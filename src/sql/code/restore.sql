-- src/sql/code/restore.sql: restoring a dump in parallel (pg_restore -j).
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

-- The tables pg_dump keeps reference each other: provider_rule, rule and
-- incident reference provider; bounce and audit reference incident.
-- pg_restore -j loads them at the same time, in no set order, each in its
-- own session and transaction, so a foreign key cannot be checked against
-- a row another worker has not loaded yet.  While a dump is being loaded
-- (pg_dump's scripts and pg_restore's sessions all SET
-- check_function_bodies = false; no other session does by default), a row
-- whose referenced row is not there yet is held in restore_pending instead
-- of failing, and goes into its table as soon as the session that loads the
-- referenced table has loaded it.  Outside a restore, nothing changes: the
-- foreign key refuses the row.
--
-- Both sides lock restore_pending itself in SHARE ROW EXCLUSIVE mode (which
-- conflicts with itself, and which only roles that may write the table can
-- take, unlike an advisory lock), until the end of their transaction: the
-- loader of the referenced table at the end of its load (restore_release),
-- the holder before it looks a second time and holds a row (restore_hold).
-- One waits for the other to commit, so that either the holder sees the
-- referenced row, or the loader sees the held row.
--
-- Providers are also taken over (provider_take_over) and deleted (by the
-- tombstones) while a restore loads the tables that reference them.  The
-- loads of provider, provider_tombstone, provider_rule, rule and incident
-- therefore take the lock at their first row, before any row lock, and run
-- one after the other; and a tombstone does not delete a catalogue provider
-- that user rows already loaded reference (restore_keep): those rows can
-- only come from a provider the user created again under that name, whose
-- row is in the dump and takes the catalogue row over.  Otherwise a rule
-- loaded before the tombstones would be deleted with the provider.

-- BEFORE INSERT FOR EACH ROW on a referencing table; TG_ARGV: the
-- referencing column, the referenced table (provider or incident); with
-- no argument (on provider and provider_tombstone), it only takes the
-- lock.  Its trigger, hold_for_restore, fires before the table's other
-- BEFORE triggers (they fire in name order): provider_take_over would
-- otherwise point a catalogue rule at a provider not loaded yet.
CREATE OR REPLACE FUNCTION rebound_internal.restore_hold()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- (TG_ARGV[n] is NULL when there is no such argument)
	parent constant pg_catalog.name := TG_ARGV[1];
	k pg_catalog.text;
	there pg_catalog.bool;
BEGIN
	IF TG_NARGS OPERATOR(pg_catalog.=) 0 OR parent OPERATOR(pg_catalog.=) 'provider' THEN
		LOCK TABLE @extschema@.restore_pending IN SHARE ROW EXCLUSIVE MODE;
	END IF;
	-- one branch per column: PL/pgSQL resolves NEW's fields when it runs one
	IF TG_ARGV[0] OPERATOR(pg_catalog.=) 'provider' THEN
		k := NEW.provider;
	ELSIF TG_ARGV[0] OPERATOR(pg_catalog.=) 'incident' THEN
		k := NEW.incident;
	ELSIF TG_ARGV[0] OPERATOR(pg_catalog.=) 'forgiven_by' THEN
		k := NEW.forgiven_by;
	END IF;
	IF k IS NULL THEN
		RETURN NEW;
	END IF;
	FOR attempt IN 1..2 LOOP
		IF parent OPERATOR(pg_catalog.=) 'provider' THEN
			there := EXISTS (SELECT FROM @extschema@.provider p WHERE p.name OPERATOR(pg_catalog.=) k);
		ELSE
			there := EXISTS (SELECT FROM @extschema@.incident i
							 WHERE i.id OPERATOR(pg_catalog.=) k::pg_catalog.int8);
		END IF;
		IF there THEN
			RETURN NEW;
		END IF;
		IF attempt OPERATOR(pg_catalog.=) 1 THEN
			-- wait for a loader of the referenced table that is releasing
			LOCK TABLE @extschema@.restore_pending IN SHARE ROW EXCLUSIVE MODE;
		END IF;
	END LOOP;
	INSERT INTO @extschema@.restore_pending (relname, parent, parent_key, row_text)
	VALUES (TG_TABLE_NAME, parent, k, NEW::pg_catalog.text);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION rebound_internal.restore_hold() IS
	'trigger, during a restore: holds a row whose referenced row is not loaded yet in restore_pending';

-- AFTER INSERT FOR EACH STATEMENT on a referenced table: the held rows whose
-- referenced row is now there go into their tables (and, through this
-- same trigger on incident, the rows that were waiting for those).
CREATE OR REPLACE FUNCTION rebound_internal.restore_release()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	key_column constant pg_catalog.text :=
		CASE TG_TABLE_NAME WHEN 'provider' THEN 'name' ELSE 'id' END;
	rel pg_catalog.name;
	cols pg_catalog.text;
	vals pg_catalog.text;
BEGIN
	LOCK TABLE @extschema@.restore_pending IN SHARE ROW EXCLUSIVE MODE;
	FOR rel IN SELECT DISTINCT h.relname FROM @extschema@.restore_pending h
			   WHERE h.parent OPERATOR(pg_catalog.=) TG_TABLE_NAME LOOP
		-- every column but the generated ones, which the table computes
		SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum),
			   pg_catalog.string_agg('(h.r).' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
		  INTO cols, vals
		  FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', TG_TABLE_SCHEMA, rel)::pg_catalog.regclass
		   AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
		   AND a.attgenerated OPERATOR(pg_catalog.=) '';
		EXECUTE pg_catalog.format(
			'WITH released AS ('
			'  DELETE FROM %1$I.restore_pending h'
			'  WHERE h.relname OPERATOR(pg_catalog.=) %2$L AND h.parent OPERATOR(pg_catalog.=) %3$L'
			'    AND EXISTS (SELECT FROM %1$I.%3$I q'
			'                WHERE q.%4$I::pg_catalog.text OPERATOR(pg_catalog.=) h.parent_key)'
			'  RETURNING h.row_text)'
			' INSERT INTO %1$I.%2$I (%5$s) OVERRIDING SYSTEM VALUE'
			' SELECT %6$s FROM (SELECT released.row_text::%1$I.%2$I AS r FROM released OFFSET 0) h',
			TG_TABLE_SCHEMA, rel, TG_TABLE_NAME, key_column, cols, vals);
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION rebound_internal.restore_release() IS
	'trigger, during a restore: puts the held rows whose referenced row is now loaded into their tables';

-- BEFORE DELETE FOR EACH ROW on provider, during a restore.
CREATE OR REPLACE FUNCTION rebound_internal.restore_keep()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
BEGIN
	LOCK TABLE @extschema@.restore_pending IN SHARE ROW EXCLUSIVE MODE;
	IF OLD.origin OPERATOR(pg_catalog.=) 'catalogue'
	   AND (EXISTS (SELECT FROM @extschema@.provider_rule r
				   WHERE r.provider OPERATOR(pg_catalog.=) OLD.name
					 AND r.origin OPERATOR(pg_catalog.<>) 'catalogue')
			OR EXISTS (SELECT FROM @extschema@.rule r WHERE r.provider OPERATOR(pg_catalog.=) OLD.name)
			OR EXISTS (SELECT FROM @extschema@.incident i WHERE i.provider OPERATOR(pg_catalog.=) OLD.name)) THEN
		RETURN NULL;
	END IF;
	RETURN OLD;
END
$$;
COMMENT ON FUNCTION rebound_internal.restore_keep() IS
	'trigger, during a restore: a tombstone does not delete a catalogue provider that restored user rows reference';

CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.provider_rule
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold('provider', 'provider');
CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.rule
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold('provider', 'provider');
CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.incident
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold('provider', 'provider');
CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.bounce
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold('forgiven_by', 'incident');
CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.audit
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold('incident', 'incident');
CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.provider
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold();
CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.provider_tombstone
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold();
CREATE OR REPLACE TRIGGER keep_for_restore BEFORE DELETE ON @extschema@.provider
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_keep();
CREATE OR REPLACE TRIGGER release_after_restore AFTER INSERT ON @extschema@.provider
	FOR EACH STATEMENT WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_release();
CREATE OR REPLACE TRIGGER release_after_restore AFTER INSERT ON @extschema@.incident
	FOR EACH STATEMENT WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_release();
CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.outbox
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold('incident', 'incident');
CREATE OR REPLACE TRIGGER hold_for_restore BEFORE INSERT ON @extschema@.sink_log
	FOR EACH ROW WHEN (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off')
	EXECUTE FUNCTION rebound_internal.restore_hold('incident', 'incident');
