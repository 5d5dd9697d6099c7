-- src/sql/code/catalogue.sql: the provider catalogue: providers, their rules, the tombstones of user deletions.
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

-- Patterns are stored in one form: normalized names, canonical prefixes.
CREATE OR REPLACE FUNCTION @extschema@.provider_rule_normalize()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.kind = 'cidr' THEN
		BEGIN
			NEW.pattern := NEW.pattern::cidr::text;
		EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN
			RAISE EXCEPTION 'invalid network prefix: "%"', NEW.pattern
				USING ERRCODE = 'invalid_parameter_value',
					DETAIL = 'A cidr rule is a network prefix such as 188.165.0.0/16 or 2001:41d0::/32, without host bits.';
		END;
	ELSIF NEW.kind IN ('domain', 'host_suffix') THEN
		NEW.pattern := @extschema@.normalize_domain(NEW.pattern);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.provider_rule_normalize() IS
	'trigger: stores rule patterns as normalized names or canonical prefixes';

-- A user row with the key of a catalogue row takes the catalogue row over
-- (in place, so that a restore, where the catalogue row is already back,
-- does not fail on the key).
CREATE OR REPLACE FUNCTION @extschema@.provider_take_over()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	taken pg_catalog.int8;
BEGIN
	IF NEW.origin = 'catalogue' THEN
		RETURN NEW;
	END IF;
	-- The table that fired (TG_RELID): on Citus, the shard of this node,
	-- which the same statement reaches on every node (README, "Past one
	-- machine").  TG_TABLE_NAME is the shard's name there.
	IF TG_TABLE_NAME LIKE 'provider\_rule%' THEN
		EXECUTE pg_catalog.format('UPDATE %s r SET provider = $1, origin = $2'
								  ' WHERE r.kind = $3 AND r.pattern = $4 AND r.origin = ''catalogue''', TG_RELID::regclass)
		USING NEW.provider, NEW.origin, NEW.kind, NEW.pattern;
	ELSE
		EXECUTE pg_catalog.format('UPDATE %s p SET display_name = $1, origin = $2'
								  ' WHERE p.name = $3 AND p.origin = ''catalogue''', TG_RELID::regclass)
		USING NEW.display_name, NEW.origin, NEW.name;
	END IF;
	GET DIAGNOSTICS taken = ROW_COUNT;
	IF taken > 0 THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.provider_take_over() IS
	'trigger: a user row replaces the catalogue row with the same key';

-- A catalogue row the user changes becomes the user's; one the user deletes
-- (or renames away) leaves a tombstone.
CREATE OR REPLACE FUNCTION @extschema@.provider_track_user_change()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	k text;
	p text;
	gone boolean := TG_OP = 'DELETE';
BEGIN
	IF TG_WHEN = 'BEFORE' THEN
		-- Upgrade scripts that correct catalogue rows disable this trigger.
		IF OLD.origin = 'catalogue' AND NEW.origin = 'catalogue' AND NEW IS DISTINCT FROM OLD THEN
			NEW.origin := 'user';
		END IF;
		RETURN NEW;
	END IF;
	-- AFTER: the row is gone, so the tombstone's own trigger finds nothing
	-- to delete.
	IF OLD.origin <> 'catalogue' THEN
		RETURN NULL;
	END IF;
	-- NEW and OLD have different fields in the two tables: separate
	-- branches (on Citus TG_TABLE_NAME is the shard's name, provider_NNN)
	IF TG_TABLE_NAME NOT LIKE 'provider\_rule%' THEN
		k := 'provider';
		p := OLD.name;
		IF NOT gone THEN
			gone := NEW.name IS DISTINCT FROM OLD.name;
		END IF;
	ELSE
		k := OLD.kind;
		p := OLD.pattern;
		IF NOT gone THEN
			gone := (NEW.kind, NEW.pattern) IS DISTINCT FROM (OLD.kind, OLD.pattern);
		END IF;
	END IF;
	-- the tombstones of this node (their shard on a Citus node)
	IF gone THEN
		EXECUTE pg_catalog.format('INSERT INTO %1$s (kind, pattern) SELECT $1, $2'
								  ' WHERE NOT EXISTS (SELECT FROM %1$s t WHERE t.kind = $1 AND t.pattern = $2)',
								  @extschema@.local_table('provider_tombstone'))
		USING k, p;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.provider_track_user_change() IS
	'trigger: user changes to catalogue rows become user rows; deletions leave tombstones';

-- TRUNCATE fires no row triggers: tombstone every catalogue row first.
CREATE OR REPLACE FUNCTION @extschema@.provider_track_truncate()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- this node's rows (their shards on a Citus node)
	tomb pg_catalog.regclass := @extschema@.local_table('provider_tombstone');
BEGIN
	EXECUTE pg_catalog.format('INSERT INTO %1$s (kind, pattern)'
							  ' SELECT r.kind, r.pattern FROM %2$s r'
							  ' WHERE r.origin = ''catalogue'''
							  '   AND NOT EXISTS (SELECT FROM %1$s t WHERE t.kind = r.kind AND t.pattern = r.pattern)',
							  tomb, @extschema@.local_table('provider_rule'));
	IF TG_TABLE_NAME NOT LIKE 'provider\_rule%' THEN
		EXECUTE pg_catalog.format('INSERT INTO %1$s (kind, pattern)'
								  ' SELECT ''provider'', p.name FROM %2$s p'
								  ' WHERE p.origin = ''catalogue'''
								  '   AND NOT EXISTS (SELECT FROM %1$s t WHERE t.kind = ''provider'' AND t.pattern = p.name)',
								  tomb, TG_RELID::regclass);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.provider_track_truncate() IS
	'trigger: truncating the catalogue tables leaves tombstones for the catalogue rows';

-- A tombstone (written by a user, or restored by pg_restore) removes the
-- catalogue row it names.
CREATE OR REPLACE FUNCTION @extschema@.provider_tombstone_apply()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- this node's rows (their shards on a Citus node)
	IF NEW.kind = 'provider' THEN
		EXECUTE pg_catalog.format('DELETE FROM %s p WHERE p.name = $1 AND p.origin = ''catalogue''',
								  @extschema@.local_table('provider'))
		USING NEW.pattern;
	ELSE
		EXECUTE pg_catalog.format('DELETE FROM %s r WHERE r.kind = $1 AND r.pattern = $2 AND r.origin = ''catalogue''',
								  @extschema@.local_table('provider_rule'))
		USING NEW.kind, NEW.pattern;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.provider_tombstone_apply() IS
	'trigger: a tombstone deletes the catalogue row it names';

-- Data changes send no relcache invalidation by themselves: this one makes
-- every backend drop its compiled matcher (see src/provider.c).
CREATE OR REPLACE FUNCTION @extschema@.provider_rule_invalidate()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_provider_rule_invalidate'
	LANGUAGE C;
COMMENT ON FUNCTION @extschema@.provider_rule_invalidate() IS
	'trigger: tells every backend that the compiled provider rules are stale';

CREATE OR REPLACE TRIGGER provider_take_over BEFORE INSERT ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_take_over();
CREATE OR REPLACE TRIGGER provider_mark_user_change BEFORE UPDATE ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_track_user_change();
CREATE OR REPLACE TRIGGER provider_track_user_change AFTER UPDATE OR DELETE ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_track_user_change();
CREATE OR REPLACE TRIGGER provider_rule_normalize BEFORE INSERT OR UPDATE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_rule_normalize();
CREATE OR REPLACE TRIGGER provider_take_over BEFORE INSERT ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_take_over();
CREATE OR REPLACE TRIGGER provider_mark_user_change BEFORE UPDATE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_track_user_change();
CREATE OR REPLACE TRIGGER provider_track_user_change AFTER UPDATE OR DELETE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_track_user_change();
CREATE OR REPLACE TRIGGER provider_rule_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.provider_rule
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.provider_rule_invalidate();
CREATE OR REPLACE TRIGGER provider_track_truncate BEFORE TRUNCATE ON @extschema@.provider
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.provider_track_truncate();
CREATE OR REPLACE TRIGGER provider_track_truncate BEFORE TRUNCATE ON @extschema@.provider_rule
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.provider_track_truncate();
CREATE OR REPLACE TRIGGER provider_tombstone_apply AFTER INSERT ON @extschema@.provider_tombstone
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_tombstone_apply();

-- Matching, compiled per backend (src/provider.c).  STABLE: the answer
-- depends on the rule table, fixed within a statement.
CREATE OR REPLACE FUNCTION @extschema@.host_provider(host pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_host_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.host_provider(pg_catalog.text) IS
	'provider of the longest host_suffix rule matching a host name on a label boundary, or NULL';

CREATE OR REPLACE FUNCTION @extschema@.ip_provider(ip pg_catalog.inet)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_ip_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ip_provider(pg_catalog.inet) IS
	'provider of the longest cidr rule containing an address, or NULL';

CREATE OR REPLACE FUNCTION @extschema@.domain_provider(domain pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_domain_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.domain_provider(pg_catalog.text) IS
	'provider whose consumer mail domain this is (a domain rule, exact name), or NULL';
