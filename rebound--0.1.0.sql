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
-- implicates the DNS hosts (ns, ns_ip), any other infrastructure failure
-- the mail hosts (mx, mx_ip); a provider's own domains (layer domain) are
-- implicated by both.  The provider map is read once per domain and per
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
		WHERE b.occurred_at OPERATOR(pg_catalog.>=) since
		  AND b.occurred_at OPERATOR(pg_catalog.<) until
		  AND b.infrastructure
		  AND (b.severity OPERATOR(pg_catalog.=) 'hard'
			   OR b.source_severity OPERATOR(pg_catalog.=) 'hard')
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
	   OR (sig.kind IS DISTINCT FROM 'dns'
		   AND dep.layer OPERATOR(pg_catalog.=) ANY ('{mx,mx_ip}'::pg_catalog.text[]))
	ORDER BY sig.id, dep.provider,
			 pg_catalog.array_position('{domain,ns,ns_ip,mx,mx_ip}'::pg_catalog.text[], dep.layer);
END
$body$;
COMMENT ON FUNCTION @extschema@.incident_signal(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'infrastructure hard bounces of an interval, each charged to the providers it implicates and the layer through which it does';

-- Per provider and bucket: the count of the signal without the two
-- customer domains that contribute most (a burst confined to one or two
-- domains is their own trouble, not their provider's), against a baseline
-- made of the same hours of the previous days (median of the daily rates in
-- a window of one hour either side) and of the same weekday and hours of
-- the previous weeks (their mean): the larger of the two, and never below
-- one per bucket.  A bucket is anomalous when that count reaches
-- rebound.detect_min_count and its Poisson score, -log10 P(X >= count),
-- reaches rebound.detect_threshold.  Anomalous buckets grow into their
-- neighbours while those score at least 2 (p < 0.01), bridge one quiet
-- bucket, and become the interval from the first to the last signal bounce
-- they hold.  A bucket with less than a day of ledger before its window is
-- not judged.
--
-- The counts of a provider's buckets are read in one ordered pass and kept
-- as an array of running sums over the whole history, so that every window
-- of every baseline is two subscripts: no join over buckets, whose sizes
-- the planner cannot know.
CREATE FUNCTION @extschema@.detect_incidents(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (provider pg_catalog.text, during pg_catalog.tstzrange,
		hard_bounces pg_catalog.int8, baseline pg_catalog.numeric,
		score pg_catalog.numeric, layers pg_catalog.text[])
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
AS $body$
DECLARE
	layer_names constant pg_catalog.text[] := '{domain,mx,mx_ip,ns,ns_ip}';
	cfg record;
	r record;
	w pg_catalog.float8;			-- bucket width, seconds
	per_day pg_catalog.int8;		-- buckets in a day
	span pg_catalog.int8;			-- baseline windows: this many buckets either side
	reach pg_catalog.int8;			-- farthest bucket offset a baseline looks back
	first_bucket pg_catalog.int8;	-- of the ledger's first bounce
	since_bucket pg_catalog.int8;
	until_bucket pg_catalog.int8;
	grid_lo pg_catalog.int8;		-- bucket of cum[1]
	grid_len pg_catalog.int4;
	ledger_start pg_catalog.timestamptz;
	-- the provider being read, its running sums and its candidate buckets
	cur pg_catalog.text;
	cum pg_catalog.int8[];
	c_b pg_catalog.int8[];
	c_n pg_catalog.int8[];
	c_trim pg_catalog.int8[];
	c_t0 pg_catalog.timestamptz[];
	c_t1 pg_catalog.timestamptz[];
	c_layers pg_catalog.int4[];
	-- one candidate
	i pg_catalog.int4;
	j pg_catalog.int4;
	k pg_catalog.int4;
	b pg_catalog.int8;
	lo pg_catalog.int8;
	rates pg_catalog.float8[];
	by_day pg_catalog.float8;
	by_week pg_catalog.float8;
	lambda pg_catalog.float8;
	sc pg_catalog.float8;
	flagged boolean;
	-- the run being built
	in_run boolean;
	run_last pg_catalog.int8;
	run_core boolean;
	run_n pg_catalog.int8;
	run_trim pg_catalog.int8;
	run_lambda pg_catalog.float8;
	run_t0 pg_catalog.timestamptz;
	run_t1 pg_catalog.timestamptz;
	run_layers pg_catalog.int4;
	gap_n pg_catalog.int8;
	gap_trim pg_catalog.int8;
	gap_lambda pg_catalog.float8;
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

	SELECT pg_catalog.min(x.occurred_at) INTO ledger_start FROM @extschema@.bounce x;
	IF ledger_start IS NULL THEN
		RETURN;
	END IF;
	first_bucket := pg_catalog.floor(pg_catalog.date_part('epoch', ledger_start) / w)::pg_catalog.int8;
	since_bucket := pg_catalog.floor(pg_catalog.date_part('epoch', since) / w)::pg_catalog.int8;
	until_bucket := pg_catalog.ceil(pg_catalog.date_part('epoch', until) / w)::pg_catalog.int8;
	grid_lo := since_bucket OPERATOR(pg_catalog.-) reach;
	grid_len := (until_bucket OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 1)::pg_catalog.int4;

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
		),
		ranked AS (
			SELECT p.*, pg_catalog.row_number() OVER (
					PARTITION BY p.provider, p.b, p.own
					ORDER BY p.n DESC, p.domain) AS rk
			FROM per_domain p
		)
		SELECT * FROM (
			SELECT k.provider, k.b, pg_catalog.sum(k.n)::pg_catalog.int8 AS n,
				   COALESCE(pg_catalog.sum(k.n) FILTER (
					   WHERE k.own OR k.rk OPERATOR(pg_catalog.>) 2), 0)::pg_catalog.int8 AS ntrim,
				   pg_catalog.min(k.t0) AS t0, pg_catalog.max(k.t1) AS t1,
				   pg_catalog.bit_or(k.layer_bits) AS layer_bits
			FROM ranked k
			GROUP BY k.provider, k.b
			UNION ALL
			SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL
		) x
		ORDER BY x.provider NULLS LAST, x.b
	LOOP
		IF cur IS NOT NULL AND cur IS DISTINCT FROM r.provider THEN
			-- running sums: cum[i] is the count of buckets grid_lo .. grid_lo + i - 1
			FOR i IN 2 .. grid_len LOOP
				cum[i] := cum[i] OPERATOR(pg_catalog.+) cum[i OPERATOR(pg_catalog.-) 1];
			END LOOP;
			in_run := false;
			FOR j IN 1 .. COALESCE(pg_catalog.array_length(c_b, 1), 0) LOOP
				b := c_b[j];
				-- the same hours of each previous day the ledger covers
				rates := '{}';
				FOR k IN 1 .. cfg.baseline_days LOOP
					lo := b OPERATOR(pg_catalog.-) k * per_day OPERATOR(pg_catalog.-) span;
					IF lo OPERATOR(pg_catalog.>) first_bucket THEN
						rates := rates OPERATOR(pg_catalog.||)
							((cum[(lo OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 2 * span OPERATOR(pg_catalog.+) 1)::pg_catalog.int4]
							  OPERATOR(pg_catalog.-) cum[(lo OPERATOR(pg_catalog.-) grid_lo)::pg_catalog.int4])::pg_catalog.float8
							 OPERATOR(pg_catalog./) (2 * span OPERATOR(pg_catalog.+) 1));
					END IF;
				END LOOP;
				IF pg_catalog.cardinality(rates) OPERATOR(pg_catalog.=) 0 THEN
					flagged := false;		-- not judged
					lambda := 0;
					sc := 0;
				ELSE
					SELECT pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY x)
					INTO by_day FROM pg_catalog.unnest(rates) x;
					-- the same weekday and hours of each previous week
					rates := '{}';
					FOR k IN 1 .. cfg.baseline_weeks LOOP
						lo := b OPERATOR(pg_catalog.-) 7 * k * per_day OPERATOR(pg_catalog.-) span;
						IF lo OPERATOR(pg_catalog.>) first_bucket THEN
							rates := rates OPERATOR(pg_catalog.||)
								((cum[(lo OPERATOR(pg_catalog.-) grid_lo OPERATOR(pg_catalog.+) 2 * span OPERATOR(pg_catalog.+) 1)::pg_catalog.int4]
								  OPERATOR(pg_catalog.-) cum[(lo OPERATOR(pg_catalog.-) grid_lo)::pg_catalog.int4])::pg_catalog.float8
								 OPERATOR(pg_catalog./) (2 * span OPERATOR(pg_catalog.+) 1));
						END IF;
					END LOOP;
					SELECT pg_catalog.avg(x) INTO by_week FROM pg_catalog.unnest(rates) x;
					lambda := GREATEST(by_day, COALESCE(by_week, 0), 1.0);
					sc := @extschema@.poisson_score(c_trim[j], lambda);
					flagged := sc OPERATOR(pg_catalog.>=) 2.0;
				END IF;

				-- close the run after two quiet buckets
				IF in_run AND (b OPERATOR(pg_catalog.>) (run_last OPERATOR(pg_catalog.+) 2)
							   OR (NOT flagged AND b OPERATOR(pg_catalog.>) (run_last OPERATOR(pg_catalog.+) 1))) THEN
					IF run_core THEN
						provider := cur;
						during := pg_catalog.tstzrange(run_t0, run_t1, '[]');
						hard_bounces := run_n;
						baseline := pg_catalog.round(run_lambda::pg_catalog.numeric, 2);
						score := pg_catalog.round(@extschema@.poisson_score(run_trim, run_lambda)::pg_catalog.numeric, 2);
						layers := ARRAY(SELECT layer_names[x] FROM pg_catalog.generate_series(1, 5) x
										WHERE run_layers OPERATOR(pg_catalog.&) (1 OPERATOR(pg_catalog.<<) (x OPERATOR(pg_catalog.-) 1)) OPERATOR(pg_catalog.<>) 0);
						RETURN NEXT;
					END IF;
					in_run := false;
				END IF;
				IF NOT flagged THEN
					-- a quiet bucket inside a run belongs to its interval
					gap_n := c_n[j];
					gap_trim := c_trim[j];
					gap_lambda := lambda;
					CONTINUE;
				END IF;
				IF NOT in_run THEN
					in_run := true;
					run_core := false;
					run_n := 0;
					run_trim := 0;
					run_lambda := 0;
					run_t0 := c_t0[j];
					run_layers := 0;
					run_last := b;
				ELSIF run_last OPERATOR(pg_catalog.=) (b OPERATOR(pg_catalog.-) 2) THEN
					run_n := run_n OPERATOR(pg_catalog.+) gap_n;
					run_trim := run_trim OPERATOR(pg_catalog.+) gap_trim;
					run_lambda := run_lambda OPERATOR(pg_catalog.+) gap_lambda;
				END IF;
				gap_n := 0;
				gap_trim := 0;
				gap_lambda := 0;
				run_last := b;
				run_core := run_core OR (c_trim[j] OPERATOR(pg_catalog.>=) cfg.min_count
										 AND sc OPERATOR(pg_catalog.>=) cfg.threshold);
				run_n := run_n OPERATOR(pg_catalog.+) c_n[j];
				run_trim := run_trim OPERATOR(pg_catalog.+) c_trim[j];
				run_lambda := run_lambda OPERATOR(pg_catalog.+) lambda;
				run_t1 := c_t1[j];
				run_layers := run_layers OPERATOR(pg_catalog.|) c_layers[j];
			END LOOP;
			IF in_run AND run_core THEN
				provider := cur;
				during := pg_catalog.tstzrange(run_t0, run_t1, '[]');
				hard_bounces := run_n;
				baseline := pg_catalog.round(run_lambda::pg_catalog.numeric, 2);
				score := pg_catalog.round(@extschema@.poisson_score(run_trim, run_lambda)::pg_catalog.numeric, 2);
				layers := ARRAY(SELECT layer_names[x] FROM pg_catalog.generate_series(1, 5) x
								WHERE run_layers OPERATOR(pg_catalog.&) (1 OPERATOR(pg_catalog.<<) (x OPERATOR(pg_catalog.-) 1)) OPERATOR(pg_catalog.<>) 0);
				RETURN NEXT;
			END IF;
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
COMMENT ON FUNCTION @extschema@.detect_incidents(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'providers whose infrastructure hard bounces spiked against their own baseline, with the interval, counts, baseline and score';

-- What rebound.heal did: one row per incident it declared, extended or
-- found covered by a declared one, or healed bounces of.
CREATE TABLE @extschema@.heal_log (
	id pg_catalog.int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	provider pg_catalog.text NOT NULL,
	incident pg_catalog.int8,
	action pg_catalog.text NOT NULL
		CHECK (action OPERATOR(pg_catalog.=) ANY ('{declared,extended,unchanged,covered}'::pg_catalog.text[])),
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

-- Meant for pg_cron: CALL rebound.heal() every few minutes.  Detects over
-- the lookback one day at a time (so that memory and each transaction stay
-- bounded however long the lookback), declares each new incident with
-- origin 'detected', extends a detected incident that grew instead of
-- declaring it again, leaves an interval that a manually declared incident
-- already overlaps to that incident, heals, logs, and commits after each
-- incident.  Runs one at a time (session advisory lock; a second run
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
	-- start on a bucket boundary, so that every chunk starts on one
	chunk_lo := pg_catalog.to_timestamp(
		pg_catalog.floor(pg_catalog.date_part('epoch', until OPERATOR(pg_catalog.-) lookback) / w) * w);
	WHILE chunk_lo OPERATOR(pg_catalog.<) until LOOP
		chunk_hi := LEAST(chunk_lo OPERATOR(pg_catalog.+) interval '1 day', until);
		FOR d IN
			SELECT * FROM @extschema@.detect_incidents(chunk_lo, chunk_hi) x
			ORDER BY x.provider, pg_catalog.lower(x.during)
		LOOP
			found_any := true;
			target := NULL;
			forgiven := 0;
			-- an incident of the provider that overlaps, or touches within a bucket
			SELECT i.id, i.origin, i.during, i.layers INTO inc
			FROM @extschema@.incident i
			WHERE i.provider OPERATOR(pg_catalog.=) d.provider
			  AND i.during OPERATOR(pg_catalog.&&) pg_catalog.tstzrange(
					pg_catalog.lower(d.during) OPERATOR(pg_catalog.-) bucket,
					pg_catalog.upper(d.during) OPERATOR(pg_catalog.+) bucket, '[]')
			ORDER BY (i.origin OPERATOR(pg_catalog.=) 'manual') DESC, pg_catalog.lower(i.during)
			LIMIT 1;
			IF NOT FOUND THEN
				act := 'declared';
				IF NOT dry_run THEN
					target := @extschema@.declare_incident(d.provider, d.during, d.layers,
						pg_catalog.format('detected by rebound.heal: %s infrastructure hard bounces against %s expected, score %s',
										  d.hard_bounces, d.baseline, d.score));
					UPDATE @extschema@.incident SET origin = 'detected'
					WHERE id OPERATOR(pg_catalog.=) target;
				END IF;
			ELSIF inc.origin OPERATOR(pg_catalog.=) 'manual' THEN
				act := 'covered';
			ELSIF inc.during OPERATOR(pg_catalog.@>) d.during
				  AND (inc.layers IS NULL OR inc.layers OPERATOR(pg_catalog.@>) d.layers) THEN
				act := 'unchanged';
				target := inc.id;
			ELSE
				act := 'extended';
				target := inc.id;
				IF NOT dry_run THEN
					UPDATE @extschema@.incident i
					SET during = i.during OPERATOR(pg_catalog.+) d.during,
						layers = CASE WHEN i.layers IS NULL THEN NULL
								 ELSE ARRAY(SELECT DISTINCT l FROM pg_catalog.unnest(i.layers OPERATOR(pg_catalog.||) d.layers) l ORDER BY l) END
					WHERE i.id OPERATOR(pg_catalog.=) target;
				END IF;
			END IF;
			IF target IS NOT NULL THEN
				SELECT pg_catalog.count(*) INTO forgiven
				FROM @extschema@.unharden(target, dry_run);
			END IF;
			RAISE NOTICE 'rebound.heal: % % incident % % (% hard bounces, baseline %, score %): % bounces %',
				CASE WHEN dry_run THEN 'would have' ELSE '' END, act, COALESCE(target::pg_catalog.text, '(new)'),
				d.provider || ' ' || d.during::pg_catalog.text, d.hard_bounces, d.baseline, d.score, forgiven,
				CASE WHEN dry_run THEN 'to forgive' ELSE 'forgiven' END;
			IF NOT dry_run AND (act OPERATOR(pg_catalog.<>) 'unchanged' OR forgiven OPERATOR(pg_catalog.>) 0) THEN
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
