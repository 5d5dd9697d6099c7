-- Random observations for test/bench/history_vs_0_1_0.sh: the same calls,
-- from the same seed, in a database with rebound 0.1.0 (the PL/pgSQL
-- merge) and in one with the current version (the C merge).  Times come
-- from twelve days, so that keys see repeated instants, out-of-order
-- imports and confirmations; sets are empty, null MX, or 1 to 3 of five
-- hosts / addresses.  Each call's error, if any, is kept with the call.
SELECT setseed(:seed);
CREATE TEMP TABLE calls AS
SELECT i, k,
	   CASE WHEN k = 'addr' THEN 'h' || (i % :keys) || '.example' ELSE 'd' || (i % :keys) || '.example' END AS name,
	   '2020-01-01'::timestamptz + (random() * 11)::int * interval '1 day' AS at,
	   random() AS r,
	   ARRAY(SELECT CASE WHEN k = 'mx' AND random() < 0.7 THEN (ARRAY['5 ', '10 ', '20 '])[1 + (random() * 2)::int] ELSE '' END || h
			 FROM unnest('{mx1.a.example,mx2.a.example,mx.b.example,ns1.c.example,ns2.c.example}'::text[]) h
			 WHERE random() < 0.4 + 0 * i) AS hosts,
	   ARRAY(SELECT a::inet FROM unnest('{192.0.2.1,192.0.2.2,2001:db8::1,198.51.100.7/24,2001:db8::2/64}'::text[]) a
			 WHERE random() < 0.4 + 0 * i) AS addrs
FROM generate_series(1, :calls) i, LATERAL (SELECT (ARRAY['mx', 'ns', 'addr'])[1 + (random() * 2 + 0 * i)::int]) kk (k);

CREATE TEMP TABLE errors (i int, state text, message text);
DO $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT * FROM calls ORDER BY i LOOP
		BEGIN
			IF c.k = 'addr' THEN
				PERFORM rebound.observe_host(c.name,
					CASE WHEN c.r < 0.1 THEN '{}' WHEN c.r < 0.15 THEN NULL ELSE c.addrs END, c.at);
			ELSE
				PERFORM rebound.observe_domain(c.name, c.k,
					CASE WHEN c.r < 0.1 THEN '{}' WHEN c.r < 0.15 AND c.k = 'mx' THEN '{0 .}'
						 WHEN c.r < 0.2 THEN NULL ELSE c.hosts END, c.at);
			END IF;
		EXCEPTION WHEN OTHERS THEN
			INSERT INTO errors VALUES (c.i, SQLSTATE, SQLERRM);
		END;
	END LOOP;
END
$$;

SELECT 'domain_host', domain, role, host, preference, observed, first_seen, last_seen
FROM rebound.domain_host ORDER BY domain, role, host, lower(observed) NULLS FIRST;
SELECT 'host_address', host, addr, observed, first_seen, last_seen
FROM rebound.host_address ORDER BY host, addr NULLS FIRST, lower(observed) NULLS FIRST;
SELECT 'error', i, state, message FROM errors ORDER BY i;
