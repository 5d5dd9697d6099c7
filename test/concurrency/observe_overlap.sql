-- pgbench: every client records batches over the same few domains and
-- hosts (MX, NS and addresses), in random order and out of time order.
SELECT rebound.observe(ARRAY(
	SELECT ROW(CASE WHEN i % 3 = 0 THEN 'mx' || (random() * 9)::int || '.shared.example'
					ELSE 's' || (random() * 14)::int || '.example' END,
			   (ARRAY['addr', 'mx', 'ns'])[1 + i % 3],
			   ARRAY['mx' || (random() * 9)::int || '.shared.example'],
			   ARRAY[('192.0.2.' || (random() * 9)::int)::inet],
			   now() - (i * 600 + (random() * 599)::int) * interval '1 second')::rebound.observation
	FROM generate_series(1, 12) i ORDER BY random()));
