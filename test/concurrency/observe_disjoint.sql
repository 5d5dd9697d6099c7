-- pgbench: each client records batches over its own domains only, in
-- random order and out of time order.  0.1.0's stripes made these
-- deadlock: disjoint domains shared advisory keys, taken in data order.
SELECT rebound.observe(ARRAY(
	SELECT ROW('c' || :client_id || '-' || (random() * 40)::int || '.example',
			   (ARRAY['mx', 'ns'])[1 + i % 2],
			   ARRAY['mx' || (random() * 3)::int || '.example', 'mx' || (random() * 3)::int || '.example'],
			   NULL, now() - (i * 600 + (random() * 599)::int) * interval '1 second')::rebound.observation
	FROM generate_series(1, 12) i ORDER BY random()));
