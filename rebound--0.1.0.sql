/* rebound--0.1.0.sql */

\echo Use "CREATE EXTENSION rebound" to load this file. \quit

-- Every object is qualified with @extschema@ (the rebound schema) or
-- pg_catalog, so that nothing depends on the search_path of the session
-- that creates the extension.

-- ===========================================================================
-- Types: rebound.smtp_status, an RFC 3463 enhanced status code
-- ===========================================================================

CREATE TYPE @extschema@.smtp_status;

CREATE FUNCTION @extschema@.smtp_status_in(pg_catalog.cstring)
	RETURNS @extschema@.smtp_status
	AS 'MODULE_PATHNAME', 'smtp_status_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.smtp_status_out(@extschema@.smtp_status)
	RETURNS pg_catalog.cstring
	AS 'MODULE_PATHNAME', 'smtp_status_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.smtp_status_recv(pg_catalog.internal)
	RETURNS @extschema@.smtp_status
	AS 'MODULE_PATHNAME', 'smtp_status_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.smtp_status_send(@extschema@.smtp_status)
	RETURNS pg_catalog.bytea
	AS 'MODULE_PATHNAME', 'smtp_status_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.smtp_status (
	INPUT = @extschema@.smtp_status_in,
	OUTPUT = @extschema@.smtp_status_out,
	RECEIVE = @extschema@.smtp_status_recv,
	SEND = @extschema@.smtp_status_send,
	INTERNALLENGTH = 4,
	PASSEDBYVALUE,
	ALIGNMENT = int4,
	STORAGE = plain
);

COMMENT ON TYPE @extschema@.smtp_status IS
	'RFC 3463 enhanced mail system status code, such as 5.1.1';

CREATE FUNCTION @extschema@.smtp_status_eq(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS pg_catalog.bool AS 'MODULE_PATHNAME', 'smtp_status_eq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.smtp_status_ne(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS pg_catalog.bool AS 'MODULE_PATHNAME', 'smtp_status_ne'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.smtp_status_lt(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS pg_catalog.bool AS 'MODULE_PATHNAME', 'smtp_status_lt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.smtp_status_le(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS pg_catalog.bool AS 'MODULE_PATHNAME', 'smtp_status_le'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.smtp_status_gt(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS pg_catalog.bool AS 'MODULE_PATHNAME', 'smtp_status_gt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.smtp_status_ge(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS pg_catalog.bool AS 'MODULE_PATHNAME', 'smtp_status_ge'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.smtp_status_cmp(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'smtp_status_cmp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.smtp_status_hash(@extschema@.smtp_status)
	RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'smtp_status_hash'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.smtp_status_hash_extended(@extschema@.smtp_status, pg_catalog.int8)
	RETURNS pg_catalog.int8 AS 'MODULE_PATHNAME', 'smtp_status_hash_extended'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR @extschema@.= (
	LEFTARG = @extschema@.smtp_status, RIGHTARG = @extschema@.smtp_status,
	FUNCTION = @extschema@.smtp_status_eq,
	COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
	RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel,
	HASHES, MERGES
);
CREATE OPERATOR @extschema@.<> (
	LEFTARG = @extschema@.smtp_status, RIGHTARG = @extschema@.smtp_status,
	FUNCTION = @extschema@.smtp_status_ne,
	COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
	RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR @extschema@.< (
	LEFTARG = @extschema@.smtp_status, RIGHTARG = @extschema@.smtp_status,
	FUNCTION = @extschema@.smtp_status_lt,
	COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
	RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR @extschema@.<= (
	LEFTARG = @extschema@.smtp_status, RIGHTARG = @extschema@.smtp_status,
	FUNCTION = @extschema@.smtp_status_le,
	COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
	RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR @extschema@.> (
	LEFTARG = @extschema@.smtp_status, RIGHTARG = @extschema@.smtp_status,
	FUNCTION = @extschema@.smtp_status_gt,
	COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
	RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR @extschema@.>= (
	LEFTARG = @extschema@.smtp_status, RIGHTARG = @extschema@.smtp_status,
	FUNCTION = @extschema@.smtp_status_ge,
	COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
	RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);

CREATE OPERATOR CLASS @extschema@.smtp_status_ops
	DEFAULT FOR TYPE @extschema@.smtp_status USING btree AS
		OPERATOR 1 @extschema@.<,
		OPERATOR 2 @extschema@.<=,
		OPERATOR 3 @extschema@.=,
		OPERATOR 4 @extschema@.>=,
		OPERATOR 5 @extschema@.>,
		FUNCTION 1 @extschema@.smtp_status_cmp(@extschema@.smtp_status, @extschema@.smtp_status);

CREATE OPERATOR CLASS @extschema@.smtp_status_hash_ops
	DEFAULT FOR TYPE @extschema@.smtp_status USING hash AS
		OPERATOR 1 @extschema@.=,
		FUNCTION 1 @extschema@.smtp_status_hash(@extschema@.smtp_status),
		FUNCTION 2 @extschema@.smtp_status_hash_extended(@extschema@.smtp_status, pg_catalog.int8);

CREATE FUNCTION @extschema@.smtp_status_larger(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS @extschema@.smtp_status AS 'MODULE_PATHNAME', 'smtp_status_larger'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.smtp_status_smaller(@extschema@.smtp_status, @extschema@.smtp_status)
	RETURNS @extschema@.smtp_status AS 'MODULE_PATHNAME', 'smtp_status_smaller'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE @extschema@.max(@extschema@.smtp_status) (
	SFUNC = @extschema@.smtp_status_larger,
	STYPE = @extschema@.smtp_status,
	COMBINEFUNC = @extschema@.smtp_status_larger,
	SORTOP = OPERATOR(@extschema@.>),
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.max(@extschema@.smtp_status) IS
	'greatest status code';

CREATE AGGREGATE @extschema@.min(@extschema@.smtp_status) (
	SFUNC = @extschema@.smtp_status_smaller,
	STYPE = @extschema@.smtp_status,
	COMBINEFUNC = @extschema@.smtp_status_smaller,
	SORTOP = OPERATOR(@extschema@.<),
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.min(@extschema@.smtp_status) IS
	'least status code';

CREATE FUNCTION @extschema@.status_class(@extschema@.smtp_status)
	RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'rebound_status_class'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.status_class(@extschema@.smtp_status) IS
	'class of an enhanced status code: 2 success, 4 persistent transient failure, 5 permanent failure';

CREATE FUNCTION @extschema@.status_subject(@extschema@.smtp_status)
	RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'rebound_status_subject'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.status_subject(@extschema@.smtp_status) IS
	'subject of an enhanced status code (1 addressing, 2 mailbox, 3 mail system, 4 network, 5 protocol, 6 content, 7 security)';

CREATE FUNCTION @extschema@.status_detail(@extschema@.smtp_status)
	RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'rebound_status_detail'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.status_detail(@extschema@.smtp_status) IS
	'detail of an enhanced status code';

-- ===========================================================================
-- Types: why a message bounced, and how bad it is
-- ===========================================================================

-- One value per Sisimai reason; removing the underscores gives Sisimai's
-- name.  rate_limited and email_too_large are Sisimai's newer names (5.6)
-- for what older versions call speeding/too_many_conn and
-- exceed_limit/mesg_too_big: both generations are here so that data from
-- either maps without loss.
CREATE TYPE @extschema@.reason AS ENUM (
	'auth_failure',
	'bad_reputation',
	'blocked',
	'content_error',
	'delivered',
	'email_too_large',
	'exceed_limit',
	'expired',
	'failed_starttls',
	'feedback',
	'filtered',
	'has_moved',
	'host_unknown',
	'mailbox_full',
	'mailer_error',
	'mesg_too_big',
	'network_error',
	'no_relaying',
	'not_accept',
	'not_compliant_rfc',
	'on_hold',
	'policy_violation',
	'rate_limited',
	'rejected',
	'require_ptr',
	'security_error',
	'spam_detected',
	'speeding',
	'suppressed',
	'suspend',
	'syntax_error',
	'system_error',
	'system_full',
	'too_many_conn',
	'undefined',
	'user_unknown',
	'vacation',
	'virus_detected'
);
COMMENT ON TYPE @extschema@.reason IS
	'why a message bounced; Sisimai''s reason names in snake_case';

CREATE TYPE @extschema@.severity AS ENUM ('hard', 'soft', 'undetermined');
COMMENT ON TYPE @extschema@.severity IS
	'hard: the address will not work again; soft: it may; undetermined: nothing says';

-- ===========================================================================
-- Domains
-- ===========================================================================

-- IMMUTABLE: the result depends only on the input and on the Unicode tables
-- of the ICU library the module is linked with, like an ICU collation.
CREATE FUNCTION @extschema@.normalize_domain(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_normalize_domain'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.normalize_domain(pg_catalog.text) IS
	'lower-case ASCII (IDNA UTS #46) form of a domain name, without the trailing dot';

CREATE FUNCTION @extschema@.address_domain(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_address_domain'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.address_domain(pg_catalog.text) IS
	'normalized domain of an e-mail address';

-- ===========================================================================
-- Classification: rebound.classify(), user rules
-- ===========================================================================

CREATE TYPE @extschema@.classification AS (
	reply_code pg_catalog.int4,
	status @extschema@.smtp_status,
	reason @extschema@.reason,
	severity @extschema@.severity,
	infrastructure pg_catalog.bool
);
COMMENT ON TYPE @extschema@.classification IS
	'verdict on a bounce: SMTP reply code and enhanced status found in it, reason, severity, and whether the receiving side''s infrastructure failed';

-- The user's own rules, checked before the built-in tables, highest
-- priority first (then lowest id).
CREATE TABLE @extschema@.rule (
	id pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	pattern pg_catalog.text NOT NULL CHECK (pattern OPERATOR(pg_catalog.<>) ''),
	is_regex pg_catalog.bool NOT NULL DEFAULT false,
	status @extschema@.smtp_status,
	provider pg_catalog.text,
	reason @extschema@.reason NOT NULL,
	severity @extschema@.severity,
	infrastructure pg_catalog.bool NOT NULL DEFAULT false,
	priority pg_catalog.int4 NOT NULL DEFAULT 0,
	note pg_catalog.text
);
COMMENT ON TABLE @extschema@.rule IS
	'user classification rules, applied by rebound.classify() before the built-in tables';
COMMENT ON COLUMN @extschema@.rule.pattern IS
	'case-insensitive substring of the diagnostic, or a case-insensitive POSIX (advanced) regular expression when is_regex';
COMMENT ON COLUMN @extschema@.rule.status IS
	'when set, the rule applies only to diagnostics whose enhanced status code is this one';
COMMENT ON COLUMN @extschema@.rule.provider IS
	'when set, the rule applies only when the remote MTA is known (parse_dsn, the C interface) and belongs to this provider; classify(text) knows no remote MTA, so it skips such rules';
COMMENT ON COLUMN @extschema@.rule.severity IS
	'severity to give; NULL applies rebound''s rule for the reason';
COMMENT ON COLUMN @extschema@.rule.priority IS
	'rules are tried from the highest priority down (then by id); the first that matches decides';

-- classify() reads the rules with the caller's rights: whoever may
-- classify may read them (changing them stays with the owner).
GRANT SELECT ON @extschema@.rule TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('@extschema@.rule', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rule_id_seq', '');

CREATE FUNCTION @extschema@.rule_check()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_rule_check'
	LANGUAGE C;
COMMENT ON FUNCTION @extschema@.rule_check() IS
	'trigger: refuses a rule whose regular expression does not compile';

CREATE FUNCTION @extschema@.rule_changed()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_rule_changed'
	LANGUAGE C;
COMMENT ON FUNCTION @extschema@.rule_changed() IS
	'trigger: invalidates the rules every backend compiled';

CREATE TRIGGER rule_check
	BEFORE INSERT OR UPDATE ON @extschema@.rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.rule_check();
CREATE TRIGGER rule_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.rule
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.rule_changed();

-- STABLE: the result depends on the rows of rebound.rule.
CREATE FUNCTION @extschema@.classify(diagnostic pg_catalog.text)
	RETURNS @extschema@.classification
	AS 'MODULE_PATHNAME', 'rebound_classify'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.classify(pg_catalog.text) IS
	'classify a bounce diagnostic: reply code, enhanced status, reason, severity, infrastructure (user rules first, then the built-in tables)';

CREATE FUNCTION @extschema@.phrases(
	OUT phrase pg_catalog.text,
	OUT reason @extschema@.reason,
	OUT rank pg_catalog.int4,
	OUT flags pg_catalog.text[],
	OUT origin pg_catalog.text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'rebound_phrases'
	LANGUAGE C STABLE PARALLEL SAFE ROWS 500;
COMMENT ON FUNCTION @extschema@.phrases() IS
	'the built-in phrase table of classify(): each phrase, the reason it signals (NULL: flags only), its rank, flags and origin';

-- ===========================================================================
-- Bounce mails: raw messages to classified rows
-- ===========================================================================

-- STABLE, like classify(): each row is classified with the user's rules of
-- rebound.rule.  PARALLEL SAFE: nothing is written, the caches are per
-- backend.  ROWS 1: most bounces name one recipient.
CREATE FUNCTION @extschema@.parse_dsn(message pg_catalog.text)
	RETURNS TABLE (recipient pg_catalog.text, action pg_catalog.text,
				   status @extschema@.smtp_status, reply_code pg_catalog.int4,
				   diagnostic pg_catalog.text, remote_mta pg_catalog.text,
				   reason @extschema@.reason, severity @extschema@.severity,
				   infrastructure pg_catalog.bool)
	AS 'MODULE_PATHNAME', 'rebound_parse_dsn_text'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.parse_dsn(pg_catalog.text) IS
	'one classified row per failed recipient of a raw bounce mail (RFC 3464 reports, common MTA and ESP formats); complaints and auto-replies give one row with reason feedback or vacation';

CREATE FUNCTION @extschema@.parse_dsn(message pg_catalog.bytea)
	RETURNS TABLE (recipient pg_catalog.text, action pg_catalog.text,
				   status @extschema@.smtp_status, reply_code pg_catalog.int4,
				   diagnostic pg_catalog.text, remote_mta pg_catalog.text,
				   reason @extschema@.reason, severity @extschema@.severity,
				   infrastructure pg_catalog.bool)
	AS 'MODULE_PATHNAME', 'rebound_parse_dsn_bytea'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.parse_dsn(pg_catalog.bytea) IS
	'parse_dsn over the raw bytes of a mail, whose parts declare their own charsets';

-- ===========================================================================
-- Providers: the catalogue, host and address matching, the observed history
-- of each domain's MX and NS hosts, and which providers a domain depended on
-- at a given moment
-- ===========================================================================

-- The catalogue.  Rows installed by the extension carry origin 'catalogue';
-- rows users add carry 'user' (the default).  pg_dump keeps the user rows
-- and the tombstones; CREATE EXTENSION brings the catalogue rows back at
-- restore time, and the tombstones then remove again the ones the user had
-- deleted (see provider_tombstone).  Upgrade scripts add catalogue rows only
-- where no tombstone names them.
CREATE TABLE @extschema@.provider (
	name pg_catalog.text PRIMARY KEY
		CHECK (name OPERATOR(pg_catalog.~) '^[a-z0-9][a-z0-9_.-]*$'),
	display_name pg_catalog.text,
	origin pg_catalog.text NOT NULL DEFAULT 'user'
		CHECK (origin IN ('catalogue', 'user'))
);
COMMENT ON TABLE @extschema@.provider IS
	'mailbox, mail-hosting, DNS-hosting and network providers, named in lower case';

CREATE TABLE @extschema@.provider_rule (
	provider pg_catalog.text NOT NULL
		REFERENCES @extschema@.provider (name) ON UPDATE CASCADE ON DELETE CASCADE,
	kind pg_catalog.text NOT NULL CHECK (kind IN ('domain', 'host_suffix', 'cidr')),
	pattern pg_catalog.text NOT NULL,
	origin pg_catalog.text NOT NULL DEFAULT 'user'
		CHECK (origin IN ('catalogue', 'user')),
	PRIMARY KEY (kind, pattern)
);
COMMENT ON TABLE @extschema@.provider_rule IS
	'how to recognise a provider: a consumer mail domain, a host-name suffix (MX, NS), or a network prefix';
CREATE INDEX provider_rule_provider_idx ON @extschema@.provider_rule (provider, kind);

-- A user rule of the classifier may name a provider: it must exist.
ALTER TABLE @extschema@.rule
	ADD FOREIGN KEY (provider) REFERENCES @extschema@.provider (name) ON UPDATE CASCADE;

-- What the user deleted from the catalogue: kind 'provider' (pattern is the
-- provider's name) or a rule kind.  No unique key on purpose: a restore may
-- write a tombstone that a trigger already wrote, and must not fail on it.
CREATE TABLE @extschema@.provider_tombstone (
	kind pg_catalog.text NOT NULL
		CHECK (kind IN ('provider', 'domain', 'host_suffix', 'cidr')),
	pattern pg_catalog.text NOT NULL,
	deleted_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.provider_tombstone IS
	'catalogue providers and rules a user deleted; they are not installed again';
CREATE INDEX provider_tombstone_idx ON @extschema@.provider_tombstone (kind, pattern);

-- Patterns are stored in one form: normalized names, canonical prefixes.
CREATE FUNCTION @extschema@.provider_rule_normalize()
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
CREATE FUNCTION @extschema@.provider_take_over()
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
COMMENT ON FUNCTION @extschema@.provider_take_over() IS
	'trigger: a user row replaces the catalogue row with the same key';

-- A catalogue row the user changes becomes the user's; one the user deletes
-- (or renames away) leaves a tombstone.
CREATE FUNCTION @extschema@.provider_track_user_change()
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
COMMENT ON FUNCTION @extschema@.provider_track_user_change() IS
	'trigger: user changes to catalogue rows become user rows; deletions leave tombstones';

-- TRUNCATE fires no row triggers: tombstone every catalogue row first.
CREATE FUNCTION @extschema@.provider_track_truncate()
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
COMMENT ON FUNCTION @extschema@.provider_track_truncate() IS
	'trigger: truncating the catalogue tables leaves tombstones for the catalogue rows';

-- A tombstone (written by a user, or restored by pg_restore) removes the
-- catalogue row it names.
CREATE FUNCTION @extschema@.provider_tombstone_apply()
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
COMMENT ON FUNCTION @extschema@.provider_tombstone_apply() IS
	'trigger: a tombstone deletes the catalogue row it names';

-- Data changes send no relcache invalidation by themselves: this one makes
-- every backend drop its compiled matcher (see src/provider.c).
CREATE FUNCTION @extschema@.provider_rule_invalidate()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_provider_rule_invalidate'
	LANGUAGE C;
COMMENT ON FUNCTION @extschema@.provider_rule_invalidate() IS
	'trigger: tells every backend that the compiled provider rules are stale';

CREATE TRIGGER provider_take_over BEFORE INSERT ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_take_over();
CREATE TRIGGER provider_mark_user_change BEFORE UPDATE ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_track_user_change();
CREATE TRIGGER provider_track_user_change AFTER UPDATE OR DELETE ON @extschema@.provider
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_track_user_change();
CREATE TRIGGER provider_rule_normalize BEFORE INSERT OR UPDATE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_rule_normalize();
CREATE TRIGGER provider_take_over BEFORE INSERT ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_take_over();
CREATE TRIGGER provider_mark_user_change BEFORE UPDATE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_track_user_change();
CREATE TRIGGER provider_track_user_change AFTER UPDATE OR DELETE ON @extschema@.provider_rule
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_track_user_change();
CREATE TRIGGER provider_rule_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.provider_rule
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.provider_rule_invalidate();
CREATE TRIGGER provider_track_truncate BEFORE TRUNCATE ON @extschema@.provider
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.provider_track_truncate();
CREATE TRIGGER provider_track_truncate BEFORE TRUNCATE ON @extschema@.provider_rule
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.provider_track_truncate();
CREATE TRIGGER provider_tombstone_apply AFTER INSERT ON @extschema@.provider_tombstone
	FOR EACH ROW EXECUTE FUNCTION @extschema@.provider_tombstone_apply();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.provider', 'WHERE origin = ''user''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.provider_rule', 'WHERE origin = ''user''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.provider_tombstone', '');

-- The catalogue as installed.  Facts from the providers' own documentation
-- (MX and NS host names) and from their routing announcements (prefixes of
-- their autonomous systems: OVH AS16276, Google AS15169, Microsoft
-- AS8075, Cloudflare AS13335, Apple AS714, Gandi AS29169, Proton AS62371,
-- Orange AS3215, Free AS12322, IONOS AS8560, La Poste AS35676 ...).  A
-- prefix shared by two brands of one group is given to the group's hosting
-- brand (United Internet's 212.227.0.0/16 goes to ionos, not gmx).
INSERT INTO @extschema@.provider (name, display_name, origin)
SELECT v.name, v.display_name, 'catalogue'
FROM (VALUES
	('ovh', 'OVHcloud'),
	('google', 'Google (Gmail, Google Workspace)'),
	('microsoft', 'Microsoft (Outlook.com, Microsoft 365)'),
	('orange', 'Orange'),
	('free', 'Free'),
	('sfr', 'SFR'),
	('laposte', 'La Poste'),
	('yahoo', 'Yahoo (Yahoo Mail, AOL)'),
	('apple', 'Apple (iCloud Mail)'),
	('gmx', 'GMX and WEB.DE (United Internet)'),
	('ionos', 'IONOS (United Internet)'),
	('gandi', 'Gandi'),
	('infomaniak', 'Infomaniak'),
	('zoho', 'Zoho Mail'),
	('proton', 'Proton Mail'),
	('cloudflare', 'Cloudflare'),
	('bouygues', 'Bouygues Telecom'),
	('godaddy', 'GoDaddy'),
	('namecheap', 'Namecheap'),
	('o2switch', 'o2switch'),
	('mailo', 'Mailo'),
	('amazon', 'Amazon Web Services (WorkMail, SES)')
) AS v (name, display_name)
WHERE NOT EXISTS (SELECT FROM @extschema@.provider_tombstone t
				  WHERE t.kind = 'provider' AND t.pattern = v.name)
ON CONFLICT (name) DO NOTHING;

INSERT INTO @extschema@.provider_rule (provider, kind, pattern, origin)
SELECT v.provider, v.kind, v.pattern, 'catalogue'
FROM (VALUES
	-- consumer mail domains
	('google', 'domain', 'gmail.com'),
	('google', 'domain', 'googlemail.com'),
	('microsoft', 'domain', 'hotmail.com'),
	('microsoft', 'domain', 'hotmail.fr'),
	('microsoft', 'domain', 'hotmail.co.uk'),
	('microsoft', 'domain', 'hotmail.de'),
	('microsoft', 'domain', 'hotmail.be'),
	('microsoft', 'domain', 'outlook.com'),
	('microsoft', 'domain', 'outlook.fr'),
	('microsoft', 'domain', 'live.com'),
	('microsoft', 'domain', 'live.fr'),
	('microsoft', 'domain', 'msn.com'),
	('orange', 'domain', 'orange.fr'),
	('orange', 'domain', 'wanadoo.fr'),
	('orange', 'domain', 'voila.fr'),
	('free', 'domain', 'free.fr'),
	('free', 'domain', 'aliceadsl.fr'),
	('free', 'domain', 'libertysurf.fr'),
	('free', 'domain', 'online.fr'),
	('sfr', 'domain', 'sfr.fr'),
	('sfr', 'domain', 'neuf.fr'),
	('sfr', 'domain', 'cegetel.net'),
	('sfr', 'domain', 'club-internet.fr'),
	('sfr', 'domain', '9online.fr'),
	('sfr', 'domain', 'numericable.fr'),
	('sfr', 'domain', 'noos.fr'),
	('laposte', 'domain', 'laposte.net'),
	('yahoo', 'domain', 'yahoo.com'),
	('yahoo', 'domain', 'yahoo.fr'),
	('yahoo', 'domain', 'yahoo.co.uk'),
	('yahoo', 'domain', 'ymail.com'),
	('yahoo', 'domain', 'rocketmail.com'),
	('yahoo', 'domain', 'aol.com'),
	('yahoo', 'domain', 'aol.fr'),
	('apple', 'domain', 'icloud.com'),
	('apple', 'domain', 'me.com'),
	('apple', 'domain', 'mac.com'),
	('gmx', 'domain', 'gmx.fr'),
	('gmx', 'domain', 'gmx.de'),
	('gmx', 'domain', 'gmx.net'),
	('gmx', 'domain', 'gmx.com'),
	('gmx', 'domain', 'web.de'),
	('infomaniak', 'domain', 'ik.me'),
	('infomaniak', 'domain', 'ikmail.com'),
	('zoho', 'domain', 'zohomail.com'),
	('zoho', 'domain', 'zohomail.eu'),
	('proton', 'domain', 'protonmail.com'),
	('proton', 'domain', 'protonmail.ch'),
	('proton', 'domain', 'proton.me'),
	('proton', 'domain', 'pm.me'),
	('bouygues', 'domain', 'bbox.fr'),
	('mailo', 'domain', 'mailo.com'),
	('mailo', 'domain', 'net-c.com'),
	-- MX and NS host suffixes
	('ovh', 'host_suffix', 'ovh.net'),
	('ovh', 'host_suffix', 'mail.ovh.net'),
	('ovh', 'host_suffix', 'ovh.com'),
	('ovh', 'host_suffix', 'ovh.ca'),
	('ovh', 'host_suffix', 'ovhcloud.com'),
	('ovh', 'host_suffix', 'anycast.me'),
	('ovh', 'host_suffix', 'kimsufi.com'),
	('google', 'host_suffix', 'google.com'),
	('google', 'host_suffix', 'aspmx.l.google.com'),
	('google', 'host_suffix', 'googlemail.com'),
	('google', 'host_suffix', 'googledomains.com'),
	('microsoft', 'host_suffix', 'mail.protection.outlook.com'),
	('microsoft', 'host_suffix', 'olc.protection.outlook.com'),
	('microsoft', 'host_suffix', 'mail.eo.outlook.com'),
	('microsoft', 'host_suffix', 'azure-dns.com'),
	('microsoft', 'host_suffix', 'azure-dns.net'),
	('microsoft', 'host_suffix', 'azure-dns.org'),
	('microsoft', 'host_suffix', 'azure-dns.info'),
	('orange', 'host_suffix', 'orange.fr'),
	('orange', 'host_suffix', 'wanadoo.fr'),
	('free', 'host_suffix', 'free.fr'),
	('free', 'host_suffix', 'proxad.net'),
	('sfr', 'host_suffix', 'sfr.fr'),
	('sfr', 'host_suffix', 'sfr.net'),
	('sfr', 'host_suffix', 'neuf.fr'),
	('laposte', 'host_suffix', 'laposte.net'),
	('yahoo', 'host_suffix', 'yahoodns.net'),
	('yahoo', 'host_suffix', 'yahoo.com'),
	('yahoo', 'host_suffix', 'aol.com'),
	('apple', 'host_suffix', 'mail.icloud.com'),
	('apple', 'host_suffix', 'apple.com'),
	('gmx', 'host_suffix', 'gmx.net'),
	('gmx', 'host_suffix', 'gmx.com'),
	('gmx', 'host_suffix', 'gmx.de'),
	('gmx', 'host_suffix', 'web.de'),
	('ionos', 'host_suffix', 'ionos.fr'),
	('ionos', 'host_suffix', 'ionos.de'),
	('ionos', 'host_suffix', 'ionos.com'),
	('ionos', 'host_suffix', 'kundenserver.de'),
	('ionos', 'host_suffix', '1and1.fr'),
	('ionos', 'host_suffix', '1and1.com'),
	('ionos', 'host_suffix', 'ui-dns.com'),
	('ionos', 'host_suffix', 'ui-dns.de'),
	('ionos', 'host_suffix', 'ui-dns.org'),
	('ionos', 'host_suffix', 'ui-dns.biz'),
	('gandi', 'host_suffix', 'gandi.net'),
	('infomaniak', 'host_suffix', 'infomaniak.ch'),
	('infomaniak', 'host_suffix', 'infomaniak.com'),
	('zoho', 'host_suffix', 'zoho.com'),
	('zoho', 'host_suffix', 'zoho.eu'),
	('zoho', 'host_suffix', 'zohomail.com'),
	('proton', 'host_suffix', 'protonmail.ch'),
	('proton', 'host_suffix', 'proton.me'),
	('cloudflare', 'host_suffix', 'ns.cloudflare.com'),
	('cloudflare', 'host_suffix', 'mx.cloudflare.net'),
	('bouygues', 'host_suffix', 'bouyguestelecom.fr'),
	('bouygues', 'host_suffix', 'bbox.fr'),
	('godaddy', 'host_suffix', 'domaincontrol.com'),
	('godaddy', 'host_suffix', 'secureserver.net'),
	('namecheap', 'host_suffix', 'registrar-servers.com'),
	('namecheap', 'host_suffix', 'privateemail.com'),
	('o2switch', 'host_suffix', 'o2switch.net'),
	('mailo', 'host_suffix', 'mailo.com'),
	('amazon', 'host_suffix', 'amazonaws.com'),
	('amazon', 'host_suffix', 'awsapps.com'),
	-- network prefixes
	('ovh', 'cidr', '5.39.0.0/17'),
	('ovh', 'cidr', '5.135.0.0/16'),
	('ovh', 'cidr', '5.196.0.0/16'),
	('ovh', 'cidr', '37.59.0.0/16'),
	('ovh', 'cidr', '37.187.0.0/16'),
	('ovh', 'cidr', '46.105.0.0/16'),
	('ovh', 'cidr', '51.38.0.0/16'),
	('ovh', 'cidr', '51.68.0.0/16'),
	('ovh', 'cidr', '51.75.0.0/16'),
	('ovh', 'cidr', '51.77.0.0/16'),
	('ovh', 'cidr', '51.83.0.0/16'),
	('ovh', 'cidr', '51.89.0.0/16'),
	('ovh', 'cidr', '51.91.0.0/16'),
	('ovh', 'cidr', '51.161.0.0/16'),
	('ovh', 'cidr', '51.178.0.0/16'),
	('ovh', 'cidr', '51.195.0.0/16'),
	('ovh', 'cidr', '51.210.0.0/16'),
	('ovh', 'cidr', '51.254.0.0/15'),
	('ovh', 'cidr', '54.36.0.0/16'),
	('ovh', 'cidr', '54.37.0.0/16'),
	('ovh', 'cidr', '54.38.0.0/16'),
	('ovh', 'cidr', '87.98.128.0/17'),
	('ovh', 'cidr', '91.121.0.0/16'),
	('ovh', 'cidr', '92.222.0.0/16'),
	('ovh', 'cidr', '94.23.0.0/16'),
	('ovh', 'cidr', '137.74.0.0/16'),
	('ovh', 'cidr', '141.94.0.0/16'),
	('ovh', 'cidr', '141.95.0.0/16'),
	('ovh', 'cidr', '145.239.0.0/16'),
	('ovh', 'cidr', '147.135.0.0/16'),
	('ovh', 'cidr', '149.202.0.0/16'),
	('ovh', 'cidr', '151.80.0.0/16'),
	('ovh', 'cidr', '164.132.0.0/16'),
	('ovh', 'cidr', '176.31.0.0/16'),
	('ovh', 'cidr', '178.32.0.0/15'),
	('ovh', 'cidr', '188.165.0.0/16'),
	('ovh', 'cidr', '193.70.0.0/17'),
	('ovh', 'cidr', '198.27.64.0/18'),
	('ovh', 'cidr', '198.50.128.0/17'),
	('ovh', 'cidr', '213.186.32.0/19'),
	('ovh', 'cidr', '213.251.128.0/18'),
	('ovh', 'cidr', '2001:41d0::/32'),
	('ovh', 'cidr', '2607:5300::/32'),
	('google', 'cidr', '64.233.160.0/19'),
	('google', 'cidr', '66.102.0.0/20'),
	('google', 'cidr', '66.249.80.0/20'),
	('google', 'cidr', '72.14.192.0/18'),
	('google', 'cidr', '74.125.0.0/16'),
	('google', 'cidr', '108.177.8.0/21'),
	('google', 'cidr', '142.250.0.0/15'),
	('google', 'cidr', '172.217.0.0/16'),
	('google', 'cidr', '173.194.0.0/16'),
	('google', 'cidr', '209.85.128.0/17'),
	('google', 'cidr', '216.58.192.0/19'),
	('google', 'cidr', '216.239.32.0/19'),
	('google', 'cidr', '2404:6800::/32'),
	('google', 'cidr', '2607:f8b0::/32'),
	('google', 'cidr', '2800:3f0::/32'),
	('google', 'cidr', '2a00:1450::/32'),
	('microsoft', 'cidr', '40.92.0.0/15'),
	('microsoft', 'cidr', '40.107.0.0/16'),
	('microsoft', 'cidr', '52.100.0.0/14'),
	('microsoft', 'cidr', '104.47.0.0/17'),
	('microsoft', 'cidr', '2a01:111:f400::/48'),
	('microsoft', 'cidr', '2a01:111:f403::/48'),
	('orange', 'cidr', '80.12.0.0/16'),
	('orange', 'cidr', '193.252.0.0/16'),
	('free', 'cidr', '212.27.32.0/19'),
	('laposte', 'cidr', '160.92.0.0/16'),
	('yahoo', 'cidr', '67.195.0.0/16'),
	('yahoo', 'cidr', '74.6.0.0/16'),
	('yahoo', 'cidr', '98.136.0.0/14'),
	('apple', 'cidr', '17.0.0.0/8'),
	('ionos', 'cidr', '212.227.0.0/16'),
	('ionos', 'cidr', '217.160.0.0/16'),
	('gandi', 'cidr', '217.70.176.0/20'),
	('gandi', 'cidr', '2001:4b98::/32'),
	('proton', 'cidr', '185.70.40.0/22'),
	('cloudflare', 'cidr', '104.16.0.0/13'),
	('cloudflare', 'cidr', '172.64.0.0/13'),
	('cloudflare', 'cidr', '162.158.0.0/15'),
	('cloudflare', 'cidr', '173.245.48.0/20'),
	('cloudflare', 'cidr', '188.114.96.0/20'),
	('cloudflare', 'cidr', '2606:4700::/32')
) AS v (provider, kind, pattern)
WHERE EXISTS (SELECT FROM @extschema@.provider p WHERE p.name = v.provider)
  AND NOT EXISTS (SELECT FROM @extschema@.provider_tombstone t
				  WHERE t.kind = v.kind AND t.pattern = v.pattern)
ON CONFLICT (kind, pattern) DO NOTHING;

-- Matching, compiled per backend (src/provider.c).  STABLE: the answer
-- depends on the rule table, fixed within a statement.
CREATE FUNCTION @extschema@.host_provider(host pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_host_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.host_provider(pg_catalog.text) IS
	'provider of the longest host_suffix rule matching a host name on a label boundary, or NULL';

CREATE FUNCTION @extschema@.ip_provider(ip pg_catalog.inet)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_ip_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ip_provider(pg_catalog.inet) IS
	'provider of the longest cidr rule containing an address, or NULL';

CREATE FUNCTION @extschema@.domain_provider(domain pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_domain_provider'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.domain_provider(pg_catalog.text) IS
	'provider whose consumer mail domain this is (a domain rule, exact name), or NULL';

-- What resolvers saw.  Each row says: from lower(observed) to
-- upper(observed), host was one of the domain's MX (or NS) hosts.  An
-- unbounded lower end marks the first observation of the domain's role,
-- which stands for all the time before it; an unbounded upper end, a row no
-- observation has contradicted yet.  first_seen and last_seen are the
-- earliest and latest observations that confirmed the row; with the bounds
-- they are the instants at which the role was observed, which is what lets
-- an observation arrive out of order.  host is '' in the row that records
-- an observation of no host at all (NXDOMAIN, no MX records), and '.' for a
-- null MX (RFC 7505): both are real observations, matched by no provider.
CREATE TABLE @extschema@.domain_host (
	domain pg_catalog.text NOT NULL,
	role pg_catalog.text NOT NULL CHECK (role IN ('mx', 'ns')),
	host pg_catalog.text NOT NULL,
	preference pg_catalog.int4,
	observed pg_catalog.tstzrange NOT NULL CHECK (NOT pg_catalog.isempty(observed)),
	first_seen pg_catalog.timestamptz NOT NULL,
	last_seen pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE @extschema@.domain_host IS
	'observed MX and NS hosts of each domain, with the interval during which each was true';
-- Unique per (domain, role, host, start): includes domain, so the table can
-- be distributed by domain.  It also serves "as of" lookups by domain.
CREATE UNIQUE INDEX domain_host_key ON @extschema@.domain_host
	(domain, role, host, pg_catalog.lower(observed)) NULLS NOT DISTINCT;
-- Joins from host_address (which domains use this host).
CREATE INDEX domain_host_host_idx ON @extschema@.domain_host (host);
-- Host-suffix ranges for provider_domains(): reversed names make
-- "every host under ovh.net" one range of the index.
CREATE INDEX domain_host_suffix_idx ON @extschema@.domain_host
	(pg_catalog.reverse(host) pg_catalog.text_pattern_ops);

CREATE TABLE @extschema@.host_address (
	host pg_catalog.text NOT NULL,
	addr pg_catalog.inet,
	observed pg_catalog.tstzrange NOT NULL CHECK (NOT pg_catalog.isempty(observed)),
	first_seen pg_catalog.timestamptz NOT NULL,
	last_seen pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE @extschema@.host_address IS
	'observed IPv4 and IPv6 addresses of each host, with the interval during which each was true (addr NULL: no address)';
CREATE UNIQUE INDEX host_address_key ON @extschema@.host_address
	(host, addr, pg_catalog.lower(observed)) NULLS NOT DISTINCT;
CREATE INDEX host_address_addr_idx ON @extschema@.host_address
	USING gist (addr pg_catalog.inet_ops);

-- The outcome of the last lookup of each domain by resolve_domain and
-- refresh_domains (an observation or a failure), so that a refresh picks the
-- domains looked at longest ago and failures are visible.
CREATE TABLE @extschema@.domain_lookup (
	domain pg_catalog.text PRIMARY KEY,
	looked_up_at pg_catalog.timestamptz NOT NULL,
	status pg_catalog.text NOT NULL,
	failures pg_catalog.int4 NOT NULL DEFAULT 0
);
COMMENT ON TABLE @extschema@.domain_lookup IS
	'last DNS lookup of each domain by resolve_domain/refresh_domains, and its status';
CREATE INDEX domain_lookup_at_idx ON @extschema@.domain_lookup (looked_up_at);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.domain_host', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.host_address', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.domain_lookup', '');

-- The observed set, normalized: MX elements may be "preference host", as in
-- a zone file; an empty set is recorded as the one host ''.
CREATE FUNCTION @extschema@.observed_hosts(role pg_catalog.text, hosts pg_catalog.text[])
	RETURNS TABLE (host pg_catalog.text, preference pg_catalog.int4)
	AS 'MODULE_PATHNAME', 'rebound_observed_hosts'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.observed_hosts(pg_catalog.text, pg_catalog.text[]) IS
	'the host set an observation of a domain records: normalized names, MX preferences, '''' for none';

CREATE FUNCTION @extschema@.observe_domain(domain pg_catalog.text, role pg_catalog.text,
										   hosts pg_catalog.text[],
										   at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d text;
	r text := observe_domain.role;
	t timestamptz := observe_domain.at;
	hs text[];
	ps int4[];
	cur_hosts text[];
	later bigint;
	total bigint;
	nxt timestamptz;
	is_first boolean;
	prev record;
	cur record;
	item record;
	lo timestamptz;
BEGIN
	-- A failed lookup (SERVFAIL, timeout) is no observation.
	IF hosts IS NULL THEN
		RETURN;
	END IF;
	IF observe_domain.domain IS NULL OR r IS NULL OR t IS NULL THEN
		RAISE EXCEPTION 'domain, role and time of an observation must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF r NOT IN ('mx', 'ns') THEN
		RAISE EXCEPTION 'invalid role: "%"', r
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'The role of a domain''s host is ''mx'' or ''ns''.';
	END IF;
	IF NOT isfinite(t) THEN
		RAISE EXCEPTION 'invalid observation time: "%"', t
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'An observation happens at a finite time.';
	END IF;
	d := @extschema@.normalize_domain(observe_domain.domain);
	-- Writers of one domain's role take turns.  The lock is one of 64 per
	-- table, not one per domain: a refresh of many domains in one
	-- transaction holds at most 64 locks, whatever its size.
	PERFORM pg_advisory_xact_lock(hashtext('rebound.domain_host'), hashtext(d || ' ' || r) & 63);

	SELECT array_agg(o.host ORDER BY o.host), array_agg(o.preference ORDER BY o.host)
	INTO hs, ps FROM @extschema@.observed_hosts(r, hosts) o;

	-- The common cases in a few statements: a domain seen for the first
	-- time, and an observation in time order (nothing known after t).
	SELECT array_agg(h.host ORDER BY h.host) FILTER (WHERE h.observed @> t),
		   count(*) FILTER (WHERE lower(h.observed) > t OR upper(h.observed) > t
							OR h.first_seen > t OR h.last_seen > t),
		   count(*)
	INTO cur_hosts, later, total
	FROM @extschema@.domain_host h WHERE h.domain = d AND h.role = r;
	IF total = 0 THEN
		INSERT INTO @extschema@.domain_host
		SELECT d, r, u.host, u.preference, '(,)', t, t FROM unnest(hs, ps) AS u (host, preference);
		RETURN;
	END IF;
	IF later = 0 THEN
		-- t comes after everything known: extend, close at t, open at t
		UPDATE @extschema@.domain_host h SET last_seen = t, preference = u.preference
		FROM unnest(hs, ps) AS u (host, preference)
		WHERE h.domain = d AND h.role = r AND h.host = u.host AND h.observed @> t;
		IF cur_hosts IS DISTINCT FROM hs THEN
			DELETE FROM @extschema@.domain_host h
			WHERE h.domain = d AND h.role = r AND h.observed @> t AND h.host <> ALL (hs)
			  AND lower(h.observed) = t;
			UPDATE @extschema@.domain_host h SET observed = tstzrange(lower(h.observed), t, '[)')
			WHERE h.domain = d AND h.role = r AND h.observed @> t AND h.host <> ALL (hs);
			INSERT INTO @extschema@.domain_host
			SELECT d, r, u.host, u.preference, tstzrange(t, NULL, '[)'), t, t
			FROM unnest(hs, ps) AS u (host, preference)
			WHERE u.host <> ALL (coalesce(cur_hosts, '{}'));
		END IF;
		RETURN;
	END IF;

	-- The instants at which this role was observed, seen from t.
	SELECT min(x.x) INTO nxt
	FROM @extschema@.domain_host h,
		 LATERAL (VALUES (lower(h.observed)), (upper(h.observed)), (h.first_seen), (h.last_seen)) x (x)
	WHERE h.domain = d AND h.role = r AND x.x > t;
	SELECT NOT EXISTS (
		SELECT FROM @extschema@.domain_host h
		WHERE h.domain = d AND h.role = r
		  AND (h.first_seen <= t OR lower(h.observed) <= t OR upper(h.observed) <= t))
	INTO is_first;

	-- Rows true at t that t contradicts: cut t..nxt out of them.  Before the
	-- first observation, the first one stands: nothing is kept before t.
	FOR prev IN
		DELETE FROM @extschema@.domain_host h
		WHERE h.domain = d AND h.role = r AND h.observed @> t AND h.host <> ALL (hs)
		RETURNING h.*
	LOOP
		IF NOT is_first AND (lower_inf(prev.observed) OR lower(prev.observed) < t) THEN
			INSERT INTO @extschema@.domain_host
			VALUES (d, r, prev.host, prev.preference, tstzrange(lower(prev.observed), t, '[)'),
					least(prev.first_seen, t),
					CASE WHEN prev.last_seen < t THEN prev.last_seen ELSE least(prev.first_seen, t) END);
		END IF;
		IF nxt IS NOT NULL AND (upper_inf(prev.observed) OR upper(prev.observed) > nxt) THEN
			INSERT INTO @extschema@.domain_host
			VALUES (d, r, prev.host, prev.preference, tstzrange(nxt, upper(prev.observed), '[)'),
					greatest(prev.first_seen, nxt), greatest(prev.last_seen, nxt));
		END IF;
	END LOOP;

	-- Hosts seen at t: extend the row that holds at t, or open one for
	-- t..nxt.
	FOR item IN SELECT * FROM unnest(hs, ps) AS u (host, preference) LOOP
		SELECT * INTO cur FROM @extschema@.domain_host h
		 WHERE h.domain = d AND h.role = r AND h.host = item.host AND h.observed @> t;
		IF FOUND THEN
			IF t >= cur.last_seen THEN
				-- in time order: extend
				UPDATE @extschema@.domain_host h
				   SET last_seen = t, preference = item.preference
				 WHERE h.domain = d AND h.role = r AND h.host = item.host AND h.observed @> t;
			ELSIF t <> cur.first_seen THEN
				-- out of order: split the row at the instant that would be
				-- forgotten otherwise, so that later imports still see it
				lo := CASE WHEN t < cur.first_seen THEN cur.first_seen ELSE t END;
				UPDATE @extschema@.domain_host h
				   SET observed = tstzrange(lo, upper(h.observed), '[)'), first_seen = lo
				 WHERE h.domain = d AND h.role = r AND h.host = item.host AND h.observed @> t;
				INSERT INTO @extschema@.domain_host
				VALUES (d, r, item.host, cur.preference, tstzrange(lower(cur.observed), lo, '[)'),
						least(t, cur.first_seen), least(t, cur.first_seen));
			END IF;
			CONTINUE;
		END IF;
		-- New here: open t..nxt.  Adjacent rows of the same host are not
		-- merged: their bounds are instants of observation to remember.
		INSERT INTO @extschema@.domain_host
		VALUES (d, r, item.host, item.preference,
				tstzrange(CASE WHEN is_first THEN NULL ELSE t END, nxt, '[)'), t, t);
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.observe_domain(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.timestamptz) IS
	'records the MX or NS hosts a resolver saw for a domain at a time (NULL hosts: the lookup failed, nothing is recorded)';

CREATE FUNCTION @extschema@.observe_host(host pg_catalog.text, addrs pg_catalog.inet[],
										 at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n text;
	t timestamptz := observe_host.at;
	aset inet[];
	a inet;
	cur_addrs inet[];
	later bigint;
	total bigint;
	nxt timestamptz;
	is_first boolean;
	prev record;
	cur record;
	lo timestamptz;
BEGIN
	IF addrs IS NULL THEN
		RETURN;
	END IF;
	IF observe_host.host IS NULL OR t IS NULL THEN
		RAISE EXCEPTION 'host and time of an observation must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT isfinite(t) THEN
		RAISE EXCEPTION 'invalid observation time: "%"', t
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'An observation happens at a finite time.';
	END IF;
	n := @extschema@.normalize_domain(observe_host.host);
	PERFORM pg_advisory_xact_lock(hashtext('rebound.host_address'), hashtext(n) & 63);

	-- Host addresses, without masks; an empty set is recorded as NULL.
	SELECT array_agg(DISTINCT set_masklen(x, CASE family(x) WHEN 4 THEN 32 ELSE 128 END)
					 ORDER BY set_masklen(x, CASE family(x) WHEN 4 THEN 32 ELSE 128 END))
	INTO aset FROM unnest(addrs) x WHERE x IS NOT NULL;
	IF aset IS NULL THEN
		aset := ARRAY[NULL]::inet[];
	END IF;

	SELECT array_agg(h.addr ORDER BY h.addr) FILTER (WHERE h.observed @> t),
		   count(*) FILTER (WHERE lower(h.observed) > t OR upper(h.observed) > t
							OR h.first_seen > t OR h.last_seen > t),
		   count(*)
	INTO cur_addrs, later, total
	FROM @extschema@.host_address h WHERE h.host = n;
	IF total = 0 THEN
		INSERT INTO @extschema@.host_address SELECT n, x, '(,)', t, t FROM unnest(aset) x;
		RETURN;
	END IF;
	IF later = 0 THEN
		UPDATE @extschema@.host_address h SET last_seen = t
		WHERE h.host = n AND h.observed @> t
		  AND EXISTS (SELECT FROM unnest(aset) s (a) WHERE s.a IS NOT DISTINCT FROM h.addr);
		IF cur_addrs IS DISTINCT FROM aset THEN
			DELETE FROM @extschema@.host_address h
			WHERE h.host = n AND h.observed @> t AND lower(h.observed) = t
			  AND NOT EXISTS (SELECT FROM unnest(aset) s (a) WHERE s.a IS NOT DISTINCT FROM h.addr);
			UPDATE @extschema@.host_address h SET observed = tstzrange(lower(h.observed), t, '[)')
			WHERE h.host = n AND h.observed @> t
			  AND NOT EXISTS (SELECT FROM unnest(aset) s (a) WHERE s.a IS NOT DISTINCT FROM h.addr);
			INSERT INTO @extschema@.host_address
			SELECT n, x.a, tstzrange(t, NULL, '[)'), t, t FROM unnest(aset) x (a)
			WHERE NOT EXISTS (SELECT FROM unnest(coalesce(cur_addrs, '{}')) c (a)
							  WHERE c.a IS NOT DISTINCT FROM x.a);
		END IF;
		RETURN;
	END IF;

	SELECT min(x.x) INTO nxt
	FROM @extschema@.host_address h,
		 LATERAL (VALUES (lower(h.observed)), (upper(h.observed)), (h.first_seen), (h.last_seen)) x (x)
	WHERE h.host = n AND x.x > t;
	SELECT NOT EXISTS (
		SELECT FROM @extschema@.host_address h
		WHERE h.host = n
		  AND (h.first_seen <= t OR lower(h.observed) <= t OR upper(h.observed) <= t))
	INTO is_first;

	FOR prev IN
		DELETE FROM @extschema@.host_address h
		WHERE h.host = n AND h.observed @> t
		  AND NOT EXISTS (SELECT FROM unnest(aset) s (a) WHERE s.a IS NOT DISTINCT FROM h.addr)
		RETURNING h.*
	LOOP
		IF NOT is_first AND (lower_inf(prev.observed) OR lower(prev.observed) < t) THEN
			INSERT INTO @extschema@.host_address
			VALUES (n, prev.addr, tstzrange(lower(prev.observed), t, '[)'),
					least(prev.first_seen, t),
					CASE WHEN prev.last_seen < t THEN prev.last_seen ELSE least(prev.first_seen, t) END);
		END IF;
		IF nxt IS NOT NULL AND (upper_inf(prev.observed) OR upper(prev.observed) > nxt) THEN
			INSERT INTO @extschema@.host_address
			VALUES (n, prev.addr, tstzrange(nxt, upper(prev.observed), '[)'),
					greatest(prev.first_seen, nxt), greatest(prev.last_seen, nxt));
		END IF;
	END LOOP;

	FOREACH a IN ARRAY aset LOOP
		SELECT * INTO cur FROM @extschema@.host_address h
		 WHERE h.host = n AND h.addr IS NOT DISTINCT FROM a AND h.observed @> t;
		IF FOUND THEN
			IF t >= cur.last_seen THEN
				UPDATE @extschema@.host_address h SET last_seen = t
				 WHERE h.host = n AND h.addr IS NOT DISTINCT FROM a AND h.observed @> t;
			ELSIF t <> cur.first_seen THEN
				lo := CASE WHEN t < cur.first_seen THEN cur.first_seen ELSE t END;
				UPDATE @extschema@.host_address h
				   SET observed = tstzrange(lo, upper(h.observed), '[)'), first_seen = lo
				 WHERE h.host = n AND h.addr IS NOT DISTINCT FROM a AND h.observed @> t;
				INSERT INTO @extschema@.host_address
				VALUES (n, a, tstzrange(lower(cur.observed), lo, '[)'),
						least(t, cur.first_seen), least(t, cur.first_seen));
			END IF;
			CONTINUE;
		END IF;
		INSERT INTO @extschema@.host_address
		VALUES (n, a, tstzrange(CASE WHEN is_first THEN NULL ELSE t END, nxt, '[)'), t, t);
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.observe_host(pg_catalog.text, pg_catalog.inet[], pg_catalog.timestamptz) IS
	'records the addresses a resolver saw for a host at a time (NULL addrs: the lookup failed, nothing is recorded)';

-- Every provider a domain depended on at a moment.  LANGUAGE sql, STABLE,
-- one SELECT: the planner inlines it into the caller's query, so a LATERAL
-- call over many bounces is a plain join on the indexes above.
CREATE FUNCTION @extschema@.domain_providers(domain pg_catalog.text,
											 at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (provider pg_catalog.text, layer pg_catalog.text, host pg_catalog.text)
	LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	-- One index scan of the domain's rows; for each host its own provider
	-- and those of its addresses.  At one moment a host holds one row per
	-- role, so the only duplicates are several addresses of one host in
	-- one network, removed per host (a UNION of the whole result would
	-- hash every call's rows once more).
	SELECT d.provider, 'domain'::pg_catalog.text, NULL::pg_catalog.text
	FROM (SELECT @extschema@.domain_provider(@extschema@.normalize_domain($1)) AS provider) d
	WHERE d.provider IS NOT NULL
	UNION ALL
	SELECT p.provider, p.layer, h.host
	FROM @extschema@.domain_host h,
		 LATERAL (SELECT @extschema@.host_provider(h.host) AS provider, h.role AS layer
				  UNION ALL
				  SELECT DISTINCT @extschema@.ip_provider(a.addr), h.role OPERATOR(pg_catalog.||) '_ip'
				  FROM @extschema@.host_address a
				  WHERE a.host OPERATOR(pg_catalog.=) h.host
					AND a.observed OPERATOR(pg_catalog.@>) $2
					AND a.addr IS NOT NULL) p
	WHERE h.domain OPERATOR(pg_catalog.=) @extschema@.normalize_domain($1)
	  AND h.observed OPERATOR(pg_catalog.@>) $2
	  AND h.host OPERATOR(pg_catalog.<>) ALL ('{"",.}'::pg_catalog.text[])
	  AND p.provider IS NOT NULL
$$;
COMMENT ON FUNCTION @extschema@.domain_providers(pg_catalog.text, pg_catalog.timestamptz) IS
	'every (provider, layer, host) a domain depended on at a time: layers domain, mx, mx_ip, ns, ns_ip';

-- The reverse direction, for healing: every domain that depended on a
-- provider during an interval, with the part of the interval during which
-- it did.  One call per incident, then a join on (domain, observed @>
-- occurred_at) over the bounces.
CREATE FUNCTION @extschema@.provider_domains(provider pg_catalog.text,
											 during pg_catalog.tstzrange DEFAULT '(,)',
											 layers pg_catalog.text[] DEFAULT NULL)
	RETURNS TABLE (domain pg_catalog.text, layer pg_catalog.text, host pg_catalog.text,
				   observed pg_catalog.tstzrange)
	LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT r.pattern, 'domain'::pg_catalog.text, NULL::pg_catalog.text, $2
	FROM @extschema@.provider_rule r
	WHERE r.provider OPERATOR(pg_catalog.=) $1 AND r.kind OPERATOR(pg_catalog.=) 'domain'
	  AND ($3 IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY ($3))
	UNION
	SELECT h.domain, h.role, h.host, h.observed OPERATOR(pg_catalog.*) $2
	FROM @extschema@.provider_rule r
	JOIN @extschema@.domain_host h
	  ON pg_catalog.reverse(h.host) OPERATOR(pg_catalog.~>=~) pg_catalog.reverse(r.pattern)
	 AND pg_catalog.reverse(h.host) OPERATOR(pg_catalog.~<~) (pg_catalog.reverse(r.pattern) OPERATOR(pg_catalog.||) '/')
	WHERE r.provider OPERATOR(pg_catalog.=) $1 AND r.kind OPERATOR(pg_catalog.=) 'host_suffix'
	  AND h.observed OPERATOR(pg_catalog.&&) $2
	  AND ($3 IS NULL OR h.role OPERATOR(pg_catalog.=) ANY ($3))
	  AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) $1
	UNION
	SELECT h.domain, h.role OPERATOR(pg_catalog.||) '_ip', h.host,
		   h.observed OPERATOR(pg_catalog.*) a.observed OPERATOR(pg_catalog.*) $2
	FROM @extschema@.provider_rule r
	JOIN @extschema@.host_address a ON a.addr OPERATOR(pg_catalog.<<=) r.pattern::pg_catalog.inet
	JOIN @extschema@.domain_host h
	  ON h.host OPERATOR(pg_catalog.=) a.host AND h.observed OPERATOR(pg_catalog.&&) a.observed
	WHERE r.provider OPERATOR(pg_catalog.=) $1 AND r.kind OPERATOR(pg_catalog.=) 'cidr'
	  AND a.observed OPERATOR(pg_catalog.&&) $2
	  AND h.observed OPERATOR(pg_catalog.&&) $2
	  AND NOT pg_catalog.isempty(h.observed OPERATOR(pg_catalog.*) a.observed OPERATOR(pg_catalog.*) $2)
	  AND ($3 IS NULL OR (h.role OPERATOR(pg_catalog.||) '_ip') OPERATOR(pg_catalog.=) ANY ($3))
	  AND @extschema@.ip_provider(a.addr) OPERATOR(pg_catalog.=) $1
$$;
COMMENT ON FUNCTION @extschema@.provider_domains(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[]) IS
	'every domain that depended on a provider during an interval: (domain, layer, host, the part of the interval it held)';

-- Real DNS from the server (src/dns.c): rebound.dns_servers,
-- rebound.dns_timeout and rebound.dns_concurrency set where and how.
-- Network access: not granted to PUBLIC.
CREATE FUNCTION @extschema@.dns_lookup(names pg_catalog.text[])
	RETURNS TABLE (name pg_catalog.text, kind pg_catalog.text, status pg_catalog.text,
				   hosts pg_catalog.text[], addrs pg_catalog.inet[],
				   at pg_catalog.timestamptz)
	AS 'MODULE_PATHNAME', 'rebound_dns_lookup'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.dns_lookup(pg_catalog.text[]) IS
	'queries MX and NS of domains and A/AAAA of their hosts, concurrently; returns what was seen without recording it';

-- Turn lookups into observations: failures are not observations.
CREATE FUNCTION @extschema@.record_lookup(name pg_catalog.text, kind pg_catalog.text,
										  status pg_catalog.text, hosts pg_catalog.text[],
										  addrs pg_catalog.inet[], at pg_catalog.timestamptz)
	RETURNS boolean
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF status NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN
		RETURN false;
	END IF;
	IF kind = 'addr' THEN
		PERFORM @extschema@.observe_host(name, addrs, at);
	ELSE
		PERFORM @extschema@.observe_domain(name, kind, hosts, at);
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION @extschema@.record_lookup(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.inet[], pg_catalog.timestamptz) IS
	'records one row of dns_lookup() as an observation, unless the lookup failed; true when recorded';

CREATE FUNCTION @extschema@.resolve_domain(domain pg_catalog.text)
	RETURNS TABLE (name pg_catalog.text, kind pg_catalog.text, status pg_catalog.text,
				   hosts pg_catalog.text[], addrs pg_catalog.inet[], recorded boolean)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
	mx_status text;
	ns_status text;
BEGIN
	FOR r IN SELECT * FROM @extschema@.dns_lookup(ARRAY[domain]) l ORDER BY l.kind <> 'mx', l.kind <> 'ns', l.name LOOP
		name := r.name;
		kind := r.kind;
		status := r.status;
		hosts := r.hosts;
		addrs := r.addrs;
		recorded := @extschema@.record_lookup(r.name, r.kind, r.status, r.hosts, r.addrs, r.at);
		IF r.kind = 'mx' THEN
			mx_status := r.status;
		ELSIF r.kind = 'ns' THEN
			ns_status := r.status;
			PERFORM @extschema@.note_lookup(r.name, mx_status, ns_status);
		END IF;
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.resolve_domain(pg_catalog.text) IS
	'looks a domain up in DNS now (MX, NS, their addresses), records what was observed, and returns every lookup with its status';

-- domain_lookup bookkeeping: the worse of the two statuses.
CREATE FUNCTION @extschema@.note_lookup(domain pg_catalog.text, mx_status pg_catalog.text,
										ns_status pg_catalog.text)
	RETURNS void
	LANGUAGE sql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	INSERT INTO @extschema@.domain_lookup AS l (domain, looked_up_at, status, failures)
	SELECT $1, pg_catalog.clock_timestamp(), s.status,
		   CASE WHEN s.status IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN 0 ELSE 1 END
	FROM (SELECT CASE WHEN $2 NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN $2
					  WHEN $3 NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN $3
					  WHEN $2 = 'nxdomain' THEN 'nxdomain'
					  ELSE 'ok' END) AS s (status)
	ON CONFLICT (domain) DO UPDATE
	SET looked_up_at = excluded.looked_up_at, status = excluded.status,
		failures = CASE WHEN excluded.failures = 0 THEN 0 ELSE l.failures + 1 END
$$;
COMMENT ON FUNCTION @extschema@.note_lookup(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
	'notes in domain_lookup when a domain was looked up and how it went';

CREATE FUNCTION @extschema@.refresh_domains(max_domains pg_catalog.int4 DEFAULT 1000)
	RETURNS TABLE (domains pg_catalog.int4, observed pg_catalog.int4, nxdomain pg_catalog.int4,
				   servfail pg_catalog.int4, timeout pg_catalog.int4, refused pg_catalog.int4,
				   other_failures pg_catalog.int4)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	batch text[];
	r record;
	ledger text := '';
BEGIN
	IF max_domains IS NULL OR max_domains < 0 THEN
		RAISE EXCEPTION 'invalid max_domains: %', max_domains
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'The number of domains to refresh is zero or more.';
	END IF;
	-- the domains of the ledger (when the ledger exists) and of the
	-- history, never looked up first, then the longest ago
	IF to_regclass('@extschema@.bounce') IS NOT NULL THEN
		ledger := 'UNION SELECT b.domain FROM @extschema@.bounce b WHERE b.domain IS NOT NULL ';
	END IF;
	EXECUTE format(
		'SELECT ARRAY(SELECT c.domain FROM (SELECT DISTINCT h.domain FROM @extschema@.domain_host h %s) c '
		'LEFT JOIN @extschema@.domain_lookup l ON l.domain = c.domain '
		'ORDER BY l.looked_up_at NULLS FIRST, c.domain LIMIT $1)', ledger)
	INTO batch USING max_domains;

	domains := coalesce(array_length(batch, 1), 0);
	observed := 0; nxdomain := 0; servfail := 0; timeout := 0; refused := 0; other_failures := 0;
	IF domains = 0 THEN
		RETURN NEXT;
		RETURN;
	END IF;

	CREATE TEMP TABLE IF NOT EXISTS rebound_refresh_result (
		name text, kind text, status text, hosts text[], addrs inet[], at timestamptz
	) ON COMMIT DROP;
	TRUNCATE rebound_refresh_result;
	INSERT INTO rebound_refresh_result SELECT * FROM @extschema@.dns_lookup(batch);

	FOR r IN SELECT * FROM rebound_refresh_result ORDER BY kind = 'addr', name, kind LOOP
		IF r.status IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN
			IF r.kind = 'addr' THEN
				PERFORM @extschema@.observe_host(r.name, r.addrs, r.at);
			ELSE
				PERFORM @extschema@.observe_domain(r.name, r.kind, r.hosts, r.at);
			END IF;
		END IF;
	END LOOP;
	-- one line per domain in domain_lookup (as note_lookup() writes it),
	-- and the counts by outcome
	CREATE TEMP TABLE IF NOT EXISTS rebound_refresh_status (domain text, status text) ON COMMIT DROP;
	TRUNCATE rebound_refresh_status;
	INSERT INTO rebound_refresh_status
	SELECT m.name,
		   CASE WHEN m.status NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN m.status
				WHEN n.status NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN n.status
				WHEN m.status = 'nxdomain' THEN 'nxdomain'
				ELSE 'ok' END
	FROM rebound_refresh_result m
	JOIN rebound_refresh_result n ON n.name = m.name AND n.kind = 'ns'
	WHERE m.kind = 'mx';
	INSERT INTO @extschema@.domain_lookup AS l (domain, looked_up_at, status, failures)
	SELECT s.domain, clock_timestamp(), s.status,
		   CASE WHEN s.status IN ('ok', 'nxdomain') THEN 0 ELSE 1 END
	FROM rebound_refresh_status s
	ON CONFLICT (domain) DO UPDATE
	SET looked_up_at = excluded.looked_up_at, status = excluded.status,
		failures = CASE WHEN excluded.failures = 0 THEN 0 ELSE l.failures + 1 END;
	SELECT count(*) FILTER (WHERE s.status IN ('ok', 'nxdomain')),
		   count(*) FILTER (WHERE s.status = 'nxdomain'),
		   count(*) FILTER (WHERE s.status = 'servfail'),
		   count(*) FILTER (WHERE s.status = 'timeout'),
		   count(*) FILTER (WHERE s.status = 'refused'),
		   count(*) FILTER (WHERE s.status NOT IN ('ok', 'nxdomain', 'servfail', 'timeout', 'refused'))
	INTO observed, nxdomain, servfail, timeout, refused, other_failures
	FROM rebound_refresh_status s;
	DROP TABLE rebound_refresh_status;
	DROP TABLE rebound_refresh_result;
	IF servfail + timeout + refused + other_failures > 0 THEN
		RAISE NOTICE 'rebound.refresh_domains: % of % domains not observed (SERVFAIL %, timeout %, refused %, other %)',
			servfail + timeout + refused + other_failures, domains, servfail, timeout, refused, other_failures;
	END IF;
	RETURN NEXT;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_domains(pg_catalog.int4) IS
	'looks up the domains of the ledger and of the history not looked up for the longest time, concurrently, and records what was observed';

REVOKE ALL ON FUNCTION @extschema@.dns_lookup(pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.resolve_domain(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.refresh_domains(pg_catalog.int4) FROM PUBLIC;

-- ===========================================================================
-- Ledger, incidents, healing
-- ===========================================================================

-- Every bounce of every flow lands in rebound.bounce, classified at insert.
-- An incident (a provider, the layers that failed, an interval) forgives
-- the hard bounces of the domains that depended on that provider at the
-- moment of each bounce; forgiveness is a column of the bounce plus an
-- audit row, so that it can be undone exactly.
--
-- Ready for Citus (DESIGN.md, "Scale past one machine"): bounce and audit
-- can be distributed by domain (every unique constraint includes it, their
-- foreign keys point only to incident, a reference table), and the
-- statements that UPDATE them call no function: the ids to change are
-- computed first.

CREATE FUNCTION @extschema@.normalize_address(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_normalize_address'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.normalize_address(pg_catalog.text) IS
	'the form under which the ledger stores an address: local part with ASCII letters folded, @, normalized domain';

CREATE TABLE @extschema@.incident (
	id pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	provider pg_catalog.text NOT NULL
		REFERENCES @extschema@.provider (name) ON UPDATE CASCADE,
	layers pg_catalog.text[]
		CHECK (layers IS NULL OR (pg_catalog.cardinality(layers) > 0
			AND pg_catalog.array_position(layers, NULL) IS NULL
			AND layers OPERATOR(pg_catalog.<@) '{domain,mx,mx_ip,ns,ns_ip}'::pg_catalog.text[])),
	during pg_catalog.tstzrange NOT NULL
		CHECK (NOT pg_catalog.isempty(during) AND NOT pg_catalog.lower_inf(during)
			AND NOT pg_catalog.upper_inf(during)),
	origin pg_catalog.text NOT NULL DEFAULT 'manual'
		CHECK (origin IN ('manual', 'detected')),
	note pg_catalog.text,
	declared_by pg_catalog.text NOT NULL DEFAULT CURRENT_USER,
	declared_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	withdrawn_by pg_catalog.text,
	withdrawn_at pg_catalog.timestamptz
);
COMMENT ON TABLE @extschema@.incident IS
	'provider outages: the layers that failed (NULL for all) during an interval; withdrawn by rebound.reharden()';
CREATE INDEX incident_provider_idx ON @extschema@.incident (provider);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.incident', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.incident_id_seq', '');

CREATE TABLE @extschema@.bounce (
	id pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY,
	address pg_catalog.text NOT NULL,
	domain pg_catalog.text NOT NULL,
	source pg_catalog.text NOT NULL DEFAULT 'default',
	occurred_at pg_catalog.timestamptz NOT NULL,
	diagnostic pg_catalog.text,
	source_severity @extschema@.severity,
	reply_code pg_catalog.int4,
	status @extschema@.smtp_status,
	reason @extschema@.reason,
	severity @extschema@.severity,
	infrastructure pg_catalog.bool,
	-- the sender's own verdict counts even when the text says nothing
	hard pg_catalog.bool NOT NULL GENERATED ALWAYS AS (
		COALESCE(severity OPERATOR(pg_catalog.=) 'hard', false)
		OR COALESCE(source_severity OPERATOR(pg_catalog.=) 'hard', false)) STORED,
	forgiven_by pg_catalog.int8 REFERENCES @extschema@.incident (id),
	recorded_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (domain, id)
)
-- room on each page for the new version of a forgiven row: forgiven_by is
-- in no index, so forgiving is then a HOT update that touches no index
WITH (fillfactor = 90);
COMMENT ON TABLE @extschema@.bounce IS
	'the bounce ledger: one row per bounce of any flow, classified at insert; forgiven_by names the incident that forgave it';

-- Healing scans the hard bounces of a window; suppression looks up one
-- address (always with its domain: one shard under Citus).
CREATE INDEX bounce_hard_window_idx ON @extschema@.bounce (occurred_at) WHERE hard;
CREATE INDEX bounce_address_idx ON @extschema@.bounce (domain, address, occurred_at);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bounce', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bounce_id_seq', '');

CREATE TABLE @extschema@.audit (
	id pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY,
	incident pg_catalog.int8 NOT NULL REFERENCES @extschema@.incident (id),
	bounce_id pg_catalog.int8 NOT NULL,
	domain pg_catalog.text NOT NULL,
	address pg_catalog.text NOT NULL,
	action pg_catalog.text NOT NULL CHECK (action IN ('forgive', 'reharden')),
	layer pg_catalog.text,
	at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	actor pg_catalog.text NOT NULL DEFAULT CURRENT_USER,
	PRIMARY KEY (domain, id)
);
COMMENT ON TABLE @extschema@.audit IS
	'one row per bounce an incident forgave or hardened again: who, when, and through which layer';
CREATE INDEX audit_incident_idx ON @extschema@.audit (incident, action);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.audit', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.audit_id_seq', '');

CREATE FUNCTION @extschema@.record_bounce(
	address pg_catalog.text,
	occurred_at pg_catalog.timestamptz,
	diagnostic pg_catalog.text,
	source pg_catalog.text DEFAULT 'default',
	source_severity @extschema@.severity DEFAULT NULL)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	AS $$
DECLARE
	new_id pg_catalog.int8;
BEGIN
	IF record_bounce.address IS NULL THEN
		RAISE EXCEPTION 'cannot record a bounce without an address'
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = 'The address argument of rebound.record_bounce() is NULL; nothing was recorded.';
	END IF;
	IF record_bounce.occurred_at IS NULL THEN
		RAISE EXCEPTION 'cannot record a bounce of "%" without the time it occurred', record_bounce.address
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = 'An incident heals the bounces of an interval: a bounce without a time could never be healed; nothing was recorded.';
	END IF;
	IF record_bounce.source IS NULL OR record_bounce.source OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'cannot record a bounce of "%" without a source', record_bounce.address
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = 'The source names the mail flow (campaigns, transactional ...); nothing was recorded.';
	END IF;
	INSERT INTO @extschema@.bounce (address, domain, source, occurred_at, diagnostic,
		source_severity, reply_code, status, reason, severity, infrastructure)
	SELECT @extschema@.normalize_address(record_bounce.address),
		   @extschema@.address_domain(record_bounce.address),
		   record_bounce.source, record_bounce.occurred_at, record_bounce.diagnostic,
		   record_bounce.source_severity,
		   c.reply_code, c.status, c.reason, c.severity, c.infrastructure
	FROM @extschema@.classify(record_bounce.diagnostic) c
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION @extschema@.record_bounce(pg_catalog.text, pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text, @extschema@.severity) IS
	'record one bounce in the ledger, classified; returns its id';

CREATE FUNCTION @extschema@.capture_bounce()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_capture_bounce'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.capture_bounce() IS
	'AFTER INSERT FOR EACH ROW trigger (source, address_column, time_column, diagnostic_column [, severity_column]): copies each row of a CRM bounce table into the ledger';

CREATE FUNCTION @extschema@.classify_bounce()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_classify_bounce'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.classify_bounce() IS
	'BEFORE INSERT OR UPDATE FOR EACH ROW trigger (diagnostic_column, reason_column [, severity_column [, infrastructure_column]]): classifies the row in place';

-- ---------------------------------------------------------------------------
-- Suppression
-- ---------------------------------------------------------------------------

-- The soft-bounce run that suppresses an address at a moment: the
-- rebound.soft_bounce_limit-th unforgiven soft bounce within the
-- rebound.soft_bounce_days before it, if there are that many.
CREATE FUNCTION @extschema@.soft_bounce_run(
	address pg_catalog.text, at pg_catalog.timestamptz DEFAULT pg_catalog.now(),
	OUT since pg_catalog.timestamptz, OUT bounce_id pg_catalog.int8, OUT soft_bounces pg_catalog.int8)
	RETURNS SETOF record
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	AS $$
	SELECT s.occurred_at, s.id, s.n
	FROM (SELECT b.id, b.occurred_at,
				 pg_catalog.row_number() OVER (ORDER BY b.occurred_at, b.id) AS k,
				 pg_catalog.count(*) OVER () AS n
		  FROM @extschema@.bounce b
		  WHERE b.domain OPERATOR(pg_catalog.=) @extschema@.address_domain(soft_bounce_run.address)
			AND b.address OPERATOR(pg_catalog.=) @extschema@.normalize_address(soft_bounce_run.address)
			AND NOT b.hard AND b.forgiven_by IS NULL
			AND (b.severity OPERATOR(pg_catalog.=) 'soft' OR b.source_severity OPERATOR(pg_catalog.=) 'soft')
			AND b.occurred_at OPERATOR(pg_catalog.<=) soft_bounce_run.at
			AND b.occurred_at OPERATOR(pg_catalog.>) (soft_bounce_run.at OPERATOR(pg_catalog.-)
				pg_catalog.make_interval(days => COALESCE(pg_catalog.current_setting('rebound.soft_bounce_days', true)::pg_catalog.int4, 30)))) s
	WHERE s.k OPERATOR(pg_catalog.=) COALESCE(pg_catalog.current_setting('rebound.soft_bounce_limit', true)::pg_catalog.int4, 5)
$$;
COMMENT ON FUNCTION @extschema@.soft_bounce_run(pg_catalog.text, pg_catalog.timestamptz) IS
	'the soft-bounce run that suppresses an address at a moment (rebound.soft_bounce_limit within rebound.soft_bounce_days), if any';

CREATE FUNCTION @extschema@.is_suppressed(address pg_catalog.text, at pg_catalog.timestamptz)
	RETURNS pg_catalog.bool
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	AS $$
	SELECT EXISTS (SELECT 1 FROM @extschema@.bounce b
				   WHERE b.domain OPERATOR(pg_catalog.=) @extschema@.address_domain(is_suppressed.address)
					 AND b.address OPERATOR(pg_catalog.=) @extschema@.normalize_address(is_suppressed.address)
					 AND b.hard AND b.forgiven_by IS NULL
					 AND b.occurred_at OPERATOR(pg_catalog.<=) is_suppressed.at)
		OR EXISTS (SELECT 1 FROM @extschema@.soft_bounce_run(is_suppressed.address, is_suppressed.at))
$$;
COMMENT ON FUNCTION @extschema@.is_suppressed(pg_catalog.text, pg_catalog.timestamptz) IS
	'whether an address was suppressed at a moment: an unforgiven hard bounce by then, or a soft-bounce run';

CREATE FUNCTION @extschema@.is_suppressed(address pg_catalog.text)
	RETURNS pg_catalog.bool
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	AS $$ SELECT @extschema@.is_suppressed(is_suppressed.address, pg_catalog.now()) $$;
COMMENT ON FUNCTION @extschema@.is_suppressed(pg_catalog.text) IS
	'whether an address is suppressed now: an unforgiven hard bounce, or a soft-bounce run';

CREATE VIEW @extschema@.suppressed AS
WITH hard AS (
	SELECT DISTINCT ON (b.domain, b.address)
		   b.address, b.domain, b.occurred_at AS since, 'hard_bounce'::pg_catalog.text AS cause,
		   b.id AS bounce_id, b.reason, b.source
	FROM @extschema@.bounce b
	WHERE b.hard AND b.forgiven_by IS NULL
	ORDER BY b.domain, b.address, b.occurred_at, b.id
), soft AS (
	SELECT s.address, s.domain, s.occurred_at AS since, 'soft_bounces'::pg_catalog.text AS cause,
		   s.id AS bounce_id, s.reason, s.source
	FROM (SELECT b.address, b.domain, b.occurred_at, b.id, b.reason, b.source,
				 pg_catalog.row_number() OVER (PARTITION BY b.domain, b.address
											   ORDER BY b.occurred_at, b.id) AS k
		  FROM @extschema@.bounce b
		  WHERE NOT b.hard AND b.forgiven_by IS NULL
			AND (b.severity OPERATOR(pg_catalog.=) 'soft' OR b.source_severity OPERATOR(pg_catalog.=) 'soft')
			AND b.occurred_at OPERATOR(pg_catalog.<=) pg_catalog.now()
			AND b.occurred_at OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.-)
				pg_catalog.make_interval(days => COALESCE(pg_catalog.current_setting('rebound.soft_bounce_days', true)::pg_catalog.int4, 30)))) s
	WHERE s.k OPERATOR(pg_catalog.=) COALESCE(pg_catalog.current_setting('rebound.soft_bounce_limit', true)::pg_catalog.int4, 5)
)
SELECT address, domain, since, cause, bounce_id, reason, source FROM hard
UNION ALL
SELECT s.address, s.domain, s.since, s.cause, s.bounce_id, s.reason, s.source FROM soft s
WHERE NOT EXISTS (SELECT 1 FROM hard h
				  WHERE h.domain OPERATOR(pg_catalog.=) s.domain AND h.address OPERATOR(pg_catalog.=) s.address);
COMMENT ON VIEW @extschema@.suppressed IS
	'addresses suppressed now, since when, and the bounce that suppresses them (the first unforgiven hard bounce, or the one that completed a soft-bounce run)';

-- ---------------------------------------------------------------------------
-- Incidents
-- ---------------------------------------------------------------------------

-- Checks shared by declare_incident() and the one-call unharden(); the
-- table's constraints say the same, these say it in a sentence.
CREATE FUNCTION @extschema@.check_incident(provider pg_catalog.text, during pg_catalog.tstzrange,
	layers pg_catalog.text[])
	RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	AS $$
BEGIN
	IF check_incident.provider IS NULL THEN
		RAISE EXCEPTION 'an incident needs a provider'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM FROM @extschema@.provider p WHERE p.name OPERATOR(pg_catalog.=) check_incident.provider;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'provider "%" does not exist', check_incident.provider
			USING ERRCODE = 'undefined_object',
				  HINT = 'The providers rebound knows are the rows of rebound.provider.';
	END IF;
	IF check_incident.during IS NULL OR pg_catalog.isempty(check_incident.during)
	   OR pg_catalog.lower_inf(check_incident.during) OR pg_catalog.upper_inf(check_incident.during) THEN
		RAISE EXCEPTION 'invalid incident interval: "%"', COALESCE(check_incident.during::pg_catalog.text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'An incident interval must be bounded at both ends and not empty.';
	END IF;
	IF check_incident.layers IS NOT NULL AND (pg_catalog.cardinality(check_incident.layers) = 0
	   OR pg_catalog.array_position(check_incident.layers, NULL) IS NOT NULL
	   OR NOT check_incident.layers OPERATOR(pg_catalog.<@) '{domain,mx,mx_ip,ns,ns_ip}'::pg_catalog.text[]) THEN
		RAISE EXCEPTION 'invalid incident layers: "%"', check_incident.layers
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Layers are domain, mx, mx_ip, ns and ns_ip; NULL means all of them.';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.check_incident(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[]) IS
	'raise a clear error unless the provider exists, the interval is bounded and not empty, and the layers are known';

CREATE FUNCTION @extschema@.declare_incident(
	provider pg_catalog.text,
	during pg_catalog.tstzrange,
	layers pg_catalog.text[] DEFAULT NULL,
	note pg_catalog.text DEFAULT NULL,
	origin pg_catalog.text DEFAULT 'manual')
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	AS $$
DECLARE
	new_id pg_catalog.int8;
BEGIN
	PERFORM @extschema@.check_incident(declare_incident.provider, declare_incident.during,
									   declare_incident.layers);
	INSERT INTO @extschema@.incident (provider, layers, during, origin, note)
	VALUES (declare_incident.provider,
			(SELECT pg_catalog.array_agg(DISTINCT l ORDER BY l) FROM pg_catalog.unnest(declare_incident.layers) l),
			declare_incident.during, declare_incident.origin, declare_incident.note)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION @extschema@.declare_incident(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.text, pg_catalog.text) IS
	'declare that a provider failed (the given layers, NULL for all) during an interval; returns the incident id';

-- ---------------------------------------------------------------------------
-- Healing
-- ---------------------------------------------------------------------------

-- The unforgiven hard bounces of an interval whose domain depended on a
-- provider, through one of the layers, at the moment of the bounce.
--
-- Cost follows the window, not the ledger: the window's hard bounces come
-- from bounce_hard_window_idx; which of them depended on the provider is a
-- semi-join with the domain_host rows valid at the moment of each bounce
-- (and, for a host whose name does not match, the host's addresses then),
-- with the matchers and rules domain_providers() uses, which the planner
-- runs as index lookups or as one hash of the map, whichever is cheaper;
-- only the bounces that matched then look again for the most direct layer
-- (domain, mx, mx_ip, ns, ns_ip).  test/pgtap/05_heal.sql and the demo
-- check the result against domain_providers() called for every bounce.
-- A domain rule matches by name, as domain_provider() does (patterns are
-- stored normalized, one rule per name).
--
-- One SELECT, STABLE: the planner inlines it into the caller, which then
-- plans with the incident's actual interval.
CREATE FUNCTION @extschema@.incident_bounces(
	provider pg_catalog.text,
	during pg_catalog.tstzrange,
	layers pg_catalog.text[] DEFAULT NULL)
	RETURNS TABLE (bounce_id pg_catalog.int8, domain pg_catalog.text, address pg_catalog.text,
				   source pg_catalog.text, occurred_at pg_catalog.timestamptz,
				   reason @extschema@.reason, layer pg_catalog.text)
	LANGUAGE sql STABLE PARALLEL SAFE
	AS $$
	-- NOT MATERIALIZED: the bounds fold into constants in both branches
	WITH w AS NOT MATERIALIZED (
		-- timestamptz counts microseconds: any bounded interval is [lo, hi)
		-- for the index and for the planner's estimate
		SELECT pg_catalog.lower($2) OPERATOR(pg_catalog.+)
				   CASE WHEN pg_catalog.lower_inc($2) THEN '0'::pg_catalog.interval
						ELSE '1 microsecond'::pg_catalog.interval END AS lo,
			   pg_catalog.upper($2) OPERATOR(pg_catalog.+)
				   CASE WHEN pg_catalog.upper_inc($2) THEN '1 microsecond'::pg_catalog.interval
						ELSE '0'::pg_catalog.interval END AS hi
	)
	-- the provider's own mail domains
	SELECT b.id, b.domain, b.address, b.source, b.occurred_at, b.reason, 'domain'::pg_catalog.text
	FROM w, @extschema@.bounce b
	JOIN @extschema@.provider_rule r
	  ON r.kind OPERATOR(pg_catalog.=) 'domain' AND r.pattern OPERATOR(pg_catalog.=) b.domain
	WHERE r.provider OPERATOR(pg_catalog.=) $1
	  AND ($3 IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY ($3))
	  AND b.hard AND b.forgiven_by IS NULL
	  AND b.occurred_at OPERATOR(pg_catalog.>=) w.lo AND b.occurred_at OPERATOR(pg_catalog.<) w.hi
	UNION ALL
	-- domains whose MX or NS hosts were the provider's, by name or network
	SELECT b.id, b.domain, b.address, b.source, b.occurred_at, b.reason,
		   ('{domain,mx,mx_ip,ns,ns_ip}'::pg_catalog.text[])[m.best]
	FROM w, @extschema@.bounce b
	CROSS JOIN LATERAL (
		SELECT pg_catalog.min(CASE
			WHEN ($3 IS NULL OR h.role OPERATOR(pg_catalog.=) ANY ($3))
				 AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) $1
				THEN CASE h.role WHEN 'mx' THEN 2 ELSE 4 END
			WHEN ($3 IS NULL OR (h.role OPERATOR(pg_catalog.||) '_ip') OPERATOR(pg_catalog.=) ANY ($3))
				 AND EXISTS (SELECT 1 FROM @extschema@.host_address a
							 WHERE a.host OPERATOR(pg_catalog.=) h.host
							   AND a.observed OPERATOR(pg_catalog.@>) b.occurred_at
							   AND @extschema@.ip_provider(a.addr) OPERATOR(pg_catalog.=) $1)
				THEN CASE h.role WHEN 'mx' THEN 3 ELSE 5 END
			END) AS best
		FROM @extschema@.domain_host h
		WHERE h.domain OPERATOR(pg_catalog.=) b.domain
		  AND h.observed OPERATOR(pg_catalog.@>) b.occurred_at) m
	WHERE b.hard AND b.forgiven_by IS NULL
	  AND b.occurred_at OPERATOR(pg_catalog.>=) w.lo AND b.occurred_at OPERATOR(pg_catalog.<) w.hi
	  AND NOT EXISTS (SELECT 1 FROM @extschema@.provider_rule r
					  WHERE r.kind OPERATOR(pg_catalog.=) 'domain'
						AND r.pattern OPERATOR(pg_catalog.=) b.domain
						AND r.provider OPERATOR(pg_catalog.=) $1
						AND ($3 IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY ($3)))
	  AND EXISTS (
		SELECT 1 FROM @extschema@.domain_host h
		WHERE h.domain OPERATOR(pg_catalog.=) b.domain
		  AND h.observed OPERATOR(pg_catalog.@>) b.occurred_at
		  AND ((($3 IS NULL OR h.role OPERATOR(pg_catalog.=) ANY ($3))
				AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) $1)
			   OR (($3 IS NULL OR (h.role OPERATOR(pg_catalog.||) '_ip') OPERATOR(pg_catalog.=) ANY ($3))
				   AND EXISTS (SELECT 1 FROM @extschema@.host_address a
							   WHERE a.host OPERATOR(pg_catalog.=) h.host
								 AND a.observed OPERATOR(pg_catalog.@>) b.occurred_at
								 AND @extschema@.ip_provider(a.addr) OPERATOR(pg_catalog.=) $1))))
$$;
COMMENT ON FUNCTION @extschema@.incident_bounces(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[]) IS
	'the unforgiven hard bounces of an interval whose domain depended on a provider (through the given layers, NULL for all) when they occurred';

-- Forgive (or, for a dry run, only list) the bounces an incident matches.
-- The ids are computed first, then one UPDATE without function calls
-- forgives those still unforgiven: under READ COMMITTED a concurrent
-- healer's rows are re-checked and skipped, so no bounce is forgiven twice
-- and each is returned by the call that forgave it.  reinstated compares,
-- per address, the unforgiven hard bounces before this statement with
-- those it forgives.
CREATE FUNCTION @extschema@.heal_bounces(
	incident pg_catalog.int8, provider pg_catalog.text, during pg_catalog.tstzrange,
	layers pg_catalog.text[], dry_run pg_catalog.bool)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	AS $fn$
DECLARE
	-- the soft-bounce policy, read once
	soft_limit pg_catalog.int4 := COALESCE(pg_catalog.current_setting('rebound.soft_bounce_limit', true)::pg_catalog.int4, 5);
	soft_days pg_catalog.int4 := COALESCE(pg_catalog.current_setting('rebound.soft_bounce_days', true)::pg_catalog.int4, 30);
BEGIN
	-- EXECUTE ... USING: planned with the incident's actual interval,
	-- every time (a cached generic plan would guess its size)
	RETURN QUERY EXECUTE $q$
	WITH m AS MATERIALIZED (
		SELECT * FROM @extschema@.incident_bounces($2, $3,
												   $4)
	), f AS (
		UPDATE @extschema@.bounce b SET forgiven_by = $1
		FROM m
		WHERE NOT $5
		  AND b.domain OPERATOR(pg_catalog.=) m.domain AND b.id OPERATOR(pg_catalog.=) m.bounce_id
		  AND b.forgiven_by IS NULL
		RETURNING m.*
	), chosen AS MATERIALIZED (
		SELECT * FROM m WHERE $5
		UNION ALL
		SELECT * FROM f
	), logged AS (
		INSERT INTO @extschema@.audit (incident, bounce_id, domain, address, action, layer)
		SELECT $1, c.bounce_id, c.domain, c.address, 'forgive', c.layer
		FROM chosen c WHERE NOT $5
		RETURNING 1
	)
	-- one look at the ledger per bounce returned, no join (the planner
	-- cannot know how many rows the UPDATE returns): the address's hard
	-- bounces left unforgiven, which this statement still sees among them
	-- the ones it forgives, and its recent soft bounces
	SELECT c.bounce_id, c.address, c.source, c.occurred_at, c.reason, c.layer,
		   x.hard_left OPERATOR(pg_catalog.=)
			   pg_catalog.count(*) OVER (PARTITION BY c.domain, c.address)
		   AND NOT ($6 OPERATOR(pg_catalog.>) 0 AND x.soft_recent OPERATOR(pg_catalog.>=) $6)
	FROM chosen c
	CROSS JOIN LATERAL (
		SELECT pg_catalog.count(*) FILTER (WHERE o.hard) AS hard_left,
			   pg_catalog.count(*) FILTER (
				   WHERE NOT o.hard
					 AND (o.severity OPERATOR(pg_catalog.=) 'soft'
						  OR o.source_severity OPERATOR(pg_catalog.=) 'soft')
					 AND o.occurred_at OPERATOR(pg_catalog.>) $7
					 AND o.occurred_at OPERATOR(pg_catalog.<=) $8) AS soft_recent
		FROM @extschema@.bounce o
		WHERE o.domain OPERATOR(pg_catalog.=) c.domain
		  AND o.address OPERATOR(pg_catalog.=) c.address
		  AND o.forgiven_by IS NULL) x
	ORDER BY c.occurred_at, c.bounce_id
	$q$ USING heal_bounces.incident, heal_bounces.provider, heal_bounces.during,
			  heal_bounces.layers, heal_bounces.dry_run,
			  soft_limit, pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(days => soft_days),
			  pg_catalog.now();
END
$fn$;
COMMENT ON FUNCTION @extschema@.heal_bounces(pg_catalog.int8, pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.bool) IS
	'the work of unharden(): forgive the bounces an incident matches (or list them, for a dry run) and say which addresses are reinstated';

CREATE FUNCTION @extschema@.unharden(incident pg_catalog.int8, dry_run pg_catalog.bool DEFAULT false)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	AS $$
DECLARE
	inc @extschema@.incident;
BEGIN
	IF unharden.incident IS NULL THEN
		RAISE EXCEPTION 'an incident id is needed'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- Healers of one incident queue here; each then sees what the
	-- previous one forgave.
	IF unharden.dry_run THEN
		SELECT * INTO inc FROM @extschema@.incident i WHERE i.id OPERATOR(pg_catalog.=) unharden.incident;
	ELSE
		SELECT * INTO inc FROM @extschema@.incident i WHERE i.id OPERATOR(pg_catalog.=) unharden.incident
		FOR UPDATE;
	END IF;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'incident % does not exist', unharden.incident
			USING ERRCODE = 'undefined_object';
	END IF;
	IF inc.withdrawn_at IS NOT NULL THEN
		RAISE EXCEPTION 'incident % was withdrawn', inc.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('rebound.reharden() undid it at %s, by %s.', inc.withdrawn_at, inc.withdrawn_by),
				  HINT = 'Declare a new incident to heal that interval again.';
	END IF;
	RETURN QUERY
	SELECT * FROM @extschema@.heal_bounces(inc.id, inc.provider, inc.during, inc.layers, unharden.dry_run);
END
$$;
COMMENT ON FUNCTION @extschema@.unharden(pg_catalog.int8, pg_catalog.bool) IS
	'forgive the hard bounces of an incident (or list them, for a dry run); returns what this call forgave';

CREATE FUNCTION @extschema@.unharden(provider pg_catalog.text, during pg_catalog.tstzrange,
	dry_run pg_catalog.bool DEFAULT false)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	AS $$
BEGIN
	IF unharden.dry_run THEN
		-- nothing is written, not even the incident
		PERFORM @extschema@.check_incident(unharden.provider, unharden.during, NULL);
		RETURN QUERY
		SELECT * FROM @extschema@.heal_bounces(NULL, unharden.provider, unharden.during, NULL, true);
	ELSE
		RETURN QUERY
		SELECT * FROM @extschema@.unharden(
			@extschema@.declare_incident(unharden.provider, unharden.during), false);
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.unharden(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.bool) IS
	'declare an incident of every layer of a provider and heal it in one call (a dry run declares nothing)';

CREATE FUNCTION @extschema@.reharden(incident pg_catalog.int8)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	AS $$
DECLARE
	inc @extschema@.incident;
BEGIN
	IF reharden.incident IS NULL THEN
		RAISE EXCEPTION 'an incident id is needed'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO inc FROM @extschema@.incident i WHERE i.id OPERATOR(pg_catalog.=) reharden.incident
	FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'incident % does not exist', reharden.incident
			USING ERRCODE = 'undefined_object';
	END IF;
	RETURN QUERY
	WITH forgiven AS (
		SELECT DISTINCT ON (a.domain, a.bounce_id) a.domain, a.bounce_id, a.layer
		FROM @extschema@.audit a
		WHERE a.incident OPERATOR(pg_catalog.=) inc.id AND a.action OPERATOR(pg_catalog.=) 'forgive'
		ORDER BY a.domain, a.bounce_id, a.id DESC
	), r AS (
		UPDATE @extschema@.bounce b SET forgiven_by = NULL
		FROM forgiven f
		WHERE b.domain OPERATOR(pg_catalog.=) f.domain AND b.id OPERATOR(pg_catalog.=) f.bounce_id
		  AND b.forgiven_by OPERATOR(pg_catalog.=) inc.id
		RETURNING b.id, b.domain, b.address, b.source, b.occurred_at, b.reason, f.layer
	), logged AS (
		INSERT INTO @extschema@.audit (incident, bounce_id, domain, address, action, layer)
		SELECT inc.id, r.id, r.domain, r.address, 'reharden', r.layer FROM r
		RETURNING 1
	)
	SELECT r.id, r.address, r.source, r.occurred_at, r.reason, r.layer, false
	FROM r ORDER BY r.occurred_at, r.id;
	UPDATE @extschema@.incident i SET withdrawn_at = pg_catalog.now(), withdrawn_by = CURRENT_USER
	WHERE i.id OPERATOR(pg_catalog.=) inc.id AND i.withdrawn_at IS NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.reharden(pg_catalog.int8) IS
	'undo exactly what an incident forgave and withdraw it; returns the bounces hardened again';

-- ===========================================================================
-- Incident detection and unattended healing
-- ===========================================================================

-- Settings: rebound.detect_bucket, rebound.detect_min_count,
-- rebound.detect_threshold, rebound.detect_baseline_days,
-- rebound.detect_baseline_weeks (defined by the module; README, "Incident
-- detection").  Read through this function so that the module is loaded
-- and the values typed.
CREATE FUNCTION @extschema@.detect_settings(
		OUT bucket pg_catalog.interval,
		OUT min_count pg_catalog.int4,
		OUT threshold pg_catalog.float8,
		OUT baseline_days pg_catalog.int4,
		OUT baseline_weeks pg_catalog.int4)
	AS 'MODULE_PATHNAME', 'rebound_detect_settings'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detect_settings() IS
	'current settings of incident detection';

CREATE FUNCTION @extschema@.failure_kind(diagnostic pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_failure_kind'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.failure_kind(pg_catalog.text) IS
	'dns when a diagnostic reports a failed name lookup, connection when the mail server could not be reached, NULL otherwise';

CREATE FUNCTION @extschema@.poisson_score(n pg_catalog.int8, lambda pg_catalog.float8)
	RETURNS pg_catalog.float8
	AS 'MODULE_PATHNAME', 'rebound_poisson_score'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.poisson_score(pg_catalog.int8, pg_catalog.float8) IS
	'-log10 of the probability of n or more events when lambda are expected (Poisson upper tail)';

-- The evidence: every hard bounce flagged as an infrastructure failure,
-- charged to each provider its domain depended on, at the time of the
-- bounce, through a layer the failure implicates.  A DNS failure
-- implicates the DNS hosts (ns, ns_ip), a connection failure the mail
-- hosts (mx, mx_ip), and a provider's own domains (layer domain) are
-- implicated by any failure.  A failure whose text names neither accuses
-- no host: precision first.  The provider map is read once per domain and per
-- stretch of time in which its rows in domain_host and host_address do not
-- change, not once per bounce.
CREATE FUNCTION @extschema@.incident_signal(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz)
	RETURNS TABLE (bounce_id pg_catalog.int8, provider pg_catalog.text,
		layer pg_catalog.text, domain pg_catalog.text,
		occurred_at pg_catalog.timestamptz, kind pg_catalog.text)
	LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
AS $body$
BEGIN
	RETURN QUERY
	WITH sig AS MATERIALIZED (
		SELECT b.id, b.domain, b.occurred_at,
			   @extschema@.failure_kind(b.diagnostic) AS kind
		FROM @extschema@.bounce b
		WHERE b.hard AND b.infrastructure
		  AND b.occurred_at OPERATOR(pg_catalog.>=) since
		  AND b.occurred_at OPERATOR(pg_catalog.<) until
	),
	doms AS (SELECT DISTINCT s.domain FROM sig s),
	hosts AS (
		SELECT DISTINCT dh.domain, dh.host, dh.observed
		FROM @extschema@.domain_host dh
		JOIN doms d ON d.domain OPERATOR(pg_catalog.=) dh.domain
	),
	cuts AS (
		SELECT d.domain, since AS at FROM doms d
		UNION
		SELECT h.domain, x.at
		FROM hosts h,
			 LATERAL (VALUES (pg_catalog.lower(h.observed)),
							 (pg_catalog.upper(h.observed))) x(at)
		WHERE x.at OPERATOR(pg_catalog.>) since AND x.at OPERATOR(pg_catalog.<) until
		UNION
		SELECT h.domain, x.at
		FROM hosts h
		JOIN @extschema@.host_address ha ON ha.host OPERATOR(pg_catalog.=) h.host,
			 LATERAL (VALUES (pg_catalog.lower(ha.observed)),
							 (pg_catalog.upper(ha.observed))) x(at)
		WHERE x.at OPERATOR(pg_catalog.>) since AND x.at OPERATOR(pg_catalog.<) until
	),
	seg AS (
		SELECT c.domain, c.at AS lo,
			   pg_catalog.lead(c.at) OVER (PARTITION BY c.domain ORDER BY c.at) AS hi
		FROM cuts c
	),
	dep AS (
		SELECT s.domain, s.lo, s.hi, p.provider, p.layer
		FROM seg s,
			 LATERAL @extschema@.domain_providers(s.domain, s.lo) p
	)
	SELECT DISTINCT ON (sig.id, dep.provider)
		   sig.id, dep.provider, dep.layer, sig.domain, sig.occurred_at, sig.kind
	FROM sig
	JOIN dep ON dep.domain OPERATOR(pg_catalog.=) sig.domain
			AND sig.occurred_at OPERATOR(pg_catalog.>=) dep.lo
			AND (dep.hi IS NULL OR sig.occurred_at OPERATOR(pg_catalog.<) dep.hi)
	WHERE dep.layer OPERATOR(pg_catalog.=) 'domain'
	   OR (sig.kind OPERATOR(pg_catalog.=) 'dns'
		   AND dep.layer OPERATOR(pg_catalog.=) ANY ('{ns,ns_ip}'::pg_catalog.text[]))
	   OR (sig.kind OPERATOR(pg_catalog.=) 'connection'
		   AND dep.layer OPERATOR(pg_catalog.=) ANY ('{mx,mx_ip}'::pg_catalog.text[]))
	ORDER BY sig.id, dep.provider,
			 pg_catalog.array_position('{domain,ns,ns_ip,mx,mx_ip}'::pg_catalog.text[], dep.layer);
END
$body$;
COMMENT ON FUNCTION @extschema@.incident_signal(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'infrastructure hard bounces of an interval, each charged to the providers it implicates and the layer through which it does';

-- Per provider and bucket: the signal counted once per customer domain,
-- however many of its addresses failed (an outage hits many domains at
-- once; a burst confined to one or two domains is their own trouble, not
-- their provider's), and in full for the provider's own domains (layer
-- domain: gmail.com failing is Google failing), against a baseline made of the same hours
-- of the previous days (median of their rates, in a window of one hour
-- either side) and of the same weekday and hours of the previous weeks
-- (mean): the larger of the two, each raised in proportion to any rise of
-- the sending volume, and never below one per bucket.  A ledger younger
-- than a day has no previous day: its mean rate since it began stands in,
-- from six hours of history on.  The score is -log10 P(X >= count) for
-- X ~ Poisson(baseline).  Only buckets with signal and a baseline are
-- returned (judged).
--
-- The counts of a provider's buckets are read in one ordered pass and kept
-- as an array of running sums over the whole history, so that every window
-- of every baseline is two subscripts: no join over buckets, whose numbers
-- the planner cannot know.
CREATE FUNCTION @extschema@.detect_buckets(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (provider pg_catalog.text, bucket pg_catalog.timestamptz,
		bounces pg_catalog.int8, counted pg_catalog.int8,
		baseline pg_catalog.float8, score pg_catalog.float8,
		first_at pg_catalog.timestamptz, last_at pg_catalog.timestamptz,
		layers pg_catalog.text[])
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
AS $body$
DECLARE
	layer_names constant pg_catalog.text[] := '{domain,mx,mx_ip,ns,ns_ip}';
	cfg record;
	r record;
	w pg_catalog.float8;			-- bucket width, seconds
	per_day pg_catalog.int8;		-- buckets in a day
	span pg_catalog.int8;			-- baseline windows: this many buckets either side
	reach pg_catalog.int8;			-- farthest a baseline looks back, in buckets
	first_bucket pg_catalog.int8;	-- of the ledger's first bounce
	since_bucket pg_catalog.int8;
	until_bucket pg_catalog.int8;
	grid_lo pg_catalog.int8;		-- the bucket of cum[1]
	grid_len pg_catalog.int4;
	ledger_start pg_catalog.timestamptz;
	-- the provider being read: running sums, candidate buckets
	cur pg_catalog.text;
	cum pg_catalog.int8[];
	c_b pg_catalog.int8[];
	c_n pg_catalog.int8[];
	c_trim pg_catalog.int8[];
	c_t0 pg_catalog.timestamptz[];
	c_t1 pg_catalog.timestamptz[];
	c_layers pg_catalog.int4[];
	i pg_catalog.int4;
	j pg_catalog.int4;
	k pg_catalog.int4;
	b pg_catalog.int8;
	lo pg_catalog.int8;
	rates pg_catalog.float8[];
	vols pg_catalog.float8[];
	vol pg_catalog.int8[];			-- running sums of the volume of other bounces
	vnow pg_catalog.float8;
	by_day pg_catalog.float8;
	by_week pg_catalog.float8;
	f_day pg_catalog.float8;
	f_week pg_catalog.float8;
BEGIN
	IF since IS NULL OR until IS NULL OR since OPERATOR(pg_catalog.>=) until THEN
		RAISE EXCEPTION 'invalid detection interval from "%" to "%"', since, until
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Both ends must be given and the start must come before the end.';
	END IF;
	SELECT * INTO cfg FROM @extschema@.detect_settings();
	w := pg_catalog.date_part('epoch', cfg.bucket);
	per_day := (86400 / w)::pg_catalog.int8;
	span := GREATEST(1, pg_catalog.round(3600 / w))::pg_catalog.int8;
	reach := GREATEST(cfg.baseline_days, 7 * cfg.baseline_weeks) * per_day + span + 1;

	SELECT pg_catalog.min(x.occurred_at) INTO ledger_start FROM @extschema@.bounce x WHERE x.hard;
	IF ledger_start IS NULL THEN
		RETURN;
	END IF;
	first_bucket := pg_catalog.floor(pg_catalog.date_part('epoch', ledger_start) / w)::pg_catalog.int8;
	since_bucket := pg_catalog.floor(pg_catalog.date_part('epoch', since) / w)::pg_catalog.int8;
	until_bucket := pg_catalog.ceil(pg_catalog.date_part('epoch', until) / w)::pg_catalog.int8;
	grid_lo := since_bucket OPERATOR(pg_catalog.-) reach;
	grid_len := (until_bucket OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 1)::pg_catalog.int4;

	-- The sending volume, seen through the hard bounces that are not
	-- infrastructure failures (unknown users, mostly), of every flow and
	-- provider: a campaign that doubles it may double the ordinary failures
	-- too.  Hard bounces only, to read the ledger through its index of them.
	vol := pg_catalog.array_fill(0::pg_catalog.int8, ARRAY[grid_len]);
	FOR r IN
		SELECT pg_catalog.floor(pg_catalog.date_part('epoch', x.occurred_at) / w)::pg_catalog.int8 AS b,
			   pg_catalog.count(*) AS n
		FROM @extschema@.bounce x
		WHERE x.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.to_timestamp(grid_lo * w)
		  AND x.occurred_at OPERATOR(pg_catalog.<) until
		  AND x.hard AND x.infrastructure IS NOT TRUE
		GROUP BY 1
	LOOP
		vol[(r.b OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 1)::pg_catalog.int4] := r.n;
	END LOOP;
	FOR i IN 2 .. grid_len LOOP
		vol[i] := vol[i] OPERATOR(pg_catalog.+) vol[i OPERATOR(pg_catalog.-) 1];
	END LOOP;

	-- one row per provider and bucket, in order, then an end marker
	FOR r IN
		WITH sig AS (
			SELECT s.provider, s.layer, s.domain, s.occurred_at,
				   pg_catalog.floor(pg_catalog.date_part('epoch', s.occurred_at) / w)::pg_catalog.int8 AS b
			FROM @extschema@.incident_signal(pg_catalog.to_timestamp(grid_lo * w), until) s
		),
		per_domain AS (
			SELECT s.provider, s.b, s.domain,
				   pg_catalog.bool_or(s.layer OPERATOR(pg_catalog.=) 'domain') AS own,
				   pg_catalog.count(*) AS n,
				   pg_catalog.min(s.occurred_at) AS t0,
				   pg_catalog.max(s.occurred_at) AS t1,
				   pg_catalog.bit_or(1 OPERATOR(pg_catalog.<<)
					   (pg_catalog.array_position(layer_names, s.layer) OPERATOR(pg_catalog.-) 1)) AS layer_bits
			FROM sig s
			GROUP BY s.provider, s.b, s.domain
		)
		SELECT * FROM (
			SELECT k.provider, k.b, pg_catalog.sum(k.n)::pg_catalog.int8 AS n,
				   pg_catalog.sum(CASE WHEN k.own THEN k.n ELSE 1 END)::pg_catalog.int8 AS ntrim,
				   pg_catalog.min(k.t0) AS t0, pg_catalog.max(k.t1) AS t1,
				   pg_catalog.bit_or(k.layer_bits) AS layer_bits
			FROM per_domain k
			GROUP BY k.provider, k.b
			UNION ALL
			SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL
		) x
		ORDER BY x.provider NULLS LAST, x.b
	LOOP
		IF cur IS NOT NULL AND cur IS DISTINCT FROM r.provider THEN
			-- running sums: cum[i] counts buckets grid_lo .. grid_lo + i - 1
			FOR i IN 2 .. grid_len LOOP
				cum[i] := cum[i] OPERATOR(pg_catalog.+) cum[i OPERATOR(pg_catalog.-) 1];
			END LOOP;
			FOR j IN 1 .. COALESCE(pg_catalog.array_length(c_b, 1), 0) LOOP
				b := c_b[j];
				-- the same hours of each previous day the ledger covers
				rates := '{}';
				vols := '{}';
				FOR k IN 1 .. cfg.baseline_days LOOP
					lo := b OPERATOR(pg_catalog.-) k * per_day OPERATOR(pg_catalog.-) span;
					IF lo OPERATOR(pg_catalog.>) first_bucket THEN
						i := (lo OPERATOR(pg_catalog.-) grid_lo)::pg_catalog.int4;
						rates := rates OPERATOR(pg_catalog.||)
							((cum[i OPERATOR(pg_catalog.+) 2 * span OPERATOR(pg_catalog.+) 1] OPERATOR(pg_catalog.-) cum[i])::pg_catalog.float8
							 OPERATOR(pg_catalog./) (2 * span OPERATOR(pg_catalog.+) 1));
						vols := vols OPERATOR(pg_catalog.||)
							((vol[i OPERATOR(pg_catalog.+) 2 * span OPERATOR(pg_catalog.+) 1] OPERATOR(pg_catalog.-) vol[i])::pg_catalog.float8
							 OPERATOR(pg_catalog./) (2 * span OPERATOR(pg_catalog.+) 1));
					END IF;
				END LOOP;
				i := (b OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 1)::pg_catalog.int4;
				vnow := vol[i] OPERATOR(pg_catalog.-) vol[i OPERATOR(pg_catalog.-) 1];
				IF pg_catalog.cardinality(rates) OPERATOR(pg_catalog.>) 0 THEN
					SELECT pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY x),
						   GREATEST(1.0, vnow OPERATOR(pg_catalog./) GREATEST(1.0,
							   pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY y)))
					INTO by_day, f_day
					FROM ROWS FROM (pg_catalog.unnest(rates), pg_catalog.unnest(vols)) u(x, y);
				ELSE
					-- a young ledger: the mean rate since it began, from six
					-- hours of history on
					lo := b OPERATOR(pg_catalog.-) span OPERATOR(pg_catalog.-) 1;
					CONTINUE WHEN (lo OPERATOR(pg_catalog.-) first_bucket) * w OPERATOR(pg_catalog.<) 6 * 3600;
					i := (lo OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 1)::pg_catalog.int4;
					k := (first_bucket OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 1)::pg_catalog.int4;
					by_day := (cum[i] OPERATOR(pg_catalog.-) cum[k])::pg_catalog.float8
						OPERATOR(pg_catalog./) (lo OPERATOR(pg_catalog.-) first_bucket);
					f_day := GREATEST(1.0, vnow OPERATOR(pg_catalog./) GREATEST(1.0,
						(vol[i] OPERATOR(pg_catalog.-) vol[k])::pg_catalog.float8
						OPERATOR(pg_catalog./) (lo OPERATOR(pg_catalog.-) first_bucket)));
				END IF;
				-- the same weekday and hours of each previous week
				rates := '{}';
				vols := '{}';
				FOR k IN 1 .. cfg.baseline_weeks LOOP
					lo := b OPERATOR(pg_catalog.-) 7 * k * per_day OPERATOR(pg_catalog.-) span;
					IF lo OPERATOR(pg_catalog.>) first_bucket THEN
						i := (lo OPERATOR(pg_catalog.-) grid_lo)::pg_catalog.int4;
						rates := rates OPERATOR(pg_catalog.||)
							((cum[i OPERATOR(pg_catalog.+) 2 * span OPERATOR(pg_catalog.+) 1] OPERATOR(pg_catalog.-) cum[i])::pg_catalog.float8
							 OPERATOR(pg_catalog./) (2 * span OPERATOR(pg_catalog.+) 1));
						vols := vols OPERATOR(pg_catalog.||)
							((vol[i OPERATOR(pg_catalog.+) 2 * span OPERATOR(pg_catalog.+) 1] OPERATOR(pg_catalog.-) vol[i])::pg_catalog.float8
							 OPERATOR(pg_catalog./) (2 * span OPERATOR(pg_catalog.+) 1));
					END IF;
				END LOOP;
				SELECT pg_catalog.avg(x),
					   GREATEST(1.0, vnow OPERATOR(pg_catalog./) GREATEST(1.0, pg_catalog.avg(y)))
				INTO by_week, f_week
				FROM ROWS FROM (pg_catalog.unnest(rates), pg_catalog.unnest(vols)) u(x, y);

				provider := cur;
				bucket := pg_catalog.to_timestamp(b * w);
				bounces := c_n[j];
				counted := c_trim[j];
				baseline := GREATEST(by_day * f_day, COALESCE(by_week * f_week, 0), 1.0);
				score := @extschema@.poisson_score(counted, baseline);
				first_at := c_t0[j];
				last_at := c_t1[j];
				layers := ARRAY(SELECT layer_names[x] FROM pg_catalog.generate_series(1, 5) x
								WHERE c_layers[j] OPERATOR(pg_catalog.&) (1 OPERATOR(pg_catalog.<<) (x OPERATOR(pg_catalog.-) 1))
									  OPERATOR(pg_catalog.<>) 0);
				RETURN NEXT;
			END LOOP;
			cur := NULL;
		END IF;
		EXIT WHEN r.provider IS NULL;

		IF cur IS NULL THEN
			cur := r.provider;
			cum := pg_catalog.array_fill(0::pg_catalog.int8, ARRAY[grid_len]);
			c_b := '{}';
			c_n := '{}';
			c_trim := '{}';
			c_t0 := '{}';
			c_t1 := '{}';
			c_layers := '{}';
		END IF;
		cum[(r.b OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 1)::pg_catalog.int4] := r.ntrim;
		IF r.b OPERATOR(pg_catalog.>=) since_bucket AND r.b OPERATOR(pg_catalog.<) until_bucket THEN
			c_b := c_b OPERATOR(pg_catalog.||) r.b;
			c_n := c_n OPERATOR(pg_catalog.||) r.n;
			c_trim := c_trim OPERATOR(pg_catalog.||) r.ntrim;
			c_t0 := c_t0 OPERATOR(pg_catalog.||) r.t0;
			c_t1 := c_t1 OPERATOR(pg_catalog.||) r.t1;
			c_layers := c_layers OPERATOR(pg_catalog.||) r.layer_bits;
		END IF;
	END LOOP;
END
$body$;
COMMENT ON FUNCTION @extschema@.detect_buckets(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'per provider and time bucket: infrastructure hard bounces, the count that is judged, its baseline and its Poisson score';

-- A bucket is anomalous when its counted bounces reach
-- rebound.detect_min_count and its score reaches rebound.detect_threshold.
-- Anomalous buckets grow into their neighbours while those score at least
-- 2 (p < 0.01), bridge one quiet bucket, and become the interval from the
-- first to the last signal bounce they hold.  baseline is the expected
-- count over the interval's buckets; score is the Poisson score of the
-- interval's counted bounces against it.
CREATE FUNCTION @extschema@.detect_incidents(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (provider pg_catalog.text, during pg_catalog.tstzrange,
		hard_bounces pg_catalog.int8, baseline pg_catalog.numeric,
		score pg_catalog.numeric, layers pg_catalog.text[])
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
AS $body$
DECLARE
	cfg record;
	r record;
	w pg_catalog.float8;
	b pg_catalog.int8;
	flagged boolean;
	-- the run being built
	run_provider pg_catalog.text;
	run_last pg_catalog.int8;
	run_core boolean;
	run_n pg_catalog.int8;
	run_trim pg_catalog.int8;
	run_lambda pg_catalog.float8;
	run_t0 pg_catalog.timestamptz;
	run_t1 pg_catalog.timestamptz;
	run_layers pg_catalog.text[];
	gap_n pg_catalog.int8 := 0;
	gap_trim pg_catalog.int8 := 0;
	gap_lambda pg_catalog.float8 := 0;
BEGIN
	SELECT * INTO cfg FROM @extschema@.detect_settings();
	w := pg_catalog.date_part('epoch', cfg.bucket);
	FOR r IN
		SELECT * FROM @extschema@.detect_buckets(since, until) x
		UNION ALL
		SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
		ORDER BY 1 NULLS LAST, 2
	LOOP
		b := pg_catalog.round(pg_catalog.date_part('epoch', r.bucket) / w)::pg_catalog.int8;
		flagged := r.score OPERATOR(pg_catalog.>=) 2.0;
		-- close the run on another provider, after two quiet buckets, at the end
		IF run_provider IS NOT NULL
		   AND (r.provider IS NULL OR run_provider OPERATOR(pg_catalog.<>) r.provider
				OR b OPERATOR(pg_catalog.>) (run_last OPERATOR(pg_catalog.+) 2)
				OR (NOT flagged AND b OPERATOR(pg_catalog.>) (run_last OPERATOR(pg_catalog.+) 1))) THEN
			IF run_core THEN
				provider := run_provider;
				during := pg_catalog.tstzrange(run_t0, run_t1, '[]');
				hard_bounces := run_n;
				baseline := pg_catalog.round(run_lambda::pg_catalog.numeric, 2);
				score := pg_catalog.round(@extschema@.poisson_score(run_trim, run_lambda)::pg_catalog.numeric, 2);
				layers := run_layers;
				RETURN NEXT;
			END IF;
			run_provider := NULL;
		END IF;
		EXIT WHEN r.provider IS NULL;
		IF NOT flagged THEN
			-- a quiet bucket inside a run belongs to its interval
			gap_n := r.bounces;
			gap_trim := r.counted;
			gap_lambda := r.baseline;
			CONTINUE;
		END IF;
		IF run_provider IS NULL THEN
			run_provider := r.provider;
			run_core := false;
			run_n := 0;
			run_trim := 0;
			run_lambda := 0;
			run_t0 := r.first_at;
			run_layers := '{}';
		ELSIF run_last OPERATOR(pg_catalog.=) (b OPERATOR(pg_catalog.-) 2) THEN
			run_n := run_n OPERATOR(pg_catalog.+) gap_n;
			run_trim := run_trim OPERATOR(pg_catalog.+) gap_trim;
			run_lambda := run_lambda OPERATOR(pg_catalog.+) gap_lambda;
		END IF;
		gap_n := 0;
		gap_trim := 0;
		gap_lambda := 0;
		run_last := b;
		run_core := run_core OR (r.counted OPERATOR(pg_catalog.>=) cfg.min_count
								 AND r.score OPERATOR(pg_catalog.>=) cfg.threshold);
		run_n := run_n OPERATOR(pg_catalog.+) r.bounces;
		run_trim := run_trim OPERATOR(pg_catalog.+) r.counted;
		run_lambda := run_lambda OPERATOR(pg_catalog.+) r.baseline;
		run_t1 := r.last_at;
		run_layers := ARRAY(SELECT DISTINCT l FROM pg_catalog.unnest(run_layers OPERATOR(pg_catalog.||) r.layers) l ORDER BY l);
	END LOOP;
END
$body$;
COMMENT ON FUNCTION @extschema@.detect_incidents(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'providers whose infrastructure hard bounces spiked against their own baseline: interval, counts, baseline, score and the layers implicated';

-- What rebound.heal did: one row per incident it declared, extended or
-- found covered by a declared one, or healed bounces of.
CREATE TABLE @extschema@.heal_log (
	id pg_catalog.int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	provider pg_catalog.text NOT NULL,
	incident pg_catalog.int8,
	action pg_catalog.text NOT NULL
		CHECK (action OPERATOR(pg_catalog.=) ANY ('{declared,extended,unchanged,covered,withdrawn}'::pg_catalog.text[])),
	detected pg_catalog.tstzrange NOT NULL,
	hard_bounces pg_catalog.int8 NOT NULL,
	baseline pg_catalog.numeric NOT NULL,
	score pg_catalog.numeric NOT NULL,
	forgiven pg_catalog.int8 NOT NULL DEFAULT 0,
	run_by pg_catalog.name NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE @extschema@.heal_log IS
	'what each run of rebound.heal detected and did';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.heal_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.heal_log_id_seq', '');

-- Meant for pg_cron: CALL rebound.heal() every few minutes.  Detects over
-- the lookback seven days at a time (so that memory and each transaction
-- stay bounded however long the lookback; each detection also reads the
-- weeks of history its baselines need, so shorter chunks would read the
-- same history many times), declares each new incident with
-- origin 'detected', extends a detected incident that grew instead of
-- declaring it again, leaves an interval that a manually declared or a
-- withdrawn incident already overlaps to that incident's owner, heals,
-- logs, and commits after each incident.  Runs one at a time (session advisory lock; a second run
-- returns at once), and does nothing on a standby.
CREATE PROCEDURE @extschema@.heal(lookback pg_catalog.interval DEFAULT '1 day',
		dry_run boolean DEFAULT false)
	LANGUAGE plpgsql
AS $body$
DECLARE
	lock_key constant pg_catalog.int8 := 7373170620232017;	-- 'rebound.heal'
	until pg_catalog.timestamptz := pg_catalog.clock_timestamp();
	w pg_catalog.float8;
	bucket pg_catalog.interval;
	chunk_lo pg_catalog.timestamptz;
	chunk_hi pg_catalog.timestamptz;
	d record;
	inc record;
	target pg_catalog.int8;
	act pg_catalog.text;
	forgiven pg_catalog.int8;
	found_any boolean := false;
	next_bounce pg_catalog.timestamptz;
	new_during pg_catalog.tstzrange;
	new_layers pg_catalog.text[];
BEGIN
	IF lookback IS NULL OR lookback OPERATOR(pg_catalog.<=) interval '0' THEN
		RAISE EXCEPTION 'invalid lookback "%"', lookback
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The lookback must be a positive interval, like ''1 day''.';
	END IF;
	IF pg_catalog.pg_is_in_recovery() THEN
		RAISE NOTICE 'rebound.heal: this server is a standby, nothing to do';
		RETURN;
	END IF;
	IF NOT pg_catalog.pg_try_advisory_lock(lock_key) THEN
		RAISE NOTICE 'rebound.heal: another run is in progress, nothing to do';
		RETURN;
	END IF;

	SELECT s.bucket INTO bucket FROM @extschema@.detect_settings() s;
	w := pg_catalog.date_part('epoch', bucket);
	-- start on a bucket boundary, so that every chunk starts on one, and
	-- not before the ledger does
	SELECT GREATEST(until OPERATOR(pg_catalog.-) lookback, pg_catalog.min(x.occurred_at))
	INTO chunk_lo FROM @extschema@.bounce x WHERE x.hard;
	chunk_lo := pg_catalog.to_timestamp(
		pg_catalog.floor(pg_catalog.date_part('epoch', COALESCE(chunk_lo, until)) / w) * w);
	WHILE chunk_lo OPERATOR(pg_catalog.<) until LOOP
		-- skip stretches without bounces (a month-long lookback over a quiet ledger)
		SELECT pg_catalog.min(x.occurred_at) INTO next_bounce
		FROM @extschema@.bounce x WHERE x.hard AND x.occurred_at OPERATOR(pg_catalog.>=) chunk_lo;
		EXIT WHEN next_bounce IS NULL OR next_bounce OPERATOR(pg_catalog.>=) until;
		chunk_lo := GREATEST(chunk_lo, pg_catalog.to_timestamp(
			pg_catalog.floor(pg_catalog.date_part('epoch', next_bounce) / w) * w));
		chunk_hi := LEAST(chunk_lo OPERATOR(pg_catalog.+) interval '7 days', until);
		FOR d IN
			SELECT * FROM @extschema@.detect_incidents(chunk_lo, chunk_hi) x
			ORDER BY x.provider, pg_catalog.lower(x.during)
		LOOP
			found_any := true;
			target := NULL;
			forgiven := 0;
			-- an incident of the provider that overlaps, or touches within a bucket
			-- An incident of the provider that overlaps, or comes within a
			-- bucket.  A manual one, or one a DBA withdrew (rehardened), is
			-- their decision and wins over detection.
			SELECT i.id, i.origin, i.during, i.layers, i.withdrawn_at INTO inc
			FROM @extschema@.incident i
			WHERE i.provider OPERATOR(pg_catalog.=) d.provider
			  AND i.during OPERATOR(pg_catalog.&&) pg_catalog.tstzrange(
					pg_catalog.lower(d.during) OPERATOR(pg_catalog.-) bucket,
					pg_catalog.upper(d.during) OPERATOR(pg_catalog.+) bucket, '[]')
			ORDER BY (i.withdrawn_at IS NOT NULL) DESC,
					 (i.origin OPERATOR(pg_catalog.=) 'manual') DESC, pg_catalog.lower(i.during)
			LIMIT 1;
			IF NOT FOUND THEN
				act := 'declared';
				IF dry_run THEN
					SELECT pg_catalog.count(*) INTO forgiven
					FROM @extschema@.incident_bounces(d.provider, d.during, d.layers);
				ELSE
					target := @extschema@.declare_incident(d.provider, d.during, d.layers,
						pg_catalog.format('detected by rebound.heal: %s infrastructure hard bounces against %s expected, score %s',
										  d.hard_bounces, d.baseline, d.score),
						'detected');
				END IF;
			ELSIF inc.withdrawn_at IS NOT NULL THEN
				act := 'withdrawn';
				target := inc.id;
			ELSIF inc.origin OPERATOR(pg_catalog.=) 'manual' THEN
				act := 'covered';
				target := inc.id;
			ELSIF inc.during OPERATOR(pg_catalog.@>) d.during
				  AND (inc.layers IS NULL OR inc.layers OPERATOR(pg_catalog.@>) d.layers) THEN
				act := 'unchanged';
				target := inc.id;
			ELSE
				act := 'extended';
				target := inc.id;
				new_during := pg_catalog.range_merge(inc.during, d.during);
				new_layers := CASE WHEN inc.layers IS NULL THEN NULL
							  ELSE ARRAY(SELECT DISTINCT l FROM pg_catalog.unnest(inc.layers OPERATOR(pg_catalog.||) d.layers) l ORDER BY l) END;
				IF dry_run THEN
					SELECT pg_catalog.count(*) INTO forgiven
					FROM @extschema@.incident_bounces(d.provider, new_during, new_layers);
				ELSE
					UPDATE @extschema@.incident i
					SET during = new_during, layers = new_layers
					WHERE i.id OPERATOR(pg_catalog.=) target;
				END IF;
			END IF;
			IF act OPERATOR(pg_catalog.=) ANY ('{declared,extended,unchanged}'::pg_catalog.text[])
			   AND NOT (dry_run AND act OPERATOR(pg_catalog.<>) 'unchanged') THEN
				SELECT pg_catalog.count(*) INTO forgiven
				FROM @extschema@.unharden(target, dry_run);
			END IF;
			RAISE NOTICE '%', pg_catalog.format(
				'rebound.heal: %s%s incident %s of %s for %s (%s hard bounces against %s expected, score %s): %s bounces %s',
				CASE WHEN dry_run THEN 'would have ' ELSE '' END, act,
				COALESCE(target::pg_catalog.text, '(new)'), d.provider, d.during,
				d.hard_bounces, d.baseline, d.score, forgiven,
				CASE WHEN dry_run THEN 'to forgive' ELSE 'forgiven' END);
			-- log what changed something, and each decision left to a DBA once
			IF NOT dry_run
			   AND (act OPERATOR(pg_catalog.=) ANY ('{declared,extended}'::pg_catalog.text[])
					OR forgiven OPERATOR(pg_catalog.>) 0
					OR (act OPERATOR(pg_catalog.=) ANY ('{covered,withdrawn}'::pg_catalog.text[])
						AND NOT EXISTS (SELECT 1 FROM @extschema@.heal_log l
										WHERE l.incident OPERATOR(pg_catalog.=) target
										  AND l.action OPERATOR(pg_catalog.=) act))) THEN
				INSERT INTO @extschema@.heal_log (provider, incident, action, detected,
					hard_bounces, baseline, score, forgiven)
				VALUES (d.provider, target, act, d.during, d.hard_bounces, d.baseline, d.score, forgiven);
				RAISE LOG 'rebound.heal: % incident % of provider % for %, % bounces forgiven',
					act, target, d.provider, d.during, forgiven;
				COMMIT;
			END IF;
		END LOOP;
		chunk_lo := chunk_hi;
	END LOOP;
	IF NOT found_any THEN
		RAISE NOTICE 'rebound.heal: no incident detected since %', until OPERATOR(pg_catalog.-) lookback;
	END IF;
	PERFORM pg_catalog.pg_advisory_unlock(lock_key);
END
$body$;
COMMENT ON PROCEDURE @extschema@.heal(pg_catalog.interval, boolean) IS
	'detect incidents over the lookback, declare or extend them, heal them and log it; the job pg_cron runs';

-- Every mail flow rebound knows: the sources of the ledger and the tables
-- wired to it with capture_bounce (whose first argument is the source).
CREATE VIEW @extschema@.flow AS
WITH ledger AS (
	SELECT b.source,
		   pg_catalog.count(*) AS bounces,
		   pg_catalog.count(*) FILTER (WHERE b.hard) AS hard_bounces,
		   pg_catalog.max(b.occurred_at) AS last_bounce
	FROM @extschema@.bounce b
	GROUP BY b.source
),
wired AS (
	SELECT t.tgrelid::pg_catalog.regclass AS wired_table,
		   t.tgname AS trigger_name,
		   t.tgenabled OPERATOR(pg_catalog.<>) 'D' AS enabled,
		   CASE WHEN x.nul OPERATOR(pg_catalog.>) 0 THEN
			   pg_catalog.convert_from(pg_catalog.substr(t.tgargs, 1, x.nul OPERATOR(pg_catalog.-) 1),
									   pg_catalog.getdatabaseencoding())
		   END AS source
	FROM pg_catalog.pg_trigger t,
		 LATERAL (SELECT pg_catalog.position(t.tgargs, '\x00'::pg_catalog.bytea) AS nul) x
	WHERE t.tgfoid OPERATOR(pg_catalog.=) '@extschema@.capture_bounce'::pg_catalog.regproc
	  AND NOT t.tgisinternal
)
SELECT COALESCE(l.source, w.source) AS source,
	   w.wired_table,
	   w.trigger_name,
	   w.enabled,
	   COALESCE(l.bounces, 0) AS bounces,
	   COALESCE(l.hard_bounces, 0) AS hard_bounces,
	   pg_catalog.round(l.hard_bounces::pg_catalog.numeric
						OPERATOR(pg_catalog./) NULLIF(l.bounces, 0), 4) AS hard_share,
	   l.last_bounce
FROM ledger l
FULL JOIN wired w ON w.source OPERATOR(pg_catalog.=) l.source;
COMMENT ON VIEW @extschema@.flow IS
	'every mail flow: each source of the ledger and each table wired with capture_bounce, with volume, hard share and last bounce';
