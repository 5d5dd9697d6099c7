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

-- Heals the next stretch of at most seven days that holds hard bounces,
-- from lo: detects, declares or extends, heals and logs each incident.
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
	bucket pg_catalog.interval;
	chunk_lo pg_catalog.timestamptz := lo;
	chunk_hi pg_catalog.timestamptz;
	d record;
	inc record;
	target pg_catalog.int8;
	act pg_catalog.text;
	forgiven pg_catalog.int8;
	next_bounce pg_catalog.timestamptz;
	new_during pg_catalog.tstzrange;
	new_layers pg_catalog.text[];
BEGIN
	found_any := false;
	-- Citus: this transaction writes incidents after healing has written
	-- the ledger's shards in parallel, which Citus allows over one
	-- connection per node only (a placeholder setting on one node)
	PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
	-- after a commit: wait for a run that started in between
	PERFORM FROM @extschema@.heal_lock FOR UPDATE;
	SELECT s.bucket INTO bucket FROM @extschema@.detect_settings() s;
	w := extract(epoch FROM bucket);
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
					target := rebound_internal.incident_declare(d.provider, d.during, d.layers,
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
					hard_bounces, baseline, score, forgiven, run_by)
				VALUES (d.provider, target, act, d.during, d.hard_bounces, d.baseline, d.score, forgiven,
						rebound_internal.invoker());
				RAISE LOG 'rebound.heal: % incident % of provider % for %, % bounces forgiven',
					act, target, d.provider, d.during, forgiven;
			END IF;
		END LOOP;
	next_lo := chunk_hi;
END
$body$;
COMMENT ON FUNCTION rebound_internal.heal_stretch(pg_catalog.timestamptz, pg_catalog.timestamptz, boolean) IS
	'rebound.heal''s work on one stretch of at most seven days: detect, declare or extend, heal, log';

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
REVOKE ALL ON FUNCTION rebound_internal.heal_tails(pg_catalog.timestamptz, pg_catalog.timestamptz, boolean) FROM PUBLIC;
