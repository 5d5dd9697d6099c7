--
-- rebound.smtp_status: RFC 3463 enhanced status codes
--
SET search_path = rebound, public;

-- valid input, output is canonical (no leading zeros, no spaces)
SELECT s::smtp_status
FROM (VALUES ('5.1.1'), ('4.2.2'), ('2.0.0'), ('5.7.26'), (' 5.999.999 '),
             ('5.001.010'), ('4.4.7')) v(s);

-- malformed input: SQLSTATE 22P02, the input quoted, what is wrong said
\set VERBOSITY default
SELECT ''::smtp_status;
SELECT '   '::smtp_status;
SELECT '3.1.1'::smtp_status;
SELECT '55.1.1'::smtp_status;
SELECT '5.1'::smtp_status;
SELECT '5.1.1.1'::smtp_status;
SELECT '5..1'::smtp_status;
SELECT '5.1.1x'::smtp_status;
SELECT '5.1000.1'::smtp_status;
SELECT '5.1.1000'::smtp_status;
SELECT '-5.1.1'::smtp_status;
SELECT '5.+1.1'::smtp_status;
SELECT 'x.1.1'::smtp_status;
SELECT '550'::smtp_status;
\set VERBOSITY terse
DO $$
BEGIN
	PERFORM '6.0.0'::rebound.smtp_status;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END $$;
\set VERBOSITY default

-- parts
SELECT status_class('5.7.26'), status_subject('5.7.26'), status_detail('5.7.26'),
       status_class('4.999.0'), status_subject('4.999.0'), status_detail('4.999.0');

-- comparison operators: order is class, then subject, then detail
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       smtp_status_cmp(a, b) AS cmp
FROM (VALUES ('5.1.1'::smtp_status, '5.1.1'::smtp_status),
             ('5.1.1', '5.1.10'),
             ('5.1.10', '5.2.1'),
             ('4.9.9', '5.0.0'),
             ('2.0.0', '4.0.0'),
             ('5.10.0', '5.9.999')) v(a, b);

-- btree index, sorting, DISTINCT, GROUP BY
CREATE TEMP TABLE st (s smtp_status);
INSERT INTO st SELECT (c || '.' || (i % 13) || '.' || (i % 7))::smtp_status
FROM generate_series(1, 3000) i, (VALUES (2), (4), (5)) k(c);
CREATE INDEX ON st (s);
CREATE INDEX st_hash ON st USING hash (s);
ANALYZE st;
SELECT count(*), count(DISTINCT s), min(s), max(s) FROM st;
SELECT s, count(*) FROM st WHERE s BETWEEN '5.12.0' AND '5.12.6' GROUP BY s ORDER BY s;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM st WHERE s = '5.1.1';
SELECT count(*) FROM st WHERE s = '5.1.1';
SET enable_indexscan = off;
SET enable_bitmapscan = on;
EXPLAIN (COSTS OFF) SELECT * FROM st WHERE s = '5.1.1';
SELECT count(*) FROM st WHERE s = '5.1.1';
RESET enable_seqscan;
RESET enable_indexscan;
RESET enable_bitmapscan;

-- hash join and merge join over =
CREATE TEMP TABLE st2 AS SELECT DISTINCT s FROM st;
ANALYZE st2;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM st JOIN st2 USING (s);
SELECT count(*) FROM st JOIN st2 USING (s);
SET enable_hashjoin = off;
SET enable_mergejoin = on;
EXPLAIN (COSTS OFF) SELECT count(*) FROM st JOIN st2 USING (s);
SELECT count(*) FROM st JOIN st2 USING (s);
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_nestloop;

-- hashing agrees with equality; the extended hash honours its seed
SELECT smtp_status_hash('5.1.1') = smtp_status_hash('5.001.1') AS same_hash,
       smtp_status_hash_extended('5.1.1', 0) = smtp_status_hash_extended('5.1.1', 0) AS stable,
       smtp_status_hash_extended('5.1.1', 0) <> smtp_status_hash_extended('5.1.1', 1) AS seeded,
       (smtp_status_hash_extended('5.1.1', 0) & 4294967295) = (smtp_status_hash('5.1.1')::int8 & 4294967295) AS low_bits;

-- binary I/O: a binary COPY round trip of every distinct code
\copy (SELECT s FROM st2 ORDER BY s) TO 'results/smtp_status.bin' WITH (FORMAT binary)
CREATE TEMP TABLE st_copy (s smtp_status);
\copy st_copy FROM 'results/smtp_status.bin' WITH (FORMAT binary)
SELECT count(*) AS copied, count(*) FILTER (WHERE s IN (SELECT s FROM st2)) AS equal FROM st_copy;
SELECT smtp_status_send('5.7.26');

-- receive validates like input.  A bytea's binary form is its raw bytes, so
-- a binary COPY of bytea values feeds chosen bytes to smtp_status_recv.
\copy (SELECT '\x010500010001'::bytea) TO 'results/st_ok.bin' WITH (FORMAT binary)
\copy st_copy FROM 'results/st_ok.bin' WITH (FORMAT binary)
\copy (SELECT '\x010600010001'::bytea) TO 'results/st_bad_class.bin' WITH (FORMAT binary)
\copy st_copy FROM 'results/st_bad_class.bin' WITH (FORMAT binary)
\copy (SELECT '\x010503e80001'::bytea) TO 'results/st_bad_subject.bin' WITH (FORMAT binary)
\copy st_copy FROM 'results/st_bad_subject.bin' WITH (FORMAT binary)
\copy (SELECT '\x0105000103e8'::bytea) TO 'results/st_bad_detail.bin' WITH (FORMAT binary)
\copy st_copy FROM 'results/st_bad_detail.bin' WITH (FORMAT binary)
\copy (SELECT '\x020500010001'::bytea) TO 'results/st_bad_version.bin' WITH (FORMAT binary)
\copy st_copy FROM 'results/st_bad_version.bin' WITH (FORMAT binary)
\copy (SELECT '\x0105'::bytea) TO 'results/st_short.bin' WITH (FORMAT binary)
\copy st_copy FROM 'results/st_short.bin' WITH (FORMAT binary)
\copy (SELECT '\x01050001000100'::bytea) TO 'results/st_long.bin' WITH (FORMAT binary)
\copy st_copy FROM 'results/st_long.bin' WITH (FORMAT binary)
SELECT count(*) FROM st_copy WHERE s = '5.1.1';

-- NULL in, NULL out
SELECT status_class(NULL), NULL::smtp_status;
