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
