-- test/bench/scale.sql — the ledger at scale (issue 14, item 5).  Run by
-- test/bench/scale.sh, which calls it in phases (psql variable phase):
--
--   map      the provider map: 100,000 domains, observed 2010-01-01 (a
--            third with mail at OVH, a tenth with DNS at OVH, a twentieth
--            with mail under their own name in OVH's network), and the
--            table bench.fill that generates bounces;
--   recent   the last days, the same at every size: ordinary traffic at
--            :per_day bounces a day from :anchor - 2 days to :anchor + 12
--            hours (so that heal('1 day') sees the same day whenever it runs
--            in the next twelve hours), and an outage at OVH's domains from
--            :anchor - 6 hours to :anchor - 2 hours (:outage bounces);
--   grow     history before that, at the same rate, going back in time
--            until the ledger holds :rows bounces (the ledger of a sender
--            grows by the day: ten times the rows is ten times the days,
--            not ten times the bounces of each day);
--   measure  (in one session) the unharden selection of the outage
--            against a hand-written query of the same rows held to index
--            lookups (median of :reps), and is_suppressed for one address
--            with its plan (EXPLAIN ANALYZE, BUFFERS, through auto_explain:
--            the function's own statement);
--
-- heal('1 day') is timed by scale.sh (a CALL commits: it cannot run
-- inside a function).  Bulk INSERT ... SELECT, no per-row classification:
-- the columns classification fills are generated with the rows.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
SET timezone = 'UTC';

SELECT :'phase' = 'map' AS phase_map, :'phase' = 'recent' AS phase_recent,
	   :'phase' = 'grow' AS phase_grow, :'phase' = 'measure' AS phase_measure \gset

\if :phase_map
CREATE SCHEMA bench;
CREATE TABLE bench.dom AS
SELECT g AS n, 'd' || g || '.example' AS domain,
	   CASE WHEN g % 3 = 0 THEN 'mx' WHEN g % 10 = 1 THEN 'ns' WHEN g % 20 = 2 THEN 'mx_ip' ELSE 'none' END AS dep
FROM generate_series(1, 100000) g;
-- in batches: each observation takes a transaction-level lock on its domain
DO $$
DECLARE
	d record;
	n int := 0;
BEGIN
	FOR d IN SELECT * FROM bench.dom ORDER BY n LOOP
		PERFORM rebound.observe_domain(d.domain, 'mx',
			CASE d.dep WHEN 'mx' THEN ARRAY['mx1.mail.ovh.net', 'mx2.mail.ovh.net']
					   WHEN 'mx_ip' THEN ARRAY['mail.' || d.domain]
					   ELSE ARRAY['spool.mail.gandi.net'] END, '2010-01-01');
		PERFORM rebound.observe_domain(d.domain, 'ns',
			CASE d.dep WHEN 'ns' THEN ARRAY['dns12.ovh.net', 'ns12.ovh.net'] ELSE ARRAY['ns-6-a.gandi.net'] END,
			'2010-01-01');
		IF d.dep = 'mx_ip' THEN
			PERFORM rebound.observe_host('mail.' || d.domain,
				ARRAY['91.121.' || (d.n % 250) || '.' || (1 + d.n % 250)]::inet[], '2010-01-01');
		END IF;
		n := n + 1;
		IF n % 1000 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
END
$$;
ANALYZE rebound.domain_host;
ANALYZE rebound.host_address;

-- n bounces spread evenly over [lo, hi), in time order (as a ledger
-- grows): ordinary ones (half hard user_unknown, half soft mailbox_full)
-- at any domain, or an outage's (network errors the sender called hard)
-- at OVH's domains.  Fifty addresses per domain: five million addresses.
CREATE FUNCTION bench.fill(n bigint, lo timestamptz, hi timestamptz, outage boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
	-- (PL/pgSQL: Citus takes its parameters; every one is qualified, as
	-- bench.dom has a column n)
	INSERT INTO rebound.bounce (address, domain, source, occurred_at, diagnostic,
		source_severity, reason, severity, infrastructure)
	SELECT 'u' || (g * 7 % 50) || '@' || d.domain, d.domain,
		   (ARRAY['campaigns', 'automation', 'transactional', 'dmp'])[1 + g % 4],
		   fill.lo + (fill.hi - fill.lo) * (g::float8 / fill.n),
		   CASE WHEN fill.outage THEN '421 4.4.2 mx1.mail.ovh.net: connection timed out'
				WHEN g % 2 = 0 THEN '550 5.1.1 unknown user' ELSE '452 4.2.2 mailbox full' END,
		   CASE WHEN fill.outage OR g % 2 = 0 THEN 'hard' ELSE 'soft' END::rebound.severity,
		   CASE WHEN fill.outage THEN 'network_error' WHEN g % 2 = 0 THEN 'user_unknown' ELSE 'mailbox_full' END::rebound.reason,
		   CASE WHEN fill.outage OR g % 2 = 1 THEN 'soft' ELSE 'hard' END::rebound.severity, fill.outage
	FROM generate_series(0, fill.n - 1) g
	JOIN bench.dom d
	  ON d.n = CASE WHEN fill.outage THEN 3 * (1 + (g * 104729) % 33333)
					ELSE 1 + (g * 104729) % 100000 END;
	RETURN fill.n;
END
$$;
\endif

\if :phase_recent
SELECT bench.fill((2.5 * :per_day)::bigint, :'anchor'::timestamptz - interval '2 days',
				  :'anchor'::timestamptz + interval '12 hours', false) IS NULL AS filled \gset
SELECT bench.fill(:outage, :'anchor'::timestamptz - interval '6 hours',
				  :'anchor'::timestamptz - interval '2 hours', true) IS NULL AS filled \gset
\endif

\if :phase_grow
-- history going back from the start of the recent days, at :per_day a day,
-- in slices of ten days
DO $$
DECLARE
	have bigint := (SELECT count(*) FROM rebound.bounce);
	want bigint := current_setting('bench.rows')::bigint;
	per_day bigint := current_setting('bench.per_day')::bigint;
	hi timestamptz := coalesce((SELECT min(occurred_at) FROM rebound.bounce),
							   current_setting('bench.anchor')::timestamptz - interval '2 days');
	n bigint;
BEGIN
	WHILE have < want LOOP
		n := least(want - have, 10 * per_day);
		PERFORM bench.fill(n, hi - make_interval(secs => 86400.0 * n / per_day), hi, false);
		hi := hi - make_interval(secs => 86400.0 * n / per_day);
		have := have + n;
		COMMIT;
	END LOOP;
END
$$;
VACUUM ANALYZE rebound.bounce;
\endif

\if :phase_measure
SELECT count(*) AS ledger_rows, min(occurred_at)::date AS since FROM rebound.bounce;

CREATE FUNCTION pg_temp.selection() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM rebound.incident_bounces('ovh',
		tstzrange(current_setting('bench.anchor')::timestamptz - interval '6 hours',
				  current_setting('bench.anchor')::timestamptz - interval '2 hours'))
$$;
-- the same rows, by hand, held to index lookups per bounce (the window
-- index on bounce, the (domain, ...) key of domain_host, host_address's
-- host key), with rebound's matchers.  The window's bounds written into
-- the function as constants: on Citus the statement runs on the workers,
-- which have no bench.anchor (and their own enable_* settings: there the
-- query is planned as the workers choose).
SELECT format($f$
CREATE FUNCTION pg_temp.reference_idx() RETURNS bigint LANGUAGE sql
	SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off
	AS $$
	SELECT count(*) FROM (
		SELECT b.id
		FROM rebound.bounce b
		WHERE b.hard AND b.forgiven_by IS NULL
		  AND b.occurred_at >= %L::timestamptz AND b.occurred_at < %L::timestamptz
		  AND EXISTS (
			SELECT 1 FROM rebound.domain_host h
			WHERE h.domain = b.domain AND h.observed @> b.occurred_at
			  AND (rebound.host_provider(h.host) = 'ovh'
				   OR EXISTS (SELECT 1 FROM rebound.host_address a
							  WHERE a.host = h.host AND a.observed @> b.occurred_at
								AND rebound.ip_provider(a.addr) = 'ovh')))
	) s
$$$f$, :'anchor'::timestamptz - interval '6 hours', :'anchor'::timestamptz - interval '2 hours') \gexec
CREATE FUNCTION pg_temp.median_ms(what text, reps int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	times float8[] := '{}';
	n bigint;
BEGIN
	EXECUTE 'SELECT pg_temp.' || what || '()' INTO n;
	FOR i IN 1..reps LOOP
		t0 := clock_timestamp();
		EXECUTE 'SELECT pg_temp.' || what || '()' INTO n;
		times := times || extract(epoch FROM clock_timestamp() - t0) * 1000;
	END LOOP;
	RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) x);
END
$$;
\echo
\echo '== The unharden selection of the outage (incident_bounces) against the hand-written index query (median ms)'
SELECT s.selected, s.reference, round(s.select_ms::numeric) AS select_ms,
	   round(s.reference_ms::numeric) AS reference_ms,
	   round((s.select_ms / s.reference_ms)::numeric, 2) AS select_vs_reference
FROM (SELECT pg_temp.selection() AS selected, pg_temp.reference_idx() AS reference,
			 pg_temp.median_ms('selection', :reps) AS select_ms,
			 pg_temp.median_ms('reference_idx', :reps) AS reference_ms) s;

-- On one node only: on Citus 13.0.5, with the coordinator's auto_explain
-- loaded, is_suppressed failed here ("cache lookup failed for type" with
-- ANALYZE; "failure on connection marked as essential" without); on Citus
-- it is one router query to the domain's shard (README, Past one machine).
SELECT count(*) = 0 AS one_node FROM pg_catalog.pg_extension WHERE extname = 'citus' \gset
\if :one_node
\echo
\echo '== is_suppressed for one address: the plan of its statement (auto_explain, nested)'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
SELECT rebound.is_suppressed('u7@d4242.example') AS suppressed;
SET client_min_messages = warning;
RESET auto_explain.log_min_duration;
\endif
\endif
