-- src/sql/code/ledger.sql: the ledger: bounces, suppression, incidents, healing and its audit.
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

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

CREATE OR REPLACE FUNCTION @extschema@.normalize_address(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_normalize_address'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.normalize_address(pg_catalog.text) IS
	'the form under which the ledger stores an address: local part with ASCII letters folded, @, normalized domain';

-- The role on whose behalf an entry point acts: inside a SECURITY DEFINER
-- function current_user names the definer, so audit rows, incidents and
-- the heal log record this instead (src/glue/ledger.c).
CREATE OR REPLACE FUNCTION rebound_internal.invoker()
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_invoker'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION rebound_internal.invoker() IS
	'the role on whose behalf rebound acts: the session''s current role, whatever SECURITY DEFINER function runs';

CREATE OR REPLACE FUNCTION @extschema@.record_bounce(
	address pg_catalog.text,
	occurred_at pg_catalog.timestamptz,
	diagnostic pg_catalog.text,
	source pg_catalog.text DEFAULT 'default',
	source_severity @extschema@.severity DEFAULT NULL)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
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

CREATE OR REPLACE FUNCTION @extschema@.capture_bounce()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_capture_bounce'
	LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.capture_bounce() IS
	'AFTER INSERT trigger (source, address_column, time_column, diagnostic_column [, severity_column]): copies the rows of a CRM bounce table into the ledger, FOR EACH ROW or, for bulk loads, FOR EACH STATEMENT with REFERENCING NEW TABLE';

CREATE OR REPLACE FUNCTION @extschema@.classify_bounce()
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
--
-- PL/pgSQL, not SQL: a SQL set-returning function is inlined into its
-- caller's query (is_suppressed's), which Citus refuses for one that reads
-- a distributed table; planned with the call's values, it still reads the
-- address's rows through bounce_address_idx.
CREATE OR REPLACE FUNCTION @extschema@.soft_bounce_run(
	address pg_catalog.text, at pg_catalog.timestamptz DEFAULT pg_catalog.now(),
	OUT since pg_catalog.timestamptz, OUT bounce_id pg_catalog.int8, OUT soft_bounces pg_catalog.int8)
	RETURNS SETOF record
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY
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
	WHERE s.k OPERATOR(pg_catalog.=) COALESCE(pg_catalog.current_setting('rebound.soft_bounce_limit', true)::pg_catalog.int4, 5);
END
$$;
COMMENT ON FUNCTION @extschema@.soft_bounce_run(pg_catalog.text, pg_catalog.timestamptz) IS
	'the soft-bounce run that suppresses an address at a moment (rebound.soft_bounce_limit within rebound.soft_bounce_days), if any';

-- PL/pgSQL, not SQL: Citus refuses a query on a distributed table with
-- the parameters of a SQL function (this one is not inlined: it holds
-- subqueries); PL/pgSQL hands it the values, and on one node keeps the
-- plan across calls.  Two statements: in one, Citus would send the whole
-- expression, soft_bounce_run's call included, to the address's shard,
-- where that call's own query would be a distributed query nested in a
-- shard's.  Each is one index scan of bounce_address_idx.
CREATE OR REPLACE FUNCTION @extschema@.is_suppressed(address pg_catalog.text, at pg_catalog.timestamptz)
	RETURNS pg_catalog.bool
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM @extschema@.bounce b
			   WHERE b.domain OPERATOR(pg_catalog.=) @extschema@.address_domain(is_suppressed.address)
				 AND b.address OPERATOR(pg_catalog.=) @extschema@.normalize_address(is_suppressed.address)
				 AND b.hard AND b.forgiven_by IS NULL
				 AND b.occurred_at OPERATOR(pg_catalog.<=) is_suppressed.at) THEN
		RETURN true;
	END IF;
	RETURN EXISTS (SELECT 1 FROM @extschema@.soft_bounce_run(is_suppressed.address, is_suppressed.at));
END
$$;
COMMENT ON FUNCTION @extschema@.is_suppressed(pg_catalog.text, pg_catalog.timestamptz) IS
	'whether an address was suppressed at a moment: an unforgiven hard bounce by then, or a soft-bounce run';

CREATE OR REPLACE FUNCTION @extschema@.is_suppressed(address pg_catalog.text)
	RETURNS pg_catalog.bool
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	AS $$ SELECT @extschema@.is_suppressed(is_suppressed.address, pg_catalog.now()) $$;
COMMENT ON FUNCTION @extschema@.is_suppressed(pg_catalog.text) IS
	'whether an address is suppressed now: an unforgiven hard bounce, or a soft-bounce run';

-- is_suppressed over a set: which of these addresses (as the ledger
-- holds them, with their domains) are suppressed now.  For the outbox,
-- which asks it of every address a healing transaction forgave or
-- hardened again: one statement over all of them, each address's rows
-- one index lookup (bounce_address_idx), not a call of is_suppressed per
-- address, planned and run one at a time (a PL/pgSQL function is never
-- inlined: tens of thousands of addresses took seconds).  The same tests
-- as is_suppressed: an unforgiven hard bounce by now, or at least
-- rebound.soft_bounce_limit unforgiven soft bounces within
-- rebound.soft_bounce_days.  A LATERAL aggregate grouped by domain, which
-- Citus sends to the shards, as heal_reinstated's.
CREATE OR REPLACE FUNCTION rebound_internal.suppressed_among(domains pg_catalog.text[],
		addresses pg_catalog.text[])
	RETURNS TABLE (domain pg_catalog.text, address pg_catalog.text)
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
	AS $fn$
DECLARE
	soft_limit pg_catalog.int4 := COALESCE(pg_catalog.current_setting('rebound.soft_bounce_limit', true)::pg_catalog.int4, 5);
	soft_days pg_catalog.int4 := COALESCE(pg_catalog.current_setting('rebound.soft_bounce_days', true)::pg_catalog.int4, 30);
BEGIN
	RETURN QUERY EXECUTE $q$
	SELECT c.domain, c.address
	FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS c(domain, address)
	CROSS JOIN LATERAL (
		SELECT pg_catalog.count(*) FILTER (WHERE o.hard AND o.occurred_at OPERATOR(pg_catalog.<=) $5) AS hard,
			   pg_catalog.count(*) FILTER (
				   WHERE NOT o.hard
					 AND (o.severity OPERATOR(pg_catalog.=) 'soft'
						  OR o.source_severity OPERATOR(pg_catalog.=) 'soft')
					 AND o.occurred_at OPERATOR(pg_catalog.>) $4
					 AND o.occurred_at OPERATOR(pg_catalog.<=) $5) AS soft
		FROM @extschema@.bounce o
		WHERE o.domain OPERATOR(pg_catalog.=) c.domain
		  AND o.address OPERATOR(pg_catalog.=) c.address
		  AND o.forgiven_by IS NULL
		-- one group, the address's domain (none: nothing unforgiven)
		GROUP BY o.domain) x
	WHERE x.hard OPERATOR(pg_catalog.>) 0
	   OR ($3 OPERATOR(pg_catalog.>) 0 AND x.soft OPERATOR(pg_catalog.>=) $3)
	$q$ USING suppressed_among.domains, suppressed_among.addresses, soft_limit,
			  pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(days => soft_days),
			  pg_catalog.now();
END
$fn$;
COMMENT ON FUNCTION rebound_internal.suppressed_among(pg_catalog.text[], pg_catalog.text[]) IS
	'internal (the outbox): which of these (domain, address) pairs are suppressed now, as is_suppressed() says of each';

CREATE OR REPLACE VIEW @extschema@.suppressed AS
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
CREATE OR REPLACE FUNCTION rebound_internal.check_incident(provider pg_catalog.text, during pg_catalog.tstzrange,
	layers pg_catalog.text[])
	RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
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
	   OR NOT check_incident.layers OPERATOR(pg_catalog.<@)
			'{domain,gateway,gateway_ip,mx,mx_ip,ns,ns_ip}'::pg_catalog.text[]) THEN
		RAISE EXCEPTION 'invalid incident layers: "%"', check_incident.layers
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Layers are domain, gateway, gateway_ip, mx, mx_ip, ns and ns_ip; NULL means all of them.';
	END IF;
END
$$;
COMMENT ON FUNCTION rebound_internal.check_incident(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[]) IS
	'raise a clear error unless the provider exists, the interval is bounded and not empty, and the layers are known';

-- The one place incidents are written.  Internal (not granted to anyone):
-- declare_incident() calls it for people, rebound.heal for detection.
CREATE OR REPLACE FUNCTION rebound_internal.incident_declare(
	provider pg_catalog.text,
	during pg_catalog.tstzrange,
	layers pg_catalog.text[],
	note pg_catalog.text,
	origin pg_catalog.text)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	new_id pg_catalog.int8;
	sorted_layers pg_catalog.text[];
BEGIN
	PERFORM rebound_internal.check_incident(incident_declare.provider, incident_declare.during,
									   incident_declare.layers);
	-- computed first: Citus takes no subquery in INSERT ... VALUES
	SELECT array_agg(DISTINCT l ORDER BY l) INTO sorted_layers FROM unnest(incident_declare.layers) l;
	INSERT INTO @extschema@.incident (provider, layers, during, origin, note, declared_by)
	VALUES (incident_declare.provider, sorted_layers,
			incident_declare.during, incident_declare.origin, incident_declare.note,
			rebound_internal.invoker())
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION rebound_internal.incident_declare(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.text, pg_catalog.text) IS
	'internal: writes an incident, declared by the invoker';

-- origin is kept for the signature of 0.1.0; only rebound.heal declares
-- 'detected' incidents, so that the origin can be believed.
CREATE OR REPLACE FUNCTION @extschema@.declare_incident(
	provider pg_catalog.text,
	during pg_catalog.tstzrange,
	layers pg_catalog.text[] DEFAULT NULL,
	note pg_catalog.text DEFAULT NULL,
	origin pg_catalog.text DEFAULT 'manual')
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF declare_incident.origin IS DISTINCT FROM 'manual' THEN
		RAISE EXCEPTION 'an incident declared by hand has origin ''manual'', not "%"', declare_incident.origin
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only rebound.heal declares incidents it detected.';
	END IF;
	RETURN rebound_internal.incident_declare(declare_incident.provider, declare_incident.during,
										declare_incident.layers, declare_incident.note, 'manual');
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
-- from bounce_hard_window_idx; which of them depended on the provider is
-- read, with the matchers and rules domain_providers() uses, from the
-- domain_host rows valid at the moment of each bounce and their hosts'
-- addresses then (index lookups per bounce: one group per bounce), and the
-- same reading gives the most direct layer (domain, gateway, gateway_ip,
-- mx, mx_ip, ns, ns_ip: an MX host a gateway rule matches is the layer
-- gateway, see host_layer()).  test/pgtap/05_heal.sql and the demo check
-- the result against domain_providers() called for every bounce.
-- A domain rule matches by name, as domain_provider() does (patterns are
-- stored normalized, one rule per name).
--
-- PL/pgSQL running its one SELECT with EXECUTE, planned with the
-- incident's actual interval; not an inlined SQL function, which Citus
-- refuses when it reads a distributed table.
CREATE OR REPLACE FUNCTION @extschema@.incident_bounces(
	provider pg_catalog.text,
	during pg_catalog.tstzrange,
	layers pg_catalog.text[] DEFAULT NULL)
	RETURNS TABLE (bounce_id pg_catalog.int8, domain pg_catalog.text, address pg_catalog.text,
				   source pg_catalog.text, occurred_at pg_catalog.timestamptz,
				   reason @extschema@.reason, layer pg_catalog.text)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $fn$
DECLARE
	-- timestamptz counts microseconds: any bounded interval is [lo, hi)
	-- for the index and for the planner's estimate.  Computed here and
	-- passed as values, so that each shard on Citus is sent constants
	-- and reads bounce_hard_window_idx (a CTE would be a subplan there).
	lo pg_catalog.timestamptz := pg_catalog.lower(incident_bounces.during) OPERATOR(pg_catalog.+)
		CASE WHEN pg_catalog.lower_inc(incident_bounces.during) THEN '0'::pg_catalog.interval
			 ELSE '1 microsecond'::pg_catalog.interval END;
	hi pg_catalog.timestamptz := pg_catalog.upper(incident_bounces.during) OPERATOR(pg_catalog.+)
		CASE WHEN pg_catalog.upper_inc(incident_bounces.during) THEN '1 microsecond'::pg_catalog.interval
			 ELSE '0'::pg_catalog.interval END;
BEGIN
	-- EXECUTE ... USING: planned with the actual interval, every time (a
	-- cached generic plan would guess its size)
	RETURN QUERY EXECUTE $q$
	-- the provider's own mail domains
	SELECT b.id, b.domain, b.address, b.source, b.occurred_at, b.reason, 'domain'::pg_catalog.text
	FROM @extschema@.bounce b
	JOIN @extschema@.provider_rule r
	  ON r.kind OPERATOR(pg_catalog.=) 'domain' AND r.pattern OPERATOR(pg_catalog.=) b.domain
	WHERE r.provider OPERATOR(pg_catalog.=) $1
	  AND ($4 IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY ($4))
	  AND b.hard AND b.forgiven_by IS NULL
	  AND b.occurred_at OPERATOR(pg_catalog.>=) $2 AND b.occurred_at OPERATOR(pg_catalog.<) $3
	UNION ALL
	-- domains whose MX or NS hosts were the provider's, by name or network
	SELECT b.id, b.domain, b.address, b.source, b.occurred_at, b.reason,
		   ('{domain,gateway,gateway_ip,mx,mx_ip,ns,ns_ip}'::pg_catalog.text[])[m.best]
	FROM @extschema@.bounce b
	CROSS JOIN LATERAL (
		SELECT pg_catalog.min(CASE
			WHEN ($4 IS NULL OR h.layer OPERATOR(pg_catalog.=) ANY ($4))
				 AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) $1
				THEN pg_catalog.array_position('{domain,gateway,gateway_ip,mx,mx_ip,ns,ns_ip}'::pg_catalog.text[], h.layer)
			WHEN ($4 IS NULL OR (h.layer OPERATOR(pg_catalog.||) '_ip') OPERATOR(pg_catalog.=) ANY ($4))
				 AND EXISTS (SELECT 1 FROM @extschema@.host_address a
							 WHERE a.host OPERATOR(pg_catalog.=) h.host
							   AND a.observed OPERATOR(pg_catalog.@>) b.occurred_at
							   AND @extschema@.ip_provider(a.addr) OPERATOR(pg_catalog.=) $1)
				THEN pg_catalog.array_position('{domain,gateway,gateway_ip,mx,mx_ip,ns,ns_ip}'::pg_catalog.text[],
											   h.layer OPERATOR(pg_catalog.||) '_ip')
			END) AS best
		-- the layer computed in a subquery with a FROM: Citus refuses a
		-- subquery without one that calls a function not IMMUTABLE
		FROM (SELECT x.domain, x.host, @extschema@.host_layer(x.host, x.role) AS layer
			  FROM @extschema@.domain_host x
			  WHERE x.domain OPERATOR(pg_catalog.=) b.domain
				AND x.observed OPERATOR(pg_catalog.@>) b.occurred_at
				AND x.host OPERATOR(pg_catalog.<>) ALL ('{"",.}'::pg_catalog.text[])) h
		-- one group, the bounce's domain: Citus pushes a LATERAL
		-- aggregate down to the shards only when it is grouped by the
		-- distribution key
		GROUP BY h.domain) m
	WHERE b.hard AND b.forgiven_by IS NULL
	  AND b.occurred_at OPERATOR(pg_catalog.>=) $2 AND b.occurred_at OPERATOR(pg_catalog.<) $3
	  AND NOT EXISTS (SELECT 1 FROM @extschema@.provider_rule r
					  WHERE r.kind OPERATOR(pg_catalog.=) 'domain'
						AND r.pattern OPERATOR(pg_catalog.=) b.domain
						AND r.provider OPERATOR(pg_catalog.=) $1
						AND ($4 IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY ($4)))
	  -- some host was the provider's: the domain's hosts are read once,
	  -- for this test and for the most direct layer together.  The whole
	  -- row m (best alone), not m.best: the planner would push a test of
	  -- m.best into the subquery as a HAVING, with a second copy of the
	  -- aggregate and of its EXISTS, run again for every bounce; it
	  -- pushes no test of a whole row.  The EXISTS stays in the CASE, so
	  -- that a host whose name matched is not looked up by address.
	  AND m IS NOT NULL
	$q$ USING incident_bounces.provider, lo, hi, incident_bounces.layers;
END
$fn$;
COMMENT ON FUNCTION @extschema@.incident_bounces(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[]) IS
	'the unforgiven hard bounces of an interval whose domain depended on a provider (through the given layers, NULL for all) when they occurred';

-- ---------------------------------------------------------------------------
-- The tail of an incident (issue 18)
-- ---------------------------------------------------------------------------

-- What a diagnostic says of mail that expired in the sender's queue:
-- expired (Postfix "message expired", Exim "retry timeout exceeded",
-- Exchange "Message expired", "unable to deliver in N minutes", X.4.7 ...),
-- the kind of the last error it carries ('dns', 'connection' or NULL, read
-- without the expiry wording), and the first host name (lower case) and
-- IPv4 address it names outside a mail address.  src/core/expiry.c.
CREATE OR REPLACE FUNCTION @extschema@.expiry(diagnostic pg_catalog.text,
	OUT expired pg_catalog.bool, OUT kind pg_catalog.text, OUT host pg_catalog.text,
	OUT addr pg_catalog.inet)
	AS 'MODULE_PATHNAME', 'rebound_expiry'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expiry(pg_catalog.text) IS
	'whether a diagnostic reports mail that expired or that the sender gave up on, and its last error: kind (dns, connection), the host and IPv4 address it names';

-- The tail of an incident: the hard bounces of the horizon that follows
-- its interval whose mail expired in the sender's queue after failures
-- that were the provider's.  Mail queued during an outage is retried and
-- expires hours or days later, stamped with that later time; its text
-- carries the last error it met.  A bounce is the tail when
--   - it is hard, unforgiven, after the interval and before its end plus
--     the horizon (the incident's tail_horizon, else rebound.tail_horizon),
--   - its diagnostic says the message expired (rebound.expiry), and
--   - its last error implicates the provider through a layer of the
--     incident on which the domain depended during the interval:
--       tail:mx     a connection failure naming a host that is the
--                   provider's by name, for a domain whose MX hosts were;
--       tail:mx_ip  a connection failure naming an address in the
--                   provider's networks (or a host whose addresses then
--                   were), for a domain whose MX hosts were the provider's
--                   by name or by address;
--       tail:ns / tail:ns_ip  a DNS failure, naming no host or the domain
--                   itself or a host of the provider, for a domain whose
--                   name servers were the provider's by name / by address;
--       tail:domain a failure of either kind naming the provider's host or
--                   address (a DNS failure: or the domain) for the
--                   provider's own mail domains.
-- A failure that names a host that is not the provider's (the sender's
-- own relay, another provider's MX) is not the provider's tail, whatever
-- the domain depends on; an expiry that names nothing and has no kind is
-- not either (precision first).  The layer is qualified 'tail:' so that
-- unharden, the audit, dry runs and reharden keep it apart with no new
-- column.
CREATE OR REPLACE FUNCTION @extschema@.tail_bounces(
	provider pg_catalog.text,
	during pg_catalog.tstzrange,
	layers pg_catalog.text[] DEFAULT NULL,
	horizon pg_catalog.interval DEFAULT NULL)
	RETURNS TABLE (bounce_id pg_catalog.int8, domain pg_catalog.text, address pg_catalog.text,
				   source pg_catalog.text, occurred_at pg_catalog.timestamptz,
				   reason @extschema@.reason, layer pg_catalog.text)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $fn$
DECLARE
	-- the horizon, [lo, hi): computed here and passed as values, as in
	-- incident_bounces (constants for the index on every shard)
	lo pg_catalog.timestamptz := pg_catalog.upper(tail_bounces.during) OPERATOR(pg_catalog.+)
		CASE WHEN pg_catalog.upper_inc(tail_bounces.during) THEN '1 microsecond'::pg_catalog.interval
			 ELSE '0'::pg_catalog.interval END;
	hi pg_catalog.timestamptz;
BEGIN
	-- rebound.tail_horizon is defined by the library, which a session
	-- loads at its first call of one of its functions: this one, folded
	-- at planning, before the setting is read
	PERFORM @extschema@.expiry('');
	hi := pg_catalog.upper(tail_bounces.during) OPERATOR(pg_catalog.+)
		COALESCE(tail_bounces.horizon, pg_catalog.current_setting('rebound.tail_horizon')::pg_catalog.interval);
	RETURN QUERY EXECUTE $q$
	SELECT b.id, b.domain, b.address, b.source, b.occurred_at, b.reason,
		   'tail:' OPERATOR(pg_catalog.||) ('{domain,mx,mx_ip,ns,ns_ip,gateway,gateway_ip}'::pg_catalog.text[])[
			   CASE
				   WHEN ($3 IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY ($3))
						AND EXISTS (SELECT 1 FROM @extschema@.provider_rule r
									WHERE r.kind OPERATOR(pg_catalog.=) 'domain'
									  AND r.pattern OPERATOR(pg_catalog.=) b.domain
									  AND r.provider OPERATOR(pg_catalog.=) $1)
						AND (b.by_name OR b.by_addr
							 OR (b.kind OPERATOR(pg_catalog.=) 'dns'
								 AND (b.host IS NULL OR b.host OPERATOR(pg_catalog.=) b.domain)))
					   THEN 1
				   WHEN b.kind OPERATOR(pg_catalog.=) 'connection' AND b.by_name
						AND ($3 IS NULL OR 'gateway' OPERATOR(pg_catalog.=) ANY ($3)) AND d.gw
					   THEN 6
				   WHEN b.kind OPERATOR(pg_catalog.=) 'connection' AND b.by_addr
						AND ($3 IS NULL OR 'gateway_ip' OPERATOR(pg_catalog.=) ANY ($3)) AND (d.gw OR d.gw_ip)
					   THEN 7
				   WHEN b.kind OPERATOR(pg_catalog.=) 'connection' AND b.by_name
						AND ($3 IS NULL OR 'mx' OPERATOR(pg_catalog.=) ANY ($3)) AND d.mx
					   THEN 2
				   WHEN b.kind OPERATOR(pg_catalog.=) 'connection' AND b.by_addr
						AND ($3 IS NULL OR 'mx_ip' OPERATOR(pg_catalog.=) ANY ($3)) AND (d.mx OR d.mx_ip)
					   THEN 3
				   WHEN b.kind OPERATOR(pg_catalog.=) 'dns'
						AND (b.host IS NULL OR b.host OPERATOR(pg_catalog.=) b.domain OR b.by_name)
						AND ($3 IS NULL OR 'ns' OPERATOR(pg_catalog.=) ANY ($3)) AND d.ns
					   THEN 4
				   WHEN b.kind OPERATOR(pg_catalog.=) 'dns'
						AND (b.host IS NULL OR b.host OPERATOR(pg_catalog.=) b.domain OR b.by_name)
						AND ($3 IS NULL OR 'ns_ip' OPERATOR(pg_catalog.=) ANY ($3)) AND d.ns_ip
					   THEN 5
			   END]
	-- the horizon's expired hard bounces, with what their last error
	-- names: the provider's host, the provider's address (columns of a
	-- subquery, not a LATERAL subquery without FROM, which Citus refuses
	-- when it calls functions that are not IMMUTABLE)
	FROM (SELECT o.id, o.domain, o.address, o.source, o.occurred_at, o.reason, e.kind, e.host,
				 COALESCE(@extschema@.host_provider(e.host) OPERATOR(pg_catalog.=) $1, false) AS by_name,
				 COALESCE(@extschema@.ip_provider(e.addr) OPERATOR(pg_catalog.=) $1, false)
				 OR EXISTS (SELECT 1 FROM @extschema@.host_address a
							WHERE a.host OPERATOR(pg_catalog.=) e.host
							  AND a.observed OPERATOR(pg_catalog.&&) $2
							  AND @extschema@.ip_provider(a.addr) OPERATOR(pg_catalog.=) $1) AS by_addr
		  FROM @extschema@.bounce o
		  CROSS JOIN LATERAL @extschema@.expiry(o.diagnostic) e
		  WHERE o.hard AND o.forgiven_by IS NULL
			AND o.occurred_at OPERATOR(pg_catalog.>=) $4 AND o.occurred_at OPERATOR(pg_catalog.<) $5
			AND o.diagnostic IS NOT NULL
			AND e.expired AND e.kind IS NOT NULL) b
	-- what the domain depended on during the interval, by layer (an MX host
	-- a gateway rule matches is the gateway layer, as in incident_bounces);
	-- one group, the domain's, as Citus pushes a LATERAL aggregate down to
	-- the shards only grouped by the distribution key, and so an outer
	-- join: a domain without hosts then has NULL flags, which every use
	-- below ANDs into a condition, as false
	LEFT JOIN LATERAL (
		SELECT COALESCE(pg_catalog.bool_or(h.layer OPERATOR(pg_catalog.=) 'mx'
							AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) $1), false) AS mx,
			   COALESCE(pg_catalog.bool_or(h.layer OPERATOR(pg_catalog.=) 'mx' AND h.ip), false) AS mx_ip,
			   COALESCE(pg_catalog.bool_or(h.layer OPERATOR(pg_catalog.=) 'gateway'
							AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) $1), false) AS gw,
			   COALESCE(pg_catalog.bool_or(h.layer OPERATOR(pg_catalog.=) 'gateway' AND h.ip), false) AS gw_ip,
			   COALESCE(pg_catalog.bool_or(h.layer OPERATOR(pg_catalog.=) 'ns'
							AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) $1), false) AS ns,
			   COALESCE(pg_catalog.bool_or(h.layer OPERATOR(pg_catalog.=) 'ns' AND h.ip), false) AS ns_ip
		FROM (SELECT x.domain, x.role, x.host, @extschema@.host_layer(x.host, x.role) AS layer,
					 EXISTS (SELECT 1 FROM @extschema@.host_address a
							 WHERE a.host OPERATOR(pg_catalog.=) x.host
							   AND a.observed OPERATOR(pg_catalog.&&) $2
							   AND @extschema@.ip_provider(a.addr) OPERATOR(pg_catalog.=) $1) AS ip
			  FROM @extschema@.domain_host x
			  WHERE x.domain OPERATOR(pg_catalog.=) b.domain
				AND x.observed OPERATOR(pg_catalog.&&) $2) h
		GROUP BY h.domain
	) d ON true
	WHERE CASE
			  WHEN ($3 IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY ($3))
				   AND EXISTS (SELECT 1 FROM @extschema@.provider_rule r
							   WHERE r.kind OPERATOR(pg_catalog.=) 'domain'
								 AND r.pattern OPERATOR(pg_catalog.=) b.domain
								 AND r.provider OPERATOR(pg_catalog.=) $1)
				   AND (b.by_name OR b.by_addr
						OR (b.kind OPERATOR(pg_catalog.=) 'dns'
							AND (b.host IS NULL OR b.host OPERATOR(pg_catalog.=) b.domain)))
				  THEN true
			  WHEN b.kind OPERATOR(pg_catalog.=) 'connection'
				  THEN (b.by_name AND ($3 IS NULL OR 'mx' OPERATOR(pg_catalog.=) ANY ($3)) AND d.mx)
					   OR (b.by_addr AND ($3 IS NULL OR 'mx_ip' OPERATOR(pg_catalog.=) ANY ($3))
						   AND (d.mx OR d.mx_ip))
					   OR (b.by_name AND ($3 IS NULL OR 'gateway' OPERATOR(pg_catalog.=) ANY ($3)) AND d.gw)
					   OR (b.by_addr AND ($3 IS NULL OR 'gateway_ip' OPERATOR(pg_catalog.=) ANY ($3))
						   AND (d.gw OR d.gw_ip))
			  ELSE (b.host IS NULL OR b.host OPERATOR(pg_catalog.=) b.domain OR b.by_name)
				   AND ((($3 IS NULL OR 'ns' OPERATOR(pg_catalog.=) ANY ($3)) AND d.ns)
						OR (($3 IS NULL OR 'ns_ip' OPERATOR(pg_catalog.=) ANY ($3)) AND d.ns_ip))
		  END
	$q$ USING tail_bounces.provider, tail_bounces.during, tail_bounces.layers, lo, hi;
END
$fn$;
COMMENT ON FUNCTION @extschema@.tail_bounces(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.interval) IS
	'the tail of an incident: unforgiven hard bounces of the horizon after its interval whose mail expired after failures that implicate the provider (layer tail:mx, tail:mx_ip, tail:gateway, tail:gateway_ip, tail:ns, tail:ns_ip, tail:domain)';

-- Per incident: how long its tail lasts (NULL: the setting
-- rebound.tail_horizon).  Returns the horizon now in force.
CREATE OR REPLACE FUNCTION @extschema@.set_tail_horizon(incident pg_catalog.int8,
	horizon pg_catalog.interval)
	RETURNS pg_catalog.interval
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	h pg_catalog.interval;
BEGIN
	IF set_tail_horizon.incident IS NULL THEN
		RAISE EXCEPTION 'an incident id is needed'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF set_tail_horizon.horizon < interval '0' THEN
		RAISE EXCEPTION 'invalid tail horizon "%"', set_tail_horizon.horizon
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The horizon is how long after the incident its tail lasts: zero or more, like ''2 days''; NULL for the setting rebound.tail_horizon.';
	END IF;
	UPDATE @extschema@.incident i SET tail_horizon = set_tail_horizon.horizon
	WHERE i.id OPERATOR(pg_catalog.=) set_tail_horizon.incident
	RETURNING COALESCE(i.tail_horizon, pg_catalog.current_setting('rebound.tail_horizon')::pg_catalog.interval)
	INTO h;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'incident % does not exist', set_tail_horizon.incident
			USING ERRCODE = 'undefined_object';
	END IF;
	RETURN h;
END
$$;
COMMENT ON FUNCTION @extschema@.set_tail_horizon(pg_catalog.int8, pg_catalog.interval) IS
	'set how long after an incident its tail lasts (NULL: the setting rebound.tail_horizon); returns the horizon in force';

-- Forgive (or, for a dry run, only list) the bounces an incident matches.
-- The ids are computed first, then one UPDATE without function calls
-- forgives those still unforgiven: under READ COMMITTED a concurrent
-- healer's rows are re-checked and skipped, so no bounce is forgiven twice
-- and each is returned by the call that forgave it.
--
-- Three statements, each of a form Citus runs on the shards:
--   1. the selection (incident_bounces, tail_bounces), into arrays: a
--      statement of function calls alone, which their own distributed
--      queries serve (as a CTE of the forgiving statement, Citus would
--      run them nested in its execution of that statement);
--   2. the UPDATE of those rows and the audit's INSERT (skipped in a dry
--      run), which return the rows forgiven;
--   3. reinstated: per bounce chosen, its address's hard bounces left
--      unforgiven (in a dry run, less the ones chosen) and recent soft
--      bounces, one index lookup each (a LATERAL aggregate grouped by
--      domain, which Citus sends to the shards).  After the UPDATE,
--      not in the same statement: Citus runs a data-modifying CTE
--      before the rest (no shared snapshot).
-- The rows travel as arrays, so that each statement is planned with
-- their actual number (a join on an UPDATE's RETURNING is estimated at
-- one row).
-- heal_bounces' second statement: forgives the chosen bounces still
-- unforgiven and writes the audit; returns the rows it forgave, column by
-- column as it was given them.
--
-- Each chosen bounce is found by the ledger's primary key, in the order
-- chosen (time): hash and merge joins are off for this function, because
-- with the actual number of rows (EXECUTE) the planner hashed the whole
-- ledger for a few thousand rows (2M rows read and spilled to disk to
-- forgive 21,671: 2.3 s against 1.1 s by key, test/bench/heal.sh).
CREATE OR REPLACE FUNCTION rebound_internal.heal_forgive(incident pg_catalog.int8,
		INOUT ids pg_catalog.int8[], INOUT domains pg_catalog.text[],
		INOUT addresses pg_catalog.text[], INOUT sources pg_catalog.text[],
		INOUT moments pg_catalog.timestamptz[], INOUT reasons @extschema@.reason[],
		INOUT layer_of pg_catalog.text[])
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	AS $fn$
BEGIN
	-- EXECUTE ... USING: planned with the actual number of rows
	EXECUTE $q$
	WITH m AS MATERIALIZED (
		SELECT * FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),
								 pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),
								 pg_catalog.unnest($8))
			AS m(bounce_id, domain, address, source, occurred_at, reason, layer)
	), f AS (
		UPDATE @extschema@.bounce b SET forgiven_by = $1
		FROM m
		WHERE b.domain OPERATOR(pg_catalog.=) m.domain AND b.id OPERATOR(pg_catalog.=) m.bounce_id
		  AND b.forgiven_by IS NULL
		RETURNING m.*
	), logged AS (
		-- at: this transaction's start on the coordinator, which
		-- outbox_reinstate looks for (a worker's now() is its own)
		INSERT INTO @extschema@.audit (incident, bounce_id, domain, address, action, layer, at, actor)
		SELECT $1, c.bounce_id, c.domain, c.address, 'forgive', c.layer, $10, $9
		FROM f c
		RETURNING bounce_id, domain, address, layer
	)
	SELECT pg_catalog.array_agg(c.bounce_id), pg_catalog.array_agg(c.domain),
		   pg_catalog.array_agg(c.address), pg_catalog.array_agg(c.source),
		   pg_catalog.array_agg(c.occurred_at), pg_catalog.array_agg(c.reason),
		   pg_catalog.array_agg(c.layer)
	FROM f c
	$q$ INTO ids, domains, addresses, sources, moments, reasons, layer_of
	USING heal_forgive.incident, ids, domains, addresses, sources, moments, reasons, layer_of,
		  rebound_internal.invoker(), pg_catalog.now();
END
$fn$;
COMMENT ON FUNCTION rebound_internal.heal_forgive(pg_catalog.int8, pg_catalog.int8[], pg_catalog.text[], pg_catalog.text[], pg_catalog.text[], pg_catalog.timestamptz[], @extschema@.reason[], pg_catalog.text[]) IS
	'unharden()''s forgiving statement: forgive the chosen bounces still unforgiven, audit them, return them';

-- heal_bounces' third statement: the chosen rows with, for each, whether
-- its address is reinstated.  In a dry run the chosen bounces are still
-- unforgiven, and counted among hard_left; after forgiving they are not.
-- The bounce itself is in its address's group (forgiven or not), so that
-- the group is never empty: the inner LATERAL join, which Citus sends to
-- the shards, keeps every row.
CREATE OR REPLACE FUNCTION rebound_internal.heal_reinstated(ids pg_catalog.int8[], domains pg_catalog.text[],
		addresses pg_catalog.text[], sources pg_catalog.text[], moments pg_catalog.timestamptz[],
		reasons @extschema@.reason[], layer_of pg_catalog.text[],
		dry_run pg_catalog.bool)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
	AS $fn$
DECLARE
	-- the soft-bounce policy, read once
	soft_limit pg_catalog.int4 := COALESCE(pg_catalog.current_setting('rebound.soft_bounce_limit', true)::pg_catalog.int4, 5);
	soft_days pg_catalog.int4 := COALESCE(pg_catalog.current_setting('rebound.soft_bounce_days', true)::pg_catalog.int4, 30);
BEGIN
	RETURN QUERY EXECUTE $q$
	SELECT c.bounce_id, c.address, c.source, c.occurred_at, c.reason, c.layer,
		   x.hard_left OPERATOR(pg_catalog.=)
			   CASE WHEN $8 THEN pg_catalog.count(*) OVER (PARTITION BY c.domain, c.address) ELSE 0 END
		   AND NOT ($9 OPERATOR(pg_catalog.>) 0 AND x.soft_recent OPERATOR(pg_catalog.>=) $9)
	FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3),
					pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6),
					pg_catalog.unnest($7))
		 AS c(bounce_id, domain, address, source, occurred_at, reason, layer)
	CROSS JOIN LATERAL (
		SELECT pg_catalog.count(*) FILTER (WHERE o.hard AND o.forgiven_by IS NULL) AS hard_left,
			   pg_catalog.count(*) FILTER (
				   WHERE NOT o.hard AND o.forgiven_by IS NULL
					 AND (o.severity OPERATOR(pg_catalog.=) 'soft'
						  OR o.source_severity OPERATOR(pg_catalog.=) 'soft')
					 AND o.occurred_at OPERATOR(pg_catalog.>) $10
					 AND o.occurred_at OPERATOR(pg_catalog.<=) $11) AS soft_recent
		FROM @extschema@.bounce o
		WHERE o.domain OPERATOR(pg_catalog.=) c.domain
		  AND o.address OPERATOR(pg_catalog.=) c.address
		  AND (o.forgiven_by IS NULL OR o.id OPERATOR(pg_catalog.=) c.bounce_id)
		-- one group, the address's domain: Citus pushes a LATERAL
		-- aggregate down only grouped by the distribution key
		GROUP BY o.domain) x
	ORDER BY c.occurred_at, c.bounce_id
	$q$ USING ids, domains, addresses, sources, moments, reasons, layer_of,
			  heal_reinstated.dry_run, soft_limit,
			  pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(days => soft_days),
			  pg_catalog.now();
END
$fn$;
COMMENT ON FUNCTION rebound_internal.heal_reinstated(pg_catalog.int8[], pg_catalog.text[], pg_catalog.text[], pg_catalog.text[], pg_catalog.timestamptz[], @extschema@.reason[], pg_catalog.text[], pg_catalog.bool) IS
	'unharden()''s last statement: the chosen bounces, each with whether its address is reinstated';

CREATE OR REPLACE FUNCTION rebound_internal.heal_bounces(
	incident pg_catalog.int8, provider pg_catalog.text, during pg_catalog.tstzrange,
	layers pg_catalog.text[], dry_run pg_catalog.bool)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $fn$
DECLARE
	-- the bounces chosen, column by column
	ids pg_catalog.int8[];
	domains pg_catalog.text[];
	addresses pg_catalog.text[];
	sources pg_catalog.text[];
	moments pg_catalog.timestamptz[];
	reasons @extschema@.reason[];
	layer_of pg_catalog.text[];
	-- the incident's own tail horizon (NULL: the setting), read first so
	-- that the selection is sent its value
	horizon pg_catalog.interval;
BEGIN
	SELECT i.tail_horizon INTO horizon FROM @extschema@.incident i
	WHERE i.id OPERATOR(pg_catalog.=) heal_bounces.incident;

	-- 1. the selection: the incident's bounces and its tail (issue 18)
	SELECT pg_catalog.array_agg(m.bounce_id), pg_catalog.array_agg(m.domain),
		   pg_catalog.array_agg(m.address), pg_catalog.array_agg(m.source),
		   pg_catalog.array_agg(m.occurred_at), pg_catalog.array_agg(m.reason),
		   pg_catalog.array_agg(m.layer)
	INTO ids, domains, addresses, sources, moments, reasons, layer_of
	FROM (SELECT * FROM @extschema@.incident_bounces(heal_bounces.provider, heal_bounces.during,
													 heal_bounces.layers)
		  UNION ALL
		  SELECT * FROM @extschema@.tail_bounces(heal_bounces.provider, heal_bounces.during,
												 heal_bounces.layers, horizon)) m;
	-- 2. forgive those still unforgiven, and say so in the audit
	IF ids IS NOT NULL AND NOT heal_bounces.dry_run THEN
		SELECT * INTO ids, domains, addresses, sources, moments, reasons, layer_of
		FROM rebound_internal.heal_forgive(heal_bounces.incident, ids, domains, addresses,
										   sources, moments, reasons, layer_of);
	END IF;
	IF ids IS NULL THEN
		RETURN;
	END IF;
	-- 3. reinstated
	RETURN QUERY
	SELECT * FROM rebound_internal.heal_reinstated(ids, domains, addresses, sources, moments,
												   reasons, layer_of, heal_bounces.dry_run);
END
$fn$;
COMMENT ON FUNCTION rebound_internal.heal_bounces(pg_catalog.int8, pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.bool) IS
	'the work of unharden(): forgive the bounces an incident matches (or list them, for a dry run) and say which addresses are reinstated';

CREATE OR REPLACE FUNCTION @extschema@.unharden(incident pg_catalog.int8, dry_run pg_catalog.bool DEFAULT false)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
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
	SELECT * FROM rebound_internal.heal_bounces(inc.id, inc.provider, inc.during, inc.layers, unharden.dry_run);
	-- tell the flows, in this transaction (src/sql/code/outbox.sql)
	IF NOT unharden.dry_run THEN
		PERFORM rebound_internal.outbox_reinstate(inc.id);
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.unharden(pg_catalog.int8, pg_catalog.bool) IS
	'forgive the hard bounces of an incident (or list them, for a dry run); returns what this call forgave';

CREATE OR REPLACE FUNCTION @extschema@.unharden(provider pg_catalog.text, during pg_catalog.tstzrange,
	dry_run pg_catalog.bool DEFAULT false)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF unharden.dry_run THEN
		-- nothing is written, not even the incident
		PERFORM rebound_internal.check_incident(unharden.provider, unharden.during, NULL);
		RETURN QUERY
		SELECT * FROM rebound_internal.heal_bounces(NULL, unharden.provider, unharden.during, NULL, true);
	ELSE
		RETURN QUERY
		SELECT * FROM @extschema@.unharden(
			rebound_internal.incident_declare(unharden.provider, unharden.during, NULL, NULL, 'manual'), false);
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.unharden(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.bool) IS
	'declare an incident of every layer of a provider and heal it in one call (a dry run declares nothing)';

CREATE OR REPLACE FUNCTION @extschema@.reharden(incident pg_catalog.int8)
	RETURNS TABLE (bounce_id pg_catalog.int8, address pg_catalog.text, source pg_catalog.text,
				   occurred_at pg_catalog.timestamptz, reason @extschema@.reason,
				   layer pg_catalog.text, reinstated pg_catalog.bool)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	inc @extschema@.incident;
	at_now pg_catalog.timestamptz := pg_catalog.now();
BEGIN
	IF reharden.incident IS NULL THEN
		RAISE EXCEPTION 'an incident id is needed'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- Citus: the incident is withdrawn after the ledger's shards are
	-- written, allowed over one connection per node only
	PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
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
		-- at: as in heal_bounces, the coordinator's, for outbox_reharden
		INSERT INTO @extschema@.audit (incident, bounce_id, domain, address, action, layer, at, actor)
		SELECT inc.id, r.id, r.domain, r.address, 'reharden', r.layer, at_now, rebound_internal.invoker() FROM r
		RETURNING 1
	)
	SELECT r.id, r.address, r.source, r.occurred_at, r.reason, r.layer, false
	FROM r ORDER BY r.occurred_at, r.id;
	UPDATE @extschema@.incident i SET withdrawn_at = pg_catalog.now(), withdrawn_by = rebound_internal.invoker()
	WHERE i.id OPERATOR(pg_catalog.=) inc.id AND i.withdrawn_at IS NULL;
	-- tell the flows, in this transaction (src/sql/code/outbox.sql)
	PERFORM rebound_internal.outbox_reharden(inc.id);
END
$$;
COMMENT ON FUNCTION @extschema@.reharden(pg_catalog.int8) IS
	'undo exactly what an incident forgave and withdraw it; returns the bounces hardened again';

-- ---------------------------------------------------------------------------
-- Privileges (README, "Security")
-- ---------------------------------------------------------------------------

-- The ledger, the incidents and the audit are written only through these
-- SECURITY DEFINER entry points, which compute what a writer must not
-- choose (domain, classification, forgiveness, actor): nobody gets a
-- write grant on the tables.  Each entry point is granted to the roles
-- that record or heal; the internal ones to nobody.
REVOKE ALL ON FUNCTION @extschema@.record_bounce(pg_catalog.text, pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text, @extschema@.severity) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.capture_bounce() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.declare_incident(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.unharden(pg_catalog.int8, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.unharden(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.reharden(pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.set_tail_horizon(pg_catalog.int8, pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.incident_declare(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.heal_bounces(pg_catalog.int8, pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.heal_forgive(pg_catalog.int8, pg_catalog.int8[], pg_catalog.text[], pg_catalog.text[], pg_catalog.text[], pg_catalog.timestamptz[], @extschema@.reason[], pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.heal_reinstated(pg_catalog.int8[], pg_catalog.text[], pg_catalog.text[], pg_catalog.text[], pg_catalog.timestamptz[], @extschema@.reason[], pg_catalog.text[], pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.suppressed_among(pg_catalog.text[], pg_catalog.text[]) FROM PUBLIC;
