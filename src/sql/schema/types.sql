-- src/sql/schema/types.sql: smtp_status (RFC 3463 status codes), the reason and severity enums, domains and addresses.
--
-- Declarations: types, tables, indexes, what pg_dump keeps.  Run once, by
-- CREATE EXTENSION; a change here also goes, by hand, into the upgrade
-- script under src/sql/upgrade/.

-- Every object is qualified with @extschema@ (the rebound schema),
-- rebound_internal or pg_catalog, so that nothing depends on the
-- search_path of the session that creates the extension.

-- ===========================================================================
-- Schema rebound_internal: the functions rebound calls itself
-- ===========================================================================

-- Trigger functions of rebound's own tables and the steps behind the entry
-- points (heal, unharden, the outbox, restore, capture_event's checks) live
-- apart, so that schema rebound holds the API and nothing else: `\df
-- rebound.*` is the contract, rebound_internal may change in any release.
-- USAGE goes to PUBLIC because each function's own EXECUTE grant is what
-- guards it (most are granted to nobody) and entry points that run with
-- their caller's rights call some of them on the caller's behalf.
CREATE SCHEMA rebound_internal;
COMMENT ON SCHEMA rebound_internal IS
	'functions rebound calls itself: not part of its API, may change in any release';
GRANT USAGE ON SCHEMA rebound_internal TO PUBLIC;

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
