-- src/sql/code/catalogue.sql: the provider catalogue: providers, their rules, the tombstones of user deletions.
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

-- Patterns are stored in one form: normalized names, canonical prefixes.
CREATE OR REPLACE FUNCTION rebound_internal.provider_rule_normalize()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.kind = 'cidr' THEN
		BEGIN
			NEW.pattern := NEW.pattern::cidr::text;
		EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN
			-- 22P02 as any text that does not parse (README, Reference)
			RAISE EXCEPTION 'invalid network prefix: "%"', NEW.pattern
				USING ERRCODE = 'invalid_text_representation',
					DETAIL = 'A cidr rule is a network prefix such as 188.165.0.0/16 or 2001:41d0::/32, without host bits.';
		END;
	ELSIF NEW.kind = 'asn' THEN
		-- malformed is 22P02, well-formed but out of range 22023
		IF NEW.pattern !~ '^([Aa][Ss])?[0-9]{1,10}$' THEN
			RAISE EXCEPTION 'invalid AS number: "%"', NEW.pattern
				USING ERRCODE = 'invalid_text_representation',
					DETAIL = 'An asn rule is an autonomous system number such as AS16276 (0 to 4294967295).';
		END IF;
		IF substring(NEW.pattern FROM '[0-9]+$')::int8 > 4294967295 THEN
			RAISE EXCEPTION 'invalid AS number: "%"', NEW.pattern
				USING ERRCODE = 'invalid_parameter_value',
					DETAIL = 'An AS number is 0 to 4294967295.';
		END IF;
		NEW.pattern := 'AS' || substring(NEW.pattern FROM '[0-9]+$')::int8;
	ELSIF NEW.kind IN ('domain', 'host_suffix', 'gateway') THEN
		NEW.pattern := @extschema@.normalize_domain(NEW.pattern);
	END IF;
	-- gateway is host_suffix with a role: one host suffix, one rule, or
	-- the matcher could not tell which applies
	IF NEW.kind IN ('host_suffix', 'gateway') AND EXISTS (
		SELECT FROM @extschema@.provider_rule r
		WHERE r.kind IN ('host_suffix', 'gateway') AND r.kind <> NEW.kind
		  AND r.pattern = NEW.pattern
		  AND (TG_OP = 'INSERT' OR (r.kind, r.pattern) IS DISTINCT FROM (OLD.kind, OLD.pattern))) THEN
		RAISE EXCEPTION 'host suffix "%" already has a rule of the other kind', NEW.pattern
			USING ERRCODE = 'unique_violation',
				DETAIL = 'A host suffix is either a host_suffix rule or a gateway rule, not both.',
				HINT = 'Change the kind of the existing rule instead.';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION rebound_internal.provider_rule_normalize() IS
	'trigger: stores rule patterns as normalized names or canonical prefixes';

-- A user row with the key of a catalogue row takes the catalogue row over
-- (in place, so that a restore, where the catalogue row is already back,
-- does not fail on the key).
CREATE OR REPLACE FUNCTION rebound_internal.provider_take_over()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.origin = 'catalogue' THEN
		RETURN NEW;
	END IF;
	IF TG_TABLE_NAME = 'provider' THEN
		UPDATE @extschema@.provider p
		   SET display_name = NEW.display_name, origin = NEW.origin
		 WHERE p.name = NEW.name AND p.origin = 'catalogue';
	ELSE
		UPDATE @extschema@.provider_rule r
		   SET provider = NEW.provider, origin = NEW.origin
		 WHERE r.kind = NEW.kind AND r.pattern = NEW.pattern AND r.origin = 'catalogue';
	END IF;
	IF FOUND THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION rebound_internal.provider_take_over() IS
	'trigger: a user row replaces the catalogue row with the same key';

-- A catalogue row the user changes becomes the user's; one the user deletes
-- (or renames away) leaves a tombstone.
CREATE OR REPLACE FUNCTION rebound_internal.provider_track_user_change()
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
	-- NEW and OLD have different fields in the two tables: separate branches
	IF TG_TABLE_NAME = 'provider' THEN
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
	IF gone AND NOT EXISTS (SELECT FROM @extschema@.provider_tombstone t
							WHERE t.kind = k AND t.pattern = p) THEN
		INSERT INTO @extschema@.provider_tombstone (kind, pattern) VALUES (k, p);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION rebound_internal.provider_track_user_change() IS
	'trigger: user changes to catalogue rows become user rows; deletions leave tombstones';

-- TRUNCATE fires no row triggers: tombstone every catalogue row first.
CREATE OR REPLACE FUNCTION rebound_internal.provider_track_truncate()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO @extschema@.provider_tombstone (kind, pattern)
	SELECT r.kind, r.pattern FROM @extschema@.provider_rule r
	WHERE r.origin = 'catalogue'
	  AND NOT EXISTS (SELECT FROM @extschema@.provider_tombstone t
					  WHERE t.kind = r.kind AND t.pattern = r.pattern);
	IF TG_TABLE_NAME = 'provider' THEN
		INSERT INTO @extschema@.provider_tombstone (kind, pattern)
		SELECT 'provider', p.name FROM @extschema@.provider p
		WHERE p.origin = 'catalogue'
		  AND NOT EXISTS (SELECT FROM @extschema@.provider_tombstone t
						  WHERE t.kind = 'provider' AND t.pattern = p.name);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION rebound_internal.provider_track_truncate() IS
	'trigger: truncating the catalogue tables leaves tombstones for the catalogue rows';

-- A tombstone (written by a user, or restored by pg_restore) removes the
-- catalogue row it names.
CREATE OR REPLACE FUNCTION rebound_internal.provider_tombstone_apply()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.kind = 'provider' THEN
		DELETE FROM @extschema@.provider p WHERE p.name = NEW.pattern AND p.origin = 'catalogue';
	ELSE
		DELETE FROM @extschema@.provider_rule r
		 WHERE r.kind = NEW.kind AND r.pattern = NEW.pattern AND r.origin = 'catalogue';
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION rebound_internal.provider_tombstone_apply() IS
	'trigger: a tombstone deletes the catalogue row it names';

-- Data changes send no relcache invalidation by themselves: this one makes
-- every backend drop its compiled matcher (see src/glue/provider.c).
CREATE OR REPLACE FUNCTION rebound_internal.provider_rule_invalidate()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_provider_rule_invalidate'
	LANGUAGE C;
COMMENT ON FUNCTION rebound_internal.provider_rule_invalidate() IS
	'trigger: tells every backend that the compiled provider rules are stale';

CREATE OR REPLACE TRIGGER provider_take_over BEFORE INSERT ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.provider_take_over();
CREATE OR REPLACE TRIGGER provider_mark_user_change BEFORE UPDATE ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.provider_track_user_change();
CREATE OR REPLACE TRIGGER provider_track_user_change AFTER UPDATE OR DELETE ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.provider_track_user_change();
CREATE OR REPLACE TRIGGER provider_rule_normalize BEFORE INSERT OR UPDATE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.provider_rule_normalize();
CREATE OR REPLACE TRIGGER provider_take_over BEFORE INSERT ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.provider_take_over();
CREATE OR REPLACE TRIGGER provider_mark_user_change BEFORE UPDATE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.provider_track_user_change();
CREATE OR REPLACE TRIGGER provider_track_user_change AFTER UPDATE OR DELETE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.provider_track_user_change();
CREATE OR REPLACE TRIGGER provider_rule_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.provider_rule
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.provider_rule_invalidate();
CREATE OR REPLACE TRIGGER provider_track_truncate BEFORE TRUNCATE ON @extschema@.provider
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.provider_track_truncate();
CREATE OR REPLACE TRIGGER provider_track_truncate BEFORE TRUNCATE ON @extschema@.provider_rule
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.provider_track_truncate();
CREATE OR REPLACE TRIGGER provider_tombstone_apply AFTER INSERT ON @extschema@.provider_tombstone
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.provider_tombstone_apply();
-- the prefixes of asn rules are compiled with the rules
CREATE OR REPLACE TRIGGER as_prefix_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.as_prefix
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.provider_rule_invalidate();

-- Matching, compiled per backend (src/glue/provider.c).  STABLE: the answer
-- depends on the rule table, fixed within a statement.
CREATE OR REPLACE FUNCTION @extschema@.host_provider(host pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_host_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.host_provider(pg_catalog.text) IS
	'provider of the longest host_suffix rule matching a host name on a label boundary, or NULL';

CREATE OR REPLACE FUNCTION @extschema@.host_layer(host pg_catalog.text, role pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_host_layer'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.host_layer(pg_catalog.text, pg_catalog.text) IS
	'the layer through which a domain depends on one of its hosts: its role (mx, ns), or gateway for an MX host a gateway rule matches';

CREATE OR REPLACE FUNCTION @extschema@.ip_provider(ip pg_catalog.inet)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_ip_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ip_provider(pg_catalog.inet) IS
	'provider of the longest cidr rule containing an address, else of the longest loaded prefix of an AS an asn rule names, or NULL';

CREATE OR REPLACE FUNCTION @extschema@.domain_provider(domain pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_domain_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.domain_provider(pg_catalog.text) IS
	'provider whose consumer mail domain this is (a domain rule, exact name), or NULL';

-- Networks by AS number (see as_prefix in src/sql/schema/catalogue.sql).
-- The file is read in C (src/glue/prefix_load.c, core/prefixfile.c), one pass;
-- the first line that does not read stops the load with its number and
-- text.  The previous load is replaced in the caller's transaction: other
-- sessions see the old prefixes until it commits.
CREATE OR REPLACE FUNCTION @extschema@.prefix_rows(data pg_catalog.text, format pg_catalog.text)
	RETURNS TABLE (prefix pg_catalog.cidr, asn pg_catalog.int8)
	AS 'MODULE_PATHNAME', 'rebound_prefix_rows'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prefix_rows(pg_catalog.text, pg_catalog.text) IS
	'the (prefix, AS) rows of a prefix-to-AS file (format pfx2as, plain or geolite2), one per origin; an error names the first bad line';

CREATE OR REPLACE FUNCTION @extschema@.load_prefixes(data pg_catalog.text, format pg_catalog.text,
											as_of pg_catalog.date DEFAULT NULL)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	loaded int8;
	ases int8;
BEGIN
	IF load_prefixes.data IS NULL THEN
		RAISE EXCEPTION 'no prefix data (NULL)' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF load_prefixes.format IS NULL THEN
		RAISE EXCEPTION 'unknown prefix format: "NULL"'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'Formats are pfx2as (CAIDA RouteViews prefix-to-AS), plain ("prefix AS" lines) and geolite2 (MaxMind GeoLite2-ASN CSV).';
	END IF;
	-- one loader at a time; readers go on reading the previous load
	LOCK TABLE @extschema@.as_prefix IN EXCLUSIVE MODE;
	DELETE FROM @extschema@.as_prefix;
	INSERT INTO @extschema@.as_prefix (prefix, asn)
	SELECT DISTINCT r.prefix, r.asn
	FROM @extschema@.prefix_rows(load_prefixes.data, load_prefixes.format) r;
	GET DIAGNOSTICS loaded = ROW_COUNT;
	IF loaded = 0 THEN
		RAISE EXCEPTION 'no prefixes in the % data', load_prefixes.format
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'An empty load would remove every prefix: give the whole file.';
	END IF;
	SELECT count(DISTINCT p.asn) INTO ases FROM @extschema@.as_prefix p;
	INSERT INTO @extschema@.as_prefix_load AS s (only_row, format, as_of, prefixes, ases, loaded_at, loaded_by)
	VALUES (true, load_prefixes.format, load_prefixes.as_of, loaded, ases, now(), rebound_internal.invoker())
	ON CONFLICT (only_row) DO UPDATE
	SET format = excluded.format, as_of = excluded.as_of, prefixes = excluded.prefixes,
		ases = excluded.ases, loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by;
	RETURN loaded;
END
$$;
COMMENT ON FUNCTION @extschema@.load_prefixes(pg_catalog.text, pg_catalog.text, pg_catalog.date) IS
	'replaces the prefix-to-AS table with a routing dump (format pfx2as, plain or geolite2) of a date; returns the (prefix, AS) rows loaded';
REVOKE ALL ON FUNCTION @extschema@.load_prefixes(pg_catalog.text, pg_catalog.text, pg_catalog.date) FROM PUBLIC;
