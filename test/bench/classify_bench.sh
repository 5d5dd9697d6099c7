#!/usr/bin/env bash
# test/bench/classify_bench.sh — speed and memory of rebound.classify().
#
#   bash test/bench/classify_bench.sh [rows]      # default 1000000 rows
#
# Speed: classify() over ROWS diagnostics of the Sisimai corpus (its bounce
# rows, repeated), as a ratio to md5() of the same rows, measured in the
# same session with parallel workers off; each is timed three times and the
# best run counts.  For comparison, the same with a CASE over SQL regexes
# (a hand-written classifier of the kind rebound replaces).
# Memory: the backend's memory before and after 10 million calls in one
# query (pg_backend_memory_contexts, and RssAnon of the backend: its private
# memory, leaving out the shared buffers it touches).

source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
cd "$REBOUND_ROOT"
ROWS=${1:-1000000}
CORPUS=$REBOUND_ROOT/../shared/corpus/sisimai/diagnostics.tsv
setup_all >/dev/null
fresh_database rebound_bench rebound

psql -XAq -v ON_ERROR_STOP=1 -d rebound_bench <<SQL
CREATE TABLE sample (
	sample_id text, eml_file text, recipient_index int, expected_reason text,
	expected_hardbounce int, non_pseudo_status text, expected_replycode text,
	smtp_command text, rhost text, diagnostic_code text,
	raw_diagnostic_code_field text, sisimai_p5_reason text,
	sisimai_p5_hardbounce text);
\copy sample FROM '$CORPUS' WITH (FORMAT csv, DELIMITER E'\t', HEADER true)
CREATE TABLE diag AS
SELECT d.diagnostic
FROM generate_series(1, $ROWS) i
JOIN (SELECT row_number() OVER (ORDER BY sample_id) - 1 AS k, coalesce(diagnostic_code, '') AS diagnostic
	  FROM sample WHERE expected_reason NOT IN ('feedback', 'vacation', 'delivered')) d
  ON d.k = i % (SELECT count(*) FROM sample WHERE expected_reason NOT IN ('feedback', 'vacation', 'delivered'));
VACUUM ANALYZE diag;
SQL

psql -X -d rebound_bench <<'SQL'
\pset footer off
SET max_parallel_workers_per_gather = 0;
SET jit = off;
CREATE FUNCTION pg_temp.best_ms(q text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	best numeric := NULL;
	ms numeric;
BEGIN
	FOR i IN 1..3 LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
		best := least(coalesce(best, ms), ms);
	END LOOP;
	RETURN round(best);
END $$;
SELECT count(*) AS rows, round(avg(length(diagnostic))) AS avg_bytes FROM diag;
SELECT rebound.classify('warm up the caches');
WITH t AS (
	SELECT pg_temp.best_ms('SELECT count(*) FROM diag') AS scan,
		pg_temp.best_ms('SELECT count(md5(diagnostic)) FROM diag') AS md5,
		pg_temp.best_ms('SELECT count(rebound.classify(diagnostic)) FROM diag') AS classify,
		pg_temp.best_ms($q$SELECT count(CASE
			WHEN diagnostic ~* 'user unknown|no such user|does not exist|unknown user|recipient not found' THEN 'user_unknown'
			WHEN diagnostic ~* 'mailbox (is )?full|over ?quota|quota exceeded' THEN 'mailbox_full'
			WHEN diagnostic ~* 'host (not found|unknown)|domain not found|no such domain' THEN 'host_unknown'
			WHEN diagnostic ~* 'blocked|blacklist|block list|spamhaus' THEN 'blocked'
			WHEN diagnostic ~* 'spam' THEN 'spam_detected'
			WHEN diagnostic ~* 'dmarc|spf|dkim' THEN 'auth_failure'
			WHEN diagnostic ~* 'timed out|timeout' THEN 'expired'
			WHEN diagnostic ~* 'relay' THEN 'no_relaying'
			WHEN diagnostic ~* 'disabled|suspended|inactive' THEN 'suspend'
			WHEN diagnostic ~* 'policy' THEN 'policy_violation'
			ELSE 'undefined' END) FROM diag$q$) AS sql_regex_case)
SELECT scan AS scan_ms, md5 AS md5_ms, classify AS classify_ms, sql_regex_case AS regex_case_ms,
	round((classify - scan) / nullif(md5 - scan, 0), 2) AS classify_over_md5_net_of_scan,
	round(classify / md5, 2) AS classify_over_md5,
	round(sql_regex_case / md5, 2) AS regex_case_over_md5
FROM t;

\echo 'With user rules in rebound.rule (matching no row), as a ratio to md5():'
INSERT INTO rebound.rule (pattern, reason)
SELECT 'no such wording ' || i, 'blocked' FROM generate_series(1, 20) i;
SELECT rebound.classify('load the rules');
SELECT round(pg_temp.best_ms('SELECT count(rebound.classify(diagnostic)) FROM diag')
	/ pg_temp.best_ms('SELECT count(md5(diagnostic)) FROM diag'), 2) AS with_20_substring_rules;
INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES
	('^4[0-9][0-9] .*greylist(ed|ing)', true, 'blocked'),
	('quota (utilisateur|user) (atteint|reached)', true, 'mailbox_full');
SELECT rebound.classify('load the rules');
SELECT round(pg_temp.best_ms('SELECT count(rebound.classify(diagnostic)) FROM diag')
	/ pg_temp.best_ms('SELECT count(md5(diagnostic)) FROM diag'), 2) AS with_20_substring_and_2_regex_rules;
DELETE FROM rebound.rule;

\echo 'Memory of this backend before and after 10 million calls in one query:'
CREATE TEMP TABLE mem (at text, context_bytes bigint, rss_anon_kb bigint);
CREATE FUNCTION pg_temp.snap(label text) RETURNS void LANGUAGE sql AS $$
	INSERT INTO mem SELECT label,
		(SELECT sum(total_bytes) FROM pg_backend_memory_contexts),
		(SELECT substring(l FROM '(\d+)')::bigint
		 FROM regexp_split_to_table(pg_read_file('/proc/self/status'), E'\n') l
		 WHERE l LIKE 'RssAnon:%')
$$;
SELECT pg_temp.snap('before');
SELECT count(rebound.classify(diagnostic)) FROM diag, generate_series(1, 10000000 / (SELECT count(*) FROM diag)::int);
SELECT pg_temp.snap('after 10M calls');
SELECT count(rebound.classify(diagnostic)) FROM diag, generate_series(1, 10000000 / (SELECT count(*) FROM diag)::int);
SELECT pg_temp.snap('after 20M calls');
SELECT count(rebound.classify(diagnostic)) FROM diag, generate_series(1, 10000000 / (SELECT count(*) FROM diag)::int);
SELECT pg_temp.snap('after 30M calls');
SELECT * FROM mem;
SQL
