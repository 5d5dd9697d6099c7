-- test/bench/heal.sql — healing cost against a hand-written query, at 1M
-- and 10M ledger rows.  Run by test/bench/heal.sh (psql variables: small,
-- large, window_rows, reps).
--
-- The incident window holds :window_rows bounces (an outage spike on the
-- OVH-dependent domains plus the ordinary traffic of those hours); the
-- rest of the ledger is ordinary traffic spread over 2016-2017.  The same
-- window is healed (dry run) at :small rows and again after the ledger has
-- grown to :large rows, and compared each time with a hand-written query a
-- DBA would write over the same provider map, selecting the same bounces
-- through the same indexes.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
SET timezone = 'UTC';
SELECT setseed(0.5) \gset

-- The provider map: 100,000 domains; a third with mail at OVH, a tenth
-- with DNS at OVH, a twentieth with mail under their own name in OVH's
-- network; observed once, at the start of 2016.
CREATE TEMP TABLE dom AS
SELECT 'd' || g || '.example' AS domain,
	   CASE WHEN g % 3 = 0 THEN 'mx' WHEN g % 10 = 1 THEN 'ns' WHEN g % 20 = 2 THEN 'mx_ip' ELSE 'none' END AS dep
FROM generate_series(1, 100000) g;
-- in batches: each observation takes a transaction-level lock on its domain
DO $$
DECLARE
	d record;
	n int := 0;
BEGIN
	FOR d IN SELECT dom.*, row_number() OVER () AS g FROM dom LOOP
		PERFORM rebound.observe_domain(d.domain, 'mx',
			CASE d.dep WHEN 'mx' THEN ARRAY['mx1.mail.ovh.net', 'mx2.mail.ovh.net']
					   WHEN 'mx_ip' THEN ARRAY['mail.' || d.domain]
					   ELSE ARRAY['spool.mail.gandi.net'] END, '2016-01-01');
		PERFORM rebound.observe_domain(d.domain, 'ns',
			CASE d.dep WHEN 'ns' THEN ARRAY['dns12.ovh.net', 'ns12.ovh.net'] ELSE ARRAY['ns-6-a.gandi.net'] END,
			'2016-01-01');
		IF d.dep = 'mx_ip' THEN
			PERFORM rebound.observe_host('mail.' || d.domain,
				ARRAY['91.121.' || (d.g % 250) || '.' || (1 + d.g % 250)]::inet[], '2016-01-01');
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

-- Ledger rows straight into the table, classification included (the bench
-- is about healing, not about classifying).
CREATE FUNCTION pg_temp.fill(n bigint, lo timestamptz, hi timestamptz, outage boolean)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO rebound.bounce (address, domain, source, occurred_at, diagnostic,
		source_severity, reason, severity, infrastructure)
	SELECT 'u' || (g % 50) || '@' || d.domain, d.domain,
		   (ARRAY['campaigns', 'automation', 'transactional', 'dmp'])[1 + g % 4],
		   lo + (hi - lo) * (((g * 7919) % n)::float8 / n),
		   NULL, CASE WHEN outage OR g % 2 = 0 THEN 'hard' ELSE 'soft' END::rebound.severity,
		   CASE WHEN outage THEN 'network_error' ELSE 'user_unknown' END::rebound.reason,
		   CASE WHEN outage THEN 'soft' ELSE 'hard' END::rebound.severity, outage
	FROM generate_series(1, n) g
	JOIN dom d ON d.domain = 'd' || (1 + (g * 104729) % 100000) || '.example'
$$;

-- the window: 2017-11-09 07:00-10:55, 50,000 bounces in all
SELECT pg_temp.fill(:window_rows - 500, '2017-11-09 07:00', '2017-11-09 10:55', true) IS NULL AS filled \gset
SELECT pg_temp.fill(500, '2017-11-09 07:00', '2017-11-09 10:55', false) IS NULL AS filled \gset
-- ordinary traffic elsewhere in time, up to :small rows
SELECT pg_temp.fill(:small - :window_rows, '2016-01-01', '2017-11-09 06:00', false) IS NULL AS filled \gset
VACUUM ANALYZE rebound.bounce;

-- The hand-written reference: the same bounces, through the same indexes
-- (the window index on bounce, the (domain ...) index on domain_host, the
-- host index on host_address), with rebound's matchers for host and
-- address.
CREATE FUNCTION pg_temp.reference() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (
		SELECT b.id, b.address, b.source, b.occurred_at, b.reason
		FROM rebound.bounce b
		WHERE b.hard AND b.forgiven_by IS NULL
		  AND b.occurred_at >= '2017-11-09 07:00' AND b.occurred_at < '2017-11-09 10:55'
		  AND EXISTS (
			SELECT 1 FROM rebound.domain_host h
			WHERE h.domain = b.domain AND h.observed @> b.occurred_at
			  AND (rebound.host_provider(h.host) = 'ovh'
				   OR EXISTS (SELECT 1 FROM rebound.host_address a
							  WHERE a.host = h.host AND a.observed @> b.occurred_at
								AND rebound.ip_provider(a.addr) = 'ovh')))
	) s
$$;
-- the same, held to index lookups per bounce (the access path a large
-- provider map makes the planner choose): "through the same indexes"
CREATE FUNCTION pg_temp.reference_idx() RETURNS bigint LANGUAGE sql
	SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off
	AS $$ SELECT pg_temp.reference() $$;
-- the selection alone: which bounces, through which layer
CREATE FUNCTION pg_temp.selection() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM rebound.incident_bounces('ovh',
		tstzrange('2017-11-09 07:00', '2017-11-09 10:55'))
$$;
-- what unharden() does in a dry run: the selection, and reinstated
CREATE FUNCTION pg_temp.healing() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM rebound.unharden('ovh',
		tstzrange('2017-11-09 07:00', '2017-11-09 10:55'), dry_run => true)
$$;

-- median of :reps runs, in milliseconds, after one warm-up run
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

CREATE TEMP TABLE result (ledger_rows bigint, matched bigint, reference bigint,
						  heal_ms float8, select_ms float8, reference_ms float8, reference_idx_ms float8);
INSERT INTO result
SELECT (SELECT count(*) FROM rebound.bounce), pg_temp.healing(), pg_temp.reference(),
	   pg_temp.median_ms('healing', :reps), pg_temp.median_ms('selection', :reps),
	   pg_temp.median_ms('reference', :reps), pg_temp.median_ms('reference_idx', :reps);

-- grow the ledger to :large rows, the window unchanged
SELECT pg_temp.fill(:large - :small, '2016-01-01', '2017-11-09 06:00', false) IS NULL AS filled \gset
VACUUM ANALYZE rebound.bounce;
INSERT INTO result
SELECT (SELECT count(*) FROM rebound.bounce), pg_temp.healing(), pg_temp.reference(),
	   pg_temp.median_ms('healing', :reps), pg_temp.median_ms('selection', :reps),
	   pg_temp.median_ms('reference', :reps), pg_temp.median_ms('reference_idx', :reps);

\echo
\echo '== Healing (dry run) against the hand-written query, same window (median ms)'
\echo '   heal: unharden(dry_run), with reinstated; select: incident_bounces() alone;'
\echo '   ref: the hand-written query as planned; ref_idx: held to index lookups'
SELECT ledger_rows, matched, reference AS ref_rows,
	   round(heal_ms::numeric) AS heal_ms, round(select_ms::numeric) AS select_ms,
	   round(reference_ms::numeric) AS ref_ms, round(reference_idx_ms::numeric) AS ref_idx_ms,
	   round((select_ms / reference_ms)::numeric, 2) AS select_vs_ref,
	   round((select_ms / reference_idx_ms)::numeric, 2) AS select_vs_ref_idx,
	   round((heal_ms / reference_ms)::numeric, 2) AS heal_vs_ref
FROM result ORDER BY ledger_rows;
SELECT round(((SELECT heal_ms FROM result ORDER BY ledger_rows DESC LIMIT 1)
			  / (SELECT heal_ms FROM result ORDER BY ledger_rows LIMIT 1))::numeric, 2)
	   AS heal_large_over_small,
	   round(((SELECT select_ms FROM result ORDER BY ledger_rows DESC LIMIT 1)
			  / (SELECT select_ms FROM result ORDER BY ledger_rows LIMIT 1))::numeric, 2)
	   AS select_large_over_small;

\echo
\echo '== Healing for real at the large size (forgive, audit), once'
SELECT rebound.declare_incident('ovh', tstzrange('2017-11-09 07:00', '2017-11-09 10:55')) AS incident \gset
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS forgiven FROM rebound.unharden(:incident);
SELECT round((extract(epoch FROM clock_timestamp() - :'t0') * 1000)::numeric, 1) AS heal_ms;
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS hardened_again FROM rebound.reharden(:incident);
SELECT round((extract(epoch FROM clock_timestamp() - :'t0') * 1000)::numeric, 1) AS reharden_ms;
