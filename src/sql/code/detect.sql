-- src/sql/code/detect.sql: incident detection and unattended healing (heal, heal_log, the flow view).
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

-- ===========================================================================
-- Incident detection and unattended healing
-- ===========================================================================

-- Settings: rebound.detect_bucket, rebound.detect_min_count,
-- rebound.detect_threshold, rebound.detect_baseline_days,
-- rebound.detect_baseline_weeks (defined by the module; README, "Incident
-- detection").  Read through this function so that the module is loaded
-- and the values typed.
CREATE OR REPLACE FUNCTION @extschema@.detect_settings(
		OUT bucket pg_catalog.interval,
		OUT min_count pg_catalog.int4,
		OUT threshold pg_catalog.float8,
		OUT baseline_days pg_catalog.int4,
		OUT baseline_weeks pg_catalog.int4)
	AS 'MODULE_PATHNAME', 'rebound_detect_settings'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detect_settings() IS
	'current settings of incident detection';

CREATE OR REPLACE FUNCTION @extschema@.failure_kind(diagnostic pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_failure_kind'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.failure_kind(pg_catalog.text) IS
	'dns when a diagnostic reports a failed name lookup, connection when the mail server could not be reached, NULL otherwise';

CREATE OR REPLACE FUNCTION @extschema@.poisson_score(n pg_catalog.int8, lambda pg_catalog.float8)
	RETURNS pg_catalog.float8
	AS 'MODULE_PATHNAME', 'rebound_poisson_score'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.poisson_score(pg_catalog.int8, pg_catalog.float8) IS
	'-log10 of the probability of n or more events when lambda are expected (Poisson upper tail)';

-- The evidence: every hard bounce flagged as an infrastructure failure,
-- charged to each provider its domain depended on, at the time of the
-- bounce, through a layer the failure implicates.  A DNS failure
-- implicates the DNS hosts (ns, ns_ip), a connection failure the mail
-- hosts (mx, mx_ip, or gateway, gateway_ip when the MX is a security
-- gateway), and a provider's own domains (layer domain) are
-- implicated by any failure.  A failure whose text names neither accuses
-- no host: precision first.  The provider map is read once per domain and per
-- stretch of time in which its rows in domain_host and host_address do not
-- change, not once per bounce.
CREATE OR REPLACE FUNCTION @extschema@.incident_signal(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz)
	RETURNS TABLE (bounce_id pg_catalog.int8, provider pg_catalog.text,
		layer pg_catalog.text, domain pg_catalog.text,
		occurred_at pg_catalog.timestamptz, kind pg_catalog.text)
	LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
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
	-- what domain_providers(domain, lo) says for each stretch, as joins
	-- rather than a call per stretch: set-based on one node (the function
	-- is PL/pgSQL, never inlined), and on Citus a join on the domain the
	-- shards run instead of a router query per stretch
	dep AS (
		SELECT u.* FROM (
		SELECT s.domain, s.lo, s.hi,
			   @extschema@.domain_provider(@extschema@.normalize_domain(s.domain)) AS provider,
			   'domain'::pg_catalog.text AS layer
		FROM seg s
		UNION ALL
		SELECT s.domain, s.lo, s.hi, @extschema@.host_provider(h.host),
			   @extschema@.host_layer(h.host, h.role)
		FROM seg s
		JOIN @extschema@.domain_host h
		  ON h.domain OPERATOR(pg_catalog.=) @extschema@.normalize_domain(s.domain)
		 AND h.observed OPERATOR(pg_catalog.@>) s.lo
		WHERE h.host OPERATOR(pg_catalog.<>) ALL ('{"",.}'::pg_catalog.text[])
		UNION ALL
		SELECT s.domain, s.lo, s.hi, @extschema@.ip_provider(a.addr),
			   @extschema@.host_layer(h.host, h.role) OPERATOR(pg_catalog.||) '_ip'
		FROM seg s
		JOIN @extschema@.domain_host h
		  ON h.domain OPERATOR(pg_catalog.=) @extschema@.normalize_domain(s.domain)
		 AND h.observed OPERATOR(pg_catalog.@>) s.lo
		JOIN @extschema@.host_address a
		  ON a.host OPERATOR(pg_catalog.=) h.host AND a.observed OPERATOR(pg_catalog.@>) s.lo
		WHERE h.host OPERATOR(pg_catalog.<>) ALL ('{"",.}'::pg_catalog.text[])
		  AND a.addr IS NOT NULL) u
		WHERE u.provider IS NOT NULL
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
		   AND dep.layer OPERATOR(pg_catalog.=) ANY ('{gateway,gateway_ip,mx,mx_ip}'::pg_catalog.text[]))
	ORDER BY sig.id, dep.provider,
			 pg_catalog.array_position('{domain,ns,ns_ip,gateway,gateway_ip,mx,mx_ip}'::pg_catalog.text[], dep.layer);
END
$body$;
COMMENT ON FUNCTION @extschema@.incident_signal(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'infrastructure hard bounces of an interval, each charged to the providers it implicates and the layer through which it does';

-- What detection counts, per provider and bucket, over stretches of time
-- [lo[i], hi[i]): the signal bounces (incident_signal), the count judged
-- (each customer domain once per bucket, the provider's own domains in
-- full), the first and last of them and the layers as bits (domain 1,
-- gateway 2, gateway_ip 4, mx 8, mx_ip 16, ns 32, ns_ip 64); and, with a
-- NULL provider, the sending volume of each bucket (hard bounces that are
-- not infrastructure failures).  Buckets are numbered floor(epoch / width).
-- The one counting query: detection runs it over what the summary does not
-- hold, and the summariser (detect_summarise) stores its rows.  Internal.
CREATE OR REPLACE FUNCTION rebound_internal.detect_counts(lo pg_catalog.timestamptz[],
		hi pg_catalog.timestamptz[], width pg_catalog.float8)
	RETURNS TABLE (provider pg_catalog.text, bucket pg_catalog.int8,
		bounces pg_catalog.int8, counted pg_catalog.int8,
		first_at pg_catalog.timestamptz, last_at pg_catalog.timestamptz,
		layer_bits pg_catalog.int4)
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
AS $body$
BEGIN
	-- PL/pgSQL, not SQL: Citus plans no SQL function's parameters
	RETURN QUERY
	WITH r AS MATERIALIZED (
		SELECT r.lo, r.hi FROM ROWS FROM (pg_catalog.unnest(lo), pg_catalog.unnest(hi)) r(lo, hi)
	), sig AS (
		SELECT s.provider, s.layer, s.domain, s.occurred_at,
			   pg_catalog.floor(pg_catalog.date_part('epoch', s.occurred_at) / width)::pg_catalog.int8 AS b
		FROM r, LATERAL @extschema@.incident_signal(r.lo, r.hi) s
	), per_domain AS (
		SELECT s.provider, s.b, s.domain,
			   pg_catalog.bool_or(s.layer = 'domain') AS own,
			   pg_catalog.count(*) AS n,
			   pg_catalog.min(s.occurred_at) AS t0,
			   pg_catalog.max(s.occurred_at) AS t1,
			   pg_catalog.bit_or(CASE WHEN s.layer = 'domain' THEN 1
				   WHEN s.layer = 'gateway' THEN 2
				   WHEN s.layer = 'gateway_ip' THEN 4
				   WHEN s.layer = 'mx' THEN 8
				   WHEN s.layer = 'mx_ip' THEN 16
				   WHEN s.layer = 'ns' THEN 32
				   WHEN s.layer = 'ns_ip' THEN 64 ELSE 0 END) AS layer_bits
		FROM sig s
		GROUP BY s.provider, s.b, s.domain
	)
	SELECT k.provider, k.b, pg_catalog.sum(k.n)::pg_catalog.int8,
		   pg_catalog.sum(CASE WHEN k.own THEN k.n ELSE 1 END)::pg_catalog.int8,
		   pg_catalog.min(k.t0), pg_catalog.max(k.t1), pg_catalog.bit_or(k.layer_bits)
	FROM per_domain k
	GROUP BY k.provider, k.b
	UNION ALL
	SELECT NULL,
		   pg_catalog.floor(pg_catalog.date_part('epoch', x.occurred_at) / width)::pg_catalog.int8,
		   pg_catalog.count(*), NULL, NULL, NULL, NULL
	FROM r JOIN @extschema@.bounce x
	  ON x.occurred_at >= r.lo AND x.occurred_at < r.hi
	WHERE x.hard AND x.infrastructure IS NOT TRUE
	GROUP BY 2;
END
$body$;
COMMENT ON FUNCTION rebound_internal.detect_counts(pg_catalog.timestamptz[], pg_catalog.timestamptz[], pg_catalog.float8) IS
	'what incident detection counts per provider and bucket over stretches of time, and the sending volume per bucket (provider NULL)';

-- ---------------------------------------------------------------------------
-- The detection summary (issue 13; tables in src/sql/schema/detect.sql)
-- ---------------------------------------------------------------------------
--
-- detect_counts' rows for closed buckets, kept so that a heal run reads
-- the new bounces and a small table of counts instead of the weeks of
-- ledger and provider map its baselines need.  Correct by construction:
--
-- - each change of what the counts depend on marks the stretch it makes
--   stale in detect_dirty, in the writer's own transaction (detect_mark,
--   triggers below): a hard bounce inserted, deleted or changed in a
--   column that counts (its bucket), a row of the provider map (the part of
--   its interval that changed), the catalogue (all of time).  Detection
--   leaves marked buckets to the ledger; the next summariser run counts
--   them again.  Forgiving a bounce changes nothing that counts.
-- - the summariser claims the buckets it will count (detect_claim), under a
--   lock that waits for every writer still in flight; from then on writers
--   mark every row before the claimed end.  It then counts them in a later
--   transaction (detect_summarise), whose snapshot sees every writer that
--   did not mark.  So no row is lost: it is in the counts or marked.
-- - the counts are kept for one bucket width: another width starts over.
-- - buckets end an hour (the settle margin) before the claim, so that the
--   bounces of the last hour, often late, are not marks but ledger.
--
-- rebound.heal claims at the end of each run (heal_tails) and counts at
-- the start of the next (heal_begin).  rebound.detect_rebuild empties it.
-- rebound.detect_summary = off makes detection ignore it (a full count).

-- The whole buckets the summary holds for a width, less those marked
-- stale, as sorted disjoint ranges of bucket numbers.  Internal: read by
-- detection as the extension's owner, once the caller was found allowed
-- to read the ledger and the provider map.
CREATE OR REPLACE FUNCTION rebound_internal.detect_covered(width pg_catalog.int4)
	RETURNS TABLE (lo pg_catalog.int8, hi pg_catalog.int8)
	LANGUAGE sql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
AS $body$
	SELECT pg_catalog.lower(r), pg_catalog.upper(r)
	FROM @extschema@.detect_summary s,
		 LATERAL pg_catalog.unnest(
			pg_catalog.int8multirange(pg_catalog.int8range(
				pg_catalog.floor(pg_catalog.date_part('epoch', s.summarised_from) / width)::pg_catalog.int8,
				pg_catalog.floor(pg_catalog.date_part('epoch', s.summarised_to) / width)::pg_catalog.int8))
			- COALESCE((SELECT pg_catalog.range_agg(pg_catalog.int8range(
							CASE WHEN NOT pg_catalog.lower_inf(d.during) AND pg_catalog.isfinite(pg_catalog.lower(d.during))
								 THEN pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.lower(d.during)) / width)::pg_catalog.int8 END,
							CASE WHEN NOT pg_catalog.upper_inf(d.during) AND pg_catalog.isfinite(pg_catalog.upper(d.during))
								 THEN pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.upper(d.during)) / width)::pg_catalog.int8 + 1 END))
						FROM @extschema@.detect_dirty d),
					   '{}'::pg_catalog.int8multirange)) r
	WHERE s.bucket_seconds = width AND s.summarised_to IS NOT NULL
	ORDER BY 1
$body$;
COMMENT ON FUNCTION rebound_internal.detect_covered(pg_catalog.int4) IS
	'the buckets of a width the detection summary holds and no change made stale, as ranges of bucket numbers';

-- The summarised rows of the buckets in [lo[i], hi[i]), in detect_counts'
-- form.  Internal, read as detect_covered is.
CREATE OR REPLACE FUNCTION rebound_internal.detect_summary_rows(width pg_catalog.int4,
		lo pg_catalog.int8[], hi pg_catalog.int8[])
	RETURNS TABLE (provider pg_catalog.text, bucket pg_catalog.int8,
		bounces pg_catalog.int8, counted pg_catalog.int8,
		first_at pg_catalog.timestamptz, last_at pg_catalog.timestamptz,
		layer_bits pg_catalog.int4)
	LANGUAGE sql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
AS $body$
	WITH r AS MATERIALIZED (
		SELECT r.lo, r.hi FROM ROWS FROM (pg_catalog.unnest(lo), pg_catalog.unnest(hi)) r(lo, hi)
	)
	SELECT NULL::pg_catalog.text, v.bucket, v.bounces, NULL::pg_catalog.int8,
		   NULL::pg_catalog.timestamptz, NULL::pg_catalog.timestamptz, NULL::pg_catalog.int4
	FROM r JOIN @extschema@.detect_volume v
	  ON v.bucket_seconds = width AND v.bucket >= r.lo AND v.bucket < r.hi
	UNION ALL
	SELECT c.provider, c.bucket, c.bounces, c.counted, c.first_at, c.last_at, c.layer_bits
	FROM r JOIN @extschema@.detect_count c
	  ON c.bucket_seconds = width AND c.bucket >= r.lo AND c.bucket < r.hi
$body$;
COMMENT ON FUNCTION rebound_internal.detect_summary_rows(pg_catalog.int4, pg_catalog.int8[], pg_catalog.int8[]) IS
	'the detection summary''s counts of the buckets in the given ranges, as detect_counts returns them';

-- The marking trigger (src/glue/detect_summary.c): takes ROW EXCLUSIVE on
-- detect_summary until the writer commits, and marks in detect_dirty what
-- the row changes before the summarised or claimed end.  Argument:
-- 'bounce' (row trigger on the ledger), 'history' (row trigger on
-- domain_host, host_address; further arguments name the key columns), or
-- 'all' (statement trigger: the catalogue, TRUNCATE).
CREATE OR REPLACE FUNCTION rebound_internal.detect_mark()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_detect_mark'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION rebound_internal.detect_mark() IS
	'trigger: marks the stretch of time a change of the ledger, the provider map or the catalogue makes stale in the detection summary';

-- Forgets what this session's marking trigger remembers of the summary in
-- the current transaction (the claimed end, the buckets marked): the
-- summariser's functions call it after they change the summary.
CREATE OR REPLACE FUNCTION rebound_internal.detect_forget()
	RETURNS void
	AS 'MODULE_PATHNAME', 'rebound_detect_forget'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION rebound_internal.detect_forget() IS
	'resets the marking trigger''s memory of the detection summary in this transaction';

CREATE OR REPLACE TRIGGER detect_mark
	BEFORE INSERT OR DELETE OR UPDATE OF occurred_at, domain, diagnostic, severity, source_severity, infrastructure
	ON @extschema@.bounce
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.detect_mark('bounce');
CREATE OR REPLACE TRIGGER detect_mark_truncate BEFORE TRUNCATE ON @extschema@.bounce
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.detect_mark('all');
CREATE OR REPLACE TRIGGER detect_mark
	BEFORE INSERT OR DELETE OR UPDATE OF domain, role, host, observed
	ON @extschema@.domain_host
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.detect_mark('history', 'domain', 'role', 'host');
CREATE OR REPLACE TRIGGER detect_mark_truncate BEFORE TRUNCATE ON @extschema@.domain_host
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.detect_mark('all');
CREATE OR REPLACE TRIGGER detect_mark
	BEFORE INSERT OR DELETE OR UPDATE OF host, addr, observed
	ON @extschema@.host_address
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.detect_mark('history', 'host', 'addr');
CREATE OR REPLACE TRIGGER detect_mark_truncate BEFORE TRUNCATE ON @extschema@.host_address
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.detect_mark('all');
-- which provider a domain, host or address belongs to: all of history
CREATE OR REPLACE TRIGGER detect_mark
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.provider
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.detect_mark('all');
CREATE OR REPLACE TRIGGER detect_mark
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.provider_rule
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.detect_mark('all');
CREATE OR REPLACE TRIGGER detect_mark
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.as_prefix
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.detect_mark('all');

-- Whether detection keeps and reads its summary: rebound.detect_summary,
-- and never on a Citus cluster (the marks would be written on the
-- workers).  Internal.
CREATE OR REPLACE FUNCTION rebound_internal.detect_summary_on()
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'rebound_detect_summary_on'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION rebound_internal.detect_summary_on() IS
	'whether detection keeps and reads the summary of its counts (rebound.detect_summary, and not on Citus)';

-- Claims the whole buckets from since to an hour before until for the
-- summary (and the stretch it already holds): takes SHARE ROW EXCLUSIVE on
-- detect_summary, which waits for the writers in flight, without
-- queueing (NOWAIT, retried for about a second: a queued lock would stop
-- every writer behind it); records the claim, and starts over when the
-- bucket width changed.  Returns whether it claimed.  The claim must
-- commit before detect_summarise counts.  Internal (heal_tails).
CREATE OR REPLACE FUNCTION rebound_internal.detect_claim(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz)
	RETURNS pg_catalog.bool
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
	w pg_catalog.int4;
	lo pg_catalog.timestamptz;
	hi pg_catalog.timestamptz;
	st record;
	locked boolean := false;
BEGIN
	IF pg_catalog.pg_is_in_recovery() OR since IS NULL OR until IS NULL
	   OR NOT rebound_internal.detect_summary_on() THEN
		RETURN false;
	END IF;
	SELECT pg_catalog.date_part('epoch', s.bucket)::pg_catalog.int4 INTO w FROM @extschema@.detect_settings() s;
	lo := pg_catalog.to_timestamp(pg_catalog.floor(pg_catalog.date_part('epoch', since) / w) * w);
	hi := pg_catalog.to_timestamp(pg_catalog.floor(pg_catalog.date_part('epoch', until - interval '1 hour') / w) * w);
	IF hi <= lo THEN
		RETURN false;
	END IF;
	FOR i IN 1 .. 50 LOOP
		BEGIN
			LOCK TABLE @extschema@.detect_summary IN SHARE ROW EXCLUSIVE MODE NOWAIT;
			locked := true;
		EXCEPTION WHEN lock_not_available THEN
			PERFORM pg_catalog.pg_sleep(0.02);
		END;
		EXIT WHEN locked;
	END LOOP;
	IF NOT locked THEN
		RAISE DEBUG 'rebound: detection summary not claimed, writers kept it locked';
		RETURN false;
	END IF;
	SELECT * INTO st FROM @extschema@.detect_summary;
	IF st.bucket_seconds IS DISTINCT FROM w THEN
		DELETE FROM @extschema@.detect_count;
		DELETE FROM @extschema@.detect_volume;
		DELETE FROM @extschema@.detect_dirty;
		UPDATE @extschema@.detect_summary
		SET bucket_seconds = w, summarised_from = NULL, summarised_to = NULL,
			claimed_from = NULL, claimed_to = NULL;
		st.summarised_from := NULL;
		st.summarised_to := NULL;
		st.claimed_from := NULL;
		st.claimed_to := NULL;
	END IF;
	UPDATE @extschema@.detect_summary
	SET claimed_from = LEAST(lo, st.summarised_from, st.claimed_from),
		claimed_to = GREATEST(hi, st.summarised_to, st.claimed_to);
	PERFORM rebound_internal.detect_forget();
	RETURN true;
END
$body$;
COMMENT ON FUNCTION rebound_internal.detect_claim(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'claims buckets for the detection summary, once the writers in flight have committed; detect_summarise counts them in a later transaction';

-- Counts the buckets of todo (ranges of bucket numbers of width w) again
-- with detect_counts and stores their rows in place of the old ones.
-- Internal (detect_summarise).
CREATE OR REPLACE FUNCTION rebound_internal.detect_store(todo pg_catalog.int8multirange,
		w pg_catalog.int4)
	RETURNS void
	LANGUAGE sql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	-- the rows of the buckets to count again (the claim removed those of
	-- another width), through the primary key's ranges
	DELETE FROM @extschema@.detect_count c
	USING pg_catalog.unnest(todo) x
	WHERE c.bucket_seconds = w
	  AND c.bucket >= pg_catalog.lower(x) AND c.bucket < pg_catalog.upper(x);
	DELETE FROM @extschema@.detect_volume v
	USING pg_catalog.unnest(todo) x
	WHERE v.bucket_seconds = w
	  AND v.bucket >= pg_catalog.lower(x) AND v.bucket < pg_catalog.upper(x);
	WITH r AS (
		SELECT pg_catalog.to_timestamp(pg_catalog.lower(x) * w::pg_catalog.float8) AS lo,
			   pg_catalog.to_timestamp(pg_catalog.upper(x) * w::pg_catalog.float8) AS hi
		FROM pg_catalog.unnest(todo) x
	), c AS MATERIALIZED (
		SELECT k.* FROM rebound_internal.detect_counts(ARRAY(SELECT r.lo FROM r ORDER BY r.lo),
												  ARRAY(SELECT r.hi FROM r ORDER BY r.lo), w) k
		WHERE todo @> k.bucket
	), v AS (
		INSERT INTO @extschema@.detect_volume (bucket_seconds, bucket, bounces)
		SELECT w, c.bucket, c.bounces FROM c WHERE c.provider IS NULL
	)
	INSERT INTO @extschema@.detect_count (bucket_seconds, bucket, provider, bounces,
		counted, first_at, last_at, layer_bits)
	SELECT w, c.bucket, c.provider, c.bounces, c.counted, c.first_at, c.last_at, c.layer_bits
	FROM c WHERE c.provider IS NOT NULL;
END;
COMMENT ON FUNCTION rebound_internal.detect_store(pg_catalog.int8multirange, pg_catalog.int4) IS
	'counts buckets of the detection summary again and stores their rows';

-- Counts what the last claim added and what was marked stale since the
-- last run, with detect_counts, into detect_count and detect_volume;
-- consumes the marks it saw.  Returns the number of stretches counted,
-- NULL when another run holds the summary.  Internal (heal_begin,
-- detect_rebuild).
CREATE OR REPLACE FUNCTION rebound_internal.detect_summarise()
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
	st record;
	w pg_catalog.int4;
	stale pg_catalog.int8multirange;
	valid pg_catalog.int8multirange;
	todo pg_catalog.int8multirange;
	n pg_catalog.int8;
BEGIN
	IF NOT rebound_internal.detect_summary_on() THEN
		RETURN 0;
	END IF;
	BEGIN
		SELECT * INTO st FROM @extschema@.detect_summary FOR UPDATE NOWAIT;
	EXCEPTION WHEN lock_not_available THEN
		RETURN NULL;
	END;
	IF st.claimed_to IS NULL THEN
		RETURN 0;
	END IF;
	w := st.bucket_seconds;
	-- the marks this snapshot sees; later ones stay for readers and the next run
	WITH gone AS (DELETE FROM @extschema@.detect_dirty RETURNING during)
	SELECT pg_catalog.range_agg(pg_catalog.int8range(
			CASE WHEN NOT pg_catalog.lower_inf(g.during) AND pg_catalog.isfinite(pg_catalog.lower(g.during))
				 THEN pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.lower(g.during)) / w)::pg_catalog.int8 END,
			CASE WHEN NOT pg_catalog.upper_inf(g.during) AND pg_catalog.isfinite(pg_catalog.upper(g.during))
				 THEN pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.upper(g.during)) / w)::pg_catalog.int8 + 1 END))
	INTO stale FROM gone g;
	valid := CASE WHEN st.summarised_to IS NULL THEN '{}'::pg_catalog.int8multirange
			 ELSE pg_catalog.int8multirange(pg_catalog.int8range(
				pg_catalog.floor(pg_catalog.date_part('epoch', st.summarised_from) / w)::pg_catalog.int8,
				pg_catalog.floor(pg_catalog.date_part('epoch', st.summarised_to) / w)::pg_catalog.int8))
				- COALESCE(stale, '{}') END;
	todo := pg_catalog.int8multirange(pg_catalog.int8range(
				pg_catalog.floor(pg_catalog.date_part('epoch', st.claimed_from) / w)::pg_catalog.int8,
				pg_catalog.floor(pg_catalog.date_part('epoch', st.claimed_to) / w)::pg_catalog.int8))
			- valid;
	PERFORM rebound_internal.detect_store(todo, w);
	UPDATE @extschema@.detect_summary
	SET summarised_from = st.claimed_from, summarised_to = st.claimed_to,
		claimed_from = NULL, claimed_to = NULL, summarised_at = pg_catalog.now();
	PERFORM rebound_internal.detect_forget();
	SELECT pg_catalog.count(*) INTO n FROM pg_catalog.unnest(todo);
	RETURN n;
END
$body$;
COMMENT ON FUNCTION rebound_internal.detect_summarise() IS
	'counts the claimed and the stale buckets of the detection summary';

-- Empties the detection summary (after a change it cannot see, such as a
-- new version of failure_kind's phrases); with since, fills it again at
-- once from there to an hour ago, in this transaction, which holds back
-- the writers of bounces meanwhile.  Without, rebound.heal fills it over
-- its next two runs.
CREATE OR REPLACE FUNCTION @extschema@.detect_rebuild(since pg_catalog.timestamptz DEFAULT NULL)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $body$
BEGIN
	LOCK TABLE @extschema@.detect_summary IN SHARE ROW EXCLUSIVE MODE;
	DELETE FROM @extschema@.detect_count;
	DELETE FROM @extschema@.detect_volume;
	DELETE FROM @extschema@.detect_dirty;
	UPDATE @extschema@.detect_summary
	SET bucket_seconds = NULL, summarised_from = NULL, summarised_to = NULL,
		claimed_from = NULL, claimed_to = NULL, summarised_at = NULL;
	PERFORM rebound_internal.detect_forget();
	IF since IS NULL OR NOT rebound_internal.detect_claim(since, pg_catalog.now()) THEN
		RETURN 0;
	END IF;
	RETURN rebound_internal.detect_summarise();
END
$body$;
COMMENT ON FUNCTION @extschema@.detect_rebuild(pg_catalog.timestamptz) IS
	'empties the detection summary, and with since fills it again from there';

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
-- In C (src/glue/detector.c, src/core/detector.c): one query per stretch of a
-- few weeks counts the signal and the volume per provider and bucket, and
-- the detector judges the counts.  Memory stays bounded whatever the
-- interval; a role that may not read the ledger and the provider map is
-- refused before any work.
CREATE OR REPLACE FUNCTION @extschema@.detect_buckets(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (provider pg_catalog.text, bucket pg_catalog.timestamptz,
		bounces pg_catalog.int8, counted pg_catalog.int8,
		baseline pg_catalog.float8, score pg_catalog.float8,
		first_at pg_catalog.timestamptz, last_at pg_catalog.timestamptz,
		layers pg_catalog.text[])
	AS 'MODULE_PATHNAME', 'rebound_detect_buckets'
	LANGUAGE C STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.detect_buckets(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'per provider and time bucket: infrastructure hard bounces, the count that is judged, its baseline and its Poisson score';

-- A bucket is anomalous when its counted bounces reach
-- rebound.detect_min_count and its score reaches rebound.detect_threshold.
-- Anomalous buckets grow into their neighbours while those score at least
-- 2 (p < 0.01), bridge one quiet bucket, and become the interval from the
-- first to the last signal bounce they hold.  baseline is the expected
-- count over the interval's buckets; score is the Poisson score of the
-- interval's counted bounces against it.  The same detector as
-- detect_buckets, over the same counts.
CREATE OR REPLACE FUNCTION @extschema@.detect_incidents(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (provider pg_catalog.text, during pg_catalog.tstzrange,
		hard_bounces pg_catalog.int8, baseline pg_catalog.numeric,
		score pg_catalog.numeric, layers pg_catalog.text[])
	AS 'MODULE_PATHNAME', 'rebound_detect_incidents'
	LANGUAGE C STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.detect_incidents(pg_catalog.timestamptz, pg_catalog.timestamptz) IS
	'providers whose infrastructure hard bounces spiked against their own baseline: interval, counts, baseline, score and the layers implicated';

-- Meant for pg_cron: CALL rebound.heal() every few minutes.  Detects over
-- the lookback seven days at a time (so that memory and each transaction
-- stay bounded however long the lookback; each detection also reads the
-- weeks of history its baselines need, so shorter chunks would read the
-- same history many times), declares each new incident with
-- origin 'detected', extends a detected incident that grew instead of
-- declaring it again, leaves an interval that a manually declared or a
-- withdrawn incident already overlaps to that incident's owner, heals,
-- logs, and commits after each seven days.  Does nothing on a standby.
--
-- One run at a time: a run holds the row of rebound.heal_lock while it
-- works (a row lock, which only rebound's own functions can take: an
-- advisory lock could be taken by any role and would silence every run).
-- A run that finds it held is skipped, says so at WARNING and in
-- heal_log.  The lock is taken again after each commit, so a second run
-- that started in between waits for the stretch being healed.
--
-- The procedure commits, so it can have no SET clause and runs with the
-- caller's search_path (pg_cron's: often a superuser's).  Its body
-- therefore resolves nothing through the path (every name qualified, no
-- operator written), and the work is done by SECURITY DEFINER functions
-- with a pinned path: heal_begin and heal_stretch.
CREATE OR REPLACE FUNCTION rebound_internal.heal_outside_block()
	RETURNS void
	AS 'MODULE_PATHNAME', 'rebound_heal_outside_block'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION rebound_internal.heal_outside_block() IS
	'refuses to go on inside a transaction block (rebound.heal commits as it goes)';

-- Checks the arguments, takes the lock (or logs the skip) and returns the
-- start of the first stretch to heal, NULL when there is nothing to do.
CREATE OR REPLACE FUNCTION rebound_internal.heal_begin(lookback pg_catalog.interval,
		until pg_catalog.timestamptz)
	RETURNS pg_catalog.timestamptz
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
	w pg_catalog.float8;
	lo pg_catalog.timestamptz;
	holder pg_catalog.text;
BEGIN
	IF lookback IS NULL OR lookback <= interval '0' THEN
		RAISE EXCEPTION 'invalid lookback "%"', lookback
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The lookback must be a positive interval, like ''1 day''.';
	END IF;
	-- Citus: see heal_stretch (this transaction goes on into it)
	PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
	IF pg_is_in_recovery() THEN
		RAISE NOTICE 'rebound.heal: this server is a standby, nothing to do';
		RETURN NULL;
	END IF;
	PERFORM FROM @extschema@.heal_lock FOR UPDATE SKIP LOCKED;
	IF NOT FOUND THEN
		SELECT string_agg(DISTINCT a.usename || ' (pid ' || a.pid || ')', ', ') INTO holder
		FROM pg_stat_activity a
		WHERE a.pid = ANY (pg_blocking_pids(pg_backend_pid()))
		   OR a.query ILIKE '%rebound.heal%' AND a.pid <> pg_backend_pid();
		RAISE WARNING 'rebound.heal: skipped, another run holds the heal lock%',
			COALESCE(': ' || holder, '');
		INSERT INTO @extschema@.heal_log (action, run_by) VALUES ('skipped', rebound_internal.invoker());
		RETURN NULL;
	END IF;
	-- count what the previous run claimed for the detection summary
	PERFORM rebound_internal.detect_summarise();
	SELECT extract(epoch FROM s.bucket) INTO w FROM @extschema@.detect_settings() s;
	-- start on a bucket boundary, so that every chunk starts on one, and
	-- not before the ledger does
	SELECT GREATEST(until - lookback, min(x.occurred_at))
	INTO lo FROM @extschema@.bounce x WHERE x.hard;
	RETURN to_timestamp(floor(extract(epoch FROM COALESCE(lo, until)) / w) * w);
END
$body$;
COMMENT ON FUNCTION rebound_internal.heal_begin(pg_catalog.interval, pg_catalog.timestamptz) IS
	'rebound.heal''s first step: arguments, standby, the heal lock; returns where healing starts';

-- What a detected incident becomes: a new incident of origin 'detected',
-- the extension of the detected incident it overlaps or comes within a
-- bucket of, or nothing when a manual incident covers it or a DBA withdrew
-- the one that does (their decision wins over detection); then the heal of
-- what it matches.  Returns the action (declared, extended, unchanged,
-- covered, withdrawn), the incident and the bounces forgiven (a dry run:
-- that would be).  Runs inside heal_stretch, as its definer.
CREATE OR REPLACE FUNCTION rebound_internal.heal_decide(provider pg_catalog.text,
		during pg_catalog.tstzrange, layers pg_catalog.text[], note pg_catalog.text,
		dry_run boolean, OUT act pg_catalog.text, OUT target pg_catalog.int8,
		OUT forgiven pg_catalog.int8)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
	bucket pg_catalog.interval;
	inc record;
	new_during pg_catalog.tstzrange;
	new_layers pg_catalog.text[];
BEGIN
	forgiven := 0;
	SELECT s.bucket INTO bucket FROM @extschema@.detect_settings() s;
	SELECT i.id, i.origin, i.during, i.layers, i.withdrawn_at INTO inc
	FROM @extschema@.incident i
	WHERE i.provider OPERATOR(pg_catalog.=) heal_decide.provider
	  AND i.during OPERATOR(pg_catalog.&&) pg_catalog.tstzrange(
			pg_catalog.lower(heal_decide.during) OPERATOR(pg_catalog.-) bucket,
			pg_catalog.upper(heal_decide.during) OPERATOR(pg_catalog.+) bucket, '[]')
	ORDER BY (i.withdrawn_at IS NOT NULL) DESC,
			 (i.origin OPERATOR(pg_catalog.=) 'manual') DESC, pg_catalog.lower(i.during)
	LIMIT 1;
	IF NOT FOUND THEN
		act := 'declared';
		IF dry_run THEN
			SELECT pg_catalog.count(*) INTO forgiven
			FROM @extschema@.incident_bounces(provider, during, layers);
			RETURN;
		END IF;
		target := rebound_internal.incident_declare(provider, during, layers, note, 'detected');
	ELSIF inc.withdrawn_at IS NOT NULL OR inc.origin OPERATOR(pg_catalog.=) 'manual' THEN
		act := CASE WHEN inc.withdrawn_at IS NOT NULL THEN 'withdrawn' ELSE 'covered' END;
		target := inc.id;
		RETURN;
	ELSIF inc.during OPERATOR(pg_catalog.@>) during
		  AND (inc.layers IS NULL OR inc.layers OPERATOR(pg_catalog.@>) layers) THEN
		act := 'unchanged';
		target := inc.id;
	ELSE
		act := 'extended';
		target := inc.id;
		new_during := pg_catalog.range_merge(inc.during, during);
		new_layers := CASE WHEN inc.layers IS NULL THEN NULL
					  ELSE ARRAY(SELECT DISTINCT l FROM pg_catalog.unnest(inc.layers OPERATOR(pg_catalog.||) layers) l ORDER BY l) END;
		IF dry_run THEN
			SELECT pg_catalog.count(*) INTO forgiven
			FROM @extschema@.incident_bounces(provider, new_during, new_layers);
			RETURN;
		END IF;
		UPDATE @extschema@.incident i
		SET during = new_during, layers = new_layers
		WHERE i.id OPERATOR(pg_catalog.=) target;
	END IF;
	SELECT pg_catalog.count(*) INTO forgiven FROM @extschema@.unharden(target, dry_run);
END
$body$;
COMMENT ON FUNCTION rebound_internal.heal_decide(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.text, boolean) IS
	'rebound.heal''s decision for one detected incident: declare, extend or leave it to its owner, then heal; the action, the incident and the bounces forgiven';

-- Says what heal_decide did (NOTICE, and the server log), and writes
-- heal_log for what changed something, and once for each decision left to
-- a DBA.
CREATE OR REPLACE FUNCTION rebound_internal.heal_record(provider pg_catalog.text,
		during pg_catalog.tstzrange, hard_bounces pg_catalog.int8, baseline pg_catalog.numeric,
		score pg_catalog.numeric, act pg_catalog.text, target pg_catalog.int8,
		forgiven pg_catalog.int8, dry_run boolean)
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $body$
BEGIN
	RAISE NOTICE '%', pg_catalog.format(
		'rebound.heal: %s%s incident %s of %s for %s (%s hard bounces against %s expected, score %s): %s bounces %s',
		CASE WHEN dry_run THEN 'would have ' ELSE '' END, act,
		COALESCE(target::pg_catalog.text, '(new)'), provider, during,
		hard_bounces, baseline, score, forgiven,
		CASE WHEN dry_run THEN 'to forgive' ELSE 'forgiven' END);
	IF NOT dry_run
	   AND (act OPERATOR(pg_catalog.=) ANY ('{declared,extended}'::pg_catalog.text[])
			OR forgiven OPERATOR(pg_catalog.>) 0
			OR (act OPERATOR(pg_catalog.=) ANY ('{covered,withdrawn}'::pg_catalog.text[])
				AND NOT EXISTS (SELECT 1 FROM @extschema@.heal_log l
								WHERE l.incident OPERATOR(pg_catalog.=) target
								  AND l.action OPERATOR(pg_catalog.=) act))) THEN
		INSERT INTO @extschema@.heal_log (provider, incident, action, detected,
			hard_bounces, baseline, score, forgiven, run_by)
		VALUES (provider, target, act, during, hard_bounces, baseline, score, forgiven,
				rebound_internal.invoker());
		RAISE LOG 'rebound.heal: % incident % of provider % for %, % bounces forgiven',
			act, target, provider, during, forgiven;
	END IF;
END
$body$;
COMMENT ON FUNCTION rebound_internal.heal_record(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.int8, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.text, pg_catalog.int8, pg_catalog.int8, boolean) IS
	'rebound.heal''s report of one decision: a NOTICE, the server log and heal_log';

-- Heals the next stretch of at most seven days that holds hard bounces,
-- from lo: detects, then decides and reports each incident found (in the
-- order of its provider and start, so that runs are reproducible).
-- Returns where the next stretch starts (NULL: done) and whether an
-- incident was found.
CREATE OR REPLACE FUNCTION rebound_internal.heal_stretch(lo pg_catalog.timestamptz,
		until pg_catalog.timestamptz, dry_run boolean,
		OUT next_lo pg_catalog.timestamptz, OUT found_any boolean)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
	w pg_catalog.float8;
	chunk_lo pg_catalog.timestamptz := lo;
	chunk_hi pg_catalog.timestamptz;
	next_bounce pg_catalog.timestamptz;
	d record;
	r record;
BEGIN
	found_any := false;
	-- Citus: this transaction writes incidents after healing has written
	-- the ledger's shards in parallel, which Citus allows over one
	-- connection per node only (a placeholder setting on one node)
	PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
	-- after a commit: wait for a run that started in between
	PERFORM FROM @extschema@.heal_lock FOR UPDATE;
	SELECT extract(epoch FROM s.bucket) INTO w FROM @extschema@.detect_settings() s;
	-- skip stretches without bounces (a month-long lookback over a quiet ledger)
	SELECT min(x.occurred_at) INTO next_bounce
	FROM @extschema@.bounce x WHERE x.hard AND x.occurred_at >= chunk_lo;
	IF next_bounce IS NULL OR next_bounce >= until THEN
		RETURN;
	END IF;
	chunk_lo := GREATEST(chunk_lo, to_timestamp(floor(extract(epoch FROM next_bounce) / w) * w));
	chunk_hi := LEAST(chunk_lo + interval '7 days', until);
	FOR d IN
		SELECT * FROM @extschema@.detect_incidents(chunk_lo, chunk_hi) x
		ORDER BY x.provider, pg_catalog.lower(x.during)
	LOOP
		found_any := true;
		r := rebound_internal.heal_decide(d.provider, d.during, d.layers,
				pg_catalog.format('detected by rebound.heal: %s infrastructure hard bounces against %s expected, score %s',
								  d.hard_bounces, d.baseline, d.score),
				dry_run);
		PERFORM rebound_internal.heal_record(d.provider, d.during, d.hard_bounces, d.baseline,
				d.score, r.act, r.target, r.forgiven, dry_run);
	END LOOP;
	next_lo := chunk_hi;
END
$body$;
COMMENT ON FUNCTION rebound_internal.heal_stretch(pg_catalog.timestamptz, pg_catalog.timestamptz, boolean) IS
	'rebound.heal''s step: detect, declare or extend, heal and log the incidents of one stretch; returns where the next starts';

-- The tails of the incidents (issue 18): mail queued during an outage
-- goes on expiring for days after it, and each expired bounce arrives
-- after the heal run that healed the incident.  Each run therefore heals
-- again every incident whose tail is still open at the start of its
-- lookback (its interval's end plus its horizon lies after it), that is
-- not withdrawn and that was healed already (detected, or a DBA ran
-- unharden on it: a manual incident nobody healed is left to its owner),
-- and logs the incidents that forgave something (their tail, or a bounce
-- of their interval recorded late) as action 'tail'.
-- Nothing is declared.  Returns how many bounces were (or, for a dry run,
-- would be) forgiven.
CREATE OR REPLACE FUNCTION rebound_internal.heal_tails(since pg_catalog.timestamptz,
		until pg_catalog.timestamptz, dry_run boolean)
	RETURNS pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
	inc record;
	forgiven pg_catalog.int8;
	total pg_catalog.int8 := 0;
BEGIN
	PERFORM FROM @extschema@.heal_lock FOR UPDATE;
	FOR inc IN
		SELECT i.id, i.provider, i.during, i.origin
		FROM @extschema@.incident i
		WHERE i.withdrawn_at IS NULL
		  AND pg_catalog.upper(i.during) OPERATOR(pg_catalog.<) until
		  AND pg_catalog.upper(i.during) OPERATOR(pg_catalog.+)
			  COALESCE(i.tail_horizon, pg_catalog.current_setting('rebound.tail_horizon')::pg_catalog.interval)
			  OPERATOR(pg_catalog.>) since
		ORDER BY i.id
	LOOP
		-- a manual incident only once healed: asked per incident (a few),
		-- not correlated in the query above, which Citus refuses from the
		-- reference table incident to the distributed audit
		IF inc.origin OPERATOR(pg_catalog.<>) 'detected'
		   AND NOT EXISTS (SELECT 1 FROM @extschema@.audit a
						   WHERE a.incident OPERATOR(pg_catalog.=) inc.id
							 AND a.action OPERATOR(pg_catalog.=) 'forgive') THEN
			CONTINUE;
		END IF;
		SELECT pg_catalog.count(*) INTO forgiven
		FROM @extschema@.unharden(inc.id, dry_run);
		total := total OPERATOR(pg_catalog.+) forgiven;
		IF forgiven OPERATOR(pg_catalog.>) 0 THEN
			RAISE NOTICE '%', pg_catalog.format('rebound.heal: %s %s bounces of the tail of incident %s of %s',
				CASE WHEN dry_run THEN 'would forgive' ELSE 'forgave' END, forgiven, inc.id, inc.provider);
			IF NOT dry_run THEN
				INSERT INTO @extschema@.heal_log (provider, incident, action, detected, forgiven, run_by)
				VALUES (inc.provider, inc.id, 'tail', inc.during, forgiven, rebound_internal.invoker());
				RAISE LOG 'rebound.heal: tail of incident % of provider %, % bounces forgiven',
					inc.id, inc.provider, forgiven;
			END IF;
		END IF;
	END LOOP;
	-- claim the closed buckets of this run's detection (its lookback and
	-- the history its baselines read) for the summary, counted at the
	-- start of the next run
	PERFORM rebound_internal.detect_claim(since - pg_catalog.make_interval(days =>
				GREATEST(s.baseline_days, 7 * s.baseline_weeks) + 1), until)
	FROM @extschema@.detect_settings() s;
	RETURN total;
END
$body$;
COMMENT ON FUNCTION rebound_internal.heal_tails(pg_catalog.timestamptz, pg_catalog.timestamptz, boolean) IS
	'rebound.heal''s last step: heal again the incidents whose tail is still open, so that mail expiring after an outage is forgiven as it arrives';

CREATE OR REPLACE PROCEDURE @extschema@.heal(lookback pg_catalog.interval DEFAULT '1 day',
		dry_run boolean DEFAULT false)
	LANGUAGE plpgsql
AS $body$
DECLARE
	until pg_catalog.timestamptz := pg_catalog.clock_timestamp();
	lo pg_catalog.timestamptz;
	step record;
	found_any boolean := false;
BEGIN
	PERFORM rebound_internal.heal_outside_block();
	lo := rebound_internal.heal_begin(lookback, until);
	IF lo IS NULL THEN
		RETURN;
	END IF;
	LOOP
		step := rebound_internal.heal_stretch(lo, until, dry_run);
		found_any := found_any OR step.found_any;
		COMMIT;
		EXIT WHEN step.next_lo IS NULL;
		lo := step.next_lo;
	END LOOP;
	-- the tails still open (issue 18), in a transaction of their own
	PERFORM rebound_internal.heal_tails(rebound_internal.heal_since(lookback, until), until, dry_run);
	COMMIT;
	IF NOT found_any THEN
		RAISE NOTICE 'rebound.heal: no incident detected since %',
			rebound_internal.heal_since(lookback, until);
	END IF;
END
$body$;
COMMENT ON PROCEDURE @extschema@.heal(pg_catalog.interval, boolean) IS
	'detect incidents over the lookback, declare or extend them, heal them and log it; the job pg_cron runs';

CREATE OR REPLACE FUNCTION rebound_internal.heal_since(lookback pg_catalog.interval,
		until pg_catalog.timestamptz)
	RETURNS pg_catalog.timestamptz
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN until OPERATOR(pg_catalog.-) lookback;
COMMENT ON FUNCTION rebound_internal.heal_since(pg_catalog.interval, pg_catalog.timestamptz) IS
	'the start of a heal run''s lookback, for its messages';

-- Every mail flow rebound knows: the sources of the ledger and the tables
-- wired to it with capture_bounce (whose first argument is the source).
CREATE OR REPLACE VIEW @extschema@.flow AS
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
	   l.last_bounce,
	   -- where the flow keeps its suppression (src/sql/code/outbox.sql)
	   ARRAY(SELECT COALESCE((SELECT c.oid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_class c
							  WHERE c.oid OPERATOR(pg_catalog.=) s.target),
							 s.target_name OPERATOR(pg_catalog.||) ', dropped')
					OPERATOR(pg_catalog.||) ' (' OPERATOR(pg_catalog.||)
					CASE WHEN s.flag_column IS NULL THEN 'list ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(s.address_column::pg_catalog.text COLLATE pg_catalog."default")
						 ELSE 'flag ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(s.flag_column::pg_catalog.text COLLATE pg_catalog."default") END
					OPERATOR(pg_catalog.||) ')'
			 FROM @extschema@.sink s
			 WHERE s.source OPERATOR(pg_catalog.=) COALESCE(l.source, w.source)
			 ORDER BY s.id) AS sinks
FROM ledger l
FULL JOIN wired w ON w.source OPERATOR(pg_catalog.=) l.source;
COMMENT ON VIEW @extschema@.flow IS
	'every mail flow: each source of the ledger and each table wired with capture_bounce, with volume, hard share, last bounce and the sinks that keep its suppression';

-- rebound.heal is granted to the roles that heal, with the two steps it
-- calls (SECURITY DEFINER: they write incidents, the ledger and the log).
REVOKE ALL ON PROCEDURE @extschema@.heal(pg_catalog.interval, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.heal_begin(pg_catalog.interval, pg_catalog.timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.heal_stretch(pg_catalog.timestamptz, pg_catalog.timestamptz, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.heal_decide(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[], pg_catalog.text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.heal_record(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.int8, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.text, pg_catalog.int8, pg_catalog.int8, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.heal_tails(pg_catalog.timestamptz, pg_catalog.timestamptz, boolean) FROM PUBLIC;
-- the summary's internal steps, and its rebuild (the owner's)
REVOKE ALL ON FUNCTION rebound_internal.detect_counts(pg_catalog.timestamptz[], pg_catalog.timestamptz[], pg_catalog.float8) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.detect_covered(pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.detect_summary_rows(pg_catalog.int4, pg_catalog.int8[], pg_catalog.int8[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.detect_claim(pg_catalog.timestamptz, pg_catalog.timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.detect_summarise() FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.detect_store(pg_catalog.int8multirange, pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.detect_forget() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.detect_rebuild(pg_catalog.timestamptz) FROM PUBLIC;
